/*
 * vlan.c -- the "vlan" stage (a port's VLAN mode on ingress) and the
 * per-port egress decision the forward and output stages use (vlan.h).
 */
#include <config.h>
#include "vlan.h"

#include "dp-packet.h"
#include "dp-stage.h"
#include "pipeline.h"

static uint16_t
frame_tci(const struct dp_packet *p)
{
    const uint8_t *d = dp_packet_data(p);

    return (uint16_t) (d[14] << 8 | d[15]);
}

const char *
vlan_mode_name(enum dp_vlan_mode mode)
{
    switch (mode) {
    case DP_VLAN_ACCESS:
        return "access";
    case DP_VLAN_TRUNK:
        return "trunk";
    case DP_VLAN_NATIVE_TAGGED:
        return "native-tagged";
    case DP_VLAN_NATIVE_UNTAGGED:
        return "native-untagged";
    case DP_VLAN_DOT1Q_TUNNEL:
        return "dot1q-tunnel";
    }
    return "?";
}

/* Applies a port's policy to a frame with outer tag VID 'vid' (0 if
 * untagged or priority-tagged).  Returns the VLAN, or -1 if the port does
 * not accept it. */
static int
ingress_vlan(const struct dpif_port_config *pc, uint16_t vid)
{
    switch (pc->vlan.mode) {
    case DP_VLAN_ACCESS:
        return vid ? -1 : pc->vlan.tag;

    case DP_VLAN_TRUNK:
        return vlan_set_contains(pc->trunks, vid) ? vid : -1;

    case DP_VLAN_NATIVE_TAGGED:
    case DP_VLAN_NATIVE_UNTAGGED:
        if (!vid) {
            return pc->vlan.tag;
        }
        return (vid == pc->vlan.tag || vlan_set_contains(pc->trunks, vid)
                ? vid : -1);

    case DP_VLAN_DOT1Q_TUNNEL:
        return vlan_set_contains(pc->cvlans, vid) ? pc->vlan.tag : -1;
    }
    return -1;
}

static enum dp_drop_reason
vlan_reject_reason(const struct dpif_port_config *pc)
{
    switch (pc->vlan.mode) {
    case DP_VLAN_ACCESS:
        return DP_DROP_VLAN_TAGGED_ON_ACCESS;
    case DP_VLAN_DOT1Q_TUNNEL:
        return DP_DROP_CVLAN_NOT_ALLOWED;
    case DP_VLAN_TRUNK:
    case DP_VLAN_NATIVE_TAGGED:
    case DP_VLAN_NATIVE_UNTAGGED:
    default:
        return DP_DROP_VLAN_NOT_TRUNKED;
    }
}

/* vlan_ingress_packet(), inlined into the batch loop. */
static inline __attribute__((always_inline)) enum dp_drop_reason
vlan_ingress_one(const struct dpif_port_config *pc, struct dp_packet *p)
{
    uint16_t type = dp_packet_eth_type(p);
    bool tagged = vlan_is_tpid(type);
    uint16_t tci = tagged ? frame_tci(p) : 0;
    int vlan = ingress_vlan(pc, tci & 0xfff);

    if (vlan < 0) {
        return vlan_reject_reason(pc);
    }

    p->vlan = vlan;
    if (pc->vlan.mode == DP_VLAN_DOT1Q_TUNNEL) {
        /* The customer's frame travels as it is, under our outer tag. */
        p->tpid = pc->vlan.qinq_tpid ? pc->vlan.qinq_tpid
                                     : ETH_TYPE_VLAN_8021AD;
        p->pcp = 0;
    } else if (tagged) {
        /* The tag type goes on with a tag that carried the VLAN, and on
         * a trunk with a priority tag too: VLAN 0 then keeps its priority
         * tag on other trunks, as in OVS. */
        p->pcp = tci >> 13;
        p->tpid = (tci & 0xfff) || pc->vlan.mode == DP_VLAN_TRUNK ? type : 0;
        dp_packet_pop_tag(p);
    }
    return DP_DROP_NONE;
}

enum dp_drop_reason
vlan_ingress_packet(const struct dpif_port_config *pc, struct dp_packet *p)
{
    return vlan_ingress_one(pc, p);
}

