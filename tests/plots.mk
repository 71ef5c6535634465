# Charts and the report: drawn from a small sweep run by the real binary.
check_PROGRAMS += tests/test-plots
TESTS += tests/test-plots tests/test-report.sh
tests_test_plots_SOURCES = tests/test-plots.c
tests_test_plots_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_plots_LDADD = $(FL_TEST_LIBS)
EXTRA_DIST += tests/test-report.sh
