/* tests/check_quantize.c -- qk256_quantize on every variant
 * SPDX-License-Identifier: MIT
 *
 * The codes (all qk256_row_bytes(n) bytes, pad codes included, which must
 * be 0) and the scales must be bitwise equal to the reference and the
 * scalar kernel.  Blocks are drawn from kinds that probe the SPEC wording:
 * all-zero and -0.0 blocks, subnormal maxima, elements exactly at and one
 * ulp around the threshold t = 1.5f * s, and huge values.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ref.h"
#include "testutil.h"

enum qkind {
    Q_RANGE10,     /* uniform in [-10, 10] */
    Q_WIDE,        /* uniform in [-2^e, 2^e], e random in [-150, 127] */
    Q_ZERO,        /* all +0.0 */
    Q_SIGNED_ZERO, /* +0.0 and -0.0 */
    Q_SUBNORMAL,   /* subnormals of both signs */
    Q_TIES,        /* +-max, +-t and their neighbours */
    Q_HUGE,        /* up to FLT_MAX */
    Q_MIXED,       /* each block of a random kind above */
    Q_NKINDS
};

static const char *const qkind_names[] = {
    "range10", "wide", "zero", "signed-zero", "subnormal", "ties", "huge",
    "mixed",
};

/* Ties: one element is +-m, the others are drawn from the values at and
 * around the threshold. */
static void
fill_ties(float *x, size_t len, struct rng *r)
{
    static const float maxima[] = {
        4.0f, 1.0f, 0x1p-149f, 0x1p-148f, 0x3p-149f, 0x1.8p-130f, FLT_MIN,
        FLT_MAX, 1e-3f,
    };
    float m = rng_below(r, 2) ? maxima[rng_below(r, NELEMS(maxima))]
                              : fabsf(rng_finite(r));
    float t = 1.5f * (m / 2.0f);
    float pick[] = {
        m, t, nextafterf(t, 0.0f), nextafterf(t, INFINITY), 0.0f,
        rng_float(r, 0.0f, m),
    };

    for (size_t j = 0; j < len; j++) {
        float v = fminf(pick[rng_below(r, NELEMS(pick))], m);
        x[j] = rng_next(r) & 1 ? -v : v;
    }
    x[rng_below(r, len)] = rng_next(r) & 1 ? -m : m;
}

static void
fill_block(float *x, size_t len, enum qkind kind, struct rng *r)
{
    if (kind == Q_MIXED)
        kind = (enum qkind)rng_below(r, Q_MIXED);
    for (size_t j = 0; j < len; j++) {
        switch (kind) {
        case Q_RANGE10:
            x[j] = rng_float(r, -10.0f, 10.0f);
            break;
        case Q_WIDE:
            x[j] = ldexpf(rng_float(r, -1.0f, 1.0f),
                          (int)rng_below(r, 278) - 150);
            break;
        case Q_ZERO:
            x[j] = 0.0f;
            break;
        case Q_SIGNED_ZERO:
            x[j] = rng_next(r) & 1 ? -0.0f : 0.0f;
            break;
        case Q_SUBNORMAL: {
            uint32_t bits = (uint32_t)rng_next(r) & 0x807fffffu;
            memcpy(&x[j], &bits, sizeof bits);
            break;
        }
        case Q_HUGE:
            x[j] = rng_float(r, -FLT_MAX, FLT_MAX);
            break;
        default:
            break;
        }
    }
    if (kind == Q_TIES)
        fill_ties(x, len, r);
}

struct qcase {
    size_t n;
    unsigned src_pos, dst_pos, sc_pos;
    uint64_t seed;
    enum qkind kind;
    int scaled; /* 0: scales == NULL */
};

/* Quantizes with t into outputs that start as 0xff (pad codes must be
 * cleared, every scale written) and holds them against the reference and
 * the scalar twin. */
