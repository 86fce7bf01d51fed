/*
 * netdev-dpdk-vhost.c -- what only the two vhost-user types
 * ("dpdkvhostuser", "dpdkvhostuserclient") need on top of the DPDK port
 * code of netdev-dpdk.c: their options, devargs and socket (path,
 * directory, permissions), the vhost PMD's event callbacks and the rings
 * the guest enabled, and their Interface status.  A vhost-user port is a
 * DPDK ethdev port underneath ("net_vhost" virtual device), so opening,
 * attaching, starting, receiving and sending are netdev-dpdk.c's; this
 * file keeps the guest's side of things apart from that, one concern per
 * file.  Every dpdk_vhost_*() function netdev-dpdk-private.h declares
 * does nothing for a type=dpdk port, so callers need not ask.
 *
 * vhost-user ports are made with options:n_rxq queue pairs (default
 * DPDK_VHOST_DEFAULT_QP), all configured, of which the guest enables
 * some: the datapath is told to poll as many receive queues as the guest
 * uses, and the forwarding threads send on enabled queues only ("vhost-user
 * negotiation" below, and "Transmit queues" in netdev-dpdk.c).
 *
 * Threads.  Everything here runs on the main thread, but the event
 * callback, which runs on the vhost library's thread and only wakes the
 * main thread up.
 */
#include <config.h>
#include "netdev-dpdk-private.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_vhost.h>

#include "netdev-provider.h"
#include "poll-loop.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_dpdk_vhost);

/* Queue pairs a vhost-user port offers when options:n_rxq does not say:
 * as many as a guest with 8 vCPUs asks for, each unused pair costing a
 * few hundred bytes (the vhost PMD takes buffers from the pool only for
 * frames it dequeues). */
#define DPDK_VHOST_DEFAULT_QP 8

/* vhost-user negotiation.
 *
 * A guest enables queue pairs one by one (VHOST_USER_SET_VRING_ENABLE),
 * any time after it connects: a Linux guest enables the first at boot and
 * the others when "ethtool -L eth0 combined N" (or its driver's default)
 * asks.  The vhost PMD reports each change as an RTE_ETH_EVENT_QUEUE_STATE
 * event, with the details kept for rte_eth_vhost_get_queue_event(), and a
 * connection or disconnection as RTE_ETH_EVENT_INTR_LSC.  The callbacks
 * run on the vhost library's thread, so they only note that something
 * happened (an eventfd the main loop waits on); dpdk_vhost_run() reads the
 * details on the main thread.
 *
 * What follows from them: receive queue q is polled while the guest has
 * its transmit ring enabled (the datapath's rxq_recv skips the others);
 * the number of receive queues the port reports to the datapath is one
 * more than the highest ever enabled in the current connection (so a
 * guest enabling 4 pairs makes 4 queues spread over the forwarding
 * threads, and one restarting with 2 makes 2), kept while no guest is
 * there (a guest rebooting does not reshuffle the threads twice); a
 * change is a netdev_request_reconfigure().  A disconnection forgets the
 * enabled rings: the PMD sends no events for them. */
static int dpdk_event_fd = -1;
static atomic_bool dpdk_events_pending;
/* The rings each port's guest has enabled (bit q: ring q), kept by the
 * callbacks themselves.  They run on the one vhost library thread in the
 * order things happened, so a disconnection clears the masks before the
 * next connection's rings are enabled -- which QEMU does before the
 * device is up (its link comes up last): reading the events later on the
 * main thread, a first pass could see the rings enabled on a link still
 * down, and the next, with the link up, no events left. */
static atomic_uint dpdk_vq_rx[RTE_MAX_ETHPORTS];
static atomic_uint dpdk_vq_tx[RTE_MAX_ETHPORTS];

static void
dpdk_vhost_read_queue_events(uint16_t port_id)
{
    struct rte_eth_vhost_queue_event ev;

    while (!rte_eth_vhost_get_queue_event(port_id, &ev)) {
        atomic_uint *mask = ev.rx ? &dpdk_vq_rx[port_id]
                                  : &dpdk_vq_tx[port_id];

        if (ev.queue_id >= 32) {
            continue;
        } else if (ev.enable) {
            atomic_fetch_or(mask, UINT32_C(1) << ev.queue_id);
        } else {
            atomic_fetch_and(mask, ~(UINT32_C(1) << ev.queue_id));
        }
    }
}

