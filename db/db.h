/*
 * db.h -- the in-memory configuration database: schema, tables, rows and
 * transactions.
 *
 * A "struct db" holds one database described by a "struct db_schema" (RFC
 * 7047 section 3.2).  Every table has two implicit columns first: _uuid
 * (index 0) and _version (index 1); user columns follow in schema order.
 * A row stores one datum per column, so generic code (select, conditions,
 * printing) needs no special cases.
 *
 * All changes go through a transaction.  A transaction is a private view:
 * db_txn_get() and DB_TXN_FOR_EACH see the transaction's own inserts,
 * updates and deletes on top of the committed state; nothing is visible
 * to others until db_txn_commit().  Only one transaction may be open on a
 * database at a time (the daemon is single-threaded), which is what makes
 * every transaction trivially serializable.
 *
 * Commit does, in order:
 *   1. removes weak references to rows that do not exist afterwards;
 *   2. garbage-collects rows of non-root tables that no strong reference
 *      reaches from a root table's row (RFC 7047 "isRoot");
 *   3. checks every changed row: each column against its type (count
 *      bounds, ranges, enums, lengths) and strong references (a reference
 *      to a missing row is a "referential integrity violation");
 *   4. checks unique indexes and "maxRows";
 *   5. calls the durability hook (the journal), which may refuse;
 *   6. makes the new rows current, tells every commit listener which rows
 *      changed (old and new versions), and calls the change hook.
 * If any step fails, nothing changes and the error is returned.
 *
 * Commit listeners.  The change hook has one slot and says only "something
 * changed"; any number of commit listeners (db_add_listener()) hear, in
 * commit order, exactly which rows each commit inserted, modified or
 * deleted, with both versions at hand, so a listener (a monitor, say) costs
 * time in proportion to what the commit changed.  db_apply_json() (start-up
 * replay) tells no listener.
 */
#ifndef DB_H
#define DB_H 1

#include <jansson.h>
#include <stdbool.h>
#include "db-data.h"
#include "db-types.h"
#include "hmap.h"
#include "uuid.h"

/* Schema. */

#define DB_COL_UUID 0
#define DB_COL_VERSION 1

struct db_column_schema {
    char *name;
    unsigned int idx;           /* Position in row->fields. */
    struct db_type type;
    bool mutable;
    bool ephemeral;
};

struct db_table_schema {
    char *name;
    unsigned int idx;           /* Position in schema->tables. */
    bool is_root;
    unsigned int max_rows;      /* UINT_MAX if unlimited. */
    struct db_column_schema *columns;
    unsigned int n_columns;     /* Including _uuid and _version. */
    unsigned int **indexes;     /* Each a list of column indexes... */
    unsigned int *index_n;      /* ...of this many columns. */
    unsigned int n_indexes;
};

struct db_schema {
    char *name;
    char *version;
    char *cksum;                /* May be NULL. */
    struct db_table_schema *tables;
    unsigned int n_tables;
    json_t *json;               /* As parsed, for get_schema. */
};

/* Parses an RFC 7047 <database-schema>.  Returns NULL or an error. */
char *db_schema_from_json(const json_t *, struct db_schema **)
    __attribute__((warn_unused_result));
char *db_schema_from_file(const char *path, struct db_schema **)
    __attribute__((warn_unused_result));
void db_schema_destroy(struct db_schema *);
/* True if 'column' alone forms a unique index of 'table'. */
bool db_column_is_unique(const struct db_table_schema *,
                         const struct db_column_schema *);
const struct db_table_schema *db_schema_find_table(const struct db_schema *,
                                                   const char *name);
const struct db_column_schema *db_table_find_column(
    const struct db_table_schema *, const char *name);

/* Rows. */

struct db_txn_row;

struct db_row {
    struct hmap_node node;      /* In the table's committed rows. */
    const struct db_table_schema *table;
    struct db_datum *fields;    /* One per column; [0] is _uuid. */
    struct db_txn_row *txn_row; /* Set while an open transaction has it. */
    unsigned int n_refs;        /* Strong references from committed rows;
                                 * internal to the database. */
};

