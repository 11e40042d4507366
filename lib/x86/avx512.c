/* lib/x86/avx512.c -- AVX-512 (F, BW, VL, VNNI) kernels for QK256
 * SPDX-License-Identifier: MIT
 *
 * Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni and the AVX2
 * flags; none of it runs unless the resolver in dispatch.c, or a caller of
 * the impl list, has checked that the CPU has all of them.  Kernels trust
 * their arguments (internal.h) and follow the same rules as lib/x86/avx2.c,
 * whose comments explain the methods; this file says only where 512 bits
 * change them.  The kernels not defined here are the avx2 ones
 * (internal.h).
 *
 * Decoding.  A 32-bit word of packed data holds 16 codes.  Broadcast to
 * the sixteen lanes and shifted right by 2j in lane j, code j is in the low
 * two bits of lane j; vpermps uses the low four bits of each index, so a
 * table that holds the lut four times maps each lane to its weight with no
 * mask.  Mask registers make every tail a masked load or store.
 */
#include "internal.h"
#include "loops/gemm.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* GCC -O2 unrolls none of the short loops below by itself: the four-row
 * loops must be, for their vectors to stay in registers, and a block's 16
 * groups in dequantize run 1.3x faster at n = 256 that way. */
#define UNROLL4 _Pragma("GCC unroll 4")
#define UNROLL8 _Pragma("GCC unroll 8")

static ALWAYS_INLINE __m512
lut16(void)
{
    return _mm512_setr_ps(-2.0f, -1.0f, 1.0f, 2.0f, -2.0f, -1.0f, 1.0f, 2.0f,
                          -2.0f, -1.0f, 1.0f, 2.0f, -2.0f, -1.0f, 1.0f, 2.0f);
}

/* The 16 codes of the word at p (any alignment), code j in lane j's low
 * two bits. */
static ALWAYS_INLINE __m512i
code_index16(const uint8_t *p)
{
    const __m512i shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14,
                                             16, 18, 20, 22, 24, 26, 28, 30);
    int32_t v;

    memcpy(&v, p, sizeof v);
    return _mm512_srlv_epi32(_mm512_set1_epi32(v), shifts);
}

/* Lanes [0, k) set. */
static ALWAYS_INLINE __mmask16
mask16(size_t k)
{
    return (__mmask16)((1u << k) - 1u);
}

/* ---- dequantize ----------------------------------------------------------
 * Twin: qk256_dequantize_scalar, bit-exact: the table is the lut times the
 * block's scale, as in avx2.c.  A partial last group is a masked store.
 *
 * Stores by cache line.  dequantize writes 16 bytes for each byte it reads
 * and is bound by its stores.  Stored a word (16 elements) at a time, as
 * dequantize_words16 does, every 64-byte store spans two cache lines where
 * dst does not start on one, and costs about as much as two: 1.2 times
 * the time at malloc's 16 bytes past a line at n = 512, 1.2 to 1.5 times
 * from n = 1024 on.  Above 512 elements the stores go line by line
 * instead, which is faster on a line too:
 * dequantize_lines16 where the lines start on a code that starts a byte
 * (dst a multiple of 16 bytes past a line, and on one), and
 * dequantize_rotated16 elsewhere (dst 4 to 60 bytes past one).
 * qk256-bench --variants avx512 --out-align A, medians of 3 runs of 21
 * samples alternated with the stores by word (n = 512 keeps them), ns:
 *
 *   A    n = 512         n = 1024        n = 4096          n = 16384
 *   0    20.5 -> 20.6    38.4 -> 31.1    128.1 -> 111.1    1170 -> 1140
 *   4    24.7 -> 24.7    46.1 -> 37.8    180.2 -> 130.8    1740 -> 1180
 *   16   24.7 -> 24.1    46.1 -> 30.6    184.6 -> 101.7    1760 -> 1190
 *   32   24.1 -> 24.2    47.8 -> 30.3    184.9 -> 112.5    1770 -> 1170
 *   48   24.7 -> 24.7    46.1 -> 30.7    185.2 -> 109.3    1800 -> 1190
 */

static ALWAYS_INLINE __m512
block_table16(const float *scales, size_t b)
{
    return scales ? _mm512_mul_ps(lut16(), _mm512_set1_ps(qk256_get_f32(scales, b)))
                  : lut16();
}

/* Groups [0, groups) of 16 elements of the block at src. */
static ALWAYS_INLINE void
dequantize_groups16(float *dst, const uint8_t *src, __m512 table, size_t groups)
{
    for (size_t g = 0; g < groups; g++)
        _mm512_storeu_ps(dst + 16 * g, _mm512_permutexvar_ps(code_index16(src + 4 * g), table));
}

static void
dequantize_words16(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    size_t full = n / QK256_BLOCK_ELEMS, rest = n % QK256_BLOCK_ELEMS;

    for (size_t b = 0; b < full; b++) {
        /* A constant count, so that the unrolled loop has no remainder. */
        UNROLL4
        for (size_t g = 0; g < QK256_BLOCK_ELEMS / 16; g++)
            _mm512_storeu_ps(dst + b * QK256_BLOCK_ELEMS + 16 * g,
                             _mm512_permutexvar_ps(code_index16(src + b * QK256_BLOCK_BYTES + 4 * g),
                                                   block_table16(scales, b)));
    }
    if (rest) {
        __m512 table = block_table16(scales, full);
        float *d = dst + full * QK256_BLOCK_ELEMS;
        const uint8_t *s = src + full * QK256_BLOCK_BYTES;
        size_t groups = rest / 16;

        dequantize_groups16(d, s, table, groups);
        if (rest % 16)
            _mm512_mask_storeu_ps(d + 16 * groups, mask16(rest % 16),
                                  _mm512_permutexvar_ps(code_index16(s + 4 * groups), table));
    }
}

/* dst a floats past a cache line, a = 0, 4, 8 or 12 (dst on a line or 16,
 * 32 or 48 bytes past one: malloc's 16, GGUF's 32), n > 16: the first
 * 16 - a elements fill or end dst's first line, and line k (on a line)
 * holds the 16 elements from 16 - a + 16 k on, whose codes are the 32 bits
 * at byte (16 - a) / 4 + 4 k of src: a word read at that byte.  The line
 * that a block's last a elements start takes the next block's table in
 * its other lanes. */
static void
dequantize_lines16(float *dst, const uint8_t *src, const float *scales, size_t n, size_t a)
{
    size_t h = 16 - a, whole = (n - h) / 16, left = (n - h) % 16;
    const uint8_t *s = src + h / 4;
    float *line = dst + h;
    __mmask16 next = (__mmask16)(0xffffu << a);
    size_t k = 0, b = 0;

    _mm512_mask_storeu_ps(dst, mask16(h), _mm512_permutexvar_ps(code_index16(src), block_table16(scales, 0)));
    for (; k < whole; b++) {
        __m512 table = block_table16(scales, b);
        /* Line last starts in block b and ends in block b + 1. */
        size_t last = (QK256_BLOCK_ELEMS * (b + 1) - h) / 16, end = qk256_min(whole, last);

        UNROLL4
        for (; k < end; k++)
            _mm512_store_ps(line + 16 * k, _mm512_permutexvar_ps(code_index16(s + 4 * k), table));
        if (k < whole) {
            __m512i idx = code_index16(s + 4 * k);

            _mm512_store_ps(line + 16 * k,
                            _mm512_mask_blend_ps(next, _mm512_permutexvar_ps(idx, table),
                                                 _mm512_permutexvar_ps(idx, block_table16(scales, b + 1))));
            k++;
        }
    }
    if (left) {
        /* Its codes may run past the last block: only the bytes in it are
         * read.  Lanes past n are masked off; only they can be in a block
         * past the last. */
        size_t at = h / 4 + 4 * k, eb = (h + 16 * k) / QK256_BLOCK_ELEMS;
        size_t inside = qk256_min(4, QK256_BLOCK_BYTES * qk256_blocks(n) - at);
        __m128i bytes = _mm_maskz_loadu_epi8((__mmask16)((1u << inside) - 1), src + at);
        __m512i idx = _mm512_srlv_epi32(_mm512_broadcastd_epi32(bytes),
                                        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14,
                                                          16, 18, 20, 22, 24, 26, 28, 30));
        __m512 v = _mm512_permutexvar_ps(idx, block_table16(scales, eb));

        if (QK256_BLOCK_ELEMS * (eb + 1) < n)
            v = _mm512_mask_blend_ps(next, v, _mm512_permutexvar_ps(idx, block_table16(scales, eb + 1)));
        _mm512_mask_storeu_ps(line + 16 * k, mask16(left), v);
    }
}

