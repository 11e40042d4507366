/* lib/dispatch.c -- GNU ifunc resolvers: one variant per operation, bound
 * once at load time
 * SPDX-License-Identifier: MIT
 *
 * Every variant must also be listed in the impl list (lib/impls.c).
 *
 * A resolver runs while ld.so is still relocating this library, so it must
 * be leaf code: it may not call into libc, through the PLT, or anything the
 * compiler inserts (memset, stack protector, sanitizers).  Its only call is
 * the one that CPU_FEATURE_ACTIVE makes to ld.so's own
 * __x86_get_cpuid_feature_leaf, taken through the GOT (-fno-plt), which
 * ld.so has relocated before it relocates anything else.  This file is
 * built with QK256_RESOLVER_CFLAGS for that reason, and
 * tests/check-resolvers.sh disassembles the resolvers to hold them to it.
 *
 * All resolvers go through qk256_cpu_select(), so a process runs one variant
 * for every operation.
 */
#include "internal.h"

#if QK256_X86_DISPATCH

#include "cpu.h"

#if QK256_HAVE_AVX512
# define QK256_AVX512_CASE(op) \
        case QK256_ISA_AVX512: return qk256_##op##_avx512;
#else
# define QK256_AVX512_CASE(op)
#endif

/* used: clang 14 does not count an ifunc's reference to its resolver. */
#define QK256_RESOLVER(op)                                             \
    static __attribute__((used)) qk256_##op##_fn *                     \
    qk256_resolve_##op(void)                                           \
    {                                                                  \
        switch (qk256_cpu_select()) {                                  \
        QK256_AVX512_CASE(op)                                          \
        case QK256_ISA_AVX2:                                           \
            return qk256_##op##_avx2;                                  \
        default:                                                       \
            return qk256_##op##_scalar;                                \
        }                                                              \
    }                                                                  \
    qk256_##op##_fn qk256__##op                                        \
        __attribute__((ifunc("qk256_resolve_" #op)))

QK256_RESOLVER(pack);
QK256_RESOLVER(unpack);
QK256_RESOLVER(dequantize);
QK256_RESOLVER(gemv);
QK256_RESOLVER(quantize);
QK256_RESOLVER(codes_ok);
QK256_RESOLVER(finite);
QK256_RESOLVER(quantize_i8);
QK256_RESOLVER(gemv_i8);
QK256_RESOLVER(gemm);
QK256_RESOLVER(gemm_i8);

#endif /* QK256_X86_DISPATCH */
