#include <config.h>
#include "poll-loop.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "timeval.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(poll_loop);

/* Registrations for the next poll_block().  'fds' is kept small and dense;
 * a second registration of the same fd ORs into its existing slot. */
static struct pollfd *fds;
static size_t n_fds;
static size_t allocated_fds;

/* Earliest deadline, as a time_msec() value; LLONG_MAX means "none". */
static long long deadline = LLONG_MAX;

/* Results of the last poll(), for poll_fd_revents(). */
static struct pollfd *last_fds;
static size_t n_last_fds;
static size_t allocated_last_fds;

void
poll_fd_wait(int fd, short events)
{
    if (fd < 0) {
        return;
    }
    for (size_t i = 0; i < n_fds; i++) {
        if (fds[i].fd == fd) {
            fds[i].events |= events;
            return;
        }
    }
    if (n_fds >= allocated_fds) {
        allocated_fds = allocated_fds ? allocated_fds * 2 : 16;
        fds = xrealloc(fds, allocated_fds * sizeof *fds);
    }
    fds[n_fds].fd = fd;
    fds[n_fds].events = events;
    fds[n_fds].revents = 0;
    n_fds++;
}

void
poll_timer_wait_until(long long msec)
{
    if (msec < deadline) {
        deadline = msec;
    }
}

void
poll_timer_wait(long long msec)
{
    long long now = time_msec();

    if (msec <= 0) {
        poll_timer_wait_until(now);
    } else if (msec > LLONG_MAX - now) {
        poll_timer_wait_until(LLONG_MAX - 1);
    } else {
        poll_timer_wait_until(now + msec);
    }
}

void
poll_immediate_wake(void)
{
    poll_timer_wait_until(LLONG_MIN);
}

/* Converts the pending deadline into a poll() timeout in milliseconds. */
static int
compute_timeout(void)
{
    if (deadline == LLONG_MAX) {
        return -1;
    }

    long long now = time_msec();
    if (deadline <= now) {
        return 0;
    }
    long long delta = deadline - now;
    return delta > INT_MAX ? INT_MAX : (int) delta;
}

void
poll_block(void)
{
    int timeout = compute_timeout();
    int retval = poll(fds, n_fds, timeout);

    if (retval < 0 && errno != EINTR) {
        VLOG_ERR("poll: %s", strerror(errno));
    }

    /* Remember what happened, then forget the registrations. */
    if (n_fds > allocated_last_fds) {
        allocated_last_fds = allocated_fds;
        last_fds = xrealloc(last_fds, allocated_last_fds * sizeof *last_fds);
    }
    if (n_fds) {
        memcpy(last_fds, fds, n_fds * sizeof *fds);
    }
    n_last_fds = retval < 0 ? 0 : n_fds;

    n_fds = 0;
    deadline = LLONG_MAX;
}

short
poll_fd_revents(int fd)
{
    for (size_t i = 0; i < n_last_fds; i++) {
        if (last_fds[i].fd == fd) {
            return last_fds[i].revents;
        }
    }
    return 0;
}