/* As dequantize_lines16, for the other a (0 < a < 16, dst 4 to 60 bytes
 * past a line), where the codes of a line start inside a byte.  Each word
 * is decoded with its lanes rotated by 16 - a (by the shifts, which costs
 * nothing), and line k is the first a lanes of rotated word k followed by
 * the last 16 - a of word k + 1: one vpblendmps more. */
static void
dequantize_rotated16(float *dst, const uint8_t *src, const float *scales, size_t n, size_t a)
{
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t h = 16 - a, whole = (n - h) / 16, left = (n - h) % 16;
    /* Lane j of a rotated word: code (j + h) % 16. */
    __m512i rot = _mm512_slli_epi32(_mm512_and_si512(_mm512_add_epi32(lanes, _mm512_set1_epi32((int)h)),
                                                     _mm512_set1_epi32(15)), 1);
    __mmask16 next = (__mmask16)(0xffffu << a);
    float *line = dst + h;
    __m512 table = block_table16(scales, 0), prev;
    int32_t word;

    memcpy(&word, src, sizeof word);
    prev = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_set1_epi32(word), rot), table);
    _mm512_mask_storeu_ps(dst, mask16(h), _mm512_permutexvar_ps(code_index16(src), table));
    /* Line w - 1 is words w - 1 and w; block by block, so that the table
     * is made once a block. */
    for (size_t b = 0; 16 * b <= whole; b++) {
        size_t w1 = qk256_min(16 * b + 16, whole + 1);

        table = block_table16(scales, b);
        UNROLL4
        for (size_t w = b ? 16 * b : 1; w < w1; w++) {
            __m512 v;

            memcpy(&word, src + 4 * w, sizeof word);
            v = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_set1_epi32(word), rot), table);
            _mm512_store_ps(line + 16 * (w - 1), _mm512_mask_blend_ps(next, prev, v));
            prev = v;
        }
    }
    if (left) {
        /* Lanes that would come from a word past the last are past n. */
        size_t w = whole + 1;
        __m512 v = prev;

        if (16 * w < n) {
            memcpy(&word, src + 4 * w, sizeof word);
            v = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_set1_epi32(word), rot),
                                      block_table16(scales, w / 16));
        }
        _mm512_mask_storeu_ps(line + 16 * whole, mask16(left), _mm512_mask_blend_ps(next, prev, v));
    }
}

void
qk256_dequantize_avx512(float *dst, const uint8_t *src, const float *scales,
                        size_t n)
{
    uintptr_t addr = (uintptr_t)dst;
    size_t a = (size_t)(addr / sizeof(float) % 16);

    /* A dst that is not on 4 bytes (which no C float array is, though
     * the API takes any pointer) keeps the stores by word. */
    if (addr % sizeof(float) != 0 || n <= 2 * QK256_BLOCK_ELEMS)
        dequantize_words16(dst, src, scales, n);
    else if (a % 4 == 0)
        dequantize_lines16(dst, src, scales, n, a);
    else
        dequantize_rotated16(dst, src, scales, n, a);
}

/* ---- gemv ----------------------------------------------------------------
 * Twin: qk256_gemv_scalar, within the SPEC section 4 bound: the method of
 * avx2.c with 16 lanes.  Each row has two f32 accumulators per block (even
 * and odd words), so a lane sums 8 products; the block's sums are widened
 * to double, and a row whose double sum is not finite is recomputed by the
 * scalar kernel.  x of a partial last block is read with a masked load,
 * which gives zeros past cols. */

struct gemv_x16 {
    const float *x;
    size_t cols, nblocks;
};

/* x[256 b + i, +16), zero past cols. */
static ALWAYS_INLINE __m512
x16(const struct gemv_x16 *xs, size_t b, size_t i)
{
    size_t c = b * QK256_BLOCK_ELEMS + i;

    if (c >= xs->cols)
        return _mm512_setzero_ps();
    if (xs->cols - c >= 16)
        return _mm512_loadu_ps(xs->x + c);
    return _mm512_maskz_loadu_ps(mask16(xs->cols - c), xs->x + c);
}

static ALWAYS_INLINE __m512
fma_word16(__m512 acc, const uint8_t *p, __m512 x)
{
    return _mm512_fmadd_ps(_mm512_permutexvar_ps(code_index16(p), lut16()), x, acc);
}

static ALWAYS_INLINE __m512d
add_block16(__m512d sum, __m512 a, __m512 b)
{
    __m512 s = _mm512_add_ps(a, b);

    sum = _mm512_add_pd(sum, _mm512_cvtps_pd(_mm512_castps512_ps256(s)));
    return _mm512_add_pd(sum, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1))));
}

static ALWAYS_INLINE void
finish_row16(float *y, __m512d sum, const uint8_t *row, const struct gemv_x16 *xs)
{
    double s = _mm512_reduce_add_pd(sum);

    if (isfinite(s))
        qk256_put_f32(y, 0, (float)s);
    else
        qk256_gemv_scalar(y, row, 0, xs->x, 1, xs->cols);
}

/* Blocks whose x needs no mask: all of them but a partial last one. */
static ALWAYS_INLINE size_t
whole_blocks(const struct gemv_x16 *xs)
{
    return xs->cols / QK256_BLOCK_ELEMS;
}

static ALWAYS_INLINE void
rows4_block(__m512d s[4], const uint8_t *const wr[4], const struct gemv_x16 *xs,
            size_t b, int masked)
{
    size_t off = b * QK256_BLOCK_BYTES;
    __m512 e[4], o[4];

    UNROLL4

    for (int k = 0; k < 4; k++)
        e[k] = o[k] = _mm512_setzero_ps();
    for (size_t i = 0; i < QK256_BLOCK_ELEMS; i += 32) {
        __m512 x0 = masked ? x16(xs, b, i) : _mm512_loadu_ps(xs->x + b * QK256_BLOCK_ELEMS + i);
        __m512 x1 = masked ? x16(xs, b, i + 16)
                           : _mm512_loadu_ps(xs->x + b * QK256_BLOCK_ELEMS + i + 16);

        UNROLL4

        for (int k = 0; k < 4; k++) {
            e[k] = fma_word16(e[k], wr[k] + off + i / 4, x0);
            o[k] = fma_word16(o[k], wr[k] + off + i / 4 + 4, x1);
        }
    }
    UNROLL4
    for (int k = 0; k < 4; k++)
        s[k] = add_block16(s[k], e[k], o[k]);
}

static void
gemv_rows4_avx512(float *y, const uint8_t *w, size_t row_stride,
                  const struct gemv_x16 *xs)
{
    const uint8_t *const wr[4] = { w, w + row_stride, w + 2 * row_stride,
                                   w + 3 * row_stride };
    __m512d s[4];
    size_t b = 0;

    UNROLL4

    for (int k = 0; k < 4; k++)
        s[k] = _mm512_setzero_pd();
    for (; b < whole_blocks(xs); b++)
        rows4_block(s, wr, xs, b, 0);
    if (b < xs->nblocks)
        rows4_block(s, wr, xs, b, 1);
    UNROLL4
    for (int k = 0; k < 4; k++)
        finish_row16(y + k, s[k], wr[k], xs);
}

static void
gemv_row1_avx512(float *y, const uint8_t *w, const struct gemv_x16 *xs)
{
    __m512d s = _mm512_setzero_pd();

    for (size_t b = 0; b < xs->nblocks; b++) {
        const uint8_t *blk = w + b * QK256_BLOCK_BYTES;
        __m512 e = _mm512_setzero_ps(), o = e;

        for (size_t i = 0; i < QK256_BLOCK_ELEMS; i += 32) {
            e = fma_word16(e, blk + i / 4, x16(xs, b, i));
            o = fma_word16(o, blk + i / 4 + 4, x16(xs, b, i + 16));
        }
        s = add_block16(s, e, o);
    }
    finish_row16(y, s, w, xs);
}

