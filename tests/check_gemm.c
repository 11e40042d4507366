/* tests/check_gemm.c -- qk256_gemm and qk256_gemm_i8 on every variant
 * SPDX-License-Identifier: MIT
 *
 * Result j of qk256_gemm is held, row by row, to the SPEC section 4 bound
 * against the reference (exactly, where x holds small integers and every
 * sum is exact); result j of qk256_gemm_i8 must be bitwise the reference
 * GEMV of column j with scales[j], bitwise the same variant's gemv_i8 on
 * that column and bitwise the public qk256_gemv_i8.  Shapes: every result
 * count around tiles of 2, 4 and 8 (1..17, 23, 31..33, 63..65), row
 * counts around groups of up to 4, the awkward sizes as cols and, for the
 * int8 kernels, widths past their column chunks.  Every case pads: ldy
 * and ldx from the minimum (rows, cols) up to 37 elements more, padded
 * row strides, garbage in every pad code and row padding byte, NaN in the
 * x padding between vectors, a sentinel in the y padding between results
 * and after the last one, which must come back byte for byte; every
 * buffer at every guard-page placement.
 *
 * Suite "gemm" has one TCase per target for the kernel tests and one,
 * "gemm/api", for the few error paths and empty shapes whose semantics
 * are the GEMMs' own (strides, padding, cols == 0, overlap through a
 * later result); the table of every error path is in check_args.c.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "testutil.h"

/* Result counts around tiles of 2, 4 and 8 results per pass. */
static const size_t n_counts[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
    23, 31, 32, 33, 63, 64, 65,
};

/* Row counts around groups of up to 4 rows. */
static const size_t row_counts[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17 };

/* The cols of the tests that go through every n and every row count:
 * one element, a partial block, whole blocks and one past. */
static const size_t small_cols[] = { 1, 3, 255, 256, 257, 300, 513 };

static const size_t stride_pads[] = { 0, 1, 3, 64 };

/* Past the row groups: row counts around blocks of 32 rows, with result
 * counts across a tile, and cols across column chunks of 1024 (f32) and
 * 4096 (int8) elements. */
static const struct {
    size_t rows, n;
} block_pairs[] = {
    { 31, 9 }, { 32, 8 }, { 33, 3 }, { 63, 2 }, { 65, 5 }, { 64, 1 },
};
static const size_t block_cols[] = { 300, 1024 + 1, 4096 + 1 };

/* The integer weight of each code. */
static const int wi[4] = { -2, -1, 1, 2 };

/* ==== the cases ========================================================== */

/* Scales: ordinary, negative, tiny (y underflows), subnormal, huge (y
 * overflows), signed zeros, and not finite. */
static const float scale_list[] = {
    1.0f, 0.5f, -3.0f, 1e-30f, 0x1p-149f, FLT_MAX, 0.0f, -0.0f,
    NAN, INFINITY, -INFINITY, 0.0123f, -0x1p-140f,
};

enum skind {
    SC_RANDOM, /* each column its own, uniform in [-4, 4] */
    SC_LIST,   /* column j: scale_list[(j + seed) % 13] */
};

struct mcase {
    int i8; /* qk256_gemm_i8, else qk256_gemm */
    size_t rows, cols, n;
    size_t ypad, xpad, wpad; /* ldy = rows + ypad, ldx = cols + xpad,
                                row_stride = qk256_row_bytes(cols) + wpad */
    size_t yslack; /* floats of y after the end of the last result */
    unsigned w_pos, x_pos, y_pos, s_pos;
    uint64_t seed;
    int wcode; /* -1: random bytes; 0..3: that code everywhere */
    int repad; /* call again with other pad codes: the same bits */
    enum xkind xk; /* gemm */
    enum xspecial sp;
    enum xqkind qk; /* gemm_i8 */
    int xconst;
    enum skind sk;
};

/* An extra element count for ldy or ldx: the minimum a quarter of the
 * time, else 1..37. */
static size_t
pick_pad(struct rng *r)
{
    return rng_below(r, 4) ? 1 + rng_below(r, 37) : 0;
}

/* A case of qk256_gemm_i8 (i8) or qk256_gemm with random weights, x in
 * [-10, 10] or random xq with random scales, and paddings from r: all of
 * them minimal when tight. */
static struct mcase
plain_mcase(int i8, size_t rows, size_t cols, size_t n, unsigned pos,
            int tight, struct rng *r)
{
    struct mcase mc;

    memset(&mc, 0, sizeof mc);
    mc.i8 = i8;
    mc.rows = rows;
    mc.cols = cols;
    mc.n = n;
    if (!tight) {
        mc.ypad = pick_pad(r);
        mc.xpad = pick_pad(r);
        mc.wpad = stride_pads[rng_below(r, NELEMS(stride_pads))];
        switch (rng_below(r, 3)) {
        case 0:
            mc.yslack = mc.ypad; /* the whole padding of a last result */
            break;
        case 1:
            mc.yslack = rng_below(r, 5);
            break;
        default:
            break;
        }
    }
    mc.w_pos = pos % GBUF_NPOS;
    mc.x_pos = (pos + 1) % GBUF_NPOS;
    mc.y_pos = (pos + 2) % GBUF_NPOS;
    mc.s_pos = (pos + 3) % GBUF_NPOS;
    mc.seed = rng_next(r);
    mc.wcode = -1;
    mc.xk = X_RANGE10;
    mc.sp = S_NONE;
    mc.qk = XQ_RANDOM;
    mc.sk = SC_RANDOM;
    return mc;
}

/* The bits of the sentinel in y element i before a call: finite (about
 * 1e16, never a result here), and different in every element. */
static void
fill_sentinel(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = 0x5a000000u | (uint32_t)(i & 0xffffffu);

        memcpy(&p[i], &bits, sizeof bits);
    }
}

/* Every element of y (ylen floats) that is not in one of the n results,
 * rows floats ldy apart, still holds its sentinel. */
static void
check_untouched(const float *yv, const float *img, size_t ylen, size_t ldy,
                size_t rows, size_t n, const char *ctx)
{
    for (size_t i = 0; i < ylen; i++) {
        if (i / ldy < n && i % ldy < rows)
            continue;
        CHECK(memcmp(&yv[i], &img[i], sizeof(float)) == 0,
              "%s: y[%zu] (padding: result %zu, element %zu) was written: %a",
              ctx, i, i / ldy, i % ldy, (double)yv[i]);
    }
}

/* Scratch memory of the test code itself (aligned copies, expected
 * results): plain malloc, since a guard-paged buffer costs an mmap and
 * three more system calls, which would dominate the thousands of random
 * cases.  The buffers that the library touches are all guard-paged. */
static void *
scratch(size_t len)
{
    void *p = malloc(len ? len : 1);

    CHECK(p != NULL, "malloc of %zu bytes failed", len);
    return p;
}

static void
fill_weights(uint8_t *w, size_t wlen, size_t rows, size_t stride, size_t cols,
             int wcode, struct rng *r)
{
    size_t rb = qk256_row_bytes(cols);

    rng_bytes(r, w, wlen); /* pad codes and row padding: garbage */
    if (wcode >= 0) {
        for (size_t row = 0; row < rows; row++) {
            memset(w + row * stride, wcode * 0x55, rb);
            scramble_pad_codes(w + row * stride, cols, r);
        }
    }
}

static void
rescramble(uint8_t *w, size_t rows, size_t stride, size_t cols, struct rng *r)
{
    for (size_t row = 0; row < rows; row++)
        scramble_pad_codes(w + row * stride, cols, r);
}

/* ==== running a case ===================================================== */

/* The public functions with the kernels' signatures: valid arguments
 * only. */
