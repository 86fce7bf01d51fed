/*
 * netdev-dpdk.c -- DPDK ethdev ports: "dpdk" (options:dpdk-devargs names a
 * PCI device or a virtual device), and the two vhost-user types, which are
 * DPDK's vhost PMD ("net_vhost" virtual devices) underneath and share all
 * of this code (netdev-dpdk.h says which is which); what only they need,
 * the guest's side of things, is in netdev-dpdk-vhost.c.  This file holds
 * the port itself: the three classes, open and close, attach and detach,
 * start, handover, options, properties, receive and transmit.
 *
 * Life of a port.  'open' only checks that the EAL is up (so that the
 * Interface error column says why not).  'set_config' hot-plugs the device
 * (rte_dev_probe()) and finds its ethdev port; a device another interface
 * has is refused.  The first receive queue opened configures and starts
 * the port with options:n_rxq receive queues and as many transmit queues
 * as there are forwarding threads (set_n_txq; if the device has fewer,
 * threads share them under a spinlock).  'close' stops the port and
 * unplugs the device (rte_dev_remove()).
 *
 * vhost-user ports offer options:n_rxq queue pairs, of which the guest
 * enables some (netdev-dpdk-vhost.c).
 *
 * Replacement.  When an interface's options change, bridge.c opens the new
 * netdev before it closes the old one, which still forwards until the
 * datapath lets go of it.  Both want the same device, so the new one
 * waits: it is "pending" until the old one's close hands the device over
 * (the same ethdev port if the devargs are the same, otherwise the old
 * device unplugged and the new one plugged).  Until then its queues
 * receive nothing and its sends are dropped ('ready' is false); 'ready'
 * turns true, with release ordering, once the port is started for it.
 *
 * Packets.  Receive hands over the mbufs themselves (the third way of
 * netdev-provider.h): each mbuf's private area is its dp_packet
 * (netdev-dpdk-private.h), so a burst of 32 costs 32 descriptor fills; a
 * jumbo frame, received as a chain, is first copied into one mbuf of the
 * jumbo pool (netdev-dpdk-private.h, "Jumbo frames").
 * Transmit adopts: packets from the pool go back to the driver as they
 * are, after the descriptor's data offset and length are copied into the
 * mbuf (a tag pushed in the pipeline moved them); a packet a flood sends
 * to several ports goes to each with an mbuf reference of its own
 * (dpdk-eal.c, 'share'), so only a tagged copy costs a copy; netdev.c
 * copies anything else once into an mbuf from tx_alloc.  What the driver does not
 * take is freed and counted (tx_dropped): a transmit never waits, which is
 * also why a guest that stops reading, or disconnects, cannot stall a
 * forwarding thread (the vhost PMD takes nothing while no guest is there).
 * The forwarding thread polls receive queues on every pass.  Those of a
 * vhost-user port also have a descriptor to sleep on: the PMD's receive
 * interrupt, which the thread arms just before it sleeps
 * (netdev-dpdk-vhost.c, "Receive interrupts"); the others have none, and
 * an idle thread polling one wakes every millisecond to look.
 *
 * Threads.  Everything but rxq_recv, send_adopt, tx_alloc and get_stats
 * runs on the main thread, which owns 'dpdk_list' and the device state;
 * the vhost PMD's event callbacks (netdev-dpdk-vhost.c), on the vhost
 * library's thread, only wake it up.
 */
#include <config.h>
#include "netdev-dpdk.h"
#include "netdev-dpdk-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_spinlock.h>

#include "netdev-provider.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_dpdk);

#define DPDK_TXQ_LOCKED 0x8000      /* The queue is shared: take its lock. */
#define DPDK_TXQ_NONE 0x7fff        /* No queue to send on: drop. */
#define DPDK_DEFAULT_RXQ_DESC 1024
#define DPDK_DEFAULT_TXQ_DESC 1024
#define DPDK_MAX_DESC 4096

struct netdev_rxq_dpdk {
    struct netdev_rxq up;
    int queue;
    int fd;                         /* rxq_fd: changes only in rxq_recv. */
};

static struct netdev_dpdk *dpdk_list;

static struct netdev_dpdk *
netdev_dpdk_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_dpdk, up);
}

static struct netdev_rxq_dpdk *
netdev_rxq_dpdk_cast(const struct netdev_rxq *rxq)
{
    return CONTAINER_OF(rxq, struct netdev_rxq_dpdk, up);
}

static const struct netdev_class netdev_dpdk_class;
static const struct netdev_class netdev_dpdk_vhost_server_class;
static const struct netdev_class netdev_dpdk_vhost_client_class;

/* Transmit queues.  Each forwarding thread sends on the queue its entry
 * of 'tx_qmap' names.  An ethdev port has a queue per thread, or fewer
 * shared under their locks.  A vhost-user port has one per queue pair it
 * offers, of which the guest enables some (often fewer than there are
 * threads, a guest that has not set up multiqueue only the first): the
 * threads are spread over the enabled ones, sharing them under their
 * locks if there are more threads, and a frame sent while the guest has
 * none enabled is dropped.  The main thread rewrites the map when the
 * guest changes its mind; a thread that read the old entry may send once
 * more to a queue just disabled (the vhost PMD then takes nothing, which
 * is counted like any other transmit drop) or unlocked to a queue another
 * thread now locks (the vhost library serialises its rings itself, so
 * that costs at most a race on the PMD's statistics). */
