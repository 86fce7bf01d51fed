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

struct bpf_program;
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

/* Mirrors (the "mirror-in" and "mirror-out" stages): which of the
 * bridge's mirrors (bit i: its mirror.mirrors[i]) select the frames that
 * enter this port (Mirror:select_src_port, select_all) and that leave it
 * (select_dst_port, select_all).  A mirror's SPAN output port has
 * ingress.mirror_output set instead. */
struct dpif_mirror_port_config {
    uint32_t src;
    uint32_t dst;
};

/* Egress QoS of a port (the "qos" stage picks each frame's queue, the
 * "output" stage shapes or hands the queue to the device).  'qos' is an
 * immutable description shared by every port with the same settings
 * (dpif_qos_get() below): two configurations with equal QoS hold the same
 * pointer, so comparing the struct bytewise compares the QoS by content.
 * 'kernel' says that the device shapes (a kernel HTB installed with
 * netdev_set_qos()) and the datapath only tells it each frame's queue;
 * otherwise the datapath shapes in userspace.  'ingress_queue' is
 * Port:other_config:qos-queue: every frame entering this port uses that
 * queue on output ports whose QoS has it (-1: none). */
struct dpif_qos_port_config {
    const struct dpif_qos *qos;
    bool kernel;
    int32_t ingress_queue;
};

/* Ingress policing (the "police" stage): Interface:ingress_policing_rate
 * and _burst in kbit/s and kbit, _kpkts_rate and _kpkts_burst in
 * kilo-packets; 0 rate: no limit of that kind. */
struct dpif_police_port_config {
    uint64_t kbps, kbits;
    uint64_t kpkts_rate, kpkts_burst;
};

/* Settings of a stage registered at run time rather than built in (an
 * experiment, or a unit test proving that a stage plugs in): opaque flat
 * bytes, compared as a whole like every stage's. */
struct dpif_custom_port_config {
    uint64_t opaque[2];
};

/* Which forwarding thread polls which of the port's receive queues
 * (Interface other_config:pmd-rxq-affinity, parsed by pmd-config.h): queue
 * 'queue' goes to the thread pinned to CPU 'core'.  Not a pipeline stage's
 * setting: the datapath compares it itself and moves queues when it
 * changes.  Pins are sorted by queue, unique, and unused entries zero. */
#define DPIF_MAX_RXQ_PINS 32
#define DPIF_MAX_RXQ_ID 1023

struct dpif_rxq_port_config {
    uint32_t n_pins;
    struct dpif_rxq_pin {
        uint16_t queue;
        uint16_t core;
    } pins[DPIF_MAX_RXQ_PINS];
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
    struct dpif_mirror_port_config mirror;
    struct dpif_qos_port_config qos;
    struct dpif_police_port_config police;
    struct dpif_custom_port_config custom;

