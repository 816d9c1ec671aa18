/*
 * test_gemm: runtime/gemm.c. A product worked by hand; then, at every
 * kernel level this machine runs, random shapes that cover the full
 * blocks and each tail (rows not a multiple of 4, columns not a multiple
 * of the block or the vector), both op(a), leading dimensions wider than
 * the rows, in float and double, against the triple loop below bit for
 * bit: the promise that the results do not depend on the machine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemm_impl.h"
#include "lstmc.h"

/* c += op(a) b, each element summed over k in order: the reference. */
#define DEFINE_NAIVE(NAME, T)                                                               \
    static void NAME(int ta, size_t m, size_t n, size_t k, const T *a, size_t lda,         \
                     const T *b, size_t ldb, T *c, size_t ldc)                             \
    {                                                                                      \
        for (size_t i = 0; i < m; i++)                                                     \
            for (size_t j = 0; j < n; j++) {                                               \
                T s = c[i * ldc + j];                                                      \
                for (size_t p = 0; p < k; p++)                                             \
                    s = s + (ta ? a[p * lda + i] : a[i * lda + p]) * b[p * ldb + j];       \
                c[i * ldc + j] = s;                                                        \
            }                                                                              \
    }
DEFINE_NAIVE(naive_f32, float)
DEFINE_NAIVE(naive_f64, double)

static void test_by_hand(void **state)
{
    (void)state;
    /* [1 2 3; 4 5 6] x [1 0; 0 1; 2 -1] = [7 -1; 16 -1], added to c = [1 1; 1 1] */
    const double a[] = {1, 2, 3, 4, 5, 6};
    const double at[] = {1, 4, 2, 5, 3, 6};
    const double b[] = {1, 0, 0, 1, 2, -1};
    const double want[] = {8, 0, 17, 0};
    for (int level = LSTMC_GEMM_PLAIN; level <= lstmc_gemm_level_max(); level++) {
        double c[] = {1, 1, 1, 1}, ct[] = {1, 1, 1, 1};
        lstmc_gemm_f64_at(level, 0, 2, 2, 3, a, 3, b, 2, c, 2);
        lstmc_gemm_f64_at(level, 1, 2, 2, 3, at, 2, b, 2, ct, 2);
        assert_memory_equal(c, want, sizeof want);
        assert_memory_equal(ct, want, sizeof want);
    }
    float t[6], tp[9] = {0, 0, 9, 0, 0, 9, 0, 0, 9};
    const float src[] = {1, 2, 3, 4, 5, 6}, tw[] = {1, 4, 2, 5, 3, 6};
    const float tpw[] = {1, 4, 9, 2, 5, 9, 3, 6, 9};
    lstmc_transpose_f32(2, 3, src, t, 2);
    assert_memory_equal(t, tw, sizeof tw);
    /* rows of 3: the third element of each is left alone */
    lstmc_transpose_f32(2, 3, src, tp, 3);
    assert_memory_equal(tp, tpw, sizeof tpw);
}

/* Small integers times powers of two would make every order agree; these
 * values make the order of the additions show in the bits. */
static double value(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return (double)(int64_t)(*s >> 11) / (double)(1ull << 52) - 0.5;
}

static const size_t shapes[][3] = {
    /* m, n, k */
    {1, 1, 1},     {3, 7, 5},     {4, 64, 1},    {4, 64, 50},   {5, 200, 50},
    {32, 200, 50}, {32, 50, 200}, {7, 17, 3},    {8, 33, 9},    {64, 400, 100},
    {2, 15, 31},   {9, 100, 128}, {4, 16, 0},    {0, 8, 8},     {6, 8, 4},
    {5, 19, 600},  {4, 3, 300},   {9, 50, 257},
    {11, 47, 20},  {12, 63, 7},   {9, 39, 5},    /* every strip width, 1 to 3 vectors left */
    {3, 249, 6},   {17, 130, 33}, {10, 200, 50}, {7, 300, 9}, /* the last 2 and 1 rows */
    {6, 403, 500}, {3, 1000, 90}, /* k in slices of 256 KiB of B */
};

