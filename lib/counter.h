/*
 * counter.h -- statistics counters with one writer and any readers.
 *
 * The fast path keeps its counters per thread, so only one thread ever
 * writes a given counter: an increment needs no atomic read-modify-write,
 * only a store that a reader on another thread cannot see torn.  These
 * helpers are that idiom, written once.
 *
 *     counter_add(&c->rx_packets, n)     writer: plain add, relaxed store
 *     counter_read(&c->rx_packets)       reader: relaxed load
 *
 * counter_add_release() and counter_read_acquire() order one counter
 * against the others: a reader that acquires it sees every counter the
 * writer updated before releasing it (the datapath publishes rx_packets
 * last, so a frame counted as received is also counted wherever it went).
 *
 * Thread safety: exactly one thread may call counter_add*() on a given
 * counter; any thread may read it.
 */
#ifndef COUNTER_H
#define COUNTER_H 1

#include <stdint.h>

static inline void
counter_add(uint64_t *counter, uint64_t n)
{
    __atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

static inline void
counter_add_release(uint64_t *counter, uint64_t n)
{
    __atomic_store_n(counter, *counter + n, __ATOMIC_RELEASE);
}

static inline uint64_t
counter_read(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static inline uint64_t
counter_read_acquire(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

#endif /* counter.h */
