/*
 * test-db-changes.c -- unit tests for how the in-memory database reports
 * and serializes changes.
 *
 * The durability hook (which may refuse a commit) and the change hook; the
 * change set of a transaction (db_txn_changes_to_json()), including set
 * differences and ephemeral columns that never reach the journal; replaying
 * change sets on a replica; db_to_json() round trips, _version updates and
 * db_apply_json().  The fixture and helpers are in test-db-helpers.h.
 */
#include <config.h>
#include "tests.h"
#include "test-db-helpers.h"

#include <errno.h>

/* Helpers: whole databases. */

/* Makes a database from 'json' (as db_to_json() returns) and returns it. */
static struct db *
db_from_json(const struct db_schema *schema, const json_t *json)
{
    struct db *db = db_create(schema);
    char *error = db_apply_json(db, json);

    if (error) {
        print_error("db_apply_json: %s\n", error);
    }
    assert_null(error);
    return db;
}

static void
assert_same_db(const struct db *a, const struct db *b)
{
    json_t *ja = db_to_json(a);
    json_t *jb = db_to_json(b);

    if (!json_equal(ja, jb)) {
        char *sa = json_dumps(ja, JSON_SORT_KEYS | JSON_INDENT(1));
        char *sb = json_dumps(jb, JSON_SORT_KEYS | JSON_INDENT(1));
        print_error("databases differ:\n%s\n---\n%s\n", sa, sb);
        free(sa);
        free(sb);
    }
    assert_true(json_equal(ja, jb));
    json_decref(ja);
    json_decref(jb);
}

/* Tests: hooks. */

static void
test_durability_hook(void **state)
{
    struct fixture *f = *state;
    struct hooks h = { 0 };
    char id[UUID_LEN + 1];

    db_set_hooks(f->db, durability_hook, change_hook, &h);

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *qos = db_txn_insert(txn, f->qos, NULL);
    set_col(qos, "type", "linux-htb");
    row_id(qos, id);
    struct uuid u = *db_row_uuid(qos);
    json_t *expected = db_txn_changes_to_json(txn);
    commit_ok(txn);
    assert_int_equal(h.durability_calls, 1);
    assert_int_equal(h.change_calls, 1);
    assert_int_equal(db_get_seqno(f->db), 1);

    /* The hook saw the transaction's change set: the row, its non-default
     * columns and its _version, without _uuid. */
    assert_non_null(h.changes);
    json_t *rowj = json_object_get(json_object_get(h.changes, "QoS"), id);
    assert_non_null(rowj);
    assert_string_equal(json_string_value(json_object_get(rowj, "type")),
                        "linux-htb");
    assert_non_null(json_object_get(rowj, "_version"));
    assert_null(json_object_get(rowj, "_uuid"));
    assert_null(json_object_get(rowj, "queues"));
    assert_int_equal(json_object_size(h.changes), 1);

    /* It is what db_txn_changes_to_json() gave before the commit, except
     * that the commit gives the row its new _version. */
    json_object_del(rowj, "_version");
    json_object_del(json_object_get(json_object_get(expected, "QoS"), id),
                    "_version");
    assert_true(json_equal(expected, h.changes));
    json_decref(expected);

    /* A refusing hook aborts the commit. */
    h.fail_with = EIO;
    txn = db_txn_begin(f->db);
    struct db_row *w = db_txn_modify(txn, db_txn_get(txn, f->qos, &u));
    set_col(w, "type", "linux-hfsc");
    commit_fails(f, txn, "I/O error",
                 "writing the database to disk failed (");
    assert_int_equal(h.durability_calls, 2);
    assert_int_equal(h.change_calls, 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(h.changes, "QoS"), id),
            "type")), "linux-hfsc");

    assert_string_equal(db_row_get_string(db_get_row(f->db, f->qos, &u),
                                          "type"), "linux-htb");

    /* A commit that fails validation never reaches the hook. */
    h.fail_with = 0;
    txn = db_txn_begin(f->db);
    db_txn_insert(txn, f->ovs, NULL);
    db_txn_insert(txn, f->ovs, NULL);
    commit_fails(f, txn, "constraint violation", "Open_vSwitch");
    assert_int_equal(h.durability_calls, 2);
    assert_int_equal(h.change_calls, 1);
    json_decref(h.changes);
}

