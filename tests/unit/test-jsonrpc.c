/*
 * Unit tests for the JSON-RPC transport (framing, limits, failure
 * handling), the rpc_server, appctl, the poll loop and the daemon helpers.
 * Everything runs in one process over socketpair()s and Unix sockets in a
 * private temporary directory; "pumping" alternates server and client work
 * until an answer shows up.
 */
#include <config.h>
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "appctl.h"
#include "daemon.h"
#include "jsonrpc.h"
#include "poll-loop.h"
#include "timeval.h"
#include "util.h"

/* Helpers. */

/* Opens a socketpair: '*rpcp' wraps one end, '*peerp' is the raw other
 * end. */
static void
make_pair(struct jsonrpc **rpcp, int *peerp)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    *rpcp = jsonrpc_open(sv[0]);
    *peerp = sv[1];
}

static void
write_all(int fd, const char *s)
{
    size_t len = strlen(s);
    assert_int_equal(write(fd, s, len), (ssize_t) len);
}

static char *
make_tmpdir(void)
{
    char *dir = xstrdup("/tmp/test-jsonrpc-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* Runs 'server' and 'client' until the client receives a message, which it
 * returns (NULL if none arrives or the client fails). */
static json_t *
pump(struct rpc_server *server, struct jsonrpc *client)
{
    for (int i = 0; i < 200; i++) {
        json_t *msg;
        int error;

        rpc_server_run(server);
        jsonrpc_run(client);
        error = jsonrpc_recv(client, &msg);
        if (!error) {
            return msg;
        } else if (error != EAGAIN) {
            return NULL;
        }
        if (i > 20) {
            usleep(1000);
        }
    }
    return NULL;
}

static const char *
msg_method(const json_t *msg)
{
    return json_string_value(json_object_get(msg, "method"));
}

/* Framing. */

static void
test_two_messages_in_one_write(void **state)
{
    struct jsonrpc *rpc;
    json_t *msg;
    int peer;

    make_pair(&rpc, &peer);
    write_all(peer, "{\"method\":\"a\",\"params\":[],\"id\":1}\n"
                    "  {\"method\":\"b\",\"params\":[{\"x\":[1]}],\"id\":2}");

    assert_int_equal(jsonrpc_recv(rpc, &msg), 0);
    assert_string_equal(msg_method(msg), "a");
    json_decref(msg);

    assert_int_equal(jsonrpc_recv(rpc, &msg), 0);
    assert_string_equal(msg_method(msg), "b");
    assert_int_equal(json_integer_value(json_object_get(msg, "id")), 2);
    json_decref(msg);

    assert_int_equal(jsonrpc_recv(rpc, &msg), EAGAIN);
    assert_null(msg);
    assert_int_equal(jsonrpc_get_status(rpc), 0);
    jsonrpc_close(rpc);
    close(peer);
}

static void
test_byte_by_byte(void **state)
{
    static const char text[] = "{\"method\":\"slow\",\"params\":"
                               "[\"a\",{\"b\":[]}],\"id\":\"x\"}";
    struct jsonrpc *rpc;
    json_t *msg;
    int peer;

    make_pair(&rpc, &peer);
    for (size_t i = 0; i < strlen(text); i++) {
        assert_int_equal(write(peer, &text[i], 1), 1);
        int error = jsonrpc_recv(rpc, &msg);
        if (i + 1 < strlen(text)) {
            assert_int_equal(error, EAGAIN);
        } else {
            assert_int_equal(error, 0);
        }
    }
    assert_string_equal(msg_method(msg), "slow");
    assert_string_equal(json_string_value(json_object_get(msg, "id")), "x");
    json_decref(msg);
    jsonrpc_close(rpc);
    close(peer);
}

static void
test_tricky_strings(void **state)
{
    struct jsonrpc *rpc;
    json_t *msg;
    int peer;

    make_pair(&rpc, &peer);
    /* On the wire: ["}{\"]", "\\", "[", "\\\"}"] */
    write_all(peer, "{\"method\":\"s\",\"params\":[\"}{\\\"]\",\"\\\\\","
                    "\"[\",\"\\\\\\\"}\"],\"id\":1}{\"method\":\"t\","
                    "\"params\":[],\"id\":2}");

    assert_int_equal(jsonrpc_recv(rpc, &msg), 0);
    json_t *params = json_object_get(msg, "params");
    assert_int_equal(json_array_size(params), 4);
    assert_string_equal(json_string_value(json_array_get(params, 0)),
                        "}{\"]");
    assert_string_equal(json_string_value(json_array_get(params, 1)), "\\");
    assert_string_equal(json_string_value(json_array_get(params, 2)), "[");
    assert_string_equal(json_string_value(json_array_get(params, 3)),
                        "\\\"}");
    json_decref(msg);

    assert_int_equal(jsonrpc_recv(rpc, &msg), 0);
    assert_string_equal(msg_method(msg), "t");
    json_decref(msg);

    /* An escaped quote followed by a closing brace must not end the
     * message: {"method":"\"}","params":[],"id":1} */
    write_all(peer, "{\"method\":\"\\\"}\",\"params\":[],\"id\":1}");
    assert_int_equal(jsonrpc_recv(rpc, &msg), 0);
    assert_string_equal(msg_method(msg), "\"}");
    json_decref(msg);
    jsonrpc_close(rpc);
    close(peer);
}

static void
check_protocol_error(const char *text, const char *reason)
{
    struct jsonrpc *rpc;
    json_t *msg;
    int peer;

    make_pair(&rpc, &peer);
    write_all(peer, text);
    assert_int_equal(jsonrpc_recv(rpc, &msg), EPROTO);
    assert_null(msg);
    assert_int_equal(jsonrpc_get_status(rpc), EPROTO);
    assert_non_null(jsonrpc_get_error(rpc));
    assert_non_null(strstr(jsonrpc_get_error(rpc), reason));

    /* The error is sticky, even though more valid input follows. */
    write_all(peer, "{\"method\":\"ok\",\"params\":[],\"id\":1}");
    assert_int_equal(jsonrpc_recv(rpc, &msg), EPROTO);
    assert_int_equal(jsonrpc_send(rpc, json_object()), EPROTO);
    jsonrpc_close(rpc);
    close(peer);
}

static void
test_malformed(void **state)
{
    check_protocol_error("{\"method\":}", "syntax error");
    check_protocol_error("{\"a\":1]", "syntax error");
    check_protocol_error("[1,2,3]", "not a JSON object");
    check_protocol_error("hello", "does not begin");
    check_protocol_error("{\"a\":\"\xff\"}", "syntax error");
}

static void
test_oversized(void **state)
{
    static char chunk[65536];
    struct jsonrpc *rpc;
    size_t written = 0;
    json_t *msg;
    int peer, error = EAGAIN;

    make_pair(&rpc, &peer);
    fcntl(peer, F_SETFL, O_NONBLOCK);
    memset(chunk, 'x', sizeof chunk);
    write_all(peer, "{\"method\":\"big\",\"params\":[\"");
    while (error == EAGAIN && written < 2 * JSONRPC_MAX_MESSAGE) {
        ssize_t n = write(peer, chunk, sizeof chunk);
        if (n > 0) {
            written += n;
        }
        error = jsonrpc_recv(rpc, &msg);
    }
    assert_int_equal(error, EPROTO);
    assert_true(written >= JSONRPC_MAX_MESSAGE - sizeof chunk);
    assert_non_null(strstr(jsonrpc_get_error(rpc), "limit"));
    jsonrpc_close(rpc);
    close(peer);
}

static void
test_eof(void **state)
{
    struct jsonrpc *rpc;
    json_t *msg;
    int peer;

    /* Clean EOF after a complete message. */
    make_pair(&rpc, &peer);
    write_all(peer, "{\"method\":\"last\",\"params\":[],\"id\":null}");
    close(peer);
    assert_int_equal(jsonrpc_recv(rpc, &msg), 0);
    json_decref(msg);
    assert_int_equal(jsonrpc_recv(rpc, &msg), EOF);
    assert_int_equal(jsonrpc_get_status(rpc), EOF);
    assert_non_null(strstr(jsonrpc_get_error(rpc), "closed"));
    assert_int_equal(jsonrpc_send(rpc, jsonrpc_create_notify("x", NULL)),
                     EPIPE);
    jsonrpc_close(rpc);

    /* EOF in the middle of a message. */
    make_pair(&rpc, &peer);
    write_all(peer, "{\"method\":\"cut");
    close(peer);
    assert_int_equal(jsonrpc_recv(rpc, &msg), EOF);
    assert_non_null(strstr(jsonrpc_get_error(rpc), "middle"));
    jsonrpc_close(rpc);
}

static void
test_send_recv_roundtrip(void **state)
{
    struct jsonrpc *a, *b;
    json_t *id, *msg;
    int peer;

    make_pair(&a, &peer);
    b = jsonrpc_open(peer);

    json_t *req = jsonrpc_create_request("do", json_pack("[s,i]", "x", 5),
                                         &id);
    json_t *id_copy = json_deep_copy(id);
    assert_true(json_is_integer(id));
    assert_int_equal(jsonrpc_send(a, req), 0);
    assert_int_equal(jsonrpc_recv(b, &msg), 0);
    assert_string_equal(msg_method(msg), "do");
    assert_true(json_equal(json_object_get(msg, "id"), id_copy));
    assert_int_equal(json_integer_value(
                         json_array_get(json_object_get(msg, "params"), 1)),
                     5);

    /* A second request gets a different id. */
    json_t *id2;
    json_t *req2 = jsonrpc_create_request("do", NULL, &id2);
    assert_false(json_equal(id2, id_copy));
    json_decref(req2);

    assert_int_equal(jsonrpc_send(b, jsonrpc_create_reply(
                                      json_string("done"),
                                      json_object_get(msg, "id"))), 0);
    json_decref(msg);
    assert_int_equal(jsonrpc_recv(a, &msg), 0);
    assert_string_equal(json_string_value(json_object_get(msg, "result")),
                        "done");
    assert_true(json_is_null(json_object_get(msg, "error")));
    assert_true(json_equal(json_object_get(msg, "id"), id_copy));
    json_decref(msg);

    json_decref(id_copy);
    jsonrpc_close(a);
    jsonrpc_close(b);
}

static void
test_backlog_limit(void **state)
{
    struct jsonrpc *rpc;
    int peer, error = 0;
    int i;

    make_pair(&rpc, &peer);
    char *big = xmalloc(1024 * 1024);
    memset(big, 'y', 1024 * 1024 - 1);
    big[1024 * 1024 - 1] = '\0';

    /* The peer never reads, so eventually the backlog limit is hit. */
    for (i = 0; i < 40 && !error; i++) {
        error = jsonrpc_send(rpc, jsonrpc_create_notify(
                                 "flood", json_pack("[s]", big)));
    }
    assert_int_equal(error, ENOBUFS);
    assert_true(i > 10);
    assert_true(jsonrpc_get_backlog(rpc) > JSONRPC_MAX_BACKLOG / 2);
    assert_true(jsonrpc_get_backlog(rpc) <= JSONRPC_MAX_BACKLOG);
    assert_int_equal(jsonrpc_get_status(rpc), ENOBUFS);
    free(big);
    jsonrpc_close(rpc);
    close(peer);
}

static void
test_transact_block(void **state)
{
    struct jsonrpc *rpc;
    json_t *id, *reply;
    int peer;

    make_pair(&rpc, &peer);
    json_t *req = jsonrpc_create_request("q", NULL, &id);
    char *id_text = json_dumps(id, JSON_ENCODE_ANY);

    /* Queue a notification, an unrelated reply and then the real one. */
    char *text = xasprintf("{\"method\":\"note\",\"params\":[],\"id\":null}"
                           "{\"result\":\"other\",\"error\":null,"
                           "\"id\":\"zzz\"}"
                           "{\"result\":\"mine\",\"error\":null,\"id\":%s}",
                           id_text);
    write_all(peer, text);
    assert_int_equal(jsonrpc_transact_block(rpc, req, &reply,
                                            time_msec() + 5000), 0);
    assert_string_equal(json_string_value(json_object_get(reply, "result")),
                        "mine");
    json_decref(reply);

    /* The request really went out. */
    char buf[256];
    ssize_t n = read(peer, buf, sizeof buf - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"method\":\"q\""));

    /* No answer: times out. */
    long long start = time_msec();
    req = jsonrpc_create_request("q", NULL, NULL);
    assert_int_equal(jsonrpc_transact_block(rpc, req, &reply, start + 100),
                     ETIMEDOUT);
    assert_null(reply);
    assert_true(time_msec() - start >= 100);

    /* Peer goes away: EOF. */
    close(peer);
    req = jsonrpc_create_request("q", NULL, NULL);
    int error = jsonrpc_transact_block(rpc, req, &reply, 0);
    assert_true(error == EOF || error == EPIPE);

    free(text);
    free(id_text);
    jsonrpc_close(rpc);
}

/* Server. */

struct server_fixture {
    char *dir;
    char *path;
    struct rpc_conn *deferred_conn;
    json_t *deferred_id;
    int n_closed;
    int n_notifications;
};

static void
fixture_method_cb(struct rpc_conn *conn, const char *method, json_t *params,
                  json_t *id, void *f_)
{
    struct server_fixture *f = f_;

    if (!id) {
        f->n_notifications++;
    } else if (!strcmp(method, "later")) {
        f->deferred_conn = conn;
        f->deferred_id = json_incref(id);
    } else if (!strcmp(method, "count")) {
        rpc_conn_reply(conn, id, json_integer(json_array_size(params)));
    } else {
        rpc_conn_error(conn, id, json_string("unknown method"));
    }
}

static void
fixture_close_cb(struct rpc_conn *conn, void *f_)
{
    struct server_fixture *f = f_;

    f->n_closed++;
    if (conn == f->deferred_conn) {
        f->deferred_conn = NULL;
    }
}

static struct rpc_server *
fixture_server(struct server_fixture *f)
{
    struct rpc_server *server;
    char *error;

    memset(f, 0, sizeof *f);
    f->dir = make_tmpdir();
    f->path = xasprintf("%s/test.sock", f->dir);
    assert_int_equal(rpc_server_create(f->path, 0600, NULL,
                                       fixture_method_cb, fixture_close_cb,
                                       f, &server, &error), 0);
    assert_null(error);
    return server;
}

static void
fixture_destroy(struct server_fixture *f, struct rpc_server *server)
{
    rpc_server_destroy(server);
    struct stat st;
    assert_int_equal(stat(f->path, &st), -1);
    json_decref(f->deferred_id);
    rmdir(f->dir);
    free(f->dir);
    free(f->path);
}

static struct jsonrpc *
fixture_connect(struct server_fixture *f)
{
    struct jsonrpc *client;
    assert_int_equal(jsonrpc_connect_unix(f->path, &client), 0);
    return client;
}

static void
test_server_echo(void **state)
{
    struct server_fixture f;
    struct rpc_server *server = fixture_server(&f);
    struct jsonrpc *client = fixture_connect(&f);
    json_t *id, *reply;

    struct stat st;
    assert_int_equal(stat(f.path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);

    json_t *req = jsonrpc_create_request("echo",
                                         json_pack("[s,{s:i}]", "hi", "n", 7),
                                         &id);
    json_t *id_copy = json_deep_copy(id);
    assert_int_equal(jsonrpc_send(client, req), 0);
    reply = pump(server, client);
    assert_non_null(reply);
    assert_true(json_equal(json_object_get(reply, "id"), id_copy));
    json_t *expected = json_pack("[s,{s:i}]", "hi", "n", 7);
    assert_true(json_equal(json_object_get(reply, "result"), expected));
    json_decref(expected);
    json_decref(reply);
    json_decref(id_copy);
    assert_int_equal(rpc_server_n_conns(server), 1);

    /* Method callback, and an error reply for an unknown method. */
    jsonrpc_send(client, jsonrpc_create_request(
                     "count", json_pack("[i,i,i]", 1, 2, 3), NULL));
    reply = pump(server, client);
    assert_int_equal(json_integer_value(json_object_get(reply, "result")), 3);
    json_decref(reply);

    jsonrpc_send(client, jsonrpc_create_request("nope", NULL, NULL));
    reply = pump(server, client);
    assert_string_equal(json_string_value(json_object_get(reply, "error")),
                        "unknown method");
    json_decref(reply);

    /* Notifications reach the callback, without a reply; a message of an
     * unknown shape with an id gets an error. */
    jsonrpc_send(client, jsonrpc_create_notify("tick", NULL));
    jsonrpc_send(client, json_pack("{s:i,s:i}", "foo", 1, "id", 99));
    reply = pump(server, client);
    assert_int_equal(json_integer_value(json_object_get(reply, "id")), 99);
    assert_true(json_is_string(json_object_get(reply, "error")));
    json_decref(reply);
    assert_int_equal(f.n_notifications, 1);

    jsonrpc_close(client);
    for (int i = 0; i < 10 && rpc_server_n_conns(server); i++) {
        rpc_server_run(server);
    }
    assert_int_equal(rpc_server_n_conns(server), 0);
    assert_int_equal(f.n_closed, 1);
    fixture_destroy(&f, server);
}

static void
test_server_deferred(void **state)
{
    struct server_fixture f;
    struct rpc_server *server = fixture_server(&f);
    struct jsonrpc *client = fixture_connect(&f);
    json_t *reply;

    jsonrpc_send(client, jsonrpc_create_request("later", NULL, NULL));
    for (int i = 0; i < 20; i++) {
        rpc_server_run(server);
    }
    assert_non_null(f.deferred_conn);
    json_t *msg;
    assert_int_equal(jsonrpc_recv(client, &msg), EAGAIN);

    /* Meanwhile, the connection still serves other requests. */
    jsonrpc_send(client, jsonrpc_create_request("echo", NULL, NULL));
    reply = pump(server, client);
    assert_non_null(reply);
    assert_true(json_is_array(json_object_get(reply, "result")));
    json_decref(reply);

    rpc_conn_reply(f.deferred_conn, f.deferred_id, json_string("finally"));
    reply = pump(server, client);
    assert_non_null(reply);
    assert_string_equal(json_string_value(json_object_get(reply, "result")),
                        "finally");
    assert_true(json_equal(json_object_get(reply, "id"), f.deferred_id));
    json_decref(reply);

    /* A client that leaves with a reply outstanding: the close callback
     * tells the owner to forget the connection. */
    json_decref(f.deferred_id);
    f.deferred_id = NULL;
    jsonrpc_send(client, jsonrpc_create_request("later", NULL, NULL));
    for (int i = 0; i < 20 && !f.deferred_conn; i++) {
        rpc_server_run(server);
    }
    assert_non_null(f.deferred_conn);
    jsonrpc_close(client);
    for (int i = 0; i < 20 && f.deferred_conn; i++) {
        rpc_server_run(server);
    }
    assert_null(f.deferred_conn);
    assert_int_equal(rpc_server_n_conns(server), 0);
    fixture_destroy(&f, server);
}

static void
test_server_garbage_client(void **state)
{
    struct server_fixture f;
    struct rpc_server *server = fixture_server(&f);
    struct jsonrpc *good = fixture_connect(&f);
    struct jsonrpc *vanishing = fixture_connect(&f);
    json_t *reply;

    jsonrpc_send(good, jsonrpc_create_request("echo", NULL, NULL));
    reply = pump(server, good);
    assert_non_null(reply);
    json_decref(reply);
    assert_int_equal(rpc_server_n_conns(server), 2);

    /* A client that writes malformed JSON gets an error reply, then
     * EOF.  It writes through a raw socket, since jsonrpc only sends valid
     * JSON. */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, f.path);
    assert_int_equal(connect(s, (struct sockaddr *) &sun, sizeof sun), 0);
    write_all(s, "{\"method\": \"echo\", \"params\": [}]");
    struct jsonrpc *garbage = jsonrpc_open(s);
    reply = pump(server, garbage);
    assert_non_null(reply);
    assert_true(json_is_null(json_object_get(reply, "id")));
    assert_non_null(strstr(json_string_value(json_object_get(reply,
                                                             "error")),
                           "syntax error"));
    json_decref(reply);
    json_t *msg;
    assert_int_equal(jsonrpc_recv(garbage, &msg), EOF);
    jsonrpc_close(garbage);

    /* The vanishing client disappears half-way through a message. */
    int v = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(v, (struct sockaddr *) &sun, sizeof sun), 0);
    write_all(v, "{\"method\": \"echo\", \"par");
    rpc_server_run(server);
    close(v);
    jsonrpc_close(vanishing);

    /* The good client is unaffected. */
    jsonrpc_send(good, jsonrpc_create_request("echo",
                                              json_pack("[s]", "still"),
                                              NULL));
    reply = pump(server, good);
    assert_non_null(reply);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(reply, "result"), 0)), "still");
    json_decref(reply);
    for (int i = 0; i < 10 && rpc_server_n_conns(server) > 1; i++) {
        rpc_server_run(server);
    }
    assert_int_equal(rpc_server_n_conns(server), 1);

    jsonrpc_close(good);
    fixture_destroy(&f, server);
}

