/*
 * forward.c -- the "forward" stage: where does each frame go?
 *
 * A unicast destination learned on another port of the bridge goes
 * there; one learned on the input port is dropped (SAME_PORT: the frame
 * has already reached its segment).  Everything else -- broadcast,
 * multicast, unknown unicast, or an entry whose port has since gone or no
 * longer carries the VLAN -- is flooded to every other port of the bridge
 * that carries the frame's VLAN, never to mirror output ports; a flood
 * that reaches nobody is dropped as NO_PORTS.  Frames are only queued
 * here, into per-output-port transmit batches; the output stage sends
 * them.  A frame flooded to N ports is queued N times with N-1 extra
 * references, never copied.
 *
 * A burst of one flow repeats the same destination, so the stage
 * remembers the last unicast decision and reuses it for an identical
 * (destination, VLAN); and the frames of a batch mostly go to a few
 * ports, so it also remembers the last output port it found and checked
 * for a VLAN.
 */
#include <config.h>
#include "pipeline.h"

#include <inttypes.h>
#include <string.h>

#include "dp-config.h"
#include "mac-learning.h"
#include "vlan.h"

static void
forward_flood(struct dp_ctx *ctx, const struct dp_bridge *br,
              const struct dp_port *in, struct dp_packet *p)
{
    const struct dp_snapshot *s = ctx->snap;
    size_t n = 0;

    for (size_t i = 0; i < br->n_flood; i++) {
        const struct dp_port *out = &s->ports[br->flood[i]];

        if (out != in && vlan_egress_allowed(&out->cfg, p)) {
            if (n++) {
                dp_packet_ref(p);
            }
            dp_ctx_enqueue(ctx, out, p);
        }
    }
    if (!n) {
        p->drop = DP_DROP_NO_PORTS;
    }
    if (DP_TRACING(ctx)) {
        dp_trace(ctx, "flood VLAN %u to %zu port%s", p->vlan, n,
                 n == 1 ? "" : "s");
    }
}

/* The last output port forward_lookup() validated, per batch: the
 * frames of a batch mostly go to a few ports, and finding a port and
 * checking its VLAN is the same work for each. */
struct forward_memo {
    uint32_t port_no;
    uint16_t vlan;
    const struct dp_port *out;  /* NULL: nothing memorised. */
};

/* Looks up the learned output port for 'p'.  Returns it, or NULL to
 * flood; sets p->drop if the destination is on the input port. */
static const struct dp_port *
forward_lookup(struct dp_ctx *ctx, const struct dp_bridge *br,
               const struct dp_port *in, struct dp_packet *p,
               struct forward_memo *memo)
{
    const struct dp_port *out;
    uint32_t port_no;

    if (!mac_table_lookup_key(br->macs,
                              mac_table_key(dp_packet_eth_dst(p), p->vlan),
                              ctx->now_s, &port_no)) {
        if (DP_TRACING(ctx)) {
            dp_trace(ctx, "lookup on VLAN %u: miss", p->vlan);
        }
        return NULL;
    }
    if (port_no == in->port_no) {
        if (DP_TRACING(ctx)) {
            dp_trace(ctx, "lookup on VLAN %u: hit, port %"PRIu32" (the "
                     "input port)", p->vlan, port_no);
        }
        p->drop = DP_DROP_SAME_PORT;
        return NULL;
    }
    if (memo->out && memo->port_no == port_no && memo->vlan == p->vlan
        && !DP_TRACING(ctx)) {
        return memo->out;
    }
    out = dp_snapshot_find_port(ctx->snap, port_no);
    if (!out || out->bridge != in->bridge || out->cfg.ingress.mirror_output
        || !vlan_egress_allowed(&out->cfg, p)) {
        if (DP_TRACING(ctx)) {
            dp_trace(ctx, "lookup on VLAN %u: hit, port %"PRIu32", which "
                     "cannot take the frame now (stale entry)", p->vlan,
                     port_no);
        }
        return NULL;            /* Stale entry: flood. */
    }
    if (DP_TRACING(ctx)) {
        dp_trace(ctx, "lookup on VLAN %u: hit, port %"PRIu32" (%s)",
                 p->vlan, port_no, out->cfg.name);
    }
    if (!out->cfg.cvlans) {
        /* (A customer-VLAN filter looks at more than the VLAN.) */
        memo->port_no = port_no;
        memo->vlan = p->vlan;
        memo->out = out;
    }
    return out;
}

static void
forward_run(struct dp_ctx *ctx, const struct dp_port *in,
            struct dp_packet_batch *batch, void *state)
{
    const struct dp_bridge *br = &ctx->snap->bridges[in->bridge];
    const uint8_t *last_dst = NULL;
    const struct dp_port *last_out = NULL;
    uint16_t last_vlan = 0;
    struct forward_memo memo = { .out = NULL };
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        const uint8_t *dst;
        const struct dp_port *out;

        if (p->drop) {
            continue;
        }
        dst = dp_packet_eth_dst(p);
        if (dst[0] & 1) {
            if (DP_TRACING(ctx)) {
                dp_trace(ctx, "%s destination", dst[0] == 0xff
                         && !memcmp(dst, "\xff\xff\xff\xff\xff\xff", 6)
                         ? "broadcast" : "multicast");
            }
            forward_flood(ctx, br, in, p);
            continue;
        }
        if (last_dst && p->vlan == last_vlan
            && !memcmp(dst, last_dst, ETH_ADDR_LEN)) {
            out = last_out;
        } else {
            out = forward_lookup(ctx, br, in, p, &memo);
            if (p->drop) {
                continue;
            }
            if (!out || !out->cfg.cvlans) {
                /* (A customer-VLAN filter depends on more than the
                 * destination and VLAN, so such decisions are not
                 * reused.) */
                last_dst = dst;
                last_vlan = p->vlan;
                last_out = out;
            }
        }
        if (out) {
            dp_ctx_enqueue(ctx, out, p);
        } else {
            forward_flood(ctx, br, in, p);
        }
    }
}

const struct dp_stage_class dp_stage_forward = {
    .name = "forward",
    .run = forward_run,
    DP_STAGE_DROPS(DP_DROP_SAME_PORT, DP_DROP_NO_PORTS),
};
