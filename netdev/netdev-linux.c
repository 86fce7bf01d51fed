/*
 * netdev-linux.c -- interface properties through ioctl()s on a shared
 * AF_INET datagram socket (see netdev-linux.h).
 */
#include <config.h>
#include "netdev-linux.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "netdev-provider.h"

static pthread_once_t linux_once = PTHREAD_ONCE_INIT;
static int linux_sock = -1;
static int linux_sock_error;

static void
linux_open_socket(void)
{
    linux_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (linux_sock < 0) {
        linux_sock_error = errno;
    }
}

/* Runs ioctl 'cmd' on 'ifr' after filling in 'name'.  Returns 0 or an
 * errno value; a name that is too long is ENODEV (no such device can
 * exist). */
static int
linux_ioctl(const char *name, unsigned long cmd, struct ifreq *ifr)
{
    pthread_once(&linux_once, linux_open_socket);
    if (linux_sock < 0) {
        return linux_sock_error;
    }
    if (strlen(name) >= IFNAMSIZ) {
        return ENODEV;
    }
    strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
    ifr->ifr_name[IFNAMSIZ - 1] = '\0';
    return ioctl(linux_sock, cmd, ifr) < 0 ? errno : 0;
}

bool
netdev_linux_exists(const char *name)
{
    int ifindex;

    return !netdev_linux_get_ifindex(name, &ifindex);
}

int
netdev_linux_get_ifindex(const char *name, int *ifindex)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = linux_ioctl(name, SIOCGIFINDEX, &ifr);
    *ifindex = error ? 0 : ifr.ifr_ifindex;
    return error;
}

int
netdev_linux_get_etheraddr(const char *name, uint8_t mac[6])
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = linux_ioctl(name, SIOCGIFHWADDR, &ifr);
    if (error) {
        memset(mac, 0, 6);
        return error;
    }
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        memset(mac, 0, 6);
        return EINVAL;
    }
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

int
netdev_linux_get_mtu(const char *name, int *mtu)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = linux_ioctl(name, SIOCGIFMTU, &ifr);
    *mtu = error ? 0 : ifr.ifr_mtu;
    return error;
}

int
netdev_linux_set_mtu(const char *name, int mtu)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_mtu = mtu;
    return linux_ioctl(name, SIOCSIFMTU, &ifr);
}

int
netdev_linux_get_flags(const char *name, unsigned int *flags)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = linux_ioctl(name, SIOCGIFFLAGS, &ifr);
    *flags = error ? 0 : (unsigned int) (unsigned short) ifr.ifr_flags;
    return error;
}

int
netdev_linux_get_state(const char *name, bool *admin_up, bool *link_up)
{
    unsigned int flags;
    int error;

    error = netdev_linux_get_flags(name, &flags);
    *admin_up = (flags & IFF_UP) != 0;
    *link_up = (flags & IFF_RUNNING) != 0;
    return error;
}

int
netdev_linux_set_admin_up(const char *name, bool up)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = linux_ioctl(name, SIOCGIFFLAGS, &ifr);
    if (error) {
        return error;
    }
    if (!(ifr.ifr_flags & IFF_UP) == !up) {
        return 0;
    }
    if (up) {
        ifr.ifr_flags |= IFF_UP;
    } else {
        ifr.ifr_flags &= ~IFF_UP;
    }
    return linux_ioctl(name, SIOCSIFFLAGS, &ifr);
}

int
netdev_linux_get_driver(const char *name, char driver[32])
{
    struct ethtool_drvinfo info;
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    memset(&info, 0, sizeof info);
    info.cmd = ETHTOOL_GDRVINFO;
    ifr.ifr_data = (void *) &info;
    error = linux_ioctl(name, SIOCETHTOOL, &ifr);
    if (error) {
        driver[0] = '\0';
        return error;
    }
    memcpy(driver, info.driver, 32);
    driver[31] = '\0';
    return 0;
}

int
netdev_linux_dev_get_etheraddr(const struct netdev *netdev, uint8_t mac[6])
{
    return netdev_linux_get_etheraddr(netdev->name, mac);
}

int
netdev_linux_dev_get_mtu(const struct netdev *netdev, int *mtu)
{
    return netdev_linux_get_mtu(netdev->name, mtu);
}

int
netdev_linux_dev_set_mtu(struct netdev *netdev, int mtu)
{
    return netdev_linux_set_mtu(netdev->name, mtu);
}

int
netdev_linux_dev_get_state(const struct netdev *netdev, bool *admin_up,
                           bool *link_up)
{
    return netdev_linux_get_state(netdev->name, admin_up, link_up);
}