void
dpdk_txq_map_update(struct netdev_dpdk *d)
{
    int n_threads = d->n_txq_wanted > 0 ? d->n_txq_wanted : 1;
    uint16_t queues[DPDK_TXQ_MAP];
    int n = 0;

    if (d->kind == DPDK_ETHDEV) {
        for (; n < d->n_txq_real && n < DPDK_TXQ_MAP; n++) {
            queues[n] = n;
        }
    } else {
        for (int q = 0; q < d->n_txq_real && q < 32; q++) {
            if (d->vq_tx & (UINT32_C(1) << q)) {
                queues[n++] = q;
            }
        }
    }
    d->txq_shared = n < n_threads || n_threads > DPDK_TXQ_MAP;
    for (int i = 0; i < DPDK_TXQ_MAP; i++) {
        uint16_t entry = (!n ? DPDK_TXQ_NONE
                          : queues[i % n] | (d->txq_shared ? DPDK_TXQ_LOCKED
                                                           : 0));

        atomic_store_explicit(&d->tx_qmap[i], entry, memory_order_relaxed);
    }
}

/* Open and close. */

static int
dpdk_open__(const char *name, enum dpdk_kind kind, struct netdev **netdevp,
            char **errorp)
{
    const char *why = dpdk_eal_unavailable_reason();
    struct netdev_dpdk *d;

    if (why) {
        *errorp = xasprintf("could not open network device %s (%s)", name,
                            why);
        return EAFNOSUPPORT;
    }
    d = xzalloc(sizeof *d);
    d->kind = kind;
    d->n_rxq = 1;
    d->n_rxq_desc = DPDK_DEFAULT_RXQ_DESC;
    d->n_txq_desc = DPDK_DEFAULT_TXQ_DESC;
    d->mtu = DPDK_DEFAULT_MTU;
    atomic_init(&d->ready, false);
    atomic_init(&d->tx_dropped, 0);
    atomic_init(&d->rx_errors, 0);
    atomic_init(&d->rxq_live, UINT32_MAX);
    for (size_t i = 0; i < ARRAY_SIZE(d->tx_locks); i++) {
        rte_spinlock_init(&d->tx_locks[i]);
    }
    for (size_t i = 0; i < DPDK_TXQ_MAP; i++) {
        atomic_init(&d->tx_qmap[i], DPDK_TXQ_NONE);
    }
    d->n_rxq_guest = 1;
    for (int q = 0; q < DPDK_MAX_RXQ; q++) {
        d->rxq_intr_fds[q] = -1;
    }
    d->next = dpdk_list;
    dpdk_list = d;
    *netdevp = &d->up;
    return 0;
}

static int
netdev_dpdk_open(const char *name, struct netdev **netdevp, char **errorp)
{
    return dpdk_open__(name, DPDK_ETHDEV, netdevp, errorp);
}

static int
netdev_dpdk_vhost_server_open(const char *name, struct netdev **netdevp,
                              char **errorp)
{
    return dpdk_open__(name, DPDK_VHOST_SERVER, netdevp, errorp);
}

static int
netdev_dpdk_vhost_client_open(const char *name, struct netdev **netdevp,
                              char **errorp)
{
    return dpdk_open__(name, DPDK_VHOST_CLIENT, netdevp, errorp);
}

/* Stops the port if it runs. */
static void
dpdk_port_stop(struct netdev_dpdk *d)
{
    atomic_store_explicit(&d->ready, false, memory_order_release);
    for (int q = 0; q < DPDK_MAX_RXQ; q++) {
        d->rxq_intr_fds[q] = -1;
    }
    if (d->started) {
        int retval = rte_eth_dev_stop(d->port_id);

        if (retval) {
            VLOG_WARN("%s: stopping DPDK port %u failed (%s)", d->up.name,
                      d->port_id, rte_strerror(-retval));
        }
        d->started = false;
    }
}

/* Stops and closes the port and unplugs its device. */
static void
dpdk_detach(struct netdev_dpdk *d)
{
    struct rte_eth_dev_info info;
    struct rte_device *dev = NULL;

    if (!d->attached) {
        return;
    }
    dpdk_port_stop(d);
    dpdk_vhost_detach(d);
    if (!rte_eth_dev_info_get(d->port_id, &info)) {
        dev = info.device;
    }
    rte_eth_dev_close(d->port_id);
    if (dev && rte_eth_find_next_of(0, dev) == RTE_MAX_ETHPORTS) {
        int retval = rte_dev_remove(dev);

        if (retval) {
            VLOG_WARN("%s: unplugging DPDK device %s failed (%s)",
                      d->up.name, d->dev_name, rte_strerror(-retval));
        }
    }
    VLOG_INFO("%s: detached DPDK device %s", d->up.name, d->dev_name);
    d->attached = false;
    d->cfg_n_rxq = d->cfg_n_txq = 0;
    d->n_rxq_real = d->n_txq_real = 0;
}

/* The ethdev port of the device 'devargs' just plugged, named 'name'. */
static int
dpdk_find_port(const char *name, const char *devargs, uint16_t *port_id)
{
    struct rte_dev_iterator it;
    uint16_t id;

    if (!rte_eth_dev_get_port_by_name(name, port_id)) {
        return 0;
    }
    RTE_ETH_FOREACH_MATCHING_DEV (id, devargs, &it) {
        *port_id = id;
        rte_eth_iterator_cleanup(&it);
        return 0;
    }
    return ENODEV;
}

