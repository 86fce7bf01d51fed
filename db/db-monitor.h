/*
 * db-monitor.h -- RFC 7047 monitors: clients that watch tables change.
 *
 * A client asks to monitor some columns of some tables (RFC 7047 section
 * 4.1.5 "monitor", or the Open vSwitch extensions "monitor_cond" and
 * "monitor_cond_since").  The reply holds the monitored rows as they are
 * now; from then on, after every commit, the client receives one
 * notification with the rows that commit inserted, deleted or modified,
 * until it cancels the monitor ("monitor_cancel") or goes away.  Three
 * notations exist, one per request method:
 *
 *   - "monitor" sends "update" notifications, [ID, <table-updates>]: per
 *     row {"old": ..., "new": ...}, where a modification's "old" holds only
 *     the columns that changed and "new" every monitored column.
 *   - "monitor_cond" sends "update2", [ID, <table-updates2>]: per row one
 *     of {"initial": row}, {"insert": row}, {"delete": null} or
 *     {"modify": row}.  Inserted and initial rows leave out columns that
 *     hold their default value; a modification holds only the changed
 *     columns, each as its new value if the column holds at most one
 *     element, otherwise as the difference between old and new (see
 *     db_datum_diff()).
 *   - "monitor_cond_since" replies [false, <zero UUID>, <table-updates2>]
 *     (we keep no transaction history, so the client always gets the whole
 *     initial view) and sends "update3", [ID, <zero UUID>,
 *     <table-updates2>].
 *
 * Conditions: "monitor_cond" requests may carry a "where" clause per
 * table; only the empty clause and [true] (every row) are accepted.
 *
 * Cost.  The monitors hear of commits through a commit listener (db.h),
 * which passes the changed rows with their old and new versions, so a
 * commit costs each monitor time in proportion to the rows it changed,
 * not to the size of the database.  A table's rows are walked only for a
 * monitor's initial view.
 *
 * Clients.  This module knows nothing of sockets: a client is an opaque
 * pointer, and notifications go out through the callback given to
 * db_monitors_create().  The caller (db-server.c) passes its connection,
 * whose output backlog limit drops a client that stops reading, and calls
 * db_monitors_remove_client() when a connection closes.  Monitors of one
 * client are told apart by their JSON "id" (any JSON value, compared by
 * value).
 *
 * Nothing here is thread-safe.
 */
#ifndef DB_MONITOR_H
#define DB_MONITOR_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct db;
struct db_monitors;

enum db_monitor_version {
    DB_MONITOR_V1,              /* "monitor": "update" notifications. */
    DB_MONITOR_V2,              /* "monitor_cond": "update2". */
    DB_MONITOR_V3,              /* "monitor_cond_since": "update3". */
};

/* Sends the notification 'method' with 'params' (stolen) to 'client'. */
typedef void db_monitor_notify_cb(void *client, const char *method,
                                  json_t *params);

/* Monitors for 'db' (which must outlive them). */
struct db_monitors *db_monitors_create(struct db *, db_monitor_notify_cb *);
void db_monitors_destroy(struct db_monitors *);

/* Creates a monitor for 'client' named 'id' from the <monitor-requests>
 * object 'requests' (table name to a request or an array of requests).
 * Returns the reply's "result" (a new reference: the initial view, or for
 * DB_MONITOR_V3 [false, zero UUID, initial view]).  On error returns NULL,
 * stores an RFC 7047 error object in '*errorp' and changes nothing: an
 * unknown table ("unknown table") or column ("unknown column"), a column
 * named twice for one table, a malformed request, an unsupported condition
 * ("syntax error"), or an 'id' that 'client' already uses ("duplicate
 * monitor ID"). */
json_t *db_monitors_add(struct db_monitors *, void *client,
                        enum db_monitor_version, const json_t *id,
                        const json_t *requests, json_t **errorp);

/* Cancels the monitor 'id' of 'client'.  Returns false if there is none. */
bool db_monitors_cancel(struct db_monitors *, void *client,
                        const json_t *id);

/* Cancels every monitor of 'client'. */
void db_monitors_remove_client(struct db_monitors *, void *client);

/* Number of monitors, of every client. */
size_t db_monitors_count(const struct db_monitors *);

#endif /* db-monitor.h */
