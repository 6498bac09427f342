/* Lookups on a frame that the modules above src/data share, without the
   frame's internals (frame.c implements them). */
#ifndef MC_DATA_FRAME_LOOKUP_H
#define MC_DATA_FRAME_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maskcast/frame.h"

/* The column named `name` into *out; false when there is none (or f is NULL). */
bool mc_frame_find_column(const mc_frame *f, const char *name, size_t *out);

/* Row `row`'s wall-clock time as written (seconds): the instant plus its UTC
   offset. Calendar features and times of day use it. */
int64_t mc_frame_wall_time(const mc_frame *f, size_t row);

/* The UTC offset in minutes at instant t, for times past the frame's rows
   (forecasts): the time zone's when one was set, else the last row's. */
int mc_frame_offset_at(const mc_frame *f, int64_t t);

#endif /* MC_DATA_FRAME_LOOKUP_H */
