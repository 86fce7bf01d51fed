/*
 * test-db-data.c -- unit tests for database types, atoms and datums.
 *
 * Types are written as RFC 7047 JSON text, as they appear in a schema, so
 * each test reads like the column it imitates (Port.trunks, Bridge.fail_mode,
 * Interface.external_ids...).  The tests check JSON round trips for every
 * atomic type, the "set"/"map" notations and their duplicate rules, the
 * exact wording of constraint errors, the ovs-vsctl input syntax (lists,
 * ranges, maps, quoted strings, @name references, errors) and output syntax
 * (brackets, quoting rules, bare output), the set operations, and
 * db_datum_smap_get().
 */
#include <config.h>
#include "tests.h"

#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db-data.h"
#include "db-types.h"
#include "util.h"
#include "uuid.h"

/* Column types used throughout, in schema JSON. */
#define T_INT "\"integer\""
#define T_REAL "\"real\""
#define T_BOOL "\"boolean\""
#define T_STRING "\"string\""
#define T_UUID "\"uuid\""
#define T_VLAN_SET \
    "{\"key\": {\"type\": \"integer\", \"minInteger\": 0, " \
    "\"maxInteger\": 4095}, \"min\": 0, \"max\": 4096}"
#define T_VLAN \
    "{\"key\": {\"type\": \"integer\", \"minInteger\": 0, " \
    "\"maxInteger\": 4095}, \"min\": 0, \"max\": 1}"
#define T_INT_SET "{\"key\": \"integer\", \"min\": 0, \"max\": \"unlimited\"}"
#define T_STRING_SET \
    "{\"key\": \"string\", \"min\": 0, \"max\": \"unlimited\"}"
#define T_OPT_STRING "{\"key\": \"string\", \"min\": 0, \"max\": 1}"
#define T_SMAP \
    "{\"key\": \"string\", \"value\": \"string\", \"min\": 0, " \
    "\"max\": \"unlimited\"}"
#define T_INT_UUID_MAP \
    "{\"key\": \"integer\", \"value\": {\"type\": \"uuid\", " \
    "\"refTable\": \"Queue\"}, \"min\": 0, \"max\": \"unlimited\"}"
#define T_FAIL_MODE \
    "{\"key\": {\"type\": \"string\", \"enum\": [\"set\", " \
    "[\"standalone\", \"secure\"]]}, \"min\": 0, \"max\": 1}"
#define T_REF_SET \
    "{\"key\": {\"type\": \"uuid\", \"refTable\": \"Port\"}, " \
    "\"min\": 0, \"max\": \"unlimited\"}"
#define T_REQUIRED_REFS \
    "{\"key\": {\"type\": \"uuid\", \"refTable\": \"Interface\"}, " \
    "\"min\": 1, \"max\": \"unlimited\"}"

#define UUID_A "11111111-2222-3333-4444-555555555555"
#define UUID_B "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

/* Helpers. */

static json_t *
parse_json(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);

    if (!j) {
        print_error("bad test JSON %s: %s\n", s, err.text);
    }
    assert_non_null(j);
    return j;
}

/* Parses 'type_json' into '*type', asserting success. */
static void
type_init(struct db_type *type, const char *type_json)
{
    json_t *j = parse_json(type_json);
    char *error = db_type_from_json(type, j);

    if (error) {
        print_error("type %s: %s\n", type_json, error);
    }
    assert_null(error);
    json_decref(j);
}

/* Parses 'type_json' and returns the error, which must exist. */
static char *
type_error(const char *type_json)
{
    struct db_type type;
    json_t *j = parse_json(type_json);
    char *error = db_type_from_json(&type, j);

    json_decref(j);
    assert_non_null(error);
    return error;
}

/* Parses JSON 'value' as a datum of 'type', returning the error or NULL. */
static char *
datum_from_json_text(struct db_datum *d, const struct db_type *type,
                     const char *value, const struct db_symbol_table *symtab)
{
    json_t *j = parse_json(value);
    char *error = db_datum_from_json(d, type, j, symtab);

    json_decref(j);
    return error;
}

/* Renders 'd' with db_datum_to_string() (or _to_bare()); caller frees. */
static char *
datum_text(const struct db_datum *d, const struct db_type *type, bool bare)
{
    struct dstr ds = DSTR_INITIALIZER;

    if (bare) {
        db_datum_to_bare(d, type, &ds);
    } else {
        db_datum_to_string(d, type, &ds);
    }
    return dstr_steal(&ds);
}

static char *
atom_text(const union db_atom *atom, enum db_atomic_type type)
{
    struct dstr ds = DSTR_INITIALIZER;

    db_atom_to_string(atom, type, &ds);
    return dstr_steal(&ds);
}

/* Asserts that 'value' (JSON) parses as a datum of 'type_json' and prints
 * back as 'expected' (JSON, compared structurally). */
static void
check_json(const char *type_json, const char *value, const char *expected)
{
    struct db_type type;
    struct db_datum d;
    char *error;

    type_init(&type, type_json);
    error = datum_from_json_text(&d, &type, value, NULL);
    if (error) {
        print_error("%s as %s: %s\n", value, type_json, error);
    }
    assert_null(error);

    json_t *out = db_datum_to_json(&d, &type);
    json_t *want = parse_json(expected);
    if (!json_equal(out, want)) {
        char *s = json_dumps(out, JSON_ENCODE_ANY);
        print_error("%s as %s gave %s, want %s\n", value, type_json, s,
                    expected);
        free(s);
    }
    assert_true(json_equal(out, want));

    /* And it reads back as the same datum. */
    struct db_datum again;
    error = db_datum_from_json(&again, &type, out, NULL);
    assert_null(error);
    assert_true(db_datum_equals(&d, &again, &type));

    json_decref(out);
    json_decref(want);
    db_datum_destroy(&again, &type);
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);
}

/* Asserts that JSON 'value' is rejected for 'type_json' with exactly
 * 'expected' (or just rejected, if 'expected' is NULL). */
static void
check_json_error(const char *type_json, const char *value,
                 const char *expected)
{
    struct db_type type;
    struct db_datum d = { 99, NULL, NULL };
    char *error;

    type_init(&type, type_json);
    error = datum_from_json_text(&d, &type, value, NULL);
    if (!error) {
        print_error("%s as %s: accepted, want error \"%s\"\n", value,
                    type_json, expected ? expected : "");
    }
    assert_non_null(error);
    if (expected) {
        assert_string_equal(error, expected);
    }
    assert_int_equal(d.n, 0);
    free(error);
    db_type_destroy(&type);
}

/* Asserts that 's' (ovs-vsctl syntax) parses as 'type_json' and prints as
 * 'expected' with db_datum_to_string(), and that the output parses back to
 * the same datum. */
