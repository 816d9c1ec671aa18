/*
 * lower: struct spec -> struct ir_model (ir.h). Fixes every dimension per
 * sample, lays the parameter tensors out in one flat buffer in layer order
 * (kernel, recurrent_kernel, bias, embeddings as the layer has them, which
 * is Keras' weight order) and the dropout masks in one flat mask buffer.
 * Also refuses the few spec combinations the emitter cannot score.
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "printer.h"
#include "source.h"

#define TENSOR_NAME_ITEM(id, name) name,
static const char *const tensor_kind_names[] = {IR_TENSOR_KINDS(TENSOR_NAME_ITEM)};
#undef TENSOR_NAME_ITEM

const char *ir_tensor_kind_name(enum ir_tensor_kind kind)
{
    return kind < IR_TENSOR_KIND_COUNT ? tensor_kind_names[kind] : "?";
}

static uint64_t fnv1a64(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int add_tensor(struct ir_model *m, int layer, enum ir_tensor_kind kind, int rank,
                      int64_t d0, int64_t d1, int init)
{
    struct ir_tensor *t = &m->tensors[m->ntensors];
    const char *lname = m->layers[layer].l->name;
    snprintf(t->name, sizeof t->name, "%s/%s", lname, ir_tensor_kind_name(kind));
    snprintf(t->cname, sizeof t->cname, "%s_%s", lname, ir_tensor_kind_name(kind));
    t->kind = kind;
    t->layer = layer;
    t->rank = rank;
    t->shape[0] = d0;
    t->shape[1] = rank > 1 ? d1 : 1;
    t->size = d0 * (rank > 1 ? d1 : 1);
    t->offset = m->param_count;
    t->init = init;
    m->param_count += t->size;
    m->layers[layer].tensor[kind] = m->ntensors;
    return m->ntensors++;
}

static int add_mask(struct ir_model *m, int layer, const char *what, double rate, int64_t size)
{
    struct ir_mask *k = &m->masks[m->nmasks];
    const char *lname = m->layers[layer].l->name;
    snprintf(k->name, sizeof k->name, "%s/%s", lname, what);
    snprintf(k->cname, sizeof k->cname, "%s_%s", lname, what);
    k->layer = layer;
    k->rate = rate;
    k->size = size;
    k->offset = m->mask_size;
    m->mask_size += size;
    return m->nmasks++;
}

/* Reports at the layer's `type` key (or the whole layer). */
static bool lower_error(struct diag *d, const struct spec *spec, const struct node *layer,
                        const char *msg, const char *name)
{
    struct span at = layer ? layer->span : (struct span){0, 0, 0, 0};
    if (layer && layer->kind == NODE_MAP)
        for (size_t i = 0; i < layer->u.map.n; i++)
            if (strcmp(layer->u.map.entries[i].key, "type") == 0)
                at = layer->u.map.entries[i].value->span;
    diag_error(d, spec->src, at, msg, name);
    return false;
}

