/*
 * vsctl-private.h -- what vsctl-cmds.c (the bridge commands) shares with
 * vsctl-requests.c (running invocations as requests).
 */
#ifndef VSWITCHD_VSCTL_PRIVATE_H
#define VSWITCHD_VSCTL_PRIVATE_H 1

struct ctl_options;
struct db_row;
struct db_schema;
struct db_table_schema;
struct db_txn;

/* Table 'name' of the built-in schema (a missing one is a bug: aborts). */
const struct db_table_schema *vsctl_table__(const struct db_schema *,
                                            const char *name);
/* The "name" column of a Bridge, Port or Interface row. */
const char *vsctl_name(const struct db_row *);

/* The pre-commit hook: bumps next_cfg unless --no-wait and remembers the
 * interfaces the invocation touched in 'exec' (a struct vsctl_exec). */
void vsctl_pre_commit(struct db_txn *, const struct ctl_options *,
                      void *exec);

#endif /* vsctl-private.h */
