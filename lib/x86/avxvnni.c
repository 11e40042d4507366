/* lib/x86/avxvnni.c -- AVX2+FMA+AVX-VNNI kernels for QK256
 * SPDX-License-Identifier: MIT
 *
 * Built with -mavx2 -mfma -mavxvnni; none of it runs unless the resolver
 * in dispatch.c, or a caller of the impl list, has checked that the CPU
 * has all three.  AVX-VNNI is the VEX form of AVX512_VNNI's vpdpbusd, on
 * 128- and 256-bit vectors only: Intel Alder Lake to Arrow Lake and Sierra
 * Forest have it and no AVX-512.  Kernels trust their arguments
 * (internal.h) and follow the rules of lib/x86/avx2.c, whose comments
 * explain the methods; this file says only where vpdpbusd changes them.
 * Only the int8 kernels are here: every other kernel of the variant is
 * the avx2 one.
 *
 * The planes are avx2's (qk256_i8_planes_avx2, qk256_i8_tile_planes_avx2)
 * and so is the decoding: per 32 packed bytes a mask, a shift, a mask and
 * four vpshufb give w + 2 in {0, 1, 3, 4}, unsigned, for the four planes.
 * Where avx2 then takes vpmaddubsw into 16-bit sums, vpaddw and, now and
 * then, vpmaddwd and vpaddd to widen them, vpdpbusd adds the four products
 * (w + 2) x of each 32-bit lane straight into an int32 sum: one
 * instruction for 32 products where avx2 takes two and a bit, and no
 * 16-bit stage to bound.  The sums wrap modulo 2^32 like avx2's (see
 * gemv_i8.h), and are bitwise avx2's.
 */
#include "internal.h"
#include "loops/gemm.h"
#include "x86/int8.h"

#include <immintrin.h>

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* The variant's own kernels.  internal.h declares them too once the
 * variant is in its list (QK256_FOR_EACH_SIMD_ISA); a second declaration
 * of the same type is harmless. */
qk256_gemv_i8_fn qk256_gemv_i8_avxvnni;
qk256_gemm_i8_fn qk256_gemm_i8_avxvnni;

/* For the GEMM's loops over the vectors of a tile (see avx2.c). */
#define UNROLL8 _Pragma("GCC unroll 8")

/* The four planes of w + 2 of the 32 packed bytes v: d[s] for codes s
 * (bits 2s, 2s + 1) of each byte. */
static ALWAYS_INLINE void
decode32(__m256i d[4], __m256i v)
{
    const __m256i nib = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_and_si256(v, nib);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);

    d[0] = _mm256_shuffle_epi8(i8_lut_lo(), lo);
    d[1] = _mm256_shuffle_epi8(i8_lut_hi(), lo);
    d[2] = _mm256_shuffle_epi8(i8_lut_lo(), hi);
    d[3] = _mm256_shuffle_epi8(i8_lut_hi(), hi);
}

/* 32 bytes, dpbusd's memory operand. */
typedef int8_t bytes32[32];

/* _mm256_dpbusd_avx_epi32(a, u, the 32 signed bytes at x), in place:
 * GCC 12 copies the intrinsic's accumulator to another register and back
 * (avx512.c saw the same), which left a tile of 6 vectors 1.15 times as
 * fast as avx2's where this is 1.25 times (1.22 and 1.25 for 8).  The
 * {vex} prefix asks for AVX-VNNI's encoding: without it the assembler
 * would pick AVX512_VNNI's (EVEX), which these CPUs cannot run. */
static ALWAYS_INLINE __m256i
dpbusd(__m256i a, __m256i u, const int8_t *x)
{
    __asm__("%{vex%} vpdpbusd %2, %1, %0"
            : "+x"(a)
            : "x"(u), "m"(*(const bytes32 *)(const void *)x));
    return a;
}

/* a + the sums of (w + 2) x over the 32 packed bytes v, whose activations
 * start at planes xp (plane s at xp + 64 s): four vpdpbusd in a chain. */
static ALWAYS_INLINE __m256i
dot32(__m256i a, __m256i v, const int8_t *xp)
{
    __m256i d[4];

    decode32(d, v);
    a = dpbusd(a, d[0], xp);
    a = dpbusd(a, d[1], xp + 64);
    a = dpbusd(a, d[2], xp + 128);
    return dpbusd(a, d[3], xp + 192);
}

