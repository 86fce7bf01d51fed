/*
 * db-ctl.c -- the ovs-vsctl command language: parsing invocations, running
 * their commands in one transaction, name resolution and the generic
 * commands (get, set, add, remove, clear, list, find, create, destroy,
 * wait-until, comment).  Output formatting is in db-ctl-output.c.
 */
#include <config.h>
#include "db-ctl.h"
#include "db-ctl-private.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* One option given to a command: "--if-exists" is { "if-exists", "" },
 * "--id=@x" is { "id", "@x" }. */
struct ctl_opt_value {
    char *name;                 /* Canonical, without the leading "--". */
    char *value;                /* "" for flags. */
};

struct ctl_command {
    const struct ctl_command_syntax *syntax;
    int argc;
    char **argv;                /* Points into the caller's argv. */
    struct ctl_opt_value *options;
    size_t n_options;
    struct ctl_invocation *inv;
};

/* An "@name" of the invocation. */
struct ctl_symbol {
    char *name;                 /* With the leading '@'. */
    struct uuid uuid;
    bool created;               /* Bound by --id=@name. */
    bool referenced;            /* Used in a value. */
};

struct ctl_invocation {
    struct ctl_options opts;
    struct ctl_opt_value *local;    /* Command options before the first */
    size_t n_local;                 /* command, for that command. */
    struct ctl_command *commands;
    size_t n_commands;
    struct ctl_symbol *symbols;
    size_t n_symbols;
    struct db_symbol_table symtab;
};

/* Registered commands and table classes. */
static const struct ctl_command_syntax **ctl_commands;
static size_t ctl_n_commands;
static const struct ctl_table_class **ctl_classes;
static size_t ctl_n_classes;
static struct ctl_hooks ctl_hooks;

static void ctl_register_builtins(void);

/* Options of the generic commands, which the global option parser also
 * accepts before the first command ("--if-exists get ..."); the registered
 * commands' own options are added to them.  The program registers its name
 * for messages and any options it accepts and ignores
 * (ctl_register_program()). */
static const char ctl_common_command_options[] =
    "--if-exists,--all,--id=,--columns=";
static const char *ctl_program_name = "ctl";
static const char *ctl_program_options = "";

/* Registration. */

static void
ctl_add_command(const struct ctl_command_syntax *syntax)
{
    for (size_t i = 0; i < ctl_n_commands; i++) {
        if (!strcmp(ctl_commands[i]->name, syntax->name)) {
            ctl_commands[i] = syntax;
            return;
        }
    }
    ctl_commands = xrealloc(ctl_commands,
                            (ctl_n_commands + 1) * sizeof *ctl_commands);
    ctl_commands[ctl_n_commands++] = syntax;
}

void
ctl_register_commands(const struct ctl_command_syntax *list)
{
    ctl_register_builtins();
    for (; list->name; list++) {
        ctl_add_command(list);
    }
}

void
ctl_register_table_classes(const struct ctl_table_class *classes, size_t n)
{
    ctl_classes = xrealloc(ctl_classes,
                           (ctl_n_classes + n) * sizeof *ctl_classes);
    for (size_t i = 0; i < n; i++) {
        ctl_classes[ctl_n_classes++] = &classes[i];
    }
}

void
ctl_register_program(const char *name, const char *extra_options)
{
    ctl_program_name = name;
    ctl_program_options = extra_options ? extra_options : "";
}

void
ctl_set_hooks(const struct ctl_hooks *hooks)
{
    ctl_hooks = *hooks;
}

static const struct ctl_command_syntax *
ctl_lookup_command(const char *name)
{
    for (size_t i = 0; i < ctl_n_commands; i++) {
        if (!strcmp(ctl_commands[i]->name, name)) {
            return ctl_commands[i];
        }
    }
    return NULL;
}

static const struct ctl_table_class *
ctl_lookup_class(const struct db_table_schema *table)
{
    for (size_t i = ctl_n_classes; i-- > 0;) {
        if (!strcmp(ctl_classes[i]->table, table->name)) {
            return ctl_classes[i];
        }
    }
    return NULL;
}

/* Option specifications ("--may-exist,--id=,--columns="). */

/* Extracts the next item of the option specification at 'p' into 'name'
 * (without "--" and '=') and whether it takes a value.  Returns the
 * position after the item, or NULL at the end. */
static const char *
ctl_next_option_spec(const char *p, char *name, size_t size,
                     bool *takes_value)
{
    while (*p == ',' || *p == ' ') {
        p++;
    }
    if (!*p) {
        return NULL;
    }
    size_t len = strcspn(p, ",");
    const char *start = p;
    const char *end = p + len;
    while (*start == '-') {
        start++;
    }
    *takes_value = end > start && end[-1] == '=';
    size_t n = end - start - *takes_value;
    if (n >= size) {
        n = size - 1;
    }
    memcpy(name, start, n);
    name[n] = '\0';
    return end;
}

