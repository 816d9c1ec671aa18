/*
 * close: element-wise comparison of double arrays for cmocka tests, which
 * have no double assertion. Include after <cmocka.h>.
 */
#ifndef LSTMC_TEST_CLOSE_H
#define LSTMC_TEST_CLOSE_H

#include <math.h>
#include <stddef.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Passes when |got[i] - want[i]| <= atol + rtol * |want[i]| for every i;
 * otherwise reports the first offending element and the largest absolute
 * and relative errors over the whole array. */
static inline void assert_close(const double *got, const double *want, size_t n,
                                double rtol, double atol, const char *what)
{
    double max_abs = 0.0, max_rel = 0.0;
    size_t bad = n;
    for (size_t i = 0; i < n; i++) {
        double err = fabs(got[i] - want[i]);
        double rel = want[i] != 0.0 ? err / fabs(want[i]) : err;
        if (err > max_abs)
            max_abs = err;
        if (rel > max_rel)
            max_rel = rel;
        if (!(err <= atol + rtol * fabs(want[i])) && bad == n)
            bad = i;
    }
    if (bad < n) {
        print_error("%s[%zu]: got %.17g, want %.17g; max abs err %.3g, "
                    "max rel err %.3g (rtol %g, atol %g)\n",
                    what, bad, got[bad], want[bad], max_abs, max_rel, rtol, atol);
        fail();
    }
}

#endif
