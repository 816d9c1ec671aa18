/*
 * printer: the one way the emitter writes C. Lines are indented by four
 * spaces per level; `{` at the end of a line opens a level and a line that
 * starts with `}` closes one, so callers never count indentation. Output
 * collects in memory and is written to a file in one go, so it is
 * deterministic and a failed emission leaves no partial file.
 */
#ifndef LSTMC_PRINTER_H
#define LSTMC_PRINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct printer {
    FILE *mem;
    char *buf;
    size_t len;
    int indent;
    bool failed;
};

bool printer_open(struct printer *p);
/* One line (printf format, no newline): trailing spaces are dropped, an
 * empty result prints an empty line. A line ending in '{' indents the next
 * ones; a line starting with '}' is printed one level out. */
void pr(struct printer *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An empty line. */
void pr_blank(struct printer *p);
/* Text as it is (a template that is already laid out). */
void pr_raw(struct printer *p, const char *text, size_t len);
/* Writes the collected text to path (via path.tmp, then rename) and frees
 * it. Returns false on an I/O error. */
bool printer_save(struct printer *p, const char *path);
void printer_discard(struct printer *p);

/* s as the text between the quotes of a C string literal that holds
 * exactly s's bytes: '"' and '\\' escaped, newline and tab as \n and \t,
 * and '?' (so no trigraph forms), every other control byte and every byte
 * above 0x7e as a three-digit octal escape (so the literal does not depend
 * on the source character set or on the bytes being valid UTF-8). With
 * comment_safe, '*' is escaped too, so the text can neither open nor close
 * a comment: it is then safe inside a comment as well as inside quotes.
 * NULL when out of memory; the caller frees. */
char *c_escape(const char *s, bool comment_safe);

/* A double as a C literal that round-trips: "%.17g" (f64) or "%.9g" plus an
 * 'f' suffix (f32), always with a '.' or exponent. buf has 40 bytes. */
const char *c_real(char buf[40], double v, bool f32);

#endif
