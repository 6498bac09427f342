/*
 * The allocator wrappers of test_alloc_fail (alloc_wrap.h).
 *
 * test_alloc_fail is linked with ld's --wrap (tests/CMakeLists.txt), which
 * redirects every call that maskcast's own objects (the static library) and
 * the test make to:
 *   - malloc, calloc, realloc, strdup, free;
 *   - newlocale and freelocale (the CSV reader's C locale);
 *   - the GSL allocators maskcast calls (gsl_rng, gsl_interp, gsl_matrix,
 *     gsl_vector, gsl_eigen_symmv workspaces) and their frees: a refused one
 *     returns NULL, as GSL does with its error handler off;
 *   - csv_init, so that every libcsv parser grows its field buffer through
 *     csv_set_realloc_func with the counting realloc;
 * and cJSON_InitHooks routes all of cJSON's allocations through them too.
 * Not injected, since --wrap rewrites only the objects being linked: what the
 * shared libraries allocate otherwise (OpenBLAS's buffer pool, which it fills
 * at its first products and cannot report failing to; libgomp's threads in
 * the OpenMP build) and what glibc allocates inside its own calls (fopen's
 * buffer for the holidays file, qsort's scratch, which it can do without).
 */
#include "alloc_wrap.h"

#include <cjson/cJSON.h>
#include <csv.h>
#include <errno.h>
#include <execinfo.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_interp.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
locale_t __real_newlocale(int mask, const char *name, locale_t base);
void __real_freelocale(locale_t loc);
int __real_csv_init(struct csv_parser *p, unsigned char options);
gsl_rng *__real_gsl_rng_alloc(const gsl_rng_type *type);
void __real_gsl_rng_free(gsl_rng *r);
gsl_interp *__real_gsl_interp_alloc(const gsl_interp_type *type, size_t n);
void __real_gsl_interp_free(gsl_interp *interp);
gsl_matrix *__real_gsl_matrix_alloc(size_t rows, size_t cols);
void __real_gsl_matrix_free(gsl_matrix *m);
gsl_vector *__real_gsl_vector_alloc(size_t n);
void __real_gsl_vector_free(gsl_vector *v);
gsl_eigen_symmv_workspace *__real_gsl_eigen_symmv_alloc(size_t n);
void __real_gsl_eigen_symmv_free(gsl_eigen_symmv_workspace *w);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);
locale_t __wrap_newlocale(int mask, const char *name, locale_t base);
void __wrap_freelocale(locale_t loc);
int __wrap_csv_init(struct csv_parser *p, unsigned char options);
gsl_rng *__wrap_gsl_rng_alloc(const gsl_rng_type *type);
void __wrap_gsl_rng_free(gsl_rng *r);
gsl_interp *__wrap_gsl_interp_alloc(const gsl_interp_type *type, size_t n);
void __wrap_gsl_interp_free(gsl_interp *interp);
gsl_matrix *__wrap_gsl_matrix_alloc(size_t rows, size_t cols);
void __wrap_gsl_matrix_free(gsl_matrix *m);
gsl_vector *__wrap_gsl_vector_alloc(size_t n);
void __wrap_gsl_vector_free(gsl_vector *v);
gsl_eigen_symmv_workspace *__wrap_gsl_eigen_symmv_alloc(size_t n);
void __wrap_gsl_eigen_symmv_free(gsl_eigen_symmv_workspace *w);

/* Live blocks in an open-addressing set (linear probing, deletion by
   backward shift), so that frees of blocks a shared library allocated pass
   through uncounted. */
enum { TABLE_BITS = 16, TABLE_SIZE = 1 << TABLE_BITS };

static struct {
    pthread_mutex_t lock;
    size_t count;     /* allocations asked for since injection was armed */
    size_t fail_at;   /* 1-based: the allocation to refuse; 0 = none */
    bool sticky;      /* refuse every allocation from fail_at on */
    bool armed;
    bool trace;       /* print where each refused allocation was asked for */
    size_t live;
    const void *table[TABLE_SIZE];
} A = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - TABLE_BITS));
}

/* Called with the lock held. */
static void track(const void *p)
{
    if (p == NULL)
        return;
    if (A.live >= TABLE_SIZE * 3 / 4) {
        fprintf(stderr, "test_alloc_fail: too many live blocks to track\n");
        abort();
    }
    size_t i = slot_of(p);
    while (A.table[i] != NULL)
        i = (i + 1) & (TABLE_SIZE - 1);
    A.table[i] = p;
    A.live++;
}

/* Called with the lock held; false when p is not tracked. */
static bool untrack(const void *p)
{
    if (p == NULL)
        return false;
    size_t i = slot_of(p);
    while (A.table[i] != p) {
        if (A.table[i] == NULL)
            return false;
        i = (i + 1) & (TABLE_SIZE - 1);
    }
    A.table[i] = NULL;
    A.live--;
    /* Moves later entries of the run up into the hole where they belong. */
    for (size_t j = (i + 1) & (TABLE_SIZE - 1); A.table[j] != NULL; j = (j + 1) & (TABLE_SIZE - 1)) {
        const size_t home = slot_of(A.table[j]);
        const bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            A.table[i] = A.table[j];
            A.table[j] = NULL;
            i = j;
        }
    }
    return true;
}

