/*
 * mirror.c -- the "mirror-in" and "mirror-out" stages: SPAN and RSPAN
 * copies of the frames a bridge's mirrors select (mirror.h).
 */
#include <config.h>
#include "mirror.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "dp-config.h"
#include "dp-stage.h"
#include "pipeline.h"
#include "util.h"
#include "vlan.h"

/* Selection and destinations. */

bool
mirror_filter_match(const struct bpf_program *prog, const uint8_t *frame,
                    uint32_t len)
{
    struct pcap_pkthdr h;

    memset(&h, 0, sizeof h);
    h.caplen = len;
    h.len = len;
    return pcap_offline_filter(prog, &h, frame) != 0;
}

size_t
mirror_destinations(const struct dpif_mirror_bridge_config *mc,
                    uint32_t selected, const uint8_t *frame, uint32_t len,
                    uint16_t vlan, struct mirror_dest dests[DPIF_MAX_MIRRORS])
{
    size_t n = 0;

    while (selected) {
        unsigned int i = __builtin_ctz(selected);
        const struct dpif_mirror_config *m = &mc->mirrors[i];
        struct mirror_dest *d;
        size_t j;

        selected &= selected - 1;
        if (i >= mc->n_mirrors
            || (!m->output_port && m->output_vlan == vlan)
            || (m->filter && !mirror_filter_match(m->filter, frame, len))) {
            continue;
        }
        for (j = 0; j < n; j++) {
            if (dests[j].output_port == m->output_port
                && (m->output_port
                    || dests[j].output_vlan == m->output_vlan)) {
                break;
            }
        }
        d = &dests[j];
        if (j == n) {
            n++;
            d->output_port = m->output_port;
            d->output_vlan = m->output_port ? 0 : m->output_vlan;
            d->snaplen = m->snaplen;
            d->mirrors = 0;
        } else if (!m->snaplen || (d->snaplen && m->snaplen > d->snaplen)) {
            d->snaplen = m->snaplen;
        }
        d->mirrors |= UINT32_C(1) << i;
    }
    return n;
}

/* Traces which mirrors 'sel' names. */
static void
trace_mirrors(struct dp_ctx *ctx, const struct dpif_mirror_bridge_config *mc,
              uint32_t sel, const char *what)
{
    struct dstr ds = DSTR_INITIALIZER;

    for (uint32_t s = sel; s; s &= s - 1) {
        dstr_printf(&ds, "%s%.*s", ds.len ? ", " : "",
                    (int) sizeof mc->mirrors[0].name,
                    mc->mirrors[__builtin_ctz(s)].name);
    }
    dp_trace(ctx, "%s: %s", what, sel ? dstr_cstr(&ds) : "no mirror");
    dstr_destroy(&ds);
}

/* The "mirror-in" stage. */

static void
mirror_in_run(struct dp_ctx *ctx, const struct dp_port *in,
              struct dp_packet_batch *batch, void *state)
{
    const struct dpif_mirror_bridge_config *mc
        = &ctx->snap->bridges[in->bridge].cfg.mirror;
    struct dp_packet *p;

    if (!mc->n_mirrors) {
        if (DP_TRACING(ctx)) {
            dp_trace(ctx, "the bridge has no mirrors");
        }
        return;
    }
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        ctx->mirror_sel[i] = (p->drop ? 0
                              : mirror_select_ingress(mc, &in->cfg,
                                                      p->vlan));
    }
    if (DP_TRACING(ctx) && !batch->packets[0]->drop) {
        trace_mirrors(ctx, mc, ctx->mirror_sel[0], "selected on ingress by");
    }
}

const struct dp_stage_class dp_stage_mirror_in = {
    .name = "mirror-in",
    .run = mirror_in_run,
    DP_STAGE_PORT_CONFIG(mirror),
    DP_STAGE_BRIDGE_CONFIG(mirror),
};

/* The "mirror-out" stage. */

/* Copies cut short by a snaplen come from a pool of buffers per thread,
 * allocated (address space only) the first time one is needed and given
 * back when netdev_send() releases them, which it does before it returns:
 * a device that adopts buffers copies those that are not its own. */
#define MIRROR_POOL_SIZE (2 * DP_BATCH_SIZE)
#define MIRROR_BUF_STRIDE DP_RECV_BUF_STRIDE

struct mirror_state {
    struct dp_packet_source source;
    uint8_t *mem;
    unsigned int n_free;
    struct dp_packet *free[MIRROR_POOL_SIZE];
    struct dp_packet packets[MIRROR_POOL_SIZE];
};

static void
mirror_pool_release(struct dp_packet_source *source, struct dp_packet *p)
{
    struct mirror_state *st = CONTAINER_OF(source, struct mirror_state,
                                           source);

    st->free[st->n_free++] = p;
}

static void
mirror_state_init(void *st_)
{
    struct mirror_state *st = st_;

    st->source.release = mirror_pool_release;
    st->source.name = "mirror";
}

static void
mirror_state_destroy(void *st_)
{
    struct mirror_state *st = st_;

    free(st->mem);
}

