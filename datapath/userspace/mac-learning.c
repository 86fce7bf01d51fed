/*
 * mac-learning.c -- the MAC table (see mac-learning.h for the design).
 *
 * Layout.  'entries' is a cache-line aligned array of 32-byte entries,
 * index 0 unused so that 0 can mean "none".  Entries 1..n_buckets are the
 * buckets' own ("inline") entries: bucket i's is entry i + 1, which holds
 * the bucket's sequence count, one (key, port, used_s) -- or ML_EMPTY --
 * and the head of the bucket's overflow chain.  The rest are a pool for
 * the overflow chains (through 'next'), with free ones chained through
 * 'lru[].next'.  With at least as many buckets as entries most keys sit
 * in their inline entry, so a hit reads one cache line.  An inline entry
 * whose key goes is just marked empty (the chain stays; the next insert
 * into the bucket fills it): no entry ever changes its index.  Each port
 * that owns entries has a "struct ml_port" (writer-only) with its entry
 * count and a list of its entries, oldest first, through the writer-only
 * array 'lru' (entry i's links are lru[i]).
 *
 * Memory ordering.  Readers follow the classic sequence-lock pattern: load
 * the bucket's seq with acquire, read the inline entry and the chain with (acquire) atomic
 * loads, fence acquire, and reload seq.  Writers make seq odd, fence
 * release, edit, and store the next even value with release.
 */
#include <config.h>
#include "mac-learning.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "coverage.h"
#include "hmap.h"
#include "timeval.h"
#include "util.h"

COVERAGE_DEFINE(mac_learning_learned);
COVERAGE_DEFINE(mac_learning_moved);
COVERAGE_DEFINE(mac_learning_expired);
COVERAGE_DEFINE(mac_learning_evicted);

#define ML_NONE 0
#define ML_EMPTY UINT64_MAX     /* Key of an unused entry (no real key has
                                 * its top bits set). */
#define ML_READ_ATTEMPTS 4      /* Seqcount retries before a miss. */
#define ML_MAX_CHAIN 64         /* Reader walk bound (torn chains). */

/* 32 bytes, so that with the array cache-line aligned no entry straddles
 * two lines.  Entry i + 1 is bucket i's own ("inline") entry: its 'seq' is
 * the bucket's sequence count and its 'next' heads the bucket's overflow
 * chain of pool entries.  A lookup whose key is in the inline entry -- the
 * common case, the table having at least as many buckets as entries --
 * reads one cache line. */
struct ml_entry {
    /* Read by lookups, without the lock. */
    atomic_ullong key;          /* MAC << 12 | VLAN, or ML_EMPTY. */
    atomic_uint port;
    atomic_uint used_s;         /* Last seen, seconds. */
    atomic_uint next;           /* Next on the bucket's overflow chain. */
    atomic_uint seq;            /* Inline entries: odd while a writer
                                 * edits the bucket. */

    /* Writer-only. */
    uint32_t listed_s;          /* 'used_s' when queued at the list tail. */
    uint32_t pad_;
};

/* Writer-only links of entry i, in the parallel array 'lru'. */
struct ml_lru {
    uint32_t prev, next;        /* In the port's list (or the free list). */
};

/* A port that owns entries (writer-only). */
struct ml_port {
    struct hmap_node node;      /* In 'ports', by port number. */
    uint32_t port_no;
    uint32_t count;             /* Entries owned. */
    uint32_t head, tail;        /* Oldest and newest entry. */
};

struct mac_table {
    /* Read-mostly, immutable after creation. */
    struct ml_entry *entries;   /* [1..mask+1] inline, then the pool. */
    uint32_t mask;              /* Buckets - 1. */
    uint32_t n_total;           /* Highest entry index. */
    uint32_t max_entries;
    uint64_t seed;
    uint64_t id;                /* mac_table_id(). */
    atomic_uint aging_s;
    atomic_ullong gen;          /* mac_table_generation(). */