static void
run_quantize(const struct target *t, const struct qcase *qc)
{
    size_t n = qc->n, nb = qk256_row_bytes(n), nblocks = qk256_blocks(n);
    struct gbuf gs, gv, gd, gsc, gwd, gwsc;
    float *src = gbuf_alloc(&gs, n * sizeof(float), qc->src_pos);
    float *vals = gbuf_alloc(&gv, n * sizeof(float), 0); /* aligned copy */
    uint8_t *dst = gbuf_alloc(&gd, nb, qc->dst_pos);
    float *scales = gbuf_alloc(&gsc, nblocks * sizeof(float), qc->sc_pos);
    uint8_t *want = gbuf_alloc(&gwd, nb, 0);
    float *want_sc = gbuf_alloc(&gwsc, nblocks * sizeof(float), 0);
    float *sc = qc->scaled ? scales : NULL;
    struct rng r;
    char ctx[160];

    snprintf(ctx, sizeof ctx,
             "quantize/%s n=%zu pos=%u,%u,%u seed=%llu kind=%s scales=%s",
             t->name, n, qc->src_pos, qc->dst_pos, qc->sc_pos,
             (unsigned long long)qc->seed, qkind_names[qc->kind],
             qc->scaled ? "yes" : "NULL");
    rng_seed(&r, qc->seed);
    for (size_t lo = 0; lo < n; lo += QK256_BLOCK_ELEMS)
        fill_block(vals + lo, n - lo < 256 ? n - lo : 256, qc->kind, &r);
    memcpy(src, vals, n * sizeof(float));

    t->quantize(dst, sc, src, n);
    ref_quantize(want, want_sc, vals, n);
    assert_same_bytes(dst, want, nb, "codes", ctx);
    if (sc)
        assert_same_floats(sc, want_sc, nblocks, "scales", ctx);
    if (!target_is_scalar(t)) {
        scalar_impl()->quantize(want, sc ? want_sc : NULL, src, n);
        assert_same_bytes(dst, want, nb, "codes (vs scalar)", ctx);
        if (sc)
            assert_same_floats(sc, want_sc, nblocks, "scales (vs scalar)", ctx);
    }

    /* All-zero blocks: code 2 everywhere, scale +0.0 (sc, when given, is
     * bitwise want_sc by now). */
    if (qc->kind == Q_ZERO || qc->kind == Q_SIGNED_ZERO) {
        for (size_t i = 0; i < n; i++)
            CHECK(ref_code(dst, i) == 2, "%s: code %zu is %u, want 2",
                  ctx, i, ref_code(dst, i));
        for (size_t b = 0; b < nblocks; b++)
            CHECK(want_sc[b] == 0.0f && !signbit(want_sc[b]),
                  "%s: scale %zu is %a, want +0.0", ctx, b,
                  (double)want_sc[b]);
    }
    gbuf_free_checked(&gd, "dst", ctx);
    gbuf_free_checked(&gsc, "scales", ctx);
    gbuf_free(&gs);
    gbuf_free(&gv);
    gbuf_free(&gwd);
    gbuf_free(&gwsc);
}

/* Size awkward_sizes[_i] with many placements, with and without scales. */
START_TEST(test_sizes)
{
    const struct target *t = target_of(_i);
    size_t si = (size_t)case_of(_i);

    const unsigned npos = GBUF_NPOS;

    for (unsigned k = 0; k < 2 * npos * npos; k++) {
        struct qcase qc = { awkward_sizes[si], k % npos, k / npos % npos,
                            (k + 1) % npos, fixed_seeds[(si + k) % n_fixed_seeds],
                            k < npos * npos ? Q_RANGE10 : Q_WIDE,
                            (int)((k + k / npos) & 1) };
        run_quantize(t, &qc);
    }
}
END_TEST

/* Kind _i at every size, with and without scales. */
START_TEST(test_kinds)
{
    const struct target *t = target_of(_i);
    enum qkind kind = (enum qkind)case_of(_i);

    for (size_t si = 0; si < n_awkward_sizes; si++) {
        for (int scaled = 0; scaled < 2; scaled++) {
            struct qcase qc = { awkward_sizes[si], (unsigned)si % GBUF_NPOS,
                                (unsigned)(si + 1) % GBUF_NPOS,
                                (unsigned)(si + 2) % GBUF_NPOS,
                                fixed_seeds[si % n_fixed_seeds] + (uint64_t)kind,
                                kind, scaled };
            run_quantize(t, &qc);
        }
    }
}
END_TEST

