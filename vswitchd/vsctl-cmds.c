#include <config.h>
#include "vsctl-cmds.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bridge-private.h"
#include "db-ctl.h"
#include "db.h"
#include "hmap.h"
#include "util.h"
#include "vlog.h"
#include "vsctl-private.h"

VLOG_DEFINE_THIS_MODULE(vsctl_cmds);

/* Longest interface name the kernel accepts (IFNAMSIZ - 1). */

/* Schema access.
 *
 * The schema is compiled into the daemon, so a table or column that the
 * code below names and the schema lacks is a bug caught by the first
 * test; db_row_get_named() aborts likewise. */

const struct db_table_schema *
vsctl_table__(const struct db_schema *schema, const char *name)
{
    const struct db_table_schema *table = db_schema_find_table(schema, name);
    if (!table) {
        util_fatal(0, "schema %s lacks table %s", schema->name, name);
    }
    return table;
}

static const struct db_table_schema *
vsctl_table(const struct ctl_context *ctx, const char *name)
{
    return vsctl_table__(ctx->schema, name);
}

static const struct db_column_schema *
vsctl_column(const struct db_table_schema *table, const char *name)
{
    const struct db_column_schema *column = db_table_find_column(table,
                                                                 name);
    if (!column) {
        util_fatal(0, "table %s lacks column %s", table->name, name);
    }
    return column;
}

const char *
vsctl_name(const struct db_row *row)
{
    return db_row_get_string(row, "name");
}

static int
vsctl_compare_names(const void *a_, const void *b_)
{
    const struct db_row *const *a = a_;
    const struct db_row *const *b = b_;

    return strcmp(vsctl_name(*a), vsctl_name(*b));
}

static void
vsctl_sort_by_name(const struct db_row **rows, size_t n)
{
    if (n > 1) {
        qsort(rows, n, sizeof *rows, vsctl_compare_names);
    }
}

/* Returns the rows of 'table_name' that the UUIDs in 'column' of 'row'
 * refer to, as a malloc'd array in '*rowsp' (dangling references are
 * skipped).  Returns the number of rows. */
static size_t
vsctl_deref(struct ctl_context *ctx, const struct db_row *row,
            const char *column, const char *table_name,
            const struct db_row ***rowsp)
{
    const struct db_table_schema *table = vsctl_table(ctx, table_name);
    const struct db_datum *datum = db_row_get_named(row, column);
    const struct db_row **rows = xmalloc(datum->n * sizeof *rows);
    size_t n = 0;

    for (unsigned int i = 0; i < datum->n; i++) {
        const struct db_row *target = db_txn_get(ctx->txn, table,
                                                 &datum->keys[i].uuid);
        if (target) {
            rows[n++] = target;
        }
    }
    *rowsp = rows;
    return n;
}

static const struct db_row *
vsctl_root(struct ctl_context *ctx)
{
    return db_txn_first(ctx->txn, vsctl_table(ctx, "Open_vSwitch"));
}

/* Writing helpers.  Each one fetches the transaction's writable copy of
 * the row first, so that successive changes to one row accumulate. */

static void
vsctl_set_string(struct ctl_context *ctx, const struct db_row *row,
                 const char *column, const char *value)
{
    struct db_datum datum;

    db_datum_init_string(&datum, value);
    db_row_set(db_txn_modify(ctx->txn, row),
               vsctl_column(row->table, column), &datum);
}

/* Resets 'column' of 'row' to its default (empty set, 0, "", ...). */
static void
vsctl_clear(struct ctl_context *ctx, const struct db_row *row,
            const char *column)
{
    const struct db_column_schema *col = vsctl_column(row->table, column);
    struct db_datum datum;

    db_datum_init_default(&datum, &col->type);
    db_row_set(db_txn_modify(ctx->txn, row), col, &datum);
}

static void
vsctl_datum_remove_at(struct db_datum *datum, const struct db_type *type,
                      unsigned int idx)
{
    unsigned int n_after = datum->n - idx - 1;

    db_atom_destroy(&datum->keys[idx], type->key.type);
    memmove(&datum->keys[idx], &datum->keys[idx + 1],
            n_after * sizeof *datum->keys);
    if (datum->values) {
        db_atom_destroy(&datum->values[idx], type->value.type);
        memmove(&datum->values[idx], &datum->values[idx + 1],
                n_after * sizeof *datum->values);
    }
    datum->n--;
}

/* Adds ('add') or removes a reference to 'uuid' in the set 'column'. */
static void
vsctl_change_ref(struct ctl_context *ctx, const struct db_row *row,
                 const char *column, const struct uuid *uuid, bool add)
{
    struct db_row *w = db_txn_modify(ctx->txn, row);
    const struct db_column_schema *col = vsctl_column(w->table, column);
    union db_atom key;
    struct db_datum datum;

    db_datum_clone(&datum, db_row_get(w, col), &col->type);
    key.uuid = *uuid;
    if (add) {
        db_datum_add(&datum, &col->type, &key, NULL, false);
    } else {
        unsigned int idx = db_datum_find_key(&datum, &key, DB_UUID);
        if (idx != UINT_MAX) {
            vsctl_datum_remove_at(&datum, &col->type, idx);
        }
    }
    db_row_set(w, col, &datum);
}

