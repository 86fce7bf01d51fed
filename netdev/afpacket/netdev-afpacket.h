/*
 * netdev-afpacket.h -- the "system" provider's knobs and introspection.
 *
 * A "system" port receives and sends through plain AF_PACKET sockets
 * (socket mode, no ring memory) until it gets busy, then through rings
 * mapped from the kernel (ring mode), and falls back when it goes idle;
 * netdev-afpacket.c explains the rule.  This header lets the daemon
 * register "netdev-afpacket/show" and lets tests shorten the rule's
 * time scales and ask which mode a device is in.
 */
#ifndef NETDEV_AFPACKET_H
#define NETDEV_AFPACKET_H 1

#include <stdbool.h>

struct netdev;

/* When a queue switches to its ring and back.  A queue in socket mode
 * switches once 'promote_frames' frames took at most 'promote_ms', or a
 * quarter of them did, at least half of them in full batches; a
 * queue in ring mode switches back once it has gone 'idle_ms' without
 * reaching 'keep_frames' frames.  A failed switch is not retried for
 * 'retry_ms'. */
struct netdev_afpacket_tuning {
    unsigned int promote_frames;
    unsigned int promote_ms;
    unsigned int keep_frames;
    unsigned int idle_ms;
    unsigned int retry_ms;
};

/* Replaces the rule (NULL restores the defaults).  Takes effect for the
 * next window of each queue; for tests. */
void netdev_afpacket_set_tuning(const struct netdev_afpacket_tuning *);

/* Reports whether 'netdev' (of type "system") receives through its ring
 * and how many of its transmit queues send through theirs.  Returns false
 * if 'netdev' is not a "system" device. */
bool netdev_afpacket_get_modes(const struct netdev *, bool *rx_ring,
                               int *n_tx_rings);

/* Registers "netdev-afpacket/show" (netdev_init() does). */
void netdev_afpacket_register_commands(void);

#endif /* netdev-afpacket.h */