/* Strips leading dashes and a trailing '=' from an option name. */
static size_t
ctl_option_name(const char *name, const char **start)
{
    while (*name == '-') {
        name++;
    }
    *start = name;
    size_t len = strcspn(name, "=");
    return len;
}

const char *
ctl_option(const struct ctl_context *ctx, const char *name)
{
    const char *start;
    size_t len = ctl_option_name(name, &start);

    for (size_t i = 0; i < ctx->cmd->n_options; i++) {
        const struct ctl_opt_value *o = &ctx->cmd->options[i];
        if (strlen(o->name) == len && !strncmp(o->name, start, len)) {
            return o->value;
        }
    }
    return NULL;
}

bool
ctl_has_option(const struct ctl_context *ctx, const char *name)
{
    return ctl_option(ctx, name) != NULL;
}

void
ctl_fatal(struct ctl_context *ctx, const char *format, ...)
{
    if (!ctx->error) {
        va_list args;
        va_start(args, format);
        ctx->error = xvasprintf(format, args);
        va_end(args);
    }
}

/* Global options. */

enum ctl_gopt_id {
    GOPT_DB, GOPT_TIMEOUT, GOPT_NO_WAIT, GOPT_ONELINE, GOPT_DRY_RUN,
    GOPT_FORMAT, GOPT_DATA, GOPT_NO_HEADINGS, GOPT_BARE, GOPT_HELP,
    GOPT_IGNORE,                /* Accepted and ignored. */
    GOPT_COMMAND,               /* A command option, for the first command. */
};

enum ctl_gopt_arg { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct ctl_gopt {
    char name[40];              /* Without "--". */
    enum ctl_gopt_id id;
    enum ctl_gopt_arg arg;
};

static const struct ctl_gopt ctl_global_options[] = {
    { "db", GOPT_DB, ARG_REQUIRED },
    { "timeout", GOPT_TIMEOUT, ARG_REQUIRED },
    { "no-wait", GOPT_NO_WAIT, ARG_NONE },
    { "oneline", GOPT_ONELINE, ARG_NONE },
    { "dry-run", GOPT_DRY_RUN, ARG_NONE },
    { "format", GOPT_FORMAT, ARG_REQUIRED },
    { "data", GOPT_DATA, ARG_REQUIRED },
    { "no-headings", GOPT_NO_HEADINGS, ARG_NONE },
    { "bare", GOPT_BARE, ARG_NONE },
    { "help", GOPT_HELP, ARG_NONE },
    { "verbose", GOPT_IGNORE, ARG_OPTIONAL },
    { "retry", GOPT_IGNORE, ARG_NONE },
    { "no-syslog", GOPT_IGNORE, ARG_NONE },
    { "log-file", GOPT_IGNORE, ARG_OPTIONAL },
};

static void
ctl_add_gopt_spec(struct ctl_gopt **cands, size_t *n, const char *spec)
{
    char name[40];
    bool takes_value;

    while ((spec = ctl_next_option_spec(spec, name, sizeof name,
                                        &takes_value))) {
        bool dup = false;
        for (size_t i = 0; i < *n && !dup; i++) {
            dup = !strcmp((*cands)[i].name, name);
        }
        if (!dup && name[0]) {
            *cands = xrealloc(*cands, (*n + 1) * sizeof **cands);
            struct ctl_gopt *g = &(*cands)[(*n)++];
            strcpy(g->name, name);
            g->id = GOPT_COMMAND;
            g->arg = takes_value ? ARG_REQUIRED : ARG_NONE;
        }
    }
}

/* Every long option allowed before the first command. */
static struct ctl_gopt *
ctl_global_candidates(size_t *n)
{
    struct ctl_gopt *cands = xmemdup(ctl_global_options,
                                     sizeof ctl_global_options);
    *n = ARRAY_SIZE(ctl_global_options);
    ctl_add_gopt_spec(&cands, n, ctl_common_command_options);
    ctl_add_gopt_spec(&cands, n, ctl_program_options);
    for (size_t i = 0; i < ctl_n_commands; i++) {
        if (ctl_commands[i]->options) {
            ctl_add_gopt_spec(&cands, n, ctl_commands[i]->options);
        }
    }
    return cands;
}

/* Finds long option 'name' (of 'len' bytes) among 'cands': an exact match,
 * else a unique prefix. */
static char *
ctl_match_long_option(const struct ctl_gopt *cands, size_t n,
                      const char *name, size_t len,
                      const struct ctl_gopt **match)
{
    size_t n_prefix = 0;

    *match = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(cands[i].name, name, len)) {
            if (strlen(cands[i].name) == len) {
                *match = &cands[i];
                return NULL;
            }
            if (!n_prefix++) {
                *match = &cands[i];
            }
        }
    }
    if (n_prefix == 1) {
        return NULL;
    }
    *match = NULL;
    if (!n_prefix) {
        return xasprintf("unrecognized option '--%.*s'", (int) len, name);
    }

    struct dstr msg = DSTR_INITIALIZER;
    dstr_printf(&msg, "option '--%.*s' is ambiguous; possibilities:",
                (int) len, name);
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(cands[i].name, name, len)) {
            dstr_printf(&msg, " '--%s'", cands[i].name);
        }
    }
    return dstr_steal(&msg);
}

