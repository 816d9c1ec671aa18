/*
 * test_build: `lstmc build` in-process: usage errors, the lowered IR dump,
 * the models the emitter refuses, and byte-identical output across runs.
 * (The generated code itself is tested in tests/codegen/.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

static void expect_usage(const char *const *args, const char *message)
{
    struct run r = run_lstmc(args);
    assert_int_equal(r.status, 2);
    if (!strstr(r.err, message)) {
        print_error("stderr was: %s\n", r.err);
        fail();
    }
    run_free(&r);
}

static void test_usage(void **state)
{
    (void)state;
    expect_usage((const char *[]){"build", "specs/forecast.yaml", NULL},
                 "build needs an output directory: -o DIR");
    expect_usage((const char *[]){"build", "--dtype", "f16", "-o", "x", "specs/forecast.yaml", NULL},
                 "--dtype takes 'f32' or 'f64'");
    expect_usage((const char *[]){"build", "--unroll", "0", "-o", "x", "specs/forecast.yaml", NULL},
                 "--unroll takes a number of steps from 1 to 4096, not '0'");
    expect_usage((const char *[]){"build", "-o", NULL}, "-o takes a directory");
    struct run r = run_lstmc((const char *[]){"build", "--help", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: lstmc build"));
    run_free(&r);
}

static void test_dump_ir(void **state)
{
    (void)state;
    char dir[] = "/tmp/lstmc-build-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct run r = run_lstmc((const char *[]){"build", "--no-compile", "--dump-ir", "--dtype",
                                              "f64", "--unroll", "3", "-o", dir,
                                              "tests/numeric/specs/stacked.yaml", NULL});
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out,
        "model stacked dtype f64 batch 4 unroll 3 params 406 masks 0\n"
        "input sequence [5, 3]\n"
        "layer lstm lstm in [5, 3] out [5, 4]\n"
        "layer lstm_1 lstm in [5, 4] out [1, 6]\n"
        "layer dense dense in [1, 6] out [1, 2]\n"
        "tensor lstm/kernel [3, 16] offset 0 init glorot_uniform\n"
        "tensor lstm/recurrent_kernel [4, 16] offset 48 init orthogonal\n"
        "tensor lstm/bias [16] offset 112 init zeros unit_forget_bias\n"
        "tensor lstm_1/kernel [4, 24] offset 128 init glorot_uniform\n"
        "tensor lstm_1/recurrent_kernel [6, 24] offset 224 init orthogonal\n"
        "tensor lstm_1/bias [24] offset 368 init zeros unit_forget_bias\n"
        "tensor dense/kernel [6, 2] offset 392 init glorot_uniform\n"
        "tensor dense/bias [2] offset 404 init zeros\n");
    run_free(&r);
    const char *files[] = {"stacked.h", "stacked.c", "stacked_main.c"};
    char *first[3];
    for (int i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        first[i] = read_file(path);
        assert_non_null(first[i]);
        /* four-space indentation, no tabs, no trailing whitespace */
        assert_null(strchr(first[i], '\t'));
        assert_null(strstr(first[i], " \n"));
    }
    assert_non_null(strstr(first[0], "do not edit"));
    assert_non_null(strstr(first[0], "#define STACKED_PARAM_COUNT 406"));
    assert_non_null(strstr(first[1], "/* lstm_1: LSTM, 6 units (tests/numeric/specs/stacked.yaml:"));
    /* deterministic: a second run writes the same bytes */
    r = run_lstmc((const char *[]){"build", "--no-compile", "--dtype", "f64", "--unroll", "3",
                                   "-o", dir, "tests/numeric/specs/stacked.yaml", NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);
    for (int i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        char *again = read_file(path);
        assert_string_equal(first[i], again);
        free(again);
        free(first[i]);
        remove(path);
    }
    rmdir(dir);
}

/* Cross-entropy is scored from the output layer's logits, so nothing may
 * follow it. */
static void test_refused(void **state)
{
    (void)state;
    char path[] = "/tmp/lstmc-xent-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("model:\n"
          "  name: xent\n"
          "  input: {type: sequence, timesteps: 3, features: 2}\n"
          "  layers:\n"
          "    - {type: lstm, units: 4}\n"
          "    - {type: dense, units: 1, activation: sigmoid}\n"
          "    - {type: dropout, rate: 0.5}\n"
          "training:\n"
          "  loss: binary_crossentropy\n", f);
    fclose(f);
    struct run r = run_lstmc((const char *[]){"build", "--no-compile", "--syntax", "yaml", "-o", "/tmp/unused",
                                              path, NULL});
    assert_int_equal(r.status, 1);
    char want[512];
    snprintf(want, sizeof want,
             "%s:7:14: error: 'dropout' follows the model's output layer; lstmc scores "
             "cross-entropy from the output's logits, so the output layer must come last\n"
             "    7 |     - {type: dropout, rate: 0.5}\n"
             "      |              ^~~~~~~\n", path);
    assert_string_equal(r.err, want);
    run_free(&r);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_dump_ir),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
