/* bench/timing.c -- the data, the timing and the samples of a job
 * SPDX-License-Identifier: MIT
 *
 * Method, per row: the same inputs (random, fixed seed) and buffers for
 * every call, so caches are hot (except --model, whose 521 MB of weights
 * stream from DRAM), packed data --align bytes past a cache line and
 * outputs --out-align (xmalloc_at), the activations on one; a warm-up
 * of at least WARMUP_NS and one call; then up to --samples samples on
 * CLOCK_MONOTONIC, each a run of back-to-back calls that lasts at least
 * SAMPLE_NS, fewer samples (never under MIN_SAMPLES)
 * once a row has taken ROW_BUDGET_NS.  Times are per call: the median, min
 * and max over the samples.  Every output is compared with the reference's
 * before its row counts (bitwise, the int8 operations too; the f32 GEMV
 * and GEMM within a tolerance), and a mismatch makes the exit status 1.
 * The model's batch passes (--batch) run without the reference, whose
 * time would be N times its one-token pass.
 *
 * A GEMM row (gemm, gemm_i8) also times the same implementation's GEMV of
 * its ROWSxCOLS, on the GEMM's own weights and first activation vector,
 * one GEMV sample after each GEMM sample, and its time per result column
 * is held against that GEMV's median ("per column vs gemv").  Two rows
 * timed one after the other would each catch a different slow spell of a
 * shared machine; samples taken alternately catch the same ones.  The
 * GEMV's own row keeps the figures it measured itself.
 *
 * run_job measures one job: its data (data_init), the reference's outputs
 * to check against, and the samples (measure_pair).  Here too: the clock,
 * the random inputs and their buffers, the threads of --threads and the
 * progress line.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, posix_memalign, isatty */

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "reference.h"

#define PROGRESS_AFTER_NS 1e9 /* the run's age when the progress line starts */
#define ROOF_WARMUP_NS 2e6 /* the read roof's warm-up: the row's own calls
                              have warmed the caches and the clock */

/* Packed weights start --align bytes past a cache line: 0 by default, as
 * posix_memalign(64) and the 64-byte alignment of some model files put
 * them; malloc puts large blocks 16 past a line, GGUF files tensors on 32
 * bytes.  What the operations write (dequant's floats, unpack's codes, the
 * results of the GEMVs and GEMMs, ...) starts --out-align bytes past one,
 * 0 by default.  SPEC section 3: no alignment may cost much speed, and
 * these are how the bench shows it. */
size_t align_offset, out_align_offset;

/* size bytes offset past a cache line, and a line of slack after them,
 * which the read roof's whole lines (read_weights) may reach; free_at
 * with the same offset frees them. */
static void *
xmalloc_at(size_t size, size_t offset)
{
    void *p;

    if (posix_memalign(&p, 64, size + offset + 64) != 0)
        die("out of memory%s", "");
    return (uint8_t *)p + offset;
}

static void
free_at(void *p, size_t offset)
{
    if (p)
        free((uint8_t *)p - offset);
}

/* Everything else, the activations, starts on a cache line, as a
 * runtime's buffers would, so that only the weights move with --align and
 * the outputs with --out-align (malloc's placement would vary with the
 * sizes of what came before). */
static void *
xmalloc_aligned(size_t size)
{
    void *p;

    if (posix_memalign(&p, 64, size ? size : 1) != 0)
        die("out of memory%s", "");
    return p;
}

double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t rng_state;

/* splitmix64; every job reseeds, so its inputs do not depend on the others */
static uint64_t
rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void
random_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rng();

        memcpy(p + i, &v, n - i < 8 ? n - i : 8);
    }
}

/* n floats uniform in [-1, 1) */
static float *
random_floats(size_t n)
{
    float *f = xmalloc_aligned(n * sizeof *f);

    for (size_t i = 0; i < n; i++)
        f[i] = (float)(rng() >> 40) / 8388608.0f - 1.0f;
    return f;
}

int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* ---- the progress line ----------------------------------------------------
 * On stderr, only when it is a terminal and the run (parent and children
 * together) has lasted PROGRESS_AFTER_NS; erased before results print. */
static int progress_shown;

static void
progress(const struct options *o, const char *impl, const struct job *j)
{
    if (!isatty(STDERR_FILENO) || now_ns() - o->t0 < PROGRESS_AFTER_NS)
        return;
    fprintf(stderr, "\r\033[Kqk256-bench: %s %s %s ...", op_names[j->op],
            j->shape, impl);
    fflush(stderr);
    progress_shown = 1;
}