static void
public_gemm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
            const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    int st = qk256_gemm(y, ldy, w, row_stride, x, ldx, rows, cols, n);

    CHECK(st == QK256_OK,
          "qk256_gemm(ldy=%zu, stride=%zu, ldx=%zu, rows=%zu, cols=%zu, "
          "n=%zu) returned %d", ldy, row_stride, ldx, rows, cols, n, st);
}

static void
public_gemm_i8(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
               const int8_t *xq, size_t ldx, const float *scales, size_t rows,
               size_t cols, size_t n)
{
    int st = qk256_gemm_i8(y, ldy, w, row_stride, xq, ldx, scales, rows,
                           cols, n);

    CHECK(st == QK256_OK,
          "qk256_gemm_i8(ldy=%zu, stride=%zu, ldx=%zu, rows=%zu, cols=%zu, "
          "n=%zu) returned %d", ldy, row_stride, ldx, rows, cols, n, st);
}

/* The buffers of one case: w, x (floats, or xq for gemm_i8), scales
 * (gemm_i8 only) and y, each guard-paged at its placement, and the
 * aligned copies that the test code fills and reads: wv, xv and sv what
 * went in, img y before the call, yv y after it. */
struct mrun {
    const struct mcase *mc;
    size_t stride, ldy, ldx, wlen, xbytes, ylen;
    struct gbuf gw, gx, gs, gy;
    uint8_t *w, *wv;
    void *x, *xv;
    float *scales, *sv, *y, *yv, *img;
    struct rng r; /* the case's RNG, past the inputs */
    char ctx[256];
};

/* Allocates and fills the buffers of mc on t: garbage in every pad code
 * and row padding byte, NaN (f32) or random bytes (int8) between the
 * vectors of x, the sentinel in all of y. */
static void
mrun_setup(struct mrun *m, const struct target *t, const struct mcase *mc)
{
    size_t rows = mc->rows, cols = mc->cols, n = mc->n;
    size_t rb = qk256_row_bytes(cols), xsize = mc->i8 ? 1 : sizeof(float);
    char spos[16], kind[96];

    m->mc = mc;
    m->stride = rb + mc->wpad;
    m->ldy = rows + mc->ypad;
    m->ldx = cols + mc->xpad;
    m->wlen = (rows - 1) * m->stride + rb;
    m->xbytes = ((n - 1) * m->ldx + cols) * xsize;
    m->ylen = (n - 1) * m->ldy + rows + mc->yslack;
    m->w = gbuf_alloc(&m->gw, m->wlen, mc->w_pos);
    m->x = gbuf_alloc(&m->gx, m->xbytes, mc->x_pos);
    m->scales = mc->i8 ? gbuf_alloc(&m->gs, n * sizeof(float), mc->s_pos)
                       : NULL;
    m->y = gbuf_alloc(&m->gy, m->ylen * sizeof(float), mc->y_pos);
    m->wv = scratch(m->wlen);
    m->xv = scratch(m->xbytes);
    m->sv = scratch(n * sizeof(float));
    m->yv = scratch(m->ylen * sizeof(float));
    m->img = scratch(m->ylen * sizeof(float));

    spos[0] = '\0';
    if (mc->i8) {
        snprintf(spos, sizeof spos, ",s%u", mc->s_pos);
        snprintf(kind, sizeof kind, "xq=%s(%d) scales=%s",
                 xqkind_names[mc->qk], mc->xconst,
                 mc->sk == SC_RANDOM ? "random" : "list");
    } else {
        snprintf(kind, sizeof kind, "x=%s special=%s", xkind_names[mc->xk],
                 xspecial_names[mc->sp]);
    }
    snprintf(m->ctx, sizeof m->ctx,
             "%s/%s rows=%zu cols=%zu n=%zu ldy=%zu ldx=%zu stride=%zu "
             "slack=%zu pos=w%u,x%u,y%u%s seed=%llu wcode=%d %s",
             mc->i8 ? "gemm_i8" : "gemm", t->name, rows, cols, n, m->ldy,
             m->ldx, m->stride, mc->yslack, mc->w_pos, mc->x_pos, mc->y_pos,
             spos, (unsigned long long)mc->seed, mc->wcode, kind);

    rng_seed(&m->r, mc->seed);
    fill_weights(m->wv, m->wlen, rows, m->stride, cols, mc->wcode, &m->r);
    memcpy(m->w, m->wv, m->wlen);
    if (mc->i8) {
        int8_t *xqv = m->xv;

        rng_bytes(&m->r, m->xv, m->xbytes); /* the padding between vectors */
        for (size_t j = 0; j < n; j++)
            fill_xq(xqv + j * m->ldx, cols, mc->qk, mc->xconst, &m->r);
        for (size_t j = 0; j < n; j++)
            m->sv[j] = mc->sk == SC_RANDOM
                       ? rng_float(&m->r, -4.0f, 4.0f)
                       : scale_list[(j + mc->seed) % NELEMS(scale_list)];
        memcpy(m->scales, m->sv, n * sizeof(float));
    } else {
        float *xv = m->xv;

        memset(xv, 0xff, m->xbytes); /* NaN between the vectors */
        for (size_t j = 0; j < n; j++) {
            fill_x(xv + j * m->ldx, cols, mc->xk, &m->r);
            /* Non-finite values in some vectors only: they must not
             * reach the results of the others. */
            if (mc->sp != S_NONE && (j == n / 2 || rng_below(&m->r, 3) == 0))
                put_specials(xv + j * m->ldx, cols, mc->sp, &m->r);
        }
    }
    memcpy(m->x, m->xv, m->xbytes);
    fill_sentinel(m->img, m->ylen);
    memcpy(m->y, m->img, m->ylen * sizeof(float));
}

/* The function of the case on t (the public one for "public"). */
static void
mrun_call(struct mrun *m, const struct target *t)
{
    const struct mcase *mc = m->mc;

    if (mc->i8)
        (t->impl ? t->impl->gemm_i8 : public_gemm_i8)
            (m->y, m->ldy, m->w, m->stride, m->x, m->ldx, m->scales,
             mc->rows, mc->cols, mc->n);
    else
        (t->impl ? t->impl->gemm : public_gemm)
            (m->y, m->ldy, m->w, m->stride, m->x, m->ldx, mc->rows,
             mc->cols, mc->n);
}

/* gemm: each element within the bound of the reference; exact where
 * every sum is; weight * cols where the codes are uniform and x all 1. */
static void
check_gemm_results(const struct mrun *m)
{
    const struct mcase *mc = m->mc;
    const float *xv = m->xv;
    int exact = (mc->xk == X_INTEGER || mc->xk == X_ONES || mc->xk == X_ZERO)
                && mc->sp == S_NONE;
    int closed = mc->wcode >= 0 && mc->xk == X_ONES && mc->sp == S_NONE;

    for (size_t j = 0; j < mc->n; j++) {
        for (size_t row = 0; row < mc->rows; row++) {
            struct ref_dot d = ref_dot_row(m->w + row * m->stride,
                                           xv + j * m->ldx, mc->cols);
            float got = m->yv[j * m->ldy + row];

            CHECK(ref_gemv_close(got, d),
                  "%s: result %zu, y[%zu] = %.9g, want %.17g (|w x| sum %.9g)",
                  m->ctx, j, row, (double)got, d.exact, d.mag);
            CHECK(!exact || got == (float)d.exact,
                  "%s: result %zu, y[%zu] = %.9g, want exactly %.9g",
                  m->ctx, j, row, (double)got, d.exact);
            CHECK(!closed || got == (float)(wi[mc->wcode] * (long)mc->cols),
                  "%s: result %zu, y[%zu] = %.9g, want exactly %ld", m->ctx,
                  j, row, (double)got, wi[mc->wcode] * (long)mc->cols);
        }
    }
}

