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
#include <stdlib.h>
#include <string.h>

#include "afpacket/netdev-afpacket.h"
#include "netdev-dummy.h"
#include "netdev-provider.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev);

#define NETDEV_MAX_PROVIDERS 16

static const struct netdev_class *providers[NETDEV_MAX_PROVIDERS];
static size_t n_providers;
static bool netdev_initialized;

static const struct netdev_class *
netdev_lookup_provider(const char *type)
{
    for (size_t i = 0; i < n_providers; i++) {
        if (!strcmp(providers[i]->type, type)) {
            return providers[i];
        }
    }
    return NULL;
}

void
netdev_register_provider(const struct netdev_class *class)
{
    if (netdev_lookup_provider(class->type)) {
        VLOG_WARN("netdev type %s registered twice", class->type);
        return;
    }
    if (n_providers >= NETDEV_MAX_PROVIDERS) {
        VLOG_ERR("too many netdev types, %s not registered", class->type);
        return;
    }
    providers[n_providers++] = class;
}

void
netdev_init(void)
{
    if (netdev_initialized) {
        return;
    }
    netdev_initialized = true;
    netdev_register_provider(&netdev_system_class);
    netdev_register_provider(&netdev_tap_class);
    netdev_register_provider(&netdev_internal_class);
    netdev_register_provider(&netdev_dummy_class);
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
    class = netdev_lookup_provider(type);
    if (!class) {
        if (errorp) {
            *errorp = xasprintf("could not open network device %s "
                                "(unknown interface type \"%s\")",
                                name, type);
        }
        return EAFNOSUPPORT;
    }
    if (!name || !name[0]) {
        if (errorp) {
            *errorp = xstrdup("could not open network device with an "
                              "empty name");
        }
        return EINVAL;
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

/* Whether 'name' is in the NULL-terminated 'names'. */
static bool
name_in_list(const char *name, const char *const *names)
{
    for (; names && *names; names++) {
        if (!strcmp(*names, name)) {
            return true;
        }
    }
    return false;
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
        if (!name_in_list(node->key, class->option_names)) {
            struct dstr valid = DSTR_INITIALIZER;

            for (const char *const *n = class->option_names; n && *n; n++) {
                dstr_printf(&valid, "%s%s", valid.len ? ", " : "", *n);
            }
            error = xasprintf("%s: interface type \"%s\" has no option "
                              "\"%s\" (%s%s)", netdev->name, class->type,
                              node->key,
                              valid.len ? "valid options: " : "",
                              valid.len ? dstr_cstr(&valid)
                                           : "it takes no options");
            dstr_destroy(&valid);
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
        types[i] = providers[i]->type;
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

    for (size_t i = 0; i < n; i++) {
        dstr_printf(&s, "%s%s", i ? ", " : "", types[i]);
    }
    free(types);
    return dstr_steal(&s);
}

size_t
netdev_type_options(const char *type, const char *const **names,
                    const char *const **helps)
{
    const struct netdev_class *class;
    size_t n = 0;

    netdev_init();
    class = netdev_lookup_provider(type);
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
netdev_send(struct netdev *netdev, int qid, struct netdev_tx_batch *batch)
{
    int sent = netdev->class->send ? netdev->class->send(netdev, qid, batch)
                                   : 0;

    for (unsigned int i = 0; i < batch->count; i++) {
        dp_packet_release(batch->packets[i]);
    }
    return sent;
}

void
netdev_run(void)
{
    for (size_t i = 0; i < n_providers; i++) {
        if (providers[i]->run) {
            providers[i]->run();
        }
    }
}

void
netdev_wait(void)
{
    for (size_t i = 0; i < n_providers; i++) {
        if (providers[i]->wait) {
            providers[i]->wait();
        }
    }
}
