/*
 * vsappctl -- runs a command inside a running vswitchd through its control
 * socket (see lib/appctl.h) and prints the answer.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "timeval.h"
#include "util.h"

static void NO_RETURN
usage(void)
{
    printf("%s: runs a command in a running vswitchd\n"
           "usage: %s [OPTIONS] COMMAND [ARG...]\n"
           "\n"
           "Options:\n"
           "  -t, --target=SOCKET   control socket to use: a path, or a "
           "name\n"
           "                        (\"vswitchd\") under the run "
           "directory\n"
           "  -T, --timeout=SECS    give up after SECS seconds\n"
           "  -h, --help            print this help and exit\n"
           "  -V, --version         print the version and exit\n"
           "\n"
           "The default target is $VSWITCH_RUNDIR/vswitchd.ctl (run "
           "directory\n"
           "default: %s).  Try \"%s help\" for the daemon's commands.\n",
           program_name, program_name, VSWITCH_DEFAULT_RUNDIR,
           program_name);
    exit(EXIT_SUCCESS);
}

static const char *
rundir(void)
{
    const char *dir = getenv("VSWITCH_RUNDIR");
    return dir && dir[0] ? dir : VSWITCH_DEFAULT_RUNDIR;
}

/* Turns the --target argument (or NULL for the default) into a socket
 * path. */
static char *
target_to_path(const char *target)
{
    if (!target) {
        return xasprintf("%s/vswitchd.ctl", rundir());
    } else if (strchr(target, '/')) {
        return xstrdup(target);
    } else {
        return xasprintf("%s/%s.ctl", rundir(), target);
    }
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        { "target", required_argument, NULL, 't' },
        { "timeout", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *target = NULL;
    long long timeout = 0;

    set_program_name(argv[0]);
    for (;;) {
        int c = getopt_long(argc, argv, "+t:T:hV", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 't':
            target = optarg;
            break;
        case 'T':
            if (!str_to_llong(optarg, 10, &timeout) || timeout < 0
                || timeout > 86400 * 365) {
                fprintf(stderr, "%s: --timeout: \"%s\" is not a number of "
                        "seconds\n", program_name, optarg);
                return EXIT_FAILURE;
            }
            break;
        case 'h':
            usage();
        case 'V':
            printf("vsappctl (vswitch) %s\n", PACKAGE_VERSION);
            return EXIT_SUCCESS;
        default:
            fprintf(stderr, "Try \"%s --help\" for more information.\n",
                    program_name);
            return EXIT_FAILURE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: missing command name; use --help for help\n",
                program_name);
        return EXIT_FAILURE;
    }

    long long deadline = timeout ? time_msec() + timeout * 1000 : 0;
    char *path = target_to_path(target);
    struct jsonrpc *rpc;
    int error = jsonrpc_connect_unix(path, &rpc);
    if (error) {
        fprintf(stderr, "%s: cannot connect to \"%s\" (%s)\n",
                program_name, path, strerror(error));
        return EXIT_FAILURE;
    }

    json_t *params = json_array();
    for (int i = optind + 1; i < argc; i++) {
        json_t *arg = json_string(argv[i]);
        if (!arg) {
            fprintf(stderr, "%s: argument \"%s\" is not valid UTF-8\n",
                    program_name, argv[i]);
            return EXIT_FAILURE;
        }
        json_array_append_new(params, arg);
    }

    json_t *request = jsonrpc_create_request(argv[optind], params, NULL);
    json_t *reply;
    error = jsonrpc_transact_block(rpc, request, &reply, deadline);
    if (error == ETIMEDOUT) {
        fprintf(stderr, "%s: timed out after %lld seconds waiting for a "
                "reply from \"%s\"\n", program_name, timeout, path);
        return EXIT_FAILURE;
    } else if (error) {
        const char *reason = jsonrpc_get_error(rpc);
        fprintf(stderr, "%s: transaction with \"%s\" failed (%s)\n",
                program_name, path,
                reason ? reason : strerror(error));
        return EXIT_FAILURE;
    }

    json_t *err = json_object_get(reply, "error");
    json_t *result = json_object_get(reply, "result");
    int status = EXIT_SUCCESS;
    FILE *stream = stdout;
    json_t *body = result;
    if (err && !json_is_null(err)) {
        stream = stderr;
        body = err;
        status = 2;
    }

    if (json_is_string(body)) {
        const char *text = json_string_value(body);
        size_t len = strlen(text);
        fputs(text, stream);
        if (len && text[len - 1] != '\n') {
            fputc('\n', stream);
        }
    } else if (body && !json_is_null(body)) {
        char *s = json_dumps(body, JSON_ENCODE_ANY);
        fprintf(stream, "%s\n", s ? s : "(unprintable reply)");
        free(s);
    }

    json_decref(reply);
    jsonrpc_close(rpc);
    free(path);
    return status;
}
