/*
 * dpif-userspace.c -- the userspace datapath: poll-mode forwarding
 * threads over netdevs.
 *
 * Threads.  'n_threads' forwarding threads ("pmd0", "pmd1"...) each poll
 * the receive queues assigned to them (a new port goes to the thread with
 * the fewest queues, and stays there), run each received batch through
 * the pipeline (pipeline.h) and send on transmit queue = their index.
 * While frames keep arriving a thread spins; after DPU_IDLE_SPIN_NS of
 * empty polls it sleeps in poll() on its queues' descriptors and its
 * eventfd (queues without a descriptor force a short timeout instead).
 *
 * Snapshots and grace periods (RCU-like).  The main thread publishes each
 * new configuration as an immutable "struct dp_snapshot" with one atomic
 * pointer store.  A thread loads the pointer once per loop iteration, and
 * at the top of every iteration publishes an increasing quiescent-state
 * counter ('qs'): by then it holds nothing from earlier iterations.
 * Before sleeping it sets 'qs' to DPU_OFFLINE, since a sleeping thread
 * holds nothing either.  After a swap the main thread samples every
 * thread's 'qs', wakes them all (eventfd) and waits until each sampled
 * value has changed or was DPU_OFFLINE; then nothing can still use the old
 * snapshot, so it frees it, closes the receive queues of removed ports and
 * returns, after which the caller may close their netdevs.  The store of
 * 'qs' and the load of the snapshot pointer on the thread side, and the
 * store of the pointer and the loads of 'qs' on the main side, are
 * sequentially consistent: whichever comes first, a thread that the main
 * thread sees as quiescent will load the new pointer.
 *
 * Counters.  Each thread owns a "struct dp_counters" (pipeline.h) indexed
 * by the ports' counter slots; a slot stays with its port number for the
 * port's life, so counters survive reconfiguration.  When threads stop
 * (on a change of thread count) their counts are folded into 'base'; when
 * a port is removed its drops are folded into 'removed_drops', so global
 * drop counts never go backwards.
 */
#include <config.h>
#include "dpif-provider.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "coverage.h"
#include "dp-config.h"
#include "hmap.h"
#include "mac-learning.h"
#include "netdev.h"
#include "pipeline.h"
#include "poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(dpif_userspace);

COVERAGE_DEFINE(dpif_reconfigure);
COVERAGE_DEFINE(dpif_pmd_sleep);
COVERAGE_DEFINE(dpif_pmd_wakeup);

#define DPU_OFFLINE UINT64_MAX          /* 'qs' of a sleeping thread. */
#define DPU_IDLE_SPIN_NS (100 * 1000)   /* Spin this long before sleeping. */
#define DPU_SLEEP_MS 100                /* Longest sleep. */
#define DPU_SHORT_SLEEP_MS 1            /* With a queue that has no fd. */

/* One forwarding thread. */
struct dpu_pmd {
    /* Written by the thread, read by the main thread. */
    atomic_ullong qs;               /* Quiescent counter or DPU_OFFLINE. */

    /* Written by the main thread. */
    atomic_bool exit;
    int wake_fd;                    /* eventfd. */
    unsigned int id;
    pthread_t thread;
    struct dpif_userspace *dp;
    struct dp_counters *counters;
} __attribute__((aligned(64)));

/* A port, as the main thread tracks it across reconfigurations. */
struct dpu_port {
    struct hmap_node node;          /* In 'ports', by port number. */
    uint32_t port_no;
    struct netdev *netdev;
    struct netdev_rxq *rxq;
    uint32_t slot;
    unsigned int thread;
    char *bridge_name;
    struct dpif_port_config cfg;    /* Last config ('name', 'netdev' 0). */
    bool seen;                      /* In the config being applied. */
};

/* A bridge's MAC table, kept across reconfigurations by bridge name. */
struct dpu_bridge {
    char *name;
    struct mac_table *macs;
    size_t table_size;
    struct dp_vlan_bitmap flood_vlans;
    bool seen;
};

/* What a reconfiguration releases once the grace period is over. */
struct dpu_garbage {
    struct netdev_rxq **rxqs;
    size_t n_rxqs;
    struct mac_table **tables;
    size_t n_tables;
    uint32_t *slots;
    size_t n_slots;
    struct dpu_flush {
        char *bridge;               /* Flush 'port_no' from this bridge. */
        uint32_t port_no;
    } *flushes;
    size_t n_flushes;
    char **flush_all;               /* Bridges to flush completely. */
    size_t n_flush_all;
};

struct dpif_userspace {
    struct dpif up;
    _Atomic(struct dp_snapshot *) snap;

