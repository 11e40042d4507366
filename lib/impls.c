/* lib/impls.c -- the impl list: every kernel variant built into the library
 * SPDX-License-Identifier: MIT
 *
 * Tests and the bench call each variant through this table; dispatch.c binds
 * one of them for the public functions.  Both take the variants from
 * QK256_FOR_EACH_ISA (internal.h), so that a variant added there gets a
 * resolver case and a row here.
 */
#include "internal.h"

#define QK256_IMPL_KERNEL(isa, op) qk256_##op##_##isa,
#define QK256_IMPL_ROW(unused, isa, ID) \
    { #isa, QK256_ISA_##ID, QK256_FOR_EACH_OP(QK256_IMPL_KERNEL, isa) },

const struct qk256_impl qk256_impls[] = {
    QK256_FOR_EACH_ISA(QK256_IMPL_ROW, ~)
};

const size_t qk256_nimpls = sizeof qk256_impls / sizeof qk256_impls[0];

const char *
qk256_isa_name(enum qk256_isa isa)
{
    for (size_t i = 0; i < qk256_nimpls; i++)
        if (qk256_impls[i].isa == isa)
            return qk256_impls[i].name;
    return "scalar";
}
