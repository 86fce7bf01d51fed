/*
 * test-dpif.c -- the userspace datapath end to end, over in-test ports.
 *
 * Topology: one bridge "br0" with ports
 *
 *     1  access 10         3  trunk (all VLANs)     5  access 10, SPAN
 *     2  access 10         4  access 20                destination
 *
 * each a "fake" netdev defined here: frames are injected into a port's
 * receive FIFO (its eventfd wakes the forwarding thread) and what the
 * datapath sends is captured, tag included.  Intent: the whole pipeline
 * through real forwarding threads -- flooding within the VLAN with the
 * right egress tags, unicast to a learned port, every input drop reason
 * counted on its port, MTU and full-device drops on output, statistics
 * that survive reconfiguration (ports added and removed while traffic
 * flows, the thread count changed), MAC entries flushed with their port,
 * and aging by warped time.
 */
#include <config.h>
#include "tests.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "dpif.h"
#include "netdev-provider.h"
#include "timeval.h"
#include "util.h"

/* A fake netdev. */

#define FAKE_FRAMES 64
#define FAKE_FRAME_MAX 2048

struct fake_frame {
    size_t len;
    uint8_t data[FAKE_FRAME_MAX];
};

struct fake_netdev {
    struct netdev up;
    pthread_mutex_t mutex;
    int evfd;
    struct fake_frame rx[FAKE_FRAMES];
    size_t rx_head, rx_n;
    struct fake_frame sent[FAKE_FRAMES];
    size_t n_sent;
    int tx_limit;               /* Frames accepted per send; -1: all. */
    int n_txq;
    int bad_qids;               /* Sends on a queue not set up. */
    int bad_buffers;            /* Receives lent too small a buffer. */
};

struct fake_rxq {
    struct netdev_rxq up;
};

static struct fake_netdev *
fake_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct fake_netdev, up);
}

static int
fake_open(const char *name, struct netdev **netdevp, char **errorp)
{
    struct fake_netdev *f = xzalloc(sizeof *f);

    pthread_mutex_init(&f->mutex, NULL);
    f->evfd = eventfd(0, EFD_NONBLOCK);
    f->tx_limit = -1;
    *netdevp = &f->up;
    return 0;
}

static void
fake_close(struct netdev *netdev)
{
    struct fake_netdev *f = fake_cast(netdev);

    close(f->evfd);
    pthread_mutex_destroy(&f->mutex);
    free(f);
}

static int
fake_set_n_txq(struct netdev *netdev, int n)
{
    fake_cast(netdev)->n_txq = n;
    return 0;
}

static int
fake_rxq_open(struct netdev *netdev, int queue, struct netdev_rxq **rxqp)
{
    struct fake_rxq *rxq = xzalloc(sizeof *rxq);

    rxq->up.netdev = netdev;
    *rxqp = &rxq->up;
    return 0;
}

static void
fake_rxq_close(struct netdev_rxq *rxq)
{
    free(CONTAINER_OF(rxq, struct fake_rxq, up));
}

/* Copies frames into the caller's buffers, as the contract asks. */
static int
fake_rxq_recv(struct netdev_rxq *rxq_, struct dp_packet_batch *batch)
{
    struct fake_netdev *f = fake_cast(rxq_->netdev);
    int n = 0;

    pthread_mutex_lock(&f->mutex);
    while (f->rx_n && batch->count < DP_BATCH_SIZE) {
        struct fake_frame *fr = &f->rx[f->rx_head];
        struct dp_packet *p = batch->packets[batch->count];

        f->rx_head = (f->rx_head + 1) % FAKE_FRAMES;
        f->rx_n--;
        if (p->allocated < DP_PACKET_HEADROOM + DP_PACKET_MAX_FRAME) {
            f->bad_buffers++;   /* Checked on the main thread. */
            continue;
        }
        memcpy(p->base + DP_PACKET_HEADROOM, fr->data, fr->len);
        dp_packet_set_data(p, p->base, p->allocated, DP_PACKET_HEADROOM,
                           fr->len);
        dp_packet_reset_meta(p, 0);
        batch->count++;
        n++;
    }
    if (!f->rx_n) {
        uint64_t v;

        if (read(f->evfd, &v, sizeof v) < 0) {
            /* Not readable. */
        }
    }
    pthread_mutex_unlock(&f->mutex);
    return n;
}

