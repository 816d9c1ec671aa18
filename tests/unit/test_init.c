/*
 * test_init: runtime/init.c against Keras' recipes. The variance-scaling
 * initialisers must match tools/gen_init_fixture.py bit for bit (same draws,
 * same double arithmetic); orthogonal must match numpy.linalg.qr with
 * Keras' sign fix to 1e-10 and be orthogonal to 1e-12; every kind keeps its
 * documented limits and layout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "close.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lstmc.h"
#include "../numeric/init_fixture.h"



static lstmc_init_kind kind_of(const char *name)
{
    lstmc_init_kind kind = LSTMC_INIT_ZEROS;
    assert_int_equal(lstmc_init_lookup(&kind, name), LSTMC_OK);
    return kind;
}

/* Run one initialiser into a fresh buffer (and workspace); caller frees. */
static double *init_new(lstmc_rng *rng, lstmc_init_kind kind, size_t rank,
                        const size_t *shape, size_t count)
{
    double *out = malloc((count ? count : 1) * sizeof *out);
    size_t nwork = lstmc_init_work_size(kind, rank, shape);
    double *work = nwork ? malloc(nwork * sizeof *work) : NULL;
    assert_non_null(out);
    assert_true(nwork == 0 || work != NULL);
    assert_int_equal(lstmc_init_f64(out, work, rng, kind, rank, shape),
                     LSTMC_OK);
    free(work);
    return out;
}

static void test_names(void **state)
{
    (void)state;
    for (unsigned k = 0; k < LSTMC_INIT_COUNT; k++) {
        const char *name = lstmc_init_name((lstmc_init_kind)k);
        assert_non_null(name);
        assert_int_equal(kind_of(name), k);
    }
    assert_string_equal(lstmc_init_name(LSTMC_INIT_GLOROT_UNIFORM),
                        "glorot_uniform");
    assert_null(lstmc_init_name(LSTMC_INIT_COUNT));

    lstmc_init_kind kind = LSTMC_INIT_ONES;
    assert_int_equal(lstmc_init_lookup(&kind, "GlorotUniform"), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_init_lookup(&kind, NULL), LSTMC_ERR_ARG);
    assert_int_equal(kind, LSTMC_INIT_ONES);
}

static void test_exact_fixture(void **state)
{
    (void)state;
    for (size_t c = 0; c < ARRAY_LEN(fx_init_exact); c++) {
        const fx_init_case *fx = &fx_init_exact[c];
        lstmc_init_kind kind = kind_of(fx->kind);
        lstmc_rng rng64, rng32;
        double *got = malloc(fx->count * sizeof *got);
        float *got32 = malloc(fx->count * sizeof *got32);
        assert_non_null(got);
        assert_non_null(got32);

        lstmc_rng_seed(&rng64, fx->seed, lstmc_rng_stream_id(fx->stream));
        lstmc_rng_seed(&rng32, fx->seed, lstmc_rng_stream_id(fx->stream));
        assert_int_equal(
            lstmc_init_f64(got, NULL, &rng64, kind, fx->rank, fx->shape),
            LSTMC_OK);
        assert_int_equal(
            lstmc_init_f32(got32, NULL, &rng32, kind, fx->rank, fx->shape),
            LSTMC_OK);
        for (size_t i = 0; i < fx->count; i++) {
            if (memcmp(&got[i], &fx->want[i], sizeof got[i]) != 0 ||
                got32[i] != (float)fx->want[i]) {
                print_error("%s [%zu]: got %a / %a (f32), want %a\n", fx->kind,
                            i, got[i], (double)got32[i], fx->want[i]);
                fail();
            }
        }
        /* Both precisions consumed the same draws. */
        assert_memory_equal(&rng64, &rng32, sizeof rng64);
        free(got);
        free(got32);
    }
}