void
qk256_gemv_avx512(float *y, const uint8_t *w, size_t row_stride,
                  const float *x, size_t rows, size_t cols)
{
    struct gemv_x16 xs = { x, cols, qk256_blocks(cols) };
    size_t r = 0;

    for (; rows - r >= 4; r += 4)
        gemv_rows4_avx512(y + r, w + r * row_stride, row_stride, &xs);
    for (; r < rows; r++)
        gemv_row1_avx512(y + r, w + r * row_stride, &xs);
}

/* ---- quantize_i8 ---------------------------------------------------------
 * Twin: qk256_quantize_i8_scalar, bit-exact, by the method of avx2.c:
 * max |x| as the largest bits of |x|, which also finds an infinity or a
 * NaN; then x * inv, zeroed where x is 0, clamped, converted with an
 * explicit nearest-even rounding that ignores MXCSR.  64 elements per
 * step; the last step masks its loads (zeros) and its store. */

static ALWAYS_INLINE __mmask64
mask64(size_t k)
{
    return k >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << k) - 1;
}

static ALWAYS_INLINE __m512i
quantize_i8_16(const float *x, size_t left, __m512 inv)
{
    __m512 v = _mm512_maskz_loadu_ps(mask16(qk256_min(left, 16)), x);
    __m512 p = _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ),
                                   v, inv);

    p = _mm512_min_ps(_mm512_max_ps(p, _mm512_set1_ps(-127.0f)), _mm512_set1_ps(127.0f));
    return _mm512_cvt_roundps_epi32(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* The bits of |x[0, k)|, k <= 16, and 0 for the lanes past k (which are
 * not read). */
static ALWAYS_INLINE __m512i
abs_bits16(const float *x, size_t k)
{
    return _mm512_and_si512(_mm512_maskz_loadu_epi32(mask16(k), x), _mm512_set1_epi32(0x7fffffff));
}

int
qk256_quantize_i8_avx512(int8_t *xq, float *scale, const float *x, size_t n)
{
    __m512i m0 = _mm512_setzero_si512(), m1 = m0, m2 = m0, m3 = m0;
    size_t i = 0;

    /* Signed compares: the bits of |x| are below 2^31. */
    for (; n - i >= 64; i += 64) {
        m0 = _mm512_max_epi32(m0, abs_bits16(x + i, 16));
        m1 = _mm512_max_epi32(m1, abs_bits16(x + i + 16, 16));
        m2 = _mm512_max_epi32(m2, abs_bits16(x + i + 32, 16));
        m3 = _mm512_max_epi32(m3, abs_bits16(x + i + 48, 16));
    }
    for (; i < n; i += 16)
        m0 = _mm512_max_epi32(m0, abs_bits16(x + i, qk256_min(n - i, 16)));

    uint32_t mb = (uint32_t)_mm512_reduce_max_epi32(
        _mm512_max_epi32(_mm512_max_epi32(m0, m1), _mm512_max_epi32(m2, m3)));
    float m;

    if (mb >= QK256_NONFINITE_BITS)
        return 0;
    if (mb == 0) {
        memset(xq, 0, n);
        qk256_put_f32(scale, 0, 0.0f);
        return 1;
    }
    memcpy(&m, &mb, sizeof m);

    /* vpackssdw and vpacksswb work within 128-bit lanes: dword 4j + t of
     * their result holds elements 4j..4j+3 of input t, and vpermd puts
     * dword 4t + j there. */
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13,
                                            2, 6, 10, 14, 3, 7, 11, 15);
    __m512 inv = _mm512_set1_ps(127.0f / m);

    for (i = 0; i < n; i += 64) {
        size_t left = n - i;
        __m512i a = quantize_i8_16(x + i, left, inv);
        __m512i b = quantize_i8_16(x + i + 16, left > 16 ? left - 16 : 0, inv);
        __m512i c = quantize_i8_16(x + i + 32, left > 32 ? left - 32 : 0, inv);
        __m512i d = quantize_i8_16(x + i + 48, left > 48 ? left - 48 : 0, inv);
        __m512i q = _mm512_packs_epi16(_mm512_packs_epi32(a, b), _mm512_packs_epi32(c, d));

        _mm512_mask_storeu_epi8(xq + i, mask64(left), _mm512_permutexvar_epi32(order, q));
    }
    qk256_put_f32(scale, 0, m / 127.0f);
    return 1;
}

/* ---- gemv_i8 -------------------------------------------------------------
 * Twin: qk256_gemv_i8_scalar, bit-exact, by the method of avx2.c (and
 * gemv_i8.h): a whole 64-byte line per vector (a block, or a cache line
 * where the driver shifts them), four vpshufb map the codes of the four
 * planes to w + 2, and vpdpbusd multiplies them by the activations and
 * adds each group of four products straight into int32.
 */

/* The four products of the 64 packed bytes v with the planes x0..x3,
 * added to the row's accumulators a0..a3 (variables, so that GCC keeps
 * all sixteen of four rows in registers, which it does not for an
 * array). */
#define I8_BLOCK16(v, a0, a1, a2, a3)                                         \
    do {                                                                      \
        __m512i v_ = (v);                                                     \
        __m512i lo_ = _mm512_and_si512(v_, nib);                              \
        __m512i hi_ = _mm512_and_si512(_mm512_srli_epi16(v_, 4), nib);        \
        a0 = _mm512_dpbusd_epi32(a0, _mm512_shuffle_epi8(lut_lo, lo_), x0);   \
        a1 = _mm512_dpbusd_epi32(a1, _mm512_shuffle_epi8(lut_hi, lo_), x1);   \
        a2 = _mm512_dpbusd_epi32(a2, _mm512_shuffle_epi8(lut_lo, hi_), x2);   \
        a3 = _mm512_dpbusd_epi32(a3, _mm512_shuffle_epi8(lut_hi, hi_), x3);   \
    } while (0)

/* The constants and the planes of line b that I8_BLOCK16 uses. */
#define I8_CONSTS16                                                           \
    const __m512i nib = _mm512_set1_epi8(0x0f);                               \
    const __m512i lut_lo = _mm512_set1_epi32(0x04030100);                     \
    const __m512i lut_hi = _mm512_set4_epi32(0x04040404, 0x03030303,          \
                                             0x01010101, 0x00000000)
#define I8_PLANES16(planes, b)                                                \
    const int8_t *xp_ = (planes) + (b) * QK256_BLOCK_ELEMS;                   \
    __m512i x0 = _mm512_load_si512(xp_), x1 = _mm512_load_si512(xp_ + 64);    \
    __m512i x2 = _mm512_load_si512(xp_ + 128), x3 = _mm512_load_si512(xp_ + 192)

/* The edge line at p (gemv_i8.h): the row's first 64 - head bytes from
 * [head, 64) of the line at p, its last head bytes from [0, head) of the
 * line tail_off bytes on; nothing else is read. */
static ALWAYS_INLINE __m512i
i8_edge_line16(const uint8_t *p, struct qk256_i8_edges e)
{
    __mmask64 m = ~(__mmask64)0 << e.head;

    return _mm512_mask_loadu_epi8(_mm512_maskz_loadu_epi8(m, p), ~m, p + e.tail_off);
}

static ALWAYS_INLINE uint32_t
i8_hsum16(__m512i a0, __m512i a1, __m512i a2, __m512i a3)
{
    __m512i s = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));

    return (uint32_t)_mm512_reduce_add_epi32(s);
}

