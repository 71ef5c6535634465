# The chart scripts and the cause colours they share with the report: `flatline plot` runs
# them from the source tree when it is the build tree's binary, and from
# $(pkgdatadir)/plots once installed.
plotsdir = $(pkgdatadir)/plots
dist_plots_DATA = plots/style.gp plots/causes.tsv plots/loss.gp plots/heatmap.gp \
	plots/gradients.gp plots/spread.gp plots/units.gp plots/fixes.gp