/* Sets 'key' in the string map 'column' to 'value', or removes it if
 * 'value' is NULL. */
static void
vsctl_smap_set(struct ctl_context *ctx, const struct db_row *row,
               const char *column, const char *key, const char *value)
{
    struct db_row *w = db_txn_modify(ctx->txn, row);
    const struct db_column_schema *col = vsctl_column(w->table, column);
    struct db_datum datum;
    union db_atom k, v;
    unsigned int idx;

    db_datum_clone(&datum, db_row_get(w, col), &col->type);
    k.string = (char *) key;
    idx = db_datum_find_key(&datum, &k, DB_STRING);
    if (idx != UINT_MAX) {
        vsctl_datum_remove_at(&datum, &col->type, idx);
    }
    if (value) {
        k.string = xstrdup(key);
        v.string = xstrdup(value);
        db_datum_add(&datum, &col->type, &k, &v, true);
    }
    db_row_set(w, col, &datum);
}

/* Inserts a row into 'table_name' whose "name" is 'name'. */
static struct db_row *
vsctl_insert_named(struct ctl_context *ctx, const char *table_name,
                   const char *name)
{
    struct db_row *row = db_txn_insert(ctx->txn,
                                       vsctl_table(ctx, table_name), NULL);
    struct db_datum datum;

    db_datum_init_string(&datum, name);
    db_row_set_named(row, "name", &datum);
    return row;
}

/* The bridges, ports and interfaces reachable from the root row, as seen
 * by the running transaction.  Built afresh by each command that needs it,
 * which keeps it trivially consistent with the commands before it; ports
 * and interfaces are indexed by name, so that building it is the only
 * step whose cost grows with the number of ports. */
struct vsctl_port {
    struct hmap_node node;      /* In vsctl_topo's 'port_index'. */
    const char *name;
    const struct db_row *row;
    const struct db_row *bridge;
    const struct db_row **ifaces;
    size_t n_ifaces;
};

struct vsctl_iface {
    struct hmap_node node;      /* In vsctl_topo's 'iface_index'. */
    const char *name;
    const struct db_row *row;
    size_t port_idx;            /* Its port, in vsctl_topo's 'ports'. */
};

struct vsctl_topo {
    const struct db_row *root;
    const struct db_row **bridges;
    size_t n_bridges;
    struct vsctl_port *ports;   /* Every port of every bridge. */
    size_t n_ports;
    struct vsctl_iface *ifaces; /* Every interface of every port. */
    size_t n_ifaces;
    struct hmap port_index;     /* Contains "struct vsctl_port"s. */
    struct hmap iface_index;    /* Contains "struct vsctl_iface"s. */

    /* Until vsctl_topo_load(), 'ports' and 'ifaces' are empty and lookups
     * go through the database's name indexes instead, so that commands on
     * one port cost the same with 10 ports or 10,000. */
    struct ctl_context *ctx;
    bool loaded;
    struct vsctl_port **found;  /* Ports found by lookup, to free. */
    size_t n_found;
};

/* Returns the "name" of 'row', whose column 'col' is. */
static const char *
vsctl_row_name(const struct db_row *row, const struct db_column_schema *col)
{
    const struct db_datum *datum = db_row_get(row, col);
    return datum->n ? datum->keys[0].string : "";
}

static void
vsctl_topo_add_ports(struct ctl_context *ctx, struct vsctl_topo *topo,
                     const struct db_row *bridge)
{
    const struct db_column_schema *name_col;
    const struct db_row **ports;
    size_t n = vsctl_deref(ctx, bridge, "ports", "Port", &ports);

    name_col = vsctl_column(vsctl_table(ctx, "Port"), "name");
    topo->ports = xrealloc(topo->ports,
                           (topo->n_ports + n) * sizeof *topo->ports);
    for (size_t i = 0; i < n; i++) {
        struct vsctl_port *port = &topo->ports[topo->n_ports++];

        port->row = ports[i];
        port->name = vsctl_row_name(ports[i], name_col);
        port->bridge = bridge;
        port->n_ifaces = vsctl_deref(ctx, ports[i], "interfaces",
                                     "Interface", &port->ifaces);
    }
    free(ports);
}

static void
vsctl_topo_index(struct ctl_context *ctx, struct vsctl_topo *topo)
{
    const struct db_column_schema *name_col;
    size_t n = 0;

    name_col = vsctl_column(vsctl_table(ctx, "Interface"), "name");
    for (size_t i = 0; i < topo->n_ports; i++) {
        n += topo->ports[i].n_ifaces;
    }
    topo->ifaces = xmalloc(n * sizeof *topo->ifaces);
    for (size_t i = 0; i < topo->n_ports; i++) {
        struct vsctl_port *port = &topo->ports[i];

        hmap_insert(&topo->port_index, &port->node,
                    hash_string(port->name, 0));
        for (size_t j = 0; j < port->n_ifaces; j++) {
            struct vsctl_iface *iface = &topo->ifaces[topo->n_ifaces++];

            iface->row = port->ifaces[j];
            iface->name = vsctl_row_name(iface->row, name_col);
            iface->port_idx = i;
            hmap_insert(&topo->iface_index, &iface->node,
                        hash_string(iface->name, 0));
        }
    }
}

