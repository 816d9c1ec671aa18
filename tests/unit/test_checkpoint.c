/*
 * Checkpoints of training (runtime/checkpoint.c): generator states as text,
 * a save/load round trip that restores every field and buffer bit for bit,
 * a byte-reproducible file, and one test per way a checkpoint is refused
 * with its exact message. The end-to-end kill -9 and resume runs are
 * tests/pipeline/run.sh's checkpoint-* cases.
 *
 * Each test works in its own fresh directory under $TMPDIR (or /tmp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lstmc.h"

enum { P = 37, S = 11, EPOCHS = 5, SITES = 2 };

/* A run's state and the buffers it points into; `ck` is filled by
 * fill_run, the buffers by fill_state(seed). */
struct run {
    lstmc_checkpoint ck;
    float params[P], opt_m[P], opt_v[P], best[P];
    size_t order[S];
    lstmc_rng dropout[SITES];
    double loss[EPOCHS], val_loss[EPOCHS];
};

struct tmp {
    char dir[256];
    char path[512];
    struct run a, b; /* a is saved, b loads */
};

static void fill_run(struct run *r)
{
    r->ck = (lstmc_checkpoint){
        .model = "forecast",
        .spec_hash = "0123456789abcdef",
        .dtype = LSTMC_F32,
        .param_count = P,
        .seed = 42,
        .batch_size = 4,
        .samples = S,
        .data_hash = UINT64_C(0xfeedface01234567),
        .n_dropout = SITES,
        .max_epochs = EPOCHS,
        .params = r->params,
        .opt_m = r->opt_m,
        .opt_v = r->opt_v,
        .best = r->best,
        .order = r->order,
        .dropout = r->dropout,
        .loss = r->loss,
        .val_loss = r->val_loss,
    };
}

/* A state in the middle of epoch 3 (2 completed), batch 2 of 3. */
static void fill_state(struct run *r, uint64_t seed)
{
    lstmc_rng g;
    lstmc_rng_seed(&g, seed, 1);
    for (size_t i = 0; i < P; i++) {
        r->params[i] = (float)lstmc_rng_normal(&g);
        r->opt_m[i] = (float)lstmc_rng_normal(&g);
        r->opt_v[i] = (float)lstmc_rng_uniform(&g);
        r->best[i] = (float)lstmc_rng_normal(&g);
    }
    for (size_t i = 0; i < S; i++)
        r->order[i] = i;
    lstmc_rng_shuffle(&g, r->order, S);
    for (size_t i = 0; i < SITES; i++) {
        lstmc_rng_seed(&r->dropout[i], seed, 100 + i);
        (void)lstmc_rng_u32(&r->dropout[i]);
    }
    (void)lstmc_rng_normal(&r->dropout[1]); /* a spare normal kept */
    r->loss[0] = 0.5;
    r->loss[1] = 1.0 / 3.0;
    r->val_loss[0] = 0.625;
    r->val_loss[1] = 0.1;
    r->ck.epoch = 2;
    r->ck.batch = 2;
    r->ck.step = 8;
    lstmc_rng_seed(&r->ck.shuffle, seed, 7);
    (void)lstmc_rng_u64(&r->ck.shuffle);
    r->ck.epoch_loss_sum = 0.1 + 0.2;
    r->ck.samples_seen = 30;
    r->ck.seconds = 1.25;
    r->ck.best_value = 0.1;
    r->ck.best_epoch = 2;
    r->ck.stale = 0;
}

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/lstmc-ckpt-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    snprintf(t->path, sizeof t->path, "%s/c.safetensors", t->dir);
    fill_run(&t->a);
    fill_state(&t->a, 3);
    fill_run(&t->b);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tmp *t = *state;
    char other[600];
    unlink(t->path);
    snprintf(other, sizeof other, "%s/other.safetensors", t->dir);
    unlink(other);
    rmdir(t->dir);
    free(t);
    return 0;
}

/* Loads t->path into t->b and expects status st and, if msg, that
 * message. */
static void expect_load(struct tmp *t, lstmc_status st, const char *msg)
{
    lstmc_error err;
    memset(&err, 0, sizeof err);
    lstmc_status got = lstmc_checkpoint_load(t->path, &t->b.ck, &err);
    if (got != st || (msg && strcmp(err.msg, msg) != 0))
        fail_msg("status %d, message '%s'; expected %d, '%s'", got, err.msg, st,
                 msg ? msg : "(any)");
}

static void save(struct tmp *t)
{
    lstmc_error err;
    lstmc_status st = lstmc_checkpoint_save(t->path, &t->a.ck, &err);
    if (st != LSTMC_OK)
        fail_msg("save: %s", err.msg);
}

