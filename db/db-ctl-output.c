/*
 * db-ctl-output.c -- printing values and records for the ovs-vsctl
 * command language: --data=string|bare|json for values and
 * --format=list|table|csv|json for records, laid out as ovs-vsctl does.
 */
#include <config.h>
#include "db-ctl.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Width of the column names in --format=list, as in ovs-vsctl. */
#define CTL_LIST_NAME_WIDTH 20

static void
ctl_put_json(const json_t *json, struct dstr *out)
{
    char *s = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY
                         | JSON_SORT_KEYS);
    if (s) {
        dstr_puts(out, s);
        free(s);
    }
}

void
ctl_format_datum(const struct db_datum *datum, const struct db_type *type,
                 enum ctl_data data, struct dstr *out)
{
    json_t *json;

    switch (data) {
    case CTL_DATA_STRING:
        db_datum_to_string(datum, type, out);
        break;
    case CTL_DATA_BARE:
        db_datum_to_bare(datum, type, out);
        break;
    case CTL_DATA_JSON:
        json = db_datum_to_json(datum, type);
        ctl_put_json(json, out);
        json_decref(json);
        break;
    }
}

/* The cells of a table being printed, as text. */
struct ctl_cells {
    const struct db_column_schema **columns;
    size_t n_columns;
    size_t n_rows;
    char **text;                /* n_rows * n_columns. */
};

static const char *
ctl_cell(const struct ctl_cells *cells, size_t row, size_t col)
{
    return cells->text[row * cells->n_columns + col];
}

static void
ctl_cells_init(struct ctl_cells *cells, const struct db_row **rows,
               size_t n_rows, const struct db_column_schema **columns,
               size_t n_columns, enum ctl_data data)
{
    cells->columns = columns;
    cells->n_columns = n_columns;
    cells->n_rows = n_rows;
    cells->text = xcalloc(n_rows * n_columns + 1, sizeof *cells->text);
    for (size_t y = 0; y < n_rows; y++) {
        for (size_t x = 0; x < n_columns; x++) {
            struct dstr s = DSTR_INITIALIZER;
            ctl_format_datum(db_row_get(rows[y], columns[x]),
                             &columns[x]->type, data, &s);
            cells->text[y * n_columns + x] = s.s ? dstr_steal(&s)
                                                 : xstrdup("");
        }
    }
}

static void
ctl_cells_destroy(struct ctl_cells *cells)
{
    for (size_t i = 0; i < cells->n_rows * cells->n_columns; i++) {
        free(cells->text[i]);
    }
    free(cells->text);
}

static void
ctl_print_list(const struct ctl_cells *cells, bool headings,
               struct dstr *out)
{
    for (size_t y = 0; y < cells->n_rows; y++) {
        if (y) {
            dstr_putc(out, '\n');
        }
        for (size_t x = 0; x < cells->n_columns; x++) {
            if (headings) {
                dstr_printf(out, "%-*s: ", CTL_LIST_NAME_WIDTH,
                            cells->columns[x]->name);
            }
            dstr_printf(out, "%s\n", ctl_cell(cells, y, x));
        }
    }
}

/* Display width of UTF-8 's' (one per code point). */
static size_t
ctl_text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) {
        w += ((unsigned char) *s & 0xc0) != 0x80;
    }
    return w;
}

/* Ends a line of table output, without trailing spaces. */
static void
ctl_end_line(struct dstr *out)
{
    while (out->len && out->s[out->len - 1] == ' ') {
        out->s[--out->len] = '\0';
    }
    dstr_putc(out, '\n');
}

static void
ctl_put_padded(struct dstr *out, const char *s, size_t width, bool first)
{
    if (!first) {
        dstr_putc(out, ' ');
    }
    dstr_puts(out, s);
    for (size_t w = ctl_text_width(s); w < width; w++) {
        dstr_putc(out, ' ');
    }
}

static void
ctl_print_table(const struct ctl_cells *cells, bool headings,
                struct dstr *out)
{
    size_t n = cells->n_columns;
    size_t *widths = xcalloc(n ? n : 1, sizeof *widths);

