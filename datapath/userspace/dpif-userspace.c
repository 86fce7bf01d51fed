/*
 * dpif-userspace.c -- the userspace datapath: poll-mode forwarding
 * threads over netdevs.
 *
 * Threads.  'n_threads' forwarding threads ("pmd0", "pmd1"...; their loop
 * is in dpu-pmd.c) each poll the receive queues assigned to them -- every
 * queue of every port (netdev_n_rxq()), so a busy multi-queue port is
 * spread over threads: each new queue goes to the thread with the fewest,
 * and stays there, unless Interface other_config:pmd-rxq-affinity pins it
 * to the thread of a CPU (dpu-sched.h has the rules) -- run each received
 * batch through the stage table (pipeline.h, dp-stage.h) and send on
 * transmit queue = their index.  With Open_vSwitch
 * other_config:pmd-cpu-mask there is one thread per CPU of the mask,
 * pinned to it; otherwise n-forwarding-threads unpinned ones.  A change
 * of either restarts the threads.  A queue that must move between running
 * threads (its pin changed) is first left out of a published snapshot,
 * then, after the grace period, given to its new thread: two threads
 * never poll one queue.
 * Each thread owns the packet buffers its queues receive into
 * (dp_recv_buffers, allocated once when it starts), so ports hold none.
 *
 * Polling.  With hundreds of ports, mostly idle, a pass over the queues
 * must not cost a system call per port.  So each thread keeps an epoll
 * set of its queues' descriptors and its eventfd, kept up to date across
 * snapshots (struct dpu_poller).  A pass asks epoll, without waiting,
 * which "socket" queues are readable (level-triggered, so a queue with
 * more than a batch waiting comes back on the next pass) and receives
 * from those, then receives from every queue that reads a ring in memory
 * (netdev_rxq_busy_poll()) or has no descriptor, which costs no system
 * call (struct dpu_poller says more).  While frames keep arriving a
 * thread spins.  After the last one it keeps spinning for
 * DPU_SHORT_SPIN_NS (1 ms: a reply to what it just forwarded comes
 * sooner), or, if traffic is dense (this burst came within the long spin
 * of the previous one), for the snapshot's 'idle_spin_ns' (Open_vSwitch
 * other_config:pmd-idle-spin, 20 ms by default); then it sleeps in
 * epoll_wait() (a queue without a descriptor forces a short timeout).
 * Waking a sleeping thread takes about 100 us on a virtual machine (an
 * idle vCPU is halted), which tripled the round trip of a ping through
 * the switch; a sparse trickle of frames (ARP, a ping a second) costs
 * 1 ms of spinning per burst, not 20.  A
 * queue's descriptor and mode change only inside its receive (netdev.h),
 * so the thread re-reads them after each one.
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
 * thread sees as quiescent will load the new pointer.  A thread that holds
 * frames for output past its pass (other_config:tx-flush-interval,
 * output.c) holds ports of its snapshot too: it publishes no 'qs' until
 * it has sent them, and sends them at once when a new snapshot appears
 * or when the main thread, after sampling the counters, bumps 'sync_req'
 * to say that it waits.
 *
 * Reconfiguration is declarative (dpif.h): a port whose configuration
 * is unchanged keeps everything; otherwise dp_stages_port_changes()
 * compares it with the last one stage by stage and says what the change
 * calls for (a new VLAN policy: forget the port's MAC entries), and the
 * same for bridges.  No field of any stage's settings is named here.
 *
 * Counters.  Each thread owns a "struct dp_counters" (pipeline.h) indexed
 * by the ports' counter slots; a slot stays with its port number for the
 * port's life, so counters survive reconfiguration.  When threads stop
 * (on a change of thread count) their counts are folded into 'base'; when
 * a port is removed its drops are folded into 'removed_drops', so global
 * drop counts never go backwards.
 */
#include <config.h>
#include "dpu-private.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"
#include "coverage.h"
#include "dp-config.h"
#include "dpu-sched.h"
#include "dp-stage.h"
#include "hmap.h"
#include "mac-learning.h"
#include "netdev.h"
#include "pipeline.h"
#include "pmd-config.h"
#include "poll-loop.h"
#include "shaper.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(dpif_userspace);

COVERAGE_DEFINE(dpif_reconfigure);

/* Counter slots and chunks. */

