#include <config.h>
#include "db.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db-private.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db);

/* Rows. */

const struct uuid *
db_row_uuid(const struct db_row *row)
{
    return &row->fields[DB_COL_UUID].keys[0].uuid;
}

const struct db_datum *
db_row_get_named(const struct db_row *row, const char *name)
{
    const struct db_column_schema *col = db_table_find_column(row->table,
                                                              name);
    if (!col) {
        VLOG_EMER("table %s has no column %s", row->table->name, name);
        abort();
    }
    return &row->fields[col->idx];
}

const char *
db_row_get_string(const struct db_row *row, const char *column)
{
    const struct db_datum *d = db_row_get_named(row, column);
    return d->n ? d->keys[0].string : "";
}

int64_t
db_row_get_integer(const struct db_row *row, const char *column)
{
    const struct db_datum *d = db_row_get_named(row, column);
    return d->n ? d->keys[0].integer : 0;
}

static struct db_row *
row_alloc(const struct db_table_schema *ts)
{
    struct db_row *row = xzalloc(sizeof *row);
    row->table = ts;
    row->fields = xcalloc(ts->n_columns, sizeof *row->fields);
    return row;
}

static struct db_row *
row_create(const struct db_table_schema *ts, const struct uuid *uuid)
{
    struct db_row *row = row_alloc(ts);
    struct uuid version;
    for (unsigned int i = 0; i < ts->n_columns; i++) {
        db_datum_init_default(&row->fields[i], &ts->columns[i].type);
    }
    row->fields[DB_COL_UUID].keys[0].uuid = *uuid;
    uuid_generate(&version);
    row->fields[DB_COL_VERSION].keys[0].uuid = version;
    return row;
}

static struct db_row *
row_clone(const struct db_row *src)
{
    const struct db_table_schema *ts = src->table;
    struct db_row *row = row_alloc(ts);
    for (unsigned int i = 0; i < ts->n_columns; i++) {
        db_datum_clone(&row->fields[i], &src->fields[i],
                       &ts->columns[i].type);
    }
    return row;
}

void
row_free(struct db_row *row)
{
    if (row) {
        const struct db_table_schema *ts = row->table;
        for (unsigned int i = 0; i < ts->n_columns; i++) {
            db_datum_destroy(&row->fields[i], &ts->columns[i].type);
        }
        free(row->fields);
        free(row);
    }
}

static bool
rows_equal(const struct db_row *a, const struct db_row *b)
{
    const struct db_table_schema *ts = a->table;
    for (unsigned int i = 2; i < ts->n_columns; i++) {
        if (!db_datum_equals(&a->fields[i], &b->fields[i],
                             &ts->columns[i].type)) {
            return false;
        }
    }
    return true;
}

json_t *
db_row_to_json(const struct db_row *row, const json_t *columns)
{
    const struct db_table_schema *ts = row->table;
    json_t *j = json_object();

    if (!columns) {
        for (unsigned int i = 0; i < ts->n_columns; i++) {
            json_object_set_new(j, ts->columns[i].name,
                                db_datum_to_json(&row->fields[i],
                                                 &ts->columns[i].type));
        }
        return j;
    }
    size_t k;
    const json_t *name;
    json_array_foreach (columns, k, name) {
        const struct db_column_schema *col
            = json_is_string(name)
              ? db_table_find_column(ts, json_string_value(name)) : NULL;
        if (col) {
            json_object_set_new(j, col->name,
                                db_datum_to_json(&row->fields[col->idx],
                                                 &col->type));
        }
    }
    return j;
}

/* The difference between two values of a set or map column, as a value
 * of the same type without count limits: for sets, the elements in one but
 * not both; for maps, removed pairs with their old values, and added or
 * changed pairs with their new values.  Applying it to 'a' gives 'b'. */
