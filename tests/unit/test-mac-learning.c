/*
 * test-mac-learning.c -- unit tests for the MAC table
 * (datapath/mac-learning.c) and the learning stage (datapath/learn.c).
 *
 * Topology: one table, ports numbered 1-3 (7 and up in the concurrency
 * test).  Intent: learning, lookup per VLAN, moves, refresh without
 * change, aging driven by warped time (lib/timeval), the size cap with
 * fair eviction (10,000 source MACs from port 1 must not evict port 2's
 * entries), no learning of multicast sources or flood_vlans, flushes,
 * resizing, and lock-free lookups that never return another MAC's port
 * while writers churn the table.
 */
#include <config.h>
#include "tests.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dp-config.h"
#include "mac-learning.h"
#include "pipeline.h"
#include "timeval.h"
#include "util.h"

static void
mac_from_int(uint8_t mac[6], uint32_t n)
{
    mac[0] = 0x02;              /* Locally administered unicast. */
    mac[1] = 0x00;
    mac[2] = n >> 24;
    mac[3] = n >> 16;
    mac[4] = n >> 8;
    mac[5] = n;
}

static uint32_t
now_s(void)
{
    return time_now_msec() / 1000;
}

static uint32_t
lookup(const struct mac_table *t, uint32_t n, uint16_t vlan)
{
    uint8_t mac[6];
    uint32_t port;

    mac_from_int(mac, n);
    return mac_table_lookup(t, mac, vlan, now_s(), &port) ? port : 0;
}

static bool
learn(struct mac_table *t, uint32_t n, uint16_t vlan, uint32_t port)
{
    uint8_t mac[6];

    mac_from_int(mac, n);
    return mac_table_learn(t, mac, vlan, port, now_s());
}

static void
test_learn_lookup(void **state)
{
    struct mac_table *t = mac_table_create(0, 0);
    static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    struct dpif_fdb_stats st;

    assert_int_equal(mac_table_get_max(t), MAC_TABLE_DEFAULT_SIZE);
    assert_int_equal(mac_table_get_aging(t), MAC_TABLE_DEFAULT_AGING);

    assert_true(learn(t, 1, 10, 1));
    assert_int_equal(lookup(t, 1, 10), 1);
    assert_int_equal(lookup(t, 1, 11), 0);      /* Per VLAN. */
    assert_int_equal(lookup(t, 2, 10), 0);
    assert_false(learn(t, 1, 10, 1));           /* Already known. */
    assert_true(learn(t, 1, 11, 2));            /* Same MAC, other VLAN. */
    assert_int_equal(lookup(t, 1, 11), 2);
    assert_int_equal(lookup(t, 1, 10), 1);

    /* Multicast sources are never learned. */
    assert_false(mac_table_learn(t, mcast, 10, 1, now_s()));
    assert_false(mac_table_lookup(t, mcast, 10, now_s(), &(uint32_t) {0}));

    mac_table_get_stats(t, &st);
    assert_int_equal(st.n_entries, 2);
    assert_int_equal(st.learned, 2);
    assert_int_equal(st.moved, 0);
    mac_table_destroy(t);
}

static void
test_move(void **state)
{
    struct mac_table *t = mac_table_create(16, 300);
    struct dpif_fdb_entry *e;
    struct dpif_fdb_stats st;
    size_t n;

    assert_true(learn(t, 1, 0, 1));
    assert_true(learn(t, 1, 0, 2));
    assert_int_equal(lookup(t, 1, 0), 2);
    assert_false(learn(t, 1, 0, 2));
    mac_table_get_stats(t, &st);
    assert_int_equal(st.n_entries, 1);
    assert_int_equal(st.learned, 1);
    assert_int_equal(st.moved, 1);

    n = mac_table_dump(t, now_s(), &e);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].port_no, 2);
    assert_int_equal(e[0].vlan, 0);
    assert_int_equal(e[0].mac[5], 1);
    free(e);

    /* A move off a port leaves the port able to evict nothing of its own
     * but does not break the accounting: flushing port 1 removes
     * nothing. */
    mac_table_flush_port(t, 1);
    assert_int_equal(lookup(t, 1, 0), 2);
    mac_table_destroy(t);
}

