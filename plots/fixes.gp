# fixes.gp — per collapsed grid point, its collapse rate before (as the sweep ran it) and
# after each fix tried on the same seeds: horizontal bars in the colour of the cause that
# proposed the fix, the verified fix on a green band, a heading row per grid point.
#
# Given: data/fixes.dat (row, kind, rate%, tic or heading text, text at the bar's end,
# cause; kind 0 a heading, 1 the rate before, 2 a fix tried, 3 the verified fix, 4 a note
# that more were tried); NR (rows), LM (left margin in pixels), TL (title lines).
# Text (data/fixes-text.tsv): title.
load scripts.'/style.gp'

ctitle = ''
stats 'data/fixes-text.tsv' using (k = strcol(1), t = text(3), \
    k eq 'title' ? (ctitle = t) : 0, 0) nooutput

set title ctitle font ',12'
set lmargin at screen 1.0 * LM / W
set rmargin at screen 1 - 24.0 / W
set tmargin at screen 1 - (44.0 + 20 * TL) / H
set bmargin at screen 56.0 / H
set xrange [0:175]
set yrange [NR - 0.5:-0.5]
set xtics 0, 20, 100 format '%g%%'
set xlabel 'collapse rate (% of runs)'
set grid xtics noytics nomxtics nomytics
set ytics scale 0
set border 1
set style fill solid 0.85 border lc rgb '#444444'
f = 'data/fixes.dat'
BEFORE = 0x777777
GOOD = 0x276b27
bar_color(k, c) = k == 1 ? BEFORE : cause_color(c)
value_color(k) = k == 3 ? GOOD : 0x222222
# Green bands under the verified fixes; the bars; the numbers at their ends; the headings
# and notes, left-aligned over the rows; the fixes' labels as tics.
bar(k) = k >= 1 && k <= 3
plot f using ($2 == 3 ? 87.5 : NaN):1:(87.5):(0.5) with boxxyerror \
         fs solid 1.0 noborder lc rgb '#e5f3e5', \
     f using (bar($2) ? $3 / 2.0 : NaN):1:($3 / 2.0):(0.3):(bar_color($2, text(6))) \
         with boxxyerror lc rgb variable, \
     f using (bar($2) ? $3 + 1.5 : NaN):1:(label_text(text(5))):(value_color($2)) \
         with labels left font ',9' tc rgb variable, \
     f using ($2 == 0 ? 0 : NaN):1:(label_text(text(4))) \
         with labels left font font_name.':Bold,10' offset character 0.3, 0, \
     f using ($2 == 4 ? 0 : NaN):1:(label_text(text(4))) \
         with labels left font ',9' tc rgb '#666666' offset character 0.3, 0, \
     f using (NaN):1:ytic(bar($2) ? text(4) : '') notitle
