/*
 * netdev.c -- the provider registry and the public wrappers of netdev.h.
 *
 * The wrappers do nothing but dispatch: a NULL provider member becomes
 * EOPNOTSUPP (false for netdev_accepts_offloads()), so callers never need
 * to know which device type they hold.  The registry is a small array
 * filled by netdev_init() (and netdev_register_provider()) on the main
 * thread before any device is opened; the fast-path wrappers only follow
 * the device's class pointer.
 */
#include <config.h>
#include "netdev.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "afpacket/netdev-afpacket.h"
#include "appctl.h"
#include "coverage.h"
#include "netdev-dummy.h"
#include "netdev-provider.h"
#include "poll-loop.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev);

COVERAGE_DEFINE(netdev_tx_adopted);
COVERAGE_DEFINE(netdev_tx_copied);
COVERAGE_DEFINE(netdev_tx_no_headroom);
COVERAGE_DEFINE(netdev_tx_bounced);
COVERAGE_DEFINE(netdev_tx_shared);

#define NETDEV_MAX_PROVIDERS 16

/* The types built into every build, registered by netdev_init().  An
 * optional provider registers itself with netdev_register_provider(). */
static const struct netdev_class *const netdev_builtin_classes[] = {
    &netdev_system_class,
    &netdev_tap_class,
    &netdev_internal_class,
    &netdev_dummy_class,
};

/* A registered type and the outcome of its one-time initialisation. */
enum netdev_init_state {
    NETDEV_INIT_PENDING,            /* class->init not called yet. */
    NETDEV_INIT_OK,
    NETDEV_INIT_FAILED,             /* 'reason' says why. */
};

struct netdev_provider {
    const struct netdev_class *class;
    enum netdev_init_state state;
    char *reason;
};

static struct netdev_provider providers[NETDEV_MAX_PROVIDERS];
static size_t n_providers;
static bool netdev_initialized;

/* Types of optional providers, for a clear message in a build without
 * them. */
static const struct {
    const char *type;
    const char *reason;
} netdev_optional_types[] = {
    { "dpdk", "vswitchd was built without DPDK support" },
    { "dpdkvhostuser", "vswitchd was built without DPDK support" },
    { "dpdkvhostuserclient", "vswitchd was built without DPDK support" },
};

static char *netdev_run_dir;

static struct netdev_provider *
netdev_lookup_provider(const char *type)
{
    for (size_t i = 0; i < n_providers; i++) {
        if (!strcmp(providers[i].class->type, type)) {
            return &providers[i];
        }
    }
    return NULL;
}

int
netdev_register_provider(const struct netdev_class *class)
{
    struct netdev_provider *p;

    if (netdev_lookup_provider(class->type)) {
        VLOG_WARN("netdev type %s registered twice", class->type);
        return EEXIST;
    }
    if (n_providers >= NETDEV_MAX_PROVIDERS) {
        VLOG_ERR("too many netdev types, %s not registered", class->type);
        return ENOSPC;
    }
    p = &providers[n_providers++];
    p->class = class;
    p->state = class->init ? NETDEV_INIT_PENDING : NETDEV_INIT_OK;
    p->reason = NULL;
    return 0;
}

/* Runs the provider's one-time initialisation if it has not run yet.
 * Returns 0 if the type is usable, otherwise an errno value (the reason
 * is in 'p->reason'). */
static int
netdev_provider_init(struct netdev_provider *p)
{
    if (p->state == NETDEV_INIT_PENDING) {
        char *reason = NULL;
        int error = p->class->init(&reason);

        if (error) {
            p->state = NETDEV_INIT_FAILED;
            p->reason = (reason ? reason
                         : xasprintf("initialisation failed (%s)",
                                     strerror(error)));
            VLOG_WARN("netdev type %s is unavailable: %s", p->class->type,
                      p->reason);
        } else {
            p->state = NETDEV_INIT_OK;
            free(reason);
        }
    }
    return p->state == NETDEV_INIT_OK ? 0 : EAFNOSUPPORT;
}

