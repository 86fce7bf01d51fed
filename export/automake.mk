# export/ -- flow export on the main thread: the flow cache with NetFlow
# and IPFIX timeouts, the NetFlow v5/v9 and IPFIX encoders, and the UDP
# collectors they send to.  Knows flow keys (netdev/flow-key.h) and
# nothing of the database or the datapath; vswitchd glues the
# configuration in (vswitchd/bridge-flows.c).  Uses lib/ and netdev/.
noinst_LIBRARIES += export/libexport.a
export_libexport_a_CPPFLAGS = $(EXPORT_CPPFLAGS)
export_libexport_a_SOURCES = \
    export/collectors.c export/collectors.h \
    export/flow-cache.c export/flow-cache.h \
    export/fx-msg.c export/fx-msg.h \
    export/ipfix.c export/ipfix.h \
    export/netflow.c export/netflow.h
