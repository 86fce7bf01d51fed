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
 * callback, which runs on the vhost library's thread, only wakes the main
 * thread up and takes the guest's kick descriptors, and
 * dpdk_vhost_rxq_arm() and _disarm(), which forwarding threads call
 * ("Receive interrupts" below).
 */
#include <config.h>
#include "netdev-dpdk-private.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_pause.h>
#include <rte_spinlock.h>
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

/* Receive interrupts.
 *
 * A vhost-user port is started with intr_conf.rxq, which gives each
 * receive queue a descriptor for the port's life
 * (rte_eth_dev_rx_intr_ctl_q_get_fd()): an epoll set of the PMD's holding
 * the kick eventfd of the guest's transmit ring, swapped by the PMD at each
 * connection.  The forwarding thread sleeps on it, having asked the guest
 * to kick (dpdk_vhost_rxq_arm()), and stops asking once awake, so that a
 * busy guest does not kick for every frame.
 *
 * Nothing reads the kick eventfd, though: after the guest's first kick it
 * would stay readable, and with it the PMD's descriptor, and the thread
 * would never sleep again.  So we hold a duplicate of each ring's kick
 * eventfd, and the thread reads it to zero when it arms the queue.  The
 * duplicates are taken in the event callback, on the vhost library's
 * thread, the only one that changes kick descriptors: between reading the
 * number (rte_vhost_get_vhost_vring()) and duplicating it, the library
 * cannot close it and the number cannot go to another file.  Every event
 * of a port retakes them all, and the library announces each new kick
 * descriptor with one (a ring becoming ready, or the device); when the
 * guest leaves they are dropped.  A ring disabled for a while keeps its
 * duplicate, since the PMD keeps the kick in its set and a kick left
 * unread there would wake the thread over and over.  What we must never
 * do is keep an old kick descriptor the PMD no longer follows: epoll
 * forgets a file only when its last reference goes, and when the library
 * replaces a kick descriptor it closes the old one before the PMD removes
 * it from its set by number (which then fails).  Our duplicate keeps that
 * file in the set until the next event replaces it, but it is the one the
 * thread drains meanwhile, so it wakes nobody.
 *
 * Each queue's slot also holds the guest's 'vid', with which the thread
 * asks for kicks and looks at the ring, under a spinlock, so that the
 * thread never reads a descriptor number the callback just closed.  The
 * callback that tells of the guest's departure runs before the library
 * frees the guest's device: it clears the slot and then waits until the
 * thread is out of the library ('busy'), so the thread never reaches a
 * freed device.  (The PMD's own rte_eth_dev_rx_intr_enable() reads its
 * 'vid' with no such guarantee.)  The thread does not hold the spinlock
 * in the library, which takes the ring's own lock: the library holds
 * those while it reports some events, whose callbacks take the spinlock;
 * and only the departure, reported without them, waits for the thread.
 *
 * A guest starts with kicks off, and a thread asleep since before it came
 * would not ask for them until its sleep times out: so the callback also
 * writes to each duplicate it takes, which wakes that thread to ask.  (At
 * start-up, the port's first duplicates are taken on the main thread: the
 * PMD knows its guest only once started, and sends no event then.) */
struct dpdk_kick {
    rte_spinlock_t lock;
    int fd;                         /* Our duplicate, or -1. */
    int vid;                        /* The guest's device while 'fd' >= 0. */
    bool busy;                      /* A thread uses 'vid'. */
};
static struct dpdk_kick dpdk_kicks[RTE_MAX_ETHPORTS][DPDK_MAX_RXQ];

/* The guest's transmit ring that is receive queue 'q'. */
static uint16_t
dpdk_rxq_vring(int q)
{
    return 2 * q + 1;
}

/* Replaces the duplicate of 'port_id''s receive queue 'q' by 'fd', a kick
 * descriptor of guest 'vid', or, if 'vid' is -1 (the guest is leaving),
 * drops it once no thread uses the guest's device any more. */
static void
dpdk_kick_set(uint16_t port_id, int q, int fd, int vid)
{
    struct dpdk_kick *k = &dpdk_kicks[port_id][q];
    int old;

    rte_spinlock_lock(&k->lock);
    old = k->fd;
    k->fd = fd;
    k->vid = fd >= 0 ? vid : -1;
    while (vid < 0 && k->busy) {
        rte_spinlock_unlock(&k->lock);
        rte_pause();
        rte_spinlock_lock(&k->lock);
    }
    rte_spinlock_unlock(&k->lock);
    if (old >= 0) {
        close(old);
    }
}

/* Forwarding thread: the guest's 'vid' for receive queue 'q' of port 'd',
 * marked in use until dpdk_kick_put(), having read the kicks so far if
 * 'drain'; -1 (nothing to put) without a guest. */
static int
dpdk_kick_get(const struct netdev_dpdk *d, int q, bool drain)
{
    struct dpdk_kick *k;
    uint64_t count;
    int vid = -1;

    if (d->kind == DPDK_ETHDEV || q < 0 || q >= DPDK_MAX_RXQ) {
        return -1;
    }
    k = &dpdk_kicks[d->port_id][q];
    rte_spinlock_lock(&k->lock);
    if (k->fd >= 0) {
        if (drain && read(k->fd, &count, sizeof count) < 0) {
            /* EAGAIN: no kick since the last time. */
        }
        vid = k->vid;
        k->busy = true;
    }
    rte_spinlock_unlock(&k->lock);
    return vid;
}

static void
dpdk_kick_put(const struct netdev_dpdk *d, int q)
{
    struct dpdk_kick *k = &dpdk_kicks[d->port_id][q];

    rte_spinlock_lock(&k->lock);
    k->busy = false;
    rte_spinlock_unlock(&k->lock);
}

