/*
 * Unit tests for the netdev layer: the dummy provider end to end (C API
 * and the hex helpers behind its appctl commands), tag insertion and
 * removal, software checksums against known IPv4/UDP and TCP values, and,
 * when running as root, the kernel providers: "system" on one end of a
 * veth pair talking to a raw AF_PACKET socket on the other end (both
 * directions, with tags), its switch to rings under load and back when
 * idle without losing or duplicating a frame, that it opens no socket
 * before the datapath asks and spreads flows over options:n_rxq queues,
 * "tap"/"internal" lifetime
 * and transmit, and the rtnetlink monitor seeing an interface come and
 * go.  Received frames land in buffers the test lends, as a forwarding
 * thread's would.
 *
 * Kernel interfaces are named "vsnt*" and deleted by each test's cleanup
 * and again by the group teardown, so a failed assertion leaves nothing
 * behind.
 */
#include <config.h>
#include "tests.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp-packet.h"
#include "afpacket/netdev-afpacket.h"
#include "netdev-dummy.h"
#include "netdev-linux.h"
#include "netdev.h"
#include "rtnl-monitor.h"
#include "smap.h"
#include "util.h"

#define VETH_A "vsnt0a"
#define VETH_B "vsnt0b"
#define TAP_NAME "vsnt1"
#define TEST_ETHERTYPE 0x88b5       /* IEEE local experimental. */

/* Helpers. */

static size_t
hex_to_bytes(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;

    for (size_t i = 0; i < n; i++) {
        unsigned int byte;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = byte;
    }
    return n;
}

