/*
 * DSL front end: the tree dsl_parse() builds (as node_dump() text), the
 * spans of its nodes, and the syntax errors it reports, with exact text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "front.h"

struct parse {
    struct source *src;
    struct node *root;
    char *dump;     /* node_dump() of root */
    char *diag;     /* everything reported */
    int errors;
};

static struct parse parse_with(struct node *(*front)(const struct source *, struct diag *),
                               const char *name, const char *text, size_t len)
{
    struct parse p;
    size_t size;
    struct diag d;

    p.src = source_from_memory(name, text, len);
    FILE *err = open_memstream(&p.diag, &size);
    assert_non_null(err);
    diag_init(&d, err);
    p.root = front(p.src, &d);
    fclose(err);
    p.errors = d.errors;

    FILE *out = open_memstream(&p.dump, &size);
    assert_non_null(out);
    node_dump(out, p.root);
    fclose(out);
    return p;
}

static struct parse parse(const char *text)
{
    return parse_with(dsl_parse, "t.lstm", text, strlen(text));
}

static void parse_free(struct parse *p)
{
    node_free(p->root);
    source_free(p->src);
    free(p->dump);
    free(p->diag);
}

/* Parses text, which must have no errors, and compares the tree dump. */
static void assert_tree(const char *text, const char *expected)
{
    struct parse p = parse(text);
    if (p.errors)
        fail_msg("unexpected errors:\n%s", p.diag);
    assert_string_equal(p.dump, expected);
    parse_free(&p);
}

/* Parses text and compares everything reported. */
static void assert_diag(const char *text, const char *expected)
{
    struct parse p = parse(text);
    assert_string_equal(p.diag, expected);
    assert_true(p.errors > 0);
    parse_free(&p);
}

static const struct node *find(const struct node *map, const char *key)
{
    const struct entry *e = node_map_find(map, key);
    if (!e)
        fail_msg("no key '%s'", key);
    return e->value;
}

/* A macro, so a failure names the line of the check. */
#define assert_span(s, line, col, end_line, end_col) \
    check_span((s), (struct span){(line), (col), (end_line), (end_col)}, __FILE__, __LINE__)

static void check_span(struct span s, struct span want, const char *file, int line)
{
    if (s.line != want.line || s.col != want.col || s.end_line != want.end_line ||
        s.end_col != want.end_col) {
        print_error("span %d:%d-%d:%d, expected %d:%d-%d:%d\n", s.line, s.col, s.end_line,
                    s.end_col, want.line, want.col, want.end_line, want.end_col);
        _fail(file, line);
    }
}

static const char example[] =
    "# comment to end of line\n"
    "model forecast {\n"
    "    input = sequence(timesteps = 10, features = 1)\n"
    "    lstm(units = 50, return_sequences = true)\n"
    "    lstm(units = 50)\n"
    "    dense(units = 25)\n"
    "    dense(units = 1)\n"
    "}\n"
    "training {\n"
    "    loss = mse\n"
    "    optimizer = adam(learning_rate = 0.001)\n"
    "    metrics = [mae]\n"
    "    epochs = 1\n"
    "    batch_size = 1\n"
    "    early_stopping { patience = 3; restore_best_weights = true }\n"
    "}\n"
    "pipeline {\n"
    "    source = csv(path = \"../examples/data/airpassengers.csv\")\n"
    "    series = value\n"
    "    scale = minmax(feature_range = [0, 1])\n"
    "    window { length = 10; label = next }\n"
    "}\n";

