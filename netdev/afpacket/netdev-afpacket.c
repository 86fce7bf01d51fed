/*
 * netdev-afpacket.c -- the "system" provider: any existing kernel
 * interface (a veth, a TAP that QEMU/libvirt created, a physical NIC)
 * through AF_PACKET sockets, with rings on demand.
 *
 * Memory is the first constraint.  A host may attach a thousand guest
 * TAPs, most of them idle most of the time, and a packet ring with slots
 * for 64 KiB GSO frames, or even 2 KiB slots plus buffers for the large
 * frames, pins one or two MiB per port: 1.6 GB at 1000 ports, where Open
 * vSwitch needs 51 MiB.  So a port starts, and normally stays, in socket
 * mode, which holds no packet memory at all: its frames are read into the
 * forwarding thread's own buffers (dp-packet.h), and the per-call scratch
 * (message headers, iovecs, control buffers) is per thread too.  Only a
 * port that turns busy gets rings.
 *
 * Nothing of this exists for a device that is only open: open finds the
 * interface (its ifindex; MAC, MTU and state are asked of the kernel by
 * name), and the sockets come with the first receive queue and with
 * set_n_txq(), when a datapath starts to forward through the port.
 *
 * Several receive queues (options:n_rxq, up to 16): one plain socket per
 * queue, all in one PACKET_FANOUT_HASH group of the device, so that the
 * kernel spreads flows over the queues and keeps each flow on one.  Such
 * queues stay in socket mode: the switch to a ring below needs a fanout
 * group of the queue's own, and a socket can be in one group only.
 *
 * Socket mode.  Receive: one socket per queue, bound to the interface
 * with ETH_P_ALL, with PACKET_VNET_HDR (each frame arrives behind a
 * virtio-net header, so partial checksums and GSO super-frames from a
 * veth or a guest come through as they are and are described in
 * dp_packet.ol) and PACKET_AUXDATA (a tag the kernel stripped into the
 * frame's metadata comes back in a control message and is put back into
 * the frame).  recvmmsg() reads up to a batch per system call, each frame
 * straight into a packet's buffer.  A NIC is made promiscuous (a
 * membership, dropped with the socket); veths and TAPs pass everything.
 * Transmit: one socket per transmit queue (one per forwarding thread, so
 * sends take no lock), bound with protocol 0 so it receives nothing.
 * sendmmsg() sends a batch per system call; each frame's iovec is its
 * virtio-net header, built in per-thread scratch, then the packet's own
 * data (netdev_send() has put the egress tag in already), so nothing is
 * copied in user space.
 *
 * Ring mode.  Per frame, socket mode costs the kernel a socket-buffer
 * clone, queue locking and a copy at read time; a TPACKET_V2 ring costs a
 * copy at arrival and nothing more (netdev-afpacket-ring.c).  Measured
 * with tests/bench/forward.sh (64-byte UDP through two veths, 2-core VM
 * where the sender shares the cores): socket mode delivered 0.30-0.33
 * Mpps, ring mode 0.62-0.65.  (TCP with default offloads ran at 19-21
 * Gbit/s in either mode: its GSO frames do not fit 2 KiB ring slots.)
 * So a busy queue switches to a ring, which forwards as fast as rings on
 * every port did (interleaved runs: 0.63-0.81 Mpps, against 0.61-0.78
 * for the earlier always-ring build):
 *
 *   - A receive queue switches once 20,000 frames arrived within 100 ms
 *     (200 kpps), or 5,000 did (50 kpps) mostly in full batches -- a
 *     backlog, so socket mode is what limits the rate (a SPAN mirror's
 *     second transmit of every frame held ports in socket mode at 160
 *     kpps otherwise); the clock is read once per 5,000 frames.  It
 *     switches back once it has gone 10 s without 1,000 frames (100
 *     pps), so a port near the threshold does not flap.  A transmit
 *     queue follows the same rule with the frames sent on it.  (VSWITCH_AFPACKET_MODE=socket
 *     or =ring in the environment pins every port to one mode, for
 *     measurement.)
 *
 *   - The forwarding thread only decides.  Building a ring waits for RCU
 *     grace periods in the kernel (about 12 ms each), so a helper thread
 *     (the "afpacket" worker, started with the first port) builds it,
 *     and also switches back and frees it.  The thread posts a request
 *     and keeps forwarding in socket mode meanwhile.
 *
 *   - No frame may be lost or duplicated at the switch, though the two
 *     sockets of a port both see every frame of the interface.  So the
 *     receive socket is a member of a fanout group of its own from the
 *     start (PACKET_FANOUT_CBPF, with the group-wide IGNORE_OUTGOING
 *     flag), whose one-instruction program sends every frame to member 0,
 *     the plain socket.  The ring's socket joins as member 1 (behind a
 *     drop-all filter until it is in, so that it never sees a copy), and
 *     then the worker swaps the program for one that answers 1: from that
 *     frame on, everything goes to the ring, exactly once.  The kernel
 *     returns from the swap only after a grace period, so once the worker
 *     reports it done no frame can still be on its way to the plain
 *     socket.  Meanwhile the thread reads the plain socket first and then
 *     the ring on every pass; when the plain socket is empty after the
 *     swap is done, it reads only the ring.  Going back is the mirror
 *     image: the program answers 0 again, the thread reads the ring until
 *     it is empty, then the plain socket, and hands the ring to the
 *     worker, which closes it (leaving the group) and unmaps it.  Frames
 *     keep their order, except that a frame still in flight at the very
 *     moment of the swap may come a few frames late.  (Numbered frames at
 *     250-400 kpps through three switches to the ring and two back: each
 *     arrived once and in order, or was counted as dropped for overload.)
 *     The group-wide IGNORE_OUTGOING flag is recent, and older kernels
 *     accept and ignore it, which would loop the switch's own frames back
 *     in; so a probe decides once (afp_fanout_supported()), and without
 *     it receive queues stay in socket mode.
 *
 *   - A transmit queue's ring is simply published to the sending thread
 *     (a pointer), which uses it from its next batch; frames already sent
 *     through the socket are on the device by then.  To take it back the
 *     worker, which checks each ring's counters once a second, clears the
 *     pointer and waits until the sending thread is not inside a send
 *     (a flag it sets around sends while a ring exists), then frees it.
 *
 *   While it switches, a receive queue has no descriptor to wait on
 *   (netdev_rxq_fd() returns -1), so its thread polls it on every pass and
 *   sleeps only briefly; in ring mode it waits on the ring socket.
 *
 * Statistics: the receiving thread and each transmit queue's thread count
 * in their own cache lines (single writer, relaxed atomic stores);
 * get_stats() sums them and adds the kernel's drops (PACKET_STATISTICS of
 * the plain socket and of the ring).  State, MTU and MAC come from the
 * kernel by name (netdev-linux.h); the ifindex is the one the sockets are
 * bound to.  "vsappctl netdev-afpacket/show" lists each port's modes.
 */
