/*
 * parser: the grammar of the DSL front end (pure bison parser over the
 * reentrant scanner in lexer.l).
 *
 *   spec    := section*
 *   section := NAME [NAME] block
 *   block   := '{' stmt* '}'
 *   stmt    := NAME '=' value [';' | ',']
 *            | NAME block [';' | ',']           sugar for NAME = { ... }
 *            | NAME '(' [args] ')' [';' | ',']  a layer, in a model section
 *   value   := NUMBER | STRING | NAME | list | block | call
 *   list    := '[' [value (',' value)* [',']] ']'
 *   call    := NAME '(' [args] ')'             {type: NAME, args...}
 *   args    := NAME '=' value (',' NAME '=' value)* [',']
 *
 * The actions only build the document tree of ast.h, the same tree the
 * YAML front end builds for the same spec; what the keys mean is check.c's
 * business. The sugar: `model forecast {` puts "name": "forecast" first in
 * the section's map; the layer statements of the model section become one
 * "layers" list, placed where the first of them stands; a call is a map
 * whose first entry is "type".
 *
 * Errors: syntax errors say what was expected, after which token, and what
 * was found (yyreport_syntax_error below, with LAC so the expected list is
 * exact). Recovery resynchronises at the statement (stmt: error) and at
 * the closing bracket of a list or call, so one run reports several
 * mistakes; bison stays quiet until three tokens have been shifted after an
 * error, which absorbs the usual cascade. Nesting deeper than
 * AST_MAX_DEPTH stops the parse: the tree is consumed by recursive passes
 * and no real spec comes near it.
 */

%code requires {
#include "dsl.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
}

%code {
#include <string.h>

#include "lexer.h"

/* Locations carry their span, so joining two is enough (see dsl.h). */
#define YYLLOC_DEFAULT(cur, rhs, n)                                     \
    do {                                                                \
        if (n) {                                                        \
            (cur) = YYRHSLOC(rhs, 1);                                   \
            (cur).end = YYRHSLOC(rhs, n).end;                           \
            (cur).span.end_line = YYRHSLOC(rhs, n).span.end_line;       \
            (cur).span.end_col = YYRHSLOC(rhs, n).span.end_col;         \
        } else {                                                        \
            (cur) = YYRHSLOC(rhs, 0);                                   \
            (cur).begin = (cur).end;                                    \
            (cur).span.line = (cur).span.end_line;                      \
            (cur).span.col = (cur).span.end_col;                        \
        }                                                               \
    } while (0)

static void yyerror(const YYLTYPE *loc, yyscan_t scanner, struct dsl_ctx *ctx,
                    const char *msg);
static bool open_bracket(struct dsl_ctx *ctx, char ch, struct span span);
static void map_prepend(struct node *map, const char *key, struct span span,
                        struct node *value);
static struct node *call_node(struct node *args, const struct dsl_text *name,
                              struct span name_span, struct span span);
static struct dsl_stmt layer_stmt(struct dsl_ctx *ctx, struct node *call);
static void add_stmt(struct dsl_stmts *stmts, struct dsl_stmt *stmt);
static bool text_is(const struct dsl_text *t, const char *word);
}

%define api.pure full
%define api.location.type {struct dsl_loc}
%define parse.error custom
%define parse.lac full
%locations
%param {yyscan_t scanner}
%parse-param {struct dsl_ctx *ctx}
%expect 0

%initial-action {
    memset(&@$, 0, sizeof @$);
    @$.span = (struct span){1, 1, 1, 1};
}

%union {
    struct dsl_text text;
    struct node *node;
    struct dsl_stmt stmt;
    struct dsl_stmts stmts;
    struct dsl_head head;
    int level;              /* an opening bracket: the depth it opened at */
}

/* Declared in this order so "expected" lists read "'=', '(' or '{'", "',' or ')'". */
%token <text> NAME "name"
%token <text> NUMBER "number"
%token <node> STRING "string"
%token '=' '(' '{' '[' ',' ';' ')' '}' ']'

%type <node> spec block value list items_opt items call args_opt args
%type <stmt> section stmt arg
%type <stmts> stmts
%type <head> section_head
%type <level> lbrace lbracket lparen

