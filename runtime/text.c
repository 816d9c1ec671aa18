/*
 * text.c - Keras' Tokenizer (fit_on_texts, texts_to_sequences) and
 * pad_sequences, as keras_preprocessing/text.py and sequence.py define
 * them, plus the fitted vocabulary as JSON (docs/spec.md 5.8, 5.9).
 *
 * The vocabulary is an open-addressing hash table (linear probing, 64-bit
 * FNV-1a, at most half full) of word ids; the words' bytes live in one
 * arena and the words in an array in order of first appearance, which is
 * the order of Keras' word_counts OrderedDict. A text is scanned once per
 * use: bytes are lower-cased through a table, separators (the filters and
 * ' ') end words, and each word is hashed as it is scanned, so encoding
 * allocates nothing.
 */
#include "lstmc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKENIZER_FORMAT "lstmc.tokenizer"
#define TOKENIZER_VERSION 1
#define FNV_OFFSET 14695981039346656037u
#define FNV_PRIME 1099511628211u
/* Indices are int32 (Keras' pad_sequences dtype): index 0 is padding, 1
 * may be the oov token, so at most INT32_MAX - 1 words. */
#define MAX_WORDS ((size_t)INT32_MAX - 1)
#define NO_WORD SIZE_MAX

struct word {
    size_t off;     /* bytes at arena + off, NUL-terminated */
    size_t len;
    uint64_t hash;
    uint64_t count;
};

/* 8 bytes, so the table stays small enough for the cache. */
struct slot {
    uint32_t tag; /* the low 32 bits of the word's hash */
    uint32_t id1; /* word id + 1, 0: empty */
};

struct lstmc_tokenizer {
    size_t num_words;
    bool lower;
    char *filters;         /* NUL-terminated copy */
    char *oov;             /* NULL without an oov_token */
    size_t oov_len;
    unsigned char map[256];   /* byte -> byte after lower-casing */
    unsigned char sep[128];   /* 1 if the (mapped) ASCII byte splits words */
    uint32_t *wide;           /* sorted non-ASCII filter code points */
    size_t n_wide;

    char *arena;
    size_t arena_len, arena_cap;
    struct word *words;       /* [n_words], in order of first appearance */
    size_t n_words, cap_words;
    struct slot *slots;       /* [n_slots] */
    size_t n_slots;           /* 2^slot_bits */
    unsigned slot_bits;

    size_t *index;            /* [n_words] index of each word (after rank) */
    size_t *by_index;         /* [n_words + 2] word id of an index, or NO_WORD */
    size_t oov_index;         /* 0 without an oov_token */
};

