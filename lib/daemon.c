#include <config.h>
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "poll-loop.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(daemon);

/* Pidfile. */

static char *pidfile_path;
static int pidfile_fd = -1;
static pid_t pidfile_owner;     /* Process that holds the lock. */

/* Forgets a pidfile inherited across fork(): the lock stays with the parent,
 * so the child neither owns nor may remove the file. */
static void
daemon_pidfile_forget_inherited(void)
{
    if (pidfile_fd >= 0 && pidfile_owner != getpid()) {
        close(pidfile_fd);
        pidfile_fd = -1;
        free(pidfile_path);
        pidfile_path = NULL;
    }
}

/* Reads the pid stored in the open pidfile 'fd', or returns 0. */
static pid_t
daemon_pidfile_read(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    long long pid;

    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return str_to_llong(buf, 10, &pid) && pid > 0 ? (pid_t) pid : 0;
}

/* Takes the lock described by 'lck' on 'fd' without waiting.  Prefers an
 * open-file-description lock, which, unlike a classic fcntl() lock, is not
 * dropped when the process happens to close some other descriptor for the
 * same file (e.g. a module reading the pidfile). */
static int
daemon_lock(int fd, struct flock *lck)
{
#ifdef F_OFD_SETLK
    if (!fcntl(fd, F_OFD_SETLK, lck)) {
        return 0;
    } else if (errno != EINVAL) {
        return -1;
    }
#endif
    return fcntl(fd, F_SETLK, lck);
}

int
daemon_pidfile_create(const char *path, pid_t *other_pid)
{
    struct flock lck;
    int fd, error;

    if (other_pid) {
        *other_pid = 0;
    }
    daemon_pidfile_forget_inherited();
    if (pidfile_fd >= 0) {
        return EBUSY;
    }

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return errno;
    }

    memset(&lck, 0, sizeof lck);
    lck.l_type = F_WRLCK;
    lck.l_whence = SEEK_SET;
    if (daemon_lock(fd, &lck) < 0) {
        error = errno;
        if (error == EAGAIN || error == EACCES) {
            if (other_pid) {
                *other_pid = daemon_pidfile_read(fd);
            }
            error = EALREADY;
        }
        close(fd);
        return error;
    }

    char *text = xasprintf("%ld\n", (long) getpid());
    size_t len = strlen(text);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, text, len, 0) != (ssize_t) len) {
        error = errno ? errno : EIO;
        free(text);
        close(fd);
        return error;
    }
    free(text);

    pidfile_fd = fd;
    pidfile_path = xstrdup(path);
    pidfile_owner = getpid();
    return 0;
}

void
daemon_pidfile_remove(void)
{
    daemon_pidfile_forget_inherited();
    if (pidfile_path) {
        /* Unlink before closing, so that the lock protects the removal. */
        unlink(pidfile_path);
        free(pidfile_path);
        pidfile_path = NULL;
    }
    if (pidfile_fd >= 0) {
        close(pidfile_fd);
        pidfile_fd = -1;
    }
}

/* Detaching. */

/* Write end of the start-up handshake pipe, in the child. */
static int detach_fd = -1;

