/*
 * test_limits: every limit of the spec language at its boundary: the
 * limit itself is accepted by `lstmc check`, one past it is refused with
 * its message (docs/reliability.md has the table). The front ends' nesting
 * and string limits are tested the same way in test_yaml.c and test_dsl.c,
 * the runtime's in test_table.c and test_weights.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast.h"
#include "run.h"
#include "source.h"

static char dir[] = "/tmp/lstmc-limits-XXXXXX";
static char path[64], dsl_path[64];

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/spec.yaml", dir);
    snprintf(dsl_path, sizeof dsl_path, "%s/spec.lstm", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove(path);
    remove(dsl_path);
    return rmdir(dir);
}

/* Writes text to the spec file `file` and runs `lstmc check` on it. */
static struct run check_file(const char *file, const char *text, size_t len)
{
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return run_lstmc((const char *[]){"check", file, NULL});
}

static struct run check_text(const char *text, size_t len)
{
    return check_file(path, text, len);
}

/* printf into a new string; the caller frees. */
static char *vformat(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

/* The spec printf(fmt, ...) must check; with message, it must fail with
 * status and print message (after "PATH:" when it starts with ':'). */
static void expect(int status, const char *message, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void expect(int status, const char *message, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = vformat(fmt, ap);
    va_end(ap);
    struct run r = check_text(text, strlen(text));
    if (r.status != status || (message && !strstr(r.err, message))) {
        print_error("spec:\n%.2000s\nstatus %d, expected %d\nstderr:\n%s\nexpected: %s\n", text,
                    r.status, status, r.err, message ? message : "(nothing)");
        fail();
    }
    if (!message)
        assert_string_equal(r.err, "");
    free(text);
    run_free(&r);
}

#define TRAIN "training: {loss: mse}\n"

/* input: sequence [T, F]; layers: one dense of U units. */
static const char dense_spec[] =
    "model:\n  name: m\n  input: {type: sequence, timesteps: %lld, features: %lld}\n"
    "  layers: [{type: dense, units: %lld}]\n" TRAIN;

static void test_dimensions(void **state)
{
    (void)state;
    /* units, features, timesteps: at the limit, and one past */
    expect(0, NULL, dense_spec, 1LL, 1LL, 65536LL);
    expect(1, "error: 'units' must be between 1 and 65536, found integer 65537", dense_spec,
           1LL, 1LL, 65537LL);
    expect(0, NULL, dense_spec, 1LL, 65536LL, 1LL);
    expect(1, "error: 'features' must be between 1 and 65536, found integer 65537",
           dense_spec, 1LL, 65537LL, 1LL);
    expect(0, NULL, dense_spec, 1000000LL, 1LL, 1LL);
    expect(1, "error: 'timesteps' must be between 1 and 1000000, found integer 1000001",
           dense_spec, 1000001LL, 1LL, 1LL);

    static const char tokens_spec[] =
        "model:\n  name: m\n  input: {type: tokens, length: %lld, vocab: %lld}\n"
        "  layers: [{type: embedding, output_dim: %lld}]\n" TRAIN;
    expect(0, NULL, tokens_spec, 1LL, 100000000LL, 1LL);
    expect(1, "error: 'vocab' must be between 1 and 100000000, found integer 100000001",
           tokens_spec, 1LL, 100000001LL, 1LL);
    expect(0, NULL, tokens_spec, 1000000LL, 10LL, 1LL);
    expect(1, "error: 'length' must be between 1 and 1000000, found integer 1000001",
           tokens_spec, 1000001LL, 10LL, 1LL);
    expect(0, NULL, tokens_spec, 1LL, 10LL, 65536LL);
    expect(1, "error: 'output_dim' must be between 1 and 65536, found integer 65537",
           tokens_spec, 1LL, 10LL, 65537LL);
}

static void test_training_ranges(void **state)
{
    (void)state;
    static const char spec[] =
        "model:\n  name: m\n  input: {type: sequence, timesteps: 1, features: 1}\n"
        "  layers: [{type: dense, units: 1}]\n"
        "training: {loss: mse, %s: %lld}\n";
    expect(0, NULL, spec, "epochs", 1000000LL);
    expect(1, "error: 'epochs' must be between 1 and 1000000, found integer 1000001", spec,
           "epochs", 1000001LL);
    expect(0, NULL, spec, "batch_size", 1LL << 20);
    expect(1, "error: 'batch_size' must be between 1 and 1048576, found integer 1048577",
           spec, "batch_size", (1LL << 20) + 1);
    static const char unroll[] =
        "model:\n  name: m\n  input: {type: sequence, timesteps: 1, features: 1}\n"
        "  layers: [{type: dense, units: 1}]\n" TRAIN "codegen: {unroll: %d}\n";
    expect(0, NULL, unroll, 4096);
    expect(1, "error: 'unroll' must be between 1 and 4096, found integer 4097", unroll, 4097);
}

/* 256 layers, then 257. */
static void test_layer_count(void **state)
{
    (void)state;
    for (int n = 256; n <= 257; n++) {
        char *layers = malloc((size_t)n * 32 + 1), *p = layers;
        assert_non_null(layers);
        for (int i = 0; i < n; i++)
            p += sprintf(p, "%s{type: dense, units: 1}", i ? ", " : "");
        if (n == 256)
            expect(0, NULL, "model:\n  name: m\n  input: {type: sequence, timesteps: 1, "
                   "features: 1}\n  layers: [%s]\n" TRAIN, layers);
        else
            expect(1, "error: a model may have at most 256 layers, found 257",
                   "model:\n  name: m\n  input: {type: sequence, timesteps: 1, "
                   "features: 1}\n  layers: [%s]\n" TRAIN, layers);
        free(layers);
    }
}

/* Names of 63 characters, then 64, for the model and a layer. */
static void test_name_length(void **state)
{
    (void)state;
    char n63[64], n64[65];
    memset(n63, 'a', 63);
    n63[63] = '\0';
    memset(n64, 'a', 64);
    n64[64] = '\0';
    static const char spec[] =
        "model:\n  name: %s\n  input: {type: sequence, timesteps: 1, features: 1}\n"
        "  layers: [{type: dense, units: 1, name: %s}]\n" TRAIN;
    expect(0, NULL, spec, n63, n63);
    expect(1, ":2:9: error: 'name' is 64 characters long; the limit is 63", spec, n64, "d");
    expect(1, ":4:42: error: 'name' is 64 characters long; the limit is 63", spec, "m", n64);
}

/* lstmc embed --prefix: a C identifier of 63 characters, then 64. The
 * 63-character one passes the options and fails later, on the missing
 * weights file; the 64-character one is a usage error. */
static void test_embed_prefix_length(void **state)
{
    (void)state;
    char p63[64], p64[65];
    memset(p63, 'p', 63);
    p63[63] = '\0';
    memset(p64, 'p', 64);
    p64[64] = '\0';
    static const char prefix_error[] = "lstmc: error: --prefix takes a C identifier of at most "
                                       "63 characters";
    for (int n = 63; n <= 64; n++) {
        struct run r = run_lstmc((const char *[]){"embed", "specs/forecast.yaml", "--weights",
                                                  "/nonexistent/w.safetensors", "-o", dir,
                                                  "--prefix", n == 63 ? p63 : p64, NULL});
        assert_int_equal(r.status, 2);
        if (n == 63)
            assert_non_null(strstr(r.err, "/nonexistent/w.safetensors: cannot open"));
        else
            assert_non_null(strstr(r.err, prefix_error));
        assert_int_equal(strstr(r.err, prefix_error) != NULL, n == 64);
        run_free(&r);
    }
}

/* A number of 79 characters (leading zeros), then 80. */
static void test_number_length(void **state)
{
    (void)state;
    char n79[80], n80[81];
    memset(n79, '0', 79);
    n79[78] = '1';
    n79[79] = '\0';
    memset(n80, '0', 80);
    n80[79] = '1';
    n80[80] = '\0';
    static const char spec[] =
        "model:\n  name: m\n  input: {type: sequence, timesteps: 1, features: 1}\n"
        "  layers: [{type: dense, units: 1}]\n"
        "training: {loss: mse, epochs: %s}\n";
    expect(0, NULL, spec, n79);
    expect(1, "error: number is too long (80 characters)", spec, n80);
}

/* 2^31 parameters (an embedding of 32768 x 65536), then 2^31 + 1 (32767 x
 * 65536 and a dense of 65536 + 1 on top). */
static void test_parameter_count(void **state)
{
    (void)state;
    expect(0, NULL,
           "model:\n  name: m\n  input: {type: tokens, length: 1, vocab: 32768}\n"
           "  layers: [{type: embedding, output_dim: 65536}]\n" TRAIN);
    expect(1, "error: the model has too many parameters at layer 'dense'; the limit is "
              "2147483648",
           "model:\n  name: m\n  input: {type: tokens, length: 1, vocab: 32767}\n"
           "  layers: [{type: embedding, output_dim: 65536}, {type: dense, units: 1}]\n"
           TRAIN);
}

/* batch_size x the values per sample of a layer's largest buffer stays
 * below 2^31. 2^31 - 1 is prime, so no spec reaches it exactly: 32767 x
 * 65536 = 2^31 - 2^16 is accepted, 32768 x 65536 = 2^31 refused. */
static void test_batch_values(void **state)
{
    (void)state;
    static const char spec[] =
        "model:\n  name: m\n  input: {type: sequence, timesteps: 65536, features: 1}\n"
        "  layers: [{type: dense, units: 1}]\n"
        "training: {loss: mse, batch_size: %d}\n";
    expect(0, NULL, spec, 32767);
    expect(1, ":4:19: error: layer 'dense' needs 65536 values per sample in one buffer, so "
              "a batch of 32768 samples is above the limit of 2147483647 values per buffer; "
              "lower batch_size or the layer's size",
           spec, 32768);
    /* an LSTM's gates are 4 x units per step */
    static const char lstm[] =
        "model:\n  name: m\n  input: {type: sequence, timesteps: 1000000, features: 1}\n"
        "  layers: [{type: lstm, units: 512}, {type: dense, units: 1}]\n"
        "training: {loss: mse, batch_size: 2}\n";
    expect(1, "error: layer 'lstm' needs 2048000000 values per sample in one buffer, so a "
              "batch of 2 samples is above the limit", lstm);
}

/* The pipeline's sizes: a window of up to 1000000 steps (as timesteps),
 * the seeds of training and of the split (32 bits: up to 2^32 - 1 =
 * 4294967295), early stopping's patience, the tokenizer's num_words (up to
 * the 100000000 of vocab) and pad's maxlen (as length). */
static void test_pipeline_ranges(void **state)
{
    (void)state;
    static const char series[] =
        "model:\n  name: m\n  input: {type: sequence, timesteps: 1000000, features: 1}\n"
        "  layers: [{type: lstm, units: 1}, {type: dense, units: 1}]\n"
        "training: {loss: mse, batch_size: 1, seed: %lld,\n"
        "           early_stopping: {monitor: loss, patience: %lld}}\n"
        "pipeline:\n  source: {type: csv, path: d.csv}\n  series: v\n"
        "  window: {length: %lld}\n  split: {seed: %lld}\n";
    const long long seed = 4294967295LL;
    expect(0, NULL, series, seed, 1000000LL, 1000000LL, seed);
    expect(1, "error: 'length' must be between 1 and 1000000, found integer 1000001", series,
           seed, 1000000LL, 1000001LL, seed);
    expect(1, ":11:17: error: 'seed' must be between 0 and 4294967295, found integer 4294967296",
           series, seed, 1000000LL, 1000000LL, seed + 1);
    expect(1, ":5:44: error: 'seed' must be between 0 and 4294967295, found integer 4294967296",
           series, seed + 1, 1000000LL, 1000000LL, seed);
    expect(1, "error: 'patience' must be between 0 and 1000000, found integer 1000001", series,
           seed, 1000001LL, 1000000LL, seed);

    static const char tokens[] =
        "model:\n  name: m\n  input: {type: tokens, length: 1000000, vocab: 100000000}\n"
        "  layers: [{type: embedding, output_dim: 1}, {type: lstm, units: 1},\n"
        "           {type: dense, units: 1, activation: sigmoid}]\n"
        "training: {loss: binary_crossentropy, batch_size: 1}\n"
        "pipeline:\n  source: {type: csv, path: d.csv}\n  text: t\n  target: y\n"
        "  tokenize: {num_words: %lld}\n  pad: {maxlen: %lld}\n  labels: {encode: false}\n";
    expect(0, NULL, tokens, 100000000LL, 1000000LL);
    expect(1, "error: 'num_words' must be between 2 and 100000000, found integer 100000001",
           tokens, 100000001LL, 1000000LL);
    expect(1, "error: 'maxlen' must be between 1 and 1000000, found integer 1000001", tokens,
           100000000LL, 1000001LL);
}

/* The confusion_matrix plot: 64 classes (LSTMC_PLOT_MAX_CLASSES), then 65.
 * Asked for, 65 is refused; by default the plot is then left out. */
static void test_confusion_classes(void **state)
{
    (void)state;
    static const char spec[] =
        "model:\n  name: m\n  input: {type: sequence, timesteps: 3, features: 1}\n"
        "  layers: [{type: lstm, units: 4}, {type: dense, units: %d, activation: softmax}]\n"
        "training: {loss: categorical_crossentropy}\n"
        "pipeline:\n  source: {type: csv, path: d.csv}\n  features: [x]\n  target: y\n"
        "  window: {length: 3, label: last}\n%s";
    static const char asked[] = "  outputs: {plots: [confusion_matrix]}\n";
    expect(0, NULL, spec, 64, asked);
    expect(1, ":11:21: error: the confusion_matrix plot shows at most 64 classes, but the "
              "model has 65; leave it out of 'plots' (the report still has the matrix)",
           spec, 65, asked);
    for (int k = 64; k <= 65; k++) {
        char *text = format(spec, k, "");
        struct run r = check_text(text, strlen(text));
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, k == 64 ? "plots: confusion_matrix, loss (png)\n"
                                              : "plots: loss (png)\n"));
        run_free(&r);
        free(text);
    }
}

