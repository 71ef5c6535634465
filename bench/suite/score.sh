#!/bin/sh
# score.sh - run the failure suite with flatline and print how well it diagnoses it.
#
#   bench/suite/score.sh [-k] [CASE...]      (CASE: a file stem, e.g. pow4-unscaled)
#
# Every case FILE.cfg in bench/suite/ (and bench/suite/cnn/ once flatline accepts its
# layers) runs with 5 seeds, and so does its healthy twin FILE-twin.cfg.  The case's
# header says what a correct diagnosis is (# expect-verdict, # expect-causes).  Printed:
# one line per case, then the four figures and a breakdown per expected primary cause.
#
# Rules (one each, fixed here):
#   detected        the case's verdict is warning or collapsed in at least 3 of 5 seeds;
#   primary right   (over detected cases) the most frequent primary cause over the 5 seeds
#                   (first cause of each run that has one; a tie goes to the cause seen at
#                   the lowest seed) is one of the case's expect-causes;
#   false alarm     the twin's verdict is warning or collapsed in at least 3 of 5 seeds;
#   fails for real  independent of the detectors: in at least 3 of 5 seeds the loss is
#                   NaN/Inf or every output's spread across the probe inputs is below 10% of
#                   its targets' spread (the run's last saved epoch).
#   repaired        the file `flatline fix FILE.cfg` writes (reusing the case's results,
#                   its verified fix applied) is healthy in at least 3 of 5 seeds.
#
# Environment: FLATLINE (default: the flatline binary of this checkout), OUT (results,
# default ${TMPDIR:-/tmp}/flatline-suite), JOBS (default 2).  -k keeps earlier results
# (flatline resumes finished runs) instead of rerunning everything.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
FLATLINE=${FLATLINE:-$root/flatline}
OUT=${OUT:-${TMPDIR:-/tmp}/flatline-suite}
JOBS=${JOBS:-2}
force=--force
if [ "${1:-}" = "-k" ]; then force=; shift; fi
if [ ! -x "$FLATLINE" ]; then
    echo "score.sh: no flatline binary at $FLATLINE (build it, or set FLATLINE)" >&2
    exit 2
fi
mkdir -p "$OUT"

cases=
if [ $# -gt 0 ]; then
    for s in "$@"; do
        f=$(ls "$here/$s.cfg" "$here/cnn/$s.cfg" 2>/dev/null | head -n 1)
        [ -n "$f" ] || { echo "score.sh: no case $s" >&2; exit 2; }
        cases="$cases $f"
    done
else
    for f in "$here"/*.cfg "$here"/cnn/*.cfg; do
        case "$f" in *-twin.cfg) continue ;; esac
        cases="$cases $f"
    done
fi

has_fix=no
if "$FLATLINE" fix --help >/dev/null 2>&1; then has_fix=yes; fi

run_one() {  # run_one FILE DIR: 5 seeds, quiet; a config error is recorded, not fatal
    if ! "$FLATLINE" check "$1" >/dev/null 2>"$2.check"; then
        echo unrunnable > "$2.status"
        return
    fi
    rm -f "$2.check"
    "$FLATLINE" run "$1" -o "$2" -j "$JOBS" --no-plots --quiet $force --set repeats=5 \
        >/dev/null 2>"$2.err"
    echo "$?" > "$2.status"
}

list="$OUT/cases.list"
: > "$list"
for f in $cases; do
    stem=$(basename "$f" .cfg)
    twin="${f%.cfg}-twin.cfg"
    run_one "$f" "$OUT/$stem"
    if [ -f "$twin" ]; then run_one "$twin" "$OUT/$stem-twin"; fi
    if [ "$has_fix" = yes ] && [ "$(cat "$OUT/$stem.status")" != unrunnable ]; then
        # flatline fix on the case file, as a user repairs it: it reuses the case's
        # finished runs and verifies with its own budget (it writes nothing when nothing
        # collapsed: then there is no fixed file to run).
        rm -f "$OUT/$stem-fixed.cfg"
        if "$FLATLINE" fix "$f" --results "$OUT/$stem" --set repeats=5 -j "$JOBS" -q \
            -o "$OUT/$stem-fixed.cfg" >/dev/null 2>"$OUT/$stem-fixed.err" &&
            [ -f "$OUT/$stem-fixed.cfg" ]; then
            run_one "$OUT/$stem-fixed.cfg" "$OUT/$stem-fixed"
        fi
    fi
    printf '%s\t%s\n' "$f" "$stem" >> "$list"
done

exec python3 "$here/score.py" "$OUT" "$list" "$has_fix"