/* Line b of the four rows, each loaded by LOAD(p). */
#define I8_ROWS4_LINE(b, LOAD)                                                \
    do {                                                                      \
        I8_PLANES16(planes, b);                                               \
        size_t off_ = (b) * QK256_BLOCK_BYTES;                                \
                                                                              \
        _mm_prefetch((const char *)(w0 + off_ + ahead), _MM_HINT_T0);         \
        _mm_prefetch((const char *)(w1 + off_ + ahead), _MM_HINT_T0);         \
        _mm_prefetch((const char *)(w2 + off_ + ahead), _MM_HINT_T0);         \
        _mm_prefetch((const char *)(w3 + off_ + ahead), _MM_HINT_T0);         \
        I8_BLOCK16(LOAD(w0 + off_), a00, a01, a02, a03);                      \
        I8_BLOCK16(LOAD(w1 + off_), a10, a11, a12, a13);                      \
        I8_BLOCK16(LOAD(w2 + off_), a20, a21, a22, a23);                      \
        I8_BLOCK16(LOAD(w3 + off_), a30, a31, a32, a33);                      \
    } while (0)
#define I8_LOADU(p) _mm512_loadu_si512(p)
#define I8_LOADE(p) i8_edge_line16(p, e)

/* Four rows side by side share each load of the planes; each of their
 * sixteen accumulators takes one vpdpbusd per line.  For the prefetch see
 * gemv_i8.h. */
static void
i8_rows4_avx512(uint32_t acc[4], const uint8_t *w, size_t gap,
                const int8_t *planes, size_t nlines, struct qk256_i8_edges e)
{
    I8_CONSTS16;
    const uint8_t *w0 = w, *w1 = w0 + gap, *w2 = w1 + gap, *w3 = w2 + gap;
    const size_t ahead = QK256_I8_PREFETCH_BYTES;
    __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00;
    __m512i a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    __m512i a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    __m512i a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    /* The edge line last: its second half is the row's last line, so
     * that the rows are read in order. */
    for (size_t b = e.head ? 1 : 0; b < nlines; b++)
        I8_ROWS4_LINE(b, I8_LOADU);
    if (e.head)
        I8_ROWS4_LINE(0, I8_LOADE);
    acc[0] = i8_hsum16(a00, a01, a02, a03);
    acc[1] = i8_hsum16(a10, a11, a12, a13);
    acc[2] = i8_hsum16(a20, a21, a22, a23);
    acc[3] = i8_hsum16(a30, a31, a32, a33);
}

static uint32_t
i8_row1_avx512(const uint8_t *w, const int8_t *planes, size_t nlines,
               struct qk256_i8_edges e)
{
    I8_CONSTS16;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;

    for (size_t b = 0; b < nlines; b++) {
        I8_PLANES16(planes, b);

        I8_BLOCK16(b == 0 && e.head ? i8_edge_line16(w, e)
                                    : _mm512_loadu_si512(w + b * QK256_BLOCK_BYTES),
                   a0, a1, a2, a3);
    }
    return i8_hsum16(a0, a1, a2, a3);
}

void
qk256_gemv_i8_avx512(float *y, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, float scale, size_t rows, size_t cols)
{
    qk256_gemv_i8_driver(y, w, row_stride, xq, scale, rows, cols,
                         qk256_i8_planes_avx2, i8_rows4_avx512, 4,
                         i8_row1_avx512, 1);
}

/* ---- gemm_i8 -------------------------------------------------------------
 * Twin: qk256_gemm_i8_scalar, bit-exact: exact int32 sums, by the method
 * of the GEMV (gemv_i8.h).  Per line (a block, or a cache line where the
 * driver shifts them, as for the GEMV), each of the two rows is decoded
 * once, four vpshufb, and each decoded plane meets the same plane of every
 * vector of the tile: 8 vpdpbusd per vector and line, 16 accumulators for
 * a tile of 8.  The edge line is the GEMV's (i8_edge_line16), taken last.
 *
 * Why lines: read in blocks, the tile kernels' two 64-byte weight loads
 * per block span two cache lines at malloc's 16 bytes past one (or GGUF's
 * 32), in a loop that its loads help bound (below).  Time at --align 16,
 * 32 and 48 over that at 0, qk256-bench --variants avx512 gemm_i8
 * 2560x2560x8, medians of 20 runs alternated with the blocks' build:
 * blocks 1.045, 1.031, 1.056; lines 1.014, 0.988, 1.025.  2560 x 6912 x
 * 8, calls of the two builds alternated in one process on the same
 * buffers: blocks 1.04-1.07, lines 0.96-0.99. */

/* Lines v0 and v1 of the two rows against the planes at xb, those of
 * their line. */
static ALWAYS_INLINE void
i8_tile16_line(__m512i a0[QK256_GEMM_TILE], __m512i a1[QK256_GEMM_TILE], __m512i v0,
               __m512i v1, const int8_t *xb, size_t nt)
{
    const __m512i nib = _mm512_set1_epi8(0x0f);
    const __m512i lut_lo = _mm512_set1_epi32(0x04030100);
    const __m512i lut_hi = _mm512_set4_epi32(0x04040404, 0x03030303, 0x01010101, 0x00000000);
    __m512i lo0 = _mm512_and_si512(v0, nib);
    __m512i hi0 = _mm512_and_si512(_mm512_srli_epi16(v0, 4), nib);
    __m512i lo1 = _mm512_and_si512(v1, nib);
    __m512i hi1 = _mm512_and_si512(_mm512_srli_epi16(v1, 4), nib);

    for (int s = 0; s < 4; s++) {
        __m512i lut = s & 1 ? lut_hi : lut_lo;
        __m512i d0 = _mm512_shuffle_epi8(lut, s < 2 ? lo0 : hi0);
        __m512i d1 = _mm512_shuffle_epi8(lut, s < 2 ? lo1 : hi1);
        const int8_t *xp = xb + 64 * s;

        UNROLL8
        for (size_t t = 0; t < nt; t++) {
            __m512i x = _mm512_load_si512(xp + t * QK256_GEMM_I8_CHUNK_ELEMS);

            __asm__("" : "+v"(x)); /* one load for both rows (gemm) */
            a0[t] = _mm512_dpbusd_epi32(a0[t], d0, x);
            a1[t] = _mm512_dpbusd_epi32(a1[t], d1, x);
        }
    }
}

/* The edge line last, as in the GEMV's kernels, so that the rows are
 * read in order. */
static ALWAYS_INLINE void
i8_tile16(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0, const uint8_t *w1,
          const int8_t *planes, size_t nlines, size_t nt, struct qk256_i8_edges e)
{
    __m512i a0[QK256_GEMM_TILE], a1[QK256_GEMM_TILE];

    UNROLL8
    for (size_t t = 0; t < nt; t++)
        a0[t] = a1[t] = _mm512_setzero_si512();
    for (size_t b = e.head ? 1 : 0; b < nlines; b++)
        i8_tile16_line(a0, a1, _mm512_loadu_si512(w0 + b * QK256_BLOCK_BYTES),
                       _mm512_loadu_si512(w1 + b * QK256_BLOCK_BYTES),
                       planes + b * QK256_BLOCK_ELEMS, nt);
    if (e.head)
        i8_tile16_line(a0, a1, i8_edge_line16(w0, e), i8_edge_line16(w1, e), planes, nt);
    UNROLL8
    for (size_t t = 0; t < nt; t++) {
        acc[0][t] = (uint32_t)_mm512_reduce_add_epi32(a0[t]);
        acc[1][t] = (uint32_t)_mm512_reduce_add_epi32(a1[t]);
    }
}

/* A whole tile (8 vectors), the one that counts, with its sixteen
 * accumulators as variables: GCC keeps them in registers with fewer
 * copies than the arrays of i8_tile16 (the loop alone, in cache, 16
 * blocks: 65% of the vpdpbusd peak against 59%), the high nibbles taken
 * only after the low ones' two planes, so that fewer registers are live,
 * and the sums reduced together (hsum16x16).  With gemm.h's row bands,
 * qk256-bench --variants avx512, 5 rounds interleaved with cdd13cc, median
 * us per call: gemm_i8 2560x2560x8 252 -> 239, 2560x6912x64 5910 -> 5395.
 * What bounds it: per block and tile, 64 vpdpbusd, 8 vpshufb and 6 masks
 * and shifts share the two vector ports, and 34 64-byte loads the load
 * ports (about 1.2 a cycle here; 36 if the two of weights each spanned two
 * cache lines: hence the lines above), so the loop alone stays under 76%
 * of the peak.  I8_TILE8_PLANE: plane s of the 8 vectors (the line's
 * planes at xb_) against the rows' nibbles n0 and n1 decoded by lut. */
