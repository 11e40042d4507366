/* tests/check_pack.c -- qk256_pack and qk256_unpack on every variant
 * SPDX-License-Identifier: MIT
 *
 * Every result is compared bitwise with the reference (and, for every
 * variant but scalar, with the scalar kernel), over the awkward sizes, all
 * buffer offsets, uniform codes, known-answer vectors and a random stress.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "ref.h"
#include "testutil.h"

/* One call: n codes, the placements of input and output (see gbuf_alloc)
 * and the data: random with seed, or every code equal to fill. */
struct pcase {
    size_t n;
    unsigned in_pos, out_pos;
    uint64_t seed;
    int fill; /* -1: random; 0..3: that code everywhere */
};

static void
describe(char *ctx, size_t len, const char *op, const struct target *t,
         const struct pcase *pc)
{
    snprintf(ctx, len, "%s/%s n=%zu pos=%u,%u seed=%llu fill=%d",
             op, t->name, pc->n, pc->in_pos, pc->out_pos,
             (unsigned long long)pc->seed, pc->fill);
}

/* Packs with t into a buffer that starts as 0xff, so pad codes that the
 * kernel does not clear show up, and holds the result against the
 * reference and the scalar twin. */
static void
run_pack(const struct target *t, const struct pcase *pc)
{
    size_t nb = qk256_row_bytes(pc->n);
    struct gbuf gc, gd, gw;
    uint8_t *codes = gbuf_alloc(&gc, pc->n, pc->in_pos);
    uint8_t *dst = gbuf_alloc(&gd, nb, pc->out_pos);
    uint8_t *want = gbuf_alloc(&gw, nb, 0);
    struct rng r;
    char ctx[160];

    describe(ctx, sizeof ctx, "pack", t, pc);
    rng_seed(&r, pc->seed);
    if (pc->fill < 0)
        rng_codes(&r, codes, pc->n);
    else
        memset(codes, pc->fill, pc->n);

    t->pack(dst, codes, pc->n);
    ref_pack(want, codes, pc->n);
    assert_same_bytes(dst, want, nb, "packed", ctx);
    if (!target_is_scalar(t)) {
        scalar_impl()->pack(want, codes, pc->n);
        assert_same_bytes(dst, want, nb, "packed (vs scalar)", ctx);
    }
    gbuf_free_checked(&gd, "dst", ctx);
    gbuf_free(&gc);
    gbuf_free(&gw);
}

/* Unpacks random bytes, garbage in the pad codes included (or every code
 * equal to fill), with t and holds the codes against the reference and the
 * scalar twin. */
static void
run_unpack(const struct target *t, const struct pcase *pc)
{
    size_t nb = qk256_row_bytes(pc->n);
    struct gbuf gs, gd, gw;
    uint8_t *src = gbuf_alloc(&gs, nb, pc->in_pos);
    uint8_t *dst = gbuf_alloc(&gd, pc->n, pc->out_pos);
    uint8_t *want = gbuf_alloc(&gw, pc->n, 0);
    struct rng r;
    char ctx[160];

    describe(ctx, sizeof ctx, "unpack", t, pc);
    rng_seed(&r, pc->seed);
    if (pc->fill < 0)
        rng_bytes(&r, src, nb);
    else
        memset(src, pc->fill * 0x55, nb);

    t->unpack(dst, src, pc->n);
    ref_unpack(want, src, pc->n);
    assert_same_bytes(dst, want, pc->n, "codes", ctx);
    if (!target_is_scalar(t)) {
        scalar_impl()->unpack(want, src, pc->n);
        assert_same_bytes(dst, want, pc->n, "codes (vs scalar)", ctx);
    }
    gbuf_free_checked(&gd, "codes", ctx);
    gbuf_free(&gs);
    gbuf_free(&gw);
}

