/* flatline/plugin.h — the whole interface between flatline and its plugins.
 *
 * A plugin is a shared object that exports exactly one symbol, `flatline_plugin`, a
 * descriptor declared with one of the per-kind macros below (FL_LAYER_PLUGIN,
 * FL_LOSS_PLUGIN, ...).  The descriptor says what kind of plugin it is, its name, a
 * one-line summary, a declarative table of its parameters and the operations of its kind.
 * Plugins never parse configuration: the core fills the plugin's options struct from the
 * experiment file, `--set` and the grid, using the parameter table, and hands it to every
 * operation as `const void *opts`.
 *
 * Plugins reach the core only through the `const fl_host *` handed to them (logging,
 * errors, random numbers, memory, the shared oneDNN engine), so a plugin has no undefined
 * symbols into the core and tests can pass a fake host.
 *
 * Conventions:
 *  - Tensors are row-major float arrays; shapes are written beside them, `(B, n)` is a
 *    batch of B rows of n values.  Images are channels last: a sample of shape (H, W, C)
 *    is H*W*C floats, C varying fastest (Keras' default).
 *  - Operations return 0 on success or a negative value on failure, after explaining the
 *    failure once through host->error(): name the offending thing (file:row, key, value)
 *    and what to do about it.
 *
 * ---------------------------------------------------------------- how the ABI grows
 * A plugin built against an older flatline/plugin.h keeps loading and working in a newer
 * flatline of the same major version, and a plugin built against a newer minor is
 * refused by an older flatline (it may rely on what that flatline lacks).  The rules that
 * make this true:
 *  1. abi_major and abi_minor open the descriptor and never move.  A change that is not an
 *     append (a field removed, reordered or retyped, an operation's signature changed)
 *     raises FL_ABI_MAJOR; an append raises FL_ABI_MINOR.
 *  2. Every struct that crosses the boundary starts with `uint32_t size`: the sizeof of the
 *     struct as its writer was built.  Fields are only ever appended.  A reader reads a
 *     field only when the writer's size covers it: FL_HAS(type, ptr, field).  The macros
 *     and the core set `size` for you; a struct the core hands a plugin to fill (an info,
 *     a dataset) comes zeroed with the core's size, so a field the plugin does not know
 *     keeps its zero default, and a newer plugin writes a field only when FL_HAS says the
 *     core has it.
 *  3. Arrays of structs travel with their element stride (`*_stride`, the element's sizeof
 *     as the array's writer knows it).  Never index them with [] across the boundary: use
 *     the accessors (fl_probes_layer(), fl_probes_epoch(), fl_epoch_layer(), ...), which
 *     step by the stride.
 *  4. Structs embedded by value in other structs or in a plugin's options (fl_shape,
 *     fl_activation, fl_ref) are frozen: they never change in a major version.
 *  5. Operations tables (fl_layer_ops, ...) belong to the plugin, which declares them
 *     through the per-kind macro; the core calls an operation appended after the plugin's
 *     minor only when the table's size covers it, and otherwise falls back to the older
 *     behaviour that the operation's comment names.
 */
#ifndef FLATLINE_PLUGIN_H
#define FLATLINE_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FL_ABI_MAJOR 2
#define FL_ABI_MINOR 6

#if defined(__GNUC__)
#define FL_EXPORT __attribute__((visibility("default")))
#define FL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FL_EXPORT
#define FL_PRINTF(f, a)
#endif

/* Does the struct at ptr (of type `type`, as its writer sized it) hold `field`? */
#define FL_HAS(type, ptr, field) \
    ((ptr)->size >= offsetof(type, field) + sizeof(((const type *)0)->field))

/* Element i of an array of structs whose elements are `stride` bytes apart. */
#define FL_AT(type, base, stride, i) \
    ((type *)(void *)((char *)(base) + (size_t)(i) * (size_t)(stride)))
#define FL_AT_CONST(type, base, stride, i) \
    ((const type *)(const void *)((const char *)(base) + (size_t)(i) * (size_t)(stride)))

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
    uint32_t size;
    uint32_t abi_major, abi_minor; /* of the core */
    void (*log)(const struct fl_host *host, fl_log_level level, const char *fmt, ...)
        FL_PRINTF(3, 4);
    /* Say why the current operation fails; the operation then returns a negative value.
     * Name the offending thing (file:row, key, value) and what to do about it. */
    void (*error)(const struct fl_host *host, const char *fmt, ...) FL_PRINTF(2, 3);
    double (*rng_uniform)(fl_rng *rng);             /* uniform in [0, 1) */
    double (*rng_normal)(fl_rng *rng);              /* standard normal */
    uint32_t (*rng_below)(fl_rng *rng, uint32_t n); /* uniform integer in [0, n), n > 0 */
    /* Zeroed memory; NULL when it cannot be had (say so through error() and fail). */
    void *(*alloc)(size_t size);
    void (*free)(void *ptr); /* frees what alloc and strdup return */
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
    FL_PARAM_INTS,       /* fl_ints: one int or an array [a, b, ...] of up to FL_MAX_INTS */
} fl_param_type;

/* One row of a plugin's parameter table; the table ends with a row whose key is NULL.
 * Defaults are written as they would be in the experiment file.  The rows are read with
 * the descriptor's param_size as their stride. */
typedef struct fl_param {
    const char *key;
    fl_param_type type;
    const char *def;     /* default ("0.001", "true", "glorot_uniform", "[3, 3]"); NULL:
                            required, except FL_PARAM_STRINGS, which is then optional and
                            left NULL */
    const char *range;   /* numbers only (each element of INTS): "[0, 1)", "(0, inf)" */
    const char *choices; /* CHOICE: "a|b|c"; PLUGIN: the kind's name; otherwise NULL */
    const char *help;    /* one line */
    size_t offset;       /* offsetof(options struct, field) */
} fl_param;

#define FL_PARAM_END { NULL, 0, NULL, NULL, NULL, NULL, 0 }

/* Frozen (rule 4). */
#define FL_MAX_INTS 4
typedef struct fl_ints {
    int n;              /* how many were given (1 for a single int) */
    int v[FL_MAX_INTS];
} fl_ints;

typedef enum fl_activation_kind {
    FL_ACT_LINEAR,
    FL_ACT_RELU,
    FL_ACT_LEAKY_RELU, /* alpha: slope below zero, default 0.3 (Keras LeakyReLU) */
    FL_ACT_ELU,        /* alpha: default 1.0 */
    FL_ACT_SELU,
    FL_ACT_SIGMOID,
    FL_ACT_TANH,
    FL_ACT_SOFTMAX, /* across the layer's units (the last axis) */
    FL_ACT_SOFTPLUS,
    FL_ACT_COUNT
} fl_activation_kind;

