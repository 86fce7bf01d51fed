/*
 * jsonrpc.h -- JSON-RPC 1.0 over stream sockets, client and server.
 *
 * Framing follows RFC 7047 section 4: JSON values are sent back to back
 * with no delimiter.  A receiver finds the end of each value with a small
 * scanner that only tracks bracket depth, whether it is inside a string, and
 * backslash escapes; the complete span is then parsed by jansson.  The
 * scanner keeps its state between reads, so a message that trickles in one
 * byte at a time costs no more than one that arrives whole.
 *
 * Messages are JSON objects:
 *
 *     request       {"method": M, "params": [...], "id": ID}
 *     notification  {"method": M, "params": [...], "id": null}
 *     reply         {"result": R, "error": null, "id": ID}
 *     error reply   {"result": null, "error": E, "id": ID}
 *
 * A "struct jsonrpc" wraps one connected, non-blocking fd with an input
 * buffer and an output queue.  Nothing blocks except
 * jsonrpc_transact_block(), which is meant for command-line tools.
 *
 * Failure is sticky: once a connection has seen EOF, a protocol error or a
 * write error, jsonrpc_get_status() keeps returning it, every later
 * operation fails the same way, and jsonrpc_get_error() explains why.  EOF
 * is reported as the (negative) C constant EOF, so it can never be confused
 * with an errno value.  Protocol errors are EPROTO: malformed JSON, a value
 * that is not an object, or a message larger than JSONRPC_MAX_MESSAGE.  A
 * peer that lets more than JSONRPC_MAX_BACKLOG bytes of our output pile up
 * makes jsonrpc_send() fail with ENOBUFS, so a stuck client cannot make the
 * daemon grow without bound.
 *
 * The "rpc_server" half listens on a Unix socket, accepts connections and
 * hands each complete request or notification to a callback; the callback
 * answers with rpc_conn_reply()/rpc_conn_error(), either at once or later
 * (a "deferred" reply, e.g. after a database commit reaches the disk).  The
 * server answers "echo" itself and drops connections that fail, with a log
 * message, without disturbing the others.
 *
 * Writes use send(MSG_NOSIGNAL), so a vanished peer yields EPIPE rather
 * than SIGPIPE.  Nothing here is thread-safe.
 */
#ifndef JSONRPC_H
#define JSONRPC_H 1

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define JSONRPC_MAX_MESSAGE (8 * 1024 * 1024)
#define JSONRPC_MAX_BACKLOG (16 * 1024 * 1024)

/* Connections. */
struct jsonrpc;

/* Takes ownership of the connected 'fd' and makes it non-blocking. */
struct jsonrpc *jsonrpc_open(int fd);
void jsonrpc_close(struct jsonrpc *);

/* Connects to the Unix socket at 'path'.  Returns 0 and stores the new
 * connection in '*rpcp', or returns an errno value (ENOENT, ECONNREFUSED,
 * EACCES, ENAMETOOLONG...) and stores NULL. */
int jsonrpc_connect_unix(const char *path, struct jsonrpc **rpcp);

/* Queues 'msg' (always stolen) and tries to write it.  Returns 0 if it was
 * queued (not necessarily written yet), otherwise the connection's sticky
 * error: ENOBUFS if the backlog limit was hit, EPIPE or another errno if
 * the connection failed. */
int jsonrpc_send(struct jsonrpc *, json_t *msg);

/* Tries to receive one message.  Returns 0 and stores a new reference in
 * '*msgp'; EAGAIN if no complete message is available yet; EOF (-1) if the
 * peer closed the connection; EPROTO on a protocol error; or another errno
 * for a read error.  '*msgp' is NULL on every nonzero return. */
int jsonrpc_recv(struct jsonrpc *, json_t **msgp);

/* Writes as much queued output as the socket accepts. */
void jsonrpc_run(struct jsonrpc *);

/* Registers POLLIN, plus POLLOUT while output is queued, with the poll
 * loop.  Wakes immediately if buffered input may already hold a message or
 * if the connection has failed, so that the owner notices. */
void jsonrpc_wait(struct jsonrpc *);

/* Returns 0 or the sticky error (EOF, EPROTO, ENOBUFS, EPIPE...). */
int jsonrpc_get_status(const struct jsonrpc *);

/* Returns a human-readable reason for the sticky error, or NULL if the
 * connection is healthy. */
const char *jsonrpc_get_error(const struct jsonrpc *);

/* Returns the number of bytes queued but not yet written. */
size_t jsonrpc_get_backlog(const struct jsonrpc *);

/* Input budget shared by several connections (a server's).  The size of
 * 'rpc''s input buffer counts in '*used'; jsonrpc_recv() does not grow the
 * buffer when that would take '*used' past 'limit', but returns EAGAIN and
 * leaves the connection's input blocked (jsonrpc_input_blocked() true,
 * jsonrpc_wait() no longer waiting to read) until a later
 * jsonrpc_recv() finds room.  'used' NULL removes the budget.  An input
 * buffer larger than 64 kB is freed as soon as it is empty. */
void jsonrpc_set_input_budget(struct jsonrpc *, size_t *used, size_t limit);
size_t jsonrpc_get_input_size(const struct jsonrpc *);
bool jsonrpc_input_blocked(const struct jsonrpc *);

