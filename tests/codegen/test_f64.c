/*
 * test_f64: the generated code in double. Finite-difference gradient checks
 * of every layer, activation, loss and the combinations the specs in
 * tests/codegen/specs and tests/numeric/specs cover; parity with the numpy
 * reference fixtures (about 1e-10); the first training steps; determinism.
 */
#define REAL double
#include "harness.h"

#include <unistd.h>

#include "activations.h"
#include "dropout_stack.h"
#include "embedding_lstm.h"
#include "lstm_last.h"
#include "lstm_seq_dense.h"
#include "no_bias.h"
#include "seq_softmax.h"
#include "shared_steps.h"
#include "sigmoid_seq.h"
#include "softmax_head.h"
#include "stacked.h"
#include "tokens_mae.h"
#include "train_embedding.h"
#include "train_stacked.h"

MODEL(activations, ACTIVATIONS, 0, TARGET_REAL);
MODEL(dropout_stack, DROPOUT_STACK, 0, TARGET_REAL);
MODEL(embedding_lstm, EMBEDDING_LSTM, EMBEDDING_LSTM_VOCAB, TARGET_BINARY);
MODEL(lstm_last, LSTM_LAST, 0, TARGET_REAL);
MODEL(lstm_seq_dense, LSTM_SEQ_DENSE, 0, TARGET_REAL);
MODEL(no_bias, NO_BIAS, 0, TARGET_REAL);
MODEL(seq_softmax, SEQ_SOFTMAX, 0, TARGET_ONEHOT);
MODEL(sigmoid_seq, SIGMOID_SEQ, 0, TARGET_BINARY);
MODEL(softmax_head, SOFTMAX_HEAD, 0, TARGET_ONEHOT);
MODEL(stacked, STACKED, 0, TARGET_REAL);
MODEL(tokens_mae, TOKENS_MAE, TOKENS_MAE_VOCAB, TARGET_REAL);
MODEL(train_embedding, TRAIN_EMBEDDING, TRAIN_EMBEDDING_VOCAB, TARGET_BINARY);
MODEL(train_stacked, TRAIN_STACKED, 0, TARGET_REAL);

/* Tolerance of the gradient checks: relative error of every tensor and of
 * the directional derivative, and per element |a - n| <= TOL max(|a|, |n|)
 * + ABS_TOL. Fourth-order central differences with step H in double:
 * truncation O(H^4), rounding about 1e-16 / H. */
#define TOL 1e-6
#define ABS_TOL 1e-9
#define H 1e-4
/* Models with relu or hard_sigmoid have kinks: a smaller step keeps the
 * stencil on one side of them (as tools/make_fixtures.py does). */
#define H_KINKS 1e-6

struct grad_case {
    const struct model *m;
    double h;
};

static double loss_at(const struct model *m, void *ctx, const real *x, const real *y, size_t n)
{
    return (double)m->forward_train(ctx, x, y, n);
}

/* d loss / d p[i] by the five-point stencil
 * (8 (L(+h) - L(-h)) - (L(+2h) - L(-2h))) / 12h. */
static double numeric_grad(const struct model *m, void *ctx, real *p, size_t i, const real *x,
                           const real *y, size_t n, double h)
{
    real keep = p[i];
    double l[4];
    const double at[4] = {h, -h, 2 * h, -2 * h};
    for (int k = 0; k < 4; k++) {
        p[i] = keep + (real)at[k];
        l[k] = loss_at(m, ctx, x, y, n);
    }
    p[i] = keep;
    return (8 * (l[0] - l[1]) - (l[2] - l[3])) / (12 * h);
}

