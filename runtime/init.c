/*
 * init.c - the Keras weight initialisers (keras/src/initializers/), drawing
 * from a caller's lstmc_rng stream.
 *
 * Every value is computed in double and only then stored, as double or
 * rounded to float, so the two precisions see the same draws. Like rng.c
 * this file is compiled with -ffp-contract=off: initial weights are part of
 * what a seed must reproduce on every machine, and the scaling and the QR
 * below are sequences of a*b + c that a compiler could otherwise fuse.
 */
#include "fp_exact.h"
#include "lstmc.h"

#include <math.h>
#include <string.h>

/* The stddev of a standard normal truncated to [-2, 2]: Keras divides by
 * it so that a truncated draw keeps the requested variance. */
#define TRUNCATED_NORMAL_STDDEV 0.87962566103423978
#define TRUNCATION_STDDEVS 2.0
/* keras.initializers.RandomUniform defaults. */
#define RANDOM_UNIFORM_MIN (-0.05)
#define RANDOM_UNIFORM_MAX 0.05
/* LSTM gates along the 4U axis: i, f, c, o; the forget gate is second. */
#define LSTM_GATES 4
#define LSTM_FORGET_GATE 1

/* Where values go: one pointer is set (neither for an empty tensor). */
typedef struct sink {
    double *f64;
    float *f32;
} sink;

static void put(sink out, size_t i, double x)
{
    if (out.f64)
        out.f64[i] = x;
    else
        out.f32[i] = (float)x;
}

static const char *const kind_names[] = {
#define LSTMC_INIT_NAME_(id, name) name,
    LSTMC_INIT_KINDS(LSTMC_INIT_NAME_)
#undef LSTMC_INIT_NAME_
};

const char *lstmc_init_name(lstmc_init_kind kind)
{
    if ((unsigned)kind >= LSTMC_INIT_COUNT)
        return NULL;
    return kind_names[kind];
}

lstmc_status lstmc_init_lookup(lstmc_init_kind *kind, const char *name)
{
    if (!kind || !name)
        return LSTMC_ERR_ARG;
    for (unsigned k = 0; k < LSTMC_INIT_COUNT; k++) {
        if (strcmp(kind_names[k], name) == 0) {
            *kind = (lstmc_init_kind)k;
            return LSTMC_OK;
        }
    }
    return LSTMC_ERR_ARG;
}

/* a * b, or false when it overflows size_t. */
static bool mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

/* Product of shape[from..to), false on overflow. */
static bool product(const size_t *shape, size_t from, size_t to, size_t *out)
{
    size_t p = 1;
    for (size_t i = from; i < to; i++) {
        if (!mul_size(p, shape[i], &p))
            return false;
    }
    *out = p;
    return true;
}

/* The matrix orthogonal() works on: Keras flattens all but the last axis
 * into rows. m x n is the drawn matrix, m >= n. */
typedef struct ortho_shape {
    size_t rows, cols, m, n;
} ortho_shape;

static bool ortho_dims(size_t rank, const size_t *shape, ortho_shape *o)
{
    if (rank < 2 || !product(shape, 0, rank - 1, &o->rows))
        return false;
    o->cols = shape[rank - 1];
    o->m = o->rows > o->cols ? o->rows : o->cols;
    o->n = o->rows > o->cols ? o->cols : o->rows;
    return true;
}

/* 2*m*n + 2*n doubles: the drawn matrix, Q, tau and diag(R). */
static bool ortho_work(const ortho_shape *o, size_t *out)
{
    size_t mn, twice_mn;
    if (!mul_size(o->m, o->n, &mn) || !mul_size(mn, 2, &twice_mn) ||
        twice_mn > SIZE_MAX - 2 * o->n)
        return false;
    *out = twice_mn + 2 * o->n;
    return true;
}

size_t lstmc_init_work_size(lstmc_init_kind kind, size_t rank,
                            const size_t *shape)
{
    ortho_shape o;
    size_t size;

    if (kind != LSTMC_INIT_ORTHOGONAL || !shape || !ortho_dims(rank, shape, &o)
        || !ortho_work(&o, &size))
        return 0;
    return size;
}

/* keras.initializers compute_fans. */
static void compute_fans(size_t rank, const size_t *shape, double *fan_in,
                         double *fan_out)
{
    if (rank == 0) {
        *fan_in = *fan_out = 1.0;
    } else if (rank == 1) {
        *fan_in = *fan_out = (double)shape[0];
    } else {
        double receptive = 1.0;
        for (size_t i = 0; i + 2 < rank; i++)
            receptive *= (double)shape[i];
        *fan_in = (double)shape[rank - 2] * receptive;
        *fan_out = (double)shape[rank - 1] * receptive;
    }
}

