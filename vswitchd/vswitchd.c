/*
 * vswitchd -- the vswitch daemon.
 *
 * Start-up is ordered so that every failure is reported before the daemon
 * claims to be running: options, directories, detach (the parent waits),
 * pidfile, database (locked: a second daemon on the same file refuses to
 * start), sockets; only then does --detach let the parent exit 0.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "appctl.h"
#include "coverage.h"
#include "daemon.h"
#include "db-server.h"
#include "db.h"
#include "dpif.h"
#include "netdev.h"
#include "poll-loop.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"
#include "bridge.h"
#include "vsctl-cmds.h"
#ifdef HAVE_DPDK
#include "dpdk/netdev-dpdk.h"
#endif

VLOG_DEFINE_THIS_MODULE(vswitchd);

struct options {
    char *rundir;
    char *dbdir;
    char *db_path;
    char *pidfile;              /* NULL: no pidfile. */
    char *log_file;             /* NULL: no log file. */
    char *socket_group;
    gid_t gid;                  /* Of 'socket_group', or (gid_t) -1. */
    bool detach;
    bool recover_db;            /* Cut the journal at mid-file damage. */
    size_t max_conns;           /* 0: the default. */
    size_t max_input_mb;        /* 0: the default. */
};

static void NO_RETURN
usage(void)
{
    printf("%s: the vswitch daemon\n"
           "usage: %s [OPTIONS] [DATABASE]\n"
           "\n"
           "DATABASE is the configuration file (default DBDIR/conf.db).\n"
           "\n"
           "Options:\n"
           "  --rundir=DIR         sockets and pidfile here (default %s,\n"
           "                       or $VSWITCH_RUNDIR)\n"
           "  --dbdir=DIR          database directory (default %s,\n"
           "                       or $VSWITCH_DBDIR)\n"
           "  --pidfile[=FILE]     write a pidfile (default RUNDIR/"
           "vswitchd.pid)\n"
           "  --detach             run in the background once ready\n"
           "  --log-file[=FILE]    also log to FILE (default "
           "RUNDIR/vswitchd.log)\n"
           "  --socket-group=GROUP group of the sockets (mode 0660), the\n"
           "                       database and the log file (0640)\n"
           "  --max-connections=N  database socket connections (default\n"
           "                       min(1000, open-file limit - 64))\n"
           "  --max-input-memory=MB  input buffered from all database\n"
           "                       clients (default 64)\n"
           "  --recover-db         start even if the database journal is\n"
           "                       damaged before intact records: drop\n"
           "                       them (a copy of the file is kept)\n"
           "  --enable-dummy=override  open every interface as a dummy "
           "port and add\n"
           "                       datapath type \"dummy\" (tests)\n"
           "  -v, --verbose[=SPEC] set log levels, e.g. -vdbg or "
           "-vbridge:file:info\n"
           "  -h, --help           show this help\n"
           "  -V, --version        show the version\n",
           program_name, program_name, VSWITCH_DEFAULT_RUNDIR,
           VSWITCH_DEFAULT_DBDIR);
    exit(EXIT_SUCCESS);
}

static char *
default_dir(const char *env, const char *fallback)
{
    const char *v = getenv(env);
    return xstrdup(v && *v ? v : fallback);
}

/* Parses 'arg', the value of 'option', as an integer from 'min' to 'max',
 * or exits with an error. */
