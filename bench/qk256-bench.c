/* bench/qk256-bench.c -- time every kernel variant of libqk256
 * SPDX-License-Identifier: MIT
 *
 * Prints the variant that the loader bound for the public API, then one
 * table: each operation at a fixed shape, for each variant in the impl list
 * that this CPU can run, with the median and minimum time of one call over
 * SAMPLES timed samples.  A sample repeats the call often enough to last
 * at least SAMPLE_NS, which keeps the clock's resolution and cost out of
 * the numbers.  Inputs are random with a fixed seed, so runs compare.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, also under -std=c99 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "qk256.h"

#define SAMPLES 31
#define SAMPLE_NS 20000.0 /* shortest timed sample */
#define WARMUP_NS 2e6     /* calls before sampling starts */

/* The shapes.  The packed input of dequantize and unpack holds CODEC_N
 * codes, so DEQUANT_N must not exceed it. */
#define DEQUANT_N 1024
#define GEMV_ROWS 2560
#define GEMV_COLS 2560
#define CODEC_N 4096 /* pack, unpack and quantize */

#define STR(x) STR_(x)
#define STR_(x) #x

enum op { OP_DEQUANTIZE, OP_GEMV, OP_PACK, OP_UNPACK, OP_QUANTIZE, OP_COUNT };

static const struct op_info {
    const char *name, *shape;
    double elems; /* per call */
} ops[OP_COUNT] = {
    [OP_DEQUANTIZE] = { "dequantize", "n=" STR(DEQUANT_N), DEQUANT_N },
    [OP_GEMV] = { "gemv", STR(GEMV_ROWS) "x" STR(GEMV_COLS),
                  (double)GEMV_ROWS * GEMV_COLS },
    [OP_PACK] = { "pack", "n=" STR(CODEC_N), CODEC_N },
    [OP_UNPACK] = { "unpack", "n=" STR(CODEC_N), CODEC_N },
    [OP_QUANTIZE] = { "quantize", "n=" STR(CODEC_N), CODEC_N },
};

/* Inputs and outputs of every operation, allocated once. */
struct bench_data {
    uint8_t *codes, *packed, *weights, *out_codes, *out_packed;
    float *floats, *scales, *x, *y, *out_floats, *out_scales;
};

/* Written from the output after every batch of calls.  The kernels are
 * called through pointers into another object, so the calls cannot be
 * dropped anyway; this keeps it so under LTO too. */
static volatile float sink;

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* xorshift64*: fixed seed, the same inputs on every run. */
static uint32_t
rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Uniform in [-1, 1). */
static float
rng_float(void)
{
    return (float)(rng() >> 8) / 8388608.0f - 1.0f;
}

static void *
xmalloc(size_t size)
{
    void *p = malloc(size);

    if (!p) {
        fprintf(stderr, "qk256-bench: out of memory\n");
        exit(EXIT_FAILURE);
    }
    return p;
}

static uint8_t *
random_codes(size_t n)
{
    uint8_t *c = xmalloc(n);

    for (size_t i = 0; i < n; i++)
        c[i] = (uint8_t)(rng() & 3);
    return c;
}

static float *
random_floats(size_t n)
{
    float *f = xmalloc(n * sizeof *f);

    for (size_t i = 0; i < n; i++)
        f[i] = rng_float();
    return f;
}

/* Random codes packed with the public API: rows of cols weights each. */
static uint8_t *
random_packed(size_t rows, size_t cols)
{
    size_t rb = qk256_row_bytes(cols);
    uint8_t *codes = xmalloc(cols);
    uint8_t *p = xmalloc(rows * rb);

    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < cols; c++)
            codes[c] = (uint8_t)(rng() & 3);
        if (qk256_pack(p + r * rb, codes, cols) != QK256_OK) {
            fprintf(stderr, "qk256-bench: qk256_pack failed\n");
            exit(EXIT_FAILURE);
        }
    }
    free(codes);
    return p;
}

static void
data_init(struct bench_data *d)
{
    d->codes = random_codes(CODEC_N);
    d->packed = random_packed(1, CODEC_N);
    d->weights = random_packed(GEMV_ROWS, GEMV_COLS);
    d->out_codes = xmalloc(CODEC_N);
    d->out_packed = xmalloc(qk256_row_bytes(CODEC_N));
    d->floats = random_floats(CODEC_N);
    d->scales = random_floats(qk256_blocks(DEQUANT_N));
    d->x = random_floats(GEMV_COLS);
    d->y = xmalloc(GEMV_ROWS * sizeof *d->y);
    d->out_floats = xmalloc(DEQUANT_N * sizeof *d->out_floats);
    d->out_scales = xmalloc(qk256_blocks(CODEC_N) * sizeof *d->out_scales);
}

