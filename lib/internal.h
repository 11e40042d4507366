/* lib/internal.h -- kernel prototypes, the ISA enum and the impl list
 * SPDX-License-Identifier: MIT
 *
 * Not installed.  Kernels trust their arguments: lib/qk256.c has checked
 * them (SPEC section 3) before any kernel runs, so a kernel may assume
 *   - n > 0, rows > 0 and cols > 0;
 *   - every pointer is valid for the bytes the call implies, with no
 *     alignment: a packed row or array of n codes is qk256_row_bytes(n)
 *     bytes (whole 64-byte blocks), a float array is exactly n floats;
 *   - outputs do not overlap inputs; codes passed to pack are 0..3, floats
 *     passed to quantize are finite.
 * Kernels may read the whole last block of packed data, never past it,
 * and never read or write a float past the end of a float array.
 */
#ifndef QK256_INTERNAL_H
#define QK256_INTERNAL_H

#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qk256.h"

/* The f32 value of each code; the scalar kernels and the docs use it. */
#define QK256_LUT_INIT { -2.0f, -1.0f, 1.0f, 2.0f }

/* Blocks that hold n elements: ceil(n / 256).  Never overflows. */
static inline size_t
qk256_blocks(size_t n)
{
    return n / QK256_BLOCK_ELEMS + (n % QK256_BLOCK_ELEMS != 0);
}

/* The smaller of a and b.  (A function, not the conditional expression in
 * place: cppcheck 2.10 takes some of those for a value that can be 0.) */