/* Known answers worked out by hand from the SPEC wording.  Bytes not
 * listed are 0 (pad codes). */
static const struct {
    size_t n;
    float x[8];
    uint8_t bytes[2];
    float scale;
} known[] = {
    /* s = 2, t = 3: codes 3 3 0 2 | 1 2 2 2 */
    { 8, { 4.0f, 3.0f, -3.0f, 1.0f, -1.0f, 0.0f, -0.0f, 0x1.7ffffep1f },
      { 0x8f, 0xa9 }, 2.0f },
    /* all zeros and -0.0: code 2, s = +0 */
    { 3, { 0.0f, -0.0f, 0.0f }, { 0x2a }, 0.0f },
    /* m = 2^-149: s = 2^-150 rounds to 0, so t = 0 and both are big */
    { 3, { 0x1p-149f, -0x1p-149f, 0.0f }, { 0x23 }, 0.0f },
    /* m = 3u (u = 2^-149): s = 1.5u rounds to 2u, t = 3u exactly */
    { 4, { 0x3p-149f, 0x2p-149f, -0x3p-149f, 0x1p-149f }, { 0x8b }, 0x1p-148f },
    /* one element: always big */
    { 1, { -7.0f }, { 0x00 }, 3.5f },
    { 1, { 7.0f }, { 0x03 }, 3.5f },
};

START_TEST(test_known)
{
    const struct target *t = target_of(_i);
    size_t v = (size_t)case_of(_i), n = known[v].n;
    struct gbuf gs, gd, gsc;
    float *src = gbuf_alloc(&gs, n * sizeof(float), 0);
    uint8_t *dst = gbuf_alloc(&gd, QK256_BLOCK_BYTES, 2);
    float *scale = gbuf_alloc(&gsc, sizeof(float), 1);
    uint8_t want[QK256_BLOCK_BYTES] = { 0 };
    char ctx[64];

    snprintf(ctx, sizeof ctx, "known/%s vector %zu (n=%zu)", t->name, v, n);
    memcpy(src, known[v].x, n * sizeof(float));
    memcpy(want, known[v].bytes, sizeof known[v].bytes);

    t->quantize(dst, scale, src, n);
    assert_same_bytes(dst, want, QK256_BLOCK_BYTES, "codes", ctx);
    assert_same_floats(scale, &known[v].scale, 1, "scale", ctx);
    gbuf_free_checked(&gd, "dst", ctx);
    gbuf_free_checked(&gsc, "scale", ctx);
    gbuf_free(&gs);
}
END_TEST

/* Random cases. */
static void
stress_case(const struct target *t, struct rng *r)
{
    struct qcase qc;
    qc.n = rng_size(r, 8192);
    qc.src_pos = (unsigned)rng_below(r, GBUF_NPOS);
    qc.dst_pos = (unsigned)rng_below(r, GBUF_NPOS);
    qc.sc_pos = (unsigned)rng_below(r, GBUF_NPOS);
    qc.seed = rng_next(r);
    qc.kind = rng_below(r, 2) ? Q_MIXED : (enum qkind)rng_below(r, Q_MIXED);
    qc.scaled = (int)rng_below(r, 4) != 0;
    run_quantize(t, &qc);
}

START_TEST(test_stress)
{
    run_stress(_i, "quantize", stress_case);
}
END_TEST

Suite *
suite_quantize(void)
{
    const struct ktest tests[] = {
        { test_sizes, (int)n_awkward_sizes },
        { test_kinds, Q_NKINDS },
        { test_known, (int)NELEMS(known) },
        { test_stress, STRESS_CHUNKS },
    };

    return kernel_suite("quantize", tests, NELEMS(tests));
}