static void netdev_register_commands(void);

const char *
netdev_type_missing_reason(const char *type)
{
    if (netdev_type_exists(type)) {
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(netdev_optional_types); i++) {
        if (!strcmp(type, netdev_optional_types[i].type)) {
            return netdev_optional_types[i].reason;
        }
    }
    return NULL;
}

void
netdev_set_run_dir(const char *dir)
{
    free(netdev_run_dir);
    netdev_run_dir = xstrdup(dir);
}

const char *
netdev_get_run_dir(void)
{
    return netdev_run_dir ? netdev_run_dir : VSWITCH_DEFAULT_RUNDIR;
}

void
netdev_set_global_config(const struct smap *other_config,
                         struct smap *status)
{
    netdev_init();
    for (size_t i = 0; i < n_providers; i++) {
        const struct netdev_class *class = providers[i].class;
        bool seen = false;

        if (!class->set_global_config) {
            continue;
        }
        for (size_t j = 0; j < i && !seen; j++) {
            seen = (providers[j].class->set_global_config
                    == class->set_global_config);
        }
        if (!seen) {
            class->set_global_config(other_config, status);
        }
    }
}

void
netdev_init(void)
{
    if (netdev_initialized) {
        return;
    }
    netdev_initialized = true;
    for (size_t i = 0; i < ARRAY_SIZE(netdev_builtin_classes); i++) {
        netdev_register_provider(netdev_builtin_classes[i]);
    }
    netdev_register_commands();
    netdev_dummy_register_commands();
    netdev_afpacket_register_commands();
}

/* With "--enable-dummy=override", every device opens as a dummy, so that
 * tests of the control plane need no kernel interfaces. */
static bool dummy_override;

void
netdev_set_dummy_override(bool override)
{
    dummy_override = override;
}

int
netdev_open(const char *name, const char *type, struct netdev **netdevp,
            char **errorp)
{
    const struct netdev_class *class;
    struct netdev_provider *provider;
    struct netdev *netdev = NULL;
    char *error_msg = NULL;
    int error;

    netdev_init();
    *netdevp = NULL;
    if (errorp) {
        *errorp = NULL;
    }

    if (!type || !type[0]) {
        type = "system";
    }
    if (dummy_override) {
        type = "dummy";
    }
    provider = netdev_lookup_provider(type);
    if (!provider) {
        if (errorp) {
            *errorp = xasprintf("could not open network device %s "
                                "(unknown interface type \"%s\")",
                                name, type);
        }
        return EAFNOSUPPORT;
    }
    class = provider->class;
    if (!name || !name[0]) {
        if (errorp) {
            *errorp = xstrdup("could not open network device with an "
                              "empty name");
        }
        return EINVAL;
    }
    error = netdev_provider_init(provider);
    if (error) {
        if (errorp) {
            *errorp = xasprintf("could not open network device %s "
                                "(interface type \"%s\" is unavailable: "
                                "%s)", name, type, provider->reason);
        }
        return error;
    }

    error = class->open(name, &netdev, &error_msg);
    if (error) {
        if (!error_msg) {
            error_msg = xasprintf("could not open network device %s (%s)",
                                  name, strerror(error));
        }
        VLOG_DBG("%s", error_msg);
        if (errorp) {
            *errorp = error_msg;
        } else {
            free(error_msg);
        }
        return error;
    }
    free(error_msg);
    netdev->name = xstrdup(name);
    netdev->class = class;
    *netdevp = netdev;
    return 0;
}

void
netdev_close(struct netdev *netdev)
{
    char *name;

    if (!netdev) {
        return;
    }
    /* The provider frees the structure, which owns 'name'. */
    name = netdev->name;
    netdev->class->close(netdev);
    free(name);
}

