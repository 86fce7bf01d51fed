/*
 * netflow.c -- NetFlow v5 and v9 encoding (netflow.h).
 */
#include <config.h>
#include "netflow.h"

#include <stdlib.h>
#include <string.h>

#include "collectors.h"
#include "fx-msg.h"
#include "timeval.h"
#include "util.h"

#define NF5_HDR_LEN 24
#define NF5_REC_LEN 48
#define NF5_MAX_RECS 30
#define NF9_HDR_LEN 20
#define NF9_TEMPLATE_SET 0
#define NF9_TEMPLATE_V4 256
#define NF9_TEMPLATE_V6 257

struct nf_encoder {
    struct nf_options opts;
    struct fx_collectors *collectors;
    long long boot_ms;
    struct fx_msg msg;
    struct fx_template t4, t6;
    uint32_t sequence;          /* v5: flows sent; v9: messages sent. */
    long long next_templates;   /* v9: time_now_msec() when due. */
    unsigned int since_templates;       /* v9: messages since. */
    struct nf_stats stats;
};

static void
nf9_template(struct fx_template *t, uint16_t id, bool v6)
{
    memset(t, 0, sizeof *t);
    t->id = id;
    fx_template_add(t, v6 ? FX_IE_SRC_IPV6 : FX_IE_SRC_IPV4, v6 ? 16 : 4);
    fx_template_add(t, v6 ? FX_IE_DST_IPV6 : FX_IE_DST_IPV4, v6 ? 16 : 4);
    fx_template_add(t, FX_IE_SRC_PORT, 2);
    fx_template_add(t, FX_IE_DST_PORT, 2);
    fx_template_add(t, FX_IE_PROTOCOL, 1);
    fx_template_add(t, FX_IE_TOS, 1);
    fx_template_add(t, FX_IE_TCP_FLAGS, 1);
    fx_template_add(t, FX_IE_IP_VERSION, 1);
    fx_template_add(t, FX_IE_INPUT, 4);
    fx_template_add(t, FX_IE_OUTPUT, 4);
    fx_template_add(t, FX_IE_PACKETS, 8);
    fx_template_add(t, FX_IE_OCTETS, 8);
    fx_template_add(t, FX_IE_FIRST_SWITCHED, 4);
    fx_template_add(t, FX_IE_LAST_SWITCHED, 4);
    fx_template_add(t, v6 ? FX_IE_ICMP_TYPE_V6 : FX_IE_ICMP_TYPE, 2);
    fx_template_add(t, FX_IE_SRC_MAC, 6);
    fx_template_add(t, FX_IE_DST_MAC, 6);
    fx_template_add(t, FX_IE_VLAN, 2);
}

struct nf_encoder *
nf_encoder_create(const struct nf_options *opts,
                  struct fx_collectors *collectors, long long boot_ms)
{
    struct nf_encoder *e = xzalloc(sizeof *e);

    e->opts = *opts;
    e->collectors = collectors;
    e->boot_ms = boot_ms;
    nf9_template(&e->t4, NF9_TEMPLATE_V4, false);
    nf9_template(&e->t6, NF9_TEMPLATE_V6, true);
    fx_msg_start(&e->msg, opts->version == 9 ? NF9_HDR_LEN : NF5_HDR_LEN);
    return e;
}

void
nf_encoder_destroy(struct nf_encoder *e)
{
    if (e) {
        nf_encoder_flush(e);
        free(e);
    }
}

static uint32_t
nf_interface(const struct nf_encoder *e, uint32_t port)
{
    if (e->opts.add_id_to_interface) {
        return (e->opts.engine_id & 0x7f) << 9 | (port & 0x1ff);
    }
    return e->opts.version == 5 ? MIN(port, 0xffff) : port;
}

