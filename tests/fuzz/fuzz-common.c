/* tests/fuzz/fuzz-common.c -- the helpers of tests/fuzz/fuzz.h
 * SPDX-License-Identifier: MIT
 */
#include "fuzz.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
# define FZ_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define FZ_ASAN 1
# endif
#endif
#ifdef FZ_ASAN
# include <sanitizer/asan_interface.h>
#endif

/* ---- the input ---------------------------------------------------------- */

static uint64_t
splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void
fz_init(struct fz *f, const uint8_t *data, size_t size)
{
    /* FNV-1a of the whole input: the bytes that the PRNG supplies change
     * with every input, not only with its length. */
    uint64_t h = 0xcbf29ce484222325u;

    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3u;
    f->p = data;
    f->left = size;
    f->rng = h;
}

unsigned
fz_byte(struct fz *f)
{
    if (f->left) {
        f->left--;
        return *f->p++;
    }
    return (unsigned)(splitmix64(&f->rng) >> 56);
}

unsigned
fz_u16(struct fz *f)
{
    unsigned lo = fz_byte(f);

    return lo | fz_byte(f) << 8;
}

uint32_t
fz_u32(struct fz *f)
{
    uint32_t lo = fz_u16(f);

    return lo | (uint32_t)fz_u16(f) << 16;
}

/* Element counts around every block and vector boundary (ascending). */
static const size_t awkward_sizes[] = {
    0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128,
    129, 191, 255, 256, 257, 300, 383, 384, 385, 511, 512, 513, 767, 768,
    769, 1023, 1024, 1025, 2047, 2048, 2049, 2999, 3000, 4095, 4096, 4097,
    4103, 4999, 5000,
};

/* Row counts around the 4-row tiles of the gemv kernels (ascending). */
static const size_t awkward_rows[] = {
    0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64,
};

static size_t
pick_le(const size_t *table, size_t len, unsigned idx, size_t max)
{
    size_t k = 0;

    while (k < len && table[k] <= max)
        k++;
    return table[idx % k]; /* both tables start with 0 */
}

void
fz_read_hdr(struct fz *f, struct fz_hdr *h, size_t max_rows, size_t max_n)
{
    unsigned fault, sel, v;

    h->op = fz_byte(f);
    fault = fz_byte(f) % 8;
    h->fault = fault < 4 ? FZ_NONE : (enum fz_fault)(fault - 3);
    h->flags = fz_byte(f);
    for (int i = 0; i < 3; i++)
        h->skew[i] = fz_byte(f) % FZ_MAX_SKEW;
    h->canary = (unsigned char)fz_byte(f);
    h->aux = fz_u32(f);
    h->kind = fz_byte(f) % FZ_NKINDS;
    h->exp = (int)fz_byte(f) - 150;
    h->inj = fz_byte(f);
    h->inj_at = fz_u16(f);
    v = fz_byte(f);
    h->rows = v >= 128 ? (v - 128) % (max_rows + 1)
                       : pick_le(awkward_rows, sizeof awkward_rows / sizeof awkward_rows[0],
                                 v, max_rows);
    sel = fz_byte(f);
    v = fz_u16(f);
    h->n = sel >= 128 ? v % (max_n + 1)
                      : pick_le(awkward_sizes, sizeof awkward_sizes / sizeof awkward_sizes[0],
                                sel, max_n);
    h->stride_mode = fz_byte(f);
    h->stride_aux = fz_u16(f);
}

/* ---- floats --------------------------------------------------------------- */

static float
f32_of_bits(uint32_t u)
{
    float v;

    memcpy(&v, &u, sizeof v);
    return v;
}

static uint32_t
bits_of_f32(float v)
{
    uint32_t u;

    memcpy(&u, &v, sizeof u);
    return u;
}

/* Edge values: signed zeros, the quantize thresholds of a block whose
 * maximum is 2 (1.5 is big, a hair less is not), round-half-even ties of
 * quantize_i8 when the maximum is 127, the smallest subnormal (its half
 * rounds to 0), the normal maximum whose 127 / m overflows and FLT_MAX.
 * No NaN or infinity: those come from the injection of fz_floats (or from
 * FZ_RAW), so that quantize gets past its finite scan with these too. */
