#include <config.h>
#include "db.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "db-private.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db_commit);

/* Unique index keys. */

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


/* Walking references. */

/* Calls 'cb' for every strong reference that 'row' holds. */
typedef void ref_cb(struct db_txn *, const struct db_base_type *,
                    const union db_atom *, void *aux);

static void
for_each_strong_ref(struct db_txn *txn, const struct db_row *row, void *aux,
                    ref_cb *cb)
{
    const struct db_table_schema *ts = row->table;
    for (unsigned int c = 2; c < ts->n_columns; c++) {
        const struct db_column_schema *col = &ts->columns[c];
        const struct db_datum *d = &row->fields[c];
        if (db_base_type_is_strong_ref(&col->type.key)) {
            for (unsigned int i = 0; i < d->n; i++) {
                cb(txn, &col->type.key, &d->keys[i], aux);
            }
        }
        if (db_base_type_is_strong_ref(&col->type.value)) {
            for (unsigned int i = 0; i < d->n; i++) {
                cb(txn, &col->type.value, &d->values[i], aux);
            }
        }
    }
}

/* Reference counts. */

static void
count_ref(struct db_txn *txn, const struct db_base_type *base,
          const union db_atom *atom, void *aux)
{
    struct db_row *target = (struct db_row *) db_get_row(
        txn->db, base->u.uuid.ref_table, &atom->uuid);
    if (target) {
        target->n_refs++;
    }
}

static void
index_insert(struct db *db, const struct db_row *row)
{
    struct db_table *table = table_of(db, row->table);
    const struct db_table_schema *ts = row->table;
    for (unsigned int k = 0; k < ts->n_indexes; k++) {
        struct db_index_entry *e = xmalloc(sizeof *e);
        e->row = row;
        hmap_insert(&table->indexes[k], &e->node,
                    index_hash(row, ts->indexes[k], ts->index_n[k]));
    }
}

static void
index_remove(struct db *db, const struct db_row *row)
{
    struct db_table *table = table_of(db, row->table);
    const struct db_table_schema *ts = row->table;
    for (unsigned int k = 0; k < ts->n_indexes; k++) {
        uint32_t hash = index_hash(row, ts->indexes[k], ts->index_n[k]);
        struct db_index_entry *e;
        HMAP_FOR_EACH_WITH_HASH (e, node, hash, &table->indexes[k]) {
            if (e->row == row) {
                hmap_remove(&table->indexes[k], &e->node);
                free(e);
                break;
            }
        }
    }
}

static void
indexes_clear(struct db_table *table)
{
    for (unsigned int k = 0; k < table->schema->n_indexes; k++) {
        struct db_index_entry *e, *next;
        HMAP_FOR_EACH_SAFE (e, next, node, &table->indexes[k]) {
            hmap_remove(&table->indexes[k], &e->node);
            free(e);
        }
    }
}

void
db_derived_destroy(struct db *db)
{
    for (unsigned int t = 0; t < db->schema->n_tables; t++) {
        struct db_table *table = &db->tables[t];
        indexes_clear(table);
        for (unsigned int k = 0; k < table->schema->n_indexes; k++) {
            hmap_destroy(&table->indexes[k]);
        }
        free(table->indexes);
        table->indexes = NULL;
    }
}

/* Recomputes reference counts and indexes from the committed rows. */
void
db_derived_rebuild(struct db *db)
{
    struct db_txn fake = { .db = db };
    const struct db_row *row;

    for (unsigned int t = 0; t < db->schema->n_tables; t++) {
        indexes_clear(&db->tables[t]);
        DB_FOR_EACH (row, db, &db->schema->tables[t]) {
            ((struct db_row *) row)->n_refs = 0;
        }
    }
    for (unsigned int t = 0; t < db->schema->n_tables; t++) {
        DB_FOR_EACH (row, db, &db->schema->tables[t]) {
            for_each_strong_ref(&fake, row, NULL, count_ref);
            index_insert(db, row);
        }
    }
    db->derived_valid = true;
}

/* How a transaction moves the reference count of one row. */
struct db_ref_delta {
    struct hmap_node node;
    struct uuid uuid;
    const struct db_table_schema *table;
    int delta;
    /* The first row that gains a reference to it, for error messages. */
    const struct db_row *from;
    const struct db_column_schema *from_col;
    bool queued;                /* On the garbage collection work list? */
};

