#include <config.h>
#include "jsonrpc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(jsonrpc);

/* How many bytes to ask read() for, at least. */
#define JSONRPC_READ_CHUNK 4096
/* The largest input buffer one connection needs: a message of the maximum
 * size and one read beyond it. */
#define JSONRPC_MAX_INPUT_BUFFER (JSONRPC_MAX_MESSAGE + 2 * JSONRPC_READ_CHUNK)

/* An input buffer larger than this is freed once it holds nothing, so that
 * one big request does not pin its memory for the connection's life. */
#define JSONRPC_KEEP_BUFFER (64 * 1024)

struct jsonrpc {
    int fd;

    /* Input.  Bytes [istart, ilen) of 'ibuf' are unconsumed; [istart,
     * iscan) of them have already been scanned as part of the message that
     * is still incomplete. */
    char *ibuf;
    size_t ilen, icap;
    size_t istart, iscan;
    bool in_msg;                /* Seen the opening bracket? */
    bool in_string;             /* Inside a JSON string? */
    bool escape;                /* Just after a backslash in a string? */
    size_t depth;               /* Bracket nesting depth. */

    /* Optional budget shared with other connections: 'icap' is counted in
     * '*budget_used', which may not grow past 'budget_limit'. */
    size_t *budget_used;
    size_t budget_limit;
    bool input_blocked;         /* Input waits for budget. */

    /* Output.  Bytes [ooff, olen) of 'obuf' are still to be written. */
    char *obuf;
    size_t olen, ooff, ocap;
    bool write_failed;          /* Stop trying to write at all. */

    /* Sticky failure. */
    int status;                 /* 0, EOF, or a positive errno. */
    char *error;                /* Reason, when 'status' is nonzero. */
};

static void jsonrpc_fail(struct jsonrpc *, int status, const char *format,
                         ...) PRINTF_FORMAT(3, 4);

/* Records the first failure of 'rpc'.  Later failures are not recorded:
 * the first one is what the user needs to see. */
static void
jsonrpc_fail(struct jsonrpc *rpc, int status, const char *format, ...)
{
    if (rpc->status) {
        return;
    }

    va_list args;
    va_start(args, format);
    rpc->status = status;
    rpc->error = xvasprintf(format, args);
    va_end(args);
}

