/*
 * collectors.c -- UDP collectors for flow export (collectors.h).
 */
#include <config.h>
#include "collectors.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(collectors);

struct fx_target {
    char *name;
    int fd;                     /* -1: could not be opened. */
};

struct fx_collectors {
    struct fx_target *targets;
    size_t n;
    struct fx_collectors_stats stats;
};

char *
fx_target_parse(const char *target, struct sockaddr_storage *ss,
                socklen_t *lenp)
{
    const char *colon, *host_end;
    char host[INET6_ADDRSTRLEN + 1];
    long long port;
    bool v6 = target[0] == '[';

    memset(ss, 0, sizeof *ss);
    if (v6) {
        host_end = strchr(target, ']');
        if (!host_end || host_end[1] != ':') {
            return xasprintf("\"%s\": an IPv6 target is written "
                             "[ADDRESS]:PORT", target);
        }
        colon = host_end + 1;
        target++;
    } else {
        colon = strrchr(target, ':');
        host_end = colon;
        if (!colon) {
            return xasprintf("\"%s\": a target is IP:PORT or [IPv6]:PORT",
                             target - v6);
        }
    }
    if ((size_t) (host_end - target) >= sizeof host) {
        return xasprintf("\"%s\": not an IP address", target - v6);
    }
    memcpy(host, target, host_end - target);
    host[host_end - target] = '\0';
    if (!str_to_llong(colon + 1, 10, &port) || port < 1 || port > 65535) {
        return xasprintf("\"%s\": the port must be 1 to 65535", target - v6);
    }
    if (v6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

        if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
            return xasprintf("\"%s\": \"%s\" is not an IPv6 address",
                             target - 1, host);
        }
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        *lenp = sizeof *sin6;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *) ss;

        if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
            return xasprintf("\"%s\": \"%s\" is not an IPv4 address (write "
                             "an IPv6 address in brackets)", target, host);
        }
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        *lenp = sizeof *sin;
    }
    return NULL;
}

static int
open_target(const char *name)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char *error = fx_target_parse(name, &ss, &len);
    int fd;

    if (error) {
        VLOG_WARN("flow export target %s", error);
        free(error);
        return -1;
    }
    fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        VLOG_WARN("flow export target %s: socket: %s", name,
                  strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *) &ss, len) < 0) {
        VLOG_WARN("flow export target %s: connect: %s", name,
                  strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

struct fx_collectors *
fx_collectors_create(const char *const *targets, size_t n)
{
    struct fx_collectors *c = xzalloc(sizeof *c);

    c->targets = xcalloc(n ? n : 1, sizeof *c->targets);
    c->n = n;
    c->stats.n_targets = n;
    for (size_t i = 0; i < n; i++) {
        c->targets[i].name = xstrdup(targets[i]);
        c->targets[i].fd = open_target(targets[i]);
    }
    return c;
}

void
fx_collectors_destroy(struct fx_collectors *c)
{
    if (c) {
        for (size_t i = 0; i < c->n; i++) {
            if (c->targets[i].fd >= 0) {
                close(c->targets[i].fd);
            }
            free(c->targets[i].name);
        }
        free(c->targets);
        free(c);
    }
}

void
fx_collectors_send(struct fx_collectors *c, const void *msg, size_t len)
{
    c->stats.messages++;
    c->stats.bytes += len;
    for (size_t i = 0; i < c->n; i++) {
        struct fx_target *t = &c->targets[i];
        ssize_t n = t->fd >= 0 ? send(t->fd, msg, len, 0) : -1;

        if (n < 0 && t->fd >= 0 && errno == ECONNREFUSED) {
            /* The error belonged to an earlier message; this one may
             * still go through. */
            n = send(t->fd, msg, len, 0);
        }
        if (n != (ssize_t) len) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

            c->stats.send_errors++;
            VLOG_WARN_RL(&rl, "flow export to %s failed: %s", t->name,
                         t->fd < 0 ? "no socket" : strerror(errno));
        }
    }
}

void
fx_collectors_get_stats(const struct fx_collectors *c,
                        struct fx_collectors_stats *s)
{
    *s = c->stats;
}
