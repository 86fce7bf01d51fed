/*
 * bridge-state.c -- what the reconciler writes to the database.
 *
 * The configuration flows from the database to the datapaths (bridge.c);
 * what the switch observes flows back into columns that clients read but
 * do not write: at start-up the Open_vSwitch row's versions and the types
 * this build has; after each reconfiguration every Interface's error,
 * ofport and device state (ifindex, mtu, mac_in_use, admin_state,
 * link_state), the providers' global status and cur_cfg, which "vsctl"
 * without --no-wait waits for; and every few seconds the interfaces' (and
 * mirrors') statistics and the link state that no event reports.
 *
 * A column is written only when its value changed, so that an idle switch
 * commits nothing and a command's cost does not grow with the number of
 * ports; for the same reason an interface's device state is read from the
 * kernel again only when something says it may have changed.
 */
#include <config.h>
#include "bridge-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "dpif.h"
#include "netdev.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"
#include "bridge-datapaths.h"
#include "bridge-mirrors.h"
#include "bridge.h"

VLOG_USE_SHARED_MODULE(bridge);

/* Start-up. */

/* Interface types are the registered netdev providers ("" means
 * "system"), datapath types the registered dpif providers ("" means
 * DPIF_DEFAULT_TYPE); both lists are written to the Open_vSwitch row at
 * start-up, and error messages list them. */

static void
set_string_set(struct db_row *row, const char *column,
               const char *const list[], size_t n)
{
    /* 'list' borrowed from a registry; the datum gets copies. */
    const struct db_column_schema *col = db_table_find_column(row->table,
                                                              column);
    struct db_datum d;
    db_datum_init_empty(&d);
    for (size_t i = 0; i < n; i++) {
        if (*list[i]) {
            union db_atom atom = { .string = xstrdup(list[i]) };
            db_datum_add(&d, &col->type, &atom, NULL, false);
        }
    }
    db_row_set(row, col, &d);
}

static void
set_optional_string(struct db_row *row, const char *column, const char *s)
{
    struct db_datum d;
    db_datum_init_string(&d, s);
    db_row_set_named(row, column, &d);
}

char *
bridge_init_db(struct db *db)
{
    const struct db_schema *schema = db_get_schema(db);
    const struct db_table_schema *ovs = db_schema_find_table(schema,
                                                             "Open_vSwitch");

    bridge_resolve_columns(schema);
    db_set_validator(db, bridge_validate, NULL);
    struct db_txn *txn = db_txn_begin(db);
    const struct db_row *row = db_txn_first(txn, ovs);
    struct db_row *w = row ? db_txn_modify(txn, row)
                           : db_txn_insert(txn, ovs, NULL);

    set_optional_string(w, "ovs_version", PACKAGE_VERSION);
    set_optional_string(w, "db_version", schema->version);
    const char **types;
    size_t n = dpif_get_types(&types);
    set_string_set(w, "datapath_types", types, n);
    free(types);
    n = netdev_get_types(&types);
    set_string_set(w, "iface_types", types, n);
    free(types);

    char *error = db_txn_commit(txn, NULL);
    if (!row && !error) {
        VLOG_INFO("created the Open_vSwitch configuration row");
    }
    return error;
}

/* Interface state, written back after a reconfiguration. */

void
bridge_set_if_changed(struct db_txn *txn, const struct db_row *row,
                      const struct db_column_schema *col,
                      struct db_datum *value)
{
    if (db_datum_equals(db_row_get(row, col), value, &col->type)) {
        db_datum_destroy(value, &col->type);
        return;
    }
    db_row_set(db_txn_modify(txn, row), col, value);
}

static void
set_optional_int(struct db_txn *txn, const struct db_row *row,
                 const struct db_column_schema *col, bool present,
                 int64_t value)
{
    struct db_datum d;
    if (present) {
        db_datum_init_integer(&d, value);
    } else {
        db_datum_init_empty(&d);
    }
    bridge_set_if_changed(txn, row, col, &d);
}

static void
set_optional_str(struct db_txn *txn, const struct db_row *row,
                 const struct db_column_schema *col, const char *value)
{
    struct db_datum d;
    if (value) {
        db_datum_init_string(&d, value);
    } else {
        db_datum_init_empty(&d);
    }
    bridge_set_if_changed(txn, row, col, &d);
}

