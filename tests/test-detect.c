/* test-detect.c — every in-tree detector on synthetic probe streams (probe-fixture.h),
 * by topic: tests/test-detect-{output,dynamics,units,data}.c. */
#include "detect-topics.h"

#include <glib.h>

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_detect_output_add();
    test_detect_dynamics_add();
    test_detect_units_add();
    test_detect_data_add();
    return g_test_run();
}
