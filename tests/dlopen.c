/* tests/dlopen-test -- the library works when a program loads it with
 * dlopen, as plugin hosts and language bindings do
 * SPDX-License-Identifier: MIT
 *
 * usage: dlopen-test PATH-TO-libqk256.so
 *
 * The program is not linked with libqk256: it finds every public function
 * with dlsym, checks each against the reference (tests/ref.c) on the
 * awkward sizes (the GEMMs on a few numbers of vectors too), closes the
 * library and loads it again, so that the ifunc resolvers run a second
 * time in the same process.
 * Environment: QK256_EXPECT_IMPL and QK256_EXPECT_FORCED, as for
 * qk256-tests (tests/expect.c).
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "ref.h"

/* The library's functions, as dlsym finds them. */
static struct {
    __typeof__(qk256_version) *version;
    __typeof__(qk256_implementation) *implementation;
    __typeof__(qk256_strerror) *strerror_;
    __typeof__(qk256_row_bytes) *row_bytes;
    __typeof__(qk256_pack) *pack;
    __typeof__(qk256_unpack) *unpack;
    __typeof__(qk256_dequantize) *dequantize;
    __typeof__(qk256_gemv) *gemv;
    __typeof__(qk256_quantize) *quantize;
    __typeof__(qk256_quantize_i8) *quantize_i8;
    __typeof__(qk256_gemv_i8) *gemv_i8;
    __typeof__(qk256_gemm) *gemm;
    __typeof__(qk256_gemm_i8) *gemm_i8;
} lib;

static unsigned long checks, failures;

static void
check(int ok, const char *what, size_t n)
{
    checks++;
    if (!ok) {
        failures++;
        printf("FAIL: %s, n = %zu\n", what, n);
    }
}

/* dlsym, cast through the POSIX-blessed object pointer to a function
 * pointer; a NULL result fails the run. */
