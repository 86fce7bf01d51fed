/*
 * learn.c -- the learning stage: (source MAC, VLAN) -> input port.
 *
 * Runs over the whole batch before any lookup, so a reply in the same
 * batch already finds its sender.  Bursts from one station repeat the
 * same source, so consecutive duplicates are skipped without touching the
 * table at all.
 */
#include <config.h>
#include "pipeline.h"

#include <string.h>

#include "mac-learning.h"

void
learn_batch(const struct dp_bridge *br, const struct dp_port *in,
            struct dp_packet_batch *batch, uint32_t now_s)
{
    const uint8_t *last_src = NULL;
    uint16_t last_vlan = 0;
    struct dp_packet *p;

    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        const uint8_t *src;

        if (p->drop) {
            continue;
        }
        src = dp_packet_eth_src(p);
        if (last_src && p->vlan == last_vlan
            && !memcmp(src, last_src, ETH_ADDR_LEN)) {
            continue;
        }
        last_src = src;
        last_vlan = p->vlan;
        if (mac_table_may_learn(src, p->vlan, br->flood_vlans)) {
            mac_table_learn(br->macs, src, p->vlan, in->port_no, now_s);
        }
    }
}
