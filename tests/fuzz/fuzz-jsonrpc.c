/*
 * fuzz-jsonrpc.c -- JSON-RPC framing, parsing and dispatch (lib/jsonrpc.c).
 *
 * The input is a byte stream that a client sends to an rpc_server on a
 * Unix socket, exactly as vsctl or ovsdb-client would: the server's
 * incremental scanner splits it into JSON values (RFC 7047 framing, no
 * delimiter), jansson parses each one, and the dispatcher checks its shape
 * (method, params, id) and answers: "echo" itself, "test" through the
 * method callback, anything else with an error.  A protocol error makes the
 * server send its last words and drop the connection.
 *
 * The first input byte picks how the stream is cut into writes (whole,
 * or chunks of 1 to 127 bytes), so the scanner's state is carried across
 * reads at every possible offset.  The client reads the server's answers
 * with jsonrpc_recv() too: whatever the input, they must be well-formed
 * JSON-RPC messages (the connection ends with EOF, never EPROTO).
 *
 * One server per process; one connection per input.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "jsonrpc.h"
#include "fuzz-util.h"

static struct rpc_server *server;

static void
method_cb(struct rpc_conn *conn, const char *method, json_t *params,
          json_t *id, void *aux)
{
    if (!id) {
        return;
    }
    if (!strcmp(method, "test")) {
        rpc_conn_reply(conn, id, json_incref(params));
    } else {
        rpc_conn_error(conn, id, json_string("unknown method"));
    }
}

static void
server_start(void)
{
    char *path = xasprintf("%s/rpc.sock", fuzz_tmpdir());
    char *error;

    if (rpc_server_create(path, 0600, NULL, method_cb, NULL, NULL, &server,
                          &error)) {
        fuzz_fail("cannot start the server", error);
    }
    free(path);
}

static int
client_connect(void)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s",
             rpc_server_get_path(server));
    if (fd < 0 || connect(fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        fuzz_fail("cannot connect to the server", strerror(errno));
    }
    return fd;
}

/* Reads every complete answer available to 'client'.  Returns false once
 * the server has closed the connection. */
static bool
client_drain(struct jsonrpc *client)
{
    for (;;) {
        json_t *msg;
        int error = jsonrpc_recv(client, &msg);

        if (!error) {
            json_decref(msg);
        } else if (error == EAGAIN) {
            return true;
        } else if (error == EOF || error == ECONNRESET) {
            return false;
        } else {
            fuzz_fail("the server sent a malformed answer",
                      jsonrpc_get_error(client));
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!server) {
        fuzz_quiet_logs();
        server_start();
    }
    if (!size) {
        return 0;
    }

    size_t chunk = data[0] & 0x7f ? data[0] & 0x7f : SIZE_MAX;
    const uint8_t *p = data + 1;
    size_t left = size - 1;

    int fd = client_connect();
    struct jsonrpc *client = jsonrpc_open(fd);
    bool writing = true, open = true;

    /* Bounded: a server that neither reads nor closes is a bug too. */
    for (int i = 0; open && i < 100000; i++) {
        if (writing && left) {
            ssize_t n = send(fd, p, MIN(chunk, left), MSG_NOSIGNAL);
            if (n > 0) {
                p += n;
                left -= n;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                writing = false;        /* The server hung up. */
            }
        }
        if (writing && !left) {
            shutdown(fd, SHUT_WR);
            writing = false;
        }
        rpc_server_run(server);
        open = client_drain(client);
    }
    if (open) {
        fuzz_fail("the server did not close the connection", NULL);
    }
    jsonrpc_close(client);

    /* Let the server notice the closed connection and free it. */
    for (int i = 0; rpc_server_n_conns(server) && i < 1000; i++) {
        rpc_server_run(server);
    }
    if (rpc_server_n_conns(server)) {
        fuzz_fail("the server kept a closed connection", NULL);
    }
    return 0;
}