static bool
fd_readable(int fd, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

static void
tx_batch_add(struct netdev_tx_batch *tx, struct dp_packet *p, uint16_t tpid,
             uint16_t tci)
{
    tx->packets[tx->count] = p;
    tx->tpid[tx->count] = tpid;
    tx->tci[tx->count] = tci;
    tx->count++;
}

/* Points 'p' at 'len' bytes of 'buf' after DP_PACKET_HEADROOM. */
static void
packet_from_buf(struct dp_packet *p, uint8_t *buf, size_t buf_size,
                const uint8_t *frame, size_t len)
{
    assert_true(DP_PACKET_HEADROOM + len <= buf_size);
    memset(p, 0, sizeof *p);        /* No source, one reference. */
    memcpy(buf + DP_PACKET_HEADROOM, frame, len);
    dp_packet_set_data(p, buf, buf_size, DP_PACKET_HEADROOM, len);
    dp_packet_reset_meta(p, 0);
    p->source = NULL;           /* The test's own buffer. */
    p->refs = 0;
}

/* Runs 'cmd', ignoring failure (cleanup). */
static void
run_quiet(const char *cmd)
{
    char *full = xasprintf("%s >/dev/null 2>&1", cmd);
    if (system(full)) {
        /* Nothing to delete. */
    }
    free(full);
}

static int
teardown_group(void **state)
{
    (void) state;
    if (geteuid() == 0) {
        run_quiet("ip link del " VETH_A);
        run_quiet("ip link del " TAP_NAME);
    }
    return 0;
}

/* A 60-byte frame with our test Ethernet type and a recognizable
 * payload. */
static size_t
make_test_frame(uint8_t *out, uint8_t marker)
{
    static const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
    static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

    memcpy(out, dst, 6);
    memcpy(out + 6, src, 6);
    out[12] = TEST_ETHERTYPE >> 8;
    out[13] = TEST_ETHERTYPE & 0xff;
    for (int i = 14; i < 60; i++) {
        out[i] = marker + i;
    }
    return 60;
}

/* Frames built by hand. */

/* IPv4/UDP 10.0.0.1:1234 -> 10.0.0.2:5678, "hello, vswitch!!", whose
 * UDP checksum is 0x0ad2 (pseudo-header sum 0x142c). */
static const char udp_frame_hex[] =
    "020000000002020000000001" "0800"
    "4500002c00010000401166be0a0000010a000002"
    "04d2162e0018" "0ad2"
    "68656c6c6f2c2076737769746368 2121";

/* IPv4/TCP 10.0.0.1:40000 -> 10.0.0.2:80 carrying an HTTP request, TCP
 * checksum 0x2087 (pseudo-header sum 0x142f). */
static const char tcp_frame_hex[] =
    "020000000002020000000001" "0800"
    "4500003a00020000400666ba0a0000010a000002"
    "9c40" "0050" "00000001" "00000000" "5018" "ffff" "2087" "0000"
    "474554202f20485454502f312e300d0a0d0a";

/* Copies a hex string without spaces into 'out'. */
static size_t
frame_from_hex(const char *hex, uint8_t *out)
{
    char clean[512];
    size_t n = 0;

    for (const char *p = hex; *p; p++) {
        if (*p != ' ') {
            assert_true(n < sizeof clean - 1);
            clean[n++] = *p;
        }
    }
    clean[n] = '\0';
    return hex_to_bytes(clean, out);
}

/* Checksums. */

static void
check_finish_csum(const char *hex, uint16_t csum_offset, uint16_t pseudo,
                  uint16_t expected)
{
    uint8_t frame[256], buf[512];
    struct dp_packet p;
    size_t len = frame_from_hex(hex, frame);
    uint16_t field = 34 + csum_offset;
    uint8_t *d;

    assert_int_equal((frame[field] << 8) | frame[field + 1], expected);

    /* As a sender with checksum offload leaves it: the pseudo-header sum
     * in the field. */
    frame[field] = pseudo >> 8;
    frame[field + 1] = pseudo & 0xff;
    packet_from_buf(&p, buf, sizeof buf, frame, len);
    p.ol.flags = DP_OL_NEEDS_CSUM;
    p.ol.csum_start = 34;
    p.ol.csum_offset = csum_offset;

    dp_packet_finish_csum(&p);
    d = dp_packet_data(&p);
    assert_int_equal((d[field] << 8) | d[field + 1], expected);
    assert_false(p.ol.flags & DP_OL_NEEDS_CSUM);
    assert_true(p.ol.flags & DP_OL_DATA_VALID);

    /* A second call changes nothing. */
    dp_packet_finish_csum(&p);
    assert_int_equal((d[field] << 8) | d[field + 1], expected);
}

static void
test_finish_csum_udp(void **state)
{
    (void) state;
    check_finish_csum(udp_frame_hex, 6, 0x142c, 0x0ad2);
}

static void
test_finish_csum_tcp(void **state)
{
    (void) state;
    check_finish_csum(tcp_frame_hex, 16, 0x142f, 0x2087);
}

/* Tags. */

static void
test_copy_tagged_pop_tag(void **state)
{
    uint8_t frame[128], buf[256], out[256];
    struct dp_packet p;
    size_t len = make_test_frame(frame, 7);
    uint32_t n;

    (void) state;
    packet_from_buf(&p, buf, sizeof buf, frame, len);

    /* No tag: a plain copy. */
    n = dp_packet_copy_tagged(&p, 0, 0, out);
    assert_int_equal(n, len);
    assert_memory_equal(out, frame, len);

    /* 802.1Q VLAN 100, PCP 5. */
    n = dp_packet_copy_tagged(&p, ETH_TYPE_VLAN, (5 << 13) | 100, out);
    assert_int_equal(n, len + 4);
    assert_memory_equal(out, frame, 12);
    assert_int_equal(out[12], 0x81);
    assert_int_equal(out[13], 0x00);
    assert_int_equal(out[14], 0xa0);
    assert_int_equal(out[15], 100);
    assert_memory_equal(out + 16, frame + 12, len - 12);

    /* Popping it in place gives back the original frame. */
    packet_from_buf(&p, buf, sizeof buf, out, n);
    p.ol.flags = DP_OL_NEEDS_CSUM;
    p.ol.csum_start = 38;
    p.ol.hdr_len = 58;
    assert_int_equal(dp_packet_eth_type(&p), ETH_TYPE_VLAN);
    dp_packet_pop_tag(&p);
    assert_int_equal(dp_packet_size(&p), len);
    assert_memory_equal(dp_packet_data(&p), frame, len);
    assert_int_equal(p.ol.csum_start, 34);
    assert_int_equal(p.ol.hdr_len, 54);
    assert_int_equal(dp_packet_eth_type(&p), TEST_ETHERTYPE);
}

/* Dummy provider. */

static void
test_dummy_roundtrip(void **state)
{
    static const char *frames[] = {
        "ffffffffffff000000000001080045000000",
        "0200000000020200000000010800aabbccdd",
    };
    struct netdev *p1, *p2;
    struct netdev_rxq *rxq;
    struct dp_recv_buffers bufs;
    struct dp_packet_batch batch;
    struct netdev_tx_batch tx;
    struct netdev_stats stats;
    uint8_t bytes[64], mac[6];
    char *error, *sent;
    bool admin, link;
    int mtu;

    (void) state;
    netdev_init();
    dp_recv_buffers_init(&bufs);
    assert_int_equal(netdev_open("p1", "dummy", &p1, NULL), 0);
    assert_int_equal(netdev_open("p2", "dummy", &p2, NULL), 0);
    assert_string_equal(netdev_get_name(p1), "p1");
    assert_string_equal(netdev_get_type(p1), "dummy");
    assert_int_equal(netdev_rxq_open(p1, 0, &rxq), 0);
    assert_true(netdev_rxq_fd(rxq) >= 0);
    assert_false(fd_readable(netdev_rxq_fd(rxq), 0));

    /* Properties. */
    assert_int_equal(netdev_get_etheraddr(p1, mac), 0);
    assert_int_equal(mac[0], 0xaa);
    assert_int_equal(mac[1], 0x55);
    assert_int_equal(netdev_get_mtu(p1, &mtu), 0);
    assert_int_equal(mtu, 1500);
    assert_int_equal(netdev_set_mtu(p1, 9000), 0);
    assert_int_equal(netdev_get_mtu(p1, &mtu), 0);
    assert_int_equal(mtu, 9000);
    assert_int_equal(netdev_get_ifindex(p1, &mtu), EOPNOTSUPP);
    assert_false(netdev_accepts_offloads(p1));

    /* Injection, in order. */
    assert_null(netdev_dummy_receive_hex("p1", 2, frames));
    assert_true(fd_readable(netdev_rxq_fd(rxq), 0));
    dp_recv_buffers_prepare(&bufs, &batch);
    assert_int_equal(netdev_rxq_recv(rxq, &batch), 2);
    assert_int_equal(batch.count, 2);
    for (int i = 0; i < 2; i++) {
        size_t len = hex_to_bytes(frames[i], bytes);
        assert_int_equal(dp_packet_size(batch.packets[i]), len);
        assert_memory_equal(dp_packet_data(batch.packets[i]), bytes, len);
    }
    assert_false(fd_readable(netdev_rxq_fd(rxq), 0));

    /* Send the first untagged and the second with VLAN 10. */
    tx.count = 0;
    tx_batch_add(&tx, batch.packets[0], 0, 0);
    tx_batch_add(&tx, batch.packets[1], ETH_TYPE_VLAN, 10);
    assert_int_equal(netdev_send(p2, 0, &tx), 2);
    sent = netdev_dummy_take_sent("p2", &error);
    assert_null(error);
    assert_string_equal(sent,
                        "ffffffffffff000000000001080045000000\n"
                        "0200000000020200000000018100000a0800aabbccdd\n");
    free(sent);
    sent = netdev_dummy_take_sent("p2", &error);
    assert_string_equal(sent, "");
    free(sent);

    /* Nothing more to receive; the earlier packets are released. */
    dp_recv_buffers_prepare(&bufs, &batch);
    assert_int_equal(netdev_rxq_recv(rxq, &batch), 0);

    /* Statistics. */
    assert_int_equal(netdev_get_stats(p1, &stats), 0);
    assert_int_equal(stats.rx_packets, 2);
    assert_int_equal(stats.rx_bytes, 36);
    assert_int_equal(netdev_get_stats(p2, &stats), 0);
    assert_int_equal(stats.tx_packets, 2);
    assert_int_equal(stats.tx_bytes, 40);

    /* Link down: injection fails and sends are dropped. */
    assert_int_equal(netdev_get_state(p1, &admin, &link), 0);
    assert_true(admin && link);
    assert_int_equal(netdev_dummy_set_link("p1", false), 0);
    assert_int_equal(netdev_get_state(p1, &admin, &link), 0);
    assert_false(link);
    error = netdev_dummy_receive_hex("p1", 1, frames);
    assert_non_null(error);
    free(error);
    assert_int_equal(netdev_dummy_set_link("p1", true), 0);

    /* Errors. */
    {
        const char *bad_digit[] = { "ffffffffffff0000zz" };
        const char *odd[] = { "fff" };
        const char *colons[] = { "ff:ff:ff:ff:ff:ff" };

        error = netdev_dummy_receive_hex("p1", 1, bad_digit);
        assert_non_null(error);
        assert_non_null(strstr(error, "invalid character 'z'"));
        free(error);
        error = netdev_dummy_receive_hex("p1", 1, odd);
        assert_non_null(strstr(error, "odd number"));
        free(error);
        error = netdev_dummy_receive_hex("p1", 1, colons);
        assert_non_null(error);
        free(error);
        error = netdev_dummy_receive_hex("nosuch", 1, frames);
        assert_non_null(strstr(error, "no such dummy port"));
        free(error);
        assert_null(netdev_dummy_take_sent("nosuch", &error));
        assert_non_null(error);
        free(error);
    }

    netdev_rxq_close(rxq);
    netdev_close(p1);
    netdev_close(p2);
    dp_recv_buffers_destroy(&bufs);
}

static void
test_dummy_offloads(void **state)
{
    uint8_t frame[256], buf[512], expected[256];
    struct netdev_tx_batch tx;
    struct netdev_stats stats;
    struct dp_packet p, gso;
    struct netdev *dev;
    char *error, *sent, *hex;
    size_t len;

    (void) state;
    assert_int_equal(netdev_open("p3", "dummy", &dev, NULL), 0);

    /* A partial UDP checksum is finished on the way out, also when a tag
     * moves the checksummed part. */
    len = frame_from_hex(udp_frame_hex, expected);
    memcpy(frame, expected, len);
    frame[40] = 0x14;
    frame[41] = 0x2c;
    packet_from_buf(&p, buf, sizeof buf, frame, len);
    p.ol.flags = DP_OL_NEEDS_CSUM;
    p.ol.csum_start = 34;
    p.ol.csum_offset = 6;

    gso = p;
    gso.ol.gso_type = 1;            /* VIRTIO_NET_HDR_GSO_TCPV4. */
    gso.ol.gso_size = 1448;

    tx.count = 0;
    tx_batch_add(&tx, &p, ETH_TYPE_VLAN, 7);
    tx_batch_add(&tx, &gso, 0, 0);
    assert_int_equal(netdev_send(dev, 0, &tx), 1);

    sent = netdev_dummy_take_sent("p3", &error);
    assert_null(error);
    hex = xmalloc(2 * (len + 4) + 2);
    for (size_t i = 0, j = 0; i < len + 4; i++) {
        uint8_t b = (i < 12 ? expected[i]
                     : i == 12 ? 0x81 : i == 13 ? 0x00
                     : i == 14 ? 0x00 : i == 15 ? 7
                     : expected[i - 4]);
        snprintf(hex + j, 3, "%02x", b);
        j += 2;
    }
    strcat(hex, "\n");
    assert_string_equal(sent, hex);
    free(hex);
    free(sent);

    /* The caller's packet is untouched. */
    assert_true(p.ol.flags & DP_OL_NEEDS_CSUM);
    assert_int_equal(dp_packet_data(&p)[40], 0x14);

    assert_int_equal(netdev_get_stats(dev, &stats), 0);
    assert_int_equal(stats.tx_packets, 1);
    assert_int_equal(stats.tx_dropped, 1);
    netdev_close(dev);
}

static void
test_open_errors(void **state)
{
    struct netdev *dev;
    char *error;

    (void) state;
    assert_int_equal(netdev_open("x", "no-such-type", &dev, &error),
                     EAFNOSUPPORT);
    assert_null(dev);
    assert_non_null(strstr(error, "no-such-type"));
    free(error);

    assert_int_equal(netdev_open("vsnt-none", "", &dev, &error), ENODEV);
    assert_string_equal(error, "could not open network device vsnt-none "
                        "(No such device)");
    free(error);
}

/* Kernel providers (root). */

/* Opens a raw AF_PACKET socket on 'ifname' that reports stripped VLAN
 * tags. */
static int
raw_socket(const char *ifname)
{
    struct sockaddr_ll sll;
    int one = 1;
    int fd;

    fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
    assert_true(fd >= 0);
    assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one,
                                sizeof one), 0);
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = if_nametoindex(ifname);
    assert_true(sll.sll_ifindex > 0);
    assert_int_equal(bind(fd, (struct sockaddr *) &sll, sizeof sll), 0);
    return fd;
}

