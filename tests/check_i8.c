/* tests/check_i8.c -- qk256_quantize_i8 and qk256_gemv_i8 on every variant
 * SPDX-License-Identifier: MIT
 *
 * SPEC section 4 asks both functions to be bitwise identical in every
 * variant, so every result here is held bitwise against the reference
 * (tests/ref.c) and, for every variant but scalar, against the scalar
 * kernel.  quantize_i8 inputs probe the wording of SPEC section 2b: exact
 * ties k + 0.5 of the f32 product, products one ulp off a tie, maxima from
 * subnormal (where 127 / m overflows to infinity) to FLT_MAX, zeros of
 * both signs.  gemv_i8 gets garbage in every pad code and padding byte,
 * activations that include -128, scales that are zero, negative, tiny or
 * not finite, and the largest cols that the int32 accumulator allows.
 *
 * The error paths of the public functions are tested in check_args.c;
 * suite "i8_api" here has the ones that need real buffers: non-finite
 * input at every kind of position, and cols one past QK256_I8_MAX_COLS.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ref.h"
#include "testutil.h"

/* Element counts around the vector widths of the int8 kernels (32 and
 * 64 bytes, 8 and 16 floats) as well as around blocks. */
static const size_t i8_sizes[] = {
    1, 2, 31, 32, 33, 63, 64, 65, 255, 256, 257, 300, 513, 2560, 4096 + 7,
};

static size_t
i8_size(struct rng *r, size_t max)
{
    if (rng_next(r) & 1)
        return i8_sizes[rng_below(r, NELEMS(i8_sizes))];
    return 1 + rng_below(r, max);
}

/* The value of an int8 that the test code reads out of a buffer. */
static int
i8_at(const int8_t *p, size_t i)
{
    return p[i];
}

/* ==== quantize_i8 ======================================================== */

enum ikind {
    I_RANGE10,    /* uniform in [-10, 10] */
    I_SCALED,     /* uniform in [-2^e, 2^e], one e in [-149, 127] for all */
    I_WIDE,       /* each element its own e in [-150, 127] */
    I_OUTLIER,    /* small values and one large one */
    I_ZERO,       /* all +0.0 */
    I_SIGNED_ZERO, /* +0.0 and -0.0 */
    I_SUBNORMAL,  /* subnormals of both signs, and zeros: inv = inf */
    I_TINY,       /* |x| < 2^-122, normal and subnormal: inv = inf */
    I_TIES,       /* m = 127 * 2^e: every product is exactly k + 0.5 or k */
    I_NEAR_TIES,  /* any m: products exactly k + 0.5, and one ulp off */
    I_INTEGERS,   /* m = 127 * 2^e, x = k * 2^e: exact integer products */
    I_HUGE,       /* up to FLT_MAX */
    I_MIXED,      /* each run of 64 elements of a random kind above */
    I_NKINDS
};

static const char *const ikind_names[] = {
    "range10", "scaled", "wide", "outlier", "zero", "signed-zero",
    "subnormal", "tiny", "ties", "near-ties", "integers", "huge", "mixed",
};

static float
random_sign(struct rng *r, float v)
{
    return rng_next(r) & 1 ? -v : v;
}

/* m = 127 * 2^e with e in [-127, 120], so inv = 2^-e exactly; elements
 * (k + 0.5) * 2^e and k * 2^e, which the f32 product maps to k + 0.5 and
 * k exactly (e >= -127 keeps them representable, subnormals included). */
static void
fill_ties(float *x, size_t len, int integers, struct rng *r)
{
    int e = (int)rng_below(r, 248) - 127;

    for (size_t j = 0; j < len; j++) {
        int k = (int)rng_below(r, 254) - 127; /* -127 .. 126 */
        double v = integers || rng_below(r, 4) == 0 ? k : k + 0.5;

        x[j] = ldexpf((float)v, e);
    }
    x[rng_below(r, len)] = random_sign(r, ldexpf(127.0f, e));
}

/* For an arbitrary maximum m, the floats near (k + 0.5) / inv whose f32
 * product with inv is exactly k + 0.5; a quarter of them moved one ulp, so
 * that the product lands just off the tie. */
static void
fill_near_ties(float *x, size_t len, struct rng *r)
{
    float m = ldexpf(rng_float(r, 0.5f, 1.0f), (int)rng_below(r, 200) - 100);
    float inv = 127.0f / m;

    for (size_t j = 0; j < len; j++) {
        float tgt = (float)((int)rng_below(r, 253) - 127) + 0.5f;
        float c = tgt / inv, found = c;

        for (int s = 0; s < 4; s++)
            c = nextafterf(c, -INFINITY);
        for (int s = 0; s < 9; s++, c = nextafterf(c, INFINITY)) {
            if (c * inv == tgt) {
                found = c;
                break;
            }
        }
        if (rng_below(r, 4) == 0)
            found = nextafterf(found, rng_next(r) & 1 ? INFINITY : -INFINITY);
        x[j] = fabsf(found) <= m ? found : 0.0f;
    }
    x[rng_below(r, len)] = random_sign(r, m);
}

static void
fill_kind(float *x, size_t len, enum ikind kind, struct rng *r)
{
    int e = (int)rng_below(r, 277) - 149;

    switch (kind) {
    case I_TIES:
    case I_INTEGERS:
        fill_ties(x, len, kind == I_INTEGERS, r);
        return;
    case I_NEAR_TIES:
        fill_near_ties(x, len, r);
        return;
    case I_MIXED:
        for (size_t lo = 0; lo < len; lo += 64)
            fill_kind(x + lo, len - lo < 64 ? len - lo : 64,
                      (enum ikind)rng_below(r, I_MIXED), r);
        return;
    default:
        break;
    }
    for (size_t j = 0; j < len; j++) {
        switch (kind) {
        case I_RANGE10:
            x[j] = rng_float(r, -10.0f, 10.0f);
            break;
        case I_SCALED:
            x[j] = ldexpf(rng_float(r, -1.0f, 1.0f), e);
            break;
        case I_WIDE:
            x[j] = ldexpf(rng_float(r, -1.0f, 1.0f),
                          (int)rng_below(r, 278) - 150);
            break;
        case I_OUTLIER:
            x[j] = rng_float(r, -1.0f, 1.0f);
            break;
        case I_ZERO:
            x[j] = 0.0f;
            break;
        case I_SIGNED_ZERO:
            x[j] = random_sign(r, 0.0f);
            break;
        case I_SUBNORMAL: {
            uint32_t bits = (uint32_t)rng_next(r) & 0x807fffffu;

            if (rng_below(r, 8) == 0)
                bits &= 0x80000000u; /* a zero */
            memcpy(&x[j], &bits, sizeof bits);
            break;
        }
        case I_TINY:
            x[j] = rng_below(r, 8) ? ldexpf(rng_float(r, -1.0f, 1.0f), -122)
                                   : random_sign(r, 0.0f);
            break;
        case I_HUGE:
            x[j] = rng_float(r, -FLT_MAX, FLT_MAX);
            break;
        default:
            break;
        }
    }
    if (kind == I_OUTLIER)
        x[rng_below(r, len)] = random_sign(r, ldexpf(1.0f, (int)rng_below(r, 120)));
}