static struct db_ref_delta *
ref_delta_get(struct db_txn *txn, const struct db_base_type *base,
              const struct uuid *uuid)
{
    struct db_ref_delta *d;
    HMAP_FOR_EACH_WITH_HASH (d, node, uuid_hash(uuid), &txn->ref_deltas) {
        if (uuid_equals(&d->uuid, uuid)) {
            return d;
        }
    }
    d = xzalloc(sizeof *d);
    d->uuid = *uuid;
    d->table = base->u.uuid.ref_table;
    hmap_insert(&txn->ref_deltas, &d->node, uuid_hash(uuid));
    return d;
}

void
db_ref_deltas_clear(struct db_txn *txn)
{
    struct db_ref_delta *d, *next;
    HMAP_FOR_EACH_SAFE (d, next, node, &txn->ref_deltas) {
        hmap_remove(&txn->ref_deltas, &d->node);
        free(d);
    }
    hmap_destroy(&txn->ref_deltas);
}

static void
add_delta(struct db_txn *txn, const struct db_base_type *base,
          const union db_atom *atom, const struct db_row *from,
          const struct db_column_schema *col, int sign)
{
    struct db_ref_delta *d = ref_delta_get(txn, base, &atom->uuid);
    d->delta += sign;
    if (sign > 0 && !d->from) {
        d->from = from;
        d->from_col = col;
    }
}

/* Adds the reference changes between 'old' and 'new' versions of a row.
 * Sets of references are sorted, so unchanged elements are skipped with a
 * merge instead of being counted down and up again. */
static void
add_row_deltas(struct db_txn *txn, const struct db_row *old,
               const struct db_row *new)
{
    const struct db_table_schema *ts = (old ? old : new)->table;
    for (unsigned int c = 2; c < ts->n_columns; c++) {
        const struct db_column_schema *col = &ts->columns[c];
        const struct db_datum empty = { 0, NULL, NULL };
        const struct db_datum *a = old ? &old->fields[c] : &empty;
        const struct db_datum *b = new ? &new->fields[c] : &empty;
        bool key_ref = db_base_type_is_strong_ref(&col->type.key);
        bool value_ref = db_base_type_is_strong_ref(&col->type.value);
        unsigned int i = 0, j = 0;

        if (value_ref) {
            for (i = 0; i < a->n; i++) {
                add_delta(txn, &col->type.value, &a->values[i], old, col, -1);
            }
            for (j = 0; j < b->n; j++) {
                add_delta(txn, &col->type.value, &b->values[j], new, col, 1);
            }
            i = j = 0;
        }
        if (!key_ref) {
            continue;
        }
        while (i < a->n || j < b->n) {
            int cmp = i >= a->n ? 1 : j >= b->n ? -1
                      : uuid_compare(&a->keys[i].uuid, &b->keys[j].uuid);
            if (cmp < 0) {
                add_delta(txn, &col->type.key, &a->keys[i++], old, col, -1);
            } else if (cmp > 0) {
                add_delta(txn, &col->type.key, &b->keys[j++], new, col, 1);
            } else {
                i++;
                j++;
            }
        }
    }
}

/* The reference count 'd' will have after the transaction. */
static long long
effective_refs(struct db_txn *txn, const struct db_ref_delta *d)
{
    const struct db_row *row = db_get_row(txn->db, d->table, &d->uuid);
    return (row ? (long long) row->n_refs : 0) + d->delta;
}

struct work_list {
    struct db_ref_delta **items;
    size_t n, cap;
};

static void
work_push(struct work_list *w, struct db_ref_delta *d)
{
    if (!d->queued) {
        d->queued = true;
        if (w->n >= w->cap) {
            w->cap = w->cap * 2 + 16;
            w->items = xrealloc(w->items, w->cap * sizeof *w->items);
        }
        w->items[w->n++] = d;
    }
}

/* A row being collected drops its reference to 'atom', which becomes a
 * candidate for collection in turn. */
static void
subtract_ref(struct db_txn *txn, const struct db_base_type *base,
             const union db_atom *atom, void *work_)
{
    struct db_ref_delta *d = ref_delta_get(txn, base, &atom->uuid);
    d->delta--;
    work_push(work_, d);
}

/* Garbage collection: a row of a non-root table that nothing references
 * strongly once the transaction is done is deleted, and what it referenced
 * loses a reference in turn. */
