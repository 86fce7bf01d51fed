/*
 * netdev-dummy.c -- the "dummy" provider: in-memory ports for tests (see
 * netdev-dummy.h).
 */
#include <config.h>
#include "netdev-dummy.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "appctl.h"
#include "hmap.h"
#include "netdev-provider.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_dummy);

/* Limits that keep a test that never reads from eating memory. */
#define DUMMY_MAX_RX_QUEUE 4096
#define DUMMY_MAX_SENT 100000
#define DUMMY_MAX_FRAME 65535
#define DUMMY_MAX_RXQ 16

/* A queued frame: 'len' bytes at 'data'.  Either a heap block holding
 * the frame DP_PACKET_HEADROOM bytes after the structure ('pkt' NULL), or
 * part of a buffer the device adopted on transmit ('pkt' is that packet,
 * released when the frame is taken). */
struct dummy_frame {
    struct dummy_frame *next;
    struct dp_packet *pkt;
    uint8_t *data;
    uint32_t len;
};

struct dummy_fifo {
    struct dummy_frame *head;
    struct dummy_frame *tail;
    size_t n;
};

/* One receive queue's frames: injected, not yet received.  'evfd' polls
 * readable while 'fifo' is nonempty; it is created with the queue's first
 * use, so that a port with one queue holds one descriptor. */
struct dummy_rxq_state {
    struct dummy_fifo fifo;
    int evfd;                       /* -1 until needed. */
    bool open;                      /* A netdev_rxq has it (main thread). */
};

struct netdev_dummy {
    struct netdev up;
    struct netdev_dummy *next;      /* In 'dummy_list'. */
    uint8_t mac[ETH_ADDR_LEN];
    bool pool;                      /* options:pool; atomic. */

    pthread_mutex_t mutex;
    struct dummy_rxq_state rxqs[DUMMY_MAX_RXQ];
    int n_rxq;                      /* options:n_rxq. */
    int tx_capacity;                /* options:tx-capacity. */
    struct dummy_fifo sent;         /* Sent, not yet taken. */
    bool link_up;
    int mtu;
    struct netdev_stats stats;
    uint64_t rx_pooled;             /* Received into pool buffers. */
    uint64_t tx_adopted;            /* Sent without a copy. */
    uint64_t tx_copied;             /* Copied once into a pool buffer. */
};

struct netdev_rxq_dummy {
    struct netdev_rxq up;
    int queue;
};

/* Every open dummy netdev, newest first.  Main thread only. */
static struct netdev_dummy *dummy_list;

static struct netdev_dummy *
netdev_dummy_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_dummy, up);
}

static struct netdev_rxq_dummy *
netdev_rxq_dummy_cast(const struct netdev_rxq *rxq)
{
    return CONTAINER_OF(rxq, struct netdev_rxq_dummy, up);
}

static struct netdev_dummy *
dummy_find(const char *name)
{
    for (struct netdev_dummy *d = dummy_list; d; d = d->next) {
        if (d->up.name && !strcmp(d->up.name, name)) {
            return d;
        }
    }
    return NULL;
}

/* FIFO helpers. */

static struct dummy_frame *
dummy_frame_alloc(uint32_t len)
{
    struct dummy_frame *f = xmalloc(sizeof *f + DP_PACKET_HEADROOM + len);

    f->next = NULL;
    f->pkt = NULL;
    f->data = (uint8_t *) (f + 1) + DP_PACKET_HEADROOM;
    f->len = len;
    return f;
}

static uint8_t *
dummy_frame_data(struct dummy_frame *f)
{
    return f->data;
}

static void
dummy_frame_free(struct dummy_frame *f)
{
    if (f->pkt) {
        dp_packet_release(f->pkt);
    } else {
        free(f);
    }
}

static void
dummy_fifo_push(struct dummy_fifo *q, struct dummy_frame *f)
{
    f->next = NULL;
    if (q->tail) {
        q->tail->next = f;
    } else {
        q->head = f;
    }
    q->tail = f;
    q->n++;
}

static struct dummy_frame *
dummy_fifo_pop(struct dummy_fifo *q)
{
    struct dummy_frame *f = q->head;

    if (f) {
        q->head = f->next;
        if (!q->head) {
            q->tail = NULL;
        }
        q->n--;
    }
    return f;
}

static void
dummy_fifo_clear(struct dummy_fifo *q)
{
    struct dummy_frame *f;

    while ((f = dummy_fifo_pop(q)) != NULL) {
        dummy_frame_free(f);
    }
}

