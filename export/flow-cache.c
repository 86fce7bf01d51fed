/*
 * flow-cache.c -- the exporter's flow cache (flow-cache.h): a hash map by
 * flow key plus a list in order of record start, whose head is the flow to
 * evict when the cache is full.
 */
#include <config.h>
#include "flow-cache.h"

#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "util.h"

struct fx_flow {
    struct hmap_node node;      /* In 'flows'. */
    struct fx_flow *prev, *next;        /* In record-start order. */
    struct fx_record rec;       /* The record being built. */
};

struct fx_cache {
    struct hmap flows;
    struct fx_flow head;        /* List sentinel. */
    size_t max_flows;
    long long active_ms, idle_ms;
    long long next_scan;
    struct fx_cache_stats stats;
};

static void
list_remove(struct fx_flow *f)
{
    f->prev->next = f->next;
    f->next->prev = f->prev;
}

static void
list_push_back(struct fx_cache *c, struct fx_flow *f)
{
    f->prev = c->head.prev;
    f->next = &c->head;
    c->head.prev->next = f;
    c->head.prev = f;
}

struct fx_cache *
fx_cache_create(size_t max_flows, long long active_ms, long long idle_ms)
{
    struct fx_cache *c = xzalloc(sizeof *c);

    hmap_init(&c->flows);
    c->head.prev = c->head.next = &c->head;
    c->max_flows = max_flows ? max_flows : 1;
    c->active_ms = active_ms;
    c->idle_ms = idle_ms;
    return c;
}

/* Makes a record of 'f' if it has packets, with 'reason'. */
static void
emit(struct fx_cache *c, struct fx_flow *f, uint8_t reason,
     fx_record_cb *cb, void *aux)
{
    if (f->rec.packets) {
        f->rec.end_reason = reason;
        cb(&f->rec, aux);
        c->stats.records++;
    }
    f->rec.packets = 0;
    f->rec.bytes = 0;
    f->rec.tcp_flags = 0;
}

static void
remove_flow(struct fx_cache *c, struct fx_flow *f)
{
    hmap_remove(&c->flows, &f->node);
    list_remove(f);
    free(f);
}

void
fx_cache_set_limits(struct fx_cache *c, size_t max_flows,
                    long long active_ms, long long idle_ms,
                    fx_record_cb *cb, void *aux)
{
    c->max_flows = max_flows ? max_flows : 1;
    c->active_ms = active_ms;
    c->idle_ms = idle_ms;
    while (hmap_count(&c->flows) > c->max_flows) {
        struct fx_flow *f = c->head.next;

        emit(c, f, FX_END_RESOURCES, cb, aux);
        c->stats.evicted++;
        remove_flow(c, f);
    }
}

void
fx_cache_flush(struct fx_cache *c, fx_record_cb *cb, void *aux)
{
    while (c->head.next != &c->head) {
        struct fx_flow *f = c->head.next;

        emit(c, f, FX_END_FORCED, cb, aux);
        remove_flow(c, f);
    }
}

void
fx_cache_destroy(struct fx_cache *c, fx_record_cb *cb, void *aux)
{
    if (c) {
        fx_cache_flush(c, cb, aux);
        hmap_destroy(&c->flows);
        free(c);
    }
}

static struct fx_flow *
find(const struct fx_cache *c, const struct flow_key *key, uint32_t hash)
{
    struct fx_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, node, hash, &c->flows) {
        if (flow_key_equal(&f->rec.key, key)) {
            return f;
        }
    }
    return NULL;
}

void
fx_cache_add(struct fx_cache *c, const struct flow_key *key,
             uint32_t out_port, uint64_t packets, uint64_t bytes,
             long long first_ms, long long last_ms, uint8_t tcp_flags,
             fx_record_cb *cb, void *aux)
{
    uint32_t hash = flow_key_hash(key, 0);
    struct fx_flow *f;

    if (!packets) {
        return;
    }
    f = find(c, key, hash);
    if (!f) {
        if (hmap_count(&c->flows) >= c->max_flows) {
            struct fx_flow *old = c->head.next;

            emit(c, old, FX_END_RESOURCES, cb, aux);
            c->stats.evicted++;
            remove_flow(c, old);
        }
        f = xzalloc(sizeof *f);
        f->rec.key = *key;
        hmap_insert(&c->flows, &f->node, hash);
        list_push_back(c, f);
        c->stats.created++;
    }
    if (!f->rec.packets) {
        f->rec.start_ms = first_ms;
        f->rec.end_ms = last_ms;
    }
    f->rec.start_ms = MIN(f->rec.start_ms, first_ms);
    f->rec.end_ms = MAX(f->rec.end_ms, last_ms);
    f->rec.packets += packets;
    f->rec.bytes += bytes;
    f->rec.tcp_flags |= tcp_flags;
    if (out_port) {
        f->rec.out_port = out_port;
    }
}

long long
fx_cache_run(struct fx_cache *c, long long now, fx_record_cb *cb, void *aux)
{
    struct fx_flow *f, *next;

    if (now < c->next_scan) {
        return c->next_scan;
    }
    c->next_scan = now + FX_CACHE_SCAN_MS;
    for (f = c->head.next; f != &c->head; f = next) {
        next = f->next;
        if (now - f->rec.end_ms >= c->idle_ms) {
            emit(c, f, FX_END_IDLE, cb, aux);
            remove_flow(c, f);
        } else if (c->active_ms > 0 && f->rec.packets
                   && now - f->rec.start_ms >= c->active_ms) {
            emit(c, f, FX_END_ACTIVE, cb, aux);
            /* The next record starts with the next packet; until then
             * the flow's place in the eviction order is its newest. */
            list_remove(f);
            list_push_back(c, f);
        }
    }
    return c->next_scan;
}

void
fx_cache_get_stats(const struct fx_cache *c, struct fx_cache_stats *s)
{
    *s = c->stats;
    s->n_flows = hmap_count(&c->flows);
}

size_t
fx_cache_flow_size(void)
{
    return sizeof(struct fx_flow);
}