#include <config.h>
#include "netdev-afpacket.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "appctl.h"
#include "coverage.h"
#include "netdev-afpacket-private.h"
#include "netdev-linux.h"
#include "netdev-provider.h"
#include "timeval.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_afpacket);

COVERAGE_DEFINE(afpacket_rx_ring_on);
COVERAGE_DEFINE(afpacket_rx_ring_off);
COVERAGE_DEFINE(afpacket_tx_ring_on);
COVERAGE_DEFINE(afpacket_tx_ring_off);
COVERAGE_DEFINE(afpacket_ring_failed);

/* The switching rule (see the top of the file). */
#define AFP_DEFAULT_TUNING {                                                \
        .promote_frames = 20000,                                            \
        .promote_ms = 100,                                                  \
        .keep_frames = 1000,                                                \
        .idle_ms = 10000,                                                   \
        .retry_ms = 60000,                                                  \
    }
static const struct netdev_afpacket_tuning afp_default_tuning
    = AFP_DEFAULT_TUNING;
static struct netdev_afpacket_tuning afp_tuning = AFP_DEFAULT_TUNING;

/* Every open device, newest first.  Main thread only. */
struct netdev_afpacket *afp_devices;

/* Whether receive queues may switch to rings at all (see
 * afp_fanout_supported()).  Settled on the main thread by the first
 * afp_start_io() (or a set_config that asks for several queues), like
 * the forced mode, before any forwarding thread can ask. */
static bool afp_rx_rings_ok;

static void
afp_check_kernel(void)
{
    static bool checked;

    if (!checked) {
        checked = true;
        afp_rx_rings_ok = afp_fanout_supported();
        if (!afp_rx_rings_ok) {
            VLOG_INFO("this kernel does not keep a packet fanout group's "
                      "own transmissions from it "
                      "(PACKET_FANOUT_FLAG_IGNORE_OUTGOING): \"system\" "
                      "ports receive through plain sockets only");
        }
    }
}

/* "socket", "ring" or "" (switch on demand), read once (by the first
 * afp_start_io(), before any forwarding thread can ask). */
static const char *
afp_forced_mode(void)
{
    static const char *mode;

    if (!mode) {
        const char *s = getenv("VSWITCH_AFPACKET_MODE");

        mode = (s && !strcmp(s, "socket") ? "socket"
                : s && !strcmp(s, "ring") ? "ring"
                : "");
    }
    return mode;
}

static unsigned int
afp_tune(const unsigned int *field)
{
    return __atomic_load_n(field, __ATOMIC_RELAXED);
}

/* Starts a new window of 'load' at 'now_ms'. */
static void
afp_load_reset(struct afp_load *load, uint64_t now_ms)
{
    unsigned int promote = afp_tune(&afp_tuning.promote_frames);

    load->start_ms = now_ms;
    load->frames = 0;
    load->full = 0;
    load->next_check = promote / 4 ? promote / 4 : 1;
}

/* Adds 'n' frames, received or sent by one call, to 'load'.  True if the
 * window's frames came fast enough to switch to ring mode: either
 * 'promote_frames' of them within 'promote_ms' (200 kpps by default), or
 * a quarter of that many within 'promote_ms' (50 kpps) of which at least
 * half came in full batches.  Full batches mean the socket had a backlog:
 * socket mode is what limits the rate, so the frames it delivers
 * understate what arrives (a mirror's second transmit per frame held a
 * port in socket mode at 160 kpps it could not leave), while a ring would
 * keep up.  The clock is read once per quarter window. */
static bool
afp_load_heavy(struct afp_load *load, unsigned int n)
{
    unsigned int promote = afp_tune(&afp_tuning.promote_frames);
    unsigned int quarter = promote / 4 ? promote / 4 : 1;
    uint64_t now;

    load->frames += n;
    if (n >= DP_BATCH_SIZE) {
        load->full += n;
    }
    if (load->frames < load->next_check) {
        return false;
    }
    now = (uint64_t) time_coarse_msec();
    if (now - load->start_ms <= afp_tune(&afp_tuning.promote_ms)) {
        if (load->frames >= promote
            || (load->frames >= quarter && load->full * 2 >= load->frames)) {
            afp_load_reset(load, now);
            return true;
        }
        load->next_check = load->frames + quarter;
        return false;
    }
    afp_load_reset(load, now);
    return false;
}

/* Adds 'n' frames to 'load'.  True if a queue in socket mode should
 * switch to ring mode. */
static bool
afp_wants_ring(struct afp_load *load, unsigned int n)
{
    const char *forced = afp_forced_mode();

    return (!forced[0] ? afp_load_heavy(load, n)
            : !strcmp(forced, "ring"));
}

static void
afp_idle_reset(struct afp_idle *idle)
{
    idle->busy_ms = (uint64_t) time_coarse_msec();
    idle->frames = 0;
}

/* Adds 'n' frames to 'idle'.  True if the queue has been idle long enough
 * to switch back to socket mode (checked only when 'n' is 0). */
static bool
afp_idle_expired(struct afp_idle *idle, unsigned int n)
{
    if (n) {
        idle->frames += n;
        if (idle->frames >= afp_tune(&afp_tuning.keep_frames)) {
            afp_idle_reset(idle);
        }
        return false;
    }
    return ((uint64_t) time_coarse_msec() - idle->busy_ms
            >= afp_tune(&afp_tuning.idle_ms));
}