    /* Writer state, under 'mutex'. */
    pthread_mutex_t mutex;
    struct ml_lru *lru;         /* [0..n_total]. */
    uint32_t n_entries;
    uint32_t free_head;         /* Free pool entries, through lru.next. */
    struct hmap ports;
    struct ml_port *heavy;      /* A port with 'heavy_bound' entries. */
    uint32_t heavy_bound;       /* No port owns more entries than this. */
    uint64_t learned, moved, expired, evicted;
};

/* Keys and hashing. */

/* MAC << 12 | VLAN (mac_table_key()). */
static inline uint64_t
ml_key(const uint8_t mac[6], uint16_t vlan)
{
    return mac_table_key(mac, vlan);
}

static void
ml_key_to_mac(uint64_t key, uint8_t mac[6], uint16_t *vlan)
{
    *vlan = key & 0xfff;
    key >>= 12;
    for (int i = 5; i >= 0; i--) {
        mac[i] = key & 0xff;
        key >>= 8;
    }
}

static inline uint32_t
ml_hash(const struct mac_table *t, uint64_t key)
{
    return mac_table_hash_seeded(t->seed, key);
}

/* Forwarding threads' caches (mac-learning.h). */

static atomic_ullong ml_next_id = 1;

uint64_t
mac_table_id(const struct mac_table *t)
{
    return t->id;
}

uint64_t
mac_table_generation(const struct mac_table *t)
{
    return atomic_load_explicit(&t->gen, memory_order_acquire);
}

uint64_t
mac_table_seed(const struct mac_table *t)
{
    return t->seed;
}

void
mac_cache_begin(struct mac_cache *c, const struct mac_table *t,
                uint32_t now_s)
{
    uint64_t gen = mac_table_generation(t);

    if (c->table_id == t->id && c->gen == gen && c->now_s == now_s) {
        return;
    }
    c->table_id = t->id;
    c->gen = gen;
    c->now_s = now_s;
    c->seed = t->seed;
    if (++c->epoch >= UINT32_MAX >> 1) {
        /* Stamps hold 31 bits of epoch: start again from clean sets. */
        memset(c->sets, 0, sizeof c->sets);
        c->epoch = 1;
    }
}

/* Called by writers, under the mutex, once an entry has been removed or
 * has moved (after, so that a thread that sees the new generation also
 * sees the change): forwarding threads' caches forget their answers. */
static void
ml_changed(struct mac_table *t)
{
    atomic_fetch_add_explicit(&t->gen, 1, memory_order_release);
}

uint32_t
mac_table_hash(const struct mac_table *t, uint64_t key)
{
    return ml_hash(t, key);
}

static inline struct ml_entry *
ml_entry(const struct mac_table *t, uint32_t idx)
{
    return &t->entries[idx];
}

/* The inline entry of the bucket for 'hash'. */
static inline struct ml_entry *
ml_bucket(const struct mac_table *t, uint32_t hash)
{
    return ml_entry(t, (hash & t->mask) + 1);
}

static inline bool
ml_is_inline(const struct mac_table *t, uint32_t idx)
{
    return idx <= t->mask + 1;
}

static inline bool
ml_expired(uint32_t used_s, uint32_t now_s, unsigned int aging_s)
{
    return (int32_t) (now_s - used_s) >= (int32_t) aging_s;
}

static uint64_t
ml_random_seed(void)
{
    uint64_t seed;

    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != sizeof seed) {
        seed = (uint64_t) time_msec() * UINT64_C(0x9e3779b97f4a7c15)
               ^ (uintptr_t) &seed;
    }
    return seed;
}

/* Creation. */

