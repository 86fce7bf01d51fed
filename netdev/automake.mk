# netdev/ -- packet I/O: packets and batches, the netdev core and provider
# interface, one provider per file or folder, rtnetlink.  Uses lib/ only.
noinst_LIBRARIES += netdev/libnetdev.a
netdev_libnetdev_a_CPPFLAGS = $(NETDEV_CPPFLAGS)
netdev_libnetdev_a_SOURCES = \
    netdev/dp-packet.c netdev/dp-packet.h \
    netdev/flow-key.c netdev/flow-key.h \
    netdev/netdev.c netdev/netdev.h netdev/netdev-provider.h \
    netdev/netdev-dummy.c netdev/netdev-dummy.h \
    netdev/netdev-linux.c netdev/netdev-linux.h \
    netdev/netdev-linux-qos.c netdev/netdev-linux-qos.h \
    netdev/netdev-tap.c \
    netdev/rtnl-monitor.c netdev/rtnl-monitor.h \
    netdev/afpacket/netdev-afpacket.c netdev/afpacket/netdev-afpacket.h \
    netdev/afpacket/netdev-afpacket-private.h \
    netdev/afpacket/netdev-afpacket-qos.c \
    netdev/afpacket/netdev-afpacket-ring.c \
    netdev/afpacket/netdev-afpacket-socket.c \
    netdev/afpacket/netdev-afpacket-show.c \
    netdev/dpdk/dpdk-args.c netdev/dpdk/dpdk-args.h

# DPDK ports (netdev/dpdk/), in a library of their own so that only these
# files are compiled with DPDK's flags and only the daemon links DPDK.  The
# EAL command-line builder (dpdk-args.c) needs no DPDK and is in
# libnetdev.a, where the unit tests reach it.
NETDEV_DPDK_LIBS =
EXTRA_DIST += netdev/dpdk/netdev-dpdk.c netdev/dpdk/netdev-dpdk.h \
    netdev/dpdk/netdev-dpdk-private.h netdev/dpdk/netdev-dpdk-vhost.c \
    netdev/dpdk/dpdk-eal.c
if HAVE_DPDK
noinst_LIBRARIES += netdev/dpdk/libnetdev-dpdk.a
netdev_dpdk_libnetdev_dpdk_a_CPPFLAGS = $(NETDEV_CPPFLAGS)
netdev_dpdk_libnetdev_dpdk_a_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
netdev_dpdk_libnetdev_dpdk_a_SOURCES = \
    netdev/dpdk/netdev-dpdk.c netdev/dpdk/netdev-dpdk.h \
    netdev/dpdk/netdev-dpdk-private.h \
    netdev/dpdk/netdev-dpdk-vhost.c \
    netdev/dpdk/dpdk-eal.c
# The vhost PMD's own API (rte_eth_vhost_get_queue_event(), which says
# which queue pairs a guest enabled) is not in libdpdk.pc's public
# libraries; the EAL loads the same shared object as a driver, so linking
# it registers nothing twice.
NETDEV_DPDK_LIBS += netdev/dpdk/libnetdev-dpdk.a -lrte_net_vhost
endif
