#include <config.h>
#include "db-log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "timeval.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db_log);

#define DB_LOG_MAGIC "VSWITCH-DB 1\n"
#define DB_LOG_MAGIC_LEN (sizeof DB_LOG_MAGIC - 1)

/* A record header is "REC <length> <crc>\n"; anything longer than this
 * without a new-line is not a header. */
#define DB_LOG_MAX_HEADER 48

/* Records longer than this are rejected as a corrupt length field. */
#define DB_LOG_MAX_RECORD ((uint64_t) 1 << 40)

/* Permissions of a new database file: the configuration may hold secrets
 * (external ids, options), so it is not for everyone to read. */
#define DB_LOG_FILE_MODE 0640

/* Compaction policy thresholds. */
#define DB_LOG_COMPACT_MIN_RECORDS 100
#define DB_LOG_COMPACT_FACTOR 4
#define DB_LOG_COMPACT_MAX_APPENDED ((off_t) 16 * 1024 * 1024)

struct db_log {
    char *path;                 /* Data file name. */
    int fd;                     /* Data file, O_RDWR | O_APPEND. */
    int lock_fd;                /* "PATH.lock", holds our lock. */
    off_t size;                 /* Bytes in the data file. */
    off_t snapshot_size;        /* Bytes of magic plus record 0. */
    size_t n_records;           /* Records after the snapshot. */

    /* Nonzero after an append failed and the partial record could not be
     * cut off again: appending after it would hide the new records behind
     * garbage on the next open, so appends fail until a compaction rewrites
     * the file. */
    int broken;
};

/* CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320), four bits at a time
 * from a 16-entry table. */
static const uint32_t crc32_table[16] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
    0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
    0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

static uint32_t
db_log_crc32(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t crc = 0xffffffff;

    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ crc32_table[crc & 0xf];
        crc = (crc >> 4) ^ crc32_table[crc & 0xf];
    }
    return ~crc;
}

/* Low-level I/O. */

/* Writes all 'n' bytes of 'data' to 'fd', retrying after EINTR and short
 * writes.  Returns 0 or an errno value. */
static int
write_fully(int fd, const void *data, size_t n)
{
    const char *p = data;

    while (n > 0) {
        ssize_t retval = write(fd, p, n);
        if (retval < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        } else if (retval == 0) {
            return EIO;
        }
        p += retval;
        n -= retval;
    }
    return 0;
}

/* Reads up to 'n' bytes at offset 0 of 'fd' into 'data', stopping early
 * only at end of file.  Stores the number of bytes read in '*n_read'.
 * Returns 0 or an errno value. */
static int
read_fully(int fd, void *data, size_t n, size_t *n_read)
{
    char *p = data;
    size_t done = 0;

    while (done < n) {
        ssize_t retval = pread(fd, p + done, n - done, done);
        if (retval < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        } else if (retval == 0) {
            break;
        }
        done += retval;
    }
    *n_read = done;
    return 0;
}

static int
fsync_fd(int fd, bool data_only)
{
    for (;;) {
        int retval = data_only ? fdatasync(fd) : fsync(fd);
        if (!retval) {
            return 0;
        } else if (errno != EINTR) {
            return errno;
        }
    }
}

/* Syncs the directory that contains 'path', so that a rename or creation in
 * it is durable.  Returns 0 or an errno value. */
static int
fsync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = (!slash ? xstrdup(".")
                 : slash == path ? xstrdup("/")
                 : xstrndup(path, slash - path));
    int error = 0;

    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        error = errno;
    } else {
        error = fsync_fd(fd, false);
        /* Some file systems cannot sync directories; that is no failure. */
        if (error == EINVAL) {
            error = 0;
        }
        close(fd);
    }
    free(dir);
    return error;
}

/* Locking. */

/* Opens (creating if needed) 'lock_path' and takes an exclusive,
 * non-blocking lock on it.  On success stores the file descriptor, which
 * holds the lock until closed, in '*fdp'.  Returns 0, EALREADY if someone
 * else holds the lock, or another errno value. */
