/*
 * flows.c -- the "flows" stage: counts packets per flow for NetFlow and
 * IPFIX export, per forwarding thread, without locks (dpif.h, "Flow
 * export").
 *
 * Where it runs.  After "forward", before "output": the forward stage has
 * queued each frame to its output ports, so the flow's egress interface
 * is known (one port, or DPIF_FLOWS_OUT_MULTI for a flood), and a frame an
 * earlier stage dropped is not counted.  (A frame that output then drops
 * for its MTU or a full device is counted: it was switched.)
 *
 * Per-thread tables.  Each forwarding thread's state holds two open-
 * addressing tables of (export id, flow key) -> counters; one is active.
 * Per batch the thread marks itself busy (an odd sequence number), reads
 * which table is active, adds every packet of the batch to it, and marks
 * itself idle.  The main thread, in dpif_flows_drain(), flips the active
 * table and, if the thread was busy at that moment, waits for the
 * sequence number to move (the rest of one batch, microseconds), after
 * which the other table is the main thread's alone to read and empty.
 * Sequentially consistent ordering of the two stores and two loads (the
 * thread's "busy" then "active", the main thread's "active" then "busy")
 * guarantees that either the thread sees the new table or the main thread
 * sees it busy.  A thread never waits.
 *
 * Sampling.  For NetFlow every packet counts; for IPFIX with sampling N a
 * packet is picked with probability 1/N by a per-thread xorshift
 * generator, so the sample is random per packet (not every Nth, which
 * periodic traffic could alias) and reproducible per thread.  The two are
 * counted side by side in one entry.
 *
 * Memory.  A thread allocates its tables on the first packet of a bridge
 * with export (2 x DPIF_FLOWS_THREAD_MAX entries, about 16 MB of address
 * space, touched as flows arrive) and keeps a list of the slots in use, so
 * that draining costs the flows seen, not the table size.
 *
 * A filling table.  When a thread's active table holds FLOWS_HIGH_WATER
 * flows (half full), the thread asks for a drain: it writes to an eventfd
 * that the main loop waits on (dpif_flows_wait()) and sets
 * 'drain_wanted', once per table fill, so a flood of new flows costs one
 * system call per 32,768 flows.  The main thread drains at once, and the
 * exporter's cache, whose own limit exports the oldest flows early, takes
 * the flows; the half left absorbs what arrives meanwhile, and keeps
 * linear probing's sequences short (at half load, a sequence of
 * FLOWS_MAX_PROBE slots all taken was not seen in the 196,608 new flows
 * of test-dpif's test_flows_thread_table_full(); with 32 probes and a
 * 3/4 high-water mark, hundreds were).  Only if the table fills anyway
 * (the main thread is busy for long) or a probe sequence is all taken is
 * a packet not counted: dpif_flows_get_stats() says how many, and how
 * many early drains there were.
 *
 * A thread that ends (its datapath goes, or the thread count changes)
 * hands its tables to the registry's 'orphans', which the next drain
 * empties like any thread's, so what it counted is not lost.  The
 * datapath joins its threads before its reconfiguration returns, so the
 * caller's first drain after it has everything.
 */
#include <config.h>
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dp-config.h"
#include "flow-key.h"
#include "poll-loop.h"
#include "timeval.h"
#include "util.h"

#define FLOWS_MAX_PROBE 64
#define FLOWS_MASK (DPIF_FLOWS_THREAD_MAX - 1)
#define FLOWS_HIGH_WATER (DPIF_FLOWS_THREAD_MAX / 2)

struct flows_entry {
    struct flow_key key;
    uint32_t export_id;         /* 0: free slot. */
    uint32_t out_port;
    uint64_t packets, bytes;
    uint64_t sampled_packets, sampled_bytes;
    long long first_ms, last_ms;
    uint8_t tcp_flags;
};

struct flows_table {
    struct flows_entry *entries;        /* DPIF_FLOWS_THREAD_MAX. */
    uint32_t *used;                     /* Slots in use, in order. */
    size_t n_used;
    bool drain_asked;                   /* Past FLOWS_HIGH_WATER, asked. */
};

struct flows_state {
    atomic_uint seq;            /* Odd while a batch is being counted. */
    atomic_uint active;         /* Index of the thread's table. */
    struct flows_table tables[2];
    uint64_t lost;              /* counter.h: packets not counted. */
    uint32_t rng;               /* xorshift32 state, never 0. */
    bool registered;
};

