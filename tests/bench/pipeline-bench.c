/*
 * pipeline-bench.c -- the userspace datapath's own cost per packet, with
 * no device at all (benchmark, not a test; tests/bench/pipeline.sh runs
 * it and prints the table).
 *
 * It drives datapath/userspace directly, as a forwarding thread does: one
 * bridge, one snapshot (dp_snapshot_create()), one dp_ctx with held sends
 * on, and per pass one batch of 32 frames from each port in turn, each
 * run through dp_pipeline_run(), then dp_output_flush_held(ctx, -1).  The
 * traffic is tests/bench/dpdk.sh's (make_pcaps): 64-byte frames (60 +
 * FCS), 256 source MACs behind each port, each frame addressed to a MAC
 * behind another port, replayed in the same order; variants "untagged"
 * (trunk ports, untagged frames), "access" (access ports of VLAN 10,
 * untagged frames) and "trunk" (trunk ports, frames tagged VLAN 10).
 *
 * The ports are devices of this program's own type, "sink": they adopt
 * every packet they are sent (netdev-provider.h, 'send_adopt', the path
 * DPDK ports take) and release it at once, so a device costs a function
 * call and nothing accumulates.  The frames live in buffers the bench
 * owns (a dp_packet_source, like a DPDK mempool), rewritten before every
 * batch -- the stand-in for a receive, and not measured.
 *
 * What is measured: dp_pipeline_run() and dp_output_flush_held() (and so
 * netdev_send()'s shared part and the sink's loop), nothing else -- no
 * receive or transmit driver, no clock reads, no thread loop.  The clock
 * the stages see is frozen, so a MAC entry is never refreshed: a real
 * thread refreshes each one once a second, which is nothing per packet.
 * The MAC table's hash seed is fixed (getrandom() below), so that every
 * run hashes the same way and instruction counts repeat.
 *
 * Figures:
 *   - default: TSC cycles per packet over --packets (default 2,000,000),
 *     --runs times (default 7), best, median and worst.  The TSC is read
 *     before and after each call measured, which adds about one cycle
 *     per packet; a pass that took over 4 times the median pass of a
 *     calibration run was interrupted (descheduled: this is wall time)
 *     and is left out, and the most left out of one run is printed.
 *     --cpu N pins the process first.
 *   - --stages: the same, with each stage timed on its own (through the
 *     ctx->run[] table), so the shares are right but the total is inflated
 *     by the extra TSC reads.
 *   - --iterations N: N packets (rounded up to whole passes) after the
 *     warm-up, untimed: for
 *       valgrind --tool=callgrind --toggle-collect=bench_pipeline_run \
 *                --toggle-collect=bench_flush_held pipeline-bench ...
 *     twice with different N; the difference of the instruction counts
 *     over the difference of packets is the steady state's instructions
 *     per packet (pipeline.sh does that).
 *
 * Every run first checks that each packet of the measured passes was
 * sent once and released once (no floods, no drops); it fails otherwise.
 *
 * Usage: pipeline-bench [--variant=untagged|access|trunk] [--ports=N]
 *                       [--packets=N] [--runs=N] [--cpu=N] [--stages]
 *                       [--iterations=N]
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dp-config.h"
#include "dp-packet.h"
#include "dp-stage.h"
#include "dpif.h"
#include "mac-learning.h"
#include "netdev-provider.h"
#include "netdev.h"
#include "pipeline.h"
#include "timeval.h"
#include "util.h"

#define MAX_PORTS 16
#define HOSTS 256                       /* Source MACs behind each port. */
#define FRAME_LEN 60                    /* 64 bytes on the wire. */
#define BUF_SIZE (DP_PACKET_HEADROOM + 128)
#define WARMUP_PASSES 64                /* Every port's 256 hosts, 8 times. */

/* The MAC table seeds its hash from getrandom(); a fixed seed makes every
 * run lay the table out the same way.  (This program's definition comes
 * before libc's at link time.) */
ssize_t
getrandom(void *buf, size_t len, unsigned int flags)
{
    uint8_t *b = buf;

    (void) flags;
    for (size_t i = 0; i < len; i++) {
        b[i] = 0x5b + 37 * i;
    }
    return len;
}

static inline uint64_t
bench_cycles(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_rdtsc();
#else
    return time_nsec();
#endif
}

