# Tests: each area keeps its test programs in its own fragment.
noinst_LTLIBRARIES += tests/libtestutil.la
tests_libtestutil_la_SOURCES = tests/testutil.c tests/testutil.h tests/gradcheck.c tests/gradcheck.h \
	tests/probe-fixture.c tests/probe-fixture.h
tests_libtestutil_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCONFIG_CFLAGS)

# What a test program links with.
FL_TEST_LIBS = $(OPENMP_CFLAGS) tests/libtestutil.la core/libflatline-core.la $(JSON_GLIB_LIBS) $(GLIB_LIBS) $(LIBCONFIG_LIBS) $(ZLIB_LIBS) $(DNNL_LIBS) -lm
FL_TEST_FLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests $(LIBCONFIG_CFLAGS) $(JSON_GLIB_CFLAGS)

# jsonpath FILE EXPR: the shell tests read verdict.json by its structure (tests/jsonpath.c).
check_PROGRAMS += tests/jsonpath
tests_jsonpath_SOURCES = tests/jsonpath.c
tests_jsonpath_CPPFLAGS = $(AM_CPPFLAGS) $(JSON_GLIB_CFLAGS)
tests_jsonpath_LDADD = $(JSON_GLIB_LIBS) $(GLIB_LIBS)

include tests/core.mk
include tests/layers.mk
include tests/numerics.mk
include tests/datasets.mk
include tests/npy.mk
include tests/detectors.mk
include tests/registry.mk
include tests/invalid.mk
include tests/experiments.mk
include tests/sweep.mk
include tests/verify.mk
include tests/plots.mk
include tests/slurm.mk
include tests/environment.mk
include tests/output.mk
include tests/docs.mk
