/* lib/scalar.c -- the scalar kernels: the QK256 format in plain C99
 * SPDX-License-Identifier: MIT
 *
 * This file is the reference that every SIMD variant is held against.  Keep
 * it obviously right rather than fast: one element at a time, exactly as
 * SPEC.md words it.  Element i of a packed array lives in byte i / 4 at bit
 * 2 * (i % 4); since a block is 256 codes in 64 bytes, that holds across
 * blocks too.
 */
#include "internal.h"

static const float lut[4] = QK256_LUT_INIT;

static unsigned
code_at(const uint8_t *src, size_t i)
{
    return ((unsigned)src[i / 4] >> (2 * (i % 4))) & 3u;
}

void
qk256_pack_scalar(uint8_t *dst, const uint8_t *codes, size_t n)
{
    size_t nbytes = qk256_blocks(n) * QK256_BLOCK_BYTES;

    for (size_t k = 0; k < nbytes; k++)
        dst[k] = 0;
    for (size_t i = 0; i < n; i++)
        dst[i / 4] |= (uint8_t)(codes[i] << (2 * (i % 4)));
}

void
qk256_unpack_scalar(uint8_t *codes, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        codes[i] = (uint8_t)code_at(src, i);
}

void
qk256_dequantize_scalar(float *dst, const uint8_t *src, const float *scales,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float s = scales ? qk256_get_f32(scales, i / QK256_BLOCK_ELEMS) : 1.0f;
        qk256_put_f32(dst, i, lut[code_at(src, i)] * s);
    }
}

/* Products w * x are exact in double and the double sum of up to 2^53
 * such terms loses far less than the SPEC section 4 bound allows. */
void
qk256_gemv_scalar(float *y, const uint8_t *w, size_t row_stride,
                  const float *x, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * row_stride;
        double acc = 0.0;

        for (size_t c = 0; c < cols; c++)
            acc += (double)lut[code_at(row, c)] * (double)qk256_get_f32(x, c);
        qk256_put_f32(y, r, (float)acc);
    }
}

void
qk256_quantize_scalar(uint8_t *dst, float *scales, const float *src, size_t n)
{
    size_t nblocks = qk256_blocks(n);

    for (size_t b = 0; b < nblocks; b++) {
        size_t lo = b * QK256_BLOCK_ELEMS;
        size_t hi = lo + qk256_min(n - lo, QK256_BLOCK_ELEMS);
        float m = 0.0f;

        for (size_t i = lo; i < hi; i++) {
            float v = qk256_get_f32(src, i);
            float a = v < 0.0f ? -v : v;
            if (a > m)
                m = a;
        }

        float s = m / 2.0f;
        float t = 1.5f * s;

        for (size_t k = 0; k < QK256_BLOCK_BYTES; k++)
            dst[b * QK256_BLOCK_BYTES + k] = 0;
        for (size_t i = lo; i < hi; i++) {
            float v = qk256_get_f32(src, i);
            float a = v < 0.0f ? -v : v;
            int big = a > 0.0f && a >= t;
            unsigned code = v < 0.0f ? (big ? 0u : 1u) : (big ? 3u : 2u);
            dst[i / 4] |= (uint8_t)(code << (2 * (i % 4)));
        }
        if (scales)
            qk256_put_f32(scales, b, s);
    }
}

int
qk256_codes_ok_scalar(const uint8_t *codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (codes[i] > 3)
            return 0;
    return 1;
}

/* Infinity and NaN have every exponent bit set. */
int
qk256_finite_scalar(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = qk256_get_f32(x, i);
        uint32_t u;

        memcpy(&u, &v, sizeof u);
        if ((u & 0x7f800000u) == 0x7f800000u)
            return 0;
    }
    return 1;
}

/* v rounded to the nearest integer, ties to even, for |v| <= 127: written
 * out rather than left to rintf(), whose result follows the caller's
 * rounding mode.  t and v - t are exact at these magnitudes. */
