/*
 * db-types.h -- the RFC 7047 type system of the configuration database.
 *
 * Every column has a "struct db_type": a key base type, an optional value
 * base type (then the column is a map), and bounds 'n_min'..'n_max' on the
 * number of elements.  A column with n_min == n_max == 1 and no value type
 * is a scalar; anything else is a set (or a map).  Base types carry the
 * constraints of RFC 7047 section 3.2: integer and real ranges, string
 * length bounds, an "enum" of allowed values, and for UUIDs the referenced
 * table and whether the reference is strong or weak.
 *
 * Types are parsed from and printed to their RFC 7047 JSON form (the
 * "type" member of a column in a schema).
 */
#ifndef DB_TYPES_H
#define DB_TYPES_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db_datum;
struct db_table_schema;

enum db_atomic_type {
    DB_VOID,                    /* No value type: the column is not a map. */
    DB_INTEGER,
    DB_REAL,
    DB_BOOLEAN,
    DB_STRING,
    DB_UUID,
};
#define DB_N_ATOMIC_TYPES (DB_UUID + 1)

const char *db_atomic_type_name(enum db_atomic_type);
bool db_atomic_type_from_name(const char *, enum db_atomic_type *);

enum db_ref_type {
    DB_REF_STRONG,
    DB_REF_WEAK,
};

struct db_base_type {
    enum db_atomic_type type;
    struct db_datum *enum_;     /* Allowed values (a set), or NULL. */
    union {
        struct { int64_t min, max; } integer;
        struct { double min, max; } real;
        struct { unsigned int min_len, max_len; } string;   /* In chars. */
        struct {
            char *ref_table_name;       /* NULL if not a reference. */
            struct db_table_schema *ref_table;  /* Resolved by the schema. */
            enum db_ref_type ref_type;
        } uuid;
    } u;
};

#define DB_N_UNLIMITED UINT32_MAX

struct db_type {
    struct db_base_type key;
    struct db_base_type value;  /* .type == DB_VOID unless a map. */
    unsigned int n_min;         /* 0 or 1. */
    unsigned int n_max;         /* >= 1, or DB_N_UNLIMITED. */
};

void db_base_type_init(struct db_base_type *, enum db_atomic_type);
void db_base_type_destroy(struct db_base_type *);
void db_base_type_clone(struct db_base_type *dst,
                        const struct db_base_type *src);
bool db_base_type_is_ref(const struct db_base_type *);
bool db_base_type_is_strong_ref(const struct db_base_type *);
bool db_base_type_is_weak_ref(const struct db_base_type *);

void db_type_init(struct db_type *);
void db_type_destroy(struct db_type *);
void db_type_clone(struct db_type *dst, const struct db_type *src);
static inline bool db_type_is_map(const struct db_type *t)
{
    return t->value.type != DB_VOID;
}
static inline bool db_type_is_scalar(const struct db_type *t)
{
    return t->n_min == 1 && t->n_max == 1 && t->value.type == DB_VOID;
}
static inline bool db_type_is_optional(const struct db_type *t)
{
    return t->n_min == 0 && t->n_max == 1;
}
static inline bool db_type_is_set(const struct db_type *t)
{
    return t->value.type == DB_VOID && !db_type_is_scalar(t);
}

/* Parses RFC 7047 <type> JSON.  Returns NULL or an error message that the
 * caller must free. */
char *db_type_from_json(struct db_type *, const json_t *)
    __attribute__((warn_unused_result));
json_t *db_type_to_json(const struct db_type *);

/* Describes the type for humans, e.g. "set of up to 4096 integers in range
 * 0 to 4095" -- used in error messages. */
char *db_type_describe(const struct db_type *);

#endif /* db-types.h */
