/* tests/check_dequantize.c -- qk256_dequantize on every variant
 * SPDX-License-Identifier: MIT
 *
 * Results must be bitwise equal to the reference and the scalar kernel,
 * with scales == NULL and with scales that include zeros of both signs,
 * negative, subnormal, huge and infinite values, and NaNs with payloads.  Pad codes of the
 * last block hold garbage.
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

struct dcase {
    size_t n;
    unsigned dst_pos, src_pos, sc_pos;
    uint64_t seed;
    int scaled; /* 0: scales == NULL */
};

/* A scale: often a special value, else any finite or an ordinary one. */
static float
random_scale(struct rng *r)
{
    static const float special[] = {
        0.0f, -0.0f, 1.0f, -1.0f, 0x1p-149f, -0x1.8p-140f, FLT_MIN,
        -FLT_MIN / 3.0f, 3.0e38f, -FLT_MAX, INFINITY, -INFINITY, NAN,
    };

    uint32_t nan_bits = 0x7f800000u | (uint32_t)rng_next(r);
    float nan_payload;

    switch (rng_below(r, 5)) {
    case 0:
    case 1:
        return special[rng_below(r, NELEMS(special))];
    case 2:
        /* A NaN of any sign and payload, quiet or signalling. */
        if (!(nan_bits & 0x007fffffu))
            nan_bits |= 1;
        memcpy(&nan_payload, &nan_bits, sizeof nan_payload);
        return nan_payload;
    case 3:
        return rng_finite(r);
    default:
        return rng_float(r, -4.0f, 4.0f);
    }
}

static void
run_dequantize(const struct target *t, const struct dcase *dc)
{
    size_t n = dc->n, nb = qk256_row_bytes(n), nblocks = qk256_blocks(n);
    struct gbuf gs, gsc, gv, gd, gw;
    uint8_t *src = gbuf_alloc(&gs, nb, dc->src_pos);
    float *scales = gbuf_alloc(&gsc, nblocks * sizeof(float), dc->sc_pos);
    float *vals = gbuf_alloc(&gv, nblocks * sizeof(float), 0); /* aligned */
    float *dst = gbuf_alloc(&gd, n * sizeof(float), dc->dst_pos);
    float *want = gbuf_alloc(&gw, n * sizeof(float), 0);
    const float *sc = dc->scaled ? scales : NULL;
    const float *ref_sc = dc->scaled ? vals : NULL;
    struct rng r;
    char ctx[160];

    snprintf(ctx, sizeof ctx,
             "dequantize/%s n=%zu pos=%u,%u,%u seed=%llu "
             "scales=%s", t->name, n, dc->dst_pos, dc->src_pos, dc->sc_pos,
             (unsigned long long)dc->seed, dc->scaled ? "random" : "NULL");
    rng_seed(&r, dc->seed);
    rng_bytes(&r, src, nb); /* pad codes too: garbage to ignore */
    for (size_t b = 0; b < nblocks; b++)
        vals[b] = random_scale(&r);
    memcpy(scales, vals, nblocks * sizeof(float));

    t->dequantize(dst, src, sc, n);
    ref_dequantize(want, src, ref_sc, n);
    assert_same_floats(dst, want, n, "dst", ctx);
    if (!target_is_scalar(t)) {
        scalar_impl()->dequantize(want, src, sc, n);
        assert_same_floats(dst, want, n, "dst (vs scalar)", ctx);
    }
    gbuf_free_checked(&gd, "dst", ctx);
    gbuf_free(&gs);
    gbuf_free(&gsc);
    gbuf_free(&gv);
    gbuf_free(&gw);
}

/* Size awkward_sizes[_i], every pair of dst and src placements, with and
 * without scales. */
START_TEST(test_sizes)
{
    const struct target *t = target_of(_i);
    size_t si = (size_t)case_of(_i);

    const unsigned npos = GBUF_NPOS;

    for (unsigned k = 0; k < 2 * npos * npos; k++) {
        struct dcase dc = { awkward_sizes[si], k % npos, k / npos % npos,
                            (k + k / npos) % npos,
                            fixed_seeds[(si + k) % n_fixed_seeds],
                            k >= npos * npos };
        run_dequantize(t, &dc);
    }
}
END_TEST

/* Known answers: packed bytes 0xe4 repeat the codes 0, 1, 2, 3, so
 * dst[i] = lut[i % 4] * scale of block i / 256. */
static const struct {
    size_t n;
    int scaled;
    float scales[2];
} known[] = {
    { 8, 0, { 0 } },
    { 300, 0, { 0 } },
    { 300, 1, { 0.5f, -3.0f } },
    { 512, 1, { 0.0f, -0.0f } },
    { 257, 1, { 0x1p-149f, 0x1p127f } },
};

