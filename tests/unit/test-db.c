/*
 * test-db.c -- unit tests for the in-memory database: schema parsing and
 * the basic use of rows and transactions.
 *
 * Schemas: the real vswitchd/vswitch.ovsschema, small inline schemas, the
 * "no isRoot anywhere" compatibility rule and parsing errors.
 * Transactions: the view of inserted, modified and deleted rows against the
 * committed state, abort, empty transactions and db_txn_check().  Then the
 * row accessors, and large transactions and iteration over 1,000 rows.
 *
 * What a commit enforces is in test-db-commit.c; hooks, change sets and
 * serialization in test-db-changes.c; the fixture and helpers they share in
 * test-db-helpers.h.
 */
#include <config.h>
#include "test-db-helpers.h"

#include <limits.h>

/* Tests: schemas. */

static void
test_schema_vswitch(void **state)
{
    const struct db_schema *s = vswitch_schema;
    (void) state;

    assert_string_equal(s->name, "Open_vSwitch");
    assert_non_null(s->version);
    assert_non_null(s->json);
    assert_true(s->n_tables >= 7);

    /* Tables sorted by name, each knowing its position. */
    for (unsigned int t = 0; t < s->n_tables; t++) {
        const struct db_table_schema *ts = &s->tables[t];
        assert_int_equal(ts->idx, t);
        if (t) {
            assert_true(strcmp(s->tables[t - 1].name, ts->name) < 0);
        }

        /* _uuid and _version first, then the columns sorted by name. */
        assert_true(ts->n_columns > 2);
        assert_string_equal(ts->columns[DB_COL_UUID].name, "_uuid");
        assert_string_equal(ts->columns[DB_COL_VERSION].name, "_version");
        assert_true(db_type_is_scalar(&ts->columns[0].type));
        assert_int_equal(ts->columns[0].type.key.type, DB_UUID);
        assert_int_equal(ts->columns[1].type.key.type, DB_UUID);
        for (unsigned int c = 0; c < ts->n_columns; c++) {
            assert_int_equal(ts->columns[c].idx, c);
            assert_ptr_equal(db_table_find_column(ts, ts->columns[c].name),
                             &ts->columns[c]);
            if (c > 2) {
                assert_true(strcmp(ts->columns[c - 1].name,
                                   ts->columns[c].name) < 0);
            }
        }
        assert_ptr_equal(db_schema_find_table(s, ts->name), ts);
    }
    assert_null(db_schema_find_table(s, "Nope"));
    assert_null(db_table_find_column(&s->tables[0], "nope"));

    const struct db_table_schema *ovs = table(s, "Open_vSwitch");
    const struct db_table_schema *bridge = table(s, "Bridge");
    const struct db_table_schema *port = table(s, "Port");
    const struct db_table_schema *mirror = table(s, "Mirror");
    assert_true(ovs->is_root);
    assert_int_equal(ovs->max_rows, 1);
    assert_false(bridge->is_root);
    assert_int_equal(bridge->max_rows, UINT_MAX);
    assert_true(table(s, "QoS")->is_root);
    assert_true(table(s, "Queue")->is_root);
    assert_false(port->is_root);

    /* Bridge: a unique index on name; name is immutable. */
    assert_int_equal(bridge->n_indexes, 1);
    assert_int_equal(bridge->index_n[0], 1);
    assert_int_equal(bridge->indexes[0][0], column(bridge, "name")->idx);
    assert_false(column(bridge, "name")->mutable);
    assert_true(column(bridge, "ports")->mutable);

    /* References are resolved to the table schemas. */
    const struct db_column_schema *ports = column(bridge, "ports");
    assert_true(db_base_type_is_strong_ref(&ports->type.key));
    assert_ptr_equal(ports->type.key.u.uuid.ref_table, port);
    assert_int_equal(ports->type.n_min, 0);
    assert_int_equal(ports->type.n_max, DB_N_UNLIMITED);
    const struct db_column_schema *src = column(mirror, "select_src_port");
    assert_true(db_base_type_is_weak_ref(&src->type.key));
    assert_ptr_equal(src->type.key.u.uuid.ref_table, port);
    const struct db_column_schema *queues = column(table(s, "QoS"),
                                                   "queues");
    assert_true(db_type_is_map(&queues->type));
    assert_ptr_equal(queues->type.value.u.uuid.ref_table,
                     table(s, "Queue"));
    assert_int_equal(column(port, "interfaces")->type.n_min, 1);
}

