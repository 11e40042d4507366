/* lib/dispatch.c -- GNU ifunc resolvers: one variant per operation, bound
 * once at load time
 * SPDX-License-Identifier: MIT
 *
 * Every variant must also be listed in the impl list (lib/impls.c); both
 * take the variants from QK256_FOR_EACH_SIMD_ISA (internal.h).
 *
 * A resolver runs while ld.so is still relocating this library, so it must
 * be leaf code: it may not call into libc, through the PLT, or anything the
 * compiler inserts (memset, stack protector, sanitizers).  On x86 its only
 * call is the one that CPU_FEATURE_ACTIVE makes to ld.so's own
 * __x86_get_cpuid_feature_leaf, taken through the GOT (-fno-plt), which
 * ld.so has relocated before it relocates anything else; on arm64 it
 * calls nothing and reads only the hwcaps ld.so passes it (lib/arm/cpu.h).
 * This file is built with QK256_RESOLVER_CFLAGS for that reason, and
 * tests/check-resolvers.sh disassembles the resolvers to hold them to it.
 *
 * All resolvers go through qk256_cpu_select(), so a process runs one variant
 * for every operation.
 */
#include "internal.h"

#if QK256_IFUNC

#include "cpu.h"

#define QK256_RESOLVER_CASE(op, isa, ID) \
    case QK256_ISA_##ID:                  \
        return qk256_##op##_##isa;

/* used: clang 14 does not count an ifunc's reference to its resolver. */
#define QK256_RESOLVER(unused, op)                                     \
    static __attribute__((used)) qk256_##op##_fn *                     \
    qk256_resolve_##op(QK256_RESOLVER_PARAMS)                          \
    {                                                                  \
        switch (QK256_RESOLVER_SELECT()) {                             \
        QK256_FOR_EACH_SIMD_ISA(QK256_RESOLVER_CASE, op)               \
        default:                                                       \
            return qk256_##op##_scalar;                                \
        }                                                              \
    }                                                                  \
    qk256_##op##_fn qk256__##op                                        \
        __attribute__((ifunc("qk256_resolve_" #op)));

QK256_FOR_EACH_OP(QK256_RESOLVER, ~)

#endif /* QK256_IFUNC */
