/* bench/reference.h -- plain scalar code for the bench to measure against
 * SPDX-License-Identifier: MIT
 *
 * The signatures of the public functions, without their argument checks:
 * callers pass only what those would accept.  Each returns 0.
 */
#ifndef QK256_BENCH_REFERENCE_H
#define QK256_BENCH_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

int ref_pack(uint8_t *dst, const uint8_t *codes, size_t n);
int ref_unpack(uint8_t *codes, const uint8_t *src, size_t n);
int ref_dequantize(float *dst, const uint8_t *src, const float *scales,
                   size_t n);
int ref_gemv(float *y, const uint8_t *w, size_t row_stride, const float *x,
             size_t rows, size_t cols);
int ref_quantize(uint8_t *dst, float *scales, const float *src, size_t n);
int ref_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n);
int ref_gemv_i8(float *y, const uint8_t *w, size_t row_stride,
                const int8_t *xq, float scale, size_t rows, size_t cols);
int ref_gemm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
             const float *x, size_t ldx, size_t rows, size_t cols, size_t n);
int ref_gemm_i8(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                const int8_t *xq, size_t ldx, const float *scales,
                size_t rows, size_t cols, size_t n);

#endif /* QK256_BENCH_REFERENCE_H */
