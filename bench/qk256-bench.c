/* bench/qk256-bench.c -- measure libqk256 on this machine
 * SPDX-License-Identifier: MIT
 *
 * One row per operation and implementation: the plain scalar reference
 * (bench/reference.c) and every variant of the library that this CPU can
 * run, each called through the public API.  The bound variant runs in this
 * process; on x86 every other variant runs in a copy of this program
 * started with the GLIBC_TUNABLES mask that makes the loader bind it (SPEC
 * section 5), which reports its figures back through a pipe.  So each row
 * is what a program that links the library would get on a CPU with that
 * variant.  On arm64 nothing makes the loader bind another variant than
 * the best one the CPU has, so only that one runs, and the output says
 * how to measure the others (under qemu-user, one run per QEMU_CPU).
 *
 * Method, per row: the same inputs (random, fixed seed) and buffers for
 * every call, so caches are hot (except --model, whose 521 MB of weights
 * stream from DRAM), packed data --align bytes past a cache line
 * (xmalloc_lines) and every other buffer on one; a warm-up of at least
 * WARMUP_NS and one call; then up to --samples samples on
 * CLOCK_MONOTONIC, each a run of back-to-back calls that lasts at least
 * SAMPLE_NS, fewer samples (never under MIN_SAMPLES)
 * once a row has taken ROW_BUDGET_NS.  Times are per call: the median, min
 * and max over the samples.  Every output is compared with the reference's
 * before its row counts (bitwise, the int8 operations too; the f32 GEMV
 * and GEMM within a tolerance), and a mismatch makes the exit status 1.
 * The model's batch passes (--batch) run without the reference, whose
 * time would be N times its one-token pass.
 *
 * A GEMM row (gemm, gemm_i8) also times the same implementation's GEMV of
 * its ROWSxCOLS, on the GEMM's own weights and first activation vector,
 * one GEMV sample after each GEMM sample, and its time per result column
 * is held against that GEMV's median ("per column vs gemv").  Two rows
 * timed one after the other would each catch a different slow spell of a
 * shared machine; samples taken alternately catch the same ones.  The
 * GEMV's own row keeps the figures it measured itself.
 *
 * Roofs: the parent measures what this machine allows, once, and prints
 * each row also as a fraction of its roof.  The read roof of a row that
 * reads packed weights is a read of those same weights with no arithmetic
 * (the row's buffers, in whole cache lines, in the row's order, split
 * over the same --threads), with the widest loads that the CPU has; it is
 * timed as one more column of the row's interleaved samples, so it sees
 * the row's cache state.  The model's passes share one such read of their
 * 521 MB, matrix after matrix, timed in the row of the int8 one-token
 * pass, the one that comes nearest to it.  The compute peaks are per
 * variant, of the ISA it is built for (x86-64 only): int8 multiply-
 * accumulates per second (vpdpbusd zmm for avx512, 64 per instruction;
 * vpmaddubsw ymm for avx2, which has no VNNI, 32) and f32 FMAs per second
 * (zmm or ymm: 16 or 8 per instruction), each from PEAK_CHAINS independent
 * chains on --threads threads, the best of PEAK_REPEATS runs of about
 * PEAK_NS at the start of the run and as many at its end.  A GEMM of ROWSxCOLSxN does ROWS * COLS * N of them.  A GEMM
 * row's roof is the one of its two that binds it: the larger fraction.
 * The reference and the scalar variant have no compute peak.  Children
 * measure no roofs; the parent applies its own to their rows when it
 * prints them.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, fdopen, setenv */

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "qk256.h"
#include "reference.h"

/* The roofs' loops use the x86 variants' vector ISAs through intrinsics,
 * in functions that carry their own target attributes. */
#if QK256_ARCH_X86
# include <immintrin.h>
#endif
/* The compute peaks need 12 vector accumulators and two inputs in
 * registers: x86-64 has 16 ymm and 32 zmm registers, i386 only 8, where
 * the chains would spill and understate the peak.  So peaks are measured
 * on x86-64 only; everywhere else the roofs are the read alone. */
#if QK256_ARCH_X86 && defined(__x86_64__)
# define HAVE_PEAKS 1
#else
# define HAVE_PEAKS 0
#endif

#define DEFAULT_SAMPLES 31
#define MIN_SAMPLES 3
#define SAMPLE_NS 50e3     /* shortest timed sample */
#define WARMUP_NS 20e6     /* calls before sampling starts */
#define ROW_BUDGET_NS 2e9  /* time after which a row stops at MIN_SAMPLES */
#define PROGRESS_AFTER_NS 1e9
#define MAX_ELEMS ((size_t)1 << 31) /* per operand, to keep sizes sane */
#define MAX_THREADS 256
#define MAX_IMPLS 8        /* the reference and the variants */
#define ROOF_WARMUP_NS 2e6 /* the read roof's warm-up: the row's own calls
                              have warmed the caches and the clock */
#define PEAK_CHAINS 12     /* independent accumulators of a peak loop: more
                              than latency times throughput of any of them */
#define PEAK_NS 2e6        /* one run of a peak loop */
#define PEAK_REPEATS 5

/* ---- what to run -------------------------------------------------------- */

/* The operations one names on the command line come before OP_MODEL; the
 * model's two token passes (f32 and int8 activations) come from --model,
 * its two batch passes from --batch. */
enum op {
    OP_DEQUANT, OP_GEMV, OP_PACK, OP_UNPACK, OP_QUANTIZE, OP_GEMV_I8,
    OP_QUANTIZE_I8, OP_GEMM, OP_GEMM_I8, OP_MODEL, OP_MODEL_I8,
    OP_MODEL_BATCH, OP_MODEL_BATCH_I8
};

static const char *const op_names[] = {
    [OP_DEQUANT] = "dequant", [OP_GEMV] = "gemv", [OP_PACK] = "pack",
    [OP_UNPACK] = "unpack", [OP_QUANTIZE] = "quantize",
    [OP_GEMV_I8] = "gemv_i8", [OP_QUANTIZE_I8] = "quantize_i8",
    [OP_GEMM] = "gemm", [OP_GEMM_I8] = "gemm_i8",
    [OP_MODEL] = "model", [OP_MODEL_I8] = "model_i8",
    [OP_MODEL_BATCH] = "model_batch", [OP_MODEL_BATCH_I8] = "model_batch_i8",
};

static int
is_model(enum op op)
{
    return op >= OP_MODEL;
}

/* The model's batch passes: measured without the reference. */
static int
is_batch(enum op op)
{
    return op == OP_MODEL_BATCH || op == OP_MODEL_BATCH_I8;
}

/* Whether the operation's calls are GEMMs, of job.n vectors each. */
static int
is_gemm(enum op op)
{
    return op == OP_GEMM || op == OP_GEMM_I8 || is_batch(op);
}

/* Whether the operation's calls are GEMVs or GEMMs, which --threads splits. */
static int
splits_rows(enum op op)
{
    return op == OP_GEMV || op == OP_GEMV_I8 || op == OP_GEMM ||
           op == OP_GEMM_I8 || is_model(op);
}

/* What a GEMM's time per vector is held against: the GEMV of the same
 * ROWSxCOLS and activations, or for a batch pass, the one-token pass. */
static enum op
base_op(enum op op)
{
    switch (op) {
    case OP_GEMM_I8:
        return OP_GEMV_I8;
    case OP_MODEL_BATCH:
        return OP_MODEL;
    case OP_MODEL_BATCH_I8:
        return OP_MODEL_I8;
    default:
        return OP_GEMV;
    }
}

struct job {
    enum op op;
    size_t rows, cols; /* 1 x n for the one-dimensional operations */
    size_t n;          /* gemm(_i8): activation vectors per call; model
                          jobs: the --batch N (1 without), all of which the
                          batch passes take and the first of which the
                          one-token passes take; else 1 */
    char shape[40];
    double elems;        /* weights per call (quantize_i8: floats; a GEMM:
                            weights times vectors, a weight used once per
                            vector, as in N GEMVs) */
    double weight_bytes; /* packed weight bytes one call reads (pack and
                            quantize: writes; quantize_i8, which has no
                            weights: the int8 bytes it writes) */
};

/* The linear layers of one token of BitNet b1.58 2B: LAYERS times these.
 * q, k and v take the same input vector, and so do gate and up, so an
 * int8 runtime quantizes 4 vectors per layer: those of the matrices with
 * new_input set. */
static const struct matrix {
    /* The layer's name, for the reader: nothing prints it. */
    /* cppcheck-suppress unusedStructMember */
    const char *name;
    size_t rows, cols;
    int new_input;
} bitnet_2b[] = {
    { "q", 2560, 2560, 1 },    { "k", 640, 2560, 0 },
    { "v", 640, 2560, 0 },     { "o", 2560, 2560, 1 },
    { "gate", 6912, 2560, 1 }, { "up", 6912, 2560, 0 },
    { "down", 2560, 6912, 1 },
};
#define BITNET_2B_LAYERS 30
#define BITNET_2B_MAX_DIM 6912 /* the most rows or cols of a matrix */
#define BITNET_2B_MATRICES (sizeof bitnet_2b / sizeof bitnet_2b[0])

/* qk256_quantize_i8 calls in one token of the int8 pass. */
static size_t
bitnet_2b_quantizes(void)
{
    size_t n = 0;

    for (size_t m = 0; m < BITNET_2B_MATRICES; m++)
        n += bitnet_2b[m].new_input != 0;
    return BITNET_2B_LAYERS * n;
}

/* Fills in j->elems and j->weight_bytes: one matrix, or the model's. */
static void
job_sizes(struct job *j)
{
    size_t nmat = is_model(j->op) ? BITNET_2B_MATRICES : 1;
    double reps = is_model(j->op) ? BITNET_2B_LAYERS : 1;
    double vecs = is_gemm(j->op) ? (double)j->n : 1.0;

    j->elems = j->weight_bytes = 0.0;
    for (size_t m = 0; m < nmat; m++) {
        size_t rows = is_model(j->op) ? bitnet_2b[m].rows : j->rows;
        size_t cols = is_model(j->op) ? bitnet_2b[m].cols : j->cols;

        j->elems += reps * vecs * (double)rows * (double)cols;
        j->weight_bytes += reps * (double)rows * (double)qk256_row_bytes(cols);
    }
    if (j->op == OP_QUANTIZE_I8)
        j->weight_bytes = (double)j->cols;
}

/* Run with no operations: the shapes of the targets in the README. */
static const char *const default_ops[] = {
    "dequant",  "64",        "dequant", "256",       "dequant", "1024",
    "dequant",  "4096",      "dequant", "16384",     "gemv",    "8x256",
    "gemv",     "2560x2560", "gemv",    "2560x6912", "gemm",    "2560x2560x8",
    "pack",     "4096",      "unpack",  "4096",      "quantize", "4096",
    "gemv_i8",  "8x256",     "gemv_i8", "2560x2560", "gemv_i8", "2560x6912",
    "gemm_i8",  "2560x2560x8", "quantize_i8", "2560",
};

struct options {
    size_t samples, threads;
    size_t batch;       /* --batch N, or 0 */
    int json;
    const char *child;  /* --as-child VARIANT: measure it, report on stdout */
    const char *only;   /* --variants LIST, or NULL for all */
    double t0;          /* when the whole run started, for the progress line */
    int argc;           /* of main, passed on to children */
};

/* An implementation: the public API, or the reference in its shape. */
struct api {
    const char *name;
    int (*pack)(uint8_t *, const uint8_t *, size_t);
    int (*unpack)(uint8_t *, const uint8_t *, size_t);
    int (*dequantize)(float *, const uint8_t *, const float *, size_t);
    int (*gemv)(float *, const uint8_t *, size_t, const float *, size_t, size_t);
    int (*quantize)(uint8_t *, float *, const float *, size_t);
    int (*quantize_i8)(int8_t *, float *, const float *, size_t);
    int (*gemv_i8)(float *, const uint8_t *, size_t, const int8_t *, float,
                   size_t, size_t);
    int (*gemm)(float *, size_t, const uint8_t *, size_t, const float *,
                size_t, size_t, size_t, size_t);
    int (*gemm_i8)(float *, size_t, const uint8_t *, size_t, const int8_t *,
                   size_t, const float *, size_t, size_t, size_t);
};

static const struct api reference_api = {
    "reference", ref_pack, ref_unpack, ref_dequantize, ref_gemv, ref_quantize,
    ref_quantize_i8, ref_gemv_i8, ref_gemm, ref_gemm_i8,
};

/* The bound variant; name is filled in from qk256_implementation(). */
static struct api library_api = {
    NULL, qk256_pack, qk256_unpack, qk256_dequantize, qk256_gemv, qk256_quantize,
    qk256_quantize_i8, qk256_gemv_i8, qk256_gemm, qk256_gemm_i8,
};

struct stats {
    int valid;   /* measured */
    int ok;      /* outputs matched the reference */
    double median, min, max; /* ns per call */
    size_t samples, calls;   /* samples taken, calls per sample */
    double ref_median;       /* of the reference, interleaved with this; 0
                                where it did not run (the batch passes) */
    double base_median;      /* gemm, gemm_i8: of the same implementation's
                                GEMV of ROWSxCOLS, interleaved with this
                                (measure_pair); 0 elsewhere */
};

/* ---- small helpers ------------------------------------------------------ */

static void
die(const char *fmt, const char *arg)
{
    fprintf(stderr, "qk256-bench: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        die("out of memory%s", "");
    return p;
}

/* Packed weights start --align bytes past a cache line: 0 by default, as
 * posix_memalign(64) and the 64-byte alignment of some model files put
 * them; malloc puts large blocks 16 past a line, GGUF files tensors on 32
 * bytes.  SPEC section 3: no alignment may cost much speed, and --align is
 * how the bench shows it.  free_lines frees what this returns. */
static size_t align_offset;

static void *
xmalloc_lines(size_t size)
{
    void *p;

    /* A line of slack after the data, which the read roof's whole lines
     * (read_weights) may reach. */
    if (posix_memalign(&p, 64, size + align_offset + 64) != 0)
        die("out of memory%s", "");
    return (uint8_t *)p + align_offset;
}

/* Everything else, activations and outputs, starts on a cache line, as a
 * runtime's buffers would, so that only the weights move with --align
 * (malloc's placement would vary with the sizes of what came before:
 * dequant's output stores each span two lines at 16 bytes past one, and
 * cost 1.4 times as much). */
static void *
xmalloc_aligned(size_t size)
{
    void *p;

    if (posix_memalign(&p, 64, size ? size : 1) != 0)
        die("out of memory%s", "");
    return p;
}

static void
free_lines(void *p)
{
    if (p)
        free((uint8_t *)p - align_offset);
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng_state;

/* splitmix64; every job reseeds, so its inputs do not depend on the others */
static uint64_t
rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void
random_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rng();

        memcpy(p + i, &v, n - i < 8 ? n - i : 8);
    }
}

