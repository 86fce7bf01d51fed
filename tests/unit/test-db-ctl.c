/* Unit tests for db-ctl: the ovs-vsctl command language run against an
 * in-memory database, as the daemon runs it.
 *
 * The schema is a small Open_vSwitch look-alike: a root table "Root" (one
 * row) holding strong references to "Bridge" rows, which have an
 * immutable "name" (a unique index), a "tag" in 0..4095, a "trunks" set,
 * an enum "fail_mode", a string map "external_ids" and an optional
 * reference "qos" to the root table "QoS", whose "queues" map refers to
 * the root table "Queue".  Bridges are named by "name"; a QoS row by the
 * name of the bridge that points to it.  Every test starts from one
 * bridge "br0" and checks output text, error messages, exit codes and
 * that failed invocations leave the database unchanged. */
#include <config.h>
#include "tests.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "db-ctl.h"
#include "db.h"
#include "test-util.h"
#include "util.h"

static const char schema_text[] =
    "{'name': 'Test', 'version': '1.0.0', 'tables': {"
    " 'Root': {'isRoot': true, 'maxRows': 1, 'columns': {"
    "  'bridges': {'type': {'key': {'type': 'uuid', 'refTable': 'Bridge'},"
    "                       'min': 0, 'max': 'unlimited'}},"
    "  'next_cfg': {'type': 'integer'}}},"
    " 'Bridge': {'indexes': [['name']], 'columns': {"
    "  'name': {'type': 'string', 'mutable': false},"
    "  'tag': {'type': {'key': {'type': 'integer', 'minInteger': 0,"
    "                           'maxInteger': 4095}, 'min': 0, 'max': 1}},"
    "  'trunks': {'type': {'key': {'type': 'integer', 'minInteger': 0,"
    "                              'maxInteger': 4095},"
    "                      'min': 0, 'max': 4096}},"
    "  'fail_mode': {'type': {'key': {'type': 'string', 'enum': ['set',"
    "                         ['secure', 'standalone']]},"
    "                         'min': 0, 'max': 1}},"
    "  'flood_vlans': {'type': {'key': 'integer', 'min': 0, 'max': 5}},"
    "  'external_ids': {'type': {'key': 'string', 'value': 'string',"
    "                            'min': 0, 'max': 'unlimited'}},"
    "  'qos': {'type': {'key': {'type': 'uuid', 'refTable': 'QoS'},"
    "                   'min': 0, 'max': 1}}}},"
    " 'QoS': {'isRoot': true, 'columns': {"
    "  'type': {'type': 'string'},"
    "  'queues': {'type': {'key': 'integer',"
    "                      'value': {'type': 'uuid', 'refTable': 'Queue'},"
    "                      'min': 0, 'max': 'unlimited'}}}},"
    " 'Queue': {'isRoot': true, 'columns': {"
    "  'other_config': {'type': {'key': 'string', 'value': 'string',"
    "                            'min': 0, 'max': 'unlimited'}}}}}}";

static const struct ctl_table_class test_classes[] = {
    { "Bridge", { { "Bridge", "name", NULL }, { NULL, NULL, NULL } } },
    { "QoS", { { "Bridge", "name", "qos" }, { NULL, NULL, NULL } } },
};

struct fixture {
    struct db_schema *schema;
    struct db *db;
};

static struct fixture *fx;

/* Runs 'line', split at spaces; '...' groups words (quotes removed). */
static struct ctl_result
run(const char *line)
{
    char *copy = xstrdup(line);
    char *argv[64];
    int argc = 0;
    struct ctl_result r;

    for (char *p = copy; *p;) {
        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        if (*p == '\'') {
            argv[argc++] = ++p;
            p += strcspn(p, "'");
        } else {
            argv[argc++] = p;
            p += strcspn(p, " ");
        }
        if (*p) {
            *p++ = '\0';
        }
    }
    ctl_execute(fx->db, argc, argv, NULL, &r);
    free(copy);
    return r;
}

static void
expect_output(const char *line, const char *output)
{
    struct ctl_result r = run(line);
    if (r.error) {
        fail_msg("%s: unexpected error: %s", line, r.error);
    }
    assert_int_equal(r.exit_code, 0);
    assert_false(r.try_again);
    assert_string_equal(r.output, output);
    ctl_result_destroy(&r);
}