/* Receives frames on raw socket 'fd' until one with TEST_ETHERTYPE
 * (possibly behind a tag) arrives, re-inserting a tag the kernel moved to
 * metadata.  Returns its length, or 0 after a second without it. */
static size_t
raw_recv_test_frame(int fd, uint8_t *out, size_t size)
{
    for (int tries = 0; tries < 100; tries++) {
        uint8_t frame[2048];
        char cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct iovec iov = { frame, sizeof frame };
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = cbuf, .msg_controllen = sizeof cbuf,
        };
        struct cmsghdr *cmsg;
        ssize_t n;
        size_t len;

        if (!fd_readable(fd, 10)) {
            continue;
        }
        n = recvmsg(fd, &msg, 0);
        if (n < 14) {
            continue;
        }
        len = n;
        for (cmsg = CMSG_FIRSTHDR(&msg); cmsg;
             cmsg = CMSG_NXTHDR(&msg, cmsg)) {
            struct tpacket_auxdata aux;

            if (cmsg->cmsg_level != SOL_PACKET
                || cmsg->cmsg_type != PACKET_AUXDATA) {
                continue;
            }
            memcpy(&aux, CMSG_DATA(cmsg), sizeof aux);
            if (aux.tp_status & TP_STATUS_VLAN_VALID) {
                uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID
                                 ? aux.tp_vlan_tpid : ETH_TYPE_VLAN);
                memmove(frame + 16, frame + 12, len - 12);
                frame[12] = tpid >> 8;
                frame[13] = tpid & 0xff;
                frame[14] = aux.tp_vlan_tci >> 8;
                frame[15] = aux.tp_vlan_tci & 0xff;
                len += 4;
            }
        }
        if (((frame[12] << 8 | frame[13]) == TEST_ETHERTYPE
             || (frame[16] << 8 | frame[17]) == TEST_ETHERTYPE)
            && len <= size) {
            memcpy(out, frame, len);
            return len;
        }
    }
    return 0;
}

