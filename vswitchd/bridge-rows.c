/*
 * bridge-rows.c -- the configuration rows, read for the datapaths.
 *
 * The reconfiguration (bridge.c) reads the Bridge, Port and Interface rows
 * of every bridge after every commit.  Here are the columns it reads and
 * writes, resolved once per schema into 'bridge_cols' (with 1000 ports,
 * looking their names up for every row on every change was most of what a
 * vsctl command cost), small accessors for strings and map columns, and
 * the translation of a row into the datapath's settings (dpif.h): a
 * Bridge into a struct dpif_bridge_config, a Port's VLAN columns and an
 * Interface's pmd-rxq-affinity into a struct dpif_port_config.  The other
 * columns of a port have files of their own: QoS and policing in
 * bridge-qos.c, mirrors in bridge-mirrors.c, NetFlow and IPFIX in
 * bridge-flows.c.  Also a set of row UUIDs, each with the first owner
 * that claimed it: the reconfiguration plans a Port or Interface row
 * once, and commit-time validation (bridge-validate.c) refuses one that
 * two bridges or ports would share.
 *
 * Nothing here writes to the database; bridge-state.c does.
 */
#include <config.h>
#include "bridge-private.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "dp-packet.h"
#include "hmap.h"
#include "dpif.h"
#include "pmd-config.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"
#include "bridge-qos.h"

VLOG_USE_SHARED_MODULE(bridge);

struct bridge_columns bridge_cols;

/* The schema's columns. */

static const struct db_column_schema *
must_find_column(const struct db_table_schema *ts, const char *name)
{
    const struct db_column_schema *col = db_table_find_column(ts, name);
    if (!col) {
        VLOG_EMER("schema: table %s has no column %s", ts->name, name);
        abort();
    }
    return col;
}

static const struct db_table_schema *
must_find_table(const struct db_schema *schema, const char *name)
{
    const struct db_table_schema *ts = db_schema_find_table(schema, name);
    if (!ts) {
        VLOG_EMER("schema: no table %s", name);
        abort();
    }
    return ts;
}

void
bridge_resolve_columns(const struct db_schema *schema)
{
    struct bridge_columns *c = &bridge_cols;

    if (c->schema == schema) {
        return;
    }
    c->schema = schema;
    c->ovs = must_find_table(schema, "Open_vSwitch");
    c->bridge = must_find_table(schema, "Bridge");
    c->port = must_find_table(schema, "Port");
    c->iface = must_find_table(schema, "Interface");
    c->mirror = must_find_table(schema, "Mirror");

    c->br_name = must_find_column(c->bridge, "name");
    c->br_ports = must_find_column(c->bridge, "ports");
    c->br_dp_type = must_find_column(c->bridge, "datapath_type");
    c->br_other_config = must_find_column(c->bridge, "other_config");
    c->br_flood_vlans = must_find_column(c->bridge, "flood_vlans");
    c->br_mirrors = must_find_column(c->bridge, "mirrors");

    c->port_name = must_find_column(c->port, "name");
    c->port_interfaces = must_find_column(c->port, "interfaces");
    c->port_tag = must_find_column(c->port, "tag");
    c->port_trunks = must_find_column(c->port, "trunks");
    c->port_cvlans = must_find_column(c->port, "cvlans");
    c->port_vlan_mode = must_find_column(c->port, "vlan_mode");
    c->port_other_config = must_find_column(c->port, "other_config");

    c->if_name = must_find_column(c->iface, "name");
    c->if_type = must_find_column(c->iface, "type");
    c->if_ofport = must_find_column(c->iface, "ofport");
    c->if_ofport_request = must_find_column(c->iface, "ofport_request");
    c->if_mtu_request = must_find_column(c->iface, "mtu_request");
    c->if_error = must_find_column(c->iface, "error");
    c->if_ifindex = must_find_column(c->iface, "ifindex");
    c->if_mtu = must_find_column(c->iface, "mtu");
    c->if_mac_in_use = must_find_column(c->iface, "mac_in_use");
    c->if_admin_state = must_find_column(c->iface, "admin_state");
    c->if_link_state = must_find_column(c->iface, "link_state");
    c->if_statistics = must_find_column(c->iface, "statistics");
    c->if_options = must_find_column(c->iface, "options");
    c->if_other_config = must_find_column(c->iface, "other_config");
    c->if_status = must_find_column(c->iface, "status");

    bridge_qos_resolve(schema);
}