struct mac_table *
mac_table_create(size_t max_entries, unsigned int aging_s)
{
    _Static_assert(sizeof(struct ml_entry) == 32, "32-byte entries");
    struct mac_table *t = xzalloc(sizeof *t);
    size_t n_buckets = 16;

    if (!max_entries) {
        max_entries = MAC_TABLE_DEFAULT_SIZE;
    }
    if (max_entries > UINT32_MAX / 8) {
        max_entries = UINT32_MAX / 8;
    }
    while (n_buckets < max_entries) {
        n_buckets *= 2;
    }

    /* Inline entries for every bucket, and a pool big enough for every
     * entry to overflow. */
    t->mask = n_buckets - 1;
    t->n_total = n_buckets + max_entries;
    t->entries = xzalloc_huge((t->n_total + 1) * sizeof *t->entries);
    t->lru = xcalloc(t->n_total + 1, sizeof *t->lru);
    for (uint32_t i = 1; i <= t->n_total; i++) {
        atomic_init(&t->entries[i].key, ML_EMPTY);
    }
    t->max_entries = max_entries;
    t->seed = ml_random_seed();
    t->id = atomic_fetch_add(&ml_next_id, 1);
    atomic_init(&t->gen, 0);
    atomic_init(&t->aging_s, aging_s ? aging_s : MAC_TABLE_DEFAULT_AGING);

    pthread_mutex_init(&t->mutex, NULL);
    hmap_init(&t->ports);
    for (uint32_t i = t->n_total; i > n_buckets; i--) {
        t->lru[i].next = t->free_head;
        t->free_head = i;
    }
    return t;
}

void
mac_table_destroy(struct mac_table *t)
{
    struct ml_port *mp, *next;

    if (!t) {
        return;
    }
    HMAP_FOR_EACH_SAFE (mp, next, node, &t->ports) {
        hmap_remove(&t->ports, &mp->node);
        free(mp);
    }
    hmap_destroy(&t->ports);
    pthread_mutex_destroy(&t->mutex);
    free_huge(t->entries, (t->n_total + 1) * sizeof *t->entries);
    free(t->lru);
    free(t);
}

void
mac_table_set_aging(struct mac_table *t, unsigned int aging_s)
{
    atomic_store_explicit(&t->aging_s,
                          aging_s ? aging_s : MAC_TABLE_DEFAULT_AGING,
                          memory_order_relaxed);
    ml_changed(t);              /* A shorter aging may expire entries. */
}

unsigned int
mac_table_get_aging(const struct mac_table *t)
{
    return atomic_load_explicit(&t->aging_s, memory_order_relaxed);
}

size_t
mac_table_get_max(const struct mac_table *t)
{
    return t->max_entries;
}

/* Lock-free reading. */

/* Looks for 'key' in bucket 'b' once.  Returns the entry index or
 * ML_NONE.  The caller validates the walk with the bucket's seq. */
static uint32_t
ml_walk(const struct mac_table *t, const struct ml_entry *b, uint64_t key)
{
    uint32_t idx;

    if (atomic_load_explicit(&b->key, memory_order_relaxed) == key) {
        return b - t->entries;
    }
    idx = atomic_load_explicit(&b->next, memory_order_acquire);
    for (int n = 0; idx != ML_NONE && n < ML_MAX_CHAIN; n++) {
        const struct ml_entry *e;

        if (idx > t->n_total) {
            return ML_NONE;     /* Torn read; the seq check will fail. */
        }
        e = ml_entry(t, idx);
        if (atomic_load_explicit(&e->key, memory_order_relaxed) == key) {
            return idx;
        }
        idx = atomic_load_explicit(&e->next, memory_order_acquire);
    }
    return ML_NONE;
}

/* Finds 'key' (whose hash is 'hash') without the lock.  Returns its entry
 * index and the port and last-use time it had at that moment in '*port'
 * and '*used', or ML_NONE. */
