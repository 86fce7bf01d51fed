/*
 * shaper-bench.c -- CPU cost of the userspace shaper per frame, and so per
 * Mpps (benchmark, not a test; tests/bench/qos.sh runs it).
 *
 * Runs 64-byte frames through dp_shaper_enqueue()/dp_shaper_dequeue() in
 * batches of 32 -- the work output.c adds for a port with a userspace
 * shaper -- with the lock taken once per batch as output.c does, for a
 * shaper that never limits (a 100 Gbit/s port: every frame leaves at
 * once) and one with two queues, then the same loop with no shaper (the
 * batch only copied, as a device's send would) for the baseline.  Time
 * comes from the thread's CPU clock; prints ns per frame and the CPU
 * share one Mpps costs (ns/frame x 1e6 / 1e9).
 *
 * Usage: shaper-bench [FRAMES]   (default 20,000,000)
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp-packet.h"
#include "dpif.h"
#include "shaper.h"
#include "timeval.h"
#include "util.h"

static double
cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const struct dpif_qos *
make_qos(unsigned int n_queues)
{
    struct dpif_qos_desc d;
    char *error = NULL;
    const struct dpif_qos *qos;

    memset(&d, 0, sizeof d);
    d.type = DPIF_QOS_HTB;
    d.max_rate = UINT64_C(100000000000);        /* Never limits. */
    d.n_queues = n_queues;
    for (unsigned int i = 0; i < n_queues; i++) {
        d.queues[i].id = i + 1;
        d.queues[i].min_rate = UINT64_C(10000000000);
        d.queues[i].dscp = -1;
    }
    qos = dpif_qos_get(&d, &error);
    if (!qos) {
        fprintf(stderr, "shaper-bench: %s\n", error);
        exit(1);
    }
    return qos;
}

/* Frames per second of CPU through 'qos' (NULL: the copy alone). */
static double
run(const struct dpif_qos *qos, unsigned int n_classes, long long frames)
{
    static uint8_t buf[DP_PACKET_HEADROOM + 64], sink[DP_BATCH_SIZE][128];
    struct dp_shaper *s = qos ? dp_shaper_create(qos) : NULL;
    struct dp_packet p, out[DP_BATCH_SIZE];
    long long now = time_now_msec();
    double t0;
    long long left = frames, batches = 0, stalls = 0;

    memset(&p, 0, sizeof p);
    memset(buf, 0x5a, sizeof buf);
    dp_packet_set_data(&p, buf, sizeof buf, DP_PACKET_HEADROOM, 64);
    t0 = cpu_ns();
    while (left > 0) {
        unsigned int n = left < DP_BATCH_SIZE ? left : DP_BATCH_SIZE;

        if (!(++batches % 64)) {
            /* The forwarding loop reads the clock once per pass, not per
             * frame; the rate is high enough that time never holds a
             * frame back. */
            now = time_now_msec();
        }
        if (s) {
            dp_shaper_lock(s);
            for (unsigned int i = 0; i < n; i++) {
                dp_shaper_enqueue(s, n_classes ? i % n_classes : 0, &p,
                                  0, 0, now);
            }
            n = dp_shaper_dequeue(s, now, out, DP_BATCH_SIZE);
            dp_shaper_unlock(s);
            for (unsigned int i = 0; i < n; i++) {
                memcpy(sink[i], dp_packet_data(&out[i]),
                       dp_packet_size(&out[i]));
            }
        } else {
            for (unsigned int i = 0; i < n; i++) {
                memcpy(sink[i], dp_packet_data(&p), dp_packet_size(&p));
            }
        }
        if (!n && ++stalls > 1000000) {
            fprintf(stderr, "shaper-bench: the shaper holds frames back\n");
            exit(1);
        }
        left -= n;
    }
    double ns = cpu_ns() - t0;
    if (s) {
        dp_shaper_destroy(s);
    }
    return ns / frames;
}

int
main(int argc, char *argv[])
{
    long long frames = argc > 1 ? atoll(argv[1]) : 20 * 1000 * 1000;
    const struct dpif_qos *one = make_qos(0), *two = make_qos(2);
    double base = run(NULL, 0, frames);
    double s1 = run(one, 0, frames);
    double s2 = run(two, 2, frames);

    printf("shaper-bench: %lld 64-byte frames per variant, CPU time of "
           "one thread\n", frames);
    printf("  copy only (baseline)         %6.1f ns/frame\n", base);
    printf("  shaper, port rate only       %6.1f ns/frame  (+%.1f ns: "
           "%.1f%% of a CPU per Mpps)\n", s1, s1 - base,
           (s1 - base) * 1e6 / 1e9 * 100);
    printf("  shaper, two queues           %6.1f ns/frame  (+%.1f ns: "
           "%.1f%% of a CPU per Mpps)\n", s2, s2 - base,
           (s2 - base) * 1e6 / 1e9 * 100);
    dpif_qos_unref(one);
    dpif_qos_unref(two);
    return 0;
}
