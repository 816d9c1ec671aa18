/*
 * emit_main: writes NAME_main.c, the model's program, from the template
 * main_template.c.in (embedded at build time as main_template[]) by
 * replacing its @words@ with the model's values.
 *
 * A spec with a pipeline gets main_pipeline.c.in instead (embedded as
 * main_pipeline_template[]), which adds the `train` command: the spec's
 * pipeline settings become one constant lstmc_pipeline_spec that the
 * runtime's executor (runtime/pipeline.c) follows.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "printer.h"
#include "source.h"

extern const char main_template[];
extern const char main_pipeline_template[];

void emit_main(struct printer *p, const struct ir_model *m, const char *upper,
               const char *version);

/* A growing string. */
struct buf {
    char *s;
    size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)n;
        char *s = realloc(b->s, cap);
        if (!s)
            return;
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* A C string literal for s (c_escape in printer.c), or NULL. */
static void put_str(struct buf *b, const char *s)
{
    if (!s) {
        put(b, "NULL");
        return;
    }
    char *body = c_escape(s, false);
    put(b, "\"%s\"", body ? body : "");
    free(body);
}

static void put_list(struct buf *b, const char *name, const struct strlist *l)
{
    if (l->n == 0)
        return;
    put(b, "static const char *const %s[] = {", name);
    for (size_t i = 0; i < l->n; i++) {
        put(b, i ? ", " : "");
        put_str(b, l->items[i]);
    }
    put(b, "};\n");
}

