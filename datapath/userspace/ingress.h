/*
 * ingress.h -- the checks around the VLAN stage: what no port accepts.
 *
 * Two stages (ingress.c) bracket the "vlan" stage:
 *
 *   ingress   before it: runts (shorter than an Ethernet header), frames
 *             whose 802.1Q/802.1ad tag is cut short (so later stages may
 *             read a whole tag), and every frame received on a mirror
 *             output port (Port's "ingress" settings: mirror_output).
 *
 *   bpdu      after it: the reserved link-local multicast range
 *             01:80:c2:00:00:00-0f (STP, LACP, 802.1X...) unless the
 *             bridge has other_config:forward-bpdu=true (the bridge's
 *             "bpdu" settings).
 *
 * So the checks run in the order runt, truncated tag, mirror output, VLAN,
 * reserved multicast, and each drop is counted under the first reason
 * that applies.  The per-packet functions are pure, for unit tests.
 */
#ifndef INGRESS_H
#define INGRESS_H 1

#include <stdbool.h>
#include <stdint.h>
#include "dp-drop.h"
#include "dp-packet.h"
#include "dpif.h"

/* The "ingress" stage's verdict on 'p', received on a port configured as
 * 'pc'. */
enum dp_drop_reason ingress_check_packet(const struct dpif_port_config *pc,
                                         const struct dp_packet *);

/* True if 'dst' is in 01:80:c2:00:00:00 to 01:80:c2:00:00:0f. */
static inline bool
eth_addr_is_reserved_multicast(const uint8_t *dst)
{
    return dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2
           && dst[3] == 0x00 && dst[4] == 0x00 && (dst[5] & 0xf0) == 0;
}

/* The "bpdu" stage's verdict on 'p' in a bridge configured as 'bc'. */
static inline enum dp_drop_reason
bpdu_check_packet(const struct dpif_bridge_config *bc,
                  const struct dp_packet *p)
{
    return (!bc->bpdu.forward
            && eth_addr_is_reserved_multicast(dp_packet_eth_dst(p))
            ? DP_DROP_RESERVED_MULTICAST : DP_DROP_NONE);
}

#endif /* ingress.h */
