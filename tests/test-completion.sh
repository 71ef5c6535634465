#!/bin/bash
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
# The bash completion completes commands, options, plugin kinds and names, and .cfg files
# (skipped without bash-completion).
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then echo "1..0 # SKIP bash-completion is not installed"; exit 0; fi
# shellcheck disable=SC1090
. "$bc"
. "${FL_TEST_SRCDIR:?}/completion/flatline"
fl=${FLATLINE:?}
n=0
fail=0
complete_line() { # words...: COMPREPLY for the last word
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=(); _flatline; printf '%s\n' "${COMPREPLY[@]}"
}
check() { n=$((n + 1)); if echo "$2" | grep -qx -- "$3"; then echo "ok $n - $1"; else fail=1; echo "not ok $n - $1: got $2"; fi; }
check "commands" "$(complete_line "$fl" ru)" run
check "run's options" "$(complete_line "$fl" run --no)" --no-plots
check "plugin kinds" "$(complete_line "$fl" plugins det)" detector
check "plugin names" "$(complete_line "$fl" plugins detector dead)" dead_relu
# Every long option a command's --help lists is completed (the lists are kept by hand).
for cmd in run check plot report fix slurm plugins unpack; do
    offered=$(complete_line "$fl" "$cmd" -)
    missing=
    for opt in $("$fl" "$cmd" --help-all 2>/dev/null |
               sed -n 's/^  *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' | sort -u); do
        case $opt in --help-all | --help-application) continue ;; esac
        echo "$offered" | grep -qx -- "$opt" || missing="$missing $opt"
    done
    n=$((n + 1))
    if [ -z "$missing" ]; then echo "ok $n - $cmd: every option of --help is completed"
    else fail=1; echo "not ok $n - $cmd: not completed:$missing"; fi
done
cd "$FL_TEST_SRCDIR/experiments" || exit 1
check ".cfg files" "$(complete_line "$fl" check seed-f)" seed-failures.cfg
echo "1..$n"
exit $fail