static char *
ctl_parse_format(const char *s, struct ctl_options *opts)
{
    static const char *const names[] = { "list", "table", "csv", "json" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(s, names[i])) {
            opts->format = (enum ctl_format) i;
            return NULL;
        }
    }
    return xasprintf("unknown output format \"%s\"", s);
}

static char *
ctl_parse_data(const char *s, struct ctl_options *opts)
{
    static const char *const names[] = { "string", "bare", "json" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(s, names[i])) {
            opts->data = (enum ctl_data) i;
            return NULL;
        }
    }
    return xasprintf("unknown data format \"%s\"", s);
}

static void
ctl_add_opt_value(struct ctl_opt_value **list, size_t *n, const char *name,
                  const char *value)
{
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[*n].name = xstrdup(name);
    (*list)[*n].value = xstrdup(value ? value : "");
    (*n)++;
}

static void
ctl_free_opt_values(struct ctl_opt_value *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].value);
    }
    free(list);
}

/* Applies global option 'g' with 'value' (NULL if none). */
static char *
ctl_apply_global_option(const struct ctl_gopt *g, const char *value,
                        struct ctl_options *opts,
                        struct ctl_opt_value **local, size_t *n_local)
{
    long long t;

    switch (g->id) {
    case GOPT_DB:
        free(opts->db);
        opts->db = xstrdup(value);
        return NULL;
    case GOPT_TIMEOUT:
        if (!str_to_llong(value, 10, &t) || t < 0 || t > INT_MAX) {
            return xasprintf("value %s on -t or --timeout is invalid",
                             value);
        }
        opts->timeout = t;
        return NULL;
    case GOPT_NO_WAIT:
        opts->no_wait = true;
        return NULL;
    case GOPT_ONELINE:
        opts->oneline = true;
        return NULL;
    case GOPT_DRY_RUN:
        opts->dry_run = true;
        return NULL;
    case GOPT_FORMAT:
        return ctl_parse_format(value, opts);
    case GOPT_DATA:
        return ctl_parse_data(value, opts);
    case GOPT_NO_HEADINGS:
        opts->headings = false;
        return NULL;
    case GOPT_BARE:
        opts->format = CTL_FMT_LIST;
        opts->data = CTL_DATA_BARE;
        opts->headings = false;
        return NULL;
    case GOPT_HELP:
        opts->help = true;
        return NULL;
    case GOPT_IGNORE:
        return NULL;
    case GOPT_COMMAND:
        ctl_add_opt_value(local, n_local, g->name, value);
        return NULL;
    }
    return NULL;
}

/* Parses long option argv[*i] (after its "--"), consuming the next
 * argument as its value if needed. */
static char *
ctl_parse_long_option(int argc, char **argv, int *i,
                      const struct ctl_gopt *cands, size_t n_cands,
                      struct ctl_options *opts,
                      struct ctl_opt_value **local, size_t *n_local)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t) (eq - name) : strlen(name);
    const struct ctl_gopt *g;
    char *error = ctl_match_long_option(cands, n_cands, name, len, &g);

    if (error) {
        return error;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (g->arg == ARG_NONE && value) {
        return xasprintf("option '--%s' doesn't allow an argument", g->name);
    }
    if (g->arg == ARG_REQUIRED && !value) {
        if (*i + 1 >= argc) {
            return xasprintf("option '--%s' requires an argument", g->name);
        }
        value = argv[++*i];
    }
    return ctl_apply_global_option(g, value, opts, local, n_local);
}

/* Parses short option argv[*i]: -t N, -f FORMAT, -d DATA, -h, -v... */
static char *
ctl_parse_short_option(int argc, char **argv, int *i,
                       struct ctl_options *opts)
{
    const char *arg = argv[*i];
    char c = arg[1];
    const char *value = arg[2] ? &arg[2] : NULL;
    enum ctl_gopt_id id;

    switch (c) {
    case 'v':
        return NULL;
    case 'h':
        opts->help = true;
        return NULL;
    case 't':
        id = GOPT_TIMEOUT;
        break;
    case 'f':
        id = GOPT_FORMAT;
        break;
    case 'd':
        id = GOPT_DATA;
        break;
    default:
        return xasprintf("invalid option -- '%c'", c);
    }
    if (!value) {
        if (*i + 1 >= argc) {
            return xasprintf("option requires an argument -- '%c'", c);
        }
        value = argv[++*i];
    }

    struct ctl_gopt g = { "", id, ARG_REQUIRED };
    return ctl_apply_global_option(&g, value, opts, NULL, NULL);
}

