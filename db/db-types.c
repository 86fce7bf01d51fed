#include <config.h>
#include "db-types.h"

#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "db-data.h"
#include "util.h"

static const char *const atomic_type_names[DB_N_ATOMIC_TYPES] = {
    "void", "integer", "real", "boolean", "string", "uuid",
};

const char *
db_atomic_type_name(enum db_atomic_type type)
{
    return type < DB_N_ATOMIC_TYPES ? atomic_type_names[type] : "?";
}

bool
db_atomic_type_from_name(const char *name, enum db_atomic_type *type)
{
    for (int i = DB_INTEGER; i < DB_N_ATOMIC_TYPES; i++) {
        if (!strcmp(name, atomic_type_names[i])) {
            *type = i;
            return true;
        }
    }
    return false;
}

void
db_base_type_init(struct db_base_type *base, enum db_atomic_type type)
{
    memset(base, 0, sizeof *base);
    base->type = type;
    switch (type) {
    case DB_INTEGER:
        base->u.integer.min = INT64_MIN;
        base->u.integer.max = INT64_MAX;
        break;
    case DB_REAL:
        base->u.real.min = -DBL_MAX;
        base->u.real.max = DBL_MAX;
        break;
    case DB_STRING:
        base->u.string.min_len = 0;
        base->u.string.max_len = UINT_MAX;
        break;
    case DB_UUID:
        base->u.uuid.ref_type = DB_REF_STRONG;
        break;
    case DB_VOID:
    case DB_BOOLEAN:
        break;
    }
}

/* The type of a base type's "enum" set: the same atomic type, any size. */
static void
enum_type_init(struct db_type *t, enum db_atomic_type atomic)
{
    db_type_init(t);
    db_base_type_init(&t->key, atomic);
    t->n_min = 0;
    t->n_max = DB_N_UNLIMITED;
}

void
db_base_type_destroy(struct db_base_type *base)
{
    if (base->enum_) {
        struct db_type t;
        enum_type_init(&t, base->type);
        db_datum_destroy(base->enum_, &t);
        free(base->enum_);
        base->enum_ = NULL;
    }
    if (base->type == DB_UUID) {
        free(base->u.uuid.ref_table_name);
        base->u.uuid.ref_table_name = NULL;
    }
}

void
db_base_type_clone(struct db_base_type *dst, const struct db_base_type *src)
{
    *dst = *src;
    if (src->enum_) {
        struct db_type t;
        enum_type_init(&t, src->type);
        dst->enum_ = xmalloc(sizeof *dst->enum_);
        db_datum_clone(dst->enum_, src->enum_, &t);
    }
    if (src->type == DB_UUID && src->u.uuid.ref_table_name) {
        dst->u.uuid.ref_table_name = xstrdup(src->u.uuid.ref_table_name);
    }
}

bool
db_base_type_is_ref(const struct db_base_type *base)
{
    return base->type == DB_UUID && base->u.uuid.ref_table_name;
}

bool
db_base_type_is_strong_ref(const struct db_base_type *base)
{
    return db_base_type_is_ref(base)
           && base->u.uuid.ref_type == DB_REF_STRONG;
}

bool
db_base_type_is_weak_ref(const struct db_base_type *base)
{
    return db_base_type_is_ref(base) && base->u.uuid.ref_type == DB_REF_WEAK;
}

void
db_type_init(struct db_type *t)
{
    memset(t, 0, sizeof *t);
    t->key.type = DB_VOID;
    t->value.type = DB_VOID;
    t->n_min = 1;
    t->n_max = 1;
}

void
db_type_destroy(struct db_type *t)
{
    db_base_type_destroy(&t->key);
    db_base_type_destroy(&t->value);
}

void
db_type_clone(struct db_type *dst, const struct db_type *src)
{
    *dst = *src;
    db_base_type_clone(&dst->key, &src->key);
    db_base_type_clone(&dst->value, &src->value);
}

static char *
get_int_member(const json_t *obj, const char *name, int64_t *out)
{
    const json_t *j = json_object_get(obj, name);
    if (j) {
        if (!json_is_integer(j)) {
            return xasprintf("\"%s\" must be an integer", name);
        }
        *out = json_integer_value(j);
    }
    return NULL;
}

static char *
get_real_member(const json_t *obj, const char *name, double *out)
{
    const json_t *j = json_object_get(obj, name);
    if (j) {
        if (!json_is_number(j)) {
            return xasprintf("\"%s\" must be a number", name);
        }
        *out = json_number_value(j);
    }
    return NULL;
}

