#!/bin/bash
# `flatline slurm` as users run it.  First without Slurm: the dry run's script (every
# argument quoted, the shard count fixed in it), a bad file refused before sbatch, sbatch
# missing, and the submission through a stand-in sbatch.  Then against a real slurmctld and
# slurmd on this machine (tests/slurm/up.sh): a 24-run sweep as a 4-task array equals the
# same sweep run locally, every run exactly once; a task cancelled halfway is named by
# `flatline report` with its missing runs, and resubmitting that task alone completes the
# sweep.  The Slurm half is skipped when not root or when Slurm cannot be installed or
# started.  TAP output.
# The automake driver runs tests with sh: this one needs bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
flatline=${FLATLINE:?}
srcdir=${FL_TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flatline-slurm-XXXXXX")
slurm_up=0
export FL_SLURM_DIR=$tmp/cluster
# A port of its own: a cluster brought up by hand (up.sh's default port) is left alone.
export FL_SLURM_PORT=${FL_SLURM_TEST_PORT:-16837}
export SLURM_CONF=$FL_SLURM_DIR/slurm.conf
cleanup() {
    [ "$slurm_up" = 1 ] && bash "$srcdir/tests/slurm/down.sh" >"$tmp/down.log" 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "1..12"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
check() { # check DESCRIPTION CONDITION-STATUS DIAGNOSTICS...
    local d=$1 s=$2; shift 2
    if [ "$s" = 0 ]; then ok "$d"; else not_ok "$d" "$@"; fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# 4 learning rates x 2 inits x 3 repeats = 24 runs of a few tens of milliseconds; the slow
# twin (about half a second a run) gives the kill test time to act within a task.
cat >"$tmp/grid.cfg" <<'CFG'
name = "grid";
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
sed -e 's/"grid"/"slow"/' -e 's/samples = 120/samples = 1500/' \
    -e 's/epochs = 40; batch = 16;/epochs = 1000; batch = 16; stop_on = "never";/' \
    "$tmp/grid.cfg" >"$tmp/slow.cfg"

# 1. The dry run prints a script whose command, read back by bash, is exactly the
# arguments intended: a hostile --set value stays one argument and runs nothing.  (No '/'
# in it: a name is a file name, and commands run from $tmp.)
evil="name=\"x \$(touch pwned) 'q' \`touch pwned\` ; touch pwned\""
"$flatline" slurm "$tmp/grid.cfg" --tasks 4 -j 2 --threads 3 -o "$tmp/dry run" \
    --set "$evil" --dry-run -- --mem=100M >"$tmp/dry.out" 2>&1
status=$?
line=$(grep '^exec ' "$tmp/dry.out")
printf '%s\n' "$line" | sed 's/^exec /printf "%s\\n" /' >"$tmp/args.sh"
got=$(cd "$tmp" && SLURM_ARRAY_TASK_ID=3 bash "$tmp/args.sh" 2>&1)
want=$(printf '%s\n' "$(readlink -f "$flatline")" run "$tmp/grid.cfg" -o "$tmp/dry run" \
    --shard 3/4 -j 2 --threads 3 --quiet --no-plots "--set=$evil")
if [ "$status" = 0 ] && [ "$got" = "$want" ] && [ ! -e "$tmp/pwned" ] &&
   [ ! -e "$tmp/dry run" ] &&
   grep -qx '#SBATCH --array=0-3' "$tmp/dry.out" &&
   grep -qx '#SBATCH --cpus-per-task=6' "$tmp/dry.out" &&
   grep -qxF "#SBATCH --output=\"$tmp/dry run/slurm/task-%A_%a.out\"" "$tmp/dry.out" &&
   grep -qxF "sbatch --parsable --mem=100M '$tmp/dry run/slurm/job.sh'" "$tmp/dry.out"; then
    ok "dry run: the script's command is the intended argv, --shard I/4 fixed, -c = J x T; nothing written"
else
    not_ok "dry run script" "exit $status" "got:" "$got" "want:" "$want" "$(cat "$tmp/dry.out")"
fi

# A stand-in sbatch records its arguments and answers like `sbatch --parsable`.
mkdir -p "$tmp/fakebin" "$tmp/nobin"
cat >"$tmp/fakebin/sbatch" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$tmp/sbatch.args"
echo "4242;cluster"
EOF
chmod +x "$tmp/fakebin/sbatch"

# 2. A bad experiment fails before anything is written or submitted: exit 2, file:line.
sed 's/lr = 0.01;/lrr = 0.01;/' "$tmp/grid.cfg" >"$tmp/bad.cfg"
PATH="$tmp/fakebin:$PATH" "$flatline" slurm "$tmp/bad.cfg" -o "$tmp/bad" >"$tmp/bad.out" 2>&1
status=$?
[ "$status" = 2 ] && grep -q 'bad.cfg:[0-9]*.*lrr' "$tmp/bad.out" && [ ! -e "$tmp/sbatch.args" ] &&
    [ ! -e "$tmp/bad" ]
check "a bad experiment: exit 2 naming file:line and key, nothing written, sbatch not run" $? \
    "exit $status" "$(cat "$tmp/bad.out")"

# 3. No sbatch on PATH: exit 2 with what to install.
PATH="$tmp/nobin" "$flatline" slurm "$tmp/grid.cfg" -o "$tmp/nosbatch" >"$tmp/nosbatch.out" 2>&1
status=$?
[ "$status" = 2 ] && [ ! -e "$tmp/nosbatch" ] && grep -qF \
    "sbatch not found: install Slurm's client (Debian: slurm-client) or use --dry-run" \
    "$tmp/nosbatch.out"
check "sbatch missing: exit 2 with the package to install" $? "exit $status" "$(cat "$tmp/nosbatch.out")"

# 4. Submitted through the stand-in: defaults (16 tasks at most, 1 CPU), options after
# "--" passed on as given, the job id read and recorded in slurm.info, the next steps told.
(cd "$tmp" && PATH="$tmp/fakebin:$PATH" "$flatline" slurm grid.cfg --tasks 30 -p 'part x' \
    -- --comment 'two words' -J x >"$tmp/fake.out" 2>&1)
status=$?
d=$tmp/results/grid
info=$d/slurm.info
want_args=$(printf '%s\n' --parsable --comment 'two words' -J x "$d/slurm/job.sh")
[ "$status" = 0 ] && [ "$(cat "$tmp/sbatch.args")" = "$want_args" ] &&
    grep -qx 'job_id=4242' "$info" && grep -qx 'tasks=24' "$info" && grep -qx 'runs=24' "$info" &&
    grep -qxF "file=$tmp/grid.cfg" "$info" && grep -qxF "script=$d/slurm/job.sh" "$info" &&
    grep -qx 'sbatch_options=--comment;two words;-J;x;' "$info" &&
    grep -qx '#SBATCH --array=0-23' "$d/slurm/job.sh" &&
    grep -qx '#SBATCH --partition="part x"' "$d/slurm/job.sh" &&
    grep -qx '#SBATCH --cpus-per-task=1' "$d/slurm/job.sh" && [ -x "$d/slurm/job.sh" ] &&
    grep -q 'squeue -j 4242' "$tmp/fake.out" && grep -q "flatline report $d" "$tmp/fake.out" &&
    grep -q "sbatch --array=I --comment 'two words' -J x $d/slurm/job.sh" "$tmp/fake.out"
check "submission: argv to sbatch, job id in slurm.info, tasks capped at the runs, next steps printed" $? \
    "exit $status" "sbatch got:" "$(cat "$tmp/sbatch.args" 2>/dev/null)" "$(cat "$tmp/fake.out")" \
    "$(cat "$info" 2>/dev/null)"

# 5. A shard taken from SLURM_ARRAY_* (a shell left from an array job, say) is announced,
# with where it came from and how to run everything; --shard given wins, silently.
(cd "$tmp" && SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_COUNT=4 \
    "$flatline" run grid.cfg -o "$tmp/envshard" -q --no-plots >"$tmp/env.out" 2>"$tmp/env.err")
status=$?
(cd "$tmp" && SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_COUNT=4 \
    "$flatline" run grid.cfg -o "$tmp/envshard" --shard 0/1 -q --no-plots >"$tmp/env2.out" 2>"$tmp/env2.err")
status2=$?
[ "$status" = 0 ] && grep -q '^flatline: shard 1/4 from SLURM_ARRAY_TASK_ID=5' "$tmp/env.err" &&
    grep -q -- '--shard 0/1 to run them all' "$tmp/env.err" && grep -q '^6 runs: 6 ok' "$tmp/env.out" &&
    [ "$status2" = 0 ] && [ ! -s "$tmp/env2.err" ] && grep -q '^24 runs: 24 ok' "$tmp/env2.out"
check "a shard from SLURM_ARRAY_TASK_ID is announced (shard 1/4 from ...); --shard overrides it" $? \
    "exit $status, $status2" "$(cat "$tmp/env.err" "$tmp/env.out" "$tmp/env2.err")"

# 6. -j and --threads out of range, and a task's CPUs (J x T) that would overflow: refused
# with the limit, nothing written.
bad=
for args in "-j 65536 --threads 65536" "-j 0" "--threads 0" "--threads 2000"; do
    # shellcheck disable=SC2086
    "$flatline" slurm "$tmp/grid.cfg" --dry-run -o "$tmp/cpus" $args >"$tmp/cpus.out" 2>&1
    status=$?
    { [ "$status" = 2 ] && grep -q 'between 1 and 1024' "$tmp/cpus.out" &&
      ! grep -q 'cpus-per-task' "$tmp/cpus.out"; } || bad="$bad [$args] exit $status: $(cat "$tmp/cpus.out")"
done
[ -z "$bad" ] && [ ! -e "$tmp/cpus" ]
check "slurm -j/--threads out of range (J x T = 2^32 included): exit 2 naming the limit" $? "$bad"

# ---- a real Slurm ----------------------------------------------------------------------
reason=
if [ "$(id -u)" != 0 ]; then
    reason="not root: cannot install or start Slurm"
else
    t0=$(now)
    if bash "$srcdir/tests/slurm/up.sh" >"$tmp/up.log" 2>&1 && tail -1 "$tmp/up.log" | grep -q READY; then
        slurm_up=1
        echo "# Slurm up in $(elapsed "$t0") s: $(tail -1 "$tmp/up.log")"
    else
        slurm_up=1 # whatever did start is stopped by the trap
        reason="Slurm would not start: $(tail -1 "$tmp/up.log")"
    fi
fi
if [ -n "$reason" ]; then
    for t in 7 8 9 10 11 12; do skip "$reason"; done
    exit 0
fi

# Every Slurm client call has a time limit: a controller that stops answering fails the
# test that asked, by name, instead of stalling the suite (squeue retries for minutes).
sq() { timeout -k 2 15 squeue "$@"; }
# before SECONDS T0: true while less than SECONDS have passed since T0.
before() { awk -v a="$2" -v b="$(now)" -v s="$1" 'BEGIN { exit !(b - a < s) }'; }
# wait_job ID: until squeue lists nothing of the job (2 minutes at most).
wait_job() {
    local t0 out; t0=$(now)
    while before 120 "$t0"; do
        out=$(sq -h -j "$1" 2>&1)
        case $? in
        0) [ -z "$out" ] && return 0 ;;
        124 | 137) ;;
        *) grep -q 'Invalid job id' <<<"$out" && return 0 ;; # finished and purged
        esac
        sleep 0.2
    done
    return 1
}
# same DIR1 DIR2: every run's metrics.csv and verdict.json (less its wall time) equal.
same() {
    local r bad=0
    for r in $(cd "$1/runs" && ls); do
        cmp -s "$1/runs/$r/metrics.csv" "$2/runs/$r/metrics.csv" || bad=$((bad + 1))
        [ "$(grep -v wall_ms "$1/runs/$r/verdict.json")" = \
          "$(grep -v wall_ms "$2/runs/$r/verdict.json")" ] || bad=$((bad + 1))
    done
    [ "$bad" = 0 ] && [ "$(ls "$1/runs")" = "$(ls "$2/runs")" ]
}
# table FILE: summary.csv without its wall_ms column.
table() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_ms") w = i }
             { out = ""; for (i = 1; i <= NF; i++) if (i != w) out = out (out == "" ? "" : ",") $i; print out }' "$1"
}
# ids DIR: the finished runs, one per line.
finished() { (cd "$1/runs" && for r in *; do [ -f "$r/run.result" ] && echo "$r"; done); }

