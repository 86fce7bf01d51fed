/*
 * test-qos.c -- unit tests for QoS classification (datapath/dp-qos.c) and
 * the userspace shaper's core (datapath/userspace/shaper.c).
 *
 * Topology: none; frames are built in memory and offered to a compiled
 * QoS description or to a shaper, with time given explicitly (the shaper
 * takes 'now' from its caller), so every count is exact.
 * Intent: queues are tried in id order and the input port's qos-queue
 * comes first; a pcap filter sees the egress tag; DSCP re-marking keeps
 * the IPv4 checksum valid; a shaper lets out a bucket, then its rate,
 * delays rather than drops up to its depth, and splits a saturated link
 * by min-rate.
 */
#include <config.h>
#include "tests.h"

#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "dp-qos.h"
#include "shaper.h"
#include "timeval.h"
#include "util.h"

static uint8_t bufs[8][DP_PACKET_HEADROOM + 1600];
static struct dp_packet pkts[8];

/* A 1000-byte frame of 'type'; IPv4 with TOS 'tos' if type is 0x0800. */
static struct dp_packet *
make_frame(int i, uint16_t type, uint8_t tos)
{
    struct dp_packet *p = &pkts[i];
    uint8_t *d;

    memset(p, 0, sizeof *p);
    memset(bufs[i], 0, sizeof bufs[i]);
    dp_packet_set_data(p, bufs[i], sizeof bufs[i], DP_PACKET_HEADROOM, 1000);
    d = dp_packet_data(p);
    memset(d, 0xff, 6);
    d[6] = 2;
    d[12] = type >> 8;
    d[13] = type & 0xff;
    if (type == 0x0800) {
        static const uint8_t ip[20] = {
            0x45, 0, 0x03, 0xd6, 0, 0, 0, 0, 64, 17, 0, 0,
            10, 0, 0, 1, 10, 0, 0, 2,
        };
        uint32_t sum = 0;

        memcpy(d + 14, ip, sizeof ip);
        d[15] = tos;
        for (int k = 0; k < 20; k += 2) {
            sum += d[14 + k] << 8 | d[15 + k];
        }
        sum = (sum & 0xffff) + (sum >> 16);
        sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
        d[24] = sum >> 8;
        d[25] = sum & 0xff;
    }
    return p;
}

