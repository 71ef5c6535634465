# gradients.gp — the gradient norm of each layer's weights against epoch on a log scale,
# one panel per grid point for its representative run: a line falling towards the floor
# is a vanishing gradient, one climbing by decades an exploding one.  Norms of exactly
# zero are drawn on the floor, labelled 0, each layer a hair apart so all of them show.
#
# Given: n panels; ptitle[p]; data/gradients-PP.dat (epoch, then one column per layer);
# layer[k], nl; has[p] (0: no finite numbers); gfloor; xmax; dots (see style.gp).
load style

set multiplot title ctitle font ',13'
set xrange [0:xmax]
set logscale y
set format y '%g'
set ytics add ('0' gfloor)
# The floor line: below it nothing, on it the layers that received no gradient at all.
set arrow 1 from graph 0, first gfloor to graph 1, first gfloor nohead lw 0.8 dt (3,3) \
    lc rgb '#888888' back
pos(x, k) = x > 0 ? x : (x == 0 ? gfloor * 10 ** (0.03 * (k - (nl + 1) / 2.0)) : NaN)
do for [p=1:n] {
    eval set_panel
    set title ptitle[p] font ',10'
    if (panel_bottom(p)) { set xlabel 'epoch' } else { set xlabel '' }
    if (panel_col(p) == 0) { set ylabel 'gradient norm (L2)' } else { set ylabel '' }
    if (p == n) { eval set_key } else { unset key }
    if (has[p] == 0) {
        set label 1 'no finite gradient norms saved' at graph 0.5, 0.5 center
        set yrange [gfloor/3:gfloor*1000]
    } else {
        unset label 1
        set yrange [gfloor/3:*]
    }
    f = sprintf('data/gradients-%02d.dat', p)
    last = p == n
    plot for [k=1:(has[p] ? nl : 0)] f using 1:(pos(column(k + 1), k)) with @runline lw 1.6 \
             lc palette frac layer_frac(k), \
         for [k=1:nl] NaN with lines lw 2.5 lc palette frac layer_frac(k) \
             title (last ? layer[k] : ''), \
         1/0 notitle
}
unset multiplot
