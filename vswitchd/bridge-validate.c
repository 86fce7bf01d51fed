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
 *     second; refusing tells the user at once);
 *   - a Mirror with both or (set explicitly) neither of output_port and
 *     output_vlan, or whose filter is not a pcap-filter expression
 *     (libpcap's message; an OpenFlow match, as Open vSwitch 3.4 takes,
 *     is named as such), and more than DPIF_MAX_MIRRORS mirrors in a
 *     bridge (bridge-mirrors.c).
 *   - poll-mode thread settings as OVS users write them: an Open_vSwitch
 *     other_config:pmd-cpu-mask that is not a hexadecimal mask or names
 *     a CPU the system does not have, an Interface
 *     other_config:pmd-rxq-affinity that is not a "QUEUE:CORE,..." list
 *     or names such a core (pmd-config.h);
 *   - QoS and Queue values the switch cannot apply (bridge-qos.c parses
 *     them exactly as a reconfiguration will): an unknown QoS type, rates
 *     that are not non-negative integers, a min-rate above the max-rate,
 *     a pcap filter libpcap refuses (with its message), PCP/DSCP sets out
 *     of range, and a Port other_config:qos-queue that no QoS has.
 *
 * Only what the transaction changes is judged: a row whose type, options,
 * datapath_type or name are as before passes, and of the references only
 * those the transaction adds are checked for a second owner, so a database
 * written by an older version (or edited by hand) keeps accepting
 * unrelated edits -- libvirt's add-port and del-port included -- and
 * bridge.c copes with whatever such a database holds.  The membership scan
 * looks at every Bridge and Port, but only in transactions that add a
 * reference; with 1000 ports it costs microseconds.
 */
#include <config.h>
#include "bridge-private.h"
#include "bridge-flows.h"

#include <stdlib.h>
#include <string.h>

#include "bridge-mirrors.h"
#include "db.h"
#include "dpif.h"
#include "hmap.h"
#include "netdev.h"
#include "pmd-config.h"
#include "util.h"
#include "bridge-qos.h"