static int
fake_rxq_fd(const struct netdev_rxq *rxq)
{
    return fake_cast(rxq->netdev)->evfd;
}

static int
fake_send(struct netdev *netdev, int qid, struct netdev_tx_batch *batch)
{
    struct fake_netdev *f = fake_cast(netdev);
    int n = 0;

    pthread_mutex_lock(&f->mutex);
    if (qid < 0 || qid >= f->n_txq) {
        f->bad_qids++;          /* Checked on the main thread. */
    }
    for (unsigned int i = 0; i < batch->count; i++) {
        struct fake_frame *fr;

        if ((f->tx_limit >= 0 && n >= f->tx_limit)
            || f->n_sent >= FAKE_FRAMES) {
            break;
        }
        fr = &f->sent[f->n_sent++];
        fr->len = dp_packet_copy_tagged(batch->packets[i], batch->tpid[i],
                                        batch->tci[i], fr->data);
        n++;
    }
    pthread_mutex_unlock(&f->mutex);
    return n;
}

static const struct netdev_class fake_class = {
    .type = "fake",
    .open = fake_open,
    .close = fake_close,
    .set_n_txq = fake_set_n_txq,
    .rxq_open = fake_rxq_open,
    .rxq_close = fake_rxq_close,
    .rxq_recv = fake_rxq_recv,
    .rxq_fd = fake_rxq_fd,
    .send = fake_send,
};

static void
fake_inject(struct netdev *netdev, const uint8_t *data, size_t len)
{
    struct fake_netdev *f = fake_cast(netdev);
    uint64_t one = 1;

    pthread_mutex_lock(&f->mutex);
    assert_true(f->rx_n < FAKE_FRAMES);
    f->rx[(f->rx_head + f->rx_n) % FAKE_FRAMES].len = len;
    memcpy(f->rx[(f->rx_head + f->rx_n) % FAKE_FRAMES].data, data, len);
    f->rx_n++;
    pthread_mutex_unlock(&f->mutex);
    assert_int_equal(write(f->evfd, &one, sizeof one), sizeof one);
}

/* Like fake_inject() but for other threads: returns false if the FIFO is
 * full instead of failing. */
static bool
fake_try_inject(struct netdev *netdev, const uint8_t *data, size_t len)
{
    struct fake_netdev *f = fake_cast(netdev);
    uint64_t one = 1;
    bool ok = false;

    pthread_mutex_lock(&f->mutex);
    if (f->rx_n < FAKE_FRAMES) {
        struct fake_frame *fr = &f->rx[(f->rx_head + f->rx_n) % FAKE_FRAMES];

        fr->len = len;
        memcpy(fr->data, data, len);
        f->rx_n++;
        ok = true;
    }
    /* Clear what was sent so that the capture never fills up. */
    f->n_sent = 0;
    pthread_mutex_unlock(&f->mutex);
    if (ok && write(f->evfd, &one, sizeof one) < 0) {
        ok = false;
    }
    return ok;
}

static size_t
fake_n_sent(struct netdev *netdev)
{
    struct fake_netdev *f = fake_cast(netdev);
    size_t n;

    pthread_mutex_lock(&f->mutex);
    n = f->n_sent;
    pthread_mutex_unlock(&f->mutex);
    return n;
}

static void
fake_clear_sent(struct netdev *netdev)
{
    struct fake_netdev *f = fake_cast(netdev);

    pthread_mutex_lock(&f->mutex);
    f->n_sent = 0;
    pthread_mutex_unlock(&f->mutex);
}

/* The test bridge. */

#define N_PORTS 6

struct bench {
    struct dpif *dpif;
    struct netdev *netdevs[N_PORTS + 1];    /* By port number. */
    struct dpif_bridge_config br;
    struct dpif_port_config ports[N_PORTS];
    size_t n_ports;
    unsigned int n_threads;
};

static void
sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void
add_port(struct bench *b, uint32_t port_no, enum dp_vlan_mode mode,
         uint16_t tag)
{
    struct dpif_port_config *pc = &b->ports[b->n_ports++];
    char name[16];

    if (!b->netdevs[port_no]) {
        snprintf(name, sizeof name, "p%"PRIu32, port_no);
        assert_int_equal(netdev_open(name, "fake", &b->netdevs[port_no],
                                     NULL), 0);
    }
    memset(pc, 0, sizeof *pc);
    pc->port_no = port_no;
    pc->name = netdev_get_name(b->netdevs[port_no]);
    pc->netdev = b->netdevs[port_no];
    pc->vlan.mode = mode;
    pc->vlan.tag = tag;
    pc->vlan.qinq_tpid = ETH_TYPE_VLAN_8021AD;
}