static void
write_link_state(struct db_txn *txn, const struct db_row *row,
                 const struct netdev *netdev)
{
    bool admin_up, link_up;
    bool ok = netdev && !netdev_get_state(netdev, &admin_up, &link_up);
    set_optional_str(txn, row, bridge_cols.if_admin_state,
                     ok ? (admin_up ? "up" : "down") : NULL);
    set_optional_str(txn, row, bridge_cols.if_link_state,
                     ok ? (link_up ? "up" : "down") : NULL);
}

/* Interface:status, as the device reports it (empty if it has nothing
 * to say). */
static void
write_iface_status(struct db_txn *txn, const struct db_row *row,
                   const struct netdev *netdev)
{
    struct smap status = SMAP_INITIALIZER;
    const struct smap_node *node;
    struct db_datum d;

    if (netdev) {
        netdev_get_status(netdev, &status);
    }
    db_datum_init_empty(&d);
    SMAP_FOR_EACH (node, &status) {
        union db_atom k = { .string = xstrdup(node->key) };
        union db_atom v = { .string = xstrdup(node->value) };
        db_datum_add(&d, &bridge_cols.if_status->type, &k, &v, true);
    }
    smap_destroy(&status);
    bridge_set_if_changed(txn, row, bridge_cols.if_status, &d);
}

void
bridge_write_iface_state(struct db_txn *txn, const struct db_row *row,
                         struct bridge_iface *iface, const char *error)
{
    const struct netdev *netdev = iface ? iface->netdev : NULL;
    uint8_t mac[6];
    int ifindex, mtu;
    char macs[18];

    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 20);

        VLOG_WARN_RL(&rl, "%s: %s",
                     bridge_row_string(row, bridge_cols.if_name), error);
    }
    set_optional_str(txn, row, bridge_cols.if_error, error);
    set_optional_int(txn, row, bridge_cols.if_ofport, true,
                     iface ? (int64_t) iface->port_no : -1);
    if (iface && iface->state_known
        && uuid_equals(&iface->row_uuid, db_row_uuid(row))) {
        /* Asking the kernel again about every port on every change would
         * make each vsctl command cost O(ports) system calls; link events
         * and the periodic refresh keep the rest current. */
        return;
    }
    if (iface) {
        iface->state_known = true;
        iface->row_uuid = *db_row_uuid(row);
    }
    bool has_ifindex = netdev && !netdev_get_ifindex(netdev, &ifindex);
    set_optional_int(txn, row, bridge_cols.if_ifindex, has_ifindex,
                     has_ifindex ? ifindex : 0);
    bool has_mtu = netdev && !netdev_get_mtu(netdev, &mtu);
    set_optional_int(txn, row, bridge_cols.if_mtu, has_mtu,
                     has_mtu ? mtu : 0);
    if (netdev && !netdev_get_etheraddr(netdev, mac)) {
        snprintf(macs, sizeof macs, "%02x:%02x:%02x:%02x:%02x:%02x",
                 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
        set_optional_str(txn, row, bridge_cols.if_mac_in_use, macs);
    } else {
        set_optional_str(txn, row, bridge_cols.if_mac_in_use, NULL);
    }
    write_link_state(txn, row, netdev);
    write_iface_status(txn, row, netdev);
}

void
bridge_set_cur_cfg(struct db_txn *txn, const struct db_row *ovs)
{
    int64_t next_cfg = db_row_get_integer(ovs, "next_cfg");
    if (db_row_get_integer(ovs, "cur_cfg") != next_cfg) {
        struct db_datum d;
        db_datum_init_integer(&d, next_cfg);
        db_row_set_named(db_txn_modify(txn, ovs), "cur_cfg", &d);
    }
}

bool
bridge_record_cur_cfg_only(struct db *db)
{
    struct db_txn *txn = db_txn_begin(db);
    const struct db_row *ovs = db_txn_first(txn, bridge_cols.ovs);
    if (ovs) {
        bridge_set_cur_cfg(txn, ovs);
    }
    bool changed = !db_txn_is_empty(txn);
    char *error = db_txn_commit(txn, NULL);
    if (error) {
        VLOG_ERR("recording cur_cfg failed: %s", error);
        free(error);
        return false;
    }
    return changed;
}

