#include <config.h>
#include "db-data.h"

#include <ctype.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hmap.h"
#include "util.h"

/* Atoms. */

void
db_atom_init_default(union db_atom *atom, enum db_atomic_type type)
{
    memset(atom, 0, sizeof *atom);
    if (type == DB_STRING) {
        atom->string = xstrdup("");
    }
}

void
db_atom_destroy(union db_atom *atom, enum db_atomic_type type)
{
    if (type == DB_STRING) {
        free(atom->string);
        atom->string = NULL;
    }
}

void
db_atom_clone(union db_atom *dst, const union db_atom *src,
              enum db_atomic_type type)
{
    *dst = *src;
    if (type == DB_STRING) {
        dst->string = xstrdup(src->string);
    }
}

int
db_atom_compare(const union db_atom *a, const union db_atom *b,
                enum db_atomic_type type)
{
    switch (type) {
    case DB_INTEGER:
        return a->integer < b->integer ? -1 : a->integer > b->integer;
    case DB_REAL:
        return a->real < b->real ? -1 : a->real > b->real;
    case DB_BOOLEAN:
        return (int) a->boolean - (int) b->boolean;
    case DB_STRING:
        return strcmp(a->string, b->string);
    case DB_UUID:
        return uuid_compare(&a->uuid, &b->uuid);
    case DB_VOID:
        break;
    }
    return 0;
}

bool
db_atom_equals(const union db_atom *a, const union db_atom *b,
               enum db_atomic_type type)
{
    return !db_atom_compare(a, b, type);
}

uint32_t
db_atom_hash(const union db_atom *atom, enum db_atomic_type type,
             uint32_t basis)
{
    switch (type) {
    case DB_INTEGER:
        return hash_bytes(&atom->integer, sizeof atom->integer, basis);
    case DB_REAL:
        return hash_bytes(&atom->real, sizeof atom->real, basis);
    case DB_BOOLEAN:
        return hash_add(basis, atom->boolean);
    case DB_STRING:
        return hash_string(atom->string, basis);
    case DB_UUID:
        return hash_bytes(&atom->uuid, sizeof atom->uuid, basis);
    case DB_VOID:
        break;
    }
    return basis;
}

static size_t
utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        if (((unsigned char) *s & 0xc0) != 0x80) {
            n++;
        }
    }
    return n;
}

static char *
describe_enum(const struct db_base_type *base)
{
    struct dstr ds = DSTR_INITIALIZER;
    for (unsigned int i = 0; i < base->enum_->n; i++) {
        if (i) {
            dstr_puts(&ds, ", ");
        }
        db_atom_to_string(&base->enum_->keys[i], base->type, &ds);
    }
    return dstr_steal(&ds);
}

char *
db_atom_check_constraints(const union db_atom *atom,
                          const struct db_base_type *base)
{
    if (base->enum_
        && db_datum_find_key(base->enum_, atom, base->type) == UINT_MAX) {
        struct dstr ds = DSTR_INITIALIZER;
        char *allowed = describe_enum(base);
        db_atom_to_string(atom, base->type, &ds);
        char *msg = xasprintf("%s is not one of the allowed values (%s)",
                              dstr_cstr(&ds), allowed);
        free(allowed);
        dstr_destroy(&ds);
        return msg;
    }

    switch (base->type) {
    case DB_INTEGER:
        if (atom->integer < base->u.integer.min
            || atom->integer > base->u.integer.max) {
            if (base->u.integer.max == INT64_MAX) {
                return xasprintf("%"PRId64" is less than minimum allowed "
                                 "value %"PRId64, atom->integer,
                                 base->u.integer.min);
            } else if (base->u.integer.min == INT64_MIN) {
                return xasprintf("%"PRId64" is greater than maximum "
                                 "allowed value %"PRId64, atom->integer,
                                 base->u.integer.max);
            }
            return xasprintf("%"PRId64" is not in the valid range "
                             "%"PRId64" to %"PRId64" (inclusive)",
                             atom->integer, base->u.integer.min,
                             base->u.integer.max);
        }
        break;
    case DB_REAL:
        if (atom->real < base->u.real.min || atom->real > base->u.real.max) {
            return xasprintf("%.17g is not in the valid range %.17g to "
                             "%.17g (inclusive)", atom->real,
                             base->u.real.min, base->u.real.max);
        }
        break;
    case DB_STRING: {
        size_t len = utf8_length(atom->string);
        if (len < base->u.string.min_len) {
            return xasprintf("\"%s\" length %zu is less than minimum "
                             "allowed length %u", atom->string, len,
                             base->u.string.min_len);
        }
        if (len > base->u.string.max_len) {
            return xasprintf("\"%s\" length %zu is greater than maximum "
                             "allowed length %u", atom->string, len,
                             base->u.string.max_len);
        }
        break;
    }
    case DB_VOID:
    case DB_BOOLEAN:
    case DB_UUID:
        break;
    }
    return NULL;
}