/* gemm_i8: result j bitwise the reference GEMV of column j with
 * scales[j] (and the closed form where codes and xq are uniform), the
 * same variant's gemv_i8 (the bound one for "public") and
 * qk256_gemv_i8. */
static void
check_gemm_i8_results(const struct mrun *m, const struct target *t)
{
    const struct mcase *mc = m->mc;
    size_t rows = mc->rows, cols = mc->cols;
    const int8_t *xq = m->x, *xqv = m->xv;
    float *want = scratch(rows * sizeof(float));
    float *col = scratch(rows * sizeof(float));
    qk256_gemv_i8_fn *gemv = t->impl ? t->impl->gemv_i8 : bound_impl()->gemv_i8;

    for (size_t j = 0; j < mc->n; j++) {
        const float *yj = m->yv + j * m->ldy;
        char what[64];

        snprintf(what, sizeof what, "result %zu (scale %a)", j,
                 (double)m->sv[j]);
        ref_gemv_i8(want, m->w, m->stride, xqv + j * m->ldx, m->sv[j], rows,
                    cols);
        assert_same_floats(yj, want, rows, what, m->ctx);

        /* Uniform codes and constant xq: scale * (float)(w * xq * cols),
         * worked out without decoding anything. */
        if (mc->wcode >= 0 && (mc->qk == XQ_CONST || mc->qk == XQ_ZERO)) {
            long long acc = (long long)wi[mc->wcode]
                            * (mc->qk == XQ_CONST ? mc->xconst : 0)
                            * (long long)cols;
            float closed = m->sv[j] * (float)acc;

            for (size_t row = 0; row < rows; row++)
                assert_same_floats(yj + row, &closed, 1, "closed form",
                                   m->ctx);
        }

        snprintf(what, sizeof what, "result %zu (vs %s gemv_i8)", j,
                 t->impl ? t->name : "bound");
        gemv(col, m->w, m->stride, xq + j * m->ldx, m->sv[j], rows, cols);
        assert_same_floats(yj, col, rows, what, m->ctx);

        snprintf(what, sizeof what, "result %zu (vs qk256_gemv_i8)", j);
        CHECK(qk256_gemv_i8(col, m->w, m->stride, xq + j * m->ldx, m->sv[j],
                            rows, cols) == QK256_OK,
              "%s: qk256_gemv_i8 failed", m->ctx);
        assert_same_floats(yj, col, rows, what, m->ctx);
    }
    free(want);
    free(col);
}

/* Runs the case on t: y written only in its results (nothing in the
 * padding, nothing past its end), the results checked, the inputs
 * unchanged, and with mc->repad, a second call with other pad codes that
 * gives the same bits. */
static void
run_case(const struct target *t, const struct mcase *mc)
{
    struct mrun m;
    size_t ybytes;

    mrun_setup(&m, t, mc);
    ybytes = m.ylen * sizeof(float);
    mrun_call(&m, t);
    memcpy(m.yv, m.y, ybytes);
    CHECK(gbuf_canaries_ok(&m.gy), "%s: a write outside the %zu floats of y",
          m.ctx, m.ylen);
    check_untouched(m.yv, m.img, m.ylen, m.ldy, mc->rows, mc->n, m.ctx);
    if (mc->i8)
        check_gemm_i8_results(&m, t);
    else
        check_gemm_results(&m);

    /* Other codes past cols: not one bit of any result may change. */
    if (mc->repad) {
        memcpy(m.img, m.yv, ybytes);
        rescramble(m.w, mc->rows, m.stride, mc->cols, &m.r);
        mrun_call(&m, t);
        assert_same_floats(m.y, m.img, m.ylen, "y (other pad codes)", m.ctx);
    } else {
        CHECK(memcmp(m.w, m.wv, m.wlen) == 0, "%s: w was written", m.ctx);
    }
    CHECK(memcmp(m.x, m.xv, m.xbytes) == 0, "%s: %s was written", m.ctx,
          mc->i8 ? "xq" : "x");
    if (mc->i8) {
        CHECK(memcmp(m.scales, m.sv, mc->n * sizeof(float)) == 0,
              "%s: scales were written", m.ctx);
        gbuf_free_checked(&m.gs, "scales", m.ctx);
    }
    gbuf_free_checked(&m.gy, "y", m.ctx);
    gbuf_free_checked(&m.gx, mc->i8 ? "xq" : "x", m.ctx);
    gbuf_free_checked(&m.gw, "w", m.ctx);
    free(m.wv);
    free(m.xv);
    free(m.sv);
    free(m.yv);
    free(m.img);
}

/* ==== tests of both functions ============================================ */

/* n = n_counts[case_of(i)] with every row count: every remainder of the
 * result tiles with every remainder of the row groups.  cols cycle
 * through small_cols; every third case has the minimal ldy, ldx and row
 * stride. */
static void
n_cases(int i, int i8)
{
    const struct target *t = target_of(i);
    size_t ni = (size_t)case_of(i);
    struct rng r;

    rng_seed(&r, (i8 ? 0x1800u : 0x6e00u) + ni);
    for (size_t ri = 0; ri < NELEMS(row_counts); ri++) {
        struct mcase mc = plain_mcase(i8, row_counts[ri],
                                      small_cols[(ri + ni) % NELEMS(small_cols)],
                                      n_counts[ni], (unsigned)(ri + ni),
                                      ri % 3 == 0, &r);
        if (i8) {
            mc.qk = ri % 3 == 1 ? XQ_FULL : XQ_RANDOM;
            mc.sk = ri % 4 == 2 ? SC_LIST : SC_RANDOM;
        } else if (ri % 4 == 3) {
            mc.xk = X_INTEGER;
        }
        run_case(t, &mc);
    }
}

START_TEST(test_n)
{
    n_cases(_i, 0);
}
END_TEST

START_TEST(test_i8_n)
{
    n_cases(_i, 1);
}
END_TEST

/* Widths about where a kernel changes how it sums: cols[i8][case_of(i)],
 * few rows and results, each in its own tile width and row group.  f32:
 * about the largest that avx512 takes by tables, 65536 columns
 * (LUT_MAX_COLS in lib/x86/avx512.c), past which its FMA kernel sums.
 * int8: past the column chunks of the int8 kernels (a few thousand
 * columns), partial sums at their largest with extreme activations. */
static void
wide_cases(int i, int i8)
{
    static const size_t cols[2][3] = {
        { 65536, 65536 + 1, 65536 + 300 },
        { 4096 + 7, 8192 + 256 + 1, 16384 + 300 },
    };
    static const struct {
        size_t rows, n;
    } shapes[2][3] = {
        { { 1, 9 }, { 33, 8 }, { 5, 3 } },
        { { 1, 9 }, { 4, 8 }, { 5, 3 } },
    };
    const struct target *t = target_of(i);
    size_t ci = (size_t)case_of(i);
    struct rng r;

    rng_seed(&r, (i8 ? 0x31deu : 0x71deu) + ci);
    for (size_t k = 0; k < NELEMS(shapes[i8]); k++) {
        struct mcase mc = plain_mcase(i8, shapes[i8][k].rows, cols[i8][ci], shapes[i8][k].n,
                                      (unsigned)(ci + k), k == 0, &r);
        if (i8) {
            mc.qk = k == 1 ? XQ_EDGES : XQ_FULL;
            mc.sk = k == 2 ? SC_LIST : SC_RANDOM;
        } else if (k == 2) {
            mc.xk = X_INTEGER;
        }
        run_case(t, &mc);
    }
}

START_TEST(test_wide)
{
    wide_cases(_i, 0);
}
END_TEST

START_TEST(test_i8_wide)
{
    wide_cases(_i, 1);
}
END_TEST

