#!/bin/sh
# fuzz/seeds.sh SRCDIR OUTDIR — the seed corpora of the fuzz targets, rebuilt from the tree:
# OUTDIR/experiment holds every experiment file of tests/ and experiments/ (good and bad;
# the --set arguments of tests/invalid cases become "#set" lines), OUTDIR/csv every CSV
# file of tests/data and tests/invalid, OUTDIR/npy the .npy and .npz files kept in
# fuzz/regressions/npy (the tree has no other NumPy files).  Files are named after their
# path so two inputs of the same name both stay.
set -eu
src=$1 out=$2
rm -rf "$out/experiment" "$out/csv" "$out/npy"
mkdir -p "$out/experiment" "$out/csv" "$out/npy"
seed_copy() { # dir, then find arguments
    dir=$1
    shift
    (cd "$src" && find "$@" -type f) | sort | while read -r f; do
        cp "$src/$f" "$dir/$(printf '%s' "$f" | tr '/' '_')"
    done
}
seed_copy "$out/experiment" tests experiments -name '*.cfg'
seed_copy "$out/csv" tests/data tests/invalid -name '*.csv'
seed_copy "$out/npy" fuzz/regressions/npy -name '*.np[yz]'
# The --set arguments of tests/invalid cases, as the "#set KEY=VALUE" lines the
# experiment target reads, ahead of the case's file.
for args in "$src"/tests/invalid/*/args; do
    [ -f "$args" ] || continue
    case_dir=$(dirname "$args")
    eval "set -- $(cat "$args")"
    sets=""
    while [ $# -gt 0 ]; do
        case $1 in
        --set) [ $# -gt 1 ] && sets="$sets#set $2
" && shift ;;
        --set=*) sets="$sets#set ${1#--set=}
" ;;
        esac
        shift
    done
    [ -n "$sets" ] || continue
    { printf '%s' "$sets"; cat "$case_dir/input.cfg"; } \
        >"$out/experiment/tests_invalid_$(basename "$case_dir")_with_sets.cfg"
done
echo "fuzz: seeds: $(ls "$out/experiment" | wc -l) experiment files," \
    "$(ls "$out/csv" | wc -l) CSV files, $(ls "$out/npy" | wc -l) NumPy files"
