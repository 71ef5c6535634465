# heatmap.gp — collapse rate per grid point over the first two grid axes, each cell
# annotated with its rate, its count and its commonest cause (in that cause's colour);
# when that cause is only a warning, the cause that then collapsed the runs follows it.
# With a single axis, bars with their Wilson 95% intervals instead.
#
# Given: data/heatmap.dat (x, y, rate%, low%, high%, collapsed, runs, cause, second cause;
# no cause: empty); data/heatmap-xtics.dat and -ytics.dat (position, label, in grid
# order); nx, ny (0: one axis); TL (title lines).
# Text (data/heatmap-text.tsv): title; xlabel; ylabel.
load scripts.'/style.gp'

ctitle = ''; xtitle = ''; ytitle = ''
stats 'data/heatmap-text.tsv' using (k = strcol(1), t = text(3), \
    k eq 'title' ? (ctitle = t) : k eq 'xlabel' ? (xtitle = t) : \
    k eq 'ylabel' ? (ytitle = t) : 0, 0) nooutput

set title ctitle font ',12'
set xlabel xtitle
set grid noxtics nomxtics noytics nomytics
rate_text(n, r, k) = n == 0 ? 'no finished run' : sprintf('%.0f%%  (%d/%d)', r, k, n)
# A cause, and the one that followed it when it was only a warning.
cause_text(c, s) = c eq '' ? '' : s eq '' ? c : c . ' (warning)'
second_text(s) = s eq '' ? '' : s . ' (collapsed)'
f = 'data/heatmap.dat'
fx = 'data/heatmap-xtics.dat'
fy = 'data/heatmap-ytics.dat'

if (ny > 0) {
    # Fixed margins in pixels: room for the longest tick labels, then the colour bar.
    set lmargin at screen 150.0 / W
    set rmargin at screen 1 - 170.0 / W
    set bmargin at screen 75.0 / H
    set tmargin at screen 1 - (40.0 + 20 * TL) / H
    set ylabel ytitle
    set xrange [-0.5:nx-0.5]
    set yrange [ny-0.5:-0.5]
    set tics scale 0
    set border 0
    set palette defined (0 '#f7f7f7', 0.01 '#fff5eb', 0.3 '#fdae6b', 0.6 '#f16913', 1 '#8c2d04')
    set cbrange [0:100]
    set cbtics 0, 25, 100 format '%g%%'
    set cblabel 'collapse rate'
    set colorbox vertical user origin screen 1 - 140.0 / W, screen 75.0 / H \
        size screen 18.0 / W, screen 1 - (115.0 + 20 * TL) / H
    set style fill solid 1.0 border lc rgb '#ffffff'
    set style textbox opaque fc rgb '#ffffff' noborder margins 2, 1
    # Dark cells take white text for the rate.
    ink(r) = r > 55 ? 0xffffff : 0x111111
    # Grey cells: no finished run (all crashed or timed out).  The cause sits under the
    # rate, and a second cause under it.
    plot f using 1:2:(0.5):(0.5):($7 > 0 ? $3 : NaN) with boxxyerror fc palette lw 2, \
         f using 1:2:(0.5):($7 > 0 ? NaN : 0.5) with boxxyerror fc rgb '#dddddd' lw 2, \
         f using 1:2:(rate_text($7, $3, $6)):(ink($3)) \
             with labels offset 0, 1.1 font ',11' tc rgb variable, \
         f using 1:(text(8) eq '' ? NaN : $2):(cause_text(text(8), text(9))) \
             :(cause_color(text(8))) \
             with labels boxed offset 0, -0.2 font ',10' tc rgb variable, \
         f using 1:(text(9) eq '' ? NaN : $2):(second_text(text(9))) \
             :(cause_color(text(9))) \
             with labels boxed offset 0, -1.5 font ',10' tc rgb variable, \
         fx using 1:(NaN):xtic(text(2)) notitle, \
         fy using (NaN):1:ytic(text(2)) notitle
} else {
    set ylabel 'collapse rate (% of runs)'
    set tmargin at screen 1 - (40.0 + 20 * TL) / H
    set xrange [-0.6:nx-0.4]
    set yrange [0:125]
    set ytics 0, 20, 100 format '%g%%'
    set grid ytics
    set style fill solid 0.85 border lc rgb '#444444'
    set boxwidth 0.6
    label_of(n, r, k, c, s) = rate_text(n, r, k) . (c eq '' ? '' : "\n" . cause_text(c, s)) \
                              . (s eq '' ? '' : "\n" . second_text(s))
    plot f using 1:3:(cause_color(text(8) eq '' ? 'healthy' : text(8))) \
             with boxes lc rgb variable, \
         f using 1:($7 > 0 ? $4 : NaN):(0):($5 - $4) with vectors heads size screen 0.008, 90 \
             lc rgb '#222222' lw 1.2, \
         f using 1:($7 > 0 ? $5 + 3 : 3):(label_of($7, $3, $6, text(8), text(9))) \
             with labels font ',10' offset 0, 1.2 center, \
         fx using 1:(NaN):xtic(text(2)) notitle
}