static void test_example_tree(void **state)
{
    (void)state;
    assert_tree(example,
                "map (3)\n"
                "  \"model\": map (3)\n"
                "    \"name\": string \"forecast\"\n"
                "    \"input\": map (3)\n"
                "      \"type\": string \"sequence\"\n"
                "      \"timesteps\": int 10\n"
                "      \"features\": int 1\n"
                "    \"layers\": list (4)\n"
                "      [0] map (3)\n"
                "        \"type\": string \"lstm\"\n"
                "        \"units\": int 50\n"
                "        \"return_sequences\": bool true\n"
                "      [1] map (2)\n"
                "        \"type\": string \"lstm\"\n"
                "        \"units\": int 50\n"
                "      [2] map (2)\n"
                "        \"type\": string \"dense\"\n"
                "        \"units\": int 25\n"
                "      [3] map (2)\n"
                "        \"type\": string \"dense\"\n"
                "        \"units\": int 1\n"
                "  \"training\": map (6)\n"
                "    \"loss\": string \"mse\"\n"
                "    \"optimizer\": map (2)\n"
                "      \"type\": string \"adam\"\n"
                "      \"learning_rate\": float 0.001\n"
                "    \"metrics\": list (1)\n"
                "      [0] string \"mae\"\n"
                "    \"epochs\": int 1\n"
                "    \"batch_size\": int 1\n"
                "    \"early_stopping\": map (2)\n"
                "      \"patience\": int 3\n"
                "      \"restore_best_weights\": bool true\n"
                "  \"pipeline\": map (4)\n"
                "    \"source\": map (2)\n"
                "      \"type\": string \"csv\"\n"
                "      \"path\": string \"../examples/data/airpassengers.csv\"\n"
                "    \"series\": string \"value\"\n"
                "    \"scale\": map (2)\n"
                "      \"type\": string \"minmax\"\n"
                "      \"feature_range\": list (2)\n"
                "        [0] int 0\n"
                "        [1] int 1\n"
                "    \"window\": map (2)\n"
                "      \"length\": int 10\n"
                "      \"label\": string \"next\"\n");
}

/* The same spec in YAML gives the same tree, byte for byte. */
static void test_same_tree_as_yaml(void **state)
{
    (void)state;
    static const char yaml[] =
        "model:\n"
        "  name: forecast\n"
        "  input: {type: sequence, timesteps: 10, features: 1}\n"
        "  layers:\n"
        "    - {type: lstm, units: 50, return_sequences: true}\n"
        "    - {type: lstm, units: 50}\n"
        "    - {type: dense, units: 25}\n"
        "    - {type: dense, units: 1}\n"
        "training:\n"
        "  loss: mse\n"
        "  optimizer: {type: adam, learning_rate: 0.001}\n"
        "  metrics: [mae]\n"
        "  epochs: 1\n"
        "  batch_size: 1\n"
        "  early_stopping: {patience: 3, restore_best_weights: true}\n"
        "pipeline:\n"
        "  source: {type: csv, path: ../examples/data/airpassengers.csv}\n"
        "  series: value\n"
        "  scale: {type: minmax, feature_range: [0, 1]}\n"
        "  window: {length: 10, label: next}\n";
    struct parse d = parse(example);
    struct parse y = parse_with(yaml_parse, "t.yaml", yaml, strlen(yaml));
    assert_int_equal(d.errors, 0);
    assert_int_equal(y.errors, 0);
    assert_string_equal(d.dump, y.dump);
    parse_free(&d);
    parse_free(&y);
}

static void test_empty_input(void **state)
{
    (void)state;
    struct parse p = parse("");
    assert_int_equal(p.errors, 0);
    assert_non_null(p.root);
    assert_string_equal(p.dump, "map (0)\n");
    assert_span(p.root->span, 1, 1, 1, 1);
    parse_free(&p);

    assert_tree("# only a comment\n\n   \n", "map (0)\n");
}

