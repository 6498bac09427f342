/*
 * The network's passes on the threads OpenBLAS uses, when it is its OpenMP
 * build: then one OpenMP thread team serves both. Two levels:
 *
 *   - batch slices: mc_net_forward (training, validation, forecasts) and
 *     mc_net_backward (with gradient blocks reserved) split a batch into
 *     one slice per thread, each slice's whole pass (sgemm, which OpenBLAS
 *     runs single-threaded inside the team, and the element-wise passes) on
 *     its own thread; parameter gradients are summed over the slices, in
 *     slice order (docs/BENCHMARKS.md, "Batch slices");
 *   - parts: an element-wise pass left whole by the slicing (a batch too
 *     small to slice, the optimiser, the sum of the slices' gradients)
 *     split by disjoint outputs (rows, horizons, element ranges), never by
 *     partial sums, so its results are bit-identical for any number of
 *     parts.
 *
 * With the pthread build (or without OpenMP) everything stays on the calling
 * thread and sgemm uses OpenBLAS's own threads: two thread pools spinning
 * against each other on the same cores slow sgemm down (docs/BENCHMARKS.md,
 * "Threads").
 */
#ifndef MC_NN_PARALLEL_H
#define MC_NN_PARALLEL_H

#include <stddef.h>

/* The most parts a pass is split into (workspaces keep one scratch row per
   part). */
#define MC_PARALLEL_MAX_PARTS 16

/* Below this many values a pass is not split: waking a thread costs more
   than the pass (tens of microseconds with OMP_WAIT_POLICY=passive). */
#define MC_PARALLEL_MIN_VALUES 32768

/* How many parts a pass over `values` values is split into now: OpenBLAS's
   thread count when it runs on OpenMP, maskcast was built with OpenMP and
   the pass is large enough, else 1; at most MC_PARALLEL_MAX_PARTS. */
size_t mc_parallel_parts(size_t values);

/* The fewest samples a batch slice gets: a slice's passes must outweigh
   waking its thread, and its products stay large enough for sgemm. */
#define MC_PARALLEL_MIN_SLICE 32

/* How many slices a batch of `batch` samples is split into now, each slice's
   forward and backward (sgemm and all) on a thread of its own: OpenBLAS's
   thread count when it runs on OpenMP and maskcast was built with OpenMP,
   at most batch / MC_PARALLEL_MIN_SLICE and MC_PARALLEL_MAX_PARTS; else 1. */
size_t mc_parallel_slices(size_t batch);

/* `forced` parts when it is not 0 (a test's choice, at most
   MC_PARALLEL_MAX_PARTS), else mc_parallel_parts(values). */
size_t mc_parallel_parts_for(size_t forced, size_t values);

/* fn(ctx, part, parts) for part = 0 .. parts-1, in parallel when parts > 1.
   Returns when every part has returned. */
typedef void (*mc_part_fn)(void *ctx, size_t part, size_t parts);
void mc_parallel_run(size_t parts, mc_part_fn fn, void *ctx);

/* Part `part` of `parts` of [0, n): [*begin, *end), in order, sizes differing
   by at most one. */
static inline void mc_part_range(size_t n, size_t part, size_t parts, size_t *begin, size_t *end)
{
    *begin = n / parts * part + (part < n % parts ? part : n % parts);
    *end = *begin + n / parts + (part < n % parts ? 1 : 0);
}

#endif /* MC_NN_PARALLEL_H */