static void test_orthogonal_matches_numpy(void **state)
{
    (void)state;
    for (size_t c = 0; c < ARRAY_LEN(fx_init_orthogonal); c++) {
        const fx_init_case *fx = &fx_init_orthogonal[c];
        lstmc_rng rng;
        lstmc_rng_seed(&rng, fx->seed, lstmc_rng_stream_id(fx->stream));
        double *got = init_new(&rng, LSTMC_INIT_ORTHOGONAL, fx->rank,
                               fx->shape, fx->count);
        assert_close(got, fx->want, fx->count, 0.0, 1e-10, fx->stream);
        free(got);
    }
}

/* G = W W^T (when W has orthonormal rows) or W^T W (orthonormal columns)
 * against the identity, in double. */
static double orthonormality_error(const double *w, size_t rows, size_t cols)
{
    bool by_rows = rows <= cols;
    size_t k = by_rows ? rows : cols, len = by_rows ? cols : rows;
    double worst = 0.0;
    for (size_t a = 0; a < k; a++) {
        for (size_t b = 0; b < k; b++) {
            double dot = 0.0;
            for (size_t t = 0; t < len; t++) {
                double x = by_rows ? w[a * cols + t] : w[t * cols + a];
                double y = by_rows ? w[b * cols + t] : w[t * cols + b];
                dot += x * y;
            }
            double err = fabs(dot - (a == b ? 1.0 : 0.0));
            if (err > worst)
                worst = err;
        }
    }
    return worst;
}

static void test_orthogonal_is_orthogonal(void **state)
{
    /* An LSTM with 50 units: recurrent kernel [50, 200]; then the other way
     * round, a square, and a one-row matrix. */
    static const size_t shapes[][2] = {{50, 200}, {200, 50}, {64, 64},
                                       {1, 9}};
    (void)state;
    for (size_t s = 0; s < ARRAY_LEN(shapes); s++) {
        size_t rows = shapes[s][0], cols = shapes[s][1];
        lstmc_rng rng;
        lstmc_rng_seed(&rng, 99, s);
        double *w = init_new(&rng, LSTMC_INIT_ORTHOGONAL, 2, shapes[s],
                             rows * cols);
        double err = orthonormality_error(w, rows, cols);
        if (!(err <= 1e-12)) {
            print_error("[%zu, %zu]: max |W W^T - I| = %.3g > 1e-12\n", rows,
                        cols, err);
            fail();
        }
        free(w);
    }

    /* f32 is the double result rounded: orthogonal to float precision. */
    const size_t shape[2] = {8, 32};
    lstmc_rng rng;
    float w32[8 * 32];
    double w[8 * 32];
    double work[2 * 32 * 8 + 2 * 8];
    assert_true(lstmc_init_work_size(LSTMC_INIT_ORTHOGONAL, 2, shape) ==
                ARRAY_LEN(work));
    lstmc_rng_seed(&rng, 5, 5);
    assert_int_equal(lstmc_init_f32(w32, work, &rng, LSTMC_INIT_ORTHOGONAL, 2,
                                    shape),
                     LSTMC_OK);
    for (size_t i = 0; i < ARRAY_LEN(w); i++)
        w[i] = w32[i];
    assert_true(orthonormality_error(w, 8, 32) <= 1e-6);
}

static void check_uniform_limit(lstmc_init_kind kind, size_t rows,
                                size_t cols, double limit)
{
    const size_t shape[2] = {rows, cols};
    size_t count = rows * cols;
    lstmc_rng rng;
    lstmc_rng_seed(&rng, 17, kind);
    double *w = init_new(&rng, kind, 2, shape, count);
    float *w32 = malloc(count * sizeof *w32);
    assert_non_null(w32);
    lstmc_rng_seed(&rng, 17, kind);
    assert_int_equal(lstmc_init_f32(w32, NULL, &rng, kind, 2, shape),
                     LSTMC_OK);

    double max_abs = 0.0, sum = 0.0;
    for (size_t i = 0; i < count; i++) {
        assert_true(w[i] >= -limit && w[i] <= limit);
        assert_true(fabsf(w32[i]) <= (float)limit);
        if (fabs(w[i]) > max_abs)
            max_abs = fabs(w[i]);
        sum += w[i];
    }
    /* The whole range is used: the extremes come within 1% of the limit,
     * and the mean is 0 within 5 standard errors (sd limit/sqrt(3)). */
    assert_true(max_abs > 0.99 * limit);
    assert_true(fabs(sum / count) < 5.0 * limit / sqrt(3.0 * count));
    free(w);
    free(w32);
}

