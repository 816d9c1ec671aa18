/*
 * pipeline: runs a spec's `pipeline` section for a generated program's
 * `train` command (see lstmc.h). The steps are the order `lstmc check`
 * prints: load -> tokenize/pad | group | window -> split -> scale (fitted
 * on the training part only) -> labels; then, after the generated fit,
 * evaluate and the outputs. `predict` on raw data runs the same steps on
 * one table with the state train saved (load_state, prepare_table): the
 * functions that build the samples and inputs serve both. The table
 * readers, preprocessing and report writers do the work; this file only
 * strings them together and translates array positions back to file
 * positions.
 */
#include "lstmc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* At most two tables: the training file and the test_path file. */
#define MAX_PARTS 2

static lstmc_status fail(lstmc_error *err, lstmc_status st, const char *path, long row,
                         long col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

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

static lstmc_status nomem(lstmc_error *err)
{
    return fail(err, LSTMC_ERR_NOMEM, "", 0, 0, "out of memory");
}

/* n * size bytes, at least 1, zeroed; NULL on overflow or failure. */
static void *alloc(size_t n, size_t size)
{
    if (size && n > ((size_t)-1) / size)
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

static void resolve(char *out, size_t size, const char *dir, const char *path)
{
    if (path[0] == '/' || !dir || !dir[0])
        snprintf(out, size, "%s", path);
    else
        snprintf(out, size, "%s/%s", dir, path);
}

lstmc_status lstmc_make_dirs(const char *dir, lstmc_error *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *q = buf + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return fail(err, LSTMC_ERR_IO, buf, 0, 0, "cannot create the directory: %s",
                        strerror(errno));
        *q = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return fail(err, LSTMC_ERR_IO, buf, 0, 0, "cannot create the directory: %s",
                    strerror(errno));
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* Load                                                                */
/* ------------------------------------------------------------------ */

/* One table and the columns the spec takes from it. */
struct part {
    lstmc_table *t;
    size_t rows;
    double *x;            /* [rows, nx] the input columns (series or features) */
    double *y;            /* [rows] the numeric target (a series: the series) */
    const char **label;   /* [rows] the target's text (classification) */
    const char **text;    /* [rows] the text column (tokens) */
    const char **ids;     /* [rows] the group id */
    double *order;        /* [rows] the group order */
    const char **split;   /* [rows] the split column */
    long label_col, text_col, split_col;
    bool borrowed;        /* t belongs to the caller */
};

static void part_free(struct part *p)
{
    if (!p->borrowed)
        lstmc_table_free(p->t);
    free(p->x);
    free(p->y);
    free(p->label);
    free(p->text);
    free(p->ids);
    free(p->order);
    free(p->split);
    memset(p, 0, sizeof *p);
}

static lstmc_status column(long *col, const lstmc_table *t, const char *name, lstmc_error *err)
{
    *col = lstmc_table_column(t, name);
    if (*col >= 0)
        return LSTMC_OK;
    char have[512] = "";
    size_t n = lstmc_table_cols(t);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(have);
        snprintf(have + len, sizeof have - len, "%s'%s'", i ? ", " : "", lstmc_table_name(t, i));
    }
    return fail(err, LSTMC_ERR_FORMAT, lstmc_table_path(t), 0, 0,
                "no column '%s' in the header; the columns are %s", name, have);
}

static lstmc_status strings(const char ***out, const lstmc_table *t, const char *name,
                            long *colp, lstmc_error *err)
{
    long col;
    lstmc_status st = column(&col, t, name, err);
    if (st != LSTMC_OK)
        return st;
    size_t n = lstmc_table_rows(t);
    if (!(*out = alloc(n, sizeof **out)))
        return nomem(err);
    for (size_t i = 0; i < n; i++)
        (*out)[i] = lstmc_table_cell(t, i, (size_t)col);
    if (colp)
        *colp = col;
    return LSTMC_OK;
}

static lstmc_status numbers(double *out, size_t stride, size_t offset, const lstmc_table *t,
                            const char *name, lstmc_error *err)
{
    long col;
    lstmc_status st = column(&col, t, name, err);
    if (st != LSTMC_OK)
        return st;
    size_t n = lstmc_table_rows(t);
    double *tmp = alloc(n, sizeof *tmp);
    if (!tmp)
        return nomem(err);
    st = lstmc_table_numbers(t, (size_t)col, tmp, err);
    for (size_t i = 0; st == LSTMC_OK && i < n; i++)
        out[i * stride + offset] = tmp[i];
    free(tmp);
    return st;
}

static size_t input_columns(const lstmc_pipeline_spec *s)
{
    return s->series ? 1 : s->n_features;
}

/* The spec's sheet for a workbook; NULL for a CSV file (a --data CSV
 * given for a workbook spec). */
static const char *sheet_for(const char *path, const lstmc_pipeline_spec *s)
{
    size_t len = strlen(path);
    if (len >= 5 && (strcasecmp(path + len - 5, ".xlsx") == 0 ||
                     strcasecmp(path + len - 5, ".xlsm") == 0))
        return s->sheet;
    return NULL;
}

/* The columns the spec takes from p->t. `predict`: only what the inputs
 * need (the input columns, a group's id and order, the text); the target
 * and the split column may be absent. */
static lstmc_status part_columns(struct part *p, const lstmc_pipeline_spec *s, bool predict,
                                 lstmc_error *err)
{
    lstmc_status st;
    p->rows = lstmc_table_rows(p->t);
    p->label_col = p->text_col = p->split_col = -1;
    size_t nx = input_columns(s);
    if (s->samples != LSTMC_SAMPLES_TOKENS) {
        if (!(p->x = alloc(p->rows, nx * sizeof *p->x)))
            return nomem(err);
        for (size_t j = 0; j < nx; j++) {
            st = numbers(p->x, nx, j, p->t, s->series ? s->series : s->features[j], err);
            if (st != LSTMC_OK)
                return st;
        }
    }
    if (s->series) {
        if (!(p->y = alloc(p->rows, sizeof *p->y)))
            return nomem(err);
        for (size_t i = 0; i < p->rows; i++)
            p->y[i] = p->x[i];
    } else if (predict) {
        /* no target */
    } else if (s->target && s->task == LSTMC_TASK_REGRESSION) {
        if (!(p->y = alloc(p->rows, sizeof *p->y)))
            return nomem(err);
        if ((st = numbers(p->y, 1, 0, p->t, s->target, err)) != LSTMC_OK)
            return st;
    } else if (s->target) {
        if ((st = strings(&p->label, p->t, s->target, &p->label_col, err)) != LSTMC_OK)
            return st;
    }
    if (s->samples == LSTMC_SAMPLES_TOKENS &&
        (st = strings(&p->text, p->t, s->text, &p->text_col, err)) != LSTMC_OK)
        return st;
    if (s->samples == LSTMC_SAMPLES_GROUP) {
        if ((st = strings(&p->ids, p->t, s->group_id, NULL, err)) != LSTMC_OK)
            return st;
        if (!(p->order = alloc(p->rows, sizeof *p->order)))
            return nomem(err);
        if ((st = numbers(p->order, 1, 0, p->t, s->group_order, err)) != LSTMC_OK)
            return st;
    }
    if (s->split_column && !predict &&
        (st = strings(&p->split, p->t, s->split_column, &p->split_col, err)) != LSTMC_OK)
        return st;
    return LSTMC_OK;
}

static lstmc_status load_part(struct part *p, const char *path, const lstmc_pipeline_spec *s,
                              lstmc_error *err)
{
    lstmc_status st = lstmc_table_read(&p->t, path, sheet_for(path, s), err);
    if (st != LSTMC_OK)
        return st;
    return part_columns(p, s, false, err);
}

/* ------------------------------------------------------------------ */
/* Samples                                                             */
/* ------------------------------------------------------------------ */

/* A sample: rows [first, first + len) of part `part`, labelled by row
 * `label_row`. Windows have len = the window length; groups their own. */
struct sample {
    unsigned part;
    size_t first, len, label_row;
};

/* An error of the preparation functions about array row err->row (1-based), moved to the
 * file's row and column col. */
static lstmc_status at_row(const struct part *p, long col, lstmc_error *err, lstmc_status st)
{
    if (!err || err->row <= 0 || col < 0)
        return st;
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return lstmc_table_cell_error(p->t, (size_t)err->row - 1, (size_t)col, err, "%s", msg);
}

/* Adds the windows, groups or texts of one part to samples[*n..].
 * `predict`: every window of the rows, also the last one, whose label row
 * (for label `next`) is the row after the data, p->rows. */
static lstmc_status make_samples(struct sample *out, size_t *n, const struct part *p,
                                 unsigned part, const lstmc_pipeline_spec *s, bool predict,
                                 lstmc_error *err)
{
    lstmc_status st;
    if (s->samples == LSTMC_SAMPLES_WINDOW) {
        size_t count;
        st = lstmc_window_count(&count, p->rows, s->window_length,
                                predict ? LSTMC_WINDOW_LAST : s->window_label, err);
        if (st != LSTMC_OK) {
            if (err)
                snprintf(err->path, sizeof err->path, "%s", lstmc_table_path(p->t));
            return st;
        }
        for (size_t i = 0; i < count; i++) {
            size_t lr = i + s->window_length - (s->window_label == LSTMC_WINDOW_LAST);
            out[(*n)++] = (struct sample){part, i, s->window_length, lr};
        }
    } else if (s->samples == LSTMC_SAMPLES_GROUP) {
        for (size_t i = 0; i < p->rows;) {
            size_t j = i + 1;
            while (j < p->rows && strcmp(p->ids[j], p->ids[i]) == 0)
                j++;
            out[(*n)++] = (struct sample){part, i, j - i, i};
            i = j;
        }
        if (p->label && (st = lstmc_group_check_column(p->ids, p->label, p->rows, s->target,
                                                       err)) != LSTMC_OK)
            return at_row(p, p->label_col, err, st);
        if (p->split && (st = lstmc_group_check_column(p->ids, p->split, p->rows,
                                                       s->split_column, err)) != LSTMC_OK)
            return at_row(p, p->split_col, err, st);
    } else {
        for (size_t i = 0; i < p->rows; i++) {
            const char *t = p->text[i];
            size_t k = 0;
            while (t[k] == ' ' || t[k] == '\t' || t[k] == '\r' || t[k] == '\n')
                k++;
            if (!t[k])
                return lstmc_table_cell_error(p->t, i, (size_t)p->text_col, err,
                                              "empty text in column '%s'; expected some words",
                                              s->text);
            out[(*n)++] = (struct sample){part, i, 1, i};
        }
    }
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* Prepare                                                             */
/* ------------------------------------------------------------------ */

void lstmc_pipeline_data_free(lstmc_pipeline_data *d)
{
    if (!d)
        return;
    free(d->x_train);
    free(d->y_train);
    free(d->x_test);
    free(d->y_test);
    free(d->y_train_raw);
    free(d->y_test_raw);
    free(d->train_codes);
    free(d->test_codes);
    if (!d->labels && d->class_names) {
        for (size_t i = 0; i < d->n_classes; i++)
            free((char *)d->class_names[i]);
    }
    free(d->class_names);
    free(d->series);
    free(d->train_rows);
    free(d->test_rows);
    lstmc_scaler_destroy(d->scaler);
    lstmc_labels_destroy(d->labels);
    lstmc_tokenizer_destroy(d->tokenizer);
    memset(d, 0, sizeof *d);
}

/* Splits the samples: order[0..n) lists the training samples first. */
static lstmc_status split(size_t *order, size_t *n_train, const struct sample *sm, size_t n,
                          size_t n_first_part, const struct part *parts,
                          const lstmc_pipeline_spec *s, lstmc_error *err)
{
    lstmc_status st;
    if (s->test_path) {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        *n_train = n_first_part;
        if (n_first_part == 0 || n_first_part == n)
            return fail(err, LSTMC_ERR_ARG, s->test_path, 0, 0,
                        "no samples in the %s part", n_first_part ? "test" : "training");
        return LSTMC_OK;
    }
    if (s->split_column) {
        const char **v = alloc(n, sizeof *v);
        size_t *rows = alloc(n, sizeof *rows);
        if (!v || !rows) {
            free(v);
            free(rows);
            return nomem(err);
        }
        for (size_t i = 0; i < n; i++) {
            v[i] = parts[0].split[sm[i].label_row];
            rows[i] = (size_t)lstmc_table_line(parts[0].t, sm[i].label_row);
        }
        st = lstmc_split_column(order, n_train, v, rows, n, err);
        if (st != LSTMC_OK && err) {
            snprintf(err->path, sizeof err->path, "%s", lstmc_table_path(parts[0].t));
            if (err->row > 0)
                err->col = parts[0].split_col + 1;
        }
        free(v);
        free(rows);
        return st;
    }
    if (s->split_shuffle) {
        lstmc_rng rng;
        lstmc_rng_seed(&rng, s->split_seed, lstmc_rng_stream_id("pipeline/split"));
        st = lstmc_split_shuffled(&rng, order, n_train, n, s->train_fraction, err);
    } else {
        st = lstmc_split_ordered(order, n_train, n, s->train_fraction, err);
    }
    if (st != LSTMC_OK && err)
        snprintf(err->path, sizeof err->path, "%s", lstmc_table_path(parts[0].t));
    return st;
}

/* The fitted scaler applied to the input columns of parts[0..nparts), and
 * to their target when `target` (a series, its own target). */
static lstmc_status scale_parts(const lstmc_scaler *sc, struct part *parts, unsigned nparts,
                                bool target, lstmc_error *err)
{
    lstmc_status st = LSTMC_OK;
    for (unsigned p = 0; st == LSTMC_OK && p < nparts; p++)
        st = lstmc_scaler_transform(sc, parts[p].x, parts[p].x, parts[p].rows, err);
    for (unsigned p = 0; st == LSTMC_OK && target && p < nparts; p++)
        st = lstmc_scaler_transform_column(sc, 0, parts[p].y, parts[p].y, parts[p].rows, err);
    return st;
}

/* The scaler, fitted on the rows the training samples use, then applied. */
static lstmc_status fit_scaler(lstmc_pipeline_data *d, struct part *parts, unsigned nparts,
                               const struct sample *sm, const size_t *order, size_t n_train,
                               const lstmc_pipeline_spec *s, lstmc_error *err)
{
    size_t nx = input_columns(s);
    lstmc_status st = lstmc_scaler_create(&d->scaler, s->scale_kind, nx, s->feature_range[0],
                                          s->feature_range[1], err);
    if (st != LSTMC_OK)
        return st;
    /* Training samples all come from part 0 (a test_path is the test part). */
    unsigned char *used = alloc(parts[0].rows, 1);
    size_t *rows = alloc(parts[0].rows, sizeof *rows);
    size_t nr = 0;
    if (!used || !rows) {
        free(used);
        free(rows);
        return nomem(err);
    }
    for (size_t k = 0; k < n_train; k++) {
        const struct sample *x = &sm[order[k]];
        for (size_t r = x->first; r < x->first + x->len; r++)
            used[r] = 1;
        if (s->series)
            used[x->label_row] = 1; /* the series is its own target */
    }
    for (size_t r = 0; r < parts[0].rows; r++)
        if (used[r])
            rows[nr++] = r;
    st = lstmc_scaler_fit_rows(d->scaler, parts[0].x, parts[0].rows, rows, nr, err);
    free(used);
    free(rows);
    if (st == LSTMC_OK)
        st = scale_parts(d->scaler, parts, nparts, s->series != NULL, err);
    d->target_scaled = s->series != NULL;
    return st;
}

/* Labels that are codes (labels.encode false): the classes are named
 * "0" .. "k-1". */
static lstmc_status code_names(lstmc_pipeline_data *d, size_t k, lstmc_error *err)
{
    if (!(d->class_names = alloc(k, sizeof *d->class_names)))
        return nomem(err);
    d->n_classes = k;
    for (size_t c = 0; c < k; c++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", c);
        if (!(d->class_names[c] = strdup(buf)))
            return nomem(err);
    }
    return LSTMC_OK;
}

/* The labels: classes from the training part (or the spec), codes for all. */
static lstmc_status encode_labels(lstmc_pipeline_data *d, size_t *codes, const struct part *parts,
                                  const struct sample *sm, const size_t *order, size_t n,
                                  size_t n_train, const lstmc_pipeline_spec *s, lstmc_error *err)
{
    lstmc_status st = LSTMC_OK;
    const char **lab = alloc(n, sizeof *lab);
    size_t *rows = alloc(n, sizeof *rows);
    if (!lab || !rows) {
        st = nomem(err);
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        const struct sample *x = &sm[order[k]];
        lab[k] = parts[x->part].label[x->label_row];
        rows[k] = (size_t)lstmc_table_line(parts[x->part].t, x->label_row);
    }
    size_t k_out = s->task == LSTMC_TASK_BINARY ? 2 : s->outputs;
    if (!s->labels_encode) {
        d->n_classes = k_out;
        for (unsigned part = 0; part < MAX_PARTS; part++) {
            /* codes, part by part, so the error names the right file */
            size_t a = 0, b = 0;
            for (size_t k = 0; k < n; k++)
                if (sm[order[k]].part == part) {
                    if (b == 0)
                        a = k;
                    b = k + 1;
                }
            if (b == 0)
                continue;
            st = lstmc_labels_parse_codes(codes + a, lab + a, rows + a, b - a, k_out, err);
            if (st != LSTMC_OK) {
                if (err) {
                    snprintf(err->path, sizeof err->path, "%s", lstmc_table_path(parts[part].t));
                    err->col = parts[part].label_col + 1;
                }
                goto done;
            }
        }
        st = code_names(d, k_out, err);
        goto done;
    }
    if (s->classes)
        st = lstmc_labels_from_classes(&d->labels, s->classes, s->n_classes_given, err);
    else
        st = lstmc_labels_fit(&d->labels, lab, n_train, err);
    if (st != LSTMC_OK)
        goto done;
    d->n_classes = lstmc_labels_count(d->labels);
    if (d->n_classes != k_out) {
        st = fail(err, LSTMC_ERR_FORMAT, lstmc_table_path(parts[0].t), 0, 0,
                  "the training part of column '%s' has %zu classes, but the model outputs %zu; "
                  "change the last layer's units or list the classes in labels.classes",
                  s->target, d->n_classes, k_out);
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        st = lstmc_labels_transform(codes + k, d->labels, lab + k, rows + k, 1, err);
        if (st != LSTMC_OK) {
            if (err) {
                const struct part *p = &parts[sm[order[k]].part];
                snprintf(err->path, sizeof err->path, "%s", lstmc_table_path(p->t));
                err->col = p->label_col + 1;
            }
            goto done;
        }
    }
    if (!(d->class_names = alloc(d->n_classes, sizeof *d->class_names))) {
        st = nomem(err);
        goto done;
    }
    for (size_t c = 0; c < d->n_classes; c++)
        d->class_names[c] = lstmc_labels_class(d->labels, c);
done:
    free(lab);
    free(rows);
    return st;
}

/* Every text sm[order[k]], k < n, to token ids padded by pad_sequences,
 * as doubles in x_all [n, timesteps], with the fitted tokenizer. */
static lstmc_status encode_texts(double *x_all, const lstmc_tokenizer *tok,
                                 const struct part *parts, const struct sample *sm,
                                 const size_t *order, size_t n, const lstmc_pipeline_spec *s,
                                 lstmc_error *err)
{
    const char **texts = alloc(n, sizeof *texts);
    int32_t *ids = alloc(n, s->timesteps * sizeof *ids);
    if (!texts || !ids) {
        free(texts);
        free(ids);
        return nomem(err);
    }
    for (size_t k = 0; k < n; k++) {
        const struct sample *x = &sm[order[k]];
        texts[k] = parts[x->part].text[x->label_row];
    }
    lstmc_status st = lstmc_tokenizer_texts_to_padded(tok, ids, texts, NULL, n, s->timesteps,
                                                      s->padding, s->truncating, err);
    if (st != LSTMC_OK && err && err->row > 0) {
        const struct sample *x = &sm[order[err->row - 1]];
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        st = lstmc_table_cell_error(parts[x->part].t, x->label_row,
                                    (size_t)parts[x->part].text_col, err, "%s", msg);
    }
    for (size_t i = 0; st == LSTMC_OK && i < n * s->timesteps; i++) {
        if (s->vocab && (size_t)ids[i] >= s->vocab) {
            st = fail(err, LSTMC_ERR_ARG, "", 0, 0,
                      "token id %ld is outside the model's vocabulary of %zu",
                      (long)ids[i], s->vocab);
            break;
        }
        x_all[i] = (double)ids[i];
    }
    free(texts);
    free(ids);
    return st;
}

/* The tokenizer's settings from the spec (docs/spec.md 5.8). */
static lstmc_tokenizer_config tokenizer_config(const lstmc_pipeline_spec *s)
{
    lstmc_tokenizer_config cfg = lstmc_tokenizer_defaults();
    cfg.num_words = s->num_words;
    cfg.lower = s->lower;
    if (s->filters)
        cfg.filters = s->filters;
    cfg.oov_token = s->oov_token;
    return cfg;
}

/* Tokenizer fitted on the training texts; every text to padded ids. */
static lstmc_status tokenize(lstmc_pipeline_data *d, double *x_all, const struct part *parts,
                             const struct sample *sm, const size_t *order, size_t n,
                             size_t n_train, const lstmc_pipeline_spec *s, lstmc_error *err)
{
    lstmc_tokenizer_config cfg = tokenizer_config(s);
    lstmc_status st = lstmc_tokenizer_create(&d->tokenizer, &cfg, err);
    if (st != LSTMC_OK)
        return st;
    const char **texts = alloc(n_train, sizeof *texts);
    if (!texts)
        return nomem(err);
    for (size_t k = 0; k < n_train; k++) {
        const struct sample *x = &sm[order[k]];
        texts[k] = parts[x->part].text[x->label_row];
    }
    st = lstmc_tokenizer_fit(d->tokenizer, texts, NULL, n_train, err);
    if (st != LSTMC_OK && err && err->row > 0) {
        const struct sample *x = &sm[order[err->row - 1]];
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        st = lstmc_table_cell_error(parts[x->part].t, x->label_row,
                                    (size_t)parts[x->part].text_col, err, "%s", msg);
    }
    free(texts);
    if (st != LSTMC_OK)
        return st;
    return encode_texts(x_all, d->tokenizer, parts, sm, order, n, s, err);
}

/* The inputs of the window and group samples sm[order[k]], k < n, in
 * x_all [n, timesteps * nx] (time-major): a window's rows as they are; a
 * group's rows sorted by its order column (a stable insertion sort, so
 * equal orders keep file order), then padded or truncated as
 * pad_sequences does. */
static lstmc_status sequence_inputs(double *x_all, const struct part *parts,
                                    const struct sample *sm, const size_t *order, size_t n,
                                    const lstmc_pipeline_spec *s, lstmc_error *err)
{
    size_t nx = input_columns(s), in_size = s->timesteps * nx;
    for (size_t k = 0; k < n; k++) {
        const struct sample *x = &sm[order[k]];
        const struct part *p = &parts[x->part];
        double *dst = x_all + k * in_size;
        if (s->samples == LSTMC_SAMPLES_WINDOW) {
            memcpy(dst, p->x + x->first * nx, in_size * sizeof *dst);
            continue;
        }
        size_t *rows = alloc(x->len, sizeof *rows), src, dsti, cnt;
        if (!rows)
            return nomem(err);
        for (size_t i = 0; i < x->len; i++) {
            size_t r = x->first + i, j = i;
            if (isnan(p->order[r])) {
                free(rows);
                return lstmc_table_cell_error(p->t, r, 0, err, "order value is NaN");
            }
            while (j > 0 && p->order[rows[j - 1]] > p->order[r]) {
                rows[j] = rows[j - 1];
                j--;
            }
            rows[j] = r;
        }
        lstmc_pad_plan(&src, &dsti, &cnt, x->len, s->timesteps, s->group_padding,
                       s->group_truncating);
        for (size_t i = 0; i < cnt; i++)
            memcpy(dst + (dsti + i) * nx, p->x + rows[src + i] * nx, nx * sizeof *dst);
        free(rows);
    }
    return LSTMC_OK;
}

lstmc_status lstmc_pipeline_prepare(lstmc_pipeline_data *d, const lstmc_pipeline_spec *s,
                                    lstmc_error *err)
{
    struct part parts[MAX_PARTS];
    memset(parts, 0, sizeof parts);
    unsigned nparts = s->test_path ? 2 : 1;
    struct sample *sm = NULL;
    size_t *order = NULL, *codes = NULL, n = 0, n_train = 0, n_first = 0;
    double *x_all = NULL, *y_all = NULL, *raw_all = NULL;
    lstmc_status st = LSTMC_OK;

    /* 1. load */
    for (unsigned p = 0; p < nparts; p++) {
        char path[1024];
        if (p == 0 && s->data_override)
            snprintf(path, sizeof path, "%s", s->data_override);
        else
            resolve(path, sizeof path, s->spec_dir, p == 0 ? s->path : s->test_path);
        if (p == 0)
            snprintf(d->path, sizeof d->path, "%s", path);
        else
            snprintf(d->test_path, sizeof d->test_path, "%s", path);
        if ((st = load_part(&parts[p], path, s, err)) != LSTMC_OK)
            goto done;
    }

    /* 2. windows, groups or texts */
    size_t cap = 0;
    for (unsigned p = 0; p < nparts; p++)
        cap += parts[p].rows;
    if (!(sm = alloc(cap, sizeof *sm)) || !(order = alloc(cap, sizeof *order))) {
        st = nomem(err);
        goto done;
    }
    for (unsigned p = 0; p < nparts; p++) {
        if ((st = make_samples(sm, &n, &parts[p], p, s, false, err)) != LSTMC_OK)
            goto done;
        if (p == 0)
            n_first = n;
    }

    /* 3. split */
    if ((st = split(order, &n_train, sm, n, n_first, parts, s, err)) != LSTMC_OK)
        goto done;

    /* 4. scale, fitted on the training part */
    if (s->scale && s->samples != LSTMC_SAMPLES_TOKENS &&
        (st = fit_scaler(d, parts, nparts, sm, order, n_train, s, err)) != LSTMC_OK)
        goto done;

    /* Inputs. */
    size_t nx = s->samples == LSTMC_SAMPLES_TOKENS ? 1 : input_columns(s);
    d->in_size = s->timesteps * nx;
    d->out_size = s->outputs;
    if (!(x_all = alloc(n, d->in_size * sizeof *x_all)) ||
        !(y_all = alloc(n, d->out_size * sizeof *y_all)) ||
        !(raw_all = alloc(n, d->out_size * sizeof *raw_all)) ||
        !(codes = alloc(n, sizeof *codes))) {
        st = nomem(err);
        goto done;
    }
    if (s->samples == LSTMC_SAMPLES_TOKENS) {
        if ((st = tokenize(d, x_all, parts, sm, order, n, n_train, s, err)) != LSTMC_OK)
            goto done;
    } else if ((st = sequence_inputs(x_all, parts, sm, order, n, s, err)) != LSTMC_OK) {
        goto done;
    }

    /* 5. targets and labels */
    if (s->task == LSTMC_TASK_REGRESSION) {
        for (size_t k = 0; k < n; k++) {
            const struct sample *x = &sm[order[k]];
            y_all[k] = parts[x->part].y[x->label_row];
            raw_all[k] = y_all[k];
        }
        if (d->target_scaled &&
            (st = lstmc_scaler_inverse_column(d->scaler, 0, raw_all, raw_all, n, err)) != LSTMC_OK)
            goto done;
    } else {
        if ((st = encode_labels(d, codes, parts, sm, order, n, n_train, s, err)) != LSTMC_OK)
            goto done;
        if (s->task == LSTMC_TASK_CATEGORICAL)
            st = lstmc_one_hot_f64(y_all, codes, n, d->out_size, err);
        else
            lstmc_codes_to_f64(y_all, codes, n);
        if (st != LSTMC_OK)
            goto done;
    }

    /* Hand the two parts over. */
    d->n_train = n_train;
    d->n_test = n - n_train;
    size_t nt = d->n_test;
    if (!(d->x_train = alloc(n_train, d->in_size * sizeof(double))) ||
        !(d->x_test = alloc(nt, d->in_size * sizeof(double))) ||
        !(d->y_train = alloc(n_train, d->out_size * sizeof(double))) ||
        !(d->y_test = alloc(nt, d->out_size * sizeof(double))) ||
        !(d->y_train_raw = alloc(n_train, d->out_size * sizeof(double))) ||
        !(d->y_test_raw = alloc(nt, d->out_size * sizeof(double))) ||
        !(d->train_codes = alloc(n_train, sizeof(size_t))) ||
        !(d->test_codes = alloc(nt, sizeof(size_t))) ||
        !(d->train_rows = alloc(n_train, sizeof(size_t))) ||
        !(d->test_rows = alloc(nt, sizeof(size_t)))) {
        st = nomem(err);
        goto done;
    }
    memcpy(d->x_train, x_all, n_train * d->in_size * sizeof(double));
    memcpy(d->x_test, x_all + n_train * d->in_size, nt * d->in_size * sizeof(double));
    memcpy(d->y_train, y_all, n_train * d->out_size * sizeof(double));
    memcpy(d->y_test, y_all + n_train * d->out_size, nt * d->out_size * sizeof(double));
    memcpy(d->y_train_raw, raw_all, n_train * d->out_size * sizeof(double));
    memcpy(d->y_test_raw, raw_all + n_train * d->out_size, nt * d->out_size * sizeof(double));
    memcpy(d->train_codes, codes, n_train * sizeof(size_t));
    memcpy(d->test_codes, codes + n_train, nt * sizeof(size_t));
    for (size_t k = 0; k < n; k++) {
        size_t r = sm[order[k]].label_row;
        if (k < n_train)
            d->train_rows[k] = r;
        else
            d->test_rows[k - n_train] = r;
    }
    if (s->series && nparts == 1) {
        d->n_series = parts[0].rows;
        if (!(d->series = alloc(d->n_series, sizeof(double)))) {
            st = nomem(err);
            goto done;
        }
        for (size_t i = 0; i < d->n_series; i++)
            d->series[i] = parts[0].x[i];
        if (d->target_scaled)
            st = lstmc_scaler_inverse_column(d->scaler, 0, d->series, d->series, d->n_series, err);
    }
done:
    for (unsigned p = 0; p < MAX_PARTS; p++)
        part_free(&parts[p]);
    free(sm);
    free(order);
    free(codes);
    free(x_all);
    free(y_all);
    free(raw_all);
    return st;
}

/* ------------------------------------------------------------------ */
/* State, evaluation, report, outputs                                  */
/* ------------------------------------------------------------------ */

lstmc_status lstmc_pipeline_save_state(const lstmc_pipeline_data *d, const char *dir,
                                       lstmc_error *err)
{
    char path[1200];
    lstmc_status st = LSTMC_OK;
    if (d->scaler) {
        snprintf(path, sizeof path, "%s/scaler.json", dir);
        st = lstmc_scaler_save(d->scaler, path, err);
    }
    if (st == LSTMC_OK && d->labels) {
        snprintf(path, sizeof path, "%s/labels.json", dir);
        st = lstmc_labels_save(d->labels, path, err);
    }
    if (st == LSTMC_OK && d->tokenizer) {
        snprintf(path, sizeof path, "%s/tokenizer.json", dir);
        st = lstmc_tokenizer_save(d->tokenizer, path, err);
    }
    return st;
}

void lstmc_pipeline_result_free(lstmc_pipeline_result *r)
{
    if (!r)
        return;
    free(r->pred_train);
    free(r->pred_test);
    free(r->pred_codes);
    free(r->probs);
    free(r->cm);
    free(r->per_class);
    memset(r, 0, sizeof *r);
}

static lstmc_status check_finite(const double *v, size_t n, const char *what, lstmc_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return fail(err, LSTMC_ERR_ARG, "", 0, 0,
                        "the model's prediction %zu on the %s part is %g; training diverged",
                        i + 1, what, v[i]);
    return LSTMC_OK;
}

/* The model's outputs y[n, no] as classes: codes[n] and probabilities
 * probs[n, k]. A sigmoid (binary) output p gives class 1 when p > 0.5 and
 * the probabilities (1 - p, p); softmax outputs are the probabilities and
 * the class is the first largest. */
static void decode_classes(size_t *codes, double *probs, const double *y, size_t n, size_t no,
                           size_t k, lstmc_pipeline_task task)
{
    for (size_t i = 0; i < n; i++, y += no) {
        if (task == LSTMC_TASK_BINARY) {
            codes[i] = y[0] > 0.5;
            probs[i * k] = 1.0 - y[0];
            probs[i * k + 1] = y[0];
            continue;
        }
        size_t best = 0;
        for (size_t j = 0; j < no; j++) {
            probs[i * k + j] = y[j];
            if (y[j] > y[best])
                best = j;
        }
        codes[i] = best;
    }
}

lstmc_status lstmc_pipeline_evaluate(lstmc_pipeline_result *r, const lstmc_pipeline_data *d,
                                     const lstmc_pipeline_spec *s, const double *y_train_model,
                                     const double *y_test_model, lstmc_error *err)
{
    size_t no = d->out_size, nt = d->n_test;
    lstmc_status st = check_finite(y_test_model, nt * no, "test", err);
    if (st == LSTMC_OK && y_train_model)
        st = check_finite(y_train_model, d->n_train * no, "training", err);
    if (st != LSTMC_OK)
        return st;
    if (s->task == LSTMC_TASK_REGRESSION) {
        r->regression = true;
        if (!(r->pred_test = alloc(nt, no * sizeof(double))) ||
            !(r->pred_train = alloc(d->n_train, no * sizeof(double))))
            return nomem(err);
        memcpy(r->pred_test, y_test_model, nt * no * sizeof(double));
        if (y_train_model)
            memcpy(r->pred_train, y_train_model, d->n_train * no * sizeof(double));
        if (d->target_scaled) {
            st = lstmc_scaler_inverse_column(d->scaler, 0, r->pred_test, r->pred_test, nt * no,
                                             err);
            if (st == LSTMC_OK && y_train_model)
                st = lstmc_scaler_inverse_column(d->scaler, 0, r->pred_train, r->pred_train,
                                                 d->n_train * no, err);
            if (st != LSTMC_OK)
                return st;
        }
        st = lstmc_regression_metrics_f64(&r->test, d->y_test_raw, r->pred_test, nt * no, err);
        if (st != LSTMC_OK)
            return st;
        if (d->series) {
            /* the "last value" baseline: each label predicted by the value before it */
            double sum = 0;
            for (size_t i = 0; i < nt; i++) {
                size_t row = d->test_rows[i];
                double e = d->series[row] - d->series[row - (row > 0)];
                sum += e * e;
            }
            r->baseline = sqrt(sum / (double)(nt ? nt : 1));
        } else {
            r->baseline = NAN;
        }
        return LSTMC_OK;
    }
    size_t k = d->n_classes;
    if (!(r->pred_codes = alloc(nt, sizeof(size_t))) || !(r->probs = alloc(nt, k * sizeof(double))) ||
        !(r->cm = alloc(k * k, sizeof(uint64_t))) ||
        !(r->per_class = alloc(k, sizeof(lstmc_class_scores))))
        return nomem(err);
    decode_classes(r->pred_codes, r->probs, y_test_model, nt, no, k, s->task);
    st = lstmc_confusion_matrix(r->cm, d->test_codes, r->pred_codes, nt, k, err);
    if (st == LSTMC_OK)
        st = lstmc_classification_scores(&r->scores, r->per_class, r->cm, k, err);
    if (st != LSTMC_OK)
        return st;
    /* majority class of the training part, scored on the test part */
    size_t *count = alloc(k, sizeof *count), major = 0, hits = 0;
    if (!count)
        return nomem(err);
    for (size_t i = 0; i < d->n_train; i++)
        count[d->train_codes[i]]++;
    for (size_t c = 1; c < k; c++)
        if (count[c] > count[major])
            major = c;
    for (size_t i = 0; i < nt; i++)
        hits += d->test_codes[i] == major;
    free(count);
    r->baseline = nt ? (double)hits / (double)nt : 0;
    return LSTMC_OK;
}

lstmc_status lstmc_pipeline_report(FILE *out, const lstmc_pipeline_result *r,
                                   const lstmc_pipeline_data *d, const lstmc_pipeline_spec *s,
                                   const lstmc_pipeline_history *h, lstmc_error *err)
{
    lstmc_status st = LSTMC_OK;
    fprintf(out, "\nTrained %zu epoch%s in %.2f s (%.0f samples/s) on %zu samples; tested on %zu "
                 "samples from %s\n",
            h->epochs, h->epochs == 1 ? "" : "s", h->seconds,
            h->seconds > 0 ? (double)h->samples_seen / h->seconds : 0.0,
            h->epochs ? h->samples_seen / h->epochs : d->n_train, d->n_test,
            d->test_path[0] ? d->test_path : d->path);
    if (r->regression) {
        if (s->evaluate & LSTMC_EVAL_RMSE)
            fprintf(out, "test rmse: %.4f\n", r->test.rmse);
        if (s->evaluate & LSTMC_EVAL_MAE)
            fprintf(out, "test mae:  %.4f\n", r->test.mae);
        if (s->evaluate & LSTMC_EVAL_MAPE)
            fprintf(out, "test mape: %.2f%%\n", r->test.mape);
        if (!isnan(r->baseline))
            fprintf(out, "baseline (last value) rmse: %.4f\n", r->baseline);
    } else {
        if (s->evaluate & LSTMC_EVAL_ACCURACY)
            fprintf(out, "test accuracy: %.4f\n", r->scores.accuracy);
        fprintf(out, "baseline (majority class) accuracy: %.4f\n", r->baseline);
        if (s->evaluate & LSTMC_EVAL_CONFUSION) {
            fputc('\n', out);
            st = lstmc_confusion_matrix_write(out, r->cm, d->n_classes, d->class_names, err);
        }
        if (st == LSTMC_OK && (s->evaluate & LSTMC_EVAL_REPORT)) {
            fputc('\n', out);
            st = lstmc_classification_report_write(out, &r->scores, d->class_names, 2, err);
        }
    }
    if (st == LSTMC_OK && (fflush(out) != 0 || ferror(out)))
        st = fail(err, LSTMC_ERR_IO, "", 0, 0, "cannot write the report: %s", strerror(errno));
    return st;
}

lstmc_status lstmc_pipeline_write(const char *dir, const lstmc_pipeline_result *r,
                                  const lstmc_pipeline_data *d, const lstmc_pipeline_spec *s,
                                  const lstmc_pipeline_history *h, lstmc_error *err)
{
    char path[1200];
    lstmc_status st = lstmc_make_dirs(dir, err);
    if (st != LSTMC_OK)
        return st;
    lstmc_run_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.spec = s->name;
    sum.epochs = h->epochs;
    sum.train_loss = h->epochs ? h->loss[h->epochs - 1] : NAN;
    sum.train_seconds = h->seconds;
    sum.train_samples_per_second = h->seconds > 0 ? (double)h->samples_seen / h->seconds : 0;
    sum.has_val = h->val_loss != NULL && h->epochs > 0;
    if (sum.has_val)
        sum.val_loss = h->val_loss[h->epochs - 1];
    sum.has_regression = r->regression;
    sum.test = r->test;
    sum.has_accuracy = !r->regression;
    sum.test_accuracy = r->scores.accuracy;
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    if ((st = lstmc_metrics_json_write(path, &sum, err)) != LSTMC_OK)
        return st;
    snprintf(path, sizeof path, "%s/history.csv", dir);
    if ((st = lstmc_history_csv_write(path, h->epochs, h->loss, h->val_loss, 0, NULL, NULL,
                                      err)) != LSTMC_OK)
        return st;

    lstmc_forecast fc;
    memset(&fc, 0, sizeof fc);
    bool have_fc = r->regression && d->series && d->out_size == 1 && d->n_test > 0;
    if (have_fc) {
        /* ordered split: the samples' label rows are consecutive */
        fc.series = d->series;
        fc.n_series = d->n_series;
        fc.train_pred = d->n_train ? r->pred_train : NULL;
        fc.n_train = d->n_train;
        fc.train_start = d->n_train ? d->train_rows[0] : 0;
        fc.test_pred = r->pred_test;
        fc.n_test = d->n_test;
        fc.test_start = d->test_rows[0];
        for (size_t i = 1; i < d->n_train; i++)
            have_fc &= d->train_rows[i] == d->train_rows[0] + i;
        for (size_t i = 1; i < d->n_test; i++)
            have_fc &= d->test_rows[i] == d->test_rows[0] + i;
    }
    if (s->write_predictions) {
        snprintf(path, sizeof path, "%s/predictions.csv", dir);
        if (have_fc) {
            st = lstmc_forecast_predictions_write(path, &fc, err);
        } else if (r->regression) {
            FILE *f;
            lstmc_atomic_file *af;
            if ((st = lstmc_atomic_open(&af, &f, path, err)) == LSTMC_OK) {
                fprintf(f, "index,actual,predicted\n");
                for (size_t i = 0; i < d->n_test * d->out_size; i++)
                    fprintf(f, "%zu,%.17g,%.17g\n", i, d->y_test_raw[i], r->pred_test[i]);
                st = lstmc_atomic_commit(af, err);
            }
        } else {
            st = lstmc_class_predictions_write(path, d->test_codes, r->pred_codes, r->probs,
                                               d->n_test, d->n_classes, d->class_names, err);
        }
        if (st != LSTMC_OK)
            return st;
    }
    static const struct {
        unsigned bit;
        const char *ext;
        lstmc_plot_format format;
    } formats[] = {{LSTMC_FORMAT_PNG, "png", LSTMC_PLOT_PNG}, {LSTMC_FORMAT_SVG, "svg", LSTMC_PLOT_SVG}};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        if (!(s->formats & formats[f].bit))
            continue;
        if ((s->plots & LSTMC_PLOT_FORECAST) && have_fc) {
            lstmc_plot_labels lab = {NULL, NULL, s->series};
            snprintf(path, sizeof path, "%s/forecast.%s", dir, formats[f].ext);
            if ((st = lstmc_plot_forecast(path, formats[f].format, &fc, &lab, err)) != LSTMC_OK)
                return st;
        }
        if ((s->plots & LSTMC_PLOT_CONFUSION) && !r->regression) {
            snprintf(path, sizeof path, "%s/confusion_matrix.%s", dir, formats[f].ext);
            if ((st = lstmc_plot_confusion(path, formats[f].format, r->cm, d->n_classes,
                                           d->class_names, NULL, err)) != LSTMC_OK)
                return st;
        }
        if ((s->plots & LSTMC_PLOT_LOSS) && h->epochs > 0) {
            size_t finite = 0;
            for (size_t e = 0; e < h->epochs; e++)
                finite += isfinite(h->loss[e]) != 0;
            snprintf(path, sizeof path, "%s/loss.%s", dir, formats[f].ext);
            if (finite && (st = lstmc_plot_loss(path, formats[f].format, h->loss, h->val_loss,
                                                h->epochs, NULL, err)) != LSTMC_OK)
                return st;
        }
    }
    return lstmc_pipeline_save_state(d, dir, err);
}

/* ------------------------------------------------------------------ */
/* Prediction on raw data                                              */
/* ------------------------------------------------------------------ */

/* DIR/NAME in path; an error that says what is missing when it does not
 * exist. */
static lstmc_status state_file(char *path, size_t size, const char *dir, const char *name,
                               const char *what, const lstmc_pipeline_spec *s, lstmc_error *err)
{
    snprintf(path, size, "%s/%s", dir, name);
    struct stat sb;
    if (stat(path, &sb) == 0)
        return LSTMC_OK;
    if (errno == ENOENT)
        return fail(err, LSTMC_ERR_IO, path, 0, 0,
                    "no such file; predict needs the %s that '%s train --out %s' writes there",
                    what, s->name, dir);
    return fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
}

#define NOT_THIS_SPEC "; was it written by the train of another spec?"

static lstmc_status check_scaler(const lstmc_scaler *sc, const char *path,
                                 const lstmc_pipeline_spec *s, lstmc_error *err)
{
    size_t cols = input_columns(s);
    if (lstmc_scaler_kind(sc) != s->scale_kind)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "the saved scaler is %s, but the spec's scale is %s" NOT_THIS_SPEC,
                    lstmc_scale_kind_name(lstmc_scaler_kind(sc)),
                    lstmc_scale_kind_name(s->scale_kind));
    if (lstmc_scaler_cols(sc) != cols)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "the saved scaler has %zu column%s, but the spec scales %zu" NOT_THIS_SPEC,
                    lstmc_scaler_cols(sc), lstmc_scaler_cols(sc) == 1 ? "" : "s", cols);
    double r[2];
    lstmc_scaler_feature_range(sc, r);
    if (s->scale_kind == LSTMC_SCALE_MINMAX &&
        (r[0] != s->feature_range[0] || r[1] != s->feature_range[1]))
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "the saved scaler's feature_range is [%g, %g], but the spec's is "
                    "[%g, %g]" NOT_THIS_SPEC,
                    r[0], r[1], s->feature_range[0], s->feature_range[1]);
    return LSTMC_OK;
}