static bool
afp_spawn(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_t thread;
    bool ok;

    if (pthread_attr_init(&attr)) {
        return false;
    }
    pthread_attr_setstacksize(&attr, 128 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    ok = !pthread_create(&thread, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return ok;
}

/* The worker.
 *
 * One long-lived thread does the slow half of every switch, so that a
 * forwarding thread only ever posts a request (a mutex and a wakeup) and
 * reads the outcome from the queue.  Requests are embedded in their queue
 * (one outstanding per queue at a time); 'afp_busy' names the queue whose
 * request is running, so that a queue being destroyed can wait for it
 * (afp_worker_forget()).  Once a second while transmit rings exist, the
 * worker also looks for idle ones to take back. */

static pthread_mutex_t afp_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t afp_work_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t afp_idle_cond = PTHREAD_COND_INITIALIZER;
static struct afp_job *afp_jobs;    /* Oldest first. */
static struct afp_job **afp_jobs_tail = &afp_jobs;
static void *afp_busy;              /* Owner of the running job. */
static bool afp_worker_running;
static struct afp_txq **afp_tx_rings;   /* Queues with a ring. */
static size_t afp_n_tx_rings, afp_tx_rings_allocated;

/* Why switches failed, for the main thread to log (helper threads do not
 * log).  Under 'afp_mutex'. */
static char **afp_failures;
static size_t afp_n_failures;

/* Records that building a ring on interface 'ifindex' failed at 'step'
 * with 'error'.  Worker only. */
static void
afp_note_failure(int ifindex, const char *what, const char *step, int error)
{
    char name[IF_NAMESIZE];
    char *msg;

    COVERAGE_INC(afpacket_ring_failed);
    if (!if_indextoname(ifindex, name)) {
        snprintf(name, sizeof name, "ifindex %d", ifindex);
    }
    msg = xasprintf("%s: could not switch the %s to a ring (%s: %s); "
                    "staying in socket mode", name, what, step,
                    strerror(error));
    pthread_mutex_lock(&afp_mutex);
    if (afp_n_failures < 64) {
        afp_failures = xrealloc(afp_failures,
                                (afp_n_failures + 1) * sizeof *afp_failures);
        afp_failures[afp_n_failures++] = msg;
        msg = NULL;
    }
    pthread_mutex_unlock(&afp_mutex);
    free(msg);
}

/* Logs the recorded failures.  Main thread (netdev_run()). */
static void
netdev_afpacket_run(void)
{
    char **failures;
    size_t n;

    pthread_mutex_lock(&afp_mutex);
    failures = afp_failures;
    n = afp_n_failures;
    afp_failures = NULL;
    afp_n_failures = 0;
    pthread_mutex_unlock(&afp_mutex);

    for (size_t i = 0; i < n; i++) {
        VLOG_WARN("%s", failures[i]);
        free(failures[i]);
    }
    free(failures);
}

/* Queues 'job' about 'owner'.  Any thread. */
static void
afp_post(struct afp_job *job, enum afp_job_type type, void *owner)
{
    job->type = type;
    job->owner = owner;
    job->next = NULL;
    pthread_mutex_lock(&afp_mutex);
    *afp_jobs_tail = job;
    afp_jobs_tail = &job->next;
    pthread_cond_signal(&afp_work_cond);
    pthread_mutex_unlock(&afp_mutex);
}

static void
afp_tx_rings_remove(struct afp_txq *txq)
{
    for (size_t i = 0; i < afp_n_tx_rings; i++) {
        if (afp_tx_rings[i] == txq) {
            afp_tx_rings[i] = afp_tx_rings[--afp_n_tx_rings];
            return;
        }
    }
}

/* Makes sure the worker will never touch 'owner' again: drops its queued
 * request and waits for a running one.  May block. */
static void
afp_worker_forget(void *owner)
{
    pthread_mutex_lock(&afp_mutex);
    for (struct afp_job **jp = &afp_jobs; *jp; ) {
        if ((*jp)->owner == owner) {
            *jp = (*jp)->next;
        } else {
            jp = &(*jp)->next;
        }
    }
    afp_jobs_tail = &afp_jobs;
    while (*afp_jobs_tail) {
        afp_jobs_tail = &(*afp_jobs_tail)->next;
    }
    while (afp_busy == owner) {
        pthread_cond_wait(&afp_idle_cond, &afp_mutex);
    }
    /* Only now: a running job may have just listed a transmit ring. */
    afp_tx_rings_remove(owner);
    pthread_mutex_unlock(&afp_mutex);
}

/* Builds the ring of 'rxq' and routes its frames there. */
static void
afp_job_rx_promote(struct netdev_rxq_afpacket *rxq)
{
    struct afp_rx_ring *ring;
    const char *step;
    int error = 0;

    if (!rxq->fanout_id) {
        /* The interface was down when the queue opened. */
        step = "PACKET_FANOUT";
        error = afp_fanout_join(rxq->fd, &rxq->fanout_id);
    }
    if (!error) {
        error = afp_rx_ring_create(rxq->ifindex, rxq->fanout_id, &ring,
                                   &step);
    }
    if (!error) {
        pthread_mutex_lock(&afp_mutex);
        rxq->stats_ring = ring;
        pthread_mutex_unlock(&afp_mutex);
        __atomic_store_n(&rxq->new_ring, ring, __ATOMIC_RELEASE);

        step = "PACKET_FANOUT_DATA";
        error = afp_fanout_route(rxq->fd, 1);
    }
    if (error) {
        afp_note_failure(rxq->ifindex, "receive queue", step, error);
    }
    __atomic_store_n(&rxq->result, error ? AFP_FAILED : AFP_DONE,
                     __ATOMIC_RELEASE);
}

static void
afp_job_rx_free(struct netdev_rxq_afpacket *rxq)
{
    struct afp_rx_ring *ring = rxq->old_ring;

    rxq->old_ring = NULL;
    pthread_mutex_lock(&afp_mutex);
    rxq->ring_drops += afp_rx_ring_kernel_drops(ring);
    if (rxq->stats_ring == ring) {
        rxq->stats_ring = NULL;
    }
    pthread_mutex_unlock(&afp_mutex);
    afp_rx_ring_destroy(ring);
}

static void
afp_job_tx_promote(struct afp_txq *txq)
{
    struct afp_tx_ring *ring;
    int error = afp_tx_ring_create(txq->ifindex, &ring);

    if (error) {
        afp_note_failure(txq->ifindex, "transmit queue", "PACKET_TX_RING",
                         error);
        __atomic_store_n(&txq->retry_ms,
                         ((uint64_t) time_coarse_msec()
                          + afp_tune(&afp_tuning.retry_ms)),
                         __ATOMIC_RELAXED);
    } else {
        pthread_mutex_lock(&afp_mutex);
        if (afp_n_tx_rings >= afp_tx_rings_allocated) {
            afp_tx_rings_allocated = 2 * afp_tx_rings_allocated + 8;
            afp_tx_rings = xrealloc(afp_tx_rings, afp_tx_rings_allocated
                                                  * sizeof *afp_tx_rings);
        }
        afp_tx_rings[afp_n_tx_rings++] = txq;
        txq->mark_packets = counter_read(&txq->c.packets);
        txq->busy_ms = (uint64_t) time_coarse_msec();
        __atomic_store_n(&txq->ring, ring, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&afp_mutex);
        COVERAGE_INC(afpacket_tx_ring_on);
    }
    __atomic_store_n(&txq->job_pending, false, __ATOMIC_RELEASE);
}

/* Takes the ring away from a transmit queue that has gone idle: once the
 * pointer is clear and the sending thread is seen outside a send, no send
 * can use the ring any more.  The flag and the pointer are both accessed
 * sequentially consistently on both sides, so either the sender sees the
 * cleared pointer or the worker sees the sender inside. */
static void
afp_tx_demote(struct afp_txq *txq)
{
    struct afp_tx_ring *ring;

    ring = __atomic_exchange_n(&txq->ring, NULL, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&txq->in_send, __ATOMIC_SEQ_CST)) {
        struct timespec pause = { 0, 50 * 1000 };

        nanosleep(&pause, NULL);
    }
    afp_tx_ring_destroy(ring);
    COVERAGE_INC(afpacket_tx_ring_off);
}

/* Returns a transmit queue whose ring has been idle long enough, marked
 * busy (the worker will take its ring), or NULL.  Called with the
 * mutex. */
static struct afp_txq *
afp_tx_find_idle(uint64_t now)
{
    for (size_t i = 0; i < afp_n_tx_rings; i++) {
        struct afp_txq *txq = afp_tx_rings[i];
        uint64_t packets = counter_read(&txq->c.packets);

        if (packets - txq->mark_packets
            >= afp_tune(&afp_tuning.keep_frames)) {
            txq->mark_packets = packets;
            txq->busy_ms = now;
        } else if (now - txq->busy_ms >= afp_tune(&afp_tuning.idle_ms)) {
            afp_tx_rings[i] = afp_tx_rings[--afp_n_tx_rings];
            afp_busy = txq;
            return txq;
        }
    }
    return NULL;
}

static void
afp_worker_run(struct afp_job *job)
{
    switch (job->type) {
    case AFP_JOB_RX_PROMOTE:
        afp_job_rx_promote(job->owner);
        break;
    case AFP_JOB_RX_DEMOTE: {
        struct netdev_rxq_afpacket *rxq = job->owner;
        int error = afp_fanout_route(rxq->fd, 0);

        if (error) {
            afp_note_failure(rxq->ifindex, "receive queue back",
                             "PACKET_FANOUT_DATA", error);
        }
        __atomic_store_n(&rxq->result, error ? AFP_FAILED : AFP_DONE,
                         __ATOMIC_RELEASE);
        break;
    }
    case AFP_JOB_RX_FREE:
        afp_job_rx_free(job->owner);
        break;
    case AFP_JOB_TX_PROMOTE:
        afp_job_tx_promote(job->owner);
        break;
    }
}

static void *
afp_worker_main(void *arg)
{
    uint64_t last_scan = (uint64_t) time_coarse_msec();

    (void) arg;
    pthread_mutex_lock(&afp_mutex);
    for (;;) {
        uint64_t now = (uint64_t) time_coarse_msec();
        struct afp_txq *idle = NULL;
        struct afp_job *job = afp_jobs;

        if (afp_n_tx_rings && now - last_scan >= 1000) {
            last_scan = now;
            idle = afp_tx_find_idle(now);
            if (idle) {
                last_scan = 0;  /* Look for more right away. */
            }
        }
        if (!idle && !job) {
            if (afp_n_tx_rings) {
                struct timespec deadline;

                clock_gettime(CLOCK_REALTIME, &deadline);
                deadline.tv_sec += 1;
                pthread_cond_timedwait(&afp_work_cond, &afp_mutex,
                                       &deadline);
            } else {
                pthread_cond_wait(&afp_work_cond, &afp_mutex);
            }
            continue;
        }

        if (!idle) {
            afp_jobs = job->next;
            if (!afp_jobs) {
                afp_jobs_tail = &afp_jobs;
            }
            afp_busy = job->owner;
        }
        pthread_mutex_unlock(&afp_mutex);

        if (idle) {
            afp_tx_demote(idle);
        } else {
            afp_worker_run(job);
        }

        pthread_mutex_lock(&afp_mutex);
        afp_busy = NULL;
        pthread_cond_broadcast(&afp_idle_cond);
    }
    return NULL;
}

/* Starts the worker if it is not running.  Main thread. */
static void
afp_worker_start(void)
{
    if (!afp_worker_running) {
        pthread_attr_t attr;
        pthread_t thread;

        afp_worker_running = true;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 128 * 1024);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attr, afp_worker_main, NULL)) {
            util_fatal(errno, "could not start the afpacket worker");
        }
        pthread_setname_np(thread, "afpacket");
        pthread_attr_destroy(&attr);
    }
}

