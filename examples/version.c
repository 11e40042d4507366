#include <stdio.h>
#include <stdlib.h>

#include <qk256.h>

int
main(void)
{
    printf("libqk256 %s, %s variant\n",
           qk256_version(), qk256_implementation());

    for (int status = QK256_E_RANGE; status <= 1; status++)
        printf("%3d  %s\n", status, qk256_strerror(status));

    exit(EXIT_SUCCESS);
}