static void
ctl_options_init(struct ctl_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->format = CTL_FMT_LIST;
    opts->data = CTL_DATA_STRING;
    opts->headings = true;
}

static char *
ctl_parse_globals__(int argc, char **argv, struct ctl_options *opts,
                    struct ctl_opt_value **local, size_t *n_local,
                    int *first_command)
{
    size_t n_cands;
    struct ctl_gopt *cands = ctl_global_candidates(&n_cands);
    char *error = NULL;
    int i;

    ctl_options_init(opts);
    for (i = 0; i < argc && !error; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || !arg[1] || !strcmp(arg, "--")) {
            break;
        }
        if (arg[1] == '-') {
            error = ctl_parse_long_option(argc, argv, &i, cands, n_cands,
                                          opts, local, n_local);
        } else {
            error = ctl_parse_short_option(argc, argv, &i, opts);
        }
    }
    free(cands);
    *first_command = i;
    return error;
}

char *
ctl_parse_global_options(int argc, char **argv, struct ctl_options *opts,
                         int *first_command)
{
    struct ctl_opt_value *local = NULL;
    size_t n_local = 0;
    char *error = ctl_parse_globals__(argc, argv, opts, &local, &n_local,
                                      first_command);
    ctl_free_opt_values(local, n_local);
    return error;
}

/* Command parsing. */

/* Finds option 'name' (of 'len' bytes) in 'syntax': exact, else a unique
 * prefix.  Stores the canonical name in 'canon'. */
static bool
ctl_command_accepts(const struct ctl_command_syntax *syntax,
                    const char *name, size_t len, char canon[40],
                    bool *takes_value)
{
    const char *p = syntax->options ? syntax->options : "";
    char item[40];
    bool tv;
    int n_prefix = 0;

    while ((p = ctl_next_option_spec(p, item, sizeof item, &tv))) {
        if (strncmp(item, name, len)) {
            continue;
        }
        if (strlen(item) == len || !n_prefix) {
            strcpy(canon, item);
            *takes_value = tv;
        }
        if (strlen(item) == len) {
            return true;
        }
        n_prefix++;
    }
    return n_prefix == 1;
}

/* Adds option 'arg' ("--name[=value]") to 'cmd' after checking it against
 * the command's syntax. */
static char *
ctl_add_command_option(struct ctl_command *cmd, const char *arg)
{
    const char *cname = cmd->syntax->name;
    const char *name;
    size_t len = ctl_option_name(arg, &name);
    const char *value = name[len] == '=' ? &name[len + 1] : NULL;
    char canon[40];
    bool takes_value;

    if (!ctl_command_accepts(cmd->syntax, name, len, canon, &takes_value)) {
        return xasprintf("'%s' command has no '--%.*s' option", cname,
                         (int) len, name);
    }
    if (takes_value && !value) {
        return xasprintf("'%s' command requires argument to '--%s' option",
                         cname, canon);
    }
    if (!takes_value && value) {
        return xasprintf("'--%s' option on '%s' does not accept an "
                         "argument", canon, cname);
    }
    for (size_t i = 0; i < cmd->n_options; i++) {
        if (!strcmp(cmd->options[i].name, canon)) {
            return xasprintf("'--%s' option specified multiple times",
                             canon);
        }
    }
    ctl_add_opt_value(&cmd->options, &cmd->n_options, canon, value);
    return NULL;
}

/* Parses one command, args[0..n) (options, name, arguments), applying
 * the 'n_local' options given before the first command too. */
static char *
ctl_parse_command(struct ctl_command *cmd, char **args, int n,
                  const struct ctl_opt_value *local, size_t n_local)
{
    int k = 0;

    while (k < n && args[k][0] == '-') {
        k++;
    }
    if (k >= n) {
        return xstrdup("missing command name (use --help for help)");
    }
    cmd->syntax = ctl_lookup_command(args[k]);
    if (!cmd->syntax) {
        return xasprintf("unknown command '%s'; use --help for help",
                         args[k]);
    }
    for (size_t i = 0; i < n_local; i++) {
        char *arg = xasprintf("--%s%s%s", local[i].name,
                              local[i].value[0] ? "=" : "", local[i].value);
        char *error = ctl_add_command_option(cmd, arg);
        free(arg);
        if (error) {
            return error;
        }
    }
    for (int i = 0; i < k; i++) {
        char *error = ctl_add_command_option(cmd, args[i]);
        if (error) {
            return error;
        }
    }

    int n_args = n - k - 1;
    if (n_args < cmd->syntax->min_args) {
        return xasprintf("'%s' command requires at least %d arguments",
                         cmd->syntax->name, cmd->syntax->min_args);
    }
    if (n_args > cmd->syntax->max_args) {
        return xasprintf("'%s' command takes at most %d arguments",
                         cmd->syntax->name, cmd->syntax->max_args);
    }
    cmd->argc = n - k;
    cmd->argv = &args[k];
    return NULL;
}

