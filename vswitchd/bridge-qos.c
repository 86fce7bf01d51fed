/*
 * bridge-qos.c -- QoS, Queue and ingress policing, from the database to
 * the datapaths and the kernel.
 *
 * Reading.  bridge_qos_parse() turns a QoS row and its Queue rows into a
 * "struct dpif_qos_desc" (OVS's column names and units: bit/s, bits,
 * Queue other_config:min-rate/max-rate/burst/priority, Queue:dscp, plus
 * our steering keys filter/pcp/match-dscp); commit-time validation
 * (bridge-validate.c) runs the same function, so whatever it accepts the
 * reconfiguration can apply.
 *
 * Applying.  For each port, bridge_qos_port_config() fills in the "qos"
 * and "police" stage settings: the interned description (dpif_qos_get()),
 * whether the device shapes in the kernel (netdev_has_kernel_qos(): a
 * "system" port gets an HTB; other ports a userspace shaper), the input
 * port's qos-queue and the Interface's policing columns.  References to
 * descriptions are held per reconfiguration and the previous one's are
 * dropped once the datapaths have the new configuration
 * (bridge_qos_finish()), which is after their grace periods.  The kernel's
 * HTB is installed, changed or removed by bridge_qos_apply() after the
 * devices that go away were closed (a closing device removes its own
 * HTB), and only when the wanted configuration of a device changed.
 *
 * Introspection: "qos/show PORT".
 */
#include <config.h>
#include "bridge-qos.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "appctl.h"
#include "db.h"
#include "dpif.h"
#include "hmap.h"
#include "netdev.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"
#include "bridge-private.h"

VLOG_DEFINE_THIS_MODULE(bridge_qos);

static struct {
    const struct db_schema *schema;
    const struct db_table_schema *qos, *queue;
    const struct db_column_schema *port_qos, *port_other_config;
    const struct db_column_schema *qos_type, *qos_queues, *qos_other_config;
    const struct db_column_schema *queue_dscp, *queue_other_config;
    const struct db_column_schema *if_rate, *if_burst, *if_kpkts_rate,
        *if_kpkts_burst;
} Q;

void
bridge_qos_resolve(const struct db_schema *schema)
{
    const struct db_table_schema *port, *iface;

    if (Q.schema == schema) {
        return;
    }
    Q.schema = schema;
    port = db_schema_find_table(schema, "Port");
    iface = db_schema_find_table(schema, "Interface");
    Q.qos = db_schema_find_table(schema, "QoS");
    Q.queue = db_schema_find_table(schema, "Queue");
    Q.port_qos = db_table_find_column(port, "qos");
    Q.port_other_config = db_table_find_column(port, "other_config");
    Q.qos_type = db_table_find_column(Q.qos, "type");
    Q.qos_queues = db_table_find_column(Q.qos, "queues");
    Q.qos_other_config = db_table_find_column(Q.qos, "other_config");
    Q.queue_dscp = db_table_find_column(Q.queue, "dscp");
    Q.queue_other_config = db_table_find_column(Q.queue, "other_config");
    Q.if_rate = db_table_find_column(iface, "ingress_policing_rate");
    Q.if_burst = db_table_find_column(iface, "ingress_policing_burst");
    Q.if_kpkts_rate = db_table_find_column(iface,
                                           "ingress_policing_kpkts_rate");
    Q.if_kpkts_burst = db_table_find_column(iface,
                                            "ingress_policing_kpkts_burst");
}

bool
bridge_qos_is_qos_table(const struct db_table_schema *t)
{
    return t == Q.qos;
}

bool
bridge_qos_is_queue_table(const struct db_table_schema *t)
{
    return t == Q.queue;
}

/* Parsing. */

/* Reads other_config 'key' of 'd' as an integer of 0..'max' into '*v' (0
 * if absent).  Returns NULL or an error message. */
static char *
parse_u64(const struct db_datum *d, const char *what, const char *key,
          long long max, uint64_t *v)
{
    const char *s = db_datum_smap_get(d, key);
    long long x;

    *v = 0;
    if (!s) {
        return NULL;
    }
    if (!str_to_llong(s, 10, &x) || x < 0 || x > max) {
        return xasprintf("%s other_config:%s \"%s\" is not an integer "
                         "in 0..%lld", what, key, s, max);
    }
    *v = x;
    return NULL;
}

