/*
 * plot.c - the seed's figures through PLplot's cairo devices: the
 * forecast, the confusion-matrix heatmap and the loss curves, as PNG
 * (pngcairo) or SVG (svgcairo).
 *
 * PLplot keeps its state in global streams. Each plot makes its own
 * stream (plmkstrm), draws, ends it (plend1) and makes the previous
 * stream current again, so nothing is left behind between calls. PLplot
 * calls exit() on errors it cannot handle, such as an output file it
 * cannot open, so every argument is checked and the output file is
 * created (as the atomic temporary file) before PLplot starts.
 *
 * The look follows matplotlib's defaults, which the seed's figures use:
 * white background, the tab10 colours, the Blues colour map.
 */
#include "lstmc.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>


/* cmap0 indices we set up for every plot. */
enum {
    COL_BG = 0,
    COL_TEXT,  /* axes, labels */
    COL_C0,    /* matplotlib tab10 colours */
    COL_C1,
    COL_C2,
    COL_GRID,
    COL_FRAME, /* legend frame */
    COL_WHITE,
    COL_COUNT
};

static const PLINT palette[COL_COUNT][3] = {
    [COL_BG] = {255, 255, 255},   [COL_TEXT] = {38, 38, 38},
    [COL_C0] = {31, 119, 180},    [COL_C1] = {255, 127, 14},
    [COL_C2] = {44, 160, 44},     [COL_GRID] = {225, 225, 225},
    [COL_FRAME] = {204, 204, 204}, [COL_WHITE] = {255, 255, 255},
};

/* matplotlib's Blues (ColorBrewer, 9 classes), light to dark. */
#define BLUES_N 9
static const double blues[BLUES_N][3] = {
    {247, 251, 255}, {222, 235, 247}, {198, 219, 239},
    {158, 202, 225}, {107, 174, 214}, {66, 146, 198},
    {33, 113, 181},  {8, 81, 156},    {8, 48, 107},
};

static void fail(lstmc_error *err, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

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
/* Streams                                                             */
/* ------------------------------------------------------------------ */

/* One plot being drawn: the atomic file and the PLplot streams. */
typedef struct canvas {
    lstmc_atomic_file *af;
    PLINT old_stream;
    bool started;
} canvas;

/* Whether PLplot has the output device: without it (plplot-driver-cairo
 * not installed) plinit() would ask on stdin for another or exit. */
static bool device_available(const char *dev)
{
    enum { MAX_DEVICES = 128 };
    const char *menu[MAX_DEVICES], *names[MAX_DEVICES];
    const char **pm = menu, **pn = names;
    int n = MAX_DEVICES;
    plgFileDevs(&pm, &pn, &n);
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], dev) == 0)
            return true;
    return false;
}

/*
 * Create the temporary output file and a PLplot stream writing to it, of
 * width x height pixels (points for SVG), with our palette.
 */
static lstmc_status canvas_open(canvas *c, const char *path,
                                lstmc_plot_format format, PLINT width,
                                PLINT height, lstmc_error *err)
{
    c->af = NULL;
    c->started = false;
    const char *dev = format == LSTMC_PLOT_PNG   ? "pngcairo"
                      : format == LSTMC_PLOT_SVG ? "svgcairo"
                                                 : NULL;
    if (!dev) {
        fail(err, path, "unknown plot format %d", (int)format);
        return LSTMC_ERR_ARG;
    }
    if (!device_available(dev)) {
        fail(err, path, "PLplot has no %s device (Debian package "
                        "plplot-driver-cairo)", dev);
        return LSTMC_ERR_IO;
    }
    FILE *f = NULL;
    lstmc_status status = lstmc_atomic_open(&c->af, &f, path, err);
    if (status != LSTMC_OK)
        return status;
    plgstrm(&c->old_stream);
    PLINT stream = -1;
    plmkstrm(&stream);
    if (stream < 0) {
        fail(err, path, "PLplot has no free stream");
        lstmc_atomic_abort(c->af);
        c->af = NULL;
        plsstrm(c->old_stream);
        return LSTMC_ERR_NOMEM;
    }
    c->started = true;
    plsdev(dev);
    plsfnam(lstmc_atomic_tmp_path(c->af));
    plspage(0.0, 0.0, width, height, 0, 0);
    plscolbg(palette[COL_BG][0], palette[COL_BG][1], palette[COL_BG][2]);
    plinit();
    for (PLINT i = 0; i < COL_COUNT; i++)
        plscol0(i, palette[i][0], palette[i][1], palette[i][2]);
    pladv(0);
    plwidth(1.0);
    return LSTMC_OK;
}

