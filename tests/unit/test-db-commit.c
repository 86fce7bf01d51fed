/*
 * test-db-commit.c -- unit tests for what db_txn_commit() enforces in the
 * in-memory database.
 *
 * Garbage collection of rows unreachable from root tables, strong
 * references (dangling, or to a deleted row), pruning of weak references,
 * rows inserted and deleted in one transaction, unique and multi-column
 * indexes, maxRows, and column constraints (n_min, n_max, ranges, enums).
 * A failed commit must leave the database exactly as it was.  The fixture
 * and helpers are in test-db-helpers.h.
 */
#include <config.h>
#include "tests.h"
#include "test-db-helpers.h"

/* The row of 'ts' with the given "name" as 'txn' sees it, or NULL. */
static const struct db_row *
txn_find_named(struct db_txn *txn, const struct db_table_schema *ts,
               const char *name)
{
    const struct db_row *row;

    DB_TXN_FOR_EACH (row, txn, ts) {
        if (!strcmp(db_row_get_string(row, "name"), name)) {
            return row;
        }
    }
    return NULL;
}

/* Tests: garbage collection and references. */

static void
test_gc_unreferenced(void **state)
{
    struct fixture *f = *state;
    struct db_txn *txn = db_txn_begin(f->db);

    /* A bridge nobody references disappears, with its ports; a QoS and a
     * Queue are roots and stay. */
    db_txn_insert(txn, f->ovs, NULL);
    struct db_row *br = insert_named(txn, f->bridge, "lonely");
    struct db_row *p = insert_port(txn, f, "lp", "li");
    ref_add(br, "ports", db_row_uuid(p));
    struct db_row *qos = db_txn_insert(txn, f->qos, NULL);
    struct db_row *queue = db_txn_insert(txn, f->queue, NULL);
    struct uuid qos_uuid = *db_row_uuid(qos);
    struct uuid queue_uuid = *db_row_uuid(queue);
    commit_ok(txn);

    assert_int_equal(db_table_count(f->db, f->ovs), 1);
    assert_int_equal(db_table_count(f->db, f->bridge), 0);
    assert_int_equal(db_table_count(f->db, f->port), 0);
    assert_int_equal(db_table_count(f->db, f->iface), 0);
    assert_non_null(db_get_row(f->db, f->qos, &qos_uuid));
    assert_non_null(db_get_row(f->db, f->queue, &queue_uuid));
}

static void
test_gc_port_removed(void **state)
{
    struct fixture *f = *state;
    struct config c;

    build_config(f, &c);

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->bridge, &c.br0);
    ref_remove(w, "ports", &c.p1);
    commit_ok(txn);

    assert_null(db_get_row(f->db, f->port, &c.p1));
    assert_null(db_get_row(f->db, f->iface, &c.i1));
    assert_non_null(db_get_row(f->db, f->port, &c.p2));
    assert_non_null(db_get_row(f->db, f->iface, &c.i2));
    assert_int_equal(committed_count(f->db, f->port), 1);
    assert_int_equal(committed_count(f->db, f->iface), 1);

    /* Dropping the bridge from Open_vSwitch takes everything below. */
    txn = db_txn_begin(f->db);
    w = modify_row(txn, f->ovs, &c.ovs);
    set_col(w, "bridges", "[]");
    commit_ok(txn);
    assert_int_equal(committed_count(f->db, f->bridge), 0);
    assert_int_equal(committed_count(f->db, f->port), 0);
    assert_int_equal(committed_count(f->db, f->iface), 0);
    assert_int_equal(committed_count(f->db, f->ovs), 1);
}

static void
test_gc_shared_target(void **state)
{
    struct fixture *f = *state;
    struct config c;

    build_config(f, &c);

    /* Port p2 referenced by a second bridge survives its removal from the
     * first. */
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *br1 = insert_named(txn, f->bridge, "br1");
    ref_add(br1, "ports", &c.p2);
    struct db_row *ovs = modify_row(txn, f->ovs, &c.ovs);
    ref_add(ovs, "bridges", db_row_uuid(br1));
    struct db_row *br0 = modify_row(txn, f->bridge, &c.br0);
    ref_remove(br0, "ports", &c.p2);
    commit_ok(txn);
    assert_non_null(db_get_row(f->db, f->port, &c.p2));
    assert_non_null(db_get_row(f->db, f->iface, &c.i2));
    assert_int_equal(committed_count(f->db, f->bridge), 2);
}

