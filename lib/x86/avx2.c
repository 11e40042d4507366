/* lib/x86/avx2.c -- AVX2+FMA kernels for QK256
 * SPDX-License-Identifier: MIT
 *
 * This file is built with -mavx2 -mfma and nothing else, and none of it
 * runs unless the resolver in dispatch.c, or a caller of the impl list, has
 * checked that the CPU has AVX2 and FMA.
 *
 * Each kernel names its twin in scalar.c and says how closely it matches
 * it: pack, unpack, dequantize and quantize bit for bit, gemv within the
 * SPEC section 4 bound.  Kernels trust their arguments (internal.h).  They
 * read packed data in whole 64-byte blocks but never past the last block,
 * and they never read or write a float or a code past the end of its array.
 * No pointer needs to be aligned.
 *
 * Tails.  Every kernel has one routine for a whole block.  A partial last
 * block goes through a 256-element buffer on the stack: its inputs are
 * copied in (zero-padded) or its outputs copied out, so the block routine
 * never sees a partial vector, and the cost is once per call.
 *
 * Decoding.  A little-endian 32-bit word of packed data holds 16 codes,
 * code k at bits 2k and 2k + 1.  Broadcast the word to the eight lanes and
 * shift lane j right by 2j (or by 16 + 2j): code j (or 8 + j) is then in
 * the low two bits of lane j.  vpermps uses only the low three bits of each
 * index, so a table that holds the lut twice maps a lane straight to its
 * weight, whatever the higher bits hold, with no mask.
 */
#include "internal.h"
#include "loops/gemm.h"
#include "x86/int8.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* For the GEMMs' loops over the vectors of a tile: unrolled, their
 * accumulators stay in registers; GCC -O2 does not unroll them itself. */
#define UNROLL8 _Pragma("GCC unroll 8")

/* The lut twice over, indexed by the low three bits of a lane. */
static ALWAYS_INLINE __m256
lut8(void)
{
    return _mm256_setr_ps(-2.0f, -1.0f, 1.0f, 2.0f, -2.0f, -1.0f, 1.0f, 2.0f);
}

