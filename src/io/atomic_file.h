/* Output files written whole or not at all.

   A regular file (or a path that does not exist yet) is written to a new
   temporary beside it, named "<path>.tmp.<pid>.<6 letters or digits>" and
   created with O_CREAT | O_EXCL | O_NOFOLLOW (so nothing planted at that
   name can redirect the write), with the permissions of the file it
   replaces; then flushed, synced, renamed over the path, and the directory
   synced: a reader, or a crash at any point, sees the old file or the whole
   new one, never a mix.

   A symbolic link to a regular file is followed: the file it points to is
   replaced as above and the link stays a link. A link to nothing is refused.

   Anything else that exists (a character device such as /dev/null, a FIFO, a
   socket, a link to one) is written through, in place: it cannot be
   replaced, and replacing it would turn a device into a regular file.
   /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N are written
   through a copy of that descriptor, never reopened (a file opened with >>
   keeps appending). A directory is refused.

   The writer holds an flock on its temporary until the rename. Opening
   removes temporaries of the same target that no process holds (left by a
   writer that was killed): regular files we own, named exactly as above,
   that flock(LOCK_EX | LOCK_NB) can lock. */
#ifndef MC_IO_ATOMIC_FILE_H
#define MC_IO_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "maskcast/status.h"

typedef struct mc_atomic_file {
    FILE *f;      /* where to write, NULL when closed */
    char *tmp;    /* the temporary's path; NULL when writing through */
    char *target; /* the path renamed over (a link's target resolved) */
} mc_atomic_file;

/* Opens `path` for writing as described above. On failure (MC_ERR_IO, with
   the path and the reason; MC_ERR_ARGUMENT for an empty path; MC_ERR_NOMEM)
   nothing is left behind and `a` needs no abort. */
mc_status mc_atomic_open(mc_atomic_file *a, const char *path, mc_error *err);

/* Writes `n` bytes of `data` (MC_ERR_IO naming `name` on failure; then
   abort). */
mc_status mc_atomic_write(mc_atomic_file *a, const void *data, size_t n, const char *name,
                          mc_error *err);

/* Flushes, syncs and closes, then renames the temporary over the target.
   On failure the temporary is removed and the target keeps its old contents;
   `name` is the path the user gave, for messages. Either way `a` is closed. */
mc_status mc_atomic_commit(mc_atomic_file *a, const char *name, mc_error *err);

/* Closes and removes the temporary; the target is untouched. NULL-safe and
   safe on a closed file. */
void mc_atomic_abort(mc_atomic_file *a);

/* Open, write `n` bytes of `data`, commit: a whole file in one call. */
mc_status mc_atomic_save(const char *path, const void *data, size_t n, mc_error *err);

/* Test seam: called at each step of a save ("open", "write", "sync",
   "rename", then "renamed" after it, whose return is ignored) with the temporary's path. The library's own definition is weak
   and returns 0; a fault test defines a strong one that kills the process
   there, or returns an errno value that the step then fails with. */
int mc_atomic_fault_point(const char *step, const char *tmp);

#endif /* MC_IO_ATOMIC_FILE_H */
