/* RFC 7047 "transact" execution.  See db-exec.h for the overview.  The
 * conditions and mutations of the operations are in db-exec-ops.c. */
#include <config.h>
#include "db-exec.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "db-data.h"
#include "db-exec-private.h"
#include "db-types.h"
#include "hmap.h"
#include "util.h"
#include "uuid.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db_exec);

/* A name bound by an insert's "uuid-name", in exec_ctx's 'symbols'. */
struct exec_symbol {
    struct hmap_node node;      /* Hashed by 'name'. */
    char *name;
    struct uuid uuid;
    bool created;               /* Its insert has executed. */
};

/* Error objects. */

/* Returns a new RFC 7047 error object with the given 'tag' and details. */
json_t *
exec_error(const char *tag, const char *format, ...)
{
    va_list args;
    char *details;
    json_t *error;

    va_start(args, format);
    details = xvasprintf(format, args);
    va_end(args);
    error = json_pack("{s:s, s:s}", "error", tag, "details", details);
    free(details);
    return error;
}

/* Like exec_error(), but takes ownership of the message 'msg'. */
static json_t *
exec_error_take(const char *tag, char *msg)
{
    json_t *error = exec_error(tag, "%s", msg);
    free(msg);
    return error;
}

/* Operation members. */

static const char *
exec_op_name(const json_t *op)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    return name ? name : "(unnamed)";
}

static bool
exec_json_has_type(const json_t *value, unsigned int flags)
{
    return ((flags & EXEC_ANY)
            || ((flags & EXEC_STRING) && json_is_string(value))
            || ((flags & EXEC_ARRAY) && json_is_array(value))
            || ((flags & EXEC_OBJECT) && json_is_object(value))
            || ((flags & EXEC_BOOLEAN) && json_is_boolean(value))
            || ((flags & EXEC_NUMBER) && json_is_number(value)));
}

/* Stores member 'name' of 'op' in '*valuep' (NULL if absent and 'flags'
 * has EXEC_OPTIONAL).  Returns NULL or an error if the member is missing
 * or has none of the JSON types in 'flags'. */
json_t *
exec_member(const json_t *op, const char *name, unsigned int flags,
            const json_t **valuep)
{
    const json_t *value = json_object_get(op, name);

    *valuep = value;
    if (!value) {
        if (flags & EXEC_OPTIONAL) {
            return NULL;
        }
        return exec_error("syntax error",
                          "\"%s\" operation lacks required member \"%s\".",
                          exec_op_name(op), name);
    }
    if (!exec_json_has_type(value, flags)) {
        return exec_error("syntax error",
                          "Member \"%s\" of \"%s\" operation has the wrong "
                          "type.", name, exec_op_name(op));
    }
    return NULL;
}

/* Returns NULL if every member of 'op' other than "op" is in the
 * NULL-terminated 'allowed', otherwise an error. */
static json_t *
exec_check_members(const json_t *op, const char *const *allowed)
{
    const char *key;
    json_t *value;

    json_object_foreach ((json_t *) op, key, value) {
        bool ok = !strcmp(key, "op");
        for (const char *const *p = allowed; !ok && *p; p++) {
            ok = !strcmp(key, *p);
        }
        if (!ok) {
            return exec_error("syntax error",
                              "\"%s\" operation has unknown member \"%s\".",
                              exec_op_name(op), key);
        }
    }
    return NULL;
}

/* Finds the table named by member "table" of 'op'. */
static json_t *
exec_table_member(struct exec_ctx *ctx, const json_t *op,
                  const struct db_table_schema **tablep)
{
    const json_t *name;
    json_t *error;

    *tablep = NULL;
    error = exec_member(op, "table", EXEC_STRING, &name);
    if (error) {
        return error;
    }
    *tablep = db_schema_find_table(ctx->schema, json_string_value(name));
    if (!*tablep) {
        return exec_error("unknown table", "No table named %s.",
                          json_string_value(name));
    }
    return NULL;
}

/* Finds column 'json' (which must be a string) in 'table'. */
json_t *
exec_find_column(const struct db_table_schema *table, const json_t *json,
                 const struct db_column_schema **columnp)
{
    const char *name = json_string_value(json);

    *columnp = NULL;
    if (!name) {
        return exec_error("syntax error", "Column name must be a string.");
    }
    *columnp = db_table_find_column(table, name);
    if (!*columnp) {
        return exec_error("unknown column", "No column %s in table %s.",
                          name, table->name);
    }
    return NULL;
}

/* Values. */