/* The frames' source: counts what the datapath gives back. */
struct bench_source {
    struct dp_packet_source up;
    uint64_t released;
};

static void
bench_release(struct dp_packet_source *source_, struct dp_packet *p)
{
    struct bench_source *source = CONTAINER_OF(source_, struct bench_source,
                                               up);

    (void) p;
    source->released++;
}

static struct bench_source bench_source = {
    .up = { .release = bench_release, .name = "pipeline-bench" },
};

/* The "sink" device type: adopts everything it is sent, releases it,
 * counts it.  Its one tx_alloc refusal case is a copy the datapath would
 * make (a flood, before learning): refused and counted as dropped. */
struct sink {
    struct netdev up;
    uint64_t sent;
    uint64_t dropped;
};

static struct sink *
sink_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct sink, up);
}

static int
sink_open(const char *name, struct netdev **netdevp, char **errorp)
{
    struct sink *s = xzalloc(sizeof *s);

    (void) name;
    (void) errorp;
    *netdevp = &s->up;
    return 0;
}

static void
sink_close(struct netdev *netdev)
{
    free(sink_cast(netdev));
}

static const struct dp_packet_source *
sink_tx_source(const struct netdev *netdev)
{
    (void) netdev;
    return &bench_source.up;
}

static struct dp_packet *
sink_tx_alloc(struct netdev *netdev, int qid, uint32_t size)
{
    (void) qid;
    (void) size;
    sink_cast(netdev)->dropped++;
    return NULL;
}

static int
sink_send_adopt(struct netdev *netdev, int qid, struct dp_packet_batch *batch)
{
    (void) qid;
    for (size_t i = 0; i < batch->count; i++) {
        dp_packet_release(batch->packets[i]);
    }
    sink_cast(netdev)->sent += batch->count;
    return batch->count;
}

static const struct netdev_class sink_class = {
    .type = "sink",
    .description = "pipeline-bench: frees what it is sent",
    .open = sink_open,
    .close = sink_close,
    .tx_source = sink_tx_source,
    .tx_alloc = sink_tx_alloc,
    .send_adopt = sink_send_adopt,
};

/* Options. */
enum variant { UNTAGGED, ACCESS, TRUNK };
static const char *const variant_names[] = { "untagged", "access", "trunk" };

static enum variant variant = UNTAGGED;
static unsigned int n_ports = 2;
static long long n_packets = 2000000;
static unsigned int n_runs = 7;
static long long n_iterations = -1;
static bool time_stages;

/* The bench. */
struct bench {
    struct netdev *netdevs[MAX_PORTS];
    struct dpif_port_config ports[MAX_PORTS];
    struct dpif_bridge_config br;
    struct mac_table *table;
    struct dp_counters *counters;
    struct dp_snapshot *snap;
    const struct dp_port *in[MAX_PORTS];
    struct dp_ctx ctx;
    long long now_ms, now_ns;
    uint64_t pass_limit;                /* See bench_run(). */

    /* Each port's frames, in replay order, and one batch of descriptors
     * and buffers per port (a pass has them all in flight). */
    uint8_t (*frames)[HOSTS][FRAME_LEN];
    struct dp_packet (*packets)[DP_BATCH_SIZE];
    uint8_t (*bufs)[DP_BATCH_SIZE][BUF_SIZE];
    unsigned int next[MAX_PORTS];       /* Next frame of each port. */
};

/* Per-stage timing (--stages): wrappers put in ctx->run[], one per
 * index, calling the stage's own run(). */
static void (*stage_run[DP_MAX_STAGES])(struct dp_ctx *,
                                        const struct dp_port *,
                                        struct dp_packet_batch *, void *);
static uint64_t stage_cycles[DP_MAX_STAGES];

#define STAGE_TIMER(I)                                                  \
    static void                                                         \
    stage_timer_##I(struct dp_ctx *ctx, const struct dp_port *in,       \
                    struct dp_packet_batch *batch, void *state)         \
    {                                                                   \
        uint64_t t0 = bench_cycles();                                   \
                                                                        \
        stage_run[I](ctx, in, batch, state);                            \
        stage_cycles[I] += bench_cycles() - t0;                         \
    }
STAGE_TIMER(0) STAGE_TIMER(1) STAGE_TIMER(2) STAGE_TIMER(3)
STAGE_TIMER(4) STAGE_TIMER(5) STAGE_TIMER(6) STAGE_TIMER(7)
STAGE_TIMER(8) STAGE_TIMER(9) STAGE_TIMER(10) STAGE_TIMER(11)
STAGE_TIMER(12) STAGE_TIMER(13) STAGE_TIMER(14) STAGE_TIMER(15)

