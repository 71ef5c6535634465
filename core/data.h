/* data.h — a run's data: loaded by the dataset plugin, shuffled once, split into training
 * and validation rows, and normalized with statistics of the training rows only. */
#ifndef FL_DATA_H
#define FL_DATA_H

#include <glib.h>
#include <flatline/plugin.h>
#include "config.h"

typedef struct data_split {
    size_t n_in, n_out;
    fl_shape in_shape; /* one input sample as the dataset shapes it; rank 0: (n_in), flat */
    size_t n_train, n_val;
    float *x_train; /* (n_train, n_in), normalized */
    float *y_train; /* (n_train, n_out) */
    float *x_val;   /* (n_val, n_in) */
    float *y_val;   /* (n_val, n_out) */
    /* The probe batch (probes.c): n_probe training rows, x_train's and y_train's first
     * rows, or copies of rows spread over them (probe_own set) when the rows were not
     * shuffled before the split. */
    size_t n_probe;
    float *x_probe, *y_probe;
    gboolean probe_own;
    char **in_names, **out_names; /* NULL-terminated */
    /* Statistics of the training rows, before normalization (inputs) and of targets. */
    double *input_std, *input_absmax, *input_mean;
    double *target_std, *target_mean;
} data_split;

/* Load and prepare the data of a resolved experiment. */
data_split *data_load(const experiment *e, fl_host *host, GError **error);
void data_free(data_split *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(data_split, data_free)

#endif
