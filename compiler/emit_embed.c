/*
 * emit_embed: `lstmc embed` writes a trained model as inference-only C99
 * for a product: PREFIX_model.h (the API and its documentation) and
 * PREFIX_model.c (the weights as static const arrays, the forward pass,
 * the streaming functions and the spec's preprocessing).
 *
 * The weights come from the training's safetensors file and the fitted
 * preprocessing from the JSON files the pipeline wrote beside it; both are
 * read with the runtime's own readers, so what is embedded is what
 * training used. Floats are printed as hex literals, so every weight comes
 * back bit for bit.
 *
 * The forward pass runs one time step of every layer that sees the
 * sequence before the next step (for LSTM stacks this is the same
 * arithmetic as layer after layer), so it needs one h and c per LSTM and
 * one gates buffer, not [T, U] activations. Every product sums in the order
 * of the generated training code's batch-1 loops (bias first, then the
 * input terms, then the recurrent terms, in index order) and the
 * activations are the training code's own float formulas (its e^x, sigmoid
 * and tanh, not libm's), so where the training program's products do not
 * go through BLAS (batch_size 1) the embedded model predicts bit for bit
 * as it does, on any IEEE target compiled without contracting a * b + c.
 *
 * Streaming: a spec whose output is one value per step (the last layer
 * returns sequences) carries the LSTM state from step to step; any other
 * keeps the last TIMESTEPS observations (already prepared) and runs the
 * whole window when an output is asked for, padding as the pipeline pads.
 */
#include "emit_embed.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit_act.h"
#include "lstmc.h"
#include "printer.h"

#define LL(v) ((long long)(v))

enum stream_mode {
    STREAM_WINDOW,   /* the last T observations; an output needs T of them */
    STREAM_PADDED,   /* up to T observations, padded as the pipeline pads */
    STREAM_CARRIED   /* LSTM state carried from step to step */
};

/* One member of PREFIX_scratch: count floats. */
struct field {
    char name[IR_NAME_MAX + 8];
    long long count;
    char note[96];
};

#define MAX_FIELDS (3 * 256 + 8)

struct ee {
    struct printer *p;
    const struct ir_model *m;
    const struct pipeline *pl;   /* NULL without a pipeline */
    const struct embed_options *o;
    char n[80];                  /* prefix of every symbol */
    char up[80];                 /* upper-case prefix of constants */
    bool q;                      /* int8 weights */
    long long T, F, O, OS;       /* steps, features, outputs per step, output steps */
    enum stream_mode mode;
    int pad, trunc;              /* enum pad_side for STREAM_PADDED */
    /* weights, per tensor */
    float **w;
    int8_t **qv;                 /* int8: values [size] */
    float **qs;                  /* int8: scales [per output channel] */
    uint64_t weights_hash;
    const char *weights_base;
    /* scaling of the inputs (and of a series' target) */
    bool scaled, target_scaled;
    int scale_kind;              /* enum scale_kind */
    double *center, *width, range_a, range_b;
    /* tokenizer */
    lstmc_tokenizer *tok;
    /* classes */
    char **classes;
    size_t nclasses;
    /* the scratch struct */
    struct field fields[MAX_FIELDS];
    int nfields;
    long long scratch_floats;
    long long state_floats, state_words;
};

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static bool is_c_keyword(const char *s)
{
    static const char *const kw[] = {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
        "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
        "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
        "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
        "_Complex", "_Imaginary", "main"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strcmp(s, kw[i]) == 0)
            return true;
    return false;
}

