/*
 * bridge-validate.c -- refuses, at commit time, configuration the schema
 * allows but the switch cannot use.
 *
 * Every transaction -- from vsctl, Open vSwitch's ovs-vsctl, ovsdb-client
 * or the daemon's own write-back -- passes through bridge_validate()
 * before it is journaled (db_set_validator()).  It refuses, with a message
 * that names the row and the valid choices:
 *
 *   - deleting the Open_vSwitch row (the root of everything; OVS users
 *     remove bridges with del-br);
 *   - a Bridge datapath_type no registered datapath provides (including
 *     "system", the kernel datapath, until it exists);
 *   - an Interface type no registered netdev provider implements, and
 *     Interface options the type does not take;
 *   - an Interface name Linux cannot give a network device (longer than
 *     15 bytes, "/", ":" (an alias, not a device), white space, "." or
 *     ".."), for every type but "dummy";
 *   - NetFlow and IPFIX settings the exporters cannot use (targets that
 *     are not IP:PORT or [IPv6]:PORT, a NetFlow version other than 5 or
 *     9, timeouts out of range: bridge_flows_validate());
 *   - a Port in two bridges, or an Interface in two ports: the switch
 *     forwards a device in exactly one place (OVS logs and ignores the
 *     second; refusing tells the user at once).
 *
 * Only what the transaction changes is judged: a row whose type, options,
 * datapath_type or references are as before passes, so a database written
 * by an older version (or edited by hand) keeps accepting unrelated edits,
 * and bridge.c copes with whatever such a database holds.  The membership
 * scan looks at every Bridge and Port, but only in transactions that
 * change a reference set; with 1000 ports it costs microseconds.
 */
#include <config.h>
#include "bridge-private.h"
#include "bridge-flows.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dpif.h"
#include "hmap.h"
#include "netdev.h"
#include "util.h"

static struct {
    const struct db_schema *schema;
    const struct db_table_schema *ovs, *bridge, *port, *iface;
    const struct db_column_schema *br_name, *br_ports, *br_dp_type;
    const struct db_column_schema *port_name, *port_interfaces;
    const struct db_column_schema *if_name, *if_type, *if_options;
} V;

static void
resolve(const struct db_schema *schema)
{
    if (V.schema == schema) {
        return;
    }
    V.schema = schema;
    V.ovs = db_schema_find_table(schema, "Open_vSwitch");
    V.bridge = db_schema_find_table(schema, "Bridge");
    V.port = db_schema_find_table(schema, "Port");
    V.iface = db_schema_find_table(schema, "Interface");
    V.br_name = db_table_find_column(V.bridge, "name");
    V.br_ports = db_table_find_column(V.bridge, "ports");
    V.br_dp_type = db_table_find_column(V.bridge, "datapath_type");
    V.port_name = db_table_find_column(V.port, "name");
    V.port_interfaces = db_table_find_column(V.port, "interfaces");
    V.if_name = db_table_find_column(V.iface, "name");
    V.if_type = db_table_find_column(V.iface, "type");
    V.if_options = db_table_find_column(V.iface, "options");
}

static const char *
string_of(const struct db_row *row, const struct db_column_schema *col)
{
    const struct db_datum *d = db_row_get(row, col);

    return d->n ? d->keys[0].string : "";
}

/* Messages about types, also used by bridge.c for a database that holds
 * such a value already. */

char *
bridge_bad_dp_type_error(const char *type)
{
    char *valid = dpif_types_string();
    char *error;

    if (!strcmp(type, "system")) {
        error = xasprintf("datapath type \"system\" (the kernel datapath) "
                          "is not available in this version; use %s or "
                          "leave datapath_type empty", valid);
    } else {
        error = xasprintf("unknown datapath type \"%s\" (available: %s; "
                          "empty means \"%s\")", type, valid,
                          DPIF_DEFAULT_TYPE);
    }
    free(valid);
    return error;
}

char *
bridge_bad_iface_type_error(const char *type)
{
    char *valid = netdev_types_string();
    char *error = xasprintf("unsupported interface type \"%s\" (valid "
                            "types: %s; empty means \"system\")",
                            type, valid);
    free(valid);
    return error;
}

/* True if 'change' inserts its row or changes column 'col'. */
static bool
column_changed(const struct db_row_change *change,
               const struct db_column_schema *col)
{
    return (!change->old
            || !db_datum_equals(db_row_get(change->old, col),
                                db_row_get(change->new, col), &col->type));
}

static char *
check_bridge(const struct db_row_change *c)
{
    const char *type = string_of(c->new, V.br_dp_type);
    char *why, *error;

    if (!column_changed(c, V.br_dp_type) || dpif_type_exists(type)) {
        return NULL;
    }
    why = bridge_bad_dp_type_error(type);
    error = xasprintf("bridge %s: %s", string_of(c->new, V.br_name), why);
    free(why);
    return error;
}

const char *
bridge_ifname_problem(const char *name)
{
    size_t len = strlen(name);

    if (!len || len > 15) {
        return "must be 1 to 15 bytes long";
    }
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        return "\".\" and \"..\" are reserved";
    }
    for (const char *p = name; *p; p++) {
        unsigned char c = *p;

        if (c == '/' || c == ':') {
            return "must not contain '/' or ':'";
        } else if (c <= ' ' || c == 0x7f) {
            return "must not contain whitespace or control characters";
        }
    }
    return NULL;
}

