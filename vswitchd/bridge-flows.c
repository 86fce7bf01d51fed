/*
 * bridge-flows.c -- NetFlow and IPFIX exporters per bridge
 * (bridge-flows.h): reading the NetFlow and IPFIX rows, checking them at
 * commit, feeding the exporters on the main loop, and the netflow/show
 * and ipfix/show commands.
 *
 * Export ids and retirement.  The forwarding threads label what they
 * count with the bridge's export id, and keep counting under the old
 * configuration until the datapath publishes the new one.  So when a
 * bridge's exporters change (one added, removed or with new settings) or
 * the bridge goes, its old id "retires": a retired entry keeps the old id
 * and the exporters that were in force, the bridge (if it stays) gets a
 * new id, and bridge_flows_finish() -- called after every datapath has
 * applied the new configuration and joined any thread that ended --
 * drains the threads' counts, which lands everything counted under the
 * old id in the old exporters, then ends the retired entries: an
 * exporter no longer used exports its flows with flowEndReason "forced
 * end" and sends them before it goes.  Exporters are shared by reference
 * between a bridge and its retired ids (an unchanged IPFIX keeps
 * receiving when only the NetFlow changed).
 */
#include <config.h>
#include "bridge-flows.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appctl.h"
#include "collectors.h"
#include "db.h"
#include "dpif.h"
#include "flow-cache.h"
#include "flow-key.h"
#include "hmap.h"
#include "ipfix.h"
#include "netflow.h"
#include "poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(bridge_flows);

/* How often the threads' counts are collected (real time). */
#define FLOWS_DRAIN_MS 100

/* Flows idle this long end, unless other_config says otherwise. */
#define FLOWS_IDLE_DEFAULT_S 5
#define FLOWS_IDLE_MAX_S 3600

#define NF_ACTIVE_DEFAULT_S 600
#define NF_MAX_FLOWS_DEFAULT 65536
#define NF_TEMPLATE_INTERVAL_DEFAULT_S 60
#define NF_TEMPLATE_PACKETS_DEFAULT 20
#define IPFIX_SAMPLING_DEFAULT 400
#define IPFIX_ACTIVE_DEFAULT_S 60
#define IPFIX_MAX_FLOWS_DEFAULT 65536
#define IPFIX_TEMPLATE_INTERVAL_DEFAULT_S 600

/* One protocol's exporter on one bridge. */
struct exporter {
    int refs;                   /* A bridge and its retired ids. */
    char *settings;             /* Canonical description, to compare. */
    char *summary;              /* For the show commands. */
    struct fx_collectors *collectors;
    struct fx_cache *cache;
    struct nf_encoder *nf;      /* Exactly one of these two. */
    struct ipfix_encoder *ipfix;
    uint32_t sampling;          /* IPFIX. */
};

struct flows_bridge {
    struct hmap_node name_node; /* In 'bridges', unless retired. */
    struct hmap_node id_node;   /* In 'by_id'. */
    char *name;
    uint32_t export_id;
    bool used;
    struct flows_bridge *next_retired;  /* In 'retired', if retired. */
    struct exporter *netflow;   /* Each holds a reference. */
    struct exporter *ipfix;

    /* During a reconfiguration: its ports (names borrowed). */
    struct ipfix_interface *ifaces;
    size_t n_ifaces, allocated_ifaces;
};

static struct hmap bridges = HMAP_INITIALIZER;
static struct hmap by_id = HMAP_INITIALIZER;    /* Bridges and retired. */
static struct flows_bridge *retired;
static uint32_t next_export_id = 1;
static long long boot_ms;
static long long next_drain;

/* Records. */

static void
emit_record(const struct fx_record *rec, void *ex_)
{
    struct exporter *ex = ex_;

    if (ex->nf) {
        nf_encoder_add(ex->nf, rec);
    } else {
        ipfix_encoder_add(ex->ipfix, rec);
    }
}

static void
exporter_flush(struct exporter *ex)
{
    if (ex->nf) {
        nf_encoder_flush(ex->nf);
    } else {
        ipfix_encoder_flush(ex->ipfix);
    }
}

static void
exporter_unref(struct exporter *ex)
{
    if (ex && !--ex->refs) {
        fx_cache_destroy(ex->cache, emit_record, ex);
        nf_encoder_destroy(ex->nf);
        ipfix_encoder_destroy(ex->ipfix);
        fx_collectors_destroy(ex->collectors);
        free(ex->settings);
        free(ex->summary);
        free(ex);
    }
}

