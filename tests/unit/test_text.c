/*
 * test_text: runtime/text.c, the Keras Tokenizer and pad_sequences.
 *
 * Two kinds of expected values:
 *   - small texts whose indices are worked out by hand below from the rules
 *     of keras_preprocessing/text.py (ranking by count with ties in order
 *     of first appearance, indices from 1, the oov token at 1, the
 *     num_words cut, filters, lower) and sequence.py (pad_sequences);
 *   - tests/prep/keras_text_sls_imdb.json, made by tools/keras_text_ref.py
 *     (an independent Python re-implementation of those files) on the 1000
 *     reviews of examples/data/sentiment-labelled-sentences/sls-imdb.csv,
 *     under five settings: every index of every sequence must match.
 * Run from the source root (the fixture path is relative to it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lstmc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURE "tests/prep/keras_text_sls_imdb.json"

static void assert_ids(const int32_t *got, size_t n_got, const int32_t *want, size_t n_want,
                       const char *what)
{
    if (n_got != n_want) {
        print_error("%s: %zu indices, want %zu\n", what, n_got, n_want);
        fail();
    }
    for (size_t i = 0; i < n_want; i++)
        if (got[i] != want[i]) {
            print_error("%s[%zu]: got %d, want %d\n", what, i, (int)got[i], (int)want[i]);
            fail();
        }
}

static lstmc_tokenizer *fitted(const lstmc_tokenizer_config *cfg, const char *const *texts,
                               size_t n)
{
    lstmc_tokenizer *t = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_tokenizer_create(&t, cfg, &err), LSTMC_OK);
    assert_int_equal(lstmc_tokenizer_fit(t, texts, NULL, n, &err), LSTMC_OK);
    return t;
}

/* Encodes one NUL-terminated text and compares. */
static void check_encode(const lstmc_tokenizer *t, const char *text, const int32_t *want,
                         size_t n_want)
{
    int32_t got[64];
    size_t n = 0;
    lstmc_error err;
    assert_int_equal(lstmc_tokenizer_encode(t, got, ARRAY_LEN(got), &n, text, strlen(text),
                                            &err),
                     LSTMC_OK);
    assert_ids(got, n, want, n_want, text);
}

static void check_index(const lstmc_tokenizer *t, const char *word, size_t want)
{
    size_t got = lstmc_tokenizer_index(t, word, strlen(word));
    if (got != want) {
        print_error("index of '%s': got %zu, want %zu\n", word, got, want);
        fail();
    }
}

static const char *const cats[] = {"The cat sat on the mat.", "The dog ate the cat!"};

/* Counts: the 4, cat 2, and 1 each for sat, on, mat, dog, ate in that
 * order of first appearance, so the ranks are the, cat, sat, on, mat, dog,
 * ate: indices 1..7. */
static void test_rank_ties_first_appearance(void **state)
{
    (void)state;
    lstmc_tokenizer *t = fitted(NULL, cats, 2);
    static const char *const order[] = {"the", "cat", "sat", "on", "mat", "dog", "ate"};
    for (size_t i = 0; i < ARRAY_LEN(order); i++)
        check_index(t, order[i], i + 1);
    assert_int_equal(lstmc_tokenizer_word_count(t), 7);
    assert_int_equal(lstmc_tokenizer_word_frequency(t, "the", 3), 4);
    assert_int_equal(lstmc_tokenizer_word_frequency(t, "cat", 3), 2);
    check_index(t, "The", 0); /* stored lower-cased */
    size_t len = 0;
    const char *w = lstmc_tokenizer_word(t, 5, &len);
    assert_non_null(w);
    assert_int_equal(len, 3);
    assert_memory_equal(w, "mat", 3);
    assert_null(lstmc_tokenizer_word(t, 8, &len));
    assert_null(lstmc_tokenizer_word(t, 0, &len));
    assert_int_equal(lstmc_tokenizer_oov_index(t), 0);
    /* unknown words ("a", "fish") are dropped */
    check_encode(t, "the cat ate a fish", (const int32_t[]){1, 2, 7}, 3);
    lstmc_tokenizer_destroy(t);
}

