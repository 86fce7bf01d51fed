/*
 * mac-learning.h -- the MAC table of one bridge: (MAC, VLAN) -> port.
 *
 * A learning switch remembers, for every source MAC address it has seen
 * on each VLAN, the port the frame came from, and sends frames addressed
 * to that MAC on that VLAN only there; an unknown destination is flooded.
 * This module is that table.  The complications are:
 *
 *   Aging.  A station that stops talking may have moved or gone, so an
 *   entry not refreshed for the bridge's mac-aging-time (300 s by
 *   default) is forgotten.  Time is time_now_msec() from lib/timeval in
 *   whole seconds, so tests age entries by warping time.  An expired entry
 *   is invisible to lookups and dumps at once and is removed by the next
 *   mac_table_expire() sweep.
 *
 *   Moves.  A MAC seen on a different port than its entry says has moved
 *   (a VM migrated, a cable was replugged): the entry is updated in place.
 *
 *   Capacity and fairness.  The table holds at most mac-table-size
 *   entries (8192 by default).  When it is full, learning a new MAC
 *   evicts the least recently used entry of the port that holds the most
 *   entries (the learning port itself on a tie).  A port that floods
 *   random source MACs therefore only ever evicts its own entries, and
 *   everybody else's stay.  "Least recently used" is approximated with a
 *   per-port FIFO and a second chance for entries refreshed since they
 *   were queued.
 *
 *   Not learned.  Multicast source addresses (never valid as a
 *   destination) and VLANs in the bridge's flood_vlans: see
 *   mac_table_may_learn().
 *
 * Thread safety.  Forwarding threads look up and learn concurrently with
 * each other and with the main thread's maintenance, and lookups never
 * take a lock:
 *
 *   - Entries live in a fixed array that is never freed while the table
 *     exists; each bucket is one entry of it (so that a hit is usually
 *     one cache line) heading a chain of overflow entries by index.
 *     Every field a reader uses is accessed atomically, so a reader never
 *     sees half a word.
 *
 *   - Each bucket has a sequence count.  A writer makes it odd while it
 *     changes the bucket's chain or reuses one of its entries, and even
 *     again afterwards; a reader that finds the count odd or changed
 *     across its walk retries (a few times, then reports a miss, which
 *     just floods one frame).  So a reader never returns a port that
 *     belonged to another MAC.
 *
 *   - Writers (insert, move, evict, expire, flush) are serialized by one
 *     mutex, taken only when something changes.  Learning a MAC that is
 *     already on the right port is a lock-free lookup plus, at most once
 *     per second per entry, one store of its timestamp: a busy flow does
 *     not write to shared memory on every frame.
 *
 * A table cannot be resized in place; mac_table_clone() copies it into a
 * table of another size, which the datapath publishes with its next
 * snapshot (see dp-config.h) before destroying the old one.
 */
#ifndef MAC_LEARNING_H
#define MAC_LEARNING_H 1

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "dpif.h"

#define MAC_TABLE_DEFAULT_SIZE 8192
#define MAC_TABLE_DEFAULT_AGING 300

struct mac_table;

/* Creation. */
struct mac_table *mac_table_create(size_t max_entries, unsigned int aging_s);
struct mac_table *mac_table_clone(struct mac_table *, size_t max_entries);
void mac_table_destroy(struct mac_table *);
void mac_table_set_aging(struct mac_table *, unsigned int aging_s);
unsigned int mac_table_get_aging(const struct mac_table *);
size_t mac_table_get_max(const struct mac_table *);

/* Learning. */

/* True if a frame from 'src' on 'vlan' may teach the table anything. */
static inline bool
mac_table_may_learn(const uint8_t src[6], uint16_t vlan,
                    const struct dp_vlan_bitmap *flood_vlans)
{
    return !(src[0] & 1)
           && !(flood_vlans && dp_vlan_bitmap_get(flood_vlans, vlan));
}

