/* lib/x86/gemv_i8.h -- the loop that the avx2 and avx512 gemv_i8 kernels
 * share
 * SPDX-License-Identifier: MIT
 *
 * Both kernels multiply the unsigned w + 2 = {0, 1, 3, 4} of each code by
 * the signed activations, and need the activations in the order of the
 * codes in a packed byte.  Byte k of a block holds the codes of elements
 * 4k, 4k + 1, 4k + 2 and 4k + 3, so "plane order" puts x[4k + s] at
 * byte 64 s + k of each 256-byte block: one shift and mask of 64 packed
 * bytes then lines up with plane s.  qk256_i8_planes_avx2 writes that order
 * once per call, zero-padded to whole blocks (so the codes past cols meet
 * zeros), and returns sum(x); the rows then take 2 * sum(x) off their
 * sums of (w + 2) * x.
 *
 * Planes for up to QK256_I8_CHUNK_ELEMS columns live on the stack.  A
 * wider matrix is done in column chunks, and between chunks each row's
 * int32 partial sum waits in y[r], whose four bytes are the caller's and
 * are written anyway.
 *
 * All sums are uint32, so they wrap where w + 2 would overflow int32; the
 * exact sum fits in int32 (cols <= QK256_I8_MAX_COLS), so the wrapped one
 * is it.
 */
#ifndef QK256_X86_GEMV_I8_H
#define QK256_X86_GEMV_I8_H

#include "internal.h"

#define QK256_I8_CHUNK_ELEMS (64 * QK256_BLOCK_ELEMS)

/* Memory order.  The four rows that a rows kernel reads side by side are
 * r, r + q, r + 2q and r + 3q, q = rows / 4, not four neighbours: each
 * quarter of the matrix is then read from start to end, four long streams
 * that the hardware prefetchers follow, where four neighbouring rows make
 * four streams of one row each.  Each block also prefetches the line
 * QK256_I8_PREFETCH_BYTES further on in its stream.  One bitnet-2b token
 * (521 MB from DRAM, at malloc's addresses, 16 bytes past a cache line),
 * avx512, interleaved runs on the build machine:
 * neighbouring rows with a prefetch 8 rows ahead 27-30 ms, quarters with
 * no prefetch 27 ms, quarters with the prefetch 24 ms; 512, 2048 and 4096
 * bytes ahead were slower, as were a row at a time and the NTA and T2
 * hints.  A loop that only loads the weights, in this order, takes 18 ms,
 * and 16 ms straight through. */
#define QK256_I8_PREFETCH_BYTES 1024

/* The sums of (w + 2) * x over nblocks blocks of the 4 rows at w,
 * w + gap, w + 2 gap and w + 3 gap, or of the 1 row at w. */
typedef void qk256_i8_rows4_fn(uint32_t acc[4], const uint8_t *w, size_t gap,
                               const int8_t *planes, size_t nblocks);
typedef uint32_t qk256_i8_row1_fn(const uint8_t *w, const int8_t *planes,
                                  size_t nblocks);

/* Both kernels take their planes from this one (lib/x86/avx2.c). */
uint32_t qk256_i8_planes_avx2(int8_t *dst, const int8_t *xq, size_t n);

/* Adds acc to the partial sum waiting in y (unless this is the first
 * chunk), and stores either the new partial sum or, after the last chunk,
 * scale times it. */
static inline __attribute__((always_inline)) void
qk256_i8_finish(float *y, uint32_t acc, int first, int last, float scale)
{
    if (!first) {
        uint32_t prev;

        memcpy(&prev, y, sizeof prev);
        acc += prev;
    }
    if (last) {
        qk256_put_f32(y, 0, scale * (float)qk256_i32_of_u32(acc));
    } else {
        memcpy(y, &acc, sizeof acc);
    }
}

static inline __attribute__((always_inline)) void
qk256_gemv_i8_driver(float *y, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, float scale, size_t rows, size_t cols,
                     qk256_i8_rows4_fn *rows4, qk256_i8_row1_fn *row1)
{
    int8_t planes[QK256_I8_CHUNK_ELEMS] __attribute__((aligned(64)));

    for (size_t c0 = 0; c0 < cols; c0 += QK256_I8_CHUNK_ELEMS) {
        size_t n = qk256_min(cols - c0, QK256_I8_CHUNK_ELEMS);
        uint32_t bias = 2u * qk256_i8_planes_avx2(planes, xq + c0, n);
        size_t nblocks = qk256_blocks(n);
        const uint8_t *wc = w + c0 / 4;
        int first = c0 == 0, last = cols - c0 == n;
        size_t q = rows / 4;

        for (size_t r = 0; r < q; r++) {
            uint32_t acc[4];

            rows4(acc, wc + r * row_stride, q * row_stride, planes, nblocks);
            for (size_t i = 0; i < 4; i++)
                qk256_i8_finish(y + r + i * q, acc[i] - bias, first, last, scale);
        }
        for (size_t r = 4 * q; r < rows; r++)
            qk256_i8_finish(y + r, row1(wc + r * row_stride, planes, nblocks) - bias,
                            first, last, scale);
    }
}

#endif /* QK256_X86_GEMV_I8_H */
