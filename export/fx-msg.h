/*
 * fx-msg.h -- building NetFlow v9 and IPFIX messages: templates, sets and
 * the information elements both formats share.
 *
 * The two formats have the same shape: a header, then sets (v9 calls them
 * FlowSets), each a 4-byte set header (ID, length) and records padded to
 * a multiple of 4 bytes.  A template set describes, per template ID, the
 * list of (element ID, length) of its data records; a data set's ID is the
 * template ID its records follow.  The element IDs used here mean the
 * same thing in both (v9's field types 1-79 became IPFIX's elements 1-79),
 * except for the times and flowEndReason, which each format's template
 * picks for itself.
 *
 * A "struct fx_msg" is one message under construction, up to FX_MSG_MAX
 * bytes (a safe UDP payload on a 1500-byte MTU); the caller writes the
 * header when it sends.  A "struct fx_template" is a list of elements that
 * fx_put_record() knows how to fill from a flow record.
 */
#ifndef FX_MSG_H
#define FX_MSG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "flow-cache.h"

#define FX_MSG_MAX 1400

/* Element IDs (v9 field types / IPFIX information elements). */
enum {
    FX_IE_OCTETS = 1,           /* IN_BYTES / octetDeltaCount. */
    FX_IE_PACKETS = 2,          /* IN_PKTS / packetDeltaCount. */
    FX_IE_PROTOCOL = 4,
    FX_IE_TOS = 5,
    FX_IE_TCP_FLAGS = 6,
    FX_IE_SRC_PORT = 7,
    FX_IE_SRC_IPV4 = 8,
    FX_IE_INPUT = 10,           /* INPUT_SNMP / ingressInterface. */
    FX_IE_DST_PORT = 11,
    FX_IE_DST_IPV4 = 12,
    FX_IE_OUTPUT = 14,          /* OUTPUT_SNMP / egressInterface. */
    FX_IE_LAST_SWITCHED = 21,   /* v9: sysUptime of the last packet. */
    FX_IE_FIRST_SWITCHED = 22,  /* v9: sysUptime of the first packet. */
    FX_IE_SRC_IPV6 = 27,
    FX_IE_DST_IPV6 = 28,
    FX_IE_ICMP_TYPE = 32,       /* ICMP_TYPE / icmpTypeCodeIPv4. */
    FX_IE_SRC_MAC = 56,
    FX_IE_VLAN = 58,
    FX_IE_IP_VERSION = 60,
    FX_IE_DST_MAC = 80,         /* IN_DST_MAC / destinationMacAddress. */
    FX_IE_IF_NAME = 82,         /* interfaceName (IPFIX options). */
    FX_IE_END_REASON = 136,     /* flowEndReason. */
    FX_IE_OBS_POINT = 138,      /* observationPointId. */
    FX_IE_ICMP_TYPE_V6 = 139,   /* icmpTypeCodeIPv6. */
    FX_IE_START_MS = 152,       /* flowStartMilliseconds. */
    FX_IE_END_MS = 153,         /* flowEndMilliseconds. */
    FX_IE_ETH_TYPE = 256,       /* ethernetType. */
};

struct fx_field {
    uint16_t id;
    uint16_t len;
};

#define FX_MAX_FIELDS 24
struct fx_template {
    uint16_t id;                /* >= 256. */
    size_t n_fields;
    struct fx_field fields[FX_MAX_FIELDS];
    size_t rec_len;             /* Bytes of one data record. */
};

void fx_template_add(struct fx_template *, uint16_t id, uint16_t len);

/* What fills the elements besides the record. */
struct fx_encode_ctx {
    long long now_ms;           /* time_now_msec() at encoding. */
    long long wall_ms;          /* time_wall_msec() at the same moment. */
    long long boot_ms;          /* time_now_msec() that is sysUptime 0. */
    uint32_t in_if, out_if;     /* Interfaces as exported. */
    uint32_t obs_point;
};

/* Writes 'rec' as a data record of 't' at 'p' (t->rec_len bytes). */
void fx_put_record(uint8_t *p, const struct fx_template *t,
                   const struct fx_record *rec,
                   const struct fx_encode_ctx *);

struct fx_msg {
    uint8_t buf[FX_MSG_MAX];
    size_t len;                 /* Including the header. */
    size_t set_ofs;             /* Offset of the open set; 0: none. */
    uint16_t set_id;
    unsigned int n_records;     /* Template and data records. */
    unsigned int n_data;        /* Data records. */
};

void fx_msg_start(struct fx_msg *, size_t hdr_len);
bool fx_msg_is_empty(const struct fx_msg *);

/* Returns room for 'len' bytes in a set 'set_id' (opened if it is not the
 * open one), or NULL if the message is too full for them. */
uint8_t *fx_msg_append(struct fx_msg *, uint16_t set_id, size_t len);

/* Appends a template set 'set_id' (0 for v9, 2 for IPFIX) with the 'n'
 * templates.  Returns false if they do not fit. */
bool fx_msg_put_templates(struct fx_msg *, uint16_t set_id,
                          const struct fx_template *const *, size_t n);

/* Pads and closes the open set. */
void fx_msg_close_set(struct fx_msg *);

static inline void
fx_put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void
fx_put32(uint8_t *p, uint32_t v)
{
    fx_put16(p, v >> 16);
    fx_put16(p + 2, v);
}

static inline void
fx_put64(uint8_t *p, uint64_t v)
{
    fx_put32(p, v >> 32);
    fx_put32(p + 4, v);
}

#endif /* fx-msg.h */
