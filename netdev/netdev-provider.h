/*
 * netdev-provider.h -- what a netdev provider implements.
 *
 * One "struct netdev_class" per device type.  A NULL member means the
 * operation is unsupported: the public wrapper in netdev.c returns
 * EOPNOTSUPP (or, for netdev_accepts_offloads(), false).  Unless a member
 * says otherwise, it runs on the main thread and may make system calls.
 *
 * A provider's device embeds "struct netdev" as its first member and its
 * receive queue embeds "struct netdev_rxq"; netdev.c allocates neither.
 */
#ifndef NETDEV_PROVIDER_H
#define NETDEV_PROVIDER_H 1

#include "netdev.h"

struct netdev_class;
struct smap;

struct netdev {
    char *name;
    const struct netdev_class *class;
};

struct netdev_rxq {
    struct netdev *netdev;
    uint64_t id;                    /* Unique for the process's life. */
};

struct netdev_class {
    /* Type name as written in Interface:type ("system", "tap", ...). */
    const char *type;

    /* Opens device 'name': allocates the provider's structure, sets
     * '*netdevp' (netdev.c fills in name and class afterwards).  Returns 0
     * or an errno value, with '*errorp' set to a malloc'd message for the
     * Interface "error" column.  Required. */
    int (*open)(const char *name, struct netdev **netdevp, char **errorp);

    /* Releases everything.  Receive queues are closed first.  Required. */
    void (*close)(struct netdev *);

    /* Interface:options the type takes: 'option_names' and 'option_helps'
     * are NULL-terminated lists (NULL: none).  netdev_set_config() refuses
     * any other name before calling set_config, so set_config only sees
     * names from this list. */
    const char *const *option_names;
    const char *const *option_helps;

    /* Applies 'options' (every name in 'option_names').  Returns 0 or an
     * errno value with a malloc'd message in '*errorp', changing nothing
     * on error.  Runs before the datapath opens the device's queues; NULL
     * means the type takes no options. */
    int (*set_config)(struct netdev *, const struct smap *options,
                      char **errorp);

    /* Number of receive queues (NULL: 1). */
    int (*get_n_rxq)(const struct netdev *);

    int (*get_ifindex)(const struct netdev *, int *ifindex);
    int (*get_etheraddr)(const struct netdev *, uint8_t mac[6]);
    int (*get_mtu)(const struct netdev *, int *mtu);
    int (*set_mtu)(struct netdev *, int mtu);
    int (*get_state)(const struct netdev *, bool *admin_up, bool *link_up);

    /* The device's own counters: frames it dropped or could not
     * deliver, as seen from the switch. */
    int (*get_stats)(const struct netdev *, struct netdev_stats *);

    /* True if sends may carry partial checksums and GSO frames. */
    bool (*accepts_offloads)(const struct netdev *);

    /* Prepares transmit queues 0..n-1 (one per forwarding thread).  Called
     * only while no thread sends.  NULL: any number of threads may call
     * send() concurrently with any qid. */
    int (*set_n_txq)(struct netdev *, int n);

    /* Receive queue.  open/close run on the main thread (close only once
     * no thread can call recv any more); recv runs on one forwarding
     * thread at a time and must not block.
     *
     * The caller owns the packets.  On entry batch->count is 0 and every
     * batch->packets[i] (i < DP_BATCH_SIZE) is a distinct descriptor whose
     * 'base' and 'allocated' describe a buffer of at least
     * DP_PACKET_HEADROOM + DP_PACKET_MAX_FRAME bytes.  recv fills them in
     * order -- packets[count] is always the next free one, though recv
     * may swap the pointers of free ones -- and returns the number
     * received (batch->count; 0 if none are waiting).  Each received
     * packet has its metadata reset (dp_packet_reset_meta()) and its
     * offload facts filled in.  A copying provider writes the frame at
     * base + DP_PACKET_HEADROOM (its virtio-net header, if any, may go in
     * the headroom just before it); a provider with a kernel ring may
     * instead point 'base', 'allocated' and 'data_ofs' into the ring, with
     * at least VLAN_HEADER_LEN writable bytes before the frame, and
     * reclaim the slots on its next recv: the caller prepares the
     * descriptors afresh before every call and stops using the packets
     * before its next recv on any queue.  A provider keeps no packet
     * buffers of its own for the caller; scratch it needs per call lives
     * on the calling thread.
     *
     * rxq_fd returns a descriptor usable with poll(POLLIN) or epoll, or -1
     * if the queue must be polled actively.  rxq_busy_poll (NULL: false)
     * says that recv finds frames by reading memory, so a busy caller
     * should call it on every pass and use the descriptor only to sleep.
     * Both may change only inside recv. */
    int (*rxq_open)(struct netdev *, int queue, struct netdev_rxq **);
    void (*rxq_close)(struct netdev_rxq *);
    int (*rxq_recv)(struct netdev_rxq *, struct dp_packet_batch *);
    int (*rxq_fd)(const struct netdev_rxq *);
    bool (*rxq_busy_poll)(const struct netdev_rxq *);

    /* Copies out 'batch' on queue 'qid' (0 <= qid < n set by set_n_txq),
     * inserting each packet's tag; runs on a forwarding thread and must
     * not block: frames the device cannot take now are dropped and counted
     * (tx_dropped).  Returns how many were sent.  An egress that does not
     * accept offloads gets frames whose checksums are finished, and drops
     * GSO frames (counted). */
    int (*send)(struct netdev *, int qid, struct netdev_tx_batch *);

    /* Main-loop hooks (optional). */
    void (*run)(void);
    void (*wait)(void);
};

/* Helpers for set_config: each reads option 'name' from 'options' into
 * '*valuep' ('dflt' if absent).  A bad value returns EINVAL with a
 * malloc'd message in '*errorp' that names the device, the option, the
 * value and what is valid, e.g. 'p1: options:n_rxq "abc" is not an
 * integer in 1..16'; '*valuep' is then unchanged. */
int netdev_option_int(const struct netdev *, const struct smap *options,
                      const char *name, int min, int max, int dflt,
                      int *valuep, char **errorp);
int netdev_option_bool(const struct netdev *, const struct smap *options,
                       const char *name, bool dflt, bool *valuep,
                       char **errorp);

/* Registers a provider (netdev_init() registers the built-in ones). */
void netdev_register_provider(const struct netdev_class *);

extern const struct netdev_class netdev_system_class;
extern const struct netdev_class netdev_tap_class;
extern const struct netdev_class netdev_internal_class;
extern const struct netdev_class netdev_dummy_class;

#endif /* netdev-provider.h */