/* Plugs the device of d->devargs and finds its port.  Returns 0 or an
 * errno value with a message in '*errorp'. */
static int
dpdk_attach(struct netdev_dpdk *d, char **errorp)
{
    struct rte_eth_dev_info info;
    int retval;

    retval = rte_dev_probe(d->devargs);
    if (retval && retval != -EEXIST) {
        *errorp = xasprintf("%s: could not attach DPDK device \"%s\" (%s): "
                            "check options:dpdk-devargs", d->up.name,
                            d->devargs, rte_strerror(-retval));
        return -retval > 0 ? -retval : EINVAL;
    }
    if (dpdk_find_port(d->dev_name, d->devargs, &d->port_id)) {
        *errorp = xasprintf("%s: DPDK device \"%s\" was attached but has no "
                            "ethernet port", d->up.name, d->devargs);
        return ENODEV;
    }
    if (rte_eth_dev_info_get(d->port_id, &info)) {
        *errorp = xasprintf("%s: DPDK port %u of \"%s\" gives no device "
                            "information", d->up.name, d->port_id,
                            d->dev_name);
        return ENODEV;
    }
    d->attached = true;
    VLOG_INFO("%s: attached DPDK device %s as port %u (driver %s)",
              d->up.name, d->dev_name, d->port_id, info.driver_name);
    dpdk_vhost_attach(d);
    return 0;
}

/* Records the receive interrupt descriptor of each of the 'n_rxq' queues
 * of a port just started, with interrupts if 'intr'. */
static void
dpdk_port_intr_fds(struct netdev_dpdk *d, int n_rxq, bool intr)
{
    int n_fds = 0;

    for (int q = 0; q < n_rxq && q < DPDK_MAX_RXQ; q++) {
        d->rxq_intr_fds[q] = (intr
                              ? rte_eth_dev_rx_intr_ctl_q_get_fd(d->port_id, q)
                              : -1);
        n_fds += d->rxq_intr_fds[q] >= 0;
    }
    if (intr) {
        VLOG_INFO("%s: receive interrupts on %d of %d queues%s", d->up.name,
                  n_fds, n_rxq,
                  n_fds < n_rxq ? " (the others are polled every 1 ms "
                                  "when idle)" : "");
    }
}

/* (Re)configures and starts the port with the queues asked for.  Called
 * only while no forwarding thread uses it.  Returns 0 or an errno
 * value. */
static int
dpdk_port_start(struct netdev_dpdk *d)
{
    struct rte_eth_conf conf;
    struct rte_eth_dev_info info;
    uint16_t n_rxd = d->n_rxq_desc, n_txd = d->n_txq_desc;
    int n_rxq = d->n_rxq;
    int n_txq = d->n_txq_wanted > 0 ? d->n_txq_wanted : 1;
    int socket, retval;

    if (d->pending || !d->attached) {
        return 0;
    }
    dpdk_port_stop(d);
    if (rte_eth_dev_info_get(d->port_id, &info)) {
        return ENODEV;
    }
    if (n_rxq > info.max_rx_queues) {
        VLOG_WARN("%s: %s has %u receive queues at most, not %d",
                  d->up.name, d->dev_name, info.max_rx_queues, n_rxq);
        n_rxq = info.max_rx_queues;
    }
    if (d->kind != DPDK_ETHDEV) {
        /* Every queue pair the port offers, whatever the guest enables
         * (dpdk_txq_map_update() sends only on those it did). */
        n_txq = n_rxq;
    }
    if (n_txq > info.max_tx_queues) {
        n_txq = info.max_tx_queues;
    }
    if (n_txq > (int) ARRAY_SIZE(d->tx_locks)) {
        n_txq = ARRAY_SIZE(d->tx_locks);
    }

    memset(&conf, 0, sizeof conf);
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) {
        /* Frames longer than an mbuf arrive chained, whatever the MTU is
         * now or later (netdev-dpdk-private.h, "Jumbo frames"). */
        conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
    }
    conf.rxmode.mtu = d->mtu;
    if (conf.rxmode.mtu > info.max_mtu) {
        conf.rxmode.mtu = info.max_mtu;
    }
    /* Receive interrupts: only the vhost PMD's, whose descriptors we know
     * how to consume (netdev-dpdk-vhost.c).  A NIC's are eventfds to read
     * or queue descriptors not to, as its driver decides, which ethdev
     * does not tell an application that waits on them in its own epoll
     * set: those ports keep the short sleeps. */
    conf.intr_conf.rxq = d->kind != DPDK_ETHDEV;
    retval = rte_eth_dev_configure(d->port_id, n_rxq, n_txq, &conf);
    if (retval && conf.intr_conf.rxq) {
        VLOG_WARN("%s: DPDK port %u refuses receive interrupts (%s); its "
                  "queues are polled every 1 ms when idle", d->up.name,
                  d->port_id, rte_strerror(-retval));
        conf.intr_conf.rxq = 0;
        retval = rte_eth_dev_configure(d->port_id, n_rxq, n_txq, &conf);
    }
    if (retval) {
        VLOG_ERR("%s: configuring DPDK port %u with %d receive and %d "
                 "transmit queues failed (%s)", d->up.name, d->port_id,
                 n_rxq, n_txq, rte_strerror(-retval));
        return -retval;
    }
    dpdk_vhost_socket_perms(d);
    rte_eth_dev_adjust_nb_rx_tx_desc(d->port_id, &n_rxd, &n_txd);
    socket = rte_eth_dev_socket_id(d->port_id);
    socket = socket < 0 ? (int) SOCKET_ID_ANY : socket;
    for (int q = 0; q < n_rxq; q++) {
        retval = rte_eth_rx_queue_setup(d->port_id, q, n_rxd, socket, NULL,
                                        dpdk_mempool);
        if (retval) {
            VLOG_ERR("%s: setting up receive queue %d (%u descriptors) "
                     "failed (%s)", d->up.name, q, n_rxd,
                     rte_strerror(-retval));
            return -retval;
        }
    }
    for (int q = 0; q < n_txq; q++) {
        retval = rte_eth_tx_queue_setup(d->port_id, q, n_txd, socket, NULL);
        if (retval) {
            VLOG_ERR("%s: setting up transmit queue %d (%u descriptors) "
                     "failed (%s)", d->up.name, q, n_txd,
                     rte_strerror(-retval));
            return -retval;
        }
    }
    retval = rte_eth_dev_start(d->port_id);
    if (retval) {
        VLOG_ERR("%s: starting DPDK port %u failed (%s)", d->up.name,
                 d->port_id, rte_strerror(-retval));
        return -retval;
    }
    rte_eth_promiscuous_enable(d->port_id);
    dpdk_vhost_socket_perms(d);
    dpdk_port_intr_fds(d, n_rxq, conf.intr_conf.rxq);
    dpdk_vhost_started(d);
    d->started = true;
    d->cfg_n_rxq = d->n_rxq;
    d->cfg_n_txq = d->n_txq_wanted;
    d->n_rxq_real = n_rxq;
    d->n_txq_real = n_txq;
    dpdk_txq_map_update(d);
    VLOG_INFO("%s: DPDK port %u started: %d receive queues of %u "
              "descriptors, %d transmit queues of %u%s", d->up.name,
              d->port_id, n_rxq, n_rxd, n_txq, n_txd,
              d->txq_shared ? " (shared by the forwarding threads)" : "");
    atomic_store_explicit(&d->ready, true, memory_order_release);
    return 0;
}

