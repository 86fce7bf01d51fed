/* Unit tests for db-exec: RFC 7047 "transact" against a small schema.
 *
 * The schema has a root table "Root" holding a set of strong references
 * to the non-root table "Kid" (which has a unique "name" index and a weak
 * self-reference "peer"), an integer "tag" in 0..4095, an integer set, a
 * string map, a real and an immutable string.  Every test starts from an
 * empty database and drives it only through db_exec_transact(), checking
 * results, error tags, and that failed requests leave the database
 * exactly as it was. */
#include <config.h>
#include "tests.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "db-exec.h"
#include "db.h"
#include "test-util.h"
#include "timeval.h"
#include "util.h"

static const char schema_text[] =
    "{'name': 'Open_vSwitch', 'version': '1.0.0', 'tables': {"
    " 'Root': {'isRoot': true, 'columns': {"
    "  'name': {'type': 'string'},"
    "  'kids': {'type': {'key': {'type': 'uuid', 'refTable': 'Kid'},"
    "                    'min': 0, 'max': 'unlimited'}},"
    "  'tag': {'type': {'key': {'type': 'integer', 'minInteger': 0,"
    "                           'maxInteger': 4095}}},"
    "  'opts': {'type': {'key': 'string', 'value': 'string',"
    "                    'min': 0, 'max': 'unlimited'}},"
    "  'nums': {'type': {'key': 'integer', 'min': 0, 'max': 'unlimited'}},"
    "  'ratio': {'type': 'real'},"
    "  'fixed': {'type': 'string', 'mutable': false}}},"
    " 'Kid': {'columns': {"
    "  'name': {'type': 'string'},"
    "  'peer': {'type': {'key': {'type': 'uuid', 'refTable': 'Kid',"
    "                            'refType': 'weak'},"
    "                    'min': 0, 'max': 1}}},"
    "  'indexes': [['name']]}}}";

struct fixture {
    struct db_schema *schema;
    struct db *db;
};

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);

    f->schema = test_util_schema(schema_text);
    f->db = db_create(f->schema);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    db_destroy(f->db);
    db_schema_destroy(f->schema);
    free(f);
    return 0;
}

/* Runs the operations in 'ops' (a JSON array of operations) at
 * 'elapsed_ms'. */
static json_t *
transact_at(struct db *db, const char *ops, long long elapsed_ms,
            bool *retry, json_t **errorp)
{
    json_t *params = json_pack("[s]", "Open_vSwitch");
    json_t *list = test_util_json(ops);
    json_t *results;

    json_array_extend(params, list);
    json_decref(list);
    results = db_exec_transact(db, params, elapsed_ms, retry, errorp);
    json_decref(params);
    return results;
}

/* Runs 'ops' that must not wait; returns the results. */
static json_t *
transact(struct db *db, const char *ops)
{
    json_t *error = NULL;
    bool retry = true;
    json_t *results = transact_at(db, ops, 0, &retry, &error);

    assert_false(retry);
    assert_null(error);
    assert_non_null(results);
    assert_true(json_is_array(results));
    return results;
}

/* The error tag of results[i], or NULL if it is not an error. */
static const char *
error_tag(const json_t *results, size_t i)
{
    return json_string_value(json_object_get(json_array_get(results, i),
                                             "error"));
}

/* Runs 'ops', which must fail with 'tag' in results[i], and checks that
 * the database did not change. */
static void
expect_error(struct db *db, const char *ops, size_t i, const char *tag)
{
    json_t *before = db_to_json(db);
    json_t *results = transact(db, ops);
    json_t *after = db_to_json(db);

    if (!error_tag(results, i) || strcmp(error_tag(results, i), tag)) {
        char *s = json_dumps(results, 0);
        fail_msg("expected \"%s\" at %zu, got %s for %s", tag, i, s, ops);
    }
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    json_decref(results);
}

/* Runs 'ops' and checks that no result is an error; returns results. */
static json_t *
transact_ok(struct db *db, const char *ops)
{
    json_t *results = transact(db, ops);

    for (size_t i = 0; i < json_array_size(results); i++) {
        if (error_tag(results, i) || json_is_null(json_array_get(results,
                                                                 i))) {
            char *s = json_dumps(results, 0);
            fail_msg("unexpected failure: %s for %s", s, ops);
        }
    }
    return results;
}

