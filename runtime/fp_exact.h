/*
 * fp_exact.h - included first by the files whose floating-point results
 * must be the same bits on every machine (rng.c, init.c; see the top of
 * rng.c for why). It refuses the settings that would break that and turns
 * off FMA contraction where a pragma can; the build adds -ffp-contract=off
 * for the compilers (GCC) that ignore the pragma. Not a public header.
 */
#ifndef LSTMC_FP_EXACT_H
#define LSTMC_FP_EXACT_H

#include <float.h>

#if defined(__FAST_MATH__)
#error "compiled with -ffast-math, which breaks bit reproducibility"
#endif
/* Every double operation must round to double, not to x87's 80 bits. */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "needs FLT_EVAL_METHOD == 0 (on x86-32 use -msse2 -mfpmath=sse)"
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#endif /* LSTMC_FP_EXACT_H */