/* The 32-bit word at p (any alignment) in all eight lanes. */
static ALWAYS_INLINE __m256i
broadcast_u32(const uint8_t *p)
{
    int32_t v;

    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

/* Codes 0..7 (half = 0) or 8..15 (half = 1) of the word q, as vpermps
 * indexes: lane j holds code 8 * half + j in its low two bits. */
static ALWAYS_INLINE __m256i
code_index(__m256i q, int half)
{
    const __m256i sh_lo = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256i sh_hi = _mm256_setr_epi32(16, 18, 20, 22, 24, 26, 28, 30);

    return _mm256_srlv_epi32(q, half ? sh_hi : sh_lo);
}

/* ---- pack ----------------------------------------------------------------
 * Twin: qk256_pack_scalar, bit-exact.
 *
 * 128 codes, one per byte, become 32 packed bytes.  vpmaddubsw with the
 * byte weights {1, 4} and then vpmaddwd with the word weights {1, 16} sum
 * each group of four codes to c0 + 4 c1 + 16 c2 + 64 c3, the packed byte,
 * one per dword (no carries: the codes are 0..3).  Two saturating packs
 * (no value exceeds 255) narrow the dwords to bytes; they work within
 * 128-bit lanes, so a final vpermd puts the four-byte groups in order.
 *
 * Tail: the codes of a partial last block are copied into a zeroed
 * 256-byte buffer, which makes its pad codes 0 as the format asks, and the
 * whole block is packed from there.
 */
static ALWAYS_INLINE __m256i
pack_codes(__m256i c0, __m256i c1, __m256i c2, __m256i c3)
{
    const __m256i w4 = _mm256_set1_epi16(0x0401);      /* bytes {1, 4} */
    const __m256i w16 = _mm256_set1_epi32(0x00100001); /* words {1, 16} */
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m256i d0 = _mm256_madd_epi16(_mm256_maddubs_epi16(c0, w4), w16);
    __m256i d1 = _mm256_madd_epi16(_mm256_maddubs_epi16(c1, w4), w16);
    __m256i d2 = _mm256_madd_epi16(_mm256_maddubs_epi16(c2, w4), w16);
    __m256i d3 = _mm256_madd_epi16(_mm256_maddubs_epi16(c3, w4), w16);
    /* By 128-bit lane, w01 holds packed bytes {0-3, 8-11 | 4-7, 12-15} as
     * words, w23 bytes {16-19, 24-27 | 20-23, 28-31}, and b the bytes
     * {0-3, 8-11, 16-19, 24-27 | 4-7, 12-15, 20-23, 28-31}. */
    __m256i w01 = _mm256_packs_epi32(d0, d1);
    __m256i w23 = _mm256_packs_epi32(d2, d3);
    __m256i b = _mm256_packus_epi16(w01, w23);

    return _mm256_permutevar8x32_epi32(b, order);
}

/* One whole block: 256 codes at codes -> 64 bytes at dst. */
static ALWAYS_INLINE void
pack_block(uint8_t *dst, const uint8_t *codes)
{
    for (int h = 0; h < 2; h++) {
        const uint8_t *c = codes + 128 * h;
        __m256i v = pack_codes(_mm256_loadu_si256((const __m256i *)c),
                               _mm256_loadu_si256((const __m256i *)(c + 32)),
                               _mm256_loadu_si256((const __m256i *)(c + 64)),
                               _mm256_loadu_si256((const __m256i *)(c + 96)));
        _mm256_storeu_si256((__m256i *)(dst + 32 * h), v);
    }
}

void
qk256_pack_avx2(uint8_t *dst, const uint8_t *codes, size_t n)
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
 * 32 packed bytes become 128 codes.  Shifts by 0, 2, 4, 6 and a mask of 3
 * give c0..c3 of every byte; vpunpck{l,h}bw and then vpunpck{l,h}wd
 * interleave them into c0 c1 c2 c3 per source byte.  Those unpacks work
 * within 128-bit lanes, so the source dwords are first permuted to
 * {0, 2, 4, 6 | 1, 3, 5, 7}: the four results are then the 128 codes in
 * order.  (The srli_epi16 shifts move bits across byte boundaries; the
 * mask of 3 drops them.)
 *
 * Tail: a partial last block is unpacked whole into a buffer and its
 * first n % 256 codes copied out.
 */
static ALWAYS_INLINE void
unpack_bytes(uint8_t *codes, __m256i v)
{
    const __m256i order = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    const __m256i three = _mm256_set1_epi8(3);

    v = _mm256_permutevar8x32_epi32(v, order);

    __m256i c0 = _mm256_and_si256(v, three);
    __m256i c1 = _mm256_and_si256(_mm256_srli_epi16(v, 2), three);
    __m256i c2 = _mm256_and_si256(_mm256_srli_epi16(v, 4), three);
    __m256i c3 = _mm256_and_si256(_mm256_srli_epi16(v, 6), three);
    __m256i c01l = _mm256_unpacklo_epi8(c0, c1);
    __m256i c01h = _mm256_unpackhi_epi8(c0, c1);
    __m256i c23l = _mm256_unpacklo_epi8(c2, c3);
    __m256i c23h = _mm256_unpackhi_epi8(c2, c3);

    _mm256_storeu_si256((__m256i *)codes, _mm256_unpacklo_epi16(c01l, c23l));
    _mm256_storeu_si256((__m256i *)(codes + 32), _mm256_unpackhi_epi16(c01l, c23l));
    _mm256_storeu_si256((__m256i *)(codes + 64), _mm256_unpacklo_epi16(c01h, c23h));
    _mm256_storeu_si256((__m256i *)(codes + 96), _mm256_unpackhi_epi16(c01h, c23h));
}

/* One whole block: 64 bytes at src -> 256 codes at codes. */
static ALWAYS_INLINE void
unpack_block(uint8_t *codes, const uint8_t *src)
{
    unpack_bytes(codes, _mm256_loadu_si256((const __m256i *)src));
    unpack_bytes(codes + 128, _mm256_loadu_si256((const __m256i *)(src + 32)));
}

void
qk256_unpack_avx2(uint8_t *codes, const uint8_t *src, size_t n)
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
 * The scalar kernel computes lut[c] * s in f32 for each element.  Here the
 * eight-entry table is scaled once per block, which is the same product
 * with the same rounding, and each element is a vpermps lookup in it (see
 * the top of the file).  Without scales the table is the lut itself, as
 * lut[c] * 1.0f is lut[c].
 *
 * Tail: the whole groups of 16 of a partial last block are decoded in
 * place, as in a whole block; a last partial group goes through a
 * 16-float buffer.  So a small n costs only its own groups.
 */

/* Elements [0, 16 * groups) of a block: 16 per word of src. */
static ALWAYS_INLINE void
dequantize_groups(float *dst, const uint8_t *src, __m256 table, size_t groups)
{
    for (size_t g = 0; g < groups; g++) {
        __m256i q = broadcast_u32(src + 4 * g);

        _mm256_storeu_ps(dst + 16 * g, _mm256_permutevar8x32_ps(table, code_index(q, 0)));
        _mm256_storeu_ps(dst + 16 * g + 8, _mm256_permutevar8x32_ps(table, code_index(q, 1)));
    }
}

/* The table for block b: the lut times scales[b], or the lut itself. */
static ALWAYS_INLINE __m256
block_table(const float *scales, size_t b)
{
    return scales ? _mm256_mul_ps(lut8(), _mm256_set1_ps(qk256_get_f32(scales, b))) : lut8();
}

static void
dequantize_words(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    size_t full = n / QK256_BLOCK_ELEMS;
    size_t rest = n % QK256_BLOCK_ELEMS;

    for (size_t b = 0; b < full; b++)
        dequantize_groups(dst + b * QK256_BLOCK_ELEMS, src + b * QK256_BLOCK_BYTES,
                          block_table(scales, b), QK256_BLOCK_ELEMS / 16);
    if (rest) {
        float *d = dst + full * QK256_BLOCK_ELEMS;
        const uint8_t *s = src + full * QK256_BLOCK_BYTES;
        __m256 table = block_table(scales, full);
        size_t groups = rest / 16;

        dequantize_groups(d, s, table, groups);
        if (rest % 16) {
            float tmp[16];

            dequantize_groups(tmp, s + 4 * groups, table, 1);
            memcpy(d + 16 * groups, tmp, rest % 16 * sizeof(float));
        }
    }
}

/* dst 16 bytes past a 32-byte boundary (malloc's 16, and 48), n > 512:
 * half the 32-byte stores of dequantize_words would span two cache lines.
 * Here they do not: the first 4 elements end the first 32 bytes, and the
 * 16 elements from 4 + 16 j on, whose codes are the 32 bits at byte 1 + 4 j
 * of src (a word read at that byte), fill the two 32-byte lines at dst +
 * 4 + 16 j.  The second line of a block's last such pair holds its last 4
 * elements and the next block's first 4, which take the next block's
 * table.  (At other offsets a line would start inside a byte; there the
 * stores stay as they are.)  qk256-bench --variants avx2 --out-align A,
 * medians of 3 runs of 21 samples alternated with the stores by word, ns:
 *
 *   A    n = 1024        n = 4096         n = 16384
 *   16   53.9 -> 43.5    212.6 -> 168.6   1160 -> 1040
 *   48   53.9 -> 43.5    212.6 -> 164.9   1140 -> 1030
 *   0    38.3 (both)     146-166 (both)   1020 (both) */
static void
dequantize_lines8(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    size_t pairs = (n - 4) / 16, left = (n - 4) % 16, j = 0, b = 0;
    const uint8_t *s = src + 1;
    float *line = dst + 4;
    float tmp[16];
    __m256i q;
    __m256 table;

    _mm256_storeu_ps(tmp, _mm256_permutevar8x32_ps(block_table(scales, 0), code_index(broadcast_u32(src), 0)));
    memcpy(dst, tmp, 4 * sizeof(float));
    for (; j < pairs; b++) {
        size_t end = qk256_min(pairs, 16 * b + 15);

        table = block_table(scales, b);
        for (; j < end; j++) {
            q = broadcast_u32(s + 4 * j);
            _mm256_store_ps(line + 16 * j, _mm256_permutevar8x32_ps(table, code_index(q, 0)));
            _mm256_store_ps(line + 16 * j + 8, _mm256_permutevar8x32_ps(table, code_index(q, 1)));
        }
        if (j < pairs) {
            q = broadcast_u32(s + 4 * j);
            _mm256_store_ps(line + 16 * j, _mm256_permutevar8x32_ps(table, code_index(q, 0)));
            _mm256_store_ps(line + 16 * j + 8,
                            _mm256_blend_ps(_mm256_permutevar8x32_ps(table, code_index(q, 1)),
                                            _mm256_permutevar8x32_ps(block_table(scales, b + 1), code_index(q, 1)),
                                            0xf0));
            j++;
        }
    }
    if (left) {
        /* The last codes may run past the last block: only the bytes in
         * it are read, and only elements past n can be in a block past
         * the last. */
        size_t at = 1 + 4 * j, eb = (4 + 16 * j) / QK256_BLOCK_ELEMS;
        uint32_t word = 0;
        __m256 v1;

        memcpy(&word, src + at, qk256_min(sizeof word, QK256_BLOCK_BYTES * qk256_blocks(n) - at));
        q = _mm256_set1_epi32((int32_t)word);
        table = block_table(scales, eb);
        _mm256_storeu_ps(tmp, _mm256_permutevar8x32_ps(table, code_index(q, 0)));
        v1 = _mm256_permutevar8x32_ps(table, code_index(q, 1));
        if (j % 16 == 15 && QK256_BLOCK_ELEMS * (eb + 1) < n)
            v1 = _mm256_blend_ps(v1, _mm256_permutevar8x32_ps(block_table(scales, eb + 1), code_index(q, 1)), 0xf0);
        _mm256_storeu_ps(tmp + 8, v1);
        memcpy(line + 16 * j, tmp, left * sizeof(float));
    }
}

void
qk256_dequantize_avx2(float *dst, const uint8_t *src, const float *scales,
                      size_t n)
{
    if ((uintptr_t)dst % 32 == 16 && n > 2 * QK256_BLOCK_ELEMS)
        dequantize_lines8(dst, src, scales, n);
    else
        dequantize_words(dst, src, scales, n);
}

/* ---- gemv ----------------------------------------------------------------
 * Twin: qk256_gemv_scalar, within the SPEC section 4 bound
 * |y - exact| <= 1e-4 * max(1, sum |w x|), for any cols.
 *
 * Four rows at a time share each load of x; up to three leftover rows go
 * one at a time.  Within a block every row has two f32 accumulators (codes
 * 0-7 and 8-15 of each word), so a lane sums 16 products with FMA and its
 * error is a few units of 2^-24 times the block's sum |w x|.  The block's
 * partial sums are then widened to double and added up there, so the
 * error does not grow with cols, and y is rounded to f32 once at the end.
 *
 * Overflow: a product or a block sum can overflow f32 where the scalar
 * kernel, which works in double, would not (|x| near FLT_MAX), and inf or
 * NaN in x can meet such an overflow.  Each of these leaves the row's
 * double sum non-finite, and only then is the row computed again by the
 * scalar kernel: such rows get the scalar kernel's IEEE result, at no cost
 * to the others.
 *
 * Tail: the part of x in a partial last block is copied once per call into
 * a zero-padded buffer, so the codes past cols (which may hold anything)
 * are multiplied by zero and add nothing, and x is never read past cols.
 */

/* x as blocks of 256: x + 256 b for a whole block b, tail for the partial
 * last one. */
struct gemv_x {
    const float *x;
    size_t cols, nblocks;
    const float *tail;
};

static ALWAYS_INLINE const float *
x_block(const struct gemv_x *xs, size_t b)
{
    return b < xs->cols / QK256_BLOCK_ELEMS ? xs->x + b * QK256_BLOCK_ELEMS
                                            : xs->tail;
}

/* lo += the weights of codes 0-7 of the word at p times x0, and hi += those
 * of codes 8-15 times x1. */
static ALWAYS_INLINE void
fma_word(__m256 *lo, __m256 *hi, const uint8_t *p, __m256 x0, __m256 x1)
{
    __m256i q = broadcast_u32(p);

    *lo = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(lut8(), code_index(q, 0)), x0, *lo);
    *hi = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(lut8(), code_index(q, 1)), x1, *hi);
}

