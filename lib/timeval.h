/*
 * timeval.h -- the switch's notion of "now", which tests can stop and warp.
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

/* Monotonic time in milliseconds, plus every warp so far; frozen while
 * time is stopped. */
long long time_now_msec(void);

/* Freezes time_now_msec() at its current value.  Idempotent. */
void timeval_stop(void);

/* Moves time_now_msec() forward by 'msecs' (negative values are ignored).
 * Works whether or not time is stopped. */
void timeval_warp(long long msecs);

/* Registers the appctl commands "time/stop" and "time/warp MSECS". */
void timeval_register_commands(void);

#endif /* timeval.h */
