/*
 * Evaluation (runtime/metrics.c, report.c, plot.c, progress.c): metrics
 * against hand calculations and against scikit-learn (fixtures in
 * tests/report/, made by tools/make_report_fixtures.py with Debian's
 * python3-sklearn 1.2.1), the classification report byte for byte, the
 * result files byte for byte, atomic writes that fail and leave the old
 * file, the progress display with a fake clock, and the plots (the file
 * exists and has the right magic; a bad directory fails cleanly).
 *
 * Run from the source root (meson does): fixture paths are relative to it.
 * Each test works in its own fresh directory under $TMPDIR (or /tmp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "close.h"
#include "lstmc.h"

#define FIXTURES "tests/report"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

struct tmp {
    char dir[256];
};

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/lstmc-report-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tmp *t = *state;
    DIR *d = opendir(t->dir);
    if (d) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", t->dir, e->d_name);
            if (unlink(p) != 0)
                rmdir(p);
        }
        closedir(d);
    }
    rmdir(t->dir);
    free(t);
    return 0;
}

static char *in_dir(const struct tmp *t, const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", t->dir, name);
    return path;
}

/* The whole file, NUL-terminated; *len its size. Caller frees. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4097 > cap) {
            cap = 2 * cap + 8192;
            char *g = realloc(buf, cap);
            assert_non_null(g);
            buf = g;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void assert_file_text(const char *path, const char *want)
{
    char *got = slurp(path, NULL);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* Files in dir whose name contains ".tmp.": leftovers of atomic writes. */
static int tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

/* A memstream for what a writer prints. */
struct mem {
    char *buf;
    size_t len;
    FILE *f;
};

static void mem_open(struct mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
}

/* Closes the stream; m->buf holds the text (caller frees). */
static void mem_close(struct mem *m)
{
    fclose(m->f);
    m->f = NULL;
}

static void assert_ok(lstmc_status s, const lstmc_error *err)
{
    if (s != LSTMC_OK) {
        print_error("status %s: %s: %s\n", lstmc_status_string(s), err->path,
                    err->msg);
        fail();
    }
}

/* ------------------------------------------------------------------ */
/* Regression metrics                                                  */
/* ------------------------------------------------------------------ */

static void test_regression_hand(void **state)
{
    (void)state;
    /* errors 0, 1, -1, 2: MSE (0+1+1+4)/4 = 1.5; MAE (0+1+1+2)/4 = 1;
     * APE 0, 1/2, 1/3, 2/4 -> mean 4/3 / 4 = 1/3 -> 33.33...% */
    const double y[] = {1, 2, 3, 4}, yhat[] = {1, 3, 2, 6};
    lstmc_regression_metrics m;
    lstmc_error err;
    assert_ok(lstmc_regression_metrics_f64(&m, y, yhat, 4, &err), &err);
    double got[3] = {m.rmse, m.mae, m.mape};
    double want[3] = {sqrt(1.5), 1.0, 100.0 / 3.0};
    assert_close(got, want, 3, 1e-15, 0.0, "rmse, mae, mape");
}

static void test_mape_zero_target(void **state)
{
    (void)state;
    /* sklearn divides by max(|y|, eps): |0 - 1| / eps, then the mean of
     * that and 0, times 100. */
    const double y[] = {0.0, 2.0}, yhat[] = {1.0, 2.0};
    lstmc_regression_metrics m;
    assert_int_equal(lstmc_regression_metrics_f64(&m, y, yhat, 2, NULL),
                     LSTMC_OK);
    double got = m.mape, want = 1.0 / DBL_EPSILON / 2.0 * 100.0;
    assert_close(&got, &want, 1, 1e-15, 0.0, "mape");
}

static void test_regression_args(void **state)
{
    (void)state;
    const double y[] = {1.0, NAN}, yhat[] = {1.0, 2.0};
    lstmc_regression_metrics m = {7, 7, 7};
    lstmc_error err;
    assert_int_equal(lstmc_regression_metrics_f64(&m, y, yhat, 0, &err),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_regression_metrics_f64(&m, y, yhat, 2, &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "true value 1 is not finite (nan)");
    assert_true(m.rmse == 7 && m.mae == 7 && m.mape == 7);
}

/* sklearn's values, to the last bit: same pairwise summation. */
static void test_regression_sklearn(void **state)
{
    (void)state;
    FILE *f = fopen(FIXTURES "/regression.in", "r");
    assert_non_null(f);
    size_t n = 0;
    assert_int_equal(fscanf(f, "%zu", &n), 1);
    double *y = malloc(n * sizeof *y), *p = malloc(n * sizeof *p);
    assert_true(y && p);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fscanf(f, "%lf %lf", &y[i], &p[i]), 2);
    fclose(f);
    f = fopen(FIXTURES "/regression.out", "r");
    assert_non_null(f);
    double want[3];
    assert_int_equal(fscanf(f, "%lf %lf %lf", &want[0], &want[1], &want[2]),
                     3);
    fclose(f);
    lstmc_regression_metrics m;
    assert_int_equal(lstmc_regression_metrics_f64(&m, y, p, n, NULL), LSTMC_OK);
    double got[3] = {m.rmse, m.mae, m.mape};
    assert_close(got, want, 3, 0.0, 0.0, "rmse, mae, mape vs sklearn");
    free(y);
    free(p);
}

