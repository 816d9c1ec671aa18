/*
 * run: runs the lstmc command in-process and captures what it prints,
 * for the tests of whole commands.
 */
#ifndef LSTMC_TEST_RUN_H
#define LSTMC_TEST_RUN_H

#include <stdio.h>
#include <stdlib.h>

#include "driver.h"

struct run {
    int status;
    char *out;   /* everything printed to stdout; caller frees */
    char *err;   /* everything printed to stderr; caller frees */
};

/* args: NULL-terminated argument list after "lstmc". */
static inline struct run run_lstmc(const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"lstmc";
    for (; *args && argc < 31; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    struct run r = {0, NULL, NULL};
    size_t outlen = 0, errlen = 0;
    FILE *out = open_memstream(&r.out, &outlen);
    FILE *err = open_memstream(&r.err, &errlen);
    if (!out || !err)
        abort();
    r.status = lstmc_main(argc, argv, out, err);
    fclose(out);
    fclose(err);
    return r;
}

static inline void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

/* Reads a whole file; NULL if it cannot be read. Caller frees. */
static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = 2 * cap + 8192;
            char *grown = realloc(buf, cap);
            if (!grown)
                abort();
            buf = grown;
        }
        size_t got = fread(buf + len, 1, 4096, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

#endif