/* Starts the port if queues were asked for and it is not running with
 * what was asked. */
static int
dpdk_port_reconcile(struct netdev_dpdk *d)
{
    if (!d->attached || d->pending
        || (!d->n_rxq_open && !d->n_txq_wanted)) {
        return 0;
    }
    if (d->started && d->cfg_n_rxq == d->n_rxq
        && MAX(d->cfg_n_txq, 1) == MAX(d->n_txq_wanted, 1)) {
        return 0;
    }
    return dpdk_port_start(d);
}

/* Hands the device of 'd', which is closing, to its successor. */
static void
dpdk_handover(struct netdev_dpdk *d)
{
    struct netdev_dpdk *s = d->successor;
    char *error = NULL;

    s->predecessor = NULL;
    d->successor = NULL;
    s->pending = false;
    if (d->attached && d->devargs && !strcmp(d->devargs, s->devargs)) {
        dpdk_port_stop(d);
        s->attached = true;
        s->port_id = d->port_id;
        s->vhost_connected = d->vhost_connected;
        s->vq_rx = d->vq_rx;
        s->vq_tx = d->vq_tx;
        s->n_rxq_guest = d->n_rxq_guest;
        s->guest_mtu = d->guest_mtu;
        s->guest_mtu_warned = d->guest_mtu_warned;
        if (dpdk_vhost_mtu_follow(s)) {
            /* The bridge reads the guest's MTU again. */
            netdev_request_reconfigure();
        }
        /* A vhost port polls the rings its guest enabled; an ethdev port
         * every queue it has. */
        atomic_store(&s->rxq_live, atomic_load(&d->rxq_live));
        d->attached = false;
        VLOG_INFO("%s: DPDK port %u carries on with the new options",
                  s->up.name, s->port_id);
    } else {
        dpdk_detach(d);
        if (dpdk_attach(s, &error)) {
            VLOG_ERR("%s", error);
            s->attach_error = error;
            return;
        }
    }
    dpdk_port_reconcile(s);
}

static void
netdev_dpdk_close(struct netdev *netdev)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(netdev);

    for (struct netdev_dpdk **p = &dpdk_list; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    if (d->predecessor) {
        d->predecessor->successor = NULL;
    }
    if (d->successor) {
        dpdk_handover(d);
    } else {
        dpdk_detach(d);
    }
    free(d->devargs);
    free(d->dev_name);
    free(d->vhost_path);
    free(d->attach_error);
    free(d);
}

/* Options. */

static const char *const dpdk_option_names[] = {
    "dpdk-devargs", "n_rxq", "n_rxq_desc", "n_txq_desc", NULL,
};
static const char *const dpdk_option_helps[] = {
    "the device: a PCI address (0000:01:00.0) or a virtual device with "
    "its arguments (net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap; "
    "net_tap0,iface=tap0; net_null0; net_ring0; "
    "net_af_packet0,iface=eth0); required",
    "receive queues, 1..16 (default 1)",
    "descriptors per receive queue, a power of 2 in 16..4096 "
    "(default 1024)",
    "descriptors per transmit queue, a power of 2 in 16..4096 "
    "(default 1024)",
    NULL,
};

