# datapath/ -- the forwarding plane behind the dpif interface: the
# provider registry, the userspace datapath and its pipeline stages.
noinst_LIBRARIES += datapath/libdatapath.a
datapath_libdatapath_a_SOURCES = \
    datapath/dp-config.c datapath/dp-config.h \
    datapath/dp-drop.c datapath/dp-drop.h \
    datapath/dpif.c datapath/dpif.h datapath/dpif-provider.h \
    datapath/dpif-userspace.c \
    datapath/forward.c \
    datapath/learn.c \
    datapath/mac-learning.c datapath/mac-learning.h \
    datapath/output.c \
    datapath/pipeline.c datapath/pipeline.h \
    datapath/vlan.c datapath/vlan.h
EXTRA_DIST += datapath/README
