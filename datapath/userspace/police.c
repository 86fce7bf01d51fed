/*
 * police.c -- the "police" stage: ingress policing of every port type.
 *
 * Interface:ingress_policing_rate (kbit/s) with ingress_policing_burst
 * (kbit; 0 means OVS's default of 8000 kbit) and, independently,
 * ingress_policing_kpkts_rate (kilo-packets/s) with _kpkts_burst (0: 16
 * kilo-packets) are token buckets; a received frame that finds either
 * bucket empty is dropped and counted as "ingress-policed".  Bits counted
 * are the frame's (a GSO super-frame counts all its bytes).
 *
 * The buckets are per forwarding thread (this stage's state, indexed by
 * the port's counter slot), so no lock or shared cache line is touched:
 * each of a port's receive queues is polled by one thread, and each gets
 * rate / n_rxq.  (Two queues of one port on the same thread then share a
 * bucket of that size: rare, and on the safe side.)  A bucket starts full
 * and starts again when the port's settings change.  Time is
 * time_now_msec(), so tests warp it.
 */
#include <config.h>
#include "pipeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dp-config.h"
#include "util.h"

#define POLICE_DEFAULT_KBITS 8000
#define POLICE_DEFAULT_KPKTS 16

struct police_bucket {
    struct dpif_police_port_config cfg; /* What it was set up for. */
    unsigned int n_rxq;
    int64_t bits, pkts;         /* Tokens: milli-bits, milli-packets. */
    int64_t max_bits, max_pkts;
    long long last_ms;
    bool valid;
};

struct police_state {
    struct police_bucket *buckets;      /* Indexed by counter slot. */
    size_t n;
};

static void
police_state_destroy(void *state_)
{
    struct police_state *state = state_;

    free(state->buckets);
}

static struct police_bucket *
police_bucket(struct police_state *st, const struct dp_port *in,
              long long now_ms)
{
    const struct dpif_police_port_config *cfg = &in->cfg.police;
    unsigned int n_rxq = in->n_rxq ? in->n_rxq : 1;
    struct police_bucket *b;

    if (in->slot >= st->n) {
        size_t n = MAX(in->slot + 1, st->n * 2);

        /* Once per port and thread, the first time the port polices. */
        st->buckets = xrealloc(st->buckets, n * sizeof *st->buckets);
        memset(&st->buckets[st->n], 0, (n - st->n) * sizeof *st->buckets);
        st->n = n;
    }
    b = &st->buckets[in->slot];
    if (!b->valid || b->n_rxq != n_rxq
        || memcmp(&b->cfg, cfg, sizeof *cfg)) {
        uint64_t kbits = cfg->kbits ? cfg->kbits : POLICE_DEFAULT_KBITS;
        uint64_t kpkts = (cfg->kpkts_burst ? cfg->kpkts_burst
                          : POLICE_DEFAULT_KPKTS);

        memset(b, 0, sizeof *b);
        b->cfg = *cfg;
        b->n_rxq = n_rxq;
        b->max_bits = (int64_t) (kbits * 1000 * 1000 / n_rxq);
        b->max_pkts = (int64_t) (kpkts * 1000 * 1000 / n_rxq);
        b->bits = b->max_bits;
        b->pkts = b->max_pkts;
        b->last_ms = now_ms;
        b->valid = true;
    }
    return b;
}

static void
police_refill(struct police_bucket *b, long long now_ms)
{
    long long dt = now_ms - b->last_ms;

    if (dt <= 0) {
        return;
    }
    /* kbit/s times ms is bits; kept in milli-bits. */
    b->bits = MIN(b->max_bits, b->bits + (int64_t) (b->cfg.kbps * 1000
                                                    / b->n_rxq) * dt);
    b->pkts = MIN(b->max_pkts, b->pkts + (int64_t) (b->cfg.kpkts_rate
                                                    * 1000 / b->n_rxq)
                                         * dt);
    b->last_ms = now_ms;
}

static void
police_run(struct dp_ctx *ctx, const struct dp_port *in,
           struct dp_packet_batch *batch, void *state)
{
    const struct dpif_police_port_config *cfg = &in->cfg.police;
    struct police_bucket *b;
    struct dp_packet *p;

    if (!cfg->kbps && !cfg->kpkts_rate) {
        return;
    }
    b = police_bucket(state, in, ctx->now_ms);
    police_refill(b, ctx->now_ms);
    DP_PACKET_BATCH_FOR_EACH (i, p, batch) {
        int64_t bits = (int64_t) dp_packet_size(p) * 8 * 1000;

        if (p->drop) {
            continue;
        }
        if ((cfg->kbps && b->bits < bits)
            || (cfg->kpkts_rate && b->pkts < 1000)) {
            p->drop = DP_DROP_INGRESS_POLICED;
            continue;
        }
        if (DP_TRACING(ctx)) {
            dp_trace(ctx, "within the port's policing rate");
            continue;
        }
        if (cfg->kbps) {
            b->bits -= bits;
        }
        if (cfg->kpkts_rate) {
            b->pkts -= 1000;
        }
    }
}

const struct dp_stage_class dp_stage_police = {
    .name = "police",
    .run = police_run,
    DP_STAGE_PORT_CONFIG(police),
    .state_size = sizeof(struct police_state),
    .state_destroy = police_state_destroy,
    DP_STAGE_DROPS(DP_DROP_INGRESS_POLICED),
};
