/* lib/x86/int8.h -- what the int8 kernels of avx2.c and avxvnni.c share
 * SPDX-License-Identifier: MIT
 *
 * Included by those two files alone; both are built with AVX2, so these
 * always-inline helpers take the including file's flags.
 */
#ifndef QK256_X86_INT8_H
#define QK256_X86_INT8_H

#include "loops/gemv_i8.h"

#include <immintrin.h>

#define QK256_X86_INLINE static inline __attribute__((always_inline))

QK256_X86_INLINE __m256i
load256(const void *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}

/* Nibble lookups: w + 2 of the code in bits 0-1 (lo) or 2-3 (hi) of the
 * index, in both 128-bit lanes. */
QK256_X86_INLINE __m256i
i8_lut_lo(void)
{
    return _mm256_set1_epi32(0x04030100);
}

QK256_X86_INLINE __m256i
i8_lut_hi(void)
{
    return _mm256_broadcastsi128_si256(_mm_setr_epi32(0x00000000, 0x01010101, 0x03030303,
                                                      0x04040404));
}

/* Half h of the edge line at p (gemv_i8.h): its bytes from [head, 32 h +
 * 32) of the line at p and [32 h, head) of the line tail_off bytes on,
 * with vpmaskmovd, whose dword granularity the driver's shift (a multiple
 * of 4 bytes) allows; nothing else is read. */
QK256_X86_INLINE __m256i
i8_edge_half(const uint8_t *p, int h, struct qk256_i8_edges e)
{
    __m256i off = _mm256_add_epi32(_mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28),
                                   _mm256_set1_epi32(32 * h));
    /* Dwords at or past head: the row's first bytes. */
    __m256i m = _mm256_cmpgt_epi32(off, _mm256_set1_epi32((int)e.head - 1));
    const int *first = (const int *)(const void *)(p + 32 * h);
    const int *last = (const int *)(const void *)(p + e.tail_off + 32 * h);

    return _mm256_or_si256(_mm256_maskload_epi32(first, m),
                           _mm256_maskload_epi32(last, _mm256_xor_si256(m, _mm256_set1_epi32(-1))));
}

/* The sum of the eight lanes of v. */
QK256_X86_INLINE uint32_t
hsum_epi32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));

    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return (uint32_t)_mm_cvtsi128_si32(s);
}

/* The sums a[0, 8) (zero past a tile's width) added up lane by lane:
 * out[t] = the sum of the eight lanes of a[t], by a transpose that takes
 * 21 instructions for all eight where eight separate sums would take 56. */
QK256_X86_INLINE void
hsum8_epi32(uint32_t out[8], const __m256i a[8])
{
    __m256i s[4], u0, u1;

    for (int k = 0; k < 4; k++)
        s[k] = _mm256_add_epi32(_mm256_unpacklo_epi32(a[2 * k], a[2 * k + 1]),
                                _mm256_unpackhi_epi32(a[2 * k], a[2 * k + 1]));
    /* s[k]: lanes {0 + 2, 1 + 3} of a[2k] and a[2k + 1], interleaved. */
    u0 = _mm256_add_epi32(_mm256_unpacklo_epi64(s[0], s[1]), _mm256_unpackhi_epi64(s[0], s[1]));
    u1 = _mm256_add_epi32(_mm256_unpacklo_epi64(s[2], s[3]), _mm256_unpackhi_epi64(s[2], s[3]));
    /* u0: the sums of lanes 0-3 of a[0..3], then of lanes 4-7; u1 a[4..7]. */
    _mm256_storeu_si256((__m256i *)(void *)out,
                        _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20),
                                         _mm256_permute2x128_si256(u0, u1, 0x31)));
}

#endif /* QK256_X86_INT8_H */