static inline size_t
qk256_min(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Element i of a caller's float array.  The API asks no alignment of any
 * pointer, so kernels touch caller floats only through these two; memcpy
 * compiles to a single unaligned move. */
static inline float
qk256_get_f32(const float *p, size_t i)
{
    float v;

    memcpy(&v, (const unsigned char *)p + i * sizeof v, sizeof v);
    return v;
}

static inline void
qk256_put_f32(float *p, size_t i, float v)
{
    memcpy((unsigned char *)p + i * sizeof v, &v, sizeof v);
}

/* The bits of |p[i]|.  Non-negative floats compare as these do as
 * integers, and the bits of an infinity (QK256_NONFINITE_BITS) or a NaN
 * are above those of every finite float: quantize_i8 takes the largest
 * |x| this way and so finds them too. */
static inline uint32_t
qk256_abs_bits(const float *p, size_t i)
{
    uint32_t u;

    memcpy(&u, (const unsigned char *)p + i * sizeof u, sizeof u);
    return u & 0x7fffffffu;
}

#define QK256_NONFINITE_BITS 0x7f800000u

/* The larger of mb and the largest qk256_abs_bits of p[i, n): the tail of
 * a vector loop over max |x|. */
static inline uint32_t
qk256_abs_bits_max(const float *p, size_t i, size_t n, uint32_t mb)
{
    for (; i < n; i++) {
        uint32_t a = qk256_abs_bits(p, i);

        mb = a > mb ? a : mb;
    }
    return mb;
}

/* The int32 whose two's complement bits are u: the sums of gemv_i8 are
 * taken modulo 2^32 (see qk256_gemv_i8_scalar). */
static inline int32_t
qk256_i32_of_u32(uint32_t u)
{
    return u <= INT32_MAX ? (int32_t)u : -(int32_t)~u - 1;
}

/* Every ISA a variant can be built for; the enum's order is that of
 * preference within an architecture (a later ISA is a better one). */
enum qk256_isa {
    QK256_ISA_SCALAR,
    QK256_ISA_AVX2,
    QK256_ISA_AVXVNNI,
    QK256_ISA_AVX512,
    QK256_ISA_NEON,
    QK256_ISA_DOTPROD,
    QK256_ISA_I8MM,
    QK256_ISA_COUNT
};

/* The operations, each with a kernel in every variant: X(arg, op) for each.
 * The typedefs below are qk256_<op>_fn. */
#define QK256_FOR_EACH_OP(X, arg)                                      \
    X(arg, pack) X(arg, unpack) X(arg, dequantize) X(arg, gemv)        \
    X(arg, quantize) X(arg, codes_ok) X(arg, finite) X(arg, quantize_i8) \
    X(arg, gemv_i8) X(arg, gemm) X(arg, gemm_i8)

typedef void qk256_pack_fn(uint8_t *dst, const uint8_t *codes, size_t n);
typedef void qk256_unpack_fn(uint8_t *codes, const uint8_t *src, size_t n);
typedef void qk256_dequantize_fn(float *dst, const uint8_t *src,
                                 const float *scales, size_t n);
typedef void qk256_gemv_fn(float *y, const uint8_t *w, size_t row_stride,
                           const float *x, size_t rows, size_t cols);
/* scales may be NULL: then no scale is written. */
typedef void qk256_quantize_fn(uint8_t *dst, float *scales, const float *src,
                               size_t n);
/* The input scans of qk256_pack and qk256_quantize (lib/qk256.c), which
 * run before any output is written: nonzero when every one of the n codes
 * is 0..3, when every one of the n floats is finite.  They read nothing
 * past the end of their arrays. */
typedef int qk256_codes_ok_fn(const uint8_t *codes, size_t n);
typedef int qk256_finite_fn(const float *x, size_t n);
/* 0, with nothing written, when an x is an infinity or a NaN (the kernel
 * finds them in the pass that takes max |x|, which a scan would repeat);
 * else nonzero, with xq and *scale bitwise identical in every variant. */
typedef int qk256_quantize_i8_fn(int8_t *xq, float *scale, const float *x,
                                 size_t n);
/* cols <= QK256_I8_MAX_COLS.  Bitwise identical in every variant. */
typedef void qk256_gemv_i8_fn(float *y, const uint8_t *w, size_t row_stride,
                              const int8_t *xq, float scale, size_t rows,
                              size_t cols);
/* n > 0, ldy >= rows, ldx >= cols; the elements of y between results are
 * never touched.  Result j within the SPEC section 4 bound (gemm), or bit
 * for bit qk256_gemv_i8 of column j with scales[j] (gemm_i8). */
typedef void qk256_gemm_fn(float *y, size_t ldy, const uint8_t *w,
                           size_t row_stride, const float *x, size_t ldx,
                           size_t rows, size_t cols, size_t n);
typedef void qk256_gemm_i8_fn(float *y, size_t ldy, const uint8_t *w,
                              size_t row_stride, const int8_t *xq, size_t ldx,
                              const float *scales, size_t rows, size_t cols,
                              size_t n);

/* The SIMD variants of this build's architecture:
 * QK256_FOR_EACH_SIMD_ISA(X, arg) runs X(arg, name, ID) for each variant
 * built, worst first, where name is the variant's word ("avx2") and ID
 * its enum name (AVX2).  The header also names, as aliases, the kernels
 * that a variant takes from a lesser one. */
#if QK256_ARCH_X86
# include "x86/variants.h"
#elif QK256_ARCH_ARM
# include "arm/variants.h"
#endif
#ifndef QK256_FOR_EACH_SIMD_ISA
# define QK256_FOR_EACH_SIMD_ISA(X, arg)
#endif

/* Every variant built, scalar first. */
#define QK256_FOR_EACH_ISA(X, arg) \
    X(arg, scalar, SCALAR) QK256_FOR_EACH_SIMD_ISA(X, arg)

#define QK256_DECLARE_KERNEL(isa, op) qk256_##op##_fn qk256_##op##_##isa;
#define QK256_DECLARE_VARIANT(unused, isa, ID) \
    QK256_FOR_EACH_OP(QK256_DECLARE_KERNEL, isa)
QK256_FOR_EACH_ISA(QK256_DECLARE_VARIANT, ~)

/* Whether this CPU (as GLIBC_TUNABLES leaves it, on x86) runs a variant,
 * and the variant that every function binds: the best usable one.
 * Defined in lib/cpu.c, out of line and never sanitized (see lib/cpu.h). */
#if QK256_IFUNC
int qk256_isa_usable(enum qk256_isa isa);
enum qk256_isa qk256_select_isa(void);
#else
static inline int
qk256_isa_usable(enum qk256_isa isa)
{
    return isa == QK256_ISA_SCALAR;
}

static inline enum qk256_isa
qk256_select_isa(void)
{
    return QK256_ISA_SCALAR;
}
#endif

/* The bound kernels that lib/qk256.c calls, qk256__<op>: ifuncs defined in
 * dispatch.c, or the scalar kernels where the build has no dispatch. */
#if QK256_IFUNC
# define QK256_DECLARE_BOUND(unused, op) qk256_##op##_fn qk256__##op;
QK256_FOR_EACH_OP(QK256_DECLARE_BOUND, ~)
#else
# define qk256__pack qk256_pack_scalar
# define qk256__unpack qk256_unpack_scalar
# define qk256__dequantize qk256_dequantize_scalar
# define qk256__gemv qk256_gemv_scalar
# define qk256__quantize qk256_quantize_scalar
# define qk256__codes_ok qk256_codes_ok_scalar
# define qk256__finite qk256_finite_scalar
# define qk256__quantize_i8 qk256_quantize_i8_scalar
# define qk256__gemv_i8 qk256_gemv_i8_scalar
# define qk256__gemm qk256_gemm_scalar
# define qk256__gemm_i8 qk256_gemm_i8_scalar
#endif

/* The impl list: one row per variant compiled into the library, scalar
 * first.  Tests and the bench walk it to call every variant directly. */
#define QK256_IMPL_FIELD(unused, op) qk256_##op##_fn *op;
struct qk256_impl {
    const char *name; /* "scalar", "avx2", "neon"...: the words used everywhere */
    enum qk256_isa isa;
    QK256_FOR_EACH_OP(QK256_IMPL_FIELD, ~)
};

extern const struct qk256_impl qk256_impls[];
extern const size_t qk256_nimpls;

/* The name of an ISA as the impl list spells it. */
const char *qk256_isa_name(enum qk256_isa isa);

#endif /* QK256_INTERNAL_H */
