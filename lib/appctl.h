/*
 * appctl.h -- the daemon's runtime command socket (vswitchd.ctl).
 *
 * Modules register commands by name ("vlog/set", "fdb/show", "exit") next
 * to the code they inspect; "vsappctl COMMAND ARG..." runs them.  The wire
 * protocol is the JSON-RPC of jsonrpc.h: the request's method is the
 * command name and its params an array of strings (the arguments); a
 * successful reply's result is the output text, an error reply's error is
 * the error text.
 *
 * A command callback receives argv[0] = the command name and the
 * arguments, already checked against the registered minimum and maximum
 * count.  It must answer exactly once with appctl_reply_success() or
 * appctl_reply_error(), either before returning or later (a deferred reply,
 * e.g. once some background work completes).  The "struct appctl_conn"
 * stays valid until that answer even if the client goes away meanwhile;
 * the answer is then simply discarded.
 *
 * appctl registers these commands itself: help, version, vlog/list,
 * vlog/set and vlog/reopen.  The command table is global, so commands may
 * be registered before or after the server is created.  Not thread-safe.
 */
#ifndef APPCTL_H
#define APPCTL_H 1

struct appctl_conn;
struct appctl_server;

typedef void appctl_cb(struct appctl_conn *, int argc, const char *argv[],
                       void *aux);

/* Registers command 'name' with 'usage' text for "help" (e.g. "[SPEC...]",
 * may be "" or NULL), accepting 'min_args' to 'max_args' arguments (not
 * counting the name; use INT_MAX for "any number").  Registering a name
 * twice replaces the earlier command. */
void appctl_command_register(const char *name, const char *usage,
                             int min_args, int max_args, appctl_cb *,
                             void *aux);

/* Answers the command on 'conn' and frees 'conn'.  'body' (may be NULL for
 * no output) is copied. */
void appctl_reply_success(struct appctl_conn *, const char *body);
void appctl_reply_error(struct appctl_conn *, const char *body);

/* Listens on the Unix socket 'path' with mode 0660, owned by 'group' if
 * nonnull.  Returns 0 and the server in '*serverp', or an errno value and,
 * if 'errorp' is nonnull, a malloc'd message. */
int appctl_server_create(const char *path, const char *group,
                         struct appctl_server **serverp, char **errorp);
void appctl_server_run(struct appctl_server *);
void appctl_server_wait(struct appctl_server *);
void appctl_server_destroy(struct appctl_server *);

/* Tells "vlog/reopen" which log file to reopen (NULL: none, the command
 * then fails).  vlog does not remember the name, so the daemon passes the
 * same path it gave vlog_set_log_file(). */
void appctl_set_log_path(const char *path);

#endif /* appctl.h */
