/*
 * dsl_front: the DSL front end. It runs the scanner (lexer.l) and the
 * grammar (parser.y) over a source and hands back the document tree of
 * ast.h, the same tree the YAML front end builds for the same spec. It also
 * holds the character helpers both of them use for messages.
 *
 * Partial-tree policy, as in yaml_front.c: when the parse is abandoned
 * (input ends inside an unclosed bracket, nesting too deep, the error limit
 * reached mid-statement) dsl_parse returns NULL after reporting, since a
 * truncated tree would only make check.c add noise about missing keys.
 * When the parser recovers from errors it returns the tree, without the
 * statements it dropped.
 */
#include "front.h"

#include <limits.h>
#include <string.h>

#include "dsl.h"
#include "parser.h"
#include "lexer.h"

size_t dsl_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len;
    uint32_t c, min;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, c = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, c = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Characters worth drawing in a message: not controls, spaces or invisible formatting. */
static bool visible(uint32_t cp)
{
    if (cp < 0x80)
        return cp > 0x20 && cp < 0x7f;
    return cp > 0xA0 && cp != 0xAD && !(cp >= 0x2000 && cp <= 0x200F) &&
           !(cp >= 0x2028 && cp <= 0x202F) && !(cp >= 0x205F && cp <= 0x206F) &&
           cp != 0x3000 && cp != 0xFEFF && !(cp >= 0xFFF0 && cp <= 0xFFFF);
}

void dsl_excerpt(char *buf, size_t size, const char *text, size_t len)
{
    /* Room for the longest character and "..." after the cut. */
    const size_t keep = size > 8 ? size - 8 : 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t out = 0;

    for (size_t i = 0; i < len;) {
        if (out >= keep) {
            memcpy(buf + out, "...", 3);
            out += 3;
            break;
        }
        uint32_t cp;
        size_t k = dsl_utf8_decode(s + i, len - i, &cp);
        if (k == 0 || (cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp < 0xA0)) {
            buf[out++] = '?';
            i += k ? k : 1;
            continue;
        }
        memcpy(buf + out, s + i, k);
        out += k;
        i += k;
    }
    if (size > 0)
        buf[out < size ? out : size - 1] = '\0';
}

size_t dsl_describe_char(char *buf, size_t size, const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t k = dsl_utf8_decode(s, n, &cp);

    if (k == 0 || cp < 0x20 || cp == 0x7f) {
        snprintf(buf, size, "byte 0x%02x", n ? s[0] : 0);
        return n ? 1 : 0;
    }
    if (cp < 0x80)
        snprintf(buf, size, "character '%c'", (char)cp);
    else if (visible(cp))
        snprintf(buf, size, "character '%.*s' (U+%04X)", (int)k, (const char *)s, (unsigned)cp);
    else
        snprintf(buf, size, "character U+%04X", (unsigned)cp);
    return k;
}

struct node *dsl_parse(const struct source *src, struct diag *d)
{
    struct dsl_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.src = src;
    ctx.d = d;
    ctx.line = 1;
    ctx.col = 1;

    /* flex takes an int length; source_open caps files far below it. */
    if (src->len > INT_MAX / 2) {
        diag_error(d, src, (struct span){0, 0, 0, 0}, "file is too large for a spec");
        return NULL;
    }
    yyscan_t scanner;
    if (yylex_init_extra(&ctx, &scanner) != 0) {
        diag_error(d, src, (struct span){0, 0, 0, 0}, "out of memory");
        return NULL;
    }
    /* Copies the text: flex writes sentinels into its buffer. */
    yy_scan_bytes(src->text, (int)src->len, scanner);
    int status = yyparse(scanner, &ctx);
    yylex_destroy(scanner);

    if (status != 0) {
        node_free(ctx.root);
        return NULL;
    }
    return ctx.root;
}