/* A DSL bare word (a name, a keyword, an unquoted value) of 4096 bytes,
 * AST_MAX_STRING, then 4097; YAML's and quoted strings' limit is in
 * test_yaml.c and test_dsl.c. */
static void test_dsl_word_length(void **state)
{
    (void)state;
    static const char spec[] =
        "model m {\n    input = sequence(timesteps = 3, features = 1)\n"
        "    lstm(units = 1)\n    dense(units = 1)\n}\n"
        "training {\n    loss = mse\n}\n"
        "pipeline {\n    source = csv(path = \"d.csv\")\n    series = %s\n"
        "    window { length = 3 }\n}\n";
    char *word = malloc(AST_MAX_STRING + 2);
    assert_non_null(word);
    memset(word, 'x', AST_MAX_STRING + 1);
    for (size_t n = AST_MAX_STRING; n <= AST_MAX_STRING + 1; n++) {
        word[n] = '\0';
        char *text = format(spec, word);
        struct run r = check_file(dsl_path, text, strlen(text));
        if (n == AST_MAX_STRING) {
            assert_string_equal(r.err, "");
            assert_int_equal(r.status, 0);
        } else {
            assert_non_null(strstr(r.err, "spec.lstm:11:14: error: name is too long (4097 "
                                          "bytes; the limit is 4096)\n"));
            assert_int_equal(r.status, 1);
        }
        run_free(&r);
        free(text);
        word[n] = 'x';
    }
    free(word);
}