static lstmc_status check_labels(const lstmc_labels *lab, size_t k, const char *path,
                                 const lstmc_pipeline_spec *s, lstmc_error *err)
{
    size_t have = lstmc_labels_count(lab);
    if (have != k)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "the saved labels have %zu classes, but the model outputs %zu" NOT_THIS_SPEC,
                    have, k);
    for (size_t c = 0; s->classes && c < k; c++)
        if (strcmp(lstmc_labels_class(lab, c), s->classes[c]) != 0)
            return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                        "saved class %zu is '%s', but the spec's labels.classes has '%s' "
                        "there" NOT_THIS_SPEC,
                        c, lstmc_labels_class(lab, c), s->classes[c]);
    return LSTMC_OK;
}

static lstmc_status check_tokenizer(const lstmc_tokenizer *t, const char *path,
                                    const lstmc_pipeline_spec *s, lstmc_error *err)
{
    lstmc_tokenizer_config have = lstmc_tokenizer_settings(t), want = tokenizer_config(s);
    const char *what = NULL;
    if (have.num_words != want.num_words)
        what = "num_words";
    else if (have.lower != want.lower)
        what = "lower";
    else if (strcmp(have.filters, want.filters) != 0)
        what = "filters";
    else if ((have.oov_token == NULL) != (want.oov_token == NULL) ||
             (have.oov_token && strcmp(have.oov_token, want.oov_token) != 0))
        what = "oov_token";
    if (what)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "the saved tokenizer's %s differs from the spec's tokenize.%s" NOT_THIS_SPEC,
                    what, what);
    return LSTMC_OK;
}