struct jsonrpc *
jsonrpc_open(int fd)
{
    struct jsonrpc *rpc = xzalloc(sizeof *rpc);
    int flags = fcntl(fd, F_GETFL);

    if (flags >= 0 && !(flags & O_NONBLOCK)) {
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
    rpc->fd = fd;
    return rpc;
}

void
jsonrpc_close(struct jsonrpc *rpc)
{
    if (rpc) {
        if (rpc->budget_used) {
            *rpc->budget_used -= rpc->icap;
        }
        close(rpc->fd);
        free(rpc->ibuf);
        free(rpc->obuf);
        free(rpc->error);
        free(rpc);
    }
}

int
jsonrpc_connect_unix(const char *path, struct jsonrpc **rpcp)
{
    struct sockaddr_un sun;

    *rpcp = NULL;
    if (strlen(path) >= sizeof sun.sun_path) {
        return ENAMETOOLONG;
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    if (connect(fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        int error = errno;
        close(fd);
        return error;
    }
    *rpcp = jsonrpc_open(fd);
    return 0;
}

/* Output. */

/* Appends 'len' bytes to the output queue, ignoring limits. */
static void
jsonrpc_queue(struct jsonrpc *rpc, const char *data, size_t len)
{
    if (rpc->ooff == rpc->olen) {
        rpc->ooff = rpc->olen = 0;
    } else if (rpc->ooff > rpc->ocap / 2) {
        memmove(rpc->obuf, rpc->obuf + rpc->ooff, rpc->olen - rpc->ooff);
        rpc->olen -= rpc->ooff;
        rpc->ooff = 0;
    }
    if (rpc->ocap - rpc->olen < len) {
        size_t cap = rpc->ocap ? rpc->ocap : 4096;
        while (cap - rpc->olen < len) {
            cap *= 2;
        }
        rpc->obuf = xrealloc(rpc->obuf, cap);
        rpc->ocap = cap;
    }
    memcpy(rpc->obuf + rpc->olen, data, len);
    rpc->olen += len;
}

void
jsonrpc_run(struct jsonrpc *rpc)
{
    while (!rpc->write_failed && rpc->ooff < rpc->olen) {
        const char *p = rpc->obuf + rpc->ooff;
        size_t n = rpc->olen - rpc->ooff;
        ssize_t retval = send(rpc->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (retval < 0 && errno == ENOTSOCK) {
            /* A pipe or similar: plain write(), SIGPIPE is the daemon's
             * business (it ignores it). */
            retval = write(rpc->fd, p, n);
        }
        if (retval > 0) {
            rpc->ooff += retval;
        } else if (retval < 0 && errno == EINTR) {
            continue;
        } else if (retval < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            int error = retval < 0 ? errno : EPIPE;
            rpc->write_failed = true;
            jsonrpc_fail(rpc, error, "send failed (%s)", strerror(error));
            break;
        }
    }
}

/* Serializes 'msg' (stolen) and appends it to the output queue, enforcing
 * the backlog limit.  Does not check the sticky status. */
static int
jsonrpc_queue_msg(struct jsonrpc *rpc, json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!s) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 5);
        VLOG_ERR_RL(&rl, "cannot serialize JSON-RPC message (invalid JSON "
                    "value)");
        return EINVAL;
    }

    size_t len = strlen(s);
    size_t backlog = jsonrpc_get_backlog(rpc);
    if (backlog + len > JSONRPC_MAX_BACKLOG) {
        free(s);
        jsonrpc_fail(rpc, ENOBUFS, "output backlog of %zu bytes exceeds the "
                     "limit of %d bytes (peer not reading)",
                     backlog + len, JSONRPC_MAX_BACKLOG);
        return ENOBUFS;
    }
    jsonrpc_queue(rpc, s, len);
    free(s);
    return 0;
}

int
jsonrpc_send(struct jsonrpc *rpc, json_t *msg)
{
    if (rpc->status) {
        json_decref(msg);
        return rpc->status == EOF ? EPIPE : rpc->status;
    }

    int error = jsonrpc_queue_msg(rpc, msg);
    if (error) {
        return error;
    }
    jsonrpc_run(rpc);
    return rpc->status == EOF ? EPIPE : rpc->status;
}

/* Queues 'msg' even though the connection has failed, and tries once to
 * write it: used to explain a protocol error to the peer before hanging
 * up. */
static void
jsonrpc_send_last_words(struct jsonrpc *rpc, json_t *msg)
{
    if (!jsonrpc_queue_msg(rpc, msg)) {
        jsonrpc_run(rpc);
    }
}

size_t
jsonrpc_get_backlog(const struct jsonrpc *rpc)
{
    return rpc->olen - rpc->ooff;
}

/* Input. */

/* Scans unscanned input for the end of the current message.  Returns 1 and
 * stores the end offset in '*endp' if a complete value is available, 0 if
 * more input is needed, or -1 after recording a protocol error. */
static int
jsonrpc_scan(struct jsonrpc *rpc, size_t *endp)
{
    while (rpc->iscan < rpc->ilen) {
        unsigned char c = rpc->ibuf[rpc->iscan];

        if (!rpc->in_msg) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                rpc->iscan++;
                rpc->istart = rpc->iscan;
                continue;
            } else if (c == '{' || c == '[') {
                rpc->in_msg = true;
                rpc->in_string = rpc->escape = false;
                rpc->depth = 1;
                rpc->iscan++;
                continue;
            } else {
                jsonrpc_fail(rpc, EPROTO, "message does not begin with '{' "
                             "(first byte is 0x%02x)", c);
                return -1;
            }
        }

        rpc->iscan++;
        if (rpc->iscan - rpc->istart > JSONRPC_MAX_MESSAGE) {
            jsonrpc_fail(rpc, EPROTO, "message exceeds the limit of %d bytes",
                         JSONRPC_MAX_MESSAGE);
            return -1;
        }
        if (rpc->in_string) {
            if (rpc->escape) {
                rpc->escape = false;
            } else if (c == '\\') {
                rpc->escape = true;
            } else if (c == '"') {
                rpc->in_string = false;
            }
        } else if (c == '"') {
            rpc->in_string = true;
        } else if (c == '{' || c == '[') {
            rpc->depth++;
        } else if (c == '}' || c == ']') {
            if (!--rpc->depth) {
                rpc->in_msg = false;
                *endp = rpc->iscan;
                return 1;
            }
        }

    }
    return 0;
}

/* Changes the input buffer's capacity to 'cap' (0 frees it), keeping the
 * budget's count. */
