#include <stdio.h>
#include <qk256.h>

int main(void)
{
    uint8_t codes[300], w[2 * 128];   /* 2 rows of 300 weights: 128 bytes each */
    float x[300], y[2];

    for (int i = 0; i < 300; i++) {
        codes[i] = (uint8_t)(i % 4);          /* weights -2 -1 +1 +2 ... */
        x[i] = 0.25f * (float)i;
    }
    if (qk256_pack(w, codes, 300) != QK256_OK)
        return 1;
    for (int i = 0; i < 300; i++)
        codes[i] = (uint8_t)(3 - codes[i]);   /* the same weights negated */
    if (qk256_pack(w + 128, codes, 300) != QK256_OK)
        return 1;

    int rc = qk256_gemv(y, w, qk256_row_bytes(300), x, 2, 300);
    if (rc != QK256_OK) {
        fprintf(stderr, "qk256_gemv: %s\n", qk256_strerror(rc));
        return 1;
    }
    printf("%s: y = %g %g\n", qk256_implementation(), y[0], y[1]);
    return 0;
}