static int
db_log_lock(const char *lock_path, int *fdp)
{
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int error;

    *fdp = -1;
    if (fd < 0) {
        return errno;
    }

#ifdef F_OFD_SETLK
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    lk.l_start = 0;
    lk.l_len = 0;
    if (!fcntl(fd, F_OFD_SETLK, &lk)) {
        *fdp = fd;
        return 0;
    }
    error = errno;
    if (error == EAGAIN || error == EACCES) {
        close(fd);
        return EALREADY;
    } else if (error != EINVAL) {
        close(fd);
        return error;
    }
    /* EINVAL: the kernel lacks OFD locks.  Fall back to flock(). */
#endif

    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        error = errno;
        if (error == EINTR) {
            continue;
        }
        close(fd);
        return error == EWOULDBLOCK ? EALREADY : error;
    }
    *fdp = fd;
    return 0;
}

/* Records. */

/* Appends the on-disk form of 'record' (header, JSON, new-line) to 'out'.
 * Returns 0 or EINVAL if 'record' cannot be serialized. */
static int
format_record(const json_t *record, struct dstr *out)
{
    char *s = json_dumps(record, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) {
        return EINVAL;
    }

    size_t len = strlen(s);
    dstr_printf(out, "REC %zu %08"PRIx32"\n", len, db_log_crc32(s, len));
    dstr_put(out, s, len);
    dstr_putc(out, '\n');
    free(s);
    return 0;
}

static bool
parse_decimal(const char *s, size_t n, uint64_t *valuep)
{
    uint64_t value = 0;

    if (n == 0 || n > 19) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        value = value * 10 + (s[i] - '0');
    }
    *valuep = value;
    return true;
}

static bool
parse_hex32(const char *s, size_t n, uint32_t *valuep)
{
    uint32_t value = 0;

    if (n != 8) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int c = s[i];
        int digit = (c >= '0' && c <= '9' ? c - '0'
                     : c >= 'a' && c <= 'f' ? c - 'a' + 10
                     : c >= 'A' && c <= 'F' ? c - 'A' + 10
                     : -1);
        if (digit < 0) {
            return false;
        }
        value = (value << 4) | digit;
    }
    *valuep = value;
    return true;
}

/* Parses the record that starts at 'buf[ofs]', where 'buf' has 'len' bytes
 * and 'ofs' < 'len'.  On success stores the record in '*jsonp', the offset
 * just past it in '*nextp', and returns NULL.  On failure returns a short
 * description of what is wrong. */
static const char *
parse_record(const char *buf, size_t len, size_t ofs,
             json_t **jsonp, size_t *nextp)
{
    const char *hdr = buf + ofs;
    size_t avail = len - ofs;
    const char *nl = memchr(hdr, '\n', MIN(avail, DB_LOG_MAX_HEADER));

    if (!nl) {
        return avail < DB_LOG_MAX_HEADER ? "short header" : "bad header";
    }

    /* "REC <length> <crc>" without the new-line. */
    size_t hdr_len = nl - hdr;
    if (hdr_len < 4 || memcmp(hdr, "REC ", 4)) {
        return "bad header";
    }
    const char *len_s = hdr + 4;
    const char *space = memchr(len_s, ' ', nl - len_s);
    if (!space) {
        return "bad header";
    }
    uint64_t data_len;
    uint32_t crc;
    if (!parse_decimal(len_s, space - len_s, &data_len)
        || data_len > DB_LOG_MAX_RECORD) {
        return "bad length";
    }
    if (!parse_hex32(space + 1, nl - (space + 1), &crc)) {
        return "bad header";
    }

    size_t data_ofs = ofs + hdr_len + 1;
    if (data_len + 1 > len - data_ofs) {
        return "short data";
    }
    const char *data = buf + data_ofs;
    if (data[data_len] != '\n') {
        return "missing record terminator";
    }
    if (db_log_crc32(data, data_len) != crc) {
        return "CRC mismatch";
    }

    json_error_t jerr;
    json_t *json = json_loadb(data, data_len, JSON_DECODE_ANY, &jerr);
    if (!json) {
        return "unparseable JSON";
    }
    *jsonp = json;
    *nextp = data_ofs + data_len + 1;
    return NULL;
}