struct qcase {
    size_t n;
    unsigned x_pos, xq_pos, sc_pos;
    uint64_t seed;
    enum ikind kind;
};

/* The checks that need no reference: |xq| <= 127 (never -128), the
 * elements of magnitude m give +-127, an m of 0 gives zeros and +0.0. */
static void
check_invariants(const int8_t *xq, float scale, const float *x, size_t n,
                 const char *ctx)
{
    float m = 0.0f;

    for (size_t i = 0; i < n; i++)
        m = fmaxf(m, fabsf(x[i]));
    for (size_t i = 0; i < n; i++) {
        int q = i8_at(xq, i);

        CHECK(q >= -127 && q <= 127, "%s: xq[%zu] = %d", ctx, i, q);
        if (m > 0.0f && fabsf(x[i]) == m)
            CHECK(q == (x[i] < 0.0f ? -127 : 127),
                  "%s: xq[%zu] = %d for x = %a = +-max", ctx, i, q,
                  (double)x[i]);
        if (m == 0.0f)
            CHECK(q == 0, "%s: xq[%zu] = %d, want 0 (all zero)", ctx, i, q);
    }

    uint32_t bits;

    memcpy(&bits, &scale, sizeof bits);
    CHECK(m != 0.0f || bits == 0, "%s: scale of all zeros is %a (0x%08x)",
          ctx, (double)scale, (unsigned)bits);
}

/* Quantizes with t into outputs that start as 0xff and holds them against
 * the reference and the scalar twin. */
static void
run_quantize_i8(const struct target *t, const struct qcase *qc)
{
    size_t n = qc->n;
    struct gbuf gx, gv, gq, gs, gw, gt;
    float *x = gbuf_alloc(&gx, n * sizeof(float), qc->x_pos);
    float *vals = gbuf_alloc(&gv, n * sizeof(float), 0); /* aligned copy */
    int8_t *xq = gbuf_alloc(&gq, n, qc->xq_pos);
    float *scale = gbuf_alloc(&gs, sizeof(float), qc->sc_pos);
    int8_t *want = gbuf_alloc(&gw, n, 0);
    int8_t *twin = gbuf_alloc(&gt, n, 0);
    float want_sc, twin_sc, got_sc;
    struct rng r;
    char ctx[160];

    snprintf(ctx, sizeof ctx, "quantize_i8/%s n=%zu pos=%u,%u,%u seed=%llu kind=%s",
             t->name, n, qc->x_pos, qc->xq_pos, qc->sc_pos,
             (unsigned long long)qc->seed, ikind_names[qc->kind]);
    rng_seed(&r, qc->seed);
    fill_kind(vals, n, qc->kind, &r);
    memcpy(x, vals, n * sizeof(float));

    CHECK(t->quantize_i8(xq, scale, x, n), "%s: finite x rejected", ctx);
    ref_quantize_i8(want, &want_sc, vals, n);
    assert_same_bytes((const uint8_t *)xq, (const uint8_t *)want, n, "xq", ctx);
    assert_same_floats(scale, &want_sc, 1, "scale", ctx);
    if (!target_is_scalar(t)) {
        CHECK(scalar_impl()->quantize_i8(twin, &twin_sc, x, n),
              "%s: finite x rejected (scalar)", ctx);
        assert_same_bytes((const uint8_t *)xq, (const uint8_t *)twin, n,
                          "xq (vs scalar)", ctx);
        assert_same_floats(scale, &twin_sc, 1, "scale (vs scalar)", ctx);
    }
    memcpy(&got_sc, scale, sizeof got_sc);
    check_invariants(xq, got_sc, vals, n, ctx);
    CHECK(memcmp(x, vals, n * sizeof(float)) == 0, "%s: x was written", ctx);

    gbuf_free_checked(&gq, "xq", ctx);
    gbuf_free_checked(&gs, "scale", ctx);
    gbuf_free_checked(&gx, "x", ctx);
    gbuf_free(&gv);
    gbuf_free(&gw);
    gbuf_free(&gt);
}

/* Size i8_sizes[_i], every kind, several placements. */
START_TEST(test_q_sizes)
{
    const struct target *t = target_of(_i);
    size_t si = (size_t)case_of(_i);

    for (unsigned k = 0; k < 2 * I_NKINDS; k++) {
        struct qcase qc = { i8_sizes[si], k % GBUF_NPOS,
                            (unsigned)((k / GBUF_NPOS + si) % GBUF_NPOS),
                            (unsigned)((k + si + 2) % GBUF_NPOS),
                            fixed_seeds[(si + k) % n_fixed_seeds] + k,
                            (enum ikind)(k % I_NKINDS) };
        run_quantize_i8(t, &qc);
    }
}
END_TEST

/* Kind _i at every size, with every seed. */
START_TEST(test_q_kinds)
{
    const struct target *t = target_of(_i);
    enum ikind kind = (enum ikind)case_of(_i);

    for (size_t si = 0; si < NELEMS(i8_sizes); si++) {
        for (size_t k = 0; k < n_fixed_seeds; k++) {
            struct qcase qc = { i8_sizes[si], (unsigned)(si + k) % GBUF_NPOS,
                                (unsigned)(si + k + 1) % GBUF_NPOS,
                                (unsigned)(si + 2 * k) % GBUF_NPOS,
                                fixed_seeds[k] * 31 + si, kind };
            run_quantize_i8(t, &qc);
        }
    }
}
END_TEST