/* Initializes 'relaxed' as 'type' without constraints: same atomic types,
 * any number of elements, no ranges, lengths or enums.  It owns nothing,
 * so it needs no destruction. */
void
exec_relax_type(struct db_type *relaxed, const struct db_type *type)
{
    db_type_init(relaxed);
    db_base_type_init(&relaxed->key, type->key.type);
    db_base_type_init(&relaxed->value, type->value.type);
    relaxed->n_min = 0;
    relaxed->n_max = DB_N_UNLIMITED;
}

/* Parses 'json' as a value of 'type', resolving named UUIDs.  A malformed
 * value is a "syntax error".  On error '*datum' is left empty. */
json_t *
exec_parse_typed(struct exec_ctx *ctx, const struct db_type *type,
                 const json_t *json, struct db_datum *datum)
{
    char *msg = db_datum_from_json(datum, type, json, &ctx->symtab);
    if (msg) {
        db_datum_init_empty(datum);
        return exec_error_take("syntax error", msg);
    }
    return NULL;
}

/* Parses 'json' as a value of 'type' without checking its constraints. */
json_t *
exec_parse_relaxed(struct exec_ctx *ctx, const struct db_type *type,
                   const json_t *json, struct db_datum *datum)
{
    struct db_type relaxed;

    exec_relax_type(&relaxed, type);
    return exec_parse_typed(ctx, &relaxed, json, datum);
}

/* Parses 'json' as a value for 'column'.  A malformed value is a "syntax
 * error", one that breaks the column's constraints a "constraint
 * violation". */
static json_t *
exec_parse_value(struct exec_ctx *ctx, const struct db_column_schema *column,
                 const json_t *json, struct db_datum *datum)
{
    json_t *error;
    char *msg;

    error = exec_parse_relaxed(ctx, &column->type, json, datum);
    if (error) {
        return error;
    }
    msg = db_datum_check(datum, &column->type);
    if (msg) {
        error = exec_error("constraint violation", "Column %s: %s",
                           column->name, msg);
        free(msg);
        db_datum_destroy(datum, &column->type);
        db_datum_init_empty(datum);
        return error;
    }
    return NULL;
}

static json_t *
exec_uuid_to_json(const struct uuid *uuid)
{
    char s[UUID_LEN + 1];

    uuid_to_string(uuid, s);
    return json_pack("[s, s]", "uuid", s);
}

/* Parses a UUID written as a plain string or as ["uuid", string]. */
static bool
exec_uuid_from_json(const json_t *json, struct uuid *uuid)
{
    if (json_is_array(json) && json_array_size(json) == 2
        && json_is_string(json_array_get(json, 0))
        && !strcmp(json_string_value(json_array_get(json, 0)), "uuid")) {
        json = json_array_get(json, 1);
    }
    return json_is_string(json) && uuid_from_string(uuid,
                                                    json_string_value(json));
}

/* Named UUIDs. */

/* A request may bind any number of names (tens of thousands in one bulk
 * insert), and every ["named-uuid", name] looks one up, so they are
 * hashed. */
static struct exec_symbol *
exec_symbol_find(const struct exec_ctx *ctx, const char *name)
{
    struct exec_symbol *symbol;

    HMAP_FOR_EACH_WITH_HASH (symbol, node, hash_string(name, 0),
                             &ctx->symbols) {
        if (!strcmp(symbol->name, name)) {
            return symbol;
        }
    }
    return NULL;
}

static struct exec_symbol *
exec_symbol_add(struct exec_ctx *ctx, const char *name,
                const struct uuid *uuid)
{
    struct exec_symbol *symbol = xmalloc(sizeof *symbol);

    symbol->name = xstrdup(name);
    if (uuid) {
        symbol->uuid = *uuid;
    } else {
        uuid_generate(&symbol->uuid);
    }
    symbol->created = false;
    hmap_insert(&ctx->symbols, &symbol->node, hash_string(name, 0));
    return symbol;
}

static void
exec_symbols_destroy(struct exec_ctx *ctx)
{
    struct exec_symbol *symbol, *next;

    HMAP_FOR_EACH_SAFE (symbol, next, node, &ctx->symbols) {
        hmap_remove(&ctx->symbols, &symbol->node);
        free(symbol->name);
        free(symbol);
    }
    hmap_destroy(&ctx->symbols);
}

/* The "struct db_symbol_table" callback: resolves ["named-uuid", name]. */
static bool
exec_symbol_lookup(void *ctx_, const char *name, struct uuid *uuid)
{
    const struct exec_symbol *symbol = exec_symbol_find(ctx_, name);

    if (symbol) {
        *uuid = symbol->uuid;
        return true;
    }
    return false;
}

