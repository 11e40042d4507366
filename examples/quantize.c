#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <qk256.h>

#define N  300      /* two blocks, the second one partial */

int
main(void)
{
    int      rc;
    float    src[N], back[N], scales[(N + 255) / 256];
    uint8_t  packed[(N + 255) / 256 * QK256_BLOCK_BYTES];

    for (size_t i = 0; i < N; i++)
        src[i] = (float) ((int) (i * 37 % 101) - 50) / 8.0f;

    rc = qk256_quantize(packed, scales, src, N);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_quantize: %s\n", qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }
    rc = qk256_dequantize(back, packed, scales, N);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_dequantize: %s\n", qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }

    printf("scales: %g %g\n", scales[0], scales[1]);
    for (size_t i = 0; i < 6; i++)
        printf("%8.4f -> %g\n", src[i], back[i]);

    /* Non-finite input is refused before anything is written. */
    src[3] = NAN;
    rc = qk256_quantize(packed, scales, src, N);
    printf("with a NaN: %s\n", qk256_strerror(rc));

    exit(EXIT_SUCCESS);
}
