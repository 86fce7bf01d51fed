/*
 * netdev-afpacket-private.h -- what the three parts of the "system"
 * provider share: netdev-afpacket.c (devices and queues, and the choice
 * between socket and ring mode), netdev-afpacket-socket.c (plain sockets)
 * and netdev-afpacket-ring.c (TPACKET_V2 rings mapped from the kernel).
 * Nothing here is for other modules.
 */
#ifndef NETDEV_AFPACKET_PRIVATE_H
#define NETDEV_AFPACKET_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "counter.h"
#include "dp-packet.h"
#include "netdev-provider.h"
#include "netdev.h"
#include "util.h"

/* Socket buffers: room for bursts and queued large frames.  A limit, not
 * an allocation: an idle socket holds nothing. */
#define AFP_SOCK_BUF (8 * 1024 * 1024)

/* One thread's counters (single writer, relaxed atomic stores; readers
 * use counter_read(), counter.h). */
struct afp_counters {
    uint64_t packets, bytes, dropped, errors;
} __attribute__((aligned(64)));

/* Adds one burst's outcome to 'c' (touching only counters that change). */
static inline void
afp_count_burst(struct afp_counters *c, uint64_t packets, uint64_t bytes,
                uint64_t dropped, uint64_t errors)
{
    if (packets) {
        counter_add(&c->packets, packets);
        counter_add(&c->bytes, bytes);
    }
    if (dropped) {
        counter_add(&c->dropped, dropped);
    }
    if (errors) {
        counter_add(&c->errors, errors);
    }
}

/* Socket helpers (netdev-afpacket-socket.c).  Each returns 0 or an errno
 * value. */
int afp_socket(int *fdp);
int afp_setsockopt_int(int fd, int level, int name, int value);
void afp_set_buf(int fd, int force_opt, int opt, int size);
int afp_bind(int fd, int ifindex, uint16_t protocol);
int afp_fanout_join(int fd, uint16_t *idp);
int afp_fanout_join_hash(int fd, uint16_t *idp);
int afp_fanout_route(int fd, unsigned int index);
bool afp_fanout_supported(void);

/* Frame helpers (netdev-afpacket-socket.c). */
void afp_reinsert_tag(struct dp_packet *, uint16_t tpid, uint16_t tci);
uint16_t afp_tag_tpid(uint32_t status, uint16_t tpid);
struct virtio_net_hdr;
void afp_linear_hint(struct virtio_net_hdr *, uint32_t len);
int afp_recv_one(int fd, struct dp_packet *);
int afp_send_one(int fd, const struct dp_packet *);

/* Socket mode (netdev-afpacket-socket.c).  afp_sock_recv() receives what
 * fits in the batch from socket 'fd' with one recvmmsg() and sets
 * '*drained' if the socket had fewer frames than that.  afp_sock_send()
 * sends the batch with one sendmmsg() (more only if the kernel refuses
 * some frames) and returns how many went out.  Both count in 'c' and run
 * on forwarding threads, with per-thread scratch. */
int afp_sock_recv(int fd, struct dp_packet_batch *, struct afp_counters *c,
                  bool *drained);
int afp_sock_send(int fd, struct dp_packet_batch *, struct afp_counters *c);

/* Receive ring (netdev-afpacket-ring.c): a socket of its own with a
 * TPACKET_V2 ring, a member of the receive queue's fanout group that
 * gets no frames until the group's program routes them to it.
 * afp_rx_ring_create() and afp_rx_ring_destroy() may block for RCU grace
 * periods, so they run on helper threads; afp_rx_ring_recv() runs on the
 * receiving thread and sets '*drained' if it found the ring empty. */
struct afp_rx_ring {
    int fd;
    uint8_t *ring;
    size_t ring_len;
    unsigned int n_frames;
    unsigned int head;              /* Next slot to look at. */
    unsigned int n_held;            /* Slots before 'head' to give back. */
};

int afp_rx_ring_create(int ifindex, uint16_t fanout_id,
                       struct afp_rx_ring **, const char **stepp);
void afp_rx_ring_destroy(struct afp_rx_ring *);
int afp_rx_ring_recv(struct afp_rx_ring *, struct dp_packet_batch *,
                     struct afp_counters *, bool *drained);
uint64_t afp_rx_ring_kernel_drops(const struct afp_rx_ring *);

/* Transmit ring (netdev-afpacket-ring.c), one per transmit queue, on a
 * socket of its own bound with protocol 0.  Frames that do not fit a slot
 * go out on 'sock_fd', in order. */
struct afp_tx_ring {
    int fd;
    uint8_t *ring;
    size_t ring_len;
    unsigned int head;              /* Next slot to fill. */
};

int afp_tx_ring_create(int ifindex, struct afp_tx_ring **);
void afp_tx_ring_destroy(struct afp_tx_ring *);
int afp_tx_ring_send(struct afp_tx_ring *, int sock_fd,
                     struct dp_packet_batch *, struct afp_counters *);

/* Memory a ring maps, for reports. */
size_t afp_rx_ring_size(void);
size_t afp_tx_ring_size(void);

/* Devices and queues (netdev-afpacket.c; netdev-afpacket-show.c reads
 * them for its report). */

/* Frames counted towards a switch to ring mode. */
struct afp_load {
    uint64_t start_ms;              /* Window start. */
    uint32_t frames;                /* Frames since 'start_ms'. */
    uint32_t full;                  /* Those that came in full batches. */
    uint32_t next_check;            /* Read the clock at this many. */
};

/* Frames counted towards keeping ring mode. */
struct afp_idle {
    uint64_t busy_ms;               /* Last time 'keep_frames' were done. */
    uint32_t frames;                /* Frames since then. */
};