/* n floats uniform in [-1, 1) */
static float *
random_floats(size_t n)
{
    float *f = xmalloc_aligned(n * sizeof *f);

    for (size_t i = 0; i < n; i++)
        f[i] = (float)(rng() >> 40) / 8388608.0f - 1.0f;
    return f;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* "12.3 ns", "4.56 us", "7.89 ms", "1.23 s" */
static const char *
fmt_time(char *buf, size_t size, double ns)
{
    if (ns < 1e3)
        snprintf(buf, size, "%.1f ns", ns);
    else if (ns < 1e6)
        snprintf(buf, size, "%.2f us", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, size, "%.2f ms", ns / 1e6);
    else
        snprintf(buf, size, "%.2f s", ns / 1e9);
    return buf;
}

/* "64 B", "16.4 kB", "1.64 MB", "521 MB": decimal, as GB/s is */
static const char *
fmt_bytes(char *buf, size_t size, double bytes)
{
    if (bytes < 1e3)
        snprintf(buf, size, "%.0f B", bytes);
    else if (bytes < 1e6)
        snprintf(buf, size, "%.1f kB", bytes / 1e3);
    else
        snprintf(buf, size, "%.*f MB", bytes < 1e8 ? 2 : 0, bytes / 1e6);
    return buf;
}

/* ---- the progress line ----------------------------------------------------
 * On stderr, only when it is a terminal and the run (parent and children
 * together) has lasted PROGRESS_AFTER_NS; erased before results print. */
static int progress_shown;

static void
progress(const struct options *o, const char *impl, const struct job *j)
{
    if (!isatty(STDERR_FILENO) || now_ns() - o->t0 < PROGRESS_AFTER_NS)
        return;
    fprintf(stderr, "\r\033[Kqk256-bench: %s %s %s ...", op_names[j->op],
            j->shape, impl);
    fflush(stderr);
    progress_shown = 1;
}

static void
progress_done(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
}

/* ---- threads: row bands of one GEMV or GEMM --------------------------------
 * --threads N starts N - 1 workers for a row; the calling thread takes band
 * 0.  A call hands out the bands by bumping gen and waits for pending to
 * reach 0; workers spin (then yield) between calls, since a token is 210
 * GEMVs of well under a millisecond each. */

/* A GEMV when n is 0, else a GEMM of n vectors (x or xq + j * ldx, y + j *
 * ldy, scales[j]); f32 when xq is NULL, else int8 (x is then unused). */
struct gemv_call {
    const struct api *api;
    float *y;
    const uint8_t *w;
    size_t stride;
    const float *x;
    const int8_t *xq;
    float scale;
    size_t rows, cols;
    size_t n, ldx, ldy;
    const float *scales;
};

struct pool {
    size_t n;
    pthread_t *tids;
    struct worker { struct pool *pool; size_t index; } *workers;
    struct gemv_call call;
    unsigned gen, pending;
    int quit, failed;
};

static void
cpu_relax(unsigned *spins)
{
    if (++*spins > (1u << 16)) {
        sched_yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* First row of band i of n; bands start at multiples of 4 rows, which the
 * kernels take four at a time. */
static size_t
band_start(size_t rows, size_t n, size_t i)
{
    size_t r = (size_t)((double)rows * (double)i / (double)n);

    r = (r + 3) & ~(size_t)3;
    return i == n || r > rows ? rows : r;
}

/* Rows [r0, r1) of the call. */
static int
gemv_rows(const struct gemv_call *c, size_t r0, size_t r1)
{
    if (c->n && c->xq)
        return c->api->gemm_i8(c->y + r0, c->ldy, c->w + r0 * c->stride,
                               c->stride, c->xq, c->ldx, c->scales, r1 - r0,
                               c->cols, c->n);
    if (c->n)
        return c->api->gemm(c->y + r0, c->ldy, c->w + r0 * c->stride,
                            c->stride, c->x, c->ldx, r1 - r0, c->cols, c->n);
    if (c->xq)
        return c->api->gemv_i8(c->y + r0, c->w + r0 * c->stride, c->stride,
                               c->xq, c->scale, r1 - r0, c->cols);
    return c->api->gemv(c->y + r0, c->w + r0 * c->stride, c->stride, c->x,
                        r1 - r0, c->cols);
}

static void
run_band(struct pool *p, size_t i)
{
    const struct gemv_call *c = &p->call;
    size_t r0 = band_start(c->rows, p->n, i), r1 = band_start(c->rows, p->n, i + 1);

    if (r1 > r0 && gemv_rows(c, r0, r1) != QK256_OK)
        __atomic_store_n(&p->failed, 1, __ATOMIC_RELAXED);
}

static void *
worker_main(void *arg)
{
    struct worker *wk = arg;
    struct pool *p = wk->pool;
    unsigned seen = 0;

    for (;;) {
        unsigned spins = 0, g;

        while ((g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE)) == seen)
            cpu_relax(&spins);
        seen = g;
        if (__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
            return NULL;
        run_band(p, wk->index);
        __atomic_sub_fetch(&p->pending, 1, __ATOMIC_RELEASE);
    }
}

static struct pool *
pool_start(size_t n)
{
    struct pool *p;

    if (n < 2)
        return NULL;
    p = xmalloc(sizeof *p);
    memset(p, 0, sizeof *p);
    p->n = n;
    p->tids = xmalloc(n * sizeof *p->tids);
    p->workers = xmalloc(n * sizeof *p->workers);
    for (size_t i = 1; i < n; i++) {
        p->workers[i].pool = p;
        p->workers[i].index = i;
        if (pthread_create(&p->tids[i], NULL, worker_main, &p->workers[i]) != 0)
            die("cannot start a thread%s", "");
    }
    return p;
}

static void
pool_stop(struct pool *p)
{
    if (!p)
        return;
    __atomic_store_n(&p->quit, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);
    for (size_t i = 1; i < p->n; i++)
        pthread_join(p->tids[i], NULL);
    free(p->tids);
    free(p->workers);
    free(p);
}

/* One GEMV or GEMM, split over the pool's threads when there is a pool. */
static int
gemv(struct pool *p, const struct gemv_call *c)
{
    unsigned spins = 0;

    if (!p)
        return gemv_rows(c, 0, c->rows);
    p->call = *c;
    __atomic_store_n(&p->pending, (unsigned)(p->n - 1), __ATOMIC_RELAXED);
    __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);
    run_band(p, 0);
    while (__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) != 0)
        cpu_relax(&spins);
    return __atomic_load_n(&p->failed, __ATOMIC_RELAXED) ? -1 : QK256_OK;
}

/* ---- the data of one job ------------------------------------------------ */

struct data {
    size_t n, nbytes;          /* elements and packed bytes of a 1-D job */
    uint8_t *codes, *packed;   /* pack input; dequant and unpack input */
    float *floats, *scales;    /* quantize(_i8) input; dequant scales */
    uint8_t *out_bytes;        /* pack and quantize output: packed, or
                                  unpack output: codes, or quantize_i8
                                  output: xq */
    float *out_floats;         /* dequant output, quantize scales,
                                  quantize_i8 scale, gemv(_i8) y, gemm(_i8)
                                  y (ldy = rows) */
    size_t out_nbytes, out_nfloats;
    /* gemv(_i8), gemm(_i8): one matrix; model: every matrix of every layer */
    size_t nmat;
    uint8_t **w;
    size_t *rows, *cols;
    float *x;                  /* job.n vectors; a matrix takes them at
                                  ldx = its cols (a GEMV: the first cols) */
    int8_t *xq;                /* gemv_i8, gemm_i8: x quantized by the
                                  reference, vector by vector; model: the
                                  int8 passes quantize into it */
    float *xscales;            /* the scales of xq's vectors */
    /* the reference's outputs, for checking */
    uint8_t *want_bytes;
    float *want_floats;
};

static void
data_init(struct data *d, const struct job *j)
{
    memset(d, 0, sizeof *d);
    /* The model's two passes build the same data, so that sharing it
     * (run_job) changes nothing. */
    rng_state = 0x2545f4914f6cdd1du ^
                (uint64_t)(is_model(j->op) ? OP_MODEL : j->op) << 32 ^ j->rows ^
                j->cols << 20;
    d->n = j->cols;
    d->nbytes = qk256_row_bytes(j->cols);

    switch (j->op) {
    case OP_PACK:
        d->codes = xmalloc(d->n);
        for (size_t i = 0; i < d->n; i++)
            d->codes[i] = (uint8_t)(rng() & 3);
        d->out_nbytes = d->nbytes;
        break;
    case OP_UNPACK:
    case OP_DEQUANT:
        d->packed = xmalloc_lines(d->nbytes);
        random_bytes(d->packed, d->nbytes);
        if (j->op == OP_UNPACK) {
            d->out_nbytes = d->n;
        } else {
            d->scales = random_floats(qk256_blocks(d->n));
            d->out_nfloats = d->n;
        }
        break;
    case OP_QUANTIZE:
        d->floats = random_floats(d->n);
        d->out_nbytes = d->nbytes;
        d->out_nfloats = qk256_blocks(d->n);
        break;
    case OP_QUANTIZE_I8:
        d->floats = random_floats(d->n);
        d->out_nbytes = d->n;
        d->out_nfloats = 1;
        break;
    case OP_GEMV:
    case OP_GEMV_I8:
    case OP_GEMM:
    case OP_GEMM_I8:
    case OP_MODEL:
    case OP_MODEL_I8:
    case OP_MODEL_BATCH:
    case OP_MODEL_BATCH_I8: {
        int one = !is_model(j->op);
        size_t maxcols = 0, maxrows = 0;

        d->nmat = one ? 1 : BITNET_2B_LAYERS * BITNET_2B_MATRICES;
        d->w = xmalloc(d->nmat * sizeof *d->w);
        d->rows = xmalloc(d->nmat * sizeof *d->rows);
        d->cols = xmalloc(d->nmat * sizeof *d->cols);
        for (size_t m = 0; m < d->nmat; m++) {
            const struct matrix *mx = &bitnet_2b[m % BITNET_2B_MATRICES];

            d->rows[m] = one ? j->rows : mx->rows;
            d->cols[m] = one ? j->cols : mx->cols;
            d->w[m] = xmalloc_lines(d->rows[m] * qk256_row_bytes(d->cols[m]));
            random_bytes(d->w[m], d->rows[m] * qk256_row_bytes(d->cols[m]));
            if (d->cols[m] > maxcols)
                maxcols = d->cols[m];
            if (d->rows[m] > maxrows)
                maxrows = d->rows[m];
        }
        /* The first maxcols floats are those of one vector, so that the
         * one-token passes see the same x with or without --batch. */
        d->x = random_floats(maxcols * j->n);
        d->out_nfloats = maxrows * j->n;
        /* gemv_i8 and gemm_i8 time the GEMV or GEMM alone: x is quantized
         * once, here; the model's int8 passes quantize as part of the
         * pass. */
        if (j->op != OP_GEMV && j->op != OP_GEMM) {
            d->xq = xmalloc_aligned(maxcols * j->n);
            d->xscales = xmalloc(j->n * sizeof *d->xscales);
            memset(d->xscales, 0, j->n * sizeof *d->xscales);
        }
        if (j->op == OP_GEMV_I8 || j->op == OP_GEMM_I8)
            for (size_t v = 0; v < j->n; v++)
                ref_quantize_i8(d->xq + v * maxcols, &d->xscales[v],
                                d->x + v * maxcols, maxcols);
        break;
    }
    }
    d->out_bytes = xmalloc_aligned(d->out_nbytes);
    d->out_floats = xmalloc_aligned(d->out_nfloats * sizeof(float));
    d->want_bytes = xmalloc(d->out_nbytes);
    d->want_floats = xmalloc(d->out_nfloats * sizeof(float));
}

static void
data_free(struct data *d)
{
    for (size_t m = 0; m < d->nmat; m++)
        free_lines(d->w[m]);
    free(d->w);
    free(d->rows);
    free(d->cols);
    free(d->x);
    free(d->xq);
    free(d->xscales);
    free(d->codes);
    free_lines(d->packed);
    free(d->floats);
    free(d->scales);
    free(d->out_bytes);
    free(d->out_floats);
    free(d->want_bytes);
    free(d->want_floats);
}

/* ---- timing ------------------------------------------------------------- */

/* Nanoseconds that calls calls of the job's operation take with api, or a
 * negative number when a call fails.  Each case has its own loop, so that
 * only the calls are timed. */
static double
time_calls(const struct job *j, const struct api *api, struct data *d,
           struct pool *pool, size_t calls)
{
    int rc = 0;
    double t0 = now_ns();

    switch (j->op) {
    case OP_DEQUANT:
        for (size_t i = 0; i < calls; i++)
            rc |= api->dequantize(d->out_floats, d->packed, d->scales, d->n);
        break;
    case OP_PACK:
        for (size_t i = 0; i < calls; i++)
            rc |= api->pack(d->out_bytes, d->codes, d->n);
        break;
    case OP_UNPACK:
        for (size_t i = 0; i < calls; i++)
            rc |= api->unpack(d->out_bytes, d->packed, d->n);
        break;
    case OP_QUANTIZE:
        for (size_t i = 0; i < calls; i++)
            rc |= api->quantize(d->out_bytes, d->out_floats, d->floats, d->n);
        break;
    case OP_QUANTIZE_I8:
        for (size_t i = 0; i < calls; i++)
            rc |= api->quantize_i8((int8_t *)d->out_bytes, d->out_floats,
                                   d->floats, d->n);
        break;
    case OP_GEMV:
    case OP_MODEL:
        for (size_t i = 0; i < calls; i++) {
            for (size_t m = 0; m < d->nmat; m++) {
                struct gemv_call c = { api, d->out_floats, d->w[m],
                                       qk256_row_bytes(d->cols[m]), d->x,
                                       NULL, 0.0f, d->rows[m], d->cols[m],
                                       0, 0, 0, NULL };
                rc |= gemv(pool, &c);
            }
        }
        break;
    case OP_GEMV_I8:
    case OP_MODEL_I8:
        for (size_t i = 0; i < calls; i++) {
            float scale = d->xscales[0];

            for (size_t m = 0; m < d->nmat; m++) {
                /* A token of the int8 pass quantizes each new input vector
                 * on this thread, while the pool's workers wait: a runtime
                 * has to, before it hands out the GEMV's bands.  The time
                 * counts as the token's. */
                if (j->op == OP_MODEL_I8 &&
                    bitnet_2b[m % BITNET_2B_MATRICES].new_input)
                    rc |= api->quantize_i8(d->xq, &scale, d->x, d->cols[m]);

                struct gemv_call c = { api, d->out_floats, d->w[m],
                                       qk256_row_bytes(d->cols[m]), NULL,
                                       d->xq, scale, d->rows[m], d->cols[m],
                                       0, 0, 0, NULL };
                rc |= gemv(pool, &c);
            }
        }
        break;
    /* The GEMMs take the job's n vectors at ldx = cols, their results at
     * ldy = rows. */
    case OP_GEMM:
    case OP_MODEL_BATCH:
        for (size_t i = 0; i < calls; i++) {
            for (size_t m = 0; m < d->nmat; m++) {
                struct gemv_call c = { api, d->out_floats, d->w[m],
                                       qk256_row_bytes(d->cols[m]), d->x,
                                       NULL, 0.0f, d->rows[m], d->cols[m],
                                       j->n, d->cols[m], d->rows[m], NULL };
                rc |= gemv(pool, &c);
            }
        }
        break;
    case OP_GEMM_I8:
    case OP_MODEL_BATCH_I8:
        for (size_t i = 0; i < calls; i++) {
            for (size_t m = 0; m < d->nmat; m++) {
                size_t cols = d->cols[m];

                /* As in the one-token pass, each of the n vectors of a new
                 * input is quantized on this thread, in the pass's time. */
                if (j->op == OP_MODEL_BATCH_I8 &&
                    bitnet_2b[m % BITNET_2B_MATRICES].new_input)
                    for (size_t v = 0; v < j->n; v++)
                        rc |= api->quantize_i8(d->xq + v * cols,
                                               &d->xscales[v],
                                               d->x + v * cols, cols);

                struct gemv_call c = { api, d->out_floats, d->w[m],
                                       qk256_row_bytes(cols), NULL, d->xq,
                                       0.0f, d->rows[m], cols, j->n, cols,
                                       d->rows[m], d->xscales };
                rc |= gemv(pool, &c);
            }
        }
        break;
    }

    double t = now_ns() - t0;
    return rc != 0 ? -1.0 : t;
}

/* Whether the last call's outputs are the reference's (d->want_*): bitwise,
 * except an f32 GEMV or GEMM row, which may differ by 1e-3 of 2 sum |x| (>=
 * sum |w x|), more than the reference's own f32 rounding, far less than a
 * wrong result.  The int8 path is exact, so gemv_i8 and gemm_i8 are held to
 * bitwise equality (SPEC section 4).  A model's outputs are not checked: its
 * calls are those of the gemv, gemv_i8, gemm, gemm_i8 and quantize_i8
 * operations. */
static int
outputs_match(const struct job *j, const struct data *d)
{
    if (is_model(j->op))
        return 1;
    if (j->op == OP_GEMV || j->op == OP_GEMM) {
        for (size_t v = 0; v < j->n; v++) {
            const float *x = d->x + v * j->cols;
            const float *y = d->out_floats + v * j->rows;
            const float *want = d->want_floats + v * j->rows;
            double abs_sum2 = 0.0;

            for (size_t c = 0; c < j->cols; c++)
                abs_sum2 += 2.0 * fabs((double)x[c]);
            for (size_t r = 0; r < j->rows; r++) {
                double diff = fabs((double)y[r] - (double)want[r]);

                if (!(diff <= 1e-3 * fmax(1.0, abs_sum2)))
                    return 0;
            }
        }
        return 1;
    }
    return memcmp(d->out_bytes, d->want_bytes, d->out_nbytes) == 0 &&
           memcmp(d->out_floats, d->want_floats, d->out_nfloats * sizeof(float)) == 0;
}

/* ---- roofs ----------------------------------------------------------------
 * The read roof: read_api stands in for the library in a row's own calls
 * (time_calls, and through gemv() the same row bands on the same threads),
 * but only reads the packed weights that each call would read, and folds
 * them with OR so that no load can be left out.  Its operations that read
 * no weights do nothing. */

/* The loop that reads, chosen by choose_read(): the widest loads that the
 * CPU has, eight per iteration into four accumulators, so that the loads
 * and not the loop bound it. */
static uint64_t read_c(const uint8_t *p, size_t n);
static uint64_t (*read_fn)(const uint8_t *, size_t) = read_c;
static const char *read_loads = "plain C 8-byte loads";

static uint64_t
read_c(const uint8_t *p, size_t n)
{
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t i = 0;

    for (; i + 64 <= n; i += 64) {
        uint64_t v[8];

        memcpy(v, p + i, sizeof v);
        a0 |= v[0] | v[4];
        a1 |= v[1] | v[5];
        a2 |= v[2] | v[6];
        a3 |= v[3] | v[7];
    }
    for (; i < n; i++)
        a0 |= p[i];
    return a0 | a1 | a2 | a3;
}

#if QK256_ARCH_X86
__attribute__((target("avx2"))) static uint64_t
read_avx2(const uint8_t *p, size_t n)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    uint64_t out[4], r = 0;
    size_t i = 0;

    for (; i + 256 <= n; i += 256) {
        const __m256i *q = (const __m256i *)(const void *)(p + i);

        a0 = _mm256_or_si256(a0, _mm256_loadu_si256(q));
        a1 = _mm256_or_si256(a1, _mm256_loadu_si256(q + 1));
        a2 = _mm256_or_si256(a2, _mm256_loadu_si256(q + 2));
        a3 = _mm256_or_si256(a3, _mm256_loadu_si256(q + 3));
        a0 = _mm256_or_si256(a0, _mm256_loadu_si256(q + 4));
        a1 = _mm256_or_si256(a1, _mm256_loadu_si256(q + 5));
        a2 = _mm256_or_si256(a2, _mm256_loadu_si256(q + 6));
        a3 = _mm256_or_si256(a3, _mm256_loadu_si256(q + 7));
    }
    for (; i + 32 <= n; i += 32)
        a0 = _mm256_or_si256(a0, _mm256_loadu_si256((const void *)(p + i)));
    a0 = _mm256_or_si256(_mm256_or_si256(a0, a1), _mm256_or_si256(a2, a3));
    _mm256_storeu_si256((void *)out, a0);
    for (; i < n; i++)
        r |= p[i];
    return r | out[0] | out[1] | out[2] | out[3];
}

