#include <config.h>
#include "db-monitor.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "util.h"
#include "uuid.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db_monitor);

/* What a monitor reports ("select" in a <monitor-request>). */
enum {
    SEL_INITIAL = 1 << 0,
    SEL_INSERT = 1 << 1,
    SEL_DELETE = 1 << 2,
    SEL_MODIFY = 1 << 3,
    SEL_ALL = SEL_INITIAL | SEL_INSERT | SEL_DELETE | SEL_MODIFY,
};

/* One monitored column of one table. */
struct mon_column {
    const struct db_column_schema *col;
    unsigned int select;        /* SEL_*: for which kinds of update. */
    struct db_datum def;        /* The column's default value. */
};

/* The monitored part of one table. */
struct mon_table {
    const struct db_table_schema *ts;
    struct mon_column *cols;
    size_t n_cols;
    unsigned int select;        /* Union of the requests' SEL_*. */
};

struct db_monitor {
    struct db_monitor *next;    /* In db_monitors->list. */
    void *client;
    json_t *id;
    enum db_monitor_version version;
    struct mon_table **by_idx;  /* Indexed by table idx; NULL if unwatched. */
    struct mon_table *tables;
    size_t n_tables;
};

struct db_monitors {
    struct db *db;
    db_monitor_notify_cb *notify;
    struct db_monitor *list;
    size_t n;
};

static const char zero_uuid[] = "00000000-0000-0000-0000-000000000000";

static void monitors_commit(void *, const struct db_row_change *, size_t);

/* Lifecycle. */

struct db_monitors *
db_monitors_create(struct db *db, db_monitor_notify_cb *notify)
{
    struct db_monitors *ms = xzalloc(sizeof *ms);
    ms->db = db;
    ms->notify = notify;
    db_add_listener(db, monitors_commit, ms);
    return ms;
}

static void
monitor_free(struct db_monitor *m)
{
    for (size_t t = 0; t < m->n_tables; t++) {
        struct mon_table *mt = &m->tables[t];
        for (size_t c = 0; c < mt->n_cols; c++) {
            db_datum_destroy(&mt->cols[c].def, &mt->cols[c].col->type);
        }
        free(mt->cols);
    }
    free(m->tables);
    free(m->by_idx);
    json_decref(m->id);
    free(m);
}

void
db_monitors_destroy(struct db_monitors *ms)
{
    if (!ms) {
        return;
    }
    db_remove_listener(ms->db, monitors_commit, ms);
    while (ms->list) {
        struct db_monitor *m = ms->list;
        ms->list = m->next;
        monitor_free(m);
    }
    free(ms);
}

size_t
db_monitors_count(const struct db_monitors *ms)
{
    return ms->n;
}

static struct db_monitor **
monitor_find(struct db_monitors *ms, void *client, const json_t *id)
{
    struct db_monitor **mp;
    for (mp = &ms->list; *mp; mp = &(*mp)->next) {
        if ((*mp)->client == client && json_equal((*mp)->id, id)) {
            return mp;
        }
    }
    return NULL;
}

bool
db_monitors_cancel(struct db_monitors *ms, void *client, const json_t *id)
{
    struct db_monitor **mp = monitor_find(ms, client, id);
    if (!mp) {
        return false;
    }
    struct db_monitor *m = *mp;
    *mp = m->next;
    monitor_free(m);
    ms->n--;
    return true;
}

void
db_monitors_remove_client(struct db_monitors *ms, void *client)
{
    struct db_monitor **mp = &ms->list;
    while (*mp) {
        struct db_monitor *m = *mp;
        if (m->client == client) {
            *mp = m->next;
            monitor_free(m);
            ms->n--;
        } else {
            mp = &m->next;
        }
    }
}

/* Parsing <monitor-requests>. */

static json_t *
request_error(const char *tag, const char *format, ...)
    PRINTF_FORMAT(2, 3);

static json_t *
request_error(const char *tag, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *details = xvasprintf(format, args);
    va_end(args);
    json_t *error = json_pack("{s:s, s:s}", "error", tag, "details", details);
    free(details);
    return error;
}

