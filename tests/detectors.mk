# The detectors on synthetic probe streams (tests/probe-fixture.h), one program per topic:
# symptoms of the output, training dynamics, units, data and configuration.
FL_DETECT_TESTS = tests/test-detect-output tests/test-detect-dynamics tests/test-detect-units \
	tests/test-detect-data
check_PROGRAMS += $(FL_DETECT_TESTS)
TESTS += $(FL_DETECT_TESTS)
FL_DETECT_FLAGS = $(FL_TEST_FLAGS) -I$(top_srcdir)/plugins/detector
tests_test_detect_output_SOURCES = tests/test-detect-output.c
tests_test_detect_output_CPPFLAGS = $(FL_DETECT_FLAGS)
tests_test_detect_output_LDADD = $(FL_TEST_LIBS)
tests_test_detect_dynamics_SOURCES = tests/test-detect-dynamics.c
tests_test_detect_dynamics_CPPFLAGS = $(FL_DETECT_FLAGS)
tests_test_detect_dynamics_LDADD = $(FL_TEST_LIBS)
tests_test_detect_units_SOURCES = tests/test-detect-units.c
tests_test_detect_units_CPPFLAGS = $(FL_DETECT_FLAGS)
tests_test_detect_units_LDADD = $(FL_TEST_LIBS)
tests_test_detect_data_SOURCES = tests/test-detect-data.c
tests_test_detect_data_CPPFLAGS = $(FL_DETECT_FLAGS)
tests_test_detect_data_LDADD = $(FL_TEST_LIBS)
