/*
 * netdev-linux.h -- small helpers over the Linux kernel's view of network
 * interfaces, shared by the netdev providers that sit on a kernel device
 * ("system", "tap", "internal").
 *
 * Every helper names the interface by name and asks the kernel afresh
 * (ioctl on a shared datagram socket), so the answer always describes the
 * device that has that name now: a device that was deleted yields ENODEV,
 * which the callers turn into the Interface "error" column.  Nothing here
 * caches state, so there is nothing to invalidate on hot-plug.
 *
 * All functions return 0 or a positive errno value.  They make system
 * calls and are meant for the main thread, although they are thread-safe
 * (the shared socket is created once and never changes).
 */
#ifndef NETDEV_LINUX_H
#define NETDEV_LINUX_H 1

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdint.h>
#include "dp-packet.h"

/* True if a kernel interface called 'name' exists. */
bool netdev_linux_exists(const char *name);

/* Interface properties by name. */
int netdev_linux_get_ifindex(const char *name, int *ifindex);
int netdev_linux_get_etheraddr(const char *name, uint8_t mac[6]);
int netdev_linux_get_mtu(const char *name, int *mtu);
int netdev_linux_set_mtu(const char *name, int mtu);

/* Administrative state (IFF_UP) and link state (IFF_RUNNING: up and with
 * carrier). */
int netdev_linux_get_state(const char *name, bool *admin_up, bool *link_up);
int netdev_linux_set_admin_up(const char *name, bool up);

/* Raw interface flags (IFF_*), for callers that need more. */
int netdev_linux_get_flags(const char *name, unsigned int *flags);

/* The kernel driver's name ("veth", "tun", "e1000e", ...) as ethtool
 * reports it, in 'driver' (at least 32 bytes). */
int netdev_linux_get_driver(const char *name, char driver[32]);

/* The same, in the shape of "struct netdev_class" members, for providers
 * whose device is a kernel interface of the netdev's name. */
struct netdev;
int netdev_linux_dev_get_etheraddr(const struct netdev *, uint8_t mac[6]);
int netdev_linux_dev_get_mtu(const struct netdev *, int *mtu);
int netdev_linux_dev_set_mtu(struct netdev *, int mtu);
int netdev_linux_dev_get_state(const struct netdev *, bool *admin_up,
                               bool *link_up);

/* virtio-net headers, as AF_PACKET (PACKET_VNET_HDR) and TAP
 * (IFF_VNET_HDR) put them in front of frames, in host byte order (the
 * "legacy" virtio layout both use by default on little-endian hosts). */
#define NETDEV_VNET_HDR_LEN ((int) sizeof(struct virtio_net_hdr))

/* Fills 'ol' from the header 'vh' of a received frame. */
static inline void
netdev_linux_vnet_to_ol(const struct virtio_net_hdr *vh, struct dp_offload *ol)
{
    ol->flags = ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM
                  ? DP_OL_NEEDS_CSUM : 0)
                 | (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID
                    ? DP_OL_DATA_VALID : 0));
    ol->gso_type = vh->gso_type;
    ol->hdr_len = vh->hdr_len;
    ol->gso_size = vh->gso_size;
    ol->csum_start = vh->csum_start;
    ol->csum_offset = vh->csum_offset;
}

/* Fills 'vh' to send a frame described by 'ol' (netdev_send() has
 * already moved the offsets past any tag it inserted). */
static inline void
netdev_linux_ol_to_vnet(const struct dp_offload *ol,
                        struct virtio_net_hdr *vh)
{
    vh->flags = ((ol->flags & DP_OL_NEEDS_CSUM
                  ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0)
                 | (ol->flags & DP_OL_DATA_VALID
                    ? VIRTIO_NET_HDR_F_DATA_VALID : 0));
    vh->gso_type = ol->gso_type;
    vh->gso_size = ol->gso_size;
    vh->hdr_len = ol->hdr_len;
    vh->csum_start = ol->flags & DP_OL_NEEDS_CSUM ? ol->csum_start : 0;
    vh->csum_offset = ol->flags & DP_OL_NEEDS_CSUM ? ol->csum_offset : 0;
}

#endif /* netdev-linux.h */
