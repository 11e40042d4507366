/* tests/fuzz/fuzz_codes.c -- libFuzzer target: qk256_pack, qk256_unpack,
 * qk256_dequantize and qk256_row_bytes against tests/ref.c and every variant
 * SPDX-License-Identifier: MIT
 *
 * The header (fuzz.h) with:
 *   op % 3        0 pack, 1 unpack, 2 dequantize
 *   n             up to FZ_MAX_N codes
 *   flags 0x01    pack: codes are whole input bytes (mostly > 3), not & 3
 *   flags 0x02    pack: one code 4..255 at inj_at % n
 *   flags 0x04    dequantize: scales NULL
 *   kind, exp     how the scales of dequantize are made
 *   aux           NULL fault: aux % 3 + 1 says which of the output (1) and
 *                 the codes or packed input (2) are NULL
 * then the codes or packed bytes (pad codes and all), then the scales.
 * Every result is bitwise (SPEC section 4).
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "ref.h"

enum op { OP_PACK, OP_UNPACK, OP_DEQUANTIZE };

static const char *const op_names[] = { "pack", "unpack", "dequantize" };

/* The arguments of one case, in kernel order: out, in, scales. */
struct codes_case {
    enum op op;
    size_t n, out_len, in_len;
    uint8_t *in;  /* codes (pack) or packed bytes */
    float *scales; /* NULL, or fz_blocks(n) scales */
    void *want;   /* ref result, out_len bytes */
    int bad_code; /* pack: some code > 3 */
};

static int
call_public(enum op op, void *out, const void *in, const float *scales,
            size_t n)
{
    switch (op) {
    case OP_PACK:
        return qk256_pack(out, in, n);
    case OP_UNPACK:
        return qk256_unpack(out, in, n);
    default:
        return qk256_dequantize(out, in, scales, n);
    }
}

static void
call_kernel(const struct qk256_impl *impl, enum op op, void *out,
            const void *in, const float *scales, size_t n)
{
    switch (op) {
    case OP_PACK:
        impl->pack(out, in, n);
        break;
    case OP_UNPACK:
        impl->unpack(out, in, n);
        break;
    default:
        impl->dequantize(out, in, scales, n);
        break;
    }
}

/* The public call with the header's fault; returns its status. */
static int
run_public(const struct fz_hdr *h, const struct codes_case *c)
{
    size_t sc_len = c->scales ? fz_blocks(c->n) * sizeof(float) : 0;
    struct fz_arg args[3] = {
        { "out", c->out_len, c->want, 1, c->op == OP_DEQUANTIZE, 0, NULL },
        { c->op == OP_PACK ? "codes" : "src", c->in_len, c->in, 0, 0, 0, NULL },
        { "scales", sc_len, c->scales, 0, 1, 0, NULL },
    };
    size_t nargs = c->op == OP_DEQUANTIZE ? 3 : 2, n = c->n;
    int is_null = 0, want;
    struct fz_layout l;

    if (h->fault == FZ_NULL) {
        unsigned which = h->aux % 3 + 1;

        args[0].null = (which & 1) != 0;
        args[1].null = (which & 2) != 0;
        is_null = 1;
    }
    args[2].null = c->scales == NULL;
    fz_place(&l, h, args, nargs);
    if (h->fault == FZ_OVERFLOW && l.fake < 0)
        n = fz_huge(h->aux, c->op == OP_DEQUANTIZE);

    want = fz_want(n, is_null, h, &l, c->bad_code);

    fz_ctx("%s n=%zu (%zu passed) fault=%d aux=0x%08x scales=%s skew=%u,%u,%u "
           "pair=%d,%d t=%lld fake=%d", op_names[c->op], c->n, n,
           (int)h->fault, (unsigned)h->aux, c->scales ? "yes" : "NULL",
           h->skew[0], h->skew[1], h->skew[2], l.pair_out, l.pair_in, l.t,
           l.fake);

    int got = call_public(c->op, args[0].p, args[1].p, (float *)args[2].p, n);

    fz_check_call(&l, op_names[c->op], got, want, n > 0);
    fz_layout_free(&l);
    return got;
}

