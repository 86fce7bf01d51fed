#include <config.h>
#include "db-server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "db-exec.h"
#include "db-log.h"
#include "db-monitor.h"
#include "poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db_server);

struct extra_method {
    char *name;
    db_server_method_cb *cb;
    void *aux;
};

struct close_hook {
    db_server_close_cb *cb;
    void *aux;
};

/* A "transact" waiting for its "wait" operations to come true. */
struct pending_transact {
    struct pending_transact *next;
    struct rpc_conn *conn;
    json_t *params;
    json_t *id;
    long long start;
};

struct db_server {
    struct db_schema const *schema;
    struct db *db;
    struct db_log *log;
    char *path;
    struct rpc_server *rpc;
    struct db_monitors *monitors;

    struct extra_method *methods;
    size_t n_methods;
    struct close_hook *close_hooks;
    size_t n_close_hooks;

    struct pending_transact *pending;
    unsigned long long pending_seqno;
};

static int
journal_append(void *server_, const json_t *changes)
{
    struct db_server *server = server_;
    return db_log_append(server->log, changes);
}

static void
monitor_notify(void *conn, const char *method, json_t *params)
{
    rpc_conn_notify(conn, method, params);
}

static char *
load_records(struct db *db, json_t **records, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *error = db_apply_json(db, records[i]);
        if (error) {
            char *msg = xasprintf("record %zu: %s", i, error);
            free(error);
            return msg;
        }
    }
    return NULL;
}

int
db_server_open(const char *path, const struct db_schema *schema,
               bool recover, struct db_server **serverp, char **errorp)
{
    unsigned int flags = DB_LOG_CREATE | (recover ? DB_LOG_RECOVER : 0);
    struct db_server *server = xzalloc(sizeof *server);
    json_t **records = NULL;
    size_t n_records = 0;
    char *error = NULL;
    int err;

    *serverp = NULL;
    err = db_log_open(path, flags, &server->log, &records, &n_records,
                      &error);
    if (err) {
        *errorp = error ? error : xasprintf("%s: %s", path, strerror(err));
        free(server);
        return err;
    }

    server->schema = schema;
    server->db = db_create(schema);
    server->path = xstrdup(path);
    error = load_records(server->db, records, n_records);
    for (size_t i = 0; i < n_records; i++) {
        json_decref(records[i]);
    }
    free(records);
    if (error) {
        *errorp = xasprintf("%s: cannot load database: %s", path, error);
        free(error);
        db_server_close(server);
        return EINVAL;
    }
    VLOG_INFO("%s: loaded %zu journal record%s", path, n_records,
              n_records == 1 ? "" : "s");
    db_set_hooks(server->db, journal_append, NULL, server);
    server->monitors = db_monitors_create(server->db, monitor_notify);
    *serverp = server;
    return 0;
}

int
db_server_set_file_group(struct db_server *server, gid_t gid)
{
    return db_log_set_group(server->log, gid);
}

struct db *
db_server_get_db(struct db_server *server)
{
    return server->db;
}

static void
pending_free(struct pending_transact *p)
{
    json_decref(p->params);
    json_decref(p->id);
    free(p);
}

void
db_server_close(struct db_server *server)
{
    if (!server) {
        return;
    }
    if (server->rpc) {
        rpc_server_destroy(server->rpc);
    }
    while (server->pending) {
        struct pending_transact *p = server->pending;
        server->pending = p->next;
        pending_free(p);
    }
    for (size_t i = 0; i < server->n_methods; i++) {
        free(server->methods[i].name);
    }
    free(server->methods);
    free(server->close_hooks);
    db_monitors_destroy(server->monitors);
    db_destroy(server->db);
    db_log_close(server->log);
    free(server->path);
    free(server);
}

static json_t *
error_object(const char *tag, const char *details)
{
    return json_pack("{s:s, s:s}", "error", tag, "details", details);
}

