# tests/ -- one cmocka runner for unit tests, shell scripts for
# integration and system tests, all driven by tests/testsuite.sh, which
# ends with "N passed, M failed".
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-runner
tests_unit_test_runner_SOURCES = \
    tests/unit/test-runner.c tests/unit/tests.h \
    tests/unit/test-util.c tests/unit/test-util.h \
    tests/unit/test-db-data.c \
    tests/unit/test-db.c tests/unit/test-db-helpers.h \
    tests/unit/test-db-commit.c \
    tests/unit/test-db-changes.c \
    tests/unit/test-db-ctl.c \
    tests/unit/test-dpif.c \
    tests/unit/test-stage.c \
    tests/unit/test-qos.c \
    tests/unit/test-mac-learning.c \
    tests/unit/test-netdev.c \
    tests/unit/test-netdev-contract.c \
    tests/unit/test-vlan.c \
    tests/unit/test-mirror.c \
    tests/unit/test-db-exec.c \
    tests/unit/test-db-log.c \
    tests/unit/test-db-monitor.c \
    tests/unit/test-jsonrpc.c \
    tests/unit/test-vlog.c \
    tests/unit/test-flow-key.c \
    tests/unit/test-pmd.c \
    tests/unit/test-dpdk-args.c
tests_unit_test_runner_CPPFLAGS = $(TESTS_CPPFLAGS)
tests_unit_test_runner_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_runner_LDADD = export/libexport.a datapath/libdatapath.a netdev/libnetdev.a \
    db/libdb.a lib/libbase.a \
    $(JANSSON_LIBS) $(CMOCKA_LIBS) $(MNL_LIBS) $(LIBNL_LIBS) $(LIBPCAP_LIBS) $(PTHREAD_LIBS)
endif

# Proves that a forbidden include fails to compile (tests/check-layers.sh);
# also run by the test suite through tests/integration/layers.sh.
check-layers: config/config.h
	@CC="$(CC)" srcdir="$(srcdir)" \
	LIB_CPPFLAGS="$(LIB_CPPFLAGS)" DB_CPPFLAGS="$(DB_CPPFLAGS)" \
	NETDEV_CPPFLAGS="$(NETDEV_CPPFLAGS)" \
	DATAPATH_CPPFLAGS="$(DATAPATH_CPPFLAGS)" \
	EXPORT_CPPFLAGS="$(EXPORT_CPPFLAGS)" \
	UTILITIES_CPPFLAGS="$(UTILITIES_CPPFLAGS)" \
	$(SHELL) $(srcdir)/tests/check-layers.sh
.PHONY: check-layers

EXTRA_DIST += tests/check-layers.sh tests/testsuite.sh tests/lib.sh tests/integration tests/bench

check-local: $(check_PROGRAMS) $(sbin_PROGRAMS) $(bin_PROGRAMS)
	@srcdir=$(srcdir) builddir=$(builddir) $(SHELL) $(srcdir)/tests/testsuite.sh $(TESTSUITEFLAGS)

# Benchmarks print figures; they are never part of "make check".
# The userspace shaper's CPU cost per frame (tests/bench/qos.sh runs it).
noinst_PROGRAMS += tests/bench/shaper-bench
tests_bench_shaper_bench_SOURCES = tests/bench/shaper-bench.c
tests_bench_shaper_bench_CPPFLAGS = $(TESTS_CPPFLAGS)
tests_bench_shaper_bench_LDADD = datapath/libdatapath.a netdev/libnetdev.a \
    lib/libbase.a $(JANSSON_LIBS) $(MNL_LIBS) $(LIBNL_LIBS) \
    $(LIBPCAP_LIBS) $(PTHREAD_LIBS)

# Memory and export rate of a 1,000,000-flow cache.
noinst_PROGRAMS += tests/bench/flow-cache-bench
tests_bench_flow_cache_bench_SOURCES = tests/bench/flow-cache-bench.c
tests_bench_flow_cache_bench_CPPFLAGS = $(VSWITCHD_CPPFLAGS)
tests_bench_flow_cache_bench_LDADD = export/libexport.a netdev/libnetdev.a \
    lib/libbase.a $(JANSSON_LIBS) $(MNL_LIBS) $(LIBNL_LIBS) \
    $(LIBPCAP_LIBS) $(PTHREAD_LIBS)

# The userspace pipeline's own cost per packet, with no device
# (tests/bench/pipeline.sh runs it, also under callgrind).
noinst_PROGRAMS += tests/bench/pipeline-bench
tests_bench_pipeline_bench_SOURCES = tests/bench/pipeline-bench.c
tests_bench_pipeline_bench_CPPFLAGS = $(TESTS_CPPFLAGS)
tests_bench_pipeline_bench_LDADD = datapath/libdatapath.a netdev/libnetdev.a \
    lib/libbase.a $(JANSSON_LIBS) $(MNL_LIBS) $(LIBNL_LIBS) \
    $(LIBPCAP_LIBS) $(PTHREAD_LIBS)

bench: all
	@bash $(srcdir)/tests/bench/attach-1000.sh
.PHONY: bench
