/*
 * summary: the report of `lstmc check`. The model table follows Keras'
 * model.summary() layout so users can compare the two line by line.
 */
#include "summary.h"

#include <string.h>

/* 31901 -> "31,901" */
static const char *thousands(char *buf, size_t size, long long v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
    size_t j = 0;
    if (v < 0 && j + 1 < size)
        buf[j++] = '-';
    for (int i = 0; i < n && j + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[j++] = ',';
        buf[j++] = digits[i];
    }
    buf[j] = '\0';
    return buf;
}

static void keras_shape(char *buf, size_t size, struct shape s)
{
    if (s.steps)
        snprintf(buf, size, "(None, %lld, %lld)", (long long)s.steps, (long long)s.features);
    else
        snprintf(buf, size, "(None, %lld)", (long long)s.features);
}

static void print_model(FILE *out, const struct model *m)
{
    static const char rule[] = "_________________________________________________________________";
    static const char dbl[] = "=================================================================";
    char shape[64], label[160], num[32];
    /* Keras' column is 27 wide; widen it rather than misalign long names. */
    int width = 27;
    for (size_t i = 0; i < m->nlayers; i++) {
        int len = snprintf(label, sizeof label, "%s (%s)", m->layers[i].name,
                           layer_class_name(m->layers[i].kind));
        if (len + 1 > width)
            width = len + 1;
    }
    fprintf(out, "Model: \"%s\"\n%s\n", m->name, rule);
    fprintf(out, " %-*s %-25s %s\n%s\n", width, "Layer (type)", "Output Shape", "Param #",
            dbl);
    for (size_t i = 0; i < m->nlayers; i++) {
        const struct layer *l = &m->layers[i];
        snprintf(label, sizeof label, "%s (%s)", l->name, layer_class_name(l->kind));
        keras_shape(shape, sizeof shape, l->out);
        fprintf(out, " %-*s %-25s %lld\n", width, label, shape, (long long)l->params);
    }
    fprintf(out, "%s\n", dbl);
    fprintf(out, "Total params: %s\n", thousands(num, sizeof num, m->params));
    fprintf(out, "Trainable params: %s\n", thousands(num, sizeof num, m->params));
    fprintf(out, "Non-trainable params: 0\n%s\n", rule);
}

static void print_set(FILE *out, unsigned set, const char *(*name)(int), int count)
{
    bool first = true;
    for (int k = 0; k < count; k++) {
        if (!(set & (1u << k)))
            continue;
        fprintf(out, "%s%s", first ? "" : ", ", name(k));
        first = false;
    }
    if (first)
        fputs("none", out);
}

static void print_training(FILE *out, const struct spec *s)
{
    const struct training *t = &s->training;
    const struct optimizer *o = &t->optimizer;
    char lr[32];
    format_double(lr, sizeof lr, o->learning_rate);
    fprintf(out, "\nTraining:\n");
    fprintf(out, "  loss        %s\n", loss_name(t->loss));
    fprintf(out, "  optimizer   %s (learning_rate %s", optimizer_name(o->kind), lr);
    char a[32], b[32], e[32];
    switch (o->kind) {
    case OPT_ADAM:
        format_double(a, sizeof a, o->beta_1);
        format_double(b, sizeof b, o->beta_2);
        format_double(e, sizeof e, o->epsilon);
        fprintf(out, ", beta_1 %s, beta_2 %s, epsilon %s)\n", a, b, e);
        break;
    case OPT_SGD:
        format_double(a, sizeof a, o->momentum);
        fprintf(out, ", momentum %s%s)\n", a, o->nesterov ? ", nesterov" : "");
        break;
    case OPT_RMSPROP:
        format_double(a, sizeof a, o->rho);
        format_double(b, sizeof b, o->momentum);
        format_double(e, sizeof e, o->epsilon);
        fprintf(out, ", rho %s, momentum %s, epsilon %s)\n", a, b, e);
        break;
    }
    fprintf(out, "  epochs      %lld, batch size %lld, %s, seed %lld\n", (long long)t->epochs,
            (long long)t->batch_size, t->shuffle ? "shuffled each epoch" : "not shuffled",
            (long long)t->seed);
    if (t->validation_split > 0)
        fprintf(out, "  validation  the last %g%% of the training samples\n",
                t->validation_split * 100);
    if (t->metrics) {
        fputs("  metrics     ", out);
        print_set(out, t->metrics, metric_name, METRIC_COUNT);
        fputc('\n', out);
    }
    if (t->early_stopping.enabled)
        fprintf(out, "  early stop  on %s, patience %lld%s\n",
                t->early_stopping.monitor == MONITOR_VAL_LOSS ? "val_loss" : "loss",
                (long long)t->early_stopping.patience,
                t->early_stopping.restore_best_weights ? ", restoring the best weights" : "");
}

static const char *side(int s)
{
    return s == PAD_PRE ? "pre" : "post";
}

static void print_columns(FILE *out, const struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        fprintf(out, "%s'%s'", i ? ", " : "", l->items[i]);
}