static struct dpif_port_config *
find_port(struct bench *b, uint32_t port_no)
{
    for (size_t i = 0; i < b->n_ports; i++) {
        if (b->ports[i].port_no == port_no) {
            return &b->ports[i];
        }
    }
    return NULL;
}

static void
remove_port(struct bench *b, uint32_t port_no)
{
    struct dpif_port_config *pc = find_port(b, port_no);

    *pc = b->ports[--b->n_ports];
}

static void
apply(struct bench *b)
{
    struct dpif_config cfg = {
        .bridges = &b->br, .n_bridges = 1,
        .ports = b->ports, .n_ports = b->n_ports,
        .n_threads = b->n_threads,
    };
    char **errors;

    assert_int_equal(dpif_reconfigure(b->dpif, &cfg, &errors), 0);
    for (size_t i = 0; i < b->n_ports; i++) {
        assert_null(errors[i]);
    }
    free(errors);
}

static int
bench_setup(void **state)
{
    static bool registered;
    struct bench *b = xzalloc(sizeof *b);

    if (!registered) {
        netdev_init();
        netdev_register_provider(&fake_class);
        registered = true;
    }
    assert_int_equal(dpif_create("netdev", "test", &b->dpif), 0);
    assert_string_equal(dpif_type(b->dpif), "netdev");
    b->br.name = "br0";
    add_port(b, 1, DP_VLAN_ACCESS, 10);
    add_port(b, 2, DP_VLAN_ACCESS, 10);
    add_port(b, 3, DP_VLAN_TRUNK, 0);
    add_port(b, 4, DP_VLAN_ACCESS, 20);
    add_port(b, 5, DP_VLAN_ACCESS, 10);
    find_port(b, 5)->ingress.mirror_output = true;
    apply(b);
    *state = b;
    return 0;
}

static int
bench_teardown(void **state)
{
    struct bench *b = *state;

    dpif_destroy(b->dpif);
    for (int i = 0; i <= N_PORTS; i++) {
        if (b->netdevs[i]) {
            assert_int_equal(fake_cast(b->netdevs[i])->bad_qids, 0);
            assert_int_equal(fake_cast(b->netdevs[i])->bad_buffers, 0);
        }
        netdev_close(b->netdevs[i]);
    }
    free(b);
    return 0;
}

/* Frames. */

static size_t
make_frame(uint8_t *d, uint8_t dst_last, uint8_t src_last, size_t len)
{
    memset(d, 0, len);
    if (dst_last == 0xff) {
        memset(d, 0xff, 6);
    } else {
        d[0] = 0x02;
        d[5] = dst_last;
    }
    d[6] = 0x02;
    d[11] = src_last;
    d[12] = 0x08;
    return len;
}

static void
inject(struct bench *b, uint32_t port, uint8_t dst, uint8_t src,
       size_t len)
{
    uint8_t frame[FAKE_FRAME_MAX];

    fake_inject(b->netdevs[port], frame, make_frame(frame, dst, src, len));
}

/* Waits until the datapath has received 'n' frames on 'port' in total
 * and handled them (counted them as forwarded or dropped). */
static void
wait_rx(struct bench *b, uint32_t port, uint64_t n)
{
    for (int i = 0; i < 2000; i++) {
        struct dpif_port_stats st;

        dpif_port_stats(b->dpif, port, &st);
        if (st.rx_packets >= n) {
            return;         /* (The datapath counts rx last.) */
        }
        sleep_ms(1);
    }
    fail_msg("port %"PRIu32" never received %"PRIu64" frames", port, n);
}

static struct fake_frame *
sent_frame(struct bench *b, uint32_t port, size_t i)
{
    return &fake_cast(b->netdevs[port])->sent[i];
}

static void
clear_all_sent(struct bench *b)
{
    for (int i = 1; i <= N_PORTS; i++) {
        if (b->netdevs[i]) {
            fake_clear_sent(b->netdevs[i]);
        }
    }
}