/* More rows than a band of the int8 GEMM driver (QK256_GEMM_I8_BAND_ROWS,
 * lib/loops/gemm.h: 256) and more vectors than a tile, so that each band
 * takes every tile and rebuilds its planes, over one column chunk or two
 * (_i): rows 300 and 513 (an odd last row in the last band), n 9 and 17.
 * And avx512's repacked rows (n >= 32, lib/x86/avx512.c): bands of 16
 * rows with a short last one, groups of 64 vectors with a short last one,
 * one to three column chunks. */
START_TEST(test_i8_bands)
{
    static const size_t cols[] = { 300, 4096 + 7 };
    static const struct {
        size_t rows, n;
    } shapes[] = { { 300, 9 }, { 513, 17 }, { 40, 33 }, { 37, 65 } };
    const struct target *t = target_of(_i);
    size_t ci = (size_t)case_of(_i);
    struct rng r;

    rng_seed(&r, 0xba4d5u + ci);
    for (size_t k = 0; k < NELEMS(shapes); k++) {
        struct mcase mc = plain_mcase(1, shapes[k].rows, cols[ci], shapes[k].n,
                                      (unsigned)(ci + k), k == 0, &r);

        mc.qk = k ? XQ_EDGES : XQ_FULL;
        run_case(t, &mc);
    }
}
END_TEST

/* w 16, 32 or 48 bytes past a cache line (and just after a guard page),
 * where avx512's tile kernel (n < 32) reads whole lines from before w and
 * masks off what is not the rows' (lib/loops/gemm.h, gemv_i8.h); on a
 * line, as the lines' twin; and ending a byte before a guard page, at an
 * odd offset (blocks, as before).  _i picks the placement.  Every tile
 * width 1..8 with each cols: one element, about a line, and across one
 * and two column chunks (4096) of the int8 GEMMs, so that the chunks
 * after the first start past a line too; row counts with an odd last
 * row, and row strides of whole lines (0 and 64 bytes of padding) and
 * one that is not (3: blocks as before). */
START_TEST(test_i8_lines)
{
    static const unsigned places[] = {
        GBUF_FRONT + 1, GBUF_FRONT + 2, GBUF_FRONT + 3, GBUF_FRONT, 1,
    };
    static const size_t cols[] = { 1, 255, 256, 257, 300, 513, 4096 + 7, 8192 + 300 };
    static const size_t nrows[] = { 1, 2, 3, 5 };
    static const size_t pads[] = { 0, 64, 3 };
    const struct target *t = target_of(_i);
    unsigned place = places[case_of(_i)];
    unsigned k = 0;
    struct rng r;

    rng_seed(&r, 0x11e5u + (unsigned)case_of(_i));
    for (size_t ci = 0; ci < NELEMS(cols); ci++) {
        for (size_t n = 1; n <= 8; n++, k++) {
            struct mcase mc = plain_mcase(1, nrows[(ci + n) % NELEMS(nrows)],
                                          cols[ci], n, place + 1 + k, k % 2 == 0, &r);

            mc.wpad = pads[k % NELEMS(pads)];
            mc.w_pos = place;
            mc.qk = k % 2 ? XQ_FULL : XQ_EDGES;
            run_case(t, &mc);
        }
    }
}
END_TEST

/* cols = awkward_sizes[case_of(i)], with row counts and result counts
 * paired across tiles and groups (fewer pairs for the widest, which
 * test_n covers at small widths); random weights, x in [-10, 10] or
 * integers (xq random, full or edges), and every other case a second
 * call with other pad codes. */
static const struct {
    size_t rows, n;
} shape_pairs[] = {
    { 1, 1 }, { 2, 3 }, { 5, 9 }, { 3, 17 }, { 4, 5 }, { 9, 2 },
    { 7, 4 }, { 8, 5 }, { 13, 2 }, { 17, 7 }, { 1, 33 }, { 3, 65 },
};

/* How many of shape_pairs go with cols. */
static size_t
npairs(size_t cols)
{
    return cols > 1024 ? 5 : NELEMS(shape_pairs);
}

static void
shape_cases(int i, int i8)
{
    const struct target *t = target_of(i);
    size_t si = (size_t)case_of(i);
    uint64_t seed = fixed_seeds[si % n_fixed_seeds];
    struct rng r;

    rng_seed(&r, (i8 ? seed * 3 : seed) + si);
    for (size_t k = 0; k < npairs(awkward_sizes[si]); k++) {
        struct mcase mc = plain_mcase(i8, shape_pairs[k].rows,
                                      awkward_sizes[si], shape_pairs[k].n,
                                      (unsigned)(k + si), k % 4 == 0, &r);
        mc.xk = k % 3 == 2 ? X_INTEGER : X_RANGE10;
        mc.qk = (enum xqkind)(k % 3);
        mc.repad = k % 2;
        run_case(t, &mc);
    }
}

START_TEST(test_shapes)
{
    shape_cases(_i, 0);
}
END_TEST

START_TEST(test_i8_shapes)
{
    shape_cases(_i, 1);
}
END_TEST

/* cols = block_cols[case_of(i)] with every pair of block_pairs. */
static void
row_block_cases(int i, int i8)
{
    const struct target *t = target_of(i);
    size_t ci = (size_t)case_of(i);
    struct rng r;

    rng_seed(&r, (i8 ? 0x18b10cu : 0xb10cu) + ci);
    for (size_t k = 0; k < NELEMS(block_pairs); k++) {
        struct mcase mc = plain_mcase(i8, block_pairs[k].rows, block_cols[ci],
                                      block_pairs[k].n, (unsigned)(k + ci),
                                      k == 1, &r);
        mc.xk = k % 3 == 2 ? X_INTEGER : X_RANGE10;
        mc.qk = k % 2 ? XQ_FULL : XQ_EDGES;
        run_case(t, &mc);
    }
}

START_TEST(test_row_blocks)
{
    row_block_cases(_i, 0);
}
END_TEST

START_TEST(test_i8_row_blocks)
{
    row_block_cases(_i, 1);
}
END_TEST

/* y at placement case_of(i); w and x at every placement; for gemm_i8
 * scales too, with x's, shifted; xq full range. */
static void
position_cases(int i, int i8)
{
    const struct target *t = target_of(i);
    unsigned a = (unsigned)case_of(i);
    struct rng r;

    rng_seed(&r, (i8 ? 0x1850u : 0x9050u) + a);
    for (unsigned b = 0; b < GBUF_NPOS; b++) {
        for (unsigned c = 0; c < GBUF_NPOS; c++) {
            struct mcase mc = plain_mcase(i8, 1 + (a + b + c) % 6,
                                          small_cols[(b + c) % NELEMS(small_cols)],
                                          1 + (2 * a + b + 3 * c) % 10, 0,
                                          (b + c) % 2, &r);
            mc.y_pos = a;
            mc.w_pos = b;
            mc.x_pos = c;
            mc.s_pos = (a + 2 * b + c) % GBUF_NPOS;
            mc.qk = XQ_FULL;
            run_case(t, &mc);
        }
    }
}

START_TEST(test_positions)
{
    position_cases(_i, 0);
}
END_TEST

START_TEST(test_i8_positions)
{
    position_cases(_i, 1);
}
END_TEST

/* The random cases keep rows * cols * n below this, so that thousands
 * of them stay cheap under Valgrind (the reference sums in long double,
 * which Valgrind runs slowly). */
#define STRESS_WORK 20000

