/*
 * collectors.h -- where flow records go: a set of UDP collectors, each
 * given as "IP:PORT" or "[IPv6]:PORT" (the NetFlow and IPFIX "targets"
 * columns).
 *
 * Each target gets a connected, non-blocking UDP socket of its address
 * family, opened when the set is created; a message goes to every target.
 * A send that fails (no route, a full socket buffer, a collector that
 * answers with ICMP port unreachable, which a connected socket reports on
 * the next send) is counted and the message is lost for that target --
 * flow export over UDP never queues or retries, as RFC 3954 and RFC 7011
 * expect.  A target whose socket could not be opened counts every message
 * as a send error.
 *
 * Names are not resolved: a target is a numeric address, so that a
 * configuration never waits on DNS.
 *
 * Thread safety: none; the main thread owns a set.
 */
#ifndef COLLECTORS_H
#define COLLECTORS_H 1

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Parses 'target'.  Returns NULL and fills 'ss' and '*lenp', or returns a
 * malloc'd message saying what is wrong. */
char *fx_target_parse(const char *target, struct sockaddr_storage *ss,
                      socklen_t *lenp);

struct fx_collectors;

struct fx_collectors *fx_collectors_create(const char *const *targets,
                                           size_t n);
void fx_collectors_destroy(struct fx_collectors *);

/* Sends 'msg' to every target. */
void fx_collectors_send(struct fx_collectors *, const void *msg, size_t len);

struct fx_collectors_stats {
    size_t n_targets;
    uint64_t messages;          /* Handed to fx_collectors_send(). */
    uint64_t bytes;
    uint64_t send_errors;       /* Per target and message. */
};
void fx_collectors_get_stats(const struct fx_collectors *,
                             struct fx_collectors_stats *);

#endif /* collectors.h */