static bool
check_db_name(struct db_server *server, struct rpc_conn *conn,
              const json_t *params, const json_t *id)
{
    const json_t *name = json_array_get(params, 0);
    if (!json_is_string(name)
        || strcmp(json_string_value(name), server->schema->name)) {
        rpc_conn_error(conn, id,
                       error_object("unknown database",
                                    json_is_string(name)
                                    ? json_string_value(name)
                                    : "database name must be a string"));
        return false;
    }
    return true;
}

/* Runs a transact request.  Returns true if it was answered, false if it
 * must wait for the database to change. */
static bool
run_transact(struct db_server *server, struct rpc_conn *conn,
             const json_t *params, const json_t *id, long long start)
{
    bool retry = false;
    json_t *error = NULL;
    json_t *result = db_exec_transact(server->db, params,
                                      time_msec() - start, &retry, &error);
    if (retry) {
        return false;
    }
    if (result) {
        rpc_conn_reply(conn, id, result);
    } else {
        rpc_conn_error(conn, id, error ? error
                       : error_object("syntax error", "bad transact"));
    }
    return true;
}

static void
handle_transact(struct db_server *server, struct rpc_conn *conn,
                json_t *params, json_t *id)
{
    long long now = time_msec();
    if (!run_transact(server, conn, params, id, now)) {
        struct pending_transact *p = xzalloc(sizeof *p);
        p->conn = conn;
        p->params = json_incref(params);
        p->id = json_incref(id);
        p->start = now;
        p->next = server->pending;
        server->pending = p;
    }
}

/* "monitor", "monitor_cond" and "monitor_cond_since":
 * [DB-NAME, ID, REQUESTS] (the last one adds a LAST-TXN-ID, which we
 * cannot honor: no history is kept, so every reply is a full view). */
static void
handle_monitor(struct db_server *server, struct rpc_conn *conn,
               enum db_monitor_version version, const json_t *params,
               const json_t *id)
{
    size_t n_params = version == DB_MONITOR_V3 ? 4 : 3;
    json_t *error = NULL;
    json_t *result;

    if (!check_db_name(server, conn, params, id)) {
        return;
    }
    if (json_array_size(params) != n_params) {
        char *msg = xasprintf("expected %zu parameters", n_params);
        rpc_conn_error(conn, id, error_object("syntax error", msg));
        free(msg);
        return;
    }
    result = db_monitors_add(server->monitors, conn, version,
                             json_array_get(params, 1),
                             json_array_get(params, 2), &error);
    if (result) {
        rpc_conn_reply(conn, id, result);
    } else {
        rpc_conn_error(conn, id, error);
    }
}

/* "monitor_cancel": [ID]. */
static void
handle_monitor_cancel(struct db_server *server, struct rpc_conn *conn,
                      const json_t *params, const json_t *id)
{
    if (json_array_size(params) != 1) {
        rpc_conn_error(conn, id, error_object("syntax error",
                                              "expected 1 parameter"));
    } else if (!db_monitors_cancel(server->monitors, conn,
                                   json_array_get(params, 0))) {
        rpc_conn_error(conn, id, error_object("unknown monitor",
                                              "no monitor with that ID"));
    } else {
        rpc_conn_reply(conn, id, json_object());
    }
}

static void
handle_request(struct rpc_conn *conn, const char *method, json_t *params,
               json_t *id, void *server_)
{
    struct db_server *server = server_;

    if (!id) {
        return;                 /* Notifications need no answer. */
    }
    if (!json_is_array(params)) {
        rpc_conn_error(conn, id, error_object("syntax error",
                                              "params must be an array"));
    } else if (!strcmp(method, "list_dbs")) {
        rpc_conn_reply(conn, id, json_pack("[s]", server->schema->name));
    } else if (!strcmp(method, "get_schema")) {
        if (check_db_name(server, conn, params, id)) {
            rpc_conn_reply(conn, id, json_deep_copy(server->schema->json));
        }
    } else if (!strcmp(method, "transact")) {
        handle_transact(server, conn, params, id);
    } else if (!strcmp(method, "monitor")) {
        handle_monitor(server, conn, DB_MONITOR_V1, params, id);
    } else if (!strcmp(method, "monitor_cond")) {
        handle_monitor(server, conn, DB_MONITOR_V2, params, id);
    } else if (!strcmp(method, "monitor_cond_since")) {
        handle_monitor(server, conn, DB_MONITOR_V3, params, id);
    } else if (!strcmp(method, "monitor_cancel")) {
        handle_monitor_cancel(server, conn, params, id);
    } else if (!strcmp(method, "set_db_change_aware")) {
        /* The schema never changes while we run, so there is nothing to
         * be aware of: accept. */
        rpc_conn_reply(conn, id, json_object());
    } else {
        for (size_t i = 0; i < server->n_methods; i++) {
            if (!strcmp(method, server->methods[i].name)) {
                server->methods[i].cb(server, conn, params, id,
                                      server->methods[i].aux);
                return;
            }
        }
        char *msg = xasprintf("unknown method \"%s\"", method);
        rpc_conn_error(conn, id, error_object("unknown method", msg));
        free(msg);
    }
}

