#!/bin/sh
# The README's promises: every experiment-file example in it (a ```cfg block) passes
# `flatline check`, every file it links to is in the repository, and the packages its first
# command installs are among those CI installs.
src=${FL_TEST_SRCDIR:?}
readme="$src/README.md"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }

awk -v dir="$tmp" '/^```cfg$/ {f = 1; k++; next} /^```$/ {f = 0} f {print > (dir "/example" k ".cfg")}' "$readme"
count=$(ls "$tmp"/example*.cfg 2>/dev/null | wc -l)
if [ "$count" -ge 1 ]; then ok "README holds $count experiment-file example(s)"; else not_ok "no \`\`\`cfg example found in README"; fi
for f in "$tmp"/example*.cfg; do
    [ -f "$f" ] || continue
    if "${FLATLINE:?}" check "$f" >"$tmp/out" 2>&1; then
        ok "README example $(basename "$f") passes flatline check"
    else
        not_ok "README example $(basename "$f") fails flatline check:"
        sed 's/^/# /' "$tmp/out"
    fi
done

for doc in README.md doc/DEVELOPING.md; do
    dir=$(dirname "$src/$doc")
    for link in $(grep -o '](\([^)#]*\)' "$src/$doc" | sed 's/^](//' | grep -v '^https\?:'); do
        if [ -e "$dir/$link" ]; then ok "$doc links to $link, which exists"
        else not_ok "$doc links to $link, which is not in the repository"; fi
    done
done

if grep -q -e 'DESIGN\.md' -e 'STYLE\.md' "$readme"; then not_ok "README cites a file that is not in the repository"; else ok "README cites no design notes"; fi

first=$(grep -m1 '^apt-get update' "$readme")
ci_deps=$(sed -n '/^deps="/,/"$/p' "$src/.ci/run" | tr -d '"' | sed 's/deps=//')
missing=""
for pkg in $(echo "$first" | sed 's/.*--no-install-recommends//; s/&&.*//'); do
    echo "$ci_deps" | tr ' ' '\n' | grep -qx "$pkg" || missing="$missing $pkg"
done
if [ -n "$first" ] && [ -z "$missing" ]; then ok "the first command's packages are all installed by CI"
else not_ok "first command missing or installs packages CI does not:$missing"; fi
echo "1..$n"
exit $fail