/* Connects a raw socket (not a jsonrpc) to 'f''s server. */
static int
raw_connect(const struct server_fixture *f)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int s = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(s >= 0);
    strcpy(sun.sun_path, f->path);
    assert_int_equal(connect(s, (struct sockaddr *) &sun, sizeof sun), 0);
    return s;
}

/* True if the server closed raw socket 's' (reading any last words). */
static bool
raw_closed(int s)
{
    char buf[4096];

    for (;;) {
        ssize_t n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            return true;
        } else if (n < 0) {
            return false;
        }
    }
}

static void
test_server_conn_limit(void **state)
{
    struct server_fixture f;
    struct rpc_server *server = fixture_server(&f);
    json_t *reply;

    rpc_server_set_limits(server, 3, RPC_DEFAULT_MAX_INPUT);

    /* 'talker' sends a request; 'old' and 'young' never do. */
    struct jsonrpc *talker = fixture_connect(&f);
    jsonrpc_send(talker, jsonrpc_create_request("echo", NULL, NULL));
    reply = pump(server, talker);
    json_decref(reply);
    int old = raw_connect(&f);
    rpc_server_run(server);
    int young = raw_connect(&f);
    rpc_server_run(server);
    assert_int_equal(rpc_server_n_conns(server), 3);

    /* A fourth connection makes room by closing the oldest silent one. */
    struct jsonrpc *newcomer = fixture_connect(&f);
    jsonrpc_send(newcomer, jsonrpc_create_request("echo", NULL, NULL));
    reply = pump(server, newcomer);
    assert_non_null(reply);
    json_decref(reply);
    assert_int_equal(rpc_server_n_conns(server), 3);
    assert_true(raw_closed(old));
    assert_false(raw_closed(young));

    /* Then the next silent one. */
    struct jsonrpc *third = fixture_connect(&f);
    jsonrpc_send(third, jsonrpc_create_request("echo", NULL, NULL));
    reply = pump(server, third);
    json_decref(reply);
    assert_true(raw_closed(young));

    /* With nobody silent, the one whose last request is the oldest goes:
     * 'talker'. */
    struct timespec ts = { 0, 5 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    jsonrpc_send(newcomer, jsonrpc_create_request("echo", NULL, NULL));
    reply = pump(server, newcomer);
    json_decref(reply);
    struct jsonrpc *fourth = fixture_connect(&f);
    jsonrpc_send(fourth, jsonrpc_create_request("echo", NULL, NULL));
    reply = pump(server, fourth);
    assert_non_null(reply);
    json_decref(reply);
    json_t *msg;
    assert_int_equal(jsonrpc_recv(talker, &msg), EOF);
    assert_int_equal(rpc_server_n_conns(server), 3);
    assert_int_equal(f.n_closed, 3);

    close(old);
    close(young);
    jsonrpc_close(talker);
    jsonrpc_close(newcomer);
    jsonrpc_close(third);
    jsonrpc_close(fourth);
    fixture_destroy(&f, server);
}

static void
test_server_input_budget(void **state)
{
    struct server_fixture f;
    struct rpc_server *server = fixture_server(&f);
    enum { N = 6, HALF = 20000 };
    int raw[N];

    /* Each half message needs a 32 kB buffer; the budget holds four. */
    rpc_server_set_limits(server, 100, 4 * 32768 + 8192);
    char *half = xmalloc(HALF + 1);
    memset(half, 'x', HALF);
    memcpy(half, "{\"method\":\"echo\",\"params\":[\"", 28);
    half[HALF] = '\0';
    for (int i = 0; i < N; i++) {
        raw[i] = raw_connect(&f);
        write_all(raw[i], half);
    }
    free(half);
    for (int i = 0; i < 20; i++) {
        rpc_server_run(server);
    }

    /* Some were closed, not all; a new small request is still answered. */
    int n_closed = 0;
    for (int i = 0; i < N; i++) {
        n_closed += raw_closed(raw[i]);
    }
    assert_true(n_closed >= 2);
    assert_true(n_closed < N);
    assert_int_equal(rpc_server_n_conns(server), N - n_closed);
    struct jsonrpc *client = fixture_connect(&f);
    jsonrpc_send(client, jsonrpc_create_request("echo", NULL, NULL));
    json_t *reply = pump(server, client);
    assert_non_null(reply);
    json_decref(reply);

    jsonrpc_close(client);
    for (int i = 0; i < N; i++) {
        close(raw[i]);
    }
    fixture_destroy(&f, server);
}

/* A big message's input buffer is freed once it has been consumed. */
static void
test_input_buffer_shrinks(void **state)
{
    struct jsonrpc *rpc;
    int peer;
    json_t *msg;

    make_pair(&rpc, &peer);
    json_t *big = json_pack("{s:s,s:[s%],s:i}", "method", "echo", "params",
                            "", 0, "id", 1);
    json_array_set_new(json_object_get(big, "params"), 0,
                       json_stringn_nocheck(
                           memset(xmalloc(200000), 'y', 200000), 200000));
    char *s = json_dumps(big, JSON_COMPACT);
    json_decref(big);
    size_t len = strlen(s);
    int n_msgs = 0;
    for (size_t done = 0; done < len; ) {
        ssize_t n = write(peer, s + done, len - done);
        assert_true(n > 0);
        done += n;
        while (jsonrpc_recv(rpc, &msg) == 0) {
            json_decref(msg);
            n_msgs++;
            assert_int_equal(jsonrpc_get_input_size(rpc), 0);
        }
        assert_true(n_msgs || jsonrpc_get_input_size(rpc) >= done);
    }
    free(s);
    assert_int_equal(n_msgs, 1);
    /* Only a small buffer, for the next read, remains. */
    assert_true(jsonrpc_get_input_size(rpc) <= 4096);
    jsonrpc_close(rpc);
    close(peer);
}

static void
test_server_socket_file(void **state)
{
    char *dir = make_tmpdir();
    char *path = xasprintf("%s/s.sock", dir);
    struct rpc_server *server, *server2;
    char *error;

    /* A stale socket (nobody listening) is replaced. */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, path);
    assert_int_equal(bind(s, (struct sockaddr *) &sun, sizeof sun), 0);
    close(s);
    assert_int_equal(rpc_server_create(path, 0660, NULL, NULL, NULL, NULL,
                                       &server, &error), 0);

    /* A live one is not. */
    assert_int_equal(rpc_server_create(path, 0660, NULL, NULL, NULL, NULL,
                                       &server2, &error), EADDRINUSE);
    assert_null(server2);
    assert_non_null(error);
    free(error);
    rpc_server_destroy(server);

    /* A regular file is not a socket to remove. */
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    close(fd);
    assert_int_equal(rpc_server_create(path, 0660, NULL, NULL, NULL, NULL,
                                       &server, &error), EEXIST);
    free(error);
    unlink(path);

    /* An unknown group is an error. */
    assert_int_equal(rpc_server_create(path, 0660, "no-such-group-xyzzy",
                                       NULL, NULL, NULL, &server, &error),
                     ENOENT);
    assert_non_null(strstr(error, "no-such-group-xyzzy"));
    free(error);

    rmdir(dir);
    free(dir);
    free(path);
}

