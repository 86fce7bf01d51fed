/*
 * netdev-dpdk-private.h -- what the files of netdev/dpdk/ share: the EAL
 * and the mbuf pool (dpdk-eal.c), the ethdev provider (netdev-dpdk.c).
 *
 * The packet buffer is the mbuf.  The pool's mbufs carry a "struct
 * dp_packet" in their private area (rte_mbuf_to_priv()), so a received
 * frame becomes a dp_packet by filling in a few fields: no allocation and
 * no copy.  Every such packet has 'dpdk_source' as its source; releasing
 * its last reference frees the mbuf.  On transmit, a packet of that source
 * goes back to the driver as the mbuf it is.
 */
#ifndef NETDEV_DPDK_PRIVATE_H
#define NETDEV_DPDK_PRIVATE_H 1

#include <stdbool.h>
#include <rte_mbuf.h>

#include "dp-packet.h"

struct smap;

/* The source of every packet in the pool. */
extern struct dp_packet_source dpdk_source;

/* The pool, or NULL until the EAL is up. */
extern struct rte_mempool *dpdk_mempool;

/* Bytes of frame an mbuf of the pool holds behind its headroom. */
#define DPDK_MBUF_DATA_ROOM 2048
/* The largest MTU a port takes: a frame with a VLAN tag must fit. */
#define DPDK_MAX_MTU (DPDK_MBUF_DATA_ROOM - ETH_HEADER_LEN - VLAN_HEADER_LEN)

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

#endif /* netdev-dpdk-private.h */
