/*
 * Unit tests for the netdev provider contract, as the datapath relies on
 * it: per-type options through netdev_set_config() (unknown names and bad
 * values refused with a message, nothing changed), several receive queues
 * (netdev-dummy spreads injected frames by their MAC addresses, or puts
 * them on a named queue), and a device that accepts only part of a batch
 * (options:tx-capacity).  Everything here runs on dummy ports, without
 * privileges; test-netdev.c covers the kernel providers.
 */
#include <config.h>
#include "tests.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "netdev-dummy.h"
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

int
test_netdev_contract_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dummy_options),
        cmocka_unit_test(test_dummy_rxqs),
        cmocka_unit_test(test_dummy_tx_capacity),
    };
    return cmocka_run_group_tests_name("netdev-contract", tests, NULL,
                                       NULL);
}
