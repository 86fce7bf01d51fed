/*
 * dp-qos.h -- compiled QoS descriptions (struct dpif_qos, dpif.h) and
 * what the pipeline does with them: pick a frame's egress queue and
 * re-mark its DSCP.
 *
 * A description is immutable once dpif_qos_get() has made it, so
 * forwarding threads read it without locks.  It always has a queue 0
 * (added with no limits of its own if the QoS row has none): frames no
 * queue claims go there.
 *
 * Steering.  A queue claims a frame when every rule it has matches: its
 * pcap-filter program (run on the frame as it will leave the port, egress
 * tag included), its PCP set (the priority of the egress tag, else of the
 * tag the frame came in with) and its DSCP set (of the IPv4 or IPv6
 * header, behind at most one inner tag).  A queue without rules claims
 * nothing by matching.  The input port's qos-queue comes first (if this
 * QoS has that queue), then queues are tried in id order, and the first
 * claim wins; no claim means queue 0.
 */
#ifndef DP_QOS_H
#define DP_QOS_H 1

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include "dp-packet.h"
#include "dpif.h"

struct dpif_qos {
    struct dpif_qos *next;          /* In the interning list. */
    unsigned int refs;
    struct dpif_qos_desc desc;      /* Owns its filter strings. */
    struct bpf_program progs[DPIF_QOS_MAX_QUEUES];  /* bf_len 0: none. */
    bool steers;                    /* Some queue has a rule. */
};

/* The index in qos->desc.queues of the queue for 'p', leaving with tag
 * 'tpid'/'tci' (tpid 0: untagged) and received on a port whose qos-queue
 * is 'ingress_queue' (-1: none). */
unsigned int dp_qos_classify(const struct dpif_qos *,
                             const struct dp_packet *p, uint16_t tpid,
                             uint16_t tci, int32_t ingress_queue);

/* The index of queue 'id', or -1. */
int dp_qos_find_queue(const struct dpif_qos *, uint32_t id);

/* The DSCP of an IPv4/IPv6 frame, or -1. */
int dp_qos_get_dscp(const uint8_t *frame, uint32_t len);

/* Rewrites the DSCP of an IPv4 (checksum updated) or IPv6 frame. */
void dp_qos_set_dscp(uint8_t *frame, uint32_t len, uint8_t dscp);

#endif /* dp-qos.h */