# 5. The 24-run sweep as 4 array tasks, for real.
t0=$(now)
"$flatline" slurm "$tmp/grid.cfg" --tasks 4 -o "$tmp/array" >"$tmp/submit.out" 2>&1
status=$?
job=$(sed -n 's/^job_id=//p' "$tmp/array/slurm.info" 2>/dev/null)
if [ "$status" = 0 ] && [ -n "$job" ] && wait_job "$job"; then
    echo "# job $job: 24 runs in 4 tasks finished in $(elapsed "$t0") s"
    logs_ok=1
    for t in 0 1 2 3; do
        grep -q '^6 runs: 6 ok, 0 crashed, 0 timed out' "$tmp/array/slurm/task-${job}_$t.out" || logs_ok=0
    done
    [ "$(finished "$tmp/array" | wc -l)" = 24 ] && [ "$logs_ok" = 1 ]
    check "a 4-task array ran 24 runs, each task its own 6" $? "$(ls "$tmp/array/runs")" \
        "$(tail -n 3 "$tmp/array/slurm"/task-*.out)"
else
    not_ok "a 4-task array ran 24 runs" "exit $status, job '$job'" "$(cat "$tmp/submit.out")" \
        "$(sq -j "$job" 2>&1)"
fi

# 6. Merged by flatline report: 24 rows, each run once; equal to the same sweep run here.
"$flatline" run "$tmp/grid.cfg" -o "$tmp/local" -j 2 -q --no-plots --no-verify >/dev/null 2>&1
"$flatline" report "$tmp/array" >"$tmp/report.out" 2>&1
status=$?
rows=$(tail -n +2 "$tmp/array/summary.csv" | cut -d, -f1)
[ "$status" = 0 ] && [ "$(echo "$rows" | wc -l)" = 24 ] &&
    [ "$(echo "$rows" | sort -u | wc -l)" = 24 ] &&
    [ "$rows" = "$(finished "$tmp/local")" ] && same "$tmp/array" "$tmp/local" &&
    [ "$(table "$tmp/array/summary.csv")" = "$(table "$tmp/local/summary.csv")" ]
