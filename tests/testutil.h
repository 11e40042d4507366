/* tests/testutil.h -- shared helpers of qk256-tests: a seedable RNG,
 * guard-paged buffers and the variants under test
 * SPDX-License-Identifier: MIT
 */
#ifndef QK256_TESTUTIL_H
#define QK256_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "internal.h"

/* The suites, one per file; main.c runs them all. */
Suite *suite_pack(void);
Suite *suite_dequantize(void);
Suite *suite_gemv(void);
Suite *suite_quantize(void);
Suite *suite_scan(void);
Suite *suite_args(void);
Suite *suite_threads(void);
Suite *suite_quantize_i8(void);
Suite *suite_gemv_i8(void);
Suite *suite_gemm(void);
Suite *suite_i8_api(void);
Suite *suite_golden(void);
Suite *suite_header(void);

/* Fails the running test with the printf-style message unless cond holds.
 * ck_assert_msg reports every passing check to the parent process (a
 * write each time), which would dominate the run time of these loops;
 * CHECK costs nothing while cond holds. */
#define CHECK(cond, ...)                 \
    do {                                 \
        if (!(cond))                     \
            ck_abort_msg(__VA_ARGS__);   \
    } while (0)

/* ---- sizes and seeds shared by the suites ------------------------------- */

/* Element counts (n or cols) around every block and vector boundary. */
extern const size_t awkward_sizes[];
extern const size_t n_awkward_sizes;

/* The seeds of the format's first implementation. */
extern const uint64_t fixed_seeds[];
extern const size_t n_fixed_seeds;

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The randomized stress: every kernel suite runs STRESS_CHUNKS loop
 * iterations of STRESS_CHUNK_SIZE random cases on every target.  The whole
 * program also runs under Valgrind, in about a minute: no smaller count is
 * needed there. */
#define STRESS_CHUNKS 30
#define STRESS_CHUNK_SIZE 100

/* ---- comparisons --------------------------------------------------------- */

/* ctx names the case in failure messages ("gemv/avx2 rows=3 cols=300 ...").
 * Both assert bitwise equality and report the first difference. */
void assert_same_bytes(const uint8_t *got, const uint8_t *want, size_t len,
                       const char *what, const char *ctx);
void assert_same_floats(const float *got, const float *want, size_t n,
                        const char *what, const char *ctx);

/* ---- deterministic RNG: splitmix64 -------------------------------------- */

struct rng {
    uint64_t state;
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);

/* Random codes past cols in the last block of the packed row at row: the
 * kernels must ignore them. */
void scramble_pad_codes(uint8_t *row, size_t cols, struct rng *r);

/* The impl-list row of the variant that qk256_implementation() names;
 * fails the running test if there is none. */
const struct qk256_impl *bound_impl(void);
size_t rng_below(struct rng *r, size_t n);          /* uniform in [0, n) */
float rng_float(struct rng *r, float lo, float hi); /* uniform in [lo, hi] */
float rng_finite(struct rng *r);  /* any finite float: every exponent */
void rng_bytes(struct rng *r, uint8_t *p, size_t n);
void rng_codes(struct rng *r, uint8_t *p, size_t n); /* each 0..3 */
void rng_floats(struct rng *r, float *p, size_t n, float lo, float hi);

/* An element count for a random case: an awkward size half the time, else
 * uniform in 1..max. */
size_t rng_size(struct rng *r, size_t max);

/* ---- the activations of the GEMV and GEMM suites ------------------------ */

/* Kinds of float x. */
enum xkind {
    X_RANGE10, /* uniform in [-10, 10] */
    X_INTEGER, /* integers in [-8, 8]: every sum is exact */
    X_ONES,    /* all 1.0 */
    X_ZERO,    /* +0.0 and -0.0 */
    X_HUGE,    /* +-[FLT_MAX / 4, FLT_MAX]: products and sums overflow f32 */
};

extern const char *const xkind_names[];

/* Non-finite values put into x at random places. */
enum xspecial { S_NONE, S_NAN, S_INF, S_BOTH_INF };

extern const char *const xspecial_names[];

/* Kinds of int8 xq. */
enum xqkind {
    XQ_RANDOM, /* uniform in [-127, 127]: what quantize_i8 produces */
    XQ_FULL,   /* uniform in [-128, 127] */
    XQ_EDGES,  /* -128, -127, -1, 0, 1, 127 */
    XQ_ZERO,   /* all 0: acc = 0, y = scale * 0 */
    XQ_CONST,  /* all xconst */
};