bool lower_spec(struct ir_model *m, const struct spec *spec,
                const struct lower_options *opt, struct diag *d)
{
    const struct model *sm = &spec->model;
    memset(m, 0, sizeof *m);
    m->spec = spec;
    m->name = sm->name;
    m->spec_path = c_escape(spec->src->path, true);
    m->spec_hash = fnv1a64(spec->src->text, spec->src->len);
    m->dtype = opt->dtype;
    m->unroll = opt->unroll > 0 ? opt->unroll : spec->codegen.unroll;
    m->batch = spec->training.batch_size;
    m->tokens = sm->input_kind == INPUT_TOKENS;
    m->in_steps = m->tokens ? sm->length : sm->timesteps;
    m->in_features = m->tokens ? 1 : sm->features;
    m->nlayers = (int)sm->nlayers;
    m->layers = calloc(sm->nlayers ? sm->nlayers : 1, sizeof *m->layers);
    m->tensors = calloc(3 * sm->nlayers + 1, sizeof *m->tensors);
    m->masks = calloc(2 * sm->nlayers + 1, sizeof *m->masks);
    if (!m->layers || !m->tensors || !m->masks || !m->spec_path) {
        fprintf(d->out, "lstmc: error: out of memory\n");
        return false;
    }

    for (int i = 0; i < m->nlayers; i++) {
        const struct layer *l = &sm->layers[i];
        struct ir_layer *x = &m->layers[i];
        x->l = l;
        x->line = l->node ? l->node->span.line : 0;
        x->mask = x->rmask = -1;
        for (int k = 0; k < IR_TENSOR_KIND_COUNT; k++)
            x->tensor[k] = -1;
        x->in_seq = l->in.steps > 0;
        x->in_steps = x->in_seq ? l->in.steps : 1;
        x->in_features = l->in.features;
        x->out_seq = l->out.steps > 0;
        x->out_steps = x->out_seq ? l->out.steps : 1;
        x->out_features = l->out.features;
        switch (l->kind) {
        case LAYER_EMBEDDING:
            /* Input: [length] token ids, one "feature" per step. */
            x->in_seq = true;
            x->in_steps = sm->length;
            x->in_features = 1;
            add_tensor(m, i, TENSOR_EMBEDDINGS, 2, sm->vocab, l->units, l->embeddings_initializer);
            break;
        case LAYER_LSTM:
            add_tensor(m, i, TENSOR_KERNEL, 2, x->in_features, 4 * l->units, l->kernel_initializer);
            add_tensor(m, i, TENSOR_RECURRENT_KERNEL, 2, l->units, 4 * l->units,
                       l->recurrent_initializer);
            if (l->use_bias) {
                int t = add_tensor(m, i, TENSOR_BIAS, 1, 4 * l->units, 1, l->bias_initializer);
                m->tensors[t].forget_bias = l->unit_forget_bias;
            }
            if (l->dropout > 0)
                x->mask = add_mask(m, i, "dropout", l->dropout, x->in_features);
            if (l->recurrent_dropout > 0)
                x->rmask = add_mask(m, i, "recurrent_dropout", l->recurrent_dropout, l->units);
            break;
        case LAYER_DENSE:
            add_tensor(m, i, TENSOR_KERNEL, 2, x->in_features, l->units, l->kernel_initializer);
            if (l->use_bias)
                add_tensor(m, i, TENSOR_BIAS, 1, l->units, 1, l->bias_initializer);
            break;
        case LAYER_DROPOUT:
            if (l->rate > 0)
                x->mask = add_mask(m, i, "dropout", l->rate, x->in_steps * x->in_features);
            break;
        case LAYER_SPATIAL_DROPOUT1D:
            if (l->rate > 0)
                x->mask = add_mask(m, i, "dropout", l->rate, x->in_features);
            break;
        case LAYER_KIND_COUNT:
            break;
        }
    }

    /* C member names must not collide ("a_b" + "kernel" vs "a" + "b_kernel"). */
    for (int i = 0; i < m->ntensors; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(m->tensors[i].cname, m->tensors[j].cname) == 0)
                return lower_error(d, spec, m->layers[m->tensors[i].layer].l->node,
                                   "tensor '%s' gets the same C name as another tensor; "
                                   "rename the layer", m->tensors[i].name);

    const struct ir_layer *last = &m->layers[m->nlayers - 1];
    m->out_seq = last->out_seq;
    m->out_steps = last->out_steps;
    m->out_features = last->out_features;
    int loss = spec->training.loss;
    bool xent = loss == LOSS_BINARY_CROSSENTROPY || loss == LOSS_CATEGORICAL_CROSSENTROPY;
    if (xent) {
        if (last->l->kind != LAYER_DENSE)
            return lower_error(d, spec, last->l->node,
                               "'%s' follows the model's output layer; lstmc scores "
                               "cross-entropy from the output's logits, so the output "
                               "layer must come last", last->l->name);
        m->layers[m->nlayers - 1].logits = true;
    }

    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        if (t->init == INIT_ORTHOGONAL) {
            int64_t a = t->shape[0], b = t->shape[1];
            int64_t lo = a < b ? a : b, hi = a < b ? b : a;
            int64_t need = 2 * lo * hi + 2 * lo;
            if (need > m->init_work)
                m->init_work = need;
        }
    }
    return true;
}

void ir_free(struct ir_model *m)
{
    free(m->layers);
    free(m->tensors);
    free(m->masks);
    free(m->spec_path);
    memset(m, 0, sizeof *m);
}

void ir_dump(FILE *out, const struct ir_model *m)
{
    fprintf(out, "model %s dtype %s batch %lld unroll %lld params %lld masks %lld\n", m->name,
            m->dtype == IR_F32 ? "f32" : "f64", (long long)m->batch, (long long)m->unroll,
            (long long)m->param_count, (long long)m->mask_size);
    fprintf(out, "input %s [%lld, %lld]\n", m->tokens ? "tokens" : "sequence",
            (long long)m->in_steps, (long long)m->in_features);
    for (int i = 0; i < m->nlayers; i++) {
        const struct ir_layer *x = &m->layers[i];
        fprintf(out, "layer %s %s in [%lld, %lld] out [%lld, %lld]%s\n", x->l->name,
                layer_kind_name(x->l->kind), (long long)x->in_steps,
                (long long)x->in_features, (long long)x->out_steps,
                (long long)x->out_features, x->logits ? " logits" : "");
    }
    for (int i = 0; i < m->ntensors; i++) {
        const struct ir_tensor *t = &m->tensors[i];
        fprintf(out, "tensor %s [%lld", t->name, (long long)t->shape[0]);
        if (t->rank > 1)
            fprintf(out, ", %lld", (long long)t->shape[1]);
        fprintf(out, "] offset %lld init %s%s\n", (long long)t->offset,
                initializer_name(t->init), t->forget_bias ? " unit_forget_bias" : "");
    }
    for (int i = 0; i < m->nmasks; i++)
        fprintf(out, "mask %s rate %.17g size %lld offset %lld\n", m->masks[i].name,
                m->masks[i].rate, (long long)m->masks[i].size, (long long)m->masks[i].offset);
}