static void
vsctl_topo_init(struct ctl_context *ctx, struct vsctl_topo *topo)
{
    memset(topo, 0, sizeof *topo);
    hmap_init(&topo->port_index);
    hmap_init(&topo->iface_index);
    topo->ctx = ctx;
    topo->root = vsctl_root(ctx);
    if (!topo->root) {
        return;
    }
    topo->n_bridges = vsctl_deref(ctx, topo->root, "bridges", "Bridge",
                                  &topo->bridges);
}

/* Fills in every port and interface, for commands that walk them all. */
static void
vsctl_topo_load(struct vsctl_topo *topo)
{
    if (!topo->loaded) {
        topo->loaded = true;
        for (size_t i = 0; i < topo->n_bridges; i++) {
            vsctl_topo_add_ports(topo->ctx, topo, topo->bridges[i]);
        }
        vsctl_topo_index(topo->ctx, topo);
    }
}

static void
vsctl_topo_destroy(struct vsctl_topo *topo)
{
    for (size_t i = 0; i < topo->n_ports; i++) {
        free(topo->ports[i].ifaces);
    }
    for (size_t i = 0; i < topo->n_found; i++) {
        free(topo->found[i]->ifaces);
        free(topo->found[i]);
    }
    free(topo->found);
    hmap_destroy(&topo->port_index);
    hmap_destroy(&topo->iface_index);
    free(topo->ports);
    free(topo->ifaces);
    free(topo->bridges);
}

/* The bridge whose "ports" include 'port', or NULL. */
static const struct db_row *
vsctl_topo_bridge_of(const struct vsctl_topo *topo,
                     const struct db_row *port)
{
    for (size_t i = 0; i < topo->n_bridges; i++) {
        const struct db_datum *ports = db_row_get_named(topo->bridges[i],
                                                        "ports");
        union db_atom key = { .uuid = *db_row_uuid(port) };
        if (db_datum_find_key(ports, &key, DB_UUID) != UINT_MAX) {
            return topo->bridges[i];
        }
    }
    return NULL;
}

/* Looks up port 'row' without loading the whole topology. */
static const struct vsctl_port *
vsctl_topo_wrap_port(const struct vsctl_topo *topo_,
                     const struct db_row *row)
{
    struct vsctl_topo *topo = (struct vsctl_topo *) topo_;
    const struct db_row *bridge = row ? vsctl_topo_bridge_of(topo, row)
                                      : NULL;
    if (!bridge) {
        return NULL;
    }
    struct vsctl_port *port = xzalloc(sizeof *port);
    port->row = row;
    port->name = vsctl_name(row);
    port->bridge = bridge;
    port->n_ifaces = vsctl_deref(topo->ctx, row, "interfaces", "Interface",
                                 &port->ifaces);
    topo->found = xrealloc(topo->found,
                           (topo->n_found + 1) * sizeof *topo->found);
    topo->found[topo->n_found++] = port;
    return port;
}

static const struct db_row *
vsctl_topo_bridge(const struct vsctl_topo *topo, const char *name)
{
    for (size_t i = 0; i < topo->n_bridges; i++) {
        if (!strcmp(vsctl_name(topo->bridges[i]), name)) {
            return topo->bridges[i];
        }
    }
    return NULL;
}

