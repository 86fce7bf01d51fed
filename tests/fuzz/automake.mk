# tests/fuzz/ -- libFuzzer targets, built with clang and ASan/UBSan by
# "make fuzz" into tests/fuzz/build/ (a copy of every layer compiled with
# sanitizers; the normal build is left alone) and run by
# tests/fuzz/run.sh.  tests/fuzz/asan-check.sh builds the whole tree with
# sanitizers in a separate directory and runs the tests there.
#
# The layers' source lists and include paths come from this Makefile, so
# the fuzz build compiles exactly what the normal build does, under the
# same layering rules; tests/fuzz/fuzz.mk does the work.
FUZZ_TARGETS = jsonrpc transact vsctl journal pipeline flow-key config
FUZZ_BUILDDIR = tests/fuzz/build

fuzz: vswitchd/vswitch-schema.c config/config.h
	@if test "$(HAVE_FUZZ)" != yes; then \
	  echo "make fuzz: configure found no clang with libFuzzer" \
	       "(install clang and libclang-rt-14-dev, then rerun configure," \
	       "or set FUZZ_CC)" >&2; \
	  exit 1; \
	fi
	@$(MAKE) --no-print-directory -f $(srcdir)/tests/fuzz/fuzz.mk \
	  srcdir="$(srcdir)" out="$(FUZZ_BUILDDIR)" CC="$(FUZZ_CC)" \
	  targets="$(FUZZ_TARGETS)" \
	  LIB_SOURCES="$(lib_libbase_a_SOURCES)" \
	  DB_SOURCES="$(db_libdb_a_SOURCES)" \
	  NETDEV_SOURCES="$(netdev_libnetdev_a_SOURCES)" \
	  DATAPATH_SOURCES="$(datapath_libdatapath_a_SOURCES)" \
	  EXPORT_SOURCES="$(export_libexport_a_SOURCES)" \
	  VSWITCHD_SOURCES="$(vswitchd_vswitchd_SOURCES)" \
	  VSWITCHD_BUILT="$(nodist_vswitchd_vswitchd_SOURCES)" \
	  LIB_CPPFLAGS="$(LIB_CPPFLAGS)" DB_CPPFLAGS="$(DB_CPPFLAGS)" \
	  NETDEV_CPPFLAGS="$(NETDEV_CPPFLAGS)" \
	  DATAPATH_CPPFLAGS="$(DATAPATH_CPPFLAGS)" \
	  EXPORT_CPPFLAGS="$(EXPORT_CPPFLAGS)" \
	  VSWITCHD_CPPFLAGS="$(VSWITCHD_CPPFLAGS)" \
	  LIBS="$(JANSSON_LIBS) $(MNL_LIBS) $(LIBNL_LIBS) $(LIBPCAP_LIBS) $(PTHREAD_LIBS)"
.PHONY: fuzz

clean-local: fuzz-clean
fuzz-clean:
	rm -rf $(FUZZ_BUILDDIR)
.PHONY: fuzz-clean

EXTRA_DIST += \
    tests/fuzz/fuzz.mk tests/fuzz/run.sh tests/fuzz/asan-check.sh \
    tests/fuzz/fuzz-util.h tests/fuzz/fuzz-jsonrpc.c \
    tests/fuzz/fuzz-transact.c tests/fuzz/fuzz-vsctl.c \
    tests/fuzz/fuzz-journal.c tests/fuzz/fuzz-pipeline.c \
    tests/fuzz/fuzz-flow-key.c tests/fuzz/fuzz-config.c tests/fuzz/corpus
