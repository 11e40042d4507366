/* lib/scalar.c -- the scalar kernels: portable C99 for every CPU
 * SPDX-License-Identifier: MIT
 *
 * The variant of every CPU that has no variant of its own (32-bit x86 and
 * ARM, s390x, ppc64el, mips64el, ...), so it is written to be fast, in
 * C99 alone: no intrinsics, no assumption about the word size or the byte
 * order.  tests/ref.c, not this file, is what the tests hold it to.  Its
 * means, each explained where it is used:
 *
 *  - Tables indexed by a packed byte give its four codes, their f32
 *    values or their values plus 2, so that no element pays for its own
 *    shift and mask.
 *  - Work goes a block (256 codes, 64 bytes) at a time, in loops of a
 *    fixed count over independent accumulators.  Where the baseline ISA
 *    has vectors (SSE2 on x86-64, Advanced SIMD on arm64, VSX on ppc64el)
 *    GCC vectorises them at -O2; elsewhere they keep the pipelines busy.
 *  - The f32 GEMV and GEMM sum a block in f32 in 16 lanes and the blocks
 *    in double, as the SIMD variants do (SPEC section 4's bound).
 *  - The int8 GEMV and GEMM multiply four weights by four activations in
 *    one 64-bit multiplication (see i8_dot4), in exact integer sums.
 *
 * Byte order: the packed format is bytes, and every table here is indexed
 * by bytes and gives bytes, floats or whole integers; no byte array is
 * read as a wider word.  The floats are the machine's own.
 */
#include "internal.h"
#include "loops/gemv_i8.h"

#include <math.h>

/* ---- tables of the 256 byte values --------------------------------------
 * Code k of byte b sits at bits 2k and 2k + 1 (SPEC section 1). */
#define CODE(b, k) (((b) >> (2 * (k))) & 3)
/* The value of code c: -2, -1, 1, 2 (QK256_LUT_INIT). */
#define VALUE(c) ((c) < 2 ? (c) - 2 : (c) - 1)
#define BYTE_CODES(b) { CODE(b, 0), CODE(b, 1), CODE(b, 2), CODE(b, 3) }
#define BYTE_F32(b)                                                       \
    { (float)VALUE(CODE(b, 0)), (float)VALUE(CODE(b, 1)),                 \
      (float)VALUE(CODE(b, 2)), (float)VALUE(CODE(b, 3)) }
/* The values plus 2 (0, 1, 3, 4), one per 16-bit field, code k in field
 * k: see i8_dot4. */
#define FIELD(b, k) ((uint64_t)(VALUE(CODE(b, k)) + 2) << (16 * (k)))
#define BYTE_I8(b) (FIELD(b, 0) | FIELD(b, 1) | FIELD(b, 2) | FIELD(b, 3))
/* F(0), F(1), ..., F(255) */
#define EACH4(F, b) F(b), F((b) + 1), F((b) + 2), F((b) + 3)
#define EACH16(F, b) EACH4(F, b), EACH4(F, (b) + 4), EACH4(F, (b) + 8), EACH4(F, (b) + 12)
#define EACH64(F, b) EACH16(F, b), EACH16(F, (b) + 16), EACH16(F, (b) + 32), EACH16(F, (b) + 48)
#define EACH256(F) EACH64(F, 0), EACH64(F, 64), EACH64(F, 128), EACH64(F, 192)

static const uint8_t codes_of[256][4] = { EACH256(BYTE_CODES) };
static const float values_of[256][4] = { EACH256(BYTE_F32) };
static const uint64_t fields_of[256] = { EACH256(BYTE_I8) };

/* ---- pack, unpack, the scans ------------------------------------------ */

