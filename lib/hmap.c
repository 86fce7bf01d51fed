#include <config.h>
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

void
hmap_init(struct hmap *h)
{
    h->buckets = NULL;
    h->mask = 0;
    h->n = 0;
}

void
hmap_destroy(struct hmap *h)
{
    free(h->buckets);
    hmap_init(h);
}

void
hmap_clear(struct hmap *h)
{
    if (h->buckets) {
        memset(h->buckets, 0, (h->mask + 1) * sizeof *h->buckets);
    }
    h->n = 0;
}

static void
hmap_resize(struct hmap *h, size_t new_buckets)
{
    struct hmap_node **b = xcalloc(new_buckets, sizeof *b);
    size_t new_mask = new_buckets - 1;

    if (h->buckets) {
        for (size_t i = 0; i <= h->mask; i++) {
            struct hmap_node *node = h->buckets[i], *next;
            for (; node; node = next) {
                next = node->next;
                node->next = b[node->hash & new_mask];
                b[node->hash & new_mask] = node;
            }
        }
        free(h->buckets);
    }
    h->buckets = b;
    h->mask = new_mask;
}

void
hmap_insert(struct hmap *h, struct hmap_node *node, uint32_t hash)
{
    if (!h->buckets) {
        hmap_resize(h, 8);
    } else if (h->n >= (h->mask + 1) * 2) {
        hmap_resize(h, (h->mask + 1) * 4);
    }
    node->hash = hash;
    node->next = h->buckets[hash & h->mask];
    h->buckets[hash & h->mask] = node;
    h->n++;
}

void
hmap_remove(struct hmap *h, struct hmap_node *node)
{
    struct hmap_node **p = &h->buckets[node->hash & h->mask];
    while (*p != node) {
        p = &(*p)->next;
    }
    *p = node->next;
    h->n--;
}

struct hmap_node *
hmap_first_with_hash(const struct hmap *h, uint32_t hash)
{
    if (!h->buckets) {
        return NULL;
    }
    struct hmap_node *node = h->buckets[hash & h->mask];
    while (node && node->hash != hash) {
        node = node->next;
    }
    return node;
}

struct hmap_node *
hmap_next_with_hash(const struct hmap_node *node)
{
    uint32_t hash = node->hash;
    for (node = node->next; node && node->hash != hash; node = node->next) {
        continue;
    }
    return (struct hmap_node *) node;
}

static struct hmap_node *
first_from_bucket(const struct hmap *h, size_t i)
{
    for (; h->buckets && i <= h->mask; i++) {
        if (h->buckets[i]) {
            return h->buckets[i];
        }
    }
    return NULL;
}

struct hmap_node *
hmap_first(const struct hmap *h)
{
    return first_from_bucket(h, 0);
}

struct hmap_node *
hmap_next(const struct hmap *h, const struct hmap_node *node)
{
    if (node->next) {
        return node->next;
    }
    return first_from_bucket(h, (node->hash & h->mask) + 1);
}

/* FNV-1a followed by a final avalanche. */
uint32_t
hash_bytes(const void *p_, size_t n, uint32_t basis)
{
    const uint8_t *p = p_;
    uint32_t h = 2166136261u ^ basis;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}

uint32_t
hash_string(const char *s, uint32_t basis)
{
    return hash_bytes(s, strlen(s), basis);
}

uint32_t
hash_add(uint32_t hash, uint32_t data)
{
    return hash_bytes(&data, sizeof data, hash);
}