/* Every usable variant on exact copies of the inputs. */
static void
run_variants(const struct fz_hdr *h, const struct codes_case *c)
{
    struct fz_buf in, sc;
    uint8_t *ip = fz_buf_new(&in, c->in_len, h->skew[1]);
    float *sp = NULL;
    size_t sc_len = fz_blocks(c->n) * sizeof(float);

    memcpy(ip, c->in, c->in_len);
    if (c->scales) {
        sp = (float *)fz_buf_new(&sc, sc_len, h->skew[2]);
        memcpy(sp, c->scales, sc_len);
    }

    FZ_FOR_USABLE(k) {
        const struct qk256_impl *impl = &qk256_impls[k];

        if (c->op == OP_PACK) {
            int ok = impl->codes_ok(ip, c->n);

            if (!ok != !!c->bad_code)
                fz_fail("%s: codes_ok says %d for n=%zu codes, want %d",
                        impl->name, ok, c->n, !c->bad_code);
            if (c->bad_code)
                continue;
        }

        struct fz_buf out;
        uint8_t *ob = fz_buf_new(&out, c->out_len, h->skew[0]);

        memset(ob, h->canary, c->out_len);
        call_kernel(impl, c->op, ob, ip, sp, c->n);
        if (c->op == OP_DEQUANTIZE)
            fz_same_floats(impl->name, "dst", ob, c->want, c->n, "ref");
        else
            fz_same_bytes(impl->name, "dst", ob, c->want, c->out_len, "ref");
        fz_buf_free(&out);
    }
    fz_same_bytes("variants", "input", ip, c->in, c->in_len, "its copy");
    if (sp) {
        fz_same_bytes("variants", "scales", sp, c->scales, sc_len, "their copy");
        fz_buf_free(&sc);
    }
    fz_buf_free(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    struct fz_hdr h;
    struct codes_case c;

    fz_init(&f, data, size);
    fz_read_hdr(&f, &h, FZ_MAX_ROWS, FZ_MAX_N);
    c.op = (enum op)(h.op % 3);
    c.n = h.n;
    c.scales = NULL;
    c.bad_code = 0;

    size_t rb = fz_row_bytes(c.n);

    if (c.op == OP_PACK) {
        c.in_len = c.n;
        c.out_len = rb;
        c.in = fz_xmalloc(c.n);
        for (size_t i = 0; i < c.n; i++)
            c.in[i] = (uint8_t)(h.flags & 0x01 ? fz_byte(&f) : fz_byte(&f) & 3);
        if (h.flags & 0x02 && c.n)
            c.in[h.inj_at % c.n] = (uint8_t)(4 + fz_byte(&f) % 252);
        for (size_t i = 0; i < c.n; i++)
            c.bad_code |= c.in[i] > 3;
    } else {
        c.in_len = rb;
        c.in = fz_xmalloc(rb);
        for (size_t i = 0; i < rb; i++)
            c.in[i] = (uint8_t)fz_byte(&f);
        if (c.op == OP_UNPACK) {
            c.out_len = c.n;
        } else {
            c.out_len = c.n * sizeof(float);
            if (!(h.flags & 0x04)) {
                c.scales = fz_xmalloc(fz_blocks(c.n) * sizeof(float));
                fz_floats(&f, &h, c.scales, fz_blocks(c.n));
            }
        }
    }

    c.want = fz_xmalloc(c.out_len);
    if (c.n && !c.bad_code) {
        if (c.op == OP_PACK)
            ref_pack(c.want, c.in, c.n);
        else if (c.op == OP_UNPACK)
            ref_unpack(c.want, c.in, c.n);
        else
            ref_dequantize(c.want, c.in, c.scales, c.n);
    }

    int got = run_public(&h, &c);

    if (h.fault == FZ_NONE && c.n)
        run_variants(&h, &c);

    fz_check_row_bytes(c.n);
    fz_check_row_bytes(fz_huge(h.aux, 0));
    fz_check_row_bytes((size_t)h.aux << 16 | h.inj_at);
    fz_public_checks(got, h.aux);

    free(c.in);
    free(c.scales);
    free(c.want);
    return 0;
}
