/*
 * scale.c - per-column scaling fitted on the training part only, its exact
 * inverse, and the fitted state as JSON so a later `predict` can take raw
 * values (docs/spec.md 5.6; scikit-learn's MinMaxScaler and
 * StandardScaler). Also the atomic file writer the JSON savers share.
 */
#include "lstmc.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCALER_FORMAT "lstmc.scaler"
#define SCALER_VERSION 1

struct lstmc_scaler {
    lstmc_scale_kind kind;
    size_t cols;
    double a, b;   /* minmax feature_range */
    bool fitted;
    double *lo;    /* [cols] minmax: data min;  standard: mean */
    double *hi;    /* [cols] minmax: data max;  standard: std */
    double *width; /* [cols] minmax: max - min; standard: std; 1 if constant */
};

static lstmc_status fail(lstmc_error *err, lstmc_status st, const char *path, long row,
                         long col, const char *fmt, ...)
{
    if (!err)
        return st;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    err->row = row;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return st;
}

static const char *const kind_names[] = {
#define LSTMC_SCALE_NAME_(id, name) name,
    LSTMC_SCALE_KINDS(LSTMC_SCALE_NAME_)
#undef LSTMC_SCALE_NAME_
};

const char *lstmc_scale_kind_name(lstmc_scale_kind kind)
{
    return (unsigned)kind < LSTMC_SCALE_COUNT ? kind_names[kind] : NULL;
}

lstmc_status lstmc_scaler_create(lstmc_scaler **out, lstmc_scale_kind kind,
                                 size_t cols, double range_a, double range_b,
                                 lstmc_error *err)
{
    if (!out)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no place for the scaler");
    *out = NULL;
    if ((unsigned)kind >= LSTMC_SCALE_COUNT)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "unknown scaler kind %d", (int)kind);
    if (cols == 0 || cols > SIZE_MAX / sizeof(double))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "a scaler needs 1 or more columns");
    if (kind == LSTMC_SCALE_MINMAX &&
        !(isfinite(range_a) && isfinite(range_b) && range_a < range_b &&
          isfinite(range_b - range_a)))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0,
                    "feature_range must be two finite numbers a < b, found [%g, %g]",
                    range_a, range_b);
    lstmc_scaler *s = calloc(1, sizeof *s);
    if (s) {
        s->lo = calloc(cols, sizeof *s->lo);
        s->hi = calloc(cols, sizeof *s->hi);
        s->width = calloc(cols, sizeof *s->width);
    }
    if (!s || !s->lo || !s->hi || !s->width) {
        lstmc_scaler_destroy(s);
        return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    s->kind = kind;
    s->cols = cols;
    s->a = kind == LSTMC_SCALE_MINMAX ? range_a : 0.0;
    s->b = kind == LSTMC_SCALE_MINMAX ? range_b : 1.0;
    *out = s;
    return LSTMC_OK;
}

void lstmc_scaler_destroy(lstmc_scaler *s)
{
    if (!s)
        return;
    free(s->lo);
    free(s->hi);
    free(s->width);
    free(s);
}

lstmc_scale_kind lstmc_scaler_kind(const lstmc_scaler *s) { return s->kind; }
size_t lstmc_scaler_cols(const lstmc_scaler *s) { return s->cols; }

void lstmc_scaler_feature_range(const lstmc_scaler *s, double range[2])
{
    range[0] = s->a;
    range[1] = s->b;
}
bool lstmc_scaler_fitted(const lstmc_scaler *s) { return s && s->fitted; }

lstmc_status lstmc_scaler_column(const lstmc_scaler *s, size_t col,
                                 double *center, double *width)
{
    if (!s || !s->fitted || col >= s->cols || !center || !width)
        return LSTMC_ERR_ARG;
    *center = s->lo[col];
    *width = s->width[col];
    return LSTMC_OK;
}

/* sklearn's _handle_zeros_in_scale for a range (constant_mask None):
 * a range below 10 * eps counts as 0 and becomes 1. */
static double minmax_width(double lo, double hi)
{
    double w = hi - lo;
    return w < 10.0 * DBL_EPSILON ? 1.0 : w;
}

/* sklearn's _is_constant_feature: the variance is within the rounding
 * error of a two-pass computation on n samples of this mean. */
static double standard_width(double mean, double var, double n)
{
    double eps = DBL_EPSILON;
    double bound = n * eps * var + (n * mean * eps) * (n * mean * eps);
    return var <= bound ? 1.0 : sqrt(var);
}