    for (size_t x = 0; x < n; x++) {
        widths[x] = headings ? ctl_text_width(cells->columns[x]->name) : 0;
        for (size_t y = 0; y < cells->n_rows; y++) {
            widths[x] = MAX(widths[x], ctl_text_width(ctl_cell(cells, y,
                                                               x)));
        }
    }
    if (headings) {
        for (size_t x = 0; x < n; x++) {
            ctl_put_padded(out, cells->columns[x]->name, widths[x], !x);
        }
        ctl_end_line(out);
        for (size_t x = 0; x < n; x++) {
            if (x) {
                dstr_putc(out, ' ');
            }
            for (size_t i = 0; i < widths[x]; i++) {
                dstr_putc(out, '-');
            }
        }
        ctl_end_line(out);
    }
    for (size_t y = 0; y < cells->n_rows; y++) {
        for (size_t x = 0; x < n; x++) {
            ctl_put_padded(out, ctl_cell(cells, y, x), widths[x], !x);
        }
        ctl_end_line(out);
    }
    free(widths);
}

/* Appends 's' as an RFC 4180 field. */
static void
ctl_put_csv_field(struct dstr *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        dstr_puts(out, s);
        return;
    }
    dstr_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"') {
            dstr_putc(out, '"');
        }
        dstr_putc(out, *s);
    }
    dstr_putc(out, '"');
}

static void
ctl_print_csv(const struct ctl_cells *cells, bool headings,
              struct dstr *out)
{
    if (headings) {
        for (size_t x = 0; x < cells->n_columns; x++) {
            if (x) {
                dstr_putc(out, ',');
            }
            ctl_put_csv_field(out, cells->columns[x]->name);
        }
        dstr_putc(out, '\n');
    }
    for (size_t y = 0; y < cells->n_rows; y++) {
        for (size_t x = 0; x < cells->n_columns; x++) {
            if (x) {
                dstr_putc(out, ',');
            }
            ctl_put_csv_field(out, ctl_cell(cells, y, x));
        }
        dstr_putc(out, '\n');
    }
}

/* --format=json: {"data":[[cell,...],...],"headings":[name,...]}.  As in
 * ovs-vsctl, a cell is always the value's RFC 7047 JSON, whatever --data
 * says: clients such as neutron parse ["map",[[k,v],...]] cells out of
 * "--format=json list" without asking for --data=json. */
static void
ctl_print_json(const struct db_row **rows, size_t n_rows,
               const struct db_column_schema **columns, size_t n_columns,
               const struct ctl_options *opts, struct dstr *out)
{
    json_t *top = json_object();
    json_t *data = json_array();

    for (size_t y = 0; y < n_rows; y++) {
        json_t *row = json_array();
        for (size_t x = 0; x < n_columns; x++) {
            const struct db_datum *d = db_row_get(rows[y], columns[x]);
            json_array_append_new(row, db_datum_to_json(d,
                                                        &columns[x]->type));
        }
        json_array_append_new(data, row);
    }
    json_object_set_new(top, "data", data);
    if (opts->headings) {
        json_t *headings = json_array();
        for (size_t x = 0; x < n_columns; x++) {
            json_array_append_new(headings, json_string(columns[x]->name));
        }
        json_object_set_new(top, "headings", headings);
    }
    ctl_put_json(top, out);
    dstr_putc(out, '\n');
    json_decref(top);
}

/* Every column but _version, _uuid first, in schema order. */
static const struct db_column_schema **
ctl_default_columns(const struct db_table_schema *table, size_t *n)
{
    const struct db_column_schema **columns;

    columns = xcalloc(table->n_columns, sizeof *columns);
    *n = 0;
    for (size_t i = 0; i < table->n_columns; i++) {
        if (table->columns[i].idx != DB_COL_VERSION) {
            columns[(*n)++] = &table->columns[i];
        }
    }
    return columns;
}

void
ctl_print_rows(struct ctl_context *ctx, const struct db_table_schema *table,
               const struct db_row **rows, size_t n_rows,
               const struct db_column_schema **columns, size_t n_columns)
{
    const struct ctl_options *opts = ctx->opts;
    const struct db_column_schema **all = NULL;

    if (!columns) {
        all = ctl_default_columns(table, &n_columns);
        columns = all;
    }
    if (opts->format == CTL_FMT_JSON) {
        ctl_print_json(rows, n_rows, columns, n_columns, opts, &ctx->output);
    } else {
        struct ctl_cells cells;
        ctl_cells_init(&cells, rows, n_rows, columns, n_columns, opts->data);
        if (opts->format == CTL_FMT_LIST) {
            ctl_print_list(&cells, opts->headings, &ctx->output);
        } else if (opts->format == CTL_FMT_TABLE) {
            ctl_print_table(&cells, opts->headings, &ctx->output);
        } else {
            ctl_print_csv(&cells, opts->headings, &ctx->output);
        }
        ctl_cells_destroy(&cells);
    }
    free(all);
}