static char *
uuid_from_json(struct uuid *uuid, const json_t *j,
               const struct db_symbol_table *symtab)
{
    const char *tag, *value;
    if (!json_is_array(j) || json_array_size(j) != 2
        || !json_is_string(json_array_get(j, 0))
        || !json_is_string(json_array_get(j, 1))) {
        return xstrdup("expected [\"uuid\", <uuid>] or "
                       "[\"named-uuid\", <name>]");
    }
    tag = json_string_value(json_array_get(j, 0));
    value = json_string_value(json_array_get(j, 1));
    if (!strcmp(tag, "uuid")) {
        if (!uuid_from_string(uuid, value)) {
            return xasprintf("\"%s\" is not a valid UUID", value);
        }
        return NULL;
    } else if (!strcmp(tag, "named-uuid")) {
        if (!symtab || !symtab->lookup(symtab->aux, value, uuid)) {
            return xasprintf("unknown named-uuid \"%s\"", value);
        }
        return NULL;
    }
    return xasprintf("unexpected \"%s\" where a UUID was expected", tag);
}

/* Checks 'atom', just parsed as a value of 'base', against the constraints
 * of 'base', and destroys it if it fails them.  Returns NULL or a malloc'd
 * message. */
static char *
atom_check_parsed(union db_atom *atom, const struct db_base_type *base)
{
    char *error = db_atom_check_constraints(atom, base);

    if (error) {
        db_atom_destroy(atom, base->type);
    }
    return error;
}

char *
db_atom_from_json(union db_atom *atom, const struct db_base_type *base,
                  const json_t *j, const struct db_symbol_table *symtab)
{
    char *error = NULL;

    switch (base->type) {
    case DB_INTEGER:
        if (!json_is_integer(j)) {
            return xstrdup("expected integer");
        }
        atom->integer = json_integer_value(j);
        break;
    case DB_REAL:
        if (!json_is_number(j)) {
            return xstrdup("expected real number");
        }
        atom->real = json_number_value(j);
        break;
    case DB_BOOLEAN:
        if (!json_is_boolean(j)) {
            return xstrdup("expected boolean");
        }
        atom->boolean = json_is_true(j);
        break;
    case DB_STRING:
        if (!json_is_string(j)) {
            return xstrdup("expected string");
        }
        atom->string = xstrdup(json_string_value(j));
        break;
    case DB_UUID:
        error = uuid_from_json(&atom->uuid, j, symtab);
        if (error) {
            return error;
        }
        break;
    case DB_VOID:
        return xstrdup("void type has no values");
    }

    return atom_check_parsed(atom, base);
}

json_t *
db_atom_to_json(const union db_atom *atom, enum db_atomic_type type)
{
    char buf[UUID_LEN + 1];

    switch (type) {
    case DB_INTEGER:
        return json_integer(atom->integer);
    case DB_REAL:
        return json_real(atom->real);
    case DB_BOOLEAN:
        return json_boolean(atom->boolean);
    case DB_STRING:
        return json_string(atom->string);
    case DB_UUID:
        uuid_to_string(&atom->uuid, buf);
        return json_pack("[ss]", "uuid", buf);
    case DB_VOID:
        break;
    }
    return json_null();
}

/* Decodes a JSON-quoted string "..." into '*out'. */
static char *
unquote_string(const char *s, char **out)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
    if (!j || !json_is_string(j)) {
        json_decref(j);
        return xasprintf("%s: syntax error in quoted string", s);
    }
    *out = xstrdup(json_string_value(j));
    json_decref(j);
    return NULL;
}

/* True if 's' is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).  Strings from JSON always are
 * (jansson checks); the ovs-vsctl syntax takes bytes from a command line,
 * and a string that JSON cannot represent must not reach the database,
 * whose journal and clients speak JSON. */