__attribute__((target("avx512f"))) static uint64_t
read_avx512(const uint8_t *p, size_t n)
{
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    uint64_t out[8], r = 0;
    size_t i = 0;

    /* Each accumulator takes two loads at once, in a three-way OR
     * (vpternlogq 0xfe): written as two ORs, gcc 12 merges them itself
     * but copies registers around the loop. */
    for (; i + 512 <= n; i += 512) {
        const uint8_t *q = p + i;

        a0 = _mm512_ternarylogic_epi64(a0, _mm512_loadu_si512(q),
                                       _mm512_loadu_si512(q + 256), 0xfe);
        a1 = _mm512_ternarylogic_epi64(a1, _mm512_loadu_si512(q + 64),
                                       _mm512_loadu_si512(q + 320), 0xfe);
        a2 = _mm512_ternarylogic_epi64(a2, _mm512_loadu_si512(q + 128),
                                       _mm512_loadu_si512(q + 384), 0xfe);
        a3 = _mm512_ternarylogic_epi64(a3, _mm512_loadu_si512(q + 192),
                                       _mm512_loadu_si512(q + 448), 0xfe);
    }
    for (; i + 64 <= n; i += 64)
        a0 = _mm512_or_si512(a0, _mm512_loadu_si512(p + i));
    a0 = _mm512_or_si512(_mm512_or_si512(a0, a1), _mm512_or_si512(a2, a3));
    _mm512_storeu_si512(out, a0);
    for (; i < n; i++)
        r |= p[i];
    for (int k = 0; k < 8; k++)
        r |= out[k];
    return r;
}
#endif

/* The read loop for this CPU, as GLIBC_TUNABLES leaves it (the ISAs of
 * the variants that it can run). */
static void
choose_read(void)
{
#if QK256_ARCH_X86
    if (qk256_isa_usable(QK256_ISA_AVX512)) {
        read_fn = read_avx512;
        read_loads = "AVX-512 64-byte loads";
    } else if (qk256_isa_usable(QK256_ISA_AVX2)) {
        read_fn = read_avx2;
        read_loads = "AVX2 32-byte loads";
    }
#endif
}

/* The read loop over the n bytes at p, in the whole cache lines that hold
 * them: the roof is what memory gives, at any --align (xmalloc_lines
 * leaves the slack that the last line may reach). */
static uint64_t
read_weights(const uint8_t *p, size_t n)
{
    size_t a = (uintptr_t)p % 64;

    return read_fn(p - a, (a + n + 63) / 64 * 64);
}

/* The bytes of a matrix: its rows at row_stride, the last one whole
 * blocks (SPEC section 3). */
static size_t
read_span(size_t row_stride, size_t rows, size_t cols)
{
    return (rows - 1) * row_stride + qk256_row_bytes(cols);
}

/* Each stores one bit of the fold in its output, which keeps the read. */
static int
read_dequantize(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    (void)scales;
    dst[0] = (float)(read_weights(src, qk256_row_bytes(n)) & 1);
    return QK256_OK;
}

static int
read_unpack(uint8_t *codes, const uint8_t *src, size_t n)
{
    codes[0] = (uint8_t)(read_weights(src, qk256_row_bytes(n)) & 1);
    return QK256_OK;
}

static int
read_gemv(float *y, const uint8_t *w, size_t row_stride, const float *x,
          size_t rows, size_t cols)
{
    (void)x;
    y[0] = (float)(read_weights(w, read_span(row_stride, rows, cols)) & 1);
    return QK256_OK;
}

static int
read_gemv_i8(float *y, const uint8_t *w, size_t row_stride, const int8_t *xq,
             float scale, size_t rows, size_t cols)
{
    (void)xq;
    (void)scale;
    y[0] = (float)(read_weights(w, read_span(row_stride, rows, cols)) & 1);
    return QK256_OK;
}

static int
read_gemm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
          const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    (void)ldy;
    (void)x;
    (void)ldx;
    (void)n;
    y[0] = (float)(read_weights(w, read_span(row_stride, rows, cols)) & 1);
    return QK256_OK;
}

static int
read_gemm_i8(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
             const int8_t *xq, size_t ldx, const float *scales, size_t rows,
             size_t cols, size_t n)
{
    (void)ldy;
    (void)xq;
    (void)ldx;
    (void)scales;
    (void)n;
    y[0] = (float)(read_weights(w, read_span(row_stride, rows, cols)) & 1);
    return QK256_OK;
}

/* The int8 passes quantize their activations; the roof reads weights. */
static int
read_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n)
{
    (void)xq;
    (void)scale;
    (void)x;
    (void)n;
    return QK256_OK;
}

/* pack and quantize read no packed weights and have no read roof
 * (has_read_roof), so they are never called. */
static const struct api read_api = {
    "read", NULL, read_unpack, read_dequantize, read_gemv, NULL,
    read_quantize_i8, read_gemv_i8, read_gemm, read_gemm_i8,
};

/* Whether the operation reads packed weights, and so has a read roof. */
static int
has_read_roof(enum op op)
{
    return op == OP_DEQUANT || op == OP_UNPACK || op == OP_GEMV ||
           op == OP_GEMV_I8 || op == OP_GEMM || op == OP_GEMM_I8 || is_model(op);
}

/* Whether the GEMM-shaped operation takes int8 activations (its peak is
 * the int8 MAC peak) rather than f32 ones (the f32 FMA peak). */
static int
is_int8_gemm(enum op op)
{
    return op == OP_GEMM_I8 || op == OP_MODEL_BATCH_I8;
}

/* The compute peaks of each variant's ISA, in G operations per second (0
 * where not measured): int8 multiply-accumulates, f32 FMAs. */
struct roofs {
    size_t threads;
    double mac_g[QK256_ISA_COUNT], fma_g[QK256_ISA_COUNT];
};

/* How a variant's peaks are measured: the instruction of each and how many
 * multiply-accumulates (or FMAs) one does; mac and fma run the loop of it
 * for a number of iterations, each of PEAK_CHAINS instructions. */
struct peak_kind {
    const char *mac_insn;
    double macs;
    uint64_t (*mac)(size_t);
    const char *fma_insn;
    double fmas;
    uint64_t (*fma)(size_t);
};

#if HAVE_PEAKS
/* The loops' inputs, read through volatile so that the compiler can fold
 * none of the instructions away; the accumulators all start apart, so
 * that it cannot merge two chains either. */
static volatile int32_t peak_seed = 0x01020304;
static volatile float peak_one = 1.0f, peak_tiny = 1e-9f;

/* Twelve chains of one instruction, as "a = OP(a)" for a0..a11. */
#define PEAK_ROUND(OP)                                                   \
    do {                                                                 \
        OP(a0); OP(a1); OP(a2); OP(a3); OP(a4); OP(a5);                  \
        OP(a6); OP(a7); OP(a8); OP(a9); OP(a10); OP(a11);                \
    } while (0)

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static uint64_t
peak_vpdpbusd_zmm(size_t iters)
{
    int32_t s = peak_seed;
    __m512i u = _mm512_set1_epi32(s), v = _mm512_set1_epi32(s + 1);
    __m512i a0 = _mm512_set1_epi32(s + 2), a1 = _mm512_set1_epi32(s + 3),
            a2 = _mm512_set1_epi32(s + 4), a3 = _mm512_set1_epi32(s + 5),
            a4 = _mm512_set1_epi32(s + 6), a5 = _mm512_set1_epi32(s + 7),
            a6 = _mm512_set1_epi32(s + 8), a7 = _mm512_set1_epi32(s + 9),
            a8 = _mm512_set1_epi32(s + 10), a9 = _mm512_set1_epi32(s + 11),
            a10 = _mm512_set1_epi32(s + 12), a11 = _mm512_set1_epi32(s + 13);
    uint64_t out[8], r = 0;

#define DPBUSD(a) a = _mm512_dpbusd_epi32(a, u, v)
    for (size_t i = 0; i < iters; i++)
        PEAK_ROUND(DPBUSD);
#undef DPBUSD
    a0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_xor_si512(a0, a1), a2),
                          _mm512_xor_si512(_mm512_xor_si512(a3, a4), a5));
    a6 = _mm512_xor_si512(_mm512_xor_si512(_mm512_xor_si512(a6, a7), a8),
                          _mm512_xor_si512(_mm512_xor_si512(a9, a10), a11));
    _mm512_storeu_si512(out, _mm512_xor_si512(a0, a6));
    for (int k = 0; k < 8; k++)
        r ^= out[k];
    return r;
}

__attribute__((target("avx512f"))) static uint64_t
peak_fma_zmm(size_t iters)
{
    float s = peak_one;
    __m512 x = _mm512_set1_ps(s), y = _mm512_set1_ps(peak_tiny);
    __m512 a0 = _mm512_set1_ps(s + 1), a1 = _mm512_set1_ps(s + 2),
           a2 = _mm512_set1_ps(s + 3), a3 = _mm512_set1_ps(s + 4),
           a4 = _mm512_set1_ps(s + 5), a5 = _mm512_set1_ps(s + 6),
           a6 = _mm512_set1_ps(s + 7), a7 = _mm512_set1_ps(s + 8),
           a8 = _mm512_set1_ps(s + 9), a9 = _mm512_set1_ps(s + 10),
           a10 = _mm512_set1_ps(s + 11), a11 = _mm512_set1_ps(s + 12);
    uint64_t out[8], r = 0;

    /* a + 1 * 1e-9 rounds back to a (>= 2): no denormal, no overflow. */
#define FMA(a) a = _mm512_fmadd_ps(x, y, a)
    for (size_t i = 0; i < iters; i++)
        PEAK_ROUND(FMA);
#undef FMA
    a0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), a2),
                       _mm512_add_ps(_mm512_add_ps(a3, a4), a5));
    a6 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a6, a7), a8),
                       _mm512_add_ps(_mm512_add_ps(a9, a10), a11));
    _mm512_storeu_si512(out, _mm512_castps_si512(_mm512_add_ps(a0, a6)));
    for (int k = 0; k < 8; k++)
        r ^= out[k];
    return r;
}

/* vpmaddubsw has no accumulator; each result (16-bit sums) is the next
 * one's unsigned byte input, which makes the chain. */
__attribute__((target("avx2"))) static uint64_t
peak_vpmaddubsw_ymm(size_t iters)
{
    int32_t s = peak_seed;
    __m256i v = _mm256_set1_epi32(s);
    __m256i a0 = _mm256_set1_epi32(s + 2), a1 = _mm256_set1_epi32(s + 3),
            a2 = _mm256_set1_epi32(s + 4), a3 = _mm256_set1_epi32(s + 5),
            a4 = _mm256_set1_epi32(s + 6), a5 = _mm256_set1_epi32(s + 7),
            a6 = _mm256_set1_epi32(s + 8), a7 = _mm256_set1_epi32(s + 9),
            a8 = _mm256_set1_epi32(s + 10), a9 = _mm256_set1_epi32(s + 11),
            a10 = _mm256_set1_epi32(s + 12), a11 = _mm256_set1_epi32(s + 13);
    uint64_t out[4], r = 0;

#define MADDUBS(a) a = _mm256_maddubs_epi16(a, v)
    for (size_t i = 0; i < iters; i++)
        PEAK_ROUND(MADDUBS);
#undef MADDUBS
    a0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256(a0, a1), a2),
                          _mm256_xor_si256(_mm256_xor_si256(a3, a4), a5));
    a6 = _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256(a6, a7), a8),
                          _mm256_xor_si256(_mm256_xor_si256(a9, a10), a11));
    _mm256_storeu_si256((void *)out, _mm256_xor_si256(a0, a6));
    for (int k = 0; k < 4; k++)
        r ^= out[k];
    return r;
}

