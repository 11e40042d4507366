/* bench/variants.c -- where each variant runs: here, or in a child
 * SPDX-License-Identifier: MIT
 *
 * The bound variant runs in the parent, through the public API
 * (library_api).  On x86 each other variant runs in a copy of this
 * program that run_child starts under the GLIBC_TUNABLES mask that makes
 * the loader bind it; the copy measures it as the parent measures the
 * bound one (run_child_jobs) and reports its rows through a pipe.  A
 * variant that no mask binds on this CPU runs here, through the library's
 * impl list (run_impl_jobs).  On arm64 nothing masks the hwcaps, and the
 * report says how to measure the other variants (cpu_only_note).
 */
#define _POSIX_C_SOURCE 200809L /* fdopen, setenv */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* The bound variant; name is filled in from qk256_implementation(). */
struct api library_api = {
    NULL, qk256_pack, qk256_unpack, qk256_dequantize, qk256_gemv, qk256_quantize,
    qk256_quantize_i8, qk256_gemv_i8, qk256_gemm, qk256_gemm_i8,
};

/* How the loader is made to bind each variant on a CPU that has it (SPEC
 * section 5).  x86: the GLIBC_TUNABLES value under which a copy of this
 * program runs it.  arm64: the resolvers read the hwcaps, which nothing
 * masks, so no copy of this program can get another variant than this
 * one; under qemu-user no copy would even start (qemu 7.2 hangs in a
 * forked process, and without binfmt_misc an arm64 program cannot be
 * exec'd).  tunables is then NULL, and qemu_cpu the QEMU_CPU under which
 * qemu-user binds the variant, or NULL for scalar, which only a
 * --disable-simd build binds. */
static const struct variant_mask {
    const char *variant, *tunables, *qemu_cpu;
} variant_masks[] = {
#if QK256_ARCH_ARM
    { "i8mm", NULL, "max" },
    { "dotprod", NULL, "cortex-a76" },
    { "neon", NULL, "cortex-a53" },
    { "scalar", NULL, NULL },
#else
    { "avx512", "", NULL },
    { "avxvnni", "glibc.cpu.hwcaps=-AVX512F,-AVX512BW,-AVX512VL", NULL },
    /* On a CPU with AVX-VNNI this binds avxvnni: glibc 2.36 cannot mask
     * AVX_VNNI.  Then avx2 runs through the impl list (impl_api). */
    { "avx2", "glibc.cpu.hwcaps=-AVX512F,-AVX512BW,-AVX512VL", NULL },
    { "scalar", "glibc.cpu.hwcaps=-AVX512F,-AVX512BW,-AVX512VL,-AVX2,-FMA", NULL },
#endif
};

/* The entry of variant_masks for variant, or NULL. */
static const struct variant_mask *
variant_entry(const char *variant)
{
    for (size_t i = 0; i < sizeof variant_masks / sizeof variant_masks[0]; i++)
        if (strcmp(variant_masks[i].variant, variant) == 0)
            return &variant_masks[i];
    return NULL;
}

/* Whether this build's architecture has a variant of that name that
 * nothing but the CPU selects (arm64), so that no child is tried. */
int
variant_cpu_only(const char *variant)
{
    const struct variant_mask *v = variant_entry(variant);

    return v && !v->tunables;
}

/* A variant that no mask makes the loader bind on this CPU (avx2 where
 * the CPU has AVX-VNNI) runs in this process, its kernels called from the
 * library's impl list as the public functions (lib/qk256.c) call them:
 * after the variant's scan of the inputs where the function has one
 * (pack's codes, quantize's floats), which costs half as much as the
 * kernel for a short pack.  The other checks are a few compares of
 * sizes and pointers, and the bench's arguments always pass them. */
static const struct qk256_impl *impl_cur;

static int
impl_pack(uint8_t *dst, const uint8_t *codes, size_t n)
{
    if (!impl_cur->codes_ok(codes, n))
        return QK256_E_RANGE;
    impl_cur->pack(dst, codes, n);
    return QK256_OK;
}