int
netdev_set_config(struct netdev *netdev, const struct smap *options,
                  char **errorp)
{
    const struct netdev_class *class = netdev->class;
    const struct smap_node *node;
    char *error = NULL;
    int retval = 0;

    SMAP_FOR_EACH (node, options) {
        char *why = netdev_check_option_name(class->type, node->key);

        if (why) {
            error = xasprintf("%s: %s", netdev->name, why);
            free(why);
            retval = EINVAL;
            break;
        }
    }
    if (!retval && class->set_config) {
        retval = class->set_config(netdev, options, &error);
        if (retval && !error) {
            error = xasprintf("%s: could not apply options (%s)",
                              netdev->name, strerror(retval));
        }
    }
    if (errorp) {
        *errorp = error;
    } else {
        free(error);
    }
    return retval;
}

int
netdev_option_int(const struct netdev *netdev, const struct smap *options,
                  const char *name, int min, int max, int dflt, int *valuep,
                  char **errorp)
{
    const char *s = smap_get(options, name);
    long long value;

    if (!s) {
        *valuep = dflt;
        return 0;
    }
    if (!str_to_llong(s, 10, &value) || value < min || value > max) {
        *errorp = xasprintf("%s: options:%s \"%s\" is not an integer in "
                            "%d..%d", netdev->name, name, s, min, max);
        return EINVAL;
    }
    *valuep = value;
    return 0;
}

int
netdev_option_bool(const struct netdev *netdev, const struct smap *options,
                   const char *name, bool dflt, bool *valuep, char **errorp)
{
    const char *s = smap_get(options, name);

    if (!s) {
        *valuep = dflt;
    } else if (!strcmp(s, "true")) {
        *valuep = true;
    } else if (!strcmp(s, "false")) {
        *valuep = false;
    } else {
        *errorp = xasprintf("%s: options:%s \"%s\" is not \"true\" or "
                            "\"false\"", netdev->name, name, s);
        return EINVAL;
    }
    return 0;
}