static bool
utf8_is_valid(const char *s_)
{
    const unsigned char *s = (const unsigned char *) s_;

    while (*s) {
        unsigned int c = *s++;
        int n;
        unsigned int min;

        if (c < 0x80) {
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return false;
        }
        for (; n > 0; n--, s++) {
            if ((*s & 0xc0) != 0x80) {
                return false;
            }
            c = (c << 6) | (*s & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            return false;
        }
    }
    return true;
}

char *
db_atom_from_string(union db_atom *atom, const struct db_base_type *base,
                    const char *s, const struct db_symbol_table *symtab)
{
    long long ll;
    char *error = NULL;

    switch (base->type) {
    case DB_INTEGER:
        if (!str_to_llong(s, 10, &ll)) {
            return xasprintf("\"%s\" is not a valid integer", s);
        }
        atom->integer = ll;
        break;
    case DB_REAL:
        if (!str_to_double(s, &atom->real) || !isfinite(atom->real)) {
            return xasprintf("\"%s\" is not a valid real number", s);
        }
        break;
    case DB_BOOLEAN:
        if (!strcmp(s, "true")) {
            atom->boolean = true;
        } else if (!strcmp(s, "false")) {
            atom->boolean = false;
        } else {
            return xasprintf("\"%s\" is not a valid boolean (use \"true\" "
                             "or \"false\")", s);
        }
        break;
    case DB_STRING:
        if (*s == '"') {
            error = unquote_string(s, &atom->string);
            if (error) {
                return error;
            }
        } else if (!utf8_is_valid(s)) {
            /* Not quoting 's' back: the message itself goes out as JSON. */
            return xstrdup("string is not valid UTF-8");
        } else {
            atom->string = xstrdup(s);
        }
        break;
    case DB_UUID:
        if (*s == '@') {
            if (!symtab || !symtab->lookup(symtab->aux, s, &atom->uuid)) {
                return xasprintf("\"%s\" is not a known row name", s);
            }
        } else if (!uuid_from_string(&atom->uuid, s)) {
            return xasprintf("\"%s\" is not a valid UUID", s);
        }
        break;
    case DB_VOID:
        return xstrdup("void type has no values");
    }

    return atom_check_parsed(atom, base);
}

/* A string prints bare if it reads back as the same string: an
 * identifier-like word that is not a boolean or number.  Like ovs-vsctl,
 * a string that looks like a UUID is quoted too, so that it is not taken
 * for a row reference. */
static bool
string_needs_quotes(const char *s)
{
    struct uuid uuid;

    if (!*s || (!isalpha((unsigned char) *s) && *s != '_')) {
        return true;
    }
    for (const char *p = s; *p; p++) {
        if (!isalnum((unsigned char) *p) && *p != '_' && *p != '-'
            && *p != '.') {
            return true;
        }
    }
    return !strcmp(s, "true") || !strcmp(s, "false")
           || uuid_from_string(&uuid, s);
}

static void
put_quoted(const char *s, struct dstr *ds)
{
    json_t *j = json_string(s);
    char *q = json_dumps(j, JSON_ENCODE_ANY);
    dstr_puts(ds, q ? q : "\"\"");
    free(q);
    json_decref(j);
}

static void
atom_to_text(const union db_atom *atom, enum db_atomic_type type,
             bool bare, struct dstr *ds)
{
    char buf[UUID_LEN + 1];

    switch (type) {
    case DB_INTEGER:
        dstr_printf(ds, "%"PRId64, atom->integer);
        break;
    case DB_REAL:
        dstr_printf(ds, "%.17g", atom->real);
        break;
    case DB_BOOLEAN:
        dstr_puts(ds, atom->boolean ? "true" : "false");
        break;
    case DB_STRING:
        if (bare || !string_needs_quotes(atom->string)) {
            dstr_puts(ds, atom->string);
        } else {
            put_quoted(atom->string, ds);
        }
        break;
    case DB_UUID:
        uuid_to_string(&atom->uuid, buf);
        dstr_puts(ds, buf);
        break;
    case DB_VOID:
        break;
    }
}

void
db_atom_to_string(const union db_atom *atom, enum db_atomic_type type,
                  struct dstr *ds)
{
    atom_to_text(atom, type, false, ds);
}

void
db_atom_to_bare(const union db_atom *atom, enum db_atomic_type type,
                struct dstr *ds)
{
    atom_to_text(atom, type, true, ds);
}

/* Datums. */

void
db_datum_init_empty(struct db_datum *d)
{
    d->n = 0;
    d->keys = NULL;
    d->values = NULL;
}

void
db_datum_init_default(struct db_datum *d, const struct db_type *type)
{
    db_datum_init_empty(d);
    if (type->n_min) {
        d->n = 1;
        d->keys = xmalloc(sizeof *d->keys);
        db_atom_init_default(&d->keys[0], type->key.type);
        if (type->value.type != DB_VOID) {
            d->values = xmalloc(sizeof *d->values);
            db_atom_init_default(&d->values[0], type->value.type);
        }
    }
}

void
db_datum_destroy(struct db_datum *d, const struct db_type *type)
{
    for (unsigned int i = 0; i < d->n; i++) {
        db_atom_destroy(&d->keys[i], type->key.type);
        if (d->values) {
            db_atom_destroy(&d->values[i], type->value.type);
        }
    }
    free(d->keys);
    free(d->values);
    db_datum_init_empty(d);
}

void
db_datum_clone(struct db_datum *dst, const struct db_datum *src,
               const struct db_type *type)
{
    dst->n = src->n;
    dst->keys = src->n ? xmalloc(src->n * sizeof *dst->keys) : NULL;
    dst->values = src->n && src->values
                  ? xmalloc(src->n * sizeof *dst->values) : NULL;
    for (unsigned int i = 0; i < src->n; i++) {
        db_atom_clone(&dst->keys[i], &src->keys[i], type->key.type);
        if (dst->values) {
            db_atom_clone(&dst->values[i], &src->values[i],
                          type->value.type);
        }
    }
}

void
db_datum_swap(struct db_datum *a, struct db_datum *b)
{
    struct db_datum tmp = *a;
    *a = *b;
    *b = tmp;
}

int
db_datum_compare(const struct db_datum *a, const struct db_datum *b,
                 const struct db_type *type)
{
    for (unsigned int i = 0; i < a->n && i < b->n; i++) {
        int c = db_atom_compare(&a->keys[i], &b->keys[i], type->key.type);
        if (!c && a->values && b->values) {
            c = db_atom_compare(&a->values[i], &b->values[i],
                                type->value.type);
        }
        if (c) {
            return c;
        }
    }
    return a->n < b->n ? -1 : a->n > b->n;
}

bool
db_datum_equals(const struct db_datum *a, const struct db_datum *b,
                const struct db_type *type)
{
    return a->n == b->n && !db_datum_compare(a, b, type);
}

uint32_t
db_datum_hash(const struct db_datum *d, const struct db_type *type,
              uint32_t basis)
{
    for (unsigned int i = 0; i < d->n; i++) {
        basis = db_atom_hash(&d->keys[i], type->key.type, basis);
        if (d->values) {
            basis = db_atom_hash(&d->values[i], type->value.type, basis);
        }
    }
    return hash_add(basis, d->n);
}

unsigned int
db_datum_find_key(const struct db_datum *d, const union db_atom *key,
                  enum db_atomic_type type)
{
    unsigned int lo = 0, hi = d->n;
    while (lo < hi) {
        unsigned int mid = lo + (hi - lo) / 2;
        int c = db_atom_compare(key, &d->keys[mid], type);
        if (!c) {
            return mid;
        } else if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return UINT_MAX;
}

/* Index where 'key' is or would be inserted. */
static unsigned int
lower_bound(const struct db_datum *d, const union db_atom *key,
            enum db_atomic_type type)
{
    unsigned int lo = 0, hi = d->n;
    while (lo < hi) {
        unsigned int mid = lo + (hi - lo) / 2;
        if (db_atom_compare(&d->keys[mid], key, type) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void
db_datum_add(struct db_datum *d, const struct db_type *type,
             union db_atom *key, union db_atom *value, bool replace)
{
    bool is_map = type->value.type != DB_VOID;
    unsigned int i = lower_bound(d, key, type->key.type);

    if (i < d->n && db_atom_equals(&d->keys[i], key, type->key.type)) {
        if (is_map && replace) {
            db_atom_destroy(&d->values[i], type->value.type);
            d->values[i] = *value;
        } else if (is_map) {
            db_atom_destroy(value, type->value.type);
        }
        db_atom_destroy(key, type->key.type);
        return;
    }

    d->keys = xrealloc(d->keys, (d->n + 1) * sizeof *d->keys);
    memmove(&d->keys[i + 1], &d->keys[i], (d->n - i) * sizeof *d->keys);
    d->keys[i] = *key;
    if (is_map) {
        d->values = xrealloc(d->values, (d->n + 1) * sizeof *d->values);
        memmove(&d->values[i + 1], &d->values[i],
                (d->n - i) * sizeof *d->values);
        d->values[i] = *value;
    }
    d->n++;
}

static void
remove_index(struct db_datum *d, const struct db_type *type, unsigned int i)
{
    db_atom_destroy(&d->keys[i], type->key.type);
    memmove(&d->keys[i], &d->keys[i + 1], (d->n - i - 1) * sizeof *d->keys);
    if (d->values) {
        db_atom_destroy(&d->values[i], type->value.type);
        memmove(&d->values[i], &d->values[i + 1],
                (d->n - i - 1) * sizeof *d->values);
    }
    d->n--;
}

void
db_datum_subtract(struct db_datum *a, const struct db_type *type,
                  const struct db_datum *b, bool b_is_set)
{
    for (unsigned int j = 0; j < b->n; j++) {
        unsigned int i = db_datum_find_key(a, &b->keys[j], type->key.type);
        if (i == UINT_MAX) {
            continue;
        }
        if (a->values && !b_is_set && b->values
            && !db_atom_equals(&a->values[i], &b->values[j],
                               type->value.type)) {
            continue;
        }
        remove_index(a, type, i);
    }
}

void
db_datum_union(struct db_datum *a, const struct db_type *type,
               const struct db_datum *b, bool replace)
{
    for (unsigned int j = 0; j < b->n; j++) {
        union db_atom key, value;
        db_atom_clone(&key, &b->keys[j], type->key.type);
        if (b->values) {
            db_atom_clone(&value, &b->values[j], type->value.type);
        }
        db_datum_add(a, type, &key, b->values ? &value : NULL, replace);
    }
}

bool
db_datum_includes(const struct db_datum *a, const struct db_datum *b,
                  const struct db_type *type)
{
    for (unsigned int j = 0; j < b->n; j++) {
        unsigned int i = db_datum_find_key(a, &b->keys[j], type->key.type);
        if (i == UINT_MAX
            || (a->values && b->values
                && !db_atom_equals(&a->values[i], &b->values[j],
                                   type->value.type))) {
            return false;
        }
    }
    return true;
}

bool
db_datum_excludes(const struct db_datum *a, const struct db_datum *b,
                  const struct db_type *type)
{
    for (unsigned int j = 0; j < b->n; j++) {
        unsigned int i = db_datum_find_key(a, &b->keys[j], type->key.type);
        if (i != UINT_MAX
            && (!a->values || !b->values
                || db_atom_equals(&a->values[i], &b->values[j],
                                  type->value.type))) {
            return false;
        }
    }
    return true;
}

struct pair {
    union db_atom key, value;
    enum db_atomic_type type;
};

static int
compare_pairs(const void *a_, const void *b_)
{
    const struct pair *a = a_, *b = b_;
    return db_atom_compare(&a->key, &b->key, a->type);
}

char *
db_datum_sort_unique(struct db_datum *d, const struct db_type *type)
{
    if (d->n < 2) {
        return NULL;
    }
    struct pair *pairs = xmalloc(d->n * sizeof *pairs);
    for (unsigned int i = 0; i < d->n; i++) {
        pairs[i].key = d->keys[i];
        pairs[i].value = d->values ? d->values[i] : pairs[i].key;
        pairs[i].type = type->key.type;
    }
    qsort(pairs, d->n, sizeof *pairs, compare_pairs);

    unsigned int n = 0;
    char *error = NULL;
    for (unsigned int i = 0; i < d->n; i++) {
        if (n && !compare_pairs(&pairs[n - 1], &pairs[i])) {
            bool same = !d->values
                        || db_atom_equals(&pairs[n - 1].value,
                                          &pairs[i].value, type->value.type);
            if (!same && !error) {
                struct dstr ds = DSTR_INITIALIZER;
                db_atom_to_string(&pairs[i].key, type->key.type, &ds);
                error = xasprintf("map contains duplicate key %s",
                                  dstr_cstr(&ds));
                dstr_destroy(&ds);
            }
            db_atom_destroy(&pairs[i].key, type->key.type);
            if (d->values) {
                db_atom_destroy(&pairs[i].value, type->value.type);
            }
            continue;
        }
        pairs[n++] = pairs[i];
    }
    for (unsigned int i = 0; i < n; i++) {
        d->keys[i] = pairs[i].key;
        if (d->values) {
            d->values[i] = pairs[i].value;
        }
    }
    d->n = n;
    free(pairs);
    return error;
}

char *
db_datum_check(const struct db_datum *d, const struct db_type *type)
{
    if (d->n < type->n_min) {
        return xasprintf("%u values when type requires at least %u",
                         d->n, type->n_min);
    }
    if (d->n > type->n_max) {
        return xasprintf("%u values when type allows at most %u",
                         d->n, type->n_max);
    }
    for (unsigned int i = 0; i < d->n; i++) {
        char *error = db_atom_check_constraints(&d->keys[i], &type->key);
        if (!error && d->values) {
            error = db_atom_check_constraints(&d->values[i], &type->value);
        }
        if (error) {
            return error;
        }
    }
    return NULL;
}

static void
datum_append(struct db_datum *d, const union db_atom *key,
             const union db_atom *value)
{
    d->keys = xrealloc(d->keys, (d->n + 1) * sizeof *d->keys);
    d->keys[d->n] = *key;
    if (value) {
        d->values = xrealloc(d->values, (d->n + 1) * sizeof *d->values);
        d->values[d->n] = *value;
    }
    d->n++;
}

static bool
is_tagged_array(const json_t *j, const char *tag)
{
    return json_is_array(j) && json_array_size(j) == 2
           && json_is_string(json_array_get(j, 0))
           && !strcmp(json_string_value(json_array_get(j, 0)), tag);
}

static char *
map_from_json(struct db_datum *d, const struct db_type *type,
              const json_t *j, const struct db_symbol_table *symtab)
{
    const json_t *pairs = json_array_get(j, 1);
    size_t i;
    const json_t *pair;

    if (!json_is_array(pairs)) {
        return xstrdup("[\"map\", ...] requires an array of pairs");
    }
    json_array_foreach (pairs, i, pair) {
        union db_atom key, value;
        char *error;
        if (!json_is_array(pair) || json_array_size(pair) != 2) {
            return xstrdup("map element must be a [key, value] pair");
        }
        error = db_atom_from_json(&key, &type->key, json_array_get(pair, 0),
                                  symtab);
        if (error) {
            return error;
        }
        error = db_atom_from_json(&value, &type->value,
                                  json_array_get(pair, 1), symtab);
        if (error) {
            db_atom_destroy(&key, type->key.type);
            return error;
        }
        datum_append(d, &key, &value);
    }
    return NULL;
}

char *
db_datum_from_json(struct db_datum *d, const struct db_type *type,
                   const json_t *j, const struct db_symbol_table *symtab)
{
    char *error = NULL;

    db_datum_init_empty(d);
    if (db_type_is_map(type)) {
        if (!is_tagged_array(j, "map")) {
            return xstrdup("expected [\"map\", [[key, value], ...]]");
        }
        error = map_from_json(d, type, j, symtab);
    } else if (is_tagged_array(j, "set")) {
        /* RFC 7047 allows a <set> for any column, scalars included; the
         * count check below enforces the bounds. */
        const json_t *elems = json_array_get(j, 1), *e;
        size_t i;
        if (!json_is_array(elems)) {
            return xstrdup("[\"set\", ...] requires an array");
        }
        json_array_foreach (elems, i, e) {
            union db_atom atom;
            error = db_atom_from_json(&atom, &type->key, e, symtab);
            if (error) {
                break;
            }
            datum_append(d, &atom, NULL);
        }
    } else {
        union db_atom atom;
        error = db_atom_from_json(&atom, &type->key, j, symtab);
        if (!error) {
            datum_append(d, &atom, NULL);
        }
    }

    if (!error) {
        if (!db_type_is_map(type) && d->n > 1) {
            /* Duplicate set elements are an error in JSON. */
            unsigned int before = d->n;
            error = db_datum_sort_unique(d, type);
            if (!error && d->n != before) {
                error = xstrdup("set contains duplicate value");
            }
        } else {
            error = db_datum_sort_unique(d, type);
        }
    }
    if (!error) {
        error = db_datum_check(d, type);
    }
    if (error) {
        db_datum_destroy(d, type);
    }
    return error;
}

json_t *
db_datum_to_json(const struct db_datum *d, const struct db_type *type)
{
    if (db_type_is_map(type)) {
        json_t *pairs = json_array();
        for (unsigned int i = 0; i < d->n; i++) {
            json_array_append_new(
                pairs, json_pack("[oo]",
                                 db_atom_to_json(&d->keys[i], type->key.type),
                                 db_atom_to_json(&d->values[i],
                                                 type->value.type)));
        }
        return json_pack("[so]", "map", pairs);
    }
    if (d->n == 1) {
        return db_atom_to_json(&d->keys[0], type->key.type);
    }
    json_t *elems = json_array();
    for (unsigned int i = 0; i < d->n; i++) {
        json_array_append_new(elems,
                              db_atom_to_json(&d->keys[i], type->key.type));
    }
    return json_pack("[so]", "set", elems);
}

/* Command-line syntax. */

/* Reads one token from '*p': a JSON-quoted string (returned with its
 * quotes, for db_atom_from_string to decode) or a run of characters up to
 * one of 'delims' or white space.  Returns NULL at the end of input. */
static char *
next_token(const char **p, const char *delims, char **error)
{
    const char *s = *p;
    while (isspace((unsigned char) *s)) {
        s++;
    }
    if (!*s || strchr(delims, *s)) {
        *p = s;
        return NULL;
    }
    const char *start = s;
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) {
            if (*s == '\\' && s[1]) {
                s++;
            }
        }
        if (*s != '"') {
            *error = xasprintf("%s: missing quote at end of quoted string",
                               start);
            return NULL;
        }
        s++;
    } else {
        while (*s && !isspace((unsigned char) *s) && !strchr(delims, *s)) {
            s++;
        }
    }
    *p = s;
    return xstrndup(start, s - start);
}

static void
skip_space(const char **p)
{
    while (isspace((unsigned char) **p)) {
        (*p)++;
    }
}

/* Parses an integer range "A-B" into the set. */
static char *
parse_int_range(struct db_datum *d, const struct db_type *type,
                const char *tok, bool *handled)
{
    const char *dash = strchr(tok + 1, '-');
    long long lo, hi;
    *handled = false;
    if (type->key.type != DB_INTEGER || !dash || tok[0] == '-') {
        return NULL;
    }
    char *a = xstrndup(tok, dash - tok);
    bool ok = str_to_llong(a, 10, &lo) && str_to_llong(dash + 1, 10, &hi);
    free(a);
    if (!ok) {
        return NULL;
    }
    *handled = true;
    if (hi < lo) {
        return xasprintf("%s: range end %lld is less than start %lld",
                         tok, hi, lo);
    }
    if (hi - lo >= 65536) {
        return xasprintf("%s: range too large", tok);
    }
    for (long long v = lo; v <= hi; v++) {
        union db_atom atom = { .integer = v };
        char *error = db_atom_check_constraints(&atom, &type->key);
        if (error) {
            return error;
        }
        datum_append(d, &atom, NULL);
    }
    return NULL;
}

static char *
set_or_map_from_string(struct db_datum *d, const struct db_type *type,
                       const char *s, const struct db_symbol_table *symtab)
{
    bool is_map = db_type_is_map(type);
    char open = is_map ? '{' : '[', close = is_map ? '}' : ']';
    const char *p = s;
    char *error = NULL;

    skip_space(&p);
    bool bracketed = *p == open;
    if (bracketed) {
        p++;
    }
    for (;;) {
        skip_space(&p);
        if (!*p || (bracketed && *p == close)) {
            break;
        }
        char *key = next_token(&p, is_map ? ",=}" : ",]", &error);
        if (!key) {
            if (!error) {
                error = xasprintf("%s: syntax error at \"%s\"", s, p);
            }
            break;
        }
        union db_atom katom, vatom;
        if (!is_map) {
            bool handled;
            error = parse_int_range(d, type, key, &handled);
            if (!handled && !error) {
                error = db_atom_from_string(&katom, &type->key, key, symtab);
                if (!error) {
                    datum_append(d, &katom, NULL);
                }
            }
            free(key);
        } else {
            skip_space(&p);
            if (*p != '=') {
                error = xasprintf("%s: missing \"=\" after map key %s",
                                  s, key);
                free(key);
                break;
            }
            p++;
            char *val = next_token(&p, ",}", &error);
            if (!val && !error) {
                val = xstrdup("");
            }
            if (!error) {
                error = db_atom_from_string(&katom, &type->key, key, symtab);
            }
            if (!error) {
                error = db_atom_from_string(&vatom, &type->value, val,
                                            symtab);
                if (error) {
                    db_atom_destroy(&katom, type->key.type);
                } else {
                    datum_append(d, &katom, &vatom);
                }
            }
            free(key);
            free(val);
        }
        if (error) {
            break;
        }
        skip_space(&p);
        if (*p == ',') {
            p++;
        }
    }
    if (!error && bracketed) {
        if (*p != close) {
            error = xasprintf("%s: missing \"%c\"", s, close);
        } else {
            p++;
            skip_space(&p);
            if (*p) {
                error = xasprintf("%s: trailing garbage \"%s\"", s, p);
            }
        }
    }
    return error;
}

char *
db_datum_from_string(struct db_datum *d, const struct db_type *type,
                     const char *s, const struct db_symbol_table *symtab)
{
    char *error = NULL;

    db_datum_init_empty(d);
    if (db_type_is_scalar(type)) {
        union db_atom atom;
        error = db_atom_from_string(&atom, &type->key, s, symtab);
        if (!error) {
            datum_append(d, &atom, NULL);
        }
    } else {
        error = set_or_map_from_string(d, type, s, symtab);
    }
    if (!error) {
        error = db_datum_sort_unique(d, type);
    }
    if (!error) {
        error = db_datum_check(d, type);
        if (error && d->n > type->n_max) {
            free(error);
            error = xasprintf("\"%s\" has %u values but at most %u %s "
                              "allowed", s, d->n, type->n_max,
                              type->n_max == 1 ? "is" : "are");
        } else if (error && d->n < type->n_min) {
            free(error);
            error = xasprintf("\"%s\": a value is required", s);
        }
    }
    if (error) {
        db_datum_destroy(d, type);
    }
    return error;
}

static void
datum_to_text(const struct db_datum *d, const struct db_type *type,
              bool bare, struct dstr *ds)
{
    bool is_map = db_type_is_map(type);
    bool brackets = !bare && (is_map || type->n_max > 1 || !d->n);

    if (brackets) {
        dstr_putc(ds, is_map ? '{' : '[');
    }
    for (unsigned int i = 0; i < d->n; i++) {
        if (i) {
            dstr_puts(ds, bare ? " " : ", ");
        }
        atom_to_text(&d->keys[i], type->key.type, bare, ds);
        if (is_map) {
            dstr_putc(ds, '=');
            atom_to_text(&d->values[i], type->value.type, bare, ds);
        }
    }
    if (brackets) {
        dstr_putc(ds, is_map ? '}' : ']');
    }
}

void
db_datum_to_string(const struct db_datum *d, const struct db_type *type,
                   struct dstr *ds)
{
    datum_to_text(d, type, false, ds);
}

void
db_datum_to_bare(const struct db_datum *d, const struct db_type *type,
                 struct dstr *ds)
{
    datum_to_text(d, type, true, ds);
}

void
db_datum_init_string(struct db_datum *d, const char *s)
{
    union db_atom atom = { .string = xstrdup(s) };
    db_datum_init_empty(d);
    datum_append(d, &atom, NULL);
}

void
db_datum_init_integer(struct db_datum *d, int64_t v)
{
    union db_atom atom = { .integer = v };
    db_datum_init_empty(d);
    datum_append(d, &atom, NULL);
}

void
db_datum_init_boolean(struct db_datum *d, bool b)
{
    union db_atom atom = { .boolean = b };
    db_datum_init_empty(d);
    datum_append(d, &atom, NULL);
}

void
db_datum_init_uuid(struct db_datum *d, const struct uuid *u)
{
    union db_atom atom = { .uuid = *u };
    db_datum_init_empty(d);
    datum_append(d, &atom, NULL);
}

const char *
db_datum_smap_get(const struct db_datum *d, const char *key)
{
    union db_atom k = { .string = (char *) key };
    unsigned int i = db_datum_find_key(d, &k, DB_STRING);
    return i == UINT_MAX || !d->values ? NULL : d->values[i].string;
}
