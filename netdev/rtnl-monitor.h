/*
 * rtnl-monitor.h -- kernel network interface events, from rtnetlink.
 *
 * A monitor is a non-blocking NETLINK_ROUTE socket subscribed to
 * RTNLGRP_LINK.  The kernel announces every interface that appears,
 * changes (flags, carrier, name) or disappears; rtnl_monitor_run() reads
 * whatever has arrived and calls back once per event with the interface's
 * name, ifindex, whether it exists now and whether it is up (IFF_UP and
 * running, i.e. with carrier).  Moving an interface to another network
 * namespace reads as its disappearance.
 *
 * Events can be lost: if the kernel's socket buffer overruns (ENOBUFS),
 * the callback is called once with a NULL name, meaning "resynchronize":
 * the caller should re-check every interface it cares about.
 *
 * Typical use, from the main loop (poll-loop.h):
 *
 *     rtnl_monitor_run(mon, link_changed, aux);
 *     rtnl_monitor_wait(mon);
 *
 * Not thread-safe: one monitor belongs to one thread.
 */
#ifndef RTNL_MONITOR_H
#define RTNL_MONITOR_H 1

#include <stdbool.h>

struct rtnl_monitor;

/* Called for each event.  'ifname' is NULL (and the other arguments
 * meaningless) for a resynchronization after lost events. */
typedef void rtnl_monitor_cb(const char *ifname, int ifindex, bool exists,
                             bool up, void *aux);

/* Returns a new monitor, or NULL on failure (logged; errno set). */
struct rtnl_monitor *rtnl_monitor_create(void);
void rtnl_monitor_destroy(struct rtnl_monitor *);

/* The socket, for callers with their own event loop. */
int rtnl_monitor_fd(const struct rtnl_monitor *);

/* Reads every pending event without blocking and reports each to 'cb'. */
void rtnl_monitor_run(struct rtnl_monitor *, rtnl_monitor_cb *cb,
                      void *aux);

/* Makes the next poll_block() wake when events arrive. */
void rtnl_monitor_wait(struct rtnl_monitor *);

#endif /* rtnl-monitor.h */