void
progress_done(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
}

/* ---- threads: row bands of one GEMV or GEMM --------------------------------
 * --threads N starts N - 1 workers for a row; the calling thread takes band
 * 0.  A call hands out the bands by bumping gen and waits for pending to
 * reach 0; workers spin (then yield) between calls, since a token is 210
 * GEMVs of well under a millisecond each. */

/* A GEMV when n is 0, else a GEMM of n vectors (x or xq + j * ldx, y + j *
 * ldy, scales[j]); f32 when xq is NULL, else int8 (x is then unused). */
struct gemv_call {
    const struct api *api;
    float *y;
    const uint8_t *w;
    size_t stride;
    const float *x;
    const int8_t *xq;
    float scale;
    size_t rows, cols;
    size_t n, ldx, ldy;
    const float *scales;
};

struct pool {
    size_t n;
    pthread_t *tids;
    struct worker { struct pool *pool; size_t index; } *workers;
    struct gemv_call call;
    unsigned gen, pending;
    int quit, failed;
};

static void
cpu_relax(unsigned *spins)
{
    if (++*spins > (1u << 16)) {
        sched_yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* First row of band i of n; bands start at multiples of 4 rows, which the
 * kernels take four at a time. */
static size_t
band_start(size_t rows, size_t n, size_t i)
{
    size_t r = (size_t)((double)rows * (double)i / (double)n);

    r = (r + 3) & ~(size_t)3;
    return i == n || r > rows ? rows : r;
}

/* Rows [r0, r1) of the call. */
static int
gemv_rows(const struct gemv_call *c, size_t r0, size_t r1)
{
    if (c->n && c->xq)
        return c->api->gemm_i8(c->y + r0, c->ldy, c->w + r0 * c->stride,
                               c->stride, c->xq, c->ldx, c->scales, r1 - r0,
                               c->cols, c->n);
    if (c->n)
        return c->api->gemm(c->y + r0, c->ldy, c->w + r0 * c->stride,
                            c->stride, c->x, c->ldx, r1 - r0, c->cols, c->n);
    if (c->xq)
        return c->api->gemv_i8(c->y + r0, c->w + r0 * c->stride, c->stride,
                               c->xq, c->scale, r1 - r0, c->cols);
    return c->api->gemv(c->y + r0, c->w + r0 * c->stride, c->stride, c->x,
                        r1 - r0, c->cols);
}

static void
run_band(struct pool *p, size_t i)
{
    const struct gemv_call *c = &p->call;
    size_t r0 = band_start(c->rows, p->n, i), r1 = band_start(c->rows, p->n, i + 1);

    if (r1 > r0 && gemv_rows(c, r0, r1) != QK256_OK)
        __atomic_store_n(&p->failed, 1, __ATOMIC_RELAXED);
}

static void *
worker_main(void *arg)
{
    struct worker *wk = arg;
    struct pool *p = wk->pool;
    unsigned seen = 0;

    for (;;) {
        unsigned spins = 0, g;

        while ((g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE)) == seen)
            cpu_relax(&spins);
        seen = g;
        if (__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
            return NULL;
        run_band(p, wk->index);
        __atomic_sub_fetch(&p->pending, 1, __ATOMIC_RELEASE);
    }
}

static struct pool *
pool_start(size_t n)
{
    struct pool *p;

    if (n < 2)
        return NULL;
    p = xmalloc(sizeof *p);
    memset(p, 0, sizeof *p);
    p->n = n;
    p->tids = xmalloc(n * sizeof *p->tids);
    p->workers = xmalloc(n * sizeof *p->workers);
    for (size_t i = 1; i < n; i++) {
        p->workers[i].pool = p;
        p->workers[i].index = i;
        if (pthread_create(&p->tids[i], NULL, worker_main, &p->workers[i]) != 0)
            die("cannot start a thread%s", "");
    }
    return p;
}

static void
pool_stop(struct pool *p)
{
    if (!p)
        return;
    __atomic_store_n(&p->quit, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);
    for (size_t i = 1; i < p->n; i++)
        pthread_join(p->tids[i], NULL);
    free(p->tids);
    free(p->workers);
    free(p);
}

/* One GEMV or GEMM, split over the pool's threads when there is a pool. */
static int
gemv(struct pool *p, const struct gemv_call *c)
{
    unsigned spins = 0;

    if (!p)
        return gemv_rows(c, 0, c->rows);
    p->call = *c;
    __atomic_store_n(&p->pending, (unsigned)(p->n - 1), __ATOMIC_RELAXED);
    __atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);
    run_band(p, 0);
    while (__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) != 0)
        cpu_relax(&spins);
    return __atomic_load_n(&p->failed, __ATOMIC_RELAXED) ? -1 : QK256_OK;
}

