/*
 * db-ctl.h -- the ovs-vsctl command language, independent of any schema.
 *
 * A command line such as
 *
 *     --timeout=5 -- --may-exist add-port br0 tap0 -- set Interface tap0 x=y
 *
 * is one invocation: global options, then commands separated by "--",
 * each with its own options ("--may-exist", "--if-exists", "--id=@name",
 * "--columns=...").  All commands of one invocation run in a single
 * database transaction, in order, and either all take effect or none.
 *
 * This module parses invocations, runs them against a "struct db" inside
 * the daemon, and formats output.  It implements the generic commands that
 * work on any table (get, set, add, remove, clear, list, find, create,
 * destroy, wait-until, comment) and the name resolution rules users rely
 * on: table and column names match case-insensitively, with '-' equal to
 * '_', and by unique prefix; records are found by UUID, UUID prefix (4+
 * hex digits), "." for a table's only row, or by the rules of a "table
 * class" the schema's owner registers (e.g. Port by its "name", NetFlow
 * by the name of the Bridge whose "netflow" column points to it).
 *
 * Schema-specific commands (add-br, add-port, ...) are registered by their
 * owner with ctl_register_commands(); they use the helpers below.
 *
 * Nothing here does I/O: the caller gets output text, an error message
 * and an exit status in a "struct ctl_result".
 */
#ifndef DB_CTL_H
#define DB_CTL_H 1

#include <stdbool.h>
#include "db.h"
#include "hmap.h"
#include "util.h"

enum ctl_format { CTL_FMT_LIST, CTL_FMT_TABLE, CTL_FMT_CSV, CTL_FMT_JSON };
enum ctl_data { CTL_DATA_STRING, CTL_DATA_BARE, CTL_DATA_JSON };

/* Global options of one invocation. */
struct ctl_options {
    enum ctl_format format;
    enum ctl_data data;
    bool headings;              /* False with --no-headings. */
    bool oneline;
    bool dry_run;
    bool no_wait;
    int timeout;                /* Seconds; 0 = none. */
    char *db;                   /* --db=..., if given (for the client). */
    bool help;                  /* --help (-h): the output is ctl_usage(). */
};

struct ctl_context;

struct ctl_command_syntax {
    const char *name;
    int min_args;               /* Not counting the command name. */
    int max_args;               /* INT_MAX for "any number". */
    const char *arguments;      /* For --help, e.g. "BRIDGE PORT". */
    /* Comma-separated options this command accepts, e.g.
     * "--may-exist,--id=,--columns=".  A trailing '=' takes a value. */
    const char *options;
    void (*run)(struct ctl_context *);
    bool read_only;             /* Never changes the database. */
};

/* How users name the records of one table. */
struct ctl_row_id {
    const char *table;          /* Table whose column holds the name... */
    const char *name_column;    /* ...this column. */
    const char *uuid_column;    /* NULL: the record is that row itself;
                                 * else the row that this column of it
                                 * refers to. */
};

struct ctl_table_class {
    const char *table;
    struct ctl_row_id row_ids[2];   /* Tried in order; unused: table NULL. */
};

/* One command being run. */
struct ctl_context {
    /* Inputs. */
    int argc;
    char **argv;                /* argv[0] is the command name. */
    struct ctl_command *cmd;    /* Internal. */
    const struct ctl_options *opts;
    struct db_txn *txn;
    const struct db_schema *schema;
    void *aux;                  /* From ctl_execute(). */

    /* Outputs. */
    struct dstr output;
    char *error;                /* Set by ctl_fatal(); aborts everything. */
    int exit_code;              /* Nonzero exit, no error (br-exists). */
    bool try_again;             /* wait-until: condition not yet true. */
};

/* Options given to the running command ("--if-exists"): the value for
 * options with '=', "" for flags, NULL if not given. */
const char *ctl_option(const struct ctl_context *, const char *name);
bool ctl_has_option(const struct ctl_context *, const char *name);

/* Records an error for the invocation (first one wins).  Commands return
 * right after calling it. */
