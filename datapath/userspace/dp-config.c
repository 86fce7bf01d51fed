/*
 * dp-config.c -- building and freeing datapath snapshots (dp-config.h).
 * Configurations are copied whole; nothing here knows a stage's fields.
 */
#include <config.h>
#include "dp-config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
init_port(struct dp_port *port, uint32_t index,
          const struct dpif_port_config *pc,
          const struct dp_port_runtime *rt)
{
    port->port_no = pc->port_no;
    port->index = index;
    port->slot = rt->slot;
    port->bridge = pc->bridge;
    port->netdev = pc->netdev;
    port->offloads = rt->offloads;
    port->n_rxq = rt->n_rxq;
    port->shaper = rt->shaper;

    memcpy(&port->cfg, pc, sizeof port->cfg);
    port->cfg.name = xstrdup(pc->name ? pc->name : "");
    dpif_port_config_clone_sets(&port->cfg);
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

        memcpy(&br->cfg, bc, sizeof br->cfg);
        br->cfg.name = xstrdup(bc->name ? bc->name : "");
        br->macs = tables[i];
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

/* Spreads the receive queues (not the ports) over the threads, as the
 * runtime says. */
static void
init_rx_lists(struct dp_snapshot *s, const struct dp_port_runtime *rt,
              const uint32_t *cfg_of_port)
{
    size_t n_queues = 0;

    for (size_t i = 0; i < s->n_ports; i++) {
        n_queues += rt[cfg_of_port[i]].n_rxq;
    }
    s->rx = xcalloc(s->n_threads, sizeof *s->rx);
    for (unsigned int t = 0; t < s->n_threads; t++) {
        s->rx[t].queues = xcalloc(n_queues + 1, sizeof *s->rx[t].queues);
    }
    for (size_t i = 0; i < s->n_ports; i++) {
        const struct dp_port_runtime *r = &rt[cfg_of_port[i]];

        for (unsigned int q = 0; q < r->n_rxq; q++) {
            struct dp_rx_list *list;

            if (!r->rxqs[q] || r->threads[q] >= s->n_threads) {
                continue;       /* Between two threads (dpif-userspace.c). */
            }
            list = &s->rx[r->threads[q]];
            list->queues[list->n].port = i;
            list->queues[list->n].rxq = r->rxqs[q];
            list->queues[list->n].stats = (r->rxq_stats ? &r->rxq_stats[q]
                                           : NULL);
            list->n++;
        }
    }
}

/* Builds a snapshot of the ports of 'cfg' whose 'rt' entry is active.
 * 'tables' has one MAC table per bridge of 'cfg'. */
struct dp_snapshot *
dp_snapshot_create(const struct dpif_config *cfg,
                   const struct dp_port_runtime *rt,
                   struct mac_table *const *tables, unsigned int n_threads,
                   const struct dp_thread_knobs *knobs)
{
    struct dp_snapshot *s = xzalloc(sizeof *s);
    uint32_t *cfg_of_port = xcalloc(cfg->n_ports + 1, sizeof *cfg_of_port);
    size_t n_index = 16;

    s->n_threads = n_threads ? n_threads : 1;
    if (knobs) {
        s->idle_spin_ns = knobs->idle_spin_us * 1000LL;
        s->tx_flush_ns = knobs->tx_flush_us * 1000LL;
    }
    init_bridges(s, cfg, tables);

    s->ports = xcalloc(cfg->n_ports + 1, sizeof *s->ports);
    s->shaped = xcalloc(cfg->n_ports + 1, sizeof *s->shaped);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        const struct dpif_port_config *pc = &cfg->ports[i];
        struct dp_port *port;

        if (!rt[i].active || pc->bridge >= cfg->n_bridges) {
            continue;
        }
        port = &s->ports[s->n_ports];
        init_port(port, s->n_ports, pc, &rt[i]);
        cfg_of_port[s->n_ports++] = i;
        if (port->shaper) {
            s->shaped[s->n_shaped++] = port->index;
        }
        if (!port->cfg.ingress.mirror_output) {
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
        free((void *) s->ports[i].cfg.name);
        dpif_port_config_free_sets(&s->ports[i].cfg);
    }
    for (size_t i = 0; i < s->n_bridges; i++) {
        free((void *) s->bridges[i].cfg.name);
        free(s->bridges[i].flood);
    }
    for (unsigned int t = 0; t < s->n_threads; t++) {
        free(s->rx[t].queues);
    }
    free(s->rx);
    free(s->index);
    free(s->shaped);
    free(s->ports);
    free(s->bridges);
    free(s);
}
