/* tests/check_args.c -- every error path of SPEC section 3, and the small
 * functions: qk256_strerror, qk256_row_bytes, qk256_version,
 * qk256_implementation
 * SPDX-License-Identifier: MIT
 *
 * Each public function gets a table of calls with the status it must
 * return.  All pointers point into one guard-paged arena (or are NULL, or
 * fake pointers near the top or the bottom of the address space that no
 * correct check dereferences).  The arena starts from the same image before every call;
 * after a failing call not one byte of it may have changed, and after a
 * successful one no byte outside the outputs (a GEMM's outputs are its n
 * results: the padding between them is not one).
 *
 * The arena holds bytes 0..3, which are valid codes and, read as floats,
 * finite; a few planted values are not: the codes 4, 128 and 255, and the
 * floats NaN, -NaN, a signalling NaN, +inf and -inf.  Windows of a call
 * that end at, start at or contain such a value test QK256_E_RANGE at the
 * first, middle and last element -- and that the functions which take any
 * packed byte or any float (unpack, dequantize's scales, gemv's x) accept
 * them.  +-FLT_MAX are planted too: the largest finite values are no error.
 *
 * Outputs of failing calls that are not in the arena are NULL or TOP(k):
 * a write through either faults, which check reports as an error, so no
 * output of any row goes unchecked.
 *
 * Overlap rows try each output against each input: exact aliasing, a
 * one-byte overlap at either end, a longer partial overlap at either end,
 * one range inside the other (where the sizes allow it), and the two
 * adjacent placements, which must succeed.
 */
#include <config.h>

#include "qk256.h"
#include "internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

enum {
    ARENA = 65536,
    /* Planted values (offsets into the arena). */
    BAD4 = 12000,   /* code 4 */
    BAD255 = 24000, /* code 255 */
    F_NAN = 30000,  /* float NaN */
    F_PINF = 36000, /* float +inf */
    F_NINF = 42000, /* float -inf */
    BAD128 = 48000, /* code 128: the sign bit of a byte */
    F_MNAN = 50000, /* float -NaN */
    F_SNAN = 52000, /* float signalling NaN */
    F_MAX = 54000,  /* FLT_MAX: finite */
    F_NMAX = 56000, /* -FLT_MAX: finite */
};

#define OK QK256_OK
#define E_NULL QK256_E_NULL
#define E_STRIDE QK256_E_STRIDE
#define E_OVERFLOW QK256_E_OVERFLOW
#define E_OVERLAP QK256_E_OVERLAP
#define E_RANGE QK256_E_RANGE

#define BIG4 (SIZE_MAX / 4 + 1) /* n * sizeof(float) overflows */
/* qk256_row_bytes as a constant expression: no overflow for SIZE_MAX. */
#define RB(cols) ((size_t)(cols) / 256 * 64 + ((size_t)(cols) % 256 != 0) * 64)

/* Where a pointer of a table row points: an arena offset, NUL (NULL),
 * TOP(k) (the address UINTPTR_MAX - k) or LOW(k) (the address 4096 + k,
 * below the lowest address Linux maps, vm.mmap_min_addr): a span of
 * SIZE_MAX / 2 + 66 bytes from it fits whatever the width of size_t,
 * where from the arena it wraps on a 32-bit machine if the arena is in
 * the top half of the address space. */
typedef long loc;
#define NUL LONG_MIN
#define TOP(k) (LONG_MIN + 1 + (k))
#define LOW(k) (LONG_MAX - (k))
enum { LOW_ADDR = 4096, LOW_MAX = 1024 };

static struct gbuf arena_buf;
static uint8_t *arena;
static uint8_t image[ARENA];

static void
arena_setup(void)
{
    struct rng r;

    arena = gbuf_alloc(&arena_buf, ARENA, 0);
    rng_seed(&r, 7);
    rng_codes(&r, image, ARENA);
    image[BAD4] = 4;
    image[BAD128] = 128;
    image[BAD255] = 255;

    /* IEEE 754 binary32 bits: a signalling NaN or a NaN with the sign bit
     * set cannot be written as a float constant. */
    const uint32_t planted[] = {
        0x7fc00000u, 0x7f800000u, 0xff800000u, /* NaN, +inf, -inf */
        0xffc00000u, 0x7f800001u,              /* -NaN, signalling NaN */
        0x7f7fffffu, 0xff7fffffu,              /* FLT_MAX, -FLT_MAX */
    };
    const size_t where[] = { F_NAN, F_PINF, F_NINF, F_MNAN, F_SNAN, F_MAX, F_NMAX };
    for (size_t k = 0; k < NELEMS(planted); k++)
        memcpy(image + where[k], &planted[k], sizeof(float));
    memcpy(arena, image, ARENA);
}

static void
arena_teardown(void)
{
    gbuf_free(&arena_buf);
}

static void *
at(loc l)
{
    if (l == NUL)
        return NULL;
    if (l < 0)
        return (void *)(UINTPTR_MAX - (uintptr_t)(l - TOP(0)));
    if (l > LOW(LOW_MAX))
        return (void *)(uintptr_t)(LOW_ADDR + (uintptr_t)(LOW(0) - l));
    return arena + l;
}

/* An output of a call: the bytes it may write when it succeeds, count
 * ranges of len bytes, step bytes apart (the n results of a GEMM, ldy
 * floats apart: the padding between them is no output).  out_at() makes
 * the single range of the other functions. */
struct out {
    const void *p;
    size_t len;
    size_t step, count;
};

static struct out
out_at(const void *p, size_t len)
{
    struct out o = { p, len, len, 1 };
    return o;
}

static int
in_out(const uint8_t *q, const struct out *o)
{
    /* Compared as integers: o->p + o->len need not be in the arena. */
    uintptr_t d = (uintptr_t)q - (uintptr_t)o->p;

    if ((uintptr_t)q < (uintptr_t)o->p || o->count == 0)
        return 0;
    if (o->count > 1 && o->step > 0) {
        if (d / o->step >= o->count)
            return 0;
        d %= o->step;
    }
    return d < o->len;
}

/* Checks the status of row k of fn's table, and that the call wrote no
 * byte of the arena (failure) or none outside o1 and o2 (success); then
 * restores the arena. */
static void
expect(const char *fn, size_t k, const char *why, int got, int want,
       struct out o1, struct out o2)
{
    CHECK(got == want, "%s, row %zu (%s): returned %d (%s), want %d (%s)",
          fn, k, why, got, qk256_strerror(got), want,
          qk256_strerror(want));
    for (size_t i = 0; i < ARENA; i++) {
        int allowed = want == OK && (in_out(&arena[i], &o1) || in_out(&arena[i], &o2));

        CHECK(allowed || arena[i] == image[i],
              "%s, row %zu (%s): returned %d but changed arena byte %zu",
              fn, k, why, got, i);
    }
    CHECK(gbuf_canaries_ok(&arena_buf), "%s, row %zu (%s): wrote "
          "outside the arena", fn, k, why);
    memcpy(arena, image, ARENA);
}

static const struct out no_out = { NULL, 0, 0, 0 };

/* ---- qk256_pack: n = 300 is 300 code bytes and 128 packed bytes --------- */

static const struct {
    int want;
    loc dst, codes;
    size_t n;
    const char *why;
} pack_calls[] = {
    { OK, NUL, NUL, 0, "n == 0 with NULL pointers" },
    { OK, 1000, 1000, 0, "n == 0 with dst == codes" },
    { OK, TOP(10), BAD4, 0, "n == 0: dst wraps, codes hold a code 4" },
    { OK, 0, 1000, 300, "valid" },
    { E_NULL, NUL, 1000, 300, "dst NULL" },
    { E_NULL, 0, NUL, 300, "codes NULL" },
    { E_NULL, NUL, NUL, 300, "both NULL" },
    { E_NULL, NUL, TOP(10), 300, "NULL before OVERFLOW" },
    { E_NULL, NUL, BAD4, 300, "NULL before RANGE" },
    { E_OVERFLOW, TOP(10), 1000, 300, "dst wraps" },
    { E_OVERFLOW, TOP(100), 1000, 300, "dst wraps in its last block" },
    { E_OVERFLOW, TOP(126), 1000, 300, "dst wraps by one byte" },
    { E_OVERFLOW, 0, TOP(200), 300, "codes wrap" },
    { E_OVERFLOW, 0, TOP(298), 300, "codes wrap by one byte" },
    { E_OVERFLOW, 2000, 0, SIZE_MAX, "n == SIZE_MAX: codes wrap" },
    { E_OVERFLOW, TOP(10), TOP(10), 300, "OVERFLOW before OVERLAP" },
    { E_OVERFLOW, TOP(10), BAD4, 300, "OVERFLOW before RANGE" },
    { E_OVERLAP, 1000, 1000, 300, "dst == codes" },
    { E_OVERLAP, 1299, 1000, 300, "dst starts at the last code" },
    { E_OVERLAP, 1000, 1127, 300, "codes start at the last dst byte" },
    { E_OVERLAP, 1250, 1000, 300, "dst overlaps the last 50 codes" },
    { E_OVERLAP, 900, 1000, 300, "dst overlaps the first 28 codes" },
    { E_OVERLAP, 1100, 1000, 300, "dst inside codes" },
    { E_OVERLAP, 1000, 1010, 30, "codes inside dst" },
    { E_OVERLAP, BAD4 - 10, BAD4 - 150, 300, "OVERLAP before RANGE" },
    { OK, 1300, 1000, 300, "dst right after codes" },
    { OK, 1000, 1128, 300, "codes right after dst" },
    { OK, 872, 1000, 300, "dst right before codes" },
    { E_RANGE, 0, BAD4, 300, "code 4 first" },
    { E_RANGE, 0, BAD4 - 150, 300, "code 4 in the middle" },
    { E_RANGE, 0, BAD4 - 299, 300, "code 4 last" },
    { E_RANGE, 0, BAD4, 1, "code 4, n == 1" },
    { E_RANGE, 0, BAD255, 300, "code 255 first" },
    { E_RANGE, 0, BAD255 - 150, 300, "code 255 in the middle" },
    { E_RANGE, 0, BAD255 - 299, 300, "code 255 last" },
    { E_RANGE, 0, BAD255 - 8191, 8192, "code 255 last of 32 blocks" },
    { E_RANGE, 0, BAD128, 300, "code 128 first" },
    { E_RANGE, 0, BAD128 - 150, 300, "code 128 in the middle" },
    { E_RANGE, 0, BAD128 - 299, 300, "code 128 last" },
    { OK, 0, BAD4 - 300, 300, "code 4 just past the end is not read" },
    { OK, 0, BAD4 + 1, 300, "code 4 just before the start is not read" },
};

START_TEST(test_pack)
{
    for (size_t k = 0; k < NELEMS(pack_calls); k++) {
        uint8_t *dst = at(pack_calls[k].dst);
        size_t n = pack_calls[k].n;
        struct out o = out_at(dst, qk256_row_bytes(n));

        expect("qk256_pack", k, pack_calls[k].why,
               qk256_pack(dst, at(pack_calls[k].codes), n),
               pack_calls[k].want, o, no_out);
    }
}
END_TEST

/* ---- qk256_unpack: n = 300 is 128 packed bytes and 300 code bytes ------- */

