# gradients.gp — the gradient norm of each layer's weights against epoch on a log scale,
# one panel per grid point for its representative run, every panel on the same scale: a
# line falling towards the bottom is a vanishing gradient, one climbing by decades an
# exploding one.  A norm of exactly zero has no place on a log axis: it is drawn on the
# dotted line at the bottom, marked "zero gradient".
#
# Given: n panels; xmax[p]; has[p] (0: no finite numbers); data/gradients-PP.dat (epoch,
# then one column per layer); nl layers; gfloor (the zero line), ytop; nyt tics at yt[i].
# Text (data/gradients-text.tsv): title; panel p; xlabel p; layer k; ytic i.
load scripts.'/style.gp'

array ptitle[n]
array pxlabel[n]
array layer[nl + 1]
array ytic_text[nyt + 1]
do for [i=1:n] { ptitle[i] = ''; pxlabel[i] = '' }
do for [i=1:nl] { layer[i] = '' }
ctitle = ''
stats 'data/gradients-text.tsv' using (k = strcol(1), i = int($2), t = text(3), \
    k eq 'title' ? (ctitle = t) : k eq 'panel' ? (ptitle[i] = t) : \
    k eq 'xlabel' ? (pxlabel[i] = t) : k eq 'layer' ? (layer[i] = t) : \
    k eq 'ytic' ? (ytic_text[i] = t) : 0, 0) nooutput

set multiplot title ctitle font ',13'
set logscale y
set yrange [gfloor / 5:ytop]
set ytics (ytic_text[1] yt[1])
do for [i=2:nyt] { set ytics add (ytic_text[i] yt[i]) }
set arrow 1 from graph 0, first gfloor to graph 1, first gfloor nohead lw 0.8 dt (3,3) \
    lc rgb '#888888' back
set label 2 'zero gradient' at graph 0.99, first gfloor right offset 0, -0.6 font ',8' \
    tc rgb '#666666' front
pos(x) = x > 0 ? x : (x == 0 ? gfloor : NaN)
do for [p=1:n] {
    eval set_panel
    set title ptitle[p] font ',10'
    set xrange [0:xmax[p]]
    set xlabel pxlabel[p]
    if (panel_col(p) == 0) { set ylabel 'gradient norm (L2)' } else { set ylabel '' }
    if (p == n) { eval set_key } else { unset key }
    if (has[p] == 0) {
        set label 1 'no finite gradient norms saved' at graph 0.5, 0.5 center
    } else {
        unset label 1
    }
    f = sprintf('data/gradients-%02d.dat', p)
    last = p == n
    s = mstep(xmax[p])
    plot for [k=1:(has[p] ? nl : 0)] f using 1:(pos(column(k + 1))) with lines lw 1.6 \
             lc palette frac layer_frac(k), \
         for [k=1:(has[p] ? nl : 0)] f every s::moff(k, xmax[p], nl) \
             using 1:(pos(column(k + 1))) with points pt layer_pt(k) ps 0.9 lw 1.2 \
             lc palette frac layer_frac(k), \
         for [k=1:nl] NaN with linespoints lw 1.6 pt layer_pt(k) ps 0.9 \
             lc palette frac layer_frac(k) title (last ? layer[k] : ''), \
         1/0 notitle
}
unset multiplot