bool embed_prefix_ok(const char *s)
{
    size_t n = strlen(s);
    /* a letter first: upper-cased, the prefix starts the header's macros,
     * and names starting with '_' and a capital letter are reserved in C */
    if (n == 0 || n > 63 || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return false;
    return !is_c_keyword(s) && strncmp(s, "lstmc_", 6) != 0;
}

/* A float as a C hex literal: exact, so the weight comes back bit for bit. */
static const char *hexf(char buf[48], float v)
{
    snprintf(buf, 48, "%af", (double)v);
    return buf;
}

static const char *dlit(char buf[40], double v)
{
    return c_real(buf, v, false);
}

static uint64_t fnv1a64(const unsigned char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static bool read_file(const char *path, unsigned char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        size_t k = fread(b + n, 1, cap - n, f);
        n += k;
        if (n < cap)
            break;
        unsigned char *nb = realloc(b, cap * 2);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    bool ok = b && !ferror(f);
    fclose(f);
    if (!ok) {
        free(b);
        return false;
    }
    *buf = b;
    *len = n;
    return true;
}

/* dir/name where dir is the directory of path. */
static void beside(char *out, size_t size, const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(out, size, "%.*s/%s", (int)(slash - path), path, name);
    else
        snprintf(out, size, "%s", name);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static void rt_error(FILE *err, const char *path, const lstmc_error *e, lstmc_status st)
{
    const char *file = e->path[0] ? e->path : path;
    if (e->msg[0])
        fprintf(err, "lstmc: error: %s: %s\n", file, e->msg);
    else
        fprintf(err, "lstmc: error: %s: %s\n", file, lstmc_status_string(st));
}

/* ------------------------------------------------------------------ */
/* Loading the weights and the fitted preprocessing                    */

static bool load_weights(struct ee *e, FILE *err)
{
    const struct ir_model *m = e->m;
    const char *path = e->o->weights;
    int n = m->ntensors;
    lstmc_tensor_desc *desc = calloc((size_t)n + 1, sizeof *desc);
    void **data = calloc((size_t)n + 1, sizeof *data);
    e->w = calloc((size_t)n + 1, sizeof *e->w);
    bool ok = desc && data && e->w;
    for (int i = 0; ok && i < n; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        desc[i].name = t->name;
        desc[i].dtype = LSTMC_F32;
        desc[i].rank = (size_t)t->rank;
        desc[i].shape[0] = (size_t)t->shape[0];
        desc[i].shape[1] = (size_t)t->shape[1];
        /* room for doubles, in case the file holds F64 */
        ok = (data[i] = calloc((size_t)t->size, sizeof(double))) != NULL &&
             (e->w[i] = calloc((size_t)t->size, sizeof(float))) != NULL;
    }
    if (!ok) {
        fprintf(err, "lstmc: error: out of memory\n");
        goto fail;
    }
    lstmc_meta meta = {LSTMC_META_MODEL, m->name};
    lstmc_error le;
    memset(&le, 0, sizeof le);
    lstmc_status st = lstmc_weights_load(path, desc, (size_t)n, data, &meta, 1, &le);
    bool f64 = false;
    if (st == LSTMC_ERR_FORMAT) {
        /* weights of a model built with --dtype f64 */
        lstmc_error le2;
        memset(&le2, 0, sizeof le2);
        for (int i = 0; i < n; i++)
            desc[i].dtype = LSTMC_F64;
        if (lstmc_weights_load(path, desc, (size_t)n, data, &meta, 1, &le2) == LSTMC_OK) {
            st = LSTMC_OK;
            f64 = true;
        }
    }
    if (st != LSTMC_OK) {
        rt_error(err, path, &le, st);
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        for (int64_t k = 0; k < t->size; k++) {
            float v = f64 ? (float)((double *)data[i])[k] : ((float *)data[i])[k];
            if (!isfinite(v)) {
                fprintf(err, "lstmc: error: %s: tensor '%s' holds a value that is not finite "
                        "(element %lld); these weights cannot be embedded\n",
                        path, t->name, LL(k));
                goto fail;
            }
            e->w[i][k] = v;
        }
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (read_file(path, &bytes, &len)) {
        e->weights_hash = fnv1a64(bytes, len);
        free(bytes);
    }
    for (int i = 0; i < n; i++)
        free(data[i]);
    free(data);
    free(desc);
    return true;
fail:
    for (int i = 0; data && i < n; i++)
        free(data[i]);
    free(data);
    free(desc);
    return false;
}

/* Per output channel (a kernel's column, an embedding's row): scale =
 * max |w| / 127, q = round(w / scale). */
static bool quantize(struct ee *e, FILE *err)
{
    const struct ir_model *m = e->m;
    e->qv = calloc((size_t)m->ntensors + 1, sizeof *e->qv);
    e->qs = calloc((size_t)m->ntensors + 1, sizeof *e->qs);
    if (!e->qv || !e->qs)
        goto nomem;
    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        if (t->kind == TENSOR_BIAS)
            continue;
        bool rows = t->kind == TENSOR_EMBEDDINGS;
        int64_t R = t->shape[0], C = t->shape[1], nch = rows ? R : C;
        e->qv[i] = malloc((size_t)t->size);
        e->qs[i] = calloc((size_t)nch, sizeof(float));
        if (!e->qv[i] || !e->qs[i])
            goto nomem;
        for (int64_t ch = 0; ch < nch; ch++) {
            float mx = 0;
            for (int64_t k = 0; k < (rows ? C : R); k++) {
                float v = fabsf(e->w[i][rows ? ch * C + k : k * C + ch]);
                mx = v > mx ? v : mx;
            }
            float s = mx > 0 ? mx / 127.0f : 1.0f;
            e->qs[i][ch] = s;
            for (int64_t k = 0; k < (rows ? C : R); k++) {
                int64_t at = rows ? ch * C + k : k * C + ch;
                float r = roundf(e->w[i][at] / s);
                e->qv[i][at] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
            }
        }
    }
    return true;
nomem:
    fprintf(err, "lstmc: error: out of memory\n");
    return false;
}

static bool load_scaler(struct ee *e, FILE *err)
{
    char path[4096];
    if (e->o->scaler)
        snprintf(path, sizeof path, "%s", e->o->scaler);
    else
        beside(path, sizeof path, e->o->weights, "scaler.json");
    lstmc_scaler *s = NULL;
    lstmc_error le;
    memset(&le, 0, sizeof le);
    lstmc_status st = lstmc_scaler_load(&s, path, &le);
    if (st != LSTMC_OK) {
        rt_error(err, path, &le, st);
        fprintf(err, "lstmc: note: the spec scales its inputs, so embed needs the fitted scaler "
                "training wrote beside the weights (or give --scaler FILE)\n");
        return false;
    }
    bool ok = true;
    int want = e->pl->scale == SCALE_MINMAX ? LSTMC_SCALE_MINMAX : LSTMC_SCALE_STANDARD;
    if ((int)lstmc_scaler_kind(s) != want) {
        fprintf(err, "lstmc: error: %s: a %s scaler, but the spec scales with %s\n", path,
                lstmc_scale_kind_name(lstmc_scaler_kind(s)),
                lstmc_scale_kind_name((lstmc_scale_kind)want));
        ok = false;
    } else if ((long long)lstmc_scaler_cols(s) != e->F) {
        fprintf(err, "lstmc: error: %s: the scaler has %zu columns, but the model reads %lld "
                "features per step\n", path, lstmc_scaler_cols(s), e->F);
        ok = false;
    }
    if (ok) {
        double range[2];
        lstmc_scaler_feature_range(s, range);
        e->range_a = want == LSTMC_SCALE_MINMAX ? range[0] : 0.0;
        e->range_b = want == LSTMC_SCALE_MINMAX ? range[1] : 1.0;
        e->center = calloc((size_t)e->F, sizeof *e->center);
        e->width = calloc((size_t)e->F, sizeof *e->width);
        ok = e->center && e->width;
        for (long long j = 0; ok && j < e->F; j++)
            ok = lstmc_scaler_column(s, (size_t)j, &e->center[j], &e->width[j]) == LSTMC_OK;
        if (!ok)
            fprintf(err, "lstmc: error: %s: cannot read the scaler's columns\n", path);
    }
    lstmc_scaler_destroy(s);
    e->scaled = ok;
    e->scale_kind = e->pl->scale;
    e->target_scaled = ok && e->pl->series != NULL;
    return ok;
}

static bool load_tokenizer(struct ee *e, FILE *err)
{
    char path[4096];
    if (e->o->tokenizer)
        snprintf(path, sizeof path, "%s", e->o->tokenizer);
    else
        beside(path, sizeof path, e->o->weights, "tokenizer.json");
    lstmc_error le;
    memset(&le, 0, sizeof le);
    lstmc_status st = lstmc_tokenizer_load(&e->tok, path, &le);
    if (st != LSTMC_OK) {
        rt_error(err, path, &le, st);
        fprintf(err, "lstmc: note: the spec tokenizes text, so embed needs the vocabulary "
                "training wrote beside the weights (or give --tokenizer FILE)\n");
        return false;
    }
    lstmc_tokenizer_config c = lstmc_tokenizer_settings(e->tok);
    if ((long long)c.num_words != e->pl->num_words) {
        fprintf(err, "lstmc: error: %s: the tokenizer keeps %zu words (num_words), but the "
                "spec says %lld\n", path, c.num_words, LL(e->pl->num_words));
        return false;
    }
    return true;
}

/* Class names: labels.json beside the weights, else the spec's classes,
 * else the codes "0" .. "k-1" (labels.encode false). */
static bool load_classes(struct ee *e, FILE *err)
{
    size_t k = e->m->spec->training.loss == LOSS_BINARY_CROSSENTROPY ? 2 : (size_t)e->O;
    char path[4096];
    if (e->o->labels)
        snprintf(path, sizeof path, "%s", e->o->labels);
    else
        beside(path, sizeof path, e->o->weights, "labels.json");
    e->classes = calloc(k, sizeof *e->classes);
    if (!e->classes)
        return fprintf(err, "lstmc: error: out of memory\n"), false;
    e->nclasses = k;
    if (e->pl && e->pl->labels_encode && (e->o->labels || file_exists(path))) {
        lstmc_labels *lab = NULL;
        lstmc_error le;
        memset(&le, 0, sizeof le);
        lstmc_status st = lstmc_labels_load(&lab, path, &le);
        if (st != LSTMC_OK) {
            rt_error(err, path, &le, st);
            return false;
        }
        if (lstmc_labels_count(lab) != k) {
            fprintf(err, "lstmc: error: %s: %zu classes, but the model outputs %zu\n", path,
                    lstmc_labels_count(lab), k);
            lstmc_labels_destroy(lab);
            return false;
        }
        for (size_t c = 0; c < k; c++)
            e->classes[c] = strdup(lstmc_labels_class(lab, c));
        lstmc_labels_destroy(lab);
    } else if (e->pl && e->pl->classes.n == k) {
        for (size_t c = 0; c < k; c++)
            e->classes[c] = strdup(e->pl->classes.items[c]);
    } else {
        for (size_t c = 0; c < k; c++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%zu", c);
            e->classes[c] = strdup(buf);
        }
    }
    for (size_t c = 0; c < k; c++)
        if (!e->classes[c])
            return fprintf(err, "lstmc: error: out of memory\n"), false;
    return true;
}

/* ------------------------------------------------------------------ */
/* The scratch struct: one list for its declaration and its size       */

static void add_field(struct ee *e, const char *name, long long count, const char *note)
{
    struct field *f = &e->fields[e->nfields++];
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->note, sizeof f->note, "%s", note);
    f->count = count;
    e->scratch_floats += count;
}

static void plan_scratch(struct ee *e)
{
    const struct ir_model *m = e->m;
    long long maxg = 0;
    char nm[IR_NAME_MAX + 8], note[96];
    for (int i = 0; i < m->nlayers; i++) {
        const struct layer *l = m->layers[i].l;
        if (l->kind == LAYER_LSTM) {
            snprintf(nm, sizeof nm, "%s_h", l->name);
            snprintf(note, sizeof note, "%s: h, the hidden state", l->name);
            add_field(e, nm, l->units, note);
            snprintf(nm, sizeof nm, "%s_c", l->name);
            snprintf(note, sizeof note, "%s: c, the cell state", l->name);
            add_field(e, nm, l->units, note);
            maxg = 4 * l->units > maxg ? 4 * l->units : maxg;
        } else if (l->kind == LAYER_DENSE) {
            snprintf(nm, sizeof nm, "%s_out", l->name);
            snprintf(note, sizeof note, "%s: its output", l->name);
            add_field(e, nm, l->units, note);
        } else if (l->kind == LAYER_EMBEDDING && e->q) {
            add_field(e, "embedded", l->units, "the token's embedding row, dequantised");
        }
    }
    if (maxg > 0)
        add_field(e, "gates", maxg, "one LSTM step's gates i, f, c, o");
    if (maxg > 0 && e->q)
        add_field(e, "acc", maxg, "int8 products before their scales");
}

/* ------------------------------------------------------------------ */
/* Weights                                                             */

static void emit_values(struct ee *e, const float *v, int64_t n)
{
    char line[1024], buf[48];
    size_t len = 0;
    for (int64_t k = 0; k < n; k++) {
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%s,", len ? " " : "",
                                hexf(buf, v[k]));
        if ((k + 1) % 6 == 0 || k + 1 == n) {
            pr(e->p, "%s", line);
            len = 0;
        }
    }
}

static void emit_q_values(struct ee *e, const int8_t *v, int64_t n)
{
    char line[1024];
    size_t len = 0;
    for (int64_t k = 0; k < n; k++) {
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%d,", len ? " " : "", v[k]);
        if ((k + 1) % 16 == 0 || k + 1 == n) {
            pr(e->p, "%s", line);
            len = 0;
        }
    }
}

static long long weight_bytes(const struct ee *e)
{
    long long b = 0;
    for (int i = 0; i < e->m->ntensors; i++) {
        const struct ir_tensor *t = &e->m->tensors[i];
        if (e->q && t->kind != TENSOR_BIAS)
            b += t->size + 4 * (t->kind == TENSOR_EMBEDDINGS ? t->shape[0] : t->shape[1]);
        else
            b += 4 * t->size;
    }
    return b;
}

static void emit_weights(struct ee *e)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        long long R = t->shape[0], C = t->shape[1];
        bool q = e->q && t->kind != TENSOR_BIAS;
        bool rows = t->kind == TENSOR_EMBEDDINGS;
        if (t->rank == 1) {
            pr(p, "/* %s [%lld] */", t->name, R);
            pr(p, "static const float %s_%s[%lld] = {", e->n, t->cname, R);
            emit_values(e, e->w[i], t->size);
            pr(p, "};");
            pr_blank(p);
            continue;
        }
        if (q) {
            pr(p, "/* %s [%lld, %lld], int8 with one scale per %s */", t->name, R, C,
               rows ? "row" : "column");
            pr(p, "static const int8_t %s_%s[%lld][%lld] = {", e->n, t->cname, R, C);
        } else {
            pr(p, "/* %s [%lld, %lld] */", t->name, R, C);
            pr(p, "static const float %s_%s[%lld][%lld] = {", e->n, t->cname, R, C);
        }
        for (long long r = 0; r < R; r++) {
            pr(p, "{");
            if (q)
                emit_q_values(e, e->qv[i] + r * C, C);
            else
                emit_values(e, e->w[i] + r * C, C);
            pr(p, "},");
        }
        pr(p, "};");
        if (q) {
            long long nch = rows ? R : C;
            pr(p, "static const float %s_%s_scale[%lld] = {", e->n, t->cname, nch);
            emit_values(e, e->qs[i], nch);
            pr(p, "};");
        }
        pr_blank(p);
    }
    pr(p, "const %s_tensor %s_tensors[%s_TENSOR_COUNT] = {", e->n, e->n, e->up);
    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        bool q = e->q && t->kind != TENSOR_BIAS;
        char at[IR_NAME_MAX + 100];
        if (t->rank == 1)
            snprintf(at, sizeof at, "%s_%s", e->n, t->cname);
        else
            snprintf(at, sizeof at, "&%s_%s[0][0]", e->n, t->cname);
        if (q)
            pr(p, "{\"%s\", NULL, %s, %s_%s_scale, %lld, %lld},", t->name, at, e->n, t->cname,
               LL(t->shape[0]), LL(t->rank > 1 ? t->shape[1] : 1));
        else
            pr(p, "{\"%s\", %s, NULL, NULL, %lld, %lld},", t->name, at, LL(t->shape[0]),
               LL(t->rank > 1 ? t->shape[1] : 1));
    }
    pr(p, "};");
    pr_blank(p);
}

