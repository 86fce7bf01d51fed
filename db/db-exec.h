/*
 * db-exec.h -- executes RFC 7047 "transact" requests.
 *
 * A "transact" request is a database name followed by a list of
 * operations (RFC 7047 section 5.2): insert, select, update, mutate,
 * delete, wait, commit, abort, comment and assert.  All of them run inside
 * one database transaction (db.h), so either every change commits or none
 * does.  Operations run in order and the first failure stops the request:
 * its result slot holds the error object and every later slot is null.
 * If every operation succeeds but the commit itself fails (a dangling
 * strong reference, a count bound, a unique index, the journal), the
 * result array gets one extra error object at the end.
 *
 * Named UUIDs.  An insert with a "uuid-name" binds that name for the whole
 * request, so ["named-uuid", name] may appear in any operation, even one
 * that comes before the insert: the operations are scanned for names and
 * their UUIDs are chosen before anything executes.
 *
 * Waiting.  A "wait" whose condition does not hold yet asks the caller to
 * re-run the whole request later (after the next commit, or when its
 * timeout expires) by setting '*retry'; nothing is committed in that case.
 * The caller passes how long the request has been waiting, so the same
 * request eventually fails with "timed out" instead of waiting forever.
 *
 * Reply size.  Results are counted as they are built; a request whose
 * reply would exceed DB_EXEC_MAX_REPLY bytes is aborted as a whole (nothing
 * commits) with the JSON-RPC error {"error": "resources exhausted",
 * "details": ...} instead of a result array.
 *
 * Errors are RFC 7047 error objects {"error": TAG, "details": TEXT}.
 * Malformed operations use the tag "syntax error", or "unknown table" and
 * "unknown column" for names the schema lacks, as Open vSwitch does.
 */
#ifndef DB_EXEC_H
#define DB_EXEC_H 1

#include <jansson.h>
#include <stdbool.h>

struct db;

/* The largest reply, in bytes of compact JSON: one MiB below a
 * connection's output limit (JSONRPC_MAX_BACKLOG, 16 MiB), which must
 * also hold the reply's envelope and whatever else is queued. */
#define DB_EXEC_MAX_REPLY (15 * 1024 * 1024)

/* Executes 'params' of a "transact" request: [DB-NAME, OP, ...].
 *
 * Returns the JSON-RPC "result" array (a new reference): one object per
 * operation; if an operation failed, its error object in its place and
 * nulls for the operations after it; if the commit failed, one extra error
 * object at the end.
 *
 * If 'params' is malformed (not an array, no database name) or names an
 * unknown database, or if the reply would be too big, returns NULL and
 * stores a JSON-RPC "error" object in '*errorp'.
 *
 * 'elapsed_ms' is how long ago the request first arrived.  A "wait"
 * operation that is not satisfied yet and whose "timeout" has not expired
 * (or that has none) makes the function abort, set '*retry' to true and
 * return NULL with '*errorp' NULL: the caller should run the request again
 * after the next commit or when the timeout expires. */
json_t *db_exec_transact(struct db *, const json_t *params,
                         long long elapsed_ms, bool *retry,
                         json_t **errorp);

#endif /* db-exec.h */
