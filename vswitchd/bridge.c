#include <config.h>
#include "bridge.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dpif.h"
#include "db.h"
#include "hmap.h"
#include "netdev.h"
#include "pmd-config.h"
#include "poll-loop.h"
#include "rtnl-monitor.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"
#include "bridge-datapaths.h"
#include "bridge-mirrors.h"
#include "bridge-flows.h"
#include "bridge-private.h"
#include "bridge-qos.h"

VLOG_DEFINE_THIS_MODULE(bridge);

/* Interface types are the registered netdev providers ("" means
 * "system"), datapath types the registered dpif providers ("" means
 * DPIF_DEFAULT_TYPE); both lists are written to the Open_vSwitch row at
 * start-up, and error messages list them. */

#define STATS_INTERVAL_DEFAULT 5000

/* An interface the switch has open. */
struct iface {
    struct hmap_node node;      /* In 'ifaces', by name. */
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
    uint64_t stats[9];          /* As refresh_stats() last wrote them. */
    bool used;                  /* Wanted by the current configuration. */
};

/* One interface the configuration asks for, during reconfiguration. */
struct plan {
    const struct db_row *iface_row;
    const struct db_row *port_row;
    const struct db_row *bridge_row;
    struct datapath *dp;        /* NULL if the bridge's type is unusable. */
    uint32_t bridge;            /* Index into dp->cfg.bridges. */
    struct iface *iface;        /* NULL if it could not be opened. */
    char *error;
};

static struct hmap ifaces = HMAP_INITIALIZER;
static struct iface **retired;  /* Replaced, to close after the datapath. */
static size_t n_retired;
static struct rtnl_monitor *rtnl;
static bool hotplug_pending;    /* A watched kernel interface changed. */
/* A configured interface's name (remember_wanted()). */
struct wanted {
    struct hmap_node node;      /* In 'wanted', by name. */
    unsigned int gen;           /* Last reconfiguration that wanted it. */
    char name[];
};
static struct hmap wanted = HMAP_INITIALIZER;
static unsigned int wanted_gen;
static unsigned long long applied_seqno;

static long long next_stats;
static long long stats_interval = STATS_INTERVAL_DEFAULT;


static const struct db_table_schema *
table(struct db_txn *txn, const char *name)
{
    return db_schema_find_table(db_get_schema(db_txn_get_db(txn)), name);
}

/* The tables and columns a reconfiguration reads and writes, resolved once
 * from the schema: with 1000 ports, looking their names up for every row
 * on every change was most of what a vsctl command cost. */
static struct {
    const struct db_schema *schema;
    const struct db_table_schema *bridge, *port, *iface, *mirror;
    const struct db_column_schema *br_name, *br_ports, *br_dp_type,
        *br_other_config, *br_flood_vlans, *br_mirrors;
    const struct db_column_schema *port_name, *port_interfaces, *port_tag,
        *port_trunks, *port_cvlans, *port_vlan_mode, *port_other_config;
    const struct db_column_schema *if_name, *if_type, *if_ofport,
        *if_ofport_request, *if_mtu_request, *if_error, *if_ifindex,
        *if_mtu, *if_mac_in_use, *if_admin_state, *if_link_state,
        *if_statistics, *if_options, *if_other_config, *if_status;
} C;

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

static void
resolve_columns(const struct db_schema *schema)
{
    if (C.schema == schema) {
        return;
    }
    C.schema = schema;
    C.bridge = must_find_table(schema, "Bridge");
    C.port = must_find_table(schema, "Port");
    C.iface = must_find_table(schema, "Interface");
    C.mirror = must_find_table(schema, "Mirror");

    C.br_name = must_find_column(C.bridge, "name");
    C.br_ports = must_find_column(C.bridge, "ports");
    C.br_dp_type = must_find_column(C.bridge, "datapath_type");
    C.br_other_config = must_find_column(C.bridge, "other_config");
    C.br_flood_vlans = must_find_column(C.bridge, "flood_vlans");
    C.br_mirrors = must_find_column(C.bridge, "mirrors");

    C.port_name = must_find_column(C.port, "name");
    C.port_interfaces = must_find_column(C.port, "interfaces");
    C.port_tag = must_find_column(C.port, "tag");
    C.port_trunks = must_find_column(C.port, "trunks");
    C.port_cvlans = must_find_column(C.port, "cvlans");
    C.port_vlan_mode = must_find_column(C.port, "vlan_mode");
    C.port_other_config = must_find_column(C.port, "other_config");

    C.if_name = must_find_column(C.iface, "name");
    C.if_type = must_find_column(C.iface, "type");
    C.if_ofport = must_find_column(C.iface, "ofport");
    C.if_ofport_request = must_find_column(C.iface, "ofport_request");
    C.if_mtu_request = must_find_column(C.iface, "mtu_request");
    C.if_error = must_find_column(C.iface, "error");
    C.if_ifindex = must_find_column(C.iface, "ifindex");
    C.if_mtu = must_find_column(C.iface, "mtu");
    C.if_mac_in_use = must_find_column(C.iface, "mac_in_use");
    C.if_admin_state = must_find_column(C.iface, "admin_state");
    C.if_link_state = must_find_column(C.iface, "link_state");
    C.if_statistics = must_find_column(C.iface, "statistics");
    C.if_options = must_find_column(C.iface, "options");
    C.if_other_config = must_find_column(C.iface, "other_config");
    C.if_status = must_find_column(C.iface, "status");

    bridge_qos_resolve(schema);
}

