/* cli.h — the command line (doc/flatline.1 documents it).  Exit status: 0 every run finished,
 * 1 some run crashed or timed out, 2 usage or configuration error (nothing run). */
#ifndef FL_CLI_H
#define FL_CLI_H

int cli_main(int argc, char **argv);

#endif
