/*
 * test-db-monitor.c -- unit tests for RFC 7047 monitors (db-monitor.h)
 * and the commit listeners of the database (db.h) they are built on.
 *
 * Each test starts from the configuration of test-db-helpers.h (br0 with
 * ports p1 and p2), creates monitors for fake clients (plain pointers),
 * commits transactions, and compares the initial replies and the captured
 * notifications with the JSON they must be: "update" for "monitor",
 * "update2" for "monitor_cond" and "update3" for "monitor_cond_since".
 * Bad requests must fail with the right error tag and leave no monitor.
 */
#include <config.h>
#include "tests.h"
#include "test-db-helpers.h"

#include <stdarg.h>
#include "db-monitor.h"

/* Captured notifications. */

#define MAX_SENT 16

struct sent {
    void *client;
    char *method;
    json_t *params;
};

struct capture {
    struct sent sent[MAX_SENT];
    size_t n;
};

static struct capture capture;

static void
capture_notify(void *client, const char *method, json_t *params)
{
    assert_true(capture.n < MAX_SENT);
    capture.sent[capture.n].client = client;
    capture.sent[capture.n].method = xstrdup(method);
    capture.sent[capture.n].params = params;
    capture.n++;
}

static void
capture_clear(void)
{
    for (size_t i = 0; i < capture.n; i++) {
        free(capture.sent[i].method);
        json_decref(capture.sent[i].params);
    }
    capture.n = 0;
}

/* A monitor fixture: the database fixture, br0's configuration, and the
 * monitors of 'f->db'. */
struct mfixture {
    struct fixture *f;
    struct config c;
    struct db_monitors *ms;
    char br0[UUID_LEN + 1];
};

static int
msetup(void **state)
{
    struct mfixture *m = xzalloc(sizeof *m);
    void *fstate;

    setup(&fstate);
    m->f = fstate;
    build_config(m->f, &m->c);
    uuid_to_string(&m->c.br0, m->br0);
    m->ms = db_monitors_create(m->f->db, capture_notify);
    capture_clear();
    *state = m;
    return 0;
}

static int
mteardown(void **state)
{
    struct mfixture *m = *state;
    void *fstate = m->f;

    capture_clear();
    db_monitors_destroy(m->ms);
    teardown(&fstate);
    free(m);
    return 0;
}

/* Helpers. */

/* Parses JSON made from printf-style 'format', where ' stands for ". */
static json_t *
jsonf(const char *format, ...)
    PRINTF_FORMAT(1, 2);

static json_t *
jsonf(const char *format, ...)
{
    va_list args;
    json_error_t err;

    va_start(args, format);
    char *text = xvasprintf(format, args);
    va_end(args);
    for (char *p = text; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    if (!j) {
        print_error("bad test JSON: %s\n%s\n", err.text, text);
    }
    assert_non_null(j);
    free(text);
    return j;
}

/* Asserts that 'got' equals 'want' (stolen). */
static void
assert_json(const json_t *got, json_t *want)
{
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_SORT_KEYS | JSON_ENCODE_ANY);
        char *w = json_dumps(want, JSON_SORT_KEYS | JSON_ENCODE_ANY);
        print_error("got  %s\nwant %s\n", g ? g : "NULL", w ? w : "NULL");
        free(g);
        free(w);
    }
    assert_true(json_equal(got, want));
    json_decref(want);
}

/* Asserts that exactly one notification, 'method' to 'client', was sent,
 * with 'params' (stolen), and forgets it. */
static void
assert_sent(void *client, const char *method, json_t *params)
{
    assert_int_equal(capture.n, 1);
    assert_ptr_equal(capture.sent[0].client, client);
    assert_string_equal(capture.sent[0].method, method);
    assert_json(capture.sent[0].params, params);
    capture_clear();
}

/* Adds a monitor that must succeed; returns its initial reply. */
static json_t *
add_ok(struct mfixture *m, void *client, enum db_monitor_version version,
       json_t *id, json_t *requests)
{
    json_t *error = NULL;
    json_t *result = db_monitors_add(m->ms, client, version, id, requests,
                                     &error);
    if (!result) {
        char *s = json_dumps(error, 0);
        print_error("monitor failed: %s\n", s);
        free(s);
    }
    assert_non_null(result);
    assert_null(error);
    json_decref(id);
    json_decref(requests);
    return result;
}