static int
impl_unpack(uint8_t *codes, const uint8_t *src, size_t n)
{
    impl_cur->unpack(codes, src, n);
    return QK256_OK;
}

static int
impl_dequantize(float *dst, const uint8_t *src, const float *scales, size_t n)
{
    impl_cur->dequantize(dst, src, scales, n);
    return QK256_OK;
}

static int
impl_gemv(float *y, const uint8_t *w, size_t row_stride, const float *x,
          size_t rows, size_t cols)
{
    impl_cur->gemv(y, w, row_stride, x, rows, cols);
    return QK256_OK;
}

static int
impl_quantize(uint8_t *dst, float *scales, const float *src, size_t n)
{
    if (!impl_cur->finite(src, n))
        return QK256_E_RANGE;
    impl_cur->quantize(dst, scales, src, n);
    return QK256_OK;
}

static int
impl_quantize_i8(int8_t *xq, float *scale, const float *x, size_t n)
{
    return impl_cur->quantize_i8(xq, scale, x, n) ? QK256_OK : QK256_E_RANGE;
}

static int
impl_gemv_i8(float *y, const uint8_t *w, size_t row_stride, const int8_t *xq,
             float scale, size_t rows, size_t cols)
{
    impl_cur->gemv_i8(y, w, row_stride, xq, scale, rows, cols);
    return QK256_OK;
}

static int
impl_gemm(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
          const float *x, size_t ldx, size_t rows, size_t cols, size_t n)
{
    impl_cur->gemm(y, ldy, w, row_stride, x, ldx, rows, cols, n);
    return QK256_OK;
}

static int
impl_gemm_i8(float *y, size_t ldy, const uint8_t *w, size_t row_stride,
             const int8_t *xq, size_t ldx, const float *scales, size_t rows,
             size_t cols, size_t n)
{
    impl_cur->gemm_i8(y, ldy, w, row_stride, xq, ldx, scales, rows, cols, n);
    return QK256_OK;
}

static struct api impl_api = {
    NULL, impl_pack, impl_unpack, impl_dequantize, impl_gemv, impl_quantize,
    impl_quantize_i8, impl_gemv_i8, impl_gemm, impl_gemm_i8,
};

/* Measures variant k of the impl list here (see impl_api) into st[job *
 * stride], as a child would have. */
void
run_impl_jobs(const struct options *o, const struct job *jobs, size_t njobs,
              size_t k, struct stats *st, size_t stride)
{
    struct data d;

    impl_cur = &qk256_impls[k];
    impl_api.name = qk256_impls[k].name;
    for (size_t jx = 0; jx < njobs; jx++) {
        struct stats s[2];

        run_job(o, &jobs[jx], jx ? &jobs[jx - 1] : NULL, &impl_api, &d, s, NULL);
        st[jx * stride] = s[1];
    }
    if (njobs)
        data_free(&d);
}

/* Runs this program again as "--as-child variant" under that variant's
 * mask; reads its rows into st[job] (columns it did not report stay
 * invalid).  Returns 0, or -1 when the variant could not be run. */
