/*
 * arrays.c - a small reader for CSV files of numbers, the input format of
 * the generated programs' predict and fit-arrays modes: one sample per
 * line, a fixed number of comma-separated numbers. Never prints; every
 * error names the file, line and column.
 */
#include "lstmc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lstmc_status arr_fail(lstmc_error *err, lstmc_status st, const char *path, long row,
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

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

lstmc_status lstmc_arrays_read_f64(const char *path, size_t cols, uint64_t int_bound,
                                   double **out, size_t *rows, lstmc_error *err)
{
    if (!path || !out || !rows || cols == 0)
        return arr_fail(err, LSTMC_ERR_ARG, path, 0, 0, "invalid arguments");
    *out = NULL;
    *rows = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return arr_fail(err, LSTMC_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    lstmc_status st = LSTMC_OK;
    char *line = NULL;
    size_t cap = 0, n = 0, alloc = 0;
    double *data = NULL;
    long row = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        row++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        const char *s = line;
        while (is_blank(*s))
            s++;
        if (*s == '\0')
            continue;
        if (n == alloc) {
            size_t na = alloc ? 2 * alloc : 64;
            double *nd = realloc(data, na * cols * sizeof *nd);
            if (!nd) {
                st = arr_fail(err, LSTMC_ERR_NOMEM, path, row, 0, "out of memory");
                goto done;
            }
            data = nd;
            alloc = na;
        }
        size_t k = 0;
        s = line;
        for (;;) {
            while (is_blank(*s))
                s++;
            long col = (long)(s - line) + 1;
            if (k == cols) {
                st = arr_fail(err, LSTMC_ERR_FORMAT, path, row, col,
                              "expected %zu values, found more", cols);
                goto done;
            }
            char *end;
            errno = 0;
            double v = strtod(s, &end);
            const char *e = end;
            while (is_blank(*e))
                e++;
            if (end == s || (*e != ',' && *e != '\0')) {
                size_t w = strcspn(s, ",");
                st = arr_fail(err, LSTMC_ERR_FORMAT, path, row, col,
                              "expected a number, found '%.*s'", (int)(w > 40 ? 40 : w), s);
                goto done;
            }
            if (!isfinite(v)) {
                st = arr_fail(err, LSTMC_ERR_FORMAT, path, row, col,
                              "expected a finite number, found '%.*s'", (int)(end - s), s);
                goto done;
            }
            if (int_bound && (v != floor(v) || v < 0 || v >= (double)int_bound)) {
                st = arr_fail(err, LSTMC_ERR_FORMAT, path, row, col,
                              "expected a token id, an integer in [0, %llu), found '%.*s'",
                              (unsigned long long)int_bound, (int)(end - s), s);
                goto done;
            }
            data[n * cols + k++] = v;
            if (*e == '\0')
                break;
            s = e + 1;
        }
        if (k != cols) {
            st = arr_fail(err, LSTMC_ERR_FORMAT, path, row, (long)strlen(line) + 1,
                          "expected %zu values, found %zu", cols, k);
            goto done;
        }
        n++;
    }
    if (ferror(f))
        st = arr_fail(err, LSTMC_ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
done:
    free(line);
    fclose(f);
    if (st != LSTMC_OK) {
        free(data);
        return st;
    }
    *out = data;
    *rows = n;
    return LSTMC_OK;
}