/* A set of small integers ("1,2 5") into a bit mask. */
static char *
parse_set(const char *what, const char *key, const char *s, int max,
          uint64_t *mask)
{
    char *copy = xstrdup(s), *save = NULL, *error = NULL;

    *mask = 0;
    for (char *tok = strtok_r(copy, ", ", &save); tok && !error;
         tok = strtok_r(NULL, ", ", &save)) {
        long long v;

        if (!str_to_llong(tok, 10, &v) || v < 0 || v > max) {
            error = xasprintf("%s other_config:%s \"%s\": \"%s\" is not "
                              "an integer in 0..%d", what, key, s, tok,
                              max);
        } else {
            *mask |= UINT64_C(1) << v;
        }
    }
    if (!error && !*mask) {
        error = xasprintf("%s other_config:%s \"%s\" names no value", what,
                          key, s);
    }
    free(copy);
    return error;
}

char *
bridge_qos_parse_queue(const struct db_row *row, uint32_t id,
                       struct dpif_qos_queue_desc *q)
{
    const struct db_datum *oc = db_row_get(row, Q.queue_other_config);
    const struct db_datum *dscp = db_row_get(row, Q.queue_dscp);
    char what[32];
    uint64_t prio, mask;
    const char *s;
    char *error;

    if (id == UINT32_MAX) {
        snprintf(what, sizeof what, "queue");
    } else {
        snprintf(what, sizeof what, "queue %"PRIu32, id);
    }
    memset(q, 0, sizeof *q);
    q->id = id;
    q->dscp = dscp->n ? (int) dscp->keys[0].integer : -1;
    if ((error = parse_u64(oc, what, "min-rate", INT64_MAX, &q->min_rate))
        || (error = parse_u64(oc, what, "max-rate", INT64_MAX,
                              &q->max_rate))
        || (error = parse_u64(oc, what, "burst", INT64_MAX, &q->burst))
        || (error = parse_u64(oc, what, "priority", UINT32_MAX, &prio))) {
        return error;
    }
    q->priority = prio;
    if (q->max_rate && q->min_rate > q->max_rate) {
        return xasprintf("%s: other_config:min-rate %"PRIu64" is more than "
                         "max-rate %"PRIu64, what, q->min_rate, q->max_rate);
    }
    s = db_datum_smap_get(oc, "pcp");
    if (s) {
        error = parse_set(what, "pcp", s, 7, &mask);
        if (error) {
            return error;
        }
        q->pcp_mask = mask;
    }
    s = db_datum_smap_get(oc, "match-dscp");
    if (s && (error = parse_set(what, "match-dscp", s, 63,
                                &q->dscp_mask))) {
        return error;
    }
    s = db_datum_smap_get(oc, "filter");
    if (s) {
        char *why = dpif_filter_check(s);

        if (why) {
            error = xasprintf("%s: invalid other_config:filter \"%s\": %s",
                              what, s, why);
            free(why);
            return error;
        }
        q->filter = s;
    }
    return NULL;
}

static int
compare_queue_descs(const void *a_, const void *b_)
{
    const struct dpif_qos_queue_desc *a = a_, *b = b_;

    return a->id < b->id ? -1 : a->id > b->id;
}

char *
bridge_qos_parse(struct db_txn *txn, const struct db_row *row,
                 struct dpif_qos_desc *desc)
{
    const char *type = "";
    const struct db_datum *t = db_row_get(row, Q.qos_type);
    const struct db_datum *oc = db_row_get(row, Q.qos_other_config);
    const struct db_datum *queues = db_row_get(row, Q.qos_queues);
    char *error;