static void
jsonrpc_resize_input(struct jsonrpc *rpc, size_t cap)
{
    if (rpc->budget_used) {
        *rpc->budget_used = *rpc->budget_used - rpc->icap + cap;
    }
    if (cap) {
        rpc->ibuf = xrealloc(rpc->ibuf, cap);
    } else {
        free(rpc->ibuf);
        rpc->ibuf = NULL;
    }
    rpc->icap = cap;
}

/* Makes room for at least JSONRPC_READ_CHUNK more input bytes.  Returns
 * false, and marks the input blocked, if that would exceed the budget. */
static bool
jsonrpc_make_room(struct jsonrpc *rpc)
{
    if (rpc->istart) {
        memmove(rpc->ibuf, rpc->ibuf + rpc->istart,
                rpc->ilen - rpc->istart);
        rpc->ilen -= rpc->istart;
        rpc->iscan -= rpc->istart;
        rpc->istart = 0;
    }
    if (rpc->icap - rpc->ilen < JSONRPC_READ_CHUNK) {
        /* Doubling, but never past what the largest message needs, so
         * that a legitimate message of the maximum size fits the budget
         * (JSONRPC_MIN_INPUT_BUDGET). */
        size_t cap = MIN(MAX(rpc->icap * 2, rpc->ilen + JSONRPC_READ_CHUNK),
                         MAX(JSONRPC_MAX_INPUT_BUFFER,
                             rpc->ilen + JSONRPC_READ_CHUNK));
        if (rpc->budget_used
            && *rpc->budget_used - rpc->icap + cap > rpc->budget_limit) {
            rpc->input_blocked = true;
            return false;
        }
        jsonrpc_resize_input(rpc, cap);
    }
    rpc->input_blocked = false;
    return true;
}

/* Parses the complete message that ends at 'end'. */
static int
jsonrpc_parse(struct jsonrpc *rpc, size_t end, json_t **msgp)
{
    const char *start = rpc->ibuf + rpc->istart;
    size_t len = end - rpc->istart;
    json_error_t jerror;

    rpc->istart = end;
    json_t *msg = json_loadb(start, len, 0, &jerror);
    if (rpc->istart == rpc->ilen && rpc->icap > JSONRPC_KEEP_BUFFER) {
        /* Everything is consumed: give a big buffer back. */
        rpc->istart = rpc->iscan = rpc->ilen = 0;
        jsonrpc_resize_input(rpc, 0);
    }
    if (!msg) {
        jsonrpc_fail(rpc, EPROTO, "JSON syntax error at byte %d of message: "
                     "%s", jerror.position, jerror.text);
        return EPROTO;
    }
    if (!json_is_object(msg)) {
        json_decref(msg);
        jsonrpc_fail(rpc, EPROTO, "message is not a JSON object");
        return EPROTO;
    }
    *msgp = msg;
    return 0;
}

int
jsonrpc_recv(struct jsonrpc *rpc, json_t **msgp)
{
    *msgp = NULL;
    if (rpc->status) {
        return rpc->status;
    }

    for (;;) {
        size_t end;
        int retval = jsonrpc_scan(rpc, &end);
        if (retval > 0) {
            return jsonrpc_parse(rpc, end, msgp);
        } else if (retval < 0) {
            return EPROTO;
        }

        if (!jsonrpc_make_room(rpc)) {
            return EAGAIN;
        }
        ssize_t n = read(rpc->fd, rpc->ibuf + rpc->ilen,
                         rpc->icap - rpc->ilen);
        if (n > 0) {
            rpc->ilen += n;
        } else if (n == 0) {
            if (rpc->in_msg) {
                jsonrpc_fail(rpc, EOF, "connection closed in the middle of "
                             "a message");
            } else {
                jsonrpc_fail(rpc, EOF, "connection closed by peer");
            }
            return EOF;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return EAGAIN;
        } else {
            int error = errno;
            jsonrpc_fail(rpc, error, "receive failed (%s)", strerror(error));
            return error;
        }
    }
}

void
jsonrpc_wait(struct jsonrpc *rpc)
{
    short events = 0;

    if (rpc->status || rpc->iscan < rpc->ilen) {
        poll_immediate_wake();
    }
    if (!rpc->input_blocked) {
        /* Blocked input is readable, but reading must wait until the
         * budget's owner makes room: waking for it would only spin. */
        events |= POLLIN;
    }
    if (jsonrpc_get_backlog(rpc) && !rpc->write_failed) {
        events |= POLLOUT;
    }
    if (events) {
        poll_fd_wait(rpc->fd, events);
    }
}

