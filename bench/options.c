/* bench/options.c -- the command line: the options and the operations
 * SPDX-License-Identifier: MIT
 *
 * parse_args reads the options into struct options and the operations
 * named (or the defaults) into jobs, with what each job brings along: the
 * GEMV that a GEMM row is held against (add_gemv_jobs), the model's
 * passes (add_model_jobs, model.c).  usage() is --help.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const char *const op_names[] = {
    [OP_DEQUANT] = "dequant", [OP_GEMV] = "gemv", [OP_PACK] = "pack",
    [OP_UNPACK] = "unpack", [OP_QUANTIZE] = "quantize",
    [OP_GEMV_I8] = "gemv_i8", [OP_QUANTIZE_I8] = "quantize_i8",
    [OP_GEMM] = "gemm", [OP_GEMM_I8] = "gemm_i8",
    [OP_MODEL] = "model", [OP_MODEL_I8] = "model_i8",
    [OP_MODEL_BATCH] = "model_batch", [OP_MODEL_BATCH_I8] = "model_batch_i8",
};

/* Run with no operations: the shapes of the targets in the README. */
static const char *const default_ops[] = {
    "dequant",  "64",        "dequant", "256",       "dequant", "1024",
    "dequant",  "4096",      "dequant", "16384",     "gemv",    "8x256",
    "gemv",     "2560x2560", "gemv",    "2560x6912", "gemm",    "2560x2560x8",
    "pack",     "4096",      "unpack",  "4096",      "quantize", "4096",
    "gemv_i8",  "8x256",     "gemv_i8", "2560x2560", "gemv_i8", "2560x6912",
    "gemm_i8",  "2560x2560x8", "quantize_i8", "2560",
};