/* Records that 'mac' on 'vlan' was seen on 'port' at 'now_s' (seconds of
 * time_now_msec()).  Returns true if the table changed (a new entry or a
 * move), false if the entry was already there (its age is refreshed) or
 * 'mac' is multicast. */
bool mac_table_learn(struct mac_table *, const uint8_t mac[6],
                     uint16_t vlan, uint32_t port, uint32_t now_s);

/* Lookup. */

/* Finds the port of 'mac' on 'vlan'.  Returns true and sets '*port', or
 * false if there is no live entry. */
bool mac_table_lookup(const struct mac_table *, const uint8_t mac[6],
                      uint16_t vlan, uint32_t now_s, uint32_t *port);

/* Batches.  A batch's lookups miss the cache on random buckets and then
 * on the entries they lead to; asking for every bucket of a batch, then
 * for every entry those buckets lead to, before the first lookup lets the
 * misses of the whole batch overlap instead of following one another (as
 * VPP's l2 nodes do).  The fast path computes each (MAC, VLAN) key once
 * with mac_table_key() and uses the _key variants of the calls above. */
static inline uint64_t
mac_table_key(const uint8_t mac[6], uint16_t vlan)
{
    uint32_t hi;
    uint16_t lo;

    /* Two loads rather than six; the bytes in network order. */
    memcpy(&hi, mac, sizeof hi);
    memcpy(&lo, mac + 4, sizeof lo);
    return (((uint64_t) ntohl(hi) << 16 | ntohs(lo)) << 12)
           | (vlan & 0xfff);
}

/* A hint: fetches the buckets of keys whose hashes (mac_table_hash(), or
 * mac_table_hash_seeded() below) are in 'hashes'; changes nothing. */
void mac_table_prefetch_hashed(const struct mac_table *,
                               const uint32_t hashes[], size_t n);
uint32_t mac_table_hash(const struct mac_table *, uint64_t key);
bool mac_table_learn_key(struct mac_table *, uint64_t key, uint32_t port,
                         uint32_t now_s);
bool mac_table_lookup_key(const struct mac_table *, uint64_t key,
                          uint32_t now_s, uint32_t *port);
/* The same, given 'hash' == mac_table_hash(table, key). */
bool mac_table_learn_hashed(struct mac_table *, uint64_t key, uint32_t hash,
                            uint32_t port, uint32_t now_s);
bool mac_table_lookup_hashed(const struct mac_table *, uint64_t key,
                             uint32_t hash, uint32_t now_s, uint32_t *port);

/* A batch's worth of mac_table_learn_hashed() for frames received on
 * 'port' (consecutive repeats of a key are learned once), and of
 * mac_table_lookup_hashed(): bit k of the result says whether keys[k] was
 * found, and then ports[k] is its port.  'n' is at most 64. */
void mac_table_learn_batch(struct mac_table *, const uint64_t keys[],
                           const uint32_t hashes[], size_t n, uint32_t port,
                           uint32_t now_s);
uint64_t mac_table_lookup_batch(const struct mac_table *,
                                const uint64_t keys[],
                                const uint32_t hashes[], size_t n,
                                uint32_t now_s, uint32_t ports[]);

/* Forwarding threads' caches.
 *
 * Even a lock-free read of the shared table costs a seqcount, a walk and
 * a second seqcount per key, twice per frame (its source learned, its
 * destination looked up).  A forwarding thread therefore keeps a small
 * cache of the answers it got from one table during the current second:
 * key -> port, and whether this thread learned (refreshed) the key this
 * second.  A frame whose source the cache says this thread already
 * learned on its input port this second needs no learning at all (the
 * table would not change: the entry's timestamp is written at most once
 * a second), and a destination in the cache needs no lookup.
 *
 * The cache is only ever a subset of what the table says.  Anything that
 * could make an answer wrong -- an entry removed (expired, evicted,
 * flushed) or moved to another port -- bumps the table's generation, and
 * mac_cache_begin(), called before each batch's uses, forgets everything
 * when the table, its generation or the second has changed.  A batch may
 * still use an answer that a writer changes while the batch runs, exactly
 * as a lock-free lookup racing with the writer could.  The cache is
 * 2-way set associative, indexed by the table's hash of the key, and
 * forgetting costs one increment ('epoch'). */