static void
collect_garbage(struct db_txn *txn)
{
    struct work_list w = { NULL, 0, 0 };
    struct db_txn_row *tr;
    struct db_ref_delta *d;

    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (!txn_row_is_noop(tr)) {
            add_row_deltas(txn, tr->old, tr->new);
        }
    }
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        struct db_base_type base = { .type = DB_UUID };
        base.u.uuid.ref_table = (struct db_table_schema *) tr->table;
        if (!tr->old && tr->new && !tr->table->is_root) {
            /* A new row that nothing references is garbage at once. */
            work_push(&w, ref_delta_get(txn, &base, &tr->uuid));
        } else if (tr->old && !tr->new) {
            /* A deleted row must end up unreferenced (checked later). */
            ref_delta_get(txn, &base, &tr->uuid);
        }
    }
    HMAP_FOR_EACH (d, node, &txn->ref_deltas) {
        if (d->delta < 0) {
            work_push(&w, d);
        }
    }

    while (w.n) {
        d = w.items[--w.n];
        d->queued = false;
        const struct db_row *row = db_txn_get(txn, d->table, &d->uuid);
        if (!row || d->table->is_root || effective_refs(txn, d) > 0) {
            continue;
        }
        for_each_strong_ref(txn, row, &w, subtract_ref);
        db_txn_delete(txn, row);
    }
    free(w.items);
}

/* Finds a row that still references the row of 'd' strongly, for an error
 * message: a scan, but only on this error path. */
static bool
datum_has_uuid(const struct db_datum *d, const union db_atom *values,
               const struct uuid *uuid)
{
    for (unsigned int i = 0; i < d->n; i++) {
        const union db_atom *a = values ? &values[i] : &d->keys[i];
        if (uuid_equals(&a->uuid, uuid)) {
            return true;
        }
    }
    return false;
}

static char *
deleted_row_error(struct db_txn *txn, const struct db_ref_delta *d,
                  long long refs)
{
    const struct db_schema *schema = txn->db->schema;
    char to[UUID_LEN + 1], from[UUID_LEN + 1];

    uuid_to_string(&d->uuid, to);
    for (unsigned int t = 0; t < schema->n_tables; t++) {
        const struct db_table_schema *ts = &schema->tables[t];
        const struct db_row *row;
        DB_TXN_FOR_EACH (row, txn, ts) {
            for (unsigned int c = 2; c < ts->n_columns; c++) {
                const struct db_column_schema *col = &ts->columns[c];
                const struct db_datum *v = &row->fields[c];
                if ((db_base_type_is_strong_ref(&col->type.key)
                     && col->type.key.u.uuid.ref_table == d->table
                     && datum_has_uuid(v, NULL, &d->uuid))
                    || (db_base_type_is_strong_ref(&col->type.value)
                        && col->type.value.u.uuid.ref_table == d->table
                        && datum_has_uuid(v, v->values, &d->uuid))) {
                    uuid_to_string(db_row_uuid(row), from);
                    return xasprintf("cannot delete %s row %s because of a "
                                     "remaining reference from %s row %s "
                                     "column %s", d->table->name, to,
                                     ts->name, from, col->name);
                }
            }
        }
    }
    return xasprintf("cannot delete %s row %s because of %lld remaining "
                     "reference(s)", d->table->name, to, refs);
}

/* After garbage collection: a referenced row must exist, and a deleted row
 * must not be referenced any more. */
static char *
check_references(struct db_txn *txn)
{
    struct db_ref_delta *d;
    HMAP_FOR_EACH (d, node, &txn->ref_deltas) {
        long long refs = effective_refs(txn, d);
        char to[UUID_LEN + 1];

        if (refs <= 0 || db_txn_get(txn, d->table, &d->uuid)) {
            continue;
        }
        uuid_to_string(&d->uuid, to);
        if (db_get_row(txn->db, d->table, &d->uuid)) {
            return deleted_row_error(txn, d, refs);
        }
        if (d->from) {
            char from[UUID_LEN + 1];
            uuid_to_string(db_row_uuid(d->from), from);
            return xasprintf("table %s column %s row %s references "
                             "nonexistent row %s in table %s",
                             d->from->table->name, d->from_col->name, from,
                             to, d->table->name);
        }
        return xasprintf("reference to nonexistent row %s in table %s", to,
                         d->table->name);
    }
    return NULL;
}

/* Commit: weak references. */

static const struct db_row *
ref_target(struct db_txn *txn, const struct db_base_type *base,
           const union db_atom *atom)
{
    return db_txn_get(txn, base->u.uuid.ref_table, &atom->uuid);
}

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

/* Unique indexes: the changed rows must not collide with each other, nor
 * with committed rows the transaction leaves alone. */
