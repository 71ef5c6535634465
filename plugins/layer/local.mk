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
