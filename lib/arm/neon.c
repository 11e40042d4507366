/* lib/arm/neon.c -- Advanced SIMD kernels for QK256
 * SPDX-License-Identifier: MIT
 *
 * Armv8.0 Advanced SIMD, which every arm64 CPU has: this file is built
 * with the baseline flags, and the dotprod and i8mm variants take the
 * kernels that their own instructions do not speed up from here
 * (lib/arm/variants.h).
 *
 * Each kernel names its twin in scalar.c and says how closely it matches
 * it.  Kernels trust their arguments (internal.h).  They read packed data
 * in whole 64-byte blocks but never past the last block, and they never
 * read or write a float or a code past the end of its array.  No pointer
 * needs to be aligned.  A partial last block goes through a buffer on the
 * stack, as in lib/x86/avx2.c.
 *
 * Decoding is by nibbles (lib/arm/neon.h).  Floats come out of codes two
 * ways.  dequantize, which stores them anyway, looks up their bytes: ST4
 * stores four registers of 16 bytes interleaved, register b giving byte b
 * of 16 floats.  The GEMV and GEMM, which multiply them, widen in registers:
 * TBL gives the top byte of a half (binary16) for each code, SHLL makes the
 * half and FCVTL the float, 7 instructions for 16 weights.  Decoding those
 * through memory as dequantize does (2 TBL, ST4 and a load back) took 22%
 * fewer instructions for the GEMV under qemu, but llvm-mca estimates it
 * slower (94 cycles per 256 weights on its apple-m1 model against 64, the
 * same on cortex-a76), and no model sees what reading back a store just
 * made costs: see README.md, "arm64".
 */
#include "internal.h"
#include "arm/neon.h"

#include <math.h>
#include <string.h>


/* ---- pack ----------------------------------------------------------------
 * Twin: qk256_pack_scalar, bit-exact.
 *
 * LD4 takes 64 codes apart into c0..c3, code 4k + s in byte k of cs; three
 * SLI (shift left and insert) then make c0 | c1 << 2 | c2 << 4 | c3 << 6
 * (the codes are 0..3, so nothing spills), 16 packed bytes.  A partial
 * last block is packed from a zeroed buffer, which makes its pad codes 0.
 */
static ALWAYS_INLINE void
pack_block(uint8_t *dst, const uint8_t *codes)
{
    UNROLL
    for (int g = 0; g < 4; g++) {
        uint8x16x4_t c = vld4q_u8(codes + QK256_GROUP_ELEMS * g);
        uint8x16_t b = vsliq_n_u8(c.val[0], c.val[1], 2);

        b = vsliq_n_u8(b, c.val[2], 4);
        vst1q_u8(dst + 16 * g, vsliq_n_u8(b, c.val[3], 6));
    }
}

void
qk256_pack_neon(uint8_t *dst, const uint8_t *codes, size_t n)
{
    size_t full = n / QK256_BLOCK_ELEMS;
    size_t rest = n % QK256_BLOCK_ELEMS;

    for (size_t b = 0; b < full; b++)
        pack_block(dst + b * QK256_BLOCK_BYTES, codes + b * QK256_BLOCK_ELEMS);
    if (rest) {
        uint8_t tmp[QK256_BLOCK_ELEMS] = { 0 };

        memcpy(tmp, codes + full * QK256_BLOCK_ELEMS, rest);
        pack_block(dst + full * QK256_BLOCK_BYTES, tmp);
    }
}

/* ---- unpack --------------------------------------------------------------
 * Twin: qk256_unpack_scalar, bit-exact.
 *
 * The reverse of pack: a mask and three shifts split 16 packed bytes into
 * c0..c3, and ST4 interleaves them into 64 codes in order.  A partial last
 * block is unpacked whole into a buffer and its first n % 256 codes copied
 * out.
 */
static ALWAYS_INLINE void
unpack_block(uint8_t *codes, const uint8_t *src)
{
    const uint8x16_t three = vdupq_n_u8(3);

    UNROLL
    for (int g = 0; g < 4; g++) {
        uint8x16_t v = vld1q_u8(src + 16 * g);
        uint8x16x4_t c;

        c.val[0] = vandq_u8(v, three);
        c.val[1] = vandq_u8(vshrq_n_u8(v, 2), three);
        c.val[2] = vandq_u8(vshrq_n_u8(v, 4), three);
        c.val[3] = vshrq_n_u8(v, 6);
        vst4q_u8(codes + QK256_GROUP_ELEMS * g, c);
    }
}

void
qk256_unpack_neon(uint8_t *codes, const uint8_t *src, size_t n)
{
    size_t full = n / QK256_BLOCK_ELEMS;
    size_t rest = n % QK256_BLOCK_ELEMS;

    for (size_t b = 0; b < full; b++)
        unpack_block(codes + b * QK256_BLOCK_ELEMS, src + b * QK256_BLOCK_BYTES);
    if (rest) {
        uint8_t tmp[QK256_BLOCK_ELEMS];

        unpack_block(tmp, src + full * QK256_BLOCK_BYTES);
        memcpy(codes + full * QK256_BLOCK_ELEMS, tmp, rest);
    }
}

