/*
 * netdev-afpacket.c -- the "system" provider: any existing kernel
 * interface (a veth, a TAP that QEMU/libvirt created, a physical NIC)
 * through AF_PACKET sockets with memory-mapped rings.
 *
 * Receive: one socket per device, bound to the interface with ETH_P_ALL,
 * in promiscuous mode (a membership, dropped with the socket), with
 * PACKET_IGNORE_OUTGOING (we never see our own transmissions) and
 * PACKET_VNET_HDR (each frame arrives behind a virtio-net header, so
 * partial checksums and GSO super-frames from a veth or a guest come
 * through as they are and are described in dp_packet.ol).  The frames are
 * read straight from an RX ring, up to DP_BATCH_SIZE ready slots per call
 * with no system call, and the packets handed to the pipeline point into
 * the ring (zero copy; the ring is mapped writable, so the pipeline may
 * pop a tag in place).  The slots go back to the kernel at the start of
 * the next receive.  A tag the kernel stripped into the slot's metadata
 * (VLAN acceleration) is put back into the frame in front of the
 * Ethernet type, in the slack the ring leaves before each frame.
 *
 * Ring version, measured.  TPACKET_V3 hands user space whole blocks,
 * which the kernel retires only when full or when the block timer fires
 * (1 ms at the least), so at low packet rates every frame waits up to a
 * millisecond.  Median ping RTT through a minimal forwarding loop (two
 * veth pairs into two namespaces, one thread busy-polling both receive
 * queues and sending each batch out of the other port), 2-core VM,
 * kernel 6.18, next to the Linux bridge on the same veths:
 *
 *     ping interval       200 ms     10 ms      1 ms      flood (mean)
 *     Linux bridge        63-71us    69-71us    7-8us     3-4us
 *     TPACKET_V2 RX       76-114us   72-101us   19-33us   7-19us
 *     TPACKET_V3 RX       0.6-1.7ms  0.8-1.3ms  0.8ms     1.0-1.1ms
 *     V2, poll() waits    138-153us  120-138us  47-61us   19-25us
 *
 * (Ranges over 2-4 runs on a machine shared with other work.)  V3 misses
 * the target by 10-100 times; V2 is on par with the bridge at the usual
 * ping rates (the bridge answers inside the sender's own system call, so
 * what remains at 1 ms intervals is one cross-CPU wake-up of the idle
 * pinging CPU, not ring latency).  V2 still batches: a call walks every
 * ready slot, up to 32, without a system call.  So V2 is the default; V3
 * remains for measurement (environment variable VSWITCH_AFPACKET_RX=v3,
 * read once).  Throughput in the same loop with V2: TCP (iperf3, default
 * offloads, 64 KiB GSO frames) 14.8-15.3 Gbit/s (V3: 1.9-3.7 with ring
 * overruns; Linux bridge: 20-23); 64-byte UDP from trafgen 406-595 kpps
 * delivered, 92% of what the sender managed on the other core (the
 * bridge delivered 295-300 kpps, all of it done on the sender's core).
 *
 * Large frames.  V2 slots have a fixed size.  Slots sized for 64 KiB GSO
 * frames would pin tens of MiB per port, so slots are 2 KiB and the
 * kernel's copy mechanism (PACKET_COPY_THRESH) covers the rest: a frame
 * that does not fit is put in its slot truncated, marked TP_STATUS_COPY,
 * and queued whole on the socket, where one recvmsg() (one system call
 * per up to 64 KiB) reads it into one of the receive queue's big buffers.
 * The slot keeps the frame's place in the ring order.  (A V3 ring holds
 * large frames in its blocks directly.)
 *
 * Transmit: one socket and TPACKET_V2 TX ring per transmit queue
 * (netdev_set_n_txq(); one per forwarding thread, so sends take no lock),
 * bound with protocol 0 so it receives nothing.  A batch is copied into
 * free slots -- dp_packet_copy_tagged() writes straight into the slot
 * behind a virtio-net header that carries the frame's offloads -- and
 * flushed with one send(fd, NULL, 0, MSG_DONTWAIT).  The header of a
 * small frame claims the whole frame as headers, so the kernel copies it
 * into the socket buffer instead of attaching the ring page, which it
 * would have to copy anyway (into a newly allocated page) as soon as the
 * frame enters another namespace or a TAP; that took about 15% of the
 * forwarding thread's time with 64-byte frames.  A frame bigger than
 * a slot (a GSO super-frame, a jumbo frame) goes out after a flush of the
 * ring with one sendmsg() on a second, ring-less socket, which keeps the
 * order.  If no slot is free the frame is dropped (tx_dropped).  If the
 * interface went away or down (ENXIO, ENETDOWN) the queued slots are
 * reclaimed and counted as tx_errors; the caller re-opens the device when
 * it comes back.
 *
 * Statistics: the receive thread and each transmit queue's thread count
 * in their own cache lines (single writer, relaxed atomic stores);
 * get_stats() sums them and adds the kernel's ring-overrun drops
 * (PACKET_STATISTICS).  State, MTU and MAC come from the kernel by name
 * (netdev-linux.h); the ifindex is the one the sockets are bound to.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "netdev-linux.h"
#include "netdev-provider.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_afpacket);

/* RX ring, TPACKET_V2: 512 slots of 2 KiB (1 MiB per port). */
#define AFP_RX_FRAME_SIZE 2048
#define AFP_RX_BLOCK_SIZE (64 * 1024)
#define AFP_RX_BLOCKS 16

/* RX ring, TPACKET_V3: 8 blocks of 256 KiB, retired after 1 ms. */
#define AFP_RX3_BLOCK_SIZE (256 * 1024)
#define AFP_RX3_BLOCKS 8
#define AFP_RX3_TIMEOUT_MS 1

/* Receive buffers for frames that do not fit a V2 slot. */
#define AFP_BIG_FRAME (65536 + 256)
#define AFP_BIG_STRIDE (DP_PACKET_HEADROOM + AFP_BIG_FRAME)
#define AFP_N_BIG 16

