#include <config.h>
#include "db.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db);

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
    for (unsigned int i = 0; i < ts->n_columns; i++) {
        if (ts->columns[i].name && !strcmp(ts->columns[i].name, name)) {
            return &ts->columns[i];
        }
    }
    return NULL;
}

/* Rows. */

struct db_table {
    const struct db_table_schema *schema;
    struct hmap rows;
};

struct db {
    const struct db_schema *schema;
    struct db_table *tables;
    db_durability_hook *durability_hook;
    db_change_hook *change_hook;
    void *hook_aux;
    unsigned long long seqno;
    struct db_txn *txn;
    unsigned int mark;
};

struct db_txn_row {
    struct hmap_node node;      /* In txn->rows, by UUID. */
    struct uuid uuid;           /* The row's UUID, even once both are NULL. */
    const struct db_table_schema *table;
    struct db_row *old;         /* Committed row, or NULL if inserted. */
    struct db_row *new;         /* Transaction's copy, NULL if deleted. */
    size_t ins_idx;             /* Position in inserted list if !old. */
};

struct db_txn {
    struct db *db;
    struct hmap rows;           /* struct db_txn_row. */
    struct db_txn_row ***inserted;  /* Per table, in insertion order. */
    size_t *n_inserted;
    size_t *cap_inserted;
};

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

static void
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

/* Row JSON for the journal: non-default columns, without _uuid. */
static json_t *
row_to_journal_json(const struct db_row *row)
{
    const struct db_table_schema *ts = row->table;
    json_t *j = json_object();
    for (unsigned int i = 1; i < ts->n_columns; i++) {
        const struct db_type *type = &ts->columns[i].type;
        struct db_datum def;
        db_datum_init_default(&def, type);
        if (i == DB_COL_VERSION
            || !db_datum_equals(&row->fields[i], &def, type)) {
            json_object_set_new(j, ts->columns[i].name,
                                db_datum_to_json(&row->fields[i], type));
        }
        db_datum_destroy(&def, type);
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
        db->tables[i].schema = &schema->tables[i];
        hmap_init(&db->tables[i].rows);
    }
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
    for (unsigned int i = 0; i < db->schema->n_tables; i++) {
        struct db_row *row, *next;
        HMAP_FOR_EACH_SAFE (row, next, node, &db->tables[i].rows) {
            hmap_remove(&db->tables[i].rows, &row->node);
            row_free(row);
        }
        hmap_destroy(&db->tables[i].rows);
    }
    free(db->tables);
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

unsigned long long
db_get_seqno(const struct db *db)
{
    return db->seqno;
}

static struct db_table *
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
            json_object_set_new(rows, buf, row_to_journal_json(row));
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

    struct db_row *row = row_create(ts, uuid);
    const char *colname;
    const json_t *value;
    json_object_foreach ((json_t *) rowj, colname, value) {
        const struct db_column_schema *col = db_table_find_column(ts,
                                                                  colname);
        struct db_datum d;
        char *error;
        if (!col || col->idx == DB_COL_UUID) {
            VLOG_WARN("ignoring unknown column %s.%s in stored data",
                      ts->name, colname);
            continue;
        }
        error = db_datum_from_json(&d, &col->type, value, NULL);
        if (error) {
            char *msg = xasprintf("%s.%s: %s", ts->name, colname, error);
            free(error);
            row_free(row);
            return msg;
        }
        db_row_set(row, col, &d);
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

static void
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
static bool
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
        json_t *rows = json_object_get(j, tr->table->name);
        char buf[UUID_LEN + 1];
        if (!rows) {
            rows = json_object();
            json_object_set_new(j, tr->table->name, rows);
        }
        uuid_to_string(&tr->uuid, buf);
        json_object_set_new(rows, buf, tr->new ? row_to_journal_json(tr->new)
                                               : json_null());
    }
    return j;
}

/* Commit: garbage collection. */

static const struct db_row *
ref_target(struct db_txn *txn, const struct db_base_type *base,
           const union db_atom *atom)
{
    return db_txn_get(txn, base->u.uuid.ref_table, &atom->uuid);
}