/* appctl. */

static void
appctl_args_cb(struct appctl_conn *conn, int argc, const char *argv[],
               void *aux)
{
    struct dstr out = DSTR_INITIALIZER;

    dstr_printf(&out, "%s:%d", argv[0], argc);
    for (int i = 1; i < argc; i++) {
        dstr_printf(&out, " %s", argv[i]);
    }
    appctl_reply_success(conn, dstr_cstr(&out));
    dstr_destroy(&out);
}

/* Runs 'command' with the NULL-terminated arguments and returns the reply
 * (result or error), or NULL. */
static json_t *
appctl_call(struct appctl_server *server, struct jsonrpc *client,
            const char *command, ...)
{
    json_t *params = json_array();
    va_list args;
    const char *arg;

    va_start(args, command);
    while ((arg = va_arg(args, const char *)) != NULL) {
        json_array_append_new(params, json_string(arg));
    }
    va_end(args);

    jsonrpc_send(client, jsonrpc_create_request(command, params, NULL));
    for (int i = 0; i < 200; i++) {
        json_t *msg;
        appctl_server_run(server);
        if (!jsonrpc_recv(client, &msg)) {
            return msg;
        }
    }
    return NULL;
}

static void
test_appctl(void **state)
{
    char *dir = make_tmpdir();
    char *path = xasprintf("%s/vswitchd.ctl", dir);
    struct appctl_server *server;
    struct jsonrpc *client;
    char *error;
    json_t *reply;

    appctl_command_register("test/args", "A [B]", 1, 2, appctl_args_cb,
                            NULL);
    assert_int_equal(appctl_server_create(path, NULL, &server, &error), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);
    assert_int_equal(jsonrpc_connect_unix(path, &client), 0);

    reply = appctl_call(server, client, "version", NULL);
    assert_non_null(reply);
    assert_string_equal(json_string_value(json_object_get(reply, "result")),
                        "vswitchd (vswitch) " PACKAGE_VERSION "\n");
    json_decref(reply);

    reply = appctl_call(server, client, "help", NULL);
    const char *help = json_string_value(json_object_get(reply, "result"));
    assert_non_null(strstr(help, "vlog/set"));
    assert_non_null(strstr(help, "test/args"));
    assert_non_null(strstr(help, "A [B]"));
    json_decref(reply);

    reply = appctl_call(server, client, "test/args", "x", "y", NULL);
    assert_string_equal(json_string_value(json_object_get(reply, "result")),
                        "test/args:3 x y");
    json_decref(reply);

    reply = appctl_call(server, client, "test/args", NULL);
    assert_true(json_is_null(json_object_get(reply, "result")));
    assert_non_null(strstr(json_string_value(json_object_get(reply,
                                                             "error")),
                           "usage: test/args A [B]"));
    json_decref(reply);

    reply = appctl_call(server, client, "test/args", "1", "2", "3", NULL);
    assert_non_null(strstr(json_string_value(json_object_get(reply,
                                                             "error")),
                           "at most 2"));
    json_decref(reply);

    reply = appctl_call(server, client, "no/such", NULL);
    assert_non_null(strstr(json_string_value(json_object_get(reply,
                                                             "error")),
                           "not a valid command"));
    json_decref(reply);

    reply = appctl_call(server, client, "vlog/set", "nonsense:::level",
                        NULL);
    assert_true(json_is_string(json_object_get(reply, "error")));
    json_decref(reply);

    reply = appctl_call(server, client, "vlog/list", NULL);
    assert_non_null(strstr(json_string_value(json_object_get(reply,
                                                             "result")),
                           "jsonrpc"));
    json_decref(reply);

    jsonrpc_close(client);
    appctl_server_destroy(server);
    assert_int_equal(stat(path, &st), -1);
    rmdir(dir);
    free(dir);
    free(path);
}

