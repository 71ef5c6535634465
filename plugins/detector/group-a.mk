# detectors, group A: symptoms (constant_output, zero_output, identical_heads, single_class)
# and training dynamics (no_update, divergence, exploding_gradient, vanishing_gradient,
# oscillation).  They share the internal header group-a-util.h; each builds to its own
# detector-<name>.so.

plugin_LTLIBRARIES += plugins/detector/detector-constant_output.la
plugins_detector_detector_constant_output_la_SOURCES = plugins/detector/constant_output.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_constant_output_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_constant_output_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-zero_output.la
plugins_detector_detector_zero_output_la_SOURCES = plugins/detector/zero_output.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_zero_output_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_zero_output_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-identical_heads.la
plugins_detector_detector_identical_heads_la_SOURCES = plugins/detector/identical_heads.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_identical_heads_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_identical_heads_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-single_class.la
plugins_detector_detector_single_class_la_SOURCES = plugins/detector/single_class.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_single_class_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_single_class_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-no_update.la
plugins_detector_detector_no_update_la_SOURCES = plugins/detector/no_update.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_no_update_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_no_update_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-divergence.la
plugins_detector_detector_divergence_la_SOURCES = plugins/detector/divergence.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_divergence_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_divergence_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-exploding_gradient.la
plugins_detector_detector_exploding_gradient_la_SOURCES = plugins/detector/exploding_gradient.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_exploding_gradient_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_exploding_gradient_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-vanishing_gradient.la
plugins_detector_detector_vanishing_gradient_la_SOURCES = plugins/detector/vanishing_gradient.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_vanishing_gradient_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_vanishing_gradient_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-oscillation.la
plugins_detector_detector_oscillation_la_SOURCES = plugins/detector/oscillation.c plugins/detector/group-a-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_oscillation_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_oscillation_la_LIBADD = $(GLIB_LIBS) -lm