    struct dpu_pmd **pmds;
    unsigned int n_pmds;

    struct hmap ports;              /* struct dpu_port. */
    struct dpu_bridge **bridges;    /* In the last config's order. */
    size_t n_bridges;

    /* Counter slots. */
    uint32_t *free_slots;
    size_t n_free_slots;
    uint32_t n_slots;               /* High-water mark. */
    struct dp_counters base;        /* Counts of stopped threads. */
    uint64_t removed_drops[DP_N_DROPS];

    uint32_t last_expire_s;
};

static struct dpif_userspace *
dpu_cast(const struct dpif *dpif)
{
    return CONTAINER_OF(dpif, struct dpif_userspace, up);
}

/* Counter slots and chunks. */

static struct dp_port_counters *
dpu_alloc_chunk(void)
{
    size_t size = DP_SLOTS_PER_CHUNK * sizeof(struct dp_port_counters);
    struct dp_port_counters *chunk = aligned_alloc(64, size);

    if (!chunk) {
        util_fatal(ENOMEM, "datapath counters");
    }
    memset(chunk, 0, size);
    return chunk;
}

/* Makes sure 'c' has chunks for every slot below 'n_slots'. */
static void
dpu_counters_reserve(struct dp_counters *c, uint32_t n_slots)
{
    for (uint32_t i = 0; i * DP_SLOTS_PER_CHUNK < n_slots; i++) {
        if (!c->chunks[i]) {
            c->chunks[i] = dpu_alloc_chunk();
        }
    }
}

static void
dpu_counters_free(struct dp_counters *c)
{
    for (size_t i = 0; i < DP_MAX_CHUNKS; i++) {
        free(c->chunks[i]);
    }
    free(c);
}

/* Returns a free slot with zeroed counters everywhere, or UINT32_MAX. */
static uint32_t
dpu_slot_alloc(struct dpif_userspace *dp)
{
    if (dp->n_free_slots) {
        return dp->free_slots[--dp->n_free_slots];
    }
    if (dp->n_slots >= DP_MAX_SLOTS) {
        return UINT32_MAX;
    }
    dp->n_slots++;
    dpu_counters_reserve(&dp->base, dp->n_slots);
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        dpu_counters_reserve(dp->pmds[i]->counters, dp->n_slots);
    }
    return dp->n_slots - 1;
}

static void
dpu_port_counters_add(struct dp_port_counters *sum,
                      struct dp_port_counters *c)
{
    sum->rx_packets += __atomic_load_n(&c->rx_packets, __ATOMIC_ACQUIRE);
    sum->rx_bytes += DP_READ(c->rx_bytes);
    sum->tx_packets += DP_READ(c->tx_packets);
    sum->tx_bytes += DP_READ(c->tx_bytes);
    sum->rx_dropped += DP_READ(c->rx_dropped);
    sum->tx_dropped += DP_READ(c->tx_dropped);
    sum->tx_errors += DP_READ(c->tx_errors);
    for (int r = 0; r < DP_N_DROPS; r++) {
        sum->drops[r] += DP_READ(c->drops[r]);
    }
}

/* Sums slot 'slot' over the base and every running thread. */
static void
dpu_slot_sum(const struct dpif_userspace *dp, uint32_t slot,
             struct dp_port_counters *sum)
{
    memset(sum, 0, sizeof *sum);
    dpu_port_counters_add(sum, dp_counters_get(
                              (struct dp_counters *) &dp->base, slot));
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        dpu_port_counters_add(sum, dp_counters_get(dp->pmds[i]->counters,
                                                   slot));
    }
}

/* Releases 'slot' of a port that no thread can reach any more: its drops
 * go into the global totals, and every copy of its counters is zeroed for
 * the next user. */
static void
dpu_slot_free(struct dpif_userspace *dp, uint32_t slot)
{
    struct dp_port_counters sum;

    dpu_slot_sum(dp, slot, &sum);
    for (int r = 0; r < DP_N_DROPS; r++) {
        dp->removed_drops[r] += sum.drops[r];
    }
    memset(dp_counters_get(&dp->base, slot), 0, sizeof sum);
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        memset(dp_counters_get(dp->pmds[i]->counters, slot), 0, sizeof sum);
    }
    dp->free_slots[dp->n_free_slots++] = slot;
}

/* Forwarding threads. */

