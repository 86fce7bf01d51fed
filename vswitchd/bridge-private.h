/*
 * bridge-private.h -- what bridge.c shares with bridge-cmds.c, its runtime
 * commands: the datapath and a view of what it runs.
 */
#ifndef VSWITCHD_BRIDGE_PRIVATE_H
#define VSWITCHD_BRIDGE_PRIVATE_H 1

#include <stddef.h>
#include <stdint.h>

struct db_row_change;
struct db_txn;
struct dpif;

struct bridge_view_bridge {
    const char *name;
    struct dpif *dpif;          /* The datapath of its datapath_type. */
    uint32_t index;             /* Its index in that datapath. */
};

struct bridge_view_port {
    uint32_t port_no;           /* Unique across datapaths. */
    const char *name;
    const char *type;           /* A netdev class's name. */
    uint32_t bridge;            /* Index into 'bridges'. */
};

/* The bridges and ports last handed to the datapaths, grouped by
 * datapath.  The names belong to bridge.c's copies of those
 * configurations. */
struct bridge_view {
    struct bridge_view_bridge *bridges;
    size_t n_bridges;
    struct bridge_view_port *ports;
    size_t n_ports;
    struct dpif **dpifs;        /* Every datapath, in creation order. */
    size_t n_dpifs;
};

extern struct bridge_view bridge_view;

void bridge_cmds_register(void);

/* Messages for a Bridge:datapath_type or Interface:type the switch does
 * not have, naming the valid ones (malloc'd). */
char *bridge_bad_dp_type_error(const char *type);
char *bridge_bad_iface_type_error(const char *type);

/* Why 'name' cannot be a Linux network device name (a constant phrase
 * like "must be 1 to 15 bytes long"), or NULL if it can. */
const char *bridge_ifname_problem(const char *name);

/* The commit-time check of bridge-validate.c (a db_validate_cb). */
char *bridge_validate(void *aux, struct db_txn *,
                      const struct db_row_change *, size_t n);

#endif /* bridge-private.h */
