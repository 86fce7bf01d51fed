/*
 * netdev.h -- network devices as the datapath sees them.
 *
 * A netdev is one port's device: a kernel interface reached through
 * AF_PACKET sockets ("system", also what a QEMU/libvirt TAP is), a TAP the
 * switch creates and owns ("tap"), the bridge's own local interface
 * ("internal", a TAP named after the bridge), or an in-memory port for
 * tests ("dummy").  Providers implement "struct netdev_class"
 * (netdev-provider.h) and register in netdev.c's table, or at run time
 * with netdev_register_provider(); this header is what everyone else
 * calls.  "vsappctl netdev/types" lists the types and their options.
 *
 * Life: netdev_open() only finds the device (properties work at once);
 * netdev_set_config() applies Interface:options, each type accepting its
 * own (refused names and values come back as a message for the Interface
 * "error" column); the datapath that owns the port then opens its receive
 * queues and sets up transmit queues, which is what starts the device's
 * I/O -- a netdev nobody forwards through holds no sockets or buffers.
 *
 * Receive: a netdev has netdev_n_rxq() receive queues (options:n_rxq where
 * the type takes it), each polled by one thread at a time;
 * netdev_rxq_recv() fills a batch of up to DP_BATCH_SIZE packets without
 * a system call per packet where the device allows it.  The caller lends
 * packet buffers in the batch (dp_recv_buffers_prepare(), see
 * dp-packet.h), so a port holds no buffer memory of its own; a device
 * with a kernel ring may point packets into the ring instead (valid until
 * the caller's next receive on any queue), and a device with buffers of
 * its own (a mempool) may hand over its own packets, which carry a
 * 'source' and go back there when released.  A caller waits for frames on
 * the queue's descriptor (netdev_rxq_fd()), except that a queue reading a
 * ring (netdev_rxq_busy_poll()) is best polled on every pass of a busy
 * loop, since finding its frames costs only memory reads.
 *
 * Transmit: netdev_send() takes a batch with each packet's egress tag on
 * transmit queue 'qid' -- each forwarding thread uses its own queue, so
 * sends need no locking -- and takes ownership of one reference to each
 * packet.  The tag goes in here, once, for every device type.  A copying
 * device (socket, TAP, kernel ring) copies the frames out and the packets
 * are released; an adopting device (mbufs, UMEM frames) keeps packets of
 * its own that no other port holds, as they are, and gets a single copy
 * of anything else.  A packet queued to several ports (a flood) is never
 * changed where another port could see it.  It never blocks: what the
 * device cannot take now is dropped and counted.
 *
 * Everything else (open, close, options, addresses, MTU, statistics) is
 * for the main thread.
 */
#ifndef NETDEV_H
#define NETDEV_H 1

#include <stdbool.h>
#include <stdint.h>
#include "dp-packet.h"

struct netdev;
struct smap;
struct netdev_rxq;

/* A batch to send, with each packet's egress tag: 'tpid' 0 sends the frame
 * as it is; otherwise a tag tpid/tci is inserted after the MAC addresses.
 * netdev_send() sets 'sent_bytes' to the bytes on the wire (tags
 * included) of what it sent, since the caller may no longer look at the
 * packets. */
struct netdev_tx_batch {
    unsigned int count;
    struct dp_packet *packets[DP_BATCH_SIZE];
    uint16_t tpid[DP_BATCH_SIZE];
    uint16_t tci[DP_BATCH_SIZE];
    uint16_t queue[DP_BATCH_SIZE];  /* Egress QoS queue of each frame. */
    uint64_t sent_bytes;
};

struct netdev_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

/* Registers the built-in providers and the "netdev/types" command (once;
 * later calls do nothing). */
void netdev_init(void);

/* Process-wide settings.  netdev_set_run_dir() gives the daemon's run
 * directory (main(), before any open).  netdev_set_global_config() hands
 * Open_vSwitch other_config to every provider that has settings of its
 * own (DPDK: dpdk-init, dpdk-socket-mem, dpdk-extra, vhost-sock-dir...),
 * at the start of each reconfiguration, and fills 'status' (initialised
 * by the caller) with Open_vSwitch columns to write back, by name
 * ("dpdk_initialized" -> "true", "dpdk_version" -> "DPDK 22.11.1"). */
void netdev_set_run_dir(const char *);
void netdev_set_global_config(const struct smap *other_config,
                              struct smap *status);

/* Why interface type 'type' does not exist in this build if it is one of
 * an optional provider left out ("vswitchd was built without DPDK
 * support"), else NULL. */
const char *netdev_type_missing_reason(const char *type);

