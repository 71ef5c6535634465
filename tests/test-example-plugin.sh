#!/bin/sh
# The out-of-tree detector of plugins/examples, as a plugin author would use it: install
# flatline into a temporary prefix, build the example with
# `cc -shared -fPIC $(pkg-config --cflags flatline)`, load it with FLATLINE_PLUGIN_PATH and
# see it fire in a run.  TAP output.
set -u
builddir=${FL_TEST_BUILDDIR:?}
srcdir=${FL_TEST_SRCDIR:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flatline-example-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "1..4"

# Diagnostics go out as TAP comments, every line of them.
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }

if ${MAKE:-make} -C "$builddir" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1; then
    echo "ok 1 - make install into a temporary root"
else
    fail 1 "make install into a temporary root" "$(tail -5 "$tmp/install.log")"
    exit 0
fi
pcdir=$(dirname "$(find "$tmp/root" -name flatline.pc | head -n 1)")
bin=$(find "$tmp/root" -type f -name flatline -perm -u+x | head -n 1)
plugins=$(dirname "$(find "$tmp/root" -name 'loss-mse.so' | head -n 1)")
cflags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --define-prefix --cflags flatline)
mkdir -p "$tmp/mine"
if ${CC:-cc} -shared -fPIC -O2 $cflags -o "$tmp/mine/detector-stuck_above_baseline.so" \
        "$srcdir/plugins/examples/stuck_above_baseline.c" 2>"$tmp/cc.log" &&
   [ "$(nm -D --defined-only "$tmp/mine/detector-stuck_above_baseline.so" | awk '{print $3}')" = flatline_plugin ]; then
    echo "ok 2 - the example builds against the installed header alone and exports one symbol"
else
    fail 2 "the example builds against the installed header" "cflags: $cflags" "$(cat "$tmp/cc.log")"
fi
export FLATLINE_PLUGIN_PATH="$tmp/mine:$plugins"
if "$bin" plugins detector 2>&1 | grep -q '^detector *stuck_above_baseline'; then
    echo "ok 3 - the installed flatline lists it"
else
    fail 3 "the installed flatline lists it" "$("$bin" plugins detector 2>&1 | head -5)"
fi
# A linear model on a non-linear target: the loss stalls well above the baseline share.
cat > "$tmp/stuck.cfg" <<'CFG'
seed = 2;
dataset = { plugin = "sine2d"; samples = 100; };
model = ( { name = "out"; units = 1; } );
loss = "mse";
optimizer = { plugin = "adam"; lr = 0.05; };
train = { epochs = 60; batch = 20; };
detectors = ( { plugin = "stuck_above_baseline"; ratio = 0.5; patience = 8; } );
CFG
"$bin" run "$tmp/stuck.cfg" -o "$tmp/out" --quiet >"$tmp/run.log" 2>&1
# Its measures arrive in verdict.json: the fit is the loss over the baseline, above 0.5.
m() { "$builddir/tests/jsonpath" "$tmp/out/runs/r0000/verdict.json" "\$.findings[*].measures.$1" | tr -d '[]'; }
if "$builddir/tests/jsonpath" "$tmp/out/runs/r0000/verdict.json" '$.findings[*].detector' |
       grep -q '"stuck_above_baseline"' &&
   grep -q 'stuck_above_baseline' "$tmp/out/summary.csv" &&
   awk -v l="$(m loss)" -v b="$(m baseline_loss)" -v f="$(m fit)" \
       'BEGIN { exit !(l > 0 && b > 0 && f > 0.5 && (f - l / b) ^ 2 < 1e-12) }'; then
    echo "ok 4 - it fires on a run that stalls above the baseline, its measures in verdict.json"
else
    fail 4 "it fires on a run that stalls above the baseline" "$(cat "$tmp/run.log")" \
        "$(cat "$tmp/out/runs/r0000/verdict.json" 2>/dev/null)"
fi