static void
free_records(json_t **records, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(records[i]);
    }
    free(records);
}

/* Writes a complete database file holding only 'snapshot' to "PATH.tmp",
 * syncs it and renames it over 'path'.  'mode' is the new file's
 * permissions and 'gid' its group ((gid_t) -1 leaves the group to the
 * system; a group we may not give away is logged and left so, since the
 * file is then only less accessible).
 *
 * On success returns 0 and stores a descriptor for the new file, open
 * O_RDWR | O_APPEND, in '*fdp' and its size in '*sizep'.  On failure
 * returns an errno value; '*fdp' is then -1 if 'path' is unchanged, or the
 * new file's descriptor if only syncing the directory failed (the rename is
 * done but may not be durable). */
static int
write_snapshot_file(const char *path, const json_t *snapshot, mode_t mode,
                    gid_t gid, int *fdp, off_t *sizep)
{
    struct dstr buf = DSTR_INITIALIZER;
    char *tmp_path = xasprintf("%s.tmp", path);
    int fd = -1;
    int error;

    *fdp = -1;
    *sizep = 0;

    dstr_put(&buf, DB_LOG_MAGIC, DB_LOG_MAGIC_LEN);
    error = format_record(snapshot, &buf);
    if (error) {
        goto out;
    }

    fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
              mode);
    if (fd < 0) {
        error = errno;
        goto out;
    }
    if (gid != (gid_t) -1 && fchown(fd, (uid_t) -1, gid) < 0) {
        VLOG_WARN("%s: cannot set group %ld (%s)", tmp_path, (long) gid,
                  strerror(errno));
    }
    if (fchmod(fd, mode) < 0
        || (error = write_fully(fd, buf.s, buf.len))
        || (error = fsync_fd(fd, false))
        || rename(tmp_path, path) < 0) {
        if (!error) {
            error = errno;
        }
        close(fd);
        fd = -1;
        unlink(tmp_path);
        goto out;
    }

    *fdp = fd;
    *sizep = buf.len;
    error = fsync_parent_dir(path);

out:
    dstr_destroy(&buf);
    free(tmp_path);
    return error;
}

/* Damage. */

/* Counts the intact records in 'buf[ofs + 1 .. len)', where 'buf[ofs]'
 * starts a bad record: every "REC " whose header, data, CRC and JSON check
 * out counts, found by scanning forward byte by byte after each failure and
 * by following the chain after each success.  Stores the offset of the
 * first intact record in '*firstp' (or 'len' if there is none). */
static size_t
count_intact_records(const char *buf, size_t len, size_t ofs,
                     size_t *firstp)
{
    size_t p = ofs + 1;
    size_t n = 0;

    *firstp = len;
    while (p < len) {
        const char *hit = memmem(buf + p, len - p, "REC ", 4);
        json_t *json;
        size_t next;

        if (!hit) {
            break;
        }
        p = hit - buf;
        if (!parse_record(buf, len, p, &json, &next)) {
            json_decref(json);
            if (!n) {
                *firstp = p;
            }
            n++;
            p = next;
        } else {
            p++;
        }
    }
    return n;
}

/* Writes the 'len' bytes of 'buf' (the whole damaged file) to a new file
 * "PATH.damaged-YYYYMMDDTHHMMSSZ" next to 'log''s file, with the same mode
 * and group, and syncs it.  A second copy within the same second gets a
 * "-2", "-3"... suffix.  On success returns 0 and the copy's name in
 * '*copyp'; otherwise returns an errno value. */
