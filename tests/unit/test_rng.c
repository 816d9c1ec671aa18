/*
 * test_rng: runtime/rng.c against published known answers, against the
 * independent Python model (tests/numeric/rng_fixture.h, made by
 * tools/gen_rng_fixture.py), and against the distributions it promises.
 * Everything is seeded, so every statistical bound below is checked on one
 * fixed sample; the bounds are about 5 standard errors wide so that a
 * change of algorithm, not luck, is what fails them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lstmc.h"
#include "../numeric/rng_fixture.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Doubles must match bit for bit (== would let -0.0 pass for 0.0). */
static void assert_same_bits(const double *got, const double *want, size_t n,
                             const char *what)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t g, w;
        memcpy(&g, &got[i], sizeof g);
        memcpy(&w, &want[i], sizeof w);
        if (g != w) {
            print_error("%s[%zu]: got %a (%.17g), want %a (%.17g)\n", what, i,
                        got[i], got[i], want[i], want[i]);
            fail();
        }
    }
}

/* Philox4x32-10 known-answer vectors from Random123 (Salmon et al., SC'11),
 * file tests/kat_vectors of github.com/DEShawResearch/random123, the three
 * "philox4x32 10" lines: counter, key, expected output. */
static void test_philox_known_answers(void **state)
{
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
         {0x00000000, 0x00000000},
         {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    (void)state;
    for (size_t k = 0; k < ARRAY_LEN(kat); k++) {
        uint32_t out[4];
        lstmc_philox4x32_10(out, kat[k].ctr, kat[k].key);
        for (int i = 0; i < 4; i++)
            assert_int_equal(out[i], kat[k].out[i]);
    }
}

/* FNV-1a 64 test vectors from the FNV reference (Fowler, Noll, Vo;
 * draft-eastlake-fnv): "" hashes to the offset basis, "a" to
 * 0xaf63dc4c8601ec8c. */
static void test_stream_id(void **state)
{
    (void)state;
    assert_true(lstmc_rng_stream_id("") == UINT64_C(0xcbf29ce484222325));
    assert_true(lstmc_rng_stream_id("a") == UINT64_C(0xaf63dc4c8601ec8c));
    assert_true(lstmc_rng_stream_id(FX_NAMED_STREAM) == FX_NAMED_STREAM_ID);
}

static void check_u32(uint64_t seed, uint64_t stream, const uint32_t *want,
                      size_t n)
{
    lstmc_rng rng;
    lstmc_rng_seed(&rng, seed, stream);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(lstmc_rng_u32(&rng), want[i]);
}

static void test_u32_matches_reference(void **state)
{
    (void)state;
    check_u32(42, 0, fx_u32_seed42_stream0, ARRAY_LEN(fx_u32_seed42_stream0));
    check_u32(42, 1, fx_u32_seed42_stream1, ARRAY_LEN(fx_u32_seed42_stream1));
    check_u32(FX_BIG_SEED, FX_NAMED_STREAM_ID, fx_u32_named,
              ARRAY_LEN(fx_u32_named));
    check_u32(UINT64_MAX, UINT64_MAX, fx_u32_all_ones,
              ARRAY_LEN(fx_u32_all_ones));
}

/* The first block of a stream is Philox of counter (0, 0, stream) and key
 * seed: the layout lstmc.h documents. */
static void test_stream_layout(void **state)
{
    const uint32_t ctr[4] = {0, 0, 1, 0};
    const uint32_t key[2] = {42, 0};
    uint32_t out[4];
    (void)state;
    lstmc_philox4x32_10(out, ctr, key);
    for (int i = 0; i < 4; i++)
        assert_int_equal(out[i], fx_u32_seed42_stream1[i]);
}

static void test_u64_matches_reference(void **state)
{
    lstmc_rng rng, words;
    (void)state;
    lstmc_rng_seed(&rng, 7, 3);
    lstmc_rng_seed(&words, 7, 3);
    for (size_t i = 0; i < ARRAY_LEN(fx_u64_seed7_stream3); i++) {
        uint64_t lo = lstmc_rng_u32(&words);
        uint64_t hi = lstmc_rng_u32(&words);
        uint64_t got = lstmc_rng_u64(&rng);
        assert_true(got == fx_u64_seed7_stream3[i]);
        assert_true(got == (lo | hi << 32));
    }
}

static void test_uniform(void **state)
{
    lstmc_rng rng;
    double got[ARRAY_LEN(fx_uniform_seed42_stream2)];
    double got32[ARRAY_LEN(fx_uniform_f32_seed42_stream2)];
    (void)state;

    lstmc_rng_seed(&rng, 42, 2);
    for (size_t i = 0; i < ARRAY_LEN(got); i++)
        got[i] = lstmc_rng_uniform(&rng);
    assert_same_bits(got, fx_uniform_seed42_stream2, ARRAY_LEN(got),
                     "uniform");
    lstmc_rng_seed(&rng, 42, 2);
    for (size_t i = 0; i < ARRAY_LEN(got32); i++)
        got32[i] = lstmc_rng_uniform_f32(&rng);
    assert_same_bits(got32, fx_uniform_f32_seed42_stream2, ARRAY_LEN(got32),
                     "uniform_f32");

    /* Range, and a mean of 1/2 within 5 standard errors (sd 1/sqrt(12)). */
    const int n = 100000;
    double sum = 0.0, sum32 = 0.0;
    lstmc_rng_seed(&rng, 1, 0);
    for (int i = 0; i < n; i++) {
        double u = lstmc_rng_uniform(&rng);
        float f = lstmc_rng_uniform_f32(&rng);
        assert_true(u >= 0.0 && u < 1.0);
        assert_true(f >= 0.0f && f < 1.0f);
        sum += u;
        sum32 += f;
    }
    double bound = 5.0 / sqrt(12.0 * n);
    assert_true(fabs(sum / n - 0.5) < bound);
    assert_true(fabs(sum32 / n - 0.5) < bound);
}

static void test_below_matches_reference(void **state)
{
    lstmc_rng rng;
    (void)state;
    lstmc_rng_seed(&rng, 42, 3);
    for (size_t i = 0; i < ARRAY_LEN(fx_below_bounds); i++) {
        uint64_t got = lstmc_rng_below(&rng, fx_below_bounds[i]);
        assert_true(got == fx_below_results[i]);
        assert_true(got < fx_below_bounds[i]);
    }
}

static void test_below_edges_and_balance(void **state)
{
    lstmc_rng rng, before;
    (void)state;

    /* bound 0 returns 0 and draws nothing; bound 1 always gives 0. */
    lstmc_rng_seed(&rng, 5, 0);
    before = rng;
    assert_true(lstmc_rng_below(&rng, 0) == 0);
    assert_memory_equal(&rng, &before, sizeof rng);
    for (int i = 0; i < 100; i++)
        assert_true(lstmc_rng_below(&rng, 1) == 0);

    /* Each face of a die within 5 standard errors of n/6. */
    enum { FACES = 6, N = 60000 };
    long count[FACES] = {0};
    for (int i = 0; i < N; i++) {
        uint64_t k = lstmc_rng_below(&rng, FACES);
        assert_true(k < FACES);
        count[k]++;
    }
    double p = 1.0 / FACES;
    double bound = 5.0 * sqrt(N * p * (1.0 - p));
    for (int k = 0; k < FACES; k++)
        assert_true(fabs(count[k] - N * p) < bound);
}

static void test_shuffle(void **state)
{
    lstmc_rng rng;
    size_t idx[10];
    (void)state;

    lstmc_rng_seed(&rng, 42, 4);
    for (size_t i = 0; i < ARRAY_LEN(idx); i++)
        idx[i] = i;
    lstmc_rng_shuffle(&rng, idx, ARRAY_LEN(idx));
    for (size_t i = 0; i < ARRAY_LEN(idx); i++)
        assert_int_equal(idx[i], fx_shuffle_seed42_stream4[i]);

    /* A large shuffle is a permutation. */
    enum { N = 1000 };
    size_t *big = malloc(N * sizeof *big);
    unsigned char *seen = calloc(N, 1);
    assert_non_null(big);
    assert_non_null(seen);
    for (size_t i = 0; i < N; i++)
        big[i] = i;
    lstmc_rng_shuffle(&rng, big, N);
    for (size_t i = 0; i < N; i++) {
        assert_true(big[i] < N);
        assert_int_equal(seen[big[i]], 0);
        seen[big[i]] = 1;
    }
    free(big);
    free(seen);

    /* n = 0 (NULL allowed) and n = 1 draw nothing. */
    lstmc_rng before = rng;
    size_t one = 7;
    lstmc_rng_shuffle(&rng, NULL, 0);
    lstmc_rng_shuffle(&rng, &one, 1);
    assert_int_equal(one, 7);
    assert_memory_equal(&rng, &before, sizeof rng);

    /* All 3! orders of three items, each within 5 standard errors. */
    enum { TRIALS = 60000, ORDERS = 6 };
    long count[ORDERS] = {0};
    for (int t = 0; t < TRIALS; t++) {
        size_t three[3] = {0, 1, 2};
        lstmc_rng_shuffle(&rng, three, 3);
        /* Lehmer code of the order: 0..5. */
        size_t first = three[0];
        size_t second_rank = three[1] > first ? three[1] - 1 : three[1];
        count[first * 2 + second_rank]++;
    }
    double p = 1.0 / ORDERS;
    double bound = 5.0 * sqrt(TRIALS * p * (1.0 - p));
    for (int k = 0; k < ORDERS; k++)
        assert_true(fabs(count[k] - TRIALS * p) < bound);
}

/* The normals are the reproducibility claim in one test: bit-identical to
 * the Python model, which shares no code with rng.c. */
static void test_normal_matches_reference(void **state)
{
    lstmc_rng rng;
    double got[ARRAY_LEN(fx_normal_seed42_stream5)];
    (void)state;
    lstmc_rng_seed(&rng, 42, 5);
    for (size_t i = 0; i < ARRAY_LEN(got); i++)
        got[i] = lstmc_rng_normal(&rng);
    assert_same_bits(got, fx_normal_seed42_stream5, ARRAY_LEN(got), "normal");
}

/* rng.c's own log must still be a good log: redo the polar method with
 * libm's log on a copy of the generator and compare, pair by pair. s must
 * be rounded exactly as in rng.c (near s = 1 one ulp moves the result far),
 * so no FMA: products in their own statements, and the pragma for clang,
 * whose default contracts within an expression. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif
static void test_normal_accuracy_against_libm(void **state)
{
    lstmc_rng rng, copy;
    double worst = 0.0;
    (void)state;

    lstmc_rng_seed(&rng, 3, 9);
    for (int pair = 0; pair < 20000; pair++) {
        double u, v, s;
        copy = rng;
        do {
            u = 2.0 * lstmc_rng_uniform(&copy) - 1.0;
            v = 2.0 * lstmc_rng_uniform(&copy) - 1.0;
            double uu = u * u;
            double vv = v * v;
            s = uu + vv;
        } while (s >= 1.0 || s == 0.0);
        double factor = sqrt(-2.0 * log(s) / s);
        double want[2] = {u * factor, v * factor};
        for (int k = 0; k < 2; k++) {
            double z = lstmc_rng_normal(&rng);
            double rel = fabs(z - want[k]) / fabs(want[k]);
            if (rel > worst)
                worst = rel;
        }
    }
    /* A 3-ulp log error, halved by the square root, plus the roundings of
     * -2 log s / s, the sqrt and the product: a few DBL_EPSILON. */
    if (!(worst <= 4.0 * DBL_EPSILON)) {
        print_error("normal vs libm polar: max rel err %.3g > %.3g\n", worst,
                    4.0 * DBL_EPSILON);
        fail();
    }
}

