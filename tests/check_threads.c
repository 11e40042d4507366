/* tests/check_threads.c -- the public functions called from two threads
 * at once (SPEC section 3: no global mutable state)
 * SPDX-License-Identifier: MIT
 *
 * The main thread prepares the data and the reference answers; two threads
 * released together by a barrier call the library in a loop and count the
 * results that differ; the main thread asserts (check's assertions belong
 * to the thread that runs the test).
 */
#include <config.h>

#ifndef _POSIX_C_SOURCE
# define _POSIX_C_SOURCE 200809L /* pthread_barrier_t under -std=c99 */
#endif

#include "qk256.h"
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ref.h"
#include "testutil.h"

#define ITERATIONS 200

/* A band of GEMV rows for one thread, with the answers to check it by. */
struct gemv_job {
    const uint8_t *w;
    size_t stride;
    const float *x;
    float *y;
    size_t rows, cols;
    const struct ref_dot *want; /* rows entries */
    pthread_barrier_t *start;
    int iters;
    size_t bad; /* calls that failed or rows out of bound */
};

static void *
gemv_worker(void *arg)
{
    struct gemv_job *j = arg;

    pthread_barrier_wait(j->start);
    for (int it = 0; it < j->iters; it++) {
        memset(j->y, 0xff, j->rows * sizeof(float));
        if (qk256_gemv(j->y, j->w, j->stride, j->x, j->rows, j->cols) != QK256_OK)
            j->bad++;
        for (size_t r = 0; r < j->rows; r++)
            j->bad += !ref_gemv_close(j->y[r], j->want[r]);
    }
    return NULL;
}

/* One matrix for a whole GEMV: rows x cols, random, x in [-10, 10]. */
struct problem {
    struct gbuf gw, gx, gy, gref;
    uint8_t *w;
    float *x, *y;
    struct ref_dot *want;
    size_t rows, cols, stride;
};

static void
problem_init(struct problem *p, size_t rows, size_t cols, size_t pad,
             uint64_t seed)
{
    size_t rb = qk256_row_bytes(cols);
    struct rng r;

    p->rows = rows;
    p->cols = cols;
    p->stride = rb + pad;
    p->w = gbuf_alloc(&p->gw, (rows - 1) * p->stride + rb, 1);
    p->x = gbuf_alloc(&p->gx, cols * sizeof(float), 0);
    p->y = gbuf_alloc(&p->gy, rows * sizeof(float), GBUF_FRONT);
    p->want = gbuf_alloc(&p->gref, rows * sizeof(struct ref_dot), 0);
    rng_seed(&r, seed);
    rng_bytes(&r, p->w, p->gw.len);
    rng_floats(&r, p->x, cols, -10.0f, 10.0f);
    for (size_t row = 0; row < rows; row++)
        p->want[row] = ref_dot_row(p->w + row * p->stride, p->x, cols);
}

static void
problem_free(struct problem *p)
{
    gbuf_free_checked(&p->gy, "y", "threads");
    gbuf_free(&p->gw);
    gbuf_free(&p->gx);
    gbuf_free(&p->gref);
}

/* A job for rows [r0, r1) of p. */
static struct gemv_job
band(const struct problem *p, size_t r0, size_t r1, pthread_barrier_t *start)
{
    struct gemv_job j = { p->w + r0 * p->stride, p->stride, p->x, p->y + r0,
                          r1 - r0, p->cols, p->want + r0, start,
                          ITERATIONS, 0 };
    return j;
}

static void
run_jobs(struct gemv_job *jobs, size_t njobs, const char *what)
{
    pthread_t tid[2];
    pthread_barrier_t start;

    CHECK(njobs == NELEMS(tid), "%zu jobs", njobs);
    CHECK(pthread_barrier_init(&start, NULL, (unsigned)njobs) == 0,
          "pthread_barrier_init failed");
    for (size_t k = 0; k < njobs; k++) {
        jobs[k].start = &start;
        CHECK(pthread_create(&tid[k], NULL, gemv_worker, &jobs[k]) == 0,
              "%s: pthread_create failed", what);
    }
    for (size_t k = 0; k < njobs; k++)
        pthread_join(tid[k], NULL);
    pthread_barrier_destroy(&start);
    for (size_t k = 0; k < njobs; k++)
        CHECK(jobs[k].bad == 0,
              "%s: thread %zu (%zu rows x %zu cols): %zu bad results "
              "in %d calls", what, k, jobs[k].rows, jobs[k].cols,
              jobs[k].bad, jobs[k].iters);
}

/* Two threads, each with its own matrix, x and y. */
START_TEST(test_different_data)
{
    struct problem a, b;

    problem_init(&a, 33, 4096 + 7, 64, 42);
    problem_init(&b, 17, 6912, 3, 1337);

    struct gemv_job jobs[2] = { band(&a, 0, a.rows, NULL),
                                band(&b, 0, b.rows, NULL) };
    run_jobs(jobs, 2, "different data");
    problem_free(&a);
    problem_free(&b);
}
END_TEST

/* Two threads sharing one GEMV by bands of rows, as SPEC section 3 tells
 * callers to parallelise: w + r0 * row_stride, y + r0, r1 - r0 rows. */
START_TEST(test_row_bands)
{
    struct problem p;

    problem_init(&p, 61, 4096 + 7, 1, 99999);

    struct gemv_job jobs[2] = { band(&p, 0, 29, NULL),
                                band(&p, 29, p.rows, NULL) };
    run_jobs(jobs, 2, "row bands");
    for (size_t r = 0; r < p.rows; r++)
        CHECK(ref_gemv_close(p.y[r], p.want[r]),
              "row bands: y[%zu] = %.9g, want %.17g", r,
              (double)p.y[r], p.want[r].exact);
    problem_free(&p);
}
END_TEST

Suite *
suite_threads(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_new("threads", "gemv");

    /* The tag lets tests/run-variant leave these out under qemu-user,
     * whose 7.2 release spins forever in pthread_barrier_wait. */
    tcase_set_tags(tc, "threads");
    tcase_add_test(tc, test_different_data);
    tcase_add_test(tc, test_row_bands);
    suite_add_tcase(s, tc);
    return s;
}
