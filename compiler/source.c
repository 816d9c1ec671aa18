/*
 * source: loads a spec into memory and maps byte offsets to lines and
 * columns for diagnostics.
 */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

static void build_line_map(struct source *src)
{
    size_t cap = 64;
    src->lines = xmalloc(cap * sizeof *src->lines);
    src->nlines = 0;
    src->lines[src->nlines++] = 0;
    for (size_t i = 0; i < src->len; i++) {
        if (src->text[i] != '\n')
            continue;
        if (src->nlines == cap) {
            cap *= 2;
            src->lines = xrealloc(src->lines, cap * sizeof *src->lines);
        }
        src->lines[src->nlines++] = i + 1;
    }
}

struct source *source_from_memory(const char *name, const char *data, size_t len)
{
    struct source *src = xmalloc(sizeof *src);
    src->path = xstrndup(name, strlen(name));
    src->text = xmalloc(len + 1);
    if (len)
        memcpy(src->text, data, len);
    src->text[len] = '\0';
    src->len = len;
    build_line_map(src);
    return src;
}

struct source *source_open(const char *path, const char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = strerror(errno);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            /* Exactly the limit is allowed: refuse only when a byte follows. */
            char more;
            if (cap >= SOURCE_MAX_BYTES && fread(&more, 1, 1, f) == 0)
                break;
            if (cap >= SOURCE_MAX_BYTES) {
                free(buf);
                fclose(f);
                *err = "file is larger than the 4 MiB limit for specs";
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        *err = "read error";
        return NULL;
    }
    struct source *src = source_from_memory(path, buf, len);
    free(buf);
    return src;
}

void source_free(struct source *src)
{
    if (!src)
        return;
    free(src->path);
    free(src->text);
    free(src->lines);
    free(src);
}

const char *source_line(const struct source *src, int line, size_t *len)
{
    if (line < 1 || (size_t)line > src->nlines)
        return NULL;
    size_t begin = src->lines[line - 1];
    size_t end = begin;
    while (end < src->len && src->text[end] != '\n')
        end++;
    if (end > begin && src->text[end - 1] == '\r')
        end--;
    *len = end - begin;
    return src->text + begin;
}

void source_position(const struct source *src, size_t offset, int *line, int *col)
{
    if (offset > src->len)
        offset = src->len;
    size_t lo = 0, hi = src->nlines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (src->lines[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    int c = 1;
    for (size_t i = src->lines[lo]; i < offset; i++)
        if (((unsigned char)src->text[i] & 0xC0) != 0x80)
            c++;
    *line = (int)lo + 1;
    *col = c;
}

struct span source_span(const struct source *src, size_t begin, size_t end)
{
    struct span s;
    source_position(src, begin, &s.line, &s.col);
    source_position(src, end, &s.end_line, &s.end_col);
    return s;
}
