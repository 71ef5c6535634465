# The documentation: the README's examples and links, the manual pages' lint, and the
# layering HACKING.md describes.
TESTS += tests/test-readme.sh tests/test-man.sh tests/test-help.sh tests/test-completion.sh
EXTRA_DIST += tests/test-readme.sh tests/test-man.sh tests/test-help.sh tests/test-completion.sh doc/DEVELOPING.md doc/images

# Installing into a temporary prefix from a copy of the build tree; the plugins command; check as a linter;
# report and plot without an out-of-tree plugin.
TESTS += tests/test-install.sh tests/test-plugins.sh tests/test-check.sh \
	tests/test-saved-results.sh
EXTRA_DIST += tests/test-install.sh tests/test-plugins.sh tests/test-check.sh \
	tests/test-saved-results.sh
TESTS += tests/test-layering.sh
EXTRA_DIST += tests/test-layering.sh HACKING.md
