/*
 * ast: the document tree both front ends build.
 *
 * A spec is a tree of maps, lists and typed scalars, each node with the
 * span it came from. The YAML and DSL front ends produce the same tree for
 * the same spec; all knowledge of what keys mean lives in check.c, so the
 * two syntaxes cannot drift apart. Map entries keep their source order and
 * duplicates (check reports them, with a note at the first).
 *
 * Scalars are typed by their lexical form, identically in both syntaxes:
 * true/false -> bool, null/~ -> null, decimal integers -> int, decimal
 * reals -> float, anything else -> string. A quoted scalar is always a
 * string.
 */
#ifndef LSTMC_AST_H
#define LSTMC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "source.h"

/* Deepest nesting of maps and lists a front end accepts. */
#define AST_MAX_DEPTH 64
/* Longest key or string scalar accepted, in bytes. */
#define AST_MAX_STRING 4096

enum node_kind {
    NODE_NULL,
    NODE_BOOL,
    NODE_INT,
    NODE_FLOAT,
    NODE_STRING,
    NODE_LIST,
    NODE_MAP,
};

struct node;

struct entry {
    char *key;
    struct span key_span;
    struct node *value;
};

struct node {
    enum node_kind kind;
    struct span span;
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            char *s;      /* NUL-terminated; may not contain NUL */
        } str;
        struct {
            struct node **items;
            size_t n, cap;
        } list;
        struct {
            struct entry *entries;
            size_t n, cap;
        } map;
    } u;
};

/* Constructors; all abort on out-of-memory (a compiler has no better move). */
struct node *node_new(enum node_kind kind, struct span span);
struct node *node_new_string(const char *s, size_t len, struct span span);
void node_list_append(struct node *list, struct node *item);
void node_map_append(struct node *map, const char *key, size_t key_len,
                     struct span key_span, struct node *value);
void node_free(struct node *n);

/*
 * Types an unquoted scalar by the rules above. A number that does not fit
 * an int64 (or overflows a double) is reported to d and becomes a null
 * node, so the caller always gets a node.
 */
struct node *node_from_plain(const char *text, size_t len, struct span span,
                             const struct source *src, struct diag *d);

/* The kind node_from_plain gives text, without building a node. */
enum node_kind ast_plain_kind(const char *text, size_t len);

/* The first entry with key, or NULL. */
const struct entry *node_map_find(const struct node *map, const char *key);

/* "integer", "string", "list", ... for messages. */
const char *node_kind_name(enum node_kind kind);

/*
 * Writes s double-quoted with the escapes both syntaxes read back
 * (\" \\ \n \t \r, \uXXXX for other control characters).
 */
void ast_write_quoted(FILE *out, const char *s);

/* Stable text form (no spans) for --dump-ast and the front-end tests. */
void node_dump(FILE *out, const struct node *n);

/* Shortest text that reads back as the same double ("0.001", "1e-07"). */
void format_double(char *buf, size_t size, double v);

/* Allocation that aborts on out-of-memory; used by every pass. */
void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrndup(const char *s, size_t len);

#endif
