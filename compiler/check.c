/*
 * check: the one semantic pass. It walks the document tree from either
 * front end against the schema tables below (keys, types, ranges, enums,
 * defaults), then infers shapes through the layer stack and checks that
 * the model, loss, labels and pipeline agree. It fills a struct spec that
 * every later pass reads. Both syntaxes share every message here.
 */
#include "spec.h"

#include "lstmc.h" /* LSTMC_PLOT_MAX_CLASSES */

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- vocabularies ------------------------------------------------------ */

#define WORD2(id, word) word,
#define WORD3(id, word, cls) word,
#define CLASS3(id, word, cls) cls,
static const char *const layer_words[] = {LAYER_KINDS(WORD3) NULL};
static const char *const layer_classes[] = {LAYER_KINDS(CLASS3) NULL};
static const char *const activation_words[] = {ACTIVATIONS(WORD2) NULL};
static const char *const initializer_words[] = {INITIALIZERS(WORD2) NULL};
static const char *const loss_words[] = {LOSSES(WORD2) NULL};
static const char *const optimizer_words[] = {OPTIMIZERS(WORD2) NULL};
static const char *const metric_words[] = {METRICS(WORD2) NULL};
static const char *const plot_words[] = {PLOTS(WORD2) NULL};
static const char *const side_words[] = {"pre", "post", NULL};
static const char *const label_words[] = {"next", "last", NULL};
static const char *const format_words[] = {"png", "svg", NULL};
static const char *const monitor_words[] = {"val_loss", "loss", NULL};
#undef WORD2
#undef WORD3
#undef CLASS3

const char *layer_kind_name(enum layer_kind kind) { return layer_words[kind]; }
const char *layer_class_name(enum layer_kind kind) { return layer_classes[kind]; }
const char *activation_name(int act) { return activation_words[act]; }
const char *initializer_name(int init) { return initializer_words[init]; }
const char *loss_name(int loss) { return loss_words[loss]; }
const char *optimizer_name(int kind) { return optimizer_words[kind]; }
const char *metric_name(int metric) { return metric_words[metric]; }
const char *plot_name(int plot) { return plot_words[plot]; }

bool loss_is_classification(int loss)
{
    return loss == LOSS_BINARY_CROSSENTROPY || loss == LOSS_CATEGORICAL_CROSSENTROPY;
}

/* Tokenizer(filters=...) default in Keras: punctuation, tab and newline. */
static const char keras_filters[] = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

/* ---- schema machinery -------------------------------------------------- */

enum field_type {
    F_INT,      /* int64_t */
    F_REAL,     /* double; integers accepted */
    F_BOOL,     /* bool */
    F_ENUM,     /* int: index into words */
    F_ENUM_SET, /* unsigned: bit per index into words, from a list */
    F_NAME,     /* const char *: a C identifier */
    F_STRING,   /* const char *; null allowed when nullable */
    F_STRINGS,  /* struct strlist */
    F_RANGE,    /* double[2], a < b */
    F_SUB,      /* handled by parse(), which gets the value node */
};

enum {
    LO_OPEN = 1 << 0,   /* lower bound excluded */
    HI_OPEN = 1 << 1,   /* upper bound excluded */
    NULLABLE = 1 << 2,
    NONEMPTY = 1 << 3,  /* strings and lists */
    MODEL_NAME = 1 << 4, /* F_NAME: the model's name (check_model_name) */
};

struct checker;

struct field {
    const char *key;
    enum field_type type;
    size_t offset;
    bool required;
    double lo, hi;
    unsigned flags;
    const char *const *words;
    unsigned allowed;   /* F_ENUM/F_ENUM_SET: bit mask of accepted words; 0 = all */
    double def;         /* default of numeric, bool and enum fields */
    const char *def_str;
    void (*parse)(struct checker *c, const struct node *value, void *obj);
};

struct schema {
    const char *what;   /* "lstm layer", used in messages */
    const struct field *fields;
    size_t nfields;
};

#define SCHEMA(what, fields) {what, fields, sizeof fields / sizeof fields[0]}
#define BIT(x) (1u << (x))

struct checker {
    struct diag *d;
    const struct source *src;
    struct spec *spec;
};

#define AT(n) ((n)->span)

/* Optimal string alignment distance, for "did you mean" hints. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The closest candidate within a third of the word's length, or NULL. */
static const char *closest(const char *word, const char *const *cands, size_t n)
{
    size_t limit = strlen(word) / 3 + 1, best = SIZE_MAX;
    const char *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t dist = edit_distance(word, cands[i]);
        if (dist <= limit && dist < best) {
            best = dist;
            found = cands[i];
        }
    }
    return found;
}

static size_t count_words(const char *const *words)
{
    size_t n = 0;
    while (words[n])
        n++;
    return n;
}

/* "a, b or c" of the accepted words, into buf. */
static const char *word_list(char *buf, size_t size, const char *const *words,
                             unsigned allowed)
{
    size_t n = count_words(words), shown = 0, total = 0, len = 0;
    for (size_t i = 0; i < n; i++)
        total += !allowed || (allowed & BIT(i));
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        if (allowed && !(allowed & BIT(i)))
            continue;
        const char *sep = shown == 0 ? "" : shown + 1 == total ? " or " : ", ";
        len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, words[i]);
        shown++;
    }
    return buf;
}

/* Describes a value for "found ..." parts of messages. */
static const char *describe(char *buf, size_t size, const struct node *n)
{
    char num[64];
    switch (n->kind) {
    case NODE_STRING:
        if (strlen(n->u.str.s) > 40)
            snprintf(buf, size, "string '%.37s...'", n->u.str.s);
        else
            snprintf(buf, size, "string '%s'", n->u.str.s);
        break;
    case NODE_INT:
        snprintf(buf, size, "integer %lld", (long long)n->u.i);
        break;
    case NODE_FLOAT:
        format_double(num, sizeof num, n->u.f);
        snprintf(buf, size, "number %s", num);
        break;
    case NODE_BOOL:
        snprintf(buf, size, "boolean %s", n->u.b ? "true" : "false");
        break;
    default:
        snprintf(buf, size, "%s", node_kind_name(n->kind));
    }
    return buf;
}

static void expected(struct checker *c, const struct node *value, const char *key,
                     const char *what)
{
    char found[96];
    diag_error(c->d, c->src, AT(value), "'%s' expects %s, found %s", key, what,
               describe(found, sizeof found, value));
}

static void format_bound(char *buf, size_t size, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, size, "%.0f", v);
    else
        format_double(buf, size, v);
}

static bool in_range(const struct field *f, double v)
{
    if (f->flags & LO_OPEN ? !(v > f->lo) : !(v >= f->lo))
        return false;
    if (f->flags & HI_OPEN ? !(v < f->hi) : !(v <= f->hi))
        return false;
    return true;
}

static void range_error(struct checker *c, const struct field *f, const struct node *value)
{
    char lo[32], hi[32], found[96];
    format_bound(lo, sizeof lo, f->lo);
    format_bound(hi, sizeof hi, f->hi);
    describe(found, sizeof found, value);
    if (f->type == F_INT)
        diag_error(c->d, c->src, AT(value), "'%s' must be between %s and %s, found %s",
                   f->key, lo, hi, found);
    else
        diag_error(c->d, c->src, AT(value), "'%s' must be in %c%s, %s%c, found %s", f->key,
                   f->flags & LO_OPEN ? '(' : '[', lo, hi, f->flags & HI_OPEN ? ')' : ']',
                   found);
}

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
    "_Complex", "_Imaginary", "_Alignas", "_Alignof", "_Atomic", "_Generic",
    "_Noreturn", "_Static_assert", "_Thread_local", "main",
    /* C23 keywords and <stdbool.h> macros, so output stays valid C23. */
    "bool", "true", "false", "nullptr", "alignas", "alignof", "constexpr",
    "static_assert", "thread_local", "typeof", "typeof_unqual", NULL};

/* Names become C identifiers in generated code: validate, never mangle. */
static bool check_name(struct checker *c, const struct node *value, const char *key)
{
    const char *s = value->u.str.s;
    size_t len = strlen(s);
    bool ok = len > 0 && (s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') ||
                          (s[0] >= 'A' && s[0] <= 'Z'));
    for (size_t i = 0; ok && i < len; i++)
        ok = s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
             (s[i] >= '0' && s[i] <= '9');
    if (!ok) {
        char found[96];
        diag_error(c->d, c->src, AT(value),
                   "'%s' must be a C identifier (letters, digits and '_', not starting "
                   "with a digit), found %s", key, describe(found, sizeof found, value));
        return false;
    }
    if (len > 63) {
        diag_error(c->d, c->src, AT(value), "'%s' is %zu characters long; the limit is 63",
                   key, len);
        return false;
    }
    if (s[0] == '_' && (s[1] == '_' || (s[1] >= 'A' && s[1] <= 'Z'))) {
        diag_error(c->d, c->src, AT(value),
                   "'%s' cannot be '%s': names starting with '__' or '_' and a capital "
                   "letter are reserved in C", key, s);
        return false;
    }
    for (size_t i = 0; c_keywords[i]; i++) {
        if (strcmp(s, c_keywords[i]) == 0) {
            diag_error(c->d, c->src, AT(value),
                       "'%s' cannot be '%s': it is reserved in the generated C", key, s);
            return false;
        }
    }
    if (strncmp(s, "lstmc_", 6) == 0 || strncmp(s, "LSTMC_", 6) == 0) {
        diag_error(c->d, c->src, AT(value),
                   "'%s' cannot start with '%.6s': the prefix is reserved for the runtime",
                   key, s);
        return false;
    }
    return true;
}

