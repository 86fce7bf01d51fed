/*
 * coverage.h -- named event counters, for "vsappctl coverage/show".
 *
 * A coverage counter answers "has this happened, and how often?" for
 * events that are interesting when diagnosing a running switch but do not
 * deserve a statistics column of their own: a MAC table eviction, a
 * datapath reconfiguration, a forwarding thread going to sleep.  Each
 * source file defines the counters it bumps, at file scope:
 *
 *     COVERAGE_DEFINE(mac_learning_evicted);
 *     ...
 *     COVERAGE_INC(mac_learning_evicted);
 *
 * Counters register themselves before main() runs; "coverage/show" lists
 * every counter that is not zero, by name.
 *
 * Cost and thread safety: COVERAGE_INC is one relaxed atomic add, safe
 * from any thread.  A counter is a shared cache line, so it belongs on
 * events that are rare compared with packets -- never once per packet on
 * the fast path (the datapath has its own per-thread counters for that).
 */
#ifndef COVERAGE_H
#define COVERAGE_H 1

#include <stdatomic.h>
#include <stdint.h>

struct coverage_counter {
    const char *name;
    atomic_ullong count;
    struct coverage_counter *next;  /* In the global list. */
};

void coverage_counter_register(struct coverage_counter *);

#define COVERAGE_DEFINE(NAME)                                               \
    static struct coverage_counter coverage_##NAME = { #NAME, 0, NULL };   \
    static void coverage_register_##NAME(void)                              \
        __attribute__((constructor));                                        \
    static void                                                              \
    coverage_register_##NAME(void)                                           \
    {                                                                        \
        coverage_counter_register(&coverage_##NAME);                         \
    }

#define COVERAGE_ADD(NAME, N)                                               \
    atomic_fetch_add_explicit(&coverage_##NAME.count, (N),                  \
                              memory_order_relaxed)
#define COVERAGE_INC(NAME) COVERAGE_ADD(NAME, 1)

/* Returns the current value of the counter called 'name', or 0 if there
 * is none (for tests). */
unsigned long long coverage_get(const char *name);

/* Returns the "coverage/show" text: one line per nonzero counter, sorted
 * by name, then how many counters are still zero.  The caller frees it. */
char *coverage_format(void);

/* Registers the appctl command "coverage/show". */
void coverage_register_commands(void);

#endif /* coverage.h */
