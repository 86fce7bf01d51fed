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
 *
 * Text from peers.  Messages often quote what a client sent (a transaction
 * comment, a port name, a parse error), so every formatted message is
 * escaped before it is written: a new-line becomes the two characters
 * "\n", a carriage return "\r", a tab "\t", and every other byte below
 * 0x20 and 0x7f (DEL) "\xNN".  A peer thus cannot start a line of its own
 * that looks like the daemon's, nor send terminal escape sequences to an
 * operator's console.  Bytes from 0x80 up (UTF-8) are written as they are.
 *
 * Rate limits.  A message that a peer can trigger at will (a bad request,
 * a refused connection) must not let it fill the disk or drown the other
 * messages: log it with VLOG_WARN_RL(&rl, ...) and friends, where 'rl' is
 * a token bucket of its own, normally one per call site:
 *
 *     static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);
 *
 * allows bursts of 10 messages and 60 per minute on average.  Messages
 * over the limit are counted, not written; the next message that passes
 * is preceded by one line "N messages like the next one suppressed in the
 * last S seconds".
 */
#ifndef VLOG_H
#define VLOG_H 1

#include <stdbool.h>
#include <sys/types.h>
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

/* Registers 'MODULE' before main() runs (for the macros below). */
#define VLOG_REGISTER_AT_START__(MODULE)                                    \
    static void vlog_init_this_module(void) __attribute__((constructor));  \
    static void vlog_init_this_module(void)                                \
    {                                                                       \
        vlog_register_module(&(MODULE));                                    \
    }

#define VLOG_DEFINE_THIS_MODULE(NAME)                                       \
    static struct vlog_module vlog_this_module__ = {                        \
        #NAME, { VLL_WARN, VLL_INFO }, NULL, false };                      \
    VLOG_REGISTER_AT_START__(vlog_this_module__)                            \
    static struct vlog_module *const this_module __attribute__((unused))   \
        = &vlog_this_module__

/* A module whose code is spread over several files: one of them says
 * VLOG_DEFINE_SHARED_MODULE(NAME) and the others VLOG_USE_SHARED_MODULE(NAME)
 * where they would say VLOG_DEFINE_THIS_MODULE(NAME), so that the module is
 * listed once and one "vlog/set NAME:..." covers the messages of all of
 * them. */
#define VLOG_USE_SHARED_MODULE(NAME)                                        \
    extern struct vlog_module vlog_module_##NAME;                           \
    static struct vlog_module *const this_module __attribute__((unused))   \
        = &vlog_module_##NAME
#define VLOG_DEFINE_SHARED_MODULE(NAME)                                     \
    VLOG_USE_SHARED_MODULE(NAME);                                           \
    VLOG_REGISTER_AT_START__(vlog_module_##NAME)                            \
    struct vlog_module vlog_module_##NAME = {                               \
        #NAME, { VLL_WARN, VLL_INFO }, NULL, false }

void vlog(struct vlog_module *, enum vlog_level, const char *format, ...)
    PRINTF_FORMAT(3, 4);
bool vlog_is_enabled(const struct vlog_module *, enum vlog_level);

#define VLOG(LEVEL, ...)                                                    \
    do {                                                                    \
        if (vlog_is_enabled(this_module, LEVEL)) {                          \
            vlog(this_module, LEVEL, __VA_ARGS__);                          \
        }                                                                   \
    } while (0)
/* A token bucket for rate-limited messages; see the top of this file.
 * Initialize with VLOG_RATE_LIMIT_INIT.  Not thread-safe: use one bucket
 * per thread, or only from the main thread. */
struct vlog_rate_limit {
    unsigned int burst;         /* Messages allowed back to back. */
    unsigned int interval_ms;   /* One more message allowed per interval. */
    long long credit_ms;        /* Up to burst * interval_ms. */
    long long last_ms;          /* time_msec() of the last refill, or 0. */
    unsigned int n_suppressed;  /* Messages dropped since the last one. */
    long long first_suppressed_ms;
};

#define VLOG_RATE_LIMIT_INIT(PER_MINUTE, BURST)                             \
    { (BURST), 60000 / (PER_MINUTE), 0, 0, 0, 0 }

/* Returns true if a message at 'level' should be dropped by 'rl'.  When a
 * message passes after others were dropped, first logs how many. */
bool vlog_should_drop(struct vlog_module *, enum vlog_level,
                      struct vlog_rate_limit *);

#define VLOG_RL(RL, LEVEL, ...)                                             \
    do {                                                                    \
        if (vlog_is_enabled(this_module, LEVEL)                             \
            && !vlog_should_drop(this_module, LEVEL, RL)) {                 \
            vlog(this_module, LEVEL, __VA_ARGS__);                          \
        }                                                                   \
    } while (0)
#define VLOG_ERR_RL(RL, ...) VLOG_RL(RL, VLL_ERR, __VA_ARGS__)
#define VLOG_WARN_RL(RL, ...) VLOG_RL(RL, VLL_WARN, __VA_ARGS__)
#define VLOG_INFO_RL(RL, ...) VLOG_RL(RL, VLL_INFO, __VA_ARGS__)
#define VLOG_DBG_RL(RL, ...) VLOG_RL(RL, VLL_DBG, __VA_ARGS__)

#define VLOG_EMER(...) VLOG(VLL_EMER, __VA_ARGS__)
#define VLOG_ERR(...) VLOG(VLL_ERR, __VA_ARGS__)
#define VLOG_WARN(...) VLOG(VLL_WARN, __VA_ARGS__)
#define VLOG_INFO(...) VLOG(VLL_INFO, __VA_ARGS__)
#define VLOG_DBG(...) VLOG(VLL_DBG, __VA_ARGS__)

/* Returns a copy of 's' with control characters escaped as described at
 * the top of this file.  The caller frees it. */
char *vlog_escape(const char *s);

/* Opens (or reopens) the log file; NULL closes it.  A new file gets mode
 * 0640, an existing one loses any permissions for others, and either is
 * given to the group set by vlog_set_log_file_group(), if any.  Returns 0
 * or errno. */
int vlog_set_log_file(const char *path);
/* The group of the log file from the next vlog_set_log_file() on;
 * (gid_t) -1, the default, leaves it alone. */
void vlog_set_log_file_group(gid_t gid);
/* "[module|ANY][:console|file|ANY][:level]", e.g. "bridge:file:dbg",
 * "dbg", "console:off".  Returns NULL or a malloc'd error message. */
char *vlog_set_levels_from_string(const char *)
    __attribute__((warn_unused_result));
/* The table printed by "vlog/list". */
char *vlog_list(void);
const char *vlog_level_name(enum vlog_level);

#endif /* vlog.h */
