#include <config.h>
#include "vswitchd/bridge.h"

#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(bridge);

/* Interface types the switch knows.  "" and "system" attach an existing
 * kernel interface; "internal" is a bridge's local port; "tap" is a TAP
 * the switch creates; "dummy" is an in-memory port for tests. */
static const char *const iface_types[] = {
    "", "system", "internal", "tap", "dummy",
};

/* Datapath types: "" is the default (userspace), "netdev" names the
 * userspace datapath as OVS users know it, "system" the kernel path. */
static const char *const datapath_types[] = { "netdev", "system" };

static bool
in_list(const char *s, const char *const list[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(s, list[i])) {
            return true;
        }
    }
    return false;
}

static void
set_string_set(struct db_row *row, const char *column,
               const char *const list[], size_t n)
{
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
    struct db_txn *txn = db_txn_begin(db);
    const struct db_row *row = db_txn_first(txn, ovs);
    struct db_row *w = row ? db_txn_modify(txn, row)
                           : db_txn_insert(txn, ovs, NULL);

    set_optional_string(w, "ovs_version", PACKAGE_VERSION);
    set_optional_string(w, "db_version", schema->version);
    set_string_set(w, "datapath_types", datapath_types,
                   ARRAY_SIZE(datapath_types));
    set_string_set(w, "iface_types", iface_types, ARRAY_SIZE(iface_types));

    char *error = db_txn_commit(txn, NULL);
    if (!row && !error) {
        VLOG_INFO("created the Open_vSwitch configuration row");
    }
    return error;
}

static void
set_iface_error(struct db_txn *txn, const struct db_row *iface,
                const struct db_column_schema *error_col, const char *error)
{
    const struct db_datum *cur = db_row_get(iface, error_col);
    const char *old = cur->n ? cur->keys[0].string : NULL;

    if ((!old && !error) || (old && error && !strcmp(old, error))) {
        return;
    }
    struct db_row *w = db_txn_modify(txn, iface);
    struct db_datum d;
    if (error) {
        db_datum_init_string(&d, error);
        VLOG_WARN("%s: %s", db_row_get_string(iface, "name"), error);
    } else {
        db_datum_init_empty(&d);
    }
    db_row_set(w, error_col, &d);
}

static void
check_interfaces(struct db_txn *txn, const struct db_table_schema *ts)
{
    const struct db_column_schema *type_col = db_table_find_column(ts,
                                                                   "type");
    const struct db_column_schema *error_col = db_table_find_column(ts,
                                                                    "error");
    const struct db_row *iface;

    DB_TXN_FOR_EACH (iface, txn, ts) {
        const struct db_datum *t = db_row_get(iface, type_col);
        const char *type = t->n ? t->keys[0].string : "";
        char *error = NULL;
        if (!in_list(type, iface_types, ARRAY_SIZE(iface_types))) {
            error = xasprintf("unsupported interface type \"%s\"", type);
        }
        set_iface_error(txn, iface, error_col, error);
        free(error);
    }
}

static void
check_bridges(struct db_txn *txn, const struct db_table_schema *ts)
{
    const struct db_row *br;
    DB_TXN_FOR_EACH (br, txn, ts) {
        const char *type = db_row_get_string(br, "datapath_type");
        if (*type && !in_list(type, datapath_types,
                              ARRAY_SIZE(datapath_types))) {
            VLOG_WARN("bridge %s: unknown datapath_type \"%s\"",
                      db_row_get_string(br, "name"), type);
        }
    }
}

bool
bridge_reconfigure(struct db *db)
{
    const struct db_schema *schema = db_get_schema(db);
    struct db_txn *txn = db_txn_begin(db);

    check_bridges(txn, db_schema_find_table(schema, "Bridge"));
    check_interfaces(txn, db_schema_find_table(schema, "Interface"));

    const struct db_row *ovs = db_txn_first(
        txn, db_schema_find_table(schema, "Open_vSwitch"));
    if (ovs) {
        int64_t next_cfg = db_row_get_integer(ovs, "next_cfg");
        if (db_row_get_integer(ovs, "cur_cfg") != next_cfg) {
            struct db_datum d;
            db_datum_init_integer(&d, next_cfg);
            db_row_set_named(db_txn_modify(txn, ovs), "cur_cfg", &d);
        }
    }

    bool changed = !db_txn_is_empty(txn);
    char *error = db_txn_commit(txn, NULL);
    if (error) {
        VLOG_ERR("recording the applied configuration failed: %s", error);
        free(error);
        return false;
    }
    return changed;
}
