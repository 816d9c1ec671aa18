/*
 * Weights in safetensors (runtime/weights.c): round trips, byte-exact
 * output against files written by an independent Python writer
 * (tools/make_safetensors_fixtures.py, fixtures in tests/weights/), loading
 * those files, one test per way a file is refused with its exact message,
 * and atomic saves that leave the old file alone when they fail.
 *
 * Run from the source root (meson does): fixture paths are relative to it.
 * Each test works in its own fresh directory under $TMPDIR (or /tmp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lstmc.h"

#define FIXTURES "tests/weights"

/* ------------------------------------------------------------------ */
/* Per-test directory and file helpers                                 */
/* ------------------------------------------------------------------ */

struct tmp {
    char dir[256];
    char path[512]; /* dir/w.safetensors: the file most tests use */
};

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/lstmc-weights-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    snprintf(t->path, sizeof t->path, "%s/w.safetensors", t->dir);
    *state = t;
    return 0;
}

/* Removes dir and what the tests put in it: files and one level of
 * sub-directories. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, ent->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    struct tmp *t = *state;
    remove_tree(t->dir);
    free(t);
    return 0;
}

/* How many entries of dir have ".tmp." in their name. */
static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)))
        if (strstr(ent->d_name, ".tmp."))
            n++;
    closedir(d);
    return n;
}

/* A whole file; *len gets its size. Caller frees. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    unsigned char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            cap = cap ? 2 * cap : 4096;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = used;
    return buf;
}

static void spill(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/*
 * Writes a safetensors file by hand: the 8-byte length of `header`, the
 * header with every ' turned into " (so tests can write JSON without
 * escapes), then data_len bytes of 0x3F.
 */
static void write_st(const char *path, const char *header, size_t data_len)
{
    size_t n = strlen(header);
    unsigned char *buf = malloc(8 + n + data_len + 1);
    assert_non_null(buf);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
    for (size_t i = 0; i < n; i++)
        buf[8 + i] = header[i] == '\'' ? '"' : (unsigned char)header[i];
    memset(buf + 8 + n, 0x3F, data_len);
    spill(path, buf, 8 + n + data_len);
    free(buf);
}

/* ------------------------------------------------------------------ */
/* The model of the fixtures (same as tools/make_safetensors_fixtures.py) */
/* ------------------------------------------------------------------ */

#define N_MODEL 7

static void model_layout(lstmc_tensor_desc out[N_MODEL], lstmc_dtype dtype)
{
    const lstmc_tensor_desc layout[N_MODEL] = {
        {"lstm/kernel", dtype, 2, {3, 8}},
        {"lstm/recurrent_kernel", dtype, 2, {2, 8}},
        {"lstm/bias", dtype, 1, {8}},
        {"dense/kernel", dtype, 2, {2, 1}},
        {"dense/bias", dtype, 1, {1}},
        {"step", dtype, 0, {0}},
        {"empty", dtype, 2, {0, 3}},
    };
    memcpy(out, layout, sizeof layout);
}

static const lstmc_meta model_meta[] = {
    {LSTMC_META_MODEL, "pr\xc3\xa9vision"},
    {LSTMC_META_SPEC_HASH, "9c1e5ab0d37f2e64"},
};
#define N_META (sizeof model_meta / sizeof model_meta[0])

static size_t elements(const lstmc_tensor_desc *t)
{
    size_t n = 1;
    for (size_t d = 0; d < t->rank; d++)
        n *= t->shape[d];
    return n;
}

/* Element k of tensor number t, as the Python script computes it. */
static double model_value(size_t t, size_t k)
{
    return (double)((long)((37 * k + 11 * t) % 29) - 14) / 3.0;
}

/* Buffers for a layout: data[i] holds tensors[i] (NULL when empty), filled
 * with model_value when fill, else with a poison pattern. */
static void alloc_buffers(void *data[], const lstmc_tensor_desc *tensors,
                          size_t n, bool fill)
{
    for (size_t i = 0; i < n; i++) {
        size_t count = elements(&tensors[i]);
        size_t size = tensors[i].dtype == LSTMC_F32 ? 4 : 8;
        data[i] = NULL;
        if (count == 0)
            continue;
        data[i] = malloc(count * size);
        assert_non_null(data[i]);
        memset(data[i], 0xA5, count * size);
        for (size_t k = 0; fill && k < count; k++) {
            if (tensors[i].dtype == LSTMC_F32)
                ((float *)data[i])[k] = (float)model_value(i, k);
            else
                ((double *)data[i])[k] = model_value(i, k);
        }
    }
}

