/*
 * gemm_impl.h - the levels of gemm.c's kernels, for the tests that run
 * each level the machine has against the plain loop. Not a public header.
 */
#ifndef LSTMC_GEMM_IMPL_H
#define LSTMC_GEMM_IMPL_H

#include <stddef.h>

enum {
    LSTMC_GEMM_PLAIN,   /* the triple loop */
    LSTMC_GEMM_VEC,     /* 16-byte vectors (x86-64's SSE2) */
    LSTMC_GEMM_AVX2,
    LSTMC_GEMM_AVX512
};

/* The highest level this build and this machine run. */
int lstmc_gemm_level_max(void);

/* lstmc_gemm_f32/f64 at a given level (at most lstmc_gemm_level_max()). */
void lstmc_gemm_f32_at(int level, int a_trans, size_t m, size_t n, size_t k, const float *a,
                       size_t lda, const float *b, size_t ldb, float *c, size_t ldc);
void lstmc_gemm_f64_at(int level, int a_trans, size_t m, size_t n, size_t k, const double *a,
                       size_t lda, const double *b, size_t ldb, double *c, size_t ldc);

#endif
