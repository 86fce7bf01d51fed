/*
 * netdev-linux-qos.c -- the HTB qdisc and classes of a kernel port
 * (netdev-linux-qos.h), through libnl-route-3.
 *
 * Each call opens its own rtnetlink socket, does its work and closes it:
 * QoS changes are rare, happen on the main thread, and a socket held per
 * device would be one more descriptor per port for nothing.
 */
#include <config.h>
#include "netdev-linux-qos.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>

#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_linux_qos);

/* HTB's rate of the port's class when QoS other_config:max-rate is not
 * set: the most a 64-bit HTB rate is worth asking for, 100 Gbit/s. */
#define UNLIMITED_BPS (UINT64_C(100) * 1000 * 1000 * 1000)

/* A positive errno value for libnl's error 'nlerr' (negative). */
static int
nl_to_errno(int nlerr)
{
    switch (-nlerr) {
    case NLE_NODEV:
        return ENODEV;
    case NLE_OBJ_NOTFOUND:
        return ENOENT;
    case NLE_PERM:
        return EPERM;
    case NLE_NOMEM:
        return ENOMEM;
    case NLE_INVAL:
    case NLE_RANGE:
        return EINVAL;
    case NLE_EXIST:
        return EEXIST;
    case NLE_BUSY:
        return EBUSY;
    default:
        return EIO;
    }
}

static struct nl_sock *
open_socket(int *errorp)
{
    struct nl_sock *sk = nl_socket_alloc();
    int err;

    if (!sk) {
        *errorp = ENOMEM;
        return NULL;
    }
    err = nl_connect(sk, NETLINK_ROUTE);
    if (err < 0) {
        nl_socket_free(sk);
        *errorp = nl_to_errno(err);
        return NULL;
    }
    *errorp = 0;
    return sk;
}

/* True if the root qdisc of 'ifindex' in 'cache' is the switch's. */
static bool
root_is_ours(struct nl_cache *cache, int ifindex, bool *any_root)
{
    struct rtnl_qdisc *root = rtnl_qdisc_get_by_parent(cache, ifindex,
                                                      TC_H_ROOT);
    bool ours = false;

    *any_root = root != NULL;
    if (root) {
        const char *kind = rtnl_tc_get_kind(TC_CAST(root));

        ours = (kind && !strcmp(kind, "htb")
                && rtnl_tc_get_handle(TC_CAST(root))
                   == NETDEV_LINUX_QOS_HANDLE);
        rtnl_qdisc_put(root);
    }
    return ours;
}

/* Bytes of bucket for 'rate_bps' and 'burst_bits': what the user asked
 * for, but at least a few full-sized frames and 4 ms of the rate (the
 * kernel's timers release a class's frames in ticks; a smaller bucket
 * falls short of the rate at a gigabit). */
static uint32_t
bucket_bytes(uint64_t rate_bps, uint64_t burst_bits)
{
    uint64_t floor = rate_bps / 8 / 250 + 3 * 1514;
    uint64_t b = MAX(burst_bits / 8, floor);

    return b > UINT32_MAX / 2 ? UINT32_MAX / 2 : b;
}

/* HTB's quantum (bytes a class sends per round when classes share what
 * their parent lends): proportional to the rate, as tc's r2q does, but
 * within [one frame, 200000] so that the kernel does not complain. */
static uint32_t
quantum_bytes(uint64_t rate_bps)
{
    uint64_t q = rate_bps / 8 / 10;

    return q < 1514 ? 1514 : q > 200000 ? 200000 : q;
}