/* TX ring, TPACKET_V2: 256 slots of 2 KiB per transmit queue. */
#define AFP_TX_FRAME_SIZE 2048
#define AFP_TX_BLOCK_SIZE (64 * 1024)
#define AFP_TX_BLOCKS 8
#define AFP_TX_FRAMES (AFP_TX_BLOCK_SIZE / AFP_TX_FRAME_SIZE * AFP_TX_BLOCKS)
#define AFP_TX_DATA_OFS (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
#define AFP_TX_MAX_DATA (AFP_TX_FRAME_SIZE - AFP_TX_DATA_OFS)

/* Socket buffers: room for queued large frames. */
#define AFP_SOCK_BUF (8 * 1024 * 1024)

struct afp_counters {
    uint64_t packets, bytes, dropped, errors;
} __attribute__((aligned(64)));

/* A transmit queue.  The ring is set up by a helper thread; until it is
 * 'ready', frames go out one sendmsg() each on 'big_fd'. */
struct afp_txq {
    int fd;                         /* With the TX ring. */
    int big_fd;                     /* Ring-less, for large frames. */
    int ifindex;
    uint8_t *ring;
    size_t ring_len;
    bool ready;                     /* Ring usable (atomic flag). */
    pthread_t thread;               /* Setting up the ring, if... */
    bool has_thread;                /* ...this is true. */
    unsigned int head;              /* Next slot to fill. */
    struct afp_counters c;
};

/* A receive socket with its ring, prepared (by a helper thread) before
 * the receive queue binds it to the interface. */
struct afp_rx {
    int fd;
    int version;                    /* TPACKET_V2 or TPACKET_V3. */
    uint8_t *ring;
    size_t ring_len;
    unsigned int n_frames;          /* TPACKET_V2. */
    unsigned int n_blocks;          /* TPACKET_V3. */
    int error;                      /* Preparation result... */
    const char *step;               /* ...and the step that failed. */
};

struct netdev_rxq_afpacket;

struct netdev_afpacket {
    struct netdev up;
    int ifindex;

    struct afp_txq **txqs;
    int n_txq;

    struct afp_counters rx_c;       /* Written by the receive thread. */
    struct netdev_rxq_afpacket *rxq;    /* The open receive queue. */
    uint64_t kernel_drops;          /* PACKET_STATISTICS, main thread. */
};

struct netdev_rxq_afpacket {
    struct netdev_rxq up;
    struct afp_rx *rx;              /* Owned. */
    int fd;                         /* Copies of 'rx' members. */
    int version;
    uint8_t *ring;

    /* TPACKET_V2. */
    unsigned int n_frames;
    unsigned int head;              /* Next slot to look at. */
    unsigned int n_held;            /* Slots before 'head' to give back. */

    /* TPACKET_V3. */
    unsigned int n_blocks;
    unsigned int cur_block;         /* Block being read. */
    unsigned int pkts_left;         /* Frames left in 'cur_block'. */
    uint8_t *next_pkt;              /* Next frame in 'cur_block'. */
    unsigned int release_block;     /* First block to give back... */
    unsigned int n_release;         /* ...and how many. */

    uint8_t *big;                   /* AFP_N_BIG * AFP_BIG_STRIDE. */
    unsigned int n_big;             /* In use by the last batch. */
    unsigned int n_empty;           /* Empty receives in a row. */
    struct dp_packet packets[DP_BATCH_SIZE];
};

static struct netdev_afpacket *
netdev_afpacket_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_afpacket, up);
}

static struct netdev_rxq_afpacket *
netdev_rxq_afpacket_cast(const struct netdev_rxq *rxq)
{
    return CONTAINER_OF(rxq, struct netdev_rxq_afpacket, up);
}