static void test_normal_moments(void **state)
{
    enum { N = 100000 };
    lstmc_rng rng;
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    long tail = 0;
    (void)state;

    lstmc_rng_seed(&rng, 2024, 0);
    for (int i = 0; i < N; i++) {
        double z = lstmc_rng_normal(&rng);
        s1 += z;
        s2 += z * z;
        s3 += z * z * z;
        s4 += z * z * z * z;
        if (fabs(z) > 2.0)
            tail++;
    }
    double mean = s1 / N;
    double var = s2 / N - mean * mean;
    double skew = s3 / N;
    double kurt = s4 / N;
    /* Standard errors for N(0, 1): mean 1/sqrt(N) = 0.0032, variance
     * sqrt(2/N) = 0.0045, third moment sqrt(15/N) = 0.012, fourth moment
     * sqrt(96/N) = 0.031, P(|z| > 2) = 0.0455 with sqrt(p(1-p)/N) =
     * 0.00066. Bounds are about 5 of those. */
    assert_true(fabs(mean) < 0.016);
    assert_true(fabs(var - 1.0) < 0.023);
    assert_true(fabs(skew) < 0.06);
    assert_true(fabs(kurt - 3.0) < 0.16);
    assert_true(fabs((double)tail / N - 0.0455) < 0.0033);
}

