/*
 * dpdk-eal.c -- starting DPDK's Environment Abstraction Layer from
 * Open_vSwitch other_config, the mbuf pool, and the lcore registration of
 * forwarding threads.
 *
 * The EAL starts once, on the main thread, the first time a
 * reconfiguration sees other_config:dpdk-init "true" (or "try").  It
 * cannot be stopped or restarted in a process, so a later change of
 * dpdk-init or of the other dpdk-* keys is logged as needing a restart
 * and otherwise ignored.  Before calling rte_eal_init() this checks what
 * would make it fail in a way a user can fix -- no free huge pages -- so
 * that the message says what to do; a failure of the EAL itself is
 * reported with the EAL's last logged line.  Either way the reason is
 * what every DPDK port shows in its Interface "error" column, and the
 * other ports keep working.
 *
 * rte_eal_init() pins the calling thread to its main lcore's CPUs; by
 * default the main lcore is given every CPU the daemon may run on
 * ("--lcores=0@(CPUS)", dpdk-args.c), and the main thread's affinity is put
 * back afterwards anyway, so that starting DPDK pins nothing (and the
 * forwarding threads, created by the main thread, inherit nothing).
 *
 * The EAL's log goes to the daemon's log (vlog), one line per message, at
 * the matching level.
 *
 * The jumbo pool (netdev-dpdk-private.h) is made on demand, by the first
 * port given an MTU over DPDK_STD_MAX_MTU, and kept.
 *
 * Forwarding threads are not EAL threads.  The first receive or send of
 * DPDK packets on a thread registers it as an lcore (rte_thread_register()),
 * which gives it a per-lcore cache in the mempool -- without one every
 * mbuf allocation and free is a compare-and-swap on the pool's shared
 * ring -- and a thread-exit destructor gives the lcore back.
 */
#include <config.h>
#include "netdev-dpdk-private.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "dpdk-args.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(dpdk);

/* The pool: 32767 mbufs of DPDK_MBUF_DATA_ROOM bytes behind the headroom
 * (about 80 MiB of huge pages).  Enough for 8 ports with the default
 * descriptor counts (1024 receive and 1024 transmit each, 2 transmit
 * queues) plus packets in flight; a port whose queues cannot be filled
 * reports it in its error column. */
#define DPDK_N_MBUFS 32767
#define DPDK_MBUF_CACHE 256

struct rte_mempool *dpdk_mempool;

/* The jumbo pool: 4095 mbufs of DPDK_JUMBO_DATA_ROOM bytes (about 38 MiB).
 * Its buffers are never in receive rings (those take the normal pool's),
 * only jumbo frames in flight: received ones being forwarded and ones
 * waiting in transmit rings. */
#define DPDK_N_JUMBO_MBUFS 4095
struct rte_mempool *dpdk_jumbo_mempool;

/* The source of pool packets.  A packet's references ('refs') are the
 * pipeline's, all together one reference of the mbuf; a device that
 * transmits a packet the pipeline still holds (a flood) takes a reference
 * of the mbuf of its own ('share'), which its driver drops when it is done
 * (rte_pktmbuf_free()), so a flood to N DPDK ports sends one mbuf N
 * times.  While the mbuf has more than one reference, a driver may be
 * reading it ('held'). */
static void
dpdk_source_release(struct dp_packet_source *source, struct dp_packet *p)
{
    (void) source;
    rte_pktmbuf_free(dpdk_packet_to_mbuf(p));
}

static void
dpdk_source_share(struct dp_packet_source *source, struct dp_packet *p)
{
    (void) source;
    rte_mbuf_refcnt_update(dpdk_packet_to_mbuf(p), 1);
}

static bool
dpdk_source_held(const struct dp_packet_source *source,
                 const struct dp_packet *p)
{
    (void) source;
    return rte_mbuf_refcnt_read(dpdk_packet_to_mbuf((struct dp_packet *) p))
           > 1;
}

struct dp_packet_source dpdk_source = {
    .release = dpdk_source_release,
    .name = "dpdk mempool",
    .share = dpdk_source_share,
    .held = dpdk_source_held,
};

