/* lib/loops/gemm.h -- the loops that the SIMD GEMMs share
 * SPDX-License-Identifier: MIT
 *
 * Plain C, for every architecture.  The GEMMs take the results in tiles
 * of up to QK256_GEMM_TILE vectors, and a kernel decodes each block of two
 * rows once for all the vectors of a tile.  The drivers here walk the
 * tiles, rows and column chunks and store the results; the kernels, one
 * per ISA, do the arithmetic.
 */
#ifndef QK256_LOOPS_GEMM_H
#define QK256_LOOPS_GEMM_H

#include "loops/gemv_i8.h"

#include <math.h>
#include <string.h>

#define QK256_GEMM_TILE 8

/* Runs CALL(k) with k the tile width nt (1..QK256_GEMM_TILE) as a
 * constant, so that an always-inline kernel called there gets one copy
 * per width, whose loops over the tile unroll and whose accumulators stay
 * in registers. */
#define QK256_GEMM_BY_WIDTH(nt, CALL)                                  \
    switch (nt) {                                                      \
    case 1: CALL(1); break;                                            \
    case 2: CALL(2); break;                                            \
    case 3: CALL(3); break;                                            \
    case 4: CALL(4); break;                                            \
    case 5: CALL(5); break;                                            \
    case 6: CALL(6); break;                                            \
    case 7: CALL(7); break;                                            \
    default: CALL(QK256_GEMM_TILE); break;                             \
    }

/* ---- gemm ------------------------------------------------------------------
 * The tile's vectors are copied, QK256_GEMM_CHUNK columns at a time, into
 * an aligned buffer on the stack, zero past cols so that pad codes add
 * nothing: 32 KB for 8 vectors, which stays in L1 while QK256_GEMM_ROWS
 * rows take it.  Meanwhile each row and vector keeps its sum as eight
 * doubles on the stack (17 KB); the result is their sum in f32, or, where
 * that is not finite, the scalar GEMV's (see the GEMV in avx2.c).
 *
 * Why the copy: 2560 x 2560, n = 8, avx512, us per vector (GEMV 133):
 * each pair of rows read whole against x in place, 232 (the 80 KB of the
 * tile came from L2 for every pair); x in place, by chunks, 172 (most of
 * its loads, at malloc's alignment, cross a cache line); copied, 512
 * columns at a time and widened to double per block, 106; 1024 columns
 * at a time, widened per chunk, with the kernel of avx512.c, 89-93. */
#define QK256_GEMM_ROWS 32
#define QK256_GEMM_CHUNK (4 * QK256_BLOCK_ELEMS)

typedef double qk256_gemm_sums[QK256_GEMM_TILE][8];

/* Adds the products of nblocks blocks of the k rows at w, w + row_stride,
 * ... and the tile's chunks xb + t * xstride, t < nt, to the sums s[i][t],
 * i < k.  The driver passes k <= its rows_per_call (x86: 2).  A kernel that
 * takes a missing row as a copy of the first may write its sums to s[k],
 * which is never read (the x86 kernels do, with k = 1). */
typedef void qk256_gemm_pair_fn(qk256_gemm_sums *s, const uint8_t *w,
                                size_t row_stride, size_t k, const float *xb,
                                size_t xstride, size_t nblocks, size_t nt);

/* Writes x[0, len) to dst in the order in which a kernel reads it,
 * zero-padded to nblocks blocks.  NULL means the order of x. */
typedef void qk256_gemm_copy_fn(float *dst, const float *x, size_t len,
                                size_t nblocks);

/* Results [0, nt) of rows [0, nr), nr <= QK256_GEMM_ROWS, the vectors
 * taken chunk columns at a time (a multiple of QK256_BLOCK_ELEMS; chunk * nt
 * <= QK256_GEMM_TILE * QK256_GEMM_CHUNK). */
