/*
 * rtnl-monitor.c -- rtnetlink link events with libmnl (see
 * rtnl-monitor.h).
 */
#include <config.h>
#include "rtnl-monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "poll-loop.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(rtnl_monitor);

/* Kernel socket buffer: bursts of thousands of interfaces appearing at
 * once (a host starting many guests) should not overrun it. */
#define RTNL_RCVBUF (4 * 1024 * 1024)

struct rtnl_monitor {
    struct mnl_socket *nl;
    char *buf;                  /* MNL_SOCKET_BUFFER_SIZE bytes. */
    size_t buf_size;
};

/* What one message's callback needs. */
struct rtnl_parse_ctx {
    rtnl_monitor_cb *cb;
    void *aux;
};

struct rtnl_monitor *
rtnl_monitor_create(void)
{
    struct rtnl_monitor *mon;
    struct mnl_socket *nl;
    int size = RTNL_RCVBUF;
    int fd;

    nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (!nl) {
        VLOG_ERR("could not open rtnetlink socket (%s)", strerror(errno));
        return NULL;
    }
    if (mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
        int error = errno;

        VLOG_ERR("could not subscribe to rtnetlink link events (%s)",
                 strerror(error));
        mnl_socket_close(nl);
        errno = error;
        return NULL;
    }
    fd = mnl_socket_get_fd(nl);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }

    mon = xzalloc(sizeof *mon);
    mon->nl = nl;
    /* Large enough for any single message the kernel sends. */
    mon->buf_size = MAX(MNL_SOCKET_BUFFER_SIZE, 32768);
    mon->buf = xmalloc(mon->buf_size);
    return mon;
}

void
rtnl_monitor_destroy(struct rtnl_monitor *mon)
{
    if (mon) {
        mnl_socket_close(mon->nl);
        free(mon->buf);
        free(mon);
    }
}

int
rtnl_monitor_fd(const struct rtnl_monitor *mon)
{
    return mnl_socket_get_fd(mon->nl);
}

static int
rtnl_parse_attr(const struct nlattr *attr, void *data)
{
    const struct nlattr **tb = data;
    int type = mnl_attr_get_type(attr);

    if (mnl_attr_type_valid(attr, IFLA_MAX) < 0) {
        return MNL_CB_OK;
    }
    if (type == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_STRING) < 0) {
        return MNL_CB_OK;
    }
    tb[type] = attr;
    return MNL_CB_OK;
}

static int
rtnl_parse_msg(const struct nlmsghdr *nlh, void *ctx_)
{
    const struct nlattr *tb[IFLA_MAX + 1];
    struct rtnl_parse_ctx *ctx = ctx_;
    const struct ifinfomsg *ifi;
    bool exists, up;

    if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) {
        return MNL_CB_OK;
    }
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *ifi)) {
        return MNL_CB_OK;
    }
    ifi = mnl_nlmsg_get_payload(nlh);
    memset(tb, 0, sizeof tb);
    mnl_attr_parse(nlh, sizeof *ifi, rtnl_parse_attr, tb);
    if (!tb[IFLA_IFNAME]) {
        return MNL_CB_OK;
    }
    exists = nlh->nlmsg_type == RTM_NEWLINK;
    up = exists && (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
    ctx->cb(mnl_attr_get_str(tb[IFLA_IFNAME]), ifi->ifi_index, exists, up,
            ctx->aux);
    return MNL_CB_OK;
}

void
rtnl_monitor_run(struct rtnl_monitor *mon, rtnl_monitor_cb *cb, void *aux)
{
    struct rtnl_parse_ctx ctx = { cb, aux };

    /* Bounded, so a flood of events cannot starve the rest of the main
     * loop; rtnl_monitor_wait() wakes us again at once if more wait. */
    for (int i = 0; i < 256; i++) {
        ssize_t n = mnl_socket_recvfrom(mon->nl, mon->buf, mon->buf_size);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == ENOBUFS) {
                VLOG_WARN("rtnetlink link events overran the socket "
                          "buffer; resynchronizing");
                cb(NULL, 0, false, false, aux);
                continue;
            }
            if (errno != EAGAIN) {
                VLOG_WARN("error reading rtnetlink socket (%s)",
                          strerror(errno));
            }
            return;
        }
        /* Sequence and port 0: these are unsolicited notifications. */
        if (mnl_cb_run(mon->buf, n, 0, 0, rtnl_parse_msg, &ctx)
            == MNL_CB_ERROR) {
            VLOG_DBG("malformed rtnetlink message (%s)", strerror(errno));
        }
    }
}

void
rtnl_monitor_wait(struct rtnl_monitor *mon)
{
    poll_fd_wait(rtnl_monitor_fd(mon), POLLIN);
}