/* Splits argv[first..argc) into commands separated by "--". */
static char *
ctl_parse_commands(struct ctl_invocation *inv, int argc, char **argv,
                   int first)
{
    int i = first;

    while (i < argc) {
        if (!strcmp(argv[i], "--")) {
            i++;
            continue;
        }
        int end = i;
        while (end < argc && strcmp(argv[end], "--")) {
            end++;
        }

        inv->commands = xrealloc(inv->commands, (inv->n_commands + 1)
                                 * sizeof *inv->commands);
        struct ctl_command *cmd = &inv->commands[inv->n_commands++];
        memset(cmd, 0, sizeof *cmd);
        cmd->inv = inv;

        bool first_cmd = inv->n_commands == 1;
        char *error = ctl_parse_command(cmd, &argv[i], end - i,
                                        first_cmd ? inv->local : NULL,
                                        first_cmd ? inv->n_local : 0);
        if (error) {
            return error;
        }
        i = end;
    }
    if (!inv->n_commands && !inv->opts.help) {
        return xstrdup("missing command name (use --help for help)");
    }
    return NULL;
}

/* Symbols. */

static struct ctl_symbol *
ctl_symbol_get(struct ctl_invocation *inv, const char *name)
{
    char *full = name[0] == '@' ? xstrdup(name) : xasprintf("@%s", name);

    for (size_t i = 0; i < inv->n_symbols; i++) {
        if (!strcmp(inv->symbols[i].name, full)) {
            free(full);
            return &inv->symbols[i];
        }
    }
    inv->symbols = xrealloc(inv->symbols,
                            (inv->n_symbols + 1) * sizeof *inv->symbols);
    struct ctl_symbol *sym = &inv->symbols[inv->n_symbols++];
    sym->name = full;
    uuid_generate(&sym->uuid);
    sym->created = false;
    sym->referenced = false;
    return sym;
}

static bool
ctl_symtab_lookup(void *inv_, const char *name, struct uuid *uuid)
{
    struct ctl_symbol *sym = ctl_symbol_get(inv_, name);
    sym->referenced = true;
    *uuid = sym->uuid;
    return true;
}

const struct uuid *
ctl_symbol(struct ctl_context *ctx, const char *name)
{
    struct ctl_symbol *sym = ctl_symbol_get(ctx->cmd->inv, name);
    sym->referenced = true;
    return &sym->uuid;
}

const struct db_symbol_table *
ctl_symtab(const struct ctl_context *ctx)
{
    return &ctx->cmd->inv->symtab;
}

const struct uuid *
ctl_bind_symbol(struct ctl_context *ctx, const char *id,
                const struct uuid *uuid)
{
    if (id[0] != '@') {
        ctl_fatal(ctx, "row id \"%s\" does not begin with \"@\"", id);
        return NULL;
    }
    struct ctl_symbol *sym = ctl_symbol_get(ctx->cmd->inv, id);
    if (sym->created) {
        ctl_fatal(ctx, "row id \"%s\" may only be specified on one --id "
                  "option", id);
        return NULL;
    }
    if (uuid && sym->referenced) {
        ctl_fatal(ctx, "row id \"%s\" is used before the command that "
                  "binds it with --id", id);
        return NULL;
    }
    sym->created = true;
    if (uuid) {
        sym->uuid = *uuid;
    }
    return &sym->uuid;
}

static char *
ctl_check_symbols(const struct ctl_invocation *inv)
{
    for (size_t i = 0; i < inv->n_symbols; i++) {
        const struct ctl_symbol *sym = &inv->symbols[i];
        if (sym->referenced && !sym->created) {
            return xasprintf("row id \"%s\" is referenced but never "
                             "created (e.g. with \"-- --id=%s create "
                             "...\")", sym->name, sym->name);
        }
    }
    return NULL;
}

/* Name resolution. */

static int
ctl_name_char(char c)
{
    return c == '-' ? '_' : tolower((unsigned char) c);
}

/* How well user input 's' matches 'name': 3 exactly, 2 exactly but for
 * case and '-'/'_', 1 as a prefix, 0 not at all. */
static int
ctl_name_score(const char *name, const char *s)
{
    if (!strcmp(name, s)) {
        return 3;
    }
    size_t i;
    for (i = 0; s[i]; i++) {
        if (!name[i] || ctl_name_char(name[i]) != ctl_name_char(s[i])) {
            return 0;
        }
    }
    return name[i] ? 1 : 2;
}

/* Finds 's' among the 'n' names of 'names' (each a 'const char *' at
 * 'offset' in elements of 'stride' bytes).  Returns the index, or -1 if
 * none matches (then '*n_best' is 0) or several match equally well (then
 * 'candidates' lists them). */
