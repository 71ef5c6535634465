# Plugin loading: test-only plugins, each broken in one way (plus one good control), built
# into tests/plugins/ — outside plugins/, so no search path of flatline ever finds them — and
# tests/test-registry, which loads them and checks every real plugin's exports.
# -rpath makes libtool build a shared module although nothing installs it.
FL_TESTPLUGIN_FLAGS = -module -avoid-version -shared -no-undefined -rpath /nowhere
FL_TESTPLUGIN_EXPORTS = -export-symbols-regex '^flatline_plugin$$'

check_LTLIBRARIES += \
	tests/plugins/loss-good.la \
	tests/plugins/loss-abi_major.la \
	tests/plugins/loss-abi_minor.la \
	tests/plugins/loss-no_symbol.la \
	tests/plugins/loss-misnamed.la \
	tests/plugins/loss-no_summary.la \
	tests/plugins/loss-bad_range.la \
	tests/plugins/loss-no_compute.la \
	tests/plugins/loss-small_descriptor.la \
	tests/plugins/loss-small_ops.la \
	tests/plugins/loss-small_params.la
tests_plugins_loss_good_la_SOURCES = tests/plugins/good.c
tests_plugins_loss_good_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_abi_major_la_SOURCES = tests/plugins/abi_major.c tests/plugins/zero_loss.h
tests_plugins_loss_abi_major_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_abi_minor_la_SOURCES = tests/plugins/abi_minor.c tests/plugins/zero_loss.h
tests_plugins_loss_abi_minor_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_no_symbol_la_SOURCES = tests/plugins/no_symbol.c
tests_plugins_loss_no_symbol_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) \
	-export-symbols-regex '^no_symbol_answer$$'
tests_plugins_loss_misnamed_la_SOURCES = tests/plugins/misnamed.c tests/plugins/zero_loss.h
tests_plugins_loss_misnamed_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_no_summary_la_SOURCES = tests/plugins/no_summary.c tests/plugins/zero_loss.h
tests_plugins_loss_no_summary_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_bad_range_la_SOURCES = tests/plugins/bad_range.c tests/plugins/zero_loss.h
tests_plugins_loss_bad_range_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_no_compute_la_SOURCES = tests/plugins/no_compute.c
tests_plugins_loss_no_compute_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_small_descriptor_la_SOURCES = tests/plugins/small_descriptor.c \
	tests/plugins/zero_loss.h
tests_plugins_loss_small_descriptor_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_small_ops_la_SOURCES = tests/plugins/small_ops.c tests/plugins/zero_loss.h
tests_plugins_loss_small_ops_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_small_params_la_SOURCES = tests/plugins/small_params.c tests/plugins/zero_loss.h
tests_plugins_loss_small_params_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)

# A text file named like a plugin.
EXTRA_DIST += tests/plugins/layer-fake.so

check_PROGRAMS += tests/test-registry
TESTS += tests/test-registry
tests_test_registry_SOURCES = tests/test-registry.c
tests_test_registry_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_registry_LDADD = $(FL_TEST_LIBS)

# The ABI grows without breaking older plugins: tests/plugins/reporter.c built against a
# copy of flatline/plugin.h whose fl_finding ends before `fixes` (as an older minor's
# would, without the fields appended since), generated here from this tree's header, and
# built against the header itself.
tests/older/flatline/plugin.h: $(top_srcdir)/include/flatline/plugin.h
	$(AM_V_GEN)$(MKDIR_P) tests/older/flatline && \
	sed '/const fl_fix \*fixes;/,/size_t measure_stride; /d' \
		$(top_srcdir)/include/flatline/plugin.h > $@.tmp && mv $@.tmp $@
BUILT_SOURCES += tests/older/flatline/plugin.h
CLEANFILES += tests/older/flatline/plugin.h

check_LTLIBRARIES += tests/older/detector-older.la tests/plugins/detector-reporter.la \
	tests/plugins/detector-brief.la
tests_older_detector_older_la_SOURCES = tests/plugins/reporter.c
tests_older_detector_older_la_CPPFLAGS = -I$(builddir)/tests/older -D_DEFAULT_SOURCE -DREPORTER_OLDER
tests_older_detector_older_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_detector_reporter_la_SOURCES = tests/plugins/reporter.c
tests_plugins_detector_reporter_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
# A warning reported brief and described when the core needs its words (ABI 2.3).
tests_plugins_detector_brief_la_SOURCES = tests/plugins/brief.c
tests_plugins_detector_brief_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)

check_PROGRAMS += tests/test-older-plugin
TESTS += tests/test-older-plugin
tests_test_older_plugin_SOURCES = tests/test-older-plugin.c
tests_test_older_plugin_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_older_plugin_LDADD = $(FL_TEST_LIBS)

# An operation of another kind in a per-kind macro does not compile.
TESTS += tests/test-plugin-macros.sh
EXTRA_DIST += tests/test-plugin-macros.sh
