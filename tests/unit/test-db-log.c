/*
 * test-db-log.c -- unit tests for the on-disk database journal.
 *
 * Every test works in its own mkdtemp() directory, removed afterwards.  The
 * tests create, append and reopen journals; damage files by hand (truncation
 * at every byte of the last record, flipped bytes, bad magic, hand-written
 * records with known CRCs) and check what survives and what is left on
 * disk; check the lock from the same process and from a forked child; and
 * check compaction and the compaction policy.
 */
#include <config.h>
#include "tests.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "db-log.h"
#include "util.h"
#include "vlog.h"

#define MAGIC "VSWITCH-DB 1\n"
#define EMPTY_SNAPSHOT "REC 2 a3a6bf43\n{}\n"

struct fixture {
    char dir[64];
    char *path;                 /* dir + "/conf.db". */
};

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);

    snprintf(f->dir, sizeof f->dir, "/tmp/test-db-log-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    f->path = xasprintf("%s/conf.db", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    DIR *d = opendir(f->dir);

    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                char *name = xasprintf("%s/%s", f->dir, de->d_name);
                unlink(name);
                free(name);
            }
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f->path);
    free(f);
    return 0;
}

/* Helpers. */

static off_t
file_size(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        return -1;
    }
    return st.st_size;
}

static mode_t
file_mode(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static gid_t
file_gid(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_gid;
}

static bool
file_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

static char *
read_whole(const char *path, size_t *lenp)
{
    off_t size = file_size(path);
    assert_true(size >= 0);

    char *buf = xmalloc(size + 1);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, buf, size), size);
    close(fd);
    buf[size] = '\0';
    *lenp = size;
    return buf;
}

static void
write_whole(const char *path, const char *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t) len);
    close(fd);
}

static void
free_records(json_t **records, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(records[i]);
    }
    free(records);
}

/* Opens 'path', asserting success, and returns the journal. */
static struct db_log *
open_ok(const char *path, unsigned int flags, json_t ***records,
        size_t *n)
{
    struct db_log *log;
    char *error;

    int retval = db_log_open(path, flags, &log, records, n, &error);
    if (retval) {
        print_error("db_log_open: %s\n", error ? error : "(no message)");
    }
    assert_int_equal(retval, 0);
    assert_null(error);
    assert_non_null(log);
    assert_non_null(*records);
    return log;
}

/* Opens 'path' expecting failure with 'expected'; returns the message. */
static char *
open_fails(const char *path, unsigned int flags, int expected)
{
    struct db_log *log = (struct db_log *) 1;
    json_t **records = (json_t **) 1;
    size_t n = 99;
    char *error = NULL;

    assert_int_equal(db_log_open(path, flags, &log, &records, &n, &error),
                     expected);
    assert_null(log);
    assert_null(records);
    assert_int_equal(n, 0);
    assert_non_null(error);
    return error;
}

/* Runs db_log_open() in a forked child and returns its result. */
static int
open_in_child(const char *path)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (!pid) {
        struct db_log *log;
        json_t **records;
        size_t n;
        char *error;
        int retval = db_log_open(path, 0, &log, &records, &n, &error);
        _exit(retval > 255 ? 255 : retval);
    }

    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Returns the number of "conf.db.damaged-*" copies in 'f->dir' and, if
 * 'pathp' is nonnull, the full name of one of them (or NULL). */
static size_t
count_copies(const struct fixture *f, char **pathp)
{
    DIR *d = opendir(f->dir);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    if (pathp) {
        *pathp = NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (!strncmp(de->d_name, "conf.db.damaged-", 16)) {
            n++;
            if (pathp) {
                free(*pathp);
                *pathp = xasprintf("%s/%s", f->dir, de->d_name);
            }
        }
    }
    closedir(d);
    return n;
}

/* Asserts that 'f' holds exactly one damaged copy and that it holds the
 * 'len' bytes of 'content'; removes it. */
static void
check_one_copy(const struct fixture *f, const char *content, size_t len)
{
    char *path;
    size_t copy_len;

    assert_int_equal(count_copies(f, &path), 1);
    char *copy = read_whole(path, &copy_len);
    assert_int_equal(copy_len, len);
    assert_memory_equal(copy, content, len);
    free(copy);
    assert_int_equal(unlink(path), 0);
    free(path);
}