/* ------------------------------------------------------------------ */
/* Classification metrics                                              */
/* ------------------------------------------------------------------ */

static void test_confusion_hand(void **state)
{
    (void)state;
    const size_t t[] = {0, 0, 1, 1, 2, 2, 2};
    const size_t p[] = {0, 1, 1, 1, 2, 0, 1};
    uint64_t cm[9];
    assert_int_equal(lstmc_confusion_matrix(cm, t, p, 7, 3, NULL), LSTMC_OK);
    const uint64_t want[9] = {1, 1, 0, /* true 0 */
                              0, 2, 0, /* true 1 */
                              1, 1, 1 /* true 2 */};
    assert_memory_equal(cm, want, sizeof want);
}

static void test_confusion_bad_label(void **state)
{
    (void)state;
    const size_t t[] = {0, 1}, p[] = {0, 3};
    uint64_t cm[4] = {9, 9, 9, 9};
    lstmc_error err;
    assert_int_equal(lstmc_confusion_matrix(cm, t, p, 2, 2, &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "predicted label of sample 1 is 3, "
                                 "expected a class below 2");
    assert_true(cm[0] == 9 && cm[3] == 9);
}

static void test_scores_hand(void **state)
{
    (void)state;
    /* The matrix of test_confusion_hand.
     * class 0: tp 1, predicted 2, true 2: p 1/2, r 1/2, f1 1/2
     * class 1: tp 2, predicted 4, true 2: p 1/2, r 1,   f1 2/3
     * class 2: tp 1, predicted 1, true 3: p 1,   r 1/3, f1 1/2
     * accuracy 4/7; macro p (1/2+1/2+1)/3 = 2/3, r (1/2+1+1/3)/3 = 11/18,
     * f1 (1/2+2/3+1/2)/3 = 5/9; weighted p (2*1/2+2*1/2+3*1)/7 = 5/7,
     * r (1+2+1)/7 = 4/7, f1 (1+4/3+3/2)/7 = 23/42. */
    const uint64_t cm[9] = {1, 1, 0, 0, 2, 0, 1, 1, 1};
    lstmc_class_scores per[3];
    lstmc_classification s;
    lstmc_error err;
    assert_ok(lstmc_classification_scores(&s, per, cm, 3, &err), &err);
    double got[] = {per[0].precision, per[0].recall, per[0].f1,
                    per[1].precision, per[1].recall, per[1].f1,
                    per[2].precision, per[2].recall, per[2].f1,
                    s.accuracy, s.macro.precision, s.macro.recall,
                    s.macro.f1, s.weighted.precision, s.weighted.recall,
                    s.weighted.f1, s.micro.f1};
    double want[] = {0.5, 0.5, 0.5, 0.5, 1.0, 2.0 / 3, 1.0, 1.0 / 3, 0.5,
                     4.0 / 7, 2.0 / 3, 11.0 / 18, 5.0 / 9, 5.0 / 7,
                     4.0 / 7, 23.0 / 42, 4.0 / 7};
    assert_close(got, want, ARRAY_LEN(want), 1e-15, 0.0, "scores");
    assert_int_equal(per[0].support, 2);
    assert_int_equal(per[1].support, 2);
    assert_int_equal(per[2].support, 3);
    assert_int_equal(s.total, 7);
    assert_int_equal(s.correct, 4);
    assert_true(s.all_present);
    assert_int_equal(s.warnings, 0);
    assert_ptr_equal(s.per_class, per);
}

static void test_scores_zero_division(void **state)
{
    (void)state;
    /* class 1 never predicted: precision 0/0 -> 0 with a warning;
     * class 2 neither true nor predicted: recall 0/0 too; the report
     * then shows "micro avg". */
    const uint64_t cm[9] = {2, 0, 0, 1, 0, 0, 0, 0, 0};
    lstmc_class_scores per[3];
    lstmc_classification s;
    assert_int_equal(lstmc_classification_scores(&s, per, cm, 3, NULL),
                     LSTMC_OK);
    assert_true(per[1].precision == 0.0 && per[1].f1 == 0.0);
    assert_true(per[2].recall == 0.0 && per[2].precision == 0.0);
    assert_int_equal(s.warnings, LSTMC_WARN_PRECISION | LSTMC_WARN_RECALL);
    assert_false(s.all_present);
    assert_string_equal(
        lstmc_classification_warning_text(LSTMC_WARN_PRECISION),
        "precision and F-score are ill-defined and being set to 0.0 in "
        "labels with no predicted samples");
    assert_null(lstmc_classification_warning_text(0x4));
}

static void test_scores_args(void **state)
{
    (void)state;
    const uint64_t zero[4] = {0};
    lstmc_class_scores per[2];
    lstmc_classification s;
    lstmc_error err;
    assert_int_equal(lstmc_classification_scores(&s, per, zero, 2, &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "the confusion matrix counts no sample");
    assert_int_equal(lstmc_classification_scores(&s, NULL, zero, 2, NULL),
                     LSTMC_ERR_ARG);
}

/* ------------------------------------------------------------------ */
/* The classification report against scikit-learn                     */
/* ------------------------------------------------------------------ */

struct fixture_case {
    size_t k;
    int digits;
    char *names_line;       /* owns the name strings */
    const char *names[64];  /* NULL entries when the codes are the names */
    bool has_names;
    size_t n;
    size_t *y_true, *y_pred;
};

static size_t *parse_codes(char *line, size_t *n)
{
    size_t cap = 16, m = 0;
    size_t *v = malloc(cap * sizeof *v);
    assert_non_null(v);
    for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
        if (m == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            assert_non_null(v);
        }
        v[m++] = (size_t)strtoul(tok, NULL, 10);
    }
    *n = m;
    return v;
}

static void read_case(const char *name, struct fixture_case *c)
{
    char path[256];
    snprintf(path, sizeof path, FIXTURES "/%s.in", name);
    char *text = slurp(path, NULL);
    assert_non_null(text);
    char *lines[5];
    char *p = text;
    for (int i = 0; i < 5; i++) {
        lines[i] = p;
        p = strchr(p, '\n');
        assert_non_null(p);
        *p++ = '\0';
    }
    memset(c, 0, sizeof *c);
    c->names_line = strdup(lines[0]);
    c->digits = atoi(lines[1]);
    c->k = (size_t)strtoul(lines[2], NULL, 10);
    assert_true(c->k > 0 && c->k <= 64);
    c->has_names = strcmp(lines[0], "-") != 0;
    if (c->has_names) {
        size_t i = 0;
        for (char *q = c->names_line; q && i < c->k; i++) {
            c->names[i] = q;
            q = strchr(q, '\t');
            if (q)
                *q++ = '\0';
        }
        assert_int_equal(i, c->k);
    }
    size_t n2;
    c->y_true = parse_codes(lines[3], &c->n);
    c->y_pred = parse_codes(lines[4], &n2);
    assert_int_equal(c->n, n2);
    free(text);
}

static void free_case(struct fixture_case *c)
{
    free(c->names_line);
    free(c->y_true);
    free(c->y_pred);
}

static void check_report_case(const char *name)
{
    struct fixture_case c;
    read_case(name, &c);
    char path[256];

    uint64_t *cm = calloc(c.k * c.k, sizeof *cm);
    assert_non_null(cm);
    lstmc_error err;
    assert_ok(lstmc_confusion_matrix(cm, c.y_true, c.y_pred, c.n, c.k, &err),
              &err);
    /* The counts sklearn's confusion_matrix gives. */
    snprintf(path, sizeof path, FIXTURES "/%s.cm", name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    for (size_t i = 0; i < c.k * c.k; i++) {
        unsigned long long v;
        assert_int_equal(fscanf(f, "%llu", &v), 1);
        assert_int_equal(cm[i], v);
    }
    fclose(f);

    lstmc_class_scores *per = calloc(c.k, sizeof *per);
    assert_non_null(per);
    lstmc_classification s;
    assert_ok(lstmc_classification_scores(&s, per, cm, c.k, &err), &err);
    struct mem m;
    mem_open(&m);
    assert_ok(lstmc_classification_report_write(
                  m.f, &s, c.has_names ? c.names : NULL, c.digits, &err),
              &err);
    mem_close(&m);
    snprintf(path, sizeof path, FIXTURES "/%s.txt", name);
    char *want = slurp(path, NULL);
    assert_non_null(want);
    assert_string_equal(m.buf, want);
    free(want);
    free(m.buf);

    /* The warnings sklearn issued, as flags. */
    snprintf(path, sizeof path, FIXTURES "/%s.warn", name);
    char *warn = slurp(path, NULL);
    assert_non_null(warn);
    unsigned want_flags = (strstr(warn, "Precision and F-score") ? LSTMC_WARN_PRECISION : 0) |
                          (strstr(warn, "Recall and F-score") ? LSTMC_WARN_RECALL : 0);
    assert_int_equal(s.warnings, want_flags);
    free(warn);
    free(per);
    free(cm);
    free_case(&c);
}

static void test_report_binary(void **state)
{
    (void)state;
    check_report_case("binary");
}

static void test_report_codes(void **state)
{
    (void)state;
    check_report_case("codes");
}

static void test_report_never_predicted(void **state)
{
    (void)state;
    check_report_case("never_predicted");
}

static void test_report_long_names(void **state)
{
    (void)state;
    check_report_case("long_names");
}

static void test_report_absent_class(void **state)
{
    (void)state;
    check_report_case("absent_class");
}

static void test_report_many(void **state)
{
    (void)state;
    check_report_case("many");
}

/* The layout of the header's own example, written out here. */
static void test_report_layout(void **state)
{
    (void)state;
    const uint64_t cm[4] = {2, 0, 1, 1};
    lstmc_class_scores per[2];
    lstmc_classification s;
    assert_int_equal(lstmc_classification_scores(&s, per, cm, 2, NULL),
                     LSTMC_OK);
    struct mem m;
    mem_open(&m);
    assert_int_equal(lstmc_classification_report_write(m.f, &s, NULL, 2, NULL),
                     LSTMC_OK);
    mem_close(&m);
    assert_string_equal(m.buf,
                        "              precision    recall  f1-score   support\n"
                        "\n"
                        "           0       0.67      1.00      0.80         2\n"
                        "           1       1.00      0.50      0.67         2\n"
                        "\n"
                        "    accuracy                           0.75         4\n"
                        "   macro avg       0.83      0.75      0.73         4\n"
                        "weighted avg       0.83      0.75      0.73         4\n");
    free(m.buf);
}

static void test_report_args(void **state)
{
    (void)state;
    const uint64_t cm[4] = {2, 0, 1, 1};
    lstmc_class_scores per[2];
    lstmc_classification s;
    assert_int_equal(lstmc_classification_scores(&s, per, cm, 2, NULL),
                     LSTMC_OK);
    const char *names[2] = {"a", NULL};
    lstmc_error err;
    assert_int_equal(lstmc_classification_report_write(stdout, &s, names, 2,
                                                       &err),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_classification_report_write(stdout, &s, NULL, 18,
                                                       &err),
                     LSTMC_ERR_ARG);
}

static void test_confusion_text(void **state)
{
    (void)state;
    const uint64_t cm[4] = {120, 30, 25, 125};
    const char *names[2] = {"Negative", "Positive"};
    struct mem m;
    mem_open(&m);
    assert_int_equal(lstmc_confusion_matrix_write(m.f, cm, 2, names, NULL),
                     LSTMC_OK);
    mem_close(&m);
    assert_string_equal(m.buf,
                        "Confusion matrix (rows: true, columns: predicted)\n"
                        "\n"
                        "          Negative  Positive\n"
                        "Negative       120        30\n"
                        "Positive        25       125\n");
    free(m.buf);

    /* Codes as names; a count wider than its name widens the column. */
    const uint64_t cm2[4] = {12345, 0, 7, 3};
    mem_open(&m);
    assert_int_equal(lstmc_confusion_matrix_write(m.f, cm2, 2, NULL, NULL),
                     LSTMC_OK);
    mem_close(&m);
    assert_string_equal(m.buf,
                        "Confusion matrix (rows: true, columns: predicted)\n"
                        "\n"
                        "       0  1\n"
                        "0  12345  0\n"
                        "1      7  3\n");
    free(m.buf);
}

/* ------------------------------------------------------------------ */
/* Result files                                                        */
/* ------------------------------------------------------------------ */

static void test_metrics_json_forecast(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "metrics.json");
    lstmc_run_summary s = {
        .spec = "forecast", .epochs = 1, .train_loss = 0.01,
        .train_seconds = 0.2, .train_samples_per_second = 500,
        .has_regression = true, .test = {41.3, 30.25, 8.125}};
    lstmc_error err;
    assert_ok(lstmc_metrics_json_write(path, &s, &err), &err);
    assert_file_text(path,
                     "{\"spec\": \"forecast\", \"epochs\": 1, \"train\": "
                     "{\"loss\": 0.01, \"seconds\": 0.2, "
                     "\"samples_per_second\": 500.0}, \"test\": "
                     "{\"rmse\": 41.3, \"mae\": 30.25, \"mape\": 8.125}}\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(tmp_files(t->dir), 0);
}

static void test_metrics_json_classify(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "metrics.json");
    lstmc_run_summary s = {
        .spec = "sentiment", .epochs = 5, .train_loss = 1.0 / 3.0,
        .train_seconds = 12.5, .train_samples_per_second = 1600.4,
        .has_val = true, .val_loss = NAN,
        .has_accuracy = true, .test_accuracy = 0.8125};
    assert_int_equal(lstmc_metrics_json_write(path, &s, NULL), LSTMC_OK);
    assert_file_text(path,
                     "{\"spec\": \"sentiment\", \"epochs\": 5, \"train\": "
                     "{\"loss\": 0.333333333333333, \"seconds\": 12.5, "
                     "\"samples_per_second\": 1600.4}, \"val\": "
                     "{\"loss\": null}, \"test\": {\"accuracy\": 0.8125}}\n");
}

static void test_metrics_json_args(void **state)
{
    struct tmp *t = *state;
    lstmc_run_summary s = {.spec = "bad \xff utf-8"};
    lstmc_error err;
    assert_int_equal(lstmc_metrics_json_write(in_dir(t, "m.json"), &s, &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "the spec name is not UTF-8");
    s.spec = NULL;
    assert_int_equal(lstmc_metrics_json_write(in_dir(t, "m.json"), &s, &err),
                     LSTMC_ERR_ARG);
    /* A directory that does not exist: nothing is created. */
    s.spec = "x";
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/dir/metrics.json", t->dir);
    assert_int_equal(lstmc_metrics_json_write(missing, &s, &err),
                     LSTMC_ERR_IO);
    assert_string_equal(err.path, missing);
    assert_non_null(strstr(err.msg, "cannot create a temporary file beside "
                                    "it: No such file or directory"));
}

static void test_history_csv(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "history.csv");
    const double loss[3] = {0.69314718055994529, 0.5, 0.1};
    const double val[3] = {0.6805, INFINITY, 0.2};
    const char *names[2] = {"accuracy", "val_accuracy"};
    const double metrics[6] = {0.5, 0.53, 0.75, 0.7, 1.0, 0.9};
    assert_int_equal(lstmc_history_csv_write(path, 3, loss, val, 2, names,
                                             metrics, NULL),
                     LSTMC_OK);
    assert_file_text(path, "epoch,loss,val_loss,accuracy,val_accuracy\n"
                           "1,0.6931471805599453,0.6805,0.5,0.53\n"
                           "2,0.5,inf,0.75,0.7\n"
                           "3,0.1,0.2,1,0.9\n");
    /* No validation: no val_loss column. 0.1 + 0.2 needs 17 digits. */
    const double one[1] = {0.1 + 0.2};
    assert_int_equal(lstmc_history_csv_write(path, 1, one, NULL, 0, NULL,
                                             NULL, NULL),
                     LSTMC_OK);
    assert_file_text(path, "epoch,loss\n1,0.30000000000000004\n");
    const char *bad[1] = {"a,b"};
    lstmc_error err;
    assert_int_equal(lstmc_history_csv_write(path, 1, one, NULL, 1, bad, one,
                                             &err),
                     LSTMC_ERR_ARG);
}

static void test_forecast_predictions(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "predictions.csv");
    const double series[6] = {112, 118, 132, 129, 121, 135};
    const double train[2] = {117.5, 130.25};
    const double test[1] = {133};
    lstmc_forecast fc = {series, 6, train, 2, 1, test, 1, 5};
    assert_int_equal(lstmc_forecast_predictions_write(path, &fc, NULL),
                     LSTMC_OK);
    assert_file_text(path, "index,split,actual,predicted\n"
                           "1,train,118,117.5\n"
                           "2,train,132,130.25\n"
                           "5,test,135,133\n");
    fc.test_start = 6; /* outside the series */
    assert_int_equal(lstmc_forecast_predictions_write(path, &fc, NULL),
                     LSTMC_ERR_ARG);
}

