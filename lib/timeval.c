/*
 * timeval.c -- the clocks, and a warpable "now" for tests (timeval.h).
 */
#include <config.h>
#include "timeval.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "appctl.h"
#include "util.h"

static long long
clock_read(clockid_t id, long long div)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (long long) ts.tv_sec * (1000000000 / div) + ts.tv_nsec / div;
}

long long
time_msec(void)
{
    return clock_read(CLOCK_MONOTONIC, 1000000);
}

long long
time_usec(void)
{
    return clock_read(CLOCK_MONOTONIC, 1000);
}

long long
time_nsec(void)
{
    return clock_read(CLOCK_MONOTONIC, 1);
}

long long
time_coarse_msec(void)
{
    return clock_read(CLOCK_MONOTONIC_COARSE, 1000000);
}

long long
time_wall_msec(void)
{
    return clock_read(CLOCK_REALTIME, 1000000);
}

/* Sum of all warps, in milliseconds. */
static atomic_llong warp_offset;

/* The raw monotonic time at which time was stopped, or -1 while it runs. */
static atomic_llong stopped_at = -1;

long long
time_now_msec(void)
{
    return time_now_msec_at(-1);
}

long long
time_now_msec_at(long long nsec)
{
    long long stopped = atomic_load_explicit(&stopped_at,
                                             memory_order_relaxed);
    long long base = (stopped >= 0 ? stopped
                      : nsec >= 0 ? nsec / 1000000
                      : time_msec());

    return base + atomic_load_explicit(&warp_offset, memory_order_relaxed);
}

void
timeval_stop(void)
{
    long long expected = -1;

    atomic_compare_exchange_strong(&stopped_at, &expected, time_msec());
}

void
timeval_warp(long long msecs)
{
    if (msecs > 0) {
        atomic_fetch_add(&warp_offset, msecs);
    }
}

static void
timeval_stop_cb(struct appctl_conn *conn, int argc, const char *argv[],
                void *aux)
{
    timeval_stop();
    appctl_reply_success(conn, NULL);
}

static void
timeval_warp_cb(struct appctl_conn *conn, int argc, const char *argv[],
                void *aux)
{
    long long msecs;

    if (!str_to_llong(argv[1], 10, &msecs) || msecs < 0) {
        appctl_reply_error(conn, "time/warp: MSECS must be a non-negative "
                           "integer");
        return;
    }
    timeval_warp(msecs);
    appctl_reply_success(conn, "warped");
}

void
timeval_register_commands(void)
{
    appctl_command_register("time/stop", "", 0, 0, timeval_stop_cb, NULL);
    appctl_command_register("time/warp", "MSECS", 1, 1, timeval_warp_cb,
                            NULL);
}