__attribute__((target("avx2,fma"))) static uint64_t
peak_fma_ymm(size_t iters)
{
    float s = peak_one;
    __m256 x = _mm256_set1_ps(s), y = _mm256_set1_ps(peak_tiny);
    __m256 a0 = _mm256_set1_ps(s + 1), a1 = _mm256_set1_ps(s + 2),
           a2 = _mm256_set1_ps(s + 3), a3 = _mm256_set1_ps(s + 4),
           a4 = _mm256_set1_ps(s + 5), a5 = _mm256_set1_ps(s + 6),
           a6 = _mm256_set1_ps(s + 7), a7 = _mm256_set1_ps(s + 8),
           a8 = _mm256_set1_ps(s + 9), a9 = _mm256_set1_ps(s + 10),
           a10 = _mm256_set1_ps(s + 11), a11 = _mm256_set1_ps(s + 12);
    uint64_t out[4], r = 0;

#define FMA(a) a = _mm256_fmadd_ps(x, y, a)
    for (size_t i = 0; i < iters; i++)
        PEAK_ROUND(FMA);
#undef FMA
    a0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), a2),
                       _mm256_add_ps(_mm256_add_ps(a3, a4), a5));
    a6 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a6, a7), a8),
                       _mm256_add_ps(_mm256_add_ps(a9, a10), a11));
    _mm256_storeu_si256((void *)out, _mm256_castps_si256(_mm256_add_ps(a0, a6)));
    for (int k = 0; k < 4; k++)
        r ^= out[k];
    return r;
}

#if QK256_HAVE_AVXVNNI
/* AVX-VNNI's vpdpbusd on ymm (the {vex} encoding, as lib/x86/avxvnni.c
 * writes it), in place. */
#define VEX_DPBUSD(a) __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(a) : "x"(u), "x"(v))

__attribute__((target("avx2,avxvnni"))) static uint64_t
peak_vpdpbusd_ymm(size_t iters)
{
    int32_t s = peak_seed;
    __m256i u = _mm256_set1_epi32(s), v = _mm256_set1_epi32(s + 1);
    __m256i a0 = _mm256_set1_epi32(s + 2), a1 = _mm256_set1_epi32(s + 3),
            a2 = _mm256_set1_epi32(s + 4), a3 = _mm256_set1_epi32(s + 5),
            a4 = _mm256_set1_epi32(s + 6), a5 = _mm256_set1_epi32(s + 7),
            a6 = _mm256_set1_epi32(s + 8), a7 = _mm256_set1_epi32(s + 9),
            a8 = _mm256_set1_epi32(s + 10), a9 = _mm256_set1_epi32(s + 11),
            a10 = _mm256_set1_epi32(s + 12), a11 = _mm256_set1_epi32(s + 13);
    uint64_t out[4], r = 0;

    for (size_t i = 0; i < iters; i++)
        PEAK_ROUND(VEX_DPBUSD);
    a0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256(a0, a1), a2),
                          _mm256_xor_si256(_mm256_xor_si256(a3, a4), a5));
    a6 = _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256(a6, a7), a8),
                          _mm256_xor_si256(_mm256_xor_si256(a9, a10), a11));
    _mm256_storeu_si256((void *)out, _mm256_xor_si256(a0, a6));
    for (int k = 0; k < 4; k++)
        r ^= out[k];
    return r;
}
#undef VEX_DPBUSD

static const struct peak_kind peak_avxvnni = {
    "vpdpbusd ymm", 32, peak_vpdpbusd_ymm, "vfmadd231ps ymm", 8, peak_fma_ymm
};
#endif

static const struct peak_kind peak_avx2 = {
    "vpmaddubsw ymm", 32, peak_vpmaddubsw_ymm, "vfmadd231ps ymm", 8, peak_fma_ymm
};
static const struct peak_kind peak_avx512 = {
    "vpdpbusd zmm", 64, peak_vpdpbusd_zmm, "vfmadd231ps zmm", 16, peak_fma_zmm
};
#endif

/* How the peaks of a variant of that ISA are measured, or NULL where they
 * are not (scalar, the reference, every ISA off x86-64). */
static const struct peak_kind *
peak_kind(enum qk256_isa isa)
{
#if HAVE_PEAKS
    if (isa == QK256_ISA_AVX2)
        return &peak_avx2;
#if QK256_HAVE_AVXVNNI
    if (isa == QK256_ISA_AVXVNNI)
        return &peak_avxvnni;
#endif
    if (isa == QK256_ISA_AVX512)
        return &peak_avx512;
#else
    (void)isa;
#endif
    return NULL;
}

struct peak_run {
    uint64_t (*fn)(size_t);
    size_t iters;
    uint64_t out;
};

static void *
peak_thread(void *arg)
{
    struct peak_run *r = arg;

    r->out = r->fn(r->iters);
    return NULL;
}

static volatile uint64_t peak_sink;

/* Nanoseconds that threads copies of fn(iters) take side by side, from
 * the first thread's start to the last one's end. */
static double
peak_time(uint64_t (*fn)(size_t), size_t iters, size_t threads)
{
    struct peak_run run[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    double t0 = now_ns(), t;
    uint64_t sink = 0;

    for (size_t i = 0; i < threads; i++)
        run[i] = (struct peak_run){ fn, iters, 0 };
    for (size_t i = 1; i < threads; i++)
        if (pthread_create(&tids[i], NULL, peak_thread, &run[i]) != 0)
            die("cannot start a thread%s", "");
    peak_thread(&run[0]);
    for (size_t i = 1; i < threads; i++)
        pthread_join(tids[i], NULL);
    t = now_ns() - t0;
    for (size_t i = 0; i < threads; i++)
        sink ^= run[i].out;
    peak_sink = sink;
    return t;
}

/* G operations per second of fn on threads threads, ops_per_insn per
 * instruction: the best of PEAK_REPEATS runs of about PEAK_NS.  The
 * runs that find their length also bring the vector unit and the clock
 * up to speed. */
static double
measure_peak(uint64_t (*fn)(size_t), double ops_per_insn, size_t threads)
{
    double v[PEAK_REPEATS], t;
    size_t iters = 256;

    while ((t = peak_time(fn, iters, 1)) < PEAK_NS / 8.0)
        iters *= 2;
    iters = (size_t)((double)iters * PEAK_NS / t) + 1;
    for (int r = 0; r < PEAK_REPEATS; r++)
        v[r] = ops_per_insn * PEAK_CHAINS * (double)iters * (double)threads /
               peak_time(fn, iters, threads);
    /* The best run: the peak is what the core can do, and a run that
     * shares it with something else (its other hardware thread, another
     * guest) only runs slower; their median moved from 276 to 467 G MAC/s
     * between runs of the bench here. */
    qsort(v, PEAK_REPEATS, sizeof v[0], cmp_double);
    return v[PEAK_REPEATS - 1];
}

/* The peaks of the ISAs of the n variants named (those this run runs,
 * which the CPU has), on --threads threads, each kept where it is higher
 * than rf's: main measures them at the start of the run and again at its
 * end. */
static void
measure_peaks(struct roofs *rf, const struct options *o,
              const char *const *variants, size_t n)
{
    for (size_t i = 0; i < qk256_nimpls; i++) {
        enum qk256_isa isa = qk256_impls[i].isa;
        const struct peak_kind *pk = peak_kind(isa);
        int run = 0;

        for (size_t k = 0; k < n; k++)
            run |= strcmp(variants[k], qk256_impls[i].name) == 0;
        if (!pk || !run || !qk256_isa_usable(isa))
            continue;
        double mac = measure_peak(pk->mac, pk->macs, o->threads);
        double fma = measure_peak(pk->fma, pk->fmas, o->threads);

        if (mac > rf->mac_g[isa])
            rf->mac_g[isa] = mac;
        if (fma > rf->fma_g[isa])
            rf->fma_g[isa] = fma;
    }
}

/* One of the things that measure_pair times in turn, a sample of each
 * after a sample of the one before. */
struct slot {
    const struct job *job;
    const struct api *api; /* NULL: not timed */
    double warmup_ns;
    int check;             /* compare its outputs with the reference's */
    int ok;
    double *per_call;      /* ns per call of each sample */
    size_t calls, samples;
};

/* The median of the n values at v, which it sorts. */
static double
median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Measures the job with api[0] and api[1] (the reference and a variant),
 * interleaving their samples, so that a change of clock speed or a noisy
 * neighbour during the row touches both and their ratio holds.  With
 * api[0] NULL, api[1] alone: st[0] stays invalid and ref_median 0.
 *
 * A GEMM job (gemm, gemm_i8) interleaves the GEMV of its ROWSxCOLS with
 * it too, on the same data, for base_median: the variant's always, the
 * reference's only in the parent (the children report no reference row).
 * With read_ns, the row's read roof (read_api) takes its turn as well,
 * and its median time per call goes to *read_ns. */
static void
measure_pair(const struct options *o, const struct job *j,
             const struct api *const api[2], struct data *d, struct stats st[2],
             double *read_ns)
{
    enum { REF, VAR, VAR_BASE, REF_BASE, READ, NSLOTS };
    struct pool *pool = splits_rows(j->op) ? pool_start(o->threads) : NULL;
    struct job base = *j;
    struct slot sl[NSLOTS];
    double start;

    base.op = base_op(j->op);
    base.n = 1;
    memset(sl, 0, sizeof sl);
    sl[REF] = (struct slot){ j, api[0], WARMUP_NS, 1, 0, NULL, 1, 0 };
    sl[VAR] = (struct slot){ j, api[1], WARMUP_NS, 1, 0, NULL, 1, 0 };
    if (j->op == OP_GEMM || j->op == OP_GEMM_I8) {
        sl[VAR_BASE] = (struct slot){ &base, api[1], WARMUP_NS, 0, 0, NULL, 1, 0 };
        if (!o->child)
            sl[REF_BASE] = (struct slot){ &base, api[0], WARMUP_NS, 0, 0, NULL, 1, 0 };
    }
    if (read_ns)
        sl[READ] = (struct slot){ j, &read_api, ROOF_WARMUP_NS, 0, 0, NULL, 1, 0 };

    for (int k = 0; k < NSLOTS; k++) {
        struct slot *s = &sl[k];
        double t0 = now_ns();

        if (!s->api)
            continue;
        progress(o, s->api->name, j);
        s->per_call = xmalloc(o->samples * sizeof *s->per_call);

        /* Warm up (caches, clock speed) while finding the calls per
         * sample; the outputs are cleared first, so that they show what
         * this api computed. */
        memset(d->out_floats, 0, d->out_nfloats * sizeof(float));
        memset(d->out_bytes, 0, d->out_nbytes);
        do {
            double t = time_calls(s->job, s->api, d, pool, s->calls);

            if (t < 0.0)
                die("a call with %s failed", s->api->name);
            if (t < SAMPLE_NS)
                s->calls *= 2;
        } while (now_ns() - t0 < s->warmup_ns);
        s->ok = !s->check || outputs_match(j, d);
    }

    start = now_ns();
    while (sl[VAR].samples < o->samples &&
           (sl[VAR].samples < MIN_SAMPLES || now_ns() - start < ROW_BUDGET_NS)) {
        for (int k = 0; k < NSLOTS; k++) {
            struct slot *s = &sl[k];
            double t;

            if (!s->api)
                continue;
            t = time_calls(s->job, s->api, d, pool, s->calls);
            if (t < 0.0)
                die("a call with %s failed", s->api->name);
            s->per_call[s->samples++] = t / (double)s->calls;
        }
    }
    pool_stop(pool);

    memset(st, 0, 2 * sizeof *st);
    for (int k = REF; k <= VAR; k++) {
        const struct slot *s = &sl[k];

        if (!s->api)
            continue;
        st[k].valid = 1;
        st[k].ok = s->ok;
        st[k].median = median_of(s->per_call, s->samples);
        st[k].min = s->per_call[0];
        st[k].max = s->per_call[s->samples - 1];
        st[k].samples = s->samples;
        st[k].calls = s->calls;
    }
    st[0].ref_median = st[1].ref_median = st[0].median; /* 0 without */
    if (sl[REF_BASE].api)
        st[0].base_median = median_of(sl[REF_BASE].per_call, sl[REF_BASE].samples);
    if (sl[VAR_BASE].api)
        st[1].base_median = median_of(sl[VAR_BASE].per_call, sl[VAR_BASE].samples);
    if (read_ns)
        *read_ns = median_of(sl[READ].per_call, sl[READ].samples);
    for (int k = 0; k < NSLOTS; k++)
        free(sl[k].per_call);
}

/* The reference's outputs of job j, into d->want_*. */
static void
reference_outputs(const struct job *j, struct data *d)
{
    if (is_model(j->op))
        return;
    if (time_calls(j, &reference_api, d, NULL, 1) < 0.0)
        die("the reference failed%s", "");
    memcpy(d->want_bytes, d->out_bytes, d->out_nbytes);
    memcpy(d->want_floats, d->out_floats, d->out_nfloats * sizeof(float));
}

/* ---- the variants ------------------------------------------------------- */

/* How the loader is made to bind each variant on a CPU that has it (SPEC
 * section 5).  x86: the GLIBC_TUNABLES value under which a copy of this
 * program runs it.  arm64: the resolvers read the hwcaps, which nothing
 * masks, so no copy of this program can get another variant than this
 * one; under qemu-user no copy would even start (qemu 7.2 hangs in a
 * forked process, and without binfmt_misc an arm64 program cannot be
 * exec'd).  tunables is then NULL, and qemu_cpu the QEMU_CPU under which
 * qemu-user binds the variant, or NULL for scalar, which only a
 * --disable-simd build binds. */
static const struct {
    const char *variant, *tunables, *qemu_cpu;
} variant_masks[] = {
#if QK256_ARCH_ARM
    { "i8mm", NULL, "max" },
    { "dotprod", NULL, "cortex-a76" },
    { "neon", NULL, "cortex-a53" },
    { "scalar", NULL, NULL },
#else
    { "avx512", "", NULL },
    { "avxvnni", "glibc.cpu.hwcaps=-AVX512F,-AVX512BW,-AVX512VL", NULL },
    /* On a CPU with AVX-VNNI this binds avxvnni: glibc 2.36 cannot mask
     * AVX_VNNI.  Then avx2 runs through the impl list (impl_api). */
    { "avx2", "glibc.cpu.hwcaps=-AVX512F,-AVX512BW,-AVX512VL", NULL },
    { "scalar", "glibc.cpu.hwcaps=-AVX512F,-AVX512BW,-AVX512VL,-AVX2,-FMA", NULL },
#endif
};

static const char *
variant_mask(const char *variant)
{
    for (size_t i = 0; i < sizeof variant_masks / sizeof variant_masks[0]; i++)
        if (strcmp(variant_masks[i].variant, variant) == 0)
            return variant_masks[i].tunables;
    return NULL;
}

/* Whether this build's architecture has a variant of that name that
 * nothing but the CPU selects (arm64), so that no child is tried. */
static int
variant_cpu_only(const char *variant)
{
    for (size_t i = 0; i < sizeof variant_masks / sizeof variant_masks[0]; i++)
        if (strcmp(variant_masks[i].variant, variant) == 0)
            return variant_masks[i].tunables == NULL;
    return 0;
}

/* The QEMU_CPU that makes qemu-user bind variant, or NULL. */
static const char *
variant_qemu_cpu(const char *variant)
{
    for (size_t i = 0; i < sizeof variant_masks / sizeof variant_masks[0]; i++)
        if (strcmp(variant_masks[i].variant, variant) == 0)
            return variant_masks[i].qemu_cpu;
    return NULL;
}

/* A variant that no mask makes the loader bind on this CPU (avx2 where
 * the CPU has AVX-VNNI) runs in this process, its kernels called from the
 * library's impl list: what the public functions would call once they
 * have checked their arguments, which the bench's always pass. */
static const struct qk256_impl *impl_cur;

static int
impl_pack(uint8_t *dst, const uint8_t *codes, size_t n)
{
    impl_cur->pack(dst, codes, n);
    return QK256_OK;
}

static int
impl_unpack(uint8_t *codes, const uint8_t *src, size_t n)
{
    impl_cur->unpack(codes, src, n);
    return QK256_OK;
}

static int
impl_dequantize(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    impl_cur->dequantize(dst, src, scales, n);
    return QK256_OK;
}

static int
impl_gemv(float *y, const uint8_t *w, size_t row_stride, const float *x,
          size_t rows, size_t cols)
{
    impl_cur->gemv(y, w, row_stride, x, rows, cols);
    return QK256_OK;
}

static int
impl_quantize(uint8_t *dst, float *scales, const float *src, size_t n)
{
    impl_cur->quantize(dst, scales, src, n);
    return QK256_OK;
}

static int
impl_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n)
{
    impl_cur->quantize_i8(xq, scale, x, n);
    return QK256_OK;
}

