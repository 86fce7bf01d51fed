/*
 * test-vlog.c -- unit tests for logging: control characters from peers are
 * escaped so that one message is always one line, and rate-limited
 * messages keep to their token bucket and report what they suppressed.
 */
#include <config.h>
#include "tests.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(test_vlog);

struct fixture {
    char dir[64];
    char *path;                 /* dir + "/log". */
};

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);

    snprintf(f->dir, sizeof f->dir, "/tmp/test-vlog-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    f->path = xasprintf("%s/log", f->dir);
    char *error = vlog_set_levels_from_string("test_vlog:console:off");
    free(error);
    error = vlog_set_levels_from_string("test_vlog:file:dbg");
    free(error);
    *state = f;
    return vlog_set_log_file(f->path) ? -1 : 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    vlog_set_log_file(NULL);
    char *error = vlog_set_levels_from_string("test_vlog:console:warn");
    free(error);
    error = vlog_set_levels_from_string("test_vlog:file:info");
    free(error);
    unlink(f->path);
    rmdir(f->dir);
    free(f->path);
    free(f);
    return 0;
}

/* Returns the log file's contents (closing and reopening it, so that
 * everything written so far is there). */
static char *
read_log(const struct fixture *f)
{
    assert_int_equal(vlog_set_log_file(NULL), 0);
    FILE *file = fopen(f->path, "r");
    assert_non_null(file);
    struct dstr ds = DSTR_INITIALIZER;
    int c;
    while ((c = getc(file)) != EOF) {
        dstr_putc(&ds, c);
    }
    fclose(file);
    assert_int_equal(vlog_set_log_file(f->path), 0);
    return dstr_steal(&ds);
}

static size_t
count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

static void
test_escape(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "plain text", "plain text" },
        { "", "" },
        { "a\nb", "a\\nb" },
        { "\r\t", "\\r\\t" },
        { "bell\a esc\x1b[31m del\x7f", "bell\\x07 esc\\x1b[31m del\\x7f" },
        { "\x01\x1f ", "\\x01\\x1f " },
        { "caf\xc3\xa9 \\n", "caf\xc3\xa9 \\n" },
    };

    (void) state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *s = vlog_escape(cases[i].in);
        assert_string_equal(s, cases[i].out);
        free(s);
    }
}

/* A message cannot forge a second log line. */
static void
test_forged_line(void **state)
{
    struct fixture *f = *state;

    VLOG_INFO("transaction comment: %s",
              "x\n2026-01-01T00:00:00.000Z|vswitchd|ERR|FAKE\r\n");
    char *text = read_log(f);
    assert_int_equal(count_lines(text), 1);
    assert_non_null(strstr(text, "|test_vlog|INFO|transaction comment: "
                            "x\\n2026-01-01T00:00:00.000Z|vswitchd|ERR|"
                            "FAKE\\r\\n\n"));
    free(text);
}

static void
test_rate_limit(void **state)
{
    struct fixture *f = *state;
    /* A burst of 3, then one message per 100 ms. */
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(600, 3);

    for (int i = 0; i < 1000; i++) {
        VLOG_WARN_RL(&rl, "message %d", i);
    }
    char *text = read_log(f);
    assert_int_equal(count_lines(text), 3);
    assert_non_null(strstr(text, "message 0\n"));
    assert_non_null(strstr(text, "message 2\n"));
    assert_null(strstr(text, "message 3\n"));
    free(text);

    /* After one interval, one message passes, announced by the count of
     * those suppressed. */
    struct timespec ts = { 0, 150 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    VLOG_WARN_RL(&rl, "message %d", 1000);
    VLOG_WARN_RL(&rl, "message %d", 1001);
    text = read_log(f);
    assert_int_equal(count_lines(text), 5);
    assert_non_null(strstr(text, "|test_vlog|WARN|997 messages like the "
                            "next one suppressed in the last 1 second\n"));
    assert_non_null(strstr(text, "message 1000\n"));
    assert_null(strstr(text, "message 1001\n"));
    free(text);

    /* A disabled level neither logs nor spends tokens. */
    static struct vlog_rate_limit rl2 = VLOG_RATE_LIMIT_INIT(600, 1);
    char *error = vlog_set_levels_from_string("test_vlog:file:err");
    assert_null(error);
    VLOG_WARN_RL(&rl2, "hidden");
    error = vlog_set_levels_from_string("test_vlog:file:dbg");
    assert_null(error);
    VLOG_WARN_RL(&rl2, "shown");
    text = read_log(f);
    assert_null(strstr(text, "hidden"));
    assert_non_null(strstr(text, "shown"));
    free(text);
}

int
test_vlog_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test_setup_teardown(test_forged_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
    };
    return cmocka_run_group_tests_name("vlog", tests, NULL, NULL);
}
