/*
 * Unit tests for the netdev provider contract, as the datapath relies on
 * it: per-type options through netdev_set_config() (unknown names and bad
 * values refused with a message, nothing changed), several receive queues
 * (netdev-dummy spreads injected frames by their MAC addresses, or puts
 * them on a named queue), and a device that accepts only part of a batch
 * (options:tx-capacity).  Transmit ownership: egress tags go in once, in
 * shared code, and a shared packet is never changed where another port
 * could see it; a pooled dummy port (options:pool=true) adopts pool
 * buffers without a copy and copies anything else exactly once, and
 * every reference is released exactly once (the pool ends with nothing
 * outstanding).  Provider registration: a type's init hook runs once, on
 * first open, and a failing one leaves the type unavailable with its
 * reason in errors and in "netdev/types".  Everything here runs on dummy
 * ports, without privileges; test-netdev.c covers the kernel providers.
 */
#include <config.h>
#include "tests.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "dp-packet.h"
#include "netdev-dummy.h"
#include "netdev-provider.h"
#include "netdev.h"
#include "smap.h"
#include "util.h"

/* Helpers. */

static bool
fd_readable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/* A 60-byte frame from MAC ..:'src' to MAC ..:'dst', payload 'marker'. */
static size_t
make_frame(uint8_t *out, uint8_t dst, uint8_t src, uint8_t marker)
{
    memset(out, 0, 60);
    out[0] = 0x02;
    out[5] = dst;
    out[6] = 0x02;
    out[11] = src;
    out[12] = 0x88;
    out[13] = 0xb5;
    memset(out + 14, marker, 46);
    return 60;
}

/* Applies one option; returns the error (and frees its message, after
 * checking that it contains 'expect' if nonnull). */
static int
set_one(struct netdev *dev, const char *key, const char *value,
        const char *expect)
{
    struct smap options = SMAP_INITIALIZER;
    char *error = NULL;
    int retval;

    smap_add(&options, key, value);
    retval = netdev_set_config(dev, &options, &error);
    if (expect) {
        assert_non_null(error);
        assert_non_null(strstr(error, expect));
    }
    if (!retval) {
        assert_null(error);
    }
    free(error);
    smap_destroy(&options);
    return retval;
}

/* Options. */

static void
test_dummy_options(void **state)
{
    struct smap none = SMAP_INITIALIZER;
    struct netdev *dev;
    char *error;

    (void) state;
    netdev_init();
    assert_int_equal(netdev_open("opt0", "dummy", &dev, NULL), 0);
    assert_int_equal(netdev_n_rxq(dev), 1);

    assert_int_equal(set_one(dev, "n_rxq", "abc",
                             "opt0: options:n_rxq \"abc\" is not an integer "
                             "in 1..16"), EINVAL);
    assert_int_equal(set_one(dev, "n_rxq", "0", "in 1..16"), EINVAL);
    assert_int_equal(set_one(dev, "n_rxq", "17", "in 1..16"), EINVAL);
    assert_int_equal(set_one(dev, "tx-capacity", "33", "in 0..32"), EINVAL);
    assert_int_equal(set_one(dev, "no-such", "1",
                             "has no option \"no-such\" (valid options: "
                             "n_rxq, tx-capacity"), EINVAL);
    assert_int_equal(netdev_n_rxq(dev), 1);

    assert_int_equal(set_one(dev, "n_rxq", "4", NULL), 0);
    assert_int_equal(netdev_n_rxq(dev), 4);

    /* A refused configuration changes nothing, also the valid part. */
    {
        struct smap options = SMAP_INITIALIZER;

        smap_add(&options, "n_rxq", "2");
        smap_add(&options, "tx-capacity", "x");
        assert_int_equal(netdev_set_config(dev, &options, &error), EINVAL);
        assert_non_null(strstr(error, "options:tx-capacity \"x\""));
        free(error);
        smap_destroy(&options);
        assert_int_equal(netdev_n_rxq(dev), 4);
    }

    /* No options: the defaults again. */
    assert_int_equal(netdev_set_config(dev, &none, NULL), 0);
    assert_int_equal(netdev_n_rxq(dev), 1);
    netdev_close(dev);
}

/* Receive queues. */

