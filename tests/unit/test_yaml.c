/*
 * test_yaml: the YAML front end. Each case parses a spec from memory and
 * compares the node_dump() text and the diagnostics byte for byte, so a
 * change in tree shape, typing, spans or message wording shows up here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "front.h"
#include "source.h"

/* What one yaml_parse() run produced. */
struct run {
    struct source *src;
    struct node *root;
    int errors;
    char *diags;    /* everything diag printed */
    char *dump;     /* node_dump() of root */
};

static struct run parse_len(const char *text, size_t len)
{
    struct run r;
    size_t size;
    FILE *out = open_memstream(&r.diags, &size);
    assert_non_null(out);
    struct diag d;
    diag_init(&d, out);
    r.src = source_from_memory("spec.yaml", text, len);
    r.root = yaml_parse(r.src, &d);
    r.errors = d.errors;
    assert_int_equal(fclose(out), 0);

    out = open_memstream(&r.dump, &size);
    assert_non_null(out);
    node_dump(out, r.root);
    assert_int_equal(fclose(out), 0);
    return r;
}

static struct run parse(const char *text)
{
    return parse_len(text, strlen(text));
}

static void run_free(struct run *r)
{
    node_free(r->root);
    source_free(r->src);
    free(r->diags);
    free(r->dump);
}

static void assert_span(struct span s, int line, int col, int end_line, int end_col)
{
    assert_int_equal(s.line, line);
    assert_int_equal(s.col, col);
    assert_int_equal(s.end_line, end_line);
    assert_int_equal(s.end_col, end_col);
}

/* The first line of text, the "file:line:col: level: message" one, is expected. */
static void assert_first_line(const char *text, const char *expected)
{
    size_t n = strlen(expected);
    assert_true(n > 0 && expected[n - 1] == '\n');
    if (strncmp(text, expected, n) != 0)
        fail_msg("expected first line \"%.*s\", got \"%s\"", (int)(n - 1), expected, text);
}

/* A clean parse: no diagnostics, and the dump is exactly expected. */
static void assert_tree(const char *yaml, const char *expected)
{
    struct run r = parse(yaml);
    assert_string_equal(r.diags, "");
    assert_int_equal(r.errors, 0);
    assert_non_null(r.root);
    assert_string_equal(r.dump, expected);
    run_free(&r);
}

/* ---- trees --------------------------------------------------------------- */

static void test_forecast_example(void **state)
{
    (void)state;
    assert_tree("model:\n"
                "  name: forecast\n"
                "  input: {type: sequence, timesteps: 10, features: 1}\n"
                "  layers:\n"
                "    - {type: lstm, units: 50, return_sequences: true}\n"
                "    - type: dense\n"
                "      units: 1\n"
                "training:\n"
                "  loss: mse\n"
                "  optimizer: {type: adam, learning_rate: 0.001}\n",
                "map (2)\n"
                "  \"model\": map (3)\n"
                "    \"name\": string \"forecast\"\n"
                "    \"input\": map (3)\n"
                "      \"type\": string \"sequence\"\n"
                "      \"timesteps\": int 10\n"
                "      \"features\": int 1\n"
                "    \"layers\": list (2)\n"
                "      [0] map (3)\n"
                "        \"type\": string \"lstm\"\n"
                "        \"units\": int 50\n"
                "        \"return_sequences\": bool true\n"
                "      [1] map (2)\n"
                "        \"type\": string \"dense\"\n"
                "        \"units\": int 1\n"
                "  \"training\": map (2)\n"
                "    \"loss\": string \"mse\"\n"
                "    \"optimizer\": map (2)\n"
                "      \"type\": string \"adam\"\n"
                "      \"learning_rate\": float 0.001\n");
}

