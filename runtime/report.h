/*
 * report.h - evaluation metrics, reports, result files, plots and the
 * training progress display (metrics.c, report.c, plot.c, progress.c).
 *
 * To be merged into lstmc.h; until then include it after lstmc.h. The
 * conventions of lstmc.h hold: nothing here prints on its own or calls
 * exit(); text goes to a FILE* the caller passes, or to files written
 * atomically; errors come back as an lstmc_status with the detail in a
 * caller-owned lstmc_error (which may be NULL).
 *
 * Class labels are codes 0..n_classes-1 (LabelEncoder order: the sorted
 * distinct labels), as size_t.
 */
#ifndef LSTMC_REPORT_H
#define LSTMC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lstmc.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 * Errors: LSTMC_ERR_ARG (NULL path/cm, n_classes 0 or above 64, a NULL
 * name), LSTMC_ERR_IO, LSTMC_ERR_NOMEM.
 */
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

#ifdef __cplusplus
}
#endif

#endif /* LSTMC_REPORT_H */