bool
netdev_type_exists(const char *type)
{
    netdev_init();
    return netdev_lookup_provider(type) != NULL;
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

size_t
netdev_get_types(const char ***typesp)
{
    const char **types;

    netdev_init();
    types = xcalloc(n_providers + 1, sizeof *types);
    for (size_t i = 0; i < n_providers; i++) {
        types[i] = providers[i].class->type;
    }
    qsort(types, n_providers, sizeof *types, compare_strings);
    *typesp = types;
    return n_providers;
}

char *
netdev_types_string(void)
{
    struct dstr s = DSTR_INITIALIZER;
    const char **types;
    size_t n = netdev_get_types(&types);

    dstr_put_list(&s, types, n, false);
    free(types);
    return dstr_steal(&s);
}

char *
netdev_check_option_name(const char *type, const char *name)
{
    const char *const *names, *const *helps;
    size_t n = netdev_type_options(type, &names, &helps);
    struct dstr valid = DSTR_INITIALIZER;
    char *error;

    for (size_t i = 0; i < n; i++) {
        if (!strcmp(names[i], name)) {
            return NULL;
        }
    }
    dstr_put_list(&valid, names, n, false);
    error = xasprintf("interface type \"%s\" has no option \"%s\" (%s%s)",
                      type, name, n ? "valid options: " : "",
                      n ? dstr_cstr(&valid) : "it takes no options");
    dstr_destroy(&valid);
    return error;
}

size_t
netdev_type_options(const char *type, const char *const **names,
                    const char *const **helps)
{
    const struct netdev_provider *p;
    const struct netdev_class *class;
    size_t n = 0;

    netdev_init();
    p = netdev_lookup_provider(type);
    class = p ? p->class : NULL;
    *names = class ? class->option_names : NULL;
    *helps = class ? class->option_helps : NULL;
    while (*names && (*names)[n]) {
        n++;
    }
    return n;
}

const char *
netdev_get_name(const struct netdev *netdev)
{
    return netdev->name;
}

const char *
netdev_get_type(const struct netdev *netdev)
{
    return netdev->class->type;
}

int
netdev_get_ifindex(const struct netdev *netdev, int *ifindex)
{
    *ifindex = 0;
    return (netdev->class->get_ifindex
            ? netdev->class->get_ifindex(netdev, ifindex)
            : EOPNOTSUPP);
}

int
netdev_get_etheraddr(const struct netdev *netdev, uint8_t mac[6])
{
    if (!netdev->class->get_etheraddr) {
        memset(mac, 0, 6);
        return EOPNOTSUPP;
    }
    return netdev->class->get_etheraddr(netdev, mac);
}

int
netdev_get_mtu(const struct netdev *netdev, int *mtu)
{
    *mtu = 0;
    return (netdev->class->get_mtu
            ? netdev->class->get_mtu(netdev, mtu)
            : EOPNOTSUPP);
}

int
netdev_set_mtu(struct netdev *netdev, int mtu)
{
    return (netdev->class->set_mtu
            ? netdev->class->set_mtu(netdev, mtu)
            : EOPNOTSUPP);
}

bool
netdev_set_mtu_requested(struct netdev *netdev, bool requested)
{
    return (netdev->class->set_mtu_requested
            && netdev->class->set_mtu_requested(netdev, requested));
}

int
netdev_get_state(const struct netdev *netdev, bool *admin_up, bool *link_up)
{
    *admin_up = *link_up = false;
    return (netdev->class->get_state
            ? netdev->class->get_state(netdev, admin_up, link_up)
            : EOPNOTSUPP);
}

int
netdev_get_stats(const struct netdev *netdev, struct netdev_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    return (netdev->class->get_stats
            ? netdev->class->get_stats(netdev, stats)
            : EOPNOTSUPP);
}

int
netdev_get_status(const struct netdev *netdev, struct smap *status)
{
    return (netdev->class->get_status
            ? netdev->class->get_status(netdev, status)
            : EOPNOTSUPP);
}

bool
netdev_accepts_offloads(const struct netdev *netdev)
{
    return (netdev->class->accepts_offloads
            && netdev->class->accepts_offloads(netdev));
}

int
netdev_set_n_txq(struct netdev *netdev, int n)
{
    if (n < 1) {
        return EINVAL;
    }
    /* A provider without transmit queues takes sends from any thread on
     * any queue number, so there is nothing to prepare. */
    return netdev->class->set_n_txq ? netdev->class->set_n_txq(netdev, n) : 0;
}

int
netdev_n_rxq(const struct netdev *netdev)
{
    return netdev->class->get_n_rxq ? netdev->class->get_n_rxq(netdev) : 1;
}

int
netdev_rxq_open(struct netdev *netdev, int queue, struct netdev_rxq **rxqp)
{
    int error;

    *rxqp = NULL;
    if (!netdev->class->rxq_open) {
        return EOPNOTSUPP;
    }
    if (queue < 0 || queue >= netdev_n_rxq(netdev)) {
        return EINVAL;
    }
    error = netdev->class->rxq_open(netdev, queue, rxqp);
    if (!error) {
        static uint64_t next_id;

        (*rxqp)->netdev = netdev;
        (*rxqp)->id = ++next_id;
    }
    return error;
}

void
netdev_rxq_close(struct netdev_rxq *rxq)
{
    if (rxq) {
        rxq->netdev->class->rxq_close(rxq);
    }
}

int
netdev_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch)
{
    return rxq->netdev->class->rxq_recv(rxq, batch);
}

int
netdev_rxq_fd(const struct netdev_rxq *rxq)
{
    return (rxq->netdev->class->rxq_fd
            ? rxq->netdev->class->rxq_fd(rxq)
            : -1);
}

uint64_t
netdev_rxq_id(const struct netdev_rxq *rxq)
{
    return rxq->id;
}

bool
netdev_rxq_busy_poll(const struct netdev_rxq *rxq)
{
    return (rxq->netdev->class->rxq_busy_poll
            && rxq->netdev->class->rxq_busy_poll(rxq));
}

