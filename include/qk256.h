/* qk256.h -- public interface of libqk256, kernels for the QK256 2-bit format
 * SPDX-License-Identifier: MIT
 *
 * A QK256 block packs 256 weights into 64 bytes, four 2-bit codes per byte,
 * least significant pair first.  Codes 0, 1, 2, 3 stand for the weights
 * -2, -1, +1, +2.  See qk256(7) for the whole format and the contract that
 * every function below shares:
 *
 *   - every argument is checked before anything is written; on failure the
 *     function returns a negative QK256_E_* status and leaves every output
 *     untouched;
 *   - n == 0 or rows == 0 is a successful no-op (the pointers may be NULL);
 *   - no pointer needs any alignment; outputs must not overlap inputs;
 *   - every function is reentrant and thread-safe, and none starts a thread.
 */
#ifndef QK256_H
#define QK256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
# define QK256_API __attribute__((visibility("default")))
#else
# define QK256_API
#endif

#define QK256_BLOCK_ELEMS 256 /* weights in one block */
#define QK256_BLOCK_BYTES 64  /* bytes in one packed block */

/* Status codes: 0 is success, failures are negative. */
#define QK256_OK          0
#define QK256_E_NULL     -1 /* a pointer that the call needs is NULL */
#define QK256_E_STRIDE   -2 /* row_stride < qk256_row_bytes(cols), or (gemm)
                               ldy < rows or ldx < cols */
#define QK256_E_OVERFLOW -3 /* a size or offset would not fit in size_t, or
                               cols > QK256_I8_MAX_COLS (the _i8 GEMV, GEMM) */
#define QK256_E_OVERLAP  -4 /* the output overlaps an input */
#define QK256_E_RANGE    -5 /* a code > 3 (pack) or a non-finite input (quantize) */

/* "MAJOR.MINOR.PATCH" of the library that is loaded. */
QK256_API const char *qk256_version(void);

/* "scalar", "avx2", "avxvnni" or "avx512" on x86, "scalar", "neon",
 * "dotprod" or "i8mm" on arm64: the kernel variant bound at load time. */
QK256_API const char *qk256_implementation(void);

/* A static English message for a status; never NULL, also for unknown codes. */
QK256_API const char *qk256_strerror(int status);

/* Bytes that a packed row of cols weights occupies: ceil(cols / 256) * 64. */
QK256_API size_t qk256_row_bytes(size_t cols);

/* Pack n codes (each 0..3) into qk256_row_bytes(n) bytes at dst.  Unused
 * codes of a partial last block are written as 0. */
QK256_API int qk256_pack(uint8_t *dst, const uint8_t *codes, size_t n);

/* Unpack the first n codes of the packed data at src (qk256_row_bytes(n)
 * bytes) into codes[0..n). */
QK256_API int qk256_unpack(uint8_t *codes, const uint8_t *src, size_t n);

/* dst[i] = lut[code_i] * scales[i / 256] for i < n, with lut = {-2, -1, 1, 2};
 * scales may be NULL, which means a scale of 1. */
QK256_API int qk256_dequantize(float *dst, const uint8_t *src,
                               const float *scales, size_t n);

/* y[r] = sum over c < cols of lut[code(r, c)] * x[c], for r < rows.  Row r
 * of the packed matrix starts at w + r * row_stride. */
QK256_API int qk256_gemv(float *y, const uint8_t *w, size_t row_stride,
                         const float *x, size_t rows, size_t cols);

/* Quantize n floats to codes, one scale per block of 256: s = max|x| / 2,
 * big = |x| > 0 && |x| >= 1.5 * s, code = x < 0 ? (big ? 0 : 1)
 * : (big ? 3 : 2).  Writes qk256_row_bytes(n) bytes at dst and, unless
 * scales is NULL, ceil(n / 256) scales. */
QK256_API int qk256_quantize(uint8_t *dst, float *scales, const float *src,
                             size_t n);

/* ---- int8 activations ---------------------------------------------------
 * BitNet b1.58 quantizes each token's activations to int8 with one scale.
 * Both functions give bitwise identical results in every variant. */

/* The largest cols that qk256_gemv_i8 takes: 2 * 127 * 8388608 < 2^31, so
 * its int32 accumulator cannot overflow. */
#define QK256_I8_MAX_COLS 8388608

/* m = max|x|, inv = 127 / m; xq[i] = x[i] * inv rounded to nearest, ties to
 * even, clamped to [-127, 127]; *scale = m / 127, all in f32.  m == 0 gives
 * all zeros and *scale = 0.  A non-finite x[i] is QK256_E_RANGE. */
QK256_API int qk256_quantize_i8(int8_t *xq, float *scale, const float *x,
                                size_t n);

/* y[r] = scale * (float)acc_r for r < rows, where acc_r = sum over c < cols
 * of wi(code(r, c)) * xq[c] with wi = {-2, -1, 1, 2}, exact in int32.
 * cols > QK256_I8_MAX_COLS is QK256_E_OVERFLOW. */
QK256_API int qk256_gemv_i8(float *y, const uint8_t *w, size_t row_stride,
                            const int8_t *xq, float scale, size_t rows,
                            size_t cols);

/* ---- batched GEMM ---------------------------------------------------------
 * Prompt processing multiplies one matrix by many activation vectors: these
 * decode each block of weights once for several of them.  Vector j of x
 * starts at x + j * ldx, and its result at y + j * ldy (counted in
 * elements); ldx >= cols and ldy >= rows, else QK256_E_STRIDE.  The
 * elements of y between results (ldy > rows) are left untouched. */

/* y[j * ldy + r] = sum over c < cols of lut[code(r, c)] * x[j * ldx + c],
 * for r < rows and j < n: each result vector as qk256_gemv would give it,
 * within the same bound. */
QK256_API int qk256_gemm(float *y, size_t ldy, const uint8_t *w,
                         size_t row_stride, const float *x, size_t ldx,
                         size_t rows, size_t cols, size_t n);

/* For j < n, result j is qk256_gemv_i8 of xq + j * ldx with scales[j],
 * bit for bit.  scales holds n floats; it may be NULL when cols is 0. */
QK256_API int qk256_gemm_i8(float *y, size_t ldy, const uint8_t *w,
                            size_t row_stride, const int8_t *xq, size_t ldx,
                            const float *scales, size_t rows, size_t cols,
                            size_t n);

#ifdef __cplusplus
}
#endif

#endif /* QK256_H */
