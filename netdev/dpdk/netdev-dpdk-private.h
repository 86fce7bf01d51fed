/*
 * netdev-dpdk-private.h -- what the files of netdev/dpdk/ share: the EAL
 * and the mbuf pool (dpdk-eal.c), the port provider (netdev-dpdk.c) and
 * its vhost-user part (netdev-dpdk-vhost.c), which both work on the one
 * struct netdev_dpdk below.
 *
 * The packet buffer is the mbuf.  The pool's mbufs carry a "struct
 * dp_packet" in their private area (rte_mbuf_to_priv()), so a received
 * frame becomes a dp_packet by filling in a few fields: no allocation and
 * no copy.  Every such packet has 'dpdk_source' as its source; releasing
 * its last reference frees the mbuf.  On transmit, a packet of that source
 * goes back to the driver as the mbuf it is.
 *
 * Jumbo frames.  The pool's mbufs hold a frame of up to 2048 bytes, as
 * most traffic needs; a port with a larger MTU receives its longer frames
 * as chains of them (RTE_ETH_RX_OFFLOAD_SCATTER, turned on at start on
 * every device that offers it; the vhost library chains by itself), and
 * the receive path copies each chain into one mbuf of a second pool of
 * 9216-byte buffers, so that every packet stays contiguous, as the
 * pipeline needs.  That pool is made when the first port asks for an MTU
 * over DPDK_STD_MAX_MTU.  Chosen over a receive pool per MTU (no copy,
 * but a port's pool could then change only by restarting the port, which
 * the forwarding threads may be polling): an MTU change is a plain
 * rte_eth_dev_set_mtu() at any time, normal frames cost nothing more, and
 * a jumbo frame costs one copy.  Both pools have the same private area, so
 * a jumbo packet is a dp_packet like any other, shared by reference in a
 * flood the same way.
 */
#ifndef NETDEV_DPDK_PRIVATE_H
#define NETDEV_DPDK_PRIVATE_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "dp-packet.h"
#include "netdev-provider.h"

struct smap;

/* The source of every packet in the pool. */
extern struct dp_packet_source dpdk_source;

/* The pool, or NULL until the EAL is up. */
extern struct rte_mempool *dpdk_mempool;

/* Bytes of frame an mbuf of the pool holds behind its headroom. */
#define DPDK_MBUF_DATA_ROOM 2048
/* The largest MTU whose frames, with a VLAN tag, fit in one such mbuf. */
#define DPDK_STD_MAX_MTU (DPDK_MBUF_DATA_ROOM - ETH_HEADER_LEN \
                          - VLAN_HEADER_LEN)
/* Bytes of frame an mbuf of the jumbo pool holds. */
#define DPDK_JUMBO_DATA_ROOM 9216
/* The largest MTU a port takes: a frame with a VLAN tag must fit in a
 * jumbo mbuf. */
#define DPDK_MAX_MTU (DPDK_JUMBO_DATA_ROOM - ETH_HEADER_LEN - VLAN_HEADER_LEN)

/* The jumbo pool: made by dpdk_jumbo_pool_get() (main thread), NULL
 * before.  Forwarding threads read it with dpdk_jumbo_pool(). */
int dpdk_jumbo_pool_get(void);
static inline struct rte_mempool *
dpdk_jumbo_pool(void)
{
    extern struct rte_mempool *dpdk_jumbo_mempool;

    return __atomic_load_n(&dpdk_jumbo_mempool, __ATOMIC_ACQUIRE);
}

/* Whether 'pool' is one of ours (its mbufs carry a dp_packet). */
static inline bool
dpdk_pool_is_ours(const struct rte_mempool *pool)
{
    return pool == dpdk_mempool || (pool && pool == dpdk_jumbo_pool());
}

static inline struct dp_packet *
dpdk_mbuf_to_packet(struct rte_mbuf *m)
{
    return rte_mbuf_to_priv(m);
}

static inline struct rte_mbuf *
dpdk_packet_to_mbuf(struct dp_packet *p)
{
    return (struct rte_mbuf *) ((char *) p - sizeof(struct rte_mbuf));
}

/* Makes the dp_packet of 'm' describe the mbuf's frame, as a packet
 * freshly received. */
