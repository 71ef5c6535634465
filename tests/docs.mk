# The documentation: the README's examples and links, the manual pages' lint, and the
# layering HACKING.md describes.
TESTS += tests/test-readme.sh tests/test-man.sh tests/test-help.sh tests/test-completion.sh
EXTRA_DIST += tests/test-readme.sh tests/test-man.sh tests/test-help.sh tests/test-completion.sh doc/DEVELOPING.md doc/images
TESTS += tests/test-layering.sh
EXTRA_DIST += tests/test-layering.sh HACKING.md
