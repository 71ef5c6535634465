# loss.gp — training loss (solid) and validation loss (dashed) against epoch, one panel
# per grid point and one line per run, each run in its primary cause's colour (grey when
# healthy, faded for a run with only a warning); a filled dot marks where flatline stopped
# a collapsed run, an open one where a collapse began in a run left to finish.  Each
# panel's x axis ends with its runs; the y range is the same in every panel.
#
# Drawn for two charts: loss (one panel per grid point) and fixed-loss (a collapsed grid
# point and, beside it, the same seeds with its verified fix); stem names the chart's files.
#
# Given: stem; n panels; xmax[p]; nrun[p] (runs in data/STEM-PP.dat, one block each: epoch,
# loss, val_loss, colour, verdict) and nend[p] (lines of data/STEM-PP-end.dat: epoch,
# value or 'top', colour, point type); logy, ylo, yhi, and on a log axis nyt tics at yt[i];
# nkey and keyfade[k] (the key's run colours); has_val, has_stop, has_detect, has_top.
# Text (data/STEM-text.tsv): title; panel p; xlabel p; ylabel; ytic i; key k; keycolor k.
load scripts.'/style.gp'

array ptitle[n]
array pxlabel[n]
array key_text[nkey + 1]
array key_color[nkey + 1]
array ytic_text[exists('nyt') ? nyt + 1 : 1]
do for [i=1:n] { ptitle[i] = ''; pxlabel[i] = '' }
ctitle = ''; ytitle = ''
stats sprintf('data/%s-text.tsv', stem) using (k = strcol(1), i = int($2), t = text(3), \
    k eq 'title' ? (ctitle = t) : k eq 'ylabel' ? (ytitle = t) : \
    k eq 'panel' ? (ptitle[i] = t) : k eq 'xlabel' ? (pxlabel[i] = t) : \
    k eq 'key' ? (key_text[i] = t) : k eq 'keycolor' ? (key_color[i] = t) : \
    k eq 'ytic' ? (ytic_text[i] = t) : 0, 0) nooutput

set multiplot title ctitle font ',13'
set yrange [ylo:yhi]
if (logy) {
    set logscale y
    set ytics (ytic_text[1] yt[1])
    do for [i=2:nyt] { set ytics add (ytic_text[i] yt[i]) }
}
do for [p=1:n] {
    eval set_panel
    set title ptitle[p] font ',10'
    set xrange [0:xmax[p]]
    set xlabel pxlabel[p]
    if (panel_col(p) == 0) { set ylabel ytitle } else { set ylabel '' }
    if (p == n) { eval set_key } else { unset key }
    f = sprintf('data/%s-%02d.dat', stem, p)
    e = sprintf('data/%s-%02d-end.dat', stem, p)
    last = p == n
    if (nrun[p] == 0) {
        set label 1 'no metrics saved (crashed or timed out)' at graph 0.5, 0.5 center
    } else {
        unset label 1
    }
    plot for [i=0:nrun[p]-1] f index i using 1:2:(run_color(text(4), text(5))) \
             with lines lw 1.5 lc rgb variable, \
         for [i=0:(xmax[p] <= 2 ? nrun[p]-1 : -1)] f index i \
             using 1:2:(run_color(text(4), text(5))) with points pt 7 ps 0.6 lc rgb variable, \
         for [i=0:(has_val ? nrun[p]-1 : -1)] f index i \
             using 1:3:(run_color(text(4), text(5))) \
             with lines lw 1 dt (6,4) lc rgb variable, \
         for [j=1:(nend[p] > 0)] e \
             using 1:(strcol(2) eq 'top' ? yhi : $2):4:(cause_color(text(3))) \
             with points pt variable ps 1.4 lw 1.5 lc rgb variable, \
         for [k=1:nkey] NaN with lines lw 1.5 \
             lc rgb cause_color(key_color[k]) + (keyfade[k] ? FADE : 0) \
             title (last ? key_text[k] : ''), \
         NaN with lines lw 1 dt (6,4) lc rgb '#555555' \
             title (last && has_val ? 'validation loss' : ''), \
         NaN with points pt 7 ps 1.4 lc rgb '#333333' \
             title (last && has_stop ? 'stopped: collapsed' : ''), \
         NaN with points pt 6 ps 1.4 lw 1.5 lc rgb '#333333' \
             title (last && has_detect ? 'collapse detected' : ''), \
         NaN with points pt 9 ps 1.4 lc rgb '#333333' \
             title (last && has_top ? 'stopped: not finite' : ''), \
         for [k=1:(nrun[p] == 0)] 1/0 notitle
}
unset multiplot
