/*
 * ipfix.c -- IPFIX encoding (ipfix.h).
 */
#include <config.h>
#include "ipfix.h"

#include <stdlib.h>
#include <string.h>

#include "collectors.h"
#include "fx-msg.h"
#include "timeval.h"
#include "util.h"

#define IPFIX_HDR_LEN 16
#define IPFIX_VERSION 10
#define IPFIX_TEMPLATE_SET 2
#define IPFIX_OPTIONS_TEMPLATE_SET 3
#define IPFIX_VARLEN 65535      /* Field length: variable (RFC 7011 7). */
#define IPFIX_NAME_MAX 254      /* Longest name sent, one length octet. */

enum { T_IPV4, T_IPV6, T_L2, N_TEMPLATES };
#define T_INTERFACES_ID (256 + N_TEMPLATES)

struct iface {
    uint32_t number;
    char *name;
};

struct ipfix_encoder {
    struct ipfix_options opts;
    struct fx_collectors *collectors;
    struct fx_msg msg;
    struct fx_template t[N_TEMPLATES];
    uint32_t sequence;          /* Data records sent. */
    long long next_templates;
    bool sent_templates;
    struct iface *ifaces;
    size_t n_ifaces;
    bool ifaces_due;            /* Send them with the next message. */
    struct ipfix_stats stats;
};

static void
ipfix_template(struct fx_template *t, int kind, bool obs_point)
{
    memset(t, 0, sizeof *t);
    t->id = 256 + kind;
    fx_template_add(t, FX_IE_SRC_MAC, 6);
    fx_template_add(t, FX_IE_DST_MAC, 6);
    fx_template_add(t, FX_IE_VLAN, 2);
    if (kind == T_L2) {
        fx_template_add(t, FX_IE_ETH_TYPE, 2);
    } else {
        bool v6 = kind == T_IPV6;

        fx_template_add(t, v6 ? FX_IE_SRC_IPV6 : FX_IE_SRC_IPV4,
                        v6 ? 16 : 4);
        fx_template_add(t, v6 ? FX_IE_DST_IPV6 : FX_IE_DST_IPV4,
                        v6 ? 16 : 4);
        fx_template_add(t, FX_IE_IP_VERSION, 1);
        fx_template_add(t, FX_IE_PROTOCOL, 1);
        fx_template_add(t, FX_IE_TOS, 1);
        fx_template_add(t, FX_IE_SRC_PORT, 2);
        fx_template_add(t, FX_IE_DST_PORT, 2);
        fx_template_add(t, FX_IE_TCP_FLAGS, 2);
        fx_template_add(t, v6 ? FX_IE_ICMP_TYPE_V6 : FX_IE_ICMP_TYPE, 2);
    }
    fx_template_add(t, FX_IE_INPUT, 4);
    fx_template_add(t, FX_IE_OUTPUT, 4);
    fx_template_add(t, FX_IE_PACKETS, 8);
    fx_template_add(t, FX_IE_OCTETS, 8);
    fx_template_add(t, FX_IE_START_MS, 8);
    fx_template_add(t, FX_IE_END_MS, 8);
    fx_template_add(t, FX_IE_END_REASON, 1);
    if (obs_point) {
        fx_template_add(t, FX_IE_OBS_POINT, 4);
    }
}

struct ipfix_encoder *
ipfix_encoder_create(const struct ipfix_options *opts,
                     struct fx_collectors *collectors)
{
    struct ipfix_encoder *e = xzalloc(sizeof *e);

    e->opts = *opts;
    e->collectors = collectors;
    for (int i = 0; i < N_TEMPLATES; i++) {
        ipfix_template(&e->t[i], i, opts->obs_point_id != 0);
    }
    fx_msg_start(&e->msg, IPFIX_HDR_LEN);
    return e;
}

static void
free_interfaces(struct ipfix_encoder *e)
{
    for (size_t i = 0; i < e->n_ifaces; i++) {
        free(e->ifaces[i].name);
    }
    free(e->ifaces);
    e->ifaces = NULL;
    e->n_ifaces = 0;
}

void
ipfix_encoder_destroy(struct ipfix_encoder *e)
{
    if (e) {
        ipfix_encoder_flush(e);
        free_interfaces(e);
        free(e);
    }
}

static bool
same_interfaces(const struct ipfix_encoder *e,
                const struct ipfix_interface *ifaces, size_t n)
{
    if (n != e->n_ifaces) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (ifaces[i].number != e->ifaces[i].number
            || strcmp(ifaces[i].name, e->ifaces[i].name)) {
            return false;
        }
    }
    return true;
}