static void
check_string_sym(const char *type_json, const char *s, const char *expected,
                 const struct db_symbol_table *symtab)
{
    struct db_type type;
    struct db_datum d, again;
    char *error, *text;

    type_init(&type, type_json);
    error = db_datum_from_string(&d, &type, s, symtab);
    if (error) {
        print_error("'%s' as %s: %s\n", s, type_json, error);
    }
    assert_null(error);

    text = datum_text(&d, &type, false);
    if (strcmp(text, expected)) {
        print_error("'%s' as %s printed '%s', want '%s'\n", s, type_json,
                    text, expected);
    }
    assert_string_equal(text, expected);

    error = db_datum_from_string(&again, &type, text, symtab);
    if (error) {
        print_error("reparsing '%s': %s\n", text, error);
    }
    assert_null(error);
    assert_true(db_datum_equals(&d, &again, &type));

    free(text);
    db_datum_destroy(&again, &type);
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);
}

static void
check_string(const char *type_json, const char *s, const char *expected)
{
    check_string_sym(type_json, s, expected, NULL);
}

/* Asserts that 's' is rejected as 'type_json' with exactly 'expected'. */
static void
check_string_error(const char *type_json, const char *s,
                   const char *expected)
{
    struct db_type type;
    struct db_datum d = { 99, NULL, NULL };
    char *error;

    type_init(&type, type_json);
    error = db_datum_from_string(&d, &type, s, NULL);
    if (!error) {
        char *text = datum_text(&d, &type, false);
        print_error("'%s' as %s: accepted as '%s', want error \"%s\"\n", s,
                    type_json, text, expected);
        free(text);
    }
    assert_non_null(error);
    if (strcmp(error, expected)) {
        print_error("'%s' as %s: got \"%s\"\n", s, type_json, error);
    }
    assert_string_equal(error, expected);
    assert_int_equal(d.n, 0);
    free(error);
    db_type_destroy(&type);
}

/* Parses 's' as a datum of 'type', asserting success. */
static void
datum_init_string(struct db_datum *d, const struct db_type *type,
                  const char *s)
{
    char *error = db_datum_from_string(d, type, s, NULL);

    if (error) {
        print_error("'%s': %s\n", s, error);
    }
    assert_null(error);
}

/* Asserts that 'd' prints as 'expected'. */
static void
assert_datum_text(const struct db_datum *d, const struct db_type *type,
                  const char *expected)
{
    char *text = datum_text(d, type, false);

    if (strcmp(text, expected)) {
        print_error("printed '%s', want '%s'\n", text, expected);
    }
    assert_string_equal(text, expected);
    free(text);
}

/* A symbol table with two names. */
static bool
lookup_two(void *aux, const char *name, struct uuid *uuid)
{
    int *calls = aux;

    (*calls)++;
    if (!strcmp(name, "@br0") || !strcmp(name, "br0")) {
        return uuid_from_string(uuid, UUID_A);
    } else if (!strcmp(name, "@p1") || !strcmp(name, "p1")) {
        return uuid_from_string(uuid, UUID_B);
    }
    return false;
}

/* Tests: types. */

static void
test_type_json(void **state)
{
    static const char *const types[] = {
        T_INT, T_REAL, T_BOOL, T_STRING, T_UUID, T_VLAN_SET, T_VLAN,
        T_STRING_SET, T_SMAP, T_INT_UUID_MAP, T_FAIL_MODE,
        "{\"key\": {\"type\": \"uuid\", \"refTable\": \"Port\", "
        "\"refType\": \"weak\"}, \"min\": 0, \"max\": \"unlimited\"}",
        "{\"key\": {\"type\": \"string\", \"minLength\": 1, "
        "\"maxLength\": 8}, \"min\": 1, \"max\": 3}",
        "{\"key\": {\"type\": \"real\", \"minReal\": -1.5, "
        "\"maxReal\": 2.5}, \"min\": 0, \"max\": 1}",
    };
    (void) state;

    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        struct db_type type, again;
        type_init(&type, types[i]);

        json_t *out = db_type_to_json(&type);
        char *error = db_type_from_json(&again, out);
        assert_null(error);

        /* Printing is canonical: printing the reparsed type is stable. */
        json_t *out2 = db_type_to_json(&again);
        assert_true(json_equal(out, out2));
        assert_int_equal(again.n_min, type.n_min);
        assert_int_equal(again.n_max, type.n_max);
        assert_int_equal(again.key.type, type.key.type);
        assert_int_equal(again.value.type, type.value.type);

        /* And for schema-style input the output is the same JSON. */
        json_t *in = parse_json(types[i]);
        if (i < 5) {
            assert_true(json_equal(in, out));
        }
        json_decref(in);
        json_decref(out);
        json_decref(out2);
        db_type_destroy(&again);
        db_type_destroy(&type);
    }
}

static void
test_type_shapes(void **state)
{
    struct db_type type;
    (void) state;

    type_init(&type, T_INT);
    assert_true(db_type_is_scalar(&type));
    assert_false(db_type_is_set(&type));
    assert_int_equal(type.key.u.integer.min, INT64_MIN);
    assert_int_equal(type.key.u.integer.max, INT64_MAX);
    db_type_destroy(&type);

    type_init(&type, T_VLAN);
    assert_true(db_type_is_optional(&type));
    assert_true(db_type_is_set(&type));
    assert_int_equal(type.key.u.integer.min, 0);
    assert_int_equal(type.key.u.integer.max, 4095);
    db_type_destroy(&type);

    type_init(&type, T_SMAP);
    assert_true(db_type_is_map(&type));
    assert_false(db_type_is_set(&type));
    assert_int_equal(type.n_max, DB_N_UNLIMITED);
    db_type_destroy(&type);

    type_init(&type, T_INT_UUID_MAP);
    assert_false(db_base_type_is_ref(&type.key));
    assert_true(db_base_type_is_strong_ref(&type.value));
    assert_string_equal(type.value.u.uuid.ref_table_name, "Queue");
    db_type_destroy(&type);

    type_init(&type, "{\"key\": {\"type\": \"uuid\", \"refTable\": \"P\", "
              "\"refType\": \"weak\"}, \"min\": 0, \"max\": 1}");
    assert_true(db_base_type_is_weak_ref(&type.key));
    assert_false(db_base_type_is_strong_ref(&type.key));
    db_type_destroy(&type);

    type_init(&type, T_FAIL_MODE);
    assert_non_null(type.key.enum_);
    assert_int_equal(type.key.enum_->n, 2);
    assert_string_equal(type.key.enum_->keys[0].string, "secure");
    assert_string_equal(type.key.enum_->keys[1].string, "standalone");

    struct db_type copy;
    db_type_clone(&copy, &type);
    db_type_destroy(&type);
    assert_non_null(copy.key.enum_);
    assert_string_equal(copy.key.enum_->keys[1].string, "standalone");
    db_type_destroy(&copy);
}

