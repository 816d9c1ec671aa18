/*
 * fuzz_dsl: libFuzzer target for the DSL front end (lexer.l, parser.y,
 * dsl_front.c). Any input must parse or be refused without a crash, leak,
 * hang or undefined behaviour, and the tree must keep the promises the
 * later passes rely on: a map at the root, no nesting past AST_MAX_DEPTH,
 * spans inside the source, and an error for every refused input.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icompiler -I<build>/compiler \
 *       tests/fuzz/fuzz_dsl.c <build>/compiler/lexer.c <build>/compiler/parser.c \
 *       compiler/dsl_front.c compiler/ast.c compiler/diag.c compiler/source.c -lm
 *   ./a.out -dict=... CORPUS_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "front.h"

static void check_span(const struct source *src, struct span s)
{
    if (s.line < 1 || s.col < 1 || (size_t)s.end_line > src->nlines)
        abort();
    if (s.end_line < s.line || (s.end_line == s.line && s.end_col < s.col))
        abort();
}

/* Recursion is safe here only because the front end bounds the depth. */
static void check_tree(const struct source *src, const struct node *n, int depth)
{
    if (depth > AST_MAX_DEPTH)
        abort();
    check_span(src, n->span);
    if (n->kind == NODE_LIST) {
        for (size_t i = 0; i < n->u.list.n; i++)
            check_tree(src, n->u.list.items[i], depth + 1);
    } else if (n->kind == NODE_MAP) {
        for (size_t i = 0; i < n->u.map.n; i++) {
            check_span(src, n->u.map.entries[i].key_span);
            check_tree(src, n->u.map.entries[i].value, depth + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Diagnostics are formatted in full, then thrown away. */
    static FILE *sink;
    if (!sink) {
        sink = fopen("/dev/null", "w");
        if (!sink)
            abort();
    }
    struct source *src = source_from_memory("fuzz.lstm", (const char *)data, size);
    struct diag d;
    diag_init(&d, sink);

    struct node *root = dsl_parse(src, &d);
    if (root) {
        if (root->kind != NODE_MAP)
            abort();
        check_tree(src, root, 1);
    } else if (d.errors == 0) {
        abort();
    }
    node_free(root);
    source_free(src);
    return 0;
}