%destructor { node_free($$); } <node>
%destructor { node_free($$.value); } <stmt>
%destructor { node_free($$.map); } <stmts>
/* Error recovery popping an open bracket closes it. */
%destructor { ctx->depth = $$; } <level>

%%

start:
    spec
        {
            $1->span = @1.span;
            ctx->root = $1;
        }
    ;

spec:
    %empty
        { $$ = node_new(NODE_MAP, @$.span); }
  | spec section
        {
            node_map_append($1, $2.key.s, $2.key.len, $2.key_span, $2.value);
            $$ = $1;
        }
  | spec error
        { $$ = $1; }
    ;

section:
    section_head block
        {
            $2->span = @$.span;
            if ($1.has_label)
                map_prepend($2, "name", $1.label_span,
                            node_new_string($1.label.s, $1.label.len, $1.label_span));
            $$ = (struct dsl_stmt){$1.name, $1.name_span, $2, false};
        }
    ;

/* Reduced before the block opens, so its statements know their section. */
section_head:
    NAME
        {
            $$ = (struct dsl_head){.name = $1, .name_span = @1.span};
            ctx->in_model = text_is(&$1, "model");
        }
  | NAME NAME
        {
            $$ = (struct dsl_head){$1, @1.span, true, $2, @2.span};
            ctx->in_model = text_is(&$1, "model");
        }
    ;

block:
    lbrace stmts '}'
        {
            ctx->depth = $1;
            $$ = $2.map;
            $$->span = @$.span;
        }
    ;

stmts:
    %empty
        { $$ = (struct dsl_stmts){node_new(NODE_MAP, @$.span), NULL}; }
  | stmts stmt
        {
            $$ = $1;
            add_stmt(&$$, &$2);
        }
    ;

stmt:
    NAME '=' value sep
        { $$ = (struct dsl_stmt){$1, @1.span, $3, false}; }
  | NAME block sep
        { $$ = (struct dsl_stmt){$1, @1.span, $2, false}; }
  | call sep
        { $$ = layer_stmt(ctx, $1); }
  | error
        { $$ = (struct dsl_stmt){{NULL, 0}, @1.span, NULL, false}; }
    ;

sep:
    %empty
  | ';'
  | ','
    ;

value:
    NUMBER
        { $$ = node_from_plain($1.s, $1.len, @1.span, ctx->src, ctx->d); }
  | STRING
  | NAME
        { $$ = node_from_plain($1.s, $1.len, @1.span, ctx->src, ctx->d); }
  | list
  | block
  | call
    ;

list:
    lbracket items_opt ']'
        {
            ctx->depth = $1;
            $$ = $2;
            $$->span = @$.span;
        }
  | lbracket error ']'
        {
            ctx->depth = $1;
            $$ = node_new(NODE_LIST, @$.span);
        }
    ;

items_opt:
    %empty
        { $$ = node_new(NODE_LIST, @$.span); }
  | items
  | items ','
    ;

items:
    value
        {
            $$ = node_new(NODE_LIST, @1.span);
            node_list_append($$, $1);
        }
  | items ',' value
        {
            node_list_append($1, $3);
            $$ = $1;
        }
    ;

call:
    NAME lparen args_opt ')'
        {
            ctx->depth = $2;
            $$ = call_node($3, &$1, @1.span, @$.span);
        }
  | NAME lparen error ')'
        {
            ctx->depth = $2;
            $$ = call_node(node_new(NODE_MAP, @$.span), &$1, @1.span, @$.span);
        }
    ;

args_opt:
    %empty
        { $$ = node_new(NODE_MAP, @$.span); }
  | args
  | args ','
    ;

args:
    arg
        {
            $$ = node_new(NODE_MAP, @1.span);
            node_map_append($$, $1.key.s, $1.key.len, $1.key_span, $1.value);
        }
  | args ',' arg
        {
            node_map_append($1, $3.key.s, $3.key.len, $3.key_span, $3.value);
            $$ = $1;
        }
    ;

arg:
    NAME '=' value
        { $$ = (struct dsl_stmt){$1, @1.span, $3, false}; }
    ;

/*
 * Opening brackets count the nesting depth as soon as they are shifted;
 * the rule that closes one sets the depth back to the bracket's value.
 */
lbrace:
    '{'
        {
            $$ = ctx->depth;
            if (!open_bracket(ctx, '{', @1.span))
                YYABORT;
        }
    ;