/* ---- dequantize ----------------------------------------------------------
 * Twin: qk256_dequantize_scalar, bit-exact.
 *
 * The scalar kernel computes lut[c] * s in f32 for each element; here the
 * four products are computed once per block, which is the same product
 * with the same rounding, and each element looks up the bytes of its
 * code's product.  16 elements in order come from four packed bytes: TBL
 * copies each byte to the lanes of its four codes, a shift right by 0, 2,
 * 4 or 6 bits and a mask leave each lane its own code, and ST4 of the four
 * byte lookups writes the 16 floats.
 *
 * The products of -2, -1, 1, 2 by a scale differ in sign and exponent
 * only, so their two low bytes are the same, unless the scale is
 * subnormal or 2 * s overflows: a block whose products agree there stores
 * those two bytes as they are and looks up the other two (two TBL per 16
 * floats); any other block looks up all four.  Without scales the products
 * are the lut itself, whose two low bytes are zero.
 *
 * Tail: a partial last group of 16 goes through a 16-float buffer.
 */

/* A block's four products, and the byte tables of those of their bytes
 * that differ: b[i] holds byte i of the product of code c at c, c + 4,
 * c + 8 and c + 12, for the bytes 2 and 3 always, for 0 and 1 only where
 * they differ (low_same == 0). */
struct deq_tables {
    uint8x16_t bytes, b[4];
    int low_same;
};

static ALWAYS_INLINE uint8x16_t
deq_byte_table(uint8x16_t bytes, int i)
{
    static const uint8_t byte_i[4][16] = {
        { 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12 },
        { 1, 5, 9, 13, 1, 5, 9, 13, 1, 5, 9, 13, 1, 5, 9, 13 },
        { 2, 6, 10, 14, 2, 6, 10, 14, 2, 6, 10, 14, 2, 6, 10, 14 },
        { 3, 7, 11, 15, 3, 7, 11, 15, 3, 7, 11, 15, 3, 7, 11, 15 },
    };

    return vqtbl1q_u8(bytes, vld1q_u8(byte_i[i]));
}

static ALWAYS_INLINE struct deq_tables
deq_tables(const float *scales, size_t blk)
{
    static const float lut[4] = QK256_LUT_INIT;
    float32x4_t p = vld1q_f32(lut);
    struct deq_tables t;

    if (scales)
        p = vmulq_n_f32(p, qk256_get_f32(scales, blk));

    uint32x4_t low = vandq_u32(vreinterpretq_u32_f32(p), vdupq_n_u32(0xffff));

    t.bytes = vreinterpretq_u8_f32(p);
    t.b[2] = deq_byte_table(t.bytes, 2);
    t.b[3] = deq_byte_table(t.bytes, 3);
    t.low_same = vminvq_u32(vceqq_u32(low, vdupq_laneq_u32(low, 0))) != 0;
    if (!t.low_same) {
        t.b[0] = deq_byte_table(t.bytes, 0);
        t.b[1] = deq_byte_table(t.bytes, 1);
    } else {
        t.b[0] = vdupq_laneq_u8(t.bytes, 0);
        t.b[1] = vdupq_laneq_u8(t.bytes, 1);
    }
    return t;
}

/* The codes of elements 16 m .. 16 m + 15 of the 16 packed bytes v. */
static ALWAYS_INLINE uint8x16_t
deq_codes16(uint8x16_t v, int m)
{
    static const uint8_t idx[4][16] = {
        { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 },
        { 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7 },
        { 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11 },
        { 12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15 },
    };
    static const int8_t shift[16] = { 0, -2, -4, -6, 0, -2, -4, -6,
                                      0, -2, -4, -6, 0, -2, -4, -6 };
    uint8x16_t c = vshlq_u8(vqtbl1q_u8(v, vld1q_u8(idx[m])), vld1q_s8(shift));

    return vandq_u8(c, vdupq_n_u8(3));
}

/* The 16 floats of the codes c. */
static ALWAYS_INLINE void
deq_store16(float *dst, uint8x16_t c, const struct deq_tables *t, int low_same)
{
    uint8x16x4_t out;

    if (low_same) {
        out.val[0] = t->b[0];
        out.val[1] = t->b[1];
    } else {
        out.val[0] = vqtbl1q_u8(t->b[0], c);
        out.val[1] = vqtbl1q_u8(t->b[1], c);
    }
    out.val[2] = vqtbl1q_u8(t->b[2], c);
    out.val[3] = vqtbl1q_u8(t->b[3], c);
    vst4q_u8((uint8_t *)(void *)dst, out);
}

/* Elements [0, count) of the block at src, count <= 256; a partial last
 * 16 go through a buffer.  The callers pass whole blocks as the constant
 * 256, for which the tests fold away. */