static void
test_schema_inline(void **state)
{
    struct db_schema *s = schema_ok(
        "{\"name\": \"mini\", \"version\": \"1.2.3\", \"cksum\": \"9 9\","
        " \"tables\": {"
        "  \"Zeta\": {\"columns\": {\"b\": {\"type\": \"integer\"},"
        "                           \"a\": {\"type\": \"string\","
        "                                   \"mutable\": false,"
        "                                   \"ephemeral\": true}},"
        "             \"maxRows\": 3, \"indexes\": [[\"a\", \"b\"]]},"
        "  \"Alpha\": {\"isRoot\": true,"
        "              \"columns\": {\"z\": {\"type\": {\"key\": {"
        "                 \"type\": \"uuid\", \"refTable\": \"Zeta\"},"
        "                 \"min\": 0, \"max\": \"unlimited\"}}}}}}");
    (void) state;

    assert_string_equal(s->name, "mini");
    assert_string_equal(s->version, "1.2.3");
    assert_string_equal(s->cksum, "9 9");
    assert_int_equal(s->n_tables, 2);
    assert_string_equal(s->tables[0].name, "Alpha");
    assert_string_equal(s->tables[1].name, "Zeta");
    assert_true(s->tables[0].is_root);
    assert_false(s->tables[1].is_root);

    const struct db_table_schema *zeta = &s->tables[1];
    assert_int_equal(zeta->n_columns, 4);
    assert_string_equal(zeta->columns[2].name, "a");
    assert_string_equal(zeta->columns[3].name, "b");
    assert_false(zeta->columns[2].mutable);
    assert_true(zeta->columns[2].ephemeral);
    assert_true(zeta->columns[3].mutable);
    assert_false(zeta->columns[3].ephemeral);
    assert_int_equal(zeta->max_rows, 3);
    assert_int_equal(zeta->n_indexes, 1);
    assert_int_equal(zeta->index_n[0], 2);
    assert_int_equal(zeta->indexes[0][0], 2);
    assert_int_equal(zeta->indexes[0][1], 3);
    assert_ptr_equal(s->tables[0].columns[2].type.key.u.uuid.ref_table,
                     zeta);
    db_schema_destroy(s);

    /* Without a version, "0.0.0"; without cksum, NULL. */
    s = schema_ok("{\"name\": \"n\", \"tables\": {\"T\": {\"columns\": "
                  "{\"c\": {\"type\": \"boolean\"}}}}}");
    assert_string_equal(s->version, "0.0.0");
    assert_null(s->cksum);
    db_schema_destroy(s);
}

/* RFC 7047: if no table has "isRoot", every table is a root (schemas from
 * before garbage collection existed). */
static void
test_schema_no_roots(void **state)
{
    struct db_schema *s = schema_ok(
        "{\"name\": \"old\", \"tables\": {"
        " \"A\": {\"columns\": {\"x\": {\"type\": \"integer\"}}},"
        " \"B\": {\"columns\": {\"y\": {\"type\": \"integer\"}},"
        "         \"isRoot\": false}}}");
    (void) state;

    assert_true(s->tables[0].is_root);
    assert_true(s->tables[1].is_root);

    /* So unreferenced rows survive a commit. */
    struct db *db = db_create(s);
    struct db_txn *txn = db_txn_begin(db);
    db_txn_insert(txn, &s->tables[0], NULL);
    db_txn_insert(txn, &s->tables[1], NULL);
    commit_ok(txn);
    assert_int_equal(db_table_count(db, &s->tables[0]), 1);
    assert_int_equal(db_table_count(db, &s->tables[1]), 1);
    db_destroy(db);
    db_schema_destroy(s);
}

