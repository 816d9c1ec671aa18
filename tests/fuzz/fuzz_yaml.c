/*
 * fuzz_yaml: libFuzzer target for the YAML front end. Any input must give
 * a tree or NULL plus diagnostics: no crash, leak, undefined behaviour or
 * runaway time. Diagnostics are formatted for real (to /dev/null) so the
 * span and excerpt code runs on every input too.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icompiler \
 *       tests/fuzz/fuzz_yaml.c compiler/yaml_front.c compiler/ast.c \
 *       compiler/diag.c compiler/source.c -lyaml -lm -o fuzz_yaml
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ast.h"
#include "diag.h"
#include "front.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Opened once: a FILE per input would dominate the run time. */
    static FILE *sink;
    if (!sink) {
        sink = fopen("/dev/null", "w");
        if (!sink)
            abort();
    }
    if (size > SOURCE_MAX_BYTES)
        return 0;

    struct source *src = source_from_memory("fuzz.yaml", (const char *)data, size);
    struct diag d;
    diag_init(&d, sink);
    struct node *root = yaml_parse(src, &d);
    /* An error-free parse always yields a tree; errors on a NULL tree are reported. */
    if (!root && d.errors == 0)
        abort();
    node_free(root);
    source_free(src);
    return 0;
}
