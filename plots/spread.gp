# spread.gp — the flatline itself: the standard deviation of each output's predictions
# across the probe inputs, against epoch, beside the targets' own spread (dashed).  A
# healthy run climbs towards the dashed line; a collapsed one lies along zero.  One panel
# per grid point, one line per run and output, in the run's primary cause's colour
# (faded for a warning); dots as in loss.gp.  Each panel's y range holds all of its runs
# and its targets, so the spikes of an unstable run are shown whole.
#
# Given: n panels; xmax[p], ymax[p]; nrun[p] (blocks in data/spread-PP.dat: epoch, one std
# column per output, colour, verdict); nend[p] (data/spread-PP-end.dat); no outputs;
# target[(p-1)*no+o]; nkey, keyfade[k]; has_stop, has_detect, has_top.
# Text (data/spread-text.tsv): title; panel p; xlabel p; output o; key k; keycolor k.
load scripts.'/style.gp'

array ptitle[n]
array pxlabel[n]
array output[no + 1]
array key_text[nkey + 1]
array key_color[nkey + 1]
do for [i=1:n] { ptitle[i] = ''; pxlabel[i] = '' }
do for [i=1:no] { output[i] = '' }
ctitle = ''
stats 'data/spread-text.tsv' using (k = strcol(1), i = int($2), t = text(3), \
    k eq 'title' ? (ctitle = t) : k eq 'panel' ? (ptitle[i] = t) : \
    k eq 'xlabel' ? (pxlabel[i] = t) : k eq 'output' ? (output[i] = t) : \
    k eq 'key' ? (key_text[i] = t) : k eq 'keycolor' ? (key_color[i] = t) : 0, 0) nooutput

set multiplot title ctitle font ',13'
do for [p=1:n] {
    eval set_panel
    set title ptitle[p] font ',10'
    set xrange [0:xmax[p]]
    # A little room below zero: a flat line at zero is the finding, not the axis.
    set yrange [-0.04 * ymax[p]:ymax[p]]
    set xlabel pxlabel[p]
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
             using 1:(column(o + 1)):(run_color(text(no + 2), text(no + 3))) \
             with lines lw 1.5 lc rgb variable, \
         for [i=0:(xmax[p] <= 2 ? nrun[p]-1 : -1)] for [o=1:no] f index i \
             using 1:(column(o + 1)):(run_color(text(no + 2), text(no + 3))) \
             with points pt 7 ps 0.6 lc rgb variable, \
         for [o=1:no] (target[(p - 1) * no + o] > 0 ? target[(p - 1) * no + o] : 1/0) \
             with lines lw 1.5 dt (8,5) lc rgb '#333333', \
         for [j=1:(nend[p] > 0)] e \
             using 1:(strcol(2) eq 'top' ? ymax[p] : $2):4:(cause_color(text(3))) \
             with points pt variable ps 1.4 lw 1.5 lc rgb variable, \
         for [k=1:nkey] NaN with lines lw 1.5 \
             lc rgb cause_color(key_color[k]) + (keyfade[k] ? FADE : 0) \
             title (last ? key_text[k] : ''), \
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