static void
usage(FILE *f)
{
    fprintf(f,
"usage: qk256-bench [options] [operation...]\n"
"\n"
"Measures libqk256 on this machine: every operation given, in every variant\n"
"of the library that this CPU can run (each through the public API, the\n"
"others in a copy of this program started under a GLIBC_TUNABLES mask), and\n"
"in a plain scalar reference.  Prints the variant the loader bound, then one\n"
"row per operation and variant: the median, min and max time per call,\n"
"Gelem/s (weights per second; floats for quantize_i8), GB/s (packed weight\n"
"bytes read; written for pack and quantize; for quantize_i8, the n int8\n"
"bytes written), the speedup over the reference and \"roof\": the row's rate\n"
"as a fraction of what this machine allows (see Roofs below).\n"
"\n"
"operations (without any, the defaults: dequant 64 256 1024 4096 16384,\n"
"gemv 8x256 2560x2560 2560x6912, gemm 2560x2560x8, pack 4096, unpack 4096,\n"
"quantize 4096, gemv_i8 8x256 2560x2560 2560x6912, gemm_i8 2560x2560x8,\n"
"quantize_i8 2560):\n"
"  dequant N          qk256_dequantize of N weights, with per-block scales\n"
"  gemv ROWSxCOLS     qk256_gemv, f32 activations\n"
"  gemm ROWSxCOLSxN   qk256_gemm of N f32 activation vectors (ldx = COLS,\n"
"                     ldy = ROWS); also printed per result column, against\n"
"                     the same variant's GEMV of ROWSxCOLS, whose samples\n"
"                     alternate with the GEMM's (gemv ROWSxCOLS also runs\n"
"                     as a row of its own, if not named)\n"
"  pack N, unpack N   qk256_pack, qk256_unpack of N codes\n"
"  quantize N         qk256_quantize of N floats\n"
"  gemv_i8 ROWSxCOLS  qk256_gemv_i8, int8 activations quantized once, before\n"
"                     timing (COLS at most %d)\n"
"  gemm_i8 ROWSxCOLSxN\n"
"                     qk256_gemm_i8 of N int8 activation vectors quantized\n"
"                     once, before timing; per result column against gemv_i8\n"
"                     ROWSxCOLS, as gemm against gemv\n"
"  quantize_i8 N      qk256_quantize_i8 of N floats (one activation vector)\n"
"\n"
"options:\n"
"  --model bitnet-2b  the linear layers of one token of BitNet b1.58 2B, one\n"
"                     GEMV after the other (30 layers of q, o 2560x2560; k, v\n"
"                     640x2560; gate, up 6912x2560; down 2560x6912): 521 MB\n"
"                     of weights that stream from memory.  Two token passes:\n"
"                     f32 (qk256_gemv per matrix) and int8 (per layer,\n"
"                     qk256_quantize_i8 of each of its 4 distinct input\n"
"                     vectors, on one thread, then qk256_gemv_i8 per matrix;\n"
"                     the quantizing counts in the token time).  Prints ms per\n"
"                     token and tokens/s of both.  Alone, it replaces the\n"
"                     default operations\n"
"  --batch N          with --model: also two passes of a prompt of N tokens,\n"
"                     one GEMM of the N activation vectors per matrix (ldx =\n"
"                     cols, ldy = rows): f32 (qk256_gemm) and int8 (per layer,\n"
"                     qk256_quantize_i8 of each of the N vectors of each\n"
"                     distinct input, on one thread, then qk256_gemm_i8; the\n"
"                     quantizing counts in the pass time).  Prints ms per pass,\n"
"                     prompt tokens/s (N over that) and its ratio to the\n"
"                     one-token tokens/s.  The reference does not run them\n"
"  --variants LIST    run only these of the variants that this CPU can run\n"
"                     (comma-separated names, e.g. avx2,avx512), besides the\n"
"                     one the loader bound, which always runs; a name that\n"
"                     is no variant of this build is an error\n"
"  --threads N        split each GEMV and GEMM into N row bands on N threads\n"
"                     (default 1)\n"
"  --align OFFSET     put the packed data that the operations read (the\n"
"                     weights of the GEMVs, the GEMMs and --model, the input\n"
"                     of dequant and unpack) OFFSET bytes past a 64-byte\n"
"                     cache line, 0 to 63 (default 0): malloc puts large\n"
"                     blocks at 16, GGUF files tensors at multiples of 32\n"
"  --out-align OFFSET\n"
"                     put what the operations write (dequant's floats,\n"
"                     unpack's codes, the results of the GEMVs and GEMMs, the\n"
"                     output of pack, quantize and quantize_i8) OFFSET bytes\n"
"                     past a cache line, a multiple of 4 from 0 to 60\n"
"                     (default 0)\n"
"  --samples N        at most N timed samples per row (default %d); a row\n"
"                     that has run %.0f s stops at %d\n"
"  --json             print JSON instead of the table; the model's passes are\n"
"                     the rows of op \"model\" (f32) and \"model_i8\" (int8),\n"
"                     with ms_per_token and tokens_per_s, its batch passes\n"
"                     those of \"model_batch\" and \"model_batch_i8\", with\n"
"                     ms_per_pass, prompt_tokens_per_s and vs_one_token; gemm\n"
"                     and gemm_i8 rows have ns_per_column and\n"
"                     per_column_vs_gemv; a \"roofs\" object has the roofs,\n"
"                     and every row read_roof_gb_per_s, vs_read_roof,\n"
"                     mac_peak (\"int8\", \"f32\"), mac_peak_g_per_s,\n"
"                     vs_mac_peak, roof and vs_roof (null where none)\n"
"  -h, --help         print this and exit\n"
"\n",
            QK256_I8_MAX_COLS, DEFAULT_SAMPLES, ROW_BUDGET_NS / 1e9, MIN_SAMPLES);
    fprintf(f,
"Roofs: each run first measures what this machine allows, and \"roof\" gives\n"
"each row's rate as a fraction of it.  rd: the row's GB/s over that of a\n"
"read of the same packed weights with no arithmetic (the row's buffers, so\n"
"its --align offset, in its order, on its --threads, with the widest loads\n"
"the CPU has), timed in turn with the row's samples; the model's passes\n"
"share one read of their 521 MB.  i8, f32 (gemm, gemm_i8 and the --batch\n"
"passes): multiply-accumulates per second (ROWS*COLS*N per call) over the\n"
"int8 MAC or f32 FMA peak of the variant's ISA on --threads threads (%d\n"
"independent chains of vpdpbusd zmm or vfmadd231ps zmm for avx512,\n"
"vpdpbusd ymm or vfmadd231ps ymm for avxvnni, vpmaddubsw ymm or\n"
"vfmadd231ps ymm for avx2); such a row shows the roof that binds it, the\n"
"higher fraction.  The reference and the scalar variant have no compute\n"
"peak, and off x86-64 no variant has.\n"
"\n", PEAK_CHAINS);
#if QK256_ARCH_ARM
    fputs(
"On arm64 only the variant that the loader bound runs: the best one that the\n"
"CPU's hwcaps allow.  Nothing masks them, so no copy of this program can run\n"
"another; the others that this CPU has (or those of them that --variants\n"
"names) get a note instead of rows.  Under qemu-user, run the bench once per\n"
"QEMU_CPU: cortex-a53 binds neon, cortex-a76 dotprod, max i8mm.\n"
"\n", f);
#endif
    fputs(
"Exit status: 0; 1 if a variant's output differed from the reference's\n"
"(its row says WRONG RESULT); 2 on a usage or system error.\n", f);
}

/* Whether name is one of the comma-separated names of list (a NULL list
 * holds every name). */
int
in_list(const char *list, const char *name)
{
    size_t len = strlen(name);

    if (!list)
        return 1;
    for (const char *p = list; *p; p += *p == ',') {
        size_t k = strcspn(p, ",");

        if (k == len && strncmp(p, name, len) == 0)
            return 1;
        p += k;
    }
    return 0;
}

