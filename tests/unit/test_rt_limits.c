/*
 * test_rt_limits: the runtime's limits at their boundary, as test_limits.c
 * does for the spec language: the limit itself is accepted, one past it is
 * refused with its message (docs/reliability.md has the table). Here: the
 * xlsx reader's rows, columns and cells, the table's row count, the text
 * lines of `predict --text`, the safetensors header a save may write,
 * and the CSV field limit through gzip and in the header. The CSV field
 * and column limits of plain files are in test_table.c, the safetensors
 * header a load accepts in test_weights.c and test_checkpoint.c.
 *
 * Every number below is worked out by hand in the comment beside it.
 * Workbooks are written here with libzip: the four parts the reader needs,
 * no more, so each limit is the only thing a file tests.
 *
 * Two tests are too big for the default suite and run only with
 * LSTMC_TEST_BIG=1 in the environment (.ci/run sets it): the row limit of
 * a table (10^8 rows: about 13 s and 2.4 GB) and the largest safetensors
 * header (10^8 bytes of JSON through jansson: about 11 s, 0.4 GB). They
 * are skipped otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include "lstmc.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static char tmp_dir[256];

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/lstmc-rt-limits-XXXXXX",
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

/* A string built with fprintf; text() closes it and returns the bytes,
 * which the caller frees. */
struct text {
    FILE *f;
    char *s;
    size_t len;
};

static void text_open(struct text *t)
{
    t->s = NULL;
    t->len = 0;
    t->f = open_memstream(&t->s, &t->len);
    assert_non_null(t->f);
}

static char *text_close(struct text *t)
{
    assert_int_equal(fclose(t->f), 0);
    return t->s;
}

/* Appends n copies of byte c. */
static void text_repeat(struct text *t, int c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(fputc(c, t->f), EOF);
}

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG "http://schemas.openxmlformats.org/package/2006/relationships"

static void zip_add_text(zip_t *z, const char *name, const char *text)
{
    zip_source_t *src = zip_source_buffer(z, text, strlen(text), 0);
    assert_non_null(src);
    if (zip_file_add(z, name, src, ZIP_FL_OVERWRITE) < 0) {
        zip_source_free(src);
        fail_msg("zip_file_add %s: %s", name, zip_strerror(z));
    }
}

/* Writes tmp_dir/name as a workbook of one sheet 'S' whose <sheetData>
 * holds `rows`, with the shared strings `sst` (the <sst> element's
 * content) when not NULL. The sheet is the part xl/TARGET, where target
 * is the relationship's Target (NULL: worksheets/sheet1.xml). The path
 * goes to out[600]. */
