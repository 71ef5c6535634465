/* global_avg_pool2d.c — the mean of each channel over the whole image: (H, W, C) -> (C)
 * (Keras GlobalAveragePooling2D). */
#define POOL2D_NAME "global_avg_pool2d"
#define POOL2D_ALG dnnl_pooling_avg_exclude_padding
#define POOL2D_GLOBAL 1
#include "pool2d.h"

POOL2D_PLUGIN("mean of each channel over the image: (H, W, C) -> (C) "
              "(Keras GlobalAveragePooling2D)");