/* ---- gemv_i8 -------------------------------------------------------------
 * Twin: qk256_gemv_i8_scalar, bit-exact, by the method and the driver of
 * avx2's (lines, edge lines, planes, prefetch).  Four rows share each
 * load of the planes.  Each row has two int32 sums, one per half line, so
 * that its chain of vpdpbusd, 5 cycles each, is four a line long, not
 * eight.
 *
 * 2560 x 2560, us per call, in a test program that alternates the calls
 * (median of 151, weights on a cache line or 16 bytes past one): avx2's
 * GEMV 82-95, this 61-69, 1.33-1.38 times as fast; with one sum a row,
 * 83-86, the chains' latency bounding the loop. */

/* The sums of line b of the row at p into a0 (first half) and a1 (second
 * half); of the edge line with edge. */
static ALWAYS_INLINE void
line_dot(__m256i *a0, __m256i *a1, const uint8_t *p, const int8_t *xp, size_t b,
         struct qk256_i8_edges e, int edge)
{
    if (edge) {
        *a0 = dot32(*a0, i8_edge_half(p, 0, e), xp);
        *a1 = dot32(*a1, i8_edge_half(p, 1, e), xp + 32);
    } else {
        const uint8_t *q = p + b * QK256_BLOCK_BYTES;

        *a0 = dot32(*a0, load256(q), xp);
        *a1 = dot32(*a1, load256(q + 32), xp + 32);
    }
}

