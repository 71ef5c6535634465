/* flatline/plugin.h — the whole interface between flatline and its plugins.
 *
 * A plugin is a shared object that exports exactly one symbol, `flatline_plugin`, a
 * `fl_plugin` descriptor declared with FL_PLUGIN_DEFINE().  The descriptor says what kind
 * of plugin it is, its name, a one-line summary, a declarative table of its parameters and
 * a table of operations for its kind.  Plugins never parse configuration: the core fills
 * the plugin's options struct from the experiment file, `--set` and the grid, using the
 * parameter table, and hands it to every operation as `const void *opts`.
 *
 * Plugins reach the core only through the `const fl_host *` handed to them (logging,
 * errors, random numbers, memory, the shared oneDNN engine), so a plugin has no undefined
 * symbols into the core and tests can pass a fake host.
 *
 * Conventions:
 *  - Tensors are row-major float arrays; shapes are written beside them, `(B, n)` is a
 *    batch of B rows of n values.
 *  - Operations return 0 on success or a negative value on failure, after explaining the
 *    failure once through host->error().
 *  - The ABI grows only by appending: abi_major/abi_minor never move in fl_plugin, new
 *    fields go at the end of structs, and a plugin built against an older minor still loads.
 */
#ifndef FLATLINE_PLUGIN_H
#define FLATLINE_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FL_ABI_MAJOR 1
#define FL_ABI_MINOR 0

#if defined(__GNUC__)
#define FL_EXPORT __attribute__((visibility("default")))
#define FL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FL_EXPORT
#define FL_PRINTF(f, a)
#endif

typedef enum fl_kind {
    FL_KIND_LAYER = 1,
    FL_KIND_LOSS,
    FL_KIND_OPTIMIZER,
    FL_KIND_SCHEDULE,
    FL_KIND_INITIALIZER,
    FL_KIND_DATASET,
    FL_KIND_DETECTOR,
} fl_kind;

/* ---------------------------------------------------------------- host services */

typedef struct fl_rng fl_rng; /* a seeded random stream owned by the core */

typedef enum fl_log_level { FL_LOG_DEBUG, FL_LOG_INFO, FL_LOG_WARNING } fl_log_level;

typedef struct fl_host {
    uint32_t abi_major, abi_minor; /* of the core, for plugins that care */
    void (*log)(const struct fl_host *host, fl_log_level level, const char *fmt, ...)
        FL_PRINTF(3, 4);
    /* Say why the current operation fails; the operation then returns a negative value.
     * Name the offending thing (file:row, key, value) and what to do about it. */
    void (*error)(const struct fl_host *host, const char *fmt, ...) FL_PRINTF(2, 3);
    double (*rng_uniform)(fl_rng *rng);          /* uniform in [0, 1) */
    double (*rng_normal)(fl_rng *rng);           /* standard normal */
    uint32_t (*rng_below)(fl_rng *rng, uint32_t n); /* uniform integer in [0, n), n > 0 */
    void *(*alloc)(size_t size);                 /* zeroed; never returns NULL */
    void (*free)(void *ptr);                     /* frees what alloc and strdup return */
    char *(*strdup)(const char *s);
    void *dnnl_engine; /* dnnl_engine_t: the CPU engine every layer of a run shares */
    void *dnnl_stream; /* dnnl_stream_t on that engine */
    void *priv;        /* the core's; plugins leave it alone */
} fl_host;

/* ---------------------------------------------------------------- parameters */

typedef enum fl_param_type {
    FL_PARAM_INT,        /* int */
    FL_PARAM_FLOAT,      /* double; an integer in the file (`lr = 1;`) is accepted */
    FL_PARAM_BOOL,       /* bool */
    FL_PARAM_STRING,     /* char *, owned by the core */
    FL_PARAM_CHOICE,     /* int: index of the value in `choices` ("none|standard|minmax") */
    FL_PARAM_STRINGS,    /* char **, NULL-terminated, owned by the core: one string, an
                            array or a list of strings in the file */
    FL_PARAM_ACTIVATION, /* fl_activation: a name, or a group { plugin = "leaky_relu"; alpha; } */
    FL_PARAM_PLUGIN,     /* fl_ref: a plugin of the kind named in `choices` ("initializer"),
                            by name or as a group with its own parameters */
} fl_param_type;

/* One row of a plugin's parameter table; the table ends with a row whose key is NULL.
 * Defaults are written as they would be in the experiment file. */
