/*
 * dp-qos.c -- interning and compiling QoS descriptions, and classifying
 * frames into queues (dp-qos.h).
 *
 * Filters are compiled with libpcap for Ethernet (pcap_open_dead() with
 * DLT_EN10MB) and run with pcap_offline_filter(), which only interprets
 * the BPF program over the bytes given: no capture, no system call, safe
 * on any thread.
 */
#include <config.h>
#include "dp-qos.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Every description in use (main thread). */
static struct dpif_qos *all_qos;

/* Bytes of a frame a filter sees: headers, which is what filters look at,
 * and enough for "ether[N]" offsets well into the payload. */
#define FILTER_SNAP 256

char *
dpif_filter_check(const char *expression)
{
    struct bpf_program prog;
    pcap_t *pcap = pcap_open_dead(DLT_EN10MB, 65535);
    char *error = NULL;

    if (!pcap) {
        return xstrdup("libpcap could not be initialised");
    }
    if (pcap_compile(pcap, &prog, expression, 1, PCAP_NETMASK_UNKNOWN)) {
        error = xstrdup(pcap_geterr(pcap));
    } else {
        pcap_freecode(&prog);
    }
    pcap_close(pcap);
    return error;
}

static bool
queue_desc_equal(const struct dpif_qos_queue_desc *a,
                 const struct dpif_qos_queue_desc *b)
{
    return (a->id == b->id && a->min_rate == b->min_rate
            && a->max_rate == b->max_rate && a->burst == b->burst
            && a->priority == b->priority && a->dscp == b->dscp
            && a->pcp_mask == b->pcp_mask && a->dscp_mask == b->dscp_mask
            && !a->filter == !b->filter
            && (!a->filter || !strcmp(a->filter, b->filter)));
}

static bool
desc_equal(const struct dpif_qos_desc *a, const struct dpif_qos_desc *b)
{
    if (a->type != b->type || a->max_rate != b->max_rate
        || a->cir != b->cir || a->cbs != b->cbs
        || a->n_queues != b->n_queues) {
        return false;
    }
    for (size_t i = 0; i < a->n_queues; i++) {
        if (!queue_desc_equal(&a->queues[i], &b->queues[i])) {
            return false;
        }
    }
    return true;
}

/* 'in' with queue 0 added if it has none, in '*out' (borrowed strings). */
static void
normalize(const struct dpif_qos_desc *in, struct dpif_qos_desc *out)
{
    *out = *in;
    if (in->type == DPIF_QOS_HTB
        && (!in->n_queues || in->queues[0].id != 0)
        && in->n_queues < DPIF_QOS_MAX_QUEUES) {
        memmove(&out->queues[1], &in->queues[0],
                in->n_queues * sizeof *in->queues);
        memset(&out->queues[0], 0, sizeof out->queues[0]);
        out->queues[0].dscp = -1;
        out->n_queues++;
    }
}

static void
qos_free(struct dpif_qos *qos)
{
    for (size_t i = 0; i < qos->desc.n_queues; i++) {
        free((char *) qos->desc.queues[i].filter);
        if (qos->progs[i].bf_len) {
            pcap_freecode(&qos->progs[i]);
        }
    }
    free(qos);
}

struct dpif_qos *
dpif_qos_get(const struct dpif_qos_desc *in, char **errorp)
{
    struct dpif_qos_desc desc;
    struct dpif_qos *qos;
    pcap_t *pcap;

    *errorp = NULL;
    normalize(in, &desc);
    for (qos = all_qos; qos; qos = qos->next) {
        if (desc_equal(&qos->desc, &desc)) {
            qos->refs++;
            return qos;
        }
    }

    qos = xzalloc(sizeof *qos);
    qos->desc = desc;
    pcap = pcap_open_dead(DLT_EN10MB, 65535);
    for (size_t i = 0; i < desc.n_queues; i++) {
        struct dpif_qos_queue_desc *q = &qos->desc.queues[i];

        if (q->filter) {
            q->filter = xstrdup(q->filter);
            if (!pcap || pcap_compile(pcap, &qos->progs[i], q->filter, 1,
                                      PCAP_NETMASK_UNKNOWN)) {
                *errorp = xasprintf("queue %"PRIu32": invalid filter "
                                    "\"%s\": %s", q->id, q->filter,
                                    pcap ? pcap_geterr(pcap)
                                         : "libpcap unavailable");
                memset(&qos->progs[i], 0, sizeof qos->progs[i]);
            }
        }
        qos->steers |= q->filter || q->pcp_mask || q->dscp_mask;
    }
    if (pcap) {
        pcap_close(pcap);
    }
    if (*errorp) {
        qos_free(qos);
        return NULL;
    }
    qos->refs = 1;
    qos->next = all_qos;
    all_qos = qos;
    return qos;
}

void
dpif_qos_unref(const struct dpif_qos *qos_)
{
    struct dpif_qos *qos = (struct dpif_qos *) qos_;

    if (!qos || --qos->refs) {
        return;
    }
    for (struct dpif_qos **p = &all_qos; *p; p = &(*p)->next) {
        if (*p == qos) {
            *p = qos->next;
            break;
        }
    }
    qos_free(qos);
}

const struct dpif_qos_desc *
dpif_qos_desc(const struct dpif_qos *qos)
{
    return &qos->desc;
}