static inline struct dp_packet *
dpdk_packet_from_mbuf(struct rte_mbuf *m)
{
    struct dp_packet *p = dpdk_mbuf_to_packet(m);

    p->base = m->buf_addr;
    p->allocated = m->buf_len;
    p->data_ofs = m->data_off;
    p->size = m->data_len;
    p->source = &dpdk_source;
    p->refs = 0;
    dp_packet_reset_meta(p, 0);
    return p;
}

/* Makes the mbuf of 'p' describe the frame the dp_packet says (tags pushed
 * or popped in the pipeline move data_ofs and size). */
static inline struct rte_mbuf *
dpdk_mbuf_sync(struct dp_packet *p)
{
    struct rte_mbuf *m = dpdk_packet_to_mbuf(p);

    m->data_off = p->data_ofs;
    m->data_len = p->size;
    m->pkt_len = p->size;
    return m;
}

/* The forwarding thread calling is a DPDK lcore (per-lcore mempool caches
 * need one); registers it on first use.  Cheap after that. */
void dpdk_thread_register__(void);
extern __thread bool dpdk_thread_registered;
static inline void
dpdk_thread_check(void)
{
    if (__builtin_expect(!dpdk_thread_registered, 0)) {
        dpdk_thread_register__();
    }
}

/* EAL state (main thread). */
void dpdk_eal_configure(const struct smap *other_config);
bool dpdk_eal_ready(void);
/* Why DPDK ports cannot be opened now ("set other_config:dpdk-init=true",
 * "no free hugepages ..."), or NULL if they can. */
const char *dpdk_eal_unavailable_reason(void);
const char *dpdk_eal_version(void);
/* Open_vSwitch other_config:vhost-sock-dir, as last configured ("" for
 * the run directory itself). */
const char *dpdk_vhost_sock_dir(void);

/* Ports (netdev-dpdk.c and netdev-dpdk-vhost.c). */

/* The most options:n_rxq may ask for. */
#define DPDK_MAX_RXQ 16
/* Entries of the transmit queue map: a forwarding thread's queue id, modulo
 * this, picks its entry. */
#define DPDK_TXQ_MAP 64

/* The three types (netdev-dpdk.h). */
enum dpdk_kind {
    DPDK_ETHDEV,                /* type=dpdk */
    DPDK_VHOST_SERVER,          /* type=dpdkvhostuser */
    DPDK_VHOST_CLIENT,          /* type=dpdkvhostuserclient */
};

struct netdev_dpdk {
    struct netdev up;
    struct netdev_dpdk *next;       /* In 'dpdk_list'. */
    enum dpdk_kind kind;

    /* Configuration (set_config, set_mtu). */
    char *devargs;                  /* NULL until configured. */
    char *dev_name;                 /* The device's name in 'devargs'. */
    char *vhost_path;               /* vhost-user socket, or NULL. */
    int n_rxq;
    int n_rxq_desc;
    int n_txq_desc;
    int mtu;
    bool mtu_requested;             /* Interface has an mtu_request. */

    /* Device (main thread). */
    bool attached;                  /* 'port_id' is ours. */
    bool pending;                   /* Waits for 'predecessor'. */
    struct netdev_dpdk *predecessor, *successor;
    uint16_t port_id;
    bool started;
    int cfg_n_rxq;                  /* As asked when it was started. */
    int cfg_n_txq;
    int n_rxq_real;                 /* As the port has them. */
    int n_txq_real;
    int n_rxq_open;
    int n_txq_wanted;               /* From set_n_txq (0: not yet). */
    /* Receive interrupt descriptor of each queue, or -1 (dpdk_port_start()
     * sets them before 'ready' turns true; stable while it is). */
    int rxq_intr_fds[DPDK_MAX_RXQ];
    char *attach_error;             /* A handover that failed. */

    /* vhost-user negotiation (main thread; dpdk_vhost_update() in
     * netdev-dpdk-vhost.c).  Bit q of 'vq_rx' is receive queue q (the
     * guest's transmit ring of pair q), of 'vq_tx' transmit queue q, set
     * while the guest has it enabled. */
    bool vhost_connected;
    uint32_t vq_rx, vq_tx;
    int n_rxq_guest;                /* Receive queues the datapath polls. */
    int guest_mtu;                  /* The connected guest's announced MTU
                                     * (host_mtu), 0 if none. */
    bool guest_mtu_warned;          /* Warned about it this connection. */

