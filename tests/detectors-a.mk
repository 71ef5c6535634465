# detector tests, group A: synthetic probe streams through the core's detect set.
check_PROGRAMS += tests/test-detectors-a
TESTS += tests/test-detectors-a
tests_test_detectors_a_SOURCES = tests/test-detectors-a.c
tests_test_detectors_a_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_detectors_a_LDADD = $(FL_TEST_LIBS)
