/* lib/arm/dotprod.c -- dot product (FEAT_DotProd) kernels for QK256
 * SPDX-License-Identifier: MIT
 *
 * Built with -march=armv8.2-a+dotprod (configure); none of it runs unless
 * the resolver in dispatch.c, or a caller of the impl list, has seen
 * HWCAP_ASIMDDP (lib/arm/cpu.h).  SDOT adds four int8 products into each
 * int32 lane, which is what the int8 GEMV and GEMM do; the other kernels
 * of this variant are the neon ones (lib/arm/variants.h).  Kernels trust
 * their arguments (internal.h) and follow the rules of lib/arm/neon.c.
 *
 * Twins: qk256_gemv_i8_scalar and qk256_gemm_i8_scalar, bit-exact.  The
 * weights decode to -2..2 (lib/arm/neon.h), so each SDOT adds w * x
 * itself, with no bias, into int32 lanes that wrap modulo 2^32, and the
 * exact sum fits in int32 (cols <= QK256_I8_MAX_COLS).
 */
#include "internal.h"
#include "arm/neon.h"


/* ---- gemv_i8 -------------------------------------------------------------
 * The driver of lib/loops/gemv_i8.h: eight rows share each load of a
 * group's planes and each turn of the loop; a row's group is one load, a
 * mask, a shift, four TBL and four SDOT.  (Four rows, as x86 takes them,
 * ran 0.207 instructions a weight under qemu, 2560 x 2560; eight 0.19.) */
#define ROWS 8

/* acc[i] + the sums of w * x over nblocks blocks of the KR rows at w[i]. */
static ALWAYS_INLINE void
i8_rows_dotprod(int32x4_t acc[ROWS], const uint8_t *const w[ROWS], const int8_t *planes,
                size_t nblocks, int KR)
{
    const int8x16_t t0 = i8_table(0), t1 = i8_table(1);

    for (size_t b = 0; b < nblocks; b++) {
        UNROLL
        for (int i = 0; i < KR; i++)
            __builtin_prefetch(w[i] + b * QK256_BLOCK_BYTES + QK256_I8_PREFETCH_BYTES);
        for (int g = 0; g < 4; g++) {
            int8x16x4_t x = vld1q_s8_x4(planes + b * QK256_BLOCK_ELEMS + QK256_GROUP_ELEMS * g);

            UNROLL
            for (int i = 0; i < KR; i++) {
                struct i8_planes d = i8_decode(vld1q_u8(w[i] + b * QK256_BLOCK_BYTES + 16 * g),
                                               t0, t1);

                UNROLL
                for (int s = 0; s < 4; s++)
                    acc[i] = vdotq_s32(acc[i], d.p[s], x.val[s]);
            }
        }
    }
}

static void
i8_rows8_dotprod(uint32_t *sum, const uint8_t *w, size_t gap, const int8_t *planes,
                 size_t nblocks, struct qk256_i8_edges e)
{
    const uint8_t *wr[ROWS];
    int32x4_t acc[ROWS];

    UNROLL
    for (int i = 0; i < ROWS; i++) {
        wr[i] = w + (size_t)i * gap;
        acc[i] = vdupq_n_s32(0);
    }
    (void)e; /* whole blocks: this driver is not asked to shift lines */
    i8_rows_dotprod(acc, wr, planes, nblocks, ROWS);
    UNROLL
    for (int i = 0; i < ROWS; i++)
        sum[i] = (uint32_t)vaddvq_s32(acc[i]);
}

static uint32_t
i8_row1_dotprod(const uint8_t *w, const int8_t *planes, size_t nblocks,
                struct qk256_i8_edges e)
{
    const uint8_t *const wr[ROWS] = { w };
    int32x4_t acc[ROWS] = { vdupq_n_s32(0) };

    (void)e;
    i8_rows_dotprod(acc, wr, planes, nblocks, 1);
    return (uint32_t)vaddvq_s32(acc[0]);
}

void
qk256_gemv_i8_dotprod(float *y, const uint8_t *w, size_t row_stride,
                      const int8_t *xq, float scale, size_t rows, size_t cols)
{
    qk256_gemv_i8_driver(y, w, row_stride, xq, scale, rows, cols,
                         qk256_i8_planes_neon, i8_rows8_dotprod, ROWS, i8_row1_dotprod, 0);
}

/* ---- gemm_i8 -------------------------------------------------------------
 * The driver of lib/loops/gemm.h, with the tile's planes group by group
 * (lib/arm/neon.h): each group of two rows is decoded once, then every
 * vector of the tile takes one load of its planes and eight SDOT, into 16
 * accumulators for a tile of 8. */

static ALWAYS_INLINE void
i8_tile_kernel(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0, const uint8_t *w1,
               const int8_t *planes, size_t nblocks, int NT)
{
    const int8x16_t t0 = i8_table(0), t1 = i8_table(1);
    int32x4_t a[2][QK256_GEMM_TILE];

    UNROLL
    for (int j = 0; j < NT; j++)
        a[0][j] = a[1][j] = vdupq_n_s32(0);
    for (size_t g = 0; g < nblocks * (QK256_BLOCK_ELEMS / QK256_GROUP_ELEMS); g++) {
        struct i8_planes d0 = i8_decode(vld1q_u8(w0 + 16 * g), t0, t1);
        struct i8_planes d1 = i8_decode(vld1q_u8(w1 + 16 * g), t0, t1);

        const int8_t *xp = planes + g * QK256_TILE_GROUP_BYTES;

        UNROLL
        for (int j = 0; j < NT; j++) {
            int8x16x4_t x = vld1q_s8_x4(xp);

            /* One pointer walks the group: LD1 of four registers takes no
             * offset, and GCC would add one to a base for each vector. */
            xp += QK256_GROUP_ELEMS;
            __asm__("" : "+r"(xp));

            UNROLL
            for (int s = 0; s < 4; s++) {
                a[0][j] = vdotq_s32(a[0][j], d0.p[s], x.val[s]);
                a[1][j] = vdotq_s32(a[1][j], d1.p[s], x.val[s]);
            }
        }
    }
    UNROLL
    for (int j = 0; j < NT; j++) {
        acc[0][j] = (uint32_t)vaddvq_s32(a[0][j]);
        acc[1][j] = (uint32_t)vaddvq_s32(a[1][j]);
    }
}

/* One copy of the tile kernel for each width. */
static void
i8_tile_dotprod(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0, const uint8_t *w1,
                const int8_t *planes, size_t nblocks, size_t nt,
                struct qk256_i8_edges e)
{
    (void)e; /* whole blocks: the driver is not asked to shift lines */
#define I8_TILE(width) i8_tile_kernel(acc, w0, w1, planes, nblocks, width)
    QK256_GEMM_BY_WIDTH(nt, I8_TILE)
#undef I8_TILE
}

void
qk256_gemm_i8_dotprod(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                      const int8_t *xq, size_t ldx, const float *scales,
                      size_t rows, size_t cols, size_t n)
{
    qk256_gemm_i8_driver(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n,
                         qk256_i8_tile_planes_neon, i8_tile_dotprod, NULL);
}