static void
test_type_errors(void **state)
{
    static const struct {
        const char *json;
        const char *error;
    } cases[] = {
        { "\"int\"", "unknown atomic type \"int\"" },
        { "\"void\"", "unknown atomic type \"void\"" },
        { "5", "type must be a string or an object" },
        { "{\"min\": 0}", "type object lacks \"key\"" },
        { "{\"key\": \"integer\", \"min\": 2}", "\"min\" must be 0 or 1" },
        { "{\"key\": \"integer\", \"max\": 0}",
          "\"max\" must be a positive integer or \"unlimited\"" },
        { "{\"key\": \"integer\", \"max\": \"lots\"}",
          "\"max\" must be a positive integer or \"unlimited\"" },
        { "{\"key\": {\"type\": \"integer\", \"minInteger\": 5, "
          "\"maxInteger\": 1}}", "minInteger exceeds maxInteger" },
        { "{\"key\": {\"type\": \"integer\", \"minInteger\": \"0\"}}",
          "\"minInteger\" must be an integer" },
        { "{\"key\": {\"type\": \"string\", \"minLength\": 3, "
          "\"maxLength\": 2}}", "bad minLength/maxLength" },
        { "{\"key\": {\"type\": \"uuid\", \"refTable\": \"T\", "
          "\"refType\": \"medium\"}}",
          "refType must be \"strong\" or \"weak\"" },
        { "{\"key\": {\"type\": \"integer\", \"enum\": [\"set\", "
          "[1, \"x\"]]}}", "expected integer" },
        { "{\"key\": {\"type\": \"string\", \"enum\": [\"set\", "
          "[\"a\", \"a\"]]}}", "set contains duplicate value" },
    };
    (void) state;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *error = type_error(cases[i].json);
        if (strcmp(error, cases[i].error)) {
            print_error("%s: got \"%s\"\n", cases[i].json, error);
        }
        assert_string_equal(error, cases[i].error);
        free(error);
    }
}

static void
test_type_describe(void **state)
{
    static const struct {
        const char *json;
        const char *text;
    } cases[] = {
        { T_INT, "an integer" },
        { T_STRING, "a string" },
        { T_VLAN_SET, "set of up to 4096 integers in range 0 to 4095" },
        { T_SMAP, "map of strings to strings" },
        { T_REF_SET, "set of strong references to Port" },
        { T_VLAN, "an optional integer in range 0 to 4095" },
        { T_OPT_STRING, "an optional string" },
    };
    (void) state;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct db_type type;
        type_init(&type, cases[i].json);
        char *text = db_type_describe(&type);
        assert_string_equal(text, cases[i].text);
        free(text);
        db_type_destroy(&type);
    }
}

/* Tests: atoms. */

static void
test_atom_json_roundtrip(void **state)
{
    static const struct {
        enum db_atomic_type type;
        const char *json;
    } cases[] = {
        { DB_INTEGER, "0" },
        { DB_INTEGER, "-7" },
        { DB_INTEGER, "9223372036854775807" },
        { DB_INTEGER, "-9223372036854775808" },
        { DB_REAL, "1.5" },
        { DB_REAL, "-0.25" },
        { DB_REAL, "1e+300" },
        { DB_BOOLEAN, "true" },
        { DB_BOOLEAN, "false" },
        { DB_STRING, "\"\"" },
        { DB_STRING, "\"hello world\"" },
        { DB_STRING, "\"caf\\u00e9 \\\"quoted\\\" \\n\"" },
        { DB_UUID, "[\"uuid\", \"" UUID_A "\"]" },
        { DB_UUID, "[\"uuid\", \"" UUID_B "\"]" },
    };
    (void) state;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct db_base_type base;
        union db_atom atom, copy;
        json_t *in = parse_json(cases[i].json);

        db_base_type_init(&base, cases[i].type);
        char *error = db_atom_from_json(&atom, &base, in, NULL);
        if (error) {
            print_error("%s: %s\n", cases[i].json, error);
        }
        assert_null(error);

        json_t *out = db_atom_to_json(&atom, cases[i].type);
        if (!json_equal(in, out)) {
            char *s = json_dumps(out, JSON_ENCODE_ANY);
            print_error("%s came back as %s\n", cases[i].json, s);
            free(s);
        }
        assert_true(json_equal(in, out));

        /* Clones compare and hash equal. */
        db_atom_clone(&copy, &atom, cases[i].type);
        assert_true(db_atom_equals(&atom, &copy, cases[i].type));
        assert_int_equal(db_atom_hash(&atom, cases[i].type, 7),
                         db_atom_hash(&copy, cases[i].type, 7));

        db_atom_destroy(&copy, cases[i].type);
        db_atom_destroy(&atom, cases[i].type);
        db_base_type_destroy(&base);
        json_decref(in);
        json_decref(out);
    }
}

static void
test_atom_json_errors(void **state)
{
    static const struct {
        enum db_atomic_type type;
        const char *json;
        const char *error;
    } cases[] = {
        { DB_INTEGER, "\"5\"", "expected integer" },
        { DB_INTEGER, "5.5", "expected integer" },
        { DB_REAL, "\"x\"", "expected real number" },
        { DB_BOOLEAN, "1", "expected boolean" },
        { DB_STRING, "5", "expected string" },
        { DB_UUID, "\"" UUID_A "\"",
          "expected [\"uuid\", <uuid>] or [\"named-uuid\", <name>]" },
        { DB_UUID, "[\"uuid\", \"1234\"]", "\"1234\" is not a valid UUID" },
        { DB_UUID, "[\"named-uuid\", \"nobody\"]",
          "unknown named-uuid \"nobody\"" },
        { DB_UUID, "[\"set\", \"x\"]",
          "unexpected \"set\" where a UUID was expected" },
    };
    (void) state;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct db_base_type base;
        union db_atom atom;
        json_t *in = parse_json(cases[i].json);

        db_base_type_init(&base, cases[i].type);
        char *error = db_atom_from_json(&atom, &base, in, NULL);
        assert_non_null(error);
        assert_string_equal(error, cases[i].error);
        free(error);
        json_decref(in);
    }
}

static void
test_atom_named_uuid(void **state)
{
    int calls = 0;
    struct db_symbol_table symtab = { lookup_two, &calls };
    struct db_base_type base;
    union db_atom atom;
    struct uuid want;
    json_t *j;
    char *error;
    (void) state;

    db_base_type_init(&base, DB_UUID);
    j = parse_json("[\"named-uuid\", \"p1\"]");
    error = db_atom_from_json(&atom, &base, j, &symtab);
    assert_null(error);
    assert_int_equal(calls, 1);
    assert_true(uuid_from_string(&want, UUID_B));
    assert_true(uuid_equals(&atom.uuid, &want));
    json_decref(j);

    j = parse_json("[\"named-uuid\", \"p2\"]");
    error = db_atom_from_json(&atom, &base, j, &symtab);
    assert_non_null(error);
    assert_string_equal(error, "unknown named-uuid \"p2\"");
    free(error);
    json_decref(j);
}