void
db_datum_diff(const struct db_datum *a, const struct db_datum *b,
           const struct db_type *type, struct db_datum *diff)
{
    db_datum_init_empty(diff);
    for (unsigned int i = 0; i < a->n; i++) {
        unsigned int j = db_datum_find_key(b, &a->keys[i], type->key.type);
        if (j == UINT_MAX) {
            union db_atom k, v;
            db_atom_clone(&k, &a->keys[i], type->key.type);
            if (a->values) {
                db_atom_clone(&v, &a->values[i], type->value.type);
            }
            db_datum_add(diff, type, &k, a->values ? &v : NULL, false);
        }
    }
    for (unsigned int j = 0; j < b->n; j++) {
        unsigned int i = db_datum_find_key(a, &b->keys[j], type->key.type);
        if (i == UINT_MAX
            || (b->values && !db_atom_equals(&a->values[i], &b->values[j],
                                             type->value.type))) {
            union db_atom k, v;
            db_atom_clone(&k, &b->keys[j], type->key.type);
            if (b->values) {
                db_atom_clone(&v, &b->values[j], type->value.type);
            }
            db_datum_add(diff, type, &k, b->values ? &v : NULL, false);
        }
    }
}

/* Applies a difference made by db_datum_diff() to 'd'. */
static void
datum_apply_diff(struct db_datum *d, const struct db_datum *diff,
                 const struct db_type *type)
{
    for (unsigned int j = 0; j < diff->n; j++) {
        unsigned int i = db_datum_find_key(d, &diff->keys[j],
                                           type->key.type);
        union db_atom k, v;
        if (i != UINT_MAX
            && (!d->values || db_atom_equals(&d->values[i], &diff->values[j],
                                             type->value.type))) {
            struct db_datum one = { 1, &diff->keys[j], NULL };
            db_datum_subtract(d, type, &one, true);
            continue;
        }
        db_atom_clone(&k, &diff->keys[j], type->key.type);
        if (diff->values) {
            db_atom_clone(&v, &diff->values[j], type->value.type);
        }
        db_datum_add(d, type, &k, diff->values ? &v : NULL, true);
    }
}

/* A column value for the journal: the whole value, or for a large set or
 * map that changed a little, ["diff", <difference>]. */
static json_t *
column_journal_json(const struct db_datum *old, const struct db_datum *new,
                    const struct db_type *type)
{
    if (old && !db_type_is_scalar(type) && new->n > 8) {
        struct db_datum diff;
        struct db_type loose = *type;
        loose.n_min = 0;
        loose.n_max = DB_N_UNLIMITED;
        db_datum_diff(old, new, type, &diff);
        if (diff.n * 2 < new->n) {
            json_t *j = json_pack("[so]", "diff",
                                  db_datum_to_json(&diff, &loose));
            db_datum_destroy(&diff, type);
            return j;
        }
        db_datum_destroy(&diff, type);
    }
    return db_datum_to_json(new, type);
}

/* Row JSON for the journal, without _uuid: for a new row ('old' NULL) its
 * non-default columns, for a changed row only what changed.  Ephemeral
 * columns (runtime state such as statistics) are never journaled; a
 * changed row whose only changes are ephemeral yields NULL. */
