/* no_symbol.c — a shared object named like a plugin that exports no flatline_plugin, only
 * an unrelated symbol, as a library dropped into the plugin directory by mistake would. */
#include <flatline/plugin.h>

FL_EXPORT int no_symbol_answer(void);

FL_EXPORT int no_symbol_answer(void)
{
    return 42;
}
