/* tests/testutil.c -- shared helpers of qk256-tests
 * SPDX-License-Identifier: MIT
 */
#include <config.h>

#ifndef _DEFAULT_SOURCE
# define _DEFAULT_SOURCE /* MAP_ANONYMOUS, sysconf under -std=c99 */
#endif

#include "qk256.h"
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

const size_t awkward_sizes[] = {
    1, 3, 255, 256, 257, 300, 511, 512, 513, 1024, 4096 + 7, 6912,
};
const size_t n_awkward_sizes = NELEMS(awkward_sizes);

const uint64_t fixed_seeds[] = { 1, 42, 1337, 9999, 12345, 54321, 99999 };
const size_t n_fixed_seeds = NELEMS(fixed_seeds);

/* ---- comparisons --------------------------------------------------------- */

void
assert_same_bytes(const uint8_t *got, const uint8_t *want, size_t len,
                  const char *what, const char *ctx)
{
    for (size_t i = 0; i < len; i++)
        CHECK(got[i] == want[i],
              "%s: %s byte %zu of %zu is 0x%02x, want 0x%02x",
              ctx, what, i, len, got[i], want[i]);
}

void
assert_same_floats(const float *got, const float *want, size_t n,
                   const char *what, const char *ctx)
{
    /* Through memcpy: either array may be misaligned for float. */
    for (size_t i = 0; i < n; i++) {
        uint32_t g, w;

        memcpy(&g, (const char *)got + i * sizeof g, sizeof g);
        memcpy(&w, (const char *)want + i * sizeof w, sizeof w);
        if (g != w) {
            float gf, wf;

            memcpy(&gf, &g, sizeof gf);
            memcpy(&wf, &w, sizeof wf);
            ck_abort_msg("%s: %s[%zu] of %zu is %a (0x%08x), want %a (0x%08x)",
                         ctx, what, i, n, (double)gf, (unsigned)g, (double)wf,
                         (unsigned)w);
        }
    }
}

/* ---- RNG ---------------------------------------------------------------- */

