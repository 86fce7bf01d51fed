/*
 * netdev-afpacket-socket.c -- socket mode of the "system" provider: plain
 * AF_PACKET sockets, a batch per system call (see netdev-afpacket.c for
 * the design and for when a queue uses a ring instead).
 *
 * Receive: recvmmsg() reads up to a batch from the queue's socket, each
 * frame behind its virtio-net header (PACKET_VNET_HDR) straight into the
 * buffer the forwarding thread lent for that packet, the header landing
 * in the headroom.  A tag the kernel took out of the frame (VLAN
 * acceleration) comes back in a PACKET_AUXDATA control message and is put
 * back in front of the Ethernet type, in the headroom.
 *
 * Transmit: sendmmsg() sends a batch; each frame's iovec is its
 * virtio-net header, built in per-thread scratch, then the packet's own
 * data, already tagged by netdev_send(), so the frame is never copied in
 * user space.  A
 * frame the device drops (ENOBUFS: its queue is full) is counted as
 * tx_dropped and the rest still go out; a full socket buffer (EAGAIN)
 * drops the rest of the batch; a device that is down or gone fails the
 * rest as tx_errors.
 *
 * Also here: the socket helpers that the ring code shares, and the fanout
 * group that lets a queue switch between its socket and its ring.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "netdev-afpacket-private.h"
#include "netdev-linux.h"

#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif

/* Sockets. */

int
afp_setsockopt_int(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof value) < 0 ? errno : 0;
}

/* Sets a socket buffer size, beyond the sysctl limit when privileged. */
void
afp_set_buf(int fd, int force_opt, int opt, int size)
{
    if (afp_setsockopt_int(fd, SOL_SOCKET, force_opt, size)) {
        afp_setsockopt_int(fd, SOL_SOCKET, opt, size);
    }
}

int
afp_bind(int fd, int ifindex, uint16_t protocol)
{
    struct sockaddr_ll sll;

    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(protocol);
    sll.sll_ifindex = ifindex;
    return bind(fd, (struct sockaddr *) &sll, sizeof sll) < 0 ? errno : 0;
}

int
afp_socket(int *fdp)
{
    /* Protocol 0: nothing is queued to the socket before bind(). */
    *fdp = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return *fdp < 0 ? errno : 0;
}

/* Makes bound socket 'fd' a member of fanout group '*idp', or of a new
 * group with a fresh id (stored in '*idp') if it is 0.  A new group gets a
 * program that routes every frame to its first member.  Returns 0 or an
 * errno value. */
int
afp_fanout_join(int fd, uint16_t *idp)
{
    struct fanout_args args;
    socklen_t len;
    int value;

    memset(&args, 0, sizeof args);
    args.id = *idp;
    args.type_flags = (PACKET_FANOUT_CBPF
                       | PACKET_FANOUT_FLAG_IGNORE_OUTGOING
                       | (*idp ? 0 : PACKET_FANOUT_FLAG_UNIQUEID));
    args.max_num_members = 2;
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &args, sizeof args) < 0) {
        return errno;
    }
    if (*idp) {
        return 0;
    }
    len = sizeof value;
    if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &value, &len) < 0) {
        return errno;
    }
    *idp = value & 0xffff;
    return afp_fanout_route(fd, 0);
}

/* Makes bound socket 'fd' a member of PACKET_FANOUT_HASH group '*idp', or
 * of a new one with a fresh id (stored in '*idp') if it is 0: the kernel
 * spreads the interface's frames over the members by flow hash.  The
 * group ignores the frames the switch sends (see afp_fanout_supported()).
 * Returns 0 or an errno value. */
int
afp_fanout_join_hash(int fd, uint16_t *idp)
{
    struct fanout_args args;
    socklen_t len;
    int value;

    memset(&args, 0, sizeof args);
    args.id = *idp;
    args.type_flags = (PACKET_FANOUT_HASH
                       | PACKET_FANOUT_FLAG_IGNORE_OUTGOING
                       | (*idp ? 0 : PACKET_FANOUT_FLAG_UNIQUEID));
    args.max_num_members = 16;
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &args, sizeof args) < 0) {
        return errno;
    }
    if (!*idp) {
        len = sizeof value;
        if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &value, &len) < 0) {
            return errno;
        }
        *idp = value & 0xffff;
    }
    return 0;
}