static int
dpdk_vhost_event(uint16_t port_id, enum rte_eth_event_type type,
                 void *aux, void *ret_param)
{
    uint64_t one = 1;

    (void) aux;
    (void) ret_param;
    if (port_id >= RTE_MAX_ETHPORTS) {
        /* Not ours. */
    } else if (type == RTE_ETH_EVENT_INTR_LSC) {
        struct rte_eth_link link;

        if (rte_eth_link_get_nowait(port_id, &link)
            || link.link_status != RTE_ETH_LINK_UP) {
            /* Gone: its rings went with it, without events. */
            atomic_store(&dpdk_vq_rx[port_id], 0);
            atomic_store(&dpdk_vq_tx[port_id], 0);
        }
    } else if (type == RTE_ETH_EVENT_QUEUE_STATE) {
        dpdk_vhost_read_queue_events(port_id);
    }
    atomic_store(&dpdk_events_pending, true);
    if (dpdk_event_fd >= 0
        && write(dpdk_event_fd, &one, sizeof one) != sizeof one) {
        /* The counter is full: the main loop wakes up anyway. */
    }
    return 0;
}

static void
dpdk_vhost_callbacks(const struct netdev_dpdk *d, bool on)
{
    static const enum rte_eth_event_type types[] = {
        RTE_ETH_EVENT_QUEUE_STATE, RTE_ETH_EVENT_INTR_LSC,
    };

    if (d->kind == DPDK_ETHDEV) {
        return;
    }
    if (on && dpdk_event_fd < 0) {
        dpdk_event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (dpdk_event_fd < 0) {
            VLOG_ERR("eventfd failed (%s): vhost-user queue changes will "
                     "be noticed late", strerror(errno));
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        int retval = (on
                      ? rte_eth_dev_callback_register(d->port_id, types[i],
                                                      dpdk_vhost_event, NULL)
                      : rte_eth_dev_callback_unregister(d->port_id, types[i],
                                                        dpdk_vhost_event,
                                                        NULL));

        if (retval && on) {
            VLOG_WARN("%s: no vhost-user events from DPDK port %u (%s)",
                      d->up.name, d->port_id, rte_strerror(-retval));
        }
    }
}

/* The guest's MTU.
 *
 * QEMU tells the switch the MTU its virtio NIC offers the guest (host_mtu,
 * VIRTIO_NET_F_MTU) with VHOST_USER_NET_SET_MTU; the vhost library keeps
 * it for rte_vhost_get_mtu().  A guest whose NIC says 9000 sends 9000-byte
 * packets, which a port left at 1500 would drop ("mtu"), so a port whose
 * Interface has no mtu_request takes the guest's MTU when it connects,
 * and DPDK_DEFAULT_MTU again when it disconnects; each connection reads it
 * anew, so a guest restarting with another host_mtu brings its own.  An
 * mtu_request always wins: a guest announcing something else is warned
 * about once per connection, and its MTU shown in Interface status
 * "guest_mtu" either way.  An announced MTU the port cannot take (over
 * DPDK_MAX_MTU) leaves the MTU as it is, with a warning.  Every change
 * here is a netdev_request_reconfigure() (dpdk_vhost_update()): the bridge
 * then reads the MTU into Interface:mtu and the datapath's output check. */

/* The MTU the guest of connected port 'd' announced, or 0. */
static int
dpdk_vhost_read_guest_mtu(const struct netdev_dpdk *d)
{
    int vid = rte_eth_vhost_get_vid_from_port_id(d->port_id);
    uint16_t mtu;

    /* -ENOTSUP: QEMU's NIC offers no MTU (no host_mtu). */
    return vid >= 0 && !rte_vhost_get_mtu(vid, &mtu) ? mtu : 0;
}

bool
dpdk_vhost_mtu_follow(struct netdev_dpdk *d)
{
    int old = d->mtu, want;

    if (d->kind == DPDK_ETHDEV) {
        return false;
    }
    if (d->mtu_requested) {
        if (d->guest_mtu && d->guest_mtu != d->mtu && !d->guest_mtu_warned) {
            VLOG_WARN("%s: the guest announced MTU %d, but mtu_request "
                      "keeps the port at MTU %d (clear mtu_request to "
                      "follow the guest)", d->up.name, d->guest_mtu,
                      d->mtu);
            d->guest_mtu_warned = true;
        }
        return false;
    }
    want = d->guest_mtu ? d->guest_mtu : DPDK_DEFAULT_MTU;
    if (want == d->mtu) {
        return false;
    }
    if (want < 68 || want > DPDK_MAX_MTU) {
        if (!d->guest_mtu_warned) {
            VLOG_WARN("%s: the guest announced MTU %d, outside the 68..%d "
                      "a DPDK port takes: keeping MTU %d", d->up.name,
                      want, DPDK_MAX_MTU, d->mtu);
            d->guest_mtu_warned = true;
        }
        return false;
    }
    if (dpdk_mtu_set(d, want)) {
        return false;
    }
    VLOG_INFO("%s: MTU %d (was %d), %s", d->up.name, d->mtu, old,
              d->guest_mtu ? "as the guest announced"
                           : "the default without a guest's");
    return true;
}

static int
highest_bit(uint32_t x)
{
    return x ? 31 - __builtin_clz(x) : -1;
}

/* Catches up with what the guest of vhost-user port 'd' did. */
static void
dpdk_vhost_update(struct netdev_dpdk *d)
{
    uint32_t old_rx = d->vq_rx, old_tx = d->vq_tx;
    bool was_connected = d->vhost_connected;
    int old_guest_mtu = d->guest_mtu;
    struct rte_eth_link link;
    int n_rxq;

    d->vhost_connected = (!rte_eth_link_get_nowait(d->port_id, &link)
                          && link.link_status == RTE_ETH_LINK_UP);
    /* The rings count once the device is up. */
    d->vq_rx = d->vhost_connected ? atomic_load(&dpdk_vq_rx[d->port_id]) : 0;
    d->vq_tx = d->vhost_connected ? atomic_load(&dpdk_vq_tx[d->port_id]) : 0;
    atomic_store_explicit(&d->rxq_live, d->vq_rx, memory_order_relaxed);
    dpdk_txq_map_update(d);

    n_rxq = highest_bit(d->vq_rx) + 1;
    if (n_rxq > d->n_rxq) {
        n_rxq = d->n_rxq;
    }
    if (was_connected != d->vhost_connected) {
        VLOG_INFO("%s: vhost-user guest %s", d->up.name,
                  d->vhost_connected ? "connected" : "disconnected");
    }
    /* Read on every event, not only on connecting: a guest may have gone
     * and another come between two passes. */
    d->guest_mtu = d->vhost_connected ? dpdk_vhost_read_guest_mtu(d) : 0;
    if (d->guest_mtu != old_guest_mtu || !d->vhost_connected) {
        d->guest_mtu_warned = false;
    }
    if (d->guest_mtu != old_guest_mtu) {
        if (d->guest_mtu) {
            VLOG_INFO("%s: the guest announced MTU %d", d->up.name,
                      d->guest_mtu);
        }
        dpdk_vhost_mtu_follow(d);
    }
    if (d->vq_rx != old_rx || d->vq_tx != old_tx) {
        VLOG_INFO("%s: the guest enabled %d receive and %d transmit queues "
                  "of %d", d->up.name, __builtin_popcount(d->vq_rx),
                  __builtin_popcount(d->vq_tx), d->n_rxq);
    }
    if (n_rxq > 0 && n_rxq != d->n_rxq_guest) {
        VLOG_INFO("%s: polling %d receive queues (was %d)", d->up.name,
                  n_rxq, d->n_rxq_guest);
        d->n_rxq_guest = n_rxq;
    }
    if (was_connected != d->vhost_connected || d->vq_rx != old_rx
        || d->vq_tx != old_tx || d->guest_mtu != old_guest_mtu) {
        netdev_request_reconfigure();
    }
}

/* Port life. */

void
dpdk_vhost_attach(struct netdev_dpdk *d)
{
    if (d->kind == DPDK_ETHDEV) {
        return;
    }
    d->vq_rx = d->vq_tx = 0;
    d->vhost_connected = false;
    if (d->guest_mtu) {
        /* A new device: the old one's guest is gone. */
        d->guest_mtu = 0;
        d->guest_mtu_warned = false;
        if (dpdk_vhost_mtu_follow(d)) {
            netdev_request_reconfigure();
        }
    }
    atomic_store(&d->rxq_live, 0);
    atomic_store(&dpdk_vq_rx[d->port_id], 0);
    atomic_store(&dpdk_vq_tx[d->port_id], 0);
    dpdk_vhost_callbacks(d, true);
    /* Whatever happened before the callbacks were there. */
    atomic_store(&dpdk_events_pending, true);
}

void
dpdk_vhost_detach(const struct netdev_dpdk *d)
{
    dpdk_vhost_callbacks(d, false);
}

void
dpdk_vhost_started(const struct netdev_dpdk *d)
{
    if (d->kind == DPDK_ETHDEV) {
        return;
    }
    /* Rings a guest enabled before the callbacks were there (the PMD
     * keeps no events for a port before it is configured). */
    dpdk_vhost_read_queue_events(d->port_id);
}

void
dpdk_vhost_run(struct netdev_dpdk *list)
{
    uint64_t count;

    if (!atomic_exchange(&dpdk_events_pending, false)) {
        return;
    }
    if (dpdk_event_fd >= 0
        && read(dpdk_event_fd, &count, sizeof count) < 0) {
        /* Nothing to read: EAGAIN. */
    }
    for (struct netdev_dpdk *d = list; d; d = d->next) {
        if (d->kind != DPDK_ETHDEV && d->attached) {
            dpdk_vhost_update(d);
        }
    }
}

void
dpdk_vhost_wait(void)
{
    if (atomic_load(&dpdk_events_pending)) {
        poll_immediate_wake();
    } else if (dpdk_event_fd >= 0) {
        poll_fd_wait(dpdk_event_fd, POLLIN);
    }
}

/* Options and the socket. */

#define VHOST_N_RXQ_HELP                                                \
    "queue pairs offered to the guest, 1..16 (default 8); the switch "  \
    "polls and sends on those the guest enables (Interface status "     \
    "n_rxq and n_txq say how many)"

const char *const dpdk_vhost_server_option_names[] = {
    "n_rxq", NULL,
};
const char *const dpdk_vhost_server_option_helps[] = {
    VHOST_N_RXQ_HELP, NULL,
};

const char *const dpdk_vhost_client_option_names[] = {
    "vhost-server-path", "n_rxq", NULL,
};
const char *const dpdk_vhost_client_option_helps[] = {
    "the vhost-user socket QEMU listens on (QEMU's "
    "chardev socket,server=on, libvirt's <source mode='server'>); "
    "the switch connects, and reconnects after either side restarts; "
    "required",
    VHOST_N_RXQ_HELP,
    NULL,
};

/* The socket of a dpdkvhostuser port 'name': <run dir>/<vhost-sock-dir>/
 * <name>.  NULL with '*errorp' if vhost-sock-dir leaves the run
 * directory. */
static char *
vhost_server_path(const char *name, char **errorp)
{
    const char *dir = dpdk_vhost_sock_dir();

    if (dir[0] == '/' || strstr(dir, "..")) {
        *errorp = xasprintf("%s: Open_vSwitch other_config:vhost-sock-dir "
                            "\"%s\" must be a directory inside the run "
                            "directory %s (a relative path without \"..\")",
                            name, dir, netdev_get_run_dir());
        return NULL;
    }
    return (*dir
            ? xasprintf("%s/%s/%s", netdev_get_run_dir(), dir, name)
            : xasprintf("%s/%s", netdev_get_run_dir(), name));
}

/* Fills in 'devargs', 'dev_name' and 'vhost_path' of a vhost-user port. */
static int
vhost_devargs(const struct netdev_dpdk *d, const struct smap *options,
              int n_qp, char **devargsp, char **pathp, char **errorp)
{
    const char *name = d->up.name;
    char *path;

    if (d->kind == DPDK_VHOST_CLIENT) {
        const char *p = smap_get(options, "vhost-server-path");

        if (!p || !*p) {
            *errorp = xasprintf("%s: options:vhost-server-path is required "
                                "(the socket QEMU listens on)", name);
            return EINVAL;
        }
        path = xstrdup(p);
    } else {
        path = vhost_server_path(name, errorp);
        if (!path) {
            return EINVAL;
        }
    }
    if (strchr(path, ',') || strchr(name, ',')) {
        *errorp = xasprintf("%s: a vhost-user socket path or interface name "
                            "must not contain ',' (%s)", name, path);
        free(path);
        return EINVAL;
    }
    *devargsp = xasprintf("net_vhost_%s,iface=%s,client=%d,queues=%d",
                          name, path, d->kind == DPDK_VHOST_CLIENT, n_qp);
    *pathp = path;
    return 0;
}

int
dpdk_vhost_parse_config(const struct netdev_dpdk *d,
                        const struct smap *options, int *n_rxqp,
                        char **devargsp, char **pathp, char **errorp)
{
    int error = netdev_option_int(&d->up, options, "n_rxq", 1, DPDK_MAX_RXQ,
                                  DPDK_VHOST_DEFAULT_QP, n_rxqp, errorp);

    if (!error) {
        error = vhost_devargs(d, options, *n_rxqp, devargsp, pathp, errorp);
    }
    return error;
}

void
dpdk_vhost_sock_mkdir(const struct netdev_dpdk *d)
{
    if (d->vhost_path && d->kind == DPDK_VHOST_SERVER) {
        /* The socket's directory (vhost-sock-dir). */
        char *dir = xstrdup(d->vhost_path);
        char *slash = strrchr(dir, '/');

        if (slash && slash != dir) {
            *slash = '\0';
            if (mkdir(dir, 0750) && errno != EEXIST) {
                VLOG_WARN("%s: mkdir %s failed (%s)", d->up.name, dir,
                          strerror(errno));
            }
        }
        free(dir);
    }
}

/* Gives the server socket of a vhost-user port the mode and group of the
 * run directory's files: 0660, the run directory's group (so that a QEMU
 * in that group may connect). */
void
dpdk_vhost_socket_perms(const struct netdev_dpdk *d)
{
    struct stat st;

    if (d->kind != DPDK_VHOST_SERVER || !d->vhost_path) {
        return;
    }
    if (chmod(d->vhost_path, 0660)) {
        VLOG_WARN("%s: chmod 0660 %s failed (%s)", d->up.name,
                  d->vhost_path, strerror(errno));
    }
    if (!stat(netdev_get_run_dir(), &st)
        && chown(d->vhost_path, (uid_t) -1, st.st_gid)) {
        VLOG_WARN("%s: giving %s to group %u failed (%s)", d->up.name,
                  d->vhost_path, (unsigned int) st.st_gid, strerror(errno));
    }
}

/* Status. */

void
dpdk_vhost_get_status(const struct netdev_dpdk *d, int n_rxq,
                      struct smap *status)
{
    smap_add(status, "mode",
             d->kind == DPDK_VHOST_CLIENT ? "client" : "server");
    if (d->vhost_path) {
        smap_add(status, "socket", d->vhost_path);
    }
    smap_add(status, "status",
             d->vhost_connected ? "connected" : "disconnected");
    dpdk_status_add_int(status, "max_queue_pairs", d->n_rxq);
    /* What the datapath polls, and the queues the guest reads. */
    dpdk_status_add_int(status, "n_rxq", n_rxq);
    dpdk_status_add_int(status, "n_txq", __builtin_popcount(d->vq_tx));
    if (d->guest_mtu) {
        /* What the guest announced, whatever the port's MTU is. */
        dpdk_status_add_int(status, "guest_mtu", d->guest_mtu);
    }
}
