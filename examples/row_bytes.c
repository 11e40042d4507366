#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <qk256.h>

/* Allocate a rows x cols QK256 matrix with the smallest stride;
   return NULL if its size does not fit in a size_t or malloc fails. */
static uint8_t *
matrix_alloc(size_t rows, size_t cols, size_t *stride)
{
    *stride = qk256_row_bytes(cols);
    if (rows == 0 || *stride == 0)
        return NULL;
    if (rows > SIZE_MAX / *stride)
        return NULL;
    return malloc(rows * *stride);
}

int
main(void)
{
    size_t         stride;
    uint8_t        *w;
    const size_t   cols[] = { 1, 255, 256, 257, 2560, 6912 };

    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        printf("%5zu columns: %4zu bytes\n",
               cols[i], qk256_row_bytes(cols[i]));

    w = matrix_alloc(6912, 2560, &stride);
    if (w == NULL) {
        fprintf(stderr, "matrix_alloc failed\n");
        exit(EXIT_FAILURE);
    }
    printf("6912 x 2560 matrix: stride %zu, %zu bytes\n",
           stride, 6912 * stride);

    free(w);
    exit(EXIT_SUCCESS);
}