static void free_buffers(void *data[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(data[i]);
}

/* Compares loaded buffers with model_value bit for bit; `order` maps the
 * layout's tensor i to its number in the Python list. */
static void check_values(void *const data[], const lstmc_tensor_desc *tensors,
                         size_t n, const size_t *order)
{
    for (size_t i = 0; i < n; i++) {
        size_t t = order ? order[i] : i;
        for (size_t k = 0; k < elements(&tensors[i]); k++) {
            if (tensors[i].dtype == LSTMC_F32) {
                float want = (float)model_value(t, k);
                float got = ((const float *)data[i])[k];
                if (memcmp(&want, &got, sizeof got) != 0)
                    fail_msg("%s[%zu] = %.9g, expected %.9g",
                             tensors[i].name, k, got, want);
            } else {
                double want = model_value(t, k);
                double got = ((const double *)data[i])[k];
                if (memcmp(&want, &got, sizeof got) != 0)
                    fail_msg("%s[%zu] = %.17g, expected %.17g",
                             tensors[i].name, k, got, want);
            }
        }
    }
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    unsigned char *da = slurp(a, &la);
    unsigned char *db = slurp(b, &lb);
    if (la != lb)
        fail_msg("%s has %zu bytes, %s has %zu", a, la, b, lb);
    for (size_t i = 0; i < la; i++)
        if (da[i] != db[i])
            fail_msg("%s and %s differ at byte %zu: 0x%02x vs 0x%02x", a, b,
                     i, da[i], db[i]);
    free(da);
    free(db);
}

/* ------------------------------------------------------------------ */
/* Round trips and fixtures                                            */
/* ------------------------------------------------------------------ */

static void round_trip(const char *path, lstmc_dtype dtype)
{
    lstmc_tensor_desc layout[N_MODEL];
    model_layout(layout, dtype);
    void *out[N_MODEL], *in[N_MODEL];
    alloc_buffers(out, layout, N_MODEL, true);
    alloc_buffers(in, layout, N_MODEL, false);
    lstmc_error err = {{0}, 0, 0, {0}};
    assert_int_equal(lstmc_weights_save(path, layout, N_MODEL,
                                        (const void *const *)out, model_meta,
                                        N_META, &err),
                     LSTMC_OK);
    lstmc_status st = lstmc_weights_load(path, layout, N_MODEL, in,
                                         model_meta, N_META, &err);
    if (st != LSTMC_OK)
        fail_msg("%s: %s", err.path, err.msg);
    check_values(in, layout, N_MODEL, NULL);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0644);
    free_buffers(out, N_MODEL);
    free_buffers(in, N_MODEL);
}

static void test_round_trip_f32(void **state)
{
    struct tmp *t = *state;
    round_trip(t->path, LSTMC_F32);
    assert_int_equal(count_temp_files(t->dir), 0);
}

static void test_round_trip_f64(void **state)
{
    struct tmp *t = *state;
    round_trip(t->path, LSTMC_F64);
    assert_int_equal(count_temp_files(t->dir), 0);
}

static void save_matches_fixture(const char *path, lstmc_dtype dtype,
                                 const char *fixture)
{
    lstmc_tensor_desc layout[N_MODEL];
    model_layout(layout, dtype);
    void *out[N_MODEL];
    alloc_buffers(out, layout, N_MODEL, true);
    lstmc_error err;
    assert_int_equal(lstmc_weights_save(path, layout, N_MODEL,
                                        (const void *const *)out, model_meta,
                                        N_META, &err),
                     LSTMC_OK);
    assert_same_file(path, fixture);
    free_buffers(out, N_MODEL);
}

static void test_save_matches_python_f32(void **state)
{
    struct tmp *t = *state;
    save_matches_fixture(t->path, LSTMC_F32, FIXTURES "/f32.safetensors");
}

static void test_save_matches_python_f64(void **state)
{
    struct tmp *t = *state;
    save_matches_fixture(t->path, LSTMC_F64, FIXTURES "/f64.safetensors");
}

static void load_fixture(const char *fixture, lstmc_dtype dtype)
{
    lstmc_tensor_desc layout[N_MODEL];
    model_layout(layout, dtype);
    void *in[N_MODEL];
    alloc_buffers(in, layout, N_MODEL, false);
    lstmc_error err;
    lstmc_status st = lstmc_weights_load(fixture, layout, N_MODEL, in,
                                         model_meta, N_META, &err);
    if (st != LSTMC_OK)
        fail_msg("%s: %s", err.path, err.msg);
    check_values(in, layout, N_MODEL, NULL);
    free_buffers(in, N_MODEL);
}

static void test_load_python_f32(void **state)
{
    (void)state;
    load_fixture(FIXTURES "/f32.safetensors", LSTMC_F32);
}

static void test_load_python_f64(void **state)
{
    (void)state;
    load_fixture(FIXTURES "/f64.safetensors", LSTMC_F64);
}

/* Field order dtype/shape/data_offsets, data sorted by name, an extra
 * metadata key, and the caller listing the tensors in yet another order. */
