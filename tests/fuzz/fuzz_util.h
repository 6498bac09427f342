/*
 * What the libFuzzer harnesses share: an assertion that aborts (so libFuzzer
 * reports the input that broke it, whatever NDEBUG says), a cursor that
 * takes option bytes from the front of an input, and checks on frames and
 * errors that more than one harness makes. docs/FUZZING.md says what each
 * harness asserts.
 */
#ifndef MC_FUZZ_UTIL_H
#define MC_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "maskcast/maskcast.h"

/* A broken invariant: say which, then abort() for libFuzzer to record the input. */
#define FUZZ_ASSERT(cond)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* The input, consumed from the front: option bytes first, the rest is data. */
typedef struct fuzz_input {
    const uint8_t *data;
    size_t size;
} fuzz_input;

/* The next byte, or 0 once the input is used up. */
uint8_t fuzz_byte(fuzz_input *in);

/* Fails unless two errors agree in code, position and message. */
void fuzz_assert_same_error(const mc_error *a, const mc_error *b);

/* A failing call's error is "clean": its code is the status returned, and it
   has a message. */
void fuzz_assert_clean_error(mc_status st, const mc_error *e);

/* Fails unless two frames hold the same bytes: names, times, offsets, values
   (NaN patterns included), states, step, and the reports. */
void fuzz_assert_same_frame(const mc_frame *a, const mc_frame *b);

/* Fails unless the states of every column agree with its values (missing
   exactly where NaN, never an infinity) and with the column reports. */
void fuzz_assert_frame_states(const mc_frame *f);

/* Fails unless a regularised frame lies on a strictly regular grid. */
void fuzz_assert_regular(const mc_frame *f);

#endif /* MC_FUZZ_UTIL_H */