/* Returns results[i]["uuid"] as a string, copied into 'buf'. */
static void
result_uuid(const json_t *results, size_t i, char buf[UUID_LEN + 1])
{
    const json_t *uuid = json_object_get(json_array_get(results, i), "uuid");

    assert_true(json_is_array(uuid));
    assert_string_equal(json_string_value(json_array_get(uuid, 0)), "uuid");
    assert_int_equal(strlen(json_string_value(json_array_get(uuid, 1))),
                     UUID_LEN);
    strcpy(buf, json_string_value(json_array_get(uuid, 1)));
}

/* Selects from 'table' with the JSON conditions 'where'; returns the
 * number of rows. */
static size_t
count_rows(struct db *db, const char *table, const char *where)
{
    char *ops = xasprintf("[{'op': 'select', 'table': '%s', 'where': %s,"
                          "  'columns': ['_uuid']}]", table, where);
    json_t *results = transact_ok(db, ops);
    size_t n = json_array_size(json_object_get(json_array_get(results, 0),
                                               "rows"));
    json_decref(results);
    free(ops);
    return n;
}

/* Returns results[0]["count"] of 'ops' (one update/mutate/delete). */
static long long
op_count(struct db *db, const char *ops)
{
    json_t *results = transact_ok(db, ops);
    long long n;

    assert_int_equal(json_array_size(results), 1);
    n = json_integer_value(json_object_get(json_array_get(results, 0),
                                           "count"));
    json_decref(results);
    return n;
}

/* Inserts roots "a" (tag 1, nums {1,2}, opts {k=v}), "b" (tag 2, nums
 * {2,3}) and "c" (tag 3).  Stores the UUID of "a" in 'a_uuid'. */
static void
insert_abc(struct db *db, char a_uuid[UUID_LEN + 1])
{
    json_t *results = transact_ok(db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'a', 'tag': 1,"
        "   'nums': ['set', [1, 2]], 'opts': ['map', [['k', 'v']]]}},"
        " {'op': 'insert', 'table': 'Root', 'row': {'name': 'b', 'tag': 2,"
        "   'nums': ['set', [2, 3]]}},"
        " {'op': 'insert', 'table': 'Root', 'row': {'name': 'c', 'tag': 3}}]");

    assert_int_equal(json_array_size(results), 3);
    if (a_uuid) {
        result_uuid(results, 0, a_uuid);
    }
    json_decref(results);
}

static void
test_insert_select(void **state)
{
    struct fixture *f = *state;
    char uuid[UUID_LEN + 1];
    json_t *results, *rows, *expected;
    char *ops;

    results = transact_ok(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'a', 'tag': 5,"
        "  'opts': ['map', [['k', 'v']]], 'ratio': 2.5, 'fixed': 'f'}}]");
    assert_int_equal(json_array_size(results), 1);
    result_uuid(results, 0, uuid);
    json_decref(results);

    ops = xasprintf("[{'op': 'select', 'table': 'Root',"
                    "  'where': [['name', '==', 'a']],"
                    "  'columns': ['_uuid', 'name', 'tag', 'opts', 'ratio',"
                    "              'fixed']}]");
    results = transact_ok(f->db, ops);
    free(ops);
    rows = json_object_get(json_array_get(results, 0), "rows");
    assert_int_equal(json_array_size(rows), 1);
    ops = xasprintf("{'_uuid': ['uuid', '%s'], 'name': 'a', 'tag': 5,"
                    " 'opts': ['map', [['k', 'v']]], 'ratio': 2.5,"
                    " 'fixed': 'f'}", uuid);
    expected = test_util_json(ops);
    free(ops);
    assert_true(json_equal(json_array_get(rows, 0), expected));
    json_decref(expected);
    json_decref(results);

    /* Without "columns", every column, including _version. */
    results = transact_ok(f->db,
        "[{'op': 'select', 'table': 'Root', 'where': []}]");
    rows = json_object_get(json_array_get(results, 0), "rows");
    assert_int_equal(json_array_size(rows), 1);
    assert_non_null(json_object_get(json_array_get(rows, 0), "_version"));
    assert_non_null(json_object_get(json_array_get(rows, 0), "kids"));
    assert_int_equal(json_object_size(json_array_get(rows, 0)), 9);
    json_decref(results);
}

