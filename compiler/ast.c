/*
 * ast: construction, scalar typing and the stable text dump of the
 * document tree shared by the YAML and DSL front ends.
 */
#include "ast.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        fputs("lstmc: fatal error: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        fputs("lstmc: fatal error: out of memory\n", stderr);
        abort();
    }
    return p;
}

char *xstrndup(const char *s, size_t len)
{
    char *d = xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

struct node *node_new(enum node_kind kind, struct span span)
{
    struct node *n = xmalloc(sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->span = span;
    return n;
}

struct node *node_new_string(const char *s, size_t len, struct span span)
{
    struct node *n = node_new(NODE_STRING, span);
    n->u.str.s = xstrndup(s, len);
    return n;
}

void node_list_append(struct node *list, struct node *item)
{
    if (list->u.list.n == list->u.list.cap) {
        list->u.list.cap = list->u.list.cap ? 2 * list->u.list.cap : 4;
        list->u.list.items = xrealloc(list->u.list.items,
                                      list->u.list.cap * sizeof *list->u.list.items);
    }
    list->u.list.items[list->u.list.n++] = item;
}

void node_map_append(struct node *map, const char *key, size_t key_len,
                     struct span key_span, struct node *value)
{
    if (map->u.map.n == map->u.map.cap) {
        map->u.map.cap = map->u.map.cap ? 2 * map->u.map.cap : 4;
        map->u.map.entries = xrealloc(map->u.map.entries,
                                      map->u.map.cap * sizeof *map->u.map.entries);
    }
    struct entry *e = &map->u.map.entries[map->u.map.n++];
    e->key = xstrndup(key, key_len);
    e->key_span = key_span;
    e->value = value;
}

void node_free(struct node *n)
{
    if (!n)
        return;
    switch (n->kind) {
    case NODE_STRING:
        free(n->u.str.s);
        break;
    case NODE_LIST:
        for (size_t i = 0; i < n->u.list.n; i++)
            node_free(n->u.list.items[i]);
        free(n->u.list.items);
        break;
    case NODE_MAP:
        for (size_t i = 0; i < n->u.map.n; i++) {
            free(n->u.map.entries[i].key);
            node_free(n->u.map.entries[i].value);
        }
        free(n->u.map.entries);
        break;
    default:
        break;
    }
    free(n);
}

static bool text_is(const char *t, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(t, word, len) == 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* [-+]?[0-9]+ */
static bool looks_int(const char *t, size_t len)
{
    size_t i = (len && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
    if (i == len)
        return false;
    for (; i < len; i++)
        if (!is_digit(t[i]))
            return false;
    return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? (YAML 1.2 core) */
static bool looks_float(const char *t, size_t len)
{
    size_t i = (len && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
    size_t digits = 0;
    while (i < len && is_digit(t[i]))
        i++, digits++;
    if (i < len && t[i] == '.') {
        i++;
        while (i < len && is_digit(t[i]))
            i++, digits++;
    }
    if (digits == 0)
        return false;
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < len && (t[i] == '-' || t[i] == '+'))
            i++;
        size_t exp = 0;
        while (i < len && is_digit(t[i]))
            i++, exp++;
        if (exp == 0)
            return false;
    }
    return i == len;
}

enum node_kind ast_plain_kind(const char *text, size_t len)
{
    if (len == 0 || text_is(text, len, "~") || text_is(text, len, "null") ||
        text_is(text, len, "Null") || text_is(text, len, "NULL"))
        return NODE_NULL;
    if (text_is(text, len, "true") || text_is(text, len, "True") ||
        text_is(text, len, "TRUE") || text_is(text, len, "false") ||
        text_is(text, len, "False") || text_is(text, len, "FALSE"))
        return NODE_BOOL;
    if (looks_int(text, len))
        return NODE_INT;
    if (looks_float(text, len))
        return NODE_FLOAT;
    return NODE_STRING;
}

struct node *node_from_plain(const char *text, size_t len, struct span span,
                             const struct source *src, struct diag *d)
{
    enum node_kind kind = ast_plain_kind(text, len);
    struct node *n;
    char buf[80];
    switch (kind) {
    case NODE_NULL:
        return node_new(NODE_NULL, span);
    case NODE_BOOL:
        n = node_new(NODE_BOOL, span);
        n->u.b = text[0] == 't' || text[0] == 'T';
        return n;
    case NODE_INT:
    case NODE_FLOAT:
        break;
    default:
        return node_new_string(text, len, span);
    }
    if (len >= sizeof buf) {
        diag_error(d, src, span, "number is too long (%zu characters)", len);
        return node_new(NODE_NULL, span);
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    errno = 0;
    if (kind == NODE_INT) {
        long long v = strtoll(buf, NULL, 10);
        if (errno == ERANGE) {
            diag_error(d, src, span, "integer %s is out of range", buf);
            return node_new(NODE_NULL, span);
        }
        n = node_new(NODE_INT, span);
        n->u.i = v;
        return n;
    }
    double v = strtod(buf, NULL);
    if (errno == ERANGE && fabs(v) > 1.0) {
        diag_error(d, src, span, "number %s is out of range", buf);
        return node_new(NODE_NULL, span);
    }
    n = node_new(NODE_FLOAT, span);
    n->u.f = v;
    return n;
}

const struct entry *node_map_find(const struct node *map, const char *key)
{
    if (!map || map->kind != NODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->u.map.n; i++)
        if (strcmp(map->u.map.entries[i].key, key) == 0)
            return &map->u.map.entries[i];
    return NULL;
}

const char *node_kind_name(enum node_kind kind)
{
    switch (kind) {
    case NODE_NULL:
        return "null";
    case NODE_BOOL:
        return "boolean";
    case NODE_INT:
        return "integer";
    case NODE_FLOAT:
        return "number";
    case NODE_STRING:
        return "string";
    case NODE_LIST:
        return "list";
    case NODE_MAP:
        return "mapping";
    }
    return "value";
}

void format_double(char *buf, size_t size, double v)
{
    if (isnan(v)) {
        snprintf(buf, size, ".nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-.inf" : ".inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* Keep it a float when read back: "1" would type as an integer. */
    if (!strpbrk(buf, ".en"))
        strncat(buf, ".0", size - strlen(buf) - 1);
}

void ast_write_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void dump(FILE *out, const struct node *n, int depth)
{
    char num[64];
    switch (n->kind) {
    case NODE_NULL:
        fputs("null\n", out);
        break;
    case NODE_BOOL:
        fprintf(out, "bool %s\n", n->u.b ? "true" : "false");
        break;
    case NODE_INT:
        fprintf(out, "int %lld\n", (long long)n->u.i);
        break;
    case NODE_FLOAT:
        format_double(num, sizeof num, n->u.f);
        fprintf(out, "float %s\n", num);
        break;
    case NODE_STRING:
        fputs("string ", out);
        ast_write_quoted(out, n->u.str.s);
        fputc('\n', out);
        break;
    case NODE_LIST:
        fprintf(out, "list (%zu)\n", n->u.list.n);
        for (size_t i = 0; i < n->u.list.n; i++) {
            fprintf(out, "%*s[%zu] ", 2 * (depth + 1), "", i);
            dump(out, n->u.list.items[i], depth + 1);
        }
        break;
    case NODE_MAP:
        fprintf(out, "map (%zu)\n", n->u.map.n);
        for (size_t i = 0; i < n->u.map.n; i++) {
            fprintf(out, "%*s", 2 * (depth + 1), "");
            ast_write_quoted(out, n->u.map.entries[i].key);
            fputs(": ", out);
            dump(out, n->u.map.entries[i].value, depth + 1);
        }
        break;
    }
}

void node_dump(FILE *out, const struct node *n)
{
    if (!n) {
        fputs("null\n", out);
        return;
    }
    dump(out, n, 0);
}