/* End the stream (PLplot writes the file), then rename it into place. */
static lstmc_status canvas_close(canvas *c, lstmc_error *err)
{
    plend1();
    plsstrm(c->old_stream);
    c->started = false;
    lstmc_status status = lstmc_atomic_commit(c->af, err);
    c->af = NULL;
    return status;
}

/* PLplot reads '#' as its escape character: double it to show it. Caller
 * frees; NULL when out of memory. */
static char *plain_text(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '#' ? 2 : 1;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    char *q = out;
    for (const char *p = s; *p; p++) {
        if (*p == '#')
            *q++ = '#';
        *q++ = *p;
    }
    *q = '\0';
    return out;
}

/* plmtex of literal text (best effort when out of memory: skipped). */
static void text_at(const char *side, PLFLT disp, PLFLT pos, PLFLT just,
                    const char *s)
{
    char *t = plain_text(s);
    if (t)
        plmtex(side, disp, pos, just, t);
    free(t);
}

/* Title and axis labels, matplotlib-sized relative to the tick labels;
 * x_disp and y_disp are the distances of the axis labels from the box in
 * character heights, beyond the tick labels. */
static void labels_draw(const char *title, const char *x_label,
                        const char *y_label, double x_disp, double y_disp)
{
    plcol0(COL_TEXT);
    plschr(0.0, 1.45);
    text_at("t", 1.2, 0.5, 0.5, title);
    plschr(0.0, 1.2);
    text_at("b", x_disp, 0.5, 0.5, x_label);
    text_at("l", y_disp, 0.5, 0.5, y_label);
    plschr(0.0, 1.0);
}

/* How many characters the y tick labels take, roughly, for a window
 * [y0, y1]: PLplot picks about 5 to 10 ticks, with as many decimals as
 * the tick step needs. */
static int tick_chars(double y0, double y1)
{
    double step = (y1 - y0) / 6.0;
    int decimals = step > 0.0 && step < 1.0 ? (int)ceil(-log10(step)) : 0;
    char buf[64];
    int a = snprintf(buf, sizeof buf, "%.*f", decimals, y0);
    int b = snprintf(buf, sizeof buf, "%.*f", decimals, y1);
    return a > b ? a : b;
}

/* The y label's distance for tick labels of `chars` characters, which are
 * about 0.75 character heights wide at the tick scale. */
static double y_label_disp(int chars)
{
    return 1.4 + 0.75 * chars;
}

/* The left edge of a viewport (normalised page units) that leaves room
 * for a y label at y_disp character heights from the box. */
static double left_edge(double y_disp)
{
    PLFLT sx0, sx1, sy0, sy1, def, ht;
    plgspa(&sx0, &sx1, &sy0, &sy1);
    plgchr(&def, &ht);
    double width_mm = sx1 - sx0;
    double edge = width_mm > 0 ? (y_disp + 1.6) * 1.2 * ht / width_mm : 0.1;
    return edge < 0.05 ? 0.05 : edge > 0.4 ? 0.4 : edge;
}

/* Light grid, then the frame with ticks and numbers. */
static void axes_draw(PLFLT xtick, PLINT nxsub)
{
    plwidth(1.0);
    plcol0(COL_GRID);
    plbox("g", xtick, 0, "g", 0.0, 0);
    plcol0(COL_TEXT);
    plschr(0.0, 1.05);
    /* Numbers of up to 9 characters in full, not scaled by a separate
     * "(x10^n)" label that would sit outside the page's margins. */
    plsxax(9, 0);
    plsyax(9, 0);
    plbox("bc", 0.0, 0, "bc", 0.0, 0);
    plbox("bint", xtick, nxsub, "bintv", 0.0, 0);
    plschr(0.0, 1.0);
}

/* Viewport height in mm and character height in mm, to reserve room for
 * a legend of n lines at the top of the plot box. Returns the fraction of
 * the box height the legend needs. */