/* Fit on the rows that row_at(k) gives for k < n_sel. */
static lstmc_status fit_rows(lstmc_scaler *s, const double *data, const size_t *rows,
                             size_t begin, size_t n_sel, lstmc_error *err)
{
    size_t cols = s->cols;
    for (size_t k = 0; k < n_sel; k++) {
        size_t r = rows ? rows[k] : begin + k;
        for (size_t j = 0; j < cols; j++)
            if (!isfinite(data[r * cols + j]))
                return fail(err, LSTMC_ERR_ARG, NULL, (long)(r + 1), (long)(j + 1),
                            "row %zu, column %zu: %g is not a finite number", r + 1, j + 1,
                            data[r * cols + j]);
    }
    for (size_t j = 0; j < cols; j++) {
        double lo = INFINITY, hi = -INFINITY, sum = 0.0;
        for (size_t k = 0; k < n_sel; k++) {
            double x = data[(rows ? rows[k] : begin + k) * cols + j];
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
            sum += x;
        }
        if (s->kind == LSTMC_SCALE_MINMAX) {
            s->lo[j] = lo;
            s->hi[j] = hi;
            s->width[j] = minmax_width(lo, hi);
        } else {
            double n = (double)n_sel, mean = sum / n, ss = 0.0;
            for (size_t k = 0; k < n_sel; k++) {
                double d = data[(rows ? rows[k] : begin + k) * cols + j] - mean;
                ss += d * d;
            }
            s->lo[j] = mean;
            s->width[j] = standard_width(mean, ss / n, n);
            s->hi[j] = s->width[j];
        }
    }
    s->fitted = true;
    return LSTMC_OK;
}

lstmc_status lstmc_scaler_fit(lstmc_scaler *s, const double *data,
                              size_t begin, size_t end, lstmc_error *err)
{
    if (!s || !data || begin >= end)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0,
                    "the scaler needs at least one row to fit on");
    if (end > SIZE_MAX / s->cols)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "row range does not fit in memory");
    return fit_rows(s, data, NULL, begin, end - begin, err);
}

lstmc_status lstmc_scaler_fit_rows(lstmc_scaler *s, const double *data,
                                   size_t n_rows, const size_t *rows,
                                   size_t n_sel, lstmc_error *err)
{
    if (!s || !data || !rows || n_sel == 0)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0,
                    "the scaler needs at least one row to fit on");
    if (n_rows > SIZE_MAX / s->cols)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "table does not fit in memory");
    for (size_t k = 0; k < n_sel; k++)
        if (rows[k] >= n_rows)
            return fail(err, LSTMC_ERR_ARG, NULL, 0, 0,
                        "row %zu to fit on is beyond the %zu rows of the table",
                        rows[k] + 1, n_rows);
    return fit_rows(s, data, rows, 0, n_sel, err);
}

static double forward(const lstmc_scaler *s, size_t j, double x)
{
    return (x - s->lo[j]) / s->width[j] * (s->b - s->a) + s->a;
}

static double inverse(const lstmc_scaler *s, size_t j, double x)
{
    return (x - s->a) / (s->b - s->a) * s->width[j] + s->lo[j];
}

/* Apply one column's map (or its inverse) to n values in[i * stride]. */
static lstmc_status apply(const lstmc_scaler *s, double *out, const double *in, size_t n,
                          size_t col0, size_t ncols, bool inv, lstmc_error *err)
{
    if (!s || !s->fitted)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "the scaler has not been fitted");
    if (n > 0 && (!out || !in))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "a buffer to scale is NULL");
    if (ncols && n > SIZE_MAX / ncols)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "array does not fit in memory");
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < ncols; c++) {
            double x = in[i * ncols + c];
            size_t j = col0 + c;
            if (inv) {
                out[i * ncols + c] = inverse(s, j, x);
            } else {
                if (!isfinite(x))
                    return fail(err, LSTMC_ERR_ARG, NULL, (long)(i + 1), (long)(c + 1),
                                "row %zu, column %zu: %g is not a finite number", i + 1,
                                c + 1, x);
                out[i * ncols + c] = forward(s, j, x);
            }
        }
    }
    return LSTMC_OK;
}

lstmc_status lstmc_scaler_transform(const lstmc_scaler *s, double *out,
                                    const double *in, size_t n_rows,
                                    lstmc_error *err)
{
    return apply(s, out, in, n_rows, 0, s ? s->cols : 0, false, err);
}

lstmc_status lstmc_scaler_inverse_transform(const lstmc_scaler *s,
                                            double *out, const double *in,
                                            size_t n_rows, lstmc_error *err)
{
    return apply(s, out, in, n_rows, 0, s ? s->cols : 0, true, err);
}

lstmc_status lstmc_scaler_transform_column(const lstmc_scaler *s, size_t col,
                                           double *out, const double *in,
                                           size_t n, lstmc_error *err)
{
    if (s && col >= s->cols)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "column %zu of a scaler of %zu columns",
                    col + 1, s->cols);
    return apply(s, out, in, n, col, 1, false, err);
}

