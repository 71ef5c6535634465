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

# Directories under the prefix are written relative to it (${prefix}/include), as configure
# writes them, so that `pkg-config --define-prefix` works on a copied installation.
flatline.pc: $(srcdir)/flatline.pc.in fl-always
	@p='$(prefix)'; \
	rel() { case $$1 in "$$p" | "$$p"/*) printf '%s' "\$${prefix}$${1#"$$p"}" ;; \
		*) printf '%s' "$$1" ;; esac; }; \
	sed -e "s|[@]prefix[@]|$$p|g" -e "s|[@]exec_prefix[@]|$$(rel '$(exec_prefix)')|g" \
		-e "s|[@]libdir[@]|$$(rel '$(libdir)')|g" \
		-e "s|[@]includedir[@]|$$(rel '$(includedir)')|g" \
		-e 's|[@]PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' $(srcdir)/flatline.pc.in > $@.tmp && \
	$(FL_REPLACE_IF_CHANGED)

# What core/paths.h would say, for tests: `make -s print-paths prefix=P`.
print-paths:
	@$(FL_PATHS_H_TEXT)

fl-always:
.PHONY: fl-always print-paths
BUILT_SOURCES += core/paths.h
CLEANFILES += core/paths.h flatline.pc
EXTRA_DIST += flatline.pc.in