/* ------------------------------------------------------------------ */
/* The forward pass                                                    */

/* The activations with the training program's formulas (emit_act.c), not
 * libm's tanhf and expf: the same bits, and the same on every target. The
 * union pun for 2^k keeps <string.h> out of the embedded code. */
static void emit_activations(struct ee *e)
{
    struct printer *p = e->p;
    unsigned used = 0;
    for (int i = 0; i < e->m->nlayers; i++) {
        const struct layer *l = e->m->layers[i].l;
        if (l->kind == LAYER_LSTM)
            used |= 1u << l->activation | 1u << l->recurrent_activation;
        if (l->kind == LAYER_DENSE && l->activation != ACT_SOFTMAX && l->activation != ACT_LINEAR)
            used |= 1u << l->activation;
    }
    if (used & (1u << ACT_SIGMOID | 1u << ACT_TANH))
        emit_f32_exp(p, e->n, false, true);
    for (int a = 0; a < ACTIVATION_COUNT; a++) {
        if (!(used & (1u << a)) || a == ACT_SOFTMAX)
            continue;
        pr(p, "static float %s_act_%s(float x)", e->n, activation_name(a));
        pr(p, "{");
        switch (a) {
        case ACT_LINEAR: pr(p, "return x;"); break;
        case ACT_RELU: pr(p, "return x > 0 ? x : 0;"); break;
        case ACT_TANH:
            emit_f32_tanh_body(p, e->n);
            break;
        case ACT_SIGMOID:
            emit_f32_sigmoid_body(p, e->n);
            break;
        case ACT_HARD_SIGMOID:
            pr(p, "const float y = 0.2f * x + 0.5f;");
            pr(p, "return y < 0 ? 0 : y > 1 ? 1 : y;");
            break;
        }
        pr(p, "}");
        pr_blank(p);
    }
}

static void trace(struct ee *e, int i, const char *what)
{
    const struct ir_layer *x = &e->m->layers[i];
    pr(e->p, "/* %s: %s (%s:%d) */", x->l->name, what, e->m->spec_path, x->line);
}

/* g[0..n) = bias + in[0..K) x kernel (acc: g += in x kernel), summing in
 * the training code's order: bias, then the terms of k = 0, 1, ... The
 * first row initialises g, so there is no copy or clearing loop (which a
 * compiler may turn into a memcpy or memset call). */
static void emit_product(struct ee *e, const char *g, long long n, const char *in, long long K,
                         const char *kernel, const char *bias, bool acc)
{
    struct printer *p = e->p;
    const char *cast = e->q ? "(float)" : "";
    const char *sum = e->q && acc ? "w->acc" : g;
    if (!e->q && acc) {
        pr(p, "for (size_t k = 0; k < %lld; k++) {", K);
    } else {
        pr(p, "{");
        pr(p, "const float a = %s[0];", in);
        pr(p, "for (size_t j = 0; j < %lld; j++)", n);
        if (bias && !e->q)
            pr(p, "    %s[j] = %s[j] + a * %s[0][j];", sum, bias, kernel);
        else
            pr(p, "    %s[j] = a * %s%s[0][j];", sum, cast, kernel);
        pr(p, "}");
        if (K == 1)
            goto scale;
        pr(p, "for (size_t k = 1; k < %lld; k++) {", K);
    }
    pr(p, "const float a = %s[k];", in);
    pr(p, "for (size_t j = 0; j < %lld; j++)", n);
    pr(p, "    %s[j] += a * %s%s[k][j];", sum, cast, kernel);
    pr(p, "}");
scale:
    if (!e->q)
        return;
    /* int8: the sum in float, then one scale per output column */
    pr(p, "for (size_t j = 0; j < %lld; j++)", n);
    if (acc)
        pr(p, "    %s[j] += %s_scale[j] * %s[j];", g, kernel, sum);
    else if (bias)
        pr(p, "    %s[j] = %s[j] + %s_scale[j] * %s[j];", g, bias, kernel, sum);
    else
        pr(p, "    %s[j] = %s_scale[j] * %s[j];", g, kernel, sum);
}

static void tensor_name(char *buf, size_t size, const struct ee *e, int t)
{
    if (t < 0)
        buf[0] = '\0';
    else
        snprintf(buf, size, "%s_%s", e->n, e->m->tensors[t].cname);
}

static void emit_lstm(struct ee *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const struct layer *l = x->l;
    long long F = x->in_features, U = l->units, G = 4 * U;
    char k[IR_NAME_MAX + 90], rk[IR_NAME_MAX + 90], b[IR_NAME_MAX + 90], s[128];
    tensor_name(k, sizeof k, e, x->tensor[TENSOR_KERNEL]);
    tensor_name(rk, sizeof rk, e, x->tensor[TENSOR_RECURRENT_KERNEL]);
    tensor_name(b, sizeof b, e, x->tensor[TENSOR_BIAS]);
    snprintf(s, sizeof s, "LSTM, %lld units, one step", U);
    trace(e, i, s);
    pr(p, "static void %s_%s_step(%s_scratch *w, const float *x, int first)", e->n, l->name, e->n);
    pr(p, "{");
    pr(p, "float *g = w->gates; /* [%lld]: i, f, c, o */", G);
    pr(p, "float *h = w->%s_h; /* [%lld] */", l->name, U);
    pr(p, "float *c = w->%s_c; /* [%lld] */", l->name, U);
    pr(p, "/* g = bias + x[%lld] x kernel[%lld, %lld] */", F, F, G);
    emit_product(e, "g", G, "x", F, k, b[0] ? b : NULL, false);
    pr(p, "if (!first) {");
    pr(p, "/* g += h[t-1][%lld] x recurrent_kernel[%lld, %lld] */", U, U, G);
    emit_product(e, "g", G, "h", U, rk, NULL, true);
    pr(p, "}");
    const char *act = activation_name(l->activation);
    const char *ract = activation_name(l->recurrent_activation);
    pr(p, "for (size_t j = 0; j < %lld; j++) {", U);
    pr(p, "const float ig = %s_act_%s(g[j]);", e->n, ract);
    pr(p, "const float fg = %s_act_%s(g[%lld + j]);", e->n, ract, U);
    pr(p, "const float gg = %s_act_%s(g[%lld + j]);", e->n, act, 2 * U);
    pr(p, "const float og = %s_act_%s(g[%lld + j]);", e->n, ract, 3 * U);
    pr(p, "const float prev = first ? 0 : c[j];");
    pr(p, "c[j] = fg * prev + ig * gg;");
    pr(p, "h[j] = og * %s_act_%s(c[j]);", e->n, act);
    pr(p, "}");
    pr(p, "}");
    pr_blank(p);
}

static void emit_dense(struct ee *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const struct layer *l = x->l;
    long long I = x->in_features, O = l->units;
    char k[IR_NAME_MAX + 90], b[IR_NAME_MAX + 90], s[128];
    tensor_name(k, sizeof k, e, x->tensor[TENSOR_KERNEL]);
    tensor_name(b, sizeof b, e, x->tensor[TENSOR_BIAS]);
    snprintf(s, sizeof s, "Dense, %lld units, %s", O, activation_name(l->activation));
    trace(e, i, s);
    pr(p, "static void %s_%s_forward(const float *x, float *z)", e->n, l->name);
    pr(p, "{");
    pr(p, "/* z[%lld] = bias + x[%lld] x kernel[%lld, %lld] */", O, I, I, O);
    emit_product(e, "z", O, "x", I, k, b[0] ? b : NULL, false);
    if (l->activation == ACT_SOFTMAX) {
        pr(p, "float mx = z[0], sum = 0;");
        pr(p, "for (size_t j = 1; j < %lld; j++)", O);
        pr(p, "    mx = z[j] > mx ? z[j] : mx;");
        pr(p, "for (size_t j = 0; j < %lld; j++) {", O);
        pr(p, "z[j] = expf(z[j] - mx);");
        pr(p, "sum += z[j];");
        pr(p, "}");
        pr(p, "for (size_t j = 0; j < %lld; j++)", O);
        pr(p, "    z[j] /= sum;");
    } else if (l->activation != ACT_LINEAR) {
        pr(p, "for (size_t j = 0; j < %lld; j++)", O);
        pr(p, "    z[j] = %s_act_%s(z[j]);", e->n, activation_name(l->activation));
    }
    pr(p, "}");
    pr_blank(p);
}

