/*
 * summary: what `lstmc check` prints: a Keras-style model summary, the
 * training settings and the pipeline's steps in the order they run.
 */
#ifndef LSTMC_SUMMARY_H
#define LSTMC_SUMMARY_H

#include <stdio.h>

#include "spec.h"

void print_summary(FILE *out, const struct spec *spec);

#endif
