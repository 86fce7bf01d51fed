# lib/ -- the base layer: utilities, containers, logging, the clock, the
# poll loop, daemon plumbing, JSON-RPC and the appctl socket.  It knows
# nothing of databases, packets or bridges, and is compiled with its own
# directory as the only project include path, so it cannot include them.
noinst_LIBRARIES += lib/libbase.a
lib_libbase_a_CPPFLAGS = $(LIB_CPPFLAGS)
lib_libbase_a_SOURCES = \
    lib/appctl.c lib/appctl.h \
    lib/counter.h \
    lib/coverage.c lib/coverage.h \
    lib/daemon.c lib/daemon.h \
    lib/hmap.c lib/hmap.h \
    lib/jsonrpc.c lib/jsonrpc.h \
    lib/poll-loop.c lib/poll-loop.h \
    lib/smap.c lib/smap.h \
    lib/timeval.c lib/timeval.h \
    lib/util.c lib/util.h \
    lib/uuid.c lib/uuid.h \
    lib/vlog.c lib/vlog.h