/* The buffer pool (options:pool=true).
 *
 * One pool for every dummy port, as a DPDK mempool serves every port of
 * a NUMA node: buffers of DUMMY_POOL_ROOM bytes behind
 * DP_PACKET_HEADROOM, allocated on demand up to DUMMY_POOL_MAX and then
 * recycled, never freed.  A pooled port receives into them (the packets
 * carry the pool as their source) and adopts them on transmit, so a frame
 * between two pooled ports is never copied: the buffer itself moves to
 * the output port's sent list and back to the pool when a test takes it.
 * A frame too big for a pool buffer travels in a heap buffer of its own
 * ("heap" source, freed on release) instead.  A mutex guards the free
 * list: buffers come back from forwarding threads and from the main
 * thread alike.  (A real provider would keep per-thread caches; a test
 * device does not need to be fast.) */

#define DUMMY_POOL_ROOM 2048
#define DUMMY_POOL_MAX 8192

struct dummy_buf {
    struct dp_packet pkt;
    struct dummy_frame frame;       /* In a sent list, once adopted. */
    struct dummy_buf *next_free;
    bool tx_copy;                   /* From tx_alloc, not yet sent. */
    uint8_t mem[];
};

static void dummy_pool_release(struct dp_packet_source *,
                               struct dp_packet *);
static void dummy_heap_release(struct dp_packet_source *,
                               struct dp_packet *);

static struct {
    struct dp_packet_source source;
    pthread_mutex_t mutex;
    struct dummy_buf *free;
    size_t n_allocated;
    size_t n_free;
} dummy_pool = {
    .source = { .release = dummy_pool_release,
                .name = "netdev-dummy pool" },
    .mutex = PTHREAD_MUTEX_INITIALIZER,
};

static struct dp_packet_source dummy_heap_source = {
    .release = dummy_heap_release,
    .name = "netdev-dummy heap",
};
static size_t dummy_heap_outstanding;   /* Atomic. */

static struct dummy_buf *
dummy_buf_from_packet(struct dp_packet *p)
{
    return CONTAINER_OF(p, struct dummy_buf, pkt);
}

/* Makes 'b' an empty packet of 'source' with 'room' bytes of data room. */
static struct dp_packet *
dummy_buf_init(struct dummy_buf *b, struct dp_packet_source *source,
               uint32_t room)
{
    struct dp_packet *p = &b->pkt;

    dp_packet_set_data(p, b->mem, DP_PACKET_HEADROOM + room,
                       DP_PACKET_HEADROOM, 0);
    dp_packet_reset_meta(p, 0);
    p->source = source;
    p->refs = 0;
    b->tx_copy = false;
    return p;
}

/* A packet from the pool, or NULL if all DUMMY_POOL_MAX are in use. */
static struct dp_packet *
dummy_pool_get(void)
{
    struct dummy_buf *b;

    pthread_mutex_lock(&dummy_pool.mutex);
    b = dummy_pool.free;
    if (b) {
        dummy_pool.free = b->next_free;
        dummy_pool.n_free--;
    } else if (dummy_pool.n_allocated < DUMMY_POOL_MAX) {
        b = xmalloc(sizeof *b + DP_PACKET_HEADROOM + DUMMY_POOL_ROOM);
        dummy_pool.n_allocated++;
    }
    pthread_mutex_unlock(&dummy_pool.mutex);
    return (b
            ? dummy_buf_init(b, &dummy_pool.source, DUMMY_POOL_ROOM)
            : NULL);
}

static void
dummy_pool_release(struct dp_packet_source *source, struct dp_packet *p)
{
    struct dummy_buf *b = dummy_buf_from_packet(p);

    (void) source;
    pthread_mutex_lock(&dummy_pool.mutex);
    b->next_free = dummy_pool.free;
    dummy_pool.free = b;
    dummy_pool.n_free++;
    pthread_mutex_unlock(&dummy_pool.mutex);
}

/* A packet of its own for a frame of 'size' bytes, too big for the
 * pool. */
static struct dp_packet *
dummy_heap_get(uint32_t size)
{
    struct dummy_buf *b = xmalloc(sizeof *b + DP_PACKET_HEADROOM + size);

    __atomic_add_fetch(&dummy_heap_outstanding, 1, __ATOMIC_RELAXED);
    return dummy_buf_init(b, &dummy_heap_source, size);
}

static void
dummy_heap_release(struct dp_packet_source *source, struct dp_packet *p)
{
    (void) source;
    __atomic_sub_fetch(&dummy_heap_outstanding, 1, __ATOMIC_RELAXED);
    free(dummy_buf_from_packet(p));
}