int
run_child(char **argv, const char *variant, const struct options *o,
          size_t njobs, struct stats *st, size_t stride)
{
    const struct variant_mask *v = variant_entry(variant);
    const char *mask = v ? v->tunables : NULL;
    int fds[2], status;
    pid_t pid;

    if (!mask || pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        const char *old = getenv("GLIBC_TUNABLES");
        char t0[32], *tun = xmalloc((old ? strlen(old) : 0) + strlen(mask) + 2);
        char **args = xmalloc(((size_t)o->argc + 6) * sizeof *args);
        size_t k = 0;

        /* The user's other tunables stay in force.  The variant's mask
         * comes last, and glibc takes the last setting of a tunable, so
         * it replaces a glibc.cpu.hwcaps of the user's, which has already
         * kept the variants it turns off out of the run. */
        sprintf(tun, "%s%s%s", old ? old : "", old && *mask ? ":" : "", mask);
        if (setenv("GLIBC_TUNABLES", tun, 1) != 0)
            _exit(126);
        snprintf(t0, sizeof t0, "%.0f", o->t0);
        args[k++] = argv[0];
        args[k++] = "--as-child";
        args[k++] = (char *)variant;
        args[k++] = "--t0";
        args[k++] = t0;
        for (int i = 1; i < o->argc; i++)
            args[k++] = argv[i];
        args[k] = NULL;
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv("/proc/self/exe", args);
        execv(argv[0], args);
        _exit(127);
    }
    close(fds[1]);

    FILE *in = fdopen(fds[0], "r");
    size_t jx;
    struct stats s;

    if (!in)
        die("fdopen: %s", strerror(errno));
    memset(&s, 0, sizeof s);
    while (fscanf(in, "%zu %lf %lf %lf %zu %zu %d %lf %lf", &jx, &s.median,
                  &s.min, &s.max, &s.samples, &s.calls, &s.ok, &s.ref_median,
                  &s.base_median) == 9) {
        if (jx < njobs) {
            s.valid = 1;
            st[jx * stride] = s;
        }
    }
    fclose(in);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A child: runs every job with the variant that the mask bound, and prints
 * one line per job for run_child.  It measures no roofs: the parent has. */
int
run_child_jobs(const struct options *o, const struct job *jobs, size_t njobs)
{
    struct data d;

    if (strcmp(o->child, qk256_implementation()) != 0)
        return 77; /* the mask did not give this variant */
    library_api.name = o->child;
    for (size_t jx = 0; jx < njobs; jx++) {
        struct stats st[2];

        run_job(o, &jobs[jx], jx ? &jobs[jx - 1] : NULL, &library_api, &d, st,
                NULL);
        printf("%zu %.17g %.17g %.17g %zu %zu %d %.17g %.17g\n", jx,
               st[1].median, st[1].min, st[1].max, st[1].samples, st[1].calls,
               st[1].ok, st[1].ref_median, st[1].base_median);
        fflush(stdout);
    }
    if (njobs)
        data_free(&d);
    progress_done();
    return 0;
}

/* Appends s to the note at buf (size bytes, truncating). */
static void
note_add(char *buf, size_t size, const char *s)
{
    size_t len = strlen(buf);

    if (len + 1 < size)
        snprintf(buf + len, size - len, "%s", s);
}

/* Appends the n names, as "a", "a and b" or "a, b and c". */
static void
note_names(char *buf, size_t size, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        note_add(buf, size, i == 0 ? "" : i + 1 == n ? " and " : ", ");
        note_add(buf, size, names[i]);
    }
}

/* The note on the variants that no child can run (arm64), as one line. */
void
cpu_only_note(char *buf, size_t size, const struct report *rp)
{
    const size_t nv = sizeof variant_masks / sizeof variant_masks[0];
    int scalar = 0, first = 1;

    buf[0] = '\0';
    note_add(buf, size, "on arm64 the CPU alone decides the variant: the loader "
             "binds the best one that the CPU's hwcaps allow, and nothing masks "
             "them, so only ");
    note_add(buf, size, qk256_implementation());
    note_add(buf, size, " ran here, and ");
    note_names(buf, size, rp->cpu_only, rp->ncpu_only);
    note_add(buf, size, rp->ncpu_only == 1 ? " has no rows." : " have no rows.");
    note_add(buf, size, " Under qemu-user, run the bench once per QEMU_CPU: ");
    for (size_t i = nv; i-- > 0;) {
        if (!variant_masks[i].qemu_cpu)
            continue;
        note_add(buf, size, first ? "" : ", ");
        note_add(buf, size, variant_masks[i].qemu_cpu);
        note_add(buf, size, first ? " binds " : " ");
        note_add(buf, size, variant_masks[i].variant);
        first = 0;
    }
    note_add(buf, size, ".");
    for (size_t i = 0; i < rp->ncpu_only; i++) {
        const struct variant_mask *v = variant_entry(rp->cpu_only[i]);

        if (!v || !v->qemu_cpu)
            scalar = 1;
    }
    if (scalar)
        note_add(buf, size, " Only a build configured with --disable-simd binds scalar.");
}
