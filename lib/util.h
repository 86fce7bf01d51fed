/*
 * util.h -- small helpers used everywhere: checked allocation, a growable
 * string buffer ("struct dstr"), and container_of.
 *
 * Allocation failure is not recoverable in a switch daemon, so the x*
 * allocators abort with a message instead of returning NULL.
 */
#ifndef UTIL_H
#define UTIL_H 1

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])
#define CONTAINER_OF(PTR, STRUCT, MEMBER) \
    ((STRUCT *) (void *) ((char *) (PTR) - offsetof(STRUCT, MEMBER)))
#define PRINTF_FORMAT(FMT, ARG1) __attribute__((format(printf, FMT, ARG1)))
#define NO_RETURN __attribute__((noreturn))
#ifndef MIN
#define MIN(A, B) ((A) < (B) ? (A) : (B))
#define MAX(A, B) ((A) > (B) ? (A) : (B))
#endif

/* Allocation. */
void *xmalloc(size_t);
void *xzalloc(size_t);
/* Zeroed memory aligned to a 64-byte cache line, for structures that
 * threads write concurrently; free() releases it. */
void *xzalloc_cacheline(size_t);
/* Zeroed memory for a large table that forwarding threads read at random
 * (a flow or MAC table), in 2 MiB-aligned memory the kernel is asked to
 * back with transparent huge pages, so that lookups do not walk page
 * tables; free_huge() with the same size releases it. */
void *xzalloc_huge(size_t);
void free_huge(void *, size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xmemdup(const void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *format, ...) PRINTF_FORMAT(1, 2);
char *xvasprintf(const char *format, va_list);

/* Program name, for messages ("vsctl: ..."). */
extern const char *program_name;
void set_program_name(const char *argv0);
void util_fatal(int err_no, const char *format, ...)
    PRINTF_FORMAT(2, 3) NO_RETURN;

/* Growable NUL-terminated string. */
struct dstr {
    char *s;            /* Always NUL-terminated when 'len' > 0 or 'cap'. */
    size_t len;
    size_t cap;
};
#define DSTR_INITIALIZER { NULL, 0, 0 }
void dstr_init(struct dstr *);
void dstr_destroy(struct dstr *);
void dstr_clear(struct dstr *);
void dstr_reserve(struct dstr *, size_t extra);
void dstr_put(struct dstr *, const void *, size_t);
void dstr_putc(struct dstr *, char);
void dstr_puts(struct dstr *, const char *);
void dstr_printf(struct dstr *, const char *format, ...) PRINTF_FORMAT(2, 3);
void dstr_vprintf(struct dstr *, const char *format, va_list);
const char *dstr_cstr(struct dstr *);     /* Never NULL. */
char *dstr_steal(struct dstr *);          /* Caller frees; 'ds' emptied. */
void dstr_chomp(struct dstr *, char c);   /* Removes one trailing 'c'. */
/* Appends the 'n' strings of 'strs' separated by ", ", each in double
 * quotes if 'quote' (for lists of valid choices in messages). */
void dstr_put_list(struct dstr *, const char *const *strs, size_t n,
                   bool quote);

/* Strings. */
bool str_has_prefix(const char *s, const char *prefix);
bool str_to_llong(const char *s, int base, long long *out);
bool str_to_double(const char *s, double *out);


#endif /* util.h */
