/*
 * test-flow-key.c -- unit tests for flow key extraction (netdev/flow-key.c).
 *
 * Topology: none; each case builds one frame byte by byte and parses it.
 * Intent: every header the export cares about lands in the right field --
 * IPv4 with options, fragments (first and later), ICMP and ICMPv6 type
 * and code, TCP flags, IPv6 extension header chains -- and a frame cut
 * short anywhere yields what preceded the cut, flagged as truncated,
 * without reading past its end (the frames are copied into buffers of
 * exactly their length so that AddressSanitizer would catch it).  Also
 * the key hash's spread over the flows stage's table, field by field,
 * and the huge-page allocator that table lives in.
 */
#include <config.h>
#include "tests.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "flow-key.h"
#include "util.h"

struct frame {
    uint8_t b[256];
    size_t n;
};

static void
put(struct frame *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void
put8(struct frame *f, uint8_t v)
{
    put(f, &v, 1);
}

static void
put16(struct frame *f, uint16_t v)
{
    put8(f, v >> 8);
    put8(f, v);
}

static void
eth(struct frame *f, uint16_t type)
{
    static const uint8_t macs[12] = { 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1 };

    f->n = 0;
    put(f, macs, 12);
    put16(f, type);
}

/* An IPv4 header with 'opt_words' words of options and a payload of
 * 'payload' bytes to follow; 'frag' is the flags+offset field. */
static void
ipv4(struct frame *f, uint8_t proto, uint16_t frag, int opt_words,
     size_t payload)
{
    size_t ihl = 20 + opt_words * 4;

    put8(f, 0x40 | (ihl / 4));
    put8(f, 0x2e);                      /* DSCP 11, ECN 2. */
    put16(f, ihl + payload);
    put16(f, 1);
    put16(f, frag);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    put(f, "\x0a\x00\x00\x01", 4);
    put(f, "\x0a\x00\x00\x02", 4);
    for (int i = 0; i < opt_words; i++) {
        put(f, "\x01\x01\x01\x01", 4); /* NOPs. */
    }
}

static void
ipv6(struct frame *f, uint8_t next, size_t payload)
{
    struct in6_addr a;

    put16(f, 0x6000 | (0x28 << 4));     /* Traffic class 0x28. */
    put16(f, 0);
    put16(f, payload);
    put8(f, next);
    put8(f, 64);
    inet_pton(AF_INET6, "2001:db8::1", &a);
    put(f, &a, 16);
    inet_pton(AF_INET6, "2001:db8::2", &a);
    put(f, &a, 16);
}

static void
udp(struct frame *f, uint16_t src, uint16_t dst)
{
    put16(f, src);
    put16(f, dst);
    put16(f, 8);
    put16(f, 0);
}

/* Parses the first 'len' bytes of 'f' from a buffer of exactly that
 * size. */
static enum flow_key_result
parse_n(const struct frame *f, size_t len, struct flow_key *key,
        struct flow_key_info *info)
{
    uint8_t *copy = xmalloc(len ? len : 1);
    enum flow_key_result r;

    memcpy(copy, f->b, len);
    r = flow_key_parse(copy, len, 7, 0, key, info);
    free(copy);
    return r;
}

static enum flow_key_result
parse(const struct frame *f, struct flow_key *key,
      struct flow_key_info *info)
{
    return parse_n(f, f->n, key, info);
}

static void
test_ipv4_udp(void **state)
{
    struct flow_key key;
    struct flow_key_info info;
    struct frame f;

    (void) state;
    eth(&f, ETH_TYPE_IPV4);
    ipv4(&f, IPPROTO_UDP_, 0x4000, 0, 8);
    udp(&f, 1234, 53);
    put(&f, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 18);  /* Padding. */

    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_int_equal(key.in_port, 7);
    assert_int_equal(key.eth_type, ETH_TYPE_IPV4);
    assert_int_equal(key.eth_src[5], 1);
    assert_int_equal(key.eth_dst[5], 2);
    assert_int_equal(key.ip_version, 4);
    assert_int_equal(key.ip_proto, IPPROTO_UDP_);
    assert_int_equal(key.ip_tos, 0x2e);
    assert_memory_equal(key.src, "\x0a\x00\x00\x01", 4);
    assert_memory_equal(key.dst, "\x0a\x00\x00\x02", 4);
    assert_int_equal(key.tp_src, 1234);
    assert_int_equal(key.tp_dst, 53);
    assert_int_equal(key.frag, FLOW_FRAG_NONE);
    assert_int_equal(info.ip_len, 28);  /* Padding is not IP. */
}

static void
test_ipv4_options_tcp(void **state)
{
    struct flow_key key;
    struct flow_key_info info;
    struct frame f;

    (void) state;
    eth(&f, ETH_TYPE_IPV4);
    ipv4(&f, IPPROTO_TCP_, 0, 2, 20);
    put16(&f, 40000);
    put16(&f, 80);
    put(&f, "\0\0\0\0\0\0\0\0", 8);
    put8(&f, 0x50);
    put8(&f, 0x12);                     /* SYN+ACK. */
    put(&f, "\0\0\0\0\0\0", 6);

    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_int_equal(key.tp_src, 40000);
    assert_int_equal(key.tp_dst, 80);
    assert_int_equal(info.tcp_flags, 0x12);
    assert_int_equal(info.ip_len, 48);

    /* Cut inside the TCP header: addresses and protocol, no ports. */
    assert_int_equal(parse_n(&f, f.n - 4, &key, &info), FLOW_KEY_TRUNCATED);
    assert_int_equal(key.ip_proto, IPPROTO_TCP_);
    assert_int_equal(key.tp_src, 0);
    assert_int_equal(info.tcp_flags, 0);
    assert_memory_equal(key.dst, "\x0a\x00\x00\x02", 4);
}

static void
test_ipv4_icmp_and_fragments(void **state)
{
    struct flow_key key, first;
    struct flow_key_info info;
    struct frame f;

    (void) state;
    eth(&f, ETH_TYPE_IPV4);
    ipv4(&f, IPPROTO_ICMP_, 0, 0, 8);
    put(&f, "\x03\x0d\0\0\0\0\0\0", 8); /* Unreachable, code 13. */
    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_true(flow_key_is_icmp(&key));
    assert_int_equal(key.icmp_type, 3);
    assert_int_equal(key.icmp_code, 13);
    assert_int_equal(key.tp_src, 0);
    assert_int_equal(key.tp_dst, 0);

    /* A first fragment has its ports; a later one has none and is a
     * different flow. */
    eth(&f, ETH_TYPE_IPV4);
    ipv4(&f, IPPROTO_UDP_, 0x2000, 0, 16);
    udp(&f, 5, 6);
    put(&f, "\0\0\0\0\0\0\0\0", 8);
    assert_int_equal(parse(&f, &first, &info), FLOW_KEY_OK);
    assert_int_equal(first.frag, FLOW_FRAG_FIRST);
    assert_int_equal(first.tp_dst, 6);

    eth(&f, ETH_TYPE_IPV4);
    ipv4(&f, IPPROTO_UDP_, 0x0002, 0, 8);
    put(&f, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_int_equal(key.frag, FLOW_FRAG_LATER);
    assert_int_equal(key.tp_src, 0);
    assert_int_equal(key.tp_dst, 0);
    assert_int_equal(info.ip_len, 28);
    assert_false(flow_key_equal(&key, &first));
}

static void
test_ipv6_extension_headers(void **state)
{
    struct flow_key key;
    struct flow_key_info info;
    struct frame f;

    (void) state;
    /* Hop-by-hop (8 bytes), destination options (16 bytes), UDP. */
    eth(&f, ETH_TYPE_IPV6);
    ipv6(&f, 0, 8 + 16 + 8);
    put8(&f, 60);
    put8(&f, 0);
    put(&f, "\x01\x04\0\0\0\0", 6);
    put8(&f, IPPROTO_UDP_);
    put8(&f, 1);
    put(&f, "\x01\x0c\0\0\0\0\0\0\0\0\0\0\0\0", 14);
    udp(&f, 546, 547);
    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_int_equal(key.ip_version, 6);
    assert_int_equal(key.ip_tos, 0x28);
    assert_int_equal(key.ip_proto, IPPROTO_UDP_);
    assert_int_equal(key.tp_src, 546);
    assert_int_equal(key.tp_dst, 547);
    assert_int_equal(key.src[15], 1);
    assert_int_equal(key.dst[15], 2);
    assert_int_equal(info.ip_len, 40 + 32);

    /* Every cut inside the chain is truncated, never a wrong key. */
    for (size_t n = 14; n < f.n - 4; n++) {
        assert_int_equal(parse_n(&f, n, &key, &info), FLOW_KEY_TRUNCATED);
        assert_int_equal(key.tp_src, 0);
    }
}

static void
test_ipv6_fragments_icmpv6(void **state)
{
    struct flow_key key;
    struct flow_key_info info;
    struct frame f;

    (void) state;
    /* First fragment of an ICMPv6 echo request. */
    eth(&f, ETH_TYPE_IPV6);
    ipv6(&f, 44, 8 + 8);
    put8(&f, IPPROTO_ICMPV6_);
    put8(&f, 0);
    put16(&f, 0x0001);                  /* Offset 0, more fragments. */
    put(&f, "\0\0\0\1", 4);
    put(&f, "\x80\x00\0\0\0\0\0\0", 8);
    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_int_equal(key.frag, FLOW_FRAG_FIRST);
    assert_int_equal(key.ip_proto, IPPROTO_ICMPV6_);
    assert_true(flow_key_is_icmp(&key));
    assert_int_equal(key.icmp_type, 128);
    assert_int_equal(key.icmp_code, 0);

    /* A later fragment: protocol from the fragment header, no type. */
    eth(&f, ETH_TYPE_IPV6);
    ipv6(&f, 44, 8 + 8);
    put8(&f, IPPROTO_ICMPV6_);
    put8(&f, 0);
    put16(&f, 0x00b8);                  /* Offset 23 * 8. */
    put(&f, "\0\0\0\1", 4);
    put(&f, "\x80\x00\0\0\0\0\0\0", 8);
    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_int_equal(key.frag, FLOW_FRAG_LATER);
    assert_int_equal(key.ip_proto, IPPROTO_ICMPV6_);
    assert_int_equal(key.icmp_type, 0);

    /* The IPv6 header itself cut short. */
    assert_int_equal(parse_n(&f, 14 + 39, &key, &info), FLOW_KEY_TRUNCATED);
    assert_int_equal(key.ip_version, 0);
}

static void
test_vlan_and_non_ip(void **state)
{
    struct flow_key key;
    struct flow_key_info info;
    struct frame f;

    (void) state;
    eth(&f, ETH_TYPE_VLAN);
    put16(&f, 0x2000 | 42);
    put16(&f, ETH_TYPE_IPV4);
    ipv4(&f, IPPROTO_UDP_, 0, 0, 8);
    udp(&f, 1, 2);
    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_int_equal(key.vlan, 42);
    assert_int_equal(key.tp_dst, 2);

    /* A tag cut short. */
    assert_int_equal(parse_n(&f, 16, &key, &info), FLOW_KEY_TRUNCATED);

    /* ARP: a flow of its Ethernet type, nothing else. */
    eth(&f, 0x0806);
    put(&f, "\0\1\x08\0\6\4\0\1", 8);
    assert_int_equal(parse(&f, &key, &info), FLOW_KEY_OK);
    assert_int_equal(key.eth_type, 0x0806);
    assert_int_equal(key.ip_version, 0);
    assert_int_equal(info.ip_len, 0);

    /* Shorter than an Ethernet header. */
    assert_int_equal(parse_n(&f, 5, &key, &info), FLOW_KEY_TRUNCATED);
    assert_int_equal(parse_n(&f, 0, &key, &info), FLOW_KEY_TRUNCATED);
}

/* The flows stage indexes a 65536-slot table by the hash's low 16 bits
 * and probes at most 64 slots: keys that differ in one field only (the
 * usual case: one host talking to many ports, or many hosts on one port)
 * must spread over the slots, and every field must count.  65536 keys
 * into 65536 slots leave about 1/e of them empty if the hash is as good
 * as random; a hash that ignored a field would leave nearly all empty. */
static void
test_hash_spread(void **state)
{
    static const size_t fields[] = {
        offsetof(struct flow_key, in_port),
        offsetof(struct flow_key, eth_src) + 4,
        offsetof(struct flow_key, eth_dst) + 4,
        offsetof(struct flow_key, src) + 2,
        offsetof(struct flow_key, src) + 14,
        offsetof(struct flow_key, dst) + 2,
        offsetof(struct flow_key, dst) + 14,
        offsetof(struct flow_key, tp_src),
        offsetof(struct flow_key, tp_dst),
    };
    uint8_t *seen = xmalloc(65536);

    for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
        size_t empty = 0;

        memset(seen, 0, 65536);
        for (uint32_t i = 0; i < 65536; i++) {
            struct flow_key key;
            uint16_t v = i;

            memset(&key, 0, sizeof key);
            key.eth_type = 0x0800;
            key.ip_version = 4;
            key.ip_proto = 17;
            memcpy((uint8_t *) &key + fields[f], &v, sizeof v);
            seen[flow_key_hash(&key, 1) & 0xffff] = 1;
        }
        for (uint32_t i = 0; i < 65536; i++) {
            empty += !seen[i];
        }
        /* Random: 24109 +- ~120.  Allow a wide margin. */
        assert_in_range(empty, 22000, 26500);
    }

    /* The basis (the exporter's id) changes the hash. */
    {
        struct flow_key key;

        memset(&key, 0, sizeof key);
        assert_int_not_equal(flow_key_hash(&key, 1), flow_key_hash(&key, 2));
    }
    free(seen);
}

/* xzalloc_huge(), which holds the flows stage's tables: zeroed, 2 MiB
 * aligned when large, writable to the last byte, released by
 * free_huge(); small sizes take the ordinary path. */
static void
test_huge_alloc(void **state)
{
    size_t sizes[] = { 100, (size_t) 2 << 20, ((size_t) 5 << 20) + 1 };

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        uint8_t *p = xzalloc_huge(sizes[i]);

        if (sizes[i] >= ((size_t) 2 << 20)) {
            assert_int_equal((uintptr_t) p & ((2 << 20) - 1), 0);
        }
        assert_int_equal(p[0], 0);
        assert_int_equal(p[sizes[i] - 1], 0);
        p[sizes[i] - 1] = 1;
        free_huge(p, sizes[i]);
    }
}

int
test_flow_key_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_udp),
        cmocka_unit_test(test_ipv4_options_tcp),
        cmocka_unit_test(test_ipv4_icmp_and_fragments),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_ipv6_fragments_icmpv6),
        cmocka_unit_test(test_vlan_and_non_ip),
        cmocka_unit_test(test_hash_spread),
        cmocka_unit_test(test_huge_alloc),
    };
    return cmocka_run_group_tests_name("flow-key", tests, NULL, NULL);
}