/* Bare words and numbers are typed like YAML plain scalars; quoted text is a string. */
static void test_scalars(void **state)
{
    (void)state;
    assert_tree("s { v = [50, -3, +3, 0.001, .5, 1e-7, 1.5E+3, 1., true, False, null, NULL,\n"
                "           mse, \"50\", \"true\", \"\"] }",
                "map (1)\n"
                "  \"s\": map (1)\n"
                "    \"v\": list (16)\n"
                "      [0] int 50\n"
                "      [1] int -3\n"
                "      [2] int 3\n"
                "      [3] float 0.001\n"
                "      [4] float 0.5\n"
                "      [5] float 1e-07\n"
                "      [6] float 1.5e+03\n"
                "      [7] float 1.0\n"
                "      [8] bool true\n"
                "      [9] bool false\n"
                "      [10] null\n"
                "      [11] null\n"
                "      [12] string \"mse\"\n"
                "      [13] string \"50\"\n"
                "      [14] string \"true\"\n"
                "      [15] string \"\"\n");
}

static void test_string_escapes(void **state)
{
    (void)state;
    assert_tree("s { v = \"q\\\"b\\\\s\\/n\\nt\\tr\\r\\u00e9\\u20AC\" }",
                "map (1)\n"
                "  \"s\": map (1)\n"
                "    \"v\": string \"q\\\"b\\\\s/n\\nt\\tr\\r\xc3\xa9\xe2\x82\xac\"\n");
}

/*
 * Layer statements form one "layers" list where the first one stands; the
 * section's label comes first; a section without one has no "name".
 */
static void test_layers_and_names(void **state)
{
    (void)state;
    assert_tree("model m {\n"
                "    a = 1\n"
                "    lstm(units = 2);\n"
                "    b = 3\n"
                "    dense(units = 4,),\n"
                "}\n"
                "model { flatten() }\n",
                "map (2)\n"
                "  \"model\": map (4)\n"
                "    \"name\": string \"m\"\n"
                "    \"a\": int 1\n"
                "    \"layers\": list (2)\n"
                "      [0] map (2)\n"
                "        \"type\": string \"lstm\"\n"
                "        \"units\": int 2\n"
                "      [1] map (2)\n"
                "        \"type\": string \"dense\"\n"
                "        \"units\": int 4\n"
                "    \"b\": int 3\n"
                "  \"model\": map (1)\n"
                "    \"layers\": list (1)\n"
                "      [0] map (1)\n"
                "        \"type\": string \"flatten\"\n");
}

/* `key { ... }` is `key = { ... }`; separators are optional; trailing commas are allowed. */
static void test_blocks_lists_calls(void **state)
{
    (void)state;
    static const char expected[] =
        "map (1)\n"
        "  \"p\": map (5)\n"
        "    \"w\": map (2)\n"
        "      \"a\": int 1\n"
        "      \"b\": list (0)\n"
        "    \"x\": map (0)\n"
        "    \"y\": list (2)\n"
        "      [0] map (1)\n"
        "        \"k\": string \"v\"\n"
        "      [1] map (1)\n"
        "        \"type\": string \"f\"\n"
        "    \"z\": map (2)\n"
        "      \"type\": string \"g\"\n"
        "      \"h\": map (1)\n"
        "        \"type\": string \"i\"\n"
        "    \"w\": list (0)\n";
    assert_tree("p { w { a = 1, b = [] } x = {} y = [{ k = v }, f(),] z = g(h = i()); w = [] }",
                expected);
    assert_tree("p {\n w = { a = 1; b = [] }\n x {}\n y = [\n  { k = v },\n  f()\n ]\n"
                " z = g(\n  h = i(),\n )\n w = []\n}\n",
                expected);
}

