#!/bin/sh
# The report as a reader sees it: generated for a small sweep, loaded in headless Chromium,
# it must raise no console error, show every chart (the page's own script counts the
# images that decoded into body[data-images], and no chart is a "not drawn" note) and hold
# one verdict row per run, and the verified fixes of fixes.csv, one row each; it says when,
# where and by which command it was made, shows the experiment file's header comment, and
# a click on a column heading sorts the table.  The experiment's name holds markup, a %, an
# apostrophe and a backquoted command, which must show as text and never run.  TAP output; skipped without
# /usr/bin/chromium ($CHROMIUM overrides the path).
set -u
flatline=${FLATLINE:?}
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    echo "1..1"
    echo "ok 1 # SKIP chromium not installed"
    exit 0
fi
echo "1..9"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flatline-report-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# Diagnostics go out as TAP comments, every line of them.
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }

cat > "$tmp/tiny.cfg" <<'CFG'
# A tiny sweep for the report's test: <b>markup</b> & "quotes",
#   wrapped onto a second line.
//
// - an item
# - another item
name = "report <check> & co `touch MARKER` 5% it's";
seed = 5;
repeats = 2;
dataset = { plugin = "sine2d"; samples = 40; normalize = "none"; validation = 0.25; };
model = ( { name = "h1"; units = 6; activation = "relu"; init = "he_uniform"; },
          { name = "out"; units = 1; } );
loss = "mse";
optimizer = { plugin = "adam"; lr = 0.001; };
train = { epochs = 10; batch = 10; };
grid = ( { key = "optimizer.lr"; values = [ 1e-6, 1e-2 ]; },
         { key = "model.h1.init"; values = [ "zeros", "he_uniform" ]; } );
CFG
# A name is a file name (no '/'): the payload touches a file where the command would run.
sed -i "s|MARKER|pwned|" "$tmp/tiny.cfg"
(cd "$tmp" && "$flatline" run "$tmp/tiny.cfg" -o "$tmp/res" --no-plots -q) >"$tmp/run.log" 2>&1
"$flatline" report "$tmp/res" >"$tmp/report.log" 2>&1
status=$?

# A headless Chromium that stalls must not stall the suite: two minutes, then this test fails.
timeout -k 5 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
    --dump-dom "file://$tmp/res/report.html" >"$tmp/dom.html" 2>"$tmp/chromium.err"

errors=$(grep -E 'Uncaught|:ERROR:CONSOLE' "$tmp/chromium.err")
if [ "$status" = 0 ] && [ -s "$tmp/dom.html" ] && [ -z "$errors" ]; then
    ok "the report loads without console errors"
else
    not_ok "the report loads without console errors" "flatline report: exit $status" \
        "$(cat "$tmp/report.log")" "$errors" "$(tail -5 "$tmp/chromium.err")"
fi

images=$(sed -n 's/.*<body[^>]*data-images="\([0-9]*\/[0-9]*\)".*/\1/p' "$tmp/dom.html" | head -n 1)
loaded=${images%/*}
total=${images#*/}
if [ -n "$images" ] && [ "$loaded" = "$total" ] && [ "$total" -gt 0 ]; then
    ok "every chart image decodes ($images)"
else
    not_ok "every chart image decodes" "data-images=\"$images\"" \
        "$(grep -o '<div class="missing">[^<]*' "$tmp/dom.html" | head -3)"
fi

figures=$(grep -o '<figure>' "$tmp/dom.html" | wc -l)
missing=$(grep -o '<div class="missing">[^<]*' "$tmp/dom.html")
if [ "$figures" -ge 5 ] && [ "$figures" = "${total:-0}" ] && [ -z "$missing" ]; then
    ok "every chart is an image, none a note ($figures)"
else
    not_ok "every chart is an image, none a note" "figures: $figures, images: ${total:-0}" "$missing"
fi

title=$(grep -o '<h1>[^<]*</h1>' "$tmp/dom.html")
if [ -z "$(find "$tmp" -name pwned)" ] && [ "$title" = "<h1>report &lt;check&gt; &amp; co \`touch pwned\` 5% it's</h1>" ]; then
    ok "the name shows as text and nothing in it runs"
else
    not_ok "the name shows as text and nothing in it runs" "title: $title" \
        "$(find "$tmp" -name pwned)"
fi

rows=$(grep -o '<tr class="run[ "]' "$tmp/dom.html" | wc -l)
runs=$(($(wc -l <"$tmp/res/summary.csv") - 1))
tables=$(grep -o 'id="runs"' "$tmp/dom.html" | wc -l)
if [ "$runs" -gt 0 ] && [ "$rows" = "$runs" ] && [ "$tables" = 1 ]; then
    ok "the verdict table has one row per run ($rows)"