/* Adds a monitor that must fail with error 'tag' and leave no monitor. */
static void
add_fails(struct mfixture *m, void *client, json_t *id, json_t *requests,
          const char *tag)
{
    json_t *error = NULL;
    size_t before = db_monitors_count(m->ms);
    json_t *result = db_monitors_add(m->ms, client, DB_MONITOR_V2, id,
                                     requests, &error);

    assert_null(result);
    assert_non_null(error);
    assert_string_equal(json_string_value(json_object_get(error, "error")),
                        tag);
    assert_non_null(json_object_get(error, "details"));
    assert_int_equal(db_monitors_count(m->ms), before);
    json_decref(error);
    json_decref(id);
    json_decref(requests);
}

static void
set_bridge(struct mfixture *m, const char *column_, const char *value)
{
    struct db_txn *txn = db_txn_begin(m->f->db);
    set_col(modify_row(txn, m->f->bridge, &m->c.br0), column_, value);
    commit_ok(txn);
}

/* Adds bridge 'name' (referenced from the root row); returns its UUID. */
static struct uuid
add_bridge(struct mfixture *m, const char *name)
{
    struct db_txn *txn = db_txn_begin(m->f->db);
    struct db_row *br = insert_named(txn, m->f->bridge, name);
    struct uuid uuid = *db_row_uuid(br);

    ref_add(modify_row(txn, m->f->ovs, &m->c.ovs), "bridges", &uuid);
    commit_ok(txn);
    return uuid;
}

static void
del_bridge(struct mfixture *m, const struct uuid *uuid)
{
    struct db_txn *txn = db_txn_begin(m->f->db);
    ref_remove(modify_row(txn, m->f->ovs, &m->c.ovs), "bridges", uuid);
    db_txn_delete(txn, db_txn_get(txn, m->f->bridge, uuid));
    commit_ok(txn);
}

/* Tests: "monitor" (RFC 7047). */

static void
test_v1_initial(void **state)
{
    struct mfixture *m = *state;
    char p1[UUID_LEN + 1], p2[UUID_LEN + 1];
    int client;

    uuid_to_string(&m->c.p1, p1);
    uuid_to_string(&m->c.p2, p2);
    if (uuid_compare(&m->c.p1, &m->c.p2) > 0) {
        char tmp[UUID_LEN + 1];
        strcpy(tmp, p1);
        strcpy(p1, p2);
        strcpy(p2, tmp);
    }
    json_t *r = add_ok(m, &client, DB_MONITOR_V1, json_null(),
                       jsonf("{'Bridge': {'columns': ['name', 'ports']}}"));
    assert_json(r, jsonf("{'Bridge': {'%s': {'new': {'name': 'br0', "
                         "'ports': ['set', [['uuid', '%s'], "
                         "['uuid', '%s']]]}}}}", m->br0, p1, p2));
    json_decref(r);
    assert_int_equal(db_monitors_count(m->ms), 1);
    assert_int_equal(capture.n, 0);
}

static void
test_v1_updates(void **state)
{
    struct mfixture *m = *state;
    char id[UUID_LEN + 1];
    int client;

    json_decref(add_ok(m, &client, DB_MONITOR_V1, json_string("mon"),
                       jsonf("{'Bridge': {'columns': ['name', "
                             "'fail_mode']}}")));

    /* Insert: "new" with every monitored column. */
    struct uuid br1 = add_bridge(m, "br1");
    uuid_to_string(&br1, id);
    assert_sent(&client, "update",
                jsonf("['mon', {'Bridge': {'%s': {'new': {'name': 'br1', "
                      "'fail_mode': ['set', []]}}}}]", id));

    /* Modify: "old" with the changed columns only, "new" with all. */
    set_bridge(m, "fail_mode", "secure");
    assert_sent(&client, "update",
                jsonf("['mon', {'Bridge': {'%s': {"
                      "'old': {'fail_mode': ['set', []]}, "
                      "'new': {'name': 'br0', 'fail_mode': 'secure'}}}}]",
                      m->br0));

    /* A change to a column nobody monitors is not reported. */
    set_bridge(m, "external_ids", "a=b");
    assert_int_equal(capture.n, 0);

    /* Delete: "old" with every monitored column. */
    del_bridge(m, &br1);
    assert_sent(&client, "update",
                jsonf("['mon', {'Bridge': {'%s': {'old': {'name': 'br1', "
                      "'fail_mode': ['set', []]}}}}]", id));
}

