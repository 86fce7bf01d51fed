/*
 * test-dpif.c -- the userspace datapath end to end, over in-test ports.
 *
 * Topology: one bridge "br0" with ports
 *
 *     1  access 10         3  trunk (all VLANs)     5  access 10, SPAN
 *     2  access 10         4  access 20                destination
 *
 * each a dummy netdev (netdev-dummy.h): frames are injected into a port's
 * receive queue (its eventfd wakes the forwarding thread) and what the
 * datapath sends is taken back, tag included.  Intent: the whole pipeline
 * through real forwarding threads -- flooding within the VLAN with the
 * right egress tags, unicast to a learned port, every input drop reason
 * counted on its port, MTU and full-device drops on output, statistics
 * that survive reconfiguration (ports added and removed while traffic
 * flows, the thread count changed), MAC entries flushed with their port,
 * aging by warped time, every receive queue of a multi-queue port polled,
 * and a stage registered at run time (test_custom_stage()).
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
#include <time.h>

#include "dp-stage.h"
#include "dpif.h"
#include "netdev-dummy.h"
#include "netdev-provider.h"
#include "pipeline.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"

/* Ports: dummy netdevs (netdev-dummy.h), under a thin wrapper type that
 * also checks that every send uses a transmit queue the datapath set up
 * (set_n_txq) -- the one thing the dummy itself does not check. */

#define N_PORTS 6
#define SENT_MAX 64
#define FRAME_MAX 2048

struct sent_frame {
    size_t len;
    uint8_t data[FRAME_MAX];
};

/* What the test knows about port N, by port number. */
struct test_port {
    struct netdev *netdev;
    atomic_int n_txq;
    atomic_int bad_qids;        /* Sends on a queue not set up. */
    size_t n_sent;              /* Frames taken from the dummy so far. */
    struct sent_frame sent[SENT_MAX];
};

static struct test_port test_ports[N_PORTS + 1];
static struct netdev_class checked_class;

static struct test_port *
test_port_of(const struct netdev *netdev)
{
    for (int i = 0; i <= N_PORTS; i++) {
        if (test_ports[i].netdev == netdev) {
            return &test_ports[i];
        }
    }
    return NULL;
}

static int
checked_set_n_txq(struct netdev *netdev, int n)
{
    struct test_port *tp = test_port_of(netdev);

    if (tp) {
        atomic_store(&tp->n_txq, n);
    }
    return netdev_dummy_class.set_n_txq
           ? netdev_dummy_class.set_n_txq(netdev, n) : 0;
}

static int
checked_send(struct netdev *netdev, int qid, struct dp_packet_batch *batch)
{
    struct test_port *tp = test_port_of(netdev);

    if (tp && (qid < 0 || qid >= atomic_load(&tp->n_txq))) {
        atomic_fetch_add(&tp->bad_qids, 1);     /* Checked at teardown. */
    }
    return netdev_dummy_class.send(netdev, qid, batch);
}

static void
register_checked_class(void)
{
    checked_class = netdev_dummy_class;
    checked_class.type = "checked-dummy";
    checked_class.set_n_txq = checked_set_n_txq;
    checked_class.send = checked_send;
    netdev_register_provider(&checked_class);
}

static void
port_inject(struct netdev *netdev, const uint8_t *data, size_t len)
{
    assert_int_equal(netdev_dummy_receive(netdev_get_name(netdev), data,
                                          len), 0);
}

static int
hex_digit(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* Moves what port 'port_no' sent since the last call into its record. */
static void
collect_sent(uint32_t port_no)
{
    struct test_port *tp = &test_ports[port_no];
    char *error, *text, *line, *save = NULL;

    text = netdev_dummy_take_sent(netdev_get_name(tp->netdev), &error);
    assert_null(error);
    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct sent_frame *fr = &tp->sent[tp->n_sent];
        size_t len = strlen(line) / 2;

        assert_true(tp->n_sent < SENT_MAX && len <= FRAME_MAX);
        for (size_t i = 0; i < len; i++) {
            fr->data[i] = hex_digit(line[2 * i]) << 4
                          | hex_digit(line[2 * i + 1]);
        }
        fr->len = len;
        tp->n_sent++;
    }
    free(text);
}

/* The frames port 'port_no' sent since the last clear_all_sent(). */
static size_t
n_sent(uint32_t port_no)
{
    collect_sent(port_no);
    return test_ports[port_no].n_sent;
}

static void
set_tx_capacity(struct netdev *netdev, int n)
{
    struct smap options;
    char value[16];

    smap_init(&options);
    snprintf(value, sizeof value, "%d", n);
    smap_add(&options, "tx-capacity", value);
    assert_int_equal(netdev_set_config(netdev, &options, NULL), 0);
    smap_destroy(&options);
}

