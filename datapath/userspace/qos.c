/*
 * qos.c -- the "qos" stage: the egress queue of every frame queued for
 * output on a port with QoS, and the queue's DSCP re-marking.
 *
 * For each port the forward stage queued frames to, if the port has QoS
 * with queues (cfg.qos), each frame's queue id goes into the transmit
 * batch (tx->queue[i]) by dp_qos_classify()'s rules (dp-qos.h): the
 * input port's qos-queue, then the queues' filters, PCP and DSCP sets in
 * id order, else queue 0.  The output stage hands the queue to the device
 * (a kernel HTB class) or to the port's userspace shaper.  A QoS with only
 * queue 0 and no qos-queue on the input port costs one test per port.
 *
 * Queue:dscp rewrites the DSCP of IP frames that leave through that queue.
 * A frame flooded to several ports is one buffer shared by them, so it is
 * re-marked only when this port is its only destination (documented in
 * vswitch.conf.db(5)).
 */
#include <config.h>
#include "pipeline.h"

#include <inttypes.h>

#include "dp-config.h"
#include "dp-qos.h"
#include "vlan.h"

static void
qos_port(struct dp_ctx *ctx, const struct dp_port *in,
         const struct dp_port *out, struct netdev_tx_batch *tx)
{
    const struct dpif_qos *qos = out->cfg.qos.qos;
    int32_t ingress_queue = in->cfg.qos.ingress_queue;

    if (qos->desc.type != DPIF_QOS_HTB
        || (!qos->steers && ingress_queue < 0 && qos->desc.n_queues <= 1
            && qos->desc.queues[0].dscp < 0)) {
        return;
    }
    for (unsigned int i = 0; i < tx->count; i++) {
        struct dp_packet *p = tx->packets[i];
        const struct dpif_qos_queue_desc *q;
        uint16_t tpid, tci;
        unsigned int idx;

        vlan_egress_tag(&out->cfg, p, &tpid, &tci);
        idx = dp_qos_classify(qos, p, tpid, tci, ingress_queue);
        q = &qos->desc.queues[idx];
        tx->queue[i] = q->id;
        if (q->dscp >= 0 && !dp_packet_is_shared(p) && !DP_TRACING(ctx)) {
            dp_qos_set_dscp(dp_packet_data(p), dp_packet_size(p), q->dscp);
        }
        if (DP_TRACING(ctx)) {
            dp_trace(ctx, "%s (%"PRIu32"): queue %"PRIu32"%s",
                     out->cfg.name, out->port_no, q->id,
                     out->cfg.qos.kernel ? " (kernel htb)"
                                         : " (userspace shaper)");
        }
    }
}

static void
qos_run(struct dp_ctx *ctx, const struct dp_port *in,
        struct dp_packet_batch *batch, void *state)
{
    for (size_t i = 0; i < ctx->n_active; i++) {
        uint32_t idx = ctx->active[i];
        const struct dp_port *out = &ctx->snap->ports[idx];

        if (out->cfg.qos.qos) {
            qos_port(ctx, in, out, &ctx->tx[idx]);
        }
    }
}

const struct dp_stage_class dp_stage_qos = {
    .name = "qos",
    .run = qos_run,
    DP_STAGE_PORT_CONFIG(qos),
};
