/*
 * output.c -- the "output" stage: send each port's queued frames.
 *
 * For every port that the forward and mirror stages queued frames for, in
 * the order it first got one: frames the port cannot take are dropped,
 * released and counted against it (a GSO super-frame to a port that does
 * not accept offloads: GSO_UNSUPPORTED; a payload larger than the port's
 * MTU, its "output" setting: MTU), every other frame gets the egress tag
 * its VLAN policy calls for, or the one a stage set with the frame (a
 * mirror copy to an RSPAN VLAN), as tpid/tci in the transmit batch
 * (netdev_send() inserts it, in shared code), and the batch goes to
 * netdev_send() on the thread's own transmit queue, which takes ownership
 * of each queued reference -- a frame queued to this port alone is then
 * exclusively its own, so a device that adopts buffers takes it without a
 * copy.  Frames the device could not take are counted as TX_FULL.  A port
 * with a userspace shaper (shaper.h) gets its frames through the shaper
 * instead: copied into their queues and sent as the rates allow, now or
 * on a later pass of a forwarding thread (dp_output_drain_shapers()).
 * Partial checksums need nothing here: a netdev that does not accept
 * offloads finishes them on its own copy.  A port given more than a
 * batch's worth has the first batch sent at once (dp_output_flush(), from
 * dp_ctx_enqueue()).
 *
 * While tracing nothing is sent or counted: each port and the tag its
 * frame would leave with, or why it would not, is described instead.
 *
 * Held sends.  A forwarding thread (ctx->hold_tx) does not send each
 * port's frames when their batch's pipeline ends, but moves them, checked
 * and tagged, to the port's held batch (ctx->held), where the frames of
 * the next batches join them: a port fed by several queues then gets one
 * send of a full batch rather than one small send per queue -- a device's
 * transmit call (and a vhost-user guest's notification) costs about the
 * same for 5 frames as for 32.  This is DPDK's l2fwd "tx buffer".  A held
 * batch that fills is sent at once; the thread sends the rest with
 * dp_output_flush_held() at the end of each pass, or, with Open_vSwitch
 * other_config:tx-flush-interval, once the oldest frame has waited that
 * long -- and always after a pass that received nothing, before it
 * sleeps, takes a new snapshot or lets a grace period end (dpu-pmd.c).
 * Only frames in buffers of their own are held: a batch received into
 * the thread's lent buffers (ctx->batch_owned false) is sent with its
 * pipeline, since the next receive reuses them; so are frames for a port
 * with a userspace shaper, which queues them anyway.  The stages see
 * only their own batch's frames in ctx->tx.
 */
#include <config.h>
#include "pipeline.h"

#include <inttypes.h>

#include "dp-config.h"
#include "dp-qos.h"
#include "netdev.h"
#include "shaper.h"
#include "vlan.h"

/* Returns why 'out' cannot take 'p', or DP_DROP_NONE. */
static enum dp_drop_reason
output_check(const struct dp_port *out, const struct dp_packet *p)
{
    int mtu = out->cfg.output.mtu;

    if (p->ol.gso_type) {
        return out->offloads ? DP_DROP_NONE : DP_DROP_GSO_UNSUPPORTED;
    }
    if (mtu > 0 && dp_packet_size(p) > (uint32_t) mtu + ETH_HEADER_LEN) {
        return DP_DROP_MTU;
    }
    return DP_DROP_NONE;
}

/* The tag the frame in slot 'i' of 'tx' leaves 'out' with: the one a
 * stage set (dp_ctx_enqueue_tagged()), else the port's VLAN policy's. */
static void
output_tag(const struct dp_port *out, const struct netdev_tx_batch *tx,
           uint32_t preset, unsigned int i, uint16_t *tpid, uint16_t *tci)
{
    if (preset & (UINT32_C(1) << i)) {
        *tpid = tx->tpid[i];
        *tci = tx->tci[i];
    } else {
        vlan_egress_tag(&out->cfg, tx->packets[i], tpid, tci);
    }
}