static void (*const stage_timers[])(struct dp_ctx *, const struct dp_port *,
                                    struct dp_packet_batch *, void *) = {
    stage_timer_0, stage_timer_1, stage_timer_2, stage_timer_3,
    stage_timer_4, stage_timer_5, stage_timer_6, stage_timer_7,
    stage_timer_8, stage_timer_9, stage_timer_10, stage_timer_11,
    stage_timer_12, stage_timer_13, stage_timer_14, stage_timer_15,
};
_Static_assert(ARRAY_SIZE(stage_timers) == DP_MAX_STAGES,
               "one timer per stage slot");

static void
put_mac(uint8_t *d, unsigned int port, unsigned int host)
{
    static const uint8_t prefix[4] = { 0x02, 0x00, 0x00, 0xbe };

    memcpy(d, prefix, sizeof prefix);
    d[4] = port;
    d[5] = host;
}

/* dpdk.sh's frame from host 'host' behind 'port': IPv4/UDP
 * 10.0.PORT.HOST -> 10.0.OTHER.HOST to the MAC of the same host number
 * behind the next port but (host % (n - 1)), cut or padded to 60 bytes. */
static void
make_frame(uint8_t *f, unsigned int port, unsigned int host)
{
    unsigned int other = (port + 1 + host % (n_ports - 1)) % n_ports;
    uint8_t *d = f;

    memset(f, 0, FRAME_LEN);
    put_mac(d, other, host);
    put_mac(d + 6, port, host);
    d += 12;
    if (variant == TRUNK) {
        *d++ = 0x81;
        *d++ = 0x00;
        *d++ = 0x00;
        *d++ = 10;
    }
    *d++ = 0x08;
    *d++ = 0x00;

    /* IPv4: version/IHL, TOS, total length 20 + 26, id, fragment, TTL 64,
     * UDP, no checksum, addresses; then UDP 1024 -> 1024, length 26. */
    {
        uint8_t ip[20 + 8] = {
            0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0,
            10, 0, port, host, 10, 0, other, host,
            0x04, 0x00, 0x04, 0x00, 0, 26, 0, 0,
        };
        size_t room = FRAME_LEN - (d - f);

        memcpy(d, ip, sizeof ip < room ? sizeof ip : room);
    }
}

static void
bench_init(struct bench *b)
{
    struct dp_port_runtime rt[MAX_PORTS];
    struct dpif_config cfg = {
        .bridges = &b->br, .n_bridges = 1,
        .ports = b->ports, .n_ports = n_ports,
    };
    int error;

    memset(b, 0, sizeof *b);
    netdev_init();
    error = netdev_register_provider(&sink_class);
    if (error) {
        fprintf(stderr, "pipeline-bench: registering \"sink\": %s\n",
                strerror(error));
        exit(1);
    }

    b->br.name = "br0";
    memset(rt, 0, sizeof rt);
    for (unsigned int i = 0; i < n_ports; i++) {
        struct dpif_port_config *pc = &b->ports[i];
        char name[16];
        char *err = NULL;

        snprintf(name, sizeof name, "p%u", i);
        error = netdev_open(name, "sink", &b->netdevs[i], &err);
        if (error) {
            fprintf(stderr, "pipeline-bench: %s: %s\n", name,
                    err ? err : strerror(error));
            exit(1);
        }
        pc->port_no = i + 1;
        pc->name = netdev_get_name(b->netdevs[i]);
        pc->netdev = b->netdevs[i];
        pc->vlan.mode = variant == ACCESS ? DP_VLAN_ACCESS : DP_VLAN_TRUNK;
        pc->vlan.tag = variant == ACCESS ? 10 : 0;
        pc->qos.ingress_queue = -1;     /* As the daemon fills it in. */
        rt[i].active = true;
        rt[i].slot = i;
    }

    /* As dpif-userspace creates it for a bridge with default settings. */
    b->table = mac_table_create(MAC_TABLE_DEFAULT_SIZE, 300);
    b->counters = xzalloc(sizeof *b->counters);
    b->counters->chunks[0] = xzalloc_cacheline(
        DP_SLOTS_PER_CHUNK * sizeof *b->counters->chunks[0]);
    b->snap = dp_snapshot_create(&cfg, rt, &b->table, 1, NULL);
    for (unsigned int i = 0; i < n_ports; i++) {
        b->in[i] = dp_snapshot_find_port(b->snap, i + 1);
    }

    dp_ctx_init(&b->ctx, b->counters, 0);
    dp_ctx_set_snapshot(&b->ctx, b->snap);
    b->ctx.hold_tx = true;
    b->now_ms = time_now_msec();
    b->now_ns = time_nsec();

    b->frames = xcalloc(n_ports, sizeof *b->frames);
    b->packets = xzalloc_cacheline(n_ports * sizeof *b->packets);
    b->bufs = xzalloc_cacheline(n_ports * sizeof *b->bufs);
    for (unsigned int i = 0; i < n_ports; i++) {
        for (unsigned int h = 0; h < HOSTS; h++) {
            make_frame(b->frames[i][h], i, h);
        }
    }
}