static char *
check_iface(const struct db_row_change *c)
{
    const char *name = string_of(c->new, V.if_name);
    const char *type = string_of(c->new, V.if_type);
    const struct db_datum *options = db_row_get(c->new, V.if_options);
    const char *const *names, *const *helps;
    size_t n_names;

    if ((column_changed(c, V.if_name) || column_changed(c, V.if_type))
        && strcmp(type, "dummy")) {
        const char *why = bridge_ifname_problem(name);

        if (why) {
            return xasprintf("invalid interface name \"%s\": %s", name,
                             why);
        }
    }
    if (column_changed(c, V.if_type) && *type && !netdev_type_exists(type)) {
        char *why = bridge_bad_iface_type_error(type);
        char *error = xasprintf("interface %s: %s", name, why);

        free(why);
        return error;
    }
    if (!column_changed(c, V.if_type) && !column_changed(c, V.if_options)) {
        return NULL;
    }
    n_names = netdev_type_options(*type ? type : "system", &names, &helps);
    for (unsigned int i = 0; i < options->n; i++) {
        const char *key = options->keys[i].string;
        struct dstr valid = DSTR_INITIALIZER;
        bool found = false;
        char *error;

        for (size_t k = 0; k < n_names; k++) {
            found = found || !strcmp(names[k], key);
            dstr_printf(&valid, "%s%s", k ? ", " : "", names[k]);
        }
        if (found) {
            dstr_destroy(&valid);
            continue;
        }
        error = xasprintf("interface %s: interface type \"%s\" has no "
                          "option \"%s\" (%s%s)", name,
                          *type ? type : "system", key,
                          n_names ? "valid options: " : "",
                          n_names ? dstr_cstr(&valid)
                                  : "it takes no options");
        dstr_destroy(&valid);
        return error;
    }
    return NULL;
}

/* A row that some reference set already holds, by UUID. */
struct owner {
    struct hmap_node node;
    struct uuid uuid;
    const struct db_row *owner;
};

static const struct db_row *
claim(struct hmap *owners, const struct uuid *uuid, const struct db_row *row)
{
    uint32_t hash = uuid_hash(uuid);
    struct owner *o;

    HMAP_FOR_EACH_WITH_HASH (o, node, hash, owners) {
        if (uuid_equals(&o->uuid, uuid)) {
            return o->owner;
        }
    }
    o = xmalloc(sizeof *o);
    o->uuid = *uuid;
    o->owner = row;
    hmap_insert(owners, &o->node, hash);
    return NULL;
}

static void
owners_destroy(struct hmap *owners)
{
    struct owner *o, *next;

    HMAP_FOR_EACH_SAFE (o, next, node, owners) {
        hmap_remove(owners, &o->node);
        free(o);
    }
    hmap_destroy(owners);
}

/* Checks that every row of 'child_table' that rows of 'table' reference
 * through 'refs' has one referrer at most. */
static char *
check_single_owner(struct db_txn *txn, const struct db_table_schema *table,
                   const struct db_column_schema *refs,
                   const struct db_column_schema *name,
                   const struct db_table_schema *child_table,
                   const struct db_column_schema *child_name,
                   const char *what, const char *owner_what)
{
    struct hmap owners = HMAP_INITIALIZER;
    const struct db_row *row;
    char *error = NULL;

    DB_TXN_FOR_EACH (row, txn, table) {
        const struct db_datum *d = db_row_get(row, refs);

        for (unsigned int i = 0; i < d->n && !error; i++) {
            const struct uuid *uuid = &d->keys[i].uuid;
            const struct db_row *first = claim(&owners, uuid, row);
            const struct db_row *child;

            if (!first) {
                continue;
            }
            const char *a = string_of(first, name);
            const char *b = string_of(row, name);

            child = db_txn_get(txn, child_table, uuid);
            if (strcmp(a, b) > 0) {
                const char *tmp = a;
                a = b;
                b = tmp;
            }
            error = xasprintf("%s %s cannot be in two %ss (%s and %s): "
                              "remove it from one first", what,
                              child ? string_of(child, child_name) : "?",
                              owner_what, a, b);
        }
        if (error) {
            break;
        }
    }
    owners_destroy(&owners);
    return error;
}

char *
bridge_validate(void *aux, struct db_txn *txn,
                const struct db_row_change *changes, size_t n)
{
    bool membership = false;
    char *error = NULL;

    resolve(db_get_schema(db_txn_get_db(txn)));
    for (size_t i = 0; i < n && !error; i++) {
        const struct db_row_change *c = &changes[i];

        if (c->table == V.ovs && !c->new) {
            error = xstrdup("the Open_vSwitch row is required and cannot "
                            "be destroyed (remove bridges with del-br)");
        } else if (!c->new) {
            continue;
        } else if (c->table == V.bridge) {
            error = check_bridge(c);
            membership |= column_changed(c, V.br_ports);
        } else if (c->table == V.port) {
            membership |= column_changed(c, V.port_interfaces);
        } else if (c->table == V.iface) {
            error = check_iface(c);
        } else {
            error = bridge_flows_validate(c);
        }
    }
    if (!error && membership) {
        error = check_single_owner(txn, V.bridge, V.br_ports, V.br_name,
                                   V.port, V.port_name, "port", "bridge");
    }
    if (!error && membership) {
        error = check_single_owner(txn, V.port, V.port_interfaces,
                                   V.port_name, V.iface, V.if_name,
                                   "interface", "port");
    }
    return error;
}
