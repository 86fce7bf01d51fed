/*
 * netdev-tap.c -- the "tap" and "internal" providers: a TAP device that
 * the switch creates and owns.
 *
 * "tap" is a TAP named after the port; "internal" is the bridge's local
 * port, a TAP named exactly like the bridge, where operators put the
 * host's address and whose MTU libvirt reads.  Both are created through
 * /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR and IFF_TUN_EXCL
 * (so an existing device of that name is never taken over), are
 * non-persistent (closing the descriptor deletes the interface) and are
 * brought up when opened.  TUNSETOFFLOAD lets the kernel hand us frames
 * with partial checksums and TCP GSO super-frames, each behind its
 * virtio-net header, and we send the same way, so offloads travel through
 * the switch untouched.
 *
 * A TAP gives one frame per read() or write(), so unlike "system" this
 * provider makes one system call per frame; that is the device's nature.
 * Receive reads straight into the buffers the forwarding thread lends in
 * the batch (64 KiB plus room each, so GSO frames fit), the virtio-net
 * header landing in the headroom just before the frame; a port keeps no
 * buffers, only its descriptor and a few counters.  Send writes each
 * frame with writev(): the virtio-net header, then the frame, which
 * netdev_send() has already tagged, so the payload is copied only by the
 * kernel.  A full TAP queue (EAGAIN) drops the frame (tx_dropped); other
 * failures, such as the interface being down (EIO), count as tx_errors.
 *
 * One receive queue: a TAP opened this way has one descriptor, and
 * spreading its frames over several (IFF_MULTI_QUEUE) would take one
 * descriptor per queue for a device whose rate one thread keeps up with;
 * so the types take no options (no n_rxq) and open no I/O of their own
 * beyond the descriptor that makes the device exist.
 *
 * Statistics: receive counters belong to the single receive queue's
 * thread, transmit counters to each transmit queue's thread; get_stats()
 * sums them with relaxed atomic loads.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "counter.h"
#include "netdev-linux.h"
#include "netdev-provider.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_tap);

struct tap_counters {
    uint64_t packets, bytes, dropped, errors;
} __attribute__((aligned(64)));

struct netdev_tap {
    struct netdev up;
    int fd;
    bool internal;
    bool dead;                      /* Interface deleted under us. */

    struct tap_counters rx;         /* Written by the receive thread. */
    struct tap_counters *tx;        /* One per transmit queue. */
    int n_txq;
};

static struct netdev_tap *
netdev_tap_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_tap, up);
}

/* Creates the TAP device 'name'.  Returns 0 and the descriptor in '*fdp',
 * or an errno value and a message in '*errorp'. */
static int
tap_create(const char *name, int *fdp, char **errorp)
{
    unsigned int offloads = (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6
                             | TUN_F_TSO_ECN);
    int hdr_len = NETDEV_VNET_HDR_LEN;
    struct ifreq ifr;
    int error;
    int fd;

    if (strlen(name) >= IFNAMSIZ) {
        *errorp = xasprintf("could not create TAP device %s (name longer "
                            "than %d characters)", name, IFNAMSIZ - 1);
        return EINVAL;
    }
    if (netdev_linux_exists(name)) {
        *errorp = xasprintf("could not create TAP device %s (a kernel "
                            "interface with that name already exists and "
                            "is not managed by vswitch)", name);
        return EEXIST;
    }

    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error = errno;
        *errorp = xasprintf("could not create TAP device %s (opening "
                            "/dev/net/tun: %s)", name, strerror(error));
        return error;
    }

    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        error = errno;
        if (error == EBUSY) {
            *errorp = xasprintf("could not create TAP device %s (a kernel "
                                "interface with that name already exists "
                                "and is not managed by vswitch)", name);
            error = EEXIST;
        } else {
            *errorp = xasprintf("could not create TAP device %s (%s)",
                                name, strerror(error));
        }
        close(fd);
        return error;
    }
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0
        || ioctl(fd, TUNSETOFFLOAD, offloads) < 0) {
        /* Without offloads the kernel finishes checksums and segments
         * before handing frames over, which is slower but correct. */
        VLOG_WARN("%s: could not enable TAP offloads (%s)", name,
                  strerror(errno));
    }
    *fdp = fd;
    return 0;
}