void
jsonrpc_set_input_budget(struct jsonrpc *rpc, size_t *used, size_t limit)
{
    if (rpc->budget_used) {
        *rpc->budget_used -= rpc->icap;
    }
    rpc->budget_used = used;
    rpc->budget_limit = limit;
    if (used) {
        *used += rpc->icap;
    }
    rpc->input_blocked = false;
}

size_t
jsonrpc_get_input_size(const struct jsonrpc *rpc)
{
    return rpc->icap;
}

bool
jsonrpc_input_blocked(const struct jsonrpc *rpc)
{
    return rpc->input_blocked;
}

int
jsonrpc_get_status(const struct jsonrpc *rpc)
{
    return rpc->status;
}

const char *
jsonrpc_get_error(const struct jsonrpc *rpc)
{
    return rpc->status ? rpc->error : NULL;
}

/* Returns true if 'msg' is a reply (not a request) whose id equals 'id'. */
static bool
jsonrpc_is_reply_to(const json_t *msg, const json_t *id)
{
    const json_t *msg_id = json_object_get(msg, "id");

    return (!json_object_get(msg, "method")
            && msg_id && json_equal((json_t *) msg_id, (json_t *) id));
}

int
jsonrpc_transact_block(struct jsonrpc *rpc, json_t *request,
                       json_t **replyp, long long deadline)
{
    json_t *id = json_incref(json_object_get(request, "id"));
    int error;

    *replyp = NULL;
    error = jsonrpc_send(rpc, request);
    if (error) {
        json_decref(id);
        return error;
    }

    for (;;) {
        json_t *msg;

        error = jsonrpc_recv(rpc, &msg);
        if (!error) {
            if (id && jsonrpc_is_reply_to(msg, id)) {
                *replyp = msg;
                break;
            }
            json_decref(msg);
            continue;
        } else if (error != EAGAIN) {
            break;
        }

        jsonrpc_run(rpc);
        error = jsonrpc_get_status(rpc);
        if (error) {
            break;
        }

        int timeout = -1;
        if (deadline) {
            long long now = time_msec();
            if (now >= deadline) {
                error = ETIMEDOUT;
                break;
            }
            timeout = deadline - now > 60000 ? 60000 : deadline - now;
        }

        struct pollfd pfd = {
            .fd = rpc->fd,
            .events = jsonrpc_get_backlog(rpc) ? POLLIN | POLLOUT : POLLIN,
        };
        if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
            error = errno;
            break;
        }
    }
    json_decref(id);
    return error;
}

/* Messages. */

json_t *
jsonrpc_create_request(const char *method, json_t *params, json_t **idp)
{
    static long long next_id = 1;
    json_t *msg = json_object();
    json_t *id = json_integer(next_id++);

    json_object_set_new(msg, "method", json_string(method));
    json_object_set_new(msg, "params", params ? params : json_array());
    json_object_set_new(msg, "id", id);
    if (idp) {
        *idp = id;
    }
    return msg;
}

json_t *
jsonrpc_create_notify(const char *method, json_t *params)
{
    json_t *msg = json_object();

    json_object_set_new(msg, "method", json_string(method));
    json_object_set_new(msg, "params", params ? params : json_array());
    json_object_set_new(msg, "id", json_null());
    return msg;
}

static json_t *
jsonrpc_copy_id(const json_t *id)
{
    return id ? json_deep_copy(id) : json_null();
}

json_t *
jsonrpc_create_reply(json_t *result, const json_t *id)
{
    json_t *msg = json_object();

    json_object_set_new(msg, "result", result ? result : json_null());
    json_object_set_new(msg, "error", json_null());
    json_object_set_new(msg, "id", jsonrpc_copy_id(id));
    return msg;
}

json_t *
jsonrpc_create_error(json_t *error, const json_t *id)
{
    json_t *msg = json_object();

    json_object_set_new(msg, "result", json_null());
    json_object_set_new(msg, "error", error ? error : json_null());
    json_object_set_new(msg, "id", jsonrpc_copy_id(id));
    return msg;
}

/* Server. */

/* Bounds on the work done in one rpc_server_run(), so that one busy client
 * cannot starve the others or the rest of the daemon. */
#define RPC_MAX_ACCEPTS_PER_RUN 16
#define RPC_MAX_MSGS_PER_RUN 50

/* What clients of the server can make it log, they can make it log at
 * will: these buckets cover every connection's messages. */