static void
test_dummy_rxqs(void **state)
{
    struct netdev_rxq *rxqs[4];
    struct dp_recv_buffers bufs;
    struct dp_packet_batch batch;
    unsigned int total = 0, n_busy = 0;
    struct netdev *dev;
    uint8_t frame[60];
    char *error;

    (void) state;
    dp_recv_buffers_init(&bufs);
    assert_int_equal(netdev_open("rxq0", "dummy", &dev, NULL), 0);
    assert_int_equal(set_one(dev, "n_rxq", "4", NULL), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(netdev_rxq_open(dev, i, &rxqs[i]), 0);
    }
    {
        struct netdev_rxq *extra;

        assert_int_equal(netdev_rxq_open(dev, 4, &extra), EINVAL);
    }

    /* 64 conversations spread over the queues; each conversation's frames
     * stay on one queue, in order. */
    for (int conv = 0; conv < 64; conv++) {
        for (int k = 0; k < 2; k++) {
            make_frame(frame, conv, 100 + conv, k);
            assert_int_equal(netdev_dummy_receive("rxq0", frame, 60), 0);
        }
    }
    for (int i = 0; i < 4; i++) {
        unsigned int n = 0;

        if (fd_readable(netdev_rxq_fd(rxqs[i]))) {
            n_busy++;
        }
        for (;;) {
            dp_recv_buffers_prepare(&bufs, &batch);
            if (!netdev_rxq_recv(rxqs[i], &batch)) {
                break;
            }
            for (unsigned int j = 0; j < batch.count; j += 2) {
                const uint8_t *a = dp_packet_data(batch.packets[j]);
                const uint8_t *b = dp_packet_data(batch.packets[j + 1]);

                assert_int_equal(a[5], b[5]);
                assert_int_equal(a[14], 0);
                assert_int_equal(b[14], 1);
            }
            n += batch.count;
        }
        assert_false(fd_readable(netdev_rxq_fd(rxqs[i])));
        total += n;
    }
    assert_int_equal(total, 128);
    assert_true(n_busy >= 3);

    /* A named queue. */
    make_frame(frame, 1, 2, 9);
    assert_int_equal(netdev_dummy_receive_queue("rxq0", 3, frame, 60), 0);
    assert_int_equal(netdev_dummy_receive_queue("rxq0", 4, frame, 60),
                     EINVAL);
    assert_true(fd_readable(netdev_rxq_fd(rxqs[3])));
    dp_recv_buffers_prepare(&bufs, &batch);
    assert_int_equal(netdev_rxq_recv(rxqs[3], &batch), 1);
    {
        const char *hex[] = { "ffffffffffff020000000001" };

        error = netdev_dummy_receive_hex_queue("rxq0", 7, 1, hex);
        assert_non_null(strstr(error, "no receive queue 7"));
        free(error);
    }

    /* Fewer queues: waiting frames move to queue 0. */
    assert_int_equal(netdev_dummy_receive_queue("rxq0", 2, frame, 60), 0);
    assert_int_equal(set_one(dev, "n_rxq", "1", NULL), 0);
    dp_recv_buffers_prepare(&bufs, &batch);
    assert_int_equal(netdev_rxq_recv(rxqs[2], &batch), 0);
    dp_recv_buffers_prepare(&bufs, &batch);
    assert_int_equal(netdev_rxq_recv(rxqs[0], &batch), 1);

    for (int i = 0; i < 4; i++) {
        netdev_rxq_close(rxqs[i]);
    }
    netdev_close(dev);
    dp_recv_buffers_destroy(&bufs);
}

/* Transmit. */

static void
test_dummy_tx_capacity(void **state)
{
    uint8_t bufs[8][256], frame[60];
    struct netdev_tx_batch tx;
    struct netdev_stats stats;
    struct dp_packet pkts[8];
    struct netdev *dev;
    char *sent, *error;

    (void) state;
    assert_int_equal(netdev_open("cap0", "dummy", &dev, NULL), 0);
    assert_int_equal(set_one(dev, "tx-capacity", "3", NULL), 0);
    tx.count = 0;
    for (int i = 0; i < 8; i++) {
        make_frame(frame, 1, 2, i);
        memcpy(bufs[i] + DP_PACKET_HEADROOM, frame, 60);
        dp_packet_set_data(&pkts[i], bufs[i], sizeof bufs[i],
                           DP_PACKET_HEADROOM, 60);
        dp_packet_reset_meta(&pkts[i], 0);
        pkts[i].source = NULL;
        pkts[i].refs = 0;
        tx.packets[tx.count] = &pkts[i];
        tx.tpid[tx.count] = 0;
        tx.tci[tx.count] = 0;
        tx.count++;
    }
    assert_int_equal(netdev_send(dev, 0, &tx), 3);
    assert_int_equal(netdev_get_stats(dev, &stats), 0);
    assert_int_equal(stats.tx_packets, 3);
    assert_int_equal(stats.tx_dropped, 5);
    sent = netdev_dummy_take_sent("cap0", &error);
    assert_int_equal(strlen(sent), 3 * 121);
    free(sent);

    /* A device that takes nothing. */
    assert_int_equal(set_one(dev, "tx-capacity", "0", NULL), 0);
    tx.count = 2;
    assert_int_equal(netdev_send(dev, 0, &tx), 0);
    netdev_close(dev);
}

