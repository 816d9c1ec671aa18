/*
 * test_prep: runtime/scale.c, window.c and labels.c against values worked
 * out by hand in the comments beside each case: scalers and their
 * inverses (scikit-learn's MinMaxScaler and StandardScaler formulas),
 * windows, grouped sequences (Keras' pad_sequences rules), splits
 * (train_test_split's floor, Keras' validation_split), label encoding
 * (LabelEncoder's sorted classes) and to_categorical.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lstmc.h"
#include "close.h"

static void assert_sizes(const size_t *got, const size_t *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) {
            print_error("%s[%zu]: got %zu, want %zu\n", what, i, got[i], want[i]);
            fail();
        }
}

/* ------------------------------------------------------------------ */
/* Scaling                                                             */
/* ------------------------------------------------------------------ */

/* Rows 0-2 are the training part: column 0 has min 1, max 5; column 1 min
 * -2, max 2; both widths 4. Rows 3-4 (test) are scaled with those, so
 * they fall outside the range: nothing of them leaks into the fit.
 *   (0, 1):  x' = (x - min) / 4
 *   (-1, 1): x' = (x - min) / 4 * 2 - 1 */
static const double small[] = {1, -2, 3, 0, 5, 2, 9, 4, 7, 100};

static void test_minmax_by_hand(void **state)
{
    (void)state;
    static const double want01[] = {0, 0, 0.5, 0.5, 1, 1, 2, 1.5, 1.5, 25.5};
    static const double want11[] = {-1, -1, 0, 0, 1, 1, 3, 2, 2, 50};
    double out[10], back[10], c, w;
    lstmc_scaler *s = NULL;
    lstmc_error err;

    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_MINMAX, 2, 0, 1, &err), LSTMC_OK);
    assert_false(lstmc_scaler_fitted(s));
    assert_int_equal(lstmc_scaler_transform(s, out, small, 5, &err), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_scaler_fit(s, small, 0, 3, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_column(s, 1, &c, &w), LSTMC_OK);
    assert_true(c == -2 && w == 4);
    assert_int_equal(lstmc_scaler_transform(s, out, small, 5, &err), LSTMC_OK);
    assert_close(out, want01, 10, 0, 0, "minmax (0, 1)");
    assert_int_equal(lstmc_scaler_inverse_transform(s, back, out, 5, &err), LSTMC_OK);
    assert_close(back, small, 10, 0, 0, "inverse (0, 1)");
    lstmc_scaler_destroy(s);

    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_MINMAX, 2, -1, 1, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_fit(s, small, 0, 3, &err), LSTMC_OK);
    memcpy(out, small, sizeof out);
    assert_int_equal(lstmc_scaler_transform(s, out, out, 5, &err), LSTMC_OK); /* in place */
    assert_close(out, want11, 10, 0, 0, "minmax (-1, 1)");
    assert_int_equal(lstmc_scaler_inverse_transform(s, out, out, 5, &err), LSTMC_OK);
    assert_close(out, small, 10, 0, 0, "inverse (-1, 1)");

    /* one column alone: column 1 of the test rows, and back */
    static const double col1[] = {4, 100}, want_col1[] = {2, 50};
    double one[2];
    assert_int_equal(lstmc_scaler_transform_column(s, 1, one, col1, 2, &err), LSTMC_OK);
    assert_close(one, want_col1, 2, 0, 0, "column 1");
    assert_int_equal(lstmc_scaler_inverse_column(s, 1, one, one, 2, &err), LSTMC_OK);
    assert_close(one, col1, 2, 0, 0, "column 1 back");
    assert_int_equal(lstmc_scaler_transform_column(s, 2, one, col1, 2, &err), LSTMC_ERR_ARG);

    /* fit on listed rows: rows 3 and 4 give min (7, 4), max (9, 100) */
    static const size_t rows[] = {4, 3};
    assert_int_equal(lstmc_scaler_fit_rows(s, small, 5, rows, 2, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_column(s, 0, &c, &w), LSTMC_OK);
    assert_true(c == 7 && w == 2);
    assert_int_equal(lstmc_scaler_column(s, 1, &c, &w), LSTMC_OK);
    assert_true(c == 4 && w == 96);
    static const size_t bad_rows[] = {5};
    assert_int_equal(lstmc_scaler_fit_rows(s, small, 5, bad_rows, 1, &err), LSTMC_ERR_ARG);
    lstmc_scaler_destroy(s);
}

/* A constant column gets width 1 (sklearn's _handle_zeros_in_scale):
 * x' = (x - 2) / 1 * (b - a) + a, so 2 -> a and 3 -> a + (b - a). */
