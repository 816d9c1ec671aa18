/*
 * labels.c - class labels to codes and one-hot rows: scikit-learn's
 * LabelEncoder (classes in sorted order), classes given in the spec's
 * order, labels that already are codes, Keras' to_categorical, and the
 * classes as JSON for `predict` (docs/spec.md 5.7).
 */
#include "lstmc.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABELS_FORMAT "lstmc.labels"
#define LABELS_VERSION 1

struct lstmc_labels {
    size_t k;
    char **classes;  /* [k] in code order, owned */
    size_t *sorted;  /* [k] codes in strcmp order of their classes */
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

void lstmc_labels_destroy(lstmc_labels *enc)
{
    if (!enc)
        return;
    for (size_t i = 0; enc->classes && i < enc->k; i++)
        free(enc->classes[i]);
    free(enc->classes);
    free(enc->sorted);
    free(enc);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The encoder sorts codes by class; qsort has no context argument, so
 * the codes are sorted through pointers to the class strings. */
static int cmp_class_ptr(const void *a, const void *b)
{
    return strcmp(**(char **const *)a, **(char **const *)b);
}

/* An encoder of the k classes names[0..k) in code order (copied). Fails on
 * a class given twice. */
static lstmc_status build(lstmc_labels **out, const char *const *names, size_t k,
                          lstmc_status dup_status, lstmc_error *err)
{
    lstmc_status st = LSTMC_OK;
    char ***ptrs = NULL;
    lstmc_labels *enc = calloc(1, sizeof *enc);
    if (!enc || k > SIZE_MAX / sizeof(char **))
        goto nomem;
    enc->classes = calloc(k, sizeof *enc->classes);
    enc->sorted = malloc(k * sizeof *enc->sorted);
    ptrs = malloc(k * sizeof *ptrs);
    if (!enc->classes || !enc->sorted || !ptrs)
        goto nomem;
    enc->k = k;
    for (size_t i = 0; i < k; i++) {
        enc->classes[i] = strdup(names[i]);
        if (!enc->classes[i])
            goto nomem;
        ptrs[i] = &enc->classes[i];
    }
    qsort(ptrs, k, sizeof *ptrs, cmp_class_ptr);
    for (size_t i = 0; i < k; i++) {
        enc->sorted[i] = (size_t)(ptrs[i] - enc->classes);
        if (i > 0 && strcmp(*ptrs[i], *ptrs[i - 1]) == 0) {
            st = fail(err, dup_status, NULL, 0, 0, "class '%.200s' is given twice", *ptrs[i]);
            goto bad;
        }
    }
    free(ptrs);
    *out = enc;
    return LSTMC_OK;
nomem:
    st = fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
bad:
    free(ptrs);
    lstmc_labels_destroy(enc);
    return st;
}

lstmc_status lstmc_labels_fit(lstmc_labels **out, const char *const *labels,
                              size_t n, lstmc_error *err)
{
    if (!out || !labels || n == 0)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no labels to fit on");
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (!labels[i])
            return fail(err, LSTMC_ERR_ARG, NULL, (long)(i + 1), 0,
                        "label %zu is missing", i + 1);
    if (n > SIZE_MAX / sizeof(char *))
        return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
    const char **v = malloc(n * sizeof *v);
    if (!v)
        return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
    memcpy(v, labels, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(v[i], v[k - 1]) != 0)
            v[k++] = v[i];
    lstmc_status st = build(out, v, k, LSTMC_ERR_ARG, err);
    free(v);
    return st;
}

lstmc_status lstmc_labels_from_classes(lstmc_labels **out,
                                       const char *const *classes, size_t k,
                                       lstmc_error *err)
{
    if (!out || !classes || k == 0)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no classes given");
    *out = NULL;
    for (size_t i = 0; i < k; i++)
        if (!classes[i])
            return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "class %zu is missing", i + 1);
    return build(out, classes, k, LSTMC_ERR_ARG, err);
}

size_t lstmc_labels_count(const lstmc_labels *enc) { return enc ? enc->k : 0; }

const char *lstmc_labels_class(const lstmc_labels *enc, size_t code)
{
    return enc && code < enc->k ? enc->classes[code] : NULL;
}

lstmc_status lstmc_labels_code(size_t *code, const lstmc_labels *enc,
                               const char *label)
{
    if (!code || !enc || !label)
        return LSTMC_ERR_ARG;
    size_t lo = 0, hi = enc->k;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(label, enc->classes[enc->sorted[mid]]);
        if (c == 0) {
            *code = enc->sorted[mid];
            return LSTMC_OK;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return LSTMC_ERR_ARG;
}

lstmc_status lstmc_labels_transform(size_t *codes, const lstmc_labels *enc,
                                    const char *const *labels,
                                    const size_t *rows, size_t n,
                                    lstmc_error *err)
{
    if (!enc || (n > 0 && (!codes || !labels)))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no labels to encode");
    for (size_t i = 0; i < n; i++) {
        size_t row = rows ? rows[i] : i + 1;
        if (!labels[i])
            return fail(err, LSTMC_ERR_ARG, NULL, (long)row, 0, "the label is missing");
        if (lstmc_labels_code(&codes[i], enc, labels[i]) == LSTMC_OK)
            continue;
        char known[256];
        size_t used = 0;
        known[0] = '\0';
        for (size_t c = 0; c < enc->k; c++) {
            const char *name = enc->classes[enc->sorted[c]];
            size_t need = strlen(name) + (c ? 2 : 0);
            if (used + need + 4 >= sizeof known) {
                snprintf(known + used, sizeof known - used, ", ...");
                break;
            }
            used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", c ? ", " : "",
                                     name);
        }
        return fail(err, LSTMC_ERR_ARG, NULL, (long)row, 0,
                    "class '%.100s' in the test data was never seen in training (known: %s)",
                    labels[i], known);
    }
    return LSTMC_OK;
}

lstmc_status lstmc_labels_parse_codes(size_t *codes, const char *const *labels,
                                      const size_t *rows, size_t n, size_t k,
                                      lstmc_error *err)
{
    if (k == 0 || (n > 0 && (!codes || !labels)))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no labels to read as codes");
    for (size_t i = 0; i < n; i++) {
        size_t row = rows ? rows[i] : i + 1;
        const char *s = labels[i];
        char *end = NULL;
        double v = s ? strtod(s, &end) : NAN;
        while (end && (*end == ' ' || *end == '\t'))
            end++;
        if (!s || end == s || *end != '\0' || !(v >= 0.0 && v < (double)k) || v != floor(v))
            return fail(err, LSTMC_ERR_ARG, NULL, (long)row, 0,
                        "label '%.100s' is not a class code: expected an integer from 0 to %zu",
                        s ? s : "", k - 1);
        codes[i] = (size_t)v;
    }
    return LSTMC_OK;
}

lstmc_status lstmc_one_hot_f64(double *out, const size_t *codes, size_t n,
                               size_t k, lstmc_error *err)
{
    if (k == 0 || (n > 0 && (!out || !codes)))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no codes or no room for one-hot rows");
    if (n > SIZE_MAX / k / sizeof(double))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "%zu one-hot rows of %zu do not fit",
                    n, k);
    for (size_t i = 0; i < n; i++)
        if (codes[i] >= k)
            return fail(err, LSTMC_ERR_ARG, NULL, (long)(i + 1), 0,
                        "code %zu is not below the %zu classes", codes[i], k);
    memset(out, 0, n * k * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i * k + codes[i]] = 1.0;
    return LSTMC_OK;
}

