/*
 * flow-cache.h -- the exporter's flow cache: per-flow deltas in, flow
 * records out, with NetFlow/IPFIX timeouts and a size limit.
 *
 * The forwarding threads count packets per flow and the main thread
 * drains those counts (dpif_flows_drain()) into one cache per exporter
 * (a bridge's NetFlow, a bridge's IPFIX) with fx_cache_add().  A flow
 * stays in the cache while packets keep coming; the cache turns it into a
 * record -- the packets and bytes since its previous record, never a
 * running total -- when:
 *
 *   - it has been idle for the inactive timeout: the record ends the flow
 *     (reason FX_END_IDLE);
 *
 *   - its current record is older than the active timeout: the record is
 *     exported and the flow stays, with counts starting again from zero
 *     (FX_END_ACTIVE), so a long flow is reported every active timeout
 *     and its records add up to the whole;
 *
 *   - the cache is full and a new flow arrives: the flow whose record
 *     started longest ago is exported early and removed
 *     (FX_END_RESOURCES), and counted as evicted -- a flood of new flows
 *     costs early records, never lost counts;
 *
 *   - the exporter goes away or changes: everything is exported
 *     (FX_END_FORCED).
 *
 * Records are handed to a callback as they are made.  Expiry is checked by
 * fx_cache_run() at most every FX_CACHE_SCAN_MS (a pass over every flow),
 * so timeouts are honoured to within that.
 *
 * Times are time_now_msec() values, so tests can warp them.
 *
 * Thread safety: none; one thread (the main thread) owns a cache.
 */
#ifndef FLOW_CACHE_H
#define FLOW_CACHE_H 1

#include <stddef.h>
#include <stdint.h>
#include "flow-key.h"

#define FX_CACHE_SCAN_MS 1000

/* flowEndReason values (IPFIX IE 136). */
enum fx_end_reason {
    FX_END_IDLE = 1,
    FX_END_ACTIVE = 2,
    FX_END_FORCED = 4,
    FX_END_RESOURCES = 5,
};

/* Egress interface of a flooded flow, in every format. */
#define FX_PORT_FLOOD 0xffff

struct fx_record {
    struct flow_key key;
    uint32_t out_port;          /* 0: none; FX_PORT_FLOOD: several. */
    uint64_t packets, bytes;
    long long start_ms, end_ms; /* First and last packet of the record. */
    uint8_t tcp_flags;
    uint8_t end_reason;         /* enum fx_end_reason. */
};

typedef void fx_record_cb(const struct fx_record *, void *aux);

struct fx_cache_stats {
    size_t n_flows;             /* In the cache now. */
    uint64_t created;           /* Flows ever added. */
    uint64_t records;           /* Records made. */
    uint64_t evicted;           /* Flows exported early: cache full. */
};

struct fx_cache;

/* 'active_ms' <= 0: no active timeout. */
struct fx_cache *fx_cache_create(size_t max_flows, long long active_ms,
                                 long long idle_ms);
void fx_cache_set_limits(struct fx_cache *, size_t max_flows,
                         long long active_ms, long long idle_ms,
                         fx_record_cb *, void *aux);
void fx_cache_destroy(struct fx_cache *, fx_record_cb *, void *aux);

/* Adds 'packets' and 'bytes' seen between 'first_ms' and 'last_ms' to the
 * flow 'key' (created if new, which may evict another). */
void fx_cache_add(struct fx_cache *, const struct flow_key *key,
                  uint32_t out_port, uint64_t packets, uint64_t bytes,
                  long long first_ms, long long last_ms, uint8_t tcp_flags,
                  fx_record_cb *, void *aux);

/* Expires flows at 'now_ms' (see above).  Returns when it wants to run
 * again. */
long long fx_cache_run(struct fx_cache *, long long now_ms,
                       fx_record_cb *, void *aux);

/* Exports every flow with FX_END_FORCED and empties the cache. */
void fx_cache_flush(struct fx_cache *, fx_record_cb *, void *aux);

void fx_cache_get_stats(const struct fx_cache *, struct fx_cache_stats *);

/* Bytes of memory per cached flow (for benchmarks and the show
 * commands). */
size_t fx_cache_flow_size(void);

#endif /* flow-cache.h */