static inline void
afp_count(uint64_t *counter, uint64_t n)
{
    __atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

static inline uint64_t
afp_read(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static int
afp_rx_version(void)
{
    static int version;

    if (!version) {
        const char *s = getenv("VSWITCH_AFPACKET_RX");

        version = s && !strcmp(s, "v3") ? TPACKET_V3 : TPACKET_V2;
    }
    return version;
}

/* Allocates zeroed memory aligned to a cache line, for structures with
 * per-thread counters (free() releases it). */
static void *
afp_zalloc_aligned(size_t size)
{
    void *p;
    int error = posix_memalign(&p, 64, size);

    if (error) {
        util_fatal(error, "out of memory");
    }
    memset(p, 0, size);
    return p;
}

static int
afp_setsockopt_int(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof value) < 0 ? errno : 0;
}

/* Sets a socket buffer size, beyond the sysctl limit when privileged. */
static void
afp_set_buf(int fd, int force_opt, int opt, int size)
{
    if (afp_setsockopt_int(fd, SOL_SOCKET, force_opt, size)) {
        afp_setsockopt_int(fd, SOL_SOCKET, opt, size);
    }
}

static int
afp_bind(int fd, int ifindex, uint16_t protocol)
{
    struct sockaddr_ll sll;

    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(protocol);
    sll.sll_ifindex = ifindex;
    return bind(fd, (struct sockaddr *) &sll, sizeof sll) < 0 ? errno : 0;
}

static int
afp_socket(int *fdp)
{
    /* Protocol 0: nothing is queued to the socket before bind(). */
    *fdp = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return *fdp < 0 ? errno : 0;
}

/* Helper threads.
 *
 * Setting up or tearing down a packet ring waits for an RCU grace period
 * in the kernel (synchronize_net(), about 12 ms here), and closing a
 * packet socket waits for more.  Done in line, opening a port cost two
 * grace periods and closing it five (25 ms and 65 ms per port measured),
 * so attaching 1000 ports would have taken most of a minute.  Concurrent
 * waits share grace periods, so this work runs on short-lived helper
 * threads instead: receive rings come prepared from a pool of spares (see
 * afp_rx_get()), a transmit queue sends through a ring-less socket until
 * its ring is ready, and closing hands everything to a detached thread.
 * Helper threads touch only the objects given to them, never log, and
 * are joined (or own what they free) before anything is freed. */

static bool
afp_spawn(void *(*fn)(void *), void *arg, bool detached, pthread_t *thread)
{
    pthread_attr_t attr;
    pthread_t dummy;
    bool ok;

    if (pthread_attr_init(&attr)) {
        return false;
    }
    pthread_attr_setstacksize(&attr, 128 * 1024);
    if (detached) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    }
    ok = !pthread_create(thread ? thread : &dummy, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return ok;
}

/* Transmit queues. */

static void *
afp_txq_ring_thread(void *txq_)
{
    struct afp_txq *txq = txq_;
    struct tpacket_req req;
    void *ring;

    memset(&req, 0, sizeof req);
    req.tp_block_size = AFP_TX_BLOCK_SIZE;
    req.tp_block_nr = AFP_TX_BLOCKS;
    req.tp_frame_size = AFP_TX_FRAME_SIZE;
    req.tp_frame_nr = AFP_TX_FRAMES;
    if (setsockopt(txq->fd, SOL_PACKET, PACKET_TX_RING, &req,
                   sizeof req) < 0) {
        return NULL;
    }
    ring = mmap(NULL, (size_t) AFP_TX_BLOCK_SIZE * AFP_TX_BLOCKS,
                PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, txq->fd,
                0);
    if (ring == MAP_FAILED) {
        return NULL;
    }
    txq->ring = ring;
    txq->ring_len = (size_t) AFP_TX_BLOCK_SIZE * AFP_TX_BLOCKS;
    if (!afp_bind(txq->fd, txq->ifindex, 0)) {
        /* Publishes 'ring' to the sending thread. */
        __atomic_store_n(&txq->ready, true, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* Joins the ring thread, unmaps, closes and frees.  May block. */
static void
afp_txq_destroy(struct afp_txq *txq)
{
    if (txq->has_thread) {
        pthread_join(txq->thread, NULL);
    }
    if (txq->ring) {
        munmap(txq->ring, txq->ring_len);
    }
    if (txq->fd >= 0) {
        close(txq->fd);
    }
    if (txq->big_fd >= 0) {
        close(txq->big_fd);
    }
    free(txq);
}

/* Creates a transmit queue on 'ifindex' whose ring a helper thread sets
 * up.  Returns 0 or an errno value. */
static int
afp_txq_create(int ifindex, struct afp_txq **txqp)
{
    struct afp_txq *txq = afp_zalloc_aligned(sizeof *txq);
    int error;

    txq->fd = txq->big_fd = -1;
    txq->ifindex = ifindex;

    error = afp_socket(&txq->big_fd);
    if (!error) {
        error = afp_setsockopt_int(txq->big_fd, SOL_PACKET, PACKET_VNET_HDR,
                                   1);
    }
    if (!error) {
        afp_set_buf(txq->big_fd, SO_SNDBUFFORCE, SO_SNDBUF, AFP_SOCK_BUF);
        error = afp_bind(txq->big_fd, ifindex, 0);
    }

    if (!error) {
        error = afp_socket(&txq->fd);
    }
    if (!error) {
        error = afp_setsockopt_int(txq->fd, SOL_PACKET, PACKET_VERSION,
                                   TPACKET_V2);
    }
    if (!error) {
        error = afp_setsockopt_int(txq->fd, SOL_PACKET, PACKET_VNET_HDR, 1);
    }
    if (!error) {
        /* Skip a malformed slot instead of stopping the ring at it. */
        error = afp_setsockopt_int(txq->fd, SOL_PACKET, PACKET_LOSS, 1);
    }
    if (error) {
        afp_txq_destroy(txq);
        return error;
    }
    afp_set_buf(txq->fd, SO_SNDBUFFORCE, SO_SNDBUF, AFP_SOCK_BUF);

    txq->has_thread = afp_spawn(afp_txq_ring_thread, txq, false,
                                &txq->thread);
    if (!txq->has_thread) {
        afp_txq_ring_thread(txq);
    }
    *txqp = txq;
    return 0;
}

/* Receive rings. */

/* Creates the socket and ring of 'rx' (unbound).  May block for an RCU
 * grace period.  Sets rx->error. */
static void
afp_rx_prepare(struct afp_rx *rx)
{
    void *ring;

    rx->step = "socket";
    rx->error = afp_socket(&rx->fd);
    if (!rx->error) {
        rx->step = "PACKET_VERSION";
        rx->error = afp_setsockopt_int(rx->fd, SOL_PACKET, PACKET_VERSION,
                                       rx->version);
    }
    if (!rx->error) {
        rx->step = "PACKET_VNET_HDR";
        rx->error = afp_setsockopt_int(rx->fd, SOL_PACKET, PACKET_VNET_HDR,
                                       1);
    }
    if (!rx->error) {
        rx->step = "PACKET_IGNORE_OUTGOING";
        rx->error = afp_setsockopt_int(rx->fd, SOL_PACKET,
                                       PACKET_IGNORE_OUTGOING, 1);
    }
    if (!rx->error && rx->version == TPACKET_V2) {
        rx->step = "PACKET_COPY_THRESH";
        rx->error = afp_setsockopt_int(rx->fd, SOL_PACKET,
                                       PACKET_COPY_THRESH, 1);
    }
    if (!rx->error) {
        afp_set_buf(rx->fd, SO_RCVBUFFORCE, SO_RCVBUF, AFP_SOCK_BUF);
        rx->step = "PACKET_RX_RING";
        if (rx->version == TPACKET_V3) {
            struct tpacket_req3 req;

            memset(&req, 0, sizeof req);
            req.tp_block_size = AFP_RX3_BLOCK_SIZE;
            req.tp_block_nr = AFP_RX3_BLOCKS;
            req.tp_frame_size = AFP_RX_FRAME_SIZE;
            req.tp_frame_nr = (AFP_RX3_BLOCK_SIZE / AFP_RX_FRAME_SIZE
                               * AFP_RX3_BLOCKS);
            req.tp_retire_blk_tov = AFP_RX3_TIMEOUT_MS;
            if (setsockopt(rx->fd, SOL_PACKET, PACKET_RX_RING, &req,
                           sizeof req) < 0) {
                rx->error = errno;
            }
            rx->n_blocks = AFP_RX3_BLOCKS;
            rx->ring_len = (size_t) AFP_RX3_BLOCK_SIZE * AFP_RX3_BLOCKS;
        } else {
            struct tpacket_req req;

            memset(&req, 0, sizeof req);
            req.tp_block_size = AFP_RX_BLOCK_SIZE;
            req.tp_block_nr = AFP_RX_BLOCKS;
            req.tp_frame_size = AFP_RX_FRAME_SIZE;
            req.tp_frame_nr = (AFP_RX_BLOCK_SIZE / AFP_RX_FRAME_SIZE
                               * AFP_RX_BLOCKS);
            if (setsockopt(rx->fd, SOL_PACKET, PACKET_RX_RING, &req,
                           sizeof req) < 0) {
                rx->error = errno;
            }
            rx->n_frames = req.tp_frame_nr;
            rx->ring_len = (size_t) AFP_RX_BLOCK_SIZE * AFP_RX_BLOCKS;
        }
    }
    if (!rx->error) {
        rx->step = "mmap";
        ring = mmap(NULL, rx->ring_len, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, rx->fd, 0);
        if (ring == MAP_FAILED) {
            rx->error = errno;
        } else {
            rx->ring = ring;
        }
    }
}

static void
afp_rx_destroy(struct afp_rx *rx)
{
    if (rx) {
        if (rx->ring) {
            munmap(rx->ring, rx->ring_len);
        }
        if (rx->fd >= 0) {
            close(rx->fd);
        }
        free(rx);
    }
}

/* Spare receive rings.  A socket and its ring are not tied to an
 * interface until bind(), so a few are kept prepared in advance and
 * netdev_rxq_open() only binds one: attaching a port then waits for no
 * grace period.  Every ring taken is replaced by a helper thread (two if
 * the taker had to wait, so that a burst of attachments gets more rings
 * prepared in parallel). */
#define AFP_RX_SPARES 8
#define AFP_RX_MAX_PREPARED 64

static pthread_mutex_t afp_pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t afp_pool_cond = PTHREAD_COND_INITIALIZER;
static struct afp_rx *afp_pool[AFP_RX_MAX_PREPARED];
static int afp_pool_n;              /* Ready in 'afp_pool'. */
static int afp_pool_pending;        /* Being prepared by helpers. */

static struct afp_rx *
afp_rx_new(void)
{
    struct afp_rx *rx = xzalloc(sizeof *rx);

    rx->fd = -1;
    rx->version = afp_rx_version();
    return rx;
}

static void *
afp_pool_refill_thread(void *arg)
{
    struct afp_rx *rx = afp_rx_new();

    (void) arg;
    afp_rx_prepare(rx);

    pthread_mutex_lock(&afp_pool_mutex);
    afp_pool_pending--;
    if (!rx->error && afp_pool_n < AFP_RX_MAX_PREPARED) {
        afp_pool[afp_pool_n++] = rx;
        rx = NULL;
    }
    pthread_cond_broadcast(&afp_pool_cond);
    pthread_mutex_unlock(&afp_pool_mutex);

    afp_rx_destroy(rx);
    return NULL;
}

/* Starts up to 'n' helpers, within the limits.  Called with the mutex. */
static void
afp_pool_refill(int n)
{
    while (n-- > 0 && afp_pool_n + afp_pool_pending < AFP_RX_MAX_PREPARED) {
        if (!afp_spawn(afp_pool_refill_thread, NULL, true, NULL)) {
            break;
        }
        afp_pool_pending++;
    }
}

/* Returns a prepared receive socket and ring (check its 'error'). */
static struct afp_rx *
afp_rx_get(void)
{
    struct afp_rx *rx = NULL;
    bool waited = false;
    int n_refill;

    /* Settles the version on this thread before any helper reads it. */
    afp_rx_version();

    pthread_mutex_lock(&afp_pool_mutex);
    while (!afp_pool_n && afp_pool_pending) {
        pthread_cond_wait(&afp_pool_cond, &afp_pool_mutex);
        waited = true;
    }
    if (afp_pool_n) {
        rx = afp_pool[--afp_pool_n];
    }
    if (afp_pool_n + afp_pool_pending < AFP_RX_SPARES) {
        n_refill = AFP_RX_SPARES - afp_pool_n - afp_pool_pending;
    } else {
        n_refill = waited ? 2 : 1;
    }
    afp_pool_refill(n_refill);
    pthread_mutex_unlock(&afp_pool_mutex);

    if (!rx) {
        /* No spare and none coming (the first port, or helpers failed):
         * prepare one here, which also reports any error. */
        rx = afp_rx_new();
        afp_rx_prepare(rx);
    }
    return rx;
}

/* Things to release on a detached thread. */
struct afp_trash {
    struct afp_rx *rx;
    struct afp_txq **txqs;
    int n_txq;
    void *mem;                      /* Freed last. */
};

static void *
afp_trash_thread(void *trash_)
{
    struct afp_trash *trash = trash_;

    afp_rx_destroy(trash->rx);
    for (int i = 0; i < trash->n_txq; i++) {
        afp_txq_destroy(trash->txqs[i]);
    }
    free(trash->txqs);
    free(trash->mem);
    free(trash);
    return NULL;
}

/* Releases 'rx' (may be NULL), the 'n_txq' queues in 'txqs' (an array
 * this takes over, may be NULL) and then 'mem', without waiting. */
static void
afp_discard(struct afp_rx *rx, struct afp_txq **txqs, int n_txq, void *mem)
{
    struct afp_trash *trash = xmalloc(sizeof *trash);

    trash->rx = rx;
    trash->txqs = txqs;
    trash->n_txq = n_txq;
    trash->mem = mem;
    if (!afp_spawn(afp_trash_thread, trash, true, NULL)) {
        afp_trash_thread(trash);
    }
}

/* Device. */

static int
netdev_afpacket_open(const char *name, struct netdev **netdevp,
                     char **errorp)
{
    struct netdev_afpacket *dev;
    int ifindex;
    int error;

    error = netdev_linux_get_ifindex(name, &ifindex);
    if (error) {
        if (error == ENODEV) {
            *errorp = xasprintf("could not open network device %s (No such "
                                "device)", name);
        }
        return error;
    }

    dev = afp_zalloc_aligned(sizeof *dev);
    dev->ifindex = ifindex;
    dev->n_txq = 1;
    dev->txqs = xmalloc(sizeof *dev->txqs);
    error = afp_txq_create(ifindex, &dev->txqs[0]);
    if (error) {
        *errorp = xasprintf("could not open network device %s (AF_PACKET "
                            "socket: %s)", name, strerror(error));
        free(dev->txqs);
        free(dev);
        return error;
    }
    *netdevp = &dev->up;
    return 0;
}

static void
netdev_afpacket_close(struct netdev *netdev)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);

    afp_discard(NULL, dev->txqs, dev->n_txq, dev);
}

/* The interface the sockets are bound to (a device that was deleted and
 * created again under the same name is another interface: the caller
 * notices the difference and re-opens). */
static int
netdev_afpacket_get_ifindex(const struct netdev *netdev, int *ifindex)
{
    *ifindex = netdev_afpacket_cast(netdev)->ifindex;
    return 0;
}

static int
netdev_afpacket_get_etheraddr(const struct netdev *netdev, uint8_t mac[6])
{
    return netdev_linux_get_etheraddr(netdev->name, mac);
}

static int
netdev_afpacket_get_mtu(const struct netdev *netdev, int *mtu)
{
    return netdev_linux_get_mtu(netdev->name, mtu);
}

static int
netdev_afpacket_set_mtu(struct netdev *netdev, int mtu)
{
    return netdev_linux_set_mtu(netdev->name, mtu);
}

static int
netdev_afpacket_get_state(const struct netdev *netdev, bool *admin_up,
                          bool *link_up)
{
    return netdev_linux_get_state(netdev->name, admin_up, link_up);
}

static int
netdev_afpacket_get_stats(const struct netdev *netdev,
                          struct netdev_stats *s)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);

    if (dev->rxq) {
        struct tpacket_stats_v3 ks;
        socklen_t len = sizeof ks;

        /* Reading the kernel's counters resets them, so accumulate. */
        memset(&ks, 0, sizeof ks);
        if (!getsockopt(dev->rxq->fd, SOL_PACKET, PACKET_STATISTICS, &ks,
                        &len)) {
            dev->kernel_drops += ks.tp_drops;
        }
    }
    s->rx_packets = afp_read(&dev->rx_c.packets);
    s->rx_bytes = afp_read(&dev->rx_c.bytes);
    s->rx_dropped = afp_read(&dev->rx_c.dropped) + dev->kernel_drops;
    s->rx_errors = afp_read(&dev->rx_c.errors);
    for (int i = 0; i < dev->n_txq; i++) {
        const struct afp_counters *c = &dev->txqs[i]->c;

        s->tx_packets += afp_read(&c->packets);
        s->tx_bytes += afp_read(&c->bytes);
        s->tx_dropped += afp_read(&c->dropped);
        s->tx_errors += afp_read(&c->errors);
    }
    return 0;
}