/* ---- the data of one job ------------------------------------------------ */

/* Builds the data of job j in d (struct data): its inputs, random from
 * a seed of the job's own, and room for its outputs and the reference's. */
static void
data_init(struct data *d, const struct job *j)
{
    memset(d, 0, sizeof *d);
    /* The model's two passes build the same data, so that sharing it
     * (run_job) changes nothing. */
    rng_state = 0x2545f4914f6cdd1du ^
                (uint64_t)(is_model(j->op) ? OP_MODEL : j->op) << 32 ^ j->rows ^
                j->cols << 20;
    d->n = j->cols;
    d->nbytes = qk256_row_bytes(j->cols);

    switch (j->op) {
    case OP_PACK:
        d->codes = xmalloc(d->n);
        for (size_t i = 0; i < d->n; i++)
            d->codes[i] = (uint8_t)(rng() & 3);
        d->out_nbytes = d->nbytes;
        break;
    case OP_UNPACK:
    case OP_DEQUANT:
        d->packed = xmalloc_at(d->nbytes, align_offset);
        random_bytes(d->packed, d->nbytes);
        if (j->op == OP_UNPACK) {
            d->out_nbytes = d->n;
        } else {
            d->scales = random_floats(qk256_blocks(d->n));
            d->out_nfloats = d->n;
        }
        break;
    case OP_QUANTIZE:
        d->floats = random_floats(d->n);
        d->out_nbytes = d->nbytes;
        d->out_nfloats = qk256_blocks(d->n);
        break;
    case OP_QUANTIZE_I8:
        d->floats = random_floats(d->n);
        d->out_nbytes = d->n;
        d->out_nfloats = 1;
        break;
    case OP_GEMV:
    case OP_GEMV_I8:
    case OP_GEMM:
    case OP_GEMM_I8:
    case OP_MODEL:
    case OP_MODEL_I8:
    case OP_MODEL_BATCH:
    case OP_MODEL_BATCH_I8: {
        int one = !is_model(j->op);
        size_t maxcols = 0, maxrows = 0;

        d->nmat = one ? 1 : BITNET_2B_LAYERS * BITNET_2B_MATRICES;
        d->w = xmalloc(d->nmat * sizeof *d->w);
        d->rows = xmalloc(d->nmat * sizeof *d->rows);
        d->cols = xmalloc(d->nmat * sizeof *d->cols);
        for (size_t m = 0; m < d->nmat; m++) {
            const struct matrix *mx = &bitnet_2b[m % BITNET_2B_MATRICES];

            d->rows[m] = one ? j->rows : mx->rows;
            d->cols[m] = one ? j->cols : mx->cols;
            d->w[m] = xmalloc_at(d->rows[m] * qk256_row_bytes(d->cols[m]), align_offset);
            random_bytes(d->w[m], d->rows[m] * qk256_row_bytes(d->cols[m]));
            if (d->cols[m] > maxcols)
                maxcols = d->cols[m];
            if (d->rows[m] > maxrows)
                maxrows = d->rows[m];
        }
        /* The first maxcols floats are those of one vector, so that the
         * one-token passes see the same x with or without --batch. */
        d->x = random_floats(maxcols * j->n);
        d->out_nfloats = maxrows * j->n;
        /* gemv_i8 and gemm_i8 time the GEMV or GEMM alone: x is quantized
         * once, here; the model's int8 passes quantize as part of the
         * pass. */
        if (j->op != OP_GEMV && j->op != OP_GEMM) {
            d->xq = xmalloc_aligned(maxcols * j->n);
            d->xscales = xmalloc(j->n * sizeof *d->xscales);
            memset(d->xscales, 0, j->n * sizeof *d->xscales);
        }
        if (j->op == OP_GEMV_I8 || j->op == OP_GEMM_I8)
            for (size_t v = 0; v < j->n; v++)
                ref_quantize_i8(d->xq + v * maxcols, &d->xscales[v],
                                d->x + v * maxcols, maxcols);
        break;
    }
    }
    d->out_bytes = xmalloc_at(d->out_nbytes, out_align_offset);
    d->out_floats = xmalloc_at(d->out_nfloats * sizeof(float), out_align_offset);
    d->want_bytes = xmalloc(d->out_nbytes);
    d->want_floats = xmalloc(d->out_nfloats * sizeof(float));
}

