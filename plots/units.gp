# units.gp — the share of each layer's units that are dead (the same output for every
# probe input; solid) or saturated (dashed) against epoch, one panel per grid point for
# its representative run.  Layers often share a value (all dead, none saturated), so each
# layer's lines are nudged apart by a fraction of a point, never more than 4 in all, to
# keep every layer visible; the title (from flatline) says so.
#
# Given: n panels; ptitle[p]; data/units-PP.dat (epoch, then <layer>_dead and
# <layer>_saturated per layer, fractions); layer[k], nl; has[p]; xmax; dots.
load style

set multiplot title ctitle font ',13'
set xrange [0:xmax]
set yrange [-7:107]
set ytics 0, 25, 100 format '%g%%'
step = nl > 1 ? (8.0 / (nl - 1) < 1.0 ? 8.0 / (nl - 1) : 1.0) : 0
pct(x, k) = 100.0 * x + (k - (nl + 1) / 2.0) * step
do for [p=1:n] {
    eval set_panel
    set title ptitle[p] font ',10'
    if (panel_bottom(p)) { set xlabel 'epoch' } else { set xlabel '' }
    if (panel_col(p) == 0) { set ylabel 'units (% of layer)' } else { set ylabel '' }
    if (p == n) { eval set_key } else { unset key }
    if (has[p] == 0) {
        set label 1 'no unit statistics saved' at graph 0.5, 0.5 center
    } else {
        unset label 1
    }
    f = sprintf('data/units-%02d.dat', p)
    last = p == n
    plot for [k=1:(has[p] ? nl : 0)] f using 1:(pct(column(2 * k), k)) with @runline lw 1.8 \
             lc palette frac layer_frac(k), \
         for [k=1:(has[p] ? nl : 0)] f using 1:(pct(column(2 * k + 1), k)) with lines lw 1.4 \
             dt (6,4) lc palette frac layer_frac(k), \
         for [k=1:nl] NaN with lines lw 2.5 lc palette frac layer_frac(k) \
             title (last ? layer[k] : ''), \
         NaN with lines lw 1.8 lc rgb '#333333' title (last ? 'dead (solid)' : ''), \
         NaN with lines lw 1.4 dt (6,4) lc rgb '#333333' \
             title (last ? 'saturated (dashed)' : ''), \
         1/0 notitle
}
unset multiplot