/* Size awkward_sizes[_i] with every pair of input and output placements. */
START_TEST(test_sizes)
{
    const struct target *t = target_of(_i);
    size_t si = (size_t)case_of(_i);

    for (unsigned k = 0; k < GBUF_NPOS * GBUF_NPOS; k++) {
        struct pcase pc = { awkward_sizes[si], k % GBUF_NPOS, k / GBUF_NPOS,
                            fixed_seeds[(si + k) % n_fixed_seeds], -1 };
        run_pack(t, &pc);
        run_unpack(t, &pc);
    }
}
END_TEST

/* Every code equal to _i: each full byte is _i * 0x55, pad codes are 0. */
START_TEST(test_uniform)
{
    const struct target *t = target_of(_i);
    int code = case_of(_i);

    for (size_t si = 0; si < n_awkward_sizes; si++) {
        size_t n = awkward_sizes[si];
        size_t nb = qk256_row_bytes(n);
        struct pcase pc = { n, (unsigned)si % GBUF_NPOS,
                            (unsigned)(si + 1) % GBUF_NPOS, 0, code };
        struct gbuf gc, gd;
        uint8_t *codes = gbuf_alloc(&gc, n, 0);
        uint8_t *dst = gbuf_alloc(&gd, nb, 0);

        run_pack(t, &pc);
        run_unpack(t, &pc);

        /* The same by hand: whole bytes, the partial byte, then zeros. */
        memset(codes, code, n);
        t->pack(dst, codes, n);
        for (size_t k = 0; k < nb; k++) {
            unsigned want = k < n / 4 ? (unsigned)code * 0x55u
                          : k == n / 4 ? ((unsigned)code * 0x55u) & ((1u << 2 * (n % 4)) - 1)
                          : 0;
            CHECK(dst[k] == want,
                  "pack/%s n=%zu code %d: byte %zu is 0x%02x, want 0x%02x",
                  t->name, n, code, k, dst[k], want);
        }
        gbuf_free(&gc);
        gbuf_free(&gd);
    }
}
END_TEST

/* Known answers, written out from SPEC section 1.  Codes and packed bytes
 * not listed are 0. */
static const struct {
    size_t n;
    struct { size_t i; uint8_t code; } codes[5];
    struct { size_t k; uint8_t byte; } bytes[3];
} known[] = {
    { 4, { { 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 3 } }, { { 0, 0xe4 } } },
    { 4, { { 0, 3 }, { 1, 2 }, { 2, 1 }, { 3, 0 } }, { { 0, 0x1b } } },
    { 1, { { 0, 3 } }, { { 0, 0x03 } } },
    { 5, { { 0, 1 }, { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 2 } },
      { { 0, 0x55 }, { 1, 0x02 } } },
    { 7, { { 0, 2 }, { 2, 3 }, { 3, 1 }, { 6, 3 } },
      { { 0, 0x72 }, { 1, 0x30 } } },
    { 258, { { 255, 3 }, { 256, 1 }, { 257, 3 } },
      { { 63, 0xc0 }, { 64, 0x0d } } },
    { 300, { { 299, 2 } }, { { 74, 0x80 } } },
    { 768, { { 513, 3 }, { 767, 1 } }, { { 128, 0x0c }, { 191, 0x40 } } },
};

