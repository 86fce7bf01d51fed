/*
 * db-ctl-private.h -- what db-ctl.c shares with db-ctl-cmds.c: the table
 * of generic commands and access to the invocation's "@name" symbols.
 */
#ifndef DB_CTL_PRIVATE_H
#define DB_CTL_PRIVATE_H 1

#include "db-ctl.h"

/* The generic commands, terminated by an entry with a NULL name. */
extern const struct ctl_command_syntax ctl_builtin_commands[];

/* Resolves "@name" references while parsing values of the running
 * command's invocation. */
const struct db_symbol_table *ctl_symtab(const struct ctl_context *);

/* Binds "--id=@name" ('id') of the running command.  With a null 'uuid'
 * (create), returns the symbol's UUID for the new row; otherwise (get)
 * binds the symbol to 'uuid', which fails if it was already used.  Returns
 * NULL after ctl_fatal() on error. */
const struct uuid *ctl_bind_symbol(struct ctl_context *, const char *id,
                                   const struct uuid *uuid);

#endif /* db-ctl-private.h */
