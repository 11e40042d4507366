/* bench/qk256-work.c -- call one libqk256 operation REPS times
 * SPDX-License-Identifier: MIT
 *
 * usage: qk256-work OP SHAPE REPS
 *   OP     gemv_i8, gemv (SHAPE ROWSxCOLS), gemm_i8, gemm (ROWSxCOLSxN),
 *          dequantize (SHAPE N)
 *   REPS   calls of OP (0 sets everything up and calls nothing)
 *
 * A fixed amount of work for a counter of executed instructions
 * (bench/arm64-insns runs it under ../shared/tools/insn-count): the count
 * of a run with REPS calls less that of a run with none is what REPS calls
 * cost, setup and the loader excluded.  The inputs are as qk256-bench
 * makes them: random codes in packed weights that start on a 64-byte line,
 * random floats in [-1, 1), int8 activations quantized once before the
 * calls (one scale per vector), and dequantize with a random scale per
 * block.  The GEMMs take their vectors at ldx = COLS and write their
 * results at ldy = ROWS.
 *
 * It uses the public API alone (<qk256.h>, -lqk256), prints the variant
 * that the loader bound and a hash of the outputs' bytes, and exits 2 on a
 * usage error, 1 if a call fails.  Both lines cost the same instructions
 * whatever the outputs hold (the hash is printed digit by digit, not by
 * printf, whose work depends on the value), so that they cancel out of
 * count(REPS) - count(0).
 */
#define _POSIX_C_SOURCE 200809L /* posix_memalign */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qk256.h>

#define MAX_DIM ((size_t)1 << 28) /* per dimension, to keep products sane */

enum op { GEMV_I8, GEMV, GEMM_I8, GEMM, DEQUANTIZE };

static const char *const op_names[] = {
    [GEMV_I8] = "gemv_i8", [GEMV] = "gemv", [GEMM_I8] = "gemm_i8",
    [GEMM] = "gemm", [DEQUANTIZE] = "dequantize",
};

static const char *prog = "qk256-work";

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: %s OP SHAPE REPS\n"
            "  gemv_i8 ROWSxCOLS      qk256_gemv_i8 (x quantized once, before)\n"
            "  gemv ROWSxCOLS         qk256_gemv\n"
            "  gemm_i8 ROWSxCOLSxN    qk256_gemm_i8 of N vectors (each quantized\n"
            "                         once, before)\n"
            "  gemm ROWSxCOLSxN       qk256_gemm of N vectors\n"
            "  dequantize N           qk256_dequantize with a scale per block\n"
            "REPS calls of OP (0: none); prints the variant and a hash of the output.\n",
            prog);
}

static void
fail_usage(const char *what, const char *arg)
{
    fprintf(stderr, "%s: %s '%s'\n", prog, what, arg);
    usage(stderr);
    exit(2);
}

static void
check(int rc, const char *call)
{
    if (rc != QK256_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, call, qk256_strerror(rc));
        exit(1);
    }
}

static void *
alloc_lines(size_t count, size_t size)
{
    void *p = NULL;

    if (size && count > SIZE_MAX / size) {
        fprintf(stderr, "%s: too large\n", prog);
        exit(2);
    }
    if (posix_memalign(&p, 64, count && size ? count * size : 1) != 0) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(1);
    }
    return p;
}

/* xorshift64*, fixed seed: every run gets the same inputs */
static uint64_t state = 0x9e3779b97f4a7c15u;

static uint64_t
next_random(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1du;
}

/* Packed weights: every byte is four valid codes. */
static void
fill_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(next_random() >> 56);
}

/* Floats uniform in [-1, 1), 24 random bits each. */
static void
fill_floats(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(next_random() >> 40) / 8388608.0f - 1.0f;
}

/* FNV-1a of n bytes: the same instructions for any bytes. */
static uint32_t
hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* "OP SHAPE xREPS hash HHHHHHHH", the hash in 8 hex digits written one by
 * one. */
static void
print_result(const char *op, const char *shape, size_t reps, uint32_t h)
{
    char hex[9];

    for (int i = 0; i < 8; i++)
        hex[i] = "0123456789abcdef"[(h >> (28 - 4 * i)) & 15u];
    hex[8] = '\0';
    printf("%s %s x%zu hash %s\n", op, shape, reps, hex);
}