static void
test_atom_compare(void **state)
{
    union db_atom a, b;
    (void) state;

    a.integer = -5;
    b.integer = 3;
    assert_true(db_atom_compare(&a, &b, DB_INTEGER) < 0);
    assert_true(db_atom_compare(&b, &a, DB_INTEGER) > 0);
    a.integer = INT64_MIN;
    b.integer = INT64_MAX;
    assert_true(db_atom_compare(&a, &b, DB_INTEGER) < 0);

    a.real = -0.5;
    b.real = 0.25;
    assert_true(db_atom_compare(&a, &b, DB_REAL) < 0);

    a.boolean = false;
    b.boolean = true;
    assert_true(db_atom_compare(&a, &b, DB_BOOLEAN) < 0);
    assert_false(db_atom_equals(&a, &b, DB_BOOLEAN));

    a.string = "abc";
    b.string = "abd";
    assert_true(db_atom_compare(&a, &b, DB_STRING) < 0);
    b.string = "abc";
    assert_true(db_atom_equals(&a, &b, DB_STRING));
    assert_int_equal(db_atom_hash(&a, DB_STRING, 0),
                     db_atom_hash(&b, DB_STRING, 0));

    assert_true(uuid_from_string(&a.uuid, UUID_A));
    assert_true(uuid_from_string(&b.uuid, UUID_B));
    assert_true(db_atom_compare(&a, &b, DB_UUID) < 0);

    /* Defaults. */
    db_atom_init_default(&a, DB_STRING);
    assert_string_equal(a.string, "");
    db_atom_destroy(&a, DB_STRING);
    db_atom_init_default(&a, DB_UUID);
    assert_true(uuid_is_zero(&a.uuid));
    db_atom_init_default(&a, DB_INTEGER);
    assert_int_equal(a.integer, 0);
}

/* Tests: datums in JSON. */

static void
test_datum_json_set_vs_atom(void **state)
{
    (void) state;

    /* A one-element set is written as the bare atom. */
    check_json(T_INT_SET, "5", "5");
    check_json(T_INT_SET, "[\"set\", [5]]", "5");
    check_json(T_INT_SET, "[\"set\", []]", "[\"set\", []]");
    check_json(T_INT_SET, "[\"set\", [3, 1, 2]]", "[\"set\", [1, 2, 3]]");
    check_json(T_STRING_SET, "[\"set\", [\"b\", \"a\"]]",
               "[\"set\", [\"a\", \"b\"]]");
    check_json(T_STRING_SET, "\"set\"", "\"set\"");
    check_json(T_REF_SET,
               "[\"set\", [[\"uuid\", \"" UUID_B "\"], "
               "[\"uuid\", \"" UUID_A "\"]]]",
               "[\"set\", [[\"uuid\", \"" UUID_A "\"], "
               "[\"uuid\", \"" UUID_B "\"]]]");
    check_json(T_REF_SET, "[\"uuid\", \"" UUID_A "\"]",
               "[\"uuid\", \"" UUID_A "\"]");
    check_json(T_VLAN, "[\"set\", []]", "[\"set\", []]");
    check_json(T_VLAN, "100", "100");

    /* Scalars of every type. */
    check_json(T_INT, "42", "42");
    check_json(T_REAL, "2.5", "2.5");
    check_json(T_REAL, "3", "3.0");
    check_json(T_BOOL, "true", "true");
    check_json(T_STRING, "\"x y\"", "\"x y\"");
    check_json(T_UUID, "[\"uuid\", \"" UUID_A "\"]",
               "[\"uuid\", \"" UUID_A "\"]");

    /* RFC 7047: a <set> is valid wherever a value is, even for a scalar,
     * as long as the count fits. */
    check_json(T_INT, "[\"set\", [42]]", "42");
    check_json_error(T_INT, "[\"set\", []]",
                     "0 values when type requires at least 1");
    check_json_error(T_INT, "[\"set\", [1, 2]]",
                     "2 values when type allows at most 1");
}

static void
test_datum_json_map(void **state)
{
    (void) state;

    check_json(T_SMAP, "[\"map\", []]", "[\"map\", []]");
    check_json(T_SMAP, "[\"map\", [[\"b\", \"2\"], [\"a\", \"1\"]]]",
               "[\"map\", [[\"a\", \"1\"], [\"b\", \"2\"]]]");
    check_json(T_INT_UUID_MAP,
               "[\"map\", [[7, [\"uuid\", \"" UUID_B "\"]], "
               "[0, [\"uuid\", \"" UUID_A "\"]]]]",
               "[\"map\", [[0, [\"uuid\", \"" UUID_A "\"]], "
               "[7, [\"uuid\", \"" UUID_B "\"]]]]");

    /* A duplicated pair is harmless; a conflicting one is not. */
    check_json(T_SMAP, "[\"map\", [[\"a\", \"1\"], [\"a\", \"1\"]]]",
               "[\"map\", [[\"a\", \"1\"]]]");
    check_json_error(T_SMAP, "[\"map\", [[\"a\", \"1\"], [\"a\", \"2\"]]]",
                     "map contains duplicate key a");
    check_json_error(T_SMAP, "[\"map\", [[\"k:1\", \"1\"], [\"b\", \"x\"], "
                     "[\"k:1\", \"2\"]]]",
                     "map contains duplicate key \"k:1\"");

    /* Shape errors. */
    check_json_error(T_SMAP, "[\"set\", []]",
                     "expected [\"map\", [[key, value], ...]]");
    check_json_error(T_SMAP, "\"a\"",
                     "expected [\"map\", [[key, value], ...]]");
    check_json_error(T_SMAP, "[\"map\", {}]",
                     "[\"map\", ...] requires an array of pairs");
    check_json_error(T_SMAP, "[\"map\", [[\"a\"]]]",
                     "map element must be a [key, value] pair");
    check_json_error(T_SMAP, "[\"map\", [[\"a\", 1]]]", "expected string");
    check_json_error(T_SMAP, "[\"map\", [[\"a\", \"b\"], [1, \"c\"]]]",
                     "expected string");
    check_json_error(T_INT_UUID_MAP,
                     "[\"map\", [[0, [\"uuid\", \"nope\"]]]]",
                     "\"nope\" is not a valid UUID");
}

static void
test_datum_json_set_errors(void **state)
{
    (void) state;

    check_json_error(T_INT_SET, "[\"set\", [1, 2, 1]]",
                     "set contains duplicate value");
    check_json_error(T_STRING_SET, "[\"set\", [\"a\", \"a\"]]",
                     "set contains duplicate value");
    check_json_error(T_INT_SET, "[\"set\", 5]",
                     "[\"set\", ...] requires an array");
    check_json_error(T_INT_SET, "[\"set\", [1, \"2\"]]", "expected integer");
    check_json_error(T_INT_SET, "[\"map\", []]", NULL);
    check_json_error(T_INT_SET, "\"5\"", "expected integer");
}