static lstmc_status load_scaler(lstmc_pipeline_data *d, const lstmc_pipeline_spec *s,
                                const char *dir, lstmc_error *err)
{
    char path[1200];
    lstmc_status st = state_file(path, sizeof path, dir, "scaler.json", "fitted scaler", s, err);
    if (st == LSTMC_OK)
        st = lstmc_scaler_load(&d->scaler, path, err);
    if (st == LSTMC_OK)
        st = check_scaler(d->scaler, path, s, err);
    d->target_scaled = s->series != NULL;
    return st;
}

static lstmc_status load_labels(lstmc_pipeline_data *d, const lstmc_pipeline_spec *s,
                                const char *dir, lstmc_error *err)
{
    size_t k = s->task == LSTMC_TASK_BINARY ? 2 : s->outputs;
    if (!s->labels_encode)
        return code_names(d, k, err);
    char path[1200];
    lstmc_status st = state_file(path, sizeof path, dir, "labels.json", "class labels", s, err);
    if (st == LSTMC_OK)
        st = lstmc_labels_load(&d->labels, path, err);
    if (st == LSTMC_OK)
        st = check_labels(d->labels, k, path, s, err);
    if (st != LSTMC_OK)
        return st;
    if (!(d->class_names = alloc(k, sizeof *d->class_names)))
        return nomem(err);
    d->n_classes = k;
    for (size_t c = 0; c < k; c++)
        d->class_names[c] = lstmc_labels_class(d->labels, c);
    return LSTMC_OK;
}