/* Called with the lock held: whether this allocation is refused. */
static bool refuse(void)
{
    if (!A.armed)
        return false;
    A.count++;
    const bool no = A.fail_at != 0 && (A.count == A.fail_at || (A.sticky && A.count > A.fail_at));
    if (no && A.trace && A.count == A.fail_at) {
        void *frames[32];
        fprintf(stderr, "refused allocation %zu:\n", A.count);
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
    }
    return no;
}

static bool refuse_locked(void)
{
    pthread_mutex_lock(&A.lock);
    const bool no = refuse();
    pthread_mutex_unlock(&A.lock);
    return no;
}

static void track_locked(const void *p)
{
    pthread_mutex_lock(&A.lock);
    track(p);
    pthread_mutex_unlock(&A.lock);
}

static void untrack_locked(const void *p)
{
    pthread_mutex_lock(&A.lock);
    untrack(p);
    pthread_mutex_unlock(&A.lock);
}

void *__wrap_malloc(size_t size)
{
    if (refuse_locked()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __real_malloc(size);
    track_locked(p);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (refuse_locked()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __real_calloc(n, size);
    track_locked(p);
    return p;
}

void *__wrap_realloc(void *p, size_t size)
{
    if (refuse_locked()) {
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_lock(&A.lock);
    const bool ours = p == NULL || untrack(p);
    pthread_mutex_unlock(&A.lock);
    void *q = __real_realloc(p, size);
    if (q == NULL && p != NULL && size != 0) {
        if (ours)
            track_locked(p); /* a real failure leaves p allocated */
    } else if (ours) {
        track_locked(q);
    }
    return q;
}

char *__wrap_strdup(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *p = __wrap_malloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

void __wrap_free(void *p)
{
    untrack_locked(p);
    __real_free(p);
}

locale_t __wrap_newlocale(int mask, const char *name, locale_t base)
{
    if (refuse_locked()) {
        errno = ENOMEM;
        return (locale_t)0;
    }
    locale_t loc = __real_newlocale(mask, name, base);
    track_locked((const void *)loc);
    return loc;
}

void __wrap_freelocale(locale_t loc)
{
    untrack_locked((const void *)loc);
    __real_freelocale(loc);
}

int __wrap_csv_init(struct csv_parser *p, unsigned char options)
{
    const int r = __real_csv_init(p, options);
    if (r == 0) {
        csv_set_realloc_func(p, __wrap_realloc);
        csv_set_free_func(p, __wrap_free);
    }
    return r;
}

/* A GSL allocator: refused, or the real one with its result tracked. */
#define WRAP_GSL_ALLOC(call)       \
    do {                           \
        if (refuse_locked())       \
            return NULL;           \
        void *made_ = (call);      \
        track_locked(made_);       \
        return made_;              \
    } while (0)

gsl_rng *__wrap_gsl_rng_alloc(const gsl_rng_type *type)
{
    WRAP_GSL_ALLOC(__real_gsl_rng_alloc(type));
}

void __wrap_gsl_rng_free(gsl_rng *r)
{
    untrack_locked(r);
    __real_gsl_rng_free(r);
}

gsl_interp *__wrap_gsl_interp_alloc(const gsl_interp_type *type, size_t n)
{
    WRAP_GSL_ALLOC(__real_gsl_interp_alloc(type, n));
}

void __wrap_gsl_interp_free(gsl_interp *interp)
{
    untrack_locked(interp);
    __real_gsl_interp_free(interp);
}

gsl_matrix *__wrap_gsl_matrix_alloc(size_t rows, size_t cols)
{
    WRAP_GSL_ALLOC(__real_gsl_matrix_alloc(rows, cols));
}

void __wrap_gsl_matrix_free(gsl_matrix *m)
{
    untrack_locked(m);
    __real_gsl_matrix_free(m);
}

gsl_vector *__wrap_gsl_vector_alloc(size_t n)
{
    WRAP_GSL_ALLOC(__real_gsl_vector_alloc(n));
}

void __wrap_gsl_vector_free(gsl_vector *v)
{
    untrack_locked(v);
    __real_gsl_vector_free(v);
}

gsl_eigen_symmv_workspace *__wrap_gsl_eigen_symmv_alloc(size_t n)
{
    WRAP_GSL_ALLOC(__real_gsl_eigen_symmv_alloc(n));
}

void __wrap_gsl_eigen_symmv_free(gsl_eigen_symmv_workspace *w)
{
    untrack_locked(w);
    __real_gsl_eigen_symmv_free(w);
}

void alloc_inject(size_t fail_at, bool sticky)
{
    pthread_mutex_lock(&A.lock);
    A.count = 0;
    A.fail_at = fail_at;
    A.sticky = sticky;
    A.armed = true;
    pthread_mutex_unlock(&A.lock);
}

size_t alloc_disarm(void)
{
    pthread_mutex_lock(&A.lock);
    A.armed = false;
    const size_t n = A.count;
    pthread_mutex_unlock(&A.lock);
    return n;
}

size_t alloc_count(void)
{
    pthread_mutex_lock(&A.lock);
    const size_t n = A.count;
    pthread_mutex_unlock(&A.lock);
    return n;
}

size_t alloc_live(void)
{
    pthread_mutex_lock(&A.lock);
    const size_t n = A.live;
    pthread_mutex_unlock(&A.lock);
    return n;
}

void alloc_setup(bool trace)
{
    A.trace = trace;
    cJSON_Hooks hooks = {__wrap_malloc, __wrap_free};
    cJSON_InitHooks(&hooks);
}
