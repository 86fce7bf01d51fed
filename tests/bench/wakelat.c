/*
 * wakelat.c -- the floor under any switch that forwards on a CPU of its
 * own (benchmark helper, not a test): how long one CPU takes to wake a
 * thread that sleeps in poll() on another.
 *
 * A "forwarder" thread pinned to CPU B writes an 8-byte timestamp into a
 * pipe every GAP microseconds (busy-waiting in between, as a polling
 * forwarding thread does); a "reader" pinned to CPU A either sleeps in
 * poll() until the pipe is readable (what QEMU's main loop or a guest's
 * idle vCPU does) or spins on non-blocking reads.  The reader records
 * read time minus written time on CLOCK_MONOTONIC and prints the median,
 * p99, p99.9 and maximum in microseconds as one JSON line per mode.
 * tests/bench/forward.sh runs it next to its TAP figures: the TAP path
 * of a switch on its own CPU contains one such wake-up, the Linux
 * bridge's (which forwards inside the writer's own system call) none.
 *
 * Usage: wakelat [COUNT [GAP_US [CPU_A CPU_B]]]   (default 2000 2000 0 1)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set)) {
        fprintf(stderr, "wakelat: cannot pin to CPU %d\n", cpu);
    }
}

struct forwarder {
    int fd;
    int cpu;
    long count;
    long long gap_ns;
};

static void *
forwarder_main(void *f_)
{
    struct forwarder *f = f_;
    long long next = now_ns() + 10 * 1000 * 1000LL;

    pin(f->cpu);
    for (long i = 0; i < f->count; i++) {
        long long t;

        while ((t = now_ns()) < next) {
            continue;
        }
        if (write(f->fd, &t, sizeof t) != sizeof t) {
            perror("wakelat: write");
            break;
        }
        next += f->gap_ns;
    }
    return NULL;
}

static int
compare_ll(const void *a_, const void *b_)
{
    long long a = *(const long long *) a_, b = *(const long long *) b_;

    return a < b ? -1 : a > b;
}

static double
pct(const long long *v, long n, double p)
{
    return n ? v[(long) (p * (n - 1))] / 1000.0 : -1;
}

static void
run(const char *mode, bool spin, long count, long long gap_ns, int cpu_a,
    int cpu_b)
{
    struct forwarder f;
    long long *lat = calloc(count, sizeof *lat);
    pthread_t thread;
    int fds[2];
    long n = 0;

    if (!lat || pipe2(fds, O_NONBLOCK | O_CLOEXEC)) {
        perror("wakelat");
        exit(1);
    }
    pin(cpu_a);
    f.fd = fds[1];
    f.cpu = cpu_b;
    f.count = count;
    f.gap_ns = gap_ns;
    pthread_create(&thread, NULL, forwarder_main, &f);
    while (n < count) {
        long long sent;
        ssize_t r = read(fds[0], &sent, sizeof sent);

        if (r == sizeof sent) {
            lat[n++] = now_ns() - sent;
        } else if (r < 0 && errno == EAGAIN) {
            if (!spin) {
                struct pollfd pfd = { .fd = fds[0], .events = POLLIN };

                poll(&pfd, 1, 1000);
            }
        } else {
            break;
        }
    }
    pthread_join(thread, NULL);
    qsort(lat, n, sizeof *lat, compare_ll);
    printf("{\"mode\": \"%s\", \"samples\": %ld, \"median_us\": %.1f, "
           "\"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.1f}\n",
           mode, n, pct(lat, n, 0.5), pct(lat, n, 0.99), pct(lat, n, 0.999),
           n ? lat[n - 1] / 1000.0 : -1);
    close(fds[0]);
    close(fds[1]);
    free(lat);
}

int
main(int argc, char *argv[])
{
    long count = argc > 1 ? atol(argv[1]) : 2000;
    long long gap_ns = (argc > 2 ? atoll(argv[2]) : 2000) * 1000LL;
    int cpu_a = argc > 4 ? atoi(argv[3]) : 0;
    int cpu_b = argc > 4 ? atoi(argv[4]) : 1;

    if (count <= 0 || gap_ns <= 0) {
        fprintf(stderr, "usage: wakelat [COUNT [GAP_US [CPU_A CPU_B]]]\n");
        return 1;
    }
    run("sleeping reader", false, count, gap_ns, cpu_a, cpu_b);
    run("spinning reader", true, count, gap_ns, cpu_a, cpu_b);
    return 0;
}
