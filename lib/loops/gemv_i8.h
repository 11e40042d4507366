/* lib/loops/gemv_i8.h -- the loop that the SIMD gemv_i8 kernels share
 * SPDX-License-Identifier: MIT
 *
 * Plain C, for every architecture: the arithmetic is the variant's.  A
 * variant's kernels read the activations of a column chunk in an order of
 * their own, which its planes function writes once per chunk (x86 puts
 * them in the order of the codes in a packed byte, lib/x86/avx2.c; arm64
 * in the order of the codes in 16 packed bytes, lib/arm/neon.h),
 * zero-padded to whole blocks so that the codes past cols meet zeros.  The
 * planes function returns the bias that the kernels' sums carry (x86's sum
 * (w + 2) * x, 2 * sum(x) over w * x; arm64's sums carry none), which the
 * driver takes off.
 *
 * Planes for up to QK256_I8_CHUNK_ELEMS columns live on the stack.  A
 * wider matrix is done in column chunks, and between chunks each row's
 * int32 partial sum waits in y[r], whose four bytes are the caller's and
 * are written anyway.
 *
 * All sums are uint32, so they wrap where a biased sum would overflow
 * int32; the exact sum fits in int32 (cols <= QK256_I8_MAX_COLS), so the
 * wrapped one is it.
 *
 * Alignment.  Weights sit wherever the caller's allocator or model file
 * put them: malloc 16 bytes past a cache line, GGUF on 32 bytes, and a
 * 64-byte load that spans two lines costs two.  Where the variant asks
 * for it (x86), every row starts o bytes past a line (row_stride a
 * multiple of 64) and o is a multiple of 4, the kernels read aligned
 * lines from w - o instead of blocks from w.  A row's first line then
 * holds its bytes [0, 64 - o) at [o, 64), its last (at 64 nblocks past
 * the first) its last o bytes at [0, o): the kernels take the two as one
 * "edge line", both halves masked, so that nothing outside the row is
 * read (SPEC section 3) and a row is still nblocks lines.  The planes
 * follow the lines: those of the edge line hold the row's last 4 o
 * activations, then its first 256 - 4 o.  A row that does not start on a
 * multiple of 4, or rows that start at different offsets, are read in
 * blocks from w as before.  The gemm_i8 driver (gemm.h) reads the rows
 * of a tile kernel that asks for it (avx512's) in the same lines.
 */
#ifndef QK256_LOOPS_GEMV_I8_H
#define QK256_LOOPS_GEMV_I8_H

#include "internal.h"

#define QK256_I8_CHUNK_ELEMS (64 * QK256_BLOCK_ELEMS)

/* Memory order.  The k rows that a rows kernel reads side by side (k = 4
 * on x86, 8 for arm64's dotprod) are r, r + q, ..., r + (k - 1) q, q =
 * rows / k, not k neighbours: each k-th of the matrix is then read from
 * start to end, k long streams that the hardware prefetchers follow,
 * where k neighbouring rows make k streams of one row each.  Each block also prefetches the line
 * QK256_I8_PREFETCH_BYTES further on in its stream.  One bitnet-2b token
 * (521 MB from DRAM, at malloc's addresses, 16 bytes past a cache line),
 * avx512, interleaved runs on the build machine:
 * neighbouring rows with a prefetch 8 rows ahead 27-30 ms, quarters with
 * no prefetch 27 ms, quarters with the prefetch 24 ms; 512, 2048 and 4096
 * bytes ahead were slower, as were a row at a time and the NTA and T2
 * hints.  A loop that only loads the weights, in this order, takes 18 ms,
 * and 16 ms straight through. */
#define QK256_I8_PREFETCH_BYTES 1024

/* Where the first line of a kernel call is an edge line (above): head =
 * o, and the row's last o bytes are at [0, o) of the line tail_off bytes
 * on.  head = 0 when it is not: then all the lines are plain. */
struct qk256_i8_edges {
    size_t head, tail_off;
};

/* The biased sums over nlines lines (blocks) of 64 bytes of the k rows at
 * w, w + gap, ..., w + (k - 1) gap (acc[0, k)), or of the 1 row at w; the
 * first line as e says. */
#define QK256_I8_MAX_ROWS 8
typedef void qk256_i8_rows_fn(uint32_t *acc, const uint8_t *w, size_t gap,
                              const int8_t *planes, size_t nlines,
                              struct qk256_i8_edges e);
typedef uint32_t qk256_i8_row1_fn(const uint8_t *w, const int8_t *planes,
                                  size_t nlines, struct qk256_i8_edges e);