/* Transmit queues. */

/* Makes sure the worker is done with 'txq', then closes and frees it.
 * May block. */
static void
afp_txq_destroy(struct afp_txq *txq)
{
    afp_worker_forget(txq);
    afp_tx_ring_destroy(txq->ring);
    if (txq->fd >= 0) {
        close(txq->fd);
    }
    free(txq);
}

/* Creates a transmit queue on 'ifindex', in socket mode.  Returns 0 or an
 * errno value. */
static int
afp_txq_create(int ifindex, struct afp_txq **txqp)
{
    struct afp_txq *txq = xzalloc_cacheline(sizeof *txq);
    int error;

    txq->fd = -1;
    txq->ifindex = ifindex;
    error = afp_socket(&txq->fd);
    if (!error) {
        error = afp_setsockopt_int(txq->fd, SOL_PACKET, PACKET_VNET_HDR, 1);
    }
    if (!error) {
        afp_set_buf(txq->fd, SO_SNDBUFFORCE, SO_SNDBUF, AFP_SOCK_BUF);
        error = afp_bind(txq->fd, ifindex, 0);
    }
    if (error) {
        afp_txq_destroy(txq);
        return error;
    }
    *txqp = txq;
    return 0;
}

/* Things to release on a detached thread: closing a packet socket waits
 * for a grace period or two (25-65 ms per port measured in line), and
 * concurrent waits share them. */