static const struct {
    int want;
    loc codes, src;
    size_t n;
    const char *why;
} unpack_calls[] = {
    { OK, NUL, NUL, 0, "n == 0 with NULL pointers" },
    { OK, 1000, 1000, 0, "n == 0 with codes == src" },
    { OK, 0, 1000, 300, "valid" },
    { OK, 0, BAD255 - 64, 300, "any byte is packed data: 255 is four codes 3" },
    { E_NULL, NUL, 1000, 300, "codes NULL" },
    { E_NULL, 0, NUL, 300, "src NULL" },
    { E_NULL, NUL, NUL, 300, "both NULL" },
    { E_NULL, TOP(10), NUL, 300, "NULL before OVERFLOW" },
    { E_OVERFLOW, TOP(100), 1000, 300, "codes wrap" },
    { E_OVERFLOW, TOP(298), 1000, 300, "codes wrap by one byte" },
    { E_OVERFLOW, 0, TOP(100), 300, "src wraps" },
    { E_OVERFLOW, 0, TOP(126), 300, "src wraps by one byte" },
    { E_OVERFLOW, 0, 1000, SIZE_MAX, "n == SIZE_MAX: codes wrap" },
    { E_OVERFLOW, 1000, 1000, SIZE_MAX, "OVERFLOW before OVERLAP" },
    { E_OVERLAP, 1000, 1000, 300, "codes == src" },
    { E_OVERLAP, 1127, 1000, 300, "codes start at the last src byte" },
    { E_OVERLAP, 701, 1000, 300, "codes end at the first src byte" },
    { E_OVERLAP, 1100, 1000, 300, "codes overlap the last 28 src bytes" },
    { E_OVERLAP, 800, 1000, 300, "codes overlap the first 100 src bytes" },
    { E_OVERLAP, 1010, 1000, 3, "codes inside src" },
    { E_OVERLAP, 1000, 1100, 300, "src inside codes" },
    { OK, 1128, 1000, 300, "codes right after src" },
    { OK, 700, 1000, 300, "codes right before src" },
};

START_TEST(test_unpack)
{
    for (size_t k = 0; k < NELEMS(unpack_calls); k++) {
        uint8_t *codes = at(unpack_calls[k].codes);
        size_t n = unpack_calls[k].n;
        struct out o = out_at(codes, n);

        expect("qk256_unpack", k, unpack_calls[k].why,
               qk256_unpack(codes, at(unpack_calls[k].src), n),
               unpack_calls[k].want, o, no_out);
    }
}
END_TEST

/* ---- qk256_dequantize: n = 300 is 128 packed bytes, 2 scales (8 bytes)
 * and 300 floats (1200 bytes) ------------------------------------------- */

static const struct {
    int want;
    loc dst, src, scales;
    size_t n;
    const char *why;
} dequantize_calls[] = {
    { OK, NUL, NUL, NUL, 0, "n == 0 with NULL pointers" },
    { OK, 2000, 2000, 2000, 0, "n == 0 with dst == src == scales" },
    { OK, 0, 2000, 5000, 300, "valid" },
    { OK, 0, 2000, NUL, 300, "scales NULL" },
    { OK, 1, 2002, 5003, 300, "unaligned" },
    { OK, 0, BAD255 - 64, 5000, 300, "any byte is packed data" },
    /* Scales are not checked: non-finite ones propagate (qk256_dequantize(3)). */
    { OK, 0, 2000, F_NAN, 300, "first scale NaN" },
    { OK, 0, 2000, F_PINF - 4, 300, "last scale +inf" },
    { OK, 0, 2000, F_NINF, 300, "first scale -inf" },
    { OK, 0, 2000, F_MNAN - 4, 300, "last scale -NaN" },
    { OK, 0, 2000, F_SNAN, 300, "first scale a signalling NaN" },
    { E_NULL, NUL, 2000, 5000, 300, "dst NULL" },
    { E_NULL, 0, NUL, 5000, 300, "src NULL" },
    { E_NULL, NUL, NUL, NUL, 300, "all NULL" },
    { E_NULL, NUL, 2000, 5000, BIG4, "NULL before OVERFLOW" },
    { E_OVERFLOW, 0, 2000, 5000, BIG4, "n * 4 overflows" },
    { E_OVERFLOW, 0, 2000, 5000, SIZE_MAX, "n == SIZE_MAX" },
    { E_OVERFLOW, TOP(1000), 2000, 5000, 300, "dst wraps" },
    { E_OVERFLOW, TOP(1198), 2000, 5000, 300, "dst wraps by one byte" },
    { E_OVERFLOW, 0, TOP(100), 5000, 300, "src wraps" },
    { E_OVERFLOW, 0, TOP(126), 5000, 300, "src wraps by one byte" },
    { E_OVERFLOW, 0, 2000, TOP(4), 300, "scales wrap" },
    { E_OVERFLOW, 0, 2000, TOP(6), 300, "scales wrap by one byte" },
    { E_OVERFLOW, 0, 0, NUL, BIG4, "OVERFLOW before OVERLAP" },
    { E_OVERLAP, 2000, 2000, 5000, 300, "dst == src" },
    { E_OVERLAP, 2127, 2000, 5000, 300, "dst starts at the last src byte" },
    { E_OVERLAP, 801, 2000, 5000, 300, "dst ends at the first src byte" },
    { E_OVERLAP, 2100, 2000, 5000, 300, "dst overlaps the last 28 src bytes" },
    { E_OVERLAP, 900, 2000, 5000, 300, "dst overlaps the first 100 src bytes" },
    { E_OVERLAP, 2000, 2500, 5000, 300, "src inside dst" },
    { E_OVERLAP, 2010, 2000, 5000, 1, "dst inside src, n == 1" },
    { OK, 2128, 2000, 5000, 300, "dst right after src" },
    { OK, 800, 2000, 5000, 300, "dst right before src" },
    { E_OVERLAP, 0, 2000, 0, 300, "dst == scales" },
    { E_OVERLAP, 0, 2000, 1199, 300, "scales start at the last dst byte" },
    { E_OVERLAP, 1000, 2500, 993, 300, "scales end at the first dst byte" },
    { E_OVERLAP, 0, 2000, 1198, 300, "scales overlap the last 2 dst bytes" },
    { E_OVERLAP, 1000, 2500, 996, 300, "scales overlap the first 4 dst bytes" },
    { E_OVERLAP, 0, 2000, 600, 300, "scales inside dst" },
    { E_OVERLAP, 0, 2000, 0, 1, "dst == scales, n == 1" },
    { OK, 0, 2000, 1200, 300, "scales right after dst" },
    { OK, 1000, 2500, 992, 300, "scales right before dst" },
    { OK, 0, 2000, 2000, 300, "src and scales overlap: both inputs" },
};

START_TEST(test_dequantize)
{
    for (size_t k = 0; k < NELEMS(dequantize_calls); k++) {
        float *dst = at(dequantize_calls[k].dst);
        size_t n = dequantize_calls[k].n;
        struct out o = out_at(dst, n * sizeof(float));

        expect("qk256_dequantize", k, dequantize_calls[k].why,
               qk256_dequantize(dst, at(dequantize_calls[k].src),
                                at(dequantize_calls[k].scales), n),
               dequantize_calls[k].want, o, no_out);
    }
}
END_TEST

/* ---- qk256_gemv: cols = 300 is 128 bytes a row, 1200 bytes of x; with 4
 * rows and stride 128, w spans 512 bytes and y 16 ---------------------- */

static const struct {
    int want;
    loc y, w;
    size_t stride;
    loc x;
    size_t rows, cols;
    const char *why;
} gemv_calls[] = {
    { OK, NUL, NUL, 0, NUL, 0, 300, "rows == 0 with NULL pointers" },
    { OK, NUL, NUL, 0, NUL, 0, 0, "rows == 0 and cols == 0" },
    { OK, 1000, 1000, 1, 1000, 0, 300, "rows == 0: y == w == x, short stride" },
    { OK, TOP(2), TOP(100), 128, TOP(100), 0, 300,
      "rows == 0 with wrapping pointers" },
    { OK, 0, NUL, 0, NUL, 5, 0, "cols == 0: y = 0, w and x may be NULL" },
    { OK, 1, 1000, 0, 3000, 3, 0, "cols == 0 with pointers" },
    /* With cols == 0, w and x are not used, so not checked either. */
    { OK, 1000, 1000, 0, 1000, 4, 0, "cols == 0: y may overlap w and x" },
    { OK, 0, TOP(100), 0, TOP(100), 4, 0, "cols == 0: w and x may wrap" },
    { OK, 0, 1000, 128, 3000, 4, 300, "valid" },
    { OK, 1, 1003, 131, 3002, 4, 300, "unaligned, odd stride" },
    { OK, 0, 1000, 128, 1000, 4, 300, "x overlaps w: both inputs" },
    { OK, 0, BAD255 - 200, 128, 3000, 4, 300, "any byte is packed data" },
    /* NaN and infinity in x are not errors (SPEC section 3). */
    { OK, 0, 1000, 128, F_NAN - 600, 4, 300, "NaN in the middle of x" },
    { OK, 0, 1000, 384, F_PINF, 4, 1501, "+inf first and -inf last in x" },
    { OK, 0, 1000, 128, F_MNAN, 4, 300, "-NaN first in x" },
    { OK, 0, 1000, 128, F_SNAN - 1196, 4, 300, "signalling NaN last in x" },
    { E_NULL, NUL, 1000, 128, 3000, 4, 300, "y NULL" },
    { E_NULL, NUL, NUL, 0, NUL, 4, 0, "y NULL with cols == 0" },
    { E_NULL, 0, NUL, 128, 3000, 4, 300, "w NULL" },
    { E_NULL, 0, 1000, 128, NUL, 4, 300, "x NULL" },
    { E_NULL, 0, NUL, 128, NUL, 4, 300, "w and x NULL" },
    { E_NULL, NUL, 1000, 1, 3000, 4, 300, "NULL before STRIDE" },
    { E_NULL, NUL, 1000, 128, 3000, BIG4, 300, "NULL before OVERFLOW" },
    { E_NULL, 0, NUL, 128, 3000, BIG4, 300, "w NULL before OVERFLOW" },
    { E_STRIDE, 0, 1000, 127, 3000, 4, 300, "stride one byte short" },
    { E_STRIDE, 0, 1000, 127, 3000, 1, 300, "stride short, one row" },
    { E_STRIDE, 0, 1000, 0, 3000, 2, 1, "stride 0" },
    { E_STRIDE, 0, 1000, 64, 3000, 2, 257, "stride of one block for two" },
    { E_STRIDE, 0, TOP(10), 127, 3000, 4, 300, "STRIDE before OVERFLOW" },
    { E_STRIDE, 0, 1000, 127, 3000, BIG4, 300, "STRIDE before OVERFLOW (rows)" },
    { E_STRIDE, 1000, 1000, 127, 3000, 4, 300, "STRIDE before OVERLAP" },
    { E_OVERFLOW, 0, 1000, 128, 3000, BIG4, 300, "rows * 4 overflows" },
    { E_OVERFLOW, 0, 1000, 128, 3000, SIZE_MAX, 300, "rows == SIZE_MAX" },
    { E_OVERFLOW, 0, NUL, 0, NUL, BIG4, 0, "rows * 4 overflows, cols == 0" },
    { E_OVERFLOW, 0, 1000, SIZE_MAX / 2 + 1, 3000, 3, 1,
      "(rows - 1) * row_stride overflows" },
    { E_OVERFLOW, 0, 1000, SIZE_MAX - 63, 3000, 2, 1,
      "(rows - 1) * row_stride + row bytes overflows" },
    { E_OVERFLOW, 0, 1000, BIG4, 3000, 1, BIG4, "cols * 4 overflows" },
    { E_OVERFLOW, 0, 1000, RB(SIZE_MAX), 3000, 1, SIZE_MAX, "cols == SIZE_MAX" },
    { E_OVERFLOW, 0, TOP(100), 128, 3000, 1, 300, "w wraps" },
    { E_OVERFLOW, 0, TOP(500), 128, 3000, 4, 300, "the last row of w wraps" },
    { E_OVERFLOW, 0, TOP(510), 128, 3000, 4, 300, "w wraps by one byte" },
    { E_OVERFLOW, 0, 1000, 128, TOP(100), 4, 300, "x wraps" },
    { E_OVERFLOW, 0, 1000, 128, TOP(1198), 4, 300, "x wraps by one byte" },
    { E_OVERFLOW, TOP(2), 1000, 128, 3000, 4, 300, "y wraps" },
    { E_OVERFLOW, TOP(14), 1000, 128, 3000, 4, 300, "y wraps by one byte" },
    { E_OVERFLOW, TOP(2), NUL, 0, NUL, 4, 0, "y wraps, cols == 0" },
    { E_OVERFLOW, 3000, TOP(100), 128, 3000, 4, 300, "OVERFLOW before OVERLAP" },
    /* rows * row_stride overflows, but w spans only (rows - 1) *
     * row_stride + 64 bytes, which fit in a size_t and do not wrap from
     * LOW(0), with a 32-bit size_t too: not an overflow, and y == w is
     * reported. */
    { E_OVERLAP, LOW(0), LOW(0), SIZE_MAX / 2 + 2, 3000, 2, 1,
      "rows * row_stride overflows, the span of w does not" },
    { E_OVERLAP, 1000, 1000, 128, 3000, 4, 300, "y == w" },
    { E_OVERLAP, 1511, 1000, 128, 3000, 4, 300, "y starts at the last byte of w" },
    { E_OVERLAP, 985, 1000, 128, 3000, 4, 300, "y ends at the first byte of w" },
    { E_OVERLAP, 1500, 1000, 128, 3000, 4, 300, "y overlaps the last 12 bytes of w" },
    { E_OVERLAP, 990, 1000, 128, 3000, 4, 300, "y overlaps the first 6 bytes of w" },
    { E_OVERLAP, 1201, 1000, 128, 3000, 4, 300, "y inside w" },
    /* w inside y cannot happen: w spans at least 64 bytes a row, y 4. */
    { E_OVERLAP, 1130, 1000, 200, 3000, 4, 300,
      "y in the gap after row 0: the span of w includes it" },
    { OK, 1512, 1000, 128, 3000, 4, 300, "y right after w" },
    { OK, 984, 1000, 128, 3000, 4, 300, "y right before w" },
    { OK, 1728, 1000, 200, 3000, 4, 300,
      "y in the last row's padding, which need not exist" },
    { E_OVERLAP, 3000, 1000, 128, 3000, 4, 300, "y == x" },
    { E_OVERLAP, 3000, 1000, 128, 3000, 1, 1, "y == x, both 4 bytes" },
    { E_OVERLAP, 4199, 1000, 128, 3000, 4, 300, "y starts at the last byte of x" },
    { E_OVERLAP, 2985, 1000, 128, 3000, 4, 300, "y ends at the first byte of x" },
    { E_OVERLAP, 4190, 1000, 128, 3000, 4, 300, "y overlaps the last 10 bytes of x" },
    { E_OVERLAP, 2990, 1000, 128, 3000, 4, 300, "y overlaps the first 6 bytes of x" },
    { E_OVERLAP, 3100, 1000, 128, 3000, 1, 300, "y inside x" },
    /* 400 rows of one column: w spans 25600 bytes, y 1600, x 4. */
    { E_OVERLAP, 27000, 1000, 64, 27500, 400, 1, "x inside y" },
    { OK, 4200, 1000, 128, 3000, 4, 300, "y right after x" },
    { OK, 2984, 1000, 128, 3000, 4, 300, "y right before x" },
};