static void test_scalar_typing(void **state)
{
    (void)state;
    assert_tree("a: 42\n"
                "b: -7\n"
                "c: 1.5e3\n"
                "d: .5\n"
                "e: true\n"
                "f: False\n"
                "g: ~\n"
                "h: null\n"
                "i:\n"
                "j: yes\n"
                "k: 0x10\n"
                "l: hello world\n",
                "map (12)\n"
                "  \"a\": int 42\n"
                "  \"b\": int -7\n"
                "  \"c\": float 1.5e+03\n"
                "  \"d\": float 0.5\n"
                "  \"e\": bool true\n"
                "  \"f\": bool false\n"
                "  \"g\": null\n"
                "  \"h\": null\n"
                "  \"i\": null\n"
                "  \"j\": string \"yes\"\n"
                "  \"k\": string \"0x10\"\n"
                "  \"l\": string \"hello world\"\n");
}

/* Any non-plain style is a string, whatever it looks like. */
static void test_quoted_and_block_scalars_are_strings(void **state)
{
    (void)state;
    assert_tree("a: '10'\n"
                "b: \"true\"\n"
                "c: ''\n"
                "d: \"tab\\there\"\n"
                "e: |\n"
                "  line 1\n"
                "  line 2\n"
                "f: >\n"
                "  folded\n"
                "  text\n"
                "\"g h\": 1\n",
                "map (7)\n"
                "  \"a\": string \"10\"\n"
                "  \"b\": string \"true\"\n"
                "  \"c\": string \"\"\n"
                "  \"d\": string \"tab\\there\"\n"
                "  \"e\": string \"line 1\\nline 2\\n\"\n"
                "  \"f\": string \"folded text\\n\"\n"
                "  \"g h\": int 1\n");
}

static void test_duplicates_kept_in_order(void **state)
{
    (void)state;
    assert_tree("b: 1\na: 2\nb: 3\n",
                "map (3)\n"
                "  \"b\": int 1\n"
                "  \"a\": int 2\n"
                "  \"b\": int 3\n");
}

static void test_lists(void **state)
{
    (void)state;
    assert_tree("a: [1, x, [], {}]\n"
                "b:\n"
                "  - - 1\n"
                "    - 2\n"
                "  -\n",
                "map (2)\n"
                "  \"a\": list (4)\n"
                "    [0] int 1\n"
                "    [1] string \"x\"\n"
                "    [2] list (0)\n"
                "    [3] map (0)\n"
                "  \"b\": list (2)\n"
                "    [0] list (2)\n"
                "      [0] int 1\n"
                "      [1] int 2\n"
                "    [1] null\n");
}

/* The root is whatever the document holds; check.c wants a map. */
static void test_root_of_any_kind(void **state)
{
    (void)state;
    assert_tree("- 1\n- 2\n", "list (2)\n  [0] int 1\n  [1] int 2\n");
    assert_tree("just text\n", "string \"just text\"\n");
    assert_tree("--- 12\n...\n", "int 12\n");
}

/* An anchor alone changes nothing. */
static void test_anchor_ignored(void **state)
{
    (void)state;
    assert_tree("a: &x 1\nb: &y {c: 2}\n",
                "map (2)\n"
                "  \"a\": int 1\n"
                "  \"b\": map (1)\n"
                "    \"c\": int 2\n");
}

static void test_empty_documents(void **state)
{
    (void)state;
    const char *inputs[] = {"", "# only a comment\n\n", "---\n", "--- # x\n...\n", "\n\n\n"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        struct run r = parse(inputs[i]);
        assert_string_equal(r.diags, "");
        assert_int_equal(r.errors, 0);
        assert_non_null(r.root);
        assert_int_equal(r.root->kind, NODE_MAP);
        assert_int_equal(r.root->u.map.n, 0);
        assert_span(r.root->span, 1, 1, 1, 1);
        run_free(&r);
    }
}

/* ---- spans --------------------------------------------------------------- */

