/*
 * dp-config.h -- the immutable configuration snapshot that forwarding
 * threads read.
 *
 * The main thread turns each "struct dpif_config" into a "struct
 * dp_snapshot": ports in an array with a hash index by port number, each
 * with a copy of its configuration (every stage's settings, compared and
 * copied as a whole, never field by field), bridges with their settings
 * and the list of ports a flood may reach, and which forwarding thread
 * polls which receive queue (a port may have several).
 * Nothing in a snapshot changes after it is published, so threads read it
 * without locks; a new configuration means a new snapshot, swapped in with
 * one atomic pointer store, and the old one is freed only after every
 * thread has passed a quiescent point (dpif-userspace.c).
 *
 * What is not configuration lives outside and is only pointed to: the
 * netdevs and receive queues (owned by the datapath's port records), the
 * MAC tables (one per bridge, surviving reconfiguration) and the counters
 * (per thread, indexed by each port's stable 'slot').
 */
#ifndef DP_CONFIG_H
#define DP_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dpif.h"

struct dp_shaper;
struct mac_table;
struct netdev;
struct netdev_rxq;

/* A port in a snapshot.  'cfg' is a private copy of its configuration
 * (name and VLAN sets owned by the snapshot): each stage reads its own
 * settings there (cfg.vlan, cfg.output...). */
struct dp_port {
    uint32_t port_no;
    uint32_t index;             /* In the snapshot's 'ports'. */
    uint32_t slot;              /* Counter slot; stable while it exists. */
    uint32_t bridge;            /* In the snapshot's 'bridges'. */
    struct netdev *netdev;
    bool offloads;              /* Egress takes partial csum and GSO. */
    unsigned int n_rxq;         /* Receive queues (in the rx lists). */
    struct dp_shaper *shaper;   /* Userspace QoS (not owned), or NULL. */
    struct dpif_port_config cfg;
};

/* A bridge in a snapshot, with a private copy of its configuration. */
struct dp_bridge {
    struct dpif_bridge_config cfg;
    struct mac_table *macs;     /* Not owned. */
    uint32_t *flood;            /* Port indices a flood may reach (not
                                 * mirror outputs), in config order. */
    size_t n_flood;
};

/* A receive queue's counters (dpif_pmd_dump()): written only by the
 * thread polling the queue (counter.h), and by one thread at a time, since
 * a queue leaves a thread for another only across a grace period.  The
 * 'cleared_*' members are the main thread's, for pmd-stats-clear.  One
 * cache line each: queues of one port are polled by different threads. */
struct dp_rxq_stats {
    uint64_t packets;
    uint64_t busy_cycles;
    uint64_t cleared_packets;
    uint64_t cleared_cycles;
} __attribute__((aligned(64)));

/* The receive queues one forwarding thread polls. */
struct dp_rx_list {
    struct dp_rx_queue {
        uint32_t port;          /* Port index. */
        struct netdev_rxq *rxq;
        struct dp_rxq_stats *stats;
    } *queues;
    size_t n;
};

struct dp_snapshot {
    uint64_t seq;               /* Publication number, from 1 (a thread
                                 * compares this, never the address). */
    struct dp_port *ports;
    size_t n_ports;
    struct dp_bridge *bridges;
    size_t n_bridges;
    struct dp_rx_list *rx;      /* One per thread. */
    unsigned int n_threads;
    long long idle_spin_ns;     /* other_config:pmd-idle-spin. */
    long long tx_flush_ns;      /* other_config:tx-flush-interval. */
    uint32_t *shaped;           /* Indices of ports with a shaper. */
    size_t n_shaped;

    uint32_t *index;            /* Open addressing: port_no -> index + 1. */
    uint32_t index_mask;
};

/* What the datapath knows about each configured port beyond its config,
 * in config order. */
struct dp_port_runtime {
    bool active;                /* False: leave the port out. */
    struct netdev_rxq *const *rxqs;     /* 'n_rxq' open queues... */
    const unsigned int *threads;        /* ...the thread of each (none if
                                         * not below the thread count)... */
    struct dp_rxq_stats *rxq_stats;     /* ...and its counters. */
    unsigned int n_rxq;
    uint32_t slot;
    bool offloads;
    struct dp_shaper *shaper;
};

/* The forwarding threads' knobs from Open_vSwitch other_config, in
 * microseconds. */
struct dp_thread_knobs {
    unsigned int idle_spin_us;      /* pmd-idle-spin. */
    unsigned int tx_flush_us;       /* tx-flush-interval. */
};

/* 'knobs' may be NULL: all 0. */
struct dp_snapshot *dp_snapshot_create(const struct dpif_config *,
                                       const struct dp_port_runtime *,
                                       struct mac_table *const *tables,
                                       unsigned int n_threads,
                                       const struct dp_thread_knobs *knobs);
void dp_snapshot_destroy(struct dp_snapshot *);

static inline uint32_t
dp_port_hash(uint32_t port_no)
{
    return port_no * UINT32_C(0x9e3779b1);
}

/* Returns the port numbered 'port_no', or NULL. */
static inline const struct dp_port *
dp_snapshot_find_port(const struct dp_snapshot *s, uint32_t port_no)
{
    for (uint32_t h = dp_port_hash(port_no); ; h++) {
        uint32_t i = s->index[h & s->index_mask];

        if (!i) {
            return NULL;
        } else if (s->ports[i - 1].port_no == port_no) {
            return &s->ports[i - 1];
        }
    }
}

#endif /* dp-config.h */