static int
impl_gemv_i8(float *y, const uint8_t *w, size_t row_stride, const int8_t *xq,
             float scale, size_t rows, size_t cols)
{
    impl_cur->gemv_i8(y, w, row_stride, xq, scale, rows, cols);
    return QK256_OK;
}

static int
impl_gemm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
          const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    impl_cur->gemm(y, ldy, w, row_stride, x, ldx, rows, cols, n);
    return QK256_OK;
}

static int
impl_gemm_i8(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
             const int8_t *xq, size_t ldx, const float *scales, size_t rows,
             size_t cols, size_t n)
{
    impl_cur->gemm_i8(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n);
    return QK256_OK;
}

static struct api impl_api = {
    NULL, impl_pack, impl_unpack, impl_dequantize, impl_gemv, impl_quantize,
    impl_quantize_i8, impl_gemv_i8, impl_gemm, impl_gemm_i8,
};

static void run_job(const struct options *o, const struct job *j,
                    const struct job *prev, const struct api *api,
                    struct data *d, struct stats st[2], double *read_ns);

/* Measures variant k of the impl list here (see impl_api) into st[job *
 * stride], as a child would have. */
static void
run_impl_jobs(const struct options *o, const struct job *jobs, size_t njobs,
              size_t k, struct stats *st, size_t stride)
{
    struct data d;

    impl_cur = &qk256_impls[k];
    impl_api.name = qk256_impls[k].name;
    for (size_t jx = 0; jx < njobs; jx++) {
        struct stats s[2];

        run_job(o, &jobs[jx], jx ? &jobs[jx - 1] : NULL, &impl_api, &d, s, NULL);
        st[jx * stride] = s[1];
    }
    if (njobs)
        data_free(&d);
}

/* Runs this program again as "--as-child variant" under that variant's
 * mask; reads its rows into st[job] (columns it did not report stay
 * invalid).  Returns 0, or -1 when the variant could not be run. */
static int
run_child(char **argv, const char *variant, const struct options *o,
          size_t njobs, struct stats *st, size_t stride)
{
    const char *mask = variant_mask(variant);
    int fds[2], status;
    pid_t pid;

    if (!mask || pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        const char *old = getenv("GLIBC_TUNABLES");
        char t0[32], *tun = xmalloc((old ? strlen(old) : 0) + strlen(mask) + 2);
        char **args = xmalloc(((size_t)o->argc + 6) * sizeof *args);
        size_t k = 0;

        /* A mask of the user's stays in force; the variant's comes last. */
        sprintf(tun, "%s%s%s", old ? old : "", old && *mask ? ":" : "", mask);
        if (setenv("GLIBC_TUNABLES", tun, 1) != 0)
            _exit(126);
        snprintf(t0, sizeof t0, "%.0f", o->t0);
        args[k++] = argv[0];
        args[k++] = "--as-child";
        args[k++] = (char *)variant;
        args[k++] = "--t0";
        args[k++] = t0;
        for (int i = 1; i < o->argc; i++)
            args[k++] = argv[i];
        args[k] = NULL;
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv("/proc/self/exe", args);
        execv(argv[0], args);
        _exit(127);
    }
    close(fds[1]);

    FILE *in = fdopen(fds[0], "r");
    size_t jx;
    struct stats s;

    if (!in)
        die("fdopen: %s", strerror(errno));
    memset(&s, 0, sizeof s);
    while (fscanf(in, "%zu %lf %lf %lf %zu %zu %d %lf %lf", &jx, &s.median,
                  &s.min, &s.max, &s.samples, &s.calls, &s.ok, &s.ref_median,
                  &s.base_median) == 9) {
        if (jx < njobs) {
            s.valid = 1;
            st[jx * stride] = s;
        }
    }
    fclose(in);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- output ------------------------------------------------------------- */

/* The values of the first CPU's fields in /proc/cpuinfo whose lines start
 * with keys[i], to vals[i] ("" where there is none). */
#define CPUINFO_VAL 256

static void
cpuinfo_fields(const char *const *keys, char (*vals)[CPUINFO_VAL], size_t n)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];

    for (size_t i = 0; i < n; i++)
        vals[i][0] = '\0';
    while (f && fgets(line, sizeof line, f) && line[0] != '\n') {
        char *v = strchr(line, ':');

        if (!v)
            continue;
        v += 1 + (v[1] == ' ');
        v[strcspn(v, "\n")] = '\0';
        for (size_t i = 0; i < n; i++)
            if (strncmp(line, keys[i], strlen(keys[i])) == 0) {
                snprintf(vals[i], CPUINFO_VAL, "%s", v);
                break;
            }
    }
    if (f)
        fclose(f);
}

#if defined(__aarch64__)
/* arm64: /proc/cpuinfo has no model name, but the first CPU's MIDR fields
 * (implementer, part, variant and revision), which name the core, or
 * "unknown".  Under qemu-user the file is the host's, which says nothing
 * of the emulated CPU; then the QEMU_CPU that qemu passed on is shown. */
static void
cpu_name(char *buf, size_t size)
{
    static const char *const keys[] = { "CPU implementer", "CPU part", "CPU variant",
                                        "CPU revision" };
    char v[4][CPUINFO_VAL];
    const char *qemu = getenv("QEMU_CPU");

    cpuinfo_fields(keys, v, 4);
    if (v[0][0] && v[1][0] && v[2][0] && v[3][0])
        snprintf(buf, size, "implementer %s, part %s (r%ldp%ld)", v[0], v[1],
                 strtol(v[2], NULL, 0), strtol(v[3], NULL, 0));
    else if (v[0][0] && v[1][0])
        snprintf(buf, size, "implementer %s, part %s", v[0], v[1]);
    else if (qemu && *qemu)
        snprintf(buf, size, "unknown (QEMU_CPU=%s)", qemu);
    else
        snprintf(buf, size, "unknown");
}
#else
/* The model name of the first CPU in /proc/cpuinfo, with its family and
 * model numbers (which tell CPU generations apart where the name does
 * not), or "unknown". */
static void
cpu_name(char *buf, size_t size)
{
    static const char *const keys[] = { "model name", "cpu family", "model\t" };
    char v[3][CPUINFO_VAL];

    cpuinfo_fields(keys, v, 3);
    if (v[1][0] && v[2][0])
        snprintf(buf, size, "%s (family %ld, model %ld)", v[0][0] ? v[0] : "unknown",
                 strtol(v[1], NULL, 10), strtol(v[2], NULL, 10));
    else
        snprintf(buf, size, "%s", v[0][0] ? v[0] : "unknown");
}
#endif

static void
json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* A ratio, or null for 0 (not measured). */
static void
json_ratio(double r)
{
    if (r > 0.0)
        printf("%.4f", r);
    else
        printf("null");
}

struct report {
    const struct options *o;
    const struct job *jobs;
    size_t njobs, nimpls;
    const char *impls[MAX_IMPLS]; /* column 0 is the reference */
    const char *missing[MAX_IMPLS]; /* variants that could not be run */
    size_t nmissing;
    const char *via_list[MAX_IMPLS]; /* run through the impl list, here */
    size_t nvia_list;
    struct stats *st;             /* st[job * nimpls + impl] */
    const char *cpu_only[MAX_IMPLS]; /* not run: only the CPU selects them */
    size_t ncpu_only;
    enum qk256_isa isa[MAX_IMPLS];  /* of each variant (the reference's is
                                       not read) */
    const double *read_ns;          /* per job: ns per call of its read
                                       roof; 0 where it has none */
    size_t model_roof;              /* the model job that measured the read
                                       that the model's passes share
                                       (model_i8), or njobs */
    const struct roofs *roofs;
};

/* Appends s to the note at buf (size bytes, truncating). */
static void
note_add(char *buf, size_t size, const char *s)
{
    size_t len = strlen(buf);

    if (len + 1 < size)
        snprintf(buf + len, size - len, "%s", s);
}

/* Appends the n names, as "a", "a and b" or "a, b and c". */
static void
note_names(char *buf, size_t size, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        note_add(buf, size, i == 0 ? "" : i + 1 == n ? " and " : ", ");
        note_add(buf, size, names[i]);
    }
}

/* The note on the variants that no child can run (arm64), as one line. */
static void
cpu_only_note(char *buf, size_t size, const struct report *rp)
{
    const size_t nv = sizeof variant_masks / sizeof variant_masks[0];
    int scalar = 0, first = 1;

    buf[0] = '\0';
    note_add(buf, size, "on arm64 the CPU alone decides the variant: the loader "
             "binds the best one that the CPU's hwcaps allow, and nothing masks "
             "them, so only ");
    note_add(buf, size, qk256_implementation());
    note_add(buf, size, " ran here, and ");
    note_names(buf, size, rp->cpu_only, rp->ncpu_only);
    note_add(buf, size, rp->ncpu_only == 1 ? " has no rows." : " have no rows.");
    note_add(buf, size, " Under qemu-user, run the bench once per QEMU_CPU: ");
    for (size_t i = nv; i-- > 0;) {
        if (!variant_masks[i].qemu_cpu)
            continue;
        note_add(buf, size, first ? "" : ", ");
        note_add(buf, size, variant_masks[i].qemu_cpu);
        note_add(buf, size, first ? " binds " : " ");
        note_add(buf, size, variant_masks[i].variant);
        first = 0;
    }
    note_add(buf, size, ".");
    for (size_t i = 0; i < rp->ncpu_only; i++)
        if (!variant_qemu_cpu(rp->cpu_only[i]))
            scalar = 1;
    if (scalar)
        note_add(buf, size, " Only a build configured with --disable-simd binds scalar.");
}

/* Prints "note: " and the note, wrapped at 76 columns. */
static void
print_wrapped_note(const char *note)
{
    size_t col = 5;

    printf("note:");
    while (*note) {
        size_t word = strcspn(note, " ");

        if (col + 1 + word > 76) {
            putchar('\n');
            col = 0;
        } else {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)word, note);
        col += word;
        note += word;
        note += strspn(note, " ");
    }
    putchar('\n');
}

/* The same variant's row of what GEMM job jx is held against (base_op;
 * the first such job), or NULL where there is none. */
static const struct stats *
base_stats(const struct report *rp, size_t jx, size_t ix)
{
    const struct job *g = &rp->jobs[jx];

    for (size_t k = 0; k < rp->njobs; k++) {
        const struct job *j = &rp->jobs[k];
        const struct stats *s = &rp->st[k * rp->nimpls + ix];

        if (j->op == base_op(g->op) && j->rows == g->rows &&
            j->cols == g->cols && s->valid)
            return s;
    }
    return NULL;
}

/* The median time per call of what GEMM job jx is held against: for gemm
 * and gemm_i8, the GEMV that measure_pair timed alternately with it; for
 * a batch pass, the same variant's one-token pass, from its own row.  0
 * where it was not measured. */
static double
base_median(const struct report *rp, size_t jx, size_t ix)
{
    const struct stats *s = &rp->st[jx * rp->nimpls + ix];
    const struct stats *b;

    if (rp->jobs[jx].op == OP_GEMM || rp->jobs[jx].op == OP_GEMM_I8)
        return s->valid ? s->base_median : 0.0;
    b = base_stats(rp, jx, ix);
    return b ? b->median : 0.0;
}

/* How many times faster the GEMM job jx gives a result vector than its
 * base gives one (a GEMV, a one-token pass): the base's time per call
 * over the GEMM's per vector.  0 where either was not measured. */
static double
vs_base(const struct report *rp, size_t jx, size_t ix)
{
    const struct stats *s = &rp->st[jx * rp->nimpls + ix];
    double b = base_median(rp, jx, ix);

    if (!s->valid || b <= 0.0)
        return 0.0;
    return b * (double)rp->jobs[jx].n / s->median;
}

/* ---- roofs in the output ------------------------------------------------ */

/* A row's roofs: the GB/s of its read roof and the row's GB/s over it;
 * its variant's compute peak (G/s) and the row's multiply-accumulates per
 * second over it; and of those, the roof that binds, the lower one, which
 * the row comes closer to.  0 and NULL where there is none. */
struct row_roof {
    double read_gbps, vs_read;
    const char *peak;      /* "int8", "f32" or NULL */
    double peak_g, vs_peak;
    const char *roof;      /* "read", "int8", "f32" or NULL */
    double vs_roof;
};

static struct row_roof
row_roof(const struct report *rp, size_t jx, size_t ix)
{
    const struct job *j = &rp->jobs[jx];
    const struct stats *s = &rp->st[jx * rp->nimpls + ix];
    struct row_roof r = { 0.0, 0.0, NULL, 0.0, 0.0, NULL, 0.0 };

    if (!s->valid)
        return r;
    if (rp->read_ns[jx] > 0.0) {
        r.read_gbps = j->weight_bytes / rp->read_ns[jx];
        r.vs_read = r.vs_roof = rp->read_ns[jx] / s->median;
        r.roof = "read";
    }
    /* Column 0 is the reference, which has no ISA and no peak. */
    if (is_gemm(j->op) && ix > 0) {
        int i8 = is_int8_gemm(j->op);
        double g = i8 ? rp->roofs->mac_g[rp->isa[ix]] : rp->roofs->fma_g[rp->isa[ix]];

        if (g > 0.0) {
            r.peak = i8 ? "int8" : "f32";
            r.peak_g = g;
            r.vs_peak = j->elems / s->median / g;
            if (r.vs_peak > r.vs_roof) {
                r.roof = r.peak;
                r.vs_roof = r.vs_peak;
            }
        }
    }
    return r;
}

/* "71% rd", "0.4% rd", "46% i8", "38% f32"; "-" where there is no roof. */
static const char *
fmt_roof(char *buf, size_t size, double frac, const char *roof)
{
    const char *label = !roof ? "" : strcmp(roof, "read") == 0 ? "rd"
                               : strcmp(roof, "int8") == 0 ? "i8" : roof;

    if (frac > 0.0 && frac < 0.0005)
        snprintf(buf, size, "<0.1%% %s", label);
    else if (frac > 0.0)
        snprintf(buf, size, "%.*f%% %s", frac < 0.0995 ? 1 : 0, 100.0 * frac,
                 label);
    else
        snprintf(buf, size, "-");
    return buf;
}

/* The row's roofs for the model's tables: "12% f32, 93% rd", "93% rd". */
static const char *
fmt_roofs(char *buf, size_t size, const struct row_roof *r)
{
    if (r->vs_peak > 0.0 && r->vs_read > 0.0) {
        char a[32], b[32];

        snprintf(buf, size, "%s, %s", fmt_roof(a, sizeof a, r->vs_peak, r->peak),
                 fmt_roof(b, sizeof b, r->vs_read, "read"));
    } else if (r->vs_peak > 0.0)
        fmt_roof(buf, size, r->vs_peak, r->peak);
    else
        fmt_roof(buf, size, r->vs_read, "read");
    return buf;
}

/* The read roof of one size of weights: hot_reads. */
struct size_roof {
    double bytes, gbps;
};

static int
cmp_size_roof(const void *a, const void *b)
{
    const struct size_roof *x = a, *y = b;

    if (x->bytes != y->bytes)
        return (x->bytes > y->bytes) - (x->bytes < y->bytes);
    return (x->gbps > y->gbps) - (x->gbps < y->gbps);
}