static void test_spans_block(void **state)
{
    (void)state;
    struct run r = parse("model:\n"
                         "  name: forecast\n"
                         "  units: [50, 'x']\n"
                         "seq:\n"
                         "  - a\n");
    assert_string_equal(r.diags, "");
    const struct node *root = r.root;
    assert_span(root->span, 1, 1, 6, 1);

    const struct entry *model = node_map_find(root, "model");
    assert_non_null(model);
    assert_span(model->key_span, 1, 1, 1, 6);
    /* A block map starts at its first key and ends where the next token starts. */
    assert_span(model->value->span, 2, 3, 4, 1);

    const struct entry *name = node_map_find(model->value, "name");
    assert_non_null(name);
    assert_span(name->key_span, 2, 3, 2, 7);
    assert_span(name->value->span, 2, 9, 2, 17);

    const struct entry *units = node_map_find(model->value, "units");
    assert_non_null(units);
    assert_span(units->value->span, 3, 10, 3, 19);
    assert_span(units->value->u.list.items[0]->span, 3, 11, 3, 13);
    assert_span(units->value->u.list.items[1]->span, 3, 15, 3, 18);

    const struct entry *seq = node_map_find(root, "seq");
    assert_non_null(seq);
    assert_span(seq->value->span, 5, 3, 6, 1);
    assert_span(seq->value->u.list.items[0]->span, 5, 5, 5, 6);
    run_free(&r);
}

static void test_spans_flow_map(void **state)
{
    (void)state;
    struct run r = parse("in: {type: seq, n: 10}\n");
    const struct entry *in = node_map_find(r.root, "in");
    assert_non_null(in);
    assert_span(in->value->span, 1, 5, 1, 23);
    const struct entry *n = node_map_find(in->value, "n");
    assert_non_null(n);
    assert_span(n->key_span, 1, 17, 1, 18);
    assert_span(n->value->span, 1, 20, 1, 22);
    run_free(&r);
}

/* Columns count characters, as in source.c. */
static void test_spans_utf8(void **state)
{
    (void)state;
    struct run r = parse("é: ünï\nb: 1\n");
    assert_string_equal(r.diags, "");
    const struct entry *e = &r.root->u.map.entries[0];
    assert_string_equal(e->key, "é");
    assert_span(e->key_span, 1, 1, 1, 2);
    assert_span(e->value->span, 1, 4, 1, 7);
    assert_span(r.root->u.map.entries[1].value->span, 2, 4, 2, 5);
    run_free(&r);
}

/*
 * libyaml breaks lines at a bare CR but source.c does not; spans follow
 * source.c so the caret sits on the line diag prints. A UTF-8 BOM is a
 * character of line 1, as in source.c.
 */
static void test_spans_follow_source_lines(void **state)
{
    (void)state;
    struct run r = parse("a: 1\rb: 2\n");
    assert_string_equal(r.diags, "");
    const struct entry *b = node_map_find(r.root, "b");
    assert_non_null(b);
    assert_span(b->key_span, 1, 6, 1, 7);
    run_free(&r);

    r = parse("\xef\xbb\xbf" "a: 1\n");
    assert_string_equal(r.diags, "");
    assert_string_equal(r.dump, "map (1)\n  \"a\": int 1\n");
    assert_span(r.root->u.map.entries[0].key_span, 1, 2, 1, 3);
    run_free(&r);

    r = parse("a: 1\r\nb: 2\r\n");
    assert_span(node_map_find(r.root, "b")->key_span, 2, 1, 2, 2);
    run_free(&r);
}

/* ---- errors -------------------------------------------------------------- */

