# datapath/ -- the forwarding plane behind the dpif interface: the
# provider registry and drop reasons here, one folder per datapath
# (userspace/: the poll-mode datapath and its pipeline stages).  Uses lib/
# and netdev/ only.
noinst_LIBRARIES += datapath/libdatapath.a
datapath_libdatapath_a_CPPFLAGS = $(DATAPATH_CPPFLAGS)
datapath_libdatapath_a_SOURCES = \
    datapath/dp-drop.c datapath/dp-drop.h \
    datapath/dp-qos.c datapath/dp-qos.h \
    datapath/dpif.c datapath/dpif.h datapath/dpif-provider.h \
    datapath/pmd-config.c datapath/pmd-config.h \
    datapath/userspace/dp-config.c datapath/userspace/dp-config.h \
    datapath/userspace/dp-stage.c datapath/userspace/dp-stage.h \
    datapath/userspace/dpif-userspace.c \
    datapath/userspace/dpu-pmd.c datapath/userspace/dpu-private.h \
    datapath/userspace/dpu-poller.c datapath/userspace/dpu-poller.h \
    datapath/userspace/dpu-sched.c datapath/userspace/dpu-sched.h \
    datapath/userspace/flows.c \
    datapath/userspace/forward.c \
    datapath/userspace/ingress.c datapath/userspace/ingress.h \
    datapath/userspace/learn.c \
    datapath/userspace/mac-learning.c datapath/userspace/mac-learning.h \
    datapath/userspace/mirror.c datapath/userspace/mirror.h \
    datapath/userspace/output.c \
    datapath/userspace/pipeline.c datapath/userspace/pipeline.h \
    datapath/userspace/police.c \
    datapath/userspace/qos.c \
    datapath/userspace/shaper.c datapath/userspace/shaper.h \
    datapath/userspace/vlan.c datapath/userspace/vlan.h
EXTRA_DIST += datapath/README
