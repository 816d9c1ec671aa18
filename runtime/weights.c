/*
 * weights.c - save and load model weights as safetensors (see weights.h for
 * the format and the bytes we write).
 *
 * The header is JSON, read and written with jansson. The loader trusts
 * nothing in the file: every size is checked before it is used, every sum
 * and product is done in 64 bits with an overflow check, and the whole
 * header is validated against the expected tensors before a byte of data
 * reaches the caller's buffers.
 */
#include "lstmc.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

/* Tensor data goes between the file and the caller's buffers unconverted. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "weights.c copies tensor data in host byte order: little-endian hosts only"
#endif
_Static_assert(sizeof(float) == 4 && FLT_RADIX == 2 && FLT_MANT_DIG == 24 &&
                   FLT_MAX_EXP == 128,
               "float must be IEEE-754 binary32");
_Static_assert(sizeof(double) == 8 && DBL_MANT_DIG == 53 &&
                   DBL_MAX_EXP == 1024,
               "double must be IEEE-754 binary64");

#if defined(__GNUC__)
#define WEIGHTS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WEIGHTS_PRINTF(a, b)
#endif

#define LENGTH_BYTES 8       /* the u64 header length in front */
#define HEADER_ALIGN 8       /* we pad the header to this many bytes */
#define QUOTE_MAX 80         /* bytes of a name shown in a message */
#define SHAPE_TEXT_MAX 256   /* room for "[d0, d1, ...]" in a message */
#define SHAPE_SHOWN_MAX 8    /* dims shown before "..." */
#define METADATA_KEY "__metadata__"

static const struct {
    const char *name;
    size_t size;
} dtypes[LSTMC_DTYPE_COUNT] = {
#define DTYPE_ENTRY(id, name, ctype) [LSTMC_##id] = {name, sizeof(ctype)},
    LSTMC_DTYPES(DTYPE_ENTRY)
#undef DTYPE_ENTRY
};

