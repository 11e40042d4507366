/* bench/report.c -- the results: a table, or JSON
 * SPDX-License-Identifier: MIT
 *
 * print_table and print_json print the rows of a run (struct report,
 * which main fills): each with its speedup over the reference and its
 * roof, then the GEMM rows per result column against their GEMV, and the
 * model's passes side by side.  A child prints none of this: its rows go
 * to the parent (run_child), which applies its own roofs to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

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

/* Whether the GEMM-shaped operation takes int8 activations (its peak is
 * the int8 MAC peak) rather than f32 ones (the f32 FMA peak). */
static int
is_int8_gemm(enum op op)
{
    return op == OP_GEMM_I8 || op == OP_MODEL_BATCH_I8;
}

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

void
print_table(const struct report *rp)
{
    char cpu[256], a[32], b[32], c[32], w[32], sp[32], rf[32];

    cpu_name(cpu, sizeof cpu);
    printf("bound variant: %s\n", qk256_implementation());
    printf("libqk256 %s; cpu: %s; %zu thread%s; weights %zu bytes past a "
           "cache line, outputs %zu\n", qk256_version(), cpu, rp->o->threads,
           rp->o->threads == 1 ? "" : "s", align_offset, out_align_offset);
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

/* A value, a ratio or a fraction of a roof with that many decimals, or
 * null for 0 (none, or not measured).  Fractions take 6: they can be
 * small. */
static void
json_number(double v, int decimals)
{
    if (v > 0.0)
        printf("%.*f", decimals, v);
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

void
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
           "  \"threads\": %zu,\n  \"align\": %zu,\n  \"out_align\": %zu,\n"
           "  \"max_samples\": %zu,\n"
           "  \"min_sample_ns\": %.0f,\n  \"warmup_ns\": %.0f,\n"
           "  \"missing_variants\": [",
           date, rp->o->threads, align_offset, out_align_offset, rp->o->samples, SAMPLE_NS,
           WARMUP_NS);
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
            json_number(s->ref_median > 0.0 ? s->ref_median / s->median : 0.0, 4);
            printf(", \"correct\": %s", s->ok ? "true" : "false");
            r = row_roof(rp, jx, ix);
            printf(",\n     \"read_roof_gb_per_s\": ");
            json_number(r.read_gbps, 4);
            printf(", \"vs_read_roof\": ");
            json_number(r.vs_read, 6);
            printf(", \"mac_peak\": ");
            json_string_or_null(r.peak);
            printf(", \"mac_peak_g_per_s\": ");
            json_number(r.peak_g, 4);
            printf(", \"vs_mac_peak\": ");
            json_number(r.vs_peak, 6);
            printf(",\n     \"roof\": ");
            json_string_or_null(r.roof);
            printf(", \"vs_roof\": ");
            json_number(r.vs_roof, 6);
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
                json_number(vs_base(rp, jx, ix), 4);
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
                json_number(vs_base(rp, jx, ix), 4);
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