static long long
dpu_monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Polls each of the thread's queues once.  Returns the frames received. */
static int
dpu_pmd_poll(struct dp_ctx *ctx, const struct dp_rx_list *rx)
{
    int total = 0;

    for (size_t i = 0; i < rx->n; i++) {
        const struct dp_port *port = &ctx->snap->ports[rx->ports[i]];
        struct dp_packet_batch batch;
        int n;

        dp_packet_batch_init(&batch);
        n = netdev_rxq_recv(port->rxq, &batch);
        if (n > 0 && batch.count) {
            dp_pipeline_run(ctx, port, &batch);
            total += n;
        }
    }
    return total;
}

/* The descriptors a sleeping thread waits on: its eventfd first, then its
 * queues'.  Returns how many; '*timeout' is the poll timeout. */
static size_t
dpu_pmd_pollfds(const struct dpu_pmd *pmd, const struct dp_snapshot *snap,
                struct pollfd **pfdsp, size_t *allocated, int *timeout)
{
    const struct dp_rx_list *rx = &snap->rx[pmd->id];
    struct pollfd *pfds;
    size_t n = 0;

    if (rx->n + 1 > *allocated) {
        *allocated = rx->n + 1;
        *pfdsp = xrealloc(*pfdsp, *allocated * sizeof **pfdsp);
    }
    pfds = *pfdsp;
    pfds[n++] = (struct pollfd) { .fd = pmd->wake_fd, .events = POLLIN };
    *timeout = DPU_SLEEP_MS;
    for (size_t i = 0; i < rx->n; i++) {
        int fd = netdev_rxq_fd(snap->ports[rx->ports[i]].rxq);

        if (fd >= 0) {
            pfds[n++] = (struct pollfd) { .fd = fd, .events = POLLIN };
        } else {
            *timeout = DPU_SHORT_SLEEP_MS;
        }
    }
    return n;
}

static void
dpu_pmd_sleep(struct dpu_pmd *pmd, struct pollfd *pfds, size_t n,
              int timeout)
{
    atomic_store(&pmd->qs, DPU_OFFLINE);
    COVERAGE_INC(dpif_pmd_sleep);
    if (poll(pfds, n, timeout) > 0 && pfds[0].revents & POLLIN) {
        uint64_t value;

        COVERAGE_INC(dpif_pmd_wakeup);
        if (read(pmd->wake_fd, &value, sizeof value) < 0) {
            /* EAGAIN: another wakeup already drained it. */
        }
    }
}

static void *
dpu_pmd_main(void *pmd_)
{
    struct dpu_pmd *pmd = pmd_;
    const struct dp_snapshot *snap = NULL;
    struct pollfd *pfds = NULL;
    size_t n_pfds = 0, allocated = 0;
    long long idle_since = 0;
    int timeout = DPU_SLEEP_MS;
    uint64_t qs = 0;
    struct dp_ctx ctx;
    char name[16];

    snprintf(name, sizeof name, "pmd%u", pmd->id);
    pthread_setname_np(pthread_self(), name);
    dp_ctx_init(&ctx, pmd->counters, pmd->id);

    for (;;) {
        const struct dp_snapshot *s;

        atomic_store(&pmd->qs, ++qs);
        s = atomic_load(&pmd->dp->snap);
        if (atomic_load_explicit(&pmd->exit, memory_order_relaxed)) {
            break;
        }
        if (s != snap) {
            snap = s;
            dp_ctx_set_snapshot(&ctx, snap);
            n_pfds = dpu_pmd_pollfds(pmd, snap, &pfds, &allocated, &timeout);
        }
        ctx.now_s = time_now_msec() / 1000;

        if (dpu_pmd_poll(&ctx, &snap->rx[pmd->id])) {
            idle_since = 0;
        } else if (!idle_since) {
            idle_since = dpu_monotonic_ns();
        } else if (dpu_monotonic_ns() - idle_since >= DPU_IDLE_SPIN_NS) {
            dpu_pmd_sleep(pmd, pfds, n_pfds, timeout);
            idle_since = 0;
        }
    }

    atomic_store(&pmd->qs, DPU_OFFLINE);
    dp_ctx_destroy(&ctx);
    free(pfds);
    return NULL;
}

static void
dpu_pmd_wake(struct dpu_pmd *pmd)
{
    uint64_t one = 1;

    if (write(pmd->wake_fd, &one, sizeof one) < 0) {
        /* The counter is saturated: the thread is awake anyway. */
    }
}

