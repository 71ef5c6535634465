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
	tests/plugins/loss-no_compute.la
tests_plugins_loss_good_la_SOURCES = tests/plugins/good.c
tests_plugins_loss_good_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_abi_major_la_SOURCES = tests/plugins/abi_major.c
tests_plugins_loss_abi_major_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_abi_minor_la_SOURCES = tests/plugins/abi_minor.c
tests_plugins_loss_abi_minor_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_no_symbol_la_SOURCES = tests/plugins/no_symbol.c
tests_plugins_loss_no_symbol_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) \
	-export-symbols-regex '^no_symbol_answer$$'
tests_plugins_loss_misnamed_la_SOURCES = tests/plugins/misnamed.c
tests_plugins_loss_misnamed_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_no_summary_la_SOURCES = tests/plugins/no_summary.c
tests_plugins_loss_no_summary_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_bad_range_la_SOURCES = tests/plugins/bad_range.c
tests_plugins_loss_bad_range_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
tests_plugins_loss_no_compute_la_SOURCES = tests/plugins/no_compute.c
tests_plugins_loss_no_compute_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)

# A text file named like a plugin.
EXTRA_DIST += tests/plugins/layer-fake.so

check_PROGRAMS += tests/test-registry
TESTS += tests/test-registry
tests_test_registry_SOURCES = tests/test-registry.c
tests_test_registry_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_registry_LDADD = $(FL_TEST_LIBS)
