/*
 * shaper.c -- token buckets and per-class queues of the userspace egress
 * shaper (shaper.h).
 */
#include <config.h>
#include "shaper.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dp-qos.h"
#include "timeval.h"
#include "util.h"

#define SHAPER_MAX_FRAMES 1024          /* Per class. */
#define SHAPER_MIN_QUEUE_BYTES (64 * 1024)
#define SHAPER_MAX_QUEUE_BYTES (8 * 1024 * 1024)
#define SHAPER_RATE_WINDOW_MS 500

/* A token bucket.  Tokens are kept in milli-bytes so that integer
 * refills at any rate lose nothing between calls. */
struct bucket {
    uint64_t rate;              /* Bytes/s; 0: unlimited. */
    int64_t tokens;             /* Milli-bytes; may go negative. */
    int64_t depth;              /* Milli-bytes. */
    long long last_ms;
};

static void
bucket_init(struct bucket *b, uint64_t rate_Bps, uint64_t depth_bytes,
            long long now_ms)
{
    b->rate = rate_Bps;
    b->depth = (int64_t) depth_bytes * 1000;
    b->tokens = b->depth;
    b->last_ms = now_ms;
}

static void
bucket_refill(struct bucket *b, long long now_ms)
{
    if (now_ms > b->last_ms) {
        int64_t add = (int64_t) b->rate * (now_ms - b->last_ms);

        b->tokens = (add >= b->depth - b->tokens
                     ? b->depth : b->tokens + add);
        b->last_ms = now_ms;
    }
}

static bool
bucket_ok(const struct bucket *b)
{
    return !b->rate || b->tokens > 0;
}

static void
bucket_take(struct bucket *b, uint32_t bytes)
{
    if (b->rate) {
        b->tokens -= (int64_t) bytes * 1000;
    }
}

/* Bucket depth: the configured burst, but at least 10 ms of the rate and
 * two full-sized frames (threads drain about every millisecond). */
static uint64_t
depth_for(uint64_t rate_Bps, uint64_t burst_bits)
{
    return MAX(MAX(burst_bits / 8, rate_Bps / 100), 2 * 1518);
}

struct shaper_frame {
    uint32_t ofs, len;
    struct dp_offload ol;
};

struct shaper_class {
    uint32_t id;
    uint32_t priority;
    struct bucket min, max;
    bool has_min;

    /* The queue: 'frames' is a ring of 'n' descriptors from 'first', the
     * bytes live in 'mem' ('cap' bytes), the next one written at 'tail'. */
    uint8_t *mem;
    uint32_t cap, tail;
    struct shaper_frame *frames;
    unsigned int first, n;
    uint64_t backlog_bytes;

    uint64_t packets, bytes, dropped;
    long long win_start_ms;
    uint64_t win_bytes, rate_bps;
};

struct dp_shaper {
    pthread_mutex_t mutex;
    struct dpif_qos_desc desc;  /* What it was made for (filters unused). */
    bool policer;
    struct bucket port;
    atomic_uint backlog;
    unsigned int rr;            /* Round-robin start among equals. */
    size_t n_classes;
    struct shaper_class classes[];
};

struct dp_shaper *
dp_shaper_create(const struct dpif_qos *qos)
{
    const struct dpif_qos_desc *d = dpif_qos_desc(qos);
    size_t n = d->type == DPIF_QOS_EGRESS_POLICER ? 0 : d->n_queues;
    struct dp_shaper *s = xzalloc(sizeof *s + n * sizeof *s->classes);
    long long now = time_now_msec();
    uint64_t port_rate = d->max_rate / 8;

    pthread_mutex_init(&s->mutex, NULL);
    s->desc = *d;
    s->n_classes = n;
    s->policer = d->type == DPIF_QOS_EGRESS_POLICER;
    if (s->policer) {
        bucket_init(&s->port, d->cir, MAX(d->cbs, 1), now);
        s->port.rate = MAX(d->cir, 1);
        return s;
    }
    bucket_init(&s->port, port_rate, depth_for(port_rate, 0), now);
    for (size_t i = 0; i < n; i++) {
        const struct dpif_qos_queue_desc *q = &d->queues[i];
        struct shaper_class *c = &s->classes[i];
        uint64_t ceil = q->max_rate / 8;
        uint64_t min = q->min_rate / 8;
        uint64_t qbytes;

        if (port_rate && (!ceil || ceil > port_rate)) {
            ceil = port_rate;
        }
        if (ceil && min > ceil) {
            min = ceil;
        }
        c->id = q->id;
        c->priority = q->priority;
        c->has_min = min != 0;
        bucket_init(&c->min, min, depth_for(min, q->burst), now);
        bucket_init(&c->max, ceil, depth_for(ceil, q->burst), now);
        qbytes = ceil ? ceil / 20 : SHAPER_MAX_QUEUE_BYTES;
        c->cap = MIN(MAX(qbytes, SHAPER_MIN_QUEUE_BYTES),
                     SHAPER_MAX_QUEUE_BYTES);
        c->win_start_ms = now;
    }
    return s;
}