static ALWAYS_INLINE void
deq_block(float *dst, const uint8_t *src, const struct deq_tables *t,
          size_t count, int low_same)
{
    uint8x16x4_t v = vld1q_u8_x4(src);

    UNROLL
    for (int q = 0; q < 4; q++) {
        UNROLL
        for (int m = 0; m < 4; m++) {
            size_t e0 = QK256_GROUP_ELEMS * (size_t)q + 16 * (size_t)m;
            uint8x16_t c = deq_codes16(v.val[q], m);

            if (e0 + 16 <= count) {
                deq_store16(dst, c, t, low_same);
            } else if (e0 < count) {
                float tmp[16];

                deq_store16(tmp, c, t, low_same);
                memcpy(dst, tmp, (count - e0) * sizeof(float));
            }
            /* One pointer walks the block: ST4 takes no offset, and GCC
             * would keep one register per store. */
            dst += 16;
            __asm__("" : "+r"(dst));
        }
    }
}

void
qk256_dequantize_neon(float *dst, const uint8_t *src, const float *scales,
                      size_t n)
{
    size_t full = n / QK256_BLOCK_ELEMS;
    size_t rest = n % QK256_BLOCK_ELEMS;

    for (size_t b = 0; b < full; b++) {
        struct deq_tables t = deq_tables(scales, b);
        float *d = dst + b * QK256_BLOCK_ELEMS;
        const uint8_t *s = src + b * QK256_BLOCK_BYTES;

        if (t.low_same)
            deq_block(d, s, &t, QK256_BLOCK_ELEMS, 1);
        else
            deq_block(d, s, &t, QK256_BLOCK_ELEMS, 0);
    }
    if (rest) {
        struct deq_tables t = deq_tables(scales, full);

        deq_block(dst + full * QK256_BLOCK_ELEMS, src + full * QK256_BLOCK_BYTES, &t,
                  rest, t.low_same);
    }
}

/* ---- quantize ------------------------------------------------------------
 * Twin: qk256_quantize_scalar, bit-exact: the same f32 max, s = m / 2 and
 * t = 1.5 s, the same comparisons.
 *
 * For a >= 0, "a > 0 && a >= t" is "a >= t'" with t' = t, or the least
 * positive float where t is 0 (an all-zero block, or one whose m / 2
 * underflows).  A lane's code is then (2 - big) ^ (neg & 3) with big and
 * neg all-ones masks: 2, 3, 1 or 0.  LD4 gives the floats of a group of 16
 * by plane, so that each lane gathers c0 | c1 << 2 | c2 << 4 | c3 << 6 of
 * one packed byte (three SLI), and narrowing four groups gives 16 bytes.
 * A partial last block is quantized from a zero-padded copy, and the codes
 * of its padding (zeros: code 2) are then cleared to 0, as the format asks.
 */
static ALWAYS_INLINE float
quant_max_abs(const float *x)
{
    float32x4_t m = vdupq_n_f32(0.0f);

    for (size_t i = 0; i < QK256_BLOCK_ELEMS; i += 16) {
        float32x4x4_t v = vld1q_f32_x4(x + i);

        m = vmaxq_f32(m, vmaxq_f32(vmaxq_f32(vabsq_f32(v.val[0]), vabsq_f32(v.val[1])),
                                   vmaxq_f32(vabsq_f32(v.val[2]), vabsq_f32(v.val[3]))));
    }
    return vmaxvq_f32(m);
}

static ALWAYS_INLINE uint32x4_t
quant_code4(float32x4_t v, float32x4_t t)
{
    uint32x4_t big = vcgeq_f32(vabsq_f32(v), t);
    uint32x4_t neg = vcltzq_f32(v);

    return veorq_u32(vsubq_u32(vdupq_n_u32(2), big), vandq_u32(neg, vdupq_n_u32(3)));
}

/* The 4 packed bytes of 16 floats, one per lane. */
static ALWAYS_INLINE uint32x4_t
quant_bytes4(const float *x, float32x4_t t)
{
    float32x4x4_t v = vld4q_f32(x);
    uint32x4_t b = vsliq_n_u32(quant_code4(v.val[0], t), quant_code4(v.val[1], t), 2);

    b = vsliq_n_u32(b, quant_code4(v.val[2], t), 4);
    return vsliq_n_u32(b, quant_code4(v.val[3], t), 6);
}

/* The 64 bytes of a whole block of x, and its scale. */
static ALWAYS_INLINE float
quant_block(uint8_t *dst, const float *x)
{
    float s = quant_max_abs(x) / 2.0f;
    float t = 1.5f * s;
    float32x4_t tv = vdupq_n_f32(t > 0.0f ? t : 0x1p-149f);

    UNROLL
    for (int g = 0; g < 4; g++) {
        const float *xg = x + QK256_GROUP_ELEMS * g;
        uint16x8_t lo = vcombine_u16(vmovn_u32(quant_bytes4(xg, tv)),
                                     vmovn_u32(quant_bytes4(xg + 16, tv)));
        uint16x8_t hi = vcombine_u16(vmovn_u32(quant_bytes4(xg + 32, tv)),
                                     vmovn_u32(quant_bytes4(xg + 48, tv)));

        vst1q_u8(dst + 16 * g, vcombine_u8(vmovn_u16(lo), vmovn_u16(hi)));
    }
    return s;
}