static void
data_free(struct bench_data *d)
{
    free(d->codes);
    free(d->packed);
    free(d->weights);
    free(d->out_codes);
    free(d->out_packed);
    free(d->floats);
    free(d->scales);
    free(d->x);
    free(d->y);
    free(d->out_floats);
    free(d->out_scales);
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Nanoseconds that reps calls of op with the variant impl take.  The loop
 * runs inside each case, so that the choice of op is not timed. */
static double
time_calls(const struct qk256_impl *impl, enum op op, struct bench_data *d,
           size_t reps)
{
    double t0 = now_ns();

    switch (op) {
    case OP_DEQUANTIZE:
        for (size_t i = 0; i < reps; i++)
            impl->dequantize(d->out_floats, d->packed, d->scales, DEQUANT_N);
        sink = d->out_floats[DEQUANT_N - 1];
        break;
    case OP_GEMV:
        for (size_t i = 0; i < reps; i++)
            impl->gemv(d->y, d->weights, qk256_row_bytes(GEMV_COLS), d->x,
                       GEMV_ROWS, GEMV_COLS);
        sink = d->y[GEMV_ROWS - 1];
        break;
    case OP_PACK:
        for (size_t i = 0; i < reps; i++)
            impl->pack(d->out_packed, d->codes, CODEC_N);
        sink = d->out_packed[0];
        break;
    case OP_UNPACK:
        for (size_t i = 0; i < reps; i++)
            impl->unpack(d->out_codes, d->packed, CODEC_N);
        sink = d->out_codes[CODEC_N - 1];
        break;
    case OP_QUANTIZE:
        for (size_t i = 0; i < reps; i++)
            impl->quantize(d->out_packed, d->out_scales, d->floats, CODEC_N);
        sink = d->out_scales[0];
        break;
    default:
        break;
    }
    return now_ns() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Median and minimum nanoseconds per call of op. */
static void
measure(const struct qk256_impl *impl, enum op op, struct bench_data *d,
        double *median, double *min)
{
    double per_call[SAMPLES];
    size_t reps = 1;

    /* Warm up (caches, clocks), and find reps for one sample meanwhile. */
    for (double spent = 0.0; spent < WARMUP_NS;) {
        double t = time_calls(impl, op, d, reps);

        spent += t;
        if (t < SAMPLE_NS)
            reps *= 2;
    }
    for (int s = 0; s < SAMPLES; s++)
        per_call[s] = time_calls(impl, op, d, reps) / (double)reps;

    qsort(per_call, SAMPLES, sizeof per_call[0], cmp_double);
    *median = per_call[SAMPLES / 2];
    *min = per_call[0];
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: qk256-bench [--help]\n"
            "\n"
            "Times every libqk256 kernel variant that this CPU can run\n"
            "(dequantize n=%d, gemv %dx%d, pack, unpack and quantize\n"
            "n=%d) and prints the median and minimum time per call over\n"
            "%d samples, the throughput in Gelem/s at the median, and the\n"
            "speedup over the scalar variant.\n",
            DEQUANT_N, GEMV_ROWS, GEMV_COLS, CODEC_N, SAMPLES);
}

int
main(int argc, char **argv)
{
    struct bench_data d;

    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return EXIT_SUCCESS;
    }
    if (argc != 1) {
        usage(stderr);
        return EXIT_FAILURE;
    }

    data_init(&d);
    printf("bound variant: %s\n\n", qk256_implementation());
    printf("%-10s  %-9s  %-7s  %12s  %12s  %8s  %7s\n", "op", "shape",
           "variant", "median ns", "min ns", "Gelem/s", "speedup");

    for (int op = 0; op < OP_COUNT; op++) {
        double scalar_median = 0.0;

        for (size_t i = 0; i < qk256_nimpls; i++) {
            const struct qk256_impl *impl = &qk256_impls[i];
            double median, min;

            if (!qk256_isa_usable(impl->isa))
                continue;
            measure(impl, (enum op)op, &d, &median, &min);
            if (impl->isa == QK256_ISA_SCALAR)
                scalar_median = median;

            printf("%-10s  %-9s  %-7s  %12.1f  %12.1f  %8.2f", ops[op].name,
                   ops[op].shape, impl->name, median, min, ops[op].elems / median);
            if (scalar_median > 0.0)
                printf("  %6.2fx\n", scalar_median / median);
            else
                printf("  %7s\n", "-");
        }
    }

    data_free(&d);
    return EXIT_SUCCESS;
}
