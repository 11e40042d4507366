/* tests/check_golden.c -- the exact functions give the same bits on every
 * architecture
 * SPDX-License-Identifier: MIT
 *
 * SPEC section 4: pack, unpack, dequantize, quantize, quantize_i8,
 * gemv_i8 and gemm_i8 are bitwise identical in every variant.  The other
 * suites hold each variant to tests/ref.c on the machine they run on; this
 * one holds every variant, and the reference itself, to digests written
 * down once, so that x86-64 and arm64 (under qemu, in CI) are seen to
 * agree bit for bit, not only each with its own reference.
 *
 * The inputs come from the suites' RNG (splitmix64, integer arithmetic)
 * and rng_float (double arithmetic, the same wherever double is IEEE
 * binary64 evaluated as such), so they are the same everywhere.  A digest
 * is FNV-1a over the outputs, each float and int taken least significant
 * byte first, so that it does not depend on the byte order either.
 *
 * The digests were made by tests/ref.c on x86-64 (QK256_GOLDEN_PRINT=1 in
 * the environment prints them instead of checking); a change of the
 * inputs below needs new ones.
 */
#include <config.h>

#include "qk256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "testutil.h"

/* The shapes: odd sizes with a partial last block, two column chunks of
 * the int8 GEMV (16384 columns each) and a row count that leaves rows
 * over after the GEMV's 4 and 8 rows at a time. */
#define G_N 4103            /* pack, unpack, dequantize, quantize(_i8) */
#define G_ROWS 37
#define G_COLS 1000
#define G_WIDE_ROWS 9
#define G_WIDE_COLS (2 * 16384 + 77)
#define G_NVEC 5            /* gemm_i8: a tile of 5 */

struct digest {
    uint64_t h;
};

static void
dg_init(struct digest *d)
{
    d->h = 0xcbf29ce484222325u;
}

static void
dg_byte(struct digest *d, unsigned b)
{
    d->h = (d->h ^ (b & 0xffu)) * 0x100000001b3u;
}

static void
dg_u32(struct digest *d, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        dg_byte(d, (unsigned)(v >> (8 * k)));
}

static void
dg_bytes(struct digest *d, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dg_byte(d, ((const unsigned char *)p)[i]);
}

static void
dg_floats(struct digest *d, const float *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;

        memcpy(&u, &p[i], sizeof u);
        dg_u32(d, u);
    }
}

/* The functions whose outputs are digested. */
enum golden_op {
    G_PACK,
    G_UNPACK,
    G_DEQUANTIZE,
    G_QUANTIZE,
    G_QUANTIZE_I8,
    G_GEMV_I8,
    G_GEMV_I8_WIDE,
    G_GEMM_I8,
    G_NOPS
};

static const char *const op_names[G_NOPS] = {
    "pack", "unpack", "dequantize", "quantize", "quantize_i8", "gemv_i8",
    "gemv_i8 (two chunks)", "gemm_i8",
};

/* tests/ref.c's digests on x86-64. */
static const uint64_t golden[G_NOPS] = {
    0x79e7b8294d74a7e0u, 0xdcb9eb671d6d0114u, 0x191fe260cbbd3051u,
    0x4c18e014a963d883u, 0xa91dc873c751b7a8u, 0x1e075da8aa9e0c18u,
    0x54724ee15c10b24eu, 0x58260831892fe9eeu,
};

/* What computes the outputs: the reference, an impl-list row, or the
 * public API (impl == NULL, ref == 0). */
struct maker {
    const char *name;
    int ref;
    const struct qk256_impl *impl;
};

/* Floats of every kind that quantize and dequantize meet: uniform, tiny,
 * huge, zeros of both signs, any finite bit pattern. */
static void
golden_floats(struct rng *r, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (rng_below(r, 8)) {
        case 0: x[i] = rng_finite(r); break;
        case 1: x[i] = (rng_next(r) & 1) ? -0.0f : 0.0f; break;
        case 2: x[i] = rng_float(r, -1e-30f, 1e-30f); break;
        case 3: x[i] = rng_float(r, -1e30f, 1e30f); break;
        default: x[i] = rng_float(r, -10.0f, 10.0f); break;
        }
    }
}