lbracket:
    '['
        {
            $$ = ctx->depth;
            if (!open_bracket(ctx, '[', @1.span))
                YYABORT;
        }
    ;

lparen:
    '('
        {
            $$ = ctx->depth;
            if (!open_bracket(ctx, '(', @1.span))
                YYABORT;
        }
    ;

%%

static void yyerror(const YYLTYPE *loc, yyscan_t scanner, struct dsl_ctx *ctx,
                    const char *msg)
{
    (void)scanner;
    /* Only "memory exhausted" comes here; syntax errors are reported below. */
    diag_error(ctx->d, ctx->src, loc->span, "%s", msg);
}

static bool text_is(const struct dsl_text *t, const char *word)
{
    return strlen(word) == t->len && memcmp(t->s, word, t->len) == 0;
}

/*
 * Counts the root map as the first level, as the YAML front end does, so
 * both refuse the same specs.
 */
static bool open_bracket(struct dsl_ctx *ctx, char ch, struct span span)
{
    if (ctx->depth + 2 > AST_MAX_DEPTH) {
        diag_error(ctx->d, ctx->src, span, "nesting is deeper than %d levels", AST_MAX_DEPTH);
        return false;
    }
    ctx->open[ctx->depth].ch = ch;
    ctx->open[ctx->depth].span = span;
    ctx->depth++;
    return true;
}

/* Inserts an entry before the others: "type" of a call, "name" of a section. */
static void map_prepend(struct node *map, const char *key, struct span span,
                        struct node *value)
{
    node_map_append(map, key, strlen(key), span, value);
    struct entry first = map->u.map.entries[map->u.map.n - 1];
    memmove(map->u.map.entries + 1, map->u.map.entries,
            (map->u.map.n - 1) * sizeof *map->u.map.entries);
    map->u.map.entries[0] = first;
}

/* `name(args)`: the map {type: name, args...}. */
static struct node *call_node(struct node *args, const struct dsl_text *name,
                              struct span name_span, struct span span)
{
    map_prepend(args, "type", name_span, node_new_string(name->s, name->len, name_span));
    args->span = span;
    return args;
}

/*
 * A call standing as a statement is a layer, which only the top-level
 * model section takes: anywhere else it is most likely a value missing
 * its `key =`.
 */
static struct dsl_stmt layer_stmt(struct dsl_ctx *ctx, struct node *call)
{
    const struct node *type = call->u.map.entries[0].value;
    struct dsl_stmt s = {{NULL, 0}, type->span, call, true};

    if (ctx->depth == 1 && ctx->in_model)
        return s;
    char name[64];
    dsl_excerpt(name, sizeof name, type->u.str.s, strlen(type->u.str.s));
    diag_error(ctx->d, ctx->src, type->span,
               "layer statement '%s(...)' is only allowed directly inside a 'model' section",
               name);
    node_free(call);
    s.value = NULL;
    s.layer = false;
    return s;
}

static void add_stmt(struct dsl_stmts *stmts, struct dsl_stmt *stmt)
{
    if (!stmt->value)
        return;
    if (!stmt->layer) {
        node_map_append(stmts->map, stmt->key.s, stmt->key.len, stmt->key_span, stmt->value);
        return;
    }
    if (!stmts->layers) {
        stmts->layers = node_new(NODE_LIST, stmt->key_span);
        node_map_append(stmts->map, "layers", strlen("layers"), stmt->key_span, stmts->layers);
    }
    node_list_append(stmts->layers, stmt->value);
}

/* ---- Syntax errors ------------------------------------------------------ */

static bool has(const yysymbol_kind_t *set, int n, yysymbol_kind_t sym)
{
    for (int i = 0; i < n; i++)
        if (set[i] == sym)
            return true;
    return false;
}

static const char *symbol_text(yysymbol_kind_t sym)
{
    return sym == YYSYMBOL_YYEOF ? "end of input" : yysymbol_name(sym);
}

/*
 * "'=', '(' or '{'". The five tokens that start a value read as "a value";
 * between statements the optional ';' and ',' are left out, or every
 * message about a missing '}' would list them.
 */
