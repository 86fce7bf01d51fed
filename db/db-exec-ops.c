/*
 * db-exec-ops.c -- the parts of RFC 7047 "transact" that work on values:
 * conditions (the "where" member: ==, !=, <, <=, >, >=, includes and
 * excludes) and mutations (the "mutations" member of "mutate": +=, -=, *=,
 * /=, %=, insert and delete).  See db-exec.h for the overview and
 * db-exec-private.h for what this file shares with db-exec.c.
 */
#include <config.h>
#include "db-exec-private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "db-data.h"
#include "db-types.h"
#include "util.h"

/* Conditions. */

enum exec_function {
    EXEC_EQ,
    EXEC_NE,
    EXEC_LT,
    EXEC_LE,
    EXEC_GT,
    EXEC_GE,
    EXEC_INCLUDES,
    EXEC_EXCLUDES,
};

static const char *const exec_function_names[] = {
    [EXEC_EQ] = "==",
    [EXEC_NE] = "!=",
    [EXEC_LT] = "<",
    [EXEC_LE] = "<=",
    [EXEC_GT] = ">",
    [EXEC_GE] = ">=",
    [EXEC_INCLUDES] = "includes",
    [EXEC_EXCLUDES] = "excludes",
};

struct exec_cond {
    const struct db_column_schema *column;
    enum exec_function function;
    struct db_datum arg;
};

static bool
exec_function_from_name(const char *name, enum exec_function *function)
{
    for (size_t i = 0; i < ARRAY_SIZE(exec_function_names); i++) {
        if (!strcmp(name, exec_function_names[i])) {
            *function = i;
            return true;
        }
    }
    return false;
}

static bool
exec_function_is_ordering(enum exec_function function)
{
    return function >= EXEC_LT && function <= EXEC_GE;
}

/* True if values of 'type' may be compared with <, <=, >, >=: an integer
 * or real that is a scalar or optional. */
static bool
exec_type_is_ordered(const struct db_type *type)
{
    return (!db_type_is_map(type) && type->n_max == 1
            && (type->key.type == DB_INTEGER || type->key.type == DB_REAL));
}

static json_t *
exec_cond_parse_function(const struct exec_cond *cond, const char *name,
                         enum exec_function *function)
{
    if (!exec_function_from_name(name, function)) {
        return exec_error("syntax error", "Unknown function \"%s\".", name);
    }
    if (exec_function_is_ordering(*function)
        && !exec_type_is_ordered(&cond->column->type)) {
        return exec_error("syntax error", "Function \"%s\" applies only to "
                          "integer or real columns, not to column %s.",
                          name, cond->column->name);
    }
    return NULL;
}

/* Parses condition 'json', [column, function, value], into 'cond'.  On
 * success 'cond' owns a datum; on error it owns nothing. */
static json_t *
exec_cond_parse(struct exec_ctx *ctx, const struct db_table_schema *table,
                const json_t *json, struct exec_cond *cond)
{
    const json_t *fname = json_array_get(json, 1);
    json_t *error;

    if (!json_is_array(json) || json_array_size(json) != 3
        || !json_is_string(fname)) {
        return exec_error("syntax error", "A condition must be a 3-element "
                          "array [column, function, value].");
    }
    error = exec_find_column(table, json_array_get(json, 0), &cond->column);
    if (!error) {
        error = exec_cond_parse_function(cond, json_string_value(fname),
                                         &cond->function);
    }
    if (!error) {
        error = exec_parse_relaxed(ctx, &cond->column->type,
                                   json_array_get(json, 2), &cond->arg);
    }
    if (!error && exec_function_is_ordering(cond->function)
        && cond->arg.n != 1) {
        db_datum_destroy(&cond->arg, &cond->column->type);
        error = exec_error("syntax error", "Function \"%s\" needs a single "
                           "value.", json_string_value(fname));
    }
    return error;
}

void
exec_where_destroy(struct exec_where *where)
{
    for (size_t i = 0; i < where->n; i++) {
        struct exec_cond *cond = &where->conds[i];
        db_datum_destroy(&cond->arg, &cond->column->type);
    }
    free(where->conds);
    where->conds = NULL;
    where->n = 0;
}

