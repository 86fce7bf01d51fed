/*
 * bridge-cmds.c -- runtime commands about bridges and the datapath:
 * fdb/show, fdb/flush, fdb/stats-show, dpif/show, dp/trace, and the
 * forwarding threads' dpif/pmd-stats-show, dpif/pmd-stats-clear and
 * dpif/pmd-rxq-show.
 */
#include <config.h>
#include "bridge-private.h"
#include "bridge-qos.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "appctl.h"
#include "dpif.h"
#include "util.h"

/* Index of bridge 'name' in the view, or -1. */
static int
find_bridge(const char *name)
{
    for (size_t i = 0; i < bridge_view.n_bridges; i++) {
        if (!strcmp(bridge_view.bridges[i].name, name)) {
            return i;
        }
    }
    return -1;
}

static const struct bridge_view_port *
find_port(uint32_t port_no)
{
    for (size_t i = 0; i < bridge_view.n_ports; i++) {
        if (bridge_view.ports[i].port_no == port_no) {
            return &bridge_view.ports[i];
        }
    }
    return NULL;
}

/* Finds bridge 'name' or replies with an error. */
static const struct bridge_view_bridge *
must_find_bridge(struct appctl_conn *conn, const char *name)
{
    int index = find_bridge(name);

    if (index < 0) {
        char *msg = xasprintf("no such bridge: %s", name);
        appctl_reply_error(conn, msg);
        free(msg);
        return NULL;
    }
    return &bridge_view.bridges[index];
}

static int
compare_fdb(const void *a_, const void *b_)
{
    const struct dpif_fdb_entry *a = a_, *b = b_;
    if (a->port_no != b->port_no) {
        return a->port_no < b->port_no ? -1 : 1;
    }
    if (a->vlan != b->vlan) {
        return a->vlan < b->vlan ? -1 : 1;
    }
    return memcmp(a->mac, b->mac, sizeof a->mac);
}

/* Ports print as their numbers, and the bridge's own port as LOCAL, as
 * OVS users expect; "fdb/show BR --names" prints names instead. */
static void
cmd_fdb_show(struct appctl_conn *conn, int argc, const char *argv[],
             void *aux)
{
    struct dpif_fdb_entry *entries;
    struct dstr ds = DSTR_INITIALIZER;
    bool names = argc > 2 && !strcmp(argv[2], "--names");
    const struct bridge_view_bridge *br = must_find_bridge(conn, argv[1]);

    if (!br) {
        return;
    }
    size_t n = dpif_fdb_dump(br->dpif, br->index, &entries);
    qsort(entries, n, sizeof *entries, compare_fdb);
    dstr_puts(&ds, names ? " port             VLAN  MAC                Age\n"
                         : " port  VLAN  MAC                Age\n");
    for (size_t i = 0; i < n; i++) {
        const struct dpif_fdb_entry *e = &entries[i];
        const struct bridge_view_port *p = find_port(e->port_no);
        const uint8_t *m = e->mac;
        if (p && !strcmp(p->name, argv[1])) {
            dstr_printf(&ds, names ? " %-15s" : " %5s", "LOCAL");
        } else if (names) {
            dstr_printf(&ds, " %-15s", p ? p->name : "?");
        } else {
            dstr_printf(&ds, " %5"PRIu32, e->port_no);
        }
        dstr_printf(&ds, "  %4u  %02x:%02x:%02x:%02x:%02x:%02x  %4u\n",
                    e->vlan, m[0], m[1], m[2], m[3], m[4], m[5], e->age_s);
    }
    appctl_reply_success(conn, dstr_cstr(&ds));
    dstr_destroy(&ds);
    free(entries);
}