else
    not_ok "the verdict table has one row per run" "rows: $rows, runs in summary.csv: $runs, tables: $tables"
fi

# The verified fixes as fixes.csv has them: one row per fix tried, the verified ones marked.
yes=$(grep -c ',yes,' "$tmp/res/fixes.csv")
no=$(grep -c ',no,' "$tmp/res/fixes.csv")
shown_yes=$(grep -o '<tr class="verified">' "$tmp/dom.html" | wc -l)
shown_no=$(grep -o '<tr class="refuted">' "$tmp/dom.html" | wc -l)
if grep -q '<h2 id="fixes">Verified fixes</h2>' "$tmp/dom.html" && [ $((yes + no)) -gt 0 ] &&
    [ "$shown_yes" = "$yes" ] && [ "$shown_no" = "$no" ]; then
    ok "the verified fixes show as fixes.csv has them ($yes verified, $no not)"
else
    not_ok "the verified fixes show as fixes.csv has them" "fixes.csv: $yes verified, $no not" \
        "report: $shown_yes verified, $shown_no not" "$(cat "$tmp/res/fixes.csv")"
fi

# When, where and how: the date, the host, the versions and the command that wrote it.
if grep -q "this page written [0-9-]* [0-9:]* UTC on <code>$(hostname)</code> by flatline [0-9.]* (oneDNN [0-9.]*), as <code>[^<]*flatline report $tmp/res</code>" "$tmp/dom.html"; then
    ok "the report says when, where and by which command it was made"
else
    not_ok "the report says when, where and by which command it was made" \
        "$(grep -o '<p class="sub">.*</p>' "$tmp/dom.html")"
fi

# A click on the seed heading sorts the runs by seed (stably); a second click reverses.
sed 's|</body>|<script>window.addEventListener("load",function(){setTimeout(function(){var th=[].filter.call(document.querySelectorAll("#runs th"),function(x){return x.textContent==="seed";})[0];var ids=function(){return [].map.call(document.querySelectorAll("#runs tbody tr"),function(r){return r.cells[0].textContent;}).join(" ");};th.click();document.body.dataset.up=ids();th.click();document.body.dataset.down=ids();},0);});</script></body>|' \
    "$tmp/res/report.html" >"$tmp/sort.html"
timeout -k 5 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --virtual-time-budget=2000 \
    --dump-dom "file://$tmp/sort.html" >"$tmp/sort-dom.html" 2>/dev/null
up=$(sed -n 's/.*<body[^>]*data-up="\([^"]*\)".*/\1/p' "$tmp/sort-dom.html" | head -n 1)
down=$(sed -n 's/.*<body[^>]*data-down="\([^"]*\)".*/\1/p' "$tmp/sort-dom.html" | head -n 1)
seed_col=$(head -n 1 "$tmp/res/summary.csv" | tr ',' '\n' | grep -nx seed | cut -d: -f1)
want_up=$(tail -n +2 "$tmp/res/summary.csv" | cut -d, -f1,"$seed_col" | sort -s -t, -k2,2n | cut -d, -f1 | tr '\n' ' ')
want_down=$(tail -n +2 "$tmp/res/summary.csv" | cut -d, -f1,"$seed_col" | sort -s -t, -k2,2nr | cut -d, -f1 | tr '\n' ' ')
if [ -n "$up" ] && [ "$up " = "$want_up" ] && [ "$down " = "$want_down" ]; then
    ok "a click on a heading sorts the table, a second click reverses it"
else
    not_ok "a click on a heading sorts the table, a second click reverses it" \
        "sorted up:   $up" "expected:    $want_up" "sorted down: $down" "expected:    $want_down"
fi

# 9. The experiment file's own header comment opens the page as its author wrote it:
# paragraphs at blank lines, wrapped lines joined, list items on lines of their own, markup
# shown as text.  It comes from experiment.cfg, so the report needs nothing else.
want='<div class="about" id="about"><p>A tiny sweep for the report'"'"'s test: &lt;b&gt;markup&lt;/b&gt; &amp; "quotes", wrapped onto a second line.</p><p>- an item<br>- another item</p></div>'
got=$(grep -o '<div class="about"[^>]*>.*</div>' "$tmp/dom.html" | sed 's|</div>.*|</div>|')
if [ "$got" = "$want" ] && grep -q '^#| - another item$' "$tmp/res/experiment.cfg"; then
    ok "the experiment file's header comment shows as written, markup as text"
else
    not_ok "the experiment file's header comment shows as written" "got:  $got" "want: $want" \
        "$(head -12 "$tmp/res/experiment.cfg")"
fi
