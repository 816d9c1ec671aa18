/*
 * sgemm_peak: the cblas_sgemm rate of [N, N] x [N, N] (default 2048) with
 * T threads (default 1), best of R runs (default 5), as one JSON line.
 * The peak bench/run divides the models' achieved rates by; the kernel
 * is whatever OPENBLAS_CORETYPE selects, as for the generated programs.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2048, threads = argc > 2 ? atoi(argv[2]) : 1;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    float *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b);
    float *c = malloc((size_t)n * n * sizeof *c);
    if (!a || !b || !c || n <= 0 || threads <= 0 || runs <= 0)
        return 2;
    for (size_t i = 0; i < (size_t)n * n; i++) {
        a[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
        b[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
    }
    openblas_set_num_threads(threads);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    double best = 1e30;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    printf("{\"n\": %d, \"threads\": %d, \"gflops\": %.2f, \"check\": %g}\n", n, threads,
           2.0 * n * n * (double)n / best * 1e-9, (double)c[n + 1]);
    free(a);
    free(b);
    free(c);
    return 0;
}