static uint64_t
port_drops(struct bench *b, uint32_t port, enum dp_drop_reason r)
{
    uint64_t counts[DP_N_DROPS];

    assert_int_equal(dpif_port_drop_stats(b->dpif, port, counts), 0);
    return counts[r];
}

/* Tests. */

static void
test_flood_and_unicast(void **state)
{
    struct bench *b = *state;
    struct fake_frame *fr;
    struct dpif_fdb_entry *e;
    struct dpif_port_stats st;
    size_t n;

    /* A broadcast from port 1 (VLAN 10) reaches 2 untagged and 3 tagged,
     * not 4 (VLAN 20) nor 5 (mirror output) nor 1 itself. */
    inject(b, 1, 0xff, 0xa1, 60);
    wait_rx(b, 1, 1);
    assert_int_equal(fake_n_sent(b->netdevs[1]), 0);
    assert_int_equal(fake_n_sent(b->netdevs[2]), 1);
    assert_int_equal(fake_n_sent(b->netdevs[3]), 1);
    assert_int_equal(fake_n_sent(b->netdevs[4]), 0);
    assert_int_equal(fake_n_sent(b->netdevs[5]), 0);
    assert_int_equal(sent_frame(b, 2, 0)->len, 60);
    fr = sent_frame(b, 3, 0);
    assert_int_equal(fr->len, 64);
    assert_int_equal(fr->data[12], 0x81);
    assert_int_equal(fr->data[13], 0x00);
    assert_int_equal(fr->data[15], 10);
    clear_all_sent(b);

    /* The reply goes to port 1 only. */
    inject(b, 2, 0xa1, 0xa2, 60);
    wait_rx(b, 2, 1);
    assert_int_equal(fake_n_sent(b->netdevs[1]), 1);
    assert_int_equal(fake_n_sent(b->netdevs[3]), 0);
    clear_all_sent(b);

    n = dpif_fdb_dump(b->dpif, 0, &e);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(e[i].vlan, 10);
        assert_int_equal(e[i].port_no, e[i].mac[5] == 0xa1 ? 1 : 2);
    }
    free(e);

    assert_int_equal(dpif_port_stats(b->dpif, 1, &st), 0);
    assert_int_equal(st.rx_packets, 1);
    assert_int_equal(st.rx_bytes, 60);
    assert_int_equal(st.tx_packets, 1);
    assert_int_equal(st.tx_bytes, 60);
    assert_int_equal(dpif_port_stats(b->dpif, 3, &st), 0);
    assert_int_equal(st.tx_bytes, 64);
    assert_int_equal(dpif_port_stats(b->dpif, 99, &st), ENOENT);
}

static void
test_input_drops(void **state)
{
    struct bench *b = *state;
    uint8_t frame[64];
    uint64_t totals[DP_N_DROPS];
    struct dpif_port_stats st;

    inject(b, 1, 0xff, 0xa1, 60);          /* Learn 0xa1 on port 1. */
    wait_rx(b, 1, 1);
    inject(b, 1, 0xa1, 0xa3, 60);          /* To itself: SAME_PORT. */
    inject(b, 1, 0xff, 0xa1, 10);          /* RUNT. */
    make_frame(frame, 0xff, 0xa1, 16);
    frame[12] = 0x81;
    frame[13] = 0x00;
    fake_inject(b->netdevs[1], frame, 16);  /* TRUNCATED_VLAN. */
    make_frame(frame, 0xff, 0xa1, 60);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[15] = 10;
    fake_inject(b->netdevs[1], frame, 60);  /* VLAN_TAGGED_ON_ACCESS. */
    inject(b, 1, 0x00, 0xa1, 60);
    wait_rx(b, 1, 6);
    inject(b, 5, 0xff, 0xa5, 60);          /* MIRROR_OUTPUT. */
    wait_rx(b, 5, 1);
    make_frame(frame, 0xff, 0xa3, 60);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[15] = 30;
    fake_inject(b->netdevs[3], frame, 60);  /* NO_PORTS: none in 30. */
    wait_rx(b, 3, 1);

    assert_int_equal(port_drops(b, 1, DP_DROP_SAME_PORT), 1);
    assert_int_equal(port_drops(b, 1, DP_DROP_RUNT), 1);
    assert_int_equal(port_drops(b, 1, DP_DROP_TRUNCATED_VLAN), 1);
    assert_int_equal(port_drops(b, 1, DP_DROP_VLAN_TAGGED_ON_ACCESS), 1);
    assert_int_equal(port_drops(b, 5, DP_DROP_MIRROR_OUTPUT), 1);
    assert_int_equal(port_drops(b, 3, DP_DROP_NO_PORTS), 1);
    assert_int_equal(dpif_port_stats(b->dpif, 1, &st), 0);
    assert_int_equal(st.rx_dropped, 4);

    /* The frame to 02:..:00 on port 1 flooded normally. */
    dpif_drop_stats(b->dpif, totals);
    assert_int_equal(totals[DP_DROP_RUNT], 1);
    assert_int_equal(totals[DP_DROP_NO_PORTS], 1);
    assert_int_equal(totals[DP_DROP_MIRROR_OUTPUT], 1);
}