/* The same along direction dir. */
static double numeric_dir(const struct model *m, void *ctx, real *p, const real *dir,
                          const real *x, const real *y, size_t n, double h)
{
    double l[4];
    const double at[4] = {h, -h, 2 * h, -2 * h};
    real *keep = malloc(m->param_count * sizeof *keep);
    memcpy(keep, p, m->param_count * sizeof *keep);
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < m->param_count; i++)
            p[i] = keep[i] + (real)at[k] * dir[i];
        l[k] = loss_at(m, ctx, x, y, n);
    }
    memcpy(p, keep, m->param_count * sizeof *keep);
    free(keep);
    return (8 * (l[0] - l[1]) - (l[2] - l[3])) / (12 * h);
}

/* Random weights, inputs, targets and fixed masks for model m. */
static void random_problem(const struct model *m, void *ctx, lstmc_rng *rng, real *x, real *y,
                           size_t n)
{
    real *p = m->params(ctx);
    for (size_t i = 0; i < m->param_count; i++)
        p[i] = (real)(lstmc_rng_uniform(rng) - 0.5);
    for (size_t i = 0; i < n * m->in_size; i++)
        x[i] = m->vocab ? (real)lstmc_rng_below(rng, m->vocab)
                        : (real)(2 * lstmc_rng_uniform(rng) - 1);
    for (size_t r = 0; r < n * m->out_size / m->outputs; r++) {
        size_t hot = (size_t)lstmc_rng_below(rng, m->outputs);
        for (size_t j = 0; j < m->outputs; j++) {
            real *v = &y[r * m->outputs + j];
            switch (m->target) {
            case TARGET_REAL: *v = (real)(1.6 * lstmc_rng_uniform(rng) - 0.8); break;
            case TARGET_BINARY: *v = (real)lstmc_rng_below(rng, 2); break;
            case TARGET_ONEHOT: *v = j == hot ? 1 : 0; break;
            }
        }
    }
    /* Masks: 0 or a kept scale, as Keras draws them (the values need not
     * match a rate: backward only has to use the same ones). */
    real *mask = m->mask(ctx);
    for (size_t i = 0; i < m->batch * m->mask_size; i++)
        mask[i] = lstmc_rng_uniform(rng) < 0.3 ? 0 : (real)(1 / 0.7);
    m->fix_masks(ctx, 1);
}

static void test_gradcheck(void **state)
{
    const struct grad_case *c = *state;
    const struct model *m = c->m;
    void *ctx = m->create();
    assert_non_null(ctx);
    lstmc_rng rng;
    lstmc_rng_seed(&rng, 20260101, lstmc_rng_stream_id(m->name));
    size_t n = m->batch;
    real *x = calloc(n * m->in_size, sizeof *x), *y = calloc(n * m->out_size, sizeof *y);
    real *ana = calloc(m->param_count, sizeof *ana), *dir = calloc(m->param_count, sizeof *dir);
    random_problem(m, ctx, &rng, x, y, n);
    m->zero_grads(ctx);
    m->forward_train(ctx, x, y, n);
    m->backward(ctx, x, n, 1);
    memcpy(ana, m->grads(ctx), m->param_count * sizeof *ana);

    real *p = m->params(ctx);
    double worst_tensor = 0, worst_elem = 0;
    for (size_t t = 0; t < m->ntensors; t++) {
        size_t size = 1;
        for (size_t k = 0; k < m->tensors[t].rank; k++)
            size *= m->tensors[t].shape[k];
        double diff2 = 0, a2 = 0, n2 = 0;
        for (size_t k = 0; k < size; k++) {
            size_t i = m->offsets[t] + k;
            double num = numeric_grad(m, ctx, p, i, x, y, n, c->h), a = ana[i];
            double big = fabs(a) > fabs(num) ? fabs(a) : fabs(num);
            if (fabs(a - num) > TOL * big + ABS_TOL) {
                print_error("%s[%zu]: analytic %.12g, numeric %.12g\n", m->tensors[t].name, k, a,
                            num);
                fail();
            }
            if (big >= 1e-3 && fabs(a - num) / big > worst_elem)
                worst_elem = fabs(a - num) / big;
            diff2 += (a - num) * (a - num);
            a2 += a * a;
            n2 += num * num;
        }
        double norm = sqrt(a2 > n2 ? a2 : n2);
        double rel = norm > 0 ? sqrt(diff2) / norm : 0;
        if (rel > TOL) {
            print_error("%s: relative error %.3g\n", m->tensors[t].name, rel);
            fail();
        }
        worst_tensor = rel > worst_tensor ? rel : worst_tensor;
    }

    /* Along a random direction d: dL(p + s d)/ds = g . d */
    double gd = 0;
    for (size_t i = 0; i < m->param_count; i++) {
        dir[i] = (real)(2 * lstmc_rng_uniform(&rng) - 1);
        gd += (double)ana[i] * (double)dir[i];
    }
    double num = numeric_dir(m, ctx, p, dir, x, y, n, c->h);
    double drel = fabs(num - gd) / fmax(fabs(num), fabs(gd));
    if (!(drel < TOL)) {
        print_error("directional derivative: analytic %.12g, numeric %.12g\n", gd, num);
        fail();
    }
    print_message("%s: %zu parameters, max tensor error %.2e, max element error (|g| >= 1e-3) %.2e, "
                  "direction %.2e\n", m->name, m->param_count, worst_tensor, worst_elem, drel);
    free(x);
    free(y);
    free(ana);
    free(dir);
    m->destroy(ctx);
}