static bool
netdev_afpacket_accepts_offloads(const struct netdev *netdev)
{
    (void) netdev;
    return true;
}

static int
netdev_afpacket_set_n_txq(struct netdev *netdev, int n)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);

    if (n > dev->n_txq) {
        struct afp_txq **txqs = xmalloc(n * sizeof *txqs);

        for (int i = dev->n_txq; i < n; i++) {
            int error = afp_txq_create(dev->ifindex, &txqs[i]);

            if (error) {
                int n_new = i - dev->n_txq;

                VLOG_WARN("%s: could not open %d transmit queues (%s)",
                          netdev->name, n, strerror(error));
                afp_discard(NULL, xmemdup(txqs + dev->n_txq,
                                          (n_new + 1) * sizeof *txqs),
                            n_new, NULL);
                free(txqs);
                return error;
            }
        }
        memcpy(txqs, dev->txqs, dev->n_txq * sizeof *txqs);
        free(dev->txqs);
        dev->txqs = txqs;
    } else if (n < dev->n_txq) {
        struct afp_txq **extra = xmalloc((dev->n_txq - n) * sizeof *extra);

        /* Keep the totals: fold the counters into queue 0. */
        for (int i = n; i < dev->n_txq; i++) {
            struct afp_counters *c = &dev->txqs[i]->c;

            dev->txqs[0]->c.packets += c->packets;
            dev->txqs[0]->c.bytes += c->bytes;
            dev->txqs[0]->c.dropped += c->dropped;
            dev->txqs[0]->c.errors += c->errors;
            extra[i - n] = dev->txqs[i];
        }
        afp_discard(NULL, extra, dev->n_txq - n, NULL);
    }
    dev->n_txq = n;
    return 0;
}