static void emit_embedding(struct ee *e, int i)
{
    struct printer *p = e->p;
    const struct ir_layer *x = &e->m->layers[i];
    const struct ir_tensor *t = &e->m->tensors[x->tensor[TENSOR_EMBEDDINGS]];
    long long V = t->shape[0], D = t->shape[1];
    char s[128];
    snprintf(s, sizeof s, "Embedding of %lld ids to %lld dimensions", V, D);
    trace(e, i, s);
    pr(p, "static const float *%s_%s_row(%s_scratch *w, float id)", e->n, x->l->name, e->n);
    pr(p, "{");
    pr(p, "/* ids outside [0, %lld) read as 0, as in the training program */", V);
    pr(p, "const size_t r = id >= 0 && id < %lld.0f ? (size_t)id : 0;", V);
    if (e->q) {
        pr(p, "for (size_t j = 0; j < %lld; j++)", D);
        pr(p, "    w->embedded[j] = %s_%s_scale[r] * (float)%s_%s[r][j];", e->n, t->cname, e->n,
           t->cname);
        pr(p, "return w->embedded;");
    } else {
        pr(p, "(void)w;");
        pr(p, "return %s_%s[r];", e->n, t->cname);
    }
    pr(p, "}");
    pr_blank(p);
}

/* The chain of layers: those that see the sequence run in PREFIX_advance
 * once per step, the rest in PREFIX_finish. cur is the C expression of the
 * current value. The model's last layer, when a Dense, writes the output
 * itself (y or out); otherwise a loop copies it there. */
static void emit_passes(struct ee *e)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const char *N = e->n;
    char cur[IR_NAME_MAX + 32] = "x";
    int i = 0, last = m->nlayers - 1;
    while (last > 0 && (m->layers[last].l->kind == LAYER_DROPOUT ||
                        m->layers[last].l->kind == LAYER_SPATIAL_DROPOUT1D))
        last--;
    bool dense_last = m->layers[last].l->kind == LAYER_DENSE;
    const char *dest = m->out_seq ? "y" : "out";
    if (m->out_seq) {
        pr(p, "/* One time step of every layer; first: t = 0. y: the step's output [%lld]. */",
           e->O);
        pr(p, "static void %s_advance(%s_scratch *w, const float *x, int first, float *y)", N, N);
    } else {
        pr(p, "/* One time step of every layer that sees the sequence; first: t = 0. */");
        pr(p, "static void %s_advance(%s_scratch *w, const float *x, int first)", N, N);
    }
    pr(p, "{");
    bool uses_first = false, uses_w = false;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            if (!uses_first)
                pr(p, "(void)first;");
            if (strcmp(cur, "x") == 0)
                pr(p, "(void)x;");
            if (m->out_seq && !dense_last) {
                pr(p, "for (size_t j = 0; j < %lld; j++)", e->O);
                pr(p, "    y[j] = %s[j];", cur);
            }
            if (!uses_w)
                pr(p, "(void)w;");
            pr(p, "}");
            pr_blank(p);
            if (m->out_seq)
                break;
            pr(p, "/* The layers after the sequence, then the output [%lld]. */", e->O);
            pr(p, "static void %s_finish(%s_scratch *w, float *out)", N, N);
            pr(p, "{");
            uses_w = false;
        }
        for (; i < m->nlayers && (pass == 1 || m->layers[i].in_seq); i++) {
            const struct layer *l = m->layers[i].l;
            switch (l->kind) {
            case LAYER_EMBEDDING:
                pr(p, "const float *%s = %s_%s_row(w, x[0]);", l->name, N, l->name);
                snprintf(cur, sizeof cur, "%s", l->name);
                uses_w = true;
                break;
            case LAYER_LSTM:
                pr(p, "%s_%s_step(w, %s, first);", N, l->name, cur);
                snprintf(cur, sizeof cur, "w->%s_h", l->name);
                uses_first = uses_w = true;
                break;
            case LAYER_DENSE:
                if (i == last) {
                    pr(p, "%s_%s_forward(%s, %s);", N, l->name, cur, dest);
                } else {
                    pr(p, "%s_%s_forward(%s, w->%s_out);", N, l->name, cur, l->name);
                    snprintf(cur, sizeof cur, "w->%s_out", l->name);
                    uses_w = true;
                }
                break;
            default:
                pr(p, "/* %s: %s, nothing at inference */", l->name, layer_class_name(l->kind));
                break;
            }
        }
    }
    if (!m->out_seq) {
        if (!dense_last) {
            pr(p, "for (size_t j = 0; j < %lld; j++)", e->O);
            pr(p, "    out[j] = %s[j];", cur);
        }
        if (!uses_w && dense_last)
            pr(p, "(void)w;");
        pr(p, "}");
        pr_blank(p);
    }
}

/* ------------------------------------------------------------------ */
/* Preprocessing                                                       */

static void emit_scaling(struct ee *e)
{
    struct printer *p = e->p;
    const char *N = e->n, *U = e->up;
    char a[40], b[40], c[40], w[40];
    if (e->scaled) {
        pr(p, "/* %s scaling fitted on the training part (scaler.json), in double as the",
           e->scale_kind == SCALE_MINMAX ? "minmax" : "standard");
        pr(p, " * pipeline computes it: x' = (x - center) / width * (b - a) + a. */");
    } else {
        pr(p, "/* The spec does not scale its inputs: the values are used as they are. */");
    }
    pr(p, "void %s_scale_input(const double raw[%s_FEATURES], float x[%s_FEATURES])", N, U, U);
    pr(p, "{");
    for (long long j = 0; j < e->F; j++) {
        if (e->scaled)
            pr(p, "x[%lld] = (float)((raw[%lld] - %s) / %s * %s + %s);", j, j,
               dlit(c, e->center[j]), dlit(w, e->width[j]), dlit(b, e->range_b - e->range_a),
               dlit(a, e->range_a));
        else
            pr(p, "x[%lld] = (float)raw[%lld];", j, j);
    }
    pr(p, "}");
    pr_blank(p);
    if (e->target_scaled)
        pr(p, "/* The inverse of the target's (the series') scaling. */");
    else
        pr(p, "/* The outputs are not scaled: the values as they are. */");
    pr(p, "void %s_unscale_output(const float y[%s_OUTPUTS], double raw[%s_OUTPUTS])", N, U, U);
    pr(p, "{");
    for (long long j = 0; j < e->O; j++) {
        if (e->target_scaled)
            pr(p, "raw[%lld] = ((double)y[%lld] - %s) / %s * %s + %s;", j, j, dlit(a, e->range_a),
               dlit(b, e->range_b - e->range_a), dlit(w, e->width[0]), dlit(c, e->center[0]));
        else
            pr(p, "raw[%lld] = (double)y[%lld];", j, j);
    }
    pr(p, "}");
    pr_blank(p);
}

struct vword {
    const char *s;
    size_t len;
    size_t id;
};