static void
gemv_i8_by(const struct maker *m, float *y, const uint8_t *w, size_t rs,
           const int8_t *xq, float scale, size_t rows, size_t cols)
{
    if (m->ref)
        ref_gemv_i8(y, w, rs, xq, scale, rows, cols);
    else if (m->impl)
        m->impl->gemv_i8(y, w, rs, xq, scale, rows, cols);
    else
        ck_assert_int_eq(qk256_gemv_i8(y, w, rs, xq, scale, rows, cols), QK256_OK);
}

/* The digest of op's outputs as m makes them. */
static uint64_t
golden_digest(const struct maker *m, enum golden_op op)
{
    const struct qk256_impl *im = m->impl;
    struct rng r;
    struct digest d;

    rng_seed(&r, 0x601de2u + (uint64_t)op);
    dg_init(&d);
    switch (op) {
    case G_PACK: {
        uint8_t *codes = malloc(G_N), *dst = malloc(qk256_row_bytes(G_N));

        rng_codes(&r, codes, G_N);
        if (m->ref)
            ref_pack(dst, codes, G_N);
        else if (im)
            im->pack(dst, codes, G_N);
        else
            ck_assert_int_eq(qk256_pack(dst, codes, G_N), QK256_OK);
        dg_bytes(&d, dst, qk256_row_bytes(G_N));
        free(codes);
        free(dst);
        break;
    }
    case G_UNPACK: {
        uint8_t *src = malloc(qk256_row_bytes(G_N)), *codes = malloc(G_N);

        rng_bytes(&r, src, qk256_row_bytes(G_N));
        if (m->ref)
            ref_unpack(codes, src, G_N);
        else if (im)
            im->unpack(codes, src, G_N);
        else
            ck_assert_int_eq(qk256_unpack(codes, src, G_N), QK256_OK);
        dg_bytes(&d, codes, G_N);
        free(src);
        free(codes);
        break;
    }
    case G_DEQUANTIZE: {
        size_t nb = qk256_row_bytes(G_N) / QK256_BLOCK_BYTES;
        uint8_t *src = malloc(qk256_row_bytes(G_N));
        float *scales = malloc(nb * sizeof(float)), *dst = malloc(G_N * sizeof(float));

        rng_bytes(&r, src, qk256_row_bytes(G_N));
        golden_floats(&r, scales, nb);
        for (int with = 0; with < 2; with++) {
            const float *s = with ? scales : NULL;

            if (m->ref)
                ref_dequantize(dst, src, s, G_N);
            else if (im)
                im->dequantize(dst, src, s, G_N);
            else
                ck_assert_int_eq(qk256_dequantize(dst, src, s, G_N), QK256_OK);
            dg_floats(&d, dst, G_N);
        }
        free(src);
        free(scales);
        free(dst);
        break;
    }
    case G_QUANTIZE: {
        size_t nb = qk256_row_bytes(G_N) / QK256_BLOCK_BYTES;
        float *src = malloc(G_N * sizeof(float)), *scales = malloc(nb * sizeof(float));
        uint8_t *dst = malloc(qk256_row_bytes(G_N));

        golden_floats(&r, src, G_N);
        if (m->ref)
            ref_quantize(dst, scales, src, G_N);
        else if (im)
            im->quantize(dst, scales, src, G_N);
        else
            ck_assert_int_eq(qk256_quantize(dst, scales, src, G_N), QK256_OK);
        dg_bytes(&d, dst, qk256_row_bytes(G_N));
        dg_floats(&d, scales, nb);
        free(src);
        free(scales);
        free(dst);
        break;
    }
    case G_QUANTIZE_I8: {
        float *x = malloc(G_N * sizeof(float)), scale;
        int8_t *xq = malloc(G_N);

        /* Three vectors: all kinds, then a uniform one, then one whose
         * largest magnitude is tiny, so that 127 / m overflows. */
        for (int v = 0; v < 3; v++) {
            if (v == 0)
                golden_floats(&r, x, G_N);
            else
                rng_floats(&r, x, G_N, v == 1 ? -3.0f : -1e-38f, v == 1 ? 3.0f : 1e-38f);
            if (m->ref)
                ref_quantize_i8(xq, &scale, x, G_N);
            else if (im)
                ck_assert(im->quantize_i8(xq, &scale, x, G_N));
            else
                ck_assert_int_eq(qk256_quantize_i8(xq, &scale, x, G_N), QK256_OK);
            dg_bytes(&d, xq, G_N);
            dg_floats(&d, &scale, 1);
        }
        free(x);
        free(xq);
        break;
    }
    case G_GEMV_I8:
    case G_GEMV_I8_WIDE: {
        size_t rows = op == G_GEMV_I8 ? G_ROWS : G_WIDE_ROWS;
        size_t cols = op == G_GEMV_I8 ? G_COLS : G_WIDE_COLS;
        size_t rs = qk256_row_bytes(cols) + 64;
        uint8_t *w = malloc(rows * rs);
        int8_t *xq = malloc(cols);
        float *y = malloc(rows * sizeof(float));

        rng_bytes(&r, w, rows * rs);
        for (size_t c = 0; c < cols; c++)
            xq[c] = (int8_t)(int)(rng_next(&r) % 256 - 128);
        gemv_i8_by(m, y, w, rs, xq, 0.0371f, rows, cols);
        dg_floats(&d, y, rows);
        free(w);
        free(xq);
        free(y);
        break;
    }
    case G_GEMM_I8: {
        size_t rs = qk256_row_bytes(G_COLS), ldx = G_COLS + 3, ldy = G_ROWS + 1;
        uint8_t *w = malloc(G_ROWS * rs);
        int8_t *xq = malloc(G_NVEC * ldx);
        float scales[G_NVEC], *y = calloc(G_NVEC * ldy, sizeof(float));

        rng_bytes(&r, w, G_ROWS * rs);
        for (size_t i = 0; i < G_NVEC * ldx; i++)
            xq[i] = (int8_t)(int)(rng_next(&r) % 255 - 127);
        for (size_t j = 0; j < G_NVEC; j++)
            scales[j] = rng_float(&r, 0.001f, 0.1f);
        for (size_t j = 0; j < G_NVEC; j++) {
            if (m->ref)
                ref_gemv_i8(y + j * ldy, w, rs, xq + j * ldx, scales[j], G_ROWS, G_COLS);
        }
        if (!m->ref) {
            if (im)
                im->gemm_i8(y, ldy, w, rs, xq, ldx, scales, G_ROWS, G_COLS, G_NVEC);
            else
                ck_assert_int_eq(qk256_gemm_i8(y, ldy, w, rs, xq, ldx, scales,
                                               G_ROWS, G_COLS, G_NVEC), QK256_OK);
        }
        for (size_t j = 0; j < G_NVEC; j++)
            dg_floats(&d, y + j * ldy, G_ROWS);
        free(w);
        free(xq);
        free(y);
        break;
    }
    default:
        ck_abort_msg("no golden op %d", (int)op);
    }
    return d.h;
}