static const struct vsctl_port *
vsctl_topo_port(const struct vsctl_topo *topo, const char *name)
{
    const struct vsctl_port *port;

    if (!topo->loaded) {
        return vsctl_topo_wrap_port(
            topo, db_txn_find_by_string(topo->ctx->txn,
                                        vsctl_table(topo->ctx, "Port"),
                                        "name", name));
    }

    HMAP_FOR_EACH_WITH_HASH (port, node, hash_string(name, 0),
                             &topo->port_index) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

/* Finds the interface 'name' and stores its port in '*portp'. */
static const struct db_row *
vsctl_topo_iface(const struct vsctl_topo *topo, const char *name,
                 const struct vsctl_port **portp)
{
    const struct vsctl_iface *iface;

    if (!topo->loaded) {
        /* Most ports have one interface of the same name: try that before
         * loading everything. */
        struct ctl_context *ctx = topo->ctx;
        const struct db_row *row = db_txn_find_by_string(
            ctx->txn, vsctl_table(ctx, "Interface"), "name", name);
        if (!row) {
            *portp = NULL;
            return NULL;
        }
        const struct vsctl_port *port = vsctl_topo_port(topo, name);
        for (size_t i = 0; port && i < port->n_ifaces; i++) {
            if (port->ifaces[i] == row) {
                *portp = port;
                return row;
            }
        }
        vsctl_topo_load((struct vsctl_topo *) topo);
    }
    HMAP_FOR_EACH_WITH_HASH (iface, node, hash_string(name, 0),
                             &topo->iface_index) {
        if (!strcmp(iface->name, name)) {
            *portp = &topo->ports[iface->port_idx];
            return iface->row;
        }
    }
    *portp = NULL;
    return NULL;
}

/* Common lookups with the usual error messages.  Each returns NULL after
 * ctl_fatal() on error. */

static bool
vsctl_topo_init_rooted(struct ctl_context *ctx, struct vsctl_topo *topo)
{
    vsctl_topo_init(ctx, topo);
    if (!topo->root) {
        ctl_fatal(ctx, "database has no Open_vSwitch record "
                  "(run \"vsctl init\")");
        return false;
    }
    return true;
}

static const struct db_row *
vsctl_must_bridge(struct ctl_context *ctx, const struct vsctl_topo *topo,
                  const char *name)
{
    const struct db_row *bridge = vsctl_topo_bridge(topo, name);
    if (!bridge) {
        ctl_fatal(ctx, "no bridge named %s", name);
    }
    return bridge;
}

/* Checks that no bridge, port or interface is named 'name'; otherwise
 * reports an error that starts with 'what' ("cannot create a port named
 * tap0"). */
static bool
vsctl_check_conflicts(struct ctl_context *ctx,
                      const struct vsctl_topo *topo, const char *name,
                      const char *what)
{
    const struct vsctl_port *port;

    if (vsctl_topo_bridge(topo, name)) {
        ctl_fatal(ctx, "%s because a bridge named %s already exists",
                  what, name);
        return false;
    }
    port = vsctl_topo_port(topo, name);
    if (port) {
        ctl_fatal(ctx, "%s because a port named %s already exists on "
                  "bridge %s", what, name, vsctl_name(port->bridge));
        return false;
    }
    if (vsctl_topo_iface(topo, name, &port)) {
        ctl_fatal(ctx, "%s because an interface named %s already exists "
                  "on bridge %s", what, name, vsctl_name(port->bridge));
        return false;
    }
    return true;
}

/* Interface names.  Bridges and ports become kernel or datapath
 * interfaces of the same name, so they follow the kernel's rules
 * (bridge_ifname_problem(), which commit-time validation uses too). */

/* Appends 'name' to 'ds' in double quotes, escaping what would not print
 * well. */
static void
vsctl_put_quoted(struct dstr *ds, const char *name)
{
    dstr_putc(ds, '"');
    for (const char *p = name; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            dstr_printf(ds, "\\%c", c);
        } else if (c < ' ' || c == 0x7f) {
            dstr_printf(ds, "\\u%04x", c);
        } else {
            dstr_putc(ds, c);
        }
    }
    dstr_putc(ds, '"');
}

static bool
vsctl_check_name(struct ctl_context *ctx, const char *name)
{
    const char *problem = bridge_ifname_problem(name);
    struct dstr quoted = DSTR_INITIALIZER;

    if (!problem) {
        return true;
    }
    vsctl_put_quoted(&quoted, name);
    ctl_fatal(ctx, "invalid interface name %s: %s",
              dstr_cstr(&quoted), problem);
    dstr_destroy(&quoted);
    return false;
}

/* Creating and deleting ports. */

/* Creates a Port 'name' with one Interface 'name' of 'type' and attaches
 * it to 'bridge'.  Returns the new port. */
static const struct db_row *
vsctl_create_port(struct ctl_context *ctx, const struct db_row *bridge,
                  const char *name, const char *type)
{
    struct db_row *iface = vsctl_insert_named(ctx, "Interface", name);
    struct db_row *port = vsctl_insert_named(ctx, "Port", name);
    struct db_datum datum;

    if (type[0]) {
        vsctl_set_string(ctx, iface, "type", type);
    }
    db_datum_init_uuid(&datum, db_row_uuid(iface));
    db_row_set_named(port, "interfaces", &datum);
    vsctl_change_ref(ctx, bridge, "ports", db_row_uuid(port), true);
    return port;
}

/* Detaches 'port' from its bridge and deletes it with its interfaces. */
static void
vsctl_delete_port(struct ctl_context *ctx, const struct vsctl_port *port)
{
    vsctl_change_ref(ctx, port->bridge, "ports", db_row_uuid(port->row),
                     false);
    for (size_t i = 0; i < port->n_ifaces; i++) {
        db_txn_delete(ctx->txn, port->ifaces[i]);
    }
    db_txn_delete(ctx->txn, port->row);
}

/* Commands. */

static void
cmd_init(struct ctl_context *ctx)
{
    if (!vsctl_root(ctx)) {
        db_txn_insert(ctx->txn, vsctl_table(ctx, "Open_vSwitch"), NULL);
    }
}

static void
cmd_add_br(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    struct vsctl_topo topo;
    struct db_row *bridge;
    char *what;

    if (ctx->argc == 3) {
        ctl_fatal(ctx, "'add-br' command takes exactly 1 or 3 arguments");
        return;
    } else if (ctx->argc == 4) {
        ctl_fatal(ctx, "fake bridges are not supported");
        return;
    }
    if (!vsctl_check_name(ctx, name)
        || !vsctl_topo_init_rooted(ctx, &topo)) {
        return;
    }
    if (ctl_has_option(ctx, "--may-exist")
        && vsctl_topo_bridge(&topo, name)) {
        vsctl_topo_destroy(&topo);
        return;
    }
    what = xasprintf("cannot create a bridge named %s", name);
    if (vsctl_check_conflicts(ctx, &topo, name, what)) {
        bridge = vsctl_insert_named(ctx, "Bridge", name);
        vsctl_create_port(ctx, bridge, name, "internal");
        vsctl_change_ref(ctx, topo.root, "bridges", db_row_uuid(bridge),
                         true);
    }
    free(what);
    vsctl_topo_destroy(&topo);
}