/* sum + the block's partial sums lo + hi, widened to double. */
static ALWAYS_INLINE __m256d
add_block(__m256d sum, __m256 lo, __m256 hi)
{
    __m256 s = _mm256_add_ps(lo, hi);

    sum = _mm256_add_pd(sum, _mm256_cvtps_pd(_mm256_castps256_ps128(s)));
    return _mm256_add_pd(sum, _mm256_cvtps_pd(_mm256_extractf128_ps(s, 1)));
}

/* Stores the row's result from its double partial sums (see Overflow). */
static ALWAYS_INLINE void
finish_row(float *y, __m256d sum, const uint8_t *row, const struct gemv_x *xs)
{
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(sum), _mm256_extractf128_pd(sum, 1));
    double s = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));

    if (isfinite(s))
        qk256_put_f32(y, 0, (float)s);
    else
        qk256_gemv_scalar(y, row, 0, xs->x, 1, xs->cols);
}

/* y[0, 4) for the four rows that start at w. */
static void
gemv_rows4(float *y, const uint8_t *w, size_t row_stride, const struct gemv_x *xs)
{
    const uint8_t *w0 = w, *w1 = w0 + row_stride;
    const uint8_t *w2 = w1 + row_stride, *w3 = w2 + row_stride;
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;

    for (size_t b = 0; b < xs->nblocks; b++) {
        const float *xb = x_block(xs, b);
        size_t off = b * QK256_BLOCK_BYTES;
        __m256 lo0 = _mm256_setzero_ps(), hi0 = lo0, lo1 = lo0, hi1 = lo0;
        __m256 lo2 = lo0, hi2 = lo0, lo3 = lo0, hi3 = lo0;

        for (size_t i = 0; i < QK256_BLOCK_ELEMS; i += 16) {
            __m256 x0 = _mm256_loadu_ps(xb + i);
            __m256 x1 = _mm256_loadu_ps(xb + i + 8);

            fma_word(&lo0, &hi0, w0 + off + i / 4, x0, x1);
            fma_word(&lo1, &hi1, w1 + off + i / 4, x0, x1);
            fma_word(&lo2, &hi2, w2 + off + i / 4, x0, x1);
            fma_word(&lo3, &hi3, w3 + off + i / 4, x0, x1);
        }
        s0 = add_block(s0, lo0, hi0);
        s1 = add_block(s1, lo1, hi1);
        s2 = add_block(s2, lo2, hi2);
        s3 = add_block(s3, lo3, hi3);
    }
    finish_row(y, s0, w0, xs);
    finish_row(y + 1, s1, w1, xs);
    finish_row(y + 2, s2, w2, xs);
    finish_row(y + 3, s3, w3, xs);
}

/* y[0] for the row at w. */
static void
gemv_row1(float *y, const uint8_t *w, const struct gemv_x *xs)
{
    __m256d s = _mm256_setzero_pd();

    for (size_t b = 0; b < xs->nblocks; b++) {
        const float *xb = x_block(xs, b);
        const uint8_t *blk = w + b * QK256_BLOCK_BYTES;
        __m256 lo = _mm256_setzero_ps(), hi = lo;

        for (size_t i = 0; i < QK256_BLOCK_ELEMS; i += 16)
            fma_word(&lo, &hi, blk + i / 4, _mm256_loadu_ps(xb + i),
                     _mm256_loadu_ps(xb + i + 8));
        s = add_block(s, lo, hi);
    }
    finish_row(y, s, w, xs);
}

void
qk256_gemv_avx2(float *y, const uint8_t *w, size_t row_stride, const float *x,
                size_t rows, size_t cols)
{
    float tail[QK256_BLOCK_ELEMS];
    size_t rest = cols % QK256_BLOCK_ELEMS;
    struct gemv_x xs = { x, cols, qk256_blocks(cols), tail };
    size_t r = 0;

    /* Only a partial last block reads tail (x_block). */
    if (rest) {
        memcpy(tail, x + (cols - rest), rest * sizeof(float));
        memset(tail + rest, 0, (QK256_BLOCK_ELEMS - rest) * sizeof(float));
    }
    for (; rows - r >= 4; r += 4)
        gemv_rows4(y + r, w + r * row_stride, row_stride, &xs);
    for (; r < rows; r++)
        gemv_row1(y + r, w + r * row_stride, &xs);
}

/* ---- quantize ------------------------------------------------------------
 * Twin: qk256_quantize_scalar, bit-exact.
 *
 * Per block: m = max |x| (max is exact, so the order does not matter),
 * s = m * 0.5f (the same f32 value as m / 2.0f) and t = 1.5f * s, as in
 * the scalar kernel.  Each element then gets, with the scalar kernel's
 * comparisons (ordered, so -0.0 is neither < 0 nor > 0):
 *   neg = x < 0,  big = |x| > 0 && |x| >= t,
 *   code bit 1 = !neg,  code bit 0 = big ^ neg,
 * which is the table 0 = neg && big, 1 = neg, 2 = !neg, 3 = !neg && big;
 * -0.0 and every element of an all-zero block get code 2.  Codes are made
 * in dwords, narrowed to bytes in element order and packed as in pack.
 *
 * Tail: a partial last block is copied into a zero-padded buffer (zeros
 * leave m unchanged) and quantized whole; the codes of the padding, 2 for
 * a zero, are then cleared to the pad value 0.  The whole 64-byte block is
 * written.
 */

/* Codes of the floats x[0, 8) as dwords, for the threshold t. */
static ALWAYS_INLINE __m256i
quantize8(const float *x, __m256 t)
{
    const __m256 zero = _mm256_setzero_ps();
    __m256 v = _mm256_loadu_ps(x);
    __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
    __m256i neg = _mm256_castps_si256(_mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    __m256i big = _mm256_castps_si256(
        _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_GT_OQ),
                      _mm256_cmp_ps(a, t, _CMP_GE_OQ)));

    return _mm256_or_si256(
        _mm256_andnot_si256(neg, _mm256_set1_epi32(2)),
        _mm256_and_si256(_mm256_xor_si256(big, neg), _mm256_set1_epi32(1)));
}

/* Codes of the floats x[0, 32) as 32 bytes in element order. */
static ALWAYS_INLINE __m256i
quantize32(const float *x, __m256 t)
{
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m256i w01 = _mm256_packs_epi32(quantize8(x, t), quantize8(x + 8, t));
    __m256i w23 = _mm256_packs_epi32(quantize8(x + 16, t), quantize8(x + 24, t));

    /* Both packs work within 128-bit lanes: the bytes come out as the
     * four-code groups {0, 2, 4, 6 | 1, 3, 5, 7}, which vpermd reorders. */
    return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23), order);
}

/* One whole block: 256 floats at src -> 64 bytes at dst; returns s. */
static ALWAYS_INLINE float
quantize_block(uint8_t *dst, const float *src)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m0 = _mm256_setzero_ps(), m1 = m0, m2 = m0, m3 = m0;

    for (size_t i = 0; i < QK256_BLOCK_ELEMS; i += 32) {
        m0 = _mm256_max_ps(m0, _mm256_andnot_ps(sign, _mm256_loadu_ps(src + i)));
        m1 = _mm256_max_ps(m1, _mm256_andnot_ps(sign, _mm256_loadu_ps(src + i + 8)));
        m2 = _mm256_max_ps(m2, _mm256_andnot_ps(sign, _mm256_loadu_ps(src + i + 16)));
        m3 = _mm256_max_ps(m3, _mm256_andnot_ps(sign, _mm256_loadu_ps(src + i + 24)));
    }

    __m256 m8 = _mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));

    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));

    float s = _mm_cvtss_f32(m) * 0.5f;
    __m256 t = _mm256_set1_ps(1.5f * s);

    for (size_t h = 0; h < 2; h++) {
        const float *x = src + 128 * h;

        _mm256_storeu_si256((__m256i *)(dst + 32 * h),
                            pack_codes(quantize32(x, t), quantize32(x + 32, t),
                                       quantize32(x + 64, t), quantize32(x + 96, t)));
    }
    return s;
}

