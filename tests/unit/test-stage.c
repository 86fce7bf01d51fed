/*
 * test-stage.c -- the stage table (datapath/userspace/dp-stage.h) and
 * the pipeline's packet-ownership contract.
 *
 * Topology: bridge "br0" with dummy ports s1, s2 (access 10) and s3
 * (access 10, MTU 100).
 *
 * Intent: (1) a stage is one class plus one table entry and its config:
 * a test stage registered at run time after "vlan" runs in that place
 * (dp/trace lists it there), gets its own per-thread state in every
 * forwarding thread, sees a change of its per-port settings (and that
 * change has the effect the stage declares: the port's MAC entries are
 * forgotten), and its drops are counted under the reason it owns.  (2)
 * Every packet the pipeline is given is released exactly once, whatever
 * happens to it: dropped on input, dropped by one output port's MTU while
 * flooded to others, or sent to several ports (one reference each, never
 * a copy).
 */
#include <config.h>
#include "tests.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp-config.h"
#include "dp-stage.h"
#include "dpif.h"
#include "mac-learning.h"
#include "netdev-dummy.h"
#include "netdev.h"
#include "pipeline.h"
#include "smap.h"
#include "util.h"

/* The test stage: drops every frame of a port whose custom setting is 1
 * (as an administrative "port down" would). */

#define TEST_STAGE_MAGIC 0x5ca1ab1e

struct test_stage_state {
    uint64_t magic;
    uint64_t n_batches;
};

static atomic_int n_state_inits;
static atomic_int n_bad_states;

static void
test_stage_state_init(void *state_)
{
    struct test_stage_state *state = state_;

    state->magic = TEST_STAGE_MAGIC;
    atomic_fetch_add(&n_state_inits, 1);
}

static void
admin_stage_run(struct dp_ctx *ctx, const struct dp_port *in,
               struct dp_packet_batch *batch, void *state_);

static const struct dp_stage_class test_stage = {
    .name = "admin",
    .run = admin_stage_run,
    DP_STAGE_PORT_CONFIG(custom),
    .on_port_change = DP_STAGE_FLUSH_PORT_MACS,
    .state_size = sizeof(struct test_stage_state),
    .state_init = test_stage_state_init,
    DP_STAGE_DROPS(DP_DROP_PORT_DOWN),
};

static void
admin_stage_run(struct dp_ctx *ctx, const struct dp_port *in,
               struct dp_packet_batch *batch, void *state_)
{
    const struct dpif_custom_port_config *cfg
        = dp_stage_port_config(&test_stage, &in->cfg);
    struct test_stage_state *state = state_;
    struct dp_packet *p;

    if (!state || state->magic != TEST_STAGE_MAGIC) {
        atomic_fetch_add(&n_bad_states, 1);
        return;
    }
    state->n_batches++;
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        if (!p->drop && cfg->opaque[0] == 1) {
            p->drop = DP_DROP_PORT_DOWN;
        }
    }
    if (DP_TRACING(ctx)) {
        dp_trace(ctx, "custom setting %llu",
                 (unsigned long long) cfg->opaque[0]);
    }
}

/* Ports. */

static struct netdev *
open_dummy(const char *name)
{
    struct netdev *netdev;

    assert_int_equal(netdev_open(name, "dummy", &netdev, NULL), 0);
    return netdev;
}

static void
init_port(struct dpif_port_config *pc, uint32_t port_no,
          struct netdev *netdev)
{
    memset(pc, 0, sizeof *pc);
    pc->port_no = port_no;
    pc->name = netdev_get_name(netdev);
    pc->netdev = netdev;
    pc->vlan.mode = DP_VLAN_ACCESS;
    pc->vlan.tag = 10;
}

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
    d[12] = 0x88;
    d[13] = 0xb5;
    return len;
}