static void
test_schema_errors(void **state)
{
    static const struct {
        const char *json;
        const char *error;
    } cases[] = {
        { "{\"tables\": {}}", "schema needs \"name\" and \"tables\"" },
        { "{\"name\": \"x\", \"tables\": []}",
          "schema needs \"name\" and \"tables\"" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"r\": {\"type\": {\"key\": {\"type\": \"uuid\", "
          "\"refTable\": \"Nope\"}}}}}}}",
          "reference to unknown table \"Nope\"" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"c\": {\"type\": \"int\"}}}}}",
          "column \"c\": unknown atomic type \"int\"" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"c\": {\"type\": {\"key\": \"string\", \"min\": 5}}}}}}",
          "column \"c\": \"min\" must be 0 or 1" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"c\": {}}}}}", "column \"c\" lacks a type" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"_c\": {\"type\": \"string\"}}}}}",
          "\"_c\" is not a valid column name" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"a-b\": {\"type\": \"string\"}}}}}",
          "\"a-b\" is not a valid column name" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {}}}}",
          "table \"T\" has no columns" },
        { "{\"name\": \"x\", \"tables\": {\"1T\": {\"columns\": {"
          "\"c\": {\"type\": \"string\"}}}}}",
          "\"1T\" is not a valid table name" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"c\": {\"type\": \"string\"}}, \"indexes\": [[\"d\"]]}}}",
          "table \"T\": index names unknown column" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"c\": {\"type\": \"string\"}}, \"indexes\": [[]]}}}",
          "table \"T\": bad index" },
        { "{\"name\": \"x\", \"tables\": {\"T\": {\"columns\": {"
          "\"c\": {\"type\": \"string\"}}, \"indexes\": \"c\"}}}",
          "table \"T\": \"indexes\" must be an array" },
    };
    (void) state;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct db_schema *s = (struct db_schema *) 1;
        char *error = schema_from_text(cases[i].json, &s);
        if (!error) {
            print_error("accepted: %s\n", cases[i].json);
        }
        assert_non_null(error);
        if (strcmp(error, cases[i].error)) {
            print_error("%s: got \"%s\"\n", cases[i].json, error);
        }
        assert_string_equal(error, cases[i].error);
        assert_null(s);
        free(error);
    }

    /* Files. */
    struct db_schema *s = (struct db_schema *) 1;
    char *error = db_schema_from_file("/nonexistent/x.ovsschema", &s);
    assert_non_null(error);
    assert_null(s);
    assert_non_null(strstr(error, "/nonexistent/x.ovsschema"));
    free(error);
}

/* Tests: transactions. */

static void
test_txn_insert_view(void **state)
{
    struct fixture *f = *state;
    struct db_txn *txn = db_txn_begin(f->db);

    assert_ptr_equal(db_txn_get_db(txn), f->db);
    assert_true(db_txn_is_empty(txn));

    struct db_row *qos = db_txn_insert(txn, f->qos, NULL);
    set_col(qos, "type", "linux-htb");
    struct uuid u = *db_row_uuid(qos);
    assert_false(uuid_is_zero(&u));
    assert_false(db_txn_is_empty(txn));

    /* Defaults. */
    assert_string_equal(db_row_get_string(qos, "type"), "linux-htb");
    assert_col(qos, "queues", "{}");
    assert_col(qos, "external_ids", "{}");

    /* Visible in the transaction... */
    assert_ptr_equal(db_txn_get(txn, f->qos, &u), qos);
    assert_null(db_txn_get(txn, f->queue, &u));
    assert_int_equal(txn_count(txn, f->qos), 1);
    assert_true(db_txn_row_is_new(txn, qos));
    assert_true(db_txn_row_is_changed(txn, qos));
    assert_null(db_txn_row_old(txn, qos));

    /* ...but not committed. */
    assert_null(db_get_row(f->db, f->qos, &u));
    assert_int_equal(db_table_count(f->db, f->qos), 0);
    assert_null(db_first(f->db, f->qos));

    /* A caller-chosen UUID. */
    struct uuid chosen;
    assert_true(uuid_from_string(&chosen,
                                 "01234567-89ab-cdef-0123-456789abcdef"));
    struct db_row *queue = db_txn_insert(txn, f->queue, &chosen);
    assert_true(uuid_equals(db_row_uuid(queue), &chosen));
    assert_ptr_equal(db_txn_get(txn, f->queue, &chosen), queue);

    unsigned long long seqno = db_get_seqno(f->db);
    commit_ok(txn);
    assert_int_equal(db_get_seqno(f->db), seqno + 1);

    const struct db_row *row = db_get_row(f->db, f->qos, &u);
    assert_non_null(row);
    assert_string_equal(db_row_get_string(row, "type"), "linux-htb");
    assert_int_equal(db_table_count(f->db, f->qos), 1);
    assert_non_null(db_get_row(f->db, f->queue, &chosen));
}

