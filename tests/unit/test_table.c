/*
 * Tables (runtime/csv.c, runtime/xlsx.c): CSV quoting,
 * line ends, encodings, limits and gzip; workbooks written by an
 * independent writer (tools/make_table_fixtures.py, fixtures in
 * tests/data/table/); parsing columns as numbers. Every refusal is checked
 * with its exact message and position.
 *
 * Run from the source root (meson does): fixture and example paths are
 * relative to it. CSV inputs are written by the tests into a fresh
 * directory under $TMPDIR (or /tmp), so each input sits next to its test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "lstmc.h"

#include "close.h"

#define FIXTURES "tests/data/table"
#define AIR "examples/data/r-airpassengers/r-airpassengers.csv"
#define IMDB_TEST "examples/data/imdb-50k/imdb-test.csv.gz"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static char tmp_dir[256];

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/lstmc-table-XXXXXX",
             base && *base ? base : "/tmp");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmp_dir);
    if (!d)
        return 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        char p[600];
        if (ent->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", tmp_dir, ent->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmp_dir);
    return 0;
}

/* tmp_dir/name into out[600]. */
static const char *tmp_path(char *out, const char *name)
{
    snprintf(out, 600, "%s/%s", tmp_dir, name);
    return out;
}

/* Writes len bytes (strlen(bytes) when len is (size_t)-1) to tmp_dir/name;
 * returns the path in out[600]. */
static const char *write_tmp(char *out, const char *name, const char *bytes,
                             size_t len)
{
    if (len == (size_t)-1)
        len = strlen(bytes);
    tmp_path(out, name);
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return out;
}

/* Writes bytes gzip-compressed by zlib to tmp_dir/name. */
static const char *write_gz(char *out, const char *name, const char *bytes,
                            size_t len)
{
    tmp_path(out, name);
    gzFile g = gzopen(out, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, bytes, (unsigned)len), (int)len);
    assert_int_equal(gzclose(g), Z_OK);
    return out;
}

static lstmc_table *read_ok(const char *path, const char *sheet)
{
    lstmc_table *t = NULL;
    lstmc_error err;
    lstmc_status st = lstmc_table_read(&t, path, sheet, &err);
    if (st != LSTMC_OK)
        fail_msg("%s:%ld:%ld: %s", err.path, err.row, err.col, err.msg);
    assert_non_null(t);
    return t;
}

/* Reading path must fail with exactly this status, position and message. */
static void read_fails(const char *path, const char *sheet, lstmc_status want,
                       long row, long col, const char *msg)
{
    lstmc_table *t = (lstmc_table *)&t; /* must be reset to NULL */
    lstmc_error err;
    memset(&err, 0, sizeof err);
    lstmc_status st = lstmc_table_read(&t, path, sheet, &err);
    if (st != want || strcmp(err.msg, msg) != 0 || err.row != row ||
        err.col != col)
        fail_msg("%s: got status %d at %ld:%ld '%s'\n  want status %d at "
                 "%ld:%ld '%s'",
                 path, (int)st, err.row, err.col, err.msg, (int)want, row, col,
                 msg);
    assert_null(t);
    assert_string_equal(err.path, path);
}

/* CSV text must fail to read; name gives the file its extension. */
static void csv_fails(const char *name, const char *text, long row, long col,
                      const char *msg)
{
    char path[600];
    write_tmp(path, name, text, (size_t)-1);
    read_fails(path, NULL, LSTMC_ERR_FORMAT, row, col, msg);
}

/* Column col of the table in CSV text must fail to parse as numbers. */
static void numbers_fail(const char *text, size_t col, long row,
                         const char *msg)
{
    char path[600];
    write_tmp(path, "numbers.csv", text, (size_t)-1);
    lstmc_table *t = read_ok(path, NULL);
    double *out = calloc(lstmc_table_rows(t) + 1, sizeof *out);
    assert_non_null(out);
    lstmc_error err;
    assert_int_equal(lstmc_table_numbers(t, col, out, &err), LSTMC_ERR_FORMAT);
    assert_string_equal(err.msg, msg);
    assert_string_equal(err.path, path);
    assert_int_equal(err.row, row);
    assert_int_equal(err.col, (long)col + 1);
    free(out);
    lstmc_table_free(t);
}

/* Number of UTF-8 characters in s. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ------------------------------------------------------------------ */
/* CSV: real data                                                      */
/* ------------------------------------------------------------------ */

