/*
 * netdev-dpdk.h -- DPDK ports: "dpdk" (a DPDK poll-mode driver: a PCI NIC
 * or a virtual device such as net_pcap, net_tap, net_ring, net_null,
 * net_af_packet), "dpdkvhostuser" and "dpdkvhostuserclient" (a VM NIC
 * through a vhost-user socket).
 *
 * Only in a build configured with DPDK (HAVE_DPDK); this header needs no
 * DPDK header, so the daemon includes it without DPDK's flags.  The
 * provider registers its types at start-up; the Environment Abstraction
 * Layer (EAL) starts later, when Open_vSwitch other_config:dpdk-init first
 * says so (netdev_set_global_config(), see netdev.h).  Until then, and if
 * it fails, opening a DPDK port fails with the reason, for the Interface
 * "error" column, and the other ports keep working.
 */
#ifndef NETDEV_DPDK_H
#define NETDEV_DPDK_H 1

/* Registers the three types (main thread, before the first netdev_open()
 * and before the types are listed). */
void netdev_dpdk_register(void);

#endif /* netdev-dpdk.h */