static inline __attribute__((always_inline)) void
qk256_gemm_rows(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                const float *x, size_t ldx, size_t nr, size_t cols, size_t nt,
                size_t chunk, qk256_gemm_copy_fn *copy, qk256_gemm_pair_fn *pair,
                size_t rows_per_call)
{
    float xb[QK256_GEMM_TILE * QK256_GEMM_CHUNK] __attribute__((aligned(64)));
    qk256_gemm_sums s[QK256_GEMM_ROWS + 1] __attribute__((aligned(64))); /* see k */

    memset(s, 0, sizeof s);
    for (size_t c0 = 0; c0 < cols; c0 += chunk) {
        size_t len = qk256_min(cols - c0, chunk);
        size_t nblocks = qk256_blocks(len);

        for (size_t t = 0; t < nt; t++) {
            float *xt = xb + t * chunk;

            if (copy) {
                copy(xt, x + t * ldx + c0, len, nblocks);
            } else {
                memcpy(xt, x + t * ldx + c0, len * sizeof(float));
                memset(xt + len, 0, (nblocks * QK256_BLOCK_ELEMS - len) * sizeof(float));
            }
        }
        for (size_t r = 0; r < nr; r += rows_per_call)
            pair(s + r, w + r * row_stride + c0 / 4, row_stride,
                 qk256_min(nr - r, rows_per_call), xb, chunk, nblocks, nt);
    }
    for (size_t r = 0; r < nr; r++)
        for (size_t t = 0; t < nt; t++) {
            double sum = 0.0;

            for (int k = 0; k < 8; k++)
                sum += s[r][t][k];
            if (isfinite(sum))
                qk256_put_f32(y + t * ldy + r, 0, (float)sum);
            else
                qk256_gemv_scalar(y + t * ldy + r, w + r * row_stride, 0, x + t * ldx,
                                  1, cols);
        }
}

/* How a variant's kernel takes a tile of nt vectors: the rows at once
 * (1..4; fewer, the more vectors) and the columns of a chunk (a multiple
 * of QK256_BLOCK_ELEMS, at most QK256_GEMM_TILE * QK256_GEMM_CHUNK / nt,
 * and few enough that a lane's f32 sum over a chunk keeps the SPEC bound).
 * NULL: 2 rows and QK256_GEMM_CHUNK columns, as on x86. */
struct qk256_gemm_shape {
    size_t rows, chunk;
};
typedef struct qk256_gemm_shape qk256_gemm_shape_fn(size_t nt);

static inline __attribute__((always_inline)) void
qk256_gemm_driver(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                  const float *x, size_t ldx, size_t rows, size_t cols, size_t n,
                  qk256_gemm_copy_fn *copy, qk256_gemm_pair_fn *pair,
                  qk256_gemm_shape_fn *shape_of)
{
    for (size_t j0 = 0; j0 < n; j0 += QK256_GEMM_TILE) {
        size_t nt = qk256_min(n - j0, QK256_GEMM_TILE);
        struct qk256_gemm_shape sh = { 2, QK256_GEMM_CHUNK };

        if (shape_of)
            sh = shape_of(nt);
        for (size_t r = 0; r < rows; r += QK256_GEMM_ROWS)
            qk256_gemm_rows(y + j0 * ldy + r, ldy, w + r * row_stride, row_stride,
                            x + j0 * ldx, ldx, qk256_min(rows - r, QK256_GEMM_ROWS), cols,
                            nt, sh.chunk, copy, pair, sh.rows);
    }
}

/* ---- gemm, partial sums in y ----------------------------------------------
 * A second driver, for a variant whose kernel sums each row's chunk in
 * f32 (x86 avx2).  For each tile, the column chunks are the outer loop:
 * a chunk of the tile's vectors is copied once for all the rows (the
 * driver above copies it again for every QK256_GEMM_ROWS rows), and each
 * result waits in y between chunks, as an f32 partial sum.  The chunk and
 * its zero padding are those of the driver above, QK256_GEMM_CHUNK
 * columns of each vector.  2560 x 2560, n = 8, avx2's kernel, us per call:
 * 1037-1079 here, 1190-1240 in the driver above (lib/x86/avx2.c).
 *
 * Accuracy.  A product of a weight (+-1, +-2) and x is exact in f32, or
 * overflows.  So every FMA or add of the kernel and of this driver adds
 * exact terms and rounds once: the result is off by a factor 1 + d, |d|
 * <= u = 2^-24, subnormal results included (a sum that small is exact).
 * Let the kernel's sum of a row's chunk take each product through at most
 * D of these roundings.  Here the first chunk's sum is stored and each
 * later one added once, so with m chunks a product goes through at most
 * D + m - 1, and |y - exact| <= g(D + m - 1) * sum |w x|, g(k) = k u / (1
 * - k u) (Higham, Accuracy and Stability, lemma 3.1).  The variant bounds
 * m by a column limit that keeps this within SPEC section 4's 1e-4, and
 * takes wider rows to the driver above.
 *
 * Overflow: a result that is not finite at the end of its row is the
 * scalar GEMV's, as in the driver above.  An overflow in a partial sum
 * leaves the result non-finite (inf and NaN never become finite again),
 * so a finite result never went through one. */