#define I8_TILE8_VEC(t, p, q)                                                 \
    do {                                                                      \
        __m512i x_ = _mm512_load_si512(xp_ + (t) * QK256_GEMM_I8_CHUNK_ELEMS); \
                                                                              \
        __asm__("" : "+v"(x_));                                               \
        p = _mm512_dpbusd_epi32(p, d0_, x_);                                  \
        q = _mm512_dpbusd_epi32(q, d1_, x_);                                  \
    } while (0)
#define I8_TILE8_PLANE(s, lut, n0, n1)                                        \
    do {                                                                      \
        const int8_t *xp_ = xb_ + 64 * (s);                                   \
        __m512i d0_ = _mm512_shuffle_epi8(lut, n0);                           \
        __m512i d1_ = _mm512_shuffle_epi8(lut, n1);                           \
                                                                              \
        I8_TILE8_VEC(0, p0, q0);                                              \
        I8_TILE8_VEC(1, p1, q1);                                              \
        I8_TILE8_VEC(2, p2, q2);                                              \
        I8_TILE8_VEC(3, p3, q3);                                              \
        I8_TILE8_VEC(4, p4, q4);                                              \
        I8_TILE8_VEC(5, p5, q5);                                              \
        I8_TILE8_VEC(6, p6, q6);                                              \
        I8_TILE8_VEC(7, p7, q7);                                              \
    } while (0)

/* Sixteen sums at once, where _mm512_reduce_add_epi32 of each would take
 * nine instructions: 45 for all.  sum4x4: dword j of each 128-bit lane of
 * the result is part of the sum of a, b, c or d (j = 0..3).  hsum16x16:
 * lanes 4 k + j of the result are the whole sums of input j of the k-th
 * argument's four. */
static ALWAYS_INLINE __m512i
sum4x4(__m512i a, __m512i b, __m512i c, __m512i d)
{
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));

    return _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
}

static ALWAYS_INLINE __m512i
hsum16x16(__m512i a, __m512i b, __m512i c, __m512i d)
{
    /* Lanes 0 and 1 against 2 and 3, then 0 against 1. */
    __m512i ab = _mm512_add_epi32(_mm512_shuffle_i32x4(a, b, 0x44), _mm512_shuffle_i32x4(a, b, 0xee));
    __m512i cd = _mm512_add_epi32(_mm512_shuffle_i32x4(c, d, 0x44), _mm512_shuffle_i32x4(c, d, 0xee));

    return _mm512_add_epi32(_mm512_shuffle_i32x4(ab, cd, 0x88), _mm512_shuffle_i32x4(ab, cd, 0xdd));
}

/* Lines v0 and v1 of the two rows against the planes at xb, those of
 * their line. */
#define I8_TILE8_LINE(v0, v1, xb)                                             \
    do {                                                                      \
        __m512i v0_ = (v0), v1_ = (v1);                                       \
        const int8_t *xb_ = (xb);                                             \
        __m512i n0_ = _mm512_and_si512(v0_, nib);                             \
        __m512i n1_ = _mm512_and_si512(v1_, nib);                             \
                                                                              \
        I8_TILE8_PLANE(0, lut_lo, n0_, n1_);                                  \
        I8_TILE8_PLANE(1, lut_hi, n0_, n1_);                                  \
        n0_ = _mm512_and_si512(_mm512_srli_epi16(v0_, 4), nib);               \
        n1_ = _mm512_and_si512(_mm512_srli_epi16(v1_, 4), nib);               \
        I8_TILE8_PLANE(2, lut_lo, n0_, n1_);                                  \
        I8_TILE8_PLANE(3, lut_hi, n0_, n1_);                                  \
    } while (0)

/* The edge line last, as in i8_tile16. */
static void
i8_tile8x16(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0, const uint8_t *w1,
            const int8_t *planes, size_t nlines, struct qk256_i8_edges e)
{
    const __m512i nib = _mm512_set1_epi8(0x0f);
    const __m512i lut_lo = _mm512_set1_epi32(0x04030100);
    const __m512i lut_hi = _mm512_set4_epi32(0x04040404, 0x03030303, 0x01010101, 0x00000000);
    __m512i p0 = _mm512_setzero_si512(), p1 = p0, p2 = p0, p3 = p0;
    __m512i p4 = p0, p5 = p0, p6 = p0, p7 = p0;
    __m512i q0 = p0, q1 = p0, q2 = p0, q3 = p0, q4 = p0, q5 = p0, q6 = p0, q7 = p0;

    for (size_t b = e.head ? 1 : 0; b < nlines; b++)
        I8_TILE8_LINE(_mm512_loadu_si512(w0 + b * QK256_BLOCK_BYTES),
                      _mm512_loadu_si512(w1 + b * QK256_BLOCK_BYTES),
                      planes + b * QK256_BLOCK_ELEMS);
    if (e.head)
        I8_TILE8_LINE(i8_edge_line16(w0, e), i8_edge_line16(w1, e), planes);
    /* acc is 16 uint32 in a row: p0..p7, then q0..q7. */
    _mm512_storeu_si512(acc, hsum16x16(sum4x4(p0, p1, p2, p3), sum4x4(p4, p5, p6, p7),
                                       sum4x4(q0, q1, q2, q3), sum4x4(q4, q5, q6, q7)));
}

/* One copy of the tile kernel for each width. */
static void
i8_tile_avx512(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0,
               const uint8_t *w1, const int8_t *planes, size_t nlines, size_t nt,
               struct qk256_i8_edges e)
{
#define I8_TILE16(k) i8_tile16(acc, w0, w1, planes, nlines, k, e)
    if (nt == QK256_GEMM_TILE)
        i8_tile8x16(acc, w0, w1, planes, nlines, e);
    else
        QK256_GEMM_BY_WIDTH(nt, I8_TILE16)
#undef I8_TILE16
}

/* ---- gemm_i8 of many vectors: repacked rows --------------------------------
 * Twin: qk256_gemm_i8_scalar, bit-exact, with the same int32 sums.  The
 * tile kernel above decodes each block of two rows again for every tile
 * of 8 vectors, and its decoding (14 instructions per 64 vpdpbusd) shares
 * the vector ports with the products.  With many vectors it pays to
 * decode a band of RP_ROWS rows once, into a buffer, in the layout that
 * lets every vector use it with nothing but loads and vpdpbusd: a register
 * of it holds 16 columns (w + 2, in column order) of each of 4 rows, one
 * row per 128-bit lane, and meets the 16 int8 activations of those columns
 * broadcast to the four lanes, straight from xq.  Dword j of lane l then
 * sums 4 products of row l; the four dwords of a lane add up to the row's
 * sum over the 16 columns.  Columns past cols meet zeros (a padded copy of
 * the last 16 activations), so the pad codes add nothing.
 *
 * A band is 16 rows (4 registers per 16 columns) and a chunk of up to
 * RP_COLS columns: 32 KB, which stays in L1 while every group of RP_VECS
 * vectors takes it, 16 accumulators.  The bias 2 sum(x) of each vector is
 * taken off its sums at the end. */
#define RP_ROWS 16
#define RP_VECS 4
#define RP_COLS (8 * QK256_BLOCK_ELEMS)
/* From this many vectors on the repacked rows are faster: 2560 x 2560,
 * GMAC/s, tiles against repacked rows: n = 16 211-215 against 179-192,
 * n = 32 217-222 against 222-240, n = 64 216-222 against 248-268. */
#define RP_MIN_N 32

typedef __m512i rp_band[RP_COLS / 16][RP_ROWS / 4];

/* The 64 w + 2 of the block at p in column order: f[q], lane l holds
 * columns 64 l + 16 q + [0, 16). */
