/*
 * vlan.c -- the VLAN ingress stage and the per-port egress decision.
 */
#include <config.h>
#include "vlan.h"

#include "dp-packet.h"

/* True if 'dst' is in 01:80:c2:00:00:00 to 01:80:c2:00:00:0f. */
static bool
is_reserved_multicast(const uint8_t *dst)
{
    return dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2
           && dst[3] == 0x00 && dst[4] == 0x00 && (dst[5] & 0xf0) == 0;
}

static uint16_t
frame_tci(const struct dp_packet *p)
{
    const uint8_t *d = dp_packet_data(p);

    return (uint16_t) (d[14] << 8 | d[15]);
}

/* Applies a trunk-like or native port's policy to a frame with outer tag
 * VID 'vid' (0 if untagged or priority-tagged).  Returns the VLAN, or -1
 * if the port does not accept it. */
static int
ingress_vlan(const struct vlan_policy *policy, uint16_t vid)
{
    switch (policy->mode) {
    case DP_VLAN_ACCESS:
        return vid ? -1 : policy->tag;

    case DP_VLAN_TRUNK:
        return vlan_set_contains(policy->trunks, vid) ? vid : -1;

    case DP_VLAN_NATIVE_TAGGED:
    case DP_VLAN_NATIVE_UNTAGGED:
        if (!vid) {
            return policy->tag;
        }
        return (vid == policy->tag || vlan_set_contains(policy->trunks, vid)
                ? vid : -1);

    case DP_VLAN_DOT1Q_TUNNEL:
        return vlan_set_contains(policy->cvlans, vid) ? policy->tag : -1;
    }
    return -1;
}

static enum dp_drop_reason
vlan_reject_reason(const struct vlan_policy *policy)
{
    switch (policy->mode) {
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

/* Classifies 'p' (metadata freshly reset) for a port of 'in': returns a
 * drop reason, or DP_DROP_NONE after setting p->vlan, p->pcp and p->tpid
 * and removing the tag that was interpreted, if any. */
enum dp_drop_reason
vlan_ingress_packet(const struct vlan_ingress *in, struct dp_packet *p)
{
    const struct vlan_policy *policy = in->policy;
    uint16_t type, tci = 0;
    bool tagged;
    int vlan;

    if (dp_packet_size(p) < ETH_HEADER_LEN) {
        return DP_DROP_RUNT;
    }
    type = dp_packet_eth_type(p);
    tagged = vlan_is_tpid(type);
    if (tagged) {
        if (dp_packet_size(p) < ETH_HEADER_LEN + VLAN_HEADER_LEN) {
            return DP_DROP_TRUNCATED_VLAN;
        }
        tci = frame_tci(p);
    }
    if (in->mirror_output) {
        return DP_DROP_MIRROR_OUTPUT;
    }

    vlan = ingress_vlan(policy, tci & 0xfff);
    if (vlan < 0) {
        return vlan_reject_reason(policy);
    }
    if (!in->forward_bpdu && is_reserved_multicast(dp_packet_eth_dst(p))) {
        return DP_DROP_RESERVED_MULTICAST;
    }

    p->vlan = vlan;
    if (policy->mode == DP_VLAN_DOT1Q_TUNNEL) {
        /* The customer's frame travels as it is, under our outer tag. */
        p->tpid = policy->qinq_tpid ? policy->qinq_tpid
                                    : ETH_TYPE_VLAN_8021AD;
        p->pcp = 0;
    } else if (tagged) {
        /* The tag type goes on with a tag that carried the VLAN, and on
         * a trunk with a priority tag too: VLAN 0 then keeps its priority
         * tag on other trunks, as in OVS. */
        p->pcp = tci >> 13;
        p->tpid = (tci & 0xfff) || policy->mode == DP_VLAN_TRUNK ? type : 0;
        dp_packet_pop_tag(p);
    }
    return DP_DROP_NONE;
}

void
vlan_ingress_batch(const struct vlan_ingress *in,
                   struct dp_packet_batch *batch)
{
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        if (!p->drop) {
            p->drop = vlan_ingress_packet(in, p);
        }
    }
}

/* True if a port of 'policy' is a member of 'vlan' (for dot1q-tunnel
 * ports, of the outer VLAN; see vlan_egress_allowed() for the rest). */
bool
vlan_policy_carries(const struct vlan_policy *policy, uint16_t vlan)
{
    switch (policy->mode) {
    case DP_VLAN_ACCESS:
    case DP_VLAN_DOT1Q_TUNNEL:
        return vlan == policy->tag;
    case DP_VLAN_TRUNK:
        return vlan_set_contains(policy->trunks, vlan);
    case DP_VLAN_NATIVE_TAGGED:
    case DP_VLAN_NATIVE_UNTAGGED:
        /* As in OVS, the native VLAN is always trunked and VLAN 0 never
         * is (untagged frames belong to the native VLAN). */
        return (vlan == policy->tag
                || (vlan && vlan_set_contains(policy->trunks, vlan)));
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

/* True if 'p', of VLAN p->vlan, may leave through a port of 'policy'. */
bool
vlan_egress_allowed(const struct vlan_policy *policy,
                    const struct dp_packet *p)
{
    if (!vlan_policy_carries(policy, p->vlan)) {
        return false;
    }
    return (policy->mode != DP_VLAN_DOT1Q_TUNNEL || !policy->cvlans
            || dp_vlan_bitmap_get(policy->cvlans, vlan_frame_cvlan(p)));
}