lstmc_status lstmc_scaler_inverse_column(const lstmc_scaler *s, size_t col,
                                         double *out, const double *in,
                                         size_t n, lstmc_error *err)
{
    if (s && col >= s->cols)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "column %zu of a scaler of %zu columns",
                    col + 1, s->cols);
    return apply(s, out, in, n, col, 1, true, err);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static json_t *real_array(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_real(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

lstmc_status lstmc_scaler_to_json(char **json, const lstmc_scaler *s,
                                  lstmc_error *err)
{
    if (!json || !s || !s->fitted)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "the scaler has not been fitted");
    *json = NULL;
    json_t *root = json_object();
    bool ok = root &&
              json_object_set_new(root, "format", json_string(SCALER_FORMAT)) == 0 &&
              json_object_set_new(root, "version", json_integer(SCALER_VERSION)) == 0 &&
              json_object_set_new(root, "type", json_string(kind_names[s->kind])) == 0;
    if (ok && s->kind == LSTMC_SCALE_MINMAX) {
        double range[2] = {s->a, s->b};
        ok = json_object_set_new(root, "feature_range", real_array(range, 2)) == 0 &&
             json_object_set_new(root, "data_min", real_array(s->lo, s->cols)) == 0 &&
             json_object_set_new(root, "data_max", real_array(s->hi, s->cols)) == 0;
    } else if (ok) {
        ok = json_object_set_new(root, "mean", real_array(s->lo, s->cols)) == 0 &&
             json_object_set_new(root, "std", real_array(s->hi, s->cols)) == 0;
    }
    if (ok)
        *json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (!*json)
        return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return LSTMC_OK;
}

/* Reads the finite numbers of array `key` of root into v[n]; *n is the
 * expected length, or 0 to take the array's own (then v has room for
 * cap). */
static lstmc_status get_reals(double *v, size_t *n, size_t cap, json_t *root,
                              const char *key, const char *path, lstmc_error *err)
{
    json_t *a = json_object_get(root, key);
    if (!json_is_array(a))
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "'%s' must be an array of numbers",
                    key);
    size_t len = json_array_size(a);
    if ((*n && len != *n) || (!*n && (len == 0 || len > cap)))
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "'%s' has %zu numbers, expected %zu",
                    key, len, *n ? *n : cap);
    for (size_t i = 0; i < len; i++) {
        json_t *x = json_array_get(a, i);
        if (!json_is_number(x) || !isfinite(json_number_value(x)))
            return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                        "'%s'[%zu] must be a finite number", key, i);
        v[i] = json_number_value(x);
    }
    *n = len;
    return LSTMC_OK;
}

static lstmc_status scaler_from_root(lstmc_scaler **out, json_t *root, const char *path,
                                     lstmc_error *err)
{
    if (!json_is_object(root))
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "a scaler must be a JSON object");
    const char *format = json_string_value(json_object_get(root, "format"));
    json_t *version = json_object_get(root, "version");
    if (!format || strcmp(format, SCALER_FORMAT) != 0)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "not a scaler: 'format' is not '%s'",
                    SCALER_FORMAT);
    if (!json_is_integer(version) || json_integer_value(version) != SCALER_VERSION)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "scaler format version must be %d", SCALER_VERSION);
    const char *type = json_string_value(json_object_get(root, "type"));
    int kind = -1;
    for (int k = 0; type && k < LSTMC_SCALE_COUNT; k++)
        if (strcmp(type, kind_names[k]) == 0)
            kind = k;
    if (kind < 0)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "scaler 'type' must be 'minmax' or 'standard'");
    const char *k_lo = kind == LSTMC_SCALE_MINMAX ? "data_min" : "mean";
    const char *k_hi = kind == LSTMC_SCALE_MINMAX ? "data_max" : "std";
    json_t *lo_a = json_object_get(root, k_lo);
    size_t cols = json_is_array(lo_a) ? json_array_size(lo_a) : 0;
    if (cols == 0)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "'%s' must be a non-empty array of numbers", k_lo);
    double range[2] = {0.0, 1.0};
    size_t two = 2;
    lstmc_status st = LSTMC_OK;
    if (kind == LSTMC_SCALE_MINMAX &&
        (st = get_reals(range, &two, 2, root, "feature_range", path, err)) != LSTMC_OK)
        return st;
    if (kind == LSTMC_SCALE_MINMAX && !(range[0] < range[1] && isfinite(range[1] - range[0])))
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "'feature_range' must be [a, b] with a < b");
    lstmc_scaler *s = NULL;
    st = lstmc_scaler_create(&s, (lstmc_scale_kind)kind, cols, range[0], range[1], err);
    if (st != LSTMC_OK)
        return st == LSTMC_ERR_ARG ? fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "invalid scaler")
                                   : st;
    size_t n = cols;
    if ((st = get_reals(s->lo, &n, cols, root, k_lo, path, err)) != LSTMC_OK ||
        (st = get_reals(s->hi, &n, cols, root, k_hi, path, err)) != LSTMC_OK)
        goto bad;
    for (size_t j = 0; j < cols; j++) {
        if (kind == LSTMC_SCALE_MINMAX) {
            if (!(s->lo[j] <= s->hi[j]) || !isfinite(s->hi[j] - s->lo[j])) {
                st = fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                          "column %zu: data_min above data_max", j + 1);
                goto bad;
            }
            s->width[j] = minmax_width(s->lo[j], s->hi[j]);
        } else {
            if (!(s->hi[j] > 0.0)) {
                st = fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                          "column %zu: std must be above 0", j + 1);
                goto bad;
            }
            s->width[j] = s->hi[j];
        }
    }
    s->fitted = true;
    *out = s;
    return LSTMC_OK;
