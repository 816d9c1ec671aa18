/*
 * checkpoint.c - checkpoints of training: a run's whole state as one
 * safetensors file (the layout is in lstmc.h), so that `train --resume`
 * continues an interrupted run to the same bits.
 *
 * The file goes through weights.c, which writes atomically and validates
 * tensors, shapes and offsets on load. This file adds what a checkpoint
 * needs on top: the run's identity and position as metadata, read first so
 * that a checkpoint of another model, spec, seed or data set is refused
 * with a message that says so (rather than with a tensor shape), and a
 * checksum over the tensors, since safetensors has none.
 */
#include "lstmc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#if defined(__GNUC__)
#define CKPT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CKPT_PRINTF(a, b)
#endif

#define FORMAT_NAME "lstmc.checkpoint"
#define FORMAT_VERSION "1"
#define LENGTH_BYTES 8   /* safetensors' u64 header length */
#define N_TENSORS 7      /* params, optimizer/m, optimizer/v, best_params,
                          * order, history/loss, history/val_loss */
#define N_NUMBERS 14     /* metadata values that are numbers */
#define NUM_TEXT 32      /* room for one number as text */
#define QUOTE_MAX 40     /* bytes of a file's value shown in a message */

enum { T_PARAMS, T_OPT_M, T_OPT_V, T_BEST, T_ORDER, T_LOSS, T_VAL_LOSS };
static const char *const tensor_names[N_TENSORS] = {
    "params", "optimizer/m", "optimizer/v", "best_params",
    "order", "history/loss", "history/val_loss",
};

static void fail(lstmc_error *err, const char *path, const char *fmt, ...) CKPT_PRINTF(3, 4);

