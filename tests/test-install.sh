#!/bin/bash
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
# `make install prefix=P` in a tree built for another prefix gives a working install: the
# installed binary lists its installed plugins with no FLATLINE_PLUGIN_PATH, flatline.pc
# names P, a moved installation still finds its plugins, and a copied build tree uses its
# own plugins or names the directories it searched.  The build tree is copied first so that
# the rebuild for P happens in the copy, not under the other tests.
# Absolute: the copy of the build tree lies elsewhere (distcheck names them relatively).
build=$(cd "${FL_TEST_BUILDDIR:?}" && pwd)
src=$(cd "${FL_TEST_SRCDIR:?}" && pwd)
unset FLATLINE_PLUGIN_PATH
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# Other tests write logs into the tree meanwhile: a file vanishing under cp is no matter.
cp -a "$build" "$tmp/build" 2>"$tmp/cp.log"
[ -f "$tmp/build/Makefile" ] && [ -x "$tmp/build/flatline" ] ||
    { echo "1..1"; echo "not ok 1 - copy the build tree: $(head -1 "$tmp/cp.log")"; exit 1; }
rm -rf "$tmp/build/results"
# A VPATH build's Makefile names the source tree relatively: name it absolutely in the copy.
# So do the dependency files the compiler wrote (make distcheck builds in _build/sub).
srcvars=()
if [ "$(cd "$src" && pwd -P)" != "$(cd "$build" && pwd -P)" ]; then
    srcvars=(srcdir="$src" top_srcdir="$src" VPATH="$src")
    rel=$(sed -n 's/^srcdir = //p' "$tmp/build/Makefile")
    case $rel in
    /*) ;;
    *) find "$tmp/build" -path '*/.deps/*' -type f -exec sed -i "s|$rel/|$src/|g" {} + ;;
    esac
fi
prefix=$tmp/inst
# Outside make's jobserver: the install runs serially, without a warning about it.
unset MAKEFLAGS MFLAGS
if ! (cd "$tmp/build" && ${MAKE:-make} -s "${srcvars[@]}" install prefix="$prefix") \
    >"$tmp/install.log" 2>&1; then
    sed 's/^/# /' "$tmp/install.log" | tail -20
    echo "1..1"; echo "not ok 1 - make install prefix=$prefix"; exit 1
fi
ok "make install prefix=P in a tree configured for $(cd "$build" && ${MAKE:-make} -s print-paths | sed -n 's/.*FL_PREFIX "\(.*\)"/\1/p')"

# The plugins the build tree has, by kind and name, must all be listed by the installed binary.
names() { "$1" plugins 2>/dev/null | awk '/^[a-z]/ && $1 != "activation" { print $1, $2 }' | sort; }
want=$(FLATLINE_PLUGIN_PATH="$build/plugins" names "$build/flatline")
got=$(cd / && names "$prefix/bin/flatline")
check "the build tree lists plugins" '[ "$(echo "$want" | wc -l)" -gt 20 ]'
check "the installed binary lists the same plugins" '[ "$got" = "$want" ]'
where=$("$prefix/bin/flatline" plugins loss mse 2>&1 | sed -n 's/^ *file: *//p')
check "and loads them from P/lib/flatline/plugins ($where)" \
    '[ "$where" = "$prefix/lib/flatline/plugins/loss-mse.so" ]'
if command -v pkg-config >/dev/null; then
    pc=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --variable=prefix flatline)
    check "pkg-config --variable=prefix flatline says P ($pc)" '[ "$pc" = "$prefix" ]'
    pd=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --variable=plugindir flatline)
    check "pkg-config --variable=plugindir names the installed plugins" \
        '[ -f "$pd/loss-mse.so" ]'
fi
check "the man page is installed" '[ -f "$prefix/share/man/man1/flatline.1" ]'

# The whole installation moved: the binary finds the plugins beside it.
mv "$prefix" "$tmp/moved"
got=$(names "$tmp/moved/bin/flatline")
check "a moved installation finds its plugins" '[ "$got" = "$want" ]'

# The copied build tree's own binary uses the copy's plugins ...
where=$("$tmp/build/flatline" plugins loss mse 2>&1 | sed -n 's/^ *file: *//p')
check "a copied build tree uses its own plugins ($where)" \
    '[ "$where" = "$tmp/build/plugins/loss/.libs/loss-mse.so" ]'
# ... and, with none anywhere, names every directory it searched.
mv "$tmp/build/plugins" "$tmp/build/plugins.away"
msg=$("$tmp/build/flatline" plugins loss 2>&1)
status=$?
check "with no plugins anywhere it exits 2 ($status)" '[ $status -eq 2 ]'
check "and names the directories it searched" \
    '[[ $msg == *"$tmp/build/plugins"* && $msg == *"$prefix/lib/flatline/plugins"* ]]'
[ $fail -eq 0 ] || echo "$msg" | sed 's/^/# /'
echo "1..$n"
exit $fail