/* num_words 4 keeps indices 1..3: "ate" (7) is dropped. */
static void test_num_words_cut(void **state)
{
    (void)state;
    lstmc_tokenizer_config cfg = lstmc_tokenizer_defaults();
    cfg.num_words = 4;
    lstmc_tokenizer *t = fitted(&cfg, cats, 2);
    check_index(t, "ate", 7); /* the index stays; only sequences are cut */
    check_encode(t, "the cat ate a fish sat on", (const int32_t[]){1, 2, 3}, 3);
    lstmc_tokenizer_destroy(t);
}

/* With oov_token "<unk>": <unk> 1, the 2, cat 3, sat 4, on 5, mat 6, dog 7,
 * ate 8; num_words 4 keeps 1..3 and maps the rest and unknown words to 1. */
static void test_oov_token(void **state)
{
    (void)state;
    lstmc_tokenizer_config cfg = lstmc_tokenizer_defaults();
    cfg.num_words = 4;
    cfg.oov_token = "<unk>";
    lstmc_tokenizer *t = fitted(&cfg, cats, 2);
    check_index(t, "<unk>", 1);
    check_index(t, "the", 2);
    check_index(t, "ate", 8);
    assert_int_equal(lstmc_tokenizer_oov_index(t), 1);
    size_t len;
    assert_string_equal(lstmc_tokenizer_word(t, 1, &len), "<unk>");
    check_encode(t, "the cat ate a fish", (const int32_t[]){2, 3, 1, 1, 1}, 5);
    lstmc_tokenizer_destroy(t);

    cfg.num_words = 0; /* None: every index kept, unknown words still 1 */
    t = fitted(&cfg, cats, 2);
    check_encode(t, "the cat ate a fish", (const int32_t[]){2, 3, 8, 1, 1}, 5);
    lstmc_tokenizer_destroy(t);
}

/* Keras' quirk: word_index = dict(zip([oov] + ranked, 1..)), so an oov
 * token that is also a word gets that word's index and index 1 is unused.
 * "oov a a b": a 2 counts, then oov and b 1 each in that order: ranked
 * a, oov, b -> a 2, oov 3, b 4. */
static void test_oov_token_also_a_word(void **state)
{
    (void)state;
    static const char *const texts[] = {"oov a a b"};
    lstmc_tokenizer_config cfg = lstmc_tokenizer_defaults();
    cfg.oov_token = "oov";
    lstmc_tokenizer *t = fitted(&cfg, texts, 1);
    check_index(t, "a", 2);
    check_index(t, "oov", 3);
    check_index(t, "b", 4);
    assert_int_equal(lstmc_tokenizer_oov_index(t), 3);
    size_t len;
    assert_null(lstmc_tokenizer_word(t, 1, &len));
    check_encode(t, "a zz b oov", (const int32_t[]){2, 3, 4, 3}, 4);
    lstmc_tokenizer_destroy(t);

    cfg.num_words = 3; /* b (4) and oov (3) are beyond the cut: both give 3 */
    t = fitted(&cfg, texts, 1);
    check_encode(t, "a zz b oov", (const int32_t[]){2, 3, 3, 3}, 4);
    lstmc_tokenizer_destroy(t);

    /* num_words 1 keeps no word, yet Keras still emits the oov index 1 */
    static const char *const ab[] = {"a b"};
    cfg.num_words = 1;
    cfg.oov_token = "<unk>";
    t = fitted(&cfg, ab, 1);
    check_encode(t, "a b c", (const int32_t[]){1, 1, 1}, 3);
    lstmc_tokenizer_destroy(t);
}

/* The default filters become spaces (the apostrophe is not one); only ' '
 * splits, so '\r' stays in a word; runs of separators give no empty word. */