START_TEST(test_gemv)
{
    for (size_t k = 0; k < NELEMS(gemv_calls); k++) {
        float *y = at(gemv_calls[k].y);
        size_t rows = gemv_calls[k].rows, cols = gemv_calls[k].cols;
        struct out o = out_at(y, rows * sizeof(float));

        expect("qk256_gemv", k, gemv_calls[k].why,
               qk256_gemv(y, at(gemv_calls[k].w), gemv_calls[k].stride,
                          at(gemv_calls[k].x), rows, cols),
               gemv_calls[k].want, o, no_out);
    }
}
END_TEST

/* cols == 0 writes y[r] = 0 exactly, and nothing past y[rows - 1]. */
START_TEST(test_gemv_no_cols)
{
    static const size_t rows[] = { 1, 2, 5, 17, 1000 };

    for (size_t k = 0; k < NELEMS(rows); k++) {
        for (unsigned pos = 0; pos < GBUF_NPOS; pos++) {
            struct gbuf g;
            float *y = gbuf_alloc(&g, rows[k] * sizeof(float), pos);

            ck_assert_int_eq(qk256_gemv(y, NULL, 0, NULL, rows[k], 0), QK256_OK);
            for (size_t r = 0; r < rows[k]; r++) {
                float v;

                memcpy(&v, (const char *)y + r * sizeof v, sizeof v);
                CHECK(v == 0.0f, "cols == 0, rows=%zu pos=%u: y[%zu] = %a",
                      rows[k], pos, r, (double)v);
            }
            gbuf_free_checked(&g, "y", "cols == 0");
        }
    }
}
END_TEST

/* ---- qk256_quantize: n = 300 is 1200 bytes of src, 128 of dst and 8 of
 * scales ---------------------------------------------------------------- */

static const struct {
    int want;
    loc dst, scales, src;
    size_t n;
    const char *why;
} quantize_calls[] = {
    { OK, NUL, NUL, NUL, 0, "n == 0 with NULL pointers" },
    { OK, 1000, 1000, F_NAN, 0, "n == 0 with dst == scales, src NaN" },
    { OK, 0, 200, 1000, 300, "valid" },
    { OK, 0, NUL, 1000, 300, "scales NULL" },
    { OK, 1, 203, 1002, 300, "unaligned" },
    { E_NULL, NUL, 200, 1000, 300, "dst NULL" },
    { E_NULL, 0, 200, NUL, 300, "src NULL" },
    { E_NULL, NUL, NUL, NUL, 300, "all NULL" },
    { E_NULL, NUL, 200, TOP(10), 300, "NULL before OVERFLOW" },
    { E_NULL, NUL, 200, F_NAN, 300, "NULL before RANGE" },
    { E_OVERFLOW, 0, 200, 1000, BIG4, "n * 4 overflows" },
    { E_OVERFLOW, 0, 200, 1000, SIZE_MAX, "n == SIZE_MAX" },
    { E_OVERFLOW, TOP(100), 200, 1000, 300, "dst wraps" },
    { E_OVERFLOW, TOP(126), 200, 1000, 300, "dst wraps by one byte" },
    { E_OVERFLOW, 0, TOP(4), 1000, 300, "scales wrap" },
    { E_OVERFLOW, 0, TOP(6), 1000, 300, "scales wrap by one byte" },
    { E_OVERFLOW, 0, 200, TOP(1000), 300, "src wraps" },
    { E_OVERFLOW, 0, 200, TOP(1198), 300, "src wraps by one byte" },
    { E_OVERFLOW, 1000, 200, 1000, BIG4, "OVERFLOW before OVERLAP" },
    { E_OVERFLOW, TOP(100), 200, F_NAN, 300, "OVERFLOW before RANGE" },
    { E_OVERLAP, 1000, 200, 1000, 300, "dst == src" },
    { E_OVERLAP, 2199, 200, 1000, 300, "dst starts at the last byte of src" },
    { E_OVERLAP, 873, 200, 1000, 300, "dst ends at the first byte of src" },
    { E_OVERLAP, 2150, 200, 1000, 300, "dst overlaps the last 50 bytes of src" },
    { E_OVERLAP, 900, 200, 1000, 300, "dst overlaps the first 28 bytes of src" },
    { E_OVERLAP, 1500, 200, 1000, 300, "dst inside src" },
    /* src inside dst cannot happen: src is 4 bytes an element, dst 1/4. */
    { OK, 2200, 200, 1000, 300, "dst right after src" },
    { OK, 872, 200, 1000, 300, "dst right before src" },
    { E_OVERLAP, 0, 1000, 1000, 300, "scales == src" },
    { E_OVERLAP, 0, 1000, 1000, 1, "scales == src, both 4 bytes" },
    { E_OVERLAP, 0, 2199, 1000, 300, "scales start at the last byte of src" },
    { E_OVERLAP, 0, 993, 1000, 300, "scales end at the first byte of src" },
    { E_OVERLAP, 0, 2196, 1000, 300, "scales overlap the last 4 bytes of src" },
    { E_OVERLAP, 0, 996, 1000, 300, "scales overlap the first 4 bytes of src" },
    { E_OVERLAP, 0, 1500, 1000, 300, "scales inside src" },
    { OK, 0, 2200, 1000, 300, "scales right after src" },
    { OK, 0, 992, 1000, 300, "scales right before src" },
    { E_OVERLAP, 0, 0, 1000, 300, "scales == dst" },
    { E_OVERLAP, 0, 127, 1000, 300, "scales start at the last byte of dst" },
    { E_OVERLAP, 200, 193, 1000, 300, "scales end at the first byte of dst" },
    { E_OVERLAP, 0, 124, 1000, 300, "scales overlap the last 4 bytes of dst" },
    { E_OVERLAP, 200, 196, 1000, 300, "scales overlap the first 4 bytes of dst" },
    { E_OVERLAP, 0, 60, 1000, 300, "scales inside dst" },
    /* dst inside scales cannot happen: 64 bytes a block against 4. */
    { OK, 0, 128, 1000, 300, "scales right after dst" },
    { OK, 200, 192, 1000, 300, "scales right before dst" },
    { E_OVERLAP, F_NAN - 100, 0, F_NAN - 600, 300, "OVERLAP before RANGE" },
    { E_RANGE, 0, 200, F_NAN, 300, "NaN first" },
    { E_RANGE, 0, 200, F_NAN - 600, 300, "NaN in the middle" },
    { E_RANGE, 0, 200, F_NAN - 1196, 300, "NaN last" },
    { E_RANGE, 0, 200, F_NAN, 1, "NaN, n == 1" },
    { E_RANGE, 0, NUL, F_NAN - 1196, 300, "NaN last, scales NULL" },
    { E_RANGE, 0, 200, F_PINF, 300, "+inf first" },
    { E_RANGE, 0, 200, F_PINF - 600, 300, "+inf in the middle" },
    { E_RANGE, 0, 200, F_PINF - 1196, 300, "+inf last" },
    { E_RANGE, 0, 200, F_NINF, 300, "-inf first" },
    { E_RANGE, 0, 200, F_NINF - 600, 300, "-inf in the middle" },
    { E_RANGE, 0, 200, F_NINF - 1196, 300, "-inf last" },
    { E_RANGE, 0, 300, F_NINF - 4 * 1023, 1024, "-inf last of 4 blocks" },
    { E_RANGE, 0, 200, F_MNAN - 600, 300, "-NaN in the middle" },
    { E_RANGE, 0, 200, F_SNAN - 1196, 300, "signalling NaN last" },
    { OK, 0, 200, F_NAN - 1200, 300, "NaN just past the end is not read" },
    { OK, 0, 200, F_NAN + 4, 300, "NaN just before the start is not read" },
    { OK, 0, 200, F_MAX - 600, 300, "FLT_MAX is finite" },
    { OK, 0, 200, F_NMAX - 1196, 300, "-FLT_MAX is finite" },
};

START_TEST(test_quantize)
{
    for (size_t k = 0; k < NELEMS(quantize_calls); k++) {
        uint8_t *dst = at(quantize_calls[k].dst);
        float *scales = at(quantize_calls[k].scales);
        size_t n = quantize_calls[k].n;
        struct out o1 = out_at(dst, qk256_row_bytes(n));
        struct out o2 = out_at(scales, qk256_blocks(n) * sizeof(float));

        expect("qk256_quantize", k, quantize_calls[k].why,
               qk256_quantize(dst, scales, at(quantize_calls[k].src), n),
               quantize_calls[k].want, o1, o2);
    }
}
END_TEST

/* ---- qk256_quantize_i8: n = 300 is 1200 bytes of x, 300 of xq and 4 of
 * *scale; unlike qk256_quantize, scale may not be NULL ------------------- */

