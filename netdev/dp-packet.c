/*
 * dp-packet.c -- the out-of-line parts of dp-packet.h: a forwarding
 * thread's receive buffers, and finishing a partial checksum in software.
 */
#include <config.h>
#include "dp-packet.h"

#include <errno.h>
#include <sys/mman.h>

#include "util.h"

#define DP_RECV_BUFS_LEN ((size_t) DP_BATCH_SIZE * DP_RECV_BUF_STRIDE)

/* The buffers are mapped directly rather than taken from malloc(), so that
 * they are page-aligned (a small frame touches one page of its buffer) and
 * go back to the system when the thread stops. */
void
dp_recv_buffers_init(struct dp_recv_buffers *bufs)
{
    void *mem = mmap(NULL, DP_RECV_BUFS_LEN, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (mem == MAP_FAILED) {
        util_fatal(errno, "could not allocate receive buffers");
    }
    memset(bufs, 0, sizeof *bufs);
    bufs->mem = mem;
    bufs->dirty = true;
}

void
dp_recv_buffers_destroy(struct dp_recv_buffers *bufs)
{
    if (bufs->mem) {
        munmap(bufs->mem, DP_RECV_BUFS_LEN);
        bufs->mem = NULL;
    }
}

/* Returns the 32-bit ones'-complement partial sum of 'n' bytes at 'p'
 * added to 'sum', reading big-endian 16-bit words. */
static uint64_t
dp_csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
    /* Eight bytes at a time: the sum of 16-bit words can be gathered as
     * the sum of 32-bit big-endian words and folded at the end. */
    while (n >= 8) {
        sum += (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
               | (uint32_t) p[2] << 8 | p[3];
        sum += (uint32_t) p[4] << 24 | (uint32_t) p[5] << 16
               | (uint32_t) p[6] << 8 | p[7];
        p += 8;
        n -= 8;
    }
    while (n >= 2) {
        sum += (uint32_t) p[0] << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n) {
        sum += (uint32_t) p[0] << 8;
    }
    return sum;
}

static uint16_t
dp_csum_fold(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t) sum;
}

/* As in the kernel's skb_checksum_help(): the checksum field holds the
 * pseudo-header sum, so summing everything from 'csum_start' to the end
 * of the frame (that field included) and storing the complement finishes
 * it.  A result of 0 is written as 0xffff, which means the same in ones'
 * complement and is required for UDP, where 0 means "no checksum". */
void
dp_packet_finish_csum(struct dp_packet *p)
{
    uint8_t *data = dp_packet_data(p);
    uint32_t start = p->ol.csum_start;
    uint32_t field = start + p->ol.csum_offset;
    uint16_t csum;

    if (!(p->ol.flags & DP_OL_NEEDS_CSUM)) {
        return;
    }
    p->ol.flags &= ~DP_OL_NEEDS_CSUM;
    if (field + 2 > p->size) {
        /* Nonsense offsets: leave the frame as it is.  The receiver will
         * find the checksum wrong and drop the frame. */
        return;
    }
    csum = ~dp_csum_fold(dp_csum_add(0, data + start, p->size - start));
    if (!csum) {
        csum = 0xffff;
    }
    data[field] = csum >> 8;
    data[field + 1] = csum & 0xff;
    p->ol.flags |= DP_OL_DATA_VALID;
}