static int
keep_damaged_copy(const struct db_log *log, const char *buf, size_t len,
                  char **copyp)
{
    long long now = time_wall_msec();
    time_t secs = now / 1000;
    struct stat st;
    char stamp[32];
    struct tm tm;
    int error;
    int fd = -1;

    *copyp = NULL;
    if (fstat(log->fd, &st) < 0) {
        return errno;
    }
    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);

    for (int i = 1; i < 10000 && fd < 0; i++) {
        free(*copyp);
        *copyp = (i == 1 ? xasprintf("%s.damaged-%s", log->path, stamp)
                  : xasprintf("%s.damaged-%s-%d", log->path, stamp, i));
        fd = open(*copyp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  st.st_mode & 0777);
        if (fd < 0 && errno != EEXIST) {
            break;
        }
    }
    if (fd < 0) {
        error = errno;
        goto error;
    }
    /* The copy holds the same data, so it gets the same access rights;
     * failing to set the group only leaves it less accessible. */
    if (fchown(fd, (uid_t) -1, st.st_gid) < 0) {
        VLOG_WARN("%s: cannot set group %ld (%s)", *copyp,
                  (long) st.st_gid, strerror(errno));
    }
    error = write_fully(fd, buf, len);
    if (!error) {
        error = fsync_fd(fd, false);
    }
    close(fd);
    if (!error) {
        error = fsync_parent_dir(*copyp);
    }
    if (error) {
        unlink(*copyp);
        goto error;
    }
    return 0;

error:
    free(*copyp);
    *copyp = NULL;
    return error;
}

/* Deals with the bad record at 'buf[ofs]' of 'log''s file ('len' bytes in
 * 'buf'), where 'reason' says what is wrong with it: refuses if intact
 * records follow and 'flags' lacks DB_LOG_RECOVER, otherwise keeps a copy
 * of the file and truncates it at 'ofs'.  Returns 0 or an errno value with
 * a message in '*errorp'. */
static int
db_log_repair(struct db_log *log, const char *buf, size_t len, size_t ofs,
              const char *reason, unsigned int flags, char **errorp)
{
    size_t first;
    size_t n_intact = count_intact_records(buf, len, ofs, &first);
    char *copy;
    int error;

    if (n_intact && !(flags & DB_LOG_RECOVER)) {
        *errorp = xasprintf("%s: damaged record at offset %zu (%s) is "
                            "followed by %zu intact record%s (the first at "
                            "offset %zu, %zu bytes in all from the damage "
                            "to the end); refusing to truncate them away",
                            log->path, ofs, reason, n_intact,
                            n_intact == 1 ? "" : "s", first, len - ofs);
        return EBADMSG;
    }

    error = keep_damaged_copy(log, buf, len, &copy);
    if (error) {
        *errorp = xasprintf("%s: damaged record at offset %zu (%s), but "
                            "the file could not be copied aside before "
                            "repairing it (%s); nothing was changed",
                            log->path, ofs, reason, strerror(error));
        return error;
    }

    if (!n_intact) {
        VLOG_ERR("%s: dropped %zu bytes of torn tail at offset %zu: %s; "
                 "the file before the repair is kept as %s",
                 log->path, len - ofs, ofs, reason, copy);
    } else {
        VLOG_ERR("%s: recovery: dropped %zu bytes at offset %zu: a damaged "
                 "record (%s) and %zu intact record%s after it; the file "
                 "before the repair is kept as %s", log->path, len - ofs,
                 ofs, reason, n_intact, n_intact == 1 ? "" : "s", copy);
    }
    free(copy);

    if (ftruncate(log->fd, ofs) < 0) {
        error = errno;
    } else {
        error = fsync_fd(log->fd, false);
    }
    if (error) {
        *errorp = xasprintf("%s: could not truncate damaged tail (%s)",
                            log->path, strerror(error));
    }
    return error;
}

