/*
 * bridge.c -- the reconfiguration plan and the main loop of the
 * reconciler (bridge.h).
 *
 * After every commit (and when a kernel interface came or went) the
 * reconfiguration walks the Open_vSwitch, Bridge, Port and Interface rows
 * and plans every interface of every bridge: which datapath it goes to
 * (one per datapath_type, bridge-datapaths.c), or why it cannot.  Then it
 * opens the planned devices (bridge-ifaces.c), gives each a stable port
 * number, builds each datapath's configuration from the rows
 * (bridge-rows.c; QoS, mirrors and flow export in bridge-qos.c,
 * bridge-mirrors.c and bridge-flows.c), pushes it, in two phases when
 * ports move between datapaths, closes what nothing uses any more and
 * writes back what it observed (bridge-state.c) in one transaction.
 * bridge_run() also runs the datapaths, handles link events and refreshes
 * the statistics every few seconds.
 */
#include <config.h>
#include "bridge.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "dpif.h"
#include "db.h"
#include "hmap.h"
#include "netdev.h"
#include "poll-loop.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"
#include "bridge-datapaths.h"
#include "bridge-mirrors.h"
#include "bridge-flows.h"
#include "bridge-private.h"
#include "bridge-qos.h"

VLOG_DEFINE_SHARED_MODULE(bridge);

#define STATS_INTERVAL_DEFAULT 5000

/* One interface the configuration asks for, during reconfiguration. */
struct plan {
    const struct db_row *iface_row;
    const struct db_row *port_row;
    const struct db_row *bridge_row;
    struct datapath *dp;        /* NULL if the bridge's type is unusable. */
    uint32_t bridge;            /* Index into dp->cfg.bridges. */
    struct bridge_iface *iface; /* NULL if it could not be opened. */
    char *error;
};

/* The schema's columns (bridge-rows.c), by a short name. */
static const struct bridge_columns *const C = &bridge_cols;

static bool hotplug_pending;    /* A watched kernel interface changed. */
static unsigned long long applied_seqno;

static long long next_stats;
static long long stats_interval = STATS_INTERVAL_DEFAULT;

/* Start-up and shutdown. */

void
bridge_init(void)
{
    netdev_init();
    bridge_ifaces_init();
    bridge_cmds_register();
    bridge_mirrors_register();
    bridge_flows_init();
}

void
bridge_exit(void)
{
    /* The datapaths stop counting and let go of the devices before they
     * are closed; then every flow counted is exported. */
    bridge_dp_exit();
    bridge_flows_exit();
    bridge_mirrors_exit();
    bridge_ifaces_exit();

    /* Back to the state before the first bridge_run(), so that
     * bridge_init() and bridge_run() may start over, on another database
     * (the fuzz targets do so for every input; a new database's sequence
     * number may equal the old one's). */
    applied_seqno = 0;
    hotplug_pending = false;
    next_stats = 0;
    stats_interval = STATS_INTERVAL_DEFAULT;
}

/* Reconfiguration. */

struct reconfig {
    struct db_txn *txn;
    struct plan *plans;
    size_t n_plans, cap_plans;
    struct smap knobs;          /* Open_vSwitch other_config. */
    struct hmap claimed;        /* Ports and Interfaces planned so far
                                 * (bridge_uuid_set_claim()). */
    struct rc_bridge {          /* Bridges given to a datapath. */
        const struct db_row *row;
        struct datapath *dp;
        uint32_t index;
    } *bridges;
    size_t n_bridges;
};

/* Claims Port or Interface row 'uuid' for 'owner', the name of the bridge
 * or port that has it.  Returns NULL if it was free, else the owner that
 * had it first.  Commit-time validation refuses a row reachable twice, but
 * a database written before it (or edited by hand) may hold one: the first
 * place wins, as in OVS, and the others are logged and ignored, so the
 * same device is never given to a datapath twice. */