typedef enum fan_mode { FAN_IN, FAN_AVG } fan_mode;

/* keras.initializers.VarianceScaling's scale / max(1, n). */
static double scaled(double scale, fan_mode mode, size_t rank,
                     const size_t *shape)
{
    double fan_in, fan_out;
    compute_fans(rank, shape, &fan_in, &fan_out);
    double n = mode == FAN_IN ? fan_in : (fan_in + fan_out) / 2.0;
    return scale / (n > 1.0 ? n : 1.0);
}

static void fill_uniform(sink out, lstmc_rng *rng, double lo, double hi,
                         size_t count)
{
    for (size_t i = 0; i < count; i++)
        put(out, i, lo + (hi - lo) * lstmc_rng_uniform(rng));
}

/* VarianceScaling(distribution="uniform"): limit = sqrt(3 * scale). */
static void variance_uniform(sink out, lstmc_rng *rng, double scale,
                             size_t count)
{
    double limit = sqrt(3.0 * scale);
    fill_uniform(out, rng, -limit, limit, count);
}

/* VarianceScaling(distribution="truncated_normal"). */
static void variance_truncated_normal(sink out, lstmc_rng *rng, double scale,
                                      size_t count)
{
    double stddev = sqrt(scale) / TRUNCATED_NORMAL_STDDEV;
    for (size_t i = 0; i < count; i++) {
        double z;
        do {
            z = lstmc_rng_normal(rng);
        } while (fabs(z) > TRUNCATION_STDDEVS);
        put(out, i, stddev * z);
    }
}

/*
 * Householder QR of a [m, n], m >= n (Golub & Van Loan, Matrix Computations,
 * 4th ed., 5.2.2). Column k's reflector v_k overwrites a[k.., k], with
 * H_k = I - tau[k] v_k v_k^T; rdiag[k] receives R[k][k]. v_k = x - beta e1
 * with beta = -sign(x0) |x|, which avoids cancellation in x0 - beta, and then
 * v^T v = 2 |x| (|x| + |x0|) in closed form.
 */
static void householder_qr(double *a, double *tau, double *rdiag, size_t m,
                           size_t n)
{
    for (size_t k = 0; k < n; k++) {
        double norm2 = 0.0;
        for (size_t i = k; i < m; i++)
            norm2 += a[i * n + k] * a[i * n + k];
        double norm = sqrt(norm2);
        if (norm == 0.0) {
            tau[k] = 0.0;
            rdiag[k] = 0.0;
            continue;
        }
        double alpha = a[k * n + k];
        double beta = alpha >= 0.0 ? -norm : norm;
        a[k * n + k] = alpha - beta;
        rdiag[k] = beta;
        tau[k] = 1.0 / (norm * (norm + fabs(alpha)));
        for (size_t j = k + 1; j < n; j++) {
            double s = 0.0;
            for (size_t i = k; i < m; i++)
                s += a[i * n + k] * a[i * n + j];
            s *= tau[k];
            for (size_t i = k; i < m; i++)
                a[i * n + j] -= s * a[i * n + k];
        }
    }
}

/* q [m, n] = H_0 H_1 ... H_{n-1} applied to the first n columns of I_m,
 * right to left; H_k leaves columns j < k alone (they are still e_j). */
static void householder_form_q(double *q, const double *a, const double *tau,
                               size_t m, size_t n)
{
    memset(q, 0, m * n * sizeof *q);
    for (size_t j = 0; j < n; j++)
        q[j * n + j] = 1.0;
    for (size_t k = n; k-- > 0;) {
        if (tau[k] == 0.0)
            continue;
        for (size_t j = k; j < n; j++) {
            double s = 0.0;
            for (size_t i = k; i < m; i++)
                s += a[i * n + k] * q[i * n + j];
            s *= tau[k];
            for (size_t i = k; i < m; i++)
                q[i * n + j] -= s * a[i * n + k];
        }
    }
}

/* numpy.sign / keras.ops.sign: 0 maps to 0. */
static double sign_of(double x)
{
    return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;
}

