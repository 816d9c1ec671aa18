/*
 * The bundled specs: both syntaxes give the same tree, fmt converts
 * between them losslessly, and the checked models have Keras' parameter
 * counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "diag.h"
#include "front.h"
#include "run.h"
#include "spec.h"

static const char *const spec_names[] = {"forecast", "classify", "sentiment", "vowels"};
#define NSPECS (sizeof spec_names / sizeof spec_names[0])

static void assert_ok(const struct run *r)
{
    if (r->status != 0 || r->err[0])
        fail_msg("lstmc exited %d with:\n%s", r->status, r->err);
}

static void yaml_and_dsl_give_the_same_tree(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSPECS; i++) {
        char yaml[64], dsl[64];
        snprintf(yaml, sizeof yaml, "specs/%s.yaml", spec_names[i]);
        snprintf(dsl, sizeof dsl, "specs/%s.lstm", spec_names[i]);
        struct run a = run_lstmc((const char *[]){"check", "--dump-ast", yaml, NULL});
        struct run b = run_lstmc((const char *[]){"check", "--dump-ast", dsl, NULL});
        assert_ok(&a);
        assert_ok(&b);
        assert_true(strlen(a.out) > 100);
        assert_string_equal(a.out, b.out);
        run_free(&a);
        run_free(&b);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* YAML -> DSL -> YAML is the identity on canonical text, and fmt is idempotent. */
static void fmt_round_trips(void **state)
{
    (void)state;
    char dir[] = "/tmp/lstmc-fmt-XXXXXX";
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < NSPECS; i++) {
        char yaml[64], dsl[64], tmp_dsl[128], tmp_yaml[128];
        snprintf(yaml, sizeof yaml, "specs/%s.yaml", spec_names[i]);
        snprintf(dsl, sizeof dsl, "specs/%s.lstm", spec_names[i]);
        snprintf(tmp_dsl, sizeof tmp_dsl, "%s/%s.lstm", dir, spec_names[i]);
        snprintf(tmp_yaml, sizeof tmp_yaml, "%s/%s.yaml", dir, spec_names[i]);

        struct run y1 = run_lstmc((const char *[]){"fmt", yaml, NULL});
        struct run d1 = run_lstmc((const char *[]){"fmt", "--to", "dsl", yaml, NULL});
        assert_ok(&y1);
        assert_ok(&d1);
        write_file(tmp_dsl, d1.out);
        struct run y2 = run_lstmc((const char *[]){"fmt", "--to", "yaml", tmp_dsl, NULL});
        assert_ok(&y2);
        assert_string_equal(y1.out, y2.out);

        /* The hand-written DSL spec formats to the same canonical DSL. */
        struct run d2 = run_lstmc((const char *[]){"fmt", dsl, NULL});
        assert_ok(&d2);
        assert_string_equal(d1.out, d2.out);

        write_file(tmp_yaml, y1.out);
        struct run y3 = run_lstmc((const char *[]){"fmt", tmp_yaml, NULL});
        assert_ok(&y3);
        assert_string_equal(y1.out, y3.out);

        remove(tmp_dsl);
        remove(tmp_yaml);
        run_free(&y1);
        run_free(&y2);
        run_free(&y3);
        run_free(&d1);
        run_free(&d2);
    }
    remove(dir);
}

static int64_t params_of(const char *path)
{
    const char *why = NULL;
    struct source *src = source_open(path, &why);
    if (!src)
        fail_msg("cannot read %s: %s", path, why);
    struct diag d;
    diag_init(&d, stderr);
    bool yaml = strstr(path, ".yaml") != NULL;
    struct node *root = yaml ? yaml_parse(src, &d) : dsl_parse(src, &d);
    struct spec spec;
    memset(&spec, 0, sizeof spec);
    bool ok = root && check_spec(&spec, src, root, &d);
    assert_true(ok);
    int64_t n = spec.model.params;
    spec_free(&spec);
    node_free(root);
    source_free(src);
    return n;
}