/* Reading the rows. */

static const struct db_column_schema *
column(const struct db_row *row, const char *name)
{
    return db_table_find_column(row->table, name);
}

static const struct db_datum *
datum(const struct db_row *row, const char *name)
{
    return db_row_get(row, column(row, name));
}

static long long
opt_int(const struct db_row *row, const char *name, long long dflt)
{
    const struct db_datum *d = datum(row, name);

    return d->n ? d->keys[0].integer : dflt;
}

/* other_config:'key' of 'row' as an integer in [min, max], or 'dflt' if
 * absent.  Returns false if present but invalid. */
static bool
config_int(const struct db_row *row, const char *key, long long min,
           long long max, long long dflt, long long *value)
{
    const char *s = db_datum_smap_get(datum(row, "other_config"), key);

    *value = dflt;
    return !s || (str_to_llong(s, 10, value) && *value >= min
                  && *value <= max);
}

static void
targets_describe(const struct db_row *row, struct dstr *out,
                 const char ***targetsp, size_t *np)
{
    const struct db_datum *d = datum(row, "targets");
    const char **targets = xcalloc(d->n ? d->n : 1, sizeof *targets);

    for (unsigned int i = 0; i < d->n; i++) {
        targets[i] = d->keys[i].string;
        dstr_printf(out, "%s%s", i ? ", " : "", targets[i]);
    }
    *targetsp = targets;
    *np = d->n;
}

static struct exporter *
netflow_from_row(const struct db_row *row, struct exporter *old)
{
    long long active_s = opt_int(row, "active_timeout", 0);
    long long version, max_flows, tmpl_s, tmpl_pkts, idle_s;
    char active_buf[32];
    struct nf_options opts;
    struct dstr settings = DSTR_INITIALIZER;
    struct dstr targets_s = DSTR_INITIALIZER;
    const char **targets;
    struct exporter *ex;
    size_t n;

    memset(&opts, 0, sizeof opts);
    config_int(row, "version", 5, 9, 5, &version);
    config_int(row, "cache_max_flows", 1, 100000000, NF_MAX_FLOWS_DEFAULT,
               &max_flows);
    config_int(row, "template_interval", 1, 86400,
               NF_TEMPLATE_INTERVAL_DEFAULT_S, &tmpl_s);
    config_int(row, "template_packets", 1, 1000000,
               NF_TEMPLATE_PACKETS_DEFAULT, &tmpl_pkts);
    config_int(row, "inactive_timeout", 1, FLOWS_IDLE_MAX_S,
               FLOWS_IDLE_DEFAULT_S, &idle_s);
    opts.version = version == 9 ? 9 : 5;
    opts.engine_type = opt_int(row, "engine_type", 0);
    opts.engine_id = opt_int(row, "engine_id", 0);
    opts.add_id_to_interface = datum(row, "add_id_to_interface")->n
                               && datum(row, "add_id_to_interface")
                                  ->keys[0].boolean;
    opts.template_interval_ms = tmpl_s * 1000;
    opts.template_packets = tmpl_pkts;
    if (!active_s) {
        active_s = NF_ACTIVE_DEFAULT_S;
    }

    snprintf(active_buf, sizeof active_buf, "%lld s", active_s);
    targets_describe(row, &targets_s, &targets, &n);
    dstr_printf(&settings, "v%d %u/%u %d %lld %lld %lld %lld %lld [%s]",
                opts.version, opts.engine_type, opts.engine_id,
                opts.add_id_to_interface, active_s, idle_s, max_flows,
                tmpl_s, tmpl_pkts, dstr_cstr(&targets_s));
    if (old && !strcmp(old->settings, dstr_cstr(&settings))) {
        dstr_destroy(&settings);
        dstr_destroy(&targets_s);
        free(targets);
        return old;
    }

    ex = xzalloc(sizeof *ex);
    ex->settings = dstr_steal(&settings);
    ex->summary = xasprintf("NetFlow v%d to %s\n"
                            "  engine type %u, engine id %u%s\n"
                            "  active timeout %s, inactive timeout %lld s, "
                            "cache limit %lld flows\n",
                            opts.version, dstr_cstr(&targets_s),
                            opts.engine_type, opts.engine_id,
                            opts.add_id_to_interface
                            ? ", engine id in interfaces" : "",
                            active_s < 0 ? "off" : active_buf,
                            idle_s, max_flows);
    ex->collectors = fx_collectors_create(targets, n);
    ex->nf = nf_encoder_create(&opts, ex->collectors, boot_ms);
    ex->cache = fx_cache_create(max_flows, active_s * 1000, idle_s * 1000);
    dstr_destroy(&targets_s);
    free(targets);
    return ex;
}