/* Adds the products of nblocks blocks of the chunk of the rows at w, w +
 * row_stride, ... (rows of them) and the vectors xb + t * xstride, t < nt,
 * to y[t * ldy + r]; first: stores them instead. */
typedef void qk256_gemm_chunk_fn(float *y, size_t ldy, const uint8_t *w,
                                 size_t row_stride, size_t rows, const float *xb,
                                 size_t xstride, size_t nblocks, size_t nt, int first);

static inline __attribute__((always_inline)) void
qk256_gemm_y_driver(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                    const float *x, size_t ldx, size_t rows, size_t cols, size_t n,
                    qk256_gemm_chunk_fn *chunk_rows)
{
    float xb[QK256_GEMM_TILE * QK256_GEMM_CHUNK] __attribute__((aligned(64)));

    for (size_t j0 = 0; j0 < n; j0 += QK256_GEMM_TILE) {
        size_t nt = qk256_min(n - j0, QK256_GEMM_TILE);
        float *yj = y + j0 * ldy;
        const float *xj = x + j0 * ldx;

        for (size_t c0 = 0; c0 < cols; c0 += QK256_GEMM_CHUNK) {
            size_t len = qk256_min(cols - c0, QK256_GEMM_CHUNK);
            size_t nblocks = qk256_blocks(len);

            for (size_t t = 0; t < nt; t++) {
                float *xt = xb + t * QK256_GEMM_CHUNK;

                memcpy(xt, xj + t * ldx + c0, len * sizeof(float));
                memset(xt + len, 0, (nblocks * QK256_BLOCK_ELEMS - len) * sizeof(float));
            }
            chunk_rows(yj, ldy, w + c0 / 4, row_stride, rows, xb, QK256_GEMM_CHUNK, nblocks,
                       nt, c0 == 0);
        }
        for (size_t t = 0; t < nt; t++)
            for (size_t r = 0; r < rows; r++)
                if (!isfinite(qk256_get_f32(yj + t * ldy, r)))
                    qk256_gemv_scalar(yj + t * ldy + r, w + r * row_stride, 0, xj + t * ldx,
                                      1, cols);
    }
}

/* ---- gemm_i8 ----------------------------------------------------------
 * The planes (gemv_i8.h) of a column chunk of each of the tile's vectors
 * sit together on the stack, 32 KB for 8 vectors; the chunk is a quarter
 * of the GEMV's so that they fit in L1 together.  A variant lays them out
 * as its kernel reads them: x86 one vector after another, arm64 group by
 * group (lib/arm/neon.h).  Between chunks, partial sums wait in y, as in
 * the GEMV.  Each result is the exact int32 sum times the same scale, so
 * it is the GEMV's bit for bit.
 *
 * Alignment: as in the GEMV driver, a variant whose tile kernel takes
 * lines and edge lines (avx512) has the rows read in aligned lines from
 * w - o where every row starts o bytes past a line, o a multiple of 4
 * (gemv_i8.h).  A chunk is QK256_GEMM_I8_CHUNK_ELEMS / 256 = 16 lines, a
 * whole number of lines, so every chunk starts o bytes past a line too:
 * the first chunk's first line is the edge line, every other line is
 * plain, and line l holds columns 256 l - 4 o on (so the last chunk has
 * one line fewer of the row's columns: its last o bytes are in the edge
 * line).  The planes follow the lines, built per vector by
 * qk256_i8_line_planes. */
#define QK256_GEMM_I8_CHUNK_ELEMS (16 * QK256_BLOCK_ELEMS)

typedef int8_t qk256_i8_tile_planes[QK256_GEMM_TILE * QK256_GEMM_I8_CHUNK_ELEMS];

/* Writes the planes of xq + t * ldx, [0, len), t < nt, zero-padded to
 * whole blocks, and sets bias[t] to the bias of the kernel's sums over
 * vector t's. */
typedef void qk256_i8_tile_planes_fn(int8_t *planes, uint32_t bias[QK256_GEMM_TILE],
                                     const int8_t *xq, size_t ldx, size_t len,
                                     size_t nt);

/* The tile planes function of a variant whose kernels read each vector's
 * planes as the GEMV's, one vector after another (QK256_GEMM_I8_CHUNK_ELEMS
 * apart). */
static inline __attribute__((always_inline)) void
qk256_i8_tile_planes_each(qk256_i8_planes_fn *planes_of, int8_t *planes,
                          uint32_t bias[QK256_GEMM_TILE], const int8_t *xq,
                          size_t ldx, size_t len, size_t nt)
{
    for (size_t t = 0; t < nt; t++)
        bias[t] = planes_of(planes + t * QK256_GEMM_I8_CHUNK_ELEMS, xq + t * ldx, len);
}