/* Binds every "uuid-name" of an insert in 'params' before anything runs,
 * so that operations may refer to rows inserted after them.  A name used
 * twice keeps its first binding; the second insert then fails. */
static void
exec_scan_names(struct exec_ctx *ctx, const json_t *params)
{
    for (size_t i = 1; i < json_array_size(params); i++) {
        const json_t *op = json_array_get(params, i);
        const char *opname = json_string_value(json_object_get(op, "op"));
        const char *name;
        struct uuid uuid;

        name = json_string_value(json_object_get(op, "uuid-name"));
        if (!opname || strcmp(opname, "insert") || !name
            || exec_symbol_find(ctx, name)) {
            continue;
        }
        exec_symbol_add(ctx, name,
                        (exec_uuid_from_json(json_object_get(op, "uuid"),
                                             &uuid) ? &uuid : NULL));
    }
}

/* True if 's' is an RFC 7047 <id>: a letter or underscore followed by
 * letters, digits and underscores. */
static bool
exec_is_id(const char *s)
{
    if (!isalpha((unsigned char) *s) && *s != '_') {
        return false;
    }
    for (s++; *s; s++) {
        if (!isalnum((unsigned char) *s) && *s != '_') {
            return false;
        }
    }
    return true;
}

/* Row lists. */

void
exec_rows_add(struct exec_rows *rows, const struct db_row *row)
{
    if (rows->n >= rows->allocated) {
        rows->allocated = rows->allocated ? 2 * rows->allocated : 8;
        rows->rows = xrealloc(rows->rows,
                              rows->allocated * sizeof *rows->rows);
    }
    rows->rows[rows->n++] = row;
}

static void
exec_rows_destroy(struct exec_rows *rows)
{
    free(rows->rows);
}

/* Column lists ("columns" of select and wait). */

struct exec_columns {
    const struct db_column_schema **columns;
    size_t n;
};

/* Parses member "columns" of 'op'; without it, every column. */
static json_t *
exec_columns_member(const json_t *op, const struct db_table_schema *table,
                    struct exec_columns *columns)
{
    const json_t *json;
    json_t *error;
    size_t n;

    error = exec_member(op, "columns", EXEC_ARRAY | EXEC_OPTIONAL, &json);
    if (error) {
        return error;
    }
    n = json ? json_array_size(json) : table->n_columns;
    columns->columns = xcalloc(n + 1, sizeof *columns->columns);
    for (size_t i = 0; i < n; i++) {
        if (!json) {
            columns->columns[columns->n++] = &table->columns[i];
            continue;
        }
        error = exec_find_column(table, json_array_get(json, i),
                                 &columns->columns[columns->n++]);
        if (error) {
            return error;
        }
    }
    return NULL;
}

static void
exec_columns_destroy(struct exec_columns *columns)
{
    free(columns->columns);
}

/* Returns 'row' as a JSON object with just 'columns'. */
static json_t *
exec_project(const struct db_row *row, const struct exec_columns *columns)
{
    json_t *object = json_object();

    for (size_t i = 0; i < columns->n; i++) {
        const struct db_column_schema *column = columns->columns[i];
        json_object_set_new(object, column->name,
                            db_datum_to_json(db_row_get(row, column),
                                             &column->type));
    }
    return object;
}

static json_t *
exec_project_rows(const struct exec_rows *rows,
                  const struct exec_columns *columns)
{
    json_t *array = json_array();

    for (size_t i = 0; i < rows->n; i++) {
        json_array_append_new(array, exec_project(rows->rows[i], columns));
    }
    return array;
}

/* The reply's size.  Each result is counted as it is added, by its
 * compact serialized length, so that a request cannot make the daemon
 * build gigabytes of reply (50,000 selects of a row with a 20 kB column)
 * only for the output limit to refuse it at the end. */

/* Adds 'json', about to become part of the reply, to the reply's size.
 * Returns true if the reply is still within DB_EXEC_MAX_REPLY. */
static bool
exec_reply_add(struct exec_ctx *ctx, const json_t *json)
{
    ctx->reply_size += json_dumpb(json, NULL, 0, JSON_COMPACT) + 1;
    return ctx->reply_size <= DB_EXEC_MAX_REPLY;
}

