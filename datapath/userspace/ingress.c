/*
 * ingress.c -- the "ingress" and "bpdu" stages: frame validity and mirror
 * output ports before the VLAN stage, reserved multicast after it
 * (ingress.h).
 */
#include <config.h>
#include "ingress.h"

#include <inttypes.h>

#include "dp-config.h"
#include "dp-stage.h"
#include "pipeline.h"
#include "vlan.h"

enum dp_drop_reason
ingress_check_packet(const struct dpif_port_config *pc,
                     const struct dp_packet *p)
{
    if (dp_packet_size(p) < ETH_HEADER_LEN) {
        return DP_DROP_RUNT;
    }
    if (vlan_is_tpid(dp_packet_eth_type(p))
        && dp_packet_size(p) < ETH_HEADER_LEN + VLAN_HEADER_LEN) {
        return DP_DROP_TRUNCATED_VLAN;
    }
    if (pc->ingress.mirror_output) {
        return DP_DROP_MIRROR_OUTPUT;
    }
    return DP_DROP_NONE;
}

static void
ingress_run(struct dp_ctx *ctx, const struct dp_port *in,
            struct dp_packet_batch *batch, void *state)
{
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        if (!p->drop) {
            p->drop = ingress_check_packet(&in->cfg, p);
        }
    }
    if (DP_TRACING(ctx) && !batch->packets[0]->drop) {
        dp_trace(ctx, "%"PRIu32"-byte frame accepted",
                 dp_packet_size(batch->packets[0]));
    }
}

const struct dp_stage_class dp_stage_ingress = {
    .name = "ingress",
    .run = ingress_run,
    DP_STAGE_PORT_CONFIG(ingress),
    .on_port_change = DP_STAGE_FLUSH_PORT_MACS,
    DP_STAGE_DROPS(DP_DROP_RUNT, DP_DROP_TRUNCATED_VLAN,
                   DP_DROP_MIRROR_OUTPUT),
};

static void
bpdu_run(struct dp_ctx *ctx, const struct dp_port *in,
         struct dp_packet_batch *batch, void *state)
{
    const struct dpif_bridge_config *bc = &ctx->snap->bridges[in->bridge].cfg;
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        if (!p->drop) {
            p->drop = bpdu_check_packet(bc, p);
        }
    }
    if (DP_TRACING(ctx) && !batch->packets[0]->drop) {
        p = batch->packets[0];
        dp_trace(ctx, "%s",
                 !eth_addr_is_reserved_multicast(dp_packet_eth_dst(p))
                 ? "not reserved multicast"
                 : "reserved multicast forwarded (forward-bpdu=true)");
    }
}

const struct dp_stage_class dp_stage_bpdu = {
    .name = "bpdu",
    .run = bpdu_run,
    DP_STAGE_BRIDGE_CONFIG(bpdu),
    DP_STAGE_DROPS(DP_DROP_RESERVED_MULTICAST),
};