void lstmc_codes_to_f64(double *out, const size_t *codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (double)codes[i];
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

lstmc_status lstmc_labels_to_json(char **json, const lstmc_labels *enc,
                                  lstmc_error *err)
{
    if (!json || !enc)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no encoder");
    *json = NULL;
    json_t *root = json_object(), *a = json_array();
    bool ok = root && a;
    for (size_t i = 0; ok && i < enc->k; i++) {
        json_t *s = json_string(enc->classes[i]);
        if (!s) {
            json_decref(root);
            json_decref(a);
            return fail(err, LSTMC_ERR_ARG, NULL, 0, 0,
                        "class %zu is not valid UTF-8 and cannot be saved", i + 1);
        }
        ok = json_array_append_new(a, s) == 0;
    }
    ok = ok && json_object_set(root, "classes", a) == 0 &&
         json_object_set_new(root, "format", json_string(LABELS_FORMAT)) == 0 &&
         json_object_set_new(root, "version", json_integer(LABELS_VERSION)) == 0;
    if (ok)
        *json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(a);
    json_decref(root);
    if (!*json)
        return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return LSTMC_OK;
}

static lstmc_status labels_from_root(lstmc_labels **out, json_t *root, const char *path,
                                     lstmc_error *err)
{
    const char *format = json_string_value(json_object_get(root, "format"));
    json_t *version = json_object_get(root, "version");
    json_t *a = json_object_get(root, "classes");
    if (!format || strcmp(format, LABELS_FORMAT) != 0)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "not a label encoder: 'format' is not '%s'",
                    LABELS_FORMAT);
    if (!json_is_integer(version) || json_integer_value(version) != LABELS_VERSION)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "label encoder version must be %d",
                    LABELS_VERSION);
    size_t k = json_array_size(a);
    if (!json_is_array(a) || k == 0)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "'classes' must be a non-empty array");
    const char **names = malloc(k * sizeof *names);
    if (!names)
        return fail(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
    lstmc_status st = LSTMC_OK;
    for (size_t i = 0; i < k; i++) {
        json_t *s = json_array_get(a, i);
        names[i] = json_string_value(s);
        if (!names[i] || strlen(names[i]) != json_string_length(s)) {
            st = fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                      "'classes'[%zu] must be a string without NUL", i);
            goto out;
        }
    }
    st = build(out, names, k, LSTMC_ERR_FORMAT, err);
    if (st != LSTMC_OK && err)
        snprintf(err->path, sizeof err->path, "%s", path ? path : "");
