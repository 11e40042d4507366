#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qk256.h>

#define ROWS  3
#define COLS  300
#define N     3     /* tokens in the prompt */
#define LDX   320   /* bytes from one token's int8 input to the next */
#define LDY   4     /* floats from one token's output to the next */

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
    float    x[COLS], sx, scales[N], y[N * LDY], yv[ROWS];
    float    wscale = 0.5f;     /* the weight scale of the matrix */
    int8_t   xq[N * LDX];
    uint8_t  codes[COLS];
    uint8_t  w[ROWS][(COLS + 255) / 256 * QK256_BLOCK_BYTES];
    size_t   stride = sizeof(w[0]), parts[] = { 0, 2, N };

    for (size_t r = 0; r < ROWS; r++) {
        for (size_t c = 0; c < COLS; c++)
            codes[c] = (uint8_t) ((r * 7 + c * c) % 4);
        check(qk256_pack(w[r], codes, COLS), "qk256_pack");
    }

    /* Quantize each token's activations, with a scale of its own,
       into the first COLS bytes at xq + j * LDX. */
    for (size_t j = 0; j < N; j++) {
        for (size_t c = 0; c < COLS; c++)
            x[c] = (float) (j + 1)
                   * ((float) ((c + 5 * j) % 17) / 16.0f - 0.375f);
        check(qk256_quantize_i8(xq + j * LDX, &sx, x, COLS),
              "qk256_quantize_i8");
        scales[j] = sx * wscale;
    }

    /* Tokens 0 and 1 in one call, token 2 in another, as two
       threads would split the prompt. */
    for (size_t p = 0; p + 1 < sizeof(parts) / sizeof(parts[0]); p++) {
        size_t j0 = parts[p], j1 = parts[p + 1];

        check(qk256_gemm_i8(y + j0 * LDY, LDY, w[0], stride,
                            xq + j0 * LDX, LDX, scales + j0, ROWS, COLS,
                            j1 - j0), "qk256_gemm_i8");
    }

    /* Each result is qk256_gemv_i8 of its token, bit for bit. */
    for (size_t j = 0; j < N; j++) {
        check(qk256_gemv_i8(yv, w[0], stride, xq + j * LDX, scales[j],
                            ROWS, COLS), "qk256_gemv_i8");
        printf("token %zu: %9.5f %9.5f %9.5f  %s qk256_gemv_i8\n", j,
               y[j * LDY], y[j * LDY + 1], y[j * LDY + 2],
               memcmp(y + j * LDY, yv, sizeof(yv)) == 0
                   ? "same as" : "DIFFERS from");
    }

    exit(EXIT_SUCCESS);
}
