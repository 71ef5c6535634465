# optimizer plugins: one module per optimizer, each exporting only flatline_plugin.
plugin_LTLIBRARIES += plugins/optimizer/optimizer-none.la
plugins_optimizer_optimizer_none_la_SOURCES = plugins/optimizer/none.c
plugins_optimizer_optimizer_none_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_optimizer_optimizer_none_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/optimizer/optimizer-sgd.la
plugins_optimizer_optimizer_sgd_la_SOURCES = plugins/optimizer/sgd.c
plugins_optimizer_optimizer_sgd_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_optimizer_optimizer_sgd_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/optimizer/optimizer-adam.la
plugins_optimizer_optimizer_adam_la_SOURCES = plugins/optimizer/adam.c
plugins_optimizer_optimizer_adam_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_optimizer_optimizer_adam_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/optimizer/optimizer-rmsprop.la
plugins_optimizer_optimizer_rmsprop_la_SOURCES = plugins/optimizer/rmsprop.c
plugins_optimizer_optimizer_rmsprop_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_optimizer_optimizer_rmsprop_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/optimizer/optimizer-adagrad.la
plugins_optimizer_optimizer_adagrad_la_SOURCES = plugins/optimizer/adagrad.c
plugins_optimizer_optimizer_adagrad_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_optimizer_optimizer_adagrad_la_LIBADD = -lm