#define DEFINE_RANDOM_TEST(NAME, T, NAIVE, AT)                                              \
    static void NAME(void **state)                                                         \
    {                                                                                      \
        (void)state;                                                                       \
        uint64_t seed = 7;                                                                 \
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)                      \
            for (int ta = 0; ta < 2; ta++) {                                               \
                const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];         \
                /* leading dimensions 3 wider than the rows they hold */                   \
                const size_t lda = (ta ? m : k) + 3, ldb = n + 3, ldc = n + 3;             \
                const size_t na = (ta ? k : m) * lda + 1, nb = k * ldb + 1, nc = m * ldc + 1; \
                T *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);                \
                T *want = malloc(nc * sizeof *want), *got = malloc(nc * sizeof *got);      \
                T *c0 = malloc(nc * sizeof *c0);                                           \
                assert_true(a && b && want && got && c0);                                  \
                for (size_t i = 0; i < na; i++)                                            \
                    a[i] = (T)value(&seed);                                                \
                for (size_t i = 0; i < nb; i++)                                            \
                    b[i] = (T)value(&seed);                                                \
                for (size_t i = 0; i < nc; i++)                                            \
                    c0[i] = (T)value(&seed);                                               \
                memcpy(want, c0, nc * sizeof *want);                                       \
                NAIVE(ta, m, n, k, a, lda, b, ldb, want, ldc);                             \
                for (int level = LSTMC_GEMM_PLAIN; level <= lstmc_gemm_level_max(); level++) { \
                    memcpy(got, c0, nc * sizeof *got);                                     \
                    AT(level, ta, m, n, k, a, lda, b, ldb, got, ldc);                      \
                    if (memcmp(got, want, nc * sizeof *got) != 0) {                        \
                        print_error("level %d, a_trans %d, m %zu n %zu k %zu: not the "    \
                                    "triple loop's bits\n", level, ta, m, n, k);           \
                        fail();                                                            \
                    }                                                                      \
                }                                                                          \
                free(a);                                                                   \
                free(b);                                                                   \
                free(want);                                                                \
                free(got);                                                                 \
                free(c0);                                                                  \
            }                                                                              \
    }
DEFINE_RANDOM_TEST(test_random_f32, float, naive_f32, lstmc_gemm_f32_at)
DEFINE_RANDOM_TEST(test_random_f64, double, naive_f64, lstmc_gemm_f64_at)

/* The public entry points are the best level. */
static void test_dispatch(void **state)
{
    (void)state;
    uint64_t seed = 11;
    float a[9 * 50], b[50 * 200], c1[9 * 200], c2[9 * 200];
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        a[i] = (float)value(&seed);
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        b[i] = (float)value(&seed);
    memset(c1, 0, sizeof c1);
    memset(c2, 0, sizeof c2);
    lstmc_gemm_f32(NULL, 0, 9, 200, 50, a, 50, b, 200, c1, 200);
    naive_f32(0, 9, 200, 50, a, 50, b, 200, c2, 200);
    assert_memory_equal(c1, c2, sizeof c1);
    print_message("kernel level on this machine: %d\n", lstmc_gemm_level_max());
}

/* Split among threads, by rows of C: the bits of one thread, whatever the
 * number of threads and rows (blocks of 4 that do not divide evenly). */
/* The same bits on 1 to 5 threads, shared by rows of C (m >= n) and by
 * panels of columns (m < n). */
static void check_threads(size_t m, size_t n, size_t k)
{
    uint64_t seed = 13;
    double *a = malloc(k * m * sizeof *a), *b = malloc(k * n * sizeof *b);
    double *one = malloc(m * n * sizeof *one), *many = malloc(m * n * sizeof *many);
    double *c = malloc(m * n * sizeof *c);
    assert_true(a && b && one && many && c);
    for (size_t i = 0; i < k * m; i++)
        a[i] = value(&seed);
    for (size_t i = 0; i < k * n; i++)
        b[i] = value(&seed);
    for (int ta = 0; ta < 2; ta++) {
        for (size_t i = 0; i < m * n; i++)
            one[i] = value(&seed);
        memcpy(many, one, m * n * sizeof *many);
        lstmc_gemm_f64(NULL, ta, m, n, k, a, ta ? m : k, b, n, one, n);
        for (unsigned threads = 2; threads <= 5; threads++) {
            lstmc_pool *pool;
            assert_int_equal(lstmc_pool_create(&pool, threads), LSTMC_OK);
            assert_int_equal(lstmc_pool_threads(pool), threads);
            memcpy(c, many, m * n * sizeof *c);
            /* twice: the second job finds the workers spinning or asleep */
            lstmc_gemm_f64(pool, ta, m, n, k, a, ta ? m : k, b, n, c, n);
            assert_memory_equal(c, one, m * n * sizeof *c);
            memcpy(c, many, m * n * sizeof *c);
            lstmc_gemm_f64(pool, ta, m, n, k, a, ta ? m : k, b, n, c, n);
            assert_memory_equal(c, one, m * n * sizeof *c);
            lstmc_pool_destroy(pool);
        }
    }
    free(a);
    free(b);
    free(one);
    free(many);
    free(c);
}

