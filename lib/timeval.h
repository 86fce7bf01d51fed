/*
 * timeval.h -- every clock the switch reads, in one place.
 *
 * Real time: time_msec(), time_usec() and time_nsec() read the monotonic
 * clock (timeouts, the poll loop, forwarding threads' spin decisions);
 * time_coarse_msec() reads the cheaper coarse monotonic clock (a few ms of
 * resolution; for per-batch checks on the fast path); time_wall_msec() is
 * the calendar (log lines, file names).  Nothing else in the tree calls
 * clock_gettime().
 *
 * The switch's notion of "now", which tests can stop and warp:
 *
 * Anything whose behaviour depends on elapsed time at a scale a test cares
 * about (MAC aging is the first user) reads time_now_msec() rather than
 * the raw monotonic clock.  Normally the two agree up to a constant.  A
 * test can freeze it ("vsappctl time/stop") and move it forward by any
 * amount ("vsappctl time/warp 301000"), so that a 300-second aging timer
 * fires at once, deterministically, without sleeping.
 *
 * The event loop keeps using the real clock (util.h's time_msec()), so
 * timeouts of sockets and the like are never affected by warping.
 *
 * Thread safety: time_now_msec() may be called from any thread; it reads
 * two atomics and, unless time is stopped, the monotonic clock.  Stopping
 * and warping are for the main thread.
 */
#ifndef TIMEVAL_H
#define TIMEVAL_H 1

/* The real clocks (any thread). */
long long time_msec(void);
long long time_usec(void);
long long time_nsec(void);
long long time_coarse_msec(void);
long long time_wall_msec(void);

/* Monotonic time in milliseconds, plus every warp so far; frozen while
 * time is stopped. */
long long time_now_msec(void);
/* The same, given 'nsec', a time_nsec() reading the caller just took (a
 * forwarding thread reads the clock once per pass); negative: read it. */
long long time_now_msec_at(long long nsec);

/* Freezes time_now_msec() at its current value.  Idempotent. */
void timeval_stop(void);

/* Moves time_now_msec() forward by 'msecs' (negative values are ignored).
 * Works whether or not time is stopped. */
void timeval_warp(long long msecs);

/* Registers the appctl commands "time/stop" and "time/warp MSECS". */
void timeval_register_commands(void);

#endif /* timeval.h */
