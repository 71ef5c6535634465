/* detect-topics.h — the detector tests, one file per topic, each adding its tests. */
#ifndef FL_DETECT_TOPICS_H
#define FL_DETECT_TOPICS_H

void test_detect_output_add(void);   /* symptoms: constant, zero, identical, one class */
void test_detect_dynamics_add(void); /* no update, divergence, gradients, oscillation */
void test_detect_units_add(void);    /* dead ReLUs, saturation, bad initialization */
void test_detect_data_add(void);     /* the data and configuration causes */

#endif