/* Fills port 'i's batch with its next 32 frames, as a receive would. */
static void
bench_receive(struct bench *b, unsigned int i, struct dp_packet_batch *batch)
{
    batch->count = 0;
    for (size_t k = 0; k < DP_BATCH_SIZE; k++) {
        struct dp_packet *p = &b->packets[i][k];

        memset(p, 0, sizeof *p);
        dp_packet_set_data(p, b->bufs[i][k], BUF_SIZE, DP_PACKET_HEADROOM,
                           FRAME_LEN);
        memcpy(dp_packet_data(p), b->frames[i][b->next[i]], FRAME_LEN);
        b->next[i] = (b->next[i] + 1) % HOSTS;
        dp_packet_reset_meta(p, i + 1);
        p->source = &bench_source.up;
        batch->packets[batch->count++] = p;
    }
}

/* The two calls measured, in functions of their own that callgrind's
 * --toggle-collect can name (pipeline.sh): everything they call is
 * counted, the bench's own work around them is not. */
static void __attribute__((noinline))
bench_pipeline_run(struct dp_ctx *ctx, const struct dp_port *in,
                   struct dp_packet_batch *batch)
{
    dp_pipeline_run(ctx, in, batch);
}

static void __attribute__((noinline))
bench_flush_held(struct dp_ctx *ctx)
{
    dp_output_flush_held(ctx, -1);
}

/* What one run measured: the cycles spent in the datapath over the passes
 * kept, and the passes left out as interrupted. */
struct run_result {
    uint64_t cycles;
    long long passes;
    long long skipped;
};

/* Runs 'n_passes' passes.  A pass that took more than 'b->pass_limit'
 * cycles was interrupted (the thread was descheduled, or took an
 * interrupt): it is left out of 'result', and out of the stage figures.
 * If 'pass_cycles' is nonnull, stores there each pass's cycles. */
static void
bench_run(struct bench *b, long long n_passes, struct run_result *result,
          uint64_t *pass_cycles)
{
    uint64_t stages_before[DP_MAX_STAGES];
    struct dp_ctx *ctx = &b->ctx;

    memset(result, 0, sizeof *result);
    for (long long pass = 0; pass < n_passes; pass++) {
        uint64_t t0, cycles = 0;

        if (time_stages) {
            memcpy(stages_before, stage_cycles, sizeof stages_before);
        }

        /* A forwarding thread reads its clocks once per pass. */
        ctx->now_ms = b->now_ms;
        ctx->now_s = b->now_ms / 1000;
        ctx->now_ns = b->now_ns;
        for (unsigned int i = 0; i < n_ports; i++) {
            struct dp_packet_batch batch;

            bench_receive(b, i, &batch);
            ctx->batch_owned = true;
            t0 = bench_cycles();
            bench_pipeline_run(ctx, b->in[i], &batch);
            cycles += bench_cycles() - t0;
        }
        t0 = bench_cycles();
        bench_flush_held(ctx);
        cycles += bench_cycles() - t0;
        ctx->tx_calls = ctx->tx_frames = 0;

        if (pass_cycles) {
            pass_cycles[pass] = cycles;
        }
        if (cycles > b->pass_limit) {
            result->skipped++;
            if (time_stages) {
                memcpy(stage_cycles, stages_before, sizeof stage_cycles);
            }
        } else {
            result->cycles += cycles;
            result->passes++;
        }
    }
}

