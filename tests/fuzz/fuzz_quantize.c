/* tests/fuzz/fuzz_quantize.c -- libFuzzer target: qk256_quantize against
 * tests/ref.c and every variant, bitwise
 * SPDX-License-Identifier: MIT
 *
 * The header (fuzz.h) with:
 *   n             up to FZ_MAX_N floats
 *   kind, exp     how src is made; inj puts NaN or an infinity into it
 *                 (QK256_E_RANGE, SPEC section 2)
 *   flags 0x04    scales NULL
 *   aux           NULL fault: aux % 3 + 1 says which of dst (1) and src
 *                 (2) are NULL
 * then the floats.  dst and the scales are bitwise those of ref_quantize,
 * in every variant, with and without scales; every variant's finite scan
 * agrees with fz_all_finite.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "ref.h"

static void
run_variants(const struct fz_hdr *h, const float *src, size_t n,
             const uint8_t *want_dst, const float *want_sc, int finite)
{
    size_t rb = fz_row_bytes(n), sc_len = fz_blocks(n) * sizeof(float);
    struct fz_buf in;
    float *sp = (float *)fz_buf_new(&in, n * sizeof(float), h->skew[2]);

    memcpy(sp, src, n * sizeof(float));
    FZ_FOR_USABLE(k) {
        const struct qk256_impl *impl = &qk256_impls[k];

        if (!fz_check_finite(impl, sp, n, finite))
            continue;

        /* With scales, then without: the codes must not change. */
        for (int with = 1; with >= 0; with--) {
            struct fz_buf db, sb;
            uint8_t *dp = fz_buf_new(&db, rb, h->skew[0]);
            float *scp = with ? (float *)fz_buf_new(&sb, sc_len, h->skew[1]) : NULL;

            memset(dp, h->canary, rb);
            if (scp)
                memset(scp, h->canary, sc_len);
            impl->quantize(dp, scp, sp, n);
            fz_same_bytes(impl->name, with ? "dst" : "dst (scales NULL)", dp,
                          want_dst, rb, "ref");
            if (scp) {
                fz_same_floats(impl->name, "scales", scp, want_sc,
                               fz_blocks(n), "ref");
                fz_buf_free(&sb);
            }
            fz_buf_free(&db);
        }
    }
    fz_same_bytes("variants", "src", sp, src, n * sizeof(float), "its copy");
    fz_buf_free(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    struct fz_hdr h;

    fz_init(&f, data, size);
    fz_read_hdr(&f, &h, FZ_MAX_ROWS, FZ_MAX_N);

    size_t n = h.n, rb = fz_row_bytes(n), nb = fz_blocks(n);
    float *src = fz_xmalloc(n * sizeof(float));
    uint8_t *want_dst = fz_xmalloc(rb);
    float *want_sc = fz_xmalloc(nb * sizeof(float));

    fz_floats(&f, &h, src, n);

    int finite = fz_all_finite(src, n);

    if (n && finite)
        ref_quantize(want_dst, want_sc, src, n);

    struct fz_arg args[3] = {
        { "dst", rb, want_dst, 1, 0, 0, NULL },
        { "scales", nb * sizeof(float), want_sc, 1, 1, (h.flags & 0x04) != 0, NULL },
        { "src", n * sizeof(float), src, 0, 1, 0, NULL },
    };
    size_t call_n = n;
    int is_null = 0, want;
    struct fz_layout l;

    if (h.fault == FZ_NULL) {
        unsigned which = h.aux % 3 + 1;

        args[0].null = (which & 1) != 0;
        args[2].null = (which & 2) != 0;
        is_null = 1;
    }
    fz_place(&l, &h, args, 3);
    if (h.fault == FZ_OVERFLOW && l.fake < 0)
        call_n = fz_huge(h.aux, 1);

    want = fz_want(call_n, is_null, &h, &l, !finite);

    fz_ctx("quantize n=%zu (%zu passed) fault=%d aux=0x%08x scales=%s "
           "skew=%u,%u,%u pair=%d,%d t=%lld fake=%d kind=%u exp=%d "
           "inj=0x%02x@%u", n, call_n, (int)h.fault, (unsigned)h.aux,
           args[1].null ? "NULL" : "yes", h.skew[0], h.skew[1], h.skew[2],
           l.pair_out, l.pair_in, l.t, l.fake, h.kind, h.exp, h.inj, h.inj_at);

    int got = qk256_quantize(args[0].p, (float *)args[1].p,
                             (const float *)args[2].p, call_n);

    fz_check_call(&l, "quantize", got, want, call_n > 0);
    fz_layout_free(&l);

    if (h.fault == FZ_NONE && n)
        run_variants(&h, src, n, want_dst, want_sc, finite);
    fz_public_checks(got, h.aux);

    free(src);
    free(want_dst);
    free(want_sc);
    return 0;
}
