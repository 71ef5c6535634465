# tests for numerics: losses, optimizers with schedules, initializers.
check_PROGRAMS += tests/test-losses
TESTS += tests/test-losses
tests_test_losses_SOURCES = tests/test-losses.c
tests_test_losses_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_losses_LDADD = $(FL_TEST_LIBS)

check_PROGRAMS += tests/test-optimizers
TESTS += tests/test-optimizers
tests_test_optimizers_SOURCES = tests/test-optimizers.c
tests_test_optimizers_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_optimizers_LDADD = $(FL_TEST_LIBS)

check_PROGRAMS += tests/test-initializers
TESTS += tests/test-initializers
tests_test_initializers_SOURCES = tests/test-initializers.c
tests_test_initializers_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_initializers_LDADD = $(FL_TEST_LIBS)

check_PROGRAMS += tests/test-numfmt
TESTS += tests/test-numfmt
tests_test_numfmt_SOURCES = tests/test-numfmt.c
tests_test_numfmt_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_numfmt_LDADD = $(FL_TEST_LIBS)

check_PROGRAMS += tests/test-rng
TESTS += tests/test-rng
tests_test_rng_SOURCES = tests/test-rng.c
tests_test_rng_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_rng_LDADD = $(FL_TEST_LIBS)
