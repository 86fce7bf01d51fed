/*
 * vlog.h -- logging with per-module levels.
 *
 * Each .c file that logs declares its module once:
 *
 *     VLOG_DEFINE_THIS_MODULE(bridge);
 *
 * and then calls VLOG_ERR/WARN/INFO/DBG with printf-style arguments.
 * Levels are set per module and destination (console = stderr, file) by
 * vlog_set_levels_from_string() ("-v" options and "vsappctl vlog/set").
 * Messages are single lines: "2026-11-22T00:00:00.123Z|bridge|INFO|text".
 */
#ifndef VLOG_H
#define VLOG_H 1

#include <stdbool.h>
#include "util.h"

enum vlog_level {
    VLL_OFF,
    VLL_EMER,
    VLL_ERR,
    VLL_WARN,
    VLL_INFO,
    VLL_DBG,
    VLL_N_LEVELS
};

enum vlog_destination {
    VLF_CONSOLE,
    VLF_FILE,
    VLF_N_DESTINATIONS
};

struct vlog_module {
    const char *name;
    enum vlog_level levels[VLF_N_DESTINATIONS];
    struct vlog_module *next;
    bool registered;
};

void vlog_register_module(struct vlog_module *);

#define VLOG_DEFINE_THIS_MODULE(NAME)                                       \
    static struct vlog_module this_module = {                              \
        #NAME, { VLL_WARN, VLL_INFO }, NULL, false };                      \
    static void vlog_init_this_module(void) __attribute__((constructor));  \
    static void vlog_init_this_module(void)                                \
    {                                                                       \
        vlog_register_module(&this_module);                                 \
    }

void vlog(struct vlog_module *, enum vlog_level, const char *format, ...)
    PRINTF_FORMAT(3, 4);
bool vlog_is_enabled(const struct vlog_module *, enum vlog_level);

#define VLOG(LEVEL, ...)                                                    \
    do {                                                                    \
        if (vlog_is_enabled(&this_module, LEVEL)) {                         \
            vlog(&this_module, LEVEL, __VA_ARGS__);                         \
        }                                                                   \
    } while (0)
#define VLOG_EMER(...) VLOG(VLL_EMER, __VA_ARGS__)
#define VLOG_ERR(...) VLOG(VLL_ERR, __VA_ARGS__)
#define VLOG_WARN(...) VLOG(VLL_WARN, __VA_ARGS__)
#define VLOG_INFO(...) VLOG(VLL_INFO, __VA_ARGS__)
#define VLOG_DBG(...) VLOG(VLL_DBG, __VA_ARGS__)

/* Opens (or reopens) the log file; NULL closes it.  Returns 0 or errno. */
int vlog_set_log_file(const char *path);
/* "[module|ANY][:console|file|ANY][:level]", e.g. "bridge:file:dbg",
 * "dbg", "console:off".  Returns NULL or a malloc'd error message. */
char *vlog_set_levels_from_string(const char *)
    __attribute__((warn_unused_result));
/* The table printed by "vlog/list". */
char *vlog_list(void);
const char *vlog_level_name(enum vlog_level);

#endif /* vlog.h */
