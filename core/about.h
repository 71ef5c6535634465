/* about.h — the comment header of experiment files, resolved and not.
 *
 * The comment block that opens an experiment file says what the experiment is for.  The
 * resolved experiment.cfg carries it forward (as "#|" lines in its own header, which the
 * run fingerprint skips), so a report drawn from the results directory alone can show it. */
#ifndef FLATLINE_ABOUT_H
#define FLATLINE_ABOUT_H

#include <glib.h>

/* The first line of every file flatline resolves (config.c, experiment_to_text). */
#define RESOLVED_HEADER "# Resolved by flatline "

/* The header comment of an experiment file's text, comment markers removed, lines joined
 * with '\n'; NULL when the file opens with no comment.  A file flatline resolved gives back
 * the comment it carries, not its own "Resolved by" lines. */
char *about_from_text(const char *text);

/* Append ABOUT to a resolved file's header, as comment lines ("#| ..."). */
void about_write(GString *out, const char *about);

#endif