const struct uuid *db_row_uuid(const struct db_row *);
static inline const struct db_datum *
db_row_get(const struct db_row *row, const struct db_column_schema *col)
{
    return &row->fields[col->idx];
}
/* Looks up column 'name' (which must exist: a schema bug aborts). */
const struct db_datum *db_row_get_named(const struct db_row *,
                                        const char *name);
/* Scalar conveniences for columns by name: "" / 0 / false if empty. */
const char *db_row_get_string(const struct db_row *, const char *column);
int64_t db_row_get_integer(const struct db_row *, const char *column);
json_t *db_row_to_json(const struct db_row *, const json_t *columns);

/* Database. */

struct db;
struct db_txn;

/* Called by commit just before the changes take effect, with the
 * transaction's change set as produced by db_txn_changes_to_json().
 * Returning nonzero (an errno) makes the commit fail. */
typedef int db_durability_hook(void *aux, const json_t *changes);
/* Called after a commit took effect. */
typedef void db_change_hook(void *aux);

struct db *db_create(const struct db_schema *);
void db_destroy(struct db *);
const struct db_schema *db_get_schema(const struct db *);
void db_set_hooks(struct db *, db_durability_hook *, db_change_hook *,
                  void *aux);
/* Number of committed transactions so far (for monitors, waiting). */
unsigned long long db_get_seqno(const struct db *);

/* One row that a commit changed. */
struct db_row_change {
    const struct db_table_schema *table;
    const struct db_row *old;   /* Before the commit; NULL if inserted. */
    const struct db_row *new;   /* After the commit; NULL if deleted. */
};

/* Called after a commit took effect, with every row it changed (rows the
 * commit left equal are not included; the order is unspecified).  The rows
 * are valid only during the call; 'new' rows are the committed ones.  The
 * callback must not begin a transaction nor add or remove listeners. */
typedef void db_commit_cb(void *aux, const struct db_row_change *,
                          size_t n);

/* Called by commit (and db_txn_check()) after the schema's own checks,
 * with every row the transaction changes ('new' is the transaction's
 * version, readable with db_row_get(); 'old' the committed one).  The
 * callback may read the rest of the transaction's view with db_txn_get()
 * and DB_TXN_FOR_EACH but must not change it.  Returning a malloc'd
 * message makes the commit fail with it, tagged "constraint violation":
 * this is where the application refuses values that the schema allows but
 * it cannot use.  One slot; NULL removes it. */
typedef char *db_validate_cb(void *aux, struct db_txn *,
                             const struct db_row_change *, size_t n);
void db_set_validator(struct db *, db_validate_cb *, void *aux);

/* Adds a listener; listeners run in the order they were added.  Removing
 * needs the same 'cb' and 'aux'; removing an unknown listener is a no-op. */
void db_add_listener(struct db *, db_commit_cb *, void *aux);
void db_remove_listener(struct db *, db_commit_cb *, void *aux);

/* Committed state, read-only. */
const struct db_row *db_get_row(const struct db *,
                                const struct db_table_schema *,
                                const struct uuid *);
size_t db_table_count(const struct db *, const struct db_table_schema *);
const struct db_row *db_first(const struct db *,
                              const struct db_table_schema *);
const struct db_row *db_next(const struct db *, const struct db_row *);
#define DB_FOR_EACH(ROW, DB, TABLE)                                         \
    for ((ROW) = db_first(DB, TABLE); (ROW); (ROW) = db_next(DB, ROW))

/* Serialization: the whole database as {"Table":{"uuid":{row},...},...}
 * (used for snapshots; ephemeral columns are left out), and applying a
 * change set of the same shape, where a row value of null deletes and an
 * existing row changes only the columns given.  Applying bypasses
 * validation (the journal only holds validated changes) but checks
 * shape. */
json_t *db_to_json(const struct db *);
char *db_apply_json(struct db *, const json_t *)
    __attribute__((warn_unused_result));

/* Transactions. */