void
netdev_dummy_pool_stats(size_t *n_allocated, size_t *n_outstanding)
{
    pthread_mutex_lock(&dummy_pool.mutex);
    *n_allocated = dummy_pool.n_allocated;
    *n_outstanding = dummy_pool.n_allocated - dummy_pool.n_free;
    pthread_mutex_unlock(&dummy_pool.mutex);
    *n_outstanding += __atomic_load_n(&dummy_heap_outstanding,
                                      __ATOMIC_RELAXED);
}

/* Provider. */

static int
netdev_dummy_open(const char *name, struct netdev **netdevp, char **errorp)
{
    struct netdev_dummy *d = xzalloc(sizeof *d);
    uint32_t hash = hash_string(name, 0);

    for (int i = 0; i < DUMMY_MAX_RXQ; i++) {
        d->rxqs[i].evfd = -1;
    }
    d->rxqs[0].evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (d->rxqs[0].evfd < 0) {
        int error = errno;
        *errorp = xasprintf("could not open network device %s (eventfd: "
                            "%s)", name, strerror(error));
        free(d);
        return error;
    }
    pthread_mutex_init(&d->mutex, NULL);
    d->n_rxq = 1;
    d->tx_capacity = DP_BATCH_SIZE;
    d->mac[0] = 0xaa;
    d->mac[1] = 0x55;
    d->mac[2] = 0xaa;
    d->mac[3] = 0x55;
    d->mac[4] = hash >> 8;
    d->mac[5] = hash;
    d->link_up = true;
    d->mtu = 1500;
    d->next = dummy_list;
    dummy_list = d;
    *netdevp = &d->up;
    return 0;
}

static void
netdev_dummy_close(struct netdev *netdev)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);

    for (struct netdev_dummy **p = &dummy_list; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    for (int i = 0; i < DUMMY_MAX_RXQ; i++) {
        dummy_fifo_clear(&d->rxqs[i].fifo);
        if (d->rxqs[i].evfd >= 0) {
            close(d->rxqs[i].evfd);
        }
    }
    dummy_fifo_clear(&d->sent);
    pthread_mutex_destroy(&d->mutex);
    free(d);
}

static int
netdev_dummy_get_etheraddr(const struct netdev *netdev, uint8_t mac[6])
{
    memcpy(mac, netdev_dummy_cast(netdev)->mac, ETH_ADDR_LEN);
    return 0;
}

static int
netdev_dummy_get_mtu(const struct netdev *netdev, int *mtu)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);

    pthread_mutex_lock(&d->mutex);
    *mtu = d->mtu;
    pthread_mutex_unlock(&d->mutex);
    return 0;
}

static int
netdev_dummy_set_mtu(struct netdev *netdev, int mtu)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);

    if (mtu < 68 || mtu > DUMMY_MAX_FRAME - ETH_HEADER_LEN) {
        return EINVAL;
    }
    pthread_mutex_lock(&d->mutex);
    d->mtu = mtu;
    pthread_mutex_unlock(&d->mutex);
    return 0;
}

static int
netdev_dummy_get_state(const struct netdev *netdev, bool *admin_up,
                       bool *link_up)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);

    pthread_mutex_lock(&d->mutex);
    *admin_up = true;
    *link_up = d->link_up;
    pthread_mutex_unlock(&d->mutex);
    return 0;
}

static int
netdev_dummy_get_stats(const struct netdev *netdev,
                       struct netdev_stats *stats)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);

    pthread_mutex_lock(&d->mutex);
    *stats = d->stats;
    pthread_mutex_unlock(&d->mutex);
    return 0;
}

/* Options. */

static const char *const dummy_option_names[] = {
    "n_rxq", "tx-capacity", "pool", NULL,
};
static const char *const dummy_option_helps[] = {
    "receive queues, 1..16 (default 1); injected frames are spread over "
    "them by a hash of their MAC addresses",
    "frames each send call accepts, 0..32 (default 32); the rest are "
    "dropped and counted, like a full device queue",
    "true or false (default false): receive into the dummy buffer pool "
    "and adopt pool buffers on transmit without a copy, as a DPDK or "
    "AF_XDP port would",
    NULL,
};

/* Makes the eventfds of queues 0..n-1 exist.  Returns 0 or an errno
 * value. */
static int
dummy_make_evfds(struct netdev_dummy *d, int n)
{
    for (int i = 0; i < n; i++) {
        if (d->rxqs[i].evfd < 0) {
            int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

            if (fd < 0) {
                return errno;
            }
            d->rxqs[i].evfd = fd;
        }
    }
    return 0;
}

