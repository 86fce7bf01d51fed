/*
 * coverage.c -- the registry of event counters and "coverage/show".
 */
#include <config.h>
#include "coverage.h"

#include <stdlib.h>
#include <string.h>

#include "appctl.h"
#include "util.h"

/* Every registered counter.  Registration happens in constructors, before
 * any thread exists, so the list needs no lock; after that it is only
 * read. */
static struct coverage_counter *counters;
static size_t n_counters;

void
coverage_counter_register(struct coverage_counter *c)
{
    c->next = counters;
    counters = c;
    n_counters++;
}

unsigned long long
coverage_get(const char *name)
{
    for (struct coverage_counter *c = counters; c; c = c->next) {
        if (!strcmp(c->name, name)) {
            return atomic_load_explicit(&c->count, memory_order_relaxed);
        }
    }
    return 0;
}

static int
compare_counters(const void *a_, const void *b_)
{
    const struct coverage_counter *const *a = a_;
    const struct coverage_counter *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

char *
coverage_format(void)
{
    struct coverage_counter **sorted = xcalloc(n_counters + 1,
                                               sizeof *sorted);
    struct dstr ds = DSTR_INITIALIZER;
    size_t n = 0, n_zero = 0;

    for (struct coverage_counter *c = counters; c; c = c->next) {
        sorted[n++] = c;
    }
    qsort(sorted, n, sizeof *sorted, compare_counters);

    dstr_puts(&ds, "Event coverage:\n");
    for (size_t i = 0; i < n; i++) {
        unsigned long long v = atomic_load_explicit(&sorted[i]->count,
                                                    memory_order_relaxed);
        if (v) {
            dstr_printf(&ds, "%-36s total: %llu\n", sorted[i]->name, v);
        } else {
            n_zero++;
        }
    }
    dstr_printf(&ds, "%zu events never hit\n", n_zero);
    free(sorted);
    return dstr_steal(&ds);
}

static void
coverage_show_cb(struct appctl_conn *conn, int argc, const char *argv[],
                 void *aux)
{
    char *s = coverage_format();

    appctl_reply_success(conn, s);
    free(s);
}

void
coverage_register_commands(void)
{
    appctl_command_register("coverage/show", "", 0, 0, coverage_show_cb,
                            NULL);
}
