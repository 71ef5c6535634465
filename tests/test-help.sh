#!/bin/sh
# What a first-time user reads: each command's --help names the command, its exit statuses
# and where results go; --version names the libraries; a --set without '=' is explained;
# the plugin listing marks detectors and never prints an empty "()".
fl=${FLATLINE:?}
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else fail=1; echo "not ok $n - $1"; fi; }
for cmd in run check plot report plugins fix; do
    out=$("$fl" "$cmd" --help 2>&1)
    check "$cmd --help names the command" 'echo "$out" | grep -q "flatline $cmd \\["'
    check "$cmd --help gives the exit statuses" 'echo "$out" | grep -q "exit status: 0"'
done
check "run --help says where results go" '"$fl" run --help | grep -q "results/<experiment name>"'
check "--help prints each line once" '[ -z "$("$fl" --help | grep -v "^$" | sort | uniq -d)" ]'
check "--version names oneDNN, libconfig, GLib and json-glib" \
    '"$fl" --version | grep -q "oneDNN [0-9].*libconfig [0-9].*GLib [0-9].*json-glib [0-9]"'
out=$("$fl" check "${FL_TEST_SRCDIR:?}/experiments/seed-failures.cfg" --set optimizer.lr 1 2>&1)
st=$?
check "--set KEY VALUE exits 2 and shows KEY=VALUE" \
    '[ $st = 2 ] && echo "$out" | grep -q -- "--set optimizer.lr=1"'
list=$("$fl" plugins 2>/dev/null)
check "the plugin listing shows no empty ()" '! echo "$list" | grep -q "()"'
check "detectors are marked symptom or cause" \
    '[ -z "$(echo "$list" | grep "^detector " | grep -v -e "\[cause\]" -e "\[symptom\]")" ]'
check "every activation has a summary" \
    '[ -z "$(echo "$list" | grep -E "^activation +[a-z_]+ *$")" ]'
echo "1..$n"
exit $fail