static void
dummy_signal(struct dummy_rxq_state *q)
{
    uint64_t one = 1;

    if (write(q->evfd, &one, sizeof one) < 0) {
        /* Only an overflowing counter fails, and then the eventfd is
         * readable anyway. */
    }
}

static int
netdev_dummy_set_config(struct netdev *netdev, const struct smap *options,
                        char **errorp)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);
    int n_rxq, tx_capacity;
    bool pool;
    int error;

    error = netdev_option_int(netdev, options, "n_rxq", 1, DUMMY_MAX_RXQ, 1,
                              &n_rxq, errorp);
    if (!error) {
        error = netdev_option_int(netdev, options, "tx-capacity", 0,
                                  DP_BATCH_SIZE, DP_BATCH_SIZE,
                                  &tx_capacity, errorp);
    }
    if (!error) {
        error = netdev_option_bool(netdev, options, "pool", false, &pool,
                                   errorp);
    }
    if (!error) {
        error = dummy_make_evfds(d, n_rxq);
        if (error) {
            *errorp = xasprintf("%s: could not create %d receive queues "
                                "(eventfd: %s)", netdev->name, n_rxq,
                                strerror(error));
        }
    }
    if (error) {
        return error;
    }

    pthread_mutex_lock(&d->mutex);
    /* Frames waiting on queues that no longer exist move to queue 0. */
    for (int i = n_rxq; i < d->n_rxq; i++) {
        struct dummy_frame *f;

        while ((f = dummy_fifo_pop(&d->rxqs[i].fifo)) != NULL) {
            dummy_fifo_push(&d->rxqs[0].fifo, f);
            dummy_signal(&d->rxqs[0]);
        }
    }
    d->n_rxq = n_rxq;
    d->tx_capacity = tx_capacity;
    __atomic_store_n(&d->pool, pool, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&d->mutex);
    return 0;
}

static int
netdev_dummy_get_n_rxq(const struct netdev *netdev)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);
    int n;

    pthread_mutex_lock(&d->mutex);
    n = d->n_rxq;
    pthread_mutex_unlock(&d->mutex);
    return n;
}

/* Receive queues. */

static int
netdev_dummy_rxq_open(struct netdev *netdev, int queue,
                      struct netdev_rxq **rxqp)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);
    struct netdev_rxq_dummy *rxq;

    /* Like a real device (an AF_PACKET queue, a DPDK queue), a queue has
     * one reader at a time: a datapath that takes a port over must wait
     * until the previous one let go. */
    if (d->rxqs[queue].open) {
        return EBUSY;
    }
    d->rxqs[queue].open = true;
    rxq = xzalloc(sizeof *rxq);
    rxq->queue = queue;
    *rxqp = &rxq->up;
    return 0;
}

static void
netdev_dummy_rxq_close(struct netdev_rxq *rxq_)
{
    struct netdev_rxq_dummy *rxq = netdev_rxq_dummy_cast(rxq_);

    netdev_dummy_cast(rxq_->netdev)->rxqs[rxq->queue].open = false;
    free(rxq);
}

/* Delivers each frame queued on the queue, as a device would: copied
 * into a pool buffer that replaces the lent descriptor (pooled port), or
 * into the caller's buffer (otherwise, or if the frame is too big for the
 * pool or the pool is exhausted).  A queue beyond the current n_rxq gets
 * nothing. */
static int
netdev_dummy_rxq_recv(struct netdev_rxq *rxq_, struct dp_packet_batch *batch)
{
    struct netdev_dummy *d = netdev_dummy_cast(rxq_->netdev);
    struct dummy_rxq_state *q = &d->rxqs[netdev_rxq_dummy_cast(rxq_)->queue];
    bool pool = __atomic_load_n(&d->pool, __ATOMIC_RELAXED);

    pthread_mutex_lock(&d->mutex);
    while (batch->count < DP_BATCH_SIZE && q->fifo.head) {
        struct dummy_frame *f = dummy_fifo_pop(&q->fifo);
        struct dp_packet *p = NULL;

        if (pool && f->len <= DUMMY_POOL_ROOM) {
            p = dummy_pool_get();
        }
        if (p) {
            batch->packets[batch->count] = p;
            d->rx_pooled++;
        } else {
            p = batch->packets[batch->count];
            if (f->len > p->allocated - DP_PACKET_HEADROOM) {
                d->stats.rx_errors++;
                dummy_frame_free(f);
                continue;
            }
            p->data_ofs = DP_PACKET_HEADROOM;
        }
        memcpy(dp_packet_data(p), dummy_frame_data(f), f->len);
        p->size = f->len;
        dp_packet_reset_meta(p, 0);
        batch->count++;
        d->stats.rx_packets++;
        d->stats.rx_bytes += f->len;
        dummy_frame_free(f);
    }
    if (!q->fifo.head && q->evfd >= 0) {
        uint64_t value;

        /* Nothing left: make the eventfd stop polling readable.  The
         * mutex orders this against a concurrent injection's write. */
        if (read(q->evfd, &value, sizeof value) < 0) {
            /* EAGAIN: it was not readable. */
        }
    }
    pthread_mutex_unlock(&d->mutex);
    return batch->count;
}

