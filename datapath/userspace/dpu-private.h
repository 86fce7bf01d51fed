/*
 * dpu-private.h -- what the files of the userspace datapath share:
 * dpif-userspace.c (configuration, ports, snapshots, statistics) and
 * dpu-pmd.c (the forwarding threads: their loop, start and stop, grace
 * periods, their counters).  dpif-userspace.c's opening comment describes
 * the whole; nothing outside datapath/userspace/ includes this.
 */
#ifndef DPU_PRIVATE_H
#define DPU_PRIVATE_H 1

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dpif-provider.h"
#include "hmap.h"
#include "pipeline.h"
#include "timeval.h"

struct dp_rxq_stats;
struct dp_shaper;
struct mac_table;
struct netdev;
struct netdev_rxq;

#define DPU_OFFLINE UINT64_MAX          /* 'qs' of a sleeping thread. */
#define DPU_MAX_THREADS DPIF_MAX_PMD_THREADS
#define DPU_SLEEP_MS 100                /* Longest sleep. */
#define DPU_SHORT_SPIN_NS (1000 * 1000) /* Spin after a sparse burst. */
#define DPU_SHORT_SLEEP_MS 1            /* With a queue that has no fd. */

/* A forwarding thread's own counters (dpif_pmd_dump()), written only by
 * the thread (counter.h). */
struct dpu_pmd_stats {
    uint64_t packets;               /* Received. */
    uint64_t passes;                /* Over its queues. */
    uint64_t busy_cycles;           /* In passes that received frames. */
    uint64_t idle_cycles;           /* In passes that did not. */
    uint64_t sleeps;
    uint64_t wakeups;               /* Sleeps ended by a frame or by the
                                     * main thread, not by the timeout. */
    uint64_t tx_calls, tx_frames;   /* Sends (with frames) and frames. */
};

/* One forwarding thread. */
struct dpu_pmd {
    /* Written by the thread, read by the main thread. */
    atomic_ullong qs;               /* Quiescent counter or DPU_OFFLINE. */
    atomic_int tid;                 /* Linux thread id, 0 until known. */

    /* Written by the main thread. */
    atomic_bool exit;
    int wake_fd;                    /* eventfd. */
    unsigned int id;
    int core;                       /* CPU it is pinned to, or -1. */
    int pin_error;                  /* Why pinning failed, or 0. */
    pthread_t thread;
    struct dpif_userspace *dp;
    struct dp_counters *counters;
    struct dpu_pmd_stats cleared;   /* 'stats' at pmd-stats-clear. */

    /* Written by the thread, on a cache line of their own. */
    struct dpu_pmd_stats stats __attribute__((aligned(64)));
} __attribute__((aligned(64)));

/* The cycle counter of dpif_pmd_dump(): the time-stamp counter on x86 (a
 * few cycles to read, never a system call), nanoseconds elsewhere.  Read
 * once per pass and once per queue polled, never per packet. */
static inline uint64_t
dpu_cycles(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_rdtsc();
#else
    return time_nsec();
#endif
}

/* A port, as the main thread tracks it across reconfigurations. */
struct dpu_port {
    struct hmap_node node;          /* In 'ports', by port number. */
    uint32_t port_no;
    struct netdev *netdev;
    struct netdev_rxq **rxqs;       /* Every receive queue of 'netdev'... */
    unsigned int *threads;          /* ...the thread that polls it (or
                                     * DPU_SCHED_NONE)... */
    struct dp_rxq_stats *rxq_stats; /* ...and its counters. */
    unsigned int n_rxq;             /* 0 until the queues are open. */
    uint32_t slot;
    char *bridge_name;
    struct dpif_port_config cfg;    /* Last config ('name', 'netdev' 0,
                                     * private VLAN sets). */
    struct dp_shaper *shaper;       /* Userspace QoS, or NULL. */
    bool seen;                      /* In the config being applied. */
};