/* A scaled backward adds scale times the gradient: two half-batches with
 * scale k/n give the whole batch's gradient (what train_batch relies on
 * when a batch is larger than the model's BATCH). */
static void test_backward_scale(void **state)
{
    const struct model *m = *state;
    void *ctx = m->create();
    lstmc_rng rng;
    lstmc_rng_seed(&rng, 7, 7);
    size_t n = m->batch;
    real *x = calloc(n * m->in_size, sizeof *x), *y = calloc(n * m->out_size, sizeof *y);
    real *full = calloc(m->param_count, sizeof *full);
    random_problem(m, ctx, &rng, x, y, n);
    m->zero_grads(ctx);
    m->forward_train(ctx, x, y, n);
    m->backward(ctx, x, n, 1);
    memcpy(full, m->grads(ctx), m->param_count * sizeof *full);
    m->zero_grads(ctx);
    for (size_t i = 0; i < n; i++) {
        m->forward_train(ctx, x + i * m->in_size, y + i * m->out_size, 1);
        /* the masks of sample 0 serve every single-sample pass: compare
         * without dropout's per-sample masks */
        m->backward(ctx, x + i * m->in_size, 1, (real)1 / (real)n);
    }
    double *want = malloc(m->param_count * sizeof *want);
    for (size_t i = 0; i < m->param_count; i++)
        want[i] = full[i];
    check_close("gradient by samples", m->grads(ctx), want, m->param_count, 1e-12);
    free(want);
    free(x);
    free(y);
    free(full);
    m->destroy(ctx);
}