static void
test_txn_modify_delete_view(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct db_txn *txn;
    const struct db_row *row;

    build_config(f, &c);
    const struct db_row *br = db_get_row(f->db, f->bridge, &c.br0);
    assert_non_null(br);

    /* Modify: the transaction sees the copy, the database the original. */
    txn = db_txn_begin(f->db);
    struct db_row *w = db_txn_modify(txn, br);
    assert_ptr_not_equal(w, br);
    assert_ptr_equal(db_txn_modify(txn, br), w);
    assert_ptr_equal(db_txn_modify(txn, w), w);
    set_col(w, "external_ids", "owner=test");
    assert_ptr_equal(db_txn_get(txn, f->bridge, &c.br0), w);
    assert_col(w, "external_ids", "{owner=test}");
    assert_col(br, "external_ids", "{}");
    assert_false(db_txn_row_is_new(txn, w));
    assert_true(db_txn_row_is_changed(txn, w));
    assert_ptr_equal(db_txn_row_old(txn, w), br);
    assert_ptr_equal(db_get_row(f->db, f->bridge, &c.br0), br);

    /* DB_TXN_FOR_EACH yields the copy, once. */
    size_t n = 0;
    DB_TXN_FOR_EACH (row, txn, f->bridge) {
        assert_ptr_equal(row, w);
        n++;
    }
    assert_int_equal(n, 1);

    /* Delete: gone from the view, still committed. */
    const struct db_row *p1 = db_get_row(f->db, f->port, &c.p1);
    db_txn_delete(txn, p1);
    assert_null(db_txn_get(txn, f->port, &c.p1));
    assert_non_null(db_txn_get(txn, f->port, &c.p2));
    assert_int_equal(txn_count(txn, f->port), 1);
    DB_TXN_FOR_EACH (row, txn, f->port) {
        assert_true(uuid_equals(db_row_uuid(row), &c.p2));
    }
    assert_ptr_equal(db_get_row(f->db, f->port, &c.p1), p1);
    assert_int_equal(db_table_count(f->db, f->port), 2);

    /* Deleting it from the bridge too makes the commit valid. */
    ref_remove(w, "ports", &c.p1);
    commit_ok(txn);
    br = db_get_row(f->db, f->bridge, &c.br0);
    assert_col(br, "external_ids", "{owner=test}");
    assert_null(db_get_row(f->db, f->port, &c.p1));
    assert_null(db_get_row(f->db, f->iface, &c.i1));
    assert_int_equal(committed_count(f->db, f->port), 1);
}

static void
test_txn_abort(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct hooks h = { 0 };

    build_config(f, &c);
    db_set_hooks(f->db, durability_hook, change_hook, &h);
    json_t *before = db_to_json(f->db);
    unsigned long long seqno = db_get_seqno(f->db);

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->bridge, &c.br0);
    set_col(w, "fail_mode", "secure");
    ref_remove(w, "ports", &c.p2);
    db_txn_delete(txn, db_get_row(f->db, f->port, &c.p2));
    insert_named(txn, f->bridge, "br1");
    db_txn_insert(txn, f->qos, NULL);
    db_txn_abort(txn);

    json_t *after = db_to_json(f->db);
    assert_true(json_equal(before, after));
    assert_int_equal(db_get_seqno(f->db), seqno);
    assert_int_equal(h.durability_calls, 0);
    assert_int_equal(h.change_calls, 0);
    json_decref(after);

    /* The rows are free again: the same changes can now be committed. */
    txn = db_txn_begin(f->db);
    w = modify_row(txn, f->bridge, &c.br0);
    set_col(w, "fail_mode", "secure");
    commit_ok(txn);
    assert_col(db_get_row(f->db, f->bridge, &c.br0), "fail_mode",
               "secure");
    assert_int_equal(h.change_calls, 1);

    after = db_to_json(f->db);
    assert_false(json_equal(before, after));
    json_decref(after);
    json_decref(before);
    json_decref(h.changes);
}

