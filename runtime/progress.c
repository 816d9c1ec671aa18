/*
 * progress.c - the training progress display, after keras.utils.Progbar
 * (Keras 2.x, keras/utils/generic_utils.py): a bar redrawn in place on a
 * terminal, one line per epoch otherwise. The caller passes the FILE* and,
 * for tests, the clock.
 */
#include "lstmc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_INTERVAL 0.05 /* Progbar's interval, seconds */
#define LINE_SIZE 1024

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

static double monotonic_seconds(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(const lstmc_progress *p)
{
    return p->clock(p->clock_ctx);
}

lstmc_status lstmc_progress_init(lstmc_progress *p, FILE *out,
                                 lstmc_progress_mode mode, size_t epochs,
                                 size_t steps, size_t n_metrics,
                                 const char *const *names,
                                 lstmc_clock_fn clock, void *clock_ctx,
                                 lstmc_error *err)
{
    if (!p || !out || epochs == 0 || steps == 0 ||
        n_metrics > LSTMC_PROGRESS_MAX_METRICS || (n_metrics > 0 && !names)) {
        fail(err, "progress needs a stream, epochs and steps above 0 and at "
                  "most %d metric names",
             LSTMC_PROGRESS_MAX_METRICS);
        return LSTMC_ERR_ARG;
    }
    for (size_t m = 0; m < n_metrics; m++) {
        if (!names[m]) {
            fail(err, "progress metric name %zu is NULL", m);
            return LSTMC_ERR_ARG;
        }
    }
    memset(p, 0, sizeof *p);
    p->out = out;
    if (mode == LSTMC_PROGRESS_AUTO) {
        int fd = fileno(out);
        p->tty = fd >= 0 && isatty(fd);
    } else {
        p->tty = mode == LSTMC_PROGRESS_TTY;
    }
    p->epochs = epochs;
    p->steps = steps;
    p->n_metrics = n_metrics;
    for (size_t m = 0; m < n_metrics; m++)
        p->names[m] = names[m];
    p->min_interval = DEFAULT_INTERVAL;
    p->clock = clock ? clock : monotonic_seconds;
    p->clock_ctx = clock ? clock_ctx : NULL;
    return LSTMC_OK;
}

void lstmc_progress_set_interval(lstmc_progress *p, double seconds)
{
    if (p && seconds >= 0.0)
        p->min_interval = seconds;
}

void lstmc_progress_means(const lstmc_progress *p, double *means)
{
    for (size_t m = 0; m < p->n_metrics; m++)
        means[m] = p->weight > 0.0 ? p->sums[m] / p->weight : 0.0;
}

/* ------------------------------------------------------------------ */
/* Formatting into a line buffer                                       */
/* ------------------------------------------------------------------ */

typedef struct line {
    char buf[LINE_SIZE];
    size_t len;
} line;

static void add(line *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void add(line *l, const char *fmt, ...)
{
    if (l->len >= sizeof l->buf - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof l->buf - l->len
                      ? (size_t)n
                      : sizeof l->buf - l->len - 1;
}

/* " - name: value" as Progbar shows a mean. */
static void add_value(line *l, const char *name, double v)
{
    if (fabs(v) > 1e-3)
        add(l, " - %s: %.4f", name, v);
    else
        add(l, " - %s: %.4e", name, v);
}

static void add_means(line *l, const lstmc_progress *p)
{
    double means[LSTMC_PROGRESS_MAX_METRICS];
    lstmc_progress_means(p, means);
    for (size_t m = 0; m < p->n_metrics; m++)
        add_value(l, p->names[m], means[m]);
}

static void add_extra(line *l, size_t n, const char *const *names,
                      const double *values)
{
    for (size_t i = 0; i < n; i++)
        add_value(l, names[i], values[i]);
}

static int digits_of(size_t n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* " 45/120 [=========>....................]" */
static void add_bar(line *l, const lstmc_progress *p)
{
    add(l, "%*zu/%zu [", digits_of(p->steps), p->step, p->steps);
    size_t filled = LSTMC_PROGRESS_BAR_WIDTH * p->step / p->steps;
    for (size_t i = 0; i + 1 < filled; i++)
        add(l, "=");
    if (filled > 0)
        add(l, "%c", p->step < p->steps ? '>' : '=');
    for (size_t i = filled; i < LSTMC_PROGRESS_BAR_WIDTH; i++)
        add(l, ".");
    add(l, "]");
}

/* " - ETA: 3s" */
static void add_eta(line *l, double eta)
{
    if (eta > 3600)
        add(l, " - ETA: %d:%02d:%02d", (int)(eta / 3600),
            (int)(fmod(eta, 3600) / 60), (int)fmod(eta, 60));
    else if (eta > 60)
        add(l, " - ETA: %d:%02d", (int)(eta / 60), (int)fmod(eta, 60));
    else
        add(l, " - ETA: %ds", (int)eta);
}

/* " - 2s 15ms/step" */
static void add_done(line *l, double elapsed, size_t steps)
{
    double per_step = elapsed / (double)steps;
    add(l, " - %.0fs", elapsed);
    if (per_step >= 1 || per_step == 0)
        add(l, " %.0fs/step", per_step);
    else if (per_step >= 1e-3)
        add(l, " %.0fms/step", per_step * 1e3);
    else
        add(l, " %.0fus/step", per_step * 1e6);
}

static lstmc_status emit(lstmc_progress *p, const char *s, size_t len,
                         lstmc_error *err)
{
    if (fwrite(s, 1, len, p->out) != len || fflush(p->out) != 0) {
        fail(err, "cannot write the progress display: %s",
             strerror(errno ? errno : EIO));
        return LSTMC_ERR_IO;
    }
    return LSTMC_OK;
}

/* Redraw the bar line: "\r", the line, spaces over what is left of a
 * longer previous line, and newline when final. */
static lstmc_status redraw(lstmc_progress *p, line *l, bool final,
                           lstmc_error *err)
{
    size_t len = l->len;
    line out = {.len = 0};
    add(&out, "\r%s", l->buf);
    for (size_t i = len; i < p->prev_len; i++)
        add(&out, " ");
    if (final)
        add(&out, "\n");
    p->prev_len = final ? 0 : len;
    return emit(p, out.buf, out.len, err);
}

/* ------------------------------------------------------------------ */
/* Epochs and steps                                                    */
/* ------------------------------------------------------------------ */

lstmc_status lstmc_progress_begin_epoch(lstmc_progress *p, size_t epoch,
                                        lstmc_error *err)
{
    if (!p || epoch == 0 || epoch > p->epochs) {
        fail(err, "epoch %zu is outside 1..%zu", epoch, p ? p->epochs : 0);
        return LSTMC_ERR_ARG;
    }
    p->epoch = epoch;
    p->step = 0;
    p->weight = 0.0;
    memset(p->sums, 0, sizeof p->sums);
    p->start = now(p);
    p->drawn = false;
    p->prev_len = 0;
    if (!p->tty)
        return LSTMC_OK;
    line l = {.len = 0};
    add(&l, "Epoch %zu/%zu\n", epoch, p->epochs);
    return emit(p, l.buf, l.len, err);
}

lstmc_status lstmc_progress_update(lstmc_progress *p, size_t batch_size,
                                   const double *values, lstmc_error *err)
{
    if (!p || batch_size == 0 || (p->n_metrics > 0 && !values) ||
        p->epoch == 0 || p->step >= p->steps) {
        fail(err, "progress update needs a batch of at least one sample "
                  "within the epoch's %zu steps",
             p ? p->steps : 0);
        return LSTMC_ERR_ARG;
    }
    p->step++;
    for (size_t m = 0; m < p->n_metrics; m++)
        p->sums[m] += values[m] * (double)batch_size;
    p->weight += (double)batch_size;
    if (!p->tty)
        return LSTMC_OK;
    double t = now(p);
    bool last = p->step == p->steps;
    if (p->drawn && !last && t - p->last_draw < p->min_interval)
        return LSTMC_OK;
    p->drawn = true;
    p->last_draw = t;
    line l = {.len = 0};
    add_bar(&l, p);
    if (last)
        add_done(&l, t - p->start, p->step);
    else
        add_eta(&l, (t - p->start) / (double)p->step *
                        (double)(p->steps - p->step));
    add_means(&l, p);
    return redraw(p, &l, false, err);
}

lstmc_status lstmc_progress_end_epoch(lstmc_progress *p, size_t n_extra,
                                      const char *const *extra_names,
                                      const double *extra_values,
                                      lstmc_error *err)
{
    if (!p || p->epoch == 0 || (n_extra > 0 && (!extra_names || !extra_values))) {
        fail(err, "progress end of epoch needs a started epoch and the "
                  "extra names and values");
        return LSTMC_ERR_ARG;
    }
    for (size_t i = 0; i < n_extra; i++) {
        if (!extra_names[i]) {
            fail(err, "extra value name %zu is NULL", i);
            return LSTMC_ERR_ARG;
        }
    }
    double elapsed = now(p) - p->start;
    line l = {.len = 0};
    lstmc_status status;
    if (p->tty) {
        add_bar(&l, p);
        add_done(&l, elapsed, p->step > 0 ? p->step : 1);
        add_means(&l, p);
        add_extra(&l, n_extra, extra_names, extra_values);
        status = redraw(p, &l, true, err);
    } else {
        add(&l, "Epoch %zu/%zu - %zu/%zu - %.0fs", p->epoch, p->epochs,
            p->step, p->steps, elapsed);
        add_means(&l, p);
        add_extra(&l, n_extra, extra_names, extra_values);
        add(&l, "\n");
        status = emit(p, l.buf, l.len, err);
    }
    return status;
}