struct afp_trash {
    struct netdev_rxq_afpacket *rxq;
    struct afp_txq **txqs;
    int n_txq;
    void *mem;                      /* Freed last. */
};

static void
afp_rxq_destroy(struct netdev_rxq_afpacket *rxq)
{
    afp_worker_forget(rxq);
    afp_rx_ring_destroy(rxq->ring);
    afp_rx_ring_destroy(rxq->new_ring);
    afp_rx_ring_destroy(rxq->old_ring);
    if (rxq->fd >= 0) {
        close(rxq->fd);
    }
    free(rxq);
}

static void *
afp_trash_thread(void *trash_)
{
    struct afp_trash *trash = trash_;

    if (trash->rxq) {
        afp_rxq_destroy(trash->rxq);
    }
    for (int i = 0; i < trash->n_txq; i++) {
        afp_txq_destroy(trash->txqs[i]);
    }
    free(trash->txqs);
    free(trash->mem);
    free(trash);
    return NULL;
}

/* Releases 'rxq' (may be NULL), the 'n_txq' queues in 'txqs' (an array
 * this takes over, may be NULL) and then 'mem', without waiting. */
static void
afp_discard(struct netdev_rxq_afpacket *rxq, struct afp_txq **txqs,
            int n_txq, void *mem)
{
    struct afp_trash *trash = xmalloc(sizeof *trash);

    trash->rxq = rxq;
    trash->txqs = txqs;
    trash->n_txq = n_txq;
    trash->mem = mem;
    if (!afp_spawn(afp_trash_thread, trash)) {
        afp_trash_thread(trash);
    }
}

/* Device. */

/* Starts what I/O on any "system" device needs: the kernel probe, the
 * forced mode, the worker.  Called by the first rxq_open or set_n_txq,
 * not by open, so that a process that only opens devices (to report on
 * them, or for a datapath that forwards in the kernel) starts nothing. */
static void
afp_start_io(void)
{
    afp_forced_mode();
    afp_check_kernel();
    afp_worker_start();
}

/* Only finds the interface: the sockets come with the first receive
 * queue and with set_n_txq(). */
static int
netdev_afpacket_open(const char *name, struct netdev **netdevp,
                     char **errorp)
{
    struct netdev_afpacket *dev;
    int ifindex;
    int error;

    error = netdev_linux_get_ifindex(name, &ifindex);
    if (error) {
        if (error == ENODEV) {
            *errorp = xasprintf("could not open network device %s (No such "
                                "device)", name);
        }
        return error;
    }

    dev = xzalloc_cacheline(sizeof *dev);
    dev->ifindex = ifindex;
    dev->n_rxq = 1;
    dev->next = afp_devices;
    afp_devices = dev;
    *netdevp = &dev->up;
    return 0;
}

static void
netdev_afpacket_close(struct netdev *netdev)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);

    for (struct netdev_afpacket **p = &afp_devices; *p; p = &(*p)->next) {
        if (*p == dev) {
            *p = dev->next;
            break;
        }
    }
    afp_set_qos(netdev, NULL, NULL);
    afp_discard(NULL, dev->txqs, dev->n_txq, dev);
}

/* The interface the sockets are bound to (a device that was deleted and
 * created again under the same name is another interface: the caller
 * notices the difference and re-opens). */
static int
netdev_afpacket_get_ifindex(const struct netdev *netdev, int *ifindex)
{
    *ifindex = netdev_afpacket_cast(netdev)->ifindex;
    return 0;
}

/* Adds the kernel's drop counts for 'rxq' (plain socket and ring) to
 * 'dev->kernel_drops'; reading them resets them in the kernel. */
static void
afp_collect_kernel_drops(struct netdev_afpacket *dev,
                         struct netdev_rxq_afpacket *rxq)
{
    struct tpacket_stats ks;
    socklen_t len = sizeof ks;

    memset(&ks, 0, sizeof ks);
    if (!getsockopt(rxq->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len)) {
        dev->kernel_drops += ks.tp_drops;
    }
    pthread_mutex_lock(&afp_mutex);
    if (rxq->stats_ring) {
        rxq->ring_drops += afp_rx_ring_kernel_drops(rxq->stats_ring);
    }
    dev->kernel_drops += rxq->ring_drops;
    rxq->ring_drops = 0;
    pthread_mutex_unlock(&afp_mutex);
}

static void
afp_counters_sum(struct afp_counters *sum, const struct afp_counters *c)
{
    sum->packets += counter_read(&c->packets);
    sum->bytes += counter_read(&c->bytes);
    sum->dropped += counter_read(&c->dropped);
    sum->errors += counter_read(&c->errors);
}

static int
netdev_afpacket_get_stats(const struct netdev *netdev,
                          struct netdev_stats *s)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);
    struct afp_counters rx = dev->rx_closed;

    for (int i = 0; i < AFP_MAX_RXQ; i++) {
        if (dev->rxqs[i]) {
            afp_collect_kernel_drops(dev, dev->rxqs[i]);
            afp_counters_sum(&rx, &dev->rxqs[i]->c);
        }
    }
    s->rx_packets = rx.packets;
    s->rx_bytes = rx.bytes;
    s->rx_dropped = rx.dropped + dev->kernel_drops;
    s->rx_errors = rx.errors;
    s->tx_dropped = __atomic_load_n(&dev->tx_unready, __ATOMIC_RELAXED);
    for (int i = 0; i < dev->n_txq; i++) {
        const struct afp_counters *c = &dev->txqs[i]->c;

        s->tx_packets += counter_read(&c->packets);
        s->tx_bytes += counter_read(&c->bytes);
        s->tx_dropped += counter_read(&c->dropped);
        s->tx_errors += counter_read(&c->errors);
    }
    return 0;
}

static bool
netdev_afpacket_accepts_offloads(const struct netdev *netdev)
{
    (void) netdev;
    return true;
}