void
qk256_quantize_avx2(uint8_t *dst, float *scales, const float *src, size_t n)
{
    size_t full = n / QK256_BLOCK_ELEMS;
    size_t rest = n % QK256_BLOCK_ELEMS;

    for (size_t b = 0; b < full; b++) {
        float s = quantize_block(dst + b * QK256_BLOCK_BYTES,
                                 src + b * QK256_BLOCK_ELEMS);
        if (scales)
            qk256_put_f32(scales, b, s);
    }
    if (rest) {
        float tmp[QK256_BLOCK_ELEMS] = { 0.0f };
        uint8_t *blk = dst + full * QK256_BLOCK_BYTES;
        size_t k = rest / 4;

        memcpy(tmp, src + full * QK256_BLOCK_ELEMS, rest * sizeof(float));

        float s = quantize_block(blk, tmp);

        if (rest % 4)
            blk[k++] &= (uint8_t)((1u << (2 * (rest % 4))) - 1);
        memset(blk + k, 0, QK256_BLOCK_BYTES - k);
        if (scales)
            qk256_put_f32(scales, full, s);
    }
}

/* ---- input scans -----------------------------------------------------------
 * Twins: qk256_codes_ok_scalar and qk256_finite_scalar, same answer.
 *
 * The scans look at every element and decide at the end, 128 bytes per
 * step: codes are ORed together and valid when no bit above the low two
 * is set; a float is non-finite when |x| < inf is false (ordered compare:
 * false for NaN too).  The last n % 32 codes or n % 8 floats go through
 * the scalar scan, so nothing past the arrays is read.
 */
int
qk256_codes_ok_avx2(const uint8_t *codes, size_t n)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;

    for (; n - i >= 128; i += 128) {
        a0 = _mm256_or_si256(a0, _mm256_loadu_si256((const __m256i *)(codes + i)));
        a1 = _mm256_or_si256(a1, _mm256_loadu_si256((const __m256i *)(codes + i + 32)));
        a2 = _mm256_or_si256(a2, _mm256_loadu_si256((const __m256i *)(codes + i + 64)));
        a3 = _mm256_or_si256(a3, _mm256_loadu_si256((const __m256i *)(codes + i + 96)));
    }
    for (; n - i >= 32; i += 32)
        a0 = _mm256_or_si256(a0, _mm256_loadu_si256((const __m256i *)(codes + i)));

    __m256i all = _mm256_or_si256(_mm256_or_si256(a0, a1), _mm256_or_si256(a2, a3));

    return _mm256_testz_si256(all, _mm256_set1_epi8((char)0xfc)) &&
           qk256_codes_ok_scalar(codes + i, n - i);
}

int
qk256_finite_avx2(const float *x, size_t n)
{
    const __m256 inf = _mm256_set1_ps(INFINITY), sign = _mm256_set1_ps(-0.0f);
    __m256 b0 = _mm256_setzero_ps(), b1 = b0, b2 = b0, b3 = b0;
    size_t i = 0;

#define QK256_NOT_FINITE(v) \
    _mm256_cmp_ps(_mm256_andnot_ps(sign, (v)), inf, _CMP_NLT_UQ)
    for (; n - i >= 32; i += 32) {
        b0 = _mm256_or_ps(b0, QK256_NOT_FINITE(_mm256_loadu_ps(x + i)));
        b1 = _mm256_or_ps(b1, QK256_NOT_FINITE(_mm256_loadu_ps(x + i + 8)));
        b2 = _mm256_or_ps(b2, QK256_NOT_FINITE(_mm256_loadu_ps(x + i + 16)));
        b3 = _mm256_or_ps(b3, QK256_NOT_FINITE(_mm256_loadu_ps(x + i + 24)));
    }
    for (; n - i >= 8; i += 8)
        b0 = _mm256_or_ps(b0, QK256_NOT_FINITE(_mm256_loadu_ps(x + i)));
#undef QK256_NOT_FINITE

    __m256 bad = _mm256_or_ps(_mm256_or_ps(b0, b1), _mm256_or_ps(b2, b3));

    return _mm256_testz_ps(bad, bad) && qk256_finite_scalar(x + i, n - i);
}

/* ---- quantize_i8 ---------------------------------------------------------
 * Twin: qk256_quantize_i8_scalar, bit-exact.
 *
 * m = max |x| is exact in any order; it is taken as the scalar kernel
 * takes it, the largest of the bits of |x| as integers, which also finds
 * an infinity or a NaN without a pass of its own: their bits are the
 * largest.  inv = 127 / m and the scale are the scalar kernel's own f32
 * divisions.  Each element is then x * inv in f32, 0 where x is 0 (the
 * tiny-m case of the scalar kernel, where 0 * inf is NaN), clamped to
 * [-127, 127] and rounded by vroundps with an explicit nearest-even mode,
 * which ignores MXCSR as the scalar rule does; the result is an integer,
 * so the truncating conversion is exact.
 *
 * Tail: the last n % 32 floats go through a zero-padded buffer.
 */

/* The bits of |x[0, 8)|. */
static ALWAYS_INLINE __m256i
abs_bits8(const float *x)
{
    return _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(const void *)x),
                            _mm256_set1_epi32(0x7fffffff));
}