static void
i8_rows4_avxvnni(uint32_t acc[4], const uint8_t *w, size_t gap,
                 const int8_t *planes, size_t nlines, struct qk256_i8_edges e)
{
    const uint8_t *w0 = w, *w1 = w0 + gap, *w2 = w1 + gap, *w3 = w2 + gap;
    const size_t ahead = QK256_I8_PREFETCH_BYTES;
    __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00;
    __m256i a20 = a00, a21 = a00, a30 = a00, a31 = a00;

    /* The edge line last (see avx512.c), out of the loop. */
    for (size_t b = e.head ? 1 : 0; b < nlines; b++) {
        const int8_t *xp = planes + b * QK256_BLOCK_ELEMS;
        size_t off = b * QK256_BLOCK_BYTES;

        _mm_prefetch((const char *)(w0 + off + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(w1 + off + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(w2 + off + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(w3 + off + ahead), _MM_HINT_T0);
        line_dot(&a00, &a01, w0, xp, b, e, 0);
        line_dot(&a10, &a11, w1, xp, b, e, 0);
        line_dot(&a20, &a21, w2, xp, b, e, 0);
        line_dot(&a30, &a31, w3, xp, b, e, 0);
    }
    if (e.head) {
        line_dot(&a00, &a01, w0, planes, 0, e, 1);
        line_dot(&a10, &a11, w1, planes, 0, e, 1);
        line_dot(&a20, &a21, w2, planes, 0, e, 1);
        line_dot(&a30, &a31, w3, planes, 0, e, 1);
    }
    acc[0] = hsum_epi32(_mm256_add_epi32(a00, a01));
    acc[1] = hsum_epi32(_mm256_add_epi32(a10, a11));
    acc[2] = hsum_epi32(_mm256_add_epi32(a20, a21));
    acc[3] = hsum_epi32(_mm256_add_epi32(a30, a31));
}

static uint32_t
i8_row1_avxvnni(const uint8_t *w, const int8_t *planes, size_t nlines,
                struct qk256_i8_edges e)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0;

    for (size_t b = e.head ? 1 : 0; b < nlines; b++)
        line_dot(&a0, &a1, w, planes + b * QK256_BLOCK_ELEMS, b, e, 0);
    if (e.head)
        line_dot(&a0, &a1, w, planes, 0, e, 1);
    return hsum_epi32(_mm256_add_epi32(a0, a1));
}

void
qk256_gemv_i8_avxvnni(float *y, const uint8_t *w, size_t row_stride,
                      const int8_t *xq, float scale, size_t rows, size_t cols)
{
    qk256_gemv_i8_driver(y, w, row_stride, xq, scale, rows, cols,
                         qk256_i8_planes_avx2, i8_rows4_avxvnni, 4, i8_row1_avxvnni, 1);
}

/* ---- gemm_i8 -------------------------------------------------------------
 * Twin: qk256_gemm_i8_scalar, bit-exact, by the method of avx2's: a row is
 * taken with all the vectors of the tile at once, each half block of it
 * decoded once, and each vector then takes four vpdpbusd with its planes.
 *
 * Sums.  vpdpbusd issues two a cycle but takes 5 cycles, so only 10 sums
 * in flight keep both ports busy; 8 give 1.6 a cycle (measured so in a
 * test loop), and that bounds a tile of 8: 32 vpdpbusd a half block, 20
 * cycles, against 16 for the ports.  Narrower tiles give each vector 2
 * or 4 sums (I8_SETS), one per plane s % I8_SETS(nt): 8 for 2 vectors,
 * 6 to 12 for 3 to 6 (12 do not all fit in registers, yet were faster
 * than 6 for 6 vectors: 47-50 us per vector against 52), 7 and 8 for 7
 * and 8 (16 for 8: 56 against 46).
 * Tried and slower for a tile of 8, in a test loop of the kernel alone
 * (22.7 cycles a half block): sums that start from zero each half block
 * and are then added (25), two rows of four vectors sharing each load of
 * the planes (24), three rows of four (27.5, GCC spills).
 *
 * 2560 x 2560, n = 8, us per vector, alternated with avx2's GEMM as
 * above (median of 151): avx2's 56-60, this 45-47, 1.25-1.27 times as
 * fast (1.44-1.50 times as fast as its own GEMV).  n = 2 to 7, 9 and 16:
 * 1.23, 1.23, 1.30, 1.30, 1.25, 1.16, 1.24 and 1.26 times as fast as
 * avx2's; a call of one vector is the GEMV's. */

/* The sums of the row at w with vector t's planes in a[t], t < nt, and
 * zeros in a[nt, 8).  Plane s of vector t goes into sum s % I8_SETS(nt)
 * of it (see above). */
#define I8_SETS(nt) ((nt) > 6 ? 1 : (nt) > 2 ? 2 : 4)

static ALWAYS_INLINE void
i8_row_tile(__m256i a[QK256_GEMM_TILE], const uint8_t *w, const int8_t *planes,
            size_t nblocks, size_t nt)
{
    const size_t k = I8_SETS(nt);
    __m256i sum[4][QK256_GEMM_TILE];

    UNROLL8
    for (size_t t = 0; t < QK256_GEMM_TILE; t++)
        sum[0][t] = sum[1][t] = sum[2][t] = sum[3][t] = _mm256_setzero_si256();
    for (size_t b = 0; b < nblocks; b++) {
        const int8_t *xb = planes + b * QK256_BLOCK_ELEMS;

        _Pragma("GCC unroll 2")
        for (size_t h = 0; h < 2; h++) {
            const int8_t *xp = xb + 32 * h;
            __m256i d[4];

            decode32(d, load256(w + b * QK256_BLOCK_BYTES + 32 * h));
            _Pragma("GCC unroll 4")
            for (size_t s = 0; s < 4; s++) {
                UNROLL8
                for (size_t t = 0; t < nt; t++)
                    sum[s % k][t] = dpbusd(sum[s % k][t], d[s],
                                           xp + t * QK256_GEMM_I8_CHUNK_ELEMS + 64 * s);
            }
        }
    }
    UNROLL8
    for (size_t t = 0; t < QK256_GEMM_TILE; t++) {
        a[t] = sum[0][t];
        if (k > 1)
            a[t] = _mm256_add_epi32(a[t], sum[1][t]);
        if (k > 2)
            a[t] = _mm256_add_epi32(a[t], _mm256_add_epi32(sum[2][t], sum[3][t]));
    }
}

/* One copy of i8_row_tile for each tile width.  The twin of an odd last
 * row (w1 == w0) is not computed again. */
static void
i8_tile_avxvnni(uint32_t acc[2][QK256_GEMM_TILE], const uint8_t *w0,
                const uint8_t *w1, const int8_t *planes, size_t nblocks, size_t nt,
                struct qk256_i8_edges e)
{
    (void)e; /* whole blocks: the driver is not asked to shift lines */
    for (int i = 0; i < (w1 == w0 ? 1 : 2); i++) {
        const uint8_t *w = i ? w1 : w0;
        __m256i a[QK256_GEMM_TILE];

#define I8_ROW_TILE(k) i8_row_tile(a, w, planes, nblocks, k)
        QK256_GEMM_BY_WIDTH(nt, I8_ROW_TILE)
#undef I8_ROW_TILE
        hsum8_epi32(acc[i], a);
    }
}

void
qk256_gemm_i8_avxvnni(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
                      const int8_t *xq, size_t ldx, const float *scales,
                      size_t rows, size_t cols, size_t n)
{
    /* One vector: the GEMV's (see avx2.c). */
    if (n == 1)
        qk256_gemv_i8_avxvnni(y, w, row_stride, xq, qk256_get_f32(scales, 0), rows, cols);
    else
        qk256_gemm_i8_driver(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n,
                             qk256_i8_tile_planes_avx2, i8_tile_avxvnni, NULL);
}