static void
test_insert_explicit_uuid(void **state)
{
    struct fixture *f = *state;
    const char *u = "9c1a0d2e-4a3b-4c5d-8e6f-0123456789ab";
    json_t *results;
    char buf[UUID_LEN + 1];
    char *ops;

    ops = xasprintf("[{'op': 'insert', 'table': 'Root', 'uuid': '%s',"
                    "  'row': {'name': 'x'}}]", u);
    results = transact_ok(f->db, ops);
    result_uuid(results, 0, buf);
    assert_string_equal(buf, u);
    json_decref(results);

    /* The same UUID again is refused. */
    expect_error(f->db, ops, 0, "duplicate uuid");
    free(ops);
}

static void
test_named_uuid(void **state)
{
    struct fixture *f = *state;
    char kid[UUID_LEN + 1];
    json_t *results;
    char *where;

    /* The reference comes before the insert that names the row. */
    results = transact_ok(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'r',"
        "   'kids': ['set', [['named-uuid', 'k1']]]}},"
        " {'op': 'insert', 'table': 'Kid', 'uuid-name': 'k1',"
        "  'row': {'name': 'kid'}}]");
    result_uuid(results, 1, kid);
    json_decref(results);

    where = xasprintf("[['kids', 'includes', ['uuid', '%s']]]", kid);
    assert_int_equal(count_rows(f->db, "Root", where), 1);
    free(where);
    assert_int_equal(count_rows(f->db, "Kid", "[]"), 1);

    expect_error(f->db,
        "[{'op': 'insert', 'table': 'Kid', 'uuid-name': 'x',"
        "  'row': {'name': 'x1'}},"
        " {'op': 'insert', 'table': 'Kid', 'uuid-name': 'x',"
        "  'row': {'name': 'x2'}}]", 1, "duplicate uuid-name");
    expect_error(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'r2',"
        "   'kids': ['named-uuid', 'nowhere']}}]", 0, "syntax error");
    expect_error(f->db,
        "[{'op': 'insert', 'table': 'Kid', 'uuid-name': '1bad'}]",
        0, "syntax error");
}

/* Many names in one request: every Kid refers to the next by name, the
 * root to all of them.  Names are hashed, so this takes well under a
 * second; with a linear search it took minutes. */
static void
test_many_named_uuids(void **state)
{
    struct fixture *f = *state;
    enum { N = 50000 };
    json_t *params = json_pack("[s]", "Open_vSwitch");
    json_t *kids = json_array();
    char name[32], next[32];

    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "k%d", i);
        json_array_append_new(kids, json_pack("[s,s]", "named-uuid", name));
    }
    json_array_append_new(params, json_pack(
                              "{s:s, s:s, s:{s:s, s:[s,o]}}", "op", "insert",
                              "table", "Root", "row", "name", "r", "kids",
                              "set", kids));
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "k%d", i);
        snprintf(next, sizeof next, "k%d", (i + 1) % N);
        json_array_append_new(params, json_pack(
                                  "{s:s, s:s, s:s, s:{s:s, s:[s,s]}}",
                                  "op", "insert", "table", "Kid",
                                  "uuid-name", name, "row", "name", name,
                                  "peer", "named-uuid", next));
    }

    long long start = time_msec();
    json_t *error = NULL;
    bool retry;
    json_t *results = db_exec_transact(f->db, params, 0, &retry, &error);
    long long elapsed = time_msec() - start;
    json_decref(params);

    assert_null(error);
    assert_non_null(results);
    assert_int_equal(json_array_size(results), N + 1);
    for (size_t i = 0; i < json_array_size(results); i++) {
        assert_null(error_tag(results, i));
    }
    json_decref(results);
    assert_int_equal(count_rows(f->db, "Kid", "[]"), N);
    assert_int_equal(count_rows(f->db, "Kid",
                                "[['name', '==', 'k49999']]"), 1);
    /* A figure for the curious, not an assertion: speed is measured by
     * benchmarks, never asserted by tests. */
    print_message("%d named inserts: %lld ms\n", N, elapsed);
}