static void test_constant_column(void **state)
{
    (void)state;
    static const double data[] = {2, 5, 2, 6, 2, 7};
    static const double test[] = {2, 5, 3, 6};
    static const double want[] = {-1, -1, 1, 0};
    double out[4], c, w;
    lstmc_scaler *s = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_MINMAX, 2, -1, 1, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_fit(s, data, 0, 3, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_column(s, 0, &c, &w), LSTMC_OK);
    assert_true(c == 2 && w == 1);
    assert_int_equal(lstmc_scaler_transform(s, out, test, 2, &err), LSTMC_OK);
    assert_close(out, want, 4, 0, 0, "constant column");
    lstmc_scaler_destroy(s);

    /* standard: 0.1 three times has a mean that is not exactly 0.1 and a
     * variance of rounding noise, which sklearn's bound calls constant */
    static const double tenth[] = {0.1, 0.1, 0.1};
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_STANDARD, 1, 0, 0, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_fit(s, tenth, 0, 3, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_column(s, 0, &c, &w), LSTMC_OK);
    assert_true(w == 1.0);
    assert_true(fabs(c - 0.1) < 1e-16);
    lstmc_scaler_destroy(s);
}

/* Column [1, 2, 3, 4]: mean 2.5, population variance (2.25 + 0.25 + 0.25 +
 * 2.25) / 4 = 1.25, so x' = (x - 2.5) / sqrt(1.25). Column 2 is
 * [10, 10, 10, 10]: width 1. */
static void test_standard_by_hand(void **state)
{
    (void)state;
    static const double data[] = {1, 10, 2, 10, 3, 10, 4, 10};
    double sd = sqrt(1.25);
    double want[] = {-1.5 / sd, 0, -0.5 / sd, 0, 0.5 / sd, 0, 1.5 / sd, 0};
    double out[8], back[8], c, w;
    lstmc_scaler *s = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_STANDARD, 2, 0, 0, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_fit(s, data, 0, 4, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_column(s, 0, &c, &w), LSTMC_OK);
    assert_true(c == 2.5 && w == sd);
    assert_int_equal(lstmc_scaler_column(s, 1, &c, &w), LSTMC_OK);
    assert_true(c == 10 && w == 1);
    assert_int_equal(lstmc_scaler_transform(s, out, data, 4, &err), LSTMC_OK);
    assert_close(out, want, 8, 1e-15, 0, "standard");
    assert_int_equal(lstmc_scaler_inverse_transform(s, back, out, 4, &err), LSTMC_OK);
    assert_close(back, data, 8, 1e-15, 0, "standard inverse");
    lstmc_scaler_destroy(s);
}

/* The inverse undoes the transform to within 4 eps of each column's
 * largest magnitude on awkward values, and the fitted min and max map to a and b and back exactly. */
static void test_round_trip(void **state)
{
    (void)state;
    enum { N = 64, C = 3 };
    double data[N * C], out[N * C], back[N * C];
    lstmc_rng rng;
    lstmc_rng_seed(&rng, 7, 0);
    for (size_t i = 0; i < N * C; i++)
        data[i] = (lstmc_rng_uniform(&rng) - 0.3) * pow(10.0, (double)(i % C) * 3 - 2);
    for (int kind = 0; kind < LSTMC_SCALE_COUNT; kind++) {
        lstmc_scaler *s = NULL;
        lstmc_error err;
        assert_int_equal(lstmc_scaler_create(&s, (lstmc_scale_kind)kind, C, -0.7, 3.1, &err),
                         LSTMC_OK);
        assert_int_equal(lstmc_scaler_fit(s, data, 0, N, &err), LSTMC_OK);
        assert_int_equal(lstmc_scaler_transform(s, out, data, N, &err), LSTMC_OK);
        assert_int_equal(lstmc_scaler_inverse_transform(s, back, out, N, &err), LSTMC_OK);
        /* the rounding is relative to the column's magnitude, not to the
         * element: a value near 0 in a column spanning 1e4 is off by
         * about eps * 1e4 */
        for (size_t j = 0; j < C; j++) {
            double mag = 0.0;
            for (size_t i = 0; i < N; i++)
                mag = fmax(mag, fabs(data[i * C + j]));
            for (size_t i = 0; i < N; i++)
                if (!(fabs(back[i * C + j] - data[i * C + j]) <= 4 * DBL_EPSILON * mag)) {
                    print_error("%s: [%zu][%zu] got %.17g, want %.17g\n",
                                lstmc_scale_kind_name(kind), i, j, back[i * C + j],
                                data[i * C + j]);
                    fail();
                }
        }
        if (kind == LSTMC_SCALE_MINMAX) {
            for (size_t j = 0; j < C; j++) {
                double lo = INFINITY, hi = -INFINITY, x, y;
                for (size_t i = 0; i < N; i++) {
                    lo = fmin(lo, data[i * C + j]);
                    hi = fmax(hi, data[i * C + j]);
                }
                assert_int_equal(lstmc_scaler_transform_column(s, j, &x, &lo, 1, &err), 0);
                assert_int_equal(lstmc_scaler_transform_column(s, j, &y, &hi, 1, &err), 0);
                /* max -> (b - a) + a, which is b up to one rounding */
                assert_true(x == -0.7 && fabs(y - 3.1) <= 4.0 * DBL_EPSILON);
                assert_int_equal(lstmc_scaler_inverse_column(s, j, &x, &x, 1, &err), 0);
                assert_true(x == lo);
            }
        }
        lstmc_scaler_destroy(s);
    }
}

