/*
 * dp-packet.h -- packet buffers and 32-packet batches for the fast path.
 *
 * A "struct dp_packet" describes one Ethernet frame: a buffer ('base',
 * 'allocated' bytes) holding the frame at 'data_ofs' for 'size' bytes,
 * plus metadata the pipeline fills in.  The layout mirrors DPDK's rte_mbuf
 * (buf_addr, buf_len, data_off, pkt_len), and every access goes through
 * the inline accessors below, so that a DPDK build can make the buffer an
 * mbuf without copying or touching the pipeline.
 *
 * Ownership: packet descriptors and buffers belong to the forwarding
 * thread, not to the ports.  Each thread owns one "struct
 * dp_recv_buffers": DP_BATCH_SIZE descriptors, each with a buffer big
 * enough for a 64 KiB GSO super-frame behind DP_PACKET_HEADROOM (which
 * also takes the virtio-net header a device reads in front of a frame),
 * allocated once when the thread starts.  Before every receive the thread
 * hands them to netdev_rxq_recv() in the batch (dp_recv_buffers_prepare());
 * a device either copies frames into the buffers or, if it has a ring
 * mapped from the kernel, points a descriptor's 'base' and 'data_ofs'
 * into the ring instead (zero copy).  Either way the packets stay valid
 * until that thread's next receive, which is the whole life of a batch in
 * the pipeline.  So an idle port costs no buffer memory, and nothing on
 * the fast path allocates.
 *
 * Frames in the pipeline are kept untagged: VLAN ingress removes an
 * 802.1Q/802.1ad header (if the port mode calls for it) and records the
 * VLAN in 'vlan', 'pcp' and 'tpid'; netdev_send() puts the egress tag of
 * each output port back, in the packet's headroom, just before the
 * device takes the frame (see netdev.h).  There is therefore never a
 * per-port copy or clone inside the pipeline.  Every packet a receive
 * produces has at least VLAN_HEADER_LEN writable bytes in front of its
 * frame for that; and no two descriptors ever share a buffer (a packet
 * queued to several ports is one descriptor with several references).
 *
 * Buffers a provider owns.  A device with buffers of its own (a DPDK
 * mempool, an AF_XDP UMEM, netdev-dummy's pool with options:pool=true)
 * may hand the pipeline its own packets instead of filling the lent
 * descriptors: such a packet has a 'source' and goes back there when its
 * last reference is released (dp_packet_release()).  Whoever holds a
 * reference releases it exactly once: netdev_send() for each packet it is
 * given, the pipeline for each packet it drops.  An adopting device
 * (netdev-provider.h) may then transmit such a packet without copying it.
 *
 * Offloads: a frame from a veth or a guest TAP may carry a partial
 * checksum or be a GSO "super-frame"; 'ol' holds the virtio-net header
 * facts that describe it, so an egress that understands virtio-net headers
 * can carry the offload onward and others finish it in software.
 */
#ifndef DP_PACKET_H
#define DP_PACKET_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DP_BATCH_SIZE 32
#define DP_PACKET_HEADROOM 128      /* Room to insert tags in place. */

/* The largest frame a receive buffer holds: a 64 KiB GSO super-frame plus
 * its Ethernet and VLAN headers, rounded up. */
#define DP_PACKET_MAX_FRAME (65536 + 64)

#define ETH_ADDR_LEN 6
#define ETH_HEADER_LEN 14
#define VLAN_HEADER_LEN 4
#define ETH_TYPE_VLAN 0x8100        /* 802.1Q. */
#define ETH_TYPE_VLAN_8021AD 0x88a8 /* 802.1ad (QinQ) outer tag. */

/* Offload state, as in struct virtio_net_hdr. */
struct dp_offload {
    uint8_t flags;              /* DP_OL_NEEDS_CSUM, DP_OL_DATA_VALID. */
    uint8_t gso_type;           /* VIRTIO_NET_HDR_GSO_* values. */
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;        /* From the start of the frame. */
    uint16_t csum_offset;
};
#define DP_OL_NEEDS_CSUM 1
#define DP_OL_DATA_VALID 2

