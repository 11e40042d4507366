/* tests/check_scan.c -- the input scans (codes 0..3, finite floats) on
 * every variant
 * SPDX-License-Identifier: MIT
 *
 * qk256_pack and qk256_quantize scan their whole input before they write
 * (QK256_E_RANGE), with a kernel of the bound variant; the quantize_i8
 * kernels find a non-finite float in their own first pass, and then write
 * nothing.  Each variant must find a bad element wherever it is (first,
 * last, in a vector or in the tail), whatever its value, and must never
 * read past the array; the "public" target checks the status and the
 * untouched output of the calls themselves.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* Values that are not codes, and floats that are not finite (as bits:
 * +-inf, quiet and signalling NaNs of both signs). */
static const uint8_t bad_codes[] = { 4, 7, 0x80, 0xfc, 0xff };
static const uint32_t bad_floats[] = {
    0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xffffffffu,
};

/* Checks that a call which failed left the len bytes of its output what,
 * at p, as gbuf_alloc filled them (0xff). */
static void
check_unwritten(const void *p, size_t len, const char *what, const char *ctx)
{
    for (size_t k = 0; k < len; k++)
        CHECK(((const unsigned char *)p)[k] == 0xff, "%s: byte %zu of %s written on failure",
              ctx, k, what);
}

/* Whether the n codes pass t's scan: the kernel, or qk256_pack, which must
 * then leave dst untouched on QK256_E_RANGE. */
static int
codes_pass(const struct target *t, const uint8_t *codes, size_t n,
           const char *ctx)
{
    if (t->impl)
        return t->impl->codes_ok(codes, n);

    size_t nb = qk256_row_bytes(n);
    struct gbuf gd;
    uint8_t *dst = gbuf_alloc(&gd, nb, 0);
    int rc = qk256_pack(dst, codes, n);

    CHECK(rc == QK256_OK || rc == QK256_E_RANGE, "%s: qk256_pack returned %d", ctx, rc);
    if (rc == QK256_E_RANGE)
        check_unwritten(dst, nb, "dst", ctx);
    gbuf_free_checked(&gd, "dst", ctx);
    return rc == QK256_OK;
}

/* The same for n floats: the kernel, or qk256_quantize. */
static int
floats_pass(const struct target *t, const float *x, size_t n, const char *ctx)
{
    if (t->impl)
        return t->impl->finite(x, n);

    size_t nb = qk256_row_bytes(n), ns = qk256_blocks(n) * sizeof(float);
    struct gbuf gd, gs;
    uint8_t *dst = gbuf_alloc(&gd, nb, 0);
    uint8_t *scales = gbuf_alloc(&gs, ns, 0);
    int rc = qk256_quantize(dst, (float *)(void *)scales, x, n);

    CHECK(rc == QK256_OK || rc == QK256_E_RANGE, "%s: qk256_quantize returned %d", ctx, rc);
    if (rc == QK256_E_RANGE) {
        check_unwritten(dst, nb, "dst", ctx);
        check_unwritten(scales, ns, "scales", ctx);
    }
    gbuf_free_checked(&gd, "dst", ctx);
    gbuf_free_checked(&gs, "scales", ctx);
    return rc == QK256_OK;
}

/* The same for quantize_i8: its kernel, or qk256_quantize_i8; either must
 * leave xq and *scale untouched when it finds a non-finite x. */
static int
floats_pass_i8(const struct target *t, const float *x, size_t n, const char *ctx)
{
    struct gbuf gq, gs;
    int8_t *xq = gbuf_alloc(&gq, n, 0);
    float *scale = gbuf_alloc(&gs, sizeof(float), 0);
    int ok;

    if (t->impl) {
        ok = t->impl->quantize_i8(xq, scale, x, n);
    } else {
        int rc = qk256_quantize_i8(xq, scale, x, n);

        CHECK(rc == QK256_OK || rc == QK256_E_RANGE, "%s: qk256_quantize_i8 returned %d",
              ctx, rc);
        ok = rc == QK256_OK;
    }
    if (!ok) {
        check_unwritten(xq, n, "xq", ctx);
        check_unwritten(scale, sizeof(float), "scale", ctx);
    }
    gbuf_free_checked(&gq, "xq", ctx);
    gbuf_free_checked(&gs, "scale", ctx);
    return ok;
}

