/*
 * pipeline.c -- walks the stage table over a received batch (pipeline.h)
 * or over one traced frame, and keeps a forwarding thread's per-snapshot
 * working state.
 */
#include <config.h>
#include "pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dp-config.h"
#include "timeval.h"
#include "util.h"

void
dp_ctx_init(struct dp_ctx *ctx, struct dp_counters *counters, int qid)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->counters = counters;
    ctx->qid = qid;

    dp_stages_hold();
    ctx->n_stages = dp_stages_get(&ctx->stages);
    for (size_t i = 0; i < ctx->n_stages; i++) {
        const struct dp_stage_class *stage = ctx->stages[i];

        ctx->run[i] = stage->run;
        if (stage->state_size) {
            ctx->state[i] = xzalloc_cacheline(stage->state_size);
            if (stage->state_init) {
                stage->state_init(ctx->state[i]);
            }
        }
    }
}

static void
dp_ctx_free_ports(struct dp_ctx *ctx)
{
    free(ctx->tx);
    free(ctx->preset);
    free(ctx->active);
    free(ctx->held);
    free(ctx->held_ports);
    free(ctx->held_listed);
    free(ctx->held_ns);
}

/* Switches 'ctx' to 'snap'.  Called between batches, when nothing is
 * queued for output, while the old snapshot is still valid: frames still
 * held for its ports are sent first. */
void
dp_ctx_set_snapshot(struct dp_ctx *ctx, const struct dp_snapshot *snap)
{
    size_t n = snap->n_ports ? snap->n_ports : 1;

    if (ctx->n_held) {
        dp_output_flush_held(ctx, -1);
    }
    ctx->snap = snap;
    if (n > ctx->n_tx) {
        dp_ctx_free_ports(ctx);
        ctx->tx = xcalloc(n, sizeof *ctx->tx);
        ctx->preset = xcalloc(n, sizeof *ctx->preset);
        ctx->active = xcalloc(n, sizeof *ctx->active);
        ctx->held = xcalloc(n, sizeof *ctx->held);
        ctx->held_ports = xcalloc(n, sizeof *ctx->held_ports);
        ctx->held_listed = xcalloc(n, sizeof *ctx->held_listed);
        ctx->held_ns = xcalloc(n, sizeof *ctx->held_ns);
        ctx->n_tx = n;
    }
    for (size_t i = 0; i < n; i++) {
        ctx->tx[i].count = 0;
        ctx->preset[i] = 0;
        ctx->held[i].count = 0;
        ctx->held_listed[i] = false;
    }
    ctx->n_active = 0;
    ctx->n_held = 0;
}

void
dp_ctx_destroy(struct dp_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_stages; i++) {
        const struct dp_stage_class *stage = ctx->stages[i];

        if (ctx->state[i] && stage->state_destroy) {
            stage->state_destroy(ctx->state[i]);
        }
        free(ctx->state[i]);
    }
    if (ctx->stages) {
        dp_stages_release();
    }
    dp_ctx_free_ports(ctx);
    memset(ctx, 0, sizeof *ctx);
}

/* The netdev reset the metadata (dp_packet_reset_meta(), as its recv
 * contract in netdev-provider.h requires: VLAN, tag, priority and drop
 * reason are already 0) and filled in the offload facts; this fills in the
 * input port.  Returns the bytes received. */
static uint64_t
reset_batch(const struct dp_port *in, struct dp_packet_batch *batch)
{
    uint64_t bytes = 0;
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        p->in_port = in->port_no;
        p->batch_idx = i;
        bytes += dp_packet_size(p);
    }
    return bytes;
}

/* Counts the frames that some stage dropped against the input port (unless
 * 'c' is NULL) and releases them: no stage queued them for output. */
static void
finish_input_drops(struct dp_port_counters *c,
                   const struct dp_packet_batch *batch)
{
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        if (p->drop) {
            if (c) {
                counter_add(&c->rx_dropped, 1);
                counter_add(&c->drops[p->drop], 1);
            }
            dp_packet_release(p);
        }
    }
}

void
dp_pipeline_run(struct dp_ctx *ctx, const struct dp_port *in,
                struct dp_packet_batch *batch)
{
    struct dp_port_counters *c = dp_counters_get(ctx->counters, in->slot);
    uint64_t bytes = reset_batch(in, batch);
    size_t last = ctx->n_stages - 1;

    ctx->dst_hashed = NULL;