void
qk256_pack_scalar(uint8_t *dst, const uint8_t *codes, size_t n)
{
    size_t nbytes = qk256_blocks(n) * QK256_BLOCK_BYTES, i;

    for (i = 0; i < n / 4; i++) {
        const uint8_t *c = codes + 4 * i;

        dst[i] = (uint8_t)(c[0] | c[1] << 2 | c[2] << 4 | c[3] << 6);
    }
    if (n % 4) { /* the last codes, then pad codes 0 */
        unsigned byte = 0;

        for (size_t k = 0; k < n % 4; k++)
            byte |= (unsigned)codes[4 * i + k] << (2 * k);
        dst[i++] = (uint8_t)byte;
    }
    memset(dst + i, 0, nbytes - i);
}

void
qk256_unpack_scalar(uint8_t *codes, const uint8_t *src, size_t n)
{
    size_t i;

    for (i = 0; i < n / 4; i++)
        memcpy(codes + 4 * i, codes_of[src[i]], 4);
    for (size_t k = 0; k < n % 4; k++)
        codes[4 * i + k] = codes_of[src[i]][k];
}

/* Scans go 64 elements at a time, an OR over each, which compilers
 * vectorise; a bad element ends the scan at the end of its 64. */
#define SCAN 64

int
qk256_codes_ok_scalar(const uint8_t *codes, size_t n)
{
    unsigned any = 0; /* the OR of the codes seen: above 3 iff one is */
    size_t i = 0;

    for (; n - i >= SCAN && any <= 3; i += SCAN)
        for (size_t k = 0; k < SCAN; k++)
            any |= codes[i + k];
    for (; i < n; i++)
        any |= codes[i];
    return any <= 3;
}

/* The bits of v: compare, mask and test floats as integers. */
static uint32_t
bits_of(float v)
{
    uint32_t u;

    memcpy(&u, &v, sizeof u);
    return u;
}

/* Infinity and NaN have every exponent bit set. */
static uint32_t
exponent_bits(const float *x, size_t i)
{
    return bits_of(qk256_get_f32(x, i)) & 0x7f800000u;
}

int
qk256_finite_scalar(const float *x, size_t n)
{
    int bad = 0;
    size_t i = 0;

    for (; n - i >= SCAN && !bad; i += SCAN)
        for (size_t k = 0; k < SCAN; k++)
            bad |= exponent_bits(x, i + k) == 0x7f800000u;
    for (; i < n; i++)
        bad |= exponent_bits(x, i) == 0x7f800000u;
    return !bad;
}

/* ---- dequantize ----------------------------------------------------------
 * Each element is its code's value times the block's scale, one f32
 * multiplication, as in every variant.  dequantize_byte: the values of
 * byte b times s, to d[0, 4). */
static void
dequantize_byte(float *d, uint8_t b, float s)
{
    const float *v = values_of[b];
    float out[4] = { v[0] * s, v[1] * s, v[2] * s, v[3] * s };

    memcpy(d, out, sizeof out);
}

void
qk256_dequantize_scalar(float *dst, const uint8_t *src, const float *scales,
                        size_t n)
{
    for (size_t b = 0; b < qk256_blocks(n); b++) {
        const uint8_t *p = src + b * QK256_BLOCK_BYTES;
        float *d = dst + b * QK256_BLOCK_ELEMS;
        size_t len = qk256_min(n - b * QK256_BLOCK_ELEMS, QK256_BLOCK_ELEMS), j = 0;
        float s = scales ? qk256_get_f32(scales, b) : 1.0f;

        /* Four bytes a turn: a quarter of the loop's own instructions. */
        for (; len / 4 - j >= 4; j += 4) {
            dequantize_byte(d + 4 * j, p[j], s);
            dequantize_byte(d + 4 * j + 4, p[j + 1], s);
            dequantize_byte(d + 4 * j + 8, p[j + 2], s);
            dequantize_byte(d + 4 * j + 12, p[j + 3], s);
        }
        for (; j < len / 4; j++)
            dequantize_byte(d + 4 * j, p[j], s);
        for (size_t k = 0; k < len % 4; k++)
            qk256_put_f32(d, 4 * j + k, values_of[p[j]][k] * s);
    }
}