static json_t *
exec_reply_too_big(void)
{
    return exec_error("resources exhausted", "The reply would exceed %d "
                      "MiB; select fewer rows or columns, or split the "
                      "transaction.", DB_EXEC_MAX_REPLY / (1024 * 1024));
}

/* Like exec_project_rows() for a reply: counts each row as it is built and
 * returns NULL as soon as the reply would be too big. */
static json_t *
exec_project_reply_rows(struct exec_ctx *ctx, const struct exec_rows *rows,
                        const struct exec_columns *columns)
{
    json_t *array = json_array();

    for (size_t i = 0; i < rows->n; i++) {
        json_t *row = exec_project(rows->rows[i], columns);
        if (!exec_reply_add(ctx, row)) {
            json_decref(row);
            json_decref(array);
            return NULL;
        }
        json_array_append_new(array, row);
    }
    return array;
}

/* Row values ("row" of insert and update). */

struct exec_value {
    const struct db_column_schema *column;
    struct db_datum datum;
};

struct exec_values {
    struct exec_value *values;
    size_t n;
};

static json_t *
exec_check_writable(const struct db_table_schema *table,
                    const struct db_column_schema *column, bool update)
{
    if (column->idx == DB_COL_UUID || column->idx == DB_COL_VERSION) {
        return exec_error("constraint violation", "Column %s of table %s "
                          "cannot be written.", column->name, table->name);
    }
    if (update && !column->mutable) {
        return exec_error("constraint violation", "Cannot update immutable "
                          "column %s in table %s.", column->name,
                          table->name);
    }
    return NULL;
}

/* Parses 'json', a <row> object, into 'values' (initially empty).
 * 'update' forbids immutable columns. */
static json_t *
exec_values_parse(struct exec_ctx *ctx, const struct db_table_schema *table,
                  const json_t *json, bool update,
                  struct exec_values *values)
{
    const char *name;
    json_t *value;

    values->values = xcalloc(json_object_size(json) + 1,
                             sizeof *values->values);
    json_object_foreach ((json_t *) json, name, value) {
        struct exec_value *v = &values->values[values->n];
        const struct db_column_schema *column;
        json_t *error;

        column = db_table_find_column(table, name);
        if (!column) {
            return exec_error("unknown column", "No column %s in table %s.",
                              name, table->name);
        }
        error = exec_check_writable(table, column, update);
        if (!error) {
            error = exec_parse_value(ctx, column, value, &v->datum);
        }
        if (error) {
            return error;
        }
        v->column = column;
        values->n++;
    }
    return NULL;
}

static void
exec_values_destroy(struct exec_values *values)
{
    for (size_t i = 0; i < values->n; i++) {
        struct exec_value *v = &values->values[i];
        db_datum_destroy(&v->datum, &v->column->type);
    }
    free(values->values);
}

/* Writes a copy of every value in 'values' into 'row'. */
static void
exec_values_apply(const struct exec_values *values, struct db_row *row)
{
    for (size_t i = 0; i < values->n; i++) {
        const struct exec_value *v = &values->values[i];
        struct db_datum copy;

        db_datum_clone(&copy, &v->datum, &v->column->type);
        db_row_set(row, v->column, &copy);
        db_datum_destroy(&copy, &v->column->type);
    }
}

/* Operations.  Each returns NULL and stores its result object in
 * '*result', or returns an error object. */

/* True if a row with 'uuid' exists in any table in the transaction. */
static bool
exec_uuid_exists(struct exec_ctx *ctx, const struct uuid *uuid)
{
    for (size_t i = 0; i < ctx->schema->n_tables; i++) {
        if (db_txn_get(ctx->txn, &ctx->schema->tables[i], uuid)) {
            return true;
        }
    }
    return false;
}

/* Chooses the UUID for an insert from its "uuid" and "uuid-name" members.
 * Sets '*have_uuid' to false if the database should pick one. */
static json_t *
exec_insert_uuid(struct exec_ctx *ctx, const json_t *name_json,
                 const json_t *uuid_json, struct uuid *uuid, bool *have_uuid)
{
    const char *name = json_string_value(name_json);
    struct exec_symbol *symbol;

    *have_uuid = uuid_json != NULL;
    if (uuid_json && !exec_uuid_from_json(uuid_json, uuid)) {
        return exec_error("syntax error", "\"uuid\" must be a UUID.");
    }
    if (uuid_json && exec_uuid_exists(ctx, uuid)) {
        return exec_error("duplicate uuid", "Row " UUID_FMT " already "
                          "exists.", UUID_ARGS(uuid));
    }
    if (!name) {
        return NULL;
    }
    if (!exec_is_id(name)) {
        return exec_error("syntax error", "\"%s\" is not a valid uuid-name.",
                          name);
    }
    symbol = exec_symbol_find(ctx, name);
    if (!symbol) {
        symbol = exec_symbol_add(ctx, name, uuid_json ? uuid : NULL);
    }
    if (symbol->created) {
        return exec_error("duplicate uuid-name", "uuid-name \"%s\" is "
                          "already used by an earlier insert.", name);
    }
    symbol->created = true;
    *uuid = symbol->uuid;
    *have_uuid = true;
    return NULL;
}

