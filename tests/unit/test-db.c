/*
 * test-db.c -- unit tests for the in-memory database: schemas, rows and
 * transactions.
 *
 * Most tests run against the real vswitchd/vswitch.ovsschema (loaded once
 * for the group) with a fresh database each, usually holding this
 * configuration built by build_config():
 *
 *     Open_vSwitch --bridges--> Bridge br0 --ports--> Port p1 --> Iface i1
 *                                                 \-> Port p2 --> Iface i2
 *
 * They check the transaction view against the committed state, abort,
 * garbage collection from root tables, strong and weak references, unique
 * indexes, maxRows, column constraints at commit, the durability and
 * change hooks, serialization (db_to_json, change sets, db_apply_json) and
 * large transactions.  A few small inline schemas cover schema parsing
 * errors, multi-column indexes, references through map values and the
 * "no isRoot anywhere" compatibility rule.
 */
#include <config.h>
#include "tests.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "util.h"
#include "uuid.h"

static struct db_schema *vswitch_schema;

struct fixture {
    struct db *db;
    const struct db_table_schema *ovs, *bridge, *port, *iface;
    const struct db_table_schema *qos, *queue, *mirror;
};

/* The configuration made by build_config(). */
struct config {
    struct uuid ovs, br0, p1, p2, i1, i2;
};

/* Records what the hooks saw. */
struct hooks {
    int durability_calls;
    int change_calls;
    int fail_with;              /* Durability hook's return value. */
    json_t *changes;            /* Last change set, a deep copy. */
    struct db *replica;         /* If nonnull, changes are applied here. */
};

static const char *
schema_path(char *buf, size_t size)
{
    const char *srcdir = getenv("srcdir");
    FILE *f;

    snprintf(buf, size, "vswitchd/vswitch.ovsschema");
    f = fopen(buf, "r");
    if (!f && srcdir) {
        snprintf(buf, size, "%s/vswitchd/vswitch.ovsschema", srcdir);
        f = fopen(buf, "r");
    }
    if (f) {
        fclose(f);
    }
    return buf;
}

static int
group_setup(void **state)
{
    char path[4096];
    char *error = db_schema_from_file(schema_path(path, sizeof path),
                                      &vswitch_schema);
    (void) state;

    if (error) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return -1;
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void) state;
    db_schema_destroy(vswitch_schema);
    vswitch_schema = NULL;
    return 0;
}

static const struct db_table_schema *
table(const struct db_schema *schema, const char *name)
{
    const struct db_table_schema *ts = db_schema_find_table(schema, name);

    if (!ts) {
        print_error("no table %s\n", name);
    }
    assert_non_null(ts);
    return ts;
}

static const struct db_column_schema *
column(const struct db_table_schema *ts, const char *name)
{
    const struct db_column_schema *col = db_table_find_column(ts, name);

    if (!col) {
        print_error("no column %s.%s\n", ts->name, name);
    }
    assert_non_null(col);
    return col;
}

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);

    f->db = db_create(vswitch_schema);
    f->ovs = table(vswitch_schema, "Open_vSwitch");
    f->bridge = table(vswitch_schema, "Bridge");
    f->port = table(vswitch_schema, "Port");
    f->iface = table(vswitch_schema, "Interface");
    f->qos = table(vswitch_schema, "QoS");
    f->queue = table(vswitch_schema, "Queue");
    f->mirror = table(vswitch_schema, "Mirror");
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    db_destroy(f->db);
    free(f);
    return 0;
}

/* Helpers: schemas. */

static char *
schema_from_text(const char *text, struct db_schema **schemap)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    if (!j) {
        print_error("bad test JSON: %s\n%s\n", err.text, text);
    }
    assert_non_null(j);
    char *error = db_schema_from_json(j, schemap);
    json_decref(j);
    return error;
}

static struct db_schema *
schema_ok(const char *text)
{
    struct db_schema *schema;
    char *error = schema_from_text(text, &schema);

    if (error) {
        print_error("schema: %s\n", error);
    }
    assert_null(error);
    assert_non_null(schema);
    return schema;
}

