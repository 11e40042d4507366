/* tests/check_gemv.c -- qk256_gemv on every variant
 * SPDX-License-Identifier: MIT
 *
 * Every row is held to the SPEC section 4 bound against the reference
 * (and, for every variant but scalar, against the scalar kernel); where the
 * exact sum is representable whatever the summation order (integer x), the
 * result must be exact.  Shapes: the awkward sizes as cols, row counts that
 * no tiling divides, padded and odd row strides, unaligned pointers, and
 * garbage in every pad code and padding byte.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "ref.h"
#include "testutil.h"

static const size_t row_counts[] = { 1, 2, 3, 4, 5, 7, 8, 9, 13, 17 };
static const size_t stride_pads[] = { 0, 1, 3, 64 };

struct gcase {
    size_t rows, cols, pad; /* row_stride = qk256_row_bytes(cols) + pad */
    unsigned w_pos, x_pos, y_pos;
    uint64_t seed;
    int wcode; /* -1: random bytes; 0..3: that code everywhere */
    enum xkind xk;
    enum xspecial sp;
};

/* An ordinary case: random weights, x in [-10, 10]. */
static struct gcase
plain_case(size_t rows, size_t cols, size_t pad, unsigned pos, uint64_t seed)
{
    struct gcase gc = { rows, cols, pad, pos % GBUF_NPOS, (pos + 1) % GBUF_NPOS,
                        (pos + 2) % GBUF_NPOS, seed, -1, X_RANGE10, S_NONE };
    return gc;
}

static void
run_gemv(const struct target *t, const struct gcase *gc)
{
    size_t rows = gc->rows, cols = gc->cols, rb = qk256_row_bytes(cols);
    size_t stride = rb + gc->pad, wlen = (rows - 1) * stride + rb;
    struct gbuf gw, gx, gxv, gy, gyv, gt;
    uint8_t *w = gbuf_alloc(&gw, wlen, gc->w_pos);
    float *x = gbuf_alloc(&gx, cols * sizeof(float), gc->x_pos);
    float *y = gbuf_alloc(&gy, rows * sizeof(float), gc->y_pos);
    /* Aligned copies of x and y for the test code to fill and read. */
    float *xv = gbuf_alloc(&gxv, cols * sizeof(float), 0);
    float *yv = gbuf_alloc(&gyv, rows * sizeof(float), 0);
    float *twin = gbuf_alloc(&gt, rows * sizeof(float), 0);
    int exact = (gc->xk == X_INTEGER || gc->xk == X_ONES || gc->xk == X_ZERO)
                && gc->sp == S_NONE;
    /* Uniform codes and x all 1.0: y = w * cols, worked out here. */
    static const int weight[4] = { -2, -1, 1, 2 };
    int closed = gc->wcode >= 0 && gc->xk == X_ONES && gc->sp == S_NONE;
    struct rng r;
    char ctx[200];

    snprintf(ctx, sizeof ctx,
             "gemv/%s rows=%zu cols=%zu stride=%zu pos=%u,%u,%u seed=%llu "
             "wcode=%d x=%s special=%s", t->name, rows, cols, stride,
             gc->w_pos, gc->x_pos, gc->y_pos, (unsigned long long)gc->seed,
             gc->wcode, xkind_names[gc->xk], xspecial_names[gc->sp]);
    rng_seed(&r, gc->seed);
    rng_bytes(&r, w, wlen); /* pad codes and row padding: garbage */
    if (gc->wcode >= 0) {
        for (size_t row = 0; row < rows; row++) {
            memset(w + row * stride, gc->wcode * 0x55, rb);
            scramble_pad_codes(w + row * stride, cols, &r);
        }
    }
    fill_x(xv, cols, gc->xk, &r);
    put_specials(xv, cols, gc->sp, &r);
    memcpy(x, xv, cols * sizeof(float));

    t->gemv(y, w, stride, x, rows, cols);
    memcpy(yv, y, rows * sizeof(float));
    if (!target_is_scalar(t))
        scalar_impl()->gemv(twin, w, stride, x, rows, cols);

    for (size_t row = 0; row < rows; row++) {
        struct ref_dot d = ref_dot_row(w + row * stride, xv, cols);

        CHECK(ref_gemv_close(yv[row], d),
              "%s: y[%zu] = %.9g, want %.17g (|w x| sum %.9g)",
              ctx, row, (double)yv[row], d.exact, d.mag);
        CHECK(!exact || yv[row] == (float)d.exact,
              "%s: y[%zu] = %.9g, want exactly %.9g",
              ctx, row, (double)yv[row], d.exact);
        CHECK(!closed || yv[row] == (float)(weight[gc->wcode] * (long)cols),
              "%s: y[%zu] = %.9g, want exactly %ld", ctx, row,
              (double)yv[row], weight[gc->wcode] * (long)cols);
        if (!target_is_scalar(t)) {
            struct ref_dot s = { twin[row], d.mag };
            CHECK(ref_gemv_close(yv[row], s),
                  "%s: y[%zu] = %.9g, scalar gives %.9g",
                  ctx, row, (double)yv[row], (double)twin[row]);
        }
    }
    gbuf_free_checked(&gy, "y", ctx);
    gbuf_free(&gw);
    gbuf_free(&gx);
    gbuf_free(&gxv);
    gbuf_free(&gyv);
    gbuf_free(&gt);
}