/* Random cases, each of one function or the other. */
static void
stress_case(const struct target *t, struct rng *r)
{
    int i8 = (int)(rng_next(r) & 1);
    size_t rows, cols, n;

    rows = rng_below(r, 2) ? row_counts[rng_below(r, NELEMS(row_counts))]
                           : 1 + rng_below(r, 40);
    n = rng_below(r, 2) ? n_counts[rng_below(r, NELEMS(n_counts))]
                        : 1 + rng_below(r, 20);
    cols = rng_below(r, 3) ? 1 + rng_below(r, 1000)
                           : awkward_sizes[rng_below(r, n_awkward_sizes)];
    while (rows * cols * n > STRESS_WORK && (n > 1 || rows > 1)) {
        if (n > 1 && (n >= rows || rng_next(r) & 1))
            n = (n + 1) / 2;
        else
            rows = rows / 2;
    }

    struct mcase mc = plain_mcase(i8, rows, cols, n, 0, rng_below(r, 8) == 0,
                                  r);

    mc.w_pos = (unsigned)rng_below(r, GBUF_NPOS);
    mc.x_pos = (unsigned)rng_below(r, GBUF_NPOS);
    mc.y_pos = (unsigned)rng_below(r, GBUF_NPOS);
    if (i8) {
        mc.s_pos = (unsigned)rng_below(r, GBUF_NPOS);
        mc.qk = (enum xqkind)rng_below(r, XQ_CONST);
        mc.sk = rng_below(r, 4) ? SC_RANDOM : SC_LIST;
        if (rng_below(r, 8) == 0) {
            mc.wcode = (int)rng_below(r, 4);
            mc.qk = XQ_CONST;
            mc.xconst = (int)rng_below(r, 256) - 128;
        }
    } else {
        switch (rng_below(r, 10)) {
        case 0:
        case 1:
            mc.xk = X_INTEGER;
            break;
        case 2:
            mc.xk = X_HUGE;
            break;
        default:
            mc.xk = X_RANGE10;
        }
        if (rng_below(r, 20) == 0)
            mc.sp = (enum xspecial)(1 + rng_below(r, 3));
    }
    run_case(t, &mc);
}

START_TEST(test_stress)
{
    run_stress(_i, "gemm", stress_case);
}
END_TEST

/* ==== gemm =============================================================== */

/* Every code equal to _i (garbage in the pad codes) and x all 1.0: every
 * result element is exactly weight * cols. */
START_TEST(test_uniform)
{
    const struct target *t = target_of(_i);
    struct rng r;

    rng_seed(&r, 42 + (uint64_t)case_of(_i));
    for (size_t si = 0; si < n_awkward_sizes; si++) {
        struct mcase mc = plain_mcase(0, 1 + si % 5, awkward_sizes[si],
                                      1 + (si * 5) % 17, (unsigned)si, 0, &r);
        mc.wcode = case_of(_i);
        mc.xk = X_ONES;
        run_case(t, &mc);
    }
}
END_TEST

/* NaN and infinities (special kind _i + 1) in some vectors propagate to
 * their own results only; huge x (case 3) overflows as IEEE arithmetic
 * would, within the bound. */
START_TEST(test_nonfinite)
{
    static const size_t ns[] = { 2, 3, 5, 8, 9, 17 };
    const struct target *t = target_of(_i);
    int k = case_of(_i);
    struct rng r;

    rng_seed(&r, 0xbad0 + (uint64_t)k);
    for (size_t si = 0; si < n_awkward_sizes; si++) {
        struct mcase mc = plain_mcase(0, 1 + si % 5, awkward_sizes[si],
                                      ns[si % NELEMS(ns)],
                                      (unsigned)si, si % 3 == 0, &r);
        if (k < 3)
            mc.sp = (enum xspecial)(k + 1);
        else
            mc.xk = X_HUGE;
        run_case(t, &mc);
    }
}
END_TEST

/* Each tile width w = _i + 2 as the last tile (n = w, and n = 8 + w),
 * with cols over three column chunks of 1024, the last one partial, and
 * more rows than the 8 whose chunks avx2 fetches ahead: its kernel for
 * each width adds a partial sum to y for each chunk past the first
 * (lib/x86/avx2.c).  Random x; integer x (exact) with other pad codes; NaN
 * and infinities in some vectors; huge x, whose partial sums overflow. */
START_TEST(test_chunk_widths)
{
    const struct target *t = target_of(_i);
    size_t w = 2 + (size_t)case_of(_i);
    struct rng r;

    rng_seed(&r, 0xc4u + w);
    for (unsigned k = 0; k < 4; k++) {
        struct mcase mc = plain_mcase(0, 19, 2 * 1024 + 257, k ? 8 + w : w,
                                      k + (unsigned)w, k == 1, &r);
        if (k == 1) {
            mc.xk = X_INTEGER;
            mc.repad = 1;
        } else if (k == 2) {
            mc.sp = (enum xspecial)(1 + w % 3);
        } else if (k == 3) {
            mc.xk = X_HUGE;
        }
        run_case(t, &mc);
    }
}
END_TEST

/* ==== gemm_i8 ============================================================ */

/* Each column its own scale from scale_list (zero, negative, subnormal,
 * FLT_MAX, inf, NaN; n = 13 takes each once), with xq kind _i: the result
 * is scale * (float)acc bit for bit. */
START_TEST(test_i8_scales)
{
    const struct target *t = target_of(_i);
    struct rng r;

    rng_seed(&r, 0x5ca1e + (uint64_t)case_of(_i));
    for (size_t si = 0; si < n_awkward_sizes; si += 2) {
        struct mcase mc = plain_mcase(1, 1 + si % 6, awkward_sizes[si],
                                      NELEMS(scale_list) + si % 3, (unsigned)si,
                                      si % 4 == 0, &r);
        mc.qk = (enum xqkind)case_of(_i);
        mc.sk = SC_LIST;
        run_case(t, &mc);
    }
}
END_TEST

/* Every code equal to _i % 4 (garbage in the pad codes) and a constant
 * activation from the extremes: closed-form answers. */
START_TEST(test_i8_uniform)
{
    static const int consts[] = { 127, -127, -128, 1 };
    const struct target *t = target_of(_i);
    struct rng r;

    rng_seed(&r, 77 + (uint64_t)case_of(_i));
    for (size_t si = 0; si < n_awkward_sizes; si += 2) {
        struct mcase mc = plain_mcase(1, 1 + si % 9, awkward_sizes[si],
                                      1 + (si * 3) % 10, (unsigned)si, 0, &r);
        mc.wcode = case_of(_i) % 4;
        mc.qk = XQ_CONST;
        mc.xconst = consts[case_of(_i) / 4];
        mc.sk = si % 4 ? SC_RANDOM : SC_LIST;
        run_case(t, &mc);
    }
}
END_TEST

/* ==== the public functions: the GEMMs' own argument semantics ========== */

#define SENTINEL 0x5a

static int
all_bytes_are(const uint8_t *a, size_t len, uint8_t v)
{
    for (size_t i = 0; i < len; i++)
        if (a[i] != v)
            return 0;
    return 1;
}

/* ldy < rows, ldx < cols and row_stride < qk256_row_bytes(cols) are
 * QK256_E_STRIDE, also for a single result (n == 1) and for cols == 0
 * (where no result would be computed); y keeps every byte. */