static struct vlog_rate_limit conn_warn_rl = VLOG_RATE_LIMIT_INIT(60, 10);
static struct vlog_rate_limit conn_dbg_rl = VLOG_RATE_LIMIT_INIT(600, 50);

struct rpc_conn {
    struct rpc_conn *prev, *next;
    struct rpc_server *server;
    struct jsonrpc *rpc;
    char *name;
    void *data;
    bool more;                  /* Stopped reading at the per-run bound. */
    long long accepted;         /* time_msec() when accepted. */
    long long last_msg;         /* time_msec() of its last message, or 0. */
};

struct rpc_server {
    int fd;
    char *path;
    rpc_method_cb *method_cb;
    rpc_close_cb *close_cb;
    void *aux;
    struct rpc_conn *conns;     /* Doubly linked list head. */
    size_t n_conns;
    unsigned int next_conn_serial;

    /* Limits (see rpc_server_set_limits()). */
    size_t max_conns;
    size_t input_used;          /* Input buffers of all connections. */
    size_t max_input;

    /* Accepting pauses for a while after the process ran out of file
     * descriptors, instead of retrying (and logging) in a tight loop. */
    long long accept_resume;    /* time_msec() to try again, or 0. */
    int accept_backoff;         /* Next pause, in ms. */
};

/* Pauses after EMFILE and the like: from the first to the last, doubling
 * while the condition persists. */
#define RPC_ACCEPT_BACKOFF_MIN 100
#define RPC_ACCEPT_BACKOFF_MAX 1000

static int rpc_server_error(char **errorp, int error, const char *format,
                            ...) PRINTF_FORMAT(3, 4);

static int
rpc_server_error(char **errorp, int error, const char *format, ...)
{
    if (errorp) {
        va_list args;
        va_start(args, format);
        *errorp = xvasprintf(format, args);
        va_end(args);
    }
    return error;
}

/* Prepares 'path' for bind(): a leftover socket from a dead server is
 * removed, a live one is left alone. */
static int
rpc_server_clear_path(const char *path, char **errorp)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        return (errno == ENOENT ? 0
                : rpc_server_error(errorp, errno, "%s: stat failed (%s)",
                                   path, strerror(errno)));
    }
    if (!S_ISSOCK(st.st_mode)) {
        return rpc_server_error(errorp, EEXIST, "%s: exists and is not a "
                                "socket", path);
    }

    struct jsonrpc *probe;
    if (!jsonrpc_connect_unix(path, &probe)) {
        jsonrpc_close(probe);
        return rpc_server_error(errorp, EADDRINUSE, "%s: another server is "
                                "already listening on this socket", path);
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        return rpc_server_error(errorp, errno, "%s: cannot remove stale "
                                "socket (%s)", path, strerror(errno));
    }
    return 0;
}

int
rpc_server_create(const char *path, int mode, const char *group,
                  rpc_method_cb *method_cb, rpc_close_cb *close_cb,
                  void *aux, struct rpc_server **serverp, char **errorp)
{
    struct sockaddr_un sun;
    gid_t gid = (gid_t) -1;
    int error;

    *serverp = NULL;
    if (errorp) {
        *errorp = NULL;
    }

    if (strlen(path) >= sizeof sun.sun_path) {
        return rpc_server_error(errorp, ENAMETOOLONG, "%s: socket name too "
                                "long (limit is %zu bytes)", path,
                                sizeof sun.sun_path - 1);
    }
    if (group) {
        struct group *gr = getgrnam(group);
        if (!gr) {
            return rpc_server_error(errorp, ENOENT, "group \"%s\" does not "
                                    "exist", group);
        }
        gid = gr->gr_gid;
    }
    error = rpc_server_clear_path(path, errorp);
    if (error) {
        return error;
    }

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return rpc_server_error(errorp, errno, "socket failed (%s)",
                                strerror(errno));
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);
    if (bind(fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        error = errno;
        close(fd);
        return rpc_server_error(errorp, error, "%s: bind failed (%s)", path,
                                strerror(error));
    }
    if (chmod(path, mode) < 0) {
        error = rpc_server_error(errorp, errno, "%s: chmod failed (%s)",
                                 path, strerror(errno));
        goto error;
    }
    if (group && chown(path, (uid_t) -1, gid) < 0) {
        error = rpc_server_error(errorp, errno, "%s: cannot change group "
                                 "to \"%s\" (%s)", path, group,
                                 strerror(errno));
        goto error;
    }
    if (listen(fd, SOMAXCONN) < 0) {
        error = rpc_server_error(errorp, errno, "%s: listen failed (%s)",
                                 path, strerror(errno));
        goto error;
    }

    struct rpc_server *server = xzalloc(sizeof *server);
    server->fd = fd;
    server->path = xstrdup(path);
    server->max_conns = rpc_server_default_max_conns();
    server->max_input = RPC_DEFAULT_MAX_INPUT;
    server->accept_backoff = RPC_ACCEPT_BACKOFF_MIN;
    server->method_cb = method_cb;
    server->close_cb = close_cb;
    server->aux = aux;
    *serverp = server;
    return 0;

error:
    close(fd);
    unlink(path);
    return error;
}