/* A reply that would be too big is refused while it is built, and the
 * whole transaction is aborted. */
static void
test_reply_limit(void **state)
{
    struct fixture *f = *state;
    char *big = xmalloc(20001);

    memset(big, 'v', 20000);
    big[20000] = '\0';
    json_t *params = json_pack("[s, {s:s, s:s, s:{s:s, s:[s,[[s,s]]]}}]",
                               "Open_vSwitch", "op", "insert",
                               "table", "Root", "row", "name", "big",
                               "opts", "map", "k", big);
    free(big);
    json_t *error = NULL;
    bool retry;
    json_t *results = db_exec_transact(f->db, params, 0, &retry, &error);
    assert_non_null(results);
    assert_null(error_tag(results, 0));
    json_decref(results);
    json_decref(params);

    /* 1,000 selects of 20 kB each: 20 MB, over the 15 MiB limit.  A
     * transaction that also inserts leaves nothing behind. */
    json_t *before = db_to_json(f->db);
    params = json_pack("[s, {s:s, s:s, s:{s:s}}]", "Open_vSwitch",
                       "op", "insert", "table", "Root", "row", "name", "x");
    for (int i = 0; i < 1000; i++) {
        json_array_append_new(params, json_pack("{s:s, s:s, s:[]}", "op",
                                                "select", "table", "Root",
                                                "where"));
    }
    results = db_exec_transact(f->db, params, 0, &retry, &error);
    assert_null(results);
    assert_false(retry);
    assert_non_null(error);
    assert_string_equal(json_string_value(json_object_get(error, "error")),
                        "resources exhausted");
    assert_non_null(strstr(json_string_value(json_object_get(error,
                                                             "details")),
                           "15 MiB"));
    json_decref(error);
    json_decref(params);
    json_t *after = db_to_json(f->db);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);

    /* 500 of them (10 MB) are fine. */
    params = json_pack("[s]", "Open_vSwitch");
    for (int i = 0; i < 500; i++) {
        json_array_append_new(params, json_pack("{s:s, s:s, s:[]}", "op",
                                                "select", "table", "Root",
                                                "where"));
    }
    error = NULL;
    results = db_exec_transact(f->db, params, 0, &retry, &error);
    assert_null(error);
    assert_int_equal(json_array_size(results), 500);
    json_decref(results);
    json_decref(params);
}

static void
test_counts(void **state)
{
    struct fixture *f = *state;

    insert_abc(f->db, NULL);
    assert_int_equal(op_count(f->db,
        "[{'op': 'update', 'table': 'Root', 'where': [['tag', '>=', 2]],"
        "  'row': {'ratio': 1.5}}]"), 2);
    assert_int_equal(count_rows(f->db, "Root", "[['ratio', '==', 1.5]]"), 2);

    assert_int_equal(op_count(f->db,
        "[{'op': 'mutate', 'table': 'Root', 'where': [['name', '==', 'a']],"
        "  'mutations': [['tag', '+=', 10], ['nums', 'insert', 7]]}]"), 1);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['tag', '==', 11],"
                                " ['nums', '==', ['set', [1, 2, 7]]]]"), 1);

    assert_int_equal(op_count(f->db,
        "[{'op': 'update', 'table': 'Root', 'where': [['tag', '>', 100]],"
        "  'row': {'ratio': 9}}]"), 0);

    assert_int_equal(op_count(f->db,
        "[{'op': 'delete', 'table': 'Root', 'where': [['tag', '<', 3]]}]"),
        1);
    assert_int_equal(count_rows(f->db, "Root", "[]"), 2);
    assert_int_equal(count_rows(f->db, "Root", "[['name', '==', 'b']]"), 0);
}