/* Known answers worked out by hand from SPEC section 2b. */
static const struct {
    size_t n;
    float x[20];
    int8_t xq[20];
    float scale;
} known[] = {
    /* m = 127: inv = 1, every product is x itself; ties go to even. */
    { 19,
      { 127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 126.5f, -126.5f, 3.5f, -1.5f,
        0x1.fffffep-2f, 0x1.000002p-1f, -127.0f, 0.0f, -0.0f, 0x1.f9fffep6f,
        0x1.fa0002p6f, 1.0f, -3.5f },
      { 127, 0, 2, 2, 0, -2, 126, -126, 4, -2,
        0, 1, -127, 0, 0, 126,
        127, 1, -4 },
      1.0f },
    /* m = 254 (a negative maximum): inv = 0.5. */
    { 8, { -254.0f, 1.0f, 3.0f, 5.0f, -1.0f, -3.0f, 253.0f, 2.0f },
      { -127, 0, 2, 2, 0, -2, 126, 1 }, 2.0f },
    /* All zeros, both signs: zeros and a scale of +0.0. */
    { 5, { 0.0f, -0.0f, 0.0f, -0.0f, -0.0f }, { 0, 0, 0, 0, 0 }, 0.0f },
    { 1, { -0.0f }, { 0 }, 0.0f },
    /* Subnormal only: m = 2^-140, 127 / m overflows, so inv = +inf; a zero
     * gives 0 and anything else +-127.  m / 127 = 4.03 * 2^-149 rounds to
     * 2^-147. */
    { 6, { 0x1p-149f, -0x1p-149f, 0.0f, -0.0f, 0x1p-140f, -0x1.8p-145f },
      { 127, -127, 0, 0, 127, -127 }, 0x1p-147f },
    /* A tiny normal m = 2^-122: 127 * 2^122 > FLT_MAX, so inv = +inf. */
    { 4, { 0x1p-122f, -0x1p-127f, 0.0f, 0x1p-149f }, { 127, -127, 0, 127 },
      0x1p-122f / 127.0f },
    /* m = 2^-121: inv = 127 * 2^121 is finite.  2^-128 * inv = 0.99,
     * 2^-149 * inv = 4.7e-7, -2^-122 * inv = -63.5 (a tie: -64). */
    { 4, { 0x1p-121f, 0x1p-128f, 0x1p-149f, -0x1p-122f }, { 127, 1, 0, -64 },
      0x1p-121f / 127.0f },
    /* One element: always +-127. */
    { 1, { -3.0f }, { -127 }, 3.0f / 127.0f },
    { 1, { 0x1p-149f }, { 127 }, 0x1p-149f / 127.0f },
    { 1, { FLT_MAX }, { 127 }, FLT_MAX / 127.0f },
    /* m = FLT_MAX: inv = 127 / FLT_MAX is normal; 1.0 quantizes to 0. */
    { 3, { -FLT_MAX, 1.0f, FLT_MAX }, { -127, 0, 127 }, FLT_MAX / 127.0f },
};

START_TEST(test_q_known)
{
    const struct target *t = target_of(_i);
    size_t v = (size_t)case_of(_i), n = known[v].n;
    struct gbuf gx, gq, gs;
    float *x = gbuf_alloc(&gx, n * sizeof(float), 0);
    int8_t *xq = gbuf_alloc(&gq, n, (unsigned)v % GBUF_NPOS);
    float *scale = gbuf_alloc(&gs, sizeof(float), (unsigned)(v + 1) % GBUF_NPOS);
    int8_t want[20];
    float want_sc;
    char ctx[64];

    snprintf(ctx, sizeof ctx, "quantize_i8 known/%s vector %zu (n=%zu)",
             t->name, v, n);
    memcpy(x, known[v].x, n * sizeof(float));

    /* The reference must agree with the hand-worked answer first. */
    ref_quantize_i8(want, &want_sc, x, n);
    assert_same_bytes((const uint8_t *)want, (const uint8_t *)known[v].xq, n,
                      "reference xq", ctx);
    assert_same_floats(&want_sc, &known[v].scale, 1, "reference scale", ctx);

    CHECK(t->quantize_i8(xq, scale, x, n), "%s: finite x rejected", ctx);
    assert_same_bytes((const uint8_t *)xq, (const uint8_t *)known[v].xq, n,
                      "xq", ctx);
    assert_same_floats(scale, &known[v].scale, 1, "scale", ctx);
    gbuf_free_checked(&gq, "xq", ctx);
    gbuf_free_checked(&gs, "scale", ctx);
    gbuf_free(&gx);
}
END_TEST

/* Ties at every position of a long vector: m = 127, x[i] = k + 0.5 for
 * k = i mod 254 - 127, so every lane of every vector and the tail see both
 * parities and both signs. */
START_TEST(test_q_tie_lanes)
{
    const struct target *t = target_of(_i);

    for (size_t si = 0; si < NELEMS(i8_sizes); si++) {
        size_t n = i8_sizes[si] + 1;
        struct gbuf gx, gq, gs;
        float *x = gbuf_alloc(&gx, n * sizeof(float), 0);
        int8_t *xq = gbuf_alloc(&gq, n, 0);
        float *scale = gbuf_alloc(&gs, sizeof(float), GBUF_FRONT);
        char ctx[64];

        snprintf(ctx, sizeof ctx, "quantize_i8 tie lanes/%s n=%zu", t->name, n);
        for (size_t i = 0; i < n; i++) {
            long k = (long)((i + si) % 254) - 127;

            x[i] = (float)k + 0.5f;
        }
        x[(n - 1) / 2] = si & 1 ? -127.0f : 127.0f;
        CHECK(t->quantize_i8(xq, scale, x, n), "%s: finite x rejected", ctx);
        for (size_t i = 0; i < n; i++) {
            int want;

            if (i == (n - 1) / 2) {
                want = si & 1 ? -127 : 127;
            } else {
                long k = (long)((i + si) % 254) - 127; /* k + 0.5: even one */
                want = (int)(k % 2 == 0 ? k : k + 1);
            }
            CHECK(i8_at(xq, i) == want, "%s: xq[%zu] = %d for x = %g, want %d",
                  ctx, i, i8_at(xq, i), (double)x[i], want);
        }
        CHECK(*scale == 1.0f, "%s: scale = %a, want 1", ctx, (double)*scale);
        gbuf_free_checked(&gq, "xq", ctx);
        gbuf_free_checked(&gs, "scale", ctx);
        gbuf_free(&gx);
    }
}
END_TEST

/* The caller's rounding mode (FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO for
 * _i = 0, 1, 2) changes the f32 products and the scale, but not the
 * rounding to an integer: every variant must still give the scalar
 * kernel's bits, and the reference's, which run in the same mode.  The
 * mode is restored before any check, which may leave the test. */
static const int fe_modes[] = { FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO };
static const char *const fe_names[] = { "upward", "downward", "toward zero" };

START_TEST(test_q_rounding_mode)
{
    const struct target *t = target_of(_i);
    int mode = fe_modes[case_of(_i)];

    for (size_t si = 0; si < NELEMS(i8_sizes); si++) {
        for (enum ikind kind = 0; kind < I_NKINDS; kind++) {
            size_t n = i8_sizes[si];
            struct gbuf gx, gq, gw, gt;
            float *x = gbuf_alloc(&gx, n * sizeof(float), 0);
            int8_t *xq = gbuf_alloc(&gq, n, 1);
            int8_t *want = gbuf_alloc(&gw, n, 0);
            int8_t *twin = gbuf_alloc(&gt, n, 0);
            float sc, want_sc, twin_sc;
            struct rng r;
            char ctx[128];

            snprintf(ctx, sizeof ctx, "quantize_i8/%s rounding %s n=%zu kind=%s",
                     t->name, fe_names[case_of(_i)], n, ikind_names[kind]);
            rng_seed(&r, 77 + si * I_NKINDS + kind);
            fill_kind(x, n, kind, &r);

            CHECK(fesetround(mode) == 0, "%s: fesetround failed", ctx);
            int ok = t->quantize_i8(xq, &sc, x, n);
            int twin_ok = scalar_impl()->quantize_i8(twin, &twin_sc, x, n);
            ref_quantize_i8(want, &want_sc, x, n);
            fesetround(FE_TONEAREST);

            CHECK(ok && twin_ok, "%s: finite x rejected (%d, scalar %d)", ctx, ok, twin_ok);

            assert_same_bytes((const uint8_t *)twin, (const uint8_t *)want, n,
                              "scalar xq (vs reference)", ctx);
            assert_same_floats(&twin_sc, &want_sc, 1, "scalar scale (vs reference)", ctx);
            assert_same_bytes((const uint8_t *)xq, (const uint8_t *)want, n, "xq", ctx);
            assert_same_floats(&sc, &want_sc, 1, "scale", ctx);
            gbuf_free_checked(&gq, "xq", ctx);
            gbuf_free(&gx);
            gbuf_free(&gw);
            gbuf_free(&gt);
        }
    }
}
END_TEST

