/*
 * netdev-linux-qos.h -- egress QoS of a kernel network device: a tc HTB
 * qdisc and its classes, configured through libnl-route-3.
 *
 * The layout the switch installs on a port's device, and nothing else:
 *
 *     qdisc 1: root htb default 1
 *       class 1:fffe   the port: rate = ceil = QoS other_config:max-rate
 *         class 1:1    queue 0 (the default class)
 *         class 1:N+1  queue N: rate = min-rate, ceil = max-rate,
 *                      prio = priority, buffers from burst
 *
 * A frame goes to queue N's class because the sender sets its skb
 * priority to 1:N+1 (netdev_linux_qos_priority()); HTB classifies on the
 * priority before any filter, so no tc filter is needed.  Queue 0 is also
 * where unmarked traffic (the host's own, say) ends up.
 *
 * Updates keep the qdisc and change classes in place (counters survive
 * a rate change), adding and deleting classes as queues come and go.
 * Removal deletes the root qdisc only if it is the switch's (an HTB with
 * handle 1:), so a qdisc someone else put on a device the switch does not
 * shape is left alone.  All functions run on the main thread and return 0
 * or a positive errno value.
 */
#ifndef NETDEV_LINUX_QOS_H
#define NETDEV_LINUX_QOS_H 1

#include <stddef.h>
#include <stdint.h>
#include "netdev.h"

#define NETDEV_LINUX_QOS_HANDLE 0x10000u        /* 1: */
#define NETDEV_LINUX_QOS_ROOT_CLASS 0x1fffeu    /* 1:fffe */

/* The skb priority that puts a frame into queue 'queue''s class. */
static inline uint32_t
netdev_linux_qos_priority(uint16_t queue)
{
    return NETDEV_LINUX_QOS_HANDLE | (uint32_t) (queue + 1);
}

int netdev_linux_qos_set(int ifindex, const char *name,
                         const struct netdev_qos_config *, char **errorp);
int netdev_linux_qos_clear(int ifindex);
int netdev_linux_qos_stats(int ifindex, struct netdev_queue_stats *,
                           size_t max, size_t *n);

#endif /* netdev-linux-qos.h */