static void
handle_close(struct rpc_conn *conn, void *server_)
{
    struct db_server *server = server_;
    struct pending_transact **pp = &server->pending;

    while (*pp) {
        struct pending_transact *p = *pp;
        if (p->conn == conn) {
            *pp = p->next;
            pending_free(p);
        } else {
            pp = &p->next;
        }
    }
    db_monitors_remove_client(server->monitors, conn);
    for (size_t i = 0; i < server->n_close_hooks; i++) {
        server->close_hooks[i].cb(conn, server->close_hooks[i].aux);
    }
}

int
db_server_listen(struct db_server *server, const char *path, int mode,
                 const char *group, char **errorp)
{
    return rpc_server_create(path, mode, group, handle_request, handle_close,
                             server, &server->rpc, errorp);
}

void
db_server_set_limits(struct db_server *server, size_t max_conns,
                     size_t max_input)
{
    rpc_server_set_limits(server->rpc, max_conns, max_input);
}

void
db_server_register_method(struct db_server *server, const char *method,
                          db_server_method_cb *cb, void *aux)
{
    server->methods = xrealloc(server->methods, (server->n_methods + 1)
                               * sizeof *server->methods);
    server->methods[server->n_methods].name = xstrdup(method);
    server->methods[server->n_methods].cb = cb;
    server->methods[server->n_methods].aux = aux;
    server->n_methods++;
}

void
db_server_add_close_cb(struct db_server *server, db_server_close_cb *cb,
                       void *aux)
{
    server->close_hooks = xrealloc(server->close_hooks,
                                   (server->n_close_hooks + 1)
                                   * sizeof *server->close_hooks);
    server->close_hooks[server->n_close_hooks].cb = cb;
    server->close_hooks[server->n_close_hooks].aux = aux;
    server->n_close_hooks++;
}

/* Re-runs pending transactions: after a commit, or periodically so that
 * their "wait" timeouts expire. */
static void
run_pending(struct db_server *server)
{
    struct pending_transact **pp = &server->pending;
    while (*pp) {
        struct pending_transact *p = *pp;
        if (run_transact(server, p->conn, p->params, p->id, p->start)) {
            *pp = p->next;
            pending_free(p);
        } else {
            pp = &p->next;
        }
    }
}

static void
maybe_compact(struct db_server *server)
{
    if (db_log_should_compact(server->log)) {
        json_t *snapshot = db_to_json(server->db);
        long long start = time_msec();
        int err = db_log_compact(server->log, snapshot);
        json_decref(snapshot);
        if (err) {
            VLOG_WARN("%s: compaction failed (%s)", server->path,
                      strerror(err));
        } else {
            VLOG_INFO("%s: compacted in %lld ms", server->path,
                      time_msec() - start);
        }
    }
}

void
db_server_run(struct db_server *server)
{
    if (server->rpc) {
        rpc_server_run(server->rpc);
    }
    if (server->pending) {
        run_pending(server);
    }
    maybe_compact(server);
}

void
db_server_wait(struct db_server *server)
{
    if (server->rpc) {
        rpc_server_wait(server->rpc);
    }
    if (server->pending) {
        poll_timer_wait(100);
    }
}
