# tests/fuzz/fuzz.mk -- builds the libFuzzer targets (GNU make).
#
# Invoked by "make fuzz" (tests/fuzz/automake.mk), which passes the
# compiler, the layers' source lists and include paths, and the output
# directory 'out'.  Every layer is compiled again with clang, ASan, UBSan
# and libFuzzer's coverage instrumentation into its own archive under
# $(out)/obj, with the same include paths as the normal build (so the
# layering rules hold here too); each tests/fuzz/fuzz-NAME.c is linked
# with them into $(out)/fuzz-NAME.  vswitchd/vswitchd.c (main()) is left
# out: the targets that need the reconciler call bridge.c themselves.
# Objects are rebuilt when a source or a header it includes changes.

SAN_CFLAGS = -g -O1 -fno-omit-frame-pointer \
    -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = $(SAN_CFLAGS) -fsanitize=fuzzer-no-link \
    -Wall -Wno-unused-parameter
FUZZ_LDFLAGS = -fsanitize=fuzzer,address,undefined

layers = lib db netdev datapath export vswitchd
lib_src = $(filter %.c,$(LIB_SOURCES))
db_src = $(filter %.c,$(DB_SOURCES))
netdev_src = $(filter %.c,$(NETDEV_SOURCES))
datapath_src = $(filter %.c,$(DATAPATH_SOURCES))
export_src = $(filter %.c,$(EXPORT_SOURCES))
vswitchd_src = $(filter-out vswitchd/vswitchd.c,\
                 $(filter %.c,$(VSWITCHD_SOURCES)))
vswitchd_built = $(filter %.c,$(VSWITCHD_BUILT))

obj = $(out)/obj
objs_of = $(patsubst %.c,$(obj)/%.o,$(1))
lib_objs = $(call objs_of,$(lib_src))
db_objs = $(call objs_of,$(db_src))
netdev_objs = $(call objs_of,$(netdev_src))
datapath_objs = $(call objs_of,$(datapath_src))
export_objs = $(call objs_of,$(export_src))
vswitchd_objs = $(call objs_of,$(vswitchd_src) $(vswitchd_built))

# Link order: each layer before the layers it uses.
archives = $(obj)/libvswitchd.a $(obj)/libexport.a $(obj)/libdatapath.a \
           $(obj)/libnetdev.a $(obj)/libdb.a $(obj)/libbase.a

all: $(patsubst %,$(out)/fuzz-%,$(targets))

$(lib_objs): CPPFLAGS = $(LIB_CPPFLAGS)
$(db_objs): CPPFLAGS = $(DB_CPPFLAGS)
$(netdev_objs): CPPFLAGS = $(NETDEV_CPPFLAGS)
$(datapath_objs): CPPFLAGS = $(DATAPATH_CPPFLAGS)
$(export_objs): CPPFLAGS = $(EXPORT_CPPFLAGS)
$(vswitchd_objs): CPPFLAGS = $(VSWITCHD_CPPFLAGS)

# Generated sources are in the build directory, the others in srcdir.
$(call objs_of,$(vswitchd_built)): $(obj)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $<"
	@$(CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(obj)/%.o: $(srcdir)/%.c
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $<"
	@$(CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(obj)/libbase.a: $(lib_objs)
$(obj)/libdb.a: $(db_objs)
$(obj)/libnetdev.a: $(netdev_objs)
$(obj)/libdatapath.a: $(datapath_objs)
$(obj)/libexport.a: $(export_objs)
$(obj)/libvswitchd.a: $(vswitchd_objs)
$(archives):
	@rm -f $@
	@ar rcs $@ $^

# The targets see every layer's headers, as the daemon does.
$(out)/fuzz-%.o: $(srcdir)/tests/fuzz/fuzz-%.c
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $<"
	@$(CC) $(VSWITCHD_CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(out)/fuzz-%: $(out)/fuzz-%.o $(archives)
	@echo "  CCLD (fuzz) $@"
	@$(CC) $(FUZZ_LDFLAGS) $< $(archives) $(LIBS) -o $@

.SECONDARY:
.PHONY: all

-include $(shell find $(out) -name '*.d' 2>/dev/null)