/* EAL state, main thread only. */
static enum {
    EAL_OFF,                    /* dpdk-init not (yet) true. */
    EAL_READY,
    EAL_FAILED,
} eal_state;
static char *eal_reason;        /* EAL_OFF or EAL_FAILED: why. */
static char *eal_settings;      /* dpdk-* keys it was started with. */
static char *vhost_sock_dir;

/* The EAL's log, into vlog. */

static pthread_mutex_t eal_log_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct dstr eal_log_line = DSTR_INITIALIZER;
static char *eal_last_error;    /* Last line logged at ERR or worse. */

static void
eal_log_emit(const char *line, uint32_t level)
{
    if (level <= RTE_LOG_ERR) {
        free(eal_last_error);
        eal_last_error = xstrdup(line);
        VLOG_ERR("%s", line);
    } else if (level == RTE_LOG_WARNING) {
        VLOG_WARN("%s", line);
    } else if (level <= RTE_LOG_INFO) {
        VLOG_INFO("%s", line);
    } else {
        VLOG_DBG("%s", line);
    }
}

static ssize_t
eal_log_write(void *cookie, const char *buf, size_t size)
{
    uint32_t level = rte_log_cur_msg_loglevel();

    (void) cookie;
    pthread_mutex_lock(&eal_log_mutex);
    for (size_t i = 0; i < size; i++) {
        if (buf[i] == '\n') {
            eal_log_emit(dstr_cstr(&eal_log_line), level);
            dstr_clear(&eal_log_line);
        } else {
            dstr_putc(&eal_log_line, buf[i]);
        }
    }
    pthread_mutex_unlock(&eal_log_mutex);
    return size;
}

static void
eal_log_redirect(void)
{
    static const cookie_io_functions_t funcs = { .write = eal_log_write };
    FILE *stream = fopencookie(NULL, "w+", funcs);

    if (stream) {
        setvbuf(stream, NULL, _IOLBF, 0);
        rte_openlog_stream(stream);
    }
}

/* Start-up checks. */

/* The CPUs in 'set' as a list ("0-3,6"). */
static char *
cpuset_to_list(const cpu_set_t *set)
{
    struct dstr s = DSTR_INITIALIZER;

    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        int last = cpu;

        if (!CPU_ISSET(cpu, set)) {
            continue;
        }
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set)) {
            last++;
        }
        dstr_printf(&s, "%s%d", s.len ? "," : "", cpu);
        if (last > cpu) {
            dstr_printf(&s, "-%d", last);
        }
        cpu = last;
    }
    return dstr_steal(&s);
}

/* True if a PCI device is bound to a driver DPDK can use. */
static bool
pci_devices_bound(void)
{
    static const char *const drivers[] = {
        "vfio-pci", "uio_pci_generic", "igb_uio",
    };

    for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
        char *path = xasprintf("/sys/bus/pci/drivers/%s", drivers[i]);
        DIR *dir = opendir(path);
        struct dirent *de;
        bool found = false;

        free(path);
        while (dir && (de = readdir(dir)) != NULL) {
            if (strchr(de->d_name, ':')) {
                found = true;
                break;
            }
        }
        if (dir) {
            closedir(dir);
        }
        if (found) {
            return true;
        }
    }
    return false;
}

/* Free huge pages of every size, from sysfs. */
static unsigned long
free_hugepages(void)
{
    const char *base = "/sys/kernel/mm/hugepages";
    DIR *dir = opendir(base);
    struct dirent *de;
    unsigned long total = 0;

    while (dir && (de = readdir(dir)) != NULL) {
        char *path;
        FILE *f;
        unsigned long n;

        if (strncmp(de->d_name, "hugepages-", 10)) {
            continue;
        }
        path = xasprintf("%s/%s/free_hugepages", base, de->d_name);
        f = fopen(path, "r");
        if (f && fscanf(f, "%lu", &n) == 1) {
            total += n;
        }
        if (f) {
            fclose(f);
        }
        free(path);
    }
    if (dir) {
        closedir(dir);
    }
    return total;
}

/* The dpdk-* keys of 'other_config', to notice changes that need a
 * restart. */
