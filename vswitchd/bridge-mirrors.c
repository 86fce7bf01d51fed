/*
 * bridge-mirrors.c -- Mirror rows into datapath mirror settings, their
 * filters, statistics, "mirror/show", and the sweep of vs-tcpdump's
 * leftovers (bridge-mirrors.h).
 */
#include <config.h>
#include "bridge-mirrors.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "appctl.h"
#include "bridge-private.h"
#include "db.h"
#include "dpif.h"
#include "hmap.h"
#include "util.h"
#include "uuid.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(bridge_mirrors);

static struct {
    const struct db_schema *schema;
    const struct db_table_schema *bridge, *port, *mirror;
    const struct db_column_schema *br_name, *br_mirrors, *br_ports;
    const struct db_column_schema *port_name, *port_ext_ids;
    const struct db_column_schema *name, *select_all, *select_src_port,
        *select_dst_port, *select_vlan, *output_port, *output_vlan,
        *snaplen, *filter, *statistics, *ext_ids;
} M;

static void
resolve(const struct db_schema *schema)
{
    if (M.schema == schema) {
        return;
    }
    M.schema = schema;
    M.bridge = db_schema_find_table(schema, "Bridge");
    M.port = db_schema_find_table(schema, "Port");
    M.mirror = db_schema_find_table(schema, "Mirror");
    M.br_name = db_table_find_column(M.bridge, "name");
    M.br_mirrors = db_table_find_column(M.bridge, "mirrors");
    M.br_ports = db_table_find_column(M.bridge, "ports");
    M.port_name = db_table_find_column(M.port, "name");
    M.port_ext_ids = db_table_find_column(M.port, "external_ids");
    M.name = db_table_find_column(M.mirror, "name");
    M.select_all = db_table_find_column(M.mirror, "select_all");
    M.select_src_port = db_table_find_column(M.mirror, "select_src_port");
    M.select_dst_port = db_table_find_column(M.mirror, "select_dst_port");
    M.select_vlan = db_table_find_column(M.mirror, "select_vlan");
    M.output_port = db_table_find_column(M.mirror, "output_port");
    M.output_vlan = db_table_find_column(M.mirror, "output_vlan");
    M.snaplen = db_table_find_column(M.mirror, "snaplen");
    M.filter = db_table_find_column(M.mirror, "filter");
    M.statistics = db_table_find_column(M.mirror, "statistics");
    M.ext_ids = db_table_find_column(M.mirror, "external_ids");
}

/* What we keep per Mirror row. */
struct bmirror {
    struct hmap_node node;      /* In 'mirrors', by row UUID. */
    struct uuid uuid;
    char *name;
    char *bridge;               /* Name of its bridge. */
    bool seen;                  /* In this reconfiguration. */

    /* Its counter. */
    uint32_t id;
    struct dpif *dpif;
    uint64_t base_packets, base_bytes;  /* Counted before it had 'id'. */
    uint64_t written[2];        /* Last tx_packets, tx_bytes written. */
    bool written_valid;

    char *filter_expr;          /* NULL: no filter. */
    struct bpf_program *filter;

    char *desc;                 /* What mirror/show prints. */
};

static struct hmap mirrors = HMAP_INITIALIZER;
static bool ids_used[DPIF_MAX_MIRROR_IDS];

/* Filters replaced or removed, to free once no datapath holds them. */
static struct bpf_program **retired;
static size_t n_retired, cap_retired;

/* Filters. */

char *
bridge_mirror_filter_compile(const char *expr, struct bpf_program **progp)
{
    static pcap_t *dead;
    struct bpf_program *prog;

    *progp = NULL;
    if (!dead) {
        dead = pcap_open_dead(DLT_EN10MB, 65535);
        if (!dead) {
            return xstrdup("libpcap could not open a handle to compile "
                           "filters");
        }
    }
    prog = xzalloc(sizeof *prog);
    if (pcap_compile(dead, prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
        char *error = xstrdup(pcap_geterr(dead));

        free(prog);
        return error;
    }
    *progp = prog;
    return NULL;
}

void
bridge_mirror_filter_free(struct bpf_program *prog)
{
    if (prog) {
        pcap_freecode(prog);
        free(prog);
    }
}

static void
retire_filter(struct bpf_program *prog)
{
    if (!prog) {
        return;
    }
    if (n_retired >= cap_retired) {
        cap_retired = cap_retired * 2 + 4;
        retired = xrealloc(retired, cap_retired * sizeof *retired);
    }
    retired[n_retired++] = prog;
}

/* Row helpers (and bridge_row_string(), bridge_row_map_get()). */

static bool
datum_has_uuid(const struct db_datum *d, const struct uuid *uuid)
{
    union db_atom key = { .uuid = *uuid };

    return db_datum_find_key(d, &key, DB_UUID) != UINT_MAX;
}

static struct bmirror *
bmirror_find(const struct uuid *uuid)
{
    struct bmirror *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, uuid_hash(uuid), &mirrors) {
        if (uuid_equals(&m->uuid, uuid)) {
            return m;
        }
    }
    return NULL;
}