/* The tables of a thread that ended, until the next drain. */
struct flows_orphan {
    struct flows_orphan *next;
    struct flows_table tables[2];
};

/* Every thread's state with tables, for the main thread. */
static pthread_mutex_t registry_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct flows_state **registry;
static size_t n_registry, allocated_registry;
static struct flows_orphan *orphans;
static uint64_t lost_gone;      /* 'lost' of states destroyed. */

/* Early drains: a thread whose table is filling sets 'drain_wanted' and
 * writes to 'drain_fd' (created with the first registration). */
static atomic_bool drain_wanted;
static atomic_int drain_fd = -1;
static uint64_t early_drains;   /* Under 'registry_mutex'. */

static void
flows_table_free(struct flows_table *t)
{
    free_huge(t->entries, DPIF_FLOWS_THREAD_MAX * sizeof *t->entries);
    free(t->used);
}

static void
flows_register(struct flows_state *st)
{
    for (int i = 0; i < 2; i++) {
        /* 8 MiB probed at random: huge pages spare a page walk per
         * packet. */
        st->tables[i].entries = xzalloc_huge(DPIF_FLOWS_THREAD_MAX
                                             * sizeof *st->tables[i].entries);
        st->tables[i].used = xcalloc(DPIF_FLOWS_THREAD_MAX,
                                     sizeof *st->tables[i].used);
    }
    pthread_mutex_lock(&registry_mutex);
    if (atomic_load(&drain_fd) < 0) {
        int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

        if (fd < 0) {
            util_fatal(errno, "eventfd");
        }
        atomic_store(&drain_fd, fd);
    }
    if (n_registry >= allocated_registry) {
        allocated_registry = allocated_registry ? 2 * allocated_registry : 8;
        registry = xrealloc(registry, allocated_registry * sizeof *registry);
    }
    registry[n_registry++] = st;
    pthread_mutex_unlock(&registry_mutex);
    st->registered = true;
}

static void
flows_state_init(void *st_)
{
    struct flows_state *st = st_;

    atomic_init(&st->seq, 0);
    atomic_init(&st->active, 0);
    st->rng = 0x9e3779b9u ^ (uint32_t) (uintptr_t) st;
    if (!st->rng) {
        st->rng = 1;
    }
}

static void
flows_state_destroy(void *st_)
{
    struct flows_state *st = st_;

    struct flows_orphan *o = NULL;

    if (!st->registered) {
        return;
    }
    /* What the thread counted since the last drain waits for the next
     * one. */
    if (st->tables[0].n_used || st->tables[1].n_used) {
        o = xmalloc(sizeof *o);
        o->tables[0] = st->tables[0];
        o->tables[1] = st->tables[1];
    }
    pthread_mutex_lock(&registry_mutex);
    for (size_t i = 0; i < n_registry; i++) {
        if (registry[i] == st) {
            registry[i] = registry[--n_registry];
            break;
        }
    }
    lost_gone += counter_read(&st->lost);
    if (o) {
        o->next = orphans;
        orphans = o;
    }
    pthread_mutex_unlock(&registry_mutex);
    if (!o) {
        flows_table_free(&st->tables[0]);
        flows_table_free(&st->tables[1]);
    }
}

static uint32_t
flows_random(struct flows_state *st)
{
    uint32_t x = st->rng;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    st->rng = x;
    return x;
}

/* Fills 'out' (parallel to 'batch') with each packet's output port:
 * DPIF_FLOWS_OUT_NONE, a port number, or DPIF_FLOWS_OUT_MULTI. */
static void
flows_outputs(const struct dp_ctx *ctx, const struct dp_packet_batch *batch,
              uint32_t out[DP_BATCH_SIZE])
{
    memset(out, 0, DP_BATCH_SIZE * sizeof *out);
    for (size_t i = 0; i < ctx->n_active; i++) {
        uint32_t idx = ctx->active[i];
        const struct netdev_tx_batch *tx = &ctx->tx[idx];
        uint32_t port_no = ctx->snap->ports[idx].port_no;

        /* Each queued packet knows its slot in the batch. */
        for (unsigned int k = 0; k < tx->count; k++) {
            const struct dp_packet *q = tx->packets[k];
            size_t j = q->batch_idx;

            if (j < batch->count && batch->packets[j] == q) {
                out[j] = out[j] ? DPIF_FLOWS_OUT_MULTI : port_no;
            }
        }
    }
}