/* Opens device 'name' of 'type' ("" means "system").  Returns 0 or an
 * errno value; ENODEV: no such kernel device; EAFNOSUPPORT: unknown type.
 * On error '*errorp' (if nonnull) gets a message for the Interface "error"
 * column, e.g. "could not open network device tap0 (No such device)". */
int netdev_open(const char *name, const char *type, struct netdev **,
                char **errorp);
void netdev_close(struct netdev *);
/* Makes every later netdev_open() open a dummy device, whatever the type
 * asked for (vswitchd --enable-dummy=override, for tests). */
void netdev_set_dummy_override(bool);
const char *netdev_get_name(const struct netdev *);

/* Applies Interface:options.  Returns 0, or an errno value with a
 * malloc'd message for the Interface "error" column in '*errorp' (if
 * nonnull): an option name the type does not know (the message lists the
 * ones it does), or a value the provider refuses.  On error nothing
 * changes.  Call it before the datapath opens receive queues. */
int netdev_set_config(struct netdev *, const struct smap *options,
                      char **errorp);

/* Registered types.  netdev_get_types() returns the names, sorted, in a
 * malloc'd array of borrowed strings (caller frees the array); the types
 * string is "dummy, internal, system, tap" for error messages (caller
 * frees).  netdev_type_options() lists a type's Interface:options names
 * and one-line descriptions in '*names'/'*helps' (borrowed, n returned;
 * 0 for an unknown type). */
bool netdev_type_exists(const char *type);
size_t netdev_get_types(const char ***types);
char *netdev_types_string(void);
size_t netdev_type_options(const char *type, const char *const **names,
                           const char *const **helps);
/* NULL if interface type 'type' takes option 'name', else a malloc'd
 * message that names the valid ones (netdev_set_config() refuses with it;
 * vswitchd also checks at commit time). */
char *netdev_check_option_name(const char *type, const char *name);
/* What "vsappctl netdev/types" prints: each type, sorted, with its
 * one-line description, "unavailable: REASON" if its provider could not
 * start, and one "options:NAME: HELP" line per option (caller frees). */
char *netdev_types_describe(void);
const char *netdev_get_type(const struct netdev *);

/* Properties (main thread).  Each returns 0 or an errno value. */
int netdev_get_ifindex(const struct netdev *, int *ifindex);
int netdev_get_etheraddr(const struct netdev *, uint8_t mac[6]);
int netdev_get_mtu(const struct netdev *, int *mtu);
int netdev_set_mtu(struct netdev *, int mtu);
/* Tells the device whether its Interface has an mtu_request; true if it
 * changed its MTU in answer (a vhost-user port without one takes its
 * guest's), which the caller then reads again. */
bool netdev_set_mtu_requested(struct netdev *, bool requested);
int netdev_get_state(const struct netdev *, bool *admin_up, bool *link_up);
int netdev_get_stats(const struct netdev *, struct netdev_stats *);
/* Adds the device's Interface:status pairs to 'status' (EOPNOTSUPP, and
 * nothing added, if the type reports none). */
int netdev_get_status(const struct netdev *, struct smap *status);
/* True if the device takes frames with partial checksums and GSO
 * super-frames (it speaks virtio-net headers). */
bool netdev_accepts_offloads(const struct netdev *);

/* Fast path.  netdev_set_n_txq() is called (main thread, with no sends in
 * progress) before forwarding threads use queues 0..n-1. */
int netdev_set_n_txq(struct netdev *, int n);
/* How many receive queues the device has (Interface:options:n_rxq where
 * the type supports it; 1 otherwise).  Queue 'queue' (0 <= queue <
 * netdev_n_rxq()) is opened with netdev_rxq_open(); a datapath opens all
 * of them and may poll each from a different thread.  Opening the first
 * queue or setting transmit queues is what starts a device's I/O: a
 * netdev only opened (say, for a datapath that forwards in the kernel)
 * holds no sockets or buffers. */
int netdev_n_rxq(const struct netdev *);
int netdev_rxq_open(struct netdev *, int queue, struct netdev_rxq **);
void netdev_rxq_close(struct netdev_rxq *);
/* Receives up to DP_BATCH_SIZE frames into 'batch', which the caller has
 * prepared with dp_recv_buffers_prepare() (count 0, every packets[i] a
 * descriptor with its own buffer), and returns how many (batch->count);
 * 0 means nothing now.  Received packets are packets[0..count-1]; the
 * device may have changed any descriptor's 'base' and 'data_ofs' (to point
 * into its ring) and the order of the pointers, so prepare the batch again
 * before every call.  The
 * packets stay valid until the caller's next netdev_rxq_recv().
 * Malformed or oversized frames are dropped and counted as rx_errors by
 * the device itself.  Never blocks. */
