#include "nn/parallel.h"

#include <cblas.h>

/* OpenBLAS's thread count when it runs on OpenMP and maskcast was built
   with OpenMP, at most MC_PARALLEL_MAX_PARTS; else 1. */
static size_t team_size(void)
{
#ifdef _OPENMP
    /* openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP. */
    if (openblas_get_parallel() == 2) {
        const int n = openblas_get_num_threads();
        if (n > 1)
            return n < MC_PARALLEL_MAX_PARTS ? (size_t)n : MC_PARALLEL_MAX_PARTS;
    }
#endif
    return 1;
}

size_t mc_parallel_parts(size_t values)
{
    return values < MC_PARALLEL_MIN_VALUES ? 1 : team_size();
}

size_t mc_parallel_slices(size_t batch)
{
    const size_t n = team_size(), most = batch / MC_PARALLEL_MIN_SLICE;
    return n < most ? n : most > 0 ? most : 1;
}

size_t mc_parallel_parts_for(size_t forced, size_t values)
{
    if (forced == 0)
        return mc_parallel_parts(values);
    return forced < MC_PARALLEL_MAX_PARTS ? forced : MC_PARALLEL_MAX_PARTS;
}

void mc_parallel_run(size_t parts, mc_part_fn fn, void *ctx)
{
    if (parts <= 1) {
        fn(ctx, 0, 1);
        return;
    }
#ifdef _OPENMP
    const int n = (int)parts;
#pragma omp parallel for num_threads(n) schedule(static, 1)
    for (int p = 0; p < n; p++)
        fn(ctx, (size_t)p, parts);
#else
    for (size_t p = 0; p < parts; p++)
        fn(ctx, p, parts);
#endif
}