/* Ownership and copies. */

static void
tx_add(struct netdev_tx_batch *tx, struct dp_packet *p, uint16_t tpid,
       uint16_t tci)
{
    tx->packets[tx->count] = p;
    tx->tpid[tx->count] = tpid;
    tx->tci[tx->count] = tci;
    tx->count++;
}

static size_t
pool_outstanding(void)
{
    size_t n_allocated, n_outstanding;

    netdev_dummy_pool_stats(&n_allocated, &n_outstanding);
    return n_outstanding;
}

static size_t
pool_allocated(void)
{
    size_t n_allocated, n_outstanding;

    netdev_dummy_pool_stats(&n_allocated, &n_outstanding);
    return n_allocated;
}

/* The hex of 'len' bytes at 'data', with a newline. */
static char *
hex_line(const uint8_t *data, size_t len)
{
    char *s = xmalloc(2 * len + 2);

    for (size_t i = 0; i < len; i++) {
        snprintf(s + 2 * i, 3, "%02x", data[i]);
    }
    strcpy(s + 2 * len, "\n");
    return s;
}

/* The hex of 'frame' with an 802.1Q tag 'vid' inserted. */
static char *
hex_tagged(const uint8_t *frame, size_t len, uint16_t vid)
{
    uint8_t out[128];

    memcpy(out, frame, 12);
    out[12] = 0x81;
    out[13] = 0x00;
    out[14] = vid >> 8;
    out[15] = vid;
    memcpy(out + 16, frame + 12, len - 12);
    return hex_line(out, len + 4);
}

static void
expect_sent(const char *port, const char *expected)
{
    char *error;
    char *sent = netdev_dummy_take_sent(port, &error);

    assert_null(error);
    assert_string_equal(sent, expected);
    free(sent);
}

/* Intent: a frame received on a pooled dummy port and sent to another
 * pooled port leaves in the very buffer it arrived in; a frame queued to
 * several ports is copied (once per adopting port) and never changed
 * where the others can see it; and once every sent frame is taken, no
 * pool buffer is out. */
