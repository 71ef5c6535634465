#!/bin/sh
# fuzz/run.sh TARGET SECONDS SRCDIR BUILDDIR PLUGIN_PATH — one fuzz target's session:
# replay every input kept in SRCDIR/fuzz/regressions/TARGET (each must now run cleanly),
# then fuzz for SECONDS from the seeds and the corpus kept in BUILDDIR/corpus/TARGET (it
# grows from session to session, merged down to the inputs that add coverage), then a leak
# pass.  An input that crashes, leaks, times out or trips a sanitizer or an assertion of
# the target is written to fuzz/regressions/TARGET as it is found: fix the bug and keep
# the file, so every later `make fuzz` (and `make check`) replays it.  A line per session
# is appended to BUILDDIR/sessions.tsv (date, target, seconds fuzzed, executions, corpus
# files, result).
#
# Leaks: libFuzzer runs a full LeakSanitizer scan after every input that allocated more
# than it freed, and libconfig 1.5 leaks a few bytes on many syntax errors (fuzz/lsan.supp),
# which made fuzzing ten times slower.  So the session fuzzes without leak checks, and the
# leak pass then runs every corpus input once with per-input leak checks, in batches of
# 400 (libFuzzer stops checking after 1000 leaky-looking inputs in one process).
set -u
target=$1 seconds=$2 src=$3 build=$4 plugins=$5
bin=$build/fuzz-$target
corpus=$build/corpus/$target
regress=$src/fuzz/regressions/$target
log=$build/$target.log

FLATLINE_PLUGIN_PATH=$plugins
G_SLICE=always-malloc
OMP_NUM_THREADS=1
ASAN_OPTIONS=allocator_may_return_null=1:quarantine_size_mb=16
LSAN_OPTIONS=suppressions=$src/fuzz/lsan.supp:print_suppressions=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export FLATLINE_PLUGIN_PATH G_SLICE OMP_NUM_THREADS ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
mkdir -p "$corpus" "$regress"
common="-timeout=10 -rss_limit_mb=2048 -max_len=8192"

kept=$(find "$regress" -type f | sort)
if [ -n "$kept" ]; then
    # shellcheck disable=SC2086
    if ! ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=1:fast_unwind_on_malloc=0 "$bin" $common $kept \
        >"$build/$target-replay.log" 2>&1; then
        echo "fuzz: $target: a kept input fails again (see $build/$target-replay.log):"
        grep -E 'Running:|ERROR|SUMMARY|abort|runtime error' "$build/$target-replay.log" | tail -8
        exit 1
    fi
    echo "fuzz: $target: $(echo "$kept" | wc -l) kept inputs replayed cleanly"
fi

[ "$seconds" -gt 0 ] || exit 0
before=$(ls "$regress")
started=$(date +%s)
# shellcheck disable=SC2086
ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 "$bin" $common -detect_leaks=0 \
    -max_total_time="$seconds" -print_final_stats=1 -dict="$src/fuzz/$target.dict" \
    -artifact_prefix="$regress/" "$corpus" "$build/seeds/$target" "$regress" >"$log" 2>&1
status=$?
elapsed=$(($(date +%s) - started))
if [ $status = 0 ]; then
    # Keep the corpus minimal: only inputs that add coverage (libFuzzer's merge).
    rm -rf "$corpus.merged"
    mkdir -p "$corpus.merged"
    if ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 "$bin" $common -detect_leaks=0 -merge=1 \
        "$corpus.merged" "$corpus" >>"$log" 2>&1; then
        rm -rf "$corpus" && mv "$corpus.merged" "$corpus"
    else
        rm -rf "$corpus.merged"
    fi
    batches=$build/leak-pass/$target
    rm -rf "$batches"
    n=0
    for f in "$corpus"/* "$build/seeds/$target"/*; do
        [ -f "$f" ] || continue
        mkdir -p "$batches/$((n / 400))"
        cp "$f" "$batches/$((n / 400))/$n"
        n=$((n + 1))
    done
    for batch in "$batches"/*; do
        # shellcheck disable=SC2086
        ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=1:fast_unwind_on_malloc=0 "$bin" $common \
            -runs=0 -detect_leaks=1 -artifact_prefix="$regress/" "$batch" >>"$log" 2>&1 ||
            { status=$?; break; }
    done
    rm -rf "$batches"
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | head -1)
files=$(ls "$corpus" | wc -l)
found=$(ls "$regress" | grep -vxF "$before")
result=clean
[ $status = 0 ] && [ -z "$found" ] || result=failed
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$target" "$elapsed" \
    "${execs:-?}" "$files" "$result" >>"$build/sessions.tsv"
if [ $result = failed ]; then
    echo "fuzz: $target: FAILED after ${execs:-?} executions (see $log)"
    for f in $found; do echo "  kept as $regress/$f"; done
    grep -E 'ERROR|SUMMARY|abort|runtime error|#[0-9]+ .* in ' "$log" | head -12
    exit 1
fi
echo "fuzz: $target: ${execs:-?} executions in ${elapsed} s, no failure; corpus: $files files"