/* The int32 values of x[0, 8). */
static ALWAYS_INLINE __m256i
quantize_i8_8(const float *x, __m256 inv)
{
    __m256 v = _mm256_loadu_ps(x);
    __m256 p = _mm256_mul_ps(v, inv);

    p = _mm256_andnot_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_EQ_OQ), p);
    p = _mm256_min_ps(_mm256_max_ps(p, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
    p = _mm256_round_ps(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm256_cvttps_epi32(p);
}

/* xq[0, 32) from x[0, 32).  The saturating packs work within 128-bit
 * lanes and leave the four-byte groups in the order 0 4 1 5 2 6 3 7. */
static ALWAYS_INLINE void
quantize_i8_32(int8_t *xq, const float *x, __m256 inv)
{
    __m256i ab = _mm256_packs_epi32(quantize_i8_8(x, inv), quantize_i8_8(x + 8, inv));
    __m256i cd = _mm256_packs_epi32(quantize_i8_8(x + 16, inv), quantize_i8_8(x + 24, inv));
    __m256i q = _mm256_packs_epi16(ab, cd);

    q = _mm256_permutevar8x32_epi32(q, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)(void *)xq, q);
}

int
qk256_quantize_i8_avx2(int8_t *xq, float *scale, const float *x, size_t n)
{
    __m256i m0 = _mm256_setzero_si256(), m1 = m0, m2 = m0, m3 = m0;
    size_t i = 0;
    uint32_t mb;
    float m;

    /* Signed compares: the bits of |x| are below 2^31. */
    for (; n - i >= 32; i += 32) {
        m0 = _mm256_max_epi32(m0, abs_bits8(x + i));
        m1 = _mm256_max_epi32(m1, abs_bits8(x + i + 8));
        m2 = _mm256_max_epi32(m2, abs_bits8(x + i + 16));
        m3 = _mm256_max_epi32(m3, abs_bits8(x + i + 24));
    }
    m0 = _mm256_max_epi32(_mm256_max_epi32(m0, m1), _mm256_max_epi32(m2, m3));
    m0 = _mm256_max_epi32(m0, _mm256_permute2x128_si256(m0, m0, 1));
    m0 = _mm256_max_epi32(m0, _mm256_shuffle_epi32(m0, 0x4e)); /* 2 3 0 1 */
    m0 = _mm256_max_epi32(m0, _mm256_shuffle_epi32(m0, 0xb1)); /* 1 0 3 2 */
    mb = qk256_abs_bits_max(x, i, n, (uint32_t)_mm256_cvtsi256_si32(m0));

    if (mb >= QK256_NONFINITE_BITS)
        return 0;
    if (mb == 0) {
        memset(xq, 0, n);
        qk256_put_f32(scale, 0, 0.0f);
        return 1;
    }
    memcpy(&m, &mb, sizeof m);

    __m256 inv = _mm256_set1_ps(127.0f / m);
    size_t rest = n % 32;

    for (i = 0; i < n - rest; i += 32)
        quantize_i8_32(xq + i, x + i, inv);
    if (rest) {
        float tmp[32] = { 0 };
        int8_t out[32];

        memcpy(tmp, x + i, rest * sizeof(float));
        quantize_i8_32(out, tmp, inv);
        memcpy(xq + i, out, rest);
    }
    qk256_put_f32(scale, 0, m / 127.0f);
    return 1;
}

/* ---- gemv_i8 -------------------------------------------------------------
 * Twin: qk256_gemv_i8_scalar, bit-exact: the int32 sums are exact (taken
 * modulo 2^32, which gives the exact value since it fits in int32), and y
 * is the same f32 product of the same int32.
 *
 * Byte k of a 32-byte half block holds the codes of elements 4k + s,
 * s = 0..3, at bits 2s.  Rather than move codes into element order, the
 * activations are moved once per call into the order of the codes
 * (qk256_i8_planes_avx2, below, for lib/loops/gemv_i8.h): "plane order"
 * puts x[4k + s] at byte 64 s + k of each 256-byte block, so that one
 * shift and mask of 64 packed bytes lines up with plane s.  Then a row needs per 32 bytes only a mask and a
 * shift (low and high nibble of each byte) and four vpshufb that map each
 * 2-bit code to the unsigned w + 2 = {0, 1, 3, 4}; vpmaddubsw multiplies
 * those by the signed activations, and the 2 * sum(x) the bias adds is
 * taken off at the end.  |w + 2| <= 4 and |x| <= 128, so a 16-bit lane of
 * the eight vpmaddubsw of a block holds at most 8 * 2 * 4 * 128 = 8192 and
 * neither saturates nor overflows before vpmaddwd widens it to int32.
 */

/* 16-bit sums of (w + 2) * x over the 32 bytes of packed codes v, whose
 * activations start at planes xp (plane s at xp + 64 s). */
static ALWAYS_INLINE __m256i
i8_half(__m256i v, const int8_t *xp)
{
    const __m256i nib = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_and_si256(v, nib);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
    __m256i s;

    s = _mm256_maddubs_epi16(_mm256_shuffle_epi8(i8_lut_lo(), lo), load256(xp));
    s = _mm256_add_epi16(s, _mm256_maddubs_epi16(_mm256_shuffle_epi8(i8_lut_hi(), lo), load256(xp + 64)));
    s = _mm256_add_epi16(s, _mm256_maddubs_epi16(_mm256_shuffle_epi8(i8_lut_lo(), hi), load256(xp + 128)));
    return _mm256_add_epi16(s, _mm256_maddubs_epi16(_mm256_shuffle_epi8(i8_lut_hi(), hi), load256(xp + 192)));
}

/* 16-bit sums of (w + 2) * x over the line at p. */
static ALWAYS_INLINE __m256i
i8_block(const uint8_t *p, const int8_t *xp)
{
    return _mm256_add_epi16(i8_half(load256(p), xp), i8_half(load256(p + 32), xp + 32));
}

/* i8_block of the edge line at p (gemv_i8.h, int8.h). */
static ALWAYS_INLINE __m256i
i8_block_edge(const uint8_t *p, const int8_t *xp, struct qk256_i8_edges e)
{
    return _mm256_add_epi16(i8_half(i8_edge_half(p, 0, e), xp),
                            i8_half(i8_edge_half(p, 1, e), xp + 32));
}

/* acc + the int32 sums of (w + 2) * x over the 16-bit sums s. */
static ALWAYS_INLINE __m256i
i8_widen(__m256i acc, __m256i s)
{
    return _mm256_add_epi32(acc, _mm256_madd_epi16(s, _mm256_set1_epi16(1)));
}

static void
i8_rows4_avx2(uint32_t acc[4], const uint8_t *w, size_t gap,
              const int8_t *planes, size_t nlines, struct qk256_i8_edges e)
{
    const uint8_t *w0 = w, *w1 = w0 + gap, *w2 = w1 + gap, *w3 = w2 + gap;
    const size_t ahead = QK256_I8_PREFETCH_BYTES;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;

    /* The edge line last (see avx512.c), out of the loop. */
    for (size_t b = e.head ? 1 : 0; b < nlines; b++) {
        const int8_t *xp = planes + b * QK256_BLOCK_ELEMS;
        size_t off = b * QK256_BLOCK_BYTES;

        _mm_prefetch((const char *)(w0 + off + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(w1 + off + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(w2 + off + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(w3 + off + ahead), _MM_HINT_T0);
        a0 = i8_widen(a0, i8_block(w0 + off, xp));
        a1 = i8_widen(a1, i8_block(w1 + off, xp));
        a2 = i8_widen(a2, i8_block(w2 + off, xp));
        a3 = i8_widen(a3, i8_block(w3 + off, xp));
    }
    if (e.head) {
        a0 = i8_widen(a0, i8_block_edge(w0, planes, e));
        a1 = i8_widen(a1, i8_block_edge(w1, planes, e));
        a2 = i8_widen(a2, i8_block_edge(w2, planes, e));
        a3 = i8_widen(a3, i8_block_edge(w3, planes, e));
    }
    acc[0] = hsum_epi32(a0);
    acc[1] = hsum_epi32(a1);
    acc[2] = hsum_epi32(a2);
    acc[3] = hsum_epi32(a3);
}

static uint32_t
i8_row1_avx2(const uint8_t *w, const int8_t *planes, size_t nlines,
             struct qk256_i8_edges e)
{
    __m256i a = _mm256_setzero_si256();

    for (size_t b = e.head ? 1 : 0; b < nlines; b++)
        a = i8_widen(a, i8_block(w + b * QK256_BLOCK_BYTES, planes + b * QK256_BLOCK_ELEMS));
    if (e.head)
        a = i8_widen(a, i8_block_edge(w, planes, e));
    return hsum_epi32(a);
}

/* Plane order (see above).  vpshufb gathers, in each 128-bit lane, the
 * bytes of one s from four words, and vpermd puts the eight such dwords
 * in plane order: qword s of t holds plane s for the 8 words of 32 bytes.
 * Four of those are a 4 x 4 transpose of qwords away from 32 bytes of
 * each plane.  vpmaddubsw by 1 and vpmaddwd by 1 sum the bytes. */
static ALWAYS_INLINE __m256i
planes_32(const int8_t *x, __m256i *sum)
{
    const __m256i by_s = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    __m256i v = load256(x);
    __m256i s16 = _mm256_maddubs_epi16(_mm256_set1_epi8(1), v);

    *sum = _mm256_add_epi32(*sum, _mm256_madd_epi16(s16, _mm256_set1_epi16(1)));
    return _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, by_s),
                                       _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

static ALWAYS_INLINE void
planes_block(int8_t *dst, const int8_t *x, __m256i *sum)
{
    for (int h = 0; h < 2; h++) {
        const int8_t *xh = x + 128 * h;
        __m256i t0 = planes_32(xh, sum), t1 = planes_32(xh + 32, sum);
        __m256i t2 = planes_32(xh + 64, sum), t3 = planes_32(xh + 96, sum);
        __m256i e01 = _mm256_unpacklo_epi64(t0, t1), o01 = _mm256_unpackhi_epi64(t0, t1);
        __m256i e23 = _mm256_unpacklo_epi64(t2, t3), o23 = _mm256_unpackhi_epi64(t2, t3);
        int8_t *d = dst + 32 * h;

        _mm256_storeu_si256((__m256i *)(void *)d, _mm256_permute2x128_si256(e01, e23, 0x20));
        _mm256_storeu_si256((__m256i *)(void *)(d + 64), _mm256_permute2x128_si256(o01, o23, 0x20));
        _mm256_storeu_si256((__m256i *)(void *)(d + 128), _mm256_permute2x128_si256(e01, e23, 0x31));
        _mm256_storeu_si256((__m256i *)(void *)(d + 192), _mm256_permute2x128_si256(o01, o23, 0x31));
    }
}

/* The planes of xq[0, n), zero-padded to whole blocks, and their bias: the
 * kernels sum (w + 2) * x, 2 * sum(x) more than w * x.  avx512 takes its
 * planes from here too. */
uint32_t
qk256_i8_planes_avx2(int8_t *dst, const int8_t *xq, size_t n)
{
    size_t full = n / QK256_BLOCK_ELEMS, rest = n % QK256_BLOCK_ELEMS;
    __m256i sum = _mm256_setzero_si256();

    for (size_t b = 0; b < full; b++)
        planes_block(dst + b * QK256_BLOCK_ELEMS, xq + b * QK256_BLOCK_ELEMS, &sum);
    if (rest) {
        int8_t tmp[QK256_BLOCK_ELEMS] = { 0 };

        memcpy(tmp, xq + full * QK256_BLOCK_ELEMS, rest);
        planes_block(dst + full * QK256_BLOCK_ELEMS, tmp, &sum);
    }
    return 2u * hsum_epi32(sum);
}

void
qk256_gemv_i8_avx2(float *y, const uint8_t *w, size_t row_stride,
                   const int8_t *xq, float scale, size_t rows, size_t cols)
{
    qk256_gemv_i8_driver(y, w, row_stride, xq, scale, rows, cols,
                         qk256_i8_planes_avx2, i8_rows4_avx2, 4, i8_row1_avx2, 1);
}

/* ---- gemm ----------------------------------------------------------------
 * Twin: qk256_gemm_scalar, within the SPEC section 4 bound, by the method
 * of the GEMV above (and gemm.h): a row is taken with all the vectors of
 * the tile at once, each word of it decoded once for all of them, and
 * each vector then takes one FMA per 8 codes.  With 8 vectors that is 32
 * FMAs per 32 codes against 2 vpsrlvd, 2 vpsrldq and 4 vpermps of
 * decoding: the two FMA ports are nearly all the loop waits for.
 *
 * Sums.  An FMA takes 4 cycles, so the two ports stay busy only with 8
 * sums in flight, and with exactly 8 each FMA has to issue the cycle its
 * sum is ready.  A row and vector therefore have GEMM_SETS(nt, t) f32
 * sums, each taking one in GEMM_SETS(nt, t) of the groups of 8 codes:
 * four for 2 vectors, two for 3 to 5, and with 6 to 8 vectors two for the
 * first 10 - nt of them and one for the others.  That is at most 10 sums,
 * which the registers hold beside the 4 decoded groups and a temporary.
 * A lane of them takes at most 128 FMAs (QK256_GEMM_CHUNK / 8) in a chunk.
 *
 * Partial sums in y.  Up to GEMM_Y_MAX_COLS columns, the rows go through
 * gemm.h's second driver: each chunk of the tile's vectors is copied once
 * for all the rows, and a row's sums over the chunk are added up in f32,
 * the sets (at most 2 adds), then the 8 lanes (3), and the result is
 * stored in y or added to it.  In gemm.h's terms, a product goes through
 * at most D = 131 roundings in a chunk (one set: 128 FMAs and 3 adds; two:
 * 64 + 1 + 3; four: 32 + 2 + 3), so with m chunks (cols over
 * QK256_GEMM_CHUNK, rounded up) |y - exact| <= g(130 + m) sum |w x|, g(k)
 * = k 2^-24 / (1 - k 2^-24).  At GEMM_Y_MAX_COLS, m = 64 and g(194) <
 * 1.16e-5, under an eighth of the bound's 1e-4 (which g keeps up to m =
 * 1547).  The limit is avx512.c's LUT_MAX_COLS, so that the wide cases of
 * tests/check_gemm.c take both sides of it.
 *
 * Wider rows go through gemm.h's first driver, which sums in double: at
 * the end of each chunk a lane's 4 sums (after the sets and one more add
 * of the two halves) are widened, 131 units of 2^-24 (7.8e-6) of the
 * chunk's sum |w x| to first order, so the bound holds for any cols.
 * Either way a result that is not finite is the scalar GEMV's.
 *
 * 2560 x 2560, n = 8, us per vector against the GEMV's 263-280, in a test
 * program that alternates the two calls (min of 150): two rows with four
 * vectors, two passes for a tile of 8 (the kernel before this one),
 * 187-199; one row with all 8, 168-170, whether each word is decoded as
 * in the GEMV, or each two words with one vpsrlvq and four vpshufb (the
 * vpermps indexes of 32 codes) and x copied in their order: the decoding
 * is not what is left.  Alone, with its data in L1, this loop took 21
 * cycles per 32 codes and 8 vectors where the FMAs need 16; the rest went
 * to the first driver's copy of the tile, once per QK256_GEMM_ROWS rows
 * (with 64 rows a copy, 165-171; copying each chunk once for all the rows
 * and keeping the sums in y, 151-157).  In qk256-bench then (two runs),
 * n = 1 to 7: 274-292 (the GEMV), 245-253, 214-228, 199-201, 210-216,
 * 191-198 and 185-189 us per vector, where the kernel before took
 * 457-461, 261-265, 225-226, 219, 251-262, 224-228 and 216-219, and the
 * GEMV 270-290.
 *
 * Then, us per call, min of 150 to 300 calls in a test program that
 * alternates builds of the library (avx2 bound; the GEMV 235-250): the
 * first driver 1190-1240; partial sums in y 1037-1079; with the chunks of
 * the rows ahead fetched (gemm_fetch_ahead) 1028-1041, and 2560 x 6912
 * 2800-2850 against 2975; with 10 sums 1020-1047 against 1048-1079 (n =
 * 6: 836 against 929; n = 7: 931 against 1004; 12 sums spill, 1152; four
 * sets for n = 3, 541 against 476); with vpsrldq for codes 8-15 and the
 * loop on pointers, 1013-1061 against 1059-1120 (a busier hour).  No
 * faster: y updated 8 rows at a time through a transpose (1046 against
 * 1041), the loop unrolled 2, 4 or 8 times, one vpsrlvq and three vpshufb
 * for 32 codes (1194 against 1078); slower: each vector's 32 codes in a
 * tree (a vmulps and 3 FMAs, then one add into the sum: 1087 against
 * 1045), chunks of 512 or 768 columns (1063, 1053 against 1031).  1280
 * columns, two chunks for 2560, took 1014, but 40 KB of x for 8 vectors
 * is more than the 32 KB L1 of most CPUs without AVX-512. */

/* The sums of vector t (of nt) for each row: see Sums above. */
#define GEMM_SETS(nt, t) ((size_t)((nt) > 5 ? 1 + ((t) + (nt) < 10) : (nt) > 2 ? 2 : 4))

/* a[i][t], i < GEMM_SETS(nt, t), t < nt: the sums of the products of
 * nblocks blocks of the row at w and the vectors xb + t * xstride. */
static ALWAYS_INLINE void
gemm_sums8(__m256 a[4][QK256_GEMM_TILE], const uint8_t *w, const float *xb, size_t xstride,
           size_t nblocks, size_t nt)
{
    const uint8_t *end = w + nblocks * QK256_BLOCK_BYTES;

    UNROLL8
    for (size_t t = 0; t < nt; t++)
        a[0][t] = a[1][t] = a[2][t] = a[3][t] = _mm256_setzero_ps();
    /* Pointers, not an index: fewer integer ops, which would take turns
     * on the FMA ports too. */
    for (; w < end; w += 8, xb += 32) {
        /* After the shift of codes 0-7 of a word (code_index), bits 16-17
         * of lane j hold code 8 + j: vpsrldq brings them down on a shuffle
         * port, where code_index(q, 1) would be a second vpsrlvd on an
         * FMA port. */
        __m256i i0 = code_index(broadcast_u32(w), 0);
        __m256i i1 = code_index(broadcast_u32(w + 4), 0);
        __m256 d[4];

        d[0] = _mm256_permutevar8x32_ps(lut8(), i0);
        d[1] = _mm256_permutevar8x32_ps(lut8(), _mm256_srli_si256(i0, 2));
        d[2] = _mm256_permutevar8x32_ps(lut8(), i1);
        d[3] = _mm256_permutevar8x32_ps(lut8(), _mm256_srli_si256(i1, 2));
        _Pragma("GCC unroll 4")
        for (size_t g = 0; g < 4; g++) {
            UNROLL8
            for (size_t t = 0; t < nt; t++) {
                size_t i = g % GEMM_SETS(nt, t);

                a[i][t] = _mm256_fmadd_ps(d[g], _mm256_load_ps(xb + t * xstride + 8 * g), a[i][t]);
            }
        }
    }
}

/* The sets a[i][t] of vector t added up in f32: GEMM_SETS(nt, t) - 1
 * adds. */
static ALWAYS_INLINE __m256
gemm_set_sum(__m256 a[4][QK256_GEMM_TILE], size_t t, size_t nt)
{
    const size_t k = GEMM_SETS(nt, t);
    __m256 v = a[0][t];

    if (k > 1)
        v = _mm256_add_ps(v, a[1][t]);
    if (k > 2)
        v = _mm256_add_ps(v, _mm256_add_ps(a[2][t], a[3][t]));
    return v;
}

/* Adds the products of nblocks blocks of the row at w and the vectors
 * xb + t * xstride, t < nt, to s[0][t][0, 4). */
static ALWAYS_INLINE void
gemm_row8(qk256_gemm_sums *s, const uint8_t *w, const float *xb, size_t xstride,
          size_t nblocks, size_t nt)
{
    __m256 a[4][QK256_GEMM_TILE];

    gemm_sums8(a, w, xb, xstride, nblocks, nt);
    UNROLL8
    for (size_t t = 0; t < nt; t++) {
        __m256 v = gemm_set_sum(a, t, nt);
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));

        _mm256_store_pd(s[0][t], _mm256_add_pd(_mm256_load_pd(s[0][t]), _mm256_cvtps_pd(h)));
    }
}

/* One copy of gemm_row8 for each tile width, for each of the k rows. */
static void
gemm_pair_avx2(qk256_gemm_sums *s, const uint8_t *w, size_t row_stride, size_t k,
               const float *xb, size_t xstride, size_t nblocks, size_t nt)
{
    for (size_t i = 0; i < k; i++) {
#define GEMM_ROW8(m) gemm_row8(s + i, w + i * row_stride, xb, xstride, nblocks, m)
        QK256_GEMM_BY_WIDTH(nt, GEMM_ROW8)
#undef GEMM_ROW8
    }
}

/* The widest rows whose sums wait in y (see Partial sums in y above). */
#define GEMM_Y_MAX_COLS 65536

/* Rows ahead whose chunk is fetched (gemm_fetch_ahead). */
#define GEMM_Y_AHEAD 8

/* Lane t < nt: vector t's total of the sums a[i][t], in f32 (the sets,
 * then the lanes, 3 adds each way); lane t >= nt: 0. */
static ALWAYS_INLINE __m256
gemm_row_total(__m256 a[4][QK256_GEMM_TILE], size_t nt)
{
    __m256 v[QK256_GEMM_TILE];

    UNROLL8
    for (size_t t = 0; t < QK256_GEMM_TILE; t++)
        v[t] = t < nt ? gemm_set_sum(a, t, nt) : _mm256_setzero_ps();

    /* hadd(a, b) = a0+a1, a2+a3, b0+b1, b2+b3 in each 128-bit half; after
     * two of them, lane t of each half holds v[t]'s sum over that half. */
    __m256 s01 = _mm256_hadd_ps(v[0], v[1]), s23 = _mm256_hadd_ps(v[2], v[3]);
    __m256 s45 = _mm256_hadd_ps(v[4], v[5]), s67 = _mm256_hadd_ps(v[6], v[7]);
    __m256 s03 = _mm256_hadd_ps(s01, s23), s47 = _mm256_hadd_ps(s45, s67);

    return _mm256_add_ps(_mm256_permute2f128_ps(s03, s47, 0x20),
                         _mm256_permute2f128_ps(s03, s47, 0x31));
}

/* Fetches the chunk of the row GEMM_Y_AHEAD rows after the one at w, if
 * there is one (r rows start at w).  The chunks of successive rows lie
 * row_stride apart, a pattern that the hardware prefetchers follow poorly
 * once the matrix is out of L2. */
static ALWAYS_INLINE void
gemm_fetch_ahead(const uint8_t *w, size_t row_stride, size_t r, size_t nblocks)
{
    if (r > GEMM_Y_AHEAD) {
        const char *p = (const char *)(w + GEMM_Y_AHEAD * row_stride);

        for (size_t l = 0; l < nblocks; l++)
            _mm_prefetch(p + l * QK256_BLOCK_BYTES, _MM_HINT_T0);
        /* The chunk need not start a cache line. */
        _mm_prefetch(p + nblocks * QK256_BLOCK_BYTES - 1, _MM_HINT_T0);
    }
}

/* y[t * ldy + r] (first: =, else +=) the sum of the chunk of row r and
 * vector t, r < rows, t < nt. */
static ALWAYS_INLINE void
gemm_rows8_y(float *y, size_t ldy, const uint8_t *w, size_t row_stride, size_t rows,
             const float *xb, size_t xstride, size_t nblocks, size_t nt, int first)
{
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *wr = w + r * row_stride;
        __m256 a[4][QK256_GEMM_TILE];
        float sum[QK256_GEMM_TILE] __attribute__((aligned(32)));

        gemm_fetch_ahead(wr, row_stride, rows - r, nblocks);
        gemm_sums8(a, wr, xb, xstride, nblocks, nt);
        _mm256_store_ps(sum, gemm_row_total(a, nt));
        UNROLL8
        for (size_t t = 0; t < nt; t++)
            qk256_put_f32(y + t * ldy, r, first ? sum[t] : qk256_get_f32(y + t * ldy, r) + sum[t]);
    }
}

/* One copy of gemm_rows8_y for each tile width. */
static void
gemm_chunk_avx2(float *y, size_t ldy, const uint8_t *w, size_t row_stride, size_t rows,
                const float *xb, size_t xstride, size_t nblocks, size_t nt, int first)
{
#define GEMM_ROWS8_Y(m) gemm_rows8_y(y, ldy, w, row_stride, rows, xb, xstride, nblocks, m, first)
    QK256_GEMM_BY_WIDTH(nt, GEMM_ROWS8_Y)
#undef GEMM_ROWS8_Y
}

void
qk256_gemm_avx2(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    /* A last tile of one vector: the GEMV is faster.  The driver takes
     * the tiles one after another over all the rows, so the GEMV's pass
     * over the weights replaces the tile's. */
    if (n % QK256_GEMM_TILE == 1) {
        n--;
        qk256_gemv_avx2(y + n * ldy, w, row_stride, x + n * ldx, rows, cols);
    }
    if (n && cols <= GEMM_Y_MAX_COLS)
        qk256_gemm_y_driver(y, ldy, w, row_stride, x, ldx, rows, cols, n, gemm_chunk_avx2);
    else if (n)
        qk256_gemm_driver(y, ldy, w, row_stride, x, ldx, rows, cols, n, NULL, gemm_pair_avx2,
                          NULL);
}

/* ---- gemm_i8 -------------------------------------------------------------
 * Twin: qk256_gemm_i8_scalar, bit-exact: exact int32 sums, by the method
 * of the GEMV (gemv_i8.h).  A row is taken with all the vectors of the
 * tile at once: each half block of it is decoded once, a mask, a shift, a
 * mask and four vpshufb, and each vector then takes four vpmaddubsw with
 * its planes, each added with vpaddw into the vector's 16-bit sums.
 *
 * 16-bit sums.  A vpmaddubsw lane is (w + 2) x + (w' + 2) x' with w + 2 in
 * {0, 1, 3, 4} and x in [-128, 127], so in [-1024, 1016]: it does not
 * saturate.  A vector's 16-bit sums take at most I8_WIDEN_BLOCKS = 4
 * blocks, 8 vpmaddubsw a block, so each lane, and each partial sum on the
 * way, is in [32 * -1024, 32 * 1016] = [-32768, 32512], which int16
 * holds: vpaddw never wraps.  Only then does vpmaddwd by 1 widen them to
 * int32.
 *
 * Instructions.  Per 32 products, one vpmaddubsw and one vpaddw; AVX2 has
 * nothing that multiplies and accumulates in one.  With a tile of 8, the
 * decoding adds 7 instructions per half block and the widening 2: 73 per
 * half block and 8 vectors, 9.1 per vector, where the GEMV takes 15.5 per
 * half block and row (31 per block: the same decoding, 8 vpmaddubsw, 7
 * vpaddw, a vpmaddwd and a vpaddd).  Both loops get about 2.6 of these
 * instructions a cycle through the three vector ports of the build
 * machine, so a GEMM column can be at most about 1.7 times as fast as a
 * GEMV here.
 *
 * Registers: 8 sums, 4 decoded planes, a product and the two nibble
 * tables, 15 of the 16.
 *
 * 2560 x 2560, n = 8, us per vector against the GEMV's 81-88, in a test
 * program that alternates the two calls (min of 400): the kernel before
 * this one (one row, 8 vectors, each half block widened to int32 at once)
 * 62-66; these 16-bit sums 55-59, but slower than the kernel before
 * where GCC added the four products of a half block as a tree before the
 * sum (i8_chain).  In qk256-bench (two runs), n = 2 to 7: 85, 70-75,
 * 68-70, 65-68, 65-66 and 64-65 us per vector, where the kernel before
 * took 82-84, 72-73, 75, 73-74, 74-77 and 74-75, and the GEMV 84-93; a
 * call of one vector is now the GEMV's (the kernel before: 109-111). */

#define I8_WIDEN_BLOCKS 4

/* s + the 16-bit sums of the products of d and the 32 activations at x.
 * The empty asm keeps the sums a chain: GCC would otherwise add the four
 * products of a half block as a tree first, whose temporaries push the
 * sums out of registers: in qk256-bench 69-70 us per vector where the
 * kernel before took 64-67, and in a loop of the kernel alone 64 against
 * the chain's 55. */
static ALWAYS_INLINE __m256i
i8_chain(__m256i s, __m256i d, const int8_t *x)
{
    s = _mm256_add_epi16(s, _mm256_maddubs_epi16(d, load256(x)));
    __asm__("" : "+x"(s));
    return s;
}

/* a16[t] + the 16-bit sums of (w + 2) x over the 32 packed bytes at p
 * and vector t's planes from xp on, t < nt; or just those sums (first).
 * first saves the add of each vector's first product. */
static ALWAYS_INLINE void
i8_half_tile(__m256i a16[QK256_GEMM_TILE], const uint8_t *p, const int8_t *xp, size_t nt,
             int first)
{
    const __m256i nib = _mm256_set1_epi8(0x0f);
    __m256i v = load256(p);
    __m256i lo = _mm256_and_si256(v, nib);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
    __m256i d0 = _mm256_shuffle_epi8(i8_lut_lo(), lo);
    __m256i d1 = _mm256_shuffle_epi8(i8_lut_hi(), lo);
    __m256i d2 = _mm256_shuffle_epi8(i8_lut_lo(), hi);
    __m256i d3 = _mm256_shuffle_epi8(i8_lut_hi(), hi);

    UNROLL8
    for (size_t t = 0; t < nt; t++) {
        const int8_t *xt = xp + t * QK256_GEMM_I8_CHUNK_ELEMS;

        if (first) {
            a16[t] = _mm256_maddubs_epi16(d0, load256(xt));
            __asm__("" : "+x"(a16[t]));
        } else {
            a16[t] = i8_chain(a16[t], d0, xt);
        }
        a16[t] = i8_chain(a16[t], d1, xt + 64);
        a16[t] = i8_chain(a16[t], d2, xt + 128);
        a16[t] = i8_chain(a16[t], d3, xt + 192);
    }
}

/* acc[t], t < nt: the biased sums of the row at w with vector t's planes
 * (acc[nt, 8) are written too, and are 0).  The planes are addressed from
 * one pointer a block, so that each load is that pointer plus a constant,
 * one micro-op. */
static ALWAYS_INLINE void
i8_row_tile(uint32_t acc[QK256_GEMM_TILE], const uint8_t *w, const int8_t *planes,
            size_t nblocks, size_t nt)
{
    __m256i a32[QK256_GEMM_TILE];

    UNROLL8
    for (size_t t = 0; t < QK256_GEMM_TILE; t++)
        a32[t] = _mm256_setzero_si256();
    for (size_t b0 = 0; b0 < nblocks; b0 += I8_WIDEN_BLOCKS) {
        size_t b1 = qk256_min(nblocks, b0 + I8_WIDEN_BLOCKS);
        const int8_t *xb = planes + b0 * QK256_BLOCK_ELEMS;
        const uint8_t *wb = w + b0 * QK256_BLOCK_BYTES;
        __m256i a16[QK256_GEMM_TILE];

        i8_half_tile(a16, wb, xb, nt, 1);
        i8_half_tile(a16, wb + 32, xb + 32, nt, 0);
        for (size_t b = b0 + 1; b < b1; b++) {
            xb = planes + b * QK256_BLOCK_ELEMS;
            wb = w + b * QK256_BLOCK_BYTES;
            i8_half_tile(a16, wb, xb, nt, 0);
            i8_half_tile(a16, wb + 32, xb + 32, nt, 0);
        }
        UNROLL8
        for (size_t t = 0; t < nt; t++)
            a32[t] = i8_widen(a32[t], a16[t]);
    }
    hsum8_epi32(acc, a32);
}

/* One copy of i8_row_tile for each tile width.  The twin of an odd last
 * row (w1 == w0) is not computed again. */
static void
i8_tile_avx2(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0,
             const uint8_t *w1, const int8_t *planes, size_t nblocks, size_t nt,
             struct qk256_i8_edges e)
{
    (void)e; /* whole blocks: the driver is not asked to shift lines */
    for (int i = 0; i < (w1 == w0 ? 1 : 2); i++) {
        const uint8_t *w = i ? w1 : w0;

#define I8_ROW_TILE(k) i8_row_tile(acc[i], w, planes, nblocks, k)
        QK256_GEMM_BY_WIDTH(nt, I8_ROW_TILE)
#undef I8_ROW_TILE
    }
}

/* The tile's planes, vector after vector; avxvnni takes them too (avx512
 * the same planes, which lib/loops/gemm.h builds line by line). */
void
qk256_i8_tile_planes_avx2(int8_t *planes, uint32_t *bias, const int8_t *xq,
                          size_t ldx, size_t len, size_t nt)
{
    qk256_i8_tile_planes_each(qk256_i8_planes_avx2, planes, bias, xq, ldx, len, nt);
}

void
qk256_gemm_i8_avx2(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                   const int8_t *xq, size_t ldx, const float *scales,
                   size_t rows, size_t cols, size_t n)
{
    /* One vector: the GEMV is faster than a tile of one, and its results
     * are the same bits.  (A last tile of one after others is not split
     * off: it shares the driver's pass over the weights.) */
    if (n == 1)
        qk256_gemv_i8_avx2(y, w, row_stride, xq, qk256_get_f32(scales, 0), rows, cols);
    else
        qk256_gemm_i8_driver(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n,
                             qk256_i8_tile_planes_avx2, i8_tile_avx2, NULL);
}