static size_t
parse_count(const char *arg, const char *option, long long min,
            long long max)
{
    long long value;

    if (!str_to_llong(arg, 10, &value) || value < min || value > max) {
        util_fatal(0, "%s: \"%s\" is not an integer from %lld to %lld",
                   option, arg, min, max);
    }
    return value;
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
    enum {
        OPT_RUNDIR = UCHAR_MAX + 1, OPT_DBDIR, OPT_PIDFILE, OPT_DETACH,
        OPT_LOG_FILE, OPT_SOCKET_GROUP, OPT_ENABLE_DUMMY, OPT_RECOVER_DB,
        OPT_MAX_CONNECTIONS, OPT_MAX_INPUT_MEMORY,
    };
    static const struct option long_options[] = {
        { "rundir", required_argument, NULL, OPT_RUNDIR },
        { "dbdir", required_argument, NULL, OPT_DBDIR },
        { "pidfile", optional_argument, NULL, OPT_PIDFILE },
        { "detach", no_argument, NULL, OPT_DETACH },
        { "log-file", optional_argument, NULL, OPT_LOG_FILE },
        { "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
        { "enable-dummy", optional_argument, NULL, OPT_ENABLE_DUMMY },
        { "recover-db", no_argument, NULL, OPT_RECOVER_DB },
        { "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
        { "max-input-memory", required_argument, NULL,
          OPT_MAX_INPUT_MEMORY },
        { "verbose", optional_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    bool want_pidfile = false, want_log = false;
    char *error;

    memset(o, 0, sizeof *o);
    o->gid = (gid_t) -1;
    o->rundir = default_dir("VSWITCH_RUNDIR", VSWITCH_DEFAULT_RUNDIR);
    o->dbdir = default_dir("VSWITCH_DBDIR", VSWITCH_DEFAULT_DBDIR);
    for (;;) {
        int c = getopt_long(argc, argv, "v::hV", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_RUNDIR:
            free(o->rundir);
            o->rundir = xstrdup(optarg);
            break;
        case OPT_DBDIR:
            free(o->dbdir);
            o->dbdir = xstrdup(optarg);
            break;
        case OPT_PIDFILE:
            want_pidfile = true;
            free(o->pidfile);
            o->pidfile = optarg ? xstrdup(optarg) : NULL;
            break;
        case OPT_DETACH:
            o->detach = true;
            break;
        case OPT_LOG_FILE:
            want_log = true;
            free(o->log_file);
            o->log_file = optarg ? xstrdup(optarg) : NULL;
            break;
        case OPT_SOCKET_GROUP:
            o->socket_group = xstrdup(optarg);
            break;
        case OPT_RECOVER_DB:
            o->recover_db = true;
            break;
        case OPT_MAX_CONNECTIONS:
            o->max_conns = parse_count(optarg, "--max-connections", 1,
                                       1000000);
            break;
        case OPT_MAX_INPUT_MEMORY:
            o->max_input_mb = parse_count(optarg, "--max-input-memory", 32,
                                          1024 * 1024);
            break;
        case OPT_ENABLE_DUMMY:
            if (!optarg || strcmp(optarg, "override")) {
                util_fatal(0, "--enable-dummy takes \"override\" (every "
                           "interface becomes a dummy port, for tests)");
            }
            netdev_set_dummy_override(true);
            /* A second datapath type, so tests can run bridges of two
             * types side by side (Bridge:datapath_type=dummy). */
            dpif_register_alias("dummy", DPIF_DEFAULT_TYPE);
            break;
        case 'v':
            error = vlog_set_levels_from_string(optarg ? optarg : "dbg");
            if (error) {
                util_fatal(0, "-v%s: %s", optarg ? optarg : "", error);
            }
            break;
        case 'h':
            usage();
        case 'V':
            printf("vswitchd (vswitch) %s\n", PACKAGE_VERSION);
            exit(EXIT_SUCCESS);
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    program_name);
            exit(EXIT_FAILURE);
        }
    }
    if (argc - optind > 1) {
        util_fatal(0, "at most one non-option argument (the database file) "
                   "is accepted");
    }
    o->db_path = argc > optind ? xstrdup(argv[optind])
                               : xasprintf("%s/conf.db", o->dbdir);
    if (want_pidfile && !o->pidfile) {
        o->pidfile = xasprintf("%s/vswitchd.pid", o->rundir);
    }
    if (want_log && !o->log_file) {
        o->log_file = xasprintf("%s/vswitchd.log", o->rundir);
    }
}

static void
make_dirs(const struct options *o)
{
    const char *dirs[] = { o->rundir, o->dbdir };
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        int err = daemon_mkdir_p(dirs[i], 0755);
        if (err) {
            util_fatal(err, "cannot create directory %s", dirs[i]);
        }
    }
}

static bool exiting;

static void
appctl_exit(struct appctl_conn *conn, int argc,
            const char *argv[], void *aux)
{
    exiting = true;
    appctl_reply_success(conn, NULL);
}

static void
vsctl_method(struct db_server *server, struct rpc_conn *conn,
             const json_t *params, const json_t *id, void *aux)
{
    vsctl_handle_request(db_server_get_db(server), conn, params, id);
}

static void
vsctl_close(struct rpc_conn *conn, void *aux)
{
    vsctl_conn_closed(conn);
}

static void
start_or_die(struct options *o, struct db_server **serverp,
             struct appctl_server **appctlp)
{
    struct db_schema *schema;
    char *error;
    int err;

    json_error_t jerr;
    json_t *sj = json_loads(vswitch_schema_json, 0, &jerr);
    if (!sj) {
        util_fatal(0, "built-in schema: %s", jerr.text);
    }
    error = db_schema_from_json(sj, &schema);
    json_decref(sj);
    if (error) {
        util_fatal(0, "built-in schema: %s", error);
    }

    if (o->pidfile) {
        pid_t other = 0;
        err = daemon_pidfile_create(o->pidfile, &other);
        if (err == EALREADY) {
            util_fatal(0, "%s: already running as pid %ld", o->pidfile,
                       (long) other);
        } else if (err) {
            util_fatal(err, "%s: cannot create pidfile", o->pidfile);
        }
    }

    err = db_server_open(o->db_path, schema, o->recover_db, serverp,
                         &error);
    if (err == EALREADY) {
        util_fatal(0, "%s: database is in use by another vswitchd",
                   o->db_path);
    } else if (err == EBADMSG) {
        /* Logged, not just printed: the log file is where an operator
         * looks when a service does not come up. */
        VLOG_ERR("%s.  The file is unchanged and vswitchd will not start.  "
                 "To start anyway, run vswitchd with --recover-db: it keeps "
                 "a copy of the file as %s.damaged-TIME, then drops "
                 "everything from the damage on", error, o->db_path);
        exit(EXIT_FAILURE);
    } else if (err) {
        util_fatal(0, "%s", error);
    }
    if (o->gid != (gid_t) -1) {
        err = db_server_set_file_group(*serverp, o->gid);
        if (err) {
            util_fatal(err, "%s: cannot give the database to group \"%s\"",
                       o->db_path, o->socket_group);
        }
    }
    error = bridge_init_db(db_server_get_db(*serverp));
    if (error) {
        util_fatal(0, "%s: cannot initialize database: %s", o->db_path,
                   error);
    }

    char *sock = xasprintf("%s/db.sock", o->rundir);
    err = db_server_listen(*serverp, sock, 0660, o->socket_group, &error);
    if (err) {
        util_fatal(0, "%s", error ? error : sock);
    }
    free(sock);
    size_t max_conns = (o->max_conns ? o->max_conns
                        : rpc_server_default_max_conns());
    size_t max_input = (o->max_input_mb ? o->max_input_mb * 1024 * 1024
                        : RPC_DEFAULT_MAX_INPUT);
    db_server_set_limits(*serverp, max_conns, max_input);
    VLOG_INFO("database socket: up to %zu connections and %zu MiB of "
              "buffered input", max_conns, max_input / (1024 * 1024));
    db_server_register_method(*serverp, "vsctl", vsctl_method, NULL);
    db_server_add_close_cb(*serverp, vsctl_close, NULL);

    char *ctl = xasprintf("%s/vswitchd.ctl", o->rundir);
    err = appctl_server_create(ctl, o->socket_group, appctlp, &error);
    if (err) {
        util_fatal(0, "%s", error ? error : ctl);
    }
    free(ctl);
}

int
main(int argc, char *argv[])
{
    struct options o;
    struct db_server *server;
    struct appctl_server *appctl;

    set_program_name(argv[0]);
#ifdef __GLIBC__
    /* A reconfiguration over 1000 ports allocates and frees buffers of a
     * few hundred kilobytes; from the heap they are reused, whereas above
     * glibc's default 128 KiB thresholds each one would be a fresh mmap()
     * (or heap memory trimmed and grown back) whose every page faults in
     * again. */
    mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
#endif
    parse_options(argc, argv, &o);
    make_dirs(&o);
    netdev_set_run_dir(o.rundir);
#ifdef HAVE_DPDK
    /* The types exist from the start; DPDK itself starts only when
     * Open_vSwitch other_config:dpdk-init says so. */
    netdev_dpdk_register();
#endif
    if (o.socket_group) {
        struct group *gr = getgrnam(o.socket_group);
        if (!gr) {
            util_fatal(0, "group \"%s\" does not exist", o.socket_group);
        }
        o.gid = gr->gr_gid;
        vlog_set_log_file_group(o.gid);
    }
    if (o.log_file) {
        int err = vlog_set_log_file(o.log_file);
        if (err) {
            util_fatal(err, "%s: cannot open log file", o.log_file);
        }
        appctl_set_log_path(o.log_file);
    }
    if (o.detach) {
        daemon_detach_start();
    }
    daemon_signals_init();
    vsctl_cmds_init();
    timeval_register_commands();
    coverage_register_commands();
    appctl_command_register("exit", "", 0, 0, appctl_exit, NULL);
    start_or_die(&o, &server, &appctl);
    bridge_init();
    VLOG_INFO("vswitchd %s started: database %s, sockets in %s",
              PACKAGE_VERSION, o.db_path, o.rundir);
    if (o.detach) {
        daemon_detach_done();
    }

    struct db *db = db_server_get_db(server);
    unsigned long long vsctl_seen = 0;
    while (!exiting && !daemon_should_exit()) {
        if (daemon_take_sighup() && o.log_file) {
            vlog_set_log_file(o.log_file);
        }
        db_server_run(server);
        appctl_server_run(appctl);
        bridge_run(db);
        if (db_get_seqno(db) != vsctl_seen) {
            vsctl_seen = db_get_seqno(db);
            vsctl_run(db);
        }
        db_server_wait(server);
        appctl_server_wait(appctl);
        bridge_wait();
        daemon_signals_wait();
        if (exiting || daemon_should_exit()) {
            break;
        }
        poll_block();
    }

    VLOG_INFO("exiting");
    bridge_exit();
    appctl_server_destroy(appctl);
    db_server_close(server);
    vsctl_cmds_destroy();
    daemon_pidfile_remove();
    return 0;
}