static void
veth_cleanup(void)
{
    run_quiet("ip link del " VETH_A);
}

/* Creates the veth pair VETH_A/VETH_B, both up (skips without root). */
static void
veth_pair_up(void)
{
    if (geteuid() != 0) {
        print_message("skipped: needs root to create a veth pair\n");
        skip();
    }
    veth_cleanup();
    assert_int_equal(system("ip link add " VETH_A " type veth peer name "
                            VETH_B " && ip link set " VETH_A " up"
                            " && ip link set " VETH_B " up"), 0);
}

static void
test_system_veth(void **state)
{
    uint8_t frame[128], buf[256], tagged[256], got[2048];
    struct dp_recv_buffers bufs;
    struct dp_packet_batch batch;
    struct netdev_tx_batch tx;
    struct netdev_stats stats;
    struct netdev_rxq *rxq;
    struct netdev *dev;
    struct dp_packet p;
    size_t len, n;
    bool admin, link;
    char *error = NULL;
    int fd, ifindex;
    bool found;

    (void) state;
    veth_pair_up();

    assert_int_equal(netdev_open(VETH_A, "system", &dev, &error), 0);
    assert_int_equal(netdev_get_ifindex(dev, &ifindex), 0);
    assert_int_equal(ifindex, (int) if_nametoindex(VETH_A));
    assert_true(netdev_accepts_offloads(dev));
    assert_int_equal(netdev_get_state(dev, &admin, &link), 0);
    assert_true(admin);
    assert_int_equal(netdev_set_n_txq(dev, 2), 0);
    assert_int_equal(netdev_rxq_open(dev, 0, &rxq), 0);
    fd = raw_socket(VETH_B);

    /* Send with a tag inserted; the peer sees the tagged frame. */
    len = make_test_frame(frame, 1);
    packet_from_buf(&p, buf, sizeof buf, frame, len);
    tx.count = 0;
    tx_batch_add(&tx, &p, ETH_TYPE_VLAN, (3 << 13) | 42);
    assert_int_equal(netdev_send(dev, 1, &tx), 1);
    n = dp_packet_copy_tagged(&p, ETH_TYPE_VLAN, (3 << 13) | 42, tagged);
    assert_int_equal(raw_recv_test_frame(fd, got, sizeof got), n);
    assert_memory_equal(got, tagged, n);

    /* And untagged, on queue 0. */
    tx.count = 0;
    tx_batch_add(&tx, &p, 0, 0);
    assert_int_equal(netdev_send(dev, 0, &tx), 1);
    assert_int_equal(raw_recv_test_frame(fd, got, sizeof got), len);
    assert_memory_equal(got, frame, len);

    /* Receive: a tagged frame from the peer comes through the ring with
     * its tag in place (the kernel strips it into metadata on the way). */
    len = make_test_frame(frame, 2);
    n = dp_packet_copy_tagged(&(struct dp_packet) {
                                  .base = frame, .allocated = sizeof frame,
                                  .data_ofs = 0, .size = len },
                              ETH_TYPE_VLAN, 99, tagged);
    assert_int_equal(send(fd, tagged, n, 0), (ssize_t) n);
    assert_int_equal(send(fd, frame, len, 0), (ssize_t) len);
    found = false;
    dp_recv_buffers_init(&bufs);
    for (int i = 0; i < 100 && !found; i++) {
        dp_recv_buffers_prepare(&bufs, &batch);
        if (!netdev_rxq_recv(rxq, &batch)) {
            fd_readable(netdev_rxq_fd(rxq), 10);
            continue;
        }
        for (unsigned int j = 0; j + 1 < batch.count; j++) {
            struct dp_packet *a = batch.packets[j];
            struct dp_packet *b = batch.packets[j + 1];

            if (dp_packet_size(a) == n
                && !memcmp(dp_packet_data(a), tagged, n)
                && dp_packet_size(b) == len
                && !memcmp(dp_packet_data(b), frame, len)) {
                found = true;
            }
        }
        /* The pipeline may pop the tag in place: the packet is writable
         * (a caller's buffer, or a ring mapped writable). */
        if (found) {
            dp_packet_pop_tag(batch.packets[0]);
        }
    }
    assert_true(found);
    dp_recv_buffers_destroy(&bufs);

    assert_int_equal(netdev_get_stats(dev, &stats), 0);
    assert_true(stats.tx_packets == 2);
    assert_true(stats.rx_packets >= 2);

    close(fd);
    netdev_rxq_close(rxq);
    netdev_close(dev);
    veth_cleanup();
}

