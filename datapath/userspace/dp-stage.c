/*
 * dp-stage.c -- the ordered stage table (dp-stage.h): the built-in
 * stages, run-time registration, the per-stage comparison of
 * configurations, and the trace helper stages call.
 */
#include <config.h>
#include "dp-stage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#include "pipeline.h"

static const struct dp_stage_class *stages[DP_MAX_STAGES] = {
#define DP_STAGE(NAME) &dp_stage_##NAME,
    DP_STAGES
#undef DP_STAGE
};

static size_t n_stages = 0
#define DP_STAGE(NAME) + 1
    DP_STAGES
#undef DP_STAGE
    ;

/* Forwarding contexts in existence: while any exists, the table is fixed. */
static atomic_uint n_holders;

size_t
dp_stages_get(const struct dp_stage_class *const **stagesp)
{
    *stagesp = stages;
    return n_stages;
}

const struct dp_stage_class *
dp_stage_find(const char *name)
{
    for (size_t i = 0; i < n_stages; i++) {
        if (!strcmp(stages[i]->name, name)) {
            return stages[i];
        }
    }
    return NULL;
}

/* Inserts 'stage' right after the stage named 'after' (NULL: first).
 * Returns 0, EBUSY (a datapath exists), EEXIST (the name is taken), ENOENT
 * (no stage 'after') or ENOSPC.  Main thread only. */
int
dp_stage_register(const struct dp_stage_class *stage, const char *after)
{
    size_t pos = 0;

    if (atomic_load(&n_holders)) {
        return EBUSY;
    } else if (dp_stage_find(stage->name)) {
        return EEXIST;
    } else if (n_stages >= DP_MAX_STAGES) {
        return ENOSPC;
    }
    if (after) {
        const struct dp_stage_class *prev = dp_stage_find(after);

        if (!prev) {
            return ENOENT;
        }
        while (stages[pos] != prev) {
            pos++;
        }
        pos++;
        if (pos == n_stages && prev == &dp_stage_output) {
            /* Nothing may follow output: after netdev_send() the packets
             * belong to the devices. */
            return EINVAL;
        }
    }
    memmove(&stages[pos + 1], &stages[pos],
            (n_stages - pos) * sizeof *stages);
    stages[pos] = stage;
    n_stages++;
    return 0;
}

/* Removes 'stage' from the table.  Returns 0, EBUSY or ENOENT. */
int
dp_stage_unregister(const struct dp_stage_class *stage)
{
    if (atomic_load(&n_holders)) {
        return EBUSY;
    }
    for (size_t i = 0; i < n_stages; i++) {
        if (stages[i] == stage) {
            memmove(&stages[i], &stages[i + 1],
                    (n_stages - i - 1) * sizeof *stages);
            n_stages--;
            return 0;
        }
    }
    return ENOENT;
}

bool
dp_stage_owns_drop(const struct dp_stage_class *stage,
                   enum dp_drop_reason reason)
{
    for (const enum dp_drop_reason *r = stage->drops; r && *r; r++) {
        if (*r == reason) {
            return true;
        }
    }
    return false;
}

void
dp_stages_hold(void)
{
    atomic_fetch_add(&n_holders, 1);
}

void
dp_stages_release(void)
{
    atomic_fetch_sub(&n_holders, 1);
}

/* Configuration. */

static bool
vlan_sets_changed(unsigned int which, const struct dpif_port_config *old,
                  const struct dpif_port_config *new)
{
    for (size_t i = 0; i < DP_N_VLAN_SETS; i++) {
        if (which & (1u << i)
            && !dp_vlan_set_equal(old->vlan_sets[i], new->vlan_sets[i])) {
            return true;
        }
    }
    return false;
}

/* The effects (enum dp_stage_effect) that going from 'old' to 'new' calls
 * for: those of every stage whose settings differ. */
unsigned int
dp_stages_port_changes(const struct dpif_port_config *old,
                       const struct dpif_port_config *new)
{
    unsigned int effects = 0;

    for (size_t i = 0; i < n_stages; i++) {
        const struct dp_stage_class *s = stages[i];

        if ((s->port_config_size
             && memcmp(dp_stage_port_config(s, old),
                       dp_stage_port_config(s, new), s->port_config_size))
            || vlan_sets_changed(s->port_vlan_sets, old, new)) {
            effects |= s->on_port_change;
        }
    }
    return effects;
}

unsigned int
dp_stages_bridge_changes(const struct dpif_bridge_config *old,
                         const struct dpif_bridge_config *new)
{
    unsigned int effects = 0;

    for (size_t i = 0; i < n_stages; i++) {
        const struct dp_stage_class *s = stages[i];

        if (s->bridge_config_size
            && memcmp(dp_stage_bridge_config(s, old),
                      dp_stage_bridge_config(s, new),
                      s->bridge_config_size)) {
            effects |= s->on_bridge_change;
        }
    }
    return effects;
}

/* Tracing. */

void
dp_trace(struct dp_ctx *ctx, const char *format, ...)
{
    va_list args;

    if (!ctx->trace) {
        return;
    }
    dstr_puts(ctx->trace, "    ");
    va_start(args, format);
    dstr_vprintf(ctx->trace, format, args);
    va_end(args);
    dstr_putc(ctx->trace, '\n');
}