/* Gives 'm' a counter in 'dpif', reading what the counter holds already
 * (a former mirror's counts) as its zero. */
static void
bmirror_place(struct bmirror *m, struct dpif *dpif)
{
    if (m->dpif == dpif) {
        return;
    }
    m->dpif = dpif;
    dpif_mirror_stats(dpif, m->id, &m->base_packets, &m->base_bytes);
    m->written_valid = false;
}

static struct bmirror *
bmirror_get(const struct db_row *row)
{
    struct bmirror *m = bmirror_find(db_row_uuid(row));
    uint32_t id;

    if (m) {
        return m;
    }
    for (id = 0; id < DPIF_MAX_MIRROR_IDS && ids_used[id]; id++) {
        continue;
    }
    if (id >= DPIF_MAX_MIRROR_IDS) {
        return NULL;
    }
    ids_used[id] = true;
    m = xzalloc(sizeof *m);
    m->uuid = *db_row_uuid(row);
    m->id = id;
    hmap_insert(&mirrors, &m->node, uuid_hash(&m->uuid));
    return m;
}

static void
bmirror_free(struct bmirror *m)
{
    hmap_remove(&mirrors, &m->node);
    ids_used[m->id] = false;
    retire_filter(m->filter);
    free(m->filter_expr);
    free(m->name);
    free(m->bridge);
    free(m->desc);
    free(m);
}

/* Keeps 'm''s compiled filter in step with 'expr' ("" for none). */
static void
bmirror_set_filter(struct bmirror *m, const char *expr)
{
    struct bpf_program *prog = NULL;

    if (m->filter_expr ? !strcmp(m->filter_expr, expr) : !*expr) {
        return;
    }
    if (*expr) {
        char *error = bridge_mirror_filter_compile(expr, &prog);

        if (error) {
            /* Commits refuse this; only an old database holds it. */
            VLOG_WARN("mirror %s: filter \"%s\" ignored: %s", m->name, expr,
                      error);
            free(error);
        }
    }
    retire_filter(m->filter);
    free(m->filter_expr);
    m->filter = prog;
    m->filter_expr = *expr ? xstrdup(expr) : NULL;
}

/* Building. */

static int
compare_port_configs(const void *key_, const void *pc_)
{
    const uint32_t *key = key_;
    const struct dpif_port_config *pc = pc_;

    return *key < pc->port_no ? -1 : *key > pc->port_no;
}

static struct dpif_port_config *
find_port_config(struct dpif_config *cfg, uint32_t port_no)
{
    return bsearch(&port_no, cfg->ports, cfg->n_ports, sizeof *cfg->ports,
                   compare_port_configs);
}

/* Appends to 'ds' the names of the ports of 'ports' in 'set'. */
static void
describe_ports(struct dstr *ds, struct db_txn *txn,
               const struct db_datum *set)
{
    for (unsigned int i = 0; i < set->n; i++) {
        const struct db_row *port = db_txn_get(txn, M.port,
                                               &set->keys[i].uuid);

        dstr_printf(ds, "%s%s", i ? "," : "",
                    port ? bridge_row_string(port, M.port_name) : "?");
    }
}

