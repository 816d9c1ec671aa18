/*
 * rng.c - the runtime's only source of randomness.
 *
 * A model seeded with the same number must start from the same weights and
 * see the same shuffles and dropout masks on every machine, so every value
 * produced here is defined bit for bit:
 *
 *   - The core is Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel
 *     Random Numbers: As Easy as 1, 2, 3", SC'11; constants and round
 *     structure as in Random123's philox.h). It is pure 32/64-bit unsigned
 *     arithmetic, which C defines exactly. Being counter-based, a stream is
 *     just a range of counters, so streams are disjoint by construction.
 *   - Uniform doubles take 53 bits and scale by 2^-53: both steps exact.
 *   - Normals use the Marsaglia polar method, which needs only + - * /,
 *     sqrt and a logarithm. IEEE 754 makes + - * / and sqrt correctly
 *     rounded, hence identical everywhere. libm's log is not: glibc, musl,
 *     macOS and MSVC may differ in the last bit, and one bit is enough to
 *     change which draws a truncated normal rejects. So log_det() below is
 *     written with those exact operations only, in a fixed order.
 *
 * Fixed arithmetic also needs the compiler's cooperation: no extended
 * precision, no -ffast-math, and no fusing of a*b + c into one FMA, which
 * rounds once instead of twice. fp_exact.h checks the first two and sets
 * clang's pragma; the build compiles this file with -ffp-contract=off.
 * tests/unit/test_rng.c compares the output bit for bit with
 * tools/lstmc_rng_ref.py, an independent model in Python, whose floats are
 * plain IEEE doubles.
 */
#include "fp_exact.h"
#include "lstmc.h"

#include <math.h>

/* lstmc.h promises that the bytes of an lstmc_rng are exactly its state. */
_Static_assert(sizeof(lstmc_rng) == 12 * sizeof(uint32_t) + sizeof(double),
               "lstmc_rng must have no padding");

/* Philox4x32 multipliers and key increments (Random123's philox.h; the
 * increments are the golden ratio and sqrt(3) - 1 in 0.32 fixed point). */
#define PHILOX_M0 UINT32_C(0xD2511F53)
#define PHILOX_M1 UINT32_C(0xCD9E8D57)
#define PHILOX_W0 UINT32_C(0x9E3779B9)
#define PHILOX_W1 UINT32_C(0xBB67AE85)
#define PHILOX_ROUNDS 10

void lstmc_philox4x32_10(uint32_t out[4], const uint32_t ctr[4],
                         const uint32_t key[2])
{
    uint32_t x0 = ctr[0], x1 = ctr[1], x2 = ctr[2], x3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];

    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * x0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * x2;
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0;
        uint32_t y1 = (uint32_t)p1;
        uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
        uint32_t y3 = (uint32_t)p0;
        x0 = y0;
        x1 = y1;
        x2 = y2;
        x3 = y3;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = x0;
    out[1] = x1;
    out[2] = x2;
    out[3] = x3;
}

void lstmc_rng_seed(lstmc_rng *rng, uint64_t seed, uint64_t stream)
{
    rng->key[0] = (uint32_t)seed;
    rng->key[1] = (uint32_t)(seed >> 32);
    rng->ctr[0] = 0;
    rng->ctr[1] = 0;
    rng->ctr[2] = (uint32_t)stream;
    rng->ctr[3] = (uint32_t)(stream >> 32);
    rng->used = 4;
    rng->has_spare = 0;
    rng->spare = 0.0;
    for (int i = 0; i < 4; i++)
        rng->block[i] = 0;
}