static void
test_v1_all_columns_and_select(void **state)
{
    struct mfixture *m = *state;
    int client;

    /* No "columns": every column but _uuid; no initial view wanted. */
    json_t *r = add_ok(m, &client, DB_MONITOR_V1, json_integer(1),
                       jsonf("{'Bridge': {'select': {'initial': false, "
                             "'modify': false}}}"));
    assert_json(r, json_object());
    json_decref(r);

    /* Modifications are not selected; insertions are, with _version. */
    set_bridge(m, "fail_mode", "secure");
    assert_int_equal(capture.n, 0);
    add_bridge(m, "br1");
    assert_int_equal(capture.n, 1);
    json_t *rows = json_object_get(json_array_get(capture.sent[0].params,
                                                  1), "Bridge");
    assert_int_equal(json_object_size(rows), 1);
    const char *uuid;
    json_t *row;
    json_object_foreach (rows, uuid, row) {
        json_t *new = json_object_get(row, "new");
        assert_non_null(json_object_get(new, "_version"));
        assert_non_null(json_object_get(new, "datapath_type"));
        assert_non_null(json_object_get(new, "external_ids"));
        assert_null(json_object_get(new, "_uuid"));
    }
}

/* Tests: "monitor_cond" and "monitor_cond_since". */

static void
test_v2_updates(void **state)
{
    struct mfixture *m = *state;
    char id[UUID_LEN + 1];
    int client;

    /* The initial view leaves out default values (fail_mode is empty). */
    json_t *r = add_ok(m, &client, DB_MONITOR_V2, jsonf("['monid', 'x']"),
                       jsonf("{'Bridge': [{'columns': ['name', 'fail_mode', "
                             "'external_ids', 'datapath_type'], "
                             "'where': [true]}]}"));
    assert_json(r, jsonf("{'Bridge': {'%s': {'initial': {'name': 'br0'}}}}",
                         m->br0));
    json_decref(r);

    /* A map: the difference (added, removed and changed pairs). */
    set_bridge(m, "external_ids", "a=1,b=2,c=3");
    assert_sent(&client, "update2",
                jsonf("[['monid', 'x'], {'Bridge': {'%s': {'modify': "
                      "{'external_ids': ['map', [['a', '1'], ['b', '2'], "
                      "['c', '3']]]}}}}]", m->br0));
    set_bridge(m, "external_ids", "a=1,b=9,d=4");
    assert_sent(&client, "update2",
                jsonf("[['monid', 'x'], {'Bridge': {'%s': {'modify': "
                      "{'external_ids': ['map', [['b', '9'], ['c', '3'], "
                      "['d', '4']]]}}}}]", m->br0));

    /* At most one element: the new value, even when it is empty. */
    set_bridge(m, "fail_mode", "secure");
    assert_sent(&client, "update2",
                jsonf("[['monid', 'x'], {'Bridge': {'%s': {'modify': "
                      "{'fail_mode': 'secure'}}}}]", m->br0));
    set_bridge(m, "fail_mode", "[]");
    assert_sent(&client, "update2",
                jsonf("[['monid', 'x'], {'Bridge': {'%s': {'modify': "
                      "{'fail_mode': ['set', []]}}}}]", m->br0));
    set_bridge(m, "datapath_type", "netdev");
    assert_sent(&client, "update2",
                jsonf("[['monid', 'x'], {'Bridge': {'%s': {'modify': "
                      "{'datapath_type': 'netdev'}}}}]", m->br0));

    /* Insert leaves out defaults; delete is null. */
    struct uuid br1 = add_bridge(m, "br1");
    uuid_to_string(&br1, id);
    assert_sent(&client, "update2",
                jsonf("[['monid', 'x'], {'Bridge': {'%s': {'insert': "
                      "{'name': 'br1'}}}}]", id));
    del_bridge(m, &br1);
    assert_sent(&client, "update2",
                jsonf("[['monid', 'x'], {'Bridge': {'%s': "
                      "{'delete': null}}}]", id));
}

