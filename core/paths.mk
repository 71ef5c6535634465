# The installation directories reach the binary through a header written by make, not -D
# flags: make rewrites core/paths.h on every run from its own variables, so a new prefix —
# `./configure --prefix=P` again, or `make install prefix=P` — changes the header and
# rebuilds what includes it.  The file is replaced only when its text changes, so an
# unchanged prefix rebuilds nothing.  flatline.pc is written the same way.
FL_PATHS_H_TEXT = \
	echo '/* Written by make from the installation directories (core/paths.mk). */'; \
	echo '\#define FL_PREFIX "$(prefix)"'; \
	echo '\#define FL_BINDIR "$(bindir)"'; \
	echo '\#define FL_PLUGINDIR "$(plugindir)"'; \
	echo '\#define FL_DATADIR "$(pkgdatadir)"'

FL_REPLACE_IF_CHANGED = if cmp -s $@.tmp $@; then rm -f $@.tmp; else \
	echo "  GEN      $@"; mv $@.tmp $@; fi
core/paths.h: fl-always
	@$(MKDIR_P) core && { $(FL_PATHS_H_TEXT); } > $@.tmp && $(FL_REPLACE_IF_CHANGED)

flatline.pc: $(srcdir)/flatline.pc.in fl-always
	@sed -e 's|[@]prefix[@]|$(prefix)|g' -e 's|[@]exec_prefix[@]|$(exec_prefix)|g' \
		-e 's|[@]libdir[@]|$(libdir)|g' -e 's|[@]includedir[@]|$(includedir)|g' \
		-e 's|[@]PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' $(srcdir)/flatline.pc.in > $@.tmp && $(FL_REPLACE_IF_CHANGED)

# What core/paths.h would say, for tests: `make -s print-paths prefix=P`.
print-paths:
	@$(FL_PATHS_H_TEXT)

fl-always:
.PHONY: fl-always print-paths
BUILT_SOURCES += core/paths.h
CLEANFILES += core/paths.h flatline.pc
EXTRA_DIST += flatline.pc.in