/* 'fd', a duplicate of a kick eventfd, made nonblocking (the flag
 * belongs to the file, shared with the guest, which only writes to it),
 * or -1. */
static int
dpdk_kick_nonblock(int fd)
{
    int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;

    if (flags < 0 || (!(flags & O_NONBLOCK)
                      && fcntl(fd, F_SETFL, flags | O_NONBLOCK))) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* True if 'fd' is an eventfd. */
static bool
dpdk_is_eventfd(int fd)
{
    char path[64], target[64];
    ssize_t n;

    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof target - 1);
    if (n < 0) {
        return false;
    }
    target[n] = '\0';
    return !strcmp(target, "anon_inode:[eventfd]");
}

/* Serializes dpdk_vhost_take_kicks() between the vhost thread's event
 * callback and the main thread's call at start-up, so that the last
 * duplicates installed are the newest. */
static pthread_mutex_t dpdk_kick_mutex = PTHREAD_MUTEX_INITIALIZER;

/* Takes the kick descriptors of the receive rings of 'port_id''s guest,
 * if one is there, or drops those we have.  Only the vhost thread changes
 * a ring's kick descriptor, so its event callback may read and duplicate
 * it freely; the main thread ('checked') may find it closed and its
 * number reused meanwhile, so it keeps a duplicate only if it is an
 * eventfd and the ring still names the same number afterwards, and any
 * change the library makes meanwhile comes with an event whose callback
 * (waiting for the mutex) replaces what this installs. */
static void
dpdk_vhost_take_kicks(uint16_t port_id, bool checked)
{
    struct rte_eth_link link;
    uint64_t one = 1;
    int vid = -1;

    pthread_mutex_lock(&dpdk_kick_mutex);
    /* The PMD marks the link up once it knows the guest's 'vid', and down
     * before it forgets it. */
    if (!rte_eth_link_get_nowait(port_id, &link)
        && link.link_status == RTE_ETH_LINK_UP) {
        vid = rte_eth_vhost_get_vid_from_port_id(port_id);
    }
    for (int q = 0; q < DPDK_MAX_RXQ; q++) {
        struct rte_vhost_vring vring, again;
        uint16_t ring = dpdk_rxq_vring(q);
        int fd = -1;

        if (vid >= 0 && !rte_vhost_get_vhost_vring(vid, ring, &vring)
            && vring.kickfd >= 0) {
            fd = fcntl(vring.kickfd, F_DUPFD_CLOEXEC, 0);
            if (fd >= 0 && checked
                && (!dpdk_is_eventfd(fd)
                    || rte_vhost_get_vhost_vring(vid, ring, &again)
                    || again.kickfd != vring.kickfd)) {
                close(fd);
                fd = -1;
            }
            fd = dpdk_kick_nonblock(fd);
        }
        dpdk_kick_set(port_id, q, fd, vid);
        if (fd >= 0 && write(fd, &one, sizeof one) != sizeof one) {
            /* Full: it is readable anyway. */
        }
    }
    pthread_mutex_unlock(&dpdk_kick_mutex);
}

int
dpdk_vhost_rxq_arm(const struct netdev_dpdk *d, int queue)
{
    int vid = dpdk_kick_get(d, queue, true);
    int error = 0;

    if (vid < 0) {
        /* No guest: the one that comes wakes the thread (its first kick is
         * ours, dpdk_vhost_take_kicks()). */
        return 0;
    }
    rte_vhost_enable_guest_notification(vid, dpdk_rxq_vring(queue), 1);
    /* What the guest queued before it could see the request (a flag in
     * the ring, written before the ring is read, as the guest writes the
     * ring before it reads the flag) came without a kick: look once
     * more. */
    atomic_thread_fence(memory_order_seq_cst);
    if (rte_vhost_rx_queue_count(vid, dpdk_rxq_vring(queue))) {
        error = EAGAIN;
    }
    dpdk_kick_put(d, queue);
    return error;
}

void
dpdk_vhost_rxq_disarm(const struct netdev_dpdk *d, int queue)
{
    int vid = dpdk_kick_get(d, queue, false);

    if (vid >= 0) {
        rte_vhost_enable_guest_notification(vid, dpdk_rxq_vring(queue), 0);
        dpdk_kick_put(d, queue);
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
    if (port_id < RTE_MAX_ETHPORTS) {
        dpdk_vhost_take_kicks(port_id, false);
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
    static bool kicks_ready;

    if (d->kind == DPDK_ETHDEV) {
        return;
    }
    if (!kicks_ready) {
        for (size_t p = 0; p < RTE_MAX_ETHPORTS; p++) {
            for (size_t q = 0; q < DPDK_MAX_RXQ; q++) {
                rte_spinlock_init(&dpdk_kicks[p][q].lock);
                dpdk_kicks[p][q].fd = -1;
                dpdk_kicks[p][q].vid = -1;
                dpdk_kicks[p][q].busy = false;
            }
        }
        kicks_ready = true;
    }
    for (int q = 0; q < DPDK_MAX_RXQ; q++) {
        dpdk_kick_set(d->port_id, q, -1, -1);
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
    if (d->kind != DPDK_ETHDEV) {
        for (int q = 0; q < DPDK_MAX_RXQ; q++) {
            dpdk_kick_set(d->port_id, q, -1, -1);
        }
    }
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
    /* A guest there before the start has kick descriptors, and no event
     * about them will come ("Receive interrupts" above). */
    dpdk_vhost_take_kicks(d->port_id, true);
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
