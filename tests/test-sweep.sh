#!/bin/sh
# Sweeps as users run them: parallel equals serial, a crashing, aborting, hanging or
# memory-starved run costs one run, SIGKILL at random moments then resume gives every run
# exactly once with no stray file, a worker killed with a batch uncommitted loses no run, and the progress line shows on a terminal but not on a
# pipe.  Then results directories as they travel: links planted in them, directories that
# are not flatline's, --force beside the user's files, one run reproduced from its
# run.cfg, and every pairing of writers on one directory.  TAP output.
set -u
flatline=${FLATLINE:?}
builddir=${FL_TEST_BUILDDIR:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flatline-sweep-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# Diagnostics go out as TAP comments, every line of them.
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
# running PID: alive and not a zombie waiting to be reaped.
running() { st=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${st#Z}" = "$st" ]; }
# reap PID [SECONDS]: wait for a flatline started in the background, at most SECONDS (60).
# One still running then hangs: say what it and its workers were doing, kill them, and
# return 124, so the test that waited fails by name instead of the suite stalling.
reap() {
    limit=$(( ${2:-60} * 10 )) waited=0
    while running "$1" && [ "$waited" -lt "$limit" ]; do sleep 0.1; waited=$((waited + 1)); done
    if running "$1"; then
        echo "# pid $1 still running after ${2:-60} s:"
        ps -o pid,stat,wchan:24,args --ppid "$1" -p "$1" 2>&1 | sed 's/^/#   /'
        pkill -9 -P "$1"; kill -9 "$1"; wait "$1" 2>/dev/null
        return 124
    fi
    wait "$1"
}

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
# -j2 written as getopt users write it, attached.
"$flatline" run "$tmp/grid.cfg" -o "$tmp/parallel" -j2 -q >/dev/null 2>&1
diffs=0
for d in "$tmp/serial"/runs/*; do
    r=$(basename "$d")
    cmp -s "$d/metrics.csv" "$tmp/parallel/runs/$r/metrics.csv" || diffs=$((diffs + 1))
done
runs=$(ls "$tmp/serial/runs" | wc -l)
if [ "$runs" = 24 ] && [ "$diffs" = 0 ] &&
   [ "$(cut -d, -f1-9 "$tmp/serial/summary.csv")" = "$(cut -d, -f1-9 "$tmp/parallel/summary.csv")" ]; then
    ok "-j2 gives the same metrics.csv bytes and summary as -j 1 (24 runs)"
else
    not_ok "-j 2 equals -j 1" "runs: $runs, metrics files that differ: $diffs"
fi

# 1b. Workers are forked from the coordinator and serve its plan; FLATLINE_WORKER_EXEC=1
# starts them as programs of their own (`flatline __worker`), which plan the file again.
# Either way the same bytes.
FLATLINE_WORKER_EXEC=1 "$flatline" run "$tmp/grid.cfg" -o "$tmp/exec" -j 2 -q >/dev/null 2>&1
diffs=0
for d in "$tmp/serial"/runs/*; do
    cmp -s "$d/metrics.csv" "$tmp/exec/runs/$(basename "$d")/metrics.csv" || diffs=$((diffs + 1))
done
# What each worker is: read while a long sweep runs.
sed 's/epochs = 40;/epochs = 40000; stop_on = "never";/' "$tmp/grid.cfg" >"$tmp/long.cfg"
worker_kinds() { # ENV... : "forked exec'd" counts of the coordinator's children
    env "$@" "$flatline" run "$tmp/long.cfg" -o "$tmp/kinds" -j 2 -q --force >/dev/null 2>&1 &
    local pid=$! forked=0 execd=0 c
    for i in $(seq 1 100); do
        [ "$(pgrep -P "$pid" | wc -l)" = 2 ] && break
        sleep 0.02
    done
    sleep 0.2
    for c in $(pgrep -P "$pid"); do
        if tr '\0' ' ' <"/proc/$c/cmdline" | grep -q '__worker'; then
            execd=$((execd + 1))
        else
            forked=$((forked + 1))
        fi
    done
    kill -INT "$pid"
    reap "$pid" >/dev/null
    echo "$forked $execd"
}
kinds_fork=$(worker_kinds FLATLINE_WORKER_EXEC=0)
kinds_exec=$(worker_kinds FLATLINE_WORKER_EXEC=1)
if [ "$diffs" = 0 ] && [ "$(ls "$tmp/exec/runs" | wc -l)" = 24 ] &&
   [ "$kinds_fork" = "2 0" ] && [ "$kinds_exec" = "0 2" ]; then
    ok "workers forked from the coordinator by default, exec'd with FLATLINE_WORKER_EXEC=1: the same bytes"
else
    not_ok "forked and exec'd workers" "metrics that differ: $diffs" \
        "forked/exec'd by default: $kinds_fork; with FLATLINE_WORKER_EXEC=1: $kinds_exec"
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

# 2b. A pack that kills its worker is run again run by run, and only a run that kills a
# worker alone is charged: "pack_segv" crashes in a pack of three and never alone, "segv"
# always; the healthy cell's pack trains as one.
{ echo 'repeats = 3;'
  sed -e 's/ timeout = 1.0;//' -e 's/"ok", "segv", "abort", "hang", "ok"/"ok", "pack_segv", "segv"/' \
      "$tmp/faulty.cfg"; } >"$tmp/faulty-pack.cfg"
FLATLINE_PLUGIN_PATH="$builddir/tests/faulty:${FLATLINE_PLUGIN_PATH:-}" \
    "$flatline" run "$tmp/faulty-pack.cfg" -o "$tmp/faulty-pack" -j 2 -q >"$tmp/faulty-pack.out" 2>&1
status=$?
s="$tmp/faulty-pack/summary.csv"
if [ "$status" = 1 ] && [ "$(wc -l <"$s")" = 10 ] &&
   [ "$(grep -c '^r000[0-5],[a-z_]*,[0-9]*,ok,' "$s")" = 6 ] &&
   [ "$(grep -c '^r000[6-8],segv,[0-9]*,crashed,' "$s")" = 3 ]; then
    ok "a pack that kills its worker is rerun run by run: only runs that crash alone are charged"
else
    not_ok "pack crash reruns" "exit $status" "$(cat "$s" 2>/dev/null)" "$(tail -5 "$tmp/faulty-pack.out")"
fi

# 3. SIGKILL at random moments, then resume: every run exactly once, no stray file.
bad=0
for attempt in 1 2 3 4 5; do
    dir="$tmp/killed$attempt"
    "$flatline" run "$tmp/grid.cfg" -o "$dir" -j 2 -q >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$(( (attempt * 37) % 9 + 1 ))"
    kill -9 "$pid" 2>/dev/null
    reap "$pid" 2>/dev/null
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
# The sweep must still be running a second in: since its repeats train in packs, 4000
# epochs a run sometimes finished all 24 runs first on two cores.
sed 's/epochs = 40;/epochs = 40000; stop_on = "never";/' "$tmp/grid.cfg" >"$tmp/slow.cfg"
"$flatline" run "$tmp/slow.cfg" -o "$tmp/int" -j 2 -q >"$tmp/int.out" 2>&1 &
pid=$!
sleep 1
kill -INT "$pid"
reap "$pid"
status=$?
if [ "$status" = 130 ] && grep -q 'run the same command again to resume' "$tmp/int.out" &&
   [ -z "$(pgrep -f "$tmp/slow.cfg")" ]; then
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
kill -INT "$pid"; reap "$pid" 2>/dev/null
if [ "$status" = 2 ] && grep -q 'is being written by another flatline' "$tmp/lock.out"; then
    ok "a second flatline on the same directory is refused (exit 2)"
else
    not_ok "a second flatline is refused" "exit $status" "$(cat "$tmp/lock.out")"
fi

# 6. The progress line: on a pseudo-terminal yes (never "0 running"), on a pipe no.
# script(1) passes its stdin on to the run: /dev/null, so nothing the harness left there
# reaches it.
script -qfec "$flatline run $tmp/grid.cfg -o $tmp/tty -j 2" /dev/null </dev/null >"$tmp/tty.out" 2>&1
"$flatline" run "$tmp/grid.cfg" -o "$tmp/pipe" -j 2 >"$tmp/pipe.out" 2>&1
if grep -q 'running, .* collapsed, .* elapsed' "$tmp/tty.out" &&
   ! grep -q ' 0 running' "$tmp/tty.out" &&
   ! grep -q 'elapsed' "$tmp/pipe.out" && grep -q 'primary causes' "$tmp/pipe.out"; then
    ok "a live progress line on a terminal, only the final table on a pipe"
else
    not_ok "progress line on a terminal only" "tty: $(tail -c 300 "$tmp/tty.out")" "pipe: $(head -3 "$tmp/pipe.out")"
fi

# ---------------------------------------------------------------- results directories

# Everything under a directory, links with their targets and files with their checksums:
# what a refused or foreign command must leave exactly as it was.
snapshot() {
    (cd "$1" && find . -print | LC_ALL=C sort | while IFS= read -r f; do
        if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"
        elif [ -f "$f" ]; then echo "$f $(cksum <"$f")"
        else echo "$f/"; fi
    done)
}
# fl ARGS...: flatline with status, stdout and stderr in $status, $tmp/o, $tmp/e.
fl() { "$flatline" "$@" >"$tmp/o" 2>"$tmp/e"; status=$?; }
said() { printf 'exit %s; stderr: %s' "$status" "$(head -c 1500 "$tmp/e")"; }
# changes SNAPSHOT DIR: how DIR differs from an earlier snapshot of it.
changes() { printf '%s\n' "$1" >"$tmp/snap"; snapshot "$2" | diff "$tmp/snap" - | head -20; }

# Three quick runs.
cat >"$tmp/tiny.cfg" <<'CFG'
name = "tiny";
seed = 2;
repeats = 3;
dataset = { plugin = "sine2d"; samples = 40; };
model = ( { name = "h"; units = 4; activation = "relu"; }, { name = "out"; units = 1; } );
loss = "mse";
optimizer = { plugin = "adam"; lr = 0.01; };
train = { epochs = 3; batch = 8; };
detectors = ( );
CFG
tiny() { fl run "$tmp/tiny.cfg" -q --no-plots -j 1 "$@"; }

# 7. A run directory, runs/ itself, the lock or the charts' tables that is a link to the
# user's files: refused with the reason, and what the link points to is neither deleted nor
# written (by run, plot or report).
mkdir "$tmp/mine"
echo "three years of work" >"$tmp/mine/thesis.txt"
echo "not flatline's" >"$tmp/mine/metrics.csv"
echo "0 1" >"$tmp/mine/loss-01.dat"
mine_before=$(snapshot "$tmp/mine")
tiny -o "$tmp/link1"
rm -r "$tmp/link1/runs/r0001"
ln -s "$tmp/mine" "$tmp/link1/runs/r0001"
bad=
tiny -o "$tmp/link1"
{ [ "$status" = 2 ] && grep -q 'link1/runs/r0001 is a symbolic link' "$tmp/e"; } || bad="$bad resume($(said))"
tiny -o "$tmp/link1" --force
{ [ "$status" = 2 ] && grep -q 'is a symbolic link' "$tmp/e"; } || bad="$bad force($(said))"
tiny -o "$tmp/link2"
rm -r "$tmp/link2/runs"
ln -s "$tmp/mine" "$tmp/link2/runs"
tiny -o "$tmp/link2" --force
{ [ "$status" = 2 ] && grep -q 'link2/runs is a symbolic link' "$tmp/e"; } || bad="$bad runs($(said))"
tiny -o "$tmp/link3"
rm "$tmp/link3/.lock"
ln -s "$tmp/mine/thesis.txt" "$tmp/link3/.lock"
tiny -o "$tmp/link3"
{ [ "$status" = 2 ] && grep -q 'link3/.lock is a symbolic link' "$tmp/e"; } || bad="$bad lock($(said))"
# The charts' tables are cleared before each drawing: plots/data must not lead elsewhere.
tiny -o "$tmp/link4"
mkdir -p "$tmp/link4/plots"
ln -s "$tmp/mine" "$tmp/link4/plots/data"
for cmd in plot report; do
    fl "$cmd" "$tmp/link4"
    { [ "$status" = 2 ] && grep -q 'link4/plots/data is a symbolic link' "$tmp/e"; } || bad="$bad $cmd($(said))"
done
tiny -o "$tmp/link4"
{ [ "$status" = 2 ] && grep -q 'link4/plots/data is a symbolic link' "$tmp/e"; } || bad="$bad plots($(said))"
if [ -z "$bad" ] && [ "$(snapshot "$tmp/mine")" = "$mine_before" ]; then
    ok "links (runs/r0001, runs/, .lock, plots/data) to the user's files: refused saying so, their target untouched"
else
    not_ok "links are never followed" "$bad" "$(changes "$mine_before" "$tmp/mine")"
fi

# 8. A directory that is not flatline's, and the file being run, are never overwritten:
# -o . beside the experiment file (named experiment.cfg, or not), DIR/experiment.cfg -o DIR,
# and flatline report on a project directory holding an experiment.cfg.
mkdir "$tmp/proj"
cp "$tmp/tiny.cfg" "$tmp/proj/experiment.cfg"
cp "$tmp/tiny.cfg" "$tmp/proj/sweep.cfg"
echo "my notes" >"$tmp/proj/notes.txt"
proj_before=$(snapshot "$tmp/proj")
bad=
for args in "experiment.cfg -o ." "experiment.cfg -o . --force" "sweep.cfg -o ." "sweep.cfg -o . --force"; do
    # shellcheck disable=SC2086
    (cd "$tmp/proj" && "$flatline" run $args -q --no-plots >"$tmp/o" 2>"$tmp/e")
    status=$?
    { [ "$status" = 2 ] && grep -q -- '-o' "$tmp/e"; } || bad="$bad [$args]($(said))"
done
grep -q 'holds no flatline results' "$tmp/e" || bad="$bad [no reason given]($(said))"
fl report "$tmp/proj"
{ [ "$status" = 2 ] && grep -q 'not a flatline results directory' "$tmp/e"; } || bad="$bad [report]($(said))"
tiny -o "$tmp/own"
own_before=$(snapshot "$tmp/own")
fl run "$tmp/own/experiment.cfg" -o "$tmp/own" -q --no-plots --force
{ [ "$status" = 2 ] && grep -q 'own/experiment.cfg is a file of the results' "$tmp/e"; } || bad="$bad [own]($(said))"
if [ -z "$bad" ] && [ "$(snapshot "$tmp/proj")" = "$proj_before" ] &&
   [ "$(snapshot "$tmp/own")" = "$own_before" ]; then
    ok "-o . beside the experiment file, DIR/experiment.cfg -o DIR, report on it: refused (exit 2), nothing written"
else
    not_ok "foreign directories and the file being run are left alone" "$bad" \
        "$(changes "$proj_before" "$tmp/proj")" \
        "$(changes "$own_before" "$tmp/own")"
fi

# 9. --force deletes only what flatline wrote: the user's files beside the results, in
# runs/ and in a run's directory stay; every run is done again.
tiny -o "$tmp/forced"
echo a >"$tmp/forced/notes.txt"
echo b >"$tmp/forced/runs/README"
mkdir "$tmp/forced/runs/rough"
echo c >"$tmp/forced/runs/rough/draft.txt"
echo d >"$tmp/forced/runs/r0001/comment.txt"
user_files() { for f in notes.txt runs/README runs/rough/draft.txt runs/r0001/comment.txt; do
    printf '%s %s\n' "$f" "$(cat "$tmp/forced/$f" 2>&1 | cksum)"; done; }
user_before=$(user_files)
echo tampered >>"$tmp/forced/runs/r0002/metrics.csv"
tiny -o "$tmp/forced" --force
if [ "$status" = 0 ] && [ "$(user_files)" = "$user_before" ] && grep -q '^3 runs: 3 ok' "$tmp/o" &&
   ! grep -q tampered "$tmp/forced/runs/r0002/metrics.csv" &&
   [ "$(ls "$tmp/forced/runs/r0001")" = "$(printf 'comment.txt\nmetrics.csv\nrun.cfg\nrun.result\nverdict.json')" ]; then
    ok "--force reruns every run and keeps the user's files beside, in runs/ and in a run"
else
    not_ok "--force deletes only flatline's files" "$(said)" "$(user_files)" "$(ls -R "$tmp/forced")"
fi

# 10. One run reproduced as the README says, from the directory the sweep was run in: no
# --force needed, the same bytes, and the sweep it came from untouched.
mkdir -p "$tmp/repro/results"
cp -r "$tmp/serial" "$tmp/repro/results/grid"
sweep_before=$(snapshot "$tmp/repro/results/grid")
(cd "$tmp/repro" && "$flatline" run results/grid/runs/r0007/run.cfg -q --no-plots >"$tmp/o" 2>"$tmp/e")
status=$?
(cd "$tmp/repro" && "$flatline" run results/grid/runs/r0007/run.cfg -q --no-plots --force \
    -o results/grid >/dev/null 2>&1)
status2=$?
if [ "$status" = 0 ] && [ "$status2" = 2 ] && [ "$(snapshot "$tmp/repro/results/grid")" = "$sweep_before" ] &&
   cmp -s "$tmp/repro/results/grid-r0007/runs/r0000/metrics.csv" "$tmp/serial/runs/r0007/metrics.csv"; then
    ok "flatline run DIR/runs/r0007/run.cfg: bit-identical run in results/grid-r0007, the sweep untouched"
else
    not_ok "reproducing one run" "$(said); with -o the sweep --force: exit $status2" \
        "$(changes "$sweep_before" "$tmp/repro/results/grid")"
fi

# 11. Every pairing of writers on one directory: a whole sweep excludes everything; shards
# run side by side unless they share runs (0/2 and 0/3 share run 0, 0/2 and 1/3 run 4).
# The first writer runs until stopped; the second is refused, or writes (its lock holds
# its pid) and is stopped.
sed 's/epochs = 40;/epochs = 1000000; stop_on = "never";/' "$tmp/grid.cfg" >"$tmp/forever.cfg"
lock_of() { case "$2" in "--shard "*) s=${2#--shard }; echo "$1/.lock-shard-${s%/*}-of-${s#*/}" ;; *) echo "$1/.lock" ;; esac; }
holds() { [ "$(cat "$(lock_of "$1" "$2")" 2>/dev/null)" = "$3" ]; }
pairing() { # FIRST-ARGS SECOND-ARGS refused|shared
    local d=$tmp/pair p1 p2 i outcome=none
    rm -rf "$d"
    # shellcheck disable=SC2086
    "$flatline" run "$tmp/forever.cfg" -o "$d" -j 1 -q --no-plots $1 >/dev/null 2>&1 &
    p1=$!
    for i in $(seq 400); do holds "$d" "$1" "$p1" && break; sleep 0.05; done
    # shellcheck disable=SC2086
    "$flatline" run "$tmp/forever.cfg" -o "$d" -j 1 -q --no-plots $2 >"$tmp/o" 2>"$tmp/e" &
    p2=$!
    for i in $(seq 400); do
        if ! kill -0 "$p2" 2>/dev/null; then outcome=exited; break; fi
        if holds "$d" "$2" "$p2"; then outcome=shared; break; fi
        sleep 0.05
    done
    kill -INT "$p2" 2>/dev/null
    reap "$p2"
    status=$?
    if [ "$outcome" = exited ] && [ "$status" = 2 ] && grep -q 'is being written by another flatline' "$tmp/e" &&
       kill -0 "$p1" 2>/dev/null; then
        outcome=refused
    fi
    kill -INT "$p1" 2>/dev/null
    reap "$p1"
    [ "$outcome" = "$3" ] || echo "[$1] then [$2]: $outcome, expected $3; $(said)"
}
bad=$(
    pairing "--shard 0/2" "--force" refused
    pairing "--shard 0/2" "" refused
    pairing "" "--shard 1/2" refused
    pairing "" "--force" refused
    pairing "--shard 0/2" "--shard 0/2" refused
    pairing "--shard 0/2" "--shard 0/3" refused
    pairing "--shard 0/2" "--shard 1/3" refused
    pairing "--shard 0/2" "--shard 1/2" shared
    pairing "--shard 0/2" "--shard 1/4" shared
)
if [ -z "$bad" ]; then
    ok "writers on one directory: whole sweeps exclude all, overlapping shards are refused, disjoint ones share"
else
    not_ok "the lock excludes every writer" "$bad"
fi

# 12. A run whose allocation fails (GLib aborts) costs that run: recorded as crashed with a
# reason that says so; the others finish; exit 1.  (Under AddressSanitizer the failed
# allocation must return NULL to GLib, as it does without it.)
sed 's/"ok", "segv", "abort", "hang", "ok"/"ok", "oom", "ok"/' "$tmp/faulty.cfg" >"$tmp/oom.cfg"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1" \
FLATLINE_PLUGIN_PATH="$builddir/tests/faulty:${FLATLINE_PLUGIN_PATH:-}" \
    "$flatline" run "$tmp/oom.cfg" -o "$tmp/oom" -j 2 -q --no-plots >"$tmp/o" 2>"$tmp/e"
status=$?
s="$tmp/oom/summary.csv"
if [ "$status" = 1 ] && grep -q '^r0000,ok,[0-9]*,ok,' "$s" && grep -q '^r0002,ok,[0-9]*,ok,' "$s" &&
   grep -q '^r0001,oom,[0-9]*,crashed,' "$s" &&
   grep -q '^reason=the worker was killed by signal .* after: GLib: .*failed to allocate' "$tmp/oom/runs/r0001/run.result" &&
   grep -q '^3 runs: 2 ok, 1 crashed' "$tmp/o"; then
    ok "a failed allocation costs one run, recorded as crashed with GLib's words; exit 1"
else
    not_ok "a failed allocation costs one run" "$(said)" "$(cat "$s" 2>/dev/null)" \
        "$(cat "$tmp/oom/runs/r0001/run.result" 2>/dev/null)"
fi

# 13. What a plugin or a file says reaches the terminal escaped: a run's reason holding a
# title-setting OSC and a screen clear is printed as text, not obeyed (the live progress
# line's own ESC[K aside).
sed 's/"ok", "segv", "abort", "hang", "ok"/"ok", "error"/' "$tmp/faulty.cfg" >"$tmp/esc.cfg"
FLATLINE_PLUGIN_PATH="$builddir/tests/faulty:${FLATLINE_PLUGIN_PATH:-}" \
    script -qfec "$flatline run $tmp/esc.cfg -o $tmp/esc -j 1 --no-plots" /dev/null </dev/null >"$tmp/esc.out" 2>&1
status=$?
osc=$(printf '\033]0;')
clear=$(printf '\033[2J')
if [ "$status" = 1 ] && grep -qF 'crashed: ' "$tmp/esc.out" &&
   grep -qF 'bad input \x1b]0;pwned\x07\x1b[2J here' "$tmp/esc.out" &&
   ! grep -qF "$osc" "$tmp/esc.out" && ! grep -qF "$clear" "$tmp/esc.out"; then
    ok "a reason holding escape sequences is shown escaped on a terminal"
else
    not_ok "reasons reach the terminal escaped" "exit $status" "$(od -c "$tmp/esc.out" | grep -n '033' | head -5)" \
        "$(tail -c 600 "$tmp/esc.out")"
fi

# 14. Group commit: a worker killed outright (the OOM killer's SIGKILL) while it holds runs
# trained but not yet committed (files written, no run.result) costs at most the run it
# was running; the others it held are run again by a new worker, no temporary file is
# left, and every saved run matches a sweep nobody disturbed.  A resume then completes
# the crashed one.
sed 's/repeats = 3;/repeats = 30;/' "$tmp/grid.cfg" >"$tmp/many.cfg"
"$flatline" run "$tmp/many.cfg" -o "$tmp/many-ref" -j 1 -q --no-plots --no-verify >/dev/null 2>&1
"$flatline" run "$tmp/many.cfg" -o "$tmp/wkill" -j 2 -q --no-plots --no-verify >/dev/null 2>&1 &
pid=$!
victim=
for i in $(seq 1 100); do
    # Once runs are being written: a worker then holds an open batch.
    if ls "$tmp/wkill/runs" 2>/dev/null | grep -q .; then
        victim=$(pgrep -P "$pid" | head -1)
        [ -n "$victim" ] && break
    fi
    sleep 0.02
done
[ -n "$victim" ] && kill -9 "$victim" 2>/dev/null
reap "$pid" 300
status=$?
crashed=$(tail -n +2 "$tmp/wkill/summary.csv" | grep -c ',crashed,')
okruns=$(tail -n +2 "$tmp/wkill/summary.csv" | grep -c ',ok,')
diffs=0
for d in "$tmp/wkill"/runs/*; do
    grep -q '^status=ok' "$d/run.result" 2>/dev/null || continue
    cmp -s "$d/metrics.csv" "$tmp/many-ref/runs/$(basename "$d")/metrics.csv" || diffs=$((diffs + 1))
done
"$flatline" run "$tmp/many.cfg" -o "$tmp/wkill" -j 2 -q --no-plots --no-verify >/dev/null 2>&1
status2=$?
after=$(tail -n +2 "$tmp/wkill/summary.csv" | grep -c ',ok,')
stray=$(find "$tmp/wkill/runs" -type f ! -name metrics.csv ! -name verdict.json ! -name run.cfg ! -name run.result | wc -l)
for d in "$tmp/wkill"/runs/*; do
    cmp -s "$d/metrics.csv" "$tmp/many-ref/runs/$(basename "$d")/metrics.csv" || diffs=$((diffs + 1))
done
if [ -n "$victim" ] && [ "$crashed" -le 1 ] && [ $((okruns + crashed)) = 240 ] &&
   [ "$status" -le 1 ] && [ "$status2" = 0 ] && [ "$after" = 240 ] && [ "$diffs" = 0 ] &&
   [ "$stray" = 0 ]; then
    ok "a worker killed mid-batch costs at most its running run ($crashed); its uncommitted runs rerun; resume completes 240 identical runs"
else
    not_ok "a worker killed mid-batch" "victim '$victim', exit $status then $status2" \
        "crashed $crashed, ok $okruns, ok after resume $after, metrics that differ $diffs, stray files $stray"
fi

# 15. The compact layout (--compact): each worker's runs in one journal file, no directory
# per run; the same summary as the default layout, every run's files recoverable to the
# byte with `flatline unpack`, exactly once after SIGKILL and resume, and a record cut
# short by a kill counted as unfinished and run again.
same_as_serial() { # DIR: unpack every run, then compare with the serial sweep's files
    "$flatline" unpack "$1" >/dev/null 2>&1 || { echo "unpack failed"; return; }
    for d in "$tmp/serial"/runs/*; do
        r=$(basename "$d")
        cmp -s "$d/metrics.csv" "$1/runs/$r/metrics.csv" && cmp -s "$d/run.cfg" "$1/runs/$r/run.cfg" ||
            echo "$r differs"
    done
    [ "$(cut -d, -f1-9 "$tmp/serial/summary.csv")" = "$(cut -d, -f1-9 "$1/summary.csv")" ] ||
        echo "summary.csv differs"
}
"$flatline" run "$tmp/grid.cfg" -o "$tmp/compact" -j 2 -q --compact --no-verify >/dev/null 2>&1
status=$?
dirs=$(find "$tmp/compact/runs" -mindepth 1 -type d | wc -l)
journals=$(ls "$tmp/compact/journal" 2>/dev/null | wc -l)
plots=$(ls "$tmp/compact/plots"/*.png 2>/dev/null | wc -l)
problems=$(same_as_serial "$tmp/compact")
if [ "$status" = 0 ] && [ "$dirs" = 0 ] && [ "$journals" -ge 1 ] && [ "$journals" -le 2 ] &&
   [ "$plots" -ge 3 ] && [ -z "$problems" ]; then
    ok "--compact: no run directory, $journals journal files, charts drawn; unpacked, every run's files equal the default layout's"
else
    not_ok "--compact equals the default layout" "exit $status, run directories $dirs, journals $journals, charts $plots" "$problems"
fi
# The tables of a sweep are made from the records its workers sent; a rerun that finds every
# run finished makes them from the saved files: the same bytes, the same table on screen.
cp "$tmp/compact/summary.csv" "$tmp/compact/cells.csv" "$tmp/"
"$flatline" run "$tmp/grid.cfg" -o "$tmp/compact" -j 2 --compact --no-verify --no-plots >"$tmp/again.out" 2>&1
"$flatline" run "$tmp/grid.cfg" -o "$tmp/compact2" -j 2 --compact --no-verify --no-plots >"$tmp/fresh.out" 2>&1
grep -v 'already finished' "$tmp/again.out" | sed 's/compact$/compact2/' >"$tmp/again.table"
collapsed=$(grep -c ',collapsed,' "$tmp/summary.csv")
if cmp -s "$tmp/summary.csv" "$tmp/compact/summary.csv" && cmp -s "$tmp/cells.csv" "$tmp/compact/cells.csv" &&
   cmp -s "$tmp/again.table" "$tmp/fresh.out" && [ "$collapsed" -ge 3 ]; then
    ok "--compact: the tables from the workers' records equal the tables from the saved files ($collapsed collapsed runs)"
else
    not_ok "tables from the workers' records equal those from the saved files" "collapsed $collapsed" \
        "$(diff "$tmp/summary.csv" "$tmp/compact/summary.csv" | head -5)" \
        "$(diff "$tmp/cells.csv" "$tmp/compact/cells.csv" | head -5)" \
        "$(diff "$tmp/again.table" "$tmp/fresh.out" | head -5)"
fi
bad=0
for attempt in 1 2 3; do
    dir="$tmp/ckilled$attempt"
    "$flatline" run "$tmp/grid.cfg" -o "$dir" -j 2 -q --compact --no-verify --no-plots >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$(( (attempt * 41) % 9 + 1 ))"
    kill -9 "$pid" 2>/dev/null
    reap "$pid" 2>/dev/null
    sleep 0.1
    "$flatline" run "$tmp/grid.cfg" -o "$dir" -j 2 -q --compact --no-verify --no-plots >/dev/null 2>&1 || bad=$((bad + 1))
    rows=$(tail -n +2 "$dir/summary.csv" | cut -d, -f1 | sort -u | wc -l)
    problems=$(same_as_serial "$dir")
    [ "$rows" = 24 ] && [ -z "$problems" ] || { bad=$((bad + 1)); echo "# attempt $attempt: rows $rows; $problems"; }
done
# A record cut short (the end of a journal torn off): that run is unfinished, and runs again.
dir="$tmp/torn"
"$flatline" run "$tmp/grid.cfg" -o "$dir" -j 1 -q --compact --no-verify --no-plots >/dev/null 2>&1
journal=$(ls "$dir"/journal/*.log | head -1)
size=$(wc -c <"$journal")
truncate -s $((size - 100)) "$journal"
missing=$("$flatline" report "$dir" 2>&1 | grep -c 'r0023')
"$flatline" run "$tmp/grid.cfg" -o "$dir" -j 1 --compact --no-verify --no-plots >"$tmp/torn.out" 2>&1 || bad=$((bad + 1))
grep -q '^23 runs already finished' "$tmp/torn.out" || { bad=$((bad + 1)); echo "# torn: $(head -3 "$tmp/torn.out")"; }
problems=$(same_as_serial "$dir")
[ -z "$problems" ] || { bad=$((bad + 1)); echo "# torn: $problems"; }
if [ "$bad" = 0 ] && [ "$missing" -ge 1 ]; then
    ok "--compact: SIGKILL at 3 moments then resume gives 24 runs exactly once; a torn record reruns its run only"
else
    not_ok "--compact survives kills and torn records" "$bad problems; the torn run named by report: $missing"
fi

# 17. A journal directory that is a link is refused before anything is written through it.
mkdir -p "$tmp/elsewhere"
cp -r "$tmp/compact" "$tmp/jlink"
rm -rf "$tmp/jlink/journal"
ln -s "$tmp/elsewhere" "$tmp/jlink/journal"
"$flatline" run "$tmp/grid.cfg" -o "$tmp/jlink" -j 2 -q --compact --force --no-verify --no-plots >"$tmp/jlink.out" 2>&1
status=$?
if [ "$status" = 2 ] && grep -q 'journal is a symbolic link' "$tmp/jlink.out" &&
   [ -z "$(ls "$tmp/elsewhere")" ]; then
    ok "--compact: a journal directory that is a link is refused (exit 2), nothing written through it"
else
    not_ok "a linked journal directory is refused" "exit $status" "$(cat "$tmp/jlink.out")" "$(ls "$tmp/elsewhere")"
fi

# 18. A stop sent the moment the lock is taken is obeyed, not lost: a shell starts a
# background command with SIGINT ignored, and the sweep must catch it from before the
# lock, not only once workers run.  The window is short: try several times.
lost=0
for k in 1 2 3 4 5 6 7 8; do
    rm -rf "$tmp/early"
    "$flatline" run "$tmp/forever.cfg" -o "$tmp/early" -j 1 -q --no-plots >/dev/null 2>&1 &
    pid=$!
    for i in $(seq 2000); do [ "$(cat "$tmp/early/.lock" 2>/dev/null)" = "$pid" ] && break; sleep 0.005; done
    kill -INT "$pid"
    reap "$pid" 20 >/dev/null
    [ $? = 130 ] || lost=$((lost + 1))
done
if [ "$lost" = 0 ]; then
    ok "SIGINT sent as the lock is taken stops the sweep (exit 130), 8 times of 8"
else
    not_ok "SIGINT sent as the lock is taken" "$lost of 8 times not stopped with exit 130"
fi

echo "1..$n"