static json_t *
sample_record(int i)
{
    return json_pack("{s:i, s:s, s:[i,b,n]}", "seq", i,
                     "text", "line one\nline \"two\" \xc3\xa9", "list", i * 7,
                     i % 2, NULL);
}

/* Tests. */

static void
test_create_append_reopen(void **state)
{
    struct fixture *f = *state;
    json_t **records;
    size_t n;

    /* Without 'create' a missing database is an error, and nothing is
     * created. */
    free(open_fails(f->path, 0, ENOENT));
    assert_false(file_exists(f->path));

    /* A new database holds exactly the empty snapshot, and only its owner
     * and group may read it. */
    struct db_log *log = open_ok(f->path, DB_LOG_CREATE, &records, &n);
    assert_int_equal(file_mode(f->path), 0640);
    assert_int_equal(n, 1);
    assert_true(json_is_object(records[0]));
    assert_int_equal(json_object_size(records[0]), 0);
    free_records(records, n);

    size_t len;
    char *content = read_whole(f->path, &len);
    assert_string_equal(content, MAGIC EMPTY_SNAPSHOT);
    free(content);
    assert_int_equal(db_log_n_records(log), 0);
    assert_int_equal(db_log_size(log), len);
    assert_int_equal(db_log_snapshot_size(log), len);

    for (int i = 0; i < 3; i++) {
        json_t *r = sample_record(i);
        assert_int_equal(db_log_append(log, r), 0);
        json_decref(r);
        assert_int_equal(db_log_n_records(log), i + 1);
        assert_int_equal(db_log_size(log), file_size(f->path));
    }
    /* Any JSON value can be a record. */
    json_t *s = json_string("just a string");
    assert_int_equal(db_log_append(log, s), 0);
    off_t size = db_log_size(log);
    db_log_close(log);

    log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(n, 5);
    for (int i = 0; i < 3; i++) {
        json_t *r = sample_record(i);
        assert_true(json_equal(records[i + 1], r));
        json_decref(r);
    }
    assert_true(json_equal(records[4], s));
    json_decref(s);
    db_log_close(log);
    free_records(records, n);

    /* A file from before, readable by everyone, is no longer. */
    assert_int_equal(chmod(f->path, 0664), 0);
    log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(file_mode(f->path), 0660);
    assert_int_equal(db_log_n_records(log), 4);
    assert_int_equal(db_log_size(log), size);
    assert_int_equal(db_log_snapshot_size(log), strlen(MAGIC EMPTY_SNAPSHOT));
    assert_int_equal(file_size(f->path), size);
    free_records(records, n);
    db_log_close(log);
}

static void
test_crc_known_values(void **state)
{
    struct fixture *f = *state;
    json_t **records;
    size_t n;

    /* 0xcbf43926 is the standard CRC-32 check value of "123456789", which
     * is also a valid JSON number. */
    const char good[] = MAGIC EMPTY_SNAPSHOT "REC 9 cbf43926\n123456789\n";
    write_whole(f->path, good, strlen(good));
    struct db_log *log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(n, 2);
    assert_true(json_is_integer(records[1]));
    assert_int_equal(json_integer_value(records[1]), 123456789);
    assert_int_equal(file_size(f->path), strlen(good));
    free_records(records, n);
    db_log_close(log);

    /* One bit off in the checksum, and the record is dropped. */
    const char bad[] = MAGIC EMPTY_SNAPSHOT "REC 9 cbf43927\n123456789\n";
    write_whole(f->path, bad, strlen(bad));
    log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(n, 1);
    assert_int_equal(file_size(f->path), strlen(MAGIC EMPTY_SNAPSHOT));
    free_records(records, n);
    db_log_close(log);
}

