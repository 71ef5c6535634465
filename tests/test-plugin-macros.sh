#!/bin/sh
# The per-kind definition macros take the operations as designated initializers of the
# kind's ops struct, so naming an operation of another kind is a compile error, not a
# plugin that crashes later.  Each case is a small file compiled with $CC against this
# tree's header; a control built the same way must compile, warning-free, so the failures
# are the mismatch's.  TAP output.
set -u
srcdir=${FL_TEST_SRCDIR:?}
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flatline-macros-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "1..5"

fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }

# compile N DESCRIPTION WANT(ok|error) NEEDLE: the body comes on stdin.
compile() {
    n=$1 what=$2 want=$3 needle=$4
    {
        echo '#include <flatline/plugin.h>'
        cat
    } > "$tmp/case$n.c"
    if $cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$srcdir/include" "$tmp/case$n.c" \
            > "$tmp/case$n.log" 2>&1; then
        got=ok
    else
        got=error
    fi
    if [ "$got" = "$want" ] && { [ -z "$needle" ] || grep -q "$needle" "$tmp/case$n.log"; }; then
        echo "ok $n - $what"
    else
        fail "$n" "$what (compiled: $got, wanted: $want)" "$(cat "$tmp/case$n.log")"
    fi
}

compile 1 "a loss with its own operation compiles" ok "" <<'C'
static int f(const fl_host *h, const void *o, void *s, double *l, float *d, const float *p,
             const float *t, size_t b, size_t n)
{
    (void)h, (void)o, (void)s, (void)d, (void)p, (void)t, (void)b, (void)n;
    *l = 0;
    return 0;
}
FL_LOSS_PLUGIN("x", "a loss", NULL, fl_no_opts, .flags = FL_LOSS_SQUARED_ERROR, .compute = f);
C

compile 2 "an initializer's fill in a loss does not compile" error "fill" <<'C'
static int f(const fl_host *h, const void *o, float *w, size_t n, size_t fi, size_t fo,
             fl_rng *r)
{
    (void)h, (void)o, (void)w, (void)n, (void)fi, (void)fo, (void)r;
    return 0;
}
FL_LOSS_PLUGIN("x", "a loss", NULL, fl_no_opts, .fill = f);
C

compile 3 "a loss's compute in an initializer does not compile" error "compute" <<'C'
static int f(const fl_host *h, const void *o, void *s, double *l, float *d, const float *p,
             const float *t, size_t b, size_t n)
{
    (void)h, (void)o, (void)s, (void)l, (void)d, (void)p, (void)t, (void)b, (void)n;
    return 0;
}
FL_INITIALIZER_PLUGIN("x", "an initializer", NULL, fl_no_opts, .compute = f);
C

compile 4 "a layer's forward in a detector does not compile" error "forward" <<'C'
static int f(void *s, const fl_pass *p, float *y, const float *x)
{
    (void)s, (void)p, (void)y, (void)x;
    return 0;
}
FL_DETECTOR_PLUGIN("x", "a detector", NULL, fl_no_opts, .forward = f);
C

compile 5 "an operation of the right name but the 1.0 signature does not compile (-Werror)" error "incompatible" <<'C'
static double f(const void *o, double base, long steps)
{
    (void)o, (void)steps;
    return base;
}
FL_SCHEDULE_PLUGIN("x", "a 1.0-style schedule", NULL, fl_no_opts, .lr = f);
C