/* The one table of plugin kind names, as written in file names (layer-dense.so), parameter
 * tables (FL_PARAM_PLUGIN's `choices`) and messages; "unknown" outside the enum. */
static inline const char *fl_kind_name(fl_kind kind)
{
    static const char *const names[] = {"layer", "loss", "optimizer", "schedule",
                                        "initializer", "dataset", "detector"};
    return kind >= FL_KIND_LAYER && kind <= FL_KIND_DETECTOR ? names[kind - FL_KIND_LAYER]
                                                             : "unknown";
}

/* The kind named `name`; false for an unknown (or NULL) name. */
static inline bool fl_kind_from_name(const char *name, fl_kind *kind)
{
    for (int k = FL_KIND_LAYER; k <= FL_KIND_DETECTOR; k++)
        if (name && strcmp(name, fl_kind_name((fl_kind)k)) == 0) {
            *kind = (fl_kind)k;
            return true;
        }
    return false;
}

static inline char fl_ascii_lower_(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* How many typos apart two names are, for "did you mean" hints (the core's, and a plugin's
 * own, such as a dataset's column names): insertions, deletions, substitutions and swaps
 * of neighbours ("trian" is one from "train") each count one; ASCII case is ignored.
 * SIZE_MAX if memory runs out (nothing is close then). */
static inline size_t fl_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), w = lb + 1;
    /* Three rows: the one before the previous serves the swaps. */
    size_t *rows = (size_t *)malloc(3 * w * sizeof *rows);
    if (!rows)
        return SIZE_MAX;
    size_t *before = rows, *prev = rows + w, *cur = rows + 2 * w;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char ai = fl_ascii_lower_(a[i - 1]), bj = fl_ascii_lower_(b[j - 1]);
            size_t v = prev[j - 1] + (ai != bj);
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ai == fl_ascii_lower_(b[j - 2]) &&
                fl_ascii_lower_(a[i - 2]) == bj && before[j - 2] + 1 < v)
                v = before[j - 2] + 1;
            cur[j] = v;
        }
        size_t *t = before;
        before = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(rows);
    return d;
}

/* Frozen (rule 4). */
typedef struct fl_activation {
    fl_activation_kind kind;
    double alpha;
} fl_activation;

/* The one table of activation names, as written in experiment files. */
static inline const char *fl_activation_name(fl_activation_kind kind)
{
    static const char *const names[FL_ACT_COUNT] = {
        "linear", "relu", "leaky_relu", "elu", "selu", "sigmoid", "tanh", "softmax", "softplus"};
    return (unsigned)kind < FL_ACT_COUNT ? names[kind] : "?";
}

/* The kind named `name`; false for an unknown name. */
static inline bool fl_activation_from_name(const char *name, fl_activation_kind *kind)
{
    for (int k = 0; k < FL_ACT_COUNT; k++)
        if (name && strcmp(name, fl_activation_name((fl_activation_kind)k)) == 0) {
            *kind = (fl_activation_kind)k;
            return true;
        }
    return false;
}

/* A ReLU in effect: no gradient below zero (relu, or leaky_relu with slope 0). */
static inline bool fl_activation_is_relu(fl_activation a)
{
    return a.kind == FL_ACT_RELU || (a.kind == FL_ACT_LEAKY_RELU && a.alpha == 0.0);
}

/* Flat at both ends: sigmoid and tanh saturate. */
static inline bool fl_activation_saturates(fl_activation_kind k)
{
    return k == FL_ACT_SIGMOID || k == FL_ACT_TANH;
}

struct fl_plugin;

/* A plugin chosen in the configuration, with its filled options (owned by the core).
 * Frozen (rule 4). */
typedef struct fl_ref {
    const struct fl_plugin *plugin;
    const void *opts;
} fl_ref;

/* The shape of one sample of a tensor: (n) for flat features, (H, W, C) for images,
 * channels last.  Frozen (rule 4). */
#define FL_MAX_RANK 4
typedef struct fl_shape {
    uint32_t rank;
    uint32_t dims[FL_MAX_RANK];
} fl_shape;

/* Values per sample: the product of the dims. */
static inline size_t fl_shape_count(const fl_shape *s)
{
    size_t n = s->rank ? 1 : 0;
    for (uint32_t i = 0; i < s->rank && i < FL_MAX_RANK; i++)
        n *= s->dims[i];
    return n;
}

/* ---------------------------------------------------------------- layers */

/* What a tensor is to the layer: detectors judge kernels, not batchnorm scales. */
typedef enum fl_tensor_role {
    FL_TENSOR_KERNEL = 1, /* multiplies the input (dense, conv2d) */
    FL_TENSOR_BIAS,       /* added after the kernel */
    FL_TENSOR_SCALE,      /* a learned scale (batchnorm gamma) */
    FL_TENSOR_SHIFT,      /* a learned shift (batchnorm beta) */
    FL_TENSOR_STATE,      /* not trained: state the layer updates itself (moving mean) */
} fl_tensor_role;

/* A parameter tensor a layer asks the core for.  The core owns every tensor and its
 * gradient as flat float arrays, initializes them, applies L1/L2 and runs the optimizer;
 * the layout inside the n floats is the layer's own. */
typedef struct fl_tensor_spec {
    uint32_t size;
    const char *name;       /* "kernel", "bias", "gamma", "moving_mean" (borrowed) */
    fl_tensor_role role;
    size_t n;               /* number of floats */
    size_t fan_in, fan_out; /* for variance-scaling initializers (Keras: a dense kernel
                               fan_in = inputs, fan_out = units; a conv kernel
                               kh*kw*c_in and kh*kw*filters) */
    fl_ref init;            /* initializer; .plugin NULL: the core fills `fill_value` */
    double fill_value;
    double l1, l2;          /* penalty l1*sum|w| + l2*sum w^2 added to the loss (Keras) */
    bool trainable;         /* false: state the layer updates itself; no gradient, no step */
} fl_tensor_spec;

/* What create() tells the core about the layer.  The core hands it zeroed, with `size`
 * set; the layer fills it. */
typedef struct fl_layer_info {
    uint32_t size;
    fl_shape out_shape;       /* one sample of the output: (units) or (H, W, C) */
    size_t units;             /* what probes count as units (dead, saturated): the last
                                 dim of out_shape (dense units, conv filters) */
    fl_activation activation; /* what the output went through (probes: dead/saturated) */
    /* The layer's tensors, in the order bind() receives them: an array the layer owns
     * (alive until destroy), `tensor_stride` bytes apart (sizeof(fl_tensor_spec)). */
    const fl_tensor_spec *tensors;
    size_t n_tensors;
    size_t tensor_stride;
    /* Since ABI 2.5: the fraction of its inputs the layer drops in training (dropout's
     * rate); 0 for a layer that drops nothing, as the core's zeroed struct says for a
     * layer built before 2.5. */
    double drop_rate;
} fl_layer_info;