/* ---- gemv ------------------------------------------------------------------
 * Each block's products are summed in f32 in 16 lanes (4 groups of 4),
 * 16 products a lane, and the lanes added in pairs; the block sums go
 * into a double.  Every product is exact (the weights are +-1 and +-2)
 * and goes through at most 34 f32 roundings (16 in its lane and 4 adding
 * the lanes; in a partial last block, the last len % 16 products go into
 * lane 0 too: at most 30 there), so the error is at most g(34) =
 * 34 u / (1 - 34 u) < 2.1e-6 (u = 2^-24) of sum |w x|, plus the double
 * sum's and the final rounding's: within SPEC section 4's 1e-4.  An f32 block sum can overflow where the exact sum
 * does not; then the row is summed again, in double alone
 * (gemv_row_double). */

/* The values of the block at p, all 256 of them: a partial last block is
 * whole blocks of packed data too (SPEC section 3), and block_dot uses
 * only the values of its columns. */
static void
block_values(float v[QK256_BLOCK_ELEMS], const uint8_t *p)
{
    for (size_t j = 0; j < QK256_BLOCK_BYTES; j += 4) {
        memcpy(v + 4 * j, values_of[p[j]], sizeof values_of[0]);
        memcpy(v + 4 * j + 4, values_of[p[j + 1]], sizeof values_of[0]);
        memcpy(v + 4 * j + 8, values_of[p[j + 2]], sizeof values_of[0]);
        memcpy(v + 4 * j + 12, values_of[p[j + 3]], sizeof values_of[0]);
    }
}

/* Four products of v[i, i + 4) and x[i, i + 4) into a##0..a##3. */
#define MADD4(a, v, x, i)                                                 \
    do {                                                                  \
        a##0 += (v)[(i)] * qk256_get_f32(x, (i));                         \
        a##1 += (v)[(i) + 1] * qk256_get_f32(x, (i) + 1);                 \
        a##2 += (v)[(i) + 2] * qk256_get_f32(x, (i) + 2);                 \
        a##3 += (v)[(i) + 3] * qk256_get_f32(x, (i) + 3);                 \
    } while (0)

/* The sum of v[i] x[i] over a block, in 16 lanes: GCC keeps the four
 * groups of 4 in vector registers. */
static float
block_dot(const float v[QK256_BLOCK_ELEMS], const float *x, size_t len)
{
    float a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    float c0 = 0, c1 = 0, c2 = 0, c3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;

    if (len == QK256_BLOCK_ELEMS) {
        for (size_t i = 0; i < QK256_BLOCK_ELEMS; i += 16) {
            MADD4(a, v, x, i);
            MADD4(b, v, x, i + 4);
            MADD4(c, v, x, i + 8);
            MADD4(d, v, x, i + 12);
        }
    } else { /* x has len elements only: 16 at a time, then one lane */
        size_t i = 0;

        for (; i + 16 <= len; i += 16) {
            MADD4(a, v, x, i);
            MADD4(b, v, x, i + 4);
            MADD4(c, v, x, i + 8);
            MADD4(d, v, x, i + 12);
        }
        for (; i < len; i++)
            a0 += v[i] * qk256_get_f32(x, i);
    }
    return ((a0 + b0) + (c0 + d0)) + ((a1 + b1) + (c1 + d1)) +
           (((a2 + b2) + (c2 + d2)) + ((a3 + b3) + (c3 + d3)));
}

/* The row at w times x[0, cols), every product added in double. */
static float
gemv_row_double(const uint8_t *w, const float *x, size_t cols)
{
    double acc = 0.0;

    for (size_t c = 0; c < cols; c++)
        acc += (double)values_of[w[c / 4]][c % 4] * (double)qk256_get_f32(x, c);
    return (float)acc;
}

/* The row at w times x[0, cols). */
static float
gemv_row(const uint8_t *w, const float *x, size_t cols)
{
    float v[QK256_BLOCK_ELEMS], y;
    double acc = 0.0;

    for (size_t c0 = 0; c0 < cols; c0 += QK256_BLOCK_ELEMS) {
        size_t len = qk256_min(cols - c0, QK256_BLOCK_ELEMS);

        block_values(v, w + c0 / 4);
        acc += block_dot(v, x + c0, len);
    }
    y = (float)acc;
    return isfinite(y) ? y : gemv_row_double(w, x, cols);
}