static void
cmd_del_br(struct ctl_context *ctx)
{
    const char *name = ctx->argv[1];
    const struct db_row *bridge;
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    bridge = vsctl_topo_bridge(&topo, name);
    if (!bridge) {
        if (!ctl_has_option(ctx, "--if-exists")) {
            ctl_fatal(ctx, "no bridge named %s", name);
        }
        vsctl_topo_destroy(&topo);
        return;
    }
    vsctl_topo_load(&topo);
    for (size_t i = 0; i < topo.n_ports; i++) {
        const struct vsctl_port *port = &topo.ports[i];
        if (port->bridge == bridge) {
            for (size_t j = 0; j < port->n_ifaces; j++) {
                db_txn_delete(ctx->txn, port->ifaces[j]);
            }
            db_txn_delete(ctx->txn, port->row);
        }
    }
    vsctl_change_ref(ctx, topo.root, "bridges", db_row_uuid(bridge), false);
    db_txn_delete(ctx->txn, bridge);
    vsctl_topo_destroy(&topo);
}

static void
vsctl_print_names(struct ctl_context *ctx, const struct db_row **rows,
                  size_t n)
{
    vsctl_sort_by_name(rows, n);
    for (size_t i = 0; i < n; i++) {
        dstr_printf(&ctx->output, "%s\n", vsctl_name(rows[i]));
    }
}

static void
cmd_list_br(struct ctl_context *ctx)
{
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    vsctl_print_names(ctx, topo.bridges, topo.n_bridges);
    vsctl_topo_destroy(&topo);
}

static void
cmd_br_exists(struct ctl_context *ctx)
{
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    if (!vsctl_topo_bridge(&topo, ctx->argv[1])) {
        ctx->exit_code = 2;
    }
    vsctl_topo_destroy(&topo);
}

/* br-to-vlan and br-to-parent: every bridge is a real bridge here. */
static void
cmd_br_to_vlan_or_parent(struct ctl_context *ctx)
{
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    if (vsctl_must_bridge(ctx, &topo, ctx->argv[1])) {
        if (!strcmp(ctx->argv[0], "br-to-vlan")) {
            dstr_puts(&ctx->output, "0\n");
        } else {
            dstr_printf(&ctx->output, "%s\n", ctx->argv[1]);
        }
    }
    vsctl_topo_destroy(&topo);
}

/* Returns true if the --may-exist add-port of 'name' to 'bridge' has
 * nothing to do because the port is already there. */
static bool
vsctl_port_already_there(struct ctl_context *ctx,
                         const struct vsctl_topo *topo,
                         const struct db_row *bridge, const char *name)
{
    const struct vsctl_port *port;

    if (!ctl_has_option(ctx, "--may-exist")) {
        return false;
    }
    port = vsctl_topo_port(topo, name);
    return port && port->bridge == bridge;
}

static void
cmd_add_port(struct ctl_context *ctx)
{
    const char *br_name = ctx->argv[1];
    const char *name = ctx->argv[2];
    const struct db_row *bridge, *port;
    struct vsctl_topo topo;
    char *what;

    if (!vsctl_check_name(ctx, name)
        || !vsctl_topo_init_rooted(ctx, &topo)) {
        return;
    }
    bridge = vsctl_must_bridge(ctx, &topo, br_name);
    if (!bridge || vsctl_port_already_there(ctx, &topo, bridge, name)) {
        vsctl_topo_destroy(&topo);
        return;
    }
    what = xasprintf("cannot create a port named %s", name);
    if (vsctl_check_conflicts(ctx, &topo, name, what)) {
        port = vsctl_create_port(ctx, bridge, name, "");
        for (int i = 3; i < ctx->argc; i++) {
            if (!ctl_set_column(ctx, port->table, port, ctx->argv[i])) {
                break;
            }
        }
    }
    free(what);
    vsctl_topo_destroy(&topo);
}

/* Finds the port that del-port means by 'name': a port of that name, or
 * with --with-iface the port of an interface of that name. */
static const struct vsctl_port *
vsctl_del_port_target(struct ctl_context *ctx, const struct vsctl_topo *topo,
                      const char *name)
{
    const struct vsctl_port *port = vsctl_topo_port(topo, name);

    if (!port && ctl_has_option(ctx, "--with-iface")) {
        vsctl_topo_iface(topo, name, &port);
    }
    return port;
}

static void
cmd_del_port(struct ctl_context *ctx)
{
    const char *name = ctx->argv[ctx->argc - 1];
    const struct db_row *bridge = NULL;
    const struct vsctl_port *port;
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    if (ctx->argc == 3) {
        bridge = vsctl_must_bridge(ctx, &topo, ctx->argv[1]);
        if (!bridge) {
            goto out;
        }
    }
    port = vsctl_del_port_target(ctx, &topo, name);
    if (!port) {
        if (!ctl_has_option(ctx, "--if-exists")) {
            ctl_fatal(ctx, "no port %snamed %s",
                      ctl_has_option(ctx, "--with-iface")
                      ? "or interface " : "", name);
        }
    } else if (bridge && port->bridge != bridge) {
        ctl_fatal(ctx, "bridge %s does not have a port %s",
                  vsctl_name(bridge), name);
    } else if (!strcmp(vsctl_name(port->row), vsctl_name(port->bridge))) {
        ctl_fatal(ctx, "cannot delete port %s because it is the local port "
                  "for bridge %s (deleting this port requires deleting "
                  "the entire bridge)", name, vsctl_name(port->bridge));
    } else {
        vsctl_delete_port(ctx, port);
    }
out:
    vsctl_topo_destroy(&topo);
}

