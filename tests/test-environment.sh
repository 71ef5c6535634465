#!/bin/sh
# flatline in a hostile environment: an output path it cannot create, a full disk, a
# results directory it cannot read, experiment files that are a directory, empty or
# binary, a CSV with a 1 GB line, a plugin directory holding a broken symbolic link.  Each
# must end with exit status 2 (1 when runs themselves failed), a message naming the file
# and what to do, no signal or sanitizer report, and nothing partial left behind: no
# temporary file, no run.result for a run whose files are incomplete, and a later run of
# the same command recovers.  TAP output.
#
# The full disk is a 64 KiB tmpfs mounted in a private mount namespace (unshare -rm, or
# plain mount when root), so every write of flatline really meets ENOSPC; the tests skip
# when neither is allowed.
set -u
flatline=${FLATLINE:?}
builddir=${FL_TEST_BUILDDIR:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flatline-env-XXXXXX")
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# Diagnostics go out as TAP comments, every line of them.
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
    shift
    for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# Run flatline; status, stdout and stderr in $status, $tmp/out, $tmp/err.
fl() { "$flatline" "$@" >"$tmp/out" 2>"$tmp/err"; status=$?; }
has() { grep -qiF -- "$1" "$tmp/err"; }
# No signal, no sanitizer report, no GLib critical, no NULL printed: a clean refusal.
clean_exit() {
    [ "$status" -lt 128 ] &&
        ! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error|CRITICAL|WARNING \*\*|\(null\)' "$tmp/err"
}
said() { printf 'exit %s; stderr:\n%s' "$status" "$(head -c 2000 "$tmp/err")"; }
# Temporary files of g_file_set_contents (name.ext.XXXXXX) left anywhere under a directory.
stray_re='\.[^./]*\.[A-Za-z0-9]\{6\}$'
strays() { find "$1" -name '*.*.??????' 2>/dev/null; }

cat >"$tmp/ok.cfg" <<'CFG'
seed = 1;
dataset = { plugin = "sine2d"; samples = 20; };
model = (
  { name = "h1"; layer = "dense"; units = 4; activation = "relu"; },
  { name = "out"; layer = "dense"; units = 1; }
);
loss = "mse";
optimizer = { plugin = "adam"; lr = 0.01; };
train = { epochs = 2; batch = 8; };
detectors = ( );
CFG
run_ok() { fl run "$tmp/ok.cfg" -q --no-plots -j 1 "$@"; }

# ---------------------------------------------------------------- output paths

# 1. -o below a regular file: the directory cannot exist.
echo "not a directory" >"$tmp/file.txt"
run_ok -o "$tmp/file.txt/out"
if [ "$status" = 2 ] && clean_exit && has "file.txt/out" && has "Not a directory" &&
   has "another directory with -o" && [ "$(cat "$tmp/file.txt")" = "not a directory" ] &&
   [ "$(ls "$tmp" | grep -c '^file.txt')" = 1 ]; then
    ok "-o under a regular file: exit 2 naming the path, why and what to do; nothing created"
else
    not_ok "-o under a regular file" "$(said)"
fi

# 2. An unwritable directory (root writes anyway: skipped as root).
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/ro" && chmod 0500 "$tmp/ro"
    run_ok -o "$tmp/ro/out"
    if [ "$status" = 2 ] && clean_exit && has "ro/out" && has "Permission denied" && has "-o" &&
       [ -z "$(ls -A "$tmp/ro")" ]; then
        ok "-o in a read-only directory: exit 2 naming the path, nothing created"
    else
        not_ok "-o in a read-only directory" "$(said)"
    fi
    chmod 0700 "$tmp/ro"
else
    skip "-o in a read-only directory" "root ignores directory permissions (see test 1)"
fi

# ---------------------------------------------------------------- a full disk

# Mount a 64 KiB tmpfs on $tmp/small inside a private mount namespace, fill it, run
# flatline there, and leave what happened in files outside the mount.  Fills: "all" (no
# byte left) or a number of 4 KiB pages to fill, leaving room for some files and not all.
cat >"$tmp/full.sh" <<'SH'
fill=$1 out=$2
mount -t tmpfs -o size=64k tmpfs "$T/small" || exit 77
if [ "$fill" = all ]; then
    dd if=/dev/zero of="$T/small/fill" bs=4096 2>/dev/null
else
    dd if=/dev/zero of="$T/small/fill" bs=4096 count="$fill" 2>/dev/null
fi
"$FL" run "$T/ok.cfg" -q --no-plots -j 1 -o "$T/small/res" >"$out.out" 2>"$out.err"
echo $? >"$out.status"
(cd "$T/small" && find res -type f | sort) >"$out.files"
# Everything flatline kept must be whole: experiment.cfg reads back.
if [ -f "$T/small/res/experiment.cfg" ]; then
    "$FL" check "$T/small/res/experiment.cfg" >/dev/null 2>&1; echo $? >"$out.cfgcheck"
fi
# Free the space and run the same command again: it must finish.
rm -f "$T/small/fill"
"$FL" run "$T/ok.cfg" -q --no-plots -j 1 -o "$T/small/res" >"$out.again.out" 2>"$out.again.err"
echo $? >"$out.again"
(cd "$T/small" && find res -type f | sort) >"$out.again.files"
SH
mkdir "$tmp/small"
in_small_fs() { # fill, result prefix
    if [ "$(id -u)" = 0 ]; then
        T=$tmp FL=$flatline unshare -m sh "$tmp/full.sh" "$@" 2>/dev/null
    else
        T=$tmp FL=$flatline unshare -rm sh "$tmp/full.sh" "$@" 2>/dev/null
    fi
}
in_small_fs all "$tmp/full"
if [ ! -f "$tmp/full.status" ]; then
    skip "a full disk" "cannot mount a tmpfs here (needs root or unshare -rm)"
    skip "a nearly full disk" "cannot mount a tmpfs here"
    skip "a run that cannot save its files" "cannot mount a tmpfs here"
else
    status=$(cat "$tmp/full.status")
    cp "$tmp/full.err" "$tmp/err"
    # The message names the file meant (not GLib's temporary name) and the way out.
    if [ "$status" = 2 ] && clean_exit && has "small/res/experiment.cfg: cannot write" &&
       has "no space left" && has "free some space" && has "-o" &&
       ! grep -q 'run.result' "$tmp/full.files" && ! grep -q "$stray_re" "$tmp/full.files" &&
       [ "$(cat "$tmp/full.again")" = 0 ] &&
       grep -q 'runs/r0000/run.result' "$tmp/full.again.files"; then
        ok "a full disk: exit 2 naming experiment.cfg, ENOSPC and what to do; rerun recovers"
    else
        not_ok "a full disk" "$(said)" "left: $(cat "$tmp/full.files")" \
            "rerun: exit $(cat "$tmp/full.again") $(cat "$tmp/full.again.err")"
    fi

    # Room for experiment.cfg and a file or two of the run, not all of them: the run failed
    # (exit 1), it did not stop the sweep as a usage error would (exit 2).
    in_small_fs 13 "$tmp/near"
    status=$(cat "$tmp/near.status")
    cp "$tmp/near.err" "$tmp/err"
    if [ "$status" = 1 ] && clean_exit && has "no space left" && grep -q '1 not saved' "$tmp/near.out" &&
       has "r0000" &&
       ! grep -q 'run.result' "$tmp/near.files" && ! grep -q "$stray_re" "$tmp/near.files" &&
       { [ ! -f "$tmp/near.cfgcheck" ] || [ "$(cat "$tmp/near.cfgcheck")" = 0 ]; } &&
       [ "$(cat "$tmp/near.again")" = 0 ] && grep -q 'runs/r0000/run.result' "$tmp/near.again.files"; then
        ok "a nearly full disk: the run fails without run.result or temporary files; rerun recovers"
    else
        not_ok "a nearly full disk" "$(said)" "left: $(cat "$tmp/near.files")" \
            "rerun: exit $(cat "$tmp/near.again") $(cat "$tmp/near.again.err")"
    fi

    # Three runs on a 256 KiB tmpfs; the middle one's metrics.csv (3000 epochs) does not fit.
    # It fails alone (recorded as crashed, with the reason); the runs before and after it are
    # saved whole; exit 1.  With the space grown, the same command redoes it alone.
    sed -e 's/train = { epochs = 2; batch = 8; };/train = { epochs = 2; batch = 8; stop_on = "never"; };/' \
        "$tmp/ok.cfg" >"$tmp/big.cfg"
    echo 'grid = ( { key = "train.epochs"; values = [ 2, 3000, 3 ]; } );' >>"$tmp/big.cfg"
    cat >"$tmp/big.sh" <<'SH'
mount -t tmpfs -o size=256k tmpfs "$T/small" || exit 77
"$FL" run "$T/big.cfg" -q --no-plots -j 1 -o "$T/small/res" >"$T/big.out" 2>"$T/big.err"
echo $? >"$T/big.status"
cp -r "$T/small/res" "$T/big.res"
mount -o remount,size=4m "$T/small"
"$FL" run "$T/big.cfg" -q --no-plots -j 1 -o "$T/small/res" >"$T/big.again.out" 2>"$T/big.again.err"
echo $? >"$T/big.again"
cp -r "$T/small/res" "$T/big.res2"
SH
    if [ "$(id -u)" = 0 ]; then
        T=$tmp FL=$flatline unshare -m sh "$tmp/big.sh" 2>/dev/null
    else
        T=$tmp FL=$flatline unshare -rm sh "$tmp/big.sh" 2>/dev/null
    fi
    status=$(cat "$tmp/big.status" 2>/dev/null)
    cp "$tmp/big.err" "$tmp/err" 2>/dev/null
    r=$tmp/big.res/runs
    if [ "$status" = 1 ] && clean_exit && has "run r0001: its files could not be saved" &&
       has "no space left" && grep -q '^3 runs: 2 ok, 1 crashed' "$tmp/big.out" &&
       grep -q '^status=ok' "$r/r0000/run.result" && grep -q '^status=ok' "$r/r0002/run.result" &&
       [ "$(wc -l <"$r/r0000/metrics.csv")" = 4 ] && [ "$(wc -l <"$r/r0002/metrics.csv")" = 5 ] &&
       grep -q '^status=crashed' "$r/r0001/run.result" &&
       grep -q '^reason=its files could not be saved: .*r0001/metrics.csv: cannot write it (no space left' "$r/r0001/run.result" &&
       [ -z "$(strays "$tmp/big.res")" ] &&
       [ "$(cat "$tmp/big.again")" = 0 ] && grep -q '^status=ok' "$tmp/big.res2/runs/r0001/run.result" &&
       cmp -s "$r/r0000/run.result" "$tmp/big.res2/runs/r0000/run.result" &&
       cmp -s "$r/r0002/metrics.csv" "$tmp/big.res2/runs/r0002/metrics.csv"; then
        ok "a run that cannot save its files fails alone (exit 1); the others are saved; a rerun redoes it"
    else
        not_ok "a run that cannot save its files" "$(said)" "$(cat "$tmp/big.out" 2>/dev/null)" \
            "$(grep -h -e status -e reason "$r"/*/run.result 2>/dev/null)" \
            "rerun: exit $(cat "$tmp/big.again" 2>/dev/null) $(cat "$tmp/big.again.err" 2>/dev/null)"
    fi
fi

# ---------------------------------------------------------------- results directories

run_ok -o "$tmp/res"
if [ "$status" != 0 ] || [ ! -f "$tmp/res/runs/r0000/run.result" ]; then
    not_ok "a first run for the results-directory tests" "$(said)"
else
    # 3. run.result from another version: keys missing.
    cp -r "$tmp/res" "$tmp/old"
    printf '[run]\nid=r0000\nversion=0.0.1\n' >"$tmp/old/runs/r0000/run.result"
    (cd "$tmp/old" && find . -type f ! -name .lock -exec cksum {} + | sort) >"$tmp/old.before"
    run_ok -o "$tmp/old"
    (cd "$tmp/old" && find . -type f ! -name .lock -exec cksum {} + | sort) >"$tmp/old.after"
    if [ "$status" = 2 ] && clean_exit && has "old/runs/r0000/run.result" && has "--force" &&
       has "another version" && cmp -s "$tmp/old.before" "$tmp/old.after"; then
        ok "run.result with missing keys: exit 2 naming it and --force, runs untouched"
    else
        not_ok "run.result with missing keys" "$(said)" "$(diff "$tmp/old.before" "$tmp/old.after")"
    fi

    # 4. run.result that is not a key file at all.
    cp -r "$tmp/res" "$tmp/junk"
    printf '\177ELF\001\001 not a key file\n[[[\n' >"$tmp/junk/runs/r0000/run.result"
    (cd "$tmp/junk" && find . -type f ! -name .lock -exec cksum {} + | sort) >"$tmp/junk.before"
    run_ok -o "$tmp/junk"
    (cd "$tmp/junk" && find . -type f ! -name .lock -exec cksum {} + | sort) >"$tmp/junk.after"
    if [ "$status" = 2 ] && clean_exit && has "junk/runs/r0000/run.result" && has "--force" &&
       cmp -s "$tmp/junk.before" "$tmp/junk.after"; then
        ok "a garbage run.result: exit 2 naming it and --force, runs untouched"
    else
        not_ok "a garbage run.result" "$(said)"
    fi

    # 4b. run.result whose status or verdict is not one of flatline's words.
    cp -r "$tmp/res" "$tmp/word"
    sed -i 's/^verdict=.*/verdict=fine/' "$tmp/word/runs/r0000/run.result"
    (cd "$tmp/word" && find . -type f ! -name .lock -exec cksum {} + | sort) >"$tmp/word.before"
    run_ok -o "$tmp/word"
    (cd "$tmp/word" && find . -type f ! -name .lock -exec cksum {} + | sort) >"$tmp/word.after"
    if [ "$status" = 2 ] && clean_exit && has "word/runs/r0000/run.result" && has '"fine"' &&
       has "healthy, warning, collapsed" && cmp -s "$tmp/word.before" "$tmp/word.after"; then
        ok "an unknown verdict in run.result: exit 2 naming the file and the word, runs untouched"
    else
        not_ok "an unknown verdict in run.result" "$(said)"
    fi

    # 5. --force replaces what it cannot read.
    run_ok -o "$tmp/junk" --force
    if [ "$status" = 0 ] && grep -q '^status=ok' "$tmp/junk/runs/r0000/run.result" &&
       [ -z "$(strays "$tmp/junk")" ]; then
        ok "--force reruns over a damaged run.result"
    else
        not_ok "--force over a damaged run.result" "$(said)"
    fi

    # 6. plot and report on a directory whose experiment.cfg is garbage.
    cp -r "$tmp/res" "$tmp/badcfg"
    printf 'seed = = 1;\n' >"$tmp/badcfg/experiment.cfg"
    fl report "$tmp/badcfg"
    if [ "$status" = 2 ] && clean_exit && has "badcfg/experiment.cfg:1" && [ ! -e "$tmp/badcfg/report.html" ]; then
        ok "report on a damaged experiment.cfg: exit 2 naming file and line, no report written"
    else
        not_ok "report on a damaged experiment.cfg" "$(said)"
    fi
fi

# ---------------------------------------------------------------- experiment files

# 7. A directory.
mkdir "$tmp/dir.cfg"
fl run "$tmp/dir.cfg" -o "$tmp/out7"
if [ "$status" = 2 ] && clean_exit && has "dir.cfg" && has "a directory" && has ".cfg file itself" &&
   [ ! -e "$tmp/out7" ]; then
    ok "an experiment file that is a directory: exit 2, says so and what to give"
else
    not_ok "an experiment file that is a directory" "$(said)"
fi

# 8. An empty file.
: >"$tmp/empty.cfg"
fl run "$tmp/empty.cfg" -o "$tmp/out8"
if [ "$status" = 2 ] && clean_exit && has "empty.cfg" && has "needs dataset, model, loss" &&
   [ ! -e "$tmp/out8" ]; then
    ok "an empty experiment file: exit 2 naming it and what an experiment needs"
else
    not_ok "an empty experiment file" "$(said)"
fi

# 9. A binary file: flatline itself.
fl run "$flatline" -o "$tmp/out9"
if [ "$status" = 2 ] && clean_exit &&
   grep -Eq "$(basename "$flatline"):[0-9]+: (syntax error|.*NUL byte)" "$tmp/err" &&
   [ ! -e "$tmp/out9" ]; then
    ok "a binary experiment file: exit 2 naming file and line"
else
    not_ok "a binary experiment file" "$(said)"
fi

# 10. No name in the file: the experiment is named after the file, and a file named
# .sweep.cfg would name a hidden results directory: refused, saying where the name came
# from and what to write.
cp "$tmp/ok.cfg" "$tmp/.sweep.cfg"
(cd "$tmp" && "$flatline" run .sweep.cfg -q --no-plots >"$tmp/out" 2>"$tmp/err")
status=$?
if [ "$status" = 2 ] && clean_exit && has ".sweep.cfg: the experiment is named after its file" &&
   has 'set name = ' && [ ! -e "$tmp/results" ]; then
    ok "a file named .sweep.cfg without a name: exit 2, says to set name, nothing created"
else
    not_ok "an experiment named after a hidden file" "$(said)" "$(ls -a "$tmp/results" 2>&1)"
fi

# ---------------------------------------------------------------- data files

csv_cfg() { sed "s|dataset = .*|dataset = { plugin = \"csv\"; path = \"$1\"; };|" "$tmp/ok.cfg"; }

# 11. A 1 GB line: a header, then a line with no end, as a sparse file (no disk used).
# The reader stops at 1 MiB; were it to hold the line, it would take a gigabyte.
printf 'x,y\n1,' >"$tmp/long.csv"
truncate -s 1G "$tmp/long.csv"
csv_cfg long.csv >"$tmp/long.cfg"
fl run "$tmp/long.cfg" -o "$tmp/out10"
if [ "$status" = 2 ] && clean_exit && has "long.csv: line 2 is longer than 1 MiB" && [ ! -e "$tmp/out10" ]; then
    ok "a 1 GB line in a CSV: exit 2 at the 1 MiB cap naming file and line"
else
    not_ok "a 1 GB line in a CSV" "$(said)"
fi
rm -f "$tmp/long.csv"

# 12. The same with real characters (2 MiB of digits, no NUL), in the last column.
{ printf 'x,y\n1,2\n3,'; head -c 2097152 /dev/zero | tr '\0' '7'; printf '\n'; } >"$tmp/wide.csv"
csv_cfg wide.csv >"$tmp/wide.cfg"
fl check "$tmp/wide.cfg"
if [ "$status" = 2 ] && clean_exit && has "wide.csv: line 3 is longer than 1 MiB"; then
    ok "a 2 MiB line of digits: exit 2 naming file and line"
else
    not_ok "a 2 MiB line of digits" "$(said)"
fi

# 13. NaN and Inf, refused by run before anything is created.
for cell in nan -inf 1e999; do
    printf 'x,y\n1,2\n%s,3\n' "$cell" >"$tmp/nan.csv"
    csv_cfg nan.csv >"$tmp/nan.cfg"
    fl run "$tmp/nan.cfg" -o "$tmp/out12"
    if [ "$status" = 2 ] && clean_exit && has "nan.csv:3: column 'x': \"$cell\"" &&
       [ ! -e "$tmp/out12" ]; then
        ok "a CSV cell $cell: exit 2 naming file, line and column, nothing created"
    else
        not_ok "a CSV cell $cell" "$(said)"
    fi
done

# ---------------------------------------------------------------- plugin directories

# 14. A broken symbolic link among the plugins: skipped with a warning that names it and
# says what to do, whether or not an experiment would have used it.
mkdir "$tmp/plugins"
ln -s "$tmp/nowhere/layer-gone.so" "$tmp/plugins/layer-gone.so"
ln -s "$tmp/nowhere/detector-gone.so" "$tmp/plugins/detector-gone.so"
pp="$tmp/plugins:${FLATLINE_PLUGIN_PATH:-$builddir/plugins}"
warned() { has "plugins/$1-gone.so is a broken link" && has "remove it or fix the link"; }
FLATLINE_PLUGIN_PATH=$pp fl check "$tmp/ok.cfg"
if [ "$status" = 0 ] && clean_exit && warned layer; then
    ok "a broken plugin link: check warns, naming it and what to do, and goes on"
else
    not_ok "a broken plugin link: check" "$(said)"
fi
FLATLINE_PLUGIN_PATH=$pp fl plugins
if [ "$status" = 0 ] && clean_exit && warned layer && warned detector && grep -q dense "$tmp/out" &&
   ! grep -q 'gone\.so' "$tmp/out"; then
    ok "flatline plugins lists the others and warns about the broken links"
else
    not_ok "flatline plugins with a broken link" "$(said)"
fi
# Without a detectors key every detector found is used: the broken one must not be.
grep -v '^detectors' "$tmp/ok.cfg" >"$tmp/alldet.cfg"
FLATLINE_PLUGIN_PATH=$pp fl run "$tmp/alldet.cfg" -q --no-plots -j 1 -o "$tmp/out13"
if [ "$status" = 0 ] && clean_exit && warned detector &&
   grep -q '^status=ok' "$tmp/out13/runs/r0000/run.result" &&
   ! grep -q '"gone"' "$tmp/out13/experiment.cfg"; then
    ok "a broken detector link: the run uses every other detector"
else
    not_ok "a broken detector link" "$(said)"
fi

echo "1..$n"