static void
dpu_start_threads(struct dpif_userspace *dp, unsigned int n)
{
    dp->pmds = xcalloc(n, sizeof *dp->pmds);
    for (unsigned int i = 0; i < n; i++) {
        struct dpu_pmd *pmd = aligned_alloc(64, sizeof *pmd);
        int error;

        if (!pmd) {
            util_fatal(ENOMEM, "forwarding thread");
        }
        memset(pmd, 0, sizeof *pmd);
        atomic_init(&pmd->qs, DPU_OFFLINE);
        atomic_init(&pmd->exit, false);
        pmd->id = i;
        pmd->dp = dp;
        pmd->counters = xzalloc(sizeof *pmd->counters);
        dpu_counters_reserve(pmd->counters, dp->n_slots);
        pmd->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (pmd->wake_fd < 0) {
            util_fatal(errno, "eventfd");
        }
        dp->pmds[i] = pmd;
        dp->n_pmds = i + 1;

        error = pthread_create(&pmd->thread, NULL, dpu_pmd_main, pmd);
        if (error) {
            util_fatal(error, "could not start forwarding thread");
        }
    }
    VLOG_INFO("%s: %u forwarding thread%s started", dp->up.name, n,
              n == 1 ? "" : "s");
}

/* Stops every thread and folds its counters into 'base'. */
static void
dpu_stop_threads(struct dpif_userspace *dp)
{
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        atomic_store(&dp->pmds[i]->exit, true);
        dpu_pmd_wake(dp->pmds[i]);
    }
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        struct dpu_pmd *pmd = dp->pmds[i];

        pthread_join(pmd->thread, NULL);
        for (uint32_t slot = 0; slot < dp->n_slots; slot++) {
            dpu_port_counters_add(dp_counters_get(&dp->base, slot),
                                  dp_counters_get(pmd->counters, slot));
        }
        close(pmd->wake_fd);
        dpu_counters_free(pmd->counters);
        free(pmd);
    }
    free(dp->pmds);
    dp->pmds = NULL;
    dp->n_pmds = 0;
}

/* Waits until no thread can still hold a snapshot older than the current
 * one. */
static void
dpu_synchronize(struct dpif_userspace *dp)
{
    uint64_t *seen = xcalloc(dp->n_pmds + 1, sizeof *seen);
    long long start = time_msec();
    bool warned = false;

    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        seen[i] = atomic_load(&dp->pmds[i]->qs);
        dpu_pmd_wake(dp->pmds[i]);
    }
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        while (seen[i] != DPU_OFFLINE
               && atomic_load(&dp->pmds[i]->qs) == seen[i]) {
            struct timespec pause = { 0, 10 * 1000 };

            nanosleep(&pause, NULL);
            if (!warned && time_msec() - start > 1000) {
                VLOG_WARN("%s: forwarding thread %u has been busy for over "
                          "a second; reconfiguration waits for it",
                          dp->up.name, i);
                warned = true;
            }
        }
    }
    free(seen);
}

/* Publishing. */

static void
dpu_garbage_collect(struct dpif_userspace *dp, struct dpu_garbage *g)
{
    for (size_t i = 0; i < g->n_rxqs; i++) {
        netdev_rxq_close(g->rxqs[i]);
    }
    for (size_t i = 0; i < g->n_slots; i++) {
        dpu_slot_free(dp, g->slots[i]);
    }
    for (size_t i = 0; i < g->n_flushes; i++) {
        for (size_t b = 0; b < dp->n_bridges; b++) {
            if (!strcmp(dp->bridges[b]->name, g->flushes[i].bridge)) {
                mac_table_flush_port(dp->bridges[b]->macs,
                                     g->flushes[i].port_no);
            }
        }
        free(g->flushes[i].bridge);
    }
    for (size_t i = 0; i < g->n_flush_all; i++) {
        for (size_t b = 0; b < dp->n_bridges; b++) {
            if (!strcmp(dp->bridges[b]->name, g->flush_all[i])) {
                mac_table_flush(dp->bridges[b]->macs);
            }
        }
        free(g->flush_all[i]);
    }
    for (size_t i = 0; i < g->n_tables; i++) {
        mac_table_destroy(g->tables[i]);
    }
    free(g->rxqs);
    free(g->slots);
    free(g->flushes);
    free(g->flush_all);
    free(g->tables);
    memset(g, 0, sizeof *g);
}

#define DPU_GARBAGE_ADD(ARRAY, N, VALUE)                                   \
    do {                                                                    \
        (ARRAY) = xrealloc((ARRAY), ((N) + 1) * sizeof *(ARRAY));          \
        (ARRAY)[(N)++] = (VALUE);                                           \
    } while (0)

static void
dpu_garbage_flush_port(struct dpu_garbage *g, const char *bridge,
                       uint32_t port_no)
{
    struct dpu_flush f = { xstrdup(bridge), port_no };

    DPU_GARBAGE_ADD(g->flushes, g->n_flushes, f);
}

/* Bridges. */

