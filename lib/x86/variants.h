/* lib/x86/variants.h -- the x86 variants built, and what each takes from
 * a lesser one
 * SPDX-License-Identifier: MIT
 *
 * Included by internal.h alone.  QK256_FOR_EACH_SIMD_ISA(X, arg) runs
 * X(arg, name, ID) for each variant that configure enabled, worst first.
 */
#ifndef QK256_X86_VARIANTS_H
#define QK256_X86_VARIANTS_H

#if QK256_HAVE_AVX2
# define QK256_X_AVX2(X, arg) X(arg, avx2, AVX2)
/* The int8 activations in the order that every x86 variant's int8 kernels
 * read them (lib/x86/avx2.c, for lib/loops/gemv_i8.h and gemm.h). */
uint32_t qk256_i8_planes_avx2(int8_t *dst, const int8_t *xq, size_t n);
void qk256_i8_tile_planes_avx2(int8_t *planes, uint32_t *bias, const int8_t *xq,
                               size_t ldx, size_t len, size_t nt);
#else
# define QK256_X_AVX2(X, arg)
#endif

#if QK256_HAVE_AVXVNNI
# define QK256_X_AVXVNNI(X, arg) X(arg, avxvnni, AVXVNNI)
/* AVX-VNNI adds vpdpbusd on 256-bit vectors and nothing else: only the
 * int8 GEMV and GEMM have kernels of their own (lib/x86/avxvnni.c), every
 * other kernel is avx2's. */
# define qk256_pack_avxvnni qk256_pack_avx2
# define qk256_unpack_avxvnni qk256_unpack_avx2
# define qk256_dequantize_avxvnni qk256_dequantize_avx2
# define qk256_gemv_avxvnni qk256_gemv_avx2
# define qk256_quantize_avxvnni qk256_quantize_avx2
# define qk256_codes_ok_avxvnni qk256_codes_ok_avx2
# define qk256_finite_avxvnni qk256_finite_avx2
# define qk256_quantize_i8_avxvnni qk256_quantize_i8_avx2
# define qk256_gemm_avxvnni qk256_gemm_avx2
#else
# define QK256_X_AVXVNNI(X, arg)
#endif

#if QK256_HAVE_AVX512
# define QK256_X_AVX512(X, arg) X(arg, avx512, AVX512)
/* Where 512-bit vectors do not pay (measured with qk256-bench), the avx512
 * variant runs the avx2 kernel: these names then declare and list it. */
# define qk256_pack_avx512 qk256_pack_avx2
# define qk256_unpack_avx512 qk256_unpack_avx2
# define qk256_quantize_avx512 qk256_quantize_avx2
# define qk256_codes_ok_avx512 qk256_codes_ok_avx2
# define qk256_finite_avx512 qk256_finite_avx2
#else
# define QK256_X_AVX512(X, arg)
#endif

#define QK256_FOR_EACH_SIMD_ISA(X, arg) \
    QK256_X_AVX2(X, arg) QK256_X_AVXVNNI(X, arg) QK256_X_AVX512(X, arg)

#endif /* QK256_X86_VARIANTS_H */
