/*
 * fmt: canonical YAML and DSL printers for the document tree.
 *
 * Layout rules: YAML uses block style for sections and flow style for any
 * value that fits on one line of FMT_WIDTH columns; the DSL writes one
 * statement per line, layers as statements, tagged maps ({type: adam, ...})
 * as calls, and breaks a call's arguments over lines when it is too long.
 */
#include "fmt.h"

#include <stdlib.h>
#include <string.h>

#define FMT_WIDTH 80

static bool is_name(const char *s)
{
    if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return false;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* A word both front ends read back as this same string when unquoted. */
static bool bare_name(const char *s)
{
    return is_name(s) && ast_plain_kind(s, strlen(s)) == NODE_STRING;
}

/* YAML plain scalars: a conservative set that needs no quoting anywhere. */
static bool yaml_plain(const char *s)
{
    if (!*s || *s == '-' || ast_plain_kind(s, strlen(s)) != NODE_STRING)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '/' || *p == '-'))
            return false;
    return true;
}

static void put_number(FILE *out, const struct node *n)
{
    char buf[64];
    if (n->kind == NODE_INT) {
        fprintf(out, "%lld", (long long)n->u.i);
    } else {
        format_double(buf, sizeof buf, n->u.f);
        fputs(buf, out);
    }
}

/* Scalars print the same in both syntaxes but for which strings go bare. */
static void put_scalar(FILE *out, const struct node *n, bool (*bare)(const char *))
{
    switch (n->kind) {
    case NODE_NULL:
        fputs("null", out);
        break;
    case NODE_BOOL:
        fputs(n->u.b ? "true" : "false", out);
        break;
    case NODE_INT:
    case NODE_FLOAT:
        put_number(out, n);
        break;
    case NODE_STRING:
        if (bare(n->u.str.s))
            fputs(n->u.str.s, out);
        else
            ast_write_quoted(out, n->u.str.s);
        break;
    default:
        break;
    }
}

static bool is_scalar(const struct node *n)
{
    return n->kind != NODE_LIST && n->kind != NODE_MAP;
}

/* Renders with fn into a fresh string; the caller frees it. */
static char *render(void (*fn)(FILE *, const struct node *), const struct node *n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    fn(f, n);
    fclose(f);
    return buf;
}

/* ---- YAML -------------------------------------------------------------- */

static void yaml_flow(FILE *out, const struct node *n)
{
    switch (n->kind) {
    case NODE_NULL:
    case NODE_BOOL:
    case NODE_INT:
    case NODE_FLOAT:
    case NODE_STRING:
        put_scalar(out, n, yaml_plain);
        break;
    case NODE_LIST:
        fputc('[', out);
        for (size_t i = 0; i < n->u.list.n; i++) {
            if (i)
                fputs(", ", out);
            yaml_flow(out, n->u.list.items[i]);
        }
        fputc(']', out);
        break;
    case NODE_MAP:
        fputc('{', out);
        for (size_t i = 0; i < n->u.map.n; i++) {
            if (i)
                fputs(", ", out);
            fprintf(out, "%s: ", n->u.map.entries[i].key);
            yaml_flow(out, n->u.map.entries[i].value);
        }
        fputc('}', out);
        break;
    }
}

static void yaml_block_map(FILE *out, const struct node *map, int indent, bool first_inline);

/* Writes " value" after "key:" (or after "-"), choosing flow or block. */
static void yaml_value(FILE *out, const struct node *v, int indent, size_t used)
{
    char *flow = render(yaml_flow, v);
    bool fits = is_scalar(v) || (v->kind == NODE_LIST && v->u.list.n == 0) ||
                (v->kind == NODE_MAP && v->u.map.n == 0) ||
                used + 1 + strlen(flow) <= FMT_WIDTH;
    if (fits) {
        fprintf(out, " %s\n", flow);
    } else if (v->kind == NODE_MAP) {
        fputc('\n', out);
        yaml_block_map(out, v, indent + 2, false);
    } else {
        fputc('\n', out);
        for (size_t i = 0; i < v->u.list.n; i++) {
            const struct node *item = v->u.list.items[i];
            char *iflow = render(yaml_flow, item);
            if (item->kind == NODE_MAP && item->u.map.n > 0 &&
                (size_t)indent + 4 + strlen(iflow) > FMT_WIDTH) {
                fprintf(out, "%*s- ", indent + 2, "");
                yaml_block_map(out, item, indent + 4, true);
            } else {
                fprintf(out, "%*s-", indent + 2, "");
                yaml_value(out, item, indent + 2, (size_t)indent + 3);
            }
            free(iflow);
        }
    }
    free(flow);
}

static void yaml_block_map(FILE *out, const struct node *map, int indent, bool first_inline)
{
    for (size_t i = 0; i < map->u.map.n; i++) {
        const struct entry *e = &map->u.map.entries[i];
        if (!(first_inline && i == 0))
            fprintf(out, "%*s", indent, "");
        fprintf(out, "%s:", e->key);
        yaml_value(out, e->value, indent, (size_t)indent + strlen(e->key) + 1);
    }
}

