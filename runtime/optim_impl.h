/*
 * optim_impl.h - the optimizer step loops, written once for both
 * precisions. Not a public header: optim.c includes it twice, with REAL
 * (the element type), SFX (the name suffix, f64 or f32) and SQRT (sqrt or
 * sqrtf) defined. Hyper-parameters are rounded to REAL once, before the
 * loop, as Keras casts them to the variable's dtype; each statement mirrors
 * one Keras op (keras/src/optimizers/), in Keras' operand order.
 */
#define OPTIM_CAT_(a, b) a##b
#define OPTIM_CAT(a, b) OPTIM_CAT_(a, b)
#define OPTIM_FN(name) OPTIM_CAT(name, SFX)

lstmc_status OPTIM_FN(lstmc_adam_step_)(REAL *param, REAL *m, REAL *v,
                                        const REAL *grad,
                                        const lstmc_adam *cfg, uint64_t step,
                                        size_t n)
{
    if (!adam_valid(cfg, step) || (n > 0 && (!param || !m || !v || !grad)))
        return LSTMC_ERR_ARG;
    const REAL alpha = (REAL)adam_alpha(cfg, step);
    const REAL one_minus_beta_1 = (REAL)(1.0 - cfg->beta_1);
    const REAL one_minus_beta_2 = (REAL)(1.0 - cfg->beta_2);
    const REAL epsilon = (REAL)cfg->epsilon;

    for (size_t i = 0; i < n; i++) {
        const REAL g = grad[i];
        m[i] += (g - m[i]) * one_minus_beta_1;
        v[i] += (g * g - v[i]) * one_minus_beta_2;
        param[i] -= (m[i] * alpha) / (SQRT(v[i]) + epsilon);
    }
    return LSTMC_OK;
}

lstmc_status OPTIM_FN(lstmc_sgd_step_)(REAL *param, REAL *velocity,
                                       const REAL *grad, const lstmc_sgd *cfg,
                                       size_t n)
{
    if (!sgd_valid(cfg) || (n > 0 && (!param || !grad)) ||
        (n > 0 && cfg->momentum != 0.0 && !velocity))
        return LSTMC_ERR_ARG;
    const REAL lr = (REAL)cfg->learning_rate;
    const REAL momentum = (REAL)cfg->momentum;

    if (cfg->momentum == 0.0) {
        for (size_t i = 0; i < n; i++)
            param[i] -= grad[i] * lr;
        return LSTMC_OK;
    }
    for (size_t i = 0; i < n; i++) {
        velocity[i] = velocity[i] * momentum - grad[i] * lr;
        if (cfg->nesterov)
            param[i] += velocity[i] * momentum - grad[i] * lr;
        else
            param[i] += velocity[i];
    }
    return LSTMC_OK;
}

lstmc_status OPTIM_FN(lstmc_rmsprop_step_)(REAL *param, REAL *velocity,
                                           REAL *mom, REAL *average_grad,
                                           const REAL *grad,
                                           const lstmc_rmsprop *cfg, size_t n)
{
    if (!rmsprop_valid(cfg) ||
        (n > 0 && (!param || !velocity || !grad)) ||
        (n > 0 && cfg->momentum > 0.0 && !mom) ||
        (n > 0 && cfg->centered && !average_grad))
        return LSTMC_ERR_ARG;
    const REAL lr = (REAL)cfg->learning_rate;
    const REAL rho = (REAL)cfg->rho;
    const REAL one_minus_rho = (REAL)(1.0 - cfg->rho);
    const REAL momentum = (REAL)cfg->momentum;
    const REAL epsilon = (REAL)cfg->epsilon;

    for (size_t i = 0; i < n; i++) {
        const REAL g = grad[i];
        REAL denominator;
        velocity[i] = rho * velocity[i] + one_minus_rho * (g * g);
        if (cfg->centered) {
            average_grad[i] = rho * average_grad[i] + one_minus_rho * g;
            denominator =
                velocity[i] - average_grad[i] * average_grad[i] + epsilon;
        } else {
            denominator = velocity[i] + epsilon;
        }
        const REAL increment = (lr * g) / SQRT(denominator);
        if (cfg->momentum > 0.0) {
            mom[i] = momentum * mom[i] + increment;
            param[i] -= mom[i];
        } else {
            param[i] -= increment;
        }
    }
    return LSTMC_OK;
}

#undef OPTIM_FN
#undef OPTIM_CAT
#undef OPTIM_CAT_
