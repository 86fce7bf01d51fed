/*
 * fuzz-config.c -- the parsers of other_config values any database
 * client can write: pmd-cpu-mask and pmd-rxq-affinity (datapath/
 * pmd-config.c), and the DPDK EAL command line built from dpdk-extra,
 * dpdk-lcore-mask, dpdk-socket-mem and the other dpdk-* keys (netdev/dpdk/
 * dpdk-args.c).
 *
 * The input is one value, used for every key in turn.  Whatever it
 * holds, each parser must either refuse it with a message or give a
 * consistent result: a mask names at least one CPU and only CPUs below
 * the limit, an affinity's pins are sorted by queue without repeats and
 * fit the pin array, an EAL argument vector is NULL-terminated with
 * 'argc' non-NULL words and the EAL's program name first.
 */
#include <config.h>

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dpdk/dpdk-args.h"
#include "dpif.h"
#include "fuzz-util.h"
#include "pmd-config.h"
#include "smap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_mask(const char *s)
{
    cpu_set_t cpus;
    char *error = pmd_cpu_mask_parse(s, 64, &cpus);

    if (error) {
        if (!error[0]) {
            fuzz_fail("pmd-cpu-mask refused with an empty message", s);
        }
        free(error);
        return;
    }
    if (!CPU_COUNT(&cpus)) {
        fuzz_fail("pmd-cpu-mask accepted with no CPU", s);
    }
    for (int cpu = 64; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &cpus)) {
            fuzz_fail("pmd-cpu-mask accepted a CPU past the limit", s);
        }
    }
}

static void
check_affinity(const char *s)
{
    struct dpif_rxq_port_config cfg;
    char *error;

    memset(&cfg, 0xa5, sizeof cfg);
    error = pmd_rxq_affinity_parse(s, &cfg);
    if (error) {
        if (!error[0]) {
            fuzz_fail("pmd-rxq-affinity refused with an empty message", s);
        }
        free(error);
        return;
    }
    if (cfg.n_pins > DPIF_MAX_RXQ_PINS) {
        fuzz_fail("pmd-rxq-affinity has more pins than fit", s);
    }
    for (uint32_t i = 1; i < cfg.n_pins; i++) {
        if (cfg.pins[i - 1].queue >= cfg.pins[i].queue) {
            fuzz_fail("pmd-rxq-affinity pins not sorted or repeated", s);
        }
    }
}

static void
check_argv(const struct dpdk_argv *args, const char *s)
{
    char *joined;

    if (args->argc < 0 || args->argv[args->argc]) {
        fuzz_fail("EAL argument vector not NULL-terminated", s);
    }
    for (int i = 0; i < args->argc; i++) {
        if (!args->argv[i]) {
            fuzz_fail("EAL argument vector has a NULL word", s);
        }
    }
    joined = dpdk_argv_join(args);
    free(joined);
}

static void
check_dpdk_args(const char *s)
{
    static const char *const keys[] = {
        "dpdk-extra", "dpdk-lcore-mask", "dpdk-socket-mem",
        "dpdk-socket-limit", "dpdk-hugepage-dir",
    };
    struct dpdk_argv args;
    char *error = NULL;

    dpdk_argv_init(&args);
    if (dpdk_args_split(s, &args, &error)) {
        if (!error || !error[0]) {
            fuzz_fail("dpdk-extra refused without a message", s);
        }
        free(error);
        error = NULL;
    } else {
        check_argv(&args, s);
    }
    dpdk_argv_destroy(&args);

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        struct smap oc;

        smap_init(&oc);
        smap_add(&oc, "dpdk-init", "true");
        smap_add(&oc, keys[i], s);
        dpdk_argv_init(&args);
        if (dpdk_args_build(&oc, "0-1", false, &args, &error)) {
            if (!error || !error[0]) {
                fuzz_fail("EAL arguments refused without a message", s);
            }
            free(error);
            error = NULL;
        } else {
            check_argv(&args, s);
            if (!args.argc) {
                fuzz_fail("EAL argument vector without a program name", s);
            }
        }
        dpdk_argv_destroy(&args);
        smap_destroy(&oc);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size, NUL-terminated copy, as the database hands values
     * over (a value holds no NUL: the input stops at the first). */
    char *s = malloc(size + 1);

    memcpy(s, data, size);
    s[size] = '\0';
    check_mask(s);
    check_affinity(s);
    check_dpdk_args(s);
    free(s);
    return 0;
}