static const uint32_t special_bits[] = {
    0x00000000u, 0x80000000u, /* +0, -0 */
    0x3f800000u, 0xbf800000u, /* +-1 */
    0x3f000000u, 0xbf000000u, /* +-0.5 */
    0x3fc00000u, 0xbfc00000u, /* +-1.5 */
    0x3fbfffffu, 0xbfbfffffu, /* +-1.4999999 */
    0x40000000u, 0xc0000000u, /* +-2 */
    0x40200000u, 0x40400000u, /* 2.5, 3 */
    0x42fe0000u, 0xc2fe0000u, /* +-127 */
    0x42fd0000u, 0x3effffffu, /* 126.5, 0.49999997 */
    0x00000001u, 0x80000001u, /* +-smallest subnormal */
    0x00400000u, 0x00800000u, /* a subnormal, FLT_MIN */
    0x02800000u, 0x80800000u, /* 2^-122 (127 / it overflows), -FLT_MIN */
    0x7f7fffffu, 0xff7fffffu, /* +-FLT_MAX */
    0x7effffffu, 0x7f000000u, /* about FLT_MAX / 2, 2^127 */
};

#define N_SPECIALS (sizeof special_bits / sizeof special_bits[0])

static float
float_of_kind(struct fz *f, unsigned kind, int exp)
{
    uint32_t u;

    switch (kind) {
    case FZ_SMALL: {
        unsigned b = fz_byte(f);

        if (b == 0x80)
            return -0.0f;
        return (float)(int)(b < 128 ? (int)b : (int)b - 256) / 4.0f;
    }
    case FZ_FINITE:
        u = fz_u32(f);
        if ((u & 0x7f800000u) == 0x7f800000u)
            u &= ~0x40000000u; /* exponent 255 -> 127 */
        return f32_of_bits(u);
    case FZ_RAW:
        return f32_of_bits(fz_u32(f));
    case FZ_SPECIAL:
        return f32_of_bits(special_bits[fz_byte(f) % N_SPECIALS]);
    case FZ_SCALED: {
        unsigned v = fz_u16(f);
        int s = v < 32768 ? (int)v : (int)v - 65536;

        return ldexpf((float)s, exp);
    }
    case FZ_UNIFORM:
        return (float)((double)(int32_t)fz_u32(f) / 2147483648.0 * 10.0);
    default:
        return float_of_kind(f, fz_byte(f) % FZ_MIXED, exp);
    }
}

float
fz_float(struct fz *f, const struct fz_hdr *h)
{
    return float_of_kind(f, h->kind, h->exp);
}

/* NaN, +inf, -inf and a negative signalling NaN with a payload. */
static const uint32_t injected_bits[4] = {
    0x7fc00000u, 0x7f800000u, 0xff800000u, 0xff812345u,
};

float
fz_injected(const struct fz_hdr *h)
{
    return f32_of_bits(injected_bits[(h->inj >> 1) & 3]);
}

void
fz_floats(struct fz *f, const struct fz_hdr *h, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = fz_float(f, h);
    if (!(h->inj & FZ_INJ_ON) || n == 0)
        return;

    size_t at = h->inj & FZ_INJ_LAST ? n - 1 : h->inj_at % n;

    x[at] = fz_injected(h);
    if (h->inj & FZ_INJ_PAIR && n > 1) {
        /* Both infinities: a gemv row then sums to NaN or to an infinity,
         * as the signs of the weights decide. */
        size_t other = (at + 1 + h->inj_at / 7 % (n - 1)) % n;

        x[other] = x[at] > 0.0f ? -INFINITY : INFINITY;
    }
}

int
fz_all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((bits_of_f32(x[i]) & 0x7f800000u) == 0x7f800000u)
            return 0;
    return 1;
}

/* ---- sizes ---------------------------------------------------------------- */

size_t
fz_blocks(size_t n)
{
    return n / 256 + (n % 256 ? 1 : 0);
}

size_t
fz_row_bytes(size_t n)
{
    return fz_blocks(n) * 64;
}

