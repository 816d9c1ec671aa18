/*
 * harness: checks of generated model code, shared by the f64 and f32 test
 * programs (test_f64.c, test_f32.c), which include it after defining
 * REAL and the generated headers. Each model is seen through a `struct
 * model` of wrappers made by MODEL(); the checks are
 *
 *   parity     weights and inputs from a tests/numeric fixture: outputs,
 *              batch loss and every gradient against the numpy reference;
 *   training   the first 10 steps of train_stacked / train_embedding;
 *   gradcheck  central differences in double on every parameter and along
 *              a random direction, with fixed random dropout masks;
 *   determinism  the same seed gives bit-identical weights files.
 *
 * Tolerances are compared with max |a - b| over the tensor divided by the
 * reference's largest magnitude, as tests/numeric/README.md suggests.
 */
#ifndef LSTMC_TEST_HARNESS_H
#define LSTMC_TEST_HARNESS_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <lstmc.h>

typedef REAL real;

enum target_kind { TARGET_REAL, TARGET_BINARY, TARGET_ONEHOT };

struct model {
    const char *name;
    size_t in_size, out_size, outputs, batch, param_count, ntensors, mask_size, vocab;
    enum target_kind target;
    const lstmc_tensor_desc *tensors;
    const size_t *offsets;
    void *(*create)(void);
    void (*destroy)(void *ctx);
    real *(*params)(void *ctx);
    real *(*grads)(void *ctx);
    real *(*mask)(void *ctx);
    void (*fix_masks)(void *ctx, int on);
    void (*predict)(void *ctx, const real *x, real *y, size_t n);
    real (*evaluate)(void *ctx, const real *x, const real *y, size_t n);
    real (*forward_train)(void *ctx, const real *x, const real *y, size_t n);
    void (*backward)(void *ctx, const real *x, size_t n, real scale);
    void (*zero_grads)(void *ctx);
    real (*train_batch)(void *ctx, const real *x, const real *y, size_t n);
    lstmc_status (*init)(void *ctx, uint64_t seed);
    lstmc_status (*update)(void *ctx);
    lstmc_status (*save)(void *ctx, const char *path, lstmc_error *err);
};

#define MODEL(M, MU, VOCAB, TARGET)                                                        \
    _Static_assert(sizeof(M##_real) == sizeof(real), #M " has the harness's real type");   \
    static void *M##_w_create(void) { return M##_create(); }                               \
    static void M##_w_destroy(void *c) { M##_destroy(c); }                                 \
    static real *M##_w_params(void *c) { return ((M##_ctx *)c)->params.flat; }             \
    static real *M##_w_grads(void *c) { return ((M##_ctx *)c)->grads.flat; }               \
    static real *M##_w_mask(void *c) { return &((M##_ctx *)c)->mask[0][0]; }               \
    static void M##_w_fix(void *c, int on) { ((M##_ctx *)c)->fixed_masks = on; }           \
    static void M##_w_predict(void *c, const real *x, real *y, size_t n)                   \
    {                                                                                      \
        M##_predict(c, x, y, n);                                                           \
    }                                                                                      \
    static real M##_w_eval(void *c, const real *x, const real *y, size_t n)                \
    {                                                                                      \
        return M##_evaluate(c, x, y, n);                                                   \
    }                                                                                      \
    static real M##_w_fwd(void *c, const real *x, const real *y, size_t n)                 \
    {                                                                                      \
        return M##_forward_train(c, x, y, n);                                              \
    }                                                                                      \
    static void M##_w_bwd(void *c, const real *x, size_t n, real s)                        \
    {                                                                                      \
        M##_backward(c, x, n, s);                                                          \
    }                                                                                      \
    static void M##_w_zero(void *c) { M##_zero_grads(c); }                                 \
    static real M##_w_train(void *c, const real *x, const real *y, size_t n)               \
    {                                                                                      \
        return M##_train_batch(c, x, y, n);                                                \
    }                                                                                      \
    static lstmc_status M##_w_init(void *c, uint64_t s) { return M##_init(c, s); }         \
    static lstmc_status M##_w_update(void *c) { return M##_update(c); }                    \
    static lstmc_status M##_w_save(void *c, const char *p, lstmc_error *e)                 \
    {                                                                                      \
        return M##_save(c, p, e);                                                          \
    }                                                                                      \
    static const struct model M##_model = {                                                \
        #M, MU##_INPUT_SIZE, MU##_OUTPUT_SIZE, MU##_OUTPUTS, MU##_BATCH, MU##_PARAM_COUNT,  \
        MU##_TENSOR_COUNT, MU##_MASK_SIZE, VOCAB, TARGET, M##_tensors, M##_tensor_offsets, \
        M##_w_create, M##_w_destroy, M##_w_params, M##_w_grads, M##_w_mask, M##_w_fix,     \
        M##_w_predict, M##_w_eval, M##_w_fwd, M##_w_bwd, M##_w_zero, M##_w_train, M##_w_init,          \
        M##_w_update, M##_w_save}

/* ------------------------------------------------------------------ */
/* Fixtures (tests/numeric/README.md)                                  */

struct fx_tensor {
    char name[128];
    int rank;
    size_t shape[4];
    size_t n;
    double *v;
};

struct fixture {
    struct fx_tensor t[160];
    int n;
};

static void fx_free(struct fixture *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->t[i].v);
    free(f);
}

static struct fixture *fx_load(const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        print_error("cannot open fixture %s\n", path);
        return NULL;
    }
    struct fixture *f = calloc(1, sizeof *f);
    char word[64];
    while (f && fscanf(in, "%63s", word) == 1) {
        if (word[0] == '#' || strcmp(word, "case") == 0 || strcmp(word, "spec") == 0) {
            int c;
            while ((c = fgetc(in)) != '\n' && c != EOF)
                ;
            continue;
        }
        if (strcmp(word, "end") == 0)
            break;
        if (strcmp(word, "tensor") != 0 || f->n == 160)
            goto bad;
        struct fx_tensor *t = &f->t[f->n++];
        if (fscanf(in, "%127s %d", t->name, &t->rank) != 2 || t->rank < 0 || t->rank > 4)
            goto bad;
        t->n = 1;
        for (int k = 0; k < t->rank; k++) {
            if (fscanf(in, "%zu", &t->shape[k]) != 1)
                goto bad;
            t->n *= t->shape[k];
        }
        t->v = malloc(t->n * sizeof *t->v);
        for (size_t k = 0; k < t->n; k++)
            if (fscanf(in, "%lf", &t->v[k]) != 1)
                goto bad;
    }
    fclose(in);
    return f;
bad:
    print_error("malformed fixture %s\n", path);
    fclose(in);
    if (f)
        fx_free(f);
    return NULL;
}

