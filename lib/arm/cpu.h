/* lib/arm/cpu.h -- which arm64 variants this CPU runs, from its hwcaps
 * SPDX-License-Identifier: MIT
 *
 * Included by lib/cpu.h alone (see there).  On aarch64, glibc's ld.so
 * calls a resolver with the AT_HWCAP bits and _IFUNC_ARG_HWCAP as its
 * first argument and, since that bit is set, a struct that also carries
 * AT_HWCAP2 as its second (<sys/ifunc.h>).  Nothing can mask them, so on
 * real hardware a process binds the best variant the CPU has; under
 * qemu-user the emulated CPU (QEMU_CPU) decides.
 *
 * What each variant's compiler flags (configure) may use, and the bits
 * that stand for it:
 *   neon     the Armv8.0 baseline, Advanced SIMD included: every arm64 CPU;
 *   dotprod  -march=armv8.2-a+dotprod: HWCAP_ASIMDDP.  FEAT_DotProd is an
 *            Armv8.2 extension, so a CPU with it has the Armv8.2 base that
 *            the flag also lets the compiler use;
 *   i8mm     the same plus +i8mm: HWCAP2_I8MM and HWCAP_ASIMDDP.
 */
#ifndef QK256_ARM_CPU_H
#define QK256_ARM_CPU_H

#include <stdint.h>
#include <sys/auxv.h>
#include <sys/ifunc.h>

/* asm/hwcap.h has these; older C libraries may not. */
#ifndef HWCAP_ASIMDDP
# define HWCAP_ASIMDDP (1UL << 20)
#endif
#ifndef HWCAP2_I8MM
# define HWCAP2_I8MM (1UL << 13)
#endif

#define QK256_RESOLVER_PARAMS uint64_t hwcap, const __ifunc_arg_t *arg
/* Without _IFUNC_ARG_HWCAP there is no second argument, and no HWCAP2. */
#define QK256_RESOLVER_SELECT() \
    qk256_cpu_select(hwcap, (hwcap & _IFUNC_ARG_HWCAP) ? arg->_hwcap2 : 0)

static inline __attribute__((always_inline)) int
qk256_cpu_usable(enum qk256_isa isa, uint64_t hwcap, uint64_t hwcap2)
{
    switch (isa) {
    case QK256_ISA_SCALAR:
        return 1;
#if QK256_HAVE_NEON
    case QK256_ISA_NEON:
        return 1;
#endif
#if QK256_HAVE_DOTPROD
    case QK256_ISA_DOTPROD:
        return (hwcap & HWCAP_ASIMDDP) != 0;
#endif
#if QK256_HAVE_I8MM
    case QK256_ISA_I8MM:
        return (hwcap & HWCAP_ASIMDDP) != 0 && (hwcap2 & HWCAP2_I8MM) != 0;
#endif
    default:
        return 0;
    }
}

/* The variant that every function binds: the best usable one. */
static inline __attribute__((always_inline)) enum qk256_isa
qk256_cpu_select(uint64_t hwcap, uint64_t hwcap2)
{
    if (qk256_cpu_usable(QK256_ISA_I8MM, hwcap, hwcap2))
        return QK256_ISA_I8MM;
    if (qk256_cpu_usable(QK256_ISA_DOTPROD, hwcap, hwcap2))
        return QK256_ISA_DOTPROD;
    if (qk256_cpu_usable(QK256_ISA_NEON, hwcap, hwcap2))
        return QK256_ISA_NEON;
    return QK256_ISA_SCALAR;
}

/* The same answers for code that is not a resolver (lib/cpu.c), from the
 * auxiliary vector that ld.so reads them from. */
#define QK256_CPU_USABLE(isa) \
    qk256_cpu_usable(isa, getauxval(AT_HWCAP), getauxval(AT_HWCAP2))
#define QK256_CPU_SELECT() \
    qk256_cpu_select(getauxval(AT_HWCAP), getauxval(AT_HWCAP2))

#endif /* QK256_ARM_CPU_H */