/* Receive queue. */

/* A NIC filters frames by destination address unless it is promiscuous;
 * veths and TAPs pass everything anyway, and setting promiscuous mode
 * costs a millisecond per port (it notifies and logs), so skip them. */
static bool
afp_needs_promisc(const char *name)
{
    char driver[32];

    return (netdev_linux_get_driver(name, driver)
            || (strcmp(driver, "veth") && strcmp(driver, "tun")));
}

static int
netdev_afpacket_rxq_open(struct netdev *netdev, struct netdev_rxq **rxqp)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);
    struct netdev_rxq_afpacket *rxq;
    struct packet_mreq mreq;
    struct afp_rx *rx;
    const char *step;
    int error;

    if (dev->rxq) {
        return EBUSY;
    }
    rx = afp_rx_get();
    error = rx->error;
    step = rx->step;
    if (!error) {
        step = "bind";
        error = afp_bind(rx->fd, dev->ifindex, ETH_P_ALL);
    }
    if (!error && afp_needs_promisc(netdev->name)) {
        step = "PACKET_ADD_MEMBERSHIP";
        memset(&mreq, 0, sizeof mreq);
        mreq.mr_ifindex = dev->ifindex;
        mreq.mr_type = PACKET_MR_PROMISC;
        if (setsockopt(rx->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq,
                       sizeof mreq) < 0) {
            error = errno;
        }
    }
    if (error) {
        VLOG_WARN("%s: could not open AF_PACKET receive ring (%s: %s)",
                  netdev->name, step, strerror(error));
        afp_discard(rx, NULL, 0, NULL);
        return error;
    }

    rxq = xzalloc(sizeof *rxq);
    rxq->rx = rx;
    rxq->fd = rx->fd;
    rxq->version = rx->version;
    rxq->ring = rx->ring;
    rxq->n_frames = rx->n_frames;
    rxq->n_blocks = rx->n_blocks;
    if (rxq->version == TPACKET_V2) {
        rxq->big = xmalloc((size_t) AFP_N_BIG * AFP_BIG_STRIDE);
    }
    dev->rxq = rxq;
    *rxqp = &rxq->up;
    return 0;
}