void
qk256_gemv_scalar(float *y, const uint8_t *w, size_t row_stride,
                  const float *x, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        qk256_put_f32(y, r, gemv_row(w + r * row_stride, x, cols));
}

/* The GEMM takes each row block by block through every vector, so that
 * the row's block is read and decoded once for all of them; each result's
 * sum is the GEMV's, in the GEMV's order. */
#define GEMM_TILE 8

void
qk256_gemm_scalar(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                  const float *x, size_t ldx, size_t rows, size_t cols,
                  size_t n)
{
    for (size_t j0 = 0; j0 < n; j0 += GEMM_TILE) {
        size_t nt = qk256_min(n - j0, GEMM_TILE);

        for (size_t r = 0; r < rows; r++) {
            const uint8_t *row = w + r * row_stride;
            double acc[GEMM_TILE] = { 0.0 };

            for (size_t c0 = 0; c0 < cols; c0 += QK256_BLOCK_ELEMS) {
                size_t len = qk256_min(cols - c0, QK256_BLOCK_ELEMS);
                float v[QK256_BLOCK_ELEMS];

                block_values(v, row + c0 / 4);
                for (size_t t = 0; t < nt; t++)
                    acc[t] += block_dot(v, x + (j0 + t) * ldx + c0, len);
            }
            for (size_t t = 0; t < nt; t++) {
                float v = (float)acc[t];

                if (!isfinite(v))
                    v = gemv_row_double(row, x + (j0 + t) * ldx, cols);
                qk256_put_f32(y, (j0 + t) * ldy + r, v);
            }
        }
    }
}

/* ---- quantize, quantize_i8 -----------------------------------------------
 * |x| compares as its bits do as an integer (qk256_abs_bits), which lets
 * the loops vectorise: the loops of a fixed count SCAN vectorise, and the
 * rest of an array takes a plain loop.  The largest |x| also tells whether
 * every x is finite. */
/* |x| as its bits, a non-negative int32 (int32, not uint32: SSE2 compares
 * signed integers only). */
static int32_t
abs_bits(const float *x, size_t i)
{
    return (int32_t)qk256_abs_bits(x, i);
}

static int32_t
max_i32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

/* The largest |x[i]|, i < n, as its bits: four maxima at a time, each a
 * quarter of SCAN, so that four (vector) chains of compares overlap. */
static uint32_t
max_abs_bits(const float *x, size_t n)
{
    int32_t m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    size_t i = 0;

    for (; n - i >= SCAN; i += SCAN)
        for (size_t k = 0; k < SCAN / 4; k++) {
            m0 = max_i32(m0, abs_bits(x, i + k));
            m1 = max_i32(m1, abs_bits(x, i + k + SCAN / 4));
            m2 = max_i32(m2, abs_bits(x, i + k + SCAN / 2));
            m3 = max_i32(m3, abs_bits(x, i + k + 3 * SCAN / 4));
        }
    for (; i < n; i++)
        m0 = max_i32(m0, abs_bits(x, i));
    return (uint32_t)max_i32(max_i32(m0, m1), max_i32(m2, m3));
}

/* SPEC section 2: code 3 or 0 (+-2 s) for |x| >= 1.5 s, x not 0 (big,
 * the bits of 1.5 s), else 2 or 1. */
static uint8_t
quantize_code(float v, uint32_t big)
{
    uint32_t u = bits_of(v), a = u & 0x7fffffffu;
    unsigned up = a != 0 && a >= big;   /* |x| >= 1.5 s, x not 0 */
    unsigned neg = a != 0 && u >> 31;   /* x < 0 */

    /* 2 + up is 2 or 3, and x < 0 maps them to 1 or 0. */
    return (uint8_t)((2 + up) ^ (3 * neg));
}