static lstmc_status fail(lstmc_error *err, lstmc_status st, const char *path, long row,
                         long col, const char *fmt, ...)
{
    if (!err)
        return st;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    err->row = row;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return st;
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */
/* ------------------------------------------------------------------ */

/* Length of the valid UTF-8 prefix of s[0..n) that ends on a character
 * boundary; n when all of it is valid. Python's decoder's rules: no
 * overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            k = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else
            return i;
        if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
        i += k + 1;
    }
    return n;
}

/* The code point at s (valid UTF-8) and its length in *k. */
static uint32_t utf8_decode(const unsigned char *s, size_t *k)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *k = 1;
        return c;
    }
    if (c < 0xE0) {
        *k = 2;
        return (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if (c < 0xF0) {
        *k = 3;
        return (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *k = 4;
    return (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

/* ------------------------------------------------------------------ */
/* Scanning                                                            */
/* ------------------------------------------------------------------ */

/* The length of the separator character at p (valid UTF-8), 0 if p does
 * not start one. */
static size_t sep_len(const lstmc_tokenizer *t, const unsigned char *p)
{
    if (*p < 0x80)
        return t->sep[t->map[*p]];
    if (t->n_wide == 0 || (*p & 0xC0) != 0xC0)
        return 0;
    size_t k;
    uint32_t cp = utf8_decode(p, &k);
    size_t lo = 0, hi = t->n_wide;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->wide[mid] == cp)
            return k;
        if (t->wide[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* The next word of [*p, end): its raw bytes [*ws, *ws + *wl) and the
 * FNV-1a hash of its mapped bytes. false at the end of the text. */
static bool next_word(const lstmc_tokenizer *t, const unsigned char **p,
                      const unsigned char *end, const unsigned char **ws, size_t *wl,
                      uint64_t *hash)
{
    const unsigned char *q = *p;
    size_t k;
    while (q < end && (k = sep_len(t, q)) > 0)
        q += k;
    if (q == end) {
        *p = q;
        return false;
    }
    const unsigned char *s = q;
    uint64_t h = FNV_OFFSET;
    while (q < end && sep_len(t, q) == 0) {
        h = (h ^ t->map[*q]) * FNV_PRIME;
        q++;
    }
    *ws = s;
    *wl = (size_t)(q - s);
    *hash = h;
    *p = q;
    return true;
}

static uint64_t hash_bytes(const unsigned char *s, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * FNV_PRIME;
    return h;
}

/* A hash's first slot: its top bits (FNV-1a's multiplications carry
 * every byte into the high bits; the low bits mix poorly). */
static size_t home(uint64_t hash, unsigned bits)
{
    return (size_t)(hash >> (64 - bits));
}

/* The id of the word whose stored bytes equal map(raw[0..len)), or
 * NO_WORD; *slot gets the slot where it is or would go. */
static size_t find(const lstmc_tokenizer *t, const unsigned char *raw, size_t len,
                   uint64_t hash, bool mapped, size_t *slot)
{
    if (t->n_slots == 0) {
        *slot = 0;
        return NO_WORD;
    }
    size_t mask = t->n_slots - 1;
    for (size_t i = home(hash, t->slot_bits);; i = (i + 1) & mask) {
        size_t v = t->slots[i].id1;
        if (v == 0) {
            *slot = i;
            return NO_WORD;
        }
        if (t->slots[i].tag != (uint32_t)hash)
            continue;
        const struct word *w = &t->words[v - 1];
        if (w->len != len)
            continue;
        const unsigned char *b = (const unsigned char *)t->arena + w->off;
        size_t j = 0;
        if (mapped)
            while (j < len && b[j] == t->map[raw[j]])
                j++;
        else
            while (j < len && b[j] == raw[j])
                j++;
        if (j == len) {
            *slot = i;
            return v - 1;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Create and destroy                                                  */
/* ------------------------------------------------------------------ */

lstmc_tokenizer_config lstmc_tokenizer_defaults(void)
{
    lstmc_tokenizer_config c = {0, true, LSTMC_TOKENIZER_FILTERS, NULL};
    return c;
}

lstmc_tokenizer_config lstmc_tokenizer_settings(const lstmc_tokenizer *t)
{
    lstmc_tokenizer_config c = {t->num_words, t->lower, t->filters, t->oov};
    return c;
}

void lstmc_tokenizer_destroy(lstmc_tokenizer *t)
{
    if (!t)
        return;
    free(t->filters);
    free(t->oov);
    free(t->wide);
    free(t->arena);
    free(t->words);
    free(t->slots);
    free(t->index);
    free(t->by_index);
    free(t);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

lstmc_status lstmc_tokenizer_create(lstmc_tokenizer **out,
                                    const lstmc_tokenizer_config *cfg,
                                    lstmc_error *err)
{
    if (!out)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no place for the tokenizer");
    *out = NULL;
    lstmc_tokenizer_config c = cfg ? *cfg : lstmc_tokenizer_defaults();
    if (!c.filters)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "filters must be a string (\"\" for none)");
    size_t flen = strlen(c.filters);
    if (utf8_valid_prefix((const unsigned char *)c.filters, flen) != flen)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "filters are not valid UTF-8");
    if (c.oov_token) {
        size_t olen = strlen(c.oov_token);
        if (olen == 0)
            return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "oov_token must not be empty");
        if (utf8_valid_prefix((const unsigned char *)c.oov_token, olen) != olen)
            return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "oov_token is not valid UTF-8");
    }
    lstmc_tokenizer *t = calloc(1, sizeof *t);
    if (!t)
        goto nomem;
    t->num_words = c.num_words;
    t->lower = c.lower;
    t->filters = strdup(c.filters);
    t->wide = malloc((flen + 1) * sizeof *t->wide);
    if (!t->filters || !t->wide)
        goto nomem;
    if (c.oov_token) {
        t->oov_len = strlen(c.oov_token);
        t->oov = strdup(c.oov_token);
        if (!t->oov)
            goto nomem;
    }
    for (int b = 0; b < 256; b++)
        t->map[b] = (unsigned char)(c.lower && b >= 'A' && b <= 'Z' ? b - 'A' + 'a' : b);
    t->sep[' '] = 1;
    for (const unsigned char *p = (const unsigned char *)t->filters; *p;) {
        size_t k;
        uint32_t cp = utf8_decode(p, &k);
        if (cp < 0x80)
            t->sep[cp] = 1;
        else
            t->wide[t->n_wide++] = cp;
        p += k;
    }
    qsort(t->wide, t->n_wide, sizeof *t->wide, cmp_u32);
    t->oov_index = t->oov ? 1 : 0;
    t->by_index = malloc(2 * sizeof *t->by_index);
    if (!t->by_index)
        goto nomem;
    t->by_index[0] = t->by_index[1] = NO_WORD;
    *out = t;
    return LSTMC_OK;
nomem:
    lstmc_tokenizer_destroy(t);
    return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Fitting                                                             */
/* ------------------------------------------------------------------ */

static bool grow_slots(lstmc_tokenizer *t)
{
    unsigned bits = t->n_slots ? t->slot_bits + 1 : 10;
    size_t n = (size_t)1 << bits;
    if (bits >= 8 * sizeof(size_t) - 1 || n > SIZE_MAX / sizeof(struct slot))
        return false;
    struct slot *s = calloc(n, sizeof *s);
    if (!s)
        return false;
    for (size_t id = 0; id < t->n_words; id++) {
        uint64_t h = t->words[id].hash;
        size_t i = home(h, bits);
        while (s[i].id1)
            i = (i + 1) & (n - 1);
        s[i] = (struct slot){(uint32_t)h, (uint32_t)(id + 1)};
    }
    free(t->slots);
    t->slots = s;
    t->n_slots = n;
    t->slot_bits = bits;
    return true;
}

/* Adds a word of len mapped bytes (raw mapped through t->map when
 * `mapped`) with count; returns false when out of memory. */
static bool add_word(lstmc_tokenizer *t, const unsigned char *raw, size_t len, uint64_t hash,
                     bool mapped, uint64_t count)
{
    if ((t->n_words + 1) * 2 > t->n_slots && !grow_slots(t))
        return false;
    size_t slot;
    find(t, raw, len, hash, mapped, &slot);
    if (t->n_words == t->cap_words) {
        size_t n = t->cap_words ? 2 * t->cap_words : 1024;
        struct word *w = n <= SIZE_MAX / sizeof *w ? realloc(t->words, n * sizeof *w) : NULL;
        if (!w)
            return false;
        t->words = w;
        t->cap_words = n;
    }
    if (len >= SIZE_MAX / 2 - t->arena_len)
        return false;
    if (t->arena_len + len + 1 > t->arena_cap) {
        size_t n = t->arena_cap ? t->arena_cap : 1 << 16;
        while (n < t->arena_len + len + 1)
            n *= 2;
        char *a = realloc(t->arena, n);
        if (!a)
            return false;
        t->arena = a;
        t->arena_cap = n;
    }
    unsigned char *dst = (unsigned char *)t->arena + t->arena_len;
    for (size_t j = 0; j < len; j++)
        dst[j] = mapped ? t->map[raw[j]] : raw[j];
    dst[len] = '\0';
    t->words[t->n_words] = (struct word){t->arena_len, len, hash, count};
    t->arena_len += len + 1;
    t->slots[slot] = (struct slot){(uint32_t)hash, (uint32_t)++t->n_words};
    return true;
}

struct rank_key {
    uint64_t count;
    size_t id;
};

/* Count descending, then first appearance: Python's stable
 * sort(key=count, reverse=True) of the insertion-ordered counts. */
static int cmp_rank(const void *a, const void *b)
{
    const struct rank_key *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Recomputes index and by_index from the counts. */
static bool rank_words(lstmc_tokenizer *t)
{
    size_t n = t->n_words, shift = t->oov ? 2 : 1;
    struct rank_key *keys = malloc((n ? n : 1) * sizeof *keys);
    size_t *index = malloc((n ? n : 1) * sizeof *index);
    size_t *by_index = malloc((n + 2) * sizeof *by_index);
    if (!keys || !index || !by_index) {
        free(keys);
        free(index);
        free(by_index);
        return false;
    }
    for (size_t id = 0; id < n; id++)
        keys[id] = (struct rank_key){t->words[id].count, id};
    qsort(keys, n, sizeof *keys, cmp_rank);
    for (size_t i = 0; i < n + 2; i++)
        by_index[i] = NO_WORD;
    for (size_t r = 0; r < n; r++) {
        index[keys[r].id] = r + shift;
        by_index[r + shift] = keys[r].id;
    }
    free(keys);
    free(t->index);
    free(t->by_index);
    t->index = index;
    t->by_index = by_index;
    if (t->oov) {
        /* Keras builds word_index from [oov] + ranked words, so an oov
         * token that is also a word ends with that word's index. */
        size_t slot, id = find(t, (const unsigned char *)t->oov, t->oov_len,
                               hash_bytes((const unsigned char *)t->oov, t->oov_len), false,
                               &slot);
        t->oov_index = id == NO_WORD ? 1 : index[id];
    }
    return true;
}

static size_t text_len(const char *const *texts, const size_t *lens, size_t i)
{
    return lens ? lens[i] : strlen(texts[i]);
}

static lstmc_status check_text(const char *text, size_t len, size_t i, lstmc_error *err)
{
    if (!text)
        return fail(err, LSTMC_ERR_ARG, NULL, (long)(i + 1), 0, "text %zu is missing", i + 1);
    size_t ok = utf8_valid_prefix((const unsigned char *)text, len);
    if (ok != len)
        return fail(err, LSTMC_ERR_ARG, NULL, (long)(i + 1), (long)(ok + 1),
                    "text %zu is not valid UTF-8 at byte %zu", i + 1, ok + 1);
    return LSTMC_OK;
}

lstmc_status lstmc_tokenizer_fit(lstmc_tokenizer *t, const char *const *texts,
                                 const size_t *lens, size_t n,
                                 lstmc_error *err)
{
    if (!t || (!texts && n > 0))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no texts to fit on");
    for (size_t i = 0; i < n; i++) {
        lstmc_status st = check_text(texts[i], text_len(texts, lens, i), i, err);
        if (st != LSTMC_OK)
            return st;
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)texts[i];
        const unsigned char *end = p + text_len(texts, lens, i), *w;
        size_t len, slot;
        uint64_t h;
        while (next_word(t, &p, end, &w, &len, &h)) {
            size_t id = find(t, w, len, h, true, &slot);
            if (id != NO_WORD) {
                t->words[id].count++;
                continue;
            }
            if (t->n_words >= MAX_WORDS)
                return fail(err, LSTMC_ERR_ARG, NULL, (long)(i + 1), 0,
                            "more than %zu distinct words", MAX_WORDS);
            if (!add_word(t, w, len, h, true, 1))
                return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
        }
    }
    if (!rank_words(t))
        return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return LSTMC_OK;
}

size_t lstmc_tokenizer_word_count(const lstmc_tokenizer *t) { return t ? t->n_words : 0; }

size_t lstmc_tokenizer_oov_index(const lstmc_tokenizer *t) { return t ? t->oov_index : 0; }

static size_t lookup(const lstmc_tokenizer *t, const char *word, size_t len)
{
    if (!t || (!word && len > 0))
        return NO_WORD;
    size_t slot;
    const unsigned char *w = (const unsigned char *)(word ? word : "");
    return find(t, w, len, hash_bytes(w, len), false, &slot);
}

size_t lstmc_tokenizer_index(const lstmc_tokenizer *t, const char *word,
                             size_t len)
{
    size_t id = lookup(t, word, len);
    if (id != NO_WORD)
        return t->index[id];
    if (t && t->oov && len == t->oov_len && memcmp(word, t->oov, len) == 0)
        return t->oov_index;
    return 0;
}

uint64_t lstmc_tokenizer_word_frequency(const lstmc_tokenizer *t,
                                        const char *word, size_t len)
{
    size_t id = lookup(t, word, len);
    return id == NO_WORD ? 0 : t->words[id].count;
}

const char *lstmc_tokenizer_word(const lstmc_tokenizer *t, size_t index,
                                 size_t *len)
{
    if (!t || index == 0)
        return NULL;
    if (t->oov && index == t->oov_index && index == 1) {
        if (len)
            *len = t->oov_len;
        return t->oov;
    }
    if (index >= t->n_words + 2 || t->by_index[index] == NO_WORD)
        return NULL;
    const struct word *w = &t->words[t->by_index[index]];
    if (len)
        *len = w->len;
    return t->arena + w->off;
}

/* ------------------------------------------------------------------ */
/* Sequences                                                           */
/* ------------------------------------------------------------------ */

/* texts_to_sequences_generator for one valid text: counts its indices in
 * *count and writes those at positions [skip, skip + limit) to
 * out[pos - skip]. */
static void emit(const lstmc_tokenizer *t, const char *text, size_t len, size_t skip,
                 size_t limit, int32_t *out, size_t *count)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len, *w;
    size_t n = 0, wl, slot;
    uint64_t h;
    while (next_word(t, &p, end, &w, &wl, &h)) {
        size_t id = find(t, w, wl, h, true, &slot), i;
        if (id != NO_WORD && (t->num_words == 0 || t->index[id] < t->num_words))
            i = t->index[id];
        else if (t->oov)
            i = t->oov_index;
        else
            continue;
        if (n >= skip && n - skip < limit)
            out[n - skip] = (int32_t)i;
        n++;
    }
    *count = n;
}

lstmc_status lstmc_tokenizer_encode(const lstmc_tokenizer *t, int32_t *out,
                                    size_t cap, size_t *count,
                                    const char *text, size_t len,
                                    lstmc_error *err)
{
    if (!t || !count || (!out && cap > 0))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no tokenizer or no place for the indices");
    lstmc_status st = check_text(text, len, 0, err);
    if (st != LSTMC_OK)
        return st;
    emit(t, text, len, 0, cap, out, count);
    return LSTMC_OK;
}

void lstmc_sequences_destroy(lstmc_sequences *s)
{
    if (!s)
        return;
    free(s->offsets);
    free(s->ids);
    free(s);
}

lstmc_status lstmc_tokenizer_texts_to_sequences(lstmc_sequences **out,
                                                const lstmc_tokenizer *t,
                                                const char *const *texts,
                                                const size_t *lens, size_t n,
                                                lstmc_error *err)
{
    if (!out || !t || (!texts && n > 0))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no tokenizer or no texts");
    *out = NULL;
    lstmc_status st = LSTMC_OK;
    lstmc_sequences *s = calloc(1, sizeof *s);
    if (!s || n >= SIZE_MAX / sizeof(size_t))
        goto nomem;
    s->offsets = malloc((n + 1) * sizeof *s->offsets);
    if (!s->offsets)
        goto nomem;
    s->n = n;
    s->offsets[0] = 0;
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = text_len(texts, lens, i), k, have = s->offsets[i];
        if ((st = check_text(texts[i], len, i, err)) != LSTMC_OK)
            goto bad;
        emit(t, texts[i], len, 0, cap - have, s->ids ? s->ids + have : NULL, &k);
        if (k > cap - have) {
            size_t need = have + k, ncap = cap ? cap : 1024;
            while (ncap < need)
                ncap *= 2;
            int32_t *ids = ncap <= SIZE_MAX / sizeof *ids ? realloc(s->ids, ncap * sizeof *ids)
                                                          : NULL;
            if (!ids)
                goto nomem;
            s->ids = ids;
            cap = ncap;
            emit(t, texts[i], len, 0, k, s->ids + have, &k);
        }
        s->offsets[i + 1] = have + k;
    }
    *out = s;
    return LSTMC_OK;
nomem:
    st = fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
bad:
    lstmc_sequences_destroy(s);
    return st;
}

lstmc_status lstmc_pad_sequences_i32(int32_t *out, const int32_t *ids,
                                     const size_t *offsets, size_t n,
                                     size_t maxlen, lstmc_pad_side padding,
                                     lstmc_pad_side truncating, int32_t value,
                                     lstmc_error *err)
{
    if (maxlen == 0)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "maxlen must be at least 1");
    if ((unsigned)padding >= LSTMC_PAD_COUNT || (unsigned)truncating >= LSTMC_PAD_COUNT)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "unknown padding or truncating side");
    if (n > 0 && (!out || !offsets || (!ids && offsets[n] > 0)))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "a buffer of the sequences is NULL");
    if (n > SIZE_MAX / maxlen / sizeof *out)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "%zu sequences of %zu do not fit",
                    n, maxlen);
    for (size_t i = 0; i < n; i++)
        if (offsets[i + 1] < offsets[i])
            return fail(err, LSTMC_ERR_ARG, NULL, (long)(i + 1), 0,
                        "offsets of sequence %zu decrease", i + 1);
    for (size_t i = 0; i < n; i++) {
        int32_t *row = out + i * maxlen;
        size_t src, dst, keep;
        lstmc_pad_plan(&src, &dst, &keep, offsets[i + 1] - offsets[i], maxlen, padding,
                       truncating);
        for (size_t j = 0; j < maxlen; j++)
            row[j] = value;
        if (keep)
            memcpy(row + dst, ids + offsets[i] + src, keep * sizeof *row);
    }
    return LSTMC_OK;
}

static void reverse(int32_t *a, size_t n)
{
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        int32_t x = a[i];
        a[i] = a[j - 1];
        a[j - 1] = x;
    }
}

/* Rotates a[0..n) left by k: a[k] becomes a[0]. */
static void rotate(int32_t *a, size_t n, size_t k)
{
    reverse(a, k);
    reverse(a + k, n - k);
    reverse(a, n);
}

/* One scan of a valid text into row[0..maxlen): with keep_last, the
 * indices go round the row as a ring, so it ends holding the last maxlen
 * (index j at j % maxlen); without, the first maxlen, and the scan stops
 * there. *count: the number of indices seen (all of them with
 * keep_last). */
static void emit_row(const lstmc_tokenizer *t, const char *text, size_t len, int32_t *row,
                     size_t maxlen, bool keep_last, size_t *count)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + len, *w;
    size_t n = 0, wl, slot;
    uint64_t h;
    while ((keep_last || n < maxlen) && next_word(t, &p, end, &w, &wl, &h)) {
        size_t id = find(t, w, wl, h, true, &slot), i;
        if (id != NO_WORD && (t->num_words == 0 || t->index[id] < t->num_words))
            i = t->index[id];
        else if (t->oov)
            i = t->oov_index;
        else
            continue;
        row[n % maxlen] = (int32_t)i;
        n++;
    }
    *count = n;
}

