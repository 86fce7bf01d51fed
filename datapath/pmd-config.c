/*
 * pmd-config.c -- parsing pmd-cpu-mask and pmd-rxq-affinity
 * (pmd-config.h).
 */
#include <config.h>
#include "pmd-config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpif.h"
#include "util.h"

/* Adds the CPUs of a list like "0-3,6" to 'cpus'.  Returns false if 's' is
 * not such a list. */
static bool
parse_cpu_list(const char *s, cpu_set_t *cpus)
{
    while (*s && *s != '\n') {
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;

        if (end == s) {
            return false;
        }
        s = end;
        if (*s == '-') {
            hi = strtoul(s + 1, &end, 10);
            if (end == s + 1 || hi < lo) {
                return false;
            }
            s = end;
        }
        for (unsigned long c = lo; c <= hi && c < CPU_SETSIZE; c++) {
            CPU_SET(c, cpus);
        }
        if (*s == ',') {
            s++;
        }
    }
    return true;
}

void
pmd_online_cpus(cpu_set_t *cpus)
{
    FILE *f = fopen("/sys/devices/system/cpu/online", "r");
    char line[4096];
    bool ok = false;

    CPU_ZERO(cpus);
    if (f) {
        ok = fgets(line, sizeof line, f) && parse_cpu_list(line, cpus)
             && CPU_COUNT(cpus) > 0;
        fclose(f);
    }
    if (!ok) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        CPU_ZERO(cpus);
        for (long c = 0; c < (n > 0 ? n : 1) && c < CPU_SETSIZE; c++) {
            CPU_SET(c, cpus);
        }
    }
}

char *
pmd_cpu_list(const cpu_set_t *cpus)
{
    struct dstr ds = DSTR_INITIALIZER;

    for (int c = 0; c < CPU_SETSIZE; c++) {
        int last = c;

        if (!CPU_ISSET(c, cpus)) {
            continue;
        }
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, cpus)) {
            last++;
        }
        dstr_printf(&ds, ds.len ? ",%d" : "%d", c);
        if (last > c) {
            dstr_printf(&ds, "-%d", last);
        }
        c = last;
    }
    return ds.len ? dstr_steal(&ds) : xstrdup("none");
}

/* The first CPU of 'cpus' that is not online, or -1. */
static int
first_missing_cpu(const cpu_set_t *cpus, cpu_set_t *online)
{
    pmd_online_cpus(online);
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, cpus) && !CPU_ISSET(c, online)) {
            return c;
        }
    }
    return -1;
}

