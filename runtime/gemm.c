/*
 * gemm.c - the small matrix products of one LSTM step (lstmc.h).
 *
 * C += op(A) B for the shapes a time step has: a batch of rows times a
 * kernel of some tens of kilobytes that stays in the caches from step to
 * step. BLAS packs both operands on every call, which for these shapes
 * costs as much as the product; here a block of 4 rows of C by up to 4
 * vectors of columns stays in registers while k runs, B is read in place
 * and A one element at a time.
 *
 * Every element of C adds its products in the order of k, (c + a0 b0) +
 * a1 b1 ..., whichever block, vector width or tail computes it; with no
 * contraction into FMAs (this file is built with -ffp-contract=off) the
 * result is the plain triple loop's, bit for bit, on every machine.
 */
#include "gemm_impl.h"
#include "lstmc.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define LSTMC_GEMM_X86 1
#else
#define LSTMC_GEMM_X86 0
#endif

/* Row-major element (i, k) of op(A). */
#define A_AT(a, lda, trans, i, k) ((trans) ? (a)[(size_t)(k) * (lda) + (i)] : (a)[(size_t)(i) * (lda) + (k)])

/* The plain loop, for compilers without vector extensions. */
#define DEFINE_GEMM_PLAIN(NAME, T)                                                          \
    static void NAME(int ta, size_t m, size_t n, size_t k, const T *a, size_t lda,          \
                     const T *b, size_t ldb, T *c, size_t ldc)                              \
    {                                                                                       \
        for (size_t i = 0; i < m; i++)                                                      \
            for (size_t j = 0; j < n; j++) {                                                \
                T s = c[i * ldc + j];                                                       \
                for (size_t p = 0; p < k; p++)                                              \
                    s = s + A_AT(a, lda, ta, i, p) * b[p * ldb + j];                        \
                c[i * ldc + j] = s;                                                         \
            }                                                                               \
    }

DEFINE_GEMM_PLAIN(gemm_plain_f32, float)
DEFINE_GEMM_PLAIN(gemm_plain_f64, double)

#if defined(__GNUC__)

/*
 * A strip of W columns of C (W a power of two, below the kernel's vector
 * length): one vector of W elements per row, 8 rows at a time (8 sums in
 * flight) and then one. The kernels' last n % VL columns are strips of 8,
 * 4, 2 and 1, so they are vector code too without a padded copy of B.
 */