static void test_class_predictions(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "predictions.csv");
    const size_t yt[3] = {0, 1, 1}, yp[3] = {0, 0, 1};
    const char *names[2] = {"no", "yes, \"sure\""};
    const double probs[6] = {0.75, 0.25, 0.5, 0.5, 0.125, 0.875};
    assert_int_equal(lstmc_class_predictions_write(path, yt, yp, probs, 3, 2,
                                                   names, NULL),
                     LSTMC_OK);
    assert_file_text(path,
                     "index,true,predicted,p_no,\"p_yes, \"\"sure\"\"\"\n"
                     "0,no,no,0.75,0.25\n"
                     "1,\"yes, \"\"sure\"\"\",no,0.5,0.5\n"
                     "2,\"yes, \"\"sure\"\"\",\"yes, \"\"sure\"\"\",0.125,0.875\n");
    assert_int_equal(lstmc_class_predictions_write(path, yt, yp, NULL, 3, 2,
                                                   NULL, NULL),
                     LSTMC_OK);
    assert_file_text(path, "index,true,predicted\n0,0,0\n1,1,0\n2,1,1\n");
}

/* ------------------------------------------------------------------ */
/* Atomic writes                                                       */
/* ------------------------------------------------------------------ */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A write error on the temporary file (its descriptor swapped for a
 * read-only one, so the flush fails) leaves the old file and no
 * temporary file. Works as root, unlike a read-only directory. */