static double legend_fraction(size_t n_lines, double spacing)
{
    PLFLT sx0, sx1, sy0, sy1, vx0, vx1, vy0, vy1, def, ht;
    plgspa(&sx0, &sx1, &sy0, &sy1);
    plgvpd(&vx0, &vx1, &vy0, &vy1);
    plgchr(&def, &ht);
    double box_mm = (vy1 - vy0) * (sy1 - sy0);
    double legend_mm = ((double)n_lines * spacing + 1.5) * ht;
    return box_mm > 0 ? legend_mm / box_mm : 0.3;
}

/* A legend of lines (and symbols when symbol is not NULL) at the given
 * corner inside the plot box. */
static void legend_draw(PLINT position, size_t n, const char *const *text,
                        const PLINT *colors, const char *symbol)
{
    PLINT opt[4], text_colors[4], line_styles[4], symbol_numbers[4];
    PLFLT line_widths[4], symbol_scales[4];
    const char *symbols[4];
    for (size_t i = 0; i < n; i++) {
        opt[i] = PL_LEGEND_LINE | (symbol ? PL_LEGEND_SYMBOL : 0);
        text_colors[i] = COL_TEXT;
        line_styles[i] = 1;
        line_widths[i] = 2.0;
        symbol_numbers[i] = 1;
        symbol_scales[i] = 0.75;
        symbols[i] = symbol;
    }
    PLFLT w, h;
    plschr(0.0, 1.1);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             position | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT, 0.015,
             0.03, 0.05, COL_BG, COL_FRAME, 1, 0, 0, (PLINT)n, opt, 0.7, 1.0,
             2.0, 0.0, text_colors, text, NULL, NULL, NULL, NULL, colors,
             line_styles, line_widths, symbol ? colors : NULL,
             symbol ? symbol_scales : NULL, symbol ? symbol_numbers : NULL,
             symbol ? symbols : NULL);
    plschr(0.0, 1.0);
}

/* A nice tick step (1, 2 or 5 times a power of ten) for about `want`
 * intervals over span. */
static double nice_step(double span, double want)
{
    double raw = span / want;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* Draw v[0..n) at x = x0 + i as lines, leaving gaps at non-finite
 * values; with a symbol, also a marker at each point. */
static void series_draw(const double *v, size_t n, double x0, PLINT color,
                        const char *symbol)
{
    PLFLT *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return;
    }
    plcol0(color);
    plwidth(2.0);
    size_t i = 0;
    while (i < n) {
        while (i < n && !isfinite(v[i]))
            i++;
        size_t m = 0;
        while (i < n && isfinite(v[i])) {
            x[m] = x0 + (double)i;
            y[m] = v[i];
            m++;
            i++;
        }
        if (m > 1)
            plline((PLINT)m, x, y);
        if (m > 0 && symbol) {
            plschr(0.0, 0.75);
            plstring((PLINT)m, x, y, symbol);
            plschr(0.0, 1.0);
        }
    }
    plwidth(1.0);
    free(x);
    free(y);
}

static bool all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

static void extend(double *lo, double *hi, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (v[i] < *lo)
            *lo = v[i];
        if (v[i] > *hi)
            *hi = v[i];
    }
}

/* y window with matplotlib's 5% margins and room for a legend above the
 * data taking `frac` of the box. */
static void y_window(double lo, double hi, double frac, double *y0,
                     double *y1)
{
    double span = hi - lo;
    if (span <= 0.0)
        span = fabs(hi) > 0.0 ? fabs(hi) * 0.1 : 1.0;
    *y0 = lo - 0.05 * span;
    double data_top = hi + 0.05 * span;
    if (frac > 0.6)
        frac = 0.6;
    *y1 = *y0 + (data_top - *y0) / (1.0 - frac);
}

/* ------------------------------------------------------------------ */
/* Forecast                                                            */
/* ------------------------------------------------------------------ */

static bool range_ok(size_t start, size_t n, const double *v, size_t total)
{
    if (n == 0)
        return true;
    return v && start < total && n <= total - start;
}