static char *
check_index(struct db_txn *txn, const struct db_table_schema *ts,
            unsigned int k)
{
    const unsigned int *cols = ts->indexes[k];
    unsigned int n = ts->index_n[k];
    const struct hmap *committed = &table_of(txn->db, ts)->indexes[k];
    struct hmap changed = HMAP_INITIALIZER;
    struct db_index_entry *entries;
    struct db_txn_row *tr;
    size_t used = 0;
    char *error = NULL;

    entries = xmalloc((hmap_count(&txn->rows) + 1) * sizeof *entries);
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        const struct db_row *row = tr->new;
        struct db_index_entry *e;
        if (tr->table != ts || !row) {
            continue;
        }
        uint32_t hash = index_hash(row, cols, n);
        HMAP_FOR_EACH_WITH_HASH (e, node, hash, &changed) {
            if (index_equal(e->row, row, cols, n)) {
                error = index_violation(row, cols, n);
                goto out;
            }
        }
        HMAP_FOR_EACH_WITH_HASH (e, node, hash, committed) {
            if (!e->row->txn_row && index_equal(e->row, row, cols, n)) {
                error = index_violation(row, cols, n);
                goto out;
            }
        }
        entries[used].row = row;
        hmap_insert(&changed, &entries[used++].node, hash);
    }
    /* A committed row that the transaction changed but left in the index
     * with its old value is covered: its new version is in 'changed'. */
out:
    hmap_destroy(&changed);
    free(entries);
    return error;
}

static char *
check_max_rows(struct db_txn *txn, const struct db_table_schema *ts)
{
    size_t n = 0;
    const struct db_row *row;
    DB_TXN_FOR_EACH (row, txn, ts) {
        n++;
    }
    if (n > ts->max_rows) {
        return xasprintf("transaction causes \"%s\" table to contain %zu "
                         "rows, greater than the schema-defined limit of %u "
                         "row(s)", ts->name, n, ts->max_rows);
    }
    return NULL;
}

static char *
check_changes(struct db_txn *txn)
{
    const struct db_schema *schema = txn->db->schema;
    bool *touched = xcalloc(schema->n_tables ? schema->n_tables : 1,
                            sizeof *touched);
    struct db_txn_row *tr;
    char *error = NULL;

    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (tr->new && !txn_row_is_noop(tr)) {
            touched[tr->table->idx] = true;
            error = check_row(tr->new);
            if (error) {
                goto out;
            }
        }
    }
    for (unsigned int t = 0; t < schema->n_tables && !error; t++) {
        const struct db_table_schema *ts = &schema->tables[t];
        if (!touched[t]) {
            continue;
        }
        for (unsigned int k = 0; k < ts->n_indexes && !error; k++) {
            error = check_index(txn, ts, k);
        }
        if (!error && ts->max_rows != UINT_MAX) {
            error = check_max_rows(txn, ts);
        }
    }
out:
    free(touched);
    return error;
}

/* Shows the application's validator every row the transaction changes. */
static char *
run_validator(struct db_txn *txn)
{
    struct db_row_change *changes;
    struct db_txn_row *tr;
    size_t n = 0;
    char *error;

    changes = xmalloc((hmap_count(&txn->rows) + 1) * sizeof *changes);
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (!txn_row_is_noop(tr)) {
            changes[n].table = tr->table;
            changes[n].old = tr->old;
            changes[n].new = tr->new;
            n++;
        }
    }
    error = n ? txn->db->validate(txn->db->validate_aux, txn, changes, n)
              : NULL;
    free(changes);
    return error;
}

