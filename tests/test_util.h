/* Helpers shared by the cmocka tests. cmocka 1.1 needs these includes first. */
#ifndef MC_TEST_UTIL_H
#define MC_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small deterministic generator of high-entropy test inputs: set its
   state with *test_rng() = seed; one state per test program. */
static inline uint32_t *test_rng(void)
{
    static uint32_t state;
    return &state;
}

/* Uniform in [lo, hi), from test_rng's state. */
static inline float test_uniform(float lo, float hi)
{
    uint32_t *s = test_rng();
    *s = *s * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(*s >> 8) / 16777216.0f;
}

static inline void test_fill(float *p, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        p[i] = test_uniform(lo, hi);
}

/* Fails the test unless |got - want| <= atol + rtol * |want|. */
#define assert_close(got, want, atol, rtol) \
    mc_assert_close((got), (want), (atol), (rtol), #got, __FILE__, __LINE__)

static inline void mc_assert_close(double got, double want, double atol, double rtol,
                                   const char *expr, const char *file, int line)
{
    if (!(fabs(got - want) <= atol + rtol * fabs(want))) {
        print_error("%s = %.17g, expected %.17g (atol %g, rtol %g)\n", expr, got, want, atol, rtol);
        _fail(file, line);
    }
}

/* Fails the test unless `haystack` contains `needle`. */
#define assert_contains(haystack, needle) \
    mc_assert_contains((haystack), (needle), __FILE__, __LINE__)

static inline void mc_assert_contains(const char *haystack, const char *needle, const char *file,
                                      int line)
{
    if (haystack == NULL || strstr(haystack, needle) == NULL) {
        print_error("\"%s\" does not contain \"%s\"\n", haystack ? haystack : "(null)", needle);
        _fail(file, line);
    }
}

/* Fails the test if `text` holds a control byte (below 0x20, or DEL), as a
   header name with terminal escapes would put into a message. */
#define assert_printable(text) mc_assert_printable((text), __FILE__, __LINE__)

static inline void mc_assert_printable(const char *text, const char *file, int line)
{
    for (size_t i = 0; text != NULL && text[i] != '\0'; i++) {
        const unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            print_error("byte 0x%02x at offset %zu of \"%s\"\n", c, i, text);
            _fail(file, line);
        }
    }
}

/* A growing text (a CSV built row by row); free t.s when done. */
typedef struct test_text {
    char *s;
    size_t len, cap;
} test_text;

/* Appends a formatted line of at most 255 bytes. */
static inline void test_text_add(test_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[256];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    memcpy(t->s + t->len, line, (size_t)n + 1);
    t->len += (size_t)n;
}

#endif /* MC_TEST_UTIL_H */