/* Finds or adds the entry of 'key', whose flow_key_hash() with
 * 'export_id' is 'h'. */
static struct flows_entry *
flows_lookup(struct flows_table *t, uint32_t export_id,
             const struct flow_key *key, uint32_t h)
{
    for (uint32_t i = 0; i < FLOWS_MAX_PROBE; i++) {
        uint32_t slot = (h + i) & FLOWS_MASK;
        struct flows_entry *e = &t->entries[slot];

        if (!e->export_id) {
            e->export_id = export_id;
            e->key = *key;
            t->used[t->n_used++] = slot;
            return e;
        } else if (e->export_id == export_id && flow_key_equal(&e->key, key)) {
            return e;
        }
    }
    return NULL;
}

static void
flows_run(struct dp_ctx *ctx, const struct dp_port *in,
          struct dp_packet_batch *batch, void *st_)
{
    const struct dpif_flows_bridge_config *fc
        = &ctx->snap->bridges[in->bridge].cfg.flows;
    struct flows_state *st = st_;
    struct flow_key keys[DP_BATCH_SIZE];
    struct flow_key_info infos[DP_BATCH_SIZE];
    uint32_t hashes[DP_BATCH_SIZE];
    struct flows_entry *entries[DP_BATCH_SIZE];
    uint8_t first[DP_BATCH_SIZE];
    bool sampled[DP_BATCH_SIZE], counted[DP_BATCH_SIZE];
    uint32_t out[DP_BATCH_SIZE];
    struct flows_table *t;
    struct dp_packet *p;
    long long now;

    if (!fc->export_id) {
        return;
    } else if (DP_TRACING(ctx)) {
        dp_trace(ctx, "counted for%s%s export", fc->netflow ? " NetFlow" : "",
                 fc->sampling ? (fc->sampling == 1 ? " IPFIX"
                                 : " IPFIX (sampled)") : "");
        return;
    }
    if (!st->registered) {
        flows_register(st);
    }

    flows_outputs(ctx, batch, out);
    now = ctx->now_ms;          /* Read once per pass of the thread. */
    atomic_store(&st->seq, atomic_load_explicit(&st->seq,
                                                memory_order_relaxed) + 1);
    t = &st->tables[atomic_load(&st->active)];

    /* Every counted packet's key and hash first, and a prefetch of its
     * slot, so that the table's cache misses of the batch overlap. */
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        sampled[i] = (fc->sampling
                      && (fc->sampling == 1
                          || flows_random(st) % fc->sampling == 0));
        counted[i] = !p->drop && (fc->netflow || sampled[i]);
        if (counted[i]) {
            flow_key_parse(dp_packet_data(p), dp_packet_size(p),
                           in->port_no, p->vlan, &keys[i], &infos[i]);
        }
    }
    /* Hashed in a loop of its own: the parser writes a key a field at a
     * time, and reading it back a word at a time straight after would
     * stall on every word (a store cannot be forwarded to a wider load);
     * a batch later the stores have reached the cache.  Packets of a
     * flow come in bursts: a key equal to the previous counted one shares
     * its hash and, below, its entry ('first' is the burst's first
     * packet). */
    for (size_t i = 0, prev = SIZE_MAX; i < batch->count; i++) {
        if (!counted[i]) {
            continue;
        }
        if (prev != SIZE_MAX && flow_key_equal(&keys[i], &keys[prev])) {
            first[i] = first[prev];
        } else {
            first[i] = i;
            hashes[i] = flow_key_hash(&keys[i], fc->export_id);
            __builtin_prefetch(&t->entries[hashes[i] & FLOWS_MASK]);
        }
        prev = i;
    }
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        const struct flow_key_info *info = &infos[i];
        struct flows_entry *e;
        uint64_t bytes;

        if (!counted[i]) {
            continue;
        }
        e = (first[i] == i
             ? flows_lookup(t, fc->export_id, &keys[i], hashes[i])
             : entries[first[i]]);
        entries[i] = e;
        if (!e) {
            counter_add(&st->lost, 1);
            continue;
        }
        bytes = keys[i].ip_version ? info->ip_len : dp_packet_size(p);
        if (!e->packets && !e->sampled_packets) {
            e->first_ms = now;
        }
        if (fc->netflow) {
            e->packets++;
            e->bytes += bytes;
        }
        if (sampled[i]) {
            e->sampled_packets++;
            e->sampled_bytes += bytes;
        }
        e->last_ms = now;
        e->tcp_flags |= info->tcp_flags;
        if (out[i]) {
            e->out_port = out[i];
        }
    }
    if (t->n_used >= FLOWS_HIGH_WATER && !t->drain_asked) {
        uint64_t one = 1;

        /* The eventfd first, then the flag: the main thread, which reads
         * the flag then empties the eventfd, cannot be left with a
         * readable eventfd and no flag (it would spin). */
        t->drain_asked = true;
        if (write(atomic_load(&drain_fd), &one, sizeof one) < 0) {
            /* Saturated: the main thread has been asked anyway. */
        }
        atomic_store(&drain_wanted, true);
    }
    atomic_store_explicit(&st->seq, atomic_load_explicit(
                              &st->seq, memory_order_relaxed) + 1,
                          memory_order_release);
}

