# The documentation: the README's examples and links.
TESTS += tests/test-readme.sh
EXTRA_DIST += tests/test-readme.sh doc
