/*
 * optim.c - optimizer steps over a flat parameter buffer: Adam, SGD and
 * RMSprop as keras.optimizers computes them (Keras 3,
 * keras/src/optimizers/{adam,sgd,rmsprop}.py; the same update rules as
 * tf.keras 2.11+). Because parameters, gradients and optimizer state each
 * live in one contiguous buffer, one loop updates the whole model.
 *
 * The loops are in optim_impl.h, included once per precision below; this
 * file holds what both share: defaults, validation and Adam's step size.
 */
#include "lstmc.h"

#include <math.h>

lstmc_adam lstmc_adam_defaults(void)
{
    lstmc_adam cfg = {
        .learning_rate = 0.001,
        .beta_1 = 0.9,
        .beta_2 = 0.999,
        .epsilon = 1e-7,
    };
    return cfg;
}

lstmc_sgd lstmc_sgd_defaults(void)
{
    lstmc_sgd cfg = {
        .learning_rate = 0.01,
        .momentum = 0.0,
        .nesterov = false,
    };
    return cfg;
}

lstmc_rmsprop lstmc_rmsprop_defaults(void)
{
    lstmc_rmsprop cfg = {
        .learning_rate = 0.001,
        .rho = 0.9,
        .momentum = 0.0,
        .epsilon = 1e-7,
        .centered = false,
    };
    return cfg;
}

/* A NaN fails every comparison, so NaN hyper-parameters are rejected. */
static bool adam_valid(const lstmc_adam *cfg, uint64_t step)
{
    return cfg && step > 0 && cfg->beta_1 >= 0.0 && cfg->beta_1 < 1.0 &&
           cfg->beta_2 >= 0.0 && cfg->beta_2 < 1.0;
}

static bool sgd_valid(const lstmc_sgd *cfg)
{
    return cfg && cfg->momentum >= 0.0 && cfg->momentum <= 1.0;
}

static bool rmsprop_valid(const lstmc_rmsprop *cfg)
{
    return cfg && cfg->rho >= 0.0 && cfg->rho <= 1.0 && cfg->momentum >= 0.0;
}

/* base^exp by repeated squaring: libm's pow may differ in the last bit
 * between platforms, a chain of multiplications does not. */
static double power(double base, uint64_t exp)
{
    double result = 1.0;
    while (exp > 0) {
        if (exp & 1)
            result *= base;
        base *= base;
        exp >>= 1;
    }
    return result;
}

/* Adam's bias-corrected step size for step t (Kingma & Ba, section 2,
 * last paragraph; Keras' `alpha`). */
static double adam_alpha(const lstmc_adam *cfg, uint64_t step)
{
    double beta_1_power = power(cfg->beta_1, step);
    double beta_2_power = power(cfg->beta_2, step);
    return cfg->learning_rate * sqrt(1.0 - beta_2_power) /
           (1.0 - beta_1_power);
}

#define REAL double
#define SFX f64
#define SQRT sqrt
#include "optim_impl.h"
#undef REAL
#undef SFX
#undef SQRT

#define REAL float
#define SFX f32
#define SQRT sqrtf
#include "optim_impl.h"
#undef REAL
#undef SFX
#undef SQRT