static void *
sym(void *h, const char *name)
{
    void *p = dlsym(h, name);

    if (!p) {
        printf("FAIL: dlsym(%s): %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

static void *
load(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

    if (!h) {
        printf("FAIL: dlopen(%s): %s\n", path, dlerror());
        exit(1);
    }
#define QK256_SYM(f) *(void **)&lib.f = sym(h, "qk256_" #f)
    QK256_SYM(version);
    QK256_SYM(implementation);
    *(void **)&lib.strerror_ = sym(h, "qk256_strerror");
    QK256_SYM(row_bytes);
    QK256_SYM(pack);
    QK256_SYM(unpack);
    QK256_SYM(dequantize);
    QK256_SYM(gemv);
    QK256_SYM(quantize);
    QK256_SYM(quantize_i8);
    QK256_SYM(gemv_i8);
    QK256_SYM(gemm);
    QK256_SYM(gemm_i8);
#undef QK256_SYM
    return h;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t
rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

/* A float in [-4, 4), in steps of 1/1024. */
static float
rnd_float(void)
{
    return (float)((int)(rnd() % 8192) - 4096) / 1024.0f;
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        printf("FAIL: out of memory\n");
        exit(1);
    }
    return p;
}

/* The GEMMs on the matrix w of rows rows of n columns, for a few numbers
 * of vectors around the kernels' tiles, with padding between vectors
 * (NaN, -128: a kernel that read it would show) and between results (a
 * canary that must stay).  Each result against the reference: within the
 * bound (gemm), bit for bit (gemm_i8); then a short ldx and a short ldy
 * must fail with QK256_E_STRIDE and write nothing. */
static void
check_gemm(const uint8_t *w, size_t stride, size_t rows, size_t n)
{
    enum { MAXN = 9 };
    static const size_t nvec[] = { 1, 3, 8, MAXN };
    size_t ldy = rows + 2, ldx = n + 5, xlen = (MAXN - 1) * ldx + n;
    size_t ylen = (MAXN - 1) * ldy + rows;
    float *x = xmalloc(xlen * sizeof *x), scales[MAXN];
    int8_t *xq = xmalloc(xlen);
    float *y = xmalloc(ylen * sizeof *y), *y2 = xmalloc(ylen * sizeof *y2);
    char what[64];

    for (size_t i = 0; i < xlen; i++)
        x[i] = i % ldx < n ? rnd_float() : NAN;
    memset(xq, 0x80, xlen);
    for (size_t j = 0; j < MAXN; j++)
        ref_quantize_i8(xq + j * ldx, &scales[j], x + j * ldx, n);

    for (size_t k = 0; k < sizeof nvec / sizeof nvec[0]; k++) {
        size_t nv = nvec[k], len = ((nv - 1) * ldy + rows) * sizeof *y;

        memset(y, 0xa5, ylen * sizeof *y);
        memcpy(y2, y, ylen * sizeof *y);
        int ok = lib.gemm(y, ldy, w, stride, x, ldx, rows, n, nv) == QK256_OK;
        for (size_t j = 0; j < nv; j++) {
            for (size_t r = 0; r < rows; r++)
                ok = ok && ref_gemv_close(y[j * ldy + r],
                                          ref_dot_row(w + r * stride, x + j * ldx, n));
            if (j + 1 < nv)
                ok = ok && memcmp(y + j * ldy + rows, y2 + j * ldy + rows,
                                  (ldy - rows) * sizeof *y) == 0;
        }
        ok = ok && memcmp((char *)y + len, (char *)y2 + len, ylen * sizeof *y - len) == 0;
        snprintf(what, sizeof what, "qk256_gemm, %zu vectors", nv);
        check(ok, what, n);

        memset(y, 0xa5, ylen * sizeof *y);
        memcpy(y2, y, ylen * sizeof *y);
        for (size_t j = 0; j < nv; j++)
            ref_gemv_i8(y2 + j * ldy, w, stride, xq + j * ldx, scales[j], rows, n);
        snprintf(what, sizeof what, "qk256_gemm_i8, %zu vectors", nv);
        check(lib.gemm_i8(y, ldy, w, stride, xq, ldx, scales, rows, n, nv) == QK256_OK
              && memcmp(y, y2, ylen * sizeof *y) == 0, what, n);
    }

    memcpy(y2, y, ylen * sizeof *y);
    check(lib.gemm(y, ldy, w, stride, x, n - 1, rows, n, 3) == QK256_E_STRIDE
          && memcmp(y, y2, ylen * sizeof *y) == 0, "qk256_gemm with ldx < cols", n);
    check(lib.gemm_i8(y, rows - 1, w, stride, xq, ldx, scales, rows, n, 3)
          == QK256_E_STRIDE && memcmp(y, y2, ylen * sizeof *y) == 0,
          "qk256_gemm_i8 with ldy < rows", n);

    free(x); free(xq); free(y); free(y2);
}

/* Every operation on n elements (a row of n columns for the GEMVs). */
static void
check_size(size_t n)
{
    enum { ROWS = 3, PAD = 64 };
    size_t rb = lib.row_bytes(n), nb = rb / QK256_BLOCK_BYTES;
    size_t stride = rb + PAD;
    uint8_t *codes = xmalloc(n), *codes2 = xmalloc(n);
    uint8_t *packed = xmalloc(rb), *want = xmalloc(rb);
    float *x = xmalloc(n * sizeof *x), *f = xmalloc(n * sizeof *f);
    float *g = xmalloc(n * sizeof *g);
    float *scales = xmalloc(nb * sizeof *scales), *s2 = xmalloc(nb * sizeof *s2);
    int8_t *xq = xmalloc(n), *xq2 = xmalloc(n);
    uint8_t *w = xmalloc(ROWS * stride);
    float y[ROWS], y2[ROWS], sc, sc2;

    check(rb == (n + 255) / 256 * 64, "qk256_row_bytes", n);
    for (size_t i = 0; i < n; i++) {
        codes[i] = (uint8_t)(rnd() & 3);
        x[i] = rnd_float();
    }
    for (size_t b = 0; b < nb; b++)
        scales[b] = rnd_float();

    ref_pack(want, codes, n);
    check(lib.pack(packed, codes, n) == QK256_OK
          && memcmp(packed, want, rb) == 0, "qk256_pack", n);
    check(lib.unpack(codes2, packed, n) == QK256_OK
          && memcmp(codes2, codes, n) == 0, "qk256_unpack", n);

    ref_dequantize(g, packed, scales, n);
    check(lib.dequantize(f, packed, scales, n) == QK256_OK
          && memcmp(f, g, n * sizeof *f) == 0, "qk256_dequantize", n);

    ref_quantize(want, s2, x, n);
    check(lib.quantize(packed, scales, x, n) == QK256_OK
          && memcmp(packed, want, rb) == 0
          && memcmp(scales, s2, nb * sizeof *s2) == 0, "qk256_quantize", n);

    ref_quantize_i8(xq2, &sc2, x, n);
    check(lib.quantize_i8(xq, &sc, x, n) == QK256_OK
          && memcmp(xq, xq2, n) == 0 && memcmp(&sc, &sc2, sizeof sc) == 0,
          "qk256_quantize_i8", n);

    /* Random bytes, padding codes included: they must not count. */
    for (size_t i = 0; i < ROWS * stride; i++)
        w[i] = (uint8_t)rnd();
    int ok = lib.gemv(y, w, stride, x, ROWS, n) == QK256_OK;
    for (size_t r = 0; r < ROWS; r++)
        ok = ok && ref_gemv_close(y[r], ref_dot_row(w + r * stride, x, n));
    check(ok, "qk256_gemv", n);

    ref_gemv_i8(y2, w, stride, xq, sc, ROWS, n);
    check(lib.gemv_i8(y, w, stride, xq, sc, ROWS, n) == QK256_OK
          && memcmp(y, y2, sizeof y) == 0, "qk256_gemv_i8", n);

    /* A failing call through the loaded library: status, nothing written. */
    memcpy(y2, y, sizeof y);
    check(lib.gemv(y, w, rb - 1, x, ROWS, n) == QK256_E_STRIDE
          && memcmp(y, y2, sizeof y) == 0, "qk256_gemv with a short stride", n);

    check_gemm(w, stride, ROWS, n);

    free(codes); free(codes2); free(packed); free(want); free(x); free(f);
    free(g); free(scales); free(s2); free(xq); free(xq2); free(w);
}

int
main(int argc, char **argv)
{
    static const size_t sizes[] = { 1, 2, 3, 4, 5, 255, 256, 257, 300, 513,
                                    1024, 4096 + 7 };

    if (argc != 2) {
        fprintf(stderr, "usage: dlopen-test PATH-TO-libqk256.so\n");
        return 99;
    }

    void *h = load(argv[1]);
    int status = expect_bound(lib.implementation());

    if (status) {
        dlclose(h);
        return status;
    }
    char *bound = strdup(lib.implementation());

    check(strcmp(lib.version(), PACKAGE_VERSION) == 0, "qk256_version", 0);
    check(strcmp(lib.strerror_(QK256_E_OVERLAP), lib.strerror_(QK256_OK)) != 0,
          "qk256_strerror", 0);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_size(sizes[i]);

    /* Unload and load again: the resolvers bind the same variant anew. */
    if (dlclose(h) != 0) {
        printf("FAIL: dlclose: %s\n", dlerror());
        return 1;
    }
    h = load(argv[1]);
    check(bound && strcmp(lib.implementation(), bound) == 0,
          "the same variant after dlclose and dlopen", 0);
    check_size(4096 + 7);
    dlclose(h);

    printf("%s: dlopen(%s): variant %s, %lu checks, %lu failed\n",
           failures ? "FAIL" : "PASS", argv[1], bound ? bound : "?",
           checks, failures);
    free(bound);
    return failures ? 1 : 0;
}
