/* tests/fuzz/fuzz_i8.c -- libFuzzer target: qk256_quantize_i8 and
 * qk256_gemv_i8 against tests/ref.c and every variant, bitwise
 * SPDX-License-Identifier: MIT
 *
 * The header (fuzz.h) with:
 *   op            0xb1 with QK256_FUZZ_BIG set: gemv_i8 at
 *                 QK256_I8_MAX_COLS columns (below); else op % 2:
 *                 0 quantize_i8, 1 gemv_i8
 *   n             quantize_i8: up to FZ_MAX_N floats; gemv_i8: cols, up
 *                 to FZ_MAX_COLS, with rows and stride_mode
 *   kind, exp     how x (quantize_i8) or the scale (gemv_i8) is made;
 *                 inj puts NaN or an infinity into x (QK256_E_RANGE), or
 *                 makes it the scale of gemv_i8
 *   flags 0x01    gemv_i8: xq in [-127, 127] (what quantize_i8 gives)
 *                 rather than any int8, -128 included
 *   aux           NULL fault: quantize_i8 takes aux % 7 + 1 as a mask of
 *                 xq (1), scale (2) and x (4); gemv_i8 see fz_gemv_shape
 * then x, or the packed matrix (pad codes and padding bytes too) and xq.
 *
 * At QK256_I8_MAX_COLS columns, with all weights -2 and all xq -128, the
 * sum is 2^31, one more than INT32_MAX; qk256_gemv_i8(3) says every
 * variant takes it modulo 2^32 and gives scale * -2^31.  Op 0xb1 runs
 * such rows (flags 0x01 clear: xq -128, else 127), with a few weights and
 * xq changed by the input (flags bits 4-6 say how many).  It takes a good
 * fraction of a second, and libFuzzer's comparison tracing finds the op
 * byte at once, so it would soon take most of the fuzzing time: op 0xb1
 * is only this case when QK256_FUZZ_BIG is set in the environment, which
 * run-fuzzers does for -r and for files it is given, and a plain gemv_i8
 * case otherwise.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "ref.h"

#define OP_BIG 0xb1u

/* ---- quantize_i8 ---------------------------------------------------------- */

static void
quantize_variants(const struct fz_hdr *h, const float *x, size_t n,
                  const int8_t *want_xq, float want_scale, int finite)
{
    struct fz_buf in;
    float *xp = (float *)fz_buf_new(&in, n * sizeof(float), h->skew[2]);

    memcpy(xp, x, n * sizeof(float));
    /* The kernels find a non-finite x themselves, and then write nothing. */
    unsigned char *canaries = fz_xmalloc(n + sizeof(float));

    memset(canaries, h->canary, n + sizeof(float));
    FZ_FOR_USABLE(k) {
        const struct qk256_impl *impl = &qk256_impls[k];
        struct fz_buf qb, sb;
        int8_t *qp = (int8_t *)fz_buf_new(&qb, n, h->skew[0]);
        float *sp = (float *)fz_buf_new(&sb, sizeof(float), h->skew[1]);

        memset(qp, h->canary, n);
        memset(sp, h->canary, sizeof(float));

        int ok = impl->quantize_i8(qp, sp, xp, n);

        if (!ok != !finite)
            fz_fail("%s: quantize_i8 returned %d for n=%zu floats, finite %d",
                    impl->name, ok, n, finite);
        if (ok) {
            fz_same_bytes(impl->name, "xq", qp, want_xq, n, "ref");
            fz_same_floats(impl->name, "scale", sp, &want_scale, 1, "ref");
        } else {
            fz_same_bytes(impl->name, "xq", qp, canaries, n, "canaries");
            fz_same_bytes(impl->name, "scale", sp, canaries, sizeof(float), "canaries");
        }
        fz_buf_free(&qb);
        fz_buf_free(&sb);
    }
    free(canaries);
    fz_same_bytes("variants", "x", xp, x, n * sizeof(float), "its copy");
    fz_buf_free(&in);
}

