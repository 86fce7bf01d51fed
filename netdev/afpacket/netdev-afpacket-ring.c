/*
 * netdev-afpacket-ring.c -- the memory-mapped rings of the "system"
 * provider (see netdev-afpacket.c for when they are used).
 *
 * Receive ring, TPACKET_V2.  The kernel copies each frame, behind its
 * virtio-net header, into the next free slot as it arrives; the receiving
 * thread finds ready slots by reading memory, up to DP_BATCH_SIZE per
 * call with no system call, and the packets it hands to the pipeline point
 * into the ring (zero copy; the ring is mapped writable, so the pipeline
 * may pop a tag in place).  The slots go back to the kernel at the start
 * of the next receive.  A tag the kernel stripped into the slot's metadata
 * (VLAN acceleration) is put back into the frame in front of the Ethernet
 * type, in the slack the ring leaves before each frame.
 *
 * Why V2 and not V3, measured.  TPACKET_V3 hands user space whole blocks,
 * which the kernel retires only when full or when the block timer fires
 * (1 ms at the least), so at low packet rates every frame waits up to a
 * millisecond.  Median ping RTT through a minimal forwarding loop (two
 * veth pairs, one thread busy-polling both rings), 2-core VM, kernel
 * 6.18: Linux bridge 63-71 us at 200 ms intervals, V2 76-114 us, V3
 * 0.6-1.7 ms; TCP with default offloads V2 14.8-15.3 Gbit/s, V3 1.9-3.7
 * with ring overruns.
 *
 * Large frames.  V2 slots have a fixed size.  Slots sized for 64 KiB GSO
 * frames would pin tens of MiB per ring, so slots are 2 KiB and the
 * kernel's copy mechanism (PACKET_COPY_THRESH) covers the rest: a frame
 * that does not fit is put in its slot truncated, marked TP_STATUS_COPY,
 * and queued whole on the socket, where one recv() (one system call per
 * up to 64 KiB) reads it into the caller's buffer for that packet.  The
 * slot keeps the frame's place in the ring order.
 *
 * Transmit ring, TPACKET_V2, one per transmit queue on a socket of its
 * own bound with protocol 0 (it receives nothing).  A batch is copied into
 * free slots -- each frame, already tagged by netdev_send(), behind a
 * virtio-net header that carries the frame's offloads -- and
 * flushed with one send(fd, NULL, 0, MSG_DONTWAIT).  The header of a
 * small frame claims the whole frame as headers, so the kernel copies it
 * into the socket buffer instead of attaching the ring page (see
 * afp_linear_hint()).  A frame bigger than a slot (a GSO super-frame, a
 * jumbo frame) goes out after a flush of the ring with one sendmsg() on
 * the queue's plain socket, which keeps the order.  If no slot is free the
 * frame is dropped (tx_dropped).  If the interface went away or down
 * (ENXIO, ENETDOWN) the queued slots are reclaimed and counted as
 * tx_errors.
 *
 * Setting up or tearing down a ring waits for an RCU grace period in the
 * kernel (about 12 ms here), so create and destroy are for helper
 * threads, never for a forwarding thread.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev-afpacket-private.h"
#include "netdev-linux.h"
#include "util.h"

/* RX ring: 512 slots of 2 KiB (1 MiB). */
#define AFP_RX_FRAME_SIZE 2048
#define AFP_RX_BLOCK_SIZE (64 * 1024)
#define AFP_RX_BLOCKS 16
#define AFP_RX_FRAMES (AFP_RX_BLOCK_SIZE / AFP_RX_FRAME_SIZE * AFP_RX_BLOCKS)

/* TX ring: 256 slots of 2 KiB (512 KiB). */
#define AFP_TX_FRAME_SIZE 2048
#define AFP_TX_BLOCK_SIZE (64 * 1024)
#define AFP_TX_BLOCKS 8
#define AFP_TX_FRAMES (AFP_TX_BLOCK_SIZE / AFP_TX_FRAME_SIZE * AFP_TX_BLOCKS)
#define AFP_TX_DATA_OFS (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
#define AFP_TX_MAX_DATA (AFP_TX_FRAME_SIZE - AFP_TX_DATA_OFS)

size_t
afp_rx_ring_size(void)
{
    return (size_t) AFP_RX_BLOCK_SIZE * AFP_RX_BLOCKS;
}

size_t
afp_tx_ring_size(void)
{
    return (size_t) AFP_TX_BLOCK_SIZE * AFP_TX_BLOCKS;
}

