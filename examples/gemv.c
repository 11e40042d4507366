#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <qk256.h>

#define ROWS  3
#define COLS  300

static const float  weight[4] = { -2.0f, -1.0f, 1.0f, 2.0f };

static uint8_t
code_of(size_t r, size_t c)     /* the matrix of this example */
{
    return (uint8_t) ((r * 7 + c * c) % 4);
}

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
    float    x[COLS], y[ROWS];
    size_t   stride, bands[] = { 0, 1, ROWS };
    uint8_t  codes[COLS];
    uint8_t  *w;

    /* Round the stride up to 256 bytes, just to show one. */
    stride = (qk256_row_bytes(COLS) + 255) / 256 * 256;
    w = malloc((ROWS - 1) * stride + qk256_row_bytes(COLS));
    if (w == NULL) {
        perror("malloc");
        exit(EXIT_FAILURE);
    }

    /* Each row is packed on its own, at the start of its stride. */
    for (size_t r = 0; r < ROWS; r++) {
        for (size_t c = 0; c < COLS; c++)
            codes[c] = code_of(r, c);
        check(qk256_pack(w + r * stride, codes, COLS), "qk256_pack");
    }
    for (size_t c = 0; c < COLS; c++)
        x[c] = (float) (c % 17) / 16.0f - 0.375f;

    /* y = W x in two bands of rows, as two threads would split it. */
    for (size_t b = 0; b + 1 < sizeof(bands) / sizeof(bands[0]); b++) {
        size_t r0 = bands[b], r1 = bands[b + 1];

        check(qk256_gemv(y + r0, w + r0 * stride, stride, x,
                         r1 - r0, COLS), "qk256_gemv");
    }

    /* Hold each row to the documented bound. */
    for (size_t r = 0; r < ROWS; r++) {
        double exact = 0.0, mag = 0.0, err;

        for (size_t c = 0; c < COLS; c++) {
            double p = (double) weight[code_of(r, c)] * x[c];

            exact += p;
            mag += p < 0 ? -p : p;
        }
        err = y[r] > exact ? y[r] - exact : exact - y[r];
        printf("y[%zu] = %9.4f (exact %9.4f) %s\n", r, y[r], exact,
               err <= 1e-4 * (mag > 1.0 ? mag : 1.0) ? "ok" : "OFF");
    }

    free(w);
    exit(EXIT_SUCCESS);
}