static void
mon_table_add_column(struct mon_table *mt, const struct db_column_schema *col,
                     unsigned int select)
{
    struct mon_column *mc;
    mt->cols = xrealloc(mt->cols, (mt->n_cols + 1) * sizeof *mt->cols);
    mc = &mt->cols[mt->n_cols++];
    mc->col = col;
    mc->select = select;
    db_datum_init_default(&mc->def, &col->type);
}

static bool
mon_table_has_column(const struct mon_table *mt,
                     const struct db_column_schema *col)
{
    for (size_t c = 0; c < mt->n_cols; c++) {
        if (mt->cols[c].col == col) {
            return true;
        }
    }
    return false;
}

/* Parses a <monitor-select>: a missing member means true. */
static json_t *
parse_select(const char *table, const json_t *json, unsigned int *select)
{
    static const struct {
        const char *name;
        unsigned int bit;
    } kinds[] = {
        { "initial", SEL_INITIAL },
        { "insert", SEL_INSERT },
        { "delete", SEL_DELETE },
        { "modify", SEL_MODIFY },
    };

    *select = SEL_ALL;
    if (!json) {
        return NULL;
    }
    if (!json_is_object(json)) {
        return request_error("syntax error", "table %s: \"select\" must be "
                             "an object", table);
    }
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        const json_t *v = json_object_get(json, kinds[i].name);
        if (!v) {
            continue;
        }
        if (!json_is_boolean(v)) {
            return request_error("syntax error", "table %s: select \"%s\" "
                                 "must be a boolean", table, kinds[i].name);
        }
        if (!json_is_true(v)) {
            *select &= ~kinds[i].bit;
        }
    }
    return NULL;
}

/* Accepts only conditions that every row satisfies: [] or [true, ...]. */
static json_t *
parse_where(const char *table, const json_t *json)
{
    size_t i;
    const json_t *clause;

    if (!json) {
        return NULL;
    }
    if (!json_is_array(json)) {
        return request_error("syntax error", "table %s: \"where\" must be "
                             "an array", table);
    }
    json_array_foreach (json, i, clause) {
        if (!json_is_true(clause)) {
            return request_error("syntax error", "table %s: only the "
                                 "conditions [] and [true] are supported",
                                 table);
        }
    }
    return NULL;
}

/* Parses one <monitor-request> for table 'mt'. */
static json_t *
parse_request(struct mon_table *mt, const json_t *req)
{
    const struct db_table_schema *ts = mt->ts;
    const json_t *columns, *name;
    unsigned int select;
    json_t *error;
    size_t i;

    if (!json_is_object(req)) {
        return request_error("syntax error", "table %s: <monitor-request> "
                             "must be an object", ts->name);
    }
    error = parse_select(ts->name, json_object_get(req, "select"), &select);
    if (!error) {
        error = parse_where(ts->name, json_object_get(req, "where"));
    }
    if (error) {
        return error;
    }
    mt->select |= select;

    columns = json_object_get(req, "columns");
    if (!columns) {
        /* Every column but _uuid, which names the row anyway. */
        for (unsigned int c = DB_COL_VERSION; c < ts->n_columns; c++) {
            if (mon_table_has_column(mt, &ts->columns[c])) {
                return request_error("syntax error", "table %s: column %s "
                                     "mentioned more than once", ts->name,
                                     ts->columns[c].name);
            }
            mon_table_add_column(mt, &ts->columns[c], select);
        }
        return NULL;
    }
    if (!json_is_array(columns)) {
        return request_error("syntax error", "table %s: \"columns\" must be "
                             "an array", ts->name);
    }
    json_array_foreach (columns, i, name) {
        const struct db_column_schema *col;
        if (!json_is_string(name)) {
            return request_error("syntax error", "table %s: column names "
                                 "must be strings", ts->name);
        }
        col = db_table_find_column(ts, json_string_value(name));
        if (!col) {
            return request_error("unknown column", "table %s has no column "
                                 "%s", ts->name, json_string_value(name));
        }
        if (mon_table_has_column(mt, col)) {
            return request_error("syntax error", "table %s: column %s "
                                 "mentioned more than once", ts->name,
                                 col->name);
        }
        mon_table_add_column(mt, col, select);
    }
    return NULL;
}

/* Fills 'm' from 'requests'.  On error, 'm' holds what was parsed so far
 * (monitor_free() frees it). */