/* Parses member "where" of 'op' into 'where' (initially empty). */
json_t *
exec_where_member(struct exec_ctx *ctx, const struct db_table_schema *table,
                  const json_t *op, struct exec_where *where)
{
    const json_t *json;
    json_t *error;

    error = exec_member(op, "where", EXEC_ARRAY, &json);
    if (error) {
        return error;
    }
    where->conds = xcalloc(json_array_size(json) + 1, sizeof *where->conds);
    for (size_t i = 0; i < json_array_size(json); i++) {
        error = exec_cond_parse(ctx, table, json_array_get(json, i),
                                &where->conds[where->n]);
        if (error) {
            return error;
        }
        where->n++;
    }
    return NULL;
}

static bool
exec_order_holds(enum exec_function function, int cmp)
{
    switch (function) {
    case EXEC_LT:
        return cmp < 0;
    case EXEC_LE:
        return cmp <= 0;
    case EXEC_GT:
        return cmp > 0;
    case EXEC_GE:
        return cmp >= 0;
    default:
        return false;
    }
}

static bool
exec_cond_holds(const struct exec_cond *cond, const struct db_row *row)
{
    const struct db_type *type = &cond->column->type;
    const struct db_datum *field = db_row_get(row, cond->column);

    switch (cond->function) {
    case EXEC_EQ:
        return db_datum_equals(field, &cond->arg, type);
    case EXEC_NE:
        return !db_datum_equals(field, &cond->arg, type);
    case EXEC_INCLUDES:
        return db_datum_includes(field, &cond->arg, type);
    case EXEC_EXCLUDES:
        return db_datum_excludes(field, &cond->arg, type);
    default:
        /* An empty optional value satisfies no comparison. */
        return (field->n == 1
                && exec_order_holds(cond->function,
                                    db_atom_compare(&field->keys[0],
                                                    &cond->arg.keys[0],
                                                    type->key.type)));
    }
}

static bool
exec_where_holds(const struct exec_where *where, const struct db_row *row)
{
    for (size_t i = 0; i < where->n; i++) {
        if (!exec_cond_holds(&where->conds[i], row)) {
            return false;
        }
    }
    return true;
}

/* Returns the UUID of a ["_uuid", "==", UUID] condition in 'where', if
 * any, which narrows the search to one row. */
static const struct uuid *
exec_where_uuid(const struct exec_where *where)
{
    for (size_t i = 0; i < where->n; i++) {
        const struct exec_cond *cond = &where->conds[i];
        if (cond->column->idx == DB_COL_UUID && cond->function == EXEC_EQ
            && cond->arg.n == 1) {
            return &cond->arg.keys[0].uuid;
        }
    }
    return NULL;
}

/* Adds to 'rows' every row of 'table' that satisfies 'where', as the
 * transaction sees it now. */
void
exec_where_collect(struct exec_ctx *ctx, const struct db_table_schema *table,
                   const struct exec_where *where, struct exec_rows *rows)
{
    const struct uuid *uuid = exec_where_uuid(where);
    const struct db_row *row;

    if (uuid) {
        row = db_txn_get(ctx->txn, table, uuid);
        if (row && exec_where_holds(where, row)) {
            exec_rows_add(rows, row);
        }
        return;
    }
    DB_TXN_FOR_EACH (row, ctx->txn, table) {
        if (exec_where_holds(where, row)) {
            exec_rows_add(rows, row);
        }
    }
}

/* Mutations. */

enum exec_mutator {
    EXEC_ADD,
    EXEC_SUB,
    EXEC_MUL,
    EXEC_DIV,
    EXEC_MOD,
    EXEC_INSERT,
    EXEC_DELETE,
};

static const char *const exec_mutator_names[] = {
    [EXEC_ADD] = "+=",
    [EXEC_SUB] = "-=",
    [EXEC_MUL] = "*=",
    [EXEC_DIV] = "/=",
    [EXEC_MOD] = "%=",
    [EXEC_INSERT] = "insert",
    [EXEC_DELETE] = "delete",
};

struct exec_mutation {
    const struct db_column_schema *column;
    enum exec_mutator mutator;
    struct db_type arg_type;    /* Unconstrained; owns nothing. */
    struct db_datum arg;
    bool arg_is_keys;           /* Map "delete" by a set of keys. */
};

static bool
exec_mutator_from_name(const char *name, enum exec_mutator *mutator)
{
    for (size_t i = 0; i < ARRAY_SIZE(exec_mutator_names); i++) {
        if (!strcmp(name, exec_mutator_names[i])) {
            *mutator = i;
            return true;
        }
    }
    return false;
}