static void
test_output_drops(void **state)
{
    struct bench *b = *state;
    struct dpif_port_stats st;

    /* MTU 100 on port 2: a 160-byte frame (146 bytes of payload) is
     * dropped there but still reaches port 3. */
    find_port(b, 2)->output.mtu = 100;
    apply(b);
    inject(b, 1, 0xff, 0xa1, 160);
    inject(b, 1, 0xff, 0xa1, 114);          /* Payload exactly 100. */
    wait_rx(b, 1, 2);
    assert_int_equal(port_drops(b, 2, DP_DROP_MTU), 1);
    assert_int_equal(fake_n_sent(b->netdevs[2]), 1);
    assert_int_equal(fake_n_sent(b->netdevs[3]), 2);
    assert_int_equal(dpif_port_stats(b->dpif, 2, &st), 0);
    assert_int_equal(st.tx_dropped, 1);
    assert_int_equal(st.tx_packets, 1);

    /* A device that takes nothing: TX_FULL. */
    fake_cast(b->netdevs[3])->tx_limit = 0;
    inject(b, 1, 0xff, 0xa1, 60);
    wait_rx(b, 1, 3);
    assert_int_equal(port_drops(b, 3, DP_DROP_TX_FULL), 1);
    fake_cast(b->netdevs[3])->tx_limit = -1;
}

/* Trunk in, access out, and a tagged frame for a VLAN nobody else has. */
static void
test_trunk_ingress(void **state)
{
    struct bench *b = *state;
    uint8_t frame[64];
    struct fake_frame *fr;

    make_frame(frame, 0xff, 0xb3, 64);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[14] = 0xa0;           /* PCP 5. */
    frame[15] = 20;
    frame[16] = 0x08;
    fake_inject(b->netdevs[3], frame, 64);
    wait_rx(b, 3, 1);
    assert_int_equal(fake_n_sent(b->netdevs[4]), 1);
    assert_int_equal(fake_n_sent(b->netdevs[1]), 0);
    fr = sent_frame(b, 4, 0);
    assert_int_equal(fr->len, 60);          /* Tag removed. */
    assert_int_equal(fr->data[12], 0x08);
}

static void
test_reconfigure(void **state)
{
    struct bench *b = *state;
    struct dpif_fdb_entry *e;
    struct dpif_port_stats st;
    size_t n;

    inject(b, 1, 0xff, 0xa1, 60);
    inject(b, 2, 0xff, 0xa2, 60);
    wait_rx(b, 1, 1);
    wait_rx(b, 2, 1);

    /* Remove port 2, add port 6 (access 10): traffic and counters of the
     * others carry on, port 2's MAC is forgotten. */
    remove_port(b, 2);
    add_port(b, 6, DP_VLAN_ACCESS, 10);
    apply(b);
    assert_int_equal(dpif_port_stats(b->dpif, 2, &st), ENOENT);
    n = dpif_fdb_dump(b->dpif, 0, &e);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].port_no, 1);
    free(e);

    clear_all_sent(b);
    inject(b, 1, 0xff, 0xa1, 60);
    wait_rx(b, 1, 2);
    assert_int_equal(fake_n_sent(b->netdevs[6]), 1);
    assert_int_equal(fake_n_sent(b->netdevs[2]), 0);

    /* Two threads: counters survive the restart, forwarding goes on. */
    b->n_threads = 2;
    apply(b);
    assert_int_equal(fake_cast(b->netdevs[1])->n_txq, 2);
    inject(b, 6, 0xa1, 0xa6, 60);
    wait_rx(b, 6, 1);
    inject(b, 1, 0xa6, 0xa1, 60);
    wait_rx(b, 1, 3);
    assert_int_equal(fake_n_sent(b->netdevs[1]), 1);
    assert_int_equal(fake_n_sent(b->netdevs[6]), 2);
    assert_int_equal(dpif_port_stats(b->dpif, 1, &st), 0);
    assert_int_equal(st.rx_packets, 3);

    /* Back to one thread, bigger table: entries survive. */
    b->n_threads = 1;
    b->br.mac_table_size = 100000;
    apply(b);
    {
        struct dpif_fdb_stats fs;

        assert_int_equal(dpif_fdb_stats(b->dpif, 0, &fs), 0);
        assert_int_equal(fs.n_entries, 2);
        assert_int_equal(fs.max_entries, 100000);
    }
    b->br.mac_table_size = 0;

    /* A new VLAN policy on port 6 flushes its entries. */
    find_port(b, 6)->vlan.tag = 20;
    apply(b);
    n = dpif_fdb_dump(b->dpif, 0, &e);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].port_no, 1);
    free(e);
}

