/*
 * xlsx.c - worksheets of Office Open XML workbooks (ECMA-376 Part 1,
 * SpreadsheetML) read into a table (lstmc.h).
 *
 * The path from the file to the cells: the zip archive (libzip) holds
 * _rels/.rels, which names the workbook part (usually xl/workbook.xml);
 * the workbook lists the sheets by name with a relationship id; the
 * workbook's relationships (xl/_rels/workbook.xml.rels) map each id to the
 * sheet's part (xl/worksheets/sheet1.xml) and name the shared-string table
 * (xl/sharedStrings.xml). Every part is read with libxml2's streaming
 * xmlTextReader straight from the zip entry, so a large sheet never
 * becomes a tree in memory; rows are handed to lstmc_table_append() one by
 * one.
 *
 * libxml2 reports errors through handlers: while a workbook is read, this
 * thread's libxml2 handlers are pointed at the reader (so nothing is
 * printed) and restored before returning.
 */
#include "lstmc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <zip.h>

#define XLSX_MAX_ROW 1048576L /* rows of a worksheet (Excel's limit) */
#define XLSX_MAX_COL 16384L   /* columns: A..XFD */
#define PART_NAME_MAX 512     /* bytes of a part name we accept */

struct strings {              /* a list of strings in one buffer */
    char *buf;
    size_t len, cap;
    size_t *off, *slen;
    size_t n, ncap;
};

struct xlsx {
    const char *path;
    lstmc_error *err;
    lstmc_status st;
    zip_t *zip;
    /* the part being read, for error messages */
    const char *part;
    bool zip_failed;
    char zip_msg[160];
    bool xml_failed;
    int xml_line;
    char xml_msg[200];
};

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static lstmc_status fail(struct xlsx *x, lstmc_status st, long row, long col,
                         const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static lstmc_status fail(struct xlsx *x, lstmc_status st, long row, long col,
                         const char *fmt, ...)
{
    if (x->st != LSTMC_OK)
        return x->st; /* keep the first */
    x->st = st;
    if (!x->err)
        return st;
    snprintf(x->err->path, sizeof x->err->path, "%s", x->path);
    x->err->row = row;
    x->err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err->msg, sizeof x->err->msg, fmt, ap);
    va_end(ap);
    return st;
}

static lstmc_status nomem(struct xlsx *x)
{
    return fail(x, LSTMC_ERR_NOMEM, 0, 0, "out of memory");
}

/* "B7" for 1-based column col and row row, into out[24]. */
static const char *cell_name(char out[24], long col, long row)
{
    char rev[8];
    int n = 0;
    for (long c = col; c > 0 && n < 7; c = (c - 1) / 26)
        rev[n++] = (char)('A' + (c - 1) % 26);
    int k = 0;
    while (n > 0)
        out[k++] = rev[--n];
    snprintf(out + k, 24 - (size_t)k, "%ld", row);
    return out;
}

/* libxml2 error handlers: keep the first error of the part. */
static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    struct xlsx *x = ctx;
    if (!e || e->level < XML_ERR_ERROR || x->xml_failed)
        return;
    x->xml_failed = true;
    x->xml_line = e->line;
    snprintf(x->xml_msg, sizeof x->xml_msg, "%s",
             e->message ? e->message : "unknown error");
    size_t n = strlen(x->xml_msg);
    while (n > 0 && (x->xml_msg[n - 1] == '\n' || x->xml_msg[n - 1] == ' '))
        x->xml_msg[--n] = '\0';
}

static void on_generic_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* ------------------------------------------------------------------ */
/* Parts: zip entries read through an xmlTextReader                    */
/* ------------------------------------------------------------------ */

struct part {
    struct xlsx *x;
    zip_file_t *zf;
    xmlTextReaderPtr rd;
};

static int part_read(void *ctx, char *buf, int len)
{
    struct part *p = ctx;
    zip_int64_t got = zip_fread(p->zf, buf, (zip_uint64_t)len);
    if (got < 0) {
        p->x->zip_failed = true;
        snprintf(p->x->zip_msg, sizeof p->x->zip_msg, "%s",
                 zip_file_strerror(p->zf));
        return -1;
    }
    return (int)got;
}

static int part_close_cb(void *ctx)
{
    (void)ctx;
    return 0;
}

/* Opens part `name`. *missing (if not NULL) is set instead of failing when
 * the archive has no such entry. */