#define DEFINE_GEMM_STRIP(NAME, T, W, TARGET)                                               \
    typedef T NAME##_vu __attribute__((vector_size((W) * sizeof(T)), aligned(sizeof(T)),   \
                                       may_alias));                                         \
    TARGET __attribute__((unused)) static void NAME(int ta, size_t m, size_t j, size_t k,   \
                                                    const T *a, size_t lda, const T *b,     \
                                                    size_t ldb, T *c, size_t ldc)           \
    {                                                                                       \
        size_t i = 0;                                                                       \
        for (; i + 8 <= m; i += 8) {                                                        \
            NAME##_vu acc[8];                                                               \
            _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)                             \
                acc[r] = *(const NAME##_vu *)(c + (i + r) * ldc + j);                       \
            for (size_t p = 0; p < k; p++) {                                                \
                const NAME##_vu bv = *(const NAME##_vu *)(b + p * ldb + j);                 \
                _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)                         \
                    acc[r] = acc[r] + A_AT(a, lda, ta, i + r, p) * bv;                      \
            }                                                                               \
            _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)                             \
                *(NAME##_vu *)(c + (i + r) * ldc + j) = acc[r];                             \
        }                                                                                   \
        for (; i < m; i++) {                                                                \
            NAME##_vu acc = *(const NAME##_vu *)(c + i * ldc + j);                          \
            for (size_t p = 0; p < k; p++)                                                  \
                acc = acc + A_AT(a, lda, ta, i, p) * *(const NAME##_vu *)(b + p * ldb + j); \
            *(NAME##_vu *)(c + i * ldc + j) = acc;                                          \
        }                                                                                   \
    }

/*
 * A tile of C: R rows by QV vectors (VT, VU unaligned) from row i and
 * column j, in registers while k runs. B is read in place, A one element
 * at a time; each element adds its products in the order of k.
 */
#define DEFINE_GEMM_TILE(NAME, T, VT, VU, VL, R, QV, TARGET)                                 \
    TARGET __attribute__((unused, always_inline)) static inline void NAME(                  \
        int ta, size_t i, size_t j, size_t k, const T *a, size_t lda, const T *b,           \
        size_t ldb, T *c, size_t ldc)                                                       \
    {                                                                                       \
        VT acc[R][QV];                                                                      \
        _Pragma("GCC unroll 4") for (int r = 0; r < (R); r++)                               \
            _Pragma("GCC unroll 8") for (int q = 0; q < (QV); q++)                          \
                acc[r][q] = *(const VU *)(c + (i + r) * ldc + j + (VL) * q);                \
        for (size_t p = 0; p < k; p++) {                                                    \
            VT bv[QV];                                                                      \
            _Pragma("GCC unroll 8") for (int q = 0; q < (QV); q++)                          \
                bv[q] = *(const VU *)(b + p * ldb + j + (VL) * q);                          \
            _Pragma("GCC unroll 4") for (int r = 0; r < (R); r++) {                         \
                const T av = A_AT(a, lda, ta, i + r, p);                                    \
                _Pragma("GCC unroll 8") for (int q = 0; q < (QV); q++)                      \
                    acc[r][q] = acc[r][q] + av * bv[q];                                     \
            }                                                                               \
        }                                                                                   \
        _Pragma("GCC unroll 4") for (int r = 0; r < (R); r++)                               \
            _Pragma("GCC unroll 8") for (int q = 0; q < (QV); q++)                          \
                *(VU *)(c + (i + r) * ldc + j + (VL) * q) = acc[r][q];                      \
    }

/*
 * Rows i .. while R of them are left (of m), in tiles of R rows: 2Q
 * vectors per tile, then the vectors left in tiles of 4, 2 and 1. Part of
 * a kernel's block function (i, m, nv and the operands in scope).
 */
#define GEMM_SHORT_ROWS(NAME, R, VL, Q)                                                     \
    for (; i + (R) <= m; i += (R)) {                                                        \
        size_t j = 0;                                                                       \
        for (; j + (VL) * 2 * (Q) <= nv; j += (VL) * 2 * (Q))                               \
            NAME##_t##R##xqq(ta, i, j, k, a, lda, b, ldb, c, ldc);                          \
        for (size_t v = (nv - j) / (VL), w = 4; w; w /= 2)                                  \
            if (v & w) {                                                                    \
                w == 4   ? NAME##_t##R##x4(ta, i, j, k, a, lda, b, ldb, c, ldc)             \
                : w == 2 ? NAME##_t##R##x2(ta, i, j, k, a, lda, b, ldb, c, ldc)             \
                         : NAME##_t##R##x1(ta, i, j, k, a, lda, b, ldb, c, ldc);            \
                j += w * (VL);                                                              \
            }                                                                               \
    }

/*
 * One kernel: vectors of VL elements of T (V aligned, VU for loads and
 * stores anywhere). The columns that fill whole vectors: blocks of 4 rows
 * by Q vectors and the vectors left in one tile; the last rows two and
 * then one at a time, 2Q vectors per tile and the rest in tiles of 4, 2
 * and 1 vectors. The last n % VL (< 16) columns: strips
 * (DEFINE_GEMM_STRIP). Every column sums in the order of k. TARGET is the
 * instruction set it is compiled for.
 */
/* Rows of B per pass over C: as many as fill K_BLOCK_BYTES (the slice of
 * B stays in L2) and its panel of one tile's columns PANEL_BYTES (the
 * panel stays in L1 while the tiles of a block of rows of A, A_BLOCK_BYTES
 * of A, go over it). Large k (the weight gradients, summed over all steps
 * of a batch) is taken in such slices, in order, so each element still
 * sums in the order of k. */
#define K_BLOCK_BYTES (256 * 1024)
#define PANEL_BYTES (16 * 1024)
#define A_BLOCK_BYTES (128 * 1024)
#define DEFINE_GEMM_KERNEL(NAME, T, VL, Q, TARGET)                                          \
    typedef T NAME##_v __attribute__((vector_size((VL) * sizeof(T))));                      \
    typedef T NAME##_vu __attribute__((vector_size((VL) * sizeof(T)), aligned(sizeof(T)),  \
                                       may_alias));                                         \
    DEFINE_GEMM_STRIP(NAME##_s8, T, 8, TARGET)                                              \
    DEFINE_GEMM_STRIP(NAME##_s4, T, 4, TARGET)                                              \
    DEFINE_GEMM_STRIP(NAME##_s2, T, 2, TARGET)                                              \
    DEFINE_GEMM_STRIP(NAME##_s1, T, 1, TARGET)                                              \
    TARGET static void NAME##_tail(int ta, size_t m, size_t j, size_t n, size_t k,          \
                                   const T *a, size_t lda, const T *b, size_t ldb, T *c,    \
                                   size_t ldc)                                              \
    {                                                                                       \
        const size_t w = n - j;                                                             \
        if (w & 8) {                                                                        \
            NAME##_s8(ta, m, j, k, a, lda, b, ldb, c, ldc);                                 \
            j += 8;                                                                         \
        }                                                                                   \
        if (w & 4) {                                                                        \
            NAME##_s4(ta, m, j, k, a, lda, b, ldb, c, ldc);                                 \
            j += 4;                                                                         \
        }                                                                                   \
        if (w & 2) {                                                                        \
            NAME##_s2(ta, m, j, k, a, lda, b, ldb, c, ldc);                                 \
            j += 2;                                                                         \
        }                                                                                   \
        if (w & 1)                                                                          \
            NAME##_s1(ta, m, j, k, a, lda, b, ldb, c, ldc);                                 \
    }                                                                                       \
    /* tiles of 4 rows: Q vectors, and the 3, 2 or 1 left */                                \
    DEFINE_GEMM_TILE(NAME##_t4xq, T, NAME##_v, NAME##_vu, VL, 4, (Q), TARGET)               \
    DEFINE_GEMM_TILE(NAME##_t4x3, T, NAME##_v, NAME##_vu, VL, 4, 3, TARGET)                 \
    DEFINE_GEMM_TILE(NAME##_t4x2, T, NAME##_v, NAME##_vu, VL, 4, 2, TARGET)                 \
    DEFINE_GEMM_TILE(NAME##_t4x1, T, NAME##_v, NAME##_vu, VL, 4, 1, TARGET)                 \
    /* of 2 and 1 rows: 2Q vectors, and 4, 2, 1 for what is left (2Q <= 8) */               \
    DEFINE_GEMM_TILE(NAME##_t2xqq, T, NAME##_v, NAME##_vu, VL, 2, 2 * (Q), TARGET)          \
    DEFINE_GEMM_TILE(NAME##_t2x4, T, NAME##_v, NAME##_vu, VL, 2, 4, TARGET)                 \
    DEFINE_GEMM_TILE(NAME##_t2x2, T, NAME##_v, NAME##_vu, VL, 2, 2, TARGET)                 \
    DEFINE_GEMM_TILE(NAME##_t2x1, T, NAME##_v, NAME##_vu, VL, 2, 1, TARGET)                 \
    DEFINE_GEMM_TILE(NAME##_t1xqq, T, NAME##_v, NAME##_vu, VL, 1, 2 * (Q), TARGET)          \
    DEFINE_GEMM_TILE(NAME##_t1x4, T, NAME##_v, NAME##_vu, VL, 1, 4, TARGET)                 \
    DEFINE_GEMM_TILE(NAME##_t1x2, T, NAME##_v, NAME##_vu, VL, 1, 2, TARGET)                 \
    DEFINE_GEMM_TILE(NAME##_t1x1, T, NAME##_v, NAME##_vu, VL, 1, 1, TARGET)                 \
    TARGET static void NAME##_block(int ta, size_t m, size_t n, size_t k, const T *a,       \
                                    size_t lda, const T *b, size_t ldb, T *c, size_t ldc)   \
    {                                                                                       \
        const size_t nv = n / (VL) * (VL), m4 = m / 4 * 4;                                  \
        /* blocks of rows of A (A_BLOCK_BYTES), each tile's panel of B over all of them */  \
        size_t mb = A_BLOCK_BYTES / (k * sizeof(T) + 1) / 4 * 4;                            \
        mb = mb < 4 ? 4 : mb;                                                               \
        for (size_t i0 = 0; i0 < m4; i0 += mb) {                                            \
            const size_t i1 = m4 - i0 < mb ? m4 : i0 + mb;                                  \
            size_t j = 0;                                                                   \
            for (; j + (VL) * (Q) <= nv; j += (VL) * (Q))                                   \
                for (size_t i = i0; i < i1; i += 4)                                         \
                    NAME##_t4xq(ta, i, j, k, a, lda, b, ldb, c, ldc);                       \
            /* the vectors left, fewer than Q, in one tile */                               \
            for (size_t i = i0; i < i1; i += 4)                                             \
                switch ((nv - j) / (VL)) {                                                  \
                case 3: NAME##_t4x3(ta, i, j, k, a, lda, b, ldb, c, ldc); break;            \
                case 2: NAME##_t4x2(ta, i, j, k, a, lda, b, ldb, c, ldc); break;            \
                case 1: NAME##_t4x1(ta, i, j, k, a, lda, b, ldb, c, ldc); break;            \
                }                                                                           \
        }                                                                                   \
        size_t i = m4;                                                                      \
        /* two of the last rows together, then one */                                       \
        GEMM_SHORT_ROWS(NAME, 2, VL, Q)                                                     \
        GEMM_SHORT_ROWS(NAME, 1, VL, Q)                                                     \
        if (nv < n)                                                                         \
            NAME##_tail(ta, m, nv, n, k, a, lda, b, ldb, c, ldc);                           \
    }                                                                                       \
    TARGET static void NAME(int ta, size_t m, size_t n, size_t k, const T *a, size_t lda,   \
                            const T *b, size_t ldb, T *c, size_t ldc)                       \
    {                                                                                       \
        if (m == 0 || n == 0)                                                               \
            return;                                                                         \
        size_t kb = K_BLOCK_BYTES / (n * sizeof(T));                                        \
        const size_t kp = PANEL_BYTES / ((VL) * (Q) * sizeof(T));                           \
        kb = kb < kp ? kb : kp;                                                             \
        kb = kb < 16 ? 16 : kb;                                                             \
        for (size_t p0 = 0; p0 < k; p0 += kb) {                                             \
            const size_t kc = k - p0 < kb ? k - p0 : kb;                                    \
            NAME##_block(ta, m, n, kc, ta ? a + p0 * lda : a + p0, lda, b + p0 * ldb, ldb,  \
                         c, ldc);                                                           \
        }                                                                                   \
    }

#if LSTMC_GEMM_X86
/* AVX-512 holds the 4 x 4 block in 16 of its 32 registers; AVX2 a 4 x 2
 * block in 8 of 16; the x86-64 baseline SSE2 a 4 x 2 block. */
#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2")))
DEFINE_GEMM_KERNEL(gemm_avx512_f32, float, 16, 4, AVX512)
DEFINE_GEMM_KERNEL(gemm_avx2_f32, float, 8, 2, AVX2)
DEFINE_GEMM_KERNEL(gemm_avx512_f64, double, 8, 4, AVX512)
DEFINE_GEMM_KERNEL(gemm_avx2_f64, double, 4, 2, AVX2)
#endif
DEFINE_GEMM_KERNEL(gemm_vec_f32, float, 4, 2, )
DEFINE_GEMM_KERNEL(gemm_vec_f64, double, 2, 2, )
#endif

int lstmc_gemm_level_max(void)
{
#if LSTMC_GEMM_X86
    if (__builtin_cpu_supports("avx512f"))
        return LSTMC_GEMM_AVX512;
    if (__builtin_cpu_supports("avx2"))
        return LSTMC_GEMM_AVX2;
    return LSTMC_GEMM_VEC;
#elif defined(__GNUC__)
    return LSTMC_GEMM_VEC;
#else
    return LSTMC_GEMM_PLAIN;
#endif
}

/* Levels above what the build or the machine has fall back to the best
 * one below them. */
#define DEFINE_GEMM_AT(SFX, T)                                                              \
    /* The kernel of a level the machine has. */                                            \
    static void gemm_level_##SFX(int level, int ta, size_t m, size_t n, size_t k,           \
                                 const T *a, size_t lda, const T *b, size_t ldb, T *c,      \
                                 size_t ldc)                                                \
    {                                                                                       \
        switch (level) {                                                                    \
        GEMM_X86_CASES(SFX, ta, m, n, k, a, lda, b, ldb, c, ldc)                            \
        GEMM_VEC_CASE(SFX, ta, m, n, k, a, lda, b, ldb, c, ldc)                             \
        default:                                                                            \
            gemm_plain_##SFX(ta, m, n, k, a, lda, b, ldb, c, ldc);                          \
        }                                                                                   \
    }                                                                                       \
    void lstmc_gemm_##SFX##_at(int level, int ta, size_t m, size_t n, size_t k, const T *a, \
                               size_t lda, const T *b, size_t ldb, T *c, size_t ldc)        \
    {                                                                                       \
        const int max = lstmc_gemm_level_max();                                             \
        gemm_level_##SFX(level < max ? level : max, ta, m, n, k, a, lda, b, ldb, c, ldc);   \
    }                                                                                       \
    struct gemm_job_##SFX {                                                                 \
        int level, ta;                                                                      \
        size_t m, n, k, lda, ldb, ldc;                                                      \
        const T *a, *b;                                                                     \
        const T *bias; /* fill c with it first (NULL: zeros) when `fill` */                 \
        int fill;                                                                           \
        T *c;                                                                               \
    };                                                                                      \
    /* Rows r0 .. r1 - 1, columns c0 .. c1 - 1 of c set to the bias. */                     \
    static void gemm_fill_##SFX(const struct gemm_job_##SFX *j, size_t r0, size_t r1,       \
                                size_t c0, size_t c1)                                       \
    {                                                                                       \
        for (size_t r = r0; r < r1; r++)                                                    \
            for (size_t q = c0; q < c1; q++)                                                \
                j->c[r * j->ldc + q] = j->bias ? j->bias[q] : 0;                            \
    }                                                                                       \
    /* Part `part` of `parts`: a run of whole 4-row blocks of C, or when m < n a run of    \
     * whole 64-column panels (then each thread reads A and its share of B, the smaller   \
     * of the two ways to share: the weight gradients, m units by n gates over k rows). */ \
    static void gemm_part_##SFX(void *arg, unsigned part, unsigned parts)                   \
    {                                                                                       \
        const struct gemm_job_##SFX *j = arg;                                               \
        if (parts > 1 && j->m < j->n) {                                                     \
            const size_t panels = (j->n + 63) / 64;                                         \
            const size_t c0 = panels * part / parts * 64;                                   \
            size_t c1 = panels * (part + 1) / parts * 64;                                   \
            c1 = c1 < j->n ? c1 : j->n;                                                     \
            if (c0 < c1) {                                                                  \
                if (j->fill)                                                                \
                    gemm_fill_##SFX(j, 0, j->m, c0, c1);                                    \
                gemm_level_##SFX(j->level, j->ta, j->m, c1 - c0, j->k, j->a, j->lda,        \
                                 j->b + c0, j->ldb, j->c + c0, j->ldc);                     \
            }                                                                               \
            return;                                                                         \
        }                                                                                   \
        const size_t blocks = (j->m + 3) / 4;                                               \
        const size_t r0 = blocks * part / parts * 4;                                        \
        size_t r1 = blocks * (part + 1) / parts * 4;                                        \
        r1 = r1 < j->m ? r1 : j->m;                                                         \
        if (r0 >= r1)                                                                       \
            return;                                                                         \
        if (j->fill)                                                                        \
            gemm_fill_##SFX(j, r0, r1, 0, j->n);                                            \
        gemm_level_##SFX(j->level, j->ta, r1 - r0, j->n, j->k,                              \
                         j->ta ? j->a + r0 : j->a + r0 * j->lda, j->lda, j->b, j->ldb,      \
                         j->c + r0 * j->ldc, j->ldc);                                       \
    }                                                                                       \
    static void gemm_run_##SFX(lstmc_pool *pool, struct gemm_job_##SFX j)                  \
    {                                                                                       \
        const size_t m = j.m, n = j.n, k = j.k;                                             \
        if (lstmc_pool_threads(pool) > 1 && (m >= 8 || n >= 128) &&                         \
            (double)m * n * k >= SPLIT_MIN)                                                 \
            lstmc_pool_run(pool, gemm_part_##SFX, &j);                                      \
        else                                                                                \
            gemm_part_##SFX(&j, 0, 1);                                                      \
    }                                                                                       \
    void lstmc_gemm_##SFX(lstmc_pool *pool, int ta, size_t m, size_t n, size_t k,           \
                          const T *a, size_t lda, const T *b, size_t ldb, T *c, size_t ldc) \
    {                                                                                       \
        gemm_run_##SFX(pool, (struct gemm_job_##SFX){lstmc_gemm_level_max(), ta, m, n, k,   \
                                                     lda, ldb, ldc, a, b, NULL, 0, c});     \
    }                                                                                       \
    void lstmc_gemm_bias_##SFX(lstmc_pool *pool, int ta, size_t m, size_t n, size_t k,      \
                               const T *a, size_t lda, const T *b, size_t ldb,              \
                               const T *bias, T *c, size_t ldc)                             \
    {                                                                                       \
        gemm_run_##SFX(pool, (struct gemm_job_##SFX){lstmc_gemm_level_max(), ta, m, n, k,   \
                                                     lda, ldb, ldc, a, b, bias, 1, c});     \
    }

/* Products smaller than this many multiply-adds (some 10 µs) run
 * on the calling thread alone: waking the others would cost more.
 * compiler/emit_c.c's SHARE_STEP_MIN is the same size for whole steps. */
#define SPLIT_MIN 1000000.0

#if LSTMC_GEMM_X86
#define GEMM_X86_CASES(SFX, ...)                 \
    case LSTMC_GEMM_AVX512:                      \
        gemm_avx512_##SFX(__VA_ARGS__);          \
        break;                                   \
    case LSTMC_GEMM_AVX2:                        \
        gemm_avx2_##SFX(__VA_ARGS__);            \
        break;
#else
#define GEMM_X86_CASES(SFX, ...)
#endif
#if defined(__GNUC__)
#define GEMM_VEC_CASE(SFX, ...)                  \
    case LSTMC_GEMM_VEC:                         \
        gemm_vec_##SFX(__VA_ARGS__);             \
        break;
#else
#define GEMM_VEC_CASE(SFX, ...)
#endif

DEFINE_GEMM_AT(f32, float)
DEFINE_GEMM_AT(f64, double)

void lstmc_transpose_f32(size_t rows, size_t cols, const float *src, float *dst, size_t ld)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            dst[j * ld + i] = src[i * cols + j];
}

void lstmc_transpose_f64(size_t rows, size_t cols, const double *src, double *dst, size_t ld)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            dst[j * ld + i] = src[i * cols + j];
}