/* The test bridge. */

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
        assert_int_equal(netdev_open(name, "checked-dummy",
                                     &b->netdevs[port_no], NULL), 0);
        memset(&test_ports[port_no], 0, sizeof test_ports[port_no]);
        test_ports[port_no].netdev = b->netdevs[port_no];
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
    };
    struct smap knobs = SMAP_INITIALIZER;
    char **errors;
    char n[16];

    snprintf(n, sizeof n, "%u", b->n_threads ? b->n_threads : 1);
    smap_add(&knobs, "n-forwarding-threads", n);
    assert_int_equal(dpif_set_config(b->dpif, &knobs, NULL), 0);
    smap_destroy(&knobs);

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
        register_checked_class();
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
            struct netdev_stats st;

            /* rx_errors: a receive was lent too small a buffer. */
            assert_int_equal(atomic_load(&test_ports[i].bad_qids), 0);
            assert_int_equal(netdev_get_stats(b->netdevs[i], &st), 0);
            assert_int_equal(st.rx_errors, 0);
        }
        netdev_close(b->netdevs[i]);
        memset(&test_ports[i], 0, sizeof test_ports[i]);
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
    uint8_t frame[FRAME_MAX];

    port_inject(b->netdevs[port], frame, make_frame(frame, dst, src, len));
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

static struct sent_frame *
sent_frame(struct bench *b, uint32_t port, size_t i)
{
    collect_sent(port);
    assert_true(i < test_ports[port].n_sent);
    return &test_ports[port].sent[i];
}

