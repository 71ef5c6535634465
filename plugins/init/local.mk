# initializer plugins: one module per initializer, each exporting only flatline_plugin;
# the random ones share the internal header draw.h.
plugin_LTLIBRARIES += plugins/init/initializer-zeros.la
plugins_init_initializer_zeros_la_SOURCES = plugins/init/zeros.c
plugins_init_initializer_zeros_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_zeros_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-ones.la
plugins_init_initializer_ones_la_SOURCES = plugins/init/ones.c
plugins_init_initializer_ones_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_ones_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-constant.la
plugins_init_initializer_constant_la_SOURCES = plugins/init/constant.c
plugins_init_initializer_constant_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_constant_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-normal.la
plugins_init_initializer_normal_la_SOURCES = plugins/init/normal.c plugins/init/draw.h
plugins_init_initializer_normal_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_normal_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-uniform.la
plugins_init_initializer_uniform_la_SOURCES = plugins/init/uniform.c plugins/init/draw.h
plugins_init_initializer_uniform_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_uniform_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-truncated_normal.la
plugins_init_initializer_truncated_normal_la_SOURCES = plugins/init/truncated_normal.c plugins/init/draw.h
plugins_init_initializer_truncated_normal_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_truncated_normal_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-glorot_uniform.la
plugins_init_initializer_glorot_uniform_la_SOURCES = plugins/init/glorot_uniform.c plugins/init/draw.h
plugins_init_initializer_glorot_uniform_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_glorot_uniform_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-glorot_normal.la
plugins_init_initializer_glorot_normal_la_SOURCES = plugins/init/glorot_normal.c plugins/init/draw.h
plugins_init_initializer_glorot_normal_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_glorot_normal_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-he_uniform.la
plugins_init_initializer_he_uniform_la_SOURCES = plugins/init/he_uniform.c plugins/init/draw.h
plugins_init_initializer_he_uniform_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_he_uniform_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-he_normal.la
plugins_init_initializer_he_normal_la_SOURCES = plugins/init/he_normal.c plugins/init/draw.h
plugins_init_initializer_he_normal_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_he_normal_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-lecun_uniform.la
plugins_init_initializer_lecun_uniform_la_SOURCES = plugins/init/lecun_uniform.c plugins/init/draw.h
plugins_init_initializer_lecun_uniform_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_lecun_uniform_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/init/initializer-lecun_normal.la
plugins_init_initializer_lecun_normal_la_SOURCES = plugins/init/lecun_normal.c plugins/init/draw.h
plugins_init_initializer_lecun_normal_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_init_initializer_lecun_normal_la_LIBADD = -lm