/* Writes the planes of xq[0, n) to dst, qk256_blocks(n) blocks of them,
 * and returns the bias of the kernels' sums over them. */
typedef uint32_t qk256_i8_planes_fn(int8_t *dst, const int8_t *xq, size_t n);

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

/* The planes of lines [l0, l0 + nl) of rows of nb bytes that start o
 * bytes past a line (above), of xq[0, cols), at dst, and their bias. */
static inline __attribute__((always_inline)) uint32_t
qk256_i8_line_planes(int8_t *dst, const int8_t *xq, size_t cols, size_t nb,
                     size_t o, size_t l0, size_t nl, qk256_i8_planes_fn *planes_of)
{
    uint32_t bias = 0;
    size_t done = 0, c;

    if (l0 == 0 && o != 0) {
        /* The edge line: the last 4 o columns of the row, then the first
         * 256 - 4 o; those past cols are zero. */
        int8_t tmp[QK256_BLOCK_ELEMS] = { 0 };
        size_t tail = 4 * (nb - o), lead = 4 * o;

        if (tail < cols)
            memcpy(tmp, xq + tail, qk256_min(cols - tail, lead));
        memcpy(tmp + lead, xq, qk256_min(cols, QK256_BLOCK_ELEMS - lead));
        bias = planes_of(dst, tmp, QK256_BLOCK_ELEMS);
        done = 1;
    }
    /* Line l >= 1 (or any line when o = 0) starts at column 256 l - 4 o. */
    c = (l0 + done) * QK256_BLOCK_ELEMS - 4 * o;
    if (done < nl && c < cols) {
        size_t n = qk256_min(cols - c, (nl - done) * QK256_BLOCK_ELEMS);

        bias += planes_of(dst + done * QK256_BLOCK_ELEMS, xq + c, n);
        done += qk256_blocks(n);
    }
    if (done < nl) /* lines past cols (rare): no call for the usual case */
        memset(dst + done * QK256_BLOCK_ELEMS, 0, (nl - done) * QK256_BLOCK_ELEMS);
    return bias;
}

/* The o (above) of rows at w, row_stride apart, when shift says that the
 * variant's kernels take lines and edge lines: 0 (blocks) where they do
 * not, or the rows cannot be read in lines.  The drivers read the lines
 * from w - o. */
static inline __attribute__((always_inline)) size_t
qk256_i8_line_offset(const uint8_t *w, size_t row_stride, int shift)
{
    size_t o = (uintptr_t)w % QK256_BLOCK_BYTES;

    return shift && o % 4 == 0 && row_stride % QK256_BLOCK_BYTES == 0 ? o : 0;
}

/* shift: whether the variant's kernels take lines and edge lines (see
 * above) rather than only blocks. */
static inline __attribute__((always_inline)) void
qk256_gemv_i8_driver(float *y, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, float scale, size_t rows, size_t cols,
                     qk256_i8_planes_fn *planes_of, qk256_i8_rows_fn *rows_k,
                     size_t k, qk256_i8_row1_fn *row1, int shift)
{
    int8_t planes[QK256_I8_CHUNK_ELEMS] __attribute__((aligned(64)));
    const size_t chunk_lines = QK256_I8_CHUNK_ELEMS / QK256_BLOCK_ELEMS;
    size_t nb = qk256_row_bytes(cols), nlines = nb / QK256_BLOCK_BYTES;
    size_t o = qk256_i8_line_offset(w, row_stride, shift);

    w = (const uint8_t *)((uintptr_t)w - o);
    for (size_t l0 = 0; l0 < nlines; l0 += chunk_lines) {
        size_t nl = qk256_min(nlines - l0, chunk_lines);
        uint32_t bias = qk256_i8_line_planes(planes, xq, cols, nb, o, l0, nl, planes_of);
        const uint8_t *wc = w + l0 * QK256_BLOCK_BYTES;
        int first = l0 == 0, last = l0 + nl == nlines;
        struct qk256_i8_edges e = { first ? o : 0, first ? nb : 0 };
        size_t q = rows / k;

        for (size_t r = 0; r < q; r++) {
            uint32_t acc[QK256_I8_MAX_ROWS];

            rows_k(acc, wc + r * row_stride, q * row_stride, planes, nl, e);
            for (size_t i = 0; i < k; i++)
                qk256_i8_finish(y + r + i * q, acc[i] - bias, first, last, scale);
        }
        for (size_t r = k * q; r < rows; r++)
            qk256_i8_finish(y + r, row1(wc + r * row_stride, planes, nl, e) - bias,
                            first, last, scale);
    }
}

#endif /* QK256_LOOPS_GEMV_I8_H */