static void
netdev_afpacket_rxq_close(struct netdev_rxq *rxq_)
{
    struct netdev_rxq_afpacket *rxq = netdev_rxq_afpacket_cast(rxq_);
    struct netdev_afpacket *dev = netdev_afpacket_cast(rxq_->netdev);

    if (dev->rxq == rxq) {
        dev->rxq = NULL;
    }
    free(rxq->big);
    afp_discard(rxq->rx, NULL, 0, rxq);
}

static int
netdev_afpacket_rxq_fd(const struct netdev_rxq *rxq)
{
    return netdev_rxq_afpacket_cast(rxq)->fd;
}

/* Puts a tag that the kernel took out of frame 'p' back in, in front of
 * the frame (the caller guarantees 4 writable bytes there). */
static void
afp_reinsert_tag(struct dp_packet *p, uint16_t tpid, uint16_t tci)
{
    uint8_t *d;

    p->data_ofs -= VLAN_HEADER_LEN;
    p->size += VLAN_HEADER_LEN;
    d = dp_packet_data(p);
    memmove(d, d + VLAN_HEADER_LEN, 2 * ETH_ADDR_LEN);
    d[12] = tpid >> 8;
    d[13] = tpid;
    d[14] = tci >> 8;
    d[15] = tci;
    if (p->ol.flags & DP_OL_NEEDS_CSUM) {
        p->ol.csum_start += VLAN_HEADER_LEN;
    }
    if (p->ol.hdr_len) {
        p->ol.hdr_len += VLAN_HEADER_LEN;
    }
}

/* Reads the next queued copy of a frame too big for its slot into a big
 * buffer and points 'p' at it.  Returns 0 or an errno value. */
