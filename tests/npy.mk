# tests for the npy dataset: .npy and .npz files written by the test, good and bad.
check_PROGRAMS += tests/test-npy
TESTS += tests/test-npy
tests_test_npy_SOURCES = tests/test-npy.c
tests_test_npy_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_npy_LDADD = $(FL_TEST_LIBS)