static int
netdev_tap_open__(const char *name, bool internal, struct netdev **netdevp,
                  char **errorp)
{
    struct netdev_tap *tap;
    int fd = -1;
    int error;

    error = tap_create(name, &fd, errorp);
    if (error) {
        return error;
    }
    error = netdev_linux_set_admin_up(name, true);
    if (error) {
        *errorp = xasprintf("could not bring up %s (%s)", name,
                            strerror(error));
        close(fd);
        return error;
    }

    tap = xzalloc_cacheline(sizeof *tap);
    tap->fd = fd;
    tap->internal = internal;
    tap->n_txq = 1;
    tap->tx = xzalloc_cacheline(sizeof *tap->tx);
    *netdevp = &tap->up;
    return 0;
}

static int
netdev_tap_open(const char *name, struct netdev **netdevp, char **errorp)
{
    return netdev_tap_open__(name, false, netdevp, errorp);
}

static int
netdev_internal_open(const char *name, struct netdev **netdevp,
                     char **errorp)
{
    return netdev_tap_open__(name, true, netdevp, errorp);
}

static void
netdev_tap_close(struct netdev *netdev)
{
    struct netdev_tap *tap = netdev_tap_cast(netdev);

    /* The TAP is not persistent: closing its only descriptor deletes the
     * kernel interface. */
    close(tap->fd);
    free(tap->tx);
    free(tap);
}

static int
netdev_tap_get_ifindex(const struct netdev *netdev, int *ifindex)
{
    return netdev_linux_get_ifindex(netdev->name, ifindex);
}

static int
netdev_tap_get_stats(const struct netdev *netdev, struct netdev_stats *s)
{
    const struct netdev_tap *tap = netdev_tap_cast(netdev);

    s->rx_packets = counter_read(&tap->rx.packets);
    s->rx_bytes = counter_read(&tap->rx.bytes);
    s->rx_dropped = counter_read(&tap->rx.dropped);
    s->rx_errors = counter_read(&tap->rx.errors);
    for (int i = 0; i < tap->n_txq; i++) {
        s->tx_packets += counter_read(&tap->tx[i].packets);
        s->tx_bytes += counter_read(&tap->tx[i].bytes);
        s->tx_dropped += counter_read(&tap->tx[i].dropped);
        s->tx_errors += counter_read(&tap->tx[i].errors);
    }
    return 0;
}

static bool
netdev_tap_accepts_offloads(const struct netdev *netdev)
{
    (void) netdev;
    return true;
}

static int
netdev_tap_set_n_txq(struct netdev *netdev, int n)
{
    struct netdev_tap *tap = netdev_tap_cast(netdev);
    struct tap_counters *tx;

    if (n == tap->n_txq) {
        return 0;
    }
    /* Keep the totals: fold every old queue's counters into queue 0. */
    tx = xzalloc_cacheline(n * sizeof *tx);
    for (int i = 0; i < tap->n_txq; i++) {
        tx[0].packets += tap->tx[i].packets;
        tx[0].bytes += tap->tx[i].bytes;
        tx[0].dropped += tap->tx[i].dropped;
        tx[0].errors += tap->tx[i].errors;
    }
    free(tap->tx);
    tap->tx = tx;
    tap->n_txq = n;
    return 0;
}

static int
netdev_tap_rxq_open(struct netdev *netdev, int queue,
                    struct netdev_rxq **rxqp)
{
    struct netdev_rxq *rxq = xzalloc(sizeof *rxq);

    (void) netdev;
    *rxqp = rxq;
    return 0;
}

static void
netdev_tap_rxq_close(struct netdev_rxq *rxq)
{
    free(rxq);
}