    /* Thread placement of its receive queues. */
    struct dpif_rxq_port_config rxq;

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

/* One mirror of a bridge (Mirror row): where the copies of the frames it
 * selects go, exactly one of a SPAN port or an RSPAN VLAN, how much of
 * each frame, and which frames among those selected.  The selection
 * itself is in the ports' mirror settings and in 'vlan_mirrors' below. */
struct dpif_mirror_config {
    char name[32];              /* For dp/trace, cut short if longer. */
    uint32_t id;                /* Counter of this mirror: below
                                 * DPIF_MAX_MIRROR_IDS, unique in the
                                 * datapath (dpif_mirror_stats()). */
    uint32_t output_port;       /* SPAN: the destination's port number
                                 * (that port has ingress.mirror_output);
                                 * 0 for RSPAN. */
    uint16_t output_vlan;       /* RSPAN: copies go out tagged with this
                                 * VLAN (1-4095) on every port carrying
                                 * it. */
    uint32_t snaplen;           /* Copies are cut to this many bytes (at
                                 * least 14); 0: whole frames. */
    const struct bpf_program *filter;  /* A compiled pcap-filter
                                 * expression run on each selected frame
                                 * (without its 802.1Q tag), or NULL.
                                 * Owned by the caller, who keeps it
                                 * unchanged at this address while any
                                 * configuration given to a datapath
                                 * points to it (dpif_reconfigure()). */
};

#define DPIF_MAX_MIRRORS 32     /* Per bridge. */
#define DPIF_MAX_MIRROR_IDS 1024        /* Per datapath. */

struct dpif_mirror_bridge_config {
    uint32_t n_mirrors;
    struct dpif_mirror_config mirrors[DPIF_MAX_MIRRORS];
    uint32_t vlan_mirrors[4096];  /* Per VLAN, the mirrors whose
                                   * select_vlan includes it (bits as in
                                   * struct dpif_mirror_port_config). */
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
    struct dpif_mirror_bridge_config mirror;
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

/* QoS descriptions.
 *
 * A "struct dpif_qos" is the compiled, immutable form of a QoS row and its
 * queues: rates, priorities, DSCP re-marking and the steering rules
 * (pcap-filter programs, PCP and DSCP sets).  dpif_qos_get() returns the
 * one object for a given description (interned: the same settings give
 * the same pointer) with a reference the caller releases with
 * dpif_qos_unref() once no configuration it gave a datapath uses it --
 * after the dpif_reconfigure() that replaced it has returned.  Main thread
 * only; forwarding threads read the objects through their snapshots. */
enum dpif_qos_type {
    DPIF_QOS_HTB,               /* linux-htb (and linux-hfsc): queues. */
    DPIF_QOS_EGRESS_POLICER,    /* egress-policer: cir/cbs, drops. */
};

#define DPIF_QOS_MAX_QUEUES 64
#define DPIF_QOS_MAX_QUEUE_ID 0xeffe

struct dpif_qos_queue_desc {
    uint32_t id;
    uint64_t min_rate, max_rate;    /* bit/s; 0: not set. */
    uint64_t burst;                 /* bits; 0: a default. */
    uint32_t priority;
    int dscp;                       /* Queue:dscp re-marking, -1: none. */
    const char *filter;             /* other_config:filter, NULL: none. */
    uint8_t pcp_mask;               /* other_config:pcp; 0: any. */
    uint64_t dscp_mask;             /* other_config:match-dscp; 0: any. */
};

struct dpif_qos_desc {
    enum dpif_qos_type type;
    uint64_t max_rate;              /* QoS other_config:max-rate, bit/s. */
    uint64_t cir, cbs;              /* egress-policer: bytes/s, bytes. */
    size_t n_queues;                /* Sorted by id, unique. */
    struct dpif_qos_queue_desc queues[DPIF_QOS_MAX_QUEUES];
};

struct dpif_qos *dpif_qos_get(const struct dpif_qos_desc *, char **errorp);
void dpif_qos_unref(const struct dpif_qos *);
const struct dpif_qos_desc *dpif_qos_desc(const struct dpif_qos *);

/* Compiles a pcap-filter expression as a QoS or mirror filter would.
 * Returns NULL if it is valid, else libpcap's message (malloc'd). */
char *dpif_filter_check(const char *expression);

/* One queue's counters (qos/show): frames sent, bytes, drops, what waits
 * now and the rate over the last measurement window, in bit/s. */
struct dpif_queue_stats {
    uint32_t id;
    uint64_t packets, bytes, dropped;
    uint64_t backlog_packets, backlog_bytes;
    uint64_t rate_bps;
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
 * n-forwarding-threads, pmd-cpu-mask and pmd-idle-spin) and ignores the
 * rest.  They take
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

/* The queues of port 'port_no''s userspace shaper (a port whose QoS the
 * datapath applies itself): fills up to 'max' entries in id order and
 * returns how many, or a negative errno value (-ENOENT: no such port or
 * no userspace QoS on it). */
int dpif_queue_stats(const struct dpif *, uint32_t port_no,
                     struct dpif_queue_stats *, size_t max);

/* MAC tables, per bridge (index into the last config's bridges). */
size_t dpif_fdb_dump(const struct dpif *, uint32_t bridge,
                     struct dpif_fdb_entry **entries);
void dpif_fdb_flush(struct dpif *, uint32_t bridge);
int dpif_fdb_stats(const struct dpif *, uint32_t bridge,
                   struct dpif_fdb_stats *);

/* What mirror counter 'id' (struct dpif_mirror_config) counted since the
 * datapath was created, summed over threads: the frames it selected and
 * its filter passed, and their bytes as copied (after 'snaplen').  A
 * counter keeps counting across reconfigurations and is never reset: a
 * caller that gives an id to a new mirror subtracts what it read before.
 * Returns 0 or EINVAL (id out of range) or EOPNOTSUPP. */
int dpif_mirror_stats(const struct dpif *, uint32_t id,
                      uint64_t *packets, uint64_t *bytes);

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
 * new flows are not counted and dpif_flows_lost() says how many), and
 * at once when dpif_flows_drain_wanted() says so. */
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


/* A thread whose table is half full asks for a drain before the next
 * periodic one: dpif_flows_drain_wanted() is then true, and
 * dpif_flows_wait() (main loop only) wakes the poll loop when it
 * becomes true. */
bool dpif_flows_drain_wanted(void);
void dpif_flows_wait(void);

/* What a thread ending hands over is kept for the next drain, so a
 * caller that drains after a reconfiguration that stopped threads (or
 * destroyed a datapath) gets their counts. */

struct dpif_flows_stats {
    uint64_t lost;              /* Packets not counted: a table was full. */
    uint64_t early_drains;      /* Drains a filling table asked for. */
};
void dpif_flows_get_stats(struct dpif_flows_stats *);

/* Forwarding threads (vsappctl dpif/pmd-stats-show, dpif/pmd-rxq-show).
 *
 * dpif_pmd_dump() describes each forwarding thread of a datapath that has
 * them: the CPU it is pinned to, its counters since it started or since
 * the last dpif_pmd_stats_clear() -- packets received, passes over its
 * queues, cycles spent in passes that received something ("busy") and in
 * passes that did not ("idle"; time asleep is neither), sleeps and
 * wake-ups, sends to devices and the frames in them -- and the receive
 * queues it polls with each one's packets and busy cycles.  Cycles are
 * time-stamp counter ticks on x86, nanoseconds elsewhere.  Each thread writes only its own counters; this reads them
 * without stopping anything, so the figures of one thread are consistent
 * to within one pass. */
#define DPIF_MAX_PMD_THREADS 64     /* Per datapath. */

struct dpif_pmd_rxq {
    uint32_t port_no;
    unsigned int queue;             /* Index among the port's queues. */
    int pin_core;                   /* pmd-rxq-affinity core, or -1. */
    bool pinned;                    /* On the thread of 'pin_core' (false
                                     * if no thread runs there). */
    uint64_t packets, busy_cycles;
};

struct dpif_pmd {
    unsigned int id;                /* Thread "pmd<id>". */
    int tid;                        /* Linux thread id, 0 if unknown. */
    int core;                       /* CPU it is pinned to, or -1. */
    int pin_error;                  /* errno of a failed pinning, or 0. */
    bool isolated;                  /* Polls only its pinned queues. */
    uint64_t packets, passes;
    uint64_t busy_cycles, idle_cycles;
    uint64_t sleeps, wakeups;
    uint64_t tx_calls, tx_frames;   /* Device sends and their frames. */
    struct dpif_pmd_rxq *rxqs;
    size_t n_rxqs;
};

/* Stores a malloc'd array of the datapath's threads in '*pmds' and their
 * number in '*n'.  Returns 0 or EOPNOTSUPP (a datapath without forwarding
 * threads). */
int dpif_pmd_dump(const struct dpif *, struct dpif_pmd **pmds, size_t *n);
void dpif_pmd_dump_free(struct dpif_pmd *, size_t n);
int dpif_pmd_stats_clear(struct dpif *);

/* Main-loop hooks: aging and other housekeeping. */
void dpif_run(struct dpif *);
void dpif_wait(struct dpif *);

#endif /* dpif.h */