static void test_rng_text(void **state)
{
    (void)state;
    lstmc_rng a, b;
    lstmc_rng_seed(&a, UINT64_C(0x123456789abcdef0), 99);
    (void)lstmc_rng_normal(&a);
    char text[LSTMC_RNG_TEXT_SIZE];
    lstmc_rng_to_text(text, &a);
    assert_int_equal(strlen(text), LSTMC_RNG_TEXT_SIZE - 1);
    memset(&b, 0, sizeof b);
    assert_int_equal(lstmc_rng_from_text(&b, text), LSTMC_OK);
    assert_memory_equal(&a, &b, sizeof a);
    for (int i = 0; i < 10; i++)
        assert_int_equal(lstmc_rng_u32(&a), lstmc_rng_u32(&b));
    text[5] = 'G';
    assert_int_equal(lstmc_rng_from_text(&b, text), LSTMC_ERR_FORMAT);
    assert_int_equal(lstmc_rng_from_text(&b, "00"), LSTMC_ERR_FORMAT);
}

static void test_round_trip(void **state)
{
    struct tmp *t = *state;
    save(t);
    expect_load(t, LSTMC_OK, NULL);
    const lstmc_checkpoint *a = &t->a.ck, *b = &t->b.ck;
    assert_memory_equal(t->a.params, t->b.params, sizeof t->a.params);
    assert_memory_equal(t->a.opt_m, t->b.opt_m, sizeof t->a.opt_m);
    assert_memory_equal(t->a.opt_v, t->b.opt_v, sizeof t->a.opt_v);
    assert_memory_equal(t->a.best, t->b.best, sizeof t->a.best);
    assert_memory_equal(t->a.order, t->b.order, sizeof t->a.order);
    assert_memory_equal(t->a.dropout, t->b.dropout, sizeof t->a.dropout);
    assert_memory_equal(t->a.loss, t->b.loss, 2 * sizeof(double));
    assert_memory_equal(t->a.val_loss, t->b.val_loss, 2 * sizeof(double));
    assert_memory_equal(&a->shuffle, &b->shuffle, sizeof a->shuffle);
    assert_int_equal(b->epoch, 2);
    assert_int_equal(b->batch, 2);
    assert_int_equal(b->step, 8);
    assert_true(b->epoch_loss_sum == a->epoch_loss_sum); /* 0.30000000000000004 */
    assert_int_equal(b->samples_seen, 30);
    assert_true(b->seconds == 1.25);
    assert_true(b->best_value == 0.1);
    assert_int_equal(b->best_epoch, 2);
    assert_int_equal(b->stale, 0);
}

/* The same state gives the same bytes, and no early stopping (an infinite
 * best value) reads back. */
static void test_reproducible(void **state)
{
    struct tmp *t = *state;
    t->a.ck.best_value = INFINITY;
    t->a.ck.best_epoch = 0;
    save(t);
    char other[600];
    snprintf(other, sizeof other, "%s/other.safetensors", t->dir);
    lstmc_error err;
    assert_int_equal(lstmc_checkpoint_save(other, &t->a.ck, &err), LSTMC_OK);
    FILE *f1 = fopen(t->path, "rb"), *f2 = fopen(other, "rb");
    assert_non_null(f1);
    assert_non_null(f2);
    int c1, c2;
    do {
        c1 = fgetc(f1);
        c2 = fgetc(f2);
        assert_int_equal(c1, c2);
    } while (c1 != EOF);
    fclose(f1);
    fclose(f2);
    expect_load(t, LSTMC_OK, NULL);
    assert_true(isinf(t->b.ck.best_value));
}

static void test_refuse_model(void **state)
{
    struct tmp *t = *state;
    save(t);
    t->b.ck.model = "classify";
    expect_load(t, LSTMC_ERR_FORMAT, "checkpoint is for model 'forecast', not 'classify'");
}

static void test_refuse_spec(void **state)
{
    struct tmp *t = *state;
    save(t);
    t->b.ck.spec_hash = "fedcba9876543210";
    expect_load(t, LSTMC_ERR_FORMAT, "checkpoint is from a different spec (hash "
                "0123456789abcdef, this program's is fedcba9876543210)");
}