static void
cmd_fdb_flush(struct appctl_conn *conn, int argc, const char *argv[],
              void *aux)
{
    if (argc > 1) {
        const struct bridge_view_bridge *br = must_find_bridge(conn,
                                                               argv[1]);
        if (!br) {
            return;
        }
        dpif_fdb_flush(br->dpif, br->index);
    } else {
        for (size_t i = 0; i < bridge_view.n_bridges; i++) {
            dpif_fdb_flush(bridge_view.bridges[i].dpif,
                           bridge_view.bridges[i].index);
        }
    }
    appctl_reply_success(conn, "table successfully flushed");
}

static void
cmd_fdb_stats_show(struct appctl_conn *conn, int argc, const char *argv[],
                   void *aux)
{
    struct dpif_fdb_stats st;
    struct dstr ds = DSTR_INITIALIZER;
    const struct bridge_view_bridge *br = must_find_bridge(conn, argv[1]);

    if (!br) {
        return;
    }
    memset(&st, 0, sizeof st);
    dpif_fdb_stats(br->dpif, br->index, &st);
    dstr_printf(&ds, "Statistics for bridge \"%s\":\n", argv[1]);
    dstr_printf(&ds, "  Current/maximum MAC entries in the table: %zu/%zu\n",
                st.n_entries, st.max_entries);
    dstr_printf(&ds, "  Total number of learned MAC entries     : %"PRIu64
                "\n", st.learned);
    dstr_printf(&ds, "  Total number of expired MAC entries     : %"PRIu64
                "\n", st.expired);
    dstr_printf(&ds, "  Total number of evicted MAC entries     : %"PRIu64
                "\n", st.evicted);
    dstr_printf(&ds, "  Total number of port moved MAC entries  : %"PRIu64
                "\n", st.moved);
    appctl_reply_success(conn, dstr_cstr(&ds));
    dstr_destroy(&ds);
}

static void
put_drops(struct dstr *ds, const char *indent, const uint64_t *counts)
{
    for (int r = 1; r < DP_N_DROPS; r++) {
        if (counts[r]) {
            dstr_printf(ds, "%s%-22s %"PRIu64"  (%s)\n", indent,
                        dp_drop_name(r), counts[r], dp_drop_description(r));
        }
    }
}

static int
compare_view_ports(const void *a_, const void *b_)
{
    const struct bridge_view_port *const *a = a_, *const *b = b_;
    if ((*a)->bridge != (*b)->bridge) {
        return (*a)->bridge < (*b)->bridge ? -1 : 1;
    }
    return (*a)->port_no < (*b)->port_no ? -1 : (*a)->port_no > (*b)->port_no;
}

static void
cmd_dpif_show(struct appctl_conn *conn, int argc, const char *argv[],
              void *aux)
{
    struct dstr ds = DSTR_INITIALIZER;
    uint64_t drops[DP_N_DROPS];
    const struct bridge_view_port **ports;
    size_t n = bridge_view.n_ports, i = 0;

    /* By bridge, then by port number. */
    ports = xmalloc((n + 1) * sizeof *ports);
    for (size_t k = 0; k < n; k++) {
        ports[k] = &bridge_view.ports[k];
    }
    qsort(ports, n, sizeof *ports, compare_view_ports);

    /* Bridges are grouped by datapath in the view. */
    for (size_t b = 0; b < bridge_view.n_bridges; b++) {
        const struct bridge_view_bridge *br = &bridge_view.bridges[b];

        if (!b || br->dpif != bridge_view.bridges[b - 1].dpif) {
            dstr_printf(&ds, "%s@vswitch:\n", dpif_type(br->dpif));
        }
        dstr_printf(&ds, "  %s:\n", br->name);
        for (; i < n && ports[i]->bridge == b; i++) {
            const struct bridge_view_port *p = ports[i];
            struct dpif_port_stats st;

            memset(&st, 0, sizeof st);
            dpif_port_stats(br->dpif, p->port_no, &st);
            dstr_printf(&ds, "    %s %"PRIu32": (%s)\n", p->name,
                        p->port_no, p->type);
            dstr_printf(&ds, "      rx: %"PRIu64" packets, %"PRIu64" bytes,"
                        " %"PRIu64" dropped\n", st.rx_packets, st.rx_bytes,
                        st.rx_dropped);
            dstr_printf(&ds, "      tx: %"PRIu64" packets, %"PRIu64" bytes,"
                        " %"PRIu64" dropped, %"PRIu64" errors\n",
                        st.tx_packets, st.tx_bytes, st.tx_dropped,
                        st.tx_errors);
            if (!dpif_port_drop_stats(br->dpif, p->port_no, drops)) {
                put_drops(&ds, "        ", drops);
            }
        }
    }
    free(ports);
    memset(drops, 0, sizeof drops);
    for (size_t d = 0; d < bridge_view.n_dpifs; d++) {
        uint64_t dp_drops[DP_N_DROPS];

        dpif_drop_stats(bridge_view.dpifs[d], dp_drops);
        for (int r = 0; r < DP_N_DROPS; r++) {
            drops[r] += dp_drops[r];
        }
    }
    dstr_puts(&ds, "drops by reason:\n");
    put_drops(&ds, "  ", drops);
    appctl_reply_success(conn, dstr_cstr(&ds));
    dstr_destroy(&ds);
}

