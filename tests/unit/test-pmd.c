/*
 * test-pmd.c -- poll-mode thread settings: parsing pmd-cpu-mask and
 * pmd-rxq-affinity as OVS users write them (pmd-config.h), and the rules
 * that place receive queues on threads (dpu-sched.h), without threads.
 *
 * Intent: the OVS syntax is accepted ("0x6" and "6" alike, "0:3,1:7" with
 * blanks), every bad value gets a message naming it; a pinned queue lands
 * on its core's thread and isolates it, unpinned queues stay where they
 * are unless their thread became isolated, new ones go to the least loaded
 * thread, and a pin to a core without a thread falls back to the others.
 */
#include <config.h>
#include "tests.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "dpif.h"
#include "dpu-sched.h"
#include "pmd-config.h"

static void
test_cpu_mask(void **state)
{
    cpu_set_t cpus;
    char *error;

    (void) state;
    assert_null(pmd_cpu_mask_parse("0x1", 64, &cpus));
    assert_int_equal(CPU_COUNT(&cpus), 1);
    assert_true(CPU_ISSET(0, &cpus));
    assert_null(pmd_cpu_mask_parse("1", 64, &cpus));
    assert_true(CPU_ISSET(0, &cpus));

    error = pmd_cpu_mask_parse("0xg", 64, &cpus);
    assert_non_null(error);
    assert_non_null(strstr(error, "\"0xg\" is not a hexadecimal CPU mask"));
    free(error);
    error = pmd_cpu_mask_parse("0x", 64, &cpus);
    assert_non_null(strstr(error, "is not a hexadecimal"));
    free(error);
    error = pmd_cpu_mask_parse("0x0", 64, &cpus);
    assert_non_null(strstr(error, "names no CPU"));
    free(error);

    /* A CPU far beyond any machine this runs on. */
    error = pmd_cpu_mask_parse("0x1000000000000000000000000000000", 64,
                               &cpus);
    assert_non_null(strstr(error, "names CPU 120, which this system does "
                           "not have (online CPUs: 0"));
    free(error);
    error = pmd_cpu_mask_parse("3", 1, &cpus);
    assert_non_null(strstr(error, "more than the 1 forwarding threads"));
    free(error);
}

static void
test_rxq_affinity(void **state)
{
    struct dpif_rxq_port_config rc;
    char *error;

    (void) state;
    assert_null(pmd_rxq_affinity_parse("3:0, 1:0", &rc));
    assert_int_equal(rc.n_pins, 2);
    assert_int_equal(rc.pins[0].queue, 1);      /* Sorted by queue. */
    assert_int_equal(rc.pins[0].core, 0);
    assert_int_equal(rc.pins[1].queue, 3);

    error = pmd_rxq_affinity_parse("0-1", &rc);
    assert_non_null(strstr(error, "\"0-1\" is not a list of QUEUE:CORE"));
    free(error);
    error = pmd_rxq_affinity_parse("0:", &rc);
    assert_non_null(strstr(error, "is not a list of QUEUE:CORE"));
    free(error);
    error = pmd_rxq_affinity_parse("1024:0", &rc);
    assert_non_null(strstr(error, "is not a list of QUEUE:CORE"));
    free(error);
    error = pmd_rxq_affinity_parse("0:0,0:0", &rc);
    assert_non_null(strstr(error, "names queue 0 twice"));
    free(error);
    error = pmd_rxq_affinity_parse("0:1000", &rc);
    assert_non_null(strstr(error, "names core 1000, which this system"));
    free(error);
    error = pmd_rxq_affinity_parse("", &rc);
    assert_non_null(strstr(error, "pins no queue"));
    free(error);
}

/* Threads on CPUs 2, 3 and 5; six queues. */
static void
test_sched(void **state)
{
    static const int cores[] = { 2, 3, 5 };
    struct dpu_sched_rxq qs[6];
    bool isolated[3];

    (void) state;
    /* All new, none pinned: round robin by load. */
    for (int i = 0; i < 6; i++) {
        qs[i] = (struct dpu_sched_rxq) { -1, DPU_SCHED_NONE, false };
    }
    dpu_sched_assign(qs, 6, cores, 3, isolated);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(qs[i].thread, i % 3);
        assert_false(qs[i].pinned);
    }
    assert_false(isolated[0] || isolated[1] || isolated[2]);

    /* Queue 4 pinned to core 3 (thread 1): thread 1 is isolated, its
     * other queue (1) moves to the least loaded, the others stay. */
    qs[4].core = 3;
    dpu_sched_assign(qs, 6, cores, 3, isolated);
    assert_int_equal(qs[4].thread, 1);
    assert_true(qs[4].pinned);
    assert_true(isolated[1]);
    assert_false(isolated[0] || isolated[2]);
    assert_int_equal(qs[0].thread, 0);
    assert_int_equal(qs[2].thread, 2);
    assert_int_equal(qs[3].thread, 0);
    assert_int_equal(qs[5].thread, 2);
    assert_true(qs[1].thread == 0 || qs[1].thread == 2);
    for (int i = 0; i < 6; i++) {
        if (i != 4) {
            assert_int_not_equal(qs[i].thread, 1);
        }
    }

    /* A pin to core 7, where no thread runs: not pinned, placed on a
     * non-isolated thread. */
    qs[0].core = 7;
    qs[0].thread = DPU_SCHED_NONE;
    dpu_sched_assign(qs, 6, cores, 3, isolated);
    assert_false(qs[0].pinned);
    assert_int_not_equal(qs[0].thread, 1);

    /* Every thread isolated: unpinned queues go anywhere, by load. */
    for (int i = 0; i < 6; i++) {
        qs[i] = (struct dpu_sched_rxq) { -1, DPU_SCHED_NONE, false };
    }
    qs[0].core = 2;
    qs[1].core = 3;
    qs[2].core = 5;
    dpu_sched_assign(qs, 6, cores, 3, isolated);
    assert_true(isolated[0] && isolated[1] && isolated[2]);
    assert_int_equal(qs[3].thread, 0);
    assert_int_equal(qs[4].thread, 1);
    assert_int_equal(qs[5].thread, 2);

    /* Unpinned threads (cores -1) never match a pin. */
    {
        static const int none[] = { -1, -1 };
        struct dpu_sched_rxq q = { 0, DPU_SCHED_NONE, false };

        dpu_sched_assign(&q, 1, none, 2, NULL);
        assert_false(q.pinned);
        assert_int_equal(q.thread, 0);
    }
}

int
test_pmd_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_mask),
        cmocka_unit_test(test_rxq_affinity),
        cmocka_unit_test(test_sched),
    };
    return cmocka_run_group_tests_name("pmd", tests, NULL, NULL);
}