/*
 * The model's name prefixes every identifier of the generated code
 * (NAME_ctx, NAME_predict, ...) and, upper-cased, every macro (NAME_BATCH,
 * the include guard NAME_H); the generated program and the headers it
 * includes have identifiers of their own. These names would collide
 * (tests/hostile/run.sh names finds them in the generated code, so a new one
 * fails the tests until it is listed here). Compared ignoring case.
 */
static const struct {
    const char *name, *why;
} model_reserved[] = {
    {"lstmc", "its macros would take the runtime's prefix LSTMC_"},
    {"cblas", "its include guard CBLAS_H is the one of <cblas.h>"},
    {"openblas_config", "its include guard OPENBLAS_CONFIG_H is the one of "
                        "<openblas_config.h>"},
    {"cmd", "the program's own functions are named cmd_init, cmd_predict, ..."},
    {"to", "the program has a function to_real"},
    {"timer", "timer_create is a function of <time.h>"},
};

/* check_name, plus what only the model's name must avoid. */
static bool check_model_name(struct checker *c, const struct node *value, const char *key)
{
    if (!check_name(c, value, key))
        return false;
    const char *s = value->u.str.s;
    if (s[0] == '_') {
        diag_error(c->d, c->src, AT(value),
                   "the model's name cannot start with '_': upper-cased it starts the "
                   "generated macros, and names starting with '_' and a capital letter "
                   "are reserved in C");
        return false;
    }
    for (size_t i = 0; i < sizeof model_reserved / sizeof model_reserved[0]; i++) {
        const char *r = model_reserved[i].name;
        size_t n = strlen(r);
        bool hit = strncasecmp(s, r, n) == 0 && (s[n] == '\0' || (i == 0 && s[n] == '_'));
        if (hit) {
            diag_error(c->d, c->src, AT(value),
                       "the model cannot be named '%s': %s", s, model_reserved[i].why);
            return false;
        }
    }
    return true;
}

/* Index of an enum word, or -1 after reporting it with a suggestion. */
static int parse_word(struct checker *c, const struct node *value, const char *key,
                      const char *const *words, unsigned allowed, const char *what)
{
    if (value->kind != NODE_STRING) {
        char list[256];
        expected(c, value, key, word_list(list, sizeof list, words, allowed));
        return -1;
    }
    size_t n = count_words(words);
    const char *cands[32] = {0};
    for (size_t i = 0; i < n; i++) {
        if (allowed && !(allowed & BIT(i)))
            continue;
        cands[i] = words[i];
        if (strcmp(value->u.str.s, words[i]) == 0)
            return (int)i;
    }
    char list[256];
    word_list(list, sizeof list, words, allowed);
    const char *hint = closest(value->u.str.s, cands, n);
    bool known = false;
    for (size_t i = 0; i < n; i++)
        known |= strcmp(value->u.str.s, words[i]) == 0;
    if (known)
        diag_error(c->d, c->src, AT(value), "%s '%s' is not allowed for '%s'; expected %s",
                   what, value->u.str.s, key, list);
    else if (strcmp(what, "type") == 0 && hint)
        diag_error(c->d, c->src, AT(value), "unknown %s type '%s'; did you mean '%s'?", key,
                   value->u.str.s, hint);
    else if (strcmp(what, "type") == 0)
        diag_error(c->d, c->src, AT(value), "unknown %s type '%s'; expected %s", key,
                   value->u.str.s, list);
    else if (hint)
        diag_error(c->d, c->src, AT(value),
                   "unknown %s '%s' for '%s'; did you mean '%s'?", what,
                   value->u.str.s, key, hint);
    else
        diag_error(c->d, c->src, AT(value), "unknown %s '%s' for '%s'; expected %s", what,
                   value->u.str.s, key, list);
    return -1;
}

static void set_default(const struct field *f, void *obj)
{
    char *p = (char *)obj + f->offset;
    switch (f->type) {
    case F_INT:
        *(int64_t *)p = (int64_t)f->def;
        break;
    case F_REAL:
        *(double *)p = f->def;
        break;
    case F_BOOL:
        *(bool *)p = f->def != 0;
        break;
    case F_ENUM:
        *(int *)p = (int)f->def;
        break;
    case F_ENUM_SET:
        *(unsigned *)p = (unsigned)f->def;
        break;
    case F_NAME:
    case F_STRING:
        *(const char **)p = f->def_str;
        break;
    case F_RANGE:
        ((double *)p)[0] = f->lo;
        ((double *)p)[1] = f->hi;
        break;
    case F_STRINGS:
    case F_SUB:
        break;
    }
}

static void parse_field(struct checker *c, const struct field *f, const struct node *v,
                        void *obj)
{
    char *p = (char *)obj + f->offset;
    switch (f->type) {
    case F_INT:
        if (v->kind != NODE_INT) {
            expected(c, v, f->key, "an integer");
            return;
        }
        if (!in_range(f, (double)v->u.i)) {
            range_error(c, f, v);
            return;
        }
        *(int64_t *)p = v->u.i;
        break;
    case F_REAL: {
        if (v->kind != NODE_INT && v->kind != NODE_FLOAT) {
            expected(c, v, f->key, "a number");
            return;
        }
        double x = v->kind == NODE_INT ? (double)v->u.i : v->u.f;
        if (!in_range(f, x)) {
            range_error(c, f, v);
            return;
        }
        *(double *)p = x;
        break;
    }
    case F_BOOL:
        if (v->kind != NODE_BOOL) {
            expected(c, v, f->key, "true or false");
            return;
        }
        *(bool *)p = v->u.b;
        break;
    case F_ENUM: {
        int i = parse_word(c, v, f->key, f->words, f->allowed, "value");
        if (i >= 0)
            *(int *)p = i;
        break;
    }
    case F_ENUM_SET: {
        if (v->kind != NODE_LIST) {
            expected(c, v, f->key, "a list");
            return;
        }
        unsigned set = 0;
        for (size_t i = 0; i < v->u.list.n; i++) {
            const struct node *item = v->u.list.items[i];
            int w = parse_word(c, item, f->key, f->words, f->allowed, "value");
            if (w < 0)
                continue;
            if (set & BIT(w))
                diag_error(c->d, c->src, AT(item), "'%s' lists '%s' twice", f->key,
                           f->words[w]);
            set |= BIT(w);
        }
        *(unsigned *)p = set;
        break;
    }
    case F_NAME:
        if (v->kind != NODE_STRING) {
            expected(c, v, f->key, "a name");
            return;
        }
        if (f->flags & MODEL_NAME ? check_model_name(c, v, f->key) : check_name(c, v, f->key))
            *(const char **)p = v->u.str.s;
        break;
    case F_STRING:
        if (v->kind == NODE_NULL && (f->flags & NULLABLE)) {
            *(const char **)p = NULL;
            return;
        }
        if (v->kind != NODE_STRING) {
            expected(c, v, f->key, "a string");
            return;
        }
        if ((f->flags & NONEMPTY) && !v->u.str.s[0]) {
            diag_error(c->d, c->src, AT(v), "'%s' must not be empty", f->key);
            return;
        }
        *(const char **)p = v->u.str.s;
        break;
    case F_STRINGS: {
        if (v->kind != NODE_LIST) {
            expected(c, v, f->key, "a list of strings");
            return;
        }
        if ((f->flags & NONEMPTY) && v->u.list.n == 0) {
            diag_error(c->d, c->src, AT(v), "'%s' must not be empty", f->key);
            return;
        }
        struct strlist *sl = (struct strlist *)p;
        free(sl->items);
        sl->items = xmalloc((v->u.list.n ? v->u.list.n : 1) * sizeof *sl->items);
        sl->n = 0;
        for (size_t i = 0; i < v->u.list.n; i++) {
            const struct node *item = v->u.list.items[i];
            if (item->kind != NODE_STRING) {
                expected(c, item, f->key, "strings");
                continue;
            }
            for (size_t j = 0; j < sl->n; j++) {
                if (strcmp(sl->items[j], item->u.str.s) == 0) {
                    diag_error(c->d, c->src, AT(item), "'%s' lists '%s' twice", f->key,
                               item->u.str.s);
                    break;
                }
            }
            sl->items[sl->n++] = item->u.str.s;
        }
        break;
    }
    case F_RANGE: {
        const struct node *a, *b;
        if (v->kind != NODE_LIST || v->u.list.n != 2 ||
            ((a = v->u.list.items[0])->kind != NODE_INT && a->kind != NODE_FLOAT) ||
            ((b = v->u.list.items[1])->kind != NODE_INT && b->kind != NODE_FLOAT)) {
            expected(c, v, f->key, "a list of two numbers [min, max]");
            return;
        }
        double x = a->kind == NODE_INT ? (double)a->u.i : a->u.f;
        double y = b->kind == NODE_INT ? (double)b->u.i : b->u.f;
        if (!(x < y) || !isfinite(x) || !isfinite(y)) {
            diag_error(c->d, c->src, AT(v), "'%s' must be [min, max] with min < max", f->key);
            return;
        }
        ((double *)p)[0] = x;
        ((double *)p)[1] = y;
        break;
    }
    case F_SUB:
        f->parse(c, v, obj);
        break;
    }
}

