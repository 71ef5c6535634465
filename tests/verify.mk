# Fix verification: a test detector that proposes fixes, and the sweeps that verify them.
check_LTLIBRARIES += tests/plugins/detector-fixer.la
tests_plugins_detector_fixer_la_SOURCES = tests/plugins/fixer.c
tests_plugins_detector_fixer_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
TESTS += tests/test-verify.sh
EXTRA_DIST += tests/test-verify.sh
