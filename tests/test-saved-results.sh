#!/bin/sh
# `flatline report DIR` and `plot DIR` on a machine without the experiment's out-of-tree
# plugin: they draw from the saved summary.csv, cells.csv and runs/ and say so in one line;
# without the saved tables they exit 2 naming the plugin.  The out-of-tree plugin is the
# example detector of plugins/examples, built here.
fl=${FLATLINE:?}
src=${FL_TEST_SRCDIR:?}
builtin=${FLATLINE_PLUGIN_PATH:?}
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else fail=1; echo "not ok $n - $1"; printf '%s\n' "$out" | sed 's/^/# /' | tail -5; fi; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/mine"
if ! ${CC:-cc} -shared -fPIC -O2 -I"$src/include" -o "$tmp/mine/detector-stuck_above_baseline.so" \
    "$src/plugins/examples/stuck_above_baseline.c" 2>"$tmp/cc.log"; then
    echo "1..0 # SKIP the example detector does not build: $(head -1 "$tmp/cc.log")"
    exit 0
fi
cat >"$tmp/x.cfg" <<'CFG'
name = "offline"; seed = 2; repeats = 2;
dataset = { plugin = "sine2d"; samples = 60; };
model = ( { name = "out"; units = 1; } );
loss = "mse";
optimizer = { plugin = "adam"; lr = 0.05; };
train = { epochs = 12; batch = 20; };
detectors = ( "all", { plugin = "stuck_above_baseline"; ratio = 0.5; patience = 4; } );
grid = ( { key = "optimizer.lr"; values = [ 0.05, 0.001 ]; } );
CFG
out=$(FLATLINE_PLUGIN_PATH="$tmp/mine:$builtin" "$fl" run "$tmp/x.cfg" -o "$tmp/res" -q \
    --no-plots --no-verify 2>&1)
check "the experiment runs with its plugin" '[ -f "$tmp/res/summary.csv" ] && [ ! -f "$tmp/res/report.html" ]'

out=$("$fl" report "$tmp/res" 2>&1)
st=$?
check "report without the plugin: exit 0 ($st)" '[ $st = 0 ]'
check "report.html is written" '[ -s "$tmp/res/report.html" ] && grep -q "offline" "$tmp/res/report.html"'
check "one line says the plugin is missing and the saved tables are used" \
    '[ "$(printf "%s\n" "$out" | grep -c "stuck_above_baseline. plugin is not found here: drawing from the saved")" = 1 ]'
if command -v gnuplot >/dev/null; then
    out=$("$fl" plot "$tmp/res" 2>&1)
    st=$?
    check "plot without the plugin: exit 0 and charts ($st)" \
        '[ $st = 0 ] && ls "$tmp/res/plots/"*.png >/dev/null 2>&1'
fi
out=$(FLATLINE_PLUGIN_PATH="$tmp/mine:$builtin" "$fl" report "$tmp/res" 2>&1)
st=$?
check "with the plugin: merged as usual, no such line" '[ $st = 0 ] && ! printf "%s\n" "$out" | grep -q "not found here"'
rm "$tmp/res/summary.csv"
out=$("$fl" report "$tmp/res" 2>&1)
st=$?
check "without the plugin and the saved tables: exit 2 naming the plugin ($st)" \
    '[ $st = 2 ] && printf "%s\n" "$out" | grep -q "stuck_above_baseline" && printf "%s\n" "$out" | grep -q FLATLINE_PLUGIN_PATH'
echo "1..$n"
exit $fail
