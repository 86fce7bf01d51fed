/*
 * learn.c -- the "learn" stage: (source MAC, VLAN) -> input port.
 *
 * Runs over the whole batch before any lookup, so a reply in the same
 * batch already finds its sender.  It computes and hashes every source's
 * and unicast destination's key first and prefetches the table buckets it
 * will need (mac_table_prefetch_hashed()), for itself and for the
 * forward stage that follows, which reuses the destinations' keys and
 * hashes (dp_ctx's dst_key[] and dst_hash[]).  In front of the table is
 * the thread's MAC cache (mac-learning.h, the stage's per-thread state):
 * a source this thread already learned on the input port this second
 * needs nothing, and a destination found there needs no lookup (dp_ctx's
 * dst_cached and dst_port[]).  Bursts from one station repeat the same
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
          struct dp_packet_batch *batch, void *cache_)
{
    const struct dp_bridge *br = &ctx->snap->bridges[in->bridge];
    const struct dp_vlan_bitmap *flood_vlans = &br->cfg.learn.flood_vlans;
    struct mac_cache *cache = cache_;
    uint64_t src_keys[DP_BATCH_SIZE], dst_keys[DP_BATCH_SIZE];
    uint32_t src_hashes[DP_BATCH_SIZE], dst_hashes[DP_BATCH_SIZE];
    uint8_t dst_idx[DP_BATCH_SIZE];
    size_t n_src = 0, n_dst = 0, n_miss = 0;
    uint32_t cached = 0;
    uint64_t seed;
    struct dp_packet *p;

    if (DP_TRACING(ctx)) {
        if (!batch->packets[0]->drop) {
            learn_trace(ctx, br, in, batch->packets[0]);
        }
        return;
    }
    ctx->mac_cache = cache;
    mac_cache_begin(cache, br->macs, ctx->now_s);
    seed = cache->seed;

    /* Keys first: every source to learn and unicast destination. */
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

    /* Sources this thread already learned on this port this second need
     * nothing; the others are learned, their buckets fetched together so
     * that the cache misses overlap. */
    for (size_t k = 0; k < n_src; k++) {
        uint32_t h = mac_table_hash_seeded(seed, src_keys[k]);

        if (!mac_cache_learned(cache, src_keys[k], h, in->port_no)) {
            src_keys[n_miss] = src_keys[k];
            src_hashes[n_miss++] = h;
        }
    }
    if (n_miss) {
        mac_table_prefetch_hashed(br->macs, src_hashes, n_miss);
        mac_table_learn_batch(br->macs, src_keys, src_hashes, n_miss,
                              in->port_no, ctx->now_s);
        for (size_t k = 0; k < n_miss; k++) {
            mac_cache_put(cache, src_keys[k], src_hashes[k], in->port_no,
                          true);
        }
        /* A station that moved here changed the table: answers cached
         * before are forgotten before any destination uses them. */
        mac_cache_begin(cache, br->macs, ctx->now_s);
    }

    /* Destinations: from the cache, or left with their hashes (buckets
     * on their way) for the forward stage's lookup. */
    n_miss = 0;
    for (size_t k = 0; k < n_dst; k++) {
        size_t i = dst_idx[k];
        uint32_t h = mac_table_hash_seeded(seed, dst_keys[k]);
        const struct mac_cache_entry *e = mac_cache_find(cache, dst_keys[k],
                                                         h);

        ctx->dst_key[i] = dst_keys[k];
        ctx->dst_hash[i] = h;
        if (e) {
            cached |= UINT32_C(1) << i;
            ctx->dst_port[i] = e->port;
        } else {
            dst_hashes[n_miss++] = h;
        }
    }
    if (n_miss) {
        mac_table_prefetch_hashed(br->macs, dst_hashes, n_miss);
    }
    ctx->dst_cached = cached;
    ctx->dst_hashed = batch;
}

const struct dp_stage_class dp_stage_learn = {
    .name = "learn",
    .run = learn_run,
    .state_size = sizeof(struct mac_cache),
    DP_STAGE_BRIDGE_CONFIG(learn),
    .on_bridge_change = DP_STAGE_FLUSH_BRIDGE_MACS,
};