static json_t *
exec_insert(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const struct db_table_schema *table;
    const json_t *row_json, *name_json, *uuid_json;
    struct exec_values values = { NULL, 0 };
    struct uuid uuid;
    bool have_uuid;
    json_t *error;

    error = exec_table_member(ctx, op, &table);
    if (!error) {
        error = exec_member(op, "row", EXEC_OBJECT | EXEC_OPTIONAL,
                            &row_json);
    }
    if (!error) {
        error = exec_member(op, "uuid-name", EXEC_STRING | EXEC_OPTIONAL,
                            &name_json);
    }
    if (!error) {
        exec_member(op, "uuid", EXEC_ANY | EXEC_OPTIONAL, &uuid_json);
        error = exec_insert_uuid(ctx, name_json, uuid_json, &uuid,
                                 &have_uuid);
    }
    if (!error && row_json) {
        error = exec_values_parse(ctx, table, row_json, false, &values);
    }
    if (!error) {
        struct db_row *row = db_txn_insert(ctx->txn, table,
                                           have_uuid ? &uuid : NULL);
        exec_values_apply(&values, row);
        *result = json_pack("{s:o}", "uuid",
                            exec_uuid_to_json(db_row_uuid(row)));
    }
    exec_values_destroy(&values);
    return error;
}

/* Parses the "table" and "where" members shared by most operations. */
static json_t *
exec_table_where(struct exec_ctx *ctx, const json_t *op,
                 const struct db_table_schema **tablep,
                 struct exec_where *where)
{
    json_t *error = exec_table_member(ctx, op, tablep);
    return error ? error : exec_where_member(ctx, *tablep, op, where);
}

static json_t *
exec_select(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const struct db_table_schema *table;
    struct exec_where where = { NULL, 0 };
    struct exec_columns columns = { NULL, 0 };
    struct exec_rows rows = { NULL, 0, 0 };
    json_t *error;

    error = exec_table_where(ctx, op, &table, &where);
    if (!error) {
        error = exec_columns_member(op, table, &columns);
    }
    if (!error) {
        json_t *array;

        exec_where_collect(ctx, table, &where, &rows);
        array = exec_project_reply_rows(ctx, &rows, &columns);
        if (array) {
            *result = json_pack("{s:o}", "rows", array);
        } else {
            ctx->reply_too_big = true;
            error = exec_reply_too_big();
        }
    }
    exec_rows_destroy(&rows);
    exec_columns_destroy(&columns);
    exec_where_destroy(&where);
    return error;
}

static json_t *
exec_count_result(size_t n)
{
    return json_pack("{s:I}", "count", (json_int_t) n);
}

static json_t *
exec_update(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const struct db_table_schema *table;
    struct exec_where where = { NULL, 0 };
    struct exec_values values = { NULL, 0 };
    struct exec_rows rows = { NULL, 0, 0 };
    const json_t *row_json;
    json_t *error;

    error = exec_table_where(ctx, op, &table, &where);
    if (!error) {
        error = exec_member(op, "row", EXEC_OBJECT, &row_json);
    }
    if (!error) {
        error = exec_values_parse(ctx, table, row_json, true, &values);
    }
    if (!error) {
        exec_where_collect(ctx, table, &where, &rows);
        for (size_t i = 0; i < rows.n; i++) {
            exec_values_apply(&values,
                              db_txn_modify(ctx->txn, rows.rows[i]));
        }
        *result = exec_count_result(rows.n);
    }
    exec_rows_destroy(&rows);
    exec_values_destroy(&values);
    exec_where_destroy(&where);
    return error;
}