/* Reading rows. */

const char *
bridge_row_string(const struct db_row *row,
                  const struct db_column_schema *col)
{
    const struct db_datum *d = db_row_get(row, col);
    return d->n ? d->keys[0].string : "";
}
const char *
bridge_row_map_get(const struct db_row *row,
                   const struct db_column_schema *col, const char *key)
{
    return db_datum_smap_get(db_row_get(row, col), key);
}

long long
bridge_row_map_get_int(const struct db_row *row,
                       const struct db_column_schema *col, const char *key,
                       long long dflt, long long min, long long max)
{
    const char *s = bridge_row_map_get(row, col, key);
    long long v;
    if (!s || !str_to_llong(s, 10, &v) || v < min || v > max) {
        return dflt;
    }
    return v;
}

void
bridge_row_to_smap(const struct db_row *row,
                   const struct db_column_schema *col, struct smap *smap)
{
    const struct db_datum *d = db_row_get(row, col);

    smap_init(smap);
    for (unsigned int i = 0; i < d->n; i++) {
        smap_add(smap, d->keys[i].string, d->values[i].string);
    }
}

static void
vlan_set_from_datum(const struct db_datum *d, bool *all,
                    struct dp_vlan_bitmap *bits)
{
    memset(bits, 0, sizeof *bits);
    *all = !d->n;
    for (unsigned int i = 0; i < d->n; i++) {
        dp_vlan_bitmap_set(bits, d->keys[i].integer & 4095);
    }
}

/* A VLAN set for a dpif_port_config from a set of integers, or NULL
 * (every VLAN) if it is empty.  The caller frees it. */
static struct dp_vlan_bitmap *
vlan_set_new(const struct db_datum *d)
{
    struct dp_vlan_bitmap *bits;
    bool all;

    if (!d->n) {
        return NULL;
    }
    bits = xmalloc(sizeof *bits);
    vlan_set_from_datum(d, &all, bits);
    return bits;
}

static enum dp_vlan_mode
port_vlan_mode(const struct db_row *port)
{
    const struct db_datum *mode = db_row_get(port, bridge_cols.port_vlan_mode);
    const struct db_datum *tag = db_row_get(port, bridge_cols.port_tag);
    const char *s = mode->n ? mode->keys[0].string : "";

    if (!strcmp(s, "access")) {
        return DP_VLAN_ACCESS;
    } else if (!strcmp(s, "trunk")) {
        return DP_VLAN_TRUNK;
    } else if (!strcmp(s, "native-tagged")) {
        return DP_VLAN_NATIVE_TAGGED;
    } else if (!strcmp(s, "native-untagged")) {
        return DP_VLAN_NATIVE_UNTAGGED;
    } else if (!strcmp(s, "dot1q-tunnel")) {
        return DP_VLAN_DOT1Q_TUNNEL;
    }
    return tag->n ? DP_VLAN_ACCESS : DP_VLAN_TRUNK;
}

/* Row into configuration. */

void
bridge_port_config_from_row(struct dpif_port_config *pc,
                            const struct db_row *port)
{
    const struct db_datum *tag = db_row_get(port, bridge_cols.port_tag);
    const char *ethtype = bridge_row_map_get(port,
                                             bridge_cols.port_other_config,
                                             "qinq-ethtype");

    pc->vlan.mode = port_vlan_mode(port);
    pc->vlan.tag = tag->n ? tag->keys[0].integer : 0;
    pc->trunks = vlan_set_new(db_row_get(port, bridge_cols.port_trunks));
    pc->cvlans = vlan_set_new(db_row_get(port, bridge_cols.port_cvlans));
    pc->vlan.qinq_tpid = ethtype && !strcmp(ethtype, "802.1q")
                         ? ETH_TYPE_VLAN : ETH_TYPE_VLAN_8021AD;
}