static void
test_torn_tail(void **state)
{
    struct fixture *f = *state;
    json_t **records;
    size_t n;

    struct db_log *log = open_ok(f->path, DB_LOG_CREATE, &records, &n);
    free_records(records, n);
    for (int i = 0; i < 2; i++) {
        json_t *r = sample_record(i);
        assert_int_equal(db_log_append(log, r), 0);
        json_decref(r);
    }
    off_t good_len = db_log_size(log);
    json_t *last = sample_record(2);
    assert_int_equal(db_log_append(log, last), 0);
    off_t full_len = db_log_size(log);
    db_log_close(log);

    size_t len;
    char *content = read_whole(f->path, &len);
    assert_int_equal(len, full_len);

    /* The error names the file, the byte count, the offset, the reason
     * and the copy of the damaged file, which holds it exactly. */
    char *log_file = xasprintf("%s/vlog.txt", f->dir);
    assert_int_equal(vlog_set_log_file(log_file), 0);
    char *msg = vlog_set_levels_from_string("db_log:console:off");
    assert_null(msg);
    write_whole(f->path, content, full_len - 10);
    log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(n, 3);
    free_records(records, n);
    db_log_close(log);
    assert_int_equal(vlog_set_log_file(NULL), 0);
    size_t vlog_len;
    char *vlog_text = read_whole(log_file, &vlog_len);
    char *copy;
    assert_int_equal(count_copies(f, &copy), 1);
    char *expected = xasprintf("%s: dropped %lld bytes of torn tail at "
                               "offset %lld: short data; the file before "
                               "the repair is kept as %s", f->path,
                               (long long) (full_len - 10 - good_len),
                               (long long) good_len, copy);
    if (!strstr(vlog_text, expected)) {
        print_error("log file lacks \"%s\":\n%s\n", expected, vlog_text);
    }
    assert_non_null(strstr(vlog_text, expected));
    assert_non_null(strstr(vlog_text, "|db_log|ERR|"));
    free(copy);
    check_one_copy(f, content, full_len - 10);
    assert_int_equal(unlink(log_file), 0);
    free(expected);
    free(vlog_text);
    free(log_file);

    for (off_t cut = good_len + 1; cut < full_len; cut++) {
        write_whole(f->path, content, cut);

        log = open_ok(f->path, 0, &records, &n);
        assert_int_equal(n, 3);
        check_one_copy(f, content, cut);
        for (int i = 0; i < 2; i++) {
            json_t *r = sample_record(i);
            assert_true(json_equal(records[i + 1], r));
            json_decref(r);
        }
        free_records(records, n);
        assert_int_equal(file_size(f->path), good_len);
        assert_int_equal(db_log_size(log), good_len);
        assert_int_equal(db_log_n_records(log), 2);

        /* Appending after the repair works and survives a reopen. */
        assert_int_equal(db_log_append(log, last), 0);
        db_log_close(log);
        log = open_ok(f->path, 0, &records, &n);
        assert_int_equal(n, 4);
        assert_true(json_equal(records[3], last));
        assert_int_equal(file_size(f->path), full_len);
        free_records(records, n);
        db_log_close(log);
    }

    msg = vlog_set_levels_from_string("db_log:console:warn");
    assert_null(msg);
    json_decref(last);
    free(content);
}