/* Totals from Keras' model.summary() for the same models. */
static void parameter_counts_match_keras(void **state)
{
    (void)state;
    assert_int_equal(params_of("specs/forecast.yaml"), 31901);
    assert_int_equal(params_of("specs/forecast.lstm"), 31901);
    assert_int_equal(params_of("specs/sentiment.yaml"), 2651701);
    assert_int_equal(params_of("specs/sentiment.lstm"), 2651701);
    assert_int_equal(params_of("tests/specs/classify3.yaml"), 32353);
    /* By hand: LSTM 4·100·(12+100+1) = 45200, Dense 100·9+9 = 909. */
    assert_int_equal(params_of("specs/vowels.yaml"), 46109);
    /* By hand: LSTM 4·50·(4+50+1) = 11000, 4·50·(50+50+1) = 20200,
     * Dense 50·25+25 = 1275, 25·5+5 = 130. */
    assert_int_equal(params_of("specs/classify.lstm"), 32605);
}

static const char forecast_summary[] =
    "Model: \"forecast\"\n"
    "_________________________________________________________________\n"
    " Layer (type)                Output Shape              Param #\n"
    "=================================================================\n"
    " lstm (LSTM)                 (None, 10, 50)            10400\n"
    " lstm_1 (LSTM)               (None, 50)                20200\n"
    " dense (Dense)               (None, 25)                1275\n"
    " dense_1 (Dense)             (None, 1)                 26\n"
    "=================================================================\n"
    "Total params: 31,901\n"
    "Trainable params: 31,901\n"
    "Non-trainable params: 0\n"
    "_________________________________________________________________\n";

static void check_prints_the_same_summary_for_both_syntaxes(void **state)
{
    (void)state;
    struct run a = run_lstmc((const char *[]){"check", "specs/forecast.yaml", NULL});
    struct run b = run_lstmc((const char *[]){"check", "specs/forecast.lstm", NULL});
    assert_ok(&a);
    assert_ok(&b);
    assert_string_equal(a.out, b.out);
    assert_memory_equal(a.out, forecast_summary, strlen(forecast_summary));
    assert_non_null(strstr(a.out, "Pipeline:\n  1. load      csv "));
    run_free(&a);
    run_free(&b);
}

static void usage_errors_exit_2(void **state)
{
    (void)state;
    struct run r = run_lstmc((const char *[]){"check", NULL});
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "lstmc: error: no spec given to 'check'\n"
                               "Try 'lstmc --help' for more information.\n");
    run_free(&r);
    r = run_lstmc((const char *[]){"check", "tests/specs/no-such-file.yaml", NULL});
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "lstmc: error: cannot read 'tests/specs/no-such-file.yaml': "
                               "No such file or directory\n");
    run_free(&r);
    r = run_lstmc((const char *[]){"check", "specs/forecast.txt", NULL});
    assert_int_equal(r.status, 2);
    run_free(&r);
    r = run_lstmc((const char *[]){"frobnicate", NULL});
    assert_int_equal(r.status, 2);
    run_free(&r);
    r = run_lstmc((const char *[]){"check", "--bogus", "specs/forecast.yaml", NULL});
    assert_int_equal(r.status, 2);
    run_free(&r);
}

static void help_and_version(void **state)
{
    (void)state;
    struct run r = run_lstmc((const char *[]){"--help", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: lstmc"));
    run_free(&r);
    r = run_lstmc((const char *[]){"check", "--help", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: lstmc check"));
    run_free(&r);
    r = run_lstmc((const char *[]){"fmt", "--help", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: lstmc fmt"));
    run_free(&r);
    r = run_lstmc((const char *[]){"--version", NULL});
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.out, "lstmc ", 6), 0);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yaml_and_dsl_give_the_same_tree),
        cmocka_unit_test(fmt_round_trips),
        cmocka_unit_test(parameter_counts_match_keras),
        cmocka_unit_test(check_prints_the_same_summary_for_both_syntaxes),
        cmocka_unit_test(usage_errors_exit_2),
        cmocka_unit_test(help_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