static void
test_conditions(void **state)
{
    struct fixture *f = *state;
    char a[UUID_LEN + 1];
    char *where;

    insert_abc(f->db, a);
    assert_int_equal(count_rows(f->db, "Root", "[]"), 3);
    assert_int_equal(count_rows(f->db, "Root", "[['tag', '==', 2]]"), 1);
    assert_int_equal(count_rows(f->db, "Root", "[['tag', '!=', 2]]"), 2);
    assert_int_equal(count_rows(f->db, "Root", "[['tag', '<', 2]]"), 1);
    assert_int_equal(count_rows(f->db, "Root", "[['tag', '<=', 2]]"), 2);
    assert_int_equal(count_rows(f->db, "Root", "[['tag', '>', 2]]"), 1);
    assert_int_equal(count_rows(f->db, "Root", "[['tag', '>=', 2]]"), 2);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['tag', '>', 1], ['tag', '<', 3]]"), 1);
    /* A value beyond the column's range is still a valid comparison. */
    assert_int_equal(count_rows(f->db, "Root", "[['tag', '<', 5000]]"), 3);

    assert_int_equal(count_rows(f->db, "Root", "[['nums', 'includes', 2]]"),
                     2);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['nums', 'includes', ['set', [1, 2]]]]"),
                     1);
    assert_int_equal(count_rows(f->db, "Root", "[['nums', 'excludes', 1]]"),
                     2);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['nums', 'excludes', ['set', [1, 3]]]]"),
                     1);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['nums', '==', ['set', []]]]"), 1);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['opts', 'includes',"
                                "  ['map', [['k', 'v']]]]]"), 1);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['opts', 'includes',"
                                "  ['map', [['k', 'w']]]]]"), 0);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['opts', '==', ['map', []]]]"), 2);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['name', 'includes', 'a']]"), 1);
    assert_int_equal(count_rows(f->db, "Root",
                                "[['name', 'excludes', 'a']]"), 2);

    where = xasprintf("[['_uuid', '==', ['uuid', '%s']]]", a);
    assert_int_equal(count_rows(f->db, "Root", where), 1);
    free(where);
    where = xasprintf("[['_uuid', '!=', ['uuid', '%s']]]", a);
    assert_int_equal(count_rows(f->db, "Root", where), 2);
    free(where);

    expect_error(f->db, "[{'op': 'select', 'table': 'Root',"
                 " 'where': [['nums', '<', 2]]}]", 0, "syntax error");
    expect_error(f->db, "[{'op': 'select', 'table': 'Root',"
                 " 'where': [['tag', '<', 'x']]}]", 0, "syntax error");
    expect_error(f->db, "[{'op': 'select', 'table': 'Root',"
                 " 'where': [['tag', 'like', 1]]}]", 0, "syntax error");
    expect_error(f->db, "[{'op': 'select', 'table': 'Root',"
                 " 'where': [['nope', '==', 1]]}]", 0, "unknown column");
}