static int cmp_vword(const void *a, const void *b)
{
    const struct vword *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static size_t vocab_size(const struct ee *e)
{
    lstmc_tokenizer_config c = lstmc_tokenizer_settings(e->tok);
    size_t nw = lstmc_tokenizer_word_count(e->tok);
    size_t last = nw + (lstmc_tokenizer_oov_index(e->tok) ? 1 : 0);
    if (c.num_words > 0 && c.num_words - 1 < last)
        last = c.num_words - 1;
    return last;
}

static bool emit_tokenizer(struct ee *e, FILE *err)
{
    struct printer *p = e->p;
    const char *N = e->n, *U = e->up;
    lstmc_tokenizer_config c = lstmc_tokenizer_settings(e->tok);
    size_t oov = lstmc_tokenizer_oov_index(e->tok);
    /* the words of index 1 .. num_words-1 (the others give oov or nothing) */
    size_t last = vocab_size(e);
    struct vword *v = calloc(last + 1, sizeof *v);
    if (!v) {
        fprintf(err, "lstmc: error: out of memory\n");
        return false;
    }
    size_t nv = 0, bytes = 0;
    for (size_t id = 1; id <= last; id++) {
        size_t len = 0;
        const char *s = lstmc_tokenizer_word(e->tok, id, &len);
        if (!s)
            continue;
        v[nv++] = (struct vword){s, len, id};
        bytes += len;
    }
    qsort(v, nv, sizeof *v, cmp_vword);

    /* separators: ' ' and the filters, ASCII through a table, others by code point */
    unsigned char sep[128] = {0};
    uint32_t wide[256];
    size_t nwide = 0;
    sep[' '] = 1;
    for (const unsigned char *f = (const unsigned char *)c.filters; *f;) {
        uint32_t cp;
        size_t k;
        if (*f < 0x80) {
            cp = *f;
            k = 1;
        } else if (*f < 0xE0) {
            cp = (uint32_t)(f[0] & 0x1F) << 6 | (f[1] & 0x3F);
            k = 2;
        } else if (*f < 0xF0) {
            cp = (uint32_t)(f[0] & 0x0F) << 12 | (uint32_t)(f[1] & 0x3F) << 6 | (f[2] & 0x3F);
            k = 3;
        } else {
            cp = (uint32_t)(f[0] & 0x07) << 18 | (uint32_t)(f[1] & 0x3F) << 12 |
                 (uint32_t)(f[2] & 0x3F) << 6 | (f[3] & 0x3F);
            k = 4;
        }
        if (cp < 0x80)
            sep[cp] = 1;
        else if (nwide < sizeof wide / sizeof wide[0])
            wide[nwide++] = cp;
        else {
            fprintf(err, "lstmc: error: the tokenizer has more than 256 non-ASCII filters\n");
            free(v);
            return false;
        }
        f += k;
    }
    qsort(wide, nwide, sizeof *wide, cmp_u32);

    const char *idt = last < 65536 ? "uint16_t" : "uint32_t";
    pr(p, "/* ------------------------------------------------------------------ */");
    pr(p, "/* The tokenizer: Keras' Tokenizer(num_words=%zu, lower=%s) with the      */",
       c.num_words, c.lower ? "True" : "False");
    pr(p, "/* trained vocabulary, then pad_sequences(maxlen=%lld, padding='%s',      */", e->T,
       e->pad == PAD_PRE ? "pre" : "post");
    pr(p, "/* truncating='%s').                                                    */",
       e->trunc == PAD_PRE ? "pre" : "post");
    pr(p, "/* ------------------------------------------------------------------ */");
    pr_blank(p);
    pr(p, "/* 1 for the ASCII characters that separate words (' ' and the filters),");
    pr(p, " * after lower-casing */");
    pr(p, "static const unsigned char %s_sep[128] = {", N);
    {
        char line[256];
        size_t len = 0;
        for (int b = 0; b < 128; b++) {
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%d,", len ? " " : "", sep[b]);
            if ((b + 1) % 32 == 0) {
                pr(p, "%s", line);
                len = 0;
            }
        }
    }
    pr(p, "};");
    pr_blank(p);
    if (nwide > 0) {
        pr(p, "/* the non-ASCII filters' code points, sorted */");
        pr(p, "static const uint32_t %s_wide_sep[%zu] = {", N, nwide);
        for (size_t k = 0; k < nwide; k++)
            pr(p, "0x%lx,", (unsigned long)wide[k]);
        pr(p, "};");
        pr_blank(p);
    }
    pr(p, "/* The %zu words of index 1 .. %zu in byte order: word k is", nv, last);
    pr(p, " * %s_vocab_text[%s_vocab_start[k] .. %s_vocab_start[k + 1]) and has index", N, N, N);
    pr(p, " * %s_vocab_id[k]. */", N);
    pr(p, "static const unsigned char %s_vocab_text[%zu] = {", N, bytes ? bytes : 1);
    {
        char line[256];
        size_t len = 0, at = 0;
        for (size_t k = 0; k < nv; k++)
            for (size_t b = 0; b < v[k].len; b++) {
                len += (size_t)snprintf(line + len, sizeof line - len, "%s%u,", len ? " " : "",
                                        (unsigned char)v[k].s[b]);
                if (++at % 20 == 0 || at == bytes) {
                    pr(p, "%s", line);
                    len = 0;
                }
            }
        if (bytes == 0)
            pr(p, "0,");
    }
    pr(p, "};");
    pr(p, "static const uint32_t %s_vocab_start[%zu] = {", N, nv + 1);
    {
        char line[256];
        size_t len = 0, at = 0;
        for (size_t k = 0; k <= nv; k++) {
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%zu,", len ? " " : "", at);
            if (k < nv)
                at += v[k].len;
            if ((k + 1) % 12 == 0 || k == nv) {
                pr(p, "%s", line);
                len = 0;
            }
        }
    }
    pr(p, "};");
    pr(p, "static const %s %s_vocab_id[%zu] = {", idt, N, nv ? nv : 1);
    {
        char line[256];
        size_t len = 0;
        for (size_t k = 0; k < nv; k++) {
            len += (size_t)snprintf(line + len, sizeof line - len, "%s%zu,", len ? " " : "", v[k].id);
            if ((k + 1) % 12 == 0 || k + 1 == nv) {
                pr(p, "%s", line);
                len = 0;
            }
        }
        if (nv == 0)
            pr(p, "0,");
    }
    pr(p, "};");
    pr_blank(p);
    free(v);

    pr(p, "static unsigned char %s_lower(unsigned char c)", N);
    pr(p, "{");
    if (c.lower)
        pr(p, "return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;");
    else
        pr(p, "return c;");
    pr(p, "}");
    pr_blank(p);
    pr(p, "/* The length of the valid UTF-8 prefix of s[0..n) (Python's rules). */");
    pr(p, "static size_t %s_utf8_valid(const unsigned char *s, size_t n)", N);
    pr(p, "{");
    pr(p, "size_t i = 0;");
    pr(p, "while (i < n) {");
    pr(p, "const unsigned c = s[i];");
    pr(p, "size_t k;");
    pr(p, "unsigned lo = 0x80, hi = 0xBF;");
    pr(p, "if (c < 0x80) {");
    pr(p, "i++;");
    pr(p, "continue;");
    pr(p, "}");
    pr(p, "if (c >= 0xC2 && c <= 0xDF) {");
    pr(p, "k = 1;");
    pr(p, "} else if (c >= 0xE0 && c <= 0xEF) {");
    pr(p, "k = 2;");
    pr(p, "lo = c == 0xE0 ? 0xA0 : 0x80;");
    pr(p, "hi = c == 0xED ? 0x9F : 0xBF;");
    pr(p, "} else if (c >= 0xF0 && c <= 0xF4) {");
    pr(p, "k = 3;");
    pr(p, "lo = c == 0xF0 ? 0x90 : 0x80;");
    pr(p, "hi = c == 0xF4 ? 0x8F : 0xBF;");
    pr(p, "} else {");
    pr(p, "return i;");
    pr(p, "}");
    pr(p, "if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)");
    pr(p, "    return i;");
    pr(p, "for (size_t j = 2; j <= k; j++)");
    pr(p, "    if ((s[i + j] & 0xC0) != 0x80)");
    pr(p, "        return i;");
    pr(p, "i += k + 1;");
    pr(p, "}");
    pr(p, "return n;");
    pr(p, "}");
    pr_blank(p);
    pr(p, "/* The length of the separator at s (valid UTF-8), 0 if none starts there. */");
    pr(p, "static size_t %s_sep_len(const unsigned char *s)", N);
    pr(p, "{");
    pr(p, "if (s[0] < 0x80)");
    pr(p, "    return %s_sep[%s_lower(s[0])];", N, N);
    if (nwide == 0) {
        pr(p, "return 0;");
    } else {
        pr(p, "if ((s[0] & 0xC0) != 0xC0)");
        pr(p, "    return 0;");
        pr(p, "uint32_t cp;");
        pr(p, "size_t k;");
        pr(p, "if (s[0] < 0xE0) {");
        pr(p, "cp = (uint32_t)(s[0] & 0x1F) << 6 | (uint32_t)(s[1] & 0x3F);");
        pr(p, "k = 2;");
        pr(p, "} else if (s[0] < 0xF0) {");
        pr(p, "cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (uint32_t)(s[2] & 0x3F);");
        pr(p, "k = 3;");
        pr(p, "} else {");
        pr(p, "cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |");
        pr(p, "     (uint32_t)(s[2] & 0x3F) << 6 | (uint32_t)(s[3] & 0x3F);");
        pr(p, "k = 4;");
        pr(p, "}");
        pr(p, "size_t lo = 0, hi = %zu;", nwide);
        pr(p, "while (lo < hi) {");
        pr(p, "const size_t mid = lo + (hi - lo) / 2;");
        pr(p, "if (%s_wide_sep[mid] == cp)", N);
        pr(p, "    return k;");
        pr(p, "if (%s_wide_sep[mid] < cp)", N);
        pr(p, "    lo = mid + 1;");
        pr(p, "else");
        pr(p, "    hi = mid;");
        pr(p, "}");
        pr(p, "return 0;");
    }
    pr(p, "}");
    pr_blank(p);
    pr(p, "/* The index of the word w[0..n) (lower-cased on the fly), %s",
       oov ? "else the oov_token's" : "-1 if it is dropped");
    pr(p, " * (unknown, or beyond num_words). */");
    pr(p, "static int32_t %s_word_id(const unsigned char *w, size_t n)", N);
    pr(p, "{");
    pr(p, "size_t lo = 0, hi = %zu;", nv);
    pr(p, "while (lo < hi) {");
    pr(p, "const size_t mid = lo + (hi - lo) / 2;");
    pr(p, "const unsigned char *v = %s_vocab_text + %s_vocab_start[mid];", N, N);
    pr(p, "const size_t m = %s_vocab_start[mid + 1] - %s_vocab_start[mid];", N, N);
    pr(p, "int c = 0;");
    pr(p, "for (size_t i = 0; i < n && i < m && c == 0; i++) {");
    pr(p, "const unsigned char a = %s_lower(w[i]);", N);
    pr(p, "c = a < v[i] ? -1 : a > v[i] ? 1 : 0;");
    pr(p, "}");
    pr(p, "if (c == 0)");
    pr(p, "    c = n < m ? -1 : n > m ? 1 : 0;");
    pr(p, "if (c == 0)");
    pr(p, "    return (int32_t)%s_vocab_id[mid];", N);
    pr(p, "if (c > 0)");
    pr(p, "    lo = mid + 1;");
    pr(p, "else");
    pr(p, "    hi = mid;");
    pr(p, "}");
    pr(p, "return %lld;", oov ? LL(oov) : -1LL);
    pr(p, "}");
    pr_blank(p);
    pr(p, "/* The next token id of s[*pos..n) (valid UTF-8) into *id; 0 at the end. */");
    pr(p, "static int %s_next_token(const unsigned char *s, size_t n, size_t *pos, int32_t *id)", N);
    pr(p, "{");
    pr(p, "size_t i = *pos;");
    pr(p, "for (;;) {");
    pr(p, "size_t k;");
    pr(p, "while (i < n && (k = %s_sep_len(s + i)) > 0)", N);
    pr(p, "    i += k;");
    pr(p, "if (i >= n) {");
    pr(p, "*pos = n;");
    pr(p, "return 0;");
    pr(p, "}");
    pr(p, "const size_t start = i;");
    pr(p, "while (i < n && %s_sep_len(s + i) == 0)", N);
    pr(p, "    i++;");
    pr(p, "*id = %s_word_id(s + start, i - start);", N);
    pr(p, "if (*id >= 0) {");
    pr(p, "*pos = i;");
    pr(p, "return 1;");
    pr(p, "}");
    pr(p, "}");
    pr(p, "}");
    pr_blank(p);
    pr(p, "static void %s_reverse(float *a, size_t i, size_t j)", N);
    pr(p, "{");
    pr(p, "while (i + 1 < j) {");
    pr(p, "const float t = a[i];");
    pr(p, "a[i++] = a[--j];");
    pr(p, "a[j] = t;");
    pr(p, "}");
    pr(p, "}");
    pr_blank(p);
    pr(p, "int %s_encode(const char *text, size_t len, float ids[%s_LENGTH])", N, U);
    pr(p, "{");
    pr(p, "const unsigned char *s = (const unsigned char *)text;");
    pr(p, "const size_t L = %s_LENGTH;", U);
    pr(p, "size_t pos = 0, n = 0;");
    pr(p, "int32_t id;");
    pr(p, "if (%s_utf8_valid(s, len) != len)", N);
    pr(p, "    return -1;");
    pr(p, "while (%s_next_token(s, len, &pos, &id)) {", N);
    if (e->trunc == PAD_PRE) {
        pr(p, "ids[n %% L] = (float)id; /* a ring: the last L stay */");
    } else {
        pr(p, "if (n < L)");
        pr(p, "    ids[n] = (float)id; /* the first L stay */");
    }
    pr(p, "n++;");
    pr(p, "}");
    pr(p, "const size_t kept = n < L ? n : L;");
    if (e->trunc == PAD_PRE) {
        pr(p, "if (n > L) { /* rotate the ring so its oldest id comes first */");
        pr(p, "%s_reverse(ids, 0, n %% L);", N);
        pr(p, "%s_reverse(ids, n %% L, L);", N);
        pr(p, "%s_reverse(ids, 0, L);", N);
        pr(p, "}");
    }
    /* the padding (0), in loops a compiler does not turn into memset */
    if (e->pad == PAD_PRE) {
        pr(p, "for (size_t i = L; i-- > 0;)");
        pr(p, "    ids[i] = i >= L - kept ? ids[i - (L - kept)] : 0;");
    } else {
        pr(p, "for (size_t i = 0; i < L; i++)");
        pr(p, "    ids[i] = i < kept ? ids[i] : 0;");
    }
    pr(p, "return (int)kept;");
    pr(p, "}");
    pr_blank(p);
    (void)U;
    return true;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

static void header_comment(struct ee *e, const char *version, const char *what)
{
    struct printer *p = e->p;
    pr(p, "/*");
    pr(p, " * %s_model: %s", e->n, what);
    pr(p, " *");
    pr(p, " * generated by lstmc %s from %s (fnv1a64 %016llx)", version, e->m->spec_path,
       (unsigned long long)e->m->spec_hash);
    char *wb = c_escape(e->weights_base, true);
    pr(p, " * and the weights %s (fnv1a64 %016llx);", wb ? wb : "?",
       (unsigned long long)e->weights_hash);
    free(wb);
    pr(p, " * options: --prefix %s --quantize %s; do not edit", e->n, e->q ? "int8" : "none");
    pr(p, " */");
}

/* A list of the spec's column names for the documentation. */
static void columns_text(char *buf, size_t size, const struct ee *e)
{
    buf[0] = '\0';
    const struct pipeline *pl = e->pl;
    size_t len = 0;
    if (pl && pl->series) {
        char *s = c_escape(pl->series, true);
        snprintf(buf, size, "\"%s\"", s ? s : "?");
        free(s);
        return;
    }
    for (size_t k = 0; pl && k < pl->features.n && len + 8 < size; k++) {
        char *s = c_escape(pl->features.items[k], true);
        len += (size_t)snprintf(buf + len, size - len, "%s\"%s\"", k ? ", " : "", s ? s : "?");
        free(s);
    }
}

static void model_summary(char *buf, size_t size, const struct ee *e)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < e->m->nlayers && len + 40 < size; i++) {
        const struct layer *l = e->m->layers[i].l;
        const char *arrow = i ? " -> " : "";
        switch (l->kind) {
        case LAYER_EMBEDDING:
            len += (size_t)snprintf(buf + len, size - len, "%sEmbedding(%lld)", arrow, LL(l->units));
            break;
        case LAYER_LSTM:
            len += (size_t)snprintf(buf + len, size - len, "%sLSTM(%lld%s)", arrow, LL(l->units),
                                    l->return_sequences ? ", sequences" : "");
            break;
        case LAYER_DENSE:
            len += (size_t)snprintf(buf + len, size - len, "%sDense(%lld, %s)", arrow, LL(l->units),
                                    activation_name(l->activation));
            break;
        default:
            break;
        }
    }
}

