/*
 * libFuzzer target for the workbook reader (runtime/xlsx.c). Each input is
 * used twice:
 *   1. as the bytes of "in.xlsx" (a zip archive: the fixtures of
 *      tests/data/table/ are good seeds for the zip layer);
 *   2. split at lines "--8<--" into up to five texts that become the parts
 *      xl/worksheets/sheet1.xml, xl/sharedStrings.xml, xl/workbook.xml,
 *      xl/_rels/workbook.xml.rels and _rels/.rels of a workbook written
 *      with libzip (parts not given get a small valid default), so the
 *      mutations reach the XML reading rather than the zip checksums.
 * Both are read as the first sheet and as the sheet named "Data". A table
 * read has every column parsed with lstmc_table_numbers(); a refusal must
 * carry a message.
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -D_POSIX_C_SOURCE=200809L -Iruntime runtime/csv.c runtime/xlsx.c \
 *       runtime/status.c tests/fuzz/fuzz_xlsx.c $(pkg-config --cflags \
 *       libxml-2.0 libzip) -lcsv -lz -lzip -lxml2 -o fuzz_xlsx
 *   ./fuzz_xlsx -max_total_time=300 tests/fuzz/corpus/xlsx
 *
 * Temporary files go to $TMPDIR (default /tmp).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "lstmc.h"

#define N_PARTS 5

static const char *const part_names[N_PARTS] = {
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "_rels/.rels",
};

static const char *const defaults[N_PARTS] = {
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
    "<c r=\"B1\" t=\"inlineStr\"><is><t>b</t></is></c></row>"
    "<row r=\"2\"><c r=\"A2\"><v>1.5</v></c><c r=\"B2\" t=\"b\"><v>1</v></c></row>"
    "</sheetData></worksheet>",
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<si><t>a</t></si><si><r><t>x</t></r><r><t>y</t></r></si></sst>",
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
    "2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
    "2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
    "2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
};

static char raw_path[512], built_path[512];

static void remove_files(void)
{
    unlink(raw_path);
    unlink(built_path);
}

static void make_paths(void)
{
    if (raw_path[0])
        return;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    long pid = (long)getpid();
    snprintf(raw_path, sizeof raw_path, "%s/fuzz-xlsx-%ld-raw.xlsx", dir, pid);
    snprintf(built_path, sizeof built_path, "%s/fuzz-xlsx-%ld-built.xlsx", dir, pid);
    atexit(remove_files);
}

static void try_read(const char *path, const char *sheet)
{
    lstmc_table *t = NULL;
    lstmc_error err;
    if (lstmc_table_read(&t, path, sheet, &err) != LSTMC_OK) {
        if (t || !memchr(err.msg, '\0', sizeof err.msg) || err.msg[0] == '\0')
            abort();
        return;
    }
    size_t rows = lstmc_table_rows(t), cols = lstmc_table_cols(t);
    if (rows == 0 || cols == 0)
        abort();
    double *out = malloc(rows * sizeof *out);
    if (!out)
        abort();
    for (size_t c = 0; c < cols; c++) {
        for (size_t r = 0; r < rows; r++)
            if (!lstmc_table_cell(t, r, c))
                abort();
        lstmc_error nerr;
        if (lstmc_table_numbers(t, c, out, &nerr) != LSTMC_OK && nerr.msg[0] == '\0')
            abort();
    }
    free(out);
    lstmc_table_free(t);
}

/* Writes the workbook made of the input's parts to built_path. */
static void build(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n--8<--\n";
    const char *start[N_PARTS];
    size_t len[N_PARTS];
    size_t n = 0, pos = 0;
    while (n < N_PARTS) {
        const char *here = (const char *)data + pos;
        size_t left = size - pos;
        const char *cut = NULL;
        for (size_t i = 0; i + sizeof sep - 1 <= left; i++)
            if (memcmp(here + i, sep, sizeof sep - 1) == 0) {
                cut = here + i;
                break;
            }
        start[n] = here;
        len[n] = cut ? (size_t)(cut - here) : left;
        n++;
        if (!cut)
            break;
        pos += len[n - 1] + sizeof sep - 1;
    }
    int code;
    zip_t *z = zip_open(built_path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!z)
        abort();
    for (size_t i = 0; i < N_PARTS; i++) {
        const char *text = i < n ? start[i] : defaults[i];
        size_t tlen = i < n ? len[i] : strlen(defaults[i]);
        zip_source_t *src = zip_source_buffer(z, text, tlen, 0);
        if (!src)
            abort();
        zip_int64_t idx = zip_file_add(z, part_names[i], src, ZIP_FL_OVERWRITE);
        if (idx < 0) {
            zip_source_free(src);
            abort();
        }
        zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    if (zip_close(z) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_paths();
    FILE *f = fopen(raw_path, "wb");
    if (!f || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    try_read(raw_path, NULL);
    try_read(raw_path, "Data");
    build(data, size);
    try_read(built_path, NULL);
    try_read(built_path, "Data");
    return 0;
}