/* The queue's eventfd.  It exists for every queue below n_rxq, which is
 * the only kind the caller may open. */
static int
netdev_dummy_rxq_fd(const struct netdev_rxq *rxq)
{
    struct netdev_dummy *d = netdev_dummy_cast(rxq->netdev);

    return d->rxqs[netdev_rxq_dummy_cast(rxq)->queue].evfd;
}

/* Transmit. */

/* Copies 'p' into a new frame with a finished checksum, or returns NULL
 * for a GSO frame, which a dummy cannot take. */
static struct dummy_frame *
dummy_copy_out(const struct dp_packet *p)
{
    struct dummy_frame *f;
    struct dp_packet copy;

    if (p->ol.gso_type) {
        return NULL;
    }
    f = dummy_frame_alloc(p->size);
    memcpy(f->data, dp_packet_data(p), p->size);
    if (p->ol.flags & DP_OL_NEEDS_CSUM) {
        dp_packet_set_data(&copy, f->data - DP_PACKET_HEADROOM,
                           DP_PACKET_HEADROOM + f->len, DP_PACKET_HEADROOM,
                           f->len);
        copy.ol = p->ol;
        dp_packet_finish_csum(&copy);
    }
    return f;
}

/* Puts what 'frames' holds (NULL entries: GSO frames, dropped) on the
 * sent list while the link is up, the list has room and the send call
 * its capacity.  Returns how many went; the rest are freed and counted. */
static int
dummy_transmit(struct netdev_dummy *d, struct dummy_frame **frames,
               unsigned int n)
{
    int n_sent = 0;

    pthread_mutex_lock(&d->mutex);
    for (unsigned int i = 0; i < n; i++) {
        struct dummy_frame *f = frames[i];

        if (f && d->link_up && d->sent.n < DUMMY_MAX_SENT
            && n_sent < d->tx_capacity) {
            d->stats.tx_packets++;
            d->stats.tx_bytes += f->len;
            if (f->pkt) {
                if (dummy_buf_from_packet(f->pkt)->tx_copy) {
                    d->tx_copied++;
                } else {
                    d->tx_adopted++;
                }
            }
            dummy_fifo_push(&d->sent, f);
            frames[i] = NULL;
            n_sent++;
        } else {
            d->stats.tx_dropped++;
        }
    }
    pthread_mutex_unlock(&d->mutex);

    /* Outside the mutex: releasing takes the pool's. */
    for (unsigned int i = 0; i < n; i++) {
        if (frames[i]) {
            dummy_frame_free(frames[i]);
        }
    }
    return n_sent;
}

/* The copying kind, for ports without options:pool. */
static int
netdev_dummy_send(struct netdev *netdev, int qid,
                  struct dp_packet_batch *batch)
{
    struct dummy_frame *frames[DP_BATCH_SIZE];

    (void) qid;
    for (unsigned int i = 0; i < batch->count; i++) {
        frames[i] = dummy_copy_out(batch->packets[i]);
    }
    return dummy_transmit(netdev_dummy_cast(netdev), frames, batch->count);
}

/* The adopting kind, for ports with options:pool=true. */
static const struct dp_packet_source *
netdev_dummy_tx_source(const struct netdev *netdev)
{
    return (__atomic_load_n(&netdev_dummy_cast(netdev)->pool,
                            __ATOMIC_RELAXED)
            ? &dummy_pool.source
            : NULL);
}

static struct dp_packet *
netdev_dummy_tx_alloc(struct netdev *netdev, int qid, uint32_t size)
{
    struct dp_packet *p;

    (void) qid;
    if (size > DUMMY_MAX_FRAME + VLAN_HEADER_LEN) {
        p = NULL;
    } else if (size <= DUMMY_POOL_ROOM) {
        p = dummy_pool_get();
    } else {
        p = dummy_heap_get(size);
    }
    if (p) {
        dummy_buf_from_packet(p)->tx_copy = true;
    } else {
        struct netdev_dummy *d = netdev_dummy_cast(netdev);

        pthread_mutex_lock(&d->mutex);
        d->stats.tx_dropped++;
        pthread_mutex_unlock(&d->mutex);
    }
    return p;
}

