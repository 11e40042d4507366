/* tests/fuzz/fuzz.h -- helpers that the libFuzzer targets share: the input
 * header, byte and float sources, exact-size buffers, checks and reports
 * SPDX-License-Identifier: MIT
 *
 * Every target reads the same 23-byte header (struct fz_hdr) from the
 * front of its input (fuzz_gemm: and 4 bytes more, see fz_gemm_shape),
 * then takes the data it needs (codes, packed bytes, floats) from the
 * rest.  When the input runs out, a PRNG seeded from the whole input goes
 * on, so that a seed of a few dozen bytes can still describe a row of
 * 4103 elements; the fuzzer mutates the header and the leading data,
 * which is where the shapes and the special values live.
 *
 * A target calls the public function first, with its inputs and outputs
 * at the very end of exactly-sized heap blocks (so that ASan sees a read or
 * write one byte past the end) and at a start offset of 0..31 bytes (so
 * that pointers are unaligned).  It compares the status with the one SPEC
 * section 3 gives for the arguments (the first fault in the order that
 * lib/qk256.c documents: NULL, STRIDE, OVERFLOW, OVERLAP, RANGE), checks
 * that a failing call or a no-op left every byte alone, and otherwise
 * compares the result with tests/ref.c.
 * Then it runs every usable variant of the impl list directly on the same
 * inputs and compares again: bitwise where SPEC section 4 says so, within
 * the f32 bound otherwise.  A difference is printed and abort()ed, which
 * libFuzzer records as a crash.
 */
#ifndef QK256_FUZZ_H
#define QK256_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* libFuzzer's entry point, which every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- limits ---------------------------------------------------------------
 * Sizes stay small enough that one execution takes a few milliseconds at
 * most (ASan, UBSan and every variant included). */
#define FZ_MAX_N 5000          /* n of pack, unpack, dequantize, quantize(_i8) */
#define FZ_MAX_COLS 4200       /* cols of gemv and gemv_i8: 4103 too */
#define FZ_MAX_ROWS 64
#define FZ_MAX_ELEMS 65536     /* rows * cols of one gemv */
#define FZ_MAX_SKEW 32         /* start offsets 0..31 */
#define FZ_MAX_NVEC 20         /* n of gemm and gemm_i8 */
#define FZ_MAX_GEMM 131072     /* n * rows * cols of one gemm */

/* ---- the input ---------------------------------------------------------- */

struct fz {
    const uint8_t *p;
    size_t left;
    uint64_t rng; /* splitmix64 state, used once the input is consumed */
};

void fz_init(struct fz *f, const uint8_t *data, size_t size);
unsigned fz_byte(struct fz *f);
unsigned fz_u16(struct fz *f); /* little-endian */
uint32_t fz_u32(struct fz *f);

/* What the fault byte of the header asks for. */
enum fz_fault {
    FZ_NONE,     /* valid arguments */
    FZ_NULL,     /* some pointers NULL (aux says which) */
    FZ_OVERFLOW, /* a size or a pointer whose span certainly overflows */
    FZ_OVERLAP,  /* the output overlaps an input (aux says where) */
    FZ_ADJACENT  /* the output touches an input but does not overlap it */
};

/* The header, in input order.  Byte offsets are those of the seed
 * generator, tests/fuzz/gen-seeds. */
struct fz_hdr {
    unsigned op;          /*  0: which function, target-specific */
    enum fz_fault fault;  /*  1: byte % 8: 0-3 none, 4 NULL, 5 overflow,
                                 6 overlap, 7 adjacent */
    unsigned flags;       /*  2: target-specific bits */
    unsigned skew[3];     /*  3-5: start offsets of three buffers, % 32 */
    unsigned char canary; /*  6: the byte that outputs are filled with */
    uint32_t aux;         /*  7-10: details of the fault: bits 0-15 an
                                 offset or size, 16-17 which huge size,
                                 18-19 which gemv size, 20 a wrapping
                                 pointer, 21-23 which one, 24-31 which
                                 overlapping pair */
    unsigned kind;        /* 11: how floats are made (enum fz_kind) */
    int exp;              /* 12: byte - 150, the exponent of FZ_SCALED */
    unsigned inj;         /* 13: non-finite injection (FZ_INJ_*) */
    unsigned inj_at;      /* 14-15: where */
    size_t rows;          /* 16: >= 128: (byte - 128) % (max_rows + 1),
                                 else an awkward row count */
    size_t n;             /* 17-19: n or cols.  sel >= 128: the u16 that
                                 follows % (max_n + 1), else an awkward size */
    unsigned stride_mode; /* 20: see fz_stride() */
    unsigned stride_aux;  /* 21-22 */
};

