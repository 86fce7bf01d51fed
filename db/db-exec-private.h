/*
 * db-exec-private.h -- what db-exec.c (operations, dispatch, named UUIDs)
 * shares with db-exec-ops.c (the "where" conditions ==, !=, <, <=, >, >=,
 * includes and excludes, and the mutators +=, -=, *=, /=, %=, insert and
 * delete).
 *
 * Every function that can fail returns NULL on success or a new RFC 7047
 * error object {"error": TAG, "details": TEXT} (see db-exec.h).
 */
#ifndef DB_EXEC_PRIVATE_H
#define DB_EXEC_PRIVATE_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "db-data.h"
#include "hmap.h"
#include "util.h"

struct db_column_schema;
struct db_row;
struct db_table_schema;

/* State of one "transact" request. */
struct exec_ctx {
    struct db_txn *txn;
    const struct db_schema *schema;
    struct hmap symbols;        /* "struct exec_symbol"s by name. */
    struct db_symbol_table symtab;
    long long elapsed_ms;
    bool retry;                 /* A "wait" asked to run again later. */
    size_t reply_size;          /* Bytes of results so far. */
    bool reply_too_big;         /* Over DB_EXEC_MAX_REPLY: abort. */
};

/* A list of rows, in the transaction's view. */
struct exec_rows {
    const struct db_row **rows;
    size_t n, allocated;
};

void exec_rows_add(struct exec_rows *, const struct db_row *);

/* Error objects. */

json_t *exec_error(const char *tag, const char *format, ...)
    PRINTF_FORMAT(2, 3);

/* Operation members. */

/* The JSON types exec_member() accepts, and EXEC_OPTIONAL. */
enum {
    EXEC_STRING = 1 << 0,
    EXEC_ARRAY = 1 << 1,
    EXEC_OBJECT = 1 << 2,
    EXEC_BOOLEAN = 1 << 3,
    EXEC_NUMBER = 1 << 4,
    EXEC_ANY = 1 << 5,
    EXEC_OPTIONAL = 1 << 6,
};

json_t *exec_member(const json_t *op, const char *name, unsigned int flags,
                    const json_t **valuep);
json_t *exec_find_column(const struct db_table_schema *, const json_t *json,
                         const struct db_column_schema **columnp);

/* Values. */

void exec_relax_type(struct db_type *relaxed, const struct db_type *);
json_t *exec_parse_typed(struct exec_ctx *, const struct db_type *,
                         const json_t *json, struct db_datum *);
json_t *exec_parse_relaxed(struct exec_ctx *, const struct db_type *,
                           const json_t *json, struct db_datum *);

/* Conditions (db-exec-ops.c): the "where" member of an operation.
 * Initialize with { NULL, 0 }; destroy even after a parse error. */

struct exec_where {
    struct exec_cond *conds;
    size_t n;
};

json_t *exec_where_member(struct exec_ctx *, const struct db_table_schema *,
                          const json_t *op, struct exec_where *);
void exec_where_destroy(struct exec_where *);
void exec_where_collect(struct exec_ctx *, const struct db_table_schema *,
                        const struct exec_where *, struct exec_rows *);

/* Mutations (db-exec-ops.c): the "mutations" member of "mutate".
 * Initialize with { NULL, 0 }; destroy even after a parse error. */

struct exec_mutations {
    struct exec_mutation *mutations;
    size_t n;
};

json_t *exec_mutations_member(struct exec_ctx *,
                              const struct db_table_schema *,
                              const json_t *op, struct exec_mutations *);
void exec_mutations_destroy(struct exec_mutations *);
json_t *exec_mutate_row(struct exec_ctx *, const struct exec_mutations *,
                        const struct db_row *);

#endif /* db-exec-private.h */