/* The biased sums (see gemv_i8.h) over nlines lines (blocks) of the rows
 * at w0 and w1, for the nt (1..QK256_GEMM_TILE) vectors of the tile's
 * planes: acc[i][t] for row i and vector t; the first line as e says
 * (e.head = 0, all lines plain, unless the driver shifts). */
typedef void qk256_i8_tile_fn(uint32_t acc[2][QK256_GEMM_TILE],
                              const uint8_t *w0, const uint8_t *w1,
                              const int8_t *planes, size_t nlines, size_t nt,
                              struct qk256_i8_edges e);

/* Rows a band: the weights of a band's chunk (256 KB) stay in L2 while
 * every tile of vectors takes them, where the tiles one after another
 * over all the rows read a large matrix from memory once per tile. */
#define QK256_GEMM_I8_BAND_ROWS 256

/* Exactly one of tile_planes and line_planes is given.  line_planes: the
 * planes function of a variant whose tile kernel takes lines and edge
 * lines, and reads the tile's planes as the GEMV's, one vector after
 * another; the driver then shifts where the rows allow (above), and
 * builds each vector's planes line by line. */
static inline __attribute__((always_inline)) void
qk256_gemm_i8_driver(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                     const int8_t *xq, size_t ldx, const float *scales,
                     size_t rows, size_t cols, size_t n,
                     qk256_i8_tile_planes_fn *tile_planes, qk256_i8_tile_fn *tile,
                     qk256_i8_planes_fn *line_planes)
{
    qk256_i8_tile_planes planes __attribute__((aligned(64)));
    uint32_t bias[QK256_GEMM_TILE] = { 0 };
    const size_t chunk_lines = QK256_GEMM_I8_CHUNK_ELEMS / QK256_BLOCK_ELEMS;
    size_t nb = qk256_row_bytes(cols), nlines = nb / QK256_BLOCK_BYTES;
    size_t o = qk256_i8_line_offset(w, row_stride, line_planes != NULL);

    w = (const uint8_t *)((uintptr_t)w - o);
    for (size_t l0 = 0; l0 < nlines; l0 += chunk_lines) {
        size_t nl = qk256_min(nlines - l0, chunk_lines);
        int first = l0 == 0, last = l0 + nl == nlines;
        struct qk256_i8_edges e = { first ? o : 0, first ? nb : 0 };
        size_t built = n; /* the tile whose planes are built (n: none) */

        for (size_t r0 = 0; r0 < rows; r0 += QK256_GEMM_I8_BAND_ROWS) {
            size_t r1 = qk256_min(rows, r0 + QK256_GEMM_I8_BAND_ROWS);

            for (size_t j0 = 0; j0 < n; j0 += QK256_GEMM_TILE) {
                size_t nt = qk256_min(n - j0, QK256_GEMM_TILE);

                /* With one tile, its planes serve every band. */
                if (built != j0) {
                    const int8_t *xt = xq + j0 * ldx;
                    size_t c0 = l0 * QK256_BLOCK_ELEMS;

                    if (line_planes) {
                        for (size_t t = 0; t < nt; t++)
                            bias[t] = qk256_i8_line_planes(planes + t * QK256_GEMM_I8_CHUNK_ELEMS,
                                                           xt + t * ldx, cols, nb, o, l0, nl,
                                                           line_planes);
                    } else {
                        tile_planes(planes, bias, xt + c0, ldx,
                                    qk256_min(cols - c0, QK256_GEMM_I8_CHUNK_ELEMS), nt);
                    }
                    built = j0;
                }
                for (size_t r = r0; r < r1; r += 2) {
                    const uint8_t *w0 = w + r * row_stride + l0 * QK256_BLOCK_BYTES;
                    /* An odd last row is passed as both rows (w1 == w0)
                     * and stored once. */
                    size_t nr = qk256_min(r1 - r, 2);
                    uint32_t acc[2][QK256_GEMM_TILE];

                    tile(acc, w0, nr == 2 ? w0 + row_stride : w0, planes, nl, nt, e);
                    for (size_t i = 0; i < nr; i++)
                        for (size_t t = 0; t < nt; t++)
                            qk256_i8_finish(y + (j0 + t) * ldy + r + i,
                                            acc[i][t] - bias[t], first, last,
                                            qk256_get_f32(scales, j0 + t));
                }
            }
        }
    }
}

#endif /* QK256_LOOPS_GEMM_H */