static char *
describe(struct db_txn *txn, const struct db_row *row, const char *problem)
{
    const struct db_datum *vlans = db_row_get(row, M.select_vlan);
    const struct db_datum *out = db_row_get(row, M.output_port);
    const struct db_datum *ovlan = db_row_get(row, M.output_vlan);
    const struct db_datum *snap = db_row_get(row, M.snaplen);
    struct dstr ds = DSTR_INITIALIZER;

    dstr_puts(&ds, "  select: ");
    if (db_row_get(row, M.select_all)->keys[0].boolean) {
        dstr_puts(&ds, "all ports");
    } else {
        dstr_puts(&ds, "src ports [");
        describe_ports(&ds, txn, db_row_get(row, M.select_src_port));
        dstr_puts(&ds, "], dst ports [");
        describe_ports(&ds, txn, db_row_get(row, M.select_dst_port));
        dstr_puts(&ds, "]");
    }
    dstr_puts(&ds, ", VLANs ");
    if (!vlans->n) {
        dstr_puts(&ds, "all");
    }
    for (unsigned int i = 0; i < vlans->n; i++) {
        dstr_printf(&ds, "%s%"PRId64, i ? "," : "", vlans->keys[i].integer);
    }
    dstr_puts(&ds, "\n  destination: ");
    if (out->n) {
        const struct db_row *port = db_txn_get(txn, M.port,
                                               &out->keys[0].uuid);

        dstr_printf(&ds, "SPAN port %s",
                    port ? bridge_row_string(port, M.port_name) : "?");
    } else if (ovlan->n) {
        dstr_printf(&ds, "RSPAN VLAN %"PRId64, ovlan->keys[0].integer);
    } else {
        dstr_puts(&ds, "none");
    }
    if (snap->n) {
        dstr_printf(&ds, "\n  snaplen: %"PRId64, snap->keys[0].integer);
    }
    if (*bridge_row_string(row, M.filter)) {
        dstr_printf(&ds, "\n  filter: %s", bridge_row_string(row, M.filter));
    }
    if (problem) {
        dstr_printf(&ds, "\n  inactive: %s", problem);
    }
    return dstr_steal(&ds);
}

static int
compare_rows_by_name(const void *a_, const void *b_)
{
    const struct db_row *const *a = a_, *const *b = b_;

    return strcmp(bridge_row_string(*a, M.name),
                  bridge_row_string(*b, M.name));
}

/* Fills mirror 'slot' of 'mc' from 'row'.  Returns NULL, or why the
 * mirror cannot run (then nothing is filled). */
static const char *
build_one(const struct db_row *row, const struct db_row *br,
          const struct bmirror *m, struct dpif_mirror_config *mc,
          const struct bridge_mirror_port *ports, size_t n_ports)
{
    const struct db_datum *out = db_row_get(row, M.output_port);
    const struct db_datum *ovlan = db_row_get(row, M.output_vlan);
    const struct db_datum *snap = db_row_get(row, M.snaplen);

    if (!m) {
        return "too many mirrors in the switch";
    } else if (out->n && ovlan->n) {
        return "both output_port and output_vlan are set";
    } else if (!out->n && !ovlan->n) {
        return "no output_port or output_vlan";
    } else if (*bridge_row_string(row, M.filter) && !m->filter) {
        return "its filter does not compile";
    }
    memset(mc, 0, sizeof *mc);
    if (out->n) {
        for (size_t i = 0; i < n_ports; i++) {
            if (ports[i].bridge == br
                && uuid_equals(ports[i].port, &out->keys[0].uuid)) {
                mc->output_port = ports[i].port_no;
                break;
            }
        }
        if (!mc->output_port) {
            return "its output port is not a running port of the bridge";
        }
    } else {
        mc->output_vlan = ovlan->keys[0].integer;
    }
    snprintf(mc->name, sizeof mc->name, "%s", m->name);
    mc->id = m->id;
    mc->snaplen = snap->n ? snap->keys[0].integer : 0;
    mc->filter = m->filter;
    return NULL;
}

/* Sets mirror bit 'bit' in the selection of the ports and VLANs that
 * 'row' selects. */
static void
build_selection(const struct db_row *row, const struct db_row *br,
                struct dpif_config *cfg, uint32_t index, uint32_t bit,
                const struct bridge_mirror_port *ports, size_t n_ports)
{
    struct dpif_mirror_bridge_config *mc = &cfg->bridges[index].mirror;
    const struct db_datum *src = db_row_get(row, M.select_src_port);
    const struct db_datum *dst = db_row_get(row, M.select_dst_port);
    const struct db_datum *vlans = db_row_get(row, M.select_vlan);
    bool all = db_row_get(row, M.select_all)->keys[0].boolean;

    for (size_t i = 0; i < n_ports; i++) {
        struct dpif_port_config *pc;

        if (ports[i].bridge != br) {
            continue;
        }
        pc = find_port_config(cfg, ports[i].port_no);
        if (!pc) {
            continue;
        }
        if (all || datum_has_uuid(src, ports[i].port)) {
            pc->mirror.src |= bit;
        }
        if (all || datum_has_uuid(dst, ports[i].port)) {
            pc->mirror.dst |= bit;
        }
    }
    if (!vlans->n) {
        for (size_t v = 0; v < ARRAY_SIZE(mc->vlan_mirrors); v++) {
            mc->vlan_mirrors[v] |= bit;
        }
    }
    for (unsigned int i = 0; i < vlans->n; i++) {
        mc->vlan_mirrors[vlans->keys[i].integer & 0xfff] |= bit;
    }
}

