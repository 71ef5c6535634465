# style.gp — loaded by every chart script: terminal and fonts, grid lines, where panels
# and the key go, and one fixed colour per cause so a cause looks the same everywhere.
#
# The chart script is given (gnuplot -e): fmt (png, svg or pdf), out (the file), W and H
# (the canvas in pixels); charts with panels also cols, rows, KW (key strip width) and TH
# (title strip height).

font_name = 'DejaVu Sans'
# Text is noenhanced: names like dead_relu must not turn into subscripts.  The scales make
# the three formats look alike at 96 pixels per inch.
if (fmt eq 'svg') {
    set terminal svg size W,H dynamic noenhanced font font_name.',10' fontscale 1.33 \
        background '#ffffff'
} else {
    if (fmt eq 'pdf') {
        set terminal pdfcairo size W/96.0,H/96.0 noenhanced font font_name.',10' \
            fontscale 0.75 linewidth 0.75
    } else {
        set terminal pngcairo size W,H noenhanced font font_name.',10' background '#ffffff'
    }
}
set output out
set encoding utf8
set datafile missing '?'
set border 3 lw 1 lc rgb '#555555'
set tics nomirror out scale 0.6 textcolor rgb '#222222'
set grid xtics ytics mxtics mytics lt 1 lw 0.6 lc rgb '#e4e4e4', lt 1 lw 0.3 lc rgb '#f2f2f2'
set title textcolor rgb '#111111'
set key noautotitle

# Panels fill a cols x rows grid under the title strip, left of the key strip.
panel_w = (W - (exists('KW') ? KW : 0)) / (exists('cols') ? 1.0 * cols : 1.0)
panel_h = (H - (exists('TH') ? TH : 0)) / (exists('rows') ? 1.0 * rows : 1.0)
ML = 78; MR = 18; MT = 48; MB = 48
panel_col(p) = (p - 1) % cols
panel_row(p) = (p - 1) / cols
set_panel = 'set lmargin at screen (panel_col(p) * panel_w + ML) / W; ' . \
            'set rmargin at screen ((panel_col(p) + 1) * panel_w - MR) / W; ' . \
            'set tmargin at screen 1 - (TH + panel_row(p) * panel_h + MT) / H; ' . \
            'set bmargin at screen 1 - (TH + (panel_row(p) + 1) * panel_h - MB) / H'
# Bottom panel of its column: the one that carries the x label.
panel_bottom(p) = p + cols > n
# The key sits in its own strip right of the panels, never over data.
set_key = 'set key at screen (W - KW + 14.0) / W, 1 - (TH + MT) / (1.0 * H) left top Left ' . \
          'reverse samplen 2.2 spacing 1.15 width 1 box lw 0.5 lc rgb "#bbbbbb" opaque'

# One colour per detector (cause), fixed: the same cause has the same colour in every chart.
cause_color(c) = \
    c eq 'dead_relu'           ? 0xd62728 : \
    c eq 'no_update'           ? 0x1f77b4 : \
    c eq 'bad_init'            ? 0xff7f0e : \
    c eq 'constant_output'     ? 0x9467bd : \
    c eq 'oscillation'         ? 0x8c564b : \
    c eq 'divergence'          ? 0xe377c2 : \
    c eq 'exploding_gradient'  ? 0xbcbd22 : \
    c eq 'vanishing_gradient'  ? 0x17becf : \
    c eq 'saturation'          ? 0x2ca02c : \
    c eq 'zero_output'         ? 0x393b79 : \
    c eq 'underfit'            ? 0xad494a : \
    c eq 'over_regularization' ? 0x637939 : \
    c eq 'identical_heads'     ? 0xce6dbd : \
    c eq 'single_class'        ? 0x843c39 : \
    c eq 'class_imbalance'     ? 0x7b4173 : \
    c eq 'constant_target'     ? 0x8c6d31 : \
    c eq 'unscaled_input'      ? 0x5254a3 : \
    c eq 'output_activation'   ? 0xe7969c : \
    c eq 'healthy'             ? 0x9a9a9a : \
    c eq 'crashed'             ? 0x000000 : 0x555555

# Runs of a few epochs get a dot per epoch (chart scripts are given dots).
runline = exists('dots') && dots ? 'linespoints pt 7 ps 0.45' : 'lines'

# A run's line: its cause's colour, faded when the run only drew a warning.
run_color(c, v) = cause_color(c) + (v eq 'warning' ? 0x99000000 : 0)

# Layers: an ordered scale from the input side (dark) to the output side (light).
set palette defined (0 '#0d0887', 0.35 '#7e03a8', 0.7 '#cc4778', 1 '#f0a030')
unset colorbox
layer_frac(k) = nl > 1 ? (k - 1.0) / (nl - 1) : 0