/* Where bind() finds the layer's tensors and gradients (same order as info.tensors; the
 * gradient of a non-trainable tensor is NULL). */
typedef struct fl_bind {
    uint32_t size;
    float *const *tensors;
    float *const *grads;
    /* Since ABI 2.2, for a layer with FL_LAYER_PACKS: the layer trains a pack of `pack`
     * runs at once (1 when absent: one run).  tensors[t] and grads[t] are the first run's;
     * run r's copy of tensor t (and of its gradient) starts pack_strides[t] * r floats
     * further.  Every batch buffer of a pass (x, y, dx, dy) then holds the runs' batches
     * one after another: (pack, B, n), run r's B samples after run r-1's. */
    size_t pack;
    const size_t *pack_strides; /* (n_tensors) */
} fl_bind;

/* One forward or backward pass over a batch. */
typedef struct fl_pass {
    uint32_t size;
    size_t batch;  /* B: samples in x, y, dy, dx.  Batch sizes vary between calls (last
                      batch, probe batch): keep per-size work cached. */
    bool training; /* forward: dropout active, batch statistics used and moving statistics
                      updated.  backward is always after a training forward. */
    fl_rng *rng;   /* forward in training: for dropout masks */
    /* Since ABI 2.2, with a pack (fl_bind.pack): the runs this pass covers, the first
     * `runs` of the pack, their batches one after another in x, y, dx, dy (the core moves
     * the runs still training to the front when others stop); 0 or absent: all. */
    size_t runs;
} fl_pass;

enum {
    /* Layer flags (fl_layer_ops.flags). */
    FL_LAYER_RESHAPES = 1u << 0, /* only moves values (flatten): no units of its own */
    /* Everything a run changes lives in the layer's tensors: its state holds only what
     * create() and bind() derived from the options, the shape and the tensors' addresses
     * (never their values), plus caches such as primitives per batch size.  The core may
     * then keep the layer for the next run of the same configuration: it refills the
     * tensors in place, at the same addresses, and does not call bind() again.  A flag
     * bit: a layer built without it reads 0 and is created anew for every run. */
    FL_LAYER_REUSABLE = 1u << 1,
    /* Trains several runs of the same configuration (different seeds) as one batched
     * computation when bind() says so (fl_bind.pack), each run with its own tensors, and
     * gives each run's values as it would alone, to rounding.  Only with
     * FL_LAYER_REUSABLE.  A flag bit: a layer built without it always trains one run. */
    FL_LAYER_PACKS = 1u << 2,
    /* Since ABI 2.6: normalizes by the batch's statistics in training and by moving
     * averages of them in inference (batch normalization), the averages weighted by the
     * layer's float option `momentum` (the old value's weight, as Keras has it).  A flag
     * bit: detectors read it from fl_layer_desc.layer_flags. */
    FL_LAYER_BATCH_STATS = 1u << 3,
};

typedef struct fl_layer_ops {
    uint32_t size;
    unsigned flags; /* FL_LAYER_* */
    /* Validate opts against the shape of one input sample and describe the layer.  *state
     * is the layer's own and is handed back to every other operation. */
    int (*create)(const fl_host *host, const void *opts, const fl_shape *in,
                  fl_layer_info *info, void **state);
    /* Hand the layer its tensors and their gradients.  Called once, after
     * initialization (see FL_LAYER_REUSABLE for the tensors refilled afterwards). */
    int (*bind)(void *state, const fl_bind *bind);
    /* y (B, out) from x (B, in). */
    int (*forward)(void *state, const fl_pass *pass, float *y, const float *x);
    /* From dy (B, out): write the gradients of the trainable tensors (overwrite: means over
     * the batch are already in dy) and dx (B, in) unless dx is NULL.  x and y are the
     * buffers of the preceding forward (training) of the same batch. */
    int (*backward)(void *state, const fl_pass *pass, float *dx, const float *dy,
                    const float *y, const float *x);
    void (*destroy)(void *state);
} fl_layer_ops;

/* ---------------------------------------------------------------- losses */

enum {
    FL_LOSS_CLASSIFICATION = 1u << 0,     /* targets are classes (0/1 or one-hot) */
    FL_LOSS_NOT_DIFFERENTIABLE = 1u << 1, /* gradient is zero almost everywhere */
    FL_LOSS_PROBABILITIES = 1u << 2,      /* predictions must be probabilities in (0, 1) */
    FL_LOSS_ONE_HOT = 1u << 3,            /* one class per row over the outputs: the
                                             predictions should sum to 1 (softmax) */
    FL_LOSS_SIGNED = 1u << 4,             /* the sign of a prediction decides its class
                                             (hinge): the threshold is 0, not 0.5 */
    FL_LOSS_SQUARED_ERROR = 1u << 5,      /* the mean squared error (mse): the loss of
                                             predicting the mean is the targets' variance */
    FL_LOSS_CLASS_WEIGHT = 1u << 6,       /* takes class_weight = "balanced" (Keras' class
                                             weights from the training targets), so a
                                             detector may propose loss.class_weight=balanced.
                                             A flag bit: a core or detector that predates it
                                             reads 0 and proposes nothing */
};

typedef struct fl_loss_ops {
    uint32_t size;
    unsigned flags; /* FL_LOSS_* */
    /* Per-run state from the training targets (class weights); may be NULL.  target:
     * (rows, n). */
    int (*create)(const fl_host *host, const void *opts, const float *target, size_t rows,
                  size_t n, void **state);
    /* *loss = mean over the batch of the per-sample loss (Keras reduction), in double.
     * dpred (B, n), unless NULL, receives d(*loss)/d(pred).  pred, target: (B, n). */
    int (*compute)(const fl_host *host, const void *opts, void *state, double *loss,
                   float *dpred, const float *pred, const float *target, size_t batch,
                   size_t n);
    void (*destroy)(void *state); /* may be NULL */
} fl_loss_ops;

/* ---------------------------------------------------------------- optimizers */

enum {
    FL_OPTIMIZER_NEVER_STEPS = 1u << 0, /* leaves every weight as it is (the `none` optimizer) */
};

typedef struct fl_optimizer_ops {
    uint32_t size;
    unsigned flags; /* FL_OPTIMIZER_* */
    /* Floats of state per parameter (Adam: 2, SGD with momentum: 1, none: 0). */
    size_t (*n_slots)(const void *opts);
    /* Initial state, n_slots(opts) arrays of n floats one after another (may be NULL:
     * zeros). */
    void (*init_state)(const void *opts, float *state, size_t n);
    /* One update of w (n) from dw (n).  lr: the rate for this step (the optimizer's `lr`
     * parameter after the schedule); t: this step's number, counting from 1. */
    int (*step)(const fl_host *host, const void *opts, float *w, const float *dw, float *state,
                size_t n, double lr, int64_t t);
} fl_optimizer_ops;