static char *
base_type_constraints_from_json(struct db_base_type *base, const json_t *j)
{
    char *error = NULL;
    int64_t lo, hi;

    switch (base->type) {
    case DB_INTEGER:
        error = get_int_member(j, "minInteger", &base->u.integer.min);
        if (!error) {
            error = get_int_member(j, "maxInteger", &base->u.integer.max);
        }
        if (!error && base->u.integer.min > base->u.integer.max) {
            error = xstrdup("minInteger exceeds maxInteger");
        }
        break;
    case DB_REAL:
        error = get_real_member(j, "minReal", &base->u.real.min);
        if (!error) {
            error = get_real_member(j, "maxReal", &base->u.real.max);
        }
        break;
    case DB_STRING:
        lo = 0;
        hi = UINT_MAX;
        error = get_int_member(j, "minLength", &lo);
        if (!error) {
            error = get_int_member(j, "maxLength", &hi);
        }
        if (!error && (lo < 0 || hi < lo || hi > UINT_MAX)) {
            error = xstrdup("bad minLength/maxLength");
        }
        base->u.string.min_len = lo;
        base->u.string.max_len = hi;
        break;
    case DB_UUID: {
        const json_t *rt = json_object_get(j, "refTable");
        const json_t *rtype = json_object_get(j, "refType");
        if (rt) {
            if (!json_is_string(rt)) {
                return xstrdup("refTable must be a string");
            }
            base->u.uuid.ref_table_name = xstrdup(json_string_value(rt));
        }
        if (rtype) {
            const char *s = json_is_string(rtype)
                            ? json_string_value(rtype) : "";
            if (!strcmp(s, "strong")) {
                base->u.uuid.ref_type = DB_REF_STRONG;
            } else if (!strcmp(s, "weak")) {
                base->u.uuid.ref_type = DB_REF_WEAK;
            } else {
                return xstrdup("refType must be \"strong\" or \"weak\"");
            }
        }
        break;
    }
    case DB_VOID:
    case DB_BOOLEAN:
        break;
    }
    return error;
}

static char *
base_type_from_json(struct db_base_type *base, const json_t *j)
{
    const char *name;

    if (json_is_string(j)) {
        name = json_string_value(j);
    } else if (json_is_object(j)
               && json_is_string(json_object_get(j, "type"))) {
        name = json_string_value(json_object_get(j, "type"));
    } else {
        return xstrdup("base type must be a string or an object with "
                       "\"type\"");
    }

    enum db_atomic_type atomic;
    if (!db_atomic_type_from_name(name, &atomic)) {
        return xasprintf("unknown atomic type \"%s\"", name);
    }
    db_base_type_init(base, atomic);
    if (!json_is_object(j)) {
        return NULL;
    }

    char *error = base_type_constraints_from_json(base, j);
    const json_t *e = json_object_get(j, "enum");
    if (!error && e) {
        struct db_type t;
        enum_type_init(&t, atomic);
        base->enum_ = xmalloc(sizeof *base->enum_);
        error = db_datum_from_json(base->enum_, &t, e, NULL);
        if (error) {
            free(base->enum_);
            base->enum_ = NULL;
        }
    }
    if (error) {
        db_base_type_destroy(base);
    }
    return error;
}

char *
db_type_from_json(struct db_type *t, const json_t *j)
{
    char *error;

    db_type_init(t);
    if (json_is_string(j)) {
        return base_type_from_json(&t->key, j);
    }
    if (!json_is_object(j)) {
        return xstrdup("type must be a string or an object");
    }

    const json_t *key = json_object_get(j, "key");
    const json_t *value = json_object_get(j, "value");
    const json_t *min = json_object_get(j, "min");
    const json_t *max = json_object_get(j, "max");
    if (!key) {
        return xstrdup("type object lacks \"key\"");
    }
    error = base_type_from_json(&t->key, key);
    if (!error && value) {
        error = base_type_from_json(&t->value, value);
    }
    if (!error && min) {
        if (!json_is_integer(min) || json_integer_value(min) < 0
            || json_integer_value(min) > 1) {
            error = xstrdup("\"min\" must be 0 or 1");
        } else {
            t->n_min = json_integer_value(min);
        }
    }
    if (!error && max) {
        if (json_is_string(max)
            && !strcmp(json_string_value(max), "unlimited")) {
            t->n_max = DB_N_UNLIMITED;
        } else if (json_is_integer(max) && json_integer_value(max) >= 1
                   && json_integer_value(max) < DB_N_UNLIMITED) {
            t->n_max = json_integer_value(max);
        } else {
            error = xstrdup("\"max\" must be a positive integer or "
                            "\"unlimited\"");
        }
    }
    if (error) {
        db_type_destroy(t);
    }
    return error;
}

