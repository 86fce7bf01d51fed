/*
 * fx-msg.c -- NetFlow v9 and IPFIX message building (fx-msg.h).
 */
#include <config.h>
#include "fx-msg.h"

#include <string.h>

#include "util.h"

void
fx_template_add(struct fx_template *t, uint16_t id, uint16_t len)
{
    if (t->n_fields < FX_MAX_FIELDS) {
        t->fields[t->n_fields].id = id;
        t->fields[t->n_fields].len = len;
        t->n_fields++;
        t->rec_len += len;
    }
}

/* Writes 'v' into 'len' bytes at 'p', big-endian, keeping the low
 * bytes. */
static void
put_uint(uint8_t *p, size_t len, uint64_t v)
{
    for (size_t i = len; i-- > 0; v >>= 8) {
        p[i] = v;
    }
}

static uint64_t
field_value(uint16_t id, const struct fx_record *rec,
            const struct fx_encode_ctx *ctx)
{
    const struct flow_key *k = &rec->key;
    bool icmp = flow_key_is_icmp(k);

    switch (id) {
    case FX_IE_OCTETS:
        return rec->bytes;
    case FX_IE_PACKETS:
        return rec->packets;
    case FX_IE_PROTOCOL:
        return k->ip_proto;
    case FX_IE_TOS:
        return k->ip_tos;
    case FX_IE_TCP_FLAGS:
        return rec->tcp_flags;
    case FX_IE_SRC_PORT:
        return icmp ? 0 : k->tp_src;
    case FX_IE_DST_PORT:
        return icmp ? 0 : k->tp_dst;
    case FX_IE_INPUT:
        return ctx->in_if;
    case FX_IE_OUTPUT:
        return ctx->out_if;
    case FX_IE_LAST_SWITCHED:
        return rec->end_ms - ctx->boot_ms;
    case FX_IE_FIRST_SWITCHED:
        return rec->start_ms - ctx->boot_ms;
    case FX_IE_ICMP_TYPE:
    case FX_IE_ICMP_TYPE_V6:
        return icmp ? (k->icmp_type << 8 | k->icmp_code) : 0;
    case FX_IE_VLAN:
        return k->vlan;
    case FX_IE_IP_VERSION:
        return k->ip_version;
    case FX_IE_END_REASON:
        return rec->end_reason;
    case FX_IE_OBS_POINT:
        return ctx->obs_point;
    case FX_IE_START_MS:
        return ctx->wall_ms - (ctx->now_ms - rec->start_ms);
    case FX_IE_END_MS:
        return ctx->wall_ms - (ctx->now_ms - rec->end_ms);
    case FX_IE_ETH_TYPE:
        return k->eth_type;
    default:
        return 0;
    }
}

void
fx_put_record(uint8_t *p, const struct fx_template *t,
              const struct fx_record *rec, const struct fx_encode_ctx *ctx)
{
    const struct flow_key *k = &rec->key;

    for (size_t i = 0; i < t->n_fields; i++) {
        const struct fx_field *f = &t->fields[i];

        switch (f->id) {
        case FX_IE_SRC_IPV4:
        case FX_IE_SRC_IPV6:
            memcpy(p, k->src, f->len);
            break;
        case FX_IE_DST_IPV4:
        case FX_IE_DST_IPV6:
            memcpy(p, k->dst, f->len);
            break;
        case FX_IE_SRC_MAC:
            memcpy(p, k->eth_src, 6);
            break;
        case FX_IE_DST_MAC:
            memcpy(p, k->eth_dst, 6);
            break;
        default:
            put_uint(p, f->len, field_value(f->id, rec, ctx));
            break;
        }
        p += f->len;
    }
}

void
fx_msg_start(struct fx_msg *m, size_t hdr_len)
{
    memset(m->buf, 0, hdr_len);
    m->len = hdr_len;
    m->set_ofs = 0;
    m->set_id = 0;
    m->n_records = 0;
    m->n_data = 0;
}

bool
fx_msg_is_empty(const struct fx_msg *m)
{
    return !m->n_records;
}

void
fx_msg_close_set(struct fx_msg *m)
{
    if (m->set_ofs) {
        while (m->len % 4) {
            m->buf[m->len++] = 0;
        }
        fx_put16(m->buf + m->set_ofs + 2, m->len - m->set_ofs);
        m->set_ofs = 0;
    }
}

uint8_t *
fx_msg_append(struct fx_msg *m, uint16_t set_id, size_t len)
{
    size_t need = len;
    uint8_t *p;

    if (!m->set_ofs || m->set_id != set_id) {
        need += 4 + 3;          /* A set header and its padding. */
        if (m->len + 3 + need > FX_MSG_MAX) {
            return NULL;
        }
        fx_msg_close_set(m);
        m->set_ofs = m->len;
        m->set_id = set_id;
        fx_put16(m->buf + m->len, set_id);
        m->len += 4;
    } else if (m->len + len + 3 > FX_MSG_MAX) {
        return NULL;
    }
    p = m->buf + m->len;
    m->len += len;
    m->n_records++;
    return p;
}

bool
fx_msg_put_templates(struct fx_msg *m, uint16_t set_id,
                     const struct fx_template *const *t, size_t n)
{
    size_t total = 0;

    for (size_t i = 0; i < n; i++) {
        total += 4 + 4 * t[i]->n_fields;
    }
    if (m->len + 3 + 4 + total + 3 > FX_MSG_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = fx_msg_append(m, set_id, 4 + 4 * t[i]->n_fields);

        fx_put16(p, t[i]->id);
        fx_put16(p + 2, t[i]->n_fields);
        for (size_t j = 0; j < t[i]->n_fields; j++) {
            fx_put16(p + 4 + 4 * j, t[i]->fields[j].id);
            fx_put16(p + 6 + 4 * j, t[i]->fields[j].len);
        }
    }
    fx_msg_close_set(m);
    return true;
}