static struct dpu_bridge *
dpu_find_bridge(struct dpu_bridge **bridges, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (bridges[i] && !strcmp(bridges[i]->name, name)) {
            return bridges[i];
        }
    }
    return NULL;
}

/* Reconciles the bridges with 'cfg': new tables for new bridges, clones
 * for resized ones.  Fills 'tables' in config order. */
static void
dpu_update_bridges(struct dpif_userspace *dp, const struct dpif_config *cfg,
                   struct mac_table **tables, struct dpu_garbage *g)
{
    struct dpu_bridge **new = xcalloc(cfg->n_bridges + 1, sizeof *new);

    for (size_t i = 0; i < cfg->n_bridges; i++) {
        const struct dpif_bridge_config *bc = &cfg->bridges[i];
        const char *name = bc->name ? bc->name : "";
        size_t size = (bc->mac_table_size ? bc->mac_table_size
                       : MAC_TABLE_DEFAULT_SIZE);
        struct dpu_bridge *b = dpu_find_bridge(dp->bridges, dp->n_bridges,
                                               name);

        if (b && !b->seen) {
            if (size != b->table_size) {
                DPU_GARBAGE_ADD(g->tables, g->n_tables, b->macs);
                b->macs = mac_table_clone(b->macs, size);
                b->table_size = size;
            }
            if (memcmp(&b->flood_vlans, &bc->flood_vlans,
                       sizeof b->flood_vlans)) {
                DPU_GARBAGE_ADD(g->flush_all, g->n_flush_all,
                                xstrdup(name));
            }
        } else {
            b = xzalloc(sizeof *b);
            b->name = xstrdup(name);
            b->macs = mac_table_create(size, bc->mac_aging_s);
            b->table_size = size;
        }
        b->seen = true;
        b->flood_vlans = bc->flood_vlans;
        mac_table_set_aging(b->macs, bc->mac_aging_s);
        new[i] = b;
        tables[i] = b->macs;
    }

    for (size_t i = 0; i < dp->n_bridges; i++) {
        struct dpu_bridge *b = dp->bridges[i];

        if (!b->seen) {
            DPU_GARBAGE_ADD(g->tables, g->n_tables, b->macs);
            free(b->name);
            free(b);
        }
    }
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        new[i]->seen = false;
    }
    free(dp->bridges);
    dp->bridges = new;
    dp->n_bridges = cfg->n_bridges;
}

/* Ports. */

static struct dpu_port *
dpu_find_port(const struct dpif_userspace *dp, uint32_t port_no)
{
    struct dpu_port *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, dp_port_hash(port_no), &dp->ports) {
        if (p->port_no == port_no) {
            return p;
        }
    }
    return NULL;
}

static bool
dpu_vlan_config_changed(const struct dpif_port_config *a,
                        const struct dpif_port_config *b)
{
    return (a->vlan_mode != b->vlan_mode || a->tag != b->tag
            || a->all_trunks != b->all_trunks
            || a->all_cvlans != b->all_cvlans
            || a->qinq_tpid != b->qinq_tpid
            || a->mirror_output != b->mirror_output
            || memcmp(&a->trunks, &b->trunks, sizeof a->trunks)
            || memcmp(&a->cvlans, &b->cvlans, sizeof a->cvlans));
}

/* The thread with the fewest queues among the first 'n'. */
static unsigned int
dpu_least_loaded(const struct dpif_userspace *dp, unsigned int n)
{
    unsigned int *load = xcalloc(n, sizeof *load);
    const struct dpu_port *p;
    unsigned int best = 0;

    HMAP_FOR_EACH (p, node, &dp->ports) {
        if (p->rxq && p->thread < n) {
            load[p->thread]++;
        }
    }
    for (unsigned int i = 1; i < n; i++) {
        if (load[i] < load[best]) {
            best = i;
        }
    }
    free(load);
    return best;
}

/* Makes sure 'p' has a receive queue on its (new) netdev.  Returns 0 or an
 * errno value with a message in '*errorp'. */
static int
dpu_port_open(struct dpif_userspace *dp, struct dpu_port *p,
              const struct dpif_port_config *pc, unsigned int n_threads,
              char **errorp)
{
    int error;

    if (p->rxq) {
        return 0;
    }
    error = netdev_rxq_open(pc->netdev, &p->rxq);
    if (error) {
        *errorp = xasprintf("could not open receive queue of %s (%s)",
                            pc->name ? pc->name : "port", strerror(error));
        p->rxq = NULL;
        return error;
    }
    p->thread = dpu_least_loaded(dp, n_threads);
    if (dp->n_pmds) {
        /* Threads run: prepare the new device's queues before any of them
         * can send to it.  Otherwise this happens before they start. */
        int err = netdev_set_n_txq(pc->netdev, n_threads);
        if (err && err != EOPNOTSUPP) {
            VLOG_WARN("%s: could not set up %u transmit queues (%s)",
                      pc->name, n_threads, strerror(err));
        }
    }
    return 0;
}