void
rng_seed(struct rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t
rng_next(struct rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

size_t
rng_below(struct rng *r, size_t n)
{
    return (size_t)(rng_next(r) % n);
}

float
rng_float(struct rng *r, float lo, float hi)
{
    double u = (double)(rng_next(r) >> 11) / 9007199254740992.0; /* [0,1) */
    float v = (float)((double)lo + ((double)hi - (double)lo) * u);

    return v > hi ? hi : v;
}

float
rng_finite(struct rng *r)
{
    for (;;) {
        uint32_t bits = (uint32_t)rng_next(r);
        float f;

        memcpy(&f, &bits, sizeof f);
        if ((bits & 0x7f800000u) != 0x7f800000u)
            return f;
    }
}

void
rng_bytes(struct rng *r, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng_next(r);
}

void
rng_codes(struct rng *r, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rng_next(r) & 3);
}

void
rng_floats(struct rng *r, float *p, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        p[i] = rng_float(r, lo, hi);
}

size_t
rng_size(struct rng *r, size_t max)
{
    if (rng_next(r) & 1)
        return awkward_sizes[rng_below(r, n_awkward_sizes)];
    return 1 + rng_below(r, max);
}

const struct qk256_impl *
bound_impl(void)
{
    const char *bound = qk256_implementation();

    for (size_t i = 0; i < qk256_nimpls; i++)
        if (strcmp(qk256_impls[i].name, bound) == 0)
            return &qk256_impls[i];
    CHECK(0, "bound variant %s is not in the impl list", bound);
    return NULL;
}

void
scramble_pad_codes(uint8_t *row, size_t cols, struct rng *r)
{
    for (size_t i = cols; i < qk256_row_bytes(cols) * 4; i++) {
        unsigned shift = 2 * (i % 4);
        row[i / 4] = (uint8_t)((row[i / 4] & ~(3u << shift))
                               | (rng_next(r) & 3u) << shift);
    }
}

/* ---- the activations of the GEMV and GEMM suites ------------------------ */

const char *const xkind_names[] = {
    "range10", "integer", "ones", "zero", "huge",
};

const char *const xspecial_names[] = { "none", "NaN", "inf", "+-inf" };

const char *const xqkind_names[] = {
    "random", "full", "edges", "zero", "const",
};

void
fill_x(float *x, size_t cols, enum xkind xk, struct rng *r)
{
    for (size_t c = 0; c < cols; c++) {
        switch (xk) {
        case X_RANGE10:
            x[c] = rng_float(r, -10.0f, 10.0f);
            break;
        case X_INTEGER:
            x[c] = (float)((int)rng_below(r, 17) - 8);
            break;
        case X_ONES:
            x[c] = 1.0f;
            break;
        case X_ZERO:
            x[c] = rng_next(r) & 1 ? -0.0f : 0.0f;
            break;
        case X_HUGE:
            x[c] = rng_float(r, 0.25f, 1.0f) * (rng_next(r) & 1 ? -FLT_MAX : FLT_MAX);
            break;
        }
    }
}

void
put_specials(float *x, size_t cols, enum xspecial sp, struct rng *r)
{
    size_t c1 = rng_below(r, cols), c2 = rng_below(r, cols);

    switch (sp) {
    case S_NONE:
        break;
    case S_NAN:
        x[c1] = NAN;
        break;
    case S_INF:
        x[c1] = rng_next(r) & 1 ? INFINITY : -INFINITY;
        break;
    case S_BOTH_INF:
        x[c1] = INFINITY;
        if (c2 != c1)
            x[c2] = -INFINITY;
        break;
    }
}

void
fill_xq(int8_t *xq, size_t cols, enum xqkind xk, int xconst, struct rng *r)
{
    static const int edges[] = { -128, -127, -1, 0, 1, 127 };

    for (size_t c = 0; c < cols; c++) {
        switch (xk) {
        case XQ_RANDOM:
            xq[c] = (int8_t)((int)rng_below(r, 255) - 127);
            break;
        case XQ_FULL:
            xq[c] = (int8_t)((int)rng_below(r, 256) - 128);
            break;
        case XQ_EDGES:
            xq[c] = (int8_t)edges[rng_below(r, NELEMS(edges))];
            break;
        case XQ_ZERO:
            xq[c] = 0;
            break;
        case XQ_CONST:
            xq[c] = (int8_t)xconst;
            break;
        }
    }
}

/* ---- guard-paged buffers ------------------------------------------------ */

#define CANARY 0xcb
#define CANARY_MIN 64 /* canary bytes at least around the buffer */

/* Under AddressSanitizer (--enable-sanitizers) the canary bytes are
 * poisoned as well, so that a read of them is reported at once: a guard
 * page catches only reads past a page, and the bytes of a cache line
 * before or after a buffer never are.  The canaries are unpoisoned to be
 * checked and freed. */
#if defined(__SANITIZE_ADDRESS__)
# include <sanitizer/asan_interface.h>
# define GBUF_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
# define GBUF_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
# define GBUF_POISON(p, n) ((void)(p), (void)(n))
# define GBUF_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void *
gbuf_alloc(struct gbuf *g, size_t len, unsigned pos)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (len + 3 + CANARY_MIN + page - 1) / page * page;

    CHECK(pos < GBUF_NPOS, "gbuf_alloc: placement %u", pos);
    g->maplen = page + body + page;
    g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(g->map != MAP_FAILED, "mmap of %zu bytes failed", g->maplen);
    g->body = g->map + page;
    g->body_end = g->body + body;
    CHECK(mprotect(g->map, page, PROT_NONE) == 0
          && mprotect(g->body_end, page, PROT_NONE) == 0,
          "mprotect of a guard page failed");
    g->len = len;
    g->p = pos >= GBUF_FRONT ? g->body + 16 * (pos - GBUF_FRONT) : g->body_end - pos - len;
    memset(g->body, CANARY, body);
    memset(g->p, 0xff, len);
    GBUF_POISON(g->body, (size_t)(g->p - g->body));
    GBUF_POISON(g->p + len, (size_t)(g->body_end - (g->p + len)));
    return g->p;
}

int
gbuf_canaries_ok(const struct gbuf *g)
{
    GBUF_UNPOISON(g->body, (size_t)(g->body_end - g->body));
    for (const unsigned char *q = g->body; q < g->p; q++)
        if (*q != CANARY)
            return 0;
    for (const unsigned char *q = g->p + g->len; q < g->body_end; q++)
        if (*q != CANARY)
            return 0;
    return 1;
}

void
gbuf_free(struct gbuf *g)
{
    if (g->map && g->map != MAP_FAILED) {
        GBUF_UNPOISON(g->body, (size_t)(g->body_end - g->body));
        munmap(g->map, g->maplen);
    }
    g->map = NULL;
    g->p = NULL;
}

void
gbuf_free_checked(struct gbuf *g, const char *what, const char *ctx)
{
    CHECK(gbuf_canaries_ok(g),
          "%s: a write outside the %zu bytes of %s", ctx, g->len, what);
    gbuf_free(g);
}

/* ---- the variants under test ------------------------------------------- */

/* A fault of the test program itself, found while building the suites. */
static void
die(const char *msg)
{
    fprintf(stderr, "qk256-tests: %s\n", msg);
    abort();
}

/* The public API with kernel signatures: a test that goes through these
 * only passes valid arguments, so anything but QK256_OK is a failure. */
static void
public_pack(uint8_t *dst, const uint8_t *codes, size_t n)
{
    int st = qk256_pack(dst, codes, n);
    CHECK(st == QK256_OK, "qk256_pack(n=%zu) returned %d", n, st);
}

static void
public_unpack(uint8_t *codes, const uint8_t *src, size_t n)
{
    int st = qk256_unpack(codes, src, n);
    CHECK(st == QK256_OK, "qk256_unpack(n=%zu) returned %d", n, st);
}

