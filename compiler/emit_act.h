/*
 * emit_act: the float activation formulas that both the training code
 * (emit_c.c) and the embedded model (emit_embed.c) use. One source, so the
 * embedded model gives the training program's bits by construction.
 */
#ifndef LSTMC_EMIT_ACT_H
#define LSTMC_EMIT_ACT_H

#include <stdbool.h>

#include "printer.h"

/* static [inline] float PREFIX_exp(float x): e^x within 2 ulp of expf on
 * [-87, 88]. pun_union writes 2^k through a union (C99) instead of memcpy,
 * for code that may not include <string.h>. */
void emit_f32_exp(struct printer *p, const char *prefix, bool inline_fn, bool pun_union);

/* The body of a float tanh(x) and sigmoid(x) in terms of PREFIX_exp. */
void emit_f32_tanh_body(struct printer *p, const char *prefix);
void emit_f32_sigmoid_body(struct printer *p, const char *prefix);

#endif