/* The first string of 'col' in 'row', or "". */
static const char *
get_string(const struct db_row *row, const struct db_column_schema *col)
{
    const struct db_datum *d = db_row_get(row, col);
    return d->n ? d->keys[0].string : "";
}

/* Start-up. */

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

    resolve_columns(schema);
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

void
bridge_init(void)
{
    netdev_init();
    rtnl = rtnl_monitor_create();
    if (!rtnl) {
        VLOG_WARN("no rtnetlink link events: interfaces that come back "
                  "will be noticed only on the next reconfiguration");
    }
    bridge_cmds_register();
    bridge_mirrors_register();
    bridge_flows_init();
}

static void
iface_free(struct iface *iface)
{
    netdev_close(iface->netdev);
    smap_destroy(&iface->options);
    free(iface->name);
    free(iface->type);
    free(iface);
}

void
bridge_exit(void)
{
    struct iface *iface, *next;

    /* The datapaths stop counting and let go of the devices before they
     * are closed; then every flow counted is exported. */
    bridge_dp_exit();
    bridge_flows_exit();
    bridge_mirrors_exit();
    HMAP_FOR_EACH_SAFE (iface, next, node, &ifaces) {
        hmap_remove(&ifaces, &iface->node);
        iface_free(iface);
    }
    rtnl_monitor_destroy(rtnl);
    rtnl = NULL;
    struct wanted *w, *w_next;
    HMAP_FOR_EACH_SAFE (w, w_next, node, &wanted) {
        hmap_remove(&wanted, &w->node);
        free(w);
    }

    /* Back to the state before the first bridge_run(), so that
     * bridge_init() and bridge_run() may start over, on another database
     * (the fuzz targets do so for every input; a new database's sequence
     * number may equal the old one's). */
    applied_seqno = 0;
    hotplug_pending = false;
    next_stats = 0;
    stats_interval = STATS_INTERVAL_DEFAULT;
}

/* Interfaces. */

static struct iface *
iface_find(const char *name)
{
    struct iface *iface;
    HMAP_FOR_EACH_WITH_HASH (iface, node, hash_string(name, 0), &ifaces) {
        if (!strcmp(iface->name, name)) {
            return iface;
        }
    }
    return NULL;
}

/* Returns the open interface for 'name' of 'type' with Interface:options
 * 'options', opening or re-opening it as needed (options reach a provider
 * before the datapath opens its queues, so a change re-opens the device);
 * NULL with '*errorp' set if that fails. */
static struct iface *
iface_get(const char *name, const char *type, const struct smap *options,
          char **errorp)
{
    struct iface *iface = iface_find(name);
    const char *norm = *type ? type : "system";

    if (iface && (iface->stale || strcmp(iface->type, norm)
                  || !smap_equal(&iface->options, options))) {
        /* Opened afresh below; the old one is closed once the datapath has
         * let go of it, at the end of this reconfiguration. */
        hmap_remove(&ifaces, &iface->node);
        retired = xrealloc(retired, (n_retired + 1) * sizeof *retired);
        retired[n_retired++] = iface;
        iface = NULL;
    }
    if (iface) {
        return iface;
    }

    struct netdev *netdev;
    int error = netdev_open(name, norm, &netdev, errorp);
    if (!error) {
        error = netdev_set_config(netdev, options, errorp);
        if (error) {
            netdev_close(netdev);
        }
    }
    if (error) {
        if (!*errorp) {
            *errorp = xasprintf("could not open network device %s (%s)",
                                name, strerror(error));
        }
        return NULL;
    }
    iface = xzalloc(sizeof *iface);
    iface->name = xstrdup(name);
    iface->type = xstrdup(norm);
    iface->netdev = netdev;
    smap_clone(&iface->options, options);
    netdev_get_ifindex(netdev, &iface->ifindex);
    if (netdev_get_mtu(netdev, &iface->mtu)) {
        iface->mtu = 0;
    }
    hmap_insert(&ifaces, &iface->node, hash_string(name, 0));
    VLOG_INFO("opened %s interface %s", norm, name);
    return iface;
}

/* The open device of interface 'name', or NULL (bridge_qos_apply()). */
static struct netdev *
iface_netdev(const char *name)
{
    struct iface *iface = iface_find(name);

    return iface && iface->used ? iface->netdev : NULL;
}

/* Reading the configuration. */

static const char *
row_map_get(const struct db_row *row, const struct db_column_schema *col,
            const char *key)
{
    return db_datum_smap_get(db_row_get(row, col), key);
}

static long long
row_map_get_int(const struct db_row *row,
                const struct db_column_schema *col, const char *key,
                long long dflt, long long min, long long max)
{
    const char *s = row_map_get(row, col, key);
    long long v;
    if (!s || !str_to_llong(s, 10, &v) || v < min || v > max) {
        return dflt;
    }
    return v;
}

/* Column 'col' of 'row', a string-to-string map, as an smap. */
static void
row_to_smap(const struct db_row *row, const struct db_column_schema *col,
            struct smap *smap)
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
    const struct db_datum *mode = db_row_get(port, C.port_vlan_mode);
    const struct db_datum *tag = db_row_get(port, C.port_tag);
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