/* The read roofs of the rows other than the model's, one per size of
 * weights (the median where rows of the same size measured their own),
 * in out[] by size; returns how many. */
static size_t
hot_reads(const struct report *rp, struct size_roof *out)
{
    size_t n = 0, m = 0;

    for (size_t jx = 0; jx < rp->njobs; jx++)
        if (rp->read_ns[jx] > 0.0 && !is_model(rp->jobs[jx].op)) {
            out[n].bytes = rp->jobs[jx].weight_bytes;
            out[n++].gbps = rp->jobs[jx].weight_bytes / rp->read_ns[jx];
        }
    qsort(out, n, sizeof *out, cmp_size_roof);
    for (size_t i = 0; i < n;) {
        size_t k = i;

        while (k < n && out[k].bytes == out[i].bytes)
            k++;
        out[m].bytes = out[i].bytes;
        out[m++].gbps = (k - i) % 2 ? out[i + (k - i) / 2].gbps
                                    : 0.5 * (out[i + (k - i) / 2 - 1].gbps +
                                             out[i + (k - i) / 2].gbps);
        i = k;
    }
    return m;
}

/* Under the table's header: what the roofs are, and what they measured. */
static void
print_roofs(const struct report *rp)
{
    struct size_roof *hot = xmalloc(rp->njobs * sizeof *hot);
    size_t nhot = hot_reads(rp, hot);
    char a[32];
    int peaks = 0;

    printf("Roofs, measured once by this run on %zu thread%s; \"roof\" gives a row's\n"
           "rate as a fraction of its roof.  rd: the row's GB/s over that of a\n"
           "read of its own packed weights with no arithmetic (same buffer in\n"
           "whole cache lines, order and threads; %s),\n"
           "timed alternately with the row.  i8, f32: a GEMM's Gelem/s\n"
           "(ROWS*COLS*N multiply-accumulates per call) over the variant's\n"
           "int8 MAC or f32 FMA peak (%d independent chains, the best of %d\n"
           "runs at the start and %d at the end); a GEMM shows the roof that\n"
           "binds it, the higher fraction.\n"
           "The reference and the scalar variant have no compute peak.\n",
           rp->roofs->threads, rp->roofs->threads == 1 ? "" : "s", read_loads,
           PEAK_CHAINS, PEAK_REPEATS, PEAK_REPEATS);
    if (nhot) {
        size_t col = (size_t)printf("  read, hot caches:");
        for (size_t i = 0; i < nhot; i++) {
            char item[64];
            int len = snprintf(item, sizeof item, " %s %.1f GB/s%s",
                               fmt_bytes(a, sizeof a, hot[i].bytes), hot[i].gbps,
                               i + 1 < nhot ? "," : "");

            if (col + (size_t)len > 76) {
                printf("\n   ");
                col = 3;
            }
            printf("%s", item);
            col += (size_t)len;
        }
        putchar('\n');
    }
    if (rp->model_roof < rp->njobs)
        printf("  read, the model's %s from memory, matrix after matrix: %.1f GB/s\n",
               fmt_bytes(a, sizeof a, rp->jobs[rp->model_roof].weight_bytes),
               rp->jobs[rp->model_roof].weight_bytes / rp->read_ns[rp->model_roof]);
    for (size_t ix = 1; ix < rp->nimpls; ix++) {
        const struct peak_kind *pk = peak_kind(rp->isa[ix]);
        char mi[32], fi[32];

        if (!pk || rp->roofs->mac_g[rp->isa[ix]] <= 0.0)
            continue;
        if (!peaks)
            printf("  %-9s  %10s  %-20s  %9s  %s\n", "peak", "int8 MAC/s",
                   "instruction (MACs)", "f32 FMA/s", "instruction (FMAs)");
        peaks = 1;
        snprintf(mi, sizeof mi, "%s (%.0f)", pk->mac_insn, pk->macs);
        snprintf(fi, sizeof fi, "%s (%.0f)", pk->fma_insn, pk->fmas);
        printf("  %-9s  %8.1f G  %-20s  %7.1f G  %s\n", rp->impls[ix],
               rp->roofs->mac_g[rp->isa[ix]], mi, rp->roofs->fma_g[rp->isa[ix]], fi);
    }
    if (!peaks)
        printf("  no compute peaks: %s\n", HAVE_PEAKS ? "no variant with one ran"
               : "they are measured on x86-64 only");
    free(hot);
}

/* The GEMM rows again, per result column, against the same variant's GEMV
 * of their ROWSxCOLS, timed alternately with them. */
static void
print_gemm(const struct report *rp)
{
    char a[32], b[32];
    int any = 0;

    for (size_t jx = 0; jx < rp->njobs; jx++) {
        const struct job *j = &rp->jobs[jx];

        if (j->op != OP_GEMM && j->op != OP_GEMM_I8)
            continue;
        if (!any)
            printf("\ngemm, gemm_i8 ROWSxCOLSxN: N activation vectors per call (ldx =\n"
                   "COLS, ldy = ROWS).  \"per column\" is the median time per call over\n"
                   "N; \"GEMV\" is the same variant's median time per call of gemv (for\n"
                   "gemm_i8: gemv_i8) of ROWSxCOLS on the GEMM's weights, timed in the\n"
                   "GEMM's row, a GEMV sample after each GEMM sample (the gemv row above\n"
                   "is timed apart); \"per column vs\" is the GEMV time over the\n"
                   "per-column time (above 1: the GEMM gives each result faster than a\n"
                   "GEMV does).\n"
                   "  %-8s  %-12s  %-9s  %10s  %10s\n",
                   "op", "shape", "variant", "per column", "GEMV");
        any = 1;
        for (size_t ix = 0; ix < rp->nimpls; ix++) {
            const struct stats *s = &rp->st[jx * rp->nimpls + ix];
            double g = base_median(rp, jx, ix);

            if (!s->valid)
                continue;
            printf("  %-8s  %-12s  %-9s  %10s  %10s  per column vs %s: ",
                   op_names[j->op], j->shape, rp->impls[ix],
                   fmt_time(a, sizeof a, s->median / (double)j->n),
                   g > 0.0 ? fmt_time(b, sizeof b, g) : "-",
                   op_names[base_op(j->op)]);
            if (g > 0.0)
                printf("%.2fx\n", vs_base(rp, jx, ix));
            else
                printf("-\n");
        }
    }
}

/* "   637.73 ms/token     1.57 tok/s", or dashes for a pass not measured */
static const char *
fmt_token(char *buf, size_t size, const struct stats *s)
{
    if (s && s->valid)
        snprintf(buf, size, "%9.2f ms/token  %7.2f tok/s", s->median / 1e6,
                 1e9 / s->median);
    else
        snprintf(buf, size, "%9s ms/token  %7s tok/s", "-", "-");
    return buf;
}

/* The model's two token passes side by side, per implementation. */
static void
print_model(const struct report *rp)
{
    size_t jf = rp->njobs, ji = rp->njobs; /* njobs: no such pass */
    char a[64], b[64];

    for (size_t jx = 0; jx < rp->njobs; jx++) {
        if (rp->jobs[jx].op == OP_MODEL)
            jf = jx;
        else if (rp->jobs[jx].op == OP_MODEL_I8)
            ji = jx;
    }
    if (jf == rp->njobs && ji == rp->njobs)
        return;

    const struct job *j = &rp->jobs[jf < rp->njobs ? jf : ji];

    printf("\n%s: one token is %zu GEMVs, %.2f G weights, %.0f MB packed.\n"
           "f32 pass: qk256_gemv per matrix.  int8 pass: per layer,\n"
           "qk256_quantize_i8 of each distinct input vector (q/k/v share one,\n"
           "gate/up one, o and down one each: %zu calls per token, on one\n"
           "thread while the others wait), then qk256_gemv_i8 per matrix; the\n"
           "quantize time is in the token time.  --threads splits the GEMVs of\n"
           "both passes.  The passes are timed one after the other (each\n"
           "interleaved with the reference's pass); \"int8 vs f32\" is the f32\n"
           "time over the int8 time.  The weights of every matrix start %zu bytes\n"
           "past a cache line (--align).  \"roof\": the pass's GB/s over that of\n"
           "a read of the same weights in the same order with no arithmetic.\n",
           j->shape, (size_t)(BITNET_2B_LAYERS * BITNET_2B_MATRICES),
           j->elems / 1e9, j->weight_bytes / 1e6, bitnet_2b_quantizes(),
           align_offset);
    printf("  %-9s  %-32s  %-32s  %11s  %8s  %9s\n", "variant", "f32 activations",
           "int8 activations", "int8 vs f32", "f32 roof", "int8 roof");
    for (size_t ix = 0; ix < rp->nimpls; ix++) {
        const struct stats *sf =
            jf < rp->njobs ? &rp->st[jf * rp->nimpls + ix] : NULL;
        const struct stats *si =
            ji < rp->njobs ? &rp->st[ji * rp->nimpls + ix] : NULL;
        int both = sf && sf->valid && si && si->valid;

        if (!(sf && sf->valid) && !(si && si->valid))
            continue;
        printf("  %-9s  %-32s  %-32s  ", rp->impls[ix],
               fmt_token(a, sizeof a, sf), fmt_token(b, sizeof b, si));
        if (both)
            printf("%10.2fx", sf->median / si->median);
        else
            printf("%11s", "-");
        for (int k = 0; k < 2; k++) {
            size_t jx = k ? ji : jf;
            struct row_roof r = { 0.0, 0.0, NULL, 0.0, 0.0, NULL, 0.0 };

            if (jx < rp->njobs)
                r = row_roof(rp, jx, ix);
            printf("  %*s", k ? 9 : 8, fmt_roof(a, sizeof a, r.vs_read, "read"));
        }
        putchar('\n');
    }
}

/* The model's two batch passes side by side, per variant. */
static void
print_model_batch(const struct report *rp)
{
    size_t jb[2] = { rp->njobs, rp->njobs }; /* f32, int8; njobs: none */

    for (size_t jx = 0; jx < rp->njobs; jx++) {
        if (rp->jobs[jx].op == OP_MODEL_BATCH)
            jb[0] = jx;
        else if (rp->jobs[jx].op == OP_MODEL_BATCH_I8)
            jb[1] = jx;
    }
    if (jb[0] == rp->njobs && jb[1] == rp->njobs)
        return;

    const struct job *j = &rp->jobs[jb[0] < rp->njobs ? jb[0] : jb[1]];

    printf("\n%s, a prompt of %zu tokens (--batch %zu): a pass takes the %zu\n"
           "tokens' activation vectors through every matrix, one GEMM per matrix\n"
           "(%zu per pass, ldx = cols, ldy = rows): %.2f G weight-vector\n"
           "products, each GEMM reading its packed weights (%.0f MB in all).\n"
           "f32 pass: qk256_gemm per matrix.  int8 pass: per layer,\n"
           "qk256_quantize_i8 of each of the %zu vectors of each distinct input\n"
           "(%zu calls per pass, on one thread while the others wait), then\n"
           "qk256_gemm_i8 per matrix; the quantize time is in the pass time, as\n"
           "in the one-token pass.  --threads splits the GEMMs of both passes.\n"
           "The reference does not run these passes (they would take %zu times\n"
           "its one-token pass).  \"prompt tok/s\" is %zu over the median time\n"
           "per pass; \"vs 1 token\" is that over the same variant's one-token\n"
           "tokens/s above.  \"roofs\": the pass's multiply-accumulates per\n"
           "second over the variant's f32 FMA or int8 MAC peak, and its GB/s over\n"
           "that of the one-token passes' read of the same weights.\n",
           j->shape, j->n, j->n, j->n,
           (size_t)(BITNET_2B_LAYERS * BITNET_2B_MATRICES), j->elems / 1e9,
           j->weight_bytes / 1e6, j->n, bitnet_2b_quantizes() * j->n, j->n,
           j->n);
    printf("  %-9s  %12s  %12s  %10s  %12s  %12s  %10s  %-16s  %s\n", "variant",
           "f32 ms/pass", "prompt tok/s", "vs 1 token", "int8 ms/pass",
           "prompt tok/s", "vs 1 token", "f32 roofs", "int8 roofs");
    for (size_t ix = 0; ix < rp->nimpls; ix++) {
        int any = 0;

        for (int k = 0; k < 2; k++)
            any |= jb[k] < rp->njobs && rp->st[jb[k] * rp->nimpls + ix].valid;
        if (!any)
            continue;
        printf("  %-9s", rp->impls[ix]);
        for (int k = 0; k < 2; k++) {
            const struct stats *s =
                jb[k] < rp->njobs ? &rp->st[jb[k] * rp->nimpls + ix] : NULL;
            double r = s && s->valid ? vs_base(rp, jb[k], ix) : 0.0;

            if (s && s->valid)
                printf("  %12.2f  %12.2f", s->median / 1e6,
                       (double)j->n * 1e9 / s->median);
            else
                printf("  %12s  %12s", "-", "-");
            if (r > 0.0)
                printf("  %9.2fx", r);
            else
                printf("  %10s", "-");
        }
        for (int k = 0; k < 2; k++) {
            struct row_roof rr = { 0.0, 0.0, NULL, 0.0, 0.0, NULL, 0.0 };
            char buf[64];

            if (jb[k] < rp->njobs)
                rr = row_roof(rp, jb[k], ix);
            printf(k ? "  %s" : "  %-16s", fmt_roofs(buf, sizeof buf, &rr));
        }
        putchar('\n');
    }
}

static void
print_table(const struct report *rp)
{
    char cpu[256], a[32], b[32], c[32], w[32], sp[32], rf[32];

    cpu_name(cpu, sizeof cpu);
    printf("bound variant: %s\n", qk256_implementation());
    printf("libqk256 %s; cpu: %s; %zu thread%s; weights %zu bytes past a "
           "cache line\n", qk256_version(), cpu, rp->o->threads,
           rp->o->threads == 1 ? "" : "s", align_offset);
    printf("Times per call on CLOCK_MONOTONIC: median, min and max of up to %zu\n"
           "samples of >= %.0f us of calls each, after >= %.0f ms of warm-up; hot\n"
           "caches except for --model.  \"weights\" is the packed weight data\n"
           "that one call reads (pack, quantize: writes), GB/s counts it;\n"
           "quantize_i8 has no weights: there it is the n int8 bytes it writes,\n"
           "and Gelem/s counts its floats.  A GEMM (gemm, gemm_i8, the model's\n"
           "batch passes) counts each weight once per activation vector in\n"
           "Gelem/s, as that many GEMVs would.  gemv_i8 and gemm_i8 take an x\n"
           "that was quantized once, beforehand; they and quantize_i8 must match\n"
           "the reference bitwise.  The reference is plain scalar C built without\n"
           "auto-vectorisation (its GEMMs are a GEMV per vector); each speedup is\n"
           "over the reference timed in the same process, its samples interleaved\n"
           "with the variant's (\"-\": the batch passes, which it does not run).\n\n",
           rp->o->samples, SAMPLE_NS / 1e3, WARMUP_NS / 1e6);
    print_roofs(rp);
    putchar('\n');
    printf("%-14s  %-12s  %9s  %-9s  %10s  %10s  %10s  %8s  %7s  %8s  %8s\n", "op",
           "shape", "weights", "variant", "median", "min", "max", "Gelem/s",
           "GB/s", "speedup", "roof");

    for (size_t jx = 0; jx < rp->njobs; jx++) {
        const struct job *j = &rp->jobs[jx];

        for (size_t ix = 0; ix < rp->nimpls; ix++) {
            const struct stats *s = &rp->st[jx * rp->nimpls + ix];
            struct row_roof r;

            if (!s->valid)
                continue;
            if (s->ref_median > 0.0)
                snprintf(sp, sizeof sp, "%.2fx", s->ref_median / s->median);
            else
                snprintf(sp, sizeof sp, "-");
            r = row_roof(rp, jx, ix);
            printf("%-14s  %-12s  %9s  %-9s  %10s  %10s  %10s  %8.2f  %7.2f  %8s  %8s%s\n",
                   op_names[j->op], j->shape, fmt_bytes(w, sizeof w, j->weight_bytes),
                   rp->impls[ix],
                   fmt_time(a, sizeof a, s->median), fmt_time(b, sizeof b, s->min),
                   fmt_time(c, sizeof c, s->max), j->elems / s->median,
                   j->weight_bytes / s->median, sp,
                   fmt_roof(rf, sizeof rf, r.vs_roof, r.roof),
                   s->ok ? "" : "  WRONG RESULT");
        }
    }
    print_gemm(rp);
    print_model(rp);
    print_model_batch(rp);
    for (size_t i = 0; i < rp->nmissing; i++)
        printf("\nnote: variant %s could not be run (selected with GLIBC_TUNABLES "
               "in a child); it has no rows\n", rp->missing[i]);
    for (size_t i = 0; i < rp->nvia_list; i++)
        printf("\nnote: no GLIBC_TUNABLES mask makes the loader bind variant %s on\n"
               "this CPU (glibc cannot mask AVX_VNNI): its rows come from its\n"
               "kernels in the library's impl list, called in this process\n",
               rp->via_list[i]);
    if (rp->ncpu_only) {
        char note[1024];

        cpu_only_note(note, sizeof note, rp);
        putchar('\n');
        print_wrapped_note(note);
    }
}