static void
test_dummy_pool_adopt(void **state)
{
    struct smap pooled = SMAP_INITIALIZER;
    unsigned long long adopted0, copied0;
    struct dp_recv_buffers bufs;
    struct dp_packet_batch batch;
    struct netdev *pa, *pb, *pc;
    struct netdev_tx_batch tx;
    struct netdev_rxq *rxq;
    uint8_t frames[4][60];
    char *e1, *e2, *e3;
    size_t allocated;

    (void) state;
    netdev_init();
    dp_recv_buffers_init(&bufs);
    smap_add(&pooled, "pool", "true");
    assert_int_equal(netdev_open("pa", "dummy", &pa, NULL), 0);
    assert_int_equal(netdev_open("pb", "dummy", &pb, NULL), 0);
    assert_int_equal(netdev_open("pc", "dummy", &pc, NULL), 0);
    assert_int_equal(netdev_set_config(pa, &pooled, NULL), 0);
    assert_int_equal(netdev_set_config(pb, &pooled, NULL), 0);
    assert_int_equal(netdev_rxq_open(pa, 0, &rxq), 0);
    assert_int_equal(pool_outstanding(), 0);
    adopted0 = coverage_get("netdev_tx_adopted");
    copied0 = coverage_get("netdev_tx_copied");

    for (int i = 0; i < 4; i++) {
        make_frame(frames[i], 2, 1, i);
        assert_int_equal(netdev_dummy_receive("pa", frames[i], 60), 0);
    }
    dp_recv_buffers_prepare(&bufs, &batch);
    assert_int_equal(netdev_rxq_recv(rxq, &batch), 4);
    for (int i = 0; i < 4; i++) {
        assert_non_null(batch.packets[i]->source);
        assert_int_equal(batch.packets[i]->refs, 0);
        assert_true(dp_packet_headroom(batch.packets[i]) >= 4);
    }
    assert_int_equal(pool_outstanding(), 4);
    allocated = pool_allocated();

    /* Exclusive, from the pool, to a pooled port: handed over with its
     * tag pushed in place, no buffer taken. */
    tx.count = 0;
    tx_add(&tx, batch.packets[0], ETH_TYPE_VLAN, 5);
    assert_int_equal(netdev_send(pb, 0, &tx), 1);
    assert_int_equal(tx.sent_bytes, 64);
    assert_int_equal(coverage_get("netdev_tx_adopted") - adopted0, 1);
    assert_int_equal(coverage_get("netdev_tx_copied") - copied0, 0);
    assert_int_equal(pool_outstanding(), 4);
    assert_int_equal(pool_allocated(), allocated);
    e1 = hex_tagged(frames[0], 60, 5);
    expect_sent("pb", e1);
    free(e1);
    assert_int_equal(pool_outstanding(), 3);  /* Taking it released it. */

    /* Shared by a flood to pb (tagged), pc (untagged, copying kind) and pa
     * (pooled): pb gets a copy, pc copies it out, pa -- last, now
     * exclusive -- adopts it. */
    dp_packet_ref(batch.packets[1]);
    dp_packet_ref(batch.packets[1]);
    tx.count = 0;
    tx_add(&tx, batch.packets[1], ETH_TYPE_VLAN, 7);
    assert_int_equal(netdev_send(pb, 0, &tx), 1);
    assert_int_equal(coverage_get("netdev_tx_copied") - copied0, 1);
    assert_memory_equal(dp_packet_data(batch.packets[1]), frames[1], 60);
    assert_int_equal(dp_packet_size(batch.packets[1]), 60);
    tx.count = 0;
    tx_add(&tx, batch.packets[1], ETH_TYPE_VLAN, 8);
    assert_int_equal(netdev_send(pc, 0, &tx), 1);
    assert_memory_equal(dp_packet_data(batch.packets[1]), frames[1], 60);
    tx.count = 0;
    tx_add(&tx, batch.packets[1], 0, 0);
    assert_int_equal(netdev_send(pa, 0, &tx), 1);
    assert_int_equal(coverage_get("netdev_tx_adopted") - adopted0, 2);
    assert_int_equal(coverage_get("netdev_tx_copied") - copied0, 1);

    /* Exclusive, to the copying kind: copied out, then back to the pool
     * at once. */
    tx.count = 0;
    tx_add(&tx, batch.packets[2], ETH_TYPE_VLAN, 9);
    assert_int_equal(netdev_send(pc, 0, &tx), 1);

    /* Not from the pool (a lent buffer) to a pooled port: copied once. */
    {
        struct dp_packet *lent = &bufs.packets[31];

        memcpy(lent->base + DP_PACKET_HEADROOM, frames[3], 60);
        dp_packet_set_data(lent, lent->base, lent->allocated,
                           DP_PACKET_HEADROOM, 60);
        tx.count = 0;
        tx_add(&tx, lent, 0, 0);
        assert_int_equal(netdev_send(pb, 0, &tx), 1);
        assert_int_equal(coverage_get("netdev_tx_copied") - copied0, 2);
    }

    /* A pooled packet the pipeline drops is released by it. */
    dp_packet_release(batch.packets[3]);

    e1 = hex_tagged(frames[1], 60, 7);
    e2 = hex_line(frames[3], 60);
    e3 = xasprintf("%s%s", e1, e2);
    expect_sent("pb", e3);
    free(e1);
    free(e2);
    free(e3);
    e1 = hex_tagged(frames[1], 60, 8);
    e2 = hex_tagged(frames[2], 60, 9);
    e3 = xasprintf("%s%s", e1, e2);
    expect_sent("pc", e3);
    free(e1);
    free(e2);
    free(e3);
    e1 = hex_line(frames[1], 60);
    expect_sent("pa", e1);
    free(e1);

    /* Every reference released exactly once: nothing is out. */
    assert_int_equal(pool_outstanding(), 0);
    {
        char *show = netdev_dummy_show();

        assert_non_null(strstr(show, "pb: n_rxq=1 tx-capacity=32 pool=true"));
        assert_non_null(strstr(show, "tx: packets=3 adopted=1 copied=2"));
        assert_non_null(strstr(show, "tx: packets=1 adopted=1 copied=0"));
        assert_non_null(strstr(show, "in-use=0"));
        free(show);
    }

    /* Closing a port with adopted frames still queued gives them back. */
    make_frame(frames[0], 2, 1, 0);
    assert_int_equal(netdev_dummy_receive("pa", frames[0], 60), 0);
    dp_recv_buffers_prepare(&bufs, &batch);
    assert_int_equal(netdev_rxq_recv(rxq, &batch), 1);
    tx.count = 0;
    tx_add(&tx, batch.packets[0], 0, 0);
    assert_int_equal(netdev_send(pb, 0, &tx), 1);
    assert_int_equal(pool_outstanding(), 1);
    netdev_close(pb);
    assert_int_equal(pool_outstanding(), 0);

    netdev_rxq_close(rxq);
    netdev_close(pa);
    netdev_close(pc);
    smap_destroy(&pooled);
    dp_recv_buffers_destroy(&bufs);
}

