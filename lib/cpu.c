/* lib/cpu.c -- the CPU queries of lib/cpu.h, for the code that is not a
 * resolver: qk256_implementation(), the tests and the bench
 * SPDX-License-Identifier: MIT
 */
#include "cpu.h"

int
qk256_isa_usable(enum qk256_isa isa)
{
    return QK256_CPU_USABLE(isa);
}

enum qk256_isa
qk256_select_isa(void)
{
    return QK256_CPU_SELECT();
}