/* Checks that 'line' fails with 'error' and changes nothing. */
static void
expect_error(const char *line, const char *error)
{
    json_t *before = db_to_json(fx->db);
    struct ctl_result r = run(line);
    json_t *after = db_to_json(fx->db);

    if (!r.error) {
        fail_msg("%s: no error (output \"%s\")", line, r.output);
    }
    assert_string_equal(r.error, error);
    assert_int_equal(r.exit_code, 1);
    assert_string_equal(r.output, "");
    assert_false(r.committed);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    ctl_result_destroy(&r);
}

/* The output of 'line', which must succeed (caller frees). */
static char *
output_of(const char *line)
{
    struct ctl_result r = run(line);
    if (r.error) {
        fail_msg("%s: unexpected error: %s", line, r.error);
    }
    char *s = r.output;
    r.output = NULL;
    ctl_result_destroy(&r);
    return s;
}

static int
setup(void **state)
{
    static bool registered;

    if (!registered) {
        registered = true;
        ctl_register_table_classes(test_classes, ARRAY_SIZE(test_classes));
    }
    fx = xzalloc(sizeof *fx);
    fx->schema = test_util_schema(schema_text);
    fx->db = db_create(fx->schema);
    *state = fx;

    char *out = output_of("create Root");
    free(out);
    out = output_of("--id=@b create Bridge name=br0 -- "
                    "add Root . bridges @b");
    free(out);
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    db_destroy(f->db);
    db_schema_destroy(f->schema);
    free(f);
    fx = NULL;
    return 0;
}

static void
test_set_get(void **state)
{
    (void) state;
    expect_output("set Bridge br0 tag=5", "");
    expect_output("get Bridge br0 tag", "5\n");
    expect_output("get Bridge br0 name tag fail_mode", "br0\n5\n[]\n");
    expect_output("set Bridge br0 trunks=10,20 fail_mode=secure", "");
    expect_output("get Bridge br0 trunks fail_mode", "[10, 20]\nsecure\n");
    expect_output("--timeout=5 -- set Bridge br0 trunks=[] -- "
                  "get Bridge br0 trunks", "[]\n");
    expect_output("--data=bare get Bridge br0 trunks tag", "\n5\n");
    expect_output("--data=json get Bridge br0 tag", "5\n");
}

static void
test_map_keys(void **state)
{
    (void) state;
    expect_output("set Bridge br0 "
                  "external-ids:attached-mac=\"52:54:00:aa:bb:cc\" "
                  "external_ids:iface-id=abc", "");
    expect_output("get Bridge br0 external_ids:attached-mac",
                  "\"52:54:00:aa:bb:cc\"\n");
    expect_output("get Bridge br0 external_ids:\"iface-id\"", "abc\n");
    expect_output("get Bridge br0 external_ids",
                  "{attached-mac=\"52:54:00:aa:bb:cc\", iface-id=abc}\n");
    expect_error("get Bridge br0 external_ids:x",
                 "no key \"x\" in Bridge record \"br0\" column "
                 "external_ids");
    expect_output("--if-exists get Bridge br0 external_ids:x", "");
    expect_error("get Bridge br0 tag:x",
                 "cannot specify key to get for non-map column tag");
    expect_output("set Bridge br0 external_ids:iface-id=def", "");
    expect_output("get Bridge br0 external_ids:iface-id", "def\n");
}

static void
test_value_errors(void **state)
{
    (void) state;
    expect_output("set Bridge br0 tag=7", "");

    struct ctl_result r = run("set Bridge br0 tag=5000");
    assert_non_null(r.error);
    assert_true(str_has_prefix(r.error, "tag=5000: "));
    assert_non_null(strstr(r.error, "4095"));
    ctl_result_destroy(&r);
    expect_output("get Bridge br0 tag", "7\n");

    json_t *before = db_to_json(fx->db);
    r = run("set Bridge br0 tag=8 -- set Bridge br0 fail_mode=bogus");
    assert_non_null(r.error);
    assert_true(str_has_prefix(r.error, "fail_mode=bogus: "));
    json_t *after = db_to_json(fx->db);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    ctl_result_destroy(&r);

    expect_error("set Bridge br0 name=x",
                 "cannot modify read-only column name in table Bridge");
    expect_error("set Bridge br0 tag",
                 "tag: argument does not end in \"=\" followed by a "
                 "value.");
}