static void print_pipeline(FILE *out, const struct spec *s)
{
    const struct pipeline *p = &s->pipeline;
    const struct model *m = &s->model;
    const struct training *t = &s->training;
    bool classify = loss_is_classification(t->loss);
    int step = 0;
    char a[32], b[32];

    fprintf(out, "\nPipeline:\n");
    fprintf(out, "  %d. load      %s %s", ++step, p->source_kind == SOURCE_CSV ? "csv" : "xlsx",
            p->path);
    if (p->sheet)
        fprintf(out, " (sheet '%s')", p->sheet);
    if (p->test_path)
        fprintf(out, "; test data from %s", p->test_path);
    fputc('\n', out);

    fprintf(out, "  %d. columns   ", ++step);
    if (p->series)
        fprintf(out, "series '%s'", p->series);
    else if (p->features.n)
        fputs("features ", out), print_columns(out, &p->features);
    else if (p->text)
        fprintf(out, "text '%s'", p->text);
    if (p->target)
        fprintf(out, ", target '%s'", p->target);
    fputc('\n', out);

    if (p->tokenized) {
        fprintf(out, "  %d. tokenize  keep the %lld most frequent words%s%s%s%s\n", ++step,
                (long long)p->num_words - 1 - (p->oov_token ? 1 : 0), p->lower ? ", lower-cased" : "",
                p->oov_token ? ", out-of-vocabulary words as '" : "",
                p->oov_token ? p->oov_token : "", p->oov_token ? "'" : "");
        fprintf(out, "  %d. pad       to %lld tokens (padding %s, truncating %s)\n", ++step,
                (long long)p->maxlen, side(p->padding), side(p->truncating));
    }
    if (p->grouped)
        fprintf(out, "  %d. group     rows by '%s' ordered by '%s', to %lld steps (padding %s, "
                "truncating %s)\n", ++step, p->group_id, p->group_order,
                (long long)m->timesteps, side(p->group_padding), side(p->group_truncating));
    if (p->windowed)
        fprintf(out, "  %d. window    %lld consecutive rows, labelled with %s\n", ++step,
                (long long)p->window_length,
                p->window_label == LABEL_LAST ? "the window's last row"
                : p->series                   ? "the next value"
                                              : "the row after the window");

    fprintf(out, "  %d. split     ", ++step);
    if (p->test_path)
        fputs("train on the source file, test on the test file\n", out);
    else if (p->split_column)
        fprintf(out, "by column '%s' (train / test)\n", p->split_column);
    else
        fprintf(out, "%g%% for training, %s\n", p->train_fraction * 100,
                p->split_shuffle ? "shuffled" : "kept in order");

    if (p->scale == SCALE_MINMAX) {
        snprintf(a, sizeof a, "%g", p->feature_range[0]);
        snprintf(b, sizeof b, "%g", p->feature_range[1]);
        fprintf(out, "  %d. scale     minmax to [%s, %s], fitted on the training part\n",
                ++step, a, b);
    } else if (p->scale == SCALE_STANDARD) {
        fprintf(out, "  %d. scale     standard (zero mean, unit variance), fitted on the "
                "training part\n", ++step);
    }
    if (classify) {
        fprintf(out, "  %d. labels    ", ++step);
        if (p->classes.n)
            fputs("classes ", out), print_columns(out, &p->classes);
        else
            fputs(p->labels_encode ? "classes in sorted order"
                  : t->loss == LOSS_BINARY_CROSSENTROPY ? "numeric 0/1"
                                                        : "numeric class codes 0..n-1", out);
        fputs(p->labels_one_hot ? ", one-hot\n" : "\n", out);
    }
    fprintf(out, "  %d. fit       %lld epoch%s, batch size %lld", ++step, (long long)t->epochs,
            t->epochs == 1 ? "" : "s", (long long)t->batch_size);
    if (t->validation_split > 0)
        fprintf(out, ", validation split %g", t->validation_split);
    fputc('\n', out);
    fprintf(out, "  %d. evaluate  ", ++step);
    print_set(out, p->evaluate, metric_name, METRIC_COUNT);
    fputs(classify ? "\n" : " (in the data's units)\n", out);
    fprintf(out, "  %d. outputs   ", ++step);
    bool any = false;
    if (p->write_predictions)
        fputs("predictions.csv", out), any = true;
    if (p->write_weights)
        fprintf(out, "%sweights.safetensors", any ? ", " : ""), any = true;
    fprintf(out, "%shistory.csv, metrics.json", any ? ", " : "");
    if (p->plots) {
        fputs("; plots: ", out);
        print_set(out, p->plots, plot_name, PLOT_COUNT);
        fprintf(out, " (%s%s%s)", p->plot_formats & 1u ? "png" : "",
                p->plot_formats == 3u ? ", " : "", p->plot_formats & 2u ? "svg" : "");
    }
    fputc('\n', out);
}

void print_summary(FILE *out, const struct spec *s)
{
    print_model(out, &s->model);
    print_training(out, s);
    if (s->pipeline.present)
        print_pipeline(out, s);
}
