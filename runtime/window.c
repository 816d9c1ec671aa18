/*
 * window.c - samples from tables of rows: windows of consecutive rows,
 * grouped sequences padded as Keras' pad_sequences pads, and the splits
 * into training, test and validation parts (docs/spec.md 5.3-5.5).
 * Everything here writes into caller buffers; nothing allocates.
 */
#include "lstmc.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static lstmc_status fail(lstmc_error *err, long row, const char *fmt, ...)
{
    if (!err)
        return LSTMC_ERR_ARG;
    err->path[0] = '\0';
    err->row = row;
    err->col = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return LSTMC_ERR_ARG;
}

/* a * b * c fits in size_t; *out gets it. */
static bool mul3(size_t *out, size_t a, size_t b, size_t c)
{
    if (b && a > SIZE_MAX / b)
        return false;
    size_t ab = a * b;
    if (c && ab > SIZE_MAX / c)
        return false;
    *out = ab * c;
    return true;
}

/* ------------------------------------------------------------------ */
/* Padding                                                             */
/* ------------------------------------------------------------------ */

static const char *const pad_names[] = {
#define LSTMC_PAD_NAME_(id, name) name,
    LSTMC_PAD_SIDES(LSTMC_PAD_NAME_)
#undef LSTMC_PAD_NAME_
};

const char *lstmc_pad_side_name(lstmc_pad_side side)
{
    return (unsigned)side < LSTMC_PAD_COUNT ? pad_names[side] : NULL;
}

lstmc_status lstmc_pad_side_lookup(lstmc_pad_side *side, const char *name)
{
    if (!side || !name)
        return LSTMC_ERR_ARG;
    for (int i = 0; i < LSTMC_PAD_COUNT; i++)
        if (strcmp(name, pad_names[i]) == 0) {
            *side = (lstmc_pad_side)i;
            return LSTMC_OK;
        }
    return LSTMC_ERR_ARG;
}

void lstmc_pad_plan(size_t *src_begin, size_t *dst_begin, size_t *count,
                    size_t len, size_t maxlen, lstmc_pad_side padding,
                    lstmc_pad_side truncating)
{
    size_t keep = len < maxlen ? len : maxlen;
    *src_begin = truncating == LSTMC_PAD_PRE ? len - keep : 0;
    *dst_begin = padding == LSTMC_PAD_PRE ? maxlen - keep : 0;
    *count = keep;
}

/* ------------------------------------------------------------------ */
/* Windows                                                             */
/* ------------------------------------------------------------------ */

static const char *const window_names[] = {
#define LSTMC_WINDOW_NAME_(id, name) name,
    LSTMC_WINDOW_LABELS(LSTMC_WINDOW_NAME_)
#undef LSTMC_WINDOW_NAME_
};

const char *lstmc_window_label_name(lstmc_window_label label)
{
    return (unsigned)label < LSTMC_WINDOW_LABEL_COUNT ? window_names[label] : NULL;
}

lstmc_status lstmc_window_count(size_t *count, size_t n_rows, size_t length,
                                lstmc_window_label label, lstmc_error *err)
{
    if (!count)
        return fail(err, 0, "no place for the window count");
    if (length == 0)
        return fail(err, 0, "a window needs at least one row");
    if (label == LSTMC_WINDOW_NEXT) {
        if (n_rows <= length)
            return fail(err, 0,
                        "too few rows for a window of %zu rows and the row after it: "
                        "need at least %zu, found %zu",
                        length, length + 1, n_rows);
        *count = n_rows - length;
    } else if (label == LSTMC_WINDOW_LAST) {
        if (n_rows < length)
            return fail(err, 0, "too few rows for a window of %zu rows: need at least %zu, "
                        "found %zu", length, length, n_rows);
        *count = n_rows - length + 1;
    } else {
        return fail(err, 0, "unknown window label rule %d", (int)label);
    }
    return LSTMC_OK;
}

