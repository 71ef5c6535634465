#!/bin/sh
# `flatline check` lints: the detectors' pre-flight checks run on each distinct configuration
# (not per seed, at most 64) and their findings are printed; the exit status stays 0 unless
# --strict, which exits 1 on a collapsed-level finding.  Collapsing experiments are checked
# against their healthy twins, which must come out clean.
fl=${FLATLINE:?}
ex=${FL_TEST_SRCDIR:?}/experiments
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else fail=1; echo "not ok $n - $1"; echo "$out" | sed 's/^/# /' | tail -8; fi; }
lint() { out=$("$fl" check "$@" 2>&1); st=$?; }

# name, detector expected, level
for case in "step-loss no_update collapsed" "constant-target constant_target collapsed" \
    "cnn-softmax-one-unit output_activation collapsed" "unscaled-input unscaled_input warning"; do
    set -- $case
    name=$1 detector=$2 level=$3
    lint "$ex/$name.cfg"
    check "$name: exit 0 with the $level finding of $detector shown" \
        '[ $st = 0 ] && echo "$out" | grep -q "^ *$level $detector: " && echo "$out" | grep -q "advice: "'
    lint "$ex/$name.cfg" --strict
    want=0; [ "$level" = collapsed ] && want=1
    check "$name --strict: exit $want" '[ $st = $want ]'
    lint "$ex/$name-fixed.cfg" --strict
    check "$name-fixed: nothing found, exit 0" \
        '[ $st = 0 ] && echo "$out" | grep -q "^pre-flight: nothing found"'
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
base='name = "lint"; dataset = { plugin = "sine2d"; samples = 40; };
model = ( { name = "out"; layer = "dense"; units = 1; activation = "linear"; } );
loss = { plugin = "step"; }; optimizer = { plugin = "sgd"; lr = 0.01; };
train = { epochs = 2; batch = 8; };'
printf '%s\nrepeats = 2;\ngrid = ( { key = "seed"; values = [ 1, 2, 3, 4 ]; } );\n' "$base" >"$tmp/seeds.cfg"
lint "$tmp/seeds.cfg"
check "a seed axis: one configuration checked, one finding" \
    'echo "$out" | grep -q "^pre-flight: 1 finding before training (1 configuration)"'
values=$(seq -s ', ' 1 9)
printf '%s\ngrid = ( { key = "train.batch"; values = [ %s ]; },\n { key = "train.epochs"; values = [ %s ]; } );\n' \
    "$base" "$values" "$values" >"$tmp/big.cfg"
lint "$tmp/big.cfg"
check "81 configurations: the first 64 checked, and said so" \
    '[ $st = 0 ] && echo "$out" | grep -q "^pre-flight: 64 findings before training (the first 64 configurations of 81 grid points), 64 collapsed-level"'
echo "1..$n"
exit $fail