static struct exporter *
ipfix_from_row(const struct db_row *row, struct exporter *old)
{
    long long active_s = opt_int(row, "cache_active_timeout",
                                 IPFIX_ACTIVE_DEFAULT_S);
    long long max_flows = opt_int(row, "cache_max_flows", 0);
    struct ipfix_options opts;
    struct dstr settings = DSTR_INITIALIZER;
    struct dstr targets_s = DSTR_INITIALIZER;
    const char **targets;
    struct exporter *ex;
    long long tmpl_s, idle_s;
    uint32_t sampling;
    size_t n;

    memset(&opts, 0, sizeof opts);
    sampling = opt_int(row, "sampling", IPFIX_SAMPLING_DEFAULT);
    opts.obs_domain_id = opt_int(row, "obs_domain_id", 0);
    opts.obs_point_id = opt_int(row, "obs_point_id", 0);
    config_int(row, "template_interval", 1, 86400,
               IPFIX_TEMPLATE_INTERVAL_DEFAULT_S, &tmpl_s);
    opts.template_interval_ms = tmpl_s * 1000;
    config_int(row, "cache_inactive_timeout", 1, FLOWS_IDLE_MAX_S,
               FLOWS_IDLE_DEFAULT_S, &idle_s);
    if (!max_flows) {
        max_flows = IPFIX_MAX_FLOWS_DEFAULT;
    }

    targets_describe(row, &targets_s, &targets, &n);
    dstr_printf(&settings, "%"PRIu32" %"PRIu32" %"PRIu32" %lld %lld %lld "
                "%lld [%s]", sampling, opts.obs_domain_id,
                opts.obs_point_id, active_s, idle_s, max_flows, tmpl_s,
                dstr_cstr(&targets_s));
    if (old && !strcmp(old->settings, dstr_cstr(&settings))) {
        dstr_destroy(&settings);
        dstr_destroy(&targets_s);
        free(targets);
        return old;
    }

    ex = xzalloc(sizeof *ex);
    ex->settings = dstr_steal(&settings);
    ex->summary = xasprintf("IPFIX to %s\n"
                            "  sampling 1 in %"PRIu32", observation domain "
                            "%"PRIu32", observation point %"PRIu32"\n"
                            "  active timeout %lld s, inactive timeout %lld "
                            "s, cache limit %lld flows, templates every "
                            "%lld s\n",
                            n ? dstr_cstr(&targets_s) : "(no targets)",
                            sampling, opts.obs_domain_id, opts.obs_point_id,
                            active_s, idle_s, max_flows, tmpl_s);
    ex->sampling = sampling;
    ex->collectors = fx_collectors_create(targets, n);
    ex->ipfix = ipfix_encoder_create(&opts, ex->collectors);
    /* An active timeout of 0 exports at every expiry pass, about once a
     * second. */
    ex->cache = fx_cache_create(max_flows, active_s ? active_s * 1000 : 1,
                                idle_s * 1000);
    dstr_destroy(&targets_s);
    free(targets);
    return ex;
}

/* Reconfiguration. */

static struct flows_bridge *
find_bridge(const char *name)
{
    struct flows_bridge *b;

    HMAP_FOR_EACH_WITH_HASH (b, name_node, hash_string(name, 0), &bridges) {
        if (!strcmp(b->name, name)) {
            return b;
        }
    }
    return NULL;
}

static struct flows_bridge *
find_bridge_by_id(uint32_t id)
{
    struct flows_bridge *b;

    HMAP_FOR_EACH_WITH_HASH (b, id_node, id, &by_id) {
        if (b->export_id == id) {
            return b;
        }
    }
    return NULL;
}

/* Ends retired entry or bridge 'b' (no longer in 'bridges'). */
static void
bridge_destroy(struct flows_bridge *b)
{
    exporter_unref(b->netflow);
    exporter_unref(b->ipfix);
    hmap_remove(&by_id, &b->id_node);
    free(b->ifaces);
    free(b->name);
    free(b);
}