/*
 * Applies schema to map: defaults first, then each entry. skip names a key
 * handled by the caller ("type" of a tagged map).
 */
static void apply(struct checker *c, const struct node *map, const struct schema *s,
                  void *obj, const char *skip)
{
    for (size_t i = 0; i < s->nfields; i++)
        set_default(&s->fields[i], obj);
    if (map->kind != NODE_MAP) {
        char found[96];
        diag_error(c->d, c->src, AT(map), "%s expects a mapping, found %s", s->what,
                   describe(found, sizeof found, map));
        return;
    }
    const char *keys[48] = {0};
    const char *suggested[48] = {0};
    size_t nsuggested = 0;
    for (size_t i = 0; i < s->nfields && i < 48; i++)
        keys[i] = s->fields[i].key;
    for (size_t i = 0; i < map->u.map.n; i++) {
        const struct entry *e = &map->u.map.entries[i];
        const struct entry *first = node_map_find(map, e->key);
        if (first != e) {
            diag_error(c->d, c->src, e->key_span, "duplicate key '%s' in %s", e->key,
                       s->what);
            diag_note(c->d, c->src, first->key_span, "'%s' was first given here", e->key);
            continue;
        }
        if (skip && strcmp(e->key, skip) == 0)
            continue;
        const struct field *f = NULL;
        for (size_t j = 0; j < s->nfields; j++)
            if (strcmp(s->fields[j].key, e->key) == 0)
                f = &s->fields[j];
        if (!f) {
            const char *hint = closest(e->key, keys, s->nfields);
            if (hint && nsuggested < 48)
                suggested[nsuggested++] = hint;
            if (hint)
                diag_error(c->d, c->src, e->key_span,
                           "unknown key '%s' in %s; did you mean '%s'?", e->key, s->what,
                           hint);
            else
                diag_error(c->d, c->src, e->key_span, "unknown key '%s' in %s", e->key,
                           s->what);
            continue;
        }
        parse_field(c, f, e->value, obj);
    }
    /* A misspelt key already got a "did you mean"; don't also call it missing. */
    for (size_t i = 0; i < s->nfields; i++) {
        bool hinted = false;
        for (size_t j = 0; j < nsuggested; j++)
            hinted |= suggested[j] == s->fields[i].key;
        if (s->fields[i].required && !hinted && !node_map_find(map, s->fields[i].key))
            diag_error(c->d, c->src, AT(map), "missing required key '%s' in %s",
                       s->fields[i].key, s->what);
    }
}

struct variant {
    const char *word;
    const struct schema *schema;
};

/*
 * A tagged value: a bare word ("adam") or a mapping whose "type" picks the
 * variant ({type: adam, learning_rate: 0.01}). Returns the variant index or
 * -1; the fields of the variant are applied to obj either way it succeeds.
 */
static int apply_tagged(struct checker *c, const struct node *v, const char *key,
                        const struct variant *variants, size_t n, void *obj)
{
    const char *words[16] = {0};
    for (size_t i = 0; i < n; i++)
        words[i] = variants[i].word;
    const struct node *tag = v;
    if (v->kind == NODE_MAP) {
        const struct entry *t = node_map_find(v, "type");
        if (!t) {
            char list[256];
            diag_error(c->d, c->src, AT(v), "'%s' has no 'type'; expected %s", key,
                       word_list(list, sizeof list, words, 0));
            return -1;
        }
        tag = t->value;
    } else if (v->kind != NODE_STRING) {
        char list[256];
        expected(c, v, key, word_list(list, sizeof list, words, 0));
        return -1;
    }
    int i = parse_word(c, tag, key, words, 0, "type");
    if (i < 0)
        return -1;
    const struct schema *s = variants[i].schema;
    if (v->kind == NODE_MAP) {
        apply(c, v, s, obj, "type");
        return i;
    }
    for (size_t j = 0; j < s->nfields; j++) {
        set_default(&s->fields[j], obj);
        if (s->fields[j].required)
            diag_error(c->d, c->src, AT(v), "%s needs '%s'; write it as a mapping with "
                       "type: %s", s->what, s->fields[j].key, variants[i].word);
    }
    return i;
}

/* Span of key's value in map, or of the map when the key is absent. */
static struct span span_of(const struct node *map, const char *key)
{
    const struct entry *e = node_map_find(map, key);
    return e ? e->value->span : map ? map->span : (struct span){0, 0, 0, 0};
}

static bool given(const struct node *map, const char *key)
{
    return node_map_find(map, key) != NULL;
}

/* Span of the list item word in map's key, else of the whole value. */
static struct span item_span(const struct node *map, const char *key, const char *word)
{
    const struct entry *e = node_map_find(map, key);
    if (e && e->value->kind == NODE_LIST)
        for (size_t i = 0; i < e->value->u.list.n; i++) {
            const struct node *item = e->value->u.list.items[i];
            if (item->kind == NODE_STRING && strcmp(item->u.str.s, word) == 0)
                return item->span;
        }
    return span_of(map, key);
}

/* ---- model ------------------------------------------------------------- */

#define INT_FIELD(st, k, lo_, hi_, req, d)                                              \
    {.key = #k, .type = F_INT, .offset = offsetof(struct st, k), .required = req,       \
     .lo = lo_, .hi = hi_, .def = d}
#define REAL_FIELD(st, k, lo_, hi_, fl, d)                                              \
    {.key = #k, .type = F_REAL, .offset = offsetof(struct st, k), .lo = lo_, .hi = hi_, \
     .flags = fl, .def = d}
#define BOOL_FIELD(st, k, d) {.key = #k, .type = F_BOOL, .offset = offsetof(struct st, k), .def = d}
#define ENUM_FIELD(st, k, member, w, mask, d)                                          \
    {.key = k, .type = F_ENUM, .offset = offsetof(struct st, member), .words = w,      \
     .allowed = mask, .def = d}

#define MAX_UNITS 65536
#define MAX_STEPS 1000000
#define MAX_VOCAB 100000000

static const unsigned lstm_acts = BIT(ACT_LINEAR) | BIT(ACT_RELU) | BIT(ACT_SIGMOID) |
                                  BIT(ACT_TANH) | BIT(ACT_HARD_SIGMOID);
static const unsigned dense_acts = BIT(ACT_LINEAR) | BIT(ACT_RELU) | BIT(ACT_SIGMOID) |
                                   BIT(ACT_TANH) | BIT(ACT_SOFTMAX);

#define NAME_FIELD {.key = "name", .type = F_NAME, .offset = offsetof(struct layer, name)}

static const struct field embedding_fields[] = {
    NAME_FIELD,
    {.key = "output_dim", .type = F_INT, .offset = offsetof(struct layer, units),
     .required = true, .lo = 1, .hi = MAX_UNITS},
    ENUM_FIELD(layer, "embeddings_initializer", embeddings_initializer, initializer_words,
               0, INIT_RANDOM_UNIFORM),
};
static const struct field lstm_fields[] = {
    NAME_FIELD,
    INT_FIELD(layer, units, 1, MAX_UNITS, true, 0),
    BOOL_FIELD(layer, return_sequences, false),
    ENUM_FIELD(layer, "activation", activation, activation_words, lstm_acts, ACT_TANH),
    ENUM_FIELD(layer, "recurrent_activation", recurrent_activation, activation_words,
               lstm_acts, ACT_SIGMOID),
    BOOL_FIELD(layer, use_bias, true),
    REAL_FIELD(layer, dropout, 0, 1, HI_OPEN, 0),
    REAL_FIELD(layer, recurrent_dropout, 0, 1, HI_OPEN, 0),
    ENUM_FIELD(layer, "kernel_initializer", kernel_initializer, initializer_words, 0,
               INIT_GLOROT_UNIFORM),
    ENUM_FIELD(layer, "recurrent_initializer", recurrent_initializer, initializer_words, 0,
               INIT_ORTHOGONAL),
    ENUM_FIELD(layer, "bias_initializer", bias_initializer, initializer_words, 0,
               INIT_ZEROS),
    BOOL_FIELD(layer, unit_forget_bias, true),
};
static const struct field dense_fields[] = {
    NAME_FIELD,
    INT_FIELD(layer, units, 1, MAX_UNITS, true, 0),
    ENUM_FIELD(layer, "activation", activation, activation_words, dense_acts, ACT_LINEAR),
    BOOL_FIELD(layer, use_bias, true),
    ENUM_FIELD(layer, "kernel_initializer", kernel_initializer, initializer_words, 0,
               INIT_GLOROT_UNIFORM),
    ENUM_FIELD(layer, "bias_initializer", bias_initializer, initializer_words, 0,
               INIT_ZEROS),
};
static const struct field dropout_fields[] = {
    NAME_FIELD,
    {.key = "rate", .type = F_REAL, .offset = offsetof(struct layer, rate),
     .required = true, .lo = 0, .hi = 1, .flags = HI_OPEN},
};