lstmc_status lstmc_plot_forecast(const char *path, lstmc_plot_format format,
                                 const lstmc_forecast *f,
                                 const lstmc_plot_labels *labels,
                                 lstmc_error *err)
{
    if (!path || !f || !f->series || f->n_series == 0 ||
        !range_ok(f->train_start, f->n_train, f->train_pred, f->n_series) ||
        !range_ok(f->test_start, f->n_test, f->test_pred, f->n_series)) {
        fail(err, path, "forecast plot needs a path, a non-empty series and "
                        "prediction ranges inside it");
        return LSTMC_ERR_ARG;
    }
    if (!all_finite(f->series, f->n_series) ||
        !all_finite(f->train_pred, f->n_train) ||
        !all_finite(f->test_pred, f->n_test)) {
        fail(err, path, "forecast plot: a value is not finite");
        return LSTMC_ERR_ARG;
    }
    canvas c;
    lstmc_status status = canvas_open(&c, path, format, 1200, 600, err);
    if (status != LSTMC_OK)
        return status;

    double lo = f->series[0], hi = f->series[0];
    extend(&lo, &hi, f->series, f->n_series);
    extend(&lo, &hi, f->train_pred, f->n_train);
    extend(&lo, &hi, f->test_pred, f->n_test);
    plvpor(0.1, 0.97, 0.15, 0.9);
    double y0, y1;
    size_t n_lines = 1 + (f->n_train > 0) + (f->n_test > 0);
    y_window(lo, hi, legend_fraction(n_lines, 2.0), &y0, &y1);
    double y_disp = y_label_disp(tick_chars(y0, y1));
    plvpor(left_edge(y_disp), 0.97, 0.15, 0.9);
    double xlast = f->n_series > 1 ? (double)(f->n_series - 1) : 1.0;
    double xpad = 0.02 * xlast;
    plwind(-xpad, xlast + xpad, y0, y1);
    axes_draw(0.0, 0);

    series_draw(f->series, f->n_series, 0.0, COL_C0, NULL);
    series_draw(f->train_pred, f->n_train, (double)f->train_start, COL_C1,
                NULL);
    series_draw(f->test_pred, f->n_test, (double)f->test_start, COL_C2, NULL);

    /* Legend entries for the series drawn (matplotlib's order). */
    const char *names[3] = {"Original data"};
    PLINT colors[3] = {COL_C0};
    size_t n_entries = 1;
    if (f->n_train > 0) {
        names[n_entries] = "Train prediction";
        colors[n_entries++] = COL_C1;
    }
    if (f->n_test > 0) {
        names[n_entries] = "Test prediction";
        colors[n_entries++] = COL_C2;
    }
    legend_draw(PL_POSITION_TOP | PL_POSITION_LEFT, n_entries, names, colors,
                NULL);
    labels_draw(labels && labels->title ? labels->title : "Forecast",
                labels && labels->x_label ? labels->x_label : "Time step",
                labels && labels->y_label ? labels->y_label : "Value", 3.0,
                y_disp);
    return canvas_close(&c, err);
}

/* ------------------------------------------------------------------ */
/* Confusion matrix                                                    */
/* ------------------------------------------------------------------ */

/* Blues at t in [0, 1], linear in RGB between the 9 stops (as
 * matplotlib's LinearSegmentedColormap), channels 0..255. */
static void blues_at(double t, double rgb[3])
{
    if (!(t > 0.0))
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    double x = t * (BLUES_N - 1);
    size_t i = (size_t)x;
    if (i >= BLUES_N - 1)
        i = BLUES_N - 2;
    double u = x - (double)i;
    for (size_t ch = 0; ch < 3; ch++)
        rgb[ch] = blues[i][ch] + u * (blues[i + 1][ch] - blues[i][ch]);
}

/* seaborn's annotation colour rule: relative luminance (sRGB) below
 * 0.408 is dark, so the count is written in white. */
static bool is_dark(const double rgb[3])
{
    double lum[3];
    for (size_t ch = 0; ch < 3; ch++) {
        double c = rgb[ch] / 255.0;
        lum[ch] = c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2] < 0.408;
}

static void blues_cmap1(void)
{
    PLFLT pos[BLUES_N], r[BLUES_N], g[BLUES_N], b[BLUES_N];
    for (size_t i = 0; i < BLUES_N; i++) {
        pos[i] = (double)i / (BLUES_N - 1);
        r[i] = blues[i][0] / 255.0;
        g[i] = blues[i][1] / 255.0;
        b[i] = blues[i][2] / 255.0;
    }
    plscmap1n(256);
    plscmap1l(1, BLUES_N, pos, r, g, b, NULL);
}

