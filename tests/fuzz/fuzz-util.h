/*
 * fuzz-util.h -- what the libFuzzer targets in tests/fuzz/ share.
 *
 * Each target is one small fuzz-NAME.c whose LLVMFuzzerTestOneInput()
 * feeds one input to one part of vswitch.  The helpers here set up what
 * several of them need once per process (quiet logs, the built-in schema,
 * a private temporary directory) and one check that every database target
 * applies: a replica database receives every committed change set exactly
 * as the journal would record it, and must end up equal to the original.
 * A change set that cannot be replayed is a database that would not load
 * after a restart; the targets abort on it, so libFuzzer reports it.
 *
 * Everything is static: each target includes this header once.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H 1

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db.h"
#include "util.h"
#include "vlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Silences logging (the targets would otherwise spend their time printing
 * warnings about the bad input they are given), unless FUZZ_VERBOSE is
 * set in the environment. */
static inline void
fuzz_quiet_logs(void)
{
    if (!getenv("FUZZ_VERBOSE")) {
        free(vlog_set_levels_from_string("off"));
    }
}

/* Aborts with 'msg', so that libFuzzer saves the input and prints the
 * stack: the targets call it when an invariant (not a sanitizer) fails. */
static inline void
fuzz_fail(const char *msg, const char *detail)
{
    fprintf(stderr, "fuzz: %s%s%s\n", msg, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

/* The built-in Open_vSwitch schema (vswitchd/vswitch.ovsschema), parsed
 * once per process. */
extern const char vswitch_schema_json[];

static inline const struct db_schema *
fuzz_vswitch_schema(void)
{
    static struct db_schema *schema;

    if (!schema) {
        json_error_t jerr;
        json_t *j = json_loads(vswitch_schema_json, 0, &jerr);
        if (!j) {
            fuzz_fail("built-in schema does not parse", jerr.text);
        }
        char *error = db_schema_from_json(j, &schema);
        json_decref(j);
        if (error) {
            fuzz_fail("built-in schema refused", error);
        }
    }
    return schema;
}

/* A private directory for files, removed when the process exits.  On
 * /dev/shm when it exists, so that fsync() costs nothing. */
static char fuzz_tmpdir_path[64];

static inline void
fuzz_tmpdir_remove(void)
{
    char *cmd = xasprintf("rm -rf '%s'", fuzz_tmpdir_path);
    if (system(cmd)) {
        /* Nothing to do: a leftover directory is harmless. */
    }
    free(cmd);
}

static inline const char *
fuzz_tmpdir(void)
{
    if (!fuzz_tmpdir_path[0]) {
        const char *base = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
        snprintf(fuzz_tmpdir_path, sizeof fuzz_tmpdir_path,
                 "%s/vswitch-fuzz.XXXXXX", base);
        if (!mkdtemp(fuzz_tmpdir_path)) {
            fuzz_fail("cannot create a temporary directory", base);
        }
        atexit(fuzz_tmpdir_remove);
    }
    return fuzz_tmpdir_path;
}

/* A database and its replica (see the header comment). */
struct fuzz_db {
    struct db *db;
    struct db *replica;
};

static inline int
fuzz_replicate(void *fdb_, const json_t *changes)
{
    struct fuzz_db *fdb = fdb_;
    char *error = db_apply_json(fdb->replica, changes);

    if (error) {
        char *s = json_dumps(changes, JSON_COMPACT);
        fprintf(stderr, "fuzz: change set %s\n", s ? s : "(unprintable)");
        free(s);
        fuzz_fail("a committed change set does not replay", error);
    }
    return 0;
}

static inline void
fuzz_db_create(struct fuzz_db *fdb)
{
    fdb->db = db_create(fuzz_vswitch_schema());
    fdb->replica = db_create(fuzz_vswitch_schema());
    db_set_hooks(fdb->db, fuzz_replicate, NULL, fdb);
}

/* Checks that the replica equals the database, then destroys both. */
static inline void
fuzz_db_destroy(struct fuzz_db *fdb)
{
    json_t *a = db_to_json(fdb->db);
    json_t *b = db_to_json(fdb->replica);

    if (!json_equal(a, b)) {
        char *sa = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
        char *sb = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "fuzz: database %s\nfuzz: replica  %s\n", sa, sb);
        fuzz_fail("the replayed change sets differ from the database",
                  NULL);
    }
    json_decref(a);
    json_decref(b);
    db_destroy(fdb->db);
    db_destroy(fdb->replica);
    memset(fdb, 0, sizeof *fdb);
}

#endif /* fuzz-util.h */