/* Counts the AF_PACKET sockets bound to interface 'ifindex' (the
 * "Iface" column of /proc/net/packet). */
static int
packet_sockets_on(int ifindex)
{
    FILE *f = fopen("/proc/net/packet", "r");
    char line[256];
    int n = 0;

    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        int iface;

        if (sscanf(line, "%*s %*s %*s %*s %d", &iface) == 1
            && iface == ifindex) {
            n++;
        }
    }
    fclose(f);
    return n;
}

/* A 60-byte IPv4/UDP frame from UDP port 'sport', with 'marker' in the
 * payload. */
static size_t
make_udp_frame(uint8_t *out, uint16_t sport, uint8_t marker)
{
    static const uint8_t head[] = {
        0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
        0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0,
        10, 0, 0, 1, 10, 0, 0, 2,
    };

    memset(out, marker, 60);
    memcpy(out, head, sizeof head);
    out[34] = sport >> 8;
    out[35] = sport;
    out[36] = 0x12;
    out[37] = 0x34;
    out[38] = 0;
    out[39] = 26;
    out[40] = 0;
    out[41] = 0;
    return 60;
}

/* Intent: opening a "system" device costs no AF_PACKET socket; its I/O
 * starts with the first receive queue or set_n_txq().  With
 * options:n_rxq=2 it has two receive queues in one hash fanout group, and
 * flows from the peer spread over both, each frame arriving once. */
static void
test_system_lazy_io_rxqs(void **state)
{
    struct netdev_rxq *rxqs[2];
    struct dp_recv_buffers bufs;
    struct dp_packet_batch batch;
    struct smap options = SMAP_INITIALIZER;
    unsigned int got[2] = { 0, 0 };
    uint8_t frame[60];
    struct netdev *dev;
    char *error = NULL;
    int fd, ifindex, mtu;

    (void) state;
    veth_pair_up();
    ifindex = if_nametoindex(VETH_A);
    assert_int_equal(netdev_open(VETH_A, "system", &dev, NULL), 0);
    assert_int_equal(netdev_get_mtu(dev, &mtu), 0);
    assert_int_equal(packet_sockets_on(ifindex), 0);

    smap_add(&options, "n_rxq", "abc");
    assert_int_equal(netdev_set_config(dev, &options, &error), EINVAL);
    assert_string_equal(error, VETH_A ": options:n_rxq \"abc\" is not an "
                        "integer in 1..16");
    free(error);
    smap_add(&options, "n_rxq", "2");
    assert_int_equal(netdev_set_config(dev, &options, NULL), 0);
    smap_destroy(&options);
    assert_int_equal(netdev_n_rxq(dev), 2);
    assert_int_equal(packet_sockets_on(ifindex), 0);

    assert_int_equal(netdev_rxq_open(dev, 0, &rxqs[0]), 0);
    assert_int_equal(packet_sockets_on(ifindex), 1);
    assert_int_equal(netdev_rxq_open(dev, 1, &rxqs[1]), 0);
    assert_int_equal(packet_sockets_on(ifindex), 2);
    assert_int_equal(netdev_set_n_txq(dev, 1), 0);
    assert_int_equal(packet_sockets_on(ifindex), 3);

    fd = raw_socket(VETH_B);
    for (int i = 0; i < 64; i++) {
        make_udp_frame(frame, 1000 + i, 0xa5);
        assert_int_equal(send(fd, frame, 60, 0), 60);
    }
    dp_recv_buffers_init(&bufs);
    for (int tries = 0; tries < 100 && got[0] + got[1] < 64; tries++) {
        for (int q = 0; q < 2; q++) {
            dp_recv_buffers_prepare(&bufs, &batch);
            netdev_rxq_recv(rxqs[q], &batch);
            for (unsigned int j = 0; j < batch.count; j++) {
                const uint8_t *d = dp_packet_data(batch.packets[j]);

                if (dp_packet_size(batch.packets[j]) == 60 && d[59] == 0xa5
                    && d[23] == 17) {
                    got[q]++;
                }
            }
        }
        fd_readable(netdev_rxq_fd(rxqs[0]), 10);
    }
    print_message("n_rxq=2: %u and %u of 64 flows\n", got[0], got[1]);
    assert_int_equal(got[0] + got[1], 64);
    assert_true(got[0] > 0 && got[1] > 0);
    dp_recv_buffers_destroy(&bufs);

    /* Going back to one queue needs the queues closed first. */
    options = (struct smap) SMAP_INITIALIZER;
    assert_int_equal(netdev_set_config(dev, &options, NULL), 0);
    {
        struct netdev_rxq *rxq;

        netdev_rxq_close(rxqs[1]);
        assert_int_equal(netdev_rxq_open(dev, 0, &rxq), EBUSY);
    }
    close(fd);
    netdev_rxq_close(rxqs[0]);
    netdev_close(dev);
    veth_cleanup();
}

