/*
 * diag: prints diagnostics the way gcc does, with the source line and a
 * caret (and tildes under the rest of a one-line span).
 */
#include "diag.h"

#include <stdarg.h>
#include <string.h>

void diag_init(struct diag *d, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->out = out;
}

static const char *level_name(enum diag_level level)
{
    switch (level) {
    case DIAG_ERROR:
        return "error";
    case DIAG_WARNING:
        return "warning";
    case DIAG_NOTE:
        return "note";
    }
    return "error";
}

/* Copies the prefix of line up to column col as spaces, keeping tabs. */
static void print_indent(FILE *out, const char *line, size_t len, int col)
{
    int c = 1;
    for (size_t i = 0; i < len && c < col; i++) {
        unsigned char ch = (unsigned char)line[i];
        if ((ch & 0xC0) == 0x80)
            continue;
        fputc(ch == '\t' ? '\t' : ' ', out);
        c++;
    }
    for (; c < col; c++)
        fputc(' ', out);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (p[0] >= 0xF5 || len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/*
 * Prints a source line for a terminal: control bytes and invalid UTF-8
 * become '?', so binary input cannot garble the screen. Stray continuation
 * bytes print as nothing, matching how columns are counted.
 */
static void print_clean(FILE *out, const char *line, size_t len)
{
    const unsigned char *p = (const unsigned char *)line;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x80) {
            fputc(p[i] < 0x20 && p[i] != '\t' ? '?' : p[i] == 0x7f ? '?' : p[i], out);
            i++;
        } else if ((p[i] & 0xC0) == 0x80) {
            i++;
        } else {
            size_t n = utf8_len(p + i, len - i);
            if (n)
                fwrite(p + i, 1, n, out);
            else
                fputc('?', out);
            i += n ? n : 1;
        }
    }
}

static void print_excerpt(FILE *out, const struct source *src, struct span span)
{
    size_t len;
    const char *line = source_line(src, span.line, &len);
    if (!line)
        return;
    fprintf(out, "%5d | ", span.line);
    print_clean(out, line, len);
    fputs("\n      | ", out);
    print_indent(out, line, len, span.col);
    fputc('^', out);
    if (span.end_line == span.line)
        for (int c = span.col + 1; c < span.end_col; c++)
            fputc('~', out);
    fputc('\n', out);
}

static void vreport(struct diag *d, enum diag_level level, const struct source *src,
                    struct span span, const char *fmt, va_list ap)
{
    if (level == DIAG_NOTE) {
        if (d->suppressed)
            return;
    } else {
        d->suppressed = d->stopped;
        if (d->stopped)
            return;
    }
    if (level == DIAG_ERROR && d->errors == DIAG_MAX_ERRORS) {
        fprintf(d->out, "%s: fatal error: too many errors emitted, stopping now\n",
                src ? src->path : "lstmc");
        d->stopped = true;
        d->suppressed = true;
        return;
    }
    if (level == DIAG_ERROR)
        d->errors++;
    else if (level == DIAG_WARNING)
        d->warnings++;

    if (src && span.line > 0)
        fprintf(d->out, "%s:%d:%d: ", src->path, span.line, span.col);
    else if (src)
        fprintf(d->out, "%s: ", src->path);
    else
        fputs("lstmc: ", d->out);
    fprintf(d->out, "%s: ", level_name(level));
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    if (src && span.line > 0)
        print_excerpt(d->out, src, span);
}

void diag_report(struct diag *d, enum diag_level level, const struct source *src,
                 struct span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(d, level, src, span, fmt, ap);
    va_end(ap);
}

void diag_error(struct diag *d, const struct source *src, struct span span,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(d, DIAG_ERROR, src, span, fmt, ap);
    va_end(ap);
}

void diag_warning(struct diag *d, const struct source *src, struct span span,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(d, DIAG_WARNING, src, span, fmt, ap);
    va_end(ap);
}

void diag_note(struct diag *d, const struct source *src, struct span span,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(d, DIAG_NOTE, src, span, fmt, ap);
    va_end(ap);
}