static void
test_names(void **state)
{
    (void) state;
    expect_error("get Foo x", "unknown table \"Foo\"");
    expect_error("get Bridge br0 foo",
                 "Bridge does not contain a column whose name matches "
                 "\"foo\"");
    expect_error("get Q x",
                 "\"Q\" matches multiple table names: QoS, Queue");
    expect_error("get Bridge br0 f",
                 "Bridge contains more than one column whose name matches "
                 "\"f\": fail_mode, flood_vlans");
    expect_output("set bridge br0 TAG=3", "");
    expect_output("get BRIDGE br0 ta", "3\n");
    expect_output("get br br0 na fl", "br0\n[]\n");
    expect_output("set Bridge br0 trunk=1,2", "");
    expect_output("get Bridge br0 trunks", "[1, 2]\n");
    expect_error("get Bridge br9 tag", "no row \"br9\" in table Bridge");
    expect_output("--if-exists get Bridge br9 tag", "");
    expect_output("get Root . next_cfg", "0\n");

    char *uuid = output_of("get Bridge br0 _uuid");
    char *line = xasprintf("get Bridge %.8s name", uuid);
    expect_output(line, "br0\n");
    free(line);
    uuid[UUID_LEN] = '\0';
    line = xasprintf("get Bridge %s name", uuid);
    expect_output(line, "br0\n");
    free(line);
    free(uuid);
}

static void
test_grammar(void **state)
{
    (void) state;
    expect_error("", "missing command name (use --help for help)");
    expect_error("--oneline --", "missing command name (use --help for "
                 "help)");
    expect_error("frobnicate x",
                 "unknown command 'frobnicate'; use --help for help");
    expect_error("get Bridge", "'get' command requires at least 2 "
                 "arguments");
    expect_error("-- --all get Bridge br0",
                 "'get' command has no '--all' option");
    expect_error("--if-exists create Bridge name=x",
                 "'create' command has no '--if-exists' option");
    expect_error("--frob list Bridge", "unrecognized option '--frob'");
    expect_error("--format=xml list Bridge",
                 "unknown output format \"xml\"");

    struct ctl_result r = run("--d=x list Bridge");
    assert_non_null(r.error);
    assert_non_null(strstr(r.error, "ambiguous"));
    assert_non_null(strstr(r.error, "'--db'"));
    assert_non_null(strstr(r.error, "'--dry-run'"));
    ctl_result_destroy(&r);

    r = run("--no-head --timeout 5 -t 7 --db=unix:/x -- -- comment");
    assert_null(r.error);
    assert_false(r.opts.headings);
    assert_int_equal(r.opts.timeout, 7);
    assert_string_equal(r.opts.db, "unix:/x");
    ctl_result_destroy(&r);

    r = run("--help");
    assert_null(r.error);
    assert_non_null(strstr(r.output, "wait-until TABLE RECORD"));
    ctl_result_destroy(&r);

    char *argv[] = { "--no-wait", "--if-exists", "-t", "3", "get", "x" };
    struct ctl_options opts;
    int first;
    char *error = ctl_parse_global_options(6, argv, &opts, &first);
    assert_null(error);
    assert_int_equal(first, 4);
    assert_true(opts.no_wait);
    assert_int_equal(opts.timeout, 3);
    free(opts.db);
}

