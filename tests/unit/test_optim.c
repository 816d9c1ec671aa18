/*
 * test_optim: runtime/optim.c against a numpy transcription of Keras'
 * update_step (tests/numeric/optim_fixture.h, made by
 * tools/gen_optim_fixture.py): one and three steps of Adam, SGD (plain,
 * momentum, Nesterov) and RMSprop (plain, momentum, centered), in double to
 * 1e-12 relative and in float to 1e-6 relative.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "close.h"

#include <math.h>
#include <string.h>

#include "lstmc.h"
#include "../numeric/optim_fixture.h"


#define RTOL_F64 1e-12
#define RTOL_F32 1e-6


static lstmc_adam adam_of(const fx_optim_case *fx)
{
    lstmc_adam cfg = {fx->learning_rate, fx->beta_1, fx->beta_2, fx->epsilon};
    return cfg;
}

static lstmc_sgd sgd_of(const fx_optim_case *fx)
{
    lstmc_sgd cfg = {fx->learning_rate, fx->momentum, fx->nesterov};
    return cfg;
}

static lstmc_rmsprop rmsprop_of(const fx_optim_case *fx)
{
    lstmc_rmsprop cfg = {fx->learning_rate, fx->rho, fx->momentum,
                         fx->epsilon, fx->centered};
    return cfg;
}

/* One step of the case's optimizer in double. Optional state buffers are
 * passed as NULL whenever the configuration allows it. */
static lstmc_status step_f64(const fx_optim_case *fx, double *param,
                             double *s1, double *s2, double *s3,
                             const double *grad, uint64_t t)
{
    if (strcmp(fx->optimizer, "adam") == 0) {
        lstmc_adam cfg = adam_of(fx);
        return lstmc_adam_step_f64(param, s1, s2, grad, &cfg, t, FX_OPTIM_N);
    }
    if (strcmp(fx->optimizer, "sgd") == 0) {
        lstmc_sgd cfg = sgd_of(fx);
        return lstmc_sgd_step_f64(param, cfg.momentum != 0.0 ? s1 : NULL,
                                  grad, &cfg, FX_OPTIM_N);
    }
    lstmc_rmsprop cfg = rmsprop_of(fx);
    return lstmc_rmsprop_step_f64(param, s1, cfg.momentum > 0.0 ? s2 : NULL,
                                  cfg.centered ? s3 : NULL, grad, &cfg,
                                  FX_OPTIM_N);
}

static lstmc_status step_f32(const fx_optim_case *fx, float *param,
                             float *s1, float *s2, float *s3,
                             const float *grad, uint64_t t)
{
    if (strcmp(fx->optimizer, "adam") == 0) {
        lstmc_adam cfg = adam_of(fx);
        return lstmc_adam_step_f32(param, s1, s2, grad, &cfg, t, FX_OPTIM_N);
    }
    if (strcmp(fx->optimizer, "sgd") == 0) {
        lstmc_sgd cfg = sgd_of(fx);
        return lstmc_sgd_step_f32(param, cfg.momentum != 0.0 ? s1 : NULL,
                                  grad, &cfg, FX_OPTIM_N);
    }
    lstmc_rmsprop cfg = rmsprop_of(fx);
    return lstmc_rmsprop_step_f32(param, s1, cfg.momentum > 0.0 ? s2 : NULL,
                                  cfg.centered ? s3 : NULL, grad, &cfg,
                                  FX_OPTIM_N);
}

static void test_defaults_are_keras(void **state)
{
    (void)state;
    lstmc_adam adam = lstmc_adam_defaults();
    assert_true(adam.learning_rate == 0.001 && adam.beta_1 == 0.9 &&
                adam.beta_2 == 0.999 && adam.epsilon == 1e-7);
    lstmc_sgd sgd = lstmc_sgd_defaults();
    assert_true(sgd.learning_rate == 0.01 && sgd.momentum == 0.0 &&
                !sgd.nesterov);
    lstmc_rmsprop rms = lstmc_rmsprop_defaults();
    assert_true(rms.learning_rate == 0.001 && rms.rho == 0.9 &&
                rms.momentum == 0.0 && rms.epsilon == 1e-7 && !rms.centered);
}

/* The fixture's default cases must be what the defaults functions give. */
static void test_fixture_defaults_match(void **state)
{
    (void)state;
    for (size_t c = 0; c < ARRAY_LEN(fx_optim_cases); c++) {
        const fx_optim_case *fx = &fx_optim_cases[c];
        if (strcmp(fx->name, "adam_default") == 0) {
            lstmc_adam want = lstmc_adam_defaults(), got = adam_of(fx);
            assert_memory_equal(&got, &want, sizeof got);
        } else if (strcmp(fx->name, "rmsprop_default") == 0) {
            lstmc_rmsprop want = lstmc_rmsprop_defaults(), got = rmsprop_of(fx);
            assert_true(got.learning_rate == want.learning_rate &&
                        got.rho == want.rho && got.momentum == want.momentum &&
                        got.epsilon == want.epsilon &&
                        got.centered == want.centered);
        }
    }
}