static void
rpc_conn_destroy(struct rpc_conn *conn)
{
    struct rpc_server *server = conn->server;

    if (server->close_cb) {
        server->close_cb(conn, server->aux);
    }
    if (conn->prev) {
        conn->prev->next = conn->next;
    } else {
        server->conns = conn->next;
    }
    if (conn->next) {
        conn->next->prev = conn->prev;
    }
    server->n_conns--;
    jsonrpc_close(conn->rpc);
    free(conn->name);
    free(conn);
}

void
rpc_server_destroy(struct rpc_server *server)
{
    if (!server) {
        return;
    }
    while (server->conns) {
        jsonrpc_run(server->conns->rpc);
        rpc_conn_destroy(server->conns);
    }
    close(server->fd);
    unlink(server->path);
    free(server->path);
    free(server);
}

size_t
rpc_server_default_max_conns(void)
{
    struct rlimit rl;
    size_t max = RPC_DEFAULT_MAX_CONNS;

    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY) {
        /* Leave room for everything else the process opens. */
        size_t avail = rl.rlim_cur > 128 ? rl.rlim_cur - 64 : rl.rlim_cur / 2;
        max = MIN(max, avail);
    }
    return MAX(max, 1);
}

void
rpc_server_set_limits(struct rpc_server *server, size_t max_conns,
                      size_t max_input)
{
    server->max_conns = MAX(max_conns, 1);
    server->max_input = max_input;
    for (struct rpc_conn *c = server->conns; c; c = c->next) {
        jsonrpc_set_input_budget(c->rpc, &server->input_used,
                                 server->max_input);
    }
}

/* Picks the connection to close when a new one arrives at the limit: the
 * oldest of those that never sent a complete message (an idle client, or
 * one that trickles bytes to hold a slot), otherwise the one whose last
 * message is the oldest.  A client that has just connected (a vsctl that
 * sent its request at once) is thus the last to go. */
static struct rpc_conn *
rpc_server_pick_victim(const struct rpc_server *server)
{
    struct rpc_conn *victim = NULL;

    /* The list runs from the newest connection to the oldest, so "<="
     * breaks ties (the same millisecond) in favour of the older one. */
    for (struct rpc_conn *c = server->conns; c; c = c->next) {
        if (!victim
            || (!c->last_msg && victim->last_msg)
            || (!c->last_msg && !victim->last_msg
                && c->accepted <= victim->accepted)
            || (c->last_msg && victim->last_msg
                && c->last_msg <= victim->last_msg)) {
            victim = c;
        }
    }
    return victim;
}