static void
test_v2_sets(void **state)
{
    struct mfixture *m = *state;
    char p1[UUID_LEN + 1], p3[UUID_LEN + 1];
    int client;

    json_decref(add_ok(m, &client, DB_MONITOR_V2, json_null(),
                       jsonf("{'Bridge': {'columns': ['ports']}}")));

    /* Replacing p1 by p3 in a set: the diff holds both. */
    struct db_txn *txn = db_txn_begin(m->f->db);
    struct db_row *br = modify_row(txn, m->f->bridge, &m->c.br0);
    struct db_row *p3row = insert_port(txn, m->f, "p3", "i3");
    struct uuid u3 = *db_row_uuid(p3row);
    ref_remove(br, "ports", &m->c.p1);
    ref_add(br, "ports", &u3);
    commit_ok(txn);

    uuid_to_string(&m->c.p1, p1);
    uuid_to_string(&u3, p3);
    assert_int_equal(capture.n, 1);
    json_t *diff = json_object_get(json_object_get(json_object_get(
        json_object_get(json_array_get(capture.sent[0].params, 1),
                        "Bridge"), m->br0), "modify"), "ports");
    assert_non_null(diff);
    json_t *want = uuid_compare(&m->c.p1, &u3) < 0
                   ? jsonf("['set', [['uuid', '%s'], ['uuid', '%s']]]",
                           p1, p3)
                   : jsonf("['set', [['uuid', '%s'], ['uuid', '%s']]]",
                           p3, p1);
    assert_json(diff, want);
}

static void
test_v3_since(void **state)
{
    struct mfixture *m = *state;
    int client;

    json_t *r = add_ok(m, &client, DB_MONITOR_V3, json_string("s"),
                       jsonf("{'Bridge': {'columns': ['name']}}"));
    assert_json(r, jsonf("[false, '00000000-0000-0000-0000-000000000000', "
                         "{'Bridge': {'%s': {'initial': {'name': 'br0'}}}}]",
                         m->br0));
    json_decref(r);

    struct uuid br1 = add_bridge(m, "br1");
    char id[UUID_LEN + 1];
    uuid_to_string(&br1, id);
    assert_sent(&client, "update3",
                jsonf("['s', '00000000-0000-0000-0000-000000000000', "
                      "{'Bridge': {'%s': {'insert': {'name': 'br1'}}}}]",
                      id));
}

/* Tests: what a commit reports, and to whom. */

static void
test_ephemeral_columns(void **state)
{
    struct mfixture *m = *state;
    char i1[UUID_LEN + 1];
    int client;

    json_decref(add_ok(m, &client, DB_MONITOR_V2, json_null(),
                       jsonf("{'Interface': {'columns': ['link_state']}}")));
    assert_true(column(m->f->iface, "link_state")->ephemeral);

    struct db_txn *txn = db_txn_begin(m->f->db);
    set_col(modify_row(txn, m->f->iface, &m->c.i1), "link_state", "up");
    commit_ok(txn);
    uuid_to_string(&m->c.i1, i1);
    assert_sent(&client, "update2",
                jsonf("[null, {'Interface': {'%s': {'modify': "
                      "{'link_state': 'up'}}}}]", i1));
}