/* list-ports and list-ifaces. */
static void
cmd_list_ports_or_ifaces(struct ctl_context *ctx)
{
    bool ifaces = !strcmp(ctx->argv[0], "list-ifaces");
    const struct db_row *bridge, **rows = NULL;
    struct vsctl_topo topo;
    size_t n = 0, allocated = 0;

    vsctl_topo_init(ctx, &topo);
    bridge = vsctl_must_bridge(ctx, &topo, ctx->argv[1]);
    vsctl_topo_load(&topo);
    for (size_t i = 0; bridge && i < topo.n_ports; i++) {
        const struct vsctl_port *port = &topo.ports[i];
        size_t n_rows = ifaces ? port->n_ifaces : 1;

        if (port->bridge != bridge) {
            continue;
        }
        for (size_t j = 0; j < n_rows; j++) {
            const struct db_row *row = ifaces ? port->ifaces[j] : port->row;
            if (strcmp(vsctl_name(row), vsctl_name(bridge))) {
                if (n >= allocated) {
                    allocated = allocated * 2 + 16;
                    rows = xrealloc(rows, allocated * sizeof *rows);
                }
                rows[n++] = row;
            }
        }
    }
    vsctl_print_names(ctx, rows, n);
    free(rows);
    vsctl_topo_destroy(&topo);
}

static void
cmd_port_to_br(struct ctl_context *ctx)
{
    const struct vsctl_port *port;
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    port = vsctl_topo_port(&topo, ctx->argv[1]);
    if (port) {
        dstr_printf(&ctx->output, "%s\n", vsctl_name(port->bridge));
    } else {
        ctl_fatal(ctx, "no port named %s", ctx->argv[1]);
    }
    vsctl_topo_destroy(&topo);
}

static void
cmd_iface_to_br(struct ctl_context *ctx)
{
    const struct vsctl_port *port;
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    if (vsctl_topo_iface(&topo, ctx->argv[1], &port)) {
        dstr_printf(&ctx->output, "%s\n", vsctl_name(port->bridge));
    } else {
        ctl_fatal(ctx, "no interface named %s", ctx->argv[1]);
    }
    vsctl_topo_destroy(&topo);
}

static void
cmd_br_set_external_id(struct ctl_context *ctx)
{
    const struct db_row *bridge;
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    bridge = vsctl_must_bridge(ctx, &topo, ctx->argv[1]);
    if (bridge) {
        vsctl_smap_set(ctx, bridge, "external_ids", ctx->argv[2],
                       ctx->argc > 3 ? ctx->argv[3] : NULL);
    }
    vsctl_topo_destroy(&topo);
}

static void
cmd_br_get_external_id(struct ctl_context *ctx)
{
    const struct db_row *bridge;
    const struct db_datum *map;
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    bridge = vsctl_must_bridge(ctx, &topo, ctx->argv[1]);
    if (!bridge) {
        vsctl_topo_destroy(&topo);
        return;
    }
    map = db_row_get_named(bridge, "external_ids");
    if (ctx->argc > 2) {
        const char *value = db_datum_smap_get(map, ctx->argv[2]);
        if (value) {
            dstr_printf(&ctx->output, "%s\n", value);
        }
    } else {
        /* Map keys are kept sorted, so this prints in order. */
        for (unsigned int i = 0; i < map->n; i++) {
            dstr_printf(&ctx->output, "%s=%s\n", map->keys[i].string,
                        map->values[i].string);
        }
    }
    vsctl_topo_destroy(&topo);
}

/* get-fail-mode, set-fail-mode, del-fail-mode. */
static void
cmd_fail_mode(struct ctl_context *ctx)
{
    const char *verb = ctx->argv[0];
    const struct db_row *bridge;
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    bridge = vsctl_must_bridge(ctx, &topo, ctx->argv[1]);
    if (!bridge) {
        /* Error already reported. */
    } else if (!strcmp(verb, "get-fail-mode")) {
        const char *mode = db_row_get_string(bridge, "fail_mode");
        if (mode[0]) {
            dstr_printf(&ctx->output, "%s\n", mode);
        }
    } else if (!strcmp(verb, "del-fail-mode")) {
        vsctl_clear(ctx, bridge, "fail_mode");
    } else if (strcmp(ctx->argv[2], "standalone")
               && strcmp(ctx->argv[2], "secure")) {
        ctl_fatal(ctx, "fail-mode must be \"standalone\" or \"secure\"");
    } else {
        vsctl_set_string(ctx, bridge, "fail_mode", ctx->argv[2]);
    }
    vsctl_topo_destroy(&topo);
}