static lstmc_status load_tokenizer(lstmc_pipeline_data *d, const lstmc_pipeline_spec *s,
                                   const char *dir, lstmc_error *err)
{
    char path[1200];
    lstmc_status st =
        state_file(path, sizeof path, dir, "tokenizer.json", "fitted tokenizer", s, err);
    if (st == LSTMC_OK)
        st = lstmc_tokenizer_load(&d->tokenizer, path, err);
    if (st == LSTMC_OK)
        st = check_tokenizer(d->tokenizer, path, s, err);
    return st;
}

lstmc_status lstmc_pipeline_load_state(lstmc_pipeline_data *d, const lstmc_pipeline_spec *s,
                                       const char *dir, lstmc_error *err)
{
    char path[1200];
    bool tokens = s->samples == LSTMC_SAMPLES_TOKENS;
    d->in_size = s->timesteps * (tokens ? 1 : input_columns(s));
    d->out_size = s->outputs;
    lstmc_status st = state_file(path, sizeof path, dir, "weights.safetensors",
                                 "trained weights", s, err);
    if (st == LSTMC_OK && s->scale && !tokens)
        st = load_scaler(d, s, dir, err);
    if (st == LSTMC_OK && s->task != LSTMC_TASK_REGRESSION)
        st = load_labels(d, s, dir, err);
    if (st == LSTMC_OK && tokens)
        st = load_tokenizer(d, s, dir, err);
    return st;
}