static int
afp_recv_copy(struct netdev_rxq_afpacket *rxq, struct dp_packet *p)
{
    uint8_t *buf = rxq->big + (size_t) rxq->n_big * AFP_BIG_STRIDE;
    uint8_t *vnet = buf + DP_PACKET_HEADROOM - NETDEV_VNET_HDR_LEN;
    struct virtio_net_hdr vh;
    ssize_t n;

    do {
        n = recv(rxq->fd, vnet, NETDEV_VNET_HDR_LEN + AFP_BIG_FRAME,
                 MSG_DONTWAIT | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno;
    }
    if (n < NETDEV_VNET_HDR_LEN + ETH_HEADER_LEN
        || n > NETDEV_VNET_HDR_LEN + AFP_BIG_FRAME) {
        return EMSGSIZE;
    }
    memcpy(&vh, vnet, sizeof vh);
    rxq->n_big++;
    dp_packet_set_data(p, buf, AFP_BIG_STRIDE, DP_PACKET_HEADROOM,
                       n - NETDEV_VNET_HDR_LEN);
    dp_packet_reset_meta(p, 0);
    netdev_linux_vnet_to_ol(&vh, &p->ol);
    return 0;
}

/* Fills 'p' from a ring frame at 'frame' (its header) whose data starts at
 * offset 'mac' and is 'snaplen' bytes of 'len'. */
static void
afp_ring_packet(uint8_t *frame, unsigned int mac, uint32_t snaplen,
                uint32_t allocated, struct dp_packet *p)
{
    struct virtio_net_hdr vh;

    memcpy(&vh, frame + mac - NETDEV_VNET_HDR_LEN, sizeof vh);
    dp_packet_set_data(p, frame, allocated, mac, snaplen);
    dp_packet_reset_meta(p, 0);
    netdev_linux_vnet_to_ol(&vh, &p->ol);
}

static uint16_t
afp_tag_tpid(uint32_t status, uint16_t tpid)
{
    return status & TP_STATUS_VLAN_TPID_VALID && tpid ? tpid : ETH_TYPE_VLAN;
}

static int
afp_recv_v2(struct netdev_rxq_afpacket *rxq, struct netdev_afpacket *dev,
            struct dp_packet_batch *batch)
{
    unsigned int room = DP_BATCH_SIZE - batch->count;
    uint64_t n_bytes = 0, n_dropped = 0, n_errors = 0;
    unsigned int n = 0;

    /* Give back the last batch's slots. */
    for (unsigned int i = rxq->n_held; i > 0; i--) {
        unsigned int slot = (rxq->head + rxq->n_frames - i) % rxq->n_frames;
        struct tpacket2_hdr *h = (void *) (rxq->ring
                                           + (size_t) slot
                                             * AFP_RX_FRAME_SIZE);

        __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    }
    rxq->n_held = 0;
    rxq->n_big = 0;

    while (n < room) {
        uint8_t *frame = rxq->ring + (size_t) rxq->head * AFP_RX_FRAME_SIZE;
        struct tpacket2_hdr *h = (void *) frame;
        struct dp_packet *p = &rxq->packets[n];
        uint32_t status;

        status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (!(status & TP_STATUS_USER)) {
            break;
        }
        if (status & TP_STATUS_COPY) {
            int error;

            if (rxq->n_big >= AFP_N_BIG) {
                /* Out of big buffers: this slot starts the next batch. */
                break;
            }
            error = afp_recv_copy(rxq, p);
            if (error) {
                n_errors++;
                goto next;
            }
        } else if (h->tp_snaplen < h->tp_len) {
            /* Too big for the slot and the kernel could not queue a copy
             * (socket buffer full). */
            n_dropped++;
            goto next;
        } else {
            afp_ring_packet(frame, h->tp_mac, h->tp_snaplen,
                            AFP_RX_FRAME_SIZE, p);
        }
        if (status & TP_STATUS_VLAN_VALID) {
            afp_reinsert_tag(p, afp_tag_tpid(status, h->tp_vlan_tpid),
                             h->tp_vlan_tci);
        }
        if (p->size < ETH_HEADER_LEN) {
            n_errors++;
            goto next;
        }
        batch->packets[batch->count++] = p;
        n_bytes += p->size;
        n++;
    next:
        rxq->head = rxq->head + 1 == rxq->n_frames ? 0 : rxq->head + 1;
        rxq->n_held++;
    }

    if (n) {
        afp_count(&dev->rx_c.packets, n);
        afp_count(&dev->rx_c.bytes, n_bytes);
    }
    if (n_dropped) {
        afp_count(&dev->rx_c.dropped, n_dropped);
    }
    if (n_errors) {
        afp_count(&dev->rx_c.errors, n_errors);
    }
    return n;
}

static struct tpacket_block_desc *
afp_block(const struct netdev_rxq_afpacket *rxq, unsigned int i)
{
    return (void *) (rxq->ring + (size_t) i * AFP_RX3_BLOCK_SIZE);
}

static int
afp_recv_v3(struct netdev_rxq_afpacket *rxq, struct netdev_afpacket *dev,
            struct dp_packet_batch *batch)
{
    unsigned int room = DP_BATCH_SIZE - batch->count;
    uint64_t n_bytes = 0, n_dropped = 0;
    unsigned int n = 0;

    /* Give back the blocks the last batch finished. */
    for (unsigned int i = 0; i < rxq->n_release; i++) {
        struct tpacket_block_desc *bd;

        bd = afp_block(rxq, (rxq->release_block + i) % rxq->n_blocks);
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
                         __ATOMIC_RELEASE);
    }
    rxq->release_block = (rxq->release_block + rxq->n_release)
                         % rxq->n_blocks;
    rxq->n_release = 0;

    while (n < room) {
        struct tpacket3_hdr *h;
        struct dp_packet *p = &rxq->packets[n];

        if (!rxq->pkts_left) {
            struct tpacket_block_desc *bd = afp_block(rxq, rxq->cur_block);
            uint32_t status;

            status = __atomic_load_n(&bd->hdr.bh1.block_status,
                                     __ATOMIC_ACQUIRE);
            if (!(status & TP_STATUS_USER)) {
                break;
            }
            rxq->pkts_left = bd->hdr.bh1.num_pkts;
            rxq->next_pkt = (uint8_t *) bd + bd->hdr.bh1.offset_to_first_pkt;
            if (!rxq->pkts_left) {
                rxq->n_release++;
                rxq->cur_block = (rxq->cur_block + 1) % rxq->n_blocks;
                continue;
            }
        }

        h = (void *) rxq->next_pkt;
        rxq->next_pkt += h->tp_next_offset;
        if (!--rxq->pkts_left) {
            rxq->n_release++;
            rxq->cur_block = (rxq->cur_block + 1) % rxq->n_blocks;
        }
        if (h->tp_snaplen < h->tp_len) {
            n_dropped++;
            continue;
        }
        afp_ring_packet((uint8_t *) h, h->tp_mac, h->tp_snaplen,
                        h->tp_mac + h->tp_snaplen, p);
        if (h->tp_status & TP_STATUS_VLAN_VALID) {
            afp_reinsert_tag(p, afp_tag_tpid(h->tp_status,
                                             h->hv1.tp_vlan_tpid),
                             h->hv1.tp_vlan_tci);
        }
        if (p->size < ETH_HEADER_LEN) {
            n_dropped++;
            continue;
        }
        batch->packets[batch->count++] = p;
        n_bytes += p->size;
        n++;
    }

    if (n) {
        afp_count(&dev->rx_c.packets, n);
        afp_count(&dev->rx_c.bytes, n_bytes);
    }
    if (n_dropped) {
        afp_count(&dev->rx_c.dropped, n_dropped);
    }
    return n;
}

/* When the interface goes down or away, the kernel sets an error on the
 * socket, and poll() then reports POLLERR until someone reads the error:
 * a thread waiting on netdev_rxq_fd() would spin.  Reading it costs a
 * system call, so do it only after a few empty receives in a row. */
static void
afp_clear_error(struct netdev_rxq_afpacket *rxq, int n)
{
    if (n) {
        rxq->n_empty = 0;
    } else if (++rxq->n_empty >= 8) {
        int error;
        socklen_t len = sizeof error;

        rxq->n_empty = 0;
        getsockopt(rxq->fd, SOL_SOCKET, SO_ERROR, &error, &len);
    }
}

static int
netdev_afpacket_rxq_recv(struct netdev_rxq *rxq_,
                         struct dp_packet_batch *batch)
{
    struct netdev_rxq_afpacket *rxq = netdev_rxq_afpacket_cast(rxq_);
    struct netdev_afpacket *dev = netdev_afpacket_cast(rxq_->netdev);
    int n;

    n = (rxq->version == TPACKET_V3
         ? afp_recv_v3(rxq, dev, batch)
         : afp_recv_v2(rxq, dev, batch));
    afp_clear_error(rxq, n);
    return n;
}

/* Transmit. */

static struct tpacket2_hdr *
afp_tx_slot(const struct afp_txq *txq, unsigned int i)
{
    return (void *) (txq->ring + (size_t) i * AFP_TX_FRAME_SIZE);
}

/* Sets the header length of a non-GSO frame of 'len' bytes to the whole
 * frame: the kernel then copies it into the socket buffer's linear part
 * instead of attaching pages (ring pages, which it would have to copy
 * again, into a newly allocated page, as soon as the frame enters another
 * namespace or a TAP). */
static void
afp_linear_hint(struct virtio_net_hdr *vh, uint32_t len)
{
    if (!vh->gso_type) {
        vh->hdr_len = len;
    }
}

/* Asks the kernel to send the 'n_pending' slots before 'txq->head'.
 * Returns how many of them failed for good (their slots are reclaimed). */