static void
test_list_formats(void **state)
{
    (void) state;
    expect_output("set Bridge br0 tag=5 external_ids:a=x", "");
    expect_output("--columns=name,tag list Bridge",
                  "name                : br0\n"
                  "tag                 : 5\n");
    expect_output("--no-headings --columns=name,tag list Bridge br0",
                  "br0\n5\n");
    expect_output("--format=table --columns=name,tag,external_ids "
                  "list Bridge",
                  "name tag external_ids\n"
                  "---- --- ------------\n"
                  "br0  5   {a=x}\n");
    expect_output("--format=csv --columns=name,external_ids list Bridge",
                  "name,external_ids\nbr0,{a=x}\n");
    expect_output("--format=csv --data=bare --no-headings --columns=tag "
                  "list Bridge", "5\n");
    expect_output("--format=json -- --columns=name,tag,external_ids "
                  "list Bridge",
                  "{\"data\":[[\"br0\",5,[\"map\",[[\"a\",\"x\"]]]]],"
                  "\"headings\":[\"name\",\"tag\",\"external_ids\"]}\n");
    expect_output("--if-exists --format=list --data=json --no-headings "
                  "--columns=external_ids list Bridge br0",
                  "[\"map\",[[\"a\",\"x\"]]]\n");
    expect_output("--if-exists --format=list --data=json --no-headings "
                  "--columns=external_ids list Bridge br9", "");
    expect_output("--bare --columns=name,trunks list Bridge", "br0\n\n");
    char *out = output_of("--id=@b create Bridge name=br1 -- "
                          "add Root . bridges @b -- comment");
    free(out);

    out = output_of("--columns=name list Bridge");
    assert_true(!strcmp(out, "name                : br0\n\n"
                        "name                : br1\n")
                || !strcmp(out, "name                : br1\n\n"
                           "name                : br0\n"));
    free(out);

    out = output_of("list Bridge br0");
    assert_true(str_has_prefix(out, "_uuid               : "));
    assert_non_null(strstr(out, "\nexternal_ids        : {a=x}\n"));
    free(out);
}

static void
test_find(void **state)
{
    (void) state;
    expect_output("set Bridge br0 tag=5 trunks=1,2 external_ids:vm=a", "");
    free(output_of("--id=@b create Bridge name=br1 tag=10 trunks=1,2,3 "
                   "-- add Root . bridges @b"));
    free(output_of("--id=@b create Bridge name=br2 "
                   "external_ids:vm=b -- add Root . bridges @b"));

    expect_output("--bare --columns=name find Bridge tag=5", "br0\n");
    expect_output("--bare --columns=name find Bridge tag>5", "br1\n");
    expect_output("--bare --columns=name find Bridge tag>=10", "br1\n");
    expect_output("--bare --columns=name find Bridge "
                  "external_ids:vm=\"a\"", "br0\n");
    expect_output("--bare --columns=name find Bridge external_ids:vm!=a",
                  "br2\n");
    expect_output("--bare --columns=name find Bridge trunks{>=}3",
                  "br1\n");
    expect_output("--bare --columns=name find Bridge trunks{<}1,2,3 "
                  "trunks{>}[]",
                  "br0\n");
    expect_output("--bare --columns=name find Bridge trunks{=}1,2 tag=5",
                  "br0\n");
    expect_output("--bare --columns=name find Bridge name=br9", "");
    expect_output("--no-heading --format=csv --data=bare --columns=name "
                  "find Bridge external-ids:vm=b", "br2\n");
    expect_error("find Bridge tag=x",
                 "tag=x: \"x\" is not a valid integer");
}

static void
test_add_remove_clear(void **state)
{
    (void) state;
    expect_output("add Bridge br0 trunks 3 1 2", "");
    expect_output("get Bridge br0 trunks", "[1, 2, 3]\n");
    expect_output("remove Bridge br0 trunks 2", "");
    expect_output("get Bridge br0 trunks", "[1, 3]\n");
    expect_output("add Bridge br0 external_ids a=1 b=2", "");
    expect_output("add Bridge br0 external_ids a=9", "");
    expect_output("get Bridge br0 external_ids", "{a=\"1\", b=\"2\"}\n");
    expect_output("remove Bridge br0 external_ids a", "");
    expect_output("remove Bridge br0 external_ids b=3", "");
    expect_output("get Bridge br0 external_ids", "{b=\"2\"}\n");
    expect_output("clear Bridge br0 trunks external_ids", "");
    expect_output("get Bridge br0 trunks external_ids", "[]\n{}\n");
    expect_error("add Bridge br0 flood_vlans 1 2 3 4 5 6",
                 "\"add\" operation would put 6 values in column "
                 "flood_vlans of table Bridge but the maximum number is 5");
    expect_error("clear Root . next_cfg",
                 "\"clear\" operation cannot be applied to column next_cfg "
                 "of table Root, which is not allowed to be empty");
    expect_output("--if-exists clear Bridge br9 tag -- "
                  "--if-exists set Bridge br9 tag=1 -- "
                  "--if-exists remove Bridge br9 trunks 1", "");
}