/* libyaml cannot recover: the error, its context as a note, and NULL. */
static void test_syntax_error(void **state)
{
    (void)state;
    struct run r = parse("model:\n  name: a: b\n");
    assert_null(r.root);
    assert_int_equal(r.errors, 1);
    assert_string_equal(r.diags,
                        "spec.yaml:2:10: error: mapping values are not allowed in this context\n"
                        "    2 |   name: a: b\n"
                        "      |          ^\n");
    run_free(&r);

    r = parse("layers: [1, 2\nname: x\n");
    assert_null(r.root);
    assert_int_equal(r.errors, 1);
    assert_string_equal(r.diags,
                        "spec.yaml:2:5: error: did not find expected ',' or ']'\n"
                        "    2 | name: x\n"
                        "      |     ^\n"
                        "spec.yaml:1:9: note: while parsing a flow sequence\n"
                        "    1 | layers: [1, 2\n"
                        "      |         ^\n");
    run_free(&r);
}

static void test_tab_indentation_hint(void **state)
{
    (void)state;
    struct run r = parse("a:\n\t- 1\n");
    assert_null(r.root);
    assert_string_equal(r.diags,
                        "spec.yaml:2:1: error: found character that cannot start any token\n"
                        "    2 | \t- 1\n"
                        "      | ^\n"
                        "spec.yaml:2:1: note: while scanning for the next token\n"
                        "    2 | \t- 1\n"
                        "      | ^\n"
                        "spec.yaml:2:1: note: YAML indentation must use spaces, not tabs\n"
                        "    2 | \t- 1\n"
                        "      | ^\n");
    run_free(&r);
}

static void test_reader_errors(void **state)
{
    (void)state;
    struct run r = parse("a: 1\nb: x\x01y\n");
    assert_null(r.root);
    assert_string_equal(r.diags,
                        "spec.yaml:2:5: error: control characters are not allowed (0x01)\n"
                        "    2 | b: x?y\n"
                        "      |     ^\n");
    run_free(&r);

    /* How diag shows invalid UTF-8 in the excerpt is diag's business. */
    r = parse("a: \xc3(\n");
    assert_null(r.root);
    assert_first_line(r.diags, "spec.yaml:1:5: error: invalid trailing UTF-8 octet (0x28)\n");
    run_free(&r);

    /* A NUL byte in the file, and a truncated sequence at the very end. */
    r = parse_len("a: 1\0", 5);
    assert_null(r.root);
    assert_string_equal(r.diags,
                        "spec.yaml:1:5: error: control characters are not allowed (0x00)\n"
                        "    1 | a: 1?\n"
                        "      |     ^\n");
    run_free(&r);

    r = parse("a: \xe2\x82");
    assert_null(r.root);
    assert_first_line(r.diags, "spec.yaml:1:4: error: incomplete UTF-8 octet sequence\n");
    assert_int_equal(r.errors, 1);
    run_free(&r);
}

static void test_alias(void **state)
{
    (void)state;
    struct run r = parse("a: &u 50\nb: *u\n*u : *u\nc: 2\n");
    assert_int_equal(r.errors, 2);
    assert_string_equal(r.diags,
                        "spec.yaml:2:4: error: YAML aliases are not supported in specs\n"
                        "    2 | b: *u\n"
                        "      |    ^~\n"
                        "spec.yaml:3:1: error: YAML aliases are not supported in specs\n"
                        "    3 | *u : *u\n"
                        "      | ^~\n");
    /* The value becomes null; an aliased key drops its entry, value unseen. */
    assert_string_equal(r.dump,
                        "map (3)\n"
                        "  \"a\": int 50\n"
                        "  \"b\": null\n"
                        "  \"c\": int 2\n");
    run_free(&r);
}

static void test_tags(void **state)
{
    (void)state;
    struct run r = parse("a: !!str 5\nb: !opt {x: 1}\n");
    assert_int_equal(r.errors, 2);
    assert_string_equal(r.diags,
                        "spec.yaml:1:4: error: YAML tags are not supported in specs\n"
                        "    1 | a: !!str 5\n"
                        "      |    ^~~~~~~\n"
                        "spec.yaml:2:4: error: YAML tags are not supported in specs\n"
                        "    2 | b: !opt {x: 1}\n"
                        "      |    ^~~~~~\n");
    /* The tree is still built, so check.c can report more in the same run. */
    assert_string_equal(r.dump,
                        "map (2)\n"
                        "  \"a\": int 5\n"
                        "  \"b\": map (1)\n"
                        "    \"x\": int 1\n");
    run_free(&r);
}