static int
netdev_afpacket_set_n_txq(struct netdev *netdev, int n)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);

    afp_start_io();
    if (n > dev->n_txq) {
        struct afp_txq **txqs = xmalloc(n * sizeof *txqs);

        for (int i = dev->n_txq; i < n; i++) {
            int error = afp_txq_create(dev->ifindex, &txqs[i]);

            if (error) {
                int n_new = i - dev->n_txq;

                VLOG_WARN("%s: could not open %d transmit queues (%s)",
                          netdev->name, n, strerror(error));
                afp_discard(NULL, xmemdup(txqs + dev->n_txq,
                                          (n_new + 1) * sizeof *txqs),
                            n_new, NULL);
                free(txqs);
                return error;
            }
        }
        if (dev->n_txq) {
            memcpy(txqs, dev->txqs, dev->n_txq * sizeof *txqs);
        }
        free(dev->txqs);
        dev->txqs = txqs;
    } else if (n < dev->n_txq) {
        struct afp_txq **extra = xmalloc((dev->n_txq - n) * sizeof *extra);

        /* Keep the totals: fold the counters into queue 0. */
        for (int i = n; i < dev->n_txq; i++) {
            struct afp_counters *c = &dev->txqs[i]->c;

            counter_add(&dev->txqs[0]->c.packets, c->packets);
            counter_add(&dev->txqs[0]->c.bytes, c->bytes);
            counter_add(&dev->txqs[0]->c.dropped, c->dropped);
            counter_add(&dev->txqs[0]->c.errors, c->errors);
            extra[i - n] = dev->txqs[i];
        }
        afp_discard(NULL, extra, dev->n_txq - n, NULL);
    }
    dev->n_txq = n;
    return 0;
}

/* Receive queue. */

/* A NIC filters frames by destination address unless it is promiscuous;
 * veths and TAPs pass everything anyway, and setting promiscuous mode
 * costs a millisecond per port (it notifies and logs), so skip them. */
static bool
afp_needs_promisc(const char *name)
{
    char driver[32];

    return (netdev_linux_get_driver(name, driver)
            || (strcmp(driver, "veth") && strcmp(driver, "tun")));
}

/* Opens the plain receive socket of 'rxq' on 'ifindex' and makes it the
 * first member of a new fanout group of its own (for the switch to a
 * ring), or, for one of several queues, a member of the device's hash
 * group '*hash_fanout_idp' (created, and its id stored, by the first).
 * Returns 0 or an errno value, with the step that failed in '*stepp'. */
static int
afp_rxq_socket(struct netdev_rxq_afpacket *rxq, bool promisc,
               uint16_t *hash_fanout_idp, const char **stepp)
{
    int error;

    *stepp = "socket";
    error = afp_socket(&rxq->fd);
    if (!error) {
        *stepp = "PACKET_VNET_HDR";
        error = afp_setsockopt_int(rxq->fd, SOL_PACKET, PACKET_VNET_HDR, 1);
    }
    if (!error) {
        *stepp = "PACKET_AUXDATA";
        error = afp_setsockopt_int(rxq->fd, SOL_PACKET, PACKET_AUXDATA, 1);
    }
    if (!error) {
        *stepp = "PACKET_IGNORE_OUTGOING";
        error = afp_setsockopt_int(rxq->fd, SOL_PACKET,
                                   PACKET_IGNORE_OUTGOING, 1);
    }
    if (!error) {
        afp_set_buf(rxq->fd, SO_RCVBUFFORCE, SO_RCVBUF, AFP_SOCK_BUF);
        *stepp = "bind";
        error = afp_bind(rxq->fd, rxq->ifindex, ETH_P_ALL);
    }
    if (!error && promisc) {
        struct packet_mreq mreq;

        *stepp = "PACKET_ADD_MEMBERSHIP";
        memset(&mreq, 0, sizeof mreq);
        mreq.mr_ifindex = rxq->ifindex;
        mreq.mr_type = PACKET_MR_PROMISC;
        if (setsockopt(rxq->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq,
                       sizeof mreq) < 0) {
            error = errno;
        }
    }
    if (!error && rxq->hashed) {
        /* Several queues: one PACKET_FANOUT_HASH group for the device,
         * so that each flow keeps to one queue. */
        *stepp = "PACKET_FANOUT";
        error = afp_fanout_join_hash(rxq->fd, hash_fanout_idp);
    } else if (!error && afp_rx_rings_ok
               && afp_fanout_join(rxq->fd, &rxq->fanout_id)) {
        /* Only a bound socket on an interface that is up can join; the
         * worker tries again before the first switch to ring mode. */
        rxq->fanout_id = 0;
    }
    return error;
}

static int
netdev_afpacket_rxq_open(struct netdev *netdev, int queue,
                         struct netdev_rxq **rxqp)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);
    bool hashed = dev->n_rxq > 1;
    struct netdev_rxq_afpacket *rxq;
    const char *step;
    int error;

    if (dev->rxqs[queue]) {
        return EBUSY;
    }
    for (int i = 0; i < AFP_MAX_RXQ; i++) {
        if (dev->rxqs[i] && dev->rxqs[i]->hashed != hashed) {
            /* n_rxq changed under open queues: close them first. */
            return EBUSY;
        }
    }
    afp_start_io();
    rxq = xzalloc_cacheline(sizeof *rxq);
    rxq->fd = -1;
    rxq->ifindex = dev->ifindex;
    rxq->queue = queue;
    rxq->hashed = hashed;
    error = afp_rxq_socket(rxq, afp_needs_promisc(netdev->name),
                           &dev->hash_fanout_id, &step);
    if (error) {
        VLOG_WARN("%s: could not open AF_PACKET receive socket (%s: %s)",
                  netdev->name, step, strerror(error));
        afp_discard(rxq, NULL, 0, NULL);
        return error;
    }
    dev->rxqs[queue] = rxq;
    *rxqp = &rxq->up;
    return 0;
}

static void
netdev_afpacket_rxq_close(struct netdev_rxq *rxq_)
{
    struct netdev_rxq_afpacket *rxq = netdev_rxq_afpacket_cast(rxq_);
    struct netdev_afpacket *dev = netdev_afpacket_cast(rxq_->netdev);
    bool any = false;

    if (dev->rxqs[rxq->queue] == rxq) {
        /* Keep the totals. */
        afp_collect_kernel_drops(dev, rxq);
        afp_counters_sum(&dev->rx_closed, &rxq->c);
        dev->rxqs[rxq->queue] = NULL;
    }
    for (int i = 0; i < AFP_MAX_RXQ; i++) {
        any = any || dev->rxqs[i];
    }
    if (!any) {
        /* The hash group goes with its last member. */
        dev->hash_fanout_id = 0;
    }
    afp_discard(rxq, NULL, 0, NULL);
}