void fmt_yaml(FILE *out, const struct node *root)
{
    for (size_t i = 0; i < root->u.map.n; i++) {
        const struct entry *e = &root->u.map.entries[i];
        if (i)
            fputc('\n', out);
        fprintf(out, "%s:", e->key);
        if (e->value->kind == NODE_MAP && e->value->u.map.n > 0) {
            fputc('\n', out);
            yaml_block_map(out, e->value, 2, false);
        } else {
            yaml_value(out, e->value, 0, strlen(e->key) + 1);
        }
    }
}

/* ---- DSL --------------------------------------------------------------- */

/* A map written as a call: its first entry is type: NAME. */
static bool is_call(const struct node *n)
{
    return n->kind == NODE_MAP && n->u.map.n > 0 &&
           strcmp(n->u.map.entries[0].key, "type") == 0 &&
           n->u.map.entries[0].value->kind == NODE_STRING &&
           bare_name(n->u.map.entries[0].value->u.str.s);
}

static void dsl_inline(FILE *out, const struct node *n);

static void dsl_args(FILE *out, const struct node *call, size_t from)
{
    for (size_t i = from; i < call->u.map.n; i++) {
        if (i > from)
            fputs(", ", out);
        fprintf(out, "%s = ", call->u.map.entries[i].key);
        dsl_inline(out, call->u.map.entries[i].value);
    }
}

static void dsl_inline(FILE *out, const struct node *n)
{
    switch (n->kind) {
    case NODE_NULL:
    case NODE_BOOL:
    case NODE_INT:
    case NODE_FLOAT:
    case NODE_STRING:
        put_scalar(out, n, bare_name);
        break;
    case NODE_LIST:
        fputc('[', out);
        for (size_t i = 0; i < n->u.list.n; i++) {
            if (i)
                fputs(", ", out);
            dsl_inline(out, n->u.list.items[i]);
        }
        fputc(']', out);
        break;
    case NODE_MAP:
        if (is_call(n)) {
            fprintf(out, "%s(", n->u.map.entries[0].value->u.str.s);
            dsl_args(out, n, 1);
            fputc(')', out);
        } else if (n->u.map.n == 0) {
            fputs("{}", out);
        } else {
            fputs("{ ", out);
            dsl_args(out, n, 0);
            fputs(" }", out);
        }
        break;
    }
}

/* A call statement or value, broken over lines when it does not fit. */
static void dsl_call(FILE *out, const char *lead, const struct node *call, int indent)
{
    char *flat = render(dsl_inline, call);
    if ((size_t)indent + strlen(lead) + strlen(flat) <= FMT_WIDTH || call->u.map.n < 2) {
        fprintf(out, "%*s%s%s\n", indent, "", lead, flat);
    } else {
        fprintf(out, "%*s%s%s(\n", indent, "", lead, call->u.map.entries[0].value->u.str.s);
        for (size_t i = 1; i < call->u.map.n; i++) {
            fprintf(out, "%*s%s = ", indent + 4, "", call->u.map.entries[i].key);
            dsl_inline(out, call->u.map.entries[i].value);
            fputs(",\n", out);
        }
        fprintf(out, "%*s)\n", indent, "");
    }
    free(flat);
}

static void dsl_block(FILE *out, const struct node *map, size_t from, int indent, bool model);

static bool all_calls(const struct node *list)
{
    if (list->kind != NODE_LIST || list->u.list.n == 0)
        return false;
    for (size_t i = 0; i < list->u.list.n; i++)
        if (!is_call(list->u.list.items[i]))
            return false;
    return true;
}

static void dsl_block(FILE *out, const struct node *map, size_t from, int indent, bool model)
{
    for (size_t i = from; i < map->u.map.n; i++) {
        const struct entry *e = &map->u.map.entries[i];
        const struct node *v = e->value;
        if (model && strcmp(e->key, "layers") == 0 && all_calls(v)) {
            for (size_t j = 0; j < v->u.list.n; j++)
                dsl_call(out, "", v->u.list.items[j], indent);
        } else if (is_call(v)) {
            char lead[AST_MAX_STRING + 4];
            snprintf(lead, sizeof lead, "%s = ", e->key);
            dsl_call(out, lead, v, indent);
        } else if (v->kind == NODE_MAP && v->u.map.n > 0) {
            fprintf(out, "%*s%s {\n", indent, "", e->key);
            dsl_block(out, v, 0, indent + 4, false);
            fprintf(out, "%*s}\n", indent, "");
        } else {
            fprintf(out, "%*s%s = ", indent, "", e->key);
            dsl_inline(out, v);
            fputc('\n', out);
        }
    }
}

void fmt_dsl(FILE *out, const struct node *root)
{
    for (size_t i = 0; i < root->u.map.n; i++) {
        const struct entry *e = &root->u.map.entries[i];
        const struct node *v = e->value;
        size_t from = 0;
        if (i)
            fputc('\n', out);
        fputs(e->key, out);
        if (v->kind == NODE_MAP && v->u.map.n > 0 &&
            strcmp(v->u.map.entries[0].key, "name") == 0 &&
            v->u.map.entries[0].value->kind == NODE_STRING &&
            bare_name(v->u.map.entries[0].value->u.str.s)) {
            fprintf(out, " %s", v->u.map.entries[0].value->u.str.s);
            from = 1;
        }
        fputs(" {\n", out);
        if (v->kind == NODE_MAP)
            dsl_block(out, v, from, 4, strcmp(e->key, "model") == 0);
        fputs("}\n", out);
    }
}
