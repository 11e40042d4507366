/* bench/model.c -- the model of --model: BitNet b1.58 2B
 * SPDX-License-Identifier: MIT
 *
 * --model bitnet-2b measures the linear layers of one token of BitNet
 * b1.58 2B in two passes, with f32 and with int8 activations, and --batch
 * N in two more, a prompt of N tokens through the same matrices, one GEMM
 * per matrix.  Here: the model's matrices, its passes as jobs, and what
 * each job (the model's or any other) reads and computes: job_sizes.  The
 * passes run in time_calls (timing.c), matrix after matrix, in the loops
 * of gemv, gemv_i8, gemm and gemm_i8, the int8 passes quantizing each new
 * input vector there too; report.c prints them side by side.
 */
#include "bench.h"

/* The linear layers of one token of BitNet b1.58 2B: LAYERS times these.
 * q, k and v take the same input vector, and so do gate and up, so an
 * int8 runtime quantizes 4 vectors per layer: those of the matrices with
 * new_input set. */
const struct matrix bitnet_2b[BITNET_2B_MATRICES] = {
    { "q", 2560, 2560, 1 },    { "k", 640, 2560, 0 },
    { "v", 640, 2560, 0 },     { "o", 2560, 2560, 1 },
    { "gate", 6912, 2560, 1 }, { "up", 6912, 2560, 0 },
    { "down", 2560, 6912, 1 },
};

/* qk256_quantize_i8 calls in one token of the int8 pass. */
size_t
bitnet_2b_quantizes(void)
{
    size_t n = 0;

    for (size_t m = 0; m < BITNET_2B_MATRICES; m++)
        n += bitnet_2b[m].new_input != 0;
    return BITNET_2B_LAYERS * n;
}

/* Fills in j->elems and j->weight_bytes: one matrix, or the model's. */
void
job_sizes(struct job *j)
{
    size_t nmat = is_model(j->op) ? BITNET_2B_MATRICES : 1;
    double reps = is_model(j->op) ? BITNET_2B_LAYERS : 1;
    double vecs = is_gemm(j->op) ? (double)j->n : 1.0;

    j->elems = j->weight_bytes = 0.0;
    for (size_t m = 0; m < nmat; m++) {
        size_t rows = is_model(j->op) ? bitnet_2b[m].rows : j->rows;
        size_t cols = is_model(j->op) ? bitnet_2b[m].cols : j->cols;

        j->elems += reps * vecs * (double)rows * (double)cols;
        j->weight_bytes += reps * (double)rows * (double)qk256_row_bytes(cols);
    }
    if (j->op == OP_QUANTIZE_I8)
        j->weight_bytes = (double)j->cols;
}

/* Appends the model's passes to jobs: the two token passes and, with a
 * batch (--batch N, else 0), the two batch passes.  Next to each other, so
 * that they share their data (run_job): every pass gets the --batch
 * vectors, the one-token passes take the first. */
void
add_model_jobs(struct job *jobs, size_t *njobs, size_t batch)
{
    static const enum op passes[] = {
        OP_MODEL, OP_MODEL_I8, OP_MODEL_BATCH, OP_MODEL_BATCH_I8
    };

    for (size_t k = 0; k < (batch ? 4u : 2u); k++) {
        jobs[*njobs] = (struct job){ passes[k], 0, 0, batch ? batch : 1,
                                     "bitnet-2b", 0.0, 0.0 };
        job_sizes(&jobs[(*njobs)++]);
    }
}