/* Deletes every row of 'table_name'. */
static void
vsctl_delete_all(struct ctl_context *ctx, const char *table_name)
{
    const struct db_table_schema *table = vsctl_table(ctx, table_name);
    const struct db_row **rows = NULL, *row;
    size_t n = 0;

    DB_TXN_FOR_EACH (row, ctx->txn, table) {
        rows = xrealloc(rows, (n + 1) * sizeof *rows);
        rows[n++] = row;
    }
    for (size_t i = 0; i < n; i++) {
        db_txn_delete(ctx->txn, rows[i]);
    }
    free(rows);
}

static void
vsctl_emer_reset_bridge(struct ctl_context *ctx, const struct db_row *bridge)
{
    static const char *const columns[] = {
        "mirrors", "netflow", "sflow", "ipfix", "flood_vlans", "fail_mode",
    };
    const char *hwaddr;
    char *saved;

    for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
        vsctl_clear(ctx, bridge, columns[i]);
    }

    /* Of the bridge's other_config, only "hwaddr" survives. */
    hwaddr = db_datum_smap_get(db_row_get_named(bridge, "other_config"),
                               "hwaddr");
    saved = hwaddr ? xstrdup(hwaddr) : NULL;
    vsctl_clear(ctx, bridge, "other_config");
    if (saved) {
        vsctl_smap_set(ctx, bridge, "other_config", "hwaddr", saved);
        free(saved);
    }
}

static void
cmd_emer_reset(struct ctl_context *ctx)
{
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    vsctl_topo_load(&topo);
    for (size_t i = 0; i < topo.n_bridges; i++) {
        vsctl_emer_reset_bridge(ctx, topo.bridges[i]);
    }
    for (size_t i = 0; i < topo.n_ports; i++) {
        const struct vsctl_port *port = &topo.ports[i];

        vsctl_clear(ctx, port->row, "qos");
        vsctl_clear(ctx, port->row, "other_config");
        for (size_t j = 0; j < port->n_ifaces; j++) {
            vsctl_clear(ctx, port->ifaces[j], "ingress_policing_rate");
            vsctl_clear(ctx, port->ifaces[j], "ingress_policing_burst");
        }
    }
    vsctl_delete_all(ctx, "Mirror");
    vsctl_delete_all(ctx, "NetFlow");
    vsctl_delete_all(ctx, "sFlow");
    vsctl_delete_all(ctx, "IPFIX");
    vsctl_delete_all(ctx, "QoS");
    vsctl_delete_all(ctx, "Queue");
    vsctl_topo_destroy(&topo);
}

/* "show". */

static bool
vsctl_datum_is_default(const struct db_datum *datum,
                       const struct db_type *type)
{
    struct db_datum def;
    bool is_default;

    db_datum_init_default(&def, type);
    is_default = db_datum_equals(datum, &def, type);
    db_datum_destroy(&def, type);
    return is_default;
}

/* Prints "COLUMN: VALUE" for 'column' of 'row' unless it has its default
 * value. */
static void
show_column(struct dstr *out, int indent, const struct db_row *row,
            const char *column)
{
    const struct db_column_schema *col;
    const struct db_datum *datum;

    col = db_table_find_column(row->table, column);
    if (!col) {
        return;
    }
    datum = db_row_get(row, col);
    if (vsctl_datum_is_default(datum, &col->type)) {
        return;
    }
    dstr_printf(out, "%*s%s: ", indent, "", column);
    db_datum_to_string(datum, &col->type, out);
    dstr_putc(out, '\n');
}

/* Prints "KIND NAME", quoting the name if it would not read back. */
static void
show_heading(struct dstr *out, int indent, const char *kind,
             const struct db_row *row)
{
    const struct db_datum *name = db_row_get_named(row, "name");

    dstr_printf(out, "%*s%s ", indent, "", kind);
    if (name->n) {
        db_atom_to_string(&name->keys[0], DB_STRING, out);
    }
    dstr_putc(out, '\n');
}

static void
show_port(struct dstr *out, const struct vsctl_port *port)
{
    static const char *const iface_columns[] = { "type", "options", "error" };
    const struct db_row **ifaces;
    size_t n = port->n_ifaces;

    show_heading(out, 8, "Port", port->row);
    show_column(out, 12, port->row, "tag");
    show_column(out, 12, port->row, "trunks");

    ifaces = xmemdup(port->ifaces, n * sizeof *ifaces);
    vsctl_sort_by_name(ifaces, n);
    for (size_t i = 0; i < n; i++) {
        show_heading(out, 12, "Interface", ifaces[i]);
        for (size_t j = 0; j < ARRAY_SIZE(iface_columns); j++) {
            show_column(out, 16, ifaces[i], iface_columns[j]);
        }
    }
    free(ifaces);
}

static int
show_compare_ports(const void *a_, const void *b_)
{
    const struct vsctl_port *const *a = a_;
    const struct vsctl_port *const *b = b_;

    return strcmp(vsctl_name((*a)->row), vsctl_name((*b)->row));
}

static void
show_bridge(struct dstr *out, const struct vsctl_topo *topo,
            const struct db_row *bridge)
{
    const struct vsctl_port **ports;
    size_t n = 0;

    show_heading(out, 4, "Bridge", bridge);
    show_column(out, 8, bridge, "fail_mode");
    show_column(out, 8, bridge, "datapath_type");

    ports = xmalloc(topo->n_ports * sizeof *ports);
    for (size_t i = 0; i < topo->n_ports; i++) {
        if (topo->ports[i].bridge == bridge) {
            ports[n++] = &topo->ports[i];
        }
    }
    if (n > 1) {
        qsort(ports, n, sizeof *ports, show_compare_ports);
    }
    for (size_t i = 0; i < n; i++) {
        show_port(out, ports[i]);
    }
    free(ports);
}

