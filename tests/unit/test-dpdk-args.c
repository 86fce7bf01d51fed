/*
 * test-dpdk-args.c -- unit tests for the EAL command line built from
 * Open_vSwitch other_config (netdev/dpdk/dpdk-args.c): the defaults that
 * keep a switch from colliding with another DPDK process or pinning
 * anything, the keys Open vSwitch users write, dpdk-extra split like a
 * shell does, and clear errors for values the EAL would refuse.  Needs no
 * DPDK: the builder is plain C.
 */
#include <config.h>
#include "tests.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dpdk/dpdk-args.h"
#include "smap.h"
#include "util.h"

/* The command line for 'other_config' as one string. */
static char *
build(const struct smap *oc, const char *cpus, bool pci, char **errorp)
{
    struct dpdk_argv args;
    char *s = NULL;

    dpdk_argv_init(&args);
    *errorp = NULL;
    if (!dpdk_args_build(oc, cpus, pci, &args, errorp)) {
        s = dpdk_argv_join(&args);
    }
    dpdk_argv_destroy(&args);
    return s;
}

static void
test_defaults(void **state)
{
    struct smap oc = SMAP_INITIALIZER;
    char *error, *s;

    (void) state;
    smap_add(&oc, "dpdk-init", "true");
    s = build(&oc, "0-3", false, &error);
    assert_string_equal(s, "vswitchd --lcores=0@(0-3) --in-memory "
                        "--no-telemetry --no-pci");
    free(s);

    /* A PCI device bound to vfio-pci: the EAL may probe it. */
    s = build(&oc, "2", true, &error);
    assert_string_equal(s, "vswitchd --lcores=0@(2) --in-memory "
                        "--no-telemetry");
    free(s);
    smap_destroy(&oc);
}

static void
test_ovs_keys(void **state)
{
    struct smap oc = SMAP_INITIALIZER;
    char *error, *s;

    (void) state;
    smap_add(&oc, "dpdk-lcore-mask", "0x2");
    smap_add(&oc, "dpdk-socket-mem", "1024,0");
    smap_add(&oc, "dpdk-hugepage-dir", "/mnt/huge");
    smap_add(&oc, "dpdk-extra", "--file-prefix=ovs2 -a 0000:01:00.0 "
             "--vdev 'net_pcap0,rx_pcap=/tmp/a b.pcap'");
    s = build(&oc, "0-3", false, &error);
    assert_string_equal(s, "vswitchd -c 0x2 --socket-mem=1024,0 "
                        "--huge-dir=/mnt/huge --no-telemetry "
                        "--file-prefix=ovs2 -a 0000:01:00.0 --vdev "
                        "net_pcap0,rx_pcap=/tmp/a b.pcap");
    free(s);

    /* Cores chosen in dpdk-extra win over the default. */
    smap_destroy(&oc);
    smap_init(&oc);
    smap_add(&oc, "dpdk-extra", "-l 1 --no-huge --no-pci");
    s = build(&oc, "0-3", false, &error);
    assert_string_equal(s, "vswitchd --in-memory --no-telemetry -l 1 "
                        "--no-huge --no-pci");
    free(s);
    smap_destroy(&oc);
}

static void
test_split(void **state)
{
    struct dpdk_argv args;
    char *error = NULL;

    (void) state;
    dpdk_argv_init(&args);
    assert_int_equal(dpdk_args_split("  a  'b c'\"d\"e\t f ", &args,
                                     &error), 0);
    assert_int_equal(args.argc, 3);
    assert_string_equal(args.argv[0], "a");
    assert_string_equal(args.argv[1], "b cde");
    assert_string_equal(args.argv[2], "f");
    assert_null(args.argv[3]);
    assert_true(dpdk_argv_has(&args, "a"));
    assert_false(dpdk_argv_has(&args, "b"));
    dpdk_argv_destroy(&args);

    dpdk_argv_init(&args);
    assert_int_equal(dpdk_args_split("--vdev 'net_null0", &args, &error),
                     EINVAL);
    assert_non_null(strstr(error, "unbalanced ' quote"));
    free(error);
    dpdk_argv_destroy(&args);
}

static void
test_errors(void **state)
{
    static const char *const bad[][3] = {
        { "dpdk-lcore-mask", "0xg1", "not a hexadecimal core mask" },
        { "dpdk-socket-mem", "1G", "is not a list of MiB per NUMA node" },
        { "dpdk-extra", "\"x", "unbalanced \" quote" },
    };

    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct smap oc = SMAP_INITIALIZER;
        char *error, *s;

        smap_add(&oc, bad[i][0], bad[i][1]);
        s = build(&oc, "0", false, &error);
        assert_null(s);
        assert_non_null(error);
        assert_non_null(strstr(error, bad[i][0]));
        assert_non_null(strstr(error, bad[i][2]));
        free(error);
        smap_destroy(&oc);
    }
}

int
test_dpdk_args_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_ovs_keys),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("dpdk-args", tests, NULL, NULL);
}