static void test_filters_and_split(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "Hello,  World!\tfoo-bar\nbaz don't (x)  a\rb  [y]{z}~`@#$%^&*_+=|\\/<>?;:\"."};
    lstmc_tokenizer *t = fitted(NULL, texts, 1);
    static const char *const order[] = {"hello", "world", "foo", "bar", "baz", "don't",
                                        "x", "a\rb", "y", "z"};
    assert_int_equal(lstmc_tokenizer_word_count(t), ARRAY_LEN(order));
    for (size_t i = 0; i < ARRAY_LEN(order); i++)
        check_index(t, order[i], i + 1);
    lstmc_tokenizer_destroy(t);

    /* filters "" keep punctuation inside words; lower false keeps case */
    lstmc_tokenizer_config cfg = lstmc_tokenizer_defaults();
    cfg.filters = "";
    cfg.lower = false;
    static const char *const t2[] = {"Hi, hi. Hi,"};
    t = fitted(&cfg, t2, 1);
    check_index(t, "Hi,", 1); /* 2 counts */
    check_index(t, "hi.", 2);
    check_index(t, "hi,", 0);
    lstmc_tokenizer_destroy(t);
}

/* Filters are characters, so a UTF-8 one works. Lower-casing is ASCII
 * only: Keras (str.lower) would make "ÉCOLE" "école" and, with the filter
 * "é", the word "cole" twice; lstmc keeps "École" (documented). */
static void test_utf8_filters_and_ascii_lower(void **state)
{
    (void)state;
    lstmc_tokenizer_config cfg = lstmc_tokenizer_defaults();
    cfg.filters = "\xc3\xa9"; /* é */
    static const char *const texts[] = {"\xc3\x89" "COLE \xc3\xa9" "cole caf\xc3\xa9 au, lait"};
    lstmc_tokenizer *t = fitted(&cfg, texts, 1);
    check_index(t, "\xc3\x89" "cole", 1);
    check_index(t, "cole", 2);
    check_index(t, "caf", 3);
    check_index(t, "au,", 4);
    check_index(t, "lait", 5);
    lstmc_tokenizer_destroy(t);
}

/* Fitting twice equals fitting once on both: "b a" then "a" ranks a, b. */
static void test_fit_twice(void **state)
{
    (void)state;
    static const char *const first[] = {"b a"}, *const second[] = {"a"};
    lstmc_tokenizer *t = fitted(NULL, first, 1);
    check_index(t, "b", 1);
    lstmc_error err;
    assert_int_equal(lstmc_tokenizer_fit(t, second, NULL, 1, &err), LSTMC_OK);
    check_index(t, "a", 1);
    check_index(t, "b", 2);
    lstmc_tokenizer_destroy(t);
}

/* Texts with explicit lengths may hold U+0000, an ordinary character. */
static void test_lengths_and_nul(void **state)
{
    (void)state;
    static const char raw[] = "x\0y x";
    const char *texts[] = {raw};
    size_t lens[] = {sizeof raw - 1};
    lstmc_tokenizer *t = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_tokenizer_create(&t, NULL, &err), LSTMC_OK);
    assert_int_equal(lstmc_tokenizer_fit(t, texts, lens, 1, &err), LSTMC_OK);
    assert_int_equal(lstmc_tokenizer_index(t, "x\0y", 3), 1);
    assert_int_equal(lstmc_tokenizer_index(t, "x", 1), 2);
    lstmc_tokenizer_destroy(t);
}

