/*
 * dsl: what the DSL scanner (lexer.l), grammar (parser.y) and driver
 * (dsl_front.c) share. Internal to the DSL front end; the rest of the
 * compiler sees only dsl_parse() in front.h.
 */
#ifndef LSTMC_DSL_H
#define LSTMC_DSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "source.h"

/*
 * The location of a token or a rule (bison's YYLTYPE). The scanner computes
 * line:col once per token while it walks the input front to back, so a
 * rule's span is just the first span's start joined to the last one's end;
 * converting byte offsets afterwards (source_span) would rescan the line
 * for every node, which is quadratic on a long one-line spec.
 */
struct dsl_loc {
    size_t begin, end;      /* byte offsets into the source, end exclusive */
    struct span span;
};

/* The text of a NAME or NUMBER token; points into the source, not owned. */
struct dsl_text {
    const char *s;
    size_t len;
};

/*
 * One statement of a block or argument of a call: key = value. value is
 * NULL when the statement was dropped (a syntax error); layer is set for a
 * layer statement in a model section, whose value is the layer's map.
 */
struct dsl_stmt {
    struct dsl_text key;
    struct span key_span;
    struct node *value;
    bool layer;
};

/* The statements of a block so far, and its "layers" list once it has one. */
struct dsl_stmts {
    struct node *map;
    struct node *layers;    /* owned by map */
};

/* `model forecast`: a section's name and optional label. */
struct dsl_head {
    struct dsl_text name;
    struct span name_span;
    bool has_label;
    struct dsl_text label;
    struct span label_span;
};

/* A '{', '[' or '(' the parser has shifted and not yet closed. */
struct dsl_open {
    char ch;
    struct span span;
};

/* State of one dsl_parse() call, shared by the scanner and the parser. */
struct dsl_ctx {
    const struct source *src;
    struct diag *d;
    struct node *root;          /* set when the whole input has been parsed */

    /* Scanner: where the next byte to read is. */
    size_t offset;
    int line, col;

    /* The last two tokens returned, for "after 'x'" in syntax errors. */
    struct dsl_loc last, prev;
    bool have_last, have_prev;

    /*
     * Brackets open on the parser's stack, innermost last. Counted in
     * grammar actions (and in destructors when error recovery pops them),
     * so the count is exact even while the parser is recovering.
     */
    int depth;
    struct dsl_open open[AST_MAX_DEPTH];

    bool in_model;              /* the current top-level section is "model" */
};

/*
 * Length of the UTF-8 sequence at s (at most n bytes) and its code point,
 * or 0 when it is not valid UTF-8 (overlong, surrogate, truncated, ...).
 */
size_t dsl_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Writes text into buf for a message, cut to a few dozen characters with
 * "..." and with control bytes and invalid UTF-8 shown as '?', so a message
 * never carries raw bytes from a binary file to the terminal.
 */
void dsl_excerpt(char *buf, size_t size, const char *text, size_t len);

/*
 * Describes the character at s for "invalid %s": "character '@'",
 * "character 'é' (U+00E9)" or "byte 0x00". Returns the bytes it covers.
 */
size_t dsl_describe_char(char *buf, size_t size, const unsigned char *s, size_t n);

#endif