check "flatline report merges 24 unique rows; metrics, verdicts and summary equal a local -j 2 run" $? \
    "report exit $status" "$(cat "$tmp/report.out")" "$(diff <(table "$tmp/array/summary.csv") \
    <(table "$tmp/local/summary.csv") 2>&1 | head -10)"

# 7. Cancel one task halfway: wait for a running task with some but not all of its runs
# finished, then scancel that task alone.
t0=$(now)
"$flatline" slurm "$tmp/slow.cfg" --tasks 4 -o "$tmp/killed" >"$tmp/submit2.out" 2>&1
job=$(sed -n 's/^job_id=//p' "$tmp/killed/slurm.info" 2>/dev/null)
victim=
t1=$(now)
while [ -n "$job" ] && before 120 "$t1"; do
    for t in $(sq -h -j "$job" -t RUNNING -o %K 2>/dev/null); do
        done_runs=0
        for i in $(seq "$t" 4 23); do
            [ -f "$tmp/killed/runs/$(printf 'r%04d' "$i")/run.result" ] && done_runs=$((done_runs + 1))
        done
        if [ "$done_runs" -ge 1 ] && [ "$done_runs" -le 3 ]; then
            victim=$t
            break 2
        fi
    done
    sleep 0.2
done
[ -n "$victim" ] && timeout -k 2 15 scancel "${job}_$victim"
wait_job "$job"
missing=
for i in $(seq 0 23); do
    r=$(printf 'r%04d' "$i")
    [ -f "$tmp/killed/runs/$r/run.result" ] || missing="$missing $r"