void
bridge_mirrors_build(struct db_txn *txn, const struct db_row *br,
                     struct dpif *dpif, struct dpif_config *cfg,
                     uint32_t index, const struct bridge_mirror_port *ports,
                     size_t n_ports)
{
    struct dpif_mirror_bridge_config *mc = &cfg->bridges[index].mirror;
    const struct db_datum *set;
    const struct db_row **rows;
    size_t n = 0;

    resolve(db_get_schema(db_txn_get_db(txn)));
    set = db_row_get(br, M.br_mirrors);
    rows = xcalloc(set->n + 1, sizeof *rows);
    for (unsigned int i = 0; i < set->n; i++) {
        const struct db_row *row = db_txn_get(txn, M.mirror,
                                              &set->keys[i].uuid);
        if (row) {
            rows[n++] = row;
        }
    }
    qsort(rows, n, sizeof *rows, compare_rows_by_name);

    for (size_t i = 0; i < n; i++) {
        const struct db_datum *out = db_row_get(rows[i], M.output_port);
        struct bmirror *m = bmirror_get(rows[i]);
        const char *problem;

        /* The output port is mirror-only even while the mirror cannot
         * run, as the user asked. */
        for (size_t j = 0; out->n && j < n_ports; j++) {
            if (ports[j].bridge == br
                && uuid_equals(ports[j].port, &out->keys[0].uuid)) {
                struct dpif_port_config *pc
                    = find_port_config(cfg, ports[j].port_no);

                if (pc) {
                    pc->ingress.mirror_output = true;
                }
            }
        }
        if (m) {
            m->seen = true;
            free(m->name);
            m->name = xstrdup(bridge_row_string(rows[i], M.name));
            free(m->bridge);
            m->bridge = xstrdup(bridge_row_string(br, M.br_name));
            bmirror_set_filter(m, bridge_row_string(rows[i], M.filter));
            bmirror_place(m, dpif);
        }
        if (mc->n_mirrors >= DPIF_MAX_MIRRORS) {
            problem = "the bridge has more mirrors than a datapath takes";
        } else {
            problem = build_one(rows[i], br, m,
                                &mc->mirrors[mc->n_mirrors], ports,
                                n_ports);
        }
        if (!problem) {
            build_selection(rows[i], br, cfg, index,
                            UINT32_C(1) << mc->n_mirrors, ports, n_ports);
            mc->n_mirrors++;
        } else {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);

            VLOG_WARN_RL(&rl, "bridge %s: mirror %s inactive: %s",
                         bridge_row_string(br, M.br_name),
                         bridge_row_string(rows[i], M.name), problem);
        }
        if (m) {
            free(m->desc);
            m->desc = describe(txn, rows[i], problem);
        }
    }
    free(rows);
}

void
bridge_mirrors_finish(void)
{
    struct bmirror *m, *next;

    HMAP_FOR_EACH_SAFE (m, next, node, &mirrors) {
        if (!m->seen) {
            bmirror_free(m);
        } else {
            m->seen = false;
        }
    }
    for (size_t i = 0; i < n_retired; i++) {
        bridge_mirror_filter_free(retired[i]);
    }
    n_retired = 0;
}

/* Statistics. */

static void
bmirror_stats(const struct bmirror *m, uint64_t *packets, uint64_t *bytes)
{
    *packets = *bytes = 0;
    if (m->dpif && !dpif_mirror_stats(m->dpif, m->id, packets, bytes)) {
        *packets -= m->base_packets;
        *bytes -= m->base_bytes;
    }
}

void
bridge_mirrors_write_stats(struct db_txn *txn)
{
    struct bmirror *m;

    resolve(db_get_schema(db_txn_get_db(txn)));
    HMAP_FOR_EACH (m, node, &mirrors) {
        static const char *const keys[] = { "tx_bytes", "tx_packets" };
        const struct db_row *row;
        uint64_t values[2];
        struct db_datum d;

        bmirror_stats(m, &values[1], &values[0]);
        if (m->written_valid && !memcmp(values, m->written, sizeof values)) {
            continue;
        }
        row = db_txn_get(txn, M.mirror, &m->uuid);
        if (!row) {
            continue;
        }
        db_datum_init_empty(&d);
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            union db_atom k = { .string = xstrdup(keys[i]) };
            union db_atom v = { .integer = values[i] };

            db_datum_add(&d, &M.statistics->type, &k, &v, true);
        }
        bridge_set_if_changed(txn, row, M.statistics, &d);
        memcpy(m->written, values, sizeof values);
        m->written_valid = true;
    }
}