static json_t *
row_to_journal_json(const struct db_row *old, const struct db_row *row)
{
    const struct db_table_schema *ts = row->table;
    json_t *j = json_object();
    bool durable_change = false;
    for (unsigned int i = 1; i < ts->n_columns; i++) {
        const struct db_type *type = &ts->columns[i].type;
        bool changed;
        if (ts->columns[i].ephemeral) {
            continue;
        }
        if (old) {
            changed = !db_datum_equals(&old->fields[i], &row->fields[i],
                                       type);
        } else {
            struct db_datum def;
            db_datum_init_default(&def, type);
            changed = i == DB_COL_VERSION
                      || !db_datum_equals(&row->fields[i], &def, type);
            db_datum_destroy(&def, type);
        }
        if (changed) {
            json_object_set_new(j, ts->columns[i].name,
                                column_journal_json(
                                    old ? &old->fields[i] : NULL,
                                    &row->fields[i], type));
            durable_change |= i != DB_COL_VERSION;
        }
    }
    if (old && !durable_change) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Database. */

struct db *
db_create(const struct db_schema *schema)
{
    struct db *db = xzalloc(sizeof *db);
    db->schema = schema;
    db->tables = xcalloc(schema->n_tables ? schema->n_tables : 1,
                         sizeof *db->tables);
    for (unsigned int i = 0; i < schema->n_tables; i++) {
        const struct db_table_schema *ts = &schema->tables[i];
        db->tables[i].schema = ts;
        hmap_init(&db->tables[i].rows);
        db->tables[i].indexes = xcalloc(ts->n_indexes ? ts->n_indexes : 1,
                                        sizeof *db->tables[i].indexes);
        for (unsigned int k = 0; k < ts->n_indexes; k++) {
            hmap_init(&db->tables[i].indexes[k]);
        }
    }
    db->derived_valid = true;
    return db;
}

void
db_destroy(struct db *db)
{
    if (!db) {
        return;
    }
    if (db->txn) {
        db_txn_abort(db->txn);
    }
    db_derived_destroy(db);
    for (unsigned int i = 0; i < db->schema->n_tables; i++) {
        struct db_row *row, *next;
        HMAP_FOR_EACH_SAFE (row, next, node, &db->tables[i].rows) {
            hmap_remove(&db->tables[i].rows, &row->node);
            row_free(row);
        }
        hmap_destroy(&db->tables[i].rows);
    }
    free(db->tables);
    free(db->listeners);
    free(db);
}

const struct db_schema *
db_get_schema(const struct db *db)
{
    return db->schema;
}

void
db_set_hooks(struct db *db, db_durability_hook *durability,
             db_change_hook *change, void *aux)
{
    db->durability_hook = durability;
    db->change_hook = change;
    db->hook_aux = aux;
}

void
db_set_validator(struct db *db, db_validate_cb *cb, void *aux)
{
    db->validate = cb;
    db->validate_aux = aux;
}

unsigned long long
db_get_seqno(const struct db *db)
{
    return db->seqno;
}

void
db_add_listener(struct db *db, db_commit_cb *cb, void *aux)
{
    db->listeners = xrealloc(db->listeners, (db->n_listeners + 1)
                             * sizeof *db->listeners);
    db->listeners[db->n_listeners].cb = cb;
    db->listeners[db->n_listeners].aux = aux;
    db->n_listeners++;
}

void
db_remove_listener(struct db *db, db_commit_cb *cb, void *aux)
{
    for (size_t i = 0; i < db->n_listeners; i++) {
        if (db->listeners[i].cb == cb && db->listeners[i].aux == aux) {
            memmove(&db->listeners[i], &db->listeners[i + 1],
                    (db->n_listeners - i - 1) * sizeof *db->listeners);
            db->n_listeners--;
            return;
        }
    }
}

struct db_table *
table_of(const struct db *db, const struct db_table_schema *ts)
{
    return &db->tables[ts->idx];
}

const struct db_row *
db_get_row(const struct db *db, const struct db_table_schema *ts,
           const struct uuid *uuid)
{
    struct db_row *row;
    HMAP_FOR_EACH_WITH_HASH (row, node, uuid_hash(uuid),
                             &table_of(db, ts)->rows) {
        if (uuid_equals(db_row_uuid(row), uuid)) {
            return row;
        }
    }
    return NULL;
}

size_t
db_table_count(const struct db *db, const struct db_table_schema *ts)
{
    return hmap_count(&table_of(db, ts)->rows);
}

const struct db_row *
db_first(const struct db *db, const struct db_table_schema *ts)
{
    struct hmap_node *node = hmap_first(&table_of(db, ts)->rows);
    return node ? CONTAINER_OF(node, struct db_row, node) : NULL;
}

const struct db_row *
db_next(const struct db *db, const struct db_row *row)
{
    struct hmap_node *node = hmap_next(&table_of(db, row->table)->rows,
                                       &row->node);
    return node ? CONTAINER_OF(node, struct db_row, node) : NULL;
}

json_t *
db_to_json(const struct db *db)
{
    json_t *j = json_object();
    for (unsigned int i = 0; i < db->schema->n_tables; i++) {
        const struct db_table_schema *ts = &db->schema->tables[i];
        const struct db_row *row;
        json_t *rows = json_object();
        DB_FOR_EACH (row, db, ts) {
            char buf[UUID_LEN + 1];
            uuid_to_string(db_row_uuid(row), buf);
            json_object_set_new(rows, buf, row_to_journal_json(NULL, row));
        }
        if (json_object_size(rows)) {
            json_object_set_new(j, ts->name, rows);
        } else {
            json_decref(rows);
        }
    }
    return j;
}

static char *
apply_column_json(struct db_row *row, const struct db_column_schema *col,
                  const json_t *value)
{
    struct db_datum d;
    char *error;

    if (json_is_array(value) && json_array_size(value) == 2
        && json_is_string(json_array_get(value, 0))
        && !strcmp(json_string_value(json_array_get(value, 0)), "diff")) {
        struct db_type loose = col->type;
        loose.n_min = 0;
        loose.n_max = DB_N_UNLIMITED;
        error = db_datum_from_json(&d, &loose, json_array_get(value, 1),
                                   NULL);
        if (!error) {
            datum_apply_diff(&row->fields[col->idx], &d, &col->type);
            db_datum_destroy(&d, &col->type);
        }
        return error;
    }
    error = db_datum_from_json(&d, &col->type, value, NULL);
    if (!error) {
        db_row_set(row, col, &d);
    }
    return error;
}

static char *
apply_row_json(struct db *db, const struct db_table_schema *ts,
               const struct uuid *uuid, const json_t *rowj)
{
    struct db_table *table = table_of(db, ts);
    struct db_row *old = (struct db_row *) db_get_row(db, ts, uuid);

    if (json_is_null(rowj)) {
        if (old) {
            hmap_remove(&table->rows, &old->node);
            row_free(old);
        }
        return NULL;
    }
    if (!json_is_object(rowj)) {
        return xstrdup("row must be an object or null");
    }

    /* A row that exists already is modified: only the listed columns
     * change.  Otherwise it is a new row with defaults for the rest. */
    struct db_row *row = old ? row_clone(old) : row_create(ts, uuid);
    const char *colname;
    const json_t *value;
    json_object_foreach ((json_t *) rowj, colname, value) {
        const struct db_column_schema *col = db_table_find_column(ts,
                                                                  colname);
        char *error;
        if (!col || col->idx == DB_COL_UUID) {
            VLOG_WARN("ignoring unknown column %s.%s in stored data",
                      ts->name, colname);
            continue;
        }
        error = apply_column_json(row, col, value);
        if (error) {
            char *msg = xasprintf("%s.%s: %s", ts->name, colname, error);
            free(error);
            row_free(row);
            return msg;
        }
    }
    if (old) {
        hmap_remove(&table->rows, &old->node);
        row_free(old);
    }
    hmap_insert(&table->rows, &row->node, uuid_hash(uuid));
    return NULL;
}

char *
db_apply_json(struct db *db, const json_t *changes)
{
    const char *tname;
    const json_t *rows;

    if (!json_is_object(changes)) {
        return xstrdup("change set must be an object");
    }
    json_object_foreach ((json_t *) changes, tname, rows) {
        const struct db_table_schema *ts = db_schema_find_table(db->schema,
                                                                tname);
        const char *uuid_s;
        const json_t *rowj;
        if (!ts) {
            VLOG_WARN("ignoring unknown table %s in stored data", tname);
            continue;
        }
        if (!json_is_object(rows)) {
            return xasprintf("table %s: rows must be an object", tname);
        }
        json_object_foreach ((json_t *) rows, uuid_s, rowj) {
            struct uuid uuid;
            char *error;
            if (!uuid_from_string(&uuid, uuid_s)) {
                return xasprintf("table %s: bad UUID \"%s\"", tname, uuid_s);
            }
            error = apply_row_json(db, ts, &uuid, rowj);
            if (error) {
                return error;
            }
        }
    }
    db->derived_valid = false;
    db->seqno++;
    return NULL;
}

/* Transactions. */

struct db_txn *
db_txn_begin(struct db *db)
{
    struct db_txn *txn = xzalloc(sizeof *txn);
    unsigned int n = db->schema->n_tables ? db->schema->n_tables : 1;

    if (db->txn) {
        VLOG_EMER("nested database transaction");
        abort();
    }
    txn->db = db;
    hmap_init(&txn->rows);
    hmap_init(&txn->ref_deltas);
    txn->inserted = xcalloc(n, sizeof *txn->inserted);
    txn->n_inserted = xcalloc(n, sizeof *txn->n_inserted);
    txn->cap_inserted = xcalloc(n, sizeof *txn->cap_inserted);
    db->txn = txn;
    return txn;
}

struct db *
db_txn_get_db(const struct db_txn *txn)
{
    return txn->db;
}

void
txn_free(struct db_txn *txn)
{
    struct db_txn_row *tr, *next;
    HMAP_FOR_EACH_SAFE (tr, next, node, &txn->rows) {
        hmap_remove(&txn->rows, &tr->node);
        if (tr->old) {
            tr->old->txn_row = NULL;
        }
        row_free(tr->new);
        free(tr);
    }
    hmap_destroy(&txn->rows);
    db_ref_deltas_clear(txn);
    for (unsigned int i = 0; i < txn->db->schema->n_tables; i++) {
        free(txn->inserted[i]);
    }
    free(txn->inserted);
    free(txn->n_inserted);
    free(txn->cap_inserted);
    txn->db->txn = NULL;
    free(txn);
}

void
db_txn_abort(struct db_txn *txn)
{
    txn_free(txn);
}

static struct db_txn_row *
txn_find(const struct db_txn *txn, const struct uuid *uuid)
{
    struct db_txn_row *tr;
    HMAP_FOR_EACH_WITH_HASH (tr, node, uuid_hash(uuid), &txn->rows) {
        if (uuid_equals(&tr->uuid, uuid)) {
            return tr;
        }
    }
    return NULL;
}

const struct db_row *
db_txn_get(struct db_txn *txn, const struct db_table_schema *ts,
           const struct uuid *uuid)
{
    struct db_txn_row *tr = txn_find(txn, uuid);
    if (tr) {
        return tr->table == ts ? tr->new : NULL;
    }
    return db_get_row(txn->db, ts, uuid);
}

/* The transaction's view of committed row 'row', or NULL if deleted. */
static const struct db_row *
view_of(const struct db_row *row)
{
    return row->txn_row ? row->txn_row->new : row;
}

static const struct db_row *
first_inserted(struct db_txn *txn, unsigned int t, size_t start)
{
    for (size_t i = start; i < txn->n_inserted[t]; i++) {
        if (txn->inserted[t][i]->new) {
            return txn->inserted[t][i]->new;
        }
    }
    return NULL;
}

static const struct db_row *
next_committed(struct db_txn *txn, const struct db_row *row)
{
    for (; row; row = db_next(txn->db, row)) {
        const struct db_row *v = view_of(row);
        if (v) {
            return v;
        }
    }
    return NULL;
}

const struct db_row *
db_txn_first(struct db_txn *txn, const struct db_table_schema *ts)
{
    const struct db_row *row = next_committed(txn, db_first(txn->db, ts));
    return row ? row : first_inserted(txn, ts->idx, 0);
}

const struct db_row *
db_txn_next(struct db_txn *txn, const struct db_row *row)
{
    struct db_txn_row *tr = row->txn_row;
    unsigned int t = row->table->idx;

    if (tr && tr->new == row && !tr->old) {
        return first_inserted(txn, t, tr->ins_idx + 1);
    }
    const struct db_row *committed = tr && tr->new == row ? tr->old : row;
    const struct db_row *next = next_committed(txn,
                                               db_next(txn->db, committed));
    return next ? next : first_inserted(txn, t, 0);
}

bool
db_txn_row_is_new(const struct db_txn *txn, const struct db_row *row)
{
    return row->txn_row && row->txn_row->new == row && !row->txn_row->old;
}

bool
db_txn_row_is_changed(const struct db_txn *txn, const struct db_row *row)
{
    return row->txn_row && row->txn_row->new == row;
}

const struct db_row *
db_txn_row_old(const struct db_txn *txn, const struct db_row *row)
{
    return row->txn_row ? row->txn_row->old : NULL;
}

struct db_row *
db_txn_insert(struct db_txn *txn, const struct db_table_schema *ts,
              const struct uuid *uuid)
{
    struct db_txn_row *tr = xzalloc(sizeof *tr);
    struct uuid fresh;
    unsigned int t = ts->idx;

    if (!uuid) {
        uuid_generate(&fresh);
        uuid = &fresh;
    }
    tr->uuid = *uuid;
    tr->table = ts;
    tr->new = row_create(ts, uuid);
    tr->new->txn_row = tr;
    hmap_insert(&txn->rows, &tr->node, uuid_hash(uuid));

    if (txn->n_inserted[t] >= txn->cap_inserted[t]) {
        txn->cap_inserted[t] = txn->cap_inserted[t] * 2 + 8;
        txn->inserted[t] = xrealloc(txn->inserted[t],
                                    txn->cap_inserted[t]
                                    * sizeof *txn->inserted[t]);
    }
    tr->ins_idx = txn->n_inserted[t];
    txn->inserted[t][txn->n_inserted[t]++] = tr;
    return tr->new;
}

struct db_row *
db_txn_modify(struct db_txn *txn, const struct db_row *row_)
{
    struct db_row *row = (struct db_row *) row_;
    struct db_txn_row *tr = row->txn_row;

    if (tr) {
        return tr->new;
    }
    tr = xzalloc(sizeof *tr);
    tr->uuid = *db_row_uuid(row);
    tr->table = row->table;
    tr->old = row;
    tr->new = row_clone(row);
    tr->new->txn_row = tr;
    row->txn_row = tr;
    hmap_insert(&txn->rows, &tr->node, uuid_hash(db_row_uuid(row)));
    return tr->new;
}

void
db_txn_delete(struct db_txn *txn, const struct db_row *row_)
{
    struct db_row *row = (struct db_row *) row_;
    struct db_txn_row *tr = row->txn_row;

    if (!tr) {
        tr = xzalloc(sizeof *tr);
        tr->uuid = *db_row_uuid(row);
        tr->table = row->table;
        tr->old = row;
        row->txn_row = tr;
        hmap_insert(&txn->rows, &tr->node, uuid_hash(db_row_uuid(row)));
        return;
    }
    row_free(tr->new);
    tr->new = NULL;
}

void
db_row_set(struct db_row *row, const struct db_column_schema *col,
           struct db_datum *value)
{
    db_datum_destroy(&row->fields[col->idx], &col->type);
    row->fields[col->idx] = *value;
    db_datum_init_empty(value);
}

void
db_row_set_named(struct db_row *row, const char *column,
                 struct db_datum *value)
{
    const struct db_column_schema *col = db_table_find_column(row->table,
                                                              column);
    if (!col) {
        VLOG_EMER("table %s has no column %s", row->table->name, column);
        abort();
    }
    db_row_set(row, col, value);
}

/* A transaction row that changes nothing in effect. */
bool
txn_row_is_noop(const struct db_txn_row *tr)
{
    return (!tr->old && !tr->new)
           || (tr->old && tr->new && rows_equal(tr->old, tr->new));
}

bool
db_txn_is_empty(const struct db_txn *txn)
{
    struct db_txn_row *tr;
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (!txn_row_is_noop(tr)) {
            return false;
        }
    }
    return true;
}

json_t *
db_txn_changes_to_json(const struct db_txn *txn)
{
    json_t *j = json_object();
    struct db_txn_row *tr;

    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (txn_row_is_noop(tr)) {
            continue;
        }
        json_t *rowj = tr->new ? row_to_journal_json(tr->old, tr->new)
                               : json_null();
        if (!rowj) {
            continue;           /* Only ephemeral columns changed. */
        }
        json_t *rows = json_object_get(j, tr->table->name);
        char buf[UUID_LEN + 1];
        if (!rows) {
            rows = json_object();
            json_object_set_new(j, tr->table->name, rows);
        }
        uuid_to_string(&tr->uuid, buf);
        json_object_set_new(rows, buf, rowj);
    }
    return j;
}