static void
test_ref_to_missing_row(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct uuid ghost;
    char id[UUID_LEN + 1];

    build_config(f, &c);
    uuid_generate(&ghost);

    /* From a row reachable from a root. */
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->bridge, &c.br0);
    ref_add(w, "ports", &ghost);
    uuid_to_string(&ghost, id);
    commit_fails(f, txn, "referential integrity violation", id);

    /* From a root row, through a map value. */
    txn = db_txn_begin(f->db);
    struct db_row *qos = db_txn_insert(txn, f->qos, NULL);
    set_col(qos, "queues", "{}");
    const struct db_column_schema *queues = column(f->qos, "queues");
    union db_atom key = { .integer = 1 }, value = { .uuid = ghost };
    db_datum_add(&qos->fields[queues->idx], &queues->type, &key, &value,
                 false);
    commit_fails(f, txn, "referential integrity violation",
                 "references nonexistent row");

    /* A default Port has interfaces = [all-zero UUID]: dangling too. */
    txn = db_txn_begin(f->db);
    struct db_row *p = insert_named(txn, f->port, "p9");
    w = modify_row(txn, f->bridge, &c.br0);
    ref_add(w, "ports", db_row_uuid(p));
    commit_fails(f, txn, "referential integrity violation",
                 "00000000-0000-0000-0000-000000000000");
}

static void
test_delete_referenced_row(void **state)
{
    struct fixture *f = *state;
    char buf[UUID_LEN + 1], text[2 * UUID_LEN];

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *queue = db_txn_insert(txn, f->queue, NULL);
    struct db_row *qos = db_txn_insert(txn, f->qos, NULL);
    struct uuid queue_uuid = *db_row_uuid(queue);
    struct uuid qos_uuid = *db_row_uuid(qos);
    snprintf(text, sizeof text, "0=%s", row_id(queue, buf));
    set_col(qos, "queues", text);
    commit_ok(txn);

    /* The Queue is still referenced by QoS.queues. */
    txn = db_txn_begin(f->db);
    db_txn_delete(txn, db_get_row(f->db, f->queue, &queue_uuid));
    commit_fails(f, txn, "referential integrity violation",
                 "cannot delete Queue row");

    /* Interface i1 is still referenced by Port p1. */
    struct config c;
    build_config(f, &c);
    txn = db_txn_begin(f->db);
    db_txn_delete(txn, db_get_row(f->db, f->iface, &c.i1));
    commit_fails(f, txn, "referential integrity violation",
                 "because of a remaining reference from Port row");

    /* Removing the reference as well works. */
    txn = db_txn_begin(f->db);
    db_txn_delete(txn, db_get_row(f->db, f->queue, &queue_uuid));
    struct db_row *w = modify_row(txn, f->qos, &qos_uuid);
    set_col(w, "queues", "{}");
    commit_ok(txn);
    assert_null(db_get_row(f->db, f->queue, &queue_uuid));
}

static void
test_weak_refs_pruned(void **state)
{
    struct fixture *f = *state;
    struct config c;
    char a[UUID_LEN + 1], b[UUID_LEN + 1], text[4 * UUID_LEN];

    build_config(f, &c);
    uuid_to_string(&c.p1, a);
    uuid_to_string(&c.p2, b);

    /* A mirror on br0 selecting both ports, outputting to p1. */
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *m = insert_named(txn, f->mirror, "m0");
    snprintf(text, sizeof text, "%s,%s", a, b);
    set_col(m, "select_src_port", text);
    set_col(m, "select_dst_port", text);
    set_col(m, "output_port", a);
    struct uuid mirror_uuid = *db_row_uuid(m);
    struct db_row *br = modify_row(txn, f->bridge, &c.br0);
    ref_add(br, "mirrors", &mirror_uuid);
    commit_ok(txn);
    const struct db_row *mr = db_get_row(f->db, f->mirror, &mirror_uuid);
    assert_non_null(mr);
    assert_int_equal(db_row_get_named(mr, "select_src_port")->n, 2);

    /* Port p1 goes away: the weak references to it vanish. */
    txn = db_txn_begin(f->db);
    br = modify_row(txn, f->bridge, &c.br0);
    ref_remove(br, "ports", &c.p1);
    commit_ok(txn);
    mr = db_get_row(f->db, f->mirror, &mirror_uuid);
    assert_non_null(mr);
    snprintf(text, sizeof text, "[%s]", b);
    assert_col(mr, "select_src_port", text);
    assert_col(mr, "select_dst_port", text);
    assert_col(mr, "output_port", "[]");

    /* A weak reference to a row that never existed is dropped too. */
    struct uuid ghost;
    uuid_generate(&ghost);
    txn = db_txn_begin(f->db);
    struct db_row *w = db_txn_modify(txn, mr);
    ref_add(w, "select_src_port", &ghost);
    commit_ok(txn);
    mr = db_get_row(f->db, f->mirror, &mirror_uuid);
    assert_col(mr, "select_src_port", text);

    /* So is one to a row inserted in the same transaction but garbage
     * collected at commit. */
    txn = db_txn_begin(f->db);
    struct db_row *orphan = insert_port(txn, f, "orphan", "orphan-if");
    w = db_txn_modify(txn, mr);
    ref_add(w, "select_dst_port", db_row_uuid(orphan));
    commit_ok(txn);
    mr = db_get_row(f->db, f->mirror, &mirror_uuid);
    assert_col(mr, "select_dst_port", text);
    assert_null(find_named(f->db, f->port, "orphan"));
}