START_TEST(test_api_strides)
{
    size_t rows = 5, cols = 300, rb = qk256_row_bytes(cols);
    struct gbuf gw, gx, gq, gs, gy;
    uint8_t *w = gbuf_alloc(&gw, rows * rb, 0);
    float *x = gbuf_alloc(&gx, 3 * cols * sizeof(float), 0);
    int8_t *xq = gbuf_alloc(&gq, 3 * cols, 0);
    float *scales = gbuf_alloc(&gs, 3 * sizeof(float), 0);
    uint8_t *y = gbuf_alloc(&gy, 3 * rows * sizeof(float), 0);
    static const struct {
        size_t ldy, stride, ldx, cols, n;
        const char *why;
    } calls[] = {
        { 4, 128, 300, 300, 3, "ldy < rows" },
        { 4, 128, 300, 300, 1, "ldy < rows, n == 1" },
        { 0, 128, 300, 300, 2, "ldy == 0" },
        { 5, 128, 299, 300, 3, "ldx < cols" },
        { 5, 128, 299, 300, 1, "ldx < cols, n == 1" },
        { 5, 128, 0, 300, 2, "ldx == 0" },
        { 5, 127, 300, 300, 3, "row_stride < row_bytes" },
        { 5, 64, 300, 257, 2, "row_stride one block short" },
        { 4, 0, 0, 0, 3, "ldy < rows, cols == 0" },
        { 4, 0, 0, 0, 1, "ldy < rows, cols == 0, n == 1" },
    };

    for (size_t k = 0; k < NELEMS(calls); k++) {
        for (int i8 = 0; i8 < 2; i8++) {
            int st;

            memset(y, SENTINEL, gy.len);
            if (i8)
                st = qk256_gemm_i8((float *)(void *)y, calls[k].ldy, w,
                                   calls[k].stride, xq, calls[k].ldx, scales,
                                   rows, calls[k].cols, calls[k].n);
            else
                st = qk256_gemm((float *)(void *)y, calls[k].ldy, w,
                                calls[k].stride, x, calls[k].ldx, rows,
                                calls[k].cols, calls[k].n);
            CHECK(st == QK256_E_STRIDE, "%s, %s: returned %d (%s)",
                  i8 ? "qk256_gemm_i8" : "qk256_gemm", calls[k].why, st,
                  qk256_strerror(st));
            CHECK(all_bytes_are(y, gy.len, SENTINEL), "%s, %s: y was written",
                  i8 ? "qk256_gemm_i8" : "qk256_gemm", calls[k].why);
        }
    }
    gbuf_free_checked(&gy, "y", "gemm strides");
    gbuf_free(&gw);
    gbuf_free(&gx);
    gbuf_free(&gq);
    gbuf_free(&gs);
}
END_TEST

/* Sizes that overflow size_t: the span of n results ((n - 1) * ldy +
 * rows floats, also with cols == 0, where it would be zeroed), and of n
 * vectors ((n - 1) * ldx + cols elements); and cols one past
 * QK256_I8_MAX_COLS for qk256_gemm_i8, with real buffers behind every
 * pointer in case the check were missing.  y keeps every byte. */
START_TEST(test_api_overflow)
{
    size_t rows = 5, cols = 300, rb = qk256_row_bytes(cols);
    size_t big = (size_t)QK256_I8_MAX_COLS + 1, bigrb = qk256_row_bytes(big);
    struct gbuf gw, gx, gq, gs, gy;
    uint8_t *w = gbuf_alloc(&gw, bigrb, 0);
    float *x = gbuf_alloc(&gx, cols * sizeof(float), 0);
    int8_t *xq = gbuf_alloc(&gq, 2 * big, 0);
    float *scales = gbuf_alloc(&gs, 3 * sizeof(float), 0);
    uint8_t *y = gbuf_alloc(&gy, 3 * rows * sizeof(float), 0);
    static const struct {
        size_t ldy, ldx, ldxq, cols, n;
        const char *why;
    } calls[] = {
        { SIZE_MAX / 8, 300, 300, 300, 3, "(n - 1) * ldy overflows" },
        { SIZE_MAX / 8, 300, 300, 0, 3, "(n - 1) * ldy overflows, cols == 0" },
        { SIZE_MAX / 4 - 1, 300, 300, 300, 2, "(ldy + rows) * 4 overflows" },
        { 5, SIZE_MAX / 8, SIZE_MAX / 2, 300, 3, "(n - 1) * ldx overflows" },
        { 5, SIZE_MAX / 4 - 100, SIZE_MAX - 100, 300, 2, "ldx + cols overflows" },
    };

    memset(w, 0xff, gw.len);
    memset(xq, 127, gq.len);
    for (size_t k = 0; k < NELEMS(calls); k++) {
        int st;

        memset(y, SENTINEL, gy.len);
        st = qk256_gemm((float *)(void *)y, calls[k].ldy, w, rb, x,
                        calls[k].ldx, rows, calls[k].cols, calls[k].n);
        CHECK(st == QK256_E_OVERFLOW, "qk256_gemm, %s: returned %d (%s)",
              calls[k].why, st, qk256_strerror(st));
        CHECK(all_bytes_are(y, gy.len, SENTINEL), "qk256_gemm, %s: y was written",
              calls[k].why);
        st = qk256_gemm_i8((float *)(void *)y, calls[k].ldy, w, rb, xq,
                           calls[k].ldxq, scales, rows, calls[k].cols,
                           calls[k].n);
        CHECK(st == QK256_E_OVERFLOW, "qk256_gemm_i8, %s: returned %d (%s)",
              calls[k].why, st, qk256_strerror(st));
        CHECK(all_bytes_are(y, gy.len, SENTINEL), "qk256_gemm_i8, %s: y was written",
              calls[k].why);
    }
    for (size_t n = 1; n <= 2; n++) {
        int st = qk256_gemm_i8((float *)(void *)y, 1, w, bigrb, xq, big,
                               scales, 1, big, n);

        CHECK(st == QK256_E_OVERFLOW, "qk256_gemm_i8, cols=%zu n=%zu: "
              "returned %d (%s)", big, n, st, qk256_strerror(st));
        CHECK(all_bytes_are(y, gy.len, SENTINEL), "qk256_gemm_i8, cols=%zu n=%zu: "
              "y was written", big, n);
    }
    gbuf_free_checked(&gy, "y", "gemm overflow");
    gbuf_free(&gw);
    gbuf_free(&gx);
    gbuf_free(&gq);
    gbuf_free(&gs);
}
END_TEST

/* y overlapping w, x or scales, through its first result or only through
 * a later one, is QK256_E_OVERLAP and writes nothing; inputs that start
 * right after the end of the last result (the slack after it is no
 * output) or end right before y are fine, and then only the results
 * change.  rows = 5, ldy = 9, n = 3: the results are floats [0, 5),
 * [9, 14) and [18, 23) of y. */
enum { OV_ROWS = 5, OV_LDY = 9, OV_N = 3, OV_COLS = 300, OV_LDX = 310,
       OV_RB = 128, OV_YOFF = 16384,
       OV_SPAN = ((OV_N - 1) * OV_LDY + OV_ROWS) * 4 };

/* Where an input goes: away from y, starting at y + off bytes, or ending
 * (one past its last byte) at y + off bytes. */
enum ovhow { AWAY, START, END };

struct ovplace {
    enum ovhow how;
    long off;
};

static uint8_t *
ov_place(uint8_t *y, uint8_t *away, struct ovplace p, size_t len)
{
    switch (p.how) {
    case START:
        return y + p.off;
    case END:
        return y + p.off - (long)len;
    default:
        return away;
    }
}