void
ipfix_encoder_set_interfaces(struct ipfix_encoder *e,
                             const struct ipfix_interface *ifaces, size_t n)
{
    if (same_interfaces(e, ifaces, n)) {
        return;
    }
    free_interfaces(e);
    e->ifaces = xcalloc(n ? n : 1, sizeof *e->ifaces);
    for (size_t i = 0; i < n; i++) {
        e->ifaces[i].number = ifaces[i].number;
        e->ifaces[i].name = xstrdup(ifaces[i].name);
    }
    e->n_ifaces = n;
    e->ifaces_due = n > 0;
}

/* The options template: scope ingressInterface, then interfaceName. */
static void
put_options_template(struct ipfix_encoder *e)
{
    uint8_t *p = fx_msg_append(&e->msg, IPFIX_OPTIONS_TEMPLATE_SET, 14);

    if (p) {
        fx_put16(p, T_INTERFACES_ID);
        fx_put16(p + 2, 2);             /* Field count. */
        fx_put16(p + 4, 1);             /* Scope field count. */
        fx_put16(p + 6, FX_IE_INPUT);
        fx_put16(p + 8, 4);
        fx_put16(p + 10, FX_IE_IF_NAME);
        fx_put16(p + 12, IPFIX_VARLEN);
        fx_msg_close_set(&e->msg);
        e->stats.templates++;
    }
}

/* Appends the interfaces' options data records, flushing as messages
 * fill. */
static void
put_interfaces(struct ipfix_encoder *e)
{
    for (size_t i = 0; i < e->n_ifaces; i++) {
        const struct iface *iface = &e->ifaces[i];
        size_t len = MIN(strlen(iface->name), IPFIX_NAME_MAX);
        uint8_t *p = fx_msg_append(&e->msg, T_INTERFACES_ID, 5 + len);

        if (!p) {
            ipfix_encoder_flush(e);
            p = fx_msg_append(&e->msg, T_INTERFACES_ID, 5 + len);
        }
        fx_put32(p, iface->number);
        p[4] = len;
        memcpy(p + 5, iface->name, len);
        e->msg.n_data++;
        e->stats.interfaces++;
    }
    e->ifaces_due = false;
}

static void
ipfix_start(struct ipfix_encoder *e, long long now)
{
    const struct fx_template *t[N_TEMPLATES] = {
        &e->t[T_IPV4], &e->t[T_IPV6], &e->t[T_L2],
    };

    if (!e->sent_templates || now >= e->next_templates) {
        fx_msg_put_templates(&e->msg, IPFIX_TEMPLATE_SET, t, N_TEMPLATES);
        e->stats.templates += N_TEMPLATES;
        put_options_template(e);
        e->next_templates = now + e->opts.template_interval_ms;
        e->sent_templates = true;
        e->ifaces_due = e->n_ifaces > 0;
    }
    if (e->ifaces_due) {
        put_interfaces(e);
    }
}

void
ipfix_encoder_add(struct ipfix_encoder *e, const struct fx_record *r)
{
    int kind = (r->key.ip_version == 4 ? T_IPV4
                : r->key.ip_version == 6 ? T_IPV6 : T_L2);
    const struct fx_template *t = &e->t[kind];
    long long now = time_now_msec();
    struct fx_encode_ctx ctx = {
        .now_ms = now,
        .wall_ms = time_wall_msec(),
        .in_if = r->key.in_port,
        .out_if = r->out_port,
        .obs_point = e->opts.obs_point_id,
    };
    uint8_t *p;

    if (fx_msg_is_empty(&e->msg)) {
        ipfix_start(e, now);
    }
    p = fx_msg_append(&e->msg, t->id, t->rec_len);
    if (!p) {
        ipfix_encoder_flush(e);
        ipfix_start(e, now);
        p = fx_msg_append(&e->msg, t->id, t->rec_len);
    }
    fx_put_record(p, t, r, &ctx);
    e->msg.n_data++;
    e->stats.records++;
}

void
ipfix_encoder_flush(struct ipfix_encoder *e)
{
    struct fx_msg *m = &e->msg;
    uint8_t *h = m->buf;

    if (fx_msg_is_empty(m)) {
        return;
    }
    fx_msg_close_set(m);
    fx_put16(h, IPFIX_VERSION);
    fx_put16(h + 2, m->len);
    fx_put32(h + 4, time_wall_msec() / 1000);
    fx_put32(h + 8, e->sequence);
    fx_put32(h + 12, e->opts.obs_domain_id);
    e->sequence += m->n_data;
    fx_collectors_send(e->collectors, m->buf, m->len);
    e->stats.messages++;
    fx_msg_start(m, IPFIX_HDR_LEN);
}

void
ipfix_encoder_get_stats(const struct ipfix_encoder *e, struct ipfix_stats *s)
{
    *s = e->stats;
}