typedef struct fl_param {
    const char *key;
    fl_param_type type;
    const char *def;     /* default ("0.001", "true", "glorot_uniform"); NULL: required,
                            except FL_PARAM_STRINGS, which is then optional and left NULL */
    const char *range;   /* numbers only: "[0, 1)", "(0, inf)", "[1, 100000]"; NULL: any */
    const char *choices; /* CHOICE: "a|b|c"; PLUGIN: the kind's name; otherwise NULL */
    const char *help;    /* one line */
    size_t offset;       /* offsetof(options struct, field) */
} fl_param;

#define FL_PARAM_END { NULL, 0, NULL, NULL, NULL, NULL, 0 }

typedef enum fl_activation_kind {
    FL_ACT_LINEAR,
    FL_ACT_RELU,
    FL_ACT_LEAKY_RELU, /* alpha: slope below zero, default 0.3 (Keras LeakyReLU) */
    FL_ACT_ELU,        /* alpha: default 1.0 */
    FL_ACT_SELU,
    FL_ACT_SIGMOID,
    FL_ACT_TANH,
    FL_ACT_SOFTMAX, /* across the layer's units */
    FL_ACT_SOFTPLUS,
    FL_ACT_COUNT
} fl_activation_kind;

typedef struct fl_activation {
    fl_activation_kind kind;
    double alpha;
} fl_activation;

struct fl_plugin;

/* A plugin chosen in the configuration, with its filled options (owned by the core). */
typedef struct fl_ref {
    const struct fl_plugin *plugin;
    const void *opts;
} fl_ref;

/* ---------------------------------------------------------------- the descriptor */

typedef struct fl_plugin {
    uint32_t abi_major; /* FL_ABI_MAJOR the plugin was built with; never moves */
    uint32_t abi_minor; /* FL_ABI_MINOR the plugin was built with; never moves */
    fl_kind kind;
    const char *name;     /* as written in experiment files; matches the file name */
    const char *summary;  /* one line for `flatline plugins` */
    const fl_param *params; /* ends with FL_PARAM_END; may be NULL for none */
    size_t opts_size;     /* sizeof the options struct the params fill */
    const void *ops;      /* fl_layer_ops, fl_loss_ops, ... according to kind */
} fl_plugin;

/* For plugins without parameters. */
typedef struct fl_no_opts {
    char unused;
} fl_no_opts;

#define FL_PLUGIN_DEFINE(kind_, name_, summary_, params_, opts_type_, ops_)          \
    FL_EXPORT const fl_plugin flatline_plugin = {                                  \
        FL_ABI_MAJOR, FL_ABI_MINOR, (kind_), (name_), (summary_), (params_),       \
        sizeof(opts_type_), &(ops_)}

/* ---------------------------------------------------------------- layers */

#define FL_MAX_TENSORS 4

/* A parameter tensor a layer asks the core for.  The core owns every tensor and its
 * gradient as flat float arrays, initializes them, applies L1/L2 and runs the optimizer. */
typedef struct fl_tensor_spec {
    const char *name;         /* "kernel", "bias", "gamma", "moving_mean" (borrowed) */
    size_t n;                 /* number of floats */
    size_t fan_in, fan_out;   /* for variance-scaling initializers */
    fl_ref init;              /* initializer; .plugin NULL: the core fills `fill_value` */
    double fill_value;
    double l1, l2;            /* penalty l1*sum|w| + l2*sum w^2 added to the loss (Keras) */
    bool trainable;           /* false: state the layer updates itself; no gradient, no step */
} fl_tensor_spec;

/* What create() tells the core about the layer. */
typedef struct fl_layer_info {
    size_t n_out;                 /* width of the output */
    fl_activation activation;     /* what the output went through (probes: dead/saturated) */
    size_t n_tensors;
    fl_tensor_spec tensors[FL_MAX_TENSORS];
} fl_layer_info;

typedef struct fl_layer_ops {
    /* Validate opts against the input width n_in and describe the layer.  *state is the
     * layer's own and is handed back to every other operation. */
    int (*create)(const fl_host *host, const void *opts, size_t n_in, fl_layer_info *info,
                  void **state);
    /* Hand the layer its tensors and their gradients (same order as info->tensors; the
     * gradient of a non-trainable tensor is NULL).  Called once, after initialization. */
    int (*bind)(void *state, float *const *tensors, float *const *grads);
    /* y (B, n_out) from x (B, n_in).  training: dropout active, batch statistics used and
     * moving statistics updated.  rng: for dropout masks.  Buffers may differ between calls
     * and batch sizes vary (last batch, probe batch); keep per-size work cached. */
    int (*forward)(void *state, float *y, const float *x, size_t batch, bool training,
                   fl_rng *rng);
    /* From dy (B, n_out): write the gradients of the trainable tensors (overwrite, means
     * over the batch are already in dy) and dx (B, n_in) unless dx is NULL.  x and y are
     * the buffers of the preceding forward(training = true) with the same batch. */
    int (*backward)(void *state, float *dx, const float *dy, const float *y, const float *x,
                    size_t batch);
    void (*destroy)(void *state);
} fl_layer_ops;