static void
afp_set_rx_mode(struct netdev_rxq_afpacket *rxq, enum afp_rx_mode mode)
{
    __atomic_store_n(&rxq->mode, mode, __ATOMIC_RELAXED);
}

static int
netdev_afpacket_rxq_fd(const struct netdev_rxq *rxq_)
{
    const struct netdev_rxq_afpacket *rxq = netdev_rxq_afpacket_cast(rxq_);

    switch (afp_rx_mode(rxq)) {
    case AFP_RX_SOCKET:
        return rxq->fd;
    case AFP_RX_RING:
        return rxq->ring->fd;
    default:
        /* Frames may arrive on either socket: poll actively. */
        return -1;
    }
}

static bool
netdev_afpacket_rxq_busy_poll(const struct netdev_rxq *rxq)
{
    return afp_rx_mode(netdev_rxq_afpacket_cast(rxq)) != AFP_RX_SOCKET;
}

/* When the interface goes down or away, the kernel sets an error on the
 * socket, which then polls as an error until someone reads it.  recvmmsg()
 * on the plain socket reads it; a ring never does, so read it now and then
 * (a forwarding thread waits for the ring socket edge-triggered, so it
 * would not spin on the error meanwhile, but the next sleep would end at
 * once).  Reading it costs a system call: only after many empty receives
 * in a row. */
static void
afp_clear_error(struct netdev_rxq_afpacket *rxq, int n)
{
    if (n) {
        rxq->n_empty = 0;
    } else if (++rxq->n_empty >= 1024) {
        int error;
        socklen_t len = sizeof error;

        rxq->n_empty = 0;
        getsockopt(rxq->ring->fd, SOL_SOCKET, SO_ERROR, &error, &len);
    }
}

static int
afp_ring_recv(struct netdev_rxq_afpacket *rxq, struct netdev_afpacket *dev,
              struct dp_packet_batch *batch, bool *drained)
{
    int n = afp_rx_ring_recv(rxq->ring, batch, &rxq->c, drained);

    (void) dev;
    afp_clear_error(rxq, n);
    return n;
}

/* Starts the switch to ring mode, unless a failed one is too recent. */
static void
afp_rx_promote(struct netdev_rxq_afpacket *rxq)
{
    if ((uint64_t) time_coarse_msec() < rxq->retry_ms) {
        return;
    }
    rxq->result = AFP_PENDING;
    afp_set_rx_mode(rxq, AFP_RX_PROMOTING);
    afp_post(&rxq->job, AFP_JOB_RX_PROMOTE, rxq);
}

/* Hands the ring back to the worker to free and reads only the plain
 * socket again.  'failed': the switch did not happen. */
static void
afp_rx_to_socket(struct netdev_rxq_afpacket *rxq, bool failed)
{
    if (rxq->ring) {
        rxq->old_ring = rxq->ring;
        rxq->ring = NULL;
        afp_post(&rxq->free_job, AFP_JOB_RX_FREE, rxq);
    }
    if (failed) {
        rxq->retry_ms = ((uint64_t) time_coarse_msec()
                         + afp_tune(&afp_tuning.retry_ms));
    } else {
        COVERAGE_INC(afpacket_rx_ring_off);
    }
    memset(&rxq->load, 0, sizeof rxq->load);
    afp_set_rx_mode(rxq, AFP_RX_SOCKET);
}

/* The switch to ring mode in progress: the plain socket first (it holds
 * the older frames), then the ring. */
static int
afp_recv_promoting(struct netdev_rxq_afpacket *rxq,
                   struct netdev_afpacket *dev,
                   struct dp_packet_batch *batch)
{
    enum afp_result result = __atomic_load_n(&rxq->result,
                                             __ATOMIC_ACQUIRE);
    bool drained;
    int n;

    if (rxq->mode == AFP_RX_PROMOTING) {
        rxq->ring = __atomic_exchange_n(&rxq->new_ring, NULL,
                                        __ATOMIC_ACQUIRE);
        if (rxq->ring) {
            afp_set_rx_mode(rxq, AFP_RX_SWITCHING);
        } else if (result == AFP_FAILED) {
            afp_rx_to_socket(rxq, true);
        }
    }
    n = afp_sock_recv(rxq->fd, batch, &rxq->c, &drained);
    if (rxq->mode != AFP_RX_SWITCHING) {
        return n;
    }
    if (result == AFP_FAILED) {
        /* The frames were never routed to the ring. */
        afp_rx_to_socket(rxq, true);
        return n;
    }
    if (result == AFP_DONE && drained) {
        /* Nothing can reach the plain socket any more. */
        COVERAGE_INC(afpacket_rx_ring_on);
        afp_idle_reset(&rxq->idle);
        afp_set_rx_mode(rxq, AFP_RX_RING);
    }
    return n + afp_ring_recv(rxq, dev, batch, &drained);
}

/* The switch back to socket mode in progress: the ring first, then the
 * plain socket. */
static int
afp_recv_demoting(struct netdev_rxq_afpacket *rxq,
                  struct netdev_afpacket *dev,
                  struct dp_packet_batch *batch)
{
    enum afp_result result = __atomic_load_n(&rxq->result,
                                             __ATOMIC_ACQUIRE);
    bool drained;
    int n;

    n = afp_ring_recv(rxq, dev, batch, &drained);
    if (result == AFP_FAILED) {
        /* Frames still go to the ring: keep it and try again later. */
        afp_idle_reset(&rxq->idle);
        afp_set_rx_mode(rxq, AFP_RX_RING);
        return n;
    }
    if (result == AFP_DONE && drained) {
        afp_rx_to_socket(rxq, false);
    }
    return n + afp_sock_recv(rxq->fd, batch, &rxq->c, &drained);
}

static int
netdev_afpacket_rxq_recv(struct netdev_rxq *rxq_,
                         struct dp_packet_batch *batch)
{
    struct netdev_rxq_afpacket *rxq = netdev_rxq_afpacket_cast(rxq_);
    struct netdev_afpacket *dev = netdev_afpacket_cast(rxq_->netdev);
    bool drained;
    int n;

