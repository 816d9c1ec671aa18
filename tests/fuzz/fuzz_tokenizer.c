/*
 * libFuzzer target for the Keras tokenizer (runtime/text.c): fit,
 * texts_to_sequences and pad_sequences on arbitrary bytes.
 *
 * Input layout: 4 bytes of settings, then texts separated by 0x1e (a
 * text may hold any other byte, NUL included; most random bytes are not
 * UTF-8, so those inputs test the refusals). The texts before the first
 * 0x1d are fitted on, all of them are encoded. Checked on every input:
 *   - fitting fails only with LSTMC_ERR_ARG for invalid UTF-8, and then
 *     leaves the tokenizer as it was;
 *   - every index is in 1 .. num_words-1 or the oov index, and names a
 *     word (or the oov token);
 *   - texts_to_padded equals texts_to_sequences + pad_sequences;
 *   - the vocabulary saved to JSON and loaded back gives the same JSON.
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=undefined -D_POSIX_C_SOURCE=200809L \
 *       -Iruntime runtime/text.c runtime/window.c runtime/scale.c runtime/rng.c \
 *       tests/fuzz/fuzz_tokenizer.c -ljansson -lm -o fuzz_tokenizer
 *   cp -r tests/fuzz/corpus/tokenizer corpus
 *   ./fuzz_tokenizer -max_total_time=300 corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lstmc.h"

#define MAX_TEXTS 64

static const char *const filter_sets[] = {
    LSTMC_TOKENIZER_FILTERS, "", ".,", "\xc3\xa9 \xe2\x80\x94", "a",
};

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    lstmc_tokenizer_config cfg = lstmc_tokenizer_defaults();
    cfg.lower = data[0] & 1;
    cfg.oov_token = data[0] & 2 ? (data[0] & 4 ? "oov" : "<unk>") : NULL;
    cfg.filters = filter_sets[(data[0] >> 3) % (sizeof filter_sets / sizeof *filter_sets)];
    cfg.num_words = data[1] % 16;
    size_t maxlen = 1 + data[2] % 12;
    lstmc_pad_side padding = data[3] & 1 ? LSTMC_PAD_POST : LSTMC_PAD_PRE;
    lstmc_pad_side truncating = data[3] & 2 ? LSTMC_PAD_POST : LSTMC_PAD_PRE;
    data += 4;
    size -= 4;

    const char *texts[MAX_TEXTS];
    size_t lens[MAX_TEXTS], n = 0, n_fit = SIZE_MAX;
    size_t start = 0;
    for (size_t i = 0; i <= size && n < MAX_TEXTS; i++) {
        if (i == size || data[i] == 0x1e || data[i] == 0x1d) {
            texts[n] = (const char *)data + start;
            lens[n++] = i - start;
            if (i < size && data[i] == 0x1d && n_fit == SIZE_MAX)
                n_fit = n;
            start = i + 1;
        }
    }
    if (n_fit > n)
        n_fit = n;

    lstmc_tokenizer *t = NULL, *u = NULL;
    lstmc_sequences *seqs = NULL;
    char *j1 = NULL, *j2 = NULL;
    int32_t *a = NULL, *b = NULL;
    lstmc_error err;
    check(lstmc_tokenizer_create(&t, &cfg, &err) == LSTMC_OK);
    lstmc_status st = lstmc_tokenizer_fit(t, texts, lens, n_fit, &err);
    check(st == LSTMC_OK || st == LSTMC_ERR_ARG);
    if (st != LSTMC_OK)
        check(lstmc_tokenizer_word_count(t) == 0);

    st = lstmc_tokenizer_texts_to_sequences(&seqs, t, texts, lens, n, &err);
    check(st == LSTMC_OK || st == LSTMC_ERR_ARG);
    if (st == LSTMC_OK) {
        size_t oov = lstmc_tokenizer_oov_index(t), words = lstmc_tokenizer_word_count(t);
        for (size_t k = 0; k < seqs->offsets[n]; k++) {
            size_t id = (size_t)seqs->ids[k], len;
            check(id >= 1 && id <= words + 1);
            check(id == oov || cfg.num_words == 0 || id < cfg.num_words);
            check(lstmc_tokenizer_word(t, id, &len) != NULL);
        }
        a = malloc(n * maxlen * sizeof *a + 1);
        b = malloc(n * maxlen * sizeof *b + 1);
        check(a && b);
        check(lstmc_pad_sequences_i32(a, seqs->ids, seqs->offsets, n, maxlen, padding,
                                      truncating, 0, &err) == LSTMC_OK);
        check(lstmc_tokenizer_texts_to_padded(t, b, texts, lens, n, maxlen, padding,
                                              truncating, &err) == LSTMC_OK);
        check(memcmp(a, b, n * maxlen * sizeof *a) == 0);
    }

    check(lstmc_tokenizer_to_json(&j1, t, &err) == LSTMC_OK);
    check(lstmc_tokenizer_from_json(&u, j1, strlen(j1), &err) == LSTMC_OK);
    check(lstmc_tokenizer_to_json(&j2, u, &err) == LSTMC_OK);
    check(strcmp(j1, j2) == 0);

    free(a);
    free(b);
    free(j1);
    free(j2);
    lstmc_sequences_destroy(seqs);
    lstmc_tokenizer_destroy(t);
    lstmc_tokenizer_destroy(u);
    return 0;
}
