/* tests/main.c -- qk256-tests: every suite, on every variant this CPU runs
 * SPDX-License-Identifier: MIT
 *
 * Environment:
 *   QK256_EXPECT_IMPL, QK256_EXPECT_FORCED: the variant that must be bound
 *                      (tests/expect.c).
 *   CK_FORK, CK_RUN_SUITE, CK_RUN_CASE ...: as check(3) documents.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "testutil.h"

int
main(void)
{
    const char *bound = qk256_implementation();
    int status = expect_bound(bound);

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
    srunner_add_suite(sr, suite_golden());
    srunner_add_suite(sr, suite_header());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