/* Counts the frames of type 'type' waiting on 'fd', waiting up to
 * 'timeout_ms' for the first. */
static int
afp_probe_count(int fd, uint16_t type, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int n = 0;

    if (poll(&pfd, 1, timeout_ms) <= 0) {
        return 0;
    }
    for (;;) {
        uint8_t frame[64];
        ssize_t len = recv(fd, frame, sizeof frame, MSG_DONTWAIT);

        if (len < 0) {
            return n;
        }
        n += len >= ETH_HEADER_LEN && (frame[12] << 8 | frame[13]) == type;
    }
}

/* Returns true if the kernel keeps a fanout group's outgoing frames away
 * from it (PACKET_FANOUT_FLAG_IGNORE_OUTGOING, recent kernels).  Older
 * kernels accept the flag and ignore it, and a group would then receive
 * every frame the switch sends, so ask once, on the loopback device: a
 * frame sent there reaches a packet socket once as outgoing, and once more
 * when it is looped back. */
bool
afp_fanout_supported(void)
{
    static const uint8_t frame[60] = { [12] = 0x88, [13] = 0xb6 };
    struct sockaddr_ll sll;
    bool supported = false;
    uint16_t id = 0;
    int rx = -1, tx = -1;
    int lo = if_nametoindex("lo");

    /* ETH_P_ALL: only such sockets see outgoing frames at all. */
    if (!lo || afp_socket(&rx) || afp_bind(rx, lo, ETH_P_ALL)
        || afp_fanout_join(rx, &id) || afp_socket(&tx)) {
        goto out;
    }
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = lo;
    sll.sll_halen = ETH_ADDR_LEN;
    if (sendto(tx, frame, sizeof frame, 0, (struct sockaddr *) &sll,
               sizeof sll) == sizeof frame) {
        int n = afp_probe_count(rx, 0x88b6, 100);

        n += afp_probe_count(rx, 0x88b6, 20);
        supported = n == 1;
    }
out:
    if (rx >= 0) {
        close(rx);
    }
    if (tx >= 0) {
        close(tx);
    }
    return supported;
}

/* Routes every frame of the fanout group that 'fd' belongs to to member
 * 'index' from now on.  Replacing a program waits for a grace period, so
 * when this returns no frame is on its way to another member.  Returns 0
 * or an errno value. */
int
afp_fanout_route(int fd, unsigned int index)
{
    struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, index) };
    struct sock_fprog prog = { 1, code };

    return (setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog,
                       sizeof prog) < 0 ? errno : 0);
}

/* Frames. */

/* Puts a tag that the kernel took out of frame 'p' back in, in front of
 * the frame (the caller guarantees 4 writable bytes there). */
void
afp_reinsert_tag(struct dp_packet *p, uint16_t tpid, uint16_t tci)
{
    dp_packet_push_tag(p, tpid, tci);
}

uint16_t
afp_tag_tpid(uint32_t status, uint16_t tpid)
{
    return status & TP_STATUS_VLAN_TPID_VALID && tpid ? tpid : ETH_TYPE_VLAN;
}

/* Sets the header length of a non-GSO frame of 'len' bytes to the whole
 * frame: the kernel then copies it into the socket buffer's linear part
 * instead of attaching pages (ring pages, or pages it fills from the
 * iovec), which it would have to copy again, into a newly allocated page,
 * as soon as the frame enters another namespace or a TAP.  That took
 * about 15% of the forwarding thread's time with 64-byte frames. */
void
afp_linear_hint(struct virtio_net_hdr *vh, uint32_t len)
{
    if (!vh->gso_type) {
        vh->hdr_len = len;
    }
}

/* Reads one frame, behind its virtio-net header, from socket 'fd' into
 * the buffer of 'p'.  Returns 0 or an errno value. */
