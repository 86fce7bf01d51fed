#include <config.h>
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

const char *program_name = "vswitch";

static void NO_RETURN
out_of_memory(void)
{
    fprintf(stderr, "%s: out of memory\n", program_name);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
xzalloc(size_t n)
{
    return xcalloc(1, n);
}

void *
xzalloc_cacheline(size_t n)
{
    void *p;

    if (posix_memalign(&p, 64, n ? n : 1)) {
        out_of_memory();
    }
    memset(p, 0, n);
    return p;
}

#define HUGE_ALIGN ((size_t) 2 << 20)

static size_t
huge_size(size_t n)
{
    return n < HUGE_ALIGN ? (n ? n : 1)
                          : (n + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1);
}

void *
xzalloc_huge(size_t n)
{
    size_t size = huge_size(n);
    uint8_t *map, *p;
    size_t head;

    if (size < HUGE_ALIGN) {
        return xzalloc_cacheline(size);
    }
    /* Map one huge page more than asked, then trim to an aligned range:
     * only aligned 2 MiB ranges can be huge pages. */
    map = mmap(NULL, size + HUGE_ALIGN, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        out_of_memory();
    }
    p = (uint8_t *) (((uintptr_t) map + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1));
    head = p - map;
    if (head) {
        munmap(map, head);
    }
    munmap(p + size, HUGE_ALIGN - head);
#ifdef MADV_HUGEPAGE
    /* A hint: without transparent huge pages this is ordinary memory. */
    (void) madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

void
free_huge(void *p, size_t n)
{
    size_t size = huge_size(n);

    if (!p) {
        return;
    } else if (size < HUGE_ALIGN) {
        free(p);
    } else {
        munmap(p, size);
    }
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
xmemdup(const void *p, size_t n)
{
    void *q = xmalloc(n);
    memcpy(q, p, n);
    return q;
}

char *
xstrdup(const char *s)
{
    return xmemdup(s, strlen(s) + 1);
}

char *
xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *q = xmalloc(len + 1);
    memcpy(q, s, len);
    q[len] = '\0';
    return q;
}

char *
xvasprintf(const char *format, va_list args)
{
    va_list args2;
    va_copy(args2, args);
    int n = vsnprintf(NULL, 0, format, args);
    char *s = xmalloc(n + 1);
    vsnprintf(s, n + 1, format, args2);
    va_end(args2);
    return s;
}

char *
xasprintf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *s = xvasprintf(format, args);
    va_end(args);
    return s;
}

void
set_program_name(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    program_name = slash ? slash + 1 : argv0;
}

void
util_fatal(int err_no, const char *format, ...)
{
    va_list args;
    fprintf(stderr, "%s: ", program_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    if (err_no) {
        fprintf(stderr, " (%s)", strerror(err_no));
    }
    fputc('\n', stderr);
    exit(EXIT_FAILURE);
}

void
dstr_init(struct dstr *ds)
{
    ds->s = NULL;
    ds->len = ds->cap = 0;
}

void
dstr_destroy(struct dstr *ds)
{
    free(ds->s);
    dstr_init(ds);
}

void
dstr_clear(struct dstr *ds)
{
    ds->len = 0;
    if (ds->s) {
        ds->s[0] = '\0';
    }
}

void
dstr_reserve(struct dstr *ds, size_t extra)
{
    if (ds->len + extra + 1 > ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 64;
        while (cap < ds->len + extra + 1) {
            cap *= 2;
        }
        ds->s = xrealloc(ds->s, cap);
        ds->cap = cap;
    }
}

void
dstr_put(struct dstr *ds, const void *p, size_t n)
{
    dstr_reserve(ds, n);
    memcpy(ds->s + ds->len, p, n);
    ds->len += n;
    ds->s[ds->len] = '\0';
}

void
dstr_putc(struct dstr *ds, char c)
{
    dstr_put(ds, &c, 1);
}

void
dstr_puts(struct dstr *ds, const char *s)
{
    dstr_put(ds, s, strlen(s));
}

void
dstr_vprintf(struct dstr *ds, const char *format, va_list args)
{
    va_list args2;
    va_copy(args2, args);
    int n = vsnprintf(NULL, 0, format, args);
    dstr_reserve(ds, n);
    vsnprintf(ds->s + ds->len, n + 1, format, args2);
    ds->len += n;
    va_end(args2);
}

void
dstr_printf(struct dstr *ds, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    dstr_vprintf(ds, format, args);
    va_end(args);
}

const char *
dstr_cstr(struct dstr *ds)
{
    if (!ds->s) {
        dstr_reserve(ds, 0);
        ds->s[0] = '\0';
    }
    return ds->s;
}

char *
dstr_steal(struct dstr *ds)
{
    dstr_cstr(ds);
    char *s = ds->s;
    dstr_init(ds);
    return s;
}

void
dstr_put_list(struct dstr *ds, const char *const *strs, size_t n,
              bool quote)
{
    for (size_t i = 0; i < n; i++) {
        dstr_printf(ds, quote ? "%s\"%s\"" : "%s%s", i ? ", " : "", strs[i]);
    }
}

void
dstr_chomp(struct dstr *ds, char c)
{
    if (ds->len > 0 && ds->s[ds->len - 1] == c) {
        ds->s[--ds->len] = '\0';
    }
}

bool
str_has_prefix(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

bool
str_to_llong(const char *s, int base, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, base);
    if (errno || end == s || *end != '\0') {
        return false;
    }
    *out = v;
    return true;
}

bool
str_to_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0') {
        return false;
    }
    *out = v;
    return true;
}