/* A descriptor count: a power of 2 in 16..DPDK_MAX_DESC. */
static int
dpdk_option_desc(const struct netdev *netdev, const struct smap *options,
                 const char *name, int dflt, int *valuep, char **errorp)
{
    int error = netdev_option_int(netdev, options, name, 16, DPDK_MAX_DESC,
                                  dflt, valuep, errorp);

    if (!error && (*valuep & (*valuep - 1))) {
        *errorp = xasprintf("%s: options:%s \"%d\" is not a power of 2 in "
                            "16..%d", netdev->name, name, *valuep,
                            DPDK_MAX_DESC);
        return EINVAL;
    }
    return error;
}

/* The device name in 'devargs': what comes before the first comma. */
static char *
devargs_name(const char *devargs)
{
    char *name = xstrdup(devargs);

    name[strcspn(name, ",")] = '\0';
    return name;
}

static int
netdev_dpdk_set_config(struct netdev *netdev, const struct smap *options,
                       char **errorp)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    int n_rxq = 1, n_rxq_desc = DPDK_DEFAULT_RXQ_DESC;
    int n_txq_desc = DPDK_DEFAULT_TXQ_DESC;
    char *devargs = NULL, *path = NULL, *name;
    struct netdev_dpdk *holder = NULL;
    int error = 0;

    if (d->kind == DPDK_ETHDEV) {
        const char *s = smap_get(options, "dpdk-devargs");

        if (!s || !*s) {
            *errorp = xasprintf("%s: options:dpdk-devargs is required (a PCI "
                                "address such as 0000:01:00.0, or a virtual "
                                "device such as net_pcap0,rx_pcap=FILE)",
                                netdev->name);
            return EINVAL;
        }
        devargs = xstrdup(s);
        error = netdev_option_int(netdev, options, "n_rxq", 1, DPDK_MAX_RXQ,
                                  1, &n_rxq, errorp);
        if (!error) {
            error = dpdk_option_desc(netdev, options, "n_rxq_desc",
                                     DPDK_DEFAULT_RXQ_DESC, &n_rxq_desc,
                                     errorp);
        }
        if (!error) {
            error = dpdk_option_desc(netdev, options, "n_txq_desc",
                                     DPDK_DEFAULT_TXQ_DESC, &n_txq_desc,
                                     errorp);
        }
    } else {
        error = dpdk_vhost_parse_config(d, options, &n_rxq, &devargs, &path,
                                        errorp);
    }
    if (error) {
        free(devargs);
        free(path);
        return error;
    }

    /* Who else has the device (or, for vhost-user, the socket)? */
    name = devargs_name(devargs);
    for (struct netdev_dpdk *o = dpdk_list; o; o = o->next) {
        if (o != d && o->devargs
            && (!strcmp(o->dev_name, name)
                || (path && o->vhost_path
                    && !strcmp(o->vhost_path, path)))) {
            holder = o;
            break;
        }
    }
    if (holder && strcmp(holder->up.name, netdev->name)) {
        *errorp = (path
                   ? xasprintf("%s: vhost-user socket %s is already used by "
                               "interface %s", netdev->name, path,
                               holder->up.name)
                   : xasprintf("%s: DPDK device %s is already used by "
                               "interface %s", netdev->name, name,
                               holder->up.name));
        free(name);
        free(devargs);
        free(path);
        return EBUSY;
    }

    if (d->attached && (!d->devargs || strcmp(d->devargs, devargs))) {
        dpdk_detach(d);
    }
    free(d->devargs);
    free(d->dev_name);
    free(d->vhost_path);
    d->devargs = devargs;
    d->dev_name = name;
    d->vhost_path = path;
    d->n_rxq = n_rxq;
    d->n_rxq_desc = n_rxq_desc;
    d->n_txq_desc = n_txq_desc;

    if (holder) {
        /* The same interface, reopened with new options: the old netdev
         * forwards until the datapath lets go of it and hands over. */
        if (holder->successor && holder->successor != d) {
            holder->successor->predecessor = NULL;
            holder->successor->pending = false;
        }
        holder->successor = d;
        d->predecessor = holder;
        d->pending = true;
        return 0;
    }
    if (!d->attached) {
        dpdk_vhost_sock_mkdir(d);
        error = dpdk_attach(d, errorp);
        if (error) {
            free(d->devargs);
            d->devargs = NULL;
            return error;
        }
    }
    return 0;
}

static int
netdev_dpdk_get_n_rxq(const struct netdev *netdev)
{
    const struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    const struct netdev_dpdk *dev = d;
    struct rte_eth_dev_info info;

    /* options:n_rxq, but no more than the device has (dpdk_port_start()
     * configures no more): a queue it lacks would be polled for nothing
     * and listed by dpif/pmd-rxq-show as if it were there.  A successor
     * with the same devargs will carry on with its predecessor's device;
     * one with new devargs is not probed yet, so is taken at its word. */
    if (!d->attached && d->pending && d->predecessor
        && d->predecessor->attached && d->predecessor->devargs
        && d->devargs && !strcmp(d->predecessor->devargs, d->devargs)) {
        dev = d->predecessor;
    }
    if (d->kind != DPDK_ETHDEV) {
        /* As many as the guest enabled (dpdk_vhost_update()). */
        return MIN(dev->n_rxq_guest, d->n_rxq);
    }
    if (dev->attached
        && !rte_eth_dev_info_get(dev->port_id, &info)
        && info.max_rx_queues > 0 && d->n_rxq > info.max_rx_queues) {
        return info.max_rx_queues;
    }
    return d->n_rxq;
}