/* Checks that 'm->mutator' suits the type of 'm->column'. */
static json_t *
exec_mutation_check_type(const struct exec_mutation *m)
{
    const struct db_type *type = &m->column->type;
    const char *name = exec_mutator_names[m->mutator];

    if (m->mutator >= EXEC_INSERT) {
        if (db_type_is_scalar(type)) {
            return exec_error("syntax error", "Mutator \"%s\" applies only "
                              "to sets and maps, not to column %s.",
                              name, m->column->name);
        }
        return NULL;
    }
    if (db_type_is_map(type)
        || (type->key.type != DB_INTEGER
            && (type->key.type != DB_REAL || m->mutator == EXEC_MOD))) {
        return exec_error("syntax error", "Mutator \"%s\" does not apply to "
                          "column %s of this type.", name, m->column->name);
    }
    return NULL;
}

/* Parses the argument of 'm' from 'json'. */
static json_t *
exec_mutation_parse_arg(struct exec_ctx *ctx, struct exec_mutation *m,
                        const json_t *json)
{
    const struct db_type *type = &m->column->type;
    struct db_type keys;
    json_t *error;

    exec_relax_type(&m->arg_type, type);
    if (m->mutator < EXEC_INSERT) {
        m->arg_type.n_min = m->arg_type.n_max = 1;
        return exec_parse_typed(ctx, &m->arg_type, json, &m->arg);
    }
    error = exec_parse_typed(ctx, &m->arg_type, json, &m->arg);
    if (error && m->mutator == EXEC_DELETE && db_type_is_map(type)) {
        /* A map "delete" may also name just the keys to remove. */
        keys = m->arg_type;
        db_base_type_init(&keys.value, DB_VOID);
        if (!exec_parse_typed(ctx, &keys, json, &m->arg)) {
            json_decref(error);
            error = NULL;
            m->arg_type = keys;
            m->arg_is_keys = true;
        }
    }
    return error;
}

/* Parses mutation 'json', [column, mutator, value], into 'm'.  On success
 * 'm' owns a datum; on error it owns nothing. */
static json_t *
exec_mutation_parse(struct exec_ctx *ctx,
                    const struct db_table_schema *table,
                    const json_t *json, struct exec_mutation *m)
{
    const char *name = json_string_value(json_array_get(json, 1));
    json_t *error;

    if (!json_is_array(json) || json_array_size(json) != 3 || !name) {
        return exec_error("syntax error", "A mutation must be a 3-element "
                          "array [column, mutator, value].");
    }
    error = exec_find_column(table, json_array_get(json, 0), &m->column);
    if (error) {
        return error;
    }
    if (m->column->idx == DB_COL_UUID || m->column->idx == DB_COL_VERSION
        || !m->column->mutable) {
        return exec_error("constraint violation", "Cannot mutate immutable "
                          "column %s in table %s.", m->column->name,
                          table->name);
    }
    if (!exec_mutator_from_name(name, &m->mutator)) {
        return exec_error("syntax error", "Unknown mutator \"%s\".", name);
    }
    error = exec_mutation_check_type(m);
    if (!error) {
        error = exec_mutation_parse_arg(ctx, m, json_array_get(json, 2));
    }
    return error;
}

void
exec_mutations_destroy(struct exec_mutations *ms)
{
    for (size_t i = 0; i < ms->n; i++) {
        db_datum_destroy(&ms->mutations[i].arg, &ms->mutations[i].arg_type);
    }
    free(ms->mutations);
}

/* Parses member "mutations" of 'op' into 'ms' (initially empty). */
json_t *
exec_mutations_member(struct exec_ctx *ctx,
                      const struct db_table_schema *table, const json_t *op,
                      struct exec_mutations *ms)
{
    const json_t *json;
    json_t *error;

    error = exec_member(op, "mutations", EXEC_ARRAY, &json);
    if (error) {
        return error;
    }
    ms->mutations = xcalloc(json_array_size(json) + 1, sizeof *ms->mutations);
    for (size_t i = 0; i < json_array_size(json); i++) {
        error = exec_mutation_parse(ctx, table, json_array_get(json, i),
                                    &ms->mutations[ms->n]);
        if (error) {
            return error;
        }
        ms->n++;
    }
    return NULL;
}

static json_t *
exec_range_error(enum exec_mutator mutator)
{
    return exec_error("range error", "Result of \"%s\" operation is out of "
                      "range.", exec_mutator_names[mutator]);
}

static json_t *
exec_domain_error(enum exec_mutator mutator)
{
    return exec_error("domain error", "Division by zero in \"%s\" "
                      "operation.", exec_mutator_names[mutator]);
}