/* Hands 'tx' to the device on the thread's queue and counts the outcome
 * against port counters 'c'. */
static void
output_send(struct dp_ctx *ctx, const struct dp_port *out,
            struct netdev_tx_batch *tx, struct dp_port_counters *c)
{
    unsigned int n = tx->count;
    int sent;

    if (!n) {
        return;
    }
    ctx->tx_calls++;
    ctx->tx_frames += n;
    sent = netdev_send(out->netdev, ctx->qid, tx);
    if (sent < 0) {
        counter_add(&c->tx_errors, n);
        sent = 0;
    } else if ((unsigned int) sent > n) {
        sent = n;
    }
    if ((unsigned int) sent < n) {
        counter_add(&c->tx_dropped, n - sent);
        counter_add(&c->drops[DP_DROP_TX_FULL], n - sent);
    }
    /* netdev_send() owns the packets now: it reports the bytes. */
    counter_add(&c->tx_packets, sent);
    counter_add(&c->tx_bytes, tx->sent_bytes);
}

/* Sends what 'out''s shaper lets go now, with its lock held. */
static void
output_drain_locked(struct dp_ctx *ctx, const struct dp_port *out,
                    struct dp_port_counters *c, long long now_ms)
{
    struct dp_packet pk[DP_BATCH_SIZE];
    struct netdev_tx_batch tx;
    unsigned int n;

    /* A bounded amount per call, so one port cannot hold a thread. */
    for (int round = 0; round < 8; round++) {
        n = dp_shaper_dequeue(out->shaper, now_ms, pk, DP_BATCH_SIZE);
        if (!n) {
            break;
        }
        tx.count = n;
        for (unsigned int i = 0; i < n; i++) {
            tx.packets[i] = &pk[i];
            tx.tpid[i] = 0;
            tx.tci[i] = 0;
            tx.queue[i] = 0;
        }
        output_send(ctx, out, &tx, c);
    }
}

/* 'tx' through 'out''s userspace shaper or egress policer. */
static void
output_shaped(struct dp_ctx *ctx, const struct dp_port *out,
              struct netdev_tx_batch *tx, struct dp_port_counters *c)
{
    struct dp_shaper *s = out->shaper;
    long long now_ms = ctx->now_ms;
    unsigned int n = 0;

    dp_shaper_lock(s);
    if (dp_shaper_is_policer(s)) {
        for (unsigned int i = 0; i < tx->count; i++) {
            struct dp_packet *p = tx->packets[i];

            if (dp_shaper_police(s, dp_packet_size(p), now_ms)) {
                tx->packets[n] = p;
                tx->tpid[n] = tx->tpid[i];
                tx->tci[n] = tx->tci[i];
                tx->queue[n++] = 0;
            } else {
                counter_add(&c->tx_dropped, 1);
                counter_add(&c->drops[DP_DROP_EGRESS_POLICED], 1);
                dp_packet_release(p);
            }
        }
        dp_shaper_unlock(s);
        tx->count = n;
        output_send(ctx, out, tx, c);
        return;
    }
    for (unsigned int i = 0; i < tx->count; i++) {
        struct dp_packet *p = tx->packets[i];
        int cls = dp_qos_find_queue(out->cfg.qos.qos, tx->queue[i]);
        enum dp_drop_reason reason;

        reason = dp_shaper_enqueue(s, cls < 0 ? 0 : cls, p, tx->tpid[i],
                                   tx->tci[i], now_ms);
        if (reason) {
            counter_add(&c->tx_dropped, 1);
            counter_add(&c->drops[reason], 1);
        }
        dp_packet_release(p);
    }
    tx->count = 0;
    output_drain_locked(ctx, out, c, now_ms);
    dp_shaper_unlock(s);
}