static json_t *
exec_mutate(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const struct db_table_schema *table;
    struct exec_where where = { NULL, 0 };
    struct exec_mutations ms = { NULL, 0 };
    struct exec_rows rows = { NULL, 0, 0 };
    json_t *error;

    error = exec_table_where(ctx, op, &table, &where);
    if (!error) {
        error = exec_mutations_member(ctx, table, op, &ms);
    }
    if (!error) {
        exec_where_collect(ctx, table, &where, &rows);
        for (size_t i = 0; !error && i < rows.n; i++) {
            error = exec_mutate_row(ctx, &ms, rows.rows[i]);
        }
    }
    if (!error) {
        *result = exec_count_result(rows.n);
    }
    exec_rows_destroy(&rows);
    exec_mutations_destroy(&ms);
    exec_where_destroy(&where);
    return error;
}

static json_t *
exec_delete(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const struct db_table_schema *table;
    struct exec_where where = { NULL, 0 };
    struct exec_rows rows = { NULL, 0, 0 };
    json_t *error;

    error = exec_table_where(ctx, op, &table, &where);
    if (!error) {
        exec_where_collect(ctx, table, &where, &rows);
        for (size_t i = 0; i < rows.n; i++) {
            db_txn_delete(ctx->txn, rows.rows[i]);
        }
        *result = exec_count_result(rows.n);
    }
    exec_rows_destroy(&rows);
    exec_where_destroy(&where);
    return error;
}

/* Converts 'json', one of the "rows" of a wait, to the same form that
 * exec_project() gives: exactly 'columns', absent ones at their
 * defaults. */
static json_t *
exec_wait_row(struct exec_ctx *ctx, const struct db_table_schema *table,
              const struct exec_columns *columns, const json_t *json,
              json_t **rowp)
{
    const char *name;
    json_t *value;

    if (!json_is_object(json)) {
        return exec_error("syntax error", "\"rows\" of \"wait\" must be "
                          "objects.");
    }
    json_object_foreach ((json_t *) json, name, value) {
        if (!db_table_find_column(table, name)) {
            return exec_error("unknown column", "No column %s in table %s.",
                              name, table->name);
        }
    }
    *rowp = json_object();
    for (size_t i = 0; i < columns->n; i++) {
        const struct db_column_schema *column = columns->columns[i];
        struct db_datum datum;
        json_t *error = NULL;

        value = json_object_get(json, column->name);
        if (value) {
            error = exec_parse_relaxed(ctx, &column->type, value, &datum);
        } else {
            db_datum_init_default(&datum, &column->type);
        }
        if (error) {
            json_decref(*rowp);
            *rowp = NULL;
            return error;
        }
        json_object_set_new(*rowp, column->name,
                            db_datum_to_json(&datum, &column->type));
        db_datum_destroy(&datum, &column->type);
    }
    return NULL;
}

static json_t *
exec_wait_rows(struct exec_ctx *ctx, const struct db_table_schema *table,
               const struct exec_columns *columns, const json_t *json,
               json_t **rowsp)
{
    *rowsp = json_array();
    for (size_t i = 0; i < json_array_size(json); i++) {
        json_t *row = NULL;
        json_t *error = exec_wait_row(ctx, table, columns,
                                      json_array_get(json, i), &row);
        if (error) {
            json_decref(*rowsp);
            *rowsp = NULL;
            return error;
        }
        json_array_append_new(*rowsp, row);
    }
    return NULL;
}