/* ---------------------------------------------------------------- losses */

enum {
    FL_LOSS_CLASSIFICATION = 1u << 0,     /* targets are classes (0/1 or one-hot) */
    FL_LOSS_NOT_DIFFERENTIABLE = 1u << 1, /* gradient is zero almost everywhere */
};

typedef struct fl_loss_ops {
    /* *loss = mean over the batch of the per-sample loss (Keras reduction), in double.
     * dpred (B, n), unless NULL, receives d(*loss)/d(pred).  pred, target: (B, n). */
    int (*compute)(const void *opts, double *loss, float *dpred, const float *pred,
                   const float *target, size_t batch, size_t n);
    unsigned flags;
} fl_loss_ops;

/* ---------------------------------------------------------------- optimizers */

typedef struct fl_optimizer_ops {
    /* Floats of state per parameter (Adam: 2, SGD with momentum: 1, none: 0). */
    size_t (*n_slots)(const void *opts);
    /* Initial state, n_slots(opts) arrays of n floats one after another (may be NULL:
     * zeros). */
    void (*init_state)(const void *opts, float *state, size_t n);
    /* One update of w (n) from dw (n).  lr: the rate for this step (the optimizer's `lr`
     * parameter after the schedule); t: this step's number, counting from 1. */
    int (*step)(const void *opts, float *w, const float *dw, float *state, size_t n, double lr,
                int64_t t);
} fl_optimizer_ops;

/* The core reads an optimizer's base rate from its parameter named "lr" (FL_PARAM_FLOAT);
 * an optimizer without one is not scheduled. */

/* ---------------------------------------------------------------- schedules */

typedef struct fl_schedule_ops {
    /* The rate for the step after `steps` completed steps (Keras: iterations). */
    double (*lr)(const void *opts, double base_lr, int64_t steps);
} fl_schedule_ops;

/* ---------------------------------------------------------------- initializers */

typedef struct fl_init_ops {
    /* Fill w (n) for a tensor with the given fans (Keras: a dense kernel has fan_in = inputs,
     * fan_out = units). */
    int (*fill)(const fl_host *host, const void *opts, float *w, size_t n, size_t fan_in,
                size_t fan_out, fl_rng *rng);
} fl_init_ops;

/* ---------------------------------------------------------------- datasets */

/* Filled by load(): arrays from host->alloc (the core frees them with host->free). */
typedef struct fl_dataset {
    size_t n_samples, n_in, n_out;
    float *x;         /* (n_samples, n_in) */
    float *y;         /* (n_samples, n_out) */
    char **in_names;  /* n_in names from host->strdup in a host->alloc array, or NULL */
    char **out_names; /* n_out names, likewise, or NULL */
} fl_dataset;

typedef struct fl_dataset_ops {
    /* base_dir: directory of the experiment file, for relative paths.  seed: the data seed
     * (the same for every run of an experiment unless the file says otherwise). */
    int (*load)(const fl_host *host, const void *opts, const char *base_dir, uint64_t seed,
                fl_dataset *out);
} fl_dataset_ops;

/* ---------------------------------------------------------------- probes and detectors */

/* Per layer, one epoch.  Norms are L2 over the layer's trainable tensors; NaN for a layer
 * without weights (and grad_norm at epoch 0). */
typedef struct fl_layer_probe {
    double grad_norm;    /* mean over the epoch's steps of the gradient norm */
    double weight_norm;  /* at the end of the epoch */
    double update_ratio; /* |W_end - W_start| / |W_start| over the epoch (0 if unmoved) */
    double dead;         /* fraction of units whose output is the same for every probe input */
    double saturated;    /* sigmoid/tanh: fraction of probe pre-activations beyond +-5 */
} fl_layer_probe;

/* One epoch of probes; arrays are indexed by output (n_outputs) or layer (n_layers).
 * Epoch 0 is the state before training: its loss is measured on the training rows in
 * inference mode, its gradient norms are NaN. */
typedef struct fl_epoch_probe {
    int epoch;
    double loss;             /* training loss: mean of the batch losses, penalty included */
    double val_loss;         /* NaN without a validation split */
    double penalty;          /* the L1/L2 part of loss (at the epoch's end) */
    double lr;               /* rate of the epoch's last step (NaN: optimizer without one) */
    const double *out_std;   /* spread of each output across the probe inputs */
    const double *out_min, *out_max, *out_mean;
    const fl_layer_probe *layers;
} fl_epoch_probe;