static void
rpc_server_accept(struct rpc_server *server)
{
    static struct vlog_rate_limit fail_rl = VLOG_RATE_LIMIT_INIT(60, 5);
    static struct vlog_rate_limit full_rl = VLOG_RATE_LIMIT_INIT(60, 5);
    static struct vlog_rate_limit dbg_rl = VLOG_RATE_LIMIT_INIT(600, 20);

    if (server->accept_resume) {
        if (time_msec() < server->accept_resume) {
            return;
        }
        server->accept_resume = 0;
    }

    bool retried = false;
    for (int i = 0; i < RPC_MAX_ACCEPTS_PER_RUN; i++) {
        int fd = accept4(server->fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            int error = errno;
            if ((error == EMFILE || error == ENFILE) && server->n_conns
                && !retried) {
                /* Out of descriptors: make room the way the connection
                 * limit does, so that a new client (vsctl) is served even
                 * while idle connections hold every descriptor. */
                struct rpc_conn *victim = rpc_server_pick_victim(server);

                VLOG_WARN_RL(&full_rl, "%s: out of file descriptors with "
                             "%zu connections: closing %s", server->path,
                             server->n_conns, victim->name);
                rpc_conn_destroy(victim);
                retried = true;
                i--;
                continue;
            }
            if (error == EMFILE || error == ENFILE || error == ENOBUFS
                || error == ENOMEM) {
                /* The pending connections stay queued in the kernel until
                 * descriptors or memory are free again. */
                VLOG_WARN_RL(&fail_rl, "%s: accept failed (%s); not "
                             "accepting connections for %d ms",
                             server->path, strerror(error),
                             server->accept_backoff);
                server->accept_resume = time_msec() + server->accept_backoff;
                server->accept_backoff = MIN(server->accept_backoff * 2,
                                             RPC_ACCEPT_BACKOFF_MAX);
            } else if (error != EAGAIN && error != EWOULDBLOCK
                       && error != EINTR && error != ECONNABORTED) {
                VLOG_WARN_RL(&fail_rl, "%s: accept failed (%s)",
                             server->path, strerror(error));
            }
            return;
        }
        server->accept_backoff = RPC_ACCEPT_BACKOFF_MIN;

        if (server->n_conns >= server->max_conns) {
            struct rpc_conn *victim = rpc_server_pick_victim(server);
            VLOG_WARN_RL(&full_rl, "%s: %zu connections, the limit: closing "
                         "%s, %s", server->path, server->n_conns,
                         victim->name,
                         victim->last_msg ? "the longest idle"
                         : "the oldest that never sent a request");
            rpc_conn_destroy(victim);
        }

        struct rpc_conn *conn = xzalloc(sizeof *conn);
        conn->server = server;
        conn->rpc = jsonrpc_open(fd);
        jsonrpc_set_input_budget(conn->rpc, &server->input_used,
                                 server->max_input);
        conn->name = xasprintf("unix#%u", server->next_conn_serial++);
        conn->accepted = time_msec();
        conn->next = server->conns;
        if (server->conns) {
            server->conns->prev = conn;
        }
        server->conns = conn;
        server->n_conns++;
        VLOG_DBG_RL(&dbg_rl, "%s: accepted connection %s", server->path,
                    conn->name);
    }
}

/* When some connection cannot read for lack of input budget, closes the
 * one holding the most buffered input, which may be that connection
 * itself: a client cannot hold memory hostage by sending many half
 * messages.  One per call; the blocked connections try again at once. */
static void
rpc_server_enforce_budget(struct rpc_server *server)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 5);
    struct rpc_conn *largest = NULL;
    bool blocked = false;

    for (struct rpc_conn *c = server->conns; c; c = c->next) {
        if (jsonrpc_input_blocked(c->rpc)) {
            blocked = true;
            c->more = true;
        }
        if (!largest || (jsonrpc_get_input_size(c->rpc)
                         > jsonrpc_get_input_size(largest->rpc))) {
            largest = c;
        }
    }
    if (!blocked || !largest) {
        return;
    }

    VLOG_WARN_RL(&rl, "%s: dropping connection %s: input buffers of all "
                 "connections reached the limit of %zu bytes, and it holds "
                 "the most (%zu bytes)", server->path, largest->name,
                 server->max_input, jsonrpc_get_input_size(largest->rpc));
    jsonrpc_send_last_words(largest->rpc, jsonrpc_create_error(
                                json_string("server input memory limit "
                                            "reached; connection closed"),
                                NULL));
    rpc_conn_destroy(largest);
}

/* Handles one received message. */
static void
rpc_conn_dispatch(struct rpc_conn *conn, json_t *msg)
{
    struct rpc_server *server = conn->server;
    json_t *method = json_object_get(msg, "method");
    json_t *id = json_object_get(msg, "id");
    json_t *params;

    if (json_is_null(id)) {
        id = NULL;
    }

    if (!method) {
        if (json_object_get(msg, "result") || json_object_get(msg, "error")) {
            /* A reply, e.g. to an "echo" we never sent: nothing to do. */
            VLOG_DBG_RL(&conn_dbg_rl, "%s: ignoring unexpected reply",
                        conn->name);
        } else if (id) {
            rpc_conn_error(conn, id, json_string("unrecognized JSON-RPC "
                                                 "message (no \"method\", "
                                                 "\"result\" or "
                                                 "\"error\")"));
        } else {
            VLOG_WARN_RL(&conn_warn_rl, "%s: ignoring unrecognized "
                         "JSON-RPC message", conn->name);
        }
        return;
    }
    if (!json_is_string(method)) {
        if (id) {
            rpc_conn_error(conn, id, json_string("\"method\" must be a "
                                                 "string"));
        }
        return;
    }

    params = json_object_get(msg, "params");
    if (!params) {
        params = json_array();
    } else if (!json_is_array(params)) {
        if (id) {
            rpc_conn_error(conn, id, json_string("\"params\" must be an "
                                                 "array"));
        }
        return;
    } else {
        json_incref(params);
    }

    const char *name = json_string_value(method);
    if (!strcmp(name, "echo")) {
        if (id) {
            rpc_conn_reply(conn, id, json_incref(params));
        }
    } else if (server->method_cb) {
        server->method_cb(conn, name, params, id, server->aux);
    } else if (id) {
        rpc_conn_error(conn, id, json_string("unknown method"));
    }
    json_decref(params);
}

