/*
 * flow-key.c -- extracting a flow key from an Ethernet frame (flow-key.h):
 * VLAN tags, IPv4 with options and fragments, IPv6 with its extension
 * header chain, and the transport header.
 */
#include <config.h>
#include "flow-key.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dp-packet.h"
#include "util.h"

/* IPv6 extension headers the parser walks through. */
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_AH 51
#define IP6_DSTOPTS 60
#define IP6_MOBILITY 135

/* How many extension headers to follow before giving up: a frame made of
 * nothing but empty options headers should not cost more than this. */
#define IP6_MAX_EXT 16

static uint16_t
get16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

/* Parses the transport header at 'l4' ('len' bytes left) of protocol
 * 'proto'.  Returns false if it is cut short. */
static bool
parse_l4(const uint8_t *l4, size_t len, struct flow_key *key,
         struct flow_key_info *info)
{
    switch (key->ip_proto) {
    case IPPROTO_TCP_:
        if (len < 20) {
            return false;
        }
        key->tp_src = get16(l4);
        key->tp_dst = get16(l4 + 2);
        info->tcp_flags = l4[13];
        return true;

    case IPPROTO_UDP_:
    case 132:                   /* SCTP. */
    case 136:                   /* UDP-Lite. */
        if (len < 4) {
            return false;
        }
        key->tp_src = get16(l4);
        key->tp_dst = get16(l4 + 2);
        return true;

    case IPPROTO_ICMP_:
    case IPPROTO_ICMPV6_:
        /* (Only the matching IP version gets here, see callers.) */
        if (len < 2) {
            return false;
        }
        key->icmp_type = l4[0];
        key->icmp_code = l4[1];
        return true;

    default:
        return true;
    }
}

static enum flow_key_result
parse_ipv4(const uint8_t *ip, size_t len, struct flow_key *key,
           struct flow_key_info *info)
{
    size_t ihl, total;
    uint16_t frag;

    if (len < 20 || ip[0] >> 4 != 4) {
        return FLOW_KEY_TRUNCATED;
    }
    ihl = (ip[0] & 0xf) * 4;
    total = get16(ip + 2);
    key->ip_version = 4;
    key->ip_tos = ip[1];
    key->ip_proto = ip[9];
    memcpy(key->src, ip + 12, 4);
    memcpy(key->dst, ip + 16, 4);
    info->ip_len = MIN(total, len);
    if (ihl < 20 || ihl > len) {
        return FLOW_KEY_TRUNCATED;
    }

    frag = get16(ip + 6);
    if (frag & 0x1fff) {
        key->frag = FLOW_FRAG_LATER;
        return FLOW_KEY_OK;
    } else if (frag & 0x2000) {
        key->frag = FLOW_FRAG_FIRST;
    }
    if (key->ip_proto == IPPROTO_ICMPV6_) {
        return FLOW_KEY_OK;     /* Not meaningful over IPv4. */
    }
    /* The transport header ends where the datagram does, not where the
     * frame does (Ethernet pads short frames). */
    if (total >= ihl && total < len) {
        len = total;
    }
    return (parse_l4(ip + ihl, len - ihl, key, info)
            ? FLOW_KEY_OK : FLOW_KEY_TRUNCATED);
}

static enum flow_key_result
parse_ipv6(const uint8_t *ip, size_t len, struct flow_key *key,
           struct flow_key_info *info)
{
    size_t ofs = 40, payload;
    uint8_t next;

    if (len < 40 || ip[0] >> 4 != 6) {
        return FLOW_KEY_TRUNCATED;
    }
    key->ip_version = 6;
    key->ip_tos = (get16(ip) >> 4) & 0xff;
    memcpy(key->src, ip + 8, 16);
    memcpy(key->dst, ip + 24, 16);
    payload = get16(ip + 4);
    info->ip_len = MIN(40 + payload, len);
    if (40 + payload < len) {
        len = 40 + payload;     /* Ignore Ethernet padding. */
    }

    next = ip[6];
    for (int n = 0; ; n++) {
        key->ip_proto = next;
        if (n >= IP6_MAX_EXT) {
            return FLOW_KEY_OK;
        }
        switch (next) {
        case IP6_HOPOPTS:
        case IP6_ROUTING:
        case IP6_DSTOPTS:
        case IP6_MOBILITY:
            if (ofs + 8 > len) {
                return FLOW_KEY_TRUNCATED;
            }
            next = ip[ofs];
            ofs += (ip[ofs + 1] + 1) * 8;
            break;

        case IP6_AH:
            if (ofs + 8 > len) {
                return FLOW_KEY_TRUNCATED;
            }
            next = ip[ofs];
            ofs += (ip[ofs + 1] + 2) * 4;
            break;

        case IP6_FRAGMENT:
            if (ofs + 8 > len) {
                return FLOW_KEY_TRUNCATED;
            }
            next = ip[ofs];
            if (get16(ip + ofs + 2) & 0xfff8) {
                key->ip_proto = next;
                key->frag = FLOW_FRAG_LATER;
                return FLOW_KEY_OK;
            }
            key->frag = FLOW_FRAG_FIRST;
            ofs += 8;
            break;

        default:
            if (ofs > len) {
                return FLOW_KEY_TRUNCATED;
            }
            if (next == IPPROTO_ICMP_) {
                return FLOW_KEY_OK;     /* Not meaningful over IPv6. */
            }
            return (parse_l4(ip + ofs, len - ofs, key, info)
                    ? FLOW_KEY_OK : FLOW_KEY_TRUNCATED);
        }
    }
}

