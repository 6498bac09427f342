/*
 * MC_VECTOR_CLONES marks the element-wise kernels of the training step. With
 * GCC on x86-64 (ELF), each is compiled for x86-64-v4 (AVX-512), v3 (AVX2)
 * and the baseline (SSE2), and the loader picks the widest the CPU has
 * (function multiversioning), so the library needs no -march and still uses
 * the vector units of the machine it runs on.
 *
 * The choice changes speed, never values: the kernels use IEEE operations
 * only, floating-point contraction into FMA is off for src/nn
 * (CMakeLists.txt), and every reduction's order is written out in the code,
 * so each level computes the same bits.
 */
#ifndef MC_NN_VECTORIZE_H
#define MC_NN_VECTORIZE_H

/* Not under ThreadSanitizer: the loader runs the clones' resolvers before
   TSan's runtime is up, and the instrumented resolvers crash the program. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && \
    !defined(__SANITIZE_THREAD__)
#define MC_VECTOR_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MC_VECTOR_CLONES
#endif

#endif /* MC_NN_VECTORIZE_H */