static long long state_bytes(const struct ee *e)
{
    return 4 * (e->state_floats + e->state_words + e->scratch_floats);
}

static void emit_doc(struct ee *e)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const struct pipeline *pl = e->pl;
    const char *N = e->n, *U = e->up;
    int loss = m->spec->training.loss;
    char cols[1024], sum[1024];
    columns_text(cols, sizeof cols, e);
    model_summary(sum, sizeof sum, e);
    pr(p, "/*");
    pr(p, " * The model: %s", sum);
    pr(p, " *");
    pr(p, " * Plain C99 for any target: no heap, no stdio, no mutable global state;");
    pr(p, " * it needs <math.h> (fabsf, copysignf, expf; link with -lm), <stddef.h> and");
    pr(p, " * <stdint.h>. Every object is the caller's; every size is a constant below.");
    pr(p, " *");
    pr(p, " * INPUT  one sample is %s_INPUT_SIZE floats, [%s_TIMESTEPS][%s_FEATURES]", U, U, U);
    pr(p, " *        time-major, as the model sees it (after the spec's preprocessing):");
    if (m->tokens) {
        pr(p, " *        %lld token ids (as floats): a text's words as the tokenizer", e->T);
        pr(p, " *        numbers them, padded to that length.");
        if (e->tok) {
            char *t = pl->text ? c_escape(pl->text, true) : NULL;
            pr(p, " *        %s_encode() makes them from raw text (column \"%s\").", N,
               t ? t : "?");
            free(t);
        }
    } else if (pl && pl->present) {
        pr(p, " *        per step the column%s %s%s.", (pl->series || pl->features.n == 1) ? "" : "s",
           cols, e->scaled ? ", scaled as in training (raw units: the data file's)" : "");
        if (pl->grouped)
            pr(p, " *        A sequence is a group's rows in order, padded '%s' with zeros.",
               pl->group_padding == PAD_PRE ? "pre" : "post");
        else if (pl->windowed)
            pr(p, " *        A sample is %lld consecutive rows.", LL(pl->window_length));
    } else {
        pr(p, " *        %lld steps of %lld features.", e->T, e->F);
    }
    pr(p, " * OUTPUT %s_OUTPUT_SIZE floats, [%s_OUTPUT_STEPS][%s_OUTPUTS]:", U, U, U);
    if (loss == LOSS_CATEGORICAL_CROSSENTROPY) {
        pr(p, " *        the probability of each of the %s_CLASSES classes (softmax),", U);
        pr(p, " *        in the order of %s_class_name().", N);
    } else if (loss == LOSS_BINARY_CROSSENTROPY) {
        char *c1 = c_escape(e->classes[1], true);
        pr(p, " *        the probability of class \"%s\" (sigmoid; %s_class_name(1)).",
           c1 ? c1 : "?", N);
        free(c1);
    } else if (pl && pl->series) {
        pr(p, " *        the %s value of %s%s.",
           pl->window_label == LABEL_NEXT ? "next" : "last window row's", cols,
           e->target_scaled ? " (scaled)" : "");
        if (e->target_scaled)
            pr(p, " *        %s_unscale_output() gives it in the data's units.", N);
    } else if (pl && pl->target) {
        char *t = c_escape(pl->target, true);
        pr(p, " *        the model's estimate of the column \"%s\".", t ? t : "?");
        free(t);
    } else {
        pr(p, " *        the model's outputs.");
    }
    pr(p, " *");
    pr(p, " * WHOLE SEQUENCE");
    pr(p, " *   %s_predict(in, out)               one sample; uses %s_PREDICT_STACK", N, U);
    pr(p, " *                                        bytes of stack (one %s_scratch)", N);
    pr(p, " *   %s_predict_with(&scratch, in, out) the same in the caller's scratch", N);
    pr(p, " *");
    pr(p, " * STREAMING (one observation at a time, in the data's units)");
    pr(p, " *   %s_state s;                        %s_STATE_BYTES bytes", N, U);
    pr(p, " *   %s_reset(&s);", N);
    if (m->tokens)
        pr(p, " *   %s_step(&s, id);                   one token id%s%s%s", N,
           e->tok ? "; or " : "", e->tok ? N : "", e->tok ? "_step_text(&s, text, len)" : "");
    else
        pr(p, " *   %s_step(&s, x);                    x: %s_FEATURES doubles", N, U);
    pr(p, " *   if (%s_output(&s, y) == 0) ...     y: %s_OUTPUTS doubles%s", N, U,
       e->target_scaled ? ", unscaled" : "");
    switch (e->mode) {
    case STREAM_WINDOW:
        pr(p, " *   The state keeps the last %lld observations (prepared); output runs", e->T);
        pr(p, " *   the model over them (%lld steps) and returns the number still", e->T);
        pr(p, " *   missing (0 when y was written).");
        break;
    case STREAM_PADDED:
        pr(p, " *   The state keeps %s %lld observations (prepared); output runs the",
           e->trunc == PAD_PRE ? "the last" : "the first", e->T);
        pr(p, " *   model over them padded '%s' with zeros, as training padded; it",
           e->pad == PAD_PRE ? "pre" : "post");
        pr(p, " *   returns 0.");
        break;
    case STREAM_CARRIED:
        pr(p, " *   Each step runs one time step of the model, carrying the LSTM state;");
        pr(p, " *   output gives that step's output (returns 1 before the first step).");
        break;
    }
    pr(p, " *");
    pr(p, " * PREPROCESSING");
    pr(p, " *   %s_scale_input(raw, x)   one observation, data units -> model input", N);
    pr(p, " *   %s_unscale_output(y, raw) model output -> data units", N);
    if (e->tok) {
        pr(p, " *   %s_encode(text, len, ids) raw UTF-8 text -> %s_LENGTH ids (the trained", N, U);
        pr(p, " *                     vocabulary, then padding); returns the number of");
        pr(p, " *                     words kept, or -1 if the text is not valid UTF-8");
        pr(p, " *   %s_predict_text(text, len, out) both steps and the model", N);
    }
    if (e->classes)
        pr(p, " *   %s_class_name(k)          the name of class k (NULL past the last)", N);
    pr(p, " *");
    pr(p, " * MEMORY (bytes; see docs/embedding.md for measured sizes)");
    pr(p, " *   weights (flash, const):  %s_WEIGHT_BYTES", U);
    if (e->tok)
        pr(p, " *   vocabulary (flash):      %s_VOCAB_BYTES", U);
    pr(p, " *   %s_scratch (RAM):   %s_SCRATCH_BYTES", N, U);
    pr(p, " *   %s_state (RAM):     %s_STATE_BYTES, the scratch included", N, U);
    pr(p, " *   %s_predict stack:   %s_PREDICT_STACK", N, U);
    pr(p, " * The functions are reentrant: objects of several threads or models do not");
    pr(p, " * interact.");
    pr(p, " */");
}