/* A request to the worker, embedded in the queue it is about. */
enum afp_job_type {
    AFP_JOB_RX_PROMOTE,             /* Build the ring, route frames to it. */
    AFP_JOB_RX_DEMOTE,              /* Route frames to the plain socket. */
    AFP_JOB_RX_FREE,                /* Free the ring in 'old_ring'. */
    AFP_JOB_TX_PROMOTE,             /* Build and publish a transmit ring. */
};

struct afp_job {
    struct afp_job *next;
    enum afp_job_type type;
    void *owner;                    /* The queue. */
};

/* What the worker reports about a queue's last request. */
enum afp_result {
    AFP_PENDING,
    AFP_DONE,
    AFP_FAILED,
};

/* A transmit queue: a plain socket, and a ring while the queue is busy. */
struct afp_txq {
    int fd;                         /* Plain socket, bound, protocol 0. */
    int ifindex;
    struct afp_tx_ring *ring;       /* Atomic; NULL: socket mode. */
    int in_send;                    /* Atomic: sending through 'ring'. */

    /* Sending thread only. */
    struct afp_load load;
    bool job_pending;               /* Atomic: the worker clears it. */
    uint64_t retry_ms;              /* Atomic: no request before this. */
    struct afp_job job;

    /* Worker only (under 'afp_mutex'). */
    uint64_t mark_packets;          /* c.packets when last busy. */
    uint64_t busy_ms;

    uint32_t priority;              /* Sending thread: SO_PRIORITY now. */
    struct afp_counters c;
};

enum afp_rx_mode {
    AFP_RX_SOCKET,                  /* Plain socket only. */
    AFP_RX_PROMOTING,               /* Worker building the ring. */
    AFP_RX_SWITCHING,               /* Ring built, draining the socket. */
    AFP_RX_RING,                    /* Ring only. */
    AFP_RX_DEMOTING,                /* Draining the ring. */
};

struct netdev_rxq_afpacket;

#define AFP_MAX_RXQ 16

struct netdev_afpacket {
    struct netdev up;
    struct netdev_afpacket *next;   /* In 'afp_devices'. */
    int ifindex;
    int n_rxq;                      /* options:n_rxq. */

    struct afp_txq **txqs;          /* NULL until set_n_txq. */
    int n_txq;
    uint64_t tx_unready;            /* Atomic: sent before set_n_txq. */

    struct netdev_rxq_afpacket *rxqs[AFP_MAX_RXQ];  /* Open queues. */
    uint16_t hash_fanout_id;        /* Group of the queues if n_rxq > 1. */
    struct afp_counters rx_closed;  /* Of queues already closed. */
    uint64_t kernel_drops;          /* PACKET_STATISTICS, main thread. */
    bool qos_on;                    /* Atomic: an HTB of ours is on the
                                     * device; sends mark frames. */
};

struct netdev_rxq_afpacket {
    struct netdev_rxq up;
    struct afp_counters c;          /* Written by the receiving thread. */
    int fd;                         /* Plain socket, fanout member 0. */
    int ifindex;
    int queue;
    bool hashed;                    /* In the device's hash group: stays
                                     * in socket mode. */
    uint16_t fanout_id;             /* 0: not in a group yet. */

    /* Receiving thread only ('mode' is read elsewhere for reports). */
    enum afp_rx_mode mode;
    struct afp_rx_ring *ring;       /* Read in SWITCHING..DEMOTING. */
    struct afp_load load;
    struct afp_idle idle;
    uint64_t retry_ms;              /* No promotion before this. */
    unsigned int n_empty;           /* Empty ring receives in a row. */

    /* Between the receiving thread and the worker. */
    struct afp_job job;             /* AFP_JOB_RX_PROMOTE or _DEMOTE. */
    struct afp_job free_job;        /* AFP_JOB_RX_FREE. */
    struct afp_rx_ring *new_ring;   /* Atomic: built, not yet taken. */
    struct afp_rx_ring *old_ring;   /* Given back, for AFP_JOB_RX_FREE. */
    enum afp_result result;         /* Atomic: of the last request. */

    /* Under 'afp_mutex', for get_stats(). */
    struct afp_rx_ring *stats_ring;
    uint64_t ring_drops;            /* Of rings already freed. */
};

/* Every open device, newest first.  Main thread only. */
extern struct netdev_afpacket *afp_devices;

static inline struct netdev_afpacket *
netdev_afpacket_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_afpacket, up);
}

static inline struct netdev_rxq_afpacket *
netdev_rxq_afpacket_cast(const struct netdev_rxq *rxq)
{
    return CONTAINER_OF(rxq, struct netdev_rxq_afpacket, up);
}

static inline enum afp_rx_mode
afp_rx_mode(const struct netdev_rxq_afpacket *rxq)
{
    return __atomic_load_n(&rxq->mode, __ATOMIC_RELAXED);
}

/* Egress QoS (netdev-afpacket-qos.c): the provider's set_qos and
 * get_queue_stats, and the send path of a device whose frames must be
 * marked with their queue (or have their mark taken off again). */
int afp_set_qos(struct netdev *, const struct netdev_qos_config *,
                char **errorp);
int afp_get_queue_stats(const struct netdev *, struct netdev_queue_stats *,
                        size_t max);
int afp_send_marked(struct netdev_afpacket *, struct afp_txq *,
                    struct dp_packet_batch *);

static inline bool
afp_needs_marking(const struct netdev_afpacket *dev,
                  const struct afp_txq *txq)
{
    return __atomic_load_n(&dev->qos_on, __ATOMIC_RELAXED) || txq->priority;
}

#endif /* netdev-afpacket-private.h */
