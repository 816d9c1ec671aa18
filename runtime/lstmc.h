/*
 * lstmc.h - the lstmc runtime: everything a generated model program links.
 *
 * This header is the documentation. Conventions that hold for every
 * function below:
 *
 *   - Everything exported starts with lstmc_ / LSTMC_.
 *   - Nothing here prints, calls exit() or keeps mutable global state: the
 *     random generator is a caller-owned struct, passed in.
 *   - Kernels never allocate. Arguments come as: outputs (and state that is
 *     updated in place), then const inputs, then dimensions. Functions on an
 *     lstmc_rng take the generator first, like a method.
 *   - Functions that can fail return lstmc_status; functions that cannot
 *     fail return their value and document their preconditions.
 *   - Matrices are row-major; a "[rows, cols]" buffer holds rows*cols
 *     elements with element (i, j) at i*cols + j.
 */
#ifndef LSTMC_H
#define LSTMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Status                                                              */
/* ------------------------------------------------------------------ */

typedef enum lstmc_status {
    LSTMC_OK = 0,
    /* An argument is NULL where a buffer is needed, a shape or size is
     * impossible, or a hyper-parameter is outside the range Keras accepts. */
    LSTMC_ERR_ARG,
    /* Reading or writing a file failed (open, read, write, fsync, rename);
     * the error detail carries strerror(errno). */
    LSTMC_ERR_IO,
    /* A file is malformed or does not hold what the caller expects. */
    LSTMC_ERR_FORMAT,
    /* An allocation failed. */
    LSTMC_ERR_NOMEM
} lstmc_status;

/* A short lower-case English description of a status, e.g. "invalid
 * argument". Never NULL; unknown values give "unknown status". The string is
 * static: do not free it. */
const char *lstmc_status_string(lstmc_status status);

#define LSTMC_ERROR_PATH_SIZE 1024
#define LSTMC_ERROR_MSG_SIZE 512

/*
 * What went wrong, for the caller to show: functions that take an
 * lstmc_error fill it whenever they return something other than LSTMC_OK
 * and leave it alone otherwise. A caller prints it as
 * "PATH: MESSAGE", or "PATH:ROW:COL: MESSAGE" when row is not 0.
 *
 * Plain data owned by the caller; every string is NUL-terminated and
 * truncated to fit.
 */
typedef struct lstmc_error {
    char path[LSTMC_ERROR_PATH_SIZE]; /* the file concerned, "" if none */
    long row;                         /* 1-based line, 0: no position */
    long col;                         /* 1-based column, 0: no position */
    char msg[LSTMC_ERROR_MSG_SIZE];   /* lower-case, no final period */
} lstmc_error;

/* ------------------------------------------------------------------ */
/* Random numbers (rng.c)                                              */
/* ------------------------------------------------------------------ */

/*
 * A Philox4x32-10 counter-based generator (Salmon et al., "Parallel Random
 * Numbers: As Easy as 1, 2, 3", SC'11). The seed is the 64-bit key; the
 * 128-bit counter is split into a 64-bit block index and a 64-bit stream id,
 * so streams with different ids never share a block: each initialiser or
 * dropout site gets its own stream, and adding a layer does not move the
 * numbers any other layer sees.
 *
 * Every value below is bit-for-bit the same on every platform and compiler
 * (integer arithmetic, exact conversions, and an in-house log for normals;
 * see rng.c). tools/lstmc_rng_ref.py is an independent Python model of the
 * same definitions.
 *
 * The struct is plain data owned by the caller: copying it snapshots the
 * stream (e.g. for a checkpoint). It has no padding, so its bytes are
 * exactly its state and compare with memcmp. Treat the fields as private.
 */
typedef struct lstmc_rng {
    uint32_t key[2];    /* seed, low word first */
    uint32_t ctr[4];    /* [0..1] next block index, [2..3] stream id */
    uint32_t block[4];  /* words of the current block */
    uint32_t used;      /* words of block already handed out (4: none) */
    uint32_t has_spare; /* 1 if spare holds the second normal of a pair */
    double spare;
} lstmc_rng;

/* The raw Philox4x32-10 bijection: out = philox(ctr, key). Exposed so its
 * known-answer vectors can be checked. */
void lstmc_philox4x32_10(uint32_t out[4], const uint32_t ctr[4],
                         const uint32_t key[2]);

/* Start stream `stream` of seed `seed` at its first word. Any 64-bit values
 * are valid. rng must not be NULL. */
void lstmc_rng_seed(lstmc_rng *rng, uint64_t seed, uint64_t stream);

/* A stream id derived from a name (64-bit FNV-1a of its bytes), so a
 * weight's stream depends only on its own name, e.g.
 * "lstm_1/recurrent_kernel". name must be a NUL-terminated string. */
uint64_t lstmc_rng_stream_id(const char *name);

/* The next 32-bit word of the stream: block words in order 0, 1, 2, 3. */
uint32_t lstmc_rng_u32(lstmc_rng *rng);

/* The next 64 bits: a first word as the low half, a second as the high. */
uint64_t lstmc_rng_u64(lstmc_rng *rng);

/* Uniform on [0, 1) with 53 random bits: (u64 >> 11) * 2^-53. */
double lstmc_rng_uniform(lstmc_rng *rng);

/* Uniform on [0, 1) with 24 random bits: (u32 >> 8) * 2^-24. */
float lstmc_rng_uniform_f32(lstmc_rng *rng);

/* Uniform integer on [0, bound) without modulo bias (Lemire, "Fast Random
 * Integer Generation in an Interval", ACM TOMACS 29(1), 2019), consuming
 * u64 draws. bound must be at least 1; bound 0 returns 0 and consumes
 * nothing. */
uint64_t lstmc_rng_below(lstmc_rng *rng, uint64_t bound);

/* Shuffle idx[0..n) in place with the Fisher-Yates (Durstenfeld) method:
 * for i = n-1 down to 1, swap idx[i] with idx[lstmc_rng_below(i + 1)].
 * idx may be NULL when n is 0. */
void lstmc_rng_shuffle(lstmc_rng *rng, size_t *idx, size_t n);

/* A standard normal N(0, 1) by the Marsaglia polar method; normals come in
 * pairs and the second is kept in rng for the next call. */
double lstmc_rng_normal(lstmc_rng *rng);

/* A Keras dropout mask over n elements [n]: each element independently is
 * 0 with probability `rate`, otherwise 1/(1 - rate), so a masked activation
 * keeps its expectation (keras.layers.Dropout). One uniform draw per element
 * in order; element i is kept when that draw is >= rate.
 * Errors: LSTMC_ERR_ARG if rate is not in [0, 1) or mask is NULL with n > 0
 * (nothing is drawn then). */
lstmc_status lstmc_rng_dropout_mask_f64(lstmc_rng *rng, double *mask,
                                        size_t n, double rate);
lstmc_status lstmc_rng_dropout_mask_f32(lstmc_rng *rng, float *mask,
                                        size_t n, double rate);

/* ------------------------------------------------------------------ */
/* Weight initialisers (init.c)                                        */
/* ------------------------------------------------------------------ */

/*
 * The Keras initialisers (keras.io/api/layers/initializers), with their
 * Keras default arguments. Each kind is listed once here: X(ID, "keras
 * name"). Shapes are Keras shapes, e.g. an LSTM kernel [F, 4U], recurrent
 * kernel [U, 4U], bias [4U]; fans follow keras.initializers'
 * compute_fans: rank 0 -> (1, 1); rank 1 [n] -> (n, n); rank 2 [a, b] ->
 * (a, b); rank r > 2 -> receptive = prod(shape[0..r-2)), fan_in =
 * shape[r-2] * receptive, fan_out = shape[r-1] * receptive.
 *
 *   zeros, ones        constant 0 / 1.
 *   random_uniform     U[-0.05, 0.05) (the Embedding default).
 *   glorot_uniform     U[-limit, limit), limit = sqrt(3 / max(1, (fan_in +
 *                      fan_out) / 2)) = sqrt(6 / (fan_in + fan_out)).
 *   he_uniform         limit = sqrt(6 / max(1, fan_in)).
 *   lecun_uniform      limit = sqrt(3 / max(1, fan_in)).
 *   glorot_normal      truncated normal, stddev = sqrt(1 / max(1, (fan_in +
 *                      fan_out) / 2)) / 0.87962566103423978; draws beyond 2
 *                      stddev are redrawn (0.8796... is the stddev of a
 *                      standard normal truncated to [-2, 2], so the result
 *                      has the nominal variance).
 *   he_normal          same with scale 2 over max(1, fan_in).
 *   lecun_normal       same with scale 1 over max(1, fan_in).
 *   orthogonal         gain 1; rank >= 2. With rows = prod(shape[0..r-1)),
 *                      cols = shape[r-1]: draw a normal matrix
 *                      [max(rows, cols), min(rows, cols)] in row-major
 *                      order, take its QR decomposition (Householder, in
 *                      double), multiply column j of Q by sign(R[j][j]),
 *                      and transpose when rows < cols.
 *   unit_forget_bias   LSTM bias [4U]: zeros except the forget slice
 *                      [U, 2U) of the i, f, c, o gate axis, set to 1.
 */
#define LSTMC_INIT_KINDS(X)                   \
    X(ZEROS, "zeros")                         \
    X(ONES, "ones")                           \
    X(RANDOM_UNIFORM, "random_uniform")       \
    X(GLOROT_UNIFORM, "glorot_uniform")       \
    X(GLOROT_NORMAL, "glorot_normal")         \
    X(HE_UNIFORM, "he_uniform")               \
    X(HE_NORMAL, "he_normal")                 \
    X(LECUN_UNIFORM, "lecun_uniform")         \
    X(LECUN_NORMAL, "lecun_normal")           \
    X(ORTHOGONAL, "orthogonal")               \
    X(UNIT_FORGET_BIAS, "unit_forget_bias")

typedef enum lstmc_init_kind {
#define LSTMC_INIT_ENUM_(id, name) LSTMC_INIT_##id,
    LSTMC_INIT_KINDS(LSTMC_INIT_ENUM_)
#undef LSTMC_INIT_ENUM_
    LSTMC_INIT_COUNT
} lstmc_init_kind;

/* The Keras name of a kind ("glorot_uniform"), or NULL for a value that is
 * not a kind. Static storage. */
const char *lstmc_init_name(lstmc_init_kind kind);

/* The kind with Keras name `name`. Errors: LSTMC_ERR_ARG if name is NULL
 * or unknown (*kind is then left alone). */
lstmc_status lstmc_init_lookup(lstmc_init_kind *kind, const char *name);

/* How many doubles of workspace lstmc_init_f64/f32 need for this kind and
 * shape: 2*m*n + 2*n for orthogonal (m, n the flat matrix's long and short
 * sides), 0 for every other kind or an invalid shape. */
size_t lstmc_init_work_size(lstmc_init_kind kind, size_t rank,
                            const size_t *shape);

/*
 * Fill out[prod(shape)] with initialiser `kind` for a tensor of the given
 * Keras shape (shape[0..rank), row-major; rank 0 is a scalar).
 *
 * Every value is computed in double; the f32 variant rounds each one to
 * float, so for the same rng state lstmc_init_f32 writes exactly
 * (float) of what lstmc_init_f64 writes, and both advance rng identically.
 *
 * work: lstmc_init_work_size() doubles of scratch, owned by the caller
 *       (may be NULL when that size is 0).
 * rng:  the stream to draw from; may be NULL for zeros, ones and
 *       unit_forget_bias, which draw nothing.
 * Errors (nothing written, nothing drawn): LSTMC_ERR_ARG for an unknown
 * kind, a NULL out/shape/work/rng that is needed, a shape whose element
 * count overflows size_t, orthogonal with rank < 2, unit_forget_bias
 * with a shape other than [4U].
 */
lstmc_status lstmc_init_f64(double *out, double *work, lstmc_rng *rng,
                            lstmc_init_kind kind, size_t rank,
                            const size_t *shape);
lstmc_status lstmc_init_f32(float *out, double *work, lstmc_rng *rng,
                            lstmc_init_kind kind, size_t rank,
                            const size_t *shape);

/* ------------------------------------------------------------------ */
/* Threads (pool.c)                                                    */
/* ------------------------------------------------------------------ */

/*
 * A pool of threads for lstmc_gemm: the caller's thread and threads - 1
 * workers, which wait for work between products (spinning for about
 * 100 µs, then asleep). One job at a time, from one thread. A NULL pool
 * is the caller's thread alone.
 */
typedef struct lstmc_pool lstmc_pool;

#define LSTMC_POOL_MAX_THREADS 256

/* Errors: LSTMC_ERR_ARG for threads 0 or above LSTMC_POOL_MAX_THREADS,
 * LSTMC_ERR_NOMEM when memory or a thread cannot be had. */
lstmc_status lstmc_pool_create(lstmc_pool **pool, unsigned threads);
void lstmc_pool_destroy(lstmc_pool *pool);
unsigned lstmc_pool_threads(const lstmc_pool *pool);
/* The CPUs online (at least 1, at most LSTMC_POOL_MAX_THREADS). */
unsigned lstmc_cpu_count(void);
/* Calls fn(arg, part, parts) once for each part 0 .. parts - 1, parts =
 * the pool's threads, part 0 on the calling thread; returns when all
 * have returned. */
void lstmc_pool_run(lstmc_pool *pool, void (*fn)(void *arg, unsigned part, unsigned parts),
                    void *arg);

/* ------------------------------------------------------------------ */
/* Small matrix products (gemm.c)                                      */
/* ------------------------------------------------------------------ */

/*
 * c[m][n] += op(a)[m][k] * b[k][n], row-major with leading dimensions
 * lda, ldb, ldc: op(a) is a ([m][k]) when a_trans is 0, else the
 * transpose of a [k][m]. Made for the products of one LSTM step (a batch
 * of rows times a kernel that stays in cache): no packing, a block of C
 * in vector registers (AVX-512, AVX2 or SSE2, chosen at run time), k in
 * slices whose rows of b stay in the L2 cache. Every element adds its k
 * products in order, (c + a0 b0) + a1 b1 ..., so the bits are the plain
 * triple loop's on every machine. With a pool of several threads, larger
 * products are split among them by rows of c (by columns when m < n),
 * which changes no bit either. c must not overlap a or b.
 */
void lstmc_gemm_f32(lstmc_pool *pool, int a_trans, size_t m, size_t n, size_t k,
                    const float *a, size_t lda, const float *b, size_t ldb, float *c,
                    size_t ldc);
void lstmc_gemm_f64(lstmc_pool *pool, int a_trans, size_t m, size_t n, size_t k,
                    const double *a, size_t lda, const double *b, size_t ldb, double *c,
                    size_t ldc);
/* c[m][n] = bias[n] (each row; zeros when bias is NULL) + op(a) b, the
 * same bits as filling c with bias and calling lstmc_gemm; each thread
 * fills its own share of c, so the rows start in the cache that adds to
 * them. */
