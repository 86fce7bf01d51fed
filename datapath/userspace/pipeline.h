/*
 * pipeline.h -- running a batch through the stage table, and the
 * per-thread state the stages share.
 *
 * A forwarding thread receives a batch of up to 32 frames from one
 * receive queue and dp_pipeline_run() runs it through every stage of the
 * table in dp-stage.h, in order, each over the whole batch.
 *
 * A stage that drops a frame sets p->drop to the reason; later stages
 * skip it, and the driver counts it against the input port and releases
 * it.  Drops on output (MTU, a full device) are per output port and leave
 * p->drop alone, since the same frame may be flooded to other ports
 * successfully.
 *
 * Packet ownership (dp-packet.h).  Every received packet holds one
 * reference.  forward.c queues a packet to N output ports by taking N-1
 * more (dp_packet_ref(), never a copy); output.c releases what it drops
 * and hands the rest to netdev_send(), which takes ownership; the driver
 * releases each packet dropped on input, once.
 *
 * Counters are per thread and never shared: each thread owns a "struct
 * dp_counters", a table of cache-aligned per-port blocks indexed by the
 * port's stable counter slot.  Only the owning thread writes them (with
 * relaxed atomic stores, so that reads are never torn); the main thread
 * sums them over threads with relaxed loads.  A trace counts nothing.
 */
#ifndef PIPELINE_H
#define PIPELINE_H 1

#include <stddef.h>
#include <stdint.h>
#include "counter.h"
#include "dp-config.h"
#include "dp-drop.h"
#include "dp-packet.h"
#include "dp-stage.h"
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

/* One mirror's counters in one thread (mirror.c). */
struct dp_mirror_counters {
    uint64_t packets, bytes;
};

/* One thread's counters.  The main thread allocates a chunk before it
 * publishes a snapshot that uses one of its slots; chunks are never freed
 * while the thread's counters exist.  Mirrors are few: their counters
 * are a fixed array indexed by the id the configuration gives them. */
struct dp_counters {
    struct dp_port_counters *chunks[DP_MAX_CHUNKS];
    struct dp_mirror_counters mirrors[DPIF_MAX_MIRROR_IDS];
};

static inline struct dp_port_counters *
dp_counters_get(struct dp_counters *c, uint32_t slot)
{
    return &c->chunks[slot / DP_SLOTS_PER_CHUNK][slot % DP_SLOTS_PER_CHUNK];
}

/* A forwarding thread's working state for the current snapshot. */
struct dp_ctx {
    const struct dp_snapshot *snap;
    struct dp_counters *counters;   /* NULL while tracing. */
    int qid;                    /* Transmit queue: the thread's index. */
    uint32_t now_s;             /* time_now_msec() / 1000, per iteration. */
    long long now_ms;           /* time_now_msec(), per iteration. */

    /* The stage table, each stage's run() (copied, so that the walk is a
     * loop over one small array) and its state for this thread. */
    const struct dp_stage_class *const *stages;
    size_t n_stages;
    void (*run[DP_MAX_STAGES])(struct dp_ctx *, const struct dp_port *,
                               struct dp_packet_batch *, void *state);
    void *state[DP_MAX_STAGES];

    /* Non-null while tracing: where stages describe themselves. */
    struct dstr *trace;

    struct netdev_tx_batch *tx; /* One per snapshot port. */
    uint32_t *preset;           /* Per port, the slots of 'tx' whose egress
                                 * tag is already set (bit i: slot i). */
    uint32_t *active;           /* Indices of ports with queued output. */
    size_t n_active;
    size_t n_tx;                /* Allocated elements of the arrays. */

    /* Held sends ("Held sends" in output.c).  With 'hold_tx', frames that
     * the output stage cleared for sending may wait in 'held' after their
     * batch's pipeline, to join later batches' frames to the same port,
     * until the thread sends them (dp_output_flush_held()).  'batch_owned'
     * is set before each dp_pipeline_run(): the batch's packets own their
     * buffers (a receive into the thread's lent buffers cannot wait: the
     * next receive reuses them).  'held_ports' lists the ports with held
     * frames ('held_listed' says which are listed), and 'held_ns' is when
     * each port's oldest held frame was queued, in 'now_ns' time. */
    bool hold_tx;
    bool batch_owned;
    struct netdev_tx_batch *held;
    uint32_t *held_ports;
    size_t n_held;
    uint8_t *held_listed;
    long long *held_ns;
    long long now_ns;           /* time_nsec(), per pass. */

    /* Calls to netdev_send() with frames and the frames in them, for the
     * thread's statistics (the thread collects and zeroes them). */
    uint64_t tx_calls, tx_frames;