static size_t
count_lines(const char *name)
{
    char *error = NULL;
    char *text = netdev_dummy_take_sent(name, &error);
    size_t n = 0;

    assert_null(error);
    for (const char *c = text; *c; c++) {
        n += *c == '\n';
    }
    free(text);
    return n;
}

/* The last byte of the source MAC of each frame sent on 'name', in
 * order, as hex digits ("1313" for two frames from 02:00:00:00:00:13),
 * into 'out' (room for 'size'). */
static void
sent_sources(const char *name, char *out, size_t size)
{
    char *error = NULL;
    char *text = netdev_dummy_take_sent(name, &error);
    size_t n = 0;

    assert_null(error);
    for (const char *line = text; *line; ) {
        const char *end = strchr(line, '\n');

        assert_true(end && end - line >= 24 && n + 3 <= size);
        out[n++] = line[22];
        out[n++] = line[23];
        line = end + 1;
    }
    out[n] = '\0';
    free(text);
}

static void
wait_rx(struct dpif *dpif, uint32_t port_no, uint64_t n)
{
    for (int i = 0; i < 2000; i++) {
        struct dpif_port_stats st;
        struct timespec ms = { 0, 1000 * 1000 };

        dpif_port_stats(dpif, port_no, &st);
        if (st.rx_packets >= n) {
            return;
        }
        nanosleep(&ms, NULL);
    }
    fail_msg("port %u never received %llu frames", (unsigned int) port_no,
             (unsigned long long) n);
}

static size_t
fdb_entries_on(struct dpif *dpif, uint32_t port_no)
{
    struct dpif_fdb_entry *e;
    size_t n = dpif_fdb_dump(dpif, 0, &e), count = 0;

    for (size_t i = 0; i < n; i++) {
        count += e[i].port_no == port_no;
    }
    free(e);
    return count;
}

/* Position of "NAME:\n" at the start of a line of 'text', or -1. */
static int
heading_pos(const char *text, const char *name)
{
    char heading[64];
    const char *at;

    snprintf(heading, sizeof heading, "\n%s:\n", name);
    at = strstr(text, heading);
    return at ? (int) (at - text) : -1;
}

