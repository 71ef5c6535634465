# loss.gp — training loss (solid) and validation loss (dashed) against epoch, one panel
# per grid point and one line per run, each run in its primary cause's colour (grey when
# healthy, faded for a run with only a warning); a filled dot marks where flatline stopped
# a collapsed run, an open one where a collapse began in a run left to finish.
#
# Given: n panels; ptitle[p], nrun[p] (runs in data/loss-PP.dat, one block each) and
# nend[p] (lines in data/loss-PP-end.dat); causes (words, for the key); ytitle; xmax;
# logy, ylo, yhi (one range for every panel); has_val, has_stop, has_detect, has_warn,
# has_top (a value no longer finite: a triangle on the top edge); dots.
load style

set multiplot title ctitle font ',13'
set xrange [0:xmax]
set yrange [ylo:yhi]
if (logy) {
    set logscale y
    set format y '%g'
}
do for [p=1:n] {
    eval set_panel
    set title ptitle[p] font ',10'
    if (panel_bottom(p)) { set xlabel 'epoch' } else { set xlabel '' }
    if (panel_col(p) == 0) { set ylabel ytitle } else { set ylabel '' }
    if (p == n) { eval set_key } else { unset key }
    f = sprintf('data/loss-%02d.dat', p)
    e = sprintf('data/loss-%02d-end.dat', p)
    last = p == n
    if (nrun[p] == 0) {
        set label 1 'no metrics saved (crashed or timed out)' at graph 0.5, 0.5 center
    } else {
        unset label 1
    }
    plot for [i=0:nrun[p]-1] f index i using 1:2:(run_color(strcol(4), strcol(5))) \
             with @runline lw 1.3 lc rgb variable, \
         for [i=0:(has_val ? nrun[p]-1 : -1)] f index i \
             using 1:3:(run_color(strcol(4), strcol(5))) \
             with lines lw 0.9 dt (6,4) lc rgb variable, \
         for [j=1:(nend[p] > 0)] e \
             using 1:(strcol(2) eq 'top' ? yhi : $2):4:(cause_color(strcol(3))) \
             with points pt variable ps 1.4 lw 1.5 lc rgb variable, \
         for [k=1:words(causes)] NaN with lines lw 3 \
             lc rgb cause_color(word(causes, k)) title (last ? word(causes, k) : ''), \
         NaN with lines lw 3 lc rgb 0x99333333 \
             title (last && has_warn ? 'faded: warning only' : ''), \
         NaN with lines lw 1 dt (6,4) lc rgb '#333333' \
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