static void
port_config_from_row(struct dpif_port_config *pc, const struct db_row *port)
{
    const struct db_datum *tag = db_row_get(port, C.port_tag);
    const char *ethtype = row_map_get(port, C.port_other_config,
                                   "qinq-ethtype");

    pc->vlan.mode = port_vlan_mode(port);
    pc->vlan.tag = tag->n ? tag->keys[0].integer : 0;
    pc->trunks = vlan_set_new(db_row_get(port, C.port_trunks));
    pc->cvlans = vlan_set_new(db_row_get(port, C.port_cvlans));
    pc->vlan.qinq_tpid = ethtype && !strcmp(ethtype, "802.1q")
                         ? ETH_TYPE_VLAN : ETH_TYPE_VLAN_8021AD;
}

static void
bridge_config_from_row(struct dpif_bridge_config *bc,
                       const struct db_row *br)
{
    const char *bpdu = row_map_get(br, C.br_other_config, "forward-bpdu");
    bool all;

    bc->name = get_string(br, C.br_name);
    bc->mac_aging_s = row_map_get_int(br, C.br_other_config, "mac-aging-time",
                                   300, 1, INT_MAX);
    bc->mac_table_size = row_map_get_int(br, C.br_other_config,
                                      "mac-table-size", 8192, 1, 1000000);
    vlan_set_from_datum(db_row_get(br, C.br_flood_vlans), &all,
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
static size_t
deref_sorted(struct db_txn *txn, const struct db_row *row,
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
            named[n].name = get_string(r, name_col);
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

/* Reconfiguration. */

struct reconfig {
    struct db_txn *txn;
    struct plan *plans;
    size_t n_plans, cap_plans;
    struct smap knobs;          /* Open_vSwitch other_config. */
    struct hmap claimed;        /* struct claim: Ports and Interfaces
                                 * planned so far. */
    struct rc_bridge {          /* Bridges given to a datapath. */
        const struct db_row *row;
        struct datapath *dp;
        uint32_t index;
    } *bridges;
    size_t n_bridges;
};

/* A Port or Interface row already planned, and where.  Commit-time
 * validation refuses a row reachable twice, but a database written before
 * it (or edited by hand) may hold one: the first place wins, as in OVS,
 * and the others are logged and ignored, so the same device is never
 * given to a datapath twice. */
struct claim {
    struct hmap_node node;
    struct uuid uuid;
    const char *owner;          /* The bridge or port that has it. */
};

/* Claims 'uuid' for 'owner'.  Returns NULL if it was free, else the owner
 * that had it first. */
static const char *
claim_row(struct reconfig *rc, const struct uuid *uuid, const char *owner)
{
    uint32_t hash = uuid_hash(uuid);
    struct claim *c;

    HMAP_FOR_EACH_WITH_HASH (c, node, hash, &rc->claimed) {
        if (uuid_equals(&c->uuid, uuid)) {
            return c->owner;
        }
    }
    c = xmalloc(sizeof *c);
    c->uuid = *uuid;
    c->owner = owner;
    hmap_insert(&rc->claimed, &c->node, hash);
    return NULL;
}

static struct plan *
add_plan(struct reconfig *rc, const struct db_row *iface,
         const struct db_row *port, const struct db_row *br,
         struct datapath *dp, uint32_t bridge, char *error)
{
    if (rc->n_plans >= rc->cap_plans) {
        rc->cap_plans = rc->cap_plans * 2 + 16;
        rc->plans = xrealloc(rc->plans, rc->cap_plans * sizeof *rc->plans);
    }
    struct plan *p = &rc->plans[rc->n_plans++];
    memset(p, 0, sizeof *p);
    p->iface_row = iface;
    p->port_row = port;
    p->bridge_row = br;
    p->dp = dp;
    p->bridge = bridge;
    p->error = error;
    return p;
}

/* Plans every interface of 'br', in the order of the reference sets (by
 * UUID): sorting 1000 ports by name on every change cost more than the
 * rest of a reconfiguration, and only new ports' numbers depend on the
 * order, which assign_port_numbers() takes care of. */
static void
plan_bridge(struct reconfig *rc, const struct db_row *br,
            struct datapath *dp, uint32_t index, const char *dp_error)
{
    const struct db_datum *ports = db_row_get(br, C.br_ports);
    const char *br_name = get_string(br, C.br_name);

    for (unsigned int i = 0; i < ports->n; i++) {
        const struct db_row *port = db_txn_get(rc->txn, C.port,
                                               &ports->keys[i].uuid);
        const struct db_datum *ifs = port ? db_row_get(port,
                                                       C.port_interfaces)
                                          : NULL;
        const char *port_name = port ? get_string(port, C.port_name) : "";
        const char *first;

        if (port && (first = claim_row(rc, db_row_uuid(port), br_name))) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);

            VLOG_WARN_RL(&rl, "port %s is in bridges %s and %s: ignored "
                         "in %s", port_name, first, br_name, br_name);
            continue;
        }
        for (unsigned int j = 0; ifs && j < ifs->n; j++) {
            const struct db_row *iface = db_txn_get(rc->txn, C.iface,
                                                    &ifs->keys[j].uuid);
            char *error = NULL;
            const char *type;

            if (!iface) {
                continue;
            }
            first = claim_row(rc, db_row_uuid(iface), port_name);
            if (first) {
                static struct vlog_rate_limit rl
                    = VLOG_RATE_LIMIT_INIT(60, 10);

                VLOG_WARN_RL(&rl, "interface %s is in ports %s and %s: "
                             "ignored in %s", get_string(iface, C.if_name),
                             first, port_name, port_name);
                continue;
            }
            type = get_string(iface, C.if_type);
            if (dp_error) {
                error = xstrdup(dp_error);
            } else if (ifs->n > 1) {
                error = xasprintf("port %s has %u interfaces: bonding is "
                                  "not supported",
                                  get_string(port, C.port_name), ifs->n);
            } else if (*type && !netdev_type_exists(type)) {
                error = bridge_bad_iface_type_error(type);
            }
            add_plan(rc, iface, port, br, dp, index, error);
        }
    }
}

/* Plans every bridge, each in the datapath of its datapath_type (created
 * if it is new); a bridge whose type is unusable gets the reason as the
 * error of each of its interfaces. */
static void
plan_all(struct reconfig *rc, const struct db_row *ovs)
{
    const struct db_row **bridges;
    size_t n = deref_sorted(rc->txn, ovs,
                            db_table_find_column(ovs->table, "bridges"),
                            C.bridge, C.br_name, &bridges);

    for (size_t i = 0; i < n; i++) {
        const char *type = get_string(bridges[i], C.br_dp_type);
        struct datapath *dp = NULL;
        char *error = NULL;

        if (!dpif_type_exists(type)) {
            error = bridge_bad_dp_type_error(type);
        } else {
            dp = bridge_dp_get(dpif_normalize_type(type), &error);
        }
        if (dp) {
            struct dpif_config *cfg = &dp->cfg;

            if (!dp->used) {
                dp->used = true;
                cfg->bridges = xcalloc(n + 1, sizeof *cfg->bridges);
            }
            if (!rc->bridges) {
                rc->bridges = xcalloc(n + 1, sizeof *rc->bridges);
            }
            rc->bridges[rc->n_bridges++] = (struct rc_bridge) {
                bridges[i], dp, cfg->n_bridges
            };
            bridge_config_from_row(&cfg->bridges[cfg->n_bridges],
                                   bridges[i]);
            bridge_flows_configure(rc->txn, bridges[i],
                                   &cfg->bridges[cfg->n_bridges]);
            plan_bridge(rc, bridges[i], dp, cfg->n_bridges++, NULL);
        } else {
            plan_bridge(rc, bridges[i], NULL, 0, error);
        }
        free(error);
    }
    free(bridges);
}

static void
open_planned(struct reconfig *rc)
{
    struct iface *iface;
    HMAP_FOR_EACH (iface, node, &ifaces) {
        iface->used = false;
    }
    for (size_t i = 0; i < rc->n_plans; i++) {
        struct plan *p = &rc->plans[i];
        if (!p->error) {
            struct smap options;

            row_to_smap(p->iface_row, C.if_options, &options);
            p->iface = iface_get(get_string(p->iface_row, C.if_name),
                                 get_string(p->iface_row, C.if_type),
                                 &options, &p->error);
            smap_destroy(&options);
            if (p->iface) {
                p->iface->used = true;
            }
        }
    }
}

/* Port numbers: Interface ofport_request if free, else the number the
 * interface had before (kept in its ofport column across restarts), else
 * the lowest free one, all within 1..PORT_NO_MAX.  Numbers in use are kept
 * in a bitmap, so that one new port among 1000 costs one pass, not one
 * pass per candidate. */
#define PORT_NO_MAX 65279       /* The most Interface ofport_request allows. */
#define ULONG_BITS (sizeof(unsigned long) * CHAR_BIT)

struct port_nos {
    unsigned long bits[PORT_NO_MAX / ULONG_BITS + 1];
};

static bool
port_no_taken(const struct port_nos *nos, int64_t no)
{
    return (no < 1 || no > PORT_NO_MAX
            || (nos->bits[no / ULONG_BITS] >> (no % ULONG_BITS)) & 1);
}

static void
port_no_take(struct port_nos *nos, uint32_t no)
{
    if (no >= 1 && no <= PORT_NO_MAX) {
        nos->bits[no / ULONG_BITS] |= 1UL << (no % ULONG_BITS);
    }
}

static bool
port_no_wanted(const struct port_nos *nos, const struct db_datum *d)
{
    return d->n && !port_no_taken(nos, d->keys[0].integer);
}

/* New interfaces by bridge (bridges are planned in name order), then port
 * and interface name, so that the numbers they get do not depend on
 * UUIDs. */
static int
compare_new_plans(const void *a_, const void *b_)
{
    const struct plan *a = *(const struct plan *const *) a_;
    const struct plan *b = *(const struct plan *const *) b_;
    int cmp;

    cmp = strcmp(get_string(a->bridge_row, C.br_name),
                 get_string(b->bridge_row, C.br_name));
    if (cmp) {
        return cmp;
    }
    cmp = strcmp(get_string(a->port_row, C.port_name),
                 get_string(b->port_row, C.port_name));
    return cmp ? cmp : strcmp(a->iface->name, b->iface->name);
}

static void
assign_port_numbers(struct reconfig *rc)
{
    struct port_nos *nos = xzalloc(sizeof *nos);
    struct plan **new = xmalloc((rc->n_plans + 1) * sizeof *new);
    size_t n_new = 0;

    for (size_t i = 0; i < rc->n_plans; i++) {
        struct plan *p = &rc->plans[i];
        if (p->iface && p->iface->port_no) {
            port_no_take(nos, p->iface->port_no);
        } else if (p->iface) {
            new[n_new++] = p;
        }
    }
    qsort(new, n_new, sizeof *new, compare_new_plans);
    for (size_t i = 0; i < n_new; i++) {
        struct plan *p = new[i];
        if (p->iface->port_no) {
            continue;           /* Two plans for one interface. */
        }
        const struct db_datum *req = db_row_get(p->iface_row,
                                                C.if_ofport_request);
        const struct db_datum *old = db_row_get(p->iface_row, C.if_ofport);
        if (port_no_wanted(nos, req)) {
            p->iface->port_no = req->keys[0].integer;
        } else if (port_no_wanted(nos, old)) {
            p->iface->port_no = old->keys[0].integer;
        } else {
            continue;
        }
        port_no_take(nos, p->iface->port_no);
    }
    uint32_t next = 1;
    for (size_t i = 0; i < n_new; i++) {
        struct plan *p = new[i];
        if (p->iface->port_no) {
            continue;
        }
        while (next <= PORT_NO_MAX && port_no_taken(nos, next)) {
            next++;
        }
        if (next > PORT_NO_MAX) {
            p->error = xasprintf("no free port number (all of 1 to %d are "
                                 "in use)", PORT_NO_MAX);
            p->iface->used = false;
            p->iface = NULL;
            continue;
        }
        p->iface->port_no = next;
        port_no_take(nos, next++);
    }
    free(new);
    free(nos);
}

static void
apply_mtu_request(struct plan *p)
{
    const struct db_datum *req = db_row_get(p->iface_row, C.if_mtu_request);
    int mtu;
    if (req->n && !netdev_get_mtu(p->iface->netdev, &mtu)
        && mtu != req->keys[0].integer) {
        int error = netdev_set_mtu(p->iface->netdev, req->keys[0].integer);
        p->iface->state_known = false;
        if (!error) {
            p->iface->mtu = req->keys[0].integer;
        } else {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);

            VLOG_WARN_RL(&rl, "%s: setting MTU to %"PRId64" failed (%s)",
                      p->iface->name, req->keys[0].integer,
                      strerror(error));
        }
    }
}

