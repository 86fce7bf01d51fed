/*
 * db-data.h -- values stored in the configuration database.
 *
 * An "atom" is one value of an atomic type.  A "datum" is the value of one
 * column in one row: 'n' atoms in 'keys', kept sorted and without
 * duplicates, plus 'n' matching 'values' when the column is a map.  Scalars
 * are datums with n == 1, so one representation serves every column.
 *
 * Datums convert to and from three notations:
 *
 *   - RFC 7047 JSON: 5, "x", ["uuid","..."], ["set",[...]], ["map",[...]].
 *   - The ovs-vsctl command-line syntax: 10,20 / [10,20] / "a b" / 1-10 /
 *     k=v,k2=v2 / {} / @name references, with JSON-style quoted strings.
 *   - The ovs-vsctl output syntax: strings quoted only when they would not
 *     read back as the same string, sets as [a, b], maps as {k=v, k2=v2}.
 *
 * Atoms are compared with db_atom_compare(): integers and reals
 * numerically, booleans false < true, strings by bytes, UUIDs by value.
 */
#ifndef DB_DATA_H
#define DB_DATA_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "db-types.h"
#include "uuid.h"

struct dstr;

union db_atom {
    int64_t integer;
    double real;
    bool boolean;
    char *string;               /* Owned; UTF-8, NUL-terminated. */
    struct uuid uuid;
};

struct db_datum {
    unsigned int n;
    union db_atom *keys;
    union db_atom *values;      /* NULL unless a map. */
};

/* Resolves "@name" symbols and named-uuids while parsing: given a name,
 * sets '*uuid' and returns true, or returns false if the name is unknown.
 * 'aux' is passed through. */
struct db_symbol_table {
    bool (*lookup)(void *aux, const char *name, struct uuid *uuid);
    void *aux;
};

/* Atoms. */
void db_atom_init_default(union db_atom *, enum db_atomic_type);
void db_atom_destroy(union db_atom *, enum db_atomic_type);
void db_atom_clone(union db_atom *dst, const union db_atom *src,
                   enum db_atomic_type);
int db_atom_compare(const union db_atom *, const union db_atom *,
                    enum db_atomic_type);
bool db_atom_equals(const union db_atom *, const union db_atom *,
                    enum db_atomic_type);
uint32_t db_atom_hash(const union db_atom *, enum db_atomic_type,
                      uint32_t basis);
/* Checks 'atom' against the constraints of 'base' (range, length, enum).
 * Returns NULL or a malloc'd message. */
char *db_atom_check_constraints(const union db_atom *,
                                const struct db_base_type *)
    __attribute__((warn_unused_result));
char *db_atom_from_json(union db_atom *, const struct db_base_type *,
                        const json_t *, const struct db_symbol_table *)
    __attribute__((warn_unused_result));
json_t *db_atom_to_json(const union db_atom *, enum db_atomic_type);
/* Command-line syntax.  Parses all of 's' (already unquoted by the caller
 * only if it was one shell word; JSON-quoted strings are unquoted here). */
char *db_atom_from_string(union db_atom *, const struct db_base_type *,
                          const char *s, const struct db_symbol_table *)
    __attribute__((warn_unused_result));
void db_atom_to_string(const union db_atom *, enum db_atomic_type,
                       struct dstr *);
void db_atom_to_bare(const union db_atom *, enum db_atomic_type,
                     struct dstr *);

/* Datums. */
void db_datum_init_empty(struct db_datum *);
void db_datum_init_default(struct db_datum *, const struct db_type *);
void db_datum_destroy(struct db_datum *, const struct db_type *);
void db_datum_clone(struct db_datum *dst, const struct db_datum *src,
                    const struct db_type *);
void db_datum_swap(struct db_datum *, struct db_datum *);
bool db_datum_equals(const struct db_datum *, const struct db_datum *,
                     const struct db_type *);
int db_datum_compare(const struct db_datum *, const struct db_datum *,
                     const struct db_type *);
uint32_t db_datum_hash(const struct db_datum *, const struct db_type *,
                       uint32_t basis);

/* Index of 'key' in 'datum', or UINT_MAX if absent (binary search). */
unsigned int db_datum_find_key(const struct db_datum *,
                               const union db_atom *key,
                               enum db_atomic_type);
/* Adds 'key' (and 'value' for maps) taking ownership; an existing key keeps
 * its old value (RFC 7047 "insert" semantics) unless 'replace'. */
void db_datum_add(struct db_datum *, const struct db_type *,
                  union db_atom *key, union db_atom *value, bool replace);
/* Removes every element of 'b' from 'a'.  For maps, an element of 'b' that
 * has a value removes the pair only if the values match; 'b_is_set' means
 * 'b' holds only keys (remove by key). */
void db_datum_subtract(struct db_datum *a, const struct db_type *,
                       const struct db_datum *b, bool b_is_set);
/* Adds every element of 'b' into 'a' (copies). */
void db_datum_union(struct db_datum *a, const struct db_type *,
                    const struct db_datum *b, bool replace);
/* True if every element of 'b' is in 'a' (maps: key and value). */
bool db_datum_includes(const struct db_datum *a, const struct db_datum *b,
                       const struct db_type *);
/* True if no element of 'b' is in 'a'. */
bool db_datum_excludes(const struct db_datum *a, const struct db_datum *b,
                       const struct db_type *);
/* Sorts the keys and removes duplicates.  Duplicate set elements, and
 * duplicate map pairs, are merged silently; a map key that appears with
 * different values is an error (the datum is still left sorted and without
 * duplicates).  Returns NULL or a malloc'd message. */
char *db_datum_sort_unique(struct db_datum *, const struct db_type *)
    __attribute__((warn_unused_result));

/* Checks element count and every atom's constraints against 'type'. */
char *db_datum_check(const struct db_datum *, const struct db_type *)
    __attribute__((warn_unused_result));

char *db_datum_from_json(struct db_datum *, const struct db_type *,
                         const json_t *, const struct db_symbol_table *)
    __attribute__((warn_unused_result));
json_t *db_datum_to_json(const struct db_datum *, const struct db_type *);

/* Command-line syntax for a whole column value. */
char *db_datum_from_string(struct db_datum *, const struct db_type *,
                           const char *, const struct db_symbol_table *)
    __attribute__((warn_unused_result));
void db_datum_to_string(const struct db_datum *, const struct db_type *,
                        struct dstr *);
/* The ovs-vsctl "--data=bare" output syntax: no brackets, strings never
 * quoted, elements separated by single spaces and map pairs written as
 * KEY=VALUE, e.g. "a b" for a set and "k=v k2=v2" for a map.  An empty
 * value prints nothing. */
void db_datum_to_bare(const struct db_datum *, const struct db_type *,
                      struct dstr *);

/* Helpers for the common scalar cases. */
void db_datum_init_string(struct db_datum *, const char *);
void db_datum_init_integer(struct db_datum *, int64_t);
void db_datum_init_boolean(struct db_datum *, bool);
void db_datum_init_uuid(struct db_datum *, const struct uuid *);
/* Map<string,string> lookup; NULL if absent. */
const char *db_datum_smap_get(const struct db_datum *, const char *key);

#endif /* db-data.h */