static char *
dpdk_settings_string(const struct smap *other_config)
{
    struct dstr s = DSTR_INITIALIZER;
    const struct smap_node *node;

    SMAP_FOR_EACH (node, other_config) {
        if (!strncmp(node->key, "dpdk-", 5)
            && strcmp(node->key, "dpdk-init")) {
            dstr_printf(&s, "%s=%s ", node->key, node->value);
        }
    }
    return dstr_steal(&s);
}

static void
eal_fail(char *reason)
{
    eal_state = EAL_FAILED;
    free(eal_reason);
    eal_reason = reason;
    VLOG_ERR("DPDK is unavailable: %s", reason);
}

static void
eal_start(const struct smap *other_config)
{
    struct dpdk_argv args, copy;
    cpu_set_t cpus;
    char *cpu_list = NULL, *error = NULL, *cmdline;
    bool have_affinity;
    int retval;

    have_affinity = !pthread_getaffinity_np(pthread_self(), sizeof cpus,
                                            &cpus);
    if (have_affinity) {
        cpu_list = cpuset_to_list(&cpus);
    }
    dpdk_argv_init(&args);
    retval = dpdk_args_build(other_config, cpu_list, pci_devices_bound(),
                             &args, &error);
    free(cpu_list);
    if (retval) {
        eal_fail(error);
        dpdk_argv_destroy(&args);
        return;
    }
    if (!dpdk_argv_has(&args, "--no-huge") && !free_hugepages()) {
        eal_fail(xstrdup("no free huge pages: reserve some (echo 512 > "
                         "/proc/sys/vm/nr_hugepages; mount -t hugetlbfs "
                         "none /dev/hugepages) and restart vswitchd, or add "
                         "--no-huge to other_config:dpdk-extra"));
        dpdk_argv_destroy(&args);
        return;
    }

    cmdline = dpdk_argv_join(&args);
    VLOG_INFO("starting %s: %s", rte_version(), cmdline);
    free(cmdline);
    eal_log_redirect();

    /* rte_eal_init() may reorder its argv: give it a copy. */
    dpdk_argv_init(&copy);
    for (int i = 0; i < args.argc; i++) {
        dpdk_argv_add(&copy, args.argv[i]);
    }
    retval = rte_eal_init(copy.argc, copy.argv);
    if (have_affinity) {
        pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
    }
    if (retval < 0) {
        pthread_mutex_lock(&eal_log_mutex);
        eal_fail(xasprintf("DPDK's EAL failed to start (%s)%s%s",
                           rte_strerror(rte_errno),
                           eal_last_error ? ": " : "",
                           eal_last_error ? eal_last_error : ""));
        pthread_mutex_unlock(&eal_log_mutex);
        /* The EAL keeps pointers into its argv. */
        dpdk_argv_destroy(&args);
        return;
    }
    dpdk_argv_destroy(&args);

    dpdk_mempool = rte_pktmbuf_pool_create(
        "vswitch_mbufs", DPDK_N_MBUFS, DPDK_MBUF_CACHE,
        RTE_ALIGN(sizeof(struct dp_packet), RTE_MBUF_PRIV_ALIGN),
        RTE_PKTMBUF_HEADROOM + DPDK_MBUF_DATA_ROOM, rte_socket_id());
    if (!dpdk_mempool) {
        eal_fail(xasprintf("could not create a pool of %d mbufs (%s): "
                           "not enough huge page memory?", DPDK_N_MBUFS,
                           rte_strerror(rte_errno)));
        return;
    }
    eal_state = EAL_READY;
    VLOG_INFO("%s started, mbuf pool of %d buffers", rte_version(),
              DPDK_N_MBUFS);
}

