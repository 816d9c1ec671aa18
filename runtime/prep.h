/*
 * prep.h - data preparation for the pipelines: scaling, windows, grouped
 * sequences, splits, label encoding, the Keras tokenizer and
 * pad_sequences (scale.c, window.c, labels.c, text.c).
 *
 * Written to be merged into lstmc.h; until then include it after lstmc.h.
 * The conventions of lstmc.h hold: nothing prints or exits, kernels do not
 * allocate, functions that can fail return lstmc_status and fill the
 * caller's lstmc_error (which may be NULL) when they fail.
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
#ifndef LSTMC_PREP_H
#define LSTMC_PREP_H

#include "lstmc.h"

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif

#endif /* LSTMC_PREP_H */
