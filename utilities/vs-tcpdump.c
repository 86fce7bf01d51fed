/*
 * vs-tcpdump.c -- captures the traffic of one switch port, both
 * directions, through a temporary mirror.
 *
 *     vs-tcpdump -i PORT [-w FILE] [-c COUNT] [--db=unix:PATH] [FILTER...]
 *
 * The program stays thin: everything it asks of the switch goes through
 * vsctl (run as a child, so the command language and its one-transaction
 * semantics are the daemon's), and capture, filtering and the pcap file
 * format are libpcap's.  It
 *
 *   1. adds a TAP port "vstPID" to PORT's bridge and a Mirror selecting
 *      everything that enters or leaves PORT with that port as its SPAN
 *      output, both marked external_ids:vs-tcpdump=PID;
 *      The TAP port takes PORT's VLAN view: if PORT has a tag (an access
 *      or native VLAN), frames of that VLAN reach the capture untagged
 *      and others tagged (vlan_mode=native-untagged, or native-tagged
 *      like PORT), so that a capture of an access port looks like the
 *      wire of that port; a trunk's frames keep their tags;
 *   2. captures on the TAP with libpcap and the pcap-filter expression,
 *      if any;
 *   3. writes a pcap stream (pcap_dump) to FILE ("-": standard output),
 *      flushed per packet so that a pipe into tcpdump or Wireshark sees
 *      each one at once, or prints one line per frame;
 *   4. removes the mirror and the port however the capture ends: COUNT
 *      reached, SIGINT, SIGTERM, SIGHUP or SIGPIPE (a reader that went
 *      away).  A "kill -9" leaves them behind with a dead PID, and the
 *      daemon removes such leftovers within its statistics interval and
 *      at start-up (bridge-mirrors.c).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static pcap_t *capture;

static char vsctl_path[PATH_MAX + 16];
static const char *db_option;

static void
usage(FILE *f)
{
    fprintf(f, "usage: vs-tcpdump -i PORT [-w FILE] [-c COUNT] "
            "[--db=unix:PATH] [FILTER...]\n"
            "Captures PORT's traffic, both directions, through a temporary "
            "mirror.\n"
            "  -i PORT       the switch port to capture\n"
            "  -w FILE       write a pcap stream to FILE (\"-\": standard "
            "output)\n"
            "  -c COUNT      stop after COUNT frames\n"
            "  --db=SOCKET   the database socket, as for vsctl\n"
            "  FILTER        a pcap-filter expression (tcpdump syntax)\n");
}

/* The vsctl next to this program, else the one in $PATH. */
static void
find_vsctl(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *env = getenv("VS_TCPDUMP_VSCTL");

    if (env) {
        snprintf(vsctl_path, sizeof vsctl_path, "%s", env);
        return;
    }
    if (n > 0) {
        char *slash;

        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(vsctl_path, sizeof vsctl_path, "%s/vsctl", self);
            if (!access(vsctl_path, X_OK)) {
                return;
            }
        }
    }
    snprintf(vsctl_path, sizeof vsctl_path, "vsctl");
}

/* Runs vsctl with 'args' (NULL-terminated) and waits for it.  Its
 * standard output goes to 'out' (up to 'size' bytes, NUL-terminated,
 * trailing newline removed) if nonnull.  Returns its exit status, or -1. */
