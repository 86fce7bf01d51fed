/*
 * bridge-datapaths.c -- one datapath per datapath type in use, and the
 * view of what they run (bridge-datapaths.h).
 */
#include <config.h>
#include "bridge-datapaths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge-private.h"
#include "netdev.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(bridge_datapaths);

struct datapath **bridge_datapaths;
size_t bridge_n_datapaths;

/* What the datapaths run now, for fdb/show and dpif/show. */
struct bridge_view bridge_view;

static void forget_config(struct datapath *);

/* Frees 'n' port configurations' VLAN sets and the array. */
static void
free_port_configs(struct dpif_port_config *ports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dpif_port_config_free_sets(&ports[i]);
    }
    free(ports);
}

static void
view_clear(void)
{
    free(bridge_view.bridges);
    free(bridge_view.ports);
    free(bridge_view.dpifs);
    memset(&bridge_view, 0, sizeof bridge_view);
}

static struct datapath *
datapath_find(const char *type)
{
    for (size_t i = 0; i < bridge_n_datapaths; i++) {
        if (!strcmp(bridge_datapaths[i]->type, type)) {
            return bridge_datapaths[i];
        }
    }
    return NULL;
}

/* The datapath of normalized 'type', created if needed; NULL with
 * '*errorp' set if it cannot be. */
struct datapath *
bridge_dp_get(const char *type, char **errorp)
{
    struct datapath *dp = datapath_find(type);
    struct dpif *dpif;
    int error;

    if (dp) {
        return dp;
    }
    error = dpif_create(type, type, &dpif);
    if (error) {
        *errorp = xasprintf("could not create the %s datapath (%s)", type,
                            strerror(error));
        return NULL;
    }
    dp = xzalloc(sizeof *dp);
    dp->type = xstrdup(type);
    dp->dpif = dpif;
    smap_init(&dp->last_knobs);
    bridge_datapaths = xrealloc(bridge_datapaths, (bridge_n_datapaths + 1)
                                * sizeof *bridge_datapaths);
    bridge_datapaths[bridge_n_datapaths++] = dp;
    VLOG_INFO("created the %s datapath", type);
    return dp;
}

/* Frees the configuration being built for 'dp' in a reconfiguration. */
static void
free_building_config(struct datapath *dp)
{
    struct dpif_config *cfg = &dp->cfg;

    free(cfg->bridges);
    free_port_configs(cfg->ports, cfg->n_ports);
    memset(cfg, 0, sizeof *cfg);
}

/* Stops and frees 'dp' (its ports must have been removed).  A datapath
 * that the reconfiguration in progress found unused still holds the
 * (empty) configuration that pass built for it. */
static void
datapath_destroy(struct datapath *dp)
{
    VLOG_INFO("destroyed the %s datapath", dp->type);
    dpif_destroy(dp->dpif);
    forget_config(dp);
    free_building_config(dp);
    smap_destroy(&dp->last_knobs);
    free(dp->type);
    free(dp);
}

/* Destroys the datapaths no bridge used in this pass; the caller has
 * already given them an empty configuration. */
static void
destroy_unused_datapaths(void)
{
    size_t n = 0;

    for (size_t i = 0; i < bridge_n_datapaths; i++) {
        if (bridge_datapaths[i]->used) {
            bridge_datapaths[n++] = bridge_datapaths[i];
        } else {
            datapath_destroy(bridge_datapaths[i]);
        }
    }
    bridge_n_datapaths = n;
}

/* Whether 'cfg' is what the datapath already has: the datapath's own
 * comparison, so that no list of fields lives here. */
static bool
config_unchanged(const struct datapath *dp, const struct dpif_config *cfg)
{
    return dp->ever_applied && dpif_config_equal(cfg, &dp->last_cfg);
}

/* A copy of 'name' in 'dp->last_names', which has room for it. */
static char *
keep_name(struct datapath *dp, const char *name)
{
    return dp->last_names[dp->n_last_names++] = xstrdup(name);
}

static void
forget_config(struct datapath *dp)
{
    for (size_t i = 0; i < dp->n_last_names; i++) {
        free(dp->last_names[i]);
    }
    dp->n_last_names = 0;
    free(dp->last_cfg.bridges);
    free(dp->last_names);
    dp->last_names = NULL;
    free_port_configs(dp->last_cfg.ports, dp->last_cfg.n_ports);
    memset(&dp->last_cfg, 0, sizeof dp->last_cfg);
    dp->ever_applied = false;
}

/* Remembers 'cfg' as what 'dp' runs, leaving out the ports whose entry in
 * 'errors' (if nonnull) says the datapath refused them: their devices are
 * about to be closed, and the view must not list them. */