/* A decimal in [1, MAX_DIM] (or [0, ...) for REPS) that ends at *end. */
static size_t
parse_number(const char *s, char **end, int zero_ok, const char *what)
{
    unsigned long long v;

    errno = 0;
    if (*s < '0' || *s > '9')
        fail_usage(what, s);
    v = strtoull(s, end, 10);
    if (errno || (v == 0 && !zero_ok) || v > MAX_DIM)
        fail_usage(what, s);
    return (size_t)v;
}

/* "R", "RxC" or "RxCxN": want numbers, all of them, and nothing else. */
static void
parse_shape(const char *s, size_t want, size_t dims[3])
{
    const char *p = s;
    char *end;

    for (size_t k = 0; k < want; k++) {
        dims[k] = parse_number(p, &end, 0, "bad shape");
        if (k + 1 < want && *end != 'x')
            fail_usage("bad shape", s);
        p = end + (k + 1 < want);
    }
    if (*p)
        fail_usage("bad shape", s);
}

int
main(int argc, char **argv)
{
    size_t dims[3] = { 1, 1, 1 }, reps, k;
    enum op op;
    char *end;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 4) {
        usage(stderr);
        return 2;
    }
    for (k = 0; k < sizeof op_names / sizeof op_names[0]; k++)
        if (strcmp(argv[1], op_names[k]) == 0)
            break;
    if (k == sizeof op_names / sizeof op_names[0])
        fail_usage("unknown operation", argv[1]);
    op = (enum op)k;
    parse_shape(argv[2], op == DEQUANTIZE ? 1 : op == GEMM || op == GEMM_I8 ? 3 : 2, dims);
    reps = parse_number(argv[3], &end, 1, "bad REPS");
    if (*end)
        fail_usage("bad REPS", argv[3]);

    printf("implementation %s\n", qk256_implementation());

    if (op == DEQUANTIZE) {
        size_t n = dims[0], nblocks = (n + QK256_BLOCK_ELEMS - 1) / QK256_BLOCK_ELEMS;
        uint8_t *src = alloc_lines(qk256_row_bytes(n), 1);
        float *scales = alloc_lines(nblocks, sizeof(float));
        float *dst = alloc_lines(n, sizeof(float));

        fill_bytes(src, qk256_row_bytes(n));
        fill_floats(scales, nblocks);
        memset(dst, 0, n * sizeof(float));
        for (size_t i = 0; i < reps; i++)
            check(qk256_dequantize(dst, src, scales, n), "qk256_dequantize");
        print_result(op_names[op], argv[2], reps, hash_bytes(dst, n * sizeof(float)));
        free(src);
        free(scales);
        free(dst);
        return 0;
    }

    size_t rows = dims[0], cols = dims[1], n = dims[2];
    size_t stride = qk256_row_bytes(cols);
    uint8_t *w = alloc_lines(rows, stride);
    float *x = alloc_lines(n, cols * sizeof(float));
    float *y = alloc_lines(n, rows * sizeof(float));
    int8_t *xq = NULL;
    float *xscales = NULL;

    fill_bytes(w, rows * stride);
    fill_floats(x, n * cols);
    memset(y, 0, n * rows * sizeof(float));
    if (op == GEMV_I8 || op == GEMM_I8) {
        xq = alloc_lines(n, cols);
        xscales = alloc_lines(n, sizeof(float));
        for (size_t j = 0; j < n; j++)
            check(qk256_quantize_i8(xq + j * cols, &xscales[j], x + j * cols, cols),
                  "qk256_quantize_i8");
    }

    for (size_t i = 0; i < reps; i++) {
        switch (op) {
        case GEMV_I8:
            check(qk256_gemv_i8(y, w, stride, xq, xscales[0], rows, cols), "qk256_gemv_i8");
            break;
        case GEMV:
            check(qk256_gemv(y, w, stride, x, rows, cols), "qk256_gemv");
            break;
        case GEMM_I8:
            check(qk256_gemm_i8(y, rows, w, stride, xq, cols, xscales, rows, cols, n),
                  "qk256_gemm_i8");
            break;
        case GEMM:
            check(qk256_gemm(y, rows, w, stride, x, cols, rows, cols, n), "qk256_gemm");
            break;
        case DEQUANTIZE:
            break;
        }
    }
    print_result(op_names[op], argv[2], reps, hash_bytes(y, n * rows * sizeof(float)));
    free(w);
    free(x);
    free(y);
    free(xq);
    free(xscales);
    return 0;
}