static void test_two_documents(void **state)
{
    (void)state;
    struct run r = parse("a: 1\n---\nb: 2\n---\nc: [\n");
    assert_int_equal(r.errors, 1);
    assert_string_equal(r.diags,
                        "spec.yaml:2:1: error: a spec holds one YAML document; found a second one\n"
                        "    2 | ---\n"
                        "      | ^~~\n");
    assert_non_null(r.root);
    assert_string_equal(r.dump, "map (1)\n  \"a\": int 1\n");
    run_free(&r);
}

static void test_complex_keys(void **state)
{
    (void)state;
    struct run r = parse("x: {[a, b]: 1, c: 2}\n? {k: [v]}\n: {e: *z}\nd: 4\n");
    assert_int_equal(r.errors, 2);
    assert_string_equal(r.diags,
                        "spec.yaml:1:5: error: mapping keys must be plain names; found a list\n"
                        "    1 | x: {[a, b]: 1, c: 2}\n"
                        "      |     ^~~~~~\n"
                        "spec.yaml:2:3: error: mapping keys must be plain names; found a mapping\n"
                        "    2 | ? {k: [v]}\n"
                        "      |   ^~~~~~~~\n");
    /* The entry is dropped, value and all (the alias is never looked at). */
    assert_string_equal(r.dump,
                        "map (2)\n"
                        "  \"x\": map (1)\n"
                        "    \"c\": int 2\n"
                        "  \"d\": int 4\n");
    run_free(&r);
}

/* Builds n nested flow lists around a 1: "[[[1]]]" for n = 3. */
static char *nested_lists(int n)
{
    char *s = malloc((size_t)2 * n + 2);
    assert_non_null(s);
    memset(s, '[', (size_t)n);
    s[n] = '1';
    memset(s + n + 1, ']', (size_t)n);
    s[2 * n + 1] = '\0';
    return s;
}