static inline uint32_t
ml_read(const struct mac_table *t, uint64_t key, uint32_t hash,
        uint32_t *port, uint32_t *used)
{
    const struct ml_entry *b = ml_bucket(t, hash);

    for (int attempt = 0; attempt < ML_READ_ATTEMPTS; attempt++) {
        uint32_t seq = atomic_load_explicit(&b->seq, memory_order_acquire);
        uint32_t idx, p = 0, u = 0;

        if (seq & 1) {
            continue;
        }
        idx = ml_walk(t, b, key);
        if (idx != ML_NONE) {
            const struct ml_entry *e = ml_entry(t, idx);

            p = atomic_load_explicit(&e->port, memory_order_relaxed);
            u = atomic_load_explicit(&e->used_s, memory_order_relaxed);
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&b->seq, memory_order_relaxed) == seq) {
            *port = p;
            *used = u;
            return idx;
        }
    }
    return ML_NONE;
}

bool
mac_table_lookup(const struct mac_table *t, const uint8_t mac[6],
                 uint16_t vlan, uint32_t now_s, uint32_t *port)
{
    return mac_table_lookup_key(t, ml_key(mac, vlan), now_s, port);
}

bool
mac_table_lookup_key(const struct mac_table *t, uint64_t key,
                     uint32_t now_s, uint32_t *port)
{
    return mac_table_lookup_hashed(t, key, ml_hash(t, key), now_s, port);
}

bool
mac_table_lookup_hashed(const struct mac_table *t, uint64_t key,
                        uint32_t hash, uint32_t now_s, uint32_t *port)
{
    uint32_t used;

    return (ml_read(t, key, hash, port, &used) != ML_NONE
            && !ml_expired(used, now_s, mac_table_get_aging(t)));
}

void
mac_table_prefetch_hashed(const struct mac_table *t, const uint32_t hashes[],
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        __builtin_prefetch(ml_bucket(t, hashes[i]));
    }
}

/* Writing (all under 'mutex'). */