int netdev_rxq_recv(struct netdev_rxq *, struct dp_packet_batch *);
/* A file descriptor that polls readable when packets wait, or -1 if the
 * queue must be polled actively (and a sleeping caller should wake up
 * often).  It may change, but only inside netdev_rxq_recv() on the queue,
 * so a caller that registers it with poll() or epoll checks it again after
 * each receive. */
int netdev_rxq_fd(const struct netdev_rxq *);
/* A number that identifies the queue among every queue the process ever
 * opened (an address may be reused after netdev_rxq_close()). */
uint64_t netdev_rxq_id(const struct netdev_rxq *);
/* True if the queue reads a ring in memory: a busy caller should call
 * netdev_rxq_recv() on every pass rather than wait for its descriptor,
 * which is then only for sleeping.  Changes like netdev_rxq_fd(). */
bool netdev_rxq_busy_poll(const struct netdev_rxq *);
/* Receive interrupts (netdev-provider.h says more): a thread about to
 * sleep on the descriptor of a busy-polled queue calls netdev_rxq_arm(),
 * which returns 0 (sleep), EAGAIN (frames are waiting: poll instead) or
 * EOPNOTSUPP (the descriptor needs no arming); once awake, it calls
 * netdev_rxq_disarm() on every queue it armed, 0 or EAGAIN alike. */
int netdev_rxq_arm(struct netdev_rxq *);
void netdev_rxq_disarm(struct netdev_rxq *);
/* True if netdev_rxq_recv() on 'rxq' never writes to the lent descriptors
 * (it delivers only packets of the device's own): see
 * dp_recv_buffers_prepare_lazy(). */
bool netdev_rxq_lends_nothing(const struct netdev_rxq *);
/* Sends 'batch' on queue 'qid'; returns how many went out and sets
 * batch->sent_bytes.  Takes ownership of one reference to every packet in
 * it (dp_packet_release()), sent or not: the caller must not touch them
 * afterwards.  Each packet leaves with the egress tag in
 * batch->tpid[i]/tci[i], which needs VLAN_HEADER_LEN bytes of headroom
 * (every receive path leaves them; a packet without is not sent, counted
 * by the coverage counter netdev_tx_no_headroom).  The coverage counters
 * netdev_tx_adopted and netdev_tx_copied count the packets an adopting
 * device took as they were and the ones copied once for it. */
int netdev_send(struct netdev *, int qid, struct netdev_tx_batch *);

/* Egress QoS in the kernel (main thread).
 *
 * A kernel-backed device (system) shapes its own egress with a tc HTB
 * qdisc that netdev_set_qos() installs: one class per queue, fed by the
 * queue number each frame carries in netdev_tx_batch's 'queue' (the
 * provider marks the frames' skb priority).  Rates are in bit/s and
 * bursts in bits, as in the database; 0 means "not set".  Queue ids are
 * 0..NETDEV_QOS_MAX_QUEUE_ID.  A NULL 'qos' removes what the switch
 * installed (and only that).  Devices that cannot (dummy, and TAPs the
 * switch writes to, whose egress is the guest's side) answer EOPNOTSUPP
 * and netdev_has_kernel_qos() is false: the datapath shapes for them. */
#define NETDEV_QOS_MAX_QUEUES 64
#define NETDEV_QOS_MAX_QUEUE_ID 0xeffe

struct netdev_queue_config {
    uint32_t id;
    uint64_t min_rate;          /* Guaranteed, bit/s. */
    uint64_t max_rate;          /* Ceiling, bit/s (0: the port's). */
    uint64_t burst;             /* Bits (0: a default). */
    uint32_t priority;          /* Lower borrows first (0..7 in HTB). */
};

struct netdev_qos_config {
    uint64_t max_rate;          /* The port's total, bit/s (0: none). */
    unsigned int n_queues;
    struct netdev_queue_config queues[NETDEV_QOS_MAX_QUEUES];
};

struct netdev_queue_stats {
    uint32_t id;
    uint64_t packets, bytes, dropped;
    uint64_t backlog_packets, backlog_bytes;
    uint64_t rate_bps;          /* The kernel's estimate, if any. */
};

bool netdev_has_kernel_qos(const struct netdev *);
int netdev_set_qos(struct netdev *, const struct netdev_qos_config *qos,
                   char **errorp);
/* Fills up to 'max' entries of 'stats', one per queue, in id order;
 * returns how many, or a negative errno value. */
int netdev_get_queue_stats(const struct netdev *,
                           struct netdev_queue_stats *stats, size_t max);

/* Main-loop hooks for providers that need them (dummy). */
void netdev_run(void);
void netdev_wait(void);
/* True (once) if a provider called netdev_request_reconfigure() since the
 * last call: the caller reconfigures, pushing every datapath's
 * configuration again even if the database did not change. */
bool netdev_take_reconfigure_request(void);

#endif /* netdev.h */