static void
test_custom_stage(void **state)
{
    const struct dp_stage_class *const *stages;
    struct dpif_bridge_config br;
    struct dpif_port_config ports[2];
    struct dpif_config cfg = {
        .bridges = &br, .n_bridges = 1, .ports = ports, .n_ports = 2,
    };
    struct smap knobs = SMAP_INITIALIZER;
    struct netdev *s1, *s2;
    struct dstr trace = DSTR_INITIALIZER;
    struct dpif *dpif;
    uint64_t drops[DP_N_DROPS];
    uint8_t frame[64];
    size_t n;

    netdev_init();
    atomic_store(&n_state_inits, 0);
    atomic_store(&n_bad_states, 0);

    /* One table entry, after "vlan". */
    n = dp_stages_get(&stages);
    assert_int_equal(dp_stage_register(&test_stage, "vlan"), 0);
    assert_int_equal(dp_stage_register(&test_stage, "vlan"), EEXIST);
    assert_int_equal(dp_stages_get(&stages), n + 1);
    assert_ptr_equal(dp_stage_find("admin"), &test_stage);
    for (size_t i = 0; i < n + 1; i++) {
        if (stages[i] == &test_stage) {
            assert_ptr_equal(stages[i - 1], &dp_stage_vlan);
        }
    }

    s1 = open_dummy("s1");
    s2 = open_dummy("s2");
    memset(&br, 0, sizeof br);
    br.name = "br0";
    init_port(&ports[0], 1, s1);
    init_port(&ports[1], 2, s2);
    assert_int_equal(dpif_create("netdev", "stage-test", &dpif), 0);
    smap_add(&knobs, "n-forwarding-threads", "2");
    assert_int_equal(dpif_set_config(dpif, &knobs, NULL), 0);
    smap_destroy(&knobs);
    assert_int_equal(dpif_reconfigure(dpif, &cfg, NULL), 0);

    /* While a datapath exists the table is fixed. */
    assert_int_equal(dp_stage_unregister(&test_stage), EBUSY);

    /* Traffic flows through the stage; each thread has its state. */
    make_frame(frame, 0xff, 0xa1, 60);
    assert_int_equal(netdev_dummy_receive("s1", frame, 60), 0);
    wait_rx(dpif, 1, 1);
    assert_int_equal(count_lines("s2"), 1);
    assert_int_equal(fdb_entries_on(dpif, 1), 1);
    for (int i = 0; i < 1000 && atomic_load(&n_state_inits) < 2; i++) {
        struct timespec ms = { 0, 1000 * 1000 };

        nanosleep(&ms, NULL);
    }
    assert_int_equal(atomic_load(&n_state_inits), 2);

    /* dp/trace shows it between "vlan" and "bpdu", with its setting. */
    assert_int_equal(dpif_trace(dpif, 1, frame, 60, &trace), 0);
    assert_true(heading_pos(dstr_cstr(&trace), "vlan") >= 0);
    assert_true(heading_pos(dstr_cstr(&trace), "vlan")
                < heading_pos(dstr_cstr(&trace), "admin"));
    assert_true(heading_pos(dstr_cstr(&trace), "admin")
                < heading_pos(dstr_cstr(&trace), "bpdu"));
    assert_non_null(strstr(dstr_cstr(&trace), "custom setting 0"));
    assert_non_null(strstr(dstr_cstr(&trace), "result: output to 1 port"));
    dstr_clear(&trace);

    /* Its config changes: the stage sees it, the effect it declares
     * happens (s1's MAC entries are forgotten), and its drops are
     * counted under its reason. */
    ports[0].custom.opaque[0] = 1;
    assert_int_equal(dpif_reconfigure(dpif, &cfg, NULL), 0);
    assert_int_equal(fdb_entries_on(dpif, 1), 0);
    assert_int_equal(netdev_dummy_receive("s1", frame, 60), 0);
    wait_rx(dpif, 1, 2);
    assert_int_equal(count_lines("s2"), 0);
    assert_int_equal(dpif_port_drop_stats(dpif, 1, drops), 0);
    assert_int_equal(drops[DP_DROP_PORT_DOWN], 1);
    assert_int_equal(fdb_entries_on(dpif, 1), 0);

    assert_int_equal(dpif_trace(dpif, 1, frame, 60, &trace), 0);
    assert_non_null(strstr(dstr_cstr(&trace), "custom setting 1"));
    assert_non_null(strstr(dstr_cstr(&trace),
                           "result: dropped by admin: port-down"));
    dstr_destroy(&trace);

    /* A setting that did not change leaves the port alone. */
    assert_int_equal(netdev_dummy_receive("s2", frame, 60), 0);
    wait_rx(dpif, 2, 1);
    assert_int_equal(fdb_entries_on(dpif, 2), 1);
    ports[0].custom.opaque[0] = 0;
    assert_int_equal(dpif_reconfigure(dpif, &cfg, NULL), 0);
    assert_int_equal(fdb_entries_on(dpif, 2), 1);

    assert_int_equal(atomic_load(&n_bad_states), 0);
    dpif_destroy(dpif);
    netdev_close(s1);
    netdev_close(s2);
    assert_int_equal(dp_stage_unregister(&test_stage), 0);
    assert_int_equal(dp_stages_get(&stages), n);
    assert_null(dp_stage_find("admin"));
}

/* A bridge of dummy ports "PREFIX1".. in VLAN 10 and a context that runs
 * the pipeline over it directly: fixture_open() opens the ports (a test
 * may then change their configuration), fixture_start() makes the
 * snapshot and the context, fixture_close() undoes both. */
