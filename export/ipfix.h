/*
 * ipfix.h -- IPFIX export (RFC 7011) of flow records with standard
 * information elements only (RFC 7012 / the IANA registry).
 *
 * Three templates: 256 for IPv4 flows, 257 for IPv6 flows, 258 for other
 * Ethernet flows.  Every data record carries:
 *
 *   sourceMacAddress (56), destinationMacAddress (80), vlanId (58),
 *   ingressInterface (10), egressInterface (14) -- datapath port numbers,
 *   65535 for a flooded flow --, packetDeltaCount (2) and octetDeltaCount
 *   (1) -- the packets and bytes since the flow's previous record, never
 *   a running total; octets are IP bytes for IP flows and frame bytes for
 *   others --, flowStartMilliseconds (152), flowEndMilliseconds (153) and
 *   flowEndReason (136); observationPointId (138) if one is configured;
 *
 * and, for IP flows, the addresses (8/12 or 27/28), ipVersion (60),
 * protocolIdentifier (4), ipClassOfService (5), sourceTransportPort (7),
 * destinationTransportPort (11), tcpControlBits (6) and the ICMP type and
 * code as icmpTypeCodeIPv4 (32) or icmpTypeCodeIPv6 (139), type * 256 +
 * code, with the ports 0 in ICMP flows; for other flows ethernetType
 * (256).
 *
 * Counts are the sampled packets as observed: with sampling N, a
 * collector that wants an estimate of the traffic multiplies by N; with
 * sampling 1 they are exact.  Nothing in the records is scaled, so what
 * nfdump or pmacct show is what the switch saw.
 *
 * Interface names.  An options template (RFC 7011 section 3.4.2.2), 259,
 * scoped by ingressInterface (10), carries interfaceName (82, variable
 * length): one options data record per port of the bridge, saying what
 * the interface numbers in the flow records are, so that a collector can
 * show "vm1" rather than "3".  ipfix_encoder_set_interfaces() gives the
 * list; the records are sent with the templates and again at once when
 * the list changes.
 *
 * The message header's sequence number counts the data records (flow and
 * options) sent before the message in the observation domain, as RFC 7011
 * asks.  The templates go in the first message and again every
 * 'template_interval_ms'.
 *
 * Thread safety: none; the main thread owns an encoder.
 */
#ifndef IPFIX_H
#define IPFIX_H 1

#include <stdint.h>
#include "flow-cache.h"

struct fx_collectors;

struct ipfix_options {
    uint32_t obs_domain_id;
    uint32_t obs_point_id;      /* 0: not exported. */
    long long template_interval_ms;
};

struct ipfix_stats {
    uint64_t records;           /* Flow records. */
    uint64_t messages;
    uint64_t templates;         /* Template and options template records. */
    uint64_t interfaces;        /* Options data records (interface names). */
};

/* An interface as the flow records number it. */
struct ipfix_interface {
    uint32_t number;
    const char *name;
};

struct ipfix_encoder;

struct ipfix_encoder *ipfix_encoder_create(const struct ipfix_options *,
                                           struct fx_collectors *);
void ipfix_encoder_destroy(struct ipfix_encoder *);
void ipfix_encoder_add(struct ipfix_encoder *, const struct fx_record *);

/* Replaces the interfaces whose names are exported (copied). */
void ipfix_encoder_set_interfaces(struct ipfix_encoder *,
                                  const struct ipfix_interface *, size_t n);
void ipfix_encoder_flush(struct ipfix_encoder *);
void ipfix_encoder_get_stats(const struct ipfix_encoder *,
                             struct ipfix_stats *);

#endif /* ipfix.h */
