/* max_pool2d.c — the largest value of each window, per channel (Keras MaxPooling2D). */
#define POOL2D_NAME "max_pool2d"
#define POOL2D_ALG dnnl_pooling_max
#define POOL2D_GLOBAL 0
#include "pool2d.h"

POOL2D_PLUGIN("2-D max pooling over (H, W, C) images (Keras MaxPooling2D)");