static int
hex_value(char c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

char *
pmd_cpu_mask_parse(const char *s, unsigned int max_cpus, cpu_set_t *cpus)
{
    const char *digits = s;
    size_t n;
    cpu_set_t online;
    int missing;

    CPU_ZERO(cpus);
    if (!strncmp(digits, "0x", 2) || !strncmp(digits, "0X", 2)) {
        digits += 2;
    }
    n = strlen(digits);
    if (!n) {
        return xasprintf("pmd-cpu-mask \"%s\" is not a hexadecimal CPU "
                         "mask (like 0x6 for CPUs 1 and 2)", s);
    }
    for (size_t i = 0; i < n; i++) {
        int v = hex_value(digits[n - 1 - i]);

        if (v < 0) {
            return xasprintf("pmd-cpu-mask \"%s\" is not a hexadecimal CPU "
                             "mask (like 0x6 for CPUs 1 and 2): '%c' is not "
                             "a hex digit", s, digits[n - 1 - i]);
        }
        for (int b = 0; b < 4; b++) {
            if (v & (1 << b)) {
                size_t cpu = 4 * i + b;

                if (cpu >= CPU_SETSIZE) {
                    return xasprintf("pmd-cpu-mask \"%s\" names CPU %zu; "
                                     "the switch handles CPUs 0 to %d",
                                     s, cpu, CPU_SETSIZE - 1);
                }
                CPU_SET(cpu, cpus);
            }
        }
    }
    if (!CPU_COUNT(cpus)) {
        return xasprintf("pmd-cpu-mask \"%s\" names no CPU (remove the key "
                         "to go back to n-forwarding-threads)", s);
    }
    if ((unsigned int) CPU_COUNT(cpus) > max_cpus) {
        return xasprintf("pmd-cpu-mask \"%s\" names %d CPUs, more than the "
                         "%u forwarding threads a datapath may have", s,
                         CPU_COUNT(cpus), max_cpus);
    }
    missing = first_missing_cpu(cpus, &online);
    if (missing >= 0) {
        char *list = pmd_cpu_list(&online);
        char *error = xasprintf("pmd-cpu-mask \"%s\" names CPU %d, which "
                                "this system does not have (online CPUs: "
                                "%s)", s, missing, list);

        free(list);
        return error;
    }
    return NULL;
}

static int
compare_pins(const void *a_, const void *b_)
{
    const struct dpif_rxq_pin *a = a_, *b = b_;

    return a->queue < b->queue ? -1 : a->queue > b->queue;
}

/* Parses a decimal number from '*sp' (after blanks) up to 'max', advancing
 * '*sp'.  Returns false if there is none or it is too big. */
static bool
parse_number(const char **sp, unsigned long max, unsigned long *value)
{
    const char *s = *sp;
    char *end;

    while (isblank((unsigned char) *s)) {
        s++;
    }
    if (!isdigit((unsigned char) *s)) {
        return false;
    }
    errno = 0;
    *value = strtoul(s, &end, 10);
    if (errno || *value > max) {
        return false;
    }
    while (isblank((unsigned char) *end)) {
        end++;
    }
    *sp = end;
    return true;
}

char *
pmd_rxq_affinity_parse(const char *s, struct dpif_rxq_port_config *cfg)
{
    const char *p = s;
    cpu_set_t cores, online;
    int missing;

    memset(cfg, 0, sizeof *cfg);
    CPU_ZERO(&cores);
    while (*p) {
        unsigned long queue, core;

        if (!parse_number(&p, DPIF_MAX_RXQ_ID, &queue) || *p++ != ':'
            || !parse_number(&p, CPU_SETSIZE - 1, &core)
            || (*p && *p != ',')) {
            return xasprintf("pmd-rxq-affinity \"%s\" is not a list of "
                             "QUEUE:CORE pairs like \"0:3,1:7\" (queues 0 "
                             "to %d, cores 0 to %d)", s, DPIF_MAX_RXQ_ID,
                             CPU_SETSIZE - 1);
        }
        if (*p == ',') {
            p++;
        }
        for (uint32_t i = 0; i < cfg->n_pins; i++) {
            if (cfg->pins[i].queue == queue) {
                return xasprintf("pmd-rxq-affinity \"%s\" names queue %lu "
                                 "twice", s, queue);
            }
        }
        if (cfg->n_pins >= DPIF_MAX_RXQ_PINS) {
            return xasprintf("pmd-rxq-affinity \"%s\" pins more than %d "
                             "queues", s, DPIF_MAX_RXQ_PINS);
        }
        cfg->pins[cfg->n_pins].queue = queue;
        cfg->pins[cfg->n_pins].core = core;
        cfg->n_pins++;
        CPU_SET(core, &cores);
    }
    if (!cfg->n_pins) {
        return xasprintf("pmd-rxq-affinity \"%s\" pins no queue (like "
                         "\"0:3,1:7\": queue 0 to core 3, queue 1 to core "
                         "7)", s);
    }
    missing = first_missing_cpu(&cores, &online);
    if (missing >= 0) {
        char *list = pmd_cpu_list(&online);
        char *error = xasprintf("pmd-rxq-affinity \"%s\" names core %d, "
                                "which this system does not have (online "
                                "CPUs: %s)", s, missing, list);

        free(list);
        memset(cfg, 0, sizeof *cfg);
        return error;
    }
    qsort(cfg->pins, cfg->n_pins, sizeof *cfg->pins, compare_pins);
    return NULL;
}
