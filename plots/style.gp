# style.gp — loaded by every chart script: terminal and fonts, how data files are read,
# grid lines, where panels and the key go, and the colour of each cause (causes.tsv).
#
# The command line (gnuplot -e) gives numbers and flatline's own words only: fmt (png, svg
# or pdf), out (the file), scripts (this directory), W and H (the canvas in pixels);
# charts with panels also n, cols, rows, KW (key strip width), TH (title strip height)
# BH (bottom strip height) and MT (room above each panel for its title).
# Every text from the results (names, grid values, titles) comes in data files, read as
# data and never evaluated.

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

# Data files are tab-separated; '?' is a missing number.  A text field opens with '=',
# which text(i) drops, and has \ and " written as \134 and \042 and a line break as \n,
# escapes gnuplot decodes as it reads.
set datafile separator "\t"
set datafile missing '?'
text(i) = strcol(i)[2:]
# `with labels` drops a backslash of its text unless it is doubled (tics and titles do not).
bs = "\\"
label_text(s) = strstrt(s, bs) == 0 ? s : \
    s[1:strstrt(s, bs)] . bs . label_text(s[strstrt(s, bs) + 1:])

set border 3 lw 1 lc rgb '#555555'
set tics nomirror out scale 0.6 textcolor rgb '#222222'
set grid xtics ytics mxtics mytics lt 1 lw 0.6 lc rgb '#e4e4e4', lt 1 lw 0.3 lc rgb '#f2f2f2'
set title textcolor rgb '#111111'
set key noautotitle

# Panels fill a cols x rows grid under the title strip, left of the key strip.
panel_w = (W - (exists('KW') ? KW : 0)) / (exists('cols') ? 1.0 * cols : 1.0)
panel_h = (H - (exists('TH') ? TH : 0) - (exists('BH') ? BH : 0)) / (exists('rows') ? 1.0 * rows : 1.0)
ML = 78; MR = 18; MB = 48
if (!exists('MT')) { MT = 48 }
panel_col(p) = (p - 1) % cols
panel_row(p) = (p - 1) / cols
set_panel = 'set lmargin at screen (panel_col(p) * panel_w + ML) / W; ' . \
            'set rmargin at screen ((panel_col(p) + 1) * panel_w - MR) / W; ' . \
            'set tmargin at screen 1 - (TH + panel_row(p) * panel_h + MT) / H; ' . \
            'set bmargin at screen 1 - (TH + (panel_row(p) + 1) * panel_h - MB) / H'
# The key sits in its own strip right of the panels, never over data.
set_key = 'set key at screen (W - KW + 14.0) / W, 1 - (TH + MT) / (1.0 * H) left top Left ' . \
          'reverse samplen 2.2 spacing 1.15 width 1 box lw 0.5 lc rgb "#bbbbbb" opaque'

# The colour of each cause, from causes.tsv: cause_color('dead_relu') is 0xd62728.
array cause_name[64]
array cause_rgb[64]
n_causes = 0
cause_other = 0x555555
stats scripts.'/causes.tsv' using (cause_row = strcol(1), \
    cause_val = ('0x' . strcol(2)[2:7]) + 0, \
    cause_row eq '*' ? (cause_other = cause_val) : \
    n_causes < 64 ? (n_causes = n_causes + 1, cause_name[n_causes] = cause_row, \
                     cause_rgb[n_causes] = cause_val) : 0, 0) nooutput
cause_index(c, i) = i > n_causes ? 0 : cause_name[i] eq c ? i : cause_index(c, i + 1)
cause_color(c) = cause_index(c, 1) ? cause_rgb[cause_index(c, 1)] : cause_other

# A run's line: its cause's colour, faded when the run only drew a warning.
FADE = 0x99000000
run_color(c, v) = cause_color(c) + (v eq 'warning' ? FADE : 0)

# Layers: an ordered scale from the input side (dark) to the output side (light).
set palette defined (0 '#0d0887', 0.35 '#7e03a8', 0.7 '#cc4778', 1 '#f0a030')
unset colorbox
layer_frac(k) = nl > 1 ? (k - 1.0) / (nl - 1) : 0
# Lines that coincide stay apart by their markers: every `mstep` epochs, layer k's marker
# sits `k` steps of the way along, so the markers of two layers never fall together.
mstep(x) = x >= 16 ? int(x / 8.0) : 1
moff(k, x, m) = m > 1 ? int((k - 1.0) * mstep(x) / m) % mstep(x) : 0
# Open markers, one shape per layer: square, circle, triangles, diamond, pentagon.
layer_pt(k) = 4 + 2 * ((k - 1) % 6)