static const struct schema embedding_schema = SCHEMA("embedding layer", embedding_fields);
static const struct schema lstm_schema = SCHEMA("lstm layer", lstm_fields);
static const struct schema dense_schema = SCHEMA("dense layer", dense_fields);
static const struct schema dropout_schema = SCHEMA("dropout layer", dropout_fields);
static const struct schema spatial_schema = SCHEMA("spatial_dropout1d layer", dropout_fields);

/* In enum layer_kind order. */
static const struct variant layer_variants[] = {
    {"embedding", &embedding_schema}, {"lstm", &lstm_schema},
    {"dense", &dense_schema},         {"dropout", &dropout_schema},
    {"spatial_dropout1d", &spatial_schema},
};

static const struct field sequence_fields[] = {
    INT_FIELD(model, timesteps, 1, MAX_STEPS, true, 0),
    INT_FIELD(model, features, 1, MAX_UNITS, true, 0),
};
static const struct field tokens_fields[] = {
    INT_FIELD(model, length, 1, MAX_STEPS, true, 0),
    INT_FIELD(model, vocab, 1, MAX_VOCAB, true, 0),
};
static const struct schema sequence_schema = SCHEMA("sequence input", sequence_fields);
static const struct schema tokens_schema = SCHEMA("tokens input", tokens_fields);
static const struct variant input_variants[] = {
    {"sequence", &sequence_schema},
    {"tokens", &tokens_schema},
};

static void parse_input(struct checker *c, const struct node *v, void *obj)
{
    struct model *m = obj;
    m->input_node = v;
    m->input_kind = apply_tagged(c, v, "input", input_variants, 2, m);
}

static void parse_layers(struct checker *c, const struct node *v, void *obj)
{
    struct model *m = obj;
    if (v->kind != NODE_LIST) {
        expected(c, v, "layers", "a list of layers");
        return;
    }
    if (v->u.list.n == 0) {
        diag_error(c->d, c->src, AT(v), "'layers' is empty; a model needs at least one layer");
        return;
    }
    if (v->u.list.n > 256) {
        diag_error(c->d, c->src, AT(v), "a model may have at most 256 layers, found %zu",
                   v->u.list.n);
        return;
    }
    m->layers = xmalloc(v->u.list.n * sizeof *m->layers);
    m->nlayers = 0;
    for (size_t i = 0; i < v->u.list.n; i++) {
        struct layer *l = &m->layers[m->nlayers];
        memset(l, 0, sizeof *l);
        l->node = v->u.list.items[i];
        int k = apply_tagged(c, l->node, "layer", layer_variants, LAYER_KIND_COUNT, l);
        if (k < 0)
            continue;
        l->kind = (enum layer_kind)k;
        l->name_given = l->name != NULL;
        m->nlayers++;
    }
}

static const struct field model_fields[] = {
    {.key = "name", .type = F_NAME, .offset = offsetof(struct model, name), .required = true,
     .flags = MODEL_NAME},
    {.key = "input", .type = F_SUB, .required = true, .parse = parse_input},
    {.key = "layers", .type = F_SUB, .required = true, .parse = parse_layers},
};
static const struct schema model_schema = SCHEMA("model section", model_fields);

/* ---- training ---------------------------------------------------------- */

#define LR_FIELD(d) REAL_FIELD(optimizer, learning_rate, 0, 10, LO_OPEN, d)
static const struct field adam_fields[] = {
    LR_FIELD(0.001),
    REAL_FIELD(optimizer, beta_1, 0, 1, HI_OPEN, 0.9),
    REAL_FIELD(optimizer, beta_2, 0, 1, HI_OPEN, 0.999),
    REAL_FIELD(optimizer, epsilon, 0, 1, LO_OPEN, 1e-7),
};
static const struct field sgd_fields[] = {
    LR_FIELD(0.01),
    REAL_FIELD(optimizer, momentum, 0, 1, HI_OPEN, 0),
    BOOL_FIELD(optimizer, nesterov, false),
};
static const struct field rmsprop_fields[] = {
    LR_FIELD(0.001),
    REAL_FIELD(optimizer, rho, 0, 1, HI_OPEN, 0.9),
    REAL_FIELD(optimizer, epsilon, 0, 1, LO_OPEN, 1e-7),
    REAL_FIELD(optimizer, momentum, 0, 1, HI_OPEN, 0),
};
static const struct schema adam_schema = SCHEMA("adam optimizer", adam_fields);
static const struct schema sgd_schema = SCHEMA("sgd optimizer", sgd_fields);
static const struct schema rmsprop_schema = SCHEMA("rmsprop optimizer", rmsprop_fields);
static const struct variant optimizer_variants[] = {
    {"adam", &adam_schema}, {"sgd", &sgd_schema}, {"rmsprop", &rmsprop_schema}};

static void parse_optimizer(struct checker *c, const struct node *v, void *obj)
{
    struct training *t = obj;
    t->optimizer.node = v;
    int k = apply_tagged(c, v, "optimizer", optimizer_variants, OPTIMIZER_COUNT,
                         &t->optimizer);
    if (k >= 0)
        t->optimizer.kind = k;
}

static const struct field early_fields[] = {
    ENUM_FIELD(early_stopping, "monitor", monitor, monitor_words, 0, MONITOR_VAL_LOSS),
    INT_FIELD(early_stopping, patience, 0, 1000000, false, 0),
    REAL_FIELD(early_stopping, min_delta, 0, 1e30, 0, 0),
    BOOL_FIELD(early_stopping, restore_best_weights, false),
};
static const struct schema early_schema = SCHEMA("early_stopping", early_fields);

static void parse_early(struct checker *c, const struct node *v, void *obj)
{
    struct training *t = obj;
    struct early_stopping *e = &t->early_stopping;
    e->node = v;
    apply(c, v, &early_schema, e, NULL);
    e->enabled = v->kind == NODE_MAP;
}

static const unsigned train_metrics = BIT(METRIC_ACCURACY) | BIT(METRIC_MSE) |
                                      BIT(METRIC_MAE) | BIT(METRIC_RMSE);

static const struct field training_fields[] = {
    {.key = "loss", .type = F_ENUM, .offset = offsetof(struct training, loss),
     .required = true, .words = loss_words},
    {.key = "optimizer", .type = F_SUB, .parse = parse_optimizer},
    {.key = "metrics", .type = F_ENUM_SET, .offset = offsetof(struct training, metrics),
     .words = metric_words, .allowed = train_metrics},
    INT_FIELD(training, epochs, 1, 1000000, false, 1),
    INT_FIELD(training, batch_size, 1, 1 << 20, false, 32),
    REAL_FIELD(training, validation_split, 0, 1, HI_OPEN, 0),
    BOOL_FIELD(training, shuffle, true),
    INT_FIELD(training, seed, 0, 4294967295.0, false, 1),
    {.key = "early_stopping", .type = F_SUB, .parse = parse_early},
};
static const struct schema training_schema = SCHEMA("training section", training_fields);

/* ---- pipeline ---------------------------------------------------------- */

#define PATH_FIELD(k, req)                                                              \
    {.key = #k, .type = F_STRING, .offset = offsetof(struct pipeline, k),               \
     .required = req, .flags = NONEMPTY}
static const struct field csv_fields[] = {PATH_FIELD(path, true),
                                          PATH_FIELD(test_path, false)};
static const struct field xlsx_fields[] = {PATH_FIELD(path, true),
                                           PATH_FIELD(test_path, false),
                                           PATH_FIELD(sheet, false)};
static const struct schema csv_schema = SCHEMA("csv source", csv_fields);
static const struct schema xlsx_schema = SCHEMA("xlsx source", xlsx_fields);
static const struct variant source_variants[] = {{"csv", &csv_schema},
                                                 {"xlsx", &xlsx_schema}};