void
qk256_quantize_scalar(uint8_t *dst, float *scales, const float *src, size_t n)
{
    for (size_t b = 0; b < qk256_blocks(n); b++) {
        const float *x = src + b * QK256_BLOCK_ELEMS;
        size_t len = qk256_min(n - b * QK256_BLOCK_ELEMS, QK256_BLOCK_ELEMS), i = 0;
        uint32_t max = max_abs_bits(x, len), big;
        uint8_t codes[QK256_BLOCK_ELEMS] = { 0 }; /* (what pack reads is set below) */
        float m, s;

        memcpy(&m, &max, sizeof m);
        s = m / 2.0f;
        big = bits_of(1.5f * s);
        for (; len - i >= SCAN; i += SCAN)
            for (size_t k = 0; k < SCAN; k++)
                codes[i + k] = quantize_code(qk256_get_f32(x, i + k), big);
        for (; i < len; i++)
            codes[i] = quantize_code(qk256_get_f32(x, i), big);
        qk256_pack_scalar(dst + b * QK256_BLOCK_BYTES, codes, len);
        if (scales)
            qk256_put_f32(scales, b, s);
    }
}

/* v rounded to the nearest integer, ties to even, for |v| <= 127: written
 * out rather than left to rintf(), whose result follows the caller's
 * rounding mode.  t and v - t are exact at these magnitudes.  No branch,
 * so that the loops over x vectorise. */
static int32_t
round_even(float v)
{
    int32_t t = (int32_t)v;
    float frac = v - (float)t;
    int32_t away = (frac > 0.5f) - (frac < -0.5f); /* +-1 past a half */
    int32_t tie = (frac == 0.5f) - (frac == -0.5f); /* +-1 at a half */

    return t + away + (tie & -(t & 1)); /* a tie goes away from an odd t */
}

/* SPEC section 2b.  Every f32 result here is assigned before it is used,
 * so that x87 (i386) rounds it to f32 as SSE does, with
 * -fexcess-precision=standard (configure.ac).  The loops of SCAN take the
 * products into p[] and round them in a second loop, a form that GCC
 * vectorises at -O2.  Zeros: 0 * inv is 0 for a finite inv. */
int
qk256_quantize_i8_scalar(int8_t *xq, float *scale, const float *x, size_t n)
{
    uint32_t max = max_abs_bits(x, n);
    size_t i = 0;
    float m, inv;

    if (max >= QK256_NONFINITE_BITS)
        return 0;
    if (max == 0) {
        memset(xq, 0, n);
        qk256_put_f32(scale, 0, 0.0f);
        return 1;
    }
    memcpy(&m, &max, sizeof m);
    inv = 127.0f / m;
    if (isinf(inv)) {
        /* m is so small that 127 / m overflows: 0 * inf would be NaN, so
         * a zero is 0, the value that every finite inv gives it, and any
         * other x clamps to +-127. */
        for (i = 0; i < n; i++) {
            float v = qk256_get_f32(x, i);

            xq[i] = (int8_t)(v > 0.0f ? 127 : v < 0.0f ? -127 : 0);
        }
    } else {
        /* SPEC's clamp to [-127, 127] changes nothing here: |x| <= m,
         * so |x * inv| <= m * 127 / m with two roundings, below 127.5,
         * and rounds to at most 127. */
        for (; n - i >= SCAN; i += SCAN) {
            float p[SCAN];
            int32_t r[SCAN];

            for (size_t k = 0; k < SCAN; k++)
                p[k] = qk256_get_f32(x, i + k) * inv;
            for (size_t k = 0; k < SCAN; k++)
                r[k] = round_even(p[k]);
            for (size_t k = 0; k < SCAN; k++)
                xq[i + k] = (int8_t)r[k];
        }
        for (; i < n; i++) {
            float p = qk256_get_f32(x, i) * inv;

            xq[i] = (int8_t)round_even(p);
        }
    }
    qk256_put_f32(scale, 0, m / 127.0f);
    return 1;
}

