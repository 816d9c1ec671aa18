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

#ifdef __cplusplus
}
#endif

#endif /* LSTMC_H */
