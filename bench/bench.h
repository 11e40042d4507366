/* bench/bench.h -- what the files of qk256-bench share
 * SPDX-License-Identifier: MIT
 *
 * The operations and jobs that a run measures, its options, the shape in
 * which every implementation is called (struct api), the figures of a row
 * (struct stats), the data of a job, the roofs and the report; the
 * constants of the method; and, file by file, what one file of the bench
 * uses from another.  bench/main.c says what each file holds.
 */
#ifndef QK256_BENCH_H
#define QK256_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "qk256.h"

/* The compute peaks need 12 vector accumulators and two inputs in
 * registers: x86-64 has 16 ymm and 32 zmm registers, i386 only 8, where
 * the chains would spill and understate the peak.  So peaks are measured
 * on x86-64 only; everywhere else the roofs are the read alone. */
#if QK256_ARCH_X86 && defined(__x86_64__)
# define HAVE_PEAKS 1
#else
# define HAVE_PEAKS 0
#endif

#define DEFAULT_SAMPLES 31 /* --samples without the option */
#define MIN_SAMPLES 3      /* the fewest samples of a row */
#define SAMPLE_NS 50e3     /* shortest timed sample */
#define WARMUP_NS 20e6     /* calls before sampling starts */
#define ROW_BUDGET_NS 2e9  /* time after which a row stops at MIN_SAMPLES */
#define MAX_ELEMS ((size_t)1 << 31) /* per operand, to keep sizes sane */
#define MAX_THREADS 256    /* the most --threads */
#define MAX_IMPLS 8        /* the reference and the variants */
#define PEAK_CHAINS 12     /* independent accumulators of a peak loop: more
                              than latency times throughput of any of them */
#define PEAK_NS 2e6        /* one run of a peak loop */
#define PEAK_REPEATS 5

/* ---- what to run -------------------------------------------------------- */

/* The operations one names on the command line come before OP_MODEL; the
 * model's two token passes (f32 and int8 activations) come from --model,
 * its two batch passes from --batch. */
enum op {
    OP_DEQUANT, OP_GEMV, OP_PACK, OP_UNPACK, OP_QUANTIZE, OP_GEMV_I8,
    OP_QUANTIZE_I8, OP_GEMM, OP_GEMM_I8, OP_MODEL, OP_MODEL_I8,
    OP_MODEL_BATCH, OP_MODEL_BATCH_I8
};

/* Each operation's name, on the command line and in the output. */
extern const char *const op_names[];

/* Whether the job is one of the model's passes (--model, --batch). */
static inline int
is_model(enum op op)
{
    return op >= OP_MODEL;
}

/* The model's batch passes: measured without the reference. */
static inline int
is_batch(enum op op)
{
    return op == OP_MODEL_BATCH || op == OP_MODEL_BATCH_I8;
}

/* Whether the operation's calls are GEMMs, of job.n vectors each. */
static inline int
is_gemm(enum op op)
{
    return op == OP_GEMM || op == OP_GEMM_I8 || is_batch(op);
}

/* Whether the operation's calls are GEMVs or GEMMs, which --threads splits. */
static inline int
splits_rows(enum op op)
{
    return op == OP_GEMV || op == OP_GEMV_I8 || op == OP_GEMM ||
           op == OP_GEMM_I8 || is_model(op);
}

/* What a GEMM's time per vector is held against: the GEMV of the same
 * ROWSxCOLS and activations, or for a batch pass, the one-token pass. */
static inline enum op
base_op(enum op op)
{
    switch (op) {
    case OP_GEMM_I8:
        return OP_GEMV_I8;
    case OP_MODEL_BATCH:
        return OP_MODEL;
    case OP_MODEL_BATCH_I8:
        return OP_MODEL_I8;
    default:
        return OP_GEMV;
    }
}

/* What one row measures, in each implementation: an operation of one
 * shape. */
struct job {
    enum op op;
    size_t rows, cols; /* 1 x n for the one-dimensional operations */
    size_t n;          /* gemm(_i8): activation vectors per call; model
                          jobs: the --batch N (1 without), all of which the
                          batch passes take and the first of which the
                          one-token passes take; else 1 */
    char shape[40];
    double elems;        /* weights per call (quantize_i8: floats; a GEMM:
                            weights times vectors, a weight used once per
                            vector, as in N GEMVs) */
    double weight_bytes; /* packed weight bytes one call reads (pack and
                            quantize: writes; quantize_i8, which has no
                            weights: the int8 bytes it writes) */
};

/* ---- the model (model.c) ------------------------------------------------ */