/* True if every element of array 'a' equals some element of array 'b'. */
static bool
exec_array_subset(const json_t *a, const json_t *b)
{
    for (size_t i = 0; i < json_array_size(a); i++) {
        bool found = false;
        for (size_t j = 0; !found && j < json_array_size(b); j++) {
            found = json_equal(json_array_get(a, i), json_array_get(b, j));
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* Decides a wait whose parsed members are given: stores {} in '*result'
 * if its condition holds, else asks for a retry or times out. */
static json_t *
exec_wait_decide(struct exec_ctx *ctx, const json_t *actual,
                 const json_t *expected, bool until_eq,
                 const json_t *timeout, json_t **result)
{
    bool same = (exec_array_subset(actual, expected)
                 && exec_array_subset(expected, actual));

    if (same == until_eq) {
        *result = json_object();
        return NULL;
    }
    if (timeout && ctx->elapsed_ms >= json_number_value(timeout)) {
        return exec_error("timed out", "\"wait\" timed out after %lld ms.",
                          ctx->elapsed_ms);
    }
    ctx->retry = true;
    return NULL;
}

/* Parses the members of a wait other than "table", "where", "columns". */
static json_t *
exec_wait_members(const json_t *op, const json_t **timeout, bool *until_eq,
                  const json_t **rows)
{
    const json_t *until;
    json_t *error;

    error = exec_member(op, "timeout", EXEC_NUMBER | EXEC_OPTIONAL, timeout);
    if (!error && *timeout && json_number_value(*timeout) < 0) {
        error = exec_error("syntax error", "\"timeout\" must not be "
                           "negative.");
    }
    if (!error) {
        error = exec_member(op, "rows", EXEC_ARRAY, rows);
    }
    if (!error) {
        error = exec_member(op, "until", EXEC_STRING, &until);
    }
    if (error) {
        return error;
    }
    *until_eq = !strcmp(json_string_value(until), "==");
    if (!*until_eq && strcmp(json_string_value(until), "!=")) {
        return exec_error("syntax error", "\"until\" must be \"==\" or "
                          "\"!=\".");
    }
    return NULL;
}

static json_t *
exec_wait(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const struct db_table_schema *table;
    struct exec_where where = { NULL, 0 };
    struct exec_columns columns = { NULL, 0 };
    struct exec_rows rows = { NULL, 0, 0 };
    const json_t *timeout, *rows_json;
    json_t *expected = NULL;
    bool until_eq;
    json_t *error;

    error = exec_wait_members(op, &timeout, &until_eq, &rows_json);
    if (!error) {
        error = exec_table_where(ctx, op, &table, &where);
    }
    if (!error) {
        error = exec_columns_member(op, table, &columns);
    }
    if (!error) {
        error = exec_wait_rows(ctx, table, &columns, rows_json, &expected);
    }
    if (!error) {
        json_t *actual;

        exec_where_collect(ctx, table, &where, &rows);
        actual = exec_project_rows(&rows, &columns);
        error = exec_wait_decide(ctx, actual, expected, until_eq, timeout,
                                 result);
        json_decref(actual);
    }
    json_decref(expected);
    exec_rows_destroy(&rows);
    exec_columns_destroy(&columns);
    exec_where_destroy(&where);
    return error;
}

static json_t *
exec_commit_op(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const json_t *durable;
    json_t *error;

    (void) ctx;

    /* Every commit is durable, so "durable" changes nothing. */
    error = exec_member(op, "durable", EXEC_BOOLEAN, &durable);
    if (!error) {
        *result = json_object();
    }
    return error;
}

static json_t *
exec_abort(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    (void) ctx;
    (void) op;
    (void) result;
    return exec_error("aborted", "Aborted by request.");
}

static json_t *
exec_comment(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const json_t *comment;
    json_t *error;

    (void) ctx;
    error = exec_member(op, "comment", EXEC_STRING, &comment);
    if (!error) {
        /* Clients choose how many comments they send. */
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 20);
        VLOG_INFO_RL(&rl, "transaction comment: %s",
                     json_string_value(comment));
        *result = json_object();
    }
    return error;
}

/* We grant no locks, so asserting any lock fails. */
static json_t *
exec_assert(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const json_t *lock;
    json_t *error;

    (void) ctx;
    (void) result;
    error = exec_member(op, "lock", EXEC_STRING, &lock);
    if (!error) {
        error = exec_error("not owner", "Asserted lock %s is not held.",
                           json_string_value(lock));
    }
    return error;
}

/* Dispatch. */

struct exec_op_class {
    const char *name;
    json_t *(*execute)(struct exec_ctx *, const json_t *op, json_t **result);
    const char *const members[8];       /* Besides "op"; NULL-terminated. */
};

static const struct exec_op_class exec_op_classes[] = {
    { "insert", exec_insert, { "table", "row", "uuid-name", "uuid", NULL } },
    { "select", exec_select, { "table", "where", "columns", NULL } },
    { "update", exec_update, { "table", "where", "row", NULL } },
    { "mutate", exec_mutate, { "table", "where", "mutations", NULL } },
    { "delete", exec_delete, { "table", "where", NULL } },
    { "wait", exec_wait, { "timeout", "table", "where", "columns", "until",
                           "rows", NULL } },
    { "commit", exec_commit_op, { "durable", NULL } },
    { "abort", exec_abort, { NULL } },
    { "comment", exec_comment, { "comment", NULL } },
    { "assert", exec_assert, { "lock", NULL } },
};

static const struct exec_op_class *
exec_op_class_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(exec_op_classes); i++) {
        if (!strcmp(exec_op_classes[i].name, name)) {
            return &exec_op_classes[i];
        }
    }
    return NULL;
}