int
netdev_rxq_arm(struct netdev_rxq *rxq)
{
    return (rxq->netdev->class->rxq_arm
            ? rxq->netdev->class->rxq_arm(rxq)
            : EOPNOTSUPP);
}

void
netdev_rxq_disarm(struct netdev_rxq *rxq)
{
    if (rxq->netdev->class->rxq_disarm) {
        rxq->netdev->class->rxq_disarm(rxq);
    }
}

bool
netdev_rxq_lends_nothing(const struct netdev_rxq *rxq)
{
    return rxq->netdev->class->rxq_lends_nothing;
}

/* Transmit.
 *
 * Egress tagging happens here, once, for every provider: a packet that
 * leaves with a tag gets it pushed into its headroom (dp_packet_push_tag()
 * moves the MAC addresses 4 bytes forward and the offload offsets with
 * them), so providers only ever see complete frames.
 *
 * A copying device (class->send) gets the tagged frames and copies them
 * out before it returns; then the tag comes out again (the saved
 * descriptor fields and the 12 address bytes are put back exactly) and
 * each reference is released.  That is safe for a packet shared by a
 * flood, which other ports' batches still point to, for three reasons:
 * only this forwarding thread can see the packet (the pipeline's
 * ownership rule, dp-packet.h); the copying provider is done with the
 * frame when send returns; and the frame is restored before this function
 * returns, so the next port's netdev_send() finds it as it was.  A packet
 * queued twice to the same port (with two tags, say) cannot be tagged
 * twice in place at once, so a shared packet already in the batch being
 * built flushes that batch first.
 *
 * An adopting device (class->tx_source non-NULL) keeps what it is given,
 * so nothing may be edited that another reference can see: a packet from
 * its own source that no other port holds is tagged in place and handed
 * over as it is; one that other ports hold too (a flood) but that leaves
 * untagged is handed over by a hold on its buffer, if the source can take
 * one (struct dp_packet_source 'share': a DPDK mbuf reference), so that a
 * flood to N DPDK ports copies nothing; any other is copied once, tag
 * included, into a packet the device supplies, and the original reference
 * released.  Once a device may hold a frame (dp_packet_is_held()), nobody
 * tags it in place any more -- the device may be reading it (a NIC's DMA,
 * a ring's consumer) -- so a copying device then gets it tagged in a
 * per-thread bounce buffer, and an adopting one a copy.
 *
 * No allocation, lock or system call here: the arrays live on the
 * stack, and the coverage counters move once per batch. */

/* What tagging in place changed in a packet, to undo it. */
struct netdev_tag_undo {
    struct dp_packet *p;
    uint16_t data_ofs;
    uint32_t size;
    struct dp_offload ol;
    uint8_t macs[2 * ETH_ADDR_LEN];
};

static void
netdev_tag_undo(const struct netdev_tag_undo *u)
{
    struct dp_packet *p = u->p;

    p->data_ofs = u->data_ofs;
    p->size = u->size;
    p->ol = u->ol;
    memcpy(dp_packet_data(p), u->macs, sizeof u->macs);
}

/* The wire bytes of packets[0..n-1]. */
static uint64_t
netdev_batch_bytes(struct dp_packet *const *packets, int n)
{
    uint64_t bytes = 0;

    for (int i = 0; i < n; i++) {
        bytes += dp_packet_size(packets[i]);
    }
    return bytes;
}

/* Hands 'out' to a copying device, undoes the 'n_undo' in-place tags and
 * empties both.  Adds to '*sentp' and '*bytesp'. */
static void
netdev_copying_flush(struct netdev *netdev, int qid,
                     struct dp_packet_batch *out,
                     struct netdev_tag_undo *undo, size_t *n_undo,
                     int *sentp, uint64_t *bytesp)
{
    int sent = 0;

    if (out->count && netdev->class->send) {
        sent = netdev->class->send(netdev, qid, out);
        if (sent < 0) {
            sent = 0;
        } else if ((unsigned int) sent > out->count) {
            sent = out->count;
        }
        /* Providers rarely drop in the middle of a batch; count the
         * first 'sent' frames' bytes (exact numbers are in the device's
         * statistics). */
        *bytesp += netdev_batch_bytes(out->packets, sent);
    }
    *sentp += sent;
    while (*n_undo) {
        netdev_tag_undo(&undo[--*n_undo]);
    }
    out->count = 0;
}

