# The manual pages, and the examples a user starts from: every experiment file and the
# example detector's source, in $(docdir)/examples.  The experiment files are copied by
# a glob so that a new one is installed without a new line here.
dist_man_MANS = doc/flatline.1 doc/flatline-plugin.7
examplesdir = $(docdir)/examples
dist_examples_DATA = plugins/examples/stuck_above_baseline.c

install-data-local: install-example-experiments
install-example-experiments:
	$(MKDIR_P) '$(DESTDIR)$(examplesdir)'
	$(INSTALL_DATA) $(srcdir)/experiments/*.cfg '$(DESTDIR)$(examplesdir)'
uninstall-local: uninstall-example-experiments
uninstall-example-experiments:
	cd $(srcdir)/experiments && for f in *.cfg; do rm -f "$(DESTDIR)$(examplesdir)/$$f"; done
.PHONY: install-example-experiments uninstall-example-experiments