static struct dp_port_counters *
dpu_alloc_chunk(void)
{
    return xzalloc_cacheline(DP_SLOTS_PER_CHUNK
                             * sizeof(struct dp_port_counters));
}

/* Makes sure 'c' has chunks for every slot below 'n_slots'. */
void
dpu_counters_reserve(struct dp_counters *c, uint32_t n_slots)
{
    for (uint32_t i = 0; i * DP_SLOTS_PER_CHUNK < n_slots; i++) {
        if (!c->chunks[i]) {
            c->chunks[i] = dpu_alloc_chunk();
        }
    }
}

void
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

void
dpu_port_counters_add(struct dp_port_counters *sum,
                      struct dp_port_counters *c)
{
    sum->rx_packets += counter_read_acquire(&c->rx_packets);
    sum->rx_bytes += counter_read(&c->rx_bytes);
    sum->tx_packets += counter_read(&c->tx_packets);
    sum->tx_bytes += counter_read(&c->tx_bytes);
    sum->rx_dropped += counter_read(&c->rx_dropped);
    sum->tx_dropped += counter_read(&c->tx_dropped);
    sum->tx_errors += counter_read(&c->tx_errors);
    for (int r = 0; r < DP_N_DROPS; r++) {
        sum->drops[r] += counter_read(&c->drops[r]);
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
    for (size_t i = 0; i < g->n_shapers; i++) {
        dp_shaper_destroy(g->shapers[i]);
    }
    for (size_t i = 0; i < g->n_frees; i++) {
        free(g->frees[i]);
    }
    free(g->frees);
    free(g->shapers);
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
            if (dp_stages_bridge_changes(&b->cfg, bc)
                & DP_STAGE_FLUSH_BRIDGE_MACS) {
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
        memcpy(&b->cfg, bc, sizeof b->cfg);
        b->cfg.name = NULL;
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

/* Hands every receive queue of 'p' to the garbage. */
static void
dpu_port_drop_rxqs(struct dpu_port *p, struct dpu_garbage *g)
{
    for (unsigned int q = 0; q < p->n_rxq; q++) {
        DPU_GARBAGE_ADD(g->rxqs, g->n_rxqs, p->rxqs[q]);
    }
    if (p->rxq_stats) {
        DPU_GARBAGE_ADD(g->frees, g->n_frees, p->rxq_stats);
    }
    free(p->rxqs);
    free(p->threads);
    p->rxqs = NULL;
    p->threads = NULL;
    p->rxq_stats = NULL;
    p->n_rxq = 0;
}

/* Makes sure 'p' has every receive queue of its (new) netdev open, not yet
 * given to a thread (dpu_assign_rxqs() does that).  Returns 0 or an errno
 * value with a message in '*errorp'. */
static int
dpu_port_open(struct dpif_userspace *dp, struct dpu_port *p,
              const struct dpif_port_config *pc, unsigned int n_threads,
              char **errorp)
{
    int n = netdev_n_rxq(pc->netdev);

    if (p->n_rxq) {
        return 0;
    }
    n = n > 0 ? n : 1;
    p->rxqs = xcalloc(n, sizeof *p->rxqs);
    p->threads = xcalloc(n, sizeof *p->threads);
    p->rxq_stats = xzalloc_cacheline(n * sizeof *p->rxq_stats);
    for (int q = 0; q < n; q++) {
        int error = netdev_rxq_open(pc->netdev, q, &p->rxqs[q]);

        if (error) {
            *errorp = xasprintf("could not open receive queue %d of %s "
                                "(%s)", q, pc->name ? pc->name : "port",
                                strerror(error));
            while (--q >= 0) {
                netdev_rxq_close(p->rxqs[q]);
            }
            free(p->rxqs);
            free(p->threads);
            free(p->rxq_stats);
            p->rxqs = NULL;
            p->threads = NULL;
            p->rxq_stats = NULL;
            p->n_rxq = 0;
            return error;
        }
        p->threads[q] = DPU_SCHED_NONE;
        p->n_rxq = q + 1;
    }
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

static void
dpu_port_free(struct dpu_port *p)
{
    free(p->bridge_name);
    dp_shaper_destroy(p->shaper);
    dpif_port_config_free_sets(&p->cfg);
    free(p->rxqs);
    free(p->threads);
    free(p->rxq_stats);
    free(p);
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

/* Remembers 'pc' as 'p''s configuration, keeping private copies of its
 * VLAN sets (reused when they did not change). */
static void
dpu_port_remember(struct dpu_port *p, const struct dpif_port_config *pc,
                  const char *bridge)
{
    const struct dp_vlan_bitmap *sets[DP_N_VLAN_SETS];

    memcpy(sets, p->cfg.vlan_sets, sizeof sets);
    p->netdev = pc->netdev;
    memcpy(&p->cfg, pc, sizeof p->cfg);
    p->cfg.name = NULL;
    p->cfg.netdev = NULL;
    for (size_t i = 0; i < DP_N_VLAN_SETS; i++) {
        p->cfg.vlan_sets[i] = sets[i];
        dp_vlan_set_assign(&p->cfg.vlan_sets[i], pc->vlan_sets[i]);
    }
    if (!p->bridge_name || strcmp(p->bridge_name, bridge)) {
        free(p->bridge_name);
        p->bridge_name = xstrdup(bridge);
    }
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
    struct dp_shaper *retired;
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
        if (p->netdev != pc->netdev
            || (p->n_rxq
                && p->n_rxq != (unsigned int) MAX(netdev_n_rxq(pc->netdev),
                                                  1))) {
            /* The device was replaced (e.g. a guest's TAP came back), or
             * its peer negotiated another number of queues (a vhost-user
             * guest): the port keeps its number, counters and MAC
             * entries. */
            dpu_port_drop_rxqs(p, g);
        }
        if (strcmp(p->bridge_name, bridge)) {
            dpu_garbage_flush_port(g, p->bridge_name, p->port_no);
        } else if (dp_stages_port_changes(&p->cfg, pc)
                   & DP_STAGE_FLUSH_PORT_MACS) {
            /* Entries learned under the old settings. */
            dpu_garbage_flush_port(g, bridge, p->port_no);
        }
    }

    error = dpu_port_open(dp, p, pc, n_threads, errorp);
    if (error) {
        return error;           /* Not seen: removed below. */
    }
    dpu_port_remember(p, pc, bridge);
    p->shaper = dp_shaper_reconcile(p->shaper, pc, &retired);
    if (retired) {
        DPU_GARBAGE_ADD(g->shapers, g->n_shapers, retired);
    }
    rt->shaper = p->shaper;
    rt->active = true;
    rt->rxqs = p->rxqs;
    rt->threads = p->threads;
    rt->rxq_stats = p->rxq_stats;
    rt->n_rxq = p->n_rxq;
    rt->slot = p->slot;
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
        dpu_port_drop_rxqs(p, g);
        DPU_GARBAGE_ADD(g->slots, g->n_slots, p->slot);
        if (p->shaper) {
            DPU_GARBAGE_ADD(g->shapers, g->n_shapers, p->shaper);
            p->shaper = NULL;
        }
        if (p->bridge_name) {
            dpu_garbage_flush_port(g, p->bridge_name, p->port_no);
        }
        hmap_remove(&dp->ports, &p->node);
        dpu_port_free(p);
    }
}

/* Thread placement. */

/* The CPU that pmd-rxq-affinity pins queue 'q' of 'p' to, or -1. */
int
dpu_rxq_pin(const struct dpu_port *p, unsigned int q)
{
    const struct dpif_rxq_port_config *rc = &p->cfg.rxq;

    for (uint32_t i = 0; i < rc->n_pins && i < DPIF_MAX_RXQ_PINS; i++) {
        if (rc->pins[i].queue == q) {
            return rc->pins[i].core;
        }
    }
    return -1;
}

/* A queue that must leave the running thread that polls it. */
struct dpu_move {
    struct dpu_port *port;
    const char *name;               /* The port's, from the config. */
    unsigned int queue;
    unsigned int thread;            /* Where it goes. */
};

/* Gives every receive queue of the active ports of 'cfg' (in config
 * order, which is port number order) one of 'n_threads' threads, by the
 * rules of dpu-sched.h.  Queues of running threads that must move to
 * another are not moved but returned in '*movesp' (malloc'd; the count is
 * the return value): dpu_reconfigure() moves them across a grace period,
 * so that two threads never poll one queue. */
static size_t
dpu_assign_rxqs(struct dpif_userspace *dp, const struct dpif_config *cfg,
                const struct dp_port_runtime *rt, unsigned int n_threads,
                struct dpu_move **movesp)
{
    struct dpu_sched_rxq *qs;
    struct dpu_port **ports;
    const char **names;
    unsigned int *queues;
    struct dpu_move *moves;
    size_t n = 0, n_moves = 0;

    for (size_t i = 0; i < cfg->n_ports; i++) {
        n += rt[i].active ? rt[i].n_rxq : 0;
    }
    qs = xcalloc(n + 1, sizeof *qs);
    ports = xcalloc(n + 1, sizeof *ports);
    names = xcalloc(n + 1, sizeof *names);
    queues = xcalloc(n + 1, sizeof *queues);
    moves = xcalloc(n + 1, sizeof *moves);
    n = 0;
    for (size_t i = 0; i < cfg->n_ports; i++) {
        struct dpu_port *p;

        if (!rt[i].active) {
            continue;
        }
        p = dpu_find_port(dp, cfg->ports[i].port_no);
        for (unsigned int q = 0; q < p->n_rxq; q++) {
            qs[n].core = dpu_rxq_pin(p, q);
            qs[n].thread = dp->n_pmds ? p->threads[q] : DPU_SCHED_NONE;
            ports[n] = p;
            names[n] = cfg->ports[i].name ? cfg->ports[i].name : "port";
            queues[n++] = q;
        }
    }
    dpu_sched_assign(qs, n, dp->cores, n_threads, dp->isolated);

    for (size_t i = 0; i < n; i++) {
        struct dpu_port *p = ports[i];
        unsigned int q = queues[i], old = p->threads[q];

        if (old == qs[i].thread) {
            continue;
        }
        if (qs[i].core >= 0 && !qs[i].pinned) {
            VLOG_WARN("%s: pmd-rxq-affinity pins queue %u to core %d, where "
                      "no forwarding thread runs (see pmd-cpu-mask): pmd%u "
                      "polls it", names[i], q,
                      qs[i].core, qs[i].thread);
        }
        if (dp->n_pmds && old != DPU_SCHED_NONE) {
            moves[n_moves++] = (struct dpu_move) {
                p, names[i], q, qs[i].thread
            };
        } else {
            p->threads[q] = qs[i].thread;
        }
    }
    free(qs);
    free(ports);
    free(names);
    free(queues);
    *movesp = moves;
    return n_moves;
}

/* Makes the counters of queue 'q' of 'p' start from zero in
 * dpif_pmd_dump(), when it starts on a new thread.  No thread may be
 * polling it. */
void
dpu_rxq_stats_rebase(struct dpu_port *p, unsigned int q)
{
    struct dp_rxq_stats *st = &p->rxq_stats[q];

    st->cleared_packets = counter_read(&st->packets);
    st->cleared_cycles = counter_read(&st->busy_cycles);
}

/* With no threads running: prepares 'n' transmit queues on every
 * device. */
static void
dpu_prepare_txqs(struct dpif_userspace *dp, const struct dpif_config *cfg,
                 struct dp_port_runtime *rt, unsigned int n)
{
    for (size_t i = 0; i < cfg->n_ports; i++) {
        struct dpu_port *p;
        int error;

        if (!rt[i].active) {
            continue;
        }
        p = dpu_find_port(dp, cfg->ports[i].port_no);
        for (unsigned int q = 0; q < p->n_rxq; q++) {
            dpu_rxq_stats_rebase(p, q);
        }
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
    struct dp_snapshot *old;

    snap->seq = ++dp->snap_seq;
    old = atomic_exchange(&dp->snap, snap);

    if (!dp->n_pmds) {
        dpu_start_threads(dp, n_threads);
    } else {
        dpu_synchronize(dp);
    }
    dp_snapshot_destroy(old);
    dpu_garbage_collect(dp, g);
}

/* Whether the running threads are those the knobs ask for: as many, on
 * the same CPUs. */
static bool
dpu_threads_match(const struct dpif_userspace *dp)
{
    if (dp->n_pmds != dp->n_threads) {
        return false;
    }
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        if (dp->pmds[i]->core != dp->cores[i]) {
            return false;
        }
    }
    return true;
}

static int
dpu_reconfigure(struct dpif *dpif, const struct dpif_config *cfg,
                char ***errorsp)
{
    struct dpif_userspace *dp = dpu_cast(dpif);
    unsigned int n_threads = dp->n_threads;
    struct dp_port_runtime *rt = xcalloc(cfg->n_ports + 1, sizeof *rt);
    struct mac_table **tables = xcalloc(cfg->n_bridges + 1,
                                        sizeof *tables);
    char **errors = xcalloc(cfg->n_ports + 1, sizeof *errors);
    struct dpu_move *moves;
    size_t n_moves;
    struct dpu_garbage g;
    int retval = 0;

    COVERAGE_INC(dpif_reconfigure);
    memset(&g, 0, sizeof g);
    if (dp->n_pmds && !dpu_threads_match(dp)) {
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
    n_moves = dpu_assign_rxqs(dp, cfg, rt, n_threads, &moves);
    if (n_moves) {
        /* Queues that change threads are first polled by none, until the
         * threads that had them have passed a grace period. */
        for (size_t i = 0; i < n_moves; i++) {
            moves[i].port->threads[moves[i].queue] = DPU_SCHED_NONE;
        }
        dpu_publish(dp, dp_snapshot_create(cfg, rt, tables, n_threads,
                                           &dp->knobs),
                    n_threads, &g);
        for (size_t i = 0; i < n_moves; i++) {
            struct dpu_move *m = &moves[i];

            VLOG_INFO("%s: receive queue %u moves to pmd%u", m->name,
                      m->queue, m->thread);
            m->port->threads[m->queue] = m->thread;
            dpu_rxq_stats_rebase(m->port, m->queue);
        }
    }
    free(moves);
    if (!dp->n_pmds) {
        dpu_prepare_txqs(dp, cfg, rt, n_threads);
    }

    dpu_publish(dp, dp_snapshot_create(cfg, rt, tables, n_threads,
                                       &dp->knobs),
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

/* Reads one knob of 'other_config' into '*value' if it is set and valid.
 * Returns 0, or EINVAL with a message in '*errorp'. */
static int
dpu_knob(const struct smap *other_config, const char *key, long long min,
         long long max, unsigned int *value, char **errorp)
{
    const char *s = smap_get(other_config, key);
    long long v;

    if (!s) {
        return 0;
    }
    if (!str_to_llong(s, 10, &v) || v < min || v > max) {
        if (!*errorp) {
            *errorp = xasprintf("other_config:%s \"%s\" is not an integer "
                                "in %lld..%lld", key, s, min, max);
        }
        return EINVAL;
    }
    *value = v;
    return 0;
}

/* Reads pmd-cpu-mask, if set, into 'cores' (CPUs in increasing order) and
 * '*n'.  Returns 0, or EINVAL with a message in '*errorp'.  vswitchd
 * refuses a bad mask at commit time (bridge-validate.c); a database
 * written before that check, or a CPU taken offline since, is found
 * here. */
static int
dpu_cpu_mask_knob(const struct smap *other_config, int *cores,
                  unsigned int *n, char **errorp)
{
    const char *s = smap_get(other_config, "pmd-cpu-mask");
    cpu_set_t cpus;
    char *error;

    if (!s || !*s) {
        return 0;
    }
    error = pmd_cpu_mask_parse(s, DPU_MAX_THREADS, &cpus);
    if (error) {
        if (!*errorp) {
            *errorp = xasprintf("other_config:%s", error);
        }
        free(error);
        return EINVAL;
    }
    *n = 0;
    for (int c = 0; c < CPU_SETSIZE && *n < DPU_MAX_THREADS; c++) {
        if (CPU_ISSET(c, &cpus)) {
            cores[(*n)++] = c;
        }
    }
    return 0;
}

static int
dpu_set_config(struct dpif *dpif, const struct smap *other_config,
               char **errorp)
{
    struct dpif_userspace *dp = dpu_cast(dpif);
    unsigned int n_threads = 1, idle_spin_us = DPU_IDLE_SPIN_DEFAULT_US;
    unsigned int tx_flush_us = 0;
    int cores[DPU_MAX_THREADS];
    int error;

    for (size_t i = 0; i < DPU_MAX_THREADS; i++) {
        cores[i] = -1;
    }
    error = dpu_knob(other_config, "n-forwarding-threads", 1,
                     DPU_MAX_THREADS, &n_threads, errorp);
    error |= dpu_knob(other_config, "pmd-idle-spin", 0,
                      DPU_IDLE_SPIN_MAX_US, &idle_spin_us, errorp);
    error |= dpu_knob(other_config, "tx-flush-interval", 0,
                      DPU_TX_FLUSH_MAX_US, &tx_flush_us, errorp);
    /* The mask, if set, says how many threads: n-forwarding-threads is for
     * unpinned threads. */
    error |= dpu_cpu_mask_knob(other_config, cores, &n_threads, errorp);
    if (!error) {
        dp->n_threads = n_threads;
        memcpy(dp->cores, cores, sizeof dp->cores);
        dp->knobs.idle_spin_us = idle_spin_us;
        dp->knobs.tx_flush_us = tx_flush_us;
    }
    return error ? EINVAL : 0;
}

/* Creation and destruction. */

static int
dpu_create(const char *name, struct dpif **dpifp)
{
    struct dpif_userspace *dp = xzalloc(sizeof *dp);
    struct dpif_config empty;

    dpif_init(&dp->up, &dpif_userspace_class, name);
    dp->n_threads = 1;
    for (size_t i = 0; i < DPU_MAX_THREADS; i++) {
        dp->cores[i] = -1;
    }
    dp->knobs.idle_spin_us = DPU_IDLE_SPIN_DEFAULT_US;
    dp_stages_hold();           /* The stage table is fixed from now on. */
    hmap_init(&dp->ports);
    dp->free_slots = xcalloc(DP_MAX_SLOTS, sizeof *dp->free_slots);
    atomic_init(&dp->snap, NULL);
    atomic_init(&dp->sync_req, 0);

    memset(&empty, 0, sizeof empty);
    atomic_store(&dp->snap,
                 dp_snapshot_create(&empty, NULL, NULL, 1, &dp->knobs));
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
        for (unsigned int q = 0; q < p->n_rxq; q++) {
            netdev_rxq_close(p->rxqs[q]);
        }
        hmap_remove(&dp->ports, &p->node);
        dpu_port_free(p);
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
    dp_stages_release();
    dpif_uninit(&dp->up);
    free(dp);
}

/* Statistics. */

static int
dpu_queue_stats(const struct dpif *dpif, uint32_t port_no,
                struct dpif_queue_stats *stats, size_t max)
{
    const struct dpu_port *p = dpu_find_port(dpu_cast(dpif), port_no);

    if (!p || !p->shaper) {
        return -ENOENT;
    }
    return dp_shaper_stats(p->shaper, stats, max, time_now_msec());
}

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

static int
dpu_mirror_stats(const struct dpif *dpif, uint32_t id, uint64_t *packets,
                 uint64_t *bytes)
{
    const struct dpif_userspace *dp = dpu_cast(dpif);

    *packets = dp->base.mirrors[id].packets;
    *bytes = dp->base.mirrors[id].bytes;
    for (unsigned int i = 0; i < dp->n_pmds; i++) {
        const struct dp_mirror_counters *c
            = &dp->pmds[i]->counters->mirrors[id];

        *packets += counter_read(&c->packets);
        *bytes += counter_read(&c->bytes);
    }
    return 0;
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

/* Tracing. */

static int
dpu_trace(struct dpif *dpif, uint32_t port_no, const void *frame,
          size_t len, struct dstr *out)
{
    struct dpif_userspace *dp = dpu_cast(dpif);

    /* The main thread owns the snapshot: it stays while this runs. */
    return dp_pipeline_trace_frame(atomic_load(&dp->snap), port_no, frame,
                                   len, out);
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
    .set_config = dpu_set_config,
    .reconfigure = dpu_reconfigure,
    .port_stats = dpu_port_stats,
    .drop_stats = dpu_drop_stats,
    .port_drop_stats = dpu_port_drop_stats,
    .mirror_stats = dpu_mirror_stats,
    .queue_stats = dpu_queue_stats,
    .fdb_dump = dpu_fdb_dump,
    .fdb_flush = dpu_fdb_flush,
    .fdb_stats = dpu_fdb_stats,
    .trace = dpu_trace,
    .pmd_dump = dpu_pmd_dump,
    .pmd_stats_clear = dpu_pmd_stats_clear,
    .run = dpu_run,
    .wait = dpu_wait,
};