static void fail(lstmc_error *err, const char *path, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    err->row = err->col = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

uint64_t lstmc_hash_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* ------------------------------------------------------------------ */
/* Generator states as text                                            */
/* ------------------------------------------------------------------ */

#define RNG_WORDS 12

static void rng_words(const lstmc_rng *rng, uint32_t w[RNG_WORDS])
{
    memcpy(w, rng->key, sizeof rng->key);
    memcpy(w + 2, rng->ctr, sizeof rng->ctr);
    memcpy(w + 6, rng->block, sizeof rng->block);
    w[10] = rng->used;
    w[11] = rng->has_spare;
}

void lstmc_rng_to_text(char out[LSTMC_RNG_TEXT_SIZE], const lstmc_rng *rng)
{
    uint32_t w[RNG_WORDS];
    uint64_t spare;
    rng_words(rng, w);
    memcpy(&spare, &rng->spare, sizeof spare);
    for (size_t i = 0; i < RNG_WORDS; i++)
        snprintf(out + 8 * i, 9, "%08" PRIx32, w[i]);
    snprintf(out + 8 * RNG_WORDS, 17, "%016" PRIx64, spare);
}

/* The value of n hex digits at s, or false. */
static bool hex_value(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return true;
}

lstmc_status lstmc_rng_from_text(lstmc_rng *rng, const char *text)
{
    if (!rng || !text || strlen(text) != LSTMC_RNG_TEXT_SIZE - 1)
        return LSTMC_ERR_FORMAT;
    uint32_t w[RNG_WORDS];
    uint64_t v, spare;
    for (size_t i = 0; i < RNG_WORDS; i++) {
        if (!hex_value(text + 8 * i, 8, &v))
            return LSTMC_ERR_FORMAT;
        w[i] = (uint32_t)v;
    }
    if (!hex_value(text + 8 * RNG_WORDS, 16, &spare) || w[10] > 4 || w[11] > 1)
        return LSTMC_ERR_FORMAT;
    memcpy(rng->key, w, sizeof rng->key);
    memcpy(rng->ctr, w + 2, sizeof rng->ctr);
    memcpy(rng->block, w + 6, sizeof rng->block);
    rng->used = w[10];
    rng->has_spare = w[11];
    memcpy(&rng->spare, &spare, sizeof spare);
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* The file's tensors                                                  */
/* ------------------------------------------------------------------ */

static size_t dtype_size(lstmc_dtype dtype)
{
    return dtype == LSTMC_F32 ? sizeof(float) : sizeof(double);
}

/* The tensors of ck's checkpoint (best_params only when ck->best) with
 * their buffers; order as doubles in order_f64. Returns the count. */
static size_t describe(lstmc_tensor_desc t[N_TENSORS], void *data[N_TENSORS],
                       const lstmc_checkpoint *ck, double *order_f64)
{
    void *const bufs[N_TENSORS] = {ck->params, ck->opt_m, ck->opt_v, ck->best,
                                   order_f64, ck->loss, ck->val_loss};
    size_t n = 0;
    for (size_t i = 0; i < N_TENSORS; i++) {
        if (i == T_BEST && !ck->best)
            continue;
        t[n] = (lstmc_tensor_desc){tensor_names[i], i < T_ORDER ? ck->dtype : LSTMC_F64, 1,
                                   {i < T_ORDER ? ck->param_count
                                    : i == T_ORDER ? ck->samples : ck->epoch}};
        data[n++] = bufs[i];
    }
    return n;
}

/* The checksum: FNV-1a 64 of the tensors' bytes in order. */
static uint64_t checksum(const lstmc_tensor_desc *t, void *const *data, size_t n)
{
    uint64_t h = LSTMC_HASH_INIT;
    for (size_t i = 0; i < n; i++)
        h = lstmc_hash_bytes(h, data[i], t[i].shape[0] * dtype_size(t[i].dtype));
    return h;
}

static lstmc_status check_buffers(const char *path, const lstmc_checkpoint *ck,
                                  lstmc_error *err)
{
    if (!ck || !ck->model || !ck->spec_hash || !ck->params || !ck->opt_m || !ck->opt_v ||
        !ck->order || (ck->n_dropout && !ck->dropout) || !ck->loss || !ck->val_loss ||
        (ck->dtype != LSTMC_F32 && ck->dtype != LSTMC_F64) || ck->batch_size == 0 ||
        ck->samples == 0) {
        fail(err, path, "checkpoint: a buffer is missing or a size is 0");
        return LSTMC_ERR_ARG;
    }
    return LSTMC_OK;
}

static size_t batches_per_epoch(const lstmc_checkpoint *ck)
{
    return (ck->samples + ck->batch_size - 1) / ck->batch_size;
}

/* ------------------------------------------------------------------ */
/* Saving                                                              */
/* ------------------------------------------------------------------ */

lstmc_status lstmc_checkpoint_save(const char *path, const lstmc_checkpoint *ck,
                                   lstmc_error *err)
{
    lstmc_status st = check_buffers(path, ck, err);
    if (st != LSTMC_OK)
        return st;
    if (ck->epoch > ck->max_epochs || ck->batch > batches_per_epoch(ck) ||
        (ck->epoch == ck->max_epochs && ck->batch > 0)) {
        fail(err, path, "checkpoint: position epoch %zu, batch %zu is outside the run",
             ck->epoch, ck->batch);
        return LSTMC_ERR_ARG;
    }
    double *order = malloc(ck->samples * sizeof *order);
    char *dropout = malloc(ck->n_dropout * LSTMC_RNG_TEXT_SIZE + 1);
    if (!order || !dropout) {
        free(order);
        free(dropout);
        fail(err, path, "out of memory");
        return LSTMC_ERR_NOMEM;
    }
    for (size_t i = 0; i < ck->samples; i++)
        order[i] = (double)ck->order[i];
    dropout[0] = '\0';
    for (size_t i = 0; i < ck->n_dropout; i++) {
        char *at = dropout + i * LSTMC_RNG_TEXT_SIZE;
        if (i > 0)
            at[-1] = ',';
        lstmc_rng_to_text(at, &ck->dropout[i]);
    }
    lstmc_tensor_desc t[N_TENSORS];
    void *data[N_TENSORS];
    size_t n = describe(t, data, ck, order);

    char num[N_NUMBERS][NUM_TEXT], shuffle[LSTMC_RNG_TEXT_SIZE];
    lstmc_rng_to_text(shuffle, &ck->shuffle);
    snprintf(num[0], NUM_TEXT, "%" PRIu64, ck->seed);
    snprintf(num[1], NUM_TEXT, "%zu", ck->batch_size);
    snprintf(num[2], NUM_TEXT, "%zu", ck->samples);
    snprintf(num[3], NUM_TEXT, "%016" PRIx64, ck->data_hash);
    snprintf(num[4], NUM_TEXT, "%zu", ck->epoch);
    snprintf(num[5], NUM_TEXT, "%zu", ck->batch);
    snprintf(num[6], NUM_TEXT, "%" PRIu64, ck->step);
    snprintf(num[7], NUM_TEXT, "%.16e", ck->epoch_loss_sum);
    snprintf(num[8], NUM_TEXT, "%" PRIu64, ck->samples_seen);
    snprintf(num[9], NUM_TEXT, "%020.6f", ck->seconds >= 0 && ck->seconds < 1e13 ? ck->seconds : 0);
    snprintf(num[10], NUM_TEXT, "%.16e", ck->best_value);
    snprintf(num[11], NUM_TEXT, "%zu", ck->best_epoch);
    snprintf(num[12], NUM_TEXT, "%zu", ck->stale);
    snprintf(num[13], NUM_TEXT, "%016" PRIx64, checksum(t, data, n));
    const lstmc_meta meta[] = {
        {"lstmc.format", FORMAT_NAME},    {"lstmc.version", FORMAT_VERSION},
        {LSTMC_META_MODEL, ck->model},    {LSTMC_META_SPEC_HASH, ck->spec_hash},
        {"lstmc.seed", num[0]},           {"lstmc.batch_size", num[1]},
        {"lstmc.samples", num[2]},        {"lstmc.data_hash", num[3]},
        {"lstmc.epoch", num[4]},          {"lstmc.batch", num[5]},
        {"lstmc.step", num[6]},           {"lstmc.rng.shuffle", shuffle},
        {"lstmc.rng.dropout", dropout},   {"lstmc.epoch_loss_sum", num[7]},
        {"lstmc.samples_seen", num[8]},   {"lstmc.train_seconds", num[9]},
        {"lstmc.es.best_value", num[10]}, {"lstmc.es.best_epoch", num[11]},
        {"lstmc.es.stale", num[12]},      {"lstmc.checksum", num[13]},
    };
    st = lstmc_weights_save(path, t, n, (const void *const *)data, meta,
                            sizeof meta / sizeof meta[0], err);
    free(order);
    free(dropout);
    return st;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

/* The header's "__metadata__" object of the safetensors file at path, as
 * a new reference. Only as much is checked as reading it needs; the rest
 * is lstmc_weights_load's. */
static lstmc_status read_metadata(const char *path, json_t **out, lstmc_error *err)
{
    lstmc_status st = LSTMC_ERR_FORMAT;
    char *header = NULL;
    json_t *root = NULL;
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0) {
        fail(err, path, "cannot open: %s", strerror(errno));
        st = LSTMC_ERR_IO;
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        fail(err, path, "is not a regular file");
        st = LSTMC_ERR_IO;
        goto out;
    }
    uint64_t size = (uint64_t)sb.st_size, len = 0;
    unsigned char b[LENGTH_BYTES];
    if (size < LENGTH_BYTES || fread(b, 1, LENGTH_BYTES, f) != LENGTH_BYTES) {
        fail(err, path, "truncated: %" PRIu64 " bytes, too short for a checkpoint", size);
        goto out;
    }
    for (int i = LENGTH_BYTES - 1; i >= 0; i--)
        len = len << 8 | b[i];
    if (len > LSTMC_WEIGHTS_MAX_HEADER) {
        fail(err, path, "corrupt checkpoint: header length %" PRIu64 " is above the limit of "
             "%u bytes", len, LSTMC_WEIGHTS_MAX_HEADER);
        goto out;
    }
    if (len > size - LENGTH_BYTES) {
        fail(err, path, "truncated: the header needs %" PRIu64 " bytes, the file has %" PRIu64
             " after its length", len, size - LENGTH_BYTES);
        goto out;
    }
    header = malloc(len ? (size_t)len : 1);
    if (!header) {
        fail(err, path, "out of memory");
        st = LSTMC_ERR_NOMEM;
        goto out;
    }
    if (fread(header, 1, (size_t)len, f) != (size_t)len) {
        fail(err, path, "cannot read the header: %s", strerror(errno ? errno : EIO));
        st = LSTMC_ERR_IO;
        goto out;
    }
    json_error_t jerr;
    root = json_loadb(header, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        fail(err, path, "corrupt checkpoint: the header is not valid JSON (line %d, column "
             "%d): %s", jerr.line, jerr.column, jerr.text);
        goto out;
    }
    json_t *md = json_object_get(root, "__metadata__");
    const json_t *format = md ? json_object_get(md, "lstmc.format") : NULL;
    if (!format || !json_is_string(format) ||
        strcmp(json_string_value(format), FORMAT_NAME) != 0) {
        fail(err, path, "not an lstmc checkpoint (no metadata lstmc.format '%s')",
             FORMAT_NAME);
        goto out;
    }
    *out = json_incref(md);
    st = LSTMC_OK;
out:
    json_decref(root);
    free(header);
    if (f)
        fclose(f);
    return st;
}

/* The metadata string `key`, or NULL after a message. */
static const char *meta_text(json_t *md, const char *key, const char *path, lstmc_error *err)
{
    const json_t *v = json_object_get(md, key);
    if (!json_is_string(v)) {
        fail(err, path, "corrupt checkpoint: metadata '%s' is missing", key);
        return NULL;
    }
    return json_string_value(v);
}

/* Shows at most QUOTE_MAX bytes of s. */
static const char *quote(char out[QUOTE_MAX + 4], const char *s)
{
    snprintf(out, QUOTE_MAX + 4, "%.*s%s", QUOTE_MAX, s, strlen(s) > QUOTE_MAX ? "..." : "");
    return out;
}

/* Metadata `key` as a decimal integer (digits only) or, when hex, as 16
 * hex digits. */
static bool meta_u64(json_t *md, const char *key, bool hex, uint64_t *out, const char *path,
                     lstmc_error *err)
{
    const char *s = meta_text(md, key, path, err);
    if (!s)
        return false;
    char q[QUOTE_MAX + 4];
    if (hex) {
        if (strlen(s) == 16 && hex_value(s, 16, out))
            return true;
        fail(err, path, "corrupt checkpoint: metadata '%s' is '%s', expected 16 hex digits",
             key, quote(q, s));
        return false;
    }
    uint64_t v = 0;
    bool ok = *s != '\0' && strlen(s) <= 19;
    for (const char *c = s; ok && *c; c++) {
        ok = *c >= '0' && *c <= '9';
        v = v * 10 + (uint64_t)(*c - '0');
    }
    if (!ok) {
        fail(err, path, "corrupt checkpoint: metadata '%s' is '%s', expected an integer", key,
             quote(q, s));
        return false;
    }
    *out = v;
    return true;
}

static bool meta_size(json_t *md, const char *key, size_t *out, const char *path,
                      lstmc_error *err)
{
    uint64_t v;
    if (!meta_u64(md, key, false, &v, path, err))
        return false;
    if (v > SIZE_MAX) {
        fail(err, path, "corrupt checkpoint: metadata '%s' is too large", key);
        return false;
    }
    *out = (size_t)v;
    return true;
}

static bool meta_real(json_t *md, const char *key, double *out, const char *path,
                      lstmc_error *err)
{
    const char *s = meta_text(md, key, path, err);
    if (!s)
        return false;
    char *end;
    *out = strtod(s, &end);
    if (*s != '\0' && *end == '\0' && !isnan(*out))
        return true;
    char q[QUOTE_MAX + 4];
    fail(err, path, "corrupt checkpoint: metadata '%s' is '%s', expected a number", key,
         quote(q, s));
    return false;
}

/* Everything the metadata says, checked against the run (ck's "in"
 * fields); the position goes to *pos, the dropout states to dropout[]. */
static lstmc_status check_metadata(const char *path, json_t *md, const lstmc_checkpoint *ck,
                                   lstmc_checkpoint *pos, lstmc_rng *dropout,
                                   uint64_t *sum, lstmc_error *err)
{
    char q[QUOTE_MAX + 4];
    const char *s;
    if (!(s = meta_text(md, "lstmc.version", path, err)))
        return LSTMC_ERR_FORMAT;
    if (strcmp(s, FORMAT_VERSION) != 0) {
        fail(err, path, "checkpoint version '%s' is not supported (this program reads "
             "version %s)", quote(q, s), FORMAT_VERSION);
        return LSTMC_ERR_FORMAT;
    }
    if (!(s = meta_text(md, LSTMC_META_MODEL, path, err)))
        return LSTMC_ERR_FORMAT;
    if (strcmp(s, ck->model) != 0) {
        fail(err, path, "checkpoint is for model '%s', not '%s'", quote(q, s), ck->model);
        return LSTMC_ERR_FORMAT;
    }
    if (!(s = meta_text(md, LSTMC_META_SPEC_HASH, path, err)))
        return LSTMC_ERR_FORMAT;
    if (strcmp(s, ck->spec_hash) != 0) {
        fail(err, path, "checkpoint is from a different spec (hash %s, this program's is %s)",
             quote(q, s), ck->spec_hash);
        return LSTMC_ERR_FORMAT;
    }
    uint64_t seed, data_hash;
    size_t batch_size, samples;
    if (!meta_u64(md, "lstmc.seed", false, &seed, path, err) ||
        !meta_size(md, "lstmc.batch_size", &batch_size, path, err) ||
        !meta_size(md, "lstmc.samples", &samples, path, err) ||
        !meta_u64(md, "lstmc.data_hash", true, &data_hash, path, err))
        return LSTMC_ERR_FORMAT;
    if (seed != ck->seed) {
        fail(err, path, "checkpoint was written with seed %" PRIu64 ", this run has %" PRIu64
             " (--seed)", seed, ck->seed);
        return LSTMC_ERR_FORMAT;
    }
    if (batch_size != ck->batch_size) {
        fail(err, path, "checkpoint was written with batch size %zu, this run has %zu "
             "(--batch-size)", batch_size, ck->batch_size);
        return LSTMC_ERR_FORMAT;
    }
    if (samples != ck->samples || data_hash != ck->data_hash) {
        fail(err, path, "checkpoint was written for other training data (%zu samples, hash "
             "%016" PRIx64 "; this run has %zu, hash %016" PRIx64 ")", samples, data_hash,
             ck->samples, ck->data_hash);
        return LSTMC_ERR_FORMAT;
    }
    *pos = *ck;
    if (!meta_size(md, "lstmc.epoch", &pos->epoch, path, err) ||
        !meta_size(md, "lstmc.batch", &pos->batch, path, err) ||
        !meta_u64(md, "lstmc.step", false, &pos->step, path, err) ||
        !meta_real(md, "lstmc.epoch_loss_sum", &pos->epoch_loss_sum, path, err) ||
        !meta_u64(md, "lstmc.samples_seen", false, &pos->samples_seen, path, err) ||
        !meta_real(md, "lstmc.train_seconds", &pos->seconds, path, err) ||
        !meta_real(md, "lstmc.es.best_value", &pos->best_value, path, err) ||
        !meta_size(md, "lstmc.es.best_epoch", &pos->best_epoch, path, err) ||
        !meta_size(md, "lstmc.es.stale", &pos->stale, path, err) ||
        !meta_u64(md, "lstmc.checksum", true, sum, path, err))
        return LSTMC_ERR_FORMAT;
    if (pos->epoch > ck->max_epochs) {
        fail(err, path, "checkpoint is at epoch %zu, past the %zu epoch%s of this run "
             "(--epochs)", pos->epoch, ck->max_epochs, ck->max_epochs == 1 ? "" : "s");
        return LSTMC_ERR_FORMAT;
    }
    size_t steps = batches_per_epoch(ck);
    if (pos->batch > steps || (pos->epoch == ck->max_epochs && pos->batch > 0) ||
        pos->best_epoch > pos->epoch) {
        fail(err, path, "corrupt checkpoint: position epoch %zu, batch %zu (best epoch %zu) "
             "is impossible with %zu batches per epoch", pos->epoch, pos->batch,
             pos->best_epoch, steps);
        return LSTMC_ERR_FORMAT;
    }
    if (!(s = meta_text(md, "lstmc.rng.shuffle", path, err)))
        return LSTMC_ERR_FORMAT;
    if (lstmc_rng_from_text(&pos->shuffle, s) != LSTMC_OK) {
        fail(err, path, "corrupt checkpoint: metadata 'lstmc.rng.shuffle' is not a generator "
             "state (%d hex digits)", LSTMC_RNG_TEXT_SIZE - 1);
        return LSTMC_ERR_FORMAT;
    }
    if (!(s = meta_text(md, "lstmc.rng.dropout", path, err)))
        return LSTMC_ERR_FORMAT;
    size_t have = *s ? (strlen(s) + 1) / LSTMC_RNG_TEXT_SIZE : 0;
    bool ok = strlen(s) == (have ? have * LSTMC_RNG_TEXT_SIZE - 1 : 0) && have == ck->n_dropout;
    char one[LSTMC_RNG_TEXT_SIZE];
    for (size_t i = 0; ok && i < have; i++) {
        memcpy(one, s + i * LSTMC_RNG_TEXT_SIZE, LSTMC_RNG_TEXT_SIZE - 1);
        one[LSTMC_RNG_TEXT_SIZE - 1] = '\0';
        ok = lstmc_rng_from_text(&dropout[i], one) == LSTMC_OK &&
             (i + 1 == have || s[(i + 1) * LSTMC_RNG_TEXT_SIZE - 1] == ',');
    }
    if (!ok) {
        fail(err, path, "corrupt checkpoint: metadata 'lstmc.rng.dropout' is not %zu generator "
             "states", ck->n_dropout);
        return LSTMC_ERR_FORMAT;
    }
    return LSTMC_OK;
}

static bool all_finite(const void *data, lstmc_dtype dtype, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (dtype == LSTMC_F32 ? !isfinite(((const float *)data)[i])
                               : !isfinite(((const double *)data)[i]))
            return false;
    return true;
}

lstmc_status lstmc_checkpoint_load(const char *path, lstmc_checkpoint *ck, lstmc_error *err)
{
    lstmc_status st = check_buffers(path, ck, err);
    if (st != LSTMC_OK)
        return st;
    json_t *md = NULL;
    double *order = NULL;
    unsigned char *taken = NULL;
    lstmc_rng *dropout = NULL;
    if ((st = read_metadata(path, &md, err)) != LSTMC_OK)
        goto out;
    order = malloc(ck->samples * sizeof *order);
    taken = calloc(ck->samples, 1);
    dropout = malloc((ck->n_dropout ? ck->n_dropout : 1) * sizeof *dropout);
    if (!order || !taken || !dropout) {
        fail(err, path, "out of memory");
        st = LSTMC_ERR_NOMEM;
        goto out;
    }
    lstmc_checkpoint pos;
    uint64_t sum;
    if ((st = check_metadata(path, md, ck, &pos, dropout, &sum, err)) != LSTMC_OK)
        goto out;

    lstmc_tensor_desc t[N_TENSORS];
    void *data[N_TENSORS];
    size_t n = describe(t, data, &pos, order);
    const lstmc_meta meta[] = {{"lstmc.format", FORMAT_NAME}};
    if ((st = lstmc_weights_load(path, t, n, data, meta, 1, err)) != LSTMC_OK)
        goto out;
    st = LSTMC_ERR_FORMAT;
    if (checksum(t, data, n) != sum) {
        fail(err, path, "corrupt checkpoint: the tensors' checksum is %016" PRIx64
             ", the header says %016" PRIx64, checksum(t, data, n), sum);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!all_finite(data[i], t[i].dtype, t[i].shape[0])) {
            fail(err, path, "corrupt checkpoint: tensor '%s' holds a value that is not finite",
                 t[i].name);
            goto out;
        }
    }
    for (size_t i = 0; i < ck->samples; i++) {
        double v = order[i];
        if (!(v >= 0 && v < (double)ck->samples && v == floor(v)) || taken[(size_t)v]) {
            fail(err, path, "corrupt checkpoint: 'order' is not a permutation of the %zu "
                 "training samples", ck->samples);
            goto out;
        }
        taken[(size_t)v] = 1;
        ck->order[i] = (size_t)v;
    }
    memcpy(ck->dropout, dropout, ck->n_dropout * sizeof *dropout);
    ck->epoch = pos.epoch;
    ck->batch = pos.batch;
    ck->step = pos.step;
    ck->shuffle = pos.shuffle;
    ck->epoch_loss_sum = pos.epoch_loss_sum;
    ck->samples_seen = pos.samples_seen;
    ck->seconds = pos.seconds;
    ck->best_value = pos.best_value;
    ck->best_epoch = pos.best_epoch;
    ck->stale = pos.stale;
    st = LSTMC_OK;
out:
    json_decref(md);
    free(order);
    free(taken);
    free(dropout);
    return st;
}
