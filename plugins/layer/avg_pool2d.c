/* avg_pool2d.c — the mean of each window, per channel; with padding "same" the mean of
 * the pixels inside the image (Keras AveragePooling2D). */
#define POOL2D_NAME "avg_pool2d"
#define POOL2D_ALG dnnl_pooling_avg_exclude_padding
#define POOL2D_GLOBAL 0
#include "pool2d.h"

POOL2D_PLUGIN("2-D average pooling over (H, W, C) images (Keras AveragePooling2D)");
