/*
 * vlan.h -- 802.1Q VLAN ingress and egress for one port.
 *
 * Every port has a VLAN policy: the "vlan" stage's settings in its
 * configuration (struct dpif_vlan_port_config in dpif.h, from
 * Port:vlan_mode, tag and other_config:qinq-ethtype) and its VLAN sets
 * 'trunks' and 'cvlans'.  The functions here take the port's whole
 * "struct dpif_port_config" and read only those.  On ingress the policy
 * decides which VLAN a frame belongs to, or that it must be dropped; on
 * egress it decides whether the port carries the frame's VLAN and, if so,
 * which tag (if any) the frame leaves with.  The semantics are those of
 * OVS's NORMAL action:
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
 * What no port should accept is dropped by the stages around this one
 * (ingress.h): before it, runts and frames whose 802.1Q/802.1ad tag is cut
 * short (so this stage may read a whole tag) and frames received on a
 * mirror output port; after it, reserved multicast.
 *
 * Thread safety: configurations are immutable parts of a datapath
 * snapshot; every function here is pure apart from editing the packet it
 * is given.
 */
#ifndef VLAN_H
#define VLAN_H 1

#include <stdbool.h>
#include <stdint.h>
#include "dp-drop.h"
#include "dp-packet.h"
#include "dpif.h"

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

/* Ingress: classifies 'p' (metadata freshly reset, at least an Ethernet
 * header and a whole outer tag, if any) for a port configured as 'pc'.
 * Returns a drop reason, or DP_DROP_NONE after setting p->vlan, p->pcp
 * and p->tpid and removing the tag that was interpreted, if any.  The
 * batch form skips frames already dropped. */
enum dp_drop_reason vlan_ingress_packet(const struct dpif_port_config *pc,
                                        struct dp_packet *);
void vlan_ingress_batch(const struct dpif_port_config *pc,
                        struct dp_packet_batch *);

/* "access", "trunk"... as in Port:vlan_mode. */
const char *vlan_mode_name(enum dp_vlan_mode);

/* Egress. */
bool vlan_port_carries(const struct dpif_port_config *pc, uint16_t vlan);
bool vlan_egress_allowed(const struct dpif_port_config *pc,
                         const struct dp_packet *);
uint16_t vlan_frame_cvlan(const struct dp_packet *);

/* Sets '*tpid' and '*tci' to the tag 'p' must leave a port configured as
 * 'pc' with, or '*tpid' to 0 for untagged output. */
static inline void
vlan_egress_tag(const struct dpif_port_config *pc, const struct dp_packet *p,
                uint16_t *tpid, uint16_t *tci)
{
    bool tagged;

    switch (pc->vlan.mode) {
    case DP_VLAN_TRUNK:
        tagged = p->vlan != 0 || p->tpid;   /* Keeps a priority tag. */
        break;
    case DP_VLAN_NATIVE_TAGGED:
        tagged = true;
        break;
    case DP_VLAN_NATIVE_UNTAGGED:
        tagged = p->vlan != pc->vlan.tag;
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