size_t
fz_stride(const struct fz_hdr *h, size_t rb, int *is_short)
{
    size_t a = h->stride_aux;

    *is_short = 0;
    switch (h->stride_mode % 8) {
    case 2:
        return rb + 1 + a % 63;
    case 3:
        return rb + 64 * (1 + a % 4);
    case 4:
        return rb + a % 1024;
    case 5:
        if (rb == 0)
            return 0;
        *is_short = 1;
        return rb - 1 - a % rb;
    default:
        return rb;
    }
}

size_t
fz_huge(uint32_t aux, int floats)
{
    if (floats && (aux & 0x10000u))
        return SIZE_MAX / sizeof(float) + 1 + (aux & 0xffffu);
    /* 4 * n >= SIZE_MAX - 262143: no heap block starts that low */
    if (floats && (aux & 0x20000u))
        return SIZE_MAX / sizeof(float) - (aux & 0xffffu);
    return SIZE_MAX - (aux & 0xffffu);
}

/* ---- buffers ---------------------------------------------------------------- */

void *
fz_xmalloc(size_t len)
{
    void *p = malloc(len ? len : 1);

    if (!p) {
        fprintf(stderr, "fuzz: out of memory (%zu bytes)\n", len);
        abort();
    }
    return p;
}

unsigned char *
fz_buf_new(struct fz_buf *b, size_t len, unsigned skew)
{
    b->size = skew + len;
    b->base = malloc(b->size);
    if (!b->base && b->size) {
        fprintf(stderr, "fuzz: out of memory (%zu bytes)\n", b->size);
        abort();
    }
    if (!b->base) /* malloc(0) may give NULL; the buffer must not be */
        b->base = fz_xmalloc(1);
    b->p = b->base + skew;
    b->len = len;
#ifdef FZ_ASAN
    __asan_poison_memory_region(b->base, skew & ~7u);
#endif
    return b->p;
}

float *
fz_out_new(struct fz_buf *b, size_t len, const struct fz_hdr *h)
{
    unsigned char *p = fz_buf_new(b, len, h->skew[0]);

    memset(p, h->canary, len);
    return (float *)(void *)p;
}

void
fz_buf_free(struct fz_buf *b)
{
#ifdef FZ_ASAN
    __asan_unpoison_memory_region(b->base, (size_t)(b->p - b->base));
#endif
    free(b->base);
    b->base = b->p = NULL;
}

/* ---- the public call ------------------------------------------------------ */

/* The float at byte offset 4 * i of possibly unaligned memory. */
static float
get_f32(const void *p, size_t i)
{
    float v;

    memcpy(&v, (const unsigned char *)p + i * sizeof v, sizeof v);
    return v;
}

/* The offset that the header asks for: adjacent (the output right after
 * or right before the other argument) or anywhere the two overlap. */
static long long
pair_offset(const struct fz_hdr *h, size_t out_len, size_t in_len)
{
    if (h->fault == FZ_ADJACENT)
        return h->aux & 1 ? (long long)in_len : -(long long)out_len;
    /* -out_len < t < in_len: out_len + in_len - 1 offsets */
    return (long long)(h->aux % (out_len + in_len - 1)) - (long long)out_len + 1;
}

static int
pair_overlaps(size_t out_len, size_t in_len, long long t)
{
    return out_len && in_len && t < (long long)in_len && -t < (long long)out_len;
}

/* Picks the pair that shares a block: an output and any other argument,
 * both passed and both non-empty; (aux >> 24) chooses among them. */
static void
pick_pair(struct fz_layout *l, const struct fz_hdr *h)
{
    int cand[FZ_MAX_ARGS * FZ_MAX_ARGS][2];
    unsigned k = 0;

    l->pair_out = l->pair_in = -1;
    l->t = 0;
    l->overlaps = 0;
    if (h->fault != FZ_OVERLAP && h->fault != FZ_ADJACENT)
        return;
    for (size_t i = 0; i < l->nargs; i++)
        for (size_t j = 0; j < l->nargs; j++) {
            const struct fz_arg *a = &l->args[i], *b = &l->args[j];

            if (i != j && a->out && !a->null && !b->null && a->len && b->len) {
                cand[k][0] = (int)i;
                cand[k][1] = (int)j;
                k++;
            }
        }
    if (k == 0)
        return;

    const int *c = cand[(h->aux >> 24) % k];
    size_t out_len = l->args[c[0]].len, in_len = l->args[c[1]].len;

    l->pair_out = c[0];
    l->pair_in = c[1];
    l->t = pair_offset(h, out_len, in_len);
    l->overlaps = pair_overlaps(out_len, in_len, l->t);
}