/* cols = awkward_sizes[_i], with every row count and row stride. */
START_TEST(test_shapes)
{
    const struct target *t = target_of(_i);
    size_t si = (size_t)case_of(_i);
    unsigned k = 0;

    for (size_t ri = 0; ri < NELEMS(row_counts); ri++) {
        for (size_t pi = 0; pi < NELEMS(stride_pads); pi++, k++) {
            struct gcase gc = plain_case(row_counts[ri], awkward_sizes[si],
                                         stride_pads[pi], k + (unsigned)si,
                                         fixed_seeds[k % n_fixed_seeds]);
            run_gemv(t, &gc);
        }
    }
}
END_TEST

/* The shapes of the format's first implementation, with seed
 * fixed_seeds[_i]: a single block, 512, 1024 and 4096 columns, the partial
 * blocks 300 and 513, several rows. */
START_TEST(test_seeds)
{
    static const struct {
        size_t rows, cols;
    } shapes[] = {
        { 1, 256 }, { 4, 256 }, { 8, 512 }, { 3, 1024 },
        { 2, 4096 }, { 5, 300 }, { 7, 513 },
    };
    const struct target *t = target_of(_i);
    uint64_t seed = fixed_seeds[case_of(_i)];

    for (size_t k = 0; k < NELEMS(shapes); k++) {
        struct gcase gc = plain_case(shapes[k].rows, shapes[k].cols, 0,
                                     (unsigned)k, seed);
        run_gemv(t, &gc);
    }
}
END_TEST

/* Every code equal to _i (garbage in the pad codes) and x all 1.0. */
START_TEST(test_uniform)
{
    const struct target *t = target_of(_i);

    for (size_t si = 0; si < n_awkward_sizes; si++) {
        struct gcase gc = plain_case(3, awkward_sizes[si], 3, (unsigned)si, 42);

        gc.wcode = case_of(_i);
        gc.xk = X_ONES;
        run_gemv(t, &gc);
    }
}
END_TEST

/* cols = awkward_sizes[_i]: integer x gives exact sums, zero x gives 0. */
START_TEST(test_exact)
{
    const struct target *t = target_of(_i);
    size_t si = (size_t)case_of(_i);

    for (unsigned k = 0; k < 8; k++) {
        struct gcase gc = plain_case(row_counts[k + 2], awkward_sizes[si],
                                     stride_pads[k % NELEMS(stride_pads)], k,
                                     1000 + k);
        gc.xk = k % 2 ? X_ZERO : X_INTEGER;
        run_gemv(t, &gc);
    }
}
END_TEST