static void
test_txn_is_empty(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct hooks h = { 0 };

    build_config(f, &c);
    db_set_hooks(f->db, durability_hook, change_hook, &h);
    const struct db_row *br = db_get_row(f->db, f->bridge, &c.br0);
    char *old_version = col_text(br, "_version");

    /* Setting a column to its current value is no change. */
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = db_txn_modify(txn, br);
    set_col(w, "name", "br0");
    set_col(w, "ports", "[]");
    ref_add(w, "ports", &c.p2);
    ref_add(w, "ports", &c.p1);
    assert_true(db_txn_is_empty(txn));
    json_t *changes = db_txn_changes_to_json(txn);
    assert_int_equal(json_object_size(changes), 0);
    json_decref(changes);

    /* But a real change is, and undoing it makes it empty again. */
    set_col(w, "stp_enable", "true");
    assert_false(db_txn_is_empty(txn));
    set_col(w, "stp_enable", "false");
    assert_true(db_txn_is_empty(txn));

    /* An insert then delete of the same row is no change either. */
    struct db_row *qos = db_txn_insert(txn, f->qos, NULL);
    struct uuid qos_uuid = *db_row_uuid(qos);
    assert_false(db_txn_is_empty(txn));
    db_txn_delete(txn, qos);
    assert_true(db_txn_is_empty(txn));
    assert_null(db_txn_get(txn, f->qos, &qos_uuid));
    assert_int_equal(txn_count(txn, f->qos), 0);

    /* Committing an empty transaction touches nothing. */
    unsigned long long seqno = db_get_seqno(f->db);
    commit_ok(txn);
    assert_int_equal(db_get_seqno(f->db), seqno);
    assert_int_equal(h.durability_calls, 0);
    assert_int_equal(h.change_calls, 0);
    assert_col(db_get_row(f->db, f->bridge, &c.br0), "_version",
               old_version);
    assert_int_equal(db_table_count(f->db, f->qos), 0);
    free(old_version);
}

static void
test_txn_check(void **state)
{
    struct fixture *f = *state;
    struct config c;
    const char *tag = NULL;

    build_config(f, &c);
    json_t *before = db_to_json(f->db);

    /* A valid transaction validates but is not applied. */
    struct db_txn *txn = db_txn_begin(f->db);
    insert_named(txn, f->bridge, "br9");
    db_txn_insert(txn, f->qos, NULL);
    assert_null(db_txn_check(txn, &tag));

    /* An invalid one reports its error. */
    txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->port, &c.p1);
    struct db_datum d;
    db_datum_init_integer(&d, 5000);
    db_row_set_named(w, "tag", &d);
    char *error = db_txn_check(txn, &tag);
    assert_non_null(error);
    assert_string_equal(tag, "constraint violation");
    assert_non_null(strstr(error, "5000 is not in the valid range 0 to "
                           "4095 (inclusive)"));
    free(error);

    json_t *after = db_to_json(f->db);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
}

/* Tests: rows. */

static void
test_row_accessors(void **state)
{
    struct fixture *f = *state;
    struct config c;

    build_config(f, &c);
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *w = modify_row(txn, f->port, &c.p1);
    set_col(w, "tag", "42");
    commit_ok(txn);

    const struct db_row *p1 = db_get_row(f->db, f->port, &c.p1);
    assert_true(uuid_equals(db_row_uuid(p1), &c.p1));
    assert_string_equal(db_row_get_string(p1, "name"), "p1");
    assert_int_equal(db_row_get_integer(p1, "tag"), 42);
    assert_string_equal(db_row_get_string(p1, "mac"), "");
    assert_int_equal(db_row_get_integer(p1, "bond_updelay"), 0);
    assert_ptr_equal(db_row_get_named(p1, "name"),
                     db_row_get(p1, column(f->port, "name")));

    /* db_row_to_json: all columns, or those asked for. */
    json_t *all = db_row_to_json(p1, NULL);
    assert_int_equal(json_object_size(all), f->port->n_columns);
    assert_non_null(json_object_get(all, "_uuid"));
    assert_int_equal(json_integer_value(json_object_get(all, "tag")), 42);
    json_decref(all);

    json_t *cols = json_pack("[sss]", "name", "tag", "nope");
    json_t *some = db_row_to_json(p1, cols);
    assert_int_equal(json_object_size(some), 2);
    assert_string_equal(json_string_value(json_object_get(some, "name")),
                        "p1");
    json_decref(some);
    json_decref(cols);
}

/* Tests: scale and iteration. */