static int
run_quantize_i8(struct fz *f, const struct fz_hdr *h)
{
    size_t n = h->n;
    float *x = fz_xmalloc(n * sizeof(float));
    int8_t *want_xq = fz_xmalloc(n);
    float want_scale = 0.0f;

    fz_floats(f, h, x, n);

    int finite = fz_all_finite(x, n);

    if (n && finite)
        ref_quantize_i8(want_xq, &want_scale, x, n);

    struct fz_arg args[3] = {
        { "xq", n, want_xq, 1, 0, 0, NULL },
        { "scale", sizeof(float), &want_scale, 1, 1, 0, NULL },
        { "x", n * sizeof(float), x, 0, 1, 0, NULL },
    };
    size_t call_n = n;
    int is_null = 0, want;
    struct fz_layout l;

    if (h->fault == FZ_NULL) {
        unsigned which = h->aux % 7 + 1;

        for (int i = 0; i < 3; i++)
            args[i].null = (which >> i) & 1;
        is_null = 1;
    }
    fz_place(&l, h, args, 3);
    if (h->fault == FZ_OVERFLOW && l.fake < 0)
        call_n = fz_huge(h->aux, 1);

    want = fz_want(call_n, is_null, h, &l, !finite);

    fz_ctx("quantize_i8 n=%zu (%zu passed) fault=%d aux=0x%08x "
           "skew=%u,%u,%u pair=%d,%d t=%lld fake=%d kind=%u exp=%d "
           "inj=0x%02x@%u", n, call_n, (int)h->fault, (unsigned)h->aux,
           h->skew[0], h->skew[1], h->skew[2], l.pair_out, l.pair_in, l.t,
           l.fake, h->kind, h->exp, h->inj, h->inj_at);

    int got = qk256_quantize_i8((int8_t *)args[0].p, (float *)args[1].p,
                                (const float *)args[2].p, call_n);

    fz_check_call(&l, "quantize_i8", got, want, call_n > 0);
    fz_layout_free(&l);

    if (h->fault == FZ_NONE && n)
        quantize_variants(h, x, n, want_xq, want_scale, finite);

    free(x);
    free(want_xq);
    return got;
}

/* ---- gemv_i8 -------------------------------------------------------------- */

/* Every usable variant on exact copies of w and xq: y bitwise want. */
static void
gemv_variants(const struct fz_hdr *h, const struct fz_gemv_shape *s,
              const uint8_t *w, const int8_t *xq, float scale,
              const float *want)
{
    size_t ylen = s->rows * sizeof(float);
    struct fz_buf wb, xb;
    uint8_t *wp = fz_buf_new(&wb, s->wlen, h->skew[1]);
    int8_t *xp = (int8_t *)fz_buf_new(&xb, s->cols, h->skew[2]);

    memcpy(wp, w, s->wlen);
    memcpy(xp, xq, s->cols);
    FZ_FOR_USABLE(k) {
        const struct qk256_impl *impl = &qk256_impls[k];
        struct fz_buf yb;
        float *yp = fz_out_new(&yb, ylen, h);

        impl->gemv_i8(yp, wp, s->stride, xp, scale, s->rows, s->cols);
        fz_same_floats(impl->name, "y", yp, want, s->rows, "ref");
        fz_buf_free(&yb);
    }
    fz_same_bytes("variants", "w", wp, w, s->wlen, "its copy");
    fz_same_bytes("variants", "xq", xp, xq, s->cols, "its copy");
    fz_buf_free(&wb);
    fz_buf_free(&xb);
}

static int
run_gemv_i8(struct fz *f, const struct fz_hdr *h)
{
    struct fz_gemv_shape s;
    struct fz_arg args[3];
    struct fz_layout l;

    fz_gemv_shape(&s, h);

    uint8_t *w = fz_xmalloc(s.wlen);
    int8_t *xq = fz_xmalloc(s.cols);
    float *want_y = fz_xmalloc(s.rows * sizeof(float));
    float scale = h->inj & FZ_INJ_ON ? fz_injected(h) : fz_float(f, h);

    for (size_t i = 0; i < s.wlen; i++)
        w[i] = (uint8_t)fz_byte(f);
    for (size_t i = 0; i < s.cols; i++) {
        unsigned b = fz_byte(f);

        if (h->flags & 0x01 && b == 0x80)
            b = 0x81; /* -127 */
        xq[i] = (int8_t)(b < 128 ? (int)b : (int)b - 256);
    }
    ref_gemv_i8(want_y, w, s.stride, xq, scale, s.rows, s.cols);

    fz_gemv_args(args, &s, w, xq, 1);
    args[0].data = want_y;
    fz_place(&l, h, args, 3);
    fz_gemv_overflow(&s, h, &l, 1);
    fz_gemv_ctx("gemv_i8", &s, h, &l);

    int want = fz_gemv_want(&s, h, &l);
    int got = qk256_gemv_i8((float *)args[0].p, args[1].p, s.call_stride,
                            (const int8_t *)args[2].p, scale, s.call_rows,
                            s.call_cols);

    fz_check_call(&l, "gemv_i8", got, want, s.call_rows > 0);
    fz_layout_free(&l);

    /* Kernels trust their arguments: only those the public call took. */
    if (h->fault == FZ_NONE && got == QK256_OK && s.rows && s.cols)
        gemv_variants(h, &s, w, xq, scale, want_y);

    free(w);
    free(xq);
    free(want_y);
    return got;
}