START_TEST(test_known)
{
    const struct target *t = target_of(_i);
    size_t v = (size_t)case_of(_i);
    size_t n = known[v].n, nb = qk256_row_bytes(n);
    struct gbuf gc, gb, gd, gu;
    uint8_t *codes = gbuf_alloc(&gc, n, 0);
    uint8_t *bytes = gbuf_alloc(&gb, nb, 0);
    uint8_t *dst = gbuf_alloc(&gd, nb, 1);
    uint8_t *out = gbuf_alloc(&gu, n, 3);
    char ctx[64];

    snprintf(ctx, sizeof ctx, "known/%s vector %zu (n=%zu)", t->name, v, n);
    memset(codes, 0, n);
    memset(bytes, 0, nb);
    for (size_t j = 0; j < NELEMS(known[v].codes); j++)
        if (known[v].codes[j].code) /* the unused entries are { 0, 0 } */
            codes[known[v].codes[j].i] = known[v].codes[j].code;
    for (size_t j = 0; j < NELEMS(known[v].bytes); j++)
        if (known[v].bytes[j].byte)
            bytes[known[v].bytes[j].k] = known[v].bytes[j].byte;

    t->pack(dst, codes, n);
    assert_same_bytes(dst, bytes, nb, "packed", ctx);

    /* Garbage in the pad codes must not reach the unpacked codes. */
    for (size_t i = n; i < nb * 4; i++)
        bytes[i / 4] |= (uint8_t)(3u << 2 * (i % 4));
    t->unpack(out, bytes, n);
    assert_same_bytes(out, codes, n, "unpacked", ctx);

    gbuf_free_checked(&gd, "dst", ctx);
    gbuf_free_checked(&gu, "codes", ctx);
    gbuf_free(&gc);
    gbuf_free(&gb);
}
END_TEST

/* unpack(pack(codes)) == codes; pack(unpack(bytes)) == bytes for whole
 * blocks.  Seed fixed_seeds[_i]. */
START_TEST(test_roundtrip)
{
    const struct target *t = target_of(_i);
    uint64_t seed = fixed_seeds[case_of(_i)];

    for (size_t si = 0; si < n_awkward_sizes; si++) {
        size_t n = awkward_sizes[si], nb = qk256_row_bytes(n);
        struct gbuf gc, gp, gu, gb;
        uint8_t *codes = gbuf_alloc(&gc, n, 2);
        uint8_t *packed = gbuf_alloc(&gp, nb, 1);
        uint8_t *unpacked = gbuf_alloc(&gu, n, 3);
        uint8_t *bytes = gbuf_alloc(&gb, nb, 0);
        struct rng r;
        char ctx[96];

        snprintf(ctx, sizeof ctx, "roundtrip/%s n=%zu seed=%llu", t->name, n,
                 (unsigned long long)seed);
        rng_seed(&r, seed);
        rng_codes(&r, codes, n);
        t->pack(packed, codes, n);
        t->unpack(unpacked, packed, n);
        assert_same_bytes(unpacked, codes, n, "unpack(pack(codes))", ctx);

        if (n % QK256_BLOCK_ELEMS == 0) {
            rng_bytes(&r, bytes, nb);
            t->unpack(unpacked, bytes, n);
            t->pack(packed, unpacked, n);
            assert_same_bytes(packed, bytes, nb, "pack(unpack(bytes))", ctx);
        }
        gbuf_free(&gc);
        gbuf_free(&gp);
        gbuf_free(&gu);
        gbuf_free(&gb);
    }
}
END_TEST

/* Random cases: size, offsets, seed and operation. */
static void
stress_case(const struct target *t, struct rng *r)
{
    struct pcase pc;
    pc.n = rng_size(r, 8192);
    pc.in_pos = (unsigned)rng_below(r, GBUF_NPOS);
    pc.out_pos = (unsigned)rng_below(r, GBUF_NPOS);
    pc.seed = rng_next(r);
    pc.fill = rng_below(r, 8) == 0 ? (int)rng_below(r, 4) : -1;
    if (rng_below(r, 2))
        run_unpack(t, &pc);
    else
        run_pack(t, &pc);
}

START_TEST(test_stress)
{
    run_stress(_i, "pack", stress_case);
}
END_TEST

Suite *
suite_pack(void)
{
    const struct ktest tests[] = {
        { test_sizes, (int)n_awkward_sizes },
        { test_uniform, 4 },
        { test_known, (int)NELEMS(known) },
        { test_roundtrip, (int)n_fixed_seeds },
        { test_stress, STRESS_CHUNKS },
    };

    return kernel_suite("pack", tests, NELEMS(tests));
}