struct dp_packet;

/* Where a packet's buffer comes from, for buffers a provider owns (a DPDK
 * mempool, an AF_XDP UMEM, netdev-dummy's pool).  'release' takes the
 * packet back once its last reference is released (dp_packet_release()).
 * A provider that adopts buffers on transmit recognises its own by the
 * source pointer. */
struct dp_packet_source {
    void (*release)(struct dp_packet_source *, struct dp_packet *);
    const char *name;           /* For logs and dp/trace. */

    /* Optional (NULL: not supported), for buffers a device can hold by a
     * reference of their own, such as a DPDK mbuf's reference count.
     * 'share' takes one such hold on the buffer of 'p' for an adopting
     * device, so that a packet other ports still hold (a flood) is
     * transmitted without a copy: the device gives the hold back its own
     * way (the driver frees the mbuf once sent), never through
     * dp_packet_release(), and the packet's 'refs' are untouched.
     * 'held' says whether some device may still hold such a reference:
     * its frame must then not change, not even for a moment, so
     * netdev_send() tags such a packet in a copy rather than in place.
     * Both are called on the forwarding thread that owns the packet;
     * 'held' may answer true for a hold that is already gone. */
    void (*share)(struct dp_packet_source *, struct dp_packet *);
    bool (*held)(const struct dp_packet_source *, const struct dp_packet *);
};


struct dp_packet {
    /* Buffer (mbuf-compatible meaning). */
    uint8_t *base;
    uint32_t allocated;
    uint16_t data_ofs;
    uint32_t size;

    struct dp_offload ol;

    /* Ownership: NULL 'source' is a forwarding thread's receive buffer or
     * a kernel ring slot, valid until that thread's next receive, with
     * nothing to give back; otherwise the provider's release hook runs
     * when the last reference goes.  'refs' counts references beyond the
     * first (a flood queues one packet to several ports).  Only the
     * forwarding thread that received the packet touches either, until
     * netdev_send() hands the packet to an adopting device, which may
     * release it later from its own context (its source's release hook
     * must allow that). */
    struct dp_packet_source *source;
    uint16_t refs;

    /* Pipeline metadata. */
    uint32_t in_port;           /* Datapath port number. */
    uint16_t vlan;              /* VLAN after ingress, 0-4095. */
    uint16_t tpid;              /* Outer tag type to restore on trunks. */
    uint8_t pcp;                /* Priority bits of the ingress tag. */
    uint8_t drop;               /* Drop reason, 0 while alive. */
    uint8_t batch_idx;          /* Index in the received batch, so that a
                                 * stage finds a queued packet's slot. */

    /* Egress QoS queue of the send in progress: netdev_send() copies it
     * from the transmit batch just before the provider sees the packet
     * (a flood sends one packet to several ports, each with its queue). */
    uint16_t tx_queue;
};

struct dp_packet_batch {
    unsigned int count;
    struct dp_packet *packets[DP_BATCH_SIZE];
};

/* A forwarding thread's receive descriptors and buffers (see the top of
 * this file).  Buffer i starts at 'mem' + i * DP_RECV_BUF_STRIDE. */
#define DP_RECV_BUF_STRIDE                                                  \
    ((DP_PACKET_HEADROOM + DP_PACKET_MAX_FRAME + 4095) / 4096 * 4096)
struct dp_recv_buffers {
    uint8_t *mem;
    bool dirty;                 /* See dp_recv_buffers_prepare_lazy(). */
    struct dp_packet packets[DP_BATCH_SIZE];
};

/* Allocates the buffers (address space only: a page is backed by memory
 * once a frame touches it) and frees them. */
void dp_recv_buffers_init(struct dp_recv_buffers *);
void dp_recv_buffers_destroy(struct dp_recv_buffers *);

#define DP_PACKET_BATCH_FOR_EACH(I, PKT, BATCH)                             \
    for (size_t I = 0; I < (BATCH)->count                                  \
                       && ((PKT) = (BATCH)->packets[I], 1); I++)

static inline void
dp_packet_batch_init(struct dp_packet_batch *b)
{
    b->count = 0;
}