static int
round_even(float v)
{
    int t = (int)v;
    float frac = v - (float)t;

    if (frac > 0.5f || (frac == 0.5f && (t & 1)))
        t++;
    else if (frac < -0.5f || (frac == -0.5f && (t & 1)))
        t--;
    return t;
}

/* SPEC section 2b.  When m is so small that 127 / m overflows, inv is
 * +inf: a zero x then gives 0 * inf = NaN, which is taken as 0, the value
 * that every finite inv gives it; any other x clamps to +-127. */
void
qk256_quantize_i8_scalar(int8_t *xq, float *scale, const float *x, size_t n)
{
    float m = 0.0f;

    for (size_t i = 0; i < n; i++) {
        float v = qk256_get_f32(x, i);
        float a = v < 0.0f ? -v : v;
        if (a > m)
            m = a;
    }
    if (m == 0.0f) {
        for (size_t i = 0; i < n; i++)
            xq[i] = 0;
        qk256_put_f32(scale, 0, 0.0f);
        return;
    }

    float inv = 127.0f / m;

    for (size_t i = 0; i < n; i++) {
        float v = qk256_get_f32(x, i);
        float p = v == 0.0f ? 0.0f : v * inv;

        if (p > 127.0f)
            p = 127.0f;
        if (p < -127.0f)
            p = -127.0f;
        xq[i] = (int8_t)round_even(p);
    }
    qk256_put_f32(scale, 0, m / 127.0f);
}

/* For |xq| <= 127, |acc| <= 2 * 127 * cols < 2^31 at every step
 * (cols <= QK256_I8_MAX_COLS), so the sum is exact.  xq may also hold
 * -128, and then one sum does not fit: cols = QK256_I8_MAX_COLS, every
 * weight -2 and every xq -128 make 2^31.  The sum is therefore taken
 * modulo 2^32, in uint32, which is the exact sum whenever that fits in
 * int32 and a defined INT32_MIN in that one case, in every variant. */
void
qk256_gemv_i8_scalar(float *y, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, float scale, size_t rows, size_t cols)
{
    static const int32_t wi[4] = { -2, -1, 1, 2 };

    for (size_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * row_stride;
        uint32_t acc = 0;

        for (size_t c = 0; c < cols; c++)
            acc += (uint32_t)(wi[code_at(row, c)] * xq[c]);
        qk256_put_f32(y, r, scale * (float)qk256_i32_of_u32(acc));
    }
}

/* The GEMMs take up to GEMM_TILE results per pass over a row, so that each
 * weight is decoded once for all of them.  Each result's sum is taken in
 * the order of the GEMV's, so result j is the GEMV of vector j bit for bit. */
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

            for (size_t c = 0; c < cols; c++) {
                double wv = lut[code_at(row, c)];

                for (size_t t = 0; t < nt; t++)
                    acc[t] += wv * (double)qk256_get_f32(x, (j0 + t) * ldx + c);
            }
            for (size_t t = 0; t < nt; t++)
                qk256_put_f32(y, (j0 + t) * ldy + r, (float)acc[t]);
        }
    }
}

void
qk256_gemm_i8_scalar(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, size_t ldx, const float *scales,
                     size_t rows, size_t cols, size_t n)
{
    static const int32_t wi[4] = { -2, -1, 1, 2 };

    for (size_t j0 = 0; j0 < n; j0 += GEMM_TILE) {
        size_t nt = qk256_min(n - j0, GEMM_TILE);

        for (size_t r = 0; r < rows; r++) {
            const uint8_t *row = w + r * row_stride;
            uint32_t acc[GEMM_TILE] = { 0 };

            for (size_t c = 0; c < cols; c++) {
                int32_t wv = wi[code_at(row, c)];

                for (size_t t = 0; t < nt; t++)
                    acc[t] += (uint32_t)(wv * xq[(j0 + t) * ldx + c]);
            }
            for (size_t t = 0; t < nt; t++)
                qk256_put_f32(y, (j0 + t) * ldy + r,
                              qk256_get_f32(scales, j0 + t) *
                                  (float)qk256_i32_of_u32(acc[t]));
        }
    }
}
