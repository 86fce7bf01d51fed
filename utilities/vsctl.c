/*
 * vsctl -- configures vswitchd with the ovs-vsctl command language.
 *
 * The client is thin on purpose: it sends its command line, unparsed, to
 * the daemon over the database socket as one "vsctl" JSON-RPC request and
 * prints the answer.  All parsing, the transaction and the waiting for the
 * configuration to be applied happen inside the daemon
 * (vswitchd/vsctl-cmds.c), so that one invocation is one atomic
 * transaction however many commands it holds.
 *
 * Locally it only answers --help and --version and looks at --db and
 * --timeout, which say where to connect and how long to wait.  Those stay
 * in the command line sent to the daemon, which ignores --db and applies
 * the rest of the global options.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonrpc.h"
#include "timeval.h"
#include "util.h"

/* Exit status when --timeout expires, as for a process killed by SIGALRM
 * (128 + 14), which is what ovs-vsctl does; scripts test for it. */
#define VSCTL_EXIT_TIMEOUT 142

/* What the client itself takes from the command line. */
struct vsctl_args {
    const char *db;             /* --db value, or NULL. */
    long long timeout;          /* Seconds; 0 means wait forever. */
    bool help;
    bool version;
};

static void
vsctl_usage(void)
{
    printf("\
%s: configure vswitchd through its database\n\
usage: %s [OPTIONS] COMMAND [ARG...] [-- [OPTIONS] COMMAND [ARG...]]...\n\
\n\
All commands of one invocation run as one atomic transaction.\n\
\n\
Open vSwitch commands:\n\
  init                        initialize the database, if not yet done\n\
  show                        print an overview of the configuration\n\
  emer-reset                  reset the configuration to a clean state\n\
\n\
Bridge commands:\n\
  add-br BRIDGE               create a new bridge named BRIDGE\n\
  del-br BRIDGE               delete BRIDGE and all of its ports\n\
  list-br                     print the names of all the bridges\n\
  br-exists BRIDGE            exit 2 if BRIDGE does not exist\n\
  br-to-vlan BRIDGE           print the VLAN of BRIDGE (always 0)\n\
  br-to-parent BRIDGE         print the parent of BRIDGE (itself)\n\
  br-set-external-id BRIDGE KEY [VALUE]\n\
                              set or clear KEY in BRIDGE's external_ids\n\
  br-get-external-id BRIDGE [KEY]\n\
                              print KEY, or all keys, of external_ids\n\
  get-fail-mode BRIDGE        print BRIDGE's fail mode\n\
  set-fail-mode BRIDGE MODE   set it to \"standalone\" or \"secure\"\n\
  del-fail-mode BRIDGE        clear it\n\
\n\
Port commands:\n\
  list-ports BRIDGE           print the names of BRIDGE's ports\n\
  add-port BRIDGE PORT [COLUMN[:KEY]=VALUE]...\n\
                              add PORT to BRIDGE, setting Port columns\n\
  del-port [BRIDGE] PORT      delete PORT (from BRIDGE)\n\
  port-to-br PORT             print the bridge that contains PORT\n\
\n\
Interface commands:\n\
  list-ifaces BRIDGE          print the names of BRIDGE's interfaces\n\
  iface-to-br IFACE           print the bridge that contains IFACE\n\
\n\
Database commands:\n\
  list TBL [REC]              list the records in TBL (or just REC)\n\
  find TBL CONDITION...       list the records that satisfy CONDITIONs\n\
  get TBL REC COL[:KEY]...    print the values of COLumns of REC\n\
  set TBL REC COL[:KEY]=VALUE...\n\
                              set COLumns of REC in TBL\n\
  add TBL REC COL [KEY=]VALUE...\n\
                              add values to set or map column COL\n\
  remove TBL REC COL [KEY=]VALUE...\n\
                              remove values from COL\n\
  clear TBL REC COL...        empty set or map COLumns\n\
  create TBL COL[:KEY]=VALUE...\n\
                              create a record in TBL, print its UUID\n\
  destroy TBL REC...          delete RECs from TBL\n\
  wait-until TBL REC [COL[:KEY]=VALUE]...\n\
                              wait until REC exists and matches\n\
  comment [ARG]...            do nothing (the ARGs are logged)\n\
\n\
Command options (before the command they modify):\n\
  --may-exist, --if-exists, --with-iface, --all, --id=@NAME,\n\
  --columns=COL,...\n\
\n\
Global options:\n\
  --db=unix:PATH              connect to PATH (default: %s)\n\
  -t, --timeout=SECS          give up after SECS seconds (exit %d)\n\
  --no-wait                   do not wait for vswitchd to apply changes\n\
  --dry-run                   do not commit changes to the database\n\
  --oneline                   print each command's output on one line\n\
  -f, --format=FORMAT         list, table, csv or json\n\
  -d, --data=FORMAT           string, bare or json\n\
  --no-headings               omit table headings\n\
  --columns=COL,...           print only these columns\n\
  --bare                      --format=list --data=bare --no-headings\n\
  -h, --help                  print this help and exit\n\
  -V, --version               print the version and exit\n\
\n\
See vsctl(8) for details.\n",
           program_name, program_name, VSWITCH_DEFAULT_RUNDIR "/db.sock",
           VSCTL_EXIT_TIMEOUT);
}

