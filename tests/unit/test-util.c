/* Helpers shared by the unit-test modules.  See test-util.h. */
#include <config.h>
#include "test-util.h"

#include <stdlib.h>
#include "db.h"
#include "tests.h"
#include "util.h"

json_t *
test_util_json(const char *text)
{
    char *copy = xstrdup(text);
    json_error_t err;
    json_t *json;

    for (char *p = copy; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    json = json_loads(copy, JSON_DECODE_ANY, &err);
    if (!json) {
        fail_msg("bad test JSON: %s: %s", err.text, copy);
    }
    free(copy);
    return json;
}

struct db_schema *
test_util_schema(const char *text)
{
    json_t *json = test_util_json(text);
    struct db_schema *schema = NULL;
    char *error = db_schema_from_json(json, &schema);

    json_decref(json);
    if (error) {
        fail_msg("schema: %s", error);
    }
    return schema;
}