static void
q_stress_case(const struct target *t, struct rng *r)
{
    struct qcase qc;

    qc.n = i8_size(r, 8192);
    qc.x_pos = (unsigned)rng_below(r, GBUF_NPOS);
    qc.xq_pos = (unsigned)rng_below(r, GBUF_NPOS);
    qc.sc_pos = (unsigned)rng_below(r, GBUF_NPOS);
    qc.seed = rng_next(r);
    qc.kind = (enum ikind)rng_below(r, I_NKINDS);
    run_quantize_i8(t, &qc);
}

START_TEST(test_q_stress)
{
    run_stress(_i, "quantize_i8", q_stress_case);
}
END_TEST

Suite *
suite_quantize_i8(void)
{
    const struct ktest tests[] = {
        { test_q_sizes, (int)NELEMS(i8_sizes) },
        { test_q_kinds, I_NKINDS },
        { test_q_known, (int)NELEMS(known) },
        { test_q_tie_lanes, 1 },
        { test_q_rounding_mode, (int)NELEMS(fe_modes) },
        { test_q_stress, STRESS_CHUNKS },
    };

    return kernel_suite("quantize_i8", tests, NELEMS(tests));
}

/* ==== gemv_i8 ============================================================ */

static const int wi[4] = { -2, -1, 1, 2 };

/* Scales: ordinary, negative, tiny (y underflows), subnormal, huge (y
 * overflows), signed zeros, and not finite (NaN and inf propagate; inf
 * times an acc of 0 is NaN). */
static const float scales[] = {
    1.0f, 0.5f, -3.0f, 1e-30f, 0x1p-149f, FLT_MAX, 0.0f, -0.0f,
    NAN, INFINITY, -INFINITY, 0.0123f,
};

struct gcase {
    size_t rows, cols, pad; /* row_stride = qk256_row_bytes(cols) + pad */
    unsigned w_pos, xq_pos, y_pos;
    uint64_t seed;
    int wcode; /* -1: random bytes; 0..3: that code everywhere */
    enum xqkind xk;
    int xconst;
    float scale;
};

static struct gcase
plain_gcase(size_t rows, size_t cols, size_t pad, unsigned pos, uint64_t seed,
            float scale)
{
    struct gcase gc = { rows, cols, pad, pos % GBUF_NPOS, (pos + 1) % GBUF_NPOS,
                        (pos + 3) % GBUF_NPOS, seed, -1, XQ_RANDOM, 0, scale };
    return gc;
}

static void
run_gemv_i8(const struct target *t, const struct gcase *gc)
{
    size_t rows = gc->rows, cols = gc->cols, rb = qk256_row_bytes(cols);
    size_t stride = rb + gc->pad, wlen = (rows - 1) * stride + rb;
    struct gbuf gw, gq, gqv, gy, gyv, gwant, gt;
    uint8_t *w = gbuf_alloc(&gw, wlen, gc->w_pos);
    int8_t *xq = gbuf_alloc(&gq, cols, gc->xq_pos);
    float *y = gbuf_alloc(&gy, rows * sizeof(float), gc->y_pos);
    int8_t *xqv = gbuf_alloc(&gqv, cols, 0);
    float *yv = gbuf_alloc(&gyv, rows * sizeof(float), 0);
    float *want = gbuf_alloc(&gwant, rows * sizeof(float), 0);
    float *twin = gbuf_alloc(&gt, rows * sizeof(float), 0);
    struct rng r;
    char ctx[220];

    snprintf(ctx, sizeof ctx,
             "gemv_i8/%s rows=%zu cols=%zu stride=%zu pos=%u,%u,%u seed=%llu "
             "wcode=%d xq=%s(%d) scale=%a", t->name, rows, cols, stride,
             gc->w_pos, gc->xq_pos, gc->y_pos, (unsigned long long)gc->seed,
             gc->wcode, xqkind_names[gc->xk], gc->xconst, (double)gc->scale);
    rng_seed(&r, gc->seed);
    rng_bytes(&r, w, wlen); /* pad codes and row padding: garbage */
    if (gc->wcode >= 0) {
        for (size_t row = 0; row < rows; row++) {
            memset(w + row * stride, gc->wcode * 0x55, rb);
            scramble_pad_codes(w + row * stride, cols, &r);
        }
    }
    fill_xq(xqv, cols, gc->xk, gc->xconst, &r);
    memcpy(xq, xqv, cols);

    t->gemv_i8(y, w, stride, xq, gc->scale, rows, cols);
    memcpy(yv, y, rows * sizeof(float));
    ref_gemv_i8(want, w, stride, xqv, gc->scale, rows, cols);
    assert_same_floats(yv, want, rows, "y", ctx);
    if (!target_is_scalar(t)) {
        scalar_impl()->gemv_i8(twin, w, stride, xq, gc->scale, rows, cols);
        assert_same_floats(yv, twin, rows, "y (vs scalar)", ctx);
    }

    /* Uniform codes and constant xq: y = scale * (float)(w * xq * cols),
     * worked out here without decoding anything. */
    if (gc->wcode >= 0 && (gc->xk == XQ_CONST || gc->xk == XQ_ZERO)) {
        long long acc = (long long)wi[gc->wcode] * (gc->xk == XQ_CONST ? gc->xconst : 0)
                        * (long long)cols;
        float closed = gc->scale * (float)acc;

        for (size_t row = 0; row < rows; row++)
            assert_same_floats(yv + row, &closed, 1, "y (closed form)", ctx);
    }
    CHECK(memcmp(xq, xqv, cols) == 0, "%s: xq was written", ctx);
    gbuf_free_checked(&gy, "y", ctx);
    gbuf_free_checked(&gq, "xq", ctx);
    gbuf_free_checked(&gw, "w", ctx);
    gbuf_free(&gqv);
    gbuf_free(&gyv);
    gbuf_free(&gwant);
    gbuf_free(&gt);
}

static const size_t stride_pads[] = { 0, 1, 3, 64 };