/* predict of any n (chunks of BATCH) equals predicting sample by sample. */
static void test_predict_chunks(void **state)
{
    const struct model *m = *state;
    void *ctx = m->create();
    lstmc_rng rng;
    lstmc_rng_seed(&rng, 3, 3);
    size_t n = 2 * m->batch + 1;
    real *x = calloc(n * m->in_size, sizeof *x), *y = calloc(n * m->out_size, sizeof *y);
    real *one = calloc(n * m->out_size, sizeof *one);
    random_problem(m, ctx, &rng, x, y, n > m->batch ? m->batch : n);
    for (size_t i = 0; i < n * m->in_size; i++)
        x[i] = m->vocab ? (real)lstmc_rng_below(&rng, m->vocab)
                        : (real)(2 * lstmc_rng_uniform(&rng) - 1);
    m->predict(ctx, x, y, n);
    for (size_t i = 0; i < n; i++)
        m->predict(ctx, x + i * m->in_size, one + i * m->out_size, 1);
    double *want = malloc(n * m->out_size * sizeof *want);
    for (size_t i = 0; i < n * m->out_size; i++)
        want[i] = one[i];
    check_close("predict in chunks", y, want, n * m->out_size, 1e-14);
    free(want);
    free(x);
    free(y);
    free(one);
    m->destroy(ctx);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* Steps and products shared among threads change no bit: three training
 * steps (fresh dropout masks each) on one thread and on three, whose
 * blocks of 4 samples do not divide the batch of 18 evenly. */
static void test_threads(void **state)
{
    (void)state;
    _Static_assert(SHARED_STEPS_SHARE_STEPS == 1, "the model shares its steps");
    shared_steps_ctx *one = shared_steps_create(), *many = shared_steps_create();
    assert_true(one && many);
    assert_int_equal(shared_steps_init(one, 5), LSTMC_OK);
    assert_int_equal(shared_steps_init(many, 5), LSTMC_OK);
    assert_int_equal(shared_steps_set_threads(many, 3), LSTMC_OK);
    enum { B = SHARED_STEPS_BATCH };
    static double x[B * SHARED_STEPS_INPUT_SIZE], y[B * SHARED_STEPS_OUTPUT_SIZE];
    lstmc_rng rng;
    lstmc_rng_seed(&rng, 9, 9);
    for (int step = 0; step < 3; step++) {
        for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
            x[i] = 2 * lstmc_rng_uniform(&rng) - 1;
        for (size_t i = 0; i < sizeof y / sizeof y[0]; i++)
            y[i] = lstmc_rng_uniform(&rng);
        const double l1 = shared_steps_train_batch(one, x, y, B);
        const double l3 = shared_steps_train_batch(many, x, y, B);
        assert_memory_equal(&l1, &l3, sizeof l1);
    }
    assert_memory_equal(one->params.flat, many->params.flat, sizeof one->params.flat);
    /* predict too, on a batch and a half */
    static double px[(B + B / 2) * SHARED_STEPS_INPUT_SIZE], p1[B + B / 2], p3[B + B / 2];
    for (size_t i = 0; i < sizeof px / sizeof px[0]; i++)
        px[i] = 2 * lstmc_rng_uniform(&rng) - 1;
    shared_steps_predict(one, px, p1, B + B / 2);
    shared_steps_predict(many, px, p3, B + B / 2);
    assert_memory_equal(p1, p3, sizeof p1);
    shared_steps_destroy(one);
    shared_steps_destroy(many);
}

/* Same seed: bit-identical weights after init and after training with
 * freshly drawn dropout masks. */
static void test_determinism(void **state)
{
    const struct model *m = *state;
    char path[2][64];
    for (int run = 0; run < 2; run++) {
        void *ctx = m->create();
        assert_int_equal(m->init(ctx, 42), LSTMC_OK);
        lstmc_rng rng;
        lstmc_rng_seed(&rng, 1, 1);
        size_t n = m->batch;
        real *x = calloc(n * m->in_size, sizeof *x), *y = calloc(n * m->out_size, sizeof *y);
        real *mask = m->mask(ctx);
        random_problem(m, ctx, &rng, x, y, n);
        assert_int_equal(m->init(ctx, 42), LSTMC_OK);
        m->fix_masks(ctx, 0);
        (void)mask;
        for (int s = 0; s < 3; s++)
            m->train_batch(ctx, x, y, n);
        snprintf(path[run], sizeof path[run], "determinism-%d-%ld.safetensors", run, (long)getpid());
        lstmc_error err;
        assert_int_equal(m->save(ctx, path[run], &err), LSTMC_OK);
        free(x);
        free(y);
        m->destroy(ctx);
    }
    size_t a, b;
    char *da = slurp(path[0], &a), *db = slurp(path[1], &b);
    assert_int_equal(a, b);
    assert_memory_equal(da, db, a);
    free(da);
    free(db);
    remove(path[0]);
    remove(path[1]);
}

/* The generated update against tests/numeric/optim.txt: the fixture's 6
 * parameters and 3 gradients tiled over the whole flat buffer, 3 steps from
 * zero state. The spec's optimizer equals the fixture configuration. */
struct optim_case {
    const struct model *m;
    const char *config;
};

static void test_optimizer(void **state)
{
    const struct optim_case *c = *state;
    const struct model *m = c->m;
    struct fixture *f = fx_load("tests/numeric/optim.txt");
    assert_non_null(f);
    char name[64];
    snprintf(name, sizeof name, "%s/params", c->config);
    const struct fx_tensor *p0 = fx_get(f, "params"), *g = fx_get(f, "grads"),
                           *want = fx_get(f, name);
    size_t P = p0->n;
    void *ctx = m->create();
    real *p = m->params(ctx), *grad = m->grads(ctx);
    double *expect = malloc(m->param_count * sizeof *expect);
    for (size_t i = 0; i < m->param_count; i++)
        p[i] = (real)p0->v[i % P];
    double worst = 0;
    for (size_t s = 0; s < 3; s++) {
        for (size_t i = 0; i < m->param_count; i++) {
            grad[i] = (real)g->v[s * P + i % P];
            expect[i] = want->v[s * P + i % P];
        }
        assert_int_equal(m->update(ctx), LSTMC_OK);
        double e = check_close(name, p, expect, m->param_count, 1e-13);
        worst = e > worst ? e : worst;
    }
    print_message("%s (%s): 3 steps, relative error %.2e\n", m->name, c->config, worst);
    free(expect);
    m->destroy(ctx);
    fx_free(f);
}

static const struct optim_case optim_cases[] = {
    {&tokens_mae_model, "adam"},
    {&sigmoid_seq_model, "adam_custom"},
    {&seq_softmax_model, "sgd_nesterov"},
    {&dropout_stack_model, "rmsprop_momentum"},
};

/* NAME_init wires each tensor to its Keras initialiser: kernels within the
 * glorot_uniform limit, recurrent kernels with orthonormal rows, LSTM bias
 * 0 except the forget slice 1, embeddings within 0.05, Dense bias 0. */
static void test_init(void **state)
{
    const struct model *m = *state;
    void *ctx = m->create();
    assert_int_equal(m->init(ctx, 5), LSTMC_OK);
    const real *p = m->params(ctx);
    for (size_t t = 0; t < m->ntensors; t++) {
        const lstmc_tensor_desc *d = &m->tensors[t];
        const real *v = p + m->offsets[t];
        const char *kind = strrchr(d->name, '/') + 1;
        size_t rows = d->shape[0], cols = d->rank > 1 ? d->shape[1] : 1;
        if (strcmp(kind, "kernel") == 0) {
            double limit = sqrt(6.0 / (double)(rows + cols));
            for (size_t i = 0; i < rows * cols; i++)
                assert_true(fabs(v[i]) <= limit);
        } else if (strcmp(kind, "recurrent_kernel") == 0) {
            for (size_t a = 0; a < rows; a++)
                for (size_t b = 0; b < rows; b++) {
                    double dot = 0;
                    for (size_t j = 0; j < cols; j++)
                        dot += v[a * cols + j] * v[b * cols + j];
                    assert_true(fabs(dot - (a == b)) < 1e-12);
                }
        } else if (strcmp(kind, "bias") == 0) {
            int lstm = strncmp(d->name, "lstm", 4) == 0;
            for (size_t i = 0; i < rows; i++)
                assert_true(v[i] == (lstm && i >= rows / 4 && i < rows / 2 ? 1 : 0));
        } else if (strcmp(kind, "embeddings") == 0) {
            for (size_t i = 0; i < rows * cols; i++)
                assert_true(fabs(v[i]) <= 0.05);
        }
    }
    m->destroy(ctx);
}

#define PARITY(M, TF, TG) \
    static const struct parity_case M##_parity = {&M##_model, "tests/numeric/" #M ".txt", TF, TG}

PARITY(lstm_last, 1e-10, 1e-10);
PARITY(lstm_seq_dense, 1e-10, 1e-10);
PARITY(stacked, 1e-10, 1e-10);
PARITY(no_bias, 1e-10, 1e-10);
PARITY(activations, 1e-10, 1e-10);
PARITY(softmax_head, 1e-10, 1e-10);
PARITY(embedding_lstm, 1e-10, 1e-10);
PARITY(train_stacked, 1e-10, 1e-9);
PARITY(train_embedding, 1e-10, 1e-9);

STREAM(lstm_last, LSTM_LAST_TIMESTEPS, 1e-10);
STREAM(stacked, STACKED_TIMESTEPS, 1e-10);
STREAM(no_bias, NO_BIAS_TIMESTEPS, 1e-10);
STREAM(activations, ACTIVATIONS_TIMESTEPS, 1e-10);
STREAM(softmax_head, SOFTMAX_HEAD_TIMESTEPS, 1e-10);
STREAM(embedding_lstm, EMBEDDING_LSTM_LENGTH, 1e-10);

#define GRAD_CASE(M, STEP) static const struct grad_case M##_grad = {&M##_model, STEP}
GRAD_CASE(lstm_last, H);
GRAD_CASE(lstm_seq_dense, H);
GRAD_CASE(stacked, H);
GRAD_CASE(no_bias, H);
GRAD_CASE(activations, H_KINKS);
GRAD_CASE(softmax_head, H);
GRAD_CASE(embedding_lstm, H);
GRAD_CASE(dropout_stack, H);
GRAD_CASE(seq_softmax, H_KINKS);
GRAD_CASE(tokens_mae, H_KINKS);
GRAD_CASE(sigmoid_seq, H);

#define GRADCHECK(M) cmocka_unit_test_prestate(test_gradcheck, (void *)&M##_grad)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_parity, (void *)&lstm_last_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&lstm_seq_dense_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&stacked_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&no_bias_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&activations_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&softmax_head_parity),
        cmocka_unit_test_prestate(test_parity, (void *)&embedding_lstm_parity),
        cmocka_unit_test_prestate(test_stream, (void *)&lstm_last_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&stacked_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&no_bias_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&activations_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&softmax_head_stream),
        cmocka_unit_test_prestate(test_stream, (void *)&embedding_lstm_stream),
        cmocka_unit_test_prestate(test_training, (void *)&train_stacked_parity),
        cmocka_unit_test_prestate(test_training, (void *)&train_embedding_parity),
        GRADCHECK(lstm_last),
        GRADCHECK(lstm_seq_dense),
        GRADCHECK(stacked),
        GRADCHECK(no_bias),
        GRADCHECK(activations),
        GRADCHECK(softmax_head),
        GRADCHECK(embedding_lstm),
        GRADCHECK(dropout_stack),
        GRADCHECK(seq_softmax),
        GRADCHECK(tokens_mae),
        GRADCHECK(sigmoid_seq),
        cmocka_unit_test_prestate(test_optimizer, (void *)&optim_cases[0]),
        cmocka_unit_test_prestate(test_optimizer, (void *)&optim_cases[1]),
        cmocka_unit_test_prestate(test_optimizer, (void *)&optim_cases[2]),
        cmocka_unit_test_prestate(test_optimizer, (void *)&optim_cases[3]),
        cmocka_unit_test_prestate(test_predict_chunks, (void *)&stacked_model),
        cmocka_unit_test_prestate(test_predict_chunks, (void *)&embedding_lstm_model),
        cmocka_unit_test_prestate(test_init, (void *)&stacked_model),
        cmocka_unit_test_prestate(test_init, (void *)&embedding_lstm_model),
        cmocka_unit_test_prestate(test_backward_scale, (void *)&stacked_model),
        cmocka_unit_test_prestate(test_backward_scale, (void *)&embedding_lstm_model),
        cmocka_unit_test(test_threads),
        cmocka_unit_test_prestate(test_determinism, (void *)&dropout_stack_model),
        cmocka_unit_test_prestate(test_determinism, (void *)&tokens_mae_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
