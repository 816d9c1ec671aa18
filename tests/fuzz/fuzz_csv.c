/*
 * libFuzzer target for the CSV reader (runtime/csv.c): each input is read
 * three ways, through lstmc_table_read():
 *   1. as a plain file "in.csv";
 *   2. gzip-compressed by zlib as "in.csv.gz", which must give the same
 *      table, or the same refusal, as 1 (unless the input is itself gzip);
 *   3. the raw bytes as "raw.csv.gz", so corrupt gzip streams (inputs that
 *      start with 1f 8b) reach zlib's error paths.
 * Every column of a table read is then parsed with lstmc_table_numbers().
 * Every refusal must carry a message; every cell must be a string.
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -D_POSIX_C_SOURCE=200809L -Iruntime runtime/csv.c runtime/xlsx.c \
 *       runtime/status.c tests/fuzz/fuzz_csv.c $(pkg-config --cflags \
 *       libxml-2.0 libzip) -lcsv -lz -lzip -lxml2 -o fuzz_csv
 *   ./fuzz_csv -max_total_time=300 tests/fuzz/corpus/csv
 *
 * Temporary files go to $TMPDIR (default /tmp).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lstmc.h"

static char plain_path[512], gz_path[512], raw_path[512];

static void remove_files(void)
{
    unlink(plain_path);
    unlink(gz_path);
    unlink(raw_path);
}

static void make_paths(void)
{
    if (plain_path[0])
        return;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    long pid = (long)getpid();
    snprintf(plain_path, sizeof plain_path, "%s/fuzz-csv-%ld-in.csv", dir, pid);
    snprintf(gz_path, sizeof gz_path, "%s/fuzz-csv-%ld-in.csv.gz", dir, pid);
    snprintf(raw_path, sizeof raw_path, "%s/fuzz-csv-%ld-raw.csv.gz", dir, pid);
    atexit(remove_files);
}

static void spill(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
}

/* Checks a result and parses every column; returns the status. */
static lstmc_status check(lstmc_status st, lstmc_table *t, const lstmc_error *err)
{
    if (st != LSTMC_OK) {
        if (t || !memchr(err->msg, '\0', sizeof err->msg) || err->msg[0] == '\0')
            abort();
        return st;
    }
    size_t rows = lstmc_table_rows(t), cols = lstmc_table_cols(t);
    if (rows == 0 || cols == 0)
        abort();
    double *out = malloc(rows * sizeof *out);
    if (!out)
        abort();
    for (size_t c = 0; c < cols; c++) {
        if (!lstmc_table_name(t, c) || lstmc_table_column(t, lstmc_table_name(t, c)) != (long)c)
            abort();
        for (size_t r = 0; r < rows; r++)
            if (!lstmc_table_cell(t, r, c) || lstmc_table_line(t, r) < 2)
                abort();
        lstmc_error nerr;
        if (lstmc_table_numbers(t, c, out, &nerr) != LSTMC_OK &&
            (nerr.row < 2 || nerr.col != (long)c + 1 || nerr.msg[0] == '\0'))
            abort();
    }
    free(out);
    return st;
}

static int same_tables(const lstmc_table *a, const lstmc_table *b)
{
    if (lstmc_table_rows(a) != lstmc_table_rows(b) ||
        lstmc_table_cols(a) != lstmc_table_cols(b))
        return 0;
    for (size_t c = 0; c < lstmc_table_cols(a); c++) {
        if (strcmp(lstmc_table_name(a, c), lstmc_table_name(b, c)) != 0)
            return 0;
        for (size_t r = 0; r < lstmc_table_rows(a); r++)
            if (strcmp(lstmc_table_cell(a, r, c), lstmc_table_cell(b, r, c)) != 0 ||
                lstmc_table_line(a, r) != lstmc_table_line(b, r))
                return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_paths();
    spill(plain_path, data, size);
    lstmc_table *plain = NULL, *gz = NULL, *raw = NULL;
    lstmc_error e1, e2, e3;
    /* read first: the order in which arguments are evaluated is unspecified */
    lstmc_status s1 = lstmc_table_read(&plain, plain_path, NULL, &e1);
    s1 = check(s1, plain, &e1);

    gzFile g = gzopen(gz_path, "wb");
    if (!g || (size > 0 && gzwrite(g, data, (unsigned)size) != (int)size) ||
        gzclose(g) != Z_OK)
        abort();
    lstmc_status s2 = lstmc_table_read(&gz, gz_path, NULL, &e2);
    s2 = check(s2, gz, &e2);
    /* an input that is itself gzip was read through zlib in 1 */
    int is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    if (!is_gzip && s1 != s2)
        abort();
    if (is_gzip)
        s1 = LSTMC_ERR_IO, s2 = LSTMC_ERR_IO, e1 = e2; /* nothing to compare */
    if (s1 == LSTMC_OK && !same_tables(plain, gz))
        abort();
    if (s1 != LSTMC_OK && (strcmp(e1.msg, e2.msg) != 0 || e1.row != e2.row ||
                           e1.col != e2.col))
        abort();

    spill(raw_path, data, size);
    lstmc_status s3 = lstmc_table_read(&raw, raw_path, NULL, &e3);
    check(s3, raw, &e3);

    lstmc_table_free(plain);
    lstmc_table_free(gz);
    lstmc_table_free(raw);
    return 0;
}