lstmc_status lstmc_plot_confusion(const char *path, lstmc_plot_format format,
                                  const uint64_t *cm, size_t k,
                                  const char *const *names,
                                  const lstmc_plot_labels *labels,
                                  lstmc_error *err)
{
    if (!path || !cm || k == 0 || k > LSTMC_PLOT_MAX_CLASSES) {
        fail(err, path, "confusion plot needs a path and a matrix of 1..%d "
                        "classes",
             LSTMC_PLOT_MAX_CLASSES);
        return LSTMC_ERR_ARG;
    }
    for (size_t i = 0; names && i < k; i++) {
        if (!names[i]) {
            fail(err, path, "confusion plot: name of class %zu is NULL", i);
            return LSTMC_ERR_ARG;
        }
    }
    uint64_t max = 0;
    for (size_t i = 0; i < k * k; i++)
        if (cm[i] > max)
            max = cm[i];
    canvas c;
    lstmc_status status = canvas_open(&c, path, format, 1000, 700, err);
    if (status != LSTMC_OK)
        return status;
    blues_cmap1();

    /* The grid left of the colour bar, after room for the names. */
    size_t name_chars = 1;
    for (size_t i = 0; names && i < k; i++) {
        size_t n = 0;
        for (const char *q = names[i]; *q; q++)
            n += ((unsigned char)*q & 0xC0) != 0x80;
        if (n > name_chars)
            name_chars = n;
    }
    if (!names)
        name_chars = (size_t)snprintf(NULL, 0, "%zu", k - 1);
    double name_scale = k <= 12 ? 1.1 : 0.8;
    /* Names are about 0.8 character heights a character; the axis
     * labels' distances are in their own (1.2 times larger) heights. */
    double name_len = 0.8 * name_scale * (double)name_chars;
    double y_disp = (0.8 + name_len) / 1.2 + 1.0;
    /* x names turn vertical when side by side they would not fit under
     * their cells; the bottom margin then grows with them. */
    PLFLT sx0, sx1, sy0, sy1, def, ht;
    plgspa(&sx0, &sx1, &sy0, &sy1);
    plgchr(&def, &ht);
    double left = left_edge(y_disp), right = 0.80;
    double cell_mm = (right - left) * (sx1 - sx0) / (double)k;
    bool vertical = (name_len + 1.0) * ht > cell_mm;
    double x_disp = vertical ? (0.8 + name_len) / 1.2 + 1.0 : 3.0;
    double bottom = (x_disp + 1.6) * 1.2 * ht / (sy1 - sy0);
    if (bottom < 0.13)
        bottom = 0.13;
    if (bottom > 0.5)
        bottom = 0.5;
    plvpor(left, right, bottom, 0.90);
    plwind(0.0, (double)k, 0.0, (double)k);
    /* Count text shrinks with many classes. */
    double count_scale = k <= 6 ? 1.3 : k <= 12 ? 1.0 : 0.7;
    char buf[32];
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < k; j++) {
            uint64_t v = cm[i * k + j];
            double t = max > 0 ? (double)v / (double)max : 0.0;
            double rgb[3];
            blues_at(t, rgb);
            PLFLT x[4] = {(double)j, (double)j + 1, (double)j + 1, (double)j};
            double top = (double)(k - i);
            PLFLT y[4] = {top - 1, top - 1, top, top};
            plcol1(t);
            plfill(4, x, y);
            plcol0(is_dark(rgb) ? COL_WHITE : COL_TEXT);
            plschr(0.0, count_scale);
            snprintf(buf, sizeof buf, "%" PRIu64, v);
            plptex((double)j + 0.5, top - 0.5, 1.0, 0.0, 0.5, buf);
        }
    }
    plschr(0.0, 1.0);
    /* Class names at the cell centres; no numeric ticks. */
    plcol0(COL_TEXT);
    plschr(0.0, name_scale);
    for (size_t i = 0; i < k; i++) {
        char num[24];
        snprintf(num, sizeof num, "%zu", i);
        const char *name = names ? names[i] : num;
        double pos = ((double)i + 0.5) / (double)k;
        if (vertical)
            text_at("bv", 0.8, pos, 1.0, name);
        else
            text_at("b", 1.4, pos, 0.5, name);
        text_at("lv", 0.8, 1.0 - pos, 1.0, name);
    }
    plschr(0.0, 1.0);

    /* Colour bar from 0 to the largest count. */
    PLFLT cw, ch;
    const char *axis_opts[1] = {"bcmtv"};
    PLFLT ticks[1] = {0.0};
    PLINT sub_ticks[1] = {0};
    PLINT n_values[1] = {2};
    PLFLT range[2] = {0.0, max > 0 ? (double)max : 1.0};
    const PLFLT *values[1] = {range};
    plschr(0.0, 1.0);
    plcolorbar(&cw, &ch, PL_COLORBAR_GRADIENT | PL_COLORBAR_CAP_NONE,
               PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT,
               0.03, 0.0, 0.035, 1.0, COL_BG, COL_TEXT, 1, 0.0, 1.0,
               COL_TEXT, 0.0, 0, NULL, NULL, 1, axis_opts, ticks, sub_ticks,
               n_values, values);

    labels_draw(labels && labels->title ? labels->title : "Confusion Matrix",
                labels && labels->x_label ? labels->x_label : "Predicted",
                labels && labels->y_label ? labels->y_label : "True", x_disp,
                y_disp);
    return canvas_close(&c, err);
}