void fz_read_hdr(struct fz *f, struct fz_hdr *h, size_t max_rows,
                 size_t max_n);

/* Non-finite injection, header byte 13. */
#define FZ_INJ_ON 0x01u    /* put a non-finite value into the float input */
#define FZ_INJ_LAST 0x08u  /* at the last element instead of inj_at % n */
#define FZ_INJ_PAIR 0x10u  /* and the opposite infinity at another place */
/* bits 1-2 pick the value: NaN, +inf, -inf, -NaN with a payload */

/* ---- floats --------------------------------------------------------------- */

enum fz_kind {
    FZ_SMALL,   /* multiples of 0.25 in [-32, 32), -0.0 too: many ties */
    FZ_FINITE,  /* any finite bit pattern, subnormals and FLT_MAX included */
    FZ_RAW,     /* any bit pattern: NaN and inf about once in 256 */
    FZ_SPECIAL, /* a table of finite edge values */
    FZ_SCALED,  /* int16 * 2^exp: one binade range per array */
    FZ_UNIFORM, /* uniform in [-10, 10] */
    FZ_MIXED,   /* each element a kind of its own */
    FZ_NKINDS
};

float fz_float(struct fz *f, const struct fz_hdr *h);

/* The non-finite value that the header's injection asks for. */
float fz_injected(const struct fz_hdr *h);

/* Fills x[0..n) with fz_float, then applies the header's injection. */
void fz_floats(struct fz *f, const struct fz_hdr *h, float *x, size_t n);

int fz_all_finite(const float *x, size_t n);

/* ---- sizes ---------------------------------------------------------------- */

/* ceil(n / 256) blocks and ceil(n / 256) * 64 bytes, computed here rather
 * than asked of the library. */
size_t fz_blocks(size_t n);
size_t fz_row_bytes(size_t n);

/* The row stride the header asks for, given rb = fz_row_bytes(cols):
 * stride_mode % 8 is 0, 1, 6, 7: rb; 2: rb + 1..63; 3: rb + 64..256 in
 * steps of 64; 4: rb + 0..1023; 5: short, rb - 1 - stride_aux % rb (rb
 * itself when rb == 0).  *is_short says whether it came out short. */
size_t fz_stride(const struct fz_hdr *h, size_t rb, int *is_short);

/* Sizes that certainly overflow whatever the (heap) addresses, picked by
 * aux: n with n bytes wrapping the address space (the top 64 Ki values of
 * size_t); when floats is set, also (aux bit 16) n whose float array does
 * not fit in size_t, or (aux bit 17) n whose float array fits in size_t
 * but wraps the address space from any heap address. */
size_t fz_huge(uint32_t aux, int floats);

/* ---- buffers ---------------------------------------------------------------
 * A buffer of len bytes at the end of a malloc'd block of skew + len
 * bytes: ASan sees the first byte past the end.  Whole 8-byte granules in
 * front of it are poisoned too, so a read before the start is seen as
 * well unless it stays within the granule of the first byte. */

struct fz_buf {
    unsigned char *base;
    size_t size;
    unsigned char *p;
    size_t len;
};

unsigned char *fz_buf_new(struct fz_buf *b, size_t len, unsigned skew);
void fz_buf_free(struct fz_buf *b);

/* An output of len bytes at the header's first skew, every byte the
 * header's canary: what each variant writes its y into. */
float *fz_out_new(struct fz_buf *b, size_t len, const struct fz_hdr *h);

/* ---- the public call ------------------------------------------------------
 * A target describes the pointer arguments of one call (struct fz_arg),
 * fz_place() puts them into exact-size blocks, the target calls the
 * function with each arg's p, and fz_check_call() checks the status and
 * every byte of every block: a failing call or a no-op leaves each block
 * as it was; a call that writes leaves its inputs alone and writes exactly
 * what each output's data says.
 *
 * With the overlap and adjacent faults, one output and one other argument
 * share a block, the output t bytes after the other (t < 0: before it);
 * aux picks which pair and where.  With the overflow fault and aux bit 20
 * set, one argument of at least 2 bytes ((aux >> 21) picks it) gets a
 * pointer k <= len - 2 bytes below the top of the address space instead
 * of a block, so that its span wraps: the call must fail without
 * touching it (it would fault).  The target then passes the real sizes;
 * without such an argument it passes huge ones (fz_huge). */

