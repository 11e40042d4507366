/* lib/qk256.c -- the public entry points: check every argument, then call
 * the kernel that dispatch.c bound
 * SPDX-License-Identifier: MIT
 *
 * SPEC section 3: every argument is checked before anything is written, and
 * a failing call leaves every output untouched.  Checks run in this order,
 * so a call with several faults reports the first: QK256_E_NULL,
 * QK256_E_STRIDE, QK256_E_OVERFLOW, QK256_E_OVERLAP, QK256_E_RANGE.
 */
#include "internal.h"

#include <string.h>

/* The bytes [p, p + len) as addresses. */
struct span {
    uintptr_t lo, len;
};

static struct span
span_of(const void *p, size_t len)
{
    struct span s = { (uintptr_t)p, len };
    return s;
}

static int
span_wraps(struct span s)
{
    return s.len > UINTPTR_MAX - s.lo;
}

static int
spans_overlap(struct span a, struct span b)
{
    return a.len && b.len && a.lo < b.lo + b.len && b.lo < a.lo + a.len;
}

/* Bytes in n floats, or 0 with *ok cleared when that overflows size_t. */
static size_t
float_bytes(size_t n, int *ok)
{
    if (n > SIZE_MAX / sizeof(float)) {
        *ok = 0;
        return 0;
    }
    return n * sizeof(float);
}

/* Bytes of n packed codes: whole blocks.  Never overflows. */
static size_t
packed_bytes(size_t n)
{
    return qk256_blocks(n) * QK256_BLOCK_BYTES;
}

const char *
qk256_version(void)
{
    return PACKAGE_VERSION;
}

const char *
qk256_implementation(void)
{
    return qk256_isa_name(qk256_select_isa());
}

const char *
qk256_strerror(int status)
{
    switch (status) {
    case QK256_OK:
        return "success";
    case QK256_E_NULL:
        return "a required pointer is NULL";
    case QK256_E_STRIDE:
        return "stride too small";
    case QK256_E_OVERFLOW:
        return "size or offset overflows";
    case QK256_E_OVERLAP:
        return "output overlaps an input";
    case QK256_E_RANGE:
        return "input value out of range";
    default:
        return "unknown status";
    }
}

size_t
qk256_row_bytes(size_t cols)
{
    return packed_bytes(cols);
}

int
qk256_pack(uint8_t *dst, const uint8_t *codes, size_t n)
{
    if (n == 0)
        return QK256_OK;
    if (!dst || !codes)
        return QK256_E_NULL;

    struct span out = span_of(dst, packed_bytes(n));
    struct span in = span_of(codes, n);

    if (span_wraps(out) || span_wraps(in))
        return QK256_E_OVERFLOW;
    if (spans_overlap(out, in))
        return QK256_E_OVERLAP;

    if (!qk256__codes_ok(codes, n))
        return QK256_E_RANGE;

    qk256__pack(dst, codes, n);
    return QK256_OK;
}

int
qk256_unpack(uint8_t *codes, const uint8_t *src, size_t n)
{
    if (n == 0)
        return QK256_OK;
    if (!codes || !src)
        return QK256_E_NULL;

    struct span out = span_of(codes, n);
    struct span in = span_of(src, packed_bytes(n));

    if (span_wraps(out) || span_wraps(in))
        return QK256_E_OVERFLOW;
    if (spans_overlap(out, in))
        return QK256_E_OVERLAP;

    qk256__unpack(codes, src, n);
    return QK256_OK;
}

int
qk256_dequantize(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    int ok = 1;

    if (n == 0)
        return QK256_OK;
    if (!dst || !src)
        return QK256_E_NULL;

    struct span out = span_of(dst, float_bytes(n, &ok));
    struct span in = span_of(src, packed_bytes(n));
    struct span sc = span_of(scales, scales ? qk256_blocks(n) * sizeof(float) : 0);

    if (!ok || span_wraps(out) || span_wraps(in) || span_wraps(sc))
        return QK256_E_OVERFLOW;
    if (spans_overlap(out, in) || spans_overlap(out, sc))
        return QK256_E_OVERLAP;

    qk256__dequantize(dst, src, scales, n);
    return QK256_OK;
}

/* Bytes from the first element of n vectors, ld elements apart, to the
 * end of the last one, which holds len elements of esz bytes: the padding
 * after the last vector need not exist.  n >= 1; 0 with *ok cleared when
 * that overflows size_t. */
static size_t
strided_bytes(size_t n, size_t ld, size_t len, size_t esz, int *ok)
{
    size_t most = SIZE_MAX / esz;

    if (len > most || (n > 1 && ld > (most - len) / (n - 1))) {
        *ok = 0;
        return 0;
    }
    return ((n - 1) * ld + len) * esz;
}

/* The checks that the GEMVs and GEMMs share, for rows > 0 and n > 0: n
 * activation vectors of cols elements of xsize bytes, ldx elements apart
 * (xok cleared when cols is too large for the kernel's accumulator), and
 * n results of rows floats, ldy apart; scales, when want_scales, holds n
 * floats.  Returns a status, or 1 when the call has nothing left to do
 * (cols == 0, results zeroed) and 0 when the kernel should run. */