static void emit_header(struct ee *e, const char *version)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const char *N = e->n, *U = e->up;
    header_comment(e, version, "the API of the embedded model (inference only)");
    pr(p, "#ifndef %s_MODEL_H", U);
    pr(p, "#define %s_MODEL_H", U);
    pr_blank(p);
    pr(p, "#include <stddef.h>");
    pr(p, "#include <stdint.h>");
    pr_blank(p);
    emit_doc(e);
    pr_blank(p);
    pr(p, "#define %s_TIMESTEPS %lld", U, e->T);
    pr(p, "#define %s_FEATURES %lld%s", U, e->F, m->tokens ? " /* one token id per step */" : "");
    if (m->tokens) {
        pr(p, "#define %s_LENGTH %lld /* token ids per text */", U, e->T);
        pr(p, "#define %s_VOCAB %lld", U, LL(m->spec->model.vocab));
    }
    pr(p, "#define %s_INPUT_SIZE %lld /* floats per sample */", U, e->T * e->F);
    pr(p, "#define %s_OUTPUT_STEPS %lld", U, e->OS);
    pr(p, "#define %s_OUTPUTS %lld /* per step */", U, e->O);
    pr(p, "#define %s_OUTPUT_SIZE %lld /* floats per sample */", U, e->OS * e->O);
    if (e->classes)
        pr(p, "#define %s_CLASSES %zu", U, e->nclasses);
    pr(p, "#define %s_PARAM_COUNT %lld", U, LL(m->param_count));
    pr(p, "#define %s_TENSOR_COUNT %d", U, m->ntensors);
    pr(p, "#define %s_WEIGHT_BYTES %lld /* %s */", U, weight_bytes(e),
       e->q ? "int8 values, float scales and biases" : "float");
    if (e->tok) {
        size_t nv = vocab_size(e), bytes = 0, nw = 0;
        for (size_t id = 1; id <= nv; id++) {
            size_t len = 0;
            if (lstmc_tokenizer_word(e->tok, id, &len)) {
                bytes += len;
                nw++;
            }
        }
        pr(p, "#define %s_VOCAB_BYTES %zu /* %zu words */", U,
           (bytes ? bytes : 1) + 4 * (nw + 1) + (nv < 65536 ? 2 : 4) * (nw ? nw : 1), nw);
    }
    pr(p, "#define %s_SCRATCH_BYTES %lld", U, 4 * e->scratch_floats);
    pr(p, "#define %s_STATE_BYTES %lld", U, state_bytes(e));
    pr(p, "#define %s_PREDICT_STACK %lld /* about: the scratch and a few locals */", U,
       4 * e->scratch_floats + 64);
    pr_blank(p);
    pr(p, "/* Everything one pass of the model writes. */");
    pr(p, "typedef struct %s_scratch {", N);
    for (int k = 0; k < e->nfields; k++)
        pr(p, "float %s[%lld]; /* %s */", e->fields[k].name, e->fields[k].count, e->fields[k].note);
    if (e->nfields == 0)
        pr(p, "float unused[1];");
    pr(p, "} %s_scratch;", N);
    pr_blank(p);
    pr(p, "/* A stream's state: start it with %s_reset. */", N);
    pr(p, "typedef struct %s_state {", N);
    if (e->mode == STREAM_CARRIED) {
        pr(p, "float out[%lld]; /* the output of the last step */", e->O);
        pr(p, "uint32_t count; /* steps taken (stops at 0xffffffff) */");
    } else {
        pr(p, "float window[%lld][%lld]; /* prepared observations, a ring */", e->T, e->F);
        pr(p, "uint32_t count; /* observations so far (stops at 0xffffffff) */");
        pr(p, "uint32_t next; /* the ring position of the next one */");
    }
    pr(p, "%s_scratch scratch;", N);
    pr(p, "} %s_state;", N);
    pr_blank(p);
    pr(p, "/* A weight tensor under its Keras name, for tools that check or inspect");
    pr(p, " * the weights: data (float) or q (int8, times scale[column], or scale[row]");
    pr(p, " * for an embedding), row-major [rows][cols]. */");
    pr(p, "typedef struct %s_tensor {", N);
    pr(p, "const char *name;");
    pr(p, "const float *data;");
    pr(p, "const int8_t *q;");
    pr(p, "const float *scale;");
    pr(p, "uint32_t rows, cols;");
    pr(p, "} %s_tensor;", N);
    pr(p, "extern const %s_tensor %s_tensors[%s_TENSOR_COUNT];", N, N, U);
    pr_blank(p);
    pr(p, "/* One sample: out[OUTPUT_SIZE] from in[INPUT_SIZE] (prepared values). */");
    pr(p, "void %s_predict(const float *in, float *out);", N);
    pr(p, "void %s_predict_with(%s_scratch *scratch, const float *in, float *out);", N, N);
    pr_blank(p);
    pr(p, "/* Streaming; see above. */");
    pr(p, "void %s_reset(%s_state *s);", N, N);
    if (m->tokens)
        pr(p, "void %s_step(%s_state *s, int32_t id);", N, N);
    else
        pr(p, "void %s_step(%s_state *s, const double *x);", N, N);
    if (e->tok) {
        pr(p, "/* Every token of text[0..len) (UTF-8, whole words) in turn; -1 if the");
        pr(p, " * text is not valid UTF-8 (nothing is fed then), else 0. */");
        pr(p, "int %s_step_text(%s_state *s, const char *text, size_t len);", N, N);
    }
    pr(p, "int %s_output(%s_state *s, double *y);", N, N);
    pr_blank(p);
    pr(p, "/* Preprocessing; see above. */");
    pr(p, "void %s_scale_input(const double raw[%s_FEATURES], float x[%s_FEATURES]);", N, U, U);
    pr(p, "void %s_unscale_output(const float y[%s_OUTPUTS], double raw[%s_OUTPUTS]);", N, U, U);
    if (e->tok) {
        pr(p, "int %s_encode(const char *text, size_t len, float ids[%s_LENGTH]);", N, U);
        pr(p, "/* -1 if the text is not valid UTF-8, else 0. */");
        pr(p, "int %s_predict_text(const char *text, size_t len, float *out);", N);
    }
    if (e->classes)
        pr(p, "const char *%s_class_name(size_t k);", N);
    pr_blank(p);
    pr(p, "#endif");
}

