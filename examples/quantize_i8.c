#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <qk256.h>

#define N  8

int
main(void)
{
    int     rc;
    float   scale;
    int8_t  xq[N];
    float   x[N] = { 1.984375f, -1.0f, 0.1f, -0.3f,
                     0.0078125f, 0.0234375f, 0.0390625f, -0.0f };

    rc = qk256_quantize_i8(xq, &scale, x, N);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_quantize_i8: %s\n", qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }

    printf("scale = %g\n", scale);
    for (size_t i = 0; i < N; i++)
        printf("%10.7f -> %4d -> %10.7f\n", x[i], xq[i], xq[i] * scale);

    /* A non-finite value is refused before anything is written. */
    x[2] = INFINITY;
    rc = qk256_quantize_i8(xq, &scale, x, N);
    printf("with an infinity: %s\n", qk256_strerror(rc));

    exit(EXIT_SUCCESS);
}