void lstmc_gemm_bias_f32(lstmc_pool *pool, int a_trans, size_t m, size_t n, size_t k,
                         const float *a, size_t lda, const float *b, size_t ldb,
                         const float *bias, float *c, size_t ldc);
void lstmc_gemm_bias_f64(lstmc_pool *pool, int a_trans, size_t m, size_t n, size_t k,
                         const double *a, size_t lda, const double *b, size_t ldb,
                         const double *bias, double *c, size_t ldc);

/* dst[cols][ld] = the transpose of src[rows][cols] (ld >= rows; the
 * elements of each row of dst past rows are left as they are). */
void lstmc_transpose_f32(size_t rows, size_t cols, const float *src, float *dst, size_t ld);
void lstmc_transpose_f64(size_t rows, size_t cols, const double *src, double *dst, size_t ld);

/* ------------------------------------------------------------------ */
/* Optimizers (optim.c)                                                */
/* ------------------------------------------------------------------ */

/*
 * One update of a flat parameter buffer param[n] from its gradient grad[n],
 * with the optimizer's state buffers [n] updated in place (zero them before
 * the first step). The arithmetic follows keras.optimizers (Keras 3,
 * keras/src/optimizers/{adam,sgd,rmsprop}.py) operation by operation, in
 * the variable's precision: the f32 variants round each hyper-parameter to
 * float once and do every element-wise operation in float, as Keras does
 * for float32 variables. Weight decay, gradient clipping, EMA and AMSGrad
 * are not implemented.
 *
 * Errors (nothing is updated): LSTMC_ERR_ARG if cfg is NULL, a needed
 * buffer is NULL while n > 0, or a hyper-parameter is out of range as
 * stated per optimizer.
 */

/* Adam (keras.optimizers.Adam; Kingma & Ba, arXiv:1412.6980, with epsilon
 * outside the square root, "epsilon hat"). For step t = 1, 2, ...:
 *   alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
 *   m += (g - m) * (1 - beta_1)         (= beta_1 m + (1 - beta_1) g)
 *   v += (g*g - v) * (1 - beta_2)
 *   param -= (m * alpha) / (sqrt(v) + epsilon)
 * alpha is computed in double (beta^t by repeated squaring, the same on
 * every platform) and rounded once for the f32 variant. */
typedef struct lstmc_adam {
    double learning_rate;
    double beta_1;
    double beta_2;
    double epsilon;
} lstmc_adam;

/* Keras defaults: learning_rate 0.001, beta_1 0.9, beta_2 0.999,
 * epsilon 1e-7. */
lstmc_adam lstmc_adam_defaults(void);

/* step: t, counted from 1 (LSTMC_ERR_ARG for 0). Also LSTMC_ERR_ARG unless
 * 0 <= beta_1 < 1 and 0 <= beta_2 < 1. */
lstmc_status lstmc_adam_step_f64(double *param, double *m, double *v,
                                 const double *grad, const lstmc_adam *cfg,
                                 uint64_t step, size_t n);
lstmc_status lstmc_adam_step_f32(float *param, float *m, float *v,
                                 const float *grad, const lstmc_adam *cfg,
                                 uint64_t step, size_t n);

/* SGD (keras.optimizers.SGD). Without momentum: param -= g * lr. With:
 *   velocity = velocity * momentum - g * lr
 *   param += velocity                                  (nesterov false)
 *   param += velocity * momentum - g * lr              (nesterov true) */
typedef struct lstmc_sgd {
    double learning_rate;
    double momentum;
    bool nesterov;
} lstmc_sgd;

/* Keras defaults: learning_rate 0.01, momentum 0, nesterov false. */
lstmc_sgd lstmc_sgd_defaults(void);

/* velocity may be NULL when momentum is 0 (it is then not touched).
 * LSTMC_ERR_ARG unless 0 <= momentum <= 1, as Keras requires. */
lstmc_status lstmc_sgd_step_f64(double *param, double *velocity,
                                const double *grad, const lstmc_sgd *cfg,
                                size_t n);
lstmc_status lstmc_sgd_step_f32(float *param, float *velocity,
                                const float *grad, const lstmc_sgd *cfg,
                                size_t n);

/* RMSprop (keras.optimizers.RMSprop; Hinton, Neural Networks for Machine
 * Learning, lecture 6). Keras (tf.keras 2.x and 3) puts epsilon inside the
 * square root:
 *   velocity = rho * velocity + (1 - rho) * g*g
 *   centered: average_grad = rho * average_grad + (1 - rho) * g
 *             denominator = velocity - average_grad^2 + epsilon
 *   else:     denominator = velocity + epsilon
 *   increment = lr * g / sqrt(denominator)
 *   momentum > 0: mom = momentum * mom + increment; param -= mom
 *   else:         param -= increment */
typedef struct lstmc_rmsprop {
    double learning_rate;
    double rho;
    double momentum;
    double epsilon;
    bool centered;
} lstmc_rmsprop;

/* Keras defaults: learning_rate 0.001, rho 0.9, momentum 0, epsilon 1e-7,
 * centered false. */
lstmc_rmsprop lstmc_rmsprop_defaults(void);

/* velocity is always needed; mom may be NULL when momentum is 0 and
 * average_grad may be NULL when centered is false. LSTMC_ERR_ARG unless
 * 0 <= rho <= 1 and momentum >= 0. */
lstmc_status lstmc_rmsprop_step_f64(double *param, double *velocity,
                                    double *mom, double *average_grad,
                                    const double *grad,
                                    const lstmc_rmsprop *cfg, size_t n);
lstmc_status lstmc_rmsprop_step_f32(float *param, float *velocity,
                                    float *mom, float *average_grad,
                                    const float *grad,
                                    const lstmc_rmsprop *cfg, size_t n);

/* ------------------------------------------------------------------ */
/*
 * Weights: model weights in the safetensors format (weights.c).
 *
 * A safetensors file (github.com/huggingface/safetensors) is
 *
 *   u64 N, little-endian | N bytes of UTF-8 JSON header | data section
 *
 * The header maps each tensor name to {"dtype": "F32", "shape": [3, 200],
 * "data_offsets": [begin, end]}, byte offsets into the data section, plus an
 * optional "__metadata__" object of string -> string. The tensors cover the
 * data section exactly, without gaps or overlap; the data is little-endian.
 *
 * What lstmc writes, byte for byte (tools/make_safetensors_fixtures.py is an
 * independent writer of the same bytes):
 *   - the header is jansson's json_dumps(JSON_COMPACT | JSON_SORT_KEYS),
 *     padded with spaces to a multiple of 8 bytes; "__metadata__" only when
 *     there is metadata;
 *   - the data section holds the tensors in the caller's order (list F64
 *     tensors before F32 ones if readers that map the file need alignment).
 *
 * The reader accepts any valid layout (key order, spacing, padding, data
 * order, extra metadata keys, as the safetensors reference writes them) but
 * requires exactly the expected tensors. Like the reference it refuses a
 * header above 100 MB; below that, parsing needs memory in proportion to
 * the header.
 *
 * Byte order: the host must be little-endian with IEEE-754 float and double
 * (every platform lstmc targets); weights.c refuses to compile otherwise
 * rather than swap bytes in code no test could run.
 */
/* Element types of a tensor: X(ID, "safetensors name", C type). */
#define LSTMC_DTYPES(X)      \
    X(F32, "F32", float)     \
    X(F64, "F64", double)

typedef enum lstmc_dtype {
#define LSTMC_DTYPE_ENUM_(id, name, ctype) LSTMC_##id,
    LSTMC_DTYPES(LSTMC_DTYPE_ENUM_)
#undef LSTMC_DTYPE_ENUM_
    LSTMC_DTYPE_COUNT
} lstmc_dtype;

#define LSTMC_MAX_RANK 4

/* The largest header the reader accepts, as the safetensors reference
 * implementation does (MAX_HEADER_SIZE). */
#define LSTMC_WEIGHTS_MAX_HEADER 100000000u

/* Metadata keys lstmc stores to identify the model the weights belong to. */
#define LSTMC_META_MODEL "lstmc.model"         /* the model's name */
#define LSTMC_META_SPEC_HASH "lstmc.spec_hash" /* hash of its spec */

/* One tensor of a weights file: name (e.g. "lstm_1/kernel"), element type
 * and Keras shape shape[0..rank) (rank 0 is a scalar). Its data is
 * prod(shape) elements, row-major. */
typedef struct lstmc_tensor_desc {
    const char *name;
    lstmc_dtype dtype;
    size_t rank;
    size_t shape[LSTMC_MAX_RANK];
} lstmc_tensor_desc;

/* One metadata entry, both strings UTF-8. */
typedef struct lstmc_meta {
    const char *key;
    const char *value;
} lstmc_meta;

/*
 * Write tensors[0..n) with data data[0..n) (data[i] points to the
 * prod(shape) floats or doubles of tensors[i]; it may be NULL when that is
 * 0) and metadata meta[0..n_meta) to `path` as safetensors.
 *
 * Atomic: the bytes go to a new PATH.tmp.XXXXXX in the same directory,
 * which is flushed, fsync'd and renamed over path (so path must name a
 * file on a writable directory; a symbolic link is replaced, not followed); on any error the
 * temporary file is removed and an existing file at path is untouched. The
 * new file keeps the mode of the file it replaces, or gets 0644. The
 * directory is fsync'd after the rename when the system allows it.
 *
 * Nothing is kept: the caller owns every argument.
 * err may be NULL; otherwise it is filled on error.
 * Errors:
 *   LSTMC_ERR_ARG    path NULL or empty, tensors NULL with n > 0, a name
 *                    NULL, empty, not UTF-8, "__metadata__" or given twice,
 *                    rank above LSTMC_MAX_RANK, unknown dtype, byte sizes
 *                    whose sum does not fit in int64, data[i] NULL for a
 *                    non-empty tensor, a metadata key or value NULL or not
 *                    UTF-8, a key twice, a header that would exceed
 *                    LSTMC_WEIGHTS_MAX_HEADER (nothing is written then);
 *   LSTMC_ERR_IO     creating, writing, syncing or renaming failed;
 *   LSTMC_ERR_NOMEM  an allocation failed.
 */
lstmc_status lstmc_weights_save(const char *path,
                                const lstmc_tensor_desc *tensors, size_t n,
                                const void *const *data,
                                const lstmc_meta *meta, size_t n_meta,
                                lstmc_error *err);

/*
 * Read the safetensors file `path`, which must hold exactly the tensors
 * tensors[0..n) (same names, dtypes and shapes, in any order), into the
 * caller's buffers data[0..n) (data[i] has room for the prod(shape) floats
 * or doubles of tensors[i]; it may be NULL when that is 0).
 *
 * Every entry of meta[0..n_meta) must be in the file's "__metadata__" with
 * the same value (the file may have more keys); a mismatch of
 * LSTMC_META_MODEL reads "weights are for model 'x', not 'forecast'".
 *
 * The whole header is checked before any data is read; the buffers are only
 * written by a load that passed every check, and are left partly written
 * only if reading the data itself then fails.
 *
 * Nothing is kept: the caller owns every argument.
 * err may be NULL; otherwise it is filled on error: path, the message, and
 * for invalid JSON the line and column within the header text (also in the
 * message, since the file is binary).
 * Errors:
 *   LSTMC_ERR_ARG     the same checks of the arguments as
 *                     lstmc_weights_save (nothing is opened then);
 *   LSTMC_ERR_IO      the file cannot be opened or read, or is not a
 *                     regular file;
 *   LSTMC_ERR_FORMAT  the file is not valid safetensors, or its tensors or
 *                     metadata are not the expected ones; the message says
 *                     what was expected and what was found;
 *   LSTMC_ERR_NOMEM   an allocation failed.
 */
lstmc_status lstmc_weights_load(const char *path,
                                const lstmc_tensor_desc *tensors, size_t n,
                                void *const *data,
                                const lstmc_meta *meta, size_t n_meta,
                                lstmc_error *err);

/* The safetensors name of a dtype ("F32", "F64"), or NULL for a value that
 * is not one. Static storage. */
const char *lstmc_dtype_name(lstmc_dtype dtype);

/* ------------------------------------------------------------------ */
/*
 * Checkpoints of training (checkpoint.c).
 *
 * Everything a generated program's `train` needs to continue an
 * interrupted run so that it ends with the same bits as a run that was
 * never interrupted: the model's parameters and optimizer state, where
 * the run is (epoch, batch, the sample order of the epoch, the shuffle and
 * dropout generators), the loss history and the early-stopping state.
 * (llm.c's checkpoint is the model: one file, a format tag and a version.)
 *
 * The file is safetensors, written by lstmc_weights_save (so atomically:
 * temporary file, fsync, rename). Tensors:
 *
 *   params        [P]      the flat parameter buffer  } the model's dtype
 *   optimizer/m   [P]      Adam m, SGD/RMSprop momentum }
 *   optimizer/v   [P]      Adam v, RMSprop velocity   }
 *   best_params   [P]      restore_best_weights' copy (only when kept)
 *   order         [S]  F64 the sample order of epoch `epoch`, a permutation
 *                          of 0..S-1 (S training samples)
 *   history/loss  [E]  F64 the loss of each completed epoch
 *   history/val_loss [E] F64 and its val_loss (0 without validation)
 *
 * and metadata, every value a string (integers in decimal; reals as %.16e,
 * which reads back exactly and, for magnitudes from 1e-99 to 1e99, always
 * has the same width; hashes as 16 hex digits):
 *
 *   lstmc.format "lstmc.checkpoint", lstmc.version "1", lstmc.model,
 *   lstmc.spec_hash, lstmc.seed, lstmc.batch_size, lstmc.samples (S),
 *   lstmc.data_hash, lstmc.epoch (E, epochs completed), lstmc.batch
 *   (batches done of the next epoch; 0: its shuffle is not drawn yet),
 *   lstmc.step (optimizer steps), lstmc.rng.shuffle and lstmc.rng.dropout
 *   (generator states, lstmc_rng_to_text, the dropout ones joined by ','),
 *   lstmc.epoch_loss_sum, lstmc.samples_seen, lstmc.train_seconds
 *   (%020.6f, so the header's length does not depend on the clock),
 *   lstmc.es.best_value, lstmc.es.best_epoch, lstmc.es.stale, and
 *   lstmc.checksum: FNV-1a 64 of the tensors' bytes in the order above.
 */

/* FNV-1a 64 of data[0..len), continued from h (start with
 * LSTMC_HASH_INIT): the checkpoint's checksum and data hash. */
#define LSTMC_HASH_INIT UINT64_C(0xcbf29ce484222325)
uint64_t lstmc_hash_bytes(uint64_t h, const void *data, size_t len);

/* A generator's state as text: its 12 words (key, ctr, block, used,
 * has_spare) as 8 hex digits each, then the spare normal's 64 bits as 16
 * (112 characters and a NUL), and back.
 * lstmc_rng_from_text fails with LSTMC_ERR_FORMAT (and leaves rng alone)
 * unless text is exactly that. */