/* pad_sequences on [[1,2,3,4,5],[6,7],[]] with maxlen 3, every side. */
static void test_pad_sequences(void **state)
{
    (void)state;
    static const int32_t ids[] = {1, 2, 3, 4, 5, 6, 7};
    static const size_t offsets[] = {0, 5, 7, 7};
    static const struct {
        lstmc_pad_side padding, truncating;
        int32_t value;
        int32_t want[9];
    } cases[] = {
        {LSTMC_PAD_PRE, LSTMC_PAD_PRE, 0, {3, 4, 5, 0, 6, 7, 0, 0, 0}},
        {LSTMC_PAD_POST, LSTMC_PAD_PRE, 0, {3, 4, 5, 6, 7, 0, 0, 0, 0}},
        {LSTMC_PAD_PRE, LSTMC_PAD_POST, 0, {1, 2, 3, 0, 6, 7, 0, 0, 0}},
        {LSTMC_PAD_POST, LSTMC_PAD_POST, -1, {1, 2, 3, 6, 7, -1, -1, -1, -1}},
    };
    lstmc_error err;
    for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
        int32_t out[9];
        assert_int_equal(lstmc_pad_sequences_i32(out, ids, offsets, 3, 3, cases[c].padding,
                                                 cases[c].truncating, cases[c].value, &err),
                         LSTMC_OK);
        assert_ids(out, 9, cases[c].want, 9, "padded");
    }
    /* longer maxlen: zeros only */
    int32_t out[14];
    assert_int_equal(lstmc_pad_sequences_i32(out, ids, offsets, 2, 7, LSTMC_PAD_PRE,
                                             LSTMC_PAD_PRE, 0, &err),
                     LSTMC_OK);
    assert_ids(out, 14, (const int32_t[]){0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 6, 7}, 14,
               "maxlen 7");
    assert_int_equal(lstmc_pad_sequences_i32(out, ids, offsets, 2, 0, LSTMC_PAD_PRE,
                                             LSTMC_PAD_PRE, 0, &err),
                     LSTMC_ERR_ARG);
    lstmc_pad_side side;
    assert_int_equal(lstmc_pad_side_lookup(&side, "post"), LSTMC_OK);
    assert_int_equal(side, LSTMC_PAD_POST);
    assert_int_equal(lstmc_pad_side_lookup(&side, "middle"), LSTMC_ERR_ARG);
    assert_string_equal(lstmc_pad_side_name(LSTMC_PAD_PRE), "pre");
}

/* texts_to_padded keeps the last maxlen indices of long texts in one
 * scan: a..g have indices 1..7 (one count each, in order). */
