/*
 * yaml_front: the YAML front end. It reads a spec with libyaml's event API
 * and builds the document tree of ast.h, the same tree the DSL front end
 * builds for the same spec. It knows nothing about what keys mean: every
 * semantic check lives in check.c.
 *
 * The walk keeps an explicit stack of open maps and lists, never deeper
 * than AST_MAX_DEPTH, so a hostile file cannot exhaust the C stack. Each
 * map or list is attached to its parent when it starts, so everything
 * built so far is reachable from the root and one node_free() cleans up.
 *
 * What is refused, and why:
 *   - aliases and tags: a spec is plain data, and the DSL has neither;
 *   - keys that are not scalars: map keys are names;
 *   - a second document: a spec file describes one model;
 *   - nesting deeper than AST_MAX_DEPTH. Reading stops there, because
 *     libyaml's scanner is quadratic in flow nesting depth (150 000 nested
 *     '[' take about a minute) and no spec is that deep.
 *
 * Partial-tree policy: when reading stops before the end of the first
 * document (a libyaml syntax or encoding error, or runaway nesting),
 * yaml_parse returns NULL after reporting; a truncated tree would only make
 * check.c add noise about keys that were never read. Every other error
 * (alias, tag, bad key, overlong string, second document) is reported and
 * the tree is returned with a placeholder or without the offending entry,
 * so one run shows several errors.
 *
 * Spans: libyaml marks count characters from the start of the input
 * (mark.index). They are converted to byte offsets and then to line:col
 * with the same rules as source.c, instead of taking mark.line and
 * mark.column as they are: libyaml also breaks lines at a bare CR, NEL,
 * LS and PS, which source.c does not, and a caret on a different line than
 * the one printed would mislead. For LF and CRLF files both give the same
 * numbers. A scalar spans its event; a map or list spans from its start
 * event to the end of its end event (for block collections libyaml puts
 * that end at the start of whatever follows).
 */
#include "front.h"

#include <stdbool.h>
#include <string.h>

#include <yaml.h>

struct frame {
    struct node *node;      /* the NODE_MAP or NODE_LIST being filled */
    /* Maps only: the key read and waiting for its value. */
    bool have_key;
    bool bad_key;           /* the key was refused: drop its value */
    char *key;
    size_t key_len;
    struct span key_span;
};

/*
 * Why a subtree is being read without building it. skip counts the maps
 * and lists open inside it.
 */
enum skip_reason {
    SKIP_NONE,
    SKIP_KEY,   /* a map or list used as a key: reported once it ends */
    SKIP_VALUE, /* the value of a refused key */
};

struct walker {
    const struct source *src;
    struct diag *d;
    struct node *root;
    struct frame stack[AST_MAX_DEPTH];
    int depth;
    int documents;
    enum skip_reason skip_reason;
    int skip;
    struct span skip_span;      /* start of the skipped key */
    enum node_kind skip_kind;   /* what the skipped key was */
    /* Last converted mark: libyaml character index -> byte, line, col. */
    size_t cur_index, cur_offset;
    int cur_line, cur_col;
};

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/*
 * Moves the cursor to character index and returns its line and column.
 * Marks arrive almost always in increasing order, so walking forward from
 * the last one keeps the whole parse linear even for a spec on one long
 * line. libyaml has validated the UTF-8 it has read, so a character is a
 * lead byte and its continuation bytes; past the end we clamp.
 */
static void seek_index(struct walker *w, size_t index, int *line, int *col)
{
    const unsigned char *t = (const unsigned char *)w->src->text;
    size_t len = w->src->len;

    if (index < w->cur_index) {
        /* Rare (the context mark of an error): go back to the start. */
        w->cur_index = 0;
        w->cur_offset = 0;
        w->cur_line = 1;
        w->cur_col = 1;
    }
    while (w->cur_index < index && w->cur_offset < len) {
        if (t[w->cur_offset] == '\n') {
            w->cur_line++;
            w->cur_col = 1;
        } else {
            w->cur_col++;
        }
        w->cur_offset++;
        while (w->cur_offset < len && is_continuation(t[w->cur_offset]))
            w->cur_offset++;
        w->cur_index++;
    }
    *line = w->cur_line;
    *col = w->cur_col;
}

static struct span mark_span(struct walker *w, yaml_mark_t start, yaml_mark_t end)
{
    struct span s;
    seek_index(w, start.index, &s.line, &s.col);
    seek_index(w, end.index, &s.end_line, &s.end_col);
    return s;
}

static struct span event_span(struct walker *w, const yaml_event_t *ev)
{
    return mark_span(w, ev->start_mark, ev->end_mark);
}

static struct span point_span(struct walker *w, yaml_mark_t mark)
{
    return mark_span(w, mark, mark);
}