static void
test_constraints(void **state)
{
    (void) state;

    /* Integer ranges. */
    check_json_error(T_VLAN_SET, "5000",
                     "5000 is not in the valid range 0 to 4095 (inclusive)");
    check_json_error(T_VLAN_SET, "[\"set\", [1, -1]]",
                     "-1 is not in the valid range 0 to 4095 (inclusive)");
    check_json(T_VLAN_SET, "[\"set\", [0, 4095]]", "[\"set\", [0, 4095]]");
    check_json_error("{\"key\": {\"type\": \"integer\", \"minInteger\": 1}}",
                     "0", "0 is less than minimum allowed value 1");
    check_json_error("{\"key\": {\"type\": \"integer\", \"maxInteger\": 9}}",
                     "10", "10 is greater than maximum allowed value 9");

    /* Reals. */
    check_json_error("{\"key\": {\"type\": \"real\", \"minReal\": 0, "
                     "\"maxReal\": 1}}", "1.5",
                     "1.5 is not in the valid range 0 to 1 (inclusive)");
    check_json("{\"key\": {\"type\": \"real\", \"minReal\": 0, "
               "\"maxReal\": 1}}", "1", "1.0");

    /* Enums, listed in sorted order. */
    check_json_error(T_FAIL_MODE, "\"bogus\"",
                     "bogus is not one of the allowed values "
                     "(secure, standalone)");
    check_json_error(T_FAIL_MODE, "\"\"",
                     "\"\" is not one of the allowed values "
                     "(secure, standalone)");
    check_json(T_FAIL_MODE, "\"secure\"", "\"secure\"");
    check_json_error("{\"key\": {\"type\": \"integer\", \"enum\": "
                     "[\"set\", [3, 1]]}}", "2",
                     "2 is not one of the allowed values (1, 3)");

    /* String lengths count UTF-8 characters, not bytes. */
    check_json_error("{\"key\": {\"type\": \"string\", \"minLength\": 2}}",
                     "\"a\"",
                     "\"a\" length 1 is less than minimum allowed length 2");
    check_json_error("{\"key\": {\"type\": \"string\", \"maxLength\": 3}}",
                     "\"abcd\"",
                     "\"abcd\" length 4 is greater than maximum allowed "
                     "length 3");
    check_json("{\"key\": {\"type\": \"string\", \"maxLength\": 3}}",
               "\"\\u00e9\\u00e9\\u00e9\"", "\"\\u00e9\\u00e9\\u00e9\"");

    /* Element counts. */
    check_json_error("{\"key\": \"integer\", \"min\": 0, \"max\": 2}",
                     "[\"set\", [1, 2, 3]]",
                     "3 values when type allows at most 2");
    check_json_error(T_REQUIRED_REFS, "[\"set\", []]",
                     "0 values when type requires at least 1");

    /* db_datum_check() on a hand-built datum. */
    struct db_type type;
    struct db_datum d;
    type_init(&type, T_VLAN_SET);
    db_datum_init_integer(&d, 4096);
    char *error = db_datum_check(&d, &type);
    assert_non_null(error);
    assert_string_equal(error,
                        "4096 is not in the valid range 0 to 4095 "
                        "(inclusive)");
    free(error);
    d.keys[0].integer = 4095;
    assert_null(db_datum_check(&d, &type));
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);
}

/* Tests: command-line syntax. */

static void
test_string_integer_sets(void **state)
{
    (void) state;

    check_string(T_VLAN_SET, "10,20", "[10, 20]");
    check_string(T_VLAN_SET, "[10,20]", "[10, 20]");
    check_string(T_VLAN_SET, "10 20", "[10, 20]");
    check_string(T_VLAN_SET, " [ 20 , 10 ] ", "[10, 20]");
    check_string(T_VLAN_SET, "20,10,20", "[10, 20]");
    check_string(T_VLAN_SET, "1-10", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]");
    check_string(T_VLAN_SET, "[1-3,7,5-5]", "[1, 2, 3, 5, 7]");
    check_string(T_VLAN_SET, "4094-4095", "[4094, 4095]");
    check_string(T_VLAN_SET, "", "[]");
    check_string(T_VLAN_SET, "[]", "[]");
    check_string(T_VLAN_SET, "7", "[7]");
    check_string(T_INT_SET, "-5,-1", "[-5, -1]");

    /* A whole 0-4095 range fits. */
    struct db_type type;
    struct db_datum d;
    type_init(&type, T_VLAN_SET);
    datum_init_string(&d, &type, "0-4095");
    assert_int_equal(d.n, 4096);
    assert_int_equal(d.keys[0].integer, 0);
    assert_int_equal(d.keys[4095].integer, 4095);
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);
}

static void
test_string_scalars(void **state)
{
    (void) state;

    check_string(T_INT, "42", "42");
    check_string(T_INT, "-42", "-42");
    check_string(T_BOOL, "true", "true");
    check_string(T_BOOL, "false", "false");
    check_string(T_REAL, "2.5", "2.5");
    check_string(T_STRING, "br0", "br0");
    check_string(T_STRING, "hello world", "\"hello world\"");
    check_string(T_STRING, "\"hello world\"", "\"hello world\"");
    check_string(T_STRING, "\"\"", "\"\"");
    check_string(T_STRING, "\"true\"", "\"true\"");
    check_string(T_UUID, UUID_A, UUID_A);

    /* Optional scalars print bare, or as [] when empty. */
    check_string(T_VLAN, "100", "100");
    check_string(T_VLAN, "[100]", "100");
    check_string(T_VLAN, "[]", "[]");
    check_string(T_VLAN, "", "[]");
    check_string(T_FAIL_MODE, "secure", "secure");
    check_string(T_OPT_STRING, "\"52:54:00:aa:bb:cc\"",
                 "\"52:54:00:aa:bb:cc\"");
}

static void
test_string_maps(void **state)
{
    (void) state;

    check_string(T_SMAP, "k=v,k2=v2", "{k=v, k2=v2}");
    check_string(T_SMAP, "k2=v2 k=v", "{k=v, k2=v2}");
    check_string(T_SMAP, "{}", "{}");
    check_string(T_SMAP, "", "{}");
    check_string(T_SMAP, "{a=b}", "{a=b}");
    check_string(T_SMAP, "{ a = b , c = d }", "{a=b, c=d}");
    check_string(T_SMAP, "a=", "{a=\"\"}");
    check_string(T_SMAP,
                 "{iface-id=x, attached-mac=\"52:54:00:aa:bb:cc\"}",
                 "{attached-mac=\"52:54:00:aa:bb:cc\", iface-id=x}");
    check_string(T_SMAP, "attached-mac=52:54:00:aa:bb:cc",
                 "{attached-mac=\"52:54:00:aa:bb:cc\"}");
    check_string(T_SMAP, "\"key with space\"=\"a,b=c\"",
                 "{\"key with space\"=\"a,b=c\"}");
    check_string(T_INT_UUID_MAP, "{0=" UUID_A ", 1=" UUID_B "}",
                 "{0=" UUID_A ", 1=" UUID_B "}");

    /* Escapes in quoted strings decode as in JSON. */
    struct db_type type;
    struct db_datum d;
    type_init(&type, T_SMAP);
    datum_init_string(&d, &type, "{q=\"a\\\"b\\\\c\\n\\u00e9\"}");
    assert_string_equal(db_datum_smap_get(&d, "q"), "a\"b\\c\n\xc3\xa9");
    assert_datum_text(&d, &type, "{q=\"a\\\"b\\\\c\\n\xc3\xa9\"}");
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    check_string(T_STRING, "\"a\\\"b\\\\c\\n\\u00e9\"",
                 "\"a\\\"b\\\\c\\n\xc3\xa9\"");
}

