#!/bin/sh
# The manual pages render without a warning from groff -ww or mandoc -T lint (each check
# is skipped when its tool is missing).
src=${FL_TEST_SRCDIR:?}
n=0
fail=0
for page in "$src/doc/flatline.1" "$src/doc/flatline-plugin.7"; do
    name=$(basename "$page")
    n=$((n + 1))
    if command -v groff >/dev/null 2>&1; then
        out=$(groff -ww -man -z "$page" 2>&1)
        if [ -z "$out" ]; then echo "ok $n - groff -ww: $name renders without warnings"
        else fail=1; echo "not ok $n - groff -ww warns on $name"; echo "$out" | sed 's/^/# /'; fi
    else
        echo "ok $n # SKIP groff is not installed"
    fi
    n=$((n + 1))
    if command -v mandoc >/dev/null 2>&1; then
        out=$(mandoc -T lint -W style "$page" 2>&1)
        if [ -z "$out" ]; then echo "ok $n - mandoc -T lint: $name is clean"
        else fail=1; echo "not ok $n - mandoc -T lint finds problems in $name"; echo "$out" | sed 's/^/# /'; fi
    else
        echo "ok $n # SKIP mandoc is not installed"
    fi
done
echo "1..$n"
exit $fail