/* ---- gemv_i8, gemm_i8 --------------------------------------------------------
 * Exact sums (SPEC section 4), taken modulo 2^32 as in every variant
 * (lib/loops/gemv_i8.h): the exact sum fits in int32 for cols <=
 * QK256_I8_MAX_COLS, so the wrapped sum is it.
 *
 * i8_dot4: four products in one multiplication.  A packed byte gives its
 * four values plus 2 (0, 1, 3, 4), one per 16-bit field of a uint64
 * (fields_of).  The four activations of its columns, plus 128 (0..255),
 * sit in the fields of another in reverse order, field k holding column
 * 3 - k.  Field 3 of their product is then the sum of the four products
 * (w + 2) (x + 128): the fields below it hold sums of at most 4 products
 * of at most 4 * 255, below 2^16, so no carry reaches it.  The sums
 * carry the bias of both additions, which i8_unbias takes off:
 *     sum (w + 2)(x + 128) = sum w x + 2 sum x + 128 sum (w + 2),
 * with sum (w + 2) over the row's codes (a sum of the fields of every
 * byte) and sum x over the activations (once per chunk).  Rows are
 * read in groups of 4 bytes (16 columns, i8_bytes): the pad codes of a
 * last group meet x = 0 (x + 128 = 128) and are counted in sum (w + 2)
 * alike, so they add nothing.  The rest of a partial last block is not
 * read. */

/* Activations are taken I8_CHUNK columns at a time into a buffer on the
 * stack (8 KB); between chunks each row's partial sum waits in y. */
#define I8_CHUNK (16 * QK256_BLOCK_ELEMS)

/* The bytes of a row that the sums read for len columns: whole groups of
 * 4 bytes, within the row's whole blocks. */
static size_t
i8_bytes(size_t len)
{
    return (len + 15) / 16 * 4;
}

/* The reversed, biased fields of xq[0, len), len <= I8_CHUNK, one uint64
 * per 4 columns, to i8_bytes(len) of them with x = 0 past len, and sum
 * xq. */
static uint32_t
i8_fields(uint64_t *dst, const int8_t *xq, size_t len)
{
    size_t ngroups = i8_bytes(len), g;
    int32_t sum = 0; /* |sum| <= 128 I8_CHUNK */

    for (g = 0; g < len / 4; g++) {
        const int8_t *x = xq + 4 * g;

        sum += x[0] + x[1] + x[2] + x[3];
        dst[g] = (uint64_t)(x[0] + 128) << 48 | (uint64_t)(x[1] + 128) << 32 |
                 (uint64_t)(x[2] + 128) << 16 | (uint64_t)(x[3] + 128);
    }
    for (; g < ngroups; g++) { /* past len, x = 0 */
        uint64_t f = 0;

        for (size_t k = 0; k < 4; k++) {
            int v = 4 * g + k < len ? xq[4 * g + k] : 0;

            sum += v;
            f |= (uint64_t)(v + 128) << (16 * (3 - k));
        }
        dst[g] = f;
    }
    return (uint32_t)sum;
}

static uint64_t
i8_dot4(uint8_t byte, uint64_t x)
{
    return fields_of[byte] * x >> 48;
}

/* The biased sum (above) of nbytes bytes at p against fields x, and in
 * *wsum the sum of their fields (each field at most 4 nbytes).  nbytes
 * is a multiple of 4 (i8_bytes). */
static uint32_t
i8_row_sum(const uint8_t *p, const uint64_t *x, size_t nbytes, uint64_t *wsum)
{
    uint64_t s0 = 0, s1 = 0, f0 = 0, f1 = 0;

    for (size_t j = 0; j + 4 <= nbytes; j += 4) {
        s0 += i8_dot4(p[j], x[j]) + i8_dot4(p[j + 2], x[j + 2]);
        s1 += i8_dot4(p[j + 1], x[j + 1]) + i8_dot4(p[j + 3], x[j + 3]);
        f0 += fields_of[p[j]] + fields_of[p[j + 2]];
        f1 += fields_of[p[j + 1]] + fields_of[p[j + 3]];
    }
    *wsum = f0 + f1;
    return (uint32_t)(s0 + s1);
}