/* NaN and infinities in x propagate (special kind _i + 1), and huge x
 * (case 3) overflows f32 as IEEE arithmetic would: every size. */
START_TEST(test_nonfinite)
{
    const struct target *t = target_of(_i);
    int k = case_of(_i);

    for (size_t si = 0; si < n_awkward_sizes; si++) {
        struct gcase gc = plain_case(row_counts[si % NELEMS(row_counts)],
                                     awkward_sizes[si],
                                     stride_pads[si % NELEMS(stride_pads)],
                                     (unsigned)si,
                                     fixed_seeds[si % n_fixed_seeds]);
        if (k < 3)
            gc.sp = (enum xspecial)(k + 1);
        else
            gc.xk = X_HUGE;
        run_gemv(t, &gc);
    }
}
END_TEST

/* Random cases. */
static void
stress_case(const struct target *t, struct rng *r)
{
    static const size_t pads[] = { 0, 0, 1, 3, 64, 5, 200 };
    size_t rows = rng_below(r, 2) ? row_counts[rng_below(r, 10)]
                                   : 1 + rng_below(r, 24);
    size_t cols = rng_size(r, 7000);
    struct gcase gc = plain_case(rows, cols, pads[rng_below(r, 7)],
                                 (unsigned)rng_below(r, GBUF_NPOS),
                                 rng_next(r));
    gc.y_pos = (unsigned)rng_below(r, GBUF_NPOS);
    switch (rng_below(r, 10)) {
    case 0:
    case 1:
        gc.xk = X_INTEGER;
        break;
    case 2:
        gc.xk = X_HUGE;
        break;
    default:
        gc.xk = X_RANGE10;
    }
    if (rng_below(r, 20) == 0)
        gc.sp = (enum xspecial)(1 + rng_below(r, 3));
    run_gemv(t, &gc);
}

START_TEST(test_stress)
{
    run_stress(_i, "gemv", stress_case);
}
END_TEST

/* The public function runs the kernel that qk256_implementation() names:
 * its results are bitwise those of that impl-list row. */
START_TEST(test_public_is_bound)
{
    const struct qk256_impl *im = bound_impl();

    for (size_t si = 0; si < n_awkward_sizes; si++) {
        size_t rows = 17, cols = awkward_sizes[si], rb = qk256_row_bytes(cols);
        struct gbuf gw, gx, gy, gk;
        uint8_t *w = gbuf_alloc(&gw, rows * rb, 0);
        float *x = gbuf_alloc(&gx, cols * sizeof(float), 0);
        float *y = gbuf_alloc(&gy, rows * sizeof(float), 0);
        float *yk = gbuf_alloc(&gk, rows * sizeof(float), 0);
        struct rng r;
        char ctx[64];

        snprintf(ctx, sizeof ctx, "public vs %s cols=%zu", im->name, cols);
        rng_seed(&r, cols);
        rng_bytes(&r, w, rows * rb);
        rng_floats(&r, x, cols, -10.0f, 10.0f);
        ck_assert_int_eq(qk256_gemv(y, w, rb, x, rows, cols), QK256_OK);
        im->gemv(yk, w, rb, x, rows, cols);
        assert_same_floats(y, yk, rows, "y", ctx);
        gbuf_free(&gw);
        gbuf_free(&gx);
        gbuf_free(&gy);
        gbuf_free(&gk);
    }
}
END_TEST

Suite *
suite_gemv(void)
{
    const struct ktest tests[] = {
        { test_shapes, (int)n_awkward_sizes },
        { test_seeds, (int)n_fixed_seeds },
        { test_uniform, 4 },
        { test_exact, (int)n_awkward_sizes },
        { test_nonfinite, 4 },
        { test_stress, STRESS_CHUNKS },
    };
    Suite *s = kernel_suite("gemv", tests, NELEMS(tests));
    TCase *tc = tcase_new("gemv", "dispatch");

    tcase_add_test(tc, test_public_is_bound);
    suite_add_tcase(s, tc);
    return s;
}
