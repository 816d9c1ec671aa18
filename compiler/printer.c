/*
 * printer: indentation-aware line output for the C emitter (printer.h).
 */
#include "printer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool printer_open(struct printer *p)
{
    memset(p, 0, sizeof *p);
    p->mem = open_memstream(&p->buf, &p->len);
    return p->mem != NULL;
}

void pr(struct printer *p, const char *fmt, ...)
{
    char small[4096], *line = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= sizeof small) {
        /* A long line (a long escaped spec path): format it again in full. */
        line = malloc((size_t)n + 1);
        if (line) {
            va_start(ap, fmt);
            n = vsnprintf(line, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
    }
    if (n < 0 || !line) {
        p->failed = true;
        if (line != small)
            free(line);
        return;
    }
    while (n > 0 && line[n - 1] == ' ')
        line[--n] = '\0';
    if (line[0] == '}' && p->indent > 0)
        p->indent--;
    /* preprocessor lines start in column 0 wherever they are */
    if (n > 0 && line[0] != '#')
        for (int i = 0; i < p->indent; i++)
            fputs("    ", p->mem);
    fputs(line, p->mem);
    fputc('\n', p->mem);
    if (n > 0 && line[n - 1] == '{')
        p->indent++;
    if (line != small)
        free(line);
}

void pr_blank(struct printer *p)
{
    fputc('\n', p->mem);
}

void pr_raw(struct printer *p, const char *text, size_t len)
{
    fwrite(text, 1, len, p->mem);
}

bool printer_save(struct printer *p, const char *path)
{
    bool ok = fclose(p->mem) == 0 && !p->failed;
    p->mem = NULL;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = ok ? fopen(tmp, "wb") : NULL;
    if (f) {
        ok = fwrite(p->buf, 1, p->len, f) == p->len;
        ok = (fclose(f) == 0) && ok;
        ok = ok && rename(tmp, path) == 0;
        if (!ok)
            remove(tmp);
    } else {
        ok = false;
    }
    free(p->buf);
    p->buf = NULL;
    return ok;
}

void printer_discard(struct printer *p)
{
    if (p->mem)
        fclose(p->mem);
    free(p->buf);
    memset(p, 0, sizeof *p);
}

char *c_escape(const char *s, bool comment_safe)
{
    size_t len = strlen(s);
    char *out = malloc(4 * len + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            *o++ = '\\';
            *o++ = (char)*c;
        } else if (*c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (*c == '\t') {
            *o++ = '\\';
            *o++ = 't';
        } else if (*c < 0x20 || *c > 0x7e || *c == '?' || (comment_safe && *c == '*')) {
            /* three octal digits: the escape cannot swallow a following digit */
            o += sprintf(o, "\\%03o", *c);
        } else {
            *o++ = (char)*c;
        }
    }
    *o = '\0';
    return out;
}

const char *c_real(char buf[40], double v, bool f32)
{
    snprintf(buf, 40, f32 ? "%.9g" : "%.17g", f32 ? (double)(float)v : v);
    if (!strpbrk(buf, ".eEni"))
        strcat(buf, ".0");
    if (f32)
        strcat(buf, "f");
    return buf;
}