static uint64_t
sink_total(const struct bench *b, bool dropped)
{
    uint64_t n = 0;

    for (unsigned int i = 0; i < n_ports; i++) {
        const struct sink *s = sink_cast(b->netdevs[i]);

        n += dropped ? s->dropped : s->sent;
    }
    return n;
}

/* bench_run(), and checks that every packet was sent once and released
 * once. */
static void
bench_run_checked(struct bench *b, long long n_passes,
                  struct run_result *result, uint64_t *pass_cycles)
{
    uint64_t sent0 = sink_total(b, false), dropped0 = sink_total(b, true);
    uint64_t released0 = bench_source.released;
    uint64_t expect = (uint64_t) n_passes * n_ports * DP_BATCH_SIZE;
    uint64_t sent, dropped, released;

    bench_run(b, n_passes, result, pass_cycles);
    sent = sink_total(b, false) - sent0;
    dropped = sink_total(b, true) - dropped0;
    released = bench_source.released - released0;

    if (sent != expect || dropped || released != expect) {
        fprintf(stderr, "pipeline-bench: %"PRIu64" packets in, %"PRIu64
                " sent, %"PRIu64" dropped, %"PRIu64" released: not a "
                "steady state of forwarding\n",
                expect, sent, dropped, released);
        exit(1);
    }
}

static int
compare_doubles(const void *a_, const void *b_)
{
    double a = *(const double *) a_, b = *(const double *) b_;

    return a < b ? -1 : a > b;
}

static int
compare_u64(const void *a_, const void *b_)
{
    uint64_t a = *(const uint64_t *) a_, b = *(const uint64_t *) b_;

    return a < b ? -1 : a > b;
}

/* Sets 'b->pass_limit', beyond which a pass counts as interrupted, from
 * the passes of a calibration run: 4 times their median, far above what
 * a cache miss or two adds, far below a time slice of another task. */
static void
bench_calibrate(struct bench *b)
{
    enum { N = 2000 };
    uint64_t *pass_cycles = xcalloc(N, sizeof *pass_cycles);
    struct run_result result;

    b->pass_limit = UINT64_MAX;
    bench_run_checked(b, N, &result, pass_cycles);
    qsort(pass_cycles, N, sizeof *pass_cycles, compare_u64);
    b->pass_limit = 4 * pass_cycles[N / 2];
    free(pass_cycles);
}

static void
print_stages(const struct bench *b, const uint64_t *cycles, uint64_t total,
             uint64_t packets)
{
    uint64_t staged = 0;

    printf("%-12s %10s %7s\n", "stage", "cyc/pkt", "share");
    for (size_t i = 0; i < b->ctx.n_stages; i++) {
        staged += cycles[i];
        printf("%-12s %10.1f %6.1f%%\n", b->ctx.stages[i]->name,
               (double) cycles[i] / packets, 100.0 * cycles[i] / total);
    }
    printf("%-12s %10.1f %6.1f%%\n", "other", (double) (total - staged)
           / packets, 100.0 * (total - staged) / total);
    printf("(\"output\" includes the sends of full held batches; "
           "\"other\" is\ndp_pipeline_run()'s own work, the held sends "
           "at the end of each pass\nand the timer calls)\n");
}

static void
usage(void)
{
    printf("usage: pipeline-bench [--variant=untagged|access|trunk] "
           "[--ports=N]\n"
           "                      [--packets=N] [--runs=N] [--cpu=N] "
           "[--stages]\n"
           "                      [--iterations=N]\n");
}

static long long
parse_number(const char *option, const char *s, long long min,
             long long max)
{
    char *end;
    long long n;

    errno = 0;
    n = strtoll(s, &end, 10);
    if (errno || end == s || *end || n < min || n > max) {
        fprintf(stderr, "pipeline-bench: --%s: \"%s\" is not a number in "
                "%lld..%lld\n", option, s, min, max);
        exit(2);
    }
    return n;
}

