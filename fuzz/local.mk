# Fuzzing (issue 8): libFuzzer targets for experiment files, the csv reader and the npy
# reader (.npy headers and .npz directories), built with
# clang straight from the sources they exercise (not through libtool), with ASan, UBSan and
# coverage.  Outside `make check` (which only replays the kept inputs, below):
#   make fuzz                     replay fuzz/regressions, then fuzz each target FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=600    longer sessions; the corpus in fuzz/build/corpus grows
#   make fuzz-smoke               30 s per target, for CI
# Needs clang and its runtime (Debian 12: clang libclang-rt-14-dev).  fuzz/README says
# how to use it, fuzz/run.sh what a session does.
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_SMOKE_SECONDS = 30
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CCFLAGS = -std=c11 -g -O1 -Wall -Wextra -fno-omit-frame-pointer $(FUZZ_SANITIZE)
FUZZ_INCLUDES = $(DEFS) $(AM_CPPFLAGS) $(LIBCONFIG_CFLAGS) $(JSON_GLIB_CFLAGS) $(GLIB_CFLAGS)
FUZZ_LINK = $(JSON_GLIB_LIBS) $(GLIB_LIBS) $(LIBCONFIG_LIBS) $(ZLIB_LIBS) $(DNNL_LIBS) -ldl -lm
# The whole core library, from its own source list, so a new core file never breaks the
# fuzz build.  Make finds the prerequisites through VPATH; the compile line takes the .c
# files of the list from the source tree.
FUZZ_CORE = `for f in $(core_libflatline_core_la_SOURCES); do \
	case $$f in *.c) echo $(srcdir)/$$f;; esac; done`
FUZZ_DEPS = $(core_libflatline_core_la_SOURCES) $(srcdir)/include/flatline/plugin.h
FUZZ_RUN = $(SHELL) $(srcdir)/fuzz/run.sh

fuzz-need-clang:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs $(FUZZ_CC) and its runtime" \
		"(Debian 12: apt-get install clang libclang-rt-14-dev)"; exit 1; }

fuzz/build/fuzz-experiment: $(srcdir)/fuzz/fuzz-experiment.c $(FUZZ_DEPS)
	@$(MKDIR_P) fuzz/build
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CCFLAGS) -fsanitize=fuzzer $(FUZZ_INCLUDES) \
		$(srcdir)/fuzz/fuzz-experiment.c $(FUZZ_CORE) -o $@ $(FUZZ_LINK)

fuzz/build/fuzz-csv: $(srcdir)/fuzz/fuzz-csv.c $(FUZZ_DEPS)
	@$(MKDIR_P) fuzz/build
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CCFLAGS) -fsanitize=fuzzer $(FUZZ_INCLUDES) \
		$(srcdir)/fuzz/fuzz-csv.c $(FUZZ_CORE) -o $@ $(FUZZ_LINK)

# The csv plugin with coverage, so the fuzzer sees its branches.  A 61-byte read chunk
# (64 KiB in flatline) makes short inputs cross chunk boundaries in every possible place.
fuzz/build/plugins/dataset-csv.so: $(srcdir)/plugins/dataset/csv.c \
		$(srcdir)/include/flatline/plugin.h
	@$(MKDIR_P) fuzz/build/plugins
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CCFLAGS) -fsanitize=fuzzer-no-link -fPIC -shared -DCSV_CHUNK=61 \
		$(FUZZ_INCLUDES) $(srcdir)/plugins/dataset/csv.c -o $@ $(GLIB_LIBS) -lm

fuzz/build/fuzz-npy: $(srcdir)/fuzz/fuzz-npy.c $(FUZZ_DEPS)
	@$(MKDIR_P) fuzz/build
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CCFLAGS) -fsanitize=fuzzer $(FUZZ_INCLUDES) \
		$(srcdir)/fuzz/fuzz-npy.c $(FUZZ_CORE) -o $@ $(FUZZ_LINK)

fuzz/build/plugins/dataset-npy.so: $(srcdir)/plugins/dataset/npy.c \
		$(srcdir)/plugins/dataset/synth.h $(srcdir)/include/flatline/plugin.h
	@$(MKDIR_P) fuzz/build/plugins
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CCFLAGS) -fsanitize=fuzzer-no-link -fPIC -shared \
		$(FUZZ_INCLUDES) $(srcdir)/plugins/dataset/npy.c -o $@ $(GLIB_LIBS) -lm

fuzz-build: all fuzz-need-clang fuzz/build/fuzz-experiment fuzz/build/fuzz-csv \
		fuzz/build/plugins/dataset-csv.so fuzz/build/fuzz-npy fuzz/build/plugins/dataset-npy.so
	@$(SHELL) $(srcdir)/fuzz/seeds.sh $(srcdir) fuzz/build/seeds

# Each target in turn (the machine has 2 cores; the other one keeps the build usable).
fuzz: fuzz-build
	$(FUZZ_RUN) experiment $(FUZZ_SECONDS) $(srcdir) fuzz/build '$(abs_top_builddir)/plugins'
	$(FUZZ_RUN) csv $(FUZZ_SECONDS) $(srcdir) fuzz/build '$(abs_top_builddir)/fuzz/build/plugins'
	$(FUZZ_RUN) npy $(FUZZ_SECONDS) $(srcdir) fuzz/build '$(abs_top_builddir)/fuzz/build/plugins'

fuzz-smoke:
	$(MAKE) $(AM_MAKEFLAGS) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

fuzz-clean:
	rm -rf fuzz/build

.PHONY: fuzz fuzz-build fuzz-need-clang fuzz-smoke fuzz-clean
EXTRA_DIST += fuzz/run.sh fuzz/seeds.sh fuzz/README \
	fuzz/experiment.dict fuzz/csv.dict fuzz/npy.dict fuzz/lsan.supp fuzz/regressions

# `make check` replays the kept inputs with the ordinary compiler and the core library,
# so what fuzzing found stays fixed in CI (and under its sanitizer build) without clang.
check_PROGRAMS += fuzz/replay-experiment fuzz/replay-csv fuzz/replay-npy
TESTS += fuzz/replay-experiment fuzz/replay-csv fuzz/replay-npy
fuzz_replay_experiment_SOURCES = fuzz/fuzz-experiment.c fuzz/replay.c
fuzz_replay_experiment_CPPFLAGS = $(FL_TEST_FLAGS) \
	-DFUZZ_REGRESSIONS='"$(abs_top_srcdir)/fuzz/regressions/experiment"'
fuzz_replay_experiment_LDADD = $(FL_TEST_LIBS)
fuzz_replay_csv_SOURCES = fuzz/fuzz-csv.c fuzz/replay.c
fuzz_replay_csv_CPPFLAGS = $(FL_TEST_FLAGS) \
	-DFUZZ_REGRESSIONS='"$(abs_top_srcdir)/fuzz/regressions/csv"'
fuzz_replay_csv_LDADD = $(FL_TEST_LIBS)
fuzz_replay_npy_SOURCES = fuzz/fuzz-npy.c fuzz/replay.c
fuzz_replay_npy_CPPFLAGS = $(FL_TEST_FLAGS) \
	-DFUZZ_REGRESSIONS='"$(abs_top_srcdir)/fuzz/regressions/npy"'
fuzz_replay_npy_LDADD = $(FL_TEST_LIBS)
