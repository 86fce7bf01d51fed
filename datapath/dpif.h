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
 * their learned MAC entries and counters survive.  The comparison is per
 * pipeline stage: each stage owns a flat struct of settings per port or
 * bridge (below), and a change to one has the consequences that stage
 * declares -- a port whose VLAN policy changed loses its learned MAC
 * entries, one whose MTU changed keeps them.  A caller that wants to skip
 * an unchanged configuration asks dpif_config_equal(), which needs no
 * list of fields either.
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
struct dstr;
struct flow_key;
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

/* VLAN sets in configurations: NULL means every VLAN (an empty "trunks"
 * or "cvlans" column), otherwise a malloc'd bitmap.  These are the one
 * helper for copying, replacing and comparing them; every holder of a
 * configuration (the caller, the datapath's records, its snapshots) keeps
 * private copies made here. */
struct dp_vlan_bitmap *dp_vlan_set_clone(const struct dp_vlan_bitmap *);
void dp_vlan_set_assign(const struct dp_vlan_bitmap **dst,
                        const struct dp_vlan_bitmap *src);

/* Whether two VLAN sets that may be NULL ("every VLAN") are the same. */
static inline bool
dp_vlan_set_equal(const struct dp_vlan_bitmap *a,
                  const struct dp_vlan_bitmap *b)
{
    return a == b || (a && b && !memcmp(a, b, sizeof *a));
}

/* Stage configuration.
 *
 * Each pipeline stage that has settings owns one flat struct of them per
 * port and/or per bridge (see datapath/userspace/dp-stage.h).  Flat means
 * no pointers: the datapath and dpif_config_equal() compare a stage's
 * struct as a whole, bytewise, so a field added to one is compared without
 * anybody writing code for it.  Fill configurations into zeroed memory
 * (calloc, memset) so that padding compares equal too; stray padding only
 * ever makes a configuration look changed, never unchanged.
 *
 * VLAN sets are too big to copy per port on every change, so a port's
 * live in its 'vlan_sets' array (also reachable by name), compared by
 * content; a stage says which of them belong to it. */

/* Port ingress checks (the "ingress" stage). */
struct dpif_ingress_port_config {
    bool mirror_output;         /* A SPAN destination: drop its input,
                                 * never flood to it. */
};

/* Port VLAN policy (the "vlan" stage, which also owns the port's VLAN
 * sets 'trunks' and 'cvlans'). */
struct dpif_vlan_port_config {
    enum dp_vlan_mode mode;
    uint16_t tag;               /* Access/native VLAN, or tunnel VLAN. */
    uint16_t qinq_tpid;         /* Outer tag type for dot1q-tunnel (0:
                                 * 802.1ad). */
};

/* Port egress (the "output" stage). */
struct dpif_output_port_config {
    int mtu;                    /* Largest frame payload to send; 0: any. */
};

/* Settings of a stage registered at run time rather than built in (an
 * experiment, or a unit test proving that a stage plugs in): opaque flat
 * bytes, compared as a whole like every stage's. */
struct dpif_custom_port_config {
    uint64_t opaque[2];
};

enum dp_vlan_set_id {
    DP_VLAN_SET_TRUNKS,
    DP_VLAN_SET_CVLANS,
    DP_N_VLAN_SETS
};

struct dpif_port_config {
    uint32_t port_no;           /* Unique in the dpif, >= 1, stable. */
    const char *name;
    struct netdev *netdev;      /* Owned by the caller. */
    uint32_t bridge;            /* Index into dpif_config's bridges. */

    /* One flat struct per stage. */
    struct dpif_ingress_port_config ingress;
    struct dpif_vlan_port_config vlan;
    struct dpif_output_port_config output;
    struct dpif_custom_port_config custom;

    /* VLAN sets (see above), owned by whoever owns the configuration. */
    union {
        const struct dp_vlan_bitmap *vlan_sets[DP_N_VLAN_SETS];
        struct {
            const struct dp_vlan_bitmap *trunks;
            const struct dp_vlan_bitmap *cvlans;
        };
    };
};

/* Reserved multicast (the "bpdu" stage). */
struct dpif_bpdu_bridge_config {
    bool forward;               /* Forward 01:80:c2:00:00:0x. */
};

/* Learning (the "learn" stage). */
struct dpif_learn_bridge_config {
    struct dp_vlan_bitmap flood_vlans;  /* No learning on these. */
};