void
data_free(struct data *d)
{
    for (size_t m = 0; m < d->nmat; m++)
        free_at(d->w[m], align_offset);
    free(d->w);
    free(d->rows);
    free(d->cols);
    free(d->x);
    free(d->xq);
    free(d->xscales);
    free(d->codes);
    free_at(d->packed, align_offset);
    free(d->floats);
    free(d->scales);
    free_at(d->out_bytes, out_align_offset);
    free_at(d->out_floats, out_align_offset);
    free(d->want_bytes);
    free(d->want_floats);
}

/* ---- timing ------------------------------------------------------------- */

/* Nanoseconds that calls calls of the job's operation take with api, or a
 * negative number when a call fails.  Each case has its own loop, so that
 * only the calls are timed. */
static double
time_calls(const struct job *j, const struct api *api, struct data *d,
           struct pool *pool, size_t calls)
{
    int rc = 0;
    double t0 = now_ns();

    switch (j->op) {
    case OP_DEQUANT:
        for (size_t i = 0; i < calls; i++)
            rc |= api->dequantize(d->out_floats, d->packed, d->scales, d->n);
        break;
    case OP_PACK:
        for (size_t i = 0; i < calls; i++)
            rc |= api->pack(d->out_bytes, d->codes, d->n);
        break;
    case OP_UNPACK:
        for (size_t i = 0; i < calls; i++)
            rc |= api->unpack(d->out_bytes, d->packed, d->n);
        break;
    case OP_QUANTIZE:
        for (size_t i = 0; i < calls; i++)
            rc |= api->quantize(d->out_bytes, d->out_floats, d->floats, d->n);
        break;
    case OP_QUANTIZE_I8:
        for (size_t i = 0; i < calls; i++)
            rc |= api->quantize_i8((int8_t *)d->out_bytes, d->out_floats,
                                   d->floats, d->n);
        break;
    case OP_GEMV:
    case OP_MODEL:
        for (size_t i = 0; i < calls; i++) {
            for (size_t m = 0; m < d->nmat; m++) {
                struct gemv_call c = { api, d->out_floats, d->w[m],
                                       qk256_row_bytes(d->cols[m]), d->x,
                                       NULL, 0.0f, d->rows[m], d->cols[m],
                                       0, 0, 0, NULL };
                rc |= gemv(pool, &c);
            }
        }
        break;
    case OP_GEMV_I8:
    case OP_MODEL_I8:
        for (size_t i = 0; i < calls; i++) {
            float scale = d->xscales[0];

            for (size_t m = 0; m < d->nmat; m++) {
                /* A token of the int8 pass quantizes each new input vector
                 * on this thread, while the pool's workers wait: a runtime
                 * has to, before it hands out the GEMV's bands.  The time
                 * counts as the token's. */
                if (j->op == OP_MODEL_I8 &&
                    bitnet_2b[m % BITNET_2B_MATRICES].new_input)
                    rc |= api->quantize_i8(d->xq, &scale, d->x, d->cols[m]);

                struct gemv_call c = { api, d->out_floats, d->w[m],
                                       qk256_row_bytes(d->cols[m]), NULL,
                                       d->xq, scale, d->rows[m], d->cols[m],
                                       0, 0, 0, NULL };
                rc |= gemv(pool, &c);
            }
        }
        break;
    /* The GEMMs take the job's n vectors at ldx = cols, their results at
     * ldy = rows. */
    case OP_GEMM:
    case OP_MODEL_BATCH:
        for (size_t i = 0; i < calls; i++) {
            for (size_t m = 0; m < d->nmat; m++) {
                struct gemv_call c = { api, d->out_floats, d->w[m],
                                       qk256_row_bytes(d->cols[m]), d->x,
                                       NULL, 0.0f, d->rows[m], d->cols[m],
                                       j->n, d->cols[m], d->rows[m], NULL };
                rc |= gemv(pool, &c);
            }
        }
        break;
    case OP_GEMM_I8:
    case OP_MODEL_BATCH_I8:
        for (size_t i = 0; i < calls; i++) {
            for (size_t m = 0; m < d->nmat; m++) {
                size_t cols = d->cols[m];

                /* As in the one-token pass, each of the n vectors of a new
                 * input is quantized on this thread, in the pass's time. */
                if (j->op == OP_MODEL_BATCH_I8 &&
                    bitnet_2b[m % BITNET_2B_MATRICES].new_input)
                    for (size_t v = 0; v < j->n; v++)
                        rc |= api->quantize_i8(d->xq + v * cols,
                                               &d->xscales[v],
                                               d->x + v * cols, cols);

                struct gemv_call c = { api, d->out_floats, d->w[m],
                                       qk256_row_bytes(cols), NULL, d->xq,
                                       0.0f, d->rows[m], cols, j->n, cols,
                                       d->rows[m], d->xscales };
                rc |= gemv(pool, &c);
            }
        }
        break;
    }

