# Fix verification: a test detector that proposes fixes, and the sweeps that verify them.
check_LTLIBRARIES += tests/plugins/detector-fixer.la
tests_plugins_detector_fixer_la_SOURCES = tests/plugins/fixer.c
tests_plugins_detector_fixer_la_LDFLAGS = $(FL_TESTPLUGIN_FLAGS) $(FL_TESTPLUGIN_EXPORTS)
TESTS += tests/test-verify.sh
EXTRA_DIST += tests/test-verify.sh
# Verification judged on experiments/: the seed-failure sweep and failures with -fixed twins.
check_PROGRAMS += tests/test-fix-acceptance
TESTS += tests/test-fix-acceptance
tests_test_fix_acceptance_SOURCES = tests/test-fix-acceptance.c
tests_test_fix_acceptance_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_fix_acceptance_LDADD = $(FL_TEST_LIBS)