/* A matrix of each layer of the model. */
struct matrix {
    /* The layer's name, for the reader: nothing prints it. */
    /* cppcheck-suppress unusedStructMember */
    const char *name;
    size_t rows, cols;
    int new_input;
};
#define BITNET_2B_LAYERS 30
#define BITNET_2B_MATRICES ((size_t)7) /* per layer: bitnet_2b[]'s entries */
#define BITNET_2B_MAX_DIM 6912 /* the most rows or cols of a matrix */

/* The matrices of each layer of BitNet b1.58 2B, in the order of a pass. */
extern const struct matrix bitnet_2b[BITNET_2B_MATRICES];

/* ---- how to run it, and what it gave ------------------------------------ */

/* The command line, as parse_args reads it. */
struct options {
    size_t samples, threads;
    size_t batch;       /* --batch N, or 0 */
    int json;
    const char *child;  /* --as-child VARIANT: measure it, report on stdout */
    const char *only;   /* --variants LIST, or NULL for all */
    double t0;          /* when the whole run started, for the progress line */
    int argc;           /* of main, passed on to children */
};

/* An implementation: the public API, or the reference in its shape. */
struct api {
    const char *name;
    int (*pack)(uint8_t *, const uint8_t *, size_t);
    int (*unpack)(uint8_t *, const uint8_t *, size_t);
    int (*dequantize)(float *, const uint8_t *, const float *, size_t);
    int (*gemv)(float *, const uint8_t *, size_t, const float *, size_t, size_t);
    int (*quantize)(uint8_t *, float *, const float *, size_t);
    int (*quantize_i8)(int8_t *, float *, const float *, size_t);
    int (*gemv_i8)(float *, const uint8_t *, size_t, const int8_t *, float,
                   size_t, size_t);
    int (*gemm)(float *, size_t, const uint8_t *, size_t, const float *,
                size_t, size_t, size_t, size_t);
    int (*gemm_i8)(float *, size_t, const uint8_t *, size_t, const int8_t *,
                   size_t, const float *, size_t, size_t, size_t);
};

/* The figures of one row: a job with one implementation. */
struct stats {
    int valid;   /* measured */
    int ok;      /* outputs matched the reference */
    double median, min, max; /* ns per call */
    size_t samples, calls;   /* samples taken, calls per sample */
    double ref_median;       /* of the reference, interleaved with this; 0
                                where it did not run (the batch passes) */
    double base_median;      /* gemm, gemm_i8: of the same implementation's
                                GEMV of ROWSxCOLS, interleaved with this
                                (measure_pair); 0 elsewhere */
};

/* The inputs and outputs of one job, as data_init (timing.c) builds them. */
struct data {
    size_t n, nbytes;          /* elements and packed bytes of a 1-D job */
    uint8_t *codes, *packed;   /* pack input; dequant and unpack input */
    float *floats, *scales;    /* quantize(_i8) input; dequant scales */
    uint8_t *out_bytes;        /* pack and quantize output: packed, or
                                  unpack output: codes, or quantize_i8
                                  output: xq */
    float *out_floats;         /* dequant output, quantize scales,
                                  quantize_i8 scale, gemv(_i8) y, gemm(_i8)
                                  y (ldy = rows) */
    size_t out_nbytes, out_nfloats;
    /* gemv(_i8), gemm(_i8): one matrix; model: every matrix of every layer */
    size_t nmat;
    uint8_t **w;
    size_t *rows, *cols;
    float *x;                  /* job.n vectors; a matrix takes them at
                                  ldx = its cols (a GEMV: the first cols) */
    int8_t *xq;                /* gemv_i8, gemm_i8: x quantized by the
                                  reference, vector by vector; model: the
                                  int8 passes quantize into it */
    float *xscales;            /* the scales of xq's vectors */
    /* the reference's outputs, for checking */
    uint8_t *want_bytes;
    float *want_floats;
};

/* The compute peaks of each variant's ISA, in G operations per second (0
 * where not measured): int8 multiply-accumulates, f32 FMAs. */
struct roofs {
    size_t threads;
    double mac_g[QK256_ISA_COUNT], fma_g[QK256_ISA_COUNT];
};

/* How a variant's peaks are measured: the instruction of each and how many
 * multiply-accumulates (or FMAs) one does; mac and fma run the loop of it
 * for a number of iterations, each of PEAK_CHAINS instructions. */
struct peak_kind {
    const char *mac_insn;
    double macs;
    uint64_t (*mac)(size_t);
    const char *fma_insn;
    double fmas;
    uint64_t (*fma)(size_t);
};