static void
parse_options(int argc, char *argv[])
{
    static const struct option options[] = {
        { "variant", required_argument, NULL, 'v' },
        { "ports", required_argument, NULL, 'p' },
        { "packets", required_argument, NULL, 'n' },
        { "runs", required_argument, NULL, 'r' },
        { "cpu", required_argument, NULL, 'c' },
        { "stages", no_argument, NULL, 's' },
        { "iterations", required_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'v':
            for (variant = 0; variant < ARRAY_SIZE(variant_names);
                 variant++) {
                if (!strcmp(optarg, variant_names[variant])) {
                    break;
                }
            }
            if (variant == ARRAY_SIZE(variant_names)) {
                fprintf(stderr, "pipeline-bench: unknown variant \"%s\" "
                        "(untagged, access, trunk)\n", optarg);
                exit(2);
            }
            break;
        case 'p':
            n_ports = parse_number("ports", optarg, 2, MAX_PORTS);
            break;
        case 'n':
            n_packets = parse_number("packets", optarg, 1, LLONG_MAX / 2);
            break;
        case 'r':
            n_runs = parse_number("runs", optarg, 1, 1000);
            break;
        case 'c': {
            cpu_set_t set;
            int cpu = parse_number("cpu", optarg, 0, CPU_SETSIZE - 1);

            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            if (sched_setaffinity(0, sizeof set, &set)) {
                fprintf(stderr, "pipeline-bench: CPU %d: %s\n", cpu,
                        strerror(errno));
                exit(1);
            }
            break;
        }
        case 's':
            time_stages = true;
            break;
        case 'i':
            n_iterations = parse_number("iterations", optarg, 0,
                                        LLONG_MAX / 2);
            break;
        case 'h':
            usage();
            exit(0);
        default:
            usage();
            exit(2);
        }
    }
    if (optind < argc) {
        usage();
        exit(2);
    }
}

int
main(int argc, char *argv[])
{
    unsigned int pass_packets;
    long long n_passes;
    uint64_t best_stages[DP_MAX_STAGES], best_total = 0, best_packets = 0;
    long long max_skipped = 0;
    struct run_result result;
    unsigned int best = 0;
    struct bench b;
    double *results;

    parse_options(argc, argv);
    bench_init(&b);
    pass_packets = n_ports * DP_BATCH_SIZE;

    /* Warm-up: the first passes flood (nothing is learned yet), later
     * ones must forward everything. */
    b.pass_limit = UINT64_MAX;
    bench_run(&b, WARMUP_PASSES, &result, NULL);
    bench_run_checked(&b, WARMUP_PASSES, &result, NULL);

    if (n_iterations >= 0) {
        n_passes = (n_iterations + pass_packets - 1) / pass_packets;
        bench_run_checked(&b, n_passes, &result, NULL);
        printf("variant %s ports %u packets %lld\n", variant_names[variant],
               n_ports, n_passes * pass_packets);
        return 0;
    }

    if (time_stages) {
        for (size_t i = 0; i < b.ctx.n_stages; i++) {
            stage_run[i] = b.ctx.run[i];
            b.ctx.run[i] = stage_timers[i];
        }
    }
    bench_calibrate(&b);
    n_passes = (n_packets + pass_packets - 1) / pass_packets;
    results = xcalloc(n_runs, sizeof *results);
    for (unsigned int r = 0; r < n_runs; r++) {
        memset(stage_cycles, 0, sizeof stage_cycles);
        bench_run_checked(&b, n_passes, &result, NULL);
        if (!result.passes) {
            fprintf(stderr, "pipeline-bench: every pass was interrupted\n");
            exit(1);
        }
        results[r] = (double) result.cycles / (result.passes * pass_packets);
        if (result.skipped > max_skipped) {
            max_skipped = result.skipped;
        }
        if (!r || results[r] < results[best]) {
            best = r;
            best_total = result.cycles;
            best_packets = result.passes * pass_packets;
            memcpy(best_stages, stage_cycles, sizeof best_stages);
        }
    }
    if (time_stages) {
        print_stages(&b, best_stages, best_total, best_packets);
    }
    qsort(results, n_runs, sizeof *results, compare_doubles);
    printf("variant %s ports %u packets %lld runs %u cycles/pkt best %.1f "
           "median %.1f worst %.1f interrupted-passes %lld/%lld\n",
           variant_names[variant], n_ports, n_passes * pass_packets, n_runs,
           results[0], results[n_runs / 2], results[n_runs - 1],
           max_skipped, n_passes);

    dp_ctx_destroy(&b.ctx);
    dp_snapshot_destroy(b.snap);
    mac_table_destroy(b.table);
    for (unsigned int i = 0; i < n_ports; i++) {
        netdev_close(b.netdevs[i]);
    }
    free(results);
    return 0;
}
