/* lib/cpu.h -- which variants this CPU runs, asked of glibc
 * SPDX-License-Identifier: MIT
 *
 * Included only by the two files built without sanitizers and with
 * QK256_RESOLVER_CFLAGS: dispatch.c, whose ifunc resolvers inline these,
 * and cpu.c, which gives everything else the same answers out of line.
 * glibc's CPU_FEATURE_ACTIVE computes 1 << 31 in int for some features
 * (AVX512VL among them), which UBSan reports as undefined; built here, it
 * is not instrumented.
 */
#ifndef QK256_CPU_H
#define QK256_CPU_H

#include "internal.h"

#include <sys/platform/x86.h>

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
    if (qk256_cpu_usable(QK256_ISA_AVX2))
        return QK256_ISA_AVX2;
    return QK256_ISA_SCALAR;
}

#endif /* QK256_CPU_H */
