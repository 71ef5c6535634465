/* main.c — the flatline program: everything is in cli.c, so tests can drive it too. */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