static void
retire(struct flows_bridge *r)
{
    r->next_retired = retired;
    retired = r;
}

/* Gives bridge 'b' the exporters 'nf' and 'ipfix' (either may be the one
 * it has, or NULL).  If that changes anything, the bridge's counts from
 * now on go under a new export id and the old one retires with the old
 * exporters. */
static void
bridge_set_exporters(struct flows_bridge *b, struct exporter *nf,
                     struct exporter *ipfix)
{
    if (nf == b->netflow && ipfix == b->ipfix) {
        return;
    }
    if (nf) {
        nf->refs++;
    }
    if (ipfix) {
        ipfix->refs++;
    }
    if (b->netflow || b->ipfix) {
        struct flows_bridge *r = xzalloc(sizeof *r);

        r->name = xstrdup(b->name);
        r->export_id = b->export_id;
        r->netflow = b->netflow;
        r->ipfix = b->ipfix;
        hmap_remove(&by_id, &b->id_node);
        hmap_insert(&by_id, &r->id_node, r->export_id);
        retire(r);
        b->export_id = next_export_id++;
        hmap_insert(&by_id, &b->id_node, b->export_id);
    }
    b->netflow = nf;
    b->ipfix = ipfix;
}

static void
drain_cb(const struct dpif_flow_delta *d, void *aux)
{
    struct flows_bridge *b = find_bridge_by_id(d->export_id);
    uint32_t out = d->out_port == DPIF_FLOWS_OUT_MULTI ? FX_PORT_FLOOD
                   : d->out_port;

    (void) aux;
    if (!b) {
        return;
    }
    if (b->netflow && d->packets) {
        fx_cache_add(b->netflow->cache, d->key, out, d->packets, d->bytes,
                     d->first_ms, d->last_ms, d->tcp_flags, emit_record,
                     b->netflow);
    }
    if (b->ipfix && d->sampled_packets) {
        fx_cache_add(b->ipfix->cache, d->key, out, d->sampled_packets,
                     d->sampled_bytes, d->first_ms, d->last_ms,
                     d->tcp_flags, emit_record, b->ipfix);
    }
}

void
bridge_flows_begin(void)
{
    struct flows_bridge *b;

    HMAP_FOR_EACH (b, name_node, &bridges) {
        b->used = false;
        b->n_ifaces = 0;
    }
}

void
bridge_flows_port(const char *bridge, uint32_t port_no, const char *name)
{
    struct flows_bridge *b = find_bridge(bridge);

    if (b && b->used) {
        if (b->n_ifaces >= b->allocated_ifaces) {
            b->allocated_ifaces = 2 * b->allocated_ifaces + 8;
            b->ifaces = xrealloc(b->ifaces,
                                 b->allocated_ifaces * sizeof *b->ifaces);
        }
        b->ifaces[b->n_ifaces++] = (struct ipfix_interface) {
            port_no, name
        };
    }
}

static const struct db_row *
deref(struct db_txn *txn, const struct db_row *br, const char *col,
      const char *table)
{
    const struct db_datum *d = datum(br, col);
    const struct db_schema *schema = db_get_schema(db_txn_get_db(txn));

    return (d->n
            ? db_txn_get(txn, db_schema_find_table(schema, table),
                         &d->keys[0].uuid)
            : NULL);
}

void
bridge_flows_configure(struct db_txn *txn, const struct db_row *br,
                       struct dpif_bridge_config *bc)
{
    const struct db_row *nf = deref(txn, br, "netflow", "NetFlow");
    const struct db_row *ipfix = deref(txn, br, "ipfix", "IPFIX");
    const char *name = bc->name;
    struct flows_bridge *b = find_bridge(name);

    if (!nf && !ipfix) {
        return;
    }
    if (!b) {
        b = xzalloc(sizeof *b);
        b->name = xstrdup(name);
        b->export_id = next_export_id++;
        hmap_insert(&bridges, &b->name_node, hash_string(name, 0));
        hmap_insert(&by_id, &b->id_node, b->export_id);
        if (!boot_ms) {
            boot_ms = time_now_msec();
        }
    }
    b->used = true;
    bridge_set_exporters(b, nf ? netflow_from_row(nf, b->netflow) : NULL,
                         ipfix ? ipfix_from_row(ipfix, b->ipfix) : NULL);

