# Tests of the core: configuration, training end to end, the independent reference.
check_PROGRAMS += tests/test-config tests/test-plan tests/test-train tests/test-reference
TESTS += tests/test-config tests/test-plan tests/test-train tests/test-reference
tests_test_config_SOURCES = tests/test-config.c
tests_test_config_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_config_LDADD = $(FL_TEST_LIBS)
tests_test_plan_SOURCES = tests/test-plan.c
tests_test_plan_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_plan_LDADD = $(FL_TEST_LIBS)
tests_test_train_SOURCES = tests/test-train.c
tests_test_train_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_train_LDADD = $(FL_TEST_LIBS)
tests_test_reference_SOURCES = tests/test-reference.c
tests_test_reference_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_reference_LDADD = $(FL_TEST_LIBS)

# The out-of-tree example detector, built against a temporary installation.
TESTS += tests/test-example-plugin.sh
EXTRA_DIST += tests/test-example-plugin.sh plugins/examples