static int
add_class(struct nl_sock *sk, int ifindex, uint32_t parent, uint32_t handle,
          uint64_t rate, uint64_t ceil, uint64_t burst, uint32_t prio)
{
    struct rtnl_class *c = rtnl_class_alloc();
    int err;

    if (!c) {
        return -NLE_NOMEM;
    }
    rate = MAX(rate, 8);
    ceil = MAX(ceil, rate);
    rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
    rtnl_tc_set_parent(TC_CAST(c), parent);
    rtnl_tc_set_handle(TC_CAST(c), handle);
    err = rtnl_tc_set_kind(TC_CAST(c), "htb");
    if (!err) {
        rtnl_htb_set_rate64(c, rate / 8);
        rtnl_htb_set_ceil64(c, ceil / 8);
        rtnl_htb_set_rbuffer(c, bucket_bytes(rate, burst));
        rtnl_htb_set_cbuffer(c, bucket_bytes(ceil, burst));
        rtnl_htb_set_quantum(c, quantum_bytes(rate));
        rtnl_htb_set_prio(c, MIN(prio, 7));
        err = rtnl_class_add(sk, c, NLM_F_CREATE);
    }
    rtnl_class_put(c);
    return err;
}

static bool
queue_wanted(const struct netdev_qos_config *qos, uint32_t id)
{
    for (unsigned int i = 0; i < qos->n_queues; i++) {
        if (qos->queues[i].id == id) {
            return true;
        }
    }
    return id == 0;
}

/* Deletes the classes under the port's class that 'qos' does not have. */
static void
delete_stale_classes(struct nl_sock *sk, int ifindex,
                     const struct netdev_qos_config *qos)
{
    struct nl_cache *cache;
    struct nl_object *obj;

    if (rtnl_class_alloc_cache(sk, ifindex, &cache) < 0) {
        return;
    }
    for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
        struct rtnl_class *c = (struct rtnl_class *) obj;
        uint32_t handle = rtnl_tc_get_handle(TC_CAST(c));

        if (rtnl_tc_get_parent(TC_CAST(c)) == NETDEV_LINUX_QOS_ROOT_CLASS
            && !queue_wanted(qos, (handle & 0xffff) - 1)) {
            rtnl_class_delete(sk, c);
        }
    }
    nl_cache_free(cache);
}

int
netdev_linux_qos_set(int ifindex, const char *name,
                     const struct netdev_qos_config *qos, char **errorp)
{
    uint64_t port_rate = qos->max_rate ? qos->max_rate : UNLIMITED_BPS;
    struct nl_cache *cache = NULL;
    struct nl_sock *sk;
    bool any_root, default_seen = false;
    const char *step = "connecting to rtnetlink";
    int err = 0, error;

    sk = open_socket(&error);
    if (!sk) {
        goto out;
    }
    step = "reading qdiscs";
    err = rtnl_qdisc_alloc_cache(sk, &cache);
    if (err < 0) {
        goto out;
    }
    if (!root_is_ours(cache, ifindex, &any_root)) {
        struct rtnl_qdisc *q = rtnl_qdisc_alloc();

        step = "adding the htb qdisc";
        if (!q) {
            err = -NLE_NOMEM;
            goto out;
        }
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
        rtnl_tc_set_handle(TC_CAST(q), NETDEV_LINUX_QOS_HANDLE);
        err = rtnl_tc_set_kind(TC_CAST(q), "htb");
        if (!err) {
            rtnl_htb_set_defcls(q, 1);
            err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
        }
        rtnl_qdisc_put(q);
        if (err < 0) {
            goto out;
        }
        VLOG_INFO("%s: htb qdisc installed", name);
    }

    step = "setting the port's class";
    err = add_class(sk, ifindex, NETDEV_LINUX_QOS_HANDLE,
                    NETDEV_LINUX_QOS_ROOT_CLASS, port_rate, port_rate, 0, 0);
    for (unsigned int i = 0; !err && i < qos->n_queues; i++) {
        const struct netdev_queue_config *q = &qos->queues[i];
        uint64_t ceil = q->max_rate ? MIN(q->max_rate, port_rate)
                                    : port_rate;

        step = "setting a queue's class";
        default_seen |= q->id == 0;
        err = add_class(sk, ifindex, NETDEV_LINUX_QOS_ROOT_CLASS,
                        NETDEV_LINUX_QOS_HANDLE | (q->id + 1),
                        MIN(q->min_rate, ceil), ceil, q->burst, q->priority);
    }
    if (!err && !default_seen) {
        /* Queue 0 always exists: unmatched traffic goes there. */
        step = "setting the default class";
        err = add_class(sk, ifindex, NETDEV_LINUX_QOS_ROOT_CLASS,
                        NETDEV_LINUX_QOS_HANDLE | 1, 8, port_rate, 0, 0);
    }
    if (!err) {
        delete_stale_classes(sk, ifindex, qos);
    }

out:
    if (cache) {
        nl_cache_free(cache);
    }
    if (sk) {
        nl_socket_free(sk);
    }
    if (err < 0) {
        error = nl_to_errno(err);
    }
    if (error && errorp) {
        *errorp = xasprintf("%s: QoS not applied: %s failed (%s)", name,
                            step, err < 0 ? nl_geterror(err)
                                          : strerror(error));
    }
    return error;
}

