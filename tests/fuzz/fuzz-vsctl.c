/*
 * fuzz-vsctl.c -- the ovs-vsctl command language (db/db-ctl*.c and the
 * bridge commands of vswitchd/vsctl-cmds.c), and the reconciler on what
 * it commits.
 *
 * The input is up to eight lines; each line is one vsctl invocation,
 * split into arguments as a shell would split a simple command line
 * (blanks separate, single and double quotes group, a backslash escapes
 * one character), e.g.
 *
 *     -- --may-exist add-br br0 -- add-port br0 p1 tag=10
 *     set Interface p1 type=internal other_config:x="y z"
 *
 * Each runs through ctl_execute() inside one transaction, as the daemon
 * runs a vsctl request, on a fresh database made the way vswitchd makes
 * it.  After every invocation that committed, the reconciler runs
 * (bridge_run(), every interface a dummy port), and every change set is
 * replayed into a replica that must end equal to the database
 * (fuzz-util.h).
 */
#include <config.h>

#include <stdint.h>
#include "bridge.h"
#include "db-ctl.h"
#include "dpif.h"
#include "netdev.h"
#include "vsctl-cmds.h"
#include "fuzz-util.h"

#define MAX_INVOCATIONS 8
#define MAX_ARGS 64

/* Splits 'line' (modified in place) into at most MAX_ARGS arguments. */
static int
split_args(char *line, char *argv[])
{
    int argc = 0;
    char *in = line;

    while (argc < MAX_ARGS) {
        while (*in == ' ' || *in == '\t') {
            in++;
        }
        if (!*in) {
            break;
        }

        char *out = in;
        argv[argc++] = out;
        char quote = 0;
        for (; *in; in++) {
            if (quote) {
                if (*in == quote) {
                    quote = 0;
                } else if (quote == '"' && *in == '\\' && in[1]) {
                    *out++ = *++in;
                } else {
                    *out++ = *in;
                }
            } else if (*in == '\'' || *in == '"') {
                quote = *in;
            } else if (*in == '\\' && in[1]) {
                *out++ = *++in;
            } else if (*in == ' ' || *in == '\t') {
                in++;
                break;
            } else {
                *out++ = *in;
            }
        }
        *out = '\0';
    }
    return argc;
}

static void
reconcile(struct db *db)
{
    for (int i = 0; i < 4 && bridge_run(db); i++) {
        continue;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;
    if (!initialized) {
        fuzz_quiet_logs();
        vsctl_cmds_init();
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

    /* A NUL-terminated copy; a NUL byte ends the input, as it would end an
     * argument on a real command line. */
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    for (int i = 0; line && i < MAX_INVOCATIONS; i++) {
        char *argv[MAX_ARGS + 1];
        int argc = split_args(line, argv);
        struct ctl_result r;

        argv[argc] = NULL;
        ctl_execute(fdb.db, argc, argv, NULL, &r);
        if (getenv("FUZZ_VERBOSE")) {
            fprintf(stderr, "fuzz: invocation %d: exit %d%s, error: %s\n%s",
                    i, r.exit_code, r.committed ? ", committed" : "",
                    r.error ? r.error : "none", r.output ? r.output : "");
        }
        if (r.committed) {
            reconcile(fdb.db);
        }
        ctl_result_destroy(&r);
        line = strtok_r(NULL, "\n", &save);
    }
    free(text);

    bridge_exit();
    fuzz_db_destroy(&fdb);
    return 0;
}