/* Empties 't' into 'cb'. */
static void
flows_drain_table(struct flows_table *t, dpif_flows_cb *cb, void *aux)
{
    for (size_t i = 0; i < t->n_used; i++) {
        struct flows_entry *e = &t->entries[t->used[i]];
        struct dpif_flow_delta d = {
            .export_id = e->export_id,
            .out_port = e->out_port,
            .key = &e->key,
            .packets = e->packets,
            .bytes = e->bytes,
            .sampled_packets = e->sampled_packets,
            .sampled_bytes = e->sampled_bytes,
            .first_ms = e->first_ms,
            .last_ms = e->last_ms,
            .tcp_flags = e->tcp_flags,
        };

        cb(&d, aux);
        memset(e, 0, sizeof *e);
    }
    t->n_used = 0;
    t->drain_asked = false;
}

void
dpif_flows_drain(dpif_flows_cb *cb, void *aux)
{
    struct flows_orphan *o;

    pthread_mutex_lock(&registry_mutex);
    if (atomic_exchange(&drain_wanted, false)) {
        early_drains++;
    }
    if (atomic_load(&drain_fd) >= 0) {
        uint64_t n;

        if (read(atomic_load(&drain_fd), &n, sizeof n) < 0) {
            /* EAGAIN: nobody asked. */
        }
    }
    while ((o = orphans) != NULL) {
        orphans = o->next;
        for (int i = 0; i < 2; i++) {
            flows_drain_table(&o->tables[i], cb, aux);
            flows_table_free(&o->tables[i]);
        }
        free(o);
    }
    for (size_t i = 0; i < n_registry; i++) {
        struct flows_state *st = registry[i];
        unsigned int old = atomic_load(&st->active);
        unsigned int seq;

        atomic_store(&st->active, !old);
        seq = atomic_load(&st->seq);
        if (seq & 1) {
            while (atomic_load_explicit(&st->seq, memory_order_acquire)
                   == seq) {
                sched_yield();
            }
        }
        atomic_thread_fence(memory_order_acquire);
        flows_drain_table(&st->tables[old], cb, aux);
    }
    pthread_mutex_unlock(&registry_mutex);
}

uint64_t
dpif_flows_lost(void)
{
    uint64_t lost;

    pthread_mutex_lock(&registry_mutex);
    lost = lost_gone;
    for (size_t i = 0; i < n_registry; i++) {
        lost += counter_read(&registry[i]->lost);
    }
    pthread_mutex_unlock(&registry_mutex);
    return lost;
}

void
dpif_flows_get_stats(struct dpif_flows_stats *s)
{
    s->lost = dpif_flows_lost();
    pthread_mutex_lock(&registry_mutex);
    s->early_drains = early_drains;
    pthread_mutex_unlock(&registry_mutex);
}

bool
dpif_flows_drain_wanted(void)
{
    return atomic_load(&drain_wanted);
}

void
dpif_flows_wait(void)
{
    if (atomic_load(&drain_wanted)) {
        poll_immediate_wake();
    } else if (atomic_load(&drain_fd) >= 0) {
        poll_fd_wait(atomic_load(&drain_fd), POLLIN);
    }
}

const struct dp_stage_class dp_stage_flows = {
    .name = "flows",
    .run = flows_run,
    DP_STAGE_BRIDGE_CONFIG(flows),
    .state_size = sizeof(struct flows_state),
    .state_init = flows_state_init,
    .state_destroy = flows_state_destroy,
};