static struct dpu_port *
dpu_port_create(struct dpif_userspace *dp, const struct dpif_port_config *pc)
{
    struct dpu_port *p = xzalloc(sizeof *p);

    p->port_no = pc->port_no;
    p->slot = dpu_slot_alloc(dp);
    hmap_insert(&dp->ports, &p->node, dp_port_hash(pc->port_no));
    return p;
}

static void
dpu_port_remember(struct dpu_port *p, const struct dpif_port_config *pc,
                  const char *bridge)
{
    p->netdev = pc->netdev;
    p->cfg = *pc;
    p->cfg.name = NULL;
    p->cfg.netdev = NULL;
    free(p->bridge_name);
    p->bridge_name = xstrdup(bridge);
    p->seen = true;
}

/* Validates port 'i' of 'cfg'.  Returns 0 or an errno value with a
 * message in '*errorp'. */
static int
dpu_port_check(const struct dpif_userspace *dp,
               const struct dpif_config *cfg, size_t i, char **errorp)
{
    const struct dpif_port_config *pc = &cfg->ports[i];
    const struct dpu_port *p = dpu_find_port(dp, pc->port_no);
    const char *name = pc->name ? pc->name : "port";

    if (!pc->netdev || pc->bridge >= cfg->n_bridges) {
        *errorp = xasprintf("%s: no device or no such bridge", name);
        return EINVAL;
    } else if (p && p->seen) {
        *errorp = xasprintf("%s: port number %"PRIu32" used twice", name,
                            pc->port_no);
        return EINVAL;
    }
    return 0;
}

/* Applies port 'i' of 'cfg', filling in 'rt'.  Returns 0 or an errno
 * value with a message in '*errorp'. */
static int
dpu_update_port(struct dpif_userspace *dp, const struct dpif_config *cfg,
                size_t i, unsigned int n_threads, struct dp_port_runtime *rt,
                struct dpu_garbage *g, char **errorp)
{
    const struct dpif_port_config *pc = &cfg->ports[i];
    const char *bridge = cfg->bridges[pc->bridge].name;
    struct dpu_port *p = dpu_find_port(dp, pc->port_no);
    int error;

    bridge = bridge ? bridge : "";
    if (!p) {
        p = dpu_port_create(dp, pc);
        if (p->slot == UINT32_MAX) {
            hmap_remove(&dp->ports, &p->node);
            free(p);
            *errorp = xasprintf("%s: too many ports",
                                pc->name ? pc->name : "port");
            return ENOSPC;
        }
    } else {
        if (p->netdev != pc->netdev && p->rxq) {
            /* The device was replaced (e.g. a guest's TAP came back): the
             * port keeps its number, counters and MAC entries. */
            DPU_GARBAGE_ADD(g->rxqs, g->n_rxqs, p->rxq);
            p->rxq = NULL;
        }
        if (strcmp(p->bridge_name, bridge)) {
            dpu_garbage_flush_port(g, p->bridge_name, p->port_no);
        } else if (dpu_vlan_config_changed(&p->cfg, pc)) {
            dpu_garbage_flush_port(g, bridge, p->port_no);
        }
    }

    error = dpu_port_open(dp, p, pc, n_threads, errorp);
    if (error) {
        return error;           /* Not seen: removed below. */
    }
    dpu_port_remember(p, pc, bridge);
    rt->active = true;
    rt->rxq = p->rxq;
    rt->slot = p->slot;
    rt->thread = p->thread;
    rt->offloads = netdev_accepts_offloads(pc->netdev);
    return 0;
}

/* Removes every port not seen in this reconfiguration. */
static void
dpu_remove_unseen_ports(struct dpif_userspace *dp, struct dpu_garbage *g)
{
    struct dpu_port *p, *next;

    HMAP_FOR_EACH_SAFE (p, next, node, &dp->ports) {
        if (p->seen) {
            p->seen = false;
            continue;
        }
        if (p->rxq) {
            DPU_GARBAGE_ADD(g->rxqs, g->n_rxqs, p->rxq);
        }
        DPU_GARBAGE_ADD(g->slots, g->n_slots, p->slot);
        if (p->bridge_name) {
            dpu_garbage_flush_port(g, p->bridge_name, p->port_no);
        }
        hmap_remove(&dp->ports, &p->node);
        free(p->bridge_name);
        free(p);
    }
}

