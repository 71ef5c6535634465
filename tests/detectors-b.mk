# detector tests, group B: the unit, data and configuration detectors on synthetic probe
# streams (tests/probe-fixture.h).
check_PROGRAMS += tests/test-detectors-b
TESTS += tests/test-detectors-b
tests_test_detectors_b_SOURCES = tests/test-detectors-b.c
tests_test_detectors_b_CPPFLAGS = $(FL_TEST_FLAGS) -I$(top_srcdir)/plugins/detector
tests_test_detectors_b_LDADD = $(FL_TEST_LIBS)
