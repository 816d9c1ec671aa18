/*
 * report.c - the text and files of an evaluation: scikit-learn's
 * classification report, the confusion matrix as a table, metrics.json
 * (through jansson), history.csv and predictions.csv, each file written
 * atomically through lstmc_atomic_*.
 */
#include "lstmc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#define WEIGHTED_AVG "weighted avg" /* sklearn's longest_last_line_heading */
#define MAX_DIGITS 17
#define NUM_SIZE 32    /* room for any "%.17g" */
#define CLASS_NAME_SIZE 24 /* room for a class code printed as a name */
#define JSON_DIGITS 15 /* DBL_DIG */

#if defined(__GNUC__)
#define REPORT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define REPORT_PRINTF(a, b)
#endif

static void fail(lstmc_error *err, const char *path, const char *fmt, ...)
    REPORT_PRINTF(3, 4);

static void fail(lstmc_error *err, const char *path, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    err->row = 0;
    err->col = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Atomic files                                                        */
/* ------------------------------------------------------------------ */

struct lstmc_atomic_file {
    char *path;
    char *tmp;
    FILE *f;
};

static void free_atomic(lstmc_atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    free(af);
}

lstmc_status lstmc_atomic_open(lstmc_atomic_file **afp, FILE **fp,
                               const char *path, lstmc_error *err)
{
    static const char suffix[] = ".tmp.XXXXXX";
    if (!afp || !fp || !path || !*path) {
        fail(err, path, "atomic write needs a path and places for the "
                        "handles");
        return LSTMC_ERR_ARG;
    }
    lstmc_atomic_file *af = calloc(1, sizeof *af);
    size_t len = strlen(path);
    if (!af || !(af->path = strdup(path)) ||
        !(af->tmp = malloc(len + sizeof suffix))) {
        if (af)
            free_atomic(af);
        fail(err, path, "out of memory");
        return LSTMC_ERR_NOMEM;
    }
    memcpy(af->tmp, path, len);
    memcpy(af->tmp + len, suffix, sizeof suffix);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        fail(err, path, "cannot create a temporary file beside it: %s",
             strerror(errno));
        free_atomic(af);
        return LSTMC_ERR_IO;
    }
    /* mkstemp makes the file 0600: give it the mode of the file it
     * replaces, or the usual one. */
    struct stat old;
    mode_t mode = stat(path, &old) == 0 && S_ISREG(old.st_mode)
                      ? old.st_mode & 07777
                      : 0644;
    if (fchmod(fd, mode) != 0 || !(af->f = fdopen(fd, "wb"))) {
        fail(err, path, "cannot prepare the temporary file: %s",
             strerror(errno));
        close(fd);
        unlink(af->tmp);
        free_atomic(af);
        return LSTMC_ERR_IO;
    }
    *afp = af;
    *fp = af->f;
    return LSTMC_OK;
}

const char *lstmc_atomic_tmp_path(const lstmc_atomic_file *af)
{
    return af ? af->tmp : NULL;
}

void lstmc_atomic_abort(lstmc_atomic_file *af)
{
    if (!af)
        return;
    if (af->f)
        fclose(af->f);
    unlink(af->tmp);
    free_atomic(af);
}

/* Best effort: makes the rename in path's directory durable. Some file
 * systems cannot fsync a directory; the file itself is already synced. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

lstmc_status lstmc_atomic_commit(lstmc_atomic_file *af, lstmc_error *err)
{
    if (!af) {
        fail(err, NULL, "no file to commit");
        return LSTMC_ERR_ARG;
    }
    FILE *f = af->f;
    af->f = NULL;
    errno = 0;
    bool ok = !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno ? errno : EIO;
    if (fclose(f) != 0 && ok) {
        ok = false;
        saved = errno ? errno : EIO;
    }
    if (!ok) {
        fail(err, af->path, "cannot write the temporary file: %s",
             strerror(saved));
        lstmc_atomic_abort(af);
        return LSTMC_ERR_IO;
    }
    if (rename(af->tmp, af->path) != 0) {
        fail(err, af->path, "cannot replace it: %s", strerror(errno));
        lstmc_atomic_abort(af);
        return LSTMC_ERR_IO;
    }
    sync_parent_dir(af->path);
    free_atomic(af);
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* Python's len() of a UTF-8 string: code points, i.e. bytes that are not
 * continuation bytes. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Python's "{:>{width}s}": right-align s to width code points. */
static void put_right(FILE *out, const char *s, size_t width)
{
    for (size_t n = utf8_len(s); n < width; n++)
        fputc(' ', out);
    fputs(s, out);
}

