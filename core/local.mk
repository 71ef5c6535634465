# The core: a convenience library (shared by the binary and the tests) and the binary.
noinst_LTLIBRARIES += core/libflatline-core.la
core_libflatline_core_la_SOURCES = \
	core/host.c core/host.h \
	core/registry.c core/registry.h \
	core/paramtable.c core/paramtable.h \
	core/params.c core/params.h \
	core/suggest.c core/suggest.h \
	core/about.c core/about.h \
	core/config.c core/config.h \
	core/data.c core/data.h \
	core/memory.c core/memory.h \
	core/model.c core/model.h \
	core/loss.c core/loss.h \
	core/numfmt.c core/numfmt.h \
	core/probes.c core/probes.h \
	core/runresult.c core/runresult.h \
	core/train.c core/train.h \
	core/csv.c core/csv.h \
	core/results.c core/results.h core/journal.c core/journal.h \
	core/recordwire.c core/recordwire.h \
	core/verdict.c core/verdict.h \
	core/outdir.c core/outdir.h \
	core/plan.c core/plan.h \
	core/runner.c core/runner.h \
	core/sweep.c core/sweep.h core/sweep-options.h \
	core/pool.c core/pool.h core/stop.c core/stop.h \
	core/worker.c core/worker.h \
	core/detect.c core/detect.h \
	core/diagnosis.c core/diagnosis.h \
	core/cli.c core/cli.h core/listing.c core/listing.h core/lint.c core/lint.h \
	core/term.c core/term.h \
	core/plotdata.c core/plotdata.h \
	core/plot.c core/plot.h \
	core/report.c core/report.h \
	core/verify.c core/verify.h core/fixes.c
core_libflatline_core_la_SOURCES += core/slurm.c core/slurm.h
core_libflatline_core_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCONFIG_CFLAGS) $(JSON_GLIB_CFLAGS) $(ZLIB_CFLAGS)
core_libflatline_core_la_CFLAGS = $(AM_CFLAGS) $(OPENMP_CFLAGS)
core_libflatline_core_la_LIBADD = $(JSON_GLIB_LIBS) $(GLIB_LIBS) $(LIBCONFIG_LIBS) $(ZLIB_LIBS) $(DNNL_LIBS) -lm

bin_PROGRAMS += flatline
flatline_SOURCES = core/main.c
flatline_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCONFIG_CFLAGS)
flatline_LDFLAGS = $(AM_LDFLAGS) $(OPENMP_CFLAGS)
flatline_LDADD = core/libflatline-core.la $(JSON_GLIB_LIBS) $(GLIB_LIBS) $(LIBCONFIG_LIBS) $(ZLIB_LIBS) $(DNNL_LIBS) -lm