void
qk256_quantize_neon(uint8_t *dst, float *scales, const float *src, size_t n)
{
    size_t full = n / QK256_BLOCK_ELEMS;
    size_t rest = n % QK256_BLOCK_ELEMS;

    for (size_t b = 0; b < full; b++) {
        float s = quant_block(dst + b * QK256_BLOCK_BYTES, src + b * QK256_BLOCK_ELEMS);

        if (scales)
            qk256_put_f32(scales, b, s);
    }
    if (rest) {
        float tmp[QK256_BLOCK_ELEMS] = { 0.0f };
        uint8_t *d = dst + full * QK256_BLOCK_BYTES;

        memcpy(tmp, src + full * QK256_BLOCK_ELEMS, rest * sizeof(float));

        float s = quant_block(d, tmp);

        /* The padding's codes to 0: the bits of the last byte's pad
         * codes, and every byte after it. */
        if (rest % 4)
            d[rest / 4] &= (uint8_t)((1u << (2 * (rest % 4))) - 1u);
        memset(d + (rest + 3) / 4, 0, QK256_BLOCK_BYTES - (rest + 3) / 4);
        if (scales)
            qk256_put_f32(scales, full, s);
    }
}

/* ---- input scans ---------------------------------------------------------
 * Twins: qk256_codes_ok_scalar and qk256_finite_scalar, the same answer.
 * A float is not finite when its exponent bits are all ones: shifted left
 * by one, its bits are then at least 0xff000000.  The tails go through a
 * zeroed buffer (zeros are valid codes and finite floats). */
int
qk256_codes_ok_neon(const uint8_t *codes, size_t n)
{
    uint8x16_t m = vdupq_n_u8(0);
    size_t i = 0;

    for (; n - i >= 64; i += 64) {
        uint8x16x4_t v = vld1q_u8_x4(codes + i);

        m = vmaxq_u8(m, vmaxq_u8(vmaxq_u8(v.val[0], v.val[1]), vmaxq_u8(v.val[2], v.val[3])));
    }
    for (; n - i >= 16; i += 16)
        m = vmaxq_u8(m, vld1q_u8(codes + i));
    if (i < n) {
        uint8_t tmp[16] = { 0 };

        memcpy(tmp, codes + i, n - i);
        m = vmaxq_u8(m, vld1q_u8(tmp));
    }
    return vmaxvq_u8(m) <= 3;
}

int
qk256_finite_neon(const float *x, size_t n)
{
    uint32x4_t m = vdupq_n_u32(0);
    size_t i = 0;

    for (; n - i >= 16; i += 16) {
        uint32x4x4_t v = vld1q_u32_x4((const uint32_t *)(const void *)(x + i));
        uint32x4_t a = vmaxq_u32(vshlq_n_u32(v.val[0], 1), vshlq_n_u32(v.val[1], 1));
        uint32x4_t b = vmaxq_u32(vshlq_n_u32(v.val[2], 1), vshlq_n_u32(v.val[3], 1));

        m = vmaxq_u32(m, vmaxq_u32(a, b));
    }
    if (i < n) {
        uint32_t tmp[16] = { 0 };

        memcpy(tmp, x + i, (n - i) * sizeof(float));
        UNROLL
        for (int k = 0; k < 16; k += 4)
            m = vmaxq_u32(m, vshlq_n_u32(vld1q_u32(tmp + k), 1));
    }
    return vmaxvq_u32(m) < 0xff000000u;
}

/* ---- quantize_i8 ---------------------------------------------------------
 * Twin: qk256_quantize_i8_scalar, bit-exact: the same max |x|, taken as
 * the largest bits of |x| (which also finds an infinity or a NaN), inv =
 * 127 / m and products v * inv.  FCVTNS rounds to nearest, ties to even, in
 * any rounding mode, and clamping the integer to [-127, 127] afterwards
 * is the same as clamping the product before (the bounds are integers).
 * An infinite inv (m below 127 / FLT_MAX) is left to the scalar kernel,
 * whose zeros then need a rule of their own.  The tail goes through a
 * 16-float buffer.
 */
static ALWAYS_INLINE int16x4_t
quant_i8_4(float32x4_t v, float32x4_t inv)
{
    int32x4_t q = vcvtnq_s32_f32(vmulq_f32(v, inv));

    q = vmaxq_s32(vminq_s32(q, vdupq_n_s32(127)), vdupq_n_s32(-127));
    return vmovn_s32(q);
}

