/*
 * netdev-dummy.h -- in-memory ports for deterministic tests.
 *
 * A "dummy" netdev has no kernel device behind it.  Frames enter it by
 * injection (the "netdev-dummy/receive" appctl command, or
 * netdev_dummy_receive() from C) and queue, in order, until the forwarding
 * thread's netdev_rxq_recv() takes them; frames the datapath sends are
 * kept, fully formed (tag inserted, checksum finished), until
 * "netdev-dummy/sent" (or netdev_dummy_take_sent()) prints and forgets
 * them.  "netdev-dummy/set-state PORT up|down" moves the link state; while
 * it is down injected and sent frames are dropped and counted.
 *
 * Options (netdev_set_config()): "n_rxq" (1..16, default 1) gives the
 * port that many receive queues, each with its own FIFO and eventfd;
 * an injected frame goes to the queue a hash of its MAC addresses picks
 * (so one conversation stays on one queue), or to the queue named with
 * "netdev-dummy/receive --queue N".  "tx-capacity" (0..32, default 32)
 * is how many frames one send call accepts; the rest of the batch is
 * dropped and counted as tx_dropped, as a full device queue would, so
 * that tests can exercise the datapath's TX_FULL accounting.
 *
 * "pool" (default false) makes the port behave like a device with its own
 * buffers (DPDK, AF_XDP): it receives into buffers of a pool shared by
 * all dummy ports (the packets' source), and transmits by adopting them
 * (netdev-provider.h), so a frame from one pooled port to another is
 * never copied: the buffer moves to the output port's sent list, and back
 * to the pool when netdev-dummy/sent takes it.  A frame from a non-pooled
 * port, or one queued to several ports, is copied once into a pool
 * buffer.  "netdev-dummy/show" counts both per port.
 *
 * Ports are found by name.  If several open dummy netdevs share a name
 * (a port re-opened before the old one was closed), the newest gets the
 * frames.
 *
 * Thread safety: injection, the sent list and the link state are guarded
 * by a mutex per port, so the appctl commands (main thread) and the
 * forwarding threads may run concurrently.  A receive queue's eventfd
 * (netdev_rxq_fd()) polls readable while frames wait.
 */
#ifndef NETDEV_DUMMY_H
#define NETDEV_DUMMY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Registers the netdev-dummy/ appctl commands (netdev_init() does). */
void netdev_dummy_register_commands(void);

/* Queues frame 'data' of 'len' bytes for reception on dummy port 'name'.
 * Returns 0, ENODEV (no such dummy port), ENETDOWN (link down; the frame
 * is counted as dropped), ENOBUFS (queue full, counted) or EINVAL (empty or
 * over-long frame). */
int netdev_dummy_receive(const char *name, const void *data, size_t len);

/* The same on receive queue 'queue' (0 <= queue < the port's n_rxq), or
 * on the queue a hash of the frame's MAC addresses picks if 'queue' is
 * negative, as netdev_dummy_receive() does.  EINVAL also covers a queue
 * the port does not have. */
int netdev_dummy_receive_queue(const char *name, int queue, const void *data,
                               size_t len);

/* The same for hex strings, as the appctl command takes them: each of the
 * 'n' strings is one frame.  Returns NULL on success or a malloc'd error
 * message; nothing is queued unless every frame parses.  The _queue
 * variant picks the queue as netdev_dummy_receive_queue() does. */
char *netdev_dummy_receive_hex(const char *name, int n,
                               const char *const hex[]);
char *netdev_dummy_receive_hex_queue(const char *name, int queue, int n,
                                     const char *const hex[]);

/* Returns the frames sent on dummy port 'name' since the last call, one
 * lowercase hex line each, oldest first (an empty string if none), and
 * forgets them.  Returns NULL and sets '*errorp' to a malloc'd message if
 * there is no such port.  The caller frees the result. */
char *netdev_dummy_take_sent(const char *name, char **errorp);

/* Sets the link state of dummy port 'name'.  Returns 0 or ENODEV. */
int netdev_dummy_set_link(const char *name, bool up);

/* The buffer pool shared by ports with options:pool=true: how many
 * buffers it has allocated, and how many of them (plus heap buffers for
 * frames too big for the pool) are out -- in a batch, on a sent list, or
 * leaked.  A test that took every sent frame and released every packet
 * expects 0 outstanding. */
void netdev_dummy_pool_stats(size_t *n_allocated, size_t *n_outstanding);

/* What "netdev-dummy/show" prints: per port its options, link state,
 * receive and transmit counts (frames received into pool buffers, sent
 * by adopting a buffer or by copying once into one) and queued sent
 * frames; then the pool's size and use.  Caller frees. */
char *netdev_dummy_show(void);

#endif /* netdev-dummy.h */
