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
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        p->failed = true;
        return;
    }
    while (n > 0 && line[n - 1] == ' ')
        line[--n] = '\0';
    if (line[0] == '}' && p->indent > 0)
        p->indent--;
    if (n > 0)
        for (int i = 0; i < p->indent; i++)
            fputs("    ", p->mem);
    fputs(line, p->mem);
    fputc('\n', p->mem);
    if (n > 0 && line[n - 1] == '{')
        p->indent++;
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

const char *c_real(char buf[40], double v, bool f32)
{
    snprintf(buf, 40, f32 ? "%.9g" : "%.17g", f32 ? (double)(float)v : v);
    if (!strpbrk(buf, ".eEni"))
        strcat(buf, ".0");
    if (f32)
        strcat(buf, "f");
    return buf;
}
