/*
 * check: the embedded model (lstmc embed) against the training program.
 *
 * Built by tests/embed/run.sh for one spec from
 *   - the training program's NAME_main.c, included here with its main()
 *     renamed, so this file runs the spec's own pipeline
 *     (lstmc_pipeline_prepare on the program's constant pipeline_spec) and
 *     the program's own predict_all(), the function behind `predict`;
 *   - NAME.c, the training program's model;
 *   - emb_model.c (lstmc embed --prefix emb) and embq_model.c
 *     (--prefix embq --quantize int8).
 *
 *   check --weights W [--data FILE] [--tolerance R]
 *
 * Checks, on the test part of the spec's data:
 *   1. every embedded float weight has the bits of the safetensors file;
 *      every int8 weight is within half a step of its float;
 *   2. emb_predict equals the program's predict within R relative
 *      (default 1e-6) for every sample: max_j |e_j - r_j| <= R max_j |r_j|,
 *      the error relative to the size of the sample's outputs (for one
 *      output, |e - r| <= R |r|; for probabilities, R against 1, since a
 *      float32 logit's rounding moves a tiny probability by a relative
 *      amount of its own); the element-wise largest relative error is
 *      printed too;
 *   3. the streaming API fed the raw rows of the data file (or the raw
 *      text), one observation at a time, gives the same outputs in the
 *      data's units, and emb_encode gives the pipeline's token ids;
 *   4. prints the test metric of the float and the int8 model.
 * Exit 0 when 1-3 hold.
 */
#define _POSIX_C_SOURCE 200809L /* as the program's own build */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define main training_program_main
#include MAIN_C
#undef main

#include "emb_model.h"
#include "embq_model.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define M(x) CAT(MODEL, x)
#define MU(x) CAT(MODEL_UP, x)

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}

/* Element-wise largest |e - r| / |r| and |e - r|; per sample the largest
 * |e_j - r_j| / max_j |r_j|, and the samples where that is above tol. */
struct err_stat {
    double max_rel, max_abs, max_sample_rel;
    size_t n, bad;
};

static void compare(struct err_stat *s, const double *e, const double *r, size_t k, double tol)
{
    double dmax = 0, rmax = 0;
    for (size_t j = 0; j < k; j++) {
        double d = fabs(e[j] - r[j]);
        double rel = r[j] != 0 ? d / fabs(r[j]) : (d == 0 ? 0 : INFINITY);
        s->max_rel = fmax(s->max_rel, rel);
        s->max_abs = fmax(s->max_abs, d);
        dmax = fmax(dmax, d);
        rmax = fmax(rmax, fabs(r[j]));
    }
    double srel = rmax > 0 ? dmax / rmax : (dmax == 0 ? 0 : INFINITY);
    s->max_sample_rel = fmax(s->max_sample_rel, srel);
    if (!(srel <= tol))
        s->bad++;
    s->n++;
}

static lstmc_table *read_table(const char *path)
{
    lstmc_table *t = NULL;
    lstmc_error err;
    memset(&err, 0, sizeof err);
    if (lstmc_table_read(&t, path, NULL, &err) != LSTMC_OK) {
        fprintf(stderr, "check: %s: %s\n", path, err.msg);
        exit(2);
    }
    return t;
}

/* Column `name` of t as numbers (the pipeline's own parser). */
static double *numbers(const lstmc_table *t, const char *name)
{
    long col = lstmc_table_column(t, name);
    double *v = malloc((lstmc_table_rows(t) + 1) * sizeof *v);
    lstmc_error err;
    memset(&err, 0, sizeof err);
    if (col < 0 || !v || lstmc_table_numbers(t, (size_t)col, v, &err) != LSTMC_OK) {
        fprintf(stderr, "check: column %s: %s\n", name, err.msg);
        exit(2);
    }
    return v;
}

static size_t argmax(const double *p, size_t k)
{
    size_t best = 0;
    for (size_t c = 1; c < k; c++)
        if (p[c] > p[best])
            best = c;
    return best;
}