/* The sum of the four 16-bit fields of f (each at most 4 I8_CHUNK / 4,
 * so no field and no sum overflows). */
static uint32_t
fields_sum(uint64_t f)
{
    return (uint32_t)((f * 0x0001000100010001u) >> 48);
}

/* sum w x from the biased sum (above). */
static uint32_t
i8_unbias(uint32_t biased, uint64_t wsum, uint32_t xsum)
{
    return biased - 2 * xsum - 128 * fields_sum(wsum);
}

void
qk256_gemv_i8_scalar(float *y, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, float scale, size_t rows, size_t cols)
{
    uint64_t xf[I8_CHUNK / 4];

    for (size_t c0 = 0; c0 < cols; c0 += I8_CHUNK) {
        size_t len = qk256_min(cols - c0, I8_CHUNK);
        size_t nbytes = i8_bytes(len);
        uint32_t xsum = i8_fields(xf, xq + c0, len);
        int first = c0 == 0, last = cols - c0 == len;

        for (size_t r = 0; r < rows; r++) {
            uint64_t wsum;
            uint32_t s = i8_row_sum(w + r * row_stride + c0 / 4, xf, nbytes, &wsum);

            qk256_i8_finish(y + r, i8_unbias(s, wsum, xsum), first, last, scale);
        }
    }
}

/* The GEMM takes I8_TILE vectors at a time: each row's bytes and their
 * fields are read once for all of them, the vectors' fields I8_TILE_CHUNK
 * columns at a time (8 KB).  Each result's sum is the GEMV's, exact, so
 * column j is the GEMV of vector j bit for bit; the last n % I8_TILE
 * vectors are GEMVs. */
#define I8_TILE 4
#define I8_TILE_CHUNK (4 * QK256_BLOCK_ELEMS)

static void
gemm_i8_tile(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
             const int8_t *xq, size_t ldx, const float *scales, size_t rows,
             size_t cols)
{
    uint64_t xf[I8_TILE][I8_TILE_CHUNK / 4];

    for (size_t c0 = 0; c0 < cols; c0 += I8_TILE_CHUNK) {
        size_t len = qk256_min(cols - c0, I8_TILE_CHUNK);
        size_t nbytes = i8_bytes(len);
        uint32_t xsum[I8_TILE];
        int first = c0 == 0, last = cols - c0 == len;

        for (size_t t = 0; t < I8_TILE; t++)
            xsum[t] = i8_fields(xf[t], xq + t * ldx + c0, len);
        for (size_t r = 0; r < rows; r++) {
            const uint8_t *p = w + r * row_stride + c0 / 4;
            uint64_t s[I8_TILE], s0 = 0, s1 = 0, s2 = 0, s3 = 0, f = 0;

            for (size_t j = 0; j < nbytes; j++) {
                f += fields_of[p[j]];
                s0 += i8_dot4(p[j], xf[0][j]);
                s1 += i8_dot4(p[j], xf[1][j]);
                s2 += i8_dot4(p[j], xf[2][j]);
                s3 += i8_dot4(p[j], xf[3][j]);
            }
            s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
            for (size_t t = 0; t < I8_TILE; t++)
                qk256_i8_finish(y + t * ldy + r, i8_unbias((uint32_t)s[t], f, xsum[t]),
                                first, last, qk256_get_f32(scales, t));
        }
    }
}

void
qk256_gemm_i8_scalar(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, size_t ldx, const float *scales,
                     size_t rows, size_t cols, size_t n)
{
    size_t j = 0;

    for (; n - j >= I8_TILE; j += I8_TILE)
        gemm_i8_tile(y + j * ldy, ldy, w, row_stride, xq + j * ldx, ldx, scales + j,
                     rows, cols);
    for (; j < n; j++)
        qk256_gemv_i8_scalar(y + j * ldy, w, row_stride, xq + j * ldx,
                             qk256_get_f32(scales, j), rows, cols);
}