/* A fraction of a roof, which can be small, or null for 0 (none). */
static void
json_fraction(double r)
{
    if (r > 0.0)
        printf("%.6f", r);
    else
        printf("null");
}

/* A value, or null for 0 (none). */
static void
json_number(double v)
{
    if (v > 0.0)
        printf("%.4f", v);
    else
        printf("null");
}

static void
json_string_or_null(const char *s)
{
    if (s)
        json_string(s);
    else
        printf("null");
}

/* The "roofs" object: every read roof measured (one per row that reads
 * packed weights; the model's passes share one) and each variant's
 * compute peaks (null where there are none). */
static void
json_roofs(const struct report *rp)
{
    int first = 1;

    printf("{\"threads\": %zu, \"read_loads\": ", rp->roofs->threads);
    json_string(read_loads);
    printf(",\n    \"read\": [");
    for (size_t jx = 0; jx < rp->njobs; jx++) {
        const struct job *j = &rp->jobs[jx];

        if (rp->read_ns[jx] <= 0.0 || (is_model(j->op) && jx != rp->model_roof))
            continue;
        printf("%s\n      {\"op\": \"%s\", \"shape\": \"%s\", "
               "\"weight_bytes\": %.0f, \"hot_caches\": %s, \"median_ns\": %.1f, "
               "\"gb_per_s\": %.4f}",
               first ? "" : ",", op_names[j->op], j->shape, j->weight_bytes,
               is_model(j->op) ? "false" : "true", rp->read_ns[jx],
               j->weight_bytes / rp->read_ns[jx]);
        first = 0;
    }
    printf("],\n    \"peak_chains\": %d, \"peak_repeats\": %d, "
           "\"peak_run_ns\": %.0f,\n    \"peaks\": {", PEAK_CHAINS,
           PEAK_REPEATS, PEAK_NS);
    for (size_t ix = 1; ix < rp->nimpls; ix++) {
        enum qk256_isa isa = rp->isa[ix];
        const struct peak_kind *pk = peak_kind(isa);

        printf("%s\n      ", ix > 1 ? "," : "");
        json_string(rp->impls[ix]);
        if (!pk || rp->roofs->mac_g[isa] <= 0.0) {
            printf(": null");
            continue;
        }
        printf(": {\"int8_mac_insn\": \"%s\", \"int8_macs_per_insn\": %.0f, "
               "\"int8_mac_g_per_s\": %.4f,\n        \"f32_fma_insn\": \"%s\", "
               "\"f32_fmas_per_insn\": %.0f, \"f32_fma_g_per_s\": %.4f}",
               pk->mac_insn, pk->macs, rp->roofs->mac_g[isa], pk->fma_insn,
               pk->fmas, rp->roofs->fma_g[isa]);
    }
    printf("},\n    \"peaks_note\": ");
    if (HAVE_PEAKS)
        printf("null");
    else
        json_string("compute peaks are measured on x86-64 only; every row "
                    "has the read roof alone");
    putchar('}');
}

static void
print_json(const struct report *rp)
{
    char cpu[256], date[32];
    time_t now = time(NULL);
    int first = 1;

    cpu_name(cpu, sizeof cpu);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    printf("{\n  \"bound_variant\": ");
    json_string(qk256_implementation());
    printf(",\n  \"version\": ");
    json_string(qk256_version());
    printf(",\n  \"cpu\": ");
    json_string(cpu);
    printf(",\n  \"date\": \"%s\",\n  \"clock\": \"CLOCK_MONOTONIC\",\n"
           "  \"threads\": %zu,\n  \"align\": %zu,\n  \"max_samples\": %zu,\n"
           "  \"min_sample_ns\": %.0f,\n  \"warmup_ns\": %.0f,\n"
           "  \"missing_variants\": [",
           date, rp->o->threads, align_offset, rp->o->samples, SAMPLE_NS, WARMUP_NS);
    for (size_t i = 0; i < rp->nmissing; i++) {
        printf("%s", i ? ", " : "");
        json_string(rp->missing[i]);
    }
    /* arm64: the variants that only the CPU selects have no rows either. */
    for (size_t i = 0; i < rp->ncpu_only; i++) {
        printf("%s", i || rp->nmissing ? ", " : "");
        json_string(rp->cpu_only[i]);
    }
    if (rp->ncpu_only) {
        char note[1024];

        cpu_only_note(note, sizeof note, rp);
        printf("],\n  \"variant_note\": ");
        json_string(note);
        printf(",\n  \"roofs\": ");
    } else {
        printf("],\n  \"roofs\": ");
    }
    json_roofs(rp);
    printf(",\n  \"impl_list_variants\": [");
    for (size_t i = 0; i < rp->nvia_list; i++) {
        printf("%s", i ? ", " : "");
        json_string(rp->via_list[i]);
    }
    printf("],\n  \"results\": [");
    for (size_t jx = 0; jx < rp->njobs; jx++) {
        const struct job *j = &rp->jobs[jx];

        for (size_t ix = 0; ix < rp->nimpls; ix++) {
            const struct stats *s = &rp->st[jx * rp->nimpls + ix];
            struct row_roof r;

            if (!s->valid)
                continue;
            printf("%s\n    {\"op\": \"%s\", \"shape\": \"%s\", \"rows\": %zu, "
                   "\"cols\": %zu, \"variant\": \"%s\",\n     \"median_ns\": %.1f, "
                   "\"min_ns\": %.1f, \"max_ns\": %.1f, \"samples\": %zu, "
                   "\"calls_per_sample\": %zu,\n     \"elements\": %.0f, "
                   "\"weight_bytes\": %.0f, \"gelem_per_s\": %.4f, "
                   "\"gb_per_s\": %.4f, \"speedup\": ",
                   first ? "" : ",", op_names[j->op], j->shape,
                   is_model(j->op) ? (size_t)0 : j->rows,
                   is_model(j->op) ? (size_t)0 : j->cols, rp->impls[ix],
                   s->median, s->min, s->max, s->samples, s->calls, j->elems,
                   j->weight_bytes, j->elems / s->median,
                   j->weight_bytes / s->median);
            json_ratio(s->ref_median > 0.0 ? s->ref_median / s->median : 0.0);
            printf(", \"correct\": %s", s->ok ? "true" : "false");
            r = row_roof(rp, jx, ix);
            printf(",\n     \"read_roof_gb_per_s\": ");
            json_number(r.read_gbps);
            printf(", \"vs_read_roof\": ");
            json_fraction(r.vs_read);
            printf(", \"mac_peak\": ");
            json_string_or_null(r.peak);
            printf(", \"mac_peak_g_per_s\": ");
            json_number(r.peak_g);
            printf(", \"vs_mac_peak\": ");
            json_fraction(r.vs_peak);
            printf(",\n     \"roof\": ");
            json_string_or_null(r.roof);
            printf(", \"vs_roof\": ");
            json_fraction(r.vs_roof);
            if (j->op == OP_GEMM || j->op == OP_GEMM_I8) {
                double b = base_median(rp, jx, ix);

                printf(",\n     \"n\": %zu, \"ldx\": %zu, \"ldy\": %zu, "
                       "\"ns_per_column\": %.1f,\n     \"gemv_op\": \"%s\", "
                       "\"gemv_median_ns\": ",
                       j->n, j->cols, j->rows, s->median / (double)j->n,
                       op_names[base_op(j->op)]);
                if (b > 0.0)
                    printf("%.1f", b);
                else
                    printf("null");
                printf(", \"per_column_vs_gemv\": ");
                json_ratio(vs_base(rp, jx, ix));
            } else if (is_batch(j->op)) {
                const struct stats *b = base_stats(rp, jx, ix);

                printf(",\n     \"activations\": \"%s\", \"batch\": %zu, "
                       "\"gemms_per_pass\": %zu, \"quantize_i8_per_pass\": %zu,\n     "
                       "\"ms_per_pass\": %.4f, \"prompt_tokens_per_s\": %.4f, "
                       "\"one_token_ms\": ",
                       j->op == OP_MODEL_BATCH ? "f32" : "int8", j->n,
                       (size_t)(BITNET_2B_LAYERS * BITNET_2B_MATRICES),
                       j->op == OP_MODEL_BATCH ? (size_t)0
                                               : bitnet_2b_quantizes() * j->n,
                       s->median / 1e6, (double)j->n * 1e9 / s->median);
                if (b)
                    printf("%.4f", b->median / 1e6);
                else
                    printf("null");
                printf(", \"vs_one_token\": ");
                json_ratio(vs_base(rp, jx, ix));
            } else if (is_model(j->op))
                printf(",\n     \"activations\": \"%s\", \"gemvs_per_token\": %zu, "
                       "\"quantize_i8_per_token\": %zu,\n     "
                       "\"ms_per_token\": %.4f, \"tokens_per_s\": %.4f",
                       j->op == OP_MODEL ? "f32" : "int8",
                       (size_t)(BITNET_2B_LAYERS * BITNET_2B_MATRICES),
                       j->op == OP_MODEL ? (size_t)0 : bitnet_2b_quantizes(),
                       s->median / 1e6, 1e9 / s->median);
            printf("}");
            first = 0;
        }
    }
    printf("\n  ]\n}\n");
}

/* ---- arguments ---------------------------------------------------------- */

static void
usage(FILE *f)
{
    fprintf(f,
"usage: qk256-bench [options] [operation...]\n"
"\n"
"Measures libqk256 on this machine: every operation given, in every variant\n"
"of the library that this CPU can run (each through the public API, the\n"
"others in a copy of this program started under a GLIBC_TUNABLES mask), and\n"
"in a plain scalar reference.  Prints the variant the loader bound, then one\n"
"row per operation and variant: the median, min and max time per call,\n"
"Gelem/s (weights per second; floats for quantize_i8), GB/s (packed weight\n"
"bytes read; written for pack and quantize; for quantize_i8, the n int8\n"
"bytes written), the speedup over the reference and \"roof\": the row's rate\n"
"as a fraction of what this machine allows (see Roofs below).\n"
"\n"
"operations (without any, the defaults: dequant 64 256 1024 4096 16384,\n"
"gemv 8x256 2560x2560 2560x6912, gemm 2560x2560x8, pack 4096, unpack 4096,\n"
"quantize 4096, gemv_i8 8x256 2560x2560 2560x6912, gemm_i8 2560x2560x8,\n"
"quantize_i8 2560):\n"
"  dequant N          qk256_dequantize of N weights, with per-block scales\n"
"  gemv ROWSxCOLS     qk256_gemv, f32 activations\n"
"  gemm ROWSxCOLSxN   qk256_gemm of N f32 activation vectors (ldx = COLS,\n"
"                     ldy = ROWS); also printed per result column, against\n"
"                     the same variant's GEMV of ROWSxCOLS, whose samples\n"
"                     alternate with the GEMM's (gemv ROWSxCOLS also runs\n"
"                     as a row of its own, if not named)\n"
"  pack N, unpack N   qk256_pack, qk256_unpack of N codes\n"
"  quantize N         qk256_quantize of N floats\n"
"  gemv_i8 ROWSxCOLS  qk256_gemv_i8, int8 activations quantized once, before\n"
"                     timing (COLS at most %d)\n"
"  gemm_i8 ROWSxCOLSxN\n"
"                     qk256_gemm_i8 of N int8 activation vectors quantized\n"
"                     once, before timing; per result column against gemv_i8\n"
"                     ROWSxCOLS, as gemm against gemv\n"
"  quantize_i8 N      qk256_quantize_i8 of N floats (one activation vector)\n"
"\n"
"options:\n"
"  --model bitnet-2b  the linear layers of one token of BitNet b1.58 2B, one\n"
"                     GEMV after the other (30 layers of q, o 2560x2560; k, v\n"
"                     640x2560; gate, up 6912x2560; down 2560x6912): 521 MB\n"
"                     of weights that stream from memory.  Two token passes:\n"
"                     f32 (qk256_gemv per matrix) and int8 (per layer,\n"
"                     qk256_quantize_i8 of each of its 4 distinct input\n"
"                     vectors, on one thread, then qk256_gemv_i8 per matrix;\n"
"                     the quantizing counts in the token time).  Prints ms per\n"
"                     token and tokens/s of both.  Alone, it replaces the\n"
"                     default operations\n"
"  --batch N          with --model: also two passes of a prompt of N tokens,\n"
"                     one GEMM of the N activation vectors per matrix (ldx =\n"
"                     cols, ldy = rows): f32 (qk256_gemm) and int8 (per layer,\n"
"                     qk256_quantize_i8 of each of the N vectors of each\n"
"                     distinct input, on one thread, then qk256_gemm_i8; the\n"
"                     quantizing counts in the pass time).  Prints ms per pass,\n"
"                     prompt tokens/s (N over that) and its ratio to the\n"
"                     one-token tokens/s.  The reference does not run them\n"
"  --variants LIST    run only these of the variants that this CPU can run\n"
"                     (comma-separated names, e.g. avx2,avx512), besides the\n"
"                     one the loader bound, which always runs\n"
"  --threads N        split each GEMV and GEMM into N row bands on N threads\n"
"                     (default 1)\n"
"  --align OFFSET     put the packed data (the weights of every operation and\n"
"                     of --model) OFFSET bytes past a 64-byte cache line, 0 to\n"
"                     63 (default 0): malloc puts large blocks at 16, GGUF\n"
"                     files tensors at multiples of 32\n"
"  --samples N        at most N timed samples per row (default %d); a row\n"
"                     that has run %.0f s stops at %d\n"
"  --json             print JSON instead of the table; the model's passes are\n"
"                     the rows of op \"model\" (f32) and \"model_i8\" (int8),\n"
"                     with ms_per_token and tokens_per_s, its batch passes\n"
"                     those of \"model_batch\" and \"model_batch_i8\", with\n"
"                     ms_per_pass, prompt_tokens_per_s and vs_one_token; gemm\n"
"                     and gemm_i8 rows have ns_per_column and\n"
"                     per_column_vs_gemv; a \"roofs\" object has the roofs,\n"
"                     and every row read_roof_gb_per_s, vs_read_roof,\n"
"                     mac_peak (\"int8\", \"f32\"), mac_peak_g_per_s,\n"
"                     vs_mac_peak, roof and vs_roof (null where none)\n"
"  --help             print this and exit\n"
"\n",
            QK256_I8_MAX_COLS, DEFAULT_SAMPLES, ROW_BUDGET_NS / 1e9, MIN_SAMPLES);
    fprintf(f,
"Roofs: each run first measures what this machine allows, and \"roof\" gives\n"
"each row's rate as a fraction of it.  rd: the row's GB/s over that of a\n"
"read of the same packed weights with no arithmetic (the row's buffers, so\n"
"its --align offset, in its order, on its --threads, with the widest loads\n"
"the CPU has), timed in turn with the row's samples; the model's passes\n"
"share one read of their 521 MB.  i8, f32 (gemm, gemm_i8 and the --batch\n"
"passes): multiply-accumulates per second (ROWS*COLS*N per call) over the\n"
"int8 MAC or f32 FMA peak of the variant's ISA on --threads threads (%d\n"
"independent chains of vpdpbusd zmm or vfmadd231ps zmm for avx512,\n"
"vpmaddubsw ymm or vfmadd231ps ymm for avx2); such a row shows the roof\n"
"that binds it, the higher fraction.  The reference and the scalar variant\n"
"have no compute peak, and off x86-64 no variant has.\n"
"\n", PEAK_CHAINS);
#if QK256_ARCH_ARM
    fputs(
"On arm64 only the variant that the loader bound runs: the best one that the\n"
"CPU's hwcaps allow.  Nothing masks them, so no copy of this program can run\n"
"another; the others that this CPU has (or those of them that --variants\n"
"names) get a note instead of rows.  Under qemu-user, run the bench once per\n"
"QEMU_CPU: cortex-a53 binds neon, cortex-a76 dotprod, max i8mm.\n"
"\n", f);
#endif
    fputs(
"Exit status: 0; 1 if a variant's output differed from the reference's\n"
"(its row says WRONG RESULT); 2 on a usage or system error.\n", f);
}

