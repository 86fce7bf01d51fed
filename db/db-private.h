/*
 * db-private.h -- internals shared by db.c (rows, transactions) and
 * db-commit.c (validation, garbage collection, indexes, commit).
 *
 * Reference counts: every committed row knows how many strong references
 * committed rows hold to it ('n_refs' in struct db_row).  A commit works
 * out how its changes move those counts (one "struct db_ref_delta" per
 * referenced UUID), so garbage collection and the "still referenced"
 * check cost time in proportion to what the transaction touched, not to
 * the size of the database.
 *
 * Unique indexes: every index of the schema is kept as a hash table over
 * the committed rows, so commits check uniqueness and callers find rows
 * by name without scanning.
 *
 * Both are rebuilt from scratch after db_apply_json() (start-up replay).
 */
#ifndef DB_PRIVATE_H
#define DB_PRIVATE_H 1

#include "db.h"
#include "hmap.h"

struct db_table {
    const struct db_table_schema *schema;
    struct hmap rows;           /* struct db_row, by UUID. */
    struct hmap *indexes;       /* One per schema index: db_index_entry. */
};

/* One committed row in one unique index. */
struct db_index_entry {
    struct hmap_node node;
    const struct db_row *row;
};

struct db_listener {
    db_commit_cb *cb;
    void *aux;
};

struct db {
    const struct db_schema *schema;
    struct db_table *tables;
    db_durability_hook *durability_hook;
    db_change_hook *change_hook;
    void *hook_aux;
    db_validate_cb *validate;
    void *validate_aux;
    struct db_listener *listeners;
    size_t n_listeners;
    unsigned long long seqno;
    struct db_txn *txn;
    bool derived_valid;         /* Reference counts and indexes current? */
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
    struct hmap ref_deltas;     /* struct db_ref_delta, during commit. */
};

struct db_table *table_of(const struct db *, const struct db_table_schema *);
void row_free(struct db_row *);
bool txn_row_is_noop(const struct db_txn_row *);
void txn_free(struct db_txn *);

/* db-commit.c. */
void db_derived_rebuild(struct db *);
void db_derived_destroy(struct db *);
void db_ref_deltas_clear(struct db_txn *);

#endif /* db-private.h */
