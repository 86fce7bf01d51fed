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
    tests/unit/test-mac-learning.c \
    tests/unit/test-netdev.c \
    tests/unit/test-vlan.c \
    tests/unit/test-db-exec.c \
    tests/unit/test-db-log.c \
    tests/unit/test-db-monitor.c \
    tests/unit/test-jsonrpc.c
tests_unit_test_runner_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_runner_LDADD = datapath/libdatapath.a lib/libvswitch.a \
    $(JANSSON_LIBS) $(CMOCKA_LIBS) $(MNL_LIBS) $(PTHREAD_LIBS)
endif

EXTRA_DIST += tests/testsuite.sh tests/lib.sh tests/integration tests/bench

check-local: $(check_PROGRAMS) $(sbin_PROGRAMS) $(bin_PROGRAMS)
	@srcdir=$(srcdir) builddir=$(builddir) $(SHELL) $(srcdir)/tests/testsuite.sh $(TESTSUITEFLAGS)

# Benchmarks print figures; they are never part of "make check".
bench: all
	@bash $(srcdir)/tests/bench/attach-1000.sh
.PHONY: bench
