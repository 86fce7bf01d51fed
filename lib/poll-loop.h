/*
 * poll-loop.h -- the single-threaded event loop.
 *
 * Every module that has work to wait for follows the same two-step
 * pattern each time round the main loop:
 *
 *     for (;;) {
 *         module_run();       // Do whatever can be done without blocking.
 *         module_wait();      // Register what would let it do more.
 *         poll_block();       // Sleep until one of those happens.
 *     }
 *
 * A "wait" function records file descriptors (poll_fd_wait()) and deadlines
 * (poll_timer_wait(), poll_timer_wait_until()); poll_immediate_wake() makes
 * the next poll_block() return at once, for a module that still has work
 * queued.  poll_block() sleeps in poll(2) until any registered event fires,
 * then forgets every registration, so each iteration starts from scratch.
 *
 * Waking up does not promise that anything is ready: the "run" functions
 * must always cope with EAGAIN.  Times are time_msec() (monotonic).
 *
 * Not thread-safe: only the main thread may use the poll loop.
 */
#ifndef POLL_LOOP_H
#define POLL_LOOP_H 1

#include <poll.h>

/* Wakes the next poll_block() when 'fd' has any of 'events' (POLLIN,
 * POLLOUT).  Registering the same fd twice merges the events.  Errors and
 * hang-ups always wake. */
void poll_fd_wait(int fd, short events);

/* Wakes the next poll_block() no later than the absolute time_msec() value
 * 'msec'.  A time in the past wakes immediately. */
void poll_timer_wait_until(long long msec);

/* Wakes the next poll_block() no later than 'msec' milliseconds from now.
 * Negative values count as zero. */
void poll_timer_wait(long long msec);

/* Makes the next poll_block() return without sleeping. */
void poll_immediate_wake(void);

/* Blocks until a registered fd is ready or a deadline passes, then forgets
 * all registrations.  With nothing registered it sleeps until a signal
 * arrives.  An interrupted poll() (EINTR) simply returns. */
void poll_block(void);

/* Returns the revents that the last poll_block() reported for 'fd', or 0.
 * Mostly useful for tests and diagnostics. */
short poll_fd_revents(int fd);

#endif /* poll-loop.h */