    switch (rxq->mode) {
    case AFP_RX_SOCKET:
        n = afp_sock_recv(rxq->fd, batch, &rxq->c, &drained);
        if (n && afp_rx_rings_ok && !rxq->hashed
            && afp_wants_ring(&rxq->load, n)) {
            afp_rx_promote(rxq);
        }
        return n;

    case AFP_RX_RING:
        n = afp_ring_recv(rxq, dev, batch, &drained);
        if (afp_idle_expired(&rxq->idle, n)
            && strcmp(afp_forced_mode(), "ring")) {
            rxq->result = AFP_PENDING;
            afp_set_rx_mode(rxq, AFP_RX_DEMOTING);
            afp_post(&rxq->job, AFP_JOB_RX_DEMOTE, rxq);
        }
        return n;

    case AFP_RX_PROMOTING:
    case AFP_RX_SWITCHING:
        return afp_recv_promoting(rxq, dev, batch);

    case AFP_RX_DEMOTING:
    default:
        return afp_recv_demoting(rxq, dev, batch);
    }
}

/* Transmit. */

static int
netdev_afpacket_send(struct netdev *netdev, int qid,
                     struct dp_packet_batch *batch)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);
    struct afp_txq *txq;
    int n = 0;

    if (!dev->n_txq) {
        /* No set_n_txq() yet: no socket to send on. */
        __atomic_add_fetch(&dev->tx_unready, batch->count, __ATOMIC_RELAXED);
        return 0;
    }
    txq = dev->txqs[(unsigned int) qid % dev->n_txq];
    if (afp_needs_marking(dev, txq)) {
        return afp_send_marked(dev, txq, batch);
    }

    if (__atomic_load_n(&txq->ring, __ATOMIC_RELAXED)) {
        struct afp_tx_ring *ring;

        /* See afp_tx_demote(). */
        __atomic_store_n(&txq->in_send, 1, __ATOMIC_SEQ_CST);
        ring = __atomic_load_n(&txq->ring, __ATOMIC_SEQ_CST);
        if (ring) {
            n = afp_tx_ring_send(ring, txq->fd, batch, &txq->c);
        }
        __atomic_store_n(&txq->in_send, 0, __ATOMIC_RELEASE);
        if (ring) {
            return n;
        }
    }

    n = afp_sock_send(txq->fd, batch, &txq->c);
    if (n && afp_wants_ring(&txq->load, n)
        && !__atomic_load_n(&txq->job_pending, __ATOMIC_ACQUIRE)
        && (uint64_t) time_coarse_msec() >= __atomic_load_n(&txq->retry_ms,
                                           __ATOMIC_RELAXED)) {
        __atomic_store_n(&txq->job_pending, true, __ATOMIC_RELAXED);
        afp_post(&txq->job, AFP_JOB_TX_PROMOTE, txq);
    }
    return n;
}

/* Options. */

static const char *const afp_option_names[] = { "n_rxq", NULL };
static const char *const afp_option_helps[] = {
    "receive queues, 1..16 (default 1): one AF_PACKET socket each in a "
    "PACKET_FANOUT_HASH group, so each flow keeps to one queue; with more "
    "than one, queues stay in socket mode (no rings)",
    NULL,
};

static int
netdev_afpacket_set_config(struct netdev *netdev, const struct smap *options,
                           char **errorp)
{
    struct netdev_afpacket *dev = netdev_afpacket_cast(netdev);
    int n_rxq;
    int error;

    error = netdev_option_int(netdev, options, "n_rxq", 1, AFP_MAX_RXQ, 1,
                              &n_rxq, errorp);
    if (error) {
        return error;
    }
    if (n_rxq > 1) {
        /* Without the group-wide IGNORE_OUTGOING flag a hash group would
         * receive the switch's own transmissions. */
        afp_check_kernel();
        if (!afp_rx_rings_ok) {
            *errorp = xasprintf("%s: options:n_rxq \"%d\" needs a kernel "
                                "with PACKET_FANOUT_FLAG_IGNORE_OUTGOING "
                                "(Linux 4.20 or later); only 1 is possible "
                                "here", netdev->name, n_rxq);
            return EOPNOTSUPP;
        }
    }
    dev->n_rxq = n_rxq;
    return 0;
}

static int
netdev_afpacket_get_n_rxq(const struct netdev *netdev)
{
    return netdev_afpacket_cast(netdev)->n_rxq;
}

const struct netdev_class netdev_system_class = {
    .type = "system",
    .description = "an existing kernel interface (veth, a guest's TAP, a "
                   "NIC) through AF_PACKET sockets, rings when busy",
    .option_names = afp_option_names,
    .option_helps = afp_option_helps,
    .set_config = netdev_afpacket_set_config,
    .get_n_rxq = netdev_afpacket_get_n_rxq,
    .open = netdev_afpacket_open,
    .close = netdev_afpacket_close,
    .get_ifindex = netdev_afpacket_get_ifindex,
    .get_etheraddr = netdev_linux_dev_get_etheraddr,
    .get_mtu = netdev_linux_dev_get_mtu,
    .set_mtu = netdev_linux_dev_set_mtu,
    .get_state = netdev_linux_dev_get_state,
    .get_stats = netdev_afpacket_get_stats,
    .accepts_offloads = netdev_afpacket_accepts_offloads,
    .set_n_txq = netdev_afpacket_set_n_txq,
    .rxq_open = netdev_afpacket_rxq_open,
    .rxq_close = netdev_afpacket_rxq_close,
    .rxq_recv = netdev_afpacket_rxq_recv,
    .rxq_fd = netdev_afpacket_rxq_fd,
    .rxq_busy_poll = netdev_afpacket_rxq_busy_poll,
    .send = netdev_afpacket_send,
    .set_qos = afp_set_qos,
    .get_queue_stats = afp_get_queue_stats,
    .run = netdev_afpacket_run,
};

/* Tuning and introspection (netdev-afpacket.h). */

void
netdev_afpacket_set_tuning(const struct netdev_afpacket_tuning *t)
{
    const struct netdev_afpacket_tuning *src = t ? t : &afp_default_tuning;

    __atomic_store_n(&afp_tuning.promote_frames, src->promote_frames,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&afp_tuning.promote_ms, src->promote_ms,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&afp_tuning.keep_frames, src->keep_frames,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&afp_tuning.idle_ms, src->idle_ms, __ATOMIC_RELAXED);
    __atomic_store_n(&afp_tuning.retry_ms, src->retry_ms, __ATOMIC_RELAXED);
}
