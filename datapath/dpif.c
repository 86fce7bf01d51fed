/*
 * dpif.c -- the datapath provider registry, the public wrappers of dpif.h,
 * which only dispatch (a NULL member becomes EOPNOTSUPP), and the
 * configuration helpers every datapath and caller share: VLAN-set copies
 * and the generic comparison of configurations.
 */
#include <config.h>
#include "dpif.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dpif-provider.h"
#include "smap.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(dpif);

/* VLAN sets. */

struct dp_vlan_bitmap *
dp_vlan_set_clone(const struct dp_vlan_bitmap *set)
{
    return set ? xmemdup(set, sizeof *set) : NULL;
}

/* '*dst', a private copy, becomes a copy of 'src'; it is left alone if the
 * two are already equal. */
void
dp_vlan_set_assign(const struct dp_vlan_bitmap **dst,
                   const struct dp_vlan_bitmap *src)
{
    if (!dp_vlan_set_equal(*dst, src)) {
        free((void *) *dst);
        *dst = dp_vlan_set_clone(src);
    }
}

void
dpif_port_config_clone_sets(struct dpif_port_config *pc)
{
    for (size_t i = 0; i < DP_N_VLAN_SETS; i++) {
        pc->vlan_sets[i] = dp_vlan_set_clone(pc->vlan_sets[i]);
    }
}

void
dpif_port_config_free_sets(struct dpif_port_config *pc)
{
    for (size_t i = 0; i < DP_N_VLAN_SETS; i++) {
        free((void *) pc->vlan_sets[i]);
        pc->vlan_sets[i] = NULL;
    }
}

/* Comparing configurations.
 *
 * Each comparison copies both sides, clears the members that point to
 * content (names, VLAN sets, arrays) in the copies, compares the copies
 * bytewise and the content separately.  So every scalar member, present
 * or future, is compared, and no function here names one. */

