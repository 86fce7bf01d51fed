/*
 * db-log.h -- the durable on-disk journal of the configuration database.
 *
 * The journal knows nothing about tables: it is a sequence of JSON records
 * in one file.  Record 0 is a snapshot of the whole database; every later
 * record is a change set to apply on top of it, in order.
 *
 * File format:
 *
 *     VSWITCH-DB 1\n                        magic line, once
 *     REC <length> <crc32>\n<json>\n        one per record
 *
 * where <length> is the decimal byte count of <json>, <crc32> is eight
 * lowercase hex digits of the IEEE CRC-32 of those bytes, and <json> is
 * compact single-line JSON.
 *
 * Durability: db_log_append() returns only after the record is on disk
 * (fdatasync).  A crash may leave a torn record at the end of the file.
 * db_log_open() tells two kinds of damage apart:
 *
 *   - A torn tail: a bad record (short header or data, bad length, CRC
 *     mismatch, unparseable JSON) with no intact record anywhere after it.
 *     This is what a crash in the middle of an append leaves, so it is
 *     repaired automatically: the whole file is first copied aside to
 *     "PATH.damaged-<UTC time>", then the tail is truncated away and an
 *     error is logged with the number of bytes dropped and the copy's name.
 *
 *   - Damage in the middle: a bad record followed by at least one intact
 *     record (its header found by scanning forward, its CRC and JSON good).
 *     A crash cannot cause this, a disk or an editor can, and truncating
 *     would silently throw the intact records away.  db_log_open() refuses
 *     (EBADMSG) and leaves the file untouched, unless DB_LOG_RECOVER is
 *     given: then it repairs the file as for a torn tail, copy included,
 *     and the error it logs counts the intact records that were dropped.
 *
 * Damage to the snapshot itself is never repaired: the open fails instead.
 *
 * Compaction writes a new snapshot to "PATH.tmp", syncs it, renames it over
 * PATH and syncs the directory, so a crash leaves either the old or the new
 * file, never a mixture.  db_log_open() creates a new database the same way.
 *
 * Permissions: a new database file has mode 0640, and opening an older
 * file takes away whatever it allowed others; compaction and the copy
 * of a damaged file keep the mode and group of the file they replace or
 * copy, so db_log_set_group() once after opening sets the group for good.
 *
 * Locking: one process at a time may open a database.  The lock is an
 * open-file-description lock (F_OFD_SETLK write lock, or flock() where OFD
 * locks are unavailable) on a sibling file "PATH.lock", which is never
 * renamed or deleted, so the lock stays held across compaction.  OFD locks
 * also conflict between two opens inside one process.  A second open fails
 * with EALREADY.  The descriptors are close-on-exec, but a child forked
 * without exec shares the lock until it, too, closes them.
 *
 * Thread safety: a struct db_log must be used by one thread at a time.
 */
#ifndef DB_LOG_H
#define DB_LOG_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct db_log;

/* Opening and closing. */

/* Flags for db_log_open(). */
enum {
    DB_LOG_CREATE = 1 << 0,     /* Create the file when it is absent. */
    DB_LOG_RECOVER = 1 << 1,    /* Cut at damage even if intact records
                                 * follow it (see above). */
};

/* Opens 'path', creating it with the snapshot '{}' when it is absent and
 * 'flags' has DB_LOG_CREATE, locks it, and reads every record.  Damage is
 * repaired or refused as described above.
 *
 * On success returns 0, stores the journal in '*logp' and the records in
 * '*records' / '*n_records' (records[0] is the snapshot; the caller owns the
 * array and each json_t), and sets '*errorp' to NULL.  On failure returns a
 * positive errno value, sets '*logp' and '*records' to NULL and
 * '*n_records' to 0, and sets '*errorp' to a malloc'd message:
 *
 *   ENOENT    'path' does not exist and DB_LOG_CREATE is not set.
 *   EALREADY  another opener holds the lock.
 *   EINVAL    not a vswitch database (bad magic) or the snapshot record is
 *             missing or corrupt.
 *   EBADMSG   intact records follow damage in the middle of the file and
 *             DB_LOG_RECOVER is not set; the file is unchanged.
 *   other     an I/O error (including failure to write the copy of a
 *             damaged file, in which case nothing was truncated). */
int db_log_open(const char *path, unsigned int flags, struct db_log **logp,
                json_t ***records, size_t *n_records, char **errorp);

/* Closes 'log' and releases its lock.  NULL is a no-op. */
void db_log_close(struct db_log *log);

/* Writing. */

/* Appends 'record' to 'log' and waits until it is on disk.  Returns 0 or a
 * positive errno value; on failure the file is cut back to its previous
 * length (best effort) so that no partial record remains. */
int db_log_append(struct db_log *log, const json_t *record);

/* Atomically replaces the contents of 'log' by 'snapshot' as a new record 0;
 * later appends go to the new file.  The lock stays held throughout.
 * Returns 0 or a positive errno value; on failure the old file is kept
 * unchanged and remains in use. */
int db_log_compact(struct db_log *log, const json_t *snapshot);

/* Gives the database file to group 'gid'.  Returns 0 or an errno value. */
int db_log_set_group(struct db_log *log, gid_t gid);

/* Bookkeeping. */

/* Number of records after the snapshot in the current file. */
size_t db_log_n_records(const struct db_log *log);

/* Size of the whole file in bytes. */
off_t db_log_size(const struct db_log *log);

/* Size in bytes of the file's leading part: magic line plus snapshot. */
off_t db_log_snapshot_size(const struct db_log *log);

/* Compaction policy: true when more than 100 records follow the snapshot and
 * either the file is more than 4 times the snapshot size or more than 16 MiB
 * have been appended after the snapshot. */
bool db_log_should_compact(const struct db_log *log);

#endif /* db-log.h */
