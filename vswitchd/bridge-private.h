/*
 * bridge-private.h -- what the files of the reconciler share among
 * themselves: bridge.c (the reconfiguration plan and the main loop),
 * bridge-rows.c (the schema's columns, rows into datapath settings),
 * bridge-ifaces.c (the open interfaces, link events), bridge-state.c
 * (what is written back to the database: interface state, statistics,
 * cur_cfg), and the runtime commands of bridge-cmds.c: the datapath and a
 * view of what it runs.
 *
 * Main thread only.
 */
#ifndef VSWITCHD_BRIDGE_PRIVATE_H
#define VSWITCHD_BRIDGE_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hmap.h"
#include "smap.h"
#include "uuid.h"

struct datapath;
struct db;
struct db_column_schema;
struct db_datum;
struct db_row;
struct db_row_change;
struct db_schema;
struct db_table_schema;
struct db_txn;
struct dpif;
struct dpif_bridge_config;
struct dpif_port_config;
struct netdev;

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

/* The schema's columns (bridge-rows.c). */

/* The tables and columns a reconfiguration reads and writes, resolved once
 * from the schema: with 1000 ports, looking their names up for every row
 * on every change was most of what a vsctl command cost. */
struct bridge_columns {
    const struct db_schema *schema;
    const struct db_table_schema *ovs, *bridge, *port, *iface, *mirror;
    const struct db_column_schema *br_name, *br_ports, *br_dp_type,
        *br_other_config, *br_flood_vlans, *br_mirrors;
    const struct db_column_schema *port_name, *port_interfaces, *port_tag,
        *port_trunks, *port_cvlans, *port_vlan_mode, *port_other_config;
    const struct db_column_schema *if_name, *if_type, *if_ofport,
        *if_ofport_request, *if_mtu_request, *if_error, *if_ifindex,
        *if_mtu, *if_mac_in_use, *if_admin_state, *if_link_state,
        *if_statistics, *if_options, *if_other_config, *if_status;
};

/* The columns of the schema last given to bridge_resolve_columns(). */
extern struct bridge_columns bridge_cols;

/* Fills in 'bridge_cols' (and bridge-qos.c's columns) for 'schema', unless
 * they are that schema's already; aborts if the schema lacks one. */
void bridge_resolve_columns(const struct db_schema *schema);

/* Reading rows (bridge-rows.c). */

/* The first string of 'col' in 'row', or "". */
const char *bridge_row_string(const struct db_row *row,
                              const struct db_column_schema *col);

/* The value of 'key' in string-to-string map column 'col' of 'row', or
 * NULL. */
const char *bridge_row_map_get(const struct db_row *row,
                               const struct db_column_schema *col,
                               const char *key);

/* That value as an integer in 'min'..'max', or 'dflt' if it is absent or
 * not one. */
long long bridge_row_map_get_int(const struct db_row *row,
                                 const struct db_column_schema *col,
                                 const char *key, long long dflt,
                                 long long min, long long max);

/* Column 'col' of 'row', a string-to-string map, into 'smap' (initialized
 * here; the caller destroys it). */
void bridge_row_to_smap(const struct db_row *row,
                        const struct db_column_schema *col,
                        struct smap *smap);

/* The rows of 'ts' that column 'col' of 'row' points to, sorted by their
 * 'name_col', into '*rowsp' (to free); returns how many. */
size_t bridge_deref_sorted(struct db_txn *txn, const struct db_row *row,
                           const struct db_column_schema *col,
                           const struct db_table_schema *ts,
                           const struct db_column_schema *name_col,
                           const struct db_row ***rowsp);

/* Bridge row 'br' into 'bc' (names point into the row). */
void bridge_config_from_row(struct dpif_bridge_config *bc,
                            const struct db_row *br);

/* Port row 'port' (VLAN mode, tag, trunks, cvlans) into 'pc'; 'pc' gets
 * VLAN sets of its own. */
void bridge_port_config_from_row(struct dpif_port_config *pc,
                                 const struct db_row *port);

/* Interface row 'iface' other_config:pmd-rxq-affinity into 'pc'. */
void bridge_rxq_config_from_row(struct dpif_port_config *pc,
                                const struct db_row *iface);

/* A set of UUIDs in an hmap (hmap_init() it), each with the owner that
 * claimed it first: of rows, or of the references a transaction adds. */

/* Looks 'uuid' up in 'set'; if absent, adds it with 'owner' and returns
 * NULL, else returns the owner it was added with. */