static json_t *
base_type_to_json(const struct db_base_type *base)
{
    json_t *j = json_object();
    json_object_set_new(j, "type",
                        json_string(db_atomic_type_name(base->type)));
    switch (base->type) {
    case DB_INTEGER:
        if (base->u.integer.min != INT64_MIN) {
            json_object_set_new(j, "minInteger",
                                json_integer(base->u.integer.min));
        }
        if (base->u.integer.max != INT64_MAX) {
            json_object_set_new(j, "maxInteger",
                                json_integer(base->u.integer.max));
        }
        break;
    case DB_REAL:
        if (base->u.real.min != -DBL_MAX) {
            json_object_set_new(j, "minReal", json_real(base->u.real.min));
        }
        if (base->u.real.max != DBL_MAX) {
            json_object_set_new(j, "maxReal", json_real(base->u.real.max));
        }
        break;
    case DB_STRING:
        if (base->u.string.min_len) {
            json_object_set_new(j, "minLength",
                                json_integer(base->u.string.min_len));
        }
        if (base->u.string.max_len != UINT_MAX) {
            json_object_set_new(j, "maxLength",
                                json_integer(base->u.string.max_len));
        }
        break;
    case DB_UUID:
        if (base->u.uuid.ref_table_name) {
            json_object_set_new(j, "refTable",
                                json_string(base->u.uuid.ref_table_name));
            if (base->u.uuid.ref_type == DB_REF_WEAK) {
                json_object_set_new(j, "refType", json_string("weak"));
            }
        }
        break;
    case DB_VOID:
    case DB_BOOLEAN:
        break;
    }
    if (base->enum_) {
        struct db_type t;
        enum_type_init(&t, base->type);
        json_object_set_new(j, "enum", db_datum_to_json(base->enum_, &t));
    }
    if (json_object_size(j) == 1) {
        json_t *s = json_incref(json_object_get(j, "type"));
        json_decref(j);
        return s;
    }
    return j;
}

json_t *
db_type_to_json(const struct db_type *t)
{
    if (db_type_is_scalar(t)) {
        return base_type_to_json(&t->key);
    }
    json_t *j = json_object();
    json_object_set_new(j, "key", base_type_to_json(&t->key));
    if (t->value.type != DB_VOID) {
        json_object_set_new(j, "value", base_type_to_json(&t->value));
    }
    json_object_set_new(j, "min", json_integer(t->n_min));
    json_object_set_new(j, "max", t->n_max == DB_N_UNLIMITED
                        ? json_string("unlimited")
                        : json_integer(t->n_max));
    return j;
}

/* The article that goes before describe_base()'s singular text. */
static const char *
describe_article(const struct db_base_type *base)
{
    return base->type == DB_INTEGER ? "an " : "a ";
}

/* Describes 'base' without an article: "integer", "strong reference to
 * Port", or with 'plural' "integers", "strong references to Port". */
static void
describe_base(const struct db_base_type *base, bool plural, struct dstr *ds)
{
    const char *name = db_atomic_type_name(base->type);
    if (db_base_type_is_ref(base)) {
        dstr_printf(ds, "%s reference%s to %s",
                    base->u.uuid.ref_type == DB_REF_WEAK ? "weak" : "strong",
                    plural ? "s" : "", base->u.uuid.ref_table_name);
        return;
    }
    dstr_printf(ds, "%s%s", name, plural ? "s" : "");
    if (base->type == DB_INTEGER
        && (base->u.integer.min != INT64_MIN
            || base->u.integer.max != INT64_MAX)) {
        dstr_printf(ds, " in range %lld to %lld",
                    (long long) base->u.integer.min,
                    (long long) base->u.integer.max);
    }
}

char *
db_type_describe(const struct db_type *t)
{
    struct dstr ds = DSTR_INITIALIZER;
    if (db_type_is_scalar(t)) {
        dstr_puts(&ds, describe_article(&t->key));
        describe_base(&t->key, false, &ds);
    } else if (db_type_is_optional(t) && !db_type_is_map(t)) {
        dstr_puts(&ds, "an optional ");
        describe_base(&t->key, false, &ds);
    } else {
        if (t->n_max == DB_N_UNLIMITED) {
            dstr_puts(&ds, db_type_is_map(t) ? "map of " : "set of ");
        } else {
            dstr_printf(&ds, "%s of up to %u ",
                        db_type_is_map(t) ? "map" : "set", t->n_max);
        }
        describe_base(&t->key, true, &ds);
        if (db_type_is_map(t)) {
            dstr_puts(&ds, " to ");
            describe_base(&t->value, true, &ds);
        }
    }
    return dstr_steal(&ds);
}