static void test_steps_f64(void **state)
{
    (void)state;
    for (size_t c = 0; c < ARRAY_LEN(fx_optim_cases); c++) {
        const fx_optim_case *fx = &fx_optim_cases[c];
        double param[FX_OPTIM_N], s1[FX_OPTIM_N] = {0}, s2[FX_OPTIM_N] = {0},
            s3[FX_OPTIM_N] = {0};
        memcpy(param, fx_optim_theta0, sizeof param);
        for (uint64_t t = 1; t <= FX_OPTIM_STEPS; t++) {
            assert_int_equal(
                step_f64(fx, param, s1, s2, s3, fx_optim_grads[t - 1], t),
                LSTMC_OK);
            assert_close(param, fx->want_f64[t - 1], FX_OPTIM_N, RTOL_F64,
                         0.0, fx->name);
        }
    }
}

static void test_steps_f32(void **state)
{
    (void)state;
    for (size_t c = 0; c < ARRAY_LEN(fx_optim_cases); c++) {
        const fx_optim_case *fx = &fx_optim_cases[c];
        float param[FX_OPTIM_N], s1[FX_OPTIM_N] = {0}, s2[FX_OPTIM_N] = {0},
            s3[FX_OPTIM_N] = {0}, grad[FX_OPTIM_N];
        double got[FX_OPTIM_N];
        for (size_t i = 0; i < FX_OPTIM_N; i++)
            param[i] = (float)fx_optim_theta0[i];
        for (uint64_t t = 1; t <= FX_OPTIM_STEPS; t++) {
            for (size_t i = 0; i < FX_OPTIM_N; i++)
                grad[i] = (float)fx_optim_grads[t - 1][i];
            assert_int_equal(step_f32(fx, param, s1, s2, s3, grad, t),
                             LSTMC_OK);
            for (size_t i = 0; i < FX_OPTIM_N; i++)
                got[i] = param[i];
            assert_close(got, fx->want_f32[t - 1], FX_OPTIM_N, RTOL_F32, 0.0,
                         fx->name);
        }
    }
}

/* Every rejected call leaves the parameters and the state alone. */
static void test_errors_update_nothing(void **state)
{
    enum { N = 3 };
    double p[N] = {1, 2, 3}, m[N] = {0}, v[N] = {0};
    const double g[N] = {0.5, 0.5, 0.5};
    float pf[N] = {1, 2, 3}, vf[N] = {0};
    const float gf[N] = {0.5f, 0.5f, 0.5f};
    (void)state;

    lstmc_adam adam = lstmc_adam_defaults();
    assert_int_equal(lstmc_adam_step_f64(p, m, v, g, &adam, 0, N),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_adam_step_f64(p, m, v, g, NULL, 1, N),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_adam_step_f64(p, NULL, v, g, &adam, 1, N),
                     LSTMC_ERR_ARG);
    adam.beta_1 = 1.0;
    assert_int_equal(lstmc_adam_step_f64(p, m, v, g, &adam, 1, N),
                     LSTMC_ERR_ARG);
    adam.beta_1 = 0.9;
    adam.beta_2 = NAN;
    assert_int_equal(lstmc_adam_step_f32(pf, vf, vf, gf, &adam, 1, N),
                     LSTMC_ERR_ARG);

    lstmc_sgd sgd = lstmc_sgd_defaults();
    sgd.momentum = 1.5;
    assert_int_equal(lstmc_sgd_step_f64(p, v, g, &sgd, N), LSTMC_ERR_ARG);
    sgd.momentum = -0.1;
    assert_int_equal(lstmc_sgd_step_f32(pf, vf, gf, &sgd, N), LSTMC_ERR_ARG);
    sgd.momentum = 0.9;
    assert_int_equal(lstmc_sgd_step_f64(p, NULL, g, &sgd, N), LSTMC_ERR_ARG);

    lstmc_rmsprop rms = lstmc_rmsprop_defaults();
    assert_int_equal(lstmc_rmsprop_step_f64(p, NULL, NULL, NULL, g, &rms, N),
                     LSTMC_ERR_ARG);
    rms.centered = true;
    assert_int_equal(lstmc_rmsprop_step_f64(p, v, NULL, NULL, g, &rms, N),
                     LSTMC_ERR_ARG);
    rms.centered = false;
    rms.momentum = 0.5;
    assert_int_equal(lstmc_rmsprop_step_f32(pf, vf, NULL, NULL, gf, &rms, N),
                     LSTMC_ERR_ARG);
    rms.momentum = 0.0;
    rms.rho = 1.5;
    assert_int_equal(lstmc_rmsprop_step_f64(p, v, NULL, NULL, g, &rms, N),
                     LSTMC_ERR_ARG);

    for (int i = 0; i < N; i++) {
        assert_true(p[i] == i + 1 && m[i] == 0.0 && v[i] == 0.0);
        assert_true(pf[i] == (float)(i + 1) && vf[i] == 0.0f);
    }

    /* An empty buffer needs no pointers. */
    adam = lstmc_adam_defaults();
    assert_int_equal(lstmc_adam_step_f64(NULL, NULL, NULL, NULL, &adam, 1, 0),
                     LSTMC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_keras),
        cmocka_unit_test(test_fixture_defaults_match),
        cmocka_unit_test(test_steps_f64),
        cmocka_unit_test(test_steps_f32),
        cmocka_unit_test(test_errors_update_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