static void
test_aging(void **state)
{
    struct bench *b = *state;
    struct dpif_fdb_entry *e;
    struct dpif_fdb_stats fs;
    size_t n;

    timeval_stop();
    b->br.mac_aging_s = 10;
    apply(b);
    inject(b, 1, 0xff, 0xa1, 60);
    wait_rx(b, 1, 1);
    n = dpif_fdb_dump(b->dpif, 0, &e);
    assert_int_equal(n, 1);
    free(e);

    timeval_warp(11 * 1000);
    n = dpif_fdb_dump(b->dpif, 0, &e);      /* Before any sweep. */
    assert_int_equal(n, 0);
    free(e);
    dpif_run(b->dpif);
    assert_int_equal(dpif_fdb_stats(b->dpif, 0, &fs), 0);
    assert_int_equal(fs.n_entries, 0);
    assert_int_equal(fs.expired, 1);

    inject(b, 1, 0xff, 0xa1, 60);
    wait_rx(b, 1, 2);
    dpif_fdb_flush(b->dpif, 0);
    assert_int_equal(dpif_fdb_dump(b->dpif, 0, &e), 0);
    free(e);
    b->br.mac_aging_s = 0;
}

/* Reconfiguration while traffic flows: ports come and go, the thread
 * count changes, and every frame injected on port 1 is still received and
 * handled exactly once. */
struct traffic {
    struct netdev *netdev;
    atomic_bool stop;
    atomic_long n_injected;
};

static void *
traffic_main(void *t_)
{
    struct traffic *t = t_;
    uint8_t frame[64];

    make_frame(frame, 0xff, 0xa1, 60);
    while (!atomic_load(&t->stop)) {
        if (fake_try_inject(t->netdev, frame, 60)) {
            atomic_fetch_add(&t->n_injected, 1);
        } else {
            sched_yield();
        }
    }
    return NULL;
}

static void
test_reconfigure_under_load(void **state)
{
    struct bench *b = *state;
    struct traffic t = { .netdev = b->netdevs[1] };
    struct dpif_port_stats st;
    pthread_t thread;

    pthread_create(&thread, NULL, traffic_main, &t);
    for (int i = 0; i < 60 || (atomic_load(&t.n_injected) < 10000
                               && i < 100000); i++) {
        if (i % 2 == 0) {
            remove_port(b, 4);
            add_port(b, 6, DP_VLAN_ACCESS, 10);
        } else {
            remove_port(b, 6);
            add_port(b, 4, DP_VLAN_ACCESS, 10);
        }
        b->n_threads = 1 + (i % 16 >= 12);
        apply(b);
    }
    atomic_store(&t.stop, true);
    pthread_join(thread, NULL);

    wait_rx(b, 1, atomic_load(&t.n_injected));
    assert_int_equal(dpif_port_stats(b->dpif, 1, &st), 0);
    assert_int_equal(st.rx_packets, atomic_load(&t.n_injected));
    assert_int_equal(st.rx_dropped, 0);
}

int
test_dpif_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flood_and_unicast,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_input_drops,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_output_drops,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_trunk_ingress,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_reconfigure,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_aging,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_reconfigure_under_load,
                                        bench_setup, bench_teardown),
    };
    return cmocka_run_group_tests_name("dpif", tests, NULL, NULL);
}
