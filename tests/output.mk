# What flatline writes for others to read: its CSV files parsed back by an RFC 4180 reader,
# and its terminal output free of control characters from files.
check_PROGRAMS += tests/test-output
TESTS += tests/test-output
tests_test_output_SOURCES = tests/test-output.c
tests_test_output_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_output_LDADD = $(FL_TEST_LIBS)
