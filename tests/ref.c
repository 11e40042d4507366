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
    float rounded = (float)d.exact; /* IEEE: beyond FLT_MAX gives inf */

    if (isnan(d.exact))
        return isnan(y);
    if (isinf(rounded))
        return y == rounded;
    return fabs((double)y - d.exact) <= 1e-4 * fmax(1.0, d.mag);
}
