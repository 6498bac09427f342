/* The OpenBLAS thread count, set only when the application asks. */
#include <cblas.h>

#include "maskcast/model.h"

void mc_set_blas_threads(int threads)
{
    openblas_set_num_threads(threads < 1 ? 1 : threads);
}

int mc_blas_threads(void)
{
    return openblas_get_num_threads();
}
