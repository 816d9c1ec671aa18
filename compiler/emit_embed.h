/*
 * emit_embed: `lstmc embed`, the inference-only C of a trained model for
 * embedding in a product (docs/embedding.md). Reads the weights and the
 * pipeline's fitted state (scaler, tokenizer, labels) with the runtime's
 * own readers and writes PREFIX_model.h and PREFIX_model.c.
 */
#ifndef LSTMC_EMIT_EMBED_H
#define LSTMC_EMIT_EMBED_H

#include <stdbool.h>
#include <stdio.h>

#include "ir.h"

struct embed_options {
    const char *weights;    /* the safetensors file (required) */
    const char *outdir;     /* where PREFIX_model.{h,c} go (must exist) */
    const char *prefix;     /* symbol and file prefix; NULL: the model's name */
    bool int8;              /* --quantize int8 */
    /* The pipeline's fitted state; NULL: beside the weights
     * (scaler.json, tokenizer.json, labels.json). */
    const char *scaler, *tokenizer, *labels;
};

/* True when s can be a prefix: a C identifier of at most 63 characters. */
bool embed_prefix_ok(const char *s);

/* Writes PREFIX_model.h and PREFIX_model.c for the lowered model m (any
 * dtype; the embedded code is float). Returns false after printing
 * "lstmc: error: ..." (with the file it concerns) to err. */
bool emit_embed(const struct ir_model *m, const struct embed_options *o, const char *version,
                FILE *err);

#endif