static ALWAYS_INLINE void
rp_decode(__m512i f[4], const uint8_t *p)
{
    const __m512i nib = _mm512_set1_epi8(0x0f);
    const __m512i lut_lo = _mm512_set1_epi32(0x04030100);
    const __m512i lut_hi = _mm512_set4_epi32(0x04040404, 0x03030303, 0x01010101, 0x00000000);
    __m512i v = _mm512_loadu_si512(p);
    __m512i lo = _mm512_and_si512(v, nib), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
    /* Byte m of plane s: column 4 m + s; interleaving the planes byte by
     * byte, then 16 bits by 16 bits, puts each byte's four in a row. */
    __m512i p0 = _mm512_shuffle_epi8(lut_lo, lo), p1 = _mm512_shuffle_epi8(lut_hi, lo);
    __m512i p2 = _mm512_shuffle_epi8(lut_lo, hi), p3 = _mm512_shuffle_epi8(lut_hi, hi);
    __m512i e01 = _mm512_unpacklo_epi8(p0, p1), o01 = _mm512_unpackhi_epi8(p0, p1);
    __m512i e23 = _mm512_unpacklo_epi8(p2, p3), o23 = _mm512_unpackhi_epi8(p2, p3);

    f[0] = _mm512_unpacklo_epi16(e01, e23);
    f[1] = _mm512_unpackhi_epi16(e01, e23);
    f[2] = _mm512_unpacklo_epi16(o01, o23);
    f[3] = _mm512_unpackhi_epi16(o01, o23);
}

/* Rows [0, nr) at w, row_stride apart, nblocks blocks each, into band
 * (rows past nr: zeros).  Four rows' f[q] are a 4 x 4 transpose of 128-bit
 * lanes away from the band's registers of 16 columns 64 l + 16 q. */
static void
rp_repack(rp_band band, const uint8_t *w, size_t row_stride, size_t nr, size_t nblocks)
{
    for (size_t b = 0; b < nblocks; b++) {
        for (size_t g = 0; g < RP_ROWS / 4; g++) {
            __m512i f[4][4];

            for (size_t r = 0; r < 4; r++) {
                if (4 * g + r < nr)
                    rp_decode(f[r], w + (4 * g + r) * row_stride + b * QK256_BLOCK_BYTES);
                else
                    f[r][0] = f[r][1] = f[r][2] = f[r][3] = _mm512_setzero_si512();
            }
            for (size_t q = 0; q < 4; q++) {
                __m512i t0 = _mm512_shuffle_i32x4(f[0][q], f[1][q], 0x44);
                __m512i t1 = _mm512_shuffle_i32x4(f[0][q], f[1][q], 0xee);
                __m512i t2 = _mm512_shuffle_i32x4(f[2][q], f[3][q], 0x44);
                __m512i t3 = _mm512_shuffle_i32x4(f[2][q], f[3][q], 0xee);
                /* Lane l of f[r][q]: the block's 16 columns of group 4 l + q. */
                band[16 * b + q][g] = _mm512_shuffle_i32x4(t0, t2, 0x88);
                band[16 * b + 4 + q][g] = _mm512_shuffle_i32x4(t0, t2, 0xdd);
                band[16 * b + 8 + q][g] = _mm512_shuffle_i32x4(t1, t3, 0x88);
                band[16 * b + 12 + q][g] = _mm512_shuffle_i32x4(t1, t3, 0xdd);
            }
        }
    }
}

/* The 16 columns of activations at p, in every lane. */
static ALWAYS_INLINE __m512i
rp_x(const int8_t *p)
{
    return _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)p));
}

/* a = _mm512_dpbusd_epi32(a, u, s), in place: GCC 12 copies each
 * accumulator of the intrinsic to another register and back (or to the
 * stack) on every step, which took this kernel from 80% of the vpdpbusd
 * peak (in a test loop, also with clang) to 64%. */
#define RP_DPBUSD(a, u, s) __asm__("vpdpbusd %2, %1, %0" : "+v"(a) : "v"(u), "v"(s))

/* The band's 16 columns (w0..w3) against a vector's 16 at p. */
#define RP_STEP(p, a0, a1, a2, a3)                                           \
    do {                                                                      \
        __m512i x_ = rp_x(p);                                                 \
                                                                              \
        RP_DPBUSD(a0, w0, x_);                                                \
        RP_DPBUSD(a1, w1, x_);                                                \
        RP_DPBUSD(a2, w2, x_);                                                \
        RP_DPBUSD(a3, w3, x_);                                                \
    } while (0)
#define RP_LOAD_W(k)                                                          \
    __m512i w0 = _mm512_load_si512(&band[k][0]), w1 = _mm512_load_si512(&band[k][1]); \
    __m512i w2 = _mm512_load_si512(&band[k][2]), w3 = _mm512_load_si512(&band[k][3])

/* The sums of the band's 16 rows with the RP_VECS vectors at xs, over
 * nfull groups of 16 columns and, with tail, one more whose activations
 * are at tail[t]: sums[t], lane i for row i.  Accumulators as variables,
 * as in i8_tile8x16. */
static void
rp_kernel(__m512i sums[RP_VECS], const rp_band band, const int8_t *const xs[RP_VECS],
          size_t nfull, const int8_t (*tail)[16])
{
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13,
                                            2, 6, 10, 14, 3, 7, 11, 15);
    __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00;
    __m512i a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    __m512i a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    __m512i a30 = a00, a31 = a00, a32 = a00, a33 = a00;

    for (size_t k = 0; k < nfull; k++) {
        RP_LOAD_W(k);

        RP_STEP(xs[0] + 16 * k, a00, a01, a02, a03);
        RP_STEP(xs[1] + 16 * k, a10, a11, a12, a13);
        RP_STEP(xs[2] + 16 * k, a20, a21, a22, a23);
        RP_STEP(xs[3] + 16 * k, a30, a31, a32, a33);
    }
    if (tail) {
        RP_LOAD_W(nfull);

        RP_STEP(tail[0], a00, a01, a02, a03);
        RP_STEP(tail[1], a10, a11, a12, a13);
        RP_STEP(tail[2], a20, a21, a22, a23);
        RP_STEP(tail[3], a30, a31, a32, a33);
    }
    /* sum4x4 gives row 4 j + l at lane 4 l + j; order puts it at lane
     * 4 j + l. */
    sums[0] = _mm512_permutexvar_epi32(order, sum4x4(a00, a01, a02, a03));
    sums[1] = _mm512_permutexvar_epi32(order, sum4x4(a10, a11, a12, a13));
    sums[2] = _mm512_permutexvar_epi32(order, sum4x4(a20, a21, a22, a23));
    sums[3] = _mm512_permutexvar_epi32(order, sum4x4(a30, a31, a32, a33));
}

/* 2 sum(x) over xq[0, len): the bias of sums of (w + 2) x. */
static ALWAYS_INLINE uint32_t
rp_bias(const int8_t *xq, size_t len)
{
    __m512i s = _mm512_setzero_si512();

    for (size_t i = 0; i < len; i += 64)
        s = _mm512_dpbusd_epi32(s, _mm512_set1_epi8(1),
                                _mm512_maskz_loadu_epi8(mask64(len - i), xq + i));
    return 2u * (uint32_t)_mm512_reduce_add_epi32(s);
}

/* Vectors that a band takes before the next band: their sums wait in
 * registers' worth of memory (4 KB), and their activations stay in L2. */
#define RP_GROUP 64

/* The column chunks of a row: equal, whole blocks, at most RP_COLS. */
static ALWAYS_INLINE size_t
rp_chunk(size_t cols)
{
    size_t nchunks = (cols + RP_COLS - 1) / RP_COLS;

    return qk256_blocks((cols + nchunks - 1) / nchunks) * QK256_BLOCK_ELEMS;
}

/* For each group of vectors and band of rows, every column chunk: the
 * band's weights are read once per group, its sums stay in L1 until the
 * row is done, and y is written once. */