/* Reads and validates the whole of 'log''s file, repairing a damaged tail
 * as db_log_open() describes for 'flags'.  On success returns 0 and stores
 * the records in '*recordsp' and '*np'; on failure returns an errno value
 * and a message in '*errorp'. */
static int
db_log_read(struct db_log *log, unsigned int flags, json_t ***recordsp,
            size_t *np, char **errorp)
{
    json_t **records = NULL;
    size_t n = 0, allocated = 0;
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int error;

    if (fstat(log->fd, &st) < 0) {
        error = errno;
        *errorp = xasprintf("%s: stat failed (%s)", log->path,
                            strerror(error));
        return error;
    }
    buf = xmalloc(st.st_size ? st.st_size : 1);
    error = read_fully(log->fd, buf, st.st_size, &len);
    if (error) {
        *errorp = xasprintf("%s: read failed (%s)", log->path,
                            strerror(error));
        goto error;
    }

    if (len < DB_LOG_MAGIC_LEN || memcmp(buf, DB_LOG_MAGIC,
                                         DB_LOG_MAGIC_LEN)) {
        error = EINVAL;
        *errorp = xasprintf("%s: not a vswitch database (bad magic)",
                            log->path);
        goto error;
    }

    size_t ofs = DB_LOG_MAGIC_LEN;
    const char *reason = NULL;
    while (ofs < len) {
        json_t *json;
        size_t next;

        reason = parse_record(buf, len, ofs, &json, &next);
        if (reason) {
            break;
        }
        if (n >= allocated) {
            allocated = allocated ? 2 * allocated : 16;
            records = xrealloc(records, allocated * sizeof *records);
        }
        records[n++] = json;
        if (n == 1) {
            log->snapshot_size = next;
        }
        ofs = next;
    }

    if (!n) {
        error = EINVAL;
        *errorp = xasprintf("%s: snapshot record is missing or corrupt "
                            "(%s at offset %zu)", log->path,
                            reason ? reason : "end of file", ofs);
        goto error;
    }

    if (ofs < len) {
        error = db_log_repair(log, buf, len, ofs, reason, flags, errorp);
        if (error) {
            goto error;
        }
    }

    log->size = ofs;
    log->n_records = n - 1;
    free(buf);
    *recordsp = records;
    *np = n;
    return 0;

error:
    free(buf);
    free_records(records, n);
    return error;
}

/* Opening and closing. */

int
db_log_open(const char *path, unsigned int flags, struct db_log **logp,
            json_t ***records, size_t *n_records, char **errorp)
{
    bool create = (flags & DB_LOG_CREATE) != 0;
    struct db_log *log;
    struct stat st;
    char *lock_path;
    char *tmp_path;
    int error;

    *logp = NULL;
    *records = NULL;
    *n_records = 0;
    *errorp = NULL;

    if (stat(path, &st) < 0 && errno == ENOENT && !create) {
        *errorp = xasprintf("%s: database does not exist", path);
        return ENOENT;
    }

    log = xzalloc(sizeof *log);
    log->path = xstrdup(path);
    log->fd = -1;
    log->lock_fd = -1;

    lock_path = xasprintf("%s.lock", path);
    error = db_log_lock(lock_path, &log->lock_fd);
    if (error) {
        *errorp = (error == EALREADY
                   ? xasprintf("%s: database is locked by another user "
                               "(lock file %s)", path, lock_path)
                   : xasprintf("%s: cannot lock %s (%s)", path, lock_path,
                               strerror(error)));
        free(lock_path);
        goto error;
    }
    free(lock_path);

    /* A leftover from a compaction that crashed before its rename. */
    tmp_path = xasprintf("%s.tmp", path);
    unlink(tmp_path);
    free(tmp_path);

    log->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (log->fd < 0 && errno == ENOENT && create) {
        json_t *empty = json_object();
        off_t size;

        error = write_snapshot_file(path, empty, DB_LOG_FILE_MODE,
                                    (gid_t) -1, &log->fd, &size);
        json_decref(empty);
        if (error) {
            *errorp = xasprintf("%s: cannot create database (%s)", path,
                                strerror(error));
            goto error;
        }
        VLOG_INFO("%s: created new database", path);
    } else if (log->fd < 0) {
        error = errno;
        *errorp = xasprintf("%s: open failed (%s)", path, strerror(error));
        goto error;
    }

    /* Files from before databases were created 0640 lose the permissions
     * they gave everyone. */
    if (!fstat(log->fd, &st) && st.st_mode & 0007
        && fchmod(log->fd, st.st_mode & 07770) < 0) {
        VLOG_WARN("%s: cannot remove permissions for others (%s)", path,
                  strerror(errno));
    }

    error = db_log_read(log, flags, records, n_records, errorp);
    if (error) {
        goto error;
    }
    *logp = log;
    return 0;

error:
    db_log_close(log);
    return error;
}

