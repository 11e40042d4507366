#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <qk256.h>

#define N  260      /* one whole block and four codes of a second one */

int
main(void)
{
    int          rc;
    float        out[N];
    uint8_t      codes[N], packed[2 * QK256_BLOCK_BYTES];
    const float  scales[2] = { 0.5f, 3.0f };    /* one per block */

    for (size_t i = 0; i < N; i++)
        codes[i] = (uint8_t) (i % 4);           /* 0, 1, 2, 3, 0, ... */
    rc = qk256_pack(packed, codes, N);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_pack: %s\n", qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }

    rc = qk256_dequantize(out, packed, NULL, N);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_dequantize: %s\n", qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }
    printf("no scales:    %g %g %g %g ... %g %g %g %g\n",
           out[0], out[1], out[2], out[3],
           out[256], out[257], out[258], out[259]);

    rc = qk256_dequantize(out, packed, scales, N);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_dequantize: %s\n", qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }
    printf("scales 0.5 3: %g %g %g %g ... %g %g %g %g\n",
           out[0], out[1], out[2], out[3],
           out[256], out[257], out[258], out[259]);

    exit(EXIT_SUCCESS);
}
