/*
 * diag: gcc-style diagnostics.
 *
 *   specs/x.yaml:12:5: error: unknown key 'unit' in lstm layer; did you mean 'units'?
 *      12 |     unit: 50
 *         |     ^~~~
 *
 * Errors past DIAG_MAX_ERRORS are dropped after one fatal line, so a binary
 * file does not bury the terminal. Output goes to one stream, so tests can
 * capture it byte for byte.
 */
#ifndef LSTMC_DIAG_H
#define LSTMC_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "source.h"

#define DIAG_MAX_ERRORS 20

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag {
    FILE *out;
    int errors;
    int warnings;
    bool stopped;    /* error limit reached: further diagnostics are dropped */
    bool suppressed; /* the last error was dropped: drop its notes too */
};

void diag_init(struct diag *d, FILE *out);

#if defined(__GNUC__)
#define DIAG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DIAG_PRINTF(a, b)
#endif

/* Reports at span in src; src may be NULL for whole-program errors. */
void diag_report(struct diag *d, enum diag_level level, const struct source *src,
                 struct span span, const char *fmt, ...) DIAG_PRINTF(5, 6);
void diag_error(struct diag *d, const struct source *src, struct span span,
                const char *fmt, ...) DIAG_PRINTF(4, 5);
void diag_warning(struct diag *d, const struct source *src, struct span span,
                  const char *fmt, ...) DIAG_PRINTF(4, 5);
void diag_note(struct diag *d, const struct source *src, struct span span,
               const char *fmt, ...) DIAG_PRINTF(4, 5);

#endif