/* Properties. */

static int
netdev_dpdk_get_etheraddr(const struct netdev *netdev, uint8_t mac[6])
{
    const struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    struct rte_ether_addr ea;

    if (!d->attached || rte_eth_macaddr_get(d->port_id, &ea)) {
        return ENODEV;
    }
    memcpy(mac, ea.addr_bytes, 6);
    return 0;
}

static int
netdev_dpdk_get_mtu(const struct netdev *netdev, int *mtu)
{
    *mtu = netdev_dpdk_cast(netdev)->mtu;
    return 0;
}

int
dpdk_mtu_set(struct netdev_dpdk *d, int mtu)
{
    if (mtu < 68 || mtu > DPDK_MAX_MTU) {
        VLOG_WARN("%s: MTU %d is not in 68..%d (a frame of that MTU with a "
                  "VLAN tag must fit in a %d-byte jumbo mbuf)", d->up.name,
                  mtu, DPDK_MAX_MTU, DPDK_JUMBO_DATA_ROOM);
        return EINVAL;
    }
    if (mtu > DPDK_STD_MAX_MTU) {
        int error = dpdk_jumbo_pool_get();

        if (error) {
            VLOG_WARN("%s: MTU %d needs the jumbo mbuf pool, which could "
                      "not be made (%s)", d->up.name, mtu,
                      strerror(error));
            return error;
        }
    }
    if (d->attached && d->started) {
        int retval = rte_eth_dev_set_mtu(d->port_id, mtu);

        if (retval && retval != -ENOTSUP) {
            return -retval;
        }
    }
    d->mtu = mtu;
    return 0;
}

static int
netdev_dpdk_set_mtu(struct netdev *netdev, int mtu)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    int error = dpdk_mtu_set(d, mtu);

    if (!error && d->mtu_requested) {
        /* A request other than the guest's MTU is worth a warning. */
        dpdk_vhost_mtu_follow(d);
    }
    return error;
}

static bool
netdev_dpdk_set_mtu_requested(struct netdev *netdev, bool requested)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(netdev);

    if (d->mtu_requested == requested) {
        return false;
    }
    d->mtu_requested = requested;
    return dpdk_vhost_mtu_follow(d);
}

static int
netdev_dpdk_get_state(const struct netdev *netdev, bool *admin_up,
                      bool *link_up)
{
    const struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    struct rte_eth_link link;

    *admin_up = d->started;
    *link_up = false;
    if (d->attached && d->started
        && !rte_eth_link_get_nowait(d->port_id, &link)) {
        *link_up = link.link_status == RTE_ETH_LINK_UP;
    }
    return 0;
}

static int
netdev_dpdk_get_stats(const struct netdev *netdev, struct netdev_stats *st)
{
    const struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    struct rte_eth_stats es;

    memset(st, 0, sizeof *st);
    st->tx_dropped = atomic_load_explicit(&d->tx_dropped,
                                          memory_order_relaxed);
    st->rx_errors = atomic_load_explicit(&d->rx_errors,
                                         memory_order_relaxed);
    if (d->attached && !rte_eth_stats_get(d->port_id, &es)) {
        st->rx_packets = es.ipackets;
        st->rx_bytes = es.ibytes;
        st->tx_packets = es.opackets;
        st->tx_bytes = es.obytes;
        st->rx_dropped = es.imissed + es.rx_nombuf;
        st->rx_errors += es.ierrors;
        st->tx_errors = es.oerrors;
    }
    return 0;
}

void
dpdk_status_add_int(struct smap *status, const char *key, long long value)
{
    char buf[24];

    snprintf(buf, sizeof buf, "%lld", value);
    smap_add(status, key, buf);
}

static int
netdev_dpdk_get_status(const struct netdev *netdev, struct smap *status)
{
    const struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    struct rte_eth_dev_info info;

    if (d->kind != DPDK_ETHDEV) {
        dpdk_vhost_get_status(d, netdev_dpdk_get_n_rxq(netdev), status);
        return 0;
    }
    if (!d->attached || rte_eth_dev_info_get(d->port_id, &info)) {
        return 0;
    }
    dpdk_status_add_int(status, "port_no", d->port_id);
    smap_add(status, "driver_name", info.driver_name);
    dpdk_status_add_int(status, "n_rxq", d->n_rxq_real);
    dpdk_status_add_int(status, "n_txq", d->n_txq_real);
    dpdk_status_add_int(status, "max_rx_queues", info.max_rx_queues);
    dpdk_status_add_int(status, "max_tx_queues", info.max_tx_queues);
    dpdk_status_add_int(status, "max_rx_pktlen", info.max_rx_pktlen);
    return 0;
}

/* Queues. */

static int
netdev_dpdk_set_n_txq(struct netdev *netdev, int n)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(netdev);

    d->n_txq_wanted = n;
    return dpdk_port_reconcile(d);
}

static int
netdev_dpdk_rxq_open(struct netdev *netdev, int queue,
                     struct netdev_rxq **rxqp)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    struct netdev_rxq_dpdk *rxq;
    int error;

    d->n_rxq_open++;
    error = dpdk_port_reconcile(d);
    if (error) {
        d->n_rxq_open--;
        return error;
    }
    rxq = xzalloc(sizeof *rxq);
    rxq->queue = queue;
    rxq->fd = -1;
    *rxqp = &rxq->up;
    return 0;
}

