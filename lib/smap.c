/*
 * smap.c -- a small sorted string map (smap.h).
 */
#include <config.h>
#include "smap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
smap_init(struct smap *smap)
{
    smap->nodes = NULL;
    smap->n = smap->allocated = 0;
}

void
smap_clear(struct smap *smap)
{
    for (size_t i = 0; i < smap->n; i++) {
        free(smap->nodes[i].key);
        free(smap->nodes[i].value);
    }
    smap->n = 0;
}

void
smap_destroy(struct smap *smap)
{
    if (smap) {
        smap_clear(smap);
        free(smap->nodes);
        smap_init(smap);
    }
}

void
smap_clone(struct smap *dst, const struct smap *src)
{
    smap_init(dst);
    if (src->n) {
        dst->nodes = xcalloc(src->n, sizeof *dst->nodes);
        dst->allocated = src->n;
        for (size_t i = 0; i < src->n; i++) {
            dst->nodes[i].key = xstrdup(src->nodes[i].key);
            dst->nodes[i].value = xstrdup(src->nodes[i].value);
        }
        dst->n = src->n;
    }
}

/* The index of 'key', or of where it would be inserted; '*found' says
 * which. */
static size_t
smap_find(const struct smap *smap, const char *key, bool *found)
{
    size_t lo = 0, hi = smap->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(smap->nodes[mid].key, key);

        if (!cmp) {
            *found = true;
            return mid;
        } else if (cmp < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

void
smap_add(struct smap *smap, const char *key, const char *value)
{
    bool found;
    size_t i = smap_find(smap, key, &found);

    if (found) {
        free(smap->nodes[i].value);
        smap->nodes[i].value = xstrdup(value);
        return;
    }
    if (smap->n == smap->allocated) {
        smap->allocated = smap->allocated ? 2 * smap->allocated : 4;
        smap->nodes = xrealloc(smap->nodes,
                               smap->allocated * sizeof *smap->nodes);
    }
    memmove(&smap->nodes[i + 1], &smap->nodes[i],
            (smap->n - i) * sizeof *smap->nodes);
    smap->nodes[i].key = xstrdup(key);
    smap->nodes[i].value = xstrdup(value);
    smap->n++;
}

bool
smap_remove(struct smap *smap, const char *key)
{
    bool found;
    size_t i = smap_find(smap, key, &found);

    if (found) {
        free(smap->nodes[i].key);
        free(smap->nodes[i].value);
        memmove(&smap->nodes[i], &smap->nodes[i + 1],
                (smap->n - i - 1) * sizeof *smap->nodes);
        smap->n--;
    }
    return found;
}

const char *
smap_get(const struct smap *smap, const char *key)
{
    bool found;
    size_t i = smap_find(smap, key, &found);

    return found ? smap->nodes[i].value : NULL;
}

long long
smap_get_llong(const struct smap *smap, const char *key, long long def)
{
    const char *s = smap_get(smap, key);
    long long v;

    return s && str_to_llong(s, 10, &v) ? v : def;
}

bool
smap_get_bool(const struct smap *smap, const char *key, bool def)
{
    const char *s = smap_get(smap, key);

    if (s && !strcmp(s, "true")) {
        return true;
    } else if (s && !strcmp(s, "false")) {
        return false;
    }
    return def;
}

size_t
smap_count(const struct smap *smap)
{
    return smap->n;
}

bool
smap_is_empty(const struct smap *smap)
{
    return !smap->n;
}

bool
smap_equal(const struct smap *a, const struct smap *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->nodes[i].key, b->nodes[i].key)
            || strcmp(a->nodes[i].value, b->nodes[i].value)) {
            return false;
        }
    }
    return true;
}