static void parse_source(struct checker *c, const struct node *v, void *obj)
{
    struct pipeline *p = obj;
    int k = apply_tagged(c, v, "source", source_variants, 2, p);
    if (k >= 0)
        p->source_kind = k;
}

static const struct field group_fields[] = {
    {.key = "id", .type = F_STRING, .offset = offsetof(struct pipeline, group_id),
     .required = true, .flags = NONEMPTY},
    {.key = "order", .type = F_STRING, .offset = offsetof(struct pipeline, group_order),
     .required = true, .flags = NONEMPTY},
    ENUM_FIELD(pipeline, "padding", group_padding, side_words, 0, PAD_PRE),
    ENUM_FIELD(pipeline, "truncating", group_truncating, side_words, 0, PAD_PRE),
};
static const struct schema group_schema = SCHEMA("group", group_fields);

static void parse_group(struct checker *c, const struct node *v, void *obj)
{
    struct pipeline *p = obj;
    p->grouped = true;
    apply(c, v, &group_schema, p, NULL);
}

static const struct field minmax_fields[] = {
    {.key = "feature_range", .type = F_RANGE, .offset = offsetof(struct pipeline, feature_range),
     .lo = 0, .hi = 1},
};
static const struct field empty_fields[1];
static const struct schema minmax_schema = SCHEMA("minmax scaling", minmax_fields);
static const struct schema none_schema = {"no scaling", empty_fields, 0};
static const struct schema standard_schema = {"standard scaling", empty_fields, 0};
static const struct variant scale_variants[] = {
    {"none", &none_schema}, {"minmax", &minmax_schema}, {"standard", &standard_schema}};

static void parse_scale(struct checker *c, const struct node *v, void *obj)
{
    struct pipeline *p = obj;
    int k = apply_tagged(c, v, "scale", scale_variants, 3, p);
    if (k >= 0)
        p->scale = k;
}

static const struct field window_fields[] = {
    {.key = "length", .type = F_INT, .offset = offsetof(struct pipeline, window_length),
     .lo = 1, .hi = MAX_STEPS},
    ENUM_FIELD(pipeline, "label", window_label, label_words, 0, LABEL_NEXT),
};
static const struct schema window_schema = SCHEMA("window", window_fields);

static void parse_window(struct checker *c, const struct node *v, void *obj)
{
    struct pipeline *p = obj;
    p->windowed = true;
    apply(c, v, &window_schema, p, NULL);
}

static const struct field split_fields[] = {
    {.key = "train", .type = F_REAL, .offset = offsetof(struct pipeline, train_fraction),
     .lo = 0, .hi = 1, .flags = LO_OPEN | HI_OPEN, .def = 0.8},
    {.key = "shuffle", .type = F_BOOL, .offset = offsetof(struct pipeline, split_shuffle)},
    {.key = "seed", .type = F_INT, .offset = offsetof(struct pipeline, split_seed), .lo = 0,
     .hi = 4294967295.0, .def = 42},
    {.key = "column", .type = F_STRING, .offset = offsetof(struct pipeline, split_column),
     .flags = NONEMPTY},
};
static const struct schema split_schema = SCHEMA("split", split_fields);

static void parse_split(struct checker *c, const struct node *v, void *obj)
{
    apply(c, v, &split_schema, obj, NULL);
    if (given(v, "column") && (given(v, "train") || given(v, "shuffle") || given(v, "seed")))
        diag_error(c->d, c->src, span_of(v, "column"),
                   "'column' takes the split from the data; it cannot be combined with "
                   "'train', 'shuffle' or 'seed'");
}

static const struct field labels_fields[] = {
    {.key = "encode", .type = F_BOOL, .offset = offsetof(struct pipeline, labels_encode),
     .def = 1},
    {.key = "one_hot", .type = F_BOOL, .offset = offsetof(struct pipeline, labels_one_hot)},
    {.key = "classes", .type = F_STRINGS, .offset = offsetof(struct pipeline, classes),
     .flags = NONEMPTY},
};
static const struct schema labels_schema = SCHEMA("labels", labels_fields);

static void parse_labels(struct checker *c, const struct node *v, void *obj)
{
    apply(c, v, &labels_schema, obj, NULL);
}

static const struct field tokenize_fields[] = {
    INT_FIELD(pipeline, num_words, 2, MAX_VOCAB, false, 0),
    BOOL_FIELD(pipeline, lower, true),
    {.key = "filters", .type = F_STRING, .offset = offsetof(struct pipeline, filters),
     .def_str = keras_filters},
    {.key = "oov_token", .type = F_STRING, .offset = offsetof(struct pipeline, oov_token),
     .flags = NULLABLE | NONEMPTY},
};
static const struct schema tokenize_schema = SCHEMA("tokenize", tokenize_fields);

static void parse_tokenize(struct checker *c, const struct node *v, void *obj)
{
    struct pipeline *p = obj;
    p->tokenized = true;
    apply(c, v, &tokenize_schema, p, NULL);
}

static const struct field pad_fields[] = {
    INT_FIELD(pipeline, maxlen, 1, MAX_STEPS, false, 0),
    ENUM_FIELD(pipeline, "padding", padding, side_words, 0, PAD_PRE),
    ENUM_FIELD(pipeline, "truncating", truncating, side_words, 0, PAD_PRE),
};
static const struct schema pad_schema = SCHEMA("pad", pad_fields);

static void parse_pad(struct checker *c, const struct node *v, void *obj)
{
    apply(c, v, &pad_schema, obj, NULL);
}

static const unsigned eval_metrics = BIT(METRIC_ACCURACY) | BIT(METRIC_MAE) |
                                     BIT(METRIC_RMSE) | BIT(METRIC_MAPE) |
                                     BIT(METRIC_CONFUSION_MATRIX) |
                                     BIT(METRIC_CLASSIFICATION_REPORT);

static const struct field outputs_fields[] = {
    {.key = "predictions", .type = F_BOOL,
     .offset = offsetof(struct pipeline, write_predictions), .def = 1},
    {.key = "weights", .type = F_BOOL, .offset = offsetof(struct pipeline, write_weights),
     .def = 1},
    {.key = "plots", .type = F_ENUM_SET, .offset = offsetof(struct pipeline, plots),
     .words = plot_words},
    {.key = "formats", .type = F_ENUM_SET, .offset = offsetof(struct pipeline, plot_formats),
     .words = format_words, .def = BIT(FORMAT_PNG)},
};
static const struct schema outputs_schema = SCHEMA("outputs", outputs_fields);

static void parse_outputs(struct checker *c, const struct node *v, void *obj)
{
    apply(c, v, &outputs_schema, obj, NULL);
}

