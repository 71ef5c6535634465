#!/bin/sh
# The manual pages render without a warning from groff -ww or mandoc -T lint (each check
# is skipped when its tool is missing), and flatline(1) names every option of every
# command's --help.
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
# Every option a command's --help offers is in flatline(1).
if [ -n "${FLATLINE:-}" ]; then
    for cmd in run check plugins plot report slurm fix unpack; do
        n=$((n + 1))
        missing=
        for opt in $("$FLATLINE" "$cmd" --help 2>/dev/null | sed -n 's/^  *\(-., \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p'); do
            [ "$opt" = --help ] && continue
            roff=$(printf '%s' "$opt" | sed 's/-/\\-/g')
            grep -qF -- "$roff" "$src/doc/flatline.1" || missing="$missing $opt"
        done
        if [ -z "$missing" ]; then echo "ok $n - flatline(1) covers every option of $cmd --help"
        else fail=1; echo "not ok $n - flatline(1) lacks options of $cmd:$missing"; fi
    done
fi
echo "1..$n"
exit $fail