static struct {
    const struct db_schema *schema;
    const struct db_table_schema *ovs, *bridge, *port, *iface, *mirror;
    const struct db_column_schema *br_name, *br_ports, *br_dp_type,
        *br_mirrors;
    const struct db_column_schema *port_name, *port_interfaces;
    const struct db_column_schema *if_name, *if_type, *if_options,
        *if_other_config;
    const struct db_column_schema *ovs_other_config;
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
    V.mirror = db_schema_find_table(schema, "Mirror");
    V.br_mirrors = db_table_find_column(V.bridge, "mirrors");
    V.br_name = db_table_find_column(V.bridge, "name");
    V.br_ports = db_table_find_column(V.bridge, "ports");
    V.br_dp_type = db_table_find_column(V.bridge, "datapath_type");
    V.port_name = db_table_find_column(V.port, "name");
    V.port_interfaces = db_table_find_column(V.port, "interfaces");
    V.if_name = db_table_find_column(V.iface, "name");
    V.if_type = db_table_find_column(V.iface, "type");
    V.if_options = db_table_find_column(V.iface, "options");
    V.if_other_config = db_table_find_column(V.iface, "other_config");
    V.ovs_other_config = db_table_find_column(V.ovs, "other_config");
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
    const char *missing = netdev_type_missing_reason(type);
    char *valid = netdev_types_string();
    char *error = (missing
                   ? xasprintf("interface type \"%s\" is not available: "
                               "%s", type, missing)
                   : xasprintf("unsupported interface type \"%s\" (valid "
                               "types: %s; empty means \"system\")",
                               type, valid));
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

/* The value of 'key' in map column 'col' if 'change' sets it (inserts its
 * row with it, or gives it a new value), else NULL. */
static const char *
map_key_set(const struct db_row_change *c,
            const struct db_column_schema *col, const char *key)
{
    const char *new = db_datum_smap_get(db_row_get(c->new, col), key);
    const char *old = (c->old
                       ? db_datum_smap_get(db_row_get(c->old, col), key)
                       : NULL);

    return new && (!old || strcmp(old, new)) ? new : NULL;
}

static char *
check_ovs(const struct db_row_change *c)
{
    const char *mask = map_key_set(c, V.ovs_other_config, "pmd-cpu-mask");
    cpu_set_t cpus;
    char *why, *error;

    if (!mask || !*mask) {
        return NULL;
    }
    why = pmd_cpu_mask_parse(mask, DPIF_MAX_PMD_THREADS, &cpus);
    if (!why) {
        return NULL;
    }
    error = xasprintf("Open_vSwitch other_config:%s", why);
    free(why);
    return error;
}

static char *
check_bridge(const struct db_row_change *c)
{
    const char *type = bridge_row_string(c->new, V.br_dp_type);
    unsigned int n_mirrors = db_row_get(c->new, V.br_mirrors)->n;
    char *why, *error;

    if (n_mirrors > DPIF_MAX_MIRRORS && column_changed(c, V.br_mirrors)) {
        return xasprintf("bridge %s: %u mirrors, more than the %d a bridge "
                         "may have", bridge_row_string(c->new, V.br_name),
                         n_mirrors, DPIF_MAX_MIRRORS);
    }
    if (!column_changed(c, V.br_dp_type) || dpif_type_exists(type)) {
        return NULL;
    }
    why = bridge_bad_dp_type_error(type);
    error = xasprintf("bridge %s: %s",
                      bridge_row_string(c->new, V.br_name), why);
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
    const char *name = bridge_row_string(c->new, V.if_name);
    const char *type = bridge_row_string(c->new, V.if_type);
    const struct db_datum *options = db_row_get(c->new, V.if_options);
    const char *affinity;

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
    affinity = map_key_set(c, V.if_other_config, "pmd-rxq-affinity");
    if (affinity) {
        struct dpif_rxq_port_config rxq;
        char *why = pmd_rxq_affinity_parse(affinity, &rxq);

        if (why) {
            char *error = xasprintf("interface %s: other_config:%s", name,
                                    why);

            free(why);
            return error;
        }
    }
    if (!column_changed(c, V.if_type) && !column_changed(c, V.if_options)) {
        return NULL;
    }
    for (unsigned int i = 0; i < options->n; i++) {
        char *why = netdev_check_option_name(*type ? type : "system",
                                             options->keys[i].string);

        if (why) {
            char *error = xasprintf("interface %s: %s", name, why);

            free(why);
            return error;
        }
    }
    return NULL;
}

/* Adds to 'added' the references in column 'col' that 'c' adds: all of
 * them for an inserted row, those not in the old version otherwise. */
static void
collect_added_refs(const struct db_row_change *c,
                   const struct db_column_schema *col, struct hmap *added)
{
    const struct db_datum *new = db_row_get(c->new, col);
    const struct db_datum *old = c->old ? db_row_get(c->old, col) : NULL;

    for (unsigned int i = 0; i < new->n; i++) {
        const struct uuid *uuid = &new->keys[i].uuid;
        bool had = false;

        for (unsigned int j = 0; old && j < old->n && !had; j++) {
            had = uuid_equals(&old->keys[j].uuid, uuid);
        }
        if (!had) {
            bridge_uuid_set_claim(added, uuid, NULL);
        }
    }
}

/* Checks that no row of 'child_table' that the transaction newly
 * references (in 'added') through 'refs' of rows of 'table' has two
 * referrers.  Duplicates that were there before are left alone: a
 * database from before this check may hold one (bridge.c ignores the
 * second place), and unrelated edits -- libvirt's add-port, say -- must
 * not fail for it. */
static char *
check_single_owner(struct db_txn *txn, const struct db_table_schema *table,
                   const struct db_column_schema *refs,
                   const struct db_column_schema *name,
                   const struct db_table_schema *child_table,
                   const struct db_column_schema *child_name,
                   const struct hmap *added,
                   const char *what, const char *owner_what)
{
    struct hmap owners = HMAP_INITIALIZER;
    const struct db_row *row;
    char *error = NULL;

    DB_TXN_FOR_EACH (row, txn, table) {
        const struct db_datum *d = db_row_get(row, refs);

        for (unsigned int i = 0; i < d->n && !error; i++) {
            const struct uuid *uuid = &d->keys[i].uuid;
            const struct db_row *first = bridge_uuid_set_claim(&owners,
                                                               uuid, row);
            const struct db_row *child;

            if (!first || !bridge_uuid_set_contains(added, uuid)) {
                continue;
            }

            const char *a = bridge_row_string(first, name);
            const char *b = bridge_row_string(row, name);

            child = db_txn_get(txn, child_table, uuid);
            if (strcmp(a, b) > 0) {
                const char *tmp = a;
                a = b;
                b = tmp;
            }
            error = xasprintf("%s %s cannot be in two %ss (%s and %s): "
                              "remove it from one first", what,
                              (child
                               ? bridge_row_string(child, child_name)
                               : "?"),
                              owner_what, a, b);
        }
        if (error) {
            break;
        }
    }
    bridge_uuid_set_destroy(&owners);
    return error;
}

char *
bridge_validate(void *aux, struct db_txn *txn,
                const struct db_row_change *changes, size_t n)
{
    struct hmap added_ports = HMAP_INITIALIZER;
    struct hmap added_ifaces = HMAP_INITIALIZER;
    char *error = NULL;

    resolve(db_get_schema(db_txn_get_db(txn)));
    bridge_qos_resolve(db_get_schema(db_txn_get_db(txn)));
    for (size_t i = 0; i < n && !error; i++) {
        const struct db_row_change *c = &changes[i];

        if (c->table == V.ovs && !c->new) {
            error = xstrdup("the Open_vSwitch row is required and cannot "
                            "be destroyed (remove bridges with del-br)");
        } else if (!c->new) {
            continue;
        } else if (c->table == V.ovs) {
            error = check_ovs(c);
            if (!error) {
                error = bridge_flows_validate(c);
            }
        } else if (c->table == V.bridge) {
            error = check_bridge(c);
            collect_added_refs(c, V.br_ports, &added_ports);
        } else if (c->table == V.port) {
            collect_added_refs(c, V.port_interfaces, &added_ifaces);
        } else if (c->table == V.iface) {
            error = check_iface(c);
        } else if (c->table == V.mirror) {
            error = bridge_mirror_validate(txn, c->old, c->new);
        } else if (bridge_qos_is_qos_table(c->table)) {
            struct dpif_qos_desc desc;

            error = bridge_qos_parse(txn, c->new, &desc);
        } else if (bridge_qos_is_queue_table(c->table)) {
            struct dpif_qos_queue_desc q;

            error = bridge_qos_parse_queue(c->new, UINT32_MAX, &q);
        } else {
            error = bridge_flows_validate(c);
        }
        if (!error && c->table == V.port
            && column_changed(c, db_table_find_column(V.port,
                                                      "other_config"))) {
            error = bridge_qos_check_port(txn, c->new);
        }
    }
    if (!error && !hmap_is_empty(&added_ports)) {
        error = check_single_owner(txn, V.bridge, V.br_ports, V.br_name,
                                   V.port, V.port_name, &added_ports,
                                   "port", "bridge");
    }
    if (!error && !hmap_is_empty(&added_ifaces)) {
        error = check_single_owner(txn, V.port, V.port_interfaces,
                                   V.port_name, V.iface, V.if_name,
                                   &added_ifaces, "interface", "port");
    }
    bridge_uuid_set_destroy(&added_ports);
    bridge_uuid_set_destroy(&added_ifaces);
    return error;
}