static bool part_open(struct xlsx *x, struct part *p, const char *name,
                      bool *missing)
{
    p->x = x;
    p->zf = NULL;
    p->rd = NULL;
    x->part = name;
    x->zip_failed = x->xml_failed = false;
    zip_int64_t idx = zip_name_locate(x->zip, name, ZIP_FL_NOCASE);
    if (idx < 0) {
        if (missing) {
            *missing = true;
            return false;
        }
        fail(x, LSTMC_ERR_FORMAT, 0, 0,
             "not a valid xlsx workbook: the part '%s' is missing", name);
        return false;
    }
    if (missing)
        *missing = false;
    p->zf = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0);
    if (!p->zf) {
        fail(x, LSTMC_ERR_FORMAT, 0, 0, "cannot read the part '%s': %s", name,
             zip_strerror(x->zip));
        return false;
    }
    p->rd = xmlReaderForIO(part_read, part_close_cb, p, name, NULL,
                           XML_PARSE_NONET);
    if (!p->rd) {
        zip_fclose(p->zf);
        p->zf = NULL;
        nomem(x);
        return false;
    }
    xmlTextReaderSetStructuredErrorHandler(p->rd, on_xml_error, x);
    return true;
}

static void part_close(struct part *p)
{
    if (p->rd)
        xmlFreeTextReader(p->rd);
    if (p->zf)
        zip_fclose(p->zf);
    p->rd = NULL;
    p->zf = NULL;
}

/* The next node: 1, or 0 at the end, or -1 after an error (x->st set). */
static int part_next(struct part *p)
{
    struct xlsx *x = p->x;
    if (x->st != LSTMC_OK)
        return -1;
    int ret = xmlTextReaderRead(p->rd);
    if (ret == 1 && xmlTextReaderNodeType(p->rd) == XML_READER_TYPE_DOCUMENT_TYPE) {
        fail(x, LSTMC_ERR_FORMAT, 0, 0,
             "unexpected document type declaration in the part '%s'; "
             "expected plain SpreadsheetML",
             x->part);
        return -1;
    }
    if (ret == 1 && !x->xml_failed)
        return 1;
    if (ret == 0 && !x->xml_failed)
        return 0;
    if (x->zip_failed)
        fail(x, LSTMC_ERR_FORMAT, 0, 0, "corrupt zip entry '%s': %s", x->part,
             x->zip_msg);
    else if (x->xml_failed && x->xml_line > 0)
        fail(x, LSTMC_ERR_FORMAT, 0, 0,
             "malformed XML in the part '%s' at line %d: %s", x->part,
             x->xml_line, x->xml_msg);
    else if (x->xml_failed)
        fail(x, LSTMC_ERR_FORMAT, 0, 0, "malformed XML in the part '%s': %s",
             x->part, x->xml_msg);
    else
        fail(x, LSTMC_ERR_FORMAT, 0, 0, "malformed XML in the part '%s'",
             x->part);
    return -1;
}

static bool is_element(struct part *p, const char *local)
{
    const xmlChar *name = xmlTextReaderConstLocalName(p->rd);
    return name && strcmp((const char *)name, local) == 0;
}

static int node_type(struct part *p) { return xmlTextReaderNodeType(p->rd); }

/* Attribute `local` (any namespace when ns_suffix is NULL, otherwise one
 * whose namespace URI ends in ns_suffix) of the current element, or NULL.
 * The string lives until the reader moves. */
static const char *attr(struct part *p, const char *local, const char *ns_suffix)
{
    const char *found = NULL;
    if (xmlTextReaderMoveToFirstAttribute(p->rd) != 1)
        return NULL;
    do {
        const char *name = (const char *)xmlTextReaderConstLocalName(p->rd);
        const char *ns = (const char *)xmlTextReaderConstNamespaceUri(p->rd);
        if (!name || strcmp(name, local) != 0)
            continue;
        if (ns_suffix) {
            size_t n = ns ? strlen(ns) : 0, m = strlen(ns_suffix);
            if (n < m || strcmp(ns + n - m, ns_suffix) != 0)
                continue;
        } else if (ns) {
            continue; /* unprefixed attributes have no namespace */
        }
        found = (const char *)xmlTextReaderConstValue(p->rd);
        break;
    } while (xmlTextReaderMoveToNextAttribute(p->rd) == 1);
    xmlTextReaderMoveToElement(p->rd);
    return found;
}

/* ------------------------------------------------------------------ */
/* String lists                                                        */
/* ------------------------------------------------------------------ */

static bool buf_add(struct strings *s, const char *text, size_t len)
{
    if (s->cap - s->len < len + 1) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap - s->len < len + 1)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b)
            return false;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, text, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return true;
}

/* Ends the current string (the bytes added since the last end). */
static bool strings_end(struct strings *s, size_t start)
{
    if (s->n == s->ncap) {
        size_t ncap = s->ncap ? 2 * s->ncap : 64;
        size_t *off = realloc(s->off, ncap * sizeof *off);
        if (!off)
            return false;
        s->off = off;
        size_t *slen = realloc(s->slen, ncap * sizeof *slen);
        if (!slen)
            return false;
        s->slen = slen;
        s->ncap = ncap;
    }
    if (!buf_add(s, "", 0))
        return false;
    s->off[s->n] = start;
    s->slen[s->n] = s->len - start;
    s->n++;
    s->len++; /* keep the NUL */
    return true;
}