static void test_load_reference_layout(void **state)
{
    (void)state;
    lstmc_tensor_desc model[N_MODEL];
    model_layout(model, LSTMC_F64);
    const size_t order[N_MODEL] = {6, 2, 0, 5, 4, 1, 3};
    lstmc_tensor_desc layout[N_MODEL];
    for (size_t i = 0; i < N_MODEL; i++)
        layout[i] = model[order[i]];
    void *in[N_MODEL];
    alloc_buffers(in, layout, N_MODEL, false);
    lstmc_error err;
    lstmc_status st = lstmc_weights_load(FIXTURES
                                         "/reference_layout.safetensors",
                                         layout, N_MODEL, in, model_meta,
                                         N_META, &err);
    if (st != LSTMC_OK)
        fail_msg("%s: %s", err.path, err.msg);
    check_values(in, layout, N_MODEL, order);
    free_buffers(in, N_MODEL);
}

/* No tensors and no metadata is a valid file too: "{}" padded to 8. */
static void test_empty_model(void **state)
{
    struct tmp *t = *state;
    lstmc_error err;
    assert_int_equal(lstmc_weights_save(t->path, NULL, 0, NULL, NULL, 0, &err),
                     LSTMC_OK);
    size_t len;
    unsigned char *bytes = slurp(t->path, &len);
    assert_int_equal(len, 16);
    assert_memory_equal(bytes, "\x08\0\0\0\0\0\0\0{}      ", 16);
    free(bytes);
    assert_int_equal(lstmc_weights_load(t->path, NULL, 0, NULL, NULL, 0, &err),
                     LSTMC_OK);
}

/* ------------------------------------------------------------------ */
/* Refusals: a small model and hand-made files                         */
/* ------------------------------------------------------------------ */

/* lstm/kernel F32 [1, 8] at [0, 32), lstm/bias F32 [8] at [32, 64). */
static const lstmc_tensor_desc small[] = {
    {"lstm/kernel", LSTMC_F32, 2, {1, 8}},
    {"lstm/bias", LSTMC_F32, 1, {8}},
};
#define N_SMALL 2
static const lstmc_meta small_meta[] = {
    {LSTMC_META_MODEL, "forecast"},
    {LSTMC_META_SPEC_HASH, "abc123"},
};
#define N_SMALL_META 2

#define META "'__metadata__':{'lstmc.model':'forecast','lstmc.spec_hash':'abc123'}"
#define KERNEL "'lstm/kernel':{'dtype':'F32','shape':[1,8],'data_offsets':[0,32]}"
#define BIAS "'lstm/bias':{'dtype':'F32','shape':[8],'data_offsets':[32,64]}"

/* Loads `path` as the small model; it must fail with `status` and exactly
 * `msg`, and leave the buffers alone. */
static void expect_refusal_at(const char *path, lstmc_status status,
                              long row, long col, const char *msg)
{
    float kernel[8], bias[8];
    memset(kernel, 0xA5, sizeof kernel);
    memset(bias, 0xA5, sizeof bias);
    void *data[N_SMALL] = {kernel, bias};
    lstmc_error err = {"junk", 99, 99, "junk"};
    lstmc_status st = lstmc_weights_load(path, small, N_SMALL, data,
                                         small_meta, N_SMALL_META, &err);
    if (st != status || strcmp(err.msg, msg) != 0)
        fail_msg("status %d, expected %d\n  got:      %s\n  expected: %s",
                 (int)st, (int)status, err.msg, msg);
    assert_string_equal(err.path, path);
    assert_int_equal(err.row, row);
    assert_int_equal(err.col, col);
    for (size_t i = 0; i < 8; i++) {
        uint32_t a, b;
        memcpy(&a, &kernel[i], 4);
        memcpy(&b, &bias[i], 4);
        assert_int_equal(a, 0xA5A5A5A5u);
        assert_int_equal(b, 0xA5A5A5A5u);
    }
}

static void expect_refusal(const char *path, const char *msg)
{
    expect_refusal_at(path, LSTMC_ERR_FORMAT, 0, 0, msg);
}

/* Writes `header` with data_len bytes of data, then expects msg. */
static void refuse(void **state, const char *header, size_t data_len,
                   const char *msg)
{
    struct tmp *t = *state;
    write_st(t->path, header, data_len);
    expect_refusal(t->path, msg);
}

static void test_handmade_valid(void **state)
{
    struct tmp *t = *state;
    write_st(t->path, "{" META "," KERNEL "," BIAS "}", 64);
    float kernel[8], bias[8];
    void *data[N_SMALL] = {kernel, bias};
    lstmc_error err;
    lstmc_status st = lstmc_weights_load(t->path, small, N_SMALL, data,
                                         small_meta, N_SMALL_META, &err);
    if (st != LSTMC_OK)
        fail_msg("%s", err.msg);
    uint32_t bits;
    memcpy(&bits, &bias[7], 4);
    assert_int_equal(bits, 0x3F3F3F3Fu);
}

