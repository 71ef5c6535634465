#!/bin/sh
# Sweeps as users run them: parallel equals serial, a crashing, aborting or hanging run
# costs one run, SIGKILL at random moments then resume gives every run exactly once with
# no stray file, and the progress line shows on a terminal but not on a pipe.  TAP output.
set -u
flatline=${FLATLINE:?}
builddir=${FL_TEST_BUILDDIR:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flatline-sweep-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "1..6"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# Diagnostics go out as TAP comments, every line of them.
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }

# A small grid: 4 learning rates x 2 inits x 3 seeds = 24 runs of a few milliseconds.
cat > "$tmp/grid.cfg" <<'CFG'
seed = 4;
repeats = 3;
dataset = { plugin = "sine2d"; samples = 120; validation = 0.2; };
model = ( { name = "h"; units = 12; activation = "relu"; init = "he_uniform"; },
          { name = "out"; units = 1; } );
loss = "mse";
optimizer = { plugin = "adam"; lr = 0.01; };
train = { epochs = 40; batch = 16; };
grid = ( { key = "optimizer.lr"; values = [ 1e-6, 1e-3, 1e-2, 1.0 ]; },
         { key = "model.h.init"; values = [ "zeros", "he_uniform" ]; } );
CFG

# 1. Parallel equals serial, to the byte.
"$flatline" run "$tmp/grid.cfg" -o "$tmp/serial" -j 1 -q >/dev/null 2>&1
"$flatline" run "$tmp/grid.cfg" -o "$tmp/parallel" -j 2 -q >/dev/null 2>&1
diffs=0
for d in "$tmp/serial"/runs/*; do
    r=$(basename "$d")
    cmp -s "$d/metrics.csv" "$tmp/parallel/runs/$r/metrics.csv" || diffs=$((diffs + 1))
done
runs=$(ls "$tmp/serial/runs" | wc -l)
if [ "$runs" = 24 ] && [ "$diffs" = 0 ] &&
   [ "$(cut -d, -f1-9 "$tmp/serial/summary.csv")" = "$(cut -d, -f1-9 "$tmp/parallel/summary.csv")" ]; then
    ok "-j 2 gives the same metrics.csv bytes and summary as -j 1 (24 runs)"
else
    not_ok "-j 2 equals -j 1" "runs: $runs, metrics files that differ: $diffs"
fi

# 2. Faulty runs cost one run each; the others finish; exit status 1.  (Under
# AddressSanitizer a segfault ends the worker with a report and exit status 1, not the
# signal, so either reason is accepted for it.)
cat > "$tmp/faulty.cfg" <<'CFG'
dataset = { plugin = "sine2d"; samples = 60; };
model = ( { name = "h"; units = 6; activation = "tanh"; },
          { name = "f"; layer = "faulty"; mode = "ok"; },
          { name = "out"; units = 1; } );
loss = "mse";
optimizer = "adam";
train = { epochs = 20; batch = 20; timeout = 1.0; };
grid = ( { key = "model.f.mode"; values = [ "ok", "segv", "abort", "hang", "ok" ]; } );
CFG
FLATLINE_PLUGIN_PATH="$builddir/tests/faulty:${FLATLINE_PLUGIN_PATH:-}" \
    "$flatline" run "$tmp/faulty.cfg" -o "$tmp/faulty" -j 2 -q >"$tmp/faulty.out" 2>&1
status=$?
s="$tmp/faulty/summary.csv"
if [ "$status" = 1 ] && [ "$(wc -l <"$s")" = 6 ] &&
   grep -q '^r0000,ok,[0-9]*,ok,' "$s" && grep -q '^r0004,ok,[0-9]*,ok,' "$s" &&
   grep -q '^r0001,segv,[0-9]*,crashed,' "$s" && grep -q '^r0002,abort,[0-9]*,crashed,' "$s" &&
   grep -q '^r0003,hang,[0-9]*,timeout,' "$s" &&
   grep -Eq 'signal 11|exited with status' "$tmp/faulty/runs/r0001/run.result" &&
   grep -q 'signal 6' "$tmp/faulty/runs/r0002/run.result"; then
    ok "segfault, abort and hang cost one run each, recorded with the reason; exit 1"
else
    not_ok "faulty runs cost one run each" "exit $status" "$(cat "$s" 2>/dev/null)" "$(tail -5 "$tmp/faulty.out")"
fi

# 3. SIGKILL at random moments, then resume: every run exactly once, no stray file.
bad=0
for attempt in 1 2 3 4 5; do
    dir="$tmp/killed$attempt"
    "$flatline" run "$tmp/grid.cfg" -o "$dir" -j 2 -q >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$(( (attempt * 37) % 9 + 1 ))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    sleep 0.1 # the workers die with their coordinator
    "$flatline" run "$tmp/grid.cfg" -o "$dir" -j 2 -q >/dev/null 2>&1 || bad=$((bad + 1))
    rows=$(tail -n +2 "$dir/summary.csv" | cut -d, -f1 | sort | uniq | wc -l)
    all=$(tail -n +2 "$dir/summary.csv" | wc -l)
    results=$(ls "$dir"/runs/*/run.result | wc -l)
    stray=$(find "$dir/runs" -type f ! -name metrics.csv ! -name verdict.json ! -name run.cfg ! -name run.result | wc -l)
    for d in "$dir"/runs/*; do
        cmp -s "$d/metrics.csv" "$tmp/serial/runs/$(basename "$d")/metrics.csv" || bad=$((bad + 1))
    done
    [ "$rows" = 24 ] && [ "$all" = 24 ] && [ "$results" = 24 ] && [ "$stray" = 0 ] || {
        bad=$((bad + 1)); echo "# attempt $attempt: rows $rows/$all, results $results, stray files $stray"; }
done
if [ "$bad" = 0 ]; then
    ok "SIGKILL at 5 moments then resume: 24 runs exactly once, identical to an uninterrupted sweep"
else
    not_ok "SIGKILL then resume gives exactly-once results" "$bad problems"
fi

# 4. SIGINT: finished runs kept, the rest unfinished, a hint, exit 130; resume completes.
sed 's/epochs = 40;/epochs = 4000; stop_on = "never";/' "$tmp/grid.cfg" >"$tmp/slow.cfg"
"$flatline" run "$tmp/slow.cfg" -o "$tmp/int" -j 2 -q >"$tmp/int.out" 2>&1 &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
status=$?
if [ "$status" = 130 ] && grep -q 'run the same command again to resume' "$tmp/int.out" &&
   [ -z "$(pgrep -f "__worker $tmp/slow.cfg")" ]; then
    ok "SIGINT stops cleanly with a hint on how to resume (exit 130), no worker left"
else
    not_ok "SIGINT stops cleanly" "exit $status" "$(cat "$tmp/int.out")"
fi

# 5. A second flatline on the same directory is refused while the first runs.
"$flatline" run "$tmp/slow.cfg" -o "$tmp/lock" -j 1 -q >/dev/null 2>&1 &
pid=$!
sleep 0.5
"$flatline" run "$tmp/slow.cfg" -o "$tmp/lock" -q >"$tmp/lock.out" 2>&1
status=$?
kill -INT "$pid"; wait "$pid" 2>/dev/null
if [ "$status" = 2 ] && grep -q 'is being written by another flatline' "$tmp/lock.out"; then
    ok "a second flatline on the same directory is refused (exit 2)"
else
    not_ok "a second flatline is refused" "exit $status" "$(cat "$tmp/lock.out")"
fi

# 6. The progress line: on a pseudo-terminal yes, on a pipe no.
script -qfec "$flatline run $tmp/grid.cfg -o $tmp/tty -j 2" /dev/null >"$tmp/tty.out" 2>&1
"$flatline" run "$tmp/grid.cfg" -o "$tmp/pipe" -j 2 >"$tmp/pipe.out" 2>&1
if grep -q 'running, .* collapsed, .* elapsed' "$tmp/tty.out" &&
   ! grep -q 'elapsed' "$tmp/pipe.out" && grep -q 'primary causes' "$tmp/pipe.out"; then
    ok "a live progress line on a terminal, only the final table on a pipe"
else
    not_ok "progress line on a terminal only" "tty: $(tail -c 300 "$tmp/tty.out")" "pipe: $(head -3 "$tmp/pipe.out")"
fi
