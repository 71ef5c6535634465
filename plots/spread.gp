# spread.gp — the flatline itself: the standard deviation of each output's predictions
# across the probe inputs, against epoch, beside the targets' own spread (dashed).  A
# healthy run climbs towards the dashed line; a collapsed one lies along zero.  One panel
# per grid point, one line per run and output, in the run's primary cause's colour
# (faded for a warning); dots as in loss.gp.
#
# Given: n panels; ptitle[p]; nrun[p] (blocks in data/spread-PP.dat: epoch, one std
# column per output, colour key, verdict); nend[p] (data/spread-PP-end.dat); output[o],
# no; target[(p-1)*no+o]; ymax (one range for every panel); causes (words, for the key);
# has_stop, has_detect, has_warn, has_top; xmax; dots.
load style

set multiplot title ctitle font ',13'
set xrange [0:xmax]
# A little room below zero: a flat line at zero is the finding, not the axis.
set yrange [-0.04 * ymax:ymax]
do for [p=1:n] {
    eval set_panel
    set title ptitle[p] font ',10'
    if (panel_bottom(p)) { set xlabel 'epoch' } else { set xlabel '' }
    if (panel_col(p) == 0) { set ylabel 'prediction spread (std)' } else { set ylabel '' }
    if (p == n) { eval set_key } else { unset key }
    unset label
    do for [o=1:no] {
        t = target[(p - 1) * no + o]
        if (t > 0) {
            # Staggered along the line, so close targets keep readable labels.
            set label o + 10 sprintf('target %s', output[o]) \
                at graph 0.99 - 0.16 * ((o - 1) % 4), first t \
                right offset 0, 0.6 font ',8' tc rgb '#333333'
        }
    }
    if (nrun[p] == 0) {
        set label 1 'no metrics saved (crashed or timed out)' at graph 0.5, 0.5 center
    }
    f = sprintf('data/spread-%02d.dat', p)
    e = sprintf('data/spread-%02d-end.dat', p)
    last = p == n
    plot for [i=0:nrun[p]-1] for [o=1:no] f index i \
             using 1:(column(o + 1)):(run_color(strcol(no + 2), strcol(no + 3))) \
             with @runline lw 1.3 lc rgb variable, \
         for [o=1:no] (target[(p - 1) * no + o] > 0 ? target[(p - 1) * no + o] : 1/0) \
             with lines lw 1.5 dt (8,5) lc rgb '#333333', \
         for [j=1:(nend[p] > 0)] e \
             using 1:(strcol(2) eq 'top' ? ymax : $2):4:(cause_color(strcol(3))) \
             with points pt variable ps 1.4 lw 1.5 lc rgb variable, \
         for [k=1:words(causes)] NaN with lines lw 3 \
             lc rgb cause_color(word(causes, k)) title (last ? word(causes, k) : ''), \
         NaN with lines lw 3 lc rgb 0x99333333 \
             title (last && has_warn ? 'faded: warning only' : ''), \
         NaN with lines lw 1.5 dt (8,5) lc rgb '#333333' \
             title (last ? 'target spread' : ''), \
         NaN with points pt 7 ps 1.4 lc rgb '#333333' \
             title (last && has_stop ? 'stopped: collapsed' : ''), \
         NaN with points pt 6 ps 1.4 lw 1.5 lc rgb '#333333' \
             title (last && has_detect ? 'collapse detected' : ''), \
         NaN with points pt 9 ps 1.4 lc rgb '#333333' \
             title (last && has_top ? 'stopped: not finite' : ''), \
         for [k=1:(nrun[p] == 0)] 1/0 notitle
}
unset multiplot
