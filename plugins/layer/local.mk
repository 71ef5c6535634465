# layer plugins: each its own module exporting only flatline_plugin.
plugin_LTLIBRARIES += plugins/layer/layer-dense.la
plugins_layer_layer_dense_la_SOURCES = plugins/layer/dense.c plugins/layer/layer-dnnl.h
plugins_layer_layer_dense_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_layer_layer_dense_la_LIBADD = $(DNNL_LIBS) $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/layer/layer-dropout.la
plugins_layer_layer_dropout_la_SOURCES = plugins/layer/dropout.c
plugins_layer_layer_dropout_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_layer_layer_dropout_la_LIBADD = $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/layer/layer-batchnorm.la
plugins_layer_layer_batchnorm_la_SOURCES = plugins/layer/batchnorm.c plugins/layer/layer-dnnl.h
plugins_layer_layer_batchnorm_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_layer_layer_batchnorm_la_LIBADD = $(DNNL_LIBS) $(GLIB_LIBS) -lm

# Convolutional layers (channels-last images); the window geometry and activation stages
# are headers each plugin compiles its own copy of.
fl_layer_cnn_inc = plugins/layer/layer-dnnl.h plugins/layer/layer-act.h plugins/layer/layer-window.h
plugin_LTLIBRARIES += plugins/layer/layer-conv2d.la
plugins_layer_layer_conv2d_la_SOURCES = plugins/layer/conv2d.c $(fl_layer_cnn_inc)
plugins_layer_layer_conv2d_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_layer_layer_conv2d_la_LIBADD = $(DNNL_LIBS) $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/layer/layer-max_pool2d.la
plugins_layer_layer_max_pool2d_la_SOURCES = plugins/layer/max_pool2d.c plugins/layer/pool2d.h $(fl_layer_cnn_inc)
plugins_layer_layer_max_pool2d_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_layer_layer_max_pool2d_la_LIBADD = $(DNNL_LIBS) $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/layer/layer-avg_pool2d.la
plugins_layer_layer_avg_pool2d_la_SOURCES = plugins/layer/avg_pool2d.c plugins/layer/pool2d.h $(fl_layer_cnn_inc)
plugins_layer_layer_avg_pool2d_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_layer_layer_avg_pool2d_la_LIBADD = $(DNNL_LIBS) $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/layer/layer-global_avg_pool2d.la
plugins_layer_layer_global_avg_pool2d_la_SOURCES = plugins/layer/global_avg_pool2d.c plugins/layer/pool2d.h $(fl_layer_cnn_inc)
plugins_layer_layer_global_avg_pool2d_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_layer_layer_global_avg_pool2d_la_LIBADD = $(DNNL_LIBS) $(GLIB_LIBS) -lm

plugin_LTLIBRARIES += plugins/layer/layer-flatten.la
plugins_layer_layer_flatten_la_SOURCES = plugins/layer/flatten.c
plugins_layer_layer_flatten_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_layer_layer_flatten_la_LIBADD = $(GLIB_LIBS)