static bool
ipv4_csum_ok(const uint8_t *ip)
{
    uint32_t sum = 0;

    for (int k = 0; k < 20; k += 2) {
        sum += ip[k] << 8 | ip[k + 1];
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

static const struct dpif_qos *
make_qos(void)
{
    struct dpif_qos_desc d;
    const struct dpif_qos *qos;
    char *error;

    memset(&d, 0, sizeof d);
    d.type = DPIF_QOS_HTB;
    d.n_queues = 4;
    for (int i = 0; i < 4; i++) {
        d.queues[i].id = i + 1;
        d.queues[i].dscp = -1;
    }
    d.queues[0].filter = "ether proto 0x88b5";
    d.queues[1].pcp_mask = 1 << 5;
    d.queues[2].dscp_mask = UINT64_C(1) << 46;
    d.queues[3].filter = "vlan 10";
    qos = dpif_qos_get(&d, &error);
    assert_null(error);
    return qos;
}

static void
test_classify(void **state)
{
    const struct dpif_qos *qos = make_qos();
    const struct dpif_qos_desc *d = dpif_qos_desc(qos);
    struct dp_packet *p;

    (void) state;
    assert_int_equal(d->n_queues, 5);           /* Queue 0 added. */
    assert_int_equal(d->queues[0].id, 0);

    p = make_frame(0, 0x88b5, 0);
    assert_int_equal(d->queues[dp_qos_classify(qos, p, 0, 0, -1)].id, 1);
    /* The input port's qos-queue comes first. */
    assert_int_equal(d->queues[dp_qos_classify(qos, p, 0, 0, 3)].id, 3);
    /* A qos-queue this QoS does not have is ignored. */
    assert_int_equal(d->queues[dp_qos_classify(qos, p, 0, 0, 9)].id, 1);

    p = make_frame(1, 0x88b6, 0);
    assert_int_equal(dp_qos_classify(qos, p, 0, 0, -1), 0);
    p->pcp = 5;
    assert_int_equal(d->queues[dp_qos_classify(qos, p, 0, 0, -1)].id, 2);
    /* The egress tag's PCP wins over the ingress one; the filter sees the
     * egress tag. */
    assert_int_equal(d->queues[dp_qos_classify(qos, p, 0x8100, 10,
                                               -1)].id, 4);

    p = make_frame(2, 0x0800, 46 << 2);
    assert_int_equal(dp_qos_get_dscp(dp_packet_data(p), 1000), 46);
    assert_int_equal(d->queues[dp_qos_classify(qos, p, 0, 0, -1)].id, 3);
    dp_qos_set_dscp(dp_packet_data(p), 1000, 10);
    assert_int_equal(dp_qos_get_dscp(dp_packet_data(p), 1000), 10);
    assert_true(ipv4_csum_ok(dp_packet_data(p) + 14));
    dpif_qos_unref(qos);
}

static void
test_filter_check(void **state)
{
    char *error;

    (void) state;
    assert_null(dpif_filter_check("tcp dst port 5202"));
    assert_null(dpif_filter_check("vlan and ether[14] & 0xe0 = 0xa0"));
    error = dpif_filter_check("tcp dst portt 80");
    assert_non_null(error);
    free(error);
}

static const struct dpif_qos *
shaper_qos(uint64_t port, uint64_t min1, uint64_t min2)
{
    struct dpif_qos_desc d;
    char *error;

    memset(&d, 0, sizeof d);
    d.type = DPIF_QOS_HTB;
    d.max_rate = port;
    d.n_queues = min1 ? 2 : 0;
    d.queues[0].id = 1;
    d.queues[0].min_rate = min1;
    d.queues[0].dscp = -1;
    d.queues[1].id = 2;
    d.queues[1].min_rate = min2;
    d.queues[1].dscp = -1;
    return dpif_qos_get(&d, &error);
}

static void
test_shaper_rate(void **state)
{
    const struct dpif_qos *qos = shaper_qos(800000, 0, 0);  /* 100 B/ms. */
    struct dp_shaper *s = dp_shaper_create(qos);
    struct dp_packet out[DP_BATCH_SIZE];
    long long t = time_now_msec();
    struct dp_packet *p = make_frame(0, 0x88b5, 0);
    unsigned int n = 0;

    (void) state;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(dp_shaper_enqueue(s, 0, p, 0, 0, t), DP_DROP_NONE);
    }
    /* Bucket: 3036 bytes, negative by one frame at most. */
    assert_int_equal(dp_shaper_dequeue(s, t, out, DP_BATCH_SIZE), 4);
    assert_int_equal(dp_shaper_backlog(s), 16);
    for (int ms = 1; ms <= 100; ms++) {
        n += dp_shaper_dequeue(s, t + ms, out, DP_BATCH_SIZE);
    }
    assert_int_equal(n, 10);                    /* 100 B/ms, 1000 B. */
    assert_int_equal(dp_packet_size(&out[0]), 1000);
    dp_shaper_destroy(s);
    dpif_qos_unref(qos);
}

static void
test_shaper_split(void **state)
{
    /* Port 1.6 Mbit/s = 200 B/ms; queue 1 min 1.2M, queue 2 min 0.4M. */
    const struct dpif_qos *qos = shaper_qos(1600000, 1200000, 400000);
    struct dp_shaper *s = dp_shaper_create(qos);
    struct dp_packet out[DP_BATCH_SIZE];
    long long t = time_now_msec();
    unsigned int n1 = 0, n2 = 0;

    (void) state;
    for (int ms = 0; ms < 1000; ms++) {
        unsigned int n;

        /* Keep both queues saturated. */
        struct dpif_queue_stats st[3];

        dp_shaper_stats(s, st, 3, t + ms);
        for (uint64_t k = st[1].backlog_packets; k < 20; k++) {
            dp_shaper_enqueue(s, 1, make_frame(0, 0x88b5, 0), 0, 0, t + ms);
        }
        for (uint64_t k = st[2].backlog_packets; k < 20; k++) {
            dp_shaper_enqueue(s, 2, make_frame(1, 0x88b6, 0), 0, 0, t + ms);
        }
        n = dp_shaper_dequeue(s, t + ms, out, DP_BATCH_SIZE);
        for (unsigned int i = 0; i < n; i++) {
            if (dp_packet_data(&out[i])[13] == 0xb5) {
                n1++;
            } else {
                n2++;
            }
        }
    }
    /* 200 frames a second in all, 3:1 within 10%. */
    assert_true(n1 + n2 >= 198 && n1 + n2 <= 206);
    assert_true(n1 * 10 >= n2 * 27 && n1 * 10 <= n2 * 33);
    dp_shaper_destroy(s);
    dpif_qos_unref(qos);
}

static void
test_shaper_big_queue(void **state)
{
    /* 100 Mbit/s: a 625 KB queue, so frames sit beyond offset 65535. */
    const struct dpif_qos *qos = shaper_qos(100000000, 0, 0);
    struct dp_shaper *s = dp_shaper_create(qos);
    struct dp_packet out[DP_BATCH_SIZE];
    long long t = time_now_msec();
    struct dp_packet *p = make_frame(0, 0x88b5, 0);
    unsigned int next = 0;

    (void) state;
    for (unsigned int i = 0; i < 300; i++) {
        dp_packet_data(p)[20] = i & 0xff;
        dp_packet_data(p)[21] = i >> 8;
        assert_int_equal(dp_shaper_enqueue(s, 0, p, 0, 0, t), DP_DROP_NONE);
    }
    for (int ms = 1; next < 300 && ms < 1000; ms++) {
        unsigned int n = dp_shaper_dequeue(s, t + ms, out, DP_BATCH_SIZE);

        for (unsigned int i = 0; i < n; i++, next++) {
            const uint8_t *d = dp_packet_data(&out[i]);

            assert_int_equal(d[20] | d[21] << 8, next);
            assert_int_equal(d[13], 0xb5);
        }
    }
    assert_int_equal(next, 300);
    dp_shaper_destroy(s);
    dpif_qos_unref(qos);
}

int
test_qos_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_filter_check),
        cmocka_unit_test(test_shaper_rate),
        cmocka_unit_test(test_shaper_split),
        cmocka_unit_test(test_shaper_big_queue),
    };
    return cmocka_run_group_tests_name("qos", tests, NULL, NULL);
}