/* Dies unless every name of --variants' list is a variant of this build
 * (of the impl list), whether or not the CPU runs it: a misspelt name
 * would otherwise measure one variant fewer without a word. */
static void
check_variants(const char *list)
{
    char msg[256];
    size_t len;

    for (const char *p = list;; p++) {
        size_t k = strcspn(p, ","), i = 0;

        while (i < qk256_nimpls && !(strlen(qk256_impls[i].name) == k &&
                                     strncmp(qk256_impls[i].name, p, k) == 0))
            i++;
        if (i == qk256_nimpls) {
            len = (size_t)snprintf(msg, sizeof msg,
                                   "--variants: '%.*s' is no variant of this build (",
                                   (int)(k < 64 ? k : 64), p);
            for (i = 0; i < qk256_nimpls && len < sizeof msg; i++)
                len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s",
                                        i ? ", " : "", qk256_impls[i].name);
            if (len < sizeof msg)
                snprintf(msg + len, sizeof msg - len, ")");
            die("%s", msg);
        }
        p += k;
        if (!*p)
            return;
    }
}

static size_t
parse_size(const char *s, const char *what)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v == 0 || v > MAX_ELEMS)
        die(what, s);
    return (size_t)v;
}

/* "2560x6912" -> rows, cols; with n (a GEMM), "2560x6912x8" -> rows, cols,
 * n */
static void
parse_shape(const char *s, size_t *rows, size_t *cols, size_t *n)
{
    const char *x = strchr(s, 'x'), *x2 = x ? strchr(x + 1, 'x') : NULL;
    char buf[64];

    if (!x || (size_t)(x - s) >= sizeof buf ||
        (n && (!x2 || (size_t)(x2 - x - 1) >= sizeof buf)))
        die(n ? "gemm and gemm_i8 want ROWSxCOLSxN, not '%s'"
              : "gemv and gemv_i8 want ROWSxCOLS, not '%s'", s);
    memcpy(buf, s, (size_t)(x - s));
    buf[x - s] = '\0';
    *rows = parse_size(buf, "bad number of rows '%s'");
    if (n) {
        memcpy(buf, x + 1, (size_t)(x2 - x - 1));
        buf[x2 - x - 1] = '\0';
        *cols = parse_size(buf, "bad number of columns '%s'");
        *n = parse_size(x2 + 1, "bad number of vectors '%s'");
    } else {
        *cols = parse_size(x + 1, "bad number of columns '%s'");
    }
    if (*rows > MAX_ELEMS / qk256_row_bytes(*cols))
        die(n ? "a GEMM of %s is too large" : "a GEMV of %s is too large", s);
    if (n && (*n > MAX_ELEMS / *rows || *n > MAX_ELEMS / *cols))
        die("a GEMM of %s is too large", s);
}

/* Appends the job "name arg" to jobs; returns 0 if name is no operation. */
static int
add_job(struct job *jobs, size_t *njobs, const char *name, const char *arg)
{
    struct job *j = &jobs[*njobs];
    size_t k;

    for (k = 0; k < OP_MODEL; k++)
        if (strcmp(name, op_names[k]) == 0)
            break;
    if (strcmp(name, "dequantize") == 0)
        k = OP_DEQUANT;
    if (k == OP_MODEL)
        return 0;
    if (!arg)
        die("%s needs a size", name);
    j->op = (enum op)k;
    j->n = 1;
    if (j->op == OP_GEMV || j->op == OP_GEMV_I8 || is_gemm(j->op)) {
        parse_shape(arg, &j->rows, &j->cols, is_gemm(j->op) ? &j->n : NULL);
        /* More would make every call fail with QK256_E_OVERFLOW. */
        if ((j->op == OP_GEMV_I8 || j->op == OP_GEMM_I8) &&
            j->cols > QK256_I8_MAX_COLS) {
            char what[128];

            snprintf(what, sizeof what, "%s %s", name, arg);
            die("%s: more columns than QK256_I8_MAX_COLS", what);
        }
        if (is_gemm(j->op))
            snprintf(j->shape, sizeof j->shape, "%zux%zux%zu", j->rows,
                     j->cols, j->n);
        else
            snprintf(j->shape, sizeof j->shape, "%zux%zu", j->rows, j->cols);
    } else {
        j->rows = 1;
        j->cols = parse_size(arg, "bad size '%s'");
        snprintf(j->shape, sizeof j->shape, "n=%zu", j->cols);
    }
    job_sizes(j);
    (*njobs)++;
    return 1;
}

/* A GEMM's time per result column is held against the same variant's GEMV
 * of its ROWSxCOLS: where that is not among the jobs, it goes in right
 * before the GEMM.  jobs has room for one more job per GEMM. */