static int
check_gemm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
           const void *x, size_t xsize, size_t ldx, int xok,
           const float *scales, int want_scales, size_t rows, size_t cols,
           size_t n)
{
    int ok = 1;

    if (!y || (cols > 0 && (!w || !x || (want_scales && !scales))))
        return QK256_E_NULL;

    size_t rb = packed_bytes(cols);

    if (row_stride < rb || ldy < rows || ldx < cols)
        return QK256_E_STRIDE;

    struct span out = span_of(y, strided_bytes(n, ldy, rows, sizeof(float), &ok));

    if (!ok || span_wraps(out))
        return QK256_E_OVERFLOW;
    if (cols == 0) {
        for (size_t j = 0; j < n; j++)
            memset(y + j * ldy, 0, rows * sizeof(float));
        return 1;
    }

    /* w spans from its first row to the end of its last. */
    struct span wm = span_of(w, strided_bytes(rows, row_stride, rb, 1, &ok));
    struct span in = span_of(x, strided_bytes(n, ldx, cols, xsize, &ok));
    struct span sc = span_of(scales, want_scales ? float_bytes(n, &ok) : 0);

    if (!ok || !xok || span_wraps(wm) || span_wraps(in) || span_wraps(sc))
        return QK256_E_OVERFLOW;
    if (spans_overlap(out, wm) || spans_overlap(out, in) || spans_overlap(out, sc))
        return QK256_E_OVERLAP;
    return 0;
}

int
qk256_gemv(float *y, const uint8_t *w, size_t row_stride, const float *x,
           size_t rows, size_t cols)
{
    if (rows == 0)
        return QK256_OK;

    int status = check_gemm(y, rows, w, row_stride, x, sizeof(float), cols, 1,
                            NULL, 0, rows, cols, 1);

    if (status)
        return status < 0 ? status : QK256_OK;
    qk256__gemv(y, w, row_stride, x, rows, cols);
    return QK256_OK;
}

/* The int32 accumulator is exact up to QK256_I8_MAX_COLS columns; that
 * check runs where the size checks run. */
int
qk256_gemv_i8(float *y, const uint8_t *w, size_t row_stride, const int8_t *xq,
              float scale, size_t rows, size_t cols)
{
    if (rows == 0)
        return QK256_OK;

    int status = check_gemm(y, rows, w, row_stride, xq, 1, cols,
                            cols <= QK256_I8_MAX_COLS, NULL, 0, rows, cols, 1);

    if (status)
        return status < 0 ? status : QK256_OK;
    qk256__gemv_i8(y, w, row_stride, xq, scale, rows, cols);
    return QK256_OK;
}

int
qk256_gemm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
           const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    if (rows == 0 || n == 0)
        return QK256_OK;

    int status = check_gemm(y, ldy, w, row_stride, x, sizeof(float), ldx, 1,
                            NULL, 0, rows, cols, n);

    if (status)
        return status < 0 ? status : QK256_OK;
    qk256__gemm(y, ldy, w, row_stride, x, ldx, rows, cols, n);
    return QK256_OK;
}

int
qk256_gemm_i8(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
              const int8_t *xq, size_t ldx, const float *scales, size_t rows,
              size_t cols, size_t n)
{
    if (rows == 0 || n == 0)
        return QK256_OK;

    int status = check_gemm(y, ldy, w, row_stride, xq, 1, ldx,
                            cols <= QK256_I8_MAX_COLS, scales, 1, rows, cols, n);

    if (status)
        return status < 0 ? status : QK256_OK;
    qk256__gemm_i8(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n);
    return QK256_OK;
}

int
qk256_quantize(uint8_t *dst, float *scales, const float *src, size_t n)
{
    int ok = 1;

    if (n == 0)
        return QK256_OK;
    if (!dst || !src)
        return QK256_E_NULL;

    struct span out = span_of(dst, packed_bytes(n));
    struct span sc = span_of(scales, scales ? qk256_blocks(n) * sizeof(float) : 0);
    struct span in = span_of(src, float_bytes(n, &ok));

    if (!ok || span_wraps(out) || span_wraps(sc) || span_wraps(in))
        return QK256_E_OVERFLOW;
    if (spans_overlap(out, in) || spans_overlap(sc, in) || spans_overlap(out, sc))
        return QK256_E_OVERLAP;
    if (!qk256__finite(src, n))
        return QK256_E_RANGE;

    qk256__quantize(dst, scales, src, n);
    return QK256_OK;
}

int
qk256_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n)
{
    int ok = 1;

    if (n == 0)
        return QK256_OK;
    if (!xq || !scale || !x)
        return QK256_E_NULL;

    struct span out = span_of(xq, n);
    struct span sc = span_of(scale, sizeof *scale);
    struct span in = span_of(x, float_bytes(n, &ok));

    if (!ok || span_wraps(out) || span_wraps(sc) || span_wraps(in))
        return QK256_E_OVERFLOW;
    if (spans_overlap(out, in) || spans_overlap(sc, in) || spans_overlap(out, sc))
        return QK256_E_OVERLAP;
    /* The kernel checks that x is finite before it writes. */
    return qk256__quantize_i8(xq, scale, x, n) ? QK256_OK : QK256_E_RANGE;
}
