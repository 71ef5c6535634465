# dataset plugins: one module per dataset, each exporting only flatline_plugin; the
# synthetic generators share the internal header synth.h (seeded random stream).
plugin_LTLIBRARIES += plugins/dataset/dataset-csv.la
plugins_dataset_dataset_csv_la_SOURCES = plugins/dataset/csv.c
plugins_dataset_dataset_csv_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_csv_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-sine2d.la
plugins_dataset_dataset_sine2d_la_SOURCES = plugins/dataset/sine2d.c plugins/dataset/synth.h
plugins_dataset_dataset_sine2d_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_sine2d_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-polynomial.la
plugins_dataset_dataset_polynomial_la_SOURCES = plugins/dataset/polynomial.c plugins/dataset/synth.h
plugins_dataset_dataset_polynomial_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_polynomial_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-linear.la
plugins_dataset_dataset_linear_la_SOURCES = plugins/dataset/linear.c plugins/dataset/synth.h
plugins_dataset_dataset_linear_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_linear_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-xor.la
plugins_dataset_dataset_xor_la_SOURCES = plugins/dataset/xor.c plugins/dataset/synth.h
plugins_dataset_dataset_xor_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_xor_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-circles.la
plugins_dataset_dataset_circles_la_SOURCES = plugins/dataset/circles.c plugins/dataset/synth.h
plugins_dataset_dataset_circles_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_circles_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-blobs.la
plugins_dataset_dataset_blobs_la_SOURCES = plugins/dataset/blobs.c plugins/dataset/synth.h
plugins_dataset_dataset_blobs_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_blobs_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-mixed_scales.la
plugins_dataset_dataset_mixed_scales_la_SOURCES = plugins/dataset/mixed_scales.c plugins/dataset/synth.h
plugins_dataset_dataset_mixed_scales_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_mixed_scales_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-constant.la
plugins_dataset_dataset_constant_la_SOURCES = plugins/dataset/constant.c plugins/dataset/synth.h
plugins_dataset_dataset_constant_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_constant_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-multi_output.la
plugins_dataset_dataset_multi_output_la_SOURCES = plugins/dataset/multi_output.c plugins/dataset/synth.h
plugins_dataset_dataset_multi_output_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_multi_output_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-teacher.la
plugins_dataset_dataset_teacher_la_SOURCES = plugins/dataset/teacher.c plugins/dataset/synth.h
plugins_dataset_dataset_teacher_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_teacher_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-images.la
plugins_dataset_dataset_images_la_SOURCES = plugins/dataset/images.c plugins/dataset/synth.h
plugins_dataset_dataset_images_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_images_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/dataset/dataset-npy.la
plugins_dataset_dataset_npy_la_SOURCES = plugins/dataset/npy.c plugins/dataset/synth.h
plugins_dataset_dataset_npy_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dataset_dataset_npy_la_LIBADD = $(GLIB_LIBS) -lm