static json_t *
parse_requests(struct db_monitor *m, const struct db_schema *schema,
               const json_t *requests)
{
    const char *name;
    const json_t *value;

    if (!json_is_object(requests)) {
        return request_error("syntax error", "<monitor-requests> must be an "
                             "object");
    }
    m->tables = xcalloc(json_object_size(requests) + 1, sizeof *m->tables);
    m->by_idx = xcalloc(schema->n_tables + 1, sizeof *m->by_idx);
    json_object_foreach ((json_t *) requests, name, value) {
        const struct db_table_schema *ts = db_schema_find_table(schema,
                                                                name);
        struct mon_table *mt;
        json_t *error = NULL;

        if (!ts) {
            return request_error("unknown table", "no table named %s",
                                 name);
        }
        mt = &m->tables[m->n_tables++];
        mt->ts = ts;
        m->by_idx[ts->idx] = mt;
        if (json_is_array(value)) {
            size_t i;
            const json_t *req;
            json_array_foreach (value, i, req) {
                error = parse_request(mt, req);
                if (error) {
                    break;
                }
            }
        } else {
            error = parse_request(mt, value);
        }
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Formatting rows. */

static void
row_uuid_string(const struct db_row *row, char buf[UUID_LEN + 1])
{
    uuid_to_string(db_row_uuid(row), buf);
}

/* The columns of 'row' selected for 'kind'; with 'skip_defaults', those
 * holding their default value are left out. */
static json_t *
row_json(const struct mon_table *mt, const struct db_row *row,
         unsigned int kind, bool skip_defaults)
{
    json_t *j = json_object();
    for (size_t c = 0; c < mt->n_cols; c++) {
        const struct mon_column *mc = &mt->cols[c];
        const struct db_datum *d = db_row_get(row, mc->col);
        if (!(mc->select & kind)
            || (skip_defaults
                && db_datum_equals(d, &mc->def, &mc->col->type))) {
            continue;
        }
        json_object_set_new(j, mc->col->name,
                            db_datum_to_json(d, &mc->col->type));
    }
    return j;
}

/* A modified column in "update2" notation: the new value of a column that
 * holds at most one element, otherwise the difference. */
static json_t *
column_diff_json(const struct db_column_schema *col,
                 const struct db_datum *old, const struct db_datum *new)
{
    struct db_type loose = col->type;
    struct db_datum diff;
    json_t *j;

    if (col->type.n_max == 1) {
        return db_datum_to_json(new, &col->type);
    }
    loose.n_min = 0;
    loose.n_max = DB_N_UNLIMITED;
    db_datum_diff(old, new, &col->type, &diff);
    j = db_datum_to_json(&diff, &loose);
    db_datum_destroy(&diff, &col->type);
    return j;
}

/* The <row-update> (or <row-update2>) that 'change' makes for monitor
 * 'm', or NULL if it reports nothing. */
static json_t *
row_update_json(const struct db_monitor *m, const struct mon_table *mt,
                const struct db_row_change *change)
{
    bool v1 = m->version == DB_MONITOR_V1;

    if (!change->old) {
        if (!(mt->select & SEL_INSERT)) {
            return NULL;
        }
        return json_pack("{s:o}", v1 ? "new" : "insert",
                         row_json(mt, change->new, SEL_INSERT, !v1));
    }
    if (!change->new) {
        if (!(mt->select & SEL_DELETE)) {
            return NULL;
        }
        return (v1
                ? json_pack("{s:o}", "old",
                            row_json(mt, change->old, SEL_DELETE, false))
                : json_pack("{s:n}", "delete"));
    }
    if (!(mt->select & SEL_MODIFY)) {
        return NULL;
    }

    json_t *changed = json_object();
    for (size_t c = 0; c < mt->n_cols; c++) {
        const struct mon_column *mc = &mt->cols[c];
        const struct db_datum *old = db_row_get(change->old, mc->col);
        const struct db_datum *new = db_row_get(change->new, mc->col);
        if (!(mc->select & SEL_MODIFY)
            || db_datum_equals(old, new, &mc->col->type)) {
            continue;
        }
        json_object_set_new(changed, mc->col->name,
                            v1 ? db_datum_to_json(old, &mc->col->type)
                               : column_diff_json(mc->col, old, new));
    }
    if (!json_object_size(changed)) {
        json_decref(changed);
        return NULL;
    }
    if (!v1) {
        return json_pack("{s:o}", "modify", changed);
    }
    return json_pack("{s:o, s:o}", "old", changed,
                     "new", row_json(mt, change->new, SEL_MODIFY, false));
}

/* Adds 'row_update' (stolen) for the row 'uuid' of 'ts' to 'updates'. */
static void
updates_add(json_t *updates, const struct db_table_schema *ts,
            const char *uuid, json_t *row_update)
{
    json_t *table = json_object_get(updates, ts->name);
    if (!table) {
        table = json_object();
        json_object_set_new(updates, ts->name, table);
    }
    json_object_set_new(table, uuid, row_update);
}

/* The initial view: every row of every table that selects "initial". */
static json_t *
initial_json(const struct db_monitor *m, const struct db *db)
{
    bool v1 = m->version == DB_MONITOR_V1;
    json_t *updates = json_object();

    for (size_t t = 0; t < m->n_tables; t++) {
        const struct mon_table *mt = &m->tables[t];
        const struct db_row *row;
        if (!(mt->select & SEL_INITIAL)) {
            continue;
        }
        DB_FOR_EACH (row, db, mt->ts) {
            char buf[UUID_LEN + 1];
            row_uuid_string(row, buf);
            updates_add(updates, mt->ts, buf,
                        json_pack("{s:o}", v1 ? "new" : "initial",
                                  row_json(mt, row, SEL_INITIAL, !v1)));
        }
    }
    return updates;
}

json_t *
db_monitors_add(struct db_monitors *ms, void *client,
                enum db_monitor_version version, const json_t *id,
                const json_t *requests, json_t **errorp)
{
    struct db_monitor *m;
    json_t *initial;

    *errorp = NULL;
    if (!id) {
        id = json_null();
    }
    if (monitor_find(ms, client, id)) {
        char *s = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
        *errorp = request_error("duplicate monitor ID", "monitor %s already "
                                "exists", s ? s : "?");
        free(s);
        return NULL;
    }

    m = xzalloc(sizeof *m);
    m->client = client;
    m->id = json_deep_copy(id);
    m->version = version;
    *errorp = parse_requests(m, db_get_schema(ms->db), requests);
    if (*errorp) {
        monitor_free(m);
        return NULL;
    }
    m->next = ms->list;
    ms->list = m;
    ms->n++;

    initial = initial_json(m, ms->db);
    if (version == DB_MONITOR_V3) {
        return json_pack("[b, s, o]", false, zero_uuid, initial);
    }
    return initial;
}

/* Commits. */

/* Tells monitor 'm' what a commit changed. */
static void
monitor_commit(struct db_monitors *ms, const struct db_monitor *m,
               const struct db_row_change *changes, size_t n)
{
    json_t *updates = NULL;

    for (size_t i = 0; i < n; i++) {
        const struct db_row_change *change = &changes[i];
        const struct mon_table *mt = m->by_idx[change->table->idx];
        json_t *row_update;
        char buf[UUID_LEN + 1];

        if (!mt) {
            continue;
        }
        row_update = row_update_json(m, mt, change);
        if (!row_update) {
            continue;
        }
        if (!updates) {
            updates = json_object();
        }
        row_uuid_string(change->old ? change->old : change->new, buf);
        updates_add(updates, mt->ts, buf, row_update);
    }
    if (!updates) {
        return;
    }
    switch (m->version) {
    case DB_MONITOR_V1:
        ms->notify(m->client, "update",
                   json_pack("[O, o]", m->id, updates));
        break;
    case DB_MONITOR_V2:
        ms->notify(m->client, "update2",
                   json_pack("[O, o]", m->id, updates));
        break;
    case DB_MONITOR_V3:
        ms->notify(m->client, "update3",
                   json_pack("[O, s, o]", m->id, zero_uuid, updates));
        break;
    }
}

static void
monitors_commit(void *ms_, const struct db_row_change *changes, size_t n)
{
    struct db_monitors *ms = ms_;
    for (struct db_monitor *m = ms->list; m; m = m->next) {
        monitor_commit(ms, m, changes, n);
    }
}