static ALWAYS_INLINE int8x16_t
quant_i8_16(const float *x, float32x4_t inv)
{
    float32x4x4_t v = vld1q_f32_x4(x);
    int16x8_t a = vcombine_s16(quant_i8_4(v.val[0], inv), quant_i8_4(v.val[1], inv));
    int16x8_t b = vcombine_s16(quant_i8_4(v.val[2], inv), quant_i8_4(v.val[3], inv));

    return vcombine_s8(vmovn_s16(a), vmovn_s16(b));
}

/* The bits of |v| as integers. */
static ALWAYS_INLINE uint32x4_t
abs_bits4(float32x4_t v)
{
    return vandq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x7fffffffu));
}

int
qk256_quantize_i8_neon(int8_t *xq, float *scale, const float *x, size_t n)
{
    uint32x4_t mv = vdupq_n_u32(0);
    size_t i = 0;
    uint32_t mb;
    float m;

    for (; n - i >= 16; i += 16) {
        float32x4x4_t v = vld1q_f32_x4(x + i);

        mv = vmaxq_u32(mv, vmaxq_u32(vmaxq_u32(abs_bits4(v.val[0]), abs_bits4(v.val[1])),
                                     vmaxq_u32(abs_bits4(v.val[2]), abs_bits4(v.val[3]))));
    }
    mb = qk256_abs_bits_max(x, i, n, vmaxvq_u32(mv));

    if (mb >= QK256_NONFINITE_BITS)
        return 0;
    if (mb == 0) {
        memset(xq, 0, n);
        qk256_put_f32(scale, 0, 0.0f);
        return 1;
    }
    memcpy(&m, &mb, sizeof m);

    float inv = 127.0f / m;

    if (isinf(inv))
        return qk256_quantize_i8_scalar(xq, scale, x, n);

    float32x4_t invv = vdupq_n_f32(inv);
    size_t rest = n % 16;

    for (i = 0; i < n - rest; i += 16)
        vst1q_s8(xq + i, quant_i8_16(x + i, invv));
    if (rest) {
        float tmp[16] = { 0.0f };
        int8_t out[16];

        memcpy(tmp, x + i, rest * sizeof(float));
        vst1q_s8(out, quant_i8_16(tmp, invv));
        memcpy(xq + i, out, rest);
    }
    qk256_put_f32(scale, 0, m / 127.0f);
    return 1;
}

/* ---- gemv and gemm -------------------------------------------------------
 * Twins: qk256_gemv_scalar and qk256_gemm_scalar, within the SPEC section 4
 * bound |y - exact| <= 1e-4 * max(1, sum |w x|), for any cols.
 *
 * Both run the GEMM driver of lib/loops/gemm.h, the GEMV as a GEMM of one
 * vector.  It copies each vector a chunk of columns at a time, and here
 * the copy puts each group of 64 in plane order (x[4k + s] at 16 s + k): a
 * plane of a row's weights then meets 16 consecutive floats.  The kernel
 * widens each plane of its rows to floats in registers (top of the file)
 * and one FMLA per four weights and vector does the rest.  It takes four
 * rows at once for one vector, two for more (16 accumulators for 8).
 *
 * Each row and vector sums a chunk in f32 (at most 512 products a lane:
 * an error of at most 512 * 2^-24 of the chunk's sum |w x|, inside the
 * 1e-4 of the bound) and adds it to its double sums in the driver, as the
 * x86 kernels do; a
 * row whose double sum is not finite is computed again by the scalar
 * kernel there.
 */

/* The top byte of the halves (binary16) -2, -1, 1, 2, whose low byte is 0,
 * as nibble tables (first and second code): TBL gives the top bytes of 16
 * weights, SHLL by 8 makes them halves, FCVTL floats. */
struct f16_tables {
    uint8x16_t t[2];
};

static ALWAYS_INLINE struct f16_tables
f16_tables(void)
{
    static const uint8_t t[2][16] = { QK256_NIBBLE_FIRST(0xc0, 0xbc, 0x3c, 0x40),
                                      QK256_NIBBLE_SECOND(0xc0, 0xbc, 0x3c, 0x40) };
    struct f16_tables f = { { vld1q_u8(t[0]), vld1q_u8(t[1]) } };

    return f;
}

/* The 16 weights of plane s of the nibbles nib (low, high) as four
 * vectors of floats, k = 0..15. */
static ALWAYS_INLINE float32x4x4_t
f32_plane(const struct f16_tables *t, const uint8x16_t nib[2], int s)
{
    uint8x16_t top = vqtbl1q_u8(t->t[s & 1], nib[s >> 1]);
    float16x8_t lo = vreinterpretq_f16_u16(vshll_n_u8(vget_low_u8(top), 8));
    float16x8_t hi = vreinterpretq_f16_u16(vshll_high_n_u8(top, 8));
    float32x4x4_t f = { { vcvt_f32_f16(vget_low_f16(lo)), vcvt_high_f32_f16(lo),
                          vcvt_f32_f16(vget_low_f16(hi)), vcvt_high_f32_f16(hi) } };

    return f;
}

