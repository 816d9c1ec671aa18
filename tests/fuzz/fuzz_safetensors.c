/*
 * libFuzzer target for lstmc_weights_load: each input is written to a
 * temporary file and loaded as the model of tests/weights/ (once with F32
 * and once with F64 tensors), so the fixtures are good seeds. An input that
 * loads is saved again and must load back to the same values.
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -D_POSIX_C_SOURCE=200809L -Iruntime runtime/weights.c \
 *       tests/fuzz/fuzz_safetensors.c -ljansson -o fuzz_safetensors
 *   cp -r tests/weights corpus
 *   ./fuzz_safetensors -max_total_time=300 corpus
 *
 * Temporary files go to $TMPDIR (default /tmp).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lstmc.h"

#define N_TENSORS 7
#define MAX_ELEMENTS 24 /* the largest tensor below, [3, 8] */

static const lstmc_meta meta[] = {
    {LSTMC_META_MODEL, "pr\xc3\xa9vision"},
    {LSTMC_META_SPEC_HASH, "9c1e5ab0d37f2e64"},
};

/* The harness's own scratch paths, made once per process. */
static char in_path[512], out_path[512];

static void remove_files(void)
{
    unlink(in_path);
    unlink(out_path);
}

static void make_paths(void)
{
    if (in_path[0])
        return;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(in_path, sizeof in_path, "%s/fuzz-safetensors-%ld-in", dir,
             (long)getpid());
    snprintf(out_path, sizeof out_path, "%s/fuzz-safetensors-%ld-out", dir,
             (long)getpid());
    atexit(remove_files);
}

static void try_layout(lstmc_dtype dtype)
{
    const lstmc_tensor_desc layout[N_TENSORS] = {
        {"lstm/kernel", dtype, 2, {3, 8}},
        {"lstm/recurrent_kernel", dtype, 2, {2, 8}},
        {"lstm/bias", dtype, 1, {8}},
        {"dense/kernel", dtype, 2, {2, 1}},
        {"dense/bias", dtype, 1, {1}},
        {"step", dtype, 0, {0}},
        {"empty", dtype, 2, {0, 3}},
    };
    static double first[N_TENSORS][MAX_ELEMENTS];
    static double again[N_TENSORS][MAX_ELEMENTS];
    void *a[N_TENSORS], *b[N_TENSORS];
    for (size_t i = 0; i < N_TENSORS; i++) {
        a[i] = first[i];
        b[i] = again[i];
    }
    lstmc_error err;
    if (lstmc_weights_load(in_path, layout, N_TENSORS, a, meta, 2, &err) !=
        LSTMC_OK) {
        if (!memchr(err.msg, '\0', sizeof err.msg) || err.msg[0] == '\0')
            abort(); /* every refusal says why */
        return;
    }
    if (lstmc_weights_save(out_path, layout, N_TENSORS,
                           (const void *const *)a, meta, 2, &err) != LSTMC_OK ||
        lstmc_weights_load(out_path, layout, N_TENSORS, b, meta, 2, &err) !=
            LSTMC_OK)
        abort();
    size_t size = dtype == LSTMC_F32 ? sizeof(float) : sizeof(double);
    for (size_t i = 0; i < N_TENSORS; i++) {
        size_t bytes = size;
        for (size_t d = 0; d < layout[i].rank; d++)
            bytes *= layout[i].shape[d];
        if (memcmp(a[i], b[i], bytes) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_paths();
    FILE *f = fopen(in_path, "wb");
    if (!f)
        abort();
    if (size > 0 && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();
    try_layout(LSTMC_F32);
    try_layout(LSTMC_F64);
    return 0;
}