static char *
dangling_ref_error(struct db_txn *txn, const struct db_row *row,
                   const struct db_column_schema *col,
                   const struct db_base_type *base,
                   const union db_atom *atom)
{
    char from[UUID_LEN + 1], to[UUID_LEN + 1];
    uuid_to_string(db_row_uuid(row), from);
    uuid_to_string(&atom->uuid, to);
    if (db_get_row(txn->db, base->u.uuid.ref_table, &atom->uuid)) {
        return xasprintf("cannot delete %s row %s because of a remaining "
                         "reference from %s row %s column %s",
                         base->u.uuid.ref_table->name, to, row->table->name,
                         from, col->name);
    }
    return xasprintf("table %s column %s row %s references nonexistent row "
                     "%s in table %s", row->table->name, col->name, from, to,
                     base->u.uuid.ref_table->name);
}

struct mark_stack {
    const struct db_row **rows;
    size_t n, cap;
};

static void
mark_push(struct mark_stack *s, const struct db_row *row, unsigned int mark)
{
    ((struct db_row *) row)->mark = mark;
    if (s->n >= s->cap) {
        s->cap = s->cap * 2 + 64;
        s->rows = xrealloc(s->rows, s->cap * sizeof *s->rows);
    }
    s->rows[s->n++] = row;
}

/* Marks what 'row' references strongly.  A strong reference to a row that
 * does not exist is an error, since 'row' survives the commit. */
static char *
mark_refs(struct db_txn *txn, const struct db_row *row,
          struct mark_stack *stack, unsigned int mark)
{
    const struct db_table_schema *ts = row->table;
    for (unsigned int c = 2; c < ts->n_columns; c++) {
        const struct db_column_schema *col = &ts->columns[c];
        const struct db_datum *d = &row->fields[c];
        for (int kv = 0; kv < 2; kv++) {
            const struct db_base_type *base = kv ? &col->type.value
                                                 : &col->type.key;
            if (!db_base_type_is_strong_ref(base)) {
                continue;
            }
            for (unsigned int i = 0; i < d->n; i++) {
                const union db_atom *atom = kv ? &d->values[i] : &d->keys[i];
                const struct db_row *target = ref_target(txn, base, atom);
                if (!target) {
                    return dangling_ref_error(txn, row, col, base, atom);
                }
                if (target->mark != mark) {
                    mark_push(stack, target, mark);
                }
            }
        }
    }
    return NULL;
}

static char *
collect_garbage(struct db_txn *txn)
{
    const struct db_schema *schema = txn->db->schema;
    struct mark_stack stack = { NULL, 0, 0 };
    unsigned int mark = ++txn->db->mark;
    char *error = NULL;

    for (unsigned int t = 0; t < schema->n_tables; t++) {
        const struct db_row *row;
        if (schema->tables[t].is_root) {
            DB_TXN_FOR_EACH (row, txn, &schema->tables[t]) {
                mark_push(&stack, row, mark);
            }
        }
    }
    while (stack.n && !error) {
        error = mark_refs(txn, stack.rows[--stack.n], &stack, mark);
    }

    /* Sweep: reuse the stack as a list of rows to delete. */
    stack.n = 0;
    for (unsigned int t = 0; t < schema->n_tables && !error; t++) {
        const struct db_row *row;
        if (schema->tables[t].is_root) {
            continue;
        }
        DB_TXN_FOR_EACH (row, txn, &schema->tables[t]) {
            if (row->mark != mark) {
                mark_push(&stack, row, 0);
            }
        }
    }
    for (size_t i = 0; i < stack.n && !error; i++) {
        db_txn_delete(txn, stack.rows[i]);
    }
    free(stack.rows);
    return error;
}

/* Commit: weak references. */

static bool
table_has_weak_refs(const struct db_table_schema *ts)
{
    for (unsigned int c = 2; c < ts->n_columns; c++) {
        if (db_base_type_is_weak_ref(&ts->columns[c].type.key)
            || db_base_type_is_weak_ref(&ts->columns[c].type.value)) {
            return true;
        }
    }
    return false;
}

/* Returns a copy of 'd' without weak references to missing rows, or NULL
 * if nothing needs removing. */