/* Picks the argument whose pointer wraps: passed, at least 2 bytes. */
static void
pick_fake(struct fz_layout *l, const struct fz_hdr *h)
{
    int cand[FZ_MAX_ARGS];
    unsigned k = 0;

    l->fake = -1;
    if (h->fault != FZ_OVERFLOW || !(h->aux & 0x100000u))
        return;
    for (size_t i = 0; i < l->nargs; i++)
        if (!l->args[i].null && l->args[i].len >= 2)
            cand[k++] = (int)i;
    if (k)
        l->fake = cand[(h->aux >> 21) % k];
}

static void
fill_arg(const struct fz_layout *l, const struct fz_arg *a)
{
    if (a->out)
        memset(a->p, l->canary, a->len);
    else if (a->len)
        memcpy(a->p, a->data, a->len);
}

void
fz_place(struct fz_layout *l, const struct fz_hdr *h, struct fz_arg *args,
         size_t nargs)
{
    const size_t shared = FZ_MAX_ARGS;

    l->args = args;
    l->nargs = nargs;
    l->canary = h->canary;
    for (size_t k = 0; k <= FZ_MAX_ARGS; k++) {
        l->buf[k].base = NULL;
        l->snap[k] = NULL;
    }
    pick_pair(l, h);
    pick_fake(l, h);

    for (size_t k = 0; k < nargs; k++) {
        struct fz_arg *a = &args[k];

        a->p = NULL;
        if ((int)k == l->fake) {
            size_t below = (h->aux & 0xffffu) % (a->len - 1);

            a->p = (unsigned char *)(uintptr_t)(UINTPTR_MAX - below);
            continue;
        }
        if (a->null || (int)k == l->pair_out || (int)k == l->pair_in)
            continue;
        a->p = fz_buf_new(&l->buf[k], a->len, h->skew[k % 3]);
        fill_arg(l, a);
    }
    if (l->pair_out >= 0) {
        struct fz_arg *o = &args[l->pair_out], *i = &args[l->pair_in];
        size_t in_off = l->t < 0 ? (size_t)-l->t : 0;
        size_t out_off = l->t < 0 ? 0 : (size_t)l->t;
        size_t end_in = in_off + i->len, end_out = out_off + o->len;
        size_t total = end_in > end_out ? end_in : end_out;
        unsigned char *p = fz_buf_new(&l->buf[shared], total,
                                      h->skew[l->pair_out % 3]);

        /* Canary first, then the input: where the two overlap, the
         * caller's memory holds the input. */
        memset(p, l->canary, total);
        o->p = p + out_off;
        i->p = p + in_off;
        fill_arg(l, i);
    }
    for (size_t k = 0; k <= FZ_MAX_ARGS; k++) {
        if (!l->buf[k].base)
            continue;
        l->snap[k] = fz_xmalloc(l->buf[k].len);
        memcpy(l->snap[k], l->buf[k].p, l->buf[k].len);
    }
}

/* Whether p points into block b (compared as integers: p may belong to
 * another object). */
static int
in_block(const struct fz_buf *b, const unsigned char *p)
{
    return p && (uintptr_t)p - (uintptr_t)b->p < b->len;
}

/* Names the first byte where block k differs from what it should hold:
 * the argument it belongs to and, for floats, both values. */
