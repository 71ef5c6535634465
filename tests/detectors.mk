# The detectors on synthetic probe streams (tests/probe-fixture.h): one program, one file
# per topic (symptoms of the output, training dynamics, units, data and configuration).
check_PROGRAMS += tests/test-detect
TESTS += tests/test-detect
tests_test_detect_SOURCES = tests/test-detect.c tests/detect-topics.h tests/test-detect-output.c \
	tests/test-detect-dynamics.c tests/test-detect-units.c tests/test-detect-data.c
tests_test_detect_CPPFLAGS = $(FL_TEST_FLAGS) -I$(top_srcdir)/plugins/detector
tests_test_detect_LDADD = $(FL_TEST_LIBS)