/* One bad code, then one non-finite float, at position p: all fail. */
static void
try_bad(const struct target *t, uint8_t *codes, float *x, size_t n, size_t p,
        uint64_t seed, const char *ctx)
{
    uint8_t c = codes[p], bc = bad_codes[(p + seed) % NELEMS(bad_codes)];
    uint32_t bf = bad_floats[(p + seed) % NELEMS(bad_floats)];
    unsigned char *xp = (unsigned char *)x + p * sizeof(float), saved[4];

    codes[p] = bc;
    CHECK(!codes_pass(t, codes, n, ctx), "%s: code 0x%02x at %zu accepted", ctx, bc, p);
    codes[p] = c;

    memcpy(saved, xp, 4);
    memcpy(xp, &bf, 4);
    CHECK(!floats_pass(t, x, n, ctx), "%s: float 0x%08x at %zu accepted", ctx,
          (unsigned)bf, p);
    CHECK(!floats_pass_i8(t, x, n, ctx), "%s: float 0x%08x at %zu accepted by quantize_i8",
          ctx, (unsigned)bf, p);
    memcpy(xp, saved, 4);
}

/* n valid codes and n finite floats at placement pos pass; each with one
 * bad element at position p fails, for p in a set that covers the ends,
 * the middle and, for small n, every position. */
static void
run_scan(const struct target *t, size_t n, unsigned pos, uint64_t seed)
{
    struct gbuf gc, gx;
    uint8_t *codes = gbuf_alloc(&gc, n, pos);
    float *x = gbuf_alloc(&gx, n * sizeof(float), pos);
    struct rng r;
    char ctx[128];

    snprintf(ctx, sizeof ctx, "scan/%s n=%zu pos=%u seed=%llu", t->name, n, pos,
             (unsigned long long)seed);
    rng_seed(&r, seed);
    rng_codes(&r, codes, n);
    for (size_t i = 0; i < n; i++) {
        float v = rng_finite(&r);

        memcpy((unsigned char *)x + i * sizeof v, &v, sizeof v);
    }
    CHECK(codes_pass(t, codes, n, ctx), "%s: valid codes rejected", ctx);
    CHECK(floats_pass(t, x, n, ctx), "%s: finite floats rejected", ctx);
    CHECK(floats_pass_i8(t, x, n, ctx), "%s: finite floats rejected by quantize_i8", ctx);

    size_t step = n <= 300 ? 1 : n / 7 + 1;

    for (size_t p = 0; p < n; p += step)
        try_bad(t, codes, x, n, p, seed, ctx);
    try_bad(t, codes, x, n, n - 1, seed, ctx);
    gbuf_free_checked(&gc, "codes", ctx);
    gbuf_free_checked(&gx, "floats", ctx);
}

START_TEST(test_sizes)
{
    const struct target *t = target_of(_i);
    size_t n = awkward_sizes[case_of(_i)];

    for (unsigned pos = 0; pos < GBUF_NPOS; pos++)
        run_scan(t, n, pos, fixed_seeds[pos % n_fixed_seeds]);
}
END_TEST

/* Extremes that are finite: the largest and smallest magnitudes, zeros. */
START_TEST(test_finite_extremes)
{
    static const float edge[] = { FLT_MAX, -FLT_MAX, 0x1p-149f, -0x1p-149f,
                                  0x1p-126f, 0.0f, -0.0f, 1.0f };
    const struct target *t = target_of(_i);
    float x[300];
    char ctx[64];

    snprintf(ctx, sizeof ctx, "scan/%s extremes", t->name);
    for (size_t i = 0; i < NELEMS(x); i++)
        x[i] = edge[i % NELEMS(edge)];
    for (size_t n = 1; n <= NELEMS(x); n += 37) {
        CHECK(floats_pass(t, x, n, ctx), "%s: finite extremes rejected (n=%zu)", ctx, n);
        CHECK(floats_pass_i8(t, x, n, ctx),
              "%s: finite extremes rejected by quantize_i8 (n=%zu)", ctx, n);
    }
}
END_TEST

static void
stress_case(const struct target *t, struct rng *r)
{
    run_scan(t, rng_size(r, 8192), (unsigned)rng_below(r, GBUF_NPOS), rng_next(r));
}

START_TEST(test_stress)
{
    run_stress(_i, "scan", stress_case);
}
END_TEST

Suite *
suite_scan(void)
{
    const struct ktest tests[] = {
        { test_sizes, (int)n_awkward_sizes },
        { test_finite_extremes, 1 },
        { test_stress, STRESS_CHUNKS / 10 },
    };

    return kernel_suite("scan", tests, NELEMS(tests));
}