static void
test_string_references(void **state)
{
    int calls = 0;
    struct db_symbol_table symtab = { lookup_two, &calls };
    struct db_type type;
    struct db_datum d;
    char *error;
    (void) state;

    check_string_sym(T_REF_SET, "@p1,@br0", "[" UUID_A ", " UUID_B "]",
                     &symtab);
    assert_true(calls >= 2);
    check_string_sym(T_REF_SET, "[@p1, " UUID_A "]",
                     "[" UUID_A ", " UUID_B "]", &symtab);

    type_init(&type, T_REF_SET);
    error = db_datum_from_string(&d, &type, "@nobody", &symtab);
    assert_non_null(error);
    assert_string_equal(error, "\"@nobody\" is not a known row name");
    free(error);

    /* Without a symbol table no name is known. */
    error = db_datum_from_string(&d, &type, "@p1", NULL);
    assert_non_null(error);
    assert_string_equal(error, "\"@p1\" is not a known row name");
    free(error);
    db_type_destroy(&type);

    check_string_error(T_REF_SET, "1234", "\"1234\" is not a valid UUID");
}

static void
test_string_errors(void **state)
{
    (void) state;

    check_string_error(T_STRING, "\"abc",
                       "\"abc: syntax error in quoted string");
    check_string_error(T_SMAP, "a=\"abc",
                       "\"abc: missing quote at end of quoted string");
    check_string_error(T_STRING_SET, "x,\"y",
                       "\"y: missing quote at end of quoted string");
    check_string_error(T_SMAP, "{a}", "{a}: missing \"=\" after map key a");
    check_string_error(T_SMAP, "a=b,c",
                       "a=b,c: missing \"=\" after map key c");
    check_string_error(T_SMAP, "a=1,a=2", "map contains duplicate key a");
    check_string_error(T_INT, "abc", "\"abc\" is not a valid integer");

    /* Bytes that are not UTF-8 cannot be stored: JSON (the journal, the
     * protocol) could not carry them (found by tests/fuzz/fuzz-vsctl). */
    check_string_error(T_STRING, "a\xff" "b", "string is not valid UTF-8");
    check_string_error(T_SMAP, "k\xff=v", "string is not valid UTF-8");
    check_string_error(T_SMAP, "k=\xc3", "string is not valid UTF-8");
    check_string_error(T_STRING, "\xc0\xaf", "string is not valid UTF-8");
    check_string_error(T_STRING, "\xed\xa0\x80",
                       "string is not valid UTF-8");
    check_string(T_STRING, "\"caf\xc3\xa9\"", "\"caf\xc3\xa9\"");
    check_string_error(T_INT, "12abc", "\"12abc\" is not a valid integer");
    check_string_error(T_INT, "", "\"\" is not a valid integer");
    check_string_error(T_VLAN_SET, "10,x", "\"x\" is not a valid integer");
    check_string_error(T_VLAN_SET, "5000",
                       "5000 is not in the valid range 0 to 4095 "
                       "(inclusive)");
    check_string_error(T_VLAN_SET, "4090-4100",
                       "4096 is not in the valid range 0 to 4095 "
                       "(inclusive)");
    check_string_error(T_VLAN_SET, "10-1",
                       "10-1: range end 1 is less than start 10");
    check_string_error(T_INT_SET, "1-100000", "1-100000: range too large");
    check_string_error(T_VLAN_SET, "[10,20", "[10,20: missing \"]\"");
    check_string_error(T_VLAN_SET, "[10] 20",
                       "[10] 20: trailing garbage \"20\"");
    check_string_error(T_VLAN_SET, "10]", "10]: syntax error at \"]\"");
    check_string_error(T_SMAP, "{a=b", "{a=b: missing \"}\"");
    check_string_error(T_BOOL, "yes",
                       "\"yes\" is not a valid boolean (use \"true\" or "
                       "\"false\")");
    check_string_error(T_REAL, "x", "\"x\" is not a valid real number");
    check_string_error(T_FAIL_MODE, "open",
                       "open is not one of the allowed values "
                       "(secure, standalone)");
    check_string_error(T_VLAN, "1,2",
                       "\"1,2\" has 2 values but at most 1 is allowed");
    check_string_error("{\"key\": \"integer\", \"min\": 0, \"max\": 2}",
                       "1 2 3",
                       "\"1 2 3\" has 3 values but at most 2 are allowed");
    check_string_error(T_REQUIRED_REFS, "[]", "\"[]\": a value is required");
}

/* Tests: output syntax. */

static void
test_string_quoting(void **state)
{
    static const struct {
        const char *s;
        const char *text;
    } cases[] = {
        { "x", "x" },
        { "br-int", "br-int" },
        { "eth0.100", "eth0.100" },
        { "_private", "_private" },
        { "vlan10", "vlan10" },
        { "", "\"\"" },
        { "true", "\"true\"" },
        { "false", "\"false\"" },
        { "True", "True" },
        { "0abc", "\"0abc\"" },
        { "10", "\"10\"" },
        { "-x", "\"-x\"" },
        { ".x", "\".x\"" },
        { "a:b", "\"a:b\"" },
        { "52:54:00:aa:bb:cc", "\"52:54:00:aa:bb:cc\"" },
        { "a b", "\"a b\"" },
        { "a=b", "\"a=b\"" },
        { "a,b", "\"a,b\"" },
        { "a\"b", "\"a\\\"b\"" },
        { "tcp:127.0.0.1:6653", "\"tcp:127.0.0.1:6653\"" },
        /* A string that reads as a UUID is quoted, as in ovs-vsctl. */
        { "fa3e1c2d-0000-4000-8000-000000000001",
          "\"fa3e1c2d-0000-4000-8000-000000000001\"" },
    };
    (void) state;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        union db_atom atom = { .string = (char *) cases[i].s };
        char *text = atom_text(&atom, DB_STRING);
        if (strcmp(text, cases[i].text)) {
            print_error("'%s' printed as '%s', want '%s'\n", cases[i].s,
                        text, cases[i].text);
        }
        assert_string_equal(text, cases[i].text);
        free(text);

        /* Whatever is printed reads back as the same string. */
        struct db_base_type base;
        union db_atom back;
        db_base_type_init(&base, DB_STRING);
        assert_null(db_atom_from_string(&back, &base, cases[i].text, NULL));
        assert_string_equal(back.string, cases[i].s);
        db_atom_destroy(&back, DB_STRING);
    }
}