int
dp_qos_find_queue(const struct dpif_qos *qos, uint32_t id)
{
    for (size_t i = 0; i < qos->desc.n_queues; i++) {
        if (qos->desc.queues[i].id == id) {
            return i;
        }
    }
    return -1;
}

/* Offset of the IP header in 'frame' and its version (4 or 6), behind at
 * most one VLAN tag; 0 if it is not IP. */
static uint32_t
ip_offset(const uint8_t *frame, uint32_t len, int *version)
{
    uint32_t ofs = 12;
    uint16_t type;

    if (len < ofs + 2) {
        return 0;
    }
    type = frame[ofs] << 8 | frame[ofs + 1];
    if ((type == ETH_TYPE_VLAN || type == ETH_TYPE_VLAN_8021AD)
        && len >= ofs + 6) {
        ofs += VLAN_HEADER_LEN;
        type = frame[ofs] << 8 | frame[ofs + 1];
    }
    ofs += 2;
    if (type == 0x0800 && len >= ofs + 20 && frame[ofs] >> 4 == 4) {
        *version = 4;
        return ofs;
    } else if (type == 0x86dd && len >= ofs + 40 && frame[ofs] >> 4 == 6) {
        *version = 6;
        return ofs;
    }
    return 0;
}

int
dp_qos_get_dscp(const uint8_t *frame, uint32_t len)
{
    int version;
    uint32_t ofs = ip_offset(frame, len, &version);

    if (!ofs) {
        return -1;
    }
    return (version == 4
            ? frame[ofs + 1] >> 2
            : ((frame[ofs] & 0x0f) << 2) | (frame[ofs + 1] >> 6));
}

void
dp_qos_set_dscp(uint8_t *frame, uint32_t len, uint8_t dscp)
{
    int version;
    uint32_t ofs = ip_offset(frame, len, &version);

    if (!ofs) {
        return;
    }
    if (version == 4) {
        uint8_t *ip = frame + ofs;
        uint16_t old = ip[0] << 8 | ip[1];
        uint16_t new = (ip[0] << 8) | (uint8_t) ((dscp << 2) | (ip[1] & 3));
        uint32_t sum;

        /* RFC 1624 incremental update: HC' = ~(~HC + ~m + m'). */
        sum = (uint16_t) ~(ip[10] << 8 | ip[11]);
        sum += (uint16_t) ~old;
        sum += new;
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (uint16_t) ~sum;
        ip[1] = new & 0xff;
        ip[10] = sum >> 8;
        ip[11] = sum & 0xff;
    } else {
        uint8_t *ip = frame + ofs;

        ip[0] = (ip[0] & 0xf0) | (dscp >> 2);
        ip[1] = (ip[1] & 0x3f) | ((dscp & 3) << 6);
    }
}

/* True if queue 'i''s filter accepts 'p' leaving with 'tpid'/'tci'. */
static bool
filter_matches(const struct dpif_qos *qos, size_t i,
               const struct dp_packet *p, uint16_t tpid, uint16_t tci)
{
    uint8_t buf[FILTER_SNAP + VLAN_HEADER_LEN];
    const uint8_t *data = dp_packet_data(p);
    uint32_t len = dp_packet_size(p);
    struct pcap_pkthdr hdr;

    if (tpid && len >= 2 * ETH_ADDR_LEN) {
        uint32_t n = MIN(len, FILTER_SNAP);

        memcpy(buf, data, 2 * ETH_ADDR_LEN);
        buf[12] = tpid >> 8;
        buf[13] = tpid & 0xff;
        buf[14] = tci >> 8;
        buf[15] = tci & 0xff;
        memcpy(buf + 16, data + 12, n - 12);
        data = buf;
        len += VLAN_HEADER_LEN;
        hdr.caplen = n + VLAN_HEADER_LEN;
    } else {
        hdr.caplen = len;
    }
    hdr.len = len;
    hdr.ts.tv_sec = 0;
    hdr.ts.tv_usec = 0;
    return pcap_offline_filter(&qos->progs[i], &hdr, data) != 0;
}

static bool
queue_matches(const struct dpif_qos *qos, size_t i, const struct dp_packet *p,
              uint16_t tpid, uint16_t tci)
{
    const struct dpif_qos_queue_desc *q = &qos->desc.queues[i];

    if (!q->filter && !q->pcp_mask && !q->dscp_mask) {
        return false;
    }
    if (q->pcp_mask) {
        unsigned int pcp = tpid ? tci >> 13 : p->pcp;

        if (!(q->pcp_mask & (1u << pcp))) {
            return false;
        }
    }
    if (q->dscp_mask) {
        int dscp = dp_qos_get_dscp(dp_packet_data(p), dp_packet_size(p));

        if (dscp < 0 || !(q->dscp_mask & (UINT64_C(1) << dscp))) {
            return false;
        }
    }
    return !q->filter || filter_matches(qos, i, p, tpid, tci);
}

unsigned int
dp_qos_classify(const struct dpif_qos *qos, const struct dp_packet *p,
                uint16_t tpid, uint16_t tci, int32_t ingress_queue)
{
    if (ingress_queue >= 0) {
        int i = dp_qos_find_queue(qos, ingress_queue);

        if (i >= 0) {
            return i;
        }
    }
    if (qos->steers) {
        for (size_t i = 0; i < qos->desc.n_queues; i++) {
            if (queue_matches(qos, i, p, tpid, tci)) {
                return i;
            }
        }
    }
    return 0;
}