/* cols = i8_sizes[_i]; rows 1 to 9 and 16, 17, 33; every stride padding. */
START_TEST(test_g_shapes)
{
    static const size_t row_counts[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33 };
    const struct target *t = target_of(_i);
    size_t si = (size_t)case_of(_i);
    unsigned k = 0;

    for (size_t ri = 0; ri < NELEMS(row_counts); ri++) {
        for (size_t pi = 0; pi < NELEMS(stride_pads); pi++, k++) {
            struct gcase gc = plain_gcase(row_counts[ri], i8_sizes[si],
                                          stride_pads[pi], k + (unsigned)si,
                                          fixed_seeds[k % n_fixed_seeds] + si,
                                          scales[k % 4]);
            gc.xk = k % 3 == 2 ? XQ_FULL : XQ_RANDOM;
            run_gemv_i8(t, &gc);
        }
    }
}
END_TEST

/* scale = scales[_i] at every size; random, edge and zero activations. */
START_TEST(test_g_scales)
{
    const struct target *t = target_of(_i);
    float scale = scales[case_of(_i)];

    for (size_t si = 0; si < NELEMS(i8_sizes); si++) {
        for (unsigned k = 0; k < 3; k++) {
            struct gcase gc = plain_gcase(3 + k, i8_sizes[si],
                                          stride_pads[(si + k) % 4],
                                          (unsigned)si + k, 500 + si * 3 + k, scale);
            gc.xk = k == 0 ? XQ_RANDOM : k == 1 ? XQ_EDGES : XQ_ZERO;
            run_gemv_i8(t, &gc);
        }
    }
}
END_TEST

/* Every code equal to _i % 4 (garbage in the pad codes) and a constant
 * activation from the extremes, at every size. */
START_TEST(test_g_uniform)
{
    static const int consts[] = { 127, -127, -128, 1 };
    const struct target *t = target_of(_i);
    int code = case_of(_i) % 4, xc = consts[case_of(_i) / 4];

    for (size_t si = 0; si < NELEMS(i8_sizes); si++) {
        struct gcase gc = plain_gcase(1 + si % 9, i8_sizes[si], 3, (unsigned)si,
                                      42 + si, si % 2 ? 1.0f : -0.25f);
        gc.wcode = code;
        gc.xk = XQ_CONST;
        gc.xconst = xc;
        run_gemv_i8(t, &gc);
    }
}
END_TEST

/* w 16, 32 or 48 bytes past a cache line (and just after a guard page),
 * where the SIMD GEMVs read whole lines from before w and mask off what
 * is not the rows' (lib/loops/gemv_i8.h): every size, rows for each kernel
 * (4 at once, and 1), row strides of whole lines (0 and 64 bytes of
 * padding) and one that is not (3: blocks as before); _i picks the
 * placement.  Wide rows cross the chunks of columns. */
START_TEST(test_g_lines)
{
    static const size_t row_counts[] = { 1, 4, 5, 9 };
    static const size_t pads[] = { 0, 64, 3 };
    const struct target *t = target_of(_i);
    unsigned pos = GBUF_FRONT + 1 + (unsigned)case_of(_i);
    unsigned k = 0;

    for (size_t si = 0; si <= NELEMS(i8_sizes); si++) {
        size_t cols = si < NELEMS(i8_sizes) ? i8_sizes[si] : 2 * 16384 + 300;

        for (size_t ri = 0; ri < NELEMS(row_counts); ri++, k++) {
            struct gcase gc = plain_gcase(row_counts[ri], cols, pads[k % NELEMS(pads)], 0,
                                          7100 + 16 * si + ri, scales[k % 4]);
            gc.w_pos = pos;
            gc.xk = k % 2 ? XQ_FULL : XQ_RANDOM;
            run_gemv_i8(t, &gc);
        }
    }
}
END_TEST

/* Widths where a kernel may split the columns into chunks, or keep
 * partial sums between them: several 16K and 64K boundaries. */
START_TEST(test_g_wide)
{
    static const size_t cols[] = {
        16383, 16384, 16385, 32768 + 300, 65536 + 7, 100000,
    };
    static const size_t rows[] = { 1, 4, 5, 7 };
    const struct target *t = target_of(_i);
    size_t ci = (size_t)case_of(_i);

    for (size_t ri = 0; ri < NELEMS(rows); ri++) {
        struct gcase gc = plain_gcase(rows[ri], cols[ci], ri == 2 ? 64 : 0,
                                      (unsigned)(ci + ri), 9000 + ci * 8 + ri,
                                      scales[(ci + ri) % 4]);
        gc.xk = ri % 2 ? XQ_EDGES : XQ_FULL;
        run_gemv_i8(t, &gc);
    }
}
END_TEST

/* cols = QK256_I8_MAX_COLS, the largest legal width, with the largest
 * sums: |acc| = 2 * 127 * 2^23 = 2130706432 = 127 * 2^24, which is also
 * exact as a float.  QK256_I8_MAX_COLS is derived for |xq| <= 127 (what
 * quantize_i8 produces): with xq = -128 a weight of -2 would make the sum
 * 2^31, which int32 cannot hold, so that is left out; +2 makes it -2^31,
 * which it can.  Case _i:
 *   0..3  one row of code 3 or 0 (+2 or -2) and xq all +127 or -127;
 *   4     code 3, xq 127 but the last element -127: acc = 2130705924,
 *         which (float) must round (to 2130705920);
 *   5     four rows (+2, -2, +1, -1) then a fifth (+2), xq 127;
 *   6     code 3 and xq all -128: acc = INT32_MIN exactly;
 *   7     code 0 and xq all -128: the exact sum 2^31 does not fit, and
 *         every variant gives the documented wrap, INT32_MIN
 *         (qk256_gemv_i8(3)).
 * Every answer is worked out here: the reference would take too long
 * under Valgrind. */