/* A layer as detectors see it. */
typedef struct fl_layer_desc {
    const char *name;
    const char *plugin;       /* "dense", "dropout", ... */
    size_t n_in, n_out;
    fl_activation activation;
    bool is_output;           /* one of the model's heads */
    size_t out_offset;        /* its first column in the model output, if is_output */
    const char *input;        /* name of the layer it reads, NULL for the data */
    bool has_weights;
    const char *init;         /* initializer of its first trainable tensor, or NULL */
    double init_min, init_max, init_std; /* that tensor's values before training */
    double l1, l2;            /* largest penalty on its tensors */
} fl_layer_desc;

/* Everything a detector may read, updated by the core every epoch: nothing to recompute. */
typedef struct fl_probes {
    size_t n_outputs, n_layers, n_in;
    const fl_layer_desc *layers;   /* in the order data flows (topological) */
    const char *const *out_names;  /* target column names */
    const char *const *in_names;   /* input column names */
    const char *loss;              /* loss plugin name */
    unsigned loss_flags;           /* FL_LOSS_* */
    const char *optimizer;         /* optimizer plugin name */
    const char *schedule;          /* schedule plugin name */
    double base_lr;                /* the optimizer's lr, NaN without one */
    double final_lr;               /* the schedule's rate at the last planned step */
    const char *normalize;         /* "none", "standard" or "minmax" */
    size_t n_train, n_val, batch, steps_per_epoch;
    int max_epochs;
    /* The data: statistics of the training rows (inputs before normalization). */
    const double *input_mean, *input_std, *input_absmax; /* (n_in) */
    const double *target_mean, *target_std;              /* (n_outputs) */
    const double *target_min, *target_max;               /* (n_outputs) */
    size_t n_classes;              /* classification losses: 2 for one 0/1 column, else
                                      n_outputs; 0 for regression */
    const double *class_fraction;  /* (n_classes): share of training rows per class */
    double baseline_loss;          /* loss of predicting the training mean for every row */
    /* The fixed probe batch and this epoch's predictions for it. */
    size_t n_probe;
    const float *probe_x;          /* (n_probe, n_in), as the network sees them */
    const float *probe_y;          /* (n_probe, n_outputs) */
    const float *probe_pred;       /* (n_probe, n_outputs) */
    /* history[0] is epoch 0 (before training), history[n_epochs] the epoch just run. */
    const fl_epoch_probe *history;
    size_t n_epochs;
} fl_probes;

typedef enum fl_level { FL_LEVEL_WARNING = 1, FL_LEVEL_COLLAPSED = 2 } fl_level;

/* A detector's finding; the core copies the strings.  A warning holds for the epoch it is
 * reported in (report it again while it still holds); a collapsed finding is final. */
typedef struct fl_finding {
    fl_level level;
    int epoch;            /* since when it holds; 0: before training (pre-flight) */
    const char *evidence; /* numbers a reviewer can check */
    const char *cause;    /* what is wrong, in one sentence */
    const char *advice;   /* the concrete change to make */
} fl_finding;

typedef void (*fl_report_fn)(void *ctx, const fl_finding *finding);

typedef struct fl_detector_ops {
    /* Allocate per-run state (may be NULL: the detector keeps none). */
    int (*create)(const fl_host *host, const void *opts, void **state);
    /* Before training, from the configuration and the data (n_epochs = 0, history[0] is
     * the untrained network).  May be NULL. */
    int (*preflight)(void *state, const void *opts, const fl_probes *p, fl_report_fn report,
                     void *ctx);
    /* After every epoch.  May be NULL. */
    int (*observe)(void *state, const void *opts, const fl_probes *p, fl_report_fn report,
                   void *ctx);
    void (*destroy)(void *state); /* may be NULL */
    /* What the detector names: FL_DETECTS_SYMPTOM (what the user sees, such as a constant
     * output) or FL_DETECTS_CAUSE (why).  The diagnosis puts causes before symptoms. */
    unsigned flags;
    /* Rank among causes when several fire, lower first (the diagnosis orders by it);
     * 0: default (100). */
    int priority;
} fl_detector_ops;

enum { FL_DETECTS_SYMPTOM = 1u << 0, FL_DETECTS_CAUSE = 1u << 1 };

#ifdef __cplusplus
}
#endif

#endif /* FLATLINE_PLUGIN_H */