int
netdev_linux_qos_clear(int ifindex)
{
    struct nl_cache *cache;
    struct nl_sock *sk;
    bool any_root;
    int error, err;

    sk = open_socket(&error);
    if (!sk) {
        return error;
    }
    err = rtnl_qdisc_alloc_cache(sk, &cache);
    if (err >= 0) {
        if (root_is_ours(cache, ifindex, &any_root)) {
            struct rtnl_qdisc *q = rtnl_qdisc_alloc();

            if (q) {
                rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
                rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
                rtnl_tc_set_handle(TC_CAST(q), NETDEV_LINUX_QOS_HANDLE);
                err = rtnl_qdisc_delete(sk, q);
                rtnl_qdisc_put(q);
            }
        }
        nl_cache_free(cache);
    }
    nl_socket_free(sk);
    return err < 0 ? nl_to_errno(err) : 0;
}

static int
compare_stats(const void *a_, const void *b_)
{
    const struct netdev_queue_stats *a = a_, *b = b_;

    return a->id < b->id ? -1 : a->id > b->id;
}

int
netdev_linux_qos_stats(int ifindex, struct netdev_queue_stats *stats,
                       size_t max, size_t *np)
{
    struct nl_cache *cache;
    struct nl_object *obj;
    struct nl_sock *sk;
    size_t n = 0;
    int error, err;

    *np = 0;
    sk = open_socket(&error);
    if (!sk) {
        return error;
    }
    err = rtnl_class_alloc_cache(sk, ifindex, &cache);
    if (err < 0) {
        nl_socket_free(sk);
        return nl_to_errno(err);
    }
    for (obj = nl_cache_get_first(cache); obj && n < max;
         obj = nl_cache_get_next(obj)) {
        struct rtnl_tc *tc = TC_CAST((struct rtnl_class *) obj);
        struct netdev_queue_stats *s = &stats[n];

        if (rtnl_tc_get_parent(tc) != NETDEV_LINUX_QOS_ROOT_CLASS) {
            continue;
        }
        memset(s, 0, sizeof *s);
        s->id = (rtnl_tc_get_handle(tc) & 0xffff) - 1;
        s->packets = rtnl_tc_get_stat(tc, RTNL_TC_PACKETS);
        s->bytes = rtnl_tc_get_stat(tc, RTNL_TC_BYTES);
        s->dropped = rtnl_tc_get_stat(tc, RTNL_TC_DROPS);
        s->backlog_packets = rtnl_tc_get_stat(tc, RTNL_TC_QLEN);
        s->backlog_bytes = rtnl_tc_get_stat(tc, RTNL_TC_BACKLOG);
        s->rate_bps = rtnl_tc_get_stat(tc, RTNL_TC_RATE_BPS) * 8;
        n++;
    }
    nl_cache_free(cache);
    nl_socket_free(sk);
    qsort(stats, n, sizeof *stats, compare_stats);
    *np = n;
    return 0;
}
