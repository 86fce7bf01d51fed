/*
 * dp-config.c -- building and freeing datapath snapshots.
 */
#include <config.h>
#include "dp-config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A private copy of 'set' (NULL means every VLAN). */
static const struct dp_vlan_bitmap *
copy_vlan_set(const struct dp_vlan_bitmap *set)
{
    return set ? xmemdup(set, sizeof *set) : NULL;
}

static bool
vlan_bitmap_is_empty(const struct dp_vlan_bitmap *set)
{
    for (size_t i = 0; i < ARRAY_SIZE(set->bits); i++) {
        if (set->bits[i]) {
            return false;
        }
    }
    return true;
}

static void
init_port(struct dp_port *port, uint32_t index,
          const struct dpif_port_config *pc,
          const struct dp_port_runtime *rt, const struct dp_bridge *br)
{
    port->port_no = pc->port_no;
    port->index = index;
    port->slot = rt->slot;
    port->bridge = pc->bridge;
    port->name = xstrdup(pc->name ? pc->name : "");
    port->netdev = pc->netdev;
    port->rxq = rt->rxq;

    port->vlan.mode = pc->vlan_mode;
    port->vlan.tag = pc->tag & 0xfff;
    port->vlan.qinq_tpid = pc->qinq_tpid ? pc->qinq_tpid
                                         : ETH_TYPE_VLAN_8021AD;
    port->vlan.trunks = copy_vlan_set(pc->trunks);
    port->vlan.cvlans = copy_vlan_set(pc->cvlans);

    port->ingress.policy = &port->vlan;
    port->ingress.mirror_output = pc->mirror_output;
    port->ingress.forward_bpdu = br->forward_bpdu;

    port->mirror_output = pc->mirror_output;
    port->offloads = rt->offloads;
    port->mtu = pc->mtu > 0 ? pc->mtu : 0;
}

static void
init_bridges(struct dp_snapshot *s, const struct dpif_config *cfg,
             struct mac_table *const *tables)
{
    s->n_bridges = cfg->n_bridges;
    s->bridges = xcalloc(s->n_bridges + 1, sizeof *s->bridges);
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        const struct dpif_bridge_config *bc = &cfg->bridges[i];
        struct dp_bridge *br = &s->bridges[i];

        br->name = xstrdup(bc->name ? bc->name : "");
        br->macs = tables[i];
        br->flood_vlans = (vlan_bitmap_is_empty(&bc->flood_vlans) ? NULL
                           : xmemdup(&bc->flood_vlans,
                                     sizeof bc->flood_vlans));
        br->forward_bpdu = bc->forward_bpdu;
        br->flood = xcalloc(cfg->n_ports + 1, sizeof *br->flood);
    }
}

static void
index_port(struct dp_snapshot *s, const struct dp_port *port)
{
    for (uint32_t h = dp_port_hash(port->port_no); ; h++) {
        if (!s->index[h & s->index_mask]) {
            s->index[h & s->index_mask] = port->index + 1;
            return;
        }
    }
}

static void
init_rx_lists(struct dp_snapshot *s, const struct dp_port_runtime *rt,
              const uint32_t *cfg_of_port)
{
    s->rx = xcalloc(s->n_threads, sizeof *s->rx);
    for (unsigned int t = 0; t < s->n_threads; t++) {
        s->rx[t].ports = xcalloc(s->n_ports + 1, sizeof *s->rx[t].ports);
    }
    for (size_t i = 0; i < s->n_ports; i++) {
        const struct dp_port_runtime *r = &rt[cfg_of_port[i]];
        struct dp_rx_list *list = &s->rx[r->thread % s->n_threads];

        if (s->ports[i].rxq) {
            list->ports[list->n++] = i;
        }
    }
}

/* Builds a snapshot of the ports of 'cfg' whose 'rt' entry is active.
 * 'tables' has one MAC table per bridge of 'cfg'. */
struct dp_snapshot *
dp_snapshot_create(const struct dpif_config *cfg,
                   const struct dp_port_runtime *rt,
                   struct mac_table *const *tables, unsigned int n_threads,
                   unsigned int idle_spin_us)
{
    struct dp_snapshot *s = xzalloc(sizeof *s);
    uint32_t *cfg_of_port = xcalloc(cfg->n_ports + 1, sizeof *cfg_of_port);
    size_t n_index = 16;

    s->n_threads = n_threads ? n_threads : 1;
    s->idle_spin_ns = idle_spin_us * 1000LL;
    init_bridges(s, cfg, tables);

    s->ports = xcalloc(cfg->n_ports + 1, sizeof *s->ports);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        const struct dpif_port_config *pc = &cfg->ports[i];
        struct dp_port *port;

        if (!rt[i].active || pc->bridge >= cfg->n_bridges) {
            continue;
        }
        port = &s->ports[s->n_ports];
        init_port(port, s->n_ports, pc, &rt[i], &s->bridges[pc->bridge]);
        cfg_of_port[s->n_ports++] = i;
        if (!port->mirror_output) {
            struct dp_bridge *br = &s->bridges[pc->bridge];
            br->flood[br->n_flood++] = port->index;
        }
    }

    while (n_index < 2 * s->n_ports) {
        n_index *= 2;
    }
    s->index = xcalloc(n_index, sizeof *s->index);
    s->index_mask = n_index - 1;
    for (size_t i = 0; i < s->n_ports; i++) {
        index_port(s, &s->ports[i]);
    }

    init_rx_lists(s, rt, cfg_of_port);
    free(cfg_of_port);
    return s;
}

void
dp_snapshot_destroy(struct dp_snapshot *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n_ports; i++) {
        free(s->ports[i].name);
        free((void *) s->ports[i].vlan.trunks);
        free((void *) s->ports[i].vlan.cvlans);
    }
    for (size_t i = 0; i < s->n_bridges; i++) {
        free(s->bridges[i].name);
        free((void *) s->bridges[i].flood_vlans);
        free(s->bridges[i].flood);
    }
    for (unsigned int t = 0; t < s->n_threads; t++) {
        free(s->rx[t].ports);
    }
    free(s->rx);
    free(s->index);
    free(s->ports);
    free(s->bridges);
    free(s);
}