/* The spec's pipeline as a constant lstmc_pipeline_spec (lstmc.h). */
static char *pipeline_spec_text(const struct ir_model *m)
{
    const struct spec *sp = m->spec;
    const struct pipeline *p = &sp->pipeline;
    struct buf b = {0};
    /* The spec's directory: relative data paths are relative to it. */
    const char *spec_file = sp->src->path;
    const char *slash = strrchr(spec_file, '/');
    char *dir = strndup(spec_file, slash ? (size_t)(slash - spec_file) : 0);
    put_list(&b, "pipeline_features", &p->features);
    put_list(&b, "pipeline_classes", &p->classes);
    put(&b, "/* pipeline (%s) */\n", m->spec_path);
    put(&b, "static const lstmc_pipeline_spec pipeline_spec = {\n");
    put(&b, "    .name = ");
    put_str(&b, m->name);
    put(&b, ",\n    .spec_dir = ");
    put_str(&b, dir ? dir : "");
    free(dir);
    put(&b, ",\n    .path = ");
    put_str(&b, p->path);
    put(&b, ",\n    .test_path = ");
    put_str(&b, p->test_path);
    put(&b, ",\n    .sheet = ");
    put_str(&b, p->sheet);
    put(&b, ",\n    .series = ");
    put_str(&b, p->series);
    put(&b, ",\n    .features = %s,\n", p->features.n ? "pipeline_features" : "NULL");
    put(&b, "    .n_features = %zu,\n    .target = ", p->features.n);
    put_str(&b, p->target);
    put(&b, ",\n    .text = ");
    put_str(&b, p->text);
    put(&b, ",\n    .samples = %s,\n",
        m->tokens ? "LSTMC_SAMPLES_TOKENS"
                  : p->grouped ? "LSTMC_SAMPLES_GROUP" : "LSTMC_SAMPLES_WINDOW");
    put(&b, "    .window_length = %lld,\n", (long long)p->window_length);
    put(&b, "    .window_label = %s,\n",
        p->window_label == LABEL_LAST ? "LSTMC_WINDOW_LAST" : "LSTMC_WINDOW_NEXT");
    put(&b, "    .group_id = ");
    put_str(&b, p->group_id);
    put(&b, ",\n    .group_order = ");
    put_str(&b, p->group_order);
    put(&b, ",\n    .group_padding = %s,\n",
        p->group_padding == PAD_POST ? "LSTMC_PAD_POST" : "LSTMC_PAD_PRE");
    put(&b, "    .group_truncating = %s,\n",
        p->group_truncating == PAD_POST ? "LSTMC_PAD_POST" : "LSTMC_PAD_PRE");
    put(&b, "    .train_fraction = %.17g,\n", p->train_fraction);
    put(&b, "    .split_shuffle = %s,\n", p->split_shuffle ? "true" : "false");
    put(&b, "    .split_seed = %lld,\n", (long long)p->split_seed);
    put(&b, "    .split_column = ");
    put_str(&b, p->split_column);
    put(&b, ",\n    .scale = %s,\n", p->scale != SCALE_NONE ? "true" : "false");
    put(&b, "    .scale_kind = %s,\n",
        p->scale == SCALE_STANDARD ? "LSTMC_SCALE_STANDARD" : "LSTMC_SCALE_MINMAX");
    put(&b, "    .feature_range = {%.17g, %.17g},\n", p->feature_range[0], p->feature_range[1]);
    put(&b, "    .labels_encode = %s,\n", p->labels_encode ? "true" : "false");
    put(&b, "    .classes = %s,\n", p->classes.n ? "pipeline_classes" : "NULL");
    put(&b, "    .n_classes_given = %zu,\n", p->classes.n);
    put(&b, "    .num_words = %lld,\n", (long long)p->num_words);
    put(&b, "    .lower = %s,\n", p->lower ? "true" : "false");
    put(&b, "    .filters = ");
    put_str(&b, p->filters);
    put(&b, ",\n    .oov_token = ");
    put_str(&b, p->oov_token);
    put(&b, ",\n    .padding = %s,\n", p->padding == PAD_POST ? "LSTMC_PAD_POST" : "LSTMC_PAD_PRE");
    put(&b, "    .truncating = %s,\n",
        p->truncating == PAD_POST ? "LSTMC_PAD_POST" : "LSTMC_PAD_PRE");
    put(&b, "    .timesteps = %lld,\n", (long long)m->in_steps);
    put(&b, "    .features_per_step = %lld,\n", (long long)(m->tokens ? 1 : m->in_features));
    put(&b, "    .vocab = %lld,\n", (long long)(m->tokens ? sp->model.vocab : 0));
    put(&b, "    .outputs = %lld,\n", (long long)(m->out_steps * m->out_features));
    int loss = sp->training.loss;
    put(&b, "    .task = %s,\n",
        loss == LOSS_BINARY_CROSSENTROPY ? "LSTMC_TASK_BINARY"
        : loss == LOSS_CATEGORICAL_CROSSENTROPY ? "LSTMC_TASK_CATEGORICAL"
                                                : "LSTMC_TASK_REGRESSION");
    static const struct {
        int metric;
        const char *bit;
    } evals[] = {
        {METRIC_RMSE, "LSTMC_EVAL_RMSE"},
        {METRIC_MAE, "LSTMC_EVAL_MAE"},
        {METRIC_MAPE, "LSTMC_EVAL_MAPE"},
        {METRIC_ACCURACY, "LSTMC_EVAL_ACCURACY"},
        {METRIC_CONFUSION_MATRIX, "LSTMC_EVAL_CONFUSION"},
        {METRIC_CLASSIFICATION_REPORT, "LSTMC_EVAL_REPORT"},
    };
    put(&b, "    .evaluate = 0");
    for (size_t i = 0; i < sizeof evals / sizeof evals[0]; i++)
        if (p->evaluate & (1u << evals[i].metric))
            put(&b, " | %s", evals[i].bit);
    put(&b, ",\n    .write_predictions = %s,\n", p->write_predictions ? "true" : "false");
    put(&b, "    .write_weights = %s,\n", p->write_weights ? "true" : "false");
    put(&b, "    .plots = 0%s%s%s,\n",
        p->plots & (1u << PLOT_FORECAST) ? " | LSTMC_PLOT_FORECAST" : "",
        p->plots & (1u << PLOT_CONFUSION_MATRIX) ? " | LSTMC_PLOT_CONFUSION" : "",
        p->plots & (1u << PLOT_LOSS) ? " | LSTMC_PLOT_LOSS" : "");
    put(&b, "    .formats = 0%s%s,\n",
        p->plot_formats & (1u << FORMAT_PNG) ? " | LSTMC_FORMAT_PNG" : "",
        p->plot_formats & (1u << FORMAT_SVG) ? " | LSTMC_FORMAT_SVG" : "");
    put(&b, "};\n");
    return b.s;
}