static void test_refuse_too_short(void **state)
{
    struct tmp *t = *state;
    spill(t->path, "\x08\0\0\0\0", 5);
    expect_refusal(t->path, "file is too short for safetensors: 5 bytes, "
                            "expected at least 8 for the header length");
}

static void test_refuse_empty_file(void **state)
{
    struct tmp *t = *state;
    spill(t->path, "", 0);
    expect_refusal(t->path, "file is too short for safetensors: 0 bytes, "
                            "expected at least 8 for the header length");
}

static void test_refuse_header_above_limit(void **state)
{
    struct tmp *t = *state;
    /* 100000001 = 0x05F5E101 */
    spill(t->path, "\x01\xE1\xF5\x05\0\0\0\0{}", 10);
    expect_refusal(t->path, "header length 100000001 is above the limit of "
                            "100000000 bytes");
}

/* The limit itself passes the limit check: 100000000 = 0x05F5E100 is then
 * refused only because the file is shorter. */
static void test_header_at_limit(void **state)
{
    struct tmp *t = *state;
    spill(t->path, "\x00\xE1\xF5\x05\0\0\0\0{}", 10);
    expect_refusal(t->path, "header length 100000000 is larger than the 2 bytes "
                            "after it");
}

static void test_refuse_header_length_huge(void **state)
{
    struct tmp *t = *state;
    spill(t->path, "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF{}", 10);
    expect_refusal(t->path, "header length 18446744073709551615 is above "
                            "the limit of 100000000 bytes");
}

static void test_refuse_header_longer_than_file(void **state)
{
    struct tmp *t = *state;
    spill(t->path, "\x40\0\0\0\0\0\0\0{}", 10);
    expect_refusal(t->path, "header length 64 is larger than the 2 bytes "
                            "after it");
}

static void test_refuse_invalid_json(void **state)
{
    struct tmp *t = *state;
    write_st(t->path, "{\n  'lstm/kernel': {'dtype': F32}\n}", 0);
    expect_refusal_at(t->path, LSTMC_ERR_FORMAT, 2, 28,
                      "header is not valid JSON (line 2, column 28): "
                      "invalid token near 'F'");
}

static void test_refuse_truncated_json(void **state)
{
    struct tmp *t = *state;
    write_st(t->path, "{'lstm/kernel':", 0);
    expect_refusal_at(t->path, LSTMC_ERR_FORMAT, 1, 15,
                      "header is not valid JSON (line 1, column 15): "
                      "unexpected token near end of file");
}

static void test_refuse_duplicate_key(void **state)
{
    struct tmp *t = *state;
    write_st(t->path, "{" KERNEL "," KERNEL "}", 0);
    expect_refusal_at(t->path, LSTMC_ERR_FORMAT, 1, 80,
                      "header is not valid JSON (line 1, column 80): "
                      "duplicate object key near '\"lstm/kernel\"'");
}

static void test_refuse_header_not_object(void **state)
{
    refuse(state, "[1, 2]  ", 0, "header is an array, expected a JSON object");
}

static void test_refuse_control_bytes_in_message(void **state)
{
    refuse(state, "{" META "," KERNEL "," BIAS ",'evil\\u001b[2Jname':7}", 64,
           "tensor 'evil?[2Jname' is a number, expected an object with "
           "dtype, shape and data_offsets");
}

static void test_refuse_control_bytes_in_json(void **state)
{
    struct tmp *t = *state;
    write_st(t->path, "{'a':\x01}", 0);
    expect_refusal_at(t->path, LSTMC_ERR_FORMAT, 1, 6,
                      "header is not valid JSON (line 1, column 6): "
                      "invalid token near '?'");
}

/* Names in messages stop after 80 bytes. */
static void test_refuse_long_name(void **state)
{
    char header[512], want[256];
    char name[101];
    memset(name, 'x', 100);
    name[100] = '\0';
    snprintf(header, sizeof header,
             "{" META "," KERNEL "," BIAS ",'%s':{'dtype':'F32','shape':[],"
             "'data_offsets':[64,68]}}", name);
    snprintf(want, sizeof want, "unexpected tensor '%.80s...': the model has "
             "no tensor of that name", name);
    refuse(state, header, 68, want);
}

/* ... and are cut before a character that would not fit whole. */
static void test_refuse_long_utf8_name(void **state)
{
    char header[512], want[256];
    char name[101];
    memset(name, 'x', 79);
    strcpy(name + 79, "\xC3\xA9\xC3\xA9");
    snprintf(header, sizeof header,
             "{" META "," KERNEL "," BIAS ",'%s':{'dtype':'F32','shape':[],"
             "'data_offsets':[64,68]}}", name);
    snprintf(want, sizeof want, "unexpected tensor '%.79s...': the model has "
             "no tensor of that name", name);
    refuse(state, header, 68, want);
}

static void test_refuse_missing_tensor(void **state)
{
    refuse(state, "{" META "," KERNEL "}", 32, "missing tensor 'lstm/bias'");
}