lstmc_status lstmc_windows_f64(double *X, size_t *label_rows, double *y,
                               const double *data, const double *target,
                               size_t n_rows, size_t features, size_t length,
                               lstmc_window_label label, lstmc_error *err)
{
    size_t count, total;
    lstmc_status st = lstmc_window_count(&count, n_rows, length, label, err);
    if (st != LSTMC_OK)
        return st;
    if (features == 0)
        return fail(err, 0, "a window needs at least one feature");
    if (!X || !data || (y && !target))
        return fail(err, 0, "a buffer for the windows is NULL");
    if (!mul3(&total, count, length, features) || !mul3(&total, n_rows, features, 1))
        return fail(err, 0, "%zu windows of %zu rows of %zu features do not fit in memory",
                    count, length, features);
    size_t step = length * features; /* elements per window */
    size_t lag = label == LSTMC_WINDOW_NEXT ? length : length - 1;
    for (size_t i = 0; i < count; i++) {
        memcpy(X + i * step, data + i * features, step * sizeof *X);
        if (label_rows)
            label_rows[i] = i + lag;
        if (y)
            y[i] = target[i + lag];
    }
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* Grouped sequences                                                   */
/* ------------------------------------------------------------------ */

lstmc_status lstmc_group_count(size_t *n_seq, const char *const *ids,
                               size_t n_rows, lstmc_error *err)
{
    if (!n_seq || (!ids && n_rows > 0))
        return fail(err, 0, "no ids for the sequences");
    size_t k = 0;
    for (size_t r = 0; r < n_rows; r++) {
        if (!ids[r])
            return fail(err, (long)(r + 1), "the id of row %zu is missing", r + 1);
        if (r == 0 || strcmp(ids[r], ids[r - 1]) != 0)
            k++;
    }
    *n_seq = k;
    return LSTMC_OK;
}

size_t lstmc_group_work_size(size_t n_rows)
{
    return n_rows > SIZE_MAX / 2 / sizeof(size_t) ? 0 : 2 * n_rows;
}

lstmc_status lstmc_group_check_column(const char *const *ids,
                                      const char *const *values,
                                      size_t n_rows, const char *what,
                                      lstmc_error *err)
{
    if ((!ids || !values) && n_rows > 0)
        return fail(err, 0, "no ids or values to check");
    size_t first = 0; /* first row of the current sequence */
    for (size_t r = 0; r < n_rows; r++) {
        if (!ids[r] || !values[r])
            return fail(err, (long)(r + 1), "row %zu has no id or no %s value", r + 1,
                        what ? what : "column");
        if (r > 0 && strcmp(ids[r], ids[r - 1]) != 0)
            first = r;
        if (strcmp(values[r], values[first]) != 0)
            return fail(err, (long)(r + 1),
                        "rows %zu and %zu of sequence '%s' have different '%s' values: "
                        "'%s' and '%s'",
                        first + 1, r + 1, ids[r], what ? what : "column", values[first],
                        values[r]);
    }
    return LSTMC_OK;
}

/* Stable bottom-up merge sort of idx[0..n) by key[idx[i]], with tmp[n]. */
static void sort_by_key(size_t *idx, size_t *tmp, size_t n, const double *key)
{
    size_t *a = idx, *b = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = mid + width < n ? mid + width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                b[o++] = key[a[j]] < key[a[i]] ? a[j++] : a[i++];
            while (i < mid)
                b[o++] = a[i++];
            while (j < hi)
                b[o++] = a[j++];
        }
        size_t *t = a;
        a = b;
        b = t;
        if (width > SIZE_MAX / 2)
            break;
    }
    if (a != idx)
        memcpy(idx, a, n * sizeof *idx);
}

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
                                       lstmc_error *err)
{
    size_t counted, total;
    if (steps == 0 || features == 0)
        return fail(err, 0, "a sequence needs at least one step and one feature");
    if ((unsigned)padding >= LSTMC_PAD_COUNT || (unsigned)truncating >= LSTMC_PAD_COUNT)
        return fail(err, 0, "unknown padding or truncating side");
    if (n_rows > 0 && (!X || !first_row || !work || !data || !ids || !order))
        return fail(err, 0, "a buffer for the sequences is NULL");
    if (!mul3(&total, n_seq, steps, features) || !mul3(&total, n_rows, features, 1) ||
        (n_rows > 0 && lstmc_group_work_size(n_rows) == 0))
        return fail(err, 0, "%zu sequences of %zu steps of %zu features do not fit in memory",
                    n_seq, steps, features);
    lstmc_status st = lstmc_group_count(&counted, ids, n_rows, err);
    if (st != LSTMC_OK)
        return st;
    if (counted != n_seq)
        return fail(err, 0, "the ids form %zu sequences, not %zu", counted, n_seq);
    if (labels && (st = lstmc_group_check_column(ids, labels, n_rows, "label", err)) != LSTMC_OK)
        return st;
    for (size_t r = 0; r < n_rows; r++)
        if (isnan(order[r]))
            return fail(err, (long)(r + 1), "the order value of row %zu is not a number",
                        r + 1);

    size_t *idx = work, *tmp = work + n_rows;
    size_t begin = 0;
    for (size_t k = 0; k < n_seq; k++) {
        size_t end = begin + 1;
        while (end < n_rows && strcmp(ids[end], ids[begin]) == 0)
            end++;
        size_t len = end - begin;
        for (size_t i = 0; i < len; i++)
            idx[i] = begin + i;
        sort_by_key(idx, tmp, len, order);

        size_t src, dst, keep;
        lstmc_pad_plan(&src, &dst, &keep, len, steps, padding, truncating);
        double *out = X + k * steps * features;
        memset(out, 0, steps * features * sizeof *out);
        for (size_t i = 0; i < keep; i++)
            memcpy(out + (dst + i) * features, data + idx[src + i] * features,
                   features * sizeof *out);
        first_row[k] = begin;
        if (lengths)
            lengths[k] = len;
        begin = end;
    }
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* Splits                                                              */
/* ------------------------------------------------------------------ */

static lstmc_status cut(size_t *n_train, size_t n, double f, lstmc_error *err)
{
    if (!(f > 0.0 && f < 1.0))
        return fail(err, 0, "the training fraction must be between 0 and 1, found %g", f);
    /* floor(f * n) in double, as sklearn's _validate_shuffle_split */
    double t = floor(f * (double)n);
    size_t k = (size_t)t;
    if (k == 0)
        return fail(err, 0, "with %zu samples and train %g the training part is empty", n, f);
    if (k >= n)
        return fail(err, 0, "with %zu samples and train %g the test part is empty", n, f);
    *n_train = k;
    return LSTMC_OK;
}

lstmc_status lstmc_split_ordered(size_t *idx, size_t *n_train, size_t n,
                                 double train_fraction, lstmc_error *err)
{
    if (!idx || !n_train)
        return fail(err, 0, "no place for the split");
    lstmc_status st = cut(n_train, n, train_fraction, err);
    if (st != LSTMC_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    return LSTMC_OK;
}

lstmc_status lstmc_split_shuffled(lstmc_rng *rng, size_t *idx,
                                  size_t *n_train, size_t n,
                                  double train_fraction, lstmc_error *err)
{
    if (!rng)
        return fail(err, 0, "no random generator for the shuffled split");
    lstmc_status st = lstmc_split_ordered(idx, n_train, n, train_fraction, err);
    if (st != LSTMC_OK)
        return st;
    lstmc_rng_shuffle(rng, idx, n);
    return LSTMC_OK;
}

lstmc_status lstmc_split_column(size_t *idx, size_t *n_train,
                                const char *const *values, const size_t *rows,
                                size_t n, lstmc_error *err)
{
    if (!idx || !n_train || (!values && n > 0))
        return fail(err, 0, "no place or no values for the split");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t row = rows ? rows[i] : i + 1;
        if (!values[i])
            return fail(err, (long)row, "the split value of row %zu is missing", row);
        if (strcmp(values[i], "train") == 0)
            k++;
        else if (strcmp(values[i], "test") != 0)
            return fail(err, (long)row, "split column holds '%s': expected 'train' or 'test'",
                        values[i]);
    }
    if (k == 0 || k == n)
        return fail(err, 0, "the split column marks no sample for %s (%zu samples)",
                    k == 0 ? "training" : "testing", n);
    size_t a = 0, b = k;
    for (size_t i = 0; i < n; i++)
        idx[values[i][1] == 'r' ? a++ : b++] = i; /* "train" or "test" */
    *n_train = k;
    return LSTMC_OK;
}

lstmc_status lstmc_validation_split(size_t *n_fit, size_t n,
                                    double validation_split, lstmc_error *err)
{
    if (!n_fit)
        return fail(err, 0, "no place for the validation split");
    double v = validation_split;
    if (!(v >= 0.0 && v < 1.0))
        return fail(err, 0, "validation_split must be in [0, 1), found %g", v);
    if (v == 0.0) {
        *n_fit = n;
        return LSTMC_OK;
    }
    size_t k = (size_t)floor((double)n * (1.0 - v));
    if (k == 0 || k >= n)
        return fail(err, 0,
                    "%zu training samples are not sufficient to split them into a training "
                    "and a validation set with validation_split %g",
                    n, v);
    *n_fit = k;
    return LSTMC_OK;
}