#define LSTMC_RNG_TEXT_SIZE 113
void lstmc_rng_to_text(char out[LSTMC_RNG_TEXT_SIZE], const lstmc_rng *rng);
lstmc_status lstmc_rng_from_text(lstmc_rng *rng, const char *text);

/*
 * A run's state. The caller owns every buffer. For save every field is
 * read; for load the caller sets the fields marked "in" (what this run
 * is, and the buffers with their room) and load fills the others.
 */
typedef struct lstmc_checkpoint {
    /* in: what the run is; load refuses a file that says otherwise */
    const char *model;     /* the model's name */
    const char *spec_hash; /* its spec's hash, 16 hex digits */
    lstmc_dtype dtype;     /* element type of the parameter buffers */
    size_t param_count;    /* P */
    uint64_t seed;         /* of the initial weights, shuffle and dropout */
    size_t batch_size;
    size_t samples;        /* S: training samples, validation excluded */
    uint64_t data_hash;    /* lstmc_hash_bytes of the training data */
    size_t n_dropout;      /* dropout generators */
    size_t max_epochs;     /* room in loss and val_loss; load refuses a
                            * checkpoint past it */
    /* in: the buffers */
    void *params, *opt_m, *opt_v; /* [P] each */
    void *best;                   /* [P], or NULL when not kept */
    size_t *order;                /* [S] */
    lstmc_rng *dropout;           /* [n_dropout] */
    double *loss, *val_loss;      /* [max_epochs]; the first `epoch` used */
    /* where the run is */
    size_t epoch;          /* epochs completed */
    size_t batch;          /* batches done of epoch `epoch` (0-based) */
    uint64_t step;         /* optimizer steps taken */
    lstmc_rng shuffle;     /* the generator of the per-epoch shuffles */
    double epoch_loss_sum; /* sum of batch loss x batch size in epoch `epoch` */
    uint64_t samples_seen; /* training samples processed so far */
    double seconds;        /* training time so far */
    double best_value;     /* early stopping: best monitored value */
    size_t best_epoch;     /* 1-based epoch of best_value, 0: none */
    size_t stale;          /* epochs without improvement */
} lstmc_checkpoint;

/*
 * Write ck to path as the file described above, atomically (an existing
 * checkpoint stays whole until the new one has replaced it). The caller
 * checks that the state is worth keeping (finite weights).
 * Errors: LSTMC_ERR_ARG (a NULL buffer, batch past the epoch's batches,
 * epoch past max_epochs), LSTMC_ERR_IO, LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_checkpoint_save(const char *path, const lstmc_checkpoint *ck,
                                   lstmc_error *err);

/*
 * Read the checkpoint at path into ck. The file must be a checkpoint of
 * this model and spec, for this seed, batch size and training data, with
 * an epoch within max_epochs, a consistent position, a matching checksum,
 * finite parameters and a permutation in `order`; the message says what
 * was expected and what was found ("checkpoint is for model 'a', not 'b'",
 * "checkpoint is from a different spec (hash X, this program's is Y)",
 * "truncated: ..."). On error the buffers may have been written and must
 * not be used.
 * Errors: LSTMC_ERR_ARG (a NULL buffer), LSTMC_ERR_IO (cannot open or
 * read), LSTMC_ERR_FORMAT (not such a checkpoint), LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_checkpoint_load(const char *path, lstmc_checkpoint *ck,
                                   lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Arrays of numbers from CSV (arrays.c)                               */
/* ------------------------------------------------------------------ */

/*
 * Read `path`, a text file with one row per non-blank line, each row
 * exactly `cols` comma-separated numbers (strtod syntax, spaces around a
 * number allowed, finite values only). When int_bound is not 0 every value
 * must be an integer in [0, int_bound) (token ids).
 *
 * On success *out is a malloc'ed array of *rows x cols doubles, row-major,
 * that the caller frees (NULL when the file has no rows).
 * err may be NULL; otherwise on error it holds the path and, for a bad
 * value, its 1-based line and column.
 * Errors: LSTMC_ERR_ARG (NULL path/out/rows, cols 0), LSTMC_ERR_IO (open or
 * read failed), LSTMC_ERR_FORMAT (a value is not a number, out of range, or
 * a row has the wrong count), LSTMC_ERR_NOMEM. Nothing is returned then.
 */
lstmc_status lstmc_arrays_read_f64(const char *path, size_t cols, uint64_t int_bound,
                                   double **out, size_t *rows, lstmc_error *err);

/* ================================================================== */
/*
 * Tables: tabular data read into a column store (csv.c, xlsx.c).
 *
 * A table is the header's column names plus, for every data row, one
 * UTF-8 string per column. Every string is owned by the table and lives
 * until lstmc_table_free(). Sources:
 *
 *   CSV (libcsv)  RFC 4180: "," between fields, "\"" quotes, "\"\"" for a
 *                 quote inside a quoted field, quoted fields may hold
 *                 commas and line breaks; lines end in LF, CRLF or CR; a
 *                 UTF-8 byte order mark is skipped. Spaces are part of a
 *                 field (nothing is trimmed). Blank lines are skipped. The
 *                 first record is the header. A file whose name ends in
 *                 ".gz" or that starts with the gzip magic bytes is read
 *                 through zlib.
 *   xlsx (libzip, libxml2 streaming reader)  Office Open XML workbooks as
 *                 Excel 2007 and later write them: the first sheet or a
 *                 named one. Cells are placed by their "r" reference
 *                 ("B7"), so missing cells are empty. Rows without any
 *                 value are skipped; the first remaining row is the
 *                 header. Cell text: numbers as stored in the file ("112",
 *                 "0.1", "1.5E-3"), shared and inline strings, booleans as
 *                 "TRUE"/"FALSE", error values as shown ("#DIV/0!"),
 *                 formula cells as their cached value. Dates are the
 *                 stored serial numbers (no styles are read).
 *
 * Positions. Every error about a place in a file sets err->row and
 * err->col, 1-based:
 *   CSV:  row = the physical line on which the record starts (the header
 *         usually being line 1); col = the field's position in the record.
 *         Records are numbered like lines (the header and blank lines
 *         count) except that a line break inside quotes does not start a
 *         new one; when that makes a record's number differ from its
 *         starting line, the message adds "(record N)", e.g.
 *         "x.csv:14:2: bad number 'abc' in column 'value' (record 12);
 *         expected a decimal number". Parse errors (a stray quote) give
 *         the line of the offending byte instead.
 *   xlsx: row = the spreadsheet row number, col = the column number
 *         (cell B7 is row 7, col 2); the message adds
 *         "(sheet 'NAME', cell B7)".
 * A caller prints "PATH:ROW:COL: MESSAGE".
 *
 * Strings in cells are valid UTF-8 without NUL bytes (both are checked
 * while reading); an empty cell is "".
 */
/* ================================================================== */

/* Limits, each refused with its own message (LSTMC_ERR_FORMAT). */
#define LSTMC_TABLE_MAX_FIELD (1024L * 1024L) /* bytes in one cell or name */
#define LSTMC_TABLE_MAX_COLS 4096L            /* columns in the header */
#define LSTMC_TABLE_MAX_ROWS 100000000L       /* data rows */

/* A table: opaque; read it through the functions below. */
typedef struct lstmc_table lstmc_table;

/*
 * Read the table in `path`, choosing the format by its name: ".xlsx" or
 * ".xlsm" (any case) is a workbook, ".xls" is refused (the old binary
 * format), anything else is read as CSV, gzip-compressed when the name
 * ends in ".gz" or the file starts with the gzip magic bytes.
 *
 * sheet: the worksheet to read, by its name as shown on its tab; NULL for
 *        the first. Only for workbooks: LSTMC_ERR_ARG for CSV.
 * On success *out is a new table the caller frees with lstmc_table_free();
 * on failure *out is NULL. err may be NULL; otherwise it is filled on
 * failure (see the positions above).
 * Errors:
 *   LSTMC_ERR_ARG     out or path NULL, path empty, a sheet given for CSV;
 *   LSTMC_ERR_IO      the file cannot be opened or read;
 *   LSTMC_ERR_FORMAT  the contents are not a valid table: see
 *                     lstmc_table_read_csv() and lstmc_table_read_xlsx();
 *   LSTMC_ERR_NOMEM   an allocation failed.
 */
lstmc_status lstmc_table_read(lstmc_table **out, const char *path,
                              const char *sheet, lstmc_error *err);

/*
 * Read `path` as CSV whatever its name (gzip is still detected by the
 * ".gz" suffix or the magic bytes). Same contract as lstmc_table_read().
 * LSTMC_ERR_FORMAT for: an empty file (or only blank lines), a header
 * without data rows, an empty or duplicate column name, a record whose
 * field count differs from the header's, a malformed quote, bytes that
 * are not UTF-8 or a NUL byte, a field above LSTMC_TABLE_MAX_FIELD bytes,
 * more than LSTMC_TABLE_MAX_COLS columns or LSTMC_TABLE_MAX_ROWS rows, a
 * ".gz" file that is not gzip, corrupt or truncated gzip data.
 */
lstmc_status lstmc_table_read_csv(lstmc_table **out, const char *path,
                                  lstmc_error *err);

/*
 * Read worksheet `sheet` (NULL: the first) of the workbook `path`
 * whatever its name. Same contract as lstmc_table_read().
 * LSTMC_ERR_FORMAT for: a file that is not a zip archive, a zip without
 * the workbook parts, no sheet of that name (the message lists the
 * names there are), malformed XML (the message names the part and line),
 * a formula cell without a cached value, a bad cell reference, a value
 * outside the header's columns, and the table errors of
 * lstmc_table_read_csv() that apply.
 */
lstmc_status lstmc_table_read_xlsx(lstmc_table **out, const char *path,
                                   const char *sheet, lstmc_error *err);

/* Free a table and every string in it. t may be NULL. */
void lstmc_table_free(lstmc_table *t);

/* Number of data rows (the header not counted). t must not be NULL. */
size_t lstmc_table_rows(const lstmc_table *t);

/* Number of columns. t must not be NULL. */
size_t lstmc_table_cols(const lstmc_table *t);

/* The path the table was read from (or given to lstmc_table_create()).
 * Owned by the table. */
const char *lstmc_table_path(const lstmc_table *t);

/* The name of column col (0-based, < lstmc_table_cols()), or NULL when
 * col is out of range. Owned by the table. */
const char *lstmc_table_name(const lstmc_table *t, size_t col);

/* The 0-based index of the column named exactly `name` (byte-wise
 * comparison), or -1 when there is none or name is NULL. */
long lstmc_table_column(const lstmc_table *t, const char *name);

/* The text of data row `row` (0-based: the first row after the header),
 * column `col` (0-based); "" for an empty cell. NULL when row or col is out
 * of range. Owned by the table. */
const char *lstmc_table_cell(const lstmc_table *t, size_t row, size_t col);

/* Where data row `row` (0-based) came from: the line (CSV) or spreadsheet
 * row (xlsx) that err->row reports for it, or 0 when row is out of range. */
long lstmc_table_line(const lstmc_table *t, size_t row);

/*
 * Parse column `col` (0-based) as numbers into out[lstmc_table_rows(t)],
 * out[i] from data row i. A cell is a decimal number: optional sign,
 * digits with an optional "." (or a "." with digits after it), an optional
 * exponent ("e" or "E", optional sign, digits), optionally surrounded by
 * spaces or tabs; "." is the decimal point whatever the C locale. The
 * value is the nearest double (strtod).
 *
 * Nothing is allocated except a C locale object; out is written in full
 * only on success (rows before a bad cell may have been written).
 * Errors (err, if not NULL, gets the position of the first bad cell):
 *   LSTMC_ERR_ARG     t or out NULL (out may be NULL when there are no
 *                     rows), col out of range;
 *   LSTMC_ERR_FORMAT  with one of these messages (CSV, row 14 column 2):
 *     "empty cell in column 'value'"
 *     "bad number 'abc' in column 'value'; expected a decimal number"
 *     "not a number 'nan' in column 'value'; expected a finite decimal
 *      number"                       (nan, NaN, nan(...), signed or not)
 *     "infinite number 'inf' in column 'value'; expected a finite decimal
 *      number"                       (inf, infinity, any case and sign)
 *     "number '1e999' out of range in column 'value'; expected a finite
 *      decimal number"               (beyond +-DBL_MAX)
 *   the cell text is quoted up to 40 bytes, then "...";
 *   LSTMC_ERR_NOMEM   the C locale object could not be made.
 */
lstmc_status lstmc_table_numbers(const lstmc_table *t, size_t col,
                                 double *out, lstmc_error *err);

/*
 * Fill err (if not NULL) for a problem with the cell at data row `row`,
 * column `col` (both 0-based): the table's path, the row and column as
 * described at the top, and the message made from fmt, followed by the
 * "(record N)" or "(sheet 'NAME', cell B7)" note. For later stages that
 * find a bad value (an unknown class, an empty text). Returns
 * LSTMC_ERR_FORMAT. row and col out of range give no position.
 */