static void
test_changes_json(void **state)
{
    struct fixture *f = *state;
    struct config c;
    char p1[UUID_LEN + 1], br0[UUID_LEN + 1];

    build_config(f, &c);
    uuid_to_string(&c.p1, p1);
    uuid_to_string(&c.br0, br0);

    /* A delete is null; a modify lists only the columns it changes; GC'd
     * rows appear as deletes. */
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->bridge, &c.br0);
    ref_remove(w, "ports", &c.p1);
    db_txn_delete(txn, db_get_row(f->db, f->port, &c.p1));
    json_t *changes = db_txn_changes_to_json(txn);
    assert_true(json_is_null(json_object_get(
                                 json_object_get(changes, "Port"), p1)));
    json_t *brj = json_object_get(json_object_get(changes, "Bridge"), br0);
    assert_non_null(brj);
    assert_null(json_object_get(brj, "name"));
    assert_non_null(json_object_get(brj, "ports"));
    assert_null(json_object_get(changes, "Interface"));
    json_decref(changes);

    struct hooks h = { 0 };
    db_set_hooks(f->db, durability_hook, NULL, &h);
    commit_ok(txn);
    char i1[UUID_LEN + 1];
    uuid_to_string(&c.i1, i1);
    assert_true(json_is_null(json_object_get(
                                 json_object_get(h.changes, "Interface"),
                                 i1)));
    json_decref(h.changes);
}

/* A small change to a large set is journaled as a difference, and the
 * difference replays to the same state. */
static void
test_changes_large_set_diff(void **state)
{
    struct fixture *f = *state;
    struct hooks h = { 0 };
    struct config c;
    char br0[UUID_LEN + 1];

    h.replica = db_create(vswitch_schema);
    db_set_hooks(f->db, durability_hook, change_hook, &h);
    build_config(f, &c);
    uuid_to_string(&c.br0, br0);

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *br = modify_row(txn, f->bridge, &c.br0);
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "bulk%d", i);
        ref_add(br, "ports", db_row_uuid(insert_port(txn, f, name, name)));
    }
    commit_ok(txn);
    assert_same_db(f->db, h.replica);

    /* One more port: the journal carries one element, not 43. */
    txn = db_txn_begin(f->db);
    br = modify_row(txn, f->bridge, &c.br0);
    ref_add(br, "ports", db_row_uuid(insert_port(txn, f, "one", "one")));
    commit_ok(txn);
    json_t *ports = json_object_get(
        json_object_get(json_object_get(h.changes, "Bridge"), br0), "ports");
    assert_non_null(ports);
    assert_string_equal(json_string_value(json_array_get(ports, 0)), "diff");
    assert_true(json_is_array(json_array_get(ports, 1)));
    assert_string_equal(
        json_string_value(json_array_get(json_array_get(ports, 1), 0)),
        "uuid");
    assert_same_db(f->db, h.replica);

    /* Removing one is a difference too. */
    txn = db_txn_begin(f->db);
    br = modify_row(txn, f->bridge, &c.br0);
    ref_remove(br, "ports", &c.p1);
    commit_ok(txn);
    assert_same_db(f->db, h.replica);
    assert_int_equal(db_row_get_named(db_get_row(h.replica, f->bridge,
                                                 &c.br0), "ports")->n, 42);
    json_decref(h.changes);
    db_destroy(h.replica);
}

/* Runtime state in ephemeral columns never reaches the journal. */
static void
test_ephemeral_not_journaled(void **state)
{
    struct fixture *f = *state;
    struct hooks h = { 0 };
    struct config c;

    build_config(f, &c);
    db_set_hooks(f->db, durability_hook, change_hook, &h);

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->iface, &c.i1);
    set_col(w, "statistics", "rx_packets=5");
    commit_ok(txn);
    assert_int_equal(h.durability_calls, 0);
    assert_int_equal(h.change_calls, 1);
    assert_col(db_get_row(f->db, f->iface, &c.i1), "statistics",
               "{rx_packets=5}");

    /* Mixed with a durable change, only the durable column is written. */
    txn = db_txn_begin(f->db);
    w = modify_row(txn, f->iface, &c.i1);
    set_col(w, "statistics", "rx_packets=6");
    set_col(w, "mtu_request", "9000");
    commit_ok(txn);
    assert_int_equal(h.durability_calls, 1);
    char i1[UUID_LEN + 1];
    uuid_to_string(&c.i1, i1);
    json_t *row = json_object_get(json_object_get(h.changes, "Interface"),
                                  i1);
    assert_non_null(json_object_get(row, "mtu_request"));
    assert_null(json_object_get(row, "statistics"));
    json_decref(h.changes);
}

