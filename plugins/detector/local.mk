# Detector plugins: one module per detector, each exporting only flatline_plugin.  They
# share the public detector toolkit of flatline/plugin.h, the in-tree helpers of
# evidence.h and the ranking of causes in priorities.h.
FL_DETECTOR_SHARED = plugins/detector/evidence.h plugins/detector/priorities.h

plugin_LTLIBRARIES += plugins/detector/detector-constant_output.la
plugins_detector_detector_constant_output_la_SOURCES = plugins/detector/constant_output.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_constant_output_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_constant_output_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-zero_output.la
plugins_detector_detector_zero_output_la_SOURCES = plugins/detector/zero_output.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_zero_output_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_zero_output_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-identical_heads.la
plugins_detector_detector_identical_heads_la_SOURCES = plugins/detector/identical_heads.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_identical_heads_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_identical_heads_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-single_class.la
plugins_detector_detector_single_class_la_SOURCES = plugins/detector/single_class.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_single_class_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_single_class_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-no_update.la
plugins_detector_detector_no_update_la_SOURCES = plugins/detector/no_update.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_no_update_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_no_update_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-divergence.la
plugins_detector_detector_divergence_la_SOURCES = plugins/detector/divergence.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_divergence_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_divergence_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-exploding_gradient.la
plugins_detector_detector_exploding_gradient_la_SOURCES = plugins/detector/exploding_gradient.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_exploding_gradient_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_exploding_gradient_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-vanishing_gradient.la
plugins_detector_detector_vanishing_gradient_la_SOURCES = plugins/detector/vanishing_gradient.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_vanishing_gradient_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_vanishing_gradient_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-oscillation.la
plugins_detector_detector_oscillation_la_SOURCES = plugins/detector/oscillation.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_oscillation_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_oscillation_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-dead_relu.la
plugins_detector_detector_dead_relu_la_SOURCES = plugins/detector/dead_relu.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_dead_relu_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_dead_relu_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-saturation.la
plugins_detector_detector_saturation_la_SOURCES = plugins/detector/saturation.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_saturation_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_saturation_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-unscaled_input.la
plugins_detector_detector_unscaled_input_la_SOURCES = plugins/detector/unscaled_input.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_unscaled_input_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_unscaled_input_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-constant_target.la
plugins_detector_detector_constant_target_la_SOURCES = plugins/detector/constant_target.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_constant_target_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_constant_target_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-underfit.la
plugins_detector_detector_underfit_la_SOURCES = plugins/detector/underfit.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_underfit_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_underfit_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-over_regularization.la
plugins_detector_detector_over_regularization_la_SOURCES = plugins/detector/over_regularization.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_over_regularization_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_over_regularization_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-output_activation.la
plugins_detector_detector_output_activation_la_SOURCES = plugins/detector/output_activation.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_output_activation_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_output_activation_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-bad_init.la
plugins_detector_detector_bad_init_la_SOURCES = plugins/detector/bad_init.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_bad_init_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_bad_init_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-class_imbalance.la
plugins_detector_detector_class_imbalance_la_SOURCES = plugins/detector/class_imbalance.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_class_imbalance_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_class_imbalance_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/detector/detector-batchnorm.la
plugins_detector_detector_batchnorm_la_SOURCES = plugins/detector/batchnorm.c $(FL_DETECTOR_SHARED)
plugins_detector_detector_batchnorm_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_detector_batchnorm_la_LIBADD = $(GLIB_LIBS) -lm