/* Every packet here is the device's own (a pool or heap buffer), so the
 * frame goes on the sent list as it is: the buffer is the frame. */
static int
netdev_dummy_send_adopt(struct netdev *netdev, int qid,
                        struct dp_packet_batch *batch)
{
    struct dummy_frame *frames[DP_BATCH_SIZE];

    (void) qid;
    for (unsigned int i = 0; i < batch->count; i++) {
        struct dp_packet *p = batch->packets[i];
        struct dummy_frame *f = &dummy_buf_from_packet(p)->frame;

        dp_packet_finish_csum(p);
        f->next = NULL;
        f->pkt = p;
        f->data = dp_packet_data(p);
        f->len = dp_packet_size(p);
        frames[i] = f;
        if (p->ol.gso_type) {
            /* Not for a dummy: dropped and counted, like a copy. */
            dummy_frame_free(f);
            frames[i] = NULL;
        }
    }
    return dummy_transmit(netdev_dummy_cast(netdev), frames, batch->count);
}

const struct netdev_class netdev_dummy_class = {
    .type = "dummy",
    .description = "an in-memory port for tests (netdev-dummy/receive, "
                   "netdev-dummy/sent, netdev-dummy/show)",
    .open = netdev_dummy_open,
    .close = netdev_dummy_close,
    .option_names = dummy_option_names,
    .option_helps = dummy_option_helps,
    .set_config = netdev_dummy_set_config,
    .get_n_rxq = netdev_dummy_get_n_rxq,
    .get_etheraddr = netdev_dummy_get_etheraddr,
    .get_mtu = netdev_dummy_get_mtu,
    .set_mtu = netdev_dummy_set_mtu,
    .get_state = netdev_dummy_get_state,
    .get_stats = netdev_dummy_get_stats,
    .rxq_open = netdev_dummy_rxq_open,
    .rxq_close = netdev_dummy_rxq_close,
    .rxq_recv = netdev_dummy_rxq_recv,
    .rxq_fd = netdev_dummy_rxq_fd,
    .send = netdev_dummy_send,
    .tx_source = netdev_dummy_tx_source,
    .tx_alloc = netdev_dummy_tx_alloc,
    .send_adopt = netdev_dummy_send_adopt,
};

/* Injection and inspection. */

/* The receive queue for frame 'f' among 'n_rxq': a hash of its MAC
 * addresses, so that one conversation stays on one queue. */
static int
dummy_pick_queue(struct dummy_frame *f, int n_rxq)
{
    if (n_rxq <= 1 || f->len < 2 * ETH_ADDR_LEN) {
        return 0;
    }
    return hash_bytes(dummy_frame_data(f), 2 * ETH_ADDR_LEN, 0) % n_rxq;
}

/* Queues 'f' on receive queue 'queue' of 'd', or on the one its hash
 * picks if 'queue' is negative.  Takes 'f'. */
static int
dummy_enqueue(struct netdev_dummy *d, struct dummy_frame *f, int queue)
{
    int error = 0;

    pthread_mutex_lock(&d->mutex);
    if (queue < 0) {
        queue = dummy_pick_queue(f, d->n_rxq);
    }
    if (!d->link_up) {
        d->stats.rx_dropped++;
        error = ENETDOWN;
    } else if (queue >= d->n_rxq) {
        d->stats.rx_dropped++;
        error = EINVAL;
    } else if (d->rxqs[queue].fifo.n >= DUMMY_MAX_RX_QUEUE) {
        d->stats.rx_dropped++;
        error = ENOBUFS;
    } else {
        dummy_fifo_push(&d->rxqs[queue].fifo, f);
        dummy_signal(&d->rxqs[queue]);
        f = NULL;
    }
    pthread_mutex_unlock(&d->mutex);
    if (f) {
        dummy_frame_free(f);
    }
    return error;
}

int
netdev_dummy_receive(const char *name, const void *data, size_t len)
{
    return netdev_dummy_receive_queue(name, -1, data, len);
}

int
netdev_dummy_receive_queue(const char *name, int queue, const void *data,
                           size_t len)
{
    struct netdev_dummy *d = dummy_find(name);
    struct dummy_frame *f;

    if (!d) {
        return ENODEV;
    }
    if (!len || len > DUMMY_MAX_FRAME) {
        return EINVAL;
    }
    f = dummy_frame_alloc(len);
    memcpy(dummy_frame_data(f), data, len);
    return dummy_enqueue(d, f, queue);
}