static void
test_aging(void **state)
{
    struct mac_table *t = mac_table_create(64, 300);
    struct dpif_fdb_entry *e;
    struct dpif_fdb_stats st;
    size_t n;

    timeval_stop();
    assert_true(learn(t, 1, 1, 1));
    assert_true(learn(t, 2, 1, 1));

    timeval_warp(200 * 1000);
    assert_false(learn(t, 2, 1, 1));        /* Refreshes entry 2. */
    timeval_warp(99 * 1000);
    assert_int_equal(lookup(t, 1, 1), 1);   /* 299 s old: still there. */
    n = mac_table_dump(t, now_s(), &e);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(e[i].age_s, e[i].mac[5] == 1 ? 299 : 99);
    }
    free(e);

    timeval_warp(1000);
    /* 300 s: gone for lookups and dumps before any sweep. */
    assert_int_equal(lookup(t, 1, 1), 0);
    assert_int_equal(lookup(t, 2, 1), 1);
    n = mac_table_dump(t, now_s(), &e);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].mac[5], 2);
    free(e);

    assert_int_equal(mac_table_expire(t, now_s()), 1);
    mac_table_get_stats(t, &st);
    assert_int_equal(st.n_entries, 1);
    assert_int_equal(st.expired, 1);

    /* A shorter aging time applies to existing entries. */
    mac_table_set_aging(t, 10);
    timeval_warp(10 * 1000);
    assert_int_equal(lookup(t, 2, 1), 0);
    assert_int_equal(mac_table_expire(t, now_s()), 1);

    /* An expired entry that is seen again is learned anew. */
    assert_true(learn(t, 1, 1, 3));
    assert_int_equal(lookup(t, 1, 1), 3);
    mac_table_destroy(t);
}

/* 10,000 source MACs from port 1 into a table of 8192 that already holds
 * 100 of port 2's entries: port 1 only ever evicts its own. */
static void
test_fair_eviction(void **state)
{
    struct mac_table *t = mac_table_create(8192, 300);
    struct dpif_fdb_stats st;
    uint32_t seed = 12345;
    int missing = 0;

    for (uint32_t i = 0; i < 100; i++) {
        learn(t, 0x100000 + i, 1, 2);
    }
    for (int i = 0; i < 10000; i++) {
        seed = seed * 1103515245 + 12345;
        learn(t, seed & 0x7fffffff, 1, 1);
    }
    for (uint32_t i = 0; i < 100; i++) {
        missing += lookup(t, 0x100000 + i, 1) != 2;
    }
    assert_int_equal(missing, 0);

    mac_table_get_stats(t, &st);
    assert_int_equal(st.n_entries, 8192);
    assert_int_equal(st.learned, 10100);
    assert_int_equal(st.evicted, 10100 - 8192);

    /* A newcomer on a full table evicts from the heaviest port (1), and
     * port 1 evicts its least recently used entry: the first of its
     * survivors, unless refreshed. */
    assert_true(learn(t, 0x200000, 1, 3));
    for (uint32_t i = 0; i < 100; i++) {
        missing += lookup(t, 0x100000 + i, 1) != 2;
    }
    assert_int_equal(missing, 0);
    assert_int_equal(lookup(t, 0x200000, 1), 3);

    /* Port 2 learning more takes from port 1 too, while it has fewer. */
    for (uint32_t i = 100; i < 200; i++) {
        learn(t, 0x100000 + i, 1, 2);
    }
    for (uint32_t i = 0; i < 200; i++) {
        missing += lookup(t, 0x100000 + i, 1) != 2;
    }
    assert_int_equal(missing, 0);
    mac_table_destroy(t);
}

