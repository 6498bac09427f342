/* Overflow-checked size arithmetic for allocations, and a string's copy. */
#ifndef MC_COMMON_CHECKED_H
#define MC_COMMON_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* Stores a*b in *out; false when it overflows size_t. */
static inline bool mc_size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* Stores a+b in *out; false when it overflows size_t. */
static inline bool mc_size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* realloc of n elements of `size` bytes; NULL on overflow or failure (p kept). */
static inline void *mc_realloc_array(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (!mc_size_mul(n, size, &bytes))
        return NULL;
    return realloc(p, bytes == 0 ? 1 : bytes);
}

/* A malloc'ed copy of the string s; NULL when out of memory. */
static inline char *mc_string_copy(const char *s)
{
    const size_t n = __builtin_strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL)
        __builtin_memcpy(p, s, n);
    return p;
}

#endif /* MC_COMMON_CHECKED_H */
