/* tests/fuzz/fuzz_gemm.c -- libFuzzer target: qk256_gemm against the f32
 * bound of tests/ref.c, qk256_gemm_i8 bitwise against tests/ref.c, each in
 * every variant
 * SPDX-License-Identifier: MIT
 *
 * The header (fuzz.h) and the 4 bytes of fz_gemm_shape() with:
 *   op            op % 2: 0 gemm, 1 gemm_i8
 *   rows, n       rows up to FZ_MAX_ROWS, cols up to FZ_MAX_COLS; then n
 *                 vectors (0..FZ_MAX_NVEC), ldy and ldx (fz_ld), which
 *                 size the overflow fault makes huge
 *   stride_mode   exact, padded or short (fz_stride)
 *   kind, exp     how x (gemm) or the scales (gemm_i8) are made; inj puts
 *                 NaN or infinities into them: into x's padding between
 *                 vectors too, which no result may see
 *   flags 0x01    gemm_i8: xq in [-127, 127] (what quantize_i8 gives)
 *                 rather than any int8, -128 included
 *   flags 0x08    run each variant again after rewriting every pad code
 *                 and padding byte of w and the padding of x between
 *                 vectors: y must not change by a bit
 * then the packed matrix (pad codes and padding bytes too), then x or xq
 * (its padding too), then the scales.
 *
 * The elements of y between results start as the canary and must stay
 * so, in the public call and in every variant.  gemm: each result within
 * SPEC section 4's bound of the exact sum (ref_gemv_close) in every
 * variant; the public call gives the bound variant's y bitwise.  gemm_i8:
 * each result bitwise ref_gemv_i8 of its vector and scale, and the
 * variant's own gemv_i8 of that vector.
 */
#include "fuzz.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"

/* The float at element i of possibly unaligned memory. */
static float
get_f32(const void *p, size_t i)
{
    float v;

    memcpy(&v, (const unsigned char *)p + i * sizeof v, sizeof v);
    return v;
}

/* Checks the ylen floats of a gemm's y: the results against the exact
 * sums d[j * rows + r] (NULL when cols == 0: +0), the padding between
 * them against the canary. */
static void
check_y(const char *who, const void *y, const struct fz_gemv_shape *s,
        const struct ref_dot *d, unsigned char canary)
{
    const unsigned char *b = y;

    for (size_t i = 0; i < s->ylen; i++) {
        size_t j = i / s->ldy, r = i % s->ldy;
        float v = get_f32(y, i);

        if (r >= s->rows) {
            for (size_t k = 0; k < sizeof(float); k++)
                if (b[i * sizeof(float) + k] != canary)
                    fz_fail("%s: y[%zu], padding after result %zu, is 0x%02x "
                            "in byte %zu, want the canary 0x%02x", who, i, j,
                            b[i * sizeof(float) + k], k, canary);
            continue;
        }
        if (!d) {
            /* SPEC section 3: y = 0, whatever w and x are */
            if (v != 0.0f || signbit(v))
                fz_fail("%s: result %zu y[%zu] = %a with cols == 0, want +0",
                        who, j, r, (double)v);
            continue;
        }
        if (!ref_gemv_close(v, d[j * s->rows + r]))
            fz_fail("%s: result %zu y[%zu] = %.9g (%a), exact %.17g, sum "
                    "|w x| %.9g: outside 1e-4 * max(1, sum)", who, j, r,
                    (double)v, (double)v, d[j * s->rows + r].exact,
                    d[j * s->rows + r].mag);
    }
}

/* Rewrites what no result may depend on: the pad codes and row padding
 * of w, and the elements of x between vectors (xsize bytes each). */
static void
scramble(struct fz *f, const struct fz_gemv_shape *s, uint8_t *w,
         unsigned char *x, size_t xsize)
{
    fz_scramble_ignored(w, s->rows, s->stride, s->cols, f);
    for (size_t j = 0; j + 1 < s->n; j++)
        for (size_t i = s->cols * xsize; i < s->ldx * xsize; i++)
            x[j * s->ldx * xsize + i] ^= (unsigned char)(1 + fz_byte(f) % 255);
}

