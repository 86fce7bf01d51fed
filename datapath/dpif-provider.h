/*
 * dpif-provider.h -- what a datapath implementation provides.
 *
 * One "struct dpif_class" per datapath type ("netdev" is the userspace
 * datapath; "system", the eBPF kernel datapath, will be another).  The
 * public functions in dpif.h look up the class by type and dispatch to it;
 * a NULL member means the operation is unsupported, and the wrapper
 * returns EOPNOTSUPP (or, for functions without a return value, does
 * nothing and reports zeros).
 *
 * A provider's datapath embeds "struct dpif" as its first member and
 * fills it in with dpif_init().  Every member runs on the main thread: a
 * provider's own threads are its business, and it must never call back
 * into vswitchd.
 */
#ifndef DPIF_PROVIDER_H
#define DPIF_PROVIDER_H 1

#include "dpif.h"

struct dpif_class;

struct dpif {
    const struct dpif_class *class;
    char *name;
};

void dpif_init(struct dpif *, const struct dpif_class *, const char *name);
void dpif_uninit(struct dpif *);

struct dpif_class {
    /* The type name, as in Bridge:datapath_type ("netdev"). */
    const char *type;

    /* Creates datapath 'name' with no ports and no threads running, and
     * stores it in '*dpifp'.  Returns 0 or an errno value.  Required. */
    int (*create)(const char *name, struct dpif **dpifp);

    /* Stops every thread and frees everything the datapath allocated.  It
     * closes the receive queues it opened but never the netdevs, which
     * belong to the caller.  Required. */
    void (*destroy)(struct dpif *);

    /* Applies the datapath's own knobs from Open_vSwitch:other_config, as
     * described for dpif_set_config() in dpif.h; they take effect at the
     * next reconfigure.  NULL: the type has none. */
    int (*set_config)(struct dpif *, const struct smap *other_config,
                      char **errorp);

    /* Makes 'config' current, as described for dpif_reconfigure() in
     * dpif.h: ports that stay keep flowing; receive queues of new ports
     * are opened before they are used; when this returns, nothing removed
     * is in use by any thread, so the caller may close removed netdevs.
     * May block briefly (a grace period of at most one forwarding-loop
     * iteration per thread) but never for I/O.  Returns 0 or the first
     * port error, with per-port messages in '*errors' (if nonnull). */
    int (*reconfigure)(struct dpif *, const struct dpif_config *config,
                       char ***errors);

    /* Counters of port 'port_no', summed over threads, including the
     * counts of threads that have since stopped.  ENOENT: no such port. */
    int (*port_stats)(const struct dpif *, uint32_t port_no,
                      struct dpif_port_stats *);

    /* Drops by reason over the whole datapath, including ports that have
     * since been removed. */
    void (*drop_stats)(const struct dpif *, uint64_t counts[DP_N_DROPS]);

    /* Drops by reason of one port (input and output drops).  ENOENT: no
     * such port. */
    int (*port_drop_stats)(const struct dpif *, uint32_t port_no,
                           uint64_t counts[DP_N_DROPS]);

    /* Mirror counter 'id' (below DPIF_MAX_MIRROR_IDS), summed over
     * threads, including threads that have since stopped; never reset
     * (dpif_mirror_stats()). */
    int (*mirror_stats)(const struct dpif *, uint32_t id,
                        uint64_t *packets, uint64_t *bytes);

    /* The live entries of the MAC table of bridge 'bridge' (an index into
     * the last configuration's bridges) in a malloc'd array the caller
     * frees; returns how many.  Never shows an entry older than the
     * bridge's aging time, even before the next dpif_run(). */
    /* dpif_queue_stats() (NULL: no userspace QoS). */
    int (*queue_stats)(const struct dpif *, uint32_t port_no,
                       struct dpif_queue_stats *, size_t max);

    size_t (*fdb_dump)(const struct dpif *, uint32_t bridge,
                       struct dpif_fdb_entry **entries);

    /* Forgets every entry in bridge 'bridge''s MAC table. */
    void (*fdb_flush)(struct dpif *, uint32_t bridge);

    /* The MAC table's size, capacity and event counts.  ENOENT: no such
     * bridge. */
    int (*fdb_stats)(const struct dpif *, uint32_t bridge,
                     struct dpif_fdb_stats *);

    /* Runs 'len' bytes of 'frame' through the pipeline as if received on
     * port 'port_no', with every stage describing what it does into 'out'
     * (as dpif_trace() in dpif.h says).  Nothing is sent, counted or
     * learned: the frame is the caller's, copied into a buffer of the
     * provider's, and the MAC table is only read.  Must not disturb the
     * forwarding threads.  ENOENT: no such port. */
    int (*trace)(struct dpif *, uint32_t port_no, const void *frame,
                 size_t len, struct dstr *out);

    /* dpif_pmd_dump() and dpif_pmd_stats_clear() (NULL: no forwarding
     * threads).  Clearing never writes a thread's counters: the provider
     * remembers what they were and subtracts. */
    int (*pmd_dump)(const struct dpif *, struct dpif_pmd **, size_t *n);
    int (*pmd_stats_clear)(struct dpif *);

    /* Housekeeping from the main loop (aging).  Never blocks. */
    void (*run)(struct dpif *);

    /* Registers with the poll loop whatever should wake the main loop for
     * run(). */
    void (*wait)(struct dpif *);
};

/* Registers 'class' for dpif_create().  The built-in userspace datapath
 * registers itself. */
int dpif_register_provider(const struct dpif_class *);

extern const struct dpif_class dpif_userspace_class;

#endif /* dpif-provider.h */
