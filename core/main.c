/* main.c — the flatline program: everything is in cli.c, so tests can drive it too. */
#include "cli.h"

#include <locale.h>

int main(int argc, char **argv)
{
    /* Characters only: numbers are always written and read with a '.' decimal point. */
    setlocale(LC_CTYPE, "");
    return cli_main(argc, argv);
}
