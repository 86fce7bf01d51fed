/*
 * dpu-sched.h -- which forwarding thread of the userspace datapath polls
 * which receive queue.
 *
 * Receive queues, not ports, are spread over the threads.  The rules, in
 * order:
 *
 *   1. A queue pinned by Interface other_config:pmd-rxq-affinity to a CPU
 *      that a thread is pinned to (Open_vSwitch other_config:pmd-cpu-mask)
 *      goes to that thread, which becomes "isolated": as in OVS, it polls
 *      only its pinned queues, so a pinned queue gets a CPU of its own.
 *   2. Every other queue -- unpinned, or pinned to a CPU no thread runs on
 *      (which the datapath logs) -- stays where it is if that thread still
 *      exists and is not isolated: moving a queue between running threads
 *      costs a grace period, so a queue moves only when it must.
 *   3. What is left (new queues, and those that had to leave) goes, in
 *      order, to the non-isolated thread with the fewest queues (lowest
 *      index on a tie), or to the least loaded of all threads if every
 *      thread is isolated.
 *
 * A pure function of its input, so that the rules are unit-tested without
 * threads (tests/unit/test-dpif.c).
 */
#ifndef DPU_SCHED_H
#define DPU_SCHED_H 1

#include <stdbool.h>
#include <stddef.h>

#define DPU_SCHED_NONE ((unsigned int) -1)

struct dpu_sched_rxq {
    int core;                   /* In: the CPU it is pinned to, or -1. */
    unsigned int thread;        /* In: the thread polling it now, or
                                 * DPU_SCHED_NONE (new, or threads
                                 * restarting).  Out: its thread. */
    bool pinned;                /* Out: on the thread of 'core'. */
};

/* Assigns the 'n' queues of 'qs' to threads 0..n_threads-1, thread i
 * pinned to CPU cores[i] (-1: unpinned).  Fills 'isolated' (one per
 * thread, if nonnull). */
void dpu_sched_assign(struct dpu_sched_rxq *qs, size_t n,
                      const int *cores, unsigned int n_threads,
                      bool *isolated);

#endif /* dpu-sched.h */
