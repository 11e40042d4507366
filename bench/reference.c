/* bench/reference.c -- the plain scalar code that qk256-bench measures
 * the library against
 * SPDX-License-Identifier: MIT
 *
 * What a programmer would write for the format without thinking about
 * speed: a byte at a time, four codes per byte, a four-entry table, one
 * f32 accumulator per GEMV row (int32 for the int8 GEMV).  Makefile.am
 * builds this file without auto-vectorisation, so the "reference" row of
 * the bench is scalar code and the speedups it prints are over scalar
 * code.  It is a yardstick, not an oracle (tests/ref.c is that): the f32
 * GEMV sums in f32, in order, and the GEMMs are one GEMV per vector.  The
 * int8 functions are exact by their definition, so the bench holds every
 * variant to them bitwise.  The functions have the public signatures and
 * always return 0, so the bench calls them and the library through the
 * same pointers.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "qk256.h"
#include "reference.h"

static const float lut[4] = { -2.0f, -1.0f, 1.0f, 2.0f };

int
ref_pack(uint8_t *dst, const uint8_t *codes, size_t n)
{
    size_t nbytes = qk256_row_bytes(n);

    memset(dst, 0, nbytes);
    for (size_t i = 0; i < n; i++)
        dst[i / 4] |= (uint8_t)(codes[i] << (2 * (i % 4)));
    return 0;
}

int
ref_unpack(uint8_t *codes, const uint8_t *src, size_t n)
{
    size_t i = 0;

    for (; n - i >= 4; i += 4) {
        unsigned byte = src[i / 4];

        codes[i] = (uint8_t)(byte & 3u);
        codes[i + 1] = (uint8_t)((byte >> 2) & 3u);
        codes[i + 2] = (uint8_t)((byte >> 4) & 3u);
        codes[i + 3] = (uint8_t)(byte >> 6);
    }
    for (; i < n; i++)
        codes[i] = (uint8_t)(((unsigned)src[i / 4] >> (2 * (i % 4))) & 3u);
    return 0;
}

int
ref_dequantize(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    size_t i = 0;

    for (; n - i >= 4; i += 4) {
        unsigned byte = src[i / 4];
        float s = scales ? scales[i / QK256_BLOCK_ELEMS] : 1.0f;

        dst[i] = lut[byte & 3u] * s;
        dst[i + 1] = lut[(byte >> 2) & 3u] * s;
        dst[i + 2] = lut[(byte >> 4) & 3u] * s;
        dst[i + 3] = lut[byte >> 6] * s;
    }
    for (; i < n; i++) {
        float s = scales ? scales[i / QK256_BLOCK_ELEMS] : 1.0f;

        dst[i] = lut[((unsigned)src[i / 4] >> (2 * (i % 4))) & 3u] * s;
    }
    return 0;
}

int
ref_gemv(float *y, const uint8_t *w, size_t row_stride, const float *x,
         size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * row_stride;
        float acc = 0.0f;
        size_t c = 0;

        for (; cols - c >= 4; c += 4) {
            unsigned byte = row[c / 4];

            acc += lut[byte & 3u] * x[c];
            acc += lut[(byte >> 2) & 3u] * x[c + 1];
            acc += lut[(byte >> 4) & 3u] * x[c + 2];
            acc += lut[byte >> 6] * x[c + 3];
        }
        for (; c < cols; c++)
            acc += lut[((unsigned)row[c / 4] >> (2 * (c % 4))) & 3u] * x[c];
        y[r] = acc;
    }
    return 0;
}

int
ref_quantize(uint8_t *dst, float *scales, const float *src, size_t n)
{
    for (size_t lo = 0; lo < n; lo += QK256_BLOCK_ELEMS) {
        size_t len = n - lo < QK256_BLOCK_ELEMS ? n - lo : QK256_BLOCK_ELEMS;
        const float *x = src + lo;
        uint8_t *out = dst + lo / 4;
        float m = 0.0f;

        for (size_t i = 0; i < len; i++)
            if (fabsf(x[i]) > m)
                m = fabsf(x[i]);

        float s = m / 2.0f;
        float t = 1.5f * s;

        memset(out, 0, QK256_BLOCK_BYTES);
        for (size_t i = 0; i < len; i++) {
            float a = fabsf(x[i]);
            int big = a > 0.0f && a >= t;
            unsigned code = x[i] < 0.0f ? (big ? 0u : 1u) : (big ? 3u : 2u);

            out[i / 4] |= (uint8_t)(code << (2 * (i % 4)));
        }
        if (scales)
            scales[lo / QK256_BLOCK_ELEMS] = s;
    }
    return 0;
}

/* rintf() rounds in the current rounding mode, which the bench leaves at
 * its default, round to nearest with ties to even: the rule of SPEC
 * section 2b.  Clamping first or rounding first gives the same code, since
 * 127 is an integer. */
int
ref_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n)
{
    float m = 0.0f;

    for (size_t i = 0; i < n; i++)
        if (fabsf(x[i]) > m)
            m = fabsf(x[i]);
    if (m == 0.0f) {
        memset(xq, 0, n);
        *scale = 0.0f;
        return 0;
    }

    float inv = 127.0f / m;

    for (size_t i = 0; i < n; i++) {
        /* A tiny m makes inv +inf, and 0 * inf is NaN: a zero stays 0. */
        float p = x[i] == 0.0f ? 0.0f : x[i] * inv;

        if (p > 127.0f)
            p = 127.0f;
        if (p < -127.0f)
            p = -127.0f;
        xq[i] = (int8_t)rintf(p);
    }
    *scale = m / 127.0f;
    return 0;
}

/* |acc| <= 2 * 127 * cols, which int32 holds for the cols the public
 * function takes (QK256_I8_MAX_COLS). */
int
ref_gemv_i8(float *y, const uint8_t *w, size_t row_stride, const int8_t *xq,
            float scale, size_t rows, size_t cols)
{
    static const int32_t wi[4] = { -2, -1, 1, 2 };

    for (size_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * row_stride;
        int32_t acc = 0;
        size_t c = 0;

        for (; cols - c >= 4; c += 4) {
            unsigned byte = row[c / 4];

            acc += wi[byte & 3u] * xq[c];
            acc += wi[(byte >> 2) & 3u] * xq[c + 1];
            acc += wi[(byte >> 4) & 3u] * xq[c + 2];
            acc += wi[byte >> 6] * xq[c + 3];
        }
        for (; c < cols; c++)
            acc += wi[((unsigned)row[c / 4] >> (2 * (c % 4))) & 3u] * xq[c];
        y[r] = scale * (float)acc;
    }
    return 0;
}

/* The plain way to a GEMM: one GEMV per activation vector. */
int
ref_gemm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
         const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    for (size_t j = 0; j < n; j++)
        ref_gemv(y + j * ldy, w, row_stride, x + j * ldx, rows, cols);
    return 0;
}

int
ref_gemm_i8(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
            const int8_t *xq, size_t ldx, const float *scales, size_t rows,
            size_t cols, size_t n)
{
    for (size_t j = 0; j < n; j++)
        ref_gemv_i8(y + j * ldy, w, row_stride, xq + j * ldx, scales[j], rows,
                    cols);
    return 0;
}