static struct db_datum *
prune_weak(struct db_txn *txn, const struct db_column_schema *col,
           const struct db_datum *d)
{
    struct db_datum *pruned = NULL;
    for (int kv = 0; kv < 2; kv++) {
        const struct db_base_type *base = kv ? &col->type.value
                                             : &col->type.key;
        if (!db_base_type_is_weak_ref(base)) {
            continue;
        }
        for (unsigned int i = 0; i < d->n; i++) {
            const union db_atom *atom = kv ? &d->values[i] : &d->keys[i];
            if (!ref_target(txn, base, atom)) {
                if (!pruned) {
                    pruned = xmalloc(sizeof *pruned);
                    db_datum_clone(pruned, d, &col->type);
                }
                struct db_datum one = { 1, (union db_atom *) &d->keys[i],
                                        d->values ? &d->values[i] : NULL };
                db_datum_subtract(pruned, &col->type, &one, false);
            }
        }
    }
    return pruned;
}

static void
remove_weak_refs(struct db_txn *txn)
{
    const struct db_schema *schema = txn->db->schema;
    for (unsigned int t = 0; t < schema->n_tables; t++) {
        const struct db_table_schema *ts = &schema->tables[t];
        const struct db_row *row;
        if (!table_has_weak_refs(ts)) {
            continue;
        }
        DB_TXN_FOR_EACH (row, txn, ts) {
            for (unsigned int c = 2; c < ts->n_columns; c++) {
                struct db_datum *p = prune_weak(txn, &ts->columns[c],
                                                &row->fields[c]);
                if (p) {
                    struct db_row *w = db_txn_modify(txn, row);
                    db_row_set(w, &ts->columns[c], p);
                    free(p);
                    row = w;
                }
            }
        }
    }
}

/* Commit: checks. */

static char *
check_row(const struct db_row *row)
{
    const struct db_table_schema *ts = row->table;
    for (unsigned int c = 2; c < ts->n_columns; c++) {
        char *error = db_datum_check(&row->fields[c], &ts->columns[c].type);
        if (error) {
            char buf[UUID_LEN + 1];
            char *msg;
            uuid_to_string(db_row_uuid(row), buf);
            msg = xasprintf("table %s column %s (row %s): %s", ts->name,
                            ts->columns[c].name, buf, error);
            free(error);
            return msg;
        }
    }
    return NULL;
}

struct index_entry {
    struct hmap_node node;
    const struct db_row *row;
};

static uint32_t
index_hash(const struct db_row *row, const unsigned int *cols, unsigned n)
{
    uint32_t hash = 0;
    for (unsigned int i = 0; i < n; i++) {
        const struct db_column_schema *col = &row->table->columns[cols[i]];
        hash = db_datum_hash(&row->fields[cols[i]], &col->type, hash);
    }
    return hash;
}

static bool
index_equal(const struct db_row *a, const struct db_row *b,
            const unsigned int *cols, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        const struct db_column_schema *col = &a->table->columns[cols[i]];
        if (!db_datum_equals(&a->fields[cols[i]], &b->fields[cols[i]],
                             &col->type)) {
            return false;
        }
    }
    return true;
}

static char *
index_violation(const struct db_row *row, const unsigned int *cols,
                unsigned int n)
{
    struct dstr values = DSTR_INITIALIZER, names = DSTR_INITIALIZER;
    for (unsigned int i = 0; i < n; i++) {
        const struct db_column_schema *col = &row->table->columns[cols[i]];
        if (i) {
            dstr_puts(&values, ", ");
            dstr_puts(&names, ", ");
        }
        db_datum_to_string(&row->fields[cols[i]], &col->type, &values);
        dstr_puts(&names, col->name);
    }
    char *msg = xasprintf("transaction causes multiple rows in \"%s\" table "
                          "to have identical values (%s) for index on "
                          "column%s \"%s\"", row->table->name,
                          dstr_cstr(&values), n > 1 ? "s" : "",
                          dstr_cstr(&names));
    dstr_destroy(&values);
    dstr_destroy(&names);
    return msg;
}

static char *
check_index(struct db_txn *txn, const struct db_table_schema *ts,
            unsigned int k)
{
    const unsigned int *cols = ts->indexes[k];
    unsigned int n = ts->index_n[k];
    size_t count = db_table_count(txn->db, ts) + txn->n_inserted[ts->idx];
    struct index_entry *entries = xmalloc((count + 1) * sizeof *entries);
    struct hmap index = HMAP_INITIALIZER;
    const struct db_row *row;
    char *error = NULL;
    size_t used = 0;

    DB_TXN_FOR_EACH (row, txn, ts) {
        uint32_t hash = index_hash(row, cols, n);
        struct index_entry *e;
        HMAP_FOR_EACH_WITH_HASH (e, node, hash, &index) {
            if (index_equal(e->row, row, cols, n)) {
                error = index_violation(row, cols, n);
                goto out;
            }
        }
        entries[used].row = row;
        hmap_insert(&index, &entries[used++].node, hash);
    }
out:
    hmap_destroy(&index);
    free(entries);
    return error;
}

