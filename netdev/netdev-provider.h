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
 *
 * Life of a device, as the caller drives it:
 *
 *   open -> set_config -> (rxq_open for each queue, set_n_txq) -> recv
 *   and send on forwarding threads -> rxq_close -> close
 *
 * 'open' only finds the device and answers questions about it (ifindex,
 * MAC, MTU, state), so that a port a kernel datapath forwards, or one that
 * is configured but not yet in a datapath, costs no sockets, rings or
 * buffers.  A device starts its I/O when the datapath that owns it opens
 * a receive queue or sets up transmit queues.
 *
 * Packets: the division of labour between netdev.c and a provider is
 * what lets DPDK mbufs and AF_XDP frames be the packet buffer without
 * every provider knowing about every other.  Shared code does egress
 * tagging (once, for everyone), decides whether a packet can be handed
 * to a device as it is or must be copied, and releases what a copying
 * device was given; a provider only moves plain frames.  See 'send' and
 * 'send_adopt' below.
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
    /* Type name as written in Interface:type ("system", "tap", ...), and
     * a one-line description for "netdev/types". */
    const char *type;
    const char *description;

    /* One-time initialisation of the provider, or NULL if it needs none.
     * netdev.c calls it once, on the main thread, just before the first
     * open of a device of this type (so a type nobody uses costs
     * nothing: a DPDK provider would start its environment here).  On
     * failure it returns an errno value with a malloc'd reason in
     * '*reasonp' ("no hugepages mounted"); the type then stays registered
     * but unavailable: every open fails with that reason, and
     * "netdev/types" shows it.  It is not retried. */
    int (*init)(char **reasonp);

    /* Process-wide settings, or NULL if the type has none: called on the
     * main thread at the start of every reconfiguration, before any
     * device is opened, with Open_vSwitch other_config.  A provider with
     * an environment to start (DPDK's EAL, on dpdk-init=true) starts it
     * here; it adds to 'status' the columns of the Open_vSwitch row it
     * reports (name -> value, e.g. "dpdk_initialized" -> "true"), which
     * the caller writes back where the schema has such a column.  Types
     * of one provider may share the function: netdev.c calls each
     * distinct function once per reconfiguration. */
    void (*set_global_config)(const struct smap *other_config,
                              struct smap *status);

    /* Opens device 'name': allocates the provider's structure, sets
     * '*netdevp' (netdev.c fills in name and class afterwards).  Returns 0
     * or an errno value, with '*errorp' set to a malloc'd message for the
     * Interface "error" column.  Must not start I/O (see the top of this
     * file): no sockets for packets, no rings, no buffers.  Required. */
    int (*open)(const char *name, struct netdev **netdevp, char **errorp);

    /* Releases everything.  Receive queues are closed first.  Required. */
    void (*close)(struct netdev *);

    /* Interface:options the type takes: 'option_names' and 'option_helps'
     * are NULL-terminated lists of the same length (NULL: none), a help
     * being one line that states the valid values and the default.
     * netdev_set_config() refuses any other name before calling
     * set_config, so set_config only sees names from this list. */
    const char *const *option_names;
    const char *const *option_helps;

    /* Applies 'options' (only names in 'option_names'; an absent option
     * means its default, so an empty map restores every default).
     * Returns 0 or an errno value with a malloc'd message in '*errorp'
     * that names the option and what is valid (netdev_option_int() and
     * friends write such messages), changing nothing on error.  The caller
     * applies options while no forwarding thread uses the device: before
     * it opens receive queues, or with them closed.  A change of the
     * number of receive queues takes effect for queues opened afterwards.
     * NULL means the type takes no options. */
    int (*set_config)(struct netdev *, const struct smap *options,
                      char **errorp);

    /* Number of receive queues (NULL: 1).  Changes in set_config, or --
     * for a device whose peer negotiates them, such as a vhost-user guest
     * enabling queue pairs -- on the main thread, after which the provider
     * calls netdev_request_reconfigure(): the datapath then closes the
     * device's queues and opens as many as get_n_rxq says.  Until then it
     * keeps polling the queues it has open, which must stay valid (a queue
     * the peer disabled receives nothing). */
    int (*get_n_rxq)(const struct netdev *);

    /* Properties.  Each returns 0 or an errno value. */
    int (*get_ifindex)(const struct netdev *, int *ifindex);
    int (*get_etheraddr)(const struct netdev *, uint8_t mac[6]);
    int (*get_mtu)(const struct netdev *, int *mtu);
    int (*set_mtu)(struct netdev *, int mtu);
    /* Whether the Interface asks for an MTU (mtu_request), said before any
     * set_mtu on every reconfiguration.  For a device whose peer proposes
     * an MTU (a vhost-user guest): while nothing is requested it may take
     * the peer's, and returns true if its MTU changed now, so that the
     * caller reads it again; a change later, on the peer's initiative, is
     * a netdev_request_reconfigure().  NULL: the MTU is set_mtu's alone. */
    bool (*set_mtu_requested)(struct netdev *, bool requested);
    int (*get_state)(const struct netdev *, bool *admin_up, bool *link_up);

    /* Interface:status: what the device reports about itself beyond the
     * dedicated columns, as key/value pairs added to 'status' (a vhost-user
     * port's "mode", "status" and negotiated queue counts, say).  Called on
     * the main thread whenever the interface's state is refreshed (after
     * a configuration change or a netdev_request_reconfigure()).  NULL:
     * the column stays empty. */
    int (*get_status)(const struct netdev *, struct smap *status);

    /* The device's own counters: frames it dropped or could not
     * deliver, as seen from the switch.  Safe while forwarding threads
     * send and receive (they count in memory the provider sums here). */
    int (*get_stats)(const struct netdev *, struct netdev_stats *);

    /* True if sends may carry partial checksums and GSO frames. */
    bool (*accepts_offloads)(const struct netdev *);

    /* Prepares transmit queues 0..n-1 (one per forwarding thread), and
     * with the first call starts the device's transmit I/O.  Called only
     * while no thread sends.  A send before the first call may drop
     * everything (counted).  NULL: any number of threads may call send()
     * concurrently with any qid. */
    int (*set_n_txq)(struct netdev *, int n);

    /* Receive queue 'queue' (0 <= queue < get_n_rxq(); netdev.c checks).
     * open/close run on the main thread (close only once no thread can
     * call recv any more); the first open starts the device's receive I/O.
     * recv runs on one forwarding thread at a time and must not block;
     * different queues of a device may be polled by different threads at
     * once.
     *
     * The caller owns the packets.  On entry batch->count is 0 and every
     * batch->packets[i] (i < DP_BATCH_SIZE) is a distinct descriptor whose
     * 'base' and 'allocated' describe a buffer of at least
     * DP_PACKET_HEADROOM + DP_PACKET_MAX_FRAME bytes, with 'source' NULL
     * and 'refs' 0.  recv fills them in order -- packets[count] is always
     * the next free one, though recv may swap the pointers of free ones --
     * and returns the number received (batch->count; 0 if none are
     * waiting).  Each received packet has its metadata reset
     * (dp_packet_reset_meta()) and its offload facts filled in, and at
     * least VLAN_HEADER_LEN writable bytes in front of its frame.  There
     * are three ways to deliver a frame:
     *
     *   - copy it into the lent buffer at base + DP_PACKET_HEADROOM (a
     *     virtio-net header, if any, may go in the headroom before it);
     *
     *   - point the lent descriptor's 'base', 'allocated' and 'data_ofs'
     *     into a kernel ring, and reclaim the slot on the next recv: the
     *     caller prepares the descriptors afresh before every call and
     *     stops using the packets before its next recv on any queue;
     *
     *   - replace packets[count] by a packet of the provider's own, whose
     *     'source' gives it back when the caller releases it (a mempool
     *     or UMEM buffer; the caller may keep it past its next recv and
     *     must release it exactly once, see dp-packet.h).
     *
     * A provider keeps no packet buffers of its own for the caller unless
     * it hands them over that third way; scratch it needs per call lives
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

    /* Receive interrupts, for a busy-polled queue whose descriptor comes
     * from a device that must be asked to signal it (a vhost-user guest
     * kicks its ring only while the switch asks for kicks).  The thread
     * that polls the queue calls rxq_arm just before it sleeps on the
     * descriptor and rxq_disarm once it is awake again, so that a busy
     * device does not signal every frame.  rxq_arm also consumes what
     * made the descriptor readable before (an eventfd's count), and
     * returns EAGAIN if frames are already waiting -- those that arrived
     * between the thread's last receive and the arming, which signal
     * nothing: the caller then polls instead of sleeping, and still calls
     * rxq_disarm.  Otherwise 0.  Both run on the polling thread, must not
     * block, and are called only while rxq_fd is not -1.  NULL: the
     * descriptor needs no arming. */
    int (*rxq_arm)(struct netdev_rxq *);
    void (*rxq_disarm)(struct netdev_rxq *);

    /* True if rxq_recv never writes to the descriptors it is lent: every
     * packet it delivers is one of its own (the third way above), and it
     * only replaces pointers in the batch.  A caller may then skip
     * resetting descriptors that nothing has touched since they were last
     * reset (dp_recv_buffers_prepare_lazy()). */
    bool rxq_lends_nothing;

    /* Transmit, copying kind: copies out the frames of 'batch' on queue
     * 'qid' (0 <= qid < n set by set_n_txq) and returns how many were
     * sent.  The frames are complete: netdev_send() has already put each
     * one's egress tag in (and moved its offload offsets), so a provider
     * never looks at VLANs.  The copy must be finished when send returns
     * (into a socket, a TAP, a ring slot, a FIFO): send must not keep,
     * modify or release the packets -- netdev_send() releases them and,
     * for a packet it tagged in place, takes the tag out again first,
     * which is what makes tagging in place safe for a packet shared by a
     * flood (see netdev.c).  Runs on a forwarding thread and must not
     * block: frames the device cannot take now are dropped and counted
     * (tx_dropped) -- the datapath also counts them, as tx-full drops of
     * the port, and Interface statistics report the datapath's count (so
     * the device's tx_dropped is for its own reports, e.g.
     * netdev-dummy/show, and never added to it).  An egress that does not accept offloads finishes
     * partial checksums on its copy and drops GSO frames (counted).
     * Required unless every device of the type adopts (below). */
    int (*send)(struct netdev *, int qid, struct dp_packet_batch *);

    /* Transmit, adopting kind, for devices whose own buffers can go to
     * the hardware as they are (DPDK mbufs, AF_XDP UMEM frames).  A
     * device adopts if tx_source is set and returns non-NULL for it; the
     * answer may change only in set_config.  It names the
     * dp_packet_source whose packets the device can transmit without a
     * copy.
     *
     * netdev_send() then calls send_adopt with packets the device owns
     * from then on: each one exclusively referenced ('refs' 0), from
     * the device's source, its egress tag already in place -- or, if the
     * source implements 'share' (dp-packet.h), possibly a packet other
     * ports still hold (a flood leaving untagged), for which netdev_send()
     * took a hold on the buffer for the device: the device gives that
     * hold back its own way (a DPDK driver frees the mbuf), never with
     * dp_packet_release(), and must not edit the frame.  A packet
     * that is shared (queued to other ports too), or from elsewhere (a
     * lent receive buffer, a kernel ring, another device's pool), is
     * copied once, with its tag, into a packet tx_alloc supplies ("copy
     * once at the boundary"), and the original reference released;
     * tx_alloc returns a packet of the provider's with room for 'size'
     * bytes from its data_ofs (and 'refs' 0), or NULL if it has none free
     * -- having counted the frame as tx_dropped.  send_adopt returns how
     * many frames were sent; every packet is the provider's to give back
     * (dp_packet_release(), or the source's own way for a shared one)
     * once the device is done with it, now or on a later call, on
     * whatever thread its source allows.  Same threading
     * and non-blocking rules and offload duties as 'send', except that
     * the provider may edit the packets (they are its own). */
    const struct dp_packet_source *(*tx_source)(const struct netdev *);
    struct dp_packet *(*tx_alloc)(struct netdev *, int qid, uint32_t size);
    int (*send_adopt)(struct netdev *, int qid, struct dp_packet_batch *);

    /* Egress QoS in the kernel (optional; netdev.h explains it).
     * set_qos installs, changes or (with NULL) removes the device's
     * queues, returning 0 or an errno value with a malloc'd message in
     * '*errorp'; from then on 'send' must put each frame in the class of
     * its p->tx_queue.  get_queue_stats reads the queues' counters.
     * Both run on the main thread.  A device with set_qos removes what it
     * installed when it is closed. */
    int (*set_qos)(struct netdev *, const struct netdev_qos_config *,
                   char **errorp);
    int (*get_queue_stats)(const struct netdev *,
                           struct netdev_queue_stats *, size_t max);

    /* Main-loop hooks (optional): 'run' does periodic main-thread work
     * (logging what helper threads recorded, for instance), 'wait'
     * arranges for the poll loop to wake up when 'run' has work. */
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

/* Asks for a reconfiguration pass (main thread only): something a
 * provider does not learn from the database changed -- a vhost-user guest
 * connected, left, or enabled another number of queue pairs -- so the
 * datapaths must look at the devices' queue counts again and the
 * interfaces' state columns be rewritten.  Cheap; calls coalesce. */
void netdev_request_reconfigure(void);

/* Registers a provider: built-in ones come from netdev.c's table (at
 * netdev_init()); an optional one (a DPDK build's "dpdk", say) calls this
 * from its own start-up code, on the main thread, before the first
 * netdev_open() of its type.  Returns 0, EEXIST if the type name is
 * taken, or ENOSPC if the registry is full.  The class must stay valid
 * for the life of the process. */
int netdev_register_provider(const struct netdev_class *);

/* The daemon's run directory (sockets a provider creates, such as a
 * vhost-user server's, go under it). */
const char *netdev_get_run_dir(void);

extern const struct netdev_class netdev_system_class;
extern const struct netdev_class netdev_tap_class;
extern const struct netdev_class netdev_internal_class;
extern const struct netdev_class netdev_dummy_class;

#endif /* netdev-provider.h */