static void test_airpassengers(void **state)
{
    (void)state;
    lstmc_table *t = read_ok(AIR, NULL);
    assert_int_equal(lstmc_table_rows(t), 144);
    assert_int_equal(lstmc_table_cols(t), 2);
    assert_string_equal(lstmc_table_name(t, 0), "date");
    assert_string_equal(lstmc_table_name(t, 1), "value");
    assert_null(lstmc_table_name(t, 2));
    assert_string_equal(lstmc_table_path(t), AIR);
    assert_int_equal(lstmc_table_column(t, "value"), 1);
    assert_int_equal(lstmc_table_column(t, "date"), 0);
    assert_int_equal(lstmc_table_column(t, "Value"), -1);
    assert_int_equal(lstmc_table_column(t, NULL), -1);
    assert_string_equal(lstmc_table_cell(t, 0, 0), "1949-01");
    assert_string_equal(lstmc_table_cell(t, 143, 0), "1960-12");
    assert_null(lstmc_table_cell(t, 144, 0));
    assert_null(lstmc_table_cell(t, 0, 2));
    assert_int_equal(lstmc_table_line(t, 0), 2);
    assert_int_equal(lstmc_table_line(t, 143), 145);
    assert_int_equal(lstmc_table_line(t, 144), 0);
    double v[144];
    lstmc_error err;
    assert_int_equal(lstmc_table_numbers(t, 1, v, &err), LSTMC_OK);
    const double ends[2] = {112, 432}, got[2] = {v[0], v[143]};
    assert_close(got, ends, 2, 0, 0, "first and last passengers");
    double sum = 0;
    for (size_t i = 0; i < 144; i++)
        sum += v[i];
    const double total = 40363; /* sum(AirPassengers) in R */
    assert_close(&sum, &total, 1, 0, 0, "total passengers");
    /* the date column is text */
    assert_int_equal(lstmc_table_numbers(t, 0, v, &err), LSTMC_ERR_FORMAT);
    assert_string_equal(err.msg, "bad number '1949-01' in column 'date'; "
                                 "expected a decimal number");
    assert_int_equal(err.row, 2);
    assert_int_equal(err.col, 1);
    lstmc_table_free(t);
}

