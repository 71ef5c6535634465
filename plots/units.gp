# units.gp — the share of each layer's units that no longer respond to the input, against
# epoch, one panel per grid point for its representative run: dead units of a ReLU layer
# and constant units of any other (the same output for every probe input; solid), and
# saturated units of a sigmoid or tanh layer (dashed).  Each layer has its colour and its
# marker shape, so layers whose lines coincide (all dead, none saturated) stay visible.
#
# Given: n panels; xmax[p]; has[p]; data/units-PP.dat (epoch, then <layer>_dead and
# <layer>_saturated per layer, fractions); nl layers; ns series, series s being column
# scol[s] of layer slayer[s], dashed when sdash[s], drawn in panel p when
# son[(p-1)*ns + s].  Text (data/units-text.tsv): title; panel p; xlabel p; series s.
load scripts.'/style.gp'

array ptitle[n]
array pxlabel[n]
array series[ns + 1]
do for [i=1:n] { ptitle[i] = ''; pxlabel[i] = '' }
do for [i=1:ns] { series[i] = '' }
ctitle = ''
stats 'data/units-text.tsv' using (k = strcol(1), i = int($2), t = text(3), \
    k eq 'title' ? (ctitle = t) : k eq 'panel' ? (ptitle[i] = t) : \
    k eq 'xlabel' ? (pxlabel[i] = t) : k eq 'series' ? (series[i] = t) : 0, 0) nooutput

set multiplot title ctitle font ',13'
set yrange [-4:104]
set ytics 0, 25, 100 format '%g%%'
drawn(p, s) = has[p] && son[(p - 1) * ns + s]
dash(s) = sdash[s] ? 2 : 1
do for [p=1:n] {
    eval set_panel
    set title ptitle[p] font ',10'
    set xrange [0:xmax[p]]
    set xlabel pxlabel[p]
    if (panel_col(p) == 0) { set ylabel 'units (% of the layer)' } else { set ylabel '' }
    if (p == n) { eval set_key } else { unset key }
    if (has[p] == 0) {
        set label 1 'no unit statistics saved' at graph 0.5, 0.5 center
    } else {
        unset label 1
    }
    f = sprintf('data/units-%02d.dat', p)
    last = p == n
    st = mstep(xmax[p])
    plot for [s=1:ns] f using 1:(drawn(p, s) ? 100 * column(scol[s]) : NaN) with lines \
             lw 1.6 dt dash(s) lc palette frac layer_frac(slayer[s]), \
         for [s=1:ns] f every st::moff(s, xmax[p], ns) \
             using 1:(drawn(p, s) ? 100 * column(scol[s]) : NaN) with points \
             pt layer_pt(slayer[s]) ps 0.9 lw 1.2 lc palette frac layer_frac(slayer[s]), \
         for [s=1:ns] NaN with linespoints lw 1.6 dt dash(s) \
             pt layer_pt(slayer[s]) ps 0.9 lc palette frac layer_frac(slayer[s]) \
             title (last ? series[s] : ''), \
         1/0 notitle
}
unset multiplot
