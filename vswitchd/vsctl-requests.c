/*
 * vsctl-requests.c -- vsctl invocations as requests on the database socket.
 *
 * The client sends its argv; this runs it with ctl_execute(), and replies
 * at once, or once the reconciler has applied the change (cur_cfg reaches
 * the next_cfg the invocation wrote), or once a wait-until condition
 * holds.  The bridge commands themselves are in vsctl-cmds.c.
 */
#include <config.h>
#include "vsctl-cmds.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db-ctl.h"
#include "db.h"
#include "jsonrpc.h"
#include "poll-loop.h"
#include "util.h"
#include "vlog.h"
#include "vsctl-private.h"

VLOG_DEFINE_THIS_MODULE(vsctl_requests);

/* What one execution of an invocation did, filled in by the pre-commit
 * hook: the next_cfg value it wrote (-1 if none) and the interfaces it
 * created, whose "error" column is checked once the configuration has been
 * applied.  As with ovs-vsctl, only interfaces the invocation itself added
 * count: an interface whose device vanished earlier must not make an
 * unrelated "set" fail (libvirt clears QoS after the guest's TAP is
 * gone). */
struct vsctl_exec {
    long long next_cfg;
    struct uuid *ifaces;
    size_t n_ifaces;
};

static void
vsctl_exec_reset(struct vsctl_exec *exec)
{
    free(exec->ifaces);
    exec->ifaces = NULL;
    exec->n_ifaces = 0;
    exec->next_cfg = -1;
}

static void
vsctl_remember_ifaces(struct db_txn *txn, const struct db_schema *schema,
                      struct vsctl_exec *exec)
{
    const struct db_table_schema *table = vsctl_table__(schema,
                                                        "Interface");
    struct db *db = db_txn_get_db(txn);
    const struct db_row **rows;
    size_t n = db_txn_changed_rows(txn, table, &rows);

    exec->ifaces = xrealloc(exec->ifaces, (exec->n_ifaces + n)
                            * sizeof *exec->ifaces);
    for (size_t i = 0; i < n; i++) {
        const struct uuid *uuid = db_row_uuid(rows[i]);

        if (!db_get_row(db, table, uuid)) {
            /* Not committed yet: this invocation inserts it. */
            exec->ifaces[exec->n_ifaces++] = *uuid;
        }
    }
    free(rows);
}

void
vsctl_pre_commit(struct db_txn *txn, const struct ctl_options *opts,
                 void *exec_)
{
    const struct db_schema *schema = db_get_schema(db_txn_get_db(txn));
    struct vsctl_exec *exec = exec_;
    const struct db_row *root;
    struct db_datum datum;
    long long next_cfg;

    if (opts->no_wait) {
        return;
    }
    root = db_txn_first(txn, vsctl_table__(schema, "Open_vSwitch"));
    if (!root) {
        return;
    }
    next_cfg = db_row_get_integer(root, "next_cfg") + 1;
    db_datum_init_integer(&datum, next_cfg);
    db_row_set_named(db_txn_modify(txn, root), "next_cfg", &datum);
    if (exec) {
        exec->next_cfg = next_cfg;
        vsctl_remember_ifaces(txn, schema, exec);
    }
}

/* Requests.
 *
 * A request that cannot be answered at once waits in 'pending', in
 * arrival order, either for its wait-until condition (it is then run
 * again from scratch after each change) or for the reconciler to apply
 * its configuration. */

enum vsctl_state {
    VSCTL_WAIT_CONDITION,       /* wait-until not yet true: run again. */
    VSCTL_WAIT_APPLY,           /* Committed: waiting for cur_cfg. */
};

struct vsctl_request {
    struct vsctl_request *next;
    struct rpc_conn *conn;
    json_t *id;
    int argc;
    char **argv;
    enum vsctl_state state;
    struct vsctl_exec exec;

    /* The answer, once known (while waiting for the apply). */
    char *output;
    char *error;
    int exit_code;
};