static void test_atomic_commit_failure(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "report.txt");
    write_text(path, "old\n");
    lstmc_atomic_file *af = NULL;
    FILE *f = NULL;
    lstmc_error err;
    assert_ok(lstmc_atomic_open(&af, &f, path, &err), &err);
    assert_int_equal(tmp_files(t->dir), 1);
    int ro = open("/dev/null", O_RDONLY);
    assert_true(ro >= 0);
    assert_true(dup2(ro, fileno(f)) >= 0);
    close(ro);
    fputs("new contents that cannot be written\n", f);
    assert_int_equal(lstmc_atomic_commit(af, &err), LSTMC_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot write the temporary file: "));
    assert_file_text(path, "old\n");
    assert_int_equal(tmp_files(t->dir), 0);
}

static void test_atomic_abort(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "report.txt");
    write_text(path, "old\n");
    lstmc_atomic_file *af = NULL;
    FILE *f = NULL;
    assert_int_equal(lstmc_atomic_open(&af, &f, path, NULL), LSTMC_OK);
    fputs("half", f);
    lstmc_atomic_abort(af);
    lstmc_atomic_abort(NULL);
    assert_file_text(path, "old\n");
    assert_int_equal(tmp_files(t->dir), 0);
}

/* A rename that fails (the target is a non-empty directory) leaves it. */
static void test_atomic_rename_failure(void **state)
{
    struct tmp *t = *state;
    char dir[600], inner[700];
    snprintf(dir, sizeof dir, "%s", in_dir(t, "history.csv"));
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", dir);
    write_text(inner, "x");
    const double loss[1] = {1.0};
    lstmc_error err;
    assert_int_equal(lstmc_history_csv_write(dir, 1, loss, NULL, 0, NULL,
                                             NULL, &err),
                     LSTMC_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot replace it: "));
    assert_file_text(inner, "x");
    assert_int_equal(tmp_files(t->dir), 0);
    unlink(inner);
}

/* The new file keeps the mode of the one it replaces. */
static void test_atomic_keeps_mode(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "metrics.json");
    write_text(path, "{}\n");
    assert_int_equal(chmod(path, 0600), 0);
    lstmc_run_summary s = {.spec = "x", .epochs = 0};
    assert_int_equal(lstmc_metrics_json_write(path, &s, NULL), LSTMC_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

/* ------------------------------------------------------------------ */
/* Progress display                                                    */
/* ------------------------------------------------------------------ */

struct fake_clock {
    double now;
};

static double fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->now;
}

static void test_progress_lines(void **state)
{
    (void)state;
    struct fake_clock clk = {100.0};
    struct mem m;
    mem_open(&m);
    lstmc_progress p;
    const char *names[2] = {"loss", "accuracy"};
    lstmc_error err;
    /* AUTO on a memstream (no descriptor) is LINES. */
    assert_ok(lstmc_progress_init(&p, m.f, LSTMC_PROGRESS_AUTO, 10, 3, 2,
                                  names, fake_now, &clk, &err),
              &err);
    assert_ok(lstmc_progress_begin_epoch(&p, 3, &err), &err);
    /* loss (0.5*32 + 0.3*32 + 0.2*16) / 80 = 28.8 / 80 = 0.36;
     * accuracy (0.75*32 + 1*32 + 0.5*16) / 80 = 64 / 80 = 0.8 */
    const double b1[2] = {0.5, 0.75}, b2[2] = {0.3, 1.0}, b3[2] = {0.2, 0.5};
    clk.now = 100.5;
    assert_ok(lstmc_progress_update(&p, 32, b1, &err), &err);
    clk.now = 101.0;
    assert_ok(lstmc_progress_update(&p, 32, b2, &err), &err);
    clk.now = 102.25;
    assert_ok(lstmc_progress_update(&p, 16, b3, &err), &err);
    double means[2];
    lstmc_progress_means(&p, means);
    double want[2] = {0.36, 0.8};
    assert_close(means, want, 2, 1e-15, 0.0, "running means");
    const char *extra[2] = {"val_loss", "val_accuracy"};
    const double extra_v[2] = {0.0150, 0.0004};
    clk.now = 102.4;
    assert_ok(lstmc_progress_end_epoch(&p, 2, extra, extra_v, &err), &err);
    mem_close(&m);
    assert_string_equal(m.buf, "Epoch 3/10 - 3/3 - 2s - loss: 0.3600 - "
                               "accuracy: 0.8000 - val_loss: 0.0150 - "
                               "val_accuracy: 4.0000e-04\n");
    free(m.buf);
}

static void test_progress_tty(void **state)
{
    (void)state;
    struct fake_clock clk = {0.0};
    struct mem m;
    mem_open(&m);
    lstmc_progress p;
    const char *names[1] = {"loss"};
    assert_int_equal(lstmc_progress_init(&p, m.f, LSTMC_PROGRESS_TTY, 2, 12,
                                         1, names, fake_now, &clk, NULL),
                     LSTMC_OK);
    assert_int_equal(lstmc_progress_begin_epoch(&p, 1, NULL), LSTMC_OK);
    double v = 0.5;
    /* step 1 at 1 s: drawn (the first); 30*1/12 = 2 cells, ETA 1*11 */
    clk.now = 1.0;
    assert_int_equal(lstmc_progress_update(&p, 10, &v, NULL), LSTMC_OK);
    /* step 2 at 1.01 s: within 50 ms of the last draw, skipped */
    clk.now = 1.01;
    v = 0.25;
    assert_int_equal(lstmc_progress_update(&p, 10, &v, NULL), LSTMC_OK);
    /* steps 3..11 at 1.1 .. 1.9 s: drawn; only the last, step 11, is
     * checked below through the whole output: 27 cells, ETA 1.9/11 */
    for (int s = 3; s <= 11; s++) {
        clk.now = 1.0 + 0.1 * (s - 2);
        v = 0.25;
        assert_int_equal(lstmc_progress_update(&p, 10, &v, NULL), LSTMC_OK);
    }
    /* step 12, the last, at 2.5 s: always drawn, in the finished form */
    clk.now = 2.5;
    v = 0.25;
    assert_int_equal(lstmc_progress_update(&p, 5, &v, NULL), LSTMC_OK);
    clk.now = 3.0;
    const char *extra[1] = {"val_loss"};
    const double ev[1] = {0.125};
    assert_int_equal(lstmc_progress_end_epoch(&p, 1, extra, ev, NULL),
                     LSTMC_OK);
    mem_close(&m);

    /* The output up to the last two redraws, then those exactly. */
    const char *head = "Epoch 1/2\n"
                       "\r 1/12 [=>............................] - ETA: 11s"
                       " - loss: 0.5000";
    assert_memory_equal(m.buf, head, strlen(head));
    /* step 11: running loss (0.5*10 + 0.25*100)/110 = 0.2727...;
     * step 12: (30 + 0.25*5)/115 = 0.2717... */
    const char *tail =
        "\r11/12 [==========================>...] - ETA: 0s - loss: 0.2727"
        "\r12/12 [==============================] - 2s 208ms/step"
        " - loss: 0.2717"
        "\r12/12 [==============================] - 3s 250ms/step"
        " - loss: 0.2717 - val_loss: 0.1250\n";
    size_t tl = strlen(tail);
    assert_true(m.len > tl);
    assert_string_equal(m.buf + m.len - tl, tail);
    /* 1 first draw + 9 (steps 3..11) + 1 last + 1 final, no other. */
    int redraws = 0;
    for (size_t i = 0; i < m.len; i++)
        redraws += m.buf[i] == '\r';
    assert_int_equal(redraws, 12);
    free(m.buf);
}

/* A shorter redraw covers what is left of the longer line before it. */
static void test_progress_tty_padding(void **state)
{
    (void)state;
    struct fake_clock clk = {0.0};
    struct mem m;
    mem_open(&m);
    lstmc_progress p;
    const char *names[1] = {"loss"};
    assert_int_equal(lstmc_progress_init(&p, m.f, LSTMC_PROGRESS_TTY, 1, 3, 1,
                                         names, fake_now, &clk, NULL),
                     LSTMC_OK);
    lstmc_progress_set_interval(&p, 0.0);
    assert_int_equal(lstmc_progress_begin_epoch(&p, 1, NULL), LSTMC_OK);
    /* step 1 at 4000 s: ETA 4000 * 2 = 8000 s = 2:13:20 */
    double v = 12.5;
    clk.now = 4000.0;
    assert_int_equal(lstmc_progress_update(&p, 1, &v, NULL), LSTMC_OK);
    /* step 2 at 4001 s: ETA 2000.5 s = 33:20, loss (12.5 - 10) / 2 = 1.25:
     * three characters shorter, so three spaces follow */
    v = -10.0;
    clk.now = 4001.0;
    assert_int_equal(lstmc_progress_update(&p, 1, &v, NULL), LSTMC_OK);
    /* ended early, after 2 of 3 steps: 4002 s, 2001 s per step */
    clk.now = 4002.0;
    assert_int_equal(lstmc_progress_end_epoch(&p, 0, NULL, NULL, NULL),
                     LSTMC_OK);
    mem_close(&m);
    assert_string_equal(
        m.buf, "Epoch 1/1\n"
               "\r1/3 [=========>....................] - ETA: 2:13:20"
               " - loss: 12.5000"
               "\r2/3 [===================>..........] - ETA: 33:20"
               " - loss: 1.2500   "
               "\r2/3 [===================>..........] - 4002s 2001s/step"
               " - loss: 1.2500\n");
    free(m.buf);
}

static void test_progress_args(void **state)
{
    (void)state;
    lstmc_progress p;
    lstmc_error err;
    assert_int_equal(lstmc_progress_init(&p, stdout, LSTMC_PROGRESS_LINES, 0,
                                         1, 0, NULL, NULL, NULL, &err),
                     LSTMC_ERR_ARG);
    assert_int_equal(lstmc_progress_init(&p, stdout, LSTMC_PROGRESS_LINES, 1,
                                         1, 0, NULL, NULL, NULL, &err),
                     LSTMC_OK);
    assert_int_equal(lstmc_progress_begin_epoch(&p, 2, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "epoch 2 is outside 1..1");
    assert_int_equal(lstmc_progress_begin_epoch(&p, 1, &err), LSTMC_OK);
    assert_int_equal(lstmc_progress_update(&p, 0, NULL, &err), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_progress_update(&p, 1, NULL, &err), LSTMC_OK);
    /* more steps than announced */
    assert_int_equal(lstmc_progress_update(&p, 1, NULL, &err), LSTMC_ERR_ARG);
}

/* ------------------------------------------------------------------ */
/* Plots                                                               */
/* ------------------------------------------------------------------ */

static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G',
                                           '\r', '\n', 0x1a, '\n'};

static void assert_plot_file(const char *path, lstmc_plot_format format)
{
    size_t len = 0;
    char *data = slurp(path, &len);
    assert_non_null(data);
    assert_true(len > 1000);
    if (format == LSTMC_PLOT_PNG)
        assert_memory_equal(data, png_magic, sizeof png_magic);
    else
        assert_true(strncmp(data, "<?xml", 5) == 0 ||
                    strncmp(data, "<svg", 4) == 0);
    free(data);
}

/* Runs fn with fd 2 sent to a file and returns what was written there:
 * the runtime (and PLplot in it) must not print. Caller frees. */
static char *stderr_of(void (*fn)(void *), void *arg, const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/stderr.txt", dir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *text = slurp(path, NULL);
    unlink(path);
    return text;
}

struct plot_run {
    struct tmp *t;
    lstmc_status status[6];
};

static void draw_all(void *arg)
{
    struct plot_run *r = arg;
    double series[40], train[20], test[8];
    for (int i = 0; i < 40; i++)
        series[i] = 100.0 + 10.0 * sin(i / 3.0) + i;
    for (int i = 0; i < 20; i++)
        train[i] = series[i + 5] + 2.0;
    for (int i = 0; i < 8; i++)
        test[i] = series[i + 31] - 3.0;
    lstmc_forecast fc = {series, 40, train, 20, 5, test, 8, 31};
    const uint64_t cm[9] = {50, 3, 1, 4, 40, 6, 0, 9, 30};
    const char *names[3] = {"drizzle", "rain #2", "snow"};
    const double loss[5] = {0.9, 0.5, 0.3, NAN, 0.2};
    const double val[5] = {1.0, 0.6, 0.45, 0.4, 0.38};
    const char *ext[2] = {"png", "svg"};
    char path[700];
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s/forecast.%s", r->t->dir, ext[f]);
        r->status[3 * f] = lstmc_plot_forecast(path, f, &fc, NULL, NULL);
        snprintf(path, sizeof path, "%s/confusion.%s", r->t->dir, ext[f]);
        r->status[3 * f + 1] =
            lstmc_plot_confusion(path, f, cm, 3, names, NULL, NULL);
        snprintf(path, sizeof path, "%s/loss.%s", r->t->dir, ext[f]);
        lstmc_plot_labels lab = {"Model loss", NULL, "MSE"};
        r->status[3 * f + 2] = lstmc_plot_loss(path, f, loss, val, 5, &lab,
                                               NULL);
    }
}

