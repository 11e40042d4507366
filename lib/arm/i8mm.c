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
 * The driver of lib/loops/gemm.h, with the planes of the tile group by
 * group as neon's (lib/arm/neon.h), but the vectors in pairs: for each
 * plane, bytes 0-7 of vector 2p's, then of 2p + 1's, then bytes 8-15 of
 * each, the order in which SMMLA takes them (a vector of an odd last pair
 * is zeros).  The tile kernel pairs the rows the same way before it
 * decodes them: ZIP1 and ZIP2 of the 64-bit halves of the two rows' 16
 * packed bytes give 16 bytes of each row's first 8 codes, then of the last
 * 8, and decoding those gives the paired planes.  Then every pair of
 * vectors takes two loads and eight SMMLA, into one accumulator: four for
 * a tile of 8.
 */
#include "internal.h"
#include "arm/neon.h"


#define PAIRS (QK256_GEMM_TILE / 2)

/* The tile planes function of lib/loops/gemm.h: group g of pair p at
 * planes + g * QK256_TILE_GROUP_BYTES + 128 p, with no bias. */
static void
i8_tile_planes_i8mm(int8_t *planes, uint32_t bias[QK256_GEMM_TILE],
                    const int8_t *xq, size_t ldx, size_t len, size_t nt)
{
    size_t groups = qk256_blocks(len) * (QK256_BLOCK_ELEMS / QK256_GROUP_ELEMS);

    for (size_t t = 0; t < nt; t++)
        bias[t] = 0;
    for (size_t p = 0; 2 * p < nt; p++) {
        for (size_t g = 0; g < groups; g++) {
            int8_t *dst = planes + g * QK256_TILE_GROUP_BYTES + 2 * QK256_GROUP_ELEMS * p;
            size_t e = QK256_GROUP_ELEMS * g;
            int8_t v[2][QK256_GROUP_ELEMS] = { { 0 } };

            for (size_t i = 0; i < 2 && 2 * p + i < nt; i++)
                if (e < len)
                    memcpy(v[i], xq + (2 * p + i) * ldx + e, qk256_min(len - e, QK256_GROUP_ELEMS));

            int8x16x4_t a = vld4q_s8(v[0]), b = vld4q_s8(v[1]);

            UNROLL
            for (int s = 0; s < 4; s++) {
                int64x2_t as = vreinterpretq_s64_s8(a.val[s]), bs = vreinterpretq_s64_s8(b.val[s]);

                vst1q_s8(dst + 32 * s, vreinterpretq_s8_s64(vzip1q_s64(as, bs)));
                vst1q_s8(dst + 32 * s + 16, vreinterpretq_s8_s64(vzip2q_s64(as, bs)));
            }
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
        int64x2_t v0 = vreinterpretq_s64_u8(vld1q_u8(w0 + 16 * g));
        int64x2_t v1 = vreinterpretq_s64_u8(vld1q_u8(w1 + 16 * g));
        /* lo: codes of bytes 0-7 of row 0, then of row 1; hi: bytes 8-15. */
        struct i8_planes lo = i8_decode(vreinterpretq_u8_s64(vzip1q_s64(v0, v1)), t0, t1);
        struct i8_planes hi = i8_decode(vreinterpretq_u8_s64(vzip2q_s64(v0, v1)), t0, t1);
        const int8_t *xg = planes + g * QK256_TILE_GROUP_BYTES;

        UNROLL
        for (int p = 0; p < NP; p++) {
            int8x16x4_t x01, x23;

            /* One pointer walks the group (see dotprod.c). */
            x01 = vld1q_s8_x4(xg);
            xg += QK256_GROUP_ELEMS;
            __asm__("" : "+r"(xg));
            x23 = vld1q_s8_x4(xg);
            xg += QK256_GROUP_ELEMS;
            __asm__("" : "+r"(xg));

            a[p] = vmmlaq_s32(a[p], lo.p[0], x01.val[0]);
            a[p] = vmmlaq_s32(a[p], hi.p[0], x01.val[1]);
            a[p] = vmmlaq_s32(a[p], lo.p[1], x01.val[2]);
            a[p] = vmmlaq_s32(a[p], hi.p[1], x01.val[3]);
            a[p] = vmmlaq_s32(a[p], lo.p[2], x23.val[0]);
            a[p] = vmmlaq_s32(a[p], hi.p[2], x23.val[1]);
            a[p] = vmmlaq_s32(a[p], lo.p[3], x23.val[2]);
            a[p] = vmmlaq_s32(a[p], hi.p[3], x23.val[3]);
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
             const int8_t *planes, size_t nblocks, size_t nt,
             struct qk256_i8_edges e)
{
    (void)e; /* whole blocks: the driver is not asked to shift lines */
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
                         i8_tile_planes_i8mm, i8_tile_i8mm, NULL);
}