static void
clear_all_sent(struct bench *b)
{
    for (int i = 1; i <= N_PORTS; i++) {
        if (b->netdevs[i]) {
            collect_sent(i);
            test_ports[i].n_sent = 0;
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
    struct sent_frame *fr;
    struct dpif_fdb_entry *e;
    struct dpif_port_stats st;
    size_t n;

    /* A broadcast from port 1 (VLAN 10) reaches 2 untagged and 3 tagged,
     * not 4 (VLAN 20) nor 5 (mirror output) nor 1 itself. */
    inject(b, 1, 0xff, 0xa1, 60);
    wait_rx(b, 1, 1);
    assert_int_equal(n_sent(1), 0);
    assert_int_equal(n_sent(2), 1);
    assert_int_equal(n_sent(3), 1);
    assert_int_equal(n_sent(4), 0);
    assert_int_equal(n_sent(5), 0);
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
    assert_int_equal(n_sent(1), 1);
    assert_int_equal(n_sent(3), 0);
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
    port_inject(b->netdevs[1], frame, 16);  /* TRUNCATED_VLAN. */
    make_frame(frame, 0xff, 0xa1, 60);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[15] = 10;
    port_inject(b->netdevs[1], frame, 60);  /* VLAN_TAGGED_ON_ACCESS. */
    inject(b, 1, 0x00, 0xa1, 60);
    wait_rx(b, 1, 6);
    inject(b, 5, 0xff, 0xa5, 60);          /* MIRROR_OUTPUT. */
    wait_rx(b, 5, 1);
    make_frame(frame, 0xff, 0xa3, 60);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[15] = 30;
    port_inject(b->netdevs[3], frame, 60);  /* NO_PORTS: none in 30. */
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
    assert_int_equal(n_sent(2), 1);
    assert_int_equal(n_sent(3), 2);
    assert_int_equal(dpif_port_stats(b->dpif, 2, &st), 0);
    assert_int_equal(st.tx_dropped, 1);
    assert_int_equal(st.tx_packets, 1);

    /* A device that takes nothing: TX_FULL. */
    set_tx_capacity(b->netdevs[3], 0);
    inject(b, 1, 0xff, 0xa1, 60);
    wait_rx(b, 1, 3);
    assert_int_equal(port_drops(b, 3, DP_DROP_TX_FULL), 1);
    set_tx_capacity(b->netdevs[3], 32);
}

/* Trunk in, access out, and a tagged frame for a VLAN nobody else has. */
static void
test_trunk_ingress(void **state)
{
    struct bench *b = *state;
    uint8_t frame[64];
    struct sent_frame *fr;

    make_frame(frame, 0xff, 0xb3, 64);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[14] = 0xa0;           /* PCP 5. */
    frame[15] = 20;
    frame[16] = 0x08;
    port_inject(b->netdevs[3], frame, 64);
    wait_rx(b, 3, 1);
    assert_int_equal(n_sent(4), 1);
    assert_int_equal(n_sent(1), 0);
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
    assert_int_equal(n_sent(6), 1);
    assert_int_equal(n_sent(2), 0);

    /* Two threads: counters survive the restart, forwarding goes on. */
    b->n_threads = 2;
    apply(b);
    assert_int_equal(atomic_load(&test_ports[1].n_txq), 2);
    inject(b, 6, 0xa1, 0xa6, 60);
    wait_rx(b, 6, 1);
    inject(b, 1, 0xa6, 0xa1, 60);
    wait_rx(b, 1, 3);
    assert_int_equal(n_sent(1), 1);
    assert_int_equal(n_sent(6), 2);
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

/* A port with four receive queues, polled by two threads: frames on every
 * queue are received (the datapath opens them all) and forwarded. */
static void
test_multiqueue(void **state)
{
    struct bench *b = *state;
    struct smap options;
    char *error = NULL;

    add_port(b, 6, DP_VLAN_ACCESS, 10);
    smap_init(&options);
    smap_add(&options, "n_rxq", "4");
    assert_int_equal(netdev_set_config(b->netdevs[6], &options, &error), 0);
    smap_destroy(&options);
    assert_int_equal(netdev_n_rxq(b->netdevs[6]), 4);
    b->n_threads = 2;
    apply(b);

    for (int q = 0; q < 4; q++) {
        uint8_t frame[64];

        make_frame(frame, 0xff, 0x60 + q, 60);
        assert_int_equal(netdev_dummy_receive_queue("p6", q, frame, 60), 0);
    }
    wait_rx(b, 6, 4);
    assert_int_equal(n_sent(1), 4);
    assert_int_equal(n_sent(2), 4);
    assert_int_equal(n_sent(3), 4);

    /* Back to one thread: the four queues all go to it. */
    b->n_threads = 1;
    apply(b);
    for (int q = 0; q < 4; q++) {
        uint8_t frame[64];

        make_frame(frame, 0xff, 0x70 + q, 60);
        assert_int_equal(netdev_dummy_receive_queue("p6", q, frame, 60), 0);
    }
    wait_rx(b, 6, 8);
    assert_int_equal(n_sent(2), 8);
}

/* Packet ownership end to end, with ports whose buffers a provider owns
 * (dummy options:pool=true): a flood (shared, copied once per port), a
 * unicast (adopted without a copy), input drops and an MTU drop on one of
 * two flood ports all give every buffer back to the pool. */
static void
test_pool_ownership(void **state)
{
    struct bench *b = *state;
    size_t n_allocated, n_outstanding;
    struct smap options;
    uint8_t frame[64];

    /* Options apply before the datapath opens the queues: take ports 1-3
     * out, configure them, put them back. */
    for (uint32_t port = 1; port <= 3; port++) {
        remove_port(b, port);
    }
    apply(b);
    smap_init(&options);
    smap_add(&options, "pool", "true");
    for (uint32_t port = 1; port <= 3; port++) {
        assert_int_equal(netdev_set_config(b->netdevs[port], &options,
                                           NULL), 0);
    }
    smap_destroy(&options);
    add_port(b, 1, DP_VLAN_ACCESS, 10);
    add_port(b, 2, DP_VLAN_ACCESS, 10);
    add_port(b, 3, DP_VLAN_TRUNK, 0);
    find_port(b, 2)->output.mtu = 100;
    apply(b);

    inject(b, 1, 0xff, 0xa1, 60);           /* Flood to 2 and 3. */
    inject(b, 1, 0xff, 0xa1, 160);          /* Too big for 2: MTU. */
    inject(b, 1, 0xff, 0xa1, 10);           /* RUNT. */
    make_frame(frame, 0xff, 0xa1, 60);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[15] = 10;
    port_inject(b->netdevs[1], frame, 60);  /* VLAN_TAGGED_ON_ACCESS. */
    wait_rx(b, 1, 4);
    inject(b, 2, 0xa1, 0xa2, 60);           /* Unicast to 1: adopted. */
    wait_rx(b, 2, 1);

    assert_int_equal(n_sent(1), 1);
    assert_int_equal(n_sent(2), 1);
    assert_int_equal(n_sent(3), 2);
    assert_int_equal(port_drops(b, 2, DP_DROP_MTU), 1);
    assert_int_equal(port_drops(b, 1, DP_DROP_RUNT), 1);
    assert_int_equal(port_drops(b, 1, DP_DROP_VLAN_TAGGED_ON_ACCESS), 1);
    netdev_dummy_pool_stats(&n_allocated, &n_outstanding);
    assert_true(n_allocated > 0);
    assert_int_equal(n_outstanding, 0);
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
        /* (The dummy's list of ports does not change while this runs:
         * every port the loop below uses is already open.)  ENOBUFS: the
         * port's queue is full for now. */
        if (!netdev_dummy_receive(netdev_get_name(t->netdev), frame, 60)) {
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

    add_port(b, 6, DP_VLAN_ACCESS, 10);     /* Opens it, before traffic. */
    remove_port(b, 6);
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

/* Flow export (the "flows" stage): what the forwarding threads count is
 * handed over by dpif_flows_drain() exactly once, even when the thread
 * that counted it ends, and even when more new flows arrive between two
 * drains than a thread's table holds. */

struct flows_total {
    uint32_t export_id;
    uint64_t packets, flows;
};

static void
flows_total_cb(const struct dpif_flow_delta *d, void *aux)
{
    struct flows_total *t = aux;

    if (d->export_id == t->export_id) {
        t->packets += d->packets;
        t->flows++;
    }
}

/* A broadcast IPv4/UDP frame from port 1's VM, whose flow is number
 * 'flow' (source address and port). */
static size_t
make_udp_frame(uint8_t *d, uint32_t flow)
{
    size_t len = make_frame(d, 0xff, 0xa1, 60);
    uint8_t *ip = d + 14, *udp = ip + 20;

    ip[0] = 0x45;
    ip[3] = len - 14;
    ip[8] = 64;
    ip[9] = 17;
    ip[12] = 10;
    ip[13] = flow >> 16;
    ip[14] = flow >> 8;
    ip[15] = flow;
    ip[16] = 10;
    ip[17] = 255;
    ip[19] = 1;
    udp[0] = 0x10;
    udp[1] = flow & 0xff;
    udp[3] = 53;
    udp[5] = len - 14 - 20;
    return len;
}

/* Injects 'frame' on port 1, waiting while its queue is full. */
static void
inject_wait(struct bench *b, const uint8_t *frame, size_t len)
{
    while (netdev_dummy_receive(netdev_get_name(b->netdevs[1]), frame,
                                len)) {
        sched_yield();
    }
}

static void
test_flows_thread_end(void **state)
{
    struct bench *b = *state;
    struct flows_total t = { .export_id = 101 };
    uint8_t frame[64];

    b->br.flows.export_id = 101;
    b->br.flows.netflow = true;
    apply(b);
    for (uint32_t i = 0; i < 1000; i++) {
        inject_wait(b, frame, make_udp_frame(frame, i % 10));
    }
    wait_rx(b, 1, 1000);

    /* The thread that counted them ends (one thread becomes two). */
    b->n_threads = 2;
    apply(b);
    dpif_flows_drain(flows_total_cb, &t);
    assert_int_equal(t.packets, 1000);
    assert_int_equal(t.flows, 10);

    /* And again with packets on both threads' tables, back to one. */
    t.packets = t.flows = 0;
    for (uint32_t i = 0; i < 500; i++) {
        inject_wait(b, frame, make_udp_frame(frame, i % 5));
    }
    wait_rx(b, 1, 1500);
    b->n_threads = 1;
    apply(b);
    dpif_flows_drain(flows_total_cb, &t);
    assert_int_equal(t.packets, 500);
    assert_int_equal(t.flows, 5);
}

/* 3 x DPIF_FLOWS_THREAD_MAX new flows as fast as the thread takes them,
 * more than its table holds, with the caller draining only when the
 * thread asks (dpif_flows_drain_wanted()): nothing is lost. */
static void
test_flows_thread_table_full(void **state)
{
    struct bench *b = *state;
    struct flows_total t = { .export_id = 102 };
    uint32_t n = 3 * DPIF_FLOWS_THREAD_MAX;
    struct dpif_flows_stats before, after;
    uint8_t frame[64];

    dpif_flows_get_stats(&before);
    b->br.flows.export_id = 102;
    b->br.flows.netflow = true;
    apply(b);
    for (uint32_t i = 0; i < n; i++) {
        inject_wait(b, frame, make_udp_frame(frame, i));
        if (dpif_flows_drain_wanted()) {
            dpif_flows_drain(flows_total_cb, &t);
        }
    }
    wait_rx(b, 1, n);
    dpif_flows_drain(flows_total_cb, &t);
    dpif_flows_get_stats(&after);
    assert_int_equal(after.lost - before.lost, 0);
    assert_int_equal(t.packets, n);
    assert_true(after.early_drains > before.early_drains);
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
        cmocka_unit_test_setup_teardown(test_multiqueue,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_pool_ownership,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_flows_thread_end,
                                        bench_setup, bench_teardown),
        cmocka_unit_test_setup_teardown(test_flows_thread_table_full,
                                        bench_setup, bench_teardown),
    };
    return cmocka_run_group_tests_name("dpif", tests, NULL, NULL);
}