lstmc_status lstmc_tokenizer_texts_to_padded(const lstmc_tokenizer *t,
                                             int32_t *out,
                                             const char *const *texts,
                                             const size_t *lens, size_t n,
                                             size_t maxlen,
                                             lstmc_pad_side padding,
                                             lstmc_pad_side truncating,
                                             lstmc_error *err)
{
    if (!t || (n > 0 && (!out || !texts)))
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no tokenizer, texts or output");
    if (maxlen == 0)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "maxlen must be at least 1");
    if ((unsigned)padding >= LSTMC_PAD_COUNT || (unsigned)truncating >= LSTMC_PAD_COUNT)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "unknown padding or truncating side");
    if (n > SIZE_MAX / maxlen / sizeof *out)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "%zu sequences of %zu do not fit",
                    n, maxlen);
    for (size_t i = 0; i < n; i++) {
        size_t len = text_len(texts, lens, i), k, src, dst, keep;
        lstmc_status st = check_text(texts[i], len, i, err);
        if (st != LSTMC_OK)
            return st;
        int32_t *row = out + i * maxlen;
        emit_row(t, texts[i], len, row, maxlen, truncating == LSTMC_PAD_PRE, &k);
        lstmc_pad_plan(&src, &dst, &keep, k, maxlen, padding, truncating);
        /* row[0..keep) holds the kept indices (in order once rotated) */
        if (truncating == LSTMC_PAD_PRE && k > maxlen)
            rotate(row, maxlen, k % maxlen);
        if (dst > 0) {
            memmove(row + dst, row, keep * sizeof *row);
            memset(row, 0, dst * sizeof *row);
        } else {
            memset(row + keep, 0, (maxlen - keep) * sizeof *row);
        }
    }
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

