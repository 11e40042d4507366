/* lib/arm/i8mm.c -- int8 matrix multiply (FEAT_I8MM) kernels for QK256
 * SPDX-License-Identifier: MIT
 *
 * Built with -march=armv8.2-a+dotprod+i8mm (configure); none of it runs
 * unless the resolver in dispatch.c, or a caller of the impl list, has
 * seen HWCAP2_I8MM and HWCAP_ASIMDDP (lib/arm/cpu.h).  SMMLA multiplies a
 * 2 x 8 int8 matrix by an 8 x 2 one into a 2 x 2 int32 sum: two rows by two
 * vectors, 32 products where SDOT makes 16.  That serves the int8 GEMM; a
 * GEMV has one vector, and the other kernels of this variant are those of
 * dotprod and neon (lib/arm/variants.h).  Kernels trust their arguments
 * (internal.h) and follow the rules of lib/arm/neon.c.
 *
 * ---- gemm_i8 -------------------------------------------------------------
 * Twin: qk256_gemm_i8_scalar, bit-exact: the weights decode to -2..2
 * (lib/arm/neon.h), SMMLA adds their products with the activations into
 * int32 lanes that wrap modulo 2^32, and the exact sum fits in int32.
 *
 * The driver of lib/loops/gemm.h computes each vector's planes; regroup
 * then interleaves the planes of vectors 2p and 2p + 1 by halves of 8
 * bytes, the order in which SMMLA takes them (a vector of an odd last pair
 * is zeros).  In the tile kernel each group of 64 weights of the two rows
 * is decoded once, four planes a row, and two ZIP of 64-bit halves pair
 * the rows' planes the same way; every pair of vectors then takes two
 * loads and eight SMMLA, into one accumulator: four for a tile of 8.
 */
#include "internal.h"
#include "arm/neon.h"
#include "loops/gemm.h"


#define PAIRS (QK256_GEMM_TILE / 2)

/* Pair p's planes: for each plane of 16 bytes, at 32 bytes a plane from
 * planes + 2 p * QK256_GEMM_I8_CHUNK_ELEMS on, bytes 0-7 of vector 2p's,
 * then of 2p + 1's, then bytes 8-15 of each. */
static void
regroup_i8mm(int8_t *planes, size_t nblocks, size_t nt)
{
    size_t len = nblocks * QK256_BLOCK_ELEMS;
    int8_t tmp[2][QK256_GEMM_I8_CHUNK_ELEMS];

    for (size_t p = 0; 2 * p < nt; p++) {
        int8_t *a = planes + 2 * p * QK256_GEMM_I8_CHUNK_ELEMS;

        memcpy(tmp[0], a, len);
        if (2 * p + 1 < nt)
            memcpy(tmp[1], a + QK256_GEMM_I8_CHUNK_ELEMS, len);
        else
            memset(tmp[1], 0, len);
        for (size_t c = 0; c < len; c += 16) {
            int64x2_t va = vreinterpretq_s64_s8(vld1q_s8(tmp[0] + c));
            int64x2_t vb = vreinterpretq_s64_s8(vld1q_s8(tmp[1] + c));

            vst1q_s8(a + 2 * c, vreinterpretq_s8_s64(vzip1q_s64(va, vb)));
            vst1q_s8(a + 2 * c + 16, vreinterpretq_s8_s64(vzip2q_s64(va, vb)));
        }
    }
}

/* Rows w0 and w1, NP pairs of vectors. */
static ALWAYS_INLINE void
i8_tile_kernel(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0, const uint8_t *w1,
               const int8_t *planes, size_t nblocks, int NP)
{
    const int8x16_t t0 = i8_table(0), t1 = i8_table(1);
    int32x4_t a[PAIRS];

    UNROLL
    for (int p = 0; p < NP; p++)
        a[p] = vdupq_n_s32(0);
    for (size_t g = 0; g < nblocks * (QK256_BLOCK_ELEMS / QK256_GROUP_ELEMS); g++) {
        struct i8_planes d0 = i8_decode(vld1q_u8(w0 + 16 * g), t0, t1);
        struct i8_planes d1 = i8_decode(vld1q_u8(w1 + 16 * g), t0, t1);
        int8x16_t rows[8];

        UNROLL
        for (int s = 0; s < 4; s++) {
            int64x2_t r0 = vreinterpretq_s64_s8(d0.p[s]), r1 = vreinterpretq_s64_s8(d1.p[s]);

            rows[2 * s] = vreinterpretq_s8_s64(vzip1q_s64(r0, r1));
            rows[2 * s + 1] = vreinterpretq_s8_s64(vzip2q_s64(r0, r1));
        }
        UNROLL
        for (int p = 0; p < NP; p++) {
            const int8_t *xp = planes + 2 * (size_t)p * QK256_GEMM_I8_CHUNK_ELEMS
                               + 2 * QK256_GROUP_ELEMS * g;
            int8x16x4_t x01 = vld1q_s8_x4(xp), x23 = vld1q_s8_x4(xp + 64);

            UNROLL
            for (int h = 0; h < 4; h++)
                a[p] = vmmlaq_s32(a[p], rows[h], x01.val[h]);
            UNROLL
            for (int h = 0; h < 4; h++)
                a[p] = vmmlaq_s32(a[p], rows[4 + h], x23.val[h]);
        }
    }
    /* Lanes: row 0 by vectors 2p and 2p + 1, then row 1 by both. */
    UNROLL
    for (int p = 0; p < NP; p++) {
        uint32x4_t u = vreinterpretq_u32_s32(a[p]);

        acc[0][2 * p] = vgetq_lane_u32(u, 0);
        acc[0][2 * p + 1] = vgetq_lane_u32(u, 1);
        acc[1][2 * p] = vgetq_lane_u32(u, 2);
        acc[1][2 * p + 1] = vgetq_lane_u32(u, 3);
    }
}

/* One copy of the tile kernel for each number of pairs. */
static void
i8_tile_i8mm(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0, const uint8_t *w1,
             const int8_t *planes, size_t nblocks, size_t nt)
{
    switch ((nt + 1) / 2) {
    case 1: i8_tile_kernel(acc, w0, w1, planes, nblocks, 1); break;
    case 2: i8_tile_kernel(acc, w0, w1, planes, nblocks, 2); break;
    case 3: i8_tile_kernel(acc, w0, w1, planes, nblocks, 3); break;
    default: i8_tile_kernel(acc, w0, w1, planes, nblocks, PAIRS); break;
    }
}

void
qk256_gemm_i8_i8mm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                   const int8_t *xq, size_t ldx, const float *scales,
                   size_t rows, size_t cols, size_t n)
{
    qk256_gemm_i8_driver(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n,
                         qk256_i8_planes_neon, regroup_i8mm, i8_tile_i8mm);
}
