/*
 * csv.c - the column store of lstmc_table and its CSV reader.
 *
 * The table keeps every cell as a NUL-terminated string in an arena of
 * large blocks (one allocation per block, not per cell) and one array of
 * cell pointers per column. The readers build it only through the public
 * lstmc_table_create() / lstmc_table_append(), which check names, UTF-8
 * and the limits, so xlsx.c shares every check and message.
 *
 * CSV goes through libcsv in strict mode. Input is fed to the parser in
 * pieces that end at a line break, so when a record starts, and when the
 * parser stops at a bad byte, the physical line is known. Plain files are
 * read with stdio, ".gz" files (or files with the gzip magic) with zlib.
 */
#include "lstmc.h"

#include <csv.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* ------------------------------------------------------------------ */
/* The table                                                           */
/* ------------------------------------------------------------------ */

#define ARENA_BLOCK (256u * 1024u)  /* bytes in an ordinary arena block */
#define QUOTE_MAX 40                /* bytes of a cell quoted in a message */

struct block {
    struct block *next;
    size_t used, cap;
    char data[];
};

struct lstmc_table {
    char *path;
    char *sheet;       /* NULL: not from a workbook */
    long header_line;
    size_t ncols, nrows, cap;
    char **names;      /* [ncols], in the arena */
    const char ***cells; /* [ncols][cap]: cells[c][r] */
    long *line;        /* [cap] err->row of each data row */
    long *record;      /* [cap] record number of each data row */
    struct block *arena;
};

static const char empty_cell[] = "";

/* A copy of s[0..len) with a NUL after it, in the table's arena. */
static char *arena_dup(lstmc_table *t, const char *s, size_t len)
{
    if (len == 0)
        return (char *)empty_cell;
    struct block *b = t->arena;
    if (!b || b->cap - b->used < len + 1) {
        size_t cap = len + 1 > ARENA_BLOCK / 4 ? len + 1 : ARENA_BLOCK;
        struct block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && cap != ARENA_BLOCK) {
            /* a big cell gets a block of its own behind the current one */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            t->arena = nb;
        }
        b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

void lstmc_table_free(lstmc_table *t)
{
    if (!t)
        return;
    if (t->cells)
        for (size_t c = 0; c < t->ncols; c++)
            free((void *)t->cells[c]);
    free(t->cells);
    free(t->names);
    free(t->line);
    free(t->record);
    for (struct block *b = t->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(t->path);
    free(t->sheet);
    free(t);
}

size_t lstmc_table_rows(const lstmc_table *t) { return t->nrows; }

size_t lstmc_table_cols(const lstmc_table *t) { return t->ncols; }

const char *lstmc_table_path(const lstmc_table *t) { return t->path; }

const char *lstmc_table_name(const lstmc_table *t, size_t col)
{
    return col < t->ncols ? t->names[col] : NULL;
}

long lstmc_table_column(const lstmc_table *t, const char *name)
{
    if (!name)
        return -1;
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->names[c], name) == 0)
            return (long)c;
    return -1;
}

const char *lstmc_table_cell(const lstmc_table *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->ncols)
        return NULL;
    return t->cells[col][row];
}