#define MAC_CACHE_SETS 1024

struct mac_cache_entry {
    uint64_t key;
    uint32_t port;
    uint32_t stamp;             /* epoch << 1 | learned this second. */
};

struct mac_cache {
    uint64_t table_id;          /* mac_table_id() of the table, 0: none. */
    uint64_t gen;               /* Its generation when last checked. */
    uint32_t now_s;
    uint32_t epoch;             /* Entries with another epoch are void. */
    uint64_t seed;              /* The table's hash seed. */
    struct mac_cache_entry sets[MAC_CACHE_SETS][2];
};

/* The table's identity (unique for the process's life, never reused as
 * addresses are) and its generation, bumped whenever an entry is removed
 * or moves. */
uint64_t mac_table_id(const struct mac_table *);
uint64_t mac_table_generation(const struct mac_table *);
uint64_t mac_table_seed(const struct mac_table *);

/* mac_table_hash() with the seed of mac_table_seed(): inline, for loops
 * over a batch. */
static inline uint32_t
mac_table_hash_seeded(uint64_t seed, uint64_t key)
{
    uint64_t h = (key ^ seed) * UINT64_C(0x9e3779b97f4a7c15);

    h ^= h >> 31;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 29;
    return (uint32_t) h;
}

/* Makes 'c' valid for table 't' at 'now_s', forgetting everything if the
 * table, its generation or the second changed since the last call. */
void mac_cache_begin(struct mac_cache *c, const struct mac_table *t,
                     uint32_t now_s);

/* The entry of 'key' (whose table hash is 'hash'), or NULL. */
static inline const struct mac_cache_entry *
mac_cache_find(const struct mac_cache *c, uint64_t key, uint32_t hash)
{
    const struct mac_cache_entry *set = c->sets[hash & (MAC_CACHE_SETS - 1)];

    for (int w = 0; w < 2; w++) {
        if (set[w].key == key && set[w].stamp >> 1 == c->epoch) {
            return &set[w];
        }
    }
    return NULL;
}

/* True if the cache says this thread learned 'key' on 'port' this
 * second. */
static inline bool
mac_cache_learned(const struct mac_cache *c, uint64_t key, uint32_t hash,
                  uint32_t port)
{
    const struct mac_cache_entry *e = mac_cache_find(c, key, hash);

    return e && e->port == port && e->stamp & 1;
}

/* Records that the table maps 'key' to 'port' now ('learned': and that
 * this thread refreshed it this second).  The newest entry of a set is
 * its first way. */
static inline void
mac_cache_put(struct mac_cache *c, uint64_t key, uint32_t hash,
              uint32_t port, bool learned)
{
    struct mac_cache_entry *set = c->sets[hash & (MAC_CACHE_SETS - 1)];

    if (!(set[0].key == key && set[0].stamp >> 1 == c->epoch)) {
        set[1] = set[0];
    }
    set[0].key = key;
    set[0].port = port;
    set[0].stamp = c->epoch << 1 | learned;
}

/* Maintenance (any thread; these take the writer lock). */
size_t mac_table_expire(struct mac_table *, uint32_t now_s);
void mac_table_flush(struct mac_table *);
void mac_table_flush_port(struct mac_table *, uint32_t port);

/* Introspection.  mac_table_dump() stores a malloc'd array of the live
 * entries in '*entries' (caller frees) and returns how many. */
size_t mac_table_dump(struct mac_table *, uint32_t now_s,
                      struct dpif_fdb_entry **entries);
void mac_table_get_stats(struct mac_table *, struct dpif_fdb_stats *);

#endif /* mac-learning.h */
