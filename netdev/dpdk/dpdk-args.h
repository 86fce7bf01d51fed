/*
 * dpdk-args.h -- the command line DPDK's EAL is started with, built from
 * Open_vSwitch other_config as Open vSwitch users write it.
 *
 * Kept apart from the code that calls DPDK so that it builds (and is unit
 * tested) whether or not DPDK is installed.  The keys:
 *
 *   dpdk-lcore-mask    hex core mask, passed as "-c MASK"; without it the
 *                      EAL's main lcore may run on every CPU the daemon may
 *                      use ("--lcores=0@(CPUS)"), so that starting the EAL
 *                      pins nothing
 *   dpdk-socket-mem    "--socket-mem=X" (MiB per NUMA node, "1024,0")
 *   dpdk-socket-limit  "--socket-limit=X"
 *   dpdk-hugepage-dir  "--huge-dir=DIR"
 *   dpdk-extra         more EAL arguments, split into words like a shell
 *                      does (blanks separate, '...' and "..." group)
 *
 * Always "--in-memory" (no files under /dev/hugepages or /var/run/dpdk, so
 * several switches, the tests and an Open vSwitch on the same host do not
 * collide) and "--no-telemetry", unless dpdk-extra says otherwise
 * (--file-prefix, --telemetry); "--no-pci" unless some PCI device is
 * bound to a DPDK driver (then the EAL probes the bound devices, and
 * type=dpdk ports name them by PCI address) or dpdk-extra chooses
 * devices itself (-a/--allow, -b/--block).
 */
#ifndef DPDK_ARGS_H
#define DPDK_ARGS_H 1

#include <stdbool.h>
#include <stddef.h>

struct smap;

struct dpdk_argv {
    char **argv;                /* NULL-terminated. */
    int argc;
    size_t allocated;
};

void dpdk_argv_init(struct dpdk_argv *);
void dpdk_argv_add(struct dpdk_argv *, const char *arg);
void dpdk_argv_destroy(struct dpdk_argv *);
/* The arguments joined with spaces, for the log (caller frees). */
char *dpdk_argv_join(const struct dpdk_argv *);
/* True if 'args' has an argument 'opt' ("--in-memory"), "opt=..." or, for
 * a short option "-c", "-cVALUE". */
bool dpdk_argv_has(const struct dpdk_argv *, const char *opt);

/* Appends the words of 's' to 'args'.  Returns 0, or EINVAL with a
 * malloc'd message in '*errorp' for an unbalanced quote. */
int dpdk_args_split(const char *s, struct dpdk_argv *args, char **errorp);

/* Fills 'args' (initialised by the caller) with the EAL command line for
 * 'other_config'.  'cpus' is the list of CPUs the daemon may run on
 * ("0-3,6"); 'pci_bound' says whether a PCI device is bound to a DPDK
 * driver.  Returns 0, or EINVAL with a malloc'd message in '*errorp'
 * naming the key and what is valid. */
int dpdk_args_build(const struct smap *other_config, const char *cpus,
                    bool pci_bound, struct dpdk_argv *args, char **errorp);

#endif /* dpdk-args.h */