/* The whole IMDB test file through zlib: 25,000 reviews, labels 0/1. */
static void test_imdb_gzip(void **state)
{
    (void)state;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    lstmc_table *t = read_ok(IMDB_TEST, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(lstmc_table_rows(t), 25000);
    assert_int_equal(lstmc_table_cols(t), 2);
    long text = lstmc_table_column(t, "text"), label = lstmc_table_column(t, "label");
    assert_int_equal(text, 0);
    assert_int_equal(label, 1);
    double *y = malloc(25000 * sizeof *y);
    assert_non_null(y);
    lstmc_error err;
    assert_int_equal(lstmc_table_numbers(t, (size_t)label, y, &err), LSTMC_OK);
    size_t pos = 0, longest = 0;
    for (size_t i = 0; i < 25000; i++) {
        assert_true(y[i] == 0 || y[i] == 1);
        pos += y[i] == 1;
        size_t n = utf8_chars(lstmc_table_cell(t, i, (size_t)text));
        if (n > longest)
            longest = n;
    }
    assert_int_equal(pos, 12500);
    /* the longest review of the test file (PROVENANCE.md's 13,704 is the
     * longest of both files, in imdb-train; see test_imdb_slice) */
    assert_int_equal(longest, 12988);
    assert_true(strncmp(lstmc_table_cell(t, 0, 0), "Once again Mr. Costner", 22) == 0);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
    print_message("read %s in %.3f s\n", IMDB_TEST, secs);
    free(y);
    lstmc_table_free(t);
}

/* The committed slice: 40 test reviews plus the longest of the data set. */
static void test_imdb_slice(void **state)
{
    (void)state;
    lstmc_table *t = read_ok(FIXTURES "/imdb-slice.csv.gz", NULL);
    assert_int_equal(lstmc_table_rows(t), 41);
    assert_int_equal(utf8_chars(lstmc_table_cell(t, 40, 0)), 13704);
    assert_int_equal(strlen(lstmc_table_cell(t, 40, 0)), 13704);
    assert_int_equal(lstmc_table_line(t, 40), 42);
    lstmc_table_free(t);
}

/* ------------------------------------------------------------------ */
/* CSV: syntax                                                         */
/* ------------------------------------------------------------------ */

static void test_rfc4180_quoting(void **state)
{
    (void)state;
    char path[600];
    write_tmp(path, "quoting.csv",
              "name,\"quoted, header\",n\n"
              "plain,\"a, b\",1\n"
              "\"say \"\"hi\"\"\",\"two\nlines\",2\n"
              "\"\",,3\n"
              " spaces kept ,\"  \",4\n"
              "\"three\n\nlines\",x,5\n",
              (size_t)-1);
    lstmc_table *t = read_ok(path, NULL);
    assert_int_equal(lstmc_table_rows(t), 5);
    assert_string_equal(lstmc_table_name(t, 1), "quoted, header");
    assert_string_equal(lstmc_table_cell(t, 0, 1), "a, b");
    assert_string_equal(lstmc_table_cell(t, 1, 0), "say \"hi\"");
    assert_string_equal(lstmc_table_cell(t, 1, 1), "two\nlines");
    assert_string_equal(lstmc_table_cell(t, 2, 0), "");
    assert_string_equal(lstmc_table_cell(t, 2, 1), "");
    assert_string_equal(lstmc_table_cell(t, 3, 0), " spaces kept ");
    assert_string_equal(lstmc_table_cell(t, 3, 1), "  ");
    assert_string_equal(lstmc_table_cell(t, 4, 0), "three\n\nlines");
    /* the line each record starts on */
    assert_int_equal(lstmc_table_line(t, 0), 2);
    assert_int_equal(lstmc_table_line(t, 1), 3);
    assert_int_equal(lstmc_table_line(t, 2), 5);
    assert_int_equal(lstmc_table_line(t, 3), 6);
    assert_int_equal(lstmc_table_line(t, 4), 7);
    double n[5];
    assert_int_equal(lstmc_table_numbers(t, 2, n, NULL), LSTMC_OK);
    const double want[5] = {1, 2, 3, 4, 5};
    assert_close(n, want, 5, 0, 0, "n");
    lstmc_table_free(t);
}

static void test_line_ends_and_bom(void **state)
{
    (void)state;
    char path[600];
    /* CRLF, a UTF-8 byte order mark, blank lines, no final line end */
    write_tmp(path, "crlf.csv",
              "\xEF\xBB\xBFid,text\r\n\r\n1,\"a\r\nb\"\r\n2,caf\xC3\xA9\r\n\r\n3,\xE2\x82\xAC",
              (size_t)-1);
    lstmc_table *t = read_ok(path, NULL);
    assert_string_equal(lstmc_table_name(t, 0), "id");
    assert_int_equal(lstmc_table_column(t, "id"), 0);
    assert_int_equal(lstmc_table_rows(t), 3);
    assert_string_equal(lstmc_table_cell(t, 0, 1), "a\r\nb");
    assert_string_equal(lstmc_table_cell(t, 1, 1), "caf\xC3\xA9");
    assert_string_equal(lstmc_table_cell(t, 2, 1), "\xE2\x82\xAC");
    assert_int_equal(lstmc_table_line(t, 0), 3);
    assert_int_equal(lstmc_table_line(t, 1), 5);
    assert_int_equal(lstmc_table_line(t, 2), 7);
    lstmc_table_free(t);
    /* old Mac line ends: CR alone */
    write_tmp(path, "cr.csv", "a,b\r1,2\r\r3,4\r", (size_t)-1);
    t = read_ok(path, NULL);
    assert_int_equal(lstmc_table_rows(t), 2);
    assert_int_equal(lstmc_table_line(t, 1), 4);
    assert_string_equal(lstmc_table_cell(t, 1, 1), "4");
    lstmc_table_free(t);
}

/* A line break inside a quoted field makes records and lines differ: the
 * position is the record's first line and the message names the record. */
static void test_record_note(void **state)
{
    (void)state;
    numbers_fail("text,value\n\"one\ntwo\",1\nthree,abc\n", 1, 4,
                 "bad number 'abc' in column 'value' (record 3); expected a "
                 "decimal number");
    csv_fails("fields.csv", "a,b\n\"x\ny\",1\n2\n", 4, 0,
              "expected 2 fields as in the header, found 1 (record 3)");
}

static void test_long_fields(void **state)
{
    (void)state;
    size_t n = 100 * 1024;
    char *text = malloc(n + 64);
    assert_non_null(text);
    size_t k = (size_t)sprintf(text, "id,review\n1,\"");
    for (size_t i = 0; i < n; i++)
        text[k++] = i % 1000 == 999 ? '\n' : (char)('a' + i % 26);
    k += (size_t)sprintf(text + k, "\"\n2,short\n");
    char path[600];
    write_tmp(path, "long.csv", text, k);
    lstmc_table *t = read_ok(path, NULL);
    assert_int_equal(lstmc_table_rows(t), 2);
    const char *cell = lstmc_table_cell(t, 0, 1);
    assert_int_equal(strlen(cell), n);
    assert_memory_equal(cell, text + 13, n);
    assert_int_equal(lstmc_table_line(t, 1), 2 + 1 + 102);
    lstmc_table_free(t);
    /* the same through gzip */
    write_gz(path, "long.csv.gz", text, k);
    t = read_ok(path, NULL);
    assert_int_equal(strlen(lstmc_table_cell(t, 0, 1)), n);
    lstmc_table_free(t);
    free(text);
}

static void test_field_limit(void **state)
{
    (void)state;
    size_t n = (size_t)LSTMC_TABLE_MAX_FIELD;
    char *text = malloc(n + 64);
    assert_non_null(text);
    char path[600];
    /* exactly the limit is fine */
    static const char head[] = "id,blob\n1,\"";
    memcpy(text, head, sizeof head - 1);
    size_t k = sizeof head - 1;
    memset(text + k, 'x', n);
    k += n;
    k += (size_t)sprintf(text + k, "\"\n2,\"b\"\n3,c\n");
    write_tmp(path, "limit.csv", text, k);
    lstmc_table *t = read_ok(path, NULL);
    assert_int_equal(lstmc_table_rows(t), 3);
    assert_int_equal(strlen(lstmc_table_cell(t, 0, 1)), n);
    assert_string_equal(lstmc_table_cell(t, 1, 1), "b");
    lstmc_table_free(t);
    /* one byte more is not, quoted or not */
    k = sizeof head - 2; /* the same without the quote */
    memset(text + k, 'x', n + 1);
    k += n + 1;
    k += (size_t)sprintf(text + k, "\n");
    write_tmp(path, "over.csv", text, k);
    read_fails(path, NULL, LSTMC_ERR_FORMAT, 2, 2,
               "field longer than 1048576 bytes in column 'blob'; the limit "
               "is LSTMC_TABLE_MAX_FIELD");
    free(text);
    /* a field that never ends is stopped at the limit, not read whole */
    n = 3 * (size_t)LSTMC_TABLE_MAX_FIELD;
    text = malloc(n);
    assert_non_null(text);
    k = (size_t)sprintf(text, "id,blob\n1,\"");
    memset(text + k, 'y', n - k);
    write_tmp(path, "endless.csv", text, n);
    read_fails(path, NULL, LSTMC_ERR_FORMAT, 2, 2,
               "field longer than 1048576 bytes in column 'blob'; the limit "
               "is LSTMC_TABLE_MAX_FIELD");
    free(text);
}

static void test_column_limit(void **state)
{
    (void)state;
    size_t cols = (size_t)LSTMC_TABLE_MAX_COLS;
    char *text = malloc(16 * (cols + 2) * 2);
    assert_non_null(text);
    char path[600];
    for (int extra = 0; extra <= 1; extra++) {
        size_t k = 0, n = cols + (size_t)extra;
        for (size_t c = 0; c < n; c++)
            k += (size_t)sprintf(text + k, "%sc%zu", c ? "," : "", c);
        text[k++] = '\n';
        for (size_t c = 0; c < n; c++)
            k += (size_t)sprintf(text + k, "%s%zu", c ? "," : "", c);
        text[k++] = '\n';
        write_tmp(path, "wide.csv", text, k);
        if (!extra) {
            lstmc_table *t = read_ok(path, NULL);
            assert_int_equal(lstmc_table_cols(t), cols);
            assert_int_equal(lstmc_table_column(t, "c4095"), 4095);
            lstmc_table_free(t);
        } else {
            read_fails(path, NULL, LSTMC_ERR_FORMAT, 1, 0,
                       "more than 4096 columns in the header; the limit is "
                       "LSTMC_TABLE_MAX_COLS");
        }
    }
    free(text);
}

static void test_field_counts(void **state)
{
    (void)state;
    csv_fails("more.csv", "a,b\n1,2\n3,4,5\n", 3, 3,
              "expected 2 fields as in the header, found 3");
    csv_fails("fewer.csv", "a,b,c\n1,2,3\n\n4,5\n", 4, 0,
              "expected 3 fields as in the header, found 2");
    /* a line of spaces is a record with one field */
    csv_fails("spaces.csv", "a,b\n1,2\n   \n", 3, 0,
              "expected 2 fields as in the header, found 1");
}

static void test_empty_and_header_only(void **state)
{
    (void)state;
    csv_fails("empty.csv", "", 0, 0,
              "empty file; expected a header row with column names");
    csv_fails("blank.csv", "\n\r\n\n", 0, 0,
              "empty file; expected a header row with column names");
    csv_fails("bom.csv", "\xEF\xBB\xBF", 0, 0,
              "empty file; expected a header row with column names");
    csv_fails("header.csv", "date,value\n", 0, 0,
              "no data rows: the file holds only the header");
}

static void test_header_names(void **state)
{
    (void)state;
    csv_fails("dup.csv", "a,b,c,b,a\n1,2,3,4,5\n", 1, 4,
              "duplicate column name 'b' in columns 2 and 4");
    csv_fails("unnamed.csv", ",value\n1,2\n", 1, 1,
              "empty column name in the header");
    csv_fails("late.csv", "\n\na,,c\n1,2,3\n", 3, 2,
              "empty column name in the header");
}

static void test_bad_quotes(void **state)
{
    (void)state;
    csv_fails("stray.csv", "a,b\n1,x\"y\n", 2, 2,
              "stray quote in unquoted field 2; expected a field quoted as a "
              "whole, with each quote inside doubled");
    csv_fails("after.csv", "a,b\n\"1\" ,2\n", 2, 1,
              "unexpected character after the closing quote of field 1; "
              "expected ',' or the end of the line (a quote inside a quoted "
              "field must be doubled)");
    csv_fails("open.csv", "a,b\n1,2\n3,\"never\nclosed\n", 3, 2,
              "unterminated quoted field 2: the closing quote is missing "
              "before the end of the file");
}

static void test_encoding(void **state)
{
    (void)state;
    char path[600];
    csv_fails("latin1.csv", "name,city\nx,Z\xFCrich\n", 2, 2,
              "invalid UTF-8 (byte 0xfc at offset 1) in column 'city'; "
              "expected UTF-8 text");
    csv_fails("overlong.csv", "a\n\xC0\xAF\n", 2, 1,
              "invalid UTF-8 (byte 0xc0 at offset 0) in column 'a'; expected "
              "UTF-8 text");
    csv_fails("surrogate.csv", "a\n\xED\xA0\x80\n", 2, 1,
              "invalid UTF-8 (byte 0xed at offset 0) in column 'a'; expected "
              "UTF-8 text");
    csv_fails("badhead.csv", "a,\xFF\n1,2\n", 1, 2,
              "invalid UTF-8 (byte 0xff at offset 0) in the header; expected "
              "UTF-8 text");
    write_tmp(path, "nul.csv", "a,b\n1,x\0y\n", 11);
    read_fails(path, NULL, LSTMC_ERR_FORMAT, 2, 2,
               "NUL byte in column 'b'; expected UTF-8 text");
    /* four-byte characters are fine */
    write_tmp(path, "emoji.csv", "a\n\xF0\x9F\x98\x80\n", (size_t)-1);
    lstmc_table *t = read_ok(path, NULL);
    assert_string_equal(lstmc_table_cell(t, 0, 0), "\xF0\x9F\x98\x80");
    lstmc_table_free(t);
}

/* ------------------------------------------------------------------ */
/* CSV: gzip and files                                                 */
/* ------------------------------------------------------------------ */

static const char small_csv[] = "x,y\n1,2.5\n3,-4e2\n";

static void test_gzip(void **state)
{
    (void)state;
    char path[600];
    write_gz(path, "small.csv.gz", small_csv, strlen(small_csv));
    lstmc_table *t = read_ok(path, NULL);
    assert_int_equal(lstmc_table_rows(t), 2);
    double y[2];
    assert_int_equal(lstmc_table_numbers(t, 1, y, NULL), LSTMC_OK);
    const double want[2] = {2.5, -400};
    assert_close(y, want, 2, 0, 0, "y");
    lstmc_table_free(t);
    /* gzip data is recognised by its magic bytes whatever the name */
    write_gz(path, "small.csv", small_csv, strlen(small_csv));
    t = read_ok(path, NULL);
    assert_int_equal(lstmc_table_rows(t), 2);
    lstmc_table_free(t);
    /* a .gz name on a plain file is refused, not read transparently */
    write_tmp(path, "plain.csv.gz", small_csv, (size_t)-1);
    read_fails(path, NULL, LSTMC_ERR_FORMAT, 0, 0,
               "not gzip data: the name ends in .gz but the file does not "
               "start with the gzip magic bytes 1f 8b");
}

/* Reads a whole file into a malloc'ed buffer. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void test_gzip_corrupt(void **state)
{
    (void)state;
    char path[600], bad[600];
    write_gz(path, "good.csv.gz", small_csv, strlen(small_csv));
    size_t len;
    unsigned char *gz = slurp(path, &len);
    /* a wrong CRC-32 in the trailer */
    gz[len - 8] ^= 0xFF;
    write_tmp(bad, "crc.csv.gz", (const char *)gz, len);
    read_fails(bad, NULL, LSTMC_ERR_FORMAT, 0, 0,
               "corrupt gzip data (incorrect data check)");
    gz[len - 8] ^= 0xFF;
    /* cut short */
    write_tmp(bad, "short.csv.gz", (const char *)gz, len - 12);
    read_fails(bad, NULL, LSTMC_ERR_FORMAT, 0, 0,
               "truncated gzip data (unexpected end of file)");
    /* a bad block type in the deflate stream (first byte after the
     * 10-byte header: BTYPE 11 is reserved) */
    gz[10] = 0x07;
    write_tmp(bad, "block.csv.gz", (const char *)gz, len);
    read_fails(bad, NULL, LSTMC_ERR_FORMAT, 0, 0,
               "corrupt gzip data (invalid block type)");
    free(gz);
}

