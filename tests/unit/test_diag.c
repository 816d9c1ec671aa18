/*
 * Diagnostics: every spec in tests/diag/ must fail `lstmc check` with
 * exit status 1 and print exactly the stderr stored beside it in
 * NAME.EXT.err (file:line:col, message, source line, caret).
 *
 * LSTMC_UPDATE_DIAG=1 rewrites the .err files from the current output;
 * review the diff before committing it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <string.h>

#include "run.h"

#define DIAG_DIR "tests/diag"

static bool is_case(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".lstm") == 0);
}

static void check_case(void **state)
{
    const char *path = *state;
    struct run r = run_lstmc((const char *[]){"check", path, NULL});
    char expected_path[512];
    snprintf(expected_path, sizeof expected_path, "%s.err", path);
    const char *update = getenv("LSTMC_UPDATE_DIAG");
    if (update && strcmp(update, "1") == 0) {
        FILE *f = fopen(expected_path, "wb");
        assert_non_null(f);
        fputs(r.err, f);
        fclose(f);
    }
    char *expected = read_file(expected_path);
    if (!expected)
        fail_msg("%s is missing; run with LSTMC_UPDATE_DIAG=1 to create it", expected_path);
    if (strcmp(r.err, expected) != 0)
        fail_msg("stderr of %s differs.\n--- expected\n%s--- got\n%s", path, expected, r.err);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    free(expected);
    run_free(&r);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    DIR *dir = opendir(DIAG_DIR);
    if (!dir) {
        fprintf(stderr, "cannot open %s (run from the source root)\n", DIAG_DIR);
        return 1;
    }
    char **paths = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (!is_case(e->d_name))
            continue;
        paths = realloc(paths, (n + 1) * sizeof *paths);
        size_t len = strlen(DIAG_DIR) + strlen(e->d_name) + 2;
        paths[n] = malloc(len);
        if (!paths || !paths[n])
            abort();
        snprintf(paths[n++], len, "%s/%s", DIAG_DIR, e->d_name);
    }
    closedir(dir);
    qsort(paths, n, sizeof *paths, by_name);

    struct CMUnitTest *tests = calloc(n ? n : 1, sizeof *tests);
    if (!tests)
        abort();
    for (size_t i = 0; i < n; i++) {
        tests[i].name = paths[i];
        tests[i].test_func = check_case;
        tests[i].initial_state = paths[i];
    }
    int failed = _cmocka_run_group_tests("diag", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(tests);
    /* A suite with no cases would pass without testing anything. */
    return n < 40 ? 1 : failed;
}