static void test_refuse_renamed_tensor(void **state)
{
    refuse(state,
           "{" META "," KERNEL
           ",'lstm/b':{'dtype':'F32','shape':[8],'data_offsets':[32,64]}}",
           64, "missing tensor 'lstm/bias' (the file has unexpected 'lstm/b')");
}

static void test_refuse_unexpected_tensor(void **state)
{
    refuse(state,
           "{" META "," KERNEL "," BIAS
           ",'dense/bias':{'dtype':'F32','shape':[1],'data_offsets':[64,68]}}",
           68, "unexpected tensor 'dense/bias': the model has no tensor of "
               "that name");
}

static void test_refuse_wrong_dtype(void **state)
{
    refuse(state,
           "{" META ",'lstm/kernel':{'dtype':'F64','shape':[1,8],"
           "'data_offsets':[0,64]}," BIAS "}",
           96, "tensor 'lstm/kernel' has dtype F64, expected F32");
}

static void test_refuse_unknown_dtype(void **state)
{
    refuse(state,
           "{" META ",'lstm/kernel':{'dtype':'BF16','shape':[1,8],"
           "'data_offsets':[0,16]}," BIAS "}",
           48, "tensor 'lstm/kernel' has dtype BF16, expected F32");
}

static void test_refuse_wrong_shape(void **state)
{
    refuse(state,
           "{" META ",'lstm/kernel':{'dtype':'F32','shape':[3,8],"
           "'data_offsets':[0,96]},"
           "'lstm/bias':{'dtype':'F32','shape':[8],'data_offsets':[96,128]}}",
           128, "tensor 'lstm/kernel' has shape [3, 8], expected [1, 8]");
}

static void test_refuse_wrong_rank(void **state)
{
    refuse(state,
           "{" META "," KERNEL
           ",'lstm/bias':{'dtype':'F32','shape':[8,1],'data_offsets':[32,64]}}",
           64, "tensor 'lstm/bias' has shape [8, 1], expected [8]");
}

static void test_refuse_huge_shape(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':"
           "[9223372036854775807,9223372036854775807,1,2,3,4,5,6,7,8],"
           "'data_offsets':[32,64]}}",
           64, "tensor 'lstm/bias' has shape [9223372036854775807, "
               "9223372036854775807, 1, 2, 3, 4, 5, 6, ... (10 dims)], "
               "expected [8]");
}

static void test_refuse_entry_not_object(void **state)
{
    refuse(state, "{" META "," KERNEL ",'lstm/bias':[32,64]}", 64,
           "tensor 'lstm/bias' is an array, expected an object with dtype, "
           "shape and data_offsets");
}

static void test_refuse_no_dtype(void **state)
{
    refuse(state,
           "{" META "," KERNEL
           ",'lstm/bias':{'dtype':7,'shape':[8],'data_offsets':[32,64]}}",
           64, "tensor 'lstm/bias' has no dtype string");
}

static void test_refuse_bad_shape(void **state)
{
    refuse(state,
           "{" META "," KERNEL
           ",'lstm/bias':{'dtype':'F32','shape':[-8],'data_offsets':[32,64]}}",
           64, "tensor 'lstm/bias' has no shape array of non-negative "
               "integers");
}

static void test_refuse_offsets_not_integers(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[32.0,64.0]}}",
           64, "tensor 'lstm/bias' has no data_offsets [begin, end] of "
               "non-negative integers");
}

static void test_refuse_offsets_three(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[32,48,64]}}",
           64, "tensor 'lstm/bias' has no data_offsets [begin, end] of "
               "non-negative integers");
}

static void test_refuse_offsets_negative(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[-32,64]}}",
           64, "tensor 'lstm/bias' has no data_offsets [begin, end] of "
               "non-negative integers");
}

static void test_refuse_offsets_backwards(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[64,32]}}",
           64, "tensor 'lstm/bias' has data_offsets [64, 32] that end "
               "before they begin");
}

static void test_refuse_offsets_wrong_size(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[32,60]}}",
           60, "tensor 'lstm/bias' has data_offsets [32, 60], 28 bytes, "
               "but F32 [8] needs 32");
}

static void test_refuse_offsets_huge(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[32,9223372036854775807]}}",
           64, "tensor 'lstm/bias' has data_offsets [32, "
               "9223372036854775807], 9223372036854775775 bytes, but F32 "
               "[8] needs 32");
}

static void test_refuse_offsets_too_big_for_json(void **state)
{
    struct tmp *t = *state;
    write_st(t->path,
             "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
             "'data_offsets':[32,18446744073709551648]}}",
             64);
    expect_refusal_at(t->path, LSTMC_ERR_FORMAT, 1, 214,
                      "header is not valid JSON (line 1, column 214): "
                      "too big integer near '18446744073709551648'");
}

static void test_refuse_gap(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[36,68]}}",
           68, "gap in the data: no tensor has bytes [32, 36) before "
               "'lstm/bias'");
}