/* Empties 'batch' and lends it the thread's descriptors, each reset to
 * its own buffer, for netdev_rxq_recv(). */
static inline void
dp_recv_buffers_prepare(struct dp_recv_buffers *bufs,
                        struct dp_packet_batch *batch)
{
    batch->count = 0;
    for (size_t i = 0; i < DP_BATCH_SIZE; i++) {
        struct dp_packet *p = &bufs->packets[i];

        p->base = bufs->mem + i * DP_RECV_BUF_STRIDE;
        p->allocated = DP_RECV_BUF_STRIDE;
        p->data_ofs = DP_PACKET_HEADROOM;
        p->size = 0;
        p->source = NULL;
        p->refs = 0;
        batch->packets[i] = p;
    }
    bufs->dirty = false;
}

/* dp_recv_buffers_prepare(), but leaves the descriptors as they are unless
 * 'bufs->dirty': for a caller that sets 'dirty' after every receive from a
 * device that may write to lent descriptors (!netdev_rxq_lends_nothing()),
 * so that polling only devices with buffers of their own (DPDK) does not
 * reset DP_BATCH_SIZE untouched descriptors every time. */
static inline void
dp_recv_buffers_prepare_lazy(struct dp_recv_buffers *bufs,
                             struct dp_packet_batch *batch)
{
    if (bufs->dirty) {
        dp_recv_buffers_prepare(bufs, batch);
        return;
    }
    batch->count = 0;
    for (size_t i = 0; i < DP_BATCH_SIZE; i++) {
        batch->packets[i] = &bufs->packets[i];
    }
}

static inline uint8_t *
dp_packet_data(const struct dp_packet *p)
{
    return p->base + p->data_ofs;
}

static inline uint32_t
dp_packet_size(const struct dp_packet *p)
{
    return p->size;
}

static inline void
dp_packet_set_data(struct dp_packet *p, uint8_t *base, uint32_t allocated,
                   uint16_t data_ofs, uint32_t size)
{
    p->base = base;
    p->allocated = allocated;
    p->data_ofs = data_ofs;
    p->size = size;
}

/* Resets the metadata for a freshly received frame on 'port'. */
static inline void
dp_packet_reset_meta(struct dp_packet *p, uint32_t port)
{
    memset(&p->ol, 0, sizeof p->ol);
    p->in_port = port;
    p->vlan = 0;
    p->tpid = 0;
    p->pcp = 0;
    p->drop = 0;
    p->tx_queue = 0;
}

/* Takes one more reference to 'p' (one per extra transmit batch it is
 * queued to). */
static inline void
dp_packet_ref(struct dp_packet *p)
{
    p->refs++;
}

/* Drops one reference to 'p'; the last one gives the buffer back to its
 * source.  Every packet a receive produced is released exactly once per
 * reference: by netdev_send() for what it is given, by the pipeline for
 * what it drops. */
static inline void
dp_packet_release(struct dp_packet *p)
{
    if (p->refs) {
        p->refs--;
    } else if (p->source) {
        p->source->release(p->source, p);
    }
}

/* True if more than one reference to 'p' exists (it must not be edited
 * in place). */
static inline bool
dp_packet_is_shared(const struct dp_packet *p)
{
    return p->refs != 0;
}

/* True if a device may hold the frame of 'p' by a reference of the
 * packet's source (struct dp_packet_source 'held'): it must then not be
 * edited in place. */
static inline bool
dp_packet_is_held(const struct dp_packet *p)
{
    return p->source && p->source->held && p->source->held(p->source, p);
}

static inline const uint8_t *
dp_packet_eth_dst(const struct dp_packet *p)
{
    return dp_packet_data(p);
}

static inline const uint8_t *
dp_packet_eth_src(const struct dp_packet *p)
{
    return dp_packet_data(p) + ETH_ADDR_LEN;
}

/* The Ethernet type right after the MAC addresses (network order bytes
 * read as host value). */
static inline uint16_t
dp_packet_eth_type(const struct dp_packet *p)
{
    const uint8_t *d = dp_packet_data(p);
    return (uint16_t) (d[12] << 8 | d[13]);
}