static void
test_many_rows(void **state)
{
    struct fixture *f = *state;
    enum { N = 1000 };
    char name[32];

    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *ovs = db_txn_insert(txn, f->ovs, NULL);
    struct db_row *br = insert_named(txn, f->bridge, "br0");
    ref_add(ovs, "bridges", db_row_uuid(br));
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "p%d", i);
        struct db_row *p = insert_port(txn, f, name, name);
        ref_add(br, "ports", db_row_uuid(p));
    }
    for (int i = 0; i < N; i++) {
        db_txn_insert(txn, f->queue, NULL);
    }

    /* The transaction sees every row exactly once, in insertion order. */
    assert_int_equal(txn_count(txn, f->port), N);
    assert_int_equal(txn_count(txn, f->iface), N);
    assert_int_equal(txn_count(txn, f->queue), N);
    const struct db_row *row;
    int i = 0;
    DB_TXN_FOR_EACH (row, txn, f->port) {
        snprintf(name, sizeof name, "p%d", i++);
        assert_string_equal(db_row_get_string(row, "name"), name);
    }
    assert_int_equal(db_row_get_named(br, "ports")->n, N);
    commit_ok(txn);

    assert_int_equal(committed_count(f->db, f->port), N);
    assert_int_equal(committed_count(f->db, f->iface), N);
    assert_int_equal(committed_count(f->db, f->queue), N);

    /* Every port reachable by UUID and by name. */
    const struct db_row *bridge = find_named(f->db, f->bridge, "br0");
    const struct db_datum *ports = db_row_get_named(bridge, "ports");
    assert_int_equal(ports->n, N);
    for (unsigned int k = 0; k < ports->n; k++) {
        assert_non_null(db_get_row(f->db, f->port, &ports->keys[k].uuid));
    }
    assert_non_null(find_named(f->db, f->port, "p999"));

    /* A modification of every row in one transaction. */
    txn = db_txn_begin(f->db);
    DB_TXN_FOR_EACH (row, txn, f->queue) {
        struct db_row *w = db_txn_modify(txn, row);
        set_col(w, "dscp", "7");
        row = w;
    }
    size_t n = 0;
    DB_TXN_FOR_EACH (row, txn, f->queue) {
        assert_int_equal(db_row_get_integer(row, "dscp"), 7);
        n++;
    }
    assert_int_equal(n, N);
    commit_ok(txn);
    DB_FOR_EACH (row, f->db, f->queue) {
        assert_int_equal(db_row_get_integer(row, "dscp"), 7);
    }
}

static void
test_iterate_and_delete(void **state)
{
    struct fixture *f = *state;
    enum { N = 1000 };

    struct db_txn *txn = db_txn_begin(f->db);
    for (int i = 0; i < N; i++) {
        struct db_row *q = db_txn_insert(txn, f->queue, NULL);
        struct db_datum d;
        db_datum_init_integer(&d, i % 64);
        db_row_set_named(q, "dscp", &d);
    }
    commit_ok(txn);

    /* Collect, then delete: even dscp values go, plus new rows. */
    txn = db_txn_begin(f->db);
    for (int i = 0; i < 10; i++) {
        struct db_row *q = db_txn_insert(txn, f->queue, NULL);
        struct db_datum d;
        db_datum_init_integer(&d, 2 * i);
        db_row_set_named(q, "dscp", &d);
    }
    const struct db_row **doomed = xmalloc((N + 10) * sizeof *doomed);
    const struct db_row *row;
    size_t n = 0, total = 0;
    DB_TXN_FOR_EACH (row, txn, f->queue) {
        if (db_row_get_integer(row, "dscp") % 2 == 0) {
            doomed[n++] = row;
        }
        total++;
    }
    assert_int_equal(total, N + 10);
    assert_int_equal(n, N / 2 + 10);
    for (size_t k = 0; k < n; k++) {
        db_txn_delete(txn, doomed[k]);
    }
    free(doomed);

    size_t left = 0;
    DB_TXN_FOR_EACH (row, txn, f->queue) {
        assert_int_equal(db_row_get_integer(row, "dscp") % 2, 1);
        left++;
    }
    assert_int_equal(left, N / 2);
    assert_int_equal(db_table_count(f->db, f->queue), N);
    commit_ok(txn);
    assert_int_equal(committed_count(f->db, f->queue), left);
    DB_FOR_EACH (row, f->db, f->queue) {
        assert_int_equal(db_row_get_integer(row, "dscp") % 2, 1);
    }
}

int
test_db_run(void)
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_vswitch),
        cmocka_unit_test(test_schema_inline),
        cmocka_unit_test(test_schema_no_roots),
        cmocka_unit_test(test_schema_errors),
        T(test_txn_insert_view),
        T(test_txn_modify_delete_view),
        T(test_txn_abort),
        T(test_txn_is_empty),
        T(test_txn_check),
        T(test_row_accessors),
        T(test_many_rows),
        T(test_iterate_and_delete),
    };
#undef T

    return cmocka_run_group_tests_name("db", tests, group_setup,
                                       group_teardown);
}