/* Poll loop. */

static void
test_poll_loop(void **state)
{
    int sv[2];
    long long start;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* A timer alone. */
    start = time_msec();
    poll_fd_wait(sv[0], POLLIN);
    poll_timer_wait(50);
    poll_block();
    assert_true(time_msec() - start >= 50);
    assert_int_equal(poll_fd_revents(sv[0]) & POLLIN, 0);

    /* A ready fd wins over a long timer. */
    write_all(sv[1], "x");
    start = time_msec();
    poll_fd_wait(sv[0], POLLIN);
    poll_timer_wait(10000);
    poll_block();
    assert_true(time_msec() - start < 5000);
    assert_true(poll_fd_revents(sv[0]) & POLLIN);

    /* Immediate wake. */
    start = time_msec();
    poll_immediate_wake();
    poll_timer_wait(10000);
    poll_block();
    assert_true(time_msec() - start < 5000);

    close(sv[0]);
    close(sv[1]);
}

/* Daemon helpers. */

static void
test_daemon_pidfile(void **state)
{
    char *dir = make_tmpdir();
    char *path = xasprintf("%s/x.pid", dir);
    pid_t other;

    assert_int_equal(daemon_pidfile_create(path, &other), 0);
    FILE *stream = fopen(path, "r");
    long pid = 0;
    assert_int_equal(fscanf(stream, "%ld", &pid), 1);
    fclose(stream);
    assert_int_equal(pid, (long) getpid());

    /* Another process is refused and told who holds it. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (!child) {
        pid_t holder = 0;
        int error = daemon_pidfile_create(path, &holder);
        _exit(error == EALREADY && holder == getppid() ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    daemon_pidfile_remove();
    assert_int_equal(access(path, F_OK), -1);

    /* A leftover file with no lock holder is taken over. */
    stream = fopen(path, "w");
    fprintf(stream, "999999\n");
    fclose(stream);
    assert_int_equal(daemon_pidfile_create(path, &other), 0);
    daemon_pidfile_remove();

    rmdir(dir);
    free(dir);
    free(path);
}

