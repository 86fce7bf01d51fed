#include <config.h>
#include "appctl.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(appctl);

struct appctl_command {
    char *name;
    char *usage;
    int min_args, max_args;
    appctl_cb *cb;
    void *aux;
};

/* The global command table, unsorted; "help" sorts a copy. */
static struct appctl_command *commands;
static size_t n_commands, allocated_commands;

/* A command awaiting its answer. */
struct appctl_conn {
    struct appctl_conn *prev, *next;   /* In server's 'pending' list. */
    struct appctl_server *server;      /* NULL once the server is gone. */
    struct rpc_conn *rpc_conn;         /* NULL once the client is gone. */
    json_t *id;
};

struct appctl_server {
    struct rpc_server *rpc;
    struct appctl_conn *pending;
};

static char *log_path;

static void appctl_init(void);

static struct appctl_command *
appctl_find(const char *name)
{
    for (size_t i = 0; i < n_commands; i++) {
        if (!strcmp(commands[i].name, name)) {
            return &commands[i];
        }
    }
    return NULL;
}

void
appctl_command_register(const char *name, const char *usage, int min_args,
                        int max_args, appctl_cb *cb, void *aux)
{
    struct appctl_command *cmd;

    appctl_init();
    cmd = appctl_find(name);
    if (cmd) {
        VLOG_DBG("command \"%s\" registered twice, replacing", name);
        free(cmd->usage);
    } else {
        if (n_commands >= allocated_commands) {
            allocated_commands = allocated_commands ? allocated_commands * 2
                                                    : 32;
            commands = xrealloc(commands,
                                allocated_commands * sizeof *commands);
        }
        cmd = &commands[n_commands++];
        cmd->name = xstrdup(name);
    }
    cmd->usage = xstrdup(usage ? usage : "");
    cmd->min_args = min_args;
    cmd->max_args = max_args;
    cmd->cb = cb;
    cmd->aux = aux;
}

void
appctl_set_log_path(const char *path)
{
    free(log_path);
    log_path = path ? xstrdup(path) : NULL;
}

/* Replies. */

/* Returns 'body' as a JSON string, replacing any bytes that are not valid
 * UTF-8 by '?' so that the reply is always valid JSON. */
static json_t *
appctl_body_to_json(const char *body)
{
    json_t *s = json_string(body ? body : "");
    if (s) {
        return s;
    }

    char *copy = xstrdup(body);
    for (unsigned char *p = (unsigned char *) copy; *p; p++) {
        if (*p >= 0x80) {
            *p = '?';
        }
    }
    s = json_string(copy);
    free(copy);
    return s;
}

static void
appctl_reply(struct appctl_conn *conn, const char *body, bool success)
{
    if (conn->rpc_conn) {
        json_t *text = appctl_body_to_json(body);
        if (success) {
            rpc_conn_reply(conn->rpc_conn, conn->id, text);
        } else {
            rpc_conn_error(conn->rpc_conn, conn->id, text);
        }
    }

    if (conn->server) {
        if (conn->prev) {
            conn->prev->next = conn->next;
        } else {
            conn->server->pending = conn->next;
        }
        if (conn->next) {
            conn->next->prev = conn->prev;
        }
    }
    json_decref(conn->id);
    free(conn);
}

void
appctl_reply_success(struct appctl_conn *conn, const char *body)
{
    appctl_reply(conn, body, true);
}

void
appctl_reply_error(struct appctl_conn *conn, const char *body)
{
    appctl_reply(conn, body, false);
}

/* Dispatch. */

static void
appctl_rpc_error(struct rpc_conn *rpc_conn, const json_t *id,
                 const char *format, ...) PRINTF_FORMAT(3, 4);

static void
appctl_rpc_error(struct rpc_conn *rpc_conn, const json_t *id,
                 const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);
    rpc_conn_error(rpc_conn, id, appctl_body_to_json(msg));
    free(msg);
}

static void
appctl_method_cb(struct rpc_conn *rpc_conn, const char *method,
                 json_t *params, json_t *id, void *server_)
{
    struct appctl_server *server = server_;

    if (!id) {
        /* Notifications cannot be answered, so they run nothing. */
        return;
    }

    struct appctl_command *cmd = appctl_find(method);
    if (!cmd) {
        appctl_rpc_error(rpc_conn, id, "\"%s\" is not a valid command (use "
                         "\"help\" to list the commands)", method);
        return;
    }

    size_t n = json_array_size(params);
    if (n < (size_t) cmd->min_args) {
        appctl_rpc_error(rpc_conn, id, "\"%s\" command requires at least %d "
                         "argument%s (usage: %s%s%s)", cmd->name,
                         cmd->min_args, cmd->min_args == 1 ? "" : "s",
                         cmd->name, cmd->usage[0] ? " " : "", cmd->usage);
        return;
    }
    if (n > (size_t) cmd->max_args) {
        appctl_rpc_error(rpc_conn, id, "\"%s\" command takes at most %d "
                         "argument%s (usage: %s%s%s)", cmd->name,
                         cmd->max_args, cmd->max_args == 1 ? "" : "s",
                         cmd->name, cmd->usage[0] ? " " : "", cmd->usage);
        return;
    }

    const char **argv = xcalloc(n + 2, sizeof *argv);
    argv[0] = cmd->name;
    for (size_t i = 0; i < n; i++) {
        const json_t *arg = json_array_get(params, i);
        if (!json_is_string(arg)) {
            appctl_rpc_error(rpc_conn, id, "command arguments must be "
                             "strings");
            free(argv);
            return;
        }
        argv[i + 1] = json_string_value(arg);
    }

    struct appctl_conn *conn = xzalloc(sizeof *conn);
    conn->server = server;
    conn->rpc_conn = rpc_conn;
    conn->id = json_incref(id);
    conn->next = server->pending;
    if (server->pending) {
        server->pending->prev = conn;
    }
    server->pending = conn;

    /* 'cmd' may move if the callback registers commands, so copy what the
     * call needs first. */
    appctl_cb *cb = cmd->cb;
    void *aux = cmd->aux;
    cb(conn, (int) n + 1, argv, aux);
    free(argv);
}

