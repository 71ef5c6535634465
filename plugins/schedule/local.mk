# schedule plugins: one module per learning-rate schedule, each exporting only flatline_plugin.
plugin_LTLIBRARIES += plugins/schedule/schedule-constant.la
plugins_schedule_schedule_constant_la_SOURCES = plugins/schedule/constant.c
plugins_schedule_schedule_constant_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_schedule_schedule_constant_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/schedule/schedule-exponential_decay.la
plugins_schedule_schedule_exponential_decay_la_SOURCES = plugins/schedule/exponential_decay.c
plugins_schedule_schedule_exponential_decay_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_schedule_schedule_exponential_decay_la_LIBADD = -lm