static struct vsctl_request *pending;

static struct vsctl_request *
vsctl_request_create(struct rpc_conn *conn, const json_t *params,
                     const json_t *id)
{
    struct vsctl_request *req = xzalloc(sizeof *req);
    size_t n = json_array_size(params);

    req->conn = conn;
    req->id = json_incref((json_t *) id);
    req->argc = n;
    req->argv = xcalloc(n + 1, sizeof *req->argv);
    for (size_t i = 0; i < n; i++) {
        req->argv[i] = xstrdup(json_string_value(json_array_get(params,
                                                                 i)));
    }
    req->exec.next_cfg = -1;
    return req;
}

static void
vsctl_request_destroy(struct vsctl_request *req)
{
    if (req) {
        for (int i = 0; i < req->argc; i++) {
            free(req->argv[i]);
        }
        free(req->argv);
        json_decref(req->id);
        vsctl_exec_reset(&req->exec);
        free(req->output);
        free(req->error);
        free(req);
    }
}

/* Returns a JSON string for 's', replacing bytes that would make it
 * invalid UTF-8 (which jansson refuses) by '?'. */
static json_t *
vsctl_json_string(const char *s)
{
    json_t *json = json_string(s);

    if (!json) {
        char *copy = xstrdup(s);
        for (char *p = copy; *p; p++) {
            if ((unsigned char) *p >= 0x80) {
                *p = '?';
            }
        }
        json = json_string(copy);
        free(copy);
    }
    return json;
}

static void
vsctl_request_reply(struct vsctl_request *req)
{
    json_t *result = json_object();

    json_object_set_new(result, "output",
                        vsctl_json_string(req->output ? req->output : ""));
    json_object_set_new(result, "error",
                        req->error ? vsctl_json_string(req->error)
                        : json_null());
    json_object_set_new(result, "exit", json_integer(req->exit_code));
    rpc_conn_reply(req->conn, req->id, result);
}

/* Appends one line about each remembered interface whose setup failed.
 * Returns true if there was any. */
static bool
vsctl_check_iface_errors(struct db *db, struct vsctl_request *req)
{
    const struct db_table_schema *table;
    struct dstr errors = DSTR_INITIALIZER;
    bool any = false;

    table = vsctl_table__(db_get_schema(db), "Interface");
    if (req->error) {
        dstr_puts(&errors, req->error);
        dstr_chomp(&errors, '\n');
        dstr_putc(&errors, '\n');
    }
    for (size_t i = 0; i < req->exec.n_ifaces; i++) {
        const struct db_row *row = db_get_row(db, table,
                                              &req->exec.ifaces[i]);
        const char *error = row ? db_row_get_string(row, "error") : "";
        if (error[0]) {
            dstr_printf(&errors, "Error detected while setting up '%s': "
                        "%s. See the vswitchd log for details. The "
                        "configuration was stored: fix the device or "
                        "remove the port.\n", vsctl_name(row), error);
            any = true;
        }
    }
    if (any) {
        dstr_chomp(&errors, '\n');
        free(req->error);
        req->error = dstr_steal(&errors);
    }
    dstr_destroy(&errors);
    return any;
}

/* Returns true if the configuration 'req' committed has been applied, and
 * then completes its answer. */
static bool
vsctl_request_applied(struct db *db, struct vsctl_request *req)
{
    const struct db_table_schema *table;
    const struct db_row *root;

    table = vsctl_table__(db_get_schema(db), "Open_vSwitch");
    root = db_first(db, table);
    if (root && db_row_get_integer(root, "cur_cfg") < req->exec.next_cfg) {
        return false;
    }
    if (vsctl_check_iface_errors(db, req) && !req->exit_code) {
        req->exit_code = 1;
    }
    return true;
}

/* Runs 'req' against 'db'.  Returns true if the answer is complete, false
 * if the request must wait. */