bad:
    lstmc_scaler_destroy(s);
    return st;
}

lstmc_status lstmc_scaler_from_json(lstmc_scaler **out, const char *json,
                                    size_t len, lstmc_error *err)
{
    if (!out || !json)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no scaler text");
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    if (!root)
        return fail(err, LSTMC_ERR_FORMAT, NULL, je.line, je.column, "invalid JSON: %s",
                    je.text);
    lstmc_status st = scaler_from_root(out, root, NULL, err);
    json_decref(root);
    return st;
}

lstmc_status lstmc_scaler_save(const lstmc_scaler *s, const char *path,
                               lstmc_error *err)
{
    char *json = NULL;
    lstmc_status st = lstmc_scaler_to_json(&json, s, err);
    if (st == LSTMC_OK)
        st = lstmc_file_write_atomic(path, json, strlen(json), err);
    free(json);
    return st;
}

lstmc_status lstmc_scaler_load(lstmc_scaler **out, const char *path,
                               lstmc_error *err)
{
    if (!out || !path)
        return fail(err, LSTMC_ERR_ARG, path, 0, 0, "no scaler file");
    *out = NULL;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        if (json_error_code(&je) == json_error_cannot_open_file)
            return fail(err, LSTMC_ERR_IO, path, 0, 0, "%s", je.text);
        return fail(err, LSTMC_ERR_FORMAT, path, je.line, je.column, "invalid JSON: %s",
                    je.text);
    }
    lstmc_status st = scaler_from_root(out, root, path, err);
    json_decref(root);
    return st;
}

/* ------------------------------------------------------------------ */
/* Atomic writes                                                       */
/* ------------------------------------------------------------------ */

/* Best effort: makes the rename durable; some file systems cannot fsync a
 * directory, and the file itself is already synced. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = !slash ? strdup(".")
                : slash == path ? strdup("/")
                                : strndup(path, (size_t)(slash - path));
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

lstmc_status lstmc_file_write_atomic(const char *path, const void *data,
                                     size_t len, lstmc_error *err)
{
    static const char suffix[] = ".tmp.XXXXXX";
    if (!path || !*path || (!data && len > 0))
        return fail(err, LSTMC_ERR_ARG, path, 0, 0, "no file name or no data to write");
    lstmc_status st = LSTMC_OK;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof suffix);
    int fd = -1;
    bool tmp_exists = false;
    if (!tmp) {
        st = fail(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
        goto out;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof suffix);
    fd = mkstemp(tmp);
    if (fd < 0) {
        st = fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot create a temporary file beside it: %s",
                  strerror(errno));
        goto out;
    }
    tmp_exists = true;
    /* mkstemp makes the file 0600: give it the mode of the file it
     * replaces, or the usual one. */
    struct stat old;
    mode_t mode = stat(path, &old) == 0 && S_ISREG(old.st_mode) ? old.st_mode & 07777 : 0644;
    if (fchmod(fd, mode) != 0) {
        st = fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot set the mode of the temporary file: %s",
                  strerror(errno));
        goto out;
    }
    for (const char *p = data; len > 0;) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            st = fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot write the temporary file: %s",
                      strerror(w < 0 ? errno : EIO));
            goto out;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        st = fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot sync the temporary file: %s",
                  strerror(errno));
        goto out;
    }
    int closed = close(fd);
    fd = -1;
    if (closed != 0) {
        st = fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot write the temporary file: %s",
                  strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        st = fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot replace it: %s", strerror(errno));
        goto out;
    }
    tmp_exists = false;
    sync_parent_dir(path);
out:
    if (fd >= 0)
        close(fd);
    if (tmp_exists)
        unlink(tmp);
    free(tmp);
    return st;
}