static int
hex_value(char c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Parses hex string 'hex' into a new frame.  Returns NULL and sets
 * '*errorp' on bad input. */
static struct dummy_frame *
dummy_parse_hex(const char *hex, int index, char **errorp)
{
    size_t n_digits = strlen(hex);
    struct dummy_frame *f;
    uint8_t *out;

    if (!n_digits) {
        *errorp = xasprintf("frame %d is empty", index);
        return NULL;
    }
    for (size_t i = 0; i < n_digits; i++) {
        if (hex_value(hex[i]) < 0) {
            *errorp = xasprintf("frame %d: invalid character '%c' at "
                                "position %zu (frames are written as "
                                "plain hex digits, e.g. ffffffffffff...)",
                                index, hex[i], i + 1);
            return NULL;
        }
    }
    if (n_digits % 2) {
        *errorp = xasprintf("frame %d: odd number of hex digits (%zu)",
                            index, n_digits);
        return NULL;
    }
    if (n_digits / 2 > DUMMY_MAX_FRAME) {
        *errorp = xasprintf("frame %d: longer than %d bytes", index,
                            DUMMY_MAX_FRAME);
        return NULL;
    }
    f = dummy_frame_alloc(n_digits / 2);
    out = dummy_frame_data(f);
    for (size_t i = 0; i < n_digits / 2; i++) {
        out[i] = hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]);
    }
    return f;
}

char *
netdev_dummy_receive_hex(const char *name, int n, const char *const hex[])
{
    return netdev_dummy_receive_hex_queue(name, -1, n, hex);
}

char *
netdev_dummy_receive_hex_queue(const char *name, int queue, int n,
                               const char *const hex[])
{
    struct netdev_dummy *d = dummy_find(name);
    struct dummy_frame **frames;
    char *error = NULL;
    int n_dropped = 0;

    if (!d) {
        return xasprintf("%s: no such dummy port", name);
    }
    if (queue >= 0) {
        int n_rxq = netdev_dummy_get_n_rxq(&d->up);

        if (queue >= n_rxq) {
            return xasprintf("%s: no receive queue %d (the port has %d; "
                             "options:n_rxq sets how many)", name, queue,
                             n_rxq);
        }
    }
    frames = xcalloc(n > 0 ? n : 1, sizeof *frames);
    for (int i = 0; i < n; i++) {
        frames[i] = dummy_parse_hex(hex[i], i + 1, &error);
        if (!frames[i]) {
            for (int j = 0; j < i; j++) {
                dummy_frame_free(frames[j]);
            }
            free(frames);
            return error;
        }
    }
    for (int i = 0; i < n; i++) {
        n_dropped += dummy_enqueue(d, frames[i], queue) != 0;
    }
    free(frames);
    if (n_dropped) {
        return xasprintf("%s: %d of %d frames dropped (link down or queue "
                         "full)", name, n_dropped, n);
    }
    return NULL;
}

char *
netdev_dummy_take_sent(const char *name, char **errorp)
{
    static const char digits[] = "0123456789abcdef";
    struct netdev_dummy *d = dummy_find(name);
    struct dstr out = DSTR_INITIALIZER;
    struct dummy_fifo sent;
    struct dummy_frame *f;

    *errorp = NULL;
    if (!d) {
        *errorp = xasprintf("%s: no such dummy port", name);
        return NULL;
    }
    pthread_mutex_lock(&d->mutex);
    sent = d->sent;
    memset(&d->sent, 0, sizeof d->sent);
    pthread_mutex_unlock(&d->mutex);

    while ((f = dummy_fifo_pop(&sent)) != NULL) {
        const uint8_t *data = dummy_frame_data(f);

        dstr_reserve(&out, 2 * f->len + 1);
        for (uint32_t i = 0; i < f->len; i++) {
            dstr_putc(&out, digits[data[i] >> 4]);
            dstr_putc(&out, digits[data[i] & 15]);
        }
        dstr_putc(&out, '\n');
        dummy_frame_free(f);
    }
    return dstr_steal(&out);
}

int
netdev_dummy_set_link(const char *name, bool up)
{
    struct netdev_dummy *d = dummy_find(name);

    if (!d) {
        return ENODEV;
    }
    pthread_mutex_lock(&d->mutex);
    d->link_up = up;
    pthread_mutex_unlock(&d->mutex);
    return 0;
}