static void
add_gemv_jobs(struct job *jobs, size_t *njobs)
{
    for (size_t jx = 0; jx < *njobs; jx++) {
        const struct job *g = &jobs[jx];
        size_t k = 0;

        if (g->op != OP_GEMM && g->op != OP_GEMM_I8)
            continue;
        while (k < *njobs && !(jobs[k].op == base_op(g->op) &&
                               jobs[k].rows == g->rows && jobs[k].cols == g->cols))
            k++;
        if (k < *njobs)
            continue;

        struct job v = { base_op(g->op), g->rows, g->cols, 1, "", 0.0, 0.0 };

        snprintf(v.shape, sizeof v.shape, "%zux%zu", v.rows, v.cols);
        job_sizes(&v);
        memmove(&jobs[jx + 1], &jobs[jx], (*njobs - jx) * sizeof *jobs);
        jobs[jx++] = v;
        (*njobs)++;
    }
}

/* Reads the command line: the options into *o, and into a new array
 * (*jobsp, *njobsp of them) the jobs to run, in order: the operations
 * named (the defaults without any, unless --model), the GEMV of a GEMM
 * where it is missing (add_gemv_jobs), then the model's passes.  Returns
 * -1, or the exit status when there is nothing to run: 0 after --help, 2
 * after an unknown argument.  Dies on any other error. */
int
parse_args(int argc, char **argv, struct options *o, struct job **jobsp,
           size_t *njobsp)
{
    /* Each operation may bring a GEMV (add_gemv_jobs); --model 4 passes. */
    size_t maxjobs = 2 * ((size_t)argc + sizeof default_ops / sizeof default_ops[0]) + 4;
    struct job *jobs = xmalloc(maxjobs * sizeof *jobs);
    size_t njobs = 0;
    int model = 0, any_op = 0;

    *o = (struct options){ DEFAULT_SAMPLES, 1, 0, 0, NULL, NULL, 0.0, argc };
    o->t0 = now_ns();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(jobs);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--model") == 0) {
            if (!next || strcmp(next, "bitnet-2b") != 0)
                die("--model knows only bitnet-2b, not '%s'", next ? next : "");
            model = 1;
            i++;
        } else if (strcmp(a, "--threads") == 0 || strcmp(a, "--samples") == 0 ||
                   strcmp(a, "--batch") == 0) {
            size_t v;

            if (!next)
                die("%s needs a number", a);
            v = parse_size(next, "bad number '%s'");
            if (a[2] == 't') {
                if (v > MAX_THREADS)
                    die("too many threads: %s", next);
                o->threads = v;
            } else if (a[2] == 'b') {
                if (v > MAX_ELEMS / BITNET_2B_MAX_DIM)
                    die("--batch %s is too large", next);
                o->batch = v;
            } else {
                o->samples = v;
            }
            i++;
        } else if (strcmp(a, "--align") == 0) {
            /* 0 is a valid offset, which parse_size refuses. */
            if (!next)
                die("%s needs a number", a);
            align_offset = strcmp(next, "0") == 0 ? 0 : parse_size(next, "bad number '%s'");
            if (align_offset > 63)
                die("--align takes 0 to 63, not %s", next);
            i++;
        } else if (strcmp(a, "--out-align") == 0) {
            if (!next)
                die("%s needs a number", a);
            out_align_offset = strcmp(next, "0") == 0 ? 0 : parse_size(next, "bad number '%s'");
            /* Floats go there: their own alignment, 4, stays. */
            if (out_align_offset > 60 || out_align_offset % 4 != 0)
                die("--out-align takes a multiple of 4 from 0 to 60, not %s", next);
            i++;
        } else if (strcmp(a, "--variants") == 0) {
            if (!next)
                die("%s needs a list of variants", a);
            check_variants(next);
            o->only = next;
            i++;
        } else if (strcmp(a, "--as-child") == 0 && next) {
            o->child = next;
            i++;
        } else if (strcmp(a, "--t0") == 0 && next) {
            o->t0 = strtod(next, NULL);
            i++;
        } else if (add_job(jobs, &njobs, a, next)) {
            any_op = 1;
            i++;
        } else {
            fprintf(stderr, "qk256-bench: unknown argument '%s'\n\n", a);
            usage(stderr);
            free(jobs);
            return 2;
        }
    }
    if (o->batch && !model)
        die("--batch needs --model bitnet-2b%s", "");
    if (!any_op && !model)
        for (size_t k = 0; k < sizeof default_ops / sizeof default_ops[0]; k += 2)
            add_job(jobs, &njobs, default_ops[k], default_ops[k + 1]);
    add_gemv_jobs(jobs, &njobs);
    if (model)
        add_model_jobs(jobs, &njobs, o->batch);
    *jobsp = jobs;
    *njobsp = njobs;
    return -1;
}