static void
test_insert_then_delete(void **state)
{
    struct fixture *f = *state;
    struct config c;

    build_config(f, &c);

    /* A row inserted and deleted in one transaction is invisible, and a
     * strong reference to it is dangling. */
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *p = insert_port(txn, f, "tmp", "tmp-if");
    struct uuid u = *db_row_uuid(p);
    db_txn_delete(txn, p);
    assert_null(db_txn_get(txn, f->port, &u));
    assert_null(txn_find_named(txn, f->port, "tmp"));
    assert_int_equal(txn_count(txn, f->port), 2);
    struct db_row *br = modify_row(txn, f->bridge, &c.br0);
    ref_add(br, "ports", &u);
    commit_fails(f, txn, "referential integrity violation",
                 "references nonexistent row");

    /* Deleting a modified row drops the modification. */
    txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->port, &c.p2);
    set_col(w, "tag", "7");
    db_txn_delete(txn, w);
    assert_null(db_txn_get(txn, f->port, &c.p2));
    br = modify_row(txn, f->bridge, &c.br0);
    ref_remove(br, "ports", &c.p2);
    commit_ok(txn);
    assert_null(db_get_row(f->db, f->port, &c.p2));
    assert_null(db_get_row(f->db, f->iface, &c.i2));
}

/* Tests: constraints at commit. */

static void
test_unique_index(void **state)
{
    struct fixture *f = *state;
    struct config c;

    build_config(f, &c);

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *br = insert_named(txn, f->bridge, "br0");
    struct db_row *ovs = modify_row(txn, f->ovs, &c.ovs);
    ref_add(ovs, "bridges", db_row_uuid(br));
    commit_fails(f, txn, "constraint violation",
                 "transaction causes multiple rows in \"Bridge\" table to "
                 "have identical values (br0) for index on column "
                 "\"name\"");

    /* Two new rows with the same name. */
    txn = db_txn_begin(f->db);
    ovs = modify_row(txn, f->ovs, &c.ovs);
    for (int i = 0; i < 2; i++) {
        br = insert_named(txn, f->bridge, "twin");
        ref_add(ovs, "bridges", db_row_uuid(br));
    }
    commit_fails(f, txn, "constraint violation", "(twin)");

    /* Only the final state counts: a rename that frees the name lets a
     * new row take it in the same transaction. */
    txn = db_txn_begin(f->db);
    struct db_row *old = modify_row(txn, f->bridge, &c.br0);
    set_col(old, "name", "br-old");
    br = insert_named(txn, f->bridge, "br0");
    ovs = modify_row(txn, f->ovs, &c.ovs);
    ref_add(ovs, "bridges", db_row_uuid(br));
    commit_ok(txn);
    assert_non_null(find_named(f->db, f->bridge, "br-old"));
    assert_non_null(find_named(f->db, f->bridge, "br0"));

    /* An unreferenced duplicate is collected before the check. */
    txn = db_txn_begin(f->db);
    insert_named(txn, f->bridge, "br0");
    commit_ok(txn);
    assert_int_equal(committed_count(f->db, f->bridge), 2);
}

