/*
 * netdev-afpacket-qos.c -- egress QoS of "system" ports: the kernel's HTB
 * (netdev-linux-qos.c) on the device, and the marking that puts each
 * frame the switch sends into its queue's class.
 *
 * Marking.  HTB picks a frame's class from its skb priority, which an
 * AF_PACKET socket takes from SO_PRIORITY at the time of the send.  While
 * a device has QoS, a batch is sent in groups of frames with the same
 * queue (the queues' order, each group keeping the frames' order), and
 * the transmit queue's socket gets the group's priority first -- one
 * setsockopt() per change of queue, which for the usual one or two busy
 * queues per port is one or two per batch.  Reordering across queues is
 * what queues do anyway.  Marked batches always go through the plain
 * socket: a TPACKET ring takes one priority per send() too, and shaped
 * ports run far below the rates rings are for.  Once QoS is removed the
 * next send puts the socket's priority back to 0.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "netdev-afpacket-private.h"
#include "netdev-linux-qos.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_afpacket_qos);

int
afp_set_qos(struct netdev *netdev, const struct netdev_qos_config *qos,
            char **errorp)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);
    int error;

    if (!qos) {
        bool had = __atomic_load_n(&dev->qos_on, __ATOMIC_RELAXED);

        __atomic_store_n(&dev->qos_on, false, __ATOMIC_RELEASE);
        error = had ? netdev_linux_qos_clear(dev->ifindex) : 0;
        if (error && error != ENODEV && error != ENOENT && errorp) {
            *errorp = xasprintf("%s: removing the htb qdisc failed (%s)",
                                netdev->name, strerror(error));
        }
        return error == ENODEV || error == ENOENT ? 0 : error;
    }
    error = netdev_linux_qos_set(dev->ifindex, netdev->name, qos, errorp);
    __atomic_store_n(&dev->qos_on, !error, __ATOMIC_RELEASE);
    return error;
}

int
afp_get_queue_stats(const struct netdev *netdev,
                    struct netdev_queue_stats *stats, size_t max)
{
    const struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);
    size_t n;
    int error;

    if (!__atomic_load_n(&dev->qos_on, __ATOMIC_RELAXED)) {
        return 0;
    }
    error = netdev_linux_qos_stats(dev->ifindex, stats, max, &n);
    return error ? -error : (int) n;
}

/* Gives 'txq''s socket skb priority 'prio' unless it has it already. */
static void
afp_txq_set_priority(struct afp_txq *txq, uint32_t prio)
{
    if (txq->priority != prio
        && !afp_setsockopt_int(txq->fd, SOL_SOCKET, SO_PRIORITY, prio)) {
        txq->priority = prio;
    }
}

int
afp_send_marked(struct netdev_afpacket *dev, struct afp_txq *txq,
                struct dp_packet_batch *batch)
{
    bool qos_on = __atomic_load_n(&dev->qos_on, __ATOMIC_ACQUIRE);
    uint32_t done = 0;
    int n = 0;

    if (!qos_on) {
        afp_txq_set_priority(txq, 0);
        return afp_sock_send(txq->fd, batch, &txq->c);
    }
    for (unsigned int i = 0; i < batch->count; i++) {
        struct dp_packet_batch group;
        uint16_t queue;

        if (done & (UINT32_C(1) << i)) {
            continue;
        }
        queue = batch->packets[i]->tx_queue;
        group.count = 0;
        for (unsigned int j = i; j < batch->count; j++) {
            if (!(done & (UINT32_C(1) << j))
                && batch->packets[j]->tx_queue == queue) {
                group.packets[group.count++] = batch->packets[j];
                done |= UINT32_C(1) << j;
            }
        }
        afp_txq_set_priority(txq, netdev_linux_qos_priority(queue));
        n += afp_sock_send(txq->fd, &group, &txq->c);
    }
    return n;
}
