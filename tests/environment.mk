# A hostile environment (issue 8): unwritable and full output paths, damaged results
# directories, experiment and data files that are not what they seem, broken plugin links.
TESTS += tests/test-environment.sh
EXTRA_DIST += tests/test-environment.sh