    double t = now_ns() - t0;
    return rc != 0 ? -1.0 : t;
}

/* Whether the last call's outputs are the reference's (d->want_*): bitwise,
 * except an f32 GEMV or GEMM row, which may differ by 1e-3 of 2 sum |x| (>=
 * sum |w x|), more than the reference's own f32 rounding, far less than a
 * wrong result.  The int8 path is exact, so gemv_i8 and gemm_i8 are held to
 * bitwise equality (SPEC section 4).  A model's outputs are not checked: its
 * calls are those of the gemv, gemv_i8, gemm, gemm_i8 and quantize_i8
 * operations. */
static int
outputs_match(const struct job *j, const struct data *d)
{
    if (is_model(j->op))
        return 1;
    if (j->op == OP_GEMV || j->op == OP_GEMM) {
        for (size_t v = 0; v < j->n; v++) {
            const float *x = d->x + v * j->cols;
            const float *y = d->out_floats + v * j->rows;
            const float *want = d->want_floats + v * j->rows;
            double abs_sum2 = 0.0;

            for (size_t c = 0; c < j->cols; c++)
                abs_sum2 += 2.0 * fabs((double)x[c]);
            for (size_t r = 0; r < j->rows; r++) {
                double diff = fabs((double)y[r] - (double)want[r]);

                if (!(diff <= 1e-3 * fmax(1.0, abs_sum2)))
                    return 0;
            }
        }
        return 1;
    }
    return memcmp(d->out_bytes, d->want_bytes, d->out_nbytes) == 0 &&
           memcmp(d->out_floats, d->want_floats, d->out_nfloats * sizeof(float)) == 0;
}

/* One of the things that measure_pair times in turn, a sample of each
 * after a sample of the one before. */
struct slot {
    const struct job *job;
    const struct api *api; /* NULL: not timed */
    double warmup_ns;
    int check;             /* compare its outputs with the reference's */
    int ok;
    double *per_call;      /* ns per call of each sample */
    size_t calls, samples;
};

/* The median of the n values at v, which it sorts. */
static double
median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Measures the job with api[0] and api[1] (the reference and a variant),
 * interleaving their samples, so that a change of clock speed or a noisy
 * neighbour during the row touches both and their ratio holds.  With
 * api[0] NULL, api[1] alone: st[0] stays invalid and ref_median 0.
 *
 * A GEMM job (gemm, gemm_i8) interleaves the GEMV of its ROWSxCOLS with
 * it too, on the same data, for base_median: the variant's always, the
 * reference's only in the parent (the children report no reference row).
 * With read_ns, the row's read roof (read_api) takes its turn as well,
 * and its median time per call goes to *read_ns. */