static void test_streams_and_state(void **state)
{
    lstmc_rng a, b;
    (void)state;

    /* Reseeding restarts the stream; a copy of the struct continues it. */
    lstmc_rng_seed(&a, 11, 0);
    double first = lstmc_rng_normal(&a);
    b = a;
    for (int i = 0; i < 5; i++)
        assert_true(lstmc_rng_normal(&a) == lstmc_rng_normal(&b));
    lstmc_rng_seed(&a, 11, 0);
    assert_true(lstmc_rng_normal(&a) == first);

    /* Neighbouring streams of one seed, and one stream of neighbouring
     * seeds, share no word among their first 1000. */
    enum { N = 1000 };
    static uint32_t wa[N], wb[N], wc[N];
    lstmc_rng_seed(&a, 11, 0);
    for (int i = 0; i < N; i++)
        wa[i] = lstmc_rng_u32(&a);
    lstmc_rng_seed(&a, 11, 1);
    for (int i = 0; i < N; i++)
        wb[i] = lstmc_rng_u32(&a);
    lstmc_rng_seed(&a, 12, 0);
    for (int i = 0; i < N; i++)
        wc[i] = lstmc_rng_u32(&a);
    int same = 0;
    for (int i = 0; i < N; i++)
        same += (wa[i] == wb[i]) + (wa[i] == wc[i]);
    assert_int_equal(same, 0);
}