void
dp_shaper_destroy(struct dp_shaper *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n_classes; i++) {
        free(s->classes[i].mem);
        free(s->classes[i].frames);
    }
    pthread_mutex_destroy(&s->mutex);
    free(s);
}

/* True if a shaper made for 'a' shapes as one made for 'b' would. */
static bool
same_limits(const struct dpif_qos_desc *a, const struct dpif_qos_desc *b)
{
    if (a->type != b->type || a->max_rate != b->max_rate
        || a->cir != b->cir || a->cbs != b->cbs
        || a->n_queues != b->n_queues) {
        return false;
    }
    for (size_t i = 0; i < a->n_queues; i++) {
        const struct dpif_qos_queue_desc *x = &a->queues[i];
        const struct dpif_qos_queue_desc *y = &b->queues[i];

        if (x->id != y->id || x->min_rate != y->min_rate
            || x->max_rate != y->max_rate || x->burst != y->burst
            || x->priority != y->priority) {
            return false;
        }
    }
    return true;
}

struct dp_shaper *
dp_shaper_reconcile(struct dp_shaper *old, const struct dpif_port_config *pc,
                    struct dp_shaper **retired)
{
    const struct dpif_qos *qos = pc->qos.qos;
    bool wanted = qos && !pc->qos.kernel;

    *retired = NULL;
    if (old && wanted && same_limits(&old->desc, dpif_qos_desc(qos))) {
        return old;
    }
    *retired = old;
    return wanted ? dp_shaper_create(qos) : NULL;
}

void
dp_shaper_lock(struct dp_shaper *s)
{
    pthread_mutex_lock(&s->mutex);
}

void
dp_shaper_unlock(struct dp_shaper *s)
{
    pthread_mutex_unlock(&s->mutex);
}

bool
dp_shaper_is_policer(const struct dp_shaper *s)
{
    return s->policer;
}

unsigned int
dp_shaper_backlog(const struct dp_shaper *s)
{
    return atomic_load_explicit(&s->backlog, memory_order_relaxed);
}

/* Where 'len' bytes fit in 'c''s byte ring, or UINT32_MAX. */
static uint32_t
ring_alloc(const struct shaper_class *c, uint32_t len)
{
    uint32_t head;

    if (!c->n) {
        return len <= c->cap ? 0 : UINT32_MAX;
    }
    head = c->frames[c->first].ofs;
    if (c->tail > head) {
        if (c->cap - c->tail >= len) {
            return c->tail;
        }
        return len <= head ? 0 : UINT32_MAX;
    }
    return head - c->tail >= len ? c->tail : UINT32_MAX;
}

enum dp_drop_reason
dp_shaper_enqueue(struct dp_shaper *s, unsigned int cls,
                  const struct dp_packet *p, uint16_t tpid, uint16_t tci,
                  long long now_ms)
{
    struct shaper_class *c = &s->classes[MIN(cls, s->n_classes - 1)];
    uint32_t len = dp_packet_size(p) + (tpid ? VLAN_HEADER_LEN : 0);
    struct shaper_frame *f;
    uint32_t ofs;

    if (!c->mem) {
        c->mem = xmalloc(c->cap);
        c->frames = xmalloc(SHAPER_MAX_FRAMES * sizeof *c->frames);
    }
    ofs = (c->n < SHAPER_MAX_FRAMES && dp_packet_size(p) >= 12
           ? ring_alloc(c, len) : UINT32_MAX);
    if (ofs == UINT32_MAX) {
        c->dropped++;
        return DP_DROP_QOS_QUEUE_FULL;
    }
    dp_packet_copy_tagged(p, tpid, tci, c->mem + ofs);
    f = &c->frames[(c->first + c->n) % SHAPER_MAX_FRAMES];
    f->ofs = ofs;
    f->len = len;
    f->ol = p->ol;
    if (tpid) {
        if (f->ol.flags & DP_OL_NEEDS_CSUM) {
            f->ol.csum_start += VLAN_HEADER_LEN;
        }
        if (f->ol.hdr_len) {
            f->ol.hdr_len += VLAN_HEADER_LEN;
        }
    }
    c->n++;
    c->tail = ofs + len;
    c->backlog_bytes += len;
    atomic_fetch_add_explicit(&s->backlog, 1, memory_order_relaxed);
    (void) now_ms;
    return DP_DROP_NONE;
}

/* The class whose head frame leaves next, or NULL.  '*borrowp' says
 * whether it leaves on borrowed (ceiling) rather than guaranteed rate. */