static void
gemm_i8_repacked(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                 const int8_t *xq, size_t ldx, const float *scales, size_t rows,
                 size_t cols, size_t n)
{
    rp_band band __attribute__((aligned(64)));
    __m512i sums[RP_GROUP];
    size_t chunk = rp_chunk(cols);

    for (size_t g0 = 0; g0 < n; g0 += RP_GROUP) {
        size_t ng = qk256_min(n - g0, RP_GROUP);
        uint32_t bias[RP_GROUP];

        for (size_t t = 0; t < ng; t++)
            bias[t] = rp_bias(xq + (g0 + t) * ldx, cols);
        for (size_t r0 = 0; r0 < rows; r0 += RP_ROWS) {
            size_t nr = qk256_min(rows - r0, RP_ROWS);

            for (size_t c0 = 0; c0 < cols; c0 += chunk) {
                size_t len = qk256_min(cols - c0, chunk), nfull = len / 16;

                rp_repack(band, w + r0 * row_stride + c0 / 4, row_stride, nr,
                          qk256_blocks(len));
                /* The next band's rows of this chunk, fetched while the
                 * vectors take this one: a matrix out of cache otherwise
                 * stalls every repack. */
                for (size_t r = r0 + RP_ROWS; r < qk256_min(rows, r0 + 2 * RP_ROWS); r++)
                    for (size_t i = 0; i < len / 4; i += 64)
                        _mm_prefetch((const char *)(w + r * row_stride + c0 / 4 + i), _MM_HINT_T0);
                for (size_t t0 = 0; t0 < ng; t0 += RP_VECS) {
                    /* Vectors past the group repeat its last one; their
                     * sums are not kept.  A last partial group of 16
                     * columns comes from a copy with zeros past cols. */
                    int8_t tail[RP_VECS][16];
                    const int8_t *xs[RP_VECS];
                    __m512i s[RP_VECS];
                    size_t nt = qk256_min(ng - t0, RP_VECS);

                    for (size_t t = 0; t < RP_VECS; t++) {
                        xs[t] = xq + (g0 + t0 + qk256_min(t, nt - 1)) * ldx + c0;
                        if (len % 16) {
                            memset(tail[t], 0, 16);
                            memcpy(tail[t], xs[t] + 16 * nfull, len % 16);
                        }
                    }
                    rp_kernel(s, band, xs, nfull, len % 16 ? (const int8_t (*)[16])tail : NULL);
                    for (size_t t = 0; t < nt; t++)
                        sums[t0 + t] = c0 ? _mm512_add_epi32(sums[t0 + t], s[t]) : s[t];
                }
            }
            for (size_t t = 0; t < ng; t++) {
                __m512i acc = _mm512_sub_epi32(sums[t], _mm512_set1_epi32((int)bias[t]));

                _mm512_mask_storeu_ps(y + (g0 + t) * ldy + r0, mask16(nr),
                                      _mm512_mul_ps(_mm512_set1_ps(qk256_get_f32(scales, g0 + t)),
                                                    _mm512_cvtepi32_ps(acc)));
            }
        }
    }
}

void
qk256_gemm_i8_avx512(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, size_t ldx, const float *scales,
                     size_t rows, size_t cols, size_t n)
{
    if (n >= RP_MIN_N) {
        gemm_i8_repacked(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n);
        return;
    }
    qk256_gemm_i8_driver(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n,
                         NULL, i8_tile_avx512, qk256_i8_planes_avx2);
}

/* ---- gemm ----------------------------------------------------------------
 * For rows wider than LUT_MAX_COLS (below); the tables are faster.
 * Twin: qk256_gemm_scalar, within the SPEC section 4 bound, by the method
 * of the GEMV above (and gemm.h): each word of two rows is decoded once
 * and multiplied into every vector of the tile, 16 accumulators for 8
 * vectors.  A row and vector have one f32 accumulator per chunk (at most
 * 64 products a lane), widened to double at its end.  2560 x 2560, n = 8,
 * us per vector: these two rows and 8 vectors 91, three rows 107-149,
 * four rows and 4 or 6 vectors about 400 (GCC keeps those accumulators in
 * memory); the GEMV 135-139. */

static ALWAYS_INLINE void
gemm_pair16(qk256_gemm_sums *s, const uint8_t *w, size_t row_stride, size_t k,
            const float *xb, size_t xstride, size_t nblocks, size_t nt)
{
    const uint8_t *w0 = w, *w1 = k > 1 ? w + row_stride : w;
    __m512 a0[QK256_GEMM_TILE], a1[QK256_GEMM_TILE];

    UNROLL8
    for (size_t t = 0; t < nt; t++)
        a0[t] = a1[t] = _mm512_setzero_ps();
    for (size_t c = 0; c < nblocks * QK256_BLOCK_ELEMS; c += 16) {
        __m512 d0 = _mm512_permutexvar_ps(code_index16(w0 + c / 4), lut16());
        __m512 d1 = _mm512_permutexvar_ps(code_index16(w1 + c / 4), lut16());

        UNROLL8
        for (size_t t = 0; t < nt; t++) {
            __m512 xv = _mm512_load_ps(xb + t * xstride + c);

            /* Kept in a register: GCC would load it again for each FMA,
             * and loads are what limits this loop (91 us above, 101 us
             * without). */
            __asm__("" : "+v"(xv));
            a0[t] = _mm512_fmadd_ps(d0, xv, a0[t]);
            a1[t] = _mm512_fmadd_ps(d1, xv, a1[t]);
        }
    }
    UNROLL8
    for (size_t t = 0; t < nt; t++)
        for (size_t i = 0; i < 2; i++) {
            __m512 v = i ? a1[t] : a0[t];
            __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
            __m512d sum = _mm512_load_pd(s[i][t]);

            sum = _mm512_add_pd(sum, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
            _mm512_store_pd(s[i][t], _mm512_add_pd(sum, _mm512_cvtps_pd(hi)));
        }
}

/* One copy of gemm_pair16 for each tile width. */
static void
gemm_pair_avx512(qk256_gemm_sums *s, const uint8_t *w, size_t row_stride, size_t k,
                 const float *xb, size_t xstride, size_t nblocks, size_t nt)
{
#define GEMM_PAIR16(m) gemm_pair16(s, w, row_stride, k, xb, xstride, nblocks, m)
    QK256_GEMM_BY_WIDTH(nt, GEMM_PAIR16)
#undef GEMM_PAIR16
}

/* ---- gemm by tables --------------------------------------------------------
 * Twin: qk256_gemm_scalar, within the SPEC section 4 bound.  No multiply is
 * needed: two columns have 16 code pairs, so for each vector the 16 sums
 * lut[a] * x[c] + lut[b] * x[c + 1] fit one register.  With lane i for row
 * i, vpermps picks each row's sum by its 4-bit code pair, and an add takes
 * it: two instructions for 32 products, where an FMA does 16.  Half of the
 * adds are FMAs by 1.0, the same sum to the bit, so that they share the
 * FMA pipes with the add pipes.  The tables of LUT_COLS columns for the
 * tile (32 KB for 8 vectors) stay in L1 while every row takes them; the
 * words of 32 rows are transposed so that a register holds one word of
 * each of 16 rows.
 *
 * Accuracy: each table entry is rounded once (lut[a] * x[c] is exact), a
 * row's LUT_COLS columns are summed in f32 from zero, and those sums are
 * added into y, so |error| <= (LUT_COLS / 2 + cols / LUT_COLS) * 2^-24 of
 * sum |w * x| (to first order), below the 1e-4 of SPEC section 4 up to
 * LUT_MAX_COLS (3.4e-5 there).  Wider rows take the FMA kernel above, which
 * sums in double.  A result that is not finite is the scalar GEMV's, as
 * there.
 *
 * 2560 x 2560, n = 8, us per vector (the GEMV 133-137 in the same runs):
 * the FMA kernel above 88-91; these tables 62-70; with every add an add,
 * 71-76; 64 columns a table set, 74-80; 16 rows a pass, 68-72 (in a test
 * program); vpgatherdd for the words, 104.  Fetching the rows two groups
 * ahead (lut_tile), in a test program that alternates builds: 56-57
 * against 55-56 in cache, 56-58 against 65-76 after 64 MB of other
 * traffic; in qk256-bench, whose calls alternate with the reference's,
 * 55-60 against 62-86. */
#define LUT_COLS 128
#define LUT_ROWS 32
#define LUT_MAX_COLS 65536

typedef float lut_tables[LUT_COLS / 2][QK256_GEMM_TILE][16];

/* The tables of columns [0, len) of the nt vectors at x, ldx apart; the
 * columns past len are taken as 0, so that pad codes add nothing. */
static void
lut_build(lut_tables tab, const float *x, size_t ldx, size_t len, size_t nt)
{
    /* Entry e pairs code e & 3 for column c with code e >> 2 for c + 1. */
    const __m512 lo = lut16();
    const __m512 hi = _mm512_setr_ps(-2.0f, -2.0f, -2.0f, -2.0f, -1.0f, -1.0f, -1.0f, -1.0f,
                                     1.0f, 1.0f, 1.0f, 1.0f, 2.0f, 2.0f, 2.0f, 2.0f);
    float xs[LUT_COLS];

    for (size_t t = 0; t < nt; t++) {
        memcpy(xs, x + t * ldx, len * sizeof(float));
        memset(xs + len, 0, (LUT_COLS - len) * sizeof(float));
        for (size_t p = 0; p < LUT_COLS / 2; p++)
            _mm512_store_ps(tab[p][t],
                            _mm512_fmadd_ps(hi, _mm512_set1_ps(xs[2 * p + 1]),
                                            _mm512_mul_ps(lo, _mm512_set1_ps(xs[2 * p]))));
    }
}

/* wd[d], lane i: word d of the LUT_COLS / 4 bytes at w + i * stride, i < 16.
 * Rows i, i + 4, i + 8 and i + 12 go into one register, 16 bytes each, so
 * that a 4 x 4 transpose within each 128-bit lane gives rows in lane
 * order. */
static ALWAYS_INLINE void
lut_words(__m512i wd[LUT_COLS / 16], const uint8_t *w, size_t stride)
{
    for (size_t h = 0; h < LUT_COLS / 16; h += 4) {
#define ROW16(i) _mm_loadu_si128((const __m128i *)(const void *)(w + (size_t)(i) * stride + 4 * h))
        __m512i z[4];

        for (int k = 0; k < 4; k++) {
            __m512i v = _mm512_castsi128_si512(ROW16(k));

            v = _mm512_inserti32x4(v, ROW16(k + 4), 1);
            v = _mm512_inserti32x4(v, ROW16(k + 8), 2);
            z[k] = _mm512_inserti32x4(v, ROW16(k + 12), 3);
        }
#undef ROW16
        __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
        __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);

        wd[h] = _mm512_unpacklo_epi64(t0, t2);
        wd[h + 1] = _mm512_unpackhi_epi64(t0, t2);
        wd[h + 2] = _mm512_unpacklo_epi64(t1, t3);
        wd[h + 3] = _mm512_unpackhi_epi64(t1, t3);
    }
}

