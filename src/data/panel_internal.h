/* The panel's layout, shared by the files of src/data that build and change it. */
#ifndef MC_DATA_PANEL_INTERNAL_H
#define MC_DATA_PANEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "maskcast/panel.h"

struct mc_panel {
    size_t n;              /* series */
    size_t capacity;       /* entries names and frames can hold */
    char **names;          /* (capacity) */
    mc_frame **frames;     /* (capacity) */
    size_t *slots;         /* (n_slots) name index: series index + 1, 0 for an empty slot */
    size_t n_slots;        /* a power of two, at least twice n */
    size_t n_static;
    char **static_names;   /* (n_static) */
    double *static_values; /* (n_static)(n): attribute j of series i at [j * n + i] */
};

/* An empty panel, or NULL when out of memory. */
mc_panel *mc_panel_alloc(void);

/* Index of the series named by the `len` bytes at `name`, or SIZE_MAX. */
size_t mc_panel_lookup(const mc_panel *p, const char *name, size_t len);

/* Appends a series named by `len` bytes at `name` (copied; not yet in the
   panel) with `frame`, which the panel then owns; false when out of memory,
   and the caller keeps the frame. */
bool mc_panel_append(mc_panel *p, const char *name, size_t len, mc_frame *frame);

/* A malloc'd copy of `s`, or NULL when out of memory. */
char *mc_panel_copy_text(const char *s);

#endif /* MC_DATA_PANEL_INTERNAL_H */