START_TEST(test_known)
{
    static const float lut[4] = { -2.0f, -1.0f, 1.0f, 2.0f };
    const struct target *t = target_of(_i);
    size_t v = (size_t)case_of(_i), n = known[v].n;
    struct gbuf gs, gd, gw;
    uint8_t *src = gbuf_alloc(&gs, qk256_row_bytes(n), 0);
    float *dst = gbuf_alloc(&gd, n * sizeof(float), 1);
    float *want = gbuf_alloc(&gw, n * sizeof(float), 0);
    char ctx[64];

    snprintf(ctx, sizeof ctx, "known/%s vector %zu (n=%zu)", t->name, v, n);
    memset(src, 0xe4, qk256_row_bytes(n));
    for (size_t i = 0; i < n; i++)
        want[i] = known[v].scaled ? lut[i % 4] * known[v].scales[i / 256]
                                  : lut[i % 4];

    t->dequantize(dst, src, known[v].scaled ? known[v].scales : NULL, n);
    assert_same_floats(dst, want, n, "dst", ctx);
    gbuf_free_checked(&gd, "dst", ctx);
    gbuf_free(&gs);
    gbuf_free(&gw);
}
END_TEST

/* dst at every byte offset from a cache line, 0 to 63: the kernels store
 * line by line where dst is not on one (above 512 elements), and must
 * write exactly dst[0, n), nothing before it or past it in the same
 * buffer, with every block's table, also across the line that joins two
 * blocks.  The sizes include one block and a bit, 512 (the last that the
 * plain stores take), one word past a multiple of 16, partial last words
 * of every length and a partial last block. */
static const size_t offset_sizes[] = { 1, 17, 256, 300, 512, 513, 515, 530, 771, 1024 + 5, 4096 + 7 };

START_TEST(test_dst_offsets)
{
    const struct target *t = target_of(_i);
    size_t n = offset_sizes[case_of(_i)], nb = qk256_row_bytes(n), nblocks = qk256_blocks(n);
    size_t len = n * sizeof(float);
    struct gbuf gs, gsc, gv, gd, gg, gw[2];
    uint8_t *src = gbuf_alloc(&gs, nb, 0);
    float *scales = gbuf_alloc(&gsc, nblocks * sizeof(float), 0);
    float *vals = gbuf_alloc(&gv, nblocks * sizeof(float), GBUF_FRONT);
    unsigned char *buf = gbuf_alloc(&gd, len + 64, GBUF_FRONT); /* starts a page */
    float *got = gbuf_alloc(&gg, len, GBUF_FRONT);
    float *want[2] = { gbuf_alloc(&gw[0], len, GBUF_FRONT), gbuf_alloc(&gw[1], len, GBUF_FRONT) };
    struct rng r;
    char ctx[96] = "";

    rng_seed(&r, fixed_seeds[(size_t)case_of(_i) % n_fixed_seeds]);
    rng_bytes(&r, src, nb); /* pad codes too */
    for (size_t b = 0; b < nblocks; b++)
        vals[b] = rng_float(&r, -4.0f, 4.0f);
    memcpy(scales, vals, nblocks * sizeof(float));
    ref_dequantize(want[0], src, NULL, n);
    ref_dequantize(want[1], src, vals, n);
    for (unsigned off = 0; off < 64; off++) {
        for (int scaled = 0; scaled < 2; scaled++) {
            snprintf(ctx, sizeof ctx, "dst_offsets/%s n=%zu off=%u scales=%s", t->name, n,
                     off, scaled ? "random" : "NULL");
            memset(buf, 0xa5, len + 64);
            t->dequantize((float *)(void *)(buf + off), src, scaled ? scales : NULL, n);
            for (size_t i = 0; i < off; i++)
                CHECK(buf[i] == 0xa5, "%s: byte %zu before dst written", ctx, i);
            for (size_t i = off + len; i < len + 64; i++)
                CHECK(buf[i] == 0xa5, "%s: byte %zu past dst written", ctx, i - off - len);
            memcpy(got, buf + off, len);
            assert_same_floats(got, want[scaled], n, "dst", ctx);
        }
    }
    gbuf_free_checked(&gd, "dst", ctx);
    gbuf_free(&gs);
    gbuf_free(&gsc);
    gbuf_free(&gv);
    gbuf_free(&gg);
    gbuf_free(&gw[0]);
    gbuf_free(&gw[1]);
}
END_TEST

/* Random cases. */
static void
stress_case(const struct target *t, struct rng *r)
{
    struct dcase dc;
    dc.n = rng_size(r, 8192);
    dc.dst_pos = (unsigned)rng_below(r, GBUF_NPOS);
    dc.src_pos = (unsigned)rng_below(r, GBUF_NPOS);
    dc.sc_pos = (unsigned)rng_below(r, GBUF_NPOS);
    dc.seed = rng_next(r);
    dc.scaled = (int)rng_below(r, 2);
    run_dequantize(t, &dc);
}

START_TEST(test_stress)
{
    run_stress(_i, "dequantize", stress_case);
}
END_TEST

Suite *
suite_dequantize(void)
{
    const struct ktest tests[] = {
        { test_sizes, (int)n_awkward_sizes },
        { test_known, (int)NELEMS(known) },
        { test_dst_offsets, (int)NELEMS(offset_sizes) },
        { test_stress, STRESS_CHUNKS },
    };

    return kernel_suite("dequantize", tests, NELEMS(tests));
}