/* Blocking helper for command-line tools: sends 'request' (stolen), then
 * waits for the reply whose "id" equals the request's, discarding
 * notifications and other messages.  Gives up with ETIMEDOUT at the
 * absolute time_msec() 'deadline' (0 means never).  Returns 0 and the reply
 * (a new reference, which may be an error reply) in '*replyp', or an error
 * as for jsonrpc_recv() with '*replyp' NULL.  Uses poll(2) directly, so it
 * does not disturb the poll loop's registrations. */
int jsonrpc_transact_block(struct jsonrpc *, json_t *request,
                           json_t **replyp, long long deadline);

/* Messages.  Every constructor returns a new reference and steals 'params',
 * 'result' and 'error' (NULL counts as JSON null, or as [] for params). */

/* Creates a request with a fresh integer id.  If 'idp' is nonnull, stores
 * there a borrowed reference to the id, valid while the request lives. */
json_t *jsonrpc_create_request(const char *method, json_t *params,
                               json_t **idp);
json_t *jsonrpc_create_notify(const char *method, json_t *params);
json_t *jsonrpc_create_reply(json_t *result, const json_t *id);
json_t *jsonrpc_create_error(json_t *error, const json_t *id);

/* Server. */
struct rpc_server;
struct rpc_conn;

/* Handles one request (nonnull 'id') or notification ('id' NULL).  For a
 * request it must eventually call rpc_conn_reply() or rpc_conn_error(),
 * now or later; 'method', 'params' and 'id' are borrowed for the duration
 * of the call only (json_incref() them to keep them).  'params' is always
 * an array. */
typedef void rpc_method_cb(struct rpc_conn *, const char *method,
                           json_t *params, json_t *id, void *aux);

/* Called just before 'conn' is freed, so that whoever holds it for a
 * deferred reply can forget it. */
typedef void rpc_close_cb(struct rpc_conn *, void *aux);

/* Listens on the Unix socket 'path', replacing a stale socket file but
 * refusing to take over one that a live server still answers on.  The
 * socket gets permissions 'mode' and, if 'group' is nonnull, that group
 * (an error if no such group exists).  Returns 0 and the server in
 * '*serverp', or an errno value and, if 'errorp' is nonnull, a malloc'd
 * message in '*errorp' (set to NULL on success). */
int rpc_server_create(const char *path, int mode, const char *group,
                      rpc_method_cb *, rpc_close_cb *, void *aux,
                      struct rpc_server **serverp, char **errorp);

/* Limits, so that local clients cannot exhaust the daemon:
 *
 *   - At most 'max_conns' connections.  When one more arrives, the server
 *     closes, to make room, the oldest connection that never sent a
 *     complete message, or if there is none the one whose last message is
 *     the oldest (the newcomer is always served).  The default is
 *     rpc_server_default_max_conns().
 *
 *   - At most 'max_input' bytes of input buffers across all connections
 *     (RPC_DEFAULT_MAX_INPUT by default).  A connection that would need
 *     more stops reading, and the connection holding the most input is
 *     closed, with an error message to it and a log message.
 *
 * If accept() fails for lack of descriptors or memory, the server stops
 * accepting for 100 ms, doubling up to 1 s while the failure lasts, rather
 * than spin on a listening socket that stays readable.  Log messages that
 * clients can cause are rate-limited. */
#define RPC_DEFAULT_MAX_CONNS 1000
#define RPC_DEFAULT_MAX_INPUT ((size_t) 64 * 1024 * 1024)

void rpc_server_set_limits(struct rpc_server *, size_t max_conns,
                           size_t max_input);

/* min(RPC_DEFAULT_MAX_CONNS, RLIMIT_NOFILE - 64): leaves descriptors for
 * the rest of the process. */
size_t rpc_server_default_max_conns(void);

/* Closes every connection (calling the close callback) and the listening
 * socket, and removes the socket file. */
void rpc_server_destroy(struct rpc_server *);

/* Accepts new connections, reads and dispatches complete messages (a
 * bounded number per connection per call), flushes output and drops failed
 * connections. */
void rpc_server_run(struct rpc_server *);
void rpc_server_wait(struct rpc_server *);

size_t rpc_server_n_conns(const struct rpc_server *);
const char *rpc_server_get_path(const struct rpc_server *);

/* Answers the request with 'id' (borrowed) on 'conn'.  'result' and 'error'
 * are stolen.  Harmless on a connection that has already failed. */
void rpc_conn_reply(struct rpc_conn *, const json_t *id, json_t *result);
void rpc_conn_error(struct rpc_conn *, const json_t *id, json_t *error);

/* Sends a notification; 'params' is stolen. */
void rpc_conn_notify(struct rpc_conn *, const char *method, json_t *params);

/* A short name for log messages, e.g. "unix#3". */
const char *rpc_conn_get_name(const struct rpc_conn *);

/* One pointer of per-connection data for the server's owner. */
void rpc_conn_set_data(struct rpc_conn *, void *);
void *rpc_conn_get_data(const struct rpc_conn *);

/* Returns the connection's backlog in bytes (see jsonrpc_get_backlog()). */
size_t rpc_conn_get_backlog(const struct rpc_conn *);

#endif /* jsonrpc.h */
