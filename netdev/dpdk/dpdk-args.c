/*
 * dpdk-args.c -- the EAL command line from Open_vSwitch other_config (see
 * dpdk-args.h).
 */
#include <config.h>
#include "dpdk-args.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smap.h"
#include "util.h"

void
dpdk_argv_init(struct dpdk_argv *args)
{
    args->argc = 0;
    args->allocated = 8;
    args->argv = xcalloc(args->allocated, sizeof *args->argv);
}

void
dpdk_argv_add(struct dpdk_argv *args, const char *arg)
{
    if ((size_t) args->argc + 2 > args->allocated) {
        args->allocated *= 2;
        args->argv = xrealloc(args->argv,
                              args->allocated * sizeof *args->argv);
    }
    args->argv[args->argc++] = xstrdup(arg);
    args->argv[args->argc] = NULL;
}

void
dpdk_argv_destroy(struct dpdk_argv *args)
{
    for (int i = 0; i < args->argc; i++) {
        free(args->argv[i]);
    }
    free(args->argv);
    args->argv = NULL;
    args->argc = 0;
    args->allocated = 0;
}

char *
dpdk_argv_join(const struct dpdk_argv *args)
{
    struct dstr s = DSTR_INITIALIZER;

    for (int i = 0; i < args->argc; i++) {
        if (i) {
            dstr_putc(&s, ' ');
        }
        dstr_puts(&s, args->argv[i]);
    }
    return dstr_steal(&s);
}

bool
dpdk_argv_has(const struct dpdk_argv *args, const char *opt)
{
    size_t len = strlen(opt);
    bool is_short = len == 2 && opt[0] == '-' && opt[1] != '-';

    for (int i = 0; i < args->argc; i++) {
        const char *a = args->argv[i];

        if (!strncmp(a, opt, len)
            && (a[len] == '\0' || a[len] == '=' || is_short)) {
            return true;
        }
    }
    return false;
}

int
dpdk_args_split(const char *s, struct dpdk_argv *args, char **errorp)
{
    struct dstr word = DSTR_INITIALIZER;
    bool in_word = false;
    char quote = 0;

    for (const char *p = s; ; p++) {
        char c = *p;

        if (quote) {
            if (!c) {
                *errorp = xasprintf("other_config:dpdk-extra \"%s\": "
                                    "unbalanced %c quote", s, quote);
                dstr_destroy(&word);
                return EINVAL;
            } else if (c == quote) {
                quote = 0;
            } else {
                dstr_putc(&word, c);
            }
        } else if (!c || isspace((unsigned char) c)) {
            if (in_word) {
                dpdk_argv_add(args, dstr_cstr(&word));
                dstr_clear(&word);
                in_word = false;
            }
            if (!c) {
                break;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else {
            dstr_putc(&word, c);
            in_word = true;
        }
    }
    dstr_destroy(&word);
    return 0;
}

/* True if 's' is nonempty and made only of characters in 'set'. */
static bool
only_chars(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

int
dpdk_args_build(const struct smap *other_config, const char *cpus,
                bool pci_bound, struct dpdk_argv *args, char **errorp)
{
    const char *mask = smap_get(other_config, "dpdk-lcore-mask");
    const char *mem = smap_get(other_config, "dpdk-socket-mem");
    const char *limit = smap_get(other_config, "dpdk-socket-limit");
    const char *huge_dir = smap_get(other_config, "dpdk-hugepage-dir");
    const char *extra = smap_get(other_config, "dpdk-extra");
    struct dpdk_argv user;
    char *arg;
    int error;

    dpdk_argv_init(&user);
    if (extra) {
        error = dpdk_args_split(extra, &user, errorp);
        if (error) {
            dpdk_argv_destroy(&user);
            return error;
        }
    }
    if (mask) {
        const char *digits = (!strncmp(mask, "0x", 2)
                              || !strncmp(mask, "0X", 2)) ? mask + 2 : mask;

        if (!only_chars(digits, "0123456789abcdefABCDEF")) {
            *errorp = xasprintf("other_config:dpdk-lcore-mask \"%s\" is "
                                "not a hexadecimal core mask (e.g. 0x1)",
                                mask);
            dpdk_argv_destroy(&user);
            return EINVAL;
        }
    }
    if (mem && !only_chars(mem, "0123456789,")) {
        *errorp = xasprintf("other_config:dpdk-socket-mem \"%s\" is not a "
                            "list of MiB per NUMA node (e.g. 1024,0)", mem);
        dpdk_argv_destroy(&user);
        return EINVAL;
    }
    if (limit && !only_chars(limit, "0123456789,")) {
        *errorp = xasprintf("other_config:dpdk-socket-limit \"%s\" is not "
                            "a list of MiB per NUMA node (e.g. 2048,0)",
                            limit);
        dpdk_argv_destroy(&user);
        return EINVAL;
    }

    dpdk_argv_add(args, "vswitchd");
    if (!dpdk_argv_has(&user, "-c") && !dpdk_argv_has(&user, "-l")
        && !dpdk_argv_has(&user, "--lcores")) {
        if (mask) {
            dpdk_argv_add(args, "-c");
            dpdk_argv_add(args, mask);
        } else if (cpus && *cpus) {
            arg = xasprintf("--lcores=0@(%s)", cpus);
            dpdk_argv_add(args, arg);
            free(arg);
        }
    }
    if (mem && !dpdk_argv_has(&user, "--socket-mem")) {
        arg = xasprintf("--socket-mem=%s", mem);
        dpdk_argv_add(args, arg);
        free(arg);
    }
    if (limit && !dpdk_argv_has(&user, "--socket-limit")) {
        arg = xasprintf("--socket-limit=%s", limit);
        dpdk_argv_add(args, arg);
        free(arg);
    }
    if (huge_dir && !dpdk_argv_has(&user, "--huge-dir")) {
        arg = xasprintf("--huge-dir=%s", huge_dir);
        dpdk_argv_add(args, arg);
        free(arg);
    }
    if (!dpdk_argv_has(&user, "--in-memory")
        && !dpdk_argv_has(&user, "--file-prefix")) {
        dpdk_argv_add(args, "--in-memory");
    }
    if (!dpdk_argv_has(&user, "--telemetry")
        && !dpdk_argv_has(&user, "--no-telemetry")) {
        dpdk_argv_add(args, "--no-telemetry");
    }
    if (!pci_bound && !dpdk_argv_has(&user, "--no-pci")
        && !dpdk_argv_has(&user, "-a") && !dpdk_argv_has(&user, "--allow")
        && !dpdk_argv_has(&user, "-b") && !dpdk_argv_has(&user, "--block")) {
        dpdk_argv_add(args, "--no-pci");
    }
    for (int i = 0; i < user.argc; i++) {
        dpdk_argv_add(args, user.argv[i]);
    }
    dpdk_argv_destroy(&user);
    return 0;
}
