/*
 * driver: times a generated model's training loop and its batch-1
 * inference on prepared arrays, for bench/run. Compiled once per model:
 *
 *   cc -O2 -DMODEL=forecast -DMODEL_UP=FORECAST -DMODEL_H='"forecast.h"' -I GEN driver.c GEN/forecast.c ...
 *
 * train: the same loop as the program's `train` (a fresh shuffle each
 * epoch, each batch gathered into one buffer, then MODEL_train_batch),
 * timed from the first to the last batch after WARMUP batches, until at
 * least --seconds have passed and --batches were done. Prints one JSON
 * line. infer: MODEL_predict of one sample at a time, cycling through the
 * samples; stream: MODEL_stream_step on the first step of each sample in
 * turn; both print the mean microseconds per call.
 *
 * Arrays are raw little-endian float32 files (bench/bench.py writes them).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include MODEL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define M(x) CAT(MODEL, CAT(_, x))
#define UP(x) CAT(MODEL_UP, CAT(_, x))

enum { WARMUP = 3 };

extern void openblas_set_num_threads(int) __attribute__((weak));

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *read_f32(const char *path, size_t count)
{
    FILE *f = fopen(path, "rb");
    float *x = malloc(count * sizeof *x);
    if (!f || !x || fread(x, sizeof *x, count, f) != count) {
        fprintf(stderr, "driver: cannot read %zu floats from %s\n", count, path);
        exit(1);
    }
    fclose(f);
    return x;
}

static M(real) *to_real(const float *x, size_t count)
{
    M(real) *r = malloc(count * sizeof *r);
    for (size_t i = 0; i < count; i++)
        r[i] = (M(real))x[i];
    return r;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "", *xpath = NULL, *ypath = NULL, *wpath = NULL;
    size_t n = 0, batch = 1, min_batches = 10, threads = 1;
    double seconds = 2;
    unsigned long long seed = 1;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--x")) xpath = v;
        else if (!strcmp(k, "--y")) ypath = v;
        else if (!strcmp(k, "--weights")) wpath = v;
        else if (!strcmp(k, "--n")) n = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--batch")) batch = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--batches")) min_batches = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--threads")) threads = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--seconds")) seconds = strtod(v, NULL);
        else if (!strcmp(k, "--seed")) seed = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "driver: unknown option %s\n", k);
            return 2;
        }
    }
    if (!xpath || n == 0 || batch == 0 || batch > n) {
        fprintf(stderr, "usage: driver train|infer|stream --x X.f32 [--y Y.f32] --n N [--batch B]"
                        " [--batches K] [--seconds S] [--threads T] [--seed S] [--weights W]\n");
        return 2;
    }
    if (openblas_set_num_threads)
        openblas_set_num_threads((int)threads);
    const size_t IN = UP(INPUT_SIZE), OUT = UP(OUTPUT_SIZE);
    (void)OUT;
    M(real) *x = to_real(read_f32(xpath, n * IN), n * IN);
    M(ctx) *ctx = M(create)();
    lstmc_error err;
    memset(&err, 0, sizeof err);
    if (wpath ? M(load)(ctx, wpath, &err) != LSTMC_OK : M(init)(ctx, seed) != LSTMC_OK) {
        fprintf(stderr, "driver: cannot initialise the model: %s\n", err.msg);
        return 1;
    }
    M(seed_dropout)(ctx, seed);
    if (M(set_threads)(ctx, (unsigned)threads) != LSTMC_OK) {
        fprintf(stderr, "driver: cannot start %zu threads\n", threads);
        return 1;
    }

    if (!strcmp(mode, "infer") || !strcmp(mode, "stream")) {
        /* stream: the first step of each sample in turn, as one long
         * stream (the peer does the same) */
        const int stream = !strcmp(mode, "stream");
        M(real) y[UP(OUTPUT_SIZE)];
        for (size_t i = 0; i < 1000; i++) {
            if (stream)
                M(stream_step)(ctx, x + (i % n) * IN, y);
            else
                M(predict)(ctx, x + (i % n) * IN, y, 1);
        }
        size_t calls = 0;
        double t0 = now(), c0 = cpu_now(), t;
        do {
            for (size_t i = 0; i < 1000; i++, calls++) {
                if (stream)
                    M(stream_step)(ctx, x + (calls % n) * IN, y);
                else
                    M(predict)(ctx, x + (calls % n) * IN, y, 1);
            }
            t = now() - t0;
        } while (t < seconds);
        printf("{\"us_per_sample\": %.4f, \"cpu_us_per_sample\": %.4f, \"calls\": %zu, "
               "\"check\": %.6g}\n", 1e6 * t / (double)calls,
               1e6 * (cpu_now() - c0) / (double)calls, calls, (double)y[0]);
        return 0;
    }

    M(real) *y = to_real(read_f32(ypath, n * OUT), n * OUT);
    M(real) *xb = malloc(batch * IN * sizeof *xb), *yb = malloc(batch * OUT * sizeof *yb);
    size_t *idx = malloc(n * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    lstmc_rng shuffle;
    lstmc_rng_seed(&shuffle, seed, lstmc_rng_stream_id("fit/shuffle"));
    size_t off = n, done = 0, samples = 0;
    double t0 = 0, t = 0, loss = 0, c0 = 0;
    for (;;) {
        if (off >= n) {
            lstmc_rng_shuffle(&shuffle, idx, n);
            off = 0;
        }
        size_t k = n - off < batch ? n - off : batch;
        for (size_t i = 0; i < k; i++) {
            memcpy(xb + i * IN, x + idx[off + i] * IN, IN * sizeof *xb);
            memcpy(yb + i * OUT, y + idx[off + i] * OUT, OUT * sizeof *yb);
        }
        loss = (double)M(train_batch)(ctx, xb, yb, k);
        off += k;
        if (++done == WARMUP) {
            t0 = now();
            c0 = cpu_now();
        }
        if (done > WARMUP) {
            samples += k;
            t = now() - t0;
            if (done - WARMUP >= min_batches && t >= seconds)
                break;
        }
    }
    /* CPU seconds of all threads: a check on how much the machine's other
     * load took from the wall-clock figure */
    double cpu = cpu_now() - c0;
    printf("{\"samples_per_second\": %.3f, \"samples\": %zu, \"seconds\": %.4f, "
           "\"cpu_seconds\": %.4f, \"loss\": %.6g}\n", (double)samples / t, samples, t, cpu, loss);
    return 0;
}