/* Flow export (the "flows" stage, datapath/userspace/flows.c): which
 * packets of the bridge's ports are counted for NetFlow and IPFIX.  The
 * caller picks 'export_id', unique among bridges with export, and gets it
 * back with every flow dpif_flows_drain() hands over. */
struct dpif_flows_bridge_config {
    uint32_t export_id;         /* 0: no flow export on this bridge. */
    uint32_t sampling;          /* IPFIX: count 1 in 'sampling' packets,
                                 * picked at random; 0: no IPFIX. */
    bool netflow;               /* NetFlow: count every packet. */
};

struct dpif_bridge_config {
    const char *name;

    /* The MAC table. */
    unsigned int mac_aging_s;   /* 0 means the default, 300 s. */
    unsigned int mac_table_size;    /* 0 means the default, 8192. */

    /* One flat struct per stage. */
    struct dpif_bpdu_bridge_config bpdu;
    struct dpif_learn_bridge_config learn;
    struct dpif_flows_bridge_config flows;
};

struct dpif_config {
    struct dpif_bridge_config *bridges;
    size_t n_bridges;
    struct dpif_port_config *ports;
    size_t n_ports;
};

/* Declarative configuration: whether 'a' and 'b' describe the same
 * datapath.  Names and VLAN sets are compared by content, everything else
 * bytewise (see "Stage configuration" above), so a caller can skip a
 * reconfiguration without knowing any field. */
bool dpif_config_equal(const struct dpif_config *a,
                       const struct dpif_config *b);
bool dpif_port_config_equal(const struct dpif_port_config *a,
                            const struct dpif_port_config *b);
bool dpif_bridge_config_equal(const struct dpif_bridge_config *a,
                              const struct dpif_bridge_config *b);

/* After 'pc' was copied bytewise from another configuration, makes its
 * VLAN sets private copies; and frees them. */
void dpif_port_config_clone_sets(struct dpif_port_config *pc);
void dpif_port_config_free_sets(struct dpif_port_config *pc);

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

/* Runs 'len' bytes of 'frame' as if received on port 'port_no' through
 * every stage of the pipeline without sending it or changing anything
 * (the MAC table is only read), and appends to 'out' what each stage
 * did: the VLAN, learning, the lookup, every output port with its egress
 * tag, or the drop and its reason.  Returns 0, ENOENT (no such port) or
 * EOPNOTSUPP. */
int dpif_trace(struct dpif *, uint32_t port_no, const void *frame,
               size_t len, struct dstr *out);

/* Flow export.
 *
 * The forwarding threads count the packets of bridges whose
 * configuration enables it (struct dpif_flows_bridge_config) into tables
 * of their own; dpif_flows_drain() takes everything counted since the
 * previous call from every thread of every userspace datapath in the
 * process and passes it to 'cb', one call per flow per thread.  The
 * caller merges these deltas into its flow cache (timeouts, records,
 * export are its business).  It never blocks a forwarding thread: each
 * thread has two tables and switches to the other one when asked (see
 * flows.c).  Call it often enough for a thread's table to hold what it
 * sees meanwhile (DPIF_FLOWS_THREAD_MAX flows; beyond that, packets of
 * new flows are not counted and dpif_flows_lost() says how many). */
#define DPIF_FLOWS_OUT_NONE 0           /* Not output (yet). */
#define DPIF_FLOWS_OUT_MULTI UINT32_MAX /* Flooded to several ports. */
#define DPIF_FLOWS_THREAD_MAX 65536

struct dpif_flow_delta {
    uint32_t export_id;
    uint32_t out_port;          /* Last output port, or DPIF_FLOWS_OUT_*. */
    const struct flow_key *key;
    uint64_t packets, bytes;    /* Every packet (NetFlow).  Bytes are IP
                                 * bytes, or frame bytes for non-IP. */
    uint64_t sampled_packets, sampled_bytes;    /* IPFIX's sample. */
    long long first_ms, last_ms;        /* time_now_msec() of the first and
                                         * last packet. */
    uint8_t tcp_flags;          /* Union over the packets. */
};

typedef void dpif_flows_cb(const struct dpif_flow_delta *, void *aux);
void dpif_flows_drain(dpif_flows_cb *, void *aux);
uint64_t dpif_flows_lost(void);

/* Main-loop hooks: aging and other housekeeping. */
void dpif_run(struct dpif *);
void dpif_wait(struct dpif *);

#endif /* dpif.h */
