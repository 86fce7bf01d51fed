/*
 * vsctl-cmds.h -- the Open_vSwitch-schema half of vsctl, run inside the
 * daemon.
 *
 * The "vsctl" client does no database work of its own: it sends its whole
 * command line as a JSON-RPC request
 *
 *     {"method": "vsctl", "params": ["--timeout=5", "--", "add-br", ...]}
 *
 * to the database socket.  The daemon runs the invocation with the generic
 * engine of db-ctl.h, in one transaction, and answers
 *
 *     {"output": "...", "error": null or "...", "exit": N}
 *
 * "error" holds one or more lines without a program-name prefix; the
 * client prints each line as "vsctl: LINE" on stderr.
 *
 * This module contributes what the generic engine cannot know: the
 * bridge/port/interface commands (add-br, add-port, show, ...), how users
 * name records of each table (a Bridge by its name, a NetFlow by its
 * bridge's name, ...), and the waiting.
 *
 * Waiting.  Unless --no-wait was given, a transaction that changed the
 * database also increments Open_vSwitch.next_cfg.  The reply is then held
 * back until the reconciler has applied that configuration, which it
 * reports by copying next_cfg into cur_cfg.  At that point the "error"
 * column of every interface the transaction created or changed is
 * checked, and any error is reported to the user with exit status 1.  An
 * invocation whose "wait-until" condition does not hold yet is held back
 * too, and run again after every later change of the database.  Requests
 * held back are forgotten when their connection closes; the client's
 * --timeout bounds how long a user waits.
 *
 * The daemon's main loop calls vsctl_handle_request() for each "vsctl"
 * request, vsctl_run() after every commit (and after every apply by the
 * reconciler), and vsctl_conn_closed() when a connection goes away.
 *
 * Not thread-safe: everything runs in the daemon's main thread.
 */
#ifndef VSWITCHD_VSCTL_CMDS_H
#define VSWITCHD_VSCTL_CMDS_H 1

#include <jansson.h>
#include <stddef.h>

struct db;
struct rpc_conn;

/* Registers the commands, table classes and hooks with db-ctl.  Call once
 * at start-up, before the first request. */
void vsctl_cmds_init(void);

/* Forgets every request still held back (without replying). */
void vsctl_cmds_destroy(void);

/* Handles one "vsctl" request: 'params' (borrowed) must be an array of
 * strings, the client's argv without the program name; 'id' (borrowed) is
 * the request's id.  Replies now, or later from vsctl_run(). */
void vsctl_handle_request(struct db *, struct rpc_conn *,
                          const json_t *params, const json_t *id);

/* Re-examines the requests held back: replies to those whose
 * configuration has been applied, and re-runs those waiting for a
 * wait-until condition.  Call from the main loop after every change to the
 * database, never from inside a commit (it may open transactions).  If a
 * re-run request commits, this calls poll_immediate_wake() so that the
 * daemon applies the change before sleeping. */
void vsctl_run(struct db *);

/* Forgets the requests held back for 'conn', which is closing. */
void vsctl_conn_closed(struct rpc_conn *);

/* Number of requests held back (for diagnostics and tests). */
size_t vsctl_n_pending(void);

#endif /* vsctl-cmds.h */