void
vlan_ingress_batch(const struct dpif_port_config *pc,
                   struct dp_packet_batch *batch)
{
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        if (!p->drop) {
            p->drop = vlan_ingress_one(pc, p);
        }
    }
}

static void
vlan_trace(struct dp_ctx *ctx, const struct dpif_port_config *pc,
           const struct dp_packet *p)
{
    if (p->drop) {
        return;
    }
    if (pc->vlan.mode == DP_VLAN_DOT1Q_TUNNEL) {
        dp_trace(ctx, "%s port: VLAN %u under an outer %04x tag, customer "
                 "VLAN %u", vlan_mode_name(pc->vlan.mode), p->vlan,
                 p->tpid, vlan_frame_cvlan(p));
    } else if (p->tpid || p->pcp) {
        dp_trace(ctx, "%s port: VLAN %u from a %04x tag (PCP %u), tag "
                 "removed", vlan_mode_name(pc->vlan.mode), p->vlan,
                 p->tpid ? p->tpid : ETH_TYPE_VLAN, p->pcp);
    } else {
        dp_trace(ctx, "%s port: VLAN %u", vlan_mode_name(pc->vlan.mode),
                 p->vlan);
    }
}

static void
vlan_run(struct dp_ctx *ctx, const struct dp_port *in,
         struct dp_packet_batch *batch, void *state)
{
    vlan_ingress_batch(&in->cfg, batch);
    if (DP_TRACING(ctx)) {
        vlan_trace(ctx, &in->cfg, batch->packets[0]);
    }
}

const struct dp_stage_class dp_stage_vlan = {
    .name = "vlan",
    .run = vlan_run,
    DP_STAGE_PORT_CONFIG(vlan),
    .port_vlan_sets = (1u << DP_VLAN_SET_TRUNKS) | (1u << DP_VLAN_SET_CVLANS),
    .on_port_change = DP_STAGE_FLUSH_PORT_MACS,
    DP_STAGE_DROPS(DP_DROP_VLAN_TAGGED_ON_ACCESS, DP_DROP_VLAN_NOT_TRUNKED,
                   DP_DROP_CVLAN_NOT_ALLOWED),
};

/* True if a port configured as 'pc' is a member of 'vlan' (for
 * dot1q-tunnel ports, of the outer VLAN; see vlan_egress_allowed() for the
 * rest). */
bool
vlan_port_carries(const struct dpif_port_config *pc, uint16_t vlan)
{
    switch (pc->vlan.mode) {
    case DP_VLAN_ACCESS:
    case DP_VLAN_DOT1Q_TUNNEL:
        return vlan == pc->vlan.tag;
    case DP_VLAN_TRUNK:
        return vlan_set_contains(pc->trunks, vlan);
    case DP_VLAN_NATIVE_TAGGED:
    case DP_VLAN_NATIVE_UNTAGGED:
        /* As in OVS, the native VLAN is always trunked and VLAN 0 never
         * is (untagged frames belong to the native VLAN). */
        return (vlan == pc->vlan.tag
                || (vlan && vlan_set_contains(pc->trunks, vlan)));
    }
    return false;
}

/* The customer VLAN of 'p' as a dot1q-tunnel port sees it: the VID of the
 * tag that is still part of the frame, or 0 if there is none. */
uint16_t
vlan_frame_cvlan(const struct dp_packet *p)
{
    if (dp_packet_size(p) >= ETH_HEADER_LEN + VLAN_HEADER_LEN
        && vlan_is_tpid(dp_packet_eth_type(p))) {
        return frame_tci(p) & 0xfff;
    }
    return 0;
}

/* True if 'p', of VLAN p->vlan, may leave through a port configured as
 * 'pc'. */
bool
vlan_egress_allowed(const struct dpif_port_config *pc,
                    const struct dp_packet *p)
{
    if (!vlan_port_carries(pc, p->vlan)) {
        return false;
    }
    return (pc->vlan.mode != DP_VLAN_DOT1Q_TUNNEL || !pc->cvlans
            || dp_vlan_bitmap_get(pc->cvlans, vlan_frame_cvlan(p)));
}