/* With no threads running: spreads all queues round-robin over 'n'
 * threads and prepares 'n' transmit queues on every device. */
static void
dpu_prepare_threads(struct dpif_userspace *dp,
                    const struct dpif_config *cfg,
                    struct dp_port_runtime *rt, unsigned int n)
{
    unsigned int next = 0;

    for (size_t i = 0; i < cfg->n_ports; i++) {
        struct dpu_port *p;
        int error;

        if (!rt[i].active) {
            continue;
        }
        p = dpu_find_port(dp, cfg->ports[i].port_no);
        p->thread = rt[i].thread = next++ % n;
        error = netdev_set_n_txq(cfg->ports[i].netdev, n);
        if (error && error != EOPNOTSUPP) {
            VLOG_WARN("%s: could not set up %u transmit queues (%s)",
                      cfg->ports[i].name, n, strerror(error));
        }
    }
}

static void
dpu_publish(struct dpif_userspace *dp, struct dp_snapshot *snap,
            unsigned int n_threads, struct dpu_garbage *g)
{
    struct dp_snapshot *old = atomic_exchange(&dp->snap, snap);

    if (!dp->n_pmds) {
        dpu_start_threads(dp, n_threads);
    } else {
        dpu_synchronize(dp);
    }
    dp_snapshot_destroy(old);
    dpu_garbage_collect(dp, g);
}

static int
dpu_reconfigure(struct dpif *dpif, const struct dpif_config *cfg,
                char ***errorsp)
{
    struct dpif_userspace *dp = dpu_cast(dpif);
    unsigned int n_threads = cfg->n_threads ? cfg->n_threads : 1;
    struct dp_port_runtime *rt = xcalloc(cfg->n_ports + 1, sizeof *rt);
    struct mac_table **tables = xcalloc(cfg->n_bridges + 1,
                                        sizeof *tables);
    char **errors = xcalloc(cfg->n_ports + 1, sizeof *errors);
    struct dpu_garbage g;
    int retval = 0;

    COVERAGE_INC(dpif_reconfigure);
    memset(&g, 0, sizeof g);
    if (dp->n_pmds && dp->n_pmds != n_threads) {
        dpu_stop_threads(dp);
    }

    /* Everything that can fail or allocate happens before publishing. */
    dpu_update_bridges(dp, cfg, tables, &g);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        int error = dpu_port_check(dp, cfg, i, &errors[i]);

        if (!error) {
            error = dpu_update_port(dp, cfg, i, n_threads, &rt[i], &g,
                                    &errors[i]);
        }
        if (error) {
            VLOG_WARN("%s", errors[i]);
            retval = retval ? retval : error;
        }
    }
    dpu_remove_unseen_ports(dp, &g);
    if (!dp->n_pmds) {
        dpu_prepare_threads(dp, cfg, rt, n_threads);
    }

    dpu_publish(dp, dp_snapshot_create(cfg, rt, tables, n_threads),
                n_threads, &g);

    free(rt);
    free(tables);
    if (errorsp) {
        *errorsp = errors;
    } else {
        for (size_t i = 0; i < cfg->n_ports; i++) {
            free(errors[i]);
        }
        free(errors);
    }
    return retval;
}

/* Creation and destruction. */

static int
dpu_create(const char *name, struct dpif **dpifp)
{
    struct dpif_userspace *dp = xzalloc(sizeof *dp);
    struct dpif_config empty;

    dpif_init(&dp->up, &dpif_userspace_class, name);
    hmap_init(&dp->ports);
    dp->free_slots = xcalloc(DP_MAX_SLOTS, sizeof *dp->free_slots);
    atomic_init(&dp->snap, NULL);

    memset(&empty, 0, sizeof empty);
    atomic_store(&dp->snap,
                 dp_snapshot_create(&empty, NULL, NULL, 1));
    *dpifp = &dp->up;
    return 0;
}

static void
dpu_destroy(struct dpif *dpif)
{
    struct dpif_userspace *dp = dpu_cast(dpif);
    struct dpu_port *p, *next;

    dpu_stop_threads(dp);
    dp_snapshot_destroy(atomic_load(&dp->snap));
    HMAP_FOR_EACH_SAFE (p, next, node, &dp->ports) {
        netdev_rxq_close(p->rxq);
        hmap_remove(&dp->ports, &p->node);
        free(p->bridge_name);
        free(p);
    }
    hmap_destroy(&dp->ports);
    for (size_t i = 0; i < dp->n_bridges; i++) {
        mac_table_destroy(dp->bridges[i]->macs);
        free(dp->bridges[i]->name);
        free(dp->bridges[i]);
    }
    free(dp->bridges);
    for (size_t i = 0; i < DP_MAX_CHUNKS; i++) {
        free(dp->base.chunks[i]);
    }
    free(dp->free_slots);
    dpif_uninit(&dp->up);
    free(dp);
}