#define FIXTURE_MAX_PORTS 4
struct fixture {
    struct netdev *netdevs[FIXTURE_MAX_PORTS];
    struct dpif_bridge_config br;
    struct dpif_port_config ports[FIXTURE_MAX_PORTS];
    struct dp_port_runtime rt[FIXTURE_MAX_PORTS];
    struct dpif_config cfg;
    struct dp_counters *counters;
    struct mac_table *table;
    struct dp_snapshot *snap;
    struct dp_ctx ctx;
};

static void
fixture_open(struct fixture *f, const char *prefix, int n)
{
    memset(f, 0, sizeof *f);
    netdev_init();
    f->br.name = "br0";
    for (int i = 0; i < n; i++) {
        char name[16];

        snprintf(name, sizeof name, "%s%d", prefix, i + 1);
        f->netdevs[i] = open_dummy(name);
        init_port(&f->ports[i], i + 1, f->netdevs[i]);
        f->rt[i].active = true;
        f->rt[i].slot = i;
    }
    f->cfg.bridges = &f->br;
    f->cfg.n_bridges = 1;
    f->cfg.ports = f->ports;
    f->cfg.n_ports = n;
}

static void
fixture_start(struct fixture *f)
{
    f->counters = xzalloc(sizeof *f->counters);
    f->counters->chunks[0] = xzalloc_cacheline(DP_SLOTS_PER_CHUNK
                                               * sizeof *f->counters->chunks[0]);
    f->table = mac_table_create(64, 300);
    f->snap = dp_snapshot_create(&f->cfg, f->rt, &f->table, 1, NULL);
    dp_ctx_init(&f->ctx, f->counters, 0);
    dp_ctx_set_snapshot(&f->ctx, f->snap);
}

static void
fixture_close(struct fixture *f)
{
    dp_ctx_destroy(&f->ctx);
    dp_snapshot_destroy(f->snap);
    mac_table_destroy(f->table);
    free(f->counters->chunks[0]);
    free(f->counters);
    for (size_t i = 0; i < f->cfg.n_ports; i++) {
        netdev_close(f->netdevs[i]);
    }
}

/* Packet ownership: the pipeline run directly over packets whose buffers
 * a test "provider" owns, counting releases. */

#define N_OWNED 4

struct counting_source {
    struct dp_packet_source up;
    struct dp_packet *packets;
    int released[80];           /* At least N_OWNED and N_HELD. */
};

static void
counting_release(struct dp_packet_source *source_, struct dp_packet *p)
{
    struct counting_source *source
        = CONTAINER_OF(source_, struct counting_source, up);

    source->released[p - source->packets]++;
}

static void
test_packet_ownership(void **state)
{
    static const struct {
        uint8_t dst;
        size_t len;
        bool tagged;
    } frames[N_OWNED] = {
        { 0xff, 200, false },   /* Flooded; too big for s3's MTU. */
        { 0xff, 10, false },    /* A runt. */
        { 0xff, 60, false },    /* Flooded to s2 and s3. */
        { 0xff, 60, true },     /* Tagged on an access port. */
    };
    struct fixture f;
    struct dp_packet packets[N_OWNED];
    uint8_t bufs[N_OWNED][DP_PACKET_HEADROOM + 256];
    struct counting_source source = {
        .up = { .release = counting_release, .name = "test" },
        .packets = packets,
    };
    struct dp_packet_batch batch;
    uint64_t drops[DP_N_DROPS];

    fixture_open(&f, "o", 3);
    f.ports[2].output.mtu = 100;
    fixture_start(&f);

    dp_packet_batch_init(&batch);
    for (int i = 0; i < N_OWNED; i++) {
        struct dp_packet *p = &packets[i];

        memset(p, 0, sizeof *p);
        dp_packet_set_data(p, bufs[i], sizeof bufs[i], DP_PACKET_HEADROOM,
                           frames[i].len);
        make_frame(dp_packet_data(p), frames[i].dst, 0xb0 + i,
                   frames[i].len < 14 ? 14 : frames[i].len);
        if (frames[i].tagged) {
            dp_packet_data(p)[12] = 0x81;
            dp_packet_data(p)[13] = 0x00;
            dp_packet_data(p)[15] = 20;
        }
        dp_packet_reset_meta(p, 1);
        p->source = &source.up;
        batch.packets[batch.count++] = p;
    }
    dp_pipeline_run(&f.ctx, &f.snap->ports[0], &batch);

    for (int i = 0; i < N_OWNED; i++) {
        assert_int_equal(source.released[i], 1);
        assert_int_equal(packets[i].refs, 0);
    }
    assert_int_equal(count_lines("o2"), 2);
    assert_int_equal(count_lines("o3"), 1);
    memcpy(drops, dp_counters_get(f.counters, 2)->drops, sizeof drops);
    assert_int_equal(drops[DP_DROP_MTU], 1);
    memcpy(drops, dp_counters_get(f.counters, 0)->drops, sizeof drops);
    assert_int_equal(drops[DP_DROP_RUNT], 1);
    assert_int_equal(drops[DP_DROP_VLAN_TAGGED_ON_ACCESS], 1);

    fixture_close(&f);
}