void
db_log_close(struct db_log *log)
{
    if (log) {
        if (log->fd >= 0) {
            close(log->fd);
        }
        if (log->lock_fd >= 0) {
            close(log->lock_fd);
        }
        free(log->path);
        free(log);
    }
}

/* Writing. */

int
db_log_append(struct db_log *log, const json_t *record)
{
    struct dstr buf = DSTR_INITIALIZER;
    int error;

    if (log->broken) {
        return log->broken;
    }

    error = format_record(record, &buf);
    if (error) {
        dstr_destroy(&buf);
        return error;
    }

    error = write_fully(log->fd, buf.s, buf.len);
    if (!error) {
        error = fsync_fd(log->fd, true);
    }
    if (error) {
        VLOG_ERR("%s: append failed (%s)", log->path, strerror(error));
        if (ftruncate(log->fd, log->size) < 0) {
            log->broken = error;
            VLOG_ERR("%s: cannot remove partial record (%s); further "
                     "appends disabled until compaction", log->path,
                     strerror(errno));
        }
    } else {
        log->size += buf.len;
        log->n_records++;
    }
    dstr_destroy(&buf);
    return error;
}

int
db_log_compact(struct db_log *log, const json_t *snapshot)
{
    struct stat st;
    off_t size;
    int error;
    int fd;

    bool have_st = fstat(log->fd, &st) == 0;
    mode_t mode = have_st ? st.st_mode & 07777 : DB_LOG_FILE_MODE;
    gid_t gid = have_st ? st.st_gid : (gid_t) -1;
    error = write_snapshot_file(log->path, snapshot, mode, gid, &fd, &size);
    if (fd >= 0) {
        /* The new file has replaced the old one, even if syncing the
         * directory failed, so it is the one to keep appending to. */
        close(log->fd);
        log->fd = fd;
        log->size = size;
        log->snapshot_size = size;
        log->n_records = 0;
        log->broken = 0;
    }
    if (error) {
        VLOG_ERR("%s: compaction failed (%s)", log->path, strerror(error));
    }
    return error;
}

int
db_log_set_group(struct db_log *log, gid_t gid)
{
    return fchown(log->fd, (uid_t) -1, gid) < 0 ? errno : 0;
}

/* Bookkeeping. */

size_t
db_log_n_records(const struct db_log *log)
{
    return log->n_records;
}

off_t
db_log_size(const struct db_log *log)
{
    return log->size;
}

off_t
db_log_snapshot_size(const struct db_log *log)
{
    return log->snapshot_size;
}

bool
db_log_should_compact(const struct db_log *log)
{
    off_t appended = log->size - log->snapshot_size;

    return (log->n_records > DB_LOG_COMPACT_MIN_RECORDS
            && (log->size > DB_LOG_COMPACT_FACTOR * log->snapshot_size
                || appended > DB_LOG_COMPACT_MAX_APPENDED));
}