static void test_scaler_errors(void **state)
{
    (void)state;
    lstmc_scaler *s = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_MINMAX, 2, 1, 1, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "feature_range must be two finite numbers a < b, found [1, 1]");
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_MINMAX, 0, 0, 1, &err), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_COUNT, 1, 0, 1, &err), LSTMC_ERR_ARG);
    assert_null(s);
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_MINMAX, 2, 0, 1, &err), LSTMC_OK);
    double data[] = {1, 2, 3, NAN};
    assert_int_equal(lstmc_scaler_fit(s, data, 0, 2, &err), LSTMC_ERR_ARG);
    assert_int_equal(err.row, 2);
    assert_int_equal(err.col, 2);
    assert_string_equal(err.msg, "row 2, column 2: nan is not a finite number");
    assert_false(lstmc_scaler_fitted(s));
    assert_int_equal(lstmc_scaler_fit(s, data, 1, 1, &err), LSTMC_ERR_ARG); /* empty */
    assert_int_equal(lstmc_scaler_fit(s, data, 0, 1, &err), LSTMC_OK);
    double out[4];
    data[2] = INFINITY;
    assert_int_equal(lstmc_scaler_transform(s, out, data, 2, &err), LSTMC_ERR_ARG);
    assert_int_equal(err.row, 2);
    assert_int_equal(err.col, 1);
    lstmc_scaler_destroy(s);
    lstmc_scaler_destroy(NULL);
}