static void
ml_write_begin(struct ml_entry *b)
{
    uint32_t seq = atomic_load_explicit(&b->seq, memory_order_relaxed);

    atomic_store_explicit(&b->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
}

static void
ml_write_end(struct ml_entry *b)
{
    uint32_t seq = atomic_load_explicit(&b->seq, memory_order_relaxed);

    atomic_store_explicit(&b->seq, seq + 1, memory_order_release);
}

static struct ml_port *
ml_port_find(const struct mac_table *t, uint32_t port_no)
{
    struct ml_port *mp;

    HMAP_FOR_EACH_WITH_HASH (mp, node, hash_add(0, port_no), &t->ports) {
        if (mp->port_no == port_no) {
            return mp;
        }
    }
    return NULL;
}

static struct ml_port *
ml_port_get(struct mac_table *t, uint32_t port_no)
{
    struct ml_port *mp = ml_port_find(t, port_no);

    if (!mp) {
        mp = xzalloc(sizeof *mp);
        mp->port_no = port_no;
        hmap_insert(&t->ports, &mp->node, hash_add(0, port_no));
    }
    return mp;
}

/* Appends entry 'idx' to the newest end of 'mp''s list. */
static void
ml_list_append(struct mac_table *t, struct ml_port *mp, uint32_t idx)
{
    struct ml_entry *e = ml_entry(t, idx);

    t->lru[idx].prev = mp->tail;
    t->lru[idx].next = ML_NONE;
    if (mp->tail) {
        t->lru[mp->tail].next = idx;
    } else {
        mp->head = idx;
    }
    mp->tail = idx;
    e->listed_s = atomic_load_explicit(&e->used_s, memory_order_relaxed);
}

static void
ml_list_remove(struct mac_table *t, struct ml_port *mp, uint32_t idx)
{
    struct ml_lru *l = &t->lru[idx];

    if (l->prev) {
        t->lru[l->prev].next = l->next;
    } else {
        mp->head = l->next;
    }
    if (l->next) {
        t->lru[l->next].prev = l->prev;
    } else {
        mp->tail = l->prev;
    }
    l->prev = l->next = ML_NONE;
}

/* Gives entry 'idx' to 'mp'. */
static void
ml_port_add(struct mac_table *t, struct ml_port *mp, uint32_t idx)
{
    ml_list_append(t, mp, idx);
    mp->count++;
    if (mp->count >= t->heavy_bound) {
        t->heavy = mp;
        t->heavy_bound = mp->count;
    }
}

/* Takes entry 'idx' from 'mp'; frees 'mp' when it owns nothing. */
static void
ml_port_del(struct mac_table *t, struct ml_port *mp, uint32_t idx)
{
    ml_list_remove(t, mp, idx);
    if (!--mp->count) {
        if (t->heavy == mp) {
            t->heavy = NULL;
        }
        hmap_remove(&t->ports, &mp->node);
        free(mp);
    }
}

/* Finds 'key' with the lock held. */
static uint32_t
ml_find_locked(const struct mac_table *t, uint64_t key, uint32_t hash)
{
    const struct ml_entry *b = ml_bucket(t, hash);
    uint32_t idx;

    if (atomic_load_explicit(&b->key, memory_order_relaxed) == key) {
        return b - t->entries;
    }
    idx = atomic_load_explicit(&b->next, memory_order_relaxed);
    while (idx != ML_NONE) {
        const struct ml_entry *e = ml_entry(t, idx);

        if (atomic_load_explicit(&e->key, memory_order_relaxed) == key) {
            return idx;
        }
        idx = atomic_load_explicit(&e->next, memory_order_relaxed);
    }
    return ML_NONE;
}

/* Removes entry 'idx' owned by 'mp' from the table.  A bucket's inline
 * entry is only marked empty (its overflow chain stays where it is, and no
 * other entry changes its index, so the callers' walks of the port lists
 * stay valid); a pool entry is unlinked and freed. */
static void
ml_remove(struct mac_table *t, struct ml_port *mp, uint32_t idx)
{
    struct ml_entry *e = ml_entry(t, idx);
    uint64_t key = atomic_load_explicit(&e->key, memory_order_relaxed);
    struct ml_entry *b = ml_bucket(t, ml_hash(t, key));

    ml_write_begin(b);
    if (ml_is_inline(t, idx)) {
        atomic_store_explicit(&e->key, ML_EMPTY, memory_order_relaxed);
    } else {
        atomic_uint *linkp = &b->next;
        uint32_t cur;

        while ((cur = atomic_load_explicit(linkp, memory_order_relaxed))
               != idx) {
            linkp = &ml_entry(t, cur)->next;
        }
        atomic_store_explicit(linkp,
                              atomic_load_explicit(&e->next,
                                                   memory_order_relaxed),
                              memory_order_relaxed);
        atomic_store_explicit(&e->key, ML_EMPTY, memory_order_relaxed);
    }
    ml_write_end(b);
    ml_changed(t);

    ml_port_del(t, mp, idx);
    if (!ml_is_inline(t, idx)) {
        t->lru[idx].next = t->free_head;
        t->free_head = idx;
    }
    t->n_entries--;
}

/* The port that owns the most entries, or 'learner' if it owns as many. */
static struct ml_port *
ml_choose_victim_port(struct mac_table *t, struct ml_port *learner)
{
    if (!t->heavy || t->heavy->count != t->heavy_bound) {
        struct ml_port *mp;

        t->heavy = NULL;
        t->heavy_bound = 0;
        HMAP_FOR_EACH (mp, node, &t->ports) {
            if (mp->count > t->heavy_bound) {
                t->heavy = mp;
                t->heavy_bound = mp->count;
            }
        }
    }
    if (learner && learner->count == t->heavy_bound) {
        return learner;
    }
    return t->heavy;
}

/* Evicts the least recently used entry of the heaviest port to make room
 * for an entry on 'learner_no'. */
static void
ml_evict(struct mac_table *t, uint32_t learner_no)
{
    struct ml_port *mp = ml_choose_victim_port(t,
                                               ml_port_find(t, learner_no));
    uint32_t idx;

    /* Second chance: an entry refreshed since it was queued goes back to
     * the tail once, so the victim is one that has really gone quiet. */
    for (uint32_t n = mp->count; ; n--) {
        struct ml_entry *e;
        uint32_t used;

        idx = mp->head;
        e = ml_entry(t, idx);
        used = atomic_load_explicit(&e->used_s, memory_order_relaxed);
        if (!n || used == e->listed_s || mp->count == 1) {
            break;
        }
        ml_list_remove(t, mp, idx);
        ml_list_append(t, mp, idx);
    }
    ml_remove(t, mp, idx);
    t->evicted++;
    COVERAGE_INC(mac_learning_evicted);
}

/* Adds 'key' (hash 'hash') on 'port_no', last used at 'used_s', evicting
 * if full.  Into the bucket's inline entry if it is free, otherwise at the
 * head of its overflow chain. */
static void
ml_insert(struct mac_table *t, uint64_t key, uint32_t hash,
          uint32_t port_no, uint32_t used_s)
{
    struct ml_entry *b = ml_bucket(t, hash);
    struct ml_entry *e;
    uint32_t idx;

    if (t->n_entries >= t->max_entries) {
        ml_evict(t, port_no);
    }
    t->n_entries++;

    ml_write_begin(b);
    if (atomic_load_explicit(&b->key, memory_order_relaxed) == ML_EMPTY) {
        e = b;
        idx = b - t->entries;
    } else {
        idx = t->free_head;
        e = ml_entry(t, idx);
        t->free_head = t->lru[idx].next;
        atomic_store_explicit(&e->next,
                              atomic_load_explicit(&b->next,
                                                   memory_order_relaxed),
                              memory_order_relaxed);
    }
    atomic_store_explicit(&e->key, key, memory_order_relaxed);
    atomic_store_explicit(&e->port, port_no, memory_order_relaxed);
    atomic_store_explicit(&e->used_s, used_s, memory_order_relaxed);
    if (e != b) {
        atomic_store_explicit(&b->next, idx, memory_order_release);
    }
    ml_write_end(b);

    ml_port_add(t, ml_port_get(t, port_no), idx);
}

/* Moves entry 'idx' to 'port_no'. */
static void
ml_move(struct mac_table *t, uint32_t idx, uint32_t port_no)
{
    struct ml_entry *e = ml_entry(t, idx);
    uint32_t old = atomic_load_explicit(&e->port, memory_order_relaxed);

    ml_port_del(t, ml_port_find(t, old), idx);
    atomic_store_explicit(&e->port, port_no, memory_order_relaxed);
    ml_changed(t);
    ml_port_add(t, ml_port_get(t, port_no), idx);
}

/* The slow path of learning: something changes, so take the lock. */
static bool
ml_learn_locked(struct mac_table *t, uint64_t key, uint32_t hash,
                uint32_t port_no, uint32_t now_s)
{
    bool changed = true;
    uint32_t idx;

    pthread_mutex_lock(&t->mutex);
    idx = ml_find_locked(t, key, hash);
    if (idx == ML_NONE) {
        ml_insert(t, key, hash, port_no, now_s);
        t->learned++;
        COVERAGE_INC(mac_learning_learned);
    } else {
        struct ml_entry *e = ml_entry(t, idx);

        atomic_store_explicit(&e->used_s, now_s, memory_order_relaxed);
        if (atomic_load_explicit(&e->port, memory_order_relaxed)
            != port_no) {
            ml_move(t, idx, port_no);
            t->moved++;
            COVERAGE_INC(mac_learning_moved);
        } else {
            changed = false;    /* Another thread got here first. */
        }
    }
    pthread_mutex_unlock(&t->mutex);
    return changed;
}

bool
mac_table_learn(struct mac_table *t, const uint8_t mac[6], uint16_t vlan,
                uint32_t port_no, uint32_t now_s)
{
    if (mac[0] & 1) {
        return false;
    }
    return mac_table_learn_key(t, ml_key(mac, vlan), port_no, now_s);
}

/* mac_table_learn() for a unicast key. */
bool
mac_table_learn_key(struct mac_table *t, uint64_t key, uint32_t port_no,
                    uint32_t now_s)
{
    return mac_table_learn_hashed(t, key, ml_hash(t, key), port_no, now_s);
}

bool
mac_table_learn_hashed(struct mac_table *t, uint64_t key, uint32_t hash,
                       uint32_t port_no, uint32_t now_s)
{
    uint32_t idx, port, used;

    idx = ml_read(t, key, hash, &port, &used);
    if (idx != ML_NONE && port == port_no) {
        /* Write only when the coarse time moved on: a busy flow must not
         * bounce this cache line between threads on every frame.  (If a
         * writer reused the entry meanwhile, this keeps another station
         * alive one aging period longer, as it always could.) */
        if (used != now_s) {
            atomic_store_explicit(&ml_entry(t, idx)->used_s, now_s,
                                  memory_order_relaxed);
        }
        return false;
    }
    return ml_learn_locked(t, key, hash, port_no, now_s);
}

/* Batches: the loops over a batch's keys in one call, so that the reads
 * inline into them. */

void
mac_table_learn_batch(struct mac_table *t, const uint64_t keys[],
                      const uint32_t hashes[], size_t n, uint32_t port_no,
                      uint32_t now_s)
{
    for (size_t k = 0; k < n; k++) {
        uint32_t idx, port, used;

        /* Bursts from one station repeat the source: skip repeats. */
        if (k && keys[k] == keys[k - 1]) {
            continue;
        }
        idx = ml_read(t, keys[k], hashes[k], &port, &used);
        if (idx != ML_NONE && port == port_no) {
            if (used != now_s) {
                atomic_store_explicit(&ml_entry(t, idx)->used_s, now_s,
                                      memory_order_relaxed);
            }
        } else {
            ml_learn_locked(t, keys[k], hashes[k], port_no, now_s);
        }
    }
}

uint64_t
mac_table_lookup_batch(const struct mac_table *t, const uint64_t keys[],
                       const uint32_t hashes[], size_t n, uint32_t now_s,
                       uint32_t ports[])
{
    unsigned int aging = mac_table_get_aging(t);
    uint64_t hits = 0;

    n = MIN(n, 64);
    for (size_t k = 0; k < n; k++) {
        uint32_t used;

        if (ml_read(t, keys[k], hashes[k], &ports[k], &used) != ML_NONE
            && !ml_expired(used, now_s, aging)) {
            hits |= UINT64_C(1) << k;
        }
    }
    return hits;
}

/* Maintenance. */

size_t
mac_table_expire(struct mac_table *t, uint32_t now_s)
{
    unsigned int aging = mac_table_get_aging(t);
    struct ml_port *mp, *next_mp;
    size_t n = 0;

    pthread_mutex_lock(&t->mutex);
    HMAP_FOR_EACH_SAFE (mp, next_mp, node, &t->ports) {
        uint32_t idx = mp->head;
        uint32_t count = mp->count;

        /* 'mp' may be freed by removing its last entry. */
        for (uint32_t i = 0; i < count; i++) {
            struct ml_entry *e = ml_entry(t, idx);
            uint32_t next = t->lru[idx].next;

            if (ml_expired(atomic_load_explicit(&e->used_s,
                                                memory_order_relaxed),
                           now_s, aging)) {
                ml_remove(t, mp, idx);
                n++;
            }
            idx = next;
        }
    }
    t->expired += n;
    pthread_mutex_unlock(&t->mutex);
    COVERAGE_ADD(mac_learning_expired, n);
    return n;
}

/* Removes every entry of 'mp'.  Frees 'mp'. */
static void
ml_flush_port__(struct mac_table *t, struct ml_port *mp)
{
    for (uint32_t count = mp->count; count > 0; count--) {
        ml_remove(t, mp, mp->head);
    }
}

void
mac_table_flush(struct mac_table *t)
{
    struct ml_port *mp, *next;

    pthread_mutex_lock(&t->mutex);
    HMAP_FOR_EACH_SAFE (mp, next, node, &t->ports) {
        ml_flush_port__(t, mp);
    }
    pthread_mutex_unlock(&t->mutex);
}

void
mac_table_flush_port(struct mac_table *t, uint32_t port_no)
{
    struct ml_port *mp;

    pthread_mutex_lock(&t->mutex);
    mp = ml_port_find(t, port_no);
    if (mp) {
        ml_flush_port__(t, mp);
    }
    pthread_mutex_unlock(&t->mutex);
}

/* Introspection. */

size_t
mac_table_dump(struct mac_table *t, uint32_t now_s,
               struct dpif_fdb_entry **entriesp)
{
    unsigned int aging = mac_table_get_aging(t);
    struct dpif_fdb_entry *entries;
    struct ml_port *mp;
    size_t n = 0;

    pthread_mutex_lock(&t->mutex);
    entries = xmalloc((t->n_entries + 1) * sizeof *entries);
    HMAP_FOR_EACH (mp, node, &t->ports) {
        for (uint32_t idx = mp->head; idx; idx = t->lru[idx].next) {
            const struct ml_entry *e = ml_entry(t, idx);
            uint32_t used = atomic_load_explicit(&e->used_s,
                                                 memory_order_relaxed);
            struct dpif_fdb_entry *out;
            int32_t age;

            if (ml_expired(used, now_s, aging)) {
                continue;
            }
            out = &entries[n++];
            ml_key_to_mac(atomic_load_explicit(&e->key,
                                               memory_order_relaxed),
                          out->mac, &out->vlan);
            out->port_no = mp->port_no;
            age = (int32_t) (now_s - used);
            out->age_s = age > 0 ? age : 0;
        }
    }
    pthread_mutex_unlock(&t->mutex);
    *entriesp = entries;
    return n;
}

void
mac_table_get_stats(struct mac_table *t, struct dpif_fdb_stats *stats)
{
    pthread_mutex_lock(&t->mutex);
    stats->n_entries = t->n_entries;
    stats->max_entries = t->max_entries;
    stats->learned = t->learned;
    stats->moved = t->moved;
    stats->expired = t->expired;
    stats->evicted = t->evicted;
    pthread_mutex_unlock(&t->mutex);
}

/* Copies 'old' (still in use by forwarding threads, which is fine: what
 * they learn meanwhile is simply learned again later) into a new table
 * with room for 'max_entries'.  If it is smaller, fair eviction decides
 * what is left out, oldest entries first. */
struct mac_table *
mac_table_clone(struct mac_table *old, size_t max_entries)
{
    struct mac_table *t = mac_table_create(max_entries,
                                           mac_table_get_aging(old));
    struct ml_port *mp;

    pthread_mutex_lock(&old->mutex);
    HMAP_FOR_EACH (mp, node, &old->ports) {
        for (uint32_t idx = mp->head; idx;
             idx = old->lru[idx].next) {
            const struct ml_entry *e = ml_entry(old, idx);

            uint64_t key = atomic_load_explicit(&e->key,
                                                memory_order_relaxed);

            ml_insert(t, key, ml_hash(t, key), mp->port_no,
                      atomic_load_explicit(&e->used_s, memory_order_relaxed));
        }
    }
    t->learned = old->learned;
    t->moved = old->moved;
    t->expired = old->expired;
    t->evicted = old->evicted;
    pthread_mutex_unlock(&old->mutex);
    return t;
}