/* Helpers: rows. */

static const char *
row_id(const struct db_row *row, char buf[UUID_LEN + 1])
{
    uuid_to_string(db_row_uuid(row), buf);
    return buf;
}

/* Sets 'name' in 'row' from ovs-vsctl syntax. */
static void
set_col(struct db_row *row, const char *name, const char *value)
{
    const struct db_column_schema *col = column(row->table, name);
    struct db_datum d;
    char *error = db_datum_from_string(&d, &col->type, value, NULL);

    if (error) {
        print_error("%s.%s=%s: %s\n", row->table->name, name, value, error);
    }
    assert_null(error);
    db_row_set(row, col, &d);
    assert_int_equal(d.n, 0);
}

/* Empties column 'name' of 'row', even one that may not be empty. */
static void
set_empty(struct db_row *row, const char *name)
{
    struct db_datum d;

    db_datum_init_empty(&d);
    db_row_set(row, column(row->table, name), &d);
}

/* Returns the ovs-vsctl text of column 'name'; caller frees. */
static char *
col_text(const struct db_row *row, const char *name)
{
    const struct db_column_schema *col = column(row->table, name);
    struct dstr ds = DSTR_INITIALIZER;

    db_datum_to_string(db_row_get(row, col), &col->type, &ds);
    return dstr_steal(&ds);
}

static void
assert_col(const struct db_row *row, const char *name, const char *expected)
{
    char *text = col_text(row, name);

    if (strcmp(text, expected)) {
        print_error("%s.%s is %s, want %s\n", row->table->name, name, text,
                    expected);
    }
    assert_string_equal(text, expected);
    free(text);
}

/* Adds a reference to 'target' to set column 'name' of writable 'row'. */
static void
ref_add(struct db_row *row, const char *name, const struct uuid *target)
{
    const struct db_column_schema *col = column(row->table, name);
    union db_atom key = { .uuid = *target };

    db_datum_add(&row->fields[col->idx], &col->type, &key, NULL, false);
}

static void
ref_remove(struct db_row *row, const char *name, const struct uuid *target)
{
    const struct db_column_schema *col = column(row->table, name);
    union db_atom key = { .uuid = *target };
    struct db_datum one = { 1, &key, NULL };

    db_datum_subtract(&row->fields[col->idx], &col->type, &one, true);
}

static struct db_row *
insert_named(struct db_txn *txn, const struct db_table_schema *ts,
             const char *name)
{
    struct db_row *row = db_txn_insert(txn, ts, NULL);
    struct db_datum d;

    db_datum_init_string(&d, name);
    db_row_set_named(row, "name", &d);
    return row;
}

/* Returns the writable copy in 'txn' of the committed row of 'ts' with
 * 'uuid', which must exist. */
static struct db_row *
modify_row(struct db_txn *txn, const struct db_table_schema *ts,
           const struct uuid *uuid)
{
    const struct db_row *row = db_get_row(db_txn_get_db(txn), ts, uuid);

    assert_non_null(row);
    return db_txn_modify(txn, row);
}

static struct db_row *
insert_port(struct db_txn *txn, struct fixture *f, const char *name,
            const char *iface_name)
{
    struct db_row *iface = insert_named(txn, f->iface, iface_name);
    struct db_row *port = insert_named(txn, f->port, name);

    set_empty(port, "interfaces");
    ref_add(port, "interfaces", db_row_uuid(iface));
    return port;
}

/* The committed row in 'ts' with the given "name", or NULL. */
static const struct db_row *
find_named(const struct db *db, const struct db_table_schema *ts,
           const char *name)
{
    const struct db_row *row;

    DB_FOR_EACH (row, db, ts) {
        if (!strcmp(db_row_get_string(row, "name"), name)) {
            return row;
        }
    }
    return NULL;
}

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

static size_t
txn_count(struct db_txn *txn, const struct db_table_schema *ts)
{
    const struct db_row *row;
    size_t n = 0;

    DB_TXN_FOR_EACH (row, txn, ts) {
        n++;
    }
    return n;
}

