/* priorities.h — the rank of each in-tree cause detector (fl_detector_ops.priority).
 *
 * When several causes fire, the diagnosis (core/diagnosis.c) names the one with the lowest
 * rank first.  The order says which failure explains which:
 *  - what the data or the configuration makes impossible comes first: constant targets
 *    leave nothing to learn; an output activation that cannot reach the targets, a missing
 *    optimizer step or a non-differentiable loss stop learning whatever else happens;
 *  - a network that fits in training but answers alike in inference because its batch
 *    normalization's moving averages lag: every probe of the inference network (dead or
 *    saturated units, a flat output) follows from it; two sigmoid layers with batch
 *    normalization on circles had their sigmoids read as saturated in one seed of five;
 *  - then initializations that break symmetry badly (all-zero or constant weights);
 *  - then inputs or targets far from unit scale, upstream of the dynamics they set off
 *    (units saturated from the first step, output weights that must grow to the targets'
 *    size, divergence): the suite's pow4-unscaled and target-2700-tanh named saturation
 *    and exploding_gradient first, and verification credited both to normalizing;
 *  - then runaway dynamics, which wreck everything downstream: divergence (NaN/Inf) before
 *    exploding gradients that lead to it;
 *  - then dead and saturated units, which cause the vanishing gradients and stalled
 *    updates seen after them;
 *  - then penalties that overwhelm the data, oscillation from a large rate, class
 *    imbalance;
 *  - and last underfitting, the explanation left when nothing more specific fires. */
#ifndef FL_DETECTOR_PRIORITIES_H
#define FL_DETECTOR_PRIORITIES_H

enum {
    PRIORITY_CONSTANT_TARGET = 10,
    PRIORITY_OUTPUT_ACTIVATION = 15,
    PRIORITY_NO_UPDATE = 20,
    PRIORITY_BATCHNORM = 22,
    PRIORITY_BAD_INIT = 25,
    PRIORITY_UNSCALED_INPUT = 28,
    PRIORITY_DIVERGENCE = 30,
    PRIORITY_EXPLODING_GRADIENT = 35,
    PRIORITY_DEAD_RELU = 40,
    PRIORITY_SATURATION = 45,
    PRIORITY_VANISHING_GRADIENT = 50,
    PRIORITY_OVER_REGULARIZATION = 55,
    PRIORITY_OSCILLATION = 60,
    PRIORITY_CLASS_IMBALANCE = 70,
    PRIORITY_UNDERFIT = 80,
    /* Symptoms are ordered after every cause; among themselves by this. */
    PRIORITY_SYMPTOM = 100,
};

#endif