static void
report_block(const struct fz_layout *l, size_t k, const unsigned char *want,
             const char *fn, const char *why)
{
    const struct fz_buf *b = &l->buf[k];
    size_t off = 0;

    while (off < b->len && b->p[off] == want[off])
        off++;
    for (size_t i = 0; i < l->nargs; i++) {
        const struct fz_arg *a = &l->args[i];
        size_t at = (size_t)((uintptr_t)(b->p + off) - (uintptr_t)a->p);

        if ((int)i == l->fake || !in_block(b, a->p) || at >= a->len)
            continue;
        if (a->floats) {
            size_t e = at / sizeof(float);

            fz_fail("public %s (%s): %s[%zu] of %zu is %a, want %a", fn, why,
                    a->name, e, a->len / sizeof(float),
                    (double)get_f32(a->p, e),
                    (double)get_f32(want + (a->p - b->p), e));
        }
        fz_fail("public %s (%s): %s byte %zu of %zu is 0x%02x, want 0x%02x",
                fn, why, a->name, at, a->len, b->p[off], want[off]);
    }
    fz_fail("public %s (%s): byte %zu of a block, outside every argument, "
            "is 0x%02x, want 0x%02x", fn, why, off, b->p[off], want[off]);
}

void
fz_check_call(const struct fz_layout *l, const char *fn, int got, int want,
              int wrote)
{
    fz_check_status(fn, got, want);
    wrote = wrote && got == QK256_OK;

    for (size_t k = 0; k <= FZ_MAX_ARGS; k++) {
        const struct fz_buf *b = &l->buf[k];

        if (!b->base)
            continue;
        if (!wrote) {
            if (memcmp(b->p, l->snap[k], b->len) != 0)
                report_block(l, k, l->snap[k], fn,
                             got == QK256_OK ? "no-op" : "failed call");
            continue;
        }

        /* The block as it should be: as before, with each output's
         * wanted result in its place. */
        unsigned char *model = fz_xmalloc(b->len);

        memcpy(model, l->snap[k], b->len);
        for (size_t i = 0; i < l->nargs; i++) {
            const struct fz_arg *a = &l->args[i];

            if (!a->out || (int)i == l->fake || !in_block(b, a->p))
                continue;
            /* An output without data is the target's to check. */
            memcpy(model + (a->p - b->p), a->data ? a->data : a->p, a->len);
        }
        if (memcmp(b->p, model, b->len) != 0)
            report_block(l, k, model, fn, "against tests/ref.c");
        free(model);
    }
}

void
fz_layout_free(struct fz_layout *l)
{
    for (size_t k = 0; k <= FZ_MAX_ARGS; k++) {
        if (l->buf[k].base)
            fz_buf_free(&l->buf[k]);
        free(l->snap[k]);
        l->snap[k] = NULL;
    }
}

/* ---- checks and reports --------------------------------------------------- */

static char ctx_line[512];

void
fz_ctx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ctx_line, sizeof ctx_line, fmt, ap);
    va_end(ap);
}

void
fz_fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\n==== qk256 fuzz: MISMATCH in case: %s\n==== ", ctx_line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

void
fz_check_status(const char *fn, int got, int want)
{
    static int verbose = -1;

    /* QK256_FUZZ_VERBOSE=1 prints every case: what the seeds reach. */
    if (verbose < 0) {
        const char *v = getenv("QK256_FUZZ_VERBOSE");

        verbose = v && *v && strcmp(v, "0") != 0;
    }
    if (verbose)
        fprintf(stderr, "qk256 fuzz: %s -> %s %d\n", ctx_line, fn, got);
    if (got != want)
        fz_fail("%s returned %d (%s), want %d (%s)", fn, got,
                qk256_strerror(got), want, qk256_strerror(want));
}

void
fz_same_bytes(const char *who, const char *what, const void *got,
              const void *want, size_t len, const char *against)
{
    const unsigned char *g = got, *w = want;

    if (memcmp(g, w, len) == 0)
        return;
    for (size_t i = 0; i < len; i++)
        if (g[i] != w[i])
            fz_fail("%s: %s byte %zu of %zu is 0x%02x, %s has 0x%02x", who,
                    what, i, len, g[i], against, w[i]);
}

void
fz_same_floats(const char *who, const char *what, const void *got,
               const void *want, size_t n, const char *against)
{
    if (memcmp(got, want, n * sizeof(float)) == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        float g = get_f32(got, i), w = get_f32(want, i);

        if (bits_of_f32(g) != bits_of_f32(w))
            fz_fail("%s: %s[%zu] of %zu is %a (0x%08x), %s has %a (0x%08x)",
                    who, what, i, n, (double)g, (unsigned)bits_of_f32(g),
                    against, (double)w, (unsigned)bits_of_f32(w));
    }
}