static void
test_mutations(void **state)
{
    struct fixture *f = *state;

    json_decref(transact_ok(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'm', 'tag': 4000,"
        "   'nums': ['set', [1, 2]], 'ratio': 1.0, 'fixed': 'f',"
        "   'opts': ['map', [['a', '1'], ['b', '2'], ['c', '3']]]}}]"));

    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['tag', '+=', 200]]}]",
                 0, "constraint violation");
    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['tag', '/=', 0]]}]", 0, "domain error");
    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['ratio', '/=', 0]]}]", 0, "domain error");
    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['nums', '*=', 0]]}]",
                 0, "constraint violation");
    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['nums', '+=', 9223372036854775807]]}]",
                 0, "range error");
    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['fixed', 'insert', 'x']]}]",
                 0, "constraint violation");
    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['_uuid', '+=', 1]]}]",
                 0, "constraint violation");
    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['name', '+=', 1]]}]", 0, "syntax error");
    expect_error(f->db, "[{'op': 'mutate', 'table': 'Root', 'where': [],"
                 " 'mutations': [['tag', 'insert', 1]]}]", 0,
                 "syntax error");
    expect_error(f->db, "[{'op': 'update', 'table': 'Root', 'where': [],"
                 " 'row': {'fixed': 'g'}}]", 0, "constraint violation");
    expect_error(f->db, "[{'op': 'update', 'table': 'Root', 'where': [],"
                 " 'row': {'_version': ['uuid',"
                 "  '9c1a0d2e-4a3b-4c5d-8e6f-0123456789ab']}}]",
                 0, "constraint violation");
    expect_error(f->db, "[{'op': 'update', 'table': 'Root', 'where': [],"
                 " 'row': {'tag': 4096}}]", 0, "constraint violation");

    /* Arithmetic on every set element, then map deletes by key and by
     * key-value pair (a pair with another value stays). */
    assert_int_equal(op_count(f->db,
        "[{'op': 'mutate', 'table': 'Root', 'where': [],"
        "  'mutations': [['nums', '*=', 10], ['nums', '-=', 1],"
        "                ['tag', '%=', 7], ['ratio', '*=', 3],"
        "                ['opts', 'delete', ['set', ['a']]],"
        "                ['opts', 'delete', ['map', [['b', '2'],"
        "                                            ['c', '4']]]],"
        "                ['opts', 'insert', ['map', [['c', '9'],"
        "                                            ['d', '4']]]]]}]"),
        1);
    assert_int_equal(count_rows(f->db, "Root",
        "[['nums', '==', ['set', [9, 19]]], ['tag', '==', 3],"
        " ['ratio', '==', 3.0],"
        " ['opts', '==', ['map', [['c', '3'], ['d', '4']]]]]"), 1);
}

static void
test_referential_integrity(void **state)
{
    struct fixture *f = *state;
    json_t *before, *after, *results;

    json_decref(transact_ok(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'r',"
        "   'kids': ['named-uuid', 'k']}},"
        " {'op': 'insert', 'table': 'Kid', 'uuid-name': 'k',"
        "  'row': {'name': 'k'}}]"));

    before = db_to_json(f->db);
    results = transact(f->db,
        "[{'op': 'delete', 'table': 'Kid', 'where': [['name', '==', 'k']]}]");
    assert_int_equal(json_array_size(results), 2);
    assert_int_equal(json_integer_value(
                         json_object_get(json_array_get(results, 0),
                                         "count")), 1);
    assert_string_equal(error_tag(results, 1),
                        "referential integrity violation");
    after = db_to_json(f->db);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    json_decref(results);
    assert_int_equal(count_rows(f->db, "Kid", "[]"), 1);
}

static void
test_unique_index(void **state)
{
    struct fixture *f = *state;
    json_t *results;

    results = transact(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'r',"
        "   'kids': ['set', [['named-uuid', 'k1'], ['named-uuid', 'k2']]]}},"
        " {'op': 'insert', 'table': 'Kid', 'uuid-name': 'k1',"
        "  'row': {'name': 'same'}},"
        " {'op': 'insert', 'table': 'Kid', 'uuid-name': 'k2',"
        "  'row': {'name': 'same'}}]");
    assert_int_equal(json_array_size(results), 4);
    assert_null(error_tag(results, 2));
    assert_non_null(error_tag(results, 3));
    json_decref(results);
    assert_int_equal(count_rows(f->db, "Root", "[]"), 0);
}

