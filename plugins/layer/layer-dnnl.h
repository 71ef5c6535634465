/* layer-dnnl.h — shared by the layer plugins that run oneDNN primitives (internal).
 *
 * LAYER_DNNL(host, layer, call) runs one oneDNN call and, when it does not return
 * dnnl_success, explains the failure through host->error() — the call's text, oneDNN's
 * status name, file:line and the layer plugin's name — sets the local `rc` to -1 and jumps
 * to the function's `out:` label, where the function releases what it created.  Each
 * plugin compiles its own copy: nothing here is exported.
 */
#ifndef FL_LAYER_DNNL_H
#define FL_LAYER_DNNL_H

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <flatline/plugin.h>

#define LAYER_DNNL(host, layer, call)                                                       \
    do {                                                                                   \
        dnnl_status_t layer_dnnl_status_ = (call);                                         \
        if (layer_dnnl_status_ != dnnl_success) {                                          \
            (host)->error((host),                                                          \
                          "%s layer: oneDNN call %s failed: %s (%s:%d); check that "       \
                          "oneDNN 2.x is installed and the layer's sizes are sane",        \
                          (layer), #call, dnnl_status2str(layer_dnnl_status_), __FILE__,   \
                          __LINE__);                                                       \
            rc = -1;                                                                       \
            goto out;                                                                      \
        }                                                                                  \
    } while (0)

/* A plain row-major (rows, cols) f32 descriptor: `nc` for activations, `oi` for weights. */
static inline dnnl_status_t layer_dnnl_md_2d(dnnl_memory_desc_t *md, size_t rows, size_t cols,
                                             dnnl_format_tag_t tag)
{
    dnnl_dims_t dims = {(dnnl_dim_t)rows, (dnnl_dim_t)cols};
    return dnnl_memory_desc_init_by_tag(md, 2, dims, dnnl_f32, tag);
}

/* A plain (n) f32 descriptor, for biases and per-channel statistics. */
static inline dnnl_status_t layer_dnnl_md_1d(dnnl_memory_desc_t *md, size_t n)
{
    dnnl_dims_t dims = {(dnnl_dim_t)n};
    return dnnl_memory_desc_init_by_tag(md, 1, dims, dnnl_f32, dnnl_x);
}

/* A primitive from an op descriptor and attributes (attr: post-ops, or NULL; hint: the
 * forward pd for backward ones, or NULL).  The primitive descriptor is returned in *pd
 * when pd is not NULL, else destroyed. */
static inline dnnl_status_t layer_dnnl_primitive_attr(dnnl_primitive_t *prim,
                                                      dnnl_primitive_desc_t *pd,
                                                      const_dnnl_op_desc_t op_desc,
                                                      const_dnnl_primitive_attr_t attr,
                                                      dnnl_engine_t engine,
                                                      const_dnnl_primitive_desc_t hint)
{
    dnnl_primitive_desc_t local = NULL;
    *prim = NULL;
    dnnl_status_t st = dnnl_primitive_desc_create(&local, op_desc, attr, engine, hint);
    if (st != dnnl_success)
        return st;
    st = dnnl_primitive_create(prim, local);
    if (st != dnnl_success || !pd)
        dnnl_primitive_desc_destroy(local);
    else
        *pd = local;
    return st;
}

/* The same without attributes. */
static inline dnnl_status_t layer_dnnl_primitive(dnnl_primitive_t *prim,
                                                 dnnl_primitive_desc_t *pd,
                                                 const_dnnl_op_desc_t op_desc,
                                                 dnnl_engine_t engine,
                                                 const_dnnl_primitive_desc_t hint)
{
    return layer_dnnl_primitive_attr(prim, pd, op_desc, NULL, engine, hint);
}

/* Queue one primitive on the stream without waiting: the stream is in order, so a
 * layer queues its chain of primitives and waits once (dnnl_stream_wait) before it
 * returns. */
static inline dnnl_status_t layer_dnnl_exec(dnnl_primitive_t prim, dnnl_stream_t stream,
                                            int nargs, const dnnl_exec_arg_t *args)
{
    return dnnl_primitive_execute(prim, stream, nargs, args);
}

/* Execute one primitive on the stream and wait for it. */
static inline dnnl_status_t layer_dnnl_run(dnnl_primitive_t prim, dnnl_stream_t stream,
                                           int nargs, const dnnl_exec_arg_t *args)
{
    dnnl_status_t st = dnnl_primitive_execute(prim, stream, nargs, args);
    if (st != dnnl_success)
        return st;
    return dnnl_stream_wait(stream);
}

#endif
