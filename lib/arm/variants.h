/* lib/arm/variants.h -- the arm64 variants built, and what each takes from
 * a lesser one
 * SPDX-License-Identifier: MIT
 *
 * Included by internal.h alone.  QK256_FOR_EACH_SIMD_ISA(X, arg) runs
 * X(arg, name, ID) for each variant that configure enabled, worst first.
 * Each variant defines only the kernels where its instructions pay; for
 * the rest the aliases below declare and list the lesser variant's kernel.
 */
#ifndef QK256_ARM_VARIANTS_H
#define QK256_ARM_VARIANTS_H

#if QK256_HAVE_NEON
# define QK256_X_NEON(X, arg) X(arg, neon, NEON)
#else
# define QK256_X_NEON(X, arg)
#endif

#if QK256_HAVE_DOTPROD
# define QK256_X_DOTPROD(X, arg) X(arg, dotprod, DOTPROD)
/* SDOT serves the int8 products alone (lib/arm/dotprod.c). */
# define qk256_pack_dotprod qk256_pack_neon
# define qk256_unpack_dotprod qk256_unpack_neon
# define qk256_dequantize_dotprod qk256_dequantize_neon
# define qk256_gemv_dotprod qk256_gemv_neon
# define qk256_quantize_dotprod qk256_quantize_neon
# define qk256_codes_ok_dotprod qk256_codes_ok_neon
# define qk256_finite_dotprod qk256_finite_neon
# define qk256_quantize_i8_dotprod qk256_quantize_i8_neon
# define qk256_gemm_dotprod qk256_gemm_neon
#else
# define QK256_X_DOTPROD(X, arg)
#endif

#if QK256_HAVE_I8MM
# define QK256_X_I8MM(X, arg) X(arg, i8mm, I8MM)
/* SMMLA multiplies two rows by two vectors: it serves the int8 GEMM alone
 * (lib/arm/i8mm.c); a GEMV has one vector. */
# define qk256_pack_i8mm qk256_pack_dotprod
# define qk256_unpack_i8mm qk256_unpack_dotprod
# define qk256_dequantize_i8mm qk256_dequantize_dotprod
# define qk256_gemv_i8mm qk256_gemv_dotprod
# define qk256_quantize_i8mm qk256_quantize_dotprod
# define qk256_codes_ok_i8mm qk256_codes_ok_dotprod
# define qk256_finite_i8mm qk256_finite_dotprod
# define qk256_quantize_i8_i8mm qk256_quantize_i8_dotprod
# define qk256_gemv_i8_i8mm qk256_gemv_i8_dotprod
# define qk256_gemm_i8mm qk256_gemm_dotprod
#else
# define QK256_X_I8MM(X, arg)
#endif

#define QK256_FOR_EACH_SIMD_ISA(X, arg) \
    QK256_X_NEON(X, arg) QK256_X_DOTPROD(X, arg) QK256_X_I8MM(X, arg)

#endif /* QK256_ARM_VARIANTS_H */