static int
printing(void)
{
    const char *p = getenv("QK256_GOLDEN_PRINT");

    return p && strcmp(p, "1") == 0;
}

static void
check_maker(const struct maker *m)
{
    for (int op = 0; op < G_NOPS; op++) {
        uint64_t got = golden_digest(m, (enum golden_op)op);

        if (printing()) {
            printf("golden %s %s 0x%016llxu\n", m->name, op_names[op],
                   (unsigned long long)got);
            continue;
        }
        CHECK(got == golden[op], "%s on %s: digest 0x%016llx, want 0x%016llx",
              op_names[op], m->name, (unsigned long long)got,
              (unsigned long long)golden[op]);
    }
}

START_TEST(test_reference)
{
    const struct maker m = { "tests/ref.c", 1, NULL };

    check_maker(&m);
}
END_TEST

/* Every usable row of the impl list, then the public API. */
START_TEST(test_variants)
{
    for (size_t i = 0; i < qk256_nimpls; i++) {
        const struct maker m = { qk256_impls[i].name, 0, &qk256_impls[i] };

        if (qk256_isa_usable(qk256_impls[i].isa))
            check_maker(&m);
    }

    const struct maker pub = { "the public API", 0, NULL };

    check_maker(&pub);
}
END_TEST

Suite *
suite_golden(void)
{
    Suite *s = suite_create("golden");
    TCase *tc = tcase_new("golden", "digests");

    tcase_add_test(tc, test_reference);
    tcase_add_test(tc, test_variants);
    suite_add_tcase(s, tc);
    return s;
}