/* Receive ring. */

void
afp_rx_ring_destroy(struct afp_rx_ring *r)
{
    if (r) {
        if (r->ring) {
            munmap(r->ring, r->ring_len);
        }
        if (r->fd >= 0) {
            close(r->fd);
        }
        free(r);
    }
}

/* Creates a receive socket with its ring, bound to 'ifindex' and a
 * member of fanout group 'fanout_id', which routes no frames to it yet.
 * May block.  Returns 0 or an errno value, with the step that failed in
 * '*stepp'.
 *
 * Between bind() and joining the group the socket would get a copy of
 * every frame the group gets; a filter that drops everything covers that
 * moment, so that no frame is seen twice. */
int
afp_rx_ring_create(int ifindex, uint16_t fanout_id, struct afp_rx_ring **rp,
                   const char **stepp)
{
    static struct sock_filter drop_all[] = {
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog drop = { 1, drop_all };
    struct afp_rx_ring *r = xzalloc(sizeof *r);
    struct tpacket_req req;
    int error;

    r->fd = -1;
    *rp = NULL;
    *stepp = "socket";
    error = afp_socket(&r->fd);
    if (!error) {
        *stepp = "PACKET_VERSION";
        error = afp_setsockopt_int(r->fd, SOL_PACKET, PACKET_VERSION,
                                   TPACKET_V2);
    }
    if (!error) {
        *stepp = "PACKET_VNET_HDR";
        error = afp_setsockopt_int(r->fd, SOL_PACKET, PACKET_VNET_HDR, 1);
    }
    if (!error) {
        *stepp = "PACKET_IGNORE_OUTGOING";
        error = afp_setsockopt_int(r->fd, SOL_PACKET,
                                   PACKET_IGNORE_OUTGOING, 1);
    }
    if (!error) {
        *stepp = "PACKET_COPY_THRESH";
        error = afp_setsockopt_int(r->fd, SOL_PACKET, PACKET_COPY_THRESH,
                                   1);
    }
    if (!error) {
        afp_set_buf(r->fd, SO_RCVBUFFORCE, SO_RCVBUF, AFP_SOCK_BUF);
        *stepp = "PACKET_RX_RING";
        memset(&req, 0, sizeof req);
        req.tp_block_size = AFP_RX_BLOCK_SIZE;
        req.tp_block_nr = AFP_RX_BLOCKS;
        req.tp_frame_size = AFP_RX_FRAME_SIZE;
        req.tp_frame_nr = AFP_RX_FRAMES;
        if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req,
                       sizeof req) < 0) {
            error = errno;
        }
    }
    if (!error) {
        void *ring;

        *stepp = "mmap";
        r->n_frames = AFP_RX_FRAMES;
        ring = mmap(NULL, afp_rx_ring_size(), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, r->fd, 0);
        if (ring == MAP_FAILED) {
            error = errno;
        } else {
            r->ring = ring;
            r->ring_len = afp_rx_ring_size();
        }
    }
    if (!error) {
        *stepp = "SO_ATTACH_FILTER";
        if (setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &drop,
                       sizeof drop) < 0) {
            error = errno;
        }
    }
    if (!error) {
        *stepp = "bind";
        error = afp_bind(r->fd, ifindex, ETH_P_ALL);
    }
    if (!error) {
        *stepp = "PACKET_FANOUT";
        error = afp_fanout_join(r->fd, &fanout_id);
    }
    if (!error) {
        int zero = 0;

        *stepp = "SO_DETACH_FILTER";
        if (setsockopt(r->fd, SOL_SOCKET, SO_DETACH_FILTER, &zero,
                       sizeof zero) < 0) {
            error = errno;
        }
    }
    if (error) {
        afp_rx_ring_destroy(r);
        return error;
    }
    *rp = r;
    return 0;
}

/* Reads the kernel's count of frames the ring had no room for (reading
 * resets it). */
uint64_t
afp_rx_ring_kernel_drops(const struct afp_rx_ring *r)
{
    struct tpacket_stats ks;
    socklen_t len = sizeof ks;

    memset(&ks, 0, sizeof ks);
    if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len)) {
        return 0;
    }
    return ks.tp_drops;
}

/* Points 'p' at the frame in ring slot 'frame'. */
static void
afp_ring_packet(uint8_t *frame, const struct tpacket2_hdr *h,
                struct dp_packet *p)
{
    struct virtio_net_hdr vh;