static int
netdev_tap_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch)
{
    struct netdev_tap *tap = netdev_tap_cast(rxq->netdev);
    uint64_t n_bytes = 0, n_errors = 0;

    if (__atomic_load_n(&tap->dead, __ATOMIC_RELAXED)) {
        return 0;
    }
    while (batch->count < DP_BATCH_SIZE) {
        struct dp_packet *p = batch->packets[batch->count];
        uint8_t *vnet = p->base + DP_PACKET_HEADROOM - NETDEV_VNET_HDR_LEN;
        size_t room = (p->allocated - DP_PACKET_HEADROOM
                       + NETDEV_VNET_HDR_LEN);
        struct virtio_net_hdr vh;
        ssize_t len;

        len = read(tap->fd, vnet, room);
        if (len < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EIO || errno == EBADFD) {
                /* Someone deleted the interface: the descriptor now polls
                 * as an error forever, so stop offering it for poll(). */
                __atomic_store_n(&tap->dead, true, __ATOMIC_RELAXED);
            }
            if (errno != EAGAIN) {
                n_errors++;
            }
            break;
        }
        if (len < NETDEV_VNET_HDR_LEN + ETH_HEADER_LEN
            || (size_t) len >= room) {
            /* A runt, or a frame that may have been cut short. */
            n_errors++;
            continue;
        }
        len -= NETDEV_VNET_HDR_LEN;
        memcpy(&vh, vnet, sizeof vh);
        p->data_ofs = DP_PACKET_HEADROOM;
        p->size = len;
        dp_packet_reset_meta(p, 0);
        netdev_linux_vnet_to_ol(&vh, &p->ol);
        batch->count++;
        n_bytes += len;
    }
    if (batch->count) {
        counter_add(&tap->rx.packets, batch->count);
        counter_add(&tap->rx.bytes, n_bytes);
    }
    if (n_errors) {
        counter_add(&tap->rx.errors, n_errors);
    }
    return batch->count;
}

static int
netdev_tap_rxq_fd(const struct netdev_rxq *rxq)
{
    const struct netdev_tap *tap = netdev_tap_cast(rxq->netdev);

    return __atomic_load_n(&tap->dead, __ATOMIC_RELAXED) ? -1 : tap->fd;
}

static int
netdev_tap_send(struct netdev *netdev, int qid, struct dp_packet_batch *batch)
{
    struct netdev_tap *tap = netdev_tap_cast(netdev);
    struct tap_counters *c = &tap->tx[(unsigned int) qid % tap->n_txq];
    uint64_t n_bytes = 0, n_dropped = 0, n_errors = 0;
    int n_sent = 0;

    for (unsigned int i = 0; i < batch->count; i++) {
        const struct dp_packet *p = batch->packets[i];
        struct virtio_net_hdr vh;
        struct iovec iov[2];
        ssize_t ret;

        if (p->size < 2 * ETH_ADDR_LEN) {
            n_errors++;
            continue;
        }
        netdev_linux_ol_to_vnet(&p->ol, &vh);
        iov[0].iov_base = &vh;
        iov[0].iov_len = sizeof vh;
        iov[1].iov_base = dp_packet_data(p);
        iov[1].iov_len = p->size;

        do {
            ret = writev(tap->fd, iov, 2);
        } while (ret < 0 && errno == EINTR);
        if (ret >= 0) {
            n_bytes += p->size;
            n_sent++;
        } else if (errno == EAGAIN || errno == ENOBUFS) {
            n_dropped++;
        } else {
            n_errors++;
        }
    }
    if (n_sent) {
        counter_add(&c->packets, n_sent);
        counter_add(&c->bytes, n_bytes);
    }
    if (n_dropped) {
        counter_add(&c->dropped, n_dropped);
    }
    if (n_errors) {
        counter_add(&c->errors, n_errors);
    }
    return n_sent;
}

#define NETDEV_TAP_CLASS(TYPE, DESCRIPTION, OPEN)  \
    {                                               \
        .type = TYPE,                               \
        .description = DESCRIPTION,                 \
        .open = OPEN,                               \
        .close = netdev_tap_close,                  \
        .get_ifindex = netdev_tap_get_ifindex,      \
        .get_etheraddr = netdev_linux_dev_get_etheraddr,  \
        .get_mtu = netdev_linux_dev_get_mtu,              \
        .set_mtu = netdev_linux_dev_set_mtu,              \
        .get_state = netdev_linux_dev_get_state,          \
        .get_stats = netdev_tap_get_stats,          \
        .accepts_offloads = netdev_tap_accepts_offloads, \
        .set_n_txq = netdev_tap_set_n_txq,          \
        .rxq_open = netdev_tap_rxq_open,            \
        .rxq_close = netdev_tap_rxq_close,          \
        .rxq_recv = netdev_tap_rxq_recv,            \
        .rxq_fd = netdev_tap_rxq_fd,                \
        .send = netdev_tap_send,                    \
    }

const struct netdev_class netdev_tap_class =
    NETDEV_TAP_CLASS("tap", "a TAP device the switch creates, named after "
                     "the port", netdev_tap_open);
const struct netdev_class netdev_internal_class =
    NETDEV_TAP_CLASS("internal", "the bridge's own interface, a TAP named "
                     "after the bridge", netdev_internal_open);