static void
test_datum_to_string(void **state)
{
    struct db_type type;
    struct db_datum d;
    (void) state;

    type_init(&type, T_VLAN_SET);
    db_datum_init_empty(&d);
    assert_datum_text(&d, &type, "[]");
    datum_init_string(&d, &type, "20,10");
    assert_datum_text(&d, &type, "[10, 20]");
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    type_init(&type, T_SMAP);
    db_datum_init_empty(&d);
    assert_datum_text(&d, &type, "{}");
    db_type_destroy(&type);

    /* Scalars and non-empty optional values print without brackets. */
    type_init(&type, T_OPT_STRING);
    db_datum_init_string(&d, "secure");
    assert_datum_text(&d, &type, "secure");
    db_datum_destroy(&d, &type);
    assert_datum_text(&d, &type, "[]");
    db_type_destroy(&type);

    type_init(&type, T_INT);
    db_datum_init_integer(&d, -3);
    assert_datum_text(&d, &type, "-3");
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    type_init(&type, T_BOOL);
    db_datum_init_boolean(&d, true);
    assert_datum_text(&d, &type, "true");
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    type_init(&type, T_UUID);
    struct uuid u;
    assert_true(uuid_from_string(&u, UUID_B));
    db_datum_init_uuid(&d, &u);
    assert_datum_text(&d, &type, UUID_B);
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    /* A one-element set keeps its brackets. */
    type_init(&type, T_STRING_SET);
    datum_init_string(&d, &type, "\"a b\"");
    assert_int_equal(d.n, 1);
    assert_datum_text(&d, &type, "[\"a b\"]");
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);
}

static void
test_datum_to_bare(void **state)
{
    struct db_type type;
    struct db_datum d;
    char *text;
    (void) state;

    type_init(&type, T_SMAP);
    datum_init_string(&d, &type,
                      "iface-id=x, attached-mac=\"52:54:00:aa:bb:cc\"");
    text = datum_text(&d, &type, true);
    assert_string_equal(text, "attached-mac=52:54:00:aa:bb:cc iface-id=x");
    free(text);
    db_datum_destroy(&d, &type);
    db_datum_init_empty(&d);
    text = datum_text(&d, &type, true);
    assert_string_equal(text, "");
    free(text);
    db_type_destroy(&type);

    type_init(&type, T_VLAN_SET);
    datum_init_string(&d, &type, "[3,1,2]");
    text = datum_text(&d, &type, true);
    assert_string_equal(text, "1 2 3");
    free(text);
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    type_init(&type, T_STRING);
    db_datum_init_string(&d, "");
    text = datum_text(&d, &type, true);
    assert_string_equal(text, "");
    free(text);
    db_datum_destroy(&d, &type);

    union db_atom atom = { .string = "a b:c" };
    struct dstr ds = DSTR_INITIALIZER;
    db_atom_to_bare(&atom, DB_STRING, &ds);
    assert_string_equal(dstr_cstr(&ds), "a b:c");
    dstr_destroy(&ds);
    db_type_destroy(&type);
}

/* Tests: set operations. */

static void
test_datum_add(void **state)
{
    struct db_type type;
    struct db_datum d;
    union db_atom key, value;
    (void) state;

    /* Sets stay sorted and unique. */
    type_init(&type, T_INT_SET);
    db_datum_init_empty(&d);
    static const int64_t ins[] = { 5, 1, 9, 5, 3, 1 };
    for (size_t i = 0; i < ARRAY_SIZE(ins); i++) {
        key.integer = ins[i];
        db_datum_add(&d, &type, &key, NULL, false);
    }
    assert_datum_text(&d, &type, "[1, 3, 5, 9]");
    key.integer = 9;
    assert_int_equal(db_datum_find_key(&d, &key, DB_INTEGER), 3);
    key.integer = 4;
    assert_int_equal(db_datum_find_key(&d, &key, DB_INTEGER), UINT_MAX);
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    /* Maps: insert keeps the old value, replace overwrites. */
    type_init(&type, T_SMAP);
    datum_init_string(&d, &type, "a=1,c=3");
    key.string = xstrdup("a");
    value.string = xstrdup("new");
    db_datum_add(&d, &type, &key, &value, false);
    assert_datum_text(&d, &type, "{a=\"1\", c=\"3\"}");
    key.string = xstrdup("a");
    value.string = xstrdup("new");
    db_datum_add(&d, &type, &key, &value, true);
    assert_datum_text(&d, &type, "{a=new, c=\"3\"}");
    key.string = xstrdup("b");
    value.string = xstrdup("2");
    db_datum_add(&d, &type, &key, &value, false);
    assert_datum_text(&d, &type, "{a=new, b=\"2\", c=\"3\"}");
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);
}

static void
test_datum_set_ops(void **state)
{
    struct db_type type;
    struct db_datum a, b, c;
    (void) state;

    type_init(&type, T_VLAN_SET);
    datum_init_string(&a, &type, "1,2,3,4");
    datum_init_string(&b, &type, "2,4,6");
    datum_init_string(&c, &type, "7,8");

    assert_false(db_datum_includes(&a, &b, &type));
    assert_false(db_datum_excludes(&a, &b, &type));
    assert_true(db_datum_excludes(&a, &c, &type));
    assert_true(db_datum_includes(&a, &a, &type));

    db_datum_union(&a, &type, &b, false);
    assert_datum_text(&a, &type, "[1, 2, 3, 4, 6]");
    assert_true(db_datum_includes(&a, &b, &type));

    db_datum_subtract(&a, &type, &b, true);
    assert_datum_text(&a, &type, "[1, 3]");
    assert_true(db_datum_excludes(&a, &b, &type));

    /* Subtracting absent elements changes nothing. */
    db_datum_subtract(&a, &type, &c, true);
    assert_datum_text(&a, &type, "[1, 3]");

    /* Subtracting everything leaves an empty, usable set. */
    struct db_datum copy;
    db_datum_clone(&copy, &a, &type);
    db_datum_subtract(&a, &type, &copy, true);
    db_datum_destroy(&copy, &type);
    assert_int_equal(a.n, 0);
    db_datum_union(&a, &type, &c, false);
    assert_datum_text(&a, &type, "[7, 8]");

    /* Empty sets. */
    struct db_datum empty;
    db_datum_init_empty(&empty);
    assert_true(db_datum_includes(&a, &empty, &type));
    assert_true(db_datum_excludes(&a, &empty, &type));
    assert_false(db_datum_includes(&empty, &a, &type));

    db_datum_destroy(&a, &type);
    db_datum_destroy(&b, &type);
    db_datum_destroy(&c, &type);
    db_type_destroy(&type);
}