START_TEST(test_api_overlap)
{
    static const struct {
        struct ovplace w, x, s;
        int want;
        const char *why;
    } calls[] = {
        { { START, 2 * OV_LDY * 4 + 8 }, { AWAY, 0 }, { AWAY, 0 },
          QK256_E_OVERLAP, "w starts in result 2" },
        { { START, OV_SPAN - 1 }, { AWAY, 0 }, { AWAY, 0 },
          QK256_E_OVERLAP, "w starts at the last byte of result 2" },
        { { END, 1 }, { AWAY, 0 }, { AWAY, 0 },
          QK256_E_OVERLAP, "w ends in the first byte of y" },
        { { AWAY, 0 }, { START, 2 * OV_LDY * 4 + 4 }, { AWAY, 0 },
          QK256_E_OVERLAP, "x starts in result 2" },
        { { AWAY, 0 }, { START, OV_LDY * 4 - 4 }, { AWAY, 0 },
          QK256_E_OVERLAP, "x starts in the padding after result 0" },
        { { AWAY, 0 }, { END, 1 }, { AWAY, 0 },
          QK256_E_OVERLAP, "x ends in the first byte of y" },
        { { AWAY, 0 }, { AWAY, 0 }, { START, OV_SPAN - 4 },
          QK256_E_OVERLAP, "scales start at the last float of result 2" },
        { { AWAY, 0 }, { AWAY, 0 }, { START, 2 * OV_LDY * 4 - 8 },
          QK256_E_OVERLAP, "scales from the padding after result 1 into result 2" },
        { { AWAY, 0 }, { AWAY, 0 }, { END, 4 },
          QK256_E_OVERLAP, "the last scale is the first float of y" },
        { { START, OV_SPAN }, { START, OV_SPAN }, { START, OV_SPAN },
          QK256_OK, "w, x and scales right after the last result" },
        { { END, 0 }, { END, 0 }, { END, 0 },
          QK256_OK, "w, x and scales end right before y" },
    };
    size_t len = 2 * OV_YOFF;
    struct gbuf ga, gi;
    uint8_t *a = gbuf_alloc(&ga, len, 0);
    uint8_t *img = gbuf_alloc(&gi, len, 0);
    uint8_t *y = a + OV_YOFF;

    for (size_t k = 0; k < NELEMS(calls); k++) {
        for (int i8 = 0; i8 < 2; i8++) {
            const char *fn = i8 ? "qk256_gemm_i8" : "qk256_gemm";
            size_t wlen = OV_ROWS * OV_RB, xlen = (OV_N - 1) * OV_LDX + OV_COLS;
            size_t xbytes = i8 ? xlen : xlen * 4, sbytes = OV_N * 4;
            /* Away: in the first half of the arena, well before y. */
            uint8_t *w = ov_place(y, a, calls[k].w, wlen);
            uint8_t *x = ov_place(y, a + 1024, calls[k].x, xbytes);
            uint8_t *s = ov_place(y, a + 8192, calls[k].s, sbytes);
            int st;

            if (!i8 && calls[k].w.how == AWAY && calls[k].x.how == AWAY)
                continue; /* a scales row: qk256_gemm has none */
            /* y holds the sentinel; the inputs, wherever they lie, finite
             * values (floats 0.0116, codes 0 and 3, xq 60). */
            memset(a, SENTINEL, len);
            memset(w, 0x3c, wlen);
            memset(x, 0x3c, xbytes);
            if (i8)
                memset(s, 0x3c, sbytes);
            memcpy(img, a, len);
            if (i8)
                st = qk256_gemm_i8((float *)(void *)y, OV_LDY, w, OV_RB,
                                   (const int8_t *)x, OV_LDX,
                                   (const float *)(void *)s, OV_ROWS, OV_COLS,
                                   OV_N);
            else
                st = qk256_gemm((float *)(void *)y, OV_LDY, w, OV_RB,
                                (const float *)(void *)x, OV_LDX, OV_ROWS,
                                OV_COLS, OV_N);
            CHECK(st == calls[k].want, "%s, %s: returned %d (%s), want %d",
                  fn, calls[k].why, st, qk256_strerror(st), calls[k].want);
            for (size_t i = 0; i < len; i++) {
                size_t f = (size_t)(a + i - y) / 4;
                int result = a + i >= y && f / OV_LDY < OV_N && f % OV_LDY < OV_ROWS;

                if (!result || st != QK256_OK)
                    CHECK(a[i] == img[i], "%s, %s: returned %d but changed "
                          "byte %ld from y", fn, calls[k].why, st,
                          (long)(a + i - y));
            }
            if (st == QK256_OK) {
                /* Every result float written (the sentinel is no result). */
                for (size_t f = 0; f < OV_SPAN / 4; f++)
                    CHECK(f % OV_LDY >= OV_ROWS
                          || memcmp(y + 4 * f, img + OV_YOFF + 4 * f, 4) != 0,
                          "%s, %s: result %zu, element %zu not written", fn,
                          calls[k].why, f / OV_LDY, f % OV_LDY);
            }
            CHECK(gbuf_canaries_ok(&ga), "%s, %s: a write outside the arena",
                  fn, calls[k].why);
        }
    }
    gbuf_free(&ga);
    gbuf_free(&gi);
}
END_TEST

/* n == 0 or rows == 0 is QK256_OK with NULL pointers, and with real ones
 * (whatever the strides) writes nothing. */
START_TEST(test_api_empty)
{
    struct gbuf gy;
    uint8_t *y = gbuf_alloc(&gy, 64 * sizeof(float), 0);
    float *yf = (float *)(void *)y;
    uint8_t w[128] = { 0 };
    float x[16] = { 0 }, scales[4] = { 1.0f, 1.0f, 1.0f, 1.0f };
    int8_t xq[16] = { 0 };

    ck_assert_int_eq(qk256_gemm(NULL, 0, NULL, 0, NULL, 0, 0, 300, 5), QK256_OK);
    ck_assert_int_eq(qk256_gemm(NULL, 0, NULL, 0, NULL, 0, 5, 300, 0), QK256_OK);
    ck_assert_int_eq(qk256_gemm_i8(NULL, 0, NULL, 0, NULL, 0, NULL, 0, 300, 5),
                     QK256_OK);
    ck_assert_int_eq(qk256_gemm_i8(NULL, 0, NULL, 0, NULL, 0, NULL, 5, 300, 0),
                     QK256_OK);
    memset(y, SENTINEL, gy.len);
    ck_assert_int_eq(qk256_gemm(yf, 8, w, 64, x, 16, 0, 16, 4), QK256_OK);
    ck_assert_int_eq(qk256_gemm(yf, 8, w, 64, x, 16, 8, 16, 0), QK256_OK);
    ck_assert_int_eq(qk256_gemm_i8(yf, 8, w, 64, xq, 16, scales, 0, 16, 4),
                     QK256_OK);
    ck_assert_int_eq(qk256_gemm_i8(yf, 8, w, 64, xq, 16, scales, 8, 16, 0),
                     QK256_OK);
    CHECK(all_bytes_are(y, gy.len, SENTINEL), "an empty GEMM wrote y");
    gbuf_free_checked(&gy, "y", "gemm empty");
}
END_TEST

/* cols == 0 with rows > 0 writes +0.0 to every element of every result
 * (whatever the scales, also NaN: not scale * 0), and nothing to the
 * padding between results or after the last; w, x and scales may be
 * NULL. */