/* With equal shares, the learning port gives up its own entry. */
static void
test_eviction_tie(void **state)
{
    struct mac_table *t = mac_table_create(4, 300);

    learn(t, 1, 0, 1);
    learn(t, 2, 0, 1);
    learn(t, 3, 0, 2);
    learn(t, 4, 0, 2);
    assert_true(learn(t, 5, 0, 2));
    assert_int_equal(lookup(t, 1, 0), 1);
    assert_int_equal(lookup(t, 2, 0), 1);
    assert_int_equal(lookup(t, 3, 0), 0);       /* Port 2's oldest. */
    assert_int_equal(lookup(t, 4, 0), 2);
    assert_int_equal(lookup(t, 5, 0), 2);
    mac_table_destroy(t);
}

/* The learning stage skips multicast sources and flood_vlans. */
static void
test_learn_stage(void **state)
{
    struct mac_table *t = mac_table_create(64, 300);
    struct dp_vlan_bitmap flood;
    struct dp_bridge br = { .macs = t };
    struct dp_snapshot snap = { .bridges = &br, .n_bridges = 1 };
    struct dp_port in = { .port_no = 4, .bridge = 0 };
    struct dp_ctx ctx;
    uint8_t bufs[4][64];
    struct dp_packet pkts[4];
    struct dp_packet_batch batch;
    static const uint16_t vlans[4] = { 1, 5, 1, 1 };
    struct mac_cache *cache = xzalloc(sizeof *cache);

    memset(&flood, 0, sizeof flood);
    dp_vlan_bitmap_set(&flood, 5);
    assert_false(mac_table_may_learn((const uint8_t[6]) { 2 }, 5, &flood));
    assert_true(mac_table_may_learn((const uint8_t[6]) { 2 }, 6, &flood));
    assert_false(mac_table_may_learn((const uint8_t[6]) { 3 }, 6, NULL));

    dp_packet_batch_init(&batch);
    for (int i = 0; i < 4; i++) {
        memset(bufs[i], 0, sizeof bufs[i]);
        mac_from_int(bufs[i] + 6, 100 + i);
        dp_packet_set_data(&pkts[i], bufs[i], sizeof bufs[i], 0, 60);
        dp_packet_reset_meta(&pkts[i], 4);
        pkts[i].vlan = vlans[i];
        batch.packets[batch.count++] = &pkts[i];
    }
    bufs[2][6] = 0x03;                          /* Multicast source. */
    pkts[3].drop = DP_DROP_RUNT;                /* Dropped earlier. */

    br.cfg.learn.flood_vlans = flood;
    memset(&ctx, 0, sizeof ctx);
    ctx.snap = &snap;
    ctx.now_s = now_s();
    dp_stage_learn.run(&ctx, &in, &batch, cache);
    assert_int_equal(lookup(t, 100, 1), 4);
    assert_int_equal(lookup(t, 101, 5), 0);     /* Flood VLAN. */
    assert_int_equal(lookup(t, 103, 1), 0);     /* Dropped frame. */
    {
        struct dpif_fdb_stats st;

        mac_table_get_stats(t, &st);
        assert_int_equal(st.n_entries, 1);
    }

    /* The thread's cache remembers that it learned 100 on port 4 this
     * second, but a change of the table by anyone else makes it forget:
     * a flush, then the station seen on port 7 by another thread. */
    dp_stage_learn.run(&ctx, &in, &batch, cache);
    assert_int_equal(lookup(t, 100, 1), 4);
    mac_table_flush(t);
    assert_int_equal(lookup(t, 100, 1), 0);
    dp_stage_learn.run(&ctx, &in, &batch, cache);
    assert_int_equal(lookup(t, 100, 1), 4);
    learn(t, 100, 1, 7);
    assert_int_equal(lookup(t, 100, 1), 7);
    dp_stage_learn.run(&ctx, &in, &batch, cache);
    assert_int_equal(lookup(t, 100, 1), 4);

    /* And the next second it learns again (refreshing the entry). */
    ctx.now_s++;
    dp_stage_learn.run(&ctx, &in, &batch, cache);
    assert_int_equal(lookup(t, 100, 1), 4);
    free(cache);
    mac_table_destroy(t);
}