START_TEST(test_g_max_cols)
{
    static const struct {
        size_t rows;
        uint8_t wbyte[5];
        int xq, xq_last;
        float scale;
    } cases[] = {
        { 1, { 0xff }, 127, 127, 1.0f },
        { 1, { 0x00 }, 127, 127, 0.5f },
        { 1, { 0xff }, -127, -127, -3.0f },
        { 1, { 0x00 }, -127, -127, 1e-30f },
        { 1, { 0xff }, 127, -127, 1.0f },
        { 5, { 0xff, 0x00, 0xaa, 0x55, 0xff }, 127, 127, 1.0f },
        { 1, { 0xff }, -128, -128, -0.5f },
        { 1, { 0x00 }, -128, -128, 2.0f },
    };
    const struct target *t = target_of(_i);
    size_t k = (size_t)case_of(_i), rows = cases[k].rows;
    size_t cols = QK256_I8_MAX_COLS, rb = qk256_row_bytes(cols);
    struct gbuf gw, gq, gy;
    uint8_t *w = gbuf_alloc(&gw, rows * rb, 0);
    int8_t *xq = gbuf_alloc(&gq, cols, 0);
    float *y = gbuf_alloc(&gy, rows * sizeof(float), 1);
    char ctx[80];

    snprintf(ctx, sizeof ctx, "gemv_i8/%s max cols, case %zu", t->name, k);
    CHECK(rb == 2097152, "%s: qk256_row_bytes = %zu", ctx, rb);
    for (size_t row = 0; row < rows; row++)
        memset(w + row * rb, cases[k].wbyte[row], rb);
    memset(xq, cases[k].xq, cols - 1);
    xq[cols - 1] = (int8_t)cases[k].xq_last;

    t->gemv_i8(y, w, rb, xq, cases[k].scale, rows, cols);
    for (size_t row = 0; row < rows; row++) {
        int code = cases[k].wbyte[row] & 3;
        long long acc = (long long)wi[code] * cases[k].xq * (long long)(cols - 1)
                        + (long long)wi[code] * cases[k].xq_last;
        float want, got;

        if (k == 7 && acc == 2147483648LL)
            acc = INT32_MIN;
        want = cases[k].scale * (float)acc;
        CHECK(acc >= INT32_MIN && acc <= INT32_MAX, "%s: the test's sum "
              "%lld does not fit int32", ctx, acc);
        memcpy(&got, (const char *)y + row * sizeof got, sizeof got);
        CHECK(memcmp(&got, &want, sizeof got) == 0,
              "%s: y[%zu] = %a (%.10g), want %a = %a * %lld",
              ctx, row, (double)got, (double)got, (double)want,
              (double)cases[k].scale, acc);
    }
    CHECK(k != 4 || (float)2130705924LL == 2130705920.0f,
          "%s: the rounding this case expects", ctx);
    gbuf_free_checked(&gy, "y", ctx);
    gbuf_free(&gw);
    gbuf_free(&gq);
}
END_TEST

/* Sums beyond 2^24, where (float)acc itself rounds: y must be the f32
 * product of scale and that rounded float, not a product rounded once
 * (in double, or by a fused multiply-add of some wider partial sum).  Most
 * codes +2 or -2 (by row), xq mostly near +-127, some -128; scale =
 * big_scales[_i]. */
static const float big_scales[] = { 0.1f, -0.0123f, 1.0f / 127.0f, 3.3e-5f };

START_TEST(test_g_big_sums)
{
    const struct target *t = target_of(_i);
    float scale = big_scales[case_of(_i)];
    size_t rows = 9, cols = 131072 + 77, rb = qk256_row_bytes(cols);
    size_t stride = rb + 3;
    struct gbuf gw, gq, gy;
    uint8_t *w = gbuf_alloc(&gw, (rows - 1) * stride + rb, 0);
    int8_t *xq = gbuf_alloc(&gq, cols, 0);
    float *y = gbuf_alloc(&gy, rows * sizeof(float), 2);
    float want[9], twin[9];
    size_t big = 0;
    struct rng r;
    char ctx[80];

    snprintf(ctx, sizeof ctx, "gemv_i8/%s big sums, scale %a", t->name,
             (double)scale);
    rng_seed(&r, 8080 + (uint64_t)case_of(_i));
    for (size_t k = 0; k < gw.len; k++)
        w[k] = rng_below(&r, 8) ? (k / stride % 3 ? 0xff : 0x00) : (uint8_t)rng_next(&r);
    for (size_t c = 0; c < cols; c++)
        xq[c] = (int8_t)(rng_below(&r, 64) ? 127 - (int)rng_below(&r, 6) : -128);

    t->gemv_i8(y, w, stride, xq, scale, rows, cols);
    ref_gemv_i8(want, w, stride, xq, scale, rows, cols);
    assert_same_floats(y, want, rows, "y", ctx);
    if (!target_is_scalar(t)) {
        scalar_impl()->gemv_i8(twin, w, stride, xq, scale, rows, cols);
        assert_same_floats(y, twin, rows, "y (vs scalar)", ctx);
    }
    for (size_t row = 0; row < rows; row++) {
        int64_t acc = ref_dot_i8(w + row * stride, xq, cols);

        big += acc > (1 << 24) || acc < -(1 << 24);
    }
    CHECK(big == rows, "%s: only %zu sums beyond 2^24", ctx, big);
    gbuf_free_checked(&gy, "y", ctx);
    gbuf_free(&gw);
    gbuf_free(&gq);
}
END_TEST

/* SPEC section 3: a band of rows (w + r0 * row_stride, y + r0) gives the
 * bits of those rows of the whole call, wherever the band starts. */
START_TEST(test_g_bands)
{
    const struct target *t = target_of(_i);
    size_t cols = i8_sizes[case_of(_i)], rows = 23;
    size_t stride = qk256_row_bytes(cols) + 5;
    struct gbuf gw, gq, gy, gb;
    uint8_t *w = gbuf_alloc(&gw, (rows - 1) * stride + qk256_row_bytes(cols), 0);
    int8_t *xq = gbuf_alloc(&gq, cols, 0);
    float *y = gbuf_alloc(&gy, rows * sizeof(float), 0);
    struct rng r;
    char ctx[80];

    rng_seed(&r, 31 * cols);
    rng_bytes(&r, w, gw.len);
    fill_xq(xq, cols, XQ_FULL, 0, &r);
    t->gemv_i8(y, w, stride, xq, 0.75f, rows, cols);

    for (size_t r0 = 0; r0 < rows; r0++) {
        for (size_t r1 = r0 + 1; r1 <= rows; r1 += 1 + (r1 - r0) / 2) {
            float *yb = gbuf_alloc(&gb, (r1 - r0) * sizeof(float),
                                   (unsigned)(r0 + r1) % GBUF_NPOS);

            snprintf(ctx, sizeof ctx, "gemv_i8/%s band %zu..%zu of %zu, cols=%zu",
                     t->name, r0, r1, rows, cols);
            t->gemv_i8(yb, w + r0 * stride, stride, xq, 0.75f, r1 - r0, cols);
            assert_same_floats(yb, y + r0, r1 - r0, "band y", ctx);
            gbuf_free_checked(&gb, "band y", ctx);
        }
    }
    gbuf_free(&gw);
    gbuf_free(&gq);
    gbuf_free(&gy);
}
END_TEST

/* The rounding mode changes (float)acc where |acc| > 2^24 and the product
 * with scale; every variant must round as the scalar kernel and the
 * reference do in that mode (see test_q_rounding_mode).  Mostly +2 codes
 * and xq near 127 make the sums large and odd. */