static void
nf5_add(struct nf_encoder *e, const struct fx_record *r)
{
    const struct flow_key *k = &r->key;
    uint8_t *p;

    if (e->msg.n_data >= NF5_MAX_RECS) {
        nf_encoder_flush(e);
    }
    p = e->msg.buf + e->msg.len;
    memset(p, 0, NF5_REC_LEN);
    memcpy(p, k->src, 4);
    memcpy(p + 4, k->dst, 4);
    fx_put16(p + 12, nf_interface(e, k->in_port));
    fx_put16(p + 14, nf_interface(e, r->out_port));
    fx_put32(p + 16, MIN(r->packets, UINT32_MAX));
    fx_put32(p + 20, MIN(r->bytes, UINT32_MAX));
    fx_put32(p + 24, r->start_ms - e->boot_ms);
    fx_put32(p + 28, r->end_ms - e->boot_ms);
    if (flow_key_is_icmp(k)) {
        fx_put16(p + 34, k->icmp_type << 8 | k->icmp_code);
    } else {
        fx_put16(p + 32, k->tp_src);
        fx_put16(p + 34, k->tp_dst);
    }
    p[37] = r->tcp_flags;
    p[38] = k->ip_proto;
    p[39] = k->ip_tos;
    e->msg.len += NF5_REC_LEN;
    e->msg.n_records++;
    e->msg.n_data++;
}

static void
nf9_start(struct nf_encoder *e, long long now)
{
    const struct fx_template *t[2] = { &e->t4, &e->t6 };

    if (now >= e->next_templates
        || e->since_templates >= e->opts.template_packets) {
        fx_msg_put_templates(&e->msg, NF9_TEMPLATE_SET, t, 2);
        e->stats.templates += 2;
        e->next_templates = now + e->opts.template_interval_ms;
        e->since_templates = 0;
    }
}

static void
nf9_add(struct nf_encoder *e, const struct fx_record *r)
{
    const struct fx_template *t = r->key.ip_version == 6 ? &e->t6 : &e->t4;
    long long now = time_now_msec();
    struct fx_encode_ctx ctx = {
        .now_ms = now,
        .boot_ms = e->boot_ms,
        .in_if = nf_interface(e, r->key.in_port),
        .out_if = nf_interface(e, r->out_port),
    };
    uint8_t *p;

    if (fx_msg_is_empty(&e->msg)) {
        nf9_start(e, now);
    }
    p = fx_msg_append(&e->msg, t->id, t->rec_len);
    if (!p) {
        nf_encoder_flush(e);
        nf9_start(e, now);
        p = fx_msg_append(&e->msg, t->id, t->rec_len);
    }
    fx_put_record(p, t, r, &ctx);
    e->msg.n_data++;
}

void
nf_encoder_add(struct nf_encoder *e, const struct fx_record *r)
{
    if (r->key.ip_version != 4
        && (e->opts.version == 5 || r->key.ip_version != 6)) {
        e->stats.skipped++;
        return;
    }
    if (e->opts.version == 5) {
        nf5_add(e, r);
    } else {
        nf9_add(e, r);
    }
    e->stats.records++;
}

void
nf_encoder_flush(struct nf_encoder *e)
{
    struct fx_msg *m = &e->msg;
    long long now = time_now_msec();
    long long wall = time_wall_msec();
    uint8_t *h = m->buf;

    if (fx_msg_is_empty(m)) {
        return;
    }
    fx_put16(h, e->opts.version);
    fx_put16(h + 2, m->n_records);
    fx_put32(h + 4, now - e->boot_ms);
    fx_put32(h + 8, wall / 1000);
    if (e->opts.version == 5) {
        fx_put32(h + 12, (wall % 1000) * 1000000);
        fx_put32(h + 16, e->sequence);
        h[20] = e->opts.engine_type;
        h[21] = e->opts.engine_id;
        e->sequence += m->n_data;
    } else {
        fx_msg_close_set(m);
        fx_put32(h + 12, e->sequence);
        fx_put32(h + 16, e->opts.engine_type << 8 | e->opts.engine_id);
        e->sequence++;
        e->since_templates++;
    }
    fx_collectors_send(e->collectors, m->buf, m->len);
    e->stats.messages++;
    fx_msg_start(m, e->opts.version == 9 ? NF9_HDR_LEN : NF5_HDR_LEN);
}

void
nf_encoder_get_stats(const struct nf_encoder *e, struct nf_stats *s)
{
    *s = e->stats;
}
