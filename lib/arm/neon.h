/* lib/arm/neon.h -- what the arm64 kernels share: decoding by nibbles,
 * the int8 planes
 * SPDX-License-Identifier: MIT
 *
 * Included by lib/arm/neon.c, dotprod.c and i8mm.c, each built with its
 * own flags; everything here is static inline and needs Advanced SIMD
 * alone.
 *
 * Decoding.  Byte k of 16 packed bytes holds the codes of elements 4k,
 * 4k + 1, 4k + 2 and 4k + 3 of a group of 64, at bits 0, 2, 4 and 6.  Its
 * low nibble (v & 15) holds the codes of elements 4k and 4k + 1, its high
 * nibble (v >> 4) those of 4k + 2 and 4k + 3.  TBL with a 16-entry table
 * maps a nibble to anything of one of its codes: a table indexed by nib
 * that holds f(nib & 3) gives f of the first code, one that holds
 * f(nib >> 2) of the second.  So four TBL turn 16 packed bytes into four
 * "planes" of 16 bytes, plane s holding f(code of element 4k + s) in byte
 * k, with no shift or mask per plane.  The activations of a plane are
 * x[4k + s], k = 0..15: LD4 reads 64 of them in exactly that order, four
 * planes at once (vld4q_s8, vld4q_f32 for 16 floats).
 */
#ifndef QK256_ARM_NEON_H
#define QK256_ARM_NEON_H

#include "internal.h"
#include "loops/gemm.h"

#include <arm_neon.h>
#include <string.h>

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* For the short loops over rows, vectors, planes and groups: unrolled,
 * their vectors stay in registers; GCC -O2 does not unroll them itself. */
#define UNROLL _Pragma("GCC unroll 8")

/* The elements that 16 packed bytes hold. */
#define QK256_GROUP_ELEMS 64

/* The initializers of the two nibble tables of the four values a, b, c, d
 * (f(0) .. f(3)): entry i is f(i & 3) (first code) or f(i >> 2) (second).
 * Tables are static arrays, which GCC loads as constants. */
#define QK256_NIBBLE_FIRST(a, b, c, d) \
    { a, b, c, d, a, b, c, d, a, b, c, d, a, b, c, d }
#define QK256_NIBBLE_SECOND(a, b, c, d) \
    { a, a, a, a, b, b, b, b, c, c, c, c, d, d, d, d }

/* The low and high nibbles of 16 packed bytes. */
static ALWAYS_INLINE uint8x16_t
nibbles_lo(uint8x16_t v)
{
    return vandq_u8(v, vdupq_n_u8(0x0f));
}

static ALWAYS_INLINE uint8x16_t
nibbles_hi(uint8x16_t v)
{
    return vshrq_n_u8(v, 4);
}

/* ---- int8 planes ---------------------------------------------------------
 * The activations of the int8 kernels, in the order in which the planes of
 * the weights meet them: for each group of 64, plane s (x[4k + s], k =
 * 0..15) at bytes 16 s .. 16 s + 15.  One LD4 and one ST1 per group; the
 * kernels then take a group's four planes with one LD1.  The weights
 * decode to w itself (-2, -1, 1, 2), so the sums carry no bias. */

/* The planes of the 64 int8 at x to dst. */
static ALWAYS_INLINE void
i8_planes_group(int8_t *dst, const int8_t *x)
{
    int8x16x4_t v = vld4q_s8(x);

    vst1q_s8_x4(dst, v);
}

/* The planes of x[0, n), zero-padded to whole blocks, group g's at
 * dst + g * stride (stride >= 64). */
static inline void
i8_planes_strided(int8_t *dst, size_t stride, const int8_t *x, size_t n)
{
    size_t groups = qk256_blocks(n) * (QK256_BLOCK_ELEMS / QK256_GROUP_ELEMS);

    for (size_t g = 0; g < groups; g++, dst += stride) {
        size_t e = QK256_GROUP_ELEMS * g;

        if (e + QK256_GROUP_ELEMS <= n) {
            i8_planes_group(dst, x + e);
        } else if (e < n) {
            int8_t tmp[QK256_GROUP_ELEMS] = { 0 };

            memcpy(tmp, x + e, n - e);
            i8_planes_group(dst, tmp);
        } else {
            memset(dst, 0, QK256_GROUP_ELEMS);
        }
    }
}

/* The planes function of lib/loops/gemv_i8.h: the groups one after
 * another, with no bias. */
static inline uint32_t
qk256_i8_planes_neon(int8_t *dst, const int8_t *xq, size_t n)
{
    i8_planes_strided(dst, QK256_GROUP_ELEMS, xq, n);
    return 0;
}

/* The planes of a GEMM tile, group by group: group g of vector t at
 * planes + g * QK256_TILE_GROUP_BYTES + 64 t, so that a tile kernel takes
 * the vectors of a group one after another.  This is the tile planes
 * function of lib/loops/gemm.h for neon and dotprod, with no bias. */
#define QK256_TILE_GROUP_BYTES (QK256_GEMM_TILE * QK256_GROUP_ELEMS)

static inline void
qk256_i8_tile_planes_neon(int8_t *planes, uint32_t bias[QK256_GEMM_TILE],
                          const int8_t *xq, size_t ldx, size_t len, size_t nt)
{
    for (size_t t = 0; t < nt; t++) {
        bias[t] = 0;
        i8_planes_strided(planes + QK256_GROUP_ELEMS * t, QK256_TILE_GROUP_BYTES,
                          xq + t * ldx, len);
    }
}

/* The nibble tables of the signed weights -2, -1, 1, 2. */
static ALWAYS_INLINE int8x16_t
i8_table(int second)
{
    static const int8_t t[2][16] = { QK256_NIBBLE_FIRST(-2, -1, 1, 2),
                                     QK256_NIBBLE_SECOND(-2, -1, 1, 2) };

    return vld1q_s8(t[second]);
}

/* The weights of 16 packed bytes as four planes of int8. */
struct i8_planes {
    int8x16_t p[4];
};

static ALWAYS_INLINE struct i8_planes
i8_decode(uint8x16_t v, int8x16_t t_first, int8x16_t t_second)
{
    uint8x16_t lo = nibbles_lo(v), hi = nibbles_hi(v);
    struct i8_planes d;

    d.p[0] = vqtbl1q_s8(t_first, lo);
    d.p[1] = vqtbl1q_s8(t_second, lo);
    d.p[2] = vqtbl1q_s8(t_first, hi);
    d.p[3] = vqtbl1q_s8(t_second, hi);
    return d;
}

#endif /* QK256_ARM_NEON_H */