static struct frame *top(struct walker *w)
{
    return w->depth > 0 ? &w->stack[w->depth - 1] : NULL;
}

/* The next node is a key: the innermost open collection is a map without one. */
static bool at_key(struct walker *w)
{
    struct frame *f = top(w);
    return f && f->node->kind == NODE_MAP && !f->have_key;
}

/* The next node is the value of a refused key; consumes that key if so. */
static bool drop_value(struct walker *w)
{
    struct frame *f = top(w);
    if (!f || f->node->kind != NODE_MAP || !f->bad_key)
        return false;
    f->have_key = false;
    f->bad_key = false;
    return true;
}

static void clear_key(struct frame *f)
{
    free(f->key);
    f->key = NULL;
    f->have_key = false;
    f->bad_key = false;
}

/* Puts n where the next node goes: the root, a list item or a map value. */
static void attach(struct walker *w, struct node *n)
{
    struct frame *f = top(w);
    if (!f) {
        /* One root per document, and reading stops at the second. */
        node_free(w->root);
        w->root = n;
    } else if (f->node->kind == NODE_LIST) {
        node_list_append(f->node, n);
    } else {
        node_map_append(f->node, f->key, f->key_len, f->key_span, n);
        clear_key(f);
    }
}

/* Checks what struct node can hold; what is "key" or "value" for messages. */
static bool text_fits(struct walker *w, const char *text, size_t len,
                      struct span span, const char *what)
{
    if (len > AST_MAX_STRING) {
        diag_error(w->d, w->src, span, "%s is too long (%zu bytes; the limit is %d)",
                   what, len, AST_MAX_STRING);
        return false;
    }
    /* Only an escape (\0, \x00, \u0000) in a double-quoted scalar gets here. */
    if (memchr(text, '\0', len)) {
        diag_error(w->d, w->src, span, "%s contains a NUL character", what);
        return false;
    }
    return true;
}

static void report_tag(struct walker *w, const yaml_char_t *tag, struct span span)
{
    if (tag)
        diag_error(w->d, w->src, span, "YAML tags are not supported in specs");
}

static void on_scalar(struct walker *w, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    struct span span = event_span(w, ev);

    if (at_key(w)) {
        struct frame *f = top(w);
        report_tag(w, ev->data.scalar.tag, span);
        f->have_key = true;
        if (!text_fits(w, text, len, span, "key")) {
            f->bad_key = true;
            return;
        }
        f->key = xstrndup(text, len);
        f->key_len = len;
        f->key_span = span;
        return;
    }
    if (drop_value(w))
        return;
    /*
     * A document with no content ("---" alone, or a stray anchor) reads as
     * an empty plain scalar; treat it like an empty file.
     */
    if (!top(w) && plain && len == 0 && !ev->data.scalar.tag) {
        attach(w, node_new(NODE_MAP, (struct span){1, 1, 1, 1}));
        return;
    }
    report_tag(w, ev->data.scalar.tag, span);
    if (!text_fits(w, text, len, span, "value"))
        attach(w, node_new(NODE_NULL, span));
    else if (plain)
        attach(w, node_from_plain(text, len, span, w->src, w->d));
    else
        attach(w, node_new_string(text, len, span));
}

static void on_alias(struct walker *w, const yaml_event_t *ev)
{
    struct span span = event_span(w, ev);
    if (at_key(w)) {
        diag_error(w->d, w->src, span, "YAML aliases are not supported in specs");
        top(w)->have_key = true;
        top(w)->bad_key = true;
        return;
    }
    if (drop_value(w))
        return;
    diag_error(w->d, w->src, span, "YAML aliases are not supported in specs");
    attach(w, node_new(NODE_NULL, span));
}

/* Returns false when reading must stop (nesting too deep). */
static bool on_start(struct walker *w, const yaml_event_t *ev, enum node_kind kind)
{
    struct span span = event_span(w, ev);
    const yaml_char_t *tag = kind == NODE_MAP ? ev->data.mapping_start.tag
                                              : ev->data.sequence_start.tag;

    /* Counts what is skipped too: that nesting costs libyaml just as much. */
    if (w->depth + w->skip >= AST_MAX_DEPTH) {
        diag_error(w->d, w->src, span, "nesting is deeper than %d levels", AST_MAX_DEPTH);
        return false;
    }
    if (w->skip > 0) {
        w->skip++;
        return true;
    }
    if (at_key(w)) {
        w->skip_reason = SKIP_KEY;
        w->skip = 1;
        w->skip_span = span;
        w->skip_kind = kind;
        return true;
    }
    if (drop_value(w)) {
        w->skip_reason = SKIP_VALUE;
        w->skip = 1;
        return true;
    }
    report_tag(w, tag, span);
    struct node *n = node_new(kind, span);
    attach(w, n);
    struct frame *f = &w->stack[w->depth++];
    memset(f, 0, sizeof *f);
    f->node = n;
    return true;
}