static void
test_flush(void **state)
{
    struct mac_table *t = mac_table_create(64, 300);
    struct dpif_fdb_stats st;

    for (uint32_t i = 0; i < 30; i++) {
        learn(t, i, 0, 1 + i % 3);
    }
    mac_table_flush_port(t, 2);
    for (uint32_t i = 0; i < 30; i++) {
        assert_int_equal(lookup(t, i, 0), i % 3 == 1 ? 0 : 1 + i % 3);
    }
    mac_table_get_stats(t, &st);
    assert_int_equal(st.n_entries, 20);

    mac_table_flush(t);
    mac_table_get_stats(t, &st);
    assert_int_equal(st.n_entries, 0);
    for (uint32_t i = 0; i < 30; i++) {
        assert_int_equal(lookup(t, i, 0), 0);
    }

    /* The table is fully usable after a flush. */
    for (uint32_t i = 0; i < 64; i++) {
        assert_true(learn(t, 1000 + i, 0, 1));
    }
    assert_true(learn(t, 2000, 0, 2));
    mac_table_get_stats(t, &st);
    assert_int_equal(st.n_entries, 64);
    assert_int_equal(st.evicted, 1);
    mac_table_destroy(t);
}

static void
test_clone(void **state)
{
    struct mac_table *t = mac_table_create(100, 300);
    struct mac_table *big, *small;
    struct dpif_fdb_stats st;

    for (uint32_t i = 0; i < 80; i++) {
        learn(t, i, 0, 1);
    }
    for (uint32_t i = 80; i < 100; i++) {
        learn(t, i, 0, 2);
    }
    big = mac_table_clone(t, 1000);
    small = mac_table_clone(t, 40);
    for (uint32_t i = 0; i < 100; i++) {
        assert_int_equal(lookup(big, i, 0), i < 80 ? 1 : 2);
    }
    mac_table_get_stats(small, &st);
    assert_int_equal(st.n_entries, 40);
    assert_int_equal(st.max_entries, 40);
    /* Shrinking took from the port with the most entries, oldest first,
     * so port 2's entries all made it. */
    for (uint32_t i = 80; i < 100; i++) {
        assert_int_equal(lookup(small, i, 0), 2);
    }
    assert_int_equal(lookup(small, 79, 0), 1);
    assert_int_equal(lookup(small, 0, 0), 0);
    mac_table_destroy(big);
    mac_table_destroy(small);
    mac_table_destroy(t);
}

/* Concurrency: readers look up MACs whose port is a function of the MAC
 * while writers insert, move and evict in a small table.  A lookup may
 * miss, but must never answer with another entry's port. */

#define CHURN_PORT(N) (100 + (N) % 50)

struct churn {
    struct mac_table *t;
    atomic_bool stop;
    atomic_int wrong;
    atomic_long hits;
};

static void *
churn_reader(void *c_)
{
    struct churn *c = c_;
    uint32_t seed = 1;

    while (!atomic_load(&c->stop)) {
        uint32_t n, port;
        uint8_t mac[6];

        seed = seed * 1103515245 + 12345;
        n = seed % 4096;
        mac_from_int(mac, n);
        if (mac_table_lookup(c->t, mac, 0, now_s(), &port)) {
            atomic_fetch_add(&c->hits, 1);
            if (port != CHURN_PORT(n) && port != 7) {
                atomic_fetch_add(&c->wrong, 1);
            }
        }
    }
    return NULL;
}

static void *
churn_writer(void *c_)
{
    struct churn *c = c_;
    uint32_t seed = 99;

    for (int i = 0; i < 300000; i++) {
        uint32_t n;
        uint8_t mac[6];

        seed = seed * 1103515245 + 12345;
        n = seed % 4096;
        mac_from_int(mac, n);
        mac_table_learn(c->t, mac, 0, (i & 7) ? CHURN_PORT(n) : 7, now_s());
    }
    return NULL;
}