static void test_refuse_gap_at_start(void **state)
{
    refuse(state,
           "{" META ",'lstm/kernel':{'dtype':'F32','shape':[1,8],"
           "'data_offsets':[8,40]},"
           "'lstm/bias':{'dtype':'F32','shape':[8],'data_offsets':[40,72]}}",
           72, "gap in the data: no tensor has bytes [0, 8) before "
               "'lstm/kernel'");
}

static void test_refuse_overlap(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[16,48]}}",
           48, "tensor 'lstm/bias' at data_offsets [16, 48] overlaps "
               "'lstm/kernel' at [0, 32]");
}

static void test_refuse_same_offsets(void **state)
{
    refuse(state,
           "{" META "," KERNEL ",'lstm/bias':{'dtype':'F32','shape':[8],"
           "'data_offsets':[0,32]}}",
           32, "tensor 'lstm/kernel' at data_offsets [0, 32] overlaps "
               "'lstm/bias' at [0, 32]");
}

static void test_refuse_truncated(void **state)
{
    /* The header below is 199 bytes, so the data starts at byte 207 and
     * must end at 271. */
    refuse(state, "{" META "," KERNEL "," BIAS "}", 40,
           "truncated: data ends at byte 247, tensors need 271");
}

static void test_refuse_trailing_bytes(void **state)
{
    refuse(state, "{" META "," KERNEL "," BIAS "}", 70,
           "6 unexpected bytes after the last tensor, which ends at byte 271");
}

static void test_refuse_other_model(void **state)
{
    refuse(state,
           "{'__metadata__':{'lstmc.model':'sentiment','lstmc.spec_hash':"
           "'abc123'}," KERNEL "," BIAS "}",
           64, "weights are for model 'sentiment', not 'forecast'");
}

static void test_refuse_other_spec(void **state)
{
    refuse(state,
           "{'__metadata__':{'lstmc.model':'forecast','lstmc.spec_hash':"
           "'ffff00'}," KERNEL "," BIAS "}",
           64, "metadata 'lstmc.spec_hash' is 'ffff00', expected 'abc123'");
}

static void test_refuse_no_metadata(void **state)
{
    refuse(state, "{" KERNEL "," BIAS "}", 64,
           "metadata 'lstmc.model' is missing, expected 'forecast'");
}

static void test_refuse_metadata_not_object(void **state)
{
    refuse(state, "{'__metadata__':['forecast']," KERNEL "," BIAS "}", 64,
           "__metadata__ is an array, expected an object of strings");
}

static void test_refuse_metadata_not_string(void **state)
{
    refuse(state,
           "{'__metadata__':{'lstmc.model':'forecast','lstmc.spec_hash':"
           "'abc123','epochs':3}," KERNEL "," BIAS "}",
           64, "__metadata__ 'epochs' is a number, expected a string");
}

static void test_refuse_missing_file(void **state)
{
    struct tmp *t = *state;
    expect_refusal_at(t->path, LSTMC_ERR_IO, 0, 0,
                      "cannot open: No such file or directory");
}

static void test_refuse_directory(void **state)
{
    struct tmp *t = *state;
    expect_refusal_at(t->dir, LSTMC_ERR_IO, 0, 0,
                      "is a directory, not a weights file");
}

static void test_refuse_not_regular(void **state)
{
    (void)state;
    expect_refusal_at("/dev/null", LSTMC_ERR_IO, 0, 0,
                      "is not a regular file");
}

/* ------------------------------------------------------------------ */
/* Caller mistakes                                                     */
/* ------------------------------------------------------------------ */

