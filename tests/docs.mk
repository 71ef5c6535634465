# The documentation: the README's examples and links, the manual pages' lint.
TESTS += tests/test-readme.sh tests/test-man.sh
EXTRA_DIST += tests/test-readme.sh tests/test-man.sh doc/DEVELOPING.md doc/images