static const char *
claim_row(struct reconfig *rc, const struct uuid *uuid, const char *owner)
{
    return bridge_uuid_set_claim(&rc->claimed, uuid, owner);
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
    const struct db_datum *ports = db_row_get(br, C->br_ports);
    const char *br_name = bridge_row_string(br, C->br_name);

    for (unsigned int i = 0; i < ports->n; i++) {
        const struct db_row *port = db_txn_get(rc->txn, C->port,
                                               &ports->keys[i].uuid);
        const struct db_datum *ifs = port ? db_row_get(port,
                                                       C->port_interfaces)
                                          : NULL;
        const char *port_name = (port
                                 ? bridge_row_string(port, C->port_name)
                                 : "");
        const char *first;

        if (port && (first = claim_row(rc, db_row_uuid(port), br_name))) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);

            VLOG_WARN_RL(&rl, "port %s is in bridges %s and %s: ignored "
                         "in %s", port_name, first, br_name, br_name);
            continue;
        }
        for (unsigned int j = 0; ifs && j < ifs->n; j++) {
            const struct db_row *iface = db_txn_get(rc->txn, C->iface,
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
                             "ignored in %s",
                             bridge_row_string(iface, C->if_name),
                             first, port_name, port_name);
                continue;
            }
            type = bridge_row_string(iface, C->if_type);
            if (dp_error) {
                error = xstrdup(dp_error);
            } else if (ifs->n > 1) {
                error = xasprintf("port %s has %u interfaces: bonding is "
                                  "not supported",
                                  bridge_row_string(port, C->port_name),
                                  ifs->n);
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
    size_t n = bridge_deref_sorted(rc->txn, ovs,
                                   db_table_find_column(ovs->table,
                                                        "bridges"),
                                   C->bridge, C->br_name, &bridges);

    for (size_t i = 0; i < n; i++) {
        const char *type = bridge_row_string(bridges[i], C->br_dp_type);
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
    struct bridge_iface *iface;
    HMAP_FOR_EACH (iface, node, &bridge_ifaces) {
        iface->used = false;
    }
    for (size_t i = 0; i < rc->n_plans; i++) {
        struct plan *p = &rc->plans[i];
        if (!p->error) {
            struct smap options;

            bridge_row_to_smap(p->iface_row, C->if_options, &options);
            p->iface = bridge_iface_get(
                bridge_row_string(p->iface_row, C->if_name),
                bridge_row_string(p->iface_row, C->if_type),
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

    cmp = strcmp(bridge_row_string(a->bridge_row, C->br_name),
                 bridge_row_string(b->bridge_row, C->br_name));
    if (cmp) {
        return cmp;
    }
    cmp = strcmp(bridge_row_string(a->port_row, C->port_name),
                 bridge_row_string(b->port_row, C->port_name));
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
                                                C->if_ofport_request);
        const struct db_datum *old = db_row_get(p->iface_row, C->if_ofport);
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
        bridge_iface_apply_mtu_request(p->iface, p->iface_row);
        pc->port_no = p->iface->port_no;
        pc->name = p->iface->name;
        pc->netdev = p->iface->netdev;
        pc->bridge = p->bridge;
        bridge_flows_port(cfg->bridges[p->bridge].name, pc->port_no,
                          pc->name);
        bridge_port_config_from_row(pc, p->port_row);
        bridge_qos_port_config(rc->txn, pc, p->port_row, p->iface_row);
        bridge_rxq_config_from_row(pc, p->iface_row);
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
        const struct bridge_iface *iface = bridge_iface_find(pc->name);

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

/* Remembers the names of the configured interfaces, whose link events
 * matter (bridge-ifaces.c). */
static void
remember_wanted(const struct reconfig *rc)
{
    for (size_t i = 0; i < rc->n_plans; i++) {
        bridge_wanted_add(bridge_row_string(rc->plans[i].iface_row,
                                            C->if_name));
    }
    bridge_wanted_prune();
}

static void
reconfig_free(struct reconfig *rc)
{
    for (size_t i = 0; i < rc->n_plans; i++) {
        free(rc->plans[i].error);
    }
    free(rc->plans);
    smap_destroy(&rc->knobs);
    bridge_uuid_set_destroy(&rc->claimed);
    free(rc->bridges);
    bridge_dp_free_building();
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

    bridge_resolve_columns(db_get_schema(db));
    bridge_dp_begin();
    bridge_flows_begin();
    const struct db_row *ovs = db_txn_first(rc.txn, C->ovs);
    if (ovs) {
        const struct db_column_schema *oc
            = db_table_find_column(ovs->table, "other_config");

        /* The datapaths read their own knobs from it (dpif_set_config). */
        smap_destroy(&rc.knobs);
        bridge_row_to_smap(ovs, oc, &rc.knobs);
        stats_interval = bridge_row_map_get_int(ovs, oc,
                                                "stats-update-interval",
                                                STATS_INTERVAL_DEFAULT, 1000,
                                                3600 * 1000);
        /* A shorter interval takes effect now, not after the old one. */
        next_stats = MIN(next_stats, time_msec() + stats_interval);

        /* Providers' own settings (DPDK's EAL) before any device opens. */
        struct smap status = SMAP_INITIALIZER;
        netdev_set_global_config(&rc.knobs, &status);
        bridge_write_global_status(rc.txn, ovs, &status);
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
    bridge_ifaces_close_unused();
    bridge_qos_apply(bridge_iface_netdev);
    for (size_t i = 0; i < rc.n_plans; i++) {
        const struct plan *p = &rc.plans[i];

        bridge_write_iface_state(rc.txn, p->iface_row, p->iface, p->error);
    }
    if (ovs) {
        bridge_set_cur_cfg(rc.txn, ovs);
    }
    remember_wanted(&rc);

    bool changed = !db_txn_is_empty(rc.txn);
    char *error = db_txn_commit(rc.txn, NULL);
    if (error) {
        /* Still say the configuration was applied, so that clients waiting
         * for it are not left hanging by a bug in what we observed. */
        VLOG_ERR("recording the applied configuration failed: %s", error);
        free(error);
        changed = bridge_record_cur_cfg_only(db);
    }
    reconfig_free(&rc);
    return changed;
}

/* The main loop. */

bool
bridge_run(struct db *db)
{
    bool committed = false;
    bool link_changed, stats_now;

    bridge_ifaces_run(&link_changed, &stats_now);
    if (link_changed) {
        hotplug_pending = true;
    }
    if (stats_now) {
        next_stats = 0;
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
        struct bridge_iface *iface;

        HMAP_FOR_EACH (iface, node, &bridge_ifaces) {
            iface->state_known = false;
            /* Its MTU too (a vhost-user port takes its guest's), for the
             * datapath's output checks. */
            if (netdev_get_mtu(iface->netdev, &iface->mtu)) {
                iface->mtu = 0;
            }
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
        bridge_refresh_stats(db);
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
    bridge_ifaces_wait();
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