/* Forwarding threads. */

static const char *
port_name(uint32_t port_no)
{
    const struct bridge_view_port *p = find_port(port_no);

    return p ? p->name : "?";
}

/* "pmd0 (core 1)", "pmd0 (unpinned)" or "pmd0 (unpinned: pinning to core 5
 * failed: ...)". */
static void
put_pmd_title(struct dstr *ds, const struct dpif_pmd *pmd)
{
    dstr_printf(ds, "pmd thread pmd%u", pmd->id);
    if (pmd->core >= 0 && !pmd->pin_error) {
        dstr_printf(ds, " core %d", pmd->core);
    } else if (pmd->core >= 0) {
        dstr_printf(ds, " unpinned (pinning to core %d failed: %s)",
                    pmd->core, strerror(pmd->pin_error));
    } else {
        dstr_puts(ds, " unpinned");
    }
    if (pmd->tid) {
        dstr_printf(ds, " tid %d", pmd->tid);
    }
    dstr_puts(ds, ":\n");
}

static double
percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * part / whole : 0.0;
}

/* Calls 'put' with every forwarding thread of every datapath that has
 * them, under a "TYPE@vswitch:" line per datapath. */
static void
for_each_pmd(struct dstr *ds,
             void (*put)(struct dstr *, const struct dpif_pmd *))
{
    for (size_t d = 0; d < bridge_view.n_dpifs; d++) {
        struct dpif *dpif = bridge_view.dpifs[d];
        struct dpif_pmd *pmds;
        size_t n;

        if (dpif_pmd_dump(dpif, &pmds, &n)) {
            continue;
        }
        dstr_printf(ds, "%s@vswitch:\n", dpif_type(dpif));
        for (size_t i = 0; i < n; i++) {
            put(ds, &pmds[i]);
        }
        dpif_pmd_dump_free(pmds, n);
    }
}

static void
put_pmd_stats(struct dstr *ds, const struct dpif_pmd *pmd)
{
    uint64_t total = pmd->busy_cycles + pmd->idle_cycles;

    put_pmd_title(ds, pmd);
    dstr_printf(ds, "  packets received: %"PRIu64"\n", pmd->packets);
    dstr_printf(ds, "  passes: %"PRIu64" (%.2f packets/pass)\n",
                pmd->passes,
                pmd->passes ? (double) pmd->packets / pmd->passes : 0.0);
    dstr_printf(ds, "  idle cycles: %"PRIu64" (%.2f %%)\n",
                pmd->idle_cycles, percent(pmd->idle_cycles, total));
    dstr_printf(ds, "  busy cycles: %"PRIu64" (%.2f %%)\n",
                pmd->busy_cycles, percent(pmd->busy_cycles, total));
    dstr_printf(ds, "  avg cycles per packet: %.2f (%"PRIu64"/%"PRIu64")\n",
                pmd->packets ? (double) total / pmd->packets : 0.0,
                total, pmd->packets);
    dstr_printf(ds, "  avg busy cycles per packet: %.2f (%"PRIu64"/%"PRIu64
                ")\n",
                pmd->packets ? (double) pmd->busy_cycles / pmd->packets
                             : 0.0,
                pmd->busy_cycles, pmd->packets);
    dstr_printf(ds, "  sleeps: %"PRIu64" (woken early: %"PRIu64")\n",
                pmd->sleeps, pmd->wakeups);
    dstr_printf(ds, "  sends: %"PRIu64" (%"PRIu64" packets, %.2f "
                "packets/send)\n", pmd->tx_calls, pmd->tx_frames,
                pmd->tx_calls ? (double) pmd->tx_frames / pmd->tx_calls
                              : 0.0);
}