static int
ctl_match_name(const void *base, size_t n, size_t stride, size_t offset,
               const char *s, struct dstr *candidates, size_t *n_best)
{
    int best = 0;
    int best_idx = -1;

#define NAME_AT(I) (*(char *const *) ((const char *) base + (I) * stride \
                                      + offset))
    *n_best = 0;
    for (size_t i = 0; i < n; i++) {
        int score = ctl_name_score(NAME_AT(i), s);
        if (score > best) {
            best = score;
            best_idx = i;
            *n_best = 1;
        } else if (score && score == best) {
            (*n_best)++;
        }
    }
    if (*n_best <= 1) {
        return best_idx;
    }
    for (size_t i = 0; i < n; i++) {
        if (ctl_name_score(NAME_AT(i), s) == best) {
            dstr_printf(candidates, "%s%s", candidates->len ? ", " : "",
                        NAME_AT(i));
        }
    }
#undef NAME_AT
    return -1;
}

const struct db_table_schema *
ctl_find_table(struct ctl_context *ctx, const char *name)
{
    const struct db_schema *schema = ctx->schema;
    struct dstr cands = DSTR_INITIALIZER;
    size_t n_best;
    int idx = ctl_match_name(schema->tables, schema->n_tables,
                             sizeof *schema->tables,
                             offsetof(struct db_table_schema, name),
                             name, &cands, &n_best);

    if (idx < 0) {
        if (n_best) {
            ctl_fatal(ctx, "\"%s\" matches multiple table names: %s", name,
                      dstr_cstr(&cands));
        } else {
            ctl_fatal(ctx, "unknown table \"%s\"", name);
        }
    }
    dstr_destroy(&cands);
    return idx < 0 ? NULL : &schema->tables[idx];
}

const struct db_column_schema *
ctl_find_column(struct ctl_context *ctx,
                const struct db_table_schema *table, const char *name)
{
    struct dstr cands = DSTR_INITIALIZER;
    size_t n_best;
    int idx = ctl_match_name(table->columns, table->n_columns,
                             sizeof *table->columns,
                             offsetof(struct db_column_schema, name),
                             name, &cands, &n_best);

    if (idx < 0) {
        if (n_best) {
            ctl_fatal(ctx, "%s contains more than one column whose name "
                      "matches \"%s\": %s", table->name, name,
                      dstr_cstr(&cands));
        } else {
            ctl_fatal(ctx, "%s does not contain a column whose name "
                      "matches \"%s\"", table->name, name);
        }
    }
    dstr_destroy(&cands);
    return idx < 0 ? NULL : &table->columns[idx];
}

/* The only row of 'table', or NULL if it has none or several. */
static const struct db_row *
ctl_get_only_row(struct ctl_context *ctx,
                 const struct db_table_schema *table)
{
    const struct db_row *row = db_txn_first(ctx->txn, table);
    if (row && db_txn_next(ctx->txn, row)) {
        return NULL;
    }
    return row;
}

/* The row of 'table' that 'rid' names as 'id', or NULL. */
static const struct db_row *
ctl_get_row_by_id(struct ctl_context *ctx,
                  const struct db_table_schema *table,
                  const struct ctl_row_id *rid, const char *id)
{
    const struct db_table_schema *id_table;
    const struct db_column_schema *name_col, *uuid_col = NULL;
    const struct db_row *found = NULL;
    union db_atom key;
    const struct db_row *r;

    id_table = db_schema_find_table(ctx->schema, rid->table);
    name_col = id_table ? db_table_find_column(id_table, rid->name_column)
                        : NULL;
    if (rid->uuid_column && name_col) {
        uuid_col = db_table_find_column(id_table, rid->uuid_column);
        if (!uuid_col || uuid_col->type.key.type != DB_UUID) {
            return NULL;
        }
    }
    if (!name_col) {
        return NULL;
    }

    char *error = db_atom_from_string(&key, &name_col->type.key, id, NULL);
    if (error) {
        free(error);
        return NULL;
    }
    if (db_column_is_unique(id_table, name_col)) {
        /* At most one row has this name: find it through the index. */
        struct db_datum d = { 1, &key, NULL };
        r = db_txn_find_unique(ctx->txn, id_table, name_col, &d);
        db_atom_destroy(&key, name_col->type.key.type);
        if (r && uuid_col) {
            const struct db_datum *u = db_row_get(r, uuid_col);
            return u->n == 1 ? db_txn_get(ctx->txn, table, &u->keys[0].uuid)
                             : NULL;
        }
        return r && id_table == table ? r : NULL;
    }
    DB_TXN_FOR_EACH (r, ctx->txn, id_table) {
        const struct db_datum *d = db_row_get(r, name_col);
        if (d->n != 1 || !db_atom_equals(&d->keys[0], &key,
                                         name_col->type.key.type)) {
            continue;
        }

        const struct db_row *target = r;
        if (uuid_col) {
            const struct db_datum *u = db_row_get(r, uuid_col);
            target = u->n == 1 ? db_txn_get(ctx->txn, table,
                                            &u->keys[0].uuid) : NULL;
        } else if (id_table != table) {
            target = NULL;
        }
        if (target && found && found != target) {
            ctl_fatal(ctx, "multiple rows in %s match \"%s\"", table->name,
                      id);
            found = NULL;
            break;
        }
        found = target ? target : found;
    }
    db_atom_destroy(&key, name_col->type.key.type);
    return found;
}