static void
netdev_dpdk_rxq_close(struct netdev_rxq *rxq_)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(rxq_->netdev);

    d->n_rxq_open--;
    free(netdev_rxq_dpdk_cast(rxq_));
}

/* Copies the chain 'm' into one mbuf of the jumbo pool and frees it;
 * returns the copy, or NULL (having freed 'm') if the frame is too long
 * or no jumbo mbuf is free. */
static struct rte_mbuf *
dpdk_linearize(struct rte_mbuf *m)
{
    struct rte_mempool *pool = dpdk_jumbo_pool();
    struct rte_mbuf *j = NULL;
    uint32_t len = rte_pktmbuf_pkt_len(m);

    if (pool && len <= DPDK_JUMBO_DATA_ROOM) {
        j = rte_pktmbuf_alloc(pool);
    }
    if (j) {
        char *dst = rte_pktmbuf_append(j, len);
        const void *src = rte_pktmbuf_read(m, 0, len, dst);

        if (src != dst) {
            /* The first segment held it all after all. */
            memcpy(dst, src, len);
        }
        j->port = m->port;
        j->packet_type = m->packet_type;
    }
    rte_pktmbuf_free(m);
    return j;
}

static int
netdev_dpdk_rxq_recv(struct netdev_rxq *rxq_, struct dp_packet_batch *batch)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(rxq_->netdev);
    struct netdev_rxq_dpdk *rxq = netdev_rxq_dpdk_cast(rxq_);
    struct rte_mbuf *mbufs[DP_BATCH_SIZE];
    unsigned int n_bad = 0;
    uint16_t n;

    if (!atomic_load_explicit(&d->ready, memory_order_acquire)
        || rxq->queue >= d->n_rxq_real) {
        rxq->fd = -1;
        return 0;
    }
    rxq->fd = d->rxq_intr_fds[rxq->queue];
    if (!(atomic_load_explicit(&d->rxq_live, memory_order_relaxed)
          & (1u << rxq->queue))) {
        return 0;
    }
    dpdk_thread_check();
    n = rte_eth_rx_burst(d->port_id, rxq->queue, mbufs, DP_BATCH_SIZE);
    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = mbufs[i];

        if (i + 1 < n) {
            rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 1], void *));
        }
        if (m->nb_segs != 1) {
            /* A frame over DPDK_MBUF_DATA_ROOM. */
            m = dpdk_linearize(m);
            if (!m) {
                n_bad++;
                continue;
            }
        } else if (!dpdk_pool_is_ours(m->pool)) {
            rte_pktmbuf_free(m);
            n_bad++;
            continue;
        }
        batch->packets[batch->count++] = dpdk_packet_from_mbuf(m);
    }
    if (n_bad) {
        atomic_fetch_add_explicit(&d->rx_errors, n_bad,
                                  memory_order_relaxed);
    }
    return batch->count;
}

static int
netdev_dpdk_rxq_fd(const struct netdev_rxq *rxq)
{
    return netdev_rxq_dpdk_cast(rxq)->fd;
}

static bool
netdev_dpdk_rxq_busy_poll(const struct netdev_rxq *rxq)
{
    (void) rxq;
    return true;
}

/* Receive interrupts exist only on vhost-user ports (dpdk_port_start()),
 * and are the vhost library's business (netdev-dpdk-vhost.c). */
static int
netdev_dpdk_rxq_arm(struct netdev_rxq *rxq_)
{
    return dpdk_vhost_rxq_arm(netdev_dpdk_cast(rxq_->netdev),
                              netdev_rxq_dpdk_cast(rxq_)->queue);
}

static void
netdev_dpdk_rxq_disarm(struct netdev_rxq *rxq_)
{
    dpdk_vhost_rxq_disarm(netdev_dpdk_cast(rxq_->netdev),
                          netdev_rxq_dpdk_cast(rxq_)->queue);
}

/* Transmit. */

static const struct dp_packet_source *
netdev_dpdk_tx_source(const struct netdev *netdev)
{
    (void) netdev;
    return &dpdk_source;
}

static struct dp_packet *
netdev_dpdk_tx_alloc(struct netdev *netdev, int qid, uint32_t size)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    struct rte_mbuf *m;

    (void) qid;
    dpdk_thread_check();
    if (size <= DPDK_MBUF_DATA_ROOM) {
        m = rte_pktmbuf_alloc(dpdk_mempool);
    } else if (size <= DPDK_JUMBO_DATA_ROOM && dpdk_jumbo_pool()) {
        m = rte_pktmbuf_alloc(dpdk_jumbo_pool());
    } else {
        m = NULL;
    }
    if (!m) {
        atomic_fetch_add_explicit(&d->tx_dropped, 1, memory_order_relaxed);
        return NULL;
    }
    return dpdk_packet_from_mbuf(m);
}

static int
netdev_dpdk_send_adopt(struct netdev *netdev, int qid,
                       struct dp_packet_batch *batch)
{
    struct netdev_dpdk *d = netdev_dpdk_cast(netdev);
    struct rte_mbuf *mbufs[DP_BATCH_SIZE];
    unsigned int n = 0;
    uint16_t sent = 0;