static void test_spans(void **state)
{
    (void)state;
    struct parse p = parse(example);
    assert_int_equal(p.errors, 0);
    const struct entry *model = &p.root->u.map.entries[0];

    /* The section: key at its name, map from the name to '}'. */
    assert_span(model->key_span, 2, 1, 2, 6);
    assert_span(model->value->span, 2, 1, 8, 2);
    /* "name": the label, as key and as value. */
    const struct entry *name = &model->value->u.map.entries[0];
    assert_string_equal(name->key, "name");
    assert_span(name->key_span, 2, 7, 2, 15);
    assert_span(name->value->span, 2, 7, 2, 15);
    /* A call: its map from the name to ')'; "type" at the name. */
    const struct node *input = find(model->value, "input");
    assert_span(input->span, 3, 13, 3, 51);
    assert_span(input->u.map.entries[0].key_span, 3, 13, 3, 21);
    assert_span(input->u.map.entries[0].value->span, 3, 13, 3, 21);
    assert_span(input->u.map.entries[1].key_span, 3, 22, 3, 31);
    assert_span(find(input, "timesteps")->span, 3, 34, 3, 36);
    /* "layers": at the first layer statement's name. */
    const struct entry *layers = &model->value->u.map.entries[2];
    assert_string_equal(layers->key, "layers");
    assert_span(layers->key_span, 4, 5, 4, 9);
    assert_span(layers->value->span, 4, 5, 4, 9);
    assert_span(layers->value->u.list.items[1]->span, 5, 5, 5, 21);
    /* A list from '[' to ']', a string with its quotes, a block from '{' to '}'. */
    const struct node *training = find(p.root, "training");
    assert_span(find(training, "metrics")->span, 12, 15, 12, 20);
    const struct node *pipeline = find(p.root, "pipeline");
    assert_span(find(find(pipeline, "source"), "path")->span, 18, 25, 18, 61);
    assert_span(find(pipeline, "window")->span, 21, 12, 21, 41);
    parse_free(&p);

    /* Columns count characters, not bytes. */
    p = parse("s { a = \"\xc3\xa9\xc3\xa9\" b = 2 }");
    assert_int_equal(p.errors, 0);
    assert_span(find(p.root->u.map.entries[0].value, "a")->span, 1, 9, 1, 13);
    assert_span(find(p.root->u.map.entries[0].value, "b")->span, 1, 18, 1, 19);
    parse_free(&p);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    assert_diag("model m {\n    lstm(units 50)\n}\n",
                "t.lstm:2:16: error: expected '=' after 'units', found number '50'\n"
                "    2 |     lstm(units 50)\n"
                "      |                ^~\n");
    assert_diag("training {\n    units 50\n}\n",
                "t.lstm:2:11: error: expected '=', '(' or '{' after 'units', found number '50'\n"
                "    2 |     units 50\n"
                "      |           ^~\n");
    assert_diag("training {\n    loss =\n}\n",
                "t.lstm:3:1: error: expected a value after '=', found '}'\n"
                "    3 | }\n"
                "      | ^\n");
    assert_diag("s { a = [1, 2 }",
                "t.lstm:1:15: error: expected ',' or ']' after '2', found '}'\n"
                "    1 | s { a = [1, 2 }\n"
                "      |               ^\n");
    assert_diag("} s {}",
                "t.lstm:1:1: error: expected name or end of input, found '}'\n"
                "    1 | } s {}\n"
                "      | ^\n");
}

/* At the end of input: the caret after the last token, a note at the open bracket. */
static void test_unclosed_block(void **state)
{
    (void)state;
    struct parse p = parse("model m {\n    lstm(units = 8)\n\ntraining {\n    loss = mse\n}\n");
    assert_string_equal(p.diag,
                        "t.lstm:6:2: error: expected name or '}' after '}', found end of input\n"
                        "    6 | }\n"
                        "      |  ^\n"
                        "t.lstm:1:9: note: to match this '{'\n"
                        "    1 | model m {\n"
                        "      |         ^\n");
    /* An abandoned parse gives no tree, like the YAML front end. */
    assert_null(p.root);
    parse_free(&p);
}