static const struct fx_tensor *fx_get(const struct fixture *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0)
            return &f->t[i];
    print_error("fixture has no tensor '%s'\n", name);
    fail();
    return NULL;
}

static real *fx_reals(const struct fx_tensor *t)
{
    real *r = malloc((t->n ? t->n : 1) * sizeof *r);
    for (size_t i = 0; i < t->n; i++)
        r[i] = (real)t->v[i];
    return r;
}

/* max |got - want| / max |want| over n values; fails above tol. */
static double check_close(const char *what, const real *got, const double *want, size_t n,
                          double tol)
{
    double err = 0, mag = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        err = d > err ? d : err;
        mag = fabs(want[i]) > mag ? fabs(want[i]) : mag;
    }
    double rel = mag > 0 ? err / mag : err;
    if (!(rel <= tol)) {
        print_error("%s: relative error %.3g above %.3g (max abs error %.3g)\n", what, rel, tol,
                    err);
        fail();
    }
    return rel;
}

static void set_weights(const struct model *m, void *ctx, const struct fixture *f,
                        const char *prefix)
{
    real *p = m->params(ctx);
    for (size_t i = 0; i < m->ntensors; i++) {
        char name[200];
        snprintf(name, sizeof name, "%s%s", prefix, m->tensors[i].name);
        const struct fx_tensor *t = fx_get(f, name);
        size_t n = 1;
        for (size_t k = 0; k < m->tensors[i].rank; k++)
            n *= m->tensors[i].shape[k];
        assert_int_equal(t->n, n);
        for (size_t k = 0; k < n; k++)
            p[m->offsets[i] + k] = (real)t->v[k];
    }
}

static double check_weights(const struct model *m, const real *flat, const struct fixture *f,
                            const char *prefix, double tol)
{
    double worst = 0;
    for (size_t i = 0; i < m->ntensors; i++) {
        char name[200];
        snprintf(name, sizeof name, "%s%s", prefix, m->tensors[i].name);
        const struct fx_tensor *t = fx_get(f, name);
        double e = check_close(name, flat + m->offsets[i], t->v, t->n, tol);
        worst = e > worst ? e : worst;
    }
    return worst;
}

/* ------------------------------------------------------------------ */
/* Parity with the numpy reference                                     */

struct parity_case {
    const struct model *m;
    const char *fixture;
    double tol_forward, tol_grad;
};

