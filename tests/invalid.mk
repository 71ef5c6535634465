# Bad input as data: tests/invalid/<case>/ holds input.cfg and the stderr it must produce;
# tests/test-invalid runs every folder found there (see tests/invalid/README).
check_PROGRAMS += tests/test-invalid
TESTS += tests/test-invalid
tests_test_invalid_SOURCES = tests/test-invalid.c
tests_test_invalid_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_invalid_LDADD = $(FL_TEST_LIBS)

EXTRA_DIST += tests/invalid