/* Matches "--NAME" or "--NAME=VALUE" against the long option 'name',
 * accepting an unambiguous abbreviation of at least 'min_len' characters
 * as getopt_long() would.  Returns true on a match and stores a pointer
 * to the value, or NULL if there is none, in '*valuep'. */
static bool
vsctl_match_long(const char *arg, const char *name, size_t min_len,
                 const char **valuep)
{
    const char *eq;
    size_t len;

    if (strncmp(arg, "--", 2)) {
        return false;
    }
    arg += 2;
    eq = strchr(arg, '=');
    len = eq ? (size_t) (eq - arg) : strlen(arg);
    if (len < min_len || len > strlen(name) || strncmp(arg, name, len)) {
        return false;
    }
    *valuep = eq ? eq + 1 : NULL;
    return true;
}

static void NO_RETURN PRINTF_FORMAT(1, 2)
vsctl_bad_option(const char *format, ...)
{
    va_list args;

    fprintf(stderr, "%s: ", program_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, " (use --help for help)\n");
    exit(EXIT_FAILURE);
}

static long long
vsctl_parse_timeout(const char *s)
{
    long long timeout;

    if (!s || !str_to_llong(s, 10, &timeout) || timeout < 0) {
        vsctl_bad_option("value %s on -t or --timeout is invalid",
                         s ? s : "(missing)");
    }
    return timeout;
}

/* Returns the value of an option that takes one: the part after '=', or
 * else the next argument (advancing '*ip'). */
static const char *
vsctl_option_value(const char *value, int argc, char *argv[], int *ip)
{
    if (value) {
        return value;
    }
    if (*ip + 1 >= argc) {
        vsctl_bad_option("option '%s' requires an argument", argv[*ip]);
    }
    return argv[++*ip];
}

/* Handles one global option argument at argv[*ip]; options of no interest
 * here are left for the daemon. */
static void
vsctl_scan_option(int argc, char *argv[], int *ip, struct vsctl_args *args)
{
    const char *arg = argv[*ip];
    const char *value;

    if (!strcmp(arg, "-h") || vsctl_match_long(arg, "help", 3, &value)) {
        args->help = true;
    } else if (!strcmp(arg, "-V")
               || vsctl_match_long(arg, "version", 4, &value)) {
        args->version = true;
    } else if (vsctl_match_long(arg, "db", 2, &value)) {
        args->db = vsctl_option_value(value, argc, argv, ip);
    } else if (vsctl_match_long(arg, "timeout", 2, &value)) {
        value = vsctl_option_value(value, argc, argv, ip);
        args->timeout = vsctl_parse_timeout(value);
    } else if (!strcmp(arg, "-t")) {
        value = vsctl_option_value(NULL, argc, argv, ip);
        args->timeout = vsctl_parse_timeout(value);
    } else if (!strncmp(arg, "-t", 2)) {
        args->timeout = vsctl_parse_timeout(arg + 2);
    }
}

/* Scans the global options, which end at the first argument that is not
 * an option (a command name) or at the first "--". */
static void
vsctl_scan_args(int argc, char *argv[], struct vsctl_args *args)
{
    memset(args, 0, sizeof *args);
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || !strcmp(argv[i], "--")) {
            break;
        }
        vsctl_scan_option(argc, argv, &i, args);
    }
}

/* Returns the socket path that --db names (or the default), as a malloc'd
 * string, or exits with an error. */
static char *
vsctl_socket_path(const char *db)
{
    const char *rundir;

    if (db) {
        if (str_has_prefix(db, "unix:")) {
            return xstrdup(db + 5);
        } else if (strchr(db, ':')) {
            fprintf(stderr, "%s: %s: only \"unix:PATH\" database "
                    "connections are supported\n", program_name, db);
            exit(EXIT_FAILURE);
        }
        return xstrdup(db);
    }
    rundir = getenv("VSWITCH_RUNDIR");
    if (rundir && rundir[0]) {
        return xasprintf("%s/db.sock", rundir);
    }
    return xstrdup(VSWITCH_DEFAULT_RUNDIR "/db.sock");
}