/* Intent: tagging in place for a copying device leaves a shared packet
 * exactly as it was, offload offsets included, even when the same packet
 * goes twice into one batch with two different tags (the shared code
 * must not stack the tags). */
static void
test_copying_tag_restore(void **state)
{
    uint8_t buf[256], frame[60];
    struct netdev_tx_batch tx;
    struct dp_packet p;
    struct netdev *dev;
    char *e1, *e2, *e3;

    (void) state;
    assert_int_equal(netdev_open("cp0", "dummy", &dev, NULL), 0);
    make_frame(frame, 3, 4, 0x11);
    memset(&p, 0, sizeof p);
    memcpy(buf + DP_PACKET_HEADROOM, frame, 60);
    dp_packet_set_data(&p, buf, sizeof buf, DP_PACKET_HEADROOM, 60);
    p.ol.flags = DP_OL_DATA_VALID;
    p.ol.hdr_len = 42;
    p.refs = 2;                     /* Two more ports hold it. */

    tx.count = 0;
    tx_add(&tx, &p, ETH_TYPE_VLAN, 100);
    tx_add(&tx, &p, ETH_TYPE_VLAN_8021AD, 200);
    assert_int_equal(netdev_send(dev, 0, &tx), 2);
    assert_int_equal(tx.sent_bytes, 128);
    assert_int_equal(p.refs, 0);
    assert_int_equal(p.data_ofs, DP_PACKET_HEADROOM);
    assert_int_equal(p.size, 60);
    assert_int_equal(p.ol.hdr_len, 42);
    assert_memory_equal(dp_packet_data(&p), frame, 60);

    e1 = hex_tagged(frame, 60, 100);
    e2 = hex_tagged(frame, 60, 200);
    memcpy(e2 + 24, "88a8", 4);     /* Instead of 8100. */
    e3 = xasprintf("%s%s", e1, e2);
    expect_sent("cp0", e3);
    free(e1);
    free(e2);
    free(e3);

    /* No headroom: not sent (counted), nothing written before the
     * buffer. */
    {
        unsigned long long n0 = coverage_get("netdev_tx_no_headroom");

        memcpy(buf, frame, 60);
        dp_packet_set_data(&p, buf, sizeof buf, 0, 60);
        tx.count = 0;
        tx_add(&tx, &p, ETH_TYPE_VLAN, 1);
        assert_int_equal(netdev_send(dev, 0, &tx), 0);
        assert_int_equal(coverage_get("netdev_tx_no_headroom") - n0, 1);
        assert_memory_equal(buf, frame, 60);
    }
    netdev_close(dev);
}

/* Registration. */

static int fake_init_calls;

static int
fake_init_ok(char **reasonp)
{
    (void) reasonp;
    fake_init_calls++;
    return 0;
}

static int
fake_init_fail(char **reasonp)
{
    fake_init_calls++;
    *reasonp = xstrdup("no hugepages mounted");
    return ENOMEM;
}

static int
fake_open(const char *name, struct netdev **netdevp, char **errorp)
{
    (void) name;
    (void) errorp;
    *netdevp = xzalloc(sizeof **netdevp);
    return 0;
}

static void
fake_close(struct netdev *netdev)
{
    free(netdev);
}

static const char *const fake_names[] = { "color", NULL };
static const char *const fake_helps[] = { "red or blue", NULL };

static const struct netdev_class fake_ok_class = {
    .type = "contract-ok",
    .description = "a test type that starts",
    .init = fake_init_ok,
    .open = fake_open,
    .close = fake_close,
    .option_names = fake_names,
    .option_helps = fake_helps,
};