/* Interface other_config:pmd-rxq-affinity.  Commit-time validation
 * refuses a bad value; one already in the database is logged and
 * ignored. */
static void
rxq_config_from_row(struct dpif_port_config *pc, const struct db_row *iface)
{
    const char *s = row_map_get(iface, C.if_other_config,
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

static int
compare_port_configs(const void *a_, const void *b_)
{
    const struct dpif_port_config *a = a_, *b = b_;
    return a->port_no < b->port_no ? -1 : a->port_no > b->port_no;
}

static void
build_port_configs(struct reconfig *rc)
{
    struct datapath *dp;

    BRIDGE_DP_FOR_EACH (dp) {
        dp->cfg.ports = xcalloc(rc->n_plans + 1, sizeof *dp->cfg.ports);
    }
    for (size_t i = 0; i < rc->n_plans; i++) {
        struct plan *p = &rc->plans[i];
        if (!p->iface) {
            continue;
        }
        struct dpif_config *cfg = &p->dp->cfg;
        struct dpif_port_config *pc = &cfg->ports[cfg->n_ports++];
        p->iface->arriving = p->iface->dp && p->iface->dp != p->dp;
        p->iface->dp = p->dp;
        apply_mtu_request(p);
        pc->port_no = p->iface->port_no;
        pc->name = p->iface->name;
        pc->netdev = p->iface->netdev;
        pc->bridge = p->bridge;
        bridge_flows_port(cfg->bridges[p->bridge].name, pc->port_no,
                          pc->name);
        port_config_from_row(pc, p->port_row);
        bridge_qos_port_config(rc->txn, pc, p->port_row, p->iface_row);
        rxq_config_from_row(pc, p->iface_row);
        pc->output.mtu = p->iface->mtu;
    }
    /* By port number: the order in which the datapath spreads queues over
     * threads and floods must not depend on UUIDs. */
    BRIDGE_DP_FOR_EACH (dp) {
        qsort(dp->cfg.ports, dp->cfg.n_ports, sizeof *dp->cfg.ports,
              compare_port_configs);
    }
}

/* Records the errors of a push of 'cfg' to 'dp': the plans of the ports
 * the datapath refused get the reason, and their devices are closed with
 * the unused ones. */
static void
record_push_errors(struct reconfig *rc, const struct dpif_config *cfg,
                   char **errors)
{
    for (size_t i = 0; errors && i < cfg->n_ports; i++) {
        for (size_t j = 0; errors[i] && j < rc->n_plans; j++) {
            struct plan *p = &rc->plans[j];

            if (p->iface && p->iface->netdev == cfg->ports[i].netdev) {
                free(p->error);
                p->error = errors[i];
                errors[i] = NULL;
                p->iface->used = false;
                p->iface->dp = NULL;
                p->iface = NULL;
            }
        }
        free(errors[i]);
    }
    free(errors);
}

/* The part of 'dp''s configuration to push now, in '*part' (sharing the
 * ports' contents; free only 'part->ports'): without the ports that an
 * earlier push refused, and without those arriving from another datapath
 * unless 'arrivals'.  Returns true if anything was left out. */
static bool
config_part(struct datapath *dp, bool arrivals, struct dpif_config *part)
{
    *part = dp->cfg;
    part->ports = xcalloc(dp->cfg.n_ports + 1, sizeof *part->ports);
    part->n_ports = 0;
    for (size_t i = 0; i < dp->cfg.n_ports; i++) {
        const struct dpif_port_config *pc = &dp->cfg.ports[i];
        const struct iface *iface = iface_find(pc->name);

        if (iface && iface->dp == dp && (arrivals || !iface->arriving)) {
            part->ports[part->n_ports++] = *pc;
        }
    }
    return part->n_ports != dp->cfg.n_ports;
}

/* Mirrors need the ports' numbers and configurations (bridge-mirrors.c). */
static void
build_mirror_configs(struct reconfig *rc)
{
    struct bridge_mirror_port *ports = xcalloc(rc->n_plans + 1,
                                               sizeof *ports);
    size_t n = 0;

    for (size_t i = 0; i < rc->n_plans; i++) {
        const struct plan *p = &rc->plans[i];

        if (p->iface) {
            ports[n++] = (struct bridge_mirror_port) {
                db_row_uuid(p->port_row), p->bridge_row, p->iface->port_no
            };
        }
    }
    for (size_t i = 0; i < rc->n_bridges; i++) {
        const struct rc_bridge *b = &rc->bridges[i];

        bridge_mirrors_build(rc->txn, b->row, b->dp->dpif, &b->dp->cfg,
                             b->index, ports, n);
    }
    free(ports);
}

/* Gives every datapath its configuration (an empty one to those no bridge
 * uses any more), in two phases when ports move between datapaths (see
 * bridge-datapaths.h). */
static void
push_all(struct reconfig *rc)
{
    struct datapath *dp;
    bool *second = xcalloc(bridge_n_datapaths + 1, sizeof *second);
    size_t d = 0;

    BRIDGE_DP_FOR_EACH (dp) {
        struct dpif_config part;

        second[d++] = config_part(dp, false, &part);
        record_push_errors(rc, &part, bridge_dp_push(dp, &part, &rc->knobs));
        free(part.ports);
    }
    d = 0;
    BRIDGE_DP_FOR_EACH (dp) {
        struct dpif_config part;

        if (second[d++]) {
            /* Leaves out only what a push refused. */
            config_part(dp, true, &part);
            record_push_errors(rc, &part,
                               bridge_dp_push(dp, &part, &rc->knobs));
            free(part.ports);
        }
    }
    free(second);
}

/* Closes interfaces nothing uses any more (the datapaths have let go). */
static void
close_unused(void)
{
    struct iface *iface, *next;
    HMAP_FOR_EACH_SAFE (iface, next, node, &ifaces) {
        if (!iface->used) {
            VLOG_INFO("closed interface %s", iface->name);
            hmap_remove(&ifaces, &iface->node);
            iface_free(iface);
        }
    }
    for (size_t i = 0; i < n_retired; i++) {
        iface_free(retired[i]);
    }
    n_retired = 0;
}

/* Writing back what was observed. */

static void
set_if_changed(struct db_txn *txn, const struct db_row *row,
               const struct db_column_schema *col, struct db_datum *value)
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
    set_if_changed(txn, row, col, &d);
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
    set_if_changed(txn, row, col, &d);
}

static void
write_link_state(struct db_txn *txn, const struct db_row *row,
                 const struct netdev *netdev)
{
    bool admin_up, link_up;
    bool ok = netdev && !netdev_get_state(netdev, &admin_up, &link_up);
    set_optional_str(txn, row, C.if_admin_state,
                     ok ? (admin_up ? "up" : "down") : NULL);
    set_optional_str(txn, row, C.if_link_state,
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
        db_datum_add(&d, &C.if_status->type, &k, &v, true);
    }
    smap_destroy(&status);
    set_if_changed(txn, row, C.if_status, &d);
}

static void
write_iface_state(struct db_txn *txn, const struct plan *p)
{
    const struct db_row *row = p->iface_row;
    const struct netdev *netdev = p->iface ? p->iface->netdev : NULL;
    uint8_t mac[6];
    int ifindex, mtu;
    char macs[18];

    if (p->error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 20);

        VLOG_WARN_RL(&rl, "%s: %s", get_string(row, C.if_name), p->error);
    }
    set_optional_str(txn, row, C.if_error, p->error);
    set_optional_int(txn, row, C.if_ofport, true,
                     p->iface ? (int64_t) p->iface->port_no : -1);
    if (p->iface && p->iface->state_known
        && uuid_equals(&p->iface->row_uuid, db_row_uuid(row))) {
        /* Asking the kernel again about every port on every change would
         * make each vsctl command cost O(ports) system calls; link events
         * and the periodic refresh keep the rest current. */
        return;
    }
    if (p->iface) {
        p->iface->state_known = true;
        p->iface->row_uuid = *db_row_uuid(row);
    }
    bool has_ifindex = netdev && !netdev_get_ifindex(netdev, &ifindex);
    set_optional_int(txn, row, C.if_ifindex, has_ifindex,
                     has_ifindex ? ifindex : 0);
    bool has_mtu = netdev && !netdev_get_mtu(netdev, &mtu);
    set_optional_int(txn, row, C.if_mtu, has_mtu, has_mtu ? mtu : 0);
    if (netdev && !netdev_get_etheraddr(netdev, mac)) {
        snprintf(macs, sizeof macs, "%02x:%02x:%02x:%02x:%02x:%02x",
                 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
        set_optional_str(txn, row, C.if_mac_in_use, macs);
    } else {
        set_optional_str(txn, row, C.if_mac_in_use, NULL);
    }
    write_link_state(txn, row, netdev);
    write_iface_status(txn, row, netdev);
}

static void
set_cur_cfg(struct db_txn *txn, const struct db_row *ovs)
{
    int64_t next_cfg = db_row_get_integer(ovs, "next_cfg");
    if (db_row_get_integer(ovs, "cur_cfg") != next_cfg) {
        struct db_datum d;
        db_datum_init_integer(&d, next_cfg);
        db_row_set_named(db_txn_modify(txn, ovs), "cur_cfg", &d);
    }
}

static struct wanted *
wanted_find(const char *name, uint32_t hash)
{
    struct wanted *w;
    HMAP_FOR_EACH_WITH_HASH (w, node, hash, &wanted) {
        if (!strcmp(w->name, name)) {
            return w;
        }
    }
    return NULL;
}

/* Remembers the names of configured interfaces, so that link events for
 * them (and only them) trigger a reconfiguration.  Names that stay cost a
 * lookup, not an allocation. */
static void
remember_wanted(const struct reconfig *rc)
{
    struct wanted *w, *next;

    wanted_gen++;
    for (size_t i = 0; i < rc->n_plans; i++) {
        const char *name = get_string(rc->plans[i].iface_row, C.if_name);
        uint32_t hash = hash_string(name, 0);

        w = wanted_find(name, hash);
        if (!w) {
            size_t len = strlen(name);
            w = xmalloc(sizeof *w + len + 1);
            memcpy(w->name, name, len + 1);
            hmap_insert(&wanted, &w->node, hash);
        }
        w->gen = wanted_gen;
    }
    HMAP_FOR_EACH_SAFE (w, next, node, &wanted) {
        if (w->gen != wanted_gen) {
            hmap_remove(&wanted, &w->node);
            free(w);
        }
    }
}

static void
reconfig_free(struct reconfig *rc)
{
    for (size_t i = 0; i < rc->n_plans; i++) {
        free(rc->plans[i].error);
    }
    free(rc->plans);
    smap_destroy(&rc->knobs);

    struct claim *c, *next;
    HMAP_FOR_EACH_SAFE (c, next, node, &rc->claimed) {
        hmap_remove(&rc->claimed, &c->node);
        free(c);
    }
    hmap_destroy(&rc->claimed);
    free(rc->bridges);
    bridge_dp_free_building();
}

static bool
record_cur_cfg_only(struct db *db)
{
    struct db_txn *txn = db_txn_begin(db);
    const struct db_row *ovs = db_txn_first(txn, table(txn, "Open_vSwitch"));
    if (ovs) {
        set_cur_cfg(txn, ovs);
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
static void
write_global_status(struct db_txn *txn, const struct db_row *ovs,
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
        set_if_changed(txn, ovs, col, &d);
    }
}

/* Applies the configuration.  Returns true if it changed the database. */
static bool
reconfigure(struct db *db)
{
    struct reconfig rc;
    memset(&rc, 0, sizeof rc);
    rc.txn = db_txn_begin(db);
    smap_init(&rc.knobs);
    hmap_init(&rc.claimed);

    resolve_columns(db_get_schema(db));
    bridge_dp_begin();
    bridge_flows_begin();
    const struct db_row *ovs = db_txn_first(rc.txn,
                                            table(rc.txn, "Open_vSwitch"));
    if (ovs) {
        const struct db_column_schema *oc
            = db_table_find_column(ovs->table, "other_config");

        /* The datapaths read their own knobs from it (dpif_set_config). */
        smap_destroy(&rc.knobs);
        row_to_smap(ovs, oc, &rc.knobs);
        stats_interval = row_map_get_int(ovs, oc, "stats-update-interval",
                                         STATS_INTERVAL_DEFAULT, 1000,
                                         3600 * 1000);
        /* A shorter interval takes effect now, not after the old one. */
        next_stats = MIN(next_stats, time_msec() + stats_interval);

        /* Providers' own settings (DPDK's EAL) before any device opens. */
        struct smap status = SMAP_INITIALIZER;
        netdev_set_global_config(&rc.knobs, &status);
        write_global_status(rc.txn, ovs, &status);
        smap_destroy(&status);
        plan_all(&rc, ovs);
    }
    open_planned(&rc);
    assign_port_numbers(&rc);
    build_port_configs(&rc);
    build_mirror_configs(&rc);
    push_all(&rc);
    bridge_dp_finish();
    bridge_mirrors_finish();
    bridge_qos_finish();
    bridge_flows_finish();
    close_unused();
    bridge_qos_apply(iface_netdev);
    for (size_t i = 0; i < rc.n_plans; i++) {
        write_iface_state(rc.txn, &rc.plans[i]);
    }
    if (ovs) {
        set_cur_cfg(rc.txn, ovs);
    }
    remember_wanted(&rc);

    bool changed = !db_txn_is_empty(rc.txn);
    char *error = db_txn_commit(rc.txn, NULL);
    if (error) {
        /* Still say the configuration was applied, so that clients waiting
         * for it are not left hanging by a bug in what we observed. */
        VLOG_ERR("recording the applied configuration failed: %s", error);
        free(error);
        changed = record_cur_cfg_only(db);
    }
    reconfig_free(&rc);
    return changed;
}

/* Statistics and link state, refreshed periodically. */

static void
refresh_stats(struct db *db)
{
    struct db_txn *txn = db_txn_begin(db);
    const struct db_table_schema *ts;
    const struct db_column_schema *col;
    struct iface *iface;

    resolve_columns(db_get_schema(db));
    ts = C.iface;
    col = C.if_statistics;

    /* With 1000 mostly idle ports, the work goes to the ports whose
     * counters moved: the others cost two reads of counters, no lookup.
     * Kernel interfaces' link state comes with rtnetlink events
     * (link_event()), so only the others' is polled here. */
    static const char *const keys[] = {
        "collisions", "rx_bytes", "rx_dropped", "rx_errors", "rx_packets",
        "tx_bytes", "tx_dropped", "tx_errors", "tx_packets",
    };
    _Static_assert(ARRAY_SIZE(keys) == ARRAY_SIZE(iface->stats),
                   "one key per counter");
    HMAP_FOR_EACH (iface, node, &ifaces) {
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
        bool poll_link = !rtnl || iface->ifindex <= 0;
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
            set_if_changed(txn, row, col, &d);
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
        HMAP_FOR_EACH (iface, node, &ifaces) {
            iface->stats_valid = false;
        }
    }
}

/* Hot-plug. */

static void
link_event(const char *ifname, int ifindex, bool exists, bool up, void *aux)
{
    if (!ifname) {
        /* Events were lost: recheck every interface and its state. */
        struct iface *iface;
        HMAP_FOR_EACH (iface, node, &ifaces) {
            iface->state_known = false;
        }
        hotplug_pending = true;
        next_stats = 0;
        return;
    }
    if (!wanted_find(ifname, hash_string(ifname, 0))) {
        return;
    }
    struct iface *iface = iface_find(ifname);
    if (iface && !strcmp(iface->type, "system")
        && (!exists || (ifindex && ifindex != iface->ifindex))) {
        VLOG_INFO("%s: kernel interface %s", ifname,
                  exists ? "was replaced" : "disappeared");
        iface->stale = true;
        hotplug_pending = true;
    } else if (!iface && exists) {
        VLOG_INFO("%s: kernel interface appeared", ifname);
        hotplug_pending = true;
    } else if (iface) {
        /* Link state, MTU or address may have changed: record them, and
         * give the datapath the new MTU. */
        iface->state_known = false;
        if (netdev_get_mtu(iface->netdev, &iface->mtu)) {
            iface->mtu = 0;
        }
        hotplug_pending = true;
        next_stats = 0;
    }
}

bool
bridge_run(struct db *db)
{
    bool committed = false;

    if (rtnl) {
        rtnl_monitor_run(rtnl, link_event, NULL);
    }
    struct datapath *dp;
    BRIDGE_DP_FOR_EACH (dp) {
        dpif_run(dp->dpif);
    }
    netdev_run();
    if (netdev_take_reconfigure_request()) {
        /* A device changed under us (a vhost-user guest negotiated queues,
         * say): the datapaths must see it even though their configuration
         * compares equal, and the interfaces' state be written again. */
        struct iface *iface;
        HMAP_FOR_EACH (iface, node, &ifaces) {
            iface->state_known = false;
        }
        BRIDGE_DP_FOR_EACH (dp) {
            dp->ever_applied = false;
        }
        hotplug_pending = true;
    }
    bridge_flows_run();
    if (hotplug_pending || db_get_seqno(db) != applied_seqno) {
        hotplug_pending = false;
        /* One pass: what it writes back (interface state, cur_cfg) is
         * output, not configuration, so a second pass would find nothing
         * to do; with 1000 ports it would double a command's cost. */
        long long start = time_usec();
        committed = reconfigure(db);
        VLOG_DBG("reconfigured in %lld us", time_usec() - start);
        applied_seqno = db_get_seqno(db);
    }
    if (time_msec() >= next_stats) {
        /* vs-tcpdump's leftovers go, at start-up too; the change that makes
         * is configuration, applied on the next pass. */
        committed |= bridge_mirrors_sweep(db);
        bool settled = db_get_seqno(db) == applied_seqno;
        long long start = time_usec();
        refresh_stats(db);
        VLOG_DBG("refreshed statistics in %lld us", time_usec() - start);
        if (settled) {
            /* Our own statistics are not a configuration change. */
            applied_seqno = db_get_seqno(db);
        }
        next_stats = time_msec() + stats_interval;
    }
    return committed;
}

void
bridge_wait(void)
{
    if (rtnl) {
        rtnl_monitor_wait(rtnl);
    }
    struct datapath *dp;
    BRIDGE_DP_FOR_EACH (dp) {
        dpif_wait(dp->dpif);
    }
    netdev_wait();
    bridge_flows_wait();
    poll_timer_wait_until(next_stats);
    if (hotplug_pending) {
        poll_immediate_wake();
    }
}