const void *bridge_uuid_set_claim(struct hmap *set, const struct uuid *uuid,
                                  const void *owner);

/* True if 'uuid' is in 'set'. */
bool bridge_uuid_set_contains(const struct hmap *set,
                              const struct uuid *uuid);

/* Frees every entry of 'set' and destroys it. */
void bridge_uuid_set_destroy(struct hmap *set);

/* Open interfaces (bridge-ifaces.c). */

/* An interface the switch has open. */
struct bridge_iface {
    struct hmap_node node;      /* In 'bridge_ifaces', by name. */
    char *name;
    char *type;
    struct netdev *netdev;
    uint32_t port_no;           /* 0 until assigned. */
    struct smap options;        /* Interface:options as applied. */
    struct datapath *dp;        /* Datapath that has the port, or NULL. */
    bool arriving;              /* This pass moves it to 'dp' from another
                                 * datapath. */
    int ifindex;                /* At open time; 0 if none. */
    int mtu;                    /* Cached; refreshed on link events. */
    bool state_known;           /* Row 'row_uuid' holds this device's
                                 * state. */
    struct uuid row_uuid;
    bool stale;                 /* Its kernel device went away. */
    bool stats_valid;           /* 'stats' are in row 'stats_row'. */
    struct uuid stats_row;
    uint64_t stats[9];          /* As bridge_refresh_stats() last wrote
                                 * them. */
    bool used;                  /* Wanted by the current configuration. */
};

/* Every open interface, by name. */
extern struct hmap bridge_ifaces;

/* Starts watching kernel link events (bridge_init()). */
void bridge_ifaces_init(void);

/* Closes every interface and stops watching (bridge_exit()). */
void bridge_ifaces_exit(void);

/* Handles kernel link events of configured interfaces: sets '*reconfigure'
 * if one must be re-opened or its state recorded, '*refresh_stats' if
 * statistics and link state should be refreshed now. */
void bridge_ifaces_run(bool *reconfigure, bool *refresh_stats);
void bridge_ifaces_wait(void);

/* True if link events report kernel interfaces' link state, so that it
 * need not be polled. */
bool bridge_ifaces_have_link_events(void);

/* The open interface named 'name', or NULL. */
struct bridge_iface *bridge_iface_find(const char *name);

/* The open interface 'name' of 'type' with Interface:options 'options',
 * opened or re-opened as needed; NULL with '*errorp' set on failure. */
struct bridge_iface *bridge_iface_get(const char *name, const char *type,
                                      const struct smap *options,
                                      char **errorp);

/* Sets the MTU that Interface row 'row' asks for (mtu_request) on
 * 'iface''s device, if it has another. */
void bridge_iface_apply_mtu_request(struct bridge_iface *iface,
                                    const struct db_row *row);

/* The device of interface 'name' if the configuration uses it, or NULL. */
struct netdev *bridge_iface_netdev(const char *name);

/* Closes the interfaces not marked used and those replaced, once the
 * datapaths have let go of them. */
void bridge_ifaces_close_unused(void);

/* The configured interfaces' names, whose link events matter: a
 * reconfiguration adds each with bridge_wanted_add(), then
 * bridge_wanted_prune() forgets the names it did not add. */
void bridge_wanted_add(const char *name);
void bridge_wanted_prune(void);

/* Writing back to the database (bridge-state.c). */

/* Sets column 'col' of 'row' to 'value' (taking it) unless it has that
 * value already, so that an unchanged column makes no change to commit. */
void bridge_set_if_changed(struct db_txn *txn, const struct db_row *row,
                           const struct db_column_schema *col,
                           struct db_datum *value);

/* Writes Interface 'row''s error (NULL: none), ofport and, unless 'iface'
 * recorded them in that row already, the device's state. */
void bridge_write_iface_state(struct db_txn *txn, const struct db_row *row,
                              struct bridge_iface *iface,
                              const char *error);

/* Sets Open_vSwitch row 'ovs''s cur_cfg to its next_cfg. */
void bridge_set_cur_cfg(struct db_txn *txn, const struct db_row *ovs);

/* Commits only cur_cfg = next_cfg; returns true if that changed it. */
bool bridge_record_cur_cfg_only(struct db *db);

/* Writes the netdev providers' 'status' into the Open_vSwitch columns of
 * those names that the schema has. */
void bridge_write_global_status(struct db_txn *txn, const struct db_row *ovs,
                                const struct smap *status);

/* Writes the interfaces' (and mirrors') statistics and polled link
 * state. */
void bridge_refresh_stats(struct db *db);

#endif /* bridge-private.h */
