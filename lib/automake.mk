# lib/ -- generic building blocks, no knowledge of bridges.
noinst_LIBRARIES += lib/libvswitch.a
lib_libvswitch_a_SOURCES = \
    lib/appctl.c lib/appctl.h \
    lib/coverage.c lib/coverage.h \
    lib/daemon.c lib/daemon.h \
    lib/db.c lib/db.h lib/db-private.h \
    lib/db-commit.c \
    lib/db-schema.c \
    lib/db-ctl.c lib/db-ctl.h \
    lib/db-ctl-cmds.c lib/db-ctl-private.h \
    lib/db-ctl-output.c \
    lib/db-data.c lib/db-data.h \
    lib/db-exec.c lib/db-exec.h \
    lib/db-exec-ops.c lib/db-exec-private.h \
    lib/db-log.c lib/db-log.h \
    lib/db-monitor.c lib/db-monitor.h \
    lib/db-server.c lib/db-server.h \
    lib/db-types.c lib/db-types.h \
    lib/dp-packet.c lib/dp-packet.h \
    lib/hmap.c lib/hmap.h \
    lib/jsonrpc.c lib/jsonrpc.h \
    lib/netdev.c lib/netdev.h lib/netdev-provider.h \
    lib/netdev-afpacket.c lib/netdev-afpacket.h \
    lib/netdev-afpacket-private.h lib/netdev-afpacket-ring.c \
    lib/netdev-afpacket-socket.c \
    lib/netdev-dummy.c lib/netdev-dummy.h \
    lib/netdev-linux.c lib/netdev-linux.h \
    lib/netdev-tap.c \
    lib/poll-loop.c lib/poll-loop.h \
    lib/rtnl-monitor.c lib/rtnl-monitor.h \
    lib/timeval.c lib/timeval.h \
    lib/util.c lib/util.h \
    lib/uuid.c lib/uuid.h \
    lib/vlog.c lib/vlog.h
