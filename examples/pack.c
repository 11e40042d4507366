#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qk256.h>

#define N  260      /* one whole block and four codes of a second one */

int
main(void)
{
    int      rc;
    size_t   nbytes;
    uint8_t  codes[N], back[N];
    uint8_t  *packed;

    for (size_t i = 0; i < N; i++)
        codes[i] = (uint8_t) ((i + 1) % 4);     /* 1, 2, 3, 0, 1, ... */

    nbytes = qk256_row_bytes(N);
    packed = malloc(nbytes);
    if (packed == NULL) {
        perror("malloc");
        exit(EXIT_FAILURE);
    }

    rc = qk256_pack(packed, codes, N);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_pack: %s\n", qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }
    printf("%d codes packed into %zu bytes\n", N, nbytes);
    printf("byte 0 = 0x%02x, byte 64 = 0x%02x, byte 65 = 0x%02x\n",
           packed[0], packed[64], packed[65]);

    rc = qk256_unpack(back, packed, N);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_unpack: %s\n", qk256_strerror(rc));
        exit(EXIT_FAILURE);
    }
    printf("unpacked codes %s\n",
           memcmp(codes, back, N) == 0 ? "match" : "DIFFER");

    /* A code above 3 is refused, and the output is left as it was. */
    codes[7] = 4;
    rc = qk256_pack(packed, codes, N);
    printf("with a code 4: \"%s\", byte 0 still 0x%02x\n",
           qk256_strerror(rc), packed[0]);

    free(packed);
    exit(EXIT_SUCCESS);
}