uint64_t lstmc_rng_stream_id(const char *name)
{
    /* FNV-1a, 64-bit (Fowler, Noll, Vo; offset basis and prime from the
     * published parameters). */
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint32_t lstmc_rng_u32(lstmc_rng *rng)
{
    if (rng->used == 4) {
        lstmc_philox4x32_10(rng->block, rng->ctr, rng->key);
        /* The block index is 64 bits wide; the stream id words above it
         * never change. 2^64 blocks per stream will not run out. */
        if (++rng->ctr[0] == 0)
            ++rng->ctr[1];
        rng->used = 0;
    }
    return rng->block[rng->used++];
}

uint64_t lstmc_rng_u64(lstmc_rng *rng)
{
    /* Two statements fix the order: C leaves the operand order of a single
     * expression unspecified. */
    uint64_t lo = lstmc_rng_u32(rng);
    uint64_t hi = lstmc_rng_u32(rng);
    return lo | hi << 32;
}

double lstmc_rng_uniform(lstmc_rng *rng)
{
    return (double)(lstmc_rng_u64(rng) >> 11) * 0x1p-53;
}

float lstmc_rng_uniform_f32(lstmc_rng *rng)
{
    return (float)(lstmc_rng_u32(rng) >> 8) * 0x1p-24f;
}

/* The high and low 64 bits of a * b, from 32-bit halves so it needs no
 * compiler extension (unsigned __int128 is not ISO C). */
static void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a_lo = (uint32_t)a, a_hi = a >> 32;
    uint64_t b_lo = (uint32_t)b, b_hi = b >> 32;
    uint64_t ll = a_lo * b_lo;
    uint64_t lh = a_lo * b_hi;
    uint64_t hl = a_hi * b_lo;
    uint64_t hh = a_hi * b_hi;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

uint64_t lstmc_rng_below(lstmc_rng *rng, uint64_t bound)
{
    /* Lemire's method: the high word of x * bound is uniform on [0, bound)
     * once the few x whose low word falls below 2^64 mod bound are
     * rejected. The division only runs when a rejection is possible. */
    uint64_t hi, lo;

    if (bound == 0)
        return 0;
    mul_64x64(lstmc_rng_u64(rng), bound, &hi, &lo);
    if (lo < bound) {
        uint64_t threshold = (0 - bound) % bound;
        while (lo < threshold)
            mul_64x64(lstmc_rng_u64(rng), bound, &hi, &lo);
    }
    return hi;
}

void lstmc_rng_shuffle(lstmc_rng *rng, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)lstmc_rng_below(rng, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/*
 * Natural log of a positive normal double, from exactly rounded operations
 * only (see the top of the file). x = m * 2^e with m in [sqrt(1/2),
 * sqrt(2)), then ln m = 2 atanh(f) = 2f + 2f (f^2/3 + f^4/5 + ...) with
 * f = (m - 1)/(m + 1), |f| <= 0.1716. Ten terms of the series leave a
 * truncation error below f^22/23 < 2^-56 relative; e * ln 2 is split so
 * that e * LN2_HI is exact (LN2_HI has 32 trailing zero bits, fdlibm's
 * split). The result is within a few ulp of the true log (the test checks
 * it against libm on the values the generator meets); what matters here is
 * that it is the same everywhere. frexp and ldexp are exact by definition.
 */
static double log_det(double x)
{
    static const double inv_odd[] = {
        1.0 / 3.0,  1.0 / 5.0,  1.0 / 7.0,  1.0 / 9.0,  1.0 / 11.0,
        1.0 / 13.0, 1.0 / 15.0, 1.0 / 17.0, 1.0 / 19.0, 1.0 / 21.0,
    };
    const double LN2_HI = 6.93147180369123816490e-01; /* 0x3fe62e42fee00000 */
    const double LN2_LO = 1.90821492927058770002e-10; /* 0x3dea39ef35793c76 */
    const double SQRT_HALF = 0.70710678118654752440;
    const int nterms = (int)(sizeof inv_odd / sizeof inv_odd[0]);
    int e;
    double m = frexp(x, &e); /* m in [0.5, 1) */

    if (m < SQRT_HALF) {
        m = ldexp(m, 1);
        e -= 1;
    }
    double f = (m - 1.0) / (m + 1.0);
    double f2 = f * f;
    double p = inv_odd[nterms - 1];
    for (int k = nterms - 2; k >= 0; k--)
        p = inv_odd[k] + f2 * p;
    p = f2 * p;

    double two_f = 2.0 * f;
    double de = (double)e;
    double r = two_f + (two_f * p + de * LN2_LO);
    return de * LN2_HI + r;
}

double lstmc_rng_normal(lstmc_rng *rng)
{
    /* Marsaglia & Bray (1964), "A convenient method for generating normal
     * variables", SIAM Review 6(3). Chosen over Box-Muller because it
     * needs no sin/cos, only the one log above. */
    double u, v, s;

    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    do {
        /* 2 * [0, 1) - 1: exact, as both terms are multiples of 2^-52. */
        u = 2.0 * lstmc_rng_uniform(rng) - 1.0;
        v = 2.0 * lstmc_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double factor = sqrt(-2.0 * log_det(s) / s);
    rng->spare = v * factor;
    rng->has_spare = 1;
    return u * factor;
}

lstmc_status lstmc_rng_dropout_mask_f64(lstmc_rng *rng, double *mask,
                                        size_t n, double rate)
{
    /* Written as !(rate >= 0 && rate < 1) so that NaN is rejected too. */
    if (!(rate >= 0.0 && rate < 1.0) || (!mask && n > 0))
        return LSTMC_ERR_ARG;
    double keep = 1.0 / (1.0 - rate);
    for (size_t i = 0; i < n; i++)
        mask[i] = lstmc_rng_uniform(rng) >= rate ? keep : 0.0;
    return LSTMC_OK;
}

lstmc_status lstmc_rng_dropout_mask_f32(lstmc_rng *rng, float *mask,
                                        size_t n, double rate)
{
    if (!(rate >= 0.0 && rate < 1.0) || (!mask && n > 0))
        return LSTMC_ERR_ARG;
    float keep = (float)(1.0 / (1.0 - rate));
    for (size_t i = 0; i < n; i++)
        mask[i] = lstmc_rng_uniform(rng) >= rate ? keep : 0.0f;
    return LSTMC_OK;
}