static void
remember_config(struct datapath *dp, const struct dpif_config *cfg,
                char **errors)
{
    struct dpif_config *last = &dp->last_cfg;

    forget_config(dp);
    dp->last_names = xmalloc((cfg->n_bridges + cfg->n_ports + 1)
                             * sizeof *dp->last_names);
    *last = *cfg;
    /* An unused datapath's configuration has no arrays at all. */
    last->bridges = xcalloc(cfg->n_bridges + 1, sizeof *cfg->bridges);
    memcpy(last->bridges, cfg->bridges ? cfg->bridges : last->bridges,
           cfg->n_bridges * sizeof *cfg->bridges);
    last->ports = xcalloc(cfg->n_ports + 1, sizeof *cfg->ports);
    last->n_ports = 0;
    for (size_t i = 0; i < cfg->n_ports; i++) {
        if (!errors || !errors[i]) {
            last->ports[last->n_ports++] = cfg->ports[i];
        }
    }
    for (size_t i = 0; i < cfg->n_bridges; i++) {
        last->bridges[i].name = keep_name(dp, cfg->bridges[i].name);
    }
    for (size_t i = 0; i < last->n_ports; i++) {
        last->ports[i].name = keep_name(dp, last->ports[i].name);
        dpif_port_config_clone_sets(&last->ports[i]);
    }
    dp->ever_applied = true;
}

/* Makes the view show what every datapath runs (their 'last_cfg', whose
 * names stay valid until the next update). */
static void
update_view(void)
{
    size_t n_bridges = 0, n_ports = 0;

    view_clear();
    for (size_t d = 0; d < bridge_n_datapaths; d++) {
        n_bridges += bridge_datapaths[d]->last_cfg.n_bridges;
        n_ports += bridge_datapaths[d]->last_cfg.n_ports;
    }
    bridge_view.bridges = xcalloc(n_bridges + 1,
                                  sizeof *bridge_view.bridges);
    bridge_view.ports = xcalloc(n_ports + 1, sizeof *bridge_view.ports);
    bridge_view.dpifs = xcalloc(bridge_n_datapaths + 1,
                                sizeof *bridge_view.dpifs);
    for (size_t d = 0; d < bridge_n_datapaths; d++) {
        const struct dpif_config *cfg = &bridge_datapaths[d]->last_cfg;
        size_t first = bridge_view.n_bridges;

        bridge_view.dpifs[bridge_view.n_dpifs++] = bridge_datapaths[d]->dpif;
        for (size_t i = 0; i < cfg->n_bridges; i++) {
            struct bridge_view_bridge *vb
                = &bridge_view.bridges[bridge_view.n_bridges++];

            vb->name = cfg->bridges[i].name;
            vb->dpif = bridge_datapaths[d]->dpif;
            vb->index = i;
        }
        for (size_t i = 0; i < cfg->n_ports; i++) {
            struct bridge_view_port *vp
                = &bridge_view.ports[bridge_view.n_ports++];

            vp->port_no = cfg->ports[i].port_no;
            vp->name = cfg->ports[i].name;
            vp->type = netdev_get_type(cfg->ports[i].netdev);
            vp->bridge = first + cfg->ports[i].bridge;
        }
    }
}

char **
bridge_dp_push(struct datapath *dp, const struct dpif_config *cfg,
               const struct smap *knobs)
{
    bool knobs_changed = !smap_equal(knobs, &dp->last_knobs);
    char **errors = NULL;
    bool failed = false;

    if (knobs_changed) {
        char *error = NULL;

        if (dpif_set_config(dp->dpif, knobs, &error)) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);

            VLOG_WARN_RL(&rl, "%s datapath: %s (keeping the previous value)",
                      dp->type, error);
        }
        free(error);
        smap_destroy(&dp->last_knobs);
        smap_clone(&dp->last_knobs, knobs);
    }
    if (!knobs_changed && config_unchanged(dp, cfg)) {
        return NULL;
    }
    dpif_reconfigure(dp->dpif, cfg, &errors);
    for (size_t i = 0; errors && i < cfg->n_ports; i++) {
        failed |= errors[i] != NULL;
    }
    remember_config(dp, cfg, errors);
    if (failed) {
        /* The failed ports' devices are closed by the caller and a new one
         * may get the same address, so the next pass must not trust a
         * comparison with this configuration: it goes to the datapath. */
        dp->ever_applied = false;
    } else {
        free(errors);
        errors = NULL;
    }
    return errors;
}

void
bridge_dp_begin(void)
{
    struct datapath *dp;

    BRIDGE_DP_FOR_EACH (dp) {
        dp->used = false;
    }
}

void
bridge_dp_finish(void)
{
    destroy_unused_datapaths();
    update_view();
}

void
bridge_dp_free_building(void)
{
    struct datapath *dp;

    BRIDGE_DP_FOR_EACH (dp) {
        free_building_config(dp);
    }
}

void
bridge_dp_exit(void)
{
    struct dpif_config empty;
    struct datapath *dp;

    memset(&empty, 0, sizeof empty);
    BRIDGE_DP_FOR_EACH (dp) {
        dpif_reconfigure(dp->dpif, &empty, NULL);
        dp->used = false;
    }
    destroy_unused_datapaths();
    free(bridge_datapaths);
    bridge_datapaths = NULL;
    view_clear();
}