/* Executes operation 'op'. */
static json_t *
exec_op(struct exec_ctx *ctx, const json_t *op, json_t **result)
{
    const struct exec_op_class *class;
    const char *name;
    json_t *error;

    *result = NULL;
    if (!json_is_object(op)) {
        return exec_error("syntax error", "An operation must be a JSON "
                          "object.");
    }
    name = json_string_value(json_object_get(op, "op"));
    if (!name) {
        return exec_error("syntax error", "Operation lacks a string "
                          "\"op\" member.");
    }
    class = exec_op_class_find(name);
    if (!class) {
        return exec_error("unknown operation", "No operation \"%s\".",
                          name);
    }
    error = exec_check_members(op, class->members);
    return error ? error : class->execute(ctx, op, result);
}

/* Runs the operations in 'params', appending their results to 'results'.
 * Returns false if one failed.  Stops early, with nothing appended for
 * the remaining operations, if a wait asks for a retry. */
static bool
exec_run_ops(struct exec_ctx *ctx, const json_t *params, json_t *results)
{
    bool ok = true;

    for (size_t i = 1; i < json_array_size(params); i++) {
        json_t *result, *error;

        if (!ok) {
            json_array_append_new(results, json_null());
            continue;
        }
        error = exec_op(ctx, json_array_get(params, i), &result);
        if (ctx->retry || ctx->reply_too_big) {
            json_decref(result);
            json_decref(error);
            break;
        }
        if (!error && !strcmp(exec_op_name(json_array_get(params, i)),
                              "select")) {
            /* Its rows were counted as they were built. */
            ctx->reply_size += sizeof "{\"rows\":[]},";
        } else if (!exec_reply_add(ctx, error ? error : result)) {
            /* Many small results can add up, too. */
            json_decref(result);
            json_decref(error);
            ctx->reply_too_big = true;
            break;
        }
        if (error) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(600, 50);
            VLOG_DBG_RL(&rl, "\"%s\" operation failed: %s",
                        exec_op_name(json_array_get(params, i)),
                        json_string_value(json_object_get(error,
                                                          "details")));
            ok = false;
            result = error;
        }
        json_array_append_new(results, result);
    }
    return ok;
}

/* Commits the transaction, appending an error object to 'results' if the
 * commit fails.  A transaction that changed nothing is just dropped. */
static void
exec_commit(struct exec_ctx *ctx, json_t *results)
{
    const char *tag = NULL;
    char *msg;

    if (db_txn_is_empty(ctx->txn)) {
        db_txn_abort(ctx->txn);
        return;
    }
    msg = db_txn_commit(ctx->txn, &tag);
    if (msg) {
        json_array_append_new(results,
                              exec_error(tag ? tag : "constraint violation",
                                         "%s", msg));
        free(msg);
    }
}

/* Checks that 'params' is [DB-NAME, OP...] and names 'db'. */
static json_t *
exec_check_params(const struct db *db, const json_t *params)
{
    const char *name = json_string_value(json_array_get(params, 0));
    const struct db_schema *schema = db_get_schema(db);

    if (!json_is_array(params) || !name) {
        return exec_error("syntax error", "\"transact\" parameters must be "
                          "an array that starts with a database name.");
    }
    if (strcmp(name, schema->name)) {
        return exec_error("unknown database", "No database named %s.",
                          name);
    }
    return NULL;
}

json_t *
db_exec_transact(struct db *db, const json_t *params, long long elapsed_ms,
                 bool *retry, json_t **errorp)
{
    struct exec_ctx ctx;
    json_t *results;

    *retry = false;
    *errorp = exec_check_params(db, params);
    if (*errorp) {
        return NULL;
    }

    memset(&ctx, 0, sizeof ctx);
    hmap_init(&ctx.symbols);
    ctx.txn = db_txn_begin(db);
    ctx.schema = db_get_schema(db);
    ctx.symtab.lookup = exec_symbol_lookup;
    ctx.symtab.aux = &ctx;
    ctx.elapsed_ms = elapsed_ms;
    exec_scan_names(&ctx, params);

    results = json_array();
    if (!exec_run_ops(&ctx, params, results) || ctx.retry
        || ctx.reply_too_big) {
        db_txn_abort(ctx.txn);
    } else {
        exec_commit(&ctx, results);
    }
    if (ctx.retry) {
        json_decref(results);
        results = NULL;
        *retry = true;
    } else if (ctx.reply_too_big) {
        VLOG_DBG("transaction aborted: reply over %d bytes",
                 DB_EXEC_MAX_REPLY);
        json_decref(results);
        results = NULL;
        *errorp = exec_reply_too_big();
    }

    exec_symbols_destroy(&ctx);
    return results;
}