    /* The mirrors (bits as in struct dpif_mirror_port_config) that
     * selected each packet of the batch on ingress: written by the
     * "mirror-in" stage, read by "mirror-out" (mirror.c), valid only
     * while the bridge has mirrors. */
    uint32_t mirror_sel[DP_BATCH_SIZE];

    /* Each packet's destination (MAC, VLAN) key and its hash in the
     * bridge's MAC table, computed once by the "learn" stage (which
     * prefetches with them) for the "forward" stage (learn.c, forward.c).
     * Valid only while 'dst_hashed' is the batch being run (the pipeline
     * clears it first), and only for a packet whose key still matches
     * (UINT64_MAX: none). */
    const struct dp_packet_batch *dst_hashed;
    uint64_t dst_key[DP_BATCH_SIZE];
    uint32_t dst_hash[DP_BATCH_SIZE];

    /* The thread's MAC cache (mac-learning.h), which the learn stage keeps
     * (NULL until it first runs), and the destinations it found there for
     * the forward stage: bit i of 'dst_cached' says dst_port[i] is packet
     * i's output port (valid like 'dst_key'). */
    struct mac_cache *mac_cache;
    uint32_t dst_cached;
    uint32_t dst_port[DP_BATCH_SIZE];
};

void dp_ctx_init(struct dp_ctx *, struct dp_counters *, int qid);
void dp_ctx_set_snapshot(struct dp_ctx *, const struct dp_snapshot *);
void dp_ctx_destroy(struct dp_ctx *);

/* Sends what is queued for the port at snapshot index 'idx' now, rather
 * than in the output stage (output.c); the port stays active. */
void dp_output_flush(struct dp_ctx *, uint32_t idx);

/* Sends held frames (ctx->hold_tx): with 'max_wait_ns' negative, all of
 * them; otherwise those of each port whose oldest frame has waited that
 * long by 'ctx->now_ns'. */
void dp_output_flush_held(struct dp_ctx *, long long max_wait_ns);

/* Queues 'p' for output on 'out', which consumes one reference to 'p': a
 * stage that queues a packet several times takes one more reference
 * (dp_packet_ref()) for every time after the first.  Returns the slot in
 * the port's transmit batch.  A port may be given more than a batch's
 * worth (a frame and mirror copies of others): a full batch is sent on
 * the spot. */
static inline unsigned int
dp_ctx_enqueue(struct dp_ctx *ctx, const struct dp_port *out,
               struct dp_packet *p)
{
    struct netdev_tx_batch *tx = &ctx->tx[out->index];

    if (!tx->count) {
        ctx->active[ctx->n_active++] = out->index;
    } else if (tx->count == DP_BATCH_SIZE) {
        dp_output_flush(ctx, out->index);
    }
    tx->queue[tx->count] = 0;
    tx->packets[tx->count] = p;
    return tx->count++;
}

/* Queues 'p' like dp_ctx_enqueue(), to leave 'out' with the egress tag
 * 'tpid'/'tci' (tpid 0: untagged) rather than the one the port's VLAN
 * policy gives p->vlan: a mirror copy to an RSPAN VLAN shares the frame
 * and differs only in its tag. */
static inline void
dp_ctx_enqueue_tagged(struct dp_ctx *ctx, const struct dp_port *out,
                      struct dp_packet *p, uint16_t tpid, uint16_t tci)
{
    unsigned int slot = dp_ctx_enqueue(ctx, out, p);
    struct netdev_tx_batch *tx = &ctx->tx[out->index];

    tx->tpid[slot] = tpid;
    tx->tci[slot] = tci;
    ctx->preset[out->index] |= UINT32_C(1) << slot;
}

/* Sends what the userspace shapers of the snapshot's ports let go now
 * (output.c).  Returns the frames still waiting in them. */
unsigned int dp_output_drain_shapers(struct dp_ctx *);

/* Runs a batch received on 'in' through every stage. */
void dp_pipeline_run(struct dp_ctx *, const struct dp_port *in,
                     struct dp_packet_batch *);

/* Runs the one packet in 'batch' through every stage with 'ctx->trace'
 * set, appending what happened (dpif_trace()). */
void dp_pipeline_trace(struct dp_ctx *, const struct dp_port *in,
                       struct dp_packet_batch *);

/* dpif_trace() for a datapath whose current snapshot is 'snap': copies
 * 'frame' into a buffer of its own, describes it, runs it through
 * dp_pipeline_trace() on a context of its own and appends everything to
 * 'out'.  Returns 0, ENOENT (no port 'port_no') or EMSGSIZE.  The caller
 * keeps 'snap' alive meanwhile. */
int dp_pipeline_trace_frame(const struct dp_snapshot *snap,
                            uint32_t port_no, const void *frame, size_t len,
                            struct dstr *out);

#endif /* pipeline.h */