/* keras.initializers.Orthogonal(gain=1) (Saxe et al., arXiv:1312.6120). */
static void orthogonal(sink out, double *work, lstmc_rng *rng,
                       const ortho_shape *o)
{
    size_t m = o->m, n = o->n;
    double *a = work;
    double *q = a + m * n;
    double *tau = q + m * n;
    double *rdiag = tau + n;

    for (size_t i = 0; i < m * n; i++)
        a[i] = lstmc_rng_normal(rng);
    householder_qr(a, tau, rdiag, m, n);
    householder_form_q(q, a, tau, m, n);
    /* Q [m, n] with columns signed is the result for rows >= cols; for
     * rows < cols Keras returns its transpose [n, m]. */
    bool transpose = o->rows < o->cols;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double x = sign_of(rdiag[j]) * q[i * n + j];
            put(out, transpose ? j * m + i : i * n + j, x);
        }
    }
}

static lstmc_status init_any(sink out, double *work, lstmc_rng *rng,
                             lstmc_init_kind kind, size_t rank,
                             const size_t *shape)
{
    size_t count;

    if ((unsigned)kind >= LSTMC_INIT_COUNT || (rank > 0 && !shape) ||
        !product(shape, 0, rank, &count))
        return LSTMC_ERR_ARG;
    if (count > 0 && !out.f64 && !out.f32)
        return LSTMC_ERR_ARG;
    bool draws = kind != LSTMC_INIT_ZEROS && kind != LSTMC_INIT_ONES &&
                 kind != LSTMC_INIT_UNIT_FORGET_BIAS;
    if (draws && !rng)
        return LSTMC_ERR_ARG;

    switch (kind) {
    case LSTMC_INIT_ZEROS:
    case LSTMC_INIT_ONES:
        for (size_t i = 0; i < count; i++)
            put(out, i, kind == LSTMC_INIT_ONES ? 1.0 : 0.0);
        return LSTMC_OK;
    case LSTMC_INIT_RANDOM_UNIFORM:
        fill_uniform(out, rng, RANDOM_UNIFORM_MIN, RANDOM_UNIFORM_MAX, count);
        return LSTMC_OK;
    case LSTMC_INIT_GLOROT_UNIFORM:
        variance_uniform(out, rng, scaled(1.0, FAN_AVG, rank, shape), count);
        return LSTMC_OK;
    case LSTMC_INIT_HE_UNIFORM:
        variance_uniform(out, rng, scaled(2.0, FAN_IN, rank, shape), count);
        return LSTMC_OK;
    case LSTMC_INIT_LECUN_UNIFORM:
        variance_uniform(out, rng, scaled(1.0, FAN_IN, rank, shape), count);
        return LSTMC_OK;
    case LSTMC_INIT_GLOROT_NORMAL:
        variance_truncated_normal(out, rng, scaled(1.0, FAN_AVG, rank, shape),
                                  count);
        return LSTMC_OK;
    case LSTMC_INIT_HE_NORMAL:
        variance_truncated_normal(out, rng, scaled(2.0, FAN_IN, rank, shape),
                                  count);
        return LSTMC_OK;
    case LSTMC_INIT_LECUN_NORMAL:
        variance_truncated_normal(out, rng, scaled(1.0, FAN_IN, rank, shape),
                                  count);
        return LSTMC_OK;
    case LSTMC_INIT_ORTHOGONAL: {
        ortho_shape o;
        size_t need;
        if (!ortho_dims(rank, shape, &o) || !ortho_work(&o, &need) ||
            (need > 0 && !work))
            return LSTMC_ERR_ARG;
        orthogonal(out, work, rng, &o);
        return LSTMC_OK;
    }
    case LSTMC_INIT_UNIT_FORGET_BIAS: {
        if (rank != 1 || count % LSTM_GATES != 0)
            return LSTMC_ERR_ARG;
        size_t units = count / LSTM_GATES;
        for (size_t i = 0; i < count; i++)
            put(out, i, i / units == LSTM_FORGET_GATE ? 1.0 : 0.0);
        return LSTMC_OK;
    }
    case LSTMC_INIT_COUNT:
        break;
    }
    return LSTMC_ERR_ARG;
}

lstmc_status lstmc_init_f64(double *out, double *work, lstmc_rng *rng,
                            lstmc_init_kind kind, size_t rank,
                            const size_t *shape)
{
    sink s = {out, NULL};
    return init_any(s, work, rng, kind, rank, shape);
}

lstmc_status lstmc_init_f32(float *out, double *work, lstmc_rng *rng,
                            lstmc_init_kind kind, size_t rank,
                            const size_t *shape)
{
    sink s = {NULL, out};
    return init_any(s, work, rng, kind, rank, shape);
}