static void test_uniform_limits(void **state)
{
    (void)state;
    /* An LSTM kernel with 100 features and 100 units: [100, 400]. */
    check_uniform_limit(LSTMC_INIT_GLOROT_UNIFORM, 100, 400, sqrt(6.0 / 500));
    check_uniform_limit(LSTMC_INIT_HE_UNIFORM, 100, 400, sqrt(6.0 / 100));
    check_uniform_limit(LSTMC_INIT_LECUN_UNIFORM, 100, 400, sqrt(3.0 / 100));
    check_uniform_limit(LSTMC_INIT_RANDOM_UNIFORM, 1000, 32, 0.05);
}

static void check_truncated_normal(lstmc_init_kind kind, size_t rows,
                                   size_t cols, double variance)
{
    const size_t shape[2] = {rows, cols};
    size_t count = rows * cols;
    double stddev = sqrt(variance) / 0.87962566103423978;
    lstmc_rng rng;
    lstmc_rng_seed(&rng, 23, kind);
    double *w = init_new(&rng, kind, 2, shape, count);

    double s2 = 0.0;
    long near_edge = 0;
    for (size_t i = 0; i < count; i++) {
        assert_true(fabs(w[i]) <= 2.0 * stddev);
        s2 += w[i] * w[i];
        near_edge += fabs(w[i]) > 1.9 * stddev;
    }
    /* Keras' correction makes the truncated draw's variance the nominal
     * one: the sample standard deviation within 2% (about 4 standard
     * errors at 40000 draws). Truncation is at 2 stddev, not before:
     * P(1.9 < |z| < 2) = 0.0119 of the untruncated normal. */
    double sd = sqrt(s2 / count);
    assert_true(fabs(sd / sqrt(variance) - 1.0) < 0.02);
    assert_true(near_edge > 0.005 * count);
    free(w);
}

static void test_truncated_normals(void **state)
{
    (void)state;
    check_truncated_normal(LSTMC_INIT_GLOROT_NORMAL, 200, 200, 2.0 / 400);
    check_truncated_normal(LSTMC_INIT_HE_NORMAL, 200, 200, 2.0 / 200);
    check_truncated_normal(LSTMC_INIT_LECUN_NORMAL, 200, 200, 1.0 / 200);
}

static void test_unit_forget_bias(void **state)
{
    enum { UNITS = 5, GATES = 4 };
    const size_t shape[1] = {GATES * UNITS};
    double b[GATES * UNITS];
    float b32[GATES * UNITS];
    (void)state;

    /* No generator needed: the bias draws nothing. */
    assert_int_equal(lstmc_init_f64(b, NULL, NULL, LSTMC_INIT_UNIT_FORGET_BIAS,
                                    1, shape),
                     LSTMC_OK);
    assert_int_equal(lstmc_init_f32(b32, NULL, NULL,
                                    LSTMC_INIT_UNIT_FORGET_BIAS, 1, shape),
                     LSTMC_OK);
    /* Gate order i, f, c, o: only the forget slice [U, 2U) is 1. */
    for (size_t i = 0; i < ARRAY_LEN(b); i++) {
        double want = (i >= UNITS && i < 2 * UNITS) ? 1.0 : 0.0;
        assert_true(b[i] == want);
        assert_true(b32[i] == (float)want);
    }

    const size_t odd[1] = {6};
    const size_t matrix[2] = {2, 8};
    assert_int_equal(lstmc_init_f64(b, NULL, NULL, LSTMC_INIT_UNIT_FORGET_BIAS,
                                    1, odd),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_init_f64(b, NULL, NULL, LSTMC_INIT_UNIT_FORGET_BIAS,
                                    2, matrix),
                     LSTMC_ERR_ARG);
}