/* Interface other_config:pmd-rxq-affinity.  Commit-time validation
 * refuses a bad value; one already in the database is logged and
 * ignored. */
void
bridge_rxq_config_from_row(struct dpif_port_config *pc,
                           const struct db_row *iface)
{
    const char *s = bridge_row_map_get(iface, bridge_cols.if_other_config,
                                       "pmd-rxq-affinity");
    char *error;

    if (!s) {
        return;
    }
    error = pmd_rxq_affinity_parse(s, &pc->rxq);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);

        VLOG_WARN_RL(&rl, "interface %s: other_config:%s (ignored)",
                     pc->name, error);
        memset(&pc->rxq, 0, sizeof pc->rxq);
        free(error);
    }
}

void
bridge_config_from_row(struct dpif_bridge_config *bc,
                       const struct db_row *br)
{
    const struct db_column_schema *oc = bridge_cols.br_other_config;
    const char *bpdu = bridge_row_map_get(br, oc, "forward-bpdu");
    bool all;

    bc->name = bridge_row_string(br, bridge_cols.br_name);
    bc->mac_aging_s = bridge_row_map_get_int(br, oc, "mac-aging-time",
                                             300, 1, INT_MAX);
    bc->mac_table_size = bridge_row_map_get_int(br, oc, "mac-table-size",
                                                8192, 1, 1000000);
    vlan_set_from_datum(db_row_get(br, bridge_cols.br_flood_vlans), &all,
                        &bc->learn.flood_vlans);
    bc->bpdu.forward = bpdu && !strcmp(bpdu, "true");
}

struct named_row {
    const char *name;
    const struct db_row *row;
};

static int
compare_named_rows(const void *a_, const void *b_)
{
    const struct named_row *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

/* The rows of 'ts' that column 'col' of 'row' points to, sorted by their
 * 'name_col', into '*rowsp' (to free); returns how many. */
size_t
bridge_deref_sorted(struct db_txn *txn, const struct db_row *row,
                    const struct db_column_schema *col,
                    const struct db_table_schema *ts,
                    const struct db_column_schema *name_col,
                    const struct db_row ***rowsp)
{
    const struct db_datum *d = db_row_get(row, col);
    struct named_row *named = xmalloc((d->n + 1) * sizeof *named);
    size_t n = 0;

    for (unsigned int i = 0; i < d->n; i++) {
        const struct db_row *r = db_txn_get(txn, ts, &d->keys[i].uuid);
        if (r) {
            named[n].name = bridge_row_string(r, name_col);
            named[n++].row = r;
        }
    }
    if (n > 1) {
        qsort(named, n, sizeof *named, compare_named_rows);
    }
    *rowsp = xmalloc((n + 1) * sizeof **rowsp);
    for (size_t i = 0; i < n; i++) {
        (*rowsp)[i] = named[i].row;
    }
    free(named);
    return n;
}

/* Sets of UUIDs. */

struct uuid_entry {
    struct hmap_node node;
    struct uuid uuid;
    const void *owner;
};

const void *
bridge_uuid_set_claim(struct hmap *set, const struct uuid *uuid,
                      const void *owner)
{
    uint32_t hash = uuid_hash(uuid);
    struct uuid_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, hash, set) {
        if (uuid_equals(&e->uuid, uuid)) {
            return e->owner;
        }
    }
    e = xmalloc(sizeof *e);
    e->uuid = *uuid;
    e->owner = owner;
    hmap_insert(set, &e->node, hash);
    return NULL;
}

bool
bridge_uuid_set_contains(const struct hmap *set, const struct uuid *uuid)
{
    const struct uuid_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, uuid_hash(uuid), set) {
        if (uuid_equals(&e->uuid, uuid)) {
            return true;
        }
    }
    return false;
}

void
bridge_uuid_set_destroy(struct hmap *set)
{
    struct uuid_entry *e, *next;

    HMAP_FOR_EACH_SAFE (e, next, node, set) {
        hmap_remove(set, &e->node);
        free(e);
    }
    hmap_destroy(set);
}
