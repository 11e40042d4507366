/* lib/x86/cpu.h -- which x86 variants this CPU runs, asked of glibc
 * SPDX-License-Identifier: MIT
 *
 * Included by lib/cpu.h alone (see there).  glibc's CPU_FEATURE_ACTIVE
 * computes 1 << 31 in int for some features (AVX512VL among them), which
 * UBSan reports as undefined; built without sanitizers, it is not
 * instrumented.
 */
#ifndef QK256_X86_CPU_H
#define QK256_X86_CPU_H

#include <sys/platform/x86.h>

/* An x86 resolver takes no arguments: it asks glibc, whose answers
 * GLIBC_TUNABLES=glibc.cpu.hwcaps can mask. */
#define QK256_RESOLVER_PARAMS void
#define QK256_RESOLVER_SELECT() qk256_cpu_select()

/* The CPU features each variant's compiler flags enable, asked of glibc so
 * that GLIBC_TUNABLES=glibc.cpu.hwcaps=-... masks them.  always_inline:
 * the ifunc resolvers in dispatch.c must stay leaf code (see there). */
static inline __attribute__((always_inline)) int
qk256_cpu_usable(enum qk256_isa isa)
{
    switch (isa) {
    case QK256_ISA_SCALAR:
        return 1;
#if QK256_HAVE_AVX2
    case QK256_ISA_AVX2:
        return CPU_FEATURE_ACTIVE(AVX2) && CPU_FEATURE_ACTIVE(FMA);
#endif
#if QK256_HAVE_AVXVNNI
    /* glibc 2.36 cannot mask AVX_VNNI either: on a CPU that has it, only a
     * mask of AVX2 or FMA turns this variant off, and avx2 with it, so
     * nothing makes the loader bind avx2 there (tests/variant-env). */
    case QK256_ISA_AVXVNNI:
        return CPU_FEATURE_ACTIVE(AVX_VNNI) && CPU_FEATURE_ACTIVE(AVX2)
            && CPU_FEATURE_ACTIVE(FMA);
#endif
#if QK256_HAVE_AVX512
    /* glibc 2.36 cannot mask AVX512_VNNI, so the masks that turn this
     * variant off name F, BW and VL (SPEC section 5).  The variant also
     * runs AVX2 code, hence the AVX2 test. */
    case QK256_ISA_AVX512:
        return CPU_FEATURE_ACTIVE(AVX512F) && CPU_FEATURE_ACTIVE(AVX512BW)
            && CPU_FEATURE_ACTIVE(AVX512VL) && CPU_FEATURE_ACTIVE(AVX512_VNNI)
            && CPU_FEATURE_ACTIVE(AVX2) && CPU_FEATURE_ACTIVE(FMA);
#endif
    default:
        return 0;
    }
}

/* The variant that every function binds: the best usable one. */
static inline __attribute__((always_inline)) enum qk256_isa
qk256_cpu_select(void)
{
    if (qk256_cpu_usable(QK256_ISA_AVX512))
        return QK256_ISA_AVX512;
    if (qk256_cpu_usable(QK256_ISA_AVXVNNI))
        return QK256_ISA_AVXVNNI;
    if (qk256_cpu_usable(QK256_ISA_AVX2))
        return QK256_ISA_AVX2;
    return QK256_ISA_SCALAR;
}

/* The same answers for code that is not a resolver (lib/cpu.c). */
#define QK256_CPU_USABLE(isa) qk256_cpu_usable(isa)
#define QK256_CPU_SELECT() qk256_cpu_select()

#endif /* QK256_X86_CPU_H */
