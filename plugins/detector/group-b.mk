# detectors, group B: units, data and configuration (causes).  They share the
# internal header group-b-util.h; each builds to its own detector-<name>.so.
plugin_LTLIBRARIES += plugins/detector/detector-dead_relu.la
plugins_detector_detector_dead_relu_la_SOURCES = plugins/detector/dead_relu.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_dead_relu_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_dead_relu_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-saturation.la
plugins_detector_detector_saturation_la_SOURCES = plugins/detector/saturation.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_saturation_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_saturation_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-unscaled_input.la
plugins_detector_detector_unscaled_input_la_SOURCES = plugins/detector/unscaled_input.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_unscaled_input_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_unscaled_input_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-constant_target.la
plugins_detector_detector_constant_target_la_SOURCES = plugins/detector/constant_target.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_constant_target_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_constant_target_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-underfit.la
plugins_detector_detector_underfit_la_SOURCES = plugins/detector/underfit.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_underfit_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_underfit_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-over_regularization.la
plugins_detector_detector_over_regularization_la_SOURCES = plugins/detector/over_regularization.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_over_regularization_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_over_regularization_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-output_activation.la
plugins_detector_detector_output_activation_la_SOURCES = plugins/detector/output_activation.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_output_activation_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_output_activation_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-bad_init.la
plugins_detector_detector_bad_init_la_SOURCES = plugins/detector/bad_init.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_bad_init_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_bad_init_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-class_imbalance.la
plugins_detector_detector_class_imbalance_la_SOURCES = plugins/detector/class_imbalance.c plugins/detector/group-b-util.h \
	plugins/detector/priorities.h
plugins_detector_detector_class_imbalance_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_class_imbalance_la_LIBADD = $(GLIB_LIBS) -lm

