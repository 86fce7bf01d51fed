/*
 * dpu-poller.c -- a forwarding thread's receive queues and their epoll
 * registrations (dpu-poller.h).
 */
#include <config.h>
#include "dpu-poller.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "dp-config.h"
#include "netdev.h"
#include "util.h"

void
dpu_poller_init(struct dpu_poller *poller, int wake_fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

    memset(poller, 0, sizeof *poller);
    poller->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (poller->epfd < 0) {
        util_fatal(errno, "epoll_create1");
    }
    if (epoll_ctl(poller->epfd, EPOLL_CTL_ADD, wake_fd, &ev)) {
        util_fatal(errno, "epoll_ctl");
    }
}

void
dpu_poller_destroy(struct dpu_poller *poller)
{
    for (size_t i = 0; i < poller->n_rxqs; i++) {
        free(poller->rxqs[i]);
    }
    free(poller->rxqs);
    free(poller->busy);
    close(poller->epfd);
}

/* Registers 'q' under its queue's current descriptor and mode. */
static void
dpu_rxq_register(struct dpu_poller *poller, struct dpu_rxq *q)
{
    q->fd = netdev_rxq_fd(q->rxq);
    q->busy_poll = netdev_rxq_busy_poll(q->rxq);
    q->lends_nothing = netdev_rxq_lends_nothing(q->rxq);
    if (q->fd >= 0) {
        struct epoll_event ev = {
            .events = EPOLLIN | (q->busy_poll ? EPOLLONESHOT : 0),
            .data.ptr = q,
        };

        if (epoll_ctl(poller->epfd, EPOLL_CTL_ADD, q->fd, &ev)) {
            /* Cannot wait for it: poll it on every pass instead. */
            q->fd = -1;
        }
        q->armed = true;
    }
    poller->busy_stale = true;
}

static void
dpu_rxq_unregister(struct dpu_poller *poller, struct dpu_rxq *q)
{
    if (q->fd >= 0) {
        epoll_ctl(poller->epfd, EPOLL_CTL_DEL, q->fd, NULL);
        q->fd = -1;
    }
    poller->busy_stale = true;
}

/* After a receive: follows a change of the queue's descriptor or mode. */
void
dpu_rxq_refresh(struct dpu_poller *poller, struct dpu_rxq *q)
{
    if (netdev_rxq_fd(q->rxq) != q->fd
        || netdev_rxq_busy_poll(q->rxq) != q->busy_poll) {
        dpu_rxq_unregister(poller, q);
        dpu_rxq_register(poller, q);
    }
}

/* Asks the devices of the busy queues that sleep on a descriptor to
 * signal it, and re-arms their one-shot registrations.  Returns false,
 * leaving the rest unarmed, if a queue already has frames waiting: the
 * thread must poll again rather than sleep. */
bool
dpu_poller_arm(struct dpu_poller *poller)
{
    for (size_t i = 0; i < poller->n_busy; i++) {
        struct dpu_rxq *q = poller->busy[i];
        int error;

        if (q->fd < 0) {
            continue;
        }
        error = netdev_rxq_arm(q->rxq);
        if (error != EOPNOTSUPP) {
            q->intr_armed = poller->intr_armed = true;
            if (error == EAGAIN) {
                return false;
            }
        }
        if (!q->armed) {
            struct epoll_event ev = {
                .events = EPOLLIN | EPOLLONESHOT,
                .data.ptr = q,
            };

            epoll_ctl(poller->epfd, EPOLL_CTL_MOD, q->fd, &ev);
            q->armed = true;
        }
    }
    return true;
}

/* Undoes dpu_poller_arm() for the queues still polled.  Only after
 * dpu_poller_sync(): a queue the thread lost while asleep may be closed. */
