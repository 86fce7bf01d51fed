/*
 * db-ctl-cmds.c -- the generic commands of the ovs-vsctl language, which
 * work on any table: get, set, add, remove, clear, list, find, create,
 * destroy, wait-until and comment, and the "COLUMN[:KEY]=VALUE" argument
 * syntax they share with schema-specific commands (ctl_set_column()).
 */
#include <config.h>
#include "db-ctl-private.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "db-ctl.h"

/* "COLUMN[:KEY]OP VALUE" arguments. */

enum ctl_relop {
    OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE,
    OP_SET_EQ, OP_SET_NE, OP_SET_LT, OP_SET_GT, OP_SET_LE, OP_SET_GE,
};

static const struct {
    const char *text;
    enum ctl_relop op;
} ctl_relops[] = {
    /* Longest first, so that "<=" is not taken for "<". */
    { "{!=}", OP_SET_NE }, { "{<=}", OP_SET_LE }, { "{>=}", OP_SET_GE },
    { "{=}", OP_SET_EQ }, { "{<}", OP_SET_LT }, { "{>}", OP_SET_GT },
    { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
    { "=", OP_EQ }, { "<", OP_LT }, { ">", OP_GT },
};

static bool
ctl_relop_is_set(enum ctl_relop op)
{
    return op >= OP_SET_EQ;
}

struct ctl_cvk {
    const struct db_column_schema *column;
    char *key;                  /* NULL if none. */
    enum ctl_relop op;
    const char *value;          /* NULL if none (points into the arg). */
};

/* Scans a key at 'p': a JSON-style quoted string or characters up to an
 * operator.  Returns its length. */
static size_t
ctl_scan_key(const char *p)
{
    if (*p != '"') {
        return strcspn(p, "=!<>{");
    }

    size_t i = 1;
    while (p[i] && p[i] != '"') {
        i += p[i] == '\\' && p[i + 1] ? 2 : 1;
    }
    return p[i] ? i + 1 : i;
}

/* Parses 'arg' as "COLUMN[:KEY]" (if 'want_value' is false) or
 * "COLUMN[:KEY]OP VALUE"; only "=" is accepted as OP unless 'any_op'. */
static bool
ctl_parse_cvk(struct ctl_context *ctx, const struct db_table_schema *table,
              const char *arg, bool want_value, bool any_op,
              struct ctl_cvk *cvk)
{
    size_t len = strcspn(arg, ":=!<>{");
    const char *p = arg + len;

    memset(cvk, 0, sizeof *cvk);
    if (!len) {
        ctl_fatal(ctx, "%s: missing column name", arg);
        return false;
    }
    char *name = xstrndup(arg, len);
    cvk->column = ctl_find_column(ctx, table, name);
    free(name);
    if (!cvk->column) {
        return false;
    }
    if (*p == ':') {
        p++;
        size_t klen = ctl_scan_key(p);
        cvk->key = xstrndup(p, klen);
        p += klen;
    }
    if (!want_value) {
        if (*p) {
            ctl_fatal(ctx, "%s: trailing garbage \"%s\" in argument", arg,
                      p);
            return false;
        }
        return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(ctl_relops); i++) {
        const char *t = ctl_relops[i].text;
        if ((any_op || ctl_relops[i].op == OP_EQ)
            && str_has_prefix(p, t)) {
            cvk->op = ctl_relops[i].op;
            cvk->value = p + strlen(t);
            return true;
        }
    }
    ctl_fatal(ctx, "%s: argument does not end in \"=\" followed by a "
              "value.", arg);
    return false;
}

static bool
ctl_check_mutable(struct ctl_context *ctx,
                  const struct db_table_schema *table,
                  const struct db_column_schema *column, bool mutable_only)
{
    if (column->idx == DB_COL_UUID || column->idx == DB_COL_VERSION
        || (mutable_only && !column->mutable)) {
        ctl_fatal(ctx, "cannot modify read-only column %s in table %s",
                  column->name, table->name);
        return false;
    }
    return true;
}

/* Reports 'error' from db-data (and frees it) in the context of the
 * user's argument 'arg'. */
static bool
ctl_data_error(struct ctl_context *ctx, const char *arg, char *error)
{
    if (error) {
        ctl_fatal(ctx, "%s: %s", arg, error);
        free(error);
        return false;
    }
    return true;
}

/* Parses a whole value of 'type' and checks its constraints. */
static char *
ctl_parse_datum(struct ctl_context *ctx, struct db_datum *d,
                const struct db_type *type, const char *s)
{
    char *error = db_datum_from_string(d, type, s, ctl_symtab(ctx));
    if (!error) {
        error = db_datum_check(d, type);
        if (error) {
            db_datum_destroy(d, type);
        }
    }
    return error;
}

/* Parses one atom of 'base' and checks its constraints. */
static char *
ctl_parse_atom(struct ctl_context *ctx, union db_atom *atom,
               const struct db_base_type *base, const char *s)
{
    char *error = db_atom_from_string(atom, base, s, ctl_symtab(ctx));
    if (!error) {
        error = db_atom_check_constraints(atom, base);
        if (error) {
            db_atom_destroy(atom, base->type);
        }
    }
    return error;
}

/* Sets one map key of 'column' in the writable row 'w'. */
static bool
ctl_set_key(struct ctl_context *ctx, struct db_row *w,
            const struct db_column_schema *column, const char *arg,
            const char *key, const char *value)
{
    const struct db_type *type = &column->type;
    union db_atom k, v;
    struct db_datum d;

    if (!db_type_is_map(type)) {
        ctl_fatal(ctx, "cannot specify key to set for non-map column %s",
                  column->name);
        return false;
    }
    if (!ctl_data_error(ctx, arg, ctl_parse_atom(ctx, &k, &type->key,
                                                 key))) {
        return false;
    }
    if (!ctl_data_error(ctx, arg, ctl_parse_atom(ctx, &v, &type->value,
                                                 value))) {
        db_atom_destroy(&k, type->key.type);
        return false;
    }
    db_datum_clone(&d, db_row_get(w, column), type);
    db_datum_add(&d, type, &k, &v, true);
    db_row_set(w, column, &d);
    return true;
}

static bool
ctl_set_column__(struct ctl_context *ctx,
                 const struct db_table_schema *table,
                 const struct db_row *row, const char *arg,
                 bool mutable_only)
{
    struct ctl_cvk cvk;
    bool ok = false;

    if (!ctl_parse_cvk(ctx, table, arg, true, false, &cvk)) {
        goto out;
    }
    if (!ctl_check_mutable(ctx, table, cvk.column, mutable_only)) {
        goto out;
    }

    struct db_row *w = db_txn_modify(ctx->txn, row);
    if (cvk.key) {
        ok = ctl_set_key(ctx, w, cvk.column, arg, cvk.key, cvk.value);
    } else {
        struct db_datum d;
        ok = ctl_data_error(ctx, arg, ctl_parse_datum(ctx, &d,
                                                      &cvk.column->type,
                                                      cvk.value));
        if (ok) {
            db_row_set(w, cvk.column, &d);
        }
    }
out:
    free(cvk.key);
    return ok;
}

bool
ctl_set_column(struct ctl_context *ctx, const struct db_table_schema *table,
               const struct db_row *row, const char *arg)
{
    return ctl_set_column__(ctx, table, row, arg, false);
}

/* Conditions for find and wait-until. */

struct ctl_condition {
    const struct db_column_schema *column;
    bool has_key;
    union db_atom key;
    struct db_type type;        /* Type of 'want' (a shallow copy). */
    struct db_datum want;
    enum ctl_relop op;
};

/* Parses the key and value of condition 'c' from 'cvk'. */
static bool
ctl_parse_condition__(struct ctl_context *ctx, const char *arg,
                      const struct ctl_cvk *cvk, struct ctl_condition *c)
{
    char *error;

    c->type = cvk->column->type;
    if (cvk->key) {
        if (!db_type_is_map(&c->type)) {
            ctl_fatal(ctx, "cannot specify key to check for non-map column "
                      "%s", cvk->column->name);
            return false;
        }
        error = db_atom_from_string(&c->key, &c->type.key, cvk->key,
                                    ctl_symtab(ctx));
        if (!ctl_data_error(ctx, arg, error)) {
            return false;
        }
        c->has_key = true;
        c->type.key = c->type.value;
        memset(&c->type.value, 0, sizeof c->type.value);
        c->type.value.type = DB_VOID;
    }
    error = db_datum_from_string(&c->want, &c->type, cvk->value,
                                 ctl_symtab(ctx));
    if (error && c->has_key) {
        db_atom_destroy(&c->key, cvk->column->type.key.type);
    }
    return ctl_data_error(ctx, arg, error);
}

static bool
ctl_parse_condition(struct ctl_context *ctx,
                    const struct db_table_schema *table, const char *arg,
                    struct ctl_condition *c)
{
    struct ctl_cvk cvk;
    bool ok;

    memset(c, 0, sizeof *c);
    ok = (ctl_parse_cvk(ctx, table, arg, true, true, &cvk)
          && ctl_parse_condition__(ctx, arg, &cvk, c));
    free(cvk.key);
    if (ok) {
        c->column = cvk.column;
        c->op = cvk.op;
    } else {
        memset(c, 0, sizeof *c);
    }
    return ok;
}

static void
ctl_condition_destroy(struct ctl_condition *c)
{
    if (c->column) {
        if (c->has_key) {
            db_atom_destroy(&c->key, c->column->type.key.type);
        }
        db_datum_destroy(&c->want, &c->type);
    }
}

static bool
ctl_eval_relop(const struct db_datum *a, const struct db_datum *b,
               const struct db_type *type, enum ctl_relop op)
{
    switch (op) {
    case OP_EQ:
    case OP_SET_EQ:
        return db_datum_equals(a, b, type);
    case OP_NE:
    case OP_SET_NE:
        return !db_datum_equals(a, b, type);
    case OP_LT:
        return db_datum_compare(a, b, type) < 0;
    case OP_GT:
        return db_datum_compare(a, b, type) > 0;
    case OP_LE:
        return db_datum_compare(a, b, type) <= 0;
    case OP_GE:
        return db_datum_compare(a, b, type) >= 0;
    case OP_SET_LT:
        return db_datum_includes(b, a, type) && !db_datum_equals(a, b, type);
    case OP_SET_GT:
        return db_datum_includes(a, b, type) && !db_datum_equals(a, b, type);
    case OP_SET_LE:
        return db_datum_includes(b, a, type);
    case OP_SET_GE:
        return db_datum_includes(a, b, type);
    }
    return false;
}

static bool
ctl_condition_holds(const struct ctl_condition *c, const struct db_row *row)
{
    const struct db_datum *have = db_row_get(row, c->column);

    if (!c->has_key) {
        return ctl_eval_relop(have, &c->want, &c->type, c->op);
    }

    unsigned int idx = db_datum_find_key(have, &c->key,
                                         c->column->type.key.type);
    struct db_datum a = { 0, NULL, NULL };
    if (idx == UINT_MAX) {
        /* A missing key matches only set operators, as an empty set. */
        if (!ctl_relop_is_set(c->op)) {
            return false;
        }
    } else {
        a.n = 1;
        a.keys = &have->values[idx];
    }
    return ctl_eval_relop(&a, &c->want, &c->type, c->op);
}

/* Parses conditions args[0..n); returns the array, or NULL on error. */
static struct ctl_condition *
ctl_parse_conditions(struct ctl_context *ctx,
                     const struct db_table_schema *table, char **args,
                     int n)
{
    struct ctl_condition *conds = xcalloc(n ? n : 1, sizeof *conds);

    for (int i = 0; i < n; i++) {
        if (!ctl_parse_condition(ctx, table, args[i], &conds[i])) {
            for (int j = 0; j <= i; j++) {
                ctl_condition_destroy(&conds[j]);
            }
            free(conds);
            return NULL;
        }
    }
    return conds;
}

static void
ctl_free_conditions(struct ctl_condition *conds, int n)
{
    for (int i = 0; i < n; i++) {
        ctl_condition_destroy(&conds[i]);
    }
    free(conds);
}

static bool
ctl_conditions_hold(const struct ctl_condition *conds, int n,
                    const struct db_row *row)
{
    for (int i = 0; i < n; i++) {
        if (!ctl_condition_holds(&conds[i], row)) {
            return false;
        }
    }
    return true;
}

/* Generic commands. */

/* Resolves argv[1] as a table and argv[2] as a record.  Returns NULL
 * quietly for a missing record with --if-exists, so callers check
 * ctx->error. */
static const struct db_row *
ctl_table_and_row(struct ctl_context *ctx,
                  const struct db_table_schema **table)
{
    *table = ctl_find_table(ctx, ctx->argv[1]);
    if (!*table) {
        return NULL;
    }
    return ctl_get_row(ctx, *table, ctx->argv[2],
                       !ctl_has_option(ctx, "--if-exists"));
}

static void
cmd_comment(struct ctl_context *ctx)
{
    (void) ctx;
}

static bool
ctl_bind_get_id(struct ctl_context *ctx, const struct db_row *row)
{
    const char *id = ctl_option(ctx, "--id");
    return !id || ctl_bind_symbol(ctx, id, db_row_uuid(row));
}

/* Prints the value of map 'column' at 'key' of 'row', if present. */
static void
ctl_get_key(struct ctl_context *ctx, const struct db_row *row,
            const struct db_column_schema *column, const char *key_s)
{
    const struct db_type *type = &column->type;
    union db_atom key;

    if (!db_type_is_map(type)) {
        ctl_fatal(ctx, "cannot specify key to get for non-map column %s",
                  column->name);
        return;
    }
    if (!ctl_data_error(ctx, key_s, db_atom_from_string(&key, &type->key,
                                                        key_s, NULL))) {
        return;
    }

    const struct db_datum *d = db_row_get(row, column);
    unsigned int idx = db_datum_find_key(d, &key, type->key.type);
    db_atom_destroy(&key, type->key.type);
    if (idx == UINT_MAX) {
        if (!ctl_has_option(ctx, "--if-exists")) {
            ctl_fatal(ctx, "no key \"%s\" in %s record \"%s\" column %s",
                      key_s, row->table->name, ctx->argv[2], column->name);
        }
        return;
    }

    struct db_type vtype;
    struct db_datum one = { 1, &d->values[idx], NULL };
    db_type_init(&vtype);
    vtype.key = type->value;
    vtype.n_min = vtype.n_max = 1;
    ctl_format_datum(&one, &vtype, ctx->opts->data, &ctx->output);
    dstr_putc(&ctx->output, '\n');
}

static void
cmd_get(struct ctl_context *ctx)
{
    const struct db_table_schema *table;
    const struct db_row *row = ctl_table_and_row(ctx, &table);

    if (!row || !ctl_bind_get_id(ctx, row)) {
        return;
    }
    for (int i = 3; i < ctx->argc; i++) {
        struct ctl_cvk cvk;
        if (!ctl_parse_cvk(ctx, table, ctx->argv[i], false, false, &cvk)) {
            free(cvk.key);
            return;
        }
        if (cvk.key) {
            ctl_get_key(ctx, row, cvk.column, cvk.key);
        } else {
            ctl_format_datum(db_row_get(row, cvk.column), &cvk.column->type,
                             ctx->opts->data, &ctx->output);
            dstr_putc(&ctx->output, '\n');
        }
        free(cvk.key);
        if (ctx->error) {
            return;
        }
    }
}

static void
cmd_set(struct ctl_context *ctx)
{
    const struct db_table_schema *table;
    const struct db_row *row = ctl_table_and_row(ctx, &table);

    for (int i = 3; row && i < ctx->argc; i++) {
        if (!ctl_set_column__(ctx, table, row, ctx->argv[i], true)) {
            return;
        }
    }
}

/* Resolves the column of add/remove/clear for modification. */
static const struct db_column_schema *
ctl_modifiable_column(struct ctl_context *ctx,
                      const struct db_table_schema *table, const char *name)
{
    const struct db_column_schema *column = ctl_find_column(ctx, table,
                                                            name);
    if (column && !ctl_check_mutable(ctx, table, column, true)) {
        return NULL;
    }
    return column;
}

/* Resolves the "TABLE RECORD COLUMN" arguments of add and remove.
 * Returns the record, or NULL if there is nothing to do: after ctl_fatal()
 * or, with --if-exists, for a missing record. */
static const struct db_row *
ctl_row_and_column(struct ctl_context *ctx,
                   const struct db_table_schema **table,
                   const struct db_column_schema **column)
{
    const struct db_row *row = ctl_table_and_row(ctx, table);

    *column = row ? ctl_modifiable_column(ctx, *table, ctx->argv[3]) : NULL;
    return *column ? row : NULL;
}

/* The type of 'column' with any number of elements, for parsing what add
 * and remove take from the command line. */
static struct db_type
ctl_unbounded_type(const struct db_column_schema *column)
{
    struct db_type type = column->type;

    type.n_min = 0;
    type.n_max = DB_N_UNLIMITED;
    return type;
}

static void
ctl_check_count(struct ctl_context *ctx, const char *op,
                const struct db_table_schema *table,
                const struct db_column_schema *column,
                const struct db_datum *d)
{
    const struct db_type *type = &column->type;
    const char *what = db_type_is_map(type) ? "pairs" : "values";

    if (d->n > type->n_max) {
        ctl_fatal(ctx, "\"%s\" operation would put %u %s in column %s of "
                  "table %s but the maximum number is %u", op, d->n, what,
                  column->name, table->name, type->n_max);
    } else if (d->n < type->n_min) {
        ctl_fatal(ctx, "\"%s\" operation would put %u %s in column %s of "
                  "table %s but the minimum number is %u", op, d->n, what,
                  column->name, table->name, type->n_min);
    }
}

/* Stores 'd', the value of 'column' of 'row' after operation 'op' (add or
 * remove), if no error was reported and it has an allowed number of
 * elements; otherwise destroys it. */
static void
ctl_store_counted(struct ctl_context *ctx, const char *op,
                  const struct db_table_schema *table,
                  const struct db_row *row,
                  const struct db_column_schema *column, struct db_datum *d)
{
    if (!ctx->error) {
        ctl_check_count(ctx, op, table, column, d);
    }
    if (ctx->error) {
        db_datum_destroy(d, &column->type);
        return;
    }
    db_row_set(db_txn_modify(ctx->txn, row), column, d);
}

static void
cmd_add(struct ctl_context *ctx)
{
    const struct db_table_schema *table;
    const struct db_column_schema *column;
    const struct db_row *row = ctl_row_and_column(ctx, &table, &column);

    if (!row) {
        return;
    }

    struct db_type any = ctl_unbounded_type(column);
    struct db_datum d;
    db_datum_clone(&d, db_row_get(row, column), &column->type);
    for (int i = 4; i < ctx->argc; i++) {
        struct db_datum add;
        if (!ctl_data_error(ctx, ctx->argv[i],
                            ctl_parse_datum(ctx, &add, &any,
                                            ctx->argv[i]))) {
            db_datum_destroy(&d, &column->type);
            return;
        }
        db_datum_union(&d, &column->type, &add, false);
        db_datum_destroy(&add, &any);
    }
    ctl_store_counted(ctx, "add", table, row, column, &d);
}

/* Removes what 'arg' names from 'd': values or pairs, or for a map also
 * just keys. */
static bool
ctl_remove_one(struct ctl_context *ctx,
               const struct db_column_schema *column, struct db_datum *d,
               const char *arg)
{
    struct db_type any = ctl_unbounded_type(column);
    struct db_datum rm;

    char *error = db_datum_from_string(&rm, &any, arg, ctl_symtab(ctx));
    if (!error) {
        db_datum_subtract(d, &column->type, &rm, false);
        db_datum_destroy(&rm, &any);
        return true;
    }
    if (db_type_is_map(&any)) {
        struct db_type keys = any;
        memset(&keys.value, 0, sizeof keys.value);
        keys.value.type = DB_VOID;
        char *error2 = db_datum_from_string(&rm, &keys, arg,
                                            ctl_symtab(ctx));
        if (!error2) {
            free(error);
            db_datum_subtract(d, &column->type, &rm, true);
            db_datum_destroy(&rm, &keys);
            return true;
        }
        free(error2);
    }
    return ctl_data_error(ctx, arg, error);
}

static void
cmd_remove(struct ctl_context *ctx)
{
    const struct db_table_schema *table;
    const struct db_column_schema *column;
    const struct db_row *row = ctl_row_and_column(ctx, &table, &column);

    if (!row) {
        return;
    }

    struct db_datum d;
    db_datum_clone(&d, db_row_get(row, column), &column->type);
    for (int i = 4; i < ctx->argc; i++) {
        if (!ctl_remove_one(ctx, column, &d, ctx->argv[i])) {
            break;
        }
    }
    ctl_store_counted(ctx, "remove", table, row, column, &d);
}

static void
cmd_clear(struct ctl_context *ctx)
{
    const struct db_table_schema *table;
    const struct db_row *row = ctl_table_and_row(ctx, &table);

    for (int i = 3; row && i < ctx->argc; i++) {
        const struct db_column_schema *column;
        column = ctl_modifiable_column(ctx, table, ctx->argv[i]);
        if (!column) {
            return;
        }
        if (column->type.n_min > 0) {
            ctl_fatal(ctx, "\"clear\" operation cannot be applied to column "
                      "%s of table %s, which is not allowed to be empty",
                      column->name, table->name);
            return;
        }

        struct db_datum empty;
        db_datum_init_empty(&empty);
        db_row_set(db_txn_modify(ctx->txn, row), column, &empty);
    }
}

/* Parses --columns (NULL if not given: all columns). */
static const struct db_column_schema **
ctl_parse_columns(struct ctl_context *ctx,
                  const struct db_table_schema *table, size_t *n)
{
    const char *spec = ctl_option(ctx, "--columns");
    const struct db_column_schema **columns = NULL;

    *n = 0;
    if (!spec) {
        return NULL;
    }

    char *copy = xstrdup(spec);
    char *save = NULL;
    for (char *t = strtok_r(copy, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
        const struct db_column_schema *c = ctl_find_column(ctx, table, t);
        if (!c) {
            break;
        }
        columns = xrealloc(columns, (*n + 1) * sizeof *columns);
        columns[(*n)++] = c;
    }
    free(copy);
    if (ctx->error) {
        free(columns);
        return NULL;
    }
    return columns;
}

/* Prints 'rows' with the command's --columns. */
static void
ctl_list_rows(struct ctl_context *ctx, const struct db_table_schema *table,
              const struct db_row **rows, size_t n_rows)
{
    size_t n_columns;
    const struct db_column_schema **columns;

    columns = ctl_parse_columns(ctx, table, &n_columns);
    if (!ctx->error) {
        ctl_print_rows(ctx, table, rows, n_rows, columns, n_columns);
    }
    free(columns);
}

static void
ctl_append_row(const struct db_row ***rows, size_t *n,
               const struct db_row *row)
{
    *rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
    (*rows)[(*n)++] = row;
}

/* Collects the rows of list and destroy into '*rowsp' and '*n': every row
 * of 'table' if 'all', then the records named by argv[2] onward (a missing
 * one is skipped with --if-exists).  Returns false, with nothing to free,
 * after ctl_fatal(). */
static bool
ctl_collect_rows(struct ctl_context *ctx,
                 const struct db_table_schema *table, bool all,
                 const struct db_row ***rowsp, size_t *n)
{
    const struct db_row **rows = NULL;
    const struct db_row *row;

    *n = 0;
    if (all) {
        DB_TXN_FOR_EACH (row, ctx->txn, table) {
            ctl_append_row(&rows, n, row);
        }
    }
    for (int i = 2; i < ctx->argc; i++) {
        row = ctl_get_row(ctx, table, ctx->argv[i],
                          !ctl_has_option(ctx, "--if-exists"));
        if (ctx->error) {
            free(rows);
            *rowsp = NULL;
            *n = 0;
            return false;
        }
        if (row) {
            ctl_append_row(&rows, n, row);
        }
    }
    *rowsp = rows;
    return true;
}

static void
cmd_list(struct ctl_context *ctx)
{
    const struct db_table_schema *table = ctl_find_table(ctx, ctx->argv[1]);
    const struct db_row **rows;
    size_t n;

    if (table && ctl_collect_rows(ctx, table, ctx->argc == 2, &rows, &n)) {
        ctl_list_rows(ctx, table, rows, n);
        free(rows);
    }
}

static void
cmd_find(struct ctl_context *ctx)
{
    const struct db_table_schema *table = ctl_find_table(ctx, ctx->argv[1]);
    const struct db_row **rows = NULL;
    const struct db_row *row;
    int n_conds = ctx->argc - 2;
    size_t n = 0;

    if (!table) {
        return;
    }

    struct ctl_condition *conds;
    conds = ctl_parse_conditions(ctx, table, &ctx->argv[2], n_conds);
    if (!conds) {
        return;
    }
    DB_TXN_FOR_EACH (row, ctx->txn, table) {
        if (ctl_conditions_hold(conds, n_conds, row)) {
            ctl_append_row(&rows, &n, row);
        }
    }
    ctl_free_conditions(conds, n_conds);
    ctl_list_rows(ctx, table, rows, n);
    free(rows);
}

static void
cmd_create(struct ctl_context *ctx)
{
    const struct db_table_schema *table = ctl_find_table(ctx, ctx->argv[1]);
    const char *id = ctl_option(ctx, "--id");
    const struct uuid *uuid = NULL;

    if (!table) {
        return;
    }
    if (id) {
        uuid = ctl_bind_symbol(ctx, id, NULL);
        if (!uuid) {
            return;
        }
    }

    const struct db_row *row = db_txn_insert(ctx->txn, table, uuid);
    for (int i = 2; i < ctx->argc; i++) {
        if (!ctl_set_column__(ctx, table, row, ctx->argv[i], false)) {
            return;
        }
    }

    char s[UUID_LEN + 1];
    uuid_to_string(db_row_uuid(row), s);
    dstr_printf(&ctx->output, "%s\n", s);
}

static void
cmd_destroy(struct ctl_context *ctx)
{
    const struct db_table_schema *table = ctl_find_table(ctx, ctx->argv[1]);
    bool all = ctl_has_option(ctx, "--all");
    const struct db_row **rows;
    size_t n;

    if (!table) {
        return;
    }
    if (all && ctx->argc > 2) {
        ctl_fatal(ctx, "--all and records argument should not be specified "
                  "together");
        return;
    }
    if (!ctl_collect_rows(ctx, table, all, &rows, &n)) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        /* The same record may be named twice. */
        if (db_txn_get(ctx->txn, table, db_row_uuid(rows[i]))) {
            db_txn_delete(ctx->txn, rows[i]);
        }
    }
    free(rows);
}

static void
cmd_wait_until(struct ctl_context *ctx)
{
    const struct db_table_schema *table = ctl_find_table(ctx, ctx->argv[1]);
    int n_conds = ctx->argc - 3;

    if (!table) {
        return;
    }

    struct ctl_condition *conds;
    conds = ctl_parse_conditions(ctx, table, &ctx->argv[3], n_conds);
    if (!conds) {
        return;
    }

    const struct db_row *row = ctl_get_row(ctx, table, ctx->argv[2], false);
    if (!ctx->error && (!row || !ctl_conditions_hold(conds, n_conds, row))) {
        ctx->try_again = true;
    }
    ctl_free_conditions(conds, n_conds);
}

const struct ctl_command_syntax ctl_builtin_commands[] = {
    { "comment", 0, INT_MAX, "[ARG]...", "", cmd_comment, true },
    { "get", 2, INT_MAX, "TABLE RECORD [COLUMN[:KEY]]...",
      "--if-exists,--id=", cmd_get, true },
    { "list", 1, INT_MAX, "TABLE [RECORD]...", "--if-exists,--columns=",
      cmd_list, true },
    { "find", 1, INT_MAX, "TABLE [COLUMN[:KEY]=VALUE]...", "--columns=",
      cmd_find, true },
    { "set", 3, INT_MAX, "TABLE RECORD COLUMN[:KEY]=VALUE...",
      "--if-exists", cmd_set, false },
    { "add", 4, INT_MAX, "TABLE RECORD COLUMN [KEY=]VALUE...",
      "--if-exists", cmd_add, false },
    { "remove", 4, INT_MAX, "TABLE RECORD COLUMN KEY|VALUE|KEY=VALUE...",
      "--if-exists", cmd_remove, false },
    { "clear", 3, INT_MAX, "TABLE RECORD COLUMN...", "--if-exists",
      cmd_clear, false },
    { "create", 1, INT_MAX, "TABLE COLUMN[:KEY]=VALUE...", "--id=",
      cmd_create, false },
    { "destroy", 1, INT_MAX, "TABLE [RECORD]...", "--if-exists,--all",
      cmd_destroy, false },
    { "wait-until", 2, INT_MAX, "TABLE RECORD [COLUMN[:KEY]=VALUE]...", "",
      cmd_wait_until, true },
    { NULL, 0, 0, NULL, NULL, NULL, false },
};