static void test_dropout_mask(void **state)
{
    enum { N = ARRAY_LEN(fx_dropout_seed42_stream6) };
    lstmc_rng rng, before;
    double mask[N];
    float mask32[N];
    (void)state;

    lstmc_rng_seed(&rng, 42, 6);
    assert_int_equal(lstmc_rng_dropout_mask_f64(&rng, mask, N, FX_DROPOUT_RATE),
                     LSTMC_OK);
    assert_same_bits(mask, fx_dropout_seed42_stream6, N, "dropout");
    lstmc_rng_seed(&rng, 42, 6);
    assert_int_equal(
        lstmc_rng_dropout_mask_f32(&rng, mask32, N, FX_DROPOUT_RATE),
        LSTMC_OK);
    for (int i = 0; i < N; i++)
        assert_true(mask32[i] == (float)fx_dropout_seed42_stream6[i]);

    /* rate 0 keeps everything at scale 1. */
    assert_int_equal(lstmc_rng_dropout_mask_f64(&rng, mask, N, 0.0), LSTMC_OK);
    for (int i = 0; i < N; i++)
        assert_true(mask[i] == 1.0);

    /* Invalid rates and a missing buffer draw nothing. */
    before = rng;
    assert_int_equal(lstmc_rng_dropout_mask_f64(&rng, mask, N, -0.1),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_rng_dropout_mask_f64(&rng, mask, N, 1.0),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_rng_dropout_mask_f32(&rng, mask32, N, NAN),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_rng_dropout_mask_f64(&rng, NULL, N, 0.5),
                     LSTMC_ERR_ARG);
    assert_memory_equal(&rng, &before, sizeof rng);
    assert_int_equal(lstmc_rng_dropout_mask_f64(&rng, NULL, 0, 0.5), LSTMC_OK);

    /* The kept fraction is 1 - rate within 5 standard errors, and the mean
     * of the mask is 1 (dropout keeps the expectation). */
    enum { BIG = 100000 };
    static float big[BIG];
    const double rate = 0.25;
    assert_int_equal(lstmc_rng_dropout_mask_f32(&rng, big, BIG, rate),
                     LSTMC_OK);
    long kept = 0;
    for (int i = 0; i < BIG; i++) {
        assert_true(big[i] == 0.0f || big[i] == (float)(1.0 / (1.0 - rate)));
        kept += big[i] != 0.0f;
    }
    double bound = 5.0 * sqrt(rate * (1.0 - rate) / BIG);
    assert_true(fabs((double)kept / BIG - (1.0 - rate)) < bound);
}

static void test_status_string(void **state)
{
    (void)state;
    assert_string_equal(lstmc_status_string(LSTMC_OK), "ok");
    assert_string_equal(lstmc_status_string(LSTMC_ERR_ARG), "invalid argument");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_known_answers),
        cmocka_unit_test(test_stream_id),
        cmocka_unit_test(test_u32_matches_reference),
        cmocka_unit_test(test_stream_layout),
        cmocka_unit_test(test_u64_matches_reference),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_below_matches_reference),
        cmocka_unit_test(test_below_edges_and_balance),
        cmocka_unit_test(test_shuffle),
        cmocka_unit_test(test_normal_matches_reference),
        cmocka_unit_test(test_normal_accuracy_against_libm),
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_streams_and_state),
        cmocka_unit_test(test_dropout_mask),
        cmocka_unit_test(test_status_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