static const struct {
    int want;
    loc xq, scale, x;
    size_t n;
    const char *why;
} quantize_i8_calls[] = {
    { OK, NUL, NUL, NUL, 0, "n == 0 with NULL pointers" },
    { OK, 1000, 1000, F_NAN, 0, "n == 0 with xq == scale, x NaN" },
    { OK, 0, 400, 1000, 300, "valid" },
    { OK, 1, 403, 1002, 300, "unaligned" },
    { OK, 0, 400, 1000, 1, "n == 1" },
    { E_NULL, NUL, 400, 1000, 300, "xq NULL" },
    { E_NULL, 0, NUL, 1000, 300, "scale NULL" },
    { E_NULL, 0, 400, NUL, 300, "x NULL" },
    { E_NULL, NUL, NUL, NUL, 300, "all NULL" },
    { E_NULL, 0, NUL, TOP(10), 300, "NULL before OVERFLOW" },
    { E_NULL, 0, NUL, F_NAN, 300, "NULL before RANGE" },
    { E_OVERFLOW, 0, 400, 1000, BIG4, "n * 4 overflows" },
    { E_OVERFLOW, 0, 400, 1000, SIZE_MAX, "n == SIZE_MAX" },
    { E_OVERFLOW, TOP(100), 400, 1000, 300, "xq wraps" },
    { E_OVERFLOW, TOP(298), 400, 1000, 300, "xq wraps by one byte" },
    { E_OVERFLOW, 0, TOP(2), 1000, 300, "scale wraps by one byte" },
    { E_OVERFLOW, 0, 400, TOP(1000), 300, "x wraps" },
    { E_OVERFLOW, 0, 400, TOP(1198), 300, "x wraps by one byte" },
    { E_OVERFLOW, 1000, 400, 1000, BIG4, "OVERFLOW before OVERLAP" },
    { E_OVERFLOW, TOP(100), 400, F_NAN, 300, "OVERFLOW before RANGE" },
    { E_OVERLAP, 1000, 400, 1000, 300, "xq == x" },
    { E_OVERLAP, 2199, 400, 1000, 300, "xq starts at the last byte of x" },
    { E_OVERLAP, 701, 400, 1000, 300, "xq ends at the first byte of x" },
    { E_OVERLAP, 2150, 400, 1000, 300, "xq overlaps the last 50 bytes of x" },
    { E_OVERLAP, 800, 400, 1000, 300, "xq overlaps the first 100 bytes of x" },
    { E_OVERLAP, 1400, 400, 1000, 300, "xq inside x" },
    /* x inside xq cannot happen: 4 bytes an element against 1. */
    { OK, 2200, 400, 1000, 300, "xq right after x" },
    { OK, 700, 400, 1000, 300, "xq right before x" },
    { E_OVERLAP, 0, 1000, 1000, 300, "scale == x" },
    { E_OVERLAP, 0, 2199, 1000, 300, "scale starts at the last byte of x" },
    { E_OVERLAP, 0, 997, 1000, 300, "scale ends at the first byte of x" },
    { E_OVERLAP, 0, 1000, 1000, 1, "scale == x, both 4 bytes" },
    { E_OVERLAP, 0, 2198, 1000, 300, "scale overlaps the last 2 bytes of x" },
    { E_OVERLAP, 0, 998, 1000, 300, "scale overlaps the first 2 bytes of x" },
    { E_OVERLAP, 0, 1402, 1000, 300, "scale inside x, unaligned" },
    { OK, 0, 2200, 1000, 300, "scale right after x" },
    { OK, 0, 996, 1000, 300, "scale right before x" },
    { E_OVERLAP, 0, 0, 1000, 300, "scale == xq" },
    { E_OVERLAP, 0, 299, 1000, 300, "scale starts at the last byte of xq" },
    { E_OVERLAP, 400, 397, 1000, 300, "scale ends at the first byte of xq" },
    { E_OVERLAP, 0, 298, 1000, 300, "scale overlaps the last 2 bytes of xq" },
    { E_OVERLAP, 400, 398, 1000, 300, "scale overlaps the first 2 bytes of xq" },
    { E_OVERLAP, 0, 100, 1000, 300, "scale inside xq" },
    { E_OVERLAP, 401, 400, 1000, 1, "xq inside scale, n == 1" },
    { OK, 0, 300, 1000, 300, "scale right after xq" },
    { OK, 400, 396, 1000, 300, "scale right before xq" },
    { E_OVERLAP, F_NAN - 100, 0, F_NAN - 600, 300, "OVERLAP before RANGE" },
    { E_RANGE, 0, 400, F_NAN, 300, "NaN first" },
    { E_RANGE, 0, 400, F_NAN - 600, 300, "NaN in the middle" },
    { E_RANGE, 0, 400, F_NAN - 1196, 300, "NaN last" },
    { E_RANGE, 0, 400, F_NAN, 1, "NaN, n == 1" },
    { E_RANGE, 0, 400, F_PINF, 300, "+inf first" },
    { E_RANGE, 0, 400, F_PINF - 600, 300, "+inf in the middle" },
    { E_RANGE, 0, 400, F_PINF - 1196, 300, "+inf last" },
    { E_RANGE, 0, 400, F_NINF, 300, "-inf first" },
    { E_RANGE, 0, 400, F_NINF - 600, 300, "-inf in the middle" },
    { E_RANGE, 0, 400, F_NINF - 1196, 300, "-inf last" },
    { E_RANGE, 0, 1100, F_NINF - 4 * 1023, 1024, "-inf last of 4 blocks" },
    { E_RANGE, 0, 400, F_MNAN - 600, 300, "-NaN in the middle" },
    { E_RANGE, 0, 400, F_SNAN - 1196, 300, "signalling NaN last" },
    { OK, 0, 400, F_NAN - 1200, 300, "NaN just past the end is not read" },
    { OK, 0, 400, F_NAN + 4, 300, "NaN just before the start is not read" },
    { OK, 0, 400, F_MAX - 600, 300, "FLT_MAX is finite" },
    { OK, 0, 400, F_NMAX - 1196, 300, "-FLT_MAX is finite" },
};

START_TEST(test_quantize_i8)
{
    for (size_t k = 0; k < NELEMS(quantize_i8_calls); k++) {
        int8_t *xq = at(quantize_i8_calls[k].xq);
        float *scale = at(quantize_i8_calls[k].scale);
        size_t n = quantize_i8_calls[k].n;
        struct out o1 = out_at(xq, n);
        struct out o2 = out_at(scale, sizeof(float));

        expect("qk256_quantize_i8", k, quantize_i8_calls[k].why,
               qk256_quantize_i8(xq, scale, at(quantize_i8_calls[k].x), n),
               quantize_i8_calls[k].want, o1, o2);
    }
}
END_TEST

/* ---- qk256_gemv_i8: cols = 300 is 128 bytes a row and 300 bytes of xq;
 * with 4 rows and stride 128, w spans 512 bytes and y 16.  Rows with more
 * than QK256_I8_MAX_COLS columns need a stride of at least
 * qk256_row_bytes(cols), and must fail before anything reads w or xq --
 * the arena is far smaller ------------------------------------------------ */

#define I8_MAX QK256_I8_MAX_COLS

static const struct {
    int want;
    loc y, w;
    size_t stride;
    loc xq;
    size_t rows, cols;
    const char *why;
} gemv_i8_calls[] = {
    { OK, NUL, NUL, 0, NUL, 0, 300, "rows == 0 with NULL pointers" },
    { OK, NUL, NUL, 0, NUL, 0, 0, "rows == 0 and cols == 0" },
    { OK, NUL, NUL, 0, NUL, 0, I8_MAX + 1, "rows == 0 with too many cols" },
    { OK, 1000, 1000, 1, 1000, 0, 300, "rows == 0: y == w == xq, short stride" },
    { OK, TOP(2), TOP(100), 128, TOP(100), 0, 300,
      "rows == 0 with wrapping pointers" },
    { OK, 0, NUL, 0, NUL, 5, 0, "cols == 0: y = 0, w and xq may be NULL" },
    { OK, 1, 1000, 0, 3000, 3, 0, "cols == 0 with pointers" },
    /* With cols == 0, w and xq are not used, so not checked either. */
    { OK, 1000, 1000, 0, 1000, 4, 0, "cols == 0: y may overlap w and xq" },
    { OK, 0, TOP(100), 0, TOP(100), 4, 0, "cols == 0: w and xq may wrap" },
    { OK, 0, 1000, 128, 3000, 4, 300, "valid" },
    { OK, 1, 1003, 131, 3002, 4, 300, "unaligned, odd stride" },
    { OK, 0, 1000, 128, 1000, 4, 300, "xq overlaps w: both inputs" },
    { OK, 0, BAD255 - 200, 128, 3000, 4, 300, "any byte is packed data" },
    { OK, 0, 1000, 128, BAD128 - 150, 4, 300, "xq may hold -128" },
    { E_NULL, NUL, 1000, 128, 3000, 4, 300, "y NULL" },
    { E_NULL, NUL, NUL, 0, NUL, 4, 0, "y NULL with cols == 0" },
    { E_NULL, 0, NUL, 128, 3000, 4, 300, "w NULL" },
    { E_NULL, 0, 1000, 128, NUL, 4, 300, "xq NULL" },
    { E_NULL, 0, NUL, 128, NUL, 4, 300, "w and xq NULL" },
    { E_NULL, NUL, 1000, 1, 3000, 4, 300, "NULL before STRIDE" },
    { E_NULL, NUL, 1000, 128, 3000, BIG4, 300, "NULL before OVERFLOW (rows)" },
    { E_NULL, 0, NUL, RB(I8_MAX + 1), 3000, 1, I8_MAX + 1,
      "NULL before OVERFLOW (cols)" },
    { E_STRIDE, 0, 1000, 127, 3000, 4, 300, "stride one byte short" },
    { E_STRIDE, 0, 1000, 127, 3000, 1, 300, "stride short, one row" },
    { E_STRIDE, 0, 1000, 0, 3000, 2, 1, "stride 0" },
    { E_STRIDE, 0, 1000, 64, 3000, 2, 257, "stride of one block for two" },
    { E_STRIDE, 0, TOP(10), 127, 3000, 4, 300, "STRIDE before OVERFLOW" },
    { E_STRIDE, 0, 1000, 127, 3000, BIG4, 300, "STRIDE before OVERFLOW (rows)" },
    { E_STRIDE, 0, 1000, RB(I8_MAX + 1) - 1, 3000, 1, I8_MAX + 1,
      "STRIDE before OVERFLOW (cols)" },
    { E_STRIDE, 1000, 1000, 127, 3000, 4, 300, "STRIDE before OVERLAP" },
    { E_OVERFLOW, 0, 1000, RB(I8_MAX + 1), 3000, 1, I8_MAX + 1,
      "cols = QK256_I8_MAX_COLS + 1" },
    { E_OVERFLOW, 0, 1000, RB(I8_MAX + 1), 3000, 3, I8_MAX + 1,
      "cols = QK256_I8_MAX_COLS + 1, three rows" },
    { E_OVERFLOW, 0, 1000, RB(SIZE_MAX), 3000, 1, SIZE_MAX,
      "cols == SIZE_MAX" },
    { E_OVERFLOW, 1000, 1000, RB(I8_MAX + 1), 1000, 1, I8_MAX + 1,
      "OVERFLOW (cols) before OVERLAP" },
    { E_OVERFLOW, 0, 1000, 128, 3000, BIG4, 300, "rows * 4 overflows" },
    { E_OVERFLOW, 0, 1000, 128, 3000, SIZE_MAX, 300, "rows == SIZE_MAX" },
    { E_OVERFLOW, 0, NUL, 0, NUL, BIG4, 0, "rows * 4 overflows, cols == 0" },
    { E_OVERFLOW, 0, 1000, SIZE_MAX / 2 + 1, 3000, 3, 1,
      "(rows - 1) * row_stride overflows" },
    { E_OVERFLOW, 0, 1000, SIZE_MAX - 63, 3000, 2, 1,
      "(rows - 1) * row_stride + row bytes overflows" },
    { E_OVERFLOW, 0, TOP(100), 128, 3000, 1, 300, "w wraps" },
    { E_OVERFLOW, 0, TOP(500), 128, 3000, 4, 300, "the last row of w wraps" },
    { E_OVERFLOW, 0, TOP(510), 128, 3000, 4, 300, "w wraps by one byte" },
    { E_OVERFLOW, 0, 1000, 128, TOP(100), 4, 300, "xq wraps" },
    { E_OVERFLOW, 0, 1000, 128, TOP(298), 4, 300, "xq wraps by one byte" },
    { E_OVERFLOW, TOP(2), 1000, 128, 3000, 4, 300, "y wraps" },
    { E_OVERFLOW, TOP(14), 1000, 128, 3000, 4, 300, "y wraps by one byte" },
    { E_OVERFLOW, TOP(2), NUL, 0, NUL, 4, 0, "y wraps, cols == 0" },
    { E_OVERFLOW, 3000, TOP(100), 128, 3000, 4, 300, "OVERFLOW before OVERLAP" },
    /* As for qk256_gemv: the span of w fits, so y == w is reported. */
    { E_OVERLAP, LOW(0), LOW(0), SIZE_MAX / 2 + 2, 3000, 2, 1,
      "rows * row_stride overflows, the span of w does not" },
    { E_OVERLAP, 1000, 1000, 128, 3000, 4, 300, "y == w" },
    { E_OVERLAP, 1511, 1000, 128, 3000, 4, 300, "y starts at the last byte of w" },
    { E_OVERLAP, 985, 1000, 128, 3000, 4, 300, "y ends at the first byte of w" },
    { E_OVERLAP, 1500, 1000, 128, 3000, 4, 300, "y overlaps the last 12 bytes of w" },
    { E_OVERLAP, 990, 1000, 128, 3000, 4, 300, "y overlaps the first 6 bytes of w" },
    { E_OVERLAP, 1201, 1000, 128, 3000, 4, 300, "y inside w" },
    /* w inside y cannot happen: w spans at least 64 bytes a row, y 4. */
    { E_OVERLAP, 1130, 1000, 200, 3000, 4, 300,
      "y in the gap after row 0: the span of w includes it" },
    { OK, 1512, 1000, 128, 3000, 4, 300, "y right after w" },
    { OK, 984, 1000, 128, 3000, 4, 300, "y right before w" },
    { OK, 1728, 1000, 200, 3000, 4, 300,
      "y in the last row's padding, which need not exist" },
    { E_OVERLAP, 3000, 1000, 128, 3000, 4, 300, "y == xq" },
    { E_OVERLAP, 3000, 1000, 128, 3000, 1, 4, "y == xq, both 4 bytes" },
    { E_OVERLAP, 3299, 1000, 128, 3000, 4, 300, "y starts at the last byte of xq" },
    { E_OVERLAP, 2985, 1000, 128, 3000, 4, 300, "y ends at the first byte of xq" },
    { E_OVERLAP, 3290, 1000, 128, 3000, 4, 300, "y overlaps the last 10 bytes of xq" },
    { E_OVERLAP, 2990, 1000, 128, 3000, 4, 300, "y overlaps the first 6 bytes of xq" },
    { E_OVERLAP, 3101, 1000, 128, 3000, 1, 300, "y inside xq" },
    /* 400 rows of one column: w spans 25600 bytes, y 1600, xq 1. */
    { E_OVERLAP, 27000, 1000, 64, 27500, 400, 1, "xq inside y" },
    { OK, 3300, 1000, 128, 3000, 4, 300, "y right after xq" },
    { OK, 2984, 1000, 128, 3000, 4, 300, "y right before xq" },
};