static bool
vsctl_request_execute(struct db *db, struct vsctl_request *req)
{
    struct ctl_result result;

    vsctl_exec_reset(&req->exec);
    ctl_execute(db, req->argc, req->argv, &req->exec, &result);
    if (result.try_again) {
        req->state = VSCTL_WAIT_CONDITION;
        ctl_result_destroy(&result);
        return false;
    }

    req->output = xstrdup(result.output ? result.output : "");
    req->error = result.error ? xstrdup(result.error) : NULL;
    req->exit_code = result.exit_code;
    if (!result.error && result.committed && !result.opts.no_wait
        && req->exec.next_cfg >= 0) {
        req->state = VSCTL_WAIT_APPLY;
        ctl_result_destroy(&result);
        return vsctl_request_applied(db, req);
    }
    ctl_result_destroy(&result);
    return true;
}

static bool
vsctl_params_ok(const json_t *params)
{
    size_t i;
    json_t *arg;

    if (!json_is_array(params)) {
        return false;
    }
    json_array_foreach (params, i, arg) {
        if (!json_is_string(arg)) {
            return false;
        }
    }
    return true;
}

static void
vsctl_append_pending(struct vsctl_request *req)
{
    struct vsctl_request **tail = &pending;

    while (*tail) {
        tail = &(*tail)->next;
    }
    req->next = NULL;
    *tail = req;
}

void
vsctl_handle_request(struct db *db, struct rpc_conn *conn,
                     const json_t *params, const json_t *id)
{
    struct vsctl_request *req;

    if (!vsctl_params_ok(params)) {
        rpc_conn_error(conn, id,
                       json_pack("{s:s, s:s}", "error", "invalid params",
                                 "details", "vsctl expects an array of "
                                 "command-line arguments (strings)"));
        return;
    }
    req = vsctl_request_create(conn, params, id);
    if (vsctl_request_execute(db, req)) {
        vsctl_request_reply(req);
        vsctl_request_destroy(req);
    } else {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(600, 50);
        VLOG_DBG_RL(&rl, "%s: vsctl request waits", rpc_conn_get_name(conn));
        vsctl_append_pending(req);
    }
}

/* One pass over the pending requests.  Returns true if a request that was
 * run again committed a change, which may unblock others. */
static bool
vsctl_run_pass(struct db *db)
{
    unsigned long long seqno = db_get_seqno(db);
    struct vsctl_request **reqp = &pending;

    while (*reqp) {
        struct vsctl_request *req = *reqp;
        bool done = (req->state == VSCTL_WAIT_CONDITION
                     ? vsctl_request_execute(db, req)
                     : vsctl_request_applied(db, req));
        if (done) {
            *reqp = req->next;
            vsctl_request_reply(req);
            vsctl_request_destroy(req);
        } else {
            reqp = &req->next;
        }
    }
    return db_get_seqno(db) != seqno;
}

void
vsctl_run(struct db *db)
{
    static bool running;

    /* A request run again commits, and its commit may lead the daemon
     * back here; the loop below already covers that case. */
    if (running || !pending) {
        return;
    }
    running = true;
    if (vsctl_run_pass(db)) {
        /* Requests run again committed changes: let the daemon apply them
         * (and call back here) without sleeping first. */
        while (vsctl_run_pass(db)) {
            continue;
        }
        poll_immediate_wake();
    }
    running = false;
}

void
vsctl_conn_closed(struct rpc_conn *conn)
{
    struct vsctl_request **reqp = &pending;

    while (*reqp) {
        struct vsctl_request *req = *reqp;
        if (req->conn == conn) {
            *reqp = req->next;
            vsctl_request_destroy(req);
        } else {
            reqp = &req->next;
        }
    }
}

size_t
vsctl_n_pending(void)
{
    size_t n = 0;

    for (const struct vsctl_request *req = pending; req; req = req->next) {
        n++;
    }
    return n;
}

void
vsctl_cmds_destroy(void)
{
    while (pending) {
        struct vsctl_request *req = pending;
        pending = req->next;
        vsctl_request_destroy(req);
    }
}