/* A run's rows and roofs: main fills it, report.c prints it. */
struct report {
    const struct options *o;
    const struct job *jobs;
    size_t njobs, nimpls;
    const char *impls[MAX_IMPLS]; /* column 0 is the reference */
    const char *missing[MAX_IMPLS]; /* variants that could not be run */
    size_t nmissing;
    const char *via_list[MAX_IMPLS]; /* run through the impl list, here */
    size_t nvia_list;
    struct stats *st;             /* st[job * nimpls + impl] */
    const char *cpu_only[MAX_IMPLS]; /* not run: only the CPU selects them */
    size_t ncpu_only;
    enum qk256_isa isa[MAX_IMPLS];  /* of each variant (the reference's is
                                       not read) */
    const double *read_ns;          /* per job: ns per call of its read
                                       roof; 0 where it has none */
    size_t model_roof;              /* the model job that measured the read
                                       that the model's passes share
                                       (model_i8), or njobs */
    const struct roofs *roofs;
};

/* ---- main.c ------------------------------------------------------------- */

/* Prints "qk256-bench: " and fmt (with arg) on stderr, and exits with
 * status 2: a usage or system error. */
void die(const char *fmt, const char *arg) __attribute__((noreturn));
/* malloc, which dies when it fails. */
void *xmalloc(size_t size);

/* ---- options.c ---------------------------------------------------------- */

/* Whether name is in the comma-separated list (--variants); NULL: all. */
int in_list(const char *list, const char *name);
/* The command line into *o and the jobs to run; -1, or an exit status. */
int parse_args(int argc, char **argv, struct options *o, struct job **jobsp,
               size_t *njobsp);

/* ---- model.c ------------------------------------------------------------ */

/* qk256_quantize_i8 calls in one token of the int8 pass. */
size_t bitnet_2b_quantizes(void);
/* Fills in j->elems and j->weight_bytes. */
void job_sizes(struct job *j);
/* Appends the model's passes: two, and two more with batch (--batch N). */
void add_model_jobs(struct job *jobs, size_t *njobs, size_t batch);

/* ---- timing.c ----------------------------------------------------------- */

/* --align: packed weights start this many bytes past a cache line;
 * --out-align: what the operations write. */
extern size_t align_offset, out_align_offset;
/* CLOCK_MONOTONIC, in nanoseconds. */
double now_ns(void);
/* For qsort: doubles in increasing order. */
int cmp_double(const void *a, const void *b);
/* Erases the progress line, if it shows. */
void progress_done(void);
/* Frees the data that run_job built in d. */
void data_free(struct data *d);
/* Measures job j with the reference and with api, interleaved. */
void run_job(const struct options *o, const struct job *j,
             const struct job *prev, const struct api *api, struct data *d,
             struct stats st[2], double *read_ns);

/* ---- roofs.c ------------------------------------------------------------ */

/* The loads of the read roof's loop, in words ("AVX2 32-byte loads"). */
extern const char *read_loads;
/* The read roof, in the shape of an implementation. */
extern const struct api read_api;
/* Picks the read roof's loop for this CPU. */
void choose_read(void);
/* Whether the operation reads packed weights, and so has a read roof. */
int has_read_roof(enum op op);
/* How the peaks of a variant of that ISA are measured, or NULL. */
const struct peak_kind *peak_kind(enum qk256_isa isa);
/* Measures the compute peaks of the variants named, into rf. */
void measure_peaks(struct roofs *rf, const struct options *o,
                   const char *const *variants, size_t n);

/* ---- variants.c --------------------------------------------------------- */

/* The bound variant, through the public API. */
extern struct api library_api;
/* Whether nothing but the CPU selects that variant (arm64). */
int variant_cpu_only(const char *variant);
/* The note on the variants that no child can run, into buf. */
void cpu_only_note(char *buf, size_t size, const struct report *rp);
/* Measures variant k of the impl list in this process. */
void run_impl_jobs(const struct options *o, const struct job *jobs,
                   size_t njobs, size_t k, struct stats *st, size_t stride);
/* Measures a variant in a child, under its GLIBC_TUNABLES mask. */
int run_child(char **argv, const char *variant, const struct options *o,
              size_t njobs, struct stats *st, size_t stride);
/* The child's side of run_child: measures every job, prints its rows. */
int run_child_jobs(const struct options *o, const struct job *jobs,
                   size_t njobs);

/* ---- report.c ----------------------------------------------------------- */

/* The results as a table, on stdout. */
void print_table(const struct report *rp);
/* The results as JSON, on stdout. */
void print_json(const struct report *rp);

#endif /* QK256_BENCH_H */
