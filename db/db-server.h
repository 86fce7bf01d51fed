/*
 * db-server.h -- the configuration database as a service.
 *
 * A db_server owns one database: the in-memory "struct db", the journal
 * that makes it durable (db-log.h), and the Unix socket that serves it
 * over the JSON-RPC of RFC 7047 (list_dbs, get_schema, transact, echo).
 * Every committed transaction is appended to the journal and fsync'd
 * before it takes effect; the journal is compacted into a fresh snapshot
 * when it grows large.
 *
 * Other modules add methods of their own (vswitchd adds "vsctl") with
 * db_server_register_method(), and hear about closed connections with
 * db_server_add_close_cb() so they can drop deferred replies.
 *
 * "transact" requests whose "wait" operations are not yet satisfied stay
 * pending and are re-run after each commit until they succeed, time out,
 * or their connection closes.
 */
#ifndef DB_SERVER_H
#define DB_SERVER_H 1

#include <jansson.h>
#include <sys/types.h>
#include "db.h"
#include "jsonrpc.h"

struct db_server;

typedef void db_server_method_cb(struct db_server *, struct rpc_conn *,
                                 const json_t *params, const json_t *id,
                                 void *aux);
typedef void db_server_close_cb(struct rpc_conn *, void *aux);

/* Opens (creating if needed) the database file 'path' for 'schema', loads
 * it, and takes its lock.  A torn journal tail is repaired; damage followed
 * by intact records is repaired only if 'recover' is true (see db-log.h).
 * Returns 0 or an errno value with a message in '*errorp' (EALREADY:
 * another process has it open; EBADMSG: damage in the middle of the journal
 * and 'recover' is false). */
int db_server_open(const char *path, const struct db_schema *schema,
                   bool recover, struct db_server **, char **errorp);
void db_server_close(struct db_server *);

/* Gives the database file (and its future compactions) to group 'gid'.
 * Returns 0 or an errno value. */
int db_server_set_file_group(struct db_server *, gid_t gid);
struct db *db_server_get_db(struct db_server *);

/* Starts serving on the Unix socket 'path' (mode 'mode', group 'group' if
 * nonnull). */
int db_server_listen(struct db_server *, const char *path, int mode,
                     const char *group, char **errorp);

/* Sets the socket's connection and input-memory limits (see
 * rpc_server_set_limits()).  Call after db_server_listen(). */
void db_server_set_limits(struct db_server *, size_t max_conns,
                          size_t max_input);

void db_server_register_method(struct db_server *, const char *method,
                               db_server_method_cb *, void *aux);
void db_server_add_close_cb(struct db_server *, db_server_close_cb *,
                            void *aux);

void db_server_run(struct db_server *);
void db_server_wait(struct db_server *);

#endif /* db-server.h */