/* appctl commands. */

static void
dummy_unixctl_receive(struct appctl_conn *conn, int argc, const char *argv[],
                      void *aux)
{
    const char *name = argv[1];
    int first = 2;
    int queue = -1;
    char *error;

    (void) aux;
    if (!strcmp(argv[1], "--queue")) {
        long long value;

        if (argc < 5 || !str_to_llong(argv[2], 10, &value) || value < 0
            || value >= DUMMY_MAX_RXQ) {
            appctl_reply_error(conn, "usage: netdev-dummy/receive "
                               "[--queue N] PORT HEXFRAME... (N in "
                               "0..15)");
            return;
        }
        queue = value;
        name = argv[3];
        first = 4;
    }
    error = netdev_dummy_receive_hex_queue(name, queue, argc - first,
                                           &argv[first]);
    if (error) {
        appctl_reply_error(conn, error);
        free(error);
    } else {
        appctl_reply_success(conn, NULL);
    }
}

static void
dummy_unixctl_sent(struct appctl_conn *conn, int argc, const char *argv[],
                   void *aux)
{
    char *error;
    char *text = netdev_dummy_take_sent(argv[1], &error);

    (void) argc;
    (void) aux;
    if (error) {
        appctl_reply_error(conn, error);
        free(error);
    } else {
        appctl_reply_success(conn, text);
        free(text);
    }
}

static void
dummy_unixctl_set_state(struct appctl_conn *conn, int argc,
                        const char *argv[], void *aux)
{
    bool up;

    (void) argc;
    (void) aux;
    if (!strcmp(argv[2], "up")) {
        up = true;
    } else if (!strcmp(argv[2], "down")) {
        up = false;
    } else {
        char *msg = xasprintf("%s: state must be \"up\" or \"down\"",
                              argv[2]);
        appctl_reply_error(conn, msg);
        free(msg);
        return;
    }
    if (netdev_dummy_set_link(argv[1], up)) {
        char *msg = xasprintf("%s: no such dummy port", argv[1]);
        appctl_reply_error(conn, msg);
        free(msg);
        return;
    }
    appctl_reply_success(conn, NULL);
}

char *
netdev_dummy_show(void)
{
    struct dstr out = DSTR_INITIALIZER;
    size_t n_allocated, n_outstanding;

    for (struct netdev_dummy *d = dummy_list; d; d = d->next) {
        pthread_mutex_lock(&d->mutex);
        dstr_printf(&out, "%s: n_rxq=%d tx-capacity=%d pool=%s link=%s\n"
                    "    rx: packets=%"PRIu64" pooled=%"PRIu64
                    " dropped=%"PRIu64" errors=%"PRIu64"\n"
                    "    tx: packets=%"PRIu64" adopted=%"PRIu64
                    " copied=%"PRIu64" dropped=%"PRIu64" queued=%zu\n",
                    d->up.name, d->n_rxq, d->tx_capacity,
                    __atomic_load_n(&d->pool, __ATOMIC_RELAXED)
                    ? "true" : "false",
                    d->link_up ? "up" : "down",
                    d->stats.rx_packets, d->rx_pooled, d->stats.rx_dropped,
                    d->stats.rx_errors, d->stats.tx_packets, d->tx_adopted,
                    d->tx_copied, d->stats.tx_dropped, d->sent.n);
        pthread_mutex_unlock(&d->mutex);
    }
    netdev_dummy_pool_stats(&n_allocated, &n_outstanding);
    dstr_printf(&out, "pool: buffers=%zu in-use=%zu\n", n_allocated,
                n_outstanding);
    return dstr_steal(&out);
}

static void
dummy_unixctl_show(struct appctl_conn *conn, int argc, const char *argv[],
                   void *aux)
{
    char *text = netdev_dummy_show();

    (void) argc;
    (void) argv;
    (void) aux;
    appctl_reply_success(conn, text);
    free(text);
}

void
netdev_dummy_register_commands(void)
{
    appctl_command_register("netdev-dummy/show", "", 0, 0,
                            dummy_unixctl_show, NULL);
    appctl_command_register("netdev-dummy/receive",
                            "[--queue N] PORT HEXFRAME...",
                            2, INT_MAX, dummy_unixctl_receive, NULL);
    appctl_command_register("netdev-dummy/sent", "PORT", 1, 1,
                            dummy_unixctl_sent, NULL);
    appctl_command_register("netdev-dummy/set-state", "PORT up|down", 2, 2,
                            dummy_unixctl_set_state, NULL);
    VLOG_DBG("netdev-dummy commands registered");
}
