/*
 * dpu-pmd.c -- the forwarding threads of the userspace datapath ("pmd0",
 * "pmd1"...): the polling loop with its spin-then-sleep policy, starting
 * (and pinning, with pmd-cpu-mask) and stopping them, grace periods, and
 * their counters for dpif/pmd-stats-show and dpif/pmd-rxq-show.
 * dpif-userspace.c's opening comment describes threads, polling and
 * snapshots; dpu-private.h has the structures.
 *
 * Cycle counts.  Each pass over a thread's queues reads the cycle counter
 * once at its end: the cycles since the end of the previous pass are busy
 * if the pass received frames, idle otherwise, and time asleep is
 * neither.  Each queue polled reads it once more, and the cycles since the
 * previous reading are the queue's if it received frames.  So the cost is
 * per pass and per queue, never per packet, and every counter is written
 * by its thread alone (counter.h); pmd-stats-clear only remembers what
 * they were.
 */
#include <config.h>
#include "dpu-private.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "counter.h"
#include "coverage.h"
#include "dp-config.h"
#include "dpu-poller.h"
#include "pmd-config.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(dpu_pmd);

COVERAGE_DEFINE(dpif_pmd_sleep);
COVERAGE_DEFINE(dpif_pmd_wakeup);


/* True if every packet of 'batch' has a buffer of its own (a device
 * that may fill lent buffers used none this time). */
static bool
dpu_batch_owned(const struct dp_packet_batch *batch)
{
    for (size_t i = 0; i < batch->count; i++) {
        if (!batch->packets[i]->source) {
            return false;
        }
    }
    return true;
}

/* Receives one batch from 'q' into the thread's buffers and runs it
 * through the pipeline.  Returns the frames received. */
static int
dpu_rxq_poll(struct dp_ctx *ctx, struct dpu_poller *poller,
             struct dpu_rxq *q, struct dp_recv_buffers *bufs,
             uint64_t *cycles)
{
    const struct dp_port *port = &ctx->snap->ports[q->port];
    struct dp_packet_batch batch;
    uint64_t now;
    int n;

    /* Only a device that may write to the lent descriptors makes them
     * need a reset before the next receive. */
    dp_recv_buffers_prepare_lazy(bufs, &batch);
    n = netdev_rxq_recv(q->rxq, &batch);
    if (!q->lends_nothing) {
        bufs->dirty = true;
    }
    if (n > 0 && batch.count) {
        ctx->batch_owned = q->lends_nothing || dpu_batch_owned(&batch);
        dp_pipeline_run(ctx, port, &batch);
    }
    dpu_rxq_refresh(poller, q);

    /* The cycles since the previous queue (or the start of the pass) are
     * this queue's if it received something. */
    now = dpu_cycles();
    if (n > 0 && q->stats) {
        counter_add(&q->stats->packets, n);
        counter_add(&q->stats->busy_cycles, now - *cycles);
    }
    *cycles = now;
    return n > 0 ? n : 0;
}

/* Adds the sends 'ctx' counted to the thread's statistics. */
static void
dpu_pmd_collect_tx(struct dpu_pmd *pmd, struct dp_ctx *ctx)
{
    counter_add(&pmd->stats.tx_calls, ctx->tx_calls);
    counter_add(&pmd->stats.tx_frames, ctx->tx_frames);
    ctx->tx_calls = ctx->tx_frames = 0;
}

static void
dpu_pmd_drain_wake_fd(const struct dpu_pmd *pmd)
{
    uint64_t value;

    if (read(pmd->wake_fd, &value, sizeof value) < 0) {
        /* EAGAIN: another wakeup already drained it. */
    }
}

/* One pass over the thread's queues: those epoll reports readable, then
 * those polled on every pass.  Returns the frames received. */
static int
dpu_pmd_poll(struct dpu_pmd *pmd, struct dp_ctx *ctx,
             struct dpu_poller *poller, struct dp_recv_buffers *bufs,
             long long now_ns, uint64_t *cycles)
{
    int total = 0;

    if (poller->intr_armed) {
        dpu_poller_disarm(poller);
    }
    if (poller->n_waiting
        && (!poller->n_busy
            || now_ns - poller->last_epoll_ns >= DPU_EPOLL_INTERVAL_NS)) {
        struct epoll_event events[DPU_MAX_EVENTS];
        int n = epoll_wait(poller->epfd, events, DPU_MAX_EVENTS, 0);

        poller->last_epoll_ns = now_ns;
        for (int i = 0; i < n; i++) {
            struct dpu_rxq *q = events[i].data.ptr;

            if (!q) {
                dpu_pmd_drain_wake_fd(pmd);
            } else if (q->busy_poll) {
                q->armed = false;
            } else if (q->fd >= 0) {
                total += dpu_rxq_poll(ctx, poller, q, bufs, cycles);
            }
        }
    }
    for (size_t i = 0; i < poller->n_busy; i++) {
        total += dpu_rxq_poll(ctx, poller, poller->busy[i], bufs, cycles);
    }
    if (poller->busy_stale) {
        dpu_poller_update_busy(poller);
    }
    return total;
}

