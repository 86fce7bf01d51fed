/*
 * fuzz-transact.c -- RFC 7047 "transact" against the vswitch schema, and
 * the reconciler on whatever it commits.
 *
 * The input is up to eight JSON values back to back, each the params of
 * one "transact" request: ["Open_vSwitch", OP, ...] (an array whose first
 * element is not a string gets the database name put in front, so the
 * fuzzer need not rediscover it).  Each one runs through
 * db_exec_transact() (db/db-exec*.c: operations, conditions, mutations,
 * named UUIDs, then commit with garbage collection, constraint checks and
 * vswitchd's commit-time validation), on a fresh database made the way
 * vswitchd makes it (bridge_init_db()).
 *
 * After every commit the real reconciler runs (bridge_run(),
 * vswitchd/bridge.c), with every interface opened as a dummy port
 * (netdev_set_dummy_override()), so it creates datapaths and ports,
 * assigns port numbers and writes interface state back: an odd database
 * that commit accepts must not crash it (a Port reachable from two
 * bridges once did).  Several transactions per input reach moves between
 * bridges and datapath types, deletions and re-additions.
 *
 * Every change set is also replayed into a replica (fuzz-util.h), which
 * must end equal to the database.  Each input starts from scratch
 * (bridge_exit(), a new database), so a crash reproduces from its input.
 */
#include <config.h>

#include <stdint.h>
#include "bridge.h"
#include "db-exec.h"
#include "dpif.h"
#include "netdev.h"
#include "fuzz-util.h"

#define MAX_TRANSACTIONS 8

/* Runs the reconciler until it has nothing more to write back. */
static void
reconcile(struct db *db)
{
    for (int i = 0; i < 4 && bridge_run(db); i++) {
        continue;
    }
}

static void
run_transact(struct db *db, json_t *params)
{
    if (json_is_array(params)
        && !json_is_string(json_array_get(params, 0))) {
        json_array_insert_new(params, 0, json_string("Open_vSwitch"));
    }

    unsigned long long seqno = db_get_seqno(db);
    bool retry = false;
    json_t *error = NULL;
    json_t *result = db_exec_transact(db, params, 0, &retry, &error);

    if (!result && !error && !retry) {
        fuzz_fail("db_exec_transact() returned neither result nor error",
                  NULL);
    }
    json_decref(result);
    json_decref(error);
    if (db_get_seqno(db) != seqno) {
        reconcile(db);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;
    if (!initialized) {
        fuzz_quiet_logs();
        netdev_set_dummy_override(true);
        dpif_register_alias("dummy", DPIF_DEFAULT_TYPE);
        initialized = true;
    }

    struct fuzz_db fdb;
    fuzz_db_create(&fdb);
    char *error = bridge_init_db(fdb.db);
    if (error) {
        fuzz_fail("bridge_init_db() failed", error);
    }
    bridge_init();
    reconcile(fdb.db);

    const char *p = (const char *) data;
    size_t left = size;
    for (int i = 0; i < MAX_TRANSACTIONS && left; i++) {
        json_error_t jerr;
        json_t *params = json_loadb(p, left, JSON_DISABLE_EOF_CHECK, &jerr);
        if (!params) {
            break;
        }
        run_transact(fdb.db, params);
        json_decref(params);
        if (jerr.position <= 0 || (size_t) jerr.position > left) {
            break;
        }
        p += jerr.position;
        left -= jerr.position;
    }

    bridge_exit();
    fuzz_db_destroy(&fdb);
    return 0;
}