static void test_files(void **state)
{
    (void)state;
    char path[600];
    read_fails(tmp_path(path, "missing.csv"), NULL, LSTMC_ERR_IO, 0, 0,
               "cannot open: No such file or directory");
    read_fails(tmp_path(path, "missing.csv.gz"), NULL, LSTMC_ERR_IO, 0, 0,
               "cannot open: No such file or directory");
    read_fails(tmp_dir, NULL, LSTMC_ERR_IO, 0, 0,
               "cannot read: Is a directory");
    read_fails(tmp_path(path, "old.xls"), NULL, LSTMC_ERR_FORMAT, 0, 0,
               "the old binary Excel format (.xls) is not supported; expected "
               ".xlsx or CSV (save the workbook as either)");
    read_fails(AIR, "Sheet1", LSTMC_ERR_ARG, 0, 0,
               "a sheet name ('Sheet1') applies only to .xlsx workbooks");
    lstmc_table *t = (lstmc_table *)&t;
    assert_int_equal(lstmc_table_read(&t, "", NULL, NULL), LSTMC_ERR_ARG);
    assert_null(t);
    assert_int_equal(lstmc_table_read(&t, NULL, NULL, NULL), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_table_read(NULL, AIR, NULL, NULL), LSTMC_ERR_ARG);
    /* err may be NULL */
    assert_int_equal(lstmc_table_read(&t, tmp_path(path, "missing.csv"), NULL,
                                      NULL),
                     LSTMC_ERR_IO);
    lstmc_table_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */
/* ------------------------------------------------------------------ */

static void test_numbers_syntax(void **state)
{
    (void)state;
    char path[600];
    write_tmp(path, "syntax.csv",
              "v\n0\n-1.5\n+2\n.25\n3.\n1e3\n-2.5E-2\n \t7 \n"
              "000012\n1e-400\n1.7976931348623157e308\n",
              (size_t)-1);
    lstmc_table *t = read_ok(path, NULL);
    double v[11];
    assert_int_equal(lstmc_table_numbers(t, 0, v, NULL), LSTMC_OK);
    const double want[11] = {0, -1.5, 2, 0.25, 3, 1000, -0.025, 7, 12, 0,
                             1.7976931348623157e308};
    assert_close(v, want, 11, 0, 0, "v");
    lstmc_error err;
    assert_int_equal(lstmc_table_numbers(t, 1, v, &err), LSTMC_ERR_ARG);
    assert_int_equal(lstmc_table_numbers(t, 0, NULL, &err), LSTMC_ERR_ARG);
    lstmc_table_free(t);
}

static void test_numbers_refused(void **state)
{
    (void)state;
    numbers_fail("id,value\n1,2\n2,\n", 1, 3, "empty cell in column 'value'");
    numbers_fail("id,value\n1,2\n2,\"  \"\n", 1, 3,
                 "empty cell in column 'value'");
    numbers_fail("id,value\n1,abc\n", 1, 2,
                 "bad number 'abc' in column 'value'; expected a decimal "
                 "number");
    numbers_fail("id,value\n1,nan\n", 1, 2,
                 "not a number 'nan' in column 'value'; expected a finite "
                 "decimal number");
    numbers_fail("id,value\n1,-NaN\n", 1, 2,
                 "not a number '-NaN' in column 'value'; expected a finite "
                 "decimal number");
    numbers_fail("id,value\n1,nan(0x1)\n", 1, 2,
                 "not a number 'nan(0x1)' in column 'value'; expected a "
                 "finite decimal number");
    numbers_fail("id,value\n1,inf\n", 1, 2,
                 "infinite number 'inf' in column 'value'; expected a finite "
                 "decimal number");
    numbers_fail("id,value\n1,-Infinity\n", 1, 2,
                 "infinite number '-Infinity' in column 'value'; expected a "
                 "finite decimal number");
    numbers_fail("id,value\n1,1e999\n", 1, 2,
                 "number '1e999' out of range in column 'value'; expected a "
                 "finite decimal number");
    numbers_fail("id,value\n1,0x10\n", 1, 2,
                 "bad number '0x10' in column 'value'; expected a decimal "
                 "number");
}

static void test_numbers_refused_more(void **state)
{
    (void)state;
    const char *bad[] = {"1 2", "1e", "e5", "-", ".", "1.2.3", "1,5", "12abc",
                         "infinit", "nana", ("\xE2\x88\x92" "1"), "++1"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char text[64], msg[200];
        snprintf(text, sizeof text, "value\n\"%s\"\n", bad[i]);
        snprintf(msg, sizeof msg,
                 "bad number '%s' in column 'value'; expected a decimal number",
                 bad[i]);
        numbers_fail(text, 0, 2, msg);
    }
    /* long cells are cut at 40 bytes, at a character boundary */
    numbers_fail("value\n"
                 "\xC3\xA9" "abcdefghijklmnopqrstuvwxyzabcdefghijklm\xC3\xA9xyz\n",
                 0, 2,
                 "bad number '\xC3\xA9" "abcdefghijklmnopqrstuvwxyzabcdefghijkl..."
                 "' in column 'value'; expected a decimal number");
}

static void test_cell_error(void **state)
{
    (void)state;
    char path[600];
    write_tmp(path, "labels.csv", "text,label\n\"a\nb\",x\nc,y\n", (size_t)-1);
    lstmc_table *t = read_ok(path, NULL);
    lstmc_error err;
    assert_int_equal(lstmc_table_cell_error(t, 1, 1, &err,
                                            "class '%s' was not seen in "
                                            "training; expected one of %s",
                                            "y", "'x'"),
                     LSTMC_ERR_FORMAT);
    assert_string_equal(err.msg, "class 'y' was not seen in training (record "
                                 "3); expected one of 'x'");
    assert_int_equal(err.row, 4);
    assert_int_equal(err.col, 2);
    assert_int_equal(lstmc_table_cell_error(t, 9, 0, &err, "no row"),
                     LSTMC_ERR_FORMAT);
    assert_int_equal(err.row, 0);
    assert_string_equal(err.msg, "no row");
    lstmc_table_free(t);
}

/* A table built in memory, as a later stage might. */
static void test_build(void **state)
{
    (void)state;
    const char *names[] = {"x", "y"};
    lstmc_table *t = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_table_create(&t, "mem", NULL, 1, names, 2, &err),
                     LSTMC_OK);
    const char *row[] = {"1", NULL};
    assert_int_equal(lstmc_table_append(t, row, NULL, 2, 2, &err), LSTMC_OK);
    assert_string_equal(lstmc_table_cell(t, 0, 1), "");
    const char *bad[] = {"\xFF", "2"};
    assert_int_equal(lstmc_table_append(t, bad, NULL, 3, 3, &err),
                     LSTMC_ERR_FORMAT);
    assert_int_equal(lstmc_table_rows(t), 1);
    lstmc_table_free(t);
    const char *dup[] = {"x", "x"};
    assert_int_equal(lstmc_table_create(&t, "mem", NULL, 1, dup, 2, &err),
                     LSTMC_ERR_FORMAT);
    assert_null(t);
    assert_int_equal(lstmc_table_create(&t, "mem", NULL, 1, names, 0, &err),
                     LSTMC_ERR_ARG);
}