/* ---- gemv_i8 at QK256_I8_MAX_COLS ---------------------------------------- */

static int
run_big(struct fz *f, const struct fz_hdr *h)
{
    enum { MAX_EDITS = 7, BLOCKS = QK256_I8_MAX_COLS / 256 };
    size_t rows = 1 + (h->flags >> 1 & 1), cols = QK256_I8_MAX_COLS;
    size_t rb = fz_row_bytes(cols), wlen = rows * rb;
    int8_t fill = h->flags & 0x01 ? 127 : -128;
    float scale = h->inj & FZ_INJ_ON ? fz_injected(h) : fz_float(f, h);
    float want[2];
    struct fz_buf wb, xb, yb;
    uint8_t *w = fz_buf_new(&wb, wlen, h->skew[1]);
    int8_t *xq = (int8_t *)fz_buf_new(&xb, cols, h->skew[2]);
    float *y = (float *)fz_buf_new(&yb, rows * sizeof(float), h->skew[0]);
    unsigned edits = (h->flags >> 4) & MAX_EDITS;
    size_t w_at[MAX_EDITS], x_at[MAX_EDITS];

    /* Every weight -2 (code 0), every xq the fill, then a few edits. */
    memset(w, 0, wlen);
    memset(xq, fill, cols);
    for (unsigned i = 0; i < edits; i++) {
        w_at[i] = fz_u32(f) % wlen;
        w[w_at[i]] = (uint8_t)fz_byte(f);
        x_at[i] = fz_u32(f) % cols;
        xq[x_at[i]] = (int8_t)(fz_byte(f) & 0x7f);
    }

    /* The reference sum: a block that no edit touched is 256 * -2 * fill;
     * the others go through ref_dot_i8. */
    for (size_t r = 0; r < rows; r++) {
        int64_t acc = 0;
        int32_t a;

        for (size_t b = 0; b < BLOCKS; b++) {
            int touched = 0;

            for (unsigned i = 0; i < edits; i++)
                touched |= x_at[i] / 256 == b
                           || (w_at[i] / rb == r && w_at[i] % rb / 64 == b);
            if (touched)
                acc += ref_dot_i8(w + r * rb + b * 64, xq + b * 256, 256);
            else
                acc += 256 * -2 * (int64_t)fill;
        }
        if (acc == (int64_t)1 << 31)
            a = INT32_MIN; /* the one sum that wraps, qk256_gemv_i8(3) */
        else if (acc > INT32_MAX || acc < INT32_MIN)
            fz_fail("big: row %zu sums to %lld, which cannot happen", r,
                    (long long)acc);
        else
            a = (int32_t)acc;
        want[r] = scale * (float)a;
    }

    fz_ctx("gemv_i8 big rows=%zu cols=%zu fill=%d edits=%u scale=%a", rows,
           cols, fill, edits, (double)scale);
    memset(y, h->canary, rows * sizeof(float));

    int got = qk256_gemv_i8(y, w, rb, xq, scale, rows, cols);

    fz_check_status("gemv_i8", got, QK256_OK);
    fz_same_floats("public", "y", y, want, rows, "want");
    FZ_FOR_USABLE(k) {
        const struct qk256_impl *impl = &qk256_impls[k];

        memset(y, h->canary, rows * sizeof(float));
        impl->gemv_i8(y, w, rb, xq, scale, rows, cols);
        fz_same_floats(impl->name, "y", y, want, rows, "want");
    }
    fz_buf_free(&wb);
    fz_buf_free(&xb);
    fz_buf_free(&yb);
    return got;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    struct fz_hdr h;
    int got;

    static int big = -1;

    if (big < 0) {
        const char *v = getenv("QK256_FUZZ_BIG");

        big = v && *v && strcmp(v, "0") != 0;
    }
    fz_init(&f, data, size);
    if (big && size > 0 && data[0] == OP_BIG) {
        fz_read_hdr(&f, &h, FZ_MAX_ROWS, FZ_MAX_COLS);
        got = run_big(&f, &h);
    } else if (size > 0 && data[0] % 2 == 1) {
        fz_read_hdr(&f, &h, FZ_MAX_ROWS, FZ_MAX_COLS);
        got = run_gemv_i8(&f, &h);
    } else {
        fz_read_hdr(&f, &h, FZ_MAX_ROWS, FZ_MAX_N);
        got = run_quantize_i8(&f, &h);
    }
    fz_public_checks(got, h.aux);
    return 0;
}