static void test_plots(void **state)
{
    struct tmp *t = *state;
    struct plot_run r = {t, {LSTMC_ERR_ARG}};
    char *err_text = stderr_of(draw_all, &r, t->dir);
    assert_non_null(err_text);
    assert_string_equal(err_text, "");
    free(err_text);
    const char *files[3] = {"forecast", "confusion", "loss"};
    const char *ext[2] = {"png", "svg"};
    for (int f = 0; f < 2; f++) {
        for (int i = 0; i < 3; i++) {
            assert_int_equal(r.status[3 * f + i], LSTMC_OK);
            char name[64];
            snprintf(name, sizeof name, "%s.%s", files[i], ext[f]);
            assert_plot_file(in_dir(t, name), f);
        }
    }
    assert_int_equal(tmp_files(t->dir), 0);
}

static void test_plot_bad_directory(void **state)
{
    struct tmp *t = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/missing/loss.png", t->dir);
    const double loss[2] = {1.0, 0.5};
    lstmc_error err;
    assert_int_equal(lstmc_plot_loss(path, LSTMC_PLOT_PNG, loss, NULL, 2, NULL,
                                     &err),
                     LSTMC_ERR_IO);
    assert_string_equal(err.path, path);
    /* A plot still works afterwards. */
    assert_int_equal(lstmc_plot_loss(in_dir(t, "loss.png"), LSTMC_PLOT_PNG,
                                     loss, NULL, 2, NULL, &err),
                     LSTMC_OK);
    assert_plot_file(in_dir(t, "loss.png"), LSTMC_PLOT_PNG);
}