static bool
netdev_batch_contains(const struct dp_packet_batch *b,
                      const struct dp_packet *p)
{
    for (unsigned int i = 0; i < b->count; i++) {
        if (b->packets[i] == p) {
            return true;
        }
    }
    return false;
}

/* Bounce buffers: where a packet that a device may hold (see
 * dp_packet_is_held()) is tagged for a copying device, since its frame
 * must not change in place.  Per forwarding thread, allocated the first
 * time a thread needs them, freed when it exits. */
#define NETDEV_BOUNCE_ROOM (9216 + VLAN_HEADER_LEN)
#define NETDEV_BOUNCE_STRIDE (DP_PACKET_HEADROOM + NETDEV_BOUNCE_ROOM)

struct netdev_bounce {
    struct dp_packet packets[DP_BATCH_SIZE];
    uint8_t mem[DP_BATCH_SIZE][NETDEV_BOUNCE_STRIDE];
};

static __thread struct netdev_bounce *netdev_bounce;
static pthread_key_t netdev_bounce_key;
static pthread_once_t netdev_bounce_once = PTHREAD_ONCE_INIT;

static void
netdev_bounce_key_create(void)
{
    pthread_key_create(&netdev_bounce_key, free);
}

/* Copies 'p' with tag 'tpid'/'tci' into bounce packet 'slot'.  Returns
 * it, or NULL if the frame does not fit. */
static struct dp_packet *
netdev_bounce_copy(const struct dp_packet *p, uint16_t tpid, uint16_t tci,
                   unsigned int slot)
{
    struct dp_packet *b;

    if (dp_packet_size(p) + VLAN_HEADER_LEN > NETDEV_BOUNCE_ROOM
        || dp_packet_size(p) < 2 * ETH_ADDR_LEN) {
        return NULL;
    }
    if (!netdev_bounce) {
        netdev_bounce = xmalloc(sizeof *netdev_bounce);
        pthread_once(&netdev_bounce_once, netdev_bounce_key_create);
        pthread_setspecific(netdev_bounce_key, netdev_bounce);
    }
    b = &netdev_bounce->packets[slot];
    *b = *p;
    dp_packet_set_data(b, netdev_bounce->mem[slot], NETDEV_BOUNCE_STRIDE,
                       DP_PACKET_HEADROOM, 0);
    b->size = dp_packet_copy_tagged(p, tpid, tci, dp_packet_data(b));
    b->source = NULL;
    b->refs = 0;
    if (b->ol.flags & DP_OL_NEEDS_CSUM) {
        b->ol.csum_start += VLAN_HEADER_LEN;
    }
    if (b->ol.hdr_len) {
        b->ol.hdr_len += VLAN_HEADER_LEN;
    }
    return b;
}

static int
netdev_send_copying(struct netdev *netdev, int qid,
                    struct netdev_tx_batch *batch)
{
    struct netdev_tag_undo undo[DP_BATCH_SIZE];
    struct dp_packet_batch out;
    size_t n_undo = 0, n_no_room = 0, n_bounced = 0;
    uint64_t bytes = 0;
    int sent = 0;