void lstmc_pipeline_inputs_free(lstmc_pipeline_inputs *in)
{
    if (!in)
        return;
    free(in->x);
    free(in->rows);
    free(in->keys);
    free(in->actual);
    memset(in, 0, sizeof *in);
}

lstmc_status lstmc_pipeline_prepare_table(lstmc_pipeline_inputs *in,
                                          const lstmc_pipeline_data *state,
                                          const lstmc_pipeline_spec *s, const lstmc_table *t,
                                          lstmc_error *err)
{
    struct part p;
    memset(&p, 0, sizeof p);
    p.t = (lstmc_table *)t; /* only read */
    p.borrowed = true;
    struct sample *sm = NULL;
    size_t *order = NULL, n = 0;
    snprintf(in->path, sizeof in->path, "%s", lstmc_table_path(t));
    lstmc_status st = part_columns(&p, s, true, err);
    if (st != LSTMC_OK)
        goto done;
    if (!(sm = alloc(p.rows, sizeof *sm)) || !(order = alloc(p.rows, sizeof *order))) {
        st = nomem(err);
        goto done;
    }
    if ((st = make_samples(sm, &n, &p, 0, s, true, err)) != LSTMC_OK)
        goto done;
    if (n == 0) {
        st = fail(err, LSTMC_ERR_FORMAT, in->path, 0, 0, "no data rows to predict on");
        goto done;
    }
    for (size_t k = 0; k < n; k++)
        order[k] = k;
    if (state->scaler && s->samples != LSTMC_SAMPLES_TOKENS &&
        (st = scale_parts(state->scaler, &p, 1, false, err)) != LSTMC_OK)
        goto done;
    in->n = n;
    in->in_size = state->in_size;
    if (!(in->x = alloc(n, in->in_size * sizeof *in->x)) ||
        !(in->rows = alloc(n, sizeof *in->rows)) ||
        (s->samples == LSTMC_SAMPLES_GROUP && !(in->keys = alloc(n, sizeof *in->keys))) ||
        (s->series && !(in->actual = alloc(n, sizeof *in->actual)))) {
        st = nomem(err);
        goto done;
    }
    if (s->samples == LSTMC_SAMPLES_TOKENS)
        st = state->tokenizer ? encode_texts(in->x, state->tokenizer, &p, sm, order, n, s, err)
                              : fail(err, LSTMC_ERR_ARG, "", 0, 0, "no fitted tokenizer");
    else
        st = sequence_inputs(in->x, &p, sm, order, n, s, err);
    if (st != LSTMC_OK)
        goto done;
    for (size_t k = 0; k < n; k++) {
        in->rows[k] = sm[k].label_row;
        if (in->keys)
            in->keys[k] = p.ids[sm[k].first];
        if (in->actual) /* p.y: the series as read, not scaled */
            in->actual[k] = sm[k].label_row < p.rows ? p.y[sm[k].label_row] : NAN;
    }
done:
    part_free(&p);
    free(sm);
    free(order);
    return st;
}