static char *
check_changes(struct db_txn *txn, const char **tag)
{
    const struct db_schema *schema = txn->db->schema;
    bool *touched = xcalloc(schema->n_tables ? schema->n_tables : 1,
                            sizeof *touched);
    struct db_txn_row *tr;
    char *error = NULL;

    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (tr->new) {
            touched[tr->table->idx] = true;
            error = check_row(tr->new);
            if (error) {
                *tag = "constraint violation";
                goto out;
            }
        }
    }
    for (unsigned int t = 0; t < schema->n_tables; t++) {
        const struct db_table_schema *ts = &schema->tables[t];
        if (!touched[t]) {
            continue;
        }
        for (unsigned int k = 0; k < ts->n_indexes && !error; k++) {
            error = check_index(txn, ts, k);
        }
        if (!error && ts->max_rows != UINT_MAX) {
            size_t n = 0;
            const struct db_row *row;
            DB_TXN_FOR_EACH (row, txn, ts) {
                n++;
            }
            if (n > ts->max_rows) {
                error = xasprintf("transaction causes \"%s\" table to "
                                  "contain %zu rows, greater than the "
                                  "schema-defined limit of %u row(s)",
                                  ts->name, n, ts->max_rows);
            }
        }
        if (error) {
            *tag = "constraint violation";
            break;
        }
    }
out:
    free(touched);
    return error;
}

static char *
txn_validate(struct db_txn *txn, const char **tag)
{
    char *error = collect_garbage(txn);
    if (error) {
        *tag = "referential integrity violation";
        return error;
    }
    remove_weak_refs(txn);
    return check_changes(txn, tag);
}

char *
db_txn_check(struct db_txn *txn, const char **error_tag)
{
    const char *tag = NULL;
    char *error = txn_validate(txn, &tag);
    if (error_tag) {
        *error_tag = tag;
    }
    db_txn_abort(txn);
    return error;
}

/* Gives every row the commit changes a new _version, before the change set
 * goes to the durability hook, so that the journal and memory agree. */
static void
txn_assign_versions(struct db_txn *txn)
{
    struct db_txn_row *tr;
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (tr->new && !txn_row_is_noop(tr)) {
            uuid_generate(&tr->new->fields[DB_COL_VERSION].keys[0].uuid);
        }
    }
}

static void
txn_apply(struct db_txn *txn)
{
    struct db_txn_row *tr;
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        struct db_table *table = table_of(txn->db, tr->table);
        if (txn_row_is_noop(tr)) {
            continue;
        }
        if (tr->old) {
            hmap_remove(&table->rows, &tr->old->node);
            tr->old->txn_row = NULL;
            row_free(tr->old);
            tr->old = NULL;
        }
        if (tr->new) {
            struct db_row *row = tr->new;
            row->txn_row = NULL;
            hmap_insert(&table->rows, &row->node,
                        uuid_hash(db_row_uuid(row)));
            tr->new = NULL;
        }
    }
}

char *
db_txn_commit(struct db_txn *txn, const char **error_tag)
{
    struct db *db = txn->db;
    const char *tag = NULL;
    char *error = NULL;

    if (db_txn_is_empty(txn)) {
        db_txn_abort(txn);
        return NULL;
    }
    error = txn_validate(txn, &tag);
    if (!error) {
        txn_assign_versions(txn);
    }
    if (!error && db->durability_hook) {
        json_t *changes = db_txn_changes_to_json(txn);
        int err = db->durability_hook(db->hook_aux, changes);
        json_decref(changes);
        if (err) {
            error = xasprintf("writing the database to disk failed (%s)",
                              strerror(err));
            tag = "I/O error";
        }
    }
    if (error) {
        if (error_tag) {
            *error_tag = tag;
        }
        db_txn_abort(txn);
        return error;
    }
    txn_apply(txn);
    txn_free(txn);
    db->seqno++;
    if (db->change_hook) {
        db->change_hook(db->hook_aux);
    }
    return NULL;
}
