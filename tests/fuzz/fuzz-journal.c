/*
 * fuzz-journal.c -- the journal reader (db/db-log.c) on damaged files, and
 * loading what it returns into a database (db_apply_json()).
 *
 * Written against the public db-log.h API and file format only, so it
 * keeps working while the reader's handling of damage changes.
 *
 * The first input byte holds flags; the rest is written as a database
 * file and opened with db_log_open().  A damaged file may be refused or
 * have its tail cut off, but must never crash the reader.  Random bytes
 * rarely carry a correct CRC, so flag 1 makes the target rewrite the CRC
 * of every "REC <length> <crc>" header whose length fits to the right
 * value first: then the records' contents reach the JSON parser and the
 * database.
 *
 * When the open succeeds, the records are loaded into a database with the
 * vswitch schema as vswitchd loads them at start-up (errors are fine),
 * one more record is appended -- or, with flag 2, the file is compacted
 * into the loaded database's snapshot -- and the file is opened again:
 * that second open must succeed and return the same records plus the new
 * one (or just the snapshot).  A reader that accepts a file but leaves it
 * so that the next start-up fails or sees other records is a bug.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include "db-log.h"
#include "fuzz-util.h"

#define FLAG_FIX_CRC 1
#define FLAG_COMPACT 2

/* CRC-32 as in IEEE 802.3 (reflected polynomial 0xedb88320), bit by bit:
 * slow, but independent of the reader's own table. */
static uint32_t
crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffff;

    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
        }
    }
    return ~crc;
}

/* Rewrites the CRC field of every well-formed header in 'buf' whose data
 * lies within the buffer. */
static void
fix_crcs(uint8_t *buf, size_t len)
{
    for (size_t ofs = 0; ofs + 4 < len; ofs++) {
        if (memcmp(buf + ofs, "REC ", 4) || (ofs && buf[ofs - 1] != '\n')) {
            continue;
        }
        size_t i = ofs + 4;
        uint64_t n = 0;
        while (i < len && buf[i] >= '0' && buf[i] <= '9' && n < 1 << 30) {
            n = n * 10 + (buf[i++] - '0');
        }
        if (i + 10 > len || buf[i] != ' ' || buf[i + 9] != '\n'
            || n > len - (i + 10)) {
            continue;
        }
        char hex[9];
        snprintf(hex, sizeof hex, "%08"PRIx32,
                 crc32_ieee(buf + i + 10, n));
        memcpy(buf + i + 1, hex, 8);
    }
}

static void
write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0 || write(fd, data, size) != (ssize_t) size) {
        fuzz_fail("cannot write the database file", strerror(errno));
    }
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *path;
    if (!path) {
        fuzz_quiet_logs();
        path = xasprintf("%s/conf.db", fuzz_tmpdir());
    }
    if (!size) {
        return 0;
    }

    uint8_t flags = data[0];
    uint8_t *file = xmemdup(data + 1, size - 1);
    if (flags & FLAG_FIX_CRC) {
        fix_crcs(file, size - 1);
    }
    write_file(path, file, size - 1);
    free(file);

    struct db_log *log;
    json_t **records;
    size_t n;
    char *error;
    if (db_log_open(path, false, &log, &records, &n, &error)) {
        if (log || records || n || !error) {
            fuzz_fail("a failed open did not follow its contract", NULL);
        }
        free(error);
        return 0;
    }
    if (!n) {
        fuzz_fail("an open database has no snapshot record", NULL);
    }

    /* Load them as vswitchd does; a record may be refused. */
    struct db *db = db_create(fuzz_vswitch_schema());
    for (size_t i = 0; i < n; i++) {
        error = db_apply_json(db, records[i]);
        if (error) {
            free(error);
            break;
        }
    }

    /* Write, then the next start-up must see what we believe is there. */
    json_t *added;
    if (flags & FLAG_COMPACT) {
        added = db_to_json(db);
        if (db_log_compact(log, added)) {
            fuzz_fail("compaction failed", strerror(errno));
        }
        free_records(records, n);
        records = NULL;
        n = 0;
    } else {
        added = json_pack("{s:{}}", "Bridge");
        if (db_log_append(log, added)) {
            fuzz_fail("append failed", strerror(errno));
        }
    }
    db_destroy(db);
    db_log_close(log);

    json_t **again;
    size_t n_again;
    if (db_log_open(path, false, &log, &again, &n_again, &error)) {
        fuzz_fail("the file does not open after a write", error);
    }
    if (n_again != n + 1) {
        fuzz_fail("the file holds another number of records after a write",
                  NULL);
    }
    for (size_t i = 0; i < n_again; i++) {
        if (!json_equal(again[i], i < n ? records[i] : added)) {
            fuzz_fail("a record changed across a write and a reopen", NULL);
        }
    }
    db_log_close(log);
    free_records(again, n_again);
    free_records(records, n);
    json_decref(added);
    return 0;
}