/* scale is not checked (qk256_gemv_i8(3)): every row must give its status
 * whatever the scale, non-finite ones included. */
static const struct {
    float value;
    const char *name;
} gemv_i8_scales[] = {
    { 0.5f, "0.5" }, { NAN, "NaN" }, { INFINITY, "+inf" }, { -INFINITY, "-inf" },
};

START_TEST(test_gemv_i8)
{
    for (size_t k = 0; k < NELEMS(gemv_i8_calls); k++) {
        float *y = at(gemv_i8_calls[k].y);
        size_t rows = gemv_i8_calls[k].rows, cols = gemv_i8_calls[k].cols;
        struct out o = out_at(y, rows * sizeof(float));

        for (size_t j = 0; j < NELEMS(gemv_i8_scales); j++) {
            char why[128];

            snprintf(why, sizeof why, "%s; scale %s", gemv_i8_calls[k].why,
                     gemv_i8_scales[j].name);
            expect("qk256_gemv_i8", k, why,
                   qk256_gemv_i8(y, at(gemv_i8_calls[k].w),
                                 gemv_i8_calls[k].stride,
                                 at(gemv_i8_calls[k].xq),
                                 gemv_i8_scales[j].value, rows, cols),
                   gemv_i8_calls[k].want, o, no_out);
        }
    }
}
END_TEST

/* ---- qk256_gemm: 4 rows of 300 columns (128 bytes a row; with stride 128
 * w spans 512 bytes) times 3 vectors.  With ldy = 6 the results are
 * y[0..4), y[6..10) and y[12..16): y spans 64 bytes, results at bytes
 * 0..16, 24..40 and 48..64, padding at 16..24 and 40..48.  With ldx = 310,
 * x spans 2 * 310 + 300 floats (3680 bytes), vectors at bytes 0..1200,
 * 1240..2440 and 2480..3680.  n * rows and n * cols would be 48 and 3600
 * bytes: rows that wrap or overlap only past those tell the spans apart.
 *
 * The span of y is one range from its first result to the end of its
 * last, padding included, as the span of w is from its first row to the
 * end of its last: an input in the padding between results is reported
 * as an overlap (qk256_gemm(3)). ---------------------------------------- */

struct gemm_call {
    int want;
    loc y;
    size_t ldy;
    loc w;
    size_t stride;
    loc x;
    size_t ldx;
    loc scales; /* qk256_gemm_i8 only */
    size_t rows, cols, n;
    const char *why;
};

#define NS NUL /* the scales column of the qk256_gemm table */