lstmc_status lstmc_tokenizer_to_json(char **json, const lstmc_tokenizer *t,
                                     lstmc_error *err)
{
    if (!json || !t)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no tokenizer");
    *json = NULL;
    json_t *root = json_object(), *words = json_array(), *counts = json_array();
    bool ok = root && words && counts;
    for (size_t id = 0; ok && id < t->n_words; id++) {
        const struct word *w = &t->words[id];
        ok = json_array_append_new(words, json_stringn(t->arena + w->off, w->len)) == 0 &&
             json_array_append_new(counts, json_integer((json_int_t)w->count)) == 0;
    }
    ok = ok && json_object_set(root, "words", words) == 0 &&
         json_object_set(root, "counts", counts) == 0 &&
         json_object_set_new(root, "format", json_string(TOKENIZER_FORMAT)) == 0 &&
         json_object_set_new(root, "version", json_integer(TOKENIZER_VERSION)) == 0 &&
         json_object_set_new(root, "num_words", json_integer((json_int_t)t->num_words)) == 0 &&
         json_object_set_new(root, "lower", json_boolean(t->lower)) == 0 &&
         json_object_set_new(root, "filters", json_string(t->filters)) == 0 &&
         json_object_set_new(root, "oov_token",
                             t->oov ? json_stringn(t->oov, t->oov_len) : json_null()) == 0;
    if (ok)
        *json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(words);
    json_decref(counts);
    json_decref(root);
    if (!*json)
        return fail(err, LSTMC_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return LSTMC_OK;
}

static lstmc_status tokenizer_from_root(lstmc_tokenizer **out, json_t *root,
                                        const char *path, lstmc_error *err)
{
    const char *format = json_string_value(json_object_get(root, "format"));
    json_t *version = json_object_get(root, "version");
    json_t *num_words = json_object_get(root, "num_words");
    json_t *lower = json_object_get(root, "lower");
    json_t *filters = json_object_get(root, "filters");
    json_t *oov = json_object_get(root, "oov_token");
    json_t *words = json_object_get(root, "words");
    json_t *counts = json_object_get(root, "counts");
    if (!format || strcmp(format, TOKENIZER_FORMAT) != 0)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "not a tokenizer: 'format' is not '%s'",
                    TOKENIZER_FORMAT);
    if (!json_is_integer(version) || json_integer_value(version) != TOKENIZER_VERSION)
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "tokenizer format version must be %d",
                    TOKENIZER_VERSION);
    if (!json_is_integer(num_words) || json_integer_value(num_words) < 0 ||
        !json_is_boolean(lower) || !json_is_string(filters) ||
        strlen(json_string_value(filters)) != json_string_length(filters) ||
        !(json_is_null(oov) || json_is_string(oov)) || !json_is_array(words) ||
        !json_is_array(counts) || json_array_size(words) != json_array_size(counts))
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                    "a tokenizer needs num_words (an integer >= 0), lower (a boolean), "
                    "filters (a string), oov_token (a string or null), and arrays words and "
                    "counts of the same length");
    if (json_is_string(oov) && strlen(json_string_value(oov)) != json_string_length(oov))
        return fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "oov_token must not hold U+0000");
    lstmc_tokenizer_config cfg = {
        (size_t)json_integer_value(num_words), json_is_true(lower),
        json_string_value(filters), json_is_string(oov) ? json_string_value(oov) : NULL};
    lstmc_tokenizer *t = NULL;
    lstmc_status st = lstmc_tokenizer_create(&t, &cfg, err);
    if (st != LSTMC_OK)
        return st == LSTMC_ERR_ARG ? fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                                          "invalid tokenizer settings")
                                   : st;
    size_t n = json_array_size(words);
    if (n > MAX_WORDS) {
        st = fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "more than %zu words", MAX_WORDS);
        goto bad;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *w = json_array_get(words, i), *c = json_array_get(counts, i);
        const unsigned char *s = (const unsigned char *)json_string_value(w);
        size_t len = json_string_length(w), slot;
        if (!s || len == 0 || !json_is_integer(c) || json_integer_value(c) < 1) {
            st = fail(err, LSTMC_ERR_FORMAT, path, 0, 0,
                      "words[%zu] must be a non-empty string with a count of at least 1", i);
            goto bad;
        }
        uint64_t h = hash_bytes(s, len);
        if (find(t, s, len, h, false, &slot) != NO_WORD) {
            st = fail(err, LSTMC_ERR_FORMAT, path, 0, 0, "words[%zu] is given twice", i);
            goto bad;
        }
        if (!add_word(t, s, len, h, false, (uint64_t)json_integer_value(c)))
            goto nomem;
    }
    if (!rank_words(t))
        goto nomem;
    *out = t;
    return LSTMC_OK;
