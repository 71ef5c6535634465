/* main.c — placeholder while the command line is written. */
#include <glib.h>
int main(void) { return 0; }