struct db_txn *db_txn_begin(struct db *);
struct db *db_txn_get_db(const struct db_txn *);
void db_txn_abort(struct db_txn *);
/* Commits and frees 'txn'.  Returns NULL on success, otherwise an error
 * message (caller frees) and nothing changed.  If 'error_tag' is nonnull
 * it receives an RFC 7047 error tag ("constraint violation",
 * "referential integrity violation", "I/O error"). */
char *db_txn_commit(struct db_txn *, const char **error_tag)
    __attribute__((warn_unused_result));
/* Like commit, but only validates: runs steps 1-4 and aborts. */
char *db_txn_check(struct db_txn *, const char **error_tag)
    __attribute__((warn_unused_result));
/* True if the transaction changed nothing (yet). */
bool db_txn_is_empty(const struct db_txn *);
/* The change set, for the journal and for diagnostics. */
json_t *db_txn_changes_to_json(const struct db_txn *);

/* Reads within the transaction's view. */
const struct db_row *db_txn_get(struct db_txn *,
                                const struct db_table_schema *,
                                const struct uuid *);
const struct db_row *db_txn_first(struct db_txn *,
                                  const struct db_table_schema *);
const struct db_row *db_txn_next(struct db_txn *, const struct db_row *);
#define DB_TXN_FOR_EACH(ROW, TXN, TABLE)                                    \
    for ((ROW) = db_txn_first(TXN, TABLE); (ROW);                           \
         (ROW) = db_txn_next(TXN, ROW))
/* True if 'row' was inserted by this transaction. */
bool db_txn_row_is_new(const struct db_txn *, const struct db_row *);
/* True if 'row' was inserted or modified by this transaction. */
bool db_txn_row_is_changed(const struct db_txn *, const struct db_row *);
/* The committed version of a row the transaction modified, or NULL. */
const struct db_row *db_txn_row_old(const struct db_txn *,
                                    const struct db_row *);

/* Finds the row of 'table' whose 'column' equals 'value' in the
 * transaction's view.  Fast (no scan) when 'column' alone forms one of the
 * table's unique indexes, as "name" does for Bridge, Port and Interface. */
const struct db_row *db_txn_find_unique(struct db_txn *,
                                        const struct db_table_schema *,
                                        const struct db_column_schema *,
                                        const struct db_datum *value);
const struct db_row *db_txn_find_by_string(struct db_txn *,
                                           const struct db_table_schema *,
                                           const char *column,
                                           const char *value);
/* The rows of 'table' that the transaction inserted or changed (their new
 * versions).  Returns how many; '*rowsp' is malloc'd, caller frees. */
size_t db_txn_changed_rows(struct db_txn *, const struct db_table_schema *,
                           const struct db_row ***rowsp);

/* The difference between two values 'a' and 'b' of a set or map column of
 * type 'type', stored in 'diff' (initialized here; destroy it with 'type'):
 * for sets, the elements in exactly one of them; for maps, the pairs whose
 * key only one has, plus, for keys both have with different values, the
 * pair from 'b'.  This is the "diff" notation of the journal and of
 * "update2" notifications.  'diff' may exceed the type's count bounds. */
void db_datum_diff(const struct db_datum *a, const struct db_datum *b,
                   const struct db_type *type, struct db_datum *diff);

/* Writes.  db_txn_insert() returns a row with every column at its default
 * (0, "", false, empty set, or the all-zero UUID); 'uuid' may be NULL for a
 * fresh one.  db_txn_modify() returns the transaction's writable copy of
 * 'row' (which may already be that copy).  db_row_set() takes ownership of
 * '*value' and leaves it empty. */
struct db_row *db_txn_insert(struct db_txn *, const struct db_table_schema *,
                             const struct uuid *uuid);
struct db_row *db_txn_modify(struct db_txn *, const struct db_row *);
void db_txn_delete(struct db_txn *, const struct db_row *);
void db_row_set(struct db_row *, const struct db_column_schema *,
                struct db_datum *value);
void db_row_set_named(struct db_row *, const char *column,
                      struct db_datum *value);

#endif /* db.h */
