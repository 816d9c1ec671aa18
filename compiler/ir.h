/*
 * ir: the lowered model the C emitter writes out. lower.c turns a checked
 * struct spec into fixed numbers: every layer's dimensions, every parameter
 * tensor (Keras name, shape, initialiser) with its offset in one flat
 * parameter buffer, and every dropout mask site with its offset in one flat
 * mask buffer. The emitter does no arithmetic on shapes; it prints these.
 */
#ifndef LSTMC_IR_H
#define LSTMC_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "spec.h"

enum ir_dtype { IR_F32, IR_F64 };

/* Which parameter of its layer a tensor is (Keras' weight names). */
#define IR_TENSOR_KINDS(X)                    \
    X(TENSOR_KERNEL, "kernel")                \
    X(TENSOR_RECURRENT_KERNEL, "recurrent_kernel") \
    X(TENSOR_BIAS, "bias")                    \
    X(TENSOR_EMBEDDINGS, "embeddings")

#define IR_ENUM_ITEM(id, ...) id,
enum ir_tensor_kind { IR_TENSOR_KINDS(IR_ENUM_ITEM) IR_TENSOR_KIND_COUNT };
#undef IR_ENUM_ITEM

const char *ir_tensor_kind_name(enum ir_tensor_kind kind);

#define IR_NAME_MAX 160

struct ir_tensor {
    char name[IR_NAME_MAX];    /* Keras name: "lstm_1/kernel" */
    char cname[IR_NAME_MAX];   /* C member name: "lstm_1_kernel" */
    enum ir_tensor_kind kind;
    int layer;                 /* index into ir_model.layers */
    int rank;                  /* 1 or 2 */
    int64_t shape[2];
    int64_t size;              /* elements */
    int64_t offset;            /* first element in the flat buffer */
    int init;                  /* enum initializer */
    bool forget_bias;          /* LSTM bias with unit_forget_bias */
};

/* A dropout mask: `size` values per sample, shared as the layer says. */
struct ir_mask {
    char name[IR_NAME_MAX];    /* RNG stream name: "lstm/dropout" */
    char cname[IR_NAME_MAX];   /* C member name: "lstm_dropout" */
    int layer;
    double rate;
    int64_t size;              /* per sample */
    int64_t offset;            /* per-sample offset; the buffer is [BATCH][MASK_SIZE] */
};

struct ir_layer {
    const struct layer *l;     /* the checked layer (kind, name, options) */
    int line;                  /* spec line of the layer */
    /* Per sample; steps is 1 for a value that is not a sequence. */
    int64_t in_steps, in_features;
    int64_t out_steps, out_features;
    bool in_seq, out_seq;
    int tensor[IR_TENSOR_KIND_COUNT];   /* index into tensors, -1 if absent */
    int mask, rmask;           /* index into masks, -1 if absent */
    bool logits;               /* final Dense scored from its logits */
};

struct ir_model {
    const struct spec *spec;
    const char *name;
    /* The spec's path (as given) escaped for generated C: the body of a
     * string literal that is also safe inside a comment (c_escape). Owned. */
    char *spec_path;
    uint64_t spec_hash;        /* FNV-1a 64 of the spec's bytes */
    enum ir_dtype dtype;
    int64_t unroll;
    int64_t batch;
    bool tokens;
    int64_t in_steps, in_features;   /* tokens: length, 1 */
    int64_t out_steps, out_features;
    bool out_seq;
    struct ir_layer *layers;
    int nlayers;
    struct ir_tensor *tensors;
    int ntensors;
    int64_t param_count;
    struct ir_mask *masks;
    int nmasks;
    int64_t mask_size;         /* per sample, over all sites */
    int64_t init_work;         /* doubles of initialiser workspace */
};

struct lower_options {
    enum ir_dtype dtype;
    int64_t unroll;            /* 0: the spec's codegen.unroll */
};

/* Lowers a checked spec (at least one layer, as check_spec ensures). The
 * few models the emitter cannot write are reported to d as spec errors;
 * returns false then. ir_free is safe either way. */
bool lower_spec(struct ir_model *m, const struct spec *spec,
                const struct lower_options *opt, struct diag *d);
void ir_free(struct ir_model *m);

/* Prints the IR as stable text (lstmc build --dump-ir). */
void ir_dump(FILE *out, const struct ir_model *m);

/* Writes NAME.h, NAME.c and NAME_main.c into dir (which must exist).
 * Returns false after printing "lstmc: error: ..." to err. */
bool emit_c(const struct ir_model *m, const char *dir, const char *version,
            FILE *err);

#endif
