/* tests/fuzz/fuzz_gemv.c -- libFuzzer target: qk256_gemv against the f32
 * bound of tests/ref.c and every variant
 * SPDX-License-Identifier: MIT
 *
 * The header (fuzz.h) with:
 *   rows, n       rows up to FZ_MAX_ROWS, cols up to FZ_MAX_COLS
 *   stride_mode   exact, padded or short (fz_stride)
 *   kind, exp     how x is made; inj puts NaN or infinities into it
 *   flags 0x08    run each variant again after rewriting every pad code
 *                 and padding byte of w: y must not change by a bit
 * then the packed matrix (pad codes and padding bytes too), then x.
 *
 * y is within SPEC section 4's bound of the exact sum (ref_gemv_close) in
 * every variant; the public call gives the bound variant's y bitwise.
 */
#include "fuzz.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"

/* Checks y[0..rows) (aligned) against the reference, row by row. */
static void
check_rows(const char *who, const float *y, const struct fz_gemv_shape *s,
           const uint8_t *w, const float *x)
{
    for (size_t r = 0; r < s->rows; r++) {
        if (s->cols == 0) {
            /* SPEC section 3: y[r] = 0, whatever w and x are */
            if (y[r] != 0.0f || signbit(y[r]))
                fz_fail("%s: y[%zu] = %a with cols == 0, want +0", who, r,
                        (double)y[r]);
            continue;
        }

        struct ref_dot d = ref_dot_row(w + r * s->stride, x, s->cols);

        if (!ref_gemv_close(y[r], d))
            fz_fail("%s: y[%zu] = %.9g (%a), exact %.17g, sum |w x| %.9g: "
                    "outside 1e-4 * max(1, sum)", who, r, (double)y[r],
                    (double)y[r], d.exact, d.mag);
    }
}

/* Every usable variant on exact copies of w and x; pub is the public y. */
static void
run_variants(struct fz *f, const struct fz_hdr *h,
             const struct fz_gemv_shape *s, const uint8_t *w, const float *x,
             const float *pub, const struct qk256_impl *bound)
{
    size_t rows = s->rows, cols = s->cols, ylen = rows * sizeof(float);
    struct fz_buf wb, xb;
    uint8_t *wp = fz_buf_new(&wb, s->wlen, h->skew[1]);
    float *xp = (float *)fz_buf_new(&xb, cols * sizeof(float), h->skew[2]);
    float *ys[QK256_ISA_COUNT] = { NULL };

    memcpy(wp, w, s->wlen);
    memcpy(xp, x, cols * sizeof(float));

    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            if (!(h->flags & 0x08))
                break;
            fz_scramble_ignored(wp, rows, s->stride, cols, f);
        }
        FZ_FOR_USABLE(k) {
            const struct qk256_impl *impl = &qk256_impls[k];
            struct fz_buf yb;
            float *yp = fz_out_new(&yb, ylen, h);

            impl->gemv(yp, wp, s->stride, xp, rows, cols);
            if (pass == 0) {
                ys[k] = fz_xmalloc(ylen);
                memcpy(ys[k], yp, ylen);
                check_rows(impl->name, ys[k], s, w, x);
                if (impl == bound)
                    fz_same_floats("public", "y", pub, ys[k], rows, impl->name);
            } else {
                fz_same_floats(impl->name, "y with other pad codes", yp, ys[k],
                               rows, "y before");
            }
            fz_buf_free(&yb);
        }
    }
    if (!(h->flags & 0x08))
        fz_same_bytes("variants", "w", wp, w, s->wlen, "its copy");
    fz_same_bytes("variants", "x", xp, x, cols * sizeof(float), "its copy");
    for (size_t k = 0; k < QK256_ISA_COUNT; k++)
        free(ys[k]);
    fz_buf_free(&wb);
    fz_buf_free(&xb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    struct fz_hdr h;
    struct fz_gemv_shape s;
    struct fz_arg args[3];
    struct fz_layout l;

    fz_init(&f, data, size);
    fz_read_hdr(&f, &h, FZ_MAX_ROWS, FZ_MAX_COLS);
    fz_gemv_shape(&s, &h);

    uint8_t *w = fz_xmalloc(s.wlen);
    float *x = fz_xmalloc(s.cols * sizeof(float));
    float *pub = fz_xmalloc(s.rows * sizeof(float));

    for (size_t i = 0; i < s.wlen; i++)
        w[i] = (uint8_t)fz_byte(&f);
    fz_floats(&f, &h, x, s.cols);

    fz_gemv_args(args, &s, w, x, sizeof(float));
    fz_place(&l, &h, args, 3);
    fz_gemv_overflow(&s, &h, &l, 0);
    fz_gemv_ctx("gemv", &s, &h, &l);

    int want = fz_gemv_want(&s, &h, &l);
    int got = qk256_gemv((float *)args[0].p, args[1].p, s.call_stride,
                         (const float *)args[2].p, s.call_rows, s.call_cols);

    fz_check_call(&l, "gemv", got, want, s.call_rows > 0);
    if (got == QK256_OK && s.call_rows > 0) {
        memcpy(pub, args[0].p, s.rows * sizeof(float));
        check_rows("public", pub, &s, w, x);
    }
    fz_layout_free(&l);

    const struct qk256_impl *bound = fz_public_checks(got, h.aux);

    /* Kernels trust their arguments: only those the public call took. */
    if (h.fault == FZ_NONE && got == QK256_OK && s.rows && s.cols)
        run_variants(&f, &h, &s, w, x, pub, bound);

    free(w);
    free(x);
    free(pub);
    return 0;
}