const struct qk256_impl *
fz_public_checks(int status, uint32_t other)
{
    const char *version = qk256_version(), *impl = qk256_implementation();
    const char *msg = qk256_strerror(status);
    const struct qk256_impl *bound = NULL, *best = NULL;

    if (!version || strcmp(version, PACKAGE_VERSION) != 0)
        fz_fail("qk256_version() is \"%s\", want \"%s\"",
                version ? version : "(null)", PACKAGE_VERSION);
    if (!msg || !*msg)
        fz_fail("qk256_strerror(%d) is empty or NULL", status);
    msg = qk256_strerror((int)other);
    if (!msg || !*msg)
        fz_fail("qk256_strerror(%d) is empty or NULL", (int)other);
    if (!impl)
        fz_fail("qk256_implementation() is NULL");
    /* The loader binds the best usable variant: the usable row with the
     * largest ISA. */
    for (size_t i = 0; i < qk256_nimpls; i++) {
        const struct qk256_impl *r = &qk256_impls[i];

        if (strcmp(r->name, impl) == 0)
            bound = r;
        if (qk256_isa_usable(r->isa) && (!best || r->isa > best->isa))
            best = r;
    }
    if (bound != best)
        fz_fail("qk256_implementation() is \"%s\", but the best usable "
                "variant is \"%s\"", impl, best ? best->name : "(none)");
    return bound;
}

void
fz_check_row_bytes(size_t n)
{
    size_t got = qk256_row_bytes(n), want = fz_row_bytes(n);

    if (got != want)
        fz_fail("qk256_row_bytes(%zu) = %zu, want %zu", n, got, want);
}

size_t
fz_next_usable(size_t k)
{
    while (k < qk256_nimpls && !qk256_isa_usable(qk256_impls[k].isa))
        k++;
    return k;
}

void
fz_scramble_ignored(uint8_t *w, size_t rows, size_t row_stride, size_t cols,
                    struct fz *f)
{
    size_t rb = fz_row_bytes(cols), end = fz_blocks(cols) * 256;

    for (size_t r = 0; r < rows; r++) {
        uint8_t *row = w + r * row_stride;

        /* XOR with 1..3 changes every pad code. */
        for (size_t i = cols; i < end; i++) {
            unsigned flip = 1 + fz_byte(f) % 3;

            row[i / 256 * 64 + i % 256 / 4] ^= (uint8_t)(flip << (2 * (i % 4)));
        }
        if (r + 1 < rows)
            for (size_t b = rb; b < row_stride; b++)
                row[b] ^= (uint8_t)(1 + fz_byte(f) % 255);
    }
}

/* ---- gemv, gemv_i8, gemm and gemm_i8 ------------------------------------ */

void
fz_gemv_shape(struct fz_gemv_shape *s, const struct fz_hdr *h)
{
    s->rows = h->rows;
    s->cols = h->n;
    if (s->cols && s->rows > FZ_MAX_ELEMS / s->cols)
        s->rows = FZ_MAX_ELEMS / s->cols;
    s->rb = fz_row_bytes(s->cols);
    s->stride = fz_stride(h, s->rb, &s->is_short);
    if (h->fault == FZ_OVERFLOW && s->is_short) {
        /* one fault at a time: a short stride would be reported first */
        s->stride = s->rb;
        s->is_short = 0;
    }
    s->wlen = s->rows ? (s->rows - 1) * s->stride + s->rb : 0;
    s->n = 1;
    s->ldy = s->ylen = s->rows;
    s->ldx = s->xlen = s->cols;
    s->gemm = 0;
    s->over = (enum fz_over)((h->aux >> 18) % 4);
    s->call_rows = s->rows;
    s->call_cols = s->cols;
    s->call_stride = s->stride;
    s->call_n = s->n;
    s->call_ldy = s->ldy;
    s->call_ldx = s->ldx;
    s->null_y = s->null_w = s->null_x = s->null_s = 0;

    if (h->fault == FZ_NULL) {
        unsigned which = h->aux % 7 + 1;

        s->null_y = (which & 1) != 0;
        s->null_w = (which & 2) != 0;
        s->null_x = (which & 4) != 0;
    }
}