static void
test_garbage_collection(void **state)
{
    struct fixture *f = *state;
    char k1[UUID_LEN + 1], k2[UUID_LEN + 1];
    json_t *results;
    char *ops;

    /* A row nothing refers to vanishes at commit. */
    results = transact_ok(f->db,
        "[{'op': 'insert', 'table': 'Kid', 'row': {'name': 'orphan'}}]");
    assert_int_equal(json_array_size(results), 1);
    json_decref(results);
    assert_int_equal(count_rows(f->db, "Kid", "[]"), 0);

    /* k1 -> k2 weakly; both held by the root.  Dropping k2 from the root
     * collects it and clears k1's weak reference. */
    results = transact_ok(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'r',"
        "   'kids': ['set', [['named-uuid', 'k1'], ['named-uuid', 'k2']]]}},"
        " {'op': 'insert', 'table': 'Kid', 'uuid-name': 'k1',"
        "  'row': {'name': 'k1', 'peer': ['named-uuid', 'k2']}},"
        " {'op': 'insert', 'table': 'Kid', 'uuid-name': 'k2',"
        "  'row': {'name': 'k2'}}]");
    result_uuid(results, 1, k1);
    result_uuid(results, 2, k2);
    json_decref(results);
    assert_int_equal(count_rows(f->db, "Kid", "[]"), 2);
    assert_int_equal(count_rows(f->db, "Kid", "[['peer', '==', ['set',"
                                "[]]]]"), 1);

    ops = xasprintf("[{'op': 'mutate', 'table': 'Root', 'where': [],"
                    "  'mutations': [['kids', 'delete', ['uuid', '%s']]]}]",
                    k2);
    assert_int_equal(op_count(f->db, ops), 1);
    free(ops);
    assert_int_equal(count_rows(f->db, "Kid", "[]"), 1);
    assert_int_equal(count_rows(f->db, "Kid", "[['peer', '==', ['set',"
                                "[]]]]"), 1);
    (void) k1;
}

static void
test_wait(void **state)
{
    struct fixture *f = *state;
    json_t *results, *error, *before, *after;
    bool retry;

    json_decref(transact_ok(f->db,
        "[{'op': 'insert', 'table': 'Root',"
        "  'row': {'name': 'a', 'tag': 1}}]"));

    expect_error(f->db,
        "[{'op': 'wait', 'timeout': 0, 'table': 'Root',"
        "  'where': [['name', '==', 'a']], 'columns': ['tag'],"
        "  'until': '==', 'rows': [{'tag': 2}]}]", 0, "timed out");

    /* Not yet timed out: retry, nothing committed. */
    before = db_to_json(f->db);
    retry = false;
    error = NULL;
    results = transact_at(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'z'}},"
        " {'op': 'wait', 'timeout': 1000, 'table': 'Root',"
        "  'where': [['name', '==', 'a']], 'columns': ['tag'],"
        "  'until': '==', 'rows': [{'tag': 2}]}]", 0, &retry, &error);
    assert_null(results);
    assert_null(error);
    assert_true(retry);
    after = db_to_json(f->db);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);

    /* The same wait once the timeout has passed. */
    results = transact_at(f->db,
        "[{'op': 'wait', 'timeout': 1000, 'table': 'Root',"
        "  'where': [], 'columns': ['tag'],"
        "  'until': '==', 'rows': [{'tag': 2}]}]", 1000, &retry, &error);
    assert_false(retry);
    assert_string_equal(error_tag(results, 0), "timed out");
    json_decref(results);

    /* Satisfied waits let the rest of the transaction commit. */
    json_decref(transact_ok(f->db,
        "[{'op': 'wait', 'timeout': 0, 'table': 'Root', 'where': [],"
        "  'columns': ['name', 'tag'], 'until': '==',"
        "  'rows': [{'name': 'a', 'tag': 1}]},"
        " {'op': 'wait', 'timeout': 0, 'table': 'Root', 'where': [],"
        "  'columns': ['tag'], 'until': '!=', 'rows': [{'tag': 2}]},"
        " {'op': 'insert', 'table': 'Root', 'row': {'name': 'z'}}]"));
    assert_int_equal(count_rows(f->db, "Root", "[]"), 2);
}