    bc->flows.export_id = b->export_id;
    bc->flows.netflow = b->netflow != NULL;
    bc->flows.sampling = b->ipfix ? b->ipfix->sampling : 0;
}

void
bridge_flows_finish(void)
{
    struct flows_bridge *b, *next;

    HMAP_FOR_EACH_SAFE (b, next, name_node, &bridges) {
        if (!b->used) {
            hmap_remove(&bridges, &b->name_node);
            retire(b);
        } else if (b->ipfix) {
            ipfix_encoder_set_interfaces(b->ipfix->ipfix, b->ifaces,
                                         b->n_ifaces);
        }
        b->n_ifaces = 0;
    }
    if (retired) {
        /* The datapaths run the new configuration: nothing counts under
         * a retired id any more, and what was counted is in the threads'
         * tables or in those of threads that ended. */
        dpif_flows_drain(drain_cb, NULL);
        while (retired) {
            b = retired;
            retired = b->next_retired;
            bridge_destroy(b);
        }
    }
}

/* The main loop. */

void
bridge_flows_run(void)
{
    struct flows_bridge *b;
    long long now;

    if (hmap_is_empty(&bridges)
        || (time_msec() < next_drain && !dpif_flows_drain_wanted())) {
        return;
    }
    next_drain = time_msec() + FLOWS_DRAIN_MS;
    dpif_flows_drain(drain_cb, NULL);

    now = time_now_msec();
    HMAP_FOR_EACH (b, name_node, &bridges) {
        struct exporter *ex[2] = { b->netflow, b->ipfix };

        for (int i = 0; i < 2; i++) {
            if (ex[i]) {
                fx_cache_run(ex[i]->cache, now, emit_record, ex[i]);
                exporter_flush(ex[i]);
            }
        }
    }
}

void
bridge_flows_wait(void)
{
    if (!hmap_is_empty(&bridges)) {
        poll_timer_wait_until(next_drain);
        dpif_flows_wait();
    }
}

/* Validation. */

static char *
check_targets(const struct db_row *row, const char *table, bool required)
{
    const struct db_datum *d = datum(row, "targets");

    if (required && !d->n) {
        return xasprintf("%s: at least one target is required", table);
    }
    for (unsigned int i = 0; i < d->n; i++) {
        struct sockaddr_storage ss;
        socklen_t len;
        char *error = fx_target_parse(d->keys[i].string, &ss, &len);

        if (error) {
            char *msg = xasprintf("%s targets: %s", table, error);

            free(error);
            return msg;
        }
    }
    return NULL;
}

static char *
check_config_int(const struct db_row *row, const char *table,
                 const char *key, long long min, long long max)
{
    long long v;

    if (!config_int(row, key, min, max, 0, &v)) {
        return xasprintf("%s other_config:%s: \"%s\" is not an integer "
                         "from %lld to %lld", table, key,
                         db_datum_smap_get(datum(row, "other_config"), key),
                         min, max);
    }
    return NULL;
}

char *
bridge_flows_validate(const struct db_row_change *c)
{
    const struct db_row *row = c->new;
    const char *table = row->table->name;
    char *error;

    if (!strcmp(table, "NetFlow")) {
        const char *v = db_datum_smap_get(datum(row, "other_config"),
                                          "version");

        if ((error = check_targets(row, table, true))) {
            return error;
        }
        if (opt_int(row, "active_timeout", 0) < -1) {
            return xstrdup("NetFlow active_timeout must be -1 (off), 0 "
                           "(the default, 600 s) or a number of seconds");
        }
        if (v && strcmp(v, "5") && strcmp(v, "9")) {
            return xasprintf("NetFlow other_config:version: \"%s\" is not "
                             "a supported version (5 or 9)", v);
        }
        if ((error = check_config_int(row, table, "cache_max_flows", 1,
                                      100000000))
            || (error = check_config_int(row, table, "template_interval",
                                         1, 86400))
            || (error = check_config_int(row, table, "template_packets",
                                         1, 1000000))
            || (error = check_config_int(row, table, "inactive_timeout",
                                         1, FLOWS_IDLE_MAX_S))) {
            return error;
        }
    } else if (!strcmp(table, "IPFIX")) {
        if ((error = check_targets(row, table, false))) {
            return error;
        }
        if (opt_int(row, "sampling", 1) < 1) {
            return xstrdup("IPFIX sampling must be at least 1");
        }
        if (opt_int(row, "cache_active_timeout", 0) < 0) {
            return xstrdup("IPFIX cache_active_timeout must not be "
                           "negative");
        }
        if ((error = check_config_int(row, table, "template_interval", 1,
                                      86400))
            || (error = check_config_int(row, table,
                                         "cache_inactive_timeout", 1,
                                         FLOWS_IDLE_MAX_S))) {
            return error;
        }
    }
    return NULL;
}

