# loss plugins: one module per loss, each exporting only flatline_plugin.
plugin_LTLIBRARIES += plugins/loss/loss-mse.la
plugins_loss_loss_mse_la_SOURCES = plugins/loss/mse.c
plugins_loss_loss_mse_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_loss_loss_mse_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/loss/loss-mae.la
plugins_loss_loss_mae_la_SOURCES = plugins/loss/mae.c
plugins_loss_loss_mae_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_loss_loss_mae_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/loss/loss-bce.la
plugins_loss_loss_bce_la_SOURCES = plugins/loss/bce.c plugins/loss/class-weight.h
plugins_loss_loss_bce_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_loss_loss_bce_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/loss/loss-cce.la
plugins_loss_loss_cce_la_SOURCES = plugins/loss/cce.c plugins/loss/class-weight.h
plugins_loss_loss_cce_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_loss_loss_cce_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/loss/loss-hinge.la
plugins_loss_loss_hinge_la_SOURCES = plugins/loss/hinge.c
plugins_loss_loss_hinge_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_loss_loss_hinge_la_LIBADD = -lm

plugin_LTLIBRARIES += plugins/loss/loss-step.la
plugins_loss_loss_step_la_SOURCES = plugins/loss/step.c
plugins_loss_loss_step_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_loss_loss_step_la_LIBADD = -lm