static unsigned int
afp_tx_flush(struct afp_txq *txq, unsigned int n_pending)
{
    unsigned int n_failed = 0;

    if (!n_pending) {
        return 0;
    }
    if (send(txq->fd, NULL, 0, MSG_DONTWAIT) >= 0
        || errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
        /* Anything not sent yet stays queued for the next flush. */
        return 0;
    }
    /* The device is gone or down: the kernel looked at none of the
     * slots, so take them back rather than send them much later. */
    for (unsigned int i = 1; i <= n_pending; i++) {
        unsigned int slot = (txq->head + AFP_TX_FRAMES - i) % AFP_TX_FRAMES;
        struct tpacket2_hdr *h = afp_tx_slot(txq, slot);

        if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE)
            == TP_STATUS_SEND_REQUEST) {
            __atomic_store_n(&h->tp_status, TP_STATUS_AVAILABLE,
                             __ATOMIC_RELAXED);
            n_failed++;
        }
    }
    return n_failed;
}

/* Sends one frame too big for a slot on the ring-less socket.  Returns 0
 * or an errno value. */
static int
afp_tx_big(struct afp_txq *txq, const struct dp_packet *p, uint16_t tpid,
           uint16_t tci)
{
    const uint8_t *data = dp_packet_data(p);
    struct virtio_net_hdr vh;
    uint8_t tag[VLAN_HEADER_LEN];
    struct iovec iov[4];
    struct msghdr msg;

    netdev_linux_ol_to_vnet(&p->ol, tpid != 0, &vh);
    afp_linear_hint(&vh, p->size + (tpid ? VLAN_HEADER_LEN : 0));
    iov[0].iov_base = &vh;
    iov[0].iov_len = sizeof vh;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    if (tpid) {
        tag[0] = tpid >> 8;
        tag[1] = tpid;
        tag[2] = tci >> 8;
        tag[3] = tci;
        iov[1].iov_base = (void *) data;
        iov[1].iov_len = 2 * ETH_ADDR_LEN;
        iov[2].iov_base = tag;
        iov[2].iov_len = sizeof tag;
        iov[3].iov_base = (void *) (data + 2 * ETH_ADDR_LEN);
        iov[3].iov_len = p->size - 2 * ETH_ADDR_LEN;
        msg.msg_iovlen = 4;
    } else {
        iov[1].iov_base = (void *) data;
        iov[1].iov_len = p->size;
        msg.msg_iovlen = 2;
    }
    for (;;) {
        if (sendmsg(txq->big_fd, &msg, MSG_DONTWAIT) >= 0) {
            return 0;
        }
        if (errno != EINTR) {
            return errno;
        }
    }
}

static int
netdev_afpacket_send(struct netdev *netdev, int qid,
                     struct netdev_tx_batch *batch)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);
    struct afp_txq *txq = dev->txqs[(unsigned int) qid % dev->n_txq];
    bool ready = __atomic_load_n(&txq->ready, __ATOMIC_ACQUIRE);
    uint64_t n_bytes = 0, n_dropped = 0, n_errors = 0;
    unsigned int n_pending = 0, n_failed;
    int n_sent = 0;

    for (unsigned int i = 0; i < batch->count; i++) {
        const struct dp_packet *p = batch->packets[i];
        uint16_t tpid = batch->tpid[i];
        uint32_t len = p->size + (tpid ? VLAN_HEADER_LEN : 0);
        struct tpacket2_hdr *h;
        struct virtio_net_hdr vh;
        uint8_t *data;

        if (p->size < 2 * ETH_ADDR_LEN) {
            n_errors++;
            continue;
        }
        if (!ready || NETDEV_VNET_HDR_LEN + len > AFP_TX_MAX_DATA) {
            int error;

            n_failed = afp_tx_flush(txq, n_pending);
            n_errors += n_failed;
            n_sent -= n_failed;
            n_pending = 0;

            error = afp_tx_big(txq, p, tpid, batch->tci[i]);
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

        h = afp_tx_slot(txq, txq->head);
        if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE)
            != TP_STATUS_AVAILABLE) {
            /* Ring full: the kernel has not sent the slot yet. */
            n_dropped++;
            continue;
        }
        data = (uint8_t *) h + AFP_TX_DATA_OFS;
        netdev_linux_ol_to_vnet(&p->ol, tpid != 0, &vh);
        afp_linear_hint(&vh, len);
        memcpy(data, &vh, sizeof vh);
        dp_packet_copy_tagged(p, tpid, batch->tci[i],
                              data + NETDEV_VNET_HDR_LEN);
        h->tp_len = NETDEV_VNET_HDR_LEN + len;
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
                         __ATOMIC_RELEASE);
        txq->head = txq->head + 1 == AFP_TX_FRAMES ? 0 : txq->head + 1;
        n_pending++;
        n_bytes += len;
        n_sent++;
    }
    n_failed = afp_tx_flush(txq, n_pending);
    n_errors += n_failed;
    n_sent -= n_failed;

    if (n_sent > 0) {
        afp_count(&txq->c.packets, n_sent);
        afp_count(&txq->c.bytes, n_bytes);
    }
    if (n_dropped) {
        afp_count(&txq->c.dropped, n_dropped);
    }
    if (n_errors) {
        afp_count(&txq->c.errors, n_errors);
    }
    return n_sent > 0 ? n_sent : 0;
}

const struct netdev_class netdev_system_class = {
    .type = "system",
    .open = netdev_afpacket_open,
    .close = netdev_afpacket_close,
    .get_ifindex = netdev_afpacket_get_ifindex,
    .get_etheraddr = netdev_afpacket_get_etheraddr,
    .get_mtu = netdev_afpacket_get_mtu,
    .set_mtu = netdev_afpacket_set_mtu,
    .get_state = netdev_afpacket_get_state,
    .get_stats = netdev_afpacket_get_stats,
    .accepts_offloads = netdev_afpacket_accepts_offloads,
    .set_n_txq = netdev_afpacket_set_n_txq,
    .rxq_open = netdev_afpacket_rxq_open,
    .rxq_close = netdev_afpacket_rxq_close,
    .rxq_recv = netdev_afpacket_rxq_recv,
    .rxq_fd = netdev_afpacket_rxq_fd,
    .send = netdev_afpacket_send,
};