static void test_threads(void **state)
{
    (void)state;
    check_threads(203, 70, 129);  /* by rows */
    check_threads(70, 203, 129);  /* by columns */
    check_threads(3, 1000, 400);  /* by columns, fewer rows than a block */
}

/* lstmc_gemm_bias: the bits of filling c with the bias (or zeros) and
 * calling lstmc_gemm, on one thread and shared by rows and by columns. */
static void test_bias(void **state)
{
    (void)state;
    static const size_t shapes[][3] = {{203, 70, 129}, {70, 203, 129}, {5, 19, 7}, {0, 4, 3}};
    uint64_t seed = 17;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ldc = n + 2;
        float *a = malloc((k * m + 1) * sizeof *a), *b = malloc(k * n * sizeof *b);
        float *bias = malloc(n * sizeof *bias);
        float *want = malloc((m * ldc + 1) * sizeof *want), *got = malloc((m * ldc + 1) * sizeof *got);
        assert_true(a && b && bias && want && got);
        for (size_t i = 0; i < k * m; i++)
            a[i] = (float)value(&seed);
        for (size_t i = 0; i < k * n; i++)
            b[i] = (float)value(&seed);
        for (size_t i = 0; i < n; i++)
            bias[i] = (float)value(&seed);
        for (int with_bias = 0; with_bias < 2; with_bias++)
            for (unsigned threads = 1; threads <= 3; threads++) {
                lstmc_pool *pool = NULL;
                if (threads > 1)
                    assert_int_equal(lstmc_pool_create(&pool, threads), LSTMC_OK);
                for (size_t i = 0; i < m * ldc + 1; i++)
                    want[i] = got[i] = (float)value(&seed);
                for (size_t i = 0; i < m; i++)
                    for (size_t j = 0; j < n; j++)
                        want[i * ldc + j] = with_bias ? bias[j] : 0;
                lstmc_gemm_f32(NULL, 0, m, n, k, a, k, b, n, want, ldc);
                lstmc_gemm_bias_f32(pool, 0, m, n, k, a, k, b, n, with_bias ? bias : NULL, got, ldc);
                /* the columns past n and the element past the last row untouched */
                assert_memory_equal(got, want, (m * ldc + 1) * sizeof *got);
                lstmc_pool_destroy(pool);
            }
        free(a);
        free(b);
        free(bias);
        free(want);
        free(got);
    }
}

static void count_part(void *arg, unsigned part, unsigned parts)
{
    unsigned *seen = arg;
    assert_true(part < parts);
    __atomic_fetch_add(&seen[part], 1, __ATOMIC_RELAXED);
}

/* Every part runs once per job, also after the workers have slept. */
static void test_pool(void **state)
{
    (void)state;
    lstmc_pool *pool = NULL;
    assert_int_equal(lstmc_pool_create(&pool, 0), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_pool_create(&pool, LSTMC_POOL_MAX_THREADS + 1), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_pool_threads(NULL), 1);
    assert_int_equal(lstmc_pool_create(&pool, 3), LSTMC_OK);
    unsigned seen[3] = {0, 0, 0};
    for (int job = 0; job < 1000; job++)
        lstmc_pool_run(pool, count_part, seen);
    for (int i = 0; i < 3; i++)
        assert_int_equal(seen[i], 1000);
    struct timespec nap = {0, 300 * 1000 * 1000};
    nanosleep(&nap, NULL);
    lstmc_pool_run(pool, count_part, seen);
    for (int i = 0; i < 3; i++)
        assert_int_equal(seen[i], 1001);
    lstmc_pool_destroy(pool);
    lstmc_pool_destroy(NULL);
    unsigned alone = 0;
    lstmc_pool_run(NULL, count_part, &alone);
    assert_int_equal(alone, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_random_f32),
        cmocka_unit_test(test_random_f64),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_bias),
        cmocka_unit_test(test_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