/* ------------------------------------------------------------------ */
/* xlsx                                                                */
/* ------------------------------------------------------------------ */

static void test_xlsx_first_sheet(void **state)
{
    (void)state;
    lstmc_table *t = read_ok(FIXTURES "/book.xlsx", NULL);
    assert_int_equal(lstmc_table_cols(t), 3);
    assert_int_equal(lstmc_table_rows(t), 5);
    assert_string_equal(lstmc_table_name(t, 0), "month");
    assert_string_equal(lstmc_table_name(t, 1), "passengers");
    assert_string_equal(lstmc_table_name(t, 2), "note");
    const char *want[5][3] = {
        {"1949-01", "112", "first"},
        {"1949-02", "118.5", "caf\xC3\xA9 \xE2\x98\x95"},
        {"1949-03", "1.32E2", "  spaced  "},
        {"1949-04", "", "line\nbreak"},
        {"1949-05", "-0.25", "TRUE"},
    };
    const long lines[5] = {2, 3, 4, 5, 8};
    for (size_t r = 0; r < 5; r++) {
        assert_int_equal(lstmc_table_line(t, r), lines[r]);
        for (size_t c = 0; c < 3; c++)
            assert_string_equal(lstmc_table_cell(t, r, c), want[r][c]);
    }
    /* the sparse row's missing B5 is an empty cell */
    double v[5];
    lstmc_error err;
    assert_int_equal(lstmc_table_numbers(t, 1, v, &err), LSTMC_ERR_FORMAT);
    assert_string_equal(err.msg, "empty cell in column 'passengers' (sheet "
                                 "'Data', cell B5)");
    assert_string_equal(err.path, FIXTURES "/book.xlsx");
    assert_int_equal(err.row, 5);
    assert_int_equal(err.col, 2);
    assert_int_equal(lstmc_table_numbers(t, 0, v, &err), LSTMC_ERR_FORMAT);
    assert_string_equal(err.msg, "bad number '1949-01' in column 'month' "
                                 "(sheet 'Data', cell A2); expected a decimal "
                                 "number");
    lstmc_table_free(t);
}

