# vswitchd/ -- the daemon: main(), the schema, and the reconciler.
sbin_PROGRAMS += vswitchd/vswitchd
vswitchd_vswitchd_SOURCES = \
    vswitchd/vswitchd.c \
    vswitchd/bridge.c vswitchd/bridge.h vswitchd/bridge-private.h \
    vswitchd/bridge-rows.c \
    vswitchd/bridge-ifaces.c \
    vswitchd/bridge-state.c \
    vswitchd/bridge-cmds.c \
    vswitchd/bridge-datapaths.c vswitchd/bridge-datapaths.h \
    vswitchd/bridge-mirrors.c vswitchd/bridge-mirrors.h \
    vswitchd/bridge-qos.c vswitchd/bridge-qos.h \
    vswitchd/bridge-flows.c vswitchd/bridge-flows.h \
    vswitchd/bridge-validate.c \
    vswitchd/vsctl-cmds.c vswitchd/vsctl-cmds.h vswitchd/vsctl-private.h \
    vswitchd/vsctl-requests.c
nodist_vswitchd_vswitchd_SOURCES = vswitchd/vswitch-schema.c
vswitchd_vswitchd_CPPFLAGS = $(VSWITCHD_CPPFLAGS)
vswitchd_vswitchd_LDADD = export/libexport.a datapath/libdatapath.a \
    $(NETDEV_DPDK_LIBS) netdev/libnetdev.a db/libdb.a lib/libbase.a \
    $(JANSSON_LIBS) $(MNL_LIBS) $(LIBNL_LIBS) $(LIBPCAP_LIBS) $(PTHREAD_LIBS) \
    $(DPDK_LIBS)
dist_pkgdata_DATA += vswitchd/vswitch.ovsschema

# The schema is compiled into the daemon so that it cannot disagree with
# the code; it is also installed for ovsdb-client and friends.
BUILT_SOURCES += vswitchd/vswitch-schema.c
CLEANFILES += vswitchd/vswitch-schema.c
vswitchd/vswitch-schema.c: vswitchd/vswitch.ovsschema
	$(AM_V_GEN){ \
	  echo '/* Generated from vswitch.ovsschema; do not edit. */'; \
	  echo '#include <config.h>'; \
	  echo '#include "bridge.h"'; \
	  echo 'const char vswitch_schema_json[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' \
	    $(srcdir)/vswitchd/vswitch.ovsschema; \
	  echo '    ;'; \
	} > $@.tmp && mv $@.tmp $@
