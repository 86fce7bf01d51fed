/*
 * dpu-poller.h -- what one forwarding thread of the userspace datapath
 * polls: its receive queues and their registrations in its epoll set,
 * kept across configuration snapshots (dpif-userspace.c runs the loop).
 */
#ifndef DPU_POLLER_H
#define DPU_POLLER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_rx_list;
struct dp_rxq_stats;
struct dp_snapshot;
struct netdev_rxq;

/* A receive queue as its forwarding thread tracks it, kept across
 * snapshots for as long as the queue stays with the thread.  'fd' is the
 * descriptor registered in the thread's epoll set (-1: none), with
 * 'data.ptr' pointing here. */
struct dpu_rxq {
    struct netdev_rxq *rxq;
    uint64_t id;                    /* netdev_rxq_id(). */
    uint32_t port;                  /* Index in the current snapshot. */
    struct dp_rxq_stats *stats;     /* Its counters, or NULL. */
    int fd;
    bool busy_poll;                 /* Polled on every pass. */
    bool lends_nothing;             /* netdev_rxq_lends_nothing(). */
    bool armed;                     /* Its EPOLLONESHOT has not fired. */
    bool intr_armed;                /* netdev_rxq_arm() not yet undone. */
};

/* What a forwarding thread polls.  Queues that wait for their descriptor
 * ("socket mode") are registered level-triggered and received from only
 * when epoll reports them.  Queues in 'busy' -- those that read a ring, or
 * have no descriptor -- are received from on every pass; their descriptor
 * (if any) only ends a sleep, so it is registered one-shot and re-armed
 * just before sleeping: while the thread is awake, the frames arriving on
 * a busy ring then cost epoll nothing, neither in the kernel's wakeup
 * callback nor in the next epoll_wait().  While busy queues keep the
 * thread spinning, it asks epoll about the others at most every
 * DPU_EPOLL_INTERVAL_NS, which is all the latency that adds.
 *
 * Some busy queues' descriptors are receive interrupts that the device
 * raises only when asked (a vhost-user guest kicks its ring only while
 * the switch asks it to): the thread asks with netdev_rxq_arm() just
 * before it sleeps, and stops asking (dpu_poller_disarm()) on the first
 * pass after it wakes -- not straight after epoll_wait(), since a queue
 * may have been closed while the thread was offline, but after
 * dpu_poller_sync() has dropped those.  A queue with frames already
 * waiting when it is armed keeps the thread from sleeping. */
struct dpu_poller {
    int epfd;
    struct dpu_rxq **rxqs;          /* Sorted by 'id'. */
    size_t n_rxqs;
    struct dpu_rxq **busy;
    size_t n_busy;
    size_t n_waiting;               /* Queues registered level-triggered. */
    size_t n_no_fd;                 /* Queues without a descriptor. */
    bool busy_stale;                /* 'busy' etc. need recomputing. */
    bool shaping;                   /* Shapers hold frames: short sleeps. */
    bool intr_armed;                /* Some queue's 'intr_armed'. */
    long long last_epoll_ns;        /* Last epoll_wait() while awake. */
};

#define DPU_MAX_EVENTS 64
#define DPU_EPOLL_INTERVAL_NS (20 * 1000)

void dpu_poller_init(struct dpu_poller *, int wake_fd);
void dpu_poller_destroy(struct dpu_poller *);
void dpu_poller_sync(struct dpu_poller *, const struct dp_snapshot *,
                     const struct dp_rx_list *);
void dpu_poller_update_busy(struct dpu_poller *);
/* After a receive: follows a change of the queue's descriptor or mode. */
void dpu_rxq_refresh(struct dpu_poller *, struct dpu_rxq *);
/* Receive interrupts: before sleeping, and on the first pass after. */
bool dpu_poller_arm(struct dpu_poller *);
void dpu_poller_disarm(struct dpu_poller *);

#endif /* dpu-poller.h */