enum flow_key_result
flow_key_parse(const void *frame, size_t len, uint32_t in_port,
               uint16_t vlan, struct flow_key *key,
               struct flow_key_info *info)
{
    const uint8_t *d = frame;
    size_t ofs = 12;
    uint16_t type;

    memset(key, 0, sizeof *key);
    memset(info, 0, sizeof *info);
    key->in_port = in_port;
    key->vlan = vlan;
    if (len < ETH_HEADER_LEN) {
        if (len >= 12) {
            memcpy(key->eth_dst, d, 6);
            memcpy(key->eth_src, d + 6, 6);
        }
        return FLOW_KEY_TRUNCATED;
    }
    memcpy(key->eth_dst, d, 6);
    memcpy(key->eth_src, d + 6, 6);

    type = get16(d + ofs);
    while (type == ETH_TYPE_VLAN || type == ETH_TYPE_VLAN_8021AD) {
        if (ofs + VLAN_HEADER_LEN + 2 > len) {
            key->eth_type = type;
            return FLOW_KEY_TRUNCATED;
        }
        if (!key->vlan) {
            key->vlan = get16(d + ofs + 2) & 0xfff;
        }
        ofs += VLAN_HEADER_LEN;
        type = get16(d + ofs);
    }
    key->eth_type = type;
    ofs += 2;

    switch (type) {
    case ETH_TYPE_IPV4:
        return parse_ipv4(d + ofs, len - ofs, key, info);
    case ETH_TYPE_IPV6:
        return parse_ipv6(d + ofs, len - ofs, key, info);
    default:
        return FLOW_KEY_OK;
    }
}

static inline uint64_t
flow_key_rotl(uint64_t x, int k)
{
    return x << k | x >> (64 - k);
}

static inline uint64_t
flow_key_round(uint64_t lane, const uint8_t *p)
{
    uint64_t w;

    memcpy(&w, p, sizeof w);
    return flow_key_rotl((lane ^ w) * UINT64_C(0x9e3779b97f4a7c15), 31)
           * UINT64_C(0xc2b2ae3d27d4eb4f);
}

/* Eight bytes at a time in four independent lanes, so that the 64-byte
 * key costs a few multiplies' latency rather than 64 dependent byte steps
 * (the flows stage hashes a key per packet), then a 64-bit finalizer
 * that spreads every input bit over the low bits a table indexes by. */
uint32_t
flow_key_hash(const struct flow_key *key, uint32_t basis)
{
    const uint8_t *p = (const uint8_t *) key;
    uint64_t a = basis, b = basis ^ UINT64_C(0x9e3779b97f4a7c15);
    uint64_t c = basis ^ UINT64_C(0xc2b2ae3d27d4eb4f), d = ~(uint64_t) basis;
    uint64_t h;

    _Static_assert(sizeof *key == 64, "flow_key_hash() reads 8 words");
    a = flow_key_round(a, p);
    b = flow_key_round(b, p + 8);
    c = flow_key_round(c, p + 16);
    d = flow_key_round(d, p + 24);
    a = flow_key_round(a, p + 32);
    b = flow_key_round(b, p + 40);
    c = flow_key_round(c, p + 48);
    d = flow_key_round(d, p + 56);
    h = a ^ flow_key_rotl(b, 17) ^ flow_key_rotl(c, 31) ^ flow_key_rotl(d, 47);
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return (uint32_t) h;
}

char *
flow_key_to_string(const struct flow_key *key)
{
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    int af = key->ip_version == 6 ? AF_INET6 : AF_INET;

    if (!key->ip_version) {
        return xasprintf("in %u vlan %u eth_type 0x%04x",
                         key->in_port, key->vlan, key->eth_type);
    }
    inet_ntop(af, key->src, src, sizeof src);
    inet_ntop(af, key->dst, dst, sizeof dst);
    if (flow_key_is_icmp(key)) {
        return xasprintf("in %u vlan %u proto %u %s > %s type %u code %u%s",
                         key->in_port, key->vlan, key->ip_proto, src, dst,
                         key->icmp_type, key->icmp_code,
                         key->frag == FLOW_FRAG_LATER ? " frag" : "");
    }
    return xasprintf("in %u vlan %u proto %u %s:%u > %s:%u%s",
                     key->in_port, key->vlan, key->ip_proto, src,
                     key->tp_src, dst, key->tp_dst,
                     key->frag == FLOW_FRAG_LATER ? " frag" : "");
}
