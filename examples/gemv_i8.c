#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <qk256.h>

#define COLS  300
#define ROWS  3     /* rows of each of the two matrices */

static void
check(int rc, const char *what)
{
    if (rc != QK256_OK) {
        fprintf(stderr, "%s: %s\n", what, qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }
}

int
main(void)
{
    float    x[COLS], sx, y[ROWS], yf[ROWS];
    float    wscale[2] = { 0.5f, 0.03125f };     /* one per matrix */
    int8_t   xq[COLS];
    uint8_t  codes[COLS];
    uint8_t  w[2][ROWS][(COLS + 255) / 256 * QK256_BLOCK_BYTES];
    size_t   stride = sizeof(w[0][0]);

    /* Two matrices that take the same input vector. */
    for (size_t m = 0; m < 2; m++) {
        for (size_t r = 0; r < ROWS; r++) {
            for (size_t c = 0; c < COLS; c++)
                codes[c] = (uint8_t) ((m * 5 + r * 7 + c * c) % 4);
            check(qk256_pack(w[m][r], codes, COLS), "qk256_pack");
        }
    }
    for (size_t c = 0; c < COLS; c++)
        x[c] = (float) (c % 17) / 16.0f - 0.375f;

    /* Quantize the vector once ... */
    check(qk256_quantize_i8(xq, &sx, x, COLS), "qk256_quantize_i8");
    printf("activation scale %g\n", sx);

    /* ... and use it for every matrix; fold in the weight scale. */
    for (size_t m = 0; m < 2; m++) {
        check(qk256_gemv_i8(y, w[m][0], stride, xq, sx * wscale[m],
                            ROWS, COLS), "qk256_gemv_i8");
        check(qk256_gemv(yf, w[m][0], stride, x, ROWS, COLS),
              "qk256_gemv");
        for (size_t r = 0; r < ROWS; r++)
            printf("matrix %zu row %zu: int8 %9.5f  float %9.5f\n",
                   m, r, y[r], yf[r] * wscale[m]);
    }

    exit(EXIT_SUCCESS);
}