/* Runs one connection.  Returns false if it has failed and must go. */
static bool
rpc_conn_run(struct rpc_conn *conn)
{
    struct jsonrpc *rpc = conn->rpc;
    int i;

    jsonrpc_run(rpc);
    conn->more = false;
    for (i = 0; i < RPC_MAX_MSGS_PER_RUN && !jsonrpc_get_status(rpc); i++) {
        json_t *msg;
        if (jsonrpc_recv(rpc, &msg)) {
            break;
        }
        conn->last_msg = time_msec();
        rpc_conn_dispatch(conn, msg);
        json_decref(msg);
    }
    if (i >= RPC_MAX_MSGS_PER_RUN) {
        conn->more = true;
    }
    jsonrpc_run(rpc);

    int status = jsonrpc_get_status(rpc);
    if (!status) {
        return true;
    }
    if (status == EOF) {
        VLOG_DBG_RL(&conn_dbg_rl, "%s: %s", conn->name,
                    jsonrpc_get_error(rpc));
    } else {
        VLOG_WARN_RL(&conn_warn_rl, "%s: dropping connection: %s",
                     conn->name, jsonrpc_get_error(rpc));
        if (status == EPROTO) {
            json_t *reason = json_string(jsonrpc_get_error(rpc));
            jsonrpc_send_last_words(rpc, jsonrpc_create_error(reason, NULL));
        }
    }
    return false;
}

void
rpc_server_run(struct rpc_server *server)
{
    struct rpc_conn *conn, *next;

    rpc_server_accept(server);
    for (conn = server->conns; conn; conn = next) {
        next = conn->next;
        if (!rpc_conn_run(conn)) {
            rpc_conn_destroy(conn);
        }
    }
    rpc_server_enforce_budget(server);
}

void
rpc_server_wait(struct rpc_server *server)
{
    if (server->accept_resume) {
        poll_timer_wait_until(server->accept_resume);
    } else {
        poll_fd_wait(server->fd, POLLIN);
    }
    for (struct rpc_conn *conn = server->conns; conn; conn = conn->next) {
        if (conn->more) {
            poll_immediate_wake();
        }
        jsonrpc_wait(conn->rpc);
    }
}

size_t
rpc_server_n_conns(const struct rpc_server *server)
{
    return server->n_conns;
}

const char *
rpc_server_get_path(const struct rpc_server *server)
{
    return server->path;
}

static void
rpc_conn_send(struct rpc_conn *conn, json_t *msg)
{
    int error = jsonrpc_send(conn->rpc, msg);
    if (error && error != EPIPE) {
        VLOG_DBG_RL(&conn_dbg_rl, "%s: send failed (%s)", conn->name,
                    jsonrpc_get_error(conn->rpc));
    }
}

void
rpc_conn_reply(struct rpc_conn *conn, const json_t *id, json_t *result)
{
    rpc_conn_send(conn, jsonrpc_create_reply(result, id));
}

void
rpc_conn_error(struct rpc_conn *conn, const json_t *id, json_t *error)
{
    rpc_conn_send(conn, jsonrpc_create_error(error, id));
}

void
rpc_conn_notify(struct rpc_conn *conn, const char *method, json_t *params)
{
    rpc_conn_send(conn, jsonrpc_create_notify(method, params));
}

const char *
rpc_conn_get_name(const struct rpc_conn *conn)
{
    return conn->name;
}

void
rpc_conn_set_data(struct rpc_conn *conn, void *data)
{
    conn->data = data;
}

void *
rpc_conn_get_data(const struct rpc_conn *conn)
{
    return conn->data;
}

size_t
rpc_conn_get_backlog(const struct rpc_conn *conn)
{
    return jsonrpc_get_backlog(conn->rpc);
}
