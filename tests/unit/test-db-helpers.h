/*
 * test-db-helpers.h -- the fixture and helpers shared by the unit tests of
 * the in-memory database: test-db.c, test-db-commit.c, test-db-changes.c.
 *
 * Most tests run against the real vswitchd/vswitch.ovsschema, loaded once
 * per group by group_setup(), with a fresh database each (setup()), usually
 * holding this configuration built by build_config():
 *
 *     Open_vSwitch --bridges--> Bridge br0 --ports--> Port p1 --> Iface i1
 *                                                 \-> Port p2 --> Iface i2
 *
 * Everything here is static, so each module that includes this header gets
 * its own copy (vswitch_schema included) and exports nothing but its
 * test_*_run() function.  The helpers fail the running test, through
 * cmocka, on any error.
 */
#ifndef TEST_DB_HELPERS_H
#define TEST_DB_HELPERS_H 1

#include "tests.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "util.h"
#include "uuid.h"

/* Fixture. */

/* vswitchd/vswitch.ovsschema, loaded by group_setup(). */
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

static inline const char *
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

/* cmocka group setup and teardown: load and free vswitch_schema. */
static inline int
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

static inline int
group_teardown(void **state)
{
    (void) state;
    db_schema_destroy(vswitch_schema);
    vswitch_schema = NULL;
    return 0;
}

static inline const struct db_table_schema *
table(const struct db_schema *schema, const char *name)
{
    const struct db_table_schema *ts = db_schema_find_table(schema, name);

    if (!ts) {
        print_error("no table %s\n", name);
    }
    assert_non_null(ts);
    return ts;
}

static inline const struct db_column_schema *
column(const struct db_table_schema *ts, const char *name)
{
    const struct db_column_schema *col = db_table_find_column(ts, name);

    if (!col) {
        print_error("no column %s.%s\n", ts->name, name);
    }
    assert_non_null(col);
    return col;
}

/* cmocka per-test setup and teardown: a new database, in a struct fixture
 * as the test's state. */
static inline int
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

static inline int
teardown(void **state)
{
    struct fixture *f = *state;

    db_destroy(f->db);
    free(f);
    return 0;
}

/* Helpers: schemas. */

static inline char *
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

static inline struct db_schema *
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

static inline const char *
row_id(const struct db_row *row, char buf[UUID_LEN + 1])
{
    uuid_to_string(db_row_uuid(row), buf);
    return buf;
}

/* Sets 'name' in 'row' from ovs-vsctl syntax. */
static inline void
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
static inline void
set_empty(struct db_row *row, const char *name)
{
    struct db_datum d;

    db_datum_init_empty(&d);
    db_row_set(row, column(row->table, name), &d);
}

/* Returns the ovs-vsctl text of column 'name'; caller frees. */
static inline char *
col_text(const struct db_row *row, const char *name)
{
    const struct db_column_schema *col = column(row->table, name);
    struct dstr ds = DSTR_INITIALIZER;

    db_datum_to_string(db_row_get(row, col), &col->type, &ds);
    return dstr_steal(&ds);
}

static inline void
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
static inline void
ref_add(struct db_row *row, const char *name, const struct uuid *target)
{
    const struct db_column_schema *col = column(row->table, name);
    union db_atom key = { .uuid = *target };

    db_datum_add(&row->fields[col->idx], &col->type, &key, NULL, false);
}

static inline void
ref_remove(struct db_row *row, const char *name, const struct uuid *target)
{
    const struct db_column_schema *col = column(row->table, name);
    union db_atom key = { .uuid = *target };
    struct db_datum one = { 1, &key, NULL };

    db_datum_subtract(&row->fields[col->idx], &col->type, &one, true);
}

static inline struct db_row *
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
static inline struct db_row *
modify_row(struct db_txn *txn, const struct db_table_schema *ts,
           const struct uuid *uuid)
{
    const struct db_row *row = db_get_row(db_txn_get_db(txn), ts, uuid);

    assert_non_null(row);
    return db_txn_modify(txn, row);
}

static inline struct db_row *
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
static inline const struct db_row *
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

static inline size_t
txn_count(struct db_txn *txn, const struct db_table_schema *ts)
{
    const struct db_row *row;
    size_t n = 0;

    DB_TXN_FOR_EACH (row, txn, ts) {
        n++;
    }
    return n;
}

static inline size_t
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

static inline void
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
static inline void
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

/* Builds the configuration in the header comment, recording its UUIDs in
 * 'c'. */
static inline void
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

/* Helpers: hooks, for db_set_hooks() with a struct hooks as 'aux'. */

static inline int
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

static inline void
change_hook(void *aux)
{
    struct hooks *h = aux;

    h->change_calls++;
}

#endif /* test-db-helpers.h */