    out.count = 0;
    for (unsigned int i = 0; i < batch->count; i++) {
        struct dp_packet *p = batch->packets[i];

        if (dp_packet_is_shared(p) && netdev_batch_contains(&out, p)) {
            netdev_copying_flush(netdev, qid, &out, undo, &n_undo, &sent,
                                 &bytes);
        }
        if (batch->tpid[i] && dp_packet_is_held(p)) {
            /* A device holds the frame: tag a copy. */
            struct dp_packet *b = netdev_bounce_copy(p, batch->tpid[i],
                                                     batch->tci[i],
                                                     out.count);

            if (!b) {
                n_no_room++;
                continue;
            }
            b->tx_queue = batch->queue[i];
            out.packets[out.count++] = b;
            n_bounced++;
            continue;
        }
        if (batch->tpid[i]) {
            struct netdev_tag_undo *u = &undo[n_undo];

            u->p = p;
            u->data_ofs = p->data_ofs;
            u->size = p->size;
            u->ol = p->ol;
            if (p->size >= sizeof u->macs) {
                memcpy(u->macs, dp_packet_data(p), sizeof u->macs);
            }
            if (!dp_packet_push_tag(p, batch->tpid[i], batch->tci[i])) {
                n_no_room++;
                continue;
            }
            n_undo++;
        }
        p->tx_queue = batch->queue[i];
        out.packets[out.count++] = p;
    }
    netdev_copying_flush(netdev, qid, &out, undo, &n_undo, &sent, &bytes);

    for (unsigned int i = 0; i < batch->count; i++) {
        dp_packet_release(batch->packets[i]);
    }
    if (n_no_room) {
        COVERAGE_ADD(netdev_tx_no_headroom, n_no_room);
    }
    if (n_bounced) {
        COVERAGE_ADD(netdev_tx_bounced, n_bounced);
    }
    batch->sent_bytes = bytes;
    return sent;
}

static int
netdev_send_adopting(struct netdev *netdev, int qid,
                     struct netdev_tx_batch *batch,
                     const struct dp_packet_source *own)
{
    const struct netdev_class *class = netdev->class;
    uint32_t lens[DP_BATCH_SIZE];
    struct dp_packet_batch out;
    size_t n_copied = 0, n_adopted = 0, n_shared = 0;
    int sent;

    out.count = 0;
    for (unsigned int i = 0; i < batch->count; i++) {
        struct dp_packet *p = batch->packets[i];
        uint16_t tpid = batch->tpid[i];
        struct dp_packet *q;
        uint32_t len;

        if (p->source == own && !dp_packet_is_shared(p)
            && (!tpid || (!dp_packet_is_held(p)
                          && dp_packet_push_tag(p, tpid,
                                                batch->tci[i])))) {
            lens[out.count] = dp_packet_size(p);
            p->tx_queue = batch->queue[i];
            out.packets[out.count++] = p;
            n_adopted++;
            continue;
        }
        if (p->source == own && own->share && !tpid) {
            /* Other ports hold it too (a flood): the device takes a hold
             * of its own on the buffer, ours is released. */
            own->share(p->source, p);
            lens[out.count] = dp_packet_size(p);
            p->tx_queue = batch->queue[i];
            out.packets[out.count++] = p;
            dp_packet_release(p);
            n_shared++;
            continue;
        }

        /* Copy once, with the tag, into the device's own buffer. */
        len = dp_packet_size(p) + (tpid ? VLAN_HEADER_LEN : 0);
        q = (dp_packet_size(p) >= 2 * ETH_ADDR_LEN
             ? class->tx_alloc(netdev, qid, len) : NULL);
        if (q) {
            dp_packet_copy_tagged(p, tpid, batch->tci[i], dp_packet_data(q));
            q->size = len;
            q->ol = p->ol;
            if (tpid) {
                if (q->ol.flags & DP_OL_NEEDS_CSUM) {
                    q->ol.csum_start += VLAN_HEADER_LEN;
                }
                if (q->ol.hdr_len) {
                    q->ol.hdr_len += VLAN_HEADER_LEN;
                }
            }
            q->in_port = p->in_port;
            q->tx_queue = batch->queue[i];
            lens[out.count] = len;
            out.packets[out.count++] = q;
            n_copied++;
        }
        dp_packet_release(p);
    }

    sent = out.count ? class->send_adopt(netdev, qid, &out) : 0;
    if (sent < 0) {
        sent = 0;
    } else if ((unsigned int) sent > out.count) {
        sent = out.count;
    }
    /* The provider owns the packets now and may have released them, so
     * their sizes were noted before. */
    batch->sent_bytes = 0;
    for (int i = 0; i < sent; i++) {
        batch->sent_bytes += lens[i];
    }
    if (n_adopted) {
        COVERAGE_ADD(netdev_tx_adopted, n_adopted);
    }
    if (n_copied) {
        COVERAGE_ADD(netdev_tx_copied, n_copied);
    }
    if (n_shared) {
        COVERAGE_ADD(netdev_tx_shared, n_shared);
    }
    return sent;
}