static const struct db_row *
ctl_get_row_by_class(struct ctl_context *ctx,
                     const struct db_table_schema *table, const char *id)
{
    const struct ctl_table_class *class = ctl_lookup_class(table);

    for (size_t i = 0; class && i < ARRAY_SIZE(class->row_ids); i++) {
        if (class->row_ids[i].table) {
            const struct db_row *row;
            row = ctl_get_row_by_id(ctx, table, &class->row_ids[i], id);
            if (row || ctx->error) {
                return row;
            }
        }
    }
    return NULL;
}

/* The row of 'table' whose UUID begins with 'id' (4 or more hex digits).
 */
static const struct db_row *
ctl_get_row_by_prefix(struct ctl_context *ctx,
                      const struct db_table_schema *table, const char *id)
{
    const struct db_row *found = NULL;
    const struct db_row *row;
    size_t n_hex = 0;
    size_t len = strlen(id);

    for (const char *p = id; *p; p++) {
        n_hex += isxdigit((unsigned char) *p) != 0;
    }
    if (n_hex < 4 || len > UUID_LEN || !uuid_is_partial_string(id)) {
        return NULL;
    }
    DB_TXN_FOR_EACH (row, ctx->txn, table) {
        char s[UUID_LEN + 1];
        uuid_to_string(db_row_uuid(row), s);
        if (strncasecmp(s, id, len)) {
            continue;
        }
        if (found) {
            char s0[UUID_LEN + 1];
            uuid_to_string(db_row_uuid(found), s0);
            ctl_fatal(ctx, "%s contains 2 or more rows whose UUIDs begin "
                      "with %s: %s and %s", table->name, id, s0, s);
            return NULL;
        }
        found = row;
    }
    return found;
}

const struct db_row *
ctl_get_row(struct ctl_context *ctx, const struct db_table_schema *table,
            const char *record_id, bool must_exist)
{
    const struct db_row *row = NULL;
    struct uuid uuid;

    if (uuid_from_string(&uuid, record_id)) {
        row = db_txn_get(ctx->txn, table, &uuid);
    }
    if (!row && !strcmp(record_id, ".")) {
        row = ctl_get_only_row(ctx, table);
    }
    if (!row && !ctx->error) {
        row = ctl_get_row_by_class(ctx, table, record_id);
    }
    if (!row && !ctx->error) {
        row = ctl_get_row_by_prefix(ctx, table, record_id);
    }
    if (ctx->error) {
        return NULL;
    }
    if (!row && must_exist) {
        ctl_fatal(ctx, "no row \"%s\" in table %s", record_id, table->name);
    }
    return row;
}

static void
ctl_register_builtins(void)
{
    static bool done;

    if (!done) {
        done = true;
        for (const struct ctl_command_syntax *s = ctl_builtin_commands;
             s->name; s++) {
            ctl_add_command(s);
        }
    }
}

/* Execution. */

static void
ctl_invocation_destroy(struct ctl_invocation *inv)
{
    for (size_t i = 0; i < inv->n_commands; i++) {
        ctl_free_opt_values(inv->commands[i].options,
                            inv->commands[i].n_options);
    }
    free(inv->commands);
    ctl_free_opt_values(inv->local, inv->n_local);
    for (size_t i = 0; i < inv->n_symbols; i++) {
        free(inv->symbols[i].name);
    }
    free(inv->symbols);
}

/* Appends 'text' to 'out' as one line for --oneline. */
static void
ctl_put_oneline(struct dstr *out, const char *text, size_t len)
{
    if (len && text[len - 1] == '\n') {
        len--;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\\') {
            dstr_puts(out, "\\\\");
        } else if (text[i] == '\n') {
            dstr_puts(out, "\\n");
        } else {
            dstr_putc(out, text[i]);
        }
    }
    dstr_putc(out, '\n');
}

/* Runs 'cmd'.  Returns false if the invocation must stop (error, nonzero
 * exit or try again), with 'r' filled in accordingly. */
static bool
ctl_run_command(struct ctl_command *cmd, struct db_txn *txn, void *aux,
                struct dstr *out, struct ctl_result *r)
{
    struct ctl_context ctx;
    bool ok = false;

    memset(&ctx, 0, sizeof ctx);
    ctx.argc = cmd->argc;
    ctx.argv = cmd->argv;
    ctx.cmd = cmd;
    ctx.opts = &cmd->inv->opts;
    ctx.txn = txn;
    ctx.schema = db_get_schema(db_txn_get_db(txn));
    ctx.aux = aux;
    dstr_init(&ctx.output);