/* Division and remainder, avoiding the undefined INT64_MIN / -1. */
static json_t *
exec_divide_integer(enum exec_mutator mutator, int64_t *x, int64_t y)
{
    if (!y) {
        return exec_domain_error(mutator);
    }
    if (y == -1) {
        if (mutator == EXEC_MOD) {
            *x = 0;
        } else if (*x == INT64_MIN) {
            return exec_range_error(mutator);
        } else {
            *x = -*x;
        }
    } else {
        *x = mutator == EXEC_DIV ? *x / y : *x % y;
    }
    return NULL;
}

static json_t *
exec_mutate_integer(enum exec_mutator mutator, int64_t *x, int64_t y)
{
    bool overflow = false;

    switch (mutator) {
    case EXEC_ADD:
        overflow = __builtin_add_overflow(*x, y, x);
        break;
    case EXEC_SUB:
        overflow = __builtin_sub_overflow(*x, y, x);
        break;
    case EXEC_MUL:
        overflow = __builtin_mul_overflow(*x, y, x);
        break;
    case EXEC_DIV:
    case EXEC_MOD:
        return exec_divide_integer(mutator, x, y);
    default:
        break;
    }
    return overflow ? exec_range_error(mutator) : NULL;
}

static json_t *
exec_mutate_real(enum exec_mutator mutator, double *x, double y)
{
    switch (mutator) {
    case EXEC_ADD:
        *x += y;
        break;
    case EXEC_SUB:
        *x -= y;
        break;
    case EXEC_MUL:
        *x *= y;
        break;
    case EXEC_DIV:
        if (y == 0.0) {
            return exec_domain_error(mutator);
        }
        *x /= y;
        break;
    default:
        break;
    }
    return isfinite(*x) ? NULL : exec_range_error(mutator);
}

/* Applies arithmetic mutation 'm' to every element of 'datum'. */
static json_t *
exec_mutate_arith(const struct exec_mutation *m, struct db_datum *datum)
{
    const struct db_type *type = &m->column->type;
    const union db_atom *y = &m->arg.keys[0];
    unsigned int n = datum->n;
    char *msg;

    for (size_t i = 0; i < datum->n; i++) {
        union db_atom *x = &datum->keys[i];
        json_t *error = (type->key.type == DB_INTEGER
                         ? exec_mutate_integer(m->mutator, &x->integer,
                                               y->integer)
                         : exec_mutate_real(m->mutator, &x->real, y->real));
        if (error) {
            return error;
        }
    }
    /* Sorting merges duplicates; RFC 7047 makes them an error. */
    msg = db_datum_sort_unique(datum, type);
    if (msg || datum->n != n) {
        free(msg);
        return exec_error("constraint violation", "Result of \"%s\" "
                          "operation on column %s contains duplicates.",
                          exec_mutator_names[m->mutator], m->column->name);
    }
    return NULL;
}

/* Applies 'm' to 'datum', a copy of the column's value, and checks the
 * result against the column's type. */
static json_t *
exec_mutation_apply(const struct exec_mutation *m, struct db_datum *datum)
{
    const struct db_type *type = &m->column->type;
    json_t *error = NULL;
    char *msg;

    if (m->mutator == EXEC_INSERT) {
        db_datum_union(datum, type, &m->arg, false);
    } else if (m->mutator == EXEC_DELETE) {
        db_datum_subtract(datum, type, &m->arg, m->arg_is_keys);
    } else {
        error = exec_mutate_arith(m, datum);
    }
    if (error) {
        return error;
    }
    msg = db_datum_check(datum, type);
    if (msg) {
        error = exec_error("constraint violation", "Column %s: %s",
                           m->column->name, msg);
        free(msg);
    }
    return error;
}

/* Applies every mutation in 'ms' to 'row'. */
json_t *
exec_mutate_row(struct exec_ctx *ctx, const struct exec_mutations *ms,
                const struct db_row *row)
{
    struct db_row *writable = db_txn_modify(ctx->txn, row);

    for (size_t i = 0; i < ms->n; i++) {
        const struct exec_mutation *m = &ms->mutations[i];
        struct db_datum value;
        json_t *error;

        db_datum_clone(&value, db_row_get(writable, m->column),
                       &m->column->type);
        error = exec_mutation_apply(m, &value);
        if (!error) {
            db_row_set(writable, m->column, &value);
        }
        db_datum_destroy(&value, &m->column->type);
        if (error) {
            return error;
        }
    }
    return NULL;
}