void
dpu_poller_disarm(struct dpu_poller *poller)
{
    for (size_t i = 0; i < poller->n_rxqs; i++) {
        struct dpu_rxq *q = poller->rxqs[i];

        if (q->intr_armed) {
            netdev_rxq_disarm(q->rxq);
            q->intr_armed = false;
        }
    }
    poller->intr_armed = false;
}

void
dpu_poller_update_busy(struct dpu_poller *poller)
{
    poller->n_busy = poller->n_waiting = poller->n_no_fd = 0;
    for (size_t i = 0; i < poller->n_rxqs; i++) {
        struct dpu_rxq *q = poller->rxqs[i];

        if (q->fd < 0) {
            poller->n_no_fd++;
        }
        if (q->busy_poll || q->fd < 0) {
            poller->busy[poller->n_busy++] = q;
        } else {
            poller->n_waiting++;
        }
    }
    poller->busy_stale = false;
}

static int
dpu_rxq_cmp(const void *a_, const void *b_)
{
    const struct dpu_rxq *const *a = a_;
    const struct dpu_rxq *const *b = b_;

    return (*a)->id < (*b)->id ? -1 : (*a)->id > (*b)->id;
}

/* Brings the poller in line with the thread's queues in 'snap': queues
 * that stay keep their registration, new ones are registered and gone
 * ones unregistered.
 *
 * A queue that left may already be closed (if the thread slept through
 * the grace period), its memory and descriptor number reused by a new
 * queue.  So queues are matched by their unique id, never by address,
 * only the recorded descriptor of a gone queue is used, and gone queues
 * are unregistered before new ones are registered: deleting a descriptor
 * number that a new queue now owns then fails harmlessly (ENOENT) instead
 * of undoing the new registration. */
void
dpu_poller_sync(struct dpu_poller *poller, const struct dp_snapshot *snap,
                const struct dp_rx_list *rx)
{
    struct dpu_rxq **new = xcalloc(rx->n + 1, sizeof *new);
    bool *kept = xcalloc(poller->n_rxqs + 1, sizeof *kept);
    bool *fresh = xcalloc(rx->n + 1, sizeof *fresh);

    for (size_t i = 0; i < rx->n; i++) {
        struct netdev_rxq *rxq = rx->queues[i].rxq;
        struct dpu_rxq key = { .id = netdev_rxq_id(rxq) };
        struct dpu_rxq *keyp = &key, **found = NULL;

        if (poller->n_rxqs) {
            found = bsearch(&keyp, poller->rxqs, poller->n_rxqs,
                            sizeof *poller->rxqs, dpu_rxq_cmp);
        }
        if (found) {
            new[i] = *found;
            kept[found - poller->rxqs] = true;
        } else {
            new[i] = xzalloc(sizeof *new[i]);
            new[i]->rxq = rxq;
            new[i]->id = key.id;
            new[i]->fd = -1;
            fresh[i] = true;
        }
        new[i]->port = rx->queues[i].port;
        new[i]->stats = rx->queues[i].stats;
    }
    for (size_t i = 0; i < poller->n_rxqs; i++) {
        if (!kept[i]) {
            dpu_rxq_unregister(poller, poller->rxqs[i]);
            free(poller->rxqs[i]);
        }
    }
    for (size_t i = 0; i < rx->n; i++) {
        if (fresh[i]) {
            dpu_rxq_register(poller, new[i]);
            if (new[i]->fd >= 0 && new[i]->busy_poll) {
                /* Its last thread may have left it asking the guest for
                 * kicks (it moved, or that thread stopped, while asleep):
                 * the next pass undoes that. */
                new[i]->intr_armed = poller->intr_armed = true;
            }
        }
    }
    free(kept);
    free(fresh);
    free(poller->rxqs);
    qsort(new, rx->n, sizeof *new, dpu_rxq_cmp);
    poller->rxqs = new;
    poller->n_rxqs = rx->n;
    free(poller->busy);
    poller->busy = xcalloc(rx->n + 1, sizeof *poller->busy);
    dpu_poller_update_busy(poller);
}

