/* tests/check_header.c -- the macros of include/qk256.h keep the values
 * they were released with
 * SPDX-License-Identifier: MIT
 *
 * A caller compiles the header's macros into its own code: the block
 * size, the status codes it compares results with, the column limit of
 * the int8 functions.  tests/check-abi.sh holds the library's functions
 * to the released ABI, but abidiff sees no macros, so a changed value
 * would break every program built against an older header unnoticed.
 * The values below are those of the release that first had each macro;
 * they never change.  tests/check-symbols.sh checks that every QK256_
 * macro of the header is listed here, so a new one needs its row.
 */
#include <config.h>

#include "qk256.h"

#include "testutil.h"

static const struct {
    const char *name;
    long long value, released;
} macros[] = {
#define M(name, released) { #name, name, released }
    M(QK256_BLOCK_ELEMS, 256),      /* 0.1.0 */
    M(QK256_BLOCK_BYTES, 64),       /* 0.1.0 */
    M(QK256_OK, 0),                 /* 0.1.0 */
    M(QK256_E_NULL, -1),            /* 0.1.0 */
    M(QK256_E_STRIDE, -2),          /* 0.1.0 */
    M(QK256_E_OVERFLOW, -3),        /* 0.1.0 */
    M(QK256_E_OVERLAP, -4),         /* 0.1.0 */
    M(QK256_E_RANGE, -5),           /* 0.1.0 */
    M(QK256_I8_MAX_COLS, 8388608),  /* 0.1.0 */
#undef M
};

/* Callers may also test them in #if, so each must be an integer constant
 * that the preprocessor gives the same value. */
#if QK256_BLOCK_ELEMS == 256 && QK256_BLOCK_BYTES == 64 && QK256_OK == 0 && \
    QK256_E_NULL == -1 && QK256_E_STRIDE == -2 && QK256_E_OVERFLOW == -3 && \
    QK256_E_OVERLAP == -4 && QK256_E_RANGE == -5 && \
    QK256_I8_MAX_COLS == 8388608
# define PREPROCESSOR_AGREES 1
#else
# define PREPROCESSOR_AGREES 0
#endif

START_TEST(test_macros)
{
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
        CHECK(macros[i].value == macros[i].released,
              "%s is %lld, but was released as %lld", macros[i].name,
              macros[i].value, macros[i].released);
    CHECK(PREPROCESSOR_AGREES, "#if sees a macro of qk256.h at another value");
}
END_TEST

Suite *
suite_header(void)
{
    Suite *s = suite_create("header");
    TCase *tc = tcase_new("header", "macros");

    tcase_add_test(tc, test_macros);
    suite_add_tcase(s, tc);
    return s;
}