static void
test_create_refs(void **state)
{
    (void) state;
    char *out = output_of("set Bridge br0 qos=@q -- --id=@q create QoS "
                          "type=linux-htb queues:0=@q0 -- "
                          "--id=@q0 create Queue other_config:min-rate=10");
    assert_int_equal(strlen(out), 2 * (UUID_LEN + 1));

    char *qos = output_of("get Bridge br0 qos");
    assert_int_equal(strncmp(out, qos, UUID_LEN + 1), 0);
    expect_output("get QoS br0 type", "linux-htb\n");

    char *queue = output_of("get QoS br0 queues:0");
    assert_int_equal(strcmp(out + UUID_LEN + 1, queue), 0);
    free(queue);
    free(out);

    expect_error("set Bridge br0 qos=@nope",
                 "row id \"@nope\" is referenced but never created (e.g. "
                 "with \"-- --id=@nope create ...\")");
    expect_error("--id=@a create Queue -- --id=@a create Queue",
                 "row id \"@a\" may only be specified on one --id option");

    /* Destroying a referenced row fails at commit. */
    qos[UUID_LEN] = '\0';
    char *line = xasprintf("destroy QoS %s", qos);
    struct ctl_result r = run(line);
    assert_non_null(r.error);
    assert_true(str_has_prefix(r.error, "transaction error: "));
    assert_int_equal(r.exit_code, 1);
    ctl_result_destroy(&r);
    free(line);

    line = xasprintf("clear Bridge br0 qos -- destroy QoS %s", qos);
    expect_output(line, "");
    free(line);
    expect_output("--bare --columns=type list QoS", "");
    expect_output("--id=@x get Bridge br0 -- set Root . bridges=@x", "");
    expect_output("--bare --columns=name list Bridge", "br0\n");
    free(qos);
}

static void
test_oneline_dry_run(void **state)
{
    (void) state;
    expect_output("--oneline set Bridge br0 tag=1 external_ids:a=\"x\\\\y\" "
                  "-- get Bridge br0 tag -- --columns=name,tag list Bridge "
                  "-- get Bridge br0 external_ids:a",
                  "\n1\nname                : br0\\ntag                 "
                  ": 1\n\"x\\\\\\\\y\"\n");

    json_t *before = db_to_json(fx->db);
    struct ctl_result r = run("--dry-run set Bridge br0 tag=2 -- "
                              "get Bridge br0 tag");
    assert_null(r.error);
    assert_string_equal(r.output, "2\n");
    assert_false(r.committed);
    json_t *after = db_to_json(fx->db);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    ctl_result_destroy(&r);

    r = run("set Bridge br0 tag=3");
    assert_true(r.committed);
    ctl_result_destroy(&r);
    r = run("get Bridge br0 tag");
    assert_false(r.committed);
    ctl_result_destroy(&r);
}

static void
test_wait_until(void **state)
{
    (void) state;
    expect_output("set Bridge br0 tag=5", "");
    expect_output("wait-until Bridge br0 tag=5", "");

    struct ctl_result r = run("set Bridge br0 trunks=1 -- "
                              "wait-until Bridge br0 tag=6");
    assert_null(r.error);
    assert_true(r.try_again);
    assert_false(r.committed);
    ctl_result_destroy(&r);
    expect_output("get Bridge br0 trunks", "[]\n");

    r = run("wait-until Bridge br9");
    assert_true(r.try_again);
    ctl_result_destroy(&r);
}

int test_db_ctl_run(void);

int
test_db_ctl_run(void)
{
    const struct CMUnitTest tests[] = {
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
        T(test_set_get),
        T(test_map_keys),
        T(test_value_errors),
        T(test_names),
        T(test_grammar),
        T(test_list_formats),
        T(test_find),
        T(test_add_remove_clear),
        T(test_create_refs),
        T(test_oneline_dry_run),
        T(test_wait_until),
#undef T
    };
    return cmocka_run_group_tests_name("db-ctl", tests, NULL, NULL);
}
