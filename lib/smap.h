/*
 * smap.h -- a small string-to-string map (Interface:options, other_config).
 *
 * Keys are unique and kept sorted, so two maps compare with one pass
 * (smap_equal()) and iterate in a stable order (SMAP_FOR_EACH), which
 * error messages and configuration comparisons rely on.  Meant for the
 * handful of entries a configuration column holds: insertion is linear.
 *
 * Not thread-safe; an smap that a forwarding thread reads must be part of
 * an immutable snapshot.
 */
#ifndef SMAP_H
#define SMAP_H 1

#include <stdbool.h>
#include <stddef.h>

struct smap_node {
    char *key;
    char *value;
};

struct smap {
    struct smap_node *nodes;    /* Sorted by 'key'. */
    size_t n;
    size_t allocated;
};

#define SMAP_INITIALIZER { NULL, 0, 0 }

/* An empty smap may have no array at all: NULL + 0 is undefined in C, so
 * the end is computed only when there is an array. */
#define SMAP_FOR_EACH(NODE, SMAP)                                           \
    for ((NODE) = (SMAP)->nodes;                                            \
         (NODE) && (NODE) < (SMAP)->nodes + (SMAP)->n;                      \
         (NODE)++)

void smap_init(struct smap *);
void smap_destroy(struct smap *);
void smap_clear(struct smap *);
void smap_clone(struct smap *dst, const struct smap *src);

/* Sets 'key' to 'value' (copies of both), replacing an earlier value. */
void smap_add(struct smap *, const char *key, const char *value);
/* Removes 'key'; true if it was there. */
bool smap_remove(struct smap *, const char *key);

/* The value of 'key', or NULL. */
const char *smap_get(const struct smap *, const char *key);
/* 'key' as a decimal integer, or 'def' if absent or not a number. */
long long smap_get_llong(const struct smap *, const char *key,
                         long long def);
/* 'key' is "true" (true) or "false" (false); otherwise 'def'. */
bool smap_get_bool(const struct smap *, const char *key, bool def);

size_t smap_count(const struct smap *);
bool smap_is_empty(const struct smap *);
bool smap_equal(const struct smap *, const struct smap *);

#endif /* smap.h */