void ctl_fatal(struct ctl_context *, const char *format, ...)
    PRINTF_FORMAT(2, 3);

/* Registration (at start-up, before any ctl_execute()).  The commands are
 * an array ending with an entry whose 'name' is NULL; a command named like
 * one registered earlier (even a generic one) replaces it.  The arrays
 * must outlive their use. */
void ctl_register_commands(const struct ctl_command_syntax *);
void ctl_register_table_classes(const struct ctl_table_class *, size_t n);
/* The program's name, for usage text (default "ctl"), and a comma-
 * separated list of options it accepts before a command and ignores (for
 * compatibility), e.g. "--fake-iface,--real". */
void ctl_register_program(const char *name, const char *extra_options);

/* Name resolution.  These call ctl_fatal() and return NULL on error. */
const struct db_table_schema *ctl_find_table(struct ctl_context *,
                                             const char *name);
const struct db_column_schema *ctl_find_column(
    struct ctl_context *, const struct db_table_schema *, const char *name);
/* Finds a record by the user's name for it.  If 'must_exist' and it is
 * missing, that is an error; otherwise NULL is returned quietly. */
const struct db_row *ctl_get_row(struct ctl_context *,
                                 const struct db_table_schema *,
                                 const char *record_id, bool must_exist);
/* Parses "column[:key]=value" and applies it to 'row' as "set" does.
 * Returns false after ctl_fatal() on error. */
bool ctl_set_column(struct ctl_context *, const struct db_table_schema *,
                    const struct db_row *, const char *arg);

/* "@name" symbols of the invocation (--id=@name on create, and the
 * @names used in values).  Returns the UUID, creating an unbound symbol if
 * new. */
const struct uuid *ctl_symbol(struct ctl_context *, const char *name);

/* Outcome of an invocation. */
struct ctl_result {
    char *output;               /* What to print on stdout (may be ""). */
    char *error;                /* NULL, or the message for stderr. */
    int exit_code;              /* 0, 1 on error, 2 for br-exists... */
    bool committed;             /* A non-empty transaction was committed. */
    bool try_again;             /* Retry after the database changes. */
    struct ctl_options opts;    /* The parsed global options. */
};

/* Hooks for the schema's owner, called within the transaction. */
struct ctl_hooks {
    /* After all commands succeeded, before commit (not on --dry-run),
     * only if the transaction changed something: e.g. bump next_cfg. */
    void (*pre_commit)(struct db_txn *, const struct ctl_options *,
                       void *aux);
};
void ctl_set_hooks(const struct ctl_hooks *);

/* Parses and runs 'argv' (everything after the program name, global
 * options included) against 'db'.  Commits unless --dry-run or an error.
 * Always fills in 'result'; free it with ctl_result_destroy(). */
void ctl_execute(struct db *, int argc, char **argv, void *aux,
                 struct ctl_result *);
void ctl_result_destroy(struct ctl_result *);

/* Parses only the global options (for the client, which needs --db,
 * --timeout, --no-wait).  Command options given before the first command
 * ("--if-exists") are accepted and skipped.  '*first_command' receives the
 * index of the first argument that is not an option (a command name or
 * "--"), or 'argc'.  The caller frees 'opts->db'.  Returns NULL or an
 * error message. */
char *ctl_parse_global_options(int argc, char **argv, struct ctl_options *,
                               int *first_command)
    __attribute__((warn_unused_result));

/* Help text listing every registered command. */
char *ctl_usage(void);

/* Output helpers (db-ctl-output.c), used by list/find/get and by
 * schema-specific commands that print records. */
void ctl_format_datum(const struct db_datum *, const struct db_type *,
                      enum ctl_data, struct dstr *);
/* Prints 'rows' with 'columns' (NULL = all, in schema order) in the
 * invocation's format: list (column : value blocks), table, csv, json. */
void ctl_print_rows(struct ctl_context *, const struct db_table_schema *,
                    const struct db_row **rows, size_t n_rows,
                    const struct db_column_schema **columns,
                    size_t n_columns);

#endif /* db-ctl.h */
