/* Counting allocators for test_alloc_fail: every allocation that maskcast's
   objects and the test make goes through them (ld --wrap; alloc_wrap.c says
   which calls), and any one of them can be refused. Thread-safe. */
#ifndef MC_TESTS_ALLOC_WRAP_H
#define MC_TESTS_ALLOC_WRAP_H

#include <stdbool.h>
#include <stddef.h>

/* Routes cJSON's allocations through the wrappers (call it before any cJSON
   use); with `trace`, every refusal prints a backtrace to stderr. */
void alloc_setup(bool trace);

/* Starts counting allocations from 0 and refuses the fail_at-th (1-based;
   0: none), and with `sticky` every one after it too. */
void alloc_inject(size_t fail_at, bool sticky);

/* Stops counting and refusing; returns the allocations counted. */
size_t alloc_disarm(void);

/* Allocations counted since alloc_inject(). */
size_t alloc_count(void);

/* Blocks allocated through the wrappers and not yet freed. */
size_t alloc_live(void);

#endif /* MC_TESTS_ALLOC_WRAP_H */