    dpdk_thread_check();
    for (unsigned int i = 0; i < batch->count; i++) {
        struct dp_packet *p = batch->packets[i];

        if (p->ol.gso_type) {
            /* Never from a DPDK port; a copy from a kernel port cannot be
             * segmented here.  (Freeing the mbuf gives back what the
             * device was given, a shared packet's hold included.) */
            rte_pktmbuf_free(dpdk_packet_to_mbuf(p));
            continue;
        }
        if (p->ol.flags & DP_OL_NEEDS_CSUM) {
            dp_packet_finish_csum(p);
        }
        mbufs[n++] = dpdk_mbuf_sync(p);
    }
    if (n && atomic_load_explicit(&d->ready, memory_order_acquire)) {
        uint16_t entry = atomic_load_explicit(
            &d->tx_qmap[(unsigned int) qid % DPDK_TXQ_MAP],
            memory_order_relaxed);
        uint16_t q = entry & ~DPDK_TXQ_LOCKED;

        if (entry == DPDK_TXQ_NONE) {
            /* A guest with no queue enabled: dropped below. */
        } else if (entry & DPDK_TXQ_LOCKED) {
            rte_spinlock_lock(&d->tx_locks[q]);
            sent = rte_eth_tx_burst(d->port_id, q, mbufs, n);
            rte_spinlock_unlock(&d->tx_locks[q]);
        } else {
            sent = rte_eth_tx_burst(d->port_id, q, mbufs, n);
        }
    }
    if (sent < batch->count) {
        if (sent < n) {
            rte_pktmbuf_free_bulk(&mbufs[sent], n - sent);
        }
        atomic_fetch_add_explicit(&d->tx_dropped, batch->count - sent,
                                  memory_order_relaxed);
    }
    return sent;
}

/* Process-wide settings. */

/* The only periodic work is vhost-user's (netdev-dpdk-vhost.c). */
static void
netdev_dpdk_run(void)
{
    dpdk_vhost_run(dpdk_list);
}

static void
netdev_dpdk_set_global_config(const struct smap *other_config,
                              struct smap *status)
{
    dpdk_eal_configure(other_config);
    smap_add(status, "dpdk_initialized", dpdk_eal_ready() ? "true"
                                                          : "false");
    smap_add(status, "dpdk_version", dpdk_eal_version());
}

#define DPDK_CLASS_COMMON                                               \
    .set_global_config = netdev_dpdk_set_global_config,                \
    .close = netdev_dpdk_close,                                         \
    .set_config = netdev_dpdk_set_config,                               \
    .get_n_rxq = netdev_dpdk_get_n_rxq,                                 \
    .get_etheraddr = netdev_dpdk_get_etheraddr,                         \
    .get_mtu = netdev_dpdk_get_mtu,                                     \
    .set_mtu = netdev_dpdk_set_mtu,                                     \
    .set_mtu_requested = netdev_dpdk_set_mtu_requested,                 \
    .get_state = netdev_dpdk_get_state,                                 \
    .get_stats = netdev_dpdk_get_stats,                                 \
    .get_status = netdev_dpdk_get_status,                               \
    .set_n_txq = netdev_dpdk_set_n_txq,                                 \
    .rxq_open = netdev_dpdk_rxq_open,                                   \
    .rxq_close = netdev_dpdk_rxq_close,                                 \
    .rxq_recv = netdev_dpdk_rxq_recv,                                   \
    .rxq_fd = netdev_dpdk_rxq_fd,                                       \
    .rxq_busy_poll = netdev_dpdk_rxq_busy_poll,                         \
    .rxq_arm = netdev_dpdk_rxq_arm,                                     \
    .rxq_disarm = netdev_dpdk_rxq_disarm,                               \
    .rxq_lends_nothing = true,                                          \
    .tx_source = netdev_dpdk_tx_source,                                 \
    .tx_alloc = netdev_dpdk_tx_alloc,                                   \
    .send_adopt = netdev_dpdk_send_adopt,                               \
    .run = netdev_dpdk_run,                                             \
    .wait = dpdk_vhost_wait

static const struct netdev_class netdev_dpdk_class = {
    .type = "dpdk",
    .description = "a DPDK poll-mode driver port: a PCI NIC or a virtual "
                   "device (options:dpdk-devargs)",
    .open = netdev_dpdk_open,
    .option_names = dpdk_option_names,
    .option_helps = dpdk_option_helps,
    DPDK_CLASS_COMMON,
};

static const struct netdev_class netdev_dpdk_vhost_server_class = {
    .type = "dpdkvhostuser",
    .description = "a VM NIC over vhost-user, the switch listening on "
                   "RUNDIR/[other_config:vhost-sock-dir/]IFNAME",
    .open = netdev_dpdk_vhost_server_open,
    .option_names = dpdk_vhost_server_option_names,
    .option_helps = dpdk_vhost_server_option_helps,
    DPDK_CLASS_COMMON,
};

static const struct netdev_class netdev_dpdk_vhost_client_class = {
    .type = "dpdkvhostuserclient",
    .description = "a VM NIC over vhost-user, the switch connecting to "
                   "options:vhost-server-path (and reconnecting)",
    .open = netdev_dpdk_vhost_client_open,
    .option_names = dpdk_vhost_client_option_names,
    .option_helps = dpdk_vhost_client_option_helps,
    DPDK_CLASS_COMMON,
};

void
netdev_dpdk_register(void)
{
    netdev_register_provider(&netdev_dpdk_class);
    netdev_register_provider(&netdev_dpdk_vhost_server_class);
    netdev_register_provider(&netdev_dpdk_vhost_client_class);
}
