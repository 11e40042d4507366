/* tests/main.c -- qk256-tests: every suite, on every variant this CPU runs
 * SPDX-License-Identifier: MIT
 *
 * Environment:
 *   QK256_EXPECT_IMPL  the variant the loader must have bound ("scalar",
 *                      "avx2", "avx512"); exit 77 (SKIP) when this build or
 *                      CPU cannot run it, 1 when another one was bound.
 *   CK_FORK, CK_RUN_SUITE, CK_RUN_CASE ...: as check(3) documents.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The impl-list row called name, or NULL. */
static const struct qk256_impl *
find_impl(const char *name)
{
    for (size_t i = 0; i < qk256_nimpls; i++)
        if (strcmp(qk256_impls[i].name, name) == 0)
            return &qk256_impls[i];
    return NULL;
}

/* 0 to go on, else the exit status. */
static int
check_expected_impl(const char *bound)
{
    const char *want = getenv("QK256_EXPECT_IMPL");

    if (!want || !*want || strcmp(want, bound) == 0)
        return 0;

    const struct qk256_impl *im = find_impl(want);

    if (!im) {
        printf("SKIP: variant %s is not built into this library\n", want);
        return 77;
    }
    if (!qk256_isa_usable(im->isa)) {
        printf("SKIP: this CPU cannot run variant %s\n", want);
        return 77;
    }
    printf("FAIL: QK256_EXPECT_IMPL=%s, but the loader bound variant %s\n",
           want, bound);
    return 1;
}

int
main(void)
{
    const char *bound = qk256_implementation();
    int status = check_expected_impl(bound);

    if (status)
        return status;

    for (size_t i = 0; i < qk256_nimpls; i++)
        if (!qk256_isa_usable(qk256_impls[i].isa))
            printf("qk256-tests: note: variant %s left out: this CPU "
                   "(or GLIBC_TUNABLES) does not offer it\n",
                   qk256_impls[i].name);

    printf("qk256-tests: bound variant %s, testing variants:", bound);
    for (size_t t = 0; t < target_count(); t++)
        if (target_get(t)->impl)
            printf(" %s", target_get(t)->name);
    printf("\n");
    fflush(stdout);

    SRunner *sr = srunner_create(suite_pack());
    srunner_add_suite(sr, suite_dequantize());
    srunner_add_suite(sr, suite_gemv());
    srunner_add_suite(sr, suite_quantize());
    srunner_add_suite(sr, suite_scan());
    srunner_add_suite(sr, suite_args());
    srunner_add_suite(sr, suite_threads());
    srunner_add_suite(sr, suite_quantize_i8());
    srunner_add_suite(sr, suite_gemv_i8());
    srunner_add_suite(sr, suite_gemm());
    srunner_add_suite(sr, suite_i8_api());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