/* Adds the products of LUT_COLS columns of LUT_ROWS rows (at w, stride
 * apart) and nt vectors to y, rows [0, nr) only; first: store, not add. */
static ALWAYS_INLINE void
lut_rows(float *y, size_t ldy, const uint8_t *w, size_t stride, size_t nr, int first,
         const lut_tables tab, size_t nt)
{
    __m512i wd[2][LUT_COLS / 16];
    __m512 a0[QK256_GEMM_TILE], a1[QK256_GEMM_TILE];
    __mmask16 m0 = mask16(qk256_min(nr, 16)), m1 = nr <= 16 ? 0 : mask16(nr - 16);

    lut_words(wd[0], w, stride);
    lut_words(wd[1], w + 16 * stride, stride);
    UNROLL8
    for (size_t t = 0; t < nt; t++)
        a0[t] = a1[t] = _mm512_setzero_ps();
    for (size_t d = 0; d < LUT_COLS / 16; d++) {
        UNROLL8
        for (unsigned q = 0; q < 8; q++) {
            /* vpermps reads the low four bits: code pair q of the word. */
            __m512i i0 = _mm512_srli_epi32(wd[0][d], 4 * q);
            __m512i i1 = _mm512_srli_epi32(wd[1][d], 4 * q);

            UNROLL8
            for (size_t t = 0; t < nt; t++) {
                __m512 tv = _mm512_load_ps(tab[8 * d + q][t]);

                /* One load for both row groups: GCC would fold it into
                 * each vpermps. */
                __asm__("" : "+v"(tv));
                a0[t] = _mm512_add_ps(a0[t], _mm512_permutexvar_ps(i0, tv));
                /* An FMA by 1.0: the FMA pipes take half the adds. */
                a1[t] = _mm512_fmadd_ps(_mm512_permutexvar_ps(i1, tv), _mm512_set1_ps(1.0f),
                                        a1[t]);
            }
            /* Keeps the adds in order; without it GCC does the vpermps
             * first and spills their results (93 us, not 65-70, in a test
             * program). */
            UNROLL8
            for (size_t t = 0; t < nt; t++)
                __asm__("" : "+v"(a0[t]), "+v"(a1[t]));
        }
    }
    UNROLL8
    for (size_t t = 0; t < nt; t++) {
        float *yt = y + t * ldy;

        if (!first) {
            a0[t] = _mm512_add_ps(a0[t], _mm512_maskz_loadu_ps(m0, yt));
            a1[t] = _mm512_add_ps(a1[t], _mm512_maskz_loadu_ps(m1, yt + 16));
        }
        _mm512_mask_storeu_ps(yt, m0, a0[t]);
        _mm512_mask_storeu_ps(yt + 16, m1, a1[t]);
    }
}

/* Results [0, nt) of all rows, cols <= LUT_MAX_COLS. */
static void
lut_tile(float *y, size_t ldy, const uint8_t *w, size_t row_stride, const float *x,
         size_t ldx, size_t rows, size_t cols, size_t nt)
{
    lut_tables tab __attribute__((aligned(64)));

    for (size_t c0 = 0; c0 < cols; c0 += LUT_COLS) {
        size_t len = qk256_min(cols - c0, LUT_COLS);

        lut_build(tab, x + c0, ldx, len, nt);
        for (size_t r = 0; r < rows; r += LUT_ROWS) {
            /* c0 / 4 + LUT_COLS / 4 bytes are within the row: a row is
             * whole blocks, and LUT_COLS divides a block. */
            const uint8_t *wr = w + r * row_stride + c0 / 4;
            size_t nr = qk256_min(rows - r, LUT_ROWS), stride = row_stride;
            uint8_t part[LUT_ROWS][LUT_COLS / 4];

            /* The rows two groups on, fetched ahead: a group takes
             * LUT_COLS / 4 bytes of each row, a stride that the hardware
             * prefetchers follow poorly when the matrix is out of cache. */
            for (size_t i = r + 2 * LUT_ROWS; i < qk256_min(rows, r + 3 * LUT_ROWS); i++)
                _mm_prefetch((const char *)(w + i * row_stride + c0 / 4), _MM_HINT_T0);

            if (nr < LUT_ROWS) {
                /* The last rows: copied, the last one repeated, so that
                 * nothing past the matrix is read. */
                for (size_t i = 0; i < LUT_ROWS; i++)
                    memcpy(part[i], wr + qk256_min(i, nr - 1) * row_stride, LUT_COLS / 4);
                wr = part[0];
                stride = LUT_COLS / 4;
            }
#define LUT_ROWS_CALL(m) lut_rows(y + r, ldy, wr, stride, nr, c0 == 0, tab, m)
            QK256_GEMM_BY_WIDTH(nt, LUT_ROWS_CALL)
#undef LUT_ROWS_CALL
        }
    }
    for (size_t t = 0; t < nt; t++)
        for (size_t r = 0; r < rows; r++)
            if (!isfinite(qk256_get_f32(y + t * ldy, r)))
                qk256_gemv_scalar(y + t * ldy + r, w + r * row_stride, 0, x + t * ldx, 1, cols);
}

void
qk256_gemm_avx512(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                  const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    if (cols > LUT_MAX_COLS) {
        qk256_gemm_driver(y, ldy, w, row_stride, x, ldx, rows, cols, n, NULL,
                          gemm_pair_avx512, NULL);
        return;
    }
    for (size_t j0 = 0; j0 < n; j0 += QK256_GEMM_TILE) {
        size_t nt = qk256_min(n - j0, QK256_GEMM_TILE);

        /* One vector: the GEMV is faster than tables built for it. */
        if (nt == 1)
            qk256_gemv_avx512(y + j0 * ldy, w, row_stride, x + j0 * ldx, rows, cols);
        else
            lut_tile(y + j0 * ldy, ldy, w, row_stride, x + j0 * ldx, ldx, rows, cols, nt);
    }
}