/* Writes what the netdev providers report about themselves
 * (netdev_set_global_config(): "dpdk_initialized", "dpdk_version") into
 * the Open_vSwitch columns of those names that the schema has. */
void
bridge_write_global_status(struct db_txn *txn, const struct db_row *ovs,
                           const struct smap *status)
{
    const struct smap_node *node;

    SMAP_FOR_EACH (node, status) {
        const struct db_column_schema *col
            = db_table_find_column(ovs->table, node->key);
        struct db_datum d;

        if (!col || db_type_is_map(&col->type)) {
            continue;
        }
        if (col->type.key.type == DB_BOOLEAN) {
            db_datum_init_boolean(&d, !strcmp(node->value, "true"));
        } else if (col->type.key.type == DB_STRING) {
            db_datum_init_string(&d, node->value);
        } else {
            continue;
        }
        bridge_set_if_changed(txn, ovs, col, &d);
    }
}

/* Statistics and link state, refreshed periodically. */

void
bridge_refresh_stats(struct db *db)
{
    struct db_txn *txn = db_txn_begin(db);
    const struct db_table_schema *ts;
    const struct db_column_schema *col;
    struct bridge_iface *iface;
    bool link_events = bridge_ifaces_have_link_events();

    bridge_resolve_columns(db_get_schema(db));
    ts = bridge_cols.iface;
    col = bridge_cols.if_statistics;

    /* With 1000 mostly idle ports, the work goes to the ports whose
     * counters moved: the others cost two reads of counters, no lookup.
     * Kernel interfaces' link state comes with rtnetlink events
     * (bridge-ifaces.c), so only the others' is polled here. */
    static const char *const keys[] = {
        "collisions", "rx_bytes", "rx_dropped", "rx_errors", "rx_packets",
        "tx_bytes", "tx_dropped", "tx_errors", "tx_packets",
    };
    _Static_assert(ARRAY_SIZE(keys) == ARRAY_SIZE(iface->stats),
                   "one key per counter");
    HMAP_FOR_EACH (iface, node, &bridge_ifaces) {
        struct dpif_port_stats ps;
        struct netdev_stats ns;
        if (!iface->port_no) {
            continue;
        }
        memset(&ps, 0, sizeof ps);
        memset(&ns, 0, sizeof ns);
        if (iface->dp) {
            dpif_port_stats(iface->dp->dpif, iface->port_no, &ps);
        }
        netdev_get_stats(iface->netdev, &ns);

        uint64_t values[] = {
            0,
            ps.rx_bytes,
            ps.rx_dropped + ns.rx_dropped,
            ns.rx_errors,
            ps.rx_packets,
            ps.tx_bytes,
            /* The datapath already counts what a device's send did not
             * take (tx-full), which is all the device counts as its own
             * transmit drops: adding both would count each twice. */
            ps.tx_dropped,
            ps.tx_errors + ns.tx_errors,
            ps.tx_packets,
        };
        bool poll_link = !link_events || iface->ifindex <= 0;
        bool same = (iface->stats_valid
                     && uuid_equals(&iface->stats_row, &iface->row_uuid)
                     && !memcmp(values, iface->stats, sizeof values));
        if (same && !poll_link) {
            continue;
        }

        const struct db_row *row = db_txn_find_by_string(txn, ts, "name",
                                                         iface->name);
        if (!row) {
            continue;
        }
        if (!same) {
            struct db_datum d;
            db_datum_init_empty(&d);
            for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
                union db_atom k = { .string = xstrdup(keys[i]) };
                union db_atom v = { .integer = values[i] };
                db_datum_add(&d, &col->type, &k, &v, true);
            }
            bridge_set_if_changed(txn, row, col, &d);
            memcpy(iface->stats, values, sizeof values);
            iface->stats_row = *db_row_uuid(row);
            iface->stats_valid = true;
        }
        if (poll_link) {
            write_link_state(txn, row, iface->netdev);
        }
    }
    bridge_mirrors_write_stats(txn);
    char *error = db_txn_commit(txn, NULL);
    if (error) {
        VLOG_WARN("updating statistics failed: %s", error);
        free(error);
        HMAP_FOR_EACH (iface, node, &bridge_ifaces) {
            iface->stats_valid = false;
        }
    }
}