/* A spec file of exactly 4 MiB (a comment pads it), then one byte more. */
static void test_file_size(void **state)
{
    (void)state;
    static const char spec[] =
        "model:\n  name: m\n  input: {type: sequence, timesteps: 1, features: 1}\n"
        "  layers: [{type: dense, units: 1}]\n" TRAIN "#";
    for (size_t size = SOURCE_MAX_BYTES; size <= SOURCE_MAX_BYTES + 1; size++) {
        char *text = malloc(size);
        assert_non_null(text);
        memcpy(text, spec, strlen(spec));
        memset(text + strlen(spec), 'x', size - strlen(spec) - 1);
        text[size - 1] = '\n';
        struct run r = check_text(text, size);
        if (size == SOURCE_MAX_BYTES) {
            assert_int_equal(r.status, 0);
        } else {
            char want[200];
            snprintf(want, sizeof want, "lstmc: error: cannot read '%s': file is larger than "
                     "the 4 MiB limit for specs\n", path);
            assert_string_equal(r.err, want);
            assert_int_equal(r.status, 2);
        }
        run_free(&r);
        free(text);
    }
}

/* 20 errors are all reported; the 21st gives the fatal line instead. */
static void test_error_count(void **state)
{
    (void)state;
    for (int n = 20; n <= 21; n++) {
        char keys[21 * 16] = "", *p = keys;
        for (int i = 0; i < n; i++)
            p += sprintf(p, ", k%d: 1", i);
        char *text = format("model:\n  name: m\n  input: {type: sequence, timesteps: 1, "
                            "features: 1}\n  layers: [{type: dense, units: 1}]\n"
                            "training: {loss: mse%s}\n", keys);
        struct run r = check_text(text, strlen(text));
        assert_int_equal(r.status, 1);
        size_t errors = 0;
        for (const char *e = r.err; (e = strstr(e, ": error: unknown key")); e++)
            errors++;
        assert_int_equal(errors, 20);
        bool fatal = strstr(r.err, "fatal error: too many errors emitted, stopping now") != NULL;
        assert_int_equal(fatal, n == 21);
        run_free(&r);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dimensions),
        cmocka_unit_test(test_training_ranges),
        cmocka_unit_test(test_layer_count),
        cmocka_unit_test(test_name_length),
        cmocka_unit_test(test_embed_prefix_length),
        cmocka_unit_test(test_number_length),
        cmocka_unit_test(test_parameter_count),
        cmocka_unit_test(test_batch_values),
        cmocka_unit_test(test_pipeline_ranges),
        cmocka_unit_test(test_confusion_classes),
        cmocka_unit_test(test_dsl_word_length),
        cmocka_unit_test(test_file_size),
        cmocka_unit_test(test_error_count),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
