/*
 * dpif.h -- the datapath interface: what vswitchd's bridge.c drives.
 *
 * A dpif is one forwarding plane holding the ports of one or more
 * bridges.  Frames are switched only between ports of the same bridge,
 * with the semantics of OVS's NORMAL action: VLAN ingress checks by port
 * mode, MAC learning per (MAC, VLAN), forwarding to the learned port or
 * flooding to every other port of the bridge that carries the VLAN, and
 * per-port egress tagging.  Every dropped frame is counted under a named
 * reason (dp-drop.h).
 *
 * Configuration is declarative: the caller describes every bridge and port
 * in a "struct dpif_config" and dpif_reconfigure() makes it current.  The
 * datapath compares it with what runs, opens receive queues for new ports,
 * publishes an immutable snapshot to the forwarding threads, and returns
 * once no thread can still be using anything that was removed -- so the
 * caller may then close the netdevs of removed ports.  Ports that stay are
 * not disturbed: traffic on them keeps flowing during the change, and
 * their learned MAC entries and counters survive.
 *
 * The dpif knows nothing of the configuration database: port numbers,
 * names and netdevs are given to it.  It runs its own forwarding threads;
 * all functions here are for the main thread.
 */
#ifndef DPIF_H
#define DPIF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "dp-drop.h"

struct dpif;
struct netdev;
struct smap;

enum dp_vlan_mode {
    DP_VLAN_ACCESS,
    DP_VLAN_TRUNK,
    DP_VLAN_NATIVE_TAGGED,
    DP_VLAN_NATIVE_UNTAGGED,
    DP_VLAN_DOT1Q_TUNNEL,
};

/* A set of VLANs 0..4095. */
struct dp_vlan_bitmap {
    uint64_t bits[4096 / 64];
};

static inline bool
dp_vlan_bitmap_get(const struct dp_vlan_bitmap *b, unsigned int vlan)
{
    return (b->bits[vlan / 64] >> (vlan % 64)) & 1;
}

static inline void
dp_vlan_bitmap_set(struct dp_vlan_bitmap *b, unsigned int vlan)
{
    b->bits[vlan / 64] |= UINT64_C(1) << (vlan % 64);
}

/* Whether two VLAN sets that may be NULL ("every VLAN") are the same. */
static inline bool
dp_vlan_set_equal(const struct dp_vlan_bitmap *a,
                  const struct dp_vlan_bitmap *b)
{
    return a == b || (a && b && !memcmp(a, b, sizeof *a));
}

struct dpif_port_config {
    uint32_t port_no;           /* Unique in the dpif, >= 1, stable. */
    const char *name;
    struct netdev *netdev;      /* Owned by the caller. */
    uint32_t bridge;            /* Index into dpif_config's bridges. */

    enum dp_vlan_mode vlan_mode;
    uint16_t tag;               /* Access/native VLAN, or tunnel VLAN. */
    /* VLAN sets, owned by the caller; NULL (an empty "trunks" or "cvlans"
     * column) means every VLAN.  Pointers keep this struct small: a
     * reconfiguration copies and compares one per port. */
    const struct dp_vlan_bitmap *trunks;
    const struct dp_vlan_bitmap *cvlans;
    uint16_t qinq_tpid;         /* Outer tag type for dot1q-tunnel. */

    bool mirror_output;         /* A SPAN destination: drop its input,
                                 * never flood to it. */
    int mtu;                    /* Largest frame payload to send; 0: any. */
};

struct dpif_bridge_config {
    const char *name;
    unsigned int mac_aging_s;   /* 0 means the default, 300 s. */
    unsigned int mac_table_size;    /* 0 means the default, 8192. */
    struct dp_vlan_bitmap flood_vlans;  /* No learning on these. */
    bool forward_bpdu;
};

struct dpif_config {
    struct dpif_bridge_config *bridges;
    size_t n_bridges;
    struct dpif_port_config *ports;
    size_t n_ports;
};

struct dpif_port_stats {
    uint64_t rx_packets, rx_bytes;
    uint64_t tx_packets, tx_bytes;
    uint64_t rx_dropped;        /* Dropped by the pipeline on input. */
    uint64_t tx_dropped;        /* Dropped on output (MTU, device full). */
    uint64_t tx_errors;
};

/* One MAC table entry, for fdb/show. */
struct dpif_fdb_entry {
    uint8_t mac[6];
    uint16_t vlan;
    uint32_t port_no;
    unsigned int age_s;
};

struct dpif_fdb_stats {
    size_t n_entries;
    size_t max_entries;
    uint64_t learned, moved, expired, evicted;
};

/* Datapath types, as in Bridge:datapath_type.  "" means the default,
 * DPIF_DEFAULT_TYPE; dpif_normalize_type() maps "" to it.  "system" is
 * reserved for the kernel (eBPF) datapath, which does not exist yet.
 * dpif_get_types() returns the registered names, sorted, in a malloc'd
 * array of borrowed strings; dpif_types_string() a malloc'd "\"netdev\""
 * list for messages.  dpif_register_alias() makes 'type' a second name of
 * the provider registered as 'existing', with instances of their own
 * (vswitchd --enable-dummy registers "dummy" for the userspace datapath,
 * so tests can run bridges of two datapath types side by side). */
#define DPIF_DEFAULT_TYPE "netdev"
const char *dpif_normalize_type(const char *type);
bool dpif_type_exists(const char *type);
size_t dpif_get_types(const char ***types);
char *dpif_types_string(void);
int dpif_register_alias(const char *type, const char *existing);

/* Creates a datapath of 'type' ("" or "netdev": userspace).  Returns 0 or
 * an errno value (EAFNOSUPPORT: unknown type). */
int dpif_create(const char *type, const char *name, struct dpif **);
void dpif_destroy(struct dpif *);
const char *dpif_type(const struct dpif *);

/* Applies the knobs of Open_vSwitch:other_config that this datapath type
 * uses (each provider documents its own; the userspace datapath reads
 * n-forwarding-threads and pmd-idle-spin) and ignores the rest.  They take
 * effect at the next dpif_reconfigure().  Returns 0 or an errno value with
 * a malloc'd message in '*errorp' (if nonnull) for a value it refuses;
 * refused values keep their previous setting. */
int dpif_set_config(struct dpif *, const struct smap *other_config,
                    char **errorp);

/* Makes 'config' current (see above).  Returns 0, or an errno value if a
 * port could not be started (its receive queue failed to open): that port
 * is left out and '*errors' (if nonnull, one malloc'd string per port or
 * NULL, in config order; caller frees) says why. */
int dpif_reconfigure(struct dpif *, const struct dpif_config *,
                     char ***errors);

/* Counters, summed over forwarding threads. */
int dpif_port_stats(const struct dpif *, uint32_t port_no,
                    struct dpif_port_stats *);
void dpif_drop_stats(const struct dpif *, uint64_t counts[DP_N_DROPS]);
int dpif_port_drop_stats(const struct dpif *, uint32_t port_no,
                         uint64_t counts[DP_N_DROPS]);

/* MAC tables, per bridge (index into the last config's bridges). */
size_t dpif_fdb_dump(const struct dpif *, uint32_t bridge,
                     struct dpif_fdb_entry **entries);
void dpif_fdb_flush(struct dpif *, uint32_t bridge);
int dpif_fdb_stats(const struct dpif *, uint32_t bridge,
                   struct dpif_fdb_stats *);

/* Main-loop hooks: aging and other housekeeping. */
void dpif_run(struct dpif *);
void dpif_wait(struct dpif *);

#endif /* dpif.h */