/* Runs 'n' broadcast frames in owned buffers 'packets[first...]' from the
 * port at snapshot index 'in' through 'ctx'. */
static void
run_owned(struct dp_ctx *ctx, const struct dp_snapshot *snap, size_t in,
          struct dp_packet *packets, uint8_t (*bufs)[DP_PACKET_HEADROOM + 64],
          struct dp_packet_source *source, size_t first, size_t n)
{
    struct dp_packet_batch batch;

    dp_packet_batch_init(&batch);
    for (size_t i = first; i < first + n; i++) {
        struct dp_packet *p = &packets[i];

        memset(p, 0, sizeof *p);
        dp_packet_set_data(p, bufs[i], sizeof bufs[i], DP_PACKET_HEADROOM,
                           60);
        make_frame(dp_packet_data(p), 0xff, 0x10 + in, 60);
        dp_packet_reset_meta(p, in + 1);
        p->source = source;
        batch.packets[batch.count++] = p;
    }
    ctx->batch_owned = true;
    dp_pipeline_run(ctx, &snap->ports[in], &batch);
}

/* Held sends (output.c): a forwarding thread's frames wait across
 * batches until it flushes them, a port that might overflow sends first,
 * frames in lent buffers are never held, and every reference is released
 * once. */
#define N_HELD 80
static void
test_held_sends(void **state)
{
    struct fixture f;
    static struct dp_packet packets[N_HELD];
    static uint8_t bufs[N_HELD][DP_PACKET_HEADROOM + 64];
    struct counting_source source = {
        .up = { .release = counting_release, .name = "test" },
        .packets = packets,
    };
    struct dp_ctx *ctx = &f.ctx;
    struct dp_snapshot *snap;
    char order[16];

    (void) state;
    fixture_open(&f, "h", 4);
    fixture_start(&f);
    snap = f.snap;
    ctx->hold_tx = true;

    /* 20 floods from h1: held for h2, h3 and h4, nothing sent. */
    run_owned(ctx, snap, 0, packets, bufs, &source.up, 0, 20);
    assert_int_equal(ctx->n_held, 3);
    assert_int_equal(count_lines("h2") + count_lines("h3")
                     + count_lines("h4"), 0);
    assert_int_equal(ctx->tx_calls, 0);

    /* 20 from h2: h3 and h4 fill a batch of 32 each, sent at once, and
     * hold 8; h1 holds 20. */
    run_owned(ctx, snap, 1, packets, bufs, &source.up, 20, 20);
    assert_int_equal(count_lines("h3"), 32);
    assert_int_equal(count_lines("h4"), 32);
    assert_int_equal(count_lines("h1") + count_lines("h2"), 0);
    assert_int_equal(ctx->tx_calls, 2);

    /* 5 more from h1 join them. */
    ctx->now_ns = 1000;
    run_owned(ctx, snap, 0, packets, bufs, &source.up, 40, 5);
    assert_int_equal(count_lines("h2") + count_lines("h3")
                     + count_lines("h4"), 0);

    /* With 2 us to wait: nothing is due 1 us after the first frames were
     * queued (at 0), everything at 2 us. */
    dp_output_flush_held(ctx, 2000);
    assert_int_equal(count_lines("h1") + count_lines("h3"), 0);
    ctx->now_ns = 2000;
    dp_output_flush_held(ctx, 2000);
    assert_int_equal(count_lines("h1"), 20);
    assert_int_equal(count_lines("h2"), 25);
    assert_int_equal(count_lines("h3"), 13);
    assert_int_equal(count_lines("h4"), 13);
    assert_int_equal(ctx->n_held, 0);
    assert_int_equal(ctx->tx_calls, 6);
    assert_int_equal(ctx->tx_frames, 20 * 3 + 20 * 3 + 5 * 3);

    /* A batch in lent buffers is sent with its pipeline, after what the
     * ports held. */
    run_owned(ctx, snap, 3, packets, bufs, &source.up, 45, 3);
    assert_int_equal(ctx->n_held, 3);
    assert_int_equal(count_lines("h1"), 0);
    {
        struct dp_packet_batch batch;
        struct dp_packet *p = &packets[48];

        memset(p, 0, sizeof *p);
        dp_packet_set_data(p, bufs[48], sizeof bufs[48], DP_PACKET_HEADROOM,
                           60);
        make_frame(dp_packet_data(p), 0xff, 0x40, 60);
        dp_packet_reset_meta(p, 4);
        batch.count = 1;
        batch.packets[0] = p;
        ctx->batch_owned = false;
        dp_pipeline_run(ctx, &snap->ports[3], &batch);
    }
    sent_sources("h1", order, sizeof order);
    assert_string_equal(order, "13131340");
    assert_int_equal(count_lines("h2"), 4);
    assert_int_equal(ctx->held[0].count, 0);

    for (int i = 0; i < 48; i++) {
        assert_int_equal(source.released[i], 1);
        assert_int_equal(packets[i].refs, 0);
    }
    assert_int_equal(dp_counters_get(f.counters, 2)->tx_packets, 32 + 13 + 4);

    fixture_close(&f);
}