int main(int argc, char **argv)
{
    const char *weights = NULL, *data = NULL;
    double tol = 1e-6;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--weights") == 0)
            weights = argv[i + 1];
        else if (strcmp(argv[i], "--data") == 0)
            data = argv[i + 1];
        else if (strcmp(argv[i], "--tolerance") == 0)
            tol = strtod(argv[i + 1], NULL);
    }
    if (!weights) {
        fprintf(stderr, "usage: check --weights W [--data FILE] [--tolerance R]\n");
        return 2;
    }
    lstmc_pipeline_spec spec = pipeline_spec;
    spec.data_override = data;
    lstmc_pipeline_data d;
    memset(&d, 0, sizeof d);
    lstmc_error err;
    memset(&err, 0, sizeof err);
    M(_ctx) *ctx = M(_create)();
    if (!ctx || lstmc_pipeline_prepare(&d, &spec, &err) != LSTMC_OK ||
        M(_load)(ctx, weights, &err) != LSTMC_OK) {
        fprintf(stderr, "check: %s: %s\n", err.path, err.msg);
        return 2;
    }
    const size_t IN = MU(_INPUT_SIZE), OUT = MU(_OUTPUT_SIZE), n = d.n_test;

    /* 1. weights */
    size_t nq = 0;
    for (size_t i = 0; i < MU(_TENSOR_COUNT); i++) {
        const M(_real) *w = ctx->params.flat + M(_tensor_offsets)[i];
        const emb_tensor *f = &emb_tensors[i];
        const embq_tensor *q = &embq_tensors[i];
        size_t count = (size_t)f->rows * f->cols;
        check(strcmp(f->name, M(_tensors)[i].name) == 0, "tensor order");
        check(memcmp(f->data, w, count * sizeof(float)) == 0, "float weights bit for bit");
        for (size_t k = 0; k < count; k++) {
            float v = q->data ? q->data[k] : 0;
            double step = 0;
            if (!q->data) {
                int rows = strstr(q->name, "/embeddings") != NULL;
                float s = q->scale[rows ? k / q->cols : k % q->cols];
                v = s * (float)q->q[k];
                step = s;
                nq++;
            }
            if (!(fabs((double)v - (double)w[k]) <= step / 2 + 1e-6 * fabs((double)w[k]))) {
                check(0, "int8 weight within half a step");
                break;
            }
        }
    }

    /* 2. whole-sequence predictions against the program's predict */
    M(_real) *xt = to_real(d.x_test, n * IN);
    double *ref = predict_all(ctx, xt, n);
    float *e = malloc((n + 1) * OUT * sizeof *e), *eq = malloc((n + 1) * OUT * sizeof *eq);
    if (!xt || !ref || !e || !eq)
        return 2;
    struct err_stat st = {0, 0, 0, 0, 0};
    for (size_t k = 0; k < n; k++) {
        float xf[MU(_INPUT_SIZE)];
        for (size_t j = 0; j < IN; j++)
            xf[j] = (float)xt[k * IN + j];
        emb_predict(xf, e + k * OUT);
        embq_predict(xf, eq + k * OUT);
        double ed[MU(_OUTPUT_SIZE)];
        for (size_t j = 0; j < OUT; j++)
            ed[j] = e[k * OUT + j];
        compare(&st, ed, ref + k * OUT, OUT, tol);
    }
    printf("predict: %zu test samples, max rel error %.3g per sample, %.3g per element, max "
           "abs error %.3g\n", st.n, st.max_sample_rel, st.max_rel, st.max_abs);
    check(st.bad == 0, "predict within the tolerance");

    /* 3. streaming from raw values, in the data's units */
    struct err_stat ss = {0, 0, 0, 0, 0};
    size_t streamed = 0;
    double *ref_units = malloc((n + 1) * OUT * sizeof *ref_units);
    memcpy(ref_units, ref, n * OUT * sizeof *ref);
    if (d.target_scaled)
        lstmc_scaler_inverse_column(d.scaler, 0, ref_units, ref_units, n * OUT, NULL);
#ifdef EMB_LENGTH
    {
        lstmc_table *t = read_table(d.test_path[0] ? d.test_path : d.path);
        long tc = lstmc_table_column(t, spec.text);
        emb_state *s = malloc(sizeof *s);
        size_t same_ids = 0;
        for (size_t k = 0; k < n; k++) {
            const char *text = lstmc_table_cell(t, d.test_rows[k], (size_t)tc);
            float ids[EMB_LENGTH];
            double y[EMB_OUTPUTS];
            check(emb_encode(text, strlen(text), ids) >= 0, "encode");
            size_t j = 0;
            while (j < IN && ids[j] == xt[k * IN + j])
                j++;
            same_ids += j == IN;
            emb_reset(s);
            check(emb_step_text(s, text, strlen(text)) == 0, "step_text");
            check(emb_output(s, y) == 0, "output");
            compare(&ss, y, ref_units + k * OUT, OUT, tol);
            streamed++;
        }
        printf("encode: %zu of %zu texts give the pipeline's ids\n", same_ids, n);
        check(same_ids == n, "encode equals the pipeline's tokenizer and padding");
        free(s);
        lstmc_table_free(t);
    }