static void
put_pmd_rxqs(struct dstr *ds, const struct dpif_pmd *pmd)
{
    uint64_t queues_busy = 0;

    /* Shares among the queues: a pass's own work after its last queue
     * (sending held frames, bookkeeping) is the thread's, no queue's. */
    for (size_t i = 0; i < pmd->n_rxqs; i++) {
        queues_busy += pmd->rxqs[i].busy_cycles;
    }
    put_pmd_title(ds, pmd);
    dstr_printf(ds, "  isolated: %s\n", pmd->isolated ? "true" : "false");
    if (!pmd->n_rxqs) {
        dstr_puts(ds, "  no queues (sleeping)\n");
    }
    for (size_t i = 0; i < pmd->n_rxqs; i++) {
        const struct dpif_pmd_rxq *r = &pmd->rxqs[i];
        char pin[64];

        if (r->pinned) {
            snprintf(pin, sizeof pin, "pinned");
        } else if (r->pin_core >= 0) {
            snprintf(pin, sizeof pin, "not pinned (no thread on core %d)",
                     r->pin_core);
        } else {
            snprintf(pin, sizeof pin, "not pinned");
        }
        dstr_printf(ds, "  port: %-16s queue-id: %2u  %-12s busy share: "
                    "%3.0f %%  packets: %"PRIu64"\n",
                    port_name(r->port_no), r->queue, pin,
                    percent(r->busy_cycles, queues_busy), r->packets);
    }
}

static void
cmd_pmd_stats_show(struct appctl_conn *conn, int argc, const char *argv[],
                   void *aux)
{
    struct dstr ds = DSTR_INITIALIZER;

    for_each_pmd(&ds, put_pmd_stats);
    appctl_reply_success(conn, dstr_cstr(&ds));
    dstr_destroy(&ds);
}

static void
cmd_pmd_rxq_show(struct appctl_conn *conn, int argc, const char *argv[],
                 void *aux)
{
    struct dstr ds = DSTR_INITIALIZER;

    for_each_pmd(&ds, put_pmd_rxqs);
    appctl_reply_success(conn, dstr_cstr(&ds));
    dstr_destroy(&ds);
}

static void
cmd_pmd_stats_clear(struct appctl_conn *conn, int argc, const char *argv[],
                    void *aux)
{
    for (size_t d = 0; d < bridge_view.n_dpifs; d++) {
        dpif_pmd_stats_clear(bridge_view.dpifs[d]);
    }
    appctl_reply_success(conn, "");
}

/* The port of bridge 'br' (an index into the view) named 'name', or
 * numbered 'name'. */
static const struct bridge_view_port *
find_bridge_port(size_t br, const char *name)
{
    unsigned long long no;
    char *end;

    for (size_t i = 0; i < bridge_view.n_ports; i++) {
        const struct bridge_view_port *p = &bridge_view.ports[i];

        if (p->bridge == (uint32_t) br && !strcmp(p->name, name)) {
            return p;
        }
    }
    errno = 0;
    no = strtoull(name, &end, 10);
    if (!errno && *name >= '0' && *name <= '9' && !*end && no <= UINT32_MAX) {
        const struct bridge_view_port *p = find_port(no);

        if (p && p->bridge == (uint32_t) br) {
            return p;
        }
    }
    return NULL;
}