static void
test_concurrent_lookups(void **state)
{
    struct churn c = { .t = mac_table_create(1024, 300) };
    pthread_t readers[2], writers[2];

    for (int i = 0; i < 2; i++) {
        pthread_create(&readers[i], NULL, churn_reader, &c);
    }
    for (int i = 0; i < 2; i++) {
        pthread_create(&writers[i], NULL, churn_writer, &c);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(writers[i], NULL);
    }
    atomic_store(&c.stop, true);
    for (int i = 0; i < 2; i++) {
        pthread_join(readers[i], NULL);
    }
    assert_int_equal(atomic_load(&c.wrong), 0);
    assert_true(atomic_load(&c.hits) > 0);

    /* The structure is intact: every entry is found again. */
    {
        struct dpif_fdb_entry *e;
        size_t n = mac_table_dump(c.t, now_s(), &e);

        assert_int_equal(n, 1024);
        for (size_t i = 0; i < n; i++) {
            uint32_t port;

            assert_true(mac_table_lookup(c.t, e[i].mac, 0, now_s(), &port));
            assert_int_equal(port, e[i].port_no);
        }
        free(e);
    }
    mac_table_destroy(c.t);
}

/* A bucket keeps one entry inline and chains the rest: a table of 16 holds
 * 16 entries in 16 buckets, so some share a bucket.  Removing entries
 * (inline ones only become empty; chained ones are unlinked) and adding
 * others, over and over, must never lose or misplace an entry, and the
 * _hashed calls must agree with the plain ones. */
static void
test_inline_overflow(void **state)
{
    struct mac_table *t = mac_table_create(16, 300);
    struct dpif_fdb_stats st;
    uint32_t base = 0;

    for (int round = 0; round < 50; round++) {
        struct dpif_fdb_entry *e;
        size_t n;

        /* Fill: 8 on port 1, 8 on port 2 (the previous round's port 2
         * entries are still there, so the table is full and evicts). */
        for (uint32_t i = 0; i < 8; i++) {
            learn(t, base + i, 5, 1);
            learn(t, base + 100 + i, 5, 2);
        }
        for (uint32_t i = 0; i < 8; i++) {
            uint8_t mac[6];
            uint64_t key;
            uint32_t port;

            assert_int_equal(lookup(t, base + i, 5), 1);
            assert_int_equal(lookup(t, base + 100 + i, 5), 2);
            mac_from_int(mac, base + i);
            key = mac_table_key(mac, 5);
            assert_true(mac_table_lookup_hashed(t, key,
                                                mac_table_hash(t, key),
                                                now_s(), &port));
            assert_int_equal(port, 1);
        }
        mac_table_get_stats(t, &st);
        assert_int_equal(st.n_entries, 16);
        n = mac_table_dump(t, now_s(), &e);
        assert_int_equal(n, 16);
        for (size_t i = 0; i < n; i++) {
            uint32_t port;

            assert_true(mac_table_lookup(t, e[i].mac, e[i].vlan, now_s(),
                                         &port));
            assert_int_equal(port, e[i].port_no);
        }
        free(e);

        /* Empty some buckets' inline entries and unlink some chained
         * entries, then make sure the rest are all still found. */
        mac_table_flush_port(t, 1);
        for (uint32_t i = 0; i < 8; i++) {
            assert_int_equal(lookup(t, base + i, 5), 0);
            assert_int_equal(lookup(t, base + 100 + i, 5), 2);
        }
        mac_table_get_stats(t, &st);
        assert_int_equal(st.n_entries, 8);
        base += 1000;
    }
    mac_table_destroy(t);
}

int
test_mac_learning_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learn_lookup),
        cmocka_unit_test(test_move),
        cmocka_unit_test(test_aging),
        cmocka_unit_test(test_fair_eviction),
        cmocka_unit_test(test_eviction_tie),
        cmocka_unit_test(test_learn_stage),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_concurrent_lookups),
        cmocka_unit_test(test_inline_overflow),
    };
    return cmocka_run_group_tests_name("mac-learning", tests, NULL, NULL);
}
