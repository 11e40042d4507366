/* lib/impls.c -- the impl list: every kernel variant built into the library
 * SPDX-License-Identifier: MIT
 *
 * Tests and the bench call each variant through this table; dispatch.c binds
 * one of them for the public functions.  A variant added there must also get
 * a row here, and the other way round.
 */
#include "internal.h"

#define QK256_IMPL_ROW(isa, id)                                        \
    { #isa, id, qk256_pack_##isa, qk256_unpack_##isa,                  \
      qk256_dequantize_##isa, qk256_gemv_##isa, qk256_quantize_##isa,  \
      qk256_codes_ok_##isa, qk256_finite_##isa,                       \
      qk256_quantize_i8_##isa, qk256_gemv_i8_##isa,      \
      qk256_gemm_##isa, qk256_gemm_i8_##isa }

const struct qk256_impl qk256_impls[] = {
    QK256_IMPL_ROW(scalar, QK256_ISA_SCALAR),
#if QK256_HAVE_AVX2
    QK256_IMPL_ROW(avx2, QK256_ISA_AVX2),
#endif
#if QK256_HAVE_AVX512
    QK256_IMPL_ROW(avx512, QK256_ISA_AVX512),
#endif
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