int
afp_recv_one(int fd, struct dp_packet *p)
{
    uint8_t *vnet = p->base + DP_PACKET_HEADROOM - NETDEV_VNET_HDR_LEN;
    size_t room = p->allocated - DP_PACKET_HEADROOM + NETDEV_VNET_HDR_LEN;
    struct virtio_net_hdr vh;
    ssize_t n;

    do {
        n = recv(fd, vnet, room, MSG_DONTWAIT | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno;
    }
    if (n < NETDEV_VNET_HDR_LEN + ETH_HEADER_LEN || (size_t) n > room) {
        return EMSGSIZE;
    }
    memcpy(&vh, vnet, sizeof vh);
    p->data_ofs = DP_PACKET_HEADROOM;
    p->size = n - NETDEV_VNET_HDR_LEN;
    dp_packet_reset_meta(p, 0);
    netdev_linux_vnet_to_ol(&vh, &p->ol);
    return 0;
}

/* Fills 'vh' and 'iov' to send 'p': the virtio-net header, then the
 * packet's own data (netdev_send() has put its tag in already), so the
 * frame is not copied here.  Returns the frame's length on the wire. */
static uint32_t
afp_tx_iov(const struct dp_packet *p, struct virtio_net_hdr *vh,
           struct iovec iov[2])
{
    netdev_linux_ol_to_vnet(&p->ol, vh);
    afp_linear_hint(vh, p->size);
    iov[0].iov_base = vh;
    iov[0].iov_len = NETDEV_VNET_HDR_LEN;
    iov[1].iov_base = dp_packet_data(p);
    iov[1].iov_len = p->size;
    return p->size;
}

/* Sends one frame on plain socket 'fd'.  Returns 0 or an errno value. */
int
afp_send_one(int fd, const struct dp_packet *p)
{
    struct virtio_net_hdr vh;
    struct iovec iov[2];
    struct msghdr msg;

    afp_tx_iov(p, &vh, iov);
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    for (;;) {
        if (sendmsg(fd, &msg, MSG_DONTWAIT) >= 0) {
            return 0;
        }
        if (errno != EINTR) {
            return errno;
        }
    }
}

/* Per-thread scratch for recvmmsg() and sendmmsg(), so that a port needs
 * none of its own (about 4 KiB per thread, in thread-local storage). */
struct afp_scratch {
    struct mmsghdr msgs[DP_BATCH_SIZE];
    struct iovec iov[DP_BATCH_SIZE][2];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } cmsg[DP_BATCH_SIZE];
    struct virtio_net_hdr vh[DP_BATCH_SIZE];
    uint32_t len[DP_BATCH_SIZE];
};

static _Thread_local struct afp_scratch afp_scratch;

/* Receive. */

/* Returns the tag the kernel took out of a received frame, as described by
 * the PACKET_AUXDATA control message in 'msg', or 0 if none. */
static bool
afp_aux_tag(struct msghdr *msg, uint16_t *tpid, uint16_t *tci)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm;
         cm = CMSG_NXTHDR(msg, cm)) {
        if (cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_AUXDATA
            && cm->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
            struct tpacket_auxdata aux;

            memcpy(&aux, CMSG_DATA(cm), sizeof aux);
            if (aux.tp_status & TP_STATUS_VLAN_VALID) {
                *tpid = afp_tag_tpid(aux.tp_status, aux.tp_vlan_tpid);
                *tci = aux.tp_vlan_tci;
                return true;
            }
            return false;
        }
    }
    return false;
}

