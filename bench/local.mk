# The benchmark (issue 7): `make bench` builds and runs it; it is not part of make check.
# BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS='--only seed --reps 9'.
EXTRA_PROGRAMS = bench/bench
bench_bench_SOURCES = bench/bench.c
bench_bench_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCONFIG_CFLAGS)
bench_bench_LDFLAGS = $(AM_LDFLAGS) $(OPENMP_CFLAGS)
bench_bench_LDADD = core/libflatline-core.la $(JSON_GLIB_LIBS) $(GLIB_LIBS) $(LIBCONFIG_LIBS) $(ZLIB_LIBS) $(DNNL_LIBS) -lm
CLEANFILES += bench/bench$(EXEEXT)
EXTRA_DIST += bench/local.mk bench/suite bench/torch_ensemble.py bench/cnn-torch.sh

.PHONY: bench
bench: all bench/bench$(EXEEXT)
	FLATLINE_PLUGIN_PATH='$(abs_top_builddir)/plugins' ./bench/bench$(EXEEXT) $(BENCH_ARGS)

# A small CNN's training images/s, flatline (all detectors) against PyTorch in the same run
# (needs python3 with numpy and torch; see the script's header).
BENCH_THREADS = 1
.PHONY: bench-cnn
bench-cnn: all
	FLATLINE_PLUGIN_PATH='$(abs_top_builddir)/plugins' FLATLINE='$(abs_top_builddir)/flatline' \
		$(SHELL) $(srcdir)/bench/cnn-torch.sh $(BENCH_THREADS)
