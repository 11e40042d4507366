/* tests/expect.c -- the variant a test run asked for, and the one bound
 * SPDX-License-Identifier: MIT
 *
 * Shared by qk256-tests, dlopen-test and fuzz-replay.  Environment:
 *   QK256_EXPECT_IMPL    the variant the loader must have bound ("scalar",
 *                        "avx2", "neon", ...);
 *   QK256_EXPECT_FORCED  1 when the environment selected it (a GLIBC_TUNABLES
 *                        mask on x86, QEMU_CPU under qemu-user on arm64), so
 *                        that another variant bound is a failure; otherwise
 *                        (real arm64 hardware, where nothing hides hwcaps
 *                        from the resolvers) it is a SKIP.
 */
#include <config.h>

#include "expect.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPECT_ISA_ROW(unused, name, ID) { #name, QK256_ISA_##ID },

int
expect_bound(const char *bound)
{
    static const struct {
        const char *name;
        enum qk256_isa isa;
    } built[] = { QK256_FOR_EACH_ISA(EXPECT_ISA_ROW, ~) };
    const char *want = getenv("QK256_EXPECT_IMPL");
    const char *forced = getenv("QK256_EXPECT_FORCED");

    if (!want || !*want || strcmp(want, bound) == 0)
        return 0;
    for (size_t i = 0; i < sizeof built / sizeof built[0]; i++) {
        if (strcmp(built[i].name, want) != 0)
            continue;
        if (!qk256_isa_usable(built[i].isa)) {
            printf("SKIP: this CPU cannot run variant %s\n", want);
            return 77;
        }
        if (!forced || strcmp(forced, "1") != 0) {
            printf("SKIP: variant %s cannot be selected here: the loader "
                   "bound %s, the best this CPU has\n", want, bound);
            return 77;
        }
        printf("FAIL: QK256_EXPECT_IMPL=%s, but the loader bound variant %s\n",
               want, bound);
        return 1;
    }
    printf("SKIP: variant %s is not built into this library\n", want);
    return 77;
}