static void test_nesting_limit(void **state)
{
    (void)state;
    /* Exactly AST_MAX_DEPTH levels: the root list counts as one. */
    char *ok = nested_lists(AST_MAX_DEPTH);
    struct run r = parse(ok);
    assert_string_equal(r.diags, "");
    assert_non_null(r.root);
    const struct node *n = r.root;
    int depth = 0;
    while (n->kind == NODE_LIST) {
        depth++;
        n = n->u.list.items[0];
    }
    assert_int_equal(depth, AST_MAX_DEPTH);
    assert_int_equal(n->kind, NODE_INT);
    run_free(&r);
    free(ok);

    /* One more: a single error at the list that crosses, and no tree. */
    char *deep = nested_lists(AST_MAX_DEPTH + 1);
    r = parse(deep);
    assert_null(r.root);
    assert_int_equal(r.errors, 1);
    char expected[512];
    snprintf(expected, sizeof expected,
             "spec.yaml:1:%d: error: nesting is deeper than 64 levels\n"
             "    1 | %s\n"
             "      | %*s^\n",
             AST_MAX_DEPTH + 1, deep, AST_MAX_DEPTH, "");
    assert_string_equal(r.diags, expected);
    run_free(&r);
    free(deep);

    /* Block maps count the same; a deep key counts too. */
    char buf[4096] = "";
    size_t len = 0;
    for (int i = 0; i < AST_MAX_DEPTH + 1; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%*sk:\n", i, "");
    r = parse(buf);
    assert_null(r.root);
    assert_int_equal(r.errors, 1);
    assert_non_null(strstr(r.diags, "spec.yaml:65:65: error: nesting is deeper than 64 levels\n"));
    run_free(&r);
}

/*
 * "? <n key bytes>\n: 1\nv: '<n value bytes>'\nw: 2\n". YAML caps implicit
 * keys at 1024 characters, so only an explicit key ("? ") can be this long.
 */
static char *long_spec(size_t n)
{
    char *s = malloc(2 * n + 24);
    assert_non_null(s);
    memcpy(s, "? ", 2);
    memset(s + 2, 'k', n);
    memcpy(s + 2 + n, "\n: 1\nv: '", 9);
    memset(s + n + 11, 'v', n);
    memcpy(s + 2 * n + 11, "'\nw: 2\n", 8);
    return s;
}

static void test_overlong_text(void **state)
{
    (void)state;
    char *yaml = long_spec(AST_MAX_STRING + 1);
    struct run r = parse(yaml);
    assert_int_equal(r.errors, 2);
    assert_non_null(strstr(r.diags, "spec.yaml:1:3: error: key is too long (4097 bytes; the limit is 4096)\n"));
    assert_non_null(strstr(r.diags, "spec.yaml:3:4: error: value is too long (4097 bytes; the limit is 4096)\n"));
    /* The key's entry is dropped; the value becomes null. */
    assert_string_equal(r.dump, "map (2)\n  \"v\": null\n  \"w\": int 2\n");
    run_free(&r);
    free(yaml);

    /* Exactly the limit is fine. */
    yaml = long_spec(AST_MAX_STRING);
    r = parse(yaml);
    assert_string_equal(r.diags, "");
    assert_int_equal(r.root->u.map.n, 3);
    assert_int_equal(strlen(r.root->u.map.entries[0].key), AST_MAX_STRING);
    assert_int_equal(strlen(r.root->u.map.entries[1].value->u.str.s), AST_MAX_STRING);
    run_free(&r);
    free(yaml);
}

static void test_nul_escape(void **state)
{
    (void)state;
    struct run r = parse("a: \"x\\0y\"\n\"k\\x00\": 2\nb: 3\n");
    assert_int_equal(r.errors, 2);
    assert_string_equal(r.diags,
                        "spec.yaml:1:4: error: value contains a NUL character\n"
                        "    1 | a: \"x\\0y\"\n"
                        "      |    ^~~~~~\n"
                        "spec.yaml:2:1: error: key contains a NUL character\n"
                        "    2 | \"k\\x00\": 2\n"
                        "      | ^~~~~~~\n");
    assert_string_equal(r.dump, "map (2)\n  \"a\": null\n  \"b\": int 3\n");
    run_free(&r);
}

/* node_from_plain reports overflow; the value becomes null. */
static void test_number_overflow(void **state)
{
    (void)state;
    struct run r = parse("n: 99999999999999999999\n");
    assert_int_equal(r.errors, 1);
    assert_string_equal(r.diags,
                        "spec.yaml:1:4: error: integer 99999999999999999999 is out of range\n"
                        "    1 | n: 99999999999999999999\n"
                        "      |    ^~~~~~~~~~~~~~~~~~~~\n");
    assert_string_equal(r.dump, "map (1)\n  \"n\": null\n");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forecast_example),
        cmocka_unit_test(test_scalar_typing),
        cmocka_unit_test(test_quoted_and_block_scalars_are_strings),
        cmocka_unit_test(test_duplicates_kept_in_order),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_root_of_any_kind),
        cmocka_unit_test(test_anchor_ignored),
        cmocka_unit_test(test_empty_documents),
        cmocka_unit_test(test_spans_block),
        cmocka_unit_test(test_spans_flow_map),
        cmocka_unit_test(test_spans_utf8),
        cmocka_unit_test(test_spans_follow_source_lines),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_tab_indentation_hint),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_alias),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_two_documents),
        cmocka_unit_test(test_complex_keys),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_overlong_text),
        cmocka_unit_test(test_nul_escape),
        cmocka_unit_test(test_number_overflow),
    };
    return cmocka_run_group_tests_name("yaml_front", tests, NULL, NULL);
}