/* Prints 'text' on stderr, each line prefixed by the program name. */
static void
vsctl_print_error(const char *text)
{
    while (*text) {
        const char *nl = strchr(text, '\n');
        int len = nl ? (int) (nl - text) : (int) strlen(text);

        fprintf(stderr, "%s: %.*s\n", program_name, len, text);
        text += len + (nl != NULL);
    }
}

/* Prints the answer to the request and returns the exit status. */
static int
vsctl_print_reply(const json_t *reply)
{
    const json_t *error = json_object_get(reply, "error");
    const json_t *result = json_object_get(reply, "result");
    const char *output, *message;
    const json_t *status;

    if (error && !json_is_null(error)) {
        char *s = json_dumps(error, JSON_ENCODE_ANY | JSON_COMPACT);
        fprintf(stderr, "%s: database error: %s\n", program_name,
                s ? s : "(unprintable)");
        free(s);
        return EXIT_FAILURE;
    }
    if (!json_is_object(result)) {
        fprintf(stderr, "%s: malformed reply from the database\n",
                program_name);
        return EXIT_FAILURE;
    }
    output = json_string_value(json_object_get(result, "output"));
    message = json_string_value(json_object_get(result, "error"));
    status = json_object_get(result, "exit");
    if (output) {
        fputs(output, stdout);
    }
    if (fflush(stdout)) {
        fprintf(stderr, "%s: write error on standard output\n",
                program_name);
        return EXIT_FAILURE;
    }
    if (message) {
        vsctl_print_error(message);
    }
    if (json_is_integer(status)) {
        return (int) json_integer_value(status);
    }
    return message ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Sends argv[1..] to the daemon and returns the exit status. */
static int
vsctl_transact(int argc, char *argv[], const struct vsctl_args *args)
{
    char *path = vsctl_socket_path(args->db);
    long long deadline = 0;
    struct jsonrpc *rpc;
    json_t *params, *reply;
    int error, status;

    if (args->timeout > 0) {
        deadline = time_msec() + args->timeout * 1000;
    }
    error = jsonrpc_connect_unix(path, &rpc);
    if (error) {
        fprintf(stderr, "%s: unix:%s: database connection failed (%s)\n",
                program_name, path, strerror(error));
        free(path);
        return EXIT_FAILURE;
    }

    params = json_array();
    for (int i = 1; i < argc; i++) {
        json_array_append_new(params, json_string(argv[i]));
    }
    error = jsonrpc_transact_block(rpc,
                                   jsonrpc_create_request("vsctl", params,
                                                          NULL),
                                   &reply, deadline);
    if (!error) {
        status = vsctl_print_reply(reply);
        json_decref(reply);
    } else if (error == ETIMEDOUT) {
        fprintf(stderr, "%s: timed out waiting for the database after "
                "%lld seconds\n", program_name, args->timeout);
        status = VSCTL_EXIT_TIMEOUT;
    } else {
        const char *why = jsonrpc_get_error(rpc);
        fprintf(stderr, "%s: unix:%s: database transaction failed (%s)\n",
                program_name, path,
                why ? why : error == EOF ? "connection closed"
                : strerror(error));
        status = EXIT_FAILURE;
    }
    jsonrpc_close(rpc);
    free(path);
    return status;
}

/* Checks that every argument is valid UTF-8, which JSON requires. */
static void
vsctl_check_utf8(int argc, char *argv[])
{
    for (int i = 1; i < argc; i++) {
        json_t *s = json_string(argv[i]);
        if (!s) {
            fprintf(stderr, "%s: argument \"%s\" is not valid UTF-8\n",
                    program_name, argv[i]);
            exit(EXIT_FAILURE);
        }
        json_decref(s);
    }
}

int
main(int argc, char *argv[])
{
    struct vsctl_args args;

    set_program_name(argv[0]);
    vsctl_scan_args(argc, argv, &args);
    if (args.help) {
        vsctl_usage();
        return EXIT_SUCCESS;
    } else if (args.version) {
        printf("vsctl (vswitch) " PACKAGE_VERSION "\n");
        return EXIT_SUCCESS;
    }
    vsctl_check_utf8(argc, argv);
    return vsctl_transact(argc, argv, &args);
}