size_t
fz_ld(size_t base, unsigned byte, int *is_short)
{
    *is_short = 0;
    switch (byte >> 5 & 7) {
    case 3:
        return base + 1 + byte % 8;
    case 4:
        return base + byte % 32;
    case 5:
        return base + 16 * (1 + byte % 4);
    case 6:
        return base + 64 * (byte % 32);
    case 7:
        if (base == 0)
            return 0;
        *is_short = 1;
        return base - 1 - byte % 32 % base;
    default:
        return base;
    }
}

void
fz_gemm_shape(struct fz_gemv_shape *s, const struct fz_hdr *h, struct fz *f,
              int scales)
{
    unsigned nb, yb, xb, ob;
    int short_y, short_x;

    fz_gemv_shape(s, h);
    nb = fz_byte(f);
    yb = fz_byte(f);
    xb = fz_byte(f);
    ob = fz_byte(f);

    s->gemm = 1;
    s->n = nb % (FZ_MAX_NVEC + 1);
    if (s->n && s->cols && s->rows > FZ_MAX_GEMM / (s->n * s->cols)) {
        s->rows = FZ_MAX_GEMM / (s->n * s->cols); /* >= 1: n * cols is small */
        s->wlen = (s->rows - 1) * s->stride + s->rb;
    }
    s->ldy = fz_ld(s->rows, yb, &short_y);
    s->ldx = fz_ld(s->cols, xb, &short_x);
    if (h->fault == FZ_OVERFLOW) {
        /* one fault at a time, as for the stride */
        s->ldy = short_y ? s->rows : s->ldy;
        s->ldx = short_x ? s->cols : s->ldx;
        short_y = short_x = 0;
    }
    s->is_short = s->is_short || short_y || short_x;
    s->ylen = s->n && s->rows ? (s->n - 1) * s->ldy + s->rows : 0;
    s->xlen = s->n && s->cols ? (s->n - 1) * s->ldx + s->cols : 0;
    s->over = (enum fz_over)(ob % FZ_NOVERS);
    s->call_rows = s->rows;
    s->call_n = s->n;
    s->call_ldy = s->ldy;
    s->call_ldx = s->ldx;
    if (scales && h->fault == FZ_NULL) {
        unsigned which = h->aux % 15 + 1;

        s->null_y = (which & 1) != 0;
        s->null_w = (which & 2) != 0;
        s->null_x = (which & 4) != 0;
        s->null_s = (which & 8) != 0;
    }
}

void
fz_gemv_overflow(struct fz_gemv_shape *s, const struct fz_hdr *h,
                 const struct fz_layout *l, int i8)
{
    if (h->fault != FZ_OVERFLOW || l->fake >= 0)
        return;

    enum fz_over what = s->over;

    if (what == FZ_OVER_STRIDE && !(s->rows >= 2 && s->cols > 0))
        what = FZ_OVER_ROWS;
    if ((what == FZ_OVER_LDY && s->n < 2)
        || (what == FZ_OVER_LDX && !(s->n >= 2 && s->cols > 0)))
        what = FZ_OVER_N;
    switch (what) {
    case FZ_OVER_ROWS:
        s->call_rows = fz_huge(h->aux, 1);
        break;
    case FZ_OVER_STRIDE:
        /* (rows - 1) * stride + rb wraps from any heap address */
        s->call_stride = SIZE_MAX - (h->aux & 0xffffu);
        break;
    case FZ_OVER_N:
        /* y spans at least n floats */
        s->call_n = fz_huge(h->aux, 1);
        break;
    case FZ_OVER_LDY:
        s->call_ldy = fz_huge(h->aux, 1);
        break;
    case FZ_OVER_LDX:
        /* int8: fz_huge's float sizes would fit as bytes */
        s->call_ldx = fz_huge(h->aux, !i8);
        break;
    case FZ_OVER_COLS_I8:
        if (i8) {
            s->call_cols = (size_t)QK256_I8_MAX_COLS + 1 + (h->aux & 0xffffu);
            s->call_stride = fz_row_bytes(s->call_cols);
            break;
        }
        /* fall through */
    default:
        s->call_cols = fz_huge(h->aux, 1);
        s->call_stride = fz_row_bytes(s->call_cols);
        break;
    }
    /* A short ldy or ldx would be QK256_E_STRIDE: no shorter than the
     * rows or cols passed (a GEMV passes neither). */
    if (s->call_ldy < s->call_rows)
        s->call_ldy = s->call_rows;
    if (s->call_ldx < s->call_cols)
        s->call_ldx = s->call_cols;
}

