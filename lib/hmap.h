/*
 * hmap.h -- an intrusive hash map with chaining.
 *
 * The caller embeds a "struct hmap_node" in its own structure and computes
 * the hash; the map never allocates per element, only its bucket array.
 * Lookups walk one bucket and leave key comparison to the caller:
 *
 *     HMAP_FOR_EACH_WITH_HASH (row, node, hash, &table->rows) {
 *         if (uuid_equals(&row->uuid, uuid)) { return row; }
 *     }
 *
 * Not thread-safe; callers serialize access.
 */
#ifndef HMAP_H
#define HMAP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct hmap_node {
    struct hmap_node *next;
    uint32_t hash;
};

struct hmap {
    struct hmap_node **buckets;
    size_t mask;                /* Number of buckets minus one. */
    size_t n;
};

#define HMAP_INITIALIZER { NULL, 0, 0 }

void hmap_init(struct hmap *);
void hmap_destroy(struct hmap *);
void hmap_clear(struct hmap *);
void hmap_insert(struct hmap *, struct hmap_node *, uint32_t hash);
void hmap_remove(struct hmap *, struct hmap_node *);
static inline size_t hmap_count(const struct hmap *h) { return h->n; }
static inline bool hmap_is_empty(const struct hmap *h) { return !h->n; }

struct hmap_node *hmap_first_with_hash(const struct hmap *, uint32_t hash);
struct hmap_node *hmap_next_with_hash(const struct hmap_node *);
struct hmap_node *hmap_first(const struct hmap *);
struct hmap_node *hmap_next(const struct hmap *, const struct hmap_node *);

/* Iteration.  The _SAFE variant allows removing the current node. */
#define HMAP_NODE_TO(NODE, PTR, MEMBER) \
    ((NODE) ? CONTAINER_OF(NODE, __typeof__(*(PTR)), MEMBER) : NULL)

#define HMAP_FOR_EACH_WITH_HASH(PTR, MEMBER, HASH, HMAP)                    \
    for ((PTR) = HMAP_NODE_TO(hmap_first_with_hash(HMAP, HASH), PTR,       \
                              MEMBER);                                      \
         (PTR);                                                             \
         (PTR) = HMAP_NODE_TO(hmap_next_with_hash(&(PTR)->MEMBER), PTR,    \
                              MEMBER))

#define HMAP_FOR_EACH(PTR, MEMBER, HMAP)                                    \
    for ((PTR) = HMAP_NODE_TO(hmap_first(HMAP), PTR, MEMBER);              \
         (PTR);                                                             \
         (PTR) = HMAP_NODE_TO(hmap_next(HMAP, &(PTR)->MEMBER), PTR, MEMBER))

#define HMAP_FOR_EACH_SAFE(PTR, NEXT, MEMBER, HMAP)                         \
    for ((PTR) = HMAP_NODE_TO(hmap_first(HMAP), PTR, MEMBER);              \
         (PTR) && ((NEXT) = HMAP_NODE_TO(hmap_next(HMAP, &(PTR)->MEMBER),  \
                                         NEXT, MEMBER), 1);                 \
         (PTR) = (NEXT))

/* Hashing. */
uint32_t hash_bytes(const void *, size_t, uint32_t basis);
uint32_t hash_string(const char *, uint32_t basis);
uint32_t hash_add(uint32_t hash, uint32_t data);

#endif /* hmap.h */