/* Every usable variant on exact copies of w, x (xsize bytes an element)
 * and scales (gemm_i8): gemm results within the bound of d, gemm_i8 ones
 * bitwise want; the padding of y the canary.  pub is the public y, which
 * must be the bound variant's. */
static void
run_variants(struct fz *f, const struct fz_hdr *h,
             const struct fz_gemv_shape *s, const uint8_t *w, const void *x,
             size_t xsize, const float *scales, const struct ref_dot *d,
             const float *want, const float *pub,
             const struct qk256_impl *bound)
{
    size_t ylen = s->ylen * sizeof(float), xlen = s->xlen * xsize;
    size_t slen = scales ? s->n * sizeof(float) : 0;
    struct fz_buf wb, xb, sb;
    uint8_t *wp = fz_buf_new(&wb, s->wlen, h->skew[1]);
    unsigned char *xp = fz_buf_new(&xb, xlen, h->skew[2]);
    float *sp = (float *)fz_buf_new(&sb, slen, h->skew[0]);
    float *ys[QK256_ISA_COUNT] = { NULL };
    float *col = fz_xmalloc(s->rows * sizeof(float));

    memcpy(wp, w, s->wlen);
    memcpy(xp, x, xlen);
    if (scales)
        memcpy(sp, scales, slen);

    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            if (!(h->flags & 0x08))
                break;
            scramble(f, s, wp, xp, xsize);
        }
        FZ_FOR_USABLE(k) {
            const struct qk256_impl *impl = &qk256_impls[k];
            struct fz_buf yb;
            float *yp = fz_out_new(&yb, ylen, h);

            if (scales)
                impl->gemm_i8(yp, s->ldy, wp, s->stride, (const int8_t *)xp,
                              s->ldx, sp, s->rows, s->cols, s->n);
            else
                impl->gemm(yp, s->ldy, wp, s->stride, (const float *)xp,
                           s->ldx, s->rows, s->cols, s->n);
            if (pass == 1) {
                fz_same_floats(impl->name, "y with other padding", yp, ys[k],
                               s->ylen, "y before");
                fz_buf_free(&yb);
                continue;
            }
            ys[k] = fz_xmalloc(ylen);
            memcpy(ys[k], yp, ylen);
            if (scales) {
                fz_same_floats(impl->name, "y", yp, want, s->ylen, "ref");
                for (size_t j = 0; j < s->n; j++) {
                    impl->gemv_i8(col, wp, s->stride,
                                  (const int8_t *)xp + j * s->ldx,
                                  get_f32(sp, j), s->rows, s->cols);
                    fz_same_floats(impl->name, "a result of gemm_i8",
                                   ys[k] + j * s->ldy, col, s->rows,
                                   "its gemv_i8");
                }
            } else {
                check_y(impl->name, ys[k], s, d, h->canary);
            }
            if (impl == bound)
                fz_same_floats("public", "y", pub, ys[k], s->ylen, impl->name);
            fz_buf_free(&yb);
        }
    }
    if (!(h->flags & 0x08)) {
        fz_same_bytes("variants", "w", wp, w, s->wlen, "its copy");
        fz_same_bytes("variants", "x", xp, x, xlen, "its copy");
    }
    if (scales)
        fz_same_bytes("variants", "scales", sp, scales, slen, "its copy");
    for (size_t k = 0; k < QK256_ISA_COUNT; k++)
        free(ys[k]);
    free(col);
    fz_buf_free(&wb);
    fz_buf_free(&xb);
    fz_buf_free(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    struct fz_hdr h;
    struct fz_gemv_shape s;
    struct fz_arg args[4];
    struct fz_layout l;

    fz_init(&f, data, size);
    fz_read_hdr(&f, &h, FZ_MAX_ROWS, FZ_MAX_COLS);

    int i8 = h.op % 2;
    const char *fn = i8 ? "gemm_i8" : "gemm";
    size_t xsize = i8 ? 1 : sizeof(float);

    fz_gemm_shape(&s, &h, &f, i8);

    uint8_t *w = fz_xmalloc(s.wlen);
    unsigned char *x = fz_xmalloc(s.xlen * xsize);
    float *scales = fz_xmalloc(s.n * sizeof(float));
    float *want = fz_xmalloc(s.ylen * sizeof(float));
    float *pub = fz_xmalloc(s.ylen * sizeof(float));
    struct ref_dot *d = NULL;

    for (size_t i = 0; i < s.wlen; i++)
        w[i] = (uint8_t)fz_byte(&f);
    if (i8) {
        for (size_t i = 0; i < s.xlen; i++) {
            unsigned b = fz_byte(&f);

            if (h.flags & 0x01 && b == 0x80)
                b = 0x81; /* -127 */
            x[i] = (unsigned char)b;
        }
        fz_floats(&f, &h, scales, s.n);
        /* The results as ref_gemv_i8 gives them, the canary between. */
        memset(want, h.canary, s.ylen * sizeof(float));
        for (size_t j = 0; j < s.n && s.rows; j++)
            ref_gemv_i8(want + j * s.ldy, w, s.stride,
                        (const int8_t *)x + j * s.ldx, scales[j], s.rows,
                        s.cols);
    } else {
        fz_floats(&f, &h, (float *)x, s.xlen);
    }

    fz_gemv_args(args, &s, w, x, xsize);
    if (i8) {
        struct fz_arg sa = { "scales", s.cols ? s.n * sizeof(float) : 0,
                             scales, 0, 1, s.null_s, NULL };

        args[0].data = want;
        args[3] = sa;
    }
    fz_place(&l, &h, args, i8 ? 4 : 3);
    fz_gemv_overflow(&s, &h, &l, i8);
    fz_gemv_ctx(fn, &s, &h, &l);

    int want_status = fz_gemv_want(&s, &h, &l);
    int wrote = s.call_rows > 0 && s.call_n > 0;
    int got = i8
        ? qk256_gemm_i8((float *)args[0].p, s.call_ldy, args[1].p,
                        s.call_stride, (const int8_t *)args[2].p, s.call_ldx,
                        (const float *)args[3].p, s.call_rows, s.call_cols,
                        s.call_n)
        : qk256_gemm((float *)args[0].p, s.call_ldy, args[1].p, s.call_stride,
                     (const float *)args[2].p, s.call_ldx, s.call_rows,
                     s.call_cols, s.call_n);

    /* gemm_i8: y bitwise want, padding included; gemm: only the inputs
     * and the blocks' other bytes here, y below. */
    fz_check_call(&l, fn, got, want_status, wrote);
    if (!i8 && s.rows && s.cols && s.n) {
        d = fz_xmalloc(s.n * s.rows * sizeof *d);
        for (size_t j = 0; j < s.n; j++)
            for (size_t r = 0; r < s.rows; r++)
                d[j * s.rows + r] = ref_dot_row(w + r * s.stride,
                                                (const float *)x + j * s.ldx,
                                                s.cols);
    }
    if (got == QK256_OK && wrote) {
        memcpy(pub, args[0].p, s.ylen * sizeof(float));
        if (!i8)
            check_y("public", pub, &s, d, h.canary);
    }
    fz_layout_free(&l);

    const struct qk256_impl *bound = fz_public_checks(got, h.aux);

    /* Kernels trust their arguments: only those the public call took. */
    if (h.fault == FZ_NONE && got == QK256_OK && s.rows && s.cols && s.n)
        run_variants(&f, &h, &s, w, x, xsize, i8 ? scales : NULL, d, want,
                     pub, bound);

    free(w);
    free(x);
    free(scales);
    free(want);
    free(pub);
    free(d);
    return 0;
}