#define FZ_MAX_ARGS 4

struct fz_arg {
    const char *name;
    size_t len;       /* bytes that the call may touch */
    const void *data; /* an input's contents; an output's wanted result
                         (NULL: not compared here, the target checks it) */
    int out;          /* an output */
    int floats;       /* an array of floats (for the messages) */
    int null;         /* pass NULL instead */
    unsigned char *p; /* set by fz_place(): what to pass */
};

struct fz_layout {
    struct fz_arg *args;
    size_t nargs;
    unsigned char canary;
    int pair_out, pair_in; /* indices into args, -1 without a shared block */
    long long t;
    int overlaps;          /* the shared block's two arguments overlap */
    int fake;              /* the argument with a wrapping pointer, or -1 */
    struct fz_buf buf[FZ_MAX_ARGS + 1]; /* one per arg; the last: shared */
    unsigned char *snap[FZ_MAX_ARGS + 1];
};

/* Lays out args as h asks; outputs start filled with h->canary. */
void fz_place(struct fz_layout *l, const struct fz_hdr *h,
              struct fz_arg *args, size_t nargs);

/* fn's status got must be want; wrote says whether a call that returns
 * QK256_OK writes its outputs (not a no-op). */
void fz_check_call(const struct fz_layout *l, const char *fn, int got,
                   int want, int wrote);

void fz_layout_free(struct fz_layout *l);

void *fz_xmalloc(size_t len); /* aborts on failure; never NULL */

/* ---- checks and reports --------------------------------------------------- */

/* A line that describes the case, printed with every failure. */
void fz_ctx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the case and the message, then aborts. */
void fz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Also prints the case and the status when QK256_FUZZ_VERBOSE is set. */
void fz_check_status(const char *fn, int got, int want);

/* Bitwise equality, naming the first difference: who produced got (a
 * variant name, "public"), what it is ("dst", "y") and what want is
 * ("ref", "scalar"). */
void fz_same_bytes(const char *who, const char *what, const void *got,
                   const void *want, size_t len, const char *against);
/* The same for floats in possibly unaligned memory. */
void fz_same_floats(const char *who, const char *what, const void *got,
                    const void *want, size_t n, const char *against);

/* Checks qk256_version(), qk256_implementation() and qk256_strerror() of
 * status and of another value, and returns the impl-list row that the
 * public functions are bound to. */
const struct qk256_impl *fz_public_checks(int status, uint32_t other);

/* qk256_row_bytes(n) against fz_row_bytes(n). */
void fz_check_row_bytes(size_t n);

/* The first row of the impl list at or after k whose ISA this CPU has,
 * or qk256_nimpls; FZ_FOR_USABLE(k) runs its body for each such row k. */
size_t fz_next_usable(size_t k);
#define FZ_FOR_USABLE(k)                                                  \
    for (size_t k = fz_next_usable(0); k < qk256_nimpls;                \
         k = fz_next_usable(k + 1))

/* Rewrites every byte of a packed matrix that holds no weight: the codes
 * past cols in the last block of each row, and the bytes between rb and
 * row_stride except after the last row (where they need not exist). */
void fz_scramble_ignored(uint8_t *w, size_t rows, size_t row_stride,
                         size_t cols, struct fz *f);

/* ---- gemv, gemv_i8, gemm and gemm_i8 ------------------------------------ */

/* The size that the overflow fault makes huge (without a wrapping
 * pointer): what fz_gemv_overflow() passes instead of the real one. */
enum fz_over {
    FZ_OVER_ROWS,
    FZ_OVER_STRIDE,  /* (rows - 1) * stride; rows >= 2, cols > 0, else rows */
    FZ_OVER_COLS,    /* the x array */
    FZ_OVER_COLS_I8, /* just over QK256_I8_MAX_COLS (i8), else as cols */
    FZ_OVER_N,       /* gemm: the n results of y */
    FZ_OVER_LDY,     /* gemm: (n - 1) * ldy; n >= 2, else n */
    FZ_OVER_LDX,     /* gemm: (n - 1) * ldx; n >= 2, cols > 0, else n */
    FZ_NOVERS
};