/* Every drop reason belongs to at most one built-in stage, and the
 * reasons a frame can meet in the pipeline belong to one. */
static void
test_drop_ownership(void **state)
{
    const struct dp_stage_class *const *stages;
    size_t n = dp_stages_get(&stages);

    for (int r = 1; r < DP_N_DROPS; r++) {
        int owners = 0;

        for (size_t i = 0; i < n; i++) {
            owners += dp_stage_owns_drop(stages[i], r);
        }
        assert_true(owners <= 1);
        if (r != DP_DROP_PORT_DOWN) {
            assert_int_equal(owners, 1);
        }
    }
}

/* Output is terminal: after netdev_send() the packets belong to the
 * devices, so no stage may be registered after it. */
static void
test_output_is_last(void **state)
{
    const struct dp_stage_class *const *stages;
    size_t n;

    (void) state;
    n = dp_stages_get(&stages);
    assert_ptr_equal(stages[n - 1], &dp_stage_output);
    assert_int_equal(dp_stage_register(&test_stage, "output"), EINVAL);
    assert_int_equal(dp_stages_get(&stages), n);
    assert_ptr_equal(stages[n - 1], &dp_stage_output);
}

int
test_stage_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_ownership),
        cmocka_unit_test(test_output_is_last),
        cmocka_unit_test(test_custom_stage),
        cmocka_unit_test(test_packet_ownership),
        cmocka_unit_test(test_held_sends),
    };
    return cmocka_run_group_tests_name("stage", tests, NULL, NULL);
}