static void test_xlsx_named_sheet(void **state)
{
    (void)state;
    lstmc_table *t = read_ok(FIXTURES "/book.xlsx", "Notes");
    assert_int_equal(lstmc_table_rows(t), 2);
    assert_string_equal(lstmc_table_name(t, 1), "value");
    assert_string_equal(lstmc_table_cell(t, 0, 1), "hand-written XML");
    assert_string_equal(lstmc_table_cell(t, 1, 1), "5");
    lstmc_table_free(t);
    t = read_ok(FIXTURES "/book.xlsx", "Data");
    assert_int_equal(lstmc_table_rows(t), 5);
    lstmc_table_free(t);
    read_fails(FIXTURES "/book.xlsx", "Summary", LSTMC_ERR_FORMAT, 0, 0,
               "no sheet named 'Summary'; the workbook has 'Data', 'Notes'");
    t = read_ok(FIXTURES "/cached.xlsx", NULL);
    assert_string_equal(lstmc_table_cell(t, 0, 1), "6");
    lstmc_table_free(t);
}

/* Runs read_fails with stderr redirected, and checks nothing was printed. */
static void xlsx_fails_silently(const char *path, lstmc_status want, long row,
                                long col, const char *msg)
{
    char log[600];
    tmp_path(log, "stderr.log");
    fflush(stderr);
    int saved = dup(2);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    read_fails(path, NULL, want, row, col, msg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    size_t len;
    unsigned char *printed = slurp(log, &len);
    free(printed);
    assert_int_equal(len, 0);
}

static void test_xlsx_refused(void **state)
{
    (void)state;
    char path[600];
    xlsx_fails_silently(FIXTURES "/not-a-zip.xlsx", LSTMC_ERR_FORMAT, 0, 0,
                        "not an xlsx workbook: the file is not a zip archive");
    xlsx_fails_silently(FIXTURES "/formula.xlsx", LSTMC_ERR_FORMAT, 3, 2,
                        "cell B3 of sheet 'Sheet1' holds a formula without a "
                        "cached value; expected a value (recalculate and save "
                        "the workbook in a spreadsheet program)");
    xlsx_fails_silently(FIXTURES "/malformed.xlsx", LSTMC_ERR_FORMAT, 0, 0,
                        "malformed XML in the part 'xl/worksheets/sheet1.xml' "
                        "at line 4: Opening and ending tag mismatch: row line "
                        "3 and sheetData");
    xlsx_fails_silently(FIXTURES "/gap-header.xlsx", LSTMC_ERR_FORMAT, 1, 2,
                        "empty column name in the header (sheet 'Sheet1', "
                        "cell B1)");
    xlsx_fails_silently(FIXTURES "/wide-row.xlsx", LSTMC_ERR_FORMAT, 3, 4,
                        "value in cell D3 outside the header's 2 columns "
                        "(sheet 'Sheet1'); expected nothing after column B");
    xlsx_fails_silently(FIXTURES "/bad-sst.xlsx", LSTMC_ERR_FORMAT, 2, 1,
                        "cell A2 of sheet 'Sheet1' refers to shared string "
                        "'7', but the workbook has 1; expected an index below "
                        "that");
    xlsx_fails_silently(FIXTURES "/doctype.xlsx", LSTMC_ERR_FORMAT, 0, 0,
                        "unexpected document type declaration in the part "
                        "'xl/worksheets/sheet1.xml'; expected plain "
                        "SpreadsheetML");
    xlsx_fails_silently(FIXTURES "/no-workbook.xlsx", LSTMC_ERR_FORMAT, 0, 0,
                        "not a valid xlsx workbook: the part "
                        "'xl/workbook.xml' is missing");
    xlsx_fails_silently(FIXTURES "/empty-sheet.xlsx", LSTMC_ERR_FORMAT, 0, 0,
                        "the sheet 'Sheet1' is empty; expected a header row "
                        "with column names");
    xlsx_fails_silently(tmp_path(path, "none.xlsx"), LSTMC_ERR_IO, 0, 0,
                        "cannot open: No such file or directory");
    /* an empty file is not a zip either */
    write_tmp(path, "empty.xlsx", "", 0);
    xlsx_fails_silently(path, LSTMC_ERR_FORMAT, 0, 0,
                        "not an xlsx workbook: the file is not a zip archive");
    /* a zip that is not a workbook */
    write_gz(path, "gz.xlsx", small_csv, strlen(small_csv));
    xlsx_fails_silently(path, LSTMC_ERR_FORMAT, 0, 0,
                        "not an xlsx workbook: the file is not a zip archive");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_airpassengers),
        cmocka_unit_test(test_imdb_gzip),
        cmocka_unit_test(test_imdb_slice),
        cmocka_unit_test(test_rfc4180_quoting),
        cmocka_unit_test(test_line_ends_and_bom),
        cmocka_unit_test(test_record_note),
        cmocka_unit_test(test_long_fields),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_column_limit),
        cmocka_unit_test(test_field_counts),
        cmocka_unit_test(test_empty_and_header_only),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_bad_quotes),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_corrupt),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_numbers_syntax),
        cmocka_unit_test(test_numbers_refused),
        cmocka_unit_test(test_numbers_refused_more),
        cmocka_unit_test(test_cell_error),
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_xlsx_first_sheet),
        cmocka_unit_test(test_xlsx_named_sheet),
        cmocka_unit_test(test_xlsx_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