static void test_refuse_run(void **state)
{
    struct tmp *t = *state;
    save(t);
    t->b.ck.seed = 1;
    expect_load(t, LSTMC_ERR_FORMAT, "checkpoint was written with seed 42, this run has 1 "
                "(--seed)");
    t->b.ck.seed = 42;
    t->b.ck.batch_size = 8;
    expect_load(t, LSTMC_ERR_FORMAT, "checkpoint was written with batch size 4, this run "
                "has 8 (--batch-size)");
    t->b.ck.batch_size = 4;
    t->b.ck.data_hash = 1;
    expect_load(t, LSTMC_ERR_FORMAT, "checkpoint was written for other training data (11 "
                "samples, hash feedface01234567; this run has 11, hash 0000000000000001)");
    t->b.ck.data_hash = t->a.ck.data_hash;
    t->b.ck.max_epochs = 1;
    expect_load(t, LSTMC_ERR_FORMAT, "checkpoint is at epoch 2, past the 1 epoch of this run "
                "(--epochs)");
    t->b.ck.max_epochs = EPOCHS;
    t->b.ck.best = NULL; /* a run without restore_best_weights */
    expect_load(t, LSTMC_ERR_FORMAT, "unexpected tensor 'best_params': the model has no "
                "tensor of that name");
}

/* A flipped byte in a tensor: the checksum says so. */
static void test_refuse_corrupt(void **state)
{
    struct tmp *t = *state;
    save(t);
    FILE *f = fopen(t->path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, -3, SEEK_END), 0);
    int c = fgetc(f);
    assert_int_equal(fseek(f, -3, SEEK_END), 0);
    fputc(c ^ 0x40, f);
    fclose(f);
    lstmc_error err;
    assert_int_equal(lstmc_checkpoint_load(t->path, &t->b.ck, &err), LSTMC_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "corrupt checkpoint: the tensors' checksum is "));
}

static void test_refuse_truncated(void **state)
{
    struct tmp *t = *state;
    save(t);
    assert_int_equal(truncate(t->path, 200), 0);
    lstmc_error err;
    assert_int_equal(lstmc_checkpoint_load(t->path, &t->b.ck, &err), LSTMC_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "truncated: the header needs "));
    assert_string_equal(err.path, t->path);
}

/* A header length (8 bytes, little-endian) followed by size - 8 zero bytes,
 * as a sparse file: nothing but the length is written. */
static void spill_length(const char *path, const unsigned char length[8], off_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(length, 1, 8, f), 8);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(truncate(path, size), 0);
}

/* The header limit is LSTMC_WEIGHTS_MAX_HEADER = 100000000 bytes, as for
 * weights. One past it is refused as such, even when the file is long
 * enough; at the limit the header is read (here 10^8 zero bytes, which
 * are not JSON). 100000000 = 0x05F5E100, 100000001 = 0x05F5E101. */
static void test_refuse_header_above_limit(void **state)
{
    struct tmp *t = *state;
    static const unsigned char over[8] = {0x01, 0xE1, 0xF5, 0x05, 0, 0, 0, 0};
    spill_length(t->path, over, 8 + 100000001 + 16);
    expect_load(t, LSTMC_ERR_FORMAT, "corrupt checkpoint: header length 100000001 is above "
                "the limit of 100000000 bytes");
    static const unsigned char at[8] = {0x00, 0xE1, 0xF5, 0x05, 0, 0, 0, 0};
    spill_length(t->path, at, 8 + 100000000);
    lstmc_error err;
    assert_int_equal(lstmc_checkpoint_load(t->path, &t->b.ck, &err), LSTMC_ERR_FORMAT);
    if (strncmp(err.msg, "corrupt checkpoint: the header is not valid JSON", 48) != 0)
        fail_msg("unexpected message '%s'", err.msg);
}

static void test_refuse_weights(void **state)
{
    struct tmp *t = *state;
    const lstmc_tensor_desc d = {"dense/bias", LSTMC_F32, 1, {P}};
    const void *data[] = {t->a.params};
    const lstmc_meta meta[] = {{LSTMC_META_MODEL, "forecast"}};
    lstmc_error err;
    assert_int_equal(lstmc_weights_save(t->path, &d, 1, data, meta, 1, &err), LSTMC_OK);
    expect_load(t, LSTMC_ERR_FORMAT, "not an lstmc checkpoint (no metadata lstmc.format "
                "'lstmc.checkpoint')");
}

static void test_refuse_missing(void **state)
{
    struct tmp *t = *state;
    expect_load(t, LSTMC_ERR_IO, "cannot open: No such file or directory");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_rng_text),       T(test_round_trip),     T(test_reproducible),
        T(test_refuse_model),   T(test_refuse_spec),    T(test_refuse_run),
        T(test_refuse_corrupt), T(test_refuse_truncated), T(test_refuse_weights),
        T(test_refuse_missing), T(test_refuse_header_above_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