/* The core reads an optimizer's base rate from its parameter named "lr" (FL_PARAM_FLOAT);
 * an optimizer without one is not scheduled. */

/* ---------------------------------------------------------------- schedules */

enum {
    FL_SCHEDULE_DECAYS = 1u << 0, /* the rate falls as training goes on */
};

typedef struct fl_schedule_ops {
    uint32_t size;
    unsigned flags; /* FL_SCHEDULE_* */
    /* *lr: the rate for the step after `steps` completed steps (Keras: iterations). */
    int (*lr)(const fl_host *host, const void *opts, double base_lr, int64_t steps,
              double *lr);
} fl_schedule_ops;

/* ---------------------------------------------------------------- initializers */

enum {
    FL_INIT_CONSTANT = 1u << 0, /* every value the same (zeros, ones, constant) */
    FL_INIT_FOR_RELU = 1u << 1, /* variance 2 / fan_in, which ReLU layers keep (He) */
};

typedef struct fl_init_ops {
    uint32_t size;
    unsigned flags; /* FL_INIT_* */
    /* Fill w (n) for a tensor with the given fans. */
    int (*fill)(const fl_host *host, const void *opts, float *w, size_t n, size_t fan_in,
                size_t fan_out, fl_rng *rng);
} fl_init_ops;

/* ---------------------------------------------------------------- datasets */

/* Filled by load(): the core hands it zeroed with `size` set.  Arrays come from
 * host->alloc (the core frees them with host->free). */
typedef struct fl_dataset {
    uint32_t size;
    size_t n_samples, n_in, n_out;
    float *x;         /* (n_samples, n_in) */
    float *y;         /* (n_samples, n_out) */
    char **in_names;  /* n_in names from host->strdup in a host->alloc array, or NULL */
    char **out_names; /* n_out names, likewise, or NULL */
    fl_shape in_shape; /* one input sample, when it is not flat (images: (H, W, C));
                          rank 0: (n_in) */
} fl_dataset;

typedef struct fl_dataset_ops {
    uint32_t size;
    unsigned flags; /* none yet */
    /* base_dir: directory of the experiment file, for relative paths.  seed: the data seed
     * (the same for every run of an experiment unless the file says otherwise). */
    int (*load)(const fl_host *host, const void *opts, const char *base_dir, uint64_t seed,
                fl_dataset *out);
} fl_dataset_ops;

/* ---------------------------------------------------------------- probes */

/* Per layer, one epoch.  Norms are L2 over the layer's trainable tensors; NaN for a layer
 * without weights (and grad_norm at epoch 0). */
typedef struct fl_layer_probe {
    uint32_t size;
    double grad_norm;    /* mean over the epoch's steps of the gradient norm */
    double weight_norm;  /* at the end of the epoch */
    double update_ratio; /* |W_end - W_start| / |W_start| over the epoch (0 if unmoved) */
    double dead;         /* fraction of units whose output is the same for every probe
                            input (a conv filter: at every position of every input) */
    double saturated;    /* sigmoid/tanh: fraction of probe pre-activations beyond +-5;
                            NaN for other activations */
} fl_layer_probe;

/* One epoch of probes.  Epoch 0 is the state before training: its loss is measured on the
 * training rows in inference mode, its gradient norms are NaN. */
typedef struct fl_epoch_probe {
    uint32_t size;
    int epoch;
    double loss;         /* training loss: mean of the batch losses, penalty included */
    double val_loss;     /* NaN without a validation split */
    double penalty;      /* the L1/L2 part of loss (at the epoch's end) */
    double lr;           /* rate of the epoch's last step (NaN: optimizer without one) */
    double accuracy;     /* classification: share of training rows classed right during the
                            epoch's steps (Keras; epoch 0: in inference mode); else NaN */
    double val_accuracy; /* likewise on the validation rows after the epoch; NaN without */
    const double *out_std; /* (n_outputs): spread of each output across the probe inputs */
    const double *out_min, *out_max, *out_mean; /* (n_outputs) */
    const struct fl_layer_probe *layers; /* (n_layers), layer_stride bytes apart */
    size_t layer_stride;
} fl_epoch_probe;

/* A layer as detectors see it. */
typedef struct fl_layer_desc {
    uint32_t size;
    const char *name;
    const char *plugin;       /* its plugin's name, for messages only: decide by the fields */
    unsigned layer_flags;     /* the plugin's FL_LAYER_* */
    fl_shape in_shape, out_shape;
    size_t n_in, n_out;       /* values per sample: fl_shape_count() of the shapes */
    size_t units;             /* see fl_layer_info.units */
    fl_activation activation;
    bool is_output;           /* one of the model's heads */
    size_t out_offset;        /* its first column in the model output, if is_output */
    int input;                /* index (in fl_probes' layer order) of the layer it reads;
                                 -1: the data */
    const char *input_name;   /* that layer's name, NULL for the data */
    bool has_weights;         /* any trainable tensor */
    /* The kernel (first FL_TENSOR_KERNEL tensor), if the layer has one. */
    bool has_kernel;
    const char *init;         /* its initializer's name, or NULL (no kernel) */
    unsigned init_flags;      /* FL_INIT_* of that initializer */
    double init_min, init_max, init_std; /* its values before training */
    size_t fan_in;
    /* The bias (first FL_TENSOR_BIAS tensor), if any: its values before training. */
    bool has_bias;
    const char *bias_init;
    double bias_min, bias_max;
    double l1, l2;            /* largest penalty on its tensors */
    /* Since ABI 2.5 (FL_HAS(fl_layer_desc, l, drop_rate)): fl_layer_info.drop_rate. */
    double drop_rate;
} fl_layer_desc;

typedef enum fl_normalize { FL_NORMALIZE_NONE, FL_NORMALIZE_STANDARD, FL_NORMALIZE_MINMAX } fl_normalize;

/* Everything a detector may read, updated by the core every epoch: nothing to recompute.
 * Read layers and epochs through the accessors below (strides, rule 3). */
