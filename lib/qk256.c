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
        return "row stride too small";
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

/* The checks that qk256_gemv and qk256_gemv_i8 share, for an activation
 * vector of xbytes bytes (0 with *ok cleared when that overflowed).
 * Returns a status, or 1 when the call has nothing left to do (cols == 0,
 * y zeroed) and 0 when the kernel should run. */
static int
check_gemv(float *y, const uint8_t *w, size_t row_stride, const void *x,
           size_t xbytes, int xok, size_t rows, size_t cols)
{
    int ok = 1;

    if (!y || (cols > 0 && (!w || !x)))
        return QK256_E_NULL;

    size_t rb = packed_bytes(cols);

    if (row_stride < rb)
        return QK256_E_STRIDE;

    struct span out = span_of(y, float_bytes(rows, &ok));

    if (!ok || span_wraps(out))
        return QK256_E_OVERFLOW;
    if (cols == 0) {
        memset(y, 0, rows * sizeof(float));
        return 1;
    }

    /* w spans from its first row to the end of its last: the padding of
     * the last row need not exist. */
    if (rows - 1 > (SIZE_MAX - rb) / row_stride)
        return QK256_E_OVERFLOW;

    struct span wm = span_of(w, (rows - 1) * row_stride + rb);
    struct span in = span_of(x, xbytes);

    if (!xok || span_wraps(wm) || span_wraps(in))
        return QK256_E_OVERFLOW;
    if (spans_overlap(out, wm) || spans_overlap(out, in))
        return QK256_E_OVERLAP;
    return 0;
}

int
qk256_gemv(float *y, const uint8_t *w, size_t row_stride, const float *x,
           size_t rows, size_t cols)
{
    int ok = 1;
    size_t xbytes = float_bytes(cols, &ok);

    if (rows == 0)
        return QK256_OK;

    int status = check_gemv(y, w, row_stride, x, xbytes, ok, rows, cols);

    if (status)
        return status < 0 ? status : QK256_OK;
    qk256__gemv(y, w, row_stride, x, rows, cols);
    return QK256_OK;
}

int
qk256_gemv_i8(float *y, const uint8_t *w, size_t row_stride, const int8_t *xq,
              float scale, size_t rows, size_t cols)
{
    if (rows == 0)
        return QK256_OK;

    /* The int32 accumulator is exact up to QK256_I8_MAX_COLS columns; the
     * check runs where the size checks run. */
    int status = check_gemv(y, w, row_stride, xq, cols,
                            cols <= QK256_I8_MAX_COLS, rows, cols);

    if (status)
        return status < 0 ? status : QK256_OK;
    qk256__gemv_i8(y, w, row_stride, xq, scale, rows, cols);
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
    if (!qk256__finite(x, n))
        return QK256_E_RANGE;

    qk256__quantize_i8(xq, scale, x, n);
    return QK256_OK;
}