/* Commands. */

static void
show(struct appctl_conn *conn, const char *name, bool netflow)
{
    struct flows_bridge *b = find_bridge(name);
    struct exporter *ex = b ? (netflow ? b->netflow : b->ipfix) : NULL;
    struct fx_collectors_stats cs;
    struct dpif_flows_stats ts;
    struct fx_cache_stats fs;
    struct dstr out = DSTR_INITIALIZER;
    uint64_t records, messages, templates, skipped = 0, ifaces = 0;

    if (!ex) {
        char *msg = xasprintf("no %s on bridge %s",
                              netflow ? "NetFlow" : "IPFIX", name);

        appctl_reply_error(conn, msg);
        free(msg);
        return;
    }
    if (ex->nf) {
        struct nf_stats s;

        nf_encoder_get_stats(ex->nf, &s);
        records = s.records;
        messages = s.messages;
        templates = s.templates;
        skipped = s.skipped;
    } else {
        struct ipfix_stats s;

        ipfix_encoder_get_stats(ex->ipfix, &s);
        records = s.records;
        messages = s.messages;
        templates = s.templates;
        ifaces = s.interfaces;
    }
    fx_cache_get_stats(ex->cache, &fs);
    fx_collectors_get_stats(ex->collectors, &cs);
    dstr_printf(&out, "bridge %s: %s", name, ex->summary);
    dstr_printf(&out, "  flows cached: %zu (%zu bytes each)\n",
                fs.n_flows, fx_cache_flow_size());
    dstr_printf(&out, "  flows created: %"PRIu64"\n", fs.created);
    dstr_printf(&out, "  records exported: %"PRIu64" in %"PRIu64
                " messages\n", records, messages);
    dstr_printf(&out, "  templates sent: %"PRIu64"\n", templates);
    if (ex->ipfix) {
        dstr_printf(&out, "  interface names sent: %"PRIu64"\n", ifaces);
    }
    dstr_printf(&out, "  flows evicted (cache full): %"PRIu64"\n",
                fs.evicted);
    if (ex->nf) {
        dstr_printf(&out, "  records not exportable (non-IP%s): %"PRIu64
                    "\n", strstr(ex->summary, "v5") ? ", IPv6" : "",
                    skipped);
    }
    dstr_printf(&out, "  send errors: %"PRIu64"\n", cs.send_errors);
    dpif_flows_get_stats(&ts);
    dstr_printf(&out, "  thread tables drained early (half full): %"PRIu64
                "\n", ts.early_drains);
    dstr_printf(&out, "  packets not counted (thread tables full): %"PRIu64
                "\n", ts.lost);
    appctl_reply_success(conn, dstr_cstr(&out));
    dstr_destroy(&out);
}

static void
cmd_netflow_show(struct appctl_conn *conn, int argc, const char *argv[],
                 void *aux)
{
    (void) argc;
    (void) aux;
    show(conn, argv[1], true);
}

static void
cmd_ipfix_show(struct appctl_conn *conn, int argc, const char *argv[],
               void *aux)
{
    (void) argc;
    (void) aux;
    show(conn, argv[1], false);
}

void
bridge_flows_init(void)
{
    appctl_command_register("netflow/show", "BRIDGE", 1, 1,
                            cmd_netflow_show, NULL);
    appctl_command_register("ipfix/show", "BRIDGE", 1, 1, cmd_ipfix_show,
                            NULL);
}

void
bridge_flows_exit(void)
{
    struct flows_bridge *b, *next;

    /* Export what the threads counted (the datapaths are gone, so
     * nothing counts any more), then everything cached. */
    if (!hmap_is_empty(&bridges)) {
        dpif_flows_drain(drain_cb, NULL);
    }
    HMAP_FOR_EACH_SAFE (b, next, name_node, &bridges) {
        hmap_remove(&bridges, &b->name_node);
        bridge_destroy(b);
    }
    hmap_destroy(&bridges);
    hmap_destroy(&by_id);
}
