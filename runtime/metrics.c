/*
 * metrics.c - regression and classification metrics, computed the way
 * scikit-learn computes them (sklearn.metrics, version 1.2), so reports
 * agree with the seed's Python to the printed digit.
 *
 * numpy sums float arrays pairwise (numpy/core/src/umath/loops_utils.h,
 * pairwise_sum); pairwise_sum below repeats that order so means and
 * averages round the same way.
 */
#include "lstmc.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PW_BLOCKSIZE 128 /* numpy's PW_BLOCKSIZE */

static void fail(lstmc_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void fail(lstmc_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    err->path[0] = '\0';
    err->row = 0;
    err->col = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* numpy's pairwise summation of a[0..n) with stride 1. */
static double pairwise_sum(const double *a, size_t n)
{
    if (n < 8) {
        double res = 0.0;
        for (size_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= PW_BLOCKSIZE) {
        double r[8];
        for (size_t j = 0; j < 8; j++)
            r[j] = a[j];
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (size_t j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) +
                     ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

lstmc_status lstmc_regression_metrics_f64(lstmc_regression_metrics *out,
                                          const double *y_true,
                                          const double *y_pred, size_t n,
                                          lstmc_error *err)
{
    if (!out || !y_true || !y_pred || n == 0) {
        fail(err, "regression metrics need two non-empty arrays");
        return LSTMC_ERR_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y_true[i]) || !isfinite(y_pred[i])) {
            fail(err, "%s value %zu is not finite (%g)",
                 isfinite(y_true[i]) ? "predicted" : "true", i,
                 isfinite(y_true[i]) ? y_pred[i] : y_true[i]);
            return LSTMC_ERR_ARG;
        }
    }
    double *tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        fail(err, "out of memory for %zu values", n);
        return LSTMC_ERR_NOMEM;
    }
    lstmc_regression_metrics m;
    /* mean_squared_error: np.average((y_true - y_pred) ** 2) */
    for (size_t i = 0; i < n; i++) {
        double d = y_true[i] - y_pred[i];
        tmp[i] = d * d;
    }
    m.rmse = sqrt(pairwise_sum(tmp, n) / (double)n);
    /* mean_absolute_error: np.average(np.abs(y_pred - y_true)) */
    for (size_t i = 0; i < n; i++)
        tmp[i] = fabs(y_pred[i] - y_true[i]);
    m.mae = pairwise_sum(tmp, n) / (double)n;
    /* mean_absolute_percentage_error: |y_pred - y_true| /
     * max(|y_true|, eps), eps = np.finfo(np.float64).eps */
    for (size_t i = 0; i < n; i++)
        tmp[i] = fabs(y_pred[i] - y_true[i]) / fmax(fabs(y_true[i]), DBL_EPSILON);
    m.mape = pairwise_sum(tmp, n) / (double)n * 100.0;
    free(tmp);
    *out = m;
    return LSTMC_OK;
}

lstmc_status lstmc_confusion_matrix(uint64_t *cm, const size_t *y_true,
                                    const size_t *y_pred, size_t n,
                                    size_t n_classes, lstmc_error *err)
{
    if (!cm || n_classes == 0 || (n > 0 && (!y_true || !y_pred))) {
        fail(err, "confusion matrix needs a matrix, at least one class "
                  "and both label arrays");
        return LSTMC_ERR_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (y_true[i] >= n_classes || y_pred[i] >= n_classes) {
            bool t = y_true[i] >= n_classes;
            fail(err, "%s label of sample %zu is %zu, expected a class "
                      "below %zu",
                 t ? "true" : "predicted", i, t ? y_true[i] : y_pred[i],
                 n_classes);
            return LSTMC_ERR_ARG;
        }
    }
    memset(cm, 0, n_classes * n_classes * sizeof *cm);
    for (size_t i = 0; i < n; i++)
        cm[y_true[i] * n_classes + y_pred[i]]++;
    return LSTMC_OK;
}

/* precision_recall_fscore_support's _prf_divide with zero_division "warn":
 * 0 where the denominator is 0. */
static double prf_divide(double num, double den, bool *undefined)
{
    if (den == 0.0) {
        *undefined = true;
        return 0.0;
    }
    return num / den;
}

/* (1 + beta^2) * p * r / (beta^2 * p + r) with beta 1, denominator 0
 * replaced by 1, in numpy's order of operations. */
static double f1_of(double p, double r)
{
    double denom = p + r;
    if (denom == 0.0)
        denom = 1.0;
    return 2.0 * p * r / denom;
}

lstmc_status lstmc_classification_scores(lstmc_classification *out,
                                         lstmc_class_scores *per_class,
                                         const uint64_t *cm, size_t k,
                                         lstmc_error *err)
{
    if (!out || !per_class || !cm || k == 0) {
        fail(err, "classification scores need a result, a per-class "
                  "buffer and a confusion matrix of at least one class");
        return LSTMC_ERR_ARG;
    }
    uint64_t total = 0, correct = 0;
    for (size_t i = 0; i < k * k; i++)
        total += cm[i];
    if (total == 0) {
        fail(err, "the confusion matrix counts no sample");
        return LSTMC_ERR_ARG;
    }
    double *buf = malloc(3 * k * sizeof *buf);
    if (!buf) {
        fail(err, "out of memory for %zu classes", k);
        return LSTMC_ERR_NOMEM;
    }
    double *ps = buf, *rs = buf + k, *fs = buf + 2 * k;
    lstmc_classification s;
    memset(&s, 0, sizeof s);
    s.n_classes = k;
    s.per_class = per_class;
    s.total = total;
    s.all_present = true;
    uint64_t tp_sum = 0, pred_total = 0, true_total = 0;
    for (size_t c = 0; c < k; c++) {
        uint64_t tp = cm[c * k + c], pred = 0, truth = 0;
        for (size_t j = 0; j < k; j++) {
            pred += cm[j * k + c];
            truth += cm[c * k + j];
        }
        bool undef_p = false, undef_r = false;
        lstmc_class_scores *pc = &per_class[c];
        pc->precision = prf_divide((double)tp, (double)pred, &undef_p);
        pc->recall = prf_divide((double)tp, (double)truth, &undef_r);
        pc->f1 = f1_of(pc->precision, pc->recall);
        pc->support = truth;
        if (undef_p)
            s.warnings |= LSTMC_WARN_PRECISION;
        if (undef_r)
            s.warnings |= LSTMC_WARN_RECALL;
        if (pred == 0 && truth == 0)
            s.all_present = false;
        ps[c] = pc->precision;
        rs[c] = pc->recall;
        fs[c] = pc->f1;
        correct += tp;
        tp_sum += tp;
        pred_total += pred;
        true_total += truth;
    }
    s.correct = correct;
    s.accuracy = (double)correct / (double)total;

    /* macro: np.average(x) = x.sum() / n */
    s.macro.precision = pairwise_sum(ps, k) / (double)k;
    s.macro.recall = pairwise_sum(rs, k) / (double)k;
    s.macro.f1 = pairwise_sum(fs, k) / (double)k;
    s.macro.support = total;

    /* weighted: np.multiply(x, w).sum() / w.sum(), w = support. The
     * supports add up to the total, which is not 0 here. */
    double wsum = 0.0;
    {
        double *w = malloc(k * sizeof *w);
        if (!w) {
            free(buf);
            fail(err, "out of memory for %zu classes", k);
            return LSTMC_ERR_NOMEM;
        }
        for (size_t c = 0; c < k; c++)
            w[c] = (double)per_class[c].support;
        wsum = pairwise_sum(w, k);
        double *arrays[3] = {ps, rs, fs};
        double *dest[3] = {&s.weighted.precision, &s.weighted.recall,
                           &s.weighted.f1};
        for (size_t a = 0; a < 3; a++) {
            for (size_t c = 0; c < k; c++)
                arrays[a][c] *= w[c];
            *dest[a] = pairwise_sum(arrays[a], k) / wsum;
        }
        free(w);
    }
    s.weighted.support = total;

    /* micro: from the summed counts */
    bool unused = false;
    s.micro.precision = prf_divide((double)tp_sum, (double)pred_total, &unused);
    s.micro.recall = prf_divide((double)tp_sum, (double)true_total, &unused);
    s.micro.f1 = f1_of(s.micro.precision, s.micro.recall);
    s.micro.support = total;

    free(buf);
    *out = s;
    return LSTMC_OK;
}

const char *lstmc_classification_warning_text(unsigned bit)
{
    switch (bit) {
    case LSTMC_WARN_PRECISION:
        return "precision and F-score are ill-defined and being set to 0.0 "
               "in labels with no predicted samples";
    case LSTMC_WARN_RECALL:
        return "recall and F-score are ill-defined and being set to 0.0 in "
               "labels with no true samples";
    default:
        return NULL;
    }
}
