/*
 * taplat.c -- one-way transit time through a switch between two TAP
 * devices, measured the way a VM sees it (benchmark helper, not a test).
 *
 * It creates TAPs A and B as QEMU does (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, a 12-byte virtio-net header in front of every frame),
 * waits until something has attached them to a switch (the caller adds
 * them as ports), teaches the switch both MAC addresses, then writes one
 * frame every GAP microseconds into A -- each carrying its sequence number
 * and the CLOCK_MONOTONIC time it was written -- and reads B, so that a
 * frame's transit is read time minus written time on one clock.  Prints
 * the median, p99, p99.9 and maximum in microseconds, and how many frames
 * were lost, as one JSON line.
 *
 * Usage: taplat NAME_A NAME_B READY_FILE COUNT GAP_US
 *   Creates the TAPs, writes "ready" to READY_FILE once they exist, then
 *   waits for READY_FILE.go to appear (the caller attached them) before
 *   measuring.  Runs as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define VNET_HDR_LEN 12
#define FRAME_LEN 64

static long long
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
tap_open(const char *name)
{
    struct ifreq ifr;
    int hdr_len = VNET_HDR_LEN;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        perror("/dev/net/tun");
        exit(1);
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0
        || ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0) {
        fprintf(stderr, "%s: %s\n", name, strerror(errno));
        exit(1);
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* Writes a frame from 'src' to 'dst' carrying 'seq' and the time. */
static void
send_frame(int fd, const uint8_t dst[6], const uint8_t src[6], uint32_t seq)
{
    uint8_t buf[VNET_HDR_LEN + FRAME_LEN];
    long long t;

    memset(buf, 0, sizeof buf);
    memcpy(buf + VNET_HDR_LEN, dst, 6);
    memcpy(buf + VNET_HDR_LEN + 6, src, 6);
    buf[VNET_HDR_LEN + 12] = 0x88;      /* Local experimental type. */
    buf[VNET_HDR_LEN + 13] = 0xb5;
    memcpy(buf + VNET_HDR_LEN + 14, &seq, sizeof seq);
    t = now_ns();
    memcpy(buf + VNET_HDR_LEN + 18, &t, sizeof t);
    if (write(fd, buf, sizeof buf) < 0 && errno != EAGAIN) {
        perror("write");
    }
}

static int
compare_ll(const void *a, const void *b)
{
    long long x = *(const long long *) a, y = *(const long long *) b;

    return x < y ? -1 : x > y;
}

static double
pct(const long long *v, size_t n, double p)
{
    size_t i = (size_t) (p * (n - 1) + 0.5);

    return n ? v[i < n ? i : n - 1] / 1000.0 : -1;
}

int
main(int argc, char *argv[])
{
    static const uint8_t mac_a[6] = { 0x02, 0xfa, 0, 0, 0, 0x0a };
    static const uint8_t mac_b[6] = { 0x02, 0xfa, 0, 0, 0, 0x0b };
    uint8_t buf[VNET_HDR_LEN + 2048];
    long long *lat, next;
    size_t count, n_lat = 0;
    char go[4096];
    int fa, fb, gap_us;
    FILE *ready;

    if (argc != 6) {
        fprintf(stderr, "usage: %s NAME_A NAME_B READY_FILE COUNT GAP_US\n",
                argv[0]);
        return 2;
    }
    count = strtoul(argv[4], NULL, 10);
    gap_us = atoi(argv[5]);
    lat = calloc(count + 1, sizeof *lat);
    fa = tap_open(argv[1]);
    fb = tap_open(argv[2]);
    ready = fopen(argv[3], "w");
    if (!ready) {
        perror(argv[3]);
        return 1;
    }
    fputs("ready\n", ready);
    fclose(ready);
    snprintf(go, sizeof go, "%s.go", argv[3]);
    while (access(go, F_OK)) {
        usleep(10000);
    }

    /* Teach the switch both addresses, a few times, then drain. */
    for (int i = 0; i < 5; i++) {
        send_frame(fb, mac_a, mac_b, UINT32_MAX);
        send_frame(fa, mac_b, mac_a, UINT32_MAX);
        usleep(20000);
    }
    while (read(fa, buf, sizeof buf) > 0 || read(fb, buf, sizeof buf) > 0) {
        continue;
    }

    next = now_ns();
    for (uint32_t seq = 0; seq < count; seq++) {
        struct pollfd pfd = { .fd = fb, .events = POLLIN };
        long long deadline;

        while (now_ns() < next) {
            continue;           /* Busy-wait: a precise gap. */
        }
        send_frame(fa, mac_b, mac_a, seq);
        deadline = now_ns() + 50 * 1000 * 1000LL;
        for (;;) {
            ssize_t n = read(fb, buf, sizeof buf);
            uint32_t rseq;
            long long sent;

            if (n >= VNET_HDR_LEN + 26) {
                long long t = now_ns();

                memcpy(&rseq, buf + VNET_HDR_LEN + 14, sizeof rseq);
                memcpy(&sent, buf + VNET_HDR_LEN + 18, sizeof sent);
                if (rseq == seq) {
                    lat[n_lat++] = t - sent;
                    break;
                }
                continue;
            }
            if (now_ns() > deadline) {
                break;          /* Lost (or later than 50 ms). */
            }
            poll(&pfd, 1, 1);
        }
        next += gap_us * 1000LL;
        if (next < now_ns()) {
            next = now_ns();
        }
    }

    qsort(lat, n_lat, sizeof *lat, compare_ll);
    printf("{\"sent\": %zu, \"received\": %zu, \"median_us\": %.1f, "
           "\"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.1f}\n",
           count, n_lat, pct(lat, n_lat, 0.5), pct(lat, n_lat, 0.99),
           pct(lat, n_lat, 0.999), n_lat ? lat[n_lat - 1] / 1000.0 : -1);
    free(lat);
    return 0;
}