static void test_parity(void **state)
{
    const struct parity_case *c = *state;
    const struct model *m = c->m;
    struct fixture *f = fx_load(c->fixture);
    assert_non_null(f);
    void *ctx = m->create();
    assert_non_null(ctx);
    set_weights(m, ctx, f, "");
    const struct fx_tensor *xin = fx_get(f, "input"), *out = fx_get(f, "output");
    size_t n = xin->shape[0];
    assert_int_equal(xin->n, n * m->in_size);
    assert_int_equal(out->n, n * m->out_size);
    real *x = fx_reals(xin), *y = calloc(n * m->out_size, sizeof *y);
    real *target = fx_reals(fx_get(f, "target"));
    m->predict(ctx, x, y, n);
    double ef = check_close("output", y, out->v, out->n, c->tol_forward);
    real loss = m->evaluate(ctx, x, target, n);
    check_close("evaluate", &loss, fx_get(f, "loss")->v, 1, c->tol_forward);
    loss = m->forward_train(ctx, x, target, n);
    double el = check_close("loss", &loss, fx_get(f, "loss")->v, 1, c->tol_forward);
    m->zero_grads(ctx);
    m->backward(ctx, x, n, 1);
    double eg = check_weights(m, m->grads(ctx), f, "grad/", c->tol_grad);
    print_message("%s: output %.2e, loss %.2e, gradients %.2e (relative to max)\n", m->name, ef,
                  el, eg);
    free(x);
    free(y);
    free(target);
    m->destroy(ctx);
    fx_free(f);
}

/* The first 10 training steps (shuffle off, batches as in step_batch). */
static void test_training(void **state)
{
    const struct parity_case *c = *state;
    const struct model *m = c->m;
    struct fixture *f = fx_load(c->fixture);
    assert_non_null(f);
    void *ctx = m->create();
    assert_non_null(ctx);
    set_weights(m, ctx, f, "");
    const struct fx_tensor *xin = fx_get(f, "input");
    size_t total = xin->shape[0];
    real *x = fx_reals(xin), *y = fx_reals(fx_get(f, "target"));
    const struct fx_tensor *steps = fx_get(f, "step_loss"), *sizes = fx_get(f, "step_batch");
    size_t b0 = (size_t)sizes->v[0];
    m->zero_grads(ctx);
    m->forward_train(ctx, x, y, b0);
    m->backward(ctx, x, b0, 1);
    double eg = check_weights(m, m->grads(ctx), f, "grad/", c->tol_grad);
    real losses[10];
    size_t off = 0;
    for (size_t s = 0; s < steps->n && s < 10; s++) {
        size_t k = (size_t)sizes->v[s];
        if (off >= total)
            off = 0;
        losses[s] = m->train_batch(ctx, x + off * m->in_size, y + off * m->out_size, k);
        off += k;
    }
    double el = check_close("step_loss", losses, steps->v, steps->n, c->tol_grad);
    double ew = check_weights(m, m->params(ctx), f, "trained/", c->tol_grad * 10);
    print_message("%s: first-batch gradients %.2e, 10 step losses %.2e, trained weights %.2e\n",
                  m->name, eg, el, ew);
    free(x);
    free(y);
    m->destroy(ctx);
    fx_free(f);
}

/* ------------------------------------------------------------------ */
/* Streaming against the reference's outputs                           */

struct stream_case {
    const struct model *m;
    const char *fixture;
    size_t steps;
    void (*reset)(void *ctx);
    void (*step)(void *ctx, const real *x, real *y);
    double tol;
};

#define STREAM(M, STEPS, TOL)                                                              \
    static void M##_w_sreset(void *c) { M##_stream_reset(c); }                             \
    static void M##_w_sstep(void *c, const real *x, real *y) { M##_stream_step(c, x, y); } \
    static const struct stream_case M##_stream = {                                         \
        &M##_model, "tests/numeric/" #M ".txt", STEPS, M##_w_sreset, M##_w_sstep, TOL}

/* Each fixture sample fed one step at a time: after its last step the
 * output is the reference's. The first sample runs on a new context (which
 * starts reset), every later one after a reset, so a state left over from
 * the sample before would show. */
static void test_stream(void **state)
{
    const struct stream_case *c = *state;
    const struct model *m = c->m;
    struct fixture *f = fx_load(c->fixture);
    assert_non_null(f);
    void *ctx = m->create();
    assert_non_null(ctx);
    set_weights(m, ctx, f, "");
    const struct fx_tensor *xin = fx_get(f, "input"), *out = fx_get(f, "output");
    size_t n = xin->shape[0], width = m->in_size / c->steps;
    assert_int_equal(m->out_size, m->outputs);
    real *x = fx_reals(xin), *y = calloc(n * m->outputs, sizeof *y);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            c->reset(ctx);
        for (size_t t = 0; t < c->steps; t++)
            c->step(ctx, x + i * m->in_size + t * width, y + i * m->outputs);
    }
    double e = check_close("stream output", y, out->v, out->n, c->tol);
    print_message("%s: %zu samples streamed, output %.2e (relative to max)\n", m->name, n, e);
    free(x);
    free(y);
    m->destroy(ctx);
    fx_free(f);
}

#endif