long lstmc_table_line(const lstmc_table *t, size_t row)
{
    return row < t->nrows ? t->line[row] : 0;
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static void set_msg(lstmc_error *err, const char *path, long row, long col,
                    const char *fmt, va_list ap)
{
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    err->row = row;
    err->col = col;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

static lstmc_status fail_at(lstmc_error *err, lstmc_status st, const char *path,
                            long row, long col, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static lstmc_status fail_at(lstmc_error *err, lstmc_status st, const char *path,
                            long row, long col, const char *fmt, ...)
{
    if (!err)
        return st;
    va_list ap;
    va_start(ap, fmt);
    set_msg(err, path, row, col, fmt, ap);
    va_end(ap);
    return st;
}

/* Writes the spreadsheet name of 0-based column col ("A", "AB") to out[4]. */
static void column_letters(char out[4], size_t col)
{
    char rev[4];
    int n = 0;
    size_t c = col + 1;
    while (c > 0 && n < 3) {
        rev[n++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    for (int i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = '\0';
}

/* Appends to err->msg the note locating a cell: " (record N)" for CSV when
 * the record number is not the line, " (sheet 'S', cell B7)" for xlsx. */
static void add_note(const lstmc_table *t, lstmc_error *err, long line,
                     long record, size_t col)
{
    size_t len = strlen(err->msg);
    char *p = err->msg + len;
    size_t room = sizeof err->msg - len;
    /* the note goes before a "; expected ..." tail, if there is one */
    char *semi = strstr(err->msg, "; expected");
    char tail[LSTMC_ERROR_MSG_SIZE] = "";
    if (semi) {
        snprintf(tail, sizeof tail, "%s", semi);
        *semi = '\0';
        p = semi;
        room = sizeof err->msg - (size_t)(semi - err->msg);
    }
    if (t->sheet) {
        char letters[4];
        column_letters(letters, col);
        snprintf(p, room, " (sheet '%s', cell %s%ld)%s", t->sheet, letters,
                 line, tail);
    } else if (record != line && record > 0) {
        snprintf(p, room, " (record %ld)%s", record, tail);
    } else {
        snprintf(p, room, "%s", tail);
    }
}

/* err for the cell at (line, record, col 0-based) of t, with its note. */
static lstmc_status vfail_cell(const lstmc_table *t, lstmc_error *err,
                               long line, long record, size_t col,
                               const char *fmt, va_list ap)
{
    if (!err)
        return LSTMC_ERR_FORMAT;
    set_msg(err, t->path, line, (long)col + 1, fmt, ap);
    add_note(t, err, line, record, col);
    return LSTMC_ERR_FORMAT;
}

static lstmc_status fail_cell(const lstmc_table *t, lstmc_error *err, long line,
                              long record, size_t col, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static lstmc_status fail_cell(const lstmc_table *t, lstmc_error *err, long line,
                              long record, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lstmc_status st = vfail_cell(t, err, line, record, col, fmt, ap);
    va_end(ap);
    return st;
}

lstmc_status lstmc_table_cell_error(const lstmc_table *t, size_t row,
                                    size_t col, lstmc_error *err,
                                    const char *fmt, ...)
{
    if (!err || !t)
        return LSTMC_ERR_FORMAT;
    va_list ap;
    va_start(ap, fmt);
    if (row < t->nrows && col < t->ncols) {
        vfail_cell(t, err, t->line[row], t->record[row], col, fmt, ap);
    } else {
        set_msg(err, t->path, 0, 0, fmt, ap);
    }
    va_end(ap);
    return LSTMC_ERR_FORMAT;
}

/* s quoted for a message: at most QUOTE_MAX bytes, cut at a character
 * boundary, then "...". out has room for QUOTE_MAX + 4. */
static const char *excerpt(char *out, const char *s)
{
    size_t n = strlen(s);
    if (n <= QUOTE_MAX) {
        memcpy(out, s, n + 1);
        return out;
    }
    n = QUOTE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, s, n);
    memcpy(out + n, "...", 4);
    return out;
}

/* ------------------------------------------------------------------ */
/* Building                                                            */
/* ------------------------------------------------------------------ */

/* Length of the valid UTF-8 prefix of s[0..len) that holds no NUL. */
static size_t utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x01 && c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t min, cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1, min = 0x80, cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, min = 0x800, cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, min = 0x10000, cp = c & 0x07u;
        } else {
            return i; /* NUL, a continuation byte, C0, C1, F5..FF */
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return i;
}

/* Checks one cell or name s[0..len) for the limits and encoding; the
 * message names what the text is ("column 'x'" or "the header"). */
static lstmc_status check_text(const lstmc_table *t, lstmc_error *err,
                               long line, long record, size_t col,
                               const char *s, size_t len, const char *what,
                               const char *name)
{
    if (len > (size_t)LSTMC_TABLE_MAX_FIELD)
        return fail_cell(t, err, line, record, col,
                         "field longer than %ld bytes in %s%s%s; the limit is "
                         "LSTMC_TABLE_MAX_FIELD",
                         LSTMC_TABLE_MAX_FIELD, what, name ? name : "",
                         name ? "'" : "");
    size_t ok = utf8_valid((const unsigned char *)s, len);
    if (ok == len)
        return LSTMC_OK;
    if (s[ok] == '\0')
        return fail_cell(t, err, line, record, col,
                         "NUL byte in %s%s%s; expected UTF-8 text", what,
                         name ? name : "", name ? "'" : "");
    return fail_cell(t, err, line, record, col,
                     "invalid UTF-8 (byte 0x%02x at offset %zu) in %s%s%s; "
                     "expected UTF-8 text",
                     (unsigned char)s[ok], ok, what, name ? name : "",
                     name ? "'" : "");
}

struct name_ref {
    const char *name;
    size_t col;
};

static int cmp_names(const void *a, const void *b)
{
    const struct name_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->col < y->col ? -1 : x->col > y->col;
}

/* lstmc_table_create with name lengths (lens NULL: strlen). */
static lstmc_status table_create(lstmc_table **out, const char *path,
                                 const char *sheet, long header_line,
                                 long header_record, const char *const *names,
                                 const size_t *lens, size_t ncols,
                                 lstmc_error *err)
{
    if (!out || !path || !names || ncols == 0) {
        if (out)
            *out = NULL;
        return fail_at(err, LSTMC_ERR_ARG, path, 0, 0,
                       "invalid arguments to lstmc_table_create");
    }
    *out = NULL;
    lstmc_status st = LSTMC_OK;
    struct name_ref *sorted = NULL;
    lstmc_table *t = calloc(1, sizeof *t);
    if (!t)
        return fail_at(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
    t->path = strdup(path);
    t->sheet = sheet ? strdup(sheet) : NULL;
    t->header_line = header_line;
    if (!t->path || (sheet && !t->sheet)) {
        st = fail_at(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    if (ncols > (size_t)LSTMC_TABLE_MAX_COLS) {
        st = fail_at(err, LSTMC_ERR_FORMAT, path, header_line, 0,
                     "more than %ld columns in the header; the limit is "
                     "LSTMC_TABLE_MAX_COLS",
                     LSTMC_TABLE_MAX_COLS);
        goto done;
    }
    t->names = calloc(ncols, sizeof *t->names);
    t->cells = calloc(ncols, sizeof *t->cells);
    sorted = malloc(ncols * sizeof *sorted);
    if (!t->names || !t->cells || !sorted) {
        st = fail_at(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    t->ncols = ncols;
    for (size_t c = 0; c < ncols; c++) {
        const char *s = names[c] ? names[c] : "";
        size_t len = lens ? lens[c] : strlen(s);
        st = check_text(t, err, header_line, header_record, c, s, len,
                        "the header", NULL);
        if (st != LSTMC_OK)
            goto done;
        if (len == 0) {
            st = fail_cell(t, err, header_line, header_record, c,
                           "empty column name in the header");
            goto done;
        }
        t->names[c] = arena_dup(t, s, len);
        if (!t->names[c]) {
            st = fail_at(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
            goto done;
        }
        sorted[c].name = t->names[c];
        sorted[c].col = c;
    }
    qsort(sorted, ncols, sizeof *sorted, cmp_names);
    size_t first = 0, second = ncols; /* the repeat that comes first */
    for (size_t i = 1; i < ncols; i++)
        if (strcmp(sorted[i - 1].name, sorted[i].name) == 0 &&
            (i < 2 || strcmp(sorted[i - 2].name, sorted[i].name) != 0) &&
            sorted[i].col < second) {
            first = sorted[i - 1].col;
            second = sorted[i].col;
        }
    if (second < ncols) {
        char q[QUOTE_MAX + 4];
        st = fail_cell(t, err, header_line, header_record, second,
                       "duplicate column name '%s' in columns %zu and %zu",
                       excerpt(q, t->names[second]), first + 1, second + 1);
        goto done;
    }
done:
    free(sorted);
    if (st != LSTMC_OK) {
        lstmc_table_free(t);
        return st;
    }
    *out = t;
    return LSTMC_OK;
}

lstmc_status lstmc_table_create(lstmc_table **out, const char *path,
                                const char *sheet, long header_line,
                                const char *const *names, size_t ncols,
                                lstmc_error *err)
{
    return table_create(out, path, sheet, header_line, header_line, names,
                        NULL, ncols, err);
}

/* Room for one more row. */
static bool grow(lstmc_table *t)
{
    if (t->nrows < t->cap)
        return true;
    size_t cap = t->cap ? 2 * t->cap : 64;
    if (cap > (size_t)LSTMC_TABLE_MAX_ROWS)
        cap = (size_t)LSTMC_TABLE_MAX_ROWS;
    long *line = realloc(t->line, cap * sizeof *line);
    if (!line)
        return false;
    t->line = line;
    long *record = realloc(t->record, cap * sizeof *record);
    if (!record)
        return false;
    t->record = record;
    for (size_t c = 0; c < t->ncols; c++) {
        const char **col = realloc((void *)t->cells[c], cap * sizeof *col);
        if (!col)
            return false;
        t->cells[c] = col;
    }
    t->cap = cap;
    return true;
}

lstmc_status lstmc_table_append(lstmc_table *t, const char *const *cells,
                                const size_t *lens, long line, long record,
                                lstmc_error *err)
{
    if (!t || !cells)
        return fail_at(err, LSTMC_ERR_ARG, t ? t->path : NULL, 0, 0,
                       "invalid arguments to lstmc_table_append");
    if (t->nrows >= (size_t)LSTMC_TABLE_MAX_ROWS)
        return fail_at(err, LSTMC_ERR_FORMAT, t->path, line, 0,
                       "more than %ld data rows; the limit is "
                       "LSTMC_TABLE_MAX_ROWS",
                       LSTMC_TABLE_MAX_ROWS);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = cells[c] ? cells[c] : "";
        size_t len = lens ? lens[c] : strlen(s);
        char q[QUOTE_MAX + 4];
        lstmc_status st = check_text(t, err, line, record, c, s, len,
                                     "column '", excerpt(q, t->names[c]));
        if (st != LSTMC_OK)
            return st;
    }
    if (!grow(t))
        return fail_at(err, LSTMC_ERR_NOMEM, t->path, line, 0, "out of memory");
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = cells[c] ? cells[c] : "";
        const char *copy = arena_dup(t, s, lens ? lens[c] : strlen(s));
        if (!copy)
            return fail_at(err, LSTMC_ERR_NOMEM, t->path, line, 0,
                           "out of memory");
        t->cells[c][t->nrows] = copy;
    }
    t->line[t->nrows] = line;
    t->record[t->nrows] = record;
    t->nrows++;
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */
/* ------------------------------------------------------------------ */

enum cell_kind { CELL_NUMBER, CELL_EMPTY, CELL_BAD, CELL_NAN, CELL_INF };

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* What the cell s holds; for CELL_NUMBER [*b, *e) is the number. */
static enum cell_kind classify(const char *s, const char **b, const char **e)
{
    while (is_space(*s))
        s++;
    if (*s == '\0')
        return CELL_EMPTY;
    const char *end = s + strlen(s);
    while (is_space(end[-1]))
        end--;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    size_t rest = (size_t)(end - p);
    if ((rest == 3 && strncasecmp(p, "inf", 3) == 0) ||
        (rest == 8 && strncasecmp(p, "infinity", 8) == 0))
        return CELL_INF;
    if (rest >= 3 && strncasecmp(p, "nan", 3) == 0) {
        if (rest == 3)
            return CELL_NAN;
        if (p[3] == '(' && end[-1] == ')') {
            for (const char *q = p + 4; q < end - 1; q++)
                if (!is_digit(*q) && !(*q >= 'a' && *q <= 'z') &&
                    !(*q >= 'A' && *q <= 'Z') && *q != '_')
                    return CELL_BAD;
            return CELL_NAN;
        }
        return CELL_BAD;
    }
    size_t digits = 0;
    while (p < end && is_digit(*p))
        p++, digits++;
    if (p < end && *p == '.') {
        p++;
        while (p < end && is_digit(*p))
            p++, digits++;
    }
    if (digits == 0)
        return CELL_BAD;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !is_digit(*p))
            return CELL_BAD;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p != end)
        return CELL_BAD;
    *b = s;
    *e = end;
    return CELL_NUMBER;
}

lstmc_status lstmc_table_numbers(const lstmc_table *t, size_t col,
                                 double *out, lstmc_error *err)
{
    if (!t || (!out && t->nrows > 0) || col >= t->ncols)
        return fail_at(err, LSTMC_ERR_ARG, t ? t->path : NULL, 0, 0,
                       "invalid arguments to lstmc_table_numbers");
    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return fail_at(err, LSTMC_ERR_NOMEM, t->path, 0, 0,
                       "cannot make the C locale: %s", strerror(errno));
    locale_t old = uselocale(c_locale);
    lstmc_status st = LSTMC_OK;
    const char *name = t->names[col];
    char q[QUOTE_MAX + 4], qn[QUOTE_MAX + 4];
    excerpt(qn, name);
    for (size_t r = 0; r < t->nrows && st == LSTMC_OK; r++) {
        const char *s = t->cells[col][r], *b = NULL, *e = NULL;
        long line = t->line[r], rec = t->record[r];
        switch (classify(s, &b, &e)) {
        case CELL_EMPTY:
            st = fail_cell(t, err, line, rec, col, "empty cell in column '%s'",
                           qn);
            break;
        case CELL_BAD:
            st = fail_cell(t, err, line, rec, col,
                           "bad number '%s' in column '%s'; expected a "
                           "decimal number",
                           excerpt(q, s), qn);
            break;
        case CELL_NAN:
            st = fail_cell(t, err, line, rec, col,
                           "not a number '%s' in column '%s'; expected a "
                           "finite decimal number",
                           excerpt(q, s), qn);
            break;
        case CELL_INF:
            st = fail_cell(t, err, line, rec, col,
                           "infinite number '%s' in column '%s'; expected a "
                           "finite decimal number",
                           excerpt(q, s), qn);
            break;
        case CELL_NUMBER: {
            char *end;
            errno = 0;
            double v = strtod(b, &end);
            if (end != e || !isfinite(v)) {
                /* strtod read the number the checks above accepted
                 * differently, or it is beyond +-DBL_MAX */
                st = fail_cell(t, err, line, rec, col,
                               "number '%s' out of range in column '%s'; "
                               "expected a finite decimal number",
                               excerpt(q, s), qn);
                break;
            }
            out[r] = v;
            break;
        }
        }
    }
    uselocale(old);
    freelocale(c_locale);
    return st;
}

/* ------------------------------------------------------------------ */
/* CSV                                                                 */
/* ------------------------------------------------------------------ */

#define READ_CHUNK 65536

/* The record being read, and where the reader is. */
struct csv_reader {
    const char *path;
    lstmc_error *err;
    lstmc_status st;     /* first failure; callbacks stop after it */
    lstmc_table *t;      /* NULL until the header is read */
    /* fields of the pending record, each followed by a NUL in buf */
    char *buf;
    size_t len, cap;
    size_t *off, *flen;
    size_t nf, fcap;
    bool too_many;       /* the record has more than MAX_COLS fields */
    /* position */
    long line;           /* physical line of the next byte, from 1 */
    bool prev_cr;        /* the last byte fed was '\r' */
    bool in_record;      /* a record has started and not yet ended */
    long rec_line;       /* line on which the pending record started */
    long records;        /* records finished, header included */
};

static lstmc_status csv_nomem(struct csv_reader *r)
{
    return fail_at(r->err, LSTMC_ERR_NOMEM, r->path, 0, 0, "out of memory");
}

static void on_field(void *data, size_t len, void *ctx)
{
    struct csv_reader *r = ctx;
    if (r->st != LSTMC_OK)
        return;
    if (r->nf >= (size_t)LSTMC_TABLE_MAX_COLS) {
        r->too_many = true;
        return;
    }
    if (len > (size_t)LSTMC_TABLE_MAX_FIELD) {
        len = (size_t)LSTMC_TABLE_MAX_FIELD + 1; /* check_text refuses it */
    }
    if (r->nf == r->fcap) {
        size_t fcap = r->fcap ? 2 * r->fcap : 16;
        size_t *off = realloc(r->off, fcap * sizeof *off);
        if (!off) {
            r->st = csv_nomem(r);
            return;
        }
        r->off = off;
        size_t *flen = realloc(r->flen, fcap * sizeof *flen);
        if (!flen) {
            r->st = csv_nomem(r);
            return;
        }
        r->flen = flen;
        r->fcap = fcap;
    }
    if (r->cap - r->len < len + 1) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap - r->len < len + 1)
            cap *= 2;
        char *buf = realloc(r->buf, cap);
        if (!buf) {
            r->st = csv_nomem(r);
            return;
        }
        r->buf = buf;
        r->cap = cap;
    }
    if (len > 0)
        memcpy(r->buf + r->len, data, len);
    r->off[r->nf] = r->len;
    r->flen[r->nf] = len;
    r->buf[r->len + len] = '\0';
    r->len += len + 1;
    r->nf++;
}

static void on_record(int term, void *ctx)
{
    (void)term;
    struct csv_reader *r = ctx;
    r->in_record = false;
    if (r->st != LSTMC_OK)
        return;
    r->records++;
    long line = r->rec_line, record = r->records;
    const char *cells[LSTMC_TABLE_MAX_COLS];
    for (size_t i = 0; i < r->nf; i++)
        cells[i] = r->buf + r->off[i];
    if (!r->t) {
        if (r->too_many) {
            r->st = fail_at(r->err, LSTMC_ERR_FORMAT, r->path, line, 0,
                            "more than %ld columns in the header; the limit "
                            "is LSTMC_TABLE_MAX_COLS",
                            LSTMC_TABLE_MAX_COLS);
        } else {
            r->st = table_create(&r->t, r->path, NULL, line, record, cells,
                                 r->flen, r->nf, r->err);
        }
    } else if (r->too_many || r->nf != r->t->ncols) {
        char found[64];
        if (r->too_many)
            snprintf(found, sizeof found, "more than %ld", LSTMC_TABLE_MAX_COLS);
        else
            snprintf(found, sizeof found, "%zu", r->nf);
        size_t col = r->nf > r->t->ncols ? r->t->ncols : 0;
        if (!r->err) {
            r->st = LSTMC_ERR_FORMAT;
        } else if (r->nf > r->t->ncols) {
            r->st = fail_at(r->err, LSTMC_ERR_FORMAT, r->path, line,
                            (long)col + 1,
                            "expected %zu fields as in the header, found %s",
                            r->t->ncols, found);
            add_note(r->t, r->err, line, record, col);
        } else {
            r->st = fail_at(r->err, LSTMC_ERR_FORMAT, r->path, line, 0,
                            "expected %zu fields as in the header, found %s",
                            r->t->ncols, found);
            add_note(r->t, r->err, line, record, col);
        }
    } else {
        r->st = lstmc_table_append(r->t, cells, r->flen, line, record, r->err);
    }
    r->nf = 0;
    r->len = 0;
    r->too_many = false;
}

/* Accepts no byte as space: RFC 4180 fields keep their spaces. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static int is_term(unsigned char c) { return c == '\r' || c == '\n'; }

/* Reports a libcsv parse error at byte `at` (a line is never split
 * inside csv_parse, so r->line is its line). */
static void parse_error(struct csv_reader *r, const char *piece, size_t at)
{
    long col = (long)r->nf + 1;
    if (piece[at] == '"')
        r->st = fail_at(r->err, LSTMC_ERR_FORMAT, r->path, r->line, col,
                        "stray quote in unquoted field %ld; expected a field "
                        "quoted as a whole, with each quote inside doubled",
                        col);
    else
        r->st = fail_at(r->err, LSTMC_ERR_FORMAT, r->path, r->line, col,
                        "unexpected character after the closing quote of "
                        "field %ld; expected ',' or the end of the line "
                        "(a quote inside a quoted field must be doubled)",
                        col);
}

/* Feeds buf[0..n) to the parser in pieces that end at line breaks. */
static void feed(struct csv_reader *r, struct csv_parser *p, const char *buf,
                 size_t n)
{
    size_t i = 0;
    while (i < n && r->st == LSTMC_OK) {
        size_t j = i;
        while (j < n && !is_term((unsigned char)buf[j]))
            j++;
        bool has_term = j < n;
        size_t end = has_term ? j + 1 : n;
        if (!r->in_record && j > i) {
            r->in_record = true;
            r->rec_line = r->line;
        } else if (!r->in_record && has_term &&
                   !(buf[j] == '\n' && r->prev_cr)) {
            r->records++; /* a blank line counts as a record, so that
                             records and lines differ only by quoted line
                             breaks */
        }
        size_t done = csv_parse(p, buf + i, end - i, on_field, on_record, r);
        if (r->st != LSTMC_OK)
            return;
        if (done != end - i) {
            if (csv_error(p) == CSV_EPARSE)
                parse_error(r, buf + i, done);
            else
                r->st = csv_nomem(r);
            return;
        }
        if (p->entry_pos > (size_t)LSTMC_TABLE_MAX_FIELD) {
            /* a field still growing past the limit: stop before it eats
             * all memory (entry_pos, public in csv.h, is the length of the
             * field being read) */
            long col = (long)r->nf + 1;
            if (r->t && r->nf < r->t->ncols) {
                char q[QUOTE_MAX + 4];
                r->st = fail_cell(r->t, r->err, r->rec_line, r->records + 1,
                                  r->nf,
                                  "field longer than %ld bytes in column '%s'; "
                                  "the limit is LSTMC_TABLE_MAX_FIELD",
                                  LSTMC_TABLE_MAX_FIELD,
                                  excerpt(q, r->t->names[r->nf]));
            } else {
                r->st = fail_at(r->err, LSTMC_ERR_FORMAT, r->path, r->rec_line,
                                col,
                                "field longer than %ld bytes in %s; the limit "
                                "is LSTMC_TABLE_MAX_FIELD",
                                LSTMC_TABLE_MAX_FIELD,
                                r->t ? "a record" : "the header");
            }
            return;
        }
        if (has_term) {
            if (buf[j] == '\r' || !r->prev_cr)
                r->line++;
            r->prev_cr = buf[j] == '\r';
        } else if (end > i) {
            r->prev_cr = false;
        }
        i = end;
    }
}

/* The input: stdio for plain files, zlib for gzip. */
struct source {
    FILE *f;
    gzFile gz;
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Reads up to n bytes; -1 on error (err filled). */
static long source_read(struct source *src, char *buf, size_t n,
                        const char *path, lstmc_error *err, lstmc_status *st)
{
    if (src->f) {
        size_t got = fread(buf, 1, n, src->f);
        if (got < n && ferror(src->f)) {
            *st = fail_at(err, LSTMC_ERR_IO, path, 0, 0, "cannot read: %s",
                          strerror(errno));
            return -1;
        }
        return (long)got;
    }
    int got = gzread(src->gz, buf, (unsigned)n);
    int code = Z_OK;
    const char *why = gzerror(src->gz, &code);
    size_t plen = strlen(path);
    if (strncmp(why, path, plen) == 0 && strncmp(why + plen, ": ", 2) == 0)
        why += plen + 2; /* zlib puts the path first */
    if (got < 0 || (code != Z_OK && code != Z_STREAM_END)) {
        if (code == Z_ERRNO)
            *st = fail_at(err, LSTMC_ERR_IO, path, 0, 0, "cannot read: %s",
                          strerror(errno));
        else if (code == Z_BUF_ERROR)
            *st = fail_at(err, LSTMC_ERR_FORMAT, path, 0, 0,
                          "truncated gzip data (%s)", why);
        else if (code == Z_MEM_ERROR)
            *st = fail_at(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
        else
            *st = fail_at(err, LSTMC_ERR_FORMAT, path, 0, 0,
                          "corrupt gzip data (%s)", why);
        return -1;
    }
    return got;
}

lstmc_status lstmc_table_read_csv(lstmc_table **out, const char *path,
                                  lstmc_error *err)
{
    if (!out || !path || !*path) {
        if (out)
            *out = NULL;
        return fail_at(err, LSTMC_ERR_ARG, path, 0, 0,
                       "invalid arguments to lstmc_table_read_csv");
    }
    *out = NULL;
    struct csv_reader r = {.path = path, .err = err, .line = 1};
    struct csv_parser p;
    bool parser_ready = false;
    struct source src = {NULL, NULL};
    char *buf = NULL;
    lstmc_status st = LSTMC_OK;

    src.f = fopen(path, "rb");
    if (!src.f) {
        st = fail_at(err, LSTMC_ERR_IO, path, 0, 0, "cannot open: %s",
                     strerror(errno));
        goto done;
    }
    unsigned char magic[2] = {0, 0};
    size_t nmagic = fread(magic, 1, 2, src.f);
    if (ferror(src.f)) {
        st = fail_at(err, LSTMC_ERR_IO, path, 0, 0, "cannot read: %s",
                     strerror(errno));
        goto done;
    }
    bool gz_magic = nmagic == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (ends_with(path, ".gz") && !gz_magic) {
        st = fail_at(err, LSTMC_ERR_FORMAT, path, 0, 0,
                     "not gzip data: the name ends in .gz but the file does "
                     "not start with the gzip magic bytes 1f 8b");
        goto done;
    }
    if (gz_magic) {
        fclose(src.f);
        src.f = NULL;
        src.gz = gzopen(path, "rb");
        if (!src.gz) {
            st = fail_at(err, errno ? LSTMC_ERR_IO : LSTMC_ERR_NOMEM, path, 0,
                         0, "cannot open: %s",
                         errno ? strerror(errno) : "out of memory");
            goto done;
        }
    } else {
        rewind(src.f);
    }

    buf = malloc(READ_CHUNK);
    if (!buf || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        st = fail_at(err, LSTMC_ERR_NOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    parser_ready = true;
    csv_set_blk_size(&p, READ_CHUNK); /* libcsv grows a field's buffer by
                                         this much: 128 bytes by default */
    csv_set_space_func(&p, no_space);
    csv_set_term_func(&p, is_term);

    bool first = true;
    for (;;) {
        long got = source_read(&src, buf, READ_CHUNK, path, err, &st);
        if (got < 0)
            goto done;
        if (got == 0)
            break;
        size_t skip = 0;
        if (first && got >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            skip = 3; /* UTF-8 byte order mark */
        first = false;
        feed(&r, &p, buf + skip, (size_t)got - skip);
        if (r.st != LSTMC_OK) {
            st = r.st;
            goto done;
        }
    }
    if (csv_fini(&p, on_field, on_record, &r) != 0 && r.st == LSTMC_OK) {
        if (csv_error(&p) == CSV_EPARSE)
            r.st = fail_at(err, LSTMC_ERR_FORMAT, path, r.rec_line,
                           (long)r.nf + 1,
                           "unterminated quoted field %zu: the closing quote "
                           "is missing before the end of the file",
                           r.nf + 1);
        else
            r.st = csv_nomem(&r);
    }
    if (r.st != LSTMC_OK) {
        st = r.st;
        goto done;
    }
    if (!r.t) {
        st = fail_at(err, LSTMC_ERR_FORMAT, path, 0, 0,
                     "empty file; expected a header row with column names");
        goto done;
    }
    if (r.t->nrows == 0) {
        st = fail_at(err, LSTMC_ERR_FORMAT, path, 0, 0,
                     "no data rows: the file holds only the header");
        goto done;
    }
done:
    if (parser_ready)
        csv_free(&p);
    if (src.f)
        fclose(src.f);
    if (src.gz)
        gzclose(src.gz);
    free(buf);
    free(r.buf);
    free(r.off);
    free(r.flen);
    if (st != LSTMC_OK) {
        lstmc_table_free(r.t);
        return st;
    }
    *out = r.t;
    return LSTMC_OK;
}

/* ------------------------------------------------------------------ */
/* Choosing the reader                                                 */
/* ------------------------------------------------------------------ */

lstmc_status lstmc_table_read(lstmc_table **out, const char *path,
                              const char *sheet, lstmc_error *err)
{
    if (!out || !path || !*path) {
        if (out)
            *out = NULL;
        return fail_at(err, LSTMC_ERR_ARG, path, 0, 0,
                       "invalid arguments to lstmc_table_read");
    }
    *out = NULL;
    if (ends_with(path, ".xlsx") || ends_with(path, ".xlsm"))
        return lstmc_table_read_xlsx(out, path, sheet, err);
    if (ends_with(path, ".xls"))
        return fail_at(err, LSTMC_ERR_FORMAT, path, 0, 0,
                       "the old binary Excel format (.xls) is not supported; "
                       "expected .xlsx or CSV (save the workbook as either)");
    if (sheet)
        return fail_at(err, LSTMC_ERR_ARG, path, 0, 0,
                       "a sheet name ('%s') applies only to .xlsx workbooks",
                       sheet);
    return lstmc_table_read_csv(out, path, err);
}
