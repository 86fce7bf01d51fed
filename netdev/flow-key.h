/*
 * flow-key.h -- what identifies a flow for NetFlow and IPFIX export, and
 * the parser that extracts it from an Ethernet frame.
 *
 * A flow is the set of frames that agree on every field of "struct
 * flow_key": the MAC addresses, the VLAN the pipeline assigned, the
 * Ethernet type and, for IPv4 and IPv6, the addresses, the transport
 * protocol, the type of service (DSCP and ECN bits) and either the
 * transport ports (TCP, UDP, SCTP, UDP-Lite) or the ICMP or ICMPv6 type
 * and code.  Besides the key, each frame contributes its IP length (what
 * NetFlow counts as a flow's octets: the IP header and payload, without
 * the Ethernet header) and its TCP flags, which a flow accumulates.
 *
 * The complications, all of them in IP:
 *
 *   - IPv4 options and IPv6 extension headers.  The IPv6 parser walks the
 *     chain (hop-by-hop options, routing, fragment, destination options,
 *     authentication header) to the transport header and records the
 *     protocol found there; an ESP header, "no next header" or an unknown
 *     type ends the walk with that as the protocol and no ports.
 *
 *   - Fragments.  Only a first fragment (offset 0) carries the transport
 *     header; later fragments of the same datagram have none, so their key
 *     has ports zero and 'frag' set to FLOW_FRAG_LATER, which makes them a
 *     flow of their own rather than a wrong guess at the first fragment's
 *     ports.  A first fragment has FLOW_FRAG_FIRST.
 *
 *   - Truncated headers.  A frame cut short anywhere keeps what could be
 *     read: an IPv6 header without its transport header is a flow of its
 *     protocol without ports, and the result says FLOW_KEY_TRUNCATED.  No
 *     byte beyond 'len' is ever read.
 *
 * The frame may start with 802.1Q/802.1ad tags (the outermost VID becomes
 * the key's VLAN unless the caller already set one); in the pipeline frames
 * are untagged and the caller passes the VLAN from the packet's metadata.
 *
 * The key has no padding holes the parser leaves unset: flow_key_parse()
 * zeroes it first, so keys can be hashed and compared bytewise.
 *
 * Thread safety: pure functions of their arguments.
 */
#ifndef FLOW_KEY_H
#define FLOW_KEY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

enum flow_frag {
    FLOW_FRAG_NONE,
    FLOW_FRAG_FIRST,            /* Offset 0, more fragments follow. */
    FLOW_FRAG_LATER,            /* A nonzero offset: no transport header. */
};

struct flow_key {
    uint32_t in_port;           /* Datapath port number (caller's). */
    uint16_t vlan;              /* 0-4095; 0: none. */
    uint16_t eth_type;          /* After any VLAN tags. */
    uint8_t eth_src[6];
    uint8_t eth_dst[6];

    /* IPv4 and IPv6: 'ip_version' 4 or 6, 0 for anything else (then every
     * field below is zero).  IPv4 addresses are in the first four bytes of
     * 'src'/'dst', the rest zero. */
    uint8_t ip_version;
    uint8_t ip_proto;           /* Transport protocol (IPv6: after the
                                 * extension headers). */
    uint8_t ip_tos;             /* IPv4 TOS or IPv6 traffic class. */
    uint8_t frag;               /* enum flow_frag. */
    uint8_t src[16];
    uint8_t dst[16];

    /* TCP, UDP, SCTP, UDP-Lite ports; for ICMP and ICMPv6 the type and
     * code instead (ports zero). */
    uint16_t tp_src;
    uint16_t tp_dst;
    uint8_t icmp_type;
    uint8_t icmp_code;
    uint8_t pad[2];             /* Zero. */
};

/* What a frame contributes besides its key. */
struct flow_key_info {
    uint32_t ip_len;            /* IP header + payload, as the IP header
                                 * says (capped at what the frame holds);
                                 * 0 for non-IP. */
    uint8_t tcp_flags;          /* TCP header flags (FIN..CWR), else 0. */
};

enum flow_key_result {
    FLOW_KEY_OK,
    FLOW_KEY_TRUNCATED,         /* Some header was cut short; the key has
                                 * what preceded it. */
};

enum flow_key_result flow_key_parse(const void *frame, size_t len,
                                    uint32_t in_port, uint16_t vlan,
                                    struct flow_key *,
                                    struct flow_key_info *);

/* Whether 'key' is an ICMP or ICMPv6 flow (its type and code are set). */
static inline bool
flow_key_is_icmp(const struct flow_key *key)
{
    return ((key->ip_version == 4 && key->ip_proto == IPPROTO_ICMP_)
            || (key->ip_version == 6 && key->ip_proto == IPPROTO_ICMPV6_));
}

uint32_t flow_key_hash(const struct flow_key *, uint32_t basis);

static inline bool
flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
    return !memcmp(a, b, sizeof *a);
}

/* Returns a malloc'd one-line description of 'key', for logs and tests,
 * such as "in 1 vlan 0 proto 17 10.0.0.1:5 > 10.0.0.2:6". */
char *flow_key_to_string(const struct flow_key *);

#endif /* flow-key.h */