static void test_scanner_errors(void **state)
{
    (void)state;
    assert_diag("s {\n    a = 1 @\n}\n",
                "t.lstm:2:11: error: invalid character '@'\n"
                "    2 |     a = 1 @\n"
                "      |           ^\n");
    assert_diag("s { a = \"x\\qy\" }",
                "t.lstm:1:11: error: unknown escape sequence '\\q' in string; "
                "write '\\\\' for a backslash\n"
                "    1 | s { a = \"x\\qy\" }\n"
                "      |           ^~\n");
    assert_diag("s {\n    a = \"abc\n}\n",
                "t.lstm:2:9: error: unterminated string: missing closing '\"' before the end "
                "of the line\n"
                "    2 |     a = \"abc\n"
                "      |         ^~~~\n");
    /* A run of binary bytes is one error; its bytes are named, not printed. */
    assert_diag("s {\n    \x01\x02\x03 a = 1\n}\n",
                "t.lstm:2:5: error: invalid byte 0x01\n"
                "    2 |     ??? a = 1\n"
                "      |     ^~~\n");
    struct parse p = parse("s { \xff\xfe a = 1 }");
    assert_int_equal(p.errors, 1);
    assert_non_null(strstr(p.diag, "t.lstm:1:5: error: invalid byte 0xff\n"));
    parse_free(&p);
    p = parse("s { \xc3\xa9 = 1 }");
    assert_non_null(strstr(p.diag, "t.lstm:1:5: error: invalid character '\xc3\xa9' (U+00E9)\n"));
    parse_free(&p);
    assert_diag("s { a: 1 }",
                "t.lstm:1:6: error: invalid character ':'; did you mean '='?\n"
                "    1 | s { a: 1 }\n"
                "      |      ^\n");
    assert_diag("s { a = 12abc }",
                "t.lstm:1:9: error: invalid number '12abc'\n"
                "    1 | s { a = 12abc }\n"
                "      |         ^~~~~\n");
}

static void test_string_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "s { a = \"\\ud800\" }",   /* surrogate */
        "s { a = \"\\u0000\" }",   /* NUL */
        "s { a = \"\\u12\" }",     /* short */
        "s { a = \"a\tb\x01\" }",  /* control byte (a tab is fine) */
        "s { a = \"\xc3\" }",      /* truncated UTF-8 */
        "s { a = 'single' }",
        "s { a = \xe2\x80\x9cquoted\xe2\x80\x9d }",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct parse p = parse(bad[i]);
        /* One error each, and the statement still parses: no cascade. */
        if (p.errors != 1)
            fail_msg("%s: %d errors:\n%s", bad[i], p.errors, p.diag);
        assert_non_null(p.root);
        parse_free(&p);
    }

    char *text = malloc(AST_MAX_STRING + 32);
    assert_non_null(text);
    int n = snprintf(text, 32, "s { a = \"");
    memset(text + n, 'x', AST_MAX_STRING + 1);
    strcpy(text + n + AST_MAX_STRING + 1, "\" }");
    struct parse p = parse(text);
    assert_non_null(strstr(p.diag, "error: string is too long (4097 bytes; the limit is 4096)"));
    parse_free(&p);
    text[n + AST_MAX_STRING] = '"';
    text[n + AST_MAX_STRING + 1] = '\0';
    strcat(text, " }");
    p = parse(text);
    assert_int_equal(p.errors, 0);
    assert_int_equal(strlen(find(p.root->u.map.entries[0].value, "a")->u.str.s), AST_MAX_STRING);
    parse_free(&p);
    free(text);
}

static void test_layer_outside_model(void **state)
{
    (void)state;
    assert_diag("training {\n    dense(units = 1)\n}\n",
                "t.lstm:2:5: error: layer statement 'dense(...)' is only allowed directly "
                "inside a 'model' section\n"
                "    2 |     dense(units = 1)\n"
                "      |     ^~~~~\n");
    struct parse p = parse("model m { sub { lstm() } }");
    assert_int_equal(p.errors, 1);
    parse_free(&p);
}

