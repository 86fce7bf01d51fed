/*
 * vlan.h -- 802.1Q VLAN ingress and egress for one port.
 *
 * Every port has a VLAN policy (struct vlan_policy, from Port:vlan_mode,
 * tag, trunks, cvlans and other_config:qinq-ethtype).  On ingress the
 * policy decides which VLAN a frame belongs to, or that it must be
 * dropped; on egress it decides whether the port carries the frame's VLAN
 * and, if so, which tag (if any) the frame leaves with.  The semantics are
 * those of OVS's NORMAL action:
 *
 *   access           untagged or priority-tagged (VID 0) in -> VLAN 'tag';
 *                    a frame with a nonzero VID is dropped; out untagged.
 *   trunk            VLAN = VID, 0 if untagged or priority-tagged; a VLAN
 *                    outside 'trunks' (NULL = all) is dropped; out tagged
 *                    unless VLAN 0 (a priority tag received with a VLAN 0
 *                    frame is kept, as in OVS).
 *   native-tagged    untagged or priority-tagged in -> VLAN 'tag'; tagged
 *                    in -> VLAN = VID, which must be 'tag' or in 'trunks';
 *                    carries 'tag' and 'trunks' but never VLAN 0 (as in
 *                    OVS); out always tagged.
 *   native-untagged  as native-tagged, except the native VLAN goes out
 *                    untagged.
 *   dot1q-tunnel     every frame belongs to VLAN 'tag' under an outer tag
 *                    of type 'qinq_tpid'; the frame's own (customer) tag,
 *                    if any, stays in the payload and its VID (0 when
 *                    untagged) must be in 'cvlans' (NULL = all), on input
 *                    and on output; out with the outer tag removed.
 *
 * Inside the pipeline frames are kept as received minus the tag that
 * ingress interpreted: 'vlan', 'pcp' and 'tpid' in struct dp_packet say
 * what that tag was ('tpid' 0 if there was none, or if the port supplied
 * the VLAN), and egress re-creates a tag from them per output port (the
 * netdev inserts it while copying out).  Only the outer tag is
 * interpreted: a second, inner tag remains part of the payload.  Tagged
 * output keeps the frame's priority (PCP) and its tag type: 802.1ad if it
 * came in that way or from a dot1q-tunnel port, else 802.1Q.
 *
 * Ingress also drops what no port should accept: runts (shorter than an
 * Ethernet header), frames whose 802.1Q/802.1ad tag is cut short, frames
 * received on a mirror output port, and the reserved link-local multicast
 * range 01:80:c2:00:00:00-0f (STP, LACP, 802.1X...) unless the bridge has
 * other_config:forward-bpdu=true.  The checks run in that order, with the
 * VLAN check before the reserved-multicast one, so each drop is counted
 * under the first reason that applies.
 *
 * Thread safety: policies are immutable parts of a datapath snapshot;
 * every function here is pure apart from editing the packet it is given.
 */
#ifndef VLAN_H
#define VLAN_H 1

#include <stdbool.h>
#include <stdint.h>
#include "dp-drop.h"
#include "dp-packet.h"
#include "dpif.h"

struct vlan_policy {
    enum dp_vlan_mode mode;
    uint16_t tag;               /* Access/native VLAN, or tunnel VLAN. */
    uint16_t qinq_tpid;         /* Outer tag type for dot1q-tunnel. */
    const struct dp_vlan_bitmap *trunks;    /* NULL: every VLAN. */
    const struct dp_vlan_bitmap *cvlans;    /* NULL: every inner VLAN. */
};

/* The ingress context of a port: its policy plus the two facts that make
 * it drop everything or reserved multicast. */
struct vlan_ingress {
    const struct vlan_policy *policy;
    bool mirror_output;         /* Drop everything (MIRROR_OUTPUT). */
    bool forward_bpdu;          /* The bridge forwards 01:80:c2:00:00:0x. */
};

static inline bool
vlan_is_tpid(uint16_t type)
{
    return type == ETH_TYPE_VLAN || type == ETH_TYPE_VLAN_8021AD;
}

/* True if 'vlan' is in 'set', where NULL means every VLAN. */
static inline bool
vlan_set_contains(const struct dp_vlan_bitmap *set, uint16_t vlan)
{
    return !set || dp_vlan_bitmap_get(set, vlan);
}

/* Ingress. */
enum dp_drop_reason vlan_ingress_packet(const struct vlan_ingress *,
                                        struct dp_packet *);
void vlan_ingress_batch(const struct vlan_ingress *,
                        struct dp_packet_batch *);

/* Egress. */
bool vlan_policy_carries(const struct vlan_policy *, uint16_t vlan);
bool vlan_egress_allowed(const struct vlan_policy *,
                         const struct dp_packet *);
uint16_t vlan_frame_cvlan(const struct dp_packet *);

/* Sets '*tpid' and '*tci' to the tag 'p' must leave a port of 'policy'
 * with, or '*tpid' to 0 for untagged output. */
static inline void
vlan_egress_tag(const struct vlan_policy *policy, const struct dp_packet *p,
                uint16_t *tpid, uint16_t *tci)
{
    bool tagged;

    switch (policy->mode) {
    case DP_VLAN_TRUNK:
        tagged = p->vlan != 0 || p->tpid;   /* Keeps a priority tag. */
        break;
    case DP_VLAN_NATIVE_TAGGED:
        tagged = true;
        break;
    case DP_VLAN_NATIVE_UNTAGGED:
        tagged = p->vlan != policy->tag;
        break;
    case DP_VLAN_ACCESS:
    case DP_VLAN_DOT1Q_TUNNEL:
    default:
        tagged = false;
        break;
    }
    if (tagged) {
        *tpid = p->tpid ? p->tpid : ETH_TYPE_VLAN;
        *tci = (uint16_t) (p->pcp << 13) | p->vlan;
    } else {
        *tpid = 0;
        *tci = 0;
    }
}

#endif /* vlan.h */
