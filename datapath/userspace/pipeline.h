/*
 * pipeline.h -- the forwarding stages and the per-thread state they share.
 *
 * A forwarding thread receives a batch of up to 32 frames from one port
 * and runs it through the stages, each over the whole batch before the
 * next begins (so each stage's code and data stay hot in the cache):
 *
 *     vlan_ingress_batch()    vlan.c     validity, mirror output, VLAN
 *                                        mode, reserved multicast
 *     learn_batch()           learn.c    (src MAC, VLAN) -> input port
 *     forward_batch()         forward.c  lookup or flood into per-output
 *                                        transmit batches
 *     output_flush()          output.c   MTU/offload checks, egress tag,
 *                                        netdev_send(), tx accounting
 *
 * A stage that drops a frame sets p->drop to the reason; later stages
 * skip it, and the driver counts it against the input port.  Drops on
 * output (MTU, a full device) are per output port and leave p->drop
 * alone, since the same frame may be flooded to other ports successfully.
 *
 * Counters are per thread and never shared: each thread owns a "struct
 * dp_counters", a table of cache-aligned per-port blocks indexed by the
 * port's stable counter slot.  Only the owning thread writes them (with
 * relaxed atomic stores, so that reads are never torn); the main thread
 * sums them over threads with relaxed loads.
 */
#ifndef PIPELINE_H
#define PIPELINE_H 1

#include <stddef.h>
#include <stdint.h>
#include "counter.h"
#include "dp-config.h"
#include "dp-drop.h"
#include "dp-packet.h"
#include "netdev.h"

/* One port's counters in one thread. */
struct dp_port_counters {
    uint64_t rx_packets, rx_bytes;
    uint64_t tx_packets, tx_bytes;
    uint64_t rx_dropped, tx_dropped, tx_errors;
    uint64_t drops[DP_N_DROPS];
} __attribute__((aligned(64)));

#define DP_SLOTS_PER_CHUNK 64
#define DP_MAX_CHUNKS 1024
#define DP_MAX_SLOTS (DP_SLOTS_PER_CHUNK * DP_MAX_CHUNKS)

/* One thread's counters.  The main thread allocates a chunk before it
 * publishes a snapshot that uses one of its slots; chunks are never freed
 * while the thread's counters exist. */
struct dp_counters {
    struct dp_port_counters *chunks[DP_MAX_CHUNKS];
};

static inline struct dp_port_counters *
dp_counters_get(struct dp_counters *c, uint32_t slot)
{
    return &c->chunks[slot / DP_SLOTS_PER_CHUNK][slot % DP_SLOTS_PER_CHUNK];
}

/* A forwarding thread's working state for the current snapshot. */
struct dp_ctx {
    const struct dp_snapshot *snap;
    struct dp_counters *counters;
    int qid;                    /* Transmit queue: the thread's index. */
    uint32_t now_s;             /* time_now_msec() / 1000, per iteration. */

    struct netdev_tx_batch *tx; /* One per snapshot port. */
    uint32_t *active;           /* Indices of ports with queued output. */
    size_t n_active;
    size_t n_tx;                /* Allocated elements of 'tx', 'active'. */
};

void dp_ctx_init(struct dp_ctx *, struct dp_counters *, int qid);
void dp_ctx_set_snapshot(struct dp_ctx *, const struct dp_snapshot *);
void dp_ctx_destroy(struct dp_ctx *);

/* Queues 'p' for output on 'out', with a reference of its own (released
 * by netdev_send() or the output stage). */
static inline void
dp_ctx_enqueue(struct dp_ctx *ctx, const struct dp_port *out,
               struct dp_packet *p)
{
    struct netdev_tx_batch *tx = &ctx->tx[out->index];

    dp_packet_ref(p);
    if (!tx->count) {
        ctx->active[ctx->n_active++] = out->index;
    }
    tx->packets[tx->count++] = p;
}

/* The stages. */
void learn_batch(const struct dp_bridge *, const struct dp_port *in,
                 struct dp_packet_batch *, uint32_t now_s);
void forward_batch(struct dp_ctx *, const struct dp_port *in,
                   struct dp_packet_batch *);
void output_flush(struct dp_ctx *);

/* Runs a batch received on 'in' through every stage. */
void dp_pipeline_run(struct dp_ctx *, const struct dp_port *in,
                     struct dp_packet_batch *);

#endif /* pipeline.h */