static void
test_flipped_byte(void **state)
{
    struct fixture *f = *state;
    json_t **records;
    size_t n;

    struct db_log *log = open_ok(f->path, DB_LOG_CREATE, &records, &n);
    free_records(records, n);
    json_t *r0 = sample_record(0);
    assert_int_equal(db_log_append(log, r0), 0);
    off_t good_len = db_log_size(log);
    for (int i = 1; i < 3; i++) {
        json_t *r = sample_record(i);
        assert_int_equal(db_log_append(log, r), 0);
        json_decref(r);
    }
    db_log_close(log);

    /* Change one digit inside the second appended record's JSON, so it
     * still parses but fails its CRC.  A good record follows: this is no
     * torn tail, so the open is refused and the file left alone. */
    size_t len;
    char *content = read_whole(f->path, &len);
    char *data = strchr(content + good_len, '\n') + 1;
    char *digit = strstr(data, "\"seq\":1");
    assert_non_null(digit);
    digit[6] = '8';
    write_whole(f->path, content, len);

    char *error = open_fails(f->path, 0, EBADMSG);
    char *expected = xasprintf("%s: damaged record at offset %lld (CRC "
                               "mismatch) is followed by 1 intact record",
                               f->path, (long long) good_len);
    if (!strstr(error, expected)) {
        print_error("\"%s\" lacks \"%s\"\n", error, expected);
    }
    assert_non_null(strstr(error, expected));
    free(expected);
    free(error);
    free(open_fails(f->path, DB_LOG_CREATE, EBADMSG));
    size_t len2;
    char *after = read_whole(f->path, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(after, content, len);
    free(after);
    assert_int_equal(count_copies(f, NULL), 0);

    /* Recovery keeps a copy, cuts at the damage and says what was lost. */
    char *log_file = xasprintf("%s/vlog.txt", f->dir);
    assert_int_equal(vlog_set_log_file(log_file), 0);
    char *msg = vlog_set_levels_from_string("db_log:console:off");
    assert_null(msg);
    log = open_ok(f->path, DB_LOG_RECOVER, &records, &n);
    assert_int_equal(vlog_set_log_file(NULL), 0);
    msg = vlog_set_levels_from_string("db_log:console:warn");
    assert_null(msg);
    assert_int_equal(n, 2);
    assert_true(json_equal(records[1], r0));
    assert_int_equal(file_size(f->path), good_len);
    free_records(records, n);
    db_log_close(log);
    size_t vlog_len;
    char *vlog_text = read_whole(log_file, &vlog_len);
    expected = xasprintf("%s: recovery: dropped %lld bytes at offset %lld: "
                         "a damaged record (CRC mismatch) and 1 intact "
                         "record after it; the file before the repair is "
                         "kept as %s/conf.db.damaged-", f->path,
                         (long long) (len - good_len), (long long) good_len,
                         f->dir);
    if (!strstr(vlog_text, expected)) {
        print_error("log file lacks \"%s\":\n%s\n", expected, vlog_text);
    }
    assert_non_null(strstr(vlog_text, expected));
    free(expected);
    free(vlog_text);
    unlink(log_file);
    free(log_file);
    check_one_copy(f, content, len);
    free(content);

    /* Once repaired, the journal opens normally. */
    log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(n, 2);
    free_records(records, n);
    db_log_close(log);
    assert_int_equal(count_copies(f, NULL), 0);
    json_decref(r0);
}

/* Damage in many places before many intact records: a flipped byte in
 * every position of a middle record's header and data is refused, never
 * mistaken for a torn tail. */
static void
test_damage_scan(void **state)
{
    struct fixture *f = *state;
    json_t **records;
    size_t n;

    struct db_log *log = open_ok(f->path, DB_LOG_CREATE, &records, &n);
    free_records(records, n);
    for (int i = 0; i < 10; i++) {
        json_t *r = sample_record(i);
        assert_int_equal(db_log_append(log, r), 0);
        json_decref(r);
    }
    db_log_close(log);

    size_t len;
    char *content = read_whole(f->path, &len);
    /* The fourth appended record, up to (not including) the fifth. */
    char *start = content;
    for (int i = 0; i < 5; i++) {
        start = strstr(start + 1, "\nREC ");
    }
    start++;
    char *end = strstr(start, "\nREC ") + 1;

    for (char *p = start; p < end; p++) {
        char saved = *p;
        *p ^= 0x01;
        write_whole(f->path, content, len);
        *p = saved;

        json_t **r2 = (json_t **) 1;
        struct db_log *l2 = NULL;
        char *error = NULL;
        int retval = db_log_open(f->path, 0, &l2, &r2, &n, &error);
        if (retval != EBADMSG) {
            print_error("flipping byte %td of the record: %d (%s)\n",
                        p - start, retval, error ? error : "no error");
            if (l2) {
                free_records(r2, n);
                db_log_close(l2);
            }
        }
        assert_int_equal(retval, EBADMSG);
        /* The damage is in the fifth record or its header; every record
         * after it (records 5 to 10 of the file) is still intact, except
         * when the flip broke the previous record's terminator. */
        assert_non_null(strstr(error, "intact record"));
        free(error);
        assert_int_equal(file_size(f->path), len);
    }
    assert_int_equal(count_copies(f, NULL), 0);
    free(content);
}

static void
test_bad_records(void **state)
{
    struct fixture *f = *state;
    static const char *const tails[] = {
        "REC 3 352441c2\nabc\n",        /* Good CRC, not JSON. */
        "REC 2 a3a6bf43\n{}X",          /* No terminating new-line. */
        "REC x a3a6bf43\n{}\n",         /* Bad length. */
        "REC -2 a3a6bf43\n{}\n",        /* Bad length. */
        "REC 2 a3a6bf4\n{}\n",          /* Short CRC. */
        "RECORD 2 a3a6bf43\n{}\n",      /* Bad keyword. */
        "REC 2 a3a6bf43",               /* Header without new-line. */
        "\n",                           /* Empty line. */
    };
    json_t **records;
    size_t n;

    char *msg = vlog_set_levels_from_string("db_log:console:off");
    assert_null(msg);
    for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
        char *s = xasprintf(MAGIC EMPTY_SNAPSHOT "%s", tails[i]);
        write_whole(f->path, s, strlen(s));

        struct db_log *log = open_ok(f->path, 0, &records, &n);
        assert_int_equal(n, 1);
        assert_int_equal(file_size(f->path), strlen(MAGIC EMPTY_SNAPSHOT));
        free_records(records, n);
        db_log_close(log);
        check_one_copy(f, s, strlen(s));
        free(s);
    }
    msg = vlog_set_levels_from_string("db_log:console:warn");
    assert_null(msg);
}