static void
cmd_show(struct ctl_context *ctx)
{
    const struct db_row **bridges;
    struct vsctl_topo topo;

    vsctl_topo_init(ctx, &topo);
    vsctl_topo_load(&topo);
    if (!topo.root) {
        vsctl_topo_destroy(&topo);
        return;
    }
    dstr_printf(&ctx->output, UUID_FMT "\n",
                UUID_ARGS(db_row_uuid(topo.root)));
    bridges = xmemdup(topo.bridges, topo.n_bridges * sizeof *bridges);
    vsctl_sort_by_name(bridges, topo.n_bridges);
    for (size_t i = 0; i < topo.n_bridges; i++) {
        show_bridge(&ctx->output, &topo, bridges[i]);
    }
    free(bridges);
    show_column(&ctx->output, 4, topo.root, "ovs_version");
    vsctl_topo_destroy(&topo);
}

static const struct ctl_command_syntax vsctl_commands[] = {
    /* Open vSwitch commands. */
    { "init", 0, 0, "", "", cmd_init, false },
    { "show", 0, 0, "", "", cmd_show, true },
    { "emer-reset", 0, 0, "", "", cmd_emer_reset, false },

    /* Bridge commands. */
    { "add-br", 1, 3, "BRIDGE", "--may-exist", cmd_add_br, false },
    { "del-br", 1, 1, "BRIDGE", "--if-exists", cmd_del_br, false },
    { "list-br", 0, 0, "", "", cmd_list_br, true },
    { "br-exists", 1, 1, "BRIDGE", "", cmd_br_exists, true },
    { "br-to-vlan", 1, 1, "BRIDGE", "", cmd_br_to_vlan_or_parent, true },
    { "br-to-parent", 1, 1, "BRIDGE", "", cmd_br_to_vlan_or_parent, true },
    { "br-set-external-id", 2, 3, "BRIDGE KEY [VALUE]", "",
      cmd_br_set_external_id, false },
    { "br-get-external-id", 1, 2, "BRIDGE [KEY]", "",
      cmd_br_get_external_id, true },
    { "get-fail-mode", 1, 1, "BRIDGE", "", cmd_fail_mode, true },
    { "set-fail-mode", 2, 2, "BRIDGE MODE", "", cmd_fail_mode, false },
    { "del-fail-mode", 1, 1, "BRIDGE", "", cmd_fail_mode, false },

    /* Port commands. */
    { "list-ports", 1, 1, "BRIDGE", "", cmd_list_ports_or_ifaces, true },
    { "add-port", 2, INT_MAX, "BRIDGE NEW-PORT [COLUMN[:KEY]=VALUE]...",
      "--may-exist", cmd_add_port, false },
    { "del-port", 1, 2, "[BRIDGE] PORT|IFACE", "--if-exists,--with-iface",
      cmd_del_port, false },
    { "port-to-br", 1, 1, "PORT", "", cmd_port_to_br, true },

    /* Interface commands. */
    { "list-ifaces", 1, 1, "BRIDGE", "", cmd_list_ports_or_ifaces, true },
    { "iface-to-br", 1, 1, "IFACE", "", cmd_iface_to_br, true },

    { NULL, 0, 0, NULL, NULL, NULL, false },
};

#define VSCTL_NO_ID { NULL, NULL, NULL }
#define VSCTL_CLASS(TABLE, ID_TABLE, NAME_COLUMN, UUID_COLUMN) \
    { TABLE, { { ID_TABLE, NAME_COLUMN, UUID_COLUMN }, VSCTL_NO_ID } }
static const struct ctl_table_class vsctl_table_classes[] = {
    VSCTL_CLASS("Open_vSwitch", NULL, NULL, NULL),
    VSCTL_CLASS("Bridge", "Bridge", "name", NULL),
    VSCTL_CLASS("Port", "Port", "name", NULL),
    VSCTL_CLASS("Interface", "Interface", "name", NULL),
    VSCTL_CLASS("Mirror", "Mirror", "name", NULL),
    VSCTL_CLASS("NetFlow", "Bridge", "name", "netflow"),
    VSCTL_CLASS("sFlow", "Bridge", "name", "sflow"),
    VSCTL_CLASS("IPFIX", "Bridge", "name", "ipfix"),
    VSCTL_CLASS("QoS", "Port", "name", "qos"),
    VSCTL_CLASS("Queue", NULL, NULL, NULL),
};

void
vsctl_cmds_init(void)
{
    static const struct ctl_hooks hooks = { vsctl_pre_commit };

    /* ovs-vsctl accepts these and so do we; no command here needs them. */
    ctl_register_program("vsctl", "--fake-iface,--real,--fake");
    ctl_register_commands(vsctl_commands);
    ctl_register_table_classes(vsctl_table_classes,
                               ARRAY_SIZE(vsctl_table_classes));
    ctl_set_hooks(&hooks);
}