/* Returns a copy of the first 'len' bytes of 'p', or NULL if the pool is
 * empty even after sending everything queued (which gives back every copy
 * queued so far). */
static struct dp_packet *
mirror_copy(struct dp_ctx *ctx, struct mirror_state *st,
            const struct dp_packet *p, uint32_t len)
{
    struct dp_packet *c;

    if (!st->mem) {
        st->mem = xmalloc((size_t) MIRROR_POOL_SIZE * MIRROR_BUF_STRIDE);
        for (size_t i = 0; i < MIRROR_POOL_SIZE; i++) {
            st->free[i] = &st->packets[i];
        }
        st->n_free = MIRROR_POOL_SIZE;
    }
    if (!st->n_free) {
        /* Copies wait in transmit batches, this batch's or held ones. */
        for (size_t i = 0; i < ctx->n_active; i++) {
            dp_output_flush(ctx, ctx->active[i]);
        }
        dp_output_flush_held(ctx, -1);
        if (!st->n_free) {
            return NULL;
        }
    }
    c = st->free[--st->n_free];
    dp_packet_set_data(c, st->mem + (c - st->packets) * MIRROR_BUF_STRIDE,
                       MIRROR_BUF_STRIDE, DP_PACKET_HEADROOM, len);
    memcpy(dp_packet_data(c), dp_packet_data(p), len);
    memset(&c->ol, 0, sizeof c->ol);
    c->source = &st->source;
    c->refs = 0;
    c->in_port = p->in_port;
    c->vlan = p->vlan;
    c->tpid = p->tpid;
    c->pcp = p->pcp;
    c->drop = DP_DROP_NONE;
    return c;
}

/* Queues 'c' (holding one reference, which the first queueing uses) to
 * RSPAN VLAN 'vlan': every port of the bridge that carries it.  Returns
 * how many ports. */
static size_t
mirror_rspan(struct dp_ctx *ctx, const struct dp_bridge *br,
             struct dp_packet *c, uint16_t vlan)
{
    struct dp_packet meta;
    size_t n = 0;

    /* The tag is the port's egress tag for a frame of 'vlan'. */
    memset(&meta, 0, sizeof meta);
    meta.vlan = vlan;
    meta.pcp = c->pcp;
    for (size_t i = 0; i < br->n_flood; i++) {
        const struct dp_port *out = &ctx->snap->ports[br->flood[i]];
        uint16_t tpid, tci;

        if (!vlan_port_carries(&out->cfg, vlan)) {
            continue;
        }
        vlan_egress_tag(&out->cfg, &meta, &tpid, &tci);
        if (n++) {
            dp_packet_ref(c);
        }
        dp_ctx_enqueue_tagged(ctx, out, c, tpid, tci);
        if (DP_TRACING(ctx)) {
            dp_trace(ctx, "RSPAN VLAN %u copy to %s (%"PRIu32")", vlan,
                     out->cfg.name, out->port_no);
        }
    }
    return n;
}

/* Where a frame's copies go: mirror_destinations()'s answer and each
 * SPAN destination's port (NULL if it is gone or on another bridge). */
struct mirror_plan {
    size_t n;
    struct mirror_dest dests[DPIF_MAX_MIRRORS];
    const struct dp_port *outs[DPIF_MAX_MIRRORS];
};

static void
mirror_plan(struct dp_ctx *ctx, const struct dp_port *in,
            const struct dpif_mirror_bridge_config *mc, uint32_t sel,
            const struct dp_packet *p, struct mirror_plan *plan)
{
    plan->n = mirror_destinations(mc, sel, dp_packet_data(p),
                                  dp_packet_size(p), p->vlan, plan->dests);
    for (size_t i = 0; i < plan->n; i++) {
        const struct dp_port *out = NULL;

        if (plan->dests[i].output_port) {
            out = dp_snapshot_find_port(ctx->snap,
                                        plan->dests[i].output_port);
            if (out && out->bridge != in->bridge) {
                out = NULL;
            }
        }
        plan->outs[i] = out;
    }
}

/* What a batch sent per mirror (by its index in the bridge's mirror
 * configuration), added to the thread's counters once per batch. */
struct mirror_tally {
    uint32_t touched;           /* Bit i: packets[i], bytes[i] are valid. */
    uint64_t packets[DPIF_MAX_MIRRORS];
    uint64_t bytes[DPIF_MAX_MIRRORS];
};

static void
mirror_tally_add(struct mirror_tally *t, uint32_t mirrors, uint32_t len)
{
    for (uint32_t m = mirrors; m; m &= m - 1) {
        int b = __builtin_ctz(m);

        if (!(t->touched & (UINT32_C(1) << b))) {
            t->touched |= UINT32_C(1) << b;
            t->packets[b] = t->bytes[b] = 0;
        }
        t->packets[b]++;
        t->bytes[b] += len;
    }
}