static bool
str_equal(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

bool
dpif_port_config_equal(const struct dpif_port_config *a,
                       const struct dpif_port_config *b)
{
    struct dpif_port_config x, y;

    for (size_t i = 0; i < DP_N_VLAN_SETS; i++) {
        if (!dp_vlan_set_equal(a->vlan_sets[i], b->vlan_sets[i])) {
            return false;
        }
    }
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    x.name = y.name = NULL;
    memset(x.vlan_sets, 0, sizeof x.vlan_sets);
    memset(y.vlan_sets, 0, sizeof y.vlan_sets);
    return !memcmp(&x, &y, sizeof x) && str_equal(a->name, b->name);
}

bool
dpif_bridge_config_equal(const struct dpif_bridge_config *a,
                         const struct dpif_bridge_config *b)
{
    struct dpif_bridge_config x, y;

    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    x.name = y.name = NULL;
    return !memcmp(&x, &y, sizeof x) && str_equal(a->name, b->name);
}

bool
dpif_config_equal(const struct dpif_config *a, const struct dpif_config *b)
{
    struct dpif_config x, y;

    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    x.bridges = y.bridges = NULL;
    x.ports = y.ports = NULL;
    if (memcmp(&x, &y, sizeof x)) {
        return false;           /* Counts, threads, idle spin... */
    }
    for (size_t i = 0; i < a->n_bridges; i++) {
        if (!dpif_bridge_config_equal(&a->bridges[i], &b->bridges[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        if (!dpif_port_config_equal(&a->ports[i], &b->ports[i])) {
            return false;
        }
    }
    return true;
}

#define DPIF_MAX_PROVIDERS 8

static const struct dpif_class *providers[DPIF_MAX_PROVIDERS];
static size_t n_providers;

/* Copies of classes registered under a second name (dpif_register_alias);
 * storage for the 'providers' entries that point here. */
static struct dpif_class aliases[DPIF_MAX_PROVIDERS];
static size_t n_aliases;

static void
dpif_register_builtins(void)
{
    if (!n_providers) {
        dpif_register_provider(&dpif_userspace_class);
    }
}

const char *
dpif_normalize_type(const char *type)
{
    return type && type[0] ? type : DPIF_DEFAULT_TYPE;
}

static const struct dpif_class *
dpif_lookup_provider(const char *type)
{
    dpif_register_builtins();
    type = dpif_normalize_type(type);
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

int
dpif_register_alias(const char *type, const char *existing)
{
    const struct dpif_class *class = dpif_lookup_provider(existing);
    struct dpif_class *alias;

    if (!class) {
        return ENOENT;
    }
    if (dpif_lookup_provider(type)) {
        return EEXIST;
    }
    if (n_aliases >= ARRAY_SIZE(aliases)) {
        return ENOSPC;
    }
    alias = &aliases[n_aliases];
    *alias = *class;
    alias->type = xstrdup(type);
    if (dpif_register_provider(alias)) {
        free((char *) alias->type);
        return ENOSPC;
    }
    n_aliases++;
    return 0;
}

bool
dpif_type_exists(const char *type)
{
    return dpif_lookup_provider(type) != NULL;
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

size_t
dpif_get_types(const char ***typesp)
{
    const char **types;

    dpif_register_builtins();
    types = xcalloc(n_providers + 1, sizeof *types);
    for (size_t i = 0; i < n_providers; i++) {
        types[i] = providers[i]->type;
    }
    qsort(types, n_providers, sizeof *types, compare_strings);
    *typesp = types;
    return n_providers;
}

char *
dpif_types_string(void)
{
    struct dstr s = DSTR_INITIALIZER;
    const char **types;
    size_t n = dpif_get_types(&types);

    dstr_put_list(&s, types, n, true);
    free(types);
    return dstr_steal(&s);
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
    } else {
        /* An alias's instances report the alias as their type. */
        (*dpifp)->class = class;
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
dpif_set_config(struct dpif *dpif, const struct smap *other_config,
                char **errorp)
{
    char *error = NULL;
    int retval = (dpif->class->set_config
                  ? dpif->class->set_config(dpif, other_config, &error)
                  : 0);

    if (errorp) {
        *errorp = error;
    } else {
        free(error);
    }
    return retval;
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

int
dpif_mirror_stats(const struct dpif *dpif, uint32_t id,
                  uint64_t *packets, uint64_t *bytes)
{
    *packets = *bytes = 0;
    if (id >= DPIF_MAX_MIRROR_IDS) {
        return EINVAL;
    }
    return (dpif->class->mirror_stats
            ? dpif->class->mirror_stats(dpif, id, packets, bytes)
            : EOPNOTSUPP);
}

int
dpif_queue_stats(const struct dpif *dpif, uint32_t port_no,
                 struct dpif_queue_stats *stats, size_t max)
{
    return (dpif->class->queue_stats
            ? dpif->class->queue_stats(dpif, port_no, stats, max)
            : -ENOENT);
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

int
dpif_trace(struct dpif *dpif, uint32_t port_no, const void *frame,
           size_t len, struct dstr *out)
{
    return (dpif->class->trace
            ? dpif->class->trace(dpif, port_no, frame, len, out)
            : EOPNOTSUPP);
}

int
dpif_pmd_dump(const struct dpif *dpif, struct dpif_pmd **pmds, size_t *n)
{
    *pmds = NULL;
    *n = 0;
    return (dpif->class->pmd_dump
            ? dpif->class->pmd_dump(dpif, pmds, n)
            : EOPNOTSUPP);
}

void
dpif_pmd_dump_free(struct dpif_pmd *pmds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(pmds[i].rxqs);
    }
    free(pmds);
}

int
dpif_pmd_stats_clear(struct dpif *dpif)
{
    return (dpif->class->pmd_stats_clear
            ? dpif->class->pmd_stats_clear(dpif)
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