/* One run reports each mistake once, and keeps the statements around them. */
static void test_recovery(void **state)
{
    (void)state;
    struct parse p = parse("model m {\n"
                           "    input = sequence(timesteps = 10, features = 1)\n"
                           "    lstm(units = 50,, return_sequences = true)\n"
                           "    dense(units = )\n"
                           "}\n"
                           "training {\n"
                           "    loss mse\n"
                           "    epochs = 5\n"
                           "    x = [1 2]\n"
                           "    y = @\n"
                           "    z = 3\n"
                           "}\n");
    assert_int_equal(p.errors, 5);
    assert_non_null(strstr(p.diag, "t.lstm:3:21: error: expected name or ')' after ',', found ','"));
    assert_non_null(strstr(p.diag, "t.lstm:4:19: error: expected a value after '=', found ')'"));
    assert_non_null(strstr(p.diag, "t.lstm:7:10: error: expected '=', '(' or '{' after 'loss', "
                                   "found name 'mse'"));
    assert_non_null(strstr(p.diag, "t.lstm:9:12: error: expected ',' or ']' after '1', "
                                   "found number '2'"));
    assert_non_null(strstr(p.diag, "t.lstm:10:9: error: invalid character '@'"));
    assert_non_null(p.root);
    const struct node *training = find(p.root, "training");
    assert_int_equal(find(training, "epochs")->u.i, 5);
    assert_int_equal(find(training, "z")->u.i, 3);
    parse_free(&p);
}

/* Sixty-four levels counting the root, as in the YAML front end. */
static void test_nesting_limit(void **state)
{
    (void)state;
    char text[256];
    /* s { ... } is level 2, each '[' one more. */
    int n = snprintf(text, sizeof text, "s { a = ");
    for (int i = 0; i < AST_MAX_DEPTH - 2; i++)
        text[n++] = '[';
    for (int i = 0; i < AST_MAX_DEPTH - 2; i++)
        text[n++] = ']';
    strcpy(text + n, " }");
    struct parse p = parse(text);
    assert_int_equal(p.errors, 0);
    parse_free(&p);

    n = snprintf(text, sizeof text, "s { a = ");
    for (int i = 0; i < AST_MAX_DEPTH - 1; i++)
        text[n++] = '[';
    text[n] = '\0';
    p = parse(text);
    assert_non_null(strstr(p.diag, "t.lstm:1:71: error: nesting is deeper than 64 levels"));
    assert_int_equal(p.errors, 1);
    assert_null(p.root);
    parse_free(&p);

    /* Far deeper input stops at the limit, without recursion. */
    size_t big = 1000000;
    char *deep = malloc(big + 16);
    assert_non_null(deep);
    /* A loop, not memset: gcc 12 with -fsanitize misjudges the bounds. */
    memcpy(deep, "s { a = ", 8);
    for (size_t i = 0; i < big; i++)
        deep[8 + i] = '[';
    deep[8 + big] = '\0';
    p = parse(deep);
    assert_int_equal(p.errors, 1);
    parse_free(&p);
    free(deep);
}

/* Garbage stops at the error limit and prints no control bytes but newlines. */
static void test_garbage(void **state)
{
    (void)state;
    size_t len = 1 << 16;
    char *text = malloc(len);
    assert_non_null(text);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        text[i] = (char)(x >> 23);
    }
    struct parse p = parse_with(dsl_parse, "t.lstm", text, len);
    assert_int_equal(p.errors, DIAG_MAX_ERRORS);
    assert_non_null(strstr(p.diag, "fatal error: too many errors emitted"));
    for (const unsigned char *c = (const unsigned char *)p.diag; *c; c++)
        if (*c < 0x20 && *c != '\n' && *c != '\t')
            fail_msg("control byte 0x%02x in the diagnostics", *c);
    parse_free(&p);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_tree),
        cmocka_unit_test(test_same_tree_as_yaml),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_layers_and_names),
        cmocka_unit_test(test_blocks_lists_calls),
        cmocka_unit_test(test_spans),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_unclosed_block),
        cmocka_unit_test(test_scanner_errors),
        cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_layer_outside_model),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