/* The driver's copy: x[0, len) in plane order, zero-padded to nblocks
 * blocks. */
static void
gemm_copy_neon(float *dst, const float *x, size_t len, size_t nblocks)
{
    size_t full = len / QK256_GROUP_ELEMS, rest = len % QK256_GROUP_ELEMS;
    size_t groups = nblocks * (QK256_BLOCK_ELEMS / QK256_GROUP_ELEMS);

    for (size_t g = 0; g <= full && g < groups; g++) {
        const float *xg = x + QK256_GROUP_ELEMS * g;
        float tmp[QK256_GROUP_ELEMS];

        if (g == full) {
            if (rest == 0)
                break;
            memset(tmp, 0, sizeof tmp);
            memcpy(tmp, xg, rest * sizeof(float));
            xg = tmp;
        }

        /* Stored a vector at a time (STP), not as four-register groups,
         * which GCC would assemble register by register. */
        UNROLL
        for (int k = 0; k < 4; k++) {
            float32x4x4_t q = vld4q_f32(xg + 16 * k);

            UNROLL
            for (int s = 0; s < 4; s++)
                vst1q_f32(dst + QK256_GROUP_ELEMS * g + 16 * s + 4 * k, q.val[s]);
        }
    }
    if (full + (rest != 0) < groups)
        memset(dst + QK256_GROUP_ELEMS * (full + (rest != 0)), 0,
               (groups - full - (rest != 0)) * QK256_GROUP_ELEMS * sizeof(float));
}

/* KR rows (the k real ones, then copies of the first) and NT vectors: four
 * rows and two accumulators a row (for latency) for one vector, two rows
 * for more.  Each plane of a group of the rows is decoded once and meets
 * the plane's 16 floats of every vector. */
static ALWAYS_INLINE void
gemm_kernel(qk256_gemm_sums *sums, const uint8_t *w, size_t row_stride, size_t k,
            const float *xb, size_t xstride, size_t nblocks, int KR, int NT)
{
    enum { NA = 2 };
    const int na = KR * NT < 8 ? 2 : 1;
    const struct f16_tables t = f16_tables();
    const uint8_t *wr[4];
    const float *xp[QK256_GEMM_TILE];
    float32x4_t acc[4][QK256_GEMM_TILE][NA];

    UNROLL
    for (int i = 0; i < KR; i++) {
        wr[i] = w + ((size_t)i < k ? (size_t)i : 0) * row_stride;
        UNROLL
        for (int j = 0; j < NT; j++)
            acc[i][j][0] = acc[i][j][1] = vdupq_n_f32(0.0f);
    }
    UNROLL
    for (int j = 0; j < NT; j++)
        xp[j] = xb + (size_t)j * xstride;
    for (size_t g = 0; g < nblocks * (QK256_BLOCK_ELEMS / QK256_GROUP_ELEMS); g++) {
        uint8x16_t nib[4][2];

        UNROLL
        for (int i = 0; i < KR; i++) {
            uint8x16_t v = vld1q_u8(wr[i] + 16 * g);

            nib[i][0] = nibbles_lo(v);
            nib[i][1] = nibbles_hi(v);
        }
        UNROLL
        for (int s = 0; s < 4; s++) {
            if (NT == 1) {
                /* Each row's plane meets x as soon as it is decoded. */
                float32x4x4_t xv = vld1q_f32_x4(xp[0]);

                xp[0] += 16;
                __asm__("" : "+r"(xp[0])); /* one pointer walks x */
                UNROLL
                for (int i = 0; i < KR; i++) {
                    float32x4x4_t wv = f32_plane(&t, nib[i], s);

                    UNROLL
                    for (int q = 0; q < 4; q++)
                        acc[i][0][q % na] = vfmaq_f32(acc[i][0][q % na], wv.val[q], xv.val[q]);
                }
                continue;
            }

            float32x4x4_t wv[2];

            UNROLL
            for (int i = 0; i < KR && i < 2; i++)
                wv[i] = f32_plane(&t, nib[i], s);
            UNROLL
            for (int j = 0; j < NT; j++) {
                float32x4x4_t xv = vld1q_f32_x4(xp[j]);

                xp[j] += 16;
                __asm__("" : "+r"(xp[j])); /* a pointer walks each vector */
                UNROLL
                for (int i = 0; i < KR && i < 2; i++) {
                    UNROLL
                    for (int q = 0; q < 4; q++)
                        acc[i][j][0] = vfmaq_f32(acc[i][j][0], wv[i].val[q], xv.val[q]);
                }
            }
        }
    }
    UNROLL
    for (int i = 0; i < KR; i++) {
        UNROLL
        for (int j = 0; j < NT; j++) {
            if ((size_t)i >= k)
                break;
            float32x4_t a = na == 2 ? vaddq_f32(acc[i][j][0], acc[i][j][1]) : acc[i][j][0];
            double *sp = sums[i][j];

            vst1q_f64(sp, vaddq_f64(vld1q_f64(sp), vcvt_f64_f32(vget_low_f32(a))));
            vst1q_f64(sp + 2, vaddq_f64(vld1q_f64(sp + 2), vcvt_high_f64_f32(a)));
        }
    }
}

