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
 * The stage looks up every unicast destination of the batch in one call
 * (mac_table_lookup_batch(), with the hashes the learn stage computed)
 * before it sends anything, except those the learn stage found in the
 * thread's MAC cache, where it records what it found; and the frames of a
 * batch mostly go to a few
 * ports, so it remembers the last output port it found and checked for a
 * VLAN.
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

/* The output port for 'p' given its MAC table lookup ('hit' and, if so,
 * 'port_no').  Returns it, or NULL to flood; sets p->drop if the
 * destination is on the input port. */
static const struct dp_port *
forward_output(struct dp_ctx *ctx, const struct dp_port *in,
               struct dp_packet *p, bool hit, uint32_t port_no,
               struct forward_memo *memo)
{
    const struct dp_port *out;

    if (!hit) {
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
    bool hashed = ctx->dst_hashed == batch;
    struct forward_memo memo = { .out = NULL };
    uint64_t keys[DP_BATCH_SIZE];
    uint32_t hashes[DP_BATCH_SIZE], ports[DP_BATCH_SIZE];
    uint32_t hit_port[DP_BATCH_SIZE];
    uint8_t slot[DP_BATCH_SIZE];
    uint32_t hit = 0;           /* Bit i: packet i's destination found. */
    size_t n = 0;
    struct dp_packet *p;

    /* Every unicast destination's lookup first, in one call, with the
     * keys and hashes the learn stage left where they still match, except
     * those it found in the thread's MAC cache. */
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        uint64_t key;

        if (p->drop || dp_packet_eth_dst(p)[0] & 1) {
            continue;
        }
        key = mac_table_key(dp_packet_eth_dst(p), p->vlan);
        if (hashed && ctx->dst_key[i] == key) {
            if (ctx->dst_cached >> i & 1) {
                hit |= UINT32_C(1) << i;
                hit_port[i] = ctx->dst_port[i];
                continue;
            }
            hashes[n] = ctx->dst_hash[i];
        } else {
            hashes[n] = mac_table_hash(br->macs, key);
        }
        keys[n] = key;
        slot[n++] = i;
    }
    if (n) {
        uint64_t hits = mac_table_lookup_batch(br->macs, keys, hashes, n,
                                               ctx->now_s, ports);
        struct mac_cache *cache = hashed ? ctx->mac_cache : NULL;

        for (size_t k = 0; k < n; k++) {
            if (hits >> k & 1) {
                hit |= UINT32_C(1) << slot[k];
                hit_port[slot[k]] = ports[k];
                if (cache) {
                    mac_cache_put(cache, keys[k], hashes[k], ports[k],
                                  false);
                }
            }
        }
    }

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
        out = forward_output(ctx, in, p, hit >> i & 1, hit_port[i], &memo);
        if (p->drop) {
            continue;
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