/* Whether name is one of the comma-separated names of list (a NULL list
 * holds every name). */
static int
in_list(const char *list, const char *name)
{
    size_t len = strlen(name);

    if (!list)
        return 1;
    for (const char *p = list; *p; p += *p == ',') {
        size_t k = strcspn(p, ",");

        if (k == len && strncmp(p, name, len) == 0)
            return 1;
        p += k;
    }
    return 0;
}

static size_t
parse_size(const char *s, const char *what)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v == 0 || v > MAX_ELEMS)
        die(what, s);
    return (size_t)v;
}

/* "2560x6912" -> rows, cols; with n (a GEMM), "2560x6912x8" -> rows, cols,
 * n */
static void
parse_shape(const char *s, size_t *rows, size_t *cols, size_t *n)
{
    const char *x = strchr(s, 'x'), *x2 = x ? strchr(x + 1, 'x') : NULL;
    char buf[64];

    if (!x || (size_t)(x - s) >= sizeof buf ||
        (n && (!x2 || (size_t)(x2 - x - 1) >= sizeof buf)))
        die(n ? "gemm and gemm_i8 want ROWSxCOLSxN, not '%s'"
              : "gemv and gemv_i8 want ROWSxCOLS, not '%s'", s);
    memcpy(buf, s, (size_t)(x - s));
    buf[x - s] = '\0';
    *rows = parse_size(buf, "bad number of rows '%s'");
    if (n) {
        memcpy(buf, x + 1, (size_t)(x2 - x - 1));
        buf[x2 - x - 1] = '\0';
        *cols = parse_size(buf, "bad number of columns '%s'");
        *n = parse_size(x2 + 1, "bad number of vectors '%s'");
    } else {
        *cols = parse_size(x + 1, "bad number of columns '%s'");
    }
    if (*rows > MAX_ELEMS / qk256_row_bytes(*cols))
        die(n ? "a GEMM of %s is too large" : "a GEMV of %s is too large", s);
    if (n && (*n > MAX_ELEMS / *rows || *n > MAX_ELEMS / *cols))
        die("a GEMM of %s is too large", s);
}

/* Appends the job "name arg" to jobs; returns 0 if name is no operation. */
static int
add_job(struct job *jobs, size_t *njobs, const char *name, const char *arg)
{
    struct job *j = &jobs[*njobs];
    size_t k;

    for (k = 0; k < OP_MODEL; k++)
        if (strcmp(name, op_names[k]) == 0)
            break;
    if (strcmp(name, "dequantize") == 0)
        k = OP_DEQUANT;
    if (k == OP_MODEL)
        return 0;
    if (!arg)
        die("%s needs a size", name);
    j->op = (enum op)k;
    j->n = 1;
    if (j->op == OP_GEMV || j->op == OP_GEMV_I8 || is_gemm(j->op)) {
        parse_shape(arg, &j->rows, &j->cols, is_gemm(j->op) ? &j->n : NULL);
        /* More would make every call fail with QK256_E_OVERFLOW. */
        if ((j->op == OP_GEMV_I8 || j->op == OP_GEMM_I8) &&
            j->cols > QK256_I8_MAX_COLS) {
            char what[128];

            snprintf(what, sizeof what, "%s %s", name, arg);
            die("%s: more columns than QK256_I8_MAX_COLS", what);
        }
        if (is_gemm(j->op))
            snprintf(j->shape, sizeof j->shape, "%zux%zux%zu", j->rows,
                     j->cols, j->n);
        else
            snprintf(j->shape, sizeof j->shape, "%zux%zu", j->rows, j->cols);
    } else {
        j->rows = 1;
        j->cols = parse_size(arg, "bad size '%s'");
        snprintf(j->shape, sizeof j->shape, "n=%zu", j->cols);
    }
    job_sizes(j);
    (*njobs)++;
    return 1;
}

/* A GEMM's time per result column is held against the same variant's GEMV
 * of its ROWSxCOLS: where that is not among the jobs, it goes in right
 * before the GEMM.  jobs has room for one more job per GEMM. */
static void
add_gemv_jobs(struct job *jobs, size_t *njobs)
{
    for (size_t jx = 0; jx < *njobs; jx++) {
        const struct job *g = &jobs[jx];
        size_t k = 0;

        if (g->op != OP_GEMM && g->op != OP_GEMM_I8)
            continue;
        while (k < *njobs && !(jobs[k].op == base_op(g->op) &&
                               jobs[k].rows == g->rows && jobs[k].cols == g->cols))
            k++;
        if (k < *njobs)
            continue;

        struct job v = { base_op(g->op), g->rows, g->cols, 1, "", 0.0, 0.0 };

        snprintf(v.shape, sizeof v.shape, "%zux%zu", v.rows, v.cols);
        job_sizes(&v);
        memmove(&jobs[jx + 1], &jobs[jx], (*njobs - jx) * sizeof *jobs);
        jobs[jx++] = v;
        (*njobs)++;
    }
}

/* ---- main --------------------------------------------------------------- */

/* The job with the reference and with api, interleaved: st[0], st[1].  d
 * holds the data of prev, the job run before (NULL for the first), and is
 * kept for the next: the model's two passes read the same 521 MB of
 * weights, which are built once.  With read_ns, the job's read roof too
 * (measure_pair). */
static void
run_job(const struct options *o, const struct job *j, const struct job *prev,
        const struct api *api, struct data *d, struct stats st[2],
        double *read_ns)
{
    const struct api *const pair[2] = {
        is_batch(j->op) ? NULL : &reference_api, api
    };

    if (!prev || !is_model(prev->op) || !is_model(j->op)) {
        if (prev)
            data_free(d);
        data_init(d, j);
    }
    reference_outputs(j, d);
    measure_pair(o, j, pair, d, st, read_ns);
}

/* A child: runs every job with the variant that the mask bound, and prints
 * one line per job for run_child.  It measures no roofs: the parent has. */
static int
run_child_jobs(const struct options *o, const struct job *jobs, size_t njobs)
{
    struct data d;

    if (strcmp(o->child, qk256_implementation()) != 0)
        return 77; /* the mask did not give this variant */
    library_api.name = o->child;
    for (size_t jx = 0; jx < njobs; jx++) {
        struct stats st[2];

        run_job(o, &jobs[jx], jx ? &jobs[jx - 1] : NULL, &library_api, &d, st,
                NULL);
        printf("%zu %.17g %.17g %.17g %zu %zu %d %.17g %.17g\n", jx,
               st[1].median, st[1].min, st[1].max, st[1].samples, st[1].calls,
               st[1].ok, st[1].ref_median, st[1].base_median);
        fflush(stdout);
    }
    if (njobs)
        data_free(&d);
    progress_done();
    return 0;
}

int
main(int argc, char **argv)
{
    struct options o = { DEFAULT_SAMPLES, 1, 0, 0, NULL, NULL, 0.0, argc };
    /* Each operation may bring a GEMV (add_gemv_jobs); --model 4 passes. */
    size_t maxjobs = 2 * ((size_t)argc + sizeof default_ops / sizeof default_ops[0]) + 4;
    struct job *jobs = xmalloc(maxjobs * sizeof *jobs);
    size_t njobs = 0;
    int model = 0, any_op = 0;

    o.t0 = now_ns();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (strcmp(a, "--model") == 0) {
            if (!next || strcmp(next, "bitnet-2b") != 0)
                die("--model knows only bitnet-2b, not '%s'", next ? next : "");
            model = 1;
            i++;
        } else if (strcmp(a, "--threads") == 0 || strcmp(a, "--samples") == 0 ||
                   strcmp(a, "--batch") == 0) {
            size_t v;

            if (!next)
                die("%s needs a number", a);
            v = parse_size(next, "bad number '%s'");
            if (a[2] == 't') {
                if (v > MAX_THREADS)
                    die("too many threads: %s", next);
                o.threads = v;
            } else if (a[2] == 'b') {
                if (v > MAX_ELEMS / BITNET_2B_MAX_DIM)
                    die("--batch %s is too large", next);
                o.batch = v;
            } else {
                o.samples = v;
            }
            i++;
        } else if (strcmp(a, "--align") == 0) {
            /* 0 is a valid offset, which parse_size refuses. */
            if (!next)
                die("%s needs a number", a);
            align_offset = strcmp(next, "0") == 0 ? 0 : parse_size(next, "bad number '%s'");
            if (align_offset > 63)
                die("--align takes 0 to 63, not %s", next);
            i++;
        } else if (strcmp(a, "--variants") == 0) {
            if (!next)
                die("%s needs a list of variants", a);
            o.only = next;
            i++;
        } else if (strcmp(a, "--as-child") == 0 && next) {
            o.child = next;
            i++;
        } else if (strcmp(a, "--t0") == 0 && next) {
            o.t0 = strtod(next, NULL);
            i++;
        } else if (add_job(jobs, &njobs, a, next)) {
            any_op = 1;
            i++;
        } else {
            fprintf(stderr, "qk256-bench: unknown argument '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (o.batch && !model)
        die("--batch needs --model bitnet-2b%s", "");
    if (!any_op && !model)
        for (size_t k = 0; k < sizeof default_ops / sizeof default_ops[0]; k += 2)
            add_job(jobs, &njobs, default_ops[k], default_ops[k + 1]);
    add_gemv_jobs(jobs, &njobs);
    if (model) {
        /* Next to each other, so that they share their data (run_job):
         * every pass gets the --batch vectors, the one-token passes take
         * the first. */
        static const enum op passes[] = {
            OP_MODEL, OP_MODEL_I8, OP_MODEL_BATCH, OP_MODEL_BATCH_I8
        };

        for (size_t k = 0; k < (o.batch ? 4u : 2u); k++) {
            jobs[njobs] = (struct job){ passes[k], 0, 0, o.batch ? o.batch : 1,
                                        "bitnet-2b", 0.0, 0.0 };
            job_sizes(&jobs[njobs++]);
        }
    }

    if (o.child) {
        int rc = run_child_jobs(&o, jobs, njobs);

        free(jobs);
        return rc;
    }

    /* The columns: the reference, then the variants in impl-list order. */
    struct report rp = { &o, jobs, njobs, 1, { "reference" }, { NULL }, 0, { NULL }, 0,
                         NULL, { NULL }, 0, { QK256_ISA_SCALAR }, NULL, 0, NULL };
    size_t bound = 0;
    int all_ok = 1;

    library_api.name = qk256_implementation();
    for (size_t i = 0; i < qk256_nimpls && rp.nimpls < MAX_IMPLS; i++) {
        if (!qk256_isa_usable(qk256_impls[i].isa) ||
            (strcmp(qk256_impls[i].name, library_api.name) != 0 &&
             !in_list(o.only, qk256_impls[i].name)))
            continue;
        if (strcmp(qk256_impls[i].name, library_api.name) == 0)
            bound = rp.nimpls;
        rp.isa[rp.nimpls] = qk256_impls[i].isa;
        rp.impls[rp.nimpls++] = qk256_impls[i].name;
    }
    rp.st = xmalloc(njobs * rp.nimpls * sizeof *rp.st);
    memset(rp.st, 0, njobs * rp.nimpls * sizeof *rp.st);

    /* The roofs, once: the compute peaks of the variants that run, here
     * and now; the read roofs with the rows below. */
    struct roofs roofs;
    double *read_ns = xmalloc(njobs * sizeof *read_ns);

    memset(&roofs, 0, sizeof roofs);
    roofs.threads = o.threads;
    choose_read();
    measure_peaks(&roofs, &o, rp.impls + 1, rp.nimpls - 1);
    rp.roofs = &roofs;
    rp.read_ns = read_ns;
    rp.model_roof = njobs;

    /* The reference and the bound variant here, job by job, each with its
     * read roof, except that the model's passes share one: that of the
     * int8 one-token pass, which comes nearest to it, so that its ratio
     * is the one taken from alternate samples ... */
    struct data d;

    for (size_t jx = 0; jx < njobs; jx++) {
        struct stats st[2];
        enum op op = jobs[jx].op;
        double *rd = has_read_roof(op) &&
                     (!is_model(op) || op == OP_MODEL_I8) ? &read_ns[jx] : NULL;

        read_ns[jx] = 0.0;
        if (op == OP_MODEL_I8)
            rp.model_roof = jx;
        run_job(&o, &jobs[jx], jx ? &jobs[jx - 1] : NULL, &library_api, &d, st,
                rd);
        rp.st[jx * rp.nimpls] = st[0];
        rp.st[jx * rp.nimpls + bound] = st[1];
    }
    for (size_t jx = 0; jx < njobs; jx++)
        if (is_model(jobs[jx].op) && rp.model_roof < njobs)
            read_ns[jx] = read_ns[rp.model_roof];
    if (njobs)
        data_free(&d);
    /* ... and each other variant in a child, where a mask selects it. */
    for (size_t ix = 1; ix < rp.nimpls; ix++) {
        if (ix == bound)
            continue;
        if (variant_cpu_only(rp.impls[ix])) {
            rp.cpu_only[rp.ncpu_only++] = rp.impls[ix];
            continue;
        }
        fflush(stdout);
        if (run_child(argv, rp.impls[ix], &o, njobs, rp.st + ix, rp.nimpls) == 0)
            continue;
        /* No mask gave it: through the impl list, if the CPU runs it. */
        for (size_t k = 0; k < qk256_nimpls; k++)
            if (strcmp(qk256_impls[k].name, rp.impls[ix]) == 0 &&
                qk256_isa_usable(qk256_impls[k].isa)) {
                run_impl_jobs(&o, jobs, njobs, k, rp.st + ix, rp.nimpls);
                rp.via_list[rp.nvia_list++] = rp.impls[ix];
            }
        if (!rp.st[ix].valid && njobs)
            rp.missing[rp.nmissing++] = rp.impls[ix];
    }
    measure_peaks(&roofs, &o, rp.impls + 1, rp.nimpls - 1);
    progress_done();

    for (size_t k = 0; k < njobs * rp.nimpls; k++)
        if (rp.st[k].valid && !rp.st[k].ok)
            all_ok = 0;
    if (o.json)
        print_json(&rp);
    else
        print_table(&rp);

    free(read_ns);
    free(rp.st);
    free(jobs);
    return all_ok ? 0 : 1;
}
