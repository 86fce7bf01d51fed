/*
 * dpif.c -- the datapath provider registry and the public wrappers of
 * dpif.h, which only dispatch (a NULL member becomes EOPNOTSUPP).
 */
#include <config.h>
#include "dpif.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dpif-provider.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(dpif);

#define DPIF_MAX_PROVIDERS 8

static const struct dpif_class *providers[DPIF_MAX_PROVIDERS];
static size_t n_providers;

static const struct dpif_class *
dpif_lookup_provider(const char *type)
{
    if (!n_providers) {
        dpif_register_provider(&dpif_userspace_class);
    }
    if (!type || !type[0]) {
        type = "netdev";        /* The default datapath, for now. */
    }
    for (size_t i = 0; i < n_providers; i++) {
        if (!strcmp(providers[i]->type, type)) {
            return providers[i];
        }
    }
    return NULL;
}

int
dpif_register_provider(const struct dpif_class *class)
{
    for (size_t i = 0; i < n_providers; i++) {
        if (!strcmp(providers[i]->type, class->type)) {
            return EEXIST;
        }
    }
    if (n_providers >= DPIF_MAX_PROVIDERS) {
        return ENOSPC;
    }
    providers[n_providers++] = class;
    return 0;
}

void
dpif_init(struct dpif *dpif, const struct dpif_class *class,
          const char *name)
{
    dpif->class = class;
    dpif->name = xstrdup(name ? name : "");
}

void
dpif_uninit(struct dpif *dpif)
{
    free(dpif->name);
    dpif->name = NULL;
}

int
dpif_create(const char *type, const char *name, struct dpif **dpifp)
{
    const struct dpif_class *class = dpif_lookup_provider(type);
    int error;

    *dpifp = NULL;
    if (!class) {
        VLOG_WARN("%s: unknown datapath type \"%s\"", name, type);
        return EAFNOSUPPORT;
    }
    error = class->create(name, dpifp);
    if (error) {
        VLOG_WARN("%s: could not create %s datapath (%s)", name,
                  class->type, strerror(error));
    }
    return error;
}

void
dpif_destroy(struct dpif *dpif)
{
    if (dpif) {
        dpif->class->destroy(dpif);
    }
}

const char *
dpif_type(const struct dpif *dpif)
{
    return dpif->class->type;
}

int
dpif_reconfigure(struct dpif *dpif, const struct dpif_config *config,
                 char ***errors)
{
    if (errors) {
        *errors = NULL;
    }
    return (dpif->class->reconfigure
            ? dpif->class->reconfigure(dpif, config, errors)
            : EOPNOTSUPP);
}

int
dpif_port_stats(const struct dpif *dpif, uint32_t port_no,
                struct dpif_port_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    return (dpif->class->port_stats
            ? dpif->class->port_stats(dpif, port_no, stats)
            : EOPNOTSUPP);
}

void
dpif_drop_stats(const struct dpif *dpif, uint64_t counts[DP_N_DROPS])
{
    memset(counts, 0, DP_N_DROPS * sizeof *counts);
    if (dpif->class->drop_stats) {
        dpif->class->drop_stats(dpif, counts);
    }
}

int
dpif_port_drop_stats(const struct dpif *dpif, uint32_t port_no,
                     uint64_t counts[DP_N_DROPS])
{
    memset(counts, 0, DP_N_DROPS * sizeof *counts);
    return (dpif->class->port_drop_stats
            ? dpif->class->port_drop_stats(dpif, port_no, counts)
            : EOPNOTSUPP);
}

size_t
dpif_fdb_dump(const struct dpif *dpif, uint32_t bridge,
              struct dpif_fdb_entry **entries)
{
    if (!dpif->class->fdb_dump) {
        *entries = NULL;
        return 0;
    }
    return dpif->class->fdb_dump(dpif, bridge, entries);
}

void
dpif_fdb_flush(struct dpif *dpif, uint32_t bridge)
{
    if (dpif->class->fdb_flush) {
        dpif->class->fdb_flush(dpif, bridge);
    }
}

int
dpif_fdb_stats(const struct dpif *dpif, uint32_t bridge,
               struct dpif_fdb_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    return (dpif->class->fdb_stats
            ? dpif->class->fdb_stats(dpif, bridge, stats)
            : EOPNOTSUPP);
}

void
dpif_run(struct dpif *dpif)
{
    if (dpif && dpif->class->run) {
        dpif->class->run(dpif);
    }
}

void
dpif_wait(struct dpif *dpif)
{
    if (dpif && dpif->class->wait) {
        dpif->class->wait(dpif);
    }
}