    memset(desc, 0, sizeof *desc);
    type = t->n ? t->keys[0].string : "";
    if (!strcmp(type, "linux-htb") || !strcmp(type, "linux-hfsc")) {
        desc->type = DPIF_QOS_HTB;
    } else if (!strcmp(type, "egress-policer")) {
        desc->type = DPIF_QOS_EGRESS_POLICER;
    } else {
        return xasprintf("QoS type \"%s\" is not supported (valid types: "
                         "egress-policer, linux-hfsc, linux-htb)", type);
    }
    if ((error = parse_u64(oc, "QoS", "max-rate", INT64_MAX,
                           &desc->max_rate))
        || (error = parse_u64(oc, "QoS", "cir", INT64_MAX, &desc->cir))
        || (error = parse_u64(oc, "QoS", "cbs", INT64_MAX, &desc->cbs))) {
        return error;
    }
    if (queues->n > DPIF_QOS_MAX_QUEUES) {
        return xasprintf("QoS has %u queues, more than the %d supported",
                         queues->n, DPIF_QOS_MAX_QUEUES);
    }
    for (unsigned int i = 0; i < queues->n; i++) {
        int64_t id = queues->keys[i].integer;
        const struct db_row *q = db_txn_get(txn, Q.queue,
                                            &queues->values[i].uuid);

        if (id > DPIF_QOS_MAX_QUEUE_ID) {
            return xasprintf("queue id %"PRId64" is out of range (0..%d)",
                             id, DPIF_QOS_MAX_QUEUE_ID);
        }
        if (!q) {
            return xasprintf("queue %"PRId64" refers to a missing Queue "
                             "row", id);
        }
        error = bridge_qos_parse_queue(q, id, &desc->queues[desc->n_queues]);
        if (error) {
            return error;
        }
        desc->n_queues++;
    }
    qsort(desc->queues, desc->n_queues, sizeof *desc->queues,
          compare_queue_descs);
    return NULL;
}

/* Port:other_config:qos-queue: the queue id, or -1.  '*errorp' gets a
 * message for a value that is not a queue id. */
static int32_t
port_ingress_queue(const struct db_row *port, char **errorp)
{
    const char *s = db_datum_smap_get(db_row_get(port, Q.port_other_config),
                                      "qos-queue");
    long long v;

    *errorp = NULL;
    if (!s) {
        return -1;
    }
    if (!str_to_llong(s, 10, &v) || v < 0 || v > DPIF_QOS_MAX_QUEUE_ID) {
        *errorp = xasprintf("other_config:qos-queue \"%s\" is not a queue "
                            "id in 0..%d", s, DPIF_QOS_MAX_QUEUE_ID);
        return -1;
    }
    return v;
}

char *
bridge_qos_check_port(struct db_txn *txn, const struct db_row *port)
{
    int32_t want;
    char *error;
    const struct db_row *qos;

    want = port_ingress_queue(port, &error);
    if (error || want < 0) {
        return error;
    }
    /* The queue must exist in some QoS: qos-queue picks a queue of the
     * ports the frames leave through. */
    DB_TXN_FOR_EACH (qos, txn, Q.qos) {
        const struct db_datum *queues = db_row_get(qos, Q.qos_queues);

        for (unsigned int i = 0; i < queues->n; i++) {
            if (queues->keys[i].integer == want) {
                return NULL;
            }
        }
    }
    return xasprintf("other_config:qos-queue %"PRId32" refers to a queue "
                     "that no QoS has", want);
}

/* Applying. */

/* What the switch installed on a kernel device, by interface name. */
struct qos_applied {
    struct hmap_node node;
    char *name;
    struct netdev *netdev;      /* Compared, never dereferenced after it
                                 * may have been closed. */
    bool on;
    bool wanted;                /* In the current reconfiguration. */
    struct netdev_qos_config cfg;
    struct netdev_qos_config want;
    char *error;

    /* For qos/show's rates of kernel queues. */
    long long sample_ms;
    uint64_t sample_bytes[NETDEV_QOS_MAX_QUEUES];
    uint32_t sample_ids[NETDEV_QOS_MAX_QUEUES];
    size_t n_samples;
};

static struct hmap applied = HMAP_INITIALIZER;

/* References held by the configuration being built and by the one the
 * datapaths run. */
static const struct dpif_qos **refs_new, **refs_cur;
static size_t n_refs_new, n_refs_cur;

static struct qos_applied *
applied_find(const char *name)
{
    struct qos_applied *a;

    HMAP_FOR_EACH_WITH_HASH (a, node, hash_string(name, 0), &applied) {
        if (!strcmp(a->name, name)) {
            return a;
        }
    }
    return NULL;
}

static struct qos_applied *
applied_get(const char *name)
{
    struct qos_applied *a = applied_find(name);

    if (!a) {
        a = xzalloc(sizeof *a);
        a->name = xstrdup(name);
        hmap_insert(&applied, &a->node, hash_string(name, 0));
    }
    return a;
}

static void
kernel_config(const struct dpif_qos_desc *d, struct netdev_qos_config *k)
{
    memset(k, 0, sizeof *k);
    k->max_rate = d->max_rate;
    for (size_t i = 0; i < d->n_queues; i++) {
        const struct dpif_qos_queue_desc *q = &d->queues[i];
        struct netdev_queue_config *kq = &k->queues[k->n_queues++];

        kq->id = q->id;
        kq->min_rate = q->min_rate;
        kq->max_rate = q->max_rate;
        kq->burst = q->burst;
        kq->priority = q->priority;
    }
}