/* vs-tcpdump's leftovers. */

/* True if 'row' is marked external_ids:vs-tcpdump=PID of a process that
 * no longer exists. */
static bool
is_stale(const struct db_row *row, const struct db_column_schema *ext_ids)
{
    const char *pid_s = bridge_row_map_get(row, ext_ids, "vs-tcpdump");
    char *end;
    long pid;

    if (!pid_s) {
        return false;
    }
    pid = strtol(pid_s, &end, 10);
    if (*end || pid <= 0 || pid > INT32_MAX) {
        return true;
    }
    return kill(pid, 0) && errno == ESRCH;
}

/* Removes 'uuid' from the set column 'col' of 'row'. */
static void
remove_ref(struct db_txn *txn, const struct db_row *row,
           const struct db_column_schema *col, const struct uuid *uuid)
{
    struct db_datum d, gone;
    union db_atom key = { .uuid = *uuid };

    db_datum_clone(&d, db_row_get(row, col), &col->type);
    db_datum_init_empty(&gone);
    db_datum_add(&gone, &col->type, &key, NULL, false);
    db_datum_subtract(&d, &col->type, &gone, true);
    db_datum_destroy(&gone, &col->type);
    db_row_set(db_txn_modify(txn, row), col, &d);
}

bool
bridge_mirrors_sweep(struct db *db)
{
    struct db_txn *txn = db_txn_begin(db);
    struct uuid *bridges = NULL;
    const struct db_row *br;
    size_t n_bridges = 0, cap = 0;
    bool changed;
    char *error;

    resolve(db_get_schema(db));
    DB_TXN_FOR_EACH (br, txn, M.bridge) {
        if (n_bridges >= cap) {
            cap = cap * 2 + 4;
            bridges = xrealloc(bridges, cap * sizeof *bridges);
        }
        bridges[n_bridges++] = *db_row_uuid(br);
    }
    for (size_t b = 0; b < n_bridges; b++) {
        const struct db_column_schema *cols[2] = { M.br_mirrors,
                                                   M.br_ports };

        for (int c = 0; c < 2; c++) {
            const struct db_table_schema *table = c ? M.port : M.mirror;
            const struct db_column_schema *ext_ids = (c ? M.port_ext_ids
                                                      : M.ext_ids);
            const struct db_datum *set;
            struct uuid stale;
            bool found = true;

            while (found) {
                found = false;
                br = db_txn_get(txn, M.bridge, &bridges[b]);
                set = db_row_get(br, cols[c]);
                for (unsigned int i = 0; i < set->n && !found; i++) {
                    const struct db_row *row
                        = db_txn_get(txn, table, &set->keys[i].uuid);

                    if (row && is_stale(row, ext_ids)) {
                        stale = set->keys[i].uuid;
                        found = true;
                    }
                }
                if (found) {
                    VLOG_INFO("bridge %s: removing vs-tcpdump's %s "UUID_FMT
                              " (its process is gone)",
                              bridge_row_string(br, M.br_name),
                              c ? "port" : "mirror", UUID_ARGS(&stale));
                    remove_ref(txn, br, cols[c], &stale);
                }
            }
        }
    }
    free(bridges);
    changed = !db_txn_is_empty(txn);
    error = db_txn_commit(txn, NULL);
    if (error) {
        VLOG_WARN("removing vs-tcpdump's leftovers failed: %s", error);
        free(error);
        return false;
    }
    return changed;
}

/* Validation. */

/* True if 'expr' reads like an OpenFlow match ("tcp,tp_dst=80"), the
 * syntax of Open vSwitch 3.4's column of the same name. */
static bool
looks_like_openflow(const char *expr)
{
    static const char *const fields[] = {
        "in_port", "dl_", "nw_", "tp_", "eth_", "ipv6_", "ip_", "tcp_",
        "udp_", "icmp_", "vlan_tci", "arp_", "ct_", "metadata", "reg",
    };

    if (!strchr(expr, '=') && !strchr(expr, ',')) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        if (strstr(expr, fields[i])) {
            return true;
        }
    }
    return strchr(expr, ',') != NULL;
}