static void
test_datum_map_ops(void **state)
{
    struct db_type type, keys_type;
    struct db_datum a, b, keys;
    (void) state;

    type_init(&type, T_SMAP);
    type_init(&keys_type, T_STRING_SET);
    datum_init_string(&a, &type, "a=1,b=2,c=3");

    /* includes/excludes compare values too. */
    datum_init_string(&b, &type, "a=1,b=2");
    assert_true(db_datum_includes(&a, &b, &type));
    db_datum_destroy(&b, &type);
    datum_init_string(&b, &type, "a=1,b=9");
    assert_false(db_datum_includes(&a, &b, &type));
    assert_false(db_datum_excludes(&a, &b, &type));
    db_datum_destroy(&b, &type);
    datum_init_string(&b, &type, "b=9,z=1");
    assert_true(db_datum_excludes(&a, &b, &type));

    /* Subtracting pairs removes only matching values. */
    db_datum_subtract(&a, &type, &b, false);
    assert_datum_text(&a, &type, "{a=\"1\", b=\"2\", c=\"3\"}");
    db_datum_destroy(&b, &type);
    datum_init_string(&b, &type, "b=2,c=9");
    db_datum_subtract(&a, &type, &b, false);
    assert_datum_text(&a, &type, "{a=\"1\", c=\"3\"}");

    /* Subtracting a set of keys removes whatever the value. */
    datum_init_string(&keys, &keys_type, "c,zz");
    db_datum_subtract(&a, &type, &keys, true);
    assert_datum_text(&a, &type, "{a=\"1\"}");

    /* Union: without 'replace' existing keys win. */
    db_datum_destroy(&b, &type);
    datum_init_string(&b, &type, "a=new,d=4");
    db_datum_union(&a, &type, &b, false);
    assert_datum_text(&a, &type, "{a=\"1\", d=\"4\"}");
    db_datum_union(&a, &type, &b, true);
    assert_datum_text(&a, &type, "{a=new, d=\"4\"}");
    /* 'b' is untouched (union copies). */
    assert_datum_text(&b, &type, "{a=new, d=\"4\"}");

    db_datum_destroy(&keys, &keys_type);
    db_datum_destroy(&a, &type);
    db_datum_destroy(&b, &type);
    db_type_destroy(&keys_type);
    db_type_destroy(&type);
}

static void
test_datum_compare_clone(void **state)
{
    struct db_type type;
    struct db_datum a, b, c;
    (void) state;

    type_init(&type, T_SMAP);
    datum_init_string(&a, &type, "a=1,b=2");
    db_datum_clone(&b, &a, &type);
    assert_true(db_datum_equals(&a, &b, &type));
    assert_int_equal(db_datum_hash(&a, &type, 1), db_datum_hash(&b, &type, 1));
    assert_ptr_not_equal(a.keys[0].string, b.keys[0].string);

    datum_init_string(&c, &type, "a=1,b=3");
    assert_false(db_datum_equals(&a, &c, &type));
    assert_true(db_datum_compare(&a, &c, &type) < 0);
    db_datum_destroy(&c, &type);
    datum_init_string(&c, &type, "a=1");
    assert_false(db_datum_equals(&a, &c, &type));
    assert_true(db_datum_compare(&c, &a, &type) < 0);

    db_datum_swap(&a, &c);
    assert_int_equal(a.n, 1);
    assert_int_equal(c.n, 2);

    db_datum_destroy(&a, &type);
    db_datum_destroy(&b, &type);
    db_datum_destroy(&c, &type);
    db_type_destroy(&type);

    /* Defaults: one atom when n_min is 1, none otherwise. */
    type_init(&type, T_REQUIRED_REFS);
    db_datum_init_default(&a, &type);
    assert_int_equal(a.n, 1);
    assert_true(uuid_is_zero(&a.keys[0].uuid));
    db_datum_destroy(&a, &type);
    db_type_destroy(&type);
    type_init(&type, T_SMAP);
    db_datum_init_default(&a, &type);
    assert_int_equal(a.n, 0);
    db_type_destroy(&type);
    type_init(&type, T_STRING);
    db_datum_init_default(&a, &type);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.keys[0].string, "");
    db_datum_destroy(&a, &type);
    db_type_destroy(&type);
}

static void
test_smap_get(void **state)
{
    struct db_type type;
    struct db_datum d;
    (void) state;

    type_init(&type, T_SMAP);
    db_datum_init_empty(&d);
    assert_null(db_datum_smap_get(&d, "a"));

    datum_init_string(&d, &type,
                      "iface-id=vif1,attached-mac=\"52:54:00:aa:bb:cc\","
                      "empty=\"\"");
    assert_string_equal(db_datum_smap_get(&d, "iface-id"), "vif1");
    assert_string_equal(db_datum_smap_get(&d, "attached-mac"),
                        "52:54:00:aa:bb:cc");
    assert_string_equal(db_datum_smap_get(&d, "empty"), "");
    assert_null(db_datum_smap_get(&d, "iface"));
    assert_null(db_datum_smap_get(&d, "vif1"));
    assert_null(db_datum_smap_get(&d, ""));
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    /* A set of strings has no values. */
    type_init(&type, T_STRING_SET);
    datum_init_string(&d, &type, "a,b");
    assert_null(db_datum_smap_get(&d, "a"));
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);
}

static void
test_sort_unique(void **state)
{
    struct db_type type;
    struct db_datum d;
    union db_atom key, value;
    char *error;
    (void) state;

    /* Sets: duplicates silently collapse. */
    type_init(&type, T_STRING_SET);
    db_datum_init_empty(&d);
    static const char *const words[] = { "b", "a", "b", "c", "a" };
    for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
        d.keys = xrealloc(d.keys, (d.n + 1) * sizeof *d.keys);
        d.keys[d.n++].string = xstrdup(words[i]);
    }
    error = db_datum_sort_unique(&d, &type);
    assert_null(error);
    assert_datum_text(&d, &type, "[a, b, c]");
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);

    /* Maps: a conflicting duplicate is reported. */
    type_init(&type, T_SMAP);
    db_datum_init_empty(&d);
    for (int i = 0; i < 2; i++) {
        key.string = xstrdup("k");
        value.string = xasprintf("v%d", i);
        d.keys = xrealloc(d.keys, (d.n + 1) * sizeof *d.keys);
        d.values = xrealloc(d.values, (d.n + 1) * sizeof *d.values);
        d.keys[d.n] = key;
        d.values[d.n++] = value;
    }
    error = db_datum_sort_unique(&d, &type);
    assert_non_null(error);
    assert_string_equal(error, "map contains duplicate key k");
    assert_int_equal(d.n, 1);
    free(error);
    db_datum_destroy(&d, &type);
    db_type_destroy(&type);
}

int
test_db_data_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_json),
        cmocka_unit_test(test_type_shapes),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_type_describe),
        cmocka_unit_test(test_atom_json_roundtrip),
        cmocka_unit_test(test_atom_json_errors),
        cmocka_unit_test(test_atom_named_uuid),
        cmocka_unit_test(test_atom_compare),
        cmocka_unit_test(test_datum_json_set_vs_atom),
        cmocka_unit_test(test_datum_json_map),
        cmocka_unit_test(test_datum_json_set_errors),
        cmocka_unit_test(test_constraints),
        cmocka_unit_test(test_string_integer_sets),
        cmocka_unit_test(test_string_scalars),
        cmocka_unit_test(test_string_maps),
        cmocka_unit_test(test_string_references),
        cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_string_quoting),
        cmocka_unit_test(test_datum_to_string),
        cmocka_unit_test(test_datum_to_bare),
        cmocka_unit_test(test_datum_add),
        cmocka_unit_test(test_datum_set_ops),
        cmocka_unit_test(test_datum_map_ops),
        cmocka_unit_test(test_datum_compare_clone),
        cmocka_unit_test(test_smap_get),
        cmocka_unit_test(test_sort_unique),
    };

    return cmocka_run_group_tests_name("db-data", tests, NULL, NULL);
}
