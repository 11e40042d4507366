#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <qk256.h>

#define COLS  300
#define N     3     /* tokens in the prompt */
#define LDX   304   /* floats from one token's input to the next */
#define LDY   5     /* a token's output: 3 values of W0, then 2 of W1 */

static const size_t  rows[2] = { 3, 2 };    /* rows of W0 and of W1 */
static const float   weight[4] = { -2.0f, -1.0f, 1.0f, 2.0f };

static uint8_t
code_of(size_t m, size_t r, size_t c)  /* the two matrices */
{
    return (uint8_t) ((r * 7 + c * c + m * (c / 2)) % 4);
}

static void
check(int rc, const char *what)
{
    if (rc != QK256_OK) {
        fprintf(stderr, "%s: %s\n", what, qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }
}

/* Is v within the bound of qk256_gemv(3) of row r of Wm times x? */
static int
within_bound(float v, size_t m, size_t r, const float *x)
{
    double exact = 0.0, mag = 0.0, err;

    for (size_t c = 0; c < COLS; c++) {
        double p = (double) weight[code_of(m, r, c)] * x[c];

        exact += p;
        mag += p < 0 ? -p : p;
    }
    err = v > exact ? v - exact : exact - v;
    return err <= 1e-4 * (mag > 1.0 ? mag : 1.0);
}

int
main(void)
{
    float    x[N * LDX], y[N * LDY];
    uint8_t  codes[COLS];
    uint8_t  w[2][3][(COLS + 255) / 256 * QK256_BLOCK_BYTES];
    size_t   stride = sizeof(w[0][0]);

    for (size_t m = 0; m < 2; m++) {
        for (size_t r = 0; r < rows[m]; r++) {
            for (size_t c = 0; c < COLS; c++)
                codes[c] = code_of(m, r, c);
            check(qk256_pack(w[m][r], codes, COLS), "qk256_pack");
        }
    }

    /* Token j's input is the first COLS floats at x + j * LDX; the
       library never reads the padding after them. */
    for (size_t i = 0; i < N * LDX; i++)
        x[i] = NAN;
    for (size_t j = 0; j < N; j++) {
        float *xj = x + j * LDX;

        for (size_t c = 0; c < COLS; c++)
            xj[c] = (float) ((c + 5 * j) % 17) / 16.0f - 0.375f;
    }

    /* W0 fills the first 3 floats of each output row.  W1 fills the
       other 2, which the first call leaves alone as padding. */
    check(qk256_gemm(y, LDY, w[0][0], stride, x, LDX, rows[0], COLS, N),
          "qk256_gemm");
    check(qk256_gemm(y + rows[0], LDY, w[1][0], stride, x, LDX, rows[1],
                     COLS, N), "qk256_gemm");

    for (size_t j = 0; j < N; j++) {
        const float  *yj = y + j * LDY;
        int          ok = 1;

        for (size_t k = 0; k < LDY; k++) {
            size_t m = k < rows[0] ? 0 : 1, r = m ? k - rows[0] : k;

            ok &= within_bound(yj[k], m, r, x + j * LDX);
        }
        printf("token %zu: %8.4f %8.4f %8.4f | %8.4f %8.4f  %s\n", j,
               yj[0], yj[1], yj[2], yj[3], yj[4], ok ? "ok" : "OFF");
    }

    exit(EXIT_SUCCESS);
}