static void
test_bad_magic(void **state)
{
    struct fixture *f = *state;
    static const char *const files[] = {
        "VSWITCH-DB 2\n" EMPTY_SNAPSHOT,
        "{\"not\": \"a database\"}\n",
        "VSWITCH-DB",
        "",
    };

    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        write_whole(f->path, files[i], strlen(files[i]));
        char *error = open_fails(f->path, 0, EINVAL);
        assert_non_null(strstr(error, "magic"));
        free(error);
        error = open_fails(f->path, DB_LOG_CREATE, EINVAL);
        free(error);

        /* The file is left alone. */
        size_t len;
        char *content = read_whole(f->path, &len);
        assert_int_equal(len, strlen(files[i]));
        assert_memory_equal(content, files[i], len);
        free(content);
    }
}

static void
test_corrupt_snapshot(void **state)
{
    struct fixture *f = *state;
    static const char *const files[] = {
        MAGIC "REC 2 a3a6bf44\n{}\n",               /* CRC mismatch. */
        MAGIC "REC 2 a3a6bf43\n{",                  /* Torn snapshot. */
        MAGIC "REC 3 352441c2\nabc\n" EMPTY_SNAPSHOT,
        MAGIC,                                      /* No snapshot. */
    };

    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        write_whole(f->path, files[i], strlen(files[i]));
        char *error = open_fails(f->path, DB_LOG_CREATE, EINVAL);
        assert_non_null(strstr(error, "snapshot"));
        free(error);

        /* Nothing was truncated. */
        assert_int_equal(file_size(f->path), strlen(files[i]));
    }
}

static void
test_lock(void **state)
{
    struct fixture *f = *state;
    json_t **records;
    size_t n;

    struct db_log *log = open_ok(f->path, DB_LOG_CREATE, &records, &n);
    free_records(records, n);

    /* Same process, second open. */
    char *error = open_fails(f->path, 0, EALREADY);
    free(error);
    error = open_fails(f->path, DB_LOG_CREATE, EALREADY);
    free(error);

    /* Another process. */
    assert_int_equal(open_in_child(f->path), EALREADY);

    /* The failed opens did not disturb the holder. */
    json_t *r = sample_record(1);
    assert_int_equal(db_log_append(log, r), 0);

    /* Closing releases the lock. */
    db_log_close(log);
    assert_int_equal(open_in_child(f->path), 0);
    log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(n, 2);
    assert_true(json_equal(records[1], r));
    free_records(records, n);
    db_log_close(log);
    json_decref(r);
}