/* ------------------------------------------------------------------ */
/* Loss curves                                                         */
/* ------------------------------------------------------------------ */

#define MARKER "\xe2\x97\x8f" /* U+25CF BLACK CIRCLE */
#define MARKER_MAX_EPOCHS 30

lstmc_status lstmc_plot_loss(const char *path, lstmc_plot_format format,
                             const double *loss, const double *val_loss,
                             size_t epochs, const lstmc_plot_labels *labels,
                             lstmc_error *err)
{
    if (!path || !loss || epochs == 0) {
        fail(err, path, "loss plot needs a path and at least one epoch");
        return LSTMC_ERR_ARG;
    }
    double lo = INFINITY, hi = -INFINITY;
    extend(&lo, &hi, loss, epochs);
    if (val_loss)
        extend(&lo, &hi, val_loss, epochs);
    if (!(lo <= hi)) {
        fail(err, path, "loss plot: no finite loss to show");
        return LSTMC_ERR_ARG;
    }
    canvas c;
    lstmc_status status = canvas_open(&c, path, format, 1000, 600, err);
    if (status != LSTMC_OK)
        return status;
    size_t n_lines = val_loss ? 2 : 1;
    plvpor(0.1, 0.96, 0.15, 0.9);
    double y0, y1;
    y_window(lo, hi, legend_fraction(n_lines, 2.0), &y0, &y1);
    double y_disp = y_label_disp(tick_chars(y0, y1));
    plvpor(left_edge(y_disp), 0.96, 0.15, 0.9);
    double span = epochs > 1 ? (double)(epochs - 1) : 1.0;
    double xpad = epochs > 1 ? 0.04 * span : 0.5;
    plwind(1.0 - xpad, (double)epochs + xpad, y0, y1);
    double step = epochs > 1 ? nice_step(span, 8.0) : 1.0;
    if (step < 1.0)
        step = 1.0;
    axes_draw(step, 1);

    /* Markers while they stay apart; a line alone for long runs. */
    const char *marker = epochs <= MARKER_MAX_EPOCHS ? MARKER : NULL;
    series_draw(loss, epochs, 1.0, COL_C0, marker);
    if (val_loss)
        series_draw(val_loss, epochs, 1.0, COL_C1, marker);
    static const char *const names[2] = {"Training loss", "Validation loss"};
    static const PLINT colors[2] = {COL_C0, COL_C1};
    legend_draw(PL_POSITION_TOP | PL_POSITION_RIGHT, n_lines, names, colors,
                marker);
    const char *title = val_loss ? "Training and validation loss"
                                 : "Training loss";
    labels_draw(labels && labels->title ? labels->title : title,
                labels && labels->x_label ? labels->x_label : "Epoch",
                labels && labels->y_label ? labels->y_label : "Loss", 3.0, y_disp);
    return canvas_close(&c, err);
}
