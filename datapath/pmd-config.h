/*
 * pmd-config.h -- the poll-mode thread settings OVS users write, parsed
 * once for both places that need them: vswitchd's commit-time check
 * (bridge-validate.c refuses a bad value before it is stored) and the
 * userspace datapath, which applies them.
 *
 *   Open_vSwitch other_config:pmd-cpu-mask   a hexadecimal CPU mask, with
 *       or without "0x" ("0x6" and "6" both name CPUs 1 and 2): one
 *       forwarding thread per CPU in the mask, pinned to it.
 *   Interface other_config:pmd-rxq-affinity  "QUEUE:CORE[,QUEUE:CORE...]"
 *       ("0:3,1:7"): receive queue QUEUE of the interface is polled by the
 *       thread pinned to CPU CORE.
 *
 * Both are checked against the CPUs that exist (are online) when parsed:
 * a CPU that exists but that the switch may not use (a cgroup cpuset that
 * leaves it out) is only found when a thread is pinned, and is logged then
 * (the thread runs unpinned).  Messages are complete sentences naming the
 * key, the value and what would be valid.
 */
#ifndef PMD_CONFIG_H
#define PMD_CONFIG_H 1

#include <sched.h>
#include <stdbool.h>

struct dpif_rxq_port_config;

/* Parses pmd-cpu-mask 's' into '*cpus'.  Returns NULL, or a malloc'd
 * message if 's' is not a hexadecimal mask, names no CPU, more than
 * 'max_cpus' CPUs, or a CPU that does not exist. */
char *pmd_cpu_mask_parse(const char *s, unsigned int max_cpus,
                         cpu_set_t *cpus);

/* Parses pmd-rxq-affinity 's' into '*cfg' (pins sorted by queue).
 * Returns NULL, or a malloc'd message for bad syntax, a queue named
 * twice, too many queues, or a core that does not exist. */
char *pmd_rxq_affinity_parse(const char *s, struct dpif_rxq_port_config *);

/* The CPUs that are online, from /sys/devices/system/cpu/online (or, if
 * that cannot be read, 0 to the number sysconf() reports minus 1). */
void pmd_online_cpus(cpu_set_t *);

/* "0-3,6" for 'cpus', malloc'd. */
char *pmd_cpu_list(const cpu_set_t *cpus);

#endif /* pmd-config.h */