static void expect_arg_error(const char *path, const lstmc_tensor_desc *ts,
                             size_t n, const char *msg)
{
    float buf[8] = {0};
    void *data[4] = {buf, buf, buf, buf};
    lstmc_error err;
    assert_int_equal(lstmc_weights_save(path, ts, n, (const void *const *)data,
                                        NULL, 0, &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, msg);
    assert_int_equal(lstmc_weights_load(path, ts, n, data, NULL, 0, &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, msg);
}

static void test_arg_errors(void **state)
{
    struct tmp *t = *state;
    const lstmc_tensor_desc twice[] = {
        {"a", LSTMC_F32, 1, {2}}, {"a", LSTMC_F32, 1, {2}}};
    expect_arg_error(t->path, twice, 2, "tensor 'a' is listed twice");
    const lstmc_tensor_desc reserved[] = {{"__metadata__", LSTMC_F32, 0, {0}}};
    expect_arg_error(t->path, reserved, 1,
                     "'__metadata__' is reserved, not a tensor name");
    const lstmc_tensor_desc rank5[] = {{"a", LSTMC_F32, 5, {1, 1, 1, 1}}};
    expect_arg_error(t->path, rank5, 1,
                     "tensor 'a' has rank 5, at most 4 is supported");
    const lstmc_tensor_desc bad_utf8[] = {{"a\xC3(", LSTMC_F32, 0, {0}}};
    expect_arg_error(t->path, bad_utf8, 1,
                     "tensor 0 has a name that is not valid UTF-8");
    const lstmc_tensor_desc unnamed[] = {{"", LSTMC_F32, 0, {0}}};
    expect_arg_error(t->path, unnamed, 1, "tensor 0 has no name");
    const lstmc_tensor_desc huge[] = {
        {"a", LSTMC_F64, 4, {SIZE_MAX, SIZE_MAX, 2, 2}}};
    expect_arg_error(t->path, huge, 1, "tensor 'a' is too large to store");
    const lstmc_tensor_desc sum_huge[] = {
        {"a", LSTMC_F64, 1, {(size_t)1 << 59}},
        {"b", LSTMC_F64, 1, {(size_t)1 << 59}}};
    expect_arg_error(t->path, sum_huge, 2, "tensor 'b' is too large to store");
    const lstmc_tensor_desc bad_dtype[] = {{"a", LSTMC_DTYPE_COUNT, 0, {0}}};
    expect_arg_error(t->path, bad_dtype, 1, "tensor 'a' has unknown dtype 2");
    expect_arg_error(t->path, NULL, 1, "1 tensors but no tensor list");
    expect_arg_error("", small, N_SMALL, "no file name given");

    /* A NULL buffer for a tensor with data. */
    float kernel[8] = {0};
    void *data[N_SMALL] = {kernel, NULL};
    lstmc_error err;
    assert_int_equal(lstmc_weights_save(t->path, small, N_SMALL,
                                        (const void *const *)data, NULL, 0,
                                        &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "no buffer for tensor 'lstm/bias'");
    const lstmc_meta dup_meta[] = {{"k", "1"}, {"k", "2"}};
    assert_int_equal(lstmc_weights_save(t->path, NULL, 0, NULL, dup_meta, 2,
                                        &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "metadata key 'k' is listed twice");
    const lstmc_meta no_value[] = {{"k", NULL}};
    assert_int_equal(lstmc_weights_load(t->path, NULL, 0, NULL, no_value, 1,
                                        &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "metadata entry 0 has no value");
    const lstmc_meta bad_meta[] = {{"k", "\xFF"}};
    assert_int_equal(lstmc_weights_save(t->path, NULL, 0, NULL, bad_meta, 1,
                                        &err),
                     LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "metadata entry 0 is not valid UTF-8");
    /* err may be NULL. */
    assert_int_equal(lstmc_weights_load(t->path, small, N_SMALL, data, NULL, 0,
                                        NULL),
                     LSTMC_ERR_ARG);
    assert_int_equal(count_temp_files(t->dir), 0);
    assert_int_equal(access(t->path, F_OK), -1);
}

/* ------------------------------------------------------------------ */
/* Atomic saves                                                        */
/* ------------------------------------------------------------------ */

static lstmc_status save_small(const char *path, float fill, size_t bias_len,
                               lstmc_error *err)
{
    static float kernel[8];
    static float bias[4096];
    for (size_t i = 0; i < 8; i++)
        kernel[i] = fill;
    for (size_t i = 0; i < bias_len; i++)
        bias[i] = fill;
    const lstmc_tensor_desc ts[] = {
        {"lstm/kernel", LSTMC_F32, 2, {1, 8}},
        {"lstm/bias", LSTMC_F32, 1, {bias_len}},
    };
    const void *data[] = {kernel, bias};
    return lstmc_weights_save(path, ts, 2, data, small_meta, N_SMALL_META,
                              err);
}

/* The file system refuses the write (file size limit): the old file stays
 * as it was and the temporary file is gone. */
static void test_atomic_write_error_keeps_old(void **state)
{
    struct tmp *t = *state;
    lstmc_error err;
    assert_int_equal(save_small(t->path, 1.0f, 8, &err), LSTMC_OK);
    assert_int_equal(chmod(t->path, 0640), 0);
    size_t old_len;
    unsigned char *old = slurp(t->path, &old_len);

    struct rlimit saved, limited;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    limited = saved;
    limited.rlim_cur = 1024;
    void (*saved_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limited), 0);
    lstmc_status st = save_small(t->path, 2.0f, 4096, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, saved_handler);

    assert_int_equal(st, LSTMC_ERR_IO);
    assert_string_equal(err.path, t->path);
    assert_string_equal(err.msg, "cannot write the temporary file: File too "
                                 "large");
    size_t now_len;
    unsigned char *now = slurp(t->path, &now_len);
    assert_int_equal(now_len, old_len);
    assert_memory_equal(now, old, old_len);
    assert_int_equal(count_temp_files(t->dir), 0);
    free(old);
    free(now);

    /* A later save that succeeds keeps the mode of the file it replaces. */
    assert_int_equal(save_small(t->path, 3.0f, 8, &err), LSTMC_OK);
    struct stat sb;
    assert_int_equal(stat(t->path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
}

/* The path is a directory: rename fails, the directory and its contents
 * stay, and the temporary file is gone. */
static void test_atomic_path_is_directory(void **state)
{
    struct tmp *t = *state;
    char sub[600], inner[700];
    snprintf(sub, sizeof sub, "%s/model.safetensors", t->dir);
    snprintf(inner, sizeof inner, "%s/keep", sub);
    assert_int_equal(mkdir(sub, 0755), 0);
    spill(inner, "keep", 4);
    lstmc_error err;
    assert_int_equal(save_small(sub, 1.0f, 8, &err), LSTMC_ERR_IO);
    assert_string_equal(err.path, sub);
    assert_string_equal(err.msg, "cannot replace it: Is a directory");
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(access(inner, F_OK), 0);
    assert_int_equal(count_temp_files(t->dir), 0);
}

static void test_atomic_missing_directory(void **state)
{
    struct tmp *t = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/no/such/w.safetensors", t->dir);
    lstmc_error err;
    assert_int_equal(save_small(path, 1.0f, 8, &err), LSTMC_ERR_IO);
    assert_string_equal(err.msg, "cannot create a temporary file beside it: "
                                 "No such file or directory");
    assert_int_equal(count_temp_files(t->dir), 0);
}

/* Saving over a file replaces it whole: a smaller file leaves no tail. */
static void test_save_replaces(void **state)
{
    struct tmp *t = *state;
    lstmc_error err;
    assert_int_equal(save_small(t->path, 1.0f, 4096, &err), LSTMC_OK);
    assert_int_equal(save_small(t->path, 2.0f, 8, &err), LSTMC_OK);
    float kernel[8], bias[8];
    void *data[N_SMALL] = {kernel, bias};
    assert_int_equal(lstmc_weights_load(t->path, small, N_SMALL, data,
                                        small_meta, N_SMALL_META, &err),
                     LSTMC_OK);
    assert_float_equal(bias[7], 2.0f, 0.0f);
    assert_int_equal(count_temp_files(t->dir), 0);
}

static void test_dtype_names(void **state)
{
    (void)state;
    assert_string_equal(lstmc_dtype_name(LSTMC_F32), "F32");
    assert_string_equal(lstmc_dtype_name(LSTMC_F64), "F64");
    assert_null(lstmc_dtype_name(LSTMC_DTYPE_COUNT));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_round_trip_f32),
        T(test_round_trip_f64),
        T(test_save_matches_python_f32),
        T(test_save_matches_python_f64),
        T(test_load_python_f32),
        T(test_load_python_f64),
        T(test_load_reference_layout),
        T(test_empty_model),
        T(test_handmade_valid),
        T(test_refuse_too_short),
        T(test_refuse_empty_file),
        T(test_refuse_header_above_limit),
        T(test_header_at_limit),
        T(test_refuse_header_length_huge),
        T(test_refuse_header_longer_than_file),
        T(test_refuse_invalid_json),
        T(test_refuse_truncated_json),
        T(test_refuse_duplicate_key),
        T(test_refuse_header_not_object),
        T(test_refuse_control_bytes_in_message),
        T(test_refuse_control_bytes_in_json),
        T(test_refuse_long_name),
        T(test_refuse_long_utf8_name),
        T(test_refuse_missing_tensor),
        T(test_refuse_renamed_tensor),
        T(test_refuse_unexpected_tensor),
        T(test_refuse_wrong_dtype),
        T(test_refuse_unknown_dtype),
        T(test_refuse_wrong_shape),
        T(test_refuse_wrong_rank),
        T(test_refuse_huge_shape),
        T(test_refuse_entry_not_object),
        T(test_refuse_no_dtype),
        T(test_refuse_bad_shape),
        T(test_refuse_offsets_not_integers),
        T(test_refuse_offsets_three),
        T(test_refuse_offsets_negative),
        T(test_refuse_offsets_backwards),
        T(test_refuse_offsets_wrong_size),
        T(test_refuse_offsets_huge),
        T(test_refuse_offsets_too_big_for_json),
        T(test_refuse_gap),
        T(test_refuse_gap_at_start),
        T(test_refuse_overlap),
        T(test_refuse_same_offsets),
        T(test_refuse_truncated),
        T(test_refuse_trailing_bytes),
        T(test_refuse_other_model),
        T(test_refuse_other_spec),
        T(test_refuse_no_metadata),
        T(test_refuse_metadata_not_object),
        T(test_refuse_metadata_not_string),
        T(test_refuse_missing_file),
        T(test_refuse_directory),
        T(test_refuse_not_regular),
        T(test_arg_errors),
        T(test_atomic_write_error_keeps_old),
        T(test_atomic_path_is_directory),
        T(test_atomic_missing_directory),
        T(test_save_replaces),
        T(test_dtype_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