static int
hex_nibble(char c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Parses 'hex' into a malloc'd frame in '*framep' and its length in
 * '*lenp'.  Returns NULL or a malloc'd error message. */
static char *
parse_hex_frame(const char *hex, uint8_t **framep, size_t *lenp)
{
    size_t n = strlen(hex);
    uint8_t *frame;

    *framep = NULL;
    *lenp = 0;
    if (!n) {
        return xstrdup("empty frame: give it as hex digits, two per byte");
    } else if (n % 2) {
        return xasprintf("frame has an odd number of hex digits (%zu)", n);
    } else if (n / 2 > 65535) {
        return xasprintf("frame of %zu bytes is longer than 65535", n / 2);
    }
    frame = xmalloc(n / 2);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            size_t bad = hi < 0 ? 2 * i : 2 * i + 1;

            free(frame);
            return xasprintf("frame is not hex: '%c' at offset %zu",
                             hex[bad], bad);
        }
        frame[i] = hi << 4 | lo;
    }
    *framep = frame;
    *lenp = n / 2;
    return NULL;
}

static void
reply_error_free(struct appctl_conn *conn, char *msg)
{
    appctl_reply_error(conn, msg);
    free(msg);
}

/* dp/trace BRIDGE PORT HEXFRAME: what the datapath would do with the frame
 * if PORT (a name or number) received it, stage by stage, without sending
 * or learning anything. */
static void
cmd_dp_trace(struct appctl_conn *conn, int argc, const char *argv[],
             void *aux)
{
    const struct bridge_view_port *port;
    struct dstr ds = DSTR_INITIALIZER;
    uint8_t *frame;
    size_t len;
    const struct bridge_view_bridge *br = must_find_bridge(conn, argv[1]);
    char *error;
    int retval;

    if (!br) {
        return;
    }
    port = find_bridge_port(br - bridge_view.bridges, argv[2]);
    if (!port) {
        reply_error_free(conn, xasprintf("no port %s on bridge %s",
                                         argv[2], argv[1]));
        return;
    }
    error = parse_hex_frame(argv[3], &frame, &len);
    if (error) {
        reply_error_free(conn, error);
        return;
    }
    retval = dpif_trace(br->dpif, port->port_no, frame, len, &ds);
    if (retval) {
        reply_error_free(conn, xasprintf("%s: cannot trace port %s (%s)",
                                         argv[1], port->name,
                                         strerror(retval)));
    } else {
        appctl_reply_success(conn, dstr_cstr(&ds));
    }
    dstr_destroy(&ds);
    free(frame);
}

void
bridge_cmds_register(void)
{
    appctl_command_register("fdb/show", "BRIDGE [--names]", 1, 2,
                            cmd_fdb_show, NULL);
    appctl_command_register("fdb/flush", "[BRIDGE]", 0, 1, cmd_fdb_flush,
                            NULL);
    appctl_command_register("fdb/stats-show", "BRIDGE", 1, 1,
                            cmd_fdb_stats_show, NULL);
    appctl_command_register("dpif/show", "", 0, 0, cmd_dpif_show, NULL);
    appctl_command_register("dp/trace", "BRIDGE PORT HEXFRAME", 3, 3,
                            cmd_dp_trace, NULL);
    appctl_command_register("dpif/pmd-stats-show", "", 0, 0,
                            cmd_pmd_stats_show, NULL);
    appctl_command_register("dpif/pmd-stats-clear", "", 0, 0,
                            cmd_pmd_stats_clear, NULL);
    appctl_command_register("dpif/pmd-rxq-show", "", 0, 0,
                            cmd_pmd_rxq_show, NULL);
    bridge_qos_register_commands();
}
