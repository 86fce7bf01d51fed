/*
 * bridge-datapaths.h -- the datapaths bridge.c drives, one per datapath
 * type in use.
 *
 * Bridge:datapath_type picks a dpif provider per bridge ("" and "netdev":
 * the userspace datapath).  bridge.c keeps one "struct datapath" per type
 * that some bridge uses: created with its first bridge, destroyed with its
 * last.  During a reconfiguration bridge.c fills each datapath's 'cfg'
 * with the bridges of its type and their ports (port numbers are unique
 * across datapaths), then bridge_dp_push() hands it over -- unless it
 * equals what the datapath already runs and the datapath knobs
 * (Open_vSwitch other_config) are unchanged, which dpif_config_equal()
 * decides without any field list here -- and bridge_dp_finish() destroys
 * the datapaths no bridge used and rebuilds the view that runtime
 * commands read (bridge-private.h).
 *
 * Main thread only.
 */
#ifndef VSWITCHD_BRIDGE_DATAPATHS_H
#define VSWITCHD_BRIDGE_DATAPATHS_H 1

#include <stdbool.h>
#include <stddef.h>
#include "dpif.h"
#include "smap.h"

struct datapath {
    char *type;                 /* Normalized (never ""). */
    struct dpif *dpif;
    bool used;                  /* Some bridge of this pass has the type. */

    /* The last configuration given to the datapath, to skip no-op
     * updates.  Names point into 'last_names'; VLAN sets are its own
     * copies. */
    struct dpif_config last_cfg;
    char **last_names;
    size_t n_last_names;
    bool ever_applied;
    struct smap last_knobs;     /* Open_vSwitch other_config given. */

    /* During a reconfiguration: the configuration being built, in zeroed
     * memory (dpif_config_equal() compares structs bytewise). */
    struct dpif_config cfg;
};

extern struct datapath **bridge_datapaths;
extern size_t bridge_n_datapaths;

#define BRIDGE_DP_FOR_EACH(DP)                                              \
    for (size_t dp_i__ = 0;                                                 \
         dp_i__ < bridge_n_datapaths && ((DP) = bridge_datapaths[dp_i__], 1); \
         dp_i__++)

/* A reconfiguration: bridge_dp_begin() marks every datapath unused;
 * bridge_dp_get() finds or creates the one of a (normalized) type, NULL
 * with '*errorp' set if it cannot be created; bridge.c marks it used and
 * fills its 'cfg'.  bridge_dp_push() gives 'dp' configuration 'cfg' (its
 * 'cfg', or a part of it) and 'knobs' and returns the per-port errors of
 * dpif_reconfigure() (parallel to cfg->ports; NULL if none or if nothing
 * changed; caller frees).
 *
 * A port that moves from one datapath to another (its bridge changed
 * datapath_type) must be let go by the first before the second opens its
 * queues -- a queue has one reader at a time.  So bridge.c pushes in two
 * phases: first every datapath without the ports it takes over from
 * another, then those datapaths with them.
 * bridge_dp_finish() destroys the unused datapaths and updates the view;
 * bridge_dp_free_building() frees every 'cfg'. */
void bridge_dp_begin(void);
struct datapath *bridge_dp_get(const char *type, char **errorp);
char **bridge_dp_push(struct datapath *, const struct dpif_config *,
                      const struct smap *knobs);
void bridge_dp_finish(void);
void bridge_dp_free_building(void);

/* Empties and destroys every datapath (bridge_exit()). */
void bridge_dp_exit(void);

#endif /* bridge-datapaths.h */