/* The matrix and vectors of a gemv or gemm case, and what the public call
 * is given (the same but for the NULL and overflow faults).  rows and cols
 * come from the header (rows * cols at most FZ_MAX_ELEMS), the stride
 * from fz_stride().  A GEMV is one vector: n = 1, ldy = rows, ldx = cols.
 * y spans ylen floats, from its first result to the end of its last, and
 * x xlen elements (0 when the call reads no x). */
struct fz_gemv_shape {
    size_t rows, cols, rb, stride, wlen; /* wlen: (rows-1)*stride + rb */
    size_t n, ldy, ldx, ylen, xlen;
    int gemm;     /* made by fz_gemm_shape(): n, ldy, ldx are passed */
    int is_short; /* the stride, ldy or ldx is short: QK256_E_STRIDE */
    enum fz_over over;
    size_t call_rows, call_cols, call_stride, call_n, call_ldy, call_ldx;
    int null_y, null_w, null_x, null_s; /* null_s: scales (gemm_i8) */
};

/* i8: the activations are int8 (gemv_i8, gemm_i8), which adds the
 * overflow of cols > QK256_I8_MAX_COLS.  Faults: NULL takes aux % 7 + 1
 * as a mask of y (1), w (2) and x (4); overflow picks by (aux >> 18) % 4
 * among rows, the stride, cols and cols just over QK256_I8_MAX_COLS (see
 * enum fz_over).  With a wrapping pointer (see fz_place) the sizes stay
 * real: fz_gemv_overflow() applies them after fz_place() when no argument
 * got one. */
void fz_gemv_shape(struct fz_gemv_shape *s, const struct fz_hdr *h);
void fz_gemv_overflow(struct fz_gemv_shape *s, const struct fz_hdr *h,
                      const struct fz_layout *l, int i8);

/* A gemm case: fz_gemv_shape(), then 4 bytes that follow the header:
 *   23  n: byte % (FZ_MAX_NVEC + 1), 0 included; rows shrink so that
 *       n * rows * cols stays at most FZ_MAX_GEMM
 *   24  ldy: rows plus a padding, or short (fz_ld)
 *   25  ldx: cols plus a padding, or short
 *   26  the overflow fault: byte % FZ_NOVERS picks the size (enum fz_over)
 * scales: the call takes n scales (gemm_i8); the NULL fault then takes
 * aux % 15 + 1 as a mask of y (1), w (2), x (4) and scales (8).  With the
 * overflow fault, no stride, ldy or ldx is short (one fault at a time). */
void fz_gemm_shape(struct fz_gemv_shape *s, const struct fz_hdr *h,
                   struct fz *f, int scales);

/* The leading dimension that byte asks for, of vectors of base elements,
 * by byte >> 5: 0-2 base; 3 base + 1..8; 4 base + 0..31; 5 base + 16,
 * 32, 48 or 64; 6 base + 64 * 0..31; 7 short, base - 1 - byte % 32 % base
 * (base itself when base == 0).  *is_short says whether it came out
 * short. */
size_t fz_ld(size_t base, unsigned byte, int *is_short);

/* The arguments y, w, x of the public call: y is ylen floats, x xlen
 * elements of xsize bytes; w and x are empty when cols == 0 (the call
 * reads neither). */
void fz_gemv_args(struct fz_arg args[3], const struct fz_gemv_shape *s,
                  const uint8_t *w, const void *x, size_t xsize);

/* The status a call on n elements owes, in the order of lib/qk256.c:
 * n == 0 is a no-op, then NULL, OVERFLOW, OVERLAP (l: the placed
 * arguments), then RANGE for a code > 3 or a non-finite float. */
int fz_want(size_t n, int is_null, const struct fz_hdr *h,
            const struct fz_layout *l, int bad_input);

/* impl's scan of the n floats at x must say finite (abort if not);
 * returns finite. */
int fz_check_finite(const struct qk256_impl *impl, const float *x, size_t n,
                    int finite);

/* The status the public call owes, in the order of lib/qk256.c: rows == 0
 * or n == 0 is a no-op, then NULL, STRIDE, OVERFLOW, OVERLAP (l: the
 * placed arguments). */
int fz_gemv_want(const struct fz_gemv_shape *s, const struct fz_hdr *h,
                 const struct fz_layout *l);

/* A line for fz_ctx(). */
void fz_gemv_ctx(const char *fn, const struct fz_gemv_shape *s,
                 const struct fz_hdr *h, const struct fz_layout *l);

#endif /* QK256_FUZZ_H */
