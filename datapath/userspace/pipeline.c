/*
 * pipeline.c -- runs a received batch through the stages (pipeline.h)
 * and keeps a forwarding thread's per-snapshot working state.
 */
#include <config.h>
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vlan.h"

void
dp_ctx_init(struct dp_ctx *ctx, struct dp_counters *counters, int qid)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->counters = counters;
    ctx->qid = qid;
}

/* Switches 'ctx' to 'snap'.  Called between batches, when nothing is
 * queued for output. */
void
dp_ctx_set_snapshot(struct dp_ctx *ctx, const struct dp_snapshot *snap)
{
    size_t n = snap->n_ports ? snap->n_ports : 1;

    ctx->snap = snap;
    if (n > ctx->n_tx) {
        free(ctx->tx);
        free(ctx->active);
        ctx->tx = xcalloc(n, sizeof *ctx->tx);
        ctx->active = xcalloc(n, sizeof *ctx->active);
        ctx->n_tx = n;
    }
    for (size_t i = 0; i < n; i++) {
        ctx->tx[i].count = 0;
    }
    ctx->n_active = 0;
}

void
dp_ctx_destroy(struct dp_ctx *ctx)
{
    free(ctx->tx);
    free(ctx->active);
    memset(ctx, 0, sizeof *ctx);
}

/* Counts the frames that some stage dropped against the input port. */
static void
count_input_drops(struct dp_port_counters *c,
                  const struct dp_packet_batch *batch)
{
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        if (p->drop) {
            counter_add(&c->rx_dropped, 1);
            counter_add(&c->drops[p->drop], 1);
        }
    }
}

void
dp_pipeline_run(struct dp_ctx *ctx, const struct dp_port *in,
                struct dp_packet_batch *batch)
{
    struct dp_port_counters *c = dp_counters_get(ctx->counters, in->slot);
    uint64_t bytes = 0;
    struct dp_packet *p;

    /* The netdev reset the metadata and filled in the offload facts. */
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        p->in_port = in->port_no;
        p->vlan = 0;
        p->tpid = 0;
        p->pcp = 0;
        p->drop = DP_DROP_NONE;
        bytes += dp_packet_size(p);
    }

    vlan_ingress_batch(&in->ingress, batch);
    learn_batch(&ctx->snap->bridges[in->bridge], in, batch, ctx->now_s);
    forward_batch(ctx, in, batch);
    count_input_drops(c, batch);

    /* Each output queue holds a reference of its own now: let go of the
     * receive's, so that a frame queued to one port alone is exclusively
     * that port's (an adopting device takes it without a copy) and a
     * dropped one goes back to its source. */
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        dp_packet_release(p);
    }
    output_flush(ctx);

    /* Last, so that a reader who sees the frames counted as received also
     * sees everything that happened to them. */
    counter_add(&c->rx_bytes, bytes);
    counter_add_release(&c->rx_packets, batch->count);
}