lstmc_status lstmc_table_cell_error(const lstmc_table *t, size_t row,
                                    size_t col, lstmc_error *err,
                                    const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/*
 * Building a table in memory (the readers use these too).
 *
 * lstmc_table_create: a new table with no rows and the ncols column names
 * names[0..ncols), copied. path (copied; may be "" but not NULL) and sheet
 * (NULL for a CSV file) are used in error positions; header_line is the
 * line (or spreadsheet row) of the names. On success *out is owned by the
 * caller (lstmc_table_free()).
 * Errors: LSTMC_ERR_ARG (out, path or names NULL, ncols 0);
 * LSTMC_ERR_FORMAT for more than LSTMC_TABLE_MAX_COLS names, a name that
 * is empty, longer than LSTMC_TABLE_MAX_FIELD, not UTF-8, or repeated
 * ("duplicate column name 'x' in columns 2 and 5", at the second);
 * LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_table_create(lstmc_table **out, const char *path,
                                const char *sheet, long header_line,
                                const char *const *names, size_t ncols,
                                lstmc_error *err);

/*
 * Append a data row: cells[0..lstmc_table_cols(t)), copied, where
 * cells[i] has lens[i] bytes (lens may be NULL: NUL-terminated strings;
 * cells[i] may be NULL: empty). line is the row's position as err->row
 * will show it, record its record number (header = 1; for a CSV file the
 * note "(record N)" appears when it differs from line).
 * Errors (the table is unchanged): LSTMC_ERR_ARG (t or cells NULL);
 * LSTMC_ERR_FORMAT for a cell above LSTMC_TABLE_MAX_FIELD bytes, bytes
 * that are not UTF-8 or a NUL byte, or a row beyond LSTMC_TABLE_MAX_ROWS;
 * LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_table_append(lstmc_table *t, const char *const *cells,
                                const size_t *lens, long line, long record,
                                lstmc_error *err);

/* ================================================================== */
/*
 * Data preparation for the pipelines: scaling, windows, grouped
 * sequences, splits, label encoding, the Keras tokenizer and
 * pad_sequences (scale.c, window.c, labels.c, text.c).
 *
 * Rows in errors. These functions see arrays, not files: when an error is
 * about one element, err->row is its 1-based index in the array given
 * (err->col the 1-based column where there is one) and err->path is "".
 * The caller, who knows the file and its header line, translates them
 * (functions that take a `rows` argument report rows[i] instead).
 *
 * Sources of the semantics, cited per function:
 *   [sklearn]  scikit-learn 1.x, sklearn/preprocessing/_data.py
 *              (MinMaxScaler, StandardScaler, _handle_zeros_in_scale),
 *              sklearn/preprocessing/_label.py (LabelEncoder),
 *              sklearn/model_selection/_split.py (train_test_split).
 *   [keras-text] keras_preprocessing/text.py 1.1 (Tokenizer,
 *              text_to_word_sequence), the code behind
 *              tf.keras.preprocessing.text.
 *   [keras-seq] keras_preprocessing/sequence.py 1.1 (pad_sequences).
 *   [keras-fit] keras/src/trainers/data_adapters/data_adapter_utils.py
 *              (train_validation_split, Keras 3).
 *   [keras-utils] keras.utils.to_categorical.
 *   docs/spec.md section 5 and ../shared/reference/keras-semantics.md
 *   for where lstmc departs from the seed scripts.
 */
/* ================================================================== */

/* ------------------------------------------------------------------ */
/* Padding and truncation (window.c)                                   */
/* ------------------------------------------------------------------ */

/* Where pad_sequences puts the zeros of a short sequence and which end of a
 * long one it drops: X(ID, "keras name"). */
#define LSTMC_PAD_SIDES(X) \
    X(PRE, "pre")          \
    X(POST, "post")

typedef enum lstmc_pad_side {
#define LSTMC_PAD_ENUM_(id, name) LSTMC_PAD_##id,
    LSTMC_PAD_SIDES(LSTMC_PAD_ENUM_)
#undef LSTMC_PAD_ENUM_
    LSTMC_PAD_COUNT
} lstmc_pad_side;

/* The Keras name of a side ("pre", "post"), or NULL for a value that is not
 * one. Static storage. */
const char *lstmc_pad_side_name(lstmc_pad_side side);

/* The side called `name`. Errors: LSTMC_ERR_ARG if name is NULL or not
 * "pre"/"post" (*side is then left alone). */
lstmc_status lstmc_pad_side_lookup(lstmc_pad_side *side, const char *name);

/*
 * How pad_sequences [keras-seq] fits a sequence of `len` steps into
 * `maxlen`: steps src[*src_begin .. *src_begin + *count) are copied to
 * dst[*dst_begin .. *dst_begin + *count); every other step of dst is the
 * padding value.
 *   truncating pre:  keep the last maxlen steps (s[-maxlen:]);
 *   truncating post: keep the first maxlen steps (s[:maxlen]);
 *   padding pre:     the kept steps end at maxlen (zeros first);
 *   padding post:    the kept steps start at 0 (zeros after).
 * Cannot fail for valid sides; an unknown side is treated as post.
 */
void lstmc_pad_plan(size_t *src_begin, size_t *dst_begin, size_t *count,
                    size_t len, size_t maxlen, lstmc_pad_side padding,
                    lstmc_pad_side truncating);

/* ------------------------------------------------------------------ */
/* Windows of consecutive rows (window.c)                              */
/* ------------------------------------------------------------------ */

/* Which row gives a window's label (docs/spec.md 5.3): X(ID, "spec word"). */
#define LSTMC_WINDOW_LABELS(X) \
    X(NEXT, "next")            \
    X(LAST, "last")

typedef enum lstmc_window_label {
#define LSTMC_WINDOW_ENUM_(id, name) LSTMC_WINDOW_##id,
    LSTMC_WINDOW_LABELS(LSTMC_WINDOW_ENUM_)
#undef LSTMC_WINDOW_ENUM_
    LSTMC_WINDOW_LABEL_COUNT
} lstmc_window_label;

/* The spec word of a label rule ("next", "last"), NULL if not one. */
const char *lstmc_window_label_name(lstmc_window_label label);

/*
 * The number of windows of `length` rows in a table of n_rows rows:
 * n_rows - length for NEXT (window i is rows i .. i+length-1 and its label
 * row is i+length; every window, where the seed's loop made one fewer),
 * n_rows - length + 1 for LAST (label row i+length-1).
 * Errors: LSTMC_ERR_ARG if length is 0, the label rule is unknown, or there
 * are too few rows for one window; the message names the counts ("too few
 * rows for a window of 10 rows and the row after it: need at least 11,
 * found 10").
 */
lstmc_status lstmc_window_count(size_t *count, size_t n_rows, size_t length,
                                lstmc_window_label label, lstmc_error *err);

/*
 * Every window of `length` consecutive rows of data [n_rows, features]:
 *   X          [count, length, features]: X[i] = data rows i .. i+length-1;
 *   label_rows [count] (may be NULL): the row that labels window i
 *              (i + length for NEXT, i + length - 1 for LAST), to take a
 *              string label from, e.g. the class of the row after the
 *              window;
 *   y          [count] (may be NULL): target[label_rows[i]], e.g. the next
 *              value of a series (pass the series as both data and target);
 *   target     [n_rows]: needed when y is not NULL.
 * count is lstmc_window_count(). The caller owns every buffer.
 * Errors (nothing written): those of lstmc_window_count; LSTMC_ERR_ARG for
 * features 0, a NULL buffer that is needed, or sizes that overflow.
 */
lstmc_status lstmc_windows_f64(double *X, size_t *label_rows, double *y,
                               const double *data, const double *target,
                               size_t n_rows, size_t features, size_t length,
                               lstmc_window_label label, lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Grouped sequences (window.c)                                        */
/* ------------------------------------------------------------------ */

/*
 * Sequences stored one row per step (docs/spec.md 5.4): consecutive rows
 * with the same id (byte-equal strings) form one sequence; a change of id
 * starts the next, so an id may come back later (a test part restarting
 * at 1 is a new sequence).
 *
 * *n_seq: the number of sequences of ids[0..n_rows) (0 for no rows).
 * Errors: LSTMC_ERR_ARG if ids is NULL with n_rows > 0 or an id is NULL.
 */
lstmc_status lstmc_group_count(size_t *n_seq, const char *const *ids,
                               size_t n_rows, lstmc_error *err);

/* Scratch lstmc_group_sequences_f64 needs: 2 * n_rows size_t (0 if that
 * overflows, which no real table can reach). */
size_t lstmc_group_work_size(size_t n_rows);

/*
 * Checks that every row of a sequence has the same values[] string, e.g.
 * its label or its split. `what` names the column for the message.
 * Errors: LSTMC_ERR_ARG for NULL arguments, or rows that disagree: "rows 3
 * and 5 of sequence '12' have different 'speaker' values: '1' and '2'"
 * (err->row is the 1-based index of the second row).
 */
lstmc_status lstmc_group_check_column(const char *const *ids,
                                      const char *const *values,
                                      size_t n_rows, const char *what,
                                      lstmc_error *err);

/*
 * One sample per sequence, steps in order and brought to `steps`:
 *   X          [n_seq, steps, features]: sequence k's rows sorted by
 *              order[] (a stable sort: rows with equal order keep their
 *              file order), padded with 0 or truncated as pad_sequences
 *              does (lstmc_pad_plan);
 *   first_row  [n_seq]: the index of the sequence's first row in the file,
 *              to take its label (or split) from;
 *   lengths    [n_seq] (may be NULL): the sequence's length before
 *              padding or truncation;
 *   work       lstmc_group_work_size(n_rows) size_t of scratch;
 *   data       [n_rows, features]; ids, order [n_rows];
 *   labels     [n_rows] (may be NULL): checked as
 *              lstmc_group_check_column(ids, labels, n_rows, "label").
 * n_seq must be what lstmc_group_count returned for ids.
 * Errors (X may be partly written): LSTMC_ERR_ARG for a NULL buffer, steps
 * or features 0, n_seq that does not match, an order value that is NaN
 * (err->row names it), labels that disagree within a sequence, sizes that
 * overflow.
 */
lstmc_status lstmc_group_sequences_f64(double *X, size_t *first_row,
                                       size_t *lengths, size_t *work,
                                       const double *data,
                                       const char *const *ids,
                                       const double *order,
                                       const char *const *labels,
                                       size_t n_rows, size_t features,
                                       size_t steps, size_t n_seq,
                                       lstmc_pad_side padding,
                                       lstmc_pad_side truncating,
                                       lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Splits (window.c)                                                   */
/* ------------------------------------------------------------------ */

/*
 * Splits of n samples (windows, sequences or texts), made after windowing
 * (docs/spec.md 5.5). Each writes idx[0..n), a permutation of 0..n-1 whose
 * first *n_train entries are the training samples and the rest the test
 * samples, and *n_train.
 *
 * With a fraction f in (0, 1): *n_train = floor(f * n) computed in double,
 * test the rest, as train_test_split(train_size=f) [sklearn]. Errors:
 * LSTMC_ERR_ARG if f is not in (0, 1) or either part would be empty
 * ("with 4 samples and train 0.8 the test part is empty").
 */

/* In order: idx = 0, 1, ..., n-1 (the test part is the last samples). */
lstmc_status lstmc_split_ordered(size_t *idx, size_t *n_train, size_t n,
                                 double train_fraction, lstmc_error *err);

/* Shuffled: idx = 0..n-1 shuffled by lstmc_rng_shuffle(rng), then cut as
 * above; each part keeps its shuffled order (as train_test_split does).
 * The caller seeds rng, e.g. lstmc_rng_seed(&rng, split.seed,
 * lstmc_rng_stream_id("pipeline/split")). */
lstmc_status lstmc_split_shuffled(lstmc_rng *rng, size_t *idx,
                                  size_t *n_train, size_t n,
                                  double train_fraction, lstmc_error *err);

/* From a column: values[i] is "train" or "test" for sample i (exactly, case
 * sensitive). Both parts keep the sample order. rows [n] (may be NULL) are
 * the row numbers to report; NULL reports i + 1. Errors: LSTMC_ERR_ARG for
 * another value ("split column holds 'dev': expected 'train' or 'test'",
 * err->row set) or an empty part. */
lstmc_status lstmc_split_column(size_t *idx, size_t *n_train,
                                const char *const *values, const size_t *rows,
                                size_t n, lstmc_error *err);

/*
 * Keras' validation_split [keras-fit]: the last fraction of the training
 * samples, taken before any shuffling: samples [0, *n_fit) are trained on
 * and [*n_fit, n) validate, with *n_fit = floor(n * (1 - v)) in double.
 * v = 0 gives *n_fit = n (no validation).
 * Errors: LSTMC_ERR_ARG if v is not in [0, 1), or v > 0 and either part
 * is empty (Keras: "not sufficient to split it into a validation and
 * training set").
 */
lstmc_status lstmc_validation_split(size_t *n_fit, size_t n,
                                    double validation_split, lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Scaling (scale.c)                                                   */
/* ------------------------------------------------------------------ */

/* Scaler kinds: X(ID, "spec and JSON name"). */
#define LSTMC_SCALE_KINDS(X) \
    X(MINMAX, "minmax")      \
    X(STANDARD, "standard")

typedef enum lstmc_scale_kind {
#define LSTMC_SCALE_ENUM_(id, name) LSTMC_SCALE_##id,
    LSTMC_SCALE_KINDS(LSTMC_SCALE_ENUM_)
#undef LSTMC_SCALE_ENUM_
    LSTMC_SCALE_COUNT
} lstmc_scale_kind;

/* The name of a kind ("minmax"), NULL for a value that is not one. */
const char *lstmc_scale_kind_name(lstmc_scale_kind kind);

/*
 * A per-column scaler and its fitted state. Opaque; made by
 * lstmc_scaler_create or lstmc_scaler_from_json, freed by
 * lstmc_scaler_destroy.
 *
 * Per column j with center c_j and width w_j:
 *   minmax [sklearn MinMaxScaler], feature_range (a, b), a < b:
 *     c = min, w = max - min over the fitted rows;
 *     x' = (x - c) / w * (b - a) + a,   x = (x' - a) / (b - a) * w + c.
 *   standard [sklearn StandardScaler]:
 *     c = mean, w = population standard deviation (ddof 0, two passes);
 *     x' = (x - c) / w,                 x = x' * w + c.
 * A constant column gets w = 1, as sklearn's _handle_zeros_in_scale does:
 * for minmax when max - min < 10 * DBL_EPSILON, for standard when the
 * variance is within sklearn's rounding bound (_is_constant_feature:
 * var <= n*eps*var + (n*mean*eps)^2). The minmax formula is written as in
 * the spec, with (x - min) first, rather than sklearn's x*scale_ + min_:
 * the fitted min maps to a and a back to min exactly, the max to
 * (b - a) + a (b itself for ranges such as [0, 1] and [-1, 1]); otherwise
 * the two forms agree to a few ulp. "Exact inverse" means the inverse
 * formula; in floating point a round trip is within a few ulp of the
 * column's magnitude.
 */
typedef struct lstmc_scaler lstmc_scaler;

/*
 * A new, unfitted scaler of `cols` columns. range_a, range_b: minmax's
 * feature_range (ignored for standard).
 * On success *out is owned by the caller (lstmc_scaler_destroy).
 * Errors: LSTMC_ERR_ARG (out NULL, cols 0, unknown kind, for minmax a
 * range that is not finite with a < b), LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_scaler_create(lstmc_scaler **out, lstmc_scale_kind kind,
                                 size_t cols, double range_a, double range_b,
                                 lstmc_error *err);

/* Frees a scaler; NULL is allowed. */
void lstmc_scaler_destroy(lstmc_scaler *s);

/* The scaler's kind and number of columns (s must not be NULL). */
lstmc_scale_kind lstmc_scaler_kind(const lstmc_scaler *s);
size_t lstmc_scaler_cols(const lstmc_scaler *s);

/* Its feature_range (a, b) as created (minmax; standard keeps what it was
 * given). s must not be NULL. */
void lstmc_scaler_feature_range(const lstmc_scaler *s, double range[2]);

/* Whether fit (or loading a fitted state) has happened. */
bool lstmc_scaler_fitted(const lstmc_scaler *s);

/* Column col's fitted center and width (see above; width already 1 for a
 * constant column). Errors: LSTMC_ERR_ARG if not fitted or col >= cols. */
lstmc_status lstmc_scaler_column(const lstmc_scaler *s, size_t col,
                                 double *center, double *width);

/*
 * Fit on rows [begin, end) of the row-major array data [*, cols] (data
 * points to row 0): the training part only, so nothing of the test part
 * leaks into the scaling. Refitting replaces the previous state.
 * Errors (the scaler is left as it was): LSTMC_ERR_ARG for data NULL,
 * begin >= end, or a value that is NaN or infinite (err->row = its row + 1,
 * err->col = its column + 1).
 */
lstmc_status lstmc_scaler_fit(lstmc_scaler *s, const double *data,
                              size_t begin, size_t end, lstmc_error *err);

/* The same on the listed rows rows[0..n_sel) of data [n_rows, cols] (a row
 * listed twice counts twice). Errors as above, and a row index >= n_rows. */
lstmc_status lstmc_scaler_fit_rows(lstmc_scaler *s, const double *data,
                                   size_t n_rows, const size_t *rows,
                                   size_t n_sel, lstmc_error *err);

/*
 * out[n_rows, cols] = the scaled in[n_rows, cols]; out may be in (in place).
 * Errors (out may be partly written): LSTMC_ERR_ARG if the scaler is not
 * fitted, a buffer is NULL with n_rows > 0, or a value of in is NaN or
 * infinite (err->row, err->col as for fit).
 */
lstmc_status lstmc_scaler_transform(const lstmc_scaler *s, double *out,
                                    const double *in, size_t n_rows,
                                    lstmc_error *err);

/* The exact inverse of lstmc_scaler_transform (sklearn's
 * inverse_transform), same shapes and errors; non-finite values pass
 * through (predictions are checked elsewhere). */
lstmc_status lstmc_scaler_inverse_transform(const lstmc_scaler *s,
                                            double *out, const double *in,
                                            size_t n_rows, lstmc_error *err);

/* One column col of the scaler applied to n values (stride 1), e.g. the
 * target of a series, or inverted on predictions. Errors as for the whole
 * transforms, plus col >= cols. */
lstmc_status lstmc_scaler_transform_column(const lstmc_scaler *s, size_t col,
                                           double *out, const double *in,
                                           size_t n, lstmc_error *err);
lstmc_status lstmc_scaler_inverse_column(const lstmc_scaler *s, size_t col,
                                         double *out, const double *in,
                                         size_t n, lstmc_error *err);

/*
 * The fitted state as a JSON object, so `predict` can take raw values:
 *   {"data_max":[..],"data_min":[..],"feature_range":[a,b],
 *    "format":"lstmc.scaler","type":"minmax","version":1}
 *   {"format":"lstmc.scaler","mean":[..],"std":[..],"type":"standard",
 *    "version":1}
 * (sorted keys, compact, 17 significant digits so every double comes back
 * bit for bit). *json is a malloc'ed NUL-terminated string the caller
 * frees with free(). Errors: LSTMC_ERR_ARG (not fitted), LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_scaler_to_json(char **json, const lstmc_scaler *s,
                                  lstmc_error *err);

/* A fitted scaler from the text of lstmc_scaler_to_json (len bytes; the
 * text need not be NUL-terminated). *out is owned by the caller.
 * Errors: LSTMC_ERR_FORMAT (invalid JSON, with err->row/col in the text;
 * missing or ill-typed keys; arrays of different lengths; values that are
 * not finite or a width of 0), LSTMC_ERR_NOMEM. */
lstmc_status lstmc_scaler_from_json(lstmc_scaler **out, const char *json,
                                    size_t len, lstmc_error *err);

/* The same through a file: save writes it atomically with
 * lstmc_file_write_atomic; load reads it (err->path is the path). */
lstmc_status lstmc_scaler_save(const lstmc_scaler *s, const char *path,
                               lstmc_error *err);
lstmc_status lstmc_scaler_load(lstmc_scaler **out, const char *path,
                               lstmc_error *err);

/*
 * Write data[0..len) to path atomically: a new PATH.tmp.XXXXXX in the same
 * directory is written, flushed, fsync'd and renamed over path, so path
 * holds either its old content or all of the new. On error the temporary
 * file is removed. The file keeps the mode of the file it replaces, or
 * gets 0644 (as lstmc_weights_save does).
 * Errors: LSTMC_ERR_ARG (path NULL or empty, data NULL with len > 0),
 * LSTMC_ERR_IO (with strerror), LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_file_write_atomic(const char *path, const void *data,
                                     size_t len, lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Labels (labels.c)                                                   */
/* ------------------------------------------------------------------ */

/*
 * Class labels and their codes: sklearn's LabelEncoder [sklearn] for
 * string labels. Opaque; freed by lstmc_labels_destroy.
 */
typedef struct lstmc_labels lstmc_labels;

/*
 * Fit on labels[0..n): the classes are the distinct labels sorted by
 * strcmp (byte order, which for UTF-8 is code point order, as numpy sorts
 * the strings LabelEncoder sees), and a label's code is its index in that
 * order. Numbers are compared as text: "10" sorts before "9" (pandas would
 * have read such a column as numbers; quote the order in `classes`).
 * *out is owned by the caller. Errors: LSTMC_ERR_ARG (n 0, a NULL label),
 * LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_labels_fit(lstmc_labels **out, const char *const *labels,
                              size_t n, lstmc_error *err);

/* Classes given in code order (the spec's labels.classes): codes are
 * positions in classes[0..k). Errors: LSTMC_ERR_ARG (k 0, a NULL class, a
 * class given twice), LSTMC_ERR_NOMEM. */
lstmc_status lstmc_labels_from_classes(lstmc_labels **out,
                                       const char *const *classes, size_t k,
                                       lstmc_error *err);

/* Frees an encoder; NULL is allowed. */
void lstmc_labels_destroy(lstmc_labels *enc);

/* The number of classes, and the class of a code (NULL if code >= count;
 * the string belongs to enc). */
size_t lstmc_labels_count(const lstmc_labels *enc);
const char *lstmc_labels_class(const lstmc_labels *enc, size_t code);

/* The code of one label (binary search). Errors: LSTMC_ERR_ARG for an
 * unknown or NULL label (no error detail). */
lstmc_status lstmc_labels_code(size_t *code, const lstmc_labels *enc,
                               const char *label);

/*
 * codes[i] = the code of labels[i], i < n. rows [n] (may be NULL): the row
 * number to report for labels[i]; NULL reports i + 1.
 * Errors (codes may be partly written): LSTMC_ERR_ARG for a NULL buffer
 * with n > 0, or a label that is not a class: "class 'hail' in the test
 * data was never seen in training (known: drizzle, fog, rain, snow, sun)"
 * with err->row set.
 */
lstmc_status lstmc_labels_transform(size_t *codes, const lstmc_labels *enc,
                                    const char *const *labels,
                                    const size_t *rows, size_t n,
                                    lstmc_error *err);

/*
 * Labels that already are codes (spec labels.encode false), e.g. 0/1 for
 * binary_crossentropy: each labels[i] must be an integer in [0, k) written
 * as a number (strtod syntax: "1", "1.0", " 0"). rows as above.
 * Errors: LSTMC_ERR_ARG for k 0, a NULL buffer, or a label that is not such
 * a number ("label 'yes' is not a class code: expected an integer from 0
 * to 1"), with err->row set.
 */
lstmc_status lstmc_labels_parse_codes(size_t *codes, const char *const *labels,
                                      const size_t *rows, size_t n, size_t k,
                                      lstmc_error *err);

/*
 * Keras' to_categorical [keras-utils]: out[n, k] with out[i][codes[i]] = 1
 * and 0 elsewhere. Errors (nothing written): LSTMC_ERR_ARG for k 0, a NULL
 * buffer with n > 0, a code >= k (err->row = i + 1), sizes that overflow.
 */
lstmc_status lstmc_one_hot_f64(double *out, const size_t *codes, size_t n,
                               size_t k, lstmc_error *err);

/* Codes as numbers: out[i] = codes[i] (binary targets). Cannot fail. */
void lstmc_codes_to_f64(double *out, const size_t *codes, size_t n);

/* The classes as JSON, {"classes":[..],"format":"lstmc.labels",
 * "version":1}, in code order; *json is malloc'ed, the caller frees it.
 * Errors: LSTMC_ERR_ARG (a class is not valid UTF-8), LSTMC_ERR_NOMEM. */
lstmc_status lstmc_labels_to_json(char **json, const lstmc_labels *enc,
                                  lstmc_error *err);

/* An encoder from that JSON (the classes keep their saved order).
 * Errors: LSTMC_ERR_FORMAT (invalid JSON with row/col, wrong keys, a class
 * twice), LSTMC_ERR_NOMEM. */
lstmc_status lstmc_labels_from_json(lstmc_labels **out, const char *json,
                                    size_t len, lstmc_error *err);

/* Through a file, saved atomically. */
lstmc_status lstmc_labels_save(const lstmc_labels *enc, const char *path,
                               lstmc_error *err);
lstmc_status lstmc_labels_load(lstmc_labels **out, const char *path,
                               lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Text: the Keras Tokenizer and pad_sequences (text.c)                */
/* ------------------------------------------------------------------ */

/* Keras' default filters [keras-text]: the ASCII punctuation except the
 * apostrophe, plus tab and newline. */
#define LSTMC_TOKENIZER_FILTERS "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n"

/* Tokenizer settings (docs/spec.md 5.8); strings are copied at create. */
typedef struct lstmc_tokenizer_config {
    size_t num_words;      /* keep indices < num_words; 0: keep all */
    bool lower;            /* lower-case first (ASCII letters only) */
    const char *filters;   /* characters that become spaces (UTF-8) */
    const char *oov_token; /* NULL: drop unknown words */
} lstmc_tokenizer_config;

/* Keras' defaults: num_words 0 (None), lower true, LSTMC_TOKENIZER_FILTERS,
 * no oov_token. */
lstmc_tokenizer_config lstmc_tokenizer_defaults(void);

/*
 * Keras' Tokenizer [keras-text], split ' ', char_level False. Opaque;
 * the vocabulary is a hash table (open addressing, 64-bit FNV-1a) owned by
 * the tokenizer, so tokenizers share nothing.
 *
 * A text becomes words as text_to_word_sequence does: lower-case it if
 * `lower`; every character of `filters` becomes a space; split on ' ' and
 * drop empty words. Only ' ' splits: '\r' or a no-break space stays inside
 * a word unless filtered.
 *
 * Texts are byte strings that must be valid UTF-8 (what Python's str holds
 * after decoding; U+0000 is an ordinary character). Filters match whole
 * characters, so they may be any UTF-8 characters. Lower-casing maps only
 * 'A'..'Z': where Python's str.lower() also lower-cases other letters
 * ("É" -> "é"), lstmc keeps them as they are.
 *
 * Indices: fit ranks every word by count, most frequent first, ties by
 * first appearance (Python's stable sort of the insertion-ordered counts);
 * the word of rank r (from 0) gets index r + 1, or r + 2 with an
 * oov_token, which takes index 1. As in Keras, when the oov_token is
 * itself one of the fitted words it takes that word's index and index 1
 * goes unused.
 *
 * Sequences: a known word of index i < num_words (or any index when
 * num_words is 0) gives i; any other word gives the oov index when there
 * is an oov_token and is dropped otherwise. So indices are < num_words,
 * except the oov index itself, which Keras emits even when num_words <= 1
 * or the oov_token is a word ranked beyond the cut.
 */
typedef struct lstmc_tokenizer lstmc_tokenizer;

/* A tokenizer with no words. cfg NULL means lstmc_tokenizer_defaults().
 * *out is owned by the caller. Errors: LSTMC_ERR_ARG (out NULL; filters
 * NULL or not UTF-8; an oov_token that is empty or not UTF-8),
 * LSTMC_ERR_NOMEM. */
lstmc_status lstmc_tokenizer_create(lstmc_tokenizer **out,
                                    const lstmc_tokenizer_config *cfg,
                                    lstmc_error *err);

/* Frees a tokenizer; NULL is allowed. */
void lstmc_tokenizer_destroy(lstmc_tokenizer *t);

/* The settings t was created (or loaded) with, e.g. to check a saved
 * tokenizer against a spec. The strings belong to t. t must not be NULL. */
lstmc_tokenizer_config lstmc_tokenizer_settings(const lstmc_tokenizer *t);

/*
 * fit_on_texts: add the words of texts[0..n) to the counts and rank the
 * vocabulary again (so fitting twice equals fitting on the concatenation).
 * lens [n] gives each text's length in bytes; lens NULL means every text is
 * NUL-terminated.
 * Errors: LSTMC_ERR_ARG for NULL texts or a text that is not valid UTF-8
 * (err->row = text index + 1, err->col = byte offset + 1; every text is
 * checked before any is counted, so the tokenizer is unchanged);
 * LSTMC_ERR_ARG for a vocabulary above INT32_MAX - 1 words, or
 * LSTMC_ERR_NOMEM, after which the counts may hold part of the texts:
 * destroy the tokenizer.
 */
lstmc_status lstmc_tokenizer_fit(lstmc_tokenizer *t, const char *const *texts,
                                 const size_t *lens, size_t n,
                                 lstmc_error *err);

/* The number of distinct words fitted (len(word_counts)). */
size_t lstmc_tokenizer_word_count(const lstmc_tokenizer *t);

/* A word's index (word_index.get(word), 0 when not a fitted word and not
 * the oov_token) and its count (0 if unknown). word is len bytes, already
 * lower-cased and filtered as a fitted word is. */
size_t lstmc_tokenizer_index(const lstmc_tokenizer *t, const char *word,
                             size_t len);
uint64_t lstmc_tokenizer_word_frequency(const lstmc_tokenizer *t,
                                        const char *word, size_t len);

/* The word of an index (index_word), NULL if none: a NUL-terminated
 * string; *len (len may be NULL) gets its length, which counts when a word
 * holds U+0000. The string belongs to t until the next fit. */
const char *lstmc_tokenizer_word(const lstmc_tokenizer *t, size_t index,
                                 size_t *len);

/* The index of the oov_token (1, or see above), 0 without one. */
size_t lstmc_tokenizer_oov_index(const lstmc_tokenizer *t);

/*
 * texts_to_sequences for one text, without allocating: the indices go to
 * out[0..min(*count, cap)) and *count is the full number, so a call with
 * cap 0 (out may be NULL) measures. Errors: LSTMC_ERR_ARG for NULL
 * text/count or text not valid UTF-8 (err->col = byte offset + 1).
 */
lstmc_status lstmc_tokenizer_encode(const lstmc_tokenizer *t, int32_t *out,
                                    size_t cap, size_t *count,
                                    const char *text, size_t len,
                                    lstmc_error *err);

/* Ragged sequences: sequence i is ids[offsets[i] .. offsets[i + 1]). */
typedef struct lstmc_sequences {
    size_t n;        /* number of sequences */
    size_t *offsets; /* [n + 1], offsets[0] = 0 */
    int32_t *ids;    /* [offsets[n]] (NULL when that is 0) */
} lstmc_sequences;

/*
 * texts_to_sequences [keras-text] of texts[0..n) (lens as for fit).
 * *out is malloc'ed and owned by the caller (lstmc_sequences_destroy).
 * Errors: those of lstmc_tokenizer_encode with err->row = text index + 1;
 * LSTMC_ERR_NOMEM. Nothing is returned then.
 */
lstmc_status lstmc_tokenizer_texts_to_sequences(lstmc_sequences **out,
                                                const lstmc_tokenizer *t,
                                                const char *const *texts,
                                                const size_t *lens, size_t n,
                                                lstmc_error *err);

/* Frees sequences from lstmc_tokenizer_texts_to_sequences; NULL allowed. */
void lstmc_sequences_destroy(lstmc_sequences *s);

/*
 * pad_sequences [keras-seq] with dtype int32: out[n, maxlen] from the
 * ragged ids/offsets (as in lstmc_sequences), sequence by sequence per
 * lstmc_pad_plan, other entries `value`; an empty sequence is all value.
 * Errors (nothing written): LSTMC_ERR_ARG for maxlen 0 (Keras' maxlen=None
 * is not offered), NULL buffers, decreasing offsets, sizes that overflow.
 */
lstmc_status lstmc_pad_sequences_i32(int32_t *out, const int32_t *ids,
                                     const size_t *offsets, size_t n,
                                     size_t maxlen, lstmc_pad_side padding,
                                     lstmc_pad_side truncating, int32_t value,
                                     lstmc_error *err);

/*
 * texts_to_sequences followed by pad_sequences(value=0), text by text,
 * without building the ragged sequences: out[n, maxlen]. The same
 * numbers as the two steps; errors as theirs (err->row = text index + 1).
 */
lstmc_status lstmc_tokenizer_texts_to_padded(const lstmc_tokenizer *t,
                                             int32_t *out,
                                             const char *const *texts,
                                             const size_t *lens, size_t n,
                                             size_t maxlen,
                                             lstmc_pad_side padding,
                                             lstmc_pad_side truncating,
                                             lstmc_error *err);

/*
 * The fitted vocabulary as JSON, to keep beside the weights:
 *   {"filters":"..","format":"lstmc.tokenizer","lower":true,
 *    "num_words":20000,"oov_token":null,"version":1,
 *    "words":["a","very","slow",...],"counts":[9,3,1,...]}
 * "words" holds every fitted word (not only those below num_words) in
 * order of first appearance, as Keras' word_counts, and "counts" their
 * counts; the ranks follow from them. num_words 0 is written as 0 (None).
 * Loading gives a tokenizer with the same indices and sequences, which can
 * be fitted further exactly as the saved one could.
 * *json is malloc'ed; the caller frees it.
 * Errors: LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_tokenizer_to_json(char **json, const lstmc_tokenizer *t,
                                     lstmc_error *err);

/* Errors: LSTMC_ERR_FORMAT (invalid JSON with row/col, wrong keys or
 * types, words and counts of different lengths, a word twice or empty, a
 * count of 0), LSTMC_ERR_NOMEM. */
lstmc_status lstmc_tokenizer_from_json(lstmc_tokenizer **out, const char *json,
                                       size_t len, lstmc_error *err);

/* Through a file, saved atomically. */
lstmc_status lstmc_tokenizer_save(const lstmc_tokenizer *t, const char *path,
                                  lstmc_error *err);
lstmc_status lstmc_tokenizer_load(lstmc_tokenizer **out, const char *path,
                                  lstmc_error *err);

/* ================================================================== */
/*
 * Evaluation metrics, reports, result files, plots and the
 * training progress display (metrics.c, report.c, plot.c, progress.c).
 *
 * Class labels are codes 0..n_classes-1 (LabelEncoder order: the sorted
 * distinct labels), as size_t.
 */
/* ================================================================== */

/* ------------------------------------------------------------------ */
/* Regression metrics (metrics.c)                                      */
/* ------------------------------------------------------------------ */

/*
 * Regression metrics of predictions y_pred[n] against targets y_true[n],
 * in the data's own units (call after the inverse scaling, as the seed
 * does). The values are one flat series: a multi-output model passes its
 * outputs flattened. Sums use numpy's pairwise summation, so the values
 * are those scikit-learn computes, to the last bit:
 *
 *   rmse = sqrt(mean((y - yhat)^2))      sqrt(mean_squared_error)
 *   mae  = mean(|y - yhat|)              mean_absolute_error
 *   mape = 100 * mean(|y - yhat| / max(|y|, DBL_EPSILON))
 *
 * MAPE is scikit-learn's mean_absolute_percentage_error times 100 (so it
 * is in percent): a zero target is not skipped but divided by
 * DBL_EPSILON (2.2e-16), which makes MAPE huge when a target is 0 and
 * the prediction is not; it is not meaningful for such data.
 */
typedef struct lstmc_regression_metrics {
    double rmse;
    double mae;
    double mape; /* percent */
} lstmc_regression_metrics;

/* Errors: LSTMC_ERR_ARG if out, y_true or y_pred is NULL, n is 0, or a
 * value is not finite (the message gives its index); out is untouched. */
lstmc_status lstmc_regression_metrics_f64(lstmc_regression_metrics *out,
                                          const double *y_true,
                                          const double *y_pred, size_t n,
                                          lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Classification metrics (metrics.c)                                  */
/* ------------------------------------------------------------------ */

/*
 * The confusion matrix cm[n_classes, n_classes] of n samples: cm[i][j]
 * counts the samples of true class i predicted as class j (rows true,
 * columns predicted, in label order, as sklearn.metrics.confusion_matrix).
 * cm is overwritten.
 * Errors (cm untouched): LSTMC_ERR_ARG if cm is NULL, n_classes is 0, a
 * label array is NULL with n > 0, or a label is >= n_classes (the
 * message gives the sample index and which array).
 */
lstmc_status lstmc_confusion_matrix(uint64_t *cm, const size_t *y_true,
                                    const size_t *y_pred, size_t n,
                                    size_t n_classes, lstmc_error *err);

/* Scores of one class, or an average of them. support: the number of
 * samples whose true class it is (for an average, all samples). */
typedef struct lstmc_class_scores {
    double precision;
    double recall;
    double f1;
    uint64_t support;
} lstmc_class_scores;

/* Bits of lstmc_classification.warnings: a score was 0/0 and was set to 0,
 * as scikit-learn does with zero_division="warn" (where it issues an
 * UndefinedMetricWarning). The caller decides whether to show them; see
 * lstmc_classification_warning_text. */
#define LSTMC_WARN_PRECISION 0x1u /* a class with no predicted samples */
#define LSTMC_WARN_RECALL 0x2u    /* a class with no true samples */

/*
 * Everything classification_report shows, computed as
 * sklearn.metrics.precision_recall_fscore_support does (scikit-learn
 * 1.2, beta 1, zero_division "warn"), with labels = every class
 * 0..n_classes-1:
 *   precision_c = tp / (tp + fp), recall_c = tp / (tp + fn), 0 when the
 *   denominator is 0 (and a warning bit set);
 *   f1_c = 2 * p * r / (p + r), 0 when p + r is 0;
 *   macro: the unweighted mean over classes; weighted: the mean weighted
 *   by support (0 for all three if no sample has any of the classes);
 *   micro: from the summed counts (equal to accuracy here).
 * accuracy = correct / total.
 * all_present is true when every class occurs in y_true or y_pred; the
 * report then shows an "accuracy" row, otherwise a "micro avg" row, as
 * scikit-learn does when labels lists classes absent from the data.
 */
typedef struct lstmc_classification {
    size_t n_classes;
    lstmc_class_scores *per_class; /* [n_classes], the caller's buffer */
    lstmc_class_scores macro;
    lstmc_class_scores weighted;
    lstmc_class_scores micro;
    double accuracy;
    uint64_t total;
    uint64_t correct;
    bool all_present;
    unsigned warnings; /* LSTMC_WARN_* bits */
} lstmc_classification;

/*
 * Fill *out from the confusion matrix cm[n_classes, n_classes].
 * per_class[n_classes] is the caller's buffer; out->per_class points to it.
 * Errors (nothing written): LSTMC_ERR_ARG if a pointer is NULL, n_classes
 * is 0, or cm counts no sample.
 */
lstmc_status lstmc_classification_scores(lstmc_classification *out,
                                         lstmc_class_scores *per_class,
                                         const uint64_t *cm, size_t n_classes,
                                         lstmc_error *err);

/* scikit-learn's warning text for one LSTMC_WARN_* bit, e.g. "precision
 * and F-score are ill-defined and being set to 0.0 in labels with no
 * predicted samples", or NULL for another value. Static storage. */
const char *lstmc_classification_warning_text(unsigned bit);

/* ------------------------------------------------------------------ */
/* Reports as text (report.c)                                          */
/* ------------------------------------------------------------------ */

/*
 * Write the classification report exactly as scikit-learn's
 * classification_report(y_true, y_pred, labels=range(n_classes),
 * target_names=names, digits=digits) returns it (print() adds one more
 * newline). With w = max(longest name, len("weighted avg") = 12, digits),
 * names counted in UTF-8 code points as Python counts them:
 *
 *   header   w spaces and " ", then " %9s" of each of precision recall
 *            f1-score support
 *   ""
 *   a row    the name right-aligned to w and " ", then " %9.*f" of
 *            precision, recall and f1 (digits decimals), " %9" PRIu64 " of
 *            the support
 *   ""
 *   accuracy "accuracy" right-aligned to w, two empty 9-wide columns, the
 *            accuracy (micro f1) and the total support; "micro avg" with
 *            all three micro scores instead when not all_present
 *   macro avg, weighted avg rows like a class row
 *
 * i.e. for two classes "0", "1":
 *
 *                 precision    recall  f1-score   support
 *
 *              0       0.67      1.00      0.80         2
 *              1       1.00      0.50      0.67         2
 *
 *       accuracy                           0.75         4
 *      macro avg       0.83      0.75      0.73         4
 *   weighted avg       0.83      0.75      0.73         4
 *
 * (each line of the table above starts with two spaces of indentation
 * in this comment only). Every line ends in "\n".
 * names: n_classes NUL-terminated UTF-8 names, or NULL for "0", "1", ...
 * digits: decimals, as scikit-learn's digits (2 by default there).
 * Errors: LSTMC_ERR_ARG (NULL out or scores, a NULL name, digits above
 * 17), LSTMC_ERR_IO if writing to out fails (err->msg has strerror).
 */
lstmc_status lstmc_classification_report_write(FILE *out,
                                               const lstmc_classification *s,
                                               const char *const *names,
                                               int digits, lstmc_error *err);

/*
 * Write cm[n_classes, n_classes] as a text table:
 *
 *   Confusion matrix (rows: true, columns: predicted)
 *
 *             Negative  Positive
 *   Negative       120        30
 *   Positive        25       125
 *
 * The first column holds the row names right-aligned to the longest name;
 * each count column is two spaces then the counts and its name
 * right-aligned to the wider of the two. No trailing spaces; every line
 * ends in "\n". names as for lstmc_classification_report_write.
 * Errors: LSTMC_ERR_ARG, LSTMC_ERR_IO.
 */
lstmc_status lstmc_confusion_matrix_write(FILE *out, const uint64_t *cm,
                                          size_t n_classes,
                                          const char *const *names,
                                          lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Result files (report.c)                                             */
/* ------------------------------------------------------------------ */

/*
 * Atomic file writing, for any writer that takes a FILE*:
 *
 *   FILE *f; lstmc_atomic_file *af;
 *   if (lstmc_atomic_open(&af, &f, path, err) != LSTMC_OK) return ...;
 *   ...write to f...
 *   return lstmc_atomic_commit(af, err);   (or lstmc_atomic_abort(af))
 *
 * open creates PATH.tmp.XXXXXX in path's directory (mode 0644, or the
 * mode of the file it will replace); commit flushes, fsyncs, closes and
 * renames it over path, then fsyncs the directory when the system allows
 * it; abort, or a commit that fails, removes the temporary file and leaves
 * an existing file at path as it was. commit and abort free af (abort
 * accepts NULL) and close f: do not fclose it yourself.
 * A write error on f (ferror) makes commit fail with LSTMC_ERR_IO.
 * Errors: LSTMC_ERR_ARG (NULL or empty path, NULL af/f), LSTMC_ERR_IO
 * (the temporary file cannot be created: e.g. a missing or read-only
 * directory; flush, fsync, close or rename failed), LSTMC_ERR_NOMEM.
 */
typedef struct lstmc_atomic_file lstmc_atomic_file;

lstmc_status lstmc_atomic_open(lstmc_atomic_file **af, FILE **f,
                               const char *path, lstmc_error *err);
lstmc_status lstmc_atomic_commit(lstmc_atomic_file *af, lstmc_error *err);
void lstmc_atomic_abort(lstmc_atomic_file *af);

/* The temporary file's name (for writers, such as PLplot, that need a
 * name rather than a FILE*: they may reopen it by name and write it). */
const char *lstmc_atomic_tmp_path(const lstmc_atomic_file *af);

/*
 * What metrics.json holds. Absent parts: has_val false, has_regression /
 * has_accuracy false; "test" is left out when neither applies.
 */
typedef struct lstmc_run_summary {
    const char *spec;   /* the spec's name, e.g. "forecast" */
    uint64_t epochs;    /* epochs actually trained */
    double train_loss;  /* last epoch's mean training loss */
    double train_seconds;
    double train_samples_per_second;
    bool has_val;
    double val_loss;    /* last epoch's validation loss */
    bool has_regression;
    lstmc_regression_metrics test; /* when has_regression */
    bool has_accuracy;
    double test_accuracy;          /* when has_accuracy */
} lstmc_run_summary;

/*
 * Write metrics.json at path (atomically, see above) through jansson:
 * one line, keys in this order, ", " and ": " separators, a final "\n":
 *
 *   {"spec": "forecast", "epochs": 1, "train": {"loss": 0.01,
 *   "seconds": 0.2, "samples_per_second": 500}, "val": {"loss": 0.02},
 *   "test": {"rmse": 41.3, "mae": 30.1, "mape": 8.25, "accuracy": 0.9}}
 *
 * (wrapped here). "val" only with has_val; "test" holds rmse, mae, mape
 * with has_regression and accuracy with has_accuracy. Numbers are JSON
 * reals printed with 15 significant digits (DBL_DIG, so a value reads
 * back as the decimal it came from: 0.2, not 0.20000000000000001); a
 * real with an integral value keeps ".0" ("500.0"); a non-finite value
 * (a loss that diverged) is written as null.
 * Errors: LSTMC_ERR_ARG (NULL s, s->spec or path; spec not UTF-8),
 * LSTMC_ERR_IO, LSTMC_ERR_NOMEM; the old file is then left as it was.
 */
lstmc_status lstmc_metrics_json_write(const char *path,
                                      const lstmc_run_summary *s,
                                      lstmc_error *err);

/*
 * Write history.csv at path (atomically): a header line, then one line
 * per epoch, numbered from 1 as the progress display numbers them:
 *
 *   epoch,loss,val_loss,accuracy,val_accuracy
 *   1,0.69314718055994529,0.6805,0.5,0.53
 *
 * val_loss is present only when val_loss is not NULL (as Keras'
 * CSVLogger writes only the keys it has); then come the extra columns
 * metric_names[0..n_metrics) with values metrics[epochs, n_metrics]
 * (row-major). Numbers use the shortest "%.{15,16,17}g" that reads back
 * as the same double; a non-finite value is written "nan", "inf" or
 * "-inf". Lines end in "\n".
 * Errors: LSTMC_ERR_ARG (NULL path or loss with epochs > 0, metric names
 * NULL or containing ',', '"' or a newline), LSTMC_ERR_IO, LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_history_csv_write(const char *path, size_t epochs,
                                     const double *loss,
                                     const double *val_loss,
                                     size_t n_metrics,
                                     const char *const *metric_names,
                                     const double *metrics,
                                     lstmc_error *err);

/*
 * A forecast: the whole series and the two sets of predictions placed on
 * its time axis, all in the data's units. train_pred[i] predicts
 * series[train_start + i], test_pred[i] predicts series[test_start + i];
 * both ranges must lie inside [0, n_series). Either set may be empty
 * (pointer NULL, count 0).
 */
typedef struct lstmc_forecast {
    const double *series;
    size_t n_series;
    const double *train_pred;
    size_t n_train;
    size_t train_start;
    const double *test_pred;
    size_t n_test;
    size_t test_start;
} lstmc_forecast;

/*
 * Write a forecast's predictions.csv at path (atomically):
 *
 *   index,split,actual,predicted
 *   10,train,112,118.25
 *   ...
 *   130,test,432,410.5
 *
 * index is the 0-based position in the series; train rows then test rows.
 * Numbers as in history.csv.
 * Errors: LSTMC_ERR_ARG (NULL path/f, a range outside the series),
 * LSTMC_ERR_IO, LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_forecast_predictions_write(const char *path,
                                              const lstmc_forecast *f,
                                              lstmc_error *err);

/* Room for any number lstmc_format_number writes, with its NUL. */
#define LSTMC_NUMBER_SIZE 32

/* v as every result file writes numbers: the shortest of %.15g, %.16g,
 * %.17g that reads back as v; "nan", "inf", "-inf" when not finite. */
void lstmc_format_number(char buf[LSTMC_NUMBER_SIZE], double v);

/* s (NUL-terminated) as one CSV field on out, quoted as RFC 4180 says
 * when it holds ',', '"', CR or LF. Write errors show in ferror(out). */
void lstmc_csv_put_field(FILE *out, const char *s);

/*
 * Write a classifier's predictions.csv at path (atomically):
 *
 *   index,true,predicted[,p_NAME...]
 *   0,Negative,Positive,0.31,0.69
 *
 * one line per sample i of y_true[n], y_pred[n], with class names
 * (RFC 4180 quoting when a name has ',', '"', CR or LF), then, when
 * probs is not NULL, the predicted probabilities probs[n, n_classes] in
 * columns "p_" + name. names as for lstmc_classification_report_write.
 * Errors: LSTMC_ERR_ARG (NULL path, labels NULL with n > 0, a label >=
 * n_classes), LSTMC_ERR_IO, LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_class_predictions_write(const char *path,
                                           const size_t *y_true,
                                           const size_t *y_pred,
                                           const double *probs, size_t n,
                                           size_t n_classes,
                                           const char *const *names,
                                           lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Plots through PLplot (plot.c)                                       */
/* ------------------------------------------------------------------ */

/*
 * The figures of the seed, drawn with PLplot's cairo devices: "pngcairo"
 * for PNG, "svgcairo" for SVG (Debian: libplplot-dev,
 * plplot-driver-cairo). Each call creates its own PLplot stream, draws,
 * ends the stream with plend1() and restores the stream that was current
 * before, so no PLplot state outlives the call. PLplot itself is not
 * thread-safe: make at most one plot call at a time in a process.
 *
 * The file is written atomically (lstmc_atomic_*): the temporary file is
 * created first, so a missing or read-only directory gives LSTMC_ERR_IO
 * before PLplot is started (PLplot would call exit() on a file it
 * cannot open). Every argument is checked before PLplot is started for
 * the same reason, and so is the device: without plplot-driver-cairo the
 * call fails with LSTMC_ERR_IO ("PLplot has no pngcairo device ...")
 * instead of PLplot prompting on stdin.
 */
typedef enum lstmc_plot_format {
    LSTMC_PLOT_PNG,
    LSTMC_PLOT_SVG
} lstmc_plot_format;

/* Titles for a plot; any field NULL takes the plot's default. Text is
 * UTF-8 and shown literally (a '#', PLplot's escape character, is
 * doubled before PLplot sees it). */
typedef struct lstmc_plot_labels {
    const char *title;
    const char *x_label;
    const char *y_label;
} lstmc_plot_labels;

/*
 * The forecast figure, like the seed's matplotlib one: 1200x600 pixels
 * (12x6), the series ("Original data") and the train and test predictions
 * ("Train prediction", "Test prediction") as lines on one time axis
 * (0-based series index), in matplotlib's first three colours, with a
 * legend (entries for the parts drawn) at the top left above the data
 * (the y range gets headroom for it). Axis numbers are written in full
 * up to 9 characters. Defaults: title "Forecast", x "Time step",
 * y "Value".
 * labels may be NULL.
 * Errors: LSTMC_ERR_ARG (NULL path/f, empty series, ranges outside the
 * series, a non-finite value, unknown format), LSTMC_ERR_IO,
 * LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_plot_forecast(const char *path, lstmc_plot_format format,
                                 const lstmc_forecast *f,
                                 const lstmc_plot_labels *labels,
                                 lstmc_error *err);

/*
 * The confusion matrix as a heatmap like seaborn's heatmap(cm, annot=True,
 * fmt='d', cmap='Blues'): 1000x700 pixels (10x7), cell colour from
 * matplotlib's Blues scale (0 to the largest count), the count in each
 * cell (white on dark cells), a colour bar, class names on both axes
 * (the x names turn vertical when they would not fit side by side), x
 * "Predicted", y "True", title "Confusion Matrix"; true class 0 in the top
 * row. Names need a font with their glyphs (CJK needs e.g.
 * fonts-noto-cjk). labels may be NULL (then those defaults). names as for
 * lstmc_classification_report_write.
 * Errors: LSTMC_ERR_ARG (NULL path/cm, n_classes 0 or above
 * LSTMC_PLOT_MAX_CLASSES, a NULL name), LSTMC_ERR_IO, LSTMC_ERR_NOMEM.
 */
#define LSTMC_PLOT_MAX_CLASSES 64 /* the most classes the heatmap shows */

lstmc_status lstmc_plot_confusion(const char *path, lstmc_plot_format format,
                                  const uint64_t *cm, size_t n_classes,
                                  const char *const *names,
                                  const lstmc_plot_labels *labels,
                                  lstmc_error *err);

/*
 * Training and validation loss per epoch: 1000x600 pixels, lines with
 * markers at epochs 1..epochs, "Training loss" and (when val_loss is not
 * NULL) "Validation loss", legend at the top right above the data.
 * Markers only up to 30 epochs. Defaults: title "Training and validation
 * loss" ("Training loss" without val_loss), x "Epoch", y "Loss".
 * Non-finite losses are left out of the lines (a gap).
 * Errors: LSTMC_ERR_ARG (NULL path/loss, epochs 0, no finite value),
 * LSTMC_ERR_IO, LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_plot_loss(const char *path, lstmc_plot_format format,
                             const double *loss, const double *val_loss,
                             size_t epochs, const lstmc_plot_labels *labels,
                             lstmc_error *err);

/* ------------------------------------------------------------------ */
/* Progress display (progress.c)                                       */
/* ------------------------------------------------------------------ */

/* Seconds on a monotonic clock; ctx is the caller's. */
typedef double (*lstmc_clock_fn)(void *ctx);

typedef enum lstmc_progress_mode {
    LSTMC_PROGRESS_AUTO,  /* TTY when isatty(fileno(out)), else LINES */
    LSTMC_PROGRESS_TTY,   /* a bar redrawn in place with '\r' */
    LSTMC_PROGRESS_LINES  /* one line per epoch */
} lstmc_progress_mode;

#define LSTMC_PROGRESS_MAX_METRICS 8
#define LSTMC_PROGRESS_BAR_WIDTH 30

/*
 * A Keras-like progress display (keras.utils.Progbar, Keras 2), written to
 * a FILE* the caller owns. Steps are batches.
 *
 * TTY mode: begin_epoch writes "Epoch 3/10\n"; update redraws
 *
 *   "\r 45/120 [=========>....................] - ETA: 3s - loss: 0.0123"
 *
 * at most every min_interval seconds (and always for the first and the
 * last step), padded with spaces to cover a longer previous line. The
 * count is right-aligned to the digits of steps; the bar has 30 cells:
 * int(30 * step / steps) filled, the last of them '>' while unfinished.
 * ETA = (now - start) / step * (steps - step) seconds, shown as "%ds"
 * (truncated), "%d:%02d" above 60 s, "%d:%02d:%02d" above 3600 s. The last
 * step and end_epoch show " - 2s 15ms/step" instead (total seconds
 * "%.0f", then the time per step in s, ms or us); end_epoch adds the
 * extra values and "\n".
 *
 * LINES mode: nothing until end_epoch, which writes one line
 *
 *   "Epoch 3/10 - 120/120 - 2s - loss: 0.0123 - val_loss: 0.0150\n"
 *
 * Values: " - NAME: %.4f", or "%.4e" when |value| <= 1e-3 (Keras). The
 * running values are means over the batches so far, weighted by batch
 * size. Output is flushed after each write.
 *
 * The struct is plain data owned by the caller (no allocation, nothing to
 * destroy); names are borrowed and must outlive it. Treat fields as
 * private.
 */
typedef struct lstmc_progress {
    FILE *out;
    bool tty;
    size_t epochs;
    size_t steps;
    size_t n_metrics;
    const char *names[LSTMC_PROGRESS_MAX_METRICS];
    double sums[LSTMC_PROGRESS_MAX_METRICS];
    double weight;
    size_t epoch;
    size_t step;
    double start;
    double last_draw;
    bool drawn;
    size_t prev_len;
    double min_interval;
    lstmc_clock_fn clock;
    void *clock_ctx;
} lstmc_progress;

/*
 * Set up p for `epochs` epochs of `steps` batches, with running metrics
 * names[0..n_metrics) (e.g. {"loss", "accuracy"}). clock(clock_ctx)
 * gives the time; NULL uses CLOCK_MONOTONIC. Redraws are at most every
 * 0.05 s (Keras' interval) until lstmc_progress_set_interval.
 * Errors: LSTMC_ERR_ARG (NULL p/out, epochs or steps 0, n_metrics above
 * LSTMC_PROGRESS_MAX_METRICS, a NULL name).
 */
lstmc_status lstmc_progress_init(lstmc_progress *p, FILE *out,
                                 lstmc_progress_mode mode, size_t epochs,
                                 size_t steps, size_t n_metrics,
                                 const char *const *names,
                                 lstmc_clock_fn clock, void *clock_ctx,
                                 lstmc_error *err);

/* Redraw at most every `seconds` (>= 0) in TTY mode. */
void lstmc_progress_set_interval(lstmc_progress *p, double seconds);

/* Start epoch `epoch` (1-based): resets the running means and the clock.
 * Errors: LSTMC_ERR_ARG (epoch 0 or above epochs), LSTMC_ERR_IO. */
lstmc_status lstmc_progress_begin_epoch(lstmc_progress *p, size_t epoch,
                                        lstmc_error *err);

/* One batch of batch_size samples done, with its mean metrics
 * values[n_metrics] (in the order of init's names).
 * Errors: LSTMC_ERR_ARG (batch_size 0, values NULL with n_metrics > 0,
 * more steps than init said), LSTMC_ERR_IO. */
lstmc_status lstmc_progress_update(lstmc_progress *p, size_t batch_size,
                                   const double *values, lstmc_error *err);

/* The running means so far, means[n_metrics] (0 before any batch). */
void lstmc_progress_means(const lstmc_progress *p, double *means);

/* End the epoch: writes the final line with the running means and then
 * the extra values extra_names/extra_values[0..n_extra) (e.g. "val_loss").
 * Errors: LSTMC_ERR_ARG (NULL extra arrays with n_extra > 0),
 * LSTMC_ERR_IO. */
lstmc_status lstmc_progress_end_epoch(lstmc_progress *p, size_t n_extra,
                                      const char *const *extra_names,
                                      const double *extra_values,
                                      lstmc_error *err);

/* ================================================================== */
/*
 * The data pipeline of a generated program's `train` command
 * (pipeline.c): a data-driven executor of a spec's `pipeline` section
 * (docs/spec.md section 5).
 *
 * The generated NAME_main.c fills an lstmc_pipeline_spec with the spec's
 * settings as constants and calls, in order:
 *
 *   lstmc_pipeline_prepare     load -> tokenize/pad | group | window ->
 *                              split -> scale (fitted on the training part)
 *                              -> labels; gives X/Y for train and test
 *   ... the model's fit, in the generated code ...
 *   lstmc_pipeline_evaluate    predictions back to the data's units;
 *                              RMSE/MAE/MAPE or accuracy/confusion matrix
 *   lstmc_pipeline_report      the printed report
 *   lstmc_pipeline_write       metrics.json, history.csv, predictions.csv,
 *                              plots, and the fitted state
 *                              (lstmc_pipeline_save_state)
 *
 * As everywhere in the runtime, nothing here prints on its own or exits:
 * text goes to the FILE* given, errors come back as a status with the
 * detail (file, row, column, message) in the caller's lstmc_error.
 */
/* ================================================================== */

/* How the samples are made from the table's rows (docs/spec.md 5.3-5.9). */
typedef enum lstmc_pipeline_samples {
    LSTMC_SAMPLES_WINDOW, /* consecutive rows: series or features */
    LSTMC_SAMPLES_GROUP,  /* one sequence per run of equal ids */
    LSTMC_SAMPLES_TOKENS  /* one text per row, tokenized and padded */
} lstmc_pipeline_samples;

/* The task, from the loss. */
typedef enum lstmc_pipeline_task {
    LSTMC_TASK_REGRESSION,  /* mse, mae */
    LSTMC_TASK_BINARY,      /* binary_crossentropy: one sigmoid output */
    LSTMC_TASK_CATEGORICAL  /* categorical_crossentropy: softmax outputs */
} lstmc_pipeline_task;

/* Bits of lstmc_pipeline_spec.evaluate. */
#define LSTMC_EVAL_RMSE 0x01u
#define LSTMC_EVAL_MAE 0x02u
#define LSTMC_EVAL_MAPE 0x04u
#define LSTMC_EVAL_ACCURACY 0x08u
#define LSTMC_EVAL_CONFUSION 0x10u
#define LSTMC_EVAL_REPORT 0x20u

/* Bits of lstmc_pipeline_spec.plots and .formats. */
#define LSTMC_PLOT_FORECAST 0x1u
#define LSTMC_PLOT_CONFUSION 0x2u
#define LSTMC_PLOT_LOSS 0x4u
#define LSTMC_FORMAT_PNG 0x1u
#define LSTMC_FORMAT_SVG 0x2u

/*
 * A spec's pipeline, as the generated program records it. Strings are
 * borrowed (string literals in the generated code). Paths are as written
 * in the spec; relative ones are taken relative to spec_dir (the spec's
 * directory as `lstmc build` was given it, so relative to the directory
 * the build ran in), unless data_override is set.
 */
typedef struct lstmc_pipeline_spec {
    const char *name;        /* the model's name, e.g. "forecast" */
    const char *spec_dir;    /* "" or the directory of the spec */
    /* source */
    const char *path;        /* the data file */
    const char *test_path;   /* NULL, or the test part's file */
    const char *sheet;       /* NULL: the first sheet (xlsx) */
    const char *data_override; /* NULL, or a path used instead of `path` as is */
    /* columns */
    const char *series;      /* NULL, or the series column */
    const char *const *features; /* n_features column names */
    size_t n_features;
    const char *target;      /* NULL for a series */
    const char *text;        /* tokens input */
    /* samples */
    lstmc_pipeline_samples samples;
    size_t window_length;
    lstmc_window_label window_label;
    const char *group_id, *group_order;
    lstmc_pad_side group_padding, group_truncating;
    /* split */
    double train_fraction;
    bool split_shuffle;
    uint64_t split_seed;
    const char *split_column; /* NULL, or the train/test column */
    /* scale */
    bool scale;               /* false: none */
    lstmc_scale_kind scale_kind;
    double feature_range[2];
    /* labels */
    bool labels_encode;
    const char *const *classes; /* n_classes given in the spec, or NULL */
    size_t n_classes_given;
    /* tokens */
    size_t num_words;
    bool lower;
    const char *filters;      /* NULL: Keras' */
    const char *oov_token;    /* NULL: none */
    lstmc_pad_side padding, truncating;
    /* the model's shapes */
    size_t timesteps;         /* T, or the token length */
    size_t features_per_step; /* F (1 for tokens) */
    size_t vocab;             /* token ids must be < vocab; 0 for sequences */
    size_t outputs;           /* values per sample the model outputs */
    lstmc_pipeline_task task;
    /* evaluate and outputs */
    unsigned evaluate;        /* LSTMC_EVAL_* bits */
    bool write_predictions, write_weights;
    unsigned plots;           /* LSTMC_PLOT_* bits */
    unsigned formats;         /* LSTMC_FORMAT_* bits */
} lstmc_pipeline_spec;

/*
 * Prepared data and the fitted preprocessing state. Every pointer is owned
 * by the struct and freed by lstmc_pipeline_data_free.
 *
 * x_train [n_train, in_size], y_train [n_train, out_size], the same for
 * the test part; in_size = timesteps * features_per_step (time-major), or
 * the token length (token ids as doubles); y is scaled for a scaled
 * series, one-hot for categorical, a 0/1 code for binary.
 * The training part comes in the order Keras' fit sees it: its last
 * validation_split fraction is the validation data.
 */
typedef struct lstmc_pipeline_data {
    size_t n_train, n_test;
    size_t in_size, out_size;
    double *x_train, *y_train;
    double *x_test, *y_test;
    /* Regression: the targets in the data's units, [n, out_size]. */
    double *y_train_raw, *y_test_raw;
    /* Classification: the true codes of each sample, and the classes. */
    size_t *train_codes, *test_codes;
    size_t n_classes;
    const char **class_names; /* [n_classes], owned by `labels` or static */
    /* A series: the whole column in the data's units, and where each
     * sample's label sits in it (for the forecast plot). */
    double *series;
    size_t n_series;
    size_t *train_rows, *test_rows;
    /* Fitted state (NULL when the step does not apply). */
    lstmc_scaler *scaler;
    bool target_scaled;       /* a series: y is scaled by column 0 */
    lstmc_labels *labels;
    lstmc_tokenizer *tokenizer;
    char path[1024];          /* the data file actually read */
    char test_path[1024];     /* the test file read, "" without test_path */
} lstmc_pipeline_data;

/*
 * Run the pipeline up to the model's fit: read the table(s), build the
 * samples, split, fit the scaler on the training part only and apply it,
 * encode the labels (classes from the training part; a test class never
 * seen in training is an error). *data must be zeroed before the call and
 * released with lstmc_pipeline_data_free afterwards, whatever the result.
 * Errors, each with file/row/column where there is one:
 *   LSTMC_ERR_IO      a file cannot be read;
 *   LSTMC_ERR_FORMAT  a missing column, a bad or non-finite cell, an empty
 *                     text, a test class never seen in training, labels of
 *                     a sequence that disagree;
 *   LSTMC_ERR_ARG     too few rows for a window, a split leaving a part
 *                     empty, a token id above the model's vocabulary;
 *   LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_pipeline_prepare(lstmc_pipeline_data *data,
                                    const lstmc_pipeline_spec *spec,
                                    lstmc_error *err);

/* Frees everything data owns and zeroes it; NULL is allowed. */
void lstmc_pipeline_data_free(lstmc_pipeline_data *data);

/*
 * The fitted state beside the weights, so predict can take raw values:
 * DIR/scaler.json, DIR/labels.json, DIR/tokenizer.json (those that apply),
 * each written atomically. Errors: LSTMC_ERR_IO, LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_pipeline_save_state(const lstmc_pipeline_data *data,
                                       const char *dir, lstmc_error *err);

/* What training produced, for the report and metrics.json. */
typedef struct lstmc_pipeline_history {
    size_t epochs;            /* epochs trained */
    const double *loss;       /* [epochs] */
    const double *val_loss;   /* [epochs], or NULL without validation */
    double seconds;           /* wall time of fit */
    size_t samples_seen;      /* training samples processed in fit */
    size_t best_epoch;        /* 1-based epoch whose weights are kept */
} lstmc_pipeline_history;

/*
 * The evaluation of the test part (and the train predictions of a series).
 * Owned arrays are freed by lstmc_pipeline_result_free.
 */
typedef struct lstmc_pipeline_result {
    bool regression;
    lstmc_regression_metrics test;   /* regression, in the data's units */
    double *pred_train, *pred_test;  /* regression: predictions in the data's units */
    size_t *pred_codes;              /* classification: [n_test] */
    double *probs;                   /* classification: [n_test, n_classes] */
    uint64_t *cm;                    /* [n_classes, n_classes] */
    lstmc_class_scores *per_class;
    lstmc_classification scores;
    double baseline;                 /* regression: RMSE of "last value"; */
                                     /* classification: majority accuracy */
} lstmc_pipeline_result;

/*
 * Evaluate the model's raw outputs on the test part y_test_model[n_test,
 * out_size] (and, for regression, the train part y_train_model, which may
 * be NULL): undo the scaling, compute the metrics the task has, and the
 * trivial baseline (the last value of the window for a series, the
 * majority training class for classification). *res must be zeroed; free
 * it with lstmc_pipeline_result_free. Errors: LSTMC_ERR_ARG for a
 * non-finite prediction, LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_pipeline_evaluate(lstmc_pipeline_result *res,
                                     const lstmc_pipeline_data *data,
                                     const lstmc_pipeline_spec *spec,
                                     const double *y_train_model,
                                     const double *y_test_model,
                                     lstmc_error *err);

void lstmc_pipeline_result_free(lstmc_pipeline_result *res);

/* Print the evaluation on out: the metrics the spec's `evaluate` lists,
 * the baseline, and the confusion matrix and classification report.
 * Errors: LSTMC_ERR_IO. */
lstmc_status lstmc_pipeline_report(FILE *out, const lstmc_pipeline_result *res,
                                   const lstmc_pipeline_data *data,
                                   const lstmc_pipeline_spec *spec,
                                   const lstmc_pipeline_history *h,
                                   lstmc_error *err);

/*
 * Write the outputs into dir (created if missing): metrics.json,
 * history.csv, predictions.csv (unless the spec turns it off), the plots
 * and formats the spec asks for (forecast.png, confusion_matrix.png,
 * loss.png, ...), and the fitted state (lstmc_pipeline_save_state). Every
 * file is written atomically. The weights are the caller's (the model's
 * own save). Errors: LSTMC_ERR_IO, LSTMC_ERR_ARG, LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_pipeline_write(const char *dir,
                                  const lstmc_pipeline_result *res,
                                  const lstmc_pipeline_data *data,
                                  const lstmc_pipeline_spec *spec,
                                  const lstmc_pipeline_history *h,
                                  lstmc_error *err);

/* mkdir -p. Errors: LSTMC_ERR_IO with the path. */
lstmc_status lstmc_make_dirs(const char *dir, lstmc_error *err);

/*
 * Prediction on raw data: the program's `predict --model-dir DIR --data
 * FILE` runs the steps of train that apply to new data, with the state
 * train fitted and saved in DIR; nothing is fitted again:
 *
 *   lstmc_pipeline_load_state         DIR's scaler.json, labels.json,
 *                                     tokenizer.json (those the spec
 *                                     needs), checked against the spec
 *   lstmc_pipeline_prepare_table      a table in the layout of the spec's
 *                                     source -> the model's inputs
 *   ... the model's predict, in the generated code ...
 *   lstmc_pipeline_predictions_write  the outputs in the data's units
 *                                     (or as classes), as CSV
 *
 * The samples and inputs come from the same functions as train's, so a
 * sample gets the same inputs, bit for bit, in both.
 */

/*
 * Read the fitted state of a train --out directory into *state: scaler,
 * target_scaled (a scaled series), labels, n_classes and class_names
 * ("0" .. "k-1" for labels.encode false), tokenizer, in_size and
 * out_size. dir must hold weights.safetensors too (only its presence is
 * checked here; the model loads it). Each file is checked against the
 * spec: the scaler's kind, number of columns and feature_range, the
 * number of classes (and their order when the spec lists labels.classes),
 * the tokenizer's num_words, lower, filters and oov_token; a file the spec
 * does not need is not read. *state must be zeroed; free it with
 * lstmc_pipeline_data_free whatever the result.
 * Errors, with the file's path: LSTMC_ERR_IO a missing file ("no such
 * file; predict needs the fitted scaler that 'NAME train --out DIR'
 * writes there") or one that cannot be read; LSTMC_ERR_FORMAT a file that
 * is not valid or does not match the spec; LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_pipeline_load_state(lstmc_pipeline_data *state,
                                       const lstmc_pipeline_spec *spec,
                                       const char *dir, lstmc_error *err);

/* The model's inputs for the samples of one table; owned arrays are freed
 * by lstmc_pipeline_inputs_free. */
typedef struct lstmc_pipeline_inputs {
    size_t n;            /* samples */
    size_t in_size;      /* values per sample, as lstmc_pipeline_data's */
    double *x;           /* [n, in_size] the model's inputs */
    size_t *rows;        /* [n] the 0-based data row each prediction is for:
                          * a window's label row (n_rows for the row after
                          * the data), a group's first row, a text's row */
    const char **keys;   /* [n] groups: each sequence's id (the strings
                          * belong to the table); NULL otherwise */
    double *actual;      /* [n] a series: the value at rows[i], in the
                          * data's units, NaN after the data; else NULL */
    char path[1024];     /* the table's path */
} lstmc_pipeline_inputs;

/*
 * The samples of table t, which has the spec's columns (only the inputs
 * are read: the input columns, a group's id and order columns, or the
 * text; the target and a split column may be absent), and their inputs,
 * made as train makes them with the fitted state (see
 * lstmc_pipeline_load_state), without a split:
 *   window  every window of `length` consecutive rows, n_rows - length + 1
 *           of them: with label `next`, the last one forecasts the row
 *           after the data;
 *   group   one sequence per run of rows with equal ids, sorted by the
 *           order column and padded or truncated;
 *   tokens  one text per row, through the saved tokenizer and
 *           pad_sequences.
 * Inputs are scaled with the saved scaler. t is only read, and must
 * outlive *in (keys). *in must be zeroed; free it with
 * lstmc_pipeline_inputs_free whatever the result.
 * Errors, with file, row and column: LSTMC_ERR_FORMAT a missing column, a
 * bad cell, an empty text, no rows; LSTMC_ERR_ARG too few rows for a
 * window; LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_pipeline_prepare_table(lstmc_pipeline_inputs *in,
                                          const lstmc_pipeline_data *state,
                                          const lstmc_pipeline_spec *spec,
                                          const lstmc_table *t,
                                          lstmc_error *err);

/* Frees what in owns and zeroes it; NULL is allowed. */
void lstmc_pipeline_inputs_free(lstmc_pipeline_inputs *in);

/* Read a data file for predict as train reads the spec's source
 * (lstmc_table_read; the spec's sheet when path is a workbook). *out is
 * owned by the caller. Errors: those of lstmc_table_read. */
lstmc_status lstmc_pipeline_read_table(lstmc_table **out, const char *path,
                                       const lstmc_pipeline_spec *spec,
                                       lstmc_error *err);

/*
 * A table of one text per line read from `in` (the spec's text column,
 * for a tokens input), so raw text can come from standard input: line i
 * (1-based) is data row i - 1; a final "\n" or "\r\n" is not part of the
 * text. path names the stream in errors (e.g. "<stdin>"). On success *out
 * is owned by the caller (lstmc_table_free).
 * Errors: LSTMC_ERR_ARG the spec has no text column; LSTMC_ERR_FORMAT a
 * line that is not UTF-8 or holds a NUL byte (with its line), a line
 * above LSTMC_TABLE_MAX_FIELD bytes (reading stops there), no lines;
 * LSTMC_ERR_IO a read error; LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_pipeline_read_lines(lstmc_table **out, FILE *in, const char *path,
                                       const lstmc_pipeline_spec *spec,
                                       lstmc_error *err);

/*
 * Write the model's outputs y_model[in->n, state->out_size] on the
 * samples of lstmc_pipeline_prepare_table to out as CSV, a header then one
 * line per sample. The first column is "index" (in->rows) or, for groups,
 * the id column's name (in->keys); then
 *   regression      [actual,]predicted: in the data's units (a scaled
 *                   series' scaling undone, as train's predictions.csv);
 *                   actual for a series only, empty after the data;
 *                   several outputs: predicted_0, predicted_1, ...
 *   classification  predicted,p_CLASS...: the class (argmax, or p > 0.5
 *                   for a sigmoid) and each class's probability.
 * Numbers as lstmc_format_number writes them; names quoted as RFC 4180
 * says. Errors: LSTMC_ERR_IO (ferror on out), LSTMC_ERR_NOMEM.
 */
lstmc_status lstmc_pipeline_predictions_write(FILE *out, const lstmc_pipeline_inputs *in,
                                              const lstmc_pipeline_data *state,
                                              const lstmc_pipeline_spec *spec,
                                              const double *y_model, lstmc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* LSTMC_H */
