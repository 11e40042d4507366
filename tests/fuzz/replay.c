/* tests/fuzz/replay.c -- fuzz-replay-TARGET: a libFuzzer target run once
 * over each file of its corpus, without libFuzzer
 * SPDX-License-Identifier: MIT
 *
 * usage: fuzz-replay-TARGET FILE-OR-DIRECTORY...
 *
 * Linked with one target (tests/fuzz/fuzz_TARGET.c), this program hands it
 * every input, as `make fuzz-regress` does with libFuzzer and the
 * sanitizers, but with any compiler, on any architecture (make check runs
 * it under qemu-user for every arm64 variant), and against the library as
 * built.  A target abort()s on any difference from the reference, which
 * fails the run.
 * Environment: QK256_EXPECT_IMPL and QK256_EXPECT_FORCED (tests/expect.c).
 */
#include <config.h>

#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "expect.h"

static unsigned long ninputs;

/* Runs the target on the file at path; 0, or -1 when it cannot be read. */
static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t size = 0, cap = 0, got;

    if (!f)
        return -1;
    do {
        if (size == cap) {
            cap = cap ? 2 * cap : 4096;
            data = realloc(data, cap);
            if (!data) {
                fclose(f);
                return -1;
            }
        }
        got = fread(data + size, 1, cap - size, f);
        size += got;
    } while (got > 0);
    if (ferror(f)) {
        fclose(f);
        free(data);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    ninputs++;
    return 0;
}

/* A file, or every regular file of a directory. */
static int
replay(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return replay_file(path);

    DIR *d = opendir(path);
    struct dirent *e;
    int status = 0;

    if (!d)
        return -1;
    /* readdir() returns NULL at the end and on an error; only the
     * error sets errno. */
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *file = malloc(len);

        if (!file) {
            status = -1;
            break;
        }
        snprintf(file, len, "%s/%s", path, e->d_name);
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && replay_file(file) != 0)
            status = -1;
        free(file);
        errno = 0;
    }
    if (errno != 0)
        status = -1;
    closedir(d);
    return status;
}

int
main(int argc, char **argv)
{
    int status = expect_bound(qk256_implementation());

    if (status)
        return status;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
        return 99;
    }
    for (int i = 1; i < argc; i++)
        if (replay(argv[i]) != 0) {
            printf("FAIL: %s: cannot read %s\n", argv[0], argv[i]);
            return 1;
        }
    printf("%s: %lu inputs, variant %s: no difference\n", argv[0], ninputs,
           qk256_implementation());
    return ninputs > 0 ? 0 : 1;
}