static void
public_dequantize(float *dst, const uint8_t *src, const float *scales,
                  size_t n)
{
    int st = qk256_dequantize(dst, src, scales, n);
    CHECK(st == QK256_OK, "qk256_dequantize(n=%zu) returned %d",
          n, st);
}

static void
public_gemv(float *y, const uint8_t *w, size_t row_stride, const float *x,
            size_t rows, size_t cols)
{
    int st = qk256_gemv(y, w, row_stride, x, rows, cols);
    CHECK(st == QK256_OK,
          "qk256_gemv(rows=%zu, cols=%zu, stride=%zu) returned %d",
          rows, cols, row_stride, st);
}

static void
public_quantize(uint8_t *dst, float *scales, const float *src, size_t n)
{
    int st = qk256_quantize(dst, scales, src, n);
    CHECK(st == QK256_OK, "qk256_quantize(n=%zu) returned %d", n, st);
}

/* Kernel signature: nonzero for success. */
static int
public_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n)
{
    int st = qk256_quantize_i8(xq, scale, x, n);
    CHECK(st == QK256_OK, "qk256_quantize_i8(n=%zu) returned %d", n, st);
    return 1;
}

static void
public_gemv_i8(float *y, const uint8_t *w, size_t row_stride,
               const int8_t *xq, float scale, size_t rows, size_t cols)
{
    int st = qk256_gemv_i8(y, w, row_stride, xq, scale, rows, cols);
    CHECK(st == QK256_OK,
          "qk256_gemv_i8(rows=%zu, cols=%zu, stride=%zu) returned %d",
          rows, cols, row_stride, st);
}

static struct target targets[8];
static size_t ntargets;

static void
targets_init(void)
{
    static const struct target public_target = {
        "public", NULL, public_pack, public_unpack, public_dequantize,
        public_gemv, public_quantize, public_quantize_i8, public_gemv_i8,
    };

    if (ntargets)
        return;
    if (qk256_nimpls >= NELEMS(targets))
        die("the impl list is longer than the target table");
    for (size_t i = 0; i < qk256_nimpls; i++) {
        const struct qk256_impl *im = &qk256_impls[i];

        if (!qk256_isa_usable(im->isa))
            continue;
        struct target t = { im->name, im, im->pack, im->unpack,
                            im->dequantize, im->gemv, im->quantize,
                            im->quantize_i8, im->gemv_i8 };
        targets[ntargets++] = t;
    }
    targets[ntargets++] = public_target;
}

size_t
target_count(void)
{
    targets_init();
    return ntargets;
}

const struct target *
target_get(size_t i)
{
    targets_init();
    if (i >= ntargets)
        die("target index out of range");
    return &targets[i];
}

const struct qk256_impl *
scalar_impl(void)
{
    for (size_t i = 0; i < qk256_nimpls; i++)
        if (qk256_impls[i].isa == QK256_ISA_SCALAR)
            return &qk256_impls[i];
    die("the impl list has no scalar row");
    return NULL;
}

int
target_is_scalar(const struct target *t)
{
    return t->impl && t->impl->isa == QK256_ISA_SCALAR;
}

const struct target *
target_of(int i)
{
    return target_get((size_t)(i / TARGET_STRIDE));
}

int
case_of(int i)
{
    return i % TARGET_STRIDE;
}

void
run_stress(int i, const char *suite,
           void (*one)(const struct target *t, struct rng *r))
{
    const struct target *t = target_of(i);
    int first = case_of(i) * STRESS_CHUNK_SIZE;
    uint64_t h = 1469598103934665603u; /* FNV-1a of the suite name */

    for (const char *c = suite; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    for (int k = first; k < first + STRESS_CHUNK_SIZE; k++) {
        struct rng r;

        rng_seed(&r, h ^ (uint64_t)k);
        one(t, &r);
    }
}

/* Every TCase: generous, since make check may run several programs on a
 * loaded machine; a normal run of one test takes well under a second. */
#define TCASE_TIMEOUT 120

TCase *
tcase_new(const char *suite, const char *name)
{
    /* Check keeps the name pointer; it must outlive the SRunner. */
    static char names[64][48];
    static size_t used;

    if (used == NELEMS(names))
        die("too many TCases");
    snprintf(names[used], sizeof names[used], "%s/%s", suite, name);

    TCase *tc = tcase_create(names[used++]);
    tcase_set_timeout(tc, TCASE_TIMEOUT);
    return tc;
}

Suite *
kernel_suite(const char *name, const struct ktest *tests, size_t ntests)
{
    Suite *s = suite_create(name);

    for (size_t t = 0; t < target_count(); t++) {
        TCase *tc = tcase_new(name, target_get(t)->name);
        int base = (int)t * TARGET_STRIDE;

        for (size_t k = 0; k < ntests; k++) {
            if (tests[k].ncases >= TARGET_STRIDE)
                die("too many cases in one test");
            tcase_add_loop_test(tc, tests[k].test, base,
                                base + tests[k].ncases);
        }
        suite_add_tcase(s, tc);
    }
    return s;
}