/* In the parent: waits for the child's "ready" byte or its death. */
static void NO_RETURN
daemon_detach_parent(int fd, pid_t child)
{
    char c;
    ssize_t n;

    do {
        n = read(fd, &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1) {
        _exit(0);
    }

    /* The child exited (or closed the pipe) without finishing start-up. */
    int status;
    pid_t retval;
    do {
        retval = waitpid(child, &status, 0);
    } while (retval < 0 && errno == EINTR);
    if (retval < 0) {
        fprintf(stderr, "%s: waiting for child: %s\n", program_name,
                strerror(errno));
        _exit(1);
    }
    if (WIFEXITED(status)) {
        _exit(WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "%s: child died during start-up (signal %d, %s)\n",
                program_name, WTERMSIG(status),
                strsignal(WTERMSIG(status)));
    }
    _exit(1);
}

void
daemon_detach_start(void)
{
    int fds[2];

    fflush(stdout);
    fflush(stderr);
    if (pipe2(fds, O_CLOEXEC) < 0) {
        util_fatal(errno, "pipe failed");
    }

    pid_t pid = fork();
    if (pid < 0) {
        util_fatal(errno, "fork failed");
    } else if (pid > 0) {
        close(fds[1]);
        daemon_detach_parent(fds[0], pid);
    }

    close(fds[0]);
    detach_fd = fds[1];
    if (setsid() < 0) {
        VLOG_WARN("setsid failed (%s)", strerror(errno));
    }
}

void
daemon_detach_done(void)
{
    if (detach_fd < 0) {
        return;
    }

    if (chdir("/") < 0) {
        VLOG_WARN("chdir(\"/\") failed (%s)", strerror(errno));
    }

    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        fflush(stdout);
        fflush(stderr);
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        if (null_fd > STDERR_FILENO) {
            close(null_fd);
        }
    }

    /* Release the parent. */
    char c = 0;
    ssize_t n;
    do {
        n = write(detach_fd, &c, 1);
    } while (n < 0 && errno == EINTR);
    close(detach_fd);
    detach_fd = -1;
}

/* Signals. */

static int signal_fds[2] = { -1, -1 };
static volatile sig_atomic_t exit_requested;
static volatile sig_atomic_t sighup_seen;

static void
daemon_signal_handler(int signr)
{
    int saved_errno = errno;

    if (signr == SIGHUP) {
        sighup_seen = 1;
    } else {
        exit_requested = 1;
    }
    if (signal_fds[1] >= 0) {
        char c = (char) signr;
        ssize_t n = write(signal_fds[1], &c, 1);
        (void) n;               /* A full pipe already wakes the loop. */
    }
    errno = saved_errno;
}

void
daemon_signals_init(void)
{
    static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
    struct sigaction sa;

    if (signal_fds[0] < 0 && pipe2(signal_fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        util_fatal(errno, "pipe failed");
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = daemon_signal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
        if (sigaction(signals[i], &sa, NULL) < 0) {
            util_fatal(errno, "sigaction(%d) failed", signals[i]);
        }
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPIPE, &sa, NULL) < 0) {
        util_fatal(errno, "sigaction(SIGPIPE) failed");
    }
}

/* Empties the self-pipe.  The flags, not the bytes, carry the meaning. */
static void
daemon_signals_drain(void)
{
    char buf[64];

    if (signal_fds[0] >= 0) {
        while (read(signal_fds[0], buf, sizeof buf) > 0) {
            continue;
        }
    }
}

bool
daemon_should_exit(void)
{
    daemon_signals_drain();
    return exit_requested != 0;
}

bool
daemon_take_sighup(void)
{
    daemon_signals_drain();
    if (sighup_seen) {
        sighup_seen = 0;
        return true;
    }
    return false;
}

void
daemon_signals_wait(void)
{
    if (exit_requested) {
        poll_immediate_wake();
    }
    if (signal_fds[0] >= 0) {
        poll_fd_wait(signal_fds[0], POLLIN);
    }
}

/* Directories. */

int
daemon_mkdir_p(const char *dir, int mode)
{
    if (!dir[0]) {
        return ENOENT;
    }

    char *path = xstrdup(dir);
    int error = 0;

    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0') {
            continue;
        }

        char saved = *p;
        *p = '\0';
        if (mkdir(path, mode) < 0) {
            struct stat st;
            if (errno != EEXIST) {
                error = errno;
            } else if (stat(path, &st) < 0) {
                error = errno;
            } else if (!S_ISDIR(st.st_mode)) {
                error = ENOTDIR;
            }
        }
        *p = saved;
        if (error || !saved) {
            break;
        }
    }
    free(path);
    return error;
}
