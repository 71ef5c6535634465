/* gradcheck.c — central differences against an analytic gradient (see gradcheck.h).
 * Differences are taken in double from a function evaluated in float, so the step must
 * be large enough for float rounding (~1e-7 relative) to stay below the tolerance. */
#include "gradcheck.h"

#include <math.h>
#include <string.h>

static void consider(gc_result *r, double num, double ana, double floor, const char *what)
{
    double abs_err = fabs(num - ana);
    double scale = MAX(MAX(fabs(num), fabs(ana)), floor);
    double rel = abs_err / scale;
    r->n_checked++;
    if (fabs(num) > floor)
        r->n_nonzero++;
    r->max_abs_err = MAX(r->max_abs_err, abs_err);
    if (rel > r->max_rel_err || !r->worst) {
        r->max_rel_err = MAX(rel, r->max_rel_err);
        g_free(r->worst);
        r->worst = g_strdup_printf("%s: numeric %.8g analytic %.8g (rel err %.3g)", what, num,
                                   ana, rel);
    }
}

gc_result gradcheck(gc_fn f, void *ctx, float *x, const float *g, gsize n, double eps,
                    guint n_dirs, gsize per_elem_max, guint32 seed, double floor)
{
    gc_result r = {0};
    g_autofree float *saved = g_memdup2(x, n * sizeof(float));
    if (n <= per_elem_max) {
        for (gsize i = 0; i < n; i++) {
            x[i] = (float)(saved[i] + eps);
            double hi = f(ctx);
            x[i] = (float)(saved[i] - eps);
            double lo = f(ctx);
            x[i] = saved[i];
            /* Divide by the step actually taken in float, not the one asked for. */
            double step = (double)(float)(saved[i] + eps) - (double)(float)(saved[i] - eps);
            g_autofree char *what = g_strdup_printf("element %zu", i);
            consider(&r, (hi - lo) / step, g[i], floor, what);
        }
    }
    GRand *rand = g_rand_new_with_seed(seed);
    g_autofree double *dir = g_new(double, n);
    for (guint d = 0; d < n_dirs; d++) {
        double norm = 0;
        for (gsize i = 0; i < n; i++) {
            dir[i] = g_rand_double_range(rand, -1, 1);
            norm += dir[i] * dir[i];
        }
        norm = sqrt(norm);
        double ana = 0;
        for (gsize i = 0; i < n; i++) {
            dir[i] /= norm;
            ana += dir[i] * g[i];
        }
        for (gsize i = 0; i < n; i++)
            x[i] = (float)(saved[i] + eps * dir[i]);
        double hi = f(ctx);
        for (gsize i = 0; i < n; i++)
            x[i] = (float)(saved[i] - eps * dir[i]);
        double lo = f(ctx);
        memcpy(x, saved, n * sizeof(float));
        g_autofree char *what = g_strdup_printf("direction %u", d);
        consider(&r, (hi - lo) / (2 * eps), ana, floor, what);
    }
    g_rand_free(rand);
    return r;
}

void gc_result_clear(gc_result *r)
{
    g_clear_pointer(&r->worst, g_free);
}
