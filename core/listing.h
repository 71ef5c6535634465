/* listing.h — what `flatline plugins` prints: one entry per plugin with its parameters,
 * wrapped to the terminal's width, and one plugin's page with everything about each
 * parameter. */
#ifndef FL_LISTING_H
#define FL_LISTING_H

#include <glib.h>
#include <flatline/plugin.h>

/* Columns to wrap to: COLUMNS, else the terminal's width when stdout is one, else 80. */
int listing_width(void);

/* The listing's entry of a plugin: kind, name, [cause]/[symptom], summary, then one line
 * per parameter. */
void listing_plugin(GString *out, const fl_plugin *p, int width);
/* An activation's entry: name and a one-line summary (and its alpha when it has one). */
void listing_activation(GString *out, fl_activation_kind k, int width);

/* One plugin's page: its description, the file it came from, and each parameter with
 * its type, default, range or choices and help. */
void listing_plugin_page(GString *out, const fl_plugin *p, const char *path, int width);
void listing_activation_page(GString *out, fl_activation_kind k, int width);

#endif
