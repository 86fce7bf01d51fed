/*
 * output.c -- the egress stage: send each port's queued frames.
 *
 * For every port that forward.c queued frames for, in the order it first
 * got one: frames the port cannot take are dropped and counted against it
 * (a GSO super-frame to a port that does not accept offloads:
 * GSO_UNSUPPORTED; a payload larger than the port's MTU: MTU), every
 * other frame gets the egress tag its VLAN policy calls for, and the batch
 * goes to netdev_send() on the thread's own transmit queue, which takes
 * the queue's reference to each packet (a dropped one is released here).
 * Frames the device could not take are counted as TX_FULL.  Partial
 * checksums need nothing here: a netdev that does not accept offloads
 * finishes them on its own copy, so a flooded frame is never modified.
 */
#include <config.h>
#include "pipeline.h"

#include "netdev.h"
#include "vlan.h"

/* Returns why 'out' cannot take 'p', or DP_DROP_NONE. */
static enum dp_drop_reason
output_check(const struct dp_port *out, const struct dp_packet *p)
{
    if (p->ol.gso_type) {
        return out->offloads ? DP_DROP_NONE : DP_DROP_GSO_UNSUPPORTED;
    }
    if (out->mtu && dp_packet_size(p) > out->mtu + ETH_HEADER_LEN) {
        return DP_DROP_MTU;
    }
    return DP_DROP_NONE;
}

static void
output_port(struct dp_ctx *ctx, const struct dp_port *out,
            struct netdev_tx_batch *tx)
{
    struct dp_port_counters *c = dp_counters_get(ctx->counters, out->slot);
    unsigned int n = 0;
    int sent;

    for (unsigned int i = 0; i < tx->count; i++) {
        struct dp_packet *p = tx->packets[i];
        enum dp_drop_reason reason = output_check(out, p);

        if (reason) {
            counter_add(&c->tx_dropped, 1);
            counter_add(&c->drops[reason], 1);
            dp_packet_release(p);
            continue;
        }
        vlan_egress_tag(&out->vlan, p, &tx->tpid[n], &tx->tci[n]);
        tx->packets[n++] = p;
    }
    tx->count = n;
    if (!n) {
        return;
    }

    sent = netdev_send(out->netdev, ctx->qid, tx);
    if (sent < 0) {
        counter_add(&c->tx_errors, n);
        sent = 0;
    } else if ((unsigned int) sent > n) {
        sent = n;
    }
    /* netdev_send() owns the packets now: it reports the bytes. */
    counter_add(&c->tx_packets, sent);
    counter_add(&c->tx_bytes, tx->sent_bytes);
    if ((unsigned int) sent < n) {
        counter_add(&c->tx_dropped, n - sent);
        counter_add(&c->drops[DP_DROP_TX_FULL], n - sent);
    }
}

void
output_flush(struct dp_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_active; i++) {
        uint32_t idx = ctx->active[i];
        struct netdev_tx_batch *tx = &ctx->tx[idx];

        output_port(ctx, &ctx->snap->ports[idx], tx);
        tx->count = 0;
    }
    ctx->n_active = 0;
}