unsigned int
dp_output_drain_shapers(struct dp_ctx *ctx)
{
    const struct dp_snapshot *snap = ctx->snap;
    unsigned int backlog = 0;

    for (size_t i = 0; i < snap->n_shaped; i++) {
        const struct dp_port *out = &snap->ports[snap->shaped[i]];
        struct dp_shaper *s = out->shaper;

        if (dp_shaper_backlog(s)) {
            dp_shaper_lock(s);
            output_drain_locked(ctx, out,
                                dp_counters_get(ctx->counters, out->slot),
                                ctx->now_ms);
            dp_shaper_unlock(s);
            backlog += dp_shaper_backlog(s);
        }
    }
    return backlog;
}

/* Adds the frames of 'tx', ready to send, to those 'out' holds, sending
 * each full batch at once. */
static void
output_hold(struct dp_ctx *ctx, const struct dp_port *out,
            struct netdev_tx_batch *tx, struct dp_port_counters *c)
{
    struct netdev_tx_batch *h = &ctx->held[out->index];
    unsigned int i = 0;

    if (!h->count && tx->count == DP_BATCH_SIZE) {
        output_send(ctx, out, tx, c);
        return;
    }
    while (i < tx->count) {
        unsigned int n = MIN(DP_BATCH_SIZE - h->count, tx->count - i);

        if (!h->count) {
            ctx->held_ns[out->index] = ctx->now_ns;
            if (!ctx->held_listed[out->index]) {
                ctx->held_listed[out->index] = true;
                ctx->held_ports[ctx->n_held++] = out->index;
            }
        }
        memcpy(&h->packets[h->count], &tx->packets[i], n * sizeof *tx->packets);
        memcpy(&h->tpid[h->count], &tx->tpid[i], n * sizeof *tx->tpid);
        memcpy(&h->tci[h->count], &tx->tci[i], n * sizeof *tx->tci);
        memcpy(&h->queue[h->count], &tx->queue[i], n * sizeof *tx->queue);
        h->count += n;
        i += n;
        if (h->count == DP_BATCH_SIZE) {
            output_send(ctx, out, h, c);
            h->count = 0;
        }
    }
    tx->count = 0;
}

void
dp_output_flush_held(struct dp_ctx *ctx, long long max_wait_ns)
{
    size_t n = 0;

    for (size_t i = 0; i < ctx->n_held; i++) {
        uint32_t idx = ctx->held_ports[i];
        struct netdev_tx_batch *h = &ctx->held[idx];

        if (h->count
            && (max_wait_ns < 0
                || ctx->now_ns - ctx->held_ns[idx] >= max_wait_ns)) {
            const struct dp_port *out = &ctx->snap->ports[idx];

            output_send(ctx, out, h,
                        dp_counters_get(ctx->counters, out->slot));
            h->count = 0;
        }
        if (h->count) {
            ctx->held_ports[n++] = idx;
        } else {
            ctx->held_listed[idx] = false;
        }
    }
    ctx->n_held = n;
}

static void
output_port(struct dp_ctx *ctx, const struct dp_port *out,
            struct netdev_tx_batch *tx, uint32_t preset)
{
    struct dp_port_counters *c = dp_counters_get(ctx->counters, out->slot);
    unsigned int n = 0;

    for (unsigned int i = 0; i < tx->count; i++) {
        struct dp_packet *p = tx->packets[i];
        enum dp_drop_reason reason = output_check(out, p);
        uint16_t tpid, tci;

        if (reason) {
            counter_add(&c->tx_dropped, 1);
            counter_add(&c->drops[reason], 1);
            dp_packet_release(p);
            continue;
        }
        output_tag(out, tx, preset, i, &tpid, &tci);
        tx->tpid[n] = tpid;
        tx->tci[n] = tci;
        tx->queue[n] = tx->queue[i];
        tx->packets[n++] = p;
    }
    tx->count = n;
    if (!n) {
        return;
    }
    if (out->shaper) {
        output_shaped(ctx, out, tx, c);
    } else if (ctx->hold_tx && ctx->batch_owned) {
        output_hold(ctx, out, tx, c);
    } else {
        struct netdev_tx_batch *h = ctx->held ? &ctx->held[out->index] : NULL;

        if (h && h->count) {
            /* Frames that came earlier leave earlier. */
            output_send(ctx, out, h, c);
            h->count = 0;
        }
        output_send(ctx, out, tx, c);
    }
}