static void
test_one_notification_per_commit(void **state)
{
    struct mfixture *m = *state;
    int a, b;

    json_decref(add_ok(m, &a, DB_MONITOR_V1, json_integer(1),
                       jsonf("{'Bridge': {'columns': ['name']}, "
                             "'Port': {'columns': ['name']}}")));
    json_decref(add_ok(m, &a, DB_MONITOR_V2, json_integer(2),
                       jsonf("{'Port': {'columns': ['tag'], "
                             "'select': {'insert': false}}}")));
    json_decref(add_ok(m, &b, DB_MONITOR_V1, json_integer(1),
                       jsonf("{'Open_vSwitch': {'columns': ['bridges']}}")));

    /* One commit inserting a port and changing br0's ports and fail_mode:
     * one notification, for monitor a/1, with the new port only (br0's
     * name did not change); nothing for a/2 (no inserts wanted) nor for b
     * (Open_vSwitch did not change). */
    struct db_txn *txn = db_txn_begin(m->f->db);
    struct db_row *br = modify_row(txn, m->f->bridge, &m->c.br0);
    struct db_row *p3 = insert_port(txn, m->f, "p3", "i3");
    ref_add(br, "ports", db_row_uuid(p3));
    set_col(br, "fail_mode", "standalone");
    commit_ok(txn);
    assert_int_equal(capture.n, 1);
    assert_ptr_equal(capture.sent[0].client, &a);
    json_t *updates = json_array_get(capture.sent[0].params, 1);
    assert_int_equal(json_object_size(updates), 1);
    assert_int_equal(json_object_size(json_object_get(updates, "Port")), 1);
    capture_clear();

    /* Commits are reported in order. */
    set_bridge(m, "name", "brA");
    set_bridge(m, "name", "brB");
    assert_int_equal(capture.n, 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_object_get(json_object_get(json_array_get(
            capture.sent[0].params, 1), "Bridge"), m->br0), "new"),
        "name")), "brA");
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_object_get(json_object_get(json_array_get(
            capture.sent[1].params, 1), "Bridge"), m->br0), "new"),
        "name")), "brB");
    capture_clear();

    /* A failed or empty commit reports nothing. */
    struct uuid nowhere;
    uuid_generate(&nowhere);
    txn = db_txn_begin(m->f->db);
    ref_add(modify_row(txn, m->f->bridge, &m->c.br0), "ports", &nowhere);
    set_col(modify_row(txn, m->f->bridge, &m->c.br0), "name", "brX");
    commit_fails(m->f, txn, "referential integrity violation",
                 "nonexistent");
    txn = db_txn_begin(m->f->db);
    modify_row(txn, m->f->bridge, &m->c.br0);
    commit_ok(txn);
    assert_int_equal(capture.n, 0);
}

static void
test_cancel_and_remove_client(void **state)
{
    struct mfixture *m = *state;
    int a, b;

    json_decref(add_ok(m, &a, DB_MONITOR_V1, json_integer(1),
                       jsonf("{'Bridge': {}}")));
    json_decref(add_ok(m, &a, DB_MONITOR_V1, json_integer(2),
                       jsonf("{'Bridge': {}}")));
    /* The same id on another client is a different monitor. */
    json_decref(add_ok(m, &b, DB_MONITOR_V1, json_integer(1),
                       jsonf("{'Bridge': {}}")));
    assert_int_equal(db_monitors_count(m->ms), 3);

    json_t *one = json_integer(1), *nine = json_integer(9);
    assert_true(db_monitors_cancel(m->ms, &a, one));
    assert_false(db_monitors_cancel(m->ms, &a, one));
    assert_false(db_monitors_cancel(m->ms, &a, nine));
    json_decref(one);
    json_decref(nine);
    assert_int_equal(db_monitors_count(m->ms), 2);

    set_bridge(m, "fail_mode", "secure");
    assert_int_equal(capture.n, 2);
    capture_clear();

    db_monitors_remove_client(m->ms, &a);
    assert_int_equal(db_monitors_count(m->ms), 1);
    set_bridge(m, "fail_mode", "standalone");
    assert_int_equal(capture.n, 1);
    assert_ptr_equal(capture.sent[0].client, &b);
    assert_string_equal(capture.sent[0].method, "update");
}

/* Tests: bad requests. */