static void test_texts_to_padded(void **state)
{
    (void)state;
    static const char *const fit[] = {"a b c d e f g"};
    static const char *const texts[] = {"a b c d e f g", "a b c", "a b c d", "a", "", "x y"};
    static const struct {
        lstmc_pad_side padding, truncating;
        int32_t want[18];
    } cases[] = {
        {LSTMC_PAD_PRE, LSTMC_PAD_PRE, {5, 6, 7, 1, 2, 3, 2, 3, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0}},
        {LSTMC_PAD_POST, LSTMC_PAD_PRE, {5, 6, 7, 1, 2, 3, 2, 3, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
        {LSTMC_PAD_PRE, LSTMC_PAD_POST, {1, 2, 3, 1, 2, 3, 1, 2, 3, 0, 0, 1, 0, 0, 0, 0, 0, 0}},
        {LSTMC_PAD_POST, LSTMC_PAD_POST, {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
    };
    lstmc_tokenizer *t = fitted(NULL, fit, 1);
    lstmc_error err;
    for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
        int32_t out[18];
        memset(out, 0x55, sizeof out);
        assert_int_equal(lstmc_tokenizer_texts_to_padded(t, out, texts, NULL, 6, 3,
                                                         cases[c].padding, cases[c].truncating,
                                                         &err),
                         LSTMC_OK);
        assert_ids(out, 18, cases[c].want, 18, "texts_to_padded");
    }
    lstmc_tokenizer_destroy(t);
}

/* Invalid UTF-8 is refused with the text and byte; empty oov_token too. */
static void test_errors(void **state)
{
    (void)state;
    lstmc_tokenizer *t = NULL;
    lstmc_error err;
    lstmc_tokenizer_config cfg = lstmc_tokenizer_defaults();
    cfg.oov_token = "";
    assert_int_equal(lstmc_tokenizer_create(&t, &cfg, &err), LSTMC_ERR_ARG);
    assert_null(t);
    cfg.oov_token = NULL;
    cfg.filters = "\xff";
    assert_int_equal(lstmc_tokenizer_create(&t, &cfg, &err), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_tokenizer_create(&t, NULL, &err), LSTMC_OK);
    static const char *const texts[] = {"fine", "bad \xc3( byte", "never counted"};
    assert_int_equal(lstmc_tokenizer_fit(t, texts, NULL, 3, &err), LSTMC_ERR_ARG);
    assert_int_equal(err.row, 2);
    assert_int_equal(err.col, 5);
    assert_string_equal(err.msg, "text 2 is not valid UTF-8 at byte 5");
    assert_int_equal(lstmc_tokenizer_word_count(t), 0); /* unchanged */
    static const char *const bad[] = {"\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xe2\x82"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        assert_int_equal(lstmc_tokenizer_fit(t, &bad[i], NULL, 1, &err), LSTMC_ERR_ARG);
    size_t n;
    assert_int_equal(lstmc_tokenizer_encode(t, NULL, 0, &n, "\x80", 1, &err), LSTMC_ERR_ARG);
    lstmc_tokenizer_destroy(t);
    lstmc_tokenizer_destroy(NULL);
}

/* ------------------------------------------------------------------ */
/* Against the Python reference                                        */
/* ------------------------------------------------------------------ */

struct fixture {
    json_t *root;
    size_t n_texts, n_fit;
    const char **texts;
    size_t *lens;
};

static int fixture_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    json_error_t je;
    if (!f)
        return -1;
    f->root = json_load_file(FIXTURE, JSON_ALLOW_NUL, &je);
    if (!f->root) {
        print_error("%s:%d: %s\n", FIXTURE, je.line, je.text);
        free(f);
        return -1;
    }
    json_t *texts = json_object_get(f->root, "texts");
    f->n_texts = json_array_size(texts);
    f->n_fit = (size_t)json_integer_value(json_object_get(f->root, "n_fit"));
    f->texts = calloc(f->n_texts, sizeof *f->texts);
    f->lens = calloc(f->n_texts, sizeof *f->lens);
    for (size_t i = 0; i < f->n_texts; i++) {
        f->texts[i] = json_string_value(json_array_get(texts, i));
        f->lens[i] = json_string_length(json_array_get(texts, i));
    }
    *state = f;
    return f->n_texts == 1000 && f->n_fit == 800 ? 0 : -1;
}

static int fixture_teardown(void **state)
{
    struct fixture *f = *state;
    json_decref(f->root);
    free(f->texts);
    free(f->lens);
    free(f);
    return 0;
}

static const char *str_or_null(json_t *case_, const char *key)
{
    return json_string_value(json_object_get(case_, key));
}

static lstmc_pad_side side_of(json_t *case_, const char *key)
{
    lstmc_pad_side s = LSTMC_PAD_COUNT;
    assert_int_equal(lstmc_pad_side_lookup(&s, str_or_null(case_, key)), LSTMC_OK);
    return s;
}

/* Checks tokenizer t against one fixture case: the index of every word,
 * every sequence of all 1000 texts, and the padded matrix both ways. */
static void check_case(const struct fixture *f, json_t *c, const lstmc_tokenizer *t)
{
    const char *name = str_or_null(c, "name");
    lstmc_error err;
    assert_int_equal(lstmc_tokenizer_word_count(t),
                     (size_t)json_integer_value(json_object_get(c, "word_count")));
    json_t *iw = json_object_get(c, "index_word");
    for (size_t i = 0; i < json_array_size(iw); i++) {
        json_t *w = json_array_get(iw, i);
        size_t len = 0;
        const char *got = lstmc_tokenizer_word(t, i + 1, &len);
        if (json_is_null(w)) {
            assert_null(got);
            continue;
        }
        if (!got || len != json_string_length(w) || memcmp(got, json_string_value(w), len)) {
            print_error("%s: word of index %zu: got '%.*s', want '%s'\n", name, i + 1,
                        got ? (int)len : 6, got ? got : "(null)", json_string_value(w));
            fail();
        }
        assert_int_equal(lstmc_tokenizer_index(t, got, len), i + 1);
    }

    lstmc_sequences *seqs = NULL;
    assert_int_equal(lstmc_tokenizer_texts_to_sequences(&seqs, t, f->texts, f->lens,
                                                        f->n_texts, &err),
                     LSTMC_OK);
    json_t *want_seqs = json_object_get(c, "sequences");
    assert_int_equal(seqs->n, json_array_size(want_seqs));
    int32_t want[512];
    for (size_t i = 0; i < seqs->n; i++) {
        json_t *ws = json_array_get(want_seqs, i);
        size_t n = json_array_size(ws);
        assert_true(n <= ARRAY_LEN(want));
        for (size_t j = 0; j < n; j++)
            want[j] = (int32_t)json_integer_value(json_array_get(ws, j));
        char what[64];
        snprintf(what, sizeof what, "%s: sequence %zu", name, i);
        assert_ids(seqs->ids + seqs->offsets[i], seqs->offsets[i + 1] - seqs->offsets[i], want,
                   n, what);
    }

    size_t maxlen = (size_t)json_integer_value(json_object_get(c, "maxlen"));
    lstmc_pad_side padding = side_of(c, "padding"), truncating = side_of(c, "truncating");
    json_t *want_pad = json_object_get(c, "padded");
    int32_t *a = calloc(f->n_texts * maxlen, sizeof *a);
    int32_t *b = calloc(f->n_texts * maxlen, sizeof *b);
    int32_t *w = calloc(f->n_texts * maxlen, sizeof *w);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(w);
    for (size_t i = 0; i < f->n_texts; i++)
        for (size_t j = 0; j < maxlen; j++)
            w[i * maxlen + j] =
                (int32_t)json_integer_value(json_array_get(json_array_get(want_pad, i), j));
    assert_int_equal(lstmc_pad_sequences_i32(a, seqs->ids, seqs->offsets, seqs->n, maxlen,
                                             padding, truncating, 0, &err),
                     LSTMC_OK);
    assert_int_equal(lstmc_tokenizer_texts_to_padded(t, b, f->texts, f->lens, f->n_texts,
                                                     maxlen, padding, truncating, &err),
                     LSTMC_OK);
    assert_ids(a, f->n_texts * maxlen, w, f->n_texts * maxlen, "pad_sequences");
    assert_ids(b, f->n_texts * maxlen, w, f->n_texts * maxlen, "texts_to_padded");
    free(a);
    free(b);
    free(w);
    lstmc_sequences_destroy(seqs);
}

static lstmc_tokenizer *fit_case(const struct fixture *f, json_t *c)
{
    lstmc_tokenizer_config cfg = {
        .num_words = (size_t)json_integer_value(json_object_get(c, "num_words")),
        .lower = json_is_true(json_object_get(c, "lower")),
        .filters = str_or_null(c, "filters"),
        .oov_token = str_or_null(c, "oov_token"),
    };
    lstmc_tokenizer *t = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_tokenizer_create(&t, &cfg, &err), LSTMC_OK);
    assert_int_equal(lstmc_tokenizer_fit(t, f->texts, f->lens, f->n_fit, &err), LSTMC_OK);
    return t;
}

static void test_reference_fixture(void **state)
{
    const struct fixture *f = *state;
    json_t *cases = json_object_get(f->root, "cases");
    assert_int_equal(json_array_size(cases), 5);
    for (size_t k = 0; k < json_array_size(cases); k++) {
        json_t *c = json_array_get(cases, k);
        lstmc_tokenizer *t = fit_case(f, c);
        check_case(f, c, t);
        lstmc_tokenizer_destroy(t);
    }
}

/* Saved and loaded, through a string and through a file, a tokenizer
 * gives the same indices and sequences and saves to the same bytes. */
static void test_json_round_trip(void **state)
{
    const struct fixture *f = *state;
    json_t *cases = json_object_get(f->root, "cases");
    char dir[] = "/tmp/lstmc_text_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/vocab.json", dir);
    for (size_t k = 0; k < json_array_size(cases); k++) {
        json_t *c = json_array_get(cases, k);
        lstmc_tokenizer *t = fit_case(f, c), *u = NULL, *v = NULL;
        char *s1 = NULL, *s2 = NULL, *s3 = NULL;
        lstmc_error err;
        assert_int_equal(lstmc_tokenizer_to_json(&s1, t, &err), LSTMC_OK);
        assert_int_equal(lstmc_tokenizer_from_json(&u, s1, strlen(s1), &err), LSTMC_OK);
        check_case(f, c, u);
        assert_int_equal(lstmc_tokenizer_to_json(&s2, u, &err), LSTMC_OK);
        assert_string_equal(s1, s2);
        assert_int_equal(lstmc_tokenizer_save(t, path, &err), LSTMC_OK);
        assert_int_equal(lstmc_tokenizer_load(&v, path, &err), LSTMC_OK);
        assert_int_equal(lstmc_tokenizer_to_json(&s3, v, &err), LSTMC_OK);
        assert_string_equal(s1, s3);
        /* fitting further after a load matches fitting the original */
        assert_int_equal(lstmc_tokenizer_fit(t, f->texts + f->n_fit, f->lens + f->n_fit,
                                             f->n_texts - f->n_fit, &err),
                         LSTMC_OK);
        assert_int_equal(lstmc_tokenizer_fit(u, f->texts + f->n_fit, f->lens + f->n_fit,
                                             f->n_texts - f->n_fit, &err),
                         LSTMC_OK);
        free(s1);
        free(s2);
        assert_int_equal(lstmc_tokenizer_to_json(&s1, t, &err), LSTMC_OK);
        assert_int_equal(lstmc_tokenizer_to_json(&s2, u, &err), LSTMC_OK);
        assert_string_equal(s1, s2);
        free(s1);
        free(s2);
        free(s3);
        lstmc_tokenizer_destroy(t);
        lstmc_tokenizer_destroy(u);
        lstmc_tokenizer_destroy(v);
    }
    unlink(path);
    rmdir(dir);
}

static void test_json_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"format\": \"lstmc.tokenizer\",\n \"version\": 1,",
        "[]",
        "{\"format\":\"lstmc.scaler\",\"version\":1}",
        "{\"format\":\"lstmc.tokenizer\",\"version\":2,\"num_words\":0,\"lower\":true,"
        "\"filters\":\"\",\"oov_token\":null,\"words\":[],\"counts\":[]}",
        "{\"format\":\"lstmc.tokenizer\",\"version\":1,\"num_words\":0,\"lower\":true,"
        "\"filters\":\"\",\"oov_token\":null,\"words\":[\"a\",\"a\"],\"counts\":[1,1]}",
        "{\"format\":\"lstmc.tokenizer\",\"version\":1,\"num_words\":0,\"lower\":true,"
        "\"filters\":\"\",\"oov_token\":null,\"words\":[\"a\"],\"counts\":[0]}",
        "{\"format\":\"lstmc.tokenizer\",\"version\":1,\"num_words\":-1,\"lower\":true,"
        "\"filters\":\"\",\"oov_token\":null,\"words\":[],\"counts\":[]}",
        "{\"format\":\"lstmc.tokenizer\",\"version\":1,\"num_words\":0,\"lower\":true,"
        "\"filters\":\"\",\"oov_token\":\"\",\"words\":[],\"counts\":[]}",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        lstmc_tokenizer *t = NULL;
        lstmc_error err;
        assert_int_equal(lstmc_tokenizer_from_json(&t, bad[i], strlen(bad[i]), &err),
                         LSTMC_ERR_FORMAT);
        assert_null(t);
        if (i == 0) {
            assert_int_equal(err.row, 2);
            assert_true(strncmp(err.msg, "invalid JSON", 12) == 0);
        }
    }
    lstmc_tokenizer *t = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_tokenizer_load(&t, "/nonexistent/vocab.json", &err), LSTMC_ERR_IO);
    assert_string_equal(err.path, "/nonexistent/vocab.json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank_ties_first_appearance),
        cmocka_unit_test(test_num_words_cut),
        cmocka_unit_test(test_oov_token),
        cmocka_unit_test(test_oov_token_also_a_word),
        cmocka_unit_test(test_filters_and_split),
        cmocka_unit_test(test_utf8_filters_and_ascii_lower),
        cmocka_unit_test(test_fit_twice),
        cmocka_unit_test(test_lengths_and_nul),
        cmocka_unit_test(test_pad_sequences),
        cmocka_unit_test(test_texts_to_padded),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test_setup_teardown(test_reference_fixture, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_json_round_trip, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