typedef struct fl_probes {
    uint32_t size;
    size_t n_outputs, n_layers, n_in;
    const fl_layer_desc *layers;    /* (n_layers), in the order data flows */
    size_t layer_stride;
    const char *const *out_names;   /* (n_outputs) target column names */
    const char *const *in_names;    /* (n_in) input column names */
    fl_shape in_shape;              /* one input sample */
    /* The configuration, described by what it does; the names are for messages. */
    const char *loss;               /* loss plugin name */
    unsigned loss_flags;            /* FL_LOSS_* */
    const char *optimizer;          /* optimizer plugin name */
    unsigned optimizer_flags;       /* FL_OPTIMIZER_* */
    const char *schedule;           /* schedule plugin name */
    unsigned schedule_flags;        /* FL_SCHEDULE_* */
    double base_lr;                 /* the optimizer's lr, NaN without one */
    double default_lr;              /* the default of the optimizer's lr parameter (its
                                       usual rate), NaN without one */
    double final_lr;                /* the schedule's rate at the last planned step */
    fl_normalize normalize;         /* dataset.normalize */
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
    /* history: epoch 0 (before training) to n_epochs (the epoch just run), history_stride
     * bytes apart. */
    const fl_epoch_probe *history;
    size_t history_stride;
    size_t n_epochs;
    /* Since ABI 2.4 (FL_HAS(fl_probes, p, val_target_max)): how the rows were split.
     * shuffled: dataset.shuffle, the rows drawn at random before the split (false: file
     * order, the last rows held out); val_target_min, val_target_max (n_outputs): the
     * range of the validation rows' targets, NULL without validation rows. */
    bool shuffled;
    const double *val_target_min, *val_target_max;
} fl_probes;

static inline const fl_layer_desc *fl_probes_layer(const fl_probes *p, size_t k)
{
    return FL_AT_CONST(fl_layer_desc, p->layers, p->layer_stride, k);
}

static inline const fl_epoch_probe *fl_probes_epoch(const fl_probes *p, size_t epoch)
{
    return FL_AT_CONST(fl_epoch_probe, p->history, p->history_stride, epoch);
}

/* The epoch just run (epoch 0 before training). */
static inline const fl_epoch_probe *fl_probes_now(const fl_probes *p)
{
    return fl_probes_epoch(p, p->n_epochs);
}

static inline const fl_layer_probe *fl_epoch_layer(const fl_epoch_probe *e, size_t k)
{
    return FL_AT_CONST(fl_layer_probe, e->layers, e->layer_stride, k);
}

/* ---------------------------------------------------------------- findings and fixes */

typedef enum fl_level { FL_LEVEL_WARNING = 1, FL_LEVEL_COLLAPSED = 2 } fl_level;

/* A candidate fix: edits to the experiment that should heal the run, each "key=value" as
 * `--set` takes it ("optimizer.lr=0.001", "model.h1.init=he_uniform",
 * "dataset.normalize=standard").  The core reruns the collapsed grid points with them to
 * verify which one heals. */
typedef struct fl_fix {
    uint32_t size;
    const char *const *edits; /* NULL-terminated */
    const char *reason;       /* why this should help, one sentence */
} fl_fix;

enum {
    /* Finding flags (fl_finding.flags). */
    FL_FINDING_FIX_THE_DATA = 1u << 0, /* no configuration change can help (constant
                                          targets): the advice is about the data */
    /* Since ABI 2.3: a warning reported from observe() without its texts, fixes and
     * measures (level, epoch and flags only), by a detector that has describe(): the
     * core asks for the rest when a run ends or stops with the warning standing.  A
     * warning usually stands for many epochs and its sentences are read once. */
    FL_FINDING_BRIEF = 1u << 1,
};

/* One number of a finding's evidence, by name: what a program reading verdict.json
 * compares ("h1_dead": 1.0, "lr": 1e-06), where the evidence sentence is for people.  A
 * name is 1-63 characters of [a-z0-9_], unique within its finding (the core keeps the first
 * of a repeated name and drops a malformed one).  A value that is not finite is written as
 * null. */
typedef struct fl_measure {
    uint32_t size;
    const char *name;
    double value;
} fl_measure;

/* A detector's finding; the core copies everything.  A warning holds for the epoch it is
 * reported in (report it again while it still holds); a collapsed finding is final for the
 * detector (it is not asked again in the run).  The core alone may overrule it: a run that
 * trains on to its planned end and has learned there keeps it as a warning. */
typedef struct fl_finding {
    uint32_t size;
    fl_level level;
    int epoch;            /* since when it holds; 0: before training (pre-flight) */
    const char *evidence; /* numbers a reviewer can check */
    const char *cause;    /* what is wrong, in one sentence */
    const char *advice;   /* the change to make, in words (NULL: said by the fixes) */
    const fl_fix *fixes;  /* candidate fixes, most likely first; may be NULL */
    size_t n_fixes;
    size_t fix_stride;    /* sizeof(fl_fix) */
    unsigned flags;       /* FL_FINDING_* */
    /* Since ABI 2.1: the evidence's numbers as fields (fl_measure_set builds them). */
    const fl_measure *measures; /* may be NULL */
    size_t n_measures;
    size_t measure_stride;      /* sizeof(fl_measure) */
} fl_finding;

typedef void (*fl_report_fn)(void *ctx, const fl_finding *finding);

enum { FL_DETECTS_SYMPTOM = 1u << 0, FL_DETECTS_CAUSE = 1u << 1 };

typedef struct fl_detector_ops {
    uint32_t size;
    /* What the detector names: FL_DETECTS_SYMPTOM (what the user sees, such as a constant
     * output) or FL_DETECTS_CAUSE (why).  The diagnosis puts causes before symptoms. */
    unsigned flags;
    /* Rank among causes when several fire, lower first; 0: default (100). */
    int priority;
    /* Allocate per-run state (may be NULL: the detector keeps none). */
    int (*create)(const fl_host *host, const void *opts, void **state);
    /* Before training, from the configuration and the data (n_epochs = 0, epoch 0 is the
     * untrained network).  May be NULL. */
    int (*preflight)(void *state, const void *opts, const fl_probes *p, fl_report_fn report,
                     void *ctx);
    /* After every epoch, until the detector has reported a collapse: that finding is
     * final, and the detector is not asked again in the run.  May be NULL. */
    int (*observe)(void *state, const void *opts, const fl_probes *p, fl_report_fn report,
                   void *ctx);
    void (*destroy)(void *state); /* may be NULL */
    /* Since ABI 2.3, may be NULL.  Reports in full the warning that observe() reported
     * brief (FL_FINDING_BRIEF) for the same epoch, from the same probes; a warning it does
     * not report again is dropped.  Called at most once an epoch, after observe(), and
     * only when the core needs the words (the run ends or stops there); it must leave the
     * state as the next observe() expects it.  Without it a brief report is taken as it
     * is, its texts empty. */
    int (*describe)(void *state, const void *opts, const fl_probes *p, fl_report_fn report,
                    void *ctx);
} fl_detector_ops;

/* ---------------------------------------------------------------- the descriptor */