int
dpdk_jumbo_pool_get(void)
{
    struct rte_mempool *pool;

    if (dpdk_jumbo_mempool) {
        return 0;
    }
    if (eal_state != EAL_READY) {
        return ENODEV;
    }
    pool = rte_pktmbuf_pool_create(
        "vswitch_jumbo", DPDK_N_JUMBO_MBUFS, DPDK_MBUF_CACHE,
        RTE_ALIGN(sizeof(struct dp_packet), RTE_MBUF_PRIV_ALIGN),
        RTE_PKTMBUF_HEADROOM + DPDK_JUMBO_DATA_ROOM, rte_socket_id());
    if (!pool) {
        VLOG_ERR("could not create a pool of %d jumbo mbufs (%s): not "
                 "enough huge page memory?", DPDK_N_JUMBO_MBUFS,
                 rte_strerror(rte_errno));
        return ENOMEM;
    }
    __atomic_store_n(&dpdk_jumbo_mempool, pool, __ATOMIC_RELEASE);
    VLOG_INFO("jumbo mbuf pool of %d buffers of %d bytes",
              DPDK_N_JUMBO_MBUFS, DPDK_JUMBO_DATA_ROOM);
    return 0;
}

void
dpdk_eal_configure(const struct smap *other_config)
{
    const char *init = smap_get(other_config, "dpdk-init");
    const char *dir = smap_get(other_config, "vhost-sock-dir");
    bool want = init && (!strcmp(init, "true") || !strcmp(init, "try"));
    char *settings = dpdk_settings_string(other_config);

    free(vhost_sock_dir);
    vhost_sock_dir = xstrdup(dir ? dir : "");

    if (eal_state == EAL_OFF && want) {
        free(eal_settings);
        eal_settings = xstrdup(settings);
        free(eal_reason);
        eal_reason = NULL;
        eal_start(other_config);
    } else if (eal_state == EAL_OFF) {
        if (init && strcmp(init, "false")) {
            VLOG_WARN("other_config:dpdk-init \"%s\" is not \"true\", "
                      "\"try\" or \"false\": DPDK stays off", init);
        }
        free(eal_reason);
        eal_reason = xstrdup("DPDK is not initialized: set Open_vSwitch "
                             "other_config:dpdk-init=true");
    } else if (!want || strcmp(settings, eal_settings)) {
        static char *warned;

        /* Once per distinct configuration, not on every change. */
        char *now = xasprintf("%d %s", want, settings);
        if (!warned || strcmp(warned, now)) {
            VLOG_WARN("DPDK settings changed (dpdk-init=%s, %s): DPDK "
                      "cannot be stopped or restarted in a running "
                      "process, restart vswitchd to apply them",
                      init ? init : "", *settings ? settings : "no keys");
            free(warned);
            warned = now;
        } else {
            free(now);
        }
    }
    free(settings);
}

bool
dpdk_eal_ready(void)
{
    return eal_state == EAL_READY;
}

const char *
dpdk_eal_unavailable_reason(void)
{
    if (eal_state == EAL_READY) {
        return NULL;
    }
    return (eal_reason ? eal_reason
            : "DPDK is not initialized: set Open_vSwitch "
              "other_config:dpdk-init=true");
}

const char *
dpdk_eal_version(void)
{
    return rte_version();
}

const char *
dpdk_vhost_sock_dir(void)
{
    return vhost_sock_dir ? vhost_sock_dir : "";
}

/* Forwarding threads as lcores. */

__thread bool dpdk_thread_registered;
static pthread_key_t dpdk_thread_key;
static pthread_once_t dpdk_thread_key_once = PTHREAD_ONCE_INIT;

static void
dpdk_thread_exit(void *arg)
{
    (void) arg;
    rte_thread_unregister();
}

static void
dpdk_thread_key_create(void)
{
    pthread_key_create(&dpdk_thread_key, dpdk_thread_exit);
}

void
dpdk_thread_register__(void)
{
    dpdk_thread_registered = true;
    if (rte_lcore_id() != LCORE_ID_ANY) {
        return;                 /* The main thread, or an EAL thread. */
    }
    if (rte_thread_register()) {
        static bool warned;

        if (!warned) {
            warned = true;
            VLOG_WARN("could not register a forwarding thread with DPDK "
                      "(%s): its mbufs bypass the pool's caches",
                      rte_strerror(rte_errno));
        }
        return;
    }
    pthread_once(&dpdk_thread_key_once, dpdk_thread_key_create);
    pthread_setspecific(dpdk_thread_key, (void *) 1);
    VLOG_DBG("forwarding thread registered as lcore %u", rte_lcore_id());
}
