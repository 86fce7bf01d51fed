#include <config.h>
#include "vlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "timeval.h"

static struct vlog_module *modules;
static FILE *log_file;
static gid_t log_file_gid = (gid_t) -1;

static const char *const level_names[VLL_N_LEVELS] = {
    "off", "emer", "err", "warn", "info", "dbg",
};
static const char *const dest_names[VLF_N_DESTINATIONS] = {
    "console", "file",
};

const char *
vlog_level_name(enum vlog_level level)
{
    return level < VLL_N_LEVELS ? level_names[level] : "?";
}

void
vlog_register_module(struct vlog_module *m)
{
    if (!m->registered) {
        struct vlog_module **p = &modules;
        while (*p && strcmp((*p)->name, m->name) < 0) {
            p = &(*p)->next;
        }
        m->next = *p;
        *p = m;
        m->registered = true;
    }
}

bool
vlog_is_enabled(const struct vlog_module *m, enum vlog_level level)
{
    return level <= m->levels[VLF_CONSOLE]
           || (log_file && level <= m->levels[VLF_FILE]);
}

char *
vlog_escape(const char *s)
{
    struct dstr ds = DSTR_INITIALIZER;

    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p >= 0x20 && *p != 0x7f) {
            dstr_putc(&ds, *p);
        } else if (*p == '\n') {
            dstr_puts(&ds, "\\n");
        } else if (*p == '\r') {
            dstr_puts(&ds, "\\r");
        } else if (*p == '\t') {
            dstr_puts(&ds, "\\t");
        } else {
            dstr_printf(&ds, "\\x%02x", *p);
        }
    }
    return dstr_steal(&ds);
}

bool
vlog_should_drop(struct vlog_module *m, enum vlog_level level,
                 struct vlog_rate_limit *rl)
{
    long long now = time_msec();
    long long cap = (long long) rl->burst * rl->interval_ms;

    if (!rl->last_ms) {
        rl->credit_ms = cap;
    } else if (now > rl->last_ms) {
        rl->credit_ms = MIN(cap, rl->credit_ms + (now - rl->last_ms));
    }
    rl->last_ms = now;

    if (rl->credit_ms < rl->interval_ms) {
        if (!rl->n_suppressed++) {
            rl->first_suppressed_ms = now;
        }
        return true;
    }
    rl->credit_ms -= rl->interval_ms;

    if (rl->n_suppressed) {
        unsigned int n = rl->n_suppressed;
        long long secs = (now - rl->first_suppressed_ms + 999) / 1000;

        rl->n_suppressed = 0;
        vlog(m, level, "%u message%s like the next one suppressed in the "
             "last %lld second%s", n, n == 1 ? "" : "s", secs,
             secs == 1 ? "" : "s");
    }
    return false;
}

void
vlog(struct vlog_module *m, enum vlog_level level, const char *format, ...)
{
    char stamp[64];
    long long now = time_wall_msec();
    time_t secs = now / 1000;
    struct tm tm;
    va_list args;

    gmtime_r(&secs, &tm);
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%03dZ", (int) (now % 1000));

    va_start(args, format);
    char *raw = xvasprintf(format, args);
    va_end(args);
    char *msg = vlog_escape(raw);
    free(raw);

    const char *lname = level == VLL_EMER ? "EMER"
                        : level == VLL_ERR ? "ERR"
                        : level == VLL_WARN ? "WARN"
                        : level == VLL_INFO ? "INFO" : "DBG";
    int save_errno = errno;
    if (level <= m->levels[VLF_CONSOLE]) {
        fprintf(stderr, "%s|%s|%s|%s\n", stamp, m->name, lname, msg);
    }
    if (log_file && level <= m->levels[VLF_FILE]) {
        fprintf(log_file, "%s|%s|%s|%s\n", stamp, m->name, lname, msg);
        fflush(log_file);
    }
    errno = save_errno;
    free(msg);
}

int
vlog_set_log_file(const char *path)
{
    if (log_file) {
        fclose(log_file);
        log_file = NULL;
    }
    if (path) {
        /* Log lines quote configuration and clients' requests: the file is
         * for its owner and group only, even if it existed before. */
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                      0640);
        struct stat st;

        if (fd < 0) {
            return errno;
        }
        if (!fstat(fd, &st) && st.st_mode & 0007) {
            fchmod(fd, st.st_mode & 07770);
        }
        if (log_file_gid != (gid_t) -1
            && fchown(fd, (uid_t) -1, log_file_gid) < 0) {
            int error = errno;
            close(fd);
            return error;
        }
        log_file = fdopen(fd, "a");
        if (!log_file) {
            int error = errno;
            close(fd);
            return error;
        }
    }
    return 0;
}

void
vlog_set_log_file_group(gid_t gid)
{
    log_file_gid = gid;
}

static int
find_word(const char *word, const char *const names[], int n)
{
    for (int i = 0; i < n; i++) {
        if (!strcasecmp(word, names[i])) {
            return i;
        }
    }
    return -1;
}

char *
vlog_set_levels_from_string(const char *spec)
{
    char *copy = xstrdup(spec), *save = NULL, *word;
    struct vlog_module *module = NULL;
    int dest = -1;
    int level = VLL_DBG;
    char *error = NULL;

    for (word = strtok_r(copy, ":", &save); word;
         word = strtok_r(NULL, ":", &save)) {
        int x;
        if (!strcasecmp(word, "ANY")) {
            continue;
        } else if ((x = find_word(word, dest_names, VLF_N_DESTINATIONS))
                   >= 0) {
            dest = x;
        } else if ((x = find_word(word, level_names, VLL_N_LEVELS)) >= 0) {
            level = x;
        } else {
            struct vlog_module *m;
            for (m = modules; m; m = m->next) {
                if (!strcasecmp(m->name, word)) {
                    break;
                }
            }
            if (!m) {
                error = xasprintf("unknown module, destination or level "
                                  "\"%s\"", word);
                goto out;
            }
            module = m;
        }
    }
    for (struct vlog_module *m = modules; m; m = m->next) {
        if (!module || m == module) {
            for (int d = 0; d < VLF_N_DESTINATIONS; d++) {
                if (dest < 0 || d == dest) {
                    m->levels[d] = level;
                }
            }
        }
    }
out:
    free(copy);
    return error;
}

char *
vlog_list(void)
{
    struct dstr ds = DSTR_INITIALIZER;
    dstr_printf(&ds, "%-16s %-8s %-8s\n", "module", "console", "file");
    dstr_printf(&ds, "%-16s %-8s %-8s\n", "------", "-------", "----");
    for (struct vlog_module *m = modules; m; m = m->next) {
        dstr_printf(&ds, "%-16s %-8s %-8s\n", m->name,
                    level_names[m->levels[VLF_CONSOLE]],
                    level_names[m->levels[VLF_FILE]]);
    }
    return dstr_steal(&ds);
}