typedef struct fl_plugin {
    uint32_t abi_major;     /* FL_ABI_MAJOR the plugin was built with; never moves */
    uint32_t abi_minor;     /* FL_ABI_MINOR the plugin was built with; never moves */
    uint32_t size;          /* sizeof(fl_plugin) as built */
    fl_kind kind;
    const char *name;       /* as written in experiment files; matches the file name */
    const char *summary;    /* one line for `flatline plugins` */
    const fl_param *params; /* ends with FL_PARAM_END; may be NULL for none */
    size_t param_size;      /* sizeof(fl_param): the stride of params */
    size_t opts_size;       /* sizeof the options struct the params fill */
    union {                 /* the member of the plugin's kind */
        const void *any;
        const fl_layer_ops *layer;
        const fl_loss_ops *loss;
        const fl_optimizer_ops *optimizer;
        const fl_schedule_ops *schedule;
        const fl_init_ops *init;
        const fl_dataset_ops *dataset;
        const fl_detector_ops *detector;
    } ops;
} fl_plugin;

/* For plugins without parameters. */
typedef struct fl_no_opts {
    char unused;
} fl_no_opts;

/* The per-kind definitions: the operations are designated initializers of the kind's ops
 * struct, so an operation of another kind does not compile.  For example
 *
 *     FL_LOSS_PLUGIN("mse", "mean squared error", NULL, fl_no_opts,
 *                    .compute = mse_compute);
 */
#define FL_PLUGIN_DEFINE_(kind_, member_, ops_type_, name_, summary_, params_, opts_type_, ...) \
    static const ops_type_ flatline_plugin_ops_ = {.size = sizeof(ops_type_), __VA_ARGS__};    \
    FL_EXPORT const fl_plugin flatline_plugin = {                                            \
        .abi_major = FL_ABI_MAJOR,                                                           \
        .abi_minor = FL_ABI_MINOR,                                                           \
        .size = sizeof(fl_plugin),                                                           \
        .kind = (kind_),                                                                     \
        .name = (name_),                                                                     \
        .summary = (summary_),                                                               \
        .params = (params_),                                                                 \
        .param_size = sizeof(fl_param),                                                      \
        .opts_size = sizeof(opts_type_),                                                     \
        .ops.member_ = &flatline_plugin_ops_}

#define FL_LAYER_PLUGIN(name_, summary_, params_, opts_type_, ...)                         \
    FL_PLUGIN_DEFINE_(FL_KIND_LAYER, layer, fl_layer_ops, name_, summary_, params_,       \
                      opts_type_, __VA_ARGS__)
#define FL_LOSS_PLUGIN(name_, summary_, params_, opts_type_, ...)                          \
    FL_PLUGIN_DEFINE_(FL_KIND_LOSS, loss, fl_loss_ops, name_, summary_, params_,          \
                      opts_type_, __VA_ARGS__)
#define FL_OPTIMIZER_PLUGIN(name_, summary_, params_, opts_type_, ...)                     \
    FL_PLUGIN_DEFINE_(FL_KIND_OPTIMIZER, optimizer, fl_optimizer_ops, name_, summary_,    \
                      params_, opts_type_, __VA_ARGS__)
#define FL_SCHEDULE_PLUGIN(name_, summary_, params_, opts_type_, ...)                      \
    FL_PLUGIN_DEFINE_(FL_KIND_SCHEDULE, schedule, fl_schedule_ops, name_, summary_,       \
                      params_, opts_type_, __VA_ARGS__)
#define FL_INITIALIZER_PLUGIN(name_, summary_, params_, opts_type_, ...)                   \
    FL_PLUGIN_DEFINE_(FL_KIND_INITIALIZER, init, fl_init_ops, name_, summary_, params_,   \
                      opts_type_, __VA_ARGS__)
#define FL_DATASET_PLUGIN(name_, summary_, params_, opts_type_, ...)                       \
    FL_PLUGIN_DEFINE_(FL_KIND_DATASET, dataset, fl_dataset_ops, name_, summary_, params_, \
                      opts_type_, __VA_ARGS__)
#define FL_DETECTOR_PLUGIN(name_, summary_, params_, opts_type_, ...)                      \
    FL_PLUGIN_DEFINE_(FL_KIND_DETECTOR, detector, fl_detector_ops, name_, summary_,       \
                      params_, opts_type_, __VA_ARGS__)

/* ---------------------------------------------------------------- the detector toolkit
 * Helpers every detector needs, one meaning each.  They read only fl_probes, so they work
 * with any flatline of this major version.  "Trained epochs" are epochs >= 1: epoch 0 is
 * the untrained network, measured in inference mode, and says nothing about training. */

/* Does a condition hold at `epoch` for item k (an output, a layer, a pair)? */
typedef bool (*fl_holds_fn)(const fl_probes *p, size_t epoch, size_t k, const void *ctx);

/* The streak of consecutive epochs ending now over which holds() is true: returns how
 * many TRAINED epochs it spans (0 when it does not hold now) and, when since is not NULL,
 * sets *since to its first epoch (0 when it already held before training). */
static inline int fl_streak(const fl_probes *p, size_t k, const void *ctx, fl_holds_fn holds,
                            int *since)
{
    size_t e = p->n_epochs;
    if (!holds(p, e, k, ctx))
        return 0;
    while (e > 0 && holds(p, e - 1, k, ctx))
        e--;
    if (since)
        *since = (int)e;
    return (int)p->n_epochs - (int)(e > 0 ? e : 1) + 1;
}

/* The loss without its L1/L2 part: what the model's fit costs. */
static inline double fl_data_loss(const fl_epoch_probe *e)
{
    return e->loss - (isfinite(e->penalty) ? e->penalty : 0.0);
}

/* How far the training loss improved over the last `window` trained epochs: the best
 * finite loss of epochs (now - window, now] below the loss at now - window, as a fraction
 * of it.  A non-finite loss is never an improvement: one in the window is skipped, and a
 * non-finite reference gives 0 (a diverged run is not learning; why it diverged is the
 * divergence detector's business).  NaN when it cannot be judged: fewer than window + 1
 * epochs (the reference must be a trained epoch: epoch 0 is measured in inference mode),
 * or a reference already ~0 (nothing left to learn). */
static inline double fl_loss_improvement(const fl_probes *p, int window)
{
    size_t n = p->n_epochs;
    if (window < 1 || n < (size_t)window + 1)
        return NAN;
    double ref = fl_probes_epoch(p, n - (size_t)window)->loss;
    if (!isfinite(ref))
        return 0.0;
    if (fabs(ref) <= 1e-12)
        return NAN;
    double best = ref;
    for (size_t e = n - (size_t)window + 1; e <= n; e++) {
        double l = fl_probes_epoch(p, e)->loss;
        if (isfinite(l) && l < best)
            best = l;
    }
    return (ref - best) / fabs(ref);
}