done
"$flatline" report "$tmp/killed" >"$tmp/report2.out" 2>&1
status=$?
named=1
for r in $missing; do
    i=$((10#${r#r}))
    [ $((i % 4)) = "$victim" ] || named=0          # only the cancelled task lost runs
    grep -q "$r (task $victim)" "$tmp/report2.out" || named=0
done
echo "# job $job: task $victim cancelled; missing:$missing ($(elapsed "$t0") s)"
[ -n "$victim" ] && [ -n "$missing" ] && [ "$status" != 0 ] && [ "$named" = 1 ] &&
    grep -q missing "$tmp/report2.out"
check "task $victim cancelled: flatline report names its missing runs and the task" $? \
    "victim '$victim', job '$job', report exit $status, missing:$missing" "$(cat "$tmp/report2.out")" \
    "$(cat "$tmp/submit2.out")"

# 8. Resubmit that task alone, as the report and the script say: it runs its own shard
# again (6 runs, the finished ones kept as they are), not the whole sweep.
before=$(cd "$tmp/killed/runs" && ls -l --time-style=full-iso */run.result)
t0=$(now)
job2=$(timeout -k 2 30 sbatch --parsable --array="$victim" "$tmp/killed/slurm/job.sh" 2>"$tmp/sbatch2.err")
job2=${job2%%;*}
wait_job "$job2"
echo "# task $victim resubmitted as job $job2: done in $(elapsed "$t0") s"
kept=1
while read -r line; do
    grep -qxF -e "$line" <<<"$(cd "$tmp/killed/runs" && ls -l --time-style=full-iso */run.result)" || kept=0
done <<<"$before"
log2=$tmp/killed/slurm/task-${job2}_$victim.out
[ -n "$job2" ] && [ "$kept" = 1 ] && grep -q '^6 runs: 6 ok, 0 crashed, 0 timed out' "$log2"
check "sbatch --array=$victim job.sh reruns shard $victim of 4 only; finished runs untouched" $? \
    "job '$job2', finished runs kept: $kept" "$(cat "$tmp/sbatch2.err")" "$(tail -n 3 "$log2" 2>&1)"

# 9. Complete and exactly once after the resubmission.
"$flatline" report "$tmp/killed" >"$tmp/report3.out" 2>&1
status=$?
rows=$(tail -n +2 "$tmp/killed/summary.csv" | cut -d, -f1)
[ "$status" = 0 ] && ! grep -q missing "$tmp/report3.out" && [ "$(finished "$tmp/killed" | wc -l)" = 24 ] &&
    [ "$(echo "$rows" | wc -l)" = 24 ] && [ "$(echo "$rows" | sort -u | wc -l)" = 24 ]
check "after the resubmission flatline report finds all 24 runs, each once" $? \
    "report exit $status" "$(cat "$tmp/report3.out")"

# 10. And the pieced-together sweep equals the slow sweep run here in one go.
"$flatline" run "$tmp/slow.cfg" -o "$tmp/slowlocal" -j 2 -q --no-plots --no-verify >/dev/null 2>&1
same "$tmp/killed" "$tmp/slowlocal" &&
    [ "$(table "$tmp/killed/summary.csv")" = "$(table "$tmp/slowlocal/summary.csv")" ]
check "the cancelled-and-resubmitted sweep equals a local run, run by run" $? \
    "$(diff <(table "$tmp/killed/summary.csv") <(table "$tmp/slowlocal/summary.csv") 2>&1 | head -10)"