static size_t
committed_count(const struct db *db, const struct db_table_schema *ts)
{
    const struct db_row *row;
    size_t n = 0;

    DB_FOR_EACH (row, db, ts) {
        n++;
    }
    assert_int_equal(n, db_table_count(db, ts));
    return n;
}

/* Helpers: commits. */

static void
commit_ok(struct db_txn *txn)
{
    const char *tag = "unset";
    char *error = db_txn_commit(txn, &tag);

    if (error) {
        print_error("commit failed: %s (%s)\n", error, tag ? tag : "");
    }
    assert_null(error);
}

/* Commits 'txn', which must fail with 'tag' and a message containing
 * 'substring', and checks that the database did not change at all. */
static void
commit_fails(struct fixture *f, struct db_txn *txn, const char *tag,
             const char *substring)
{
    json_t *before = db_to_json(f->db);
    unsigned long long seqno = db_get_seqno(f->db);
    const char *got = NULL;
    char *error = db_txn_commit(txn, &got);

    if (!error) {
        print_error("commit succeeded, want \"%s\" error\n", tag);
    }
    assert_non_null(error);
    assert_non_null(got);
    assert_string_equal(got, tag);
    if (!strstr(error, substring)) {
        print_error("error \"%s\" lacks \"%s\"\n", error, substring);
    }
    assert_non_null(strstr(error, substring));
    free(error);

    json_t *after = db_to_json(f->db);
    assert_true(json_equal(before, after));
    assert_int_equal(db_get_seqno(f->db), seqno);
    json_decref(before);
    json_decref(after);

    /* The failed transaction is gone: a new one may start. */
    db_txn_abort(db_txn_begin(f->db));
}

/* Builds the configuration in the header comment. */
static void
build_config(struct fixture *f, struct config *c)
{
    struct db_txn *txn = db_txn_begin(f->db);
    struct db_row *ovs = db_txn_insert(txn, f->ovs, NULL);
    struct db_row *br = insert_named(txn, f->bridge, "br0");
    struct db_row *p1 = insert_port(txn, f, "p1", "i1");
    struct db_row *p2 = insert_port(txn, f, "p2", "i2");

    ref_add(br, "ports", db_row_uuid(p1));
    ref_add(br, "ports", db_row_uuid(p2));
    ref_add(ovs, "bridges", db_row_uuid(br));
    c->ovs = *db_row_uuid(ovs);
    c->br0 = *db_row_uuid(br);
    c->p1 = *db_row_uuid(p1);
    c->p2 = *db_row_uuid(p2);
    c->i1 = p1->fields[column(f->port, "interfaces")->idx].keys[0].uuid;
    c->i2 = p2->fields[column(f->port, "interfaces")->idx].keys[0].uuid;
    commit_ok(txn);

    assert_int_equal(db_table_count(f->db, f->ovs), 1);
    assert_int_equal(db_table_count(f->db, f->bridge), 1);
    assert_int_equal(db_table_count(f->db, f->port), 2);
    assert_int_equal(db_table_count(f->db, f->iface), 2);
}

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

static int
durability_hook(void *aux, const json_t *changes)
{
    struct hooks *h = aux;

    h->durability_calls++;
    json_decref(h->changes);
    h->changes = json_deep_copy(changes);
    if (h->replica && !h->fail_with) {
        char *error = db_apply_json(h->replica, changes);
        if (error) {
            print_error("replica: %s\n", error);
        }
        assert_null(error);
    }
    return h->fail_with;
}

static void
change_hook(void *aux)
{
    struct hooks *h = aux;

    h->change_calls++;
}

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
        T(test_durability_hook),
        T(test_changes_json),
        T(test_changes_large_set_diff),
        T(test_ephemeral_not_journaled),
        T(test_to_json_roundtrip),
        T(test_changes_replay),
        T(test_version_changes),
        T(test_apply_json),
        T(test_row_accessors),
        T(test_many_rows),
        T(test_iterate_and_delete),
    };
#undef T

    return cmocka_run_group_tests_name("db", tests, group_setup,
                                       group_teardown);
}
