/*
 * netflow.h -- NetFlow v5 and v9 (RFC 3954) export of flow records.
 *
 * Version 5 is the fixed format: a 24-byte header and up to 30 records of
 * 48 bytes, IPv4 only.  The conventions, as Open vSwitch has them so that
 * existing collectors' configurations carry over:
 *
 *   - dOctets counts IP bytes (the IP header and payload, as each
 *     packet's IP total length says), not Ethernet frames;
 *   - ICMP flows carry the ICMP type and code in the destination port as
 *     type * 256 + code, source port 0;
 *   - input and output are datapath port numbers; a flooded flow's
 *     output is 65535 (FX_PORT_FLOOD), a flow not output 0;
 *   - with add_id_to_interface, the top 7 bits of the 16-bit interface
 *     fields are the 7 low bits of engine_id and the low 9 bits the port
 *     number, so flows of several switches with the same engine type can
 *     be told apart on one collector;
 *   - engine_type and engine_id go in the header; the sampling field is
 *     0 (every packet counts).
 *
 * Version 9 sends templates first: template 256 for IPv4 and 257 for
 * IPv6 flows, with the addresses, ports, protocol, TOS, TCP flags, input
 * and output interfaces (4 bytes), packets and bytes (8 bytes),
 * FIRST_SWITCHED/LAST_SWITCHED, MACs, VLAN, and ICMP type and code as
 * ICMP_TYPE (32, IPv4) or ICMP_IPv6_TYPE (139), type * 256 + code; ports
 * are 0 in ICMP flows.  The templates are sent again every
 * 'template_interval_ms' or every 'template_packets' messages, whichever
 * comes first, so that a collector started later learns them.  The
 * source ID is engine_type * 256 + engine_id.  Non-IP flows are not
 * exported by NetFlow (IPFIX has a template for them).
 *
 * Thread safety: none; the main thread owns an encoder.
 */
#ifndef NETFLOW_H
#define NETFLOW_H 1

#include <stdbool.h>
#include <stdint.h>
#include "flow-cache.h"

struct fx_collectors;

struct nf_options {
    int version;                /* 5 or 9. */
    uint8_t engine_type;
    uint8_t engine_id;
    bool add_id_to_interface;
    long long template_interval_ms;     /* v9. */
    unsigned int template_packets;      /* v9. */
};

struct nf_stats {
    uint64_t records;           /* Flow records exported. */
    uint64_t messages;          /* Export packets. */
    uint64_t templates;         /* Template records sent (v9). */
    uint64_t skipped;           /* Records of flows the version cannot
                                 * carry (non-IP; IPv6 in v5). */
};

struct nf_encoder;

/* Sends through 'collectors' (not owned).  'boot_ms' is the
 * time_now_msec() that counts as sysUptime 0. */
struct nf_encoder *nf_encoder_create(const struct nf_options *,
                                     struct fx_collectors *,
                                     long long boot_ms);
void nf_encoder_destroy(struct nf_encoder *);

/* Adds a record to the message under construction, sending it first if it
 * is full. */
void nf_encoder_add(struct nf_encoder *, const struct fx_record *);

/* Sends what has been added. */
void nf_encoder_flush(struct nf_encoder *);

void nf_encoder_get_stats(const struct nf_encoder *, struct nf_stats *);

#endif /* netflow.h */
