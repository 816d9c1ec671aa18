/*
 * emit_main: writes NAME_main.c, the model's program, from the template
 * main_template.c.in (embedded at build time as main_template[]) by
 * replacing its @words@ with the model's values.
 */
#include <stdio.h>
#include <string.h>

#include "ir.h"
#include "printer.h"

extern const char main_template[];

void emit_main(struct printer *p, const struct ir_model *m, const char *upper,
               const char *version);

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
    const struct {
        const char *key, *value;
    } words[] = {
        {"@m@", m->name},         {"@M@", upper},           {"@version@", version},
        {"@spec@", m->spec_path}, {"@hash@", hash},         {"@dtype@", m->dtype == IR_F32 ? "f32" : "f64"},
        {"@unroll@", unroll},     {"@token_bound@", bound}, {"@seed@", seed},
        {"@epochs@", epochs},     {"@shuffle@", t->shuffle ? "1" : "0"},
        {"@output_size@", outsz}, {"@input_text@", input},
        {"@validation_split@", vsplit}, {"@validation_text@", vtext},
    };
    const char *s = main_template;
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
}