static void expected_text(char *buf, size_t size, const yysymbol_kind_t *exp, int n)
{
    const yysymbol_kind_t value_start[] = {
        YYSYMBOL_NAME, YYSYMBOL_NUMBER, YYSYMBOL_STRING, YYTRANSLATE('['), YYTRANSLATE('{'),
    };
    const char *items[YYNTOKENS];
    int count = 0;
    bool values = true;
    for (size_t i = 0; i < sizeof value_start / sizeof *value_start; i++)
        values = values && has(exp, n, value_start[i]);
    bool stmt_start = has(exp, n, YYSYMBOL_NAME) && has(exp, n, YYTRANSLATE('}'));

    for (int i = 0; i < n; i++) {
        bool is_value = false;
        for (size_t k = 0; k < sizeof value_start / sizeof *value_start; k++)
            is_value = is_value || exp[i] == value_start[k];
        if (values && is_value) {
            if (exp[i] == value_start[0])
                items[count++] = "a value";
            continue;
        }
        if (stmt_start && (exp[i] == YYTRANSLATE(';') || exp[i] == YYTRANSLATE(',')))
            continue;
        if (exp[i] != YYSYMBOL_YYEOF)
            items[count++] = symbol_text(exp[i]);
    }
    /* "name or end of input" reads better than the other way round. */
    if (has(exp, n, YYSYMBOL_YYEOF))
        items[count++] = symbol_text(YYSYMBOL_YYEOF);
    buf[0] = '\0';
    for (int i = 0; i < count; i++) {
        const char *joint = i == 0 ? "" : i == count - 1 ? " or " : ", ";
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", joint, items[i]);
    }
}

/* How a token reads in a message: `name 'units'`, `'}'`, `end of input`. */
static void token_text(char *buf, size_t size, const struct dsl_ctx *ctx, yysymbol_kind_t sym,
                       const struct dsl_loc *loc)
{
    char text[64];
    dsl_excerpt(text, sizeof text, ctx->src->text + loc->begin, loc->end - loc->begin);
    switch (sym) {
    case YYSYMBOL_NAME:
    case YYSYMBOL_NUMBER:
        snprintf(buf, size, "%s '%s'", yysymbol_name(sym), text);
        break;
    case YYSYMBOL_STRING:
        /* The source text, quotes included. */
        snprintf(buf, size, "string %s", text);
        break;
    default:
        snprintf(buf, size, "%s", symbol_text(sym));
        break;
    }
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, yyscan_t scanner,
                                 struct dsl_ctx *ctx)
{
    (void)scanner;
    yysymbol_kind_t found = yypcontext_token(yyctx);
    /* The scanner has reported the character that is no token. */
    if (found == YYSYMBOL_YYUNDEF)
        return 0;

    yysymbol_kind_t exp[YYNTOKENS];
    int n = yypcontext_expected_tokens(yyctx, exp, YYNTOKENS);
    if (n < 0)
        return n;
    char expected[256], what[128];
    expected_text(expected, sizeof expected, exp, n);
    token_text(what, sizeof what, ctx, found, yypcontext_location(yyctx));

    struct span span = yypcontext_location(yyctx)->span;
    /* At the end of input, point just after the last token, where the gap is. */
    if (found == YYSYMBOL_YYEOF && ctx->have_prev) {
        span.line = span.end_line = ctx->prev.span.end_line;
        span.col = span.end_col = ctx->prev.span.end_col;
    }
    if (ctx->have_prev) {
        char after[64];
        const char *prev = ctx->src->text + ctx->prev.begin;
        const char *quote = prev[0] == '"' ? "" : "'";
        dsl_excerpt(after, sizeof after, prev, ctx->prev.end - ctx->prev.begin);
        if (n > 0)
            diag_error(ctx->d, ctx->src, span, "expected %s after %s%s%s, found %s",
                       expected, quote, after, quote, what);
        else
            diag_error(ctx->d, ctx->src, span, "unexpected %s after %s%s%s",
                       what, quote, after, quote);
    } else if (n > 0) {
        diag_error(ctx->d, ctx->src, span, "expected %s, found %s", expected, what);
    } else {
        diag_error(ctx->d, ctx->src, span, "unexpected %s", what);
    }
    if (found == YYSYMBOL_YYEOF && ctx->depth > 0) {
        const struct dsl_open *open = &ctx->open[ctx->depth - 1];
        diag_note(ctx->d, ctx->src, open->span, "to match this '%c'", open->ch);
    }
    return 0;
}