    cmd->syntax->run(&ctx);
    if (ctx.error) {
        r->error = ctx.error;
        r->exit_code = 1;
    } else if (ctx.try_again) {
        r->try_again = true;
    } else if (ctx.exit_code) {
        r->exit_code = ctx.exit_code;
    } else {
        if (cmd->inv->opts.oneline) {
            ctl_put_oneline(out, ctx.output.s ? ctx.output.s : "",
                            ctx.output.len);
        } else if (ctx.output.len) {
            dstr_put(out, ctx.output.s, ctx.output.len);
        }
        ok = true;
    }
    dstr_destroy(&ctx.output);
    return ok;
}

/* Commits 'txn' unless it is empty or --dry-run.  Returns false on a
 * commit error, filling in 'r'. */
static bool
ctl_finish_txn(struct ctl_invocation *inv, struct db_txn *txn, void *aux,
               struct ctl_result *r)
{
    if (inv->opts.dry_run || db_txn_is_empty(txn)) {
        db_txn_abort(txn);
        return true;
    }
    if (ctl_hooks.pre_commit) {
        ctl_hooks.pre_commit(txn, &inv->opts, aux);
    }

    char *error = db_txn_commit(txn, NULL);
    if (error) {
        r->error = xasprintf("transaction error: %s", error);
        r->exit_code = 1;
        free(error);
        return false;
    }
    r->committed = true;
    return true;
}

static void
ctl_run_invocation(struct ctl_invocation *inv, struct db *db, void *aux,
                   struct ctl_result *r)
{
    struct db_txn *txn = db_txn_begin(db);
    struct dstr out = DSTR_INITIALIZER;

    for (size_t i = 0; i < inv->n_commands; i++) {
        if (!ctl_run_command(&inv->commands[i], txn, aux, &out, r)) {
            db_txn_abort(txn);
            dstr_destroy(&out);
            return;
        }
    }

    r->error = ctl_check_symbols(inv);
    if (r->error) {
        r->exit_code = 1;
        db_txn_abort(txn);
    } else if (ctl_finish_txn(inv, txn, aux, r)) {
        free(r->output);
        r->output = dstr_steal(&out);
        if (!r->output) {
            r->output = xstrdup("");
        }
    }
    dstr_destroy(&out);
}

void
ctl_execute(struct db *db, int argc, char **argv, void *aux,
            struct ctl_result *r)
{
    struct ctl_invocation inv;
    int first;

    ctl_register_builtins();
    memset(r, 0, sizeof *r);
    memset(&inv, 0, sizeof inv);
    inv.symtab.lookup = ctl_symtab_lookup;
    inv.symtab.aux = &inv;
    r->output = xstrdup("");

    char *error = ctl_parse_globals__(argc, argv, &inv.opts, &inv.local,
                                      &inv.n_local, &first);
    if (!error) {
        error = ctl_parse_commands(&inv, argc, argv, first);
    }
    if (inv.opts.help) {
        free(error);
        free(r->output);
        r->output = ctl_usage();
    } else if (error) {
        r->error = error;
        r->exit_code = 1;
    } else {
        ctl_run_invocation(&inv, db, aux, r);
    }

    r->opts = inv.opts;
    inv.opts.db = NULL;
    ctl_invocation_destroy(&inv);
}

void
ctl_result_destroy(struct ctl_result *r)
{
    if (r) {
        free(r->output);
        free(r->error);
        free(r->opts.db);
        r->output = r->error = r->opts.db = NULL;
    }
}

/* Help. */

char *
ctl_usage(void)
{
    struct dstr s = DSTR_INITIALIZER;

    ctl_register_builtins();
    dstr_printf(&s, "usage: %s [OPTIONS] COMMAND [ARG...] "
                "[-- [OPTIONS] COMMAND [ARG...]]...\n\nCommands:\n",
                ctl_program_name);
    for (size_t i = 0; i < ctl_n_commands; i++) {
        const struct ctl_command_syntax *c = ctl_commands[i];
        dstr_printf(&s, "  %s", c->name);
        if (c->arguments && c->arguments[0]) {
            dstr_printf(&s, " %s", c->arguments);
        }
        if (c->options && c->options[0]) {
            dstr_printf(&s, "   (options: %s)", c->options);
        }
        dstr_putc(&s, '\n');
    }
    dstr_puts(&s,
              "\nOptions:\n"
              "  --db=SERVER           connect to the database at SERVER\n"
              "  -t, --timeout=SECS    wait at most SECS seconds\n"
              "  --no-wait             do not wait for the switch to apply "
              "changes\n"
              "  --oneline             print one line of output per "
              "command\n"
              "  --dry-run             do not commit changes\n"
              "  -f, --format=FORMAT   list, table, csv or json\n"
              "  -d, --data=FORMAT     string, bare or json\n"
              "  --no-headings         omit column headings\n"
              "  --bare                --format=list --data=bare "
              "--no-headings\n"
              "  --columns=COLUMN,...  columns for list and find\n"
              "  -h, --help            print this message\n");
    return dstr_steal(&s);
}