    memcpy(&vh, frame + h->tp_mac - NETDEV_VNET_HDR_LEN, sizeof vh);
    dp_packet_set_data(p, frame, AFP_RX_FRAME_SIZE, h->tp_mac,
                       h->tp_snaplen);
    dp_packet_reset_meta(p, 0);
    netdev_linux_vnet_to_ol(&vh, &p->ol);
}

int
afp_rx_ring_recv(struct afp_rx_ring *r, struct dp_packet_batch *batch,
                 struct afp_counters *c, bool *drained)
{
    uint64_t n_bytes = 0, n_dropped = 0, n_errors = 0;
    unsigned int n = 0;

    /* Give back the last batch's slots. */
    for (unsigned int i = r->n_held; i > 0; i--) {
        unsigned int slot = (r->head + r->n_frames - i) % r->n_frames;
        struct tpacket2_hdr *h = (void *) (r->ring
                                           + (size_t) slot
                                             * AFP_RX_FRAME_SIZE);

        __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    }
    r->n_held = 0;

    *drained = false;
    while (batch->count < DP_BATCH_SIZE) {
        uint8_t *frame = r->ring + (size_t) r->head * AFP_RX_FRAME_SIZE;
        struct tpacket2_hdr *h = (void *) frame;
        struct dp_packet *p = batch->packets[batch->count];
        uint8_t *own_base = p->base;
        uint32_t own_allocated = p->allocated;
        uint32_t status;

        status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (!(status & TP_STATUS_USER)) {
            *drained = true;
            break;
        }
        if (status & TP_STATUS_COPY) {
            /* The whole frame waits on the socket: read it into the
             * packet's own buffer. */
            if (afp_recv_one(r->fd, p)) {
                n_errors++;
                goto next;
            }
        } else if (h->tp_snaplen < h->tp_len) {
            /* Too big for the slot and the kernel could not queue a copy
             * (socket buffer full). */
            n_dropped++;
            goto next;
        } else {
            afp_ring_packet(frame, h, p);
        }
        if (status & TP_STATUS_VLAN_VALID) {
            afp_reinsert_tag(p, afp_tag_tpid(status, h->tp_vlan_tpid),
                             h->tp_vlan_tci);
        }
        if (p->size < ETH_HEADER_LEN) {
            n_errors++;
            p->base = own_base;
            p->allocated = own_allocated;
            goto next;
        }
        batch->count++;
        n_bytes += p->size;
        n++;
    next:
        r->head = r->head + 1 == r->n_frames ? 0 : r->head + 1;
        r->n_held++;
    }

    afp_count_burst(c, n, n_bytes, n_dropped, n_errors);
    return n;
}

/* Transmit ring. */

void
afp_tx_ring_destroy(struct afp_tx_ring *t)
{
    if (t) {
        if (t->ring) {
            munmap(t->ring, t->ring_len);
        }
        if (t->fd >= 0) {
            close(t->fd);
        }
        free(t);
    }
}

/* Creates a transmit socket with its ring on 'ifindex'.  May block.
 * Returns 0 or an errno value. */
int
afp_tx_ring_create(int ifindex, struct afp_tx_ring **tp)
{
    struct afp_tx_ring *t = xzalloc(sizeof *t);
    struct tpacket_req req;
    int error;

    t->fd = -1;
    *tp = NULL;
    error = afp_socket(&t->fd);
    if (!error) {
        error = afp_setsockopt_int(t->fd, SOL_PACKET, PACKET_VERSION,
                                   TPACKET_V2);
    }
    if (!error) {
        error = afp_setsockopt_int(t->fd, SOL_PACKET, PACKET_VNET_HDR, 1);
    }
    if (!error) {
        /* Skip a malformed slot instead of stopping the ring at it. */
        error = afp_setsockopt_int(t->fd, SOL_PACKET, PACKET_LOSS, 1);
    }
    if (!error) {
        afp_set_buf(t->fd, SO_SNDBUFFORCE, SO_SNDBUF, AFP_SOCK_BUF);
        memset(&req, 0, sizeof req);
        req.tp_block_size = AFP_TX_BLOCK_SIZE;
        req.tp_block_nr = AFP_TX_BLOCKS;
        req.tp_frame_size = AFP_TX_FRAME_SIZE;
        req.tp_frame_nr = AFP_TX_FRAMES;
        if (setsockopt(t->fd, SOL_PACKET, PACKET_TX_RING, &req,
                       sizeof req) < 0) {
            error = errno;
        }
    }
    if (!error) {
        void *ring = mmap(NULL, afp_tx_ring_size(), PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_POPULATE, t->fd, 0);

        if (ring == MAP_FAILED) {
            error = errno;
        } else {
            t->ring = ring;
            t->ring_len = afp_tx_ring_size();
        }
    }
    if (!error) {
        error = afp_bind(t->fd, ifindex, 0);
    }
    if (error) {
        afp_tx_ring_destroy(t);
        return error;
    }
    *tp = t;
    return 0;
}