START_TEST(test_g_rounding_mode)
{
    const struct target *t = target_of(_i);
    int mode = fe_modes[case_of(_i)];
    size_t rows = 6, cols = 100000 + 13, rb = qk256_row_bytes(cols);
    struct gbuf gw, gq;
    uint8_t *w = gbuf_alloc(&gw, rows * rb, 0);
    int8_t *xq = gbuf_alloc(&gq, cols, 0);
    float y[6], want[6], twin[6];
    struct rng r;
    char ctx[80];

    snprintf(ctx, sizeof ctx, "gemv_i8/%s rounding %s", t->name,
             fe_names[case_of(_i)]);
    rng_seed(&r, 4242 + (uint64_t)case_of(_i));
    for (size_t k = 0; k < rows * rb; k++)
        w[k] = rng_below(&r, 16) ? (k / rb % 2 ? 0x00 : 0xff) : (uint8_t)rng_next(&r);
    for (size_t c = 0; c < cols; c++)
        xq[c] = (int8_t)(127 - (int)rng_below(&r, 3));

    CHECK(fesetround(mode) == 0, "%s: fesetround failed", ctx);
    t->gemv_i8(y, w, rb, xq, 0.1f, rows, cols);
    scalar_impl()->gemv_i8(twin, w, rb, xq, 0.1f, rows, cols);
    ref_gemv_i8(want, w, rb, xq, 0.1f, rows, cols);
    fesetround(FE_TONEAREST);

    for (size_t row = 0; row < rows; row++) {
        int64_t acc = ref_dot_i8(w + row * rb, xq, cols);

        CHECK(acc > (1 << 24) || acc < -(1 << 24),
              "%s: row %zu sum %lld is too small to round", ctx, row, (long long)acc);
    }
    assert_same_floats(twin, want, rows, "scalar y (vs reference)", ctx);
    assert_same_floats(y, want, rows, "y", ctx);
    gbuf_free(&gw);
    gbuf_free(&gq);
}
END_TEST

static void
g_stress_case(const struct target *t, struct rng *r)
{
    static const size_t pads[] = { 0, 0, 1, 3, 64, 5, 200 };
    size_t rows = rng_below(r, 2) ? 1 + rng_below(r, 9) : 1 + rng_below(r, 40);
    size_t cols = i8_size(r, 7000);
    float scale = rng_below(r, 4) ? rng_float(r, -4.0f, 4.0f)
                                  : scales[rng_below(r, NELEMS(scales))];
    struct gcase gc = plain_gcase(rows, cols, pads[rng_below(r, NELEMS(pads))],
                                  (unsigned)rng_below(r, GBUF_NPOS), rng_next(r),
                                  scale);

    gc.y_pos = (unsigned)rng_below(r, GBUF_NPOS);
    gc.xk = (enum xqkind)rng_below(r, XQ_CONST);
    if (rng_below(r, 8) == 0) {
        gc.wcode = (int)rng_below(r, 4);
        gc.xk = XQ_CONST;
        gc.xconst = (int)rng_below(r, 256) - 128;
    }
    run_gemv_i8(t, &gc);
}

START_TEST(test_g_stress)
{
    run_stress(_i, "gemv_i8", g_stress_case);
}
END_TEST

Suite *
suite_gemv_i8(void)
{
    const struct ktest tests[] = {
        { test_g_shapes, (int)NELEMS(i8_sizes) },
        { test_g_scales, (int)NELEMS(scales) },
        { test_g_uniform, 16 },
        { test_g_wide, 6 },
        { test_g_lines, 3 },
        { test_g_max_cols, 8 },
        { test_g_big_sums, (int)NELEMS(big_scales) },
        { test_g_bands, (int)NELEMS(i8_sizes) },
        { test_g_rounding_mode, (int)NELEMS(fe_modes) },
        { test_g_stress, STRESS_CHUNKS },
    };

    return kernel_suite("gemv_i8", tests, NELEMS(tests));
}

/* ==== the public functions: failures that need real buffers ============= */

/* Floats that are not finite, as bits: +-inf, quiet and signalling NaNs. */
static const uint32_t bad_floats[] = {
    0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xffbfffffu,
};

#define SENTINEL 0x5a

/* One non-finite element at the first, middle and last position, with
 * finite values around it (some huge, some zero); xq and *scale keep their
 * sentinel bytes and the call returns QK256_E_RANGE. */
START_TEST(test_quantize_i8_range)
{
    for (size_t si = 0; si < NELEMS(i8_sizes); si++) {
        size_t n = i8_sizes[si];
        size_t where[] = { 0, n / 2, n - 1 };

        for (size_t p = 0; p < NELEMS(where); p++) {
            for (size_t b = 0; b < NELEMS(bad_floats); b++) {
                unsigned pos = (unsigned)(si + p + b) % GBUF_NPOS;
                struct gbuf gx, gq, gs;
                float *x = gbuf_alloc(&gx, n * sizeof(float), pos);
                int8_t *xq = gbuf_alloc(&gq, n, (pos + 1) % GBUF_NPOS);
                float *scale = gbuf_alloc(&gs, sizeof(float), (pos + 2) % GBUF_NPOS);
                struct rng r;
                char ctx[96];

                snprintf(ctx, sizeof ctx, "qk256_quantize_i8 n=%zu bad 0x%08x at %zu",
                         n, (unsigned)bad_floats[b], where[p]);
                rng_seed(&r, si * 1000 + p * 10 + b);
                for (size_t i = 0; i < n; i++) {
                    float v = b % 2 ? rng_float(&r, -FLT_MAX, FLT_MAX)
                                    : rng_float(&r, -1.0f, 1.0f);

                    if (rng_below(&r, 5) == 0)
                        v = 0.0f;
                    memcpy((char *)x + i * sizeof v, &v, sizeof v);
                }
                memcpy((char *)x + where[p] * sizeof(float), &bad_floats[b],
                       sizeof(float));
                memset(xq, SENTINEL, n);
                memset(scale, SENTINEL, sizeof(float));

                int st = qk256_quantize_i8(xq, scale, x, n);

                CHECK(st == QK256_E_RANGE, "%s: returned %d (%s)", ctx, st,
                      qk256_strerror(st));
                for (size_t i = 0; i < n; i++)
                    CHECK((uint8_t)xq[i] == SENTINEL, "%s: xq[%zu] written", ctx, i);
                for (size_t i = 0; i < sizeof(float); i++)
                    CHECK(((const uint8_t *)scale)[i] == SENTINEL,
                          "%s: byte %zu of *scale written", ctx, i);
                gbuf_free_checked(&gq, "xq", ctx);
                gbuf_free_checked(&gs, "scale", ctx);
                gbuf_free(&gx);
            }
        }
    }
}
END_TEST

/* Every element non-finite, and the finite extremes that are not. */
START_TEST(test_quantize_i8_extremes)
{
    static const float finite[] = { FLT_MAX, -FLT_MAX, 0x1p-149f, -0x1p-149f,
                                    FLT_MIN, 0.0f, -0.0f, 1.0f };
    float x[64], sc = 0.0f;
    int8_t xq[64];

    for (size_t n = 1; n <= NELEMS(x); n += 7) {
        sc = 0.0f;
        for (size_t i = 0; i < n; i++)
            memcpy(&x[i], &bad_floats[i % NELEMS(bad_floats)], sizeof x[i]);
        memset(xq, SENTINEL, sizeof xq);
        ck_assert_int_eq(qk256_quantize_i8(xq, &sc, x, n), QK256_E_RANGE);
        CHECK(sc == 0.0f, "all bad, n=%zu: scale written", n);
        for (size_t i = 0; i < n; i++)
            CHECK((uint8_t)xq[i] == SENTINEL, "all bad, n=%zu: xq[%zu] written", n, i);

        for (size_t i = 0; i < n; i++)
            x[i] = finite[i % NELEMS(finite)];
        ck_assert_int_eq(qk256_quantize_i8(xq, &sc, x, n), QK256_OK);
    }
}
END_TEST