#else
    {
        lstmc_table *t = read_table(d.path);
        size_t nx = spec.series ? 1 : spec.n_features, rows = lstmc_table_rows(t);
        double **cols = malloc(nx * sizeof *cols);
        for (size_t c = 0; c < nx; c++)
            cols[c] = numbers(t, spec.series ? spec.series : spec.features[c]);
        emb_state *s = malloc(sizeof *s);
        size_t *list = malloc((rows + 1) * sizeof *list);
        for (size_t k = 0; k < n; k++) {
            size_t lr = d.test_rows[k], m = 0;
            if (spec.samples == LSTMC_SAMPLES_WINDOW) {
                size_t first = lr + (spec.window_label == LSTMC_WINDOW_LAST) - EMB_TIMESTEPS;
                for (size_t r = first; r < first + EMB_TIMESTEPS; r++)
                    list[m++] = r;
            } else {
                /* a group: its rows, in the order of the order column */
                long ic = lstmc_table_column(t, spec.group_id);
                double *ord = numbers(t, spec.group_order);
                const char *id = lstmc_table_cell(t, lr, (size_t)ic);
                for (size_t r = lr; r < rows && strcmp(lstmc_table_cell(t, r, (size_t)ic), id) == 0;
                     r++) {
                    size_t j = m++;
                    while (j > 0 && ord[list[j - 1]] > ord[r]) {
                        list[j] = list[j - 1];
                        j--;
                    }
                    list[j] = r;
                }
                free(ord);
            }
            double y[EMB_OUTPUTS];
            emb_reset(s);
            for (size_t i = 0; i < m; i++) {
                double x[EMB_FEATURES];
                for (size_t c = 0; c < nx; c++)
                    x[c] = cols[c][list[i]];
                emb_step(s, x);
            }
            check(emb_output(s, y) == 0, "output");
            compare(&ss, y, ref_units + k * OUT, OUT, tol);
            streamed++;
        }
        free(list);
        free(s);
        for (size_t c = 0; c < nx; c++)
            free(cols[c]);
        free(cols);
        lstmc_table_free(t);
    }
#endif
    printf("streaming: %zu test samples from the raw data, max rel error %.3g per sample, %.3g "
           "per element, max abs error %.3g\n", streamed, ss.max_sample_rel, ss.max_rel,
           ss.max_abs);
    check(ss.bad == 0, "streaming within the tolerance");

    /* 4. the test metric, float and int8 */
    if (spec.task == LSTMC_TASK_REGRESSION) {
        double *uf = malloc((n + 1) * OUT * sizeof *uf), *uq = malloc((n + 1) * OUT * sizeof *uq);
        double sf = 0, sq = 0, dmax = 0;
        for (size_t k = 0; k < n * OUT; k++) {
            uf[k] = e[k];
            uq[k] = eq[k];
        }
        if (d.target_scaled) {
            lstmc_scaler_inverse_column(d.scaler, 0, uf, uf, n * OUT, NULL);
            lstmc_scaler_inverse_column(d.scaler, 0, uq, uq, n * OUT, NULL);
        }
        for (size_t k = 0; k < n * OUT; k++) {
            sf += (uf[k] - d.y_test_raw[k]) * (uf[k] - d.y_test_raw[k]);
            sq += (uq[k] - d.y_test_raw[k]) * (uq[k] - d.y_test_raw[k]);
            dmax = fmax(dmax, fabs(uq[k] - uf[k]));
        }
        printf("metric: test rmse float %.6g, int8 %.6g (max |int8 - float| %.4g)\n",
               sqrt(sf / (double)(n * OUT)), sqrt(sq / (double)(n * OUT)), dmax);
        free(uf);
        free(uq);
    } else {
        size_t af = 0, aq = 0, agree = 0;
        double dmax = 0;
        for (size_t k = 0; k < n; k++) {
            double pf[EMB_OUTPUT_SIZE], pq[EMB_OUTPUT_SIZE];
            for (size_t j = 0; j < OUT; j++) {
                pf[j] = e[k * OUT + j];
                pq[j] = eq[k * OUT + j];
                dmax = fmax(dmax, fabs(pq[j] - pf[j]));
            }
            size_t cf = OUT == 1 ? pf[0] >= 0.5 : argmax(pf, OUT);
            size_t cq = OUT == 1 ? pq[0] >= 0.5 : argmax(pq, OUT);
            af += cf == d.test_codes[k];
            aq += cq == d.test_codes[k];
            agree += cf == cq;
        }
        printf("metric: test accuracy float %.4f, int8 %.4f (same class %zu of %zu, max |int8 - "
               "float| %.4g)\n", (double)af / (double)n, (double)aq / (double)n, agree, n, dmax);
    }
    printf("weights: float %d bytes, int8 %d bytes (%zu int8 values)\n", EMB_WEIGHT_BYTES,
           EMBQ_WEIGHT_BYTES, nq);
    free(xt);
    free(ref);
    free(ref_units);
    free(e);
    free(eq);
    M(_destroy)(ctx);
    lstmc_pipeline_data_free(&d);
    printf("%s\n", failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