nomem:
    st = fail(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
bad:
    lstmc_tokenizer_destroy(t);
    return st;
}

lstmc_status lstmc_tokenizer_from_json(lstmc_tokenizer **out, const char *json,
                                       size_t len, lstmc_error *err)
{
    if (!out || !json)
        return fail(err, LSTMC_ERR_ARG, NULL, 0, 0, "no tokenizer text");
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_ALLOW_NUL, &je);
    if (!root)
        return fail(err, LSTMC_ERR_FORMAT, NULL, je.line, je.column, "invalid JSON: %s",
                    je.text);
    lstmc_status st = tokenizer_from_root(out, root, NULL, err);
    json_decref(root);
    return st;
}

lstmc_status lstmc_tokenizer_save(const lstmc_tokenizer *t, const char *path,
                                  lstmc_error *err)
{
    char *json = NULL;
    lstmc_status st = lstmc_tokenizer_to_json(&json, t, err);
    if (st == LSTMC_OK)
        st = lstmc_file_write_atomic(path, json, strlen(json), err);
    free(json);
    return st;
}

lstmc_status lstmc_tokenizer_load(lstmc_tokenizer **out, const char *path,
                                  lstmc_error *err)
{
    if (!out || !path)
        return fail(err, LSTMC_ERR_ARG, path, 0, 0, "no tokenizer file");
    *out = NULL;
    json_error_t je;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &je);
    if (!root) {
        if (json_error_code(&je) == json_error_cannot_open_file)
            return fail(err, LSTMC_ERR_IO, path, 0, 0, "%s", je.text);
        return fail(err, LSTMC_ERR_FORMAT, path, je.line, je.column, "invalid JSON: %s",
                    je.text);
    }
    lstmc_status st = tokenizer_from_root(out, root, path, err);
    json_decref(root);
    return st;
}