#define COLUMN_FIELD(k)                                                                 \
    {.key = #k, .type = F_STRING, .offset = offsetof(struct pipeline, k), .flags = NONEMPTY}
static const struct field pipeline_fields[] = {
    {.key = "source", .type = F_SUB, .required = true, .parse = parse_source},
    COLUMN_FIELD(series),
    {.key = "features", .type = F_STRINGS, .offset = offsetof(struct pipeline, features),
     .flags = NONEMPTY},
    COLUMN_FIELD(target),
    COLUMN_FIELD(text),
    {.key = "group", .type = F_SUB, .parse = parse_group},
    {.key = "scale", .type = F_SUB, .parse = parse_scale},
    {.key = "window", .type = F_SUB, .parse = parse_window},
    {.key = "split", .type = F_SUB, .parse = parse_split},
    {.key = "labels", .type = F_SUB, .parse = parse_labels},
    {.key = "tokenize", .type = F_SUB, .parse = parse_tokenize},
    {.key = "pad", .type = F_SUB, .parse = parse_pad},
    {.key = "evaluate", .type = F_ENUM_SET, .offset = offsetof(struct pipeline, evaluate),
     .words = metric_words, .allowed = eval_metrics},
    {.key = "outputs", .type = F_SUB, .parse = parse_outputs},
};
static const struct schema pipeline_schema = SCHEMA("pipeline section", pipeline_fields);

/* ---- top level --------------------------------------------------------- */

static const struct field codegen_fields[] = {
    INT_FIELD(codegen, unroll, 1, 4096, false, 16),
};
static const struct schema codegen_schema = SCHEMA("codegen section", codegen_fields);

static void parse_model(struct checker *c, const struct node *v, void *obj)
{
    struct spec *s = obj;
    s->model.node = v;
    s->model.input_kind = -1;
    apply(c, v, &model_schema, &s->model, NULL);
}

static void parse_training(struct checker *c, const struct node *v, void *obj)
{
    struct spec *s = obj;
    s->training.node = v;
    /* Without an optimizer key: adam with Keras' defaults, as the seed uses. */
    s->training.optimizer.kind = OPT_ADAM;
    for (size_t i = 0; i < adam_schema.nfields; i++)
        set_default(&adam_schema.fields[i], &s->training.optimizer);
    apply(c, v, &training_schema, &s->training, NULL);
}

static void parse_pipeline(struct checker *c, const struct node *v, void *obj)
{
    struct spec *s = obj;
    struct pipeline *p = &s->pipeline;
    p->present = true;
    p->node = v;
    /* Sub-sections absent from the spec keep these defaults. */
    for (size_t i = 0; i < window_schema.nfields; i++)
        set_default(&window_schema.fields[i], p);
    for (size_t i = 0; i < split_schema.nfields; i++)
        set_default(&split_schema.fields[i], p);
    for (size_t i = 0; i < labels_schema.nfields; i++)
        set_default(&labels_schema.fields[i], p);
    for (size_t i = 0; i < tokenize_schema.nfields; i++)
        set_default(&tokenize_schema.fields[i], p);
    for (size_t i = 0; i < pad_schema.nfields; i++)
        set_default(&pad_schema.fields[i], p);
    for (size_t i = 0; i < outputs_schema.nfields; i++)
        set_default(&outputs_schema.fields[i], p);
    p->group_padding = p->group_truncating = PAD_PRE;
    p->feature_range[0] = 0;
    p->feature_range[1] = 1;
    apply(c, v, &pipeline_schema, p, NULL);
}

static void parse_codegen(struct checker *c, const struct node *v, void *obj)
{
    struct spec *s = obj;
    apply(c, v, &codegen_schema, &s->codegen, NULL);
}

static const struct field top_fields[] = {
    {.key = "model", .type = F_SUB, .required = true, .parse = parse_model},
    {.key = "training", .type = F_SUB, .required = true, .parse = parse_training},
    {.key = "pipeline", .type = F_SUB, .parse = parse_pipeline},
    {.key = "codegen", .type = F_SUB, .parse = parse_codegen},
};
static const struct schema top_schema = SCHEMA("spec", top_fields);

/* ---- names and shapes -------------------------------------------------- */

/* Keras' default names: lstm, lstm_1, ...; skips names the spec took. */
static void name_layers(struct checker *c, struct model *m)
{
    int counter[LAYER_KIND_COUNT] = {0};
    for (size_t i = 0; i < m->nlayers; i++) {
        struct layer *l = &m->layers[i];
        for (size_t j = 0; l->name_given && j < i; j++) {
            const struct layer *first = &m->layers[j];
            if (!first->name_given || strcasecmp(first->name, l->name) != 0)
                continue;
            /* Upper-cased, a layer's name is part of a macro (NAME_LAYER_UNITS). */
            if (strcmp(first->name, l->name) == 0)
                diag_error(c->d, c->src, span_of(l->node, "name"),
                           "duplicate layer name '%s'", l->name);
            else
                diag_error(c->d, c->src, span_of(l->node, "name"),
                           "layer names '%s' and '%s' differ only in case; they must "
                           "differ in more, since upper-cased they name macros", first->name,
                           l->name);
            diag_note(c->d, c->src, span_of(first->node, "name"),
                      "'%s' was first used here", first->name);
            break;
        }
    }
    for (size_t i = 0; i < m->nlayers; i++) {
        struct layer *l = &m->layers[i];
        if (l->name_given)
            continue;
        for (;;) {
            char buf[80];
            int n = counter[l->kind]++;
            if (n == 0)
                snprintf(buf, sizeof buf, "%s", layer_kind_name(l->kind));
            else
                snprintf(buf, sizeof buf, "%s_%d", layer_kind_name(l->kind), n);
            bool taken = false;
            for (size_t j = 0; j < m->nlayers && !taken; j++)
                taken = m->layers[j].name && strcasecmp(m->layers[j].name, buf) == 0;
            if (!taken) {
                char *owned = xstrndup(buf, strlen(buf));
                l->name = owned;
                break;
            }
        }
    }
}

static void format_shape(char *buf, size_t size, struct shape s)
{
    if (s.steps)
        snprintf(buf, size, "[%lld, %lld]", (long long)s.steps, (long long)s.features);
    else
        snprintf(buf, size, "[%lld]", (long long)s.features);
}

/* a*b and a+b in 64 bits, false on overflow. */
static bool mul64(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static bool add64(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* Largest parameter count a model may have (elements, not bytes). */
#define MAX_PARAMS ((int64_t)1 << 31)

static bool layer_params(const struct layer *l, int64_t *out)
{
    int64_t in = l->in.features, u = l->units, t;
    switch (l->kind) {
    case LAYER_EMBEDDING:
        return mul64(in, u, out);
    case LAYER_LSTM:
        /* 4·U·(F + U + bias) */
        return add64(in, u + (l->use_bias ? 1 : 0), &t) && mul64(4 * u, t, out);
    case LAYER_DENSE:
        return mul64(in, u, &t) && add64(t, l->use_bias ? u : 0, out);
    case LAYER_DROPOUT:
    case LAYER_SPATIAL_DROPOUT1D:
        *out = 0;
        return true;
    case LAYER_KIND_COUNT:
        break;
    }
    return false;
}

static void infer_shapes(struct checker *c, struct model *m)
{
    struct shape cur;
    if (m->input_kind == INPUT_SEQUENCE)
        cur = (struct shape){m->timesteps, m->features};
    else
        cur = (struct shape){0, m->length};
    const struct layer *prev = NULL;
    m->params = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        struct layer *l = &m->layers[i];
        struct span at = span_of(l->node, "type");
        char shape[64];
        l->in = cur;
        format_shape(shape, sizeof shape, cur);
        switch (l->kind) {
        case LAYER_EMBEDDING:
            if (i != 0 || m->input_kind != INPUT_TOKENS) {
                diag_error(c->d, c->src, at,
                           "an embedding layer must be the first layer of a model with "
                           "tokens input");
                if (m->input_kind == INPUT_SEQUENCE)
                    diag_note(c->d, c->src, m->input_node->span,
                              "the model's input is a float sequence [%lld, %lld]",
                              (long long)m->timesteps, (long long)m->features);
                return;
            }
            l->in = (struct shape){0, m->vocab};
            cur = (struct shape){m->length, l->units};
            break;
        case LAYER_LSTM:
            if (!cur.steps) {
                diag_error(c->d, c->src, at,
                           "lstm layer '%s' needs a sequence [timesteps, features], but "
                           "its input is %s", l->name, shape);
                if (prev && prev->kind == LAYER_LSTM)
                    diag_note(c->d, c->src, span_of(prev->node, "type"),
                              "'%s' returns only its last step; set return_sequences: "
                              "true to pass the whole sequence", prev->name);
                else if (!prev)
                    diag_note(c->d, c->src, m->input_node->span,
                              "tokens input needs an embedding layer first");
                return;
            }
            cur = l->return_sequences ? (struct shape){cur.steps, l->units}
                                      : (struct shape){0, l->units};
            break;
        case LAYER_DENSE:
            /* On a sequence, Dense applies to every step, as in Keras. */
            cur.features = l->units;
            break;
        case LAYER_SPATIAL_DROPOUT1D:
            if (!cur.steps) {
                diag_error(c->d, c->src, at,
                           "spatial_dropout1d layer '%s' needs a sequence input, but its "
                           "input is %s", l->name, shape);
                return;
            }
            break;
        case LAYER_DROPOUT:
        case LAYER_KIND_COUNT:
            break;
        }
        if (i == 0 && m->input_kind == INPUT_TOKENS && l->kind != LAYER_EMBEDDING) {
            diag_error(c->d, c->src, at,
                       "a model with tokens input must start with an embedding layer, "
                       "found %s", layer_kind_name(l->kind));
            return;
        }
        l->out = cur;
        if (!layer_params(l, &l->params) || !add64(m->params, l->params, &m->params) ||
            m->params > MAX_PARAMS) {
            diag_error(c->d, c->src, at,
                       "the model has too many parameters at layer '%s'; the limit is "
                       "%lld", l->name, (long long)MAX_PARAMS);
            return;
        }
        prev = l;
    }
}

/*
 * Largest number of values in one buffer of one batch. The generated code
 * holds every activation of a batch in a fixed array and hands batch x
 * steps rows to BLAS, whose dimensions are int: so every buffer of a batch
 * stays below 2^31 values, which also keeps the context's size (a few
 * dozen such buffers per layer) far inside 64 bits.
 */
#define MAX_BATCH_VALUES ((int64_t)INT32_MAX)

/* Values per sample of the layer's largest buffer (steps x features of its
 * input or output, or an LSTM's steps x 4 units gates); 64-bit, exact:
 * steps <= 10^6 and features <= 4 x 65536. */
static int64_t layer_sample_values(const struct layer *l)
{
    int64_t in = (l->in.steps ? l->in.steps : 1) * l->in.features;
    int64_t out = (l->out.steps ? l->out.steps : 1) * l->out.features;
    int64_t big = out;
    if (l->kind == LAYER_EMBEDDING)
        in = l->out.steps;   /* its input is token ids, not [vocab] */
    if (in > big)
        big = in;
    if (l->kind == LAYER_LSTM && l->in.steps * 4 * l->units > big)
        big = l->in.steps * 4 * l->units;
    return big;
}

static void check_batch(struct checker *c, const struct spec *s)
{
    const struct model *m = &s->model;
    int64_t batch = s->training.batch_size;
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct layer *l = &m->layers[i];
        int64_t per = layer_sample_values(l), total;
        if (mul64(per, batch, &total) && total <= MAX_BATCH_VALUES)
            continue;
        diag_error(c->d, c->src, span_of(l->node, "type"),
                   "layer '%s' needs %lld values per sample in one buffer, so a batch of "
                   "%lld samples is above the limit of %lld values per buffer; lower "
                   "batch_size or the layer's size", l->name, (long long)per,
                   (long long)batch, (long long)MAX_BATCH_VALUES);
        if (given(s->training.node, "batch_size"))
            diag_note(c->d, c->src, span_of(s->training.node, "batch_size"),
                      "batch_size set here");
        return;
    }
}

/* The last layer that is not dropout: what decides the output activation. */
static const struct layer *output_layer(const struct model *m)
{
    for (size_t i = m->nlayers; i-- > 0;)
        if (m->layers[i].kind != LAYER_DROPOUT && m->layers[i].kind != LAYER_SPATIAL_DROPOUT1D)
            return &m->layers[i];
    return NULL;
}

static void check_loss(struct checker *c, const struct spec *s)
{
    const struct model *m = &s->model;
    const struct training *t = &s->training;
    const struct layer *out = output_layer(m);
    if (!out)
        return;
    struct span loss_at = span_of(t->node, "loss");
    int act = out->kind == LAYER_DENSE ? out->activation : -1;
    const char *act_name = act >= 0 ? activation_name(act) : "no";
    struct span out_at = span_of(out->node, act >= 0 && given(out->node, "activation")
                                                ? "activation" : "type");
    switch (t->loss) {
    case LOSS_CATEGORICAL_CROSSENTROPY:
        if (act != ACT_SOFTMAX) {
            diag_error(c->d, c->src, loss_at,
                       "categorical_crossentropy needs a softmax output, but '%s' has %s "
                       "activation", out->name, act_name);
            diag_note(c->d, c->src, out_at, "set activation: softmax on '%s'", out->name);
        } else if (out->units < 2) {
            diag_error(c->d, c->src, span_of(out->node, "units"),
                       "a softmax over 1 unit always outputs 1; use one unit per class, or "
                       "sigmoid with binary_crossentropy for two classes");
        }
        break;
    case LOSS_BINARY_CROSSENTROPY:
        if (act != ACT_SIGMOID) {
            diag_error(c->d, c->src, loss_at,
                       "binary_crossentropy needs a sigmoid output, but '%s' has %s "
                       "activation", out->name, act_name);
            diag_note(c->d, c->src, out_at, "set activation: sigmoid on '%s'", out->name);
        }
        break;
    case LOSS_MSE:
    case LOSS_MAE:
        if (act == ACT_SOFTMAX) {
            diag_error(c->d, c->src, loss_at,
                       "%s on a softmax output mixes regression and classification; use "
                       "categorical_crossentropy", loss_name(t->loss));
            diag_note(c->d, c->src, out_at, "'%s' has softmax activation", out->name);
        }
        break;
    }
    bool classify = loss_is_classification(t->loss);
    for (int k = 0; k < METRIC_COUNT; k++) {
        if (!(t->metrics & BIT(k)))
            continue;
        if ((k == METRIC_ACCURACY) != classify)
            diag_error(c->d, c->src, item_span(t->node, "metrics", metric_name(k)),
                       "metric '%s' does not apply to %s", metric_name(k),
                       loss_name(t->loss));
    }
    if (t->early_stopping.enabled && t->validation_split == 0 &&
        t->early_stopping.monitor == MONITOR_VAL_LOSS) {
        diag_error(c->d, c->src, t->early_stopping.node->span,
                   "early stopping monitors val_loss, but there is no validation data; set "
                   "validation_split above 0, or monitor: loss");
    }
}

/* Mutually exclusive pipeline keys: reports the second one present. */
static void exclusive(struct checker *c, const struct node *p, const char *a, const char *b)
{
    if (given(p, a) && given(p, b)) {
        const struct entry *ea = node_map_find(p, a), *eb = node_map_find(p, b);
        diag_error(c->d, c->src, eb->key_span, "'%s' and '%s' cannot both be given", b, a);
        diag_note(c->d, c->src, ea->key_span, "'%s' is given here", a);
    }
}

static void not_for(struct checker *c, const struct node *p, const char *key,
                    const char *why)
{
    const struct entry *e = node_map_find(p, key);
    if (e)
        diag_error(c->d, c->src, e->key_span, "'%s' does not apply %s", key, why);
}

static void check_pipeline(struct checker *c, struct spec *s)
{
    struct pipeline *p = &s->pipeline;
    const struct model *m = &s->model;
    const struct training *t = &s->training;
    const struct node *pn = p->node;
    const struct span pipe_at = node_map_find(s->root, "pipeline")->key_span;
    bool classify = loss_is_classification(t->loss);
    const struct layer *out = output_layer(m);
    char shape[64];

    if (out && m->layers[m->nlayers - 1].out.steps) {
        format_shape(shape, sizeof shape, m->layers[m->nlayers - 1].out);
        diag_error(c->d, c->src, span_of(m->layers[m->nlayers - 1].node, "type"),
                   "the model outputs a sequence %s, but the pipeline gives one label per "
                   "sample", shape);
        for (size_t i = m->nlayers; i-- > 0;)
            if (m->layers[i].kind == LAYER_LSTM) {
                diag_note(c->d, c->src, span_of(m->layers[i].node, "return_sequences"),
                          "set return_sequences: false on '%s'", m->layers[i].name);
                break;
            }
    }

    if (m->input_kind == INPUT_SEQUENCE) {
        exclusive(c, pn, "series", "features");
        exclusive(c, pn, "window", "group");
        const char *why = "to a float sequence input";
        not_for(c, pn, "text", why);
        not_for(c, pn, "tokenize", why);
        not_for(c, pn, "pad", why);
        if (!p->series && !p->features.n)
            diag_error(c->d, c->src, pipe_at,
                       "the pipeline must name the input columns with 'series' or "
                       "'features'");
        if (p->series && m->features != 1) {
            diag_error(c->d, c->src, span_of(pn, "series"),
                       "'series' is one column, but the model's input has %lld features",
                       (long long)m->features);
            diag_note(c->d, c->src, span_of(m->input_node, "features"),
                      "input features set here");
        }
        if (p->features.n && (int64_t)p->features.n != m->features) {
            diag_error(c->d, c->src, span_of(pn, "features"),
                       "'features' names %zu columns, but the model's input has %lld "
                       "features", p->features.n, (long long)m->features);
            diag_note(c->d, c->src, span_of(m->input_node, "features"),
                      "input features set here");
        }
        if (!p->windowed && !p->grouped)
            diag_error(c->d, c->src, pipe_at,
                       "a sequence input needs 'window' (consecutive rows) or 'group' "
                       "(rows grouped by an id column)");
        if (p->windowed && p->window_length && p->window_length != m->timesteps) {
            diag_error(c->d, c->src, span_of(node_map_find(pn, "window")->value, "length"),
                       "windows of %lld rows do not fit the model's input of %lld "
                       "timesteps", (long long)p->window_length, (long long)m->timesteps);
            diag_note(c->d, c->src, span_of(m->input_node, "timesteps"),
                      "input timesteps set here");
        }
        if (p->windowed && !p->window_length)
            p->window_length = m->timesteps;
        if (p->series && p->windowed && p->window_label == LABEL_LAST)
            diag_error(c->d, c->src, span_of(node_map_find(pn, "window")->value, "label"),
                       "a series window is labelled with the next value; 'last' would "
                       "label it with its own input");
        if (p->series && p->grouped)
            diag_error(c->d, c->src, node_map_find(pn, "group")->key_span,
                       "a 'series' is cut into windows, not grouped; use 'features' with "
                       "'group'");
        if (p->series && p->target)
            diag_error(c->d, c->src, span_of(pn, "target"),
                       "a 'series' is its own target (the next value); remove 'target' or "
                       "use 'features'");
        if (p->grouped && !p->target)
            diag_error(c->d, c->src, span_of(pn, "group"),
                       "grouped sequences need a 'target' column with each sequence's label");
        if (p->features.n && !p->target)
            diag_error(c->d, c->src, pipe_at,
                       "the pipeline has 'features' but no 'target' column to predict");
        if (p->series && classify)
            diag_error(c->d, c->src, span_of(pn, "series"),
                       "a 'series' forecast is regression, but the loss is %s",
                       loss_name(t->loss));
    } else if (m->input_kind == INPUT_TOKENS) {
        const char *why = "to a tokens input";
        not_for(c, pn, "series", why);
        not_for(c, pn, "features", why);
        not_for(c, pn, "window", why);
        not_for(c, pn, "group", why);
        if (p->scale != SCALE_NONE)
            not_for(c, pn, "scale", why);
        if (!p->text)
            diag_error(c->d, c->src, pipe_at, "a tokens input needs a 'text' column");
        if (!p->target)
            diag_error(c->d, c->src, pipe_at, "the pipeline needs a 'target' column");
        if (!p->num_words)
            p->num_words = m->vocab;
        if (p->oov_token && p->num_words < 3)
            diag_error(c->d, c->src, span_of(node_map_find(pn, "tokenize")->value, "num_words"),
                       "with an oov_token, num_words must be at least 3 to keep any word "
                       "(index 0 is padding, 1 the oov token)");
        if (p->num_words > m->vocab) {
            diag_error(c->d, c->src, span_of(node_map_find(pn, "tokenize")->value, "num_words"),
                       "the tokenizer keeps up to %lld words, but the input vocabulary has "
                       "only %lld", (long long)p->num_words, (long long)m->vocab);
            diag_note(c->d, c->src, span_of(m->input_node, "vocab"), "vocabulary set here");
        }
        if (!p->maxlen)
            p->maxlen = m->length;
        if (p->maxlen != m->length) {
            diag_error(c->d, c->src, span_of(node_map_find(pn, "pad")->value, "maxlen"),
                       "sequences padded to %lld tokens do not fit the model's input of "
                       "length %lld", (long long)p->maxlen, (long long)m->length);
            diag_note(c->d, c->src, span_of(m->input_node, "length"), "input length set here");
        }
        p->tokenized = true;
    }

    if (given(pn, "split") && p->test_path) {
        diag_error(c->d, c->src, node_map_find(pn, "split")->key_span,
                   "'split' does not apply when the source has a separate 'test_path'");
    }

    /* Labels: classification needs them to agree with the output layer. */
    const struct entry *labels = node_map_find(pn, "labels");
    if (!classify && labels)
        diag_error(c->d, c->src, labels->key_span,
                   "'labels' apply to classification, but the loss is %s",
                   loss_name(t->loss));
    if (classify && out) {
        bool one_hot_given = labels && given(labels->value, "one_hot");
        if (t->loss == LOSS_CATEGORICAL_CROSSENTROPY) {
            if (one_hot_given && !p->labels_one_hot)
                diag_error(c->d, c->src, span_of(labels->value, "one_hot"),
                           "categorical_crossentropy needs one-hot labels");
            p->labels_one_hot = true;
        } else if (p->labels_one_hot) {
            diag_error(c->d, c->src, span_of(labels->value, "one_hot"),
                       "binary_crossentropy takes 0/1 labels, not one-hot");
        }
        if (t->loss == LOSS_BINARY_CROSSENTROPY && out->units != 1) {
            diag_error(c->d, c->src, span_of(out->node, "units"),
                       "binary_crossentropy on one label column needs 1 output unit, "
                       "found %lld", (long long)out->units);
        }
        if (p->classes.n && t->loss == LOSS_BINARY_CROSSENTROPY && p->classes.n != 2) {
            diag_error(c->d, c->src, span_of(labels->value, "classes"),
                       "binary_crossentropy needs exactly 2 classes, found %zu",
                       p->classes.n);
        } else if (p->classes.n && t->loss == LOSS_CATEGORICAL_CROSSENTROPY &&
                   (int64_t)p->classes.n != out->units) {
            diag_error(c->d, c->src, span_of(labels->value, "classes"),
                       "%zu classes listed, but the model's output has %lld units",
                       p->classes.n, (long long)out->units);
            diag_note(c->d, c->src, span_of(out->node, "units"),
                      "one unit per class is needed on '%s'", out->name);
        }
        if (p->classes.n && labels && given(labels->value, "encode") && !p->labels_encode)
            diag_error(c->d, c->src, span_of(labels->value, "classes"),
                       "'classes' names the labels to encode, but 'encode' is false");
    }

    /* Evaluation, plots: defaults follow the task; explicit ones must fit it. */
    const unsigned regression_eval = BIT(METRIC_RMSE) | BIT(METRIC_MAE) | BIT(METRIC_MAPE);
    if (!given(pn, "evaluate"))
        p->evaluate = classify ? BIT(METRIC_ACCURACY) | BIT(METRIC_CONFUSION_MATRIX) |
                                     BIT(METRIC_CLASSIFICATION_REPORT)
                               : BIT(METRIC_RMSE) | BIT(METRIC_MAE) | BIT(METRIC_MAPE);
    for (int k = 0; k < METRIC_COUNT; k++) {
        if ((p->evaluate & BIT(k)) && ((regression_eval & BIT(k)) != 0) == classify)
            diag_error(c->d, c->src, item_span(pn, "evaluate", metric_name(k)),
                       "'%s' does not apply to %s", metric_name(k), loss_name(t->loss));
    }
    const struct entry *outputs = node_map_find(pn, "outputs");
    /* The confusion heatmap has one cell per pair of classes; the runtime
     * draws it for up to LSTMC_PLOT_MAX_CLASSES classes, so it is left
     * out of the default plots above that and refused when asked for. */
    int64_t n_classes = !classify || !out ? 0
                        : t->loss == LOSS_BINARY_CROSSENTROPY ? 2 : out->units;
    bool confusion_fits = n_classes <= LSTMC_PLOT_MAX_CLASSES;
    if (!outputs || !given(outputs->value, "plots"))
        p->plots = BIT(PLOT_LOSS) |
                   (classify ? (confusion_fits ? BIT(PLOT_CONFUSION_MATRIX) : 0)
                             : p->series ? BIT(PLOT_FORECAST) : 0);
    if (p->plots && !p->plot_formats)
        diag_error(c->d, c->src, span_of(outputs->value, "formats"),
                   "'formats' is empty, so the plots would not be written");
    if ((p->plots & BIT(PLOT_FORECAST)) && !p->series)
        diag_error(c->d, c->src, span_of(outputs->value, "plots"),
                   "the forecast plot needs a 'series' pipeline");
    if ((p->plots & BIT(PLOT_CONFUSION_MATRIX)) && !classify)
        diag_error(c->d, c->src, span_of(outputs->value, "plots"),
                   "the confusion_matrix plot needs a classification loss");
    if ((p->plots & BIT(PLOT_CONFUSION_MATRIX)) && classify && !confusion_fits) {
        diag_error(c->d, c->src, item_span(outputs->value, "plots", "confusion_matrix"),
                   "the confusion_matrix plot shows at most %d classes, but the model has "
                   "%lld; leave it out of 'plots' (the report still has the matrix)",
                   LSTMC_PLOT_MAX_CLASSES, (long long)n_classes);
        diag_note(c->d, c->src, span_of(out->node, "units"), "one unit per class on '%s'",
                  out->name);
    }
}

bool check_spec(struct spec *spec, const struct source *src, const struct node *root,
                struct diag *d)
{
    memset(spec, 0, sizeof *spec);
    spec->src = src;
    spec->root = root;
    spec->model.input_kind = -1;
    spec->codegen.unroll = 16;
    struct checker c = {d, src, spec};
    int before = d->errors;
    if (!root)
        return false;
    if (root->kind != NODE_MAP) {
        char found[96];
        diag_error(d, src, root->span, "a spec is a mapping with 'model' and 'training', "
                   "found %s", describe(found, sizeof found, root));
        return false;
    }
    if (root->u.map.n == 0) {
        diag_error(d, src, root->span, "the spec is empty; it needs 'model' and 'training'");
        return false;
    }
    apply(&c, root, &top_schema, spec, NULL);
    struct model *m = &spec->model;
    bool model_ok = d->errors == before && m->input_kind >= 0 && m->nlayers > 0;
    if (m->nlayers)
        name_layers(&c, m);
    if (model_ok) {
        infer_shapes(&c, m);
        model_ok = d->errors == before;
    }
    if (model_ok && d->errors == before)
        check_batch(&c, spec);
    if (model_ok)
        check_loss(&c, spec);
    if (model_ok && spec->pipeline.present && d->errors == before)
        check_pipeline(&c, spec);
    return d->errors == before;
}

void spec_free(struct spec *spec)
{
    for (size_t i = 0; i < spec->model.nlayers; i++)
        if (!spec->model.layers[i].name_given)
            free((char *)spec->model.layers[i].name);
    free(spec->model.layers);
    free(spec->pipeline.features.items);
    free(spec->pipeline.classes.items);
    memset(spec, 0, sizeof *spec);
}
