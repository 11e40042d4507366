/* tests/ref.h -- the oracle: every public operation written again from
 * SPEC.md, independently of lib/
 * SPDX-License-Identifier: MIT
 *
 * These functions favour a different formulation from lib/scalar.c (block
 * and byte arithmetic, integer weights, long double sums) so that a
 * misreading of the spec is unlikely to be shared.  They take the same
 * arguments as the kernels and the same preconditions (n > 0, cols > 0).
 */
#ifndef QK256_REF_H
#define QK256_REF_H

#include <stddef.h>
#include <stdint.h>

/* Code i (0..3) of packed data. */
unsigned ref_code(const uint8_t *packed, size_t i);

/* The integer weight of a code: -2, -1, 1, 2. */
int ref_weight(unsigned code);

void ref_pack(uint8_t *dst, const uint8_t *codes, size_t n);
void ref_unpack(uint8_t *codes, const uint8_t *src, size_t n);
void ref_dequantize(float *dst, const uint8_t *src, const float *scales,
                    size_t n);
void ref_quantize(uint8_t *dst, float *scales, const float *src, size_t n);

/* One row of a GEMV: the exact sum of w_c * x_c and the sum of |w_c * x_c|
 * that scales the SPEC section 4 error bound. */
struct ref_dot {
    double exact;
    double mag;
};

struct ref_dot ref_dot_row(const uint8_t *row, const float *x, size_t cols);

/* SPEC section 4: |y - exact| <= 1e-4 * max(1, mag).  A NaN exact wants a
 * NaN y, an infinite one that infinity.  Near FLT_MAX, where f32 sums
 * overflow or not by their order, an infinity y is also right when a value
 * within the bound rounds to it in f32. */
int ref_gemv_close(float y, struct ref_dot d);

/* SPEC section 2b, int8 activations.  ref_quantize_i8 takes n > 0 finite
 * floats.  ref_dot_i8 is the exact sum of wi * xq over one row (int64, so
 * that a caller can see whether it fits int32); ref_gemv_i8 takes any
 * rows and cols, cols == 0 included (y = +0.0, SPEC section 3). */
void ref_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n);
int64_t ref_dot_i8(const uint8_t *row, const int8_t *xq, size_t cols);
void ref_gemv_i8(float *y, const uint8_t *w, size_t row_stride,
                 const int8_t *xq, float scale, size_t rows, size_t cols);

#endif /* QK256_REF_H */
