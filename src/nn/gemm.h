/*
 * The one dense product every layer uses, C = alpha * op(A) op(B) + beta * C
 * (row-major), behind a function pointer so that tests can run the whole
 * network on the naive loop and compare it with OpenBLAS.
 */
#ifndef MC_NN_GEMM_H
#define MC_NN_GEMM_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*mc_gemm_fn)(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                           const float *a, size_t lda, const float *b, size_t ldb, float beta,
                           float *c, size_t ldc);

/* cblas_sgemm; sizes must fit an int (checked where shapes are set). */
void mc_gemm_blas(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                  const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                  size_t ldc);

/* The same as three loops with a double accumulator: the tests' reference. */
void mc_gemm_naive(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                   const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                   size_t ldc);

#endif /* MC_NN_GEMM_H */