static const struct netdev_class fake_fail_class = {
    .type = "contract-fail",
    .description = "a test type that cannot start",
    .init = fake_init_fail,
    .open = fake_open,
    .close = fake_close,
};

/* Intent: an optional provider registers at run time; its init hook runs
 * once, at the first open and not before; a failing init makes the type
 * unavailable with the reason, in open errors and in "netdev/types". */
static void
test_register_init(void **state)
{
    struct netdev *a, *b;
    char *error, *text;

    (void) state;
    netdev_init();
    fake_init_calls = 0;
    assert_int_equal(netdev_register_provider(&fake_ok_class), 0);
    assert_int_equal(netdev_register_provider(&fake_fail_class), 0);
    assert_int_equal(netdev_register_provider(&fake_ok_class), EEXIST);
    assert_int_equal(fake_init_calls, 0);
    assert_true(netdev_type_exists("contract-ok"));

    assert_int_equal(netdev_open("f1", "contract-ok", &a, NULL), 0);
    assert_int_equal(netdev_open("f2", "contract-ok", &b, NULL), 0);
    assert_int_equal(fake_init_calls, 1);
    assert_int_equal(set_one(a, "colour", "red",
                             "valid options: color"), EINVAL);
    netdev_close(a);
    netdev_close(b);

    assert_int_equal(netdev_open("f3", "contract-fail", &a, &error),
                     EAFNOSUPPORT);
    assert_string_equal(error, "could not open network device f3 "
                        "(interface type \"contract-fail\" is unavailable: "
                        "no hugepages mounted)");
    free(error);
    assert_int_equal(netdev_open("f4", "contract-fail", &a, NULL),
                     EAFNOSUPPORT);
    assert_int_equal(fake_init_calls, 2);

    text = netdev_types_describe();
    assert_non_null(strstr(text, "contract-fail: a test type that cannot "
                           "start\n    unavailable: no hugepages mounted\n"
                           "    (no options)\n"));
    assert_non_null(strstr(text, "contract-ok: a test type that starts\n"
                           "    options:color: red or blue\n"));
    assert_non_null(strstr(text, "\ninternal: "));
    assert_non_null(strstr(text, "    options:n_rxq: receive queues"));
    free(text);
}

/* dp_recv_buffers_prepare_lazy() resets the descriptors only when a
 * receive may have written to them ('dirty'); it always lends every
 * descriptor, and a full prepare leaves the buffers clean. */
static void
test_recv_buffers_lazy(void **state)
{
    struct dp_recv_buffers bufs;
    struct dp_packet_batch batch;

    dp_recv_buffers_init(&bufs);
    assert_true(bufs.dirty);
    dp_recv_buffers_prepare_lazy(&bufs, &batch);
    assert_false(bufs.dirty);
    assert_int_equal(bufs.packets[3].data_ofs, DP_PACKET_HEADROOM);

    /* A device that lends nothing leaves them alone; pretend one did not,
     * without saying so: nothing is reset. */
    bufs.packets[3].size = 100;
    batch.count = 7;
    batch.packets[3] = NULL;
    dp_recv_buffers_prepare_lazy(&bufs, &batch);
    assert_int_equal(batch.count, 0);
    for (int i = 0; i < DP_BATCH_SIZE; i++) {
        assert_ptr_equal(batch.packets[i], &bufs.packets[i]);
    }
    assert_int_equal(bufs.packets[3].size, 100);

    /* After a receive from a device that may write to them: reset. */
    bufs.dirty = true;
    bufs.packets[3].data_ofs = 0;
    dp_recv_buffers_prepare_lazy(&bufs, &batch);
    assert_int_equal(bufs.packets[3].size, 0);
    assert_int_equal(bufs.packets[3].data_ofs, DP_PACKET_HEADROOM);
    assert_false(bufs.dirty);
    dp_recv_buffers_destroy(&bufs);
}

int
test_netdev_contract_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dummy_options),
        cmocka_unit_test(test_recv_buffers_lazy),
        cmocka_unit_test(test_dummy_rxqs),
        cmocka_unit_test(test_dummy_tx_capacity),
        cmocka_unit_test(test_dummy_pool_adopt),
        cmocka_unit_test(test_copying_tag_restore),
        cmocka_unit_test(test_register_init),
    };
    return cmocka_run_group_tests_name("netdev-contract", tests, NULL,
                                       NULL);
}