static char *
txn_validate(struct db_txn *txn, const char **tag)
{
    char *error;

    if (!txn->db->derived_valid) {
        db_derived_rebuild(txn->db);
    }
    db_ref_deltas_clear(txn);
    hmap_init(&txn->ref_deltas);
    collect_garbage(txn);
    error = check_references(txn);
    if (error) {
        *tag = "referential integrity violation";
        return error;
    }
    remove_weak_refs(txn);
    error = check_changes(txn);
    if (!error && txn->db->validate) {
        error = run_validator(txn);
    }
    if (error) {
        *tag = "constraint violation";
    }
    return error;
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

/* Makes the transaction's rows current, keeping reference counts and
 * indexes in step.  Returns the number of rows changed and, in '*changesp'
 * (malloc'd), what changed; the old versions stay allocated, out of the
 * tables, until txn_retire() frees them, so that listeners can see them. */
static size_t
txn_apply(struct db_txn *txn, struct db_row_change **changesp)
{
    struct db *db = txn->db;
    struct db_row_change *changes;
    struct db_txn_row *tr;
    struct db_ref_delta *d;
    size_t n = 0;

    changes = xmalloc((hmap_count(&txn->rows) + 1) * sizeof *changes);
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        struct db_table *table = table_of(db, tr->table);
        unsigned int n_refs = 0;
        if (txn_row_is_noop(tr)) {
            continue;
        }
        changes[n].table = tr->table;
        changes[n].old = tr->old;
        changes[n].new = tr->new;
        n++;
        if (tr->old) {
            n_refs = tr->old->n_refs;
            index_remove(db, tr->old);
            hmap_remove(&table->rows, &tr->old->node);
            tr->old->txn_row = NULL;
            tr->old = NULL;
        }
        if (tr->new) {
            struct db_row *row = tr->new;
            row->txn_row = NULL;
            row->n_refs = n_refs;
            hmap_insert(&table->rows, &row->node,
                        uuid_hash(db_row_uuid(row)));
            index_insert(db, row);
            tr->new = NULL;
        }
    }
    HMAP_FOR_EACH (d, node, &txn->ref_deltas) {
        struct db_row *row = (struct db_row *) db_get_row(db, d->table,
                                                          &d->uuid);
        if (row) {
            row->n_refs += d->delta;
        }
    }
    *changesp = changes;
    return n;
}

/* Frees the old row versions that txn_apply() kept for the listeners. */
static void
txn_retire(struct db_row_change *changes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        row_free((struct db_row *) changes[i].old);
    }
    free(changes);
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
        int err = json_object_size(changes)
                  ? db->durability_hook(db->hook_aux, changes) : 0;
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
    struct db_row_change *changes;
    size_t n_changes = txn_apply(txn, &changes);
    txn_free(txn);
    db->seqno++;
    for (size_t i = 0; i < db->n_listeners; i++) {
        db->listeners[i].cb(db->listeners[i].aux, changes, n_changes);
    }
    txn_retire(changes, n_changes);
    if (db->change_hook) {
        db->change_hook(db->hook_aux);
    }
    return NULL;
}

/* Lookups through an index. */

static int
find_single_column_index(const struct db_column_schema *col,
                         const struct db_table_schema *ts)
{
    for (unsigned int k = 0; k < ts->n_indexes; k++) {
        if (ts->index_n[k] == 1 && ts->indexes[k][0] == col->idx) {
            return k;
        }
    }
    return -1;
}

const struct db_row *
db_txn_find_unique(struct db_txn *txn, const struct db_table_schema *ts,
                   const struct db_column_schema *col,
                   const struct db_datum *value)
{
    int k = find_single_column_index(col, ts);
    const struct db_row *row;

    if (k < 0) {
        DB_TXN_FOR_EACH (row, txn, ts) {
            if (db_datum_equals(&row->fields[col->idx], value, &col->type)) {
                return row;
            }
        }
        return NULL;
    }
    if (!txn->db->derived_valid) {
        db_derived_rebuild(txn->db);
    }

    uint32_t hash = db_datum_hash(value, &col->type, 0);
    struct db_index_entry *e;
    HMAP_FOR_EACH_WITH_HASH (e, node, hash,
                             &table_of(txn->db, ts)->indexes[k]) {
        const struct db_row *view = e->row->txn_row ? e->row->txn_row->new
                                                    : e->row;
        if (view && db_datum_equals(&view->fields[col->idx], value,
                                    &col->type)) {
            return view;
        }
    }
    struct db_txn_row *tr;
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (tr->table == ts && tr->new
            && db_datum_equals(&tr->new->fields[col->idx], value,
                               &col->type)) {
            return tr->new;
        }
    }
    return NULL;
}

const struct db_row *
db_txn_find_by_string(struct db_txn *txn, const struct db_table_schema *ts,
                      const char *column, const char *value)
{
    const struct db_column_schema *col = db_table_find_column(ts, column);
    union db_atom atom = { .string = (char *) value };
    struct db_datum d = { 1, &atom, NULL };
    return col ? db_txn_find_unique(txn, ts, col, &d) : NULL;
}

size_t
db_txn_changed_rows(struct db_txn *txn, const struct db_table_schema *ts,
                    const struct db_row ***rowsp)
{
    struct db_txn_row *tr;
    size_t n = 0;

    *rowsp = xmalloc((hmap_count(&txn->rows) + 1) * sizeof **rowsp);
    HMAP_FOR_EACH (tr, node, &txn->rows) {
        if (tr->table == ts && tr->new && !txn_row_is_noop(tr)) {
            (*rowsp)[n++] = tr->new;
        }
    }
    return n;
}
