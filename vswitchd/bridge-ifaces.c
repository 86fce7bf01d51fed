/*
 * bridge-ifaces.c -- the interfaces the switch has open, and the kernel's
 * link events about them.
 *
 * Each configured Interface is a netdev opened here, once, by name
 * (bridge_iface_get()), and kept open across reconfigurations for as long
 * as the configuration names it with the same type and options: a
 * datapath's ports are these devices, and re-opening one would stop its
 * traffic.  A device whose type or options changed, or whose kernel
 * device went away, is opened afresh and the old one closed only after the
 * datapaths have let go of it (bridge_ifaces_close_unused()).  Port
 * numbers, the cached MTU and the state last written to the database
 * (bridge-state.c) are kept with each interface.
 *
 * Kernel interfaces come and go with the VMs that own them: an rtnetlink
 * monitor reports link events, and those about configured interfaces (and
 * only those, so that a host with many unrelated devices stays quiet) make
 * bridge_run() reconfigure, which re-opens an interface that disappeared
 * and came back with the same name, or refresh the link state.
 */
#include <config.h>
#include "bridge-private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "hmap.h"
#include "netdev.h"
#include "rtnl-monitor.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"

VLOG_USE_SHARED_MODULE(bridge);

struct hmap bridge_ifaces = HMAP_INITIALIZER;
static struct bridge_iface **retired;  /* Replaced, to close after the
                                        * datapath. */
static size_t n_retired;
static struct rtnl_monitor *rtnl;

/* A configured interface's name (bridge_wanted_add()). */
struct wanted {
    struct hmap_node node;      /* In 'wanted', by name. */
    unsigned int gen;           /* Last reconfiguration that wanted it. */
    char name[];
};
static struct hmap wanted = HMAP_INITIALIZER;
static unsigned int wanted_gen;

static void
iface_free(struct bridge_iface *iface)
{
    netdev_close(iface->netdev);
    smap_destroy(&iface->options);
    free(iface->name);
    free(iface->type);
    free(iface);
}

void
bridge_ifaces_init(void)
{
    rtnl = rtnl_monitor_create();
    if (!rtnl) {
        VLOG_WARN("no rtnetlink link events: interfaces that come back "
                  "will be noticed only on the next reconfiguration");
    }
}

void
bridge_ifaces_exit(void)
{
    struct bridge_iface *iface, *next;

    HMAP_FOR_EACH_SAFE (iface, next, node, &bridge_ifaces) {
        hmap_remove(&bridge_ifaces, &iface->node);
        iface_free(iface);
    }
    rtnl_monitor_destroy(rtnl);
    rtnl = NULL;
    struct wanted *w, *w_next;
    HMAP_FOR_EACH_SAFE (w, w_next, node, &wanted) {
        hmap_remove(&wanted, &w->node);
        free(w);
    }
}

/* Interfaces. */

struct bridge_iface *
bridge_iface_find(const char *name)
{
    struct bridge_iface *iface;
    HMAP_FOR_EACH_WITH_HASH (iface, node, hash_string(name, 0),
                             &bridge_ifaces) {
        if (!strcmp(iface->name, name)) {
            return iface;
        }
    }
    return NULL;
}

/* Returns the open interface for 'name' of 'type' with Interface:options
 * 'options', opening or re-opening it as needed (options reach a provider
 * before the datapath opens its queues, so a change re-opens the device);
 * NULL with '*errorp' set if that fails. */
struct bridge_iface *
bridge_iface_get(const char *name, const char *type,
                 const struct smap *options, char **errorp)
{
    struct bridge_iface *iface = bridge_iface_find(name);
    const char *norm = *type ? type : "system";

    if (iface && (iface->stale || strcmp(iface->type, norm)
                  || !smap_equal(&iface->options, options))) {
        /* Opened afresh below; the old one is closed once the datapath has
         * let go of it, at the end of this reconfiguration. */
        hmap_remove(&bridge_ifaces, &iface->node);
        retired = xrealloc(retired, (n_retired + 1) * sizeof *retired);
        retired[n_retired++] = iface;
        iface = NULL;
    }
    if (iface) {
        return iface;
    }

    struct netdev *netdev;
    int error = netdev_open(name, norm, &netdev, errorp);
    if (!error) {
        error = netdev_set_config(netdev, options, errorp);
        if (error) {
            netdev_close(netdev);
        }
    }
    if (error) {
        if (!*errorp) {
            *errorp = xasprintf("could not open network device %s (%s)",
                                name, strerror(error));
        }
        return NULL;
    }
    iface = xzalloc(sizeof *iface);
    iface->name = xstrdup(name);
    iface->type = xstrdup(norm);
    iface->netdev = netdev;
    smap_clone(&iface->options, options);
    netdev_get_ifindex(netdev, &iface->ifindex);
    if (netdev_get_mtu(netdev, &iface->mtu)) {
        iface->mtu = 0;
    }
    hmap_insert(&bridge_ifaces, &iface->node, hash_string(name, 0));
    VLOG_INFO("opened %s interface %s", norm, name);
    return iface;
}

/* Sets the MTU of the device that Interface row 'row' asks for with
 * mtu_request, if it has another.  Without one, a device may pick its own
 * (a vhost-user port takes the MTU its guest announced). */