lstmc_status lstmc_pipeline_read_table(lstmc_table **out, const char *path,
                                       const lstmc_pipeline_spec *s, lstmc_error *err)
{
    return lstmc_table_read(out, path, sheet_for(path, s), err);
}

/* Room for one line of text: the field limit and a '\r'. */
#define TEXT_LINE_CAP ((size_t)LSTMC_TABLE_MAX_FIELD + 1)

/* Reads one line of in, without its '\n', into buf[TEXT_LINE_CAP] and
 * returns its length; -1 at the end of the input. A longer line is not
 * read to its end, so a stream without line breaks cannot fill memory:
 * the length returned is then TEXT_LINE_CAP + 1, which the table's field
 * limit refuses before looking at the bytes. */
static long read_text_line(FILE *in, char *buf)
{
    size_t n = 0;
    int c;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (n == TEXT_LINE_CAP)
            return (long)TEXT_LINE_CAP + 1;
        buf[n++] = (char)c;
    }
    if (c == EOF && n == 0)
        return -1;
    return (long)n;
}

lstmc_status lstmc_pipeline_read_lines(lstmc_table **out, FILE *in, const char *path,
                                       const lstmc_pipeline_spec *s, lstmc_error *err)
{
    *out = NULL;
    if (s->samples != LSTMC_SAMPLES_TOKENS || !s->text)
        return fail(err, LSTMC_ERR_ARG, path, 0, 0, "the spec's input is not text");
    const char *names[] = {s->text};
    lstmc_status st = lstmc_table_create(out, path, NULL, 0, names, 1, err);
    char *line = st == LSTMC_OK ? malloc(TEXT_LINE_CAP) : NULL;
    if (st == LSTMC_OK && !line)
        st = nomem(err);
    long got, no = 0;
    while (st == LSTMC_OK && (got = read_text_line(in, line)) >= 0) {
        size_t len = (size_t)got;
        if (len > 0 && len <= TEXT_LINE_CAP && line[len - 1] == '\r')
            len--;
        const char *cells[] = {line};
        no++;
        st = lstmc_table_append(*out, cells, &len, no, no, err);
    }
    if (st == LSTMC_OK && ferror(in))
        st = fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
    if (st == LSTMC_OK && no == 0)
        st = fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                  "no text to predict on; expected one per line");
    free(line);
    if (st != LSTMC_OK) {
        lstmc_table_free(*out);
        *out = NULL;
    }
    return st;
}