static void
measure_pair(const struct options *o, const struct job *j,
             const struct api *const api[2], struct data *d, struct stats st[2],
             double *read_ns)
{
    enum { REF, VAR, VAR_BASE, REF_BASE, READ, NSLOTS };
    struct pool *pool = splits_rows(j->op) ? pool_start(o->threads) : NULL;
    struct job base = *j;
    struct slot sl[NSLOTS];
    double start;

    base.op = base_op(j->op);
    base.n = 1;
    memset(sl, 0, sizeof sl);
    sl[REF] = (struct slot){ j, api[0], WARMUP_NS, 1, 0, NULL, 1, 0 };
    sl[VAR] = (struct slot){ j, api[1], WARMUP_NS, 1, 0, NULL, 1, 0 };
    if (j->op == OP_GEMM || j->op == OP_GEMM_I8) {
        sl[VAR_BASE] = (struct slot){ &base, api[1], WARMUP_NS, 0, 0, NULL, 1, 0 };
        if (!o->child)
            sl[REF_BASE] = (struct slot){ &base, api[0], WARMUP_NS, 0, 0, NULL, 1, 0 };
    }
    if (read_ns)
        sl[READ] = (struct slot){ j, &read_api, ROOF_WARMUP_NS, 0, 0, NULL, 1, 0 };

    for (int k = 0; k < NSLOTS; k++) {
        struct slot *s = &sl[k];
        double t0 = now_ns();

        if (!s->api)
            continue;
        progress(o, s->api->name, j);
        s->per_call = xmalloc(o->samples * sizeof *s->per_call);

        /* Warm up (caches, clock speed) while finding the calls per
         * sample; the outputs are cleared first, so that they show what
         * this api computed. */
        memset(d->out_floats, 0, d->out_nfloats * sizeof(float));
        memset(d->out_bytes, 0, d->out_nbytes);
        do {
            double t = time_calls(s->job, s->api, d, pool, s->calls);

            if (t < 0.0)
                die("a call with %s failed", s->api->name);
            if (t < SAMPLE_NS)
                s->calls *= 2;
        } while (now_ns() - t0 < s->warmup_ns);
        s->ok = !s->check || outputs_match(j, d);
    }

    start = now_ns();
    while (sl[VAR].samples < o->samples &&
           (sl[VAR].samples < MIN_SAMPLES || now_ns() - start < ROW_BUDGET_NS)) {
        for (int k = 0; k < NSLOTS; k++) {
            struct slot *s = &sl[k];
            double t;

            if (!s->api)
                continue;
            t = time_calls(s->job, s->api, d, pool, s->calls);
            if (t < 0.0)
                die("a call with %s failed", s->api->name);
            s->per_call[s->samples++] = t / (double)s->calls;
        }
    }
    pool_stop(pool);

    memset(st, 0, 2 * sizeof *st);
    for (int k = REF; k <= VAR; k++) {
        const struct slot *s = &sl[k];

        if (!s->api)
            continue;
        st[k].valid = 1;
        st[k].ok = s->ok;
        st[k].median = median_of(s->per_call, s->samples);
        st[k].min = s->per_call[0];
        st[k].max = s->per_call[s->samples - 1];
        st[k].samples = s->samples;
        st[k].calls = s->calls;
    }
    st[0].ref_median = st[1].ref_median = st[0].median; /* 0 without */
    if (sl[REF_BASE].api)
        st[0].base_median = median_of(sl[REF_BASE].per_call, sl[REF_BASE].samples);
    if (sl[VAR_BASE].api)
        st[1].base_median = median_of(sl[VAR_BASE].per_call, sl[VAR_BASE].samples);
    if (read_ns)
        *read_ns = median_of(sl[READ].per_call, sl[READ].samples);
    for (int k = 0; k < NSLOTS; k++)
        free(sl[k].per_call);
}

/* The reference, in the shape of the public API. */
static const struct api reference_api = {
    "reference", ref_pack, ref_unpack, ref_dequantize, ref_gemv, ref_quantize,
    ref_quantize_i8, ref_gemv_i8, ref_gemm, ref_gemm_i8,
};

/* The reference's outputs of job j, into d->want_*. */
static void
reference_outputs(const struct job *j, struct data *d)
{
    if (is_model(j->op))
        return;
    if (time_calls(j, &reference_api, d, NULL, 1) < 0.0)
        die("the reference failed%s", "");
    memcpy(d->want_bytes, d->out_bytes, d->out_nbytes);
    memcpy(d->want_floats, d->out_floats, d->out_nfloats * sizeof(float));
}

/* The job with the reference and with api, interleaved: st[0], st[1].  d
 * holds the data of prev, the job run before (NULL for the first), and is
 * kept for the next: the model's two passes read the same 521 MB of
 * weights, which are built once.  With read_ns, the job's read roof too
 * (measure_pair). */
void
run_job(const struct options *o, const struct job *j, const struct job *prev,
        const struct api *api, struct data *d, struct stats st[2],
        double *read_ns)
{
    const struct api *const pair[2] = {
        is_batch(j->op) ? NULL : &reference_api, api
    };

    if (!prev || !is_model(prev->op) || !is_model(j->op)) {
        if (prev)
            data_free(d);
        data_init(d, j);
    }
    reference_outputs(j, d);
    measure_pair(o, j, pair, d, st, read_ns);
}
