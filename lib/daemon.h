/*
 * daemon.h -- helpers for turning a program into a well-behaved daemon.
 *
 * Pidfile: daemon_pidfile_create() writes our pid into a file and holds an
 * exclusive fcntl() lock on it for the life of the process.  The lock, not
 * the file's existence, says whether a daemon is running, so a pidfile left
 * behind by a crash never blocks a restart, and two daemons can never both
 * believe they own the same run directory.
 *
 * Detaching: daemon_detach_start() forks.  The parent stays in the
 * foreground until the child calls daemon_detach_done() once it is ready to
 * serve (sockets listening, database open), so that a script running
 * "vswitchd --detach && vsctl ..." never races the start-up; if the child
 * exits first, the parent exits with the child's status.  The child starts
 * a new session at once; it changes to "/" and points its standard streams
 * at /dev/null only in daemon_detach_done(), so that start-up errors still
 * reach the terminal and relative paths given on the command line still
 * work while it starts.  Because fcntl() locks do not survive fork(), call
 * daemon_pidfile_create() after daemon_detach_start().
 *
 * Signals: daemon_signals_init() makes SIGTERM and SIGINT request an exit
 * and SIGHUP set a flag (for log reopening), and ignores SIGPIPE.  The
 * handlers write to a self-pipe that daemon_signals_wait() registers with
 * the poll loop, so a signal always wakes poll_block().
 */
#ifndef DAEMON_H
#define DAEMON_H 1

#include <stdbool.h>
#include <sys/types.h>

/* Pidfile. */

/* Creates or takes over the pidfile 'path', locks it and writes our pid.
 * Returns 0 on success; EALREADY if another live process holds the lock,
 * storing its pid in '*other_pid' (if nonnull; 0 if unknown); or another
 * errno value. */
int daemon_pidfile_create(const char *path, pid_t *other_pid);

/* Removes the pidfile created by daemon_pidfile_create(), if any, and
 * releases the lock. */
void daemon_pidfile_remove(void);

/* Detaching. */
void daemon_detach_start(void);
void daemon_detach_done(void);

/* Signals. */
void daemon_signals_init(void);

/* True once SIGTERM or SIGINT has arrived.  Also drains the self-pipe, so
 * call it (or daemon_take_sighup()) every time round the main loop. */
bool daemon_should_exit(void);

/* Returns true, once, for each burst of SIGHUPs received since the last
 * call. */
bool daemon_take_sighup(void);

/* Makes the next poll_block() wake when a signal arrives (or at once if
 * an exit was already requested). */
void daemon_signals_wait(void);

/* Directories. */

/* Creates 'dir' and any missing parents with permissions 'mode' (modified
 * by the umask).  Existing directories are fine.  Returns 0 or errno. */
int daemon_mkdir_p(const char *dir, int mode);

#endif /* daemon.h */