    /* Fast path. */
    atomic_bool ready;
    bool txq_shared;                /* More threads than queues. */
    atomic_uint rxq_live;           /* Bit q: queue q may receive. */
    /* Thread queue id -> device queue (| DPDK_TXQ_LOCKED), or
     * DPDK_TXQ_NONE; dpdk_txq_map_update() writes it. */
    atomic_ushort tx_qmap[DPDK_TXQ_MAP];
    rte_spinlock_t tx_locks[RTE_MAX_QUEUES_PER_PORT > 64 ? 64
                            : RTE_MAX_QUEUES_PER_PORT];
    atomic_ullong tx_dropped;
    atomic_ullong rx_errors;        /* Frames not delivered: too long
                                     * for a jumbo mbuf, none free, or
                                     * from a foreign pool. */
};

/* netdev-dpdk.c. */

/* Rewrites d->tx_qmap from the queues the port has (and, for vhost-user,
 * those the guest enabled); netdev-dpdk.c says how, "Transmit queues". */
void dpdk_txq_map_update(struct netdev_dpdk *d);
/* The MTU of a port without mtu_request (and without a guest's). */
#define DPDK_DEFAULT_MTU 1500
/* Sets the MTU of 'd' (68..DPDK_MAX_MTU, checked): returns 0 or an errno
 * value, having logged why. */
int dpdk_mtu_set(struct netdev_dpdk *d, int mtu);
/* Adds 'key' with the decimal 'value' to an Interface status map. */
void dpdk_status_add_int(struct smap *status, const char *key,
                         long long value);

/* netdev-dpdk-vhost.c: the vhost-user types.  Each function does nothing
 * for a type=dpdk port; all run on the main thread. */

/* The option names and helps of the two classes. */
extern const char *const dpdk_vhost_server_option_names[];
extern const char *const dpdk_vhost_server_option_helps[];
extern const char *const dpdk_vhost_client_option_names[];
extern const char *const dpdk_vhost_client_option_helps[];
/* Parses options:n_rxq and the socket into the devargs of a vhost PMD. */
int dpdk_vhost_parse_config(const struct netdev_dpdk *d,
                            const struct smap *options, int *n_rxqp,
                            char **devargsp, char **pathp, char **errorp);
/* Makes the directory of a server socket (other_config:vhost-sock-dir). */
void dpdk_vhost_sock_mkdir(const struct netdev_dpdk *d);
/* Forgets the old guest's rings and registers the event callbacks. */
void dpdk_vhost_attach(struct netdev_dpdk *d);
/* Unregisters the event callbacks. */
void dpdk_vhost_detach(const struct netdev_dpdk *d);
/* Gives a server socket mode 0660 and the run directory's group. */
void dpdk_vhost_socket_perms(const struct netdev_dpdk *d);
/* Reads the rings enabled before the port was started. */
void dpdk_vhost_started(const struct netdev_dpdk *d);
/* Gives 'd' the MTU its guest announced, or DPDK_DEFAULT_MTU without
 * one, unless the Interface has an mtu_request; warns once per connection
 * about an announced MTU the port does not take.  True if the MTU
 * changed. */
bool dpdk_vhost_mtu_follow(struct netdev_dpdk *d);
/* Forwarding thread: rxq_arm and rxq_disarm of receive queue 'queue'
 * (netdev-dpdk-vhost.c, "Receive interrupts"). */
int dpdk_vhost_rxq_arm(const struct netdev_dpdk *d, int queue);
void dpdk_vhost_rxq_disarm(const struct netdev_dpdk *d, int queue);
/* Catches up with the guests of the ports on 'list' after an event. */
void dpdk_vhost_run(struct netdev_dpdk *list);
/* Wakes the main loop on the next event. */
void dpdk_vhost_wait(void);
/* The Interface status of a vhost-user port; 'n_rxq' as get_n_rxq says. */
void dpdk_vhost_get_status(const struct netdev_dpdk *d, int n_rxq,
                           struct smap *status);

#endif /* netdev-dpdk-private.h */