/* Tests: serialization. */

static void
test_to_json_roundtrip(void **state)
{
    struct fixture *f = *state;
    struct config c;

    build_config(f, &c);
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->port, &c.p1);
    set_col(w, "trunks", "1-5,100");
    set_col(w, "external_ids", "attached-mac=\"52:54:00:aa:bb:cc\",x=y");
    set_col(w, "tag", "9");
    struct db_row *qos = db_txn_insert(txn, f->qos, NULL);
    char buf[UUID_LEN + 1], text[64];
    struct db_row *queue = db_txn_insert(txn, f->queue, NULL);
    snprintf(text, sizeof text, "7=%s", row_id(queue, buf));
    set_col(qos, "queues", text);
    set_col(w, "qos", row_id(qos, buf));
    commit_ok(txn);

    json_t *j = db_to_json(f->db);
    struct db *copy = db_from_json(vswitch_schema, j);
    assert_same_db(f->db, copy);
    json_decref(j);

    /* Every row and column came across, _version included. */
    const struct db_row *row;
    DB_FOR_EACH (row, f->db, f->port) {
        const struct db_row *other = db_get_row(copy, f->port,
                                                db_row_uuid(row));
        assert_non_null(other);
        for (unsigned int i = 0; i < f->port->n_columns; i++) {
            const struct db_column_schema *col = &f->port->columns[i];
            assert_true(db_datum_equals(db_row_get(row, col),
                                        db_row_get(other, col),
                                        &col->type));
        }
    }
    assert_col(db_get_row(copy, f->port, &c.p1), "trunks",
               "[1, 2, 3, 4, 5, 100]");
    assert_int_equal(db_row_get_integer(db_get_row(copy, f->port, &c.p1),
                                        "tag"), 9);
    assert_int_equal(db_table_count(copy, f->iface), 2);
    db_destroy(copy);

    /* An empty database is {}. */
    struct db *empty = db_create(vswitch_schema);
    j = db_to_json(empty);
    assert_int_equal(json_object_size(j), 0);
    json_decref(j);
    db_destroy(empty);
}

static void
test_changes_replay(void **state)
{
    struct fixture *f = *state;
    struct hooks h = { 0 };
    struct config c;
    char a[UUID_LEN + 1];

    /* A replica follows every change set the hook sees. */
    h.replica = db_create(vswitch_schema);
    db_set_hooks(f->db, durability_hook, change_hook, &h);
    build_config(f, &c);
    assert_same_db(f->db, h.replica);

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *m = insert_named(txn, f->mirror, "m");
    uuid_to_string(&c.p1, a);
    set_col(m, "select_src_port", a);
    struct db_row *br = modify_row(txn, f->bridge, &c.br0);
    ref_add(br, "mirrors", db_row_uuid(m));
    set_col(br, "other_config", "k=v");
    commit_ok(txn);
    assert_same_db(f->db, h.replica);

    /* Modify, GC, weak-reference pruning. */
    txn = db_txn_begin(f->db);
    br = modify_row(txn, f->bridge, &c.br0);
    ref_remove(br, "ports", &c.p1);
    set_col(br, "other_config", "k=w");
    commit_ok(txn);
    assert_same_db(f->db, h.replica);

    /* Deletes and inserts. */
    txn = db_txn_begin(f->db);
    struct db_row *ovs = modify_row(txn, f->ovs, &c.ovs);
    set_col(ovs, "bridges", "[]");
    struct db_row *br1 = insert_named(txn, f->bridge, "br1");
    ref_add(ovs, "bridges", db_row_uuid(br1));
    struct db_row *p = insert_port(txn, f, "p3", "i3");
    ref_add(br1, "ports", db_row_uuid(p));
    set_col(ovs, "next_cfg", "5");
    commit_ok(txn);
    assert_same_db(f->db, h.replica);
    assert_int_equal(db_table_count(h.replica, f->bridge), 1);
    assert_int_equal(db_table_count(h.replica, f->mirror), 0);

    assert_int_equal(h.change_calls, 4);
    assert_int_equal(h.durability_calls, 4);
    json_decref(h.changes);
    db_destroy(h.replica);
}