static void
test_bad_requests(void **state)
{
    struct mfixture *m = *state;
    int client;

    add_fails(m, &client, json_null(), jsonf("{'NoTable': {}}"),
              "unknown table");
    add_fails(m, &client, json_null(),
              jsonf("{'Bridge': {}, 'NoTable': {}}"), "unknown table");
    add_fails(m, &client, json_null(),
              jsonf("{'Bridge': {'columns': ['name', 'nocol']}}"),
              "unknown column");
    add_fails(m, &client, json_null(),
              jsonf("{'Bridge': {'columns': ['name', 'name']}}"),
              "syntax error");
    add_fails(m, &client, json_null(),
              jsonf("{'Bridge': [{'columns': ['name']}, "
                    "{'columns': ['name']}]}"), "syntax error");
    add_fails(m, &client, json_null(),
              jsonf("{'Bridge': {'columns': 'name'}}"), "syntax error");
    add_fails(m, &client, json_null(),
              jsonf("{'Bridge': {'select': {'insert': 1}}}"),
              "syntax error");
    add_fails(m, &client, json_null(),
              jsonf("{'Bridge': {'where': [['name', '==', 'br0']]}}"),
              "syntax error");
    add_fails(m, &client, json_null(), jsonf("['Bridge']"),
              "syntax error");
    add_fails(m, &client, json_null(), jsonf("{'Bridge': 5}"),
              "syntax error");
    assert_int_equal(db_monitors_count(m->ms), 0);

    /* A duplicate id on one client is refused; the first one still
     * works. */
    json_decref(add_ok(m, &client, DB_MONITOR_V1, jsonf("['a', 1]"),
                       jsonf("{'Bridge': {'columns': ['name']}}")));
    add_fails(m, &client, jsonf("['a', 1]"), jsonf("{'Port': {}}"),
              "duplicate monitor ID");
    set_bridge(m, "name", "brZ");
    assert_int_equal(capture.n, 1);
    assert_string_equal(capture.sent[0].method, "update");

    /* Bad requests made no monitors that could report anything. */
    assert_int_equal(db_monitors_count(m->ms), 1);
}

/* Tests: commit listeners (db.h). */

struct listen {
    int calls;
    size_t n;
    int inserts, deletes, modifies;
    char old_fail_mode[32];
};

static void
listener(void *aux, const struct db_row_change *changes, size_t n)
{
    struct listen *l = aux;

    l->calls++;
    l->n = n;
    for (size_t i = 0; i < n; i++) {
        if (!changes[i].old) {
            l->inserts++;
        } else if (!changes[i].new) {
            l->deletes++;
        } else {
            l->modifies++;
            if (!strcmp(changes[i].table->name, "Bridge")) {
                snprintf(l->old_fail_mode, sizeof l->old_fail_mode, "%s",
                         db_row_get_string(changes[i].old, "fail_mode"));
            }
        }
    }
}

static void
test_listeners(void **state)
{
    struct mfixture *m = *state;
    struct listen l1 = { 0 }, l2 = { 0 };
    struct hooks h = { 0 };

    db_set_hooks(m->f->db, durability_hook, change_hook, &h);
    db_add_listener(m->f->db, listener, &l1);
    db_add_listener(m->f->db, listener, &l2);

    set_bridge(m, "fail_mode", "secure");
    set_bridge(m, "fail_mode", "standalone");
    assert_int_equal(l1.calls, 2);
    assert_int_equal(l1.n, 1);
    assert_int_equal(l1.modifies, 2);
    assert_string_equal(l1.old_fail_mode, "secure");
    assert_int_equal(h.change_calls, 2);
    assert_int_equal(h.durability_calls, 2);

    /* Removing one leaves the other (and the hooks) alone. */
    db_remove_listener(m->f->db, listener, &l1);
    db_remove_listener(m->f->db, listener, &l1);
    struct uuid br1 = add_bridge(m, "br1");
    assert_int_equal(l1.calls, 2);
    assert_int_equal(l2.calls, 3);
    assert_int_equal(l2.inserts, 1);
    assert_int_equal(l2.modifies, 3);    /* Open_vSwitch's bridges. */
    del_bridge(m, &br1);
    assert_int_equal(l2.deletes, 1);
    assert_int_equal(h.change_calls, 4);
    db_remove_listener(m->f->db, listener, &l2);
    json_decref(h.changes);
}

int
test_db_monitor_run(void)
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, msetup, mteardown)
    const struct CMUnitTest tests[] = {
        T(test_v1_initial),
        T(test_v1_updates),
        T(test_v1_all_columns_and_select),
        T(test_v2_updates),
        T(test_v2_sets),
        T(test_v3_since),
        T(test_ephemeral_columns),
        T(test_one_notification_per_commit),
        T(test_cancel_and_remove_client),
        T(test_bad_requests),
        T(test_listeners),
    };
#undef T

    return cmocka_run_group_tests_name("db-monitor", tests, group_setup,
                                       group_teardown);
}