lstmc_status lstmc_pipeline_predictions_write(FILE *out, const lstmc_pipeline_inputs *in,
                                              const lstmc_pipeline_data *state,
                                              const lstmc_pipeline_spec *s,
                                              const double *y_model, lstmc_error *err)
{
    size_t n = in->n, no = state->out_size, k = state->n_classes;
    bool regression = s->task == LSTMC_TASK_REGRESSION;
    double *val = NULL, *probs = NULL;
    size_t *codes = NULL;
    char num[LSTMC_NUMBER_SIZE];
    lstmc_status st = LSTMC_OK;
    if (regression) {
        if (!(val = alloc(n, no * sizeof *val)))
            return nomem(err);
        memcpy(val, y_model, n * no * sizeof *val);
        if (state->target_scaled &&
            (st = lstmc_scaler_inverse_column(state->scaler, 0, val, val, n * no, err)) != LSTMC_OK)
            goto done;
    } else {
        if (!(codes = alloc(n, sizeof *codes)) || !(probs = alloc(n, k * sizeof *probs))) {
            st = nomem(err);
            goto done;
        }
        decode_classes(codes, probs, y_model, n, no, k, s->task);
    }
    lstmc_csv_put_field(out, in->keys ? s->group_id : "index");
    if (regression) {
        if (in->actual)
            fputs(",actual", out);
        if (no == 1)
            fputs(",predicted", out);
        for (size_t j = 0; no > 1 && j < no; j++)
            fprintf(out, ",predicted_%zu", j);
    } else {
        fputs(",predicted", out);
        for (size_t c = 0; c < k; c++) {
            size_t len = strlen(state->class_names[c]) + 3;
            char *col = malloc(len);
            if (!col) {
                st = nomem(err);
                goto done;
            }
            snprintf(col, len, "p_%s", state->class_names[c]);
            fputc(',', out);
            lstmc_csv_put_field(out, col);
            free(col);
        }
    }
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        if (in->keys)
            lstmc_csv_put_field(out, in->keys[i]);
        else
            fprintf(out, "%zu", in->rows[i]);
        if (in->actual) {
            fputc(',', out);
            if (!isnan(in->actual[i])) {
                lstmc_format_number(num, in->actual[i]);
                fputs(num, out);
            }
        }
        if (regression) {
            for (size_t j = 0; j < no; j++) {
                lstmc_format_number(num, val[i * no + j]);
                fprintf(out, ",%s", num);
            }
        } else {
            fputc(',', out);
            lstmc_csv_put_field(out, state->class_names[codes[i]]);
            for (size_t c = 0; c < k; c++) {
                lstmc_format_number(num, probs[i * k + c]);
                fprintf(out, ",%s", num);
            }
        }
        fputc('\n', out);
    }
    if (ferror(out))
        st = fail(err, LSTMC_ERR_IO, "", 0, 0, "cannot write the predictions: %s",
                  strerror(errno ? errno : EIO));
done:
    free(val);
    free(probs);
    free(codes);
    return st;
}