static void
mirror_tally_flush(struct dp_ctx *ctx,
                   const struct dpif_mirror_bridge_config *mc,
                   const struct mirror_tally *t)
{
    for (uint32_t m = t->touched; m; m &= m - 1) {
        int b = __builtin_ctz(m);
        struct dp_mirror_counters *mcnt
            = &ctx->counters->mirrors[mc->mirrors[b].id];

        counter_add(&mcnt->packets, t->packets[b]);
        counter_add(&mcnt->bytes, t->bytes[b]);
    }
}

/* Sends packet 'p', received on 'in', to the destinations in 'plan',
 * counting what it sent in 'tally' (unless tracing: NULL). */
static void
mirror_packet(struct dp_ctx *ctx, struct mirror_state *st,
              const struct dp_port *in, struct dp_packet *p,
              const struct mirror_plan *plan, struct mirror_tally *tally)
{
    const struct dp_bridge *br = &ctx->snap->bridges[in->bridge];

    for (size_t i = 0; i < plan->n; i++) {
        const struct mirror_dest *d = &plan->dests[i];
        uint32_t len = dp_packet_size(p);
        struct dp_packet *c = p;

        if (d->snaplen && len > d->snaplen) {
            len = d->snaplen;
            c = mirror_copy(ctx, st, p, len);
            if (!c) {
                continue;
            }
        } else {
            dp_packet_ref(p);
        }
        if (d->output_port) {
            const struct dp_port *out = plan->outs[i];

            if (!out) {
                dp_packet_release(c);
                continue;
            }
            dp_ctx_enqueue(ctx, out, c);
            if (DP_TRACING(ctx)) {
                dp_trace(ctx, "SPAN copy to %s (%"PRIu32")%s",
                         out->cfg.name, out->port_no,
                         c != p ? ", cut to snaplen" : "");
            }
        } else if (!mirror_rspan(ctx, br, c, d->output_vlan)) {
            dp_packet_release(c);
        }
        if (tally) {
            mirror_tally_add(tally, d->mirrors, len);
        }
    }
}

/* Adds to ctx->mirror_sel the mirrors that select each frame of 'batch'
 * on the ports the forward stage queued it to.  The transmit batches hold
 * only this batch's frames, each of which knows its slot in the batch
 * (p->batch_idx). */
static void
mirror_select_outputs(struct dp_ctx *ctx,
                      const struct dpif_mirror_bridge_config *mc,
                      const struct dp_packet_batch *batch)
{
    for (size_t a = 0; a < ctx->n_active; a++) {
        uint32_t idx = ctx->active[a];
        const struct dp_port *out = &ctx->snap->ports[idx];
        const struct netdev_tx_batch *tx = &ctx->tx[idx];

        if (!out->cfg.mirror.dst) {
            continue;
        }
        for (unsigned int k = 0; k < tx->count; k++) {
            const struct dp_packet *q = tx->packets[k];
            size_t j = q->batch_idx;

            if (j < batch->count && batch->packets[j] == q) {
                ctx->mirror_sel[j] |= mirror_select_egress(mc, &out->cfg,
                                                           q->vlan);
            }
        }
    }
}

static void
mirror_out_run(struct dp_ctx *ctx, const struct dp_port *in,
               struct dp_packet_batch *batch, void *state)
{
    const struct dpif_mirror_bridge_config *mc
        = &ctx->snap->bridges[in->bridge].cfg.mirror;
    struct mirror_plan plan;
    struct mirror_tally tally;  /* Not zeroed: see 'touched'. */
    uint32_t filtered = 0, plan_sel = 0;
    uint16_t plan_vlan = 0;
    bool planned = false;
    struct dp_packet *p;

    if (!mc->n_mirrors) {
        return;
    }
    tally.touched = 0;
    mirror_select_outputs(ctx, mc, batch);
    if (DP_TRACING(ctx)) {
        trace_mirrors(ctx, mc, ctx->mirror_sel[0], "selected by");
    }

    /* Frames selected by the same mirrors on the same VLAN go to the same
     * places, unless a filter looks at each frame: the plan is made once
     * per run of such frames (a SPAN of everything: once per batch). */
    for (size_t i = 0; i < mc->n_mirrors; i++) {
        if (mc->mirrors[i].filter) {
            filtered |= UINT32_C(1) << i;
        }
    }
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        uint32_t sel = ctx->mirror_sel[i];

        if (!sel) {
            continue;
        }
        if (!planned || sel != plan_sel || p->vlan != plan_vlan
            || (sel & filtered)) {
            mirror_plan(ctx, in, mc, sel, p, &plan);
            planned = true;
            plan_sel = sel;
            plan_vlan = p->vlan;
        }
        mirror_packet(ctx, state, in, p, &plan,
                      ctx->counters ? &tally : NULL);
    }
    if (ctx->counters) {
        mirror_tally_flush(ctx, mc, &tally);
    }
}

const struct dp_stage_class dp_stage_mirror_out = {
    .name = "mirror-out",
    .run = mirror_out_run,
    .state_size = sizeof(struct mirror_state),
    .state_init = mirror_state_init,
    .state_destroy = mirror_state_destroy,
};