/* A class's name: names[c], or its code as text in buf. */
static const char *class_name(const char *const *names, size_t c,
                              char buf[CLASS_NAME_SIZE])
{
    if (names)
        return names[c];
    snprintf(buf, CLASS_NAME_SIZE, "%zu", c);
    return buf;
}

static bool names_ok(const char *const *names, size_t k)
{
    for (size_t c = 0; names && c < k; c++)
        if (!names[c])
            return false;
    return true;
}

static lstmc_status stream_status(FILE *out, lstmc_error *err)
{
    if (ferror(out)) {
        fail(err, NULL, "cannot write the report: %s",
             strerror(errno ? errno : EIO));
        return LSTMC_ERR_IO;
    }
    return LSTMC_OK;
}

void lstmc_format_number(char buf[LSTMC_NUMBER_SIZE], double v)
{
    if (isnan(v)) {
        snprintf(buf, LSTMC_NUMBER_SIZE, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, LSTMC_NUMBER_SIZE, v < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, LSTMC_NUMBER_SIZE, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static void put_num(FILE *out, double v)
{
    char buf[LSTMC_NUMBER_SIZE];
    lstmc_format_number(buf, v);
    fputs(buf, out);
}

void lstmc_csv_put_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* ------------------------------------------------------------------ */
/* Classification report and confusion matrix                          */
/* ------------------------------------------------------------------ */

/* row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n" */
static void report_row(FILE *out, const char *name, size_t width,
                       const lstmc_class_scores *s, int digits)
{
    put_right(out, name, width);
    fprintf(out, "  %9.*f %9.*f %9.*f %9" PRIu64 "\n", digits,
            s->precision, digits, s->recall, digits, s->f1, s->support);
}

lstmc_status lstmc_classification_report_write(FILE *out,
                                               const lstmc_classification *s,
                                               const char *const *names,
                                               int digits, lstmc_error *err)
{
    if (!out || !s || !s->per_class || s->n_classes == 0 || digits < 0 ||
        digits > MAX_DIGITS || !names_ok(names, s->n_classes)) {
        fail(err, NULL, "classification report needs a stream, scores, "
                        "class names (or NULL) and 0..%d digits",
             MAX_DIGITS);
        return LSTMC_ERR_ARG;
    }
    char buf[CLASS_NAME_SIZE];
    size_t width = strlen(WEIGHTED_AVG);
    for (size_t c = 0; c < s->n_classes; c++) {
        size_t n = utf8_len(class_name(names, c, buf));
        if (n > width)
            width = n;
    }
    if ((size_t)digits > width)
        width = (size_t)digits;

    /* head_fmt = "{:>{width}s} " + " {:>9}" * 4, then "\n\n" */
    put_right(out, "", width);
    fprintf(out, "  %9s %9s %9s %9s\n\n", "precision", "recall",
            "f1-score", "support");
    for (size_t c = 0; c < s->n_classes; c++)
        report_row(out, class_name(names, c, buf), width, &s->per_class[c],
                   digits);
    fputc('\n', out);
    if (s->all_present) {
        /* " {:>9.{digits}}" * 2 of "" then " {:>9.{digits}f}" " {:>9}" */
        put_right(out, "accuracy", width);
        fprintf(out, "  %9s %9s %9.*f %9" PRIu64 "\n", "", "", digits,
                s->micro.f1, s->micro.support);
    } else {
        report_row(out, "micro avg", width, &s->micro, digits);
    }
    report_row(out, "macro avg", width, &s->macro, digits);
    report_row(out, WEIGHTED_AVG, width, &s->weighted, digits);
    return stream_status(out, err);
}

lstmc_status lstmc_confusion_matrix_write(FILE *out, const uint64_t *cm,
                                          size_t k, const char *const *names,
                                          lstmc_error *err)
{
    if (!out || !cm || k == 0 || !names_ok(names, k)) {
        fail(err, NULL, "confusion matrix table needs a stream, a matrix "
                        "of at least one class and names (or NULL)");
        return LSTMC_ERR_ARG;
    }
    char buf[CLASS_NAME_SIZE], num[NUM_SIZE];
    size_t name_w = 0;
    for (size_t c = 0; c < k; c++) {
        size_t n = utf8_len(class_name(names, c, buf));
        if (n > name_w)
            name_w = n;
    }
    fputs("Confusion matrix (rows: true, columns: predicted)\n\n", out);
    /* Each column: as wide as its name or its widest count. */
    put_right(out, "", name_w);
    for (size_t j = 0; j < k; j++) {
        size_t w = utf8_len(class_name(names, j, buf));
        for (size_t i = 0; i < k; i++) {
            size_t n = (size_t)snprintf(num, sizeof num, "%" PRIu64,
                                        cm[i * k + j]);
            if (n > w)
                w = n;
        }
        fputs("  ", out);
        put_right(out, class_name(names, j, buf), w);
    }
    fputc('\n', out);
    for (size_t i = 0; i < k; i++) {
        put_right(out, class_name(names, i, buf), name_w);
        for (size_t j = 0; j < k; j++) {
            size_t w = utf8_len(class_name(names, j, buf));
            for (size_t r = 0; r < k; r++) {
                size_t n = (size_t)snprintf(num, sizeof num, "%" PRIu64,
                                            cm[r * k + j]);
                if (n > w)
                    w = n;
            }
            snprintf(num, sizeof num, "%" PRIu64, cm[i * k + j]);
            fputs("  ", out);
            put_right(out, num, w);
        }
        fputc('\n', out);
    }
    return stream_status(out, err);
}

/* ------------------------------------------------------------------ */
/* metrics.json                                                        */
/* ------------------------------------------------------------------ */

/* A JSON real, or null for a value JSON cannot hold. */
static json_t *json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Adds key: value to obj, taking the reference; false when either is
 * missing (out of memory). */
static bool put(json_t *obj, const char *key, json_t *value)
{
    return obj && value && json_object_set_new(obj, key, value) == 0;
}

static int dump_to_file(const char *buffer, size_t size, void *data)
{
    return fwrite(buffer, 1, size, data) == size ? 0 : -1;
}

lstmc_status lstmc_metrics_json_write(const char *path,
                                      const lstmc_run_summary *s,
                                      lstmc_error *err)
{
    if (!path || !s || !s->spec) {
        fail(err, path, "metrics.json needs a path, a summary and a spec "
                        "name");
        return LSTMC_ERR_ARG;
    }
    json_t *spec = json_string(s->spec);
    if (!spec) {
        fail(err, path, "the spec name is not UTF-8");
        return LSTMC_ERR_ARG;
    }
    lstmc_status status = LSTMC_OK;
    lstmc_atomic_file *af = NULL;
    json_t *root = json_object(), *train = json_object();
    json_t *val = s->has_val ? json_object() : NULL;
    bool has_test = s->has_regression || s->has_accuracy;
    json_t *test = has_test ? json_object() : NULL;
    bool ok = put(root, "spec", spec) &&
              put(root, "epochs", json_integer((json_int_t)s->epochs)) &&
              put(train, "loss", json_num(s->train_loss)) &&
              put(train, "seconds", json_num(s->train_seconds)) &&
              put(train, "samples_per_second",
                  json_num(s->train_samples_per_second));
    if (ok && val)
        ok = put(val, "loss", json_num(s->val_loss));
    if (ok && s->has_regression)
        ok = put(test, "rmse", json_num(s->test.rmse)) &&
             put(test, "mae", json_num(s->test.mae)) &&
             put(test, "mape", json_num(s->test.mape));
    if (ok && s->has_accuracy)
        ok = put(test, "accuracy", json_num(s->test_accuracy));
    /* Each object is attached once it is complete; put() takes the
     * reference whether or not it succeeds. */
    ok = ok && put(root, "train", train);
    train = NULL;
    if (val) {
        ok = ok && put(root, "val", val);
        val = NULL;
    }
    if (test) {
        ok = ok && put(root, "test", test);
        test = NULL;
    }
    if (!ok) {
        fail(err, path, "out of memory building metrics.json");
        status = LSTMC_ERR_NOMEM;
        goto out;
    }
    FILE *f = NULL;
    status = lstmc_atomic_open(&af, &f, path, err);
    if (status != LSTMC_OK)
        goto out;
    if (json_dump_callback(root, dump_to_file, f,
                           JSON_REAL_PRECISION(JSON_DIGITS)) != 0 ||
        fputc('\n', f) == EOF) {
        fail(err, path, "cannot write the temporary file: %s",
             strerror(errno ? errno : EIO));
        lstmc_atomic_abort(af);
        af = NULL;
        status = LSTMC_ERR_IO;
        goto out;
    }
    status = lstmc_atomic_commit(af, err);
    af = NULL;
out:
    json_decref(train);
    json_decref(val);
    json_decref(test);
    json_decref(root);
    return status;
}

/* ------------------------------------------------------------------ */
/* CSV files                                                           */
/* ------------------------------------------------------------------ */

static bool plain_name(const char *s)
{
    return s && *s && !strpbrk(s, ",\"\r\n");
}

lstmc_status lstmc_history_csv_write(const char *path, size_t epochs,
                                     const double *loss,
                                     const double *val_loss,
                                     size_t n_metrics,
                                     const char *const *metric_names,
                                     const double *metrics,
                                     lstmc_error *err)
{
    bool ok = path && (loss || epochs == 0) &&
              (n_metrics == 0 || (metric_names && (metrics || epochs == 0)));
    for (size_t m = 0; ok && m < n_metrics; m++)
        ok = plain_name(metric_names[m]);
    if (!ok) {
        fail(err, path, "history.csv needs a path, the losses and metric "
                        "names without ',', '\"' or newlines");
        return LSTMC_ERR_ARG;
    }
    lstmc_atomic_file *af = NULL;
    FILE *f = NULL;
    lstmc_status status = lstmc_atomic_open(&af, &f, path, err);
    if (status != LSTMC_OK)
        return status;
    fputs("epoch,loss", f);
    if (val_loss)
        fputs(",val_loss", f);
    for (size_t m = 0; m < n_metrics; m++)
        fprintf(f, ",%s", metric_names[m]);
    fputc('\n', f);
    for (size_t e = 0; e < epochs; e++) {
        fprintf(f, "%zu,", e + 1);
        put_num(f, loss[e]);
        if (val_loss) {
            fputc(',', f);
            put_num(f, val_loss[e]);
        }
        for (size_t m = 0; m < n_metrics; m++) {
            fputc(',', f);
            put_num(f, metrics[e * n_metrics + m]);
        }
        fputc('\n', f);
    }
    return lstmc_atomic_commit(af, err);
}

static bool range_ok(size_t start, size_t n, const double *v, size_t total)
{
    if (n == 0)
        return true;
    return v && start < total && n <= total - start;
}

lstmc_status lstmc_forecast_predictions_write(const char *path,
                                              const lstmc_forecast *fc,
                                              lstmc_error *err)
{
    if (!path || !fc || (!fc->series && fc->n_series > 0) ||
        !range_ok(fc->train_start, fc->n_train, fc->train_pred, fc->n_series) ||
        !range_ok(fc->test_start, fc->n_test, fc->test_pred, fc->n_series)) {
        fail(err, path, "predictions.csv needs a path, a series and "
                        "prediction ranges inside it");
        return LSTMC_ERR_ARG;
    }
    lstmc_atomic_file *af = NULL;
    FILE *f = NULL;
    lstmc_status status = lstmc_atomic_open(&af, &f, path, err);
    if (status != LSTMC_OK)
        return status;
    fputs("index,split,actual,predicted\n", f);
    const struct {
        const char *name;
        const double *pred;
        size_t n, start;
    } parts[2] = {{"train", fc->train_pred, fc->n_train, fc->train_start},
                  {"test", fc->test_pred, fc->n_test, fc->test_start}};
    for (size_t p = 0; p < 2; p++) {
        for (size_t i = 0; i < parts[p].n; i++) {
            size_t t = parts[p].start + i;
            fprintf(f, "%zu,%s,", t, parts[p].name);
            put_num(f, fc->series[t]);
            fputc(',', f);
            put_num(f, parts[p].pred[i]);
            fputc('\n', f);
        }
    }
    return lstmc_atomic_commit(af, err);
}

lstmc_status lstmc_class_predictions_write(const char *path,
                                           const size_t *y_true,
                                           const size_t *y_pred,
                                           const double *probs, size_t n,
                                           size_t k,
                                           const char *const *names,
                                           lstmc_error *err)
{
    if (!path || k == 0 || (n > 0 && (!y_true || !y_pred)) ||
        !names_ok(names, k)) {
        fail(err, path, "predictions.csv needs a path, labels, at least "
                        "one class and names (or NULL)");
        return LSTMC_ERR_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (y_true[i] >= k || y_pred[i] >= k) {
            fail(err, path, "label of sample %zu is not below %zu", i, k);
            return LSTMC_ERR_ARG;
        }
    }
    lstmc_atomic_file *af = NULL;
    FILE *f = NULL;
    lstmc_status status = lstmc_atomic_open(&af, &f, path, err);
    if (status != LSTMC_OK)
        return status;
    char buf[CLASS_NAME_SIZE];
    fputs("index,true,predicted", f);
    for (size_t c = 0; probs && c < k; c++) {
        const char *name = class_name(names, c, buf);
        size_t len = strlen(name) + 3;
        char *col = malloc(len);
        if (!col) {
            lstmc_atomic_abort(af);
            fail(err, path, "out of memory");
            return LSTMC_ERR_NOMEM;
        }
        snprintf(col, len, "p_%s", name);
        fputc(',', f);
        lstmc_csv_put_field(f, col);
        free(col);
    }
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%zu,", i);
        lstmc_csv_put_field(f, class_name(names, y_true[i], buf));
        fputc(',', f);
        lstmc_csv_put_field(f, class_name(names, y_pred[i], buf));
        for (size_t c = 0; probs && c < k; c++) {
            fputc(',', f);
            put_num(f, probs[i * k + c]);
        }
        fputc('\n', f);
    }
    return lstmc_atomic_commit(af, err);
}