static void
test_daemon_mkdir_p(void **state)
{
    char *dir = make_tmpdir();
    char *deep = xasprintf("%s/a/b/c", dir);
    char *file = xasprintf("%s/f", dir);
    struct stat st;

    assert_int_equal(daemon_mkdir_p(deep, 0755), 0);
    assert_int_equal(stat(deep, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(daemon_mkdir_p(deep, 0755), 0);

    int fd = open(file, O_CREAT | O_WRONLY, 0600);
    close(fd);
    char *under_file = xasprintf("%s/sub", file);
    assert_int_equal(daemon_mkdir_p(under_file, 0755), ENOTDIR);

    unlink(file);
    char *p = xasprintf("%s/a/b/c", dir);
    rmdir(p);
    p[strlen(p) - 2] = '\0';
    rmdir(p);
    p[strlen(p) - 2] = '\0';
    rmdir(p);
    rmdir(dir);
    free(p);
    free(under_file);
    free(file);
    free(deep);
    free(dir);
}

static void
test_daemon_signals(void **state)
{
    daemon_signals_init();
    assert_false(daemon_should_exit());
    assert_false(daemon_take_sighup());

    raise(SIGHUP);
    assert_true(daemon_take_sighup());
    assert_false(daemon_take_sighup());
    assert_false(daemon_should_exit());

    /* SIGPIPE is ignored: writing to a closed socket gives EPIPE. */
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    assert_int_equal(write(sv[0], "x", 1), -1);
    assert_int_equal(errno, EPIPE);
    close(sv[0]);

    /* SIGTERM wakes the poll loop and requests exit. */
    raise(SIGTERM);
    long long start = time_msec();
    daemon_signals_wait();
    poll_timer_wait(10000);
    poll_block();
    assert_true(time_msec() - start < 5000);
    assert_true(daemon_should_exit());

    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
}

int
test_jsonrpc_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_messages_in_one_write),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_tricky_strings),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_eof),
        cmocka_unit_test(test_send_recv_roundtrip),
        cmocka_unit_test(test_backlog_limit),
        cmocka_unit_test(test_transact_block),
        cmocka_unit_test(test_server_echo),
        cmocka_unit_test(test_server_deferred),
        cmocka_unit_test(test_server_garbage_client),
        cmocka_unit_test(test_server_conn_limit),
        cmocka_unit_test(test_server_input_budget),
        cmocka_unit_test(test_input_buffer_shrinks),
        cmocka_unit_test(test_server_socket_file),
        cmocka_unit_test(test_appctl),
        cmocka_unit_test(test_poll_loop),
        cmocka_unit_test(test_daemon_pidfile),
        cmocka_unit_test(test_daemon_mkdir_p),
        cmocka_unit_test(test_daemon_signals),
    };
    return cmocka_run_group_tests_name("jsonrpc", tests, NULL, NULL);
}