static const char *write_xlsx_part(char *out, const char *name, const char *rows,
                                   const char *sst, const char *target)
{
    tmp_path(out, name);
    int code = 0;
    zip_t *z = zip_open(out, ZIP_CREATE | ZIP_TRUNCATE, &code);
    assert_non_null(z);
    static const char workbook[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheets>"
        "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
    if (!target)
        target = "worksheets/sheet1.xml";
    struct text sheet, strings, rels;
    text_open(&rels);
    fprintf(rels.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                    "<Relationships xmlns=\"" NS_PKG "\">"
                    "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" "
                    "Target=\"%s\"/>"
                    "<Relationship Id=\"rId2\" Type=\"" NS_REL "/sharedStrings\" "
                    "Target=\"sharedStrings.xml\"/></Relationships>", target);
    char *rels_xml = text_close(&rels);
    char sheet_part[600];
    snprintf(sheet_part, sizeof sheet_part, "xl/%s", target);
    text_open(&sheet);
    fprintf(sheet.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                     "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>%s</sheetData>"
                     "</worksheet>", rows);
    char *sheet_xml = text_close(&sheet);
    text_open(&strings);
    fprintf(strings.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                       "<sst xmlns=\"" NS_MAIN "\">%s</sst>", sst ? sst : "");
    char *sst_xml = text_close(&strings);
    zip_add_text(z, "xl/workbook.xml", workbook);
    zip_add_text(z, "xl/_rels/workbook.xml.rels", rels_xml);
    zip_add_text(z, sheet_part, sheet_xml);
    zip_add_text(z, "xl/sharedStrings.xml", sst_xml);
    if (zip_close(z) != 0)
        fail_msg("zip_close %s: %s", out, zip_strerror(z));
    free(sheet_xml);
    free(sst_xml);
    free(rels_xml);
    return out;
}

static const char *write_xlsx(char *out, const char *name, const char *rows,
                              const char *sst)
{
    return write_xlsx_part(out, name, rows, sst, NULL);
}

/* Skips the calling test unless LSTMC_TEST_BIG=1. */
static void big_test(void)
{
    const char *big = getenv("LSTMC_TEST_BIG");
    if (!big || strcmp(big, "1") != 0)
        skip();
}

static lstmc_table *read_ok(const char *path)
{
    lstmc_table *t = NULL;
    lstmc_error err;
    lstmc_status st = lstmc_table_read(&t, path, NULL, &err);
    if (st != LSTMC_OK)
        fail_msg("%s:%ld:%ld: %s", err.path, err.row, err.col, err.msg);
    assert_non_null(t);
    return t;
}

/* Reading path must fail as a bad format at row:col with exactly msg. */
static void read_fails(const char *path, long row, long col, const char *msg)
{
    lstmc_table *t = NULL;
    lstmc_error err;
    memset(&err, 0, sizeof err);
    lstmc_status st = lstmc_table_read(&t, path, NULL, &err);
    if (st != LSTMC_ERR_FORMAT || strcmp(err.msg, msg) != 0 || err.row != row ||
        err.col != col)
        fail_msg("%s: got status %d at %ld:%ld '%s'\n  want status %d at "
                 "%ld:%ld '%s'",
                 path, (int)st, err.row, err.col, err.msg, (int)LSTMC_ERR_FORMAT,
                 row, col, msg);
    assert_null(t);
}

/* ------------------------------------------------------------------ */
/* xlsx                                                                */
/* ------------------------------------------------------------------ */

/* Rows are numbered 1 to 1048576 (Excel's limit, XLSX_MAX_ROW). */
static void test_xlsx_rows(void **state)
{
    (void)state;
    char path[600];
    write_xlsx(path, "rows.xlsx",
               "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>v</t></is></c></row>"
               "<row r=\"1048576\"><c r=\"A1048576\"><v>5</v></c></row>", NULL);
    lstmc_table *t = read_ok(path);
    assert_int_equal(lstmc_table_rows(t), 1);
    assert_int_equal(lstmc_table_line(t, 0), 1048576);
    assert_string_equal(lstmc_table_cell(t, 0, 0), "5");
    lstmc_table_free(t);

    write_xlsx(path, "rows-over.xlsx",
               "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>v</t></is></c></row>"
               "<row r=\"1048577\"><c r=\"A1048577\"><v>5</v></c></row>", NULL);
    read_fails(path, 0, 0, "bad row number '1048577' after row 1 of sheet 'S'; "
                           "expected 1 to 1048576");
}

/* A header of n cells holding the numbers 1..n (unique names), then the
 * rest of the rows. */
static char *wide_rows(size_t n, const char *header_tail, const char *rest)
{
    struct text t;
    text_open(&t);
    fprintf(t.f, "<row r=\"1\">");
    for (size_t c = 1; c <= n; c++)
        fprintf(t.f, "<c><v>%zu</v></c>", c);
    fprintf(t.f, "%s</row>%s", header_tail, rest);
    return text_close(&t);
}

/* LSTMC_TABLE_MAX_COLS = 4096 columns. Column letters count in bijective
 * base 26 (A = 1, Z = 26, AA = 27): FAN = 6 * 26^2 + 1 * 26 + 14 =
 * 4056 + 26 + 14 = 4096, FAO = 4097. A reference may go up to Excel's XFD
 * = 24 * 676 + 6 * 26 + 4 = 16224 + 156 + 4 = 16384 (XLSX_MAX_COL); XFE =
 * 16385 is not a cell reference. */
static void test_xlsx_columns(void **state)
{
    (void)state;
    char path[600];
    char *rows = wide_rows(4096, "", "<row r=\"2\"><c r=\"FAN2\"><v>7</v></c></row>");
    write_xlsx(path, "cols.xlsx", rows, NULL);
    free(rows);
    lstmc_table *t = read_ok(path);
    assert_int_equal(lstmc_table_cols(t), 4096);
    assert_string_equal(lstmc_table_name(t, 4095), "4096");
    assert_int_equal(lstmc_table_rows(t), 1);
    assert_string_equal(lstmc_table_cell(t, 0, 4095), "7");
    assert_string_equal(lstmc_table_cell(t, 0, 0), "");
    lstmc_table_free(t);

    rows = wide_rows(4096, "<c r=\"FAO1\"><v>4097</v></c>",
                     "<row r=\"2\"><c r=\"A2\"><v>1</v></c></row>");
    write_xlsx(path, "cols-over.xlsx", rows, NULL);
    free(rows);
    read_fails(path, 1, 4097, "value in cell FAO1 beyond 4096 columns; the limit "
                              "is LSTMC_TABLE_MAX_COLS (sheet 'S')");

    /* the last column a reference can name, and one past it */
    write_xlsx(path, "xfd.xlsx", "<row r=\"1\"><c r=\"A1\"><v>1</v></c>"
                                 "<c r=\"XFD1\"><v>2</v></c></row>", NULL);
    read_fails(path, 1, 16384, "value in cell XFD1 beyond 4096 columns; the limit "
                               "is LSTMC_TABLE_MAX_COLS (sheet 'S')");
    write_xlsx(path, "xfe.xlsx", "<row r=\"1\"><c r=\"A1\"><v>1</v></c>"
                                 "<c r=\"XFE1\"><v>2</v></c></row>", NULL);
    read_fails(path, 1, 0, "bad cell reference 'XFE1' in row 1 of sheet 'S'; "
                           "expected a column and a row such as B7");
}

/* A cell of n bytes 'x' in A2, inline or as shared string 0. */
static const char *long_cell(char *path, const char *name, size_t n, bool shared)
{
    struct text cell;
    text_open(&cell);
    fprintf(cell.f, "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>v</t></is></c></row>");
    if (shared) {
        fprintf(cell.f, "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c></row>");
    } else {
        fprintf(cell.f, "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>");
        text_repeat(&cell, 'x', n);
        fprintf(cell.f, "</t></is></c></row>");
    }
    char *rows = text_close(&cell);
    char *sst = NULL;
    if (shared) {
        struct text s;
        text_open(&s);
        fprintf(s.f, "<si><t>");
        text_repeat(&s, 'x', n);
        fprintf(s.f, "</t></si>");
        sst = text_close(&s);
    }
    write_xlsx(path, name, rows, sst);
    free(rows);
    free(sst);
    return path;
}

/* LSTMC_TABLE_MAX_FIELD = 1024 * 1024 = 1048576 bytes in a cell, whether
 * the text is in the cell or in the shared strings. */
static void test_xlsx_cell_size(void **state)
{
    (void)state;
    char path[600];
    for (int shared = 0; shared <= 1; shared++) {
        lstmc_table *t = read_ok(long_cell(path, "cell.xlsx", 1048576, shared));
        assert_int_equal(strlen(lstmc_table_cell(t, 0, 0)), 1048576);
        lstmc_table_free(t);
    }
    read_fails(long_cell(path, "cell-over.xlsx", 1048577, false), 2, 1,
               "field longer than 1048576 bytes in cell A2; the limit is "
               "LSTMC_TABLE_MAX_FIELD");
    read_fails(long_cell(path, "sst-over.xlsx", 1048577, true), 0, 0,
               "shared string longer than 1048576 bytes in the part "
               "'xl/sharedStrings.xml'; the limit is LSTMC_TABLE_MAX_FIELD");
}

/* Part names: the reader resolves a relationship's target into a buffer
 * of PART_NAME_MAX = 512 bytes, keeping room for a '/' and the NUL after
 * each segment, so the longest part name is 510 bytes. The target
 * "worksheets/" + k x 'a' + ".xml" from xl/workbook.xml is the part
 * "xl/worksheets/" + k x 'a' + ".xml" of 14 + k + 4 = 18 + k bytes: k =
 * 492 gives 510 bytes, k = 493 gives 511, refused (the message shows the
 * first 200 bytes of the target: "worksheets/" and 189 'a'). */
static void test_xlsx_part_name(void **state)
{
    (void)state;
    static const char rows[] =
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>v</t></is></c></row>"
        "<row r=\"2\"><c r=\"A2\"><v>5</v></c></row>";
    char path[600], target[600], want[600];
    for (size_t k = 492; k <= 493; k++) {
        memcpy(target, "worksheets/", 11);
        memset(target + 11, 'a', k);
        memcpy(target + 11 + k, ".xml", 5);
        write_xlsx_part(path, "part.xlsx", rows, NULL, target);
        if (k == 492) {
            lstmc_table *t = read_ok(path);
            assert_string_equal(lstmc_table_cell(t, 0, 0), "5");
            lstmc_table_free(t);
        } else {
            snprintf(want, sizeof want, "not a valid xlsx workbook: bad relationship target "
                     "'%.200s' in the part 'xl/_rels/workbook.xml.rels'", target);
            read_fails(path, 0, 0, want);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

/* Writes len bytes to tmp_dir/name, gzip-compressed by zlib when gz. */
static const char *write_file(char *out, const char *name, const char *bytes, size_t len,
                              bool gz)
{
    tmp_path(out, name);
    if (gz) {
        gzFile g = gzopen(out, "wb");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, bytes, (unsigned)len), (int)len);
        assert_int_equal(gzclose(g), Z_OK);
    } else {
        FILE *f = fopen(out, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(bytes, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
    }
    return out;
}

/* LSTMC_TABLE_MAX_FIELD = 1048576 bytes: a cell of a gzip-compressed CSV
 * file, and a column name (plain and gzip). The CSV is "a,b\n1,CELL\n" or
 * "a,NAME\n1,2\n"; the cell is line 2, column 2, the name line 1,
 * column 2. */
static void test_csv_field_gzip_and_header(void **state)
{
    (void)state;
    const size_t max = 1048576;
    char *text = malloc(max + 32), path[600];
    assert_non_null(text);
    for (size_t n = max; n <= max + 1; n++) {
        /* the cell, through gzip */
        memcpy(text, "a,b\n1,", 6);
        memset(text + 6, 'x', n);
        text[6 + n] = '\n';
        write_file(path, "cell.csv.gz", text, 7 + n, true);
        if (n == max) {
            lstmc_table *t = read_ok(path);
            assert_int_equal(strlen(lstmc_table_cell(t, 0, 1)), max);
            lstmc_table_free(t);
        } else {
            read_fails(path, 2, 2, "field longer than 1048576 bytes in column 'b'; the limit "
                                   "is LSTMC_TABLE_MAX_FIELD");
        }
        /* the name, plain and through gzip */
        memcpy(text, "a,", 2);
        memset(text + 2, 'n', n);
        memcpy(text + 2 + n, "\n1,2\n", 5);
        for (int gz = 0; gz <= 1; gz++) {
            write_file(path, gz ? "name.csv.gz" : "name.csv", text, 7 + n, gz);
            if (n == max) {
                lstmc_table *t = read_ok(path);
                assert_int_equal(strlen(lstmc_table_name(t, 1)), max);
                lstmc_table_free(t);
            } else {
                read_fails(path, 1, 2, "field longer than 1048576 bytes in the header; the "
                                       "limit is LSTMC_TABLE_MAX_FIELD");
            }
        }
    }
    free(text);
}

/* LSTMC_TABLE_MAX_ROWS = 10^8 data rows, through lstmc_table_append,
 * which the CSV and xlsx readers both use. Row r is given line r + 2, as
 * in a CSV file whose header is line 1, so the refused row 100000001 is
 * line 100000002. About 24 bytes a row (two longs and a pointer): 2.4 GB,
 * hence behind LSTMC_TEST_BIG. */
static void test_table_rows(void **state)
{
    (void)state;
    big_test();
    const char *names[] = {"v"};
    lstmc_table *t = NULL;
    lstmc_error err;
    assert_int_equal(lstmc_table_create(&t, "big.csv", NULL, 1, names, 1, &err), LSTMC_OK);
    const char *cells[] = {""};
    const size_t lens[] = {0};
    for (long r = 0; r < 100000000L; r++)
        if (lstmc_table_append(t, cells, lens, r + 2, r + 2, &err) != LSTMC_OK)
            fail_msg("row %ld: %s", r, err.msg);
    assert_int_equal(lstmc_table_rows(t), 100000000);
    assert_int_equal(lstmc_table_append(t, cells, lens, 100000002L, 100000002L, &err),
                     LSTMC_ERR_FORMAT);
    assert_string_equal(err.msg, "more than 100000000 data rows; the limit is "
                                 "LSTMC_TABLE_MAX_ROWS");
    assert_int_equal(err.row, 100000002L);
    assert_int_equal(lstmc_table_rows(t), 100000000);
    lstmc_table_free(t);
}

/* `predict --text`: one text per line, each at most LSTMC_TABLE_MAX_FIELD
 * = 1048576 bytes (a "\r\n" line end is not part of it). */
static void test_text_lines(void **state)
{
    (void)state;
    const size_t max = 1048576, size = 3 * max;
    char *buf = malloc(size);
    assert_non_null(buf);
    const lstmc_pipeline_spec spec = {.samples = LSTMC_SAMPLES_TOKENS, .text = "review"};
    lstmc_table *t = NULL;
    lstmc_error err;

    /* the limit, with a CRLF line end, then a short line without an end */
    memset(buf, 'a', max);
    memcpy(buf + max, "\r\nb", 3);
    FILE *in = fmemopen(buf, max + 3, "r");
    assert_non_null(in);
    assert_int_equal(lstmc_pipeline_read_lines(&t, in, "<stdin>", &spec, &err), LSTMC_OK);
    fclose(in);
    assert_int_equal(lstmc_table_rows(t), 2);
    assert_int_equal(strlen(lstmc_table_cell(t, 0, 0)), max);
    assert_string_equal(lstmc_table_cell(t, 1, 0), "b");
    lstmc_table_free(t);

    /* one byte more: line 2 is refused */
    memcpy(buf, "x\n", 2);
    memset(buf + 2, 'a', max + 1);
    buf[2 + max + 1] = '\n';
    in = fmemopen(buf, max + 4, "r");
    assert_non_null(in);
    assert_int_equal(lstmc_pipeline_read_lines(&t, in, "<stdin>", &spec, &err),
                     LSTMC_ERR_FORMAT);
    fclose(in);
    assert_null(t);
    assert_string_equal(err.msg, "field longer than 1048576 bytes in column 'review'; the "
                                 "limit is LSTMC_TABLE_MAX_FIELD");
    assert_int_equal(err.row, 2);

    /* a line that never ends is not read past the limit: 1048576 bytes of
     * text, the one a '\r' could take, and the one that shows the line is
     * too long, so 1048578 of the 3145728 bytes are read */
    memset(buf, 'a', size);
    in = fmemopen(buf, size, "r");
    assert_non_null(in);
    assert_int_equal(lstmc_pipeline_read_lines(&t, in, "<stdin>", &spec, &err),
                     LSTMC_ERR_FORMAT);
    assert_int_equal(ftell(in), 1048578);
    fclose(in);
    assert_int_equal(err.row, 1);
    free(buf);
}

/* ------------------------------------------------------------------ */
/* safetensors                                                         */
/* ------------------------------------------------------------------ */

/* A save writes a header of at most LSTMC_WEIGHTS_MAX_HEADER = 10^8 bytes,
 * padded to a multiple of 8. With no tensors and one metadata entry "k"
 * of L bytes 'v', the header is compact JSON of 25 + L bytes:
 *   {"__metadata__":{"k":"   22 bytes (1 + 14 + 1 + 1 + 3 + 1 + 1)
 *   vvv...v                  L bytes
 *   "}}                      3 bytes
 * L = 99999975 gives exactly 10^8 (a multiple of 8, no padding): written,
 * and read back. L = 99999976 gives 100000001 bytes, padded by 7 to
 * 100000008: refused, and nothing is written. LSTMC_TEST_BIG only. */
static void test_weights_header(void **state)
{
    (void)state;
    big_test();
    char path[600];
    tmp_path(path, "w.safetensors");
    const size_t at = 99999975;
    char *value = malloc(at + 2);
    assert_non_null(value);
    memset(value, 'v', at + 1);
    value[at + 1] = '\0';
    lstmc_meta meta[] = {{"k", value}};
    lstmc_error err;

    assert_int_equal(lstmc_weights_save(path, NULL, 0, NULL, meta, 1, &err), LSTMC_ERR_ARG);
    assert_string_equal(err.msg, "header would be 100000008 bytes, above the limit of "
                                 "100000000");
    assert_int_equal(access(path, F_OK), -1);

    value[at] = '\0';
    if (lstmc_weights_save(path, NULL, 0, NULL, meta, 1, &err) != LSTMC_OK)
        fail_msg("%s", err.msg);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char length[8];
    assert_int_equal(fread(length, 1, 8, f), 8);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    assert_int_equal(ftell(f), 8 + 100000000L);
    fclose(f);
    /* 100000000 = 0x05F5E100, little-endian */
    static const unsigned char want[8] = {0x00, 0xE1, 0xF5, 0x05, 0, 0, 0, 0};
    assert_memory_equal(length, want, 8);
    if (lstmc_weights_load(path, NULL, 0, NULL, meta, 1, &err) != LSTMC_OK)
        fail_msg("%s", err.msg);
    unlink(path);
    free(value);
}

/* LSTMC_MAX_RANK = 4 dimensions a tensor: rank 4 is written and read back
 * (rank 5 is refused, in test_weights.c). */
static void test_weights_rank(void **state)
{
    (void)state;
    char path[600];
    tmp_path(path, "rank.safetensors");
    const lstmc_tensor_desc d[] = {{"a", LSTMC_F32, 4, {1, 2, 1, 2}}};
    float a[4] = {1.0f, 2.0f, 3.0f, 4.0f}, b[4] = {0};
    const void *out[] = {a};
    void *in[] = {b};
    lstmc_error err;
    if (lstmc_weights_save(path, d, 1, out, NULL, 0, &err) != LSTMC_OK)
        fail_msg("%s", err.msg);
    if (lstmc_weights_load(path, d, 1, in, NULL, 0, &err) != LSTMC_OK)
        fail_msg("%s", err.msg);
    assert_memory_equal(a, b, sizeof a);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xlsx_rows),
        cmocka_unit_test(test_xlsx_columns),
        cmocka_unit_test(test_xlsx_cell_size),
        cmocka_unit_test(test_xlsx_part_name),
        cmocka_unit_test(test_csv_field_gzip_and_header),
        cmocka_unit_test(test_table_rows),
        cmocka_unit_test(test_text_lines),
        cmocka_unit_test(test_weights_header),
        cmocka_unit_test(test_weights_rank),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