static struct shaper_class *
pick_class(struct dp_shaper *s, bool *borrowp)
{
    struct shaper_class *best = NULL;
    size_t n = s->n_classes;

    /* Guaranteed rates first, in round-robin order.  As in HTB, a class
     * under its guaranteed rate sends whatever the port's bucket says (the
     * port is charged): the guarantees are the operator's promise, and
     * they add up to no more than the port's rate when configured
     * sensibly. */
    for (size_t k = 0; k < n; k++) {
        struct shaper_class *c = &s->classes[(s->rr + k) % n];

        if (c->n && c->has_min && bucket_ok(&c->min)
            && bucket_ok(&c->max)) {
            *borrowp = false;
            s->rr = (s->rr + k + 1) % n;
            return c;
        }
    }
    if (!bucket_ok(&s->port)) {
        return NULL;
    }
    /* Then borrowing up to ceilings: lowest priority value first, and
     * among equals the class nearest to its next guaranteed frame (least
     * in debt for its min-rate), which shares what is lent in proportion
     * to the min-rates, as HTB's quanta do; classes without a min-rate
     * come last. */
    double best_wait = 0;
    for (size_t k = 0; k < n; k++) {
        struct shaper_class *c = &s->classes[(s->rr + k) % n];
        double wait;

        if (!c->n || !bucket_ok(&c->max)) {
            continue;
        }
        wait = c->has_min ? -(double) c->min.tokens / c->min.rate : 1e300;
        if (!best || c->priority < best->priority
            || (c->priority == best->priority && wait < best_wait)) {
            best = c;
            best_wait = wait;
        }
    }
    if (best) {
        *borrowp = true;
        s->rr = (best - s->classes + 1) % n;
    }
    return best;
}

static void
class_count_rate(struct shaper_class *c, uint32_t len, long long now_ms)
{
    long long elapsed = now_ms - c->win_start_ms;

    if (elapsed >= SHAPER_RATE_WINDOW_MS) {
        c->rate_bps = (elapsed < 2 * SHAPER_RATE_WINDOW_MS
                       ? c->win_bytes * 8 * 1000 / elapsed : 0);
        c->win_bytes = 0;
        c->win_start_ms = now_ms;
    }
    c->win_bytes += len;
}

unsigned int
dp_shaper_dequeue(struct dp_shaper *s, long long now_ms,
                  struct dp_packet *pk, unsigned int max)
{
    unsigned int n = 0;

    if (!dp_shaper_backlog(s)) {
        return 0;
    }
    bucket_refill(&s->port, now_ms);
    for (size_t i = 0; i < s->n_classes; i++) {
        bucket_refill(&s->classes[i].min, now_ms);
        bucket_refill(&s->classes[i].max, now_ms);
    }
    while (n < max) {
        struct shaper_class *c;
        struct shaper_frame *f;
        struct dp_packet *p;
        bool borrow;

        c = pick_class(s, &borrow);
        if (!c) {
            break;
        }
        f = &c->frames[c->first];
        bucket_take(&s->port, f->len);
        if (s->port.rate && s->port.tokens < -s->port.depth) {
            s->port.tokens = -s->port.depth;
        }
        bucket_take(&c->max, f->len);
        bucket_take(&c->min, f->len);
        if (borrow && c->min.tokens < -c->min.depth) {
            /* Borrowing is charged to the guarantee too (that is what
             * keeps shares proportional), but a class that borrowed alone
             * for long must not owe so much that it starves later. */
            c->min.tokens = -c->min.depth;
        }
        p = &pk[n++];
        memset(p, 0, sizeof *p);
        /* The frame's own address as base: 'data_ofs' is 16 bits and
         * a queue is bigger than that. */
        dp_packet_set_data(p, c->mem + f->ofs, f->len, 0, f->len);
        p->ol = f->ol;
        c->first = (c->first + 1) % SHAPER_MAX_FRAMES;
        c->n--;
        c->backlog_bytes -= f->len;
        c->packets++;
        c->bytes += f->len;
        class_count_rate(c, f->len, now_ms);
        atomic_fetch_sub_explicit(&s->backlog, 1, memory_order_relaxed);
    }
    return n;
}

bool
dp_shaper_police(struct dp_shaper *s, uint32_t size, long long now_ms)
{
    uint32_t ip_bytes = size > ETH_HEADER_LEN ? size - ETH_HEADER_LEN : 0;

    bucket_refill(&s->port, now_ms);
    if (s->port.tokens >= (int64_t) ip_bytes * 1000) {
        s->port.tokens -= (int64_t) ip_bytes * 1000;
        return true;
    }
    return false;
}

size_t
dp_shaper_stats(struct dp_shaper *s, struct dpif_queue_stats *stats,
                size_t max, long long now_ms)
{
    size_t n = 0;

    dp_shaper_lock(s);
    for (size_t i = 0; i < s->n_classes && n < max; i++) {
        struct shaper_class *c = &s->classes[i];
        struct dpif_queue_stats *st = &stats[n++];
        long long elapsed = now_ms - c->win_start_ms;

        st->id = c->id;
        st->packets = c->packets;
        st->bytes = c->bytes;
        st->dropped = c->dropped;
        st->backlog_packets = c->n;
        st->backlog_bytes = c->backlog_bytes;
        st->rate_bps = (elapsed >= 2 * SHAPER_RATE_WINDOW_MS ? 0
                        : elapsed >= SHAPER_RATE_WINDOW_MS / 2
                        ? c->win_bytes * 8 * 1000 / elapsed : c->rate_bps);
    }
    dp_shaper_unlock(s);
    return n;
}