char *
bridge_mirror_validate(struct db_txn *txn, const struct db_row *old,
                       const struct db_row *new)
{
    const struct db_datum *out, *ovlan;
    bool vlan_changed, port_changed;
    const char *name, *expr;

    resolve(db_get_schema(db_txn_get_db(txn)));
    out = db_row_get(new, M.output_port);
    ovlan = db_row_get(new, M.output_vlan);
    name = bridge_row_string(new, M.name);
    expr = bridge_row_string(new, M.filter);
    vlan_changed = !old || !db_datum_equals(db_row_get(old, M.output_vlan),
                                            ovlan, &M.output_vlan->type);
    port_changed = !old || !db_datum_equals(db_row_get(old, M.output_port),
                                            out, &M.output_port->type);

    if (out->n && ovlan->n && (vlan_changed || port_changed)) {
        return xasprintf("mirror %s: output_port and output_vlan are both "
                         "set; a mirror has exactly one destination "
                         "(output_port for SPAN, output_vlan for RSPAN)",
                         name);
    }
    /* A weak reference to a deleted port empties output_port on its own:
     * only an explicit change may leave a mirror without a destination. */
    if (!out->n && !ovlan->n && (!old || vlan_changed)) {
        return xasprintf("mirror %s: no destination; set exactly one of "
                         "output_port (SPAN) and output_vlan (RSPAN)",
                         name);
    }
    if (*expr && (!old || strcmp(expr, bridge_row_string(old, M.filter)))) {
        struct bpf_program *prog;
        char *error = bridge_mirror_filter_compile(expr, &prog);
        char *msg;

        if (!error) {
            bridge_mirror_filter_free(prog);
            return NULL;
        }
        if (looks_like_openflow(expr)) {
            msg = xasprintf("mirror %s: filter \"%s\" looks like an "
                            "OpenFlow match (the syntax of Open vSwitch "
                            "3.4's Mirror filter); this switch takes a "
                            "pcap-filter expression as tcpdump does, such "
                            "as \"tcp dst port 80\" (libpcap: %s)",
                            name, expr, error);
        } else {
            msg = xasprintf("mirror %s: invalid pcap-filter expression "
                            "\"%s\": %s", name, expr, error);
        }
        free(error);
        return msg;
    }
    return NULL;
}

/* mirror/show. */

static int
compare_bmirrors(const void *a_, const void *b_)
{
    const struct bmirror *const *a = a_, *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

static void
cmd_mirror_show(struct appctl_conn *conn, int argc, const char *argv[],
                void *aux)
{
    struct bmirror **list;
    struct dstr ds = DSTR_INITIALIZER;
    struct bmirror *m;
    size_t n = 0;

    if (argc > 1) {
        bool found = false;

        for (size_t i = 0; i < bridge_view.n_bridges; i++) {
            found |= !strcmp(bridge_view.bridges[i].name, argv[1]);
        }
        if (!found) {
            char *msg = xasprintf("no such bridge: %s", argv[1]);

            appctl_reply_error(conn, msg);
            free(msg);
            return;
        }
    }
    list = xcalloc(hmap_count(&mirrors) + 1, sizeof *list);
    HMAP_FOR_EACH (m, node, &mirrors) {
        if (m->bridge && (argc < 2 || !strcmp(m->bridge, argv[1]))) {
            list[n++] = m;
        }
    }
    qsort(list, n, sizeof *list, compare_bmirrors);
    for (size_t i = 0; i < n; i++) {
        uint64_t packets, bytes;

        m = list[i];
        bmirror_stats(m, &packets, &bytes);
        dstr_printf(&ds, "mirror %s (bridge %s):\n%s\n"
                    "  tx_packets: %"PRIu64", tx_bytes: %"PRIu64"\n",
                    m->name, m->bridge, m->desc ? m->desc : "", packets,
                    bytes);
    }
    free(list);
    appctl_reply_success(conn, dstr_cstr(&ds));
    dstr_destroy(&ds);
}

void
bridge_mirrors_register(void)
{
    appctl_command_register("mirror/show", "[BRIDGE]", 0, 1,
                            cmd_mirror_show, NULL);
}

void
bridge_mirrors_exit(void)
{
    struct bmirror *m, *next;

    HMAP_FOR_EACH_SAFE (m, next, node, &mirrors) {
        bmirror_free(m);
    }
    bridge_mirrors_finish();
    free(retired);
    retired = NULL;
    cap_retired = 0;
}