static void on_end(struct walker *w, const yaml_event_t *ev)
{
    struct span span = event_span(w, ev);

    if (w->skip > 0) {
        if (--w->skip > 0)
            return;
        if (w->skip_reason == SKIP_KEY) {
            struct span key = w->skip_span;
            key.end_line = span.end_line;
            key.end_col = span.end_col;
            diag_error(w->d, w->src, key, "mapping keys must be plain names; found a %s",
                       node_kind_name(w->skip_kind));
            top(w)->have_key = true;
            top(w)->bad_key = true;
        }
        w->skip_reason = SKIP_NONE;
        return;
    }
    struct frame *f = &w->stack[--w->depth];
    f->node->span.end_line = span.end_line;
    f->node->span.end_col = span.end_col;
    /* libyaml always pairs keys with values; this is only belt and braces. */
    clear_key(f);
}

/* Handles one event; returns false when reading stops here. */
static bool walk_event(struct walker *w, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (w->documents++ > 0) {
            diag_error(w->d, w->src, event_span(w, ev),
                       "a spec holds one YAML document; found a second one");
            return false;
        }
        return true;
    case YAML_SCALAR_EVENT:
        if (w->skip == 0)
            on_scalar(w, ev);
        return true;
    case YAML_ALIAS_EVENT:
        if (w->skip == 0)
            on_alias(w, ev);
        return true;
    case YAML_SEQUENCE_START_EVENT:
        return on_start(w, ev, NODE_LIST);
    case YAML_MAPPING_START_EVENT:
        return on_start(w, ev, NODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        on_end(w, ev);
        return true;
    case YAML_STREAM_END_EVENT:
        return false;
    default:
        /* Stream start, document end: nothing to build. */
        return true;
    }
}

/* Reports why libyaml gave up. */
static void report_parser_error(struct walker *w, const yaml_parser_t *p)
{
    struct span span;

    switch (p->error) {
    case YAML_MEMORY_ERROR:
        diag_error(w->d, w->src, (struct span){0, 0, 0, 0},
                   "the YAML parser ran out of memory");
        return;
    case YAML_READER_ERROR:
        /* Reader errors carry a byte offset, not a mark. */
        span = source_span(w->src, p->problem_offset, p->problem_offset);
        if (p->problem_value >= 0)
            diag_error(w->d, w->src, span, "%s (0x%02X)",
                       p->problem ? p->problem : "invalid input", (unsigned)p->problem_value);
        else
            diag_error(w->d, w->src, span, "%s", p->problem ? p->problem : "invalid input");
        return;
    default:
        break;
    }
    span = point_span(w, p->problem_mark);
    /* The usual cause of this one is a tab in the indentation. */
    bool tab = w->cur_offset < w->src->len && w->src->text[w->cur_offset] == '\t' &&
               p->problem && strcmp(p->problem, "found character that cannot start any token") == 0;
    diag_error(w->d, w->src, span, "%s", p->problem ? p->problem : "invalid YAML");
    if (p->context)
        diag_note(w->d, w->src, point_span(w, p->context_mark), "%s", p->context);
    if (tab)
        diag_note(w->d, w->src, span, "YAML indentation must use spaces, not tabs");
}

struct node *yaml_parse(const struct source *src, struct diag *d)
{
    struct walker w;
    memset(&w, 0, sizeof w);
    w.src = src;
    w.d = d;
    w.cur_line = 1;
    w.cur_col = 1;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        diag_error(d, src, (struct span){0, 0, 0, 0}, "the YAML parser ran out of memory");
        return NULL;
    }
    /*
     * Specs are UTF-8. Without this libyaml would also accept UTF-16 (whose
     * offsets do not match src->text) and would not count a BOM as a
     * character, shifting every span on the first line.
     */
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&parser, (const unsigned char *)src->text, src->len);

    bool complete = false;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            report_parser_error(&w, &parser);
            break;
        }
        bool more = walk_event(&w, &ev);
        /* The first document ends cleanly at the stream end or a second one. */
        complete = !more && (ev.type == YAML_STREAM_END_EVENT ||
                             ev.type == YAML_DOCUMENT_START_EVENT);
        yaml_event_delete(&ev);
        if (!more)
            break;
    }
    yaml_parser_delete(&parser);

    for (int i = 0; i < w.depth; i++)
        free(w.stack[i].key);
    if (!complete) {
        node_free(w.root);
        return NULL;
    }
    if (!w.root)
        w.root = node_new(NODE_MAP, (struct span){1, 1, 1, 1});
    return w.root;
}