static void
test_compact(void **state)
{
    struct fixture *f = *state;
    char *tmp_path = xasprintf("%s.tmp", f->path);
    json_t **records;
    size_t n;

    struct db_log *log = open_ok(f->path, DB_LOG_CREATE, &records, &n);
    free_records(records, n);
    for (int i = 0; i < 5; i++) {
        json_t *r = sample_record(i);
        assert_int_equal(db_log_append(log, r), 0);
        json_decref(r);
    }
    off_t before = db_log_size(log);

    /* Compaction keeps the file's mode and group. */
    assert_int_equal(chmod(f->path, 0600), 0);
    gid_t gid = getuid() ? getgid() : 2;
    assert_int_equal(db_log_set_group(log, gid), 0);

    json_t *snap = json_pack("{s:{s:i}, s:s}", "Bridge", "br0", 1,
                             "version", "1.0");
    assert_int_equal(db_log_compact(log, snap), 0);
    assert_int_equal(file_mode(f->path), 0600);
    assert_int_equal(file_gid(f->path), gid);
    assert_int_equal(db_log_n_records(log), 0);
    assert_int_equal(db_log_size(log), file_size(f->path));
    assert_int_equal(db_log_snapshot_size(log), db_log_size(log));
    assert_true(db_log_size(log) < before);
    assert_false(file_exists(tmp_path));

    /* The lock is still held, for this process and for others. */
    free(open_fails(f->path, 0, EALREADY));
    assert_int_equal(open_in_child(f->path), EALREADY);

    /* Appends go to the new file. */
    json_t *r = sample_record(42);
    assert_int_equal(db_log_append(log, r), 0);
    assert_int_equal(db_log_n_records(log), 1);
    assert_int_equal(db_log_size(log), file_size(f->path));
    db_log_close(log);

    log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(n, 2);
    assert_true(json_equal(records[0], snap));
    assert_true(json_equal(records[1], r));
    free_records(records, n);
    db_log_close(log);

    /* A stale temporary file from a crashed compaction is removed on open
     * and does not affect the contents. */
    write_whole(tmp_path, "garbage", 7);
    log = open_ok(f->path, 0, &records, &n);
    assert_int_equal(n, 2);
    assert_false(file_exists(tmp_path));
    free_records(records, n);
    db_log_close(log);

    json_decref(r);
    json_decref(snap);
    free(tmp_path);
}

static void
append_n(struct db_log *log, int count, const json_t *record)
{
    for (int i = 0; i < count; i++) {
        assert_int_equal(db_log_append(log, record), 0);
    }
}

static void
test_should_compact(void **state)
{
    struct fixture *f = *state;
    json_t **records;
    size_t n;

    /* Small snapshot, small records: the record count decides. */
    struct db_log *log = open_ok(f->path, DB_LOG_CREATE, &records, &n);
    free_records(records, n);
    json_t *small = json_pack("{s:i}", "x", 1);
    append_n(log, 100, small);
    assert_int_equal(db_log_n_records(log), 100);
    assert_false(db_log_should_compact(log));
    append_n(log, 1, small);
    assert_true(db_log_should_compact(log));

    /* After compaction to a large snapshot, 101 small records are not
     * enough to make the file 4 times larger. */
    char *big = xmalloc(20001);
    memset(big, 'a', 20000);
    big[20000] = '\0';
    json_t *snap = json_pack("{s:s}", "big", big);
    assert_int_equal(db_log_compact(log, snap), 0);
    assert_false(db_log_should_compact(log));
    append_n(log, 101, small);
    assert_int_equal(db_log_n_records(log), 101);
    assert_true(db_log_size(log) < 4 * db_log_snapshot_size(log));
    assert_false(db_log_should_compact(log));
    json_decref(snap);
    free(big);

    /* An 8 MiB snapshot with more than 16 MiB appended after it: under
     * 4 times the snapshot, but too much appended data. */
    size_t big_len = 8 * 1024 * 1024;
    big = xmalloc(big_len + 1);
    memset(big, 'b', big_len);
    big[big_len] = '\0';
    snap = json_pack("{s:s}", "big", big);
    assert_int_equal(db_log_compact(log, snap), 0);
    json_decref(snap);
    big[170 * 1024] = '\0';
    json_t *medium = json_pack("{s:s}", "m", big);
    free(big);
    append_n(log, 100, medium);
    assert_false(db_log_should_compact(log));
    append_n(log, 1, medium);
    assert_true(db_log_size(log) - db_log_snapshot_size(log)
                > 16 * 1024 * 1024);
    assert_true(db_log_size(log) < 4 * db_log_snapshot_size(log));
    assert_true(db_log_should_compact(log));
    json_decref(medium);

    json_decref(small);
    db_log_close(log);
}

int
test_db_log_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_append_reopen,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_crc_known_values,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damage_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_magic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_snapshot,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_should_compact,
                                        setup, teardown),
    };

    return cmocka_run_group_tests_name("db-log", tests, NULL, NULL);
}