void
fz_gemv_args(struct fz_arg args[3], const struct fz_gemv_shape *s,
             const uint8_t *w, const void *x, size_t xsize)
{
    struct fz_arg y = { "y", s->ylen * sizeof(float), NULL, 1, 1, s->null_y, NULL };
    struct fz_arg wa = { "w", s->cols ? s->wlen : 0, w, 0, 0, s->null_w, NULL };
    struct fz_arg xa = { "x", s->xlen * xsize, x, 0, xsize == sizeof(float),
                         s->null_x, NULL };

    args[0] = y;
    args[1] = wa;
    args[2] = xa;
}

int
fz_want(size_t n, int is_null, const struct fz_hdr *h,
        const struct fz_layout *l, int bad_input)
{
    if (n == 0)
        return QK256_OK;
    if (is_null)
        return QK256_E_NULL;
    if (h->fault == FZ_OVERFLOW)
        return QK256_E_OVERFLOW;
    if (l->overlaps)
        return QK256_E_OVERLAP;
    return bad_input ? QK256_E_RANGE : QK256_OK;
}

int
fz_check_finite(const struct qk256_impl *impl, const float *x, size_t n,
                int finite)
{
    int ok = impl->finite(x, n);

    if (!ok != !finite)
        fz_fail("%s: finite says %d for n=%zu floats, want %d", impl->name,
                ok, n, finite);
    return finite;
}

int
fz_gemv_want(const struct fz_gemv_shape *s, const struct fz_hdr *h,
             const struct fz_layout *l)
{
    if (s->call_rows == 0 || s->call_n == 0)
        return QK256_OK;
    if (s->null_y || (s->call_cols > 0 && (s->null_w || s->null_x || s->null_s)))
        return QK256_E_NULL;
    if ((s->call_cols > 0 && s->call_stride < fz_row_bytes(s->call_cols))
        || s->call_ldy < s->call_rows || s->call_ldx < s->call_cols)
        return QK256_E_STRIDE;
    if (h->fault == FZ_OVERFLOW)
        return QK256_E_OVERFLOW;
    if (s->call_cols > 0 && l->overlaps)
        return QK256_E_OVERLAP;
    return QK256_OK;
}

void
fz_gemv_ctx(const char *fn, const struct fz_gemv_shape *s,
            const struct fz_hdr *h, const struct fz_layout *l)
{
    char vecs[160] = "";

    if (s->gemm)
        snprintf(vecs, sizeof vecs, " n=%zu ldy=%zu ldx=%zu (passed: %zu, %zu, "
                 "%zu) over=%d null_s=%d", s->n, s->ldy, s->ldx, s->call_n,
                 s->call_ldy, s->call_ldx, (int)s->over, s->null_s);
    fz_ctx("%s rows=%zu cols=%zu stride=%zu (passed: %zu, %zu, %zu)%s fault=%d "
           "aux=0x%08x null=%d%d%d skew=%u,%u,%u pair=%d,%d t=%lld fake=%d "
           "kind=%u exp=%d inj=0x%02x@%u", fn, s->rows, s->cols, s->stride,
           s->call_rows, s->call_cols, s->call_stride, vecs, (int)h->fault,
           (unsigned)h->aux, s->null_y, s->null_w, s->null_x, h->skew[0],
           h->skew[1], h->skew[2], l->pair_out, l->pair_in, l->t, l->fake,
           h->kind, h->exp, h->inj, h->inj_at);
}
