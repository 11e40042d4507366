/* bench/roofs.c -- the roofs: what this machine allows
 * SPDX-License-Identifier: MIT
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
 * PEAK_NS at the start of the run and as many at its end.  A GEMM of
 * ROWSxCOLSxN does ROWS * COLS * N of them.  A GEMM row's roof is the one
 * of its two that binds it: the larger fraction.
 * The reference and the scalar variant have no compute peak.  Children
 * measure no roofs; the parent applies its own to their rows when it
 * prints them.
 */
#define _POSIX_C_SOURCE 200809L /* pthread_create */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* The roofs' loops use the x86 variants' vector ISAs through intrinsics,
 * in functions that carry their own target attributes. */
#if QK256_ARCH_X86
# include <immintrin.h>
#endif

/* ---- the read roof --------------------------------------------------------
 * read_api stands in for the library in a row's own calls (time_calls in
 * timing.c, and through its gemv() the same row bands on the same threads),
 * but only reads the packed weights that each call would read, and folds
 * them with OR so that no load can be left out.  Its operations that read
 * no weights do nothing. */

/* The loop that reads, chosen by choose_read(): the widest loads that the
 * CPU has, eight per iteration into four accumulators, so that the loads
 * and not the loop bound it. */
static uint64_t read_c(const uint8_t *p, size_t n);
static uint64_t (*read_fn)(const uint8_t *, size_t) = read_c;
const char *read_loads = "plain C 8-byte loads";

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
void
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
 * them: the roof is what memory gives, at any --align (xmalloc_at
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
const struct api read_api = {
    "read", NULL, read_unpack, read_dequantize, read_gemv, NULL,
    read_quantize_i8, read_gemv_i8, read_gemm, read_gemm_i8,
};

/* Whether the operation reads packed weights, and so has a read roof. */
int
has_read_roof(enum op op)
{
    return op == OP_DEQUANT || op == OP_UNPACK || op == OP_GEMV ||
           op == OP_GEMV_I8 || op == OP_GEMM || op == OP_GEMM_I8 || is_model(op);
}

/* ---- the compute peaks -------------------------------------------------- */

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
const struct peak_kind *
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
void
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