/* cols one past QK256_I8_MAX_COLS is QK256_E_OVERFLOW, with real buffers
 * behind every pointer in case the check were missing: y keeps its
 * sentinel.  QK256_I8_MAX_COLS itself is accepted (test_g_max_cols).
 * With rows == 0 the call is a no-op, whatever cols. */
START_TEST(test_gemv_i8_overflow)
{
    size_t cols = (size_t)QK256_I8_MAX_COLS + 1, rb = qk256_row_bytes(cols);
    struct gbuf gw, gq, gy;
    uint8_t *w = gbuf_alloc(&gw, 2 * rb, 0);
    int8_t *xq = gbuf_alloc(&gq, cols, 0);
    float *y = gbuf_alloc(&gy, 2 * sizeof(float), 0);

    CHECK(rb == 2097152 + 64, "qk256_row_bytes(%zu) = %zu", cols, rb);
    memset(w, 0xff, 2 * rb);
    memset(xq, 127, cols);
    for (size_t rows = 1; rows <= 2; rows++) {
        memset(y, SENTINEL, 2 * sizeof(float));

        int st = qk256_gemv_i8(y, w, rb, xq, 1.0f, rows, cols);

        CHECK(st == QK256_E_OVERFLOW, "cols=%zu rows=%zu: returned %d (%s)",
              cols, rows, st, qk256_strerror(st));
        for (size_t i = 0; i < 2 * sizeof(float); i++)
            CHECK(((const uint8_t *)y)[i] == SENTINEL,
                  "cols=%zu rows=%zu: byte %zu of y written", cols, rows, i);
    }
    ck_assert_int_eq(qk256_gemv_i8(y, w, rb, xq, 1.0f, 0, cols), QK256_OK);
    ck_assert_int_eq(qk256_gemv_i8(NULL, NULL, 0, NULL, 1.0f, 0, SIZE_MAX), QK256_OK);
    gbuf_free_checked(&gy, "y", "gemv_i8 overflow");
    gbuf_free(&gw);
    gbuf_free(&gq);
}
END_TEST

/* cols == 0 writes y[r] = +0.0 whatever scale is (not scale * 0, which
 * would be -0.0 or NaN), and nothing past y[rows - 1]. */
START_TEST(test_gemv_i8_no_cols)
{
    static const size_t rows[] = { 1, 2, 5, 17, 1000 };
    static const float sc[] = { 1.0f, -3.0f, NAN, INFINITY, -INFINITY, -0.0f };
    static const float zeros[1000]; /* +0.0 */

    for (size_t k = 0; k < NELEMS(rows); k++) {
        for (unsigned pos = 0; pos < GBUF_NPOS; pos++) {
            struct gbuf g;
            float *y = gbuf_alloc(&g, rows[k] * sizeof(float), pos);
            float scale = sc[(k + pos) % NELEMS(sc)];
            uint8_t wdummy[64] = { 0 };
            int8_t xdummy[4] = { 0 };
            char ctx[64];

            snprintf(ctx, sizeof ctx, "gemv_i8 cols == 0, rows=%zu pos=%u scale=%g",
                     rows[k], pos, (double)scale);
            ck_assert_int_eq(qk256_gemv_i8(y, NULL, 0, NULL, scale, rows[k], 0),
                             QK256_OK);
            assert_same_floats(y, zeros, rows[k], "y", ctx);
            memset(y, SENTINEL, rows[k] * sizeof(float));
            ck_assert_int_eq(qk256_gemv_i8(y, wdummy, 64, xdummy, scale, rows[k], 0),
                             QK256_OK);
            assert_same_floats(y, zeros, rows[k], "y (with pointers)", ctx);
            gbuf_free_checked(&g, "y", ctx);
        }
    }
}
END_TEST

/* The public functions run the kernels of the variant that
 * qk256_implementation() names: bitwise that impl-list row's results. */
START_TEST(test_i8_public_is_bound)
{
    const struct qk256_impl *im = bound_impl();

    for (size_t si = 0; si < NELEMS(i8_sizes); si++) {
        size_t rows = 9, cols = i8_sizes[si], rb = qk256_row_bytes(cols);
        struct gbuf gw, gx, gq, gk, gy, gyk;
        uint8_t *w = gbuf_alloc(&gw, rows * rb, 0);
        float *x = gbuf_alloc(&gx, cols * sizeof(float), 0);
        int8_t *xq = gbuf_alloc(&gq, cols, 0);
        int8_t *xqk = gbuf_alloc(&gk, cols, 0);
        float *y = gbuf_alloc(&gy, rows * sizeof(float), 0);
        float *yk = gbuf_alloc(&gyk, rows * sizeof(float), 0);
        float sc, sck;
        struct rng r;
        char ctx[64];

        snprintf(ctx, sizeof ctx, "i8 public vs %s cols=%zu", im->name, cols);
        rng_seed(&r, cols);
        rng_bytes(&r, w, rows * rb);
        fill_kind(x, cols, I_MIXED, &r);
        ck_assert_int_eq(qk256_quantize_i8(xq, &sc, x, cols), QK256_OK);
        CHECK(im->quantize_i8(xqk, &sck, x, cols), "%s: finite x rejected", ctx);
        assert_same_bytes((const uint8_t *)xq, (const uint8_t *)xqk, cols, "xq", ctx);
        assert_same_floats(&sc, &sck, 1, "scale", ctx);
        ck_assert_int_eq(qk256_gemv_i8(y, w, rb, xq, sc, rows, cols), QK256_OK);
        im->gemv_i8(yk, w, rb, xq, sc, rows, cols);
        assert_same_floats(y, yk, rows, "y", ctx);
        gbuf_free(&gw);
        gbuf_free(&gx);
        gbuf_free(&gq);
        gbuf_free(&gk);
        gbuf_free(&gy);
        gbuf_free(&gyk);
    }
}
END_TEST

Suite *
suite_i8_api(void)
{
    Suite *s = suite_create("i8_api");
    TCase *tc = tcase_new("i8_api", "public");

    tcase_add_test(tc, test_quantize_i8_range);
    tcase_add_test(tc, test_quantize_i8_extremes);
    tcase_add_test(tc, test_gemv_i8_overflow);
    tcase_add_test(tc, test_gemv_i8_no_cols);
    tcase_add_test(tc, test_i8_public_is_bound);
    suite_add_tcase(s, tc);
    return s;
}