void
bridge_qos_port_config(struct db_txn *txn, struct dpif_port_config *pc,
                       const struct db_row *port, const struct db_row *iface)
{
    const struct db_datum *ref = db_row_get(port, Q.port_qos);
    const struct db_datum *d;
    char *error = NULL;

    pc->qos.ingress_queue = port_ingress_queue(port, &error);
    free(error);
    error = NULL;

    d = db_row_get(iface, Q.if_rate);
    pc->police.kbps = d->n ? d->keys[0].integer : 0;
    d = db_row_get(iface, Q.if_burst);
    pc->police.kbits = d->n ? d->keys[0].integer : 0;
    d = db_row_get(iface, Q.if_kpkts_rate);
    pc->police.kpkts_rate = d->n ? d->keys[0].integer : 0;
    d = db_row_get(iface, Q.if_kpkts_burst);
    pc->police.kpkts_burst = d->n ? d->keys[0].integer : 0;

    const struct db_row *row = (ref->n ? db_txn_get(txn, Q.qos,
                                                    &ref->keys[0].uuid)
                                       : NULL);
    struct dpif_qos_desc desc;
    const struct dpif_qos *qos = NULL;

    if (row) {
        error = bridge_qos_parse(txn, row, &desc);
        if (!error) {
            qos = dpif_qos_get(&desc, &error);
        }
    }
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);

        VLOG_WARN_RL(&rl, "%s: QoS ignored: %s", pc->name, error);
        free(error);
    }
    if (!qos) {
        return;
    }
    refs_new = xrealloc(refs_new, (n_refs_new + 1) * sizeof *refs_new);
    refs_new[n_refs_new++] = qos;
    pc->qos.qos = qos;
    pc->qos.kernel = (dpif_qos_desc(qos)->type == DPIF_QOS_HTB
                      && netdev_has_kernel_qos(pc->netdev));
    if (pc->qos.kernel) {
        struct qos_applied *a = applied_get(pc->name);

        a->wanted = true;
        kernel_config(dpif_qos_desc(qos), &a->want);
        if (a->netdev != pc->netdev) {
            /* A new device (a re-created TAP): it has nothing yet. */
            a->netdev = pc->netdev;
            a->on = false;
        }
    }
}

void
bridge_qos_finish(void)
{
    for (size_t i = 0; i < n_refs_cur; i++) {
        dpif_qos_unref(refs_cur[i]);
    }
    free(refs_cur);
    refs_cur = refs_new;
    n_refs_cur = n_refs_new;
    refs_new = NULL;
    n_refs_new = 0;
}

void
bridge_qos_apply(struct netdev *(*lookup)(const char *name))
{
    struct qos_applied *a, *next;

    HMAP_FOR_EACH_SAFE (a, next, node, &applied) {
        struct netdev *netdev = lookup(a->name);
        int error = 0;

        if (netdev != a->netdev) {
            /* Closed (it removed its HTB) or replaced. */
            a->on = false;
            a->netdev = a->wanted ? netdev : NULL;
        }
        if (a->wanted && netdev
            && (!a->on || memcmp(&a->cfg, &a->want, sizeof a->cfg))) {
            free(a->error);
            a->error = NULL;
            error = netdev_set_qos(netdev, &a->want, &a->error);
            if (error) {
                VLOG_WARN("%s", a->error ? a->error : strerror(error));
            } else {
                a->cfg = a->want;
                a->on = true;
                VLOG_INFO("%s: kernel htb with %u queue%s", a->name,
                          a->want.n_queues, a->want.n_queues == 1 ? "" : "s");
            }
        } else if (!a->wanted && a->on && netdev) {
            error = netdev_set_qos(netdev, NULL, NULL);
            VLOG_INFO("%s: kernel htb removed%s", a->name,
                      error ? " (failed)" : "");
            a->on = false;
        }
        if (!a->wanted && !a->on) {
            hmap_remove(&applied, &a->node);
            free(a->error);
            free(a->name);
            free(a);
            continue;
        }
        a->wanted = false;
    }
}

/* qos/show. */

