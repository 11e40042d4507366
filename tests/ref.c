/* tests/ref.c -- the oracle, written from SPEC.md section 1 and 2
 * SPDX-License-Identifier: MIT
 *
 * Packed data is read block by block: weight j of block b is in byte
 * b * 64 + j / 4.  Weights are integers, w = c - 2 + (c >> 1), and a GEMV
 * row is summed exactly enough in long double.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <math.h>
#include <string.h>

#include "ref.h"

enum { BLOCK = QK256_BLOCK_ELEMS, BLOCK_BYTES = QK256_BLOCK_BYTES };

unsigned
ref_code(const uint8_t *packed, size_t i)
{
    unsigned byte = packed[(i / BLOCK) * BLOCK_BYTES + (i % BLOCK) / 4];

    switch (i % 4) {
    case 0:
        return byte & 3u;
    case 1:
        return (byte & 0x0cu) >> 2;
    case 2:
        return (byte & 0x30u) >> 4;
    default:
        return (byte & 0xc0u) >> 6;
    }
}

int
ref_weight(unsigned code)
{
    return (int)code - 2 + (int)(code >> 1);
}

/* One block: byte k = c0 | c1 << 2 | c2 << 4 | c3 << 6 of codes 4k..4k+3. */
static void
pack_block(uint8_t *out, const uint8_t codes[BLOCK])
{
    for (int k = 0; k < BLOCK_BYTES; k++) {
        const uint8_t *c = &codes[4 * k];
        out[k] = (uint8_t)(c[0] | c[1] << 2 | c[2] << 4 | c[3] << 6);
    }
}

void
ref_pack(uint8_t *dst, const uint8_t *codes, size_t n)
{
    for (size_t lo = 0; lo < n; lo += BLOCK) {
        uint8_t block[BLOCK] = { 0 }; /* pad codes are 0 */
        size_t len = n - lo < BLOCK ? n - lo : BLOCK;

        memcpy(block, codes + lo, len);
        pack_block(dst + lo / BLOCK * BLOCK_BYTES, block);
    }
}

void
ref_unpack(uint8_t *codes, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        codes[i] = (uint8_t)ref_code(src, i);
}

void
ref_dequantize(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float w = (float)ref_weight(ref_code(src, i));
        dst[i] = scales ? w * scales[i / BLOCK] : w;
    }
}

void
ref_quantize(uint8_t *dst, float *scales, const float *src, size_t n)
{
    for (size_t lo = 0; lo < n; lo += BLOCK) {
        uint8_t block[BLOCK] = { 0 };
        size_t len = n - lo < BLOCK ? n - lo : BLOCK;
        const float *x = src + lo;
        float m = 0.0f;

        for (size_t j = 0; j < len; j++)
            m = fmaxf(m, fabsf(x[j]));

        float s = m / 2.0f;
        float t = 1.5f * s;

        for (size_t j = 0; j < len; j++) {
            int big = fabsf(x[j]) > 0.0f && fabsf(x[j]) >= t;

            if (x[j] < 0.0f)
                block[j] = big ? 0 : 1;
            else
                block[j] = big ? 3 : 2;
        }
        pack_block(dst + lo / BLOCK * BLOCK_BYTES, block);
        if (scales)
            scales[lo / BLOCK] = s;
    }
}

struct ref_dot
ref_dot_row(const uint8_t *row, const float *x, size_t cols)
{
    long double acc = 0.0L, mag = 0.0L;

    for (size_t c = 0; c < cols; c++) {
        long double p = (long double)ref_weight(ref_code(row, c)) * x[c];
        acc += p;
        mag += fabsl(p);
    }

    struct ref_dot d = { (double)acc, (double)mag };
    return d;
}

int
ref_gemv_close(float y, struct ref_dot d)
{
    double bound = 1e-4 * fmax(1.0, d.mag);

    if (isnan(d.exact))
        return isnan(y);
    if (isinf(d.exact))
        return y == (float)d.exact;
    /* Near FLT_MAX, one order of f32 additions overflows and another does
     * not (the fuzzers found avx2 giving -FLT_MAX where the exact sum
     * rounds to -inf, and +inf where it rounds to FLT_MAX).  An infinity
     * is right when a value within the bound rounds to it in f32 (IEEE:
     * beyond FLT_MAX + ulp / 2); a finite y must be within the bound. */
    if (isinf(y))
        return !signbit(y) == !signbit(d.exact)
            && isinf((float)(d.exact + copysign(bound, d.exact)));
    return fabs((double)y - d.exact) <= bound;
}

/* ---- int8 activations (SPEC section 2b) --------------------------------
 * Rounding is done in double, where every f32 is exact: floor, then the
 * fraction against one half, ties to the even neighbour.  The clamp comes
 * after rounding (both bounds are integers, so the order does not
 * matter).  An infinite inv (127 / m overflows for m below about 3.7e-37)
 * is its own case: the sign of x decides, and a zero x is 0 (the
 * library's documented reading; 0 * inf would be NaN). */

static long
round_half_even(double d)
{
    double fl = floor(d), frac = d - fl;
    long k = (long)fl;

    if (frac > 0.5 || (frac == 0.5 && k % 2 != 0))
        k++;
    return k;
}

void
ref_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n)
{
    float m = 0.0f;

    for (size_t i = 0; i < n; i++)
        m = fmaxf(m, fabsf(x[i]));
    if (m == 0.0f) {
        memset(xq, 0, n);
        *scale = 0.0f;
        return;
    }

    float inv = 127.0f / m;

    for (size_t i = 0; i < n; i++) {
        long q;

        if (isinf(inv)) {
            q = x[i] > 0.0f ? 127 : x[i] < 0.0f ? -127 : 0;
        } else {
            float p = x[i] * inv; /* the f32 product SPEC asks for */

            q = round_half_even((double)p);
            q = q > 127 ? 127 : q < -127 ? -127 : q;
        }
        xq[i] = (int8_t)q;
    }
    *scale = m / 127.0f;
}

/* Block by block, byte by byte: byte k of a block holds elements 4k to
 * 4k + 3; the weight is the integer form of SPEC section 1. */
int64_t
ref_dot_i8(const uint8_t *row, const int8_t *xq, size_t cols)
{
    int64_t acc = 0;

    for (size_t lo = 0; lo < cols; lo += BLOCK) {
        const uint8_t *blk = row + lo / BLOCK * BLOCK_BYTES;

        for (size_t j = 0; j < BLOCK && lo + j < cols; j++) {
            unsigned code = ref_code(blk, j);
            acc += (int64_t)ref_weight(code) * xq[lo + j];
        }
    }
    return acc;
}

void
ref_gemv_i8(float *y, const uint8_t *w, size_t row_stride, const int8_t *xq,
            float scale, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        if (cols == 0) {
            y[r] = 0.0f; /* whatever scale is: not scale * 0 */
            continue;
        }

        int64_t acc = ref_dot_i8(w + r * row_stride, xq, cols);

        /* Through double, which holds acc exactly: 32-bit ARM has no
         * instruction from int64 to float, and libgcc's routine for it
         * rounds to nearest whatever the rounding mode; double to float
         * is one instruction, which honours the mode, as the kernels'
         * int32 to float does. */
        y[r] = scale * (float)(double)acc;
    }
}