static void
test_failure_results(void **state)
{
    struct fixture *f = *state;
    json_t *results, *before, *after;

    expect_error(f->db, "[{'op': 'select', 'table': 'Nope', 'where': []}]",
                 0, "unknown table");

    before = db_to_json(f->db);
    results = transact(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'x'}},"
        " {'op': 'select', 'table': 'Nope', 'where': []},"
        " {'op': 'insert', 'table': 'Root', 'row': {'name': 'y'}}]");
    assert_int_equal(json_array_size(results), 3);
    assert_non_null(json_object_get(json_array_get(results, 0), "uuid"));
    assert_string_equal(error_tag(results, 1), "unknown table");
    assert_true(json_is_null(json_array_get(results, 2)));
    after = db_to_json(f->db);
    assert_true(json_equal(before, after));
    json_decref(results);
    json_decref(before);
    json_decref(after);

    expect_error(f->db,
        "[{'op': 'insert', 'table': 'Root', 'row': {'name': 'x'}},"
        " {'op': 'abort'}, {'op': 'comment', 'comment': 'never'}]",
        1, "aborted");
    expect_error(f->db, "[{'op': 'assert', 'lock': 'l'}]", 0, "not owner");
    expect_error(f->db, "[{'op': 'frobnicate'}]", 0, "unknown operation");
    expect_error(f->db, "[{'op': 'commit'}]", 0, "syntax error");
    expect_error(f->db, "[{'op': 'delete', 'table': 'Root'}]",
                 0, "syntax error");
    expect_error(f->db, "[{'op': 'insert', 'table': 'Root', 'bogus': 1}]",
                 0, "syntax error");
    expect_error(f->db, "[{'op': 'insert', 'table': 'Root',"
                 "  'row': {'nope': 1}}]", 0, "unknown column");
    expect_error(f->db, "[{'op': 'insert', 'table': 'Root',"
                 "  'row': {'tag': 'x'}}]", 0, "syntax error");
    expect_error(f->db, "[{'op': 'insert', 'table': 'Root',"
                 "  'row': {'tag': -1}}]", 0, "constraint violation");
    expect_error(f->db, "[{'op': 'insert', 'table': 'Root',"
                 "  'row': {'_uuid': ['uuid',"
                 "   '9c1a0d2e-4a3b-4c5d-8e6f-0123456789ab']}}]",
                 0, "constraint violation");
}

static void
test_misc_ops(void **state)
{
    struct fixture *f = *state;
    json_t *results, *expected;

    results = transact_ok(f->db,
        "[{'op': 'comment', 'comment': 'hello'},"
        " {'op': 'commit', 'durable': true},"
        " {'op': 'insert', 'table': 'Root', 'row': {'name': 'n'}}]");
    assert_int_equal(json_array_size(results), 3);
    expected = json_object();
    assert_true(json_equal(json_array_get(results, 0), expected));
    assert_true(json_equal(json_array_get(results, 1), expected));
    json_decref(expected);
    json_decref(results);
    assert_int_equal(count_rows(f->db, "Root", "[]"), 1);

    /* No operations at all: an empty result. */
    results = transact_ok(f->db, "[]");
    assert_int_equal(json_array_size(results), 0);
    json_decref(results);
}

static void
test_bad_params(void **state)
{
    struct fixture *f = *state;
    json_t *params, *error = NULL;
    bool retry = true;

    params = test_util_json("{'not': 'an array'}");
    assert_null(db_exec_transact(f->db, params, 0, &retry, &error));
    assert_false(retry);
    assert_non_null(error);
    assert_string_equal(json_string_value(json_object_get(error, "error")),
                        "syntax error");
    json_decref(error);
    json_decref(params);

    params = test_util_json("['Nope', {'op': 'comment', "
                            "'comment': 'x'}]");
    error = NULL;
    assert_null(db_exec_transact(f->db, params, 0, &retry, &error));
    assert_non_null(error);
    assert_string_equal(json_string_value(json_object_get(error, "error")),
                        "unknown database");
    assert_non_null(json_object_get(error, "details"));
    json_decref(error);
    json_decref(params);
}

int
test_db_exec_run(void)
{
    const struct CMUnitTest tests[] = {
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
        T(test_insert_select),
        T(test_insert_explicit_uuid),
        T(test_named_uuid),
        T(test_counts),
        T(test_conditions),
        T(test_mutations),
        T(test_referential_integrity),
        T(test_unique_index),
        T(test_garbage_collection),
        T(test_wait),
        T(test_failure_results),
        T(test_misc_ops),
        T(test_bad_params),
        T(test_many_named_uuids),
        T(test_reply_limit),
#undef T
    };
    return cmocka_run_group_tests_name("db-exec", tests, NULL, NULL);
}
