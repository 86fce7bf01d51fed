/*
 * learn.c -- the "learn" stage: (source MAC, VLAN) -> input port.
 *
 * Runs over the whole batch before any lookup, so a reply in the same
 * batch already finds its sender.  It computes every source's and
 * unicast destination's key first and has the table hash them and
 * prefetch their buckets (mac_table_prefetch()), for itself and for the
 * forward stage that follows, which reuses the destinations' keys and
 * hashes (dp_ctx's dst_key[] and dst_hash[]).  Bursts from one station repeat the same
 * source, so consecutive duplicates are skipped without touching the
 * table at all.  Multicast sources and the bridge's flood_vlans (its
 * "learn" settings; a change forgets the bridge's table) are not learned.
 *
 * While tracing it only says what it would learn: a trace leaves the MAC
 * table as it was.
 */
#include <config.h>
#include "pipeline.h"

#include <inttypes.h>
#include <string.h>

#include "dp-config.h"
#include "mac-learning.h"

#define ETH_ADDR_FMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define ETH_ADDR_ARGS(A) (A)[0], (A)[1], (A)[2], (A)[3], (A)[4], (A)[5]

static void
learn_trace(struct dp_ctx *ctx, const struct dp_bridge *br,
            const struct dp_port *in, const struct dp_packet *p)
{
    const uint8_t *src = dp_packet_eth_src(p);
    uint32_t port_no;

    if (src[0] & 1) {
        dp_trace(ctx, "source "ETH_ADDR_FMT" is multicast: not learned",
                 ETH_ADDR_ARGS(src));
    } else if (!mac_table_may_learn(src, p->vlan,
                                    &br->cfg.learn.flood_vlans)) {
        dp_trace(ctx, "VLAN %u is in flood_vlans: "ETH_ADDR_FMT" not "
                 "learned", p->vlan, ETH_ADDR_ARGS(src));
    } else if (!mac_table_lookup(br->macs, src, p->vlan, ctx->now_s,
                                 &port_no)) {
        dp_trace(ctx, "would learn "ETH_ADDR_FMT" on VLAN %u at port "
                 "%"PRIu32" (new entry; the trace changes nothing)",
                 ETH_ADDR_ARGS(src), p->vlan, in->port_no);
    } else if (port_no != in->port_no) {
        dp_trace(ctx, "would move "ETH_ADDR_FMT" on VLAN %u from port "
                 "%"PRIu32" to port %"PRIu32" (the trace changes nothing)",
                 ETH_ADDR_ARGS(src), p->vlan, port_no, in->port_no);
    } else {
        dp_trace(ctx, ETH_ADDR_FMT" on VLAN %u already learned at port "
                 "%"PRIu32, ETH_ADDR_ARGS(src), p->vlan, port_no);
    }
}

static void
learn_run(struct dp_ctx *ctx, const struct dp_port *in,
          struct dp_packet_batch *batch, void *state)
{
    const struct dp_bridge *br = &ctx->snap->bridges[in->bridge];
    const struct dp_vlan_bitmap *flood_vlans = &br->cfg.learn.flood_vlans;
    uint64_t src_keys[DP_BATCH_SIZE], dst_keys[DP_BATCH_SIZE];
    uint32_t src_hashes[DP_BATCH_SIZE], dst_hashes[DP_BATCH_SIZE];
    uint8_t dst_idx[DP_BATCH_SIZE];
    size_t n_src = 0, n_dst = 0;
    struct dp_packet *p;

    if (DP_TRACING(ctx)) {
        if (!batch->packets[0]->drop) {
            learn_trace(ctx, br, in, batch->packets[0]);
        }
        return;
    }
    /* Keys first, and the table's buckets for every source (learned
     * here) and unicast destination (looked up by the forward stage
     * next), so that the cache misses of the batch overlap; each key is
     * hashed once, and the destinations' keys and hashes are left in
     * 'ctx' for the forward stage. */
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        const uint8_t *src, *dst;

        ctx->dst_key[i] = UINT64_MAX;
        if (p->drop) {
            continue;
        }
        src = dp_packet_eth_src(p);
        dst = dp_packet_eth_dst(p);
        if (mac_table_may_learn(src, p->vlan, flood_vlans)) {
            src_keys[n_src++] = mac_table_key(src, p->vlan);
        }
        if (!(dst[0] & 1)) {
            dst_idx[n_dst] = i;
            dst_keys[n_dst++] = mac_table_key(dst, p->vlan);
        }
    }
    if (n_src) {
        mac_table_prefetch(br->macs, src_keys, src_hashes, n_src);
    }
    if (n_dst) {
        mac_table_prefetch(br->macs, dst_keys, dst_hashes, n_dst);
        for (size_t k = 0; k < n_dst; k++) {
            ctx->dst_key[dst_idx[k]] = dst_keys[k];
            ctx->dst_hash[dst_idx[k]] = dst_hashes[k];
        }
    }
    ctx->dst_hashed = batch;

    if (n_src) {
        mac_table_learn_batch(br->macs, src_keys, src_hashes, n_src,
                              in->port_no, ctx->now_s);
    }
}

const struct dp_stage_class dp_stage_learn = {
    .name = "learn",
    .run = learn_run,
    DP_STAGE_BRIDGE_CONFIG(learn),
    .on_bridge_change = DP_STAGE_FLUSH_BRIDGE_MACS,
};