static void
appctl_close_cb(struct rpc_conn *rpc_conn, void *server_)
{
    struct appctl_server *server = server_;

    for (struct appctl_conn *c = server->pending; c; c = c->next) {
        if (c->rpc_conn == rpc_conn) {
            c->rpc_conn = NULL;
        }
    }
}

/* Server. */

#define APPCTL_MAX_CONNS 64

int
appctl_server_create(const char *path, const char *group,
                     struct appctl_server **serverp, char **errorp)
{
    struct appctl_server *server = xzalloc(sizeof *server);
    int error;

    appctl_init();
    error = rpc_server_create(path, 0660, group, appctl_method_cb,
                              appctl_close_cb, server, &server->rpc, errorp);
    if (error) {
        free(server);
        *serverp = NULL;
        return error;
    }
    /* vsappctl connects for one command at a time: a few connections are
     * plenty, and the database socket keeps the descriptors. */
    rpc_server_set_limits(server->rpc, APPCTL_MAX_CONNS,
                          RPC_DEFAULT_MAX_INPUT / 4);
    *serverp = server;
    return 0;
}

void
appctl_server_run(struct appctl_server *server)
{
    rpc_server_run(server->rpc);
}

void
appctl_server_wait(struct appctl_server *server)
{
    rpc_server_wait(server->rpc);
}

void
appctl_server_destroy(struct appctl_server *server)
{
    if (!server) {
        return;
    }

    /* Closing the connections clears each pending command's 'rpc_conn';
     * then detach them so that a late reply does not touch 'server'. */
    rpc_server_destroy(server->rpc);
    struct appctl_conn *c, *next;
    for (c = server->pending; c; c = next) {
        next = c->next;
        c->server = NULL;
        c->prev = c->next = NULL;
    }
    free(server);
}

/* Built-in commands. */

static int
appctl_compare_commands(const void *a_, const void *b_)
{
    const struct appctl_command *const *a = a_;
    const struct appctl_command *const *b = b_;
    return strcmp((*a)->name, (*b)->name);
}

static void
appctl_help_cb(struct appctl_conn *conn, int argc, const char *argv[],
               void *aux)
{
    const struct appctl_command **sorted;
    struct dstr out = DSTR_INITIALIZER;
    size_t width = 0;

    sorted = xcalloc(n_commands, sizeof *sorted);
    for (size_t i = 0; i < n_commands; i++) {
        sorted[i] = &commands[i];
        width = MAX(width, strlen(commands[i].name));
    }
    qsort(sorted, n_commands, sizeof *sorted, appctl_compare_commands);

    dstr_puts(&out, "The available commands are:\n");
    for (size_t i = 0; i < n_commands; i++) {
        if (sorted[i]->usage[0]) {
            dstr_printf(&out, "  %-*s  %s\n", (int) width, sorted[i]->name,
                        sorted[i]->usage);
        } else {
            dstr_printf(&out, "  %s\n", sorted[i]->name);
        }
    }
    appctl_reply_success(conn, dstr_cstr(&out));
    dstr_destroy(&out);
    free(sorted);
}

static void
appctl_version_cb(struct appctl_conn *conn, int argc, const char *argv[],
                  void *aux)
{
    appctl_reply_success(conn, "vswitchd (vswitch) " PACKAGE_VERSION "\n");
}

static void
appctl_vlog_list_cb(struct appctl_conn *conn, int argc, const char *argv[],
                    void *aux)
{
    char *list = vlog_list();
    appctl_reply_success(conn, list);
    free(list);
}

static void
appctl_vlog_set_cb(struct appctl_conn *conn, int argc, const char *argv[],
                   void *aux)
{
    for (int i = 1; i < argc; i++) {
        char *error = vlog_set_levels_from_string(argv[i]);
        if (error) {
            appctl_reply_error(conn, error);
            free(error);
            return;
        }
    }
    appctl_reply_success(conn, NULL);
}

static void
appctl_vlog_reopen_cb(struct appctl_conn *conn, int argc, const char *argv[],
                      void *aux)
{
    if (!log_path) {
        appctl_reply_error(conn, "logging to a file is not configured");
        return;
    }

    int error = vlog_set_log_file(log_path);
    if (error) {
        char *msg = xasprintf("%s: cannot reopen log file (%s)", log_path,
                              strerror(error));
        appctl_reply_error(conn, msg);
        free(msg);
    } else {
        appctl_reply_success(conn, NULL);
    }
}

static void
appctl_init(void)
{
    static bool inited;

    if (inited) {
        return;
    }
    inited = true;

    appctl_command_register("help", "", 0, 0, appctl_help_cb, NULL);
    appctl_command_register("version", "", 0, 0, appctl_version_cb, NULL);
    appctl_command_register("vlog/list", "", 0, 0, appctl_vlog_list_cb,
                            NULL);
    appctl_command_register("vlog/set", "SPEC...", 1, INT_MAX,
                            appctl_vlog_set_cb, NULL);
    appctl_command_register("vlog/reopen", "", 0, 0, appctl_vlog_reopen_cb,
                            NULL);
}
