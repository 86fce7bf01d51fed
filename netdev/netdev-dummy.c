/*
 * netdev-dummy.c -- the "dummy" provider: in-memory ports for tests (see
 * netdev-dummy.h).
 */
#include <config.h>
#include "netdev-dummy.h"

#include <errno.h>
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

/* A queued frame, stored DP_PACKET_HEADROOM bytes into 'buf'. */
struct dummy_frame {
    struct dummy_frame *next;
    uint32_t len;
    uint8_t buf[];
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
};

struct netdev_dummy {
    struct netdev up;
    struct netdev_dummy *next;      /* In 'dummy_list'. */
    uint8_t mac[ETH_ADDR_LEN];

    pthread_mutex_t mutex;
    struct dummy_rxq_state rxqs[DUMMY_MAX_RXQ];
    int n_rxq;                      /* options:n_rxq. */
    int tx_capacity;                /* options:tx-capacity. */
    struct dummy_fifo sent;         /* Sent, not yet taken. */
    bool link_up;
    int mtu;
    struct netdev_stats stats;
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
    struct dummy_frame *f = xmalloc(sizeof *f + DP_PACKET_HEADROOM + len
                                    + VLAN_HEADER_LEN);
    f->next = NULL;
    f->len = len;
    return f;
}

static uint8_t *
dummy_frame_data(struct dummy_frame *f)
{
    return f->buf + DP_PACKET_HEADROOM;
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
        free(f);
    }
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
    "n_rxq", "tx-capacity", NULL,
};
static const char *const dummy_option_helps[] = {
    "receive queues, 1..16 (default 1); injected frames are spread over "
    "them by a hash of their MAC addresses",
    "frames each send call accepts, 0..32 (default 32); the rest are "
    "dropped and counted, like a full device queue",
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
    int error;

    error = netdev_option_int(netdev, options, "n_rxq", 1, DUMMY_MAX_RXQ, 1,
                              &n_rxq, errorp);
    if (!error) {
        error = netdev_option_int(netdev, options, "tx-capacity", 0,
                                  DP_BATCH_SIZE, DP_BATCH_SIZE,
                                  &tx_capacity, errorp);
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
    struct netdev_rxq_dummy *rxq = xzalloc(sizeof *rxq);

    (void) netdev;
    rxq->queue = queue;
    *rxqp = &rxq->up;
    return 0;
}

static void
netdev_dummy_rxq_close(struct netdev_rxq *rxq)
{
    free(netdev_rxq_dummy_cast(rxq));
}

/* Copies each frame queued on the queue into the caller's buffers, as a
 * device read would.  A queue beyond the current n_rxq gets nothing. */
static int
netdev_dummy_rxq_recv(struct netdev_rxq *rxq_, struct dp_packet_batch *batch)
{
    struct netdev_dummy *d = netdev_dummy_cast(rxq_->netdev);
    struct dummy_rxq_state *q = &d->rxqs[netdev_rxq_dummy_cast(rxq_)->queue];

    pthread_mutex_lock(&d->mutex);
    while (batch->count < DP_BATCH_SIZE && q->fifo.head) {
        struct dummy_frame *f = dummy_fifo_pop(&q->fifo);
        struct dp_packet *p = batch->packets[batch->count];

        if (f->len > p->allocated - DP_PACKET_HEADROOM) {
            d->stats.rx_errors++;
            free(f);
            continue;
        }
        memcpy(p->base + DP_PACKET_HEADROOM, dummy_frame_data(f), f->len);
        p->data_ofs = DP_PACKET_HEADROOM;
        p->size = f->len;
        dp_packet_reset_meta(p, 0);
        batch->count++;
        d->stats.rx_packets++;
        d->stats.rx_bytes += f->len;
        free(f);
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

/* Copies 'p' with its tag into a new frame with a finished checksum, or
 * returns NULL for a GSO frame, which a dummy cannot take. */
static struct dummy_frame *
dummy_copy_out(const struct dp_packet *p, uint16_t tpid, uint16_t tci)
{
    struct dummy_frame *f;
    struct dp_packet copy;

    if (p->ol.gso_type) {
        return NULL;
    }
    f = dummy_frame_alloc(p->size + (tpid ? VLAN_HEADER_LEN : 0));
    f->len = dp_packet_copy_tagged(p, tpid, tci, dummy_frame_data(f));
    if (p->ol.flags & DP_OL_NEEDS_CSUM) {
        dp_packet_set_data(&copy, f->buf, DP_PACKET_HEADROOM + f->len,
                           DP_PACKET_HEADROOM, f->len);
        copy.ol = p->ol;
        if (tpid) {
            copy.ol.csum_start += VLAN_HEADER_LEN;
        }
        dp_packet_finish_csum(&copy);
    }
    return f;
}

static int
netdev_dummy_send(struct netdev *netdev, int qid,
                  struct netdev_tx_batch *batch)
{
    struct netdev_dummy *d = netdev_dummy_cast(netdev);
    struct dummy_frame *frames[DP_BATCH_SIZE];
    unsigned int n_gso = 0;
    int n_sent = 0;

    (void) qid;
    for (unsigned int i = 0; i < batch->count; i++) {
        frames[i] = dummy_copy_out(batch->packets[i], batch->tpid[i],
                                   batch->tci[i]);
        n_gso += !frames[i];
    }

    pthread_mutex_lock(&d->mutex);
    d->stats.tx_dropped += n_gso;
    for (unsigned int i = 0; i < batch->count; i++) {
        struct dummy_frame *f = frames[i];

        if (!f) {
            continue;
        }
        if (!d->link_up || d->sent.n >= DUMMY_MAX_SENT
            || n_sent >= d->tx_capacity) {
            d->stats.tx_dropped++;
            free(f);
            continue;
        }
        d->stats.tx_packets++;
        d->stats.tx_bytes += f->len;
        dummy_fifo_push(&d->sent, f);
        n_sent++;
    }
    pthread_mutex_unlock(&d->mutex);
    return n_sent;
}

const struct netdev_class netdev_dummy_class = {
    .type = "dummy",
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
    free(f);
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
                free(frames[j]);
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
        free(f);
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

void
netdev_dummy_register_commands(void)
{
    appctl_command_register("netdev-dummy/receive",
                            "[--queue N] PORT HEXFRAME...",
                            2, INT_MAX, dummy_unixctl_receive, NULL);
    appctl_command_register("netdev-dummy/sent", "PORT", 1, 1,
                            dummy_unixctl_sent, NULL);
    appctl_command_register("netdev-dummy/set-state", "PORT up|down", 2, 2,
                            dummy_unixctl_set_state, NULL);
    VLOG_DBG("netdev-dummy commands registered");
}
