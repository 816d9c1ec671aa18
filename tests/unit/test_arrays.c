/*
 * test_arrays: lstmc_arrays_read_f64, the CSV-of-numbers reader of the
 * generated programs: values, blank lines, and errors with row and column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lstmc.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/lstmc-arrays-%ld.csv", (long)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_values(void **state)
{
    (void)state;
    write_file("1, 2.5,-3e2\n\n  4,5,6  \r\n");
    double *v = NULL;
    size_t rows = 0;
    lstmc_error err;
    assert_int_equal(lstmc_arrays_read_f64(path, 3, 0, &v, &rows, &err), LSTMC_OK);
    assert_int_equal(rows, 2);
    const double want[] = {1, 2.5, -300, 4, 5, 6};
    for (int i = 0; i < 6; i++)
        assert_true(v[i] == want[i]);
    free(v);
    remove(path);
}

static void expect_error(const char *text, size_t cols, uint64_t bound, long row, long col,
                         const char *msg)
{
    write_file(text);
    double *v = (double *)1;
    size_t rows = 7;
    lstmc_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(lstmc_arrays_read_f64(path, cols, bound, &v, &rows, &err), LSTMC_ERR_FORMAT);
    assert_null(v);
    assert_int_equal(rows, 0);
    assert_string_equal(err.path, path);
    assert_int_equal(err.row, row);
    assert_int_equal(err.col, col);
    assert_string_equal(err.msg, msg);
    remove(path);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("1,2\n3,x4\n", 2, 0, 2, 3, "expected a number, found 'x4'");
    expect_error("1,2\n3\n", 2, 0, 2, 2, "expected 2 values, found 1");
    expect_error("1,2,3\n", 2, 0, 1, 5, "expected 2 values, found more");
    expect_error("1,nan\n", 2, 0, 1, 3, "expected a finite number, found 'nan'");
    expect_error("0,9\n", 2, 9, 1, 3, "expected a token id, an integer in [0, 9), found '9'");
    expect_error("0.5,1\n", 2, 9, 1, 1, "expected a token id, an integer in [0, 9), found '0.5'");
}

static void test_missing(void **state)
{
    (void)state;
    double *v = NULL;
    size_t rows = 0;
    lstmc_error err;
    assert_int_equal(lstmc_arrays_read_f64("/nonexistent/x.csv", 1, 0, &v, &rows, &err),
                     LSTMC_ERR_IO);
    assert_string_equal(err.path, "/nonexistent/x.csv");
    assert_int_equal(err.row, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
