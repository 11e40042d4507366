/* bench/main.c -- qk256-bench: measure libqk256 on this machine
 * SPDX-License-Identifier: MIT
 *
 * One row per operation and implementation: the plain scalar reference
 * (bench/reference.c) and every variant of the library that this CPU can
 * run, each called through the public API.  The bound variant runs in this
 * process; on x86 every other variant runs in a copy of this program
 * started with the GLIBC_TUNABLES mask that makes the loader bind it (SPEC
 * section 5), which reports its figures back through a pipe.  So each row
 * is what a program that links the library would get on a CPU with that
 * variant.  On arm64 nothing makes the loader bind another variant than
 * the best one the CPU has, so only that one runs, and the output says
 * how to measure the others (under qemu-user, one run per QEMU_CPU).
 *
 * A run, as main() goes: the command line gives the jobs (options.c; the
 * model's passes, model.c); the compute peaks are measured (roofs.c);
 * the reference and the bound variant run here, job by job, their
 * samples interleaved (timing.c); each other variant runs in a child or
 * through the impl list (variants.c); the peaks are measured again; and
 * the rows print as a table or as JSON (report.c).  bench.h holds what
 * the files share, bench/reference.c the reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void
die(const char *fmt, const char *arg)
{
    fprintf(stderr, "qk256-bench: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        die("out of memory%s", "");
    return p;
}

int
main(int argc, char **argv)
{
    struct options o;
    struct job *jobs;
    size_t njobs;
    int status = parse_args(argc, argv, &o, &jobs, &njobs);

    if (status >= 0)
        return status;

    if (o.child) {
        int rc = run_child_jobs(&o, jobs, njobs);

        free(jobs);
        return rc;
    }

    /* The columns: the reference, then the variants in impl-list order. */
    struct report rp = { &o, jobs, njobs, 1, { "reference" }, { NULL }, 0, { NULL }, 0,
                         NULL, { NULL }, 0, { QK256_ISA_SCALAR }, NULL, 0, NULL };
    size_t bound = 0;
    int all_ok = 1;

    library_api.name = qk256_implementation();
    for (size_t i = 0; i < qk256_nimpls && rp.nimpls < MAX_IMPLS; i++) {
        if (!qk256_isa_usable(qk256_impls[i].isa) ||
            (strcmp(qk256_impls[i].name, library_api.name) != 0 &&
             !in_list(o.only, qk256_impls[i].name)))
            continue;
        if (strcmp(qk256_impls[i].name, library_api.name) == 0)
            bound = rp.nimpls;
        rp.isa[rp.nimpls] = qk256_impls[i].isa;
        rp.impls[rp.nimpls++] = qk256_impls[i].name;
    }
    rp.st = xmalloc(njobs * rp.nimpls * sizeof *rp.st);
    memset(rp.st, 0, njobs * rp.nimpls * sizeof *rp.st);

    /* The roofs, once: the compute peaks of the variants that run, here
     * and now; the read roofs with the rows below. */
    struct roofs roofs;
    double *read_ns = xmalloc(njobs * sizeof *read_ns);

    memset(&roofs, 0, sizeof roofs);
    roofs.threads = o.threads;
    choose_read();
    measure_peaks(&roofs, &o, rp.impls + 1, rp.nimpls - 1);
    rp.roofs = &roofs;
    rp.read_ns = read_ns;
    rp.model_roof = njobs;

    /* The reference and the bound variant here, job by job, each with its
     * read roof, except that the model's passes share one: that of the
     * int8 one-token pass, which comes nearest to it, so that its ratio
     * is the one taken from alternate samples ... */
    struct data d;

    for (size_t jx = 0; jx < njobs; jx++) {
        struct stats st[2];
        enum op op = jobs[jx].op;
        double *rd = has_read_roof(op) &&
                     (!is_model(op) || op == OP_MODEL_I8) ? &read_ns[jx] : NULL;

        read_ns[jx] = 0.0;
        if (op == OP_MODEL_I8)
            rp.model_roof = jx;
        run_job(&o, &jobs[jx], jx ? &jobs[jx - 1] : NULL, &library_api, &d, st,
                rd);
        rp.st[jx * rp.nimpls] = st[0];
        rp.st[jx * rp.nimpls + bound] = st[1];
    }
    for (size_t jx = 0; jx < njobs; jx++)
        if (is_model(jobs[jx].op) && rp.model_roof < njobs)
            read_ns[jx] = read_ns[rp.model_roof];
    if (njobs)
        data_free(&d);
    /* ... and each other variant in a child, where a mask selects it. */
    for (size_t ix = 1; ix < rp.nimpls; ix++) {
        if (ix == bound)
            continue;
        if (variant_cpu_only(rp.impls[ix])) {
            rp.cpu_only[rp.ncpu_only++] = rp.impls[ix];
            continue;
        }
        fflush(stdout);
        if (run_child(argv, rp.impls[ix], &o, njobs, rp.st + ix, rp.nimpls) == 0)
            continue;
        /* No mask gave it: through the impl list, if the CPU runs it. */
        for (size_t k = 0; k < qk256_nimpls; k++)
            if (strcmp(qk256_impls[k].name, rp.impls[ix]) == 0 &&
                qk256_isa_usable(qk256_impls[k].isa)) {
                run_impl_jobs(&o, jobs, njobs, k, rp.st + ix, rp.nimpls);
                rp.via_list[rp.nvia_list++] = rp.impls[ix];
            }
        if (!rp.st[ix].valid && njobs)
            rp.missing[rp.nmissing++] = rp.impls[ix];
    }
    measure_peaks(&roofs, &o, rp.impls + 1, rp.nimpls - 1);
    progress_done();

    for (size_t k = 0; k < njobs * rp.nimpls; k++)
        if (rp.st[k].valid && !rp.st[k].ok)
            all_ok = 0;
    if (o.json)
        print_json(&rp);
    else
        print_table(&rp);

    free(read_ns);
    free(rp.st);
    free(jobs);
    return all_ok ? 0 : 1;
}