/* Switching between socket and ring mode. */

#define RING_TEST_MAX 200000

/* What a receiver saw of frames numbered 0, 1, ... */
struct seq_check {
    uint8_t *seen;                  /* RING_TEST_MAX flags. */
    uint32_t n_sent;
    uint32_t n_received;
    uint32_t n_duplicates;
    uint32_t n_late;                /* Lower than one seen before. */
    int64_t highest;
};

/* Sends 'n' numbered test frames from socket 'fd' with one sendmmsg(). */
static void
send_numbered(int fd, struct seq_check *c, unsigned int n)
{
    uint8_t frames[64][60];
    struct iovec iov[64];
    struct mmsghdr msgs[64];

    assert_true(n <= 64 && c->n_sent + n <= RING_TEST_MAX);
    memset(msgs, 0, sizeof msgs);
    for (unsigned int i = 0; i < n; i++) {
        uint32_t seq = htonl(c->n_sent + i);

        make_test_frame(frames[i], 0);
        memcpy(frames[i] + 14, &seq, sizeof seq);
        iov[i].iov_base = frames[i];
        iov[i].iov_len = 60;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    assert_int_equal(sendmmsg(fd, msgs, n, 0), n);
    c->n_sent += n;
}

/* Receives on 'rxq' until it stays empty for a few milliseconds, checking
 * the numbers of the test frames. */
static void
recv_numbered(struct netdev_rxq *rxq, struct dp_recv_buffers *bufs,
              struct seq_check *c)
{
    for (int idle = 0; idle < 3; ) {
        struct dp_packet_batch batch;

        dp_recv_buffers_prepare(bufs, &batch);
        if (!netdev_rxq_recv(rxq, &batch)) {
            idle++;
            usleep(1000);
            continue;
        }
        idle = 0;
        for (unsigned int i = 0; i < batch.count; i++) {
            const uint8_t *d = dp_packet_data(batch.packets[i]);
            uint32_t seq;

            if (dp_packet_size(batch.packets[i]) < 18
                || (d[12] << 8 | d[13]) != TEST_ETHERTYPE) {
                continue;       /* IPv6 neighbour discovery and such. */
            }
            memcpy(&seq, d + 14, sizeof seq);
            seq = ntohl(seq);
            assert_true(seq < RING_TEST_MAX);
            if (c->seen[seq]) {
                c->n_duplicates++;
                continue;
            }
            c->seen[seq] = 1;
            c->n_received++;
            if ((int64_t) seq < c->highest) {
                c->n_late++;
            } else {
                c->highest = seq;
            }
        }
    }
}

/* Sends a batch of 32 copies of 'p' from 'dev'. */
static void
send_batch(struct netdev *dev, struct dp_packet *p)
{
    struct netdev_tx_batch tx;

    tx.count = 0;
    for (int i = 0; i < DP_BATCH_SIZE; i++) {
        tx_batch_add(&tx, p, 0, 0);
    }
    assert_int_equal(netdev_send(dev, 0, &tx), DP_BATCH_SIZE);
}

/* Intent: a "system" port switches its receive queue and its transmit
 * queue to rings when traffic is heavy, and back to plain sockets when it
 * stops, without losing or duplicating a frame on the way.  The rule's
 * time scales are shortened for the test. */
static void
test_system_ring_switch(void **state)
{
    static const struct netdev_afpacket_tuning tuning = {
        .promote_frames = 2000, .promote_ms = 1000,
        .keep_frames = 100, .idle_ms = 300, .retry_ms = 1000,
    };
    struct seq_check c = { .highest = -1 };
    struct dp_recv_buffers bufs;
    struct netdev_rxq *rxq;
    struct netdev *dev;
    struct sockaddr_ll sll;
    struct dp_packet p;
    uint8_t frame[128], buf[256];
    bool rx_ring = false;
    int n_tx_rings = 0;
    int fd;

    (void) state;
    veth_pair_up();
    netdev_afpacket_set_tuning(&tuning);
    assert_int_equal(netdev_open(VETH_A, "system", &dev, NULL), 0);
    assert_int_equal(netdev_set_n_txq(dev, 1), 0);
    assert_int_equal(netdev_rxq_open(dev, 0, &rxq), 0);
    assert_true(netdev_afpacket_get_modes(dev, &rx_ring, &n_tx_rings));
    assert_false(rx_ring);
    assert_int_equal(n_tx_rings, 0);
    assert_false(netdev_rxq_busy_poll(rxq));
    dp_recv_buffers_init(&bufs);
    c.seen = xzalloc(RING_TEST_MAX);
    packet_from_buf(&p, buf, sizeof buf, frame, make_test_frame(frame, 7));

    /* A sender on the peer that receives nothing itself. */
    fd = socket(AF_PACKET, SOCK_RAW, 0);
    assert_true(fd >= 0);
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = if_nametoindex(VETH_B);
    assert_int_equal(bind(fd, (struct sockaddr *) &sll, sizeof sll), 0);

    /* Heavy traffic both ways: both queues switch to rings. */
    for (int i = 0; i < 3000 && !(rx_ring && n_tx_rings); i++) {
        send_numbered(fd, &c, 64);
        recv_numbered(rxq, &bufs, &c);
        send_batch(dev, &p);
        netdev_afpacket_get_modes(dev, &rx_ring, &n_tx_rings);
    }
    assert_true(rx_ring);
    assert_int_equal(n_tx_rings, 1);
    assert_true(netdev_rxq_busy_poll(rxq));

    /* More in ring mode. */
    for (int i = 0; i < 50; i++) {
        send_numbered(fd, &c, 64);
        recv_numbered(rxq, &bufs, &c);
        send_batch(dev, &p);
    }
    netdev_afpacket_get_modes(dev, &rx_ring, &n_tx_rings);
    assert_true(rx_ring);

    /* Idle: both go back to plain sockets (the worker looks at transmit
     * rings once a second). */
    for (int i = 0; i < 400 && (rx_ring || n_tx_rings); i++) {
        recv_numbered(rxq, &bufs, &c);
        usleep(5000);
        netdev_afpacket_get_modes(dev, &rx_ring, &n_tx_rings);
    }
    assert_false(rx_ring);
    assert_int_equal(n_tx_rings, 0);
    assert_false(netdev_rxq_busy_poll(rxq));
    assert_true(netdev_rxq_fd(rxq) >= 0);

    /* Still forwarding, in socket mode. */
    send_numbered(fd, &c, 64);
    recv_numbered(rxq, &bufs, &c);
    send_batch(dev, &p);

    /* Every frame exactly once; a frame in flight at the moment of a
     * switch may come a little late, nothing more. */
    print_message("ring switch: %u sent, %u received, %u late\n", c.n_sent,
                  c.n_received, c.n_late);
    assert_int_equal(c.n_duplicates, 0);
    assert_int_equal(c.n_received, c.n_sent);
    assert_true(c.n_late <= 4);

    netdev_afpacket_set_tuning(NULL);
    close(fd);
    free(c.seen);
    dp_recv_buffers_destroy(&bufs);
    netdev_rxq_close(rxq);
    netdev_close(dev);
    veth_cleanup();
}

/* Sends 'n_batches' batches of 'size' copies of 'p' from 'dev', paced so
 * that the kernel keeps up (a send that drops frames counts fewer). */
static void
send_batches(struct netdev *dev, struct dp_packet *p, int n_batches,
             unsigned int size)
{
    for (int b = 0; b < n_batches; b++) {
        struct netdev_tx_batch tx;

        tx.count = 0;
        for (unsigned int i = 0; i < size; i++) {
            tx_batch_add(&tx, p, 0, 0);
        }
        assert_int_equal(netdev_send(dev, 0, &tx), (int) size);
        usleep(200);
    }
}

/* Waits up to 2 s for 'dev' to have 'want' transmit rings. */
static int
wait_tx_rings(struct netdev *dev, int want)
{
    bool rx_ring;
    int n = -1;

    for (int i = 0; i < 200; i++) {
        netdev_afpacket_get_modes(dev, &rx_ring, &n);
        if (n == want) {
            break;
        }
        usleep(10000);
    }
    return n;
}

/* Intent: a queue that socket mode cannot keep up with -- its frames come
 * in full batches, a backlog -- switches to its ring below the plain rate
 * rule (the second transmit of every frame that a SPAN mirror adds held
 * ports in socket mode at 160 kpps), while the same number of frames in
 * partial batches does not switch it. */
static void
test_system_ring_saturation(void **state)
{
    static const struct netdev_afpacket_tuning tuning = {
        .promote_frames = 4000, .promote_ms = 300,
        .keep_frames = 100, .idle_ms = 60000, .retry_ms = 1000,
    };
    struct netdev *dev;
    struct dp_packet p;
    uint8_t frame[128], buf[256];

    (void) state;
    veth_pair_up();
    netdev_afpacket_set_tuning(&tuning);
    assert_int_equal(netdev_open(VETH_A, "system", &dev, NULL), 0);
    assert_int_equal(netdev_set_n_txq(dev, 1), 0);
    packet_from_buf(&p, buf, sizeof buf, frame, make_test_frame(frame, 7));

    /* Until the veth's carrier is up, sends are dropped. */
    for (int i = 0; i < 200; i++) {
        struct netdev_tx_batch tx;

        tx.count = 0;
        tx_batch_add(&tx, &p, 0, 0);
        if (netdev_send(dev, 0, &tx) == 1) {
            break;
        }
        usleep(10000);
    }

    /* 2,000 frames in batches of 16: half the rate rule's 4,000, no
     * backlog: stays in socket mode. */
    send_batches(dev, &p, 125, DP_BATCH_SIZE / 2);
    assert_int_equal(wait_tx_rings(dev, 1), 0);

    /* After that window, 1,920 frames in full batches: past a quarter of
     * the rule, from a backlog: switches. */
    usleep(400 * 1000);
    send_batches(dev, &p, 60, DP_BATCH_SIZE);
    assert_int_equal(wait_tx_rings(dev, 1), 1);

    netdev_afpacket_set_tuning(NULL);
    netdev_close(dev);
    veth_cleanup();
}

static void
tap_cleanup(void)
{
    run_quiet("ip link del " TAP_NAME);
}

static void
test_tap_lifetime(void **state)
{
    uint8_t frame[128], buf[256], tagged[256], got[2048];
    struct netdev_tx_batch tx;
    struct netdev *dev, *dev2;
    struct netdev_rxq *rxq;
    struct dp_packet p;
    char *error = NULL;
    bool admin, link;
    size_t len, n;
    int fd;

    (void) state;
    if (geteuid() != 0) {
        print_message("skipped: needs root to create a TAP device\n");
        skip();
    }
    tap_cleanup();
    assert_false(netdev_linux_exists(TAP_NAME));
    assert_int_equal(netdev_open(TAP_NAME, "tap", &dev, &error), 0);
    assert_true(netdev_linux_exists(TAP_NAME));
    assert_int_equal(netdev_get_state(dev, &admin, &link), 0);
    assert_true(admin);
    assert_true(netdev_accepts_offloads(dev));
    assert_int_equal(netdev_rxq_open(dev, 0, &rxq), 0);

    /* The name is taken: neither kind may grab it. */
    assert_int_equal(netdev_open(TAP_NAME, "internal", &dev2, &error),
                     EEXIST);
    assert_non_null(strstr(error, "already exists"));
    free(error);

    /* A frame sent through the TAP arrives on the kernel interface. */
    fd = raw_socket(TAP_NAME);
    len = make_test_frame(frame, 3);
    packet_from_buf(&p, buf, sizeof buf, frame, len);
    tx.count = 0;
    tx_batch_add(&tx, &p, ETH_TYPE_VLAN, 5);
    assert_int_equal(netdev_send(dev, 0, &tx), 1);
    n = dp_packet_copy_tagged(&p, ETH_TYPE_VLAN, 5, tagged);
    assert_int_equal(raw_recv_test_frame(fd, got, sizeof got), n);
    assert_memory_equal(got, tagged, n);

    /* A frame the kernel sends on the interface reaches rxq_recv. */
    assert_int_equal(send(fd, frame, len, 0), (ssize_t) len);
    {
        struct dp_recv_buffers bufs;
        bool found = false;

        dp_recv_buffers_init(&bufs);
        for (int i = 0; i < 100 && !found; i++) {
            struct dp_packet_batch batch;

            dp_recv_buffers_prepare(&bufs, &batch);
            if (!netdev_rxq_recv(rxq, &batch)) {
                fd_readable(netdev_rxq_fd(rxq), 10);
            }
            for (unsigned int j = 0; j < batch.count; j++) {
                if (dp_packet_size(batch.packets[j]) == len
                    && !memcmp(dp_packet_data(batch.packets[j]), frame,
                               len)) {
                    found = true;
                }
            }
        }
        assert_true(found);
        dp_recv_buffers_destroy(&bufs);
    }
    close(fd);

    netdev_rxq_close(rxq);
    netdev_close(dev);
    assert_false(netdev_linux_exists(TAP_NAME));

    /* "internal" comes up by itself and goes away the same way. */
    assert_int_equal(netdev_open(TAP_NAME, "internal", &dev, &error), 0);
    assert_int_equal(netdev_get_state(dev, &admin, &link), 0);
    assert_true(admin);
    netdev_close(dev);
    assert_false(netdev_linux_exists(TAP_NAME));

    /* An existing interface that is not ours is refused. */
    assert_int_equal(netdev_open("lo", "internal", &dev, &error), EEXIST);
    assert_non_null(strstr(error, "not managed by vswitch"));
    free(error);
}

struct monitor_seen {
    int ifindex;
    bool appeared;
    bool disappeared;
};

static void
monitor_cb(const char *ifname, int ifindex, bool exists, bool up, void *aux)
{
    struct monitor_seen *seen = aux;

    (void) up;
    if (ifname && !strcmp(ifname, VETH_A)) {
        if (exists) {
            seen->appeared = true;
            seen->ifindex = ifindex;
        } else {
            seen->disappeared = true;
        }
    }
}

static void
test_rtnl_monitor(void **state)
{
    struct monitor_seen seen = { 0, false, false };
    struct rtnl_monitor *mon;
    int ifindex = 0;

    (void) state;
    if (geteuid() != 0) {
        print_message("skipped: needs root to create a veth pair\n");
        skip();
    }
    veth_cleanup();
    mon = rtnl_monitor_create();
    assert_non_null(mon);
    assert_int_equal(system("ip link add " VETH_A " type veth peer name "
                            VETH_B), 0);
    netdev_linux_get_ifindex(VETH_A, &ifindex);
    for (int i = 0; i < 100 && !seen.appeared; i++) {
        fd_readable(rtnl_monitor_fd(mon), 10);
        rtnl_monitor_run(mon, monitor_cb, &seen);
    }
    assert_true(seen.appeared);
    assert_int_equal(seen.ifindex, ifindex);

    veth_cleanup();
    for (int i = 0; i < 100 && !seen.disappeared; i++) {
        fd_readable(rtnl_monitor_fd(mon), 10);
        rtnl_monitor_run(mon, monitor_cb, &seen);
    }
    assert_true(seen.disappeared);
    rtnl_monitor_destroy(mon);
}

int
test_netdev_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finish_csum_udp),
        cmocka_unit_test(test_finish_csum_tcp),
        cmocka_unit_test(test_copy_tagged_pop_tag),
        cmocka_unit_test(test_dummy_roundtrip),
        cmocka_unit_test(test_dummy_offloads),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_system_veth),
        cmocka_unit_test(test_system_lazy_io_rxqs),
        cmocka_unit_test(test_system_ring_switch),
        cmocka_unit_test(test_system_ring_saturation),
        cmocka_unit_test(test_tap_lifetime),
        cmocka_unit_test(test_rtnl_monitor),
    };

    return cmocka_run_group_tests_name("netdev", tests, NULL,
                                       teardown_group);
}
