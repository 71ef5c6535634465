# Tests of the experiments in experiments/ and of healthy control networks: both run the
# real binary over 5 seeds and read the verdicts it writes.
check_PROGRAMS += tests/test-experiments tests/test-controls
TESTS += tests/test-experiments tests/test-controls
tests_test_experiments_SOURCES = tests/test-experiments.c
tests_test_experiments_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_experiments_LDADD = $(FL_TEST_LIBS)
tests_test_controls_SOURCES = tests/test-controls.c
tests_test_controls_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_controls_LDADD = $(FL_TEST_LIBS)