static void emit_streaming(struct ee *e)
{
    struct printer *p = e->p;
    const char *N = e->n, *U = e->up;
    const struct ir_model *m = e->m;
    pr(p, "void %s_reset(%s_state *s)", N, N);
    pr(p, "{");
    /* nothing before the first step is read: no clearing */
    pr(p, "s->count = 0;");
    if (e->mode != STREAM_CARRIED)
        pr(p, "s->next = 0;");
    pr(p, "}");
    pr_blank(p);
    if (m->tokens)
        pr(p, "void %s_step(%s_state *s, int32_t id)", N, N);
    else
        pr(p, "void %s_step(%s_state *s, const double *x)", N, N);
    pr(p, "{");
    if (e->mode == STREAM_CARRIED) {
        pr(p, "float in[%lld];", e->F);
        if (m->tokens)
            pr(p, "in[0] = (float)id;");
        else
            pr(p, "%s_scale_input(x, in);", N);
        pr(p, "%s_advance(&s->scratch, in, s->count == 0, s->out);", N);
    } else {
        if (e->mode == STREAM_PADDED && e->trunc == PAD_POST) {
            pr(p, "if (s->count >= %lld)", e->T);
            pr(p, "    return; /* truncating 'post': the first %lld stay */", e->T);
        }
        if (m->tokens)
            pr(p, "s->window[s->next][0] = (float)id;");
        else
            pr(p, "%s_scale_input(x, s->window[s->next]);", N);
        pr(p, "s->next = (s->next + 1u) %% %lldu;", e->T);
    }
    pr(p, "if (s->count < 0xffffffffu)");
    pr(p, "    s->count++;");
    pr(p, "}");
    pr_blank(p);
    if (e->tok) {
        pr(p, "int %s_step_text(%s_state *s, const char *text, size_t len)", N, N);
        pr(p, "{");
        pr(p, "const unsigned char *t = (const unsigned char *)text;");
        pr(p, "size_t pos = 0;");
        pr(p, "int32_t id;");
        pr(p, "if (%s_utf8_valid(t, len) != len)", N);
        pr(p, "    return -1;");
        pr(p, "while (%s_next_token(t, len, &pos, &id))", N);
        pr(p, "    %s_step(s, id);", N);
        pr(p, "return 0;");
        pr(p, "}");
        pr_blank(p);
    }
    pr(p, "int %s_output(%s_state *s, double *y)", N, N);
    pr(p, "{");
    if (e->mode == STREAM_CARRIED) {
        pr(p, "if (s->count == 0)");
        pr(p, "    return 1;");
        pr(p, "%s_unscale_output(s->out, y);", N);
        pr(p, "return 0;");
    } else {
        pr(p, "static const float zero[%lld] = {0};", e->F);
        pr(p, "const uint32_t T = %lldu;", e->T);
        if (e->mode == STREAM_WINDOW) {
            pr(p, "if (s->count < T)");
            pr(p, "    return (int)(T - s->count);");
        }
        pr(p, "const uint32_t n = s->count < T ? s->count : T;");
        pr(p, "const uint32_t oldest = (s->next + T - n %% T) %% T;");
        pr(p, "float out[%lld];", e->O);
        pr(p, "for (uint32_t t = 0; t < T; t++) {");
        if (e->mode == STREAM_PADDED && e->pad == PAD_PRE) {
            pr(p, "const float *x = t < T - n ? zero : s->window[(oldest + t - (T - n)) %% T];");
        } else {
            pr(p, "const float *x = t < n ? s->window[(oldest + t) %% T] : zero;");
        }
        pr(p, "%s_advance(&s->scratch, x, t == 0);", N);
        pr(p, "}");
        pr(p, "%s_finish(&s->scratch, out);", N);
        pr(p, "%s_unscale_output(out, y);", N);
        pr(p, "return 0;");
    }
    pr(p, "}");
    pr_blank(p);
    (void)U;
}

static bool emit_source(struct ee *e, const char *version, FILE *err)
{
    struct printer *p = e->p;
    const struct ir_model *m = e->m;
    const char *N = e->n, *U = e->up;
    header_comment(e, version, "weights, forward pass, streaming and preprocessing");
    pr(p, "#include \"%s_model.h\"", N);
    pr_blank(p);
    pr(p, "#include <math.h>");
    pr_blank(p);
    pr(p, "/* the sizes the header promises */");
    pr(p, "typedef char %s_scratch_size_check[sizeof(%s_scratch) == %s_SCRATCH_BYTES ? 1 : -1];",
       N, N, U);
    pr(p, "typedef char %s_state_size_check[sizeof(%s_state) == %s_STATE_BYTES ? 1 : -1];", N, N,
       U);
    pr_blank(p);
    emit_weights(e);
    emit_activations(e);
    for (int i = 0; i < m->nlayers; i++) {
        switch (m->layers[i].l->kind) {
        case LAYER_EMBEDDING: emit_embedding(e, i); break;
        case LAYER_LSTM: emit_lstm(e, i); break;
        case LAYER_DENSE: emit_dense(e, i); break;
        default: break;
        }
    }
    emit_passes(e);
    pr(p, "void %s_predict_with(%s_scratch *w, const float *in, float *out)", N, N);
    pr(p, "{");
    pr(p, "for (size_t t = 0; t < %lld; t++) {", e->T);
    if (m->out_seq)
        pr(p, "%s_advance(w, in + t * %lld, t == 0, out + t * %lld);", N, e->F, e->O);
    else
        pr(p, "%s_advance(w, in + t * %lld, t == 0);", N, e->F);
    pr(p, "}");
    if (!m->out_seq)
        pr(p, "%s_finish(w, out);", N);
    pr(p, "}");
    pr_blank(p);
    pr(p, "void %s_predict(const float *in, float *out)", N);
    pr(p, "{");
    pr(p, "%s_scratch w;", N);
    pr(p, "%s_predict_with(&w, in, out);", N);
    pr(p, "}");
    pr_blank(p);
    emit_scaling(e);
    if (e->tok) {
        if (!emit_tokenizer(e, err))
            return false;
        pr(p, "int %s_predict_text(const char *text, size_t len, float *out)", N);
        pr(p, "{");
        pr(p, "float ids[%s_LENGTH];", U);
        pr(p, "if (%s_encode(text, len, ids) < 0)", N);
        pr(p, "    return -1;");
        pr(p, "%s_predict(ids, out);", N);
        pr(p, "return 0;");
        pr(p, "}");
        pr_blank(p);
    }
    emit_streaming(e);
    if (e->classes) {
        pr(p, "const char *%s_class_name(size_t k)", N);
        pr(p, "{");
        pr(p, "static const char *const names[%s_CLASSES] = {", U);
        for (size_t c = 0; c < e->nclasses; c++) {
            char *s = c_escape(e->classes[c], false);
            pr(p, "\"%s\",", s ? s : "");
            free(s);
        }
        pr(p, "};");
        pr(p, "return k < %s_CLASSES ? names[k] : NULL;", U);
        pr(p, "}");
    }
    return true;
}

/* ------------------------------------------------------------------ */

static void ee_free(struct ee *e)
{
    for (int i = 0; i < e->m->ntensors; i++) {
        if (e->w)
            free(e->w[i]);
        if (e->qv)
            free(e->qv[i]);
        if (e->qs)
            free(e->qs[i]);
    }
    free(e->w);
    free(e->qv);
    free(e->qs);
    free(e->center);
    free(e->width);
    lstmc_tokenizer_destroy(e->tok);
    for (size_t c = 0; e->classes && c < e->nclasses; c++)
        free(e->classes[c]);
    free(e->classes);
}

bool emit_embed(const struct ir_model *m, const struct embed_options *o, const char *version,
                FILE *err)
{
    struct ee *e = calloc(1, sizeof *e); /* large: the scratch fields */
    struct printer p;
    if (!e) {
        fprintf(err, "lstmc: error: out of memory\n");
        return false;
    }
    e->p = &p;
    e->m = m;
    e->o = o;
    e->q = o->int8;
    e->pl = m->spec->pipeline.present ? &m->spec->pipeline : NULL;
    snprintf(e->n, sizeof e->n, "%s", o->prefix ? o->prefix : m->name);
    size_t k = 0;
    for (; e->n[k] && k + 1 < sizeof e->up; k++)
        e->up[k] = (char)toupper((unsigned char)e->n[k]);
    e->up[k] = '\0';
    e->weights_base = base_name(o->weights);
    e->T = m->in_steps;
    e->F = m->in_features;
    e->O = m->out_features;
    e->OS = m->out_steps;
    int loss = m->spec->training.loss;
    if (m->out_seq) {
        e->mode = STREAM_CARRIED;
    } else if (e->pl && e->pl->grouped) {
        e->mode = STREAM_PADDED;
        e->pad = e->pl->group_padding;
        e->trunc = e->pl->group_truncating;
    } else if (e->pl && e->pl->tokenized) {
        e->mode = STREAM_PADDED;
        e->pad = e->pl->padding;
        e->trunc = e->pl->truncating;
    } else {
        e->mode = STREAM_WINDOW;
    }
    bool ok = load_weights(e, err) && (!e->q || quantize(e, err));
    if (ok && e->pl && e->pl->scale != SCALE_NONE && !m->tokens)
        ok = load_scaler(e, err);
    if (ok && e->pl && e->pl->tokenized)
        ok = load_tokenizer(e, err);
    if (ok && (loss == LOSS_BINARY_CROSSENTROPY || loss == LOSS_CATEGORICAL_CROSSENTROPY))
        ok = load_classes(e, err);
    if (ok) {
        plan_scratch(e);
        if (e->mode == STREAM_CARRIED) {
            e->state_floats = e->O;
            e->state_words = 1;
        } else {
            e->state_floats = e->T * e->F;
            e->state_words = 2;
        }
    }
    for (int f = 0; ok && f < 2; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s_model%s", o->outdir, e->n, f == 0 ? ".h" : ".c");
        if (!printer_open(&p)) {
            fprintf(err, "lstmc: error: out of memory\n");
            ok = false;
            break;
        }
        if (f == 0)
            emit_header(e, version);
        else if (!emit_source(e, version, err)) {
            printer_discard(&p);
            ok = false;
            break;
        }
        if (!printer_save(&p, path)) {
            fprintf(err, "lstmc: error: cannot write '%s': %s\n", path, strerror(errno));
            ok = false;
        }
    }
    ee_free(e);
    free(e);
    return ok;
}
