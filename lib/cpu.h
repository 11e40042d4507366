/* lib/cpu.h -- which variants this CPU runs
 * SPDX-License-Identifier: MIT
 *
 * Included only by the two files built without sanitizers and with
 * QK256_RESOLVER_CFLAGS: dispatch.c, whose ifunc resolvers inline these,
 * and cpu.c, which gives everything else the same answers out of line.
 * The architecture's header (lib/x86/cpu.h, lib/arm/cpu.h) defines
 *   qk256_cpu_usable(isa, ...) and qk256_cpu_select(...), always inline:
 *     whether the CPU runs a variant, and the best variant it runs;
 *   QK256_RESOLVER_PARAMS, the parameter list of an ifunc resolver, and
 *     QK256_RESOLVER_SELECT(), the variant a resolver binds, from them;
 *   QK256_CPU_USABLE(isa) and QK256_CPU_SELECT(), the same answers for
 *     code that is not a resolver.
 */
#ifndef QK256_CPU_H
#define QK256_CPU_H

#include "internal.h"

#if QK256_ARCH_X86
# include "x86/cpu.h"
#elif QK256_ARCH_ARM
# include "arm/cpu.h"
#else
# error "ifunc dispatch is built for x86 and arm64 only"
#endif

#endif /* QK256_CPU_H */
