#include <config.h>
#include "db.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

/* Schema. */

static int
compare_column_names(const void *a_, const void *b_)
{
    const struct db_column_schema *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

static void
column_init_implicit(struct db_column_schema *col, const char *name,
                     unsigned int idx)
{
    col->name = xstrdup(name);
    col->idx = idx;
    db_type_init(&col->type);
    db_base_type_init(&col->type.key, DB_UUID);
    col->mutable = false;
    col->ephemeral = false;
}

static bool
is_valid_id(const char *s)
{
    if (!*s || !(((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
                 || *s == '_')) {
        return false;
    }
    for (; *s; s++) {
        if (!(((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
              || (*s >= '0' && *s <= '9') || *s == '_')) {
            return false;
        }
    }
    return true;
}

static char *
column_from_json(struct db_column_schema *col, const char *name,
                 const json_t *j)
{
    char *error;

    if (!is_valid_id(name) || name[0] == '_') {
        return xasprintf("\"%s\" is not a valid column name", name);
    }
    if (!json_is_object(j) || !json_object_get(j, "type")) {
        return xasprintf("column \"%s\" lacks a type", name);
    }
    col->name = xstrdup(name);
    error = db_type_from_json(&col->type, json_object_get(j, "type"));
    if (error) {
        char *msg = xasprintf("column \"%s\": %s", name, error);
        free(error);
        free(col->name);
        col->name = NULL;
        return msg;
    }
    const json_t *m = json_object_get(j, "mutable");
    const json_t *e = json_object_get(j, "ephemeral");
    col->mutable = !m || json_is_true(m);
    col->ephemeral = e && json_is_true(e);
    return NULL;
}

static char *
indexes_from_json(struct db_table_schema *ts, const json_t *j)
{
    size_t i;
    const json_t *index;

    if (!j) {
        return NULL;
    }
    if (!json_is_array(j)) {
        return xasprintf("table \"%s\": \"indexes\" must be an array",
                         ts->name);
    }
    ts->n_indexes = json_array_size(j);
    ts->indexes = xcalloc(ts->n_indexes ? ts->n_indexes : 1,
                          sizeof *ts->indexes);
    ts->index_n = xcalloc(ts->n_indexes ? ts->n_indexes : 1,
                          sizeof *ts->index_n);
    json_array_foreach (j, i, index) {
        size_t k;
        const json_t *colname;
        if (!json_is_array(index) || !json_array_size(index)) {
            return xasprintf("table \"%s\": bad index", ts->name);
        }
        ts->indexes[i] = xcalloc(json_array_size(index), sizeof(unsigned));
        json_array_foreach (index, k, colname) {
            const struct db_column_schema *col
                = json_is_string(colname)
                  ? db_table_find_column(ts, json_string_value(colname))
                  : NULL;
            if (!col) {
                return xasprintf("table \"%s\": index names unknown column",
                                 ts->name);
            }
            ts->indexes[i][k] = col->idx;
        }
        ts->index_n[i] = json_array_size(index);
    }
    return NULL;
}

static char *
table_from_json(struct db_table_schema *ts, const char *name, const json_t *j)
{
    const json_t *columns = json_object_get(j, "columns");
    const char *colname;
    const json_t *colj;
    char *error = NULL;

    if (!is_valid_id(name)) {
        return xasprintf("\"%s\" is not a valid table name", name);
    }
    ts->name = xstrdup(name);
    if (!json_is_object(columns) || !json_object_size(columns)) {
        return xasprintf("table \"%s\" has no columns", name);
    }
    ts->is_root = json_is_true(json_object_get(j, "isRoot"));
    const json_t *max_rows = json_object_get(j, "maxRows");
    ts->max_rows = json_is_integer(max_rows) ? json_integer_value(max_rows)
                                             : UINT_MAX;

    ts->n_columns = 2 + json_object_size(columns);
    ts->columns = xcalloc(ts->n_columns, sizeof *ts->columns);
    column_init_implicit(&ts->columns[DB_COL_UUID], "_uuid", DB_COL_UUID);
    column_init_implicit(&ts->columns[DB_COL_VERSION], "_version",
                         DB_COL_VERSION);
    unsigned int n = 2;
    json_object_foreach ((json_t *) columns, colname, colj) {
        error = column_from_json(&ts->columns[n], colname, colj);
        if (error) {
            return error;
        }
        n++;
    }
    qsort(&ts->columns[2], n - 2, sizeof *ts->columns, compare_column_names);
    for (unsigned int i = 0; i < n; i++) {
        ts->columns[i].idx = i;
    }
    return indexes_from_json(ts, json_object_get(j, "indexes"));
}

static char *
resolve_refs(struct db_schema *schema, struct db_base_type *base)
{
    if (db_base_type_is_ref(base)) {
        const struct db_table_schema *t
            = db_schema_find_table(schema, base->u.uuid.ref_table_name);
        if (!t) {
            return xasprintf("reference to unknown table \"%s\"",
                             base->u.uuid.ref_table_name);
        }
        base->u.uuid.ref_table = (struct db_table_schema *) t;
    }
    return NULL;
}

static int
compare_table_names(const void *a_, const void *b_)
{
    const struct db_table_schema *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

char *
db_schema_from_json(const json_t *j, struct db_schema **schemap)
{
    struct db_schema *schema = xzalloc(sizeof *schema);
    const json_t *name = json_object_get(j, "name");
    const json_t *version = json_object_get(j, "version");
    const json_t *cksum = json_object_get(j, "cksum");
    const json_t *tables = json_object_get(j, "tables");
    char *error = NULL;

    *schemap = NULL;
    if (!json_is_string(name) || !json_is_object(tables)) {
        free(schema);
        return xstrdup("schema needs \"name\" and \"tables\"");
    }
    schema->name = xstrdup(json_string_value(name));
    schema->version = xstrdup(json_is_string(version)
                              ? json_string_value(version) : "0.0.0");
    schema->cksum = json_is_string(cksum)
                    ? xstrdup(json_string_value(cksum)) : NULL;
    schema->json = json_deep_copy(j);
    schema->n_tables = json_object_size(tables);
    schema->tables = xcalloc(schema->n_tables ? schema->n_tables : 1,
                             sizeof *schema->tables);

    const char *tname;
    const json_t *tj;
    unsigned int i = 0;
    json_object_foreach ((json_t *) tables, tname, tj) {
        error = table_from_json(&schema->tables[i++], tname, tj);
        if (error) {
            goto error;
        }
    }
    qsort(schema->tables, schema->n_tables, sizeof *schema->tables,
          compare_table_names);

    /* RFC 7047: a schema from before "isRoot" existed (no table has it)
     * makes every table a root, so that nothing is garbage collected. */
    bool any_root = false;
    for (i = 0; i < schema->n_tables; i++) {
        any_root = any_root || schema->tables[i].is_root;
    }
    for (i = 0; i < schema->n_tables && !any_root; i++) {
        schema->tables[i].is_root = true;
    }
    for (i = 0; i < schema->n_tables; i++) {
        struct db_table_schema *ts = &schema->tables[i];
        ts->idx = i;
        for (unsigned int c = 0; c < ts->n_columns && !error; c++) {
            error = resolve_refs(schema, &ts->columns[c].type.key);
            if (!error) {
                error = resolve_refs(schema, &ts->columns[c].type.value);
            }
        }
        if (error) {
            goto error;
        }
    }
    *schemap = schema;
    return NULL;

error:
    db_schema_destroy(schema);
    return error;
}

char *
db_schema_from_file(const char *path, struct db_schema **schemap)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j) {
        *schemap = NULL;
        return xasprintf("%s:%d: %s", path, err.line, err.text);
    }
    char *error = db_schema_from_json(j, schemap);
    json_decref(j);
    return error;
}

void
db_schema_destroy(struct db_schema *schema)
{
    if (!schema) {
        return;
    }
    for (unsigned int i = 0; i < schema->n_tables; i++) {
        struct db_table_schema *ts = &schema->tables[i];
        for (unsigned int c = 0; c < ts->n_columns; c++) {
            if (ts->columns[c].name) {
                free(ts->columns[c].name);
                db_type_destroy(&ts->columns[c].type);
            }
        }
        for (unsigned int k = 0; k < ts->n_indexes; k++) {
            free(ts->indexes[k]);
        }
        free(ts->indexes);
        free(ts->index_n);
        free(ts->columns);
        free(ts->name);
    }
    free(schema->tables);
    free(schema->name);
    free(schema->version);
    free(schema->cksum);
    json_decref(schema->json);
    free(schema);
}

const struct db_table_schema *
db_schema_find_table(const struct db_schema *schema, const char *name)
{
    for (unsigned int i = 0; i < schema->n_tables; i++) {
        if (schema->tables[i].name && !strcmp(schema->tables[i].name, name)) {
            return &schema->tables[i];
        }
    }
    return NULL;
}

const struct db_column_schema *
db_table_find_column(const struct db_table_schema *ts, const char *name)
{
    /* _uuid and _version come first; the rest are sorted by name. */
    for (unsigned int i = 0; i < 2 && i < ts->n_columns; i++) {
        if (!strcmp(ts->columns[i].name, name)) {
            return &ts->columns[i];
        }
    }
    unsigned int lo = 2, hi = ts->n_columns;
    while (lo < hi) {
        unsigned int mid = lo + (hi - lo) / 2;
        int cmp = ts->columns[mid].name
                  ? strcmp(name, ts->columns[mid].name) : 1;
        if (!cmp) {
            return &ts->columns[mid];
        } else if (cmp < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

bool
db_column_is_unique(const struct db_table_schema *ts,
                    const struct db_column_schema *col)
{
    for (unsigned int k = 0; k < ts->n_indexes; k++) {
        if (ts->index_n[k] == 1 && ts->indexes[k][0] == col->idx) {
            return true;
        }
    }
    return false;
}