/* Sleeps until a queue or the eventfd wakes the thread, offline as far as
 * grace periods go, having armed the queues' receive interrupts (or not at
 * all, if one already has frames: dpu-poller.h).  The queues it reports
 * are received from on the next pass, which also disarms them: until the
 * thread is back online they may be closed under it.  A
 * thread without queues (and no shaper holding frames) sleeps until the
 * main thread wakes it with a new snapshot: it costs nothing at all. */
static void
dpu_pmd_sleep(struct dpu_pmd *pmd, struct dpu_poller *poller)
{
    struct epoll_event events[DPU_MAX_EVENTS];
    int timeout = (poller->n_no_fd || poller->shaping ? DPU_SHORT_SLEEP_MS
                   : !poller->n_rxqs ? -1
                   : DPU_SLEEP_MS);
    int n;

    if (!dpu_poller_arm(poller)) {
        return;                     /* Frames came as a queue was armed. */
    }
    atomic_store(&pmd->qs, DPU_OFFLINE);
    COVERAGE_INC(dpif_pmd_sleep);
    counter_add(&pmd->stats.sleeps, 1);
    n = epoll_wait(poller->epfd, events, DPU_MAX_EVENTS, timeout);
    if (n > 0) {
        counter_add(&pmd->stats.wakeups, 1);
    }
    for (int i = 0; i < n; i++) {
        struct dpu_rxq *q = events[i].data.ptr;

        if (!q) {
            COVERAGE_INC(dpif_pmd_wakeup);
            dpu_pmd_drain_wake_fd(pmd);
        } else if (q->busy_poll) {
            /* Only the thread's own record is touched here. */
            q->armed = false;
        }
    }
}

