/* gradcheck.h — compares an analytic gradient with central differences.
 *
 * f() evaluates a scalar (in double) at the current contents of x; gradcheck perturbs x in
 * place, one element at a time (for small n) and along random unit directions, by +-eps,
 * and compares (f(x+eps d) - f(x-eps d)) / 2eps with <g, d>.  x is restored afterwards. */
#ifndef FL_GRADCHECK_H
#define FL_GRADCHECK_H

#include <glib.h>

typedef double (*gc_fn)(void *ctx);

typedef struct gc_result {
    double max_rel_err;  /* worst |num - ana| / max(|num|, |ana|, floor) */
    double max_abs_err;
    gsize n_checked;
    gsize n_nonzero;     /* checks where the numeric derivative was not ~0 */
    char *worst;         /* description of the worst check (caller frees) */
} gc_result;

/* n_dirs random directions (from seed); per element too when n <= per_elem_max.
 * floor: magnitude below which errors are taken as absolute. */
gc_result gradcheck(gc_fn f, void *ctx, float *x, const float *g, gsize n, double eps,
                    guint n_dirs, gsize per_elem_max, guint32 seed, double floor);
void gc_result_clear(gc_result *r);

#endif
