# utilities/ -- thin command-line programs over lib/.
bin_PROGRAMS += utilities/vsctl utilities/vsappctl utilities/vs-tcpdump
utilities_vsctl_SOURCES = utilities/vsctl.c
utilities_vsctl_CPPFLAGS = $(UTILITIES_CPPFLAGS)
utilities_vsctl_LDADD = lib/libbase.a $(JANSSON_LIBS)
utilities_vsappctl_SOURCES = utilities/vsappctl.c
utilities_vsappctl_CPPFLAGS = $(UTILITIES_CPPFLAGS)
utilities_vsappctl_LDADD = lib/libbase.a $(JANSSON_LIBS)
# vs-tcpdump needs libpcap and vsctl (which it runs), nothing else.
utilities_vs_tcpdump_SOURCES = utilities/vs-tcpdump.c
utilities_vs_tcpdump_CPPFLAGS = $(UTILITIES_CPPFLAGS) $(LIBPCAP_CFLAGS)
utilities_vs_tcpdump_LDADD = $(LIBPCAP_LIBS)

if OVS_NAMES
# Lets unmodified libvirt, Xen and QEMU scripts find us.
install-exec-hook:
	cd $(DESTDIR)$(bindir) && ln -sf vsctl ovs-vsctl
uninstall-hook:
	rm -f $(DESTDIR)$(bindir)/ovs-vsctl
endif