    /* The last stage is output: once it has handed packets to
     * netdev_send() they belong to the devices (an adopting one may
     * already have reused a buffer on another thread), so the input drops
     * are counted and released before it runs. */
    for (size_t i = 0; i < last; i++) {
        ctx->run[i](ctx, in, batch, ctx->state[i]);
    }
    finish_input_drops(c, batch);
    ctx->run[last](ctx, in, batch, ctx->state[last]);

    /* Last, so that a reader who sees the frames counted as received also
     * sees everything that happened to them. */
    counter_add(&c->rx_bytes, bytes);
    counter_add_release(&c->rx_packets, batch->count);
}

void
dp_pipeline_trace(struct dp_ctx *ctx, const struct dp_port *in,
                  struct dp_packet_batch *batch)
{
    struct dp_packet *p = batch->packets[0];
    const struct dp_stage_class *dropper = NULL;

    reset_batch(in, batch);
    ctx->dst_hashed = NULL;
    for (size_t i = 0; i < ctx->n_stages; i++) {
        const struct dp_stage_class *stage = ctx->stages[i];
        uint8_t drop = p->drop;

        if (!drop) {
            dstr_printf(ctx->trace, "%s:\n", stage->name);
        }
        stage->run(ctx, in, batch, ctx->state[i]);
        if (!drop && p->drop) {
            dropper = stage;
            dp_trace(ctx, "drop: %s (%s)", dp_drop_name(p->drop),
                     dp_drop_description(p->drop));
            if (!dp_stage_owns_drop(stage, p->drop)) {
                dp_trace(ctx, "(the stage does not declare this reason)");
            }
        }
    }
    if (dropper) {
        dstr_printf(ctx->trace, "result: dropped by %s: %s\n",
                    dropper->name, dp_drop_name(p->drop));
    }
    finish_input_drops(NULL, batch);
}

/* The frame, as dp/trace shows it before the stages. */
static void
trace_frame(struct dstr *out, const uint8_t *d, size_t len)
{
    dstr_puts(out, "frame:");
    if (len < ETH_HEADER_LEN) {
        dstr_printf(out, " %zu bytes, shorter than an Ethernet header\n",
                    len);
        return;
    }
    dstr_printf(out, " dst %02x:%02x:%02x:%02x:%02x:%02x"
                " src %02x:%02x:%02x:%02x:%02x:%02x",
                d[0], d[1], d[2], d[3], d[4], d[5],
                d[6], d[7], d[8], d[9], d[10], d[11]);
    for (size_t ofs = 12; ofs + 2 <= len; ofs += VLAN_HEADER_LEN) {
        uint16_t type = d[ofs] << 8 | d[ofs + 1];

        if ((type != ETH_TYPE_VLAN && type != ETH_TYPE_VLAN_8021AD)
            || ofs + VLAN_HEADER_LEN + 2 > len) {
            dstr_printf(out, " type %04x", type);
            break;
        }
        dstr_printf(out, " tag %04x VID %u PCP %u", type,
                    (d[ofs + 2] << 8 | d[ofs + 3]) & 0xfff,
                    d[ofs + 2] >> 5);
    }
    dstr_printf(out, ", %zu bytes\n", len);
}

int
dp_pipeline_trace_frame(const struct dp_snapshot *snap, uint32_t port_no,
                        const void *frame, size_t len, struct dstr *out)
{
    const struct dp_port *in = dp_snapshot_find_port(snap, port_no);
    struct dp_packet_batch batch;
    struct dp_packet packet;
    struct dp_ctx ctx;
    uint8_t *buf;

    if (!in) {
        return ENOENT;
    } else if (len > DP_PACKET_MAX_FRAME) {
        return EMSGSIZE;
    }

    buf = xmalloc(DP_PACKET_HEADROOM + len + 1);
    memset(&packet, 0, sizeof packet);
    dp_packet_set_data(&packet, buf, DP_PACKET_HEADROOM + len,
                       DP_PACKET_HEADROOM, len);
    memcpy(dp_packet_data(&packet), frame, len);
    dp_packet_reset_meta(&packet, port_no);
    batch.count = 1;
    batch.packets[0] = &packet;

    dstr_printf(out, "bridge %s, in_port %s (%"PRIu32")\n",
                snap->bridges[in->bridge].cfg.name, in->cfg.name, port_no);
    trace_frame(out, frame, len);
    dp_ctx_init(&ctx, NULL, 0);
    dp_ctx_set_snapshot(&ctx, snap);
    ctx.now_ms = time_now_msec();
    ctx.now_s = ctx.now_ms / 1000;
    ctx.trace = out;
    dp_pipeline_trace(&ctx, in, &batch);
    dp_ctx_destroy(&ctx);
    free(buf);
    return 0;
}