static int
run_vsctl(char *out, size_t size, const char *const *args)
{
    const char *argv[64];
    int pipefd[2], status;
    size_t n = 0, len = 0;
    pid_t pid;

    argv[n++] = vsctl_path;
    if (db_option) {
        argv[n++] = db_option;
    }
    for (size_t i = 0; args[i] && n < 63; i++) {
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    if (pipe(pipefd)) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        return -1;
    } else if (!pid) {
        dup2(pipefd[1], STDOUT_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        execvp(argv[0], (char **) argv);
        fprintf(stderr, "vs-tcpdump: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    for (;;) {
        char buf[256];
        ssize_t r = read(pipefd[0], buf, sizeof buf);

        if (r < 0 && errno == EINTR) {
            continue;
        } else if (r <= 0) {
            break;
        }
        for (ssize_t i = 0; out && i < r && len + 1 < size; i++) {
            out[len++] = buf[i];
        }
    }
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    if (out) {
        while (len && out[len - 1] == '\n') {
            len--;
        }
        out[len] = '\0';
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
on_signal(int sig)
{
    stop = sig;
    if (capture) {
        pcap_breakloop(capture);
    }
}

/* What the capture writes to. */
struct sink {
    pcap_dumper_t *dumper;      /* With -w. */
    long long count, limit;
};

static void
print_frame(const struct pcap_pkthdr *h, const u_char *d)
{
    struct tm tm;
    time_t t = h->ts.tv_sec;
    unsigned int ofs = 12, type;

    localtime_r(&t, &tm);
    printf("%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
           (long) h->ts.tv_usec);
    if (h->caplen < 14) {
        printf("[%u bytes]\n", h->len);
        return;
    }
    printf("%02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x",
           d[6], d[7], d[8], d[9], d[10], d[11],
           d[0], d[1], d[2], d[3], d[4], d[5]);
    type = d[ofs] << 8 | d[ofs + 1];
    while ((type == 0x8100 || type == 0x88a8) && ofs + 6 <= h->caplen) {
        printf(", vlan %u", (d[ofs + 2] << 8 | d[ofs + 3]) & 0xfff);
        ofs += 4;
        type = d[ofs] << 8 | d[ofs + 1];
    }
    printf(", ethertype 0x%04x, length %u\n", type, h->len);
}

static void
handle(u_char *sink_, const struct pcap_pkthdr *h, const u_char *d)
{
    struct sink *sink = (struct sink *) sink_;

    if (sink->dumper) {
        pcap_dump((u_char *) sink->dumper, h, d);
        if (pcap_dump_flush(sink->dumper)) {
            stop = SIGPIPE;
        }
    } else {
        print_frame(h, d);
        if (fflush(stdout)) {
            stop = SIGPIPE;
        }
    }
    if (sink->limit && ++sink->count >= sink->limit) {
        stop = -1;
    }
    if (stop) {
        pcap_breakloop(capture);
    }
}

/* Joins argv[0..argc-1] with spaces (malloc'd). */
static char *
join_args(int argc, char *argv[])
{
    size_t len = 1;
    char *s;

    for (int i = 0; i < argc; i++) {
        len += strlen(argv[i]) + 1;
    }
    s = calloc(1, len);
    for (int i = 0; s && i < argc; i++) {
        strcat(s, argv[i]);
        if (i + 1 < argc) {
            strcat(s, " ");
        }
    }
    return s;
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char bridge[256], mirror_uuid[128] = "", tap[16], pid_s[64], mname[64];
    char errbuf[PCAP_ERRBUF_SIZE], tag[32], mode[64], vlan_args[2][64];
    const char *port = NULL, *file = NULL;
    struct bpf_program prog;
    struct sink sink = { NULL, 0, 0 };
    struct sigaction sa;
    char *expr, *db_buf = NULL;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "+i:w:c:h", long_options,
                            NULL)) != -1) {
        switch (c) {
        case 'i':
            port = optarg;
            break;
        case 'w':
            file = optarg;
            break;
        case 'c':
            sink.limit = atoll(optarg);
            break;
        case 'd':
            db_buf = malloc(strlen(optarg) + 6);
            sprintf(db_buf, "--db=%s", optarg);
            db_option = db_buf;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!port) {
        usage(stderr);
        return 2;
    }
    expr = join_args(argc - optind, argv + optind);
    find_vsctl();

    /* The filter is checked before the switch is touched. */
    {
        pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);

        if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
            fprintf(stderr, "vs-tcpdump: invalid filter \"%s\": %s\n", expr,
                    pcap_geterr(dead));
            return 2;
        }
        pcap_close(dead);
    }

    if (run_vsctl(bridge, sizeof bridge,
                  (const char *[]) { "port-to-br", port, NULL }) || !*bridge) {
        fprintf(stderr, "vs-tcpdump: %s is not a port of the switch\n",
                port);
        return 1;
    }

    /* The mirror port shows PORT's VLAN the way PORT's wire does. */
    if (!run_vsctl(tag, sizeof tag, (const char *[]) {
                "get", "Port", port, "tag", NULL })
        && strcmp(tag, "[]") && *tag
        && !run_vsctl(mode, sizeof mode, (const char *[]) {
                "get", "Port", port, "vlan_mode", NULL })
        && strcmp(mode, "trunk") && strcmp(mode, "dot1q-tunnel")) {
        snprintf(vlan_args[0], sizeof vlan_args[0], "tag=%s", tag);
        snprintf(vlan_args[1], sizeof vlan_args[1], "vlan_mode=%s",
                 !strcmp(mode, "native-tagged") ? "native-tagged"
                                                : "native-untagged");
    } else {
        snprintf(vlan_args[0], sizeof vlan_args[0], "vlan_mode=trunk");
        snprintf(vlan_args[1], sizeof vlan_args[1], "trunks=[]");
    }

    /* From here on, the mirror and the port are removed however the
     * capture ends (except SIGKILL; see the top of the file). */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);

    snprintf(pid_s, sizeof pid_s, "external_ids:vs-tcpdump=%ld",
             (long) getpid());
    snprintf(tap, sizeof tap, "vst%ld", (long) getpid() % 1000000000L);
    snprintf(mname, sizeof mname, "name=vs-tcpdump-%ld", (long) getpid());
    if (run_vsctl(mirror_uuid, sizeof mirror_uuid, (const char *[]) {
                "--", "add-port", bridge, tap,
                "--", "set", "Interface", tap, "type=tap",
                "--", "set", "Port", tap, pid_s, vlan_args[0], vlan_args[1],
                "--", "--id=@o", "get", "Port", tap,
                "--", "--id=@s", "get", "Port", port,
                "--", "--id=@m", "create", "Mirror", mname,
                "select_src_port=@s", "select_dst_port=@s",
                "output_port=@o", pid_s,
                "--", "add", "Bridge", bridge, "mirrors", "@m", NULL })) {
        fprintf(stderr, "vs-tcpdump: could not create the mirror port\n");
        rc = 1;
        goto cleanup;
    }

    capture = pcap_create(tap, errbuf);
    if (!capture
        || pcap_set_snaplen(capture, 65535)
        || pcap_set_promisc(capture, 1)
        || pcap_set_timeout(capture, 100)
        || pcap_set_immediate_mode(capture, 1)
        || pcap_activate(capture) < 0
        || pcap_setfilter(capture, &prog)) {
        fprintf(stderr, "vs-tcpdump: %s: %s\n", tap,
                capture ? pcap_geterr(capture) : errbuf);
        rc = 1;
        goto cleanup;
    }
    if (file) {
        sink.dumper = pcap_dump_open(capture, file);
        if (!sink.dumper) {
            fprintf(stderr, "vs-tcpdump: %s: %s\n", file,
                    pcap_geterr(capture));
            rc = 1;
            goto cleanup;
        }
    }
    fprintf(stderr, "vs-tcpdump: capturing %s (bridge %s) through mirror "
            "port %s\n", port, bridge, tap);
    while (!stop) {
        int n = pcap_dispatch(capture, -1, handle, (u_char *) &sink);

        if (n < 0 && n != PCAP_ERROR_BREAK) {
            fprintf(stderr, "vs-tcpdump: %s\n", pcap_geterr(capture));
            rc = 1;
            break;
        }
    }
    fprintf(stderr, "%lld packet%s captured\n", sink.count,
            sink.count == 1 ? "" : "s");

cleanup:
    /* A reader that went away must not stop the clean-up. */
    signal(SIGPIPE, SIG_IGN);
    {
        const char *args[16] = {
            "--", "--if-exists", "del-port", bridge, tap, NULL,
        };

        if (*mirror_uuid && !strchr(mirror_uuid, ' ')) {
            args[5] = "--";
            args[6] = "remove";
            args[7] = "Bridge";
            args[8] = bridge;
            args[9] = "mirrors";
            args[10] = mirror_uuid;
            args[11] = NULL;
        }
        if (run_vsctl(NULL, 0, args)) {
            fprintf(stderr, "vs-tcpdump: could not remove port %s and its "
                    "mirror; the switch removes them shortly\n", tap);
        }
    }
    if (sink.dumper) {
        pcap_dump_close(sink.dumper);
    }
    if (capture) {
        pcap_close(capture);
    }
    pcap_freecode(&prog);
    free(expr);
    free(db_buf);
    return rc;
}