/* A bridge's MAC table, kept across reconfigurations by bridge name. */
struct dpu_bridge {
    char *name;
    struct mac_table *macs;
    size_t table_size;
    struct dpif_bridge_config cfg;  /* Last config ('name' NULL). */
    bool seen;
};

/* What a reconfiguration releases once the grace period is over. */
struct dpu_garbage {
    struct netdev_rxq **rxqs;
    size_t n_rxqs;
    void **frees;                   /* Memory threads may still touch. */
    size_t n_frees;
    struct mac_table **tables;
    size_t n_tables;
    uint32_t *slots;
    size_t n_slots;
    struct dpu_flush {
        char *bridge;               /* Flush 'port_no' from this bridge. */
        uint32_t port_no;
    } *flushes;
    size_t n_flushes;
    char **flush_all;               /* Bridges to flush completely. */
    size_t n_flush_all;
    struct dp_shaper **shapers;
    size_t n_shapers;
};

struct dpif_userspace {
    struct dpif up;
    _Atomic(struct dp_snapshot *) snap;
    uint64_t snap_seq;              /* Of the last one published. */
    atomic_ullong sync_req;         /* Bumped by each grace period. */

    struct dpu_pmd **pmds;
    unsigned int n_pmds;

    struct hmap ports;              /* struct dpu_port. */
    struct dpu_bridge **bridges;    /* In the last config's order. */
    size_t n_bridges;

    /* Counter slots. */
    uint32_t *free_slots;
    size_t n_free_slots;
    uint32_t n_slots;               /* High-water mark. */
    struct dp_counters base;        /* Counts of stopped threads. */
    uint64_t removed_drops[DP_N_DROPS];

    uint32_t last_expire_s;

    /* Knobs from Open_vSwitch:other_config (dpu_set_config()), applied at
     * the next reconfiguration. */
    unsigned int n_threads;         /* n-forwarding-threads, 1..64, or
                                     * the CPUs in pmd-cpu-mask... */
    int cores[DPU_MAX_THREADS];     /* ...each thread's CPU (or -1). */
    struct dp_thread_knobs knobs;   /* pmd-idle-spin, tx-flush-interval. */

    /* Placement of the running threads' queues (dpu-sched.h). */
    bool isolated[DPU_MAX_THREADS];
};

/* 20 ms: a thread that saw a frame in the last 20 ms is likely to see the
 * next one soon (a reply, the next packet of a flow) and catches it
 * without a wake-up, which on a virtual machine costs about 100 us. */
#define DPU_IDLE_SPIN_DEFAULT_US 20000
#define DPU_IDLE_SPIN_MAX_US (10 * 1000 * 1000)

/* tx-flush-interval: 0, frames wait at most until the end of the pass
 * that queued them; at most 1 s, as in Open vSwitch. */
#define DPU_TX_FLUSH_MAX_US (1000 * 1000)

static inline struct dpif_userspace *
dpu_cast(const struct dpif *dpif)
{
    return CONTAINER_OF(dpif, struct dpif_userspace, up);
}

/* Counters (dpif-userspace.c). */
void dpu_counters_reserve(struct dp_counters *, uint32_t n_slots);
void dpu_counters_free(struct dp_counters *);
void dpu_port_counters_add(struct dp_port_counters *sum,
                           struct dp_port_counters *);

/* Queues (dpif-userspace.c). */
int dpu_rxq_pin(const struct dpu_port *, unsigned int q);
void dpu_rxq_stats_rebase(struct dpu_port *, unsigned int q);

/* Threads (dpu-pmd.c), all called from the main thread. */
void dpu_start_threads(struct dpif_userspace *, unsigned int n);
void dpu_stop_threads(struct dpif_userspace *);
void dpu_synchronize(struct dpif_userspace *);
int dpu_pmd_dump(const struct dpif *, struct dpif_pmd **, size_t *n);
int dpu_pmd_stats_clear(struct dpif *);

#endif /* dpu-private.h */
