#!/bin/sh
# `flatline plugins`: the listing wraps to COLUMNS (80 when not a terminal) and never shows
# an empty "()"; `flatline plugins KIND NAME` shows one plugin with every parameter's type,
# default, range and help, and a near miss of a name gets a "did you mean".
fl=${FLATLINE:?}
n=0
fail=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else fail=1; echo "not ok $n - $1"; fi; }
longest() { awk '{ if (length > m) m = length } END { print m + 0 }'; }
for w in 40 60 100; do
    m=$(COLUMNS=$w "$fl" plugins | longest)
    check "COLUMNS=$w: no line is longer ($m)" '[ "$m" -le "$w" ]'
done
m=$(env -u COLUMNS "$fl" plugins | longest)
check "not on a terminal: 80 columns ($m)" '[ "$m" -le 80 ] && [ "$m" -gt 60 ]'
check "wrapping keeps every word" \
    '[ "$(COLUMNS=40 "$fl" plugins | tr -s " \n" "\n\n" | grep -c .)" = "$(COLUMNS=200 "$fl" plugins | tr -s " \n" "\n\n" | grep -c .)" ]'
check "no empty () in a narrow listing" '! COLUMNS=40 "$fl" plugins | grep -q "()"'

# One plugin: every parameter of the listing's entry, with its facts.
entry=$(COLUMNS=1000 "$fl" plugins detector | sed -n '/^detector *dead_relu /,/^[a-z]/p' | sed '$d')
keys=$(echo "$entry" | awk 'NR > 1 { print $1 }')
page=$("$fl" plugins detector dead_relu)
st=$?
check "plugins detector dead_relu exits 0" '[ $st = 0 ]'
check "the page names the plugin, its role and its file" \
    'echo "$page" | head -1 | grep -q "^detector dead_relu - \[cause\]" && echo "$page" | grep -q "file: .*detector-dead_relu.so"'
check "the entry has parameters ($(echo $keys))" '[ -n "$keys" ]'
for k in $keys; do
    block=$(echo "$page" | sed -n "/^  $k\$/,/^  [a-z]/p")
    def=$(echo "$entry" | grep "^    $k " | sed -n 's/.*(default \([^,)]*\).*/\1/p')
    check "parameter $k: type, default $def, range and help" \
        'echo "$block" | grep -q "type: *float\|type: *int" && echo "$block" | grep -q "default: *$def\$" && echo "$block" | grep -q "range: *[[(]" && echo "$block" | grep -q "help: *[a-z]"'
done
check "a choice lists its values" \
    '"$fl" plugins loss bce | grep -q "one of: *none, balanced"'
check "an activation has a page" '"$fl" plugins activation leaky_relu | grep -q "default: *0.3"'
out=$("$fl" plugins loss mes 2>&1)
st=$?
check "an unknown name exits 2 with a did-you-mean" \
    '[ $st = 2 ] && echo "$out" | grep -q "did you mean \"mse\""'
out=$("$fl" plugins activation rleu 2>&1)
check "an unknown activation gets a did-you-mean" 'echo "$out" | grep -q "did you mean \"relu\""'
out=$("$fl" plugins detecter 2>&1)
check "an unknown kind gets a did-you-mean" 'echo "$out" | grep -q "did you mean \"detector\""'
echo "1..$n"
exit $fail