static void
test_multi_column_index(void **state)
{
    struct db_schema *s = schema_ok(
        "{\"name\": \"idx\", \"tables\": {"
        " \"T\": {\"isRoot\": true, \"columns\": {"
        "   \"a\": {\"type\": \"integer\"}, \"b\": {\"type\": \"string\"}},"
        "   \"indexes\": [[\"a\", \"b\"]]}}}");
    struct db *db = db_create(s);
    const struct db_table_schema *t = &s->tables[0];
    struct db_txn *txn;
    struct db_row *row;
    const char *tag = NULL;
    (void) state;

    txn = db_txn_begin(db);
    row = db_txn_insert(txn, t, NULL);
    set_col(row, "a", "1");
    set_col(row, "b", "x");
    row = db_txn_insert(txn, t, NULL);
    set_col(row, "a", "1");
    set_col(row, "b", "y");
    row = db_txn_insert(txn, t, NULL);
    set_col(row, "a", "2");
    set_col(row, "b", "x");
    commit_ok(txn);
    assert_int_equal(db_table_count(db, t), 3);

    txn = db_txn_begin(db);
    row = db_txn_insert(txn, t, NULL);
    set_col(row, "a", "2");
    set_col(row, "b", "x");
    char *error = db_txn_commit(txn, &tag);
    assert_non_null(error);
    assert_string_equal(tag, "constraint violation");
    assert_non_null(strstr(error, "(2, x)"));
    assert_non_null(strstr(error, "columns \"a, b\""));
    free(error);
    assert_int_equal(db_table_count(db, t), 3);

    db_destroy(db);
    db_schema_destroy(s);
}

static void
test_max_rows(void **state)
{
    struct fixture *f = *state;
    struct config c;

    build_config(f, &c);
    struct db_txn *txn = db_txn_begin(f->db);
    db_txn_insert(txn, f->ovs, NULL);
    assert_int_equal(txn_count(txn, f->ovs), 2);
    commit_fails(f, txn, "constraint violation",
                 "transaction causes \"Open_vSwitch\" table to contain 2 "
                 "rows, greater than the schema-defined limit of 1 row(s)");

    /* Replacing the row in one transaction is fine. */
    txn = db_txn_begin(f->db);
    db_txn_delete(txn, db_get_row(f->db, f->ovs, &c.ovs));
    db_txn_insert(txn, f->ovs, NULL);
    commit_ok(txn);
    assert_int_equal(db_table_count(f->db, f->ovs), 1);
    assert_null(db_get_row(f->db, f->ovs, &c.ovs));
    assert_int_equal(db_table_count(f->db, f->bridge), 0);
}

static void
test_column_constraints(void **state)
{
    struct fixture *f = *state;
    struct config c;
    char id[UUID_LEN + 1];

    build_config(f, &c);

    /* n_min: a Port needs at least one Interface. */
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->port, &c.p1);
    set_empty(w, "interfaces");
    uuid_to_string(&c.p1, id);
    char *want = xasprintf("table Port column interfaces (row %s): 0 values "
                           "when type requires at least 1", id);
    commit_fails(f, txn, "constraint violation", want);
    free(want);

    /* Ranges: the datum is built by hand, bypassing parsing. */
    txn = db_txn_begin(f->db);
    w = modify_row(txn, f->port, &c.p1);
    struct db_datum d;
    db_datum_init_integer(&d, 5000);
    db_row_set_named(w, "tag", &d);
    commit_fails(f, txn, "constraint violation",
                 "5000 is not in the valid range 0 to 4095 (inclusive)");

    /* Enums. */
    txn = db_txn_begin(f->db);
    w = modify_row(txn, f->bridge, &c.br0);
    db_datum_init_string(&d, "open");
    db_row_set_named(w, "fail_mode", &d);
    commit_fails(f, txn, "constraint violation",
                 "open is not one of the allowed values");

    /* n_max. */
    txn = db_txn_begin(f->db);
    w = modify_row(txn, f->port, &c.p1);
    set_col(w, "trunks", "1,2");
    const struct db_column_schema *tag = column(f->port, "tag");
    db_datum_clone(&d, db_row_get_named(w, "trunks"), &tag->type);
    db_row_set(w, tag, &d);
    commit_fails(f, txn, "constraint violation",
                 "2 values when type allows at most 1");

    /* A row that garbage collection drops is not checked at all. */
    txn = db_txn_begin(f->db);
    struct db_row *p = insert_named(txn, f->port, "junk");
    set_empty(p, "interfaces");
    commit_ok(txn);
    assert_null(find_named(f->db, f->port, "junk"));
}

int
test_db_commit_run(void)
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_gc_unreferenced),
        T(test_gc_port_removed),
        T(test_gc_shared_target),
        T(test_ref_to_missing_row),
        T(test_delete_referenced_row),
        T(test_weak_refs_pruned),
        T(test_insert_then_delete),
        T(test_unique_index),
        cmocka_unit_test(test_multi_column_index),
        T(test_max_rows),
        T(test_column_constraints),
    };
#undef T

    return cmocka_run_group_tests_name("db-commit", tests, group_setup,
                                       group_teardown);
}
