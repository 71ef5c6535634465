# tests for datasets: the csv reader on good and bad files, and the synthetic generators.
check_PROGRAMS += tests/test-datasets
TESTS += tests/test-datasets
tests_test_datasets_SOURCES = tests/test-datasets.c
tests_test_datasets_CPPFLAGS = $(FL_TEST_FLAGS)
tests_test_datasets_LDADD = $(FL_TEST_LIBS)

EXTRA_DIST += \
	tests/data/basic.csv \
	tests/data/multi.csv \
	tests/data/crlf.csv \
	tests/data/quoted.csv \
	tests/data/csv-bad/after-quote.csv \
	tests/data/csv-bad/blank.csv \
	tests/data/csv-bad/crlf-bad.csv \
	tests/data/csv-bad/dup-header.csv \
	tests/data/csv-bad/empty-cell.csv \
	tests/data/csv-bad/empty-name.csv \
	tests/data/csv-bad/empty.csv \
	tests/data/csv-bad/header-only.csv \
	tests/data/csv-bad/huge.csv \
	tests/data/csv-bad/inf.csv \
	tests/data/csv-bad/long-row.csv \
	tests/data/csv-bad/nan.csv \
	tests/data/csv-bad/partial-number.csv \
	tests/data/csv-bad/semicolon.csv \
	tests/data/csv-bad/short-row.csv \
	tests/data/csv-bad/text-cell.csv \
	tests/data/csv-bad/unterminated.csv
