/*
 * shaper.h -- the userspace egress shaper: QoS for ports whose device has
 * no queues of its own (dummy today; DPDK and vhost-user ports later; the
 * switch's own TAPs, whose kernel egress is the guest's side).
 *
 * Semantics are HTB's, as the kernel applies them to "system" ports:
 * every queue (class) has a guaranteed rate (min-rate), a ceiling
 * (max-rate, else the port's) and a priority; the port has a total
 * (QoS max-rate).  A frame may leave when its class is under its
 * guaranteed rate and the port under its total; otherwise, when its class
 * is under its ceiling and the port under its total, it borrows, lower
 * priority values first and round-robin among equals.  Each rate is a
 * token bucket in bytes, refilled from time_now_msec() (so tests warp
 * time) and allowed to go negative by one frame, so a GSO super-frame
 * larger than a bucket still leaves, paid for afterwards.
 *
 * Frames that cannot leave yet wait in their class's queue: a copy of the
 * frame (the pipeline's buffers live only until the next receive) in a
 * byte ring of the class, bounded both in frames and in bytes (about 50 ms
 * at the class's ceiling, at least 64 KiB).  A frame that does not fit is
 * dropped and counted as "qos-queue-full".  Forwarding threads drain the
 * queues whenever they send to the port and on every pass of their loop
 * while a backlog exists.
 *
 * The "egress-policer" type has no queues: a frame over the cir/cbs
 * bucket (IP bytes: the frame minus its Ethernet header) is dropped and
 * counted as "egress-policed".
 *
 * Thread safety: a shaper belongs to a port and is shared by every
 * forwarding thread that sends to it; its mutex is taken once per batch
 * (never per frame).  dp_shaper_backlog() reads an atomic without it.
 */
#ifndef SHAPER_H
#define SHAPER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dp-packet.h"
#include "dpif.h"

struct dp_shaper;

/* Life (main thread).  dp_shaper_reconcile() returns the shaper port
 * configuration 'pc' calls for: 'old' if it still fits (NULL if none is
 * needed), else a new one, in which case 'old' is stored in '*retired'
 * for the caller to destroy after the grace period. */
struct dp_shaper *dp_shaper_create(const struct dpif_qos *);
void dp_shaper_destroy(struct dp_shaper *);
struct dp_shaper *dp_shaper_reconcile(struct dp_shaper *old,
                                      const struct dpif_port_config *pc,
                                      struct dp_shaper **retired);

void dp_shaper_lock(struct dp_shaper *);
void dp_shaper_unlock(struct dp_shaper *);

/* With the lock held.  dp_shaper_enqueue() copies 'p' (with egress tag
 * 'tpid'/'tci' put in) into the queue of class 'cls', returning
 * DP_DROP_NONE or why it was dropped instead; the caller still owns 'p'.
 * dp_shaper_dequeue() takes up to 'max' frames that may leave at 'now_ms'
 * and points the descriptors 'pk' at them; they stay valid until the next
 * enqueue.  dp_shaper_police() says whether a frame of 'size' bytes
 * passes the egress policer (charging it) at 'now_ms'. */
enum dp_drop_reason dp_shaper_enqueue(struct dp_shaper *, unsigned int cls,
                                      const struct dp_packet *p,
                                      uint16_t tpid, uint16_t tci,
                                      long long now_ms);
unsigned int dp_shaper_dequeue(struct dp_shaper *, long long now_ms,
                               struct dp_packet *pk, unsigned int max);
bool dp_shaper_police(struct dp_shaper *, uint32_t size, long long now_ms);
bool dp_shaper_is_policer(const struct dp_shaper *);

/* Frames waiting (any thread, no lock). */
unsigned int dp_shaper_backlog(const struct dp_shaper *);

/* Counters, per queue in id order (main thread; takes the lock). */
size_t dp_shaper_stats(struct dp_shaper *, struct dpif_queue_stats *,
                       size_t max, long long now_ms);

#endif /* shaper.h */