int
afp_sock_recv(int fd, struct dp_packet_batch *batch, struct afp_counters *c,
              bool *drained)
{
    struct afp_scratch *s = &afp_scratch;
    unsigned int room = DP_BATCH_SIZE - batch->count;
    uint64_t n_bytes = 0, n_errors = 0;
    unsigned int n = 0;
    int n_msgs;

    *drained = true;
    if (!room) {
        *drained = false;
        return 0;
    }
    for (unsigned int i = 0; i < room; i++) {
        struct dp_packet *p = batch->packets[batch->count + i];
        struct msghdr *m = &s->msgs[i].msg_hdr;

        s->iov[i][0].iov_base = (p->base + DP_PACKET_HEADROOM
                                 - NETDEV_VNET_HDR_LEN);
        s->iov[i][0].iov_len = (p->allocated - DP_PACKET_HEADROOM
                                + NETDEV_VNET_HDR_LEN);
        m->msg_name = NULL;
        m->msg_namelen = 0;
        m->msg_iov = s->iov[i];
        m->msg_iovlen = 1;
        m->msg_control = s->cmsg[i].buf;
        m->msg_controllen = sizeof s->cmsg[i].buf;
        m->msg_flags = 0;
    }
    do {
        n_msgs = recvmmsg(fd, s->msgs, room, MSG_DONTWAIT, NULL);
    } while (n_msgs < 0 && errno == EINTR);
    if (n_msgs <= 0) {
        /* EAGAIN, or an error the socket reported (and forgot), such as
         * ENETDOWN when the interface went down. */
        return 0;
    }
    *drained = (unsigned int) n_msgs < room;

    for (int i = 0; i < n_msgs; i++) {
        struct dp_packet **slot = &batch->packets[batch->count + i - n];
        struct dp_packet *p = *slot;
        struct msghdr *m = &s->msgs[i].msg_hdr;
        uint32_t len = s->msgs[i].msg_len;
        struct virtio_net_hdr vh;
        uint16_t tpid, tci;

        if (m->msg_flags & MSG_TRUNC
            || len < NETDEV_VNET_HDR_LEN + ETH_HEADER_LEN) {
            n_errors++;
            continue;
        }
        if (i != (int) n) {
            /* Earlier frames were dropped: swap this frame's descriptor
             * into the next place. */
            *slot = batch->packets[batch->count];
            batch->packets[batch->count] = p;
        }
        memcpy(&vh, m->msg_iov[0].iov_base, sizeof vh);
        p->data_ofs = DP_PACKET_HEADROOM;
        p->size = len - NETDEV_VNET_HDR_LEN;
        dp_packet_reset_meta(p, 0);
        netdev_linux_vnet_to_ol(&vh, &p->ol);
        if (afp_aux_tag(m, &tpid, &tci)) {
            afp_reinsert_tag(p, tpid, tci);
        }
        batch->count++;
        n_bytes += p->size;
        n++;
    }
    if (n) {
        counter_add(&c->packets, n);
        counter_add(&c->bytes, n_bytes);
    }
    if (n_errors) {
        counter_add(&c->errors, n_errors);
    }
    return n;
}

/* Transmit. */

int
afp_sock_send(int fd, struct dp_packet_batch *batch, struct afp_counters *c)
{
    struct afp_scratch *s = &afp_scratch;
    uint64_t n_bytes = 0, n_dropped = 0, n_errors = 0;
    unsigned int n = 0;
    int n_sent = 0;

    for (unsigned int i = 0; i < batch->count; i++) {
        const struct dp_packet *p = batch->packets[i];
        struct msghdr *m = &s->msgs[n].msg_hdr;

        if (p->size < 2 * ETH_ADDR_LEN) {
            n_errors++;
            continue;
        }
        s->len[n] = afp_tx_iov(p, &s->vh[n], s->iov[n]);
        memset(m, 0, sizeof *m);
        m->msg_iov = s->iov[n];
        m->msg_iovlen = 2;
        n++;
    }

    for (unsigned int i = 0; i < n; ) {
        int r = sendmmsg(fd, &s->msgs[i], n - i, MSG_DONTWAIT);

        if (r > 0) {
            for (int j = 0; j < r; j++) {
                n_bytes += s->len[i + j];
            }
            n_sent += r;
            i += r;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == ENOBUFS) {
            /* The device dropped this frame (its queue is full); the next
             * one may fit. */
            n_dropped++;
            i++;
        } else if (errno == EAGAIN) {
            /* The socket's send buffer is full, for the rest too. */
            n_dropped += n - i;
            break;
        } else if (errno == EMSGSIZE || errno == EINVAL) {
            n_errors++;
            i++;
        } else {
            /* ENXIO, ENETDOWN: the device is gone or down. */
            n_errors += n - i;
            break;
        }
    }

    afp_count_burst(c, n_sent, n_bytes, n_dropped, n_errors);
    return n_sent;
}