static void test_scaler_json(void **state)
{
    (void)state;
    lstmc_scaler *s = NULL, *t = NULL, *u = NULL;
    lstmc_error err;
    char *json = NULL, *again = NULL;
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_MINMAX, 2, 0, 1, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_to_json(&json, s, &err), LSTMC_ERR_ARG); /* not fitted */
    assert_int_equal(lstmc_scaler_fit(s, small, 0, 3, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_to_json(&json, s, &err), LSTMC_OK);
    assert_string_equal(json, "{\"data_max\":[5.0,2.0],\"data_min\":[1.0,-2.0],"
                              "\"feature_range\":[0.0,1.0],\"format\":\"lstmc.scaler\","
                              "\"type\":\"minmax\",\"version\":1}");
    assert_int_equal(lstmc_scaler_from_json(&t, json, strlen(json), &err), LSTMC_OK);
    double a[10], b[10];
    assert_int_equal(lstmc_scaler_transform(s, a, small, 5, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_transform(t, b, small, 5, &err), LSTMC_OK);
    assert_memory_equal(a, b, sizeof a);
    free(json);
    lstmc_scaler_destroy(s);
    lstmc_scaler_destroy(t);

    /* standard, with values that need all 17 digits, through a file */
    static const double data[] = {0.1, 1.0 / 3, 0.7, 2.0 / 3, 1e-300, 1e300};
    char dir[] = "/tmp/lstmc_prep_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/scaler.json", dir);
    assert_int_equal(lstmc_scaler_create(&s, LSTMC_SCALE_STANDARD, 2, 0, 0, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_fit(s, data, 0, 2, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_save(s, path, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_load(&u, path, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_kind(u), LSTMC_SCALE_STANDARD);
    assert_int_equal(lstmc_scaler_cols(u), 2);
    assert_int_equal(lstmc_scaler_to_json(&json, s, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_to_json(&again, u, &err), LSTMC_OK);
    assert_string_equal(json, again);
    assert_int_equal(lstmc_scaler_transform(s, a, data, 3, &err), LSTMC_OK);
    assert_int_equal(lstmc_scaler_transform(u, b, data, 3, &err), LSTMC_OK);
    assert_memory_equal(a, b, 6 * sizeof *a);
    free(json);
    free(again);
    lstmc_scaler_destroy(s);
    lstmc_scaler_destroy(u);
    unlink(path);

    static const char *const bad[] = {
        "{\"format\":\"lstmc.scaler\",\n\"version\":1,",
        "{\"format\":\"lstmc.scaler\",\"version\":1,\"type\":\"robust\",\"mean\":[1]}",
        "{\"format\":\"lstmc.scaler\",\"version\":1,\"type\":\"standard\",\"mean\":[1],"
        "\"std\":[0]}",
        "{\"format\":\"lstmc.scaler\",\"version\":1,\"type\":\"standard\",\"mean\":[1,2],"
        "\"std\":[1]}",
        "{\"format\":\"lstmc.scaler\",\"version\":1,\"type\":\"minmax\",\"data_min\":[1],"
        "\"data_max\":[0],\"feature_range\":[0,1]}",
        "{\"format\":\"lstmc.scaler\",\"version\":1,\"type\":\"minmax\",\"data_min\":[0],"
        "\"data_max\":[1],\"feature_range\":[1,0]}",
        "{\"format\":\"lstmc.labels\",\"version\":1}",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_int_equal(lstmc_scaler_from_json(&s, bad[i], strlen(bad[i]), &err),
                         LSTMC_ERR_FORMAT);
        assert_null(s);
    }
    assert_int_equal(lstmc_scaler_from_json(&s, bad[0], strlen(bad[0]), &err), LSTMC_ERR_FORMAT);
    assert_int_equal(err.row, 2);
    assert_int_equal(lstmc_scaler_load(&s, path, &err), LSTMC_ERR_IO); /* removed */
    assert_string_equal(err.path, path);
    rmdir(dir);
}

/* ------------------------------------------------------------------ */
/* Windows                                                             */
/* ------------------------------------------------------------------ */

/* Series 10..50, length 2. next: 5 - 2 = 3 windows [10 20] [20 30]
 * [30 40], labels the values after them 30 40 50 (rows 2 3 4). last: 4
 * windows, labels their last values 20 30 40 50. */
static void test_windows_series(void **state)
{
    (void)state;
    static const double series[] = {10, 20, 30, 40, 50};
    double X[8], y[4];
    size_t rows[4], count;
    lstmc_error err;
    assert_int_equal(lstmc_window_count(&count, 5, 2, LSTMC_WINDOW_NEXT, &err), LSTMC_OK);
    assert_int_equal(count, 3);
    assert_int_equal(lstmc_windows_f64(X, rows, y, series, series, 5, 1, 2, LSTMC_WINDOW_NEXT,
                                       &err),
                     LSTMC_OK);
    assert_close(X, (const double[]){10, 20, 20, 30, 30, 40}, 6, 0, 0, "X next");
    assert_close(y, (const double[]){30, 40, 50}, 3, 0, 0, "y next");
    assert_sizes(rows, (const size_t[]){2, 3, 4}, 3, "label rows next");

    assert_int_equal(lstmc_window_count(&count, 5, 2, LSTMC_WINDOW_LAST, &err), LSTMC_OK);
    assert_int_equal(count, 4);
    assert_int_equal(lstmc_windows_f64(X, rows, y, series, series, 5, 1, 2, LSTMC_WINDOW_LAST,
                                       &err),
                     LSTMC_OK);
    assert_close(X, (const double[]){10, 20, 20, 30, 30, 40, 40, 50}, 8, 0, 0, "X last");
    assert_close(y, (const double[]){20, 30, 40, 50}, 4, 0, 0, "y last");
    assert_sizes(rows, (const size_t[]){1, 2, 3, 4}, 4, "label rows last");
    assert_string_equal(lstmc_window_label_name(LSTMC_WINDOW_LAST), "last");
}

/* A labelled table of 4 rows of 2 features (r, 10r) and length 3: one
 * window (rows 0-2) whose label is row 3's class. */
static void test_windows_features(void **state)
{
    (void)state;
    static const double data[] = {0, 0, 1, 10, 2, 20, 3, 30};
    double X[6];
    size_t row;
    lstmc_error err;
    assert_int_equal(lstmc_windows_f64(X, &row, NULL, data, NULL, 4, 2, 3, LSTMC_WINDOW_NEXT,
                                       &err),
                     LSTMC_OK);
    assert_close(X, data, 6, 0, 0, "X");
    assert_int_equal(row, 3);
}

static void test_windows_too_few_rows(void **state)
{
    (void)state;
    size_t count = 99;
    double X[4];
    lstmc_error err;
    assert_int_equal(lstmc_window_count(&count, 10, 10, LSTMC_WINDOW_NEXT, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "too few rows for a window of 10 rows and the row after it: "
                                 "need at least 11, found 10");
    assert_int_equal(count, 99);
    assert_int_equal(lstmc_window_count(&count, 9, 10, LSTMC_WINDOW_LAST, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "too few rows for a window of 10 rows: need at least 10, "
                                 "found 9");
    assert_int_equal(lstmc_window_count(&count, 10, 10, LSTMC_WINDOW_LAST, &err), LSTMC_OK);
    assert_int_equal(count, 1);
    assert_int_equal(lstmc_window_count(&count, 5, 0, LSTMC_WINDOW_NEXT, &err), LSTMC_ERR_ARG);
    static const double d[] = {1, 2};
    assert_int_equal(lstmc_windows_f64(X, NULL, NULL, d, NULL, 2, 1, 2, LSTMC_WINDOW_NEXT, &err),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_windows_f64(X, NULL, NULL, d, NULL, 2, 0, 1, LSTMC_WINDOW_NEXT, &err),
                     LSTMC_ERR_ARG);
    /* overflow of count * length * features */
    assert_int_equal(lstmc_windows_f64(X, NULL, NULL, d, NULL, SIZE_MAX, 2, 2,
                                       LSTMC_WINDOW_NEXT, &err),
                     LSTMC_ERR_ARG);
}

/* ------------------------------------------------------------------ */
/* Grouped sequences                                                   */
/* ------------------------------------------------------------------ */

/* Ids a a a | b b | a a: three sequences (a comes back later: a new one).
 * Sorted by order: seq 0 rows 1, 2, 0 -> 10 20 30; seq 1 rows 4, 3 ->
 * 100 200; seq 2 has equal orders, so file order stays: 1 2. */
static const char *const g_ids[] = {"a", "a", "a", "b", "b", "a", "a"};
static const double g_order[] = {3, 1, 2, 2, 1, 1, 1};
static const double g_data[] = {30, 10, 20, 200, 100, 1, 2};

static void check_group(size_t steps, lstmc_pad_side padding, lstmc_pad_side truncating,
                        const double *want)
{
    double X[3 * 4];
    size_t first[3], lengths[3], work[14];
    lstmc_error err;
    assert_true(lstmc_group_work_size(7) <= ARRAY_LEN(work));
    assert_int_equal(lstmc_group_sequences_f64(X, first, lengths, work, g_data, g_ids, g_order,
                                               NULL, 7, 1, steps, 3, padding, truncating, &err),
                     LSTMC_OK);
    assert_close(X, want, 3 * steps, 0, 0, "grouped");
    assert_sizes(first, (const size_t[]){0, 3, 5}, 3, "first rows");
    assert_sizes(lengths, (const size_t[]){3, 2, 2}, 3, "lengths");
}

static void test_group_pad_truncate(void **state)
{
    (void)state;
    size_t n;
    assert_int_equal(lstmc_group_count(&n, g_ids, 7, NULL), LSTMC_OK);
    assert_int_equal(n, 3);
    /* 2 steps: seq 0 loses its first step (pre) or its last (post) */
    check_group(2, LSTMC_PAD_PRE, LSTMC_PAD_PRE, (const double[]){20, 30, 100, 200, 1, 2});
    check_group(2, LSTMC_PAD_PRE, LSTMC_PAD_POST, (const double[]){10, 20, 100, 200, 1, 2});
    /* 4 steps: zeros before (pre) or after (post) */
    check_group(4, LSTMC_PAD_PRE, LSTMC_PAD_PRE,
                (const double[]){0, 10, 20, 30, 0, 0, 100, 200, 0, 0, 1, 2});
    check_group(4, LSTMC_PAD_POST, LSTMC_PAD_PRE,
                (const double[]){10, 20, 30, 0, 100, 200, 0, 0, 1, 2, 0, 0});
}

/* Two features: the rows move whole. */
static void test_group_features(void **state)
{
    (void)state;
    static const char *const ids[] = {"7", "7", "7"};
    static const double order[] = {2, 0, 1};
    static const double data[] = {2, -2, 0, 0, 1, -1};
    double X[8];
    size_t first, work[6];
    lstmc_error err;
    assert_int_equal(lstmc_group_sequences_f64(X, &first, NULL, work, data, ids, order, NULL, 3,
                                               2, 4, 1, LSTMC_PAD_POST, LSTMC_PAD_PRE, &err),
                     LSTMC_OK);
    assert_close(X, (const double[]){0, 0, 1, -1, 2, -2, 0, 0}, 8, 0, 0, "two features");
}

static void test_group_errors(void **state)
{
    (void)state;
    static const char *const labels[] = {"x", "x", "x", "y", "y", "x", "z"};
    double X[6];
    size_t first[3], work[14];
    lstmc_error err;
    assert_int_equal(lstmc_group_sequences_f64(X, first, NULL, work, g_data, g_ids, g_order,
                                               labels, 7, 1, 2, 3, LSTMC_PAD_PRE, LSTMC_PAD_PRE,
                                               &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg,
                        "rows 6 and 7 of sequence 'a' have different 'label' values: 'x' and 'z'");
    assert_int_equal(err.row, 7);
    static const char *const split[] = {"train", "train", "train", "test", "test", "test", "test"};
    assert_int_equal(lstmc_group_check_column(g_ids, split, 7, "split", &err), LSTMC_OK);
    /* a wrong sequence count, a NaN order */
    assert_int_equal(lstmc_group_sequences_f64(X, first, NULL, work, g_data, g_ids, g_order,
                                               NULL, 7, 1, 2, 2, LSTMC_PAD_PRE, LSTMC_PAD_PRE,
                                               &err),
                     LSTMC_ERR_ARG);
    double order[7];
    memcpy(order, g_order, sizeof order);
    order[4] = NAN;
    assert_int_equal(lstmc_group_sequences_f64(X, first, NULL, work, g_data, g_ids, order, NULL,
                                               7, 1, 2, 3, LSTMC_PAD_PRE, LSTMC_PAD_PRE, &err),
                     LSTMC_ERR_ARG);
    assert_int_equal(err.row, 5);
}

/* ------------------------------------------------------------------ */
/* Splits                                                              */
/* ------------------------------------------------------------------ */

/* floor(f * n): 0.8 * 10 = 8, 0.75 * 10 = 7.5 -> 7, 0.8 * 4 = 3.2 -> 3. */
static void test_split_ordered(void **state)
{
    (void)state;
    size_t idx[10], k;
    lstmc_error err;
    assert_int_equal(lstmc_split_ordered(idx, &k, 10, 0.8, &err), LSTMC_OK);
    assert_int_equal(k, 8);
    assert_sizes(idx, (const size_t[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10, "ordered");
    assert_int_equal(lstmc_split_ordered(idx, &k, 10, 0.75, &err), LSTMC_OK);
    assert_int_equal(k, 7);
    assert_int_equal(lstmc_split_ordered(idx, &k, 4, 0.8, &err), LSTMC_OK);
    assert_int_equal(k, 3);
    assert_int_equal(lstmc_split_ordered(idx, &k, 1, 0.8, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "with 1 samples and train 0.8 the training part is empty");
    assert_int_equal(lstmc_split_ordered(idx, &k, 10, 1.0, &err), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_split_ordered(idx, &k, 10, 0.0, &err), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_split_ordered(idx, &k, 10, NAN, &err), LSTMC_ERR_ARG);
}

/* The shuffled split is lstmc_rng_shuffle of 0..n-1, then the same cut. */
static void test_split_shuffled(void **state)
{
    (void)state;
    enum { N = 50 };
    size_t idx[N], ref[N], k;
    lstmc_rng rng, rng2;
    lstmc_error err;
    lstmc_rng_seed(&rng, 42, 3);
    rng2 = rng;
    assert_int_equal(lstmc_split_shuffled(&rng, idx, &k, N, 0.8, &err), LSTMC_OK);
    assert_int_equal(k, 40);
    for (size_t i = 0; i < N; i++)
        ref[i] = i;
    lstmc_rng_shuffle(&rng2, ref, N);
    assert_sizes(idx, ref, N, "shuffled");
    unsigned char seen[N] = {0};
    size_t moved = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(idx[i] < N && !seen[idx[i]]);
        seen[idx[i]] = 1;
        moved += idx[i] != i;
    }
    assert_true(moved > N / 2);
}

static void test_split_column(void **state)
{
    (void)state;
    static const char *const v[] = {"train", "test", "train", "test", "train"};
    size_t idx[5], k;
    lstmc_error err;
    assert_int_equal(lstmc_split_column(idx, &k, v, NULL, 5, &err), LSTMC_OK);
    assert_int_equal(k, 3);
    assert_sizes(idx, (const size_t[]){0, 2, 4, 1, 3}, 5, "column");
    static const char *const bad[] = {"train", "dev", "test"};
    static const size_t rows[] = {2, 9, 14};
    assert_int_equal(lstmc_split_column(idx, &k, bad, rows, 3, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "split column holds 'dev': expected 'train' or 'test'");
    assert_int_equal(err.row, 9);
    assert_int_equal(lstmc_split_column(idx, &k, v, NULL, 1, &err), LSTMC_ERR_ARG);
}

/* Keras: split_at = floor(n * (1 - v)); 10 * 0.8 = 8, 10 * 0.75 = 7.5 -> 7. */
static void test_validation_split(void **state)
{
    (void)state;
    size_t k;
    lstmc_error err;
    assert_int_equal(lstmc_validation_split(&k, 10, 0.2, &err), LSTMC_OK);
    assert_int_equal(k, 8);
    assert_int_equal(lstmc_validation_split(&k, 10, 0.25, &err), LSTMC_OK);
    assert_int_equal(k, 7);
    assert_int_equal(lstmc_validation_split(&k, 10, 0.0, &err), LSTMC_OK);
    assert_int_equal(k, 10);
    assert_int_equal(lstmc_validation_split(&k, 1, 0.5, &err), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_validation_split(&k, 10, 1.0, &err), LSTMC_ERR_ARG);
}

/* ------------------------------------------------------------------ */
/* Labels                                                              */
/* ------------------------------------------------------------------ */

/* Classes sorted: drizzle 0, fog 1, rain 2, snow 3, sun 4. */
static void test_label_encoding(void **state)
{
    (void)state;
    static const char *const train[] = {"sun", "rain", "drizzle", "rain", "fog", "snow", "sun"};
    static const char *const classes[] = {"drizzle", "fog", "rain", "snow", "sun"};
    lstmc_labels *enc = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_labels_fit(&enc, train, 7, &err), LSTMC_OK);
    assert_int_equal(lstmc_labels_count(enc), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(lstmc_labels_class(enc, i), classes[i]);
    assert_null(lstmc_labels_class(enc, 5));
    size_t codes[7];
    assert_int_equal(lstmc_labels_transform(codes, enc, train, NULL, 7, &err), LSTMC_OK);
    assert_sizes(codes, (const size_t[]){4, 2, 0, 2, 1, 3, 4}, 7, "codes");

    static const char *const test[] = {"rain", "hail"};
    static const size_t rows[] = {16, 17};
    assert_int_equal(lstmc_labels_transform(codes, enc, test, rows, 2, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "class 'hail' in the test data was never seen in training "
                                 "(known: drizzle, fog, rain, snow, sun)");
    assert_int_equal(err.row, 17);
    assert_int_equal(lstmc_labels_transform(codes, enc, test, NULL, 2, &err), LSTMC_ERR_ARG);
    assert_int_equal(err.row, 2);
    lstmc_labels_destroy(enc);
}

/* strcmp is byte order: "B" < "Z" < "a" < "b" < "é"; numbers as text:
 * "10" < "9". */
static void test_label_byte_order(void **state)
{
    (void)state;
    static const char *const v[] = {"b", "B", "a", "\xc3\xa9", "Z", "a"};
    static const char *const want[] = {"B", "Z", "a", "b", "\xc3\xa9"};
    lstmc_labels *enc = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_labels_fit(&enc, v, 6, &err), LSTMC_OK);
    assert_int_equal(lstmc_labels_count(enc), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(lstmc_labels_class(enc, i), want[i]);
    lstmc_labels_destroy(enc);
    static const char *const nums[] = {"9", "10"};
    assert_int_equal(lstmc_labels_fit(&enc, nums, 2, &err), LSTMC_OK);
    assert_string_equal(lstmc_labels_class(enc, 0), "10");
    lstmc_labels_destroy(enc);
}

/* Given classes keep their order; duplicates are refused. */
static void test_label_given_classes(void **state)
{
    (void)state;
    static const char *const classes[] = {"3", "1", "2"};
    lstmc_labels *enc = NULL;
    lstmc_error err;
    size_t code;
    assert_int_equal(lstmc_labels_from_classes(&enc, classes, 3, &err), LSTMC_OK);
    assert_int_equal(lstmc_labels_code(&code, enc, "2"), LSTMC_OK);
    assert_int_equal(code, 2);
    assert_int_equal(lstmc_labels_code(&code, enc, "3"), LSTMC_OK);
    assert_int_equal(code, 0);
    assert_int_equal(lstmc_labels_code(&code, enc, "4"), LSTMC_ERR_ARG);

    char *json = NULL;
    lstmc_labels *back = NULL;
    assert_int_equal(lstmc_labels_to_json(&json, enc, &err), LSTMC_OK);
    assert_string_equal(json, "{\"classes\":[\"3\",\"1\",\"2\"],\"format\":\"lstmc.labels\","
                              "\"version\":1}");
    assert_int_equal(lstmc_labels_from_json(&back, json, strlen(json), &err), LSTMC_OK);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(lstmc_labels_class(back, i), classes[i]);
    char dir[] = "/tmp/lstmc_labels_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/labels.json", dir);
    lstmc_labels *file = NULL;
    assert_int_equal(lstmc_labels_save(enc, path, &err), LSTMC_OK);
    assert_int_equal(lstmc_labels_load(&file, path, &err), LSTMC_OK);
    assert_string_equal(lstmc_labels_class(file, 1), "1");
    unlink(path);
    rmdir(dir);
    free(json);
    lstmc_labels_destroy(enc);
    lstmc_labels_destroy(back);
    lstmc_labels_destroy(file);

    static const char *const dup[] = {"a", "b", "a"};
    assert_int_equal(lstmc_labels_from_classes(&enc, dup, 3, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "class 'a' is given twice");
    assert_null(enc);
    static const char dup_json[] = "{\"classes\":[\"a\",\"a\"],\"format\":\"lstmc.labels\","
                                   "\"version\":1}";
    assert_int_equal(lstmc_labels_from_json(&enc, dup_json, strlen(dup_json), &err),
                     LSTMC_ERR_FORMAT);
    lstmc_labels_destroy(NULL);
}

/* Labels that are codes already (binary 0/1). */
static void test_label_codes(void **state)
{
    (void)state;
    static const char *const v[] = {"0", "1", "1.0", " 0", "1 "};
    size_t codes[5];
    lstmc_error err;
    assert_int_equal(lstmc_labels_parse_codes(codes, v, NULL, 5, 2, &err), LSTMC_OK);
    assert_sizes(codes, (const size_t[]){0, 1, 1, 0, 1}, 5, "codes");
    double y[5];
    lstmc_codes_to_f64(y, codes, 5);
    assert_close(y, (const double[]){0, 1, 1, 0, 1}, 5, 0, 0, "as doubles");
    static const char *const bad[] = {"2", "yes", "0.5", "-1", "", "nan"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        assert_int_equal(lstmc_labels_parse_codes(codes, &bad[i], NULL, 1, 2, &err),
                         LSTMC_ERR_ARG);
    assert_int_equal(lstmc_labels_parse_codes(codes, &bad[1], NULL, 1, 2, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg,
                        "label 'yes' is not a class code: expected an integer from 0 to 1");
}

/* to_categorical([2, 0, 1], 3). */
static void test_one_hot(void **state)
{
    (void)state;
    static const size_t codes[] = {2, 0, 1};
    double out[9];
    lstmc_error err;
    assert_int_equal(lstmc_one_hot_f64(out, codes, 3, 3, &err), LSTMC_OK);
    assert_close(out, (const double[]){0, 0, 1, 1, 0, 0, 0, 1, 0}, 9, 0, 0, "one-hot");
    static const size_t bad[] = {0, 3};
    assert_int_equal(lstmc_one_hot_f64(out, bad, 2, 3, &err), LSTMC_ERR_ARG);
    assert_int_equal(err.row, 2);
    assert_int_equal(lstmc_one_hot_f64(out, codes, 3, 0, &err), LSTMC_ERR_ARG);
}

/* The atomic writer replaces a file whole and keeps its mode. */
static void test_file_write_atomic(void **state)
{
    (void)state;
    char dir[] = "/tmp/lstmc_write_XXXXXX", path[64], buf[16] = {0};
    lstmc_error err;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f.json", dir);
    assert_int_equal(lstmc_file_write_atomic(path, "first", 5, &err), LSTMC_OK);
    assert_int_equal(lstmc_file_write_atomic(path, "2nd", 3, &err), LSTMC_OK);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof buf, f), 3);
    fclose(f);
    assert_string_equal(buf, "2nd");
    char missing[96];
    snprintf(missing, sizeof missing, "%s/no/such/dir/f", dir);
    assert_int_equal(lstmc_file_write_atomic(missing, "x", 1, &err), LSTMC_ERR_IO);
    assert_string_equal(err.path, missing);
    assert_int_equal(lstmc_file_write_atomic("", "x", 1, &err), LSTMC_ERR_ARG);
    unlink(path);
    assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minmax_by_hand),
        cmocka_unit_test(test_constant_column),
        cmocka_unit_test(test_standard_by_hand),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_scaler_errors),
        cmocka_unit_test(test_scaler_json),
        cmocka_unit_test(test_windows_series),
        cmocka_unit_test(test_windows_features),
        cmocka_unit_test(test_windows_too_few_rows),
        cmocka_unit_test(test_group_pad_truncate),
        cmocka_unit_test(test_group_features),
        cmocka_unit_test(test_group_errors),
        cmocka_unit_test(test_split_ordered),
        cmocka_unit_test(test_split_shuffled),
        cmocka_unit_test(test_split_column),
        cmocka_unit_test(test_validation_split),
        cmocka_unit_test(test_label_encoding),
        cmocka_unit_test(test_label_byte_order),
        cmocka_unit_test(test_label_given_classes),
        cmocka_unit_test(test_label_codes),
        cmocka_unit_test(test_one_hot),
        cmocka_unit_test(test_file_write_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