/* Statistics. */

static int
dpu_port_stats(const struct dpif *dpif, uint32_t port_no,
               struct dpif_port_stats *stats)
{
    const struct dpif_userspace *dp = dpu_cast(dpif);
    const struct dpu_port *p = dpu_find_port(dp, port_no);
    struct dp_port_counters sum;

    if (!p) {
        return ENOENT;
    }
    dpu_slot_sum(dp, p->slot, &sum);
    stats->rx_packets = sum.rx_packets;
    stats->rx_bytes = sum.rx_bytes;
    stats->tx_packets = sum.tx_packets;
    stats->tx_bytes = sum.tx_bytes;
    stats->rx_dropped = sum.rx_dropped;
    stats->tx_dropped = sum.tx_dropped;
    stats->tx_errors = sum.tx_errors;
    return 0;
}

static int
dpu_port_drop_stats(const struct dpif *dpif, uint32_t port_no,
                    uint64_t counts[DP_N_DROPS])
{
    const struct dpif_userspace *dp = dpu_cast(dpif);
    const struct dpu_port *p = dpu_find_port(dp, port_no);
    struct dp_port_counters sum;

    if (!p) {
        return ENOENT;
    }
    dpu_slot_sum(dp, p->slot, &sum);
    memcpy(counts, sum.drops, sizeof sum.drops);
    return 0;
}

static void
dpu_drop_stats(const struct dpif *dpif, uint64_t counts[DP_N_DROPS])
{
    const struct dpif_userspace *dp = dpu_cast(dpif);
    const struct dpu_port *p;

    memcpy(counts, dp->removed_drops, sizeof dp->removed_drops);
    HMAP_FOR_EACH (p, node, &dp->ports) {
        struct dp_port_counters sum;

        dpu_slot_sum(dp, p->slot, &sum);
        for (int r = 0; r < DP_N_DROPS; r++) {
            counts[r] += sum.drops[r];
        }
    }
}

/* MAC tables. */

static struct mac_table *
dpu_bridge_table(const struct dpif *dpif, uint32_t bridge)
{
    const struct dpif_userspace *dp = dpu_cast(dpif);

    return bridge < dp->n_bridges ? dp->bridges[bridge]->macs : NULL;
}

static size_t
dpu_fdb_dump(const struct dpif *dpif, uint32_t bridge,
             struct dpif_fdb_entry **entries)
{
    struct mac_table *t = dpu_bridge_table(dpif, bridge);

    if (!t) {
        *entries = NULL;
        return 0;
    }
    return mac_table_dump(t, time_now_msec() / 1000, entries);
}

static void
dpu_fdb_flush(struct dpif *dpif, uint32_t bridge)
{
    struct mac_table *t = dpu_bridge_table(dpif, bridge);

    if (t) {
        mac_table_flush(t);
    }
}

static int
dpu_fdb_stats(const struct dpif *dpif, uint32_t bridge,
              struct dpif_fdb_stats *stats)
{
    struct mac_table *t = dpu_bridge_table(dpif, bridge);

    if (!t) {
        return ENOENT;
    }
    mac_table_get_stats(t, stats);
    return 0;
}

/* Main loop. */

static void
dpu_run(struct dpif *dpif)
{
    struct dpif_userspace *dp = dpu_cast(dpif);
    uint32_t now_s = time_now_msec() / 1000;

    if (now_s != dp->last_expire_s) {
        dp->last_expire_s = now_s;
        for (size_t i = 0; i < dp->n_bridges; i++) {
            mac_table_expire(dp->bridges[i]->macs, now_s);
        }
    }
}

static void
dpu_wait(struct dpif *dpif)
{
    poll_timer_wait(1000);
}

const struct dpif_class dpif_userspace_class = {
    .type = "netdev",
    .create = dpu_create,
    .destroy = dpu_destroy,
    .reconfigure = dpu_reconfigure,
    .port_stats = dpu_port_stats,
    .drop_stats = dpu_drop_stats,
    .port_drop_stats = dpu_port_drop_stats,
    .fdb_dump = dpu_fdb_dump,
    .fdb_flush = dpu_fdb_flush,
    .fdb_stats = dpu_fdb_stats,
    .run = dpu_run,
    .wait = dpu_wait,
};