static const struct gemm_call gemm_calls[] = {
    { OK, NUL, 0, NUL, 0, NUL, 0, NS, 0, 300, 3, "rows == 0 with NULL pointers" },
    { OK, NUL, 0, NUL, 0, NUL, 0, NS, 4, 300, 0, "n == 0 with NULL pointers" },
    { OK, NUL, 0, NUL, 0, NUL, 0, NS, 0, 0, 0, "rows, cols and n all 0" },
    { OK, 1000, 0, 1000, 1, 1000, 0, NS, 0, 300, 3,
      "rows == 0: y == w == x, every stride short" },
    { OK, 1000, 0, 1000, 1, 1000, 0, NS, 4, 300, 0,
      "n == 0: y == w == x, every stride short" },
    { OK, TOP(2), 6, TOP(100), 128, TOP(100), 310, NS, 0, 300, 3,
      "rows == 0 with wrapping pointers" },
    { OK, TOP(2), 6, TOP(100), 128, TOP(100), 310, NS, 4, 300, 0,
      "n == 0 with wrapping pointers" },
    { OK, 0, 6, 1000, 128, 3000, 310, NS, 0, 300, SIZE_MAX,
      "rows == 0 with n == SIZE_MAX" },
    { OK, 0, 6, 1000, 128, 3000, 310, NS, SIZE_MAX, 300, 0,
      "n == 0 with rows == SIZE_MAX" },
    { OK, 0, 6, 1000, 128, 3000, 310, NS, 4, SIZE_MAX, 0,
      "n == 0 with cols == SIZE_MAX" },
    { OK, 0, 6, NUL, 0, NUL, 0, NS, 4, 0, 3, "cols == 0: y = 0, w and x may be NULL" },
    { OK, 1, 7, 1000, 0, 3000, 0, NS, 3, 0, 5, "cols == 0 with pointers, unaligned" },
    /* With cols == 0, w and x are not used, so not checked either. */
    { OK, 1000, 6, 1000, 0, 1000, 0, NS, 4, 0, 3, "cols == 0: y may overlap w and x" },
    { OK, 0, 6, TOP(100), 0, TOP(100), SIZE_MAX, NS, 4, 0, 3,
      "cols == 0: w and x may wrap, any ldx" },
    { OK, 0, 4, NUL, 0, NUL, 0, NS, 4, 0, 9, "cols == 0, ldy == rows" },
    { OK, 0, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "valid" },
    { OK, 0, 4, 1000, 128, 3000, 300, NS, 4, 300, 3, "ldy == rows and ldx == cols" },
    { OK, 1, 7, 1003, 131, 3002, 311, NS, 4, 300, 3, "unaligned, odd strides" },
    { OK, 0, 6, 1000, 128, 3000, 310, NS, 4, 300, 1, "n == 1" },
    { OK, 0, 5, 1000, 128, 3000, 300, NS, 4, 300, 9, "n == 9" },
    { OK, 0, 6, 1000, 128, 1000, 310, NS, 4, 300, 3, "x overlaps w: both inputs" },
    { OK, 0, 6, BAD255 - 200, 128, 3000, 310, NS, 4, 300, 3, "any byte is packed data" },
    /* NaN and infinity in x are not errors (SPEC section 3). */
    { OK, 0, 6, 1000, 128, F_NAN - 600, 310, NS, 4, 300, 3,
      "NaN in the middle of the first vector" },
    { OK, 0, 6, 1000, 128, F_NAN - 1200, 310, NS, 4, 300, 3,
      "NaN in the padding after the first vector" },
    { OK, 0, 6, 1000, 128, F_PINF - 2480, 310, NS, 4, 300, 3,
      "+inf first in the last vector" },
    { OK, 0, 6, 1000, 128, F_SNAN - 3676, 310, NS, 4, 300, 3,
      "signalling NaN last in the last vector, -NaN in the second" },
    { E_NULL, NUL, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y NULL" },
    { E_NULL, NUL, 6, NUL, 0, NUL, 0, NS, 4, 0, 3, "y NULL with cols == 0" },
    { E_NULL, 0, 6, NUL, 128, 3000, 310, NS, 4, 300, 3, "w NULL" },
    { E_NULL, 0, 6, 1000, 128, NUL, 310, NS, 4, 300, 3, "x NULL" },
    { E_NULL, 0, 6, 1000, 128, NUL, 310, NS, 4, 300, 1, "x NULL, n == 1" },
    { E_NULL, 0, 6, NUL, 128, NUL, 310, NS, 4, 300, 3, "w and x NULL" },
    { E_NULL, NUL, 3, 1000, 128, 3000, 310, NS, 4, 300, 3, "NULL before STRIDE (ldy)" },
    { E_NULL, 0, 6, NUL, 128, 3000, 299, NS, 4, 300, 3, "NULL before STRIDE (ldx)" },
    { E_NULL, 0, 6, 1000, 127, NUL, 310, NS, 4, 300, 3,
      "NULL before STRIDE (row_stride)" },
    { E_NULL, NUL, 6, 1000, 128, 3000, 310, NS, 4, 300, BIG4, "NULL before OVERFLOW (n)" },
    { E_NULL, 0, 6, 1000, 128, NUL, SIZE_MAX, NS, 4, 300, 3,
      "NULL before OVERFLOW (ldx)" },
    { E_NULL, 3000, 6, NUL, 128, 3000, 310, NS, 4, 300, 3, "NULL before OVERLAP" },
    { E_STRIDE, 0, 3, 1000, 128, 3000, 310, NS, 4, 300, 3, "ldy = rows - 1" },
    { E_STRIDE, 0, 0, 1000, 128, 3000, 310, NS, 4, 300, 3, "ldy == 0" },
    { E_STRIDE, 0, 3, 1000, 128, 3000, 310, NS, 4, 300, 1, "ldy = rows - 1, n == 1" },
    { E_STRIDE, 0, 3, NUL, 0, NUL, 0, NS, 4, 0, 3, "ldy = rows - 1, cols == 0" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 299, NS, 4, 300, 3, "ldx = cols - 1" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 0, NS, 4, 300, 3, "ldx == 0" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 299, NS, 4, 300, 1, "ldx = cols - 1, n == 1" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 256, NS, 2, 257, 3, "ldx = 256, cols = 257" },
    { E_STRIDE, 0, 6, 1000, 127, 3000, 310, NS, 4, 300, 3, "row_stride one byte short" },
    { E_STRIDE, 0, 6, 1000, 0, 3000, 310, NS, 2, 1, 3, "row_stride 0" },
    { E_STRIDE, 0, 6, 1000, 64, 3000, 310, NS, 2, 257, 3,
      "row_stride of one block for two" },
    { E_STRIDE, 0, 3, 1000, 127, 3000, 299, NS, 4, 300, 3, "all three strides short" },
    { E_STRIDE, 0, 3, TOP(10), 128, 3000, 310, NS, 4, 300, 3,
      "STRIDE (ldy) before OVERFLOW (w)" },
    { E_STRIDE, 0, 6, 1000, 128, TOP(10), 299, NS, 4, 300, 3,
      "STRIDE (ldx) before OVERFLOW (x)" },
    { E_STRIDE, 0, 3, 1000, 128, 3000, 310, NS, 4, 300, SIZE_MAX,
      "STRIDE (ldy) before OVERFLOW (n)" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 299, NS, 4, 300, BIG4,
      "STRIDE (ldx) before OVERFLOW (n)" },
    { E_STRIDE, 0, SIZE_MAX, 1000, 128, 3000, 299, NS, 4, 300, 3,
      "STRIDE (ldx) before OVERFLOW (ldy)" },
    { E_STRIDE, 0, 6, 1000, 127, 3000, SIZE_MAX, NS, 4, 300, 3,
      "STRIDE (row_stride) before OVERFLOW (ldx)" },
    { E_STRIDE, 1000, 3, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "STRIDE (ldy) before OVERLAP" },
    { E_STRIDE, 3000, 6, 1000, 128, 3000, 299, NS, 4, 300, 3,
      "STRIDE (ldx) before OVERLAP" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, 310, NS, 4, 300, SIZE_MAX, "n == SIZE_MAX" },
    { E_OVERFLOW, 0, 1, 1000, 64, 3000, 1, NS, 1, 1, BIG4, "n * 4 overflows, rows == 1" },
    { E_OVERFLOW, 0, 1, 1000, 64, 3000, 1, NS, 1, 1, BIG4 - 1,
      "n floats fit in a size_t but wrap" },
    { E_OVERFLOW, 0, SIZE_MAX / 2 + 1, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "(n - 1) * ldy overflows" },
    { E_OVERFLOW, 0, BIG4 - 4, 1000, 128, 3000, 310, NS, 4, 300, 2,
      "((n - 1) * ldy + rows) * 4 overflows" },
    { E_OVERFLOW, 0, BIG4 - 5, 1000, 128, 3000, 310, NS, 4, 300, 2,
      "the span of y fits in a size_t but wraps" },
    { E_OVERFLOW, 0, BIG4, 1000, 128, 3000, 310, NS, BIG4, 300, 1, "rows * 4 overflows" },
    { E_OVERFLOW, 0, SIZE_MAX, 1000, 128, 3000, 310, NS, SIZE_MAX, 300, 1,
      "rows == SIZE_MAX" },
    { E_OVERFLOW, 0, 6, NUL, 0, NUL, 0, NS, 4, 0, BIG4, "n * 4 overflows, cols == 0" },
    { E_OVERFLOW, 0, SIZE_MAX / 2 + 1, NUL, 0, NUL, 0, NS, 4, 0, 3,
      "(n - 1) * ldy overflows, cols == 0" },
    { E_OVERFLOW, TOP(2), 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y wraps" },
    { E_OVERFLOW, TOP(62), 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y wraps by one byte" },
    { E_OVERFLOW, TOP(50), 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "only the last result wraps: n * rows floats would not" },
    { E_OVERFLOW, TOP(2), 6, NUL, 0, NUL, 0, NS, 4, 0, 3, "y wraps, cols == 0" },
    { E_OVERFLOW, TOP(50), 6, NUL, 0, NUL, 0, NS, 4, 0, 3,
      "only the last result wraps, cols == 0" },
    { E_OVERFLOW, 0, 6, 1000, SIZE_MAX / 2 + 1, 3000, 1, NS, 3, 1, 3,
      "(rows - 1) * row_stride overflows" },
    { E_OVERFLOW, 0, 6, 1000, SIZE_MAX - 63, 3000, 1, NS, 2, 1, 3,
      "(rows - 1) * row_stride + row bytes overflows" },
    { E_OVERFLOW, 0, 6, TOP(100), 128, 3000, 310, NS, 1, 300, 3, "w wraps" },
    { E_OVERFLOW, 0, 6, TOP(500), 128, 3000, 310, NS, 4, 300, 3, "the last row of w wraps" },
    { E_OVERFLOW, 0, 6, TOP(510), 128, 3000, 310, NS, 4, 300, 3, "w wraps by one byte" },
    { E_OVERFLOW, 0, 6, 1000, 128, TOP(100), 310, NS, 4, 300, 3, "x wraps" },
    { E_OVERFLOW, 0, 6, 1000, 128, TOP(3678), 310, NS, 4, 300, 3, "x wraps by one byte" },
    { E_OVERFLOW, 0, 6, 1000, 128, TOP(2500), 310, NS, 4, 300, 3,
      "only the last vector of x wraps" },
    { E_OVERFLOW, 0, 6, 1000, 128, TOP(3620), 310, NS, 4, 300, 3,
      "x wraps: n * cols floats would not" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, SIZE_MAX / 2 + 1, NS, 4, 300, 3,
      "(n - 1) * ldx overflows" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, BIG4 - 300, NS, 4, 300, 2,
      "((n - 1) * ldx + cols) * 4 overflows" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, BIG4 - 301, NS, 4, 300, 2,
      "the span of x fits in a size_t but wraps" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, SIZE_MAX, NS, 4, 300, 2, "ldx == SIZE_MAX" },
    { E_OVERFLOW, 0, 1, 1000, BIG4, 3000, BIG4, NS, 1, BIG4, 1, "cols * 4 overflows" },
    { E_OVERFLOW, 0, 1, 1000, RB(SIZE_MAX), 3000, SIZE_MAX, NS, 1, SIZE_MAX, 1,
      "cols == SIZE_MAX" },
    { E_OVERFLOW, 3000, 6, TOP(100), 128, 3000, 310, NS, 4, 300, 3,
      "OVERFLOW (w) before OVERLAP" },
    { E_OVERFLOW, 0, 6, 1000, 128, 0, SIZE_MAX / 2 + 1, NS, 4, 300, 3,
      "OVERFLOW (ldx) before OVERLAP" },
    { E_OVERFLOW, 1000, SIZE_MAX / 2 + 1, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "OVERFLOW (ldy) before OVERLAP" },
    /* As for qk256_gemv: the span of w fits, so y == w is reported. */
    { E_OVERLAP, LOW(0), 2, LOW(0), SIZE_MAX / 2 + 2, 3000, 1, NS, 2, 1, 3,
      "rows * row_stride overflows, the span of w does not" },
    { E_OVERLAP, 1000, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y == w" },
    { E_OVERLAP, 1511, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "y starts at the last byte of w" },
    { E_OVERLAP, 937, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "y ends at the first byte of w" },
    { E_OVERLAP, 1500, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "y overlaps the last 12 bytes of w" },
    { E_OVERLAP, 990, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "y overlaps the first 54 bytes of w" },
    { E_OVERLAP, 1201, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y inside w" },
    /* w inside y cannot happen here: w spans 512 bytes, y 64. */
    { E_OVERLAP, 950, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "only the last result overlaps w (j = 2)" },
    { E_OVERLAP, 1490, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "w ends in the padding after the first result" },
    { E_OVERLAP, 1130, 6, 1000, 200, 3000, 310, NS, 4, 300, 3,
      "y in the gap after row 0: the span of w includes it" },
    { OK, 1512, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y right after w" },
    { OK, 936, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y right before w" },
    { OK, 1728, 6, 1000, 200, 3000, 310, NS, 4, 300, 3,
      "y in the last row's padding, which need not exist" },
    { E_OVERLAP, 3000, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y == x" },
    { E_OVERLAP, 3000, 1, 1000, 64, 3000, 1, NS, 1, 1, 1, "y == x, both 4 bytes" },
    { E_OVERLAP, 6679, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "y starts at the last byte of x" },
    { E_OVERLAP, 2937, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "y ends at the first byte of x" },
    { E_OVERLAP, 6670, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "y overlaps only the last vector of x (j = 2)" },
    { E_OVERLAP, 2950, 6, 1000, 128, 3000, 310, NS, 4, 300, 3,
      "only the last result overlaps x (j = 2)" },
    { E_OVERLAP, 4000, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y inside x" },
    { E_OVERLAP, 4210, 6, 1000, 128, 3000, 330, NS, 4, 300, 3,
      "y in the padding between vectors: the span of x includes it" },
    /* 400 rows of one column, 2 vectors: w spans 25600 bytes; y 3200
     * (ldy 400) or 4800 (ldy 800: results at 0..1600 and 3200..4800), x 8. */
    { E_OVERLAP, 27000, 400, 1000, 64, 27500, 1, NS, 400, 1, 2, "x inside y" },
    { E_OVERLAP, 27000, 800, 1000, 64, 28700, 1, NS, 400, 1, 2,
      "x in the padding between results: the span of y includes it" },
    { OK, 6680, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y right after x" },
    { OK, 2936, 6, 1000, 128, 3000, 310, NS, 4, 300, 3, "y right before x" },
};

#undef NS

/* The bytes that a successful call may write: n results of rows floats,
 * ldy floats apart. */
static struct out
gemm_out(const struct gemm_call *c)
{
    struct out o = { at(c->y), c->rows * sizeof(float), c->ldy * sizeof(float), c->n };
    return o;
}

START_TEST(test_gemm)
{
    for (size_t k = 0; k < NELEMS(gemm_calls); k++) {
        const struct gemm_call *c = &gemm_calls[k];

        expect("qk256_gemm", k, c->why,
               qk256_gemm(at(c->y), c->ldy, at(c->w), c->stride, at(c->x),
                          c->ldx, c->rows, c->cols, c->n),
               c->want, gemm_out(c), no_out);
    }
}
END_TEST

/* ---- qk256_gemm_i8: the shapes of qk256_gemm, with 1 byte an element of
 * xq: with ldx = 310, xq spans 920 bytes, vectors at bytes 0..300, 310..610
 * and 620..920 (n * cols: 900).  scales holds n floats: 12 bytes at 5000
 * for n = 3.  Rows with more than QK256_I8_MAX_COLS columns must fail
 * before anything reads w or xq, as for qk256_gemv_i8 ------------------- */

static const struct gemm_call gemm_i8_calls[] = {
    { OK, NUL, 0, NUL, 0, NUL, 0, NUL, 0, 300, 3, "rows == 0 with NULL pointers" },
    { OK, NUL, 0, NUL, 0, NUL, 0, NUL, 4, 300, 0, "n == 0 with NULL pointers" },
    { OK, NUL, 0, NUL, 0, NUL, 0, NUL, 0, 0, 0, "rows, cols and n all 0" },
    { OK, NUL, 0, NUL, 0, NUL, 0, NUL, 4, I8_MAX + 1, 0, "n == 0 with too many cols" },
    { OK, NUL, 0, NUL, 0, NUL, 0, NUL, 0, I8_MAX + 1, 3,
      "rows == 0 with too many cols" },
    { OK, 1000, 0, 1000, 1, 1000, 0, 1000, 0, 300, 3,
      "rows == 0: y == w == xq == scales, every stride short" },
    { OK, 1000, 0, 1000, 1, 1000, 0, 1000, 4, 300, 0,
      "n == 0: y == w == xq == scales, every stride short" },
    { OK, TOP(2), 6, TOP(100), 128, TOP(100), 310, TOP(4), 0, 300, 3,
      "rows == 0 with wrapping pointers" },
    { OK, TOP(2), 6, TOP(100), 128, TOP(100), 310, TOP(4), 4, 300, 0,
      "n == 0 with wrapping pointers" },
    { OK, 0, 6, 1000, 128, 3000, 310, 5000, 0, 300, SIZE_MAX,
      "rows == 0 with n == SIZE_MAX" },
    { OK, 0, 6, 1000, 128, 3000, 310, 5000, SIZE_MAX, 300, 0,
      "n == 0 with rows == SIZE_MAX" },
    { OK, 0, 6, NUL, 0, NUL, 0, NUL, 4, 0, 3,
      "cols == 0: y = 0, w, xq and scales may be NULL" },
    { OK, 0, 6, 1000, 0, 3000, 0, NUL, 4, 0, 3, "cols == 0: scales alone NULL" },
    { OK, 1, 7, 1000, 0, 3000, 0, 5003, 3, 0, 5, "cols == 0 with pointers, unaligned" },
    /* With cols == 0, w, xq and scales are not used, so not checked either. */
    { OK, 1000, 6, 1000, 0, 1000, 0, 1000, 4, 0, 3,
      "cols == 0: y may overlap w, xq and scales" },
    { OK, 0, 6, TOP(100), 0, TOP(100), SIZE_MAX, TOP(4), 4, 0, 3,
      "cols == 0: w, xq and scales may wrap, any ldx" },
    { OK, 0, 4, NUL, 0, NUL, 0, NUL, 4, 0, 9, "cols == 0, ldy == rows" },
    { OK, 0, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "valid" },
    { OK, 0, 4, 1000, 128, 3000, 300, 5000, 4, 300, 3, "ldy == rows and ldx == cols" },
    { OK, 1, 7, 1003, 131, 3002, 311, 5003, 4, 300, 3, "unaligned, odd strides" },
    { OK, 0, 6, 1000, 128, 3000, 310, 5000, 4, 300, 1, "n == 1" },
    { OK, 0, 5, 1000, 128, 3000, 300, 6000, 4, 300, 9, "n == 9" },
    { OK, 0, 6, 1000, 128, 1000, 310, 5000, 4, 300, 3, "xq overlaps w: both inputs" },
    { OK, 0, 6, 1000, 128, 3000, 310, 3100, 4, 300, 3, "scales inside xq: both inputs" },
    { OK, 0, 6, 1000, 128, 3000, 310, 1100, 4, 300, 3, "scales inside w: both inputs" },
    { OK, 0, 6, BAD255 - 200, 128, 3000, 310, 5000, 4, 300, 3, "any byte is packed data" },
    { OK, 0, 6, 1000, 128, BAD128 - 150, 310, 5000, 4, 300, 3, "xq may hold -128" },
    { OK, 0, 6, 1000, 128, BAD128 - 300, 310, 5000, 4, 300, 3,
      "-128 in the padding after the first vector" },
    /* Scales are not checked (qk256_gemm_i8(3)): non-finite ones propagate. */
    { OK, 0, 6, 1000, 128, 3000, 310, F_NAN - 4, 4, 300, 3, "the middle scale NaN" },
    { OK, 0, 6, 1000, 128, 3000, 310, F_PINF, 4, 300, 3, "the first scale +inf" },
    { OK, 0, 6, 1000, 128, 3000, 310, F_NINF - 8, 4, 300, 3, "the last scale -inf" },
    { OK, 0, 6, 1000, 128, 3000, 310, F_SNAN - 8, 4, 300, 3,
      "the last scale a signalling NaN" },
    { E_NULL, NUL, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y NULL" },
    { E_NULL, NUL, 6, NUL, 0, NUL, 0, NUL, 4, 0, 3, "y NULL with cols == 0" },
    { E_NULL, 0, 6, NUL, 128, 3000, 310, 5000, 4, 300, 3, "w NULL" },
    { E_NULL, 0, 6, 1000, 128, NUL, 310, 5000, 4, 300, 3, "xq NULL" },
    { E_NULL, 0, 6, 1000, 128, 3000, 310, NUL, 4, 300, 3, "scales NULL" },
    { E_NULL, 0, 6, 1000, 128, 3000, 310, NUL, 4, 300, 1, "scales NULL, n == 1" },
    { E_NULL, 0, 6, NUL, 128, NUL, 310, NUL, 4, 300, 3, "w, xq and scales NULL" },
    { E_NULL, NUL, 3, 1000, 128, 3000, 310, 5000, 4, 300, 3, "NULL before STRIDE (ldy)" },
    { E_NULL, 0, 6, 1000, 128, 3000, 299, NUL, 4, 300, 3,
      "scales NULL before STRIDE (ldx)" },
    { E_NULL, 0, 6, 1000, 127, NUL, 310, 5000, 4, 300, 3,
      "NULL before STRIDE (row_stride)" },
    { E_NULL, 0, 6, 1000, 128, 3000, 310, NUL, 4, 300, BIG4,
      "scales NULL before OVERFLOW (n)" },
    { E_NULL, 0, 6, NUL, RB(I8_MAX + 1), 3000, I8_MAX + 1, 5000, 1, I8_MAX + 1, 3,
      "NULL before OVERFLOW (cols)" },
    { E_NULL, 3000, 6, 1000, 128, 3000, 310, NUL, 4, 300, 3,
      "scales NULL before OVERLAP" },
    { E_STRIDE, 0, 3, 1000, 128, 3000, 310, 5000, 4, 300, 3, "ldy = rows - 1" },
    { E_STRIDE, 0, 0, 1000, 128, 3000, 310, 5000, 4, 300, 3, "ldy == 0" },
    { E_STRIDE, 0, 3, 1000, 128, 3000, 310, 5000, 4, 300, 1, "ldy = rows - 1, n == 1" },
    { E_STRIDE, 0, 3, NUL, 0, NUL, 0, NUL, 4, 0, 3, "ldy = rows - 1, cols == 0" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 299, 5000, 4, 300, 3, "ldx = cols - 1" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 0, 5000, 4, 300, 3, "ldx == 0" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 299, 5000, 4, 300, 1, "ldx = cols - 1, n == 1" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 256, 5000, 2, 257, 3, "ldx = 256, cols = 257" },
    { E_STRIDE, 0, 6, 1000, 127, 3000, 310, 5000, 4, 300, 3, "row_stride one byte short" },
    { E_STRIDE, 0, 6, 1000, 0, 3000, 310, 5000, 2, 1, 3, "row_stride 0" },
    { E_STRIDE, 0, 6, 1000, 64, 3000, 310, 5000, 2, 257, 3,
      "row_stride of one block for two" },
    { E_STRIDE, 0, 3, TOP(10), 128, 3000, 310, 5000, 4, 300, 3,
      "STRIDE (ldy) before OVERFLOW (w)" },
    { E_STRIDE, 0, 6, 1000, 128, 3000, 299, TOP(4), 4, 300, 3,
      "STRIDE (ldx) before OVERFLOW (scales)" },
    { E_STRIDE, 0, 3, 1000, 128, 3000, 310, 5000, 4, 300, SIZE_MAX,
      "STRIDE (ldy) before OVERFLOW (n)" },
    { E_STRIDE, 0, 6, 1000, RB(I8_MAX + 1), 3000, I8_MAX, 5000, 1, I8_MAX + 1, 3,
      "STRIDE (ldx) before OVERFLOW (cols)" },
    { E_STRIDE, 0, 6, 1000, RB(I8_MAX + 1) - 1, 3000, I8_MAX + 1, 5000, 1, I8_MAX + 1, 3,
      "STRIDE (row_stride) before OVERFLOW (cols)" },
    { E_STRIDE, 5000, 3, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "STRIDE (ldy) before OVERLAP (scales)" },
    { E_STRIDE, 3000, 6, 1000, 128, 3000, 299, 5000, 4, 300, 3,
      "STRIDE (ldx) before OVERLAP" },
    { E_OVERFLOW, 0, 6, 1000, RB(I8_MAX + 1), 3000, I8_MAX + 1, 5000, 1, I8_MAX + 1, 1,
      "cols = QK256_I8_MAX_COLS + 1" },
    { E_OVERFLOW, 0, 6, 1000, RB(I8_MAX + 1), 3000, I8_MAX + 1, 5000, 3, I8_MAX + 1, 3,
      "cols = QK256_I8_MAX_COLS + 1, three rows, n == 3" },
    { E_OVERFLOW, 0, 6, 1000, RB(SIZE_MAX), 3000, SIZE_MAX, 5000, 1, SIZE_MAX, 1,
      "cols == SIZE_MAX" },
    { E_OVERFLOW, 1000, 6, 1000, RB(I8_MAX + 1), 1000, I8_MAX + 1, 5000, 1, I8_MAX + 1, 3,
      "OVERFLOW (cols) before OVERLAP" },
    /* QK256_I8_MAX_COLS itself is no overflow: the spans fit, y == w. */
    { E_OVERLAP, 1000, 6, 1000, RB(I8_MAX), 3000, I8_MAX, 5000, 1, I8_MAX, 3,
      "cols == QK256_I8_MAX_COLS: y == w" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, 310, 5000, 4, 300, SIZE_MAX, "n == SIZE_MAX" },
    /* n * 4 overflows for scales too, but y spans at least n floats: its
     * overflow is the one that any n reaches first. */
    { E_OVERFLOW, 0, 1, 1000, 64, 3000, 1, 5000, 1, 1, BIG4, "n * 4 overflows, rows == 1" },
    { E_OVERFLOW, 0, 1, 1000, 64, 3000, 1, 5000, 1, 1, BIG4 - 1,
      "n floats fit in a size_t but wrap" },
    { E_OVERFLOW, 0, SIZE_MAX / 2 + 1, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "(n - 1) * ldy overflows" },
    { E_OVERFLOW, 0, BIG4 - 4, 1000, 128, 3000, 310, 5000, 4, 300, 2,
      "((n - 1) * ldy + rows) * 4 overflows" },
    { E_OVERFLOW, 0, BIG4 - 5, 1000, 128, 3000, 310, 5000, 4, 300, 2,
      "the span of y fits in a size_t but wraps" },
    { E_OVERFLOW, 0, BIG4, 1000, 128, 3000, 310, 5000, BIG4, 300, 1, "rows * 4 overflows" },
    { E_OVERFLOW, 0, SIZE_MAX, 1000, 128, 3000, 310, 5000, SIZE_MAX, 300, 1,
      "rows == SIZE_MAX" },
    { E_OVERFLOW, 0, 6, NUL, 0, NUL, 0, NUL, 4, 0, BIG4, "n * 4 overflows, cols == 0" },
    { E_OVERFLOW, 0, SIZE_MAX / 2 + 1, NUL, 0, NUL, 0, NUL, 4, 0, 3,
      "(n - 1) * ldy overflows, cols == 0" },
    { E_OVERFLOW, TOP(2), 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y wraps" },
    { E_OVERFLOW, TOP(62), 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y wraps by one byte" },
    { E_OVERFLOW, TOP(50), 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "only the last result wraps: n * rows floats would not" },
    { E_OVERFLOW, TOP(2), 6, NUL, 0, NUL, 0, NUL, 4, 0, 3, "y wraps, cols == 0" },
    { E_OVERFLOW, TOP(50), 6, NUL, 0, NUL, 0, NUL, 4, 0, 3,
      "only the last result wraps, cols == 0" },
    { E_OVERFLOW, 0, 6, 1000, SIZE_MAX / 2 + 1, 3000, 1, 5000, 3, 1, 3,
      "(rows - 1) * row_stride overflows" },
    { E_OVERFLOW, 0, 6, 1000, SIZE_MAX - 63, 3000, 1, 5000, 2, 1, 3,
      "(rows - 1) * row_stride + row bytes overflows" },
    { E_OVERFLOW, 0, 6, TOP(100), 128, 3000, 310, 5000, 1, 300, 3, "w wraps" },
    { E_OVERFLOW, 0, 6, TOP(500), 128, 3000, 310, 5000, 4, 300, 3,
      "the last row of w wraps" },
    { E_OVERFLOW, 0, 6, TOP(510), 128, 3000, 310, 5000, 4, 300, 3, "w wraps by one byte" },
    { E_OVERFLOW, 0, 6, 1000, 128, TOP(100), 310, 5000, 4, 300, 3, "xq wraps" },
    { E_OVERFLOW, 0, 6, 1000, 128, TOP(918), 310, 5000, 4, 300, 3, "xq wraps by one byte" },
    { E_OVERFLOW, 0, 6, 1000, 128, TOP(700), 310, 5000, 4, 300, 3,
      "only the last vector of xq wraps" },
    { E_OVERFLOW, 0, 6, 1000, 128, TOP(905), 310, 5000, 4, 300, 3,
      "xq wraps: n * cols bytes would not" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, SIZE_MAX / 2 + 1, 5000, 4, 300, 3,
      "(n - 1) * ldx overflows" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, SIZE_MAX - 299, 5000, 4, 300, 2,
      "(n - 1) * ldx + cols overflows" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, SIZE_MAX - 310, 5000, 4, 300, 2,
      "the span of xq fits in a size_t but wraps" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, SIZE_MAX, 5000, 4, 300, 2, "ldx == SIZE_MAX" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, 310, TOP(4), 4, 300, 3, "scales wrap" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, 310, TOP(10), 4, 300, 3,
      "scales wrap by one byte" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, 310, TOP(8), 4, 300, 3,
      "only the last scale wraps" },
    { E_OVERFLOW, 0, 6, 1000, 128, 3000, 310, TOP(2), 4, 300, 1,
      "the one scale wraps by one byte, n == 1" },
    { E_OVERFLOW, 3000, 6, TOP(100), 128, 3000, 310, 5000, 4, 300, 3,
      "OVERFLOW (w) before OVERLAP" },
    { E_OVERFLOW, 3000, 6, 1000, 128, 3000, 310, TOP(10), 4, 300, 3,
      "OVERFLOW (scales) before OVERLAP" },
    { E_OVERFLOW, 0, 6, 1000, 128, 0, SIZE_MAX / 2 + 1, 5000, 4, 300, 3,
      "OVERFLOW (ldx) before OVERLAP" },
    { E_OVERLAP, LOW(0), 2, LOW(0), SIZE_MAX / 2 + 2, 3000, 1, 5000, 2, 1, 3,
      "rows * row_stride overflows, the span of w does not" },
    { E_OVERLAP, 1000, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y == w" },
    { E_OVERLAP, 1511, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y starts at the last byte of w" },
    { E_OVERLAP, 937, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y ends at the first byte of w" },
    { E_OVERLAP, 1500, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y overlaps the last 12 bytes of w" },
    { E_OVERLAP, 990, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y overlaps the first 54 bytes of w" },
    { E_OVERLAP, 1201, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y inside w" },
    { E_OVERLAP, 950, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "only the last result overlaps w (j = 2)" },
    { E_OVERLAP, 1490, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "w ends in the padding after the first result" },
    { E_OVERLAP, 1130, 6, 1000, 200, 3000, 310, 5000, 4, 300, 3,
      "y in the gap after row 0: the span of w includes it" },
    { OK, 1512, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y right after w" },
    { OK, 936, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y right before w" },
    { OK, 1728, 6, 1000, 200, 3000, 310, 5000, 4, 300, 3,
      "y in the last row's padding, which need not exist" },
    { E_OVERLAP, 3000, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y == xq" },
    { E_OVERLAP, 3000, 1, 1000, 64, 3000, 4, 5000, 1, 4, 1, "y == xq, both 4 bytes" },
    { E_OVERLAP, 3919, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y starts at the last byte of xq" },
    { E_OVERLAP, 2937, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y ends at the first byte of xq" },
    { E_OVERLAP, 3910, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y overlaps only the last vector of xq (j = 2)" },
    { E_OVERLAP, 2950, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "only the last result overlaps xq (j = 2)" },
    { E_OVERLAP, 3400, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y inside xq" },
    { E_OVERLAP, 3310, 6, 1000, 128, 3000, 400, 5000, 4, 300, 3,
      "y in the padding between vectors: the span of xq includes it" },
    /* As for qk256_gemm; the 8 bytes of scales go to 40000. */
    { E_OVERLAP, 27000, 400, 1000, 64, 27500, 1, 40000, 400, 1, 2, "xq inside y" },
    { E_OVERLAP, 27000, 800, 1000, 64, 28700, 1, 40000, 400, 1, 2,
      "xq in the padding between results: the span of y includes it" },
    { OK, 3920, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y right after xq" },
    { OK, 2936, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y right before xq" },
    { E_OVERLAP, 5000, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y == scales" },
    { E_OVERLAP, 5000, 1, 1000, 128, 3000, 310, 5000, 1, 300, 3,
      "y == scales, both 12 bytes (rows == 1)" },
    { E_OVERLAP, 5011, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y starts at the last byte of scales" },
    { E_OVERLAP, 4937, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y ends at the first byte of scales" },
    { E_OVERLAP, 5008, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "y overlaps the last scale" },
    { E_OVERLAP, 4990, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "the first result overlaps the first 6 bytes of scales" },
    { E_OVERLAP, 4950, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "scales inside the last result (j = 2)" },
    /* y inside scales cannot happen: y spans at least n floats. */
    { E_OVERLAP, 4980, 10, 1000, 128, 3000, 310, 5000, 4, 300, 3,
      "scales in the padding between results: the span of y includes it" },
    { OK, 5012, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y right after scales" },
    { OK, 4936, 6, 1000, 128, 3000, 310, 5000, 4, 300, 3, "y right before scales" },
};

START_TEST(test_gemm_i8)
{
    for (size_t k = 0; k < NELEMS(gemm_i8_calls); k++) {
        const struct gemm_call *c = &gemm_i8_calls[k];

        expect("qk256_gemm_i8", k, c->why,
               qk256_gemm_i8(at(c->y), c->ldy, at(c->w), c->stride, at(c->x),
                             c->ldx, at(c->scales), c->rows, c->cols, c->n),
               c->want, gemm_out(c), no_out);
    }
}
END_TEST

/* cols == 0 writes y[j * ldy + r] = +0 for r < rows, j < n, and not one
 * byte else: not the padding between results, nothing past the last. */
START_TEST(test_gemm_no_cols)
{
    static const struct {
        size_t rows, ldy, n;
    } shapes[] = {
        { 1, 1, 1 }, { 1, 3, 4 }, { 5, 5, 3 }, { 5, 8, 3 }, { 17, 20, 9 },
        { 1000, 1001, 2 },
    };

    for (size_t k = 0; k < NELEMS(shapes); k++) {
        size_t rows = shapes[k].rows, ldy = shapes[k].ldy, n = shapes[k].n;
        size_t len = ((n - 1) * ldy + rows) * sizeof(float);

        for (unsigned pos = 0; pos < GBUF_NPOS; pos++) {
            for (int i8 = 0; i8 < 2; i8++) {
                struct gbuf g;
                float *y = gbuf_alloc(&g, len, pos);
                const unsigned char *b = (const unsigned char *)y;
                char ctx[96];

                snprintf(ctx, sizeof ctx, "%s, cols == 0, rows=%zu ldy=%zu n=%zu pos=%u",
                         i8 ? "qk256_gemm_i8" : "qk256_gemm", rows, ldy, n, pos);
                ck_assert_int_eq(i8 ? qk256_gemm_i8(y, ldy, NULL, 0, NULL, 0, NULL,
                                                    rows, 0, n)
                                    : qk256_gemm(y, ldy, NULL, 0, NULL, 0, rows, 0, n),
                                 QK256_OK);
                /* gbuf_alloc filled y with 0xff bytes. */
                for (size_t i = 0; i < len; i++)
                    CHECK(b[i] == (i / sizeof(float) % ldy < rows ? 0x00 : 0xff),
                          "%s: byte %zu (y[%zu]) is 0x%02x", ctx, i,
                          i / sizeof(float), b[i]);
                gbuf_free_checked(&g, "y", ctx);
            }
        }
    }
}
END_TEST

/* ---- the small functions ------------------------------------------------ */

static const int statuses[] = {
    QK256_OK, QK256_E_NULL, QK256_E_STRIDE, QK256_E_OVERFLOW,
    QK256_E_OVERLAP, QK256_E_RANGE,
};

/* Every status has its own non-empty message; unknown ones get a message
 * too, and not one of those. */
START_TEST(test_strerror)
{
    static const int unknown[] = { 1, -6, -100, 42, INT_MIN, INT_MAX };

    ck_assert_int_eq(QK256_OK, 0);
    for (size_t i = 0; i < NELEMS(statuses); i++) {
        const char *m = qk256_strerror(statuses[i]);

        CHECK(m != NULL && *m, "qk256_strerror(%d) is empty", statuses[i]);
        CHECK(i == 0 || statuses[i] < 0, "status %d is not negative",
              statuses[i]);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(m, qk256_strerror(statuses[j])) != 0,
                  "statuses %d and %d share the message \"%s\"",
                  statuses[i], statuses[j], m);
    }
    for (size_t u = 0; u < NELEMS(unknown); u++) {
        const char *m = qk256_strerror(unknown[u]);

        CHECK(m != NULL && *m, "qk256_strerror(%d) is empty", unknown[u]);
        for (size_t j = 0; j < NELEMS(statuses); j++)
            CHECK(strcmp(m, qk256_strerror(statuses[j])) != 0,
                  "unknown status %d reads as status %d: \"%s\"",
                  unknown[u], statuses[j], m);
    }
}
END_TEST

START_TEST(test_row_bytes)
{
    static const struct {
        size_t cols, bytes;
    } rb[] = {
        { 0, 0 }, { 1, 64 }, { 3, 64 }, { 255, 64 }, { 256, 64 }, { 257, 128 },
        { 300, 128 }, { 512, 128 }, { 513, 192 }, { 4096 + 7, 1088 },
        { 6912, 1728 }, { SIZE_MAX, (SIZE_MAX / 256 + 1) * 64 },
    };

    ck_assert_int_eq(QK256_BLOCK_ELEMS, 256);
    ck_assert_int_eq(QK256_BLOCK_BYTES, 64);
    for (size_t k = 0; k < NELEMS(rb); k++)
        CHECK(qk256_row_bytes(rb[k].cols) == rb[k].bytes,
              "qk256_row_bytes(%zu) = %zu, want %zu", rb[k].cols,
              qk256_row_bytes(rb[k].cols), rb[k].bytes);
}
END_TEST

START_TEST(test_version)
{
    const char *v = qk256_version();
    unsigned major, minor, patch;
    int end = -1;

    CHECK(v != NULL, "qk256_version() is NULL");
    ck_assert_str_eq(v, PACKAGE_VERSION);
    CHECK(sscanf(v, "%u.%u.%u%n", &major, &minor, &patch, &end) == 3
          && (size_t)end == strlen(v),
          "qk256_version() = \"%s\" is not MAJOR.MINOR.PATCH", v);
}
END_TEST

/* The bound variant is a usable impl-list row, and the best usable one. */
START_TEST(test_implementation)
{
    const char *name = qk256_implementation();
    const struct qk256_impl *bound = NULL;

    CHECK(name != NULL, "qk256_implementation() is NULL");
    CHECK(strcmp(name, "scalar") == 0 || strcmp(name, "avx2") == 0
          || strcmp(name, "avxvnni") == 0 || strcmp(name, "avx512") == 0
          || strcmp(name, "neon") == 0
          || strcmp(name, "dotprod") == 0 || strcmp(name, "i8mm") == 0,
          "qk256_implementation() = \"%s\"", name);
    for (size_t i = 0; i < qk256_nimpls; i++)
        if (strcmp(qk256_impls[i].name, name) == 0)
            bound = &qk256_impls[i];
    CHECK(bound != NULL, "%s is not in the impl list", name);
    CHECK(qk256_isa_usable(bound->isa), "%s is bound but not usable",
          name);
    for (size_t i = 0; i < qk256_nimpls; i++)
        CHECK(!qk256_isa_usable(qk256_impls[i].isa)
              || qk256_impls[i].isa <= bound->isa,
              "%s is bound although %s is usable", name,
              qk256_impls[i].name);
    ck_assert_str_eq(qk256_isa_name(bound->isa), name);
}
END_TEST

Suite *
suite_args(void)
{
    Suite *s = suite_create("args");
    TCase *calls = tcase_new("args", "calls");
    TCase *misc = tcase_new("args", "misc");

    tcase_add_checked_fixture(calls, arena_setup, arena_teardown);
    tcase_add_test(calls, test_pack);
    tcase_add_test(calls, test_unpack);
    tcase_add_test(calls, test_dequantize);
    tcase_add_test(calls, test_gemv);
    tcase_add_test(calls, test_quantize);
    tcase_add_test(calls, test_quantize_i8);
    tcase_add_test(calls, test_gemv_i8);
    tcase_add_test(calls, test_gemm);
    tcase_add_test(calls, test_gemm_i8);
    tcase_add_test(misc, test_gemv_no_cols);
    tcase_add_test(misc, test_gemm_no_cols);
    tcase_add_test(misc, test_strerror);
    tcase_add_test(misc, test_row_bytes);
    tcase_add_test(misc, test_version);
    tcase_add_test(misc, test_implementation);
    suite_add_tcase(s, calls);
    suite_add_tcase(s, misc);
    return s;
}