void
bridge_iface_apply_mtu_request(struct bridge_iface *iface,
                               const struct db_row *row)
{
    const struct db_datum *req = db_row_get(row, bridge_cols.if_mtu_request);
    int mtu;
    if (netdev_set_mtu_requested(iface->netdev, req->n > 0)) {
        if (netdev_get_mtu(iface->netdev, &iface->mtu)) {
            iface->mtu = 0;
        }
        iface->state_known = false;
    }
    if (req->n && !netdev_get_mtu(iface->netdev, &mtu)
        && mtu != req->keys[0].integer) {
        int error = netdev_set_mtu(iface->netdev, req->keys[0].integer);
        iface->state_known = false;
        if (!error) {
            iface->mtu = req->keys[0].integer;
        } else {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 10);

            VLOG_WARN_RL(&rl, "%s: setting MTU to %"PRId64" failed (%s)",
                         iface->name, req->keys[0].integer,
                         strerror(error));
        }
    }
}

/* The open device of interface 'name', or NULL (bridge_qos_apply()). */
struct netdev *
bridge_iface_netdev(const char *name)
{
    struct bridge_iface *iface = bridge_iface_find(name);

    return iface && iface->used ? iface->netdev : NULL;
}

/* Closes interfaces nothing uses any more (the datapaths have let go). */
void
bridge_ifaces_close_unused(void)
{
    struct bridge_iface *iface, *next;
    HMAP_FOR_EACH_SAFE (iface, next, node, &bridge_ifaces) {
        if (!iface->used) {
            VLOG_INFO("closed interface %s", iface->name);
            hmap_remove(&bridge_ifaces, &iface->node);
            iface_free(iface);
        }
    }
    for (size_t i = 0; i < n_retired; i++) {
        iface_free(retired[i]);
    }
    n_retired = 0;
}

/* Configured names. */

static struct wanted *
wanted_find(const char *name, uint32_t hash)
{
    struct wanted *w;
    HMAP_FOR_EACH_WITH_HASH (w, node, hash, &wanted) {
        if (!strcmp(w->name, name)) {
            return w;
        }
    }
    return NULL;
}

/* Remembers the names of configured interfaces, so that link events for
 * them (and only them) trigger a reconfiguration: each reconfiguration
 * adds the names it configures, then prunes the others.  Names that stay
 * cost a lookup, not an allocation. */
void
bridge_wanted_add(const char *name)
{
    uint32_t hash = hash_string(name, 0);
    struct wanted *w = wanted_find(name, hash);

    if (!w) {
        size_t len = strlen(name);
        w = xmalloc(sizeof *w + len + 1);
        memcpy(w->name, name, len + 1);
        hmap_insert(&wanted, &w->node, hash);
    }
    w->gen = wanted_gen + 1;
}

void
bridge_wanted_prune(void)
{
    struct wanted *w, *next;

    wanted_gen++;
    HMAP_FOR_EACH_SAFE (w, next, node, &wanted) {
        if (w->gen != wanted_gen) {
            hmap_remove(&wanted, &w->node);
            free(w);
        }
    }
}

/* Hot-plug. */

/* What link events ask of bridge_run() (bridge_ifaces_run()). */
struct link_requests {
    bool reconfigure;
    bool refresh_stats;
};

static void
link_event(const char *ifname, int ifindex, bool exists, bool up, void *req_)
{
    struct link_requests *req = req_;

    if (!ifname) {
        /* Events were lost: recheck every interface and its state. */
        struct bridge_iface *iface;
        HMAP_FOR_EACH (iface, node, &bridge_ifaces) {
            iface->state_known = false;
        }
        req->reconfigure = true;
        req->refresh_stats = true;
        return;
    }
    if (!wanted_find(ifname, hash_string(ifname, 0))) {
        return;
    }
    struct bridge_iface *iface = bridge_iface_find(ifname);
    if (iface && !strcmp(iface->type, "system")
        && (!exists || (ifindex && ifindex != iface->ifindex))) {
        VLOG_INFO("%s: kernel interface %s", ifname,
                  exists ? "was replaced" : "disappeared");
        iface->stale = true;
        req->reconfigure = true;
    } else if (!iface && exists) {
        VLOG_INFO("%s: kernel interface appeared", ifname);
        req->reconfigure = true;
    } else if (iface) {
        /* Link state, MTU or address may have changed: record them, and
         * give the datapath the new MTU. */
        iface->state_known = false;
        if (netdev_get_mtu(iface->netdev, &iface->mtu)) {
            iface->mtu = 0;
        }
        req->reconfigure = true;
        req->refresh_stats = true;
    }
}

void
bridge_ifaces_run(bool *reconfigure, bool *refresh_stats)
{
    struct link_requests req = { false, false };

    if (rtnl) {
        rtnl_monitor_run(rtnl, link_event, &req);
    }
    *reconfigure = req.reconfigure;
    *refresh_stats = req.refresh_stats;
}

void
bridge_ifaces_wait(void)
{
    if (rtnl) {
        rtnl_monitor_wait(rtnl);
    }
}

bool
bridge_ifaces_have_link_events(void)
{
    return rtnl != NULL;
}