/* The loss has stopped improving (a plateau): over the last `window` trained epochs it
 * improved by less than min_delta (relative, fl_loss_improvement()).  False while that
 * cannot be judged. */
static inline bool fl_loss_plateau(const fl_probes *p, int window, double min_delta)
{
    double gain = fl_loss_improvement(p, window);
    return !isnan(gain) && gain < min_delta;
}

/* The data loss of the epoch as a share of the loss of predicting the training mean for
 * every row (1: the model has learned nothing beyond the mean).  NaN without a usable
 * baseline (constant targets give 0). */
static inline double fl_fit_ratio(const fl_probes *p, const fl_epoch_probe *e)
{
    double base = p->baseline_loss;
    double data = fl_data_loss(e);
    return isfinite(base) && base > 0 && isfinite(data) ? data / base : NAN;
}

/* Accuracy of always answering the most frequent class: what a classifier that predicts
 * one class for every input scores.  NaN for regression. */
static inline double fl_majority_accuracy(const fl_probes *p)
{
    if (!p->n_classes || !p->class_fraction)
        return NAN;
    double best = 0;
    for (size_t c = 0; c < p->n_classes; c++)
        if (p->class_fraction[c] > best)
            best = p->class_fraction[c];
    return best;
}

/* A value that is not finite, as people write it ("NaN", "+Inf", "-Inf"). */
static inline const char *fl_nonfinite_name(double v)
{
    return isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

/* The name of output column o (or "output <o>" in buf). */
static inline const char *fl_output_name(const fl_probes *p, size_t o, char *buf, size_t size)
{
    if (p->out_names && p->out_names[o])
        return p->out_names[o];
    snprintf(buf, size, "output %zu", o);
    return buf;
}

/* The name of input column i (or "input <i>" in buf). */
static inline const char *fl_input_name(const fl_probes *p, size_t i, char *buf, size_t size)
{
    if (p->in_names && p->in_names[i])
        return p->in_names[i];
    snprintf(buf, size, "input %zu", i);
    return buf;
}

/* The output layer that produces model column o, or n_layers. */
static inline size_t fl_output_layer(const fl_probes *p, size_t o)
{
    for (size_t k = 0; k < p->n_layers; k++) {
        const fl_layer_desc *l = fl_probes_layer(p, k);
        if (l->is_output && o >= l->out_offset && o < l->out_offset + l->n_out)
            return k;
    }
    return p->n_layers;
}

/* Does layer a feed layer b, directly or through other layers? */
static inline bool fl_layer_feeds(const fl_probes *p, size_t a, size_t b)
{
    int k = fl_probes_layer(p, b)->input;
    for (size_t hops = 0; k >= 0 && hops < p->n_layers; hops++) {
        if ((size_t)k == a)
            return true;
        k = fl_probes_layer(p, (size_t)k)->input;
    }
    return false;
}

/* The optimizer's usual rate (the default of its lr parameter, Keras'), or 0.001 for an
 * optimizer that declares none. */
static inline double fl_lr_usual(const fl_probes *p)
{
    return isfinite(p->default_lr) && p->default_lr > 0 ? p->default_lr : 0.001;
}

/* A learning rate to try when `lr` is too large: the `n`-th of the candidates a tenth,
 * a hundredth, ... of it (n counts from 1). */
static inline double fl_lr_lower(double lr, int n)
{
    double r = lr;
    for (int i = 0; i < n; i++)
        r /= 10.0;
    return r;
}

/* A learning rate to try when `lr` is too small: the `n`-th of the candidates ten,
 * a hundred, ... times it (n counts from 1). */
static inline double fl_lr_raise(double lr, int n)
{
    double r = lr;
    for (int i = 0; i < n; i++)
        r *= 10.0;
    return r;
}

/* A number in the fewest digits that still tell it apart (%.3g), for evidence and edits:
 * writes into buf and returns it. */
static inline const char *fl_num(double v, char *buf, size_t size)
{
    if (!isfinite(v))
        snprintf(buf, size, "%s", fl_nonfinite_name(v));
    else
        snprintf(buf, size, "%.3g", v);
    return buf;
}

/* The initializer that keeps a layer's signal alive under its activation: He's variance
 * 2 / fan_in for the ReLU family (relu, leaky_relu, elu, selu), Glorot's otherwise (tanh,
 * sigmoid, linear, softmax).  A name as written in experiment files. */
static inline const char *fl_init_for(fl_activation a)
{
    switch (a.kind) {
    case FL_ACT_RELU:
    case FL_ACT_LEAKY_RELU:
    case FL_ACT_ELU:
    case FL_ACT_SELU:
        return "he_uniform";
    default:
        return "glorot_uniform";
    }
}

/* -------- candidate fixes
 * A finding proposes fixes as edits of the experiment, each written exactly as
 * `flatline run --set` takes it: "optimizer.lr=0.0001", "model.h1.init=he_uniform",
 * "loss=bce", "dataset.normalize=standard".  A layer's key is model.<layer name>.<key>; a
 * plugin-valued key set to a name (optimizer=adam, loss=mse) takes that plugin with its
 * defaults, and a member of it (optimizer.lr, loss.class_weight) keeps the rest.  Edits
 * of one fix are applied together; fixes are alternatives, the most likely first, and the
 * core reruns the collapsed runs with each to find the one that heals.
 *
 * fl_fix_set builds them in the caller's storage (no allocation; it is not part of the
 * ABI, only of this header):
 *
 *     fl_fix_set fixes = {0};
 *     fl_fixes_add(&fixes, "the rate is too large", "optimizer.lr=%g", lr / 10);
 *     fl_fixes_add(&fixes, "the rate is far too large", "optimizer.lr=%g", lr / 100);
 *     fl_fixes_also(&fixes, "train.epochs=%d", 200);   (a second edit of the last fix)
 *     fl_finding f = {.size = sizeof f, ...};
 *     fl_finding_fixes(&f, &fixes);
 *     report(ctx, &f);
 */
#define FL_FIXES_MAX 6      /* fixes per finding */
#define FL_FIX_EDITS_MAX 24 /* edits per fix (two per layer of a deep model) */
#define FL_FIX_TEXT_MAX 96  /* characters per edit and per reason */

typedef struct fl_fix_set {
    size_t n;
    fl_fix fixes[FL_FIXES_MAX];
    const char *edits[FL_FIXES_MAX][FL_FIX_EDITS_MAX + 1];
    char text[FL_FIXES_MAX][FL_FIX_EDITS_MAX][FL_FIX_TEXT_MAX];
    char reason[FL_FIXES_MAX][FL_FIX_TEXT_MAX];
} fl_fix_set;

/* Append one "key=value" edit (printf format) to the last fix; false when it is full, the
 * edit does not fit, or it is not of the form key=value. */
static inline bool fl_fixes_also_v(fl_fix_set *s, const char *fmt, va_list ap)
{
    if (!s->n)
        return false;
    size_t i = s->n - 1, k = 0;
    while (k < FL_FIX_EDITS_MAX && s->edits[i][k])
        k++;
    if (k == FL_FIX_EDITS_MAX)
        return false;
    char *t = s->text[i][k];
    int len = vsnprintf(t, FL_FIX_TEXT_MAX, fmt, ap);
    const char *eq = strchr(t, '=');
    if (len < 0 || len >= FL_FIX_TEXT_MAX || !eq || eq == t || !eq[1])
        return false;
    s->edits[i][k] = t;
    s->edits[i][k + 1] = NULL;
    return true;
}

static inline bool fl_fixes_also(fl_fix_set *s, const char *fmt, ...) FL_PRINTF(2, 3);
static inline bool fl_fixes_also(fl_fix_set *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = fl_fixes_also_v(s, fmt, ap);
    va_end(ap);
    return ok;
}

/* Do fixes i and j make the same edits? */
static inline bool fl_fixes_same(const fl_fix_set *s, size_t i, size_t j)
{
    size_t k = 0;
    for (; s->edits[i][k] && s->edits[j][k]; k++)
        if (strcmp(s->edits[i][k], s->edits[j][k]) != 0)
            return false;
    return !s->edits[i][k] && !s->edits[j][k];
}

/* Drop the last fix (one whose edits could not be written). */
static inline void fl_fixes_drop(fl_fix_set *s)
{
    if (s->n)
        s->n--;
}

/* Start a new fix with its reason and first edit (printf format).  A fix whose edits
 * repeat an earlier one is dropped when the next fix starts or fl_finding_fixes() is
 * called: fl_fixes_add() returns false for a full set or a malformed edit. */
static inline bool fl_fixes_add(fl_fix_set *s, const char *reason, const char *fmt, ...)
    FL_PRINTF(3, 4);
static inline void fl_fixes_dedupe_last_(fl_fix_set *s)
{
    for (size_t j = 0; s->n >= 2 && j + 1 < s->n; j++)
        if (fl_fixes_same(s, j, s->n - 1)) {
            s->n--;
            return;
        }
}
static inline bool fl_fixes_add(fl_fix_set *s, const char *reason, const char *fmt, ...)
{
    fl_fixes_dedupe_last_(s);
    if (s->n >= FL_FIXES_MAX)
        return false;
    size_t i = s->n++;
    s->edits[i][0] = NULL;
    snprintf(s->reason[i], FL_FIX_TEXT_MAX, "%s", reason ? reason : "");
    va_list ap;
    va_start(ap, fmt);
    bool ok = fl_fixes_also_v(s, fmt, ap);
    va_end(ap);
    if (!ok)
        s->n--;
    return ok;
}

/* Hand the fixes to a finding, fl_finding_fixes(&finding, &set): the set must outlive the
 * report() call.  (A macro, so this header still compiles where fl_finding is cut short.) */
static inline void fl_fixes_hand_(fl_fix_set *s, const fl_fix **fixes, size_t *n, size_t *stride)
{
    fl_fixes_dedupe_last_(s);
    for (size_t i = 0; i < s->n; i++)
        s->fixes[i] = (fl_fix){.size = sizeof(fl_fix), .edits = s->edits[i], .reason = s->reason[i]};
    *fixes = s->n ? s->fixes : NULL;
    *n = s->n;
    *stride = sizeof(fl_fix);
}
#define fl_finding_fixes(finding, set) \
    fl_fixes_hand_((set), &(finding)->fixes, &(finding)->n_fixes, &(finding)->fix_stride)

/* -------- the evidence's numbers
 * fl_measure_set builds a finding's measures in the caller's storage, like fl_fix_set:
 *
 *     fl_measure_set m = {0};
 *     fl_measures_add(&m, dead / (double)units, "%s_dead", layer->name);
 *     fl_measures_add(&m, lr, "lr");
 *     fl_finding_measures(&f, &m);
 *
 * A name is lower-cased and every character outside [a-z0-9_] becomes '_' ("h1.dead" ->
 * "h1_dead"), so a layer's name can go into it as it is. */
#define FL_MEASURES_MAX 16
#define FL_MEASURE_NAME_MAX 64

typedef struct fl_measure_set {
    size_t n;
    fl_measure measures[FL_MEASURES_MAX];
    char names[FL_MEASURES_MAX][FL_MEASURE_NAME_MAX];
} fl_measure_set;

/* Add one measure (its name a printf format); false when the set is full or the name
 * empty or too long. */
static inline bool fl_measures_add(fl_measure_set *s, double value, const char *fmt, ...)
    FL_PRINTF(3, 4);
static inline bool fl_measures_add(fl_measure_set *s, double value, const char *fmt, ...)
{
    if (s->n >= FL_MEASURES_MAX)
        return false;
    char *name = s->names[s->n];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(name, FL_MEASURE_NAME_MAX, fmt, ap);
    va_end(ap);
    if (len <= 0 || len >= FL_MEASURE_NAME_MAX)
        return false;
    for (char *c = name; *c; c++) {
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
        else if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            *c = '_';
    }
    s->measures[s->n] = (fl_measure){.size = sizeof(fl_measure), .name = name, .value = value};
    s->n++;
    return true;
}

/* Hand the measures to a finding, fl_finding_measures(&finding, &set): the set must
 * outlive the report() call.  (A macro, for the same reason as fl_finding_fixes.) */
static inline void fl_measures_hand_(const fl_measure_set *s, const fl_measure **m, size_t *n,
                                     size_t *stride)
{
    *m = s->n ? s->measures : NULL;
    *n = s->n;
    *stride = sizeof(fl_measure);
}
#define fl_finding_measures(finding, set) \
    fl_measures_hand_((set), &(finding)->measures, &(finding)->n_measures, \
                      &(finding)->measure_stride)

/* Learning-rate candidates for a rate `lr` judged too large (direction < 0) or too small
 * (direction > 0): one and two orders of magnitude away, since how far off a rate is can
 * rarely be told from one run.  Adds up to two fixes setting optimizer.lr. */
static inline void fl_fixes_lr(fl_fix_set *s, double lr, int direction, const char *reason)
{
    if (!(lr > 0) || !isfinite(lr) || !direction)
        return;
    for (int n = 1; n <= 2; n++)
        fl_fixes_add(s, reason, "optimizer.lr=%.3g",
                     direction < 0 ? fl_lr_lower(lr, n) : fl_lr_raise(lr, n));
}

#ifdef __cplusplus
}
#endif

#endif /* FLATLINE_PLUGIN_H */