/* One copy of the kernel for each tile width: four rows for one vector,
 * two for more. */
static void
gemm_rows_neon(qk256_gemm_sums *s, const uint8_t *w, size_t row_stride, size_t k,
               const float *xb, size_t xstride, size_t nblocks, size_t nt)
{
    if (nt == 1) {
        gemm_kernel(s, w, row_stride, k, xb, xstride, nblocks, 4, 1);
        return;
    }
#define GEMM_KERNEL(width) gemm_kernel(s, w, row_stride, k, xb, xstride, nblocks, 2, width)
    QK256_GEMM_BY_WIDTH(nt, GEMM_KERNEL)
#undef GEMM_KERNEL
}

/* Four rows a call for one vector, two for more.  The GEMV takes 4096
 * columns a chunk (a lane sums at most 512 products in f32: a few 2^-24
 * times 512 of sum |w x|, inside the bound), fewer calls than 1024 and so
 * less of their fixed cost: 2560 x 2560, 0.870 instructions a weight
 * under qemu with 1024, 0.849 with 4096. */
static struct qk256_gemm_shape
gemm_shape_neon(size_t nt)
{
    struct qk256_gemm_shape one = { 4, 4 * QK256_GEMM_CHUNK }, more = { 2, QK256_GEMM_CHUNK };

    return nt == 1 ? one : more;
}

void
qk256_gemv_neon(float *y, const uint8_t *w, size_t row_stride, const float *x,
                size_t rows, size_t cols)
{
    qk256_gemm_driver(y, 0, w, row_stride, x, 0, rows, cols, 1, gemm_copy_neon,
                      gemm_rows_neon, gemm_shape_neon);
}

void
qk256_gemm_neon(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    qk256_gemm_driver(y, ldy, w, row_stride, x, ldx, rows, cols, n, gemm_copy_neon,
                      gemm_rows_neon, gemm_shape_neon);
}

/* ---- gemv_i8 and gemm_i8 ------------------------------------------------
 * Twins: qk256_gemv_i8_scalar and qk256_gemm_i8_scalar, bit-exact: exact
 * int32 sums (taken modulo 2^32, which gives the exact value since it fits
 * in int32), and the same f32 product by the scale.
 *
 * The drivers of lib/loops/gemv_i8.h and gemm.h, with the planes of
 * lib/arm/neon.h: each plane of decoded weights (-2..2) meets 16
 * activations.  SMLAL and SMLAL2 multiply 8 of them each into int16 lanes:
 * |w x| <= 256, and a lane takes at most 32 products a block (16 in the
 * GEMV, which keeps the two halves apart; 32 in the GEMM, which adds them
 * into one register a vector), at most 8192, before SADALP adds pairs of
 * lanes into int32.
 */
static ALWAYS_INLINE int16x8_t
i8_mla_lo(int16x8_t a, int8x16_t w, int8x16_t x)
{
    return vmlal_s8(a, vget_low_s8(w), vget_low_s8(x));
}

static ALWAYS_INLINE int16x8_t
i8_mla_hi(int16x8_t a, int8x16_t w, int8x16_t x)
{
    return vmlal_high_s8(a, w, x);
}

/* acc[i] + the sums of w * x over nblocks blocks of the KR rows at w[i]. */
static ALWAYS_INLINE void
i8_rows_neon(int32x4_t acc[4], const uint8_t *const w[4], const int8_t *planes,
             size_t nblocks, int KR)
{
    const int8x16_t t0 = i8_table(0), t1 = i8_table(1);

    for (size_t b = 0; b < nblocks; b++) {
        int16x8_t lo[4], hi[4];

        UNROLL
        for (int i = 0; i < KR; i++) {
            lo[i] = hi[i] = vdupq_n_s16(0);
            __builtin_prefetch(w[i] + b * QK256_BLOCK_BYTES + QK256_I8_PREFETCH_BYTES);
        }
        UNROLL
        for (int g = 0; g < 4; g++) {
            int8x16x4_t x = vld1q_s8_x4(planes + b * QK256_BLOCK_ELEMS + QK256_GROUP_ELEMS * g);

            UNROLL
            for (int i = 0; i < KR; i++) {
                struct i8_planes d = i8_decode(vld1q_u8(w[i] + b * QK256_BLOCK_BYTES + 16 * g),
                                               t0, t1);

                UNROLL
                for (int s = 0; s < 4; s++) {
                    lo[i] = i8_mla_lo(lo[i], d.p[s], x.val[s]);
                    hi[i] = i8_mla_hi(hi[i], d.p[s], x.val[s]);
                }
            }
        }
        UNROLL
        for (int i = 0; i < KR; i++)
            acc[i] = vpadalq_s16(vpadalq_s16(acc[i], lo[i]), hi[i]);
    }
}