static struct tpacket2_hdr *
afp_tx_slot(const struct afp_tx_ring *t, unsigned int i)
{
    return (void *) (t->ring + (size_t) i * AFP_TX_FRAME_SIZE);
}

/* Asks the kernel to send the 'n_pending' slots before 't->head'.
 * Returns how many of them failed for good (their slots are reclaimed). */
static unsigned int
afp_tx_flush(struct afp_tx_ring *t, unsigned int n_pending)
{
    unsigned int n_failed = 0;

    if (!n_pending) {
        return 0;
    }
    if (send(t->fd, NULL, 0, MSG_DONTWAIT) >= 0
        || errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
        /* Anything not sent yet stays queued for the next flush. */
        return 0;
    }
    /* The device is gone or down: the kernel looked at none of the
     * slots, so take them back rather than send them much later. */
    for (unsigned int i = 1; i <= n_pending; i++) {
        unsigned int slot = (t->head + AFP_TX_FRAMES - i) % AFP_TX_FRAMES;
        struct tpacket2_hdr *h = afp_tx_slot(t, slot);

        if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE)
            == TP_STATUS_SEND_REQUEST) {
            __atomic_store_n(&h->tp_status, TP_STATUS_AVAILABLE,
                             __ATOMIC_RELAXED);
            n_failed++;
        }
    }
    return n_failed;
}

int
afp_tx_ring_send(struct afp_tx_ring *t, int sock_fd,
                 struct dp_packet_batch *batch, struct afp_counters *c)
{
    uint64_t n_bytes = 0, n_dropped = 0, n_errors = 0;
    unsigned int n_pending = 0, n_failed;
    int n_sent = 0;

    for (unsigned int i = 0; i < batch->count; i++) {
        const struct dp_packet *p = batch->packets[i];
        uint32_t len = p->size;
        struct tpacket2_hdr *h;
        struct virtio_net_hdr vh;
        uint8_t *data;

        if (p->size < 2 * ETH_ADDR_LEN) {
            n_errors++;
            continue;
        }
        if (NETDEV_VNET_HDR_LEN + len > AFP_TX_MAX_DATA) {
            int error;

            n_failed = afp_tx_flush(t, n_pending);
            n_errors += n_failed;
            n_sent -= n_failed;
            n_pending = 0;

            error = afp_send_one(sock_fd, p);
            if (!error) {
                n_bytes += len;
                n_sent++;
            } else if (error == EAGAIN || error == ENOBUFS) {
                n_dropped++;
            } else {
                n_errors++;
            }
            continue;
        }

        h = afp_tx_slot(t, t->head);
        if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE)
            != TP_STATUS_AVAILABLE) {
            /* Ring full: the kernel has not sent the slot yet. */
            n_dropped++;
            continue;
        }
        data = (uint8_t *) h + AFP_TX_DATA_OFS;
        netdev_linux_ol_to_vnet(&p->ol, &vh);
        afp_linear_hint(&vh, len);
        memcpy(data, &vh, sizeof vh);
        memcpy(data + NETDEV_VNET_HDR_LEN, dp_packet_data(p), len);
        h->tp_len = NETDEV_VNET_HDR_LEN + len;
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
                         __ATOMIC_RELEASE);
        t->head = t->head + 1 == AFP_TX_FRAMES ? 0 : t->head + 1;
        n_pending++;
        n_bytes += len;
        n_sent++;
    }
    n_failed = afp_tx_flush(t, n_pending);
    n_errors += n_failed;
    n_sent -= n_failed;

    if (n_sent > 0) {
        counter_add(&c->packets, n_sent);
        counter_add(&c->bytes, n_bytes);
    }
    if (n_dropped) {
        counter_add(&c->dropped, n_dropped);
    }
    if (n_errors) {
        counter_add(&c->errors, n_errors);
    }
    return n_sent > 0 ? n_sent : 0;
}
