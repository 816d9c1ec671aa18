/*
 * source: a spec file held in memory with its line map.
 *
 * Every span in the compiler points into a source. Lines and columns are
 * 1-based; columns count characters (UTF-8 sequences), as gcc's diagnostics
 * do, so carets line up under non-ASCII text.
 */
#ifndef LSTMC_SOURCE_H
#define LSTMC_SOURCE_H

#include <stddef.h>

/* Largest spec file accepted, so a stray multi-gigabyte file is refused. */
#define SOURCE_MAX_BYTES (4u << 20)

struct source {
    char *path;       /* as given by the user; used in diagnostics */
    char *text;       /* NUL-terminated copy of the file */
    size_t len;       /* bytes in text, excluding the NUL */
    size_t *lines;    /* byte offset of the start of each line */
    size_t nlines;
};

/*
 * A region of a source: [line:col, end_line:end_col), end exclusive.
 * line == 0 means "no location" (e.g. a default value).
 */
struct span {
    int line, col;
    int end_line, end_col;
};

/* Reads path. On failure returns NULL and points *err at a static message. */
struct source *source_open(const char *path, const char **err);
/* Wraps a buffer (copied); name is used as the path. Never fails on content. */
struct source *source_from_memory(const char *name, const char *data, size_t len);
void source_free(struct source *src);

/* The text of line (1-based) without its newline; NULL if out of range. */
const char *source_line(const struct source *src, int line, size_t *len);

/* Line and column (1-based, columns in characters) of a byte offset. */
void source_position(const struct source *src, size_t offset, int *line, int *col);

/* Span covering byte range [begin, end). */
struct span source_span(const struct source *src, size_t begin, size_t end);

#endif
