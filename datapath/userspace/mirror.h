/*
 * mirror.h -- port mirroring (SPAN, RSPAN, filtered): which frames a
 * bridge's mirrors select and where their copies go.
 *
 * A mirror (a Mirror row; struct dpif_mirror_config) selects a frame
 *
 *   - on ingress, if the frame enters a port the mirror selects as a
 *     source (select_src_port, or every port with select_all), and
 *
 *   - on egress, once per output port, if the frame leaves a port the
 *     mirror selects as a destination (select_dst_port, or select_all),
 *
 * in both cases only if the frame's VLAN is in the mirror's select_vlan
 * (empty: every VLAN).  The ports carry the selection as two bitmaps of
 * mirrors (struct dpif_mirror_port_config) and the bridge one bitmap per
 * VLAN ('vlan_mirrors'), so selection is two loads and an AND per frame
 * and port.  A frame some mirror selected then passes that mirror's
 * filter, a compiled pcap-filter expression (libpcap's BPF interpreter,
 * on the frame as the pipeline holds it: without the 802.1Q tag that
 * ingress interpreted, so "vlan 10" never matches and select_vlan is how
 * to pick VLANs), or it does not count for that mirror.
 *
 * Each mirror has exactly one destination: a SPAN port, which gets the
 * copy with its own egress VLAN policy (a trunk keeps the frame's tag) and
 * is mirror-only (it receives nothing else and whatever it receives is
 * dropped, see ingress.h), or an RSPAN VLAN: the copy is tagged with that
 * VLAN and sent out of every port of the bridge that carries it (an
 * access port of that VLAN sends it untagged), never to a SPAN port.
 * Several mirrors that select the same frame and share a destination
 * send it one copy, cut to the largest of their snaplens.  A frame that
 * already belongs to an RSPAN VLAN is not copied to that VLAN again.
 *
 * Copies never loop: they are queued straight for output by the
 * "mirror-out" stage, after every stage that could select them, so a copy
 * is never mirrored again, learned from or flooded; and what a SPAN port
 * receives is dropped.  An RSPAN VLAN belongs in the bridge's flood_vlans
 * so that the copies that come back from other switches are not learned.
 *
 * The two stages (mirror.c):
 *
 *   mirror-in   after the VLAN and reserved-multicast checks and before
 *               learning: records, per frame of the batch, the mirrors
 *               that select it on ingress (in struct dp_ctx), so that a
 *               frame the forward stage later drops (destination on the
 *               input port, nowhere to flood) is still mirrored.
 *
 *   mirror-out  after forwarding: adds the mirrors that select each frame
 *               on the ports it was queued to, runs the filters, and
 *               queues one copy per destination.  A copy is the frame
 *               itself with one more reference (no copy) when it leaves
 *               whole -- an RSPAN tag rides in the transmit batch's
 *               per-slot tag -- and a real copy, from a per-thread pool
 *               allocated once, only when snaplen cuts it short.
 *
 * Each mirror counts the frames it selected and its filter passed, and
 * their bytes as copied, in per-thread counters (dpif_mirror_stats()).
 *
 * The functions below are pure, for the stages and the unit tests.
 */
#ifndef MIRROR_H
#define MIRROR_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dpif.h"

/* The mirrors that select a frame of VLAN 'vlan' entering the port
 * configured as 'in', or leaving 'out'. */
static inline uint32_t
mirror_select_ingress(const struct dpif_mirror_bridge_config *mc,
                      const struct dpif_port_config *in, uint16_t vlan)
{
    return in->mirror.src & mc->vlan_mirrors[vlan & 0xfff];
}

static inline uint32_t
mirror_select_egress(const struct dpif_mirror_bridge_config *mc,
                     const struct dpif_port_config *out, uint16_t vlan)
{
    return out->mirror.dst & mc->vlan_mirrors[vlan & 0xfff];
}

/* One destination of a frame's copies. */
struct mirror_dest {
    uint32_t output_port;       /* SPAN port number, or 0... */
    uint16_t output_vlan;       /* ...for this RSPAN VLAN. */
    uint32_t snaplen;           /* Bytes to copy; 0: the whole frame. */
    uint32_t mirrors;           /* The mirrors that send this copy. */
};

/* Fills 'dests' with where the mirrors in 'selected' (of 'mc') send
 * copies of the 'len'-byte 'frame' of VLAN 'vlan': each mirror whose
 * filter passes the frame, one entry per distinct destination.  Returns
 * the number of entries. */
size_t mirror_destinations(const struct dpif_mirror_bridge_config *mc,
                           uint32_t selected, const uint8_t *frame,
                           uint32_t len, uint16_t vlan,
                           struct mirror_dest dests[DPIF_MAX_MIRRORS]);

/* True if the compiled pcap-filter 'prog' accepts the 'len'-byte
 * 'frame'. */
bool mirror_filter_match(const struct bpf_program *prog,
                         const uint8_t *frame, uint32_t len);

#endif /* mirror.h */
