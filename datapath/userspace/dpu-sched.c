/*
 * dpu-sched.c -- placing receive queues on forwarding threads
 * (dpu-sched.h says the rules).
 */
#include <config.h>
#include "dpu-sched.h"

#include <stdlib.h>

#include "util.h"

/* The thread of CPU 'core', or DPU_SCHED_NONE. */
static unsigned int
thread_of_core(const int *cores, unsigned int n_threads, int core)
{
    for (unsigned int t = 0; t < n_threads; t++) {
        if (cores[t] >= 0 && cores[t] == core) {
            return t;
        }
    }
    return DPU_SCHED_NONE;
}

void
dpu_sched_assign(struct dpu_sched_rxq *qs, size_t n, const int *cores,
                 unsigned int n_threads, bool *isolated_)
{
    bool *isolated = xcalloc(n_threads + 1, sizeof *isolated);
    unsigned int *load = xcalloc(n_threads + 1, sizeof *load);
    bool *placed = xcalloc(n + 1, sizeof *placed);
    bool all_isolated = true;

    /* 1. Pinned queues. */
    for (size_t i = 0; i < n; i++) {
        unsigned int t = (qs[i].core >= 0
                          ? thread_of_core(cores, n_threads, qs[i].core)
                          : DPU_SCHED_NONE);

        qs[i].pinned = t != DPU_SCHED_NONE;
        if (qs[i].pinned) {
            qs[i].thread = t;
            isolated[t] = true;
            load[t]++;
            placed[i] = true;
        }
    }
    for (unsigned int t = 0; t < n_threads; t++) {
        all_isolated &= isolated[t];
    }

    /* 2. Queues that may stay. */
    for (size_t i = 0; i < n; i++) {
        unsigned int t = qs[i].thread;

        if (!placed[i] && t < n_threads && (all_isolated || !isolated[t])) {
            load[t]++;
            placed[i] = true;
        }
    }

    /* 3. The rest, to the least loaded. */
    for (size_t i = 0; i < n; i++) {
        unsigned int best = DPU_SCHED_NONE;

        if (placed[i]) {
            continue;
        }
        for (unsigned int t = 0; t < n_threads; t++) {
            if ((all_isolated || !isolated[t])
                && (best == DPU_SCHED_NONE || load[t] < load[best])) {
                best = t;
            }
        }
        qs[i].thread = best;
        if (best != DPU_SCHED_NONE) {
            load[best]++;
        }
    }

    if (isolated_) {
        for (unsigned int t = 0; t < n_threads; t++) {
            isolated_[t] = isolated[t];
        }
    }
    free(placed);
    free(load);
    free(isolated);
}