static void test_constants_and_fans(void **state)
{
    const size_t shape[2] = {3, 4};
    double w[12];
    float w32[12];
    lstmc_rng rng;
    (void)state;

    assert_int_equal(lstmc_init_f64(w, NULL, NULL, LSTMC_INIT_ONES, 2, shape),
                     LSTMC_OK);
    assert_int_equal(
        lstmc_init_f32(w32, NULL, NULL, LSTMC_INIT_ZEROS, 2, shape), LSTMC_OK);
    for (size_t i = 0; i < 12; i++) {
        assert_true(w[i] == 1.0);
        assert_true(w32[i] == 0.0f);
    }

    /* A scalar (rank 0) has fans (1, 1): glorot limit sqrt(3). An empty
     * tensor writes nothing and accepts NULL. */
    double x;
    lstmc_rng_seed(&rng, 1, 1);
    assert_int_equal(
        lstmc_init_f64(&x, NULL, &rng, LSTMC_INIT_GLOROT_UNIFORM, 0, NULL),
        LSTMC_OK);
    assert_true(fabs(x) <= sqrt(3.0));
    const size_t empty[2] = {0, 7};
    assert_int_equal(
        lstmc_init_f64(NULL, NULL, &rng, LSTMC_INIT_GLOROT_UNIFORM, 2, empty),
        LSTMC_OK);
}

static void test_errors_draw_nothing(void **state)
{
    const size_t shape[2] = {3, 12};
    const size_t vec[1] = {12};
    const size_t huge[2] = {SIZE_MAX / 2, 3};
    double w[36], work[78];
    lstmc_rng rng, before;
    (void)state;

    assert_true(lstmc_init_work_size(LSTMC_INIT_ORTHOGONAL, 2, shape) == 78);
    assert_true(lstmc_init_work_size(LSTMC_INIT_GLOROT_UNIFORM, 2, shape) ==
                0);
    assert_true(lstmc_init_work_size(LSTMC_INIT_ORTHOGONAL, 1, vec) == 0);
    assert_true(lstmc_init_work_size(LSTMC_INIT_ORTHOGONAL, 2, huge) == 0);

    lstmc_rng_seed(&rng, 3, 3);
    before = rng;
    assert_int_equal(lstmc_init_f64(w, work, &rng, LSTMC_INIT_COUNT, 2, shape),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_init_f64(w, work, NULL, LSTMC_INIT_GLOROT_UNIFORM,
                                    2, shape),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_init_f64(w, NULL, &rng, LSTMC_INIT_ORTHOGONAL, 2,
                                    shape),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_init_f64(w, work, &rng, LSTMC_INIT_ORTHOGONAL, 1,
                                    vec),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_init_f64(NULL, work, &rng, LSTMC_INIT_ZEROS, 2,
                                    shape),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_init_f32(NULL, work, &rng, LSTMC_INIT_HE_NORMAL, 2,
                                    shape),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_init_f64(w, work, &rng, LSTMC_INIT_ZEROS, 2, NULL),
                     LSTMC_ERR_ARG);
    const size_t overflow[3] = {SIZE_MAX / 2, 2, 2};
    assert_int_equal(lstmc_init_f64(w, work, &rng, LSTMC_INIT_GLOROT_NORMAL,
                                    3, overflow),
                     LSTMC_ERR_ARG);
    assert_memory_equal(&rng, &before, sizeof rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_exact_fixture),
        cmocka_unit_test(test_orthogonal_matches_numpy),
        cmocka_unit_test(test_orthogonal_is_orthogonal),
        cmocka_unit_test(test_uniform_limits),
        cmocka_unit_test(test_truncated_normals),
        cmocka_unit_test(test_unit_forget_bias),
        cmocka_unit_test(test_constants_and_fans),
        cmocka_unit_test(test_errors_draw_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