/* Bytes in front of the frame that a tag may be pushed into. */
static inline uint32_t
dp_packet_headroom(const struct dp_packet *p)
{
    return p->data_ofs;
}

/* Moves the 12 address bytes at 'src' to 'dst', which may overlap them:
 * everything is loaded before anything is stored, in two loads the
 * compiler keeps in registers (memmove() of a constant 12 bytes is a
 * library call per frame). */
static inline void
dp_packet_move_macs(uint8_t *dst, const uint8_t *src)
{
    uint64_t lo;
    uint32_t hi;

    memcpy(&lo, src, sizeof lo);
    memcpy(&hi, src + sizeof lo, sizeof hi);
    memcpy(dst, &lo, sizeof lo);
    memcpy(dst + sizeof lo, &hi, sizeof hi);
}

/* Inserts a tag 'tpid'/'tci' after the MAC addresses by moving the
 * addresses into the headroom, and moves the offload offsets with the
 * frame.  Returns false, changing nothing, if there is no room or the
 * frame is shorter than two MAC addresses.  Only for a packet that no one
 * else can see meanwhile (see netdev_send()). */
static inline bool
dp_packet_push_tag(struct dp_packet *p, uint16_t tpid, uint16_t tci)
{
    uint8_t *d;

    if (p->data_ofs < VLAN_HEADER_LEN || p->size < 2 * ETH_ADDR_LEN) {
        return false;
    }
    p->data_ofs -= VLAN_HEADER_LEN;
    p->size += VLAN_HEADER_LEN;
    d = dp_packet_data(p);
    dp_packet_move_macs(d, d + VLAN_HEADER_LEN);
    d[12] = tpid >> 8;
    d[13] = tpid & 0xff;
    d[14] = tci >> 8;
    d[15] = tci & 0xff;
    if (p->ol.flags & DP_OL_NEEDS_CSUM) {
        p->ol.csum_start += VLAN_HEADER_LEN;
    }
    if (p->ol.hdr_len) {
        p->ol.hdr_len += VLAN_HEADER_LEN;
    }
    return true;
}

/* Removes the 4-byte tag after the MAC addresses (the caller checked that
 * it is there) by moving the addresses forward. */
static inline void
dp_packet_pop_tag(struct dp_packet *p)
{
    uint8_t *d = dp_packet_data(p);
    dp_packet_move_macs(d + VLAN_HEADER_LEN, d);
    p->data_ofs += VLAN_HEADER_LEN;
    p->size -= VLAN_HEADER_LEN;
    if (p->ol.csum_start >= VLAN_HEADER_LEN) {
        p->ol.csum_start -= VLAN_HEADER_LEN;
    }
    if (p->ol.hdr_len >= VLAN_HEADER_LEN) {
        p->ol.hdr_len -= VLAN_HEADER_LEN;
    }
}

/* Writes 'p' into 'out' (which has room for size + 4 bytes) with a tag of
 * 'tpid'/'tci' inserted after the MAC addresses, or unchanged if 'tpid' is
 * 0.  Returns the bytes written.  netdev_send() uses this to copy a
 * packet once into a buffer of an adopting device. */
static inline uint32_t
dp_packet_copy_tagged(const struct dp_packet *p, uint16_t tpid, uint16_t tci,
                      uint8_t *out)
{
    const uint8_t *d = dp_packet_data(p);
    if (!tpid) {
        memcpy(out, d, p->size);
        return p->size;
    }
    memcpy(out, d, 2 * ETH_ADDR_LEN);
    out[12] = tpid >> 8;
    out[13] = tpid & 0xff;
    out[14] = tci >> 8;
    out[15] = tci & 0xff;
    memcpy(out + 16, d + 12, p->size - 12);
    return p->size + VLAN_HEADER_LEN;
}

/* Finishes a partial checksum in software (DP_OL_NEEDS_CSUM), for an
 * egress that cannot carry the offload. */
void dp_packet_finish_csum(struct dp_packet *);

#endif /* dp-packet.h */
