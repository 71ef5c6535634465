# Sweeps: workers, faults, kills, resume, the progress line.
check_LTLIBRARIES += tests/faulty/layer-faulty.la
tests_faulty_layer_faulty_la_SOURCES = tests/faulty/faulty.c
tests_faulty_layer_faulty_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_faulty_layer_faulty_la_LIBADD = $(GLIB_LIBS)
TESTS += tests/test-sweep.sh
EXTRA_DIST += tests/test-sweep.sh

# The compact layout's records (core/journal.c).
check_PROGRAMS += tests/test-journal
TESTS += tests/test-journal
tests_test_journal_SOURCES = tests/test-journal.c
tests_test_journal_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_journal_LDADD = $(FL_TEST_LIBS)

# A worker's records as its coordinator receives them (core/recordwire.c).
check_PROGRAMS += tests/test-recordwire
TESTS += tests/test-recordwire
tests_test_recordwire_SOURCES = tests/test-recordwire.c
tests_test_recordwire_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_recordwire_LDADD = $(FL_TEST_LIBS)