static void
test_version_changes(void **state)
{
    struct fixture *f = *state;
    struct config c;

    build_config(f, &c);
    char *v_br = col_text(db_get_row(f->db, f->bridge, &c.br0), "_version");
    char *v_p1 = col_text(db_get_row(f->db, f->port, &c.p1), "_version");

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->port, &c.p1);
    set_col(w, "tag", "10");
    commit_ok(txn);

    char *v_p1_new = col_text(db_get_row(f->db, f->port, &c.p1), "_version");
    assert_string_not_equal(v_p1, v_p1_new);
    assert_col(db_get_row(f->db, f->bridge, &c.br0), "_version", v_br);
    free(v_br);
    free(v_p1);
    free(v_p1_new);
}

static void
test_apply_json(void **state)
{
    struct fixture *f = *state;
    struct config c;
    char p2[UUID_LEN + 1], br0[UUID_LEN + 1];
    char *error;
    json_t *j;

    build_config(f, &c);
    uuid_to_string(&c.p2, p2);
    uuid_to_string(&c.br0, br0);
    unsigned long long seqno = db_get_seqno(f->db);

    /* A row value of null deletes; an object for an existing row changes
     * only the columns it names. */
    j = json_pack("{s:{s:n}, s:{s:{s:s}}, s:{}}", "Port", p2, "Bridge", br0,
                  "name", "renamed", "Nonexistent_Table");
    error = db_apply_json(f->db, j);
    assert_null(error);
    json_decref(j);
    assert_null(db_get_row(f->db, f->port, &c.p2));
    const struct db_row *br = db_get_row(f->db, f->bridge, &c.br0);
    assert_string_equal(db_row_get_string(br, "name"), "renamed");
    assert_int_equal(db_row_get_named(br, "ports")->n, 2);
    assert_int_equal(db_get_seqno(f->db), seqno + 1);

    /* Unknown columns are ignored. */
    j = json_pack("{s:{s:{s:s, s:i}}}", "Bridge", br0, "name", "again",
                  "no_such_column", 1);
    error = db_apply_json(f->db, j);
    assert_null(error);
    json_decref(j);
    assert_string_equal(db_row_get_string(db_get_row(f->db, f->bridge,
                                                     &c.br0), "name"),
                        "again");

    /* Shape errors. */
    static const char *const bad[] = {
        "[]",
        "{\"Bridge\": []}",
        "{\"Bridge\": {\"not-a-uuid\": {}}}",
        "{\"Bridge\": {\"11111111-2222-3333-4444-555555555555\": 5}}",
        "{\"Bridge\": {\"11111111-2222-3333-4444-555555555555\": "
        "{\"name\": 5}}}",
        "{\"Port\": {\"11111111-2222-3333-4444-555555555555\": "
        "{\"tag\": 5000}}}",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        json_error_t err;
        j = json_loads(bad[i], 0, &err);
        assert_non_null(j);
        error = db_apply_json(f->db, j);
        if (!error) {
            print_error("accepted: %s\n", bad[i]);
        }
        assert_non_null(error);
        free(error);
        json_decref(j);
    }
}

int
test_db_changes_run(void)
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_durability_hook),
        T(test_changes_json),
        T(test_changes_large_set_diff),
        T(test_ephemeral_not_journaled),
        T(test_to_json_roundtrip),
        T(test_changes_replay),
        T(test_version_changes),
        T(test_apply_json),
    };
#undef T

    return cmocka_run_group_tests_name("db-changes", tests, group_setup,
                                       group_teardown);
}