int
netdev_send(struct netdev *netdev, int qid, struct netdev_tx_batch *batch)
{
    const struct netdev_class *class = netdev->class;
    const struct dp_packet_source *own = (class->tx_source
                                          ? class->tx_source(netdev)
                                          : NULL);

    return (own
            ? netdev_send_adopting(netdev, qid, batch, own)
            : netdev_send_copying(netdev, qid, batch));
}

bool
netdev_has_kernel_qos(const struct netdev *netdev)
{
    return netdev->class->set_qos != NULL;
}

int
netdev_set_qos(struct netdev *netdev, const struct netdev_qos_config *qos,
               char **errorp)
{
    if (errorp) {
        *errorp = NULL;
    }
    return (netdev->class->set_qos
            ? netdev->class->set_qos(netdev, qos, errorp) : EOPNOTSUPP);
}

int
netdev_get_queue_stats(const struct netdev *netdev,
                       struct netdev_queue_stats *stats, size_t max)
{
    return (netdev->class->get_queue_stats
            ? netdev->class->get_queue_stats(netdev, stats, max)
            : -EOPNOTSUPP);
}

void
netdev_run(void)
{
    for (size_t i = 0; i < n_providers; i++) {
        if (providers[i].class->run) {
            providers[i].class->run();
        }
    }
}

static bool reconfigure_requested;

void
netdev_request_reconfigure(void)
{
    reconfigure_requested = true;
}

bool
netdev_take_reconfigure_request(void)
{
    bool requested = reconfigure_requested;

    reconfigure_requested = false;
    return requested;
}

void
netdev_wait(void)
{
    for (size_t i = 0; i < n_providers; i++) {
        if (providers[i].class->wait) {
            providers[i].class->wait();
        }
    }
    if (reconfigure_requested) {
        poll_immediate_wake();
    }
}

/* "netdev/types": every registered type, sorted, with its description,
 * whether it is usable, and its options with their help lines. */
char *
netdev_types_describe(void)
{
    struct dstr out = DSTR_INITIALIZER;
    const char **types;
    size_t n = netdev_get_types(&types);

    for (size_t i = 0; i < n; i++) {
        const struct netdev_provider *p = netdev_lookup_provider(types[i]);
        const struct netdev_class *class = p->class;
        const char *const *names = class->option_names;
        const char *const *helps = class->option_helps;

        dstr_printf(&out, "%s: %s\n", class->type,
                    class->description ? class->description : "");
        if (p->state == NETDEV_INIT_FAILED) {
            dstr_printf(&out, "    unavailable: %s\n", p->reason);
        }
        if (!names || !names[0]) {
            dstr_puts(&out, "    (no options)\n");
        }
        for (size_t j = 0; names && names[j]; j++) {
            dstr_printf(&out, "    options:%s: %s\n", names[j],
                        helps && helps[j] ? helps[j] : "");
        }
    }
    free(types);
    return dstr_steal(&out);
}

static void
netdev_unixctl_types(struct appctl_conn *conn, int argc, const char *argv[],
                     void *aux)
{
    char *text = netdev_types_describe();

    (void) argc;
    (void) argv;
    (void) aux;
    appctl_reply_success(conn, text);
    free(text);
}

static void
netdev_register_commands(void)
{
    appctl_command_register("netdev/types", "", 0, 0, netdev_unixctl_types,
                            NULL);
}