static void test_plot_args(void **state)
{
    struct tmp *t = *state;
    const char *path = in_dir(t, "p.png");
    const double nan1[1] = {NAN};
    const double series[3] = {1, 2, 3};
    lstmc_forecast fc = {series, 3, series, 2, 2, NULL, 0, 0};
    lstmc_error err;
    assert_int_equal(lstmc_plot_loss(path, LSTMC_PLOT_PNG, nan1, NULL, 1, NULL,
                                     &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "loss plot: no finite loss to show");
    assert_int_equal(lstmc_plot_forecast(path, LSTMC_PLOT_PNG, &fc, NULL, &err),
                     LSTMC_ERR_ARG);
    fc.n_train = 1;
    assert_int_equal(lstmc_plot_forecast(path, (lstmc_plot_format)7, &fc, NULL,
                                         &err),
                     LSTMC_ERR_ARG);
    const uint64_t cm[1] = {1};
    assert_int_equal(lstmc_plot_confusion(path, LSTMC_PLOT_SVG, cm, 0, NULL,
                                          NULL, &err),
                     LSTMC_ERR_ARG);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(tmp_files(t->dir), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_regression_hand),
        T(test_mape_zero_target),
        T(test_regression_args),
        T(test_regression_sklearn),
        T(test_confusion_hand),
        T(test_confusion_bad_label),
        T(test_scores_hand),
        T(test_scores_zero_division),
        T(test_scores_args),
        T(test_report_binary),
        T(test_report_codes),
        T(test_report_never_predicted),
        T(test_report_long_names),
        T(test_report_absent_class),
        T(test_report_many),
        T(test_report_layout),
        T(test_report_args),
        T(test_confusion_text),
        T(test_metrics_json_forecast),
        T(test_metrics_json_classify),
        T(test_metrics_json_args),
        T(test_history_csv),
        T(test_forecast_predictions),
        T(test_class_predictions),
        T(test_atomic_commit_failure),
        T(test_atomic_abort),
        T(test_atomic_rename_failure),
        T(test_atomic_keeps_mode),
        T(test_progress_lines),
        T(test_progress_tty),
        T(test_progress_tty_padding),
        T(test_progress_args),
        T(test_plots),
        T(test_plot_bad_directory),
        T(test_plot_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