const char *lstmc_dtype_name(lstmc_dtype dtype)
{
    if ((unsigned)dtype >= LSTMC_DTYPE_COUNT)
        return NULL;
    return dtypes[dtype].name;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

static void fail(lstmc_error *err, const char *path, long row, long col,
                 const char *fmt, ...) WEIGHTS_PRINTF(5, 6);

static void fail(lstmc_error *err, const char *path, long row, long col,
                 const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    err->row = row;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* The length of the UTF-8 character at p (1 to 4), or 0 if the bytes there
 * are not one: strict, as JSON needs (no overlong forms, no surrogates,
 * nothing past U+10FFFF). p points to a NUL-terminated string. */
static size_t utf8_char_len(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t len;
    uint32_t min, cp;
    if (u[0] < 0x80)
        return 1;
    if ((u[0] & 0xE0) == 0xC0)
        len = 2, min = 0x80, cp = u[0] & 0x1F;
    else if ((u[0] & 0xF0) == 0xE0)
        len = 3, min = 0x800, cp = u[0] & 0x0F;
    else if ((u[0] & 0xF8) == 0xF0)
        len = 4, min = 0x10000, cp = u[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static bool utf8_valid(const char *s)
{
    for (size_t len; *s; s += len)
        if ((len = utf8_char_len(s)) == 0)
            return false;
    return true;
}

/* s as it may appear in a message: at most QUOTE_MAX bytes of whole
 * characters, then "..." if s is longer; control characters and bytes that
 * are not UTF-8 become '?'. Names come from hostile files and must not
 * reach a terminal raw. */
static const char *quote(char out[QUOTE_MAX + 4], const char *s)
{
    size_t used = 0;
    while (*s) {
        size_t len = utf8_char_len(s);
        size_t take = len ? len : 1;
        if (used + take > QUOTE_MAX) {
            strcpy(out + used, "...");
            return out;
        }
        unsigned char c = (unsigned char)*s;
        if (len == 0 || c < 0x20 || c == 0x7F)
            out[used++] = '?';
        else
            for (size_t i = 0; i < len; i++)
                out[used++] = s[i];
        s += take;
    }
    out[used] = '\0';
    return out;
}

/* Appends to buf[size] at *used, truncating; never overflows. */
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
    WEIGHTS_PRINTF(4, 5);

static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    *used = (size_t)n >= size - *used ? size : *used + (size_t)n;
}

static const char *desc_shape_text(char out[SHAPE_TEXT_MAX],
                                   const lstmc_tensor_desc *t)
{
    size_t used = 0;
    append(out, SHAPE_TEXT_MAX, &used, "[");
    for (size_t i = 0; i < t->rank; i++)
        append(out, SHAPE_TEXT_MAX, &used, "%s%zu", i ? ", " : "", t->shape[i]);
    append(out, SHAPE_TEXT_MAX, &used, "]");
    return out;
}

/* shape is a JSON array of non-negative integers (checked by
 * parse_entry). */
static const char *json_shape_text(char out[SHAPE_TEXT_MAX],
                                   const json_t *shape)
{
    size_t used = 0;
    size_t rank = json_array_size(shape);
    append(out, SHAPE_TEXT_MAX, &used, "[");
    for (size_t i = 0; i < rank && i < SHAPE_SHOWN_MAX; i++)
        append(out, SHAPE_TEXT_MAX, &used, "%s%" JSON_INTEGER_FORMAT,
               i ? ", " : "", json_integer_value(json_array_get(shape, i)));
    if (rank > SHAPE_SHOWN_MAX)
        append(out, SHAPE_TEXT_MAX, &used, ", ... (%zu dims)", rank);
    append(out, SHAPE_TEXT_MAX, &used, "]");
    return out;
}

static const char *json_type_text(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a JSON value";
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */
/* ------------------------------------------------------------------ */

/* Bytes of t's data, or false if that overflows 64 bits or size_t. */
static bool tensor_bytes(const lstmc_tensor_desc *t, uint64_t *bytes)
{
    uint64_t total = dtypes[t->dtype].size;
    for (size_t i = 0; i < t->rank; i++) {
        uint64_t d = t->shape[i];
        if (d > INT64_MAX)
            return false;
        if (d != 0 && total > INT64_MAX / d)
            return false;
        total *= d;
    }
    if (total > SIZE_MAX)
        return false;
    *bytes = total;
    return true;
}

/* The checks lstmc_weights_save and lstmc_weights_load share: everything
 * about the arguments except the data pointers. */
static lstmc_status check_args(const char *path,
                               const lstmc_tensor_desc *tensors, size_t n,
                               const lstmc_meta *meta, size_t n_meta,
                               lstmc_error *err)
{
    char q[QUOTE_MAX + 4];
    if (!path || !*path) {
        fail(err, path, 0, 0, "no file name given");
        return LSTMC_ERR_ARG;
    }
    if (n > 0 && !tensors) {
        fail(err, path, 0, 0, "%zu tensors but no tensor list", n);
        return LSTMC_ERR_ARG;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const lstmc_tensor_desc *t = &tensors[i];
        if (!t->name || !*t->name) {
            fail(err, path, 0, 0, "tensor %zu has no name", i);
            return LSTMC_ERR_ARG;
        }
        if (!utf8_valid(t->name)) {
            fail(err, path, 0, 0, "tensor %zu has a name that is not valid "
                 "UTF-8", i);
            return LSTMC_ERR_ARG;
        }
        if (strcmp(t->name, METADATA_KEY) == 0) {
            fail(err, path, 0, 0, "'%s' is reserved, not a tensor name",
                 METADATA_KEY);
            return LSTMC_ERR_ARG;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(tensors[j].name, t->name) == 0) {
                fail(err, path, 0, 0, "tensor '%s' is listed twice",
                     quote(q, t->name));
                return LSTMC_ERR_ARG;
            }
        }
        if ((unsigned)t->dtype >= LSTMC_DTYPE_COUNT) {
            fail(err, path, 0, 0, "tensor '%s' has unknown dtype %d",
                 quote(q, t->name), (int)t->dtype);
            return LSTMC_ERR_ARG;
        }
        if (t->rank > LSTMC_MAX_RANK) {
            fail(err, path, 0, 0, "tensor '%s' has rank %zu, at most %d "
                 "is supported", quote(q, t->name), t->rank, LSTMC_MAX_RANK);
            return LSTMC_ERR_ARG;
        }
        uint64_t bytes;
        if (!tensor_bytes(t, &bytes) || bytes > INT64_MAX - total) {
            fail(err, path, 0, 0, "tensor '%s' is too large to store",
                 quote(q, t->name));
            return LSTMC_ERR_ARG;
        }
        total += bytes;
    }
    if (n_meta > 0 && !meta) {
        fail(err, path, 0, 0, "%zu metadata entries but no list", n_meta);
        return LSTMC_ERR_ARG;
    }
    for (size_t i = 0; i < n_meta; i++) {
        if (!meta[i].key || !meta[i].value) {
            fail(err, path, 0, 0, "metadata entry %zu has no %s", i,
                 meta[i].key ? "value" : "key");
            return LSTMC_ERR_ARG;
        }
        if (!utf8_valid(meta[i].key) || !utf8_valid(meta[i].value)) {
            fail(err, path, 0, 0, "metadata entry %zu is not valid UTF-8", i);
            return LSTMC_ERR_ARG;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(meta[j].key, meta[i].key) == 0) {
                fail(err, path, 0, 0, "metadata key '%s' is listed twice",
                     quote(q, meta[i].key));
                return LSTMC_ERR_ARG;
            }
        }
    }
    return LSTMC_OK;
}

/* The error for data[i] NULL where tensor t has bytes. */
static lstmc_status no_buffer(const char *path, const lstmc_tensor_desc *t,
                              lstmc_error *err)
{
    char q[QUOTE_MAX + 4];
    fail(err, path, 0, 0, "no buffer for tensor '%s'", quote(q, t->name));
    return LSTMC_ERR_ARG;
}

static bool is_empty(const lstmc_tensor_desc *t)
{
    uint64_t bytes = 0;
    return tensor_bytes(t, &bytes) && bytes == 0;
}

/* ------------------------------------------------------------------ */
/* Saving                                                              */
/* ------------------------------------------------------------------ */

static void put_u64_le(unsigned char out[LENGTH_BYTES], uint64_t v)
{
    for (int i = 0; i < LENGTH_BYTES; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64_le(const unsigned char in[LENGTH_BYTES])
{
    uint64_t v = 0;
    for (int i = LENGTH_BYTES - 1; i >= 0; i--)
        v = (v << 8) | in[i];
    return v;
}

/* The header object: metadata and each tensor with data_offsets in the
 * given order. NULL when out of memory. check_args has vetted the sizes
 * and strings. */
static json_t *build_header(const lstmc_tensor_desc *tensors, size_t n,
                            const lstmc_meta *meta, size_t n_meta)
{
    json_t *root = json_object();
    if (!root)
        return NULL;
    if (n_meta > 0) {
        json_t *md = json_object();
        if (json_object_set_new(root, METADATA_KEY, md) != 0)
            goto fail;
        for (size_t i = 0; i < n_meta; i++)
            if (json_object_set_new(md, meta[i].key,
                                    json_string(meta[i].value)) != 0)
                goto fail;
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        const lstmc_tensor_desc *t = &tensors[i];
        uint64_t bytes = 0;
        tensor_bytes(t, &bytes);
        json_t *shape = json_array();
        if (json_object_set_new(root, t->name,
                                json_pack("{s:s, s:o, s:[I, I]}",
                                          "dtype", dtypes[t->dtype].name,
                                          "shape", shape,
                                          "data_offsets",
                                          (json_int_t)offset,
                                          (json_int_t)(offset + bytes))) != 0)
            goto fail;
        for (size_t d = 0; d < t->rank; d++)
            if (json_array_append_new(shape, json_integer(
                                                 (json_int_t)t->shape[d])) != 0)
                goto fail;
        offset += bytes;
    }
    return root;
fail:
    json_decref(root);
    return NULL;
}

/* Writes len bytes, or false with errno set. */
static bool write_all(FILE *f, const void *buf, size_t len)
{
    errno = 0;
    if (len == 0 || fwrite(buf, 1, len, f) == len)
        return true;
    if (errno == 0)
        errno = EIO;
    return false;
}

/* Best effort: makes the rename in path's directory durable. Some file
 * systems cannot fsync a directory; the file itself is already synced. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (!slash)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

lstmc_status lstmc_weights_save(const char *path,
                                const lstmc_tensor_desc *tensors, size_t n,
                                const void *const *data,
                                const lstmc_meta *meta, size_t n_meta,
                                lstmc_error *err)
{
    static const char spaces[HEADER_ALIGN] = "       ";
    lstmc_status status = check_args(path, tensors, n, meta, n_meta, err);
    json_t *root = NULL;
    char *json = NULL;
    char *tmp = NULL;
    bool tmp_exists = false;
    int fd = -1;
    FILE *f = NULL;
    if (status != LSTMC_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if ((!data || !data[i]) && !is_empty(&tensors[i])) {
            status = no_buffer(path, &tensors[i], err);
            goto out;
        }
    }

    root = build_header(tensors, n, meta, n_meta);
    json = root ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!json) {
        fail(err, path, 0, 0, "out of memory building the header");
        status = LSTMC_ERR_NOMEM;
        goto out;
    }
    size_t json_len = strlen(json);
    size_t pad = (HEADER_ALIGN - json_len % HEADER_ALIGN) % HEADER_ALIGN;
    if (json_len > LSTMC_WEIGHTS_MAX_HEADER - pad) {
        fail(err, path, 0, 0, "header would be %zu bytes, above the limit "
             "of %u", json_len + pad, LSTMC_WEIGHTS_MAX_HEADER);
        status = LSTMC_ERR_ARG;
        goto out;
    }

    static const char suffix[] = ".tmp.XXXXXX";
    size_t path_len = strlen(path);
    tmp = malloc(path_len + sizeof suffix);
    if (!tmp) {
        fail(err, path, 0, 0, "out of memory");
        status = LSTMC_ERR_NOMEM;
        goto out;
    }
    memcpy(tmp, path, path_len);
    memcpy(tmp + path_len, suffix, sizeof suffix);
    fd = mkstemp(tmp);
    if (fd < 0) {
        fail(err, path, 0, 0, "cannot create a temporary file beside it: %s",
             strerror(errno));
        status = LSTMC_ERR_IO;
        goto out;
    }
    tmp_exists = true;

    /* mkstemp makes the file 0600: give it the mode of the file it
     * replaces, or the usual one. */
    struct stat old;
    mode_t mode = stat(path, &old) == 0 && S_ISREG(old.st_mode)
                      ? old.st_mode & 07777
                      : 0644;
    if (fchmod(fd, mode) != 0) {
        fail(err, path, 0, 0, "cannot set the mode of the temporary file: %s",
             strerror(errno));
        status = LSTMC_ERR_IO;
        goto out;
    }
    f = fdopen(fd, "wb");
    if (!f) {
        fail(err, path, 0, 0, "cannot write the temporary file: %s",
             strerror(errno));
        status = LSTMC_ERR_IO;
        goto out;
    }
    fd = -1; /* f owns it now */

    unsigned char length[LENGTH_BYTES];
    put_u64_le(length, (uint64_t)json_len + pad);
    bool ok = write_all(f, length, sizeof length) &&
              write_all(f, json, json_len) && write_all(f, spaces, pad);
    for (size_t i = 0; ok && i < n; i++) {
        uint64_t bytes = 0;
        tensor_bytes(&tensors[i], &bytes);
        ok = write_all(f, bytes ? data[i] : NULL, (size_t)bytes);
    }
    if (ok) {
        errno = 0;
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    }
    if (!ok) {
        fail(err, path, 0, 0, "cannot write the temporary file: %s",
             strerror(errno ? errno : EIO));
        status = LSTMC_ERR_IO;
        goto out;
    }
    int closed = fclose(f);
    f = NULL;
    if (closed != 0) {
        fail(err, path, 0, 0, "cannot write the temporary file: %s",
             strerror(errno));
        status = LSTMC_ERR_IO;
        goto out;
    }
    if (rename(tmp, path) != 0) {
        fail(err, path, 0, 0, "cannot replace it: %s", strerror(errno));
        status = LSTMC_ERR_IO;
        goto out;
    }
    tmp_exists = false;
    sync_parent_dir(path);

out:
    if (f)
        fclose(f);
    else if (fd >= 0)
        close(fd);
    if (tmp_exists)
        unlink(tmp);
    free(tmp);
    free(json);
    json_decref(root);
    return status;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

/* One tensor entry of a file's header, after parse_entry. */
struct entry {
    const char *name;  /* key in the header object (jansson owns it) */
    const char *dtype; /* as found, e.g. "F32" or "BF16" */
    const json_t *shape;
    uint64_t begin, end; /* data_offsets, begin <= end */
    size_t expected;     /* index into the expected tensors */
};

/* The value of a non-negative JSON integer, or false. */
static bool get_unsigned(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* Checks the form of one tensor entry (not yet whether it is expected). */
static lstmc_status parse_entry(struct entry *e, const char *path,
                                const char *name, const json_t *v,
                                lstmc_error *err)
{
    char q[QUOTE_MAX + 4];
    e->name = name;
    if (!json_is_object(v)) {
        fail(err, path, 0, 0, "tensor '%s' is %s, expected an object with "
             "dtype, shape and data_offsets", quote(q, name),
             json_type_text(v));
        return LSTMC_ERR_FORMAT;
    }
    const json_t *dtype = json_object_get(v, "dtype");
    if (!json_is_string(dtype)) {
        fail(err, path, 0, 0, "tensor '%s' has no dtype string",
             quote(q, name));
        return LSTMC_ERR_FORMAT;
    }
    e->dtype = json_string_value(dtype);
    e->shape = json_object_get(v, "shape");
    bool shape_ok = json_is_array(e->shape);
    for (size_t i = 0; shape_ok && i < json_array_size(e->shape); i++) {
        uint64_t dim;
        shape_ok = get_unsigned(json_array_get(e->shape, i), &dim);
    }
    if (!shape_ok) {
        fail(err, path, 0, 0, "tensor '%s' has no shape array of "
             "non-negative integers", quote(q, name));
        return LSTMC_ERR_FORMAT;
    }
    const json_t *offsets = json_object_get(v, "data_offsets");
    if (!json_is_array(offsets) || json_array_size(offsets) != 2 ||
        !get_unsigned(json_array_get(offsets, 0), &e->begin) ||
        !get_unsigned(json_array_get(offsets, 1), &e->end)) {
        fail(err, path, 0, 0, "tensor '%s' has no data_offsets [begin, end] "
             "of non-negative integers", quote(q, name));
        return LSTMC_ERR_FORMAT;
    }
    if (e->begin > e->end) {
        fail(err, path, 0, 0, "tensor '%s' has data_offsets [%" PRIu64
             ", %" PRIu64 "] that end before they begin", quote(q, name),
             e->begin, e->end);
        return LSTMC_ERR_FORMAT;
    }
    return LSTMC_OK;
}

/* Every key of meta must be in the file's __metadata__ (md, may be NULL)
 * with the same value. */
static lstmc_status check_metadata(const char *path, json_t *md,
                                   const lstmc_meta *meta, size_t n_meta,
                                   lstmc_error *err)
{
    char q1[QUOTE_MAX + 4], q2[QUOTE_MAX + 4], q3[QUOTE_MAX + 4];
    if (md && !json_is_object(md)) {
        fail(err, path, 0, 0, "%s is %s, expected an object of strings",
             METADATA_KEY, json_type_text(md));
        return LSTMC_ERR_FORMAT;
    }
    const char *key;
    json_t *value;
    json_object_foreach(md, key, value) {
        if (!json_is_string(value)) {
            fail(err, path, 0, 0, "%s '%s' is %s, expected a string",
                 METADATA_KEY, quote(q1, key), json_type_text(value));
            return LSTMC_ERR_FORMAT;
        }
    }
    for (size_t i = 0; i < n_meta; i++) {
        const json_t *found = md ? json_object_get(md, meta[i].key) : NULL;
        const char *want = meta[i].value;
        if (!found) {
            fail(err, path, 0, 0, "metadata '%s' is missing, expected '%s'",
                 quote(q1, meta[i].key), quote(q2, want));
            return LSTMC_ERR_FORMAT;
        }
        const char *have = json_string_value(found);
        if (strcmp(have, want) == 0)
            continue;
        if (strcmp(meta[i].key, LSTMC_META_MODEL) == 0)
            fail(err, path, 0, 0, "weights are for model '%s', not '%s'",
                 quote(q1, have), quote(q2, want));
        else
            fail(err, path, 0, 0, "metadata '%s' is '%s', expected '%s'",
                 quote(q1, meta[i].key), quote(q2, have), quote(q3, want));
        return LSTMC_ERR_FORMAT;
    }
    return LSTMC_OK;
}

/* Matches entries[0..count) with tensors[0..n): every expected tensor
 * present once with its dtype and shape, nothing else. Sets
 * entries[].expected. */
static lstmc_status match_tensors(const char *path, struct entry *entries,
                                  size_t count,
                                  const lstmc_tensor_desc *tensors, size_t n,
                                  lstmc_error *err)
{
    char q1[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
    char s1[SHAPE_TEXT_MAX], s2[SHAPE_TEXT_MAX];
    const struct entry *unexpected = NULL;
    for (size_t j = 0; j < count; j++) {
        entries[j].expected = n;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(entries[j].name, tensors[i].name) == 0) {
                entries[j].expected = i;
                break;
            }
        }
        if (entries[j].expected == n && !unexpected)
            unexpected = &entries[j];
    }
    for (size_t i = 0; i < n; i++) {
        const struct entry *e = NULL;
        for (size_t j = 0; j < count && !e; j++)
            if (entries[j].expected == i)
                e = &entries[j];
        const lstmc_tensor_desc *t = &tensors[i];
        if (!e && unexpected) {
            fail(err, path, 0, 0, "missing tensor '%s' (the file has "
                 "unexpected '%s')", quote(q1, t->name),
                 quote(q2, unexpected->name));
            return LSTMC_ERR_FORMAT;
        }
        if (!e) {
            fail(err, path, 0, 0, "missing tensor '%s'", quote(q1, t->name));
            return LSTMC_ERR_FORMAT;
        }
        if (strcmp(e->dtype, dtypes[t->dtype].name) != 0) {
            fail(err, path, 0, 0, "tensor '%s' has dtype %s, expected %s",
                 quote(q1, t->name), quote(q2, e->dtype),
                 dtypes[t->dtype].name);
            return LSTMC_ERR_FORMAT;
        }
        bool same = json_array_size(e->shape) == t->rank;
        for (size_t d = 0; same && d < t->rank; d++)
            same = (uint64_t)json_integer_value(json_array_get(e->shape, d)) ==
                   t->shape[d];
        if (!same) {
            fail(err, path, 0, 0, "tensor '%s' has shape %s, expected %s",
                 quote(q1, t->name), json_shape_text(s1, e->shape),
                 desc_shape_text(s2, t));
            return LSTMC_ERR_FORMAT;
        }
    }
    if (unexpected) {
        fail(err, path, 0, 0, "unexpected tensor '%s': the model has no "
             "tensor of that name", quote(q1, unexpected->name));
        return LSTMC_ERR_FORMAT;
    }
    return LSTMC_OK;
}

static int by_offsets(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Each matched entry's data_offsets span its size; sorted by offset, they
 * tile [0, *data_end) exactly. Sorts entries. */
static lstmc_status check_offsets(const char *path, struct entry *entries,
                                  size_t count,
                                  const lstmc_tensor_desc *tensors,
                                  uint64_t *data_end, lstmc_error *err)
{
    char q1[QUOTE_MAX + 4], q2[QUOTE_MAX + 4], s[SHAPE_TEXT_MAX];
    for (size_t j = 0; j < count; j++) {
        const struct entry *e = &entries[j];
        const lstmc_tensor_desc *t = &tensors[e->expected];
        uint64_t need = 0;
        tensor_bytes(t, &need);
        if (e->end - e->begin != need) {
            fail(err, path, 0, 0, "tensor '%s' has data_offsets [%" PRIu64
                 ", %" PRIu64 "], %" PRIu64 " bytes, but %s %s needs %"
                 PRIu64, quote(q1, e->name), e->begin, e->end,
                 e->end - e->begin, dtypes[t->dtype].name,
                 desc_shape_text(s, t), need);
            return LSTMC_ERR_FORMAT;
        }
    }
    if (count > 0)
        qsort(entries, count, sizeof *entries, by_offsets);
    uint64_t pos = 0;
    const struct entry *prev = NULL;
    for (size_t j = 0; j < count; j++) {
        const struct entry *e = &entries[j];
        if (e->begin > pos) {
            fail(err, path, 0, 0, "gap in the data: no tensor has bytes [%"
                 PRIu64 ", %" PRIu64 ") before '%s'", pos, e->begin,
                 quote(q1, e->name));
            return LSTMC_ERR_FORMAT;
        }
        if (e->begin < pos) {
            fail(err, path, 0, 0, "tensor '%s' at data_offsets [%" PRIu64
                 ", %" PRIu64 "] overlaps '%s' at [%" PRIu64 ", %" PRIu64
                 "]", quote(q1, e->name), e->begin, e->end,
                 quote(q2, prev->name), prev->begin, prev->end);
            return LSTMC_ERR_FORMAT;
        }
        pos = e->end;
        prev = e;
    }
    *data_end = pos;
    return LSTMC_OK;
}

/* Reads exactly len bytes of `what` (for messages) into buf. */
static lstmc_status read_exact(FILE *f, void *buf, size_t len,
                               const char *path, const char *what,
                               lstmc_error *err)
{
    if (len == 0)
        return LSTMC_OK;
    errno = 0;
    if (fread(buf, 1, len, f) == len)
        return LSTMC_OK;
    if (ferror(f))
        fail(err, path, 0, 0, "cannot read %s: %s", what,
             strerror(errno ? errno : EIO));
    else
        fail(err, path, 0, 0, "unexpected end of file reading %s", what);
    return LSTMC_ERR_IO;
}

lstmc_status lstmc_weights_load(const char *path,
                                const lstmc_tensor_desc *tensors, size_t n,
                                void *const *data,
                                const lstmc_meta *meta, size_t n_meta,
                                lstmc_error *err)
{
    lstmc_status status = check_args(path, tensors, n, meta, n_meta, err);
    FILE *f = NULL;
    char *header = NULL;
    json_t *root = NULL;
    struct entry *entries = NULL;
    if (status != LSTMC_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if ((!data || !data[i]) && !is_empty(&tensors[i])) {
            status = no_buffer(path, &tensors[i], err);
            goto out;
        }
    }

    f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        fail(err, path, 0, 0, "cannot open: %s", strerror(errno));
        status = LSTMC_ERR_IO;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(err, path, 0, 0, "%s", S_ISDIR(st.st_mode)
                                        ? "is a directory, not a weights file"
                                        : "is not a regular file");
        status = LSTMC_ERR_IO;
        goto out;
    }
    uint64_t file_size = (uint64_t)st.st_size;

    /* The header length, then the header. */
    status = LSTMC_ERR_FORMAT;
    if (file_size < LENGTH_BYTES) {
        fail(err, path, 0, 0, "file is too short for safetensors: %" PRIu64
             " bytes, expected at least %d for the header length",
             file_size, LENGTH_BYTES);
        goto out;
    }
    unsigned char length[LENGTH_BYTES];
    status = read_exact(f, length, sizeof length, path, "the header length",
                        err);
    if (status != LSTMC_OK)
        goto out;
    status = LSTMC_ERR_FORMAT;
    uint64_t header_len = get_u64_le(length);
    if (header_len > LSTMC_WEIGHTS_MAX_HEADER) {
        fail(err, path, 0, 0, "header length %" PRIu64 " is above the "
             "limit of %u bytes", header_len, LSTMC_WEIGHTS_MAX_HEADER);
        goto out;
    }
    if (header_len > file_size - LENGTH_BYTES) {
        fail(err, path, 0, 0, "header length %" PRIu64 " is larger than "
             "the %" PRIu64 " bytes after it", header_len,
             file_size - LENGTH_BYTES);
        goto out;
    }
    header = malloc(header_len ? (size_t)header_len : 1);
    if (!header) {
        fail(err, path, 0, 0, "out of memory for a %" PRIu64 "-byte header",
             header_len);
        status = LSTMC_ERR_NOMEM;
        goto out;
    }
    status = read_exact(f, header, (size_t)header_len, path, "the header",
                        err);
    if (status != LSTMC_OK)
        goto out;
    status = LSTMC_ERR_FORMAT;
    json_error_t jerr;
    root = json_loadb(header, (size_t)header_len,
                      JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) {
        status = json_error_code(&jerr) == json_error_out_of_memory
                     ? LSTMC_ERR_NOMEM
                     : LSTMC_ERR_FORMAT;
        char q[QUOTE_MAX + 4];
        fail(err, path, jerr.line, jerr.column, "header is not valid JSON "
             "(line %d, column %d): %s", jerr.line, jerr.column,
             quote(q, jerr.text));
        goto out;
    }
    if (!json_is_object(root)) {
        fail(err, path, 0, 0, "header is %s, expected a JSON object",
             json_type_text(root));
        goto out;
    }

    /* What the header says, checked against what the caller expects. */
    json_t *md = json_object_get(root, METADATA_KEY);
    status = check_metadata(path, md, meta, n_meta, err);
    if (status != LSTMC_OK)
        goto out;
    size_t count = json_object_size(root) - (md ? 1 : 0);
    entries = calloc(count ? count : 1, sizeof *entries);
    if (!entries) {
        fail(err, path, 0, 0, "out of memory for %zu tensors", count);
        status = LSTMC_ERR_NOMEM;
        goto out;
    }
    size_t j = 0;
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        if (value == md)
            continue;
        status = parse_entry(&entries[j++], path, key, value, err);
        if (status != LSTMC_OK)
            goto out;
    }
    uint64_t data_end = 0;
    status = match_tensors(path, entries, count, tensors, n, err);
    if (status == LSTMC_OK)
        status = check_offsets(path, entries, count, tensors, &data_end, err);
    if (status != LSTMC_OK)
        goto out;
    uint64_t data_start = LENGTH_BYTES + header_len;
    uint64_t data_len = file_size - data_start;
    if (data_len < data_end) {
        fail(err, path, 0, 0, "truncated: data ends at byte %" PRIu64
             ", tensors need %" PRIu64, file_size, data_start + data_end);
        status = LSTMC_ERR_FORMAT;
        goto out;
    }
    if (data_len > data_end) {
        fail(err, path, 0, 0, "%" PRIu64 " unexpected bytes after the last "
             "tensor, which ends at byte %" PRIu64, data_len - data_end,
             data_start + data_end);
        status = LSTMC_ERR_FORMAT;
        goto out;
    }

    /* The data, in file order: the entries are sorted and contiguous. */
    for (j = 0; j < count; j++) {
        const struct entry *e = &entries[j];
        char q[QUOTE_MAX + 4], what[QUOTE_MAX + 16];
        snprintf(what, sizeof what, "tensor '%s'", quote(q, e->name));
        status = read_exact(f, data[e->expected], (size_t)(e->end - e->begin),
                            path, what, err);
        if (status != LSTMC_OK)
            goto out;
    }
    status = LSTMC_OK;

out:
    free(entries);
    json_decref(root);
    free(header);
    if (f)
        fclose(f);
    return status;
}