static void strings_free(struct strings *s)
{
    free(s->buf);
    free(s->off);
    free(s->slen);
}

static const char *strings_at(const struct strings *s, size_t i)
{
    return s->buf + s->off[i];
}

/* Decodes the _xHHHH_ escapes of OOXML string text (ECMA-376 22.9.2.19)
 * in s[start..len) in place; returns the new length. */
static size_t decode_escapes(char *s, size_t start, size_t len)
{
    size_t r = start, w = start;
    while (r < len) {
        unsigned cp = 0;
        bool esc = len - r >= 7 && s[r] == '_' && s[r + 1] == 'x' &&
                   s[r + 6] == '_';
        for (size_t k = 2; esc && k < 6; k++) {
            char c = s[r + k];
            unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                         : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                                : 16u;
            esc = d < 16;
            cp = cp * 16 + d;
        }
        if (!esc || (cp >= 0xD800 && cp <= 0xDFFF)) {
            s[w++] = s[r++];
            continue;
        }
        if (cp < 0x80) {
            s[w++] = (char)cp;
        } else if (cp < 0x800) {
            s[w++] = (char)(0xC0 | (cp >> 6));
            s[w++] = (char)(0x80 | (cp & 0x3F));
        } else {
            s[w++] = (char)(0xE0 | (cp >> 12));
            s[w++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[w++] = (char)(0x80 | (cp & 0x3F));
        }
        r += 7;
    }
    return w;
}

/* Appends the text of the current node to s, if it is text. Fails (with
 * the limit's message) when the string would pass the field limit. */
static bool add_text(struct xlsx *x, struct part *p, struct strings *s,
                     size_t start, long row, long col)
{
    int type = node_type(p);
    if (type != XML_READER_TYPE_TEXT && type != XML_READER_TYPE_CDATA &&
        type != XML_READER_TYPE_WHITESPACE &&
        type != XML_READER_TYPE_SIGNIFICANT_WHITESPACE)
        return true;
    const char *v = (const char *)xmlTextReaderConstValue(p->rd);
    size_t n = v ? strlen(v) : 0;
    if (s->len - start + n > (size_t)LSTMC_TABLE_MAX_FIELD) {
        char ref[24];
        if (row > 0)
            fail(x, LSTMC_ERR_FORMAT, row, col,
                 "field longer than %ld bytes in cell %s; the limit is "
                 "LSTMC_TABLE_MAX_FIELD",
                 LSTMC_TABLE_MAX_FIELD, cell_name(ref, col, row));
        else
            fail(x, LSTMC_ERR_FORMAT, 0, 0,
                 "shared string longer than %ld bytes in the part '%s'; the "
                 "limit is LSTMC_TABLE_MAX_FIELD",
                 LSTMC_TABLE_MAX_FIELD, x->part);
        return false;
    }
    if (n > 0 && !buf_add(s, v, n)) {
        nomem(x);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Package structure                                                   */
/* ------------------------------------------------------------------ */

/* Resolves a relationship target against the directory of the part
 * `source` ("xl/workbook.xml" + "worksheets/sheet1.xml"), removing "."
 * and ".." segments, into out[PART_NAME_MAX]. False if it does not fit or
 * climbs above the root. */
static bool resolve(char *out, const char *source, const char *target)
{
    char tmp[2 * PART_NAME_MAX];
    if (target[0] == '/') {
        snprintf(tmp, sizeof tmp, "%s", target + 1);
    } else {
        const char *slash = strrchr(source, '/');
        int dir = slash ? (int)(slash - source) + 1 : 0;
        int n = snprintf(tmp, sizeof tmp, "%.*s%s", dir, source, target);
        if (n < 0 || (size_t)n >= sizeof tmp)
            return false;
    }
    size_t w = 0;
    char *seg = tmp;
    while (seg) {
        char *next = strchr(seg, '/');
        if (next)
            *next++ = '\0';
        if (strcmp(seg, "..") == 0) {
            if (w == 0)
                return false;
            w--; /* drop the '/' that ends the previous segment */
            while (w > 0 && out[w - 1] != '/')
                w--;
        } else if (seg[0] != '\0' && strcmp(seg, ".") != 0) {
            size_t n = strlen(seg);
            if (w + n + 2 > PART_NAME_MAX)
                return false;
            memcpy(out + w, seg, n);
            w += n;
            if (next)
                out[w++] = '/';
        }
        seg = next;
    }
    if (w > 0 && out[w - 1] == '/')
        w--;
    out[w] = '\0';
    return w > 0;
}

/* Reads the relationships part `rels`, whose targets are relative to
 * `source`. For the relationship with Id `id` (if id is not NULL) or the
 * first whose Type ends in `type_suffix`, the resolved target goes to
 * out[PART_NAME_MAX]; *found says whether there was one. A missing rels
 * part is no error when `optional`. */
static void find_rel(struct xlsx *x, const char *rels, const char *source,
                     const char *id, const char *type_suffix, bool optional,
                     char *out, bool *found)
{
    struct part p;
    bool missing = false;
    *found = false;
    if (!part_open(x, &p, rels, optional ? &missing : NULL))
        return;
    int ret;
    while (!*found && (ret = part_next(&p)) == 1) {
        if (node_type(&p) != XML_READER_TYPE_ELEMENT ||
            !is_element(&p, "Relationship"))
            continue;
        const char *mode = attr(&p, "TargetMode", NULL);
        if (mode && strcmp(mode, "External") == 0)
            continue;
        bool match;
        if (id) {
            const char *rid = attr(&p, "Id", NULL);
            match = rid && strcmp(rid, id) == 0;
        } else {
            const char *type = attr(&p, "Type", NULL);
            size_t n = type ? strlen(type) : 0, m = strlen(type_suffix);
            match = n >= m && strcmp(type + n - m, type_suffix) == 0;
        }
        if (!match)
            continue;
        const char *target = attr(&p, "Target", NULL);
        if (!target || !resolve(out, source, target)) {
            fail(x, LSTMC_ERR_FORMAT, 0, 0,
                 "not a valid xlsx workbook: bad relationship target '%.200s' "
                 "in the part '%s'",
                 target ? target : "", rels);
            break;
        }
        *found = true;
    }
    part_close(&p);
}

/* The part name of the rels part for `source`: dir/_rels/name.rels. */
static bool rels_name(char *out, const char *source)
{
    const char *slash = strrchr(source, '/');
    int dir = slash ? (int)(slash - source) + 1 : 0;
    int n = snprintf(out, PART_NAME_MAX, "%.*s_rels/%s.rels", dir, source,
                     source + dir);
    return n > 0 && n < PART_NAME_MAX;
}

/* Finds the part of sheet `want` (NULL: the first): its name in the
 * workbook goes to sheet_name (a strings list), its part to out. */
static void find_sheet(struct xlsx *x, const char *workbook, const char *want,
                       struct strings *names, char *out)
{
    struct part p;
    if (!part_open(x, &p, workbook, NULL))
        return;
    struct strings ids = {0};
    int ret;
    while ((ret = part_next(&p)) == 1) {
        if (node_type(&p) != XML_READER_TYPE_ELEMENT || !is_element(&p, "sheet"))
            continue;
        const char *name = attr(&p, "name", NULL);
        if (!name)
            name = "";
        size_t start = names->len;
        if (!buf_add(names, name, strlen(name)) || !strings_end(names, start)) {
            nomem(x);
            break;
        }
        const char *rid = attr(&p, "id", "/relationships");
        start = ids.len;
        if (!buf_add(&ids, rid ? rid : "", rid ? strlen(rid) : 0) ||
            !strings_end(&ids, start)) {
            nomem(x);
            break;
        }
    }
    part_close(&p);
    if (x->st != LSTMC_OK) {
        strings_free(&ids);
        return;
    }
    size_t pick = names->n;
    for (size_t i = 0; i < names->n && pick == names->n; i++)
        if (!want || strcmp(strings_at(names, i), want) == 0)
            pick = i;
    if (names->n == 0) {
        fail(x, LSTMC_ERR_FORMAT, 0, 0, "the workbook has no sheets");
    } else if (pick == names->n) {
        char list[LSTMC_ERROR_MSG_SIZE] = "";
        size_t used = 0;
        for (size_t i = 0; i < names->n && used < sizeof list; i++) {
            int n = snprintf(list + used, sizeof list - used, "%s'%.60s'",
                             i ? ", " : "", strings_at(names, i));
            if (n < 0)
                break;
            used += (size_t)n;
        }
        fail(x, LSTMC_ERR_FORMAT, 0, 0,
             "no sheet named '%.100s'; the workbook has %s", want, list);
    } else {
        char rels[PART_NAME_MAX];
        bool found = false;
        if (!rels_name(rels, workbook)) {
            fail(x, LSTMC_ERR_FORMAT, 0, 0,
                 "not a valid xlsx workbook: part name too long");
        } else {
            find_rel(x, rels, workbook, strings_at(&ids, pick), NULL, false,
                     out, &found);
            if (x->st == LSTMC_OK && !found)
                fail(x, LSTMC_ERR_FORMAT, 0, 0,
                     "not a valid xlsx workbook: no part for the sheet '%.100s' "
                     "(relationship '%.60s' is missing from '%s')",
                     strings_at(names, pick), strings_at(&ids, pick), rels);
        }
        /* the chosen name moves to index 0 for the caller */
        if (x->st == LSTMC_OK && pick != 0) {
            size_t off = names->off[pick], len = names->slen[pick];
            names->off[0] = off;
            names->slen[0] = len;
        }
    }
    strings_free(&ids);
}

/* Reads the shared strings of part `name` into sst. */
static void read_shared_strings(struct xlsx *x, const char *name,
                                struct strings *sst)
{
    struct part p;
    if (!part_open(x, &p, name, NULL))
        return;
    bool in_si = false, in_t = false;
    int skip_depth = -1; /* depth of an <rPh> or <phoneticPr> being skipped */
    size_t start = 0;
    int ret;
    while ((ret = part_next(&p)) == 1) {
        int type = node_type(&p), depth = xmlTextReaderDepth(p.rd);
        bool empty = xmlTextReaderIsEmptyElement(p.rd) == 1;
        if (type == XML_READER_TYPE_ELEMENT) {
            if (skip_depth >= 0)
                continue;
            if (is_element(&p, "si")) {
                in_si = true;
                start = sst->len;
                if (empty) {
                    in_si = false;
                    if (!strings_end(sst, start)) {
                        nomem(x);
                        break;
                    }
                }
            } else if (in_si && is_element(&p, "rPh") && !empty) {
                skip_depth = depth;
            } else if (in_si && is_element(&p, "t") && !empty) {
                in_t = true;
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (skip_depth >= 0) {
                if (depth == skip_depth)
                    skip_depth = -1;
                continue;
            }
            if (is_element(&p, "t")) {
                in_t = false;
            } else if (in_si && is_element(&p, "si")) {
                in_si = false;
                sst->len = decode_escapes(sst->buf ? sst->buf : (char *)"",
                                          start, sst->len);
                if (!strings_end(sst, start)) {
                    nomem(x);
                    break;
                }
            }
        } else if (in_t && skip_depth < 0) {
            if (!add_text(x, &p, sst, start, 0, 0))
                break;
        }
    }
    part_close(&p);
}

/* ------------------------------------------------------------------ */
/* The sheet                                                           */
/* ------------------------------------------------------------------ */

struct sheet_reader {
    struct xlsx *x;
    const char *sheet;            /* its name */
    const struct strings *sst;
    lstmc_table *t;               /* NULL until the header row */
    /* the current row: cell texts in text, at off[c], len[c] */
    struct strings text;
    size_t *off, *len;            /* [LSTMC_TABLE_MAX_COLS] */
    const char **cells;           /* [LSTMC_TABLE_MAX_COLS] */
    long width;                   /* 1 + the last column with a value */
    long row;                     /* its spreadsheet row number */
};

/* Puts the current cell's text, text.buf[start..], into column col
 * (1-based) of the row; empty text leaves the cell empty. */
static void put_cell(struct sheet_reader *s, long col, size_t start)
{
    struct xlsx *x = s->x;
    size_t n = s->text.len - start;
    if (n == 0)
        return;
    if (col > LSTMC_TABLE_MAX_COLS) {
        char ref[24];
        fail(x, LSTMC_ERR_FORMAT, s->row, col,
             "value in cell %s beyond %ld columns; the limit is "
             "LSTMC_TABLE_MAX_COLS (sheet '%s')",
             cell_name(ref, col, s->row), LSTMC_TABLE_MAX_COLS, s->sheet);
        return;
    }
    if (s->t && (size_t)col > lstmc_table_cols(s->t)) {
        char ref[24], last[24];
        cell_name(last, (long)lstmc_table_cols(s->t), 1);
        last[strcspn(last, "0123456789")] = '\0'; /* the letters only */
        fail(x, LSTMC_ERR_FORMAT, s->row, col,
             "value in cell %s outside the header's %zu columns (sheet '%s'); "
             "expected nothing after column %s",
             cell_name(ref, col, s->row), lstmc_table_cols(s->t), s->sheet,
             last);
        return;
    }
    s->off[col - 1] = start;
    s->len[col - 1] = n;
    s->text.len++; /* keep a NUL after the text */
    if (col > s->width)
        s->width = col;
}

/* The row is complete: the header, a data row, or nothing if empty. */
static void end_row(struct sheet_reader *s)
{
    struct xlsx *x = s->x;
    if (s->width == 0)
        return;
    for (long c = 0; c < s->width; c++)
        s->cells[c] = s->len[c] ? s->text.buf + s->off[c] : "";
    if (!s->t) {
        lstmc_status st = lstmc_table_create(&s->t, x->path, s->sheet, s->row,
                                             s->cells, (size_t)s->width, x->err);
        if (st != LSTMC_OK)
            x->st = st;
    } else {
        size_t ncols = lstmc_table_cols(s->t);
        for (size_t c = (size_t)s->width; c < ncols; c++) {
            s->cells[c] = "";
            s->len[c] = 0;
        }
        lstmc_status st = lstmc_table_append(s->t, s->cells, s->len, s->row,
                                             s->row, x->err);
        if (st != LSTMC_OK)
            x->st = st;
    }
    for (long c = 0; c < s->width; c++)
        s->len[c] = 0;
    s->width = 0;
    s->text.len = 0;
}

/* Parses a cell reference "B7" into *col and *row; false if malformed. */
static bool parse_ref(const char *ref, long *col, long *row)
{
    long c = 0, r = 0;
    const char *p = ref;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
        c = c * 26 + ((*p | 0x20) - 'a' + 1);
        if (c > XLSX_MAX_COL)
            return false;
        p++;
    }
    if (p == ref)
        return false;
    const char *digits = p;
    while (*p >= '0' && *p <= '9') {
        r = r * 10 + (*p - '0');
        if (r > XLSX_MAX_ROW)
            return false;
        p++;
    }
    if (p == digits || *p != '\0' || r == 0)
        return false;
    *col = c;
    *row = r;
    return true;
}

/* Parses a row number attribute; false if malformed. */
static bool parse_row(const char *s, long *row)
{
    long r = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        r = r * 10 + (*s - '0');
        if (r > XLSX_MAX_ROW)
            return false;
    }
    *row = r;
    return r > 0;
}

enum cell_type { T_NUMBER, T_SHARED, T_BOOL, T_INLINE, T_TEXT };

/* The cell's text from its <v> value, by its type; appended to the row. */
static void finish_cell(struct sheet_reader *s, enum cell_type type,
                        bool has_v, bool has_f, long col, size_t start)
{
    struct xlsx *x = s->x;
    char ref[24];
    cell_name(ref, col, s->row);
    if (has_f && !has_v && type != T_INLINE) {
        fail(x, LSTMC_ERR_FORMAT, s->row, col,
             "cell %s of sheet '%s' holds a formula without a cached value; "
             "expected a value (recalculate and save the workbook in a "
             "spreadsheet program)",
             ref, s->sheet);
        return;
    }
    if (type == T_SHARED && has_v) {
        const char *v = s->text.buf + start;
        size_t idx = 0;
        bool ok = *v != '\0';
        for (const char *q = v; *q && ok; q++) {
            ok = *q >= '0' && *q <= '9' && idx < SIZE_MAX / 10 - 10;
            idx = idx * 10 + (size_t)(*q - '0');
        }
        if (!ok || idx >= s->sst->n) {
            fail(x, LSTMC_ERR_FORMAT, s->row, col,
                 "cell %s of sheet '%s' refers to shared string '%.40s', but "
                 "the workbook has %zu; expected an index below that",
                 ref, s->sheet, v, s->sst->n);
            return;
        }
        s->text.len = start;
        const char *str = strings_at(s->sst, idx);
        if (!buf_add(&s->text, str, s->sst->slen[idx])) {
            nomem(x);
            return;
        }
    } else if (type == T_BOOL && has_v) {
        const char *v = s->text.buf + start;
        const char *word = strcmp(v, "1") == 0 ? "TRUE"
                           : strcmp(v, "0") == 0 ? "FALSE" : NULL;
        if (!word) {
            fail(x, LSTMC_ERR_FORMAT, s->row, col,
                 "cell %s of sheet '%s' is a boolean with value '%.40s'; "
                 "expected 0 or 1",
                 ref, s->sheet, v);
            return;
        }
        s->text.len = start;
        if (!buf_add(&s->text, word, strlen(word))) {
            nomem(x);
            return;
        }
    } else if (type == T_INLINE) {
        s->text.len = decode_escapes(s->text.buf ? s->text.buf : (char *)"",
                                     start, s->text.len);
        if (s->text.buf)
            s->text.buf[s->text.len] = '\0';
    }
    put_cell(s, col, start);
}

static void read_sheet(struct sheet_reader *s, const char *name)
{
    struct xlsx *x = s->x;
    struct part p;
    if (!part_open(x, &p, name, NULL))
        return;
    bool in_data = false, in_row = false, in_cell = false;
    bool in_v = false, in_is_t = false, has_v = false, has_f = false;
    int is_depth = -1, skip_depth = -1; /* <is>, and an <rPh> inside it */
    enum cell_type type = T_NUMBER;
    long col = 0, last_col = 0, last_row = 0;
    size_t start = 0;
    char ref[24];
    int ret;
    while ((ret = part_next(&p)) == 1) {
        int nt = node_type(&p), depth = xmlTextReaderDepth(p.rd);
        bool empty = xmlTextReaderIsEmptyElement(p.rd) == 1;
        if (nt == XML_READER_TYPE_ELEMENT) {
            if (skip_depth >= 0)
                continue;
            if (!in_data) {
                if (is_element(&p, "sheetData") && !empty)
                    in_data = true;
            } else if (!in_row && is_element(&p, "row")) {
                const char *r = attr(&p, "r", NULL);
                long row = last_row + 1;
                if (r && !parse_row(r, &row)) {
                    fail(x, LSTMC_ERR_FORMAT, 0, 0,
                         "bad row number '%.40s' after row %ld of sheet '%s'; "
                         "expected 1 to %ld",
                         r, last_row, s->sheet, XLSX_MAX_ROW);
                    break;
                }
                if (row <= last_row || row > XLSX_MAX_ROW) {
                    fail(x, LSTMC_ERR_FORMAT, row, 0,
                         "row %ld of sheet '%s' comes after row %ld; expected "
                         "rows in increasing order",
                         row, s->sheet, last_row);
                    break;
                }
                s->row = last_row = row;
                last_col = 0;
                in_row = !empty;
            } else if (in_row && !in_cell && is_element(&p, "c")) {
                const char *r = attr(&p, "r", NULL);
                long row = s->row;
                col = last_col + 1;
                if (r && !parse_ref(r, &col, &row)) {
                    fail(x, LSTMC_ERR_FORMAT, s->row, 0,
                         "bad cell reference '%.40s' in row %ld of sheet '%s'; "
                         "expected a column and a row such as B7",
                         r, s->row, s->sheet);
                    break;
                }
                if (row != s->row || col <= last_col || col > XLSX_MAX_COL) {
                    fail(x, LSTMC_ERR_FORMAT, s->row, col,
                         "cell %s of sheet '%s' is out of place; expected a "
                         "cell of row %ld after column %ld",
                         cell_name(ref, col, row), s->sheet, s->row, last_col);
                    break;
                }
                last_col = col;
                const char *t = attr(&p, "t", NULL);
                if (!t || strcmp(t, "n") == 0 || strcmp(t, "e") == 0 ||
                    strcmp(t, "d") == 0)
                    type = T_NUMBER;
                else if (strcmp(t, "s") == 0)
                    type = T_SHARED;
                else if (strcmp(t, "b") == 0)
                    type = T_BOOL;
                else if (strcmp(t, "inlineStr") == 0)
                    type = T_INLINE;
                else if (strcmp(t, "str") == 0)
                    type = T_TEXT;
                else {
                    fail(x, LSTMC_ERR_FORMAT, s->row, col,
                         "cell %s of sheet '%s' has the unknown type '%.20s'; "
                         "expected n, s, b, e, d, str or inlineStr",
                         cell_name(ref, col, s->row), s->sheet, t);
                    break;
                }
                has_v = has_f = false;
                start = s->text.len;
                if (empty) {
                    finish_cell(s, type, false, false, col, start);
                } else {
                    in_cell = true;
                }
            } else if (in_cell && is_element(&p, "v")) {
                has_v = true;
                in_v = !empty;
                s->text.len = start; /* one value per cell */
            } else if (in_cell && is_element(&p, "f")) {
                has_f = true;
            } else if (in_cell && type == T_INLINE && is_element(&p, "is")) {
                is_depth = empty ? -1 : depth;
            } else if (is_depth >= 0 && is_element(&p, "rPh") && !empty) {
                skip_depth = depth;
            } else if (is_depth >= 0 && is_element(&p, "t")) {
                in_is_t = !empty;
            }
        } else if (nt == XML_READER_TYPE_END_ELEMENT) {
            if (skip_depth >= 0) {
                if (depth == skip_depth)
                    skip_depth = -1;
                continue;
            }
            if (in_v && is_element(&p, "v")) {
                in_v = false;
            } else if (in_is_t && is_element(&p, "t")) {
                in_is_t = false;
            } else if (is_depth >= 0 && depth == is_depth) {
                is_depth = -1;
            } else if (in_cell && is_element(&p, "c")) {
                in_cell = false;
                finish_cell(s, type, has_v, has_f, col, start);
            } else if (in_row && is_element(&p, "row")) {
                in_row = false;
                end_row(s);
            } else if (in_data && !in_row && is_element(&p, "sheetData")) {
                in_data = false;
            }
        } else if (in_v || (in_is_t && skip_depth < 0)) {
            if (!add_text(x, &p, &s->text, start, s->row, col))
                break;
        }
        if (x->st != LSTMC_OK)
            break;
    }
    part_close(&p);
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

static void open_zip(struct xlsx *x)
{
    int code = 0;
    x->zip = zip_open(x->path, ZIP_RDONLY, &code);
    if (x->zip)
        return;
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    int sys = zip_error_code_system(&ze);
    if (code == ZIP_ER_NOENT)
        fail(x, LSTMC_ERR_IO, 0, 0, "cannot open: %s", strerror(ENOENT));
    else if (code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_SEEK)
        fail(x, LSTMC_ERR_IO, 0, 0, "cannot open: %s",
             sys ? strerror(sys) : zip_error_strerror(&ze));
    else if (code == ZIP_ER_MEMORY)
        nomem(x);
    else if (code == ZIP_ER_NOZIP)
        fail(x, LSTMC_ERR_FORMAT, 0, 0,
             "not an xlsx workbook: the file is not a zip archive");
    else
        fail(x, LSTMC_ERR_FORMAT, 0, 0,
             "not an xlsx workbook: broken zip archive (%s)",
             zip_error_strerror(&ze));
    zip_error_fini(&ze);
}

lstmc_status lstmc_table_read_xlsx(lstmc_table **out, const char *path,
                                   const char *sheet, lstmc_error *err)
{
    struct xlsx x = {.path = path ? path : "", .err = err};
    if (!out || !path || !*path) {
        if (out)
            *out = NULL;
        return fail(&x, LSTMC_ERR_ARG, 0, 0,
                    "invalid arguments to lstmc_table_read_xlsx");
    }
    *out = NULL;

    xmlInitParser();
    void *old_sctx = xmlStructuredErrorContext;
    xmlStructuredErrorFunc old_serr = xmlStructuredError;
    void *old_gctx = xmlGenericErrorContext;
    xmlGenericErrorFunc old_gerr = xmlGenericError;
    xmlSetStructuredErrorFunc(&x, on_xml_error);
    xmlSetGenericErrorFunc(&x, on_generic_error);

    struct strings names = {0}, sst = {0};
    struct sheet_reader s = {.x = &x, .sst = &sst};
    char workbook[PART_NAME_MAX] = "xl/workbook.xml";
    char sheet_part[PART_NAME_MAX], sst_part[PART_NAME_MAX], rels[PART_NAME_MAX];
    bool found = false;

    open_zip(&x);
    if (x.st != LSTMC_OK)
        goto done;
    find_rel(&x, "_rels/.rels", "", NULL, "/officeDocument", true, workbook,
             &found);
    if (x.st != LSTMC_OK)
        goto done;
    find_sheet(&x, workbook, sheet, &names, sheet_part);
    if (x.st != LSTMC_OK)
        goto done;
    if (!rels_name(rels, workbook)) {
        fail(&x, LSTMC_ERR_FORMAT, 0, 0,
             "not a valid xlsx workbook: part name too long");
        goto done;
    }
    find_rel(&x, rels, workbook, NULL, "/sharedStrings", false, sst_part,
             &found);
    if (x.st != LSTMC_OK)
        goto done;
    if (found)
        read_shared_strings(&x, sst_part, &sst);
    if (x.st != LSTMC_OK)
        goto done;

    s.sheet = strings_at(&names, 0);
    s.off = calloc((size_t)LSTMC_TABLE_MAX_COLS, sizeof *s.off);
    s.len = calloc((size_t)LSTMC_TABLE_MAX_COLS, sizeof *s.len);
    s.cells = calloc((size_t)LSTMC_TABLE_MAX_COLS, sizeof *s.cells);
    if (!s.off || !s.len || !s.cells) {
        nomem(&x);
        goto done;
    }
    read_sheet(&s, sheet_part);
    if (x.st != LSTMC_OK)
        goto done;
    if (!s.t) {
        fail(&x, LSTMC_ERR_FORMAT, 0, 0,
             "the sheet '%s' is empty; expected a header row with column "
             "names",
             s.sheet);
    } else if (lstmc_table_rows(s.t) == 0) {
        fail(&x, LSTMC_ERR_FORMAT, 0, 0,
             "no data rows: the sheet '%s' holds only the header", s.sheet);
    }
done:
    if (x.zip)
        zip_discard(x.zip);
    xmlSetStructuredErrorFunc(old_sctx, old_serr);
    xmlSetGenericErrorFunc(old_gctx, old_gerr);
    strings_free(&names);
    strings_free(&sst);
    strings_free(&s.text);
    free(s.off);
    free(s.len);
    free((void *)s.cells);
    if (x.st != LSTMC_OK) {
        lstmc_table_free(s.t);
        return x.st;
    }
    *out = s.t;
    return LSTMC_OK;
}
