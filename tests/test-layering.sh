#!/bin/sh
# The layering of HACKING.md: the include graph of core/ has no cycle (a module is its .c
# and .h; tsort finds any loop), and plugins include only <flatline/plugin.h> and headers
# of their own folder.  With --print: the graph as HACKING.md lists it, a module a line.
src=${FL_TEST_SRCDIR:-$(dirname "$0")/..}
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }

# "module dependency" for every quoted include of a core/ file by another core/ module.
edges() {
    for f in "$src"/core/*.c "$src"/core/*.h; do
        m=$(basename "$f"); m=${m%.[ch]}
        sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
            while read -r h; do
                [ -f "$src/core/$h" ] || continue
                d=${h%.h}
                [ "$d" = "$m" ] || echo "$m $d"
            done
    done | sort -u
}

if [ "$1" = "--print" ]; then
    for f in "$src"/core/*.c "$src"/core/*.h; do m=$(basename "$f"); echo "${m%.[ch]}"; done |
        sort -u | while read -r m; do
            echo "$m: $(edges | awk -v m="$m" '$1 == m {print $2}' | tr '\n' ' ' | sed 's/ $//')"
        done
    exit 0
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
edges >"$tmp/edges"
if [ -s "$tmp/edges" ] && tsort "$tmp/edges" >/dev/null 2>"$tmp/loop"; then
    ok "core/'s include graph ($(wc -l <"$tmp/edges") edges) has no cycle"
else
    not_ok "core/'s include graph has a cycle: $(tr '\n' ' ' <"$tmp/loop")"
fi

# Plugins: <flatline/plugin.h>, system headers, and "x.h" only where x.h is in their folder.
bad=""
for f in $(find "$src/plugins" -name '*.[ch]'); do
    dir=$(dirname "$f")
    for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        case $h in */*) bad="$bad ${f#"$src"/}:$h" ;; *) [ -f "$dir/$h" ] || bad="$bad ${f#"$src"/}:$h" ;; esac
    done
    if grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*<flatline/[^>]*>' "$f" &&
        grep '^[[:space:]]*#[[:space:]]*include[[:space:]]*<flatline/' "$f" | grep -qv 'flatline/plugin\.h>'; then
        bad="$bad ${f#"$src"/}:flatline/..."
    fi
done
if [ -z "$bad" ]; then ok "plugins include only flatline/plugin.h and their folder's headers"
else not_ok "plugins reach outside flatline/plugin.h and their folder:$bad"; fi

echo "1..$n"
exit $fail
