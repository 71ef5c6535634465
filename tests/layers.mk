# tests for layers: gradient checks generated over every layer plugin, naive references.
check_PROGRAMS += tests/test-layers
TESTS += tests/test-layers
tests_test_layers_SOURCES = tests/test-layers.c
tests_test_layers_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_layers_LDADD = $(FL_TEST_LIBS)

# the image layers against naive references
check_PROGRAMS += tests/test-cnn
TESTS += tests/test-cnn
tests_test_cnn_SOURCES = tests/test-cnn.c
tests_test_cnn_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_cnn_LDADD = $(FL_TEST_LIBS)

# a small CNN's loss curve against a float64 reference
check_PROGRAMS += tests/test-cnn-reference
TESTS += tests/test-cnn-reference
tests_test_cnn_reference_SOURCES = tests/test-cnn-reference.c
tests_test_cnn_reference_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_cnn_reference_LDADD = $(FL_TEST_LIBS)