/* What output_port() would do, described; releases the packets. */
static void
output_trace(struct dp_ctx *ctx, const struct dp_port *out,
             struct netdev_tx_batch *tx, uint32_t preset, size_t *n_sent,
             enum dp_drop_reason *last_drop)
{
    for (unsigned int i = 0; i < tx->count; i++) {
        struct dp_packet *p = tx->packets[i];
        enum dp_drop_reason reason = output_check(out, p);
        uint16_t tpid, tci;

        if (reason) {
            dp_trace(ctx, "%s (%"PRIu32"): drop: %s (%s)", out->cfg.name,
                     out->port_no, dp_drop_name(reason),
                     dp_drop_description(reason));
            *last_drop = reason;
        } else {
            output_tag(out, tx, preset, i, &tpid, &tci);
            if (tpid) {
                dp_trace(ctx, "%s (%"PRIu32"): tagged %04x VID %u PCP %u",
                         out->cfg.name, out->port_no, tpid, tci & 0xfff,
                         tci >> 13);
            } else {
                dp_trace(ctx, "%s (%"PRIu32"): untagged", out->cfg.name,
                         out->port_no);
            }
            (*n_sent)++;
        }
        dp_packet_release(p);
    }
}

/* Sends (or, tracing, describes) what is queued for port 'idx'. */
static void
output_flush(struct dp_ctx *ctx, uint32_t idx, size_t *n_sent,
             enum dp_drop_reason *last_drop)
{
    struct netdev_tx_batch *tx = &ctx->tx[idx];

    if (DP_TRACING(ctx)) {
        output_trace(ctx, &ctx->snap->ports[idx], tx, ctx->preset[idx],
                     n_sent, last_drop);
    } else {
        output_port(ctx, &ctx->snap->ports[idx], tx, ctx->preset[idx]);
    }
    tx->count = 0;
    ctx->preset[idx] = 0;
}

void
dp_output_flush(struct dp_ctx *ctx, uint32_t idx)
{
    enum dp_drop_reason last_drop = DP_DROP_NONE;
    size_t n_sent = 0;

    output_flush(ctx, idx, &n_sent, &last_drop);
}

static void
output_run(struct dp_ctx *ctx, const struct dp_port *in,
           struct dp_packet_batch *batch, void *state)
{
    size_t n_sent = 0;
    enum dp_drop_reason last_drop = DP_DROP_NONE;

    for (size_t i = 0; i < ctx->n_active; i++) {
        output_flush(ctx, ctx->active[i], &n_sent, &last_drop);
    }
    ctx->n_active = 0;

    if (DP_TRACING(ctx) && !batch->packets[0]->drop) {
        if (n_sent) {
            dstr_printf(ctx->trace, "result: output to %zu port%s\n",
                        n_sent, n_sent == 1 ? "" : "s");
        } else {
            dstr_printf(ctx->trace, "result: dropped by output: %s\n",
                        dp_drop_name(last_drop));
        }
    }
}

const struct dp_stage_class dp_stage_output = {
    .name = "output",
    .run = output_run,
    DP_STAGE_PORT_CONFIG(output),
    DP_STAGE_DROPS(DP_DROP_MTU, DP_DROP_TX_FULL, DP_DROP_GSO_UNSUPPORTED,
                   DP_DROP_EGRESS_POLICED, DP_DROP_QOS_QUEUE_FULL),
};