/* An empty pass while spinning: let a sibling hyperthread run. */
static inline void
dpu_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static void *
dpu_pmd_main(void *pmd_)
{
    struct dpu_pmd *pmd = pmd_;
    const struct dp_snapshot *snap = NULL;
    struct dp_recv_buffers bufs;
    struct dpu_poller poller;
    long long last_rx_ns = 0, now_ns;
    uint64_t pass_start, pass_end;
    uint64_t snap_seq = 0, sync_seen = 0;
    bool dense = false;
    uint64_t qs = 0;
    struct dp_ctx ctx;
    char name[16];
    int n;

    snprintf(name, sizeof name, "pmd%u", pmd->id);
    pthread_setname_np(pthread_self(), name);
    atomic_store(&pmd->tid, (int) syscall(SYS_gettid));
    dp_ctx_init(&ctx, pmd->counters, pmd->id);
    ctx.hold_tx = true;
    dp_recv_buffers_init(&bufs);
    dpu_poller_init(&poller, pmd->wake_fd);

    pass_start = dpu_cycles();
    for (;;) {
        const struct dp_snapshot *s;

        if (ctx.n_held) {
            /* Frames held past the pass (tx-flush-interval): they hold
             * ports of 'snap', so no quiescent state until they are sent,
             * which happens now if anyone waits for one. */
            uint64_t req = atomic_load(&pmd->dp->sync_req);

            s = atomic_load(&pmd->dp->snap);
            if (req != sync_seen || s->seq != snap_seq
                || atomic_load_explicit(&pmd->exit, memory_order_relaxed)) {
                dp_output_flush_held(&ctx, -1);
                dpu_pmd_collect_tx(pmd, &ctx);
            }
            sync_seen = req;
        }
        if (!ctx.n_held) {
            sync_seen = atomic_load(&pmd->dp->sync_req);
            atomic_store(&pmd->qs, ++qs);
        }
        s = atomic_load(&pmd->dp->snap);
        if (atomic_load_explicit(&pmd->exit, memory_order_relaxed)) {
            break;
        }
        if (!snap || s->seq != snap_seq) {
            /* Compared by sequence number, not address: a thread that
             * slept through a swap holds a freed snapshot's address, which
             * the new one may have. */
            snap = s;
            snap_seq = s->seq;
            dp_ctx_set_snapshot(&ctx, snap);
            dpu_poller_sync(&poller, snap, &snap->rx[pmd->id]);
        }
        now_ns = time_nsec();
        ctx.now_ms = time_now_msec_at(now_ns);
        ctx.now_s = ctx.now_ms / 1000;
        poller.shaping = (snap->n_shaped
                          && dp_output_drain_shapers(&ctx) > 0);

        ctx.now_ns = now_ns;
        pass_end = pass_start;
        n = dpu_pmd_poll(pmd, &ctx, &poller, &bufs, now_ns, &pass_end);
        if (ctx.n_held) {
            /* Held sends: all of them after an empty pass (nothing will
             * join them soon) or without tx-flush-interval. */
            dp_output_flush_held(&ctx, n && snap->tx_flush_ns
                                       ? snap->tx_flush_ns : -1);
        }
        pass_end = dpu_cycles();
        if (ctx.tx_calls) {
            dpu_pmd_collect_tx(pmd, &ctx);
        }
        counter_add(&pmd->stats.passes, 1);
        if (n) {
            counter_add(&pmd->stats.packets, n);
            counter_add(&pmd->stats.busy_cycles, pass_end - pass_start);
        } else {
            counter_add(&pmd->stats.idle_cycles, pass_end - pass_start);
        }
        pass_start = pass_end;

        if (n) {
            long long gap = now_ns - last_rx_ns;

            if (gap > DPU_SHORT_SPIN_NS) {
                /* A new burst: traffic is dense if it came within the
                 * long spin of the previous one. */
                dense = gap < snap->idle_spin_ns;
            }
            last_rx_ns = now_ns;
        } else if (now_ns - last_rx_ns
                   >= (dense ? snap->idle_spin_ns
                             : MIN(snap->idle_spin_ns, DPU_SHORT_SPIN_NS))) {
            /* A wake-up that brings no frame (a timeout, a new snapshot)
             * comes back here after one pass: no spin. */
            dpu_pmd_sleep(pmd, &poller);
            pass_start = dpu_cycles();      /* Asleep is not idle. */
        } else {
            dpu_cpu_relax();
        }
    }

    atomic_store(&pmd->qs, DPU_OFFLINE);
    dpu_poller_destroy(&poller);
    dp_recv_buffers_destroy(&bufs);
    dp_ctx_destroy(&ctx);
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

/* Pins 'pmd' to its CPU, if it has one.  A CPU that exists but that the
 * switch may not use (outside its cgroup's cpuset) is only found here:
 * the thread then runs unpinned, and the log and pmd-rxq-show say why. */
static void
dpu_pmd_pin(struct dpif_userspace *dp, struct dpu_pmd *pmd)
{
    cpu_set_t cpus;

    if (pmd->core < 0) {
        return;
    }
    CPU_ZERO(&cpus);
    CPU_SET(pmd->core, &cpus);
    pmd->pin_error = pthread_setaffinity_np(pmd->thread, sizeof cpus, &cpus);
    if (pmd->pin_error) {
        VLOG_WARN("%s: forwarding thread pmd%u cannot be pinned to CPU %d "
                  "of pmd-cpu-mask (%s); it runs unpinned", dp->up.name,
                  pmd->id, pmd->core, strerror(pmd->pin_error));
    }
}

void
dpu_start_threads(struct dpif_userspace *dp, unsigned int n)
{
    cpu_set_t cpus;
    char *list;

    CPU_ZERO(&cpus);
    dp->pmds = xcalloc(n, sizeof *dp->pmds);
    for (unsigned int i = 0; i < n; i++) {
        struct dpu_pmd *pmd = xzalloc_cacheline(sizeof *pmd);
        int error;

        atomic_init(&pmd->qs, DPU_OFFLINE);
        atomic_init(&pmd->tid, 0);
        atomic_init(&pmd->exit, false);
        pmd->id = i;
        pmd->core = dp->cores[i];
        if (pmd->core >= 0) {
            CPU_SET(pmd->core, &cpus);
        }
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
        dpu_pmd_pin(dp, pmd);
    }
    list = CPU_COUNT(&cpus) ? pmd_cpu_list(&cpus) : NULL;
    VLOG_INFO("%s: %u forwarding thread%s started%s%s", dp->up.name, n,
              n == 1 ? "" : "s", list ? ", pinned to CPUs " : " (unpinned)",
              list ? list : "");
    free(list);
}

/* Stops every thread and folds its counters into 'base'. */
void
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
        for (size_t m = 0; m < DPIF_MAX_MIRROR_IDS; m++) {
            dp->base.mirrors[m].packets += pmd->counters->mirrors[m].packets;
            dp->base.mirrors[m].bytes += pmd->counters->mirrors[m].bytes;
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
void
dpu_synchronize(struct dpif_userspace *dp)
{
    uint64_t *seen = xcalloc(dp->n_pmds + 1, sizeof *seen);
    long long start = time_msec();
    bool warned = false;

    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        seen[i] = atomic_load(&dp->pmds[i]->qs);
    }
    /* After sampling: a thread holding frames sees it and sends them. */
    atomic_fetch_add(&dp->sync_req, 1);
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
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

/* Counters for dpif/pmd-stats-show and dpif/pmd-rxq-show. */

#define DPU_STAT_DELTA(PMD, MEMBER) \
    (counter_read(&(PMD)->stats.MEMBER) - (PMD)->cleared.MEMBER)

static int
compare_pmd_rxqs(const void *a_, const void *b_)
{
    const struct dpif_pmd_rxq *a = a_, *b = b_;

    if (a->port_no != b->port_no) {
        return a->port_no < b->port_no ? -1 : 1;
    }
    return a->queue < b->queue ? -1 : a->queue > b->queue;
}

int
dpu_pmd_dump(const struct dpif *dpif, struct dpif_pmd **pmdsp, size_t *np)
{
    const struct dpif_userspace *dp = dpu_cast(dpif);
    struct dpif_pmd *pmds = xcalloc(dp->n_pmds + 1, sizeof *pmds);
    const struct dpu_port *p;

    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        const struct dpu_pmd *pmd = dp->pmds[i];
        struct dpif_pmd *out = &pmds[i];

        out->id = pmd->id;
        out->tid = atomic_load(&((struct dpu_pmd *) pmd)->tid);
        out->core = pmd->core;
        out->pin_error = pmd->pin_error;
        out->isolated = dp->isolated[i];
        out->packets = DPU_STAT_DELTA(pmd, packets);
        out->passes = DPU_STAT_DELTA(pmd, passes);
        out->busy_cycles = DPU_STAT_DELTA(pmd, busy_cycles);
        out->idle_cycles = DPU_STAT_DELTA(pmd, idle_cycles);
        out->sleeps = DPU_STAT_DELTA(pmd, sleeps);
        out->wakeups = DPU_STAT_DELTA(pmd, wakeups);
        out->tx_calls = DPU_STAT_DELTA(pmd, tx_calls);
        out->tx_frames = DPU_STAT_DELTA(pmd, tx_frames);
    }
    HMAP_FOR_EACH (p, node, &dp->ports) {
        for (unsigned int q = 0; q < p->n_rxq; q++) {
            unsigned int t = p->threads[q];
            const struct dp_rxq_stats *st = &p->rxq_stats[q];
            struct dpif_pmd_rxq *r;
            struct dpif_pmd *out;

            if (t >= dp->n_pmds) {
                continue;
            }
            out = &pmds[t];
            out->rxqs = xrealloc(out->rxqs,
                                 (out->n_rxqs + 1) * sizeof *out->rxqs);
            r = &out->rxqs[out->n_rxqs++];
            r->port_no = p->port_no;
            r->queue = q;
            r->pin_core = dpu_rxq_pin(p, q);
            r->pinned = r->pin_core >= 0 && r->pin_core == dp->pmds[t]->core;
            r->packets = counter_read(&st->packets) - st->cleared_packets;
            r->busy_cycles = (counter_read(&st->busy_cycles)
                              - st->cleared_cycles);
        }
    }
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        if (pmds[i].n_rxqs > 1) {
            qsort(pmds[i].rxqs, pmds[i].n_rxqs, sizeof *pmds[i].rxqs,
                  compare_pmd_rxqs);
        }
    }
    *pmdsp = pmds;
    *np = dp->n_pmds;
    return 0;
}

int
dpu_pmd_stats_clear(struct dpif *dpif)
{
    struct dpif_userspace *dp = dpu_cast(dpif);
    struct dpu_port *p;

    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        struct dpu_pmd *pmd = dp->pmds[i];

        pmd->cleared.packets = counter_read(&pmd->stats.packets);
        pmd->cleared.passes = counter_read(&pmd->stats.passes);
        pmd->cleared.busy_cycles = counter_read(&pmd->stats.busy_cycles);
        pmd->cleared.idle_cycles = counter_read(&pmd->stats.idle_cycles);
        pmd->cleared.sleeps = counter_read(&pmd->stats.sleeps);
        pmd->cleared.wakeups = counter_read(&pmd->stats.wakeups);
        pmd->cleared.tx_calls = counter_read(&pmd->stats.tx_calls);
        pmd->cleared.tx_frames = counter_read(&pmd->stats.tx_frames);
    }
    HMAP_FOR_EACH (p, node, &dp->ports) {
        for (unsigned int q = 0; q < p->n_rxq; q++) {
            dpu_rxq_stats_rebase(p, q);
        }
    }
    return 0;
}