/* text as lines of C string literals for a help text, each "  LINE\n",
 * wrapped at spaces to at most 76 columns. */
static void put_help(struct buf *b, const char *text)
{
    enum { WIDTH = 74 };
    while (*text) {
        size_t cut = strlen(text);
        if (cut > WIDTH) {
            cut = WIDTH;
            while (cut > 0 && text[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = strcspn(text, " ");
        }
        char *line = malloc(cut + 4);
        if (!line)
            return;
        snprintf(line, cut + 4, "  %.*s\n", (int)cut, text);
        put(b, "    ");
        put_str(b, line);
        put(b, "\n");
        free(line);
        text += cut;
        while (*text == ' ')
            text++;
    }
}

/* 'a', 'b' and 'c' */
static void put_columns(struct buf *b, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(b, "%s'%s'", i == 0 ? "" : i + 1 < n ? ", " : " and ", names[i]);
}

/* The spec's words of `predict --help` on raw data: the --text usage line
 * (tokens input), what is read from FILE, what is written. */
static void predict_help_text(const struct ir_model *m, char **usage, char **data, char **output)
{
    const struct pipeline *p = &m->spec->pipeline;
    bool classes = m->spec->training.loss == LOSS_BINARY_CROSSENTROPY ||
                   m->spec->training.loss == LOSS_CATEGORICAL_CROSSENTROPY;
    struct buf u = {0}, d = {0}, o = {0}, t = {0};
    if (m->tokens) {
        put(&u, "    \"       \" PROGRAM \" predict [--model-dir DIR] --text FILE|- "
                "[--output OUT]\\n\"\n");
        put(&t, "FILE's column '%s' is read (other columns, the target's too, are ignored): "
                "one text per row, turned into token ids with the saved vocabulary and padded "
                "to %lld tokens. --text FILE takes one text per line instead, and --text - "
                "reads them from standard input.", p->text, (long long)m->in_steps);
    } else {
        const char *const *names = p->series ? &p->series : p->features.items;
        size_t n = p->series ? 1 : p->features.n;
        const char *other = p->target ? "other columns, the target's too," : "other columns";
        if (p->grouped) {
            put(&t, "FILE's columns ");
            put_columns(&t, names, n);
            put(&t, " (the inputs), '%s' (the sequence id) and '%s' (the order) are read (%s "
                    "are ignored). ", p->group_id, p->group_order, other);
        } else {
            put(&t, "FILE's column%s ", n > 1 ? "s" : "");
            put_columns(&t, names, n);
            put(&t, " %s read (%s are ignored). ", n > 1 ? "are" : "is", other);
        }
        if (p->grouped)
            put(&t, "Consecutive rows with the same '%s' form one sequence, sorted by '%s' and "
                    "padded or truncated to %lld steps.", p->group_id, p->group_order,
                (long long)m->in_steps);
        else if (p->window_label == LABEL_LAST)
            put(&t, "Every window of %lld consecutive rows is a sample, predicting its last row.",
                (long long)p->window_length);
        else
            put(&t, "Every window of %lld consecutive rows is a sample, predicting the row after "
                    "it, so the last window predicts the row after the data.",
                (long long)p->window_length);
    }
    put_help(&d, t.s);
    free(t.s);
    t = (struct buf){0};
    const char *key = p->grouped ? p->group_id : "index";
    char keytext[160];
    if (p->grouped)
        snprintf(keytext, sizeof keytext, "'%s' is the sequence's id", p->group_id);
    else if (m->tokens)
        snprintf(keytext, sizeof keytext, "index is the text's 0-based data row (or line)");
    else
        snprintf(keytext, sizeof keytext, "index is the 0-based data row predicted");
    if (classes)
        put(&t, "%s,predicted,p_CLASS...: %s, then the predicted class and each class's "
                "probability.", key, keytext);
    else if (p->series)
        put(&t, "index,actual,predicted: the 0-based data row forecast, its value (empty after "
                "the data) and the forecast, both in the data's units.");
    else
        put(&t, "%s,predicted: %s, then the prediction.", key, keytext);
    put_help(&o, t.s);
    free(t.s);
    *usage = u.s;
    *data = d.s;
    *output = o.s;
}

void emit_main(struct printer *p, const struct ir_model *m, const char *upper,
               const char *version)
{
    const struct training *t = &m->spec->training;
    char vsplit[40], vtext[40];
    snprintf(vsplit, sizeof vsplit, "%.17g", t->validation_split);
    snprintf(vtext, sizeof vtext, "%g", t->validation_split);
    char hash[32], unroll[32], bound[96], seed[32], epochs[32], outsz[32], input[160];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)m->spec_hash);
    snprintf(unroll, sizeof unroll, "%lld", (long long)m->unroll);
    if (m->tokens)
        snprintf(bound, sizeof bound, "%s_VOCAB", upper);
    else
        snprintf(bound, sizeof bound, "0");
    snprintf(seed, sizeof seed, "%lld", (long long)t->seed);
    snprintf(epochs, sizeof epochs, "%lld", (long long)t->epochs);
    snprintf(outsz, sizeof outsz, "%lld", (long long)(m->out_steps * m->out_features));
    if (m->tokens)
        snprintf(input, sizeof input, "%lld integer token ids", (long long)m->in_steps);
    else
        snprintf(input, sizeof input, "%lld steps x %lld features = %lld numbers, time-major",
                 (long long)m->in_steps, (long long)m->in_features,
                 (long long)(m->in_steps * m->in_features));
    const struct early_stopping *es = &t->early_stopping;
    bool pipeline = m->spec->pipeline.present;
    char *pspec = pipeline ? pipeline_spec_text(m) : NULL;
    char *pusage = NULL, *pdata = NULL, *poutput = NULL;
    if (pipeline)
        predict_help_text(m, &pusage, &pdata, &poutput);
    char patience[32], min_delta[40], batch[32];
    snprintf(patience, sizeof patience, "%lld", (long long)es->patience);
    snprintf(min_delta, sizeof min_delta, "%.17g", es->min_delta);
    snprintf(batch, sizeof batch, "%lld", (long long)t->batch_size);
    const struct {
        const char *key, *value;
    } words[] = {
        {"@m@", m->name},         {"@M@", upper},           {"@version@", version},
        {"@spec@", m->spec_path}, {"@hash@", hash},         {"@dtype@", m->dtype == IR_F32 ? "f32" : "f64"},
        {"@unroll@", unroll},     {"@token_bound@", bound}, {"@seed@", seed},
        {"@epochs@", epochs},     {"@shuffle@", t->shuffle ? "1" : "0"},
        {"@output_size@", outsz}, {"@input_text@", input},
        {"@validation_split@", vsplit}, {"@validation_text@", vtext},
        {"@es_enabled@", es->enabled ? "1" : "0"},
        {"@es_monitor_val@", es->monitor == MONITOR_VAL_LOSS ? "1" : "0"},
        {"@es_patience@", patience}, {"@es_min_delta@", min_delta},
        {"@es_restore@", es->restore_best_weights ? "1" : "0"},
        {"@batch@", batch}, {"@pipeline_spec@", pspec ? pspec : ""},
        {"@predict_usage@", pusage ? pusage : ""}, {"@predict_data@", pdata ? pdata : ""},
        {"@predict_output@", poutput ? poutput : ""},
    };
    const char *s = pipeline ? main_pipeline_template : main_template;
    while (*s) {
        const char *at = strchr(s, '@');
        if (!at) {
            pr_raw(p, s, strlen(s));
            break;
        }
        pr_raw(p, s, (size_t)(at - s));
        size_t k = 0, nw = sizeof words / sizeof words[0];
        for (; k < nw; k++)
            if (strncmp(at, words[k].key, strlen(words[k].key)) == 0)
                break;
        if (k < nw) {
            pr_raw(p, words[k].value, strlen(words[k].value));
            s = at + strlen(words[k].key);
        } else {
            pr_raw(p, at, 1);
            s = at + 1;
        }
    }
    free(pspec);
    free(pusage);
    free(pdata);
    free(poutput);
}