extern const char *const xqkind_names[];

/* x[0..cols) of kind xk. */
void fill_x(float *x, size_t cols, enum xkind xk, struct rng *r);
/* Puts the non-finite values of sp at one or two random places of
 * x[0..cols). */
void put_specials(float *x, size_t cols, enum xspecial sp, struct rng *r);
/* xq[0..cols) of kind xk (xconst: that of XQ_CONST). */
void fill_xq(int8_t *xq, size_t cols, enum xqkind xk, int xconst,
             struct rng *r);

/* ---- guard-paged buffers ------------------------------------------------ */

/* A buffer of len bytes between two PROT_NONE pages, placed by pos:
 *   0..3        it ends pos bytes before the guard page that follows, so a
 *               read or write past the end faults at once (pos == 0) or
 *               within 4 bytes (pos > 0); pos > 0 also moves the start
 *               off its natural alignment;
 *   GBUF_FRONT  it starts right after the guard page before it, so a read
 *               or write before the start faults;
 *   GBUF_FRONT + 1..3
 *               it starts 16, 32 or 48 bytes after that guard page, where
 *               malloc and model files put weights: a kernel that reads
 *               whole cache lines from before the start (gemv_i8.h) must
 *               mask those bytes, or it faults.
 * Every other byte between the guard pages holds a canary pattern that
 * gbuf_canaries_ok() checks.  The buffer itself starts filled with 0xff
 * bytes (NaN as floats, code 3 everywhere as packed data).
 *
 * A float array at pos 1..3 is misaligned for float: the tests only hand
 * it to the library and touch it with memcpy; they fill and read aligned
 * copies (pos 0 or GBUF_FRONT), so the test code itself stays defined C. */
#define GBUF_FRONT 4u
#define GBUF_NPOS 8u /* placements: 0..3, GBUF_FRONT and 16, 32, 48 past it */

struct gbuf {
    unsigned char *map; /* the mapping, both guard pages included */
    size_t maplen;
    unsigned char *body, *body_end; /* between the guard pages */
    unsigned char *p; /* the buffer */
    size_t len;
};

void *gbuf_alloc(struct gbuf *g, size_t len, unsigned pos);
int gbuf_canaries_ok(const struct gbuf *g);
void gbuf_free(struct gbuf *g);

/* Asserts that the canaries of an output buffer are intact, then frees. */
void gbuf_free_checked(struct gbuf *g, const char *what, const char *ctx);

/* ---- the variants under test ------------------------------------------- */

/* A target is either a usable row of the impl list, whose kernels the
 * suites call directly, or "public": the public API (dispatched through
 * the ifuncs), wrapped to kernel signatures and asserting QK256_OK. */
struct target {
    const char *name; /* impl-list name, or "public" */
    const struct qk256_impl *impl; /* NULL for "public" */
    qk256_pack_fn *pack;
    qk256_unpack_fn *unpack;
    qk256_dequantize_fn *dequantize;
    qk256_gemv_fn *gemv;
    qk256_quantize_fn *quantize;
    qk256_quantize_i8_fn *quantize_i8;
    qk256_gemv_i8_fn *gemv_i8;
};

size_t target_count(void);
const struct target *target_get(size_t i);

/* The scalar row of the impl list: the twin every other target must match. */
const struct qk256_impl *scalar_impl(void);

/* Whether t is the scalar kernel itself (no twin comparison needed). */
int target_is_scalar(const struct target *t);

/* A test of a kernel suite runs on every target: tcase_add_loop_test gives
 * it the loop index _i, from which these recover the target and the case
 * number. */
#define TARGET_STRIDE 65536
const struct target *target_of(int i);
int case_of(int i);

/* Runs chunk case_of(i) of a suite's stress on target_of(i): each of its
 * STRESS_CHUNK_SIZE cases calls one() with an RNG seeded for that case
 * alone, from the suite name and the case number. */
void run_stress(int i, const char *suite,
                void (*one)(const struct target *t, struct rng *r));

struct ktest {
    const TTest *test;
    int ncases; /* loop indices 0 .. ncases-1 */
};

/* A suite with one TCase "<name>/<target>" per target, each holding every
 * test of tests[]. */
Suite *kernel_suite(const char *name, const struct ktest *tests,
                    size_t ntests);

/* A TCase whose name lives as long as the program, with the timeout that
 * every TCase of this program uses. */
TCase *tcase_new(const char *suite, const char *name);

#endif /* QK256_TESTUTIL_H */