static const struct bridge_view_port *
view_find_port(const char *name, struct dpif **dpifp)
{
    for (size_t i = 0; i < bridge_view.n_ports; i++) {
        const struct bridge_view_port *p = &bridge_view.ports[i];

        if (!strcmp(p->name, name)) {
            *dpifp = bridge_view.bridges[p->bridge].dpif;
            return p;
        }
    }
    return NULL;
}

/* Rate of a kernel queue since the previous qos/show (or 0). */
static uint64_t
kernel_rate(struct qos_applied *a, const struct netdev_queue_stats *s,
            long long now)
{
    for (size_t i = 0; i < a->n_samples; i++) {
        if (a->sample_ids[i] == s->id && now > a->sample_ms
            && s->bytes >= a->sample_bytes[i]) {
            return (s->bytes - a->sample_bytes[i]) * 8 * 1000
                   / (now - a->sample_ms);
        }
    }
    return 0;
}

static void
print_queue(struct dstr *ds, uint32_t id, uint64_t packets, uint64_t bytes,
            uint64_t dropped, uint64_t bl_packets, uint64_t bl_bytes,
            uint64_t rate)
{
    dstr_printf(ds, "  queue %"PRIu32": packets %"PRIu64", bytes %"PRIu64
                ", drops %"PRIu64", backlog %"PRIu64" packets %"PRIu64
                " bytes, rate %"PRIu64" bit/s\n", id, packets, bytes,
                dropped, bl_packets, bl_bytes, rate);
}

static void
cmd_qos_show(struct appctl_conn *conn, int argc, const char *argv[],
             void *aux)
{
    struct dstr ds = DSTR_INITIALIZER;
    const struct bridge_view_port *p;
    struct qos_applied *a = applied_find(argv[1]);
    struct dpif *dpif = NULL;
    uint64_t drops[DP_N_DROPS];
    long long now = time_msec();

    (void) argc;
    (void) aux;
    p = view_find_port(argv[1], &dpif);
    if (!p) {
        appctl_reply_error(conn, "no such port");
        return;
    }
    if (a && a->on && a->netdev) {
        struct netdev_queue_stats st[NETDEV_QOS_MAX_QUEUES];
        int n = netdev_get_queue_stats(a->netdev, st, ARRAY_SIZE(st));

        dstr_printf(&ds, "%s: kernel htb, %u queue%s\n", argv[1],
                    a->cfg.n_queues, a->cfg.n_queues == 1 ? "" : "s");
        for (int i = 0; i < n; i++) {
            uint64_t rate = st[i].rate_bps ? st[i].rate_bps
                                           : kernel_rate(a, &st[i], now);

            print_queue(&ds, st[i].id, st[i].packets, st[i].bytes,
                        st[i].dropped, st[i].backlog_packets,
                        st[i].backlog_bytes, rate);
            a->sample_ids[i] = st[i].id;
            a->sample_bytes[i] = st[i].bytes;
        }
        a->n_samples = n > 0 ? n : 0;
        a->sample_ms = now;
    } else {
        struct dpif_queue_stats st[DPIF_QOS_MAX_QUEUES];
        int n = dpif_queue_stats(dpif, p->port_no, st, ARRAY_SIZE(st));

        if (n >= 0) {
            dstr_printf(&ds, "%s: userspace shaper, %d queue%s\n", argv[1],
                        n, n == 1 ? "" : "s");
        } else {
            dstr_printf(&ds, "%s: no egress queues\n", argv[1]);
        }
        for (int i = 0; i < n; i++) {
            print_queue(&ds, st[i].id, st[i].packets, st[i].bytes,
                        st[i].dropped, st[i].backlog_packets,
                        st[i].backlog_bytes, st[i].rate_bps);
        }
    }
    if (a && a->error) {
        dstr_printf(&ds, "  error: %s\n", a->error);
    }
    if (!dpif_port_drop_stats(dpif, p->port_no, drops)) {
        dstr_printf(&ds, "  drops: ingress-policed %"PRIu64", "
                    "egress-policed %"PRIu64", qos-queue-full %"PRIu64"\n",
                    drops[DP_DROP_INGRESS_POLICED],
                    drops[DP_DROP_EGRESS_POLICED],
                    drops[DP_DROP_QOS_QUEUE_FULL]);
    }
    appctl_reply_success(conn, dstr_cstr(&ds));
    dstr_destroy(&ds);
}

void
bridge_qos_register_commands(void)
{
    appctl_command_register("qos/show", "PORT", 1, 1, cmd_qos_show, NULL);
}
