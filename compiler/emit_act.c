/*
 * emit_act.c - the float activations shared by the training code and the
 * embedded model (emit_act.h).
 */
#include "emit_act.h"

/* Cephes' expf: x = k ln 2 + r with ln 2 in two parts, a degree-6
 * polynomial on |r| <= ln 2 / 2, 2^k written into the exponent bits. No
 * branches and no libm call, so the loops over the gates vectorise. */
void emit_f32_exp(struct printer *p, const char *prefix, bool inline_fn, bool pun_union)
{
    pr(p, "/* e^x within 2 ulp of expf on [-87, 88] */");
    pr(p, "static %sfloat %s_exp(float x)", inline_fn ? "inline " : "", prefix);
    pr(p, "{");
    if (pun_union) {
        pr(p, "union {");
        pr(p, "int32_t i;");
        pr(p, "float f;");
        pr(p, "} scale;");
    }
    pr(p, "x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;");
    pr(p, "/* k = round(x / ln 2): adding and taking away 1.5 * 2^23 rounds to an integer */");
    pr(p, "const float k = (x * 1.44269504f + 12582912.0f) - 12582912.0f;");
    pr(p, "const float r = (x - k * 0.693359375f) + k * 2.12194440e-4f;");
    pr(p, "float q = 1.9875691500e-4f;");
    pr(p, "q = q * r + 1.3981999507e-3f;");
    pr(p, "q = q * r + 8.3334519073e-3f;");
    pr(p, "q = q * r + 4.1665795894e-2f;");
    pr(p, "q = q * r + 1.6666665459e-1f;");
    pr(p, "q = q * r + 5.0000001201e-1f;");
    if (pun_union) {
        pr(p, "scale.i = ((int32_t)k + 127) * 8388608; /* 2^k: (k + 127) << 23 */");
        pr(p, "return ((q * r * r + r) + 1) * scale.f;");
    } else {
        pr(p, "const int32_t bits = ((int32_t)k + 127) * 8388608; /* 2^k: (k + 127) << 23 */");
        pr(p, "float scale;");
        pr(p, "memcpy(&scale, &bits, sizeof scale);");
        pr(p, "return ((q * r * r + r) + 1) * scale;");
    }
    pr(p, "}");
    pr_blank(p);
}

void emit_f32_tanh_body(struct printer *p, const char *prefix)
{
    pr(p, "/* |x| < 0.625: Cephes' tanhf polynomial; else 1 - 2 / (e^2|x| + 1) */");
    pr(p, "const float a = fabsf(x), z = x * x;");
    pr(p, "const float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z");
    pr(p, "                      - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z");
    pr(p, "                     - 3.33332819422e-1f) * z * x + x;");
    pr(p, "const float large = copysignf(1 - 2 / (%s_exp(2 * a) + 1), x);", prefix);
    pr(p, "return a < 0.625f ? small : large;");
}

void emit_f32_sigmoid_body(struct printer *p, const char *prefix)
{
    pr(p, "/* e^-|x| never overflows; 1 / (1 + e) for x >= 0, e / (1 + e) below */");
    pr(p, "const float z = %s_exp(-fabsf(x));", prefix);
    pr(p, "const float s = 1 / (1 + z), zs = z * s;");
    pr(p, "return x >= 0 ? s : zs;");
}