out:
    free(names);
    return st;
}

lstmc_status lstmc_labels_from_json(lstmc_labels **out, const char *json,
                                    size_t len, lstmc_error *err)
{
    if (!out || !json)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no label encoder text");
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_ALLOW_NUL, &je);
    if (!root)
        return fail(err, LSTMC_ERR_FORMAT, NULL, je.line, je.column, "invalid JSON: %s",
                    je.text);
    lstmc_status st = labels_from_root(out, root, NULL, err);
    json_decref(root);
    return st;
}

lstmc_status lstmc_labels_save(const lstmc_labels *enc, const char *path,
                               lstmc_error *err)
{
    char *json = NULL;
    lstmc_status st = lstmc_labels_to_json(&json, enc, err);
    if (st == LSTMC_OK)
        st = lstmc_file_write_atomic(path, json, strlen(json), err);
    free(json);
    return st;
}

lstmc_status lstmc_labels_load(lstmc_labels **out, const char *path,
                               lstmc_error *err)
{
    if (!out || !path)
        return fail(err, LSTMC_ERR_ARG, path, 0, 0, "no label encoder file");
    *out = NULL;
    json_error_t je;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &je);
    if (!root) {
        if (json_error_code(&je) == json_error_cannot_open_file)
            return fail(err, LSTMC_ERR_IO, path, 0, 0, "%s", je.text);
        return fail(err, LSTMC_ERR_FORMAT, path, je.line, je.column, "invalid JSON: %s",
                    je.text);
    }
    lstmc_status st = labels_from_root(out, root, path, err);
    json_decref(root);
    return st;
}