START_TEST(test_api_no_cols)
{
    static const size_t rows[] = { 1, 3, 4, 17 };
    static const size_t ns[] = { 1, 2, 5, 9, 17 };
    static const float zeros[17]; /* +0.0 */
    float sc[17];

    for (size_t j = 0; j < NELEMS(sc); j++)
        sc[j] = scale_list[(j + 8) % NELEMS(scale_list)]; /* NaN first */
    for (size_t ri = 0; ri < NELEMS(rows); ri++) {
        for (size_t k = 0; k < NELEMS(ns); k++) {
            for (int i8 = 0; i8 < 2; i8++) {
                size_t n = ns[k], ldy = rows[ri] + (k + ri) % 4 * 3;
                size_t ylen = (n - 1) * ldy + rows[ri] + (k % 2) * 2;
                unsigned pos = (unsigned)(ri + k + (size_t)i8) % GBUF_NPOS;
                struct gbuf gy, gv, gi;
                float *y = gbuf_alloc(&gy, ylen * sizeof(float), pos);
                float *yv = gbuf_alloc(&gv, ylen * sizeof(float), 0);
                float *img = gbuf_alloc(&gi, ylen * sizeof(float), 0);
                char ctx[96];
                int st;

                snprintf(ctx, sizeof ctx, "%s cols == 0, rows=%zu n=%zu "
                         "ldy=%zu pos=%u", i8 ? "qk256_gemm_i8" : "qk256_gemm",
                         rows[ri], n, ldy, pos);
                for (int ptrs = 0; ptrs < 2; ptrs++) {
                    uint8_t wdummy[64] = { 0 };
                    int8_t qdummy[4] = { 0 };
                    float xdummy[4] = { 0 };

                    fill_sentinel(img, ylen);
                    memcpy(y, img, ylen * sizeof(float));
                    if (i8)
                        st = qk256_gemm_i8(y, ldy, ptrs ? wdummy : NULL, 0,
                                           ptrs ? qdummy : NULL, 0,
                                           ptrs ? sc : NULL, rows[ri], 0, n);
                    else
                        st = qk256_gemm(y, ldy, ptrs ? wdummy : NULL, 0,
                                        ptrs ? xdummy : NULL, 0, rows[ri], 0, n);
                    CHECK(st == QK256_OK, "%s: returned %d (%s)", ctx, st,
                          qk256_strerror(st));
                    memcpy(yv, y, ylen * sizeof(float));
                    check_untouched(yv, img, ylen, ldy, rows[ri], n, ctx);
                    for (size_t j = 0; j < n; j++)
                        assert_same_floats(yv + j * ldy, zeros, rows[ri],
                                           "result", ctx);
                }
                gbuf_free_checked(&gy, "y", ctx);
                gbuf_free(&gv);
                gbuf_free(&gi);
            }
        }
    }
}
END_TEST

/* A NULL that the call needs is QK256_E_NULL: y, or with cols > 0 w, x,
 * and scales (gemm_i8); y keeps every byte. */
START_TEST(test_api_null)
{
    size_t rows = 3, cols = 300, rb = qk256_row_bytes(cols);
    struct gbuf gy;
    uint8_t *y = gbuf_alloc(&gy, 3 * 8 * sizeof(float), 0);
    float *yf = (float *)(void *)y;
    uint8_t w[3 * 128] = { 0 };
    static float x[3 * 300];
    static int8_t xq[3 * 300];
    float scales[3] = { 1.0f, 2.0f, 3.0f };

    memset(y, SENTINEL, gy.len);
    ck_assert_int_eq(qk256_gemm(NULL, 8, w, rb, x, cols, rows, cols, 3), QK256_E_NULL);
    ck_assert_int_eq(qk256_gemm(NULL, 8, w, rb, x, cols, rows, 0, 3), QK256_E_NULL);
    ck_assert_int_eq(qk256_gemm(yf, 8, NULL, rb, x, cols, rows, cols, 3), QK256_E_NULL);
    ck_assert_int_eq(qk256_gemm(yf, 8, w, rb, NULL, cols, rows, cols, 3), QK256_E_NULL);
    ck_assert_int_eq(qk256_gemm_i8(NULL, 8, w, rb, xq, cols, scales, rows, cols, 3),
                     QK256_E_NULL);
    ck_assert_int_eq(qk256_gemm_i8(NULL, 8, w, rb, xq, cols, scales, rows, 0, 3),
                     QK256_E_NULL);
    ck_assert_int_eq(qk256_gemm_i8(yf, 8, NULL, rb, xq, cols, scales, rows, cols, 3),
                     QK256_E_NULL);
    ck_assert_int_eq(qk256_gemm_i8(yf, 8, w, rb, NULL, cols, scales, rows, cols, 3),
                     QK256_E_NULL);
    ck_assert_int_eq(qk256_gemm_i8(yf, 8, w, rb, xq, cols, NULL, rows, cols, 3),
                     QK256_E_NULL);
    CHECK(all_bytes_are(y, gy.len, SENTINEL), "a NULL argument: y was written");
    gbuf_free_checked(&gy, "y", "gemm NULL");
}
END_TEST

/* The public functions run the kernels of the variant that
 * qk256_implementation() names: bitwise that impl-list row's results. */
START_TEST(test_public_is_bound)
{
    const struct qk256_impl *im = bound_impl();

    for (size_t si = 0; si < n_awkward_sizes; si++) {
        size_t rows = 9, cols = awkward_sizes[si], rb = qk256_row_bytes(cols);
        size_t n = 11, ldy = rows + 2, ldx = cols + 3, ylen = (n - 1) * ldy + rows;
        struct gbuf gw, gx, gq, gs, gy, gk;
        uint8_t *w = gbuf_alloc(&gw, rows * rb, 0);
        float *x = gbuf_alloc(&gx, ((n - 1) * ldx + cols) * sizeof(float), 0);
        int8_t *xq = gbuf_alloc(&gq, (n - 1) * ldx + cols, 0);
        float *scales = gbuf_alloc(&gs, n * sizeof(float), 0);
        float *y = gbuf_alloc(&gy, ylen * sizeof(float), 0);
        float *yk = gbuf_alloc(&gk, ylen * sizeof(float), 0);
        struct rng r;
        char ctx[64];

        snprintf(ctx, sizeof ctx, "gemm public vs %s cols=%zu", im->name, cols);
        rng_seed(&r, cols);
        rng_bytes(&r, w, rows * rb);
        rng_floats(&r, x, (n - 1) * ldx + cols, -10.0f, 10.0f);
        rng_bytes(&r, (uint8_t *)xq, (n - 1) * ldx + cols);
        rng_floats(&r, scales, n, -2.0f, 2.0f);
        fill_sentinel(y, ylen);
        fill_sentinel(yk, ylen);
        ck_assert_int_eq(qk256_gemm(y, ldy, w, rb, x, ldx, rows, cols, n), QK256_OK);
        im->gemm(yk, ldy, w, rb, x, ldx, rows, cols, n);
        assert_same_floats(y, yk, ylen, "y", ctx);
        ck_assert_int_eq(qk256_gemm_i8(y, ldy, w, rb, xq, ldx, scales, rows,
                                       cols, n), QK256_OK);
        im->gemm_i8(yk, ldy, w, rb, xq, ldx, scales, rows, cols, n);
        assert_same_floats(y, yk, ylen, "y (i8)", ctx);
        gbuf_free(&gw);
        gbuf_free(&gx);
        gbuf_free(&gq);
        gbuf_free(&gs);
        gbuf_free(&gy);
        gbuf_free(&gk);
    }
}
END_TEST

Suite *
suite_gemm(void)
{
    const struct ktest tests[] = {
        { test_n, (int)NELEMS(n_counts) },
        { test_shapes, (int)n_awkward_sizes },
        { test_uniform, 4 },
        { test_row_blocks, (int)NELEMS(block_cols) },
        { test_nonfinite, 4 },
        { test_chunk_widths, 7 },
        { test_wide, 3 },
        { test_positions, (int)GBUF_NPOS },
        { test_i8_n, (int)NELEMS(n_counts) },
        { test_i8_shapes, (int)n_awkward_sizes },
        { test_i8_wide, 3 },
        { test_i8_bands, 2 },
        { test_i8_lines, 5 },
        { test_i8_row_blocks, (int)NELEMS(block_cols) },
        { test_i8_scales, (int)XQ_CONST },
        { test_i8_uniform, 16 },
        { test_i8_positions, (int)GBUF_NPOS },
        { test_stress, STRESS_CHUNKS },
    };
    Suite *s = kernel_suite("gemm", tests, NELEMS(tests));
    TCase *tc = tcase_new("gemm", "api");

    tcase_add_test(tc, test_api_strides);
    tcase_add_test(tc, test_api_overflow);
    tcase_add_test(tc, test_api_overlap);
    tcase_add_test(tc, test_api_empty);
    tcase_add_test(tc, test_api_no_cols);
    tcase_add_test(tc, test_api_null);
    tcase_add_test(tc, test_public_is_bound);
    suite_add_tcase(s, tc);
    return s;
}