static void
i8_rows4_neon(uint32_t sum[4], const uint8_t *w, size_t gap, const int8_t *planes,
              size_t nblocks, struct qk256_i8_edges e)
{
    const uint8_t *const wr[4] = { w, w + gap, w + 2 * gap, w + 3 * gap };
    int32x4_t acc[4] = { vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0) };

    (void)e; /* whole blocks: this driver is not asked to shift lines */
    i8_rows_neon(acc, wr, planes, nblocks, 4);
    UNROLL
    for (int i = 0; i < 4; i++)
        sum[i] = (uint32_t)vaddvq_s32(acc[i]);
}

static uint32_t
i8_row1_neon(const uint8_t *w, const int8_t *planes, size_t nblocks,
             struct qk256_i8_edges e)
{
    const uint8_t *const wr[4] = { w, w, w, w };
    int32x4_t acc[4] = { vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0) };

    (void)e;
    i8_rows_neon(acc, wr, planes, nblocks, 1);
    return (uint32_t)vaddvq_s32(acc[0]);
}

void
qk256_gemv_i8_neon(float *y, const uint8_t *w, size_t row_stride,
                   const int8_t *xq, float scale, size_t rows, size_t cols)
{
    qk256_gemv_i8_driver(y, w, row_stride, xq, scale, rows, cols,
                         qk256_i8_planes_neon, i8_rows4_neon, 4, i8_row1_neon, 0);
}

/* Two rows and NT vectors: each group of the rows is decoded once for all
 * the vectors.  A vector's int16 sums (one register a row) go into int32
 * after each block. */
static ALWAYS_INLINE void
i8_tile_kernel(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0, const uint8_t *w1,
               const int8_t *planes, size_t nblocks, int NT)
{
    const int8x16_t t0 = i8_table(0), t1 = i8_table(1);
    int32x4_t a32[2][QK256_GEMM_TILE];

    UNROLL
    for (int j = 0; j < NT; j++)
        a32[0][j] = a32[1][j] = vdupq_n_s32(0);
    for (size_t b = 0; b < nblocks; b++) {
        int16x8_t a16[2][QK256_GEMM_TILE];

        UNROLL
        for (int j = 0; j < NT; j++)
            a16[0][j] = a16[1][j] = vdupq_n_s16(0);
        UNROLL
        for (int g = 0; g < 4; g++) {
            size_t off = b * QK256_BLOCK_BYTES + 16 * (size_t)g;
            struct i8_planes d0 = i8_decode(vld1q_u8(w0 + off), t0, t1);
            struct i8_planes d1 = i8_decode(vld1q_u8(w1 + off), t0, t1);

            UNROLL
            for (int j = 0; j < NT; j++) {
                int8x16x4_t x = vld1q_s8_x4(planes + (4 * b + (size_t)g) * QK256_TILE_GROUP_BYTES
                                            + QK256_GROUP_ELEMS * j);

                UNROLL
                for (int s = 0; s < 4; s++) {
                    a16[0][j] = i8_mla_hi(i8_mla_lo(a16[0][j], d0.p[s], x.val[s]), d0.p[s], x.val[s]);
                    a16[1][j] = i8_mla_hi(i8_mla_lo(a16[1][j], d1.p[s], x.val[s]), d1.p[s], x.val[s]);
                }
            }
        }
        UNROLL
        for (int j = 0; j < NT; j++) {
            a32[0][j] = vpadalq_s16(a32[0][j], a16[0][j]);
            a32[1][j] = vpadalq_s16(a32[1][j], a16[1][j]);
        }
    }
    UNROLL
    for (int j = 0; j < NT; j++) {
        acc[0][j] = (uint32_t)vaddvq_s32(a32[0][j]);
        acc[1][j] = (uint32_t)vaddvq_s32(a32[1][j]);
    }
}

/* One copy of the tile kernel for each width. */
static void
i8_tile_neon(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0, const uint8_t *w1,
             const int8_t *planes, size_t nblocks, size_t nt,
             struct qk256_i8_edges e)
{
    (void)e; /* whole blocks: the driver is not asked to shift lines */
#define I8_TILE(width) i8_tile_kernel(acc, w0, w1, planes, nblocks, width)
    QK256_GEMM_BY_WIDTH(nt, I8_TILE)
#undef I8_TILE
}

void
qk256_gemm_i8_neon(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                   const int8_t *xq, size_t ldx, const float *scales,
                   size_t rows, size_t cols, size_t n)
{
    qk256_gemm_i8_driver(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n,
                         qk256_i8_tile_planes_neon, i8_tile_neon, NULL);
}
