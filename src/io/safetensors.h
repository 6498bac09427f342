/*
 * safetensors reader and writer for the model file.
 *
 * Layout: an 8-byte little-endian header length N, then N bytes of UTF-8
 * JSON (padded with trailing spaces), then the data section. The JSON object
 * maps each tensor name to {"dtype": "F32", "shape": [...], "data_offsets":
 * [begin, end]} with offsets relative to the data section, and may hold a
 * "__metadata__" object of string values. maskcast reads and writes only F32
 * (little-endian on disk, converted on big-endian hosts) with 0 to 4 dims.
 *
 * The reader trusts nothing: every length, offset, shape, dtype and name is
 * checked before use, and the tensors must tile the data section exactly
 * (no overlaps, no holes), as the reference implementation requires. Every
 * refusal of the contents is MC_ERR_FORMAT with a message that names the
 * file and says what is wrong.
 *
 *     mc_st_file *f;
 *     if (mc_st_load(&f, "model.safetensors", &err) != MC_OK) ...
 *     if (mc_st_read_f32(f, "head.V", v, n_v, &err) != MC_OK) ...
 *     mc_st_free(f);
 */
#ifndef MC_IO_SAFETENSORS_H
#define MC_IO_SAFETENSORS_H

#include <stddef.h>

#include "maskcast/status.h"

/* Longest tensor name, in bytes, that the reader and writer accept. */
#define MC_ST_MAX_NAME 255
/* Largest JSON header the reader accepts (the reference implementation's limit). */
#define MC_ST_MAX_HEADER ((size_t)100000000)

typedef struct mc_st_file mc_st_file; /* a parsed, validated file held in memory */

typedef struct mc_st_tensor_info {
    const char *name;  /* owned by the mc_st_file */
    size_t ndim;       /* 0..4 */
    size_t shape[4];   /* entries past ndim are 0 */
    size_t n_elements; /* product of the shape (checked for overflow) */
    size_t begin, end; /* byte offsets in the data section */
} mc_st_tensor_info;

/*
 * Parses and validates `size` bytes of a safetensors file. The bytes are
 * copied, so the caller keeps (and may free) its buffer. `name` (NULL means
 * "safetensors data") starts every message. On success *out is a file the
 * caller frees with mc_st_free(); on failure *out is NULL, nothing is kept,
 * and the status is MC_ERR_FORMAT for bad contents, MC_ERR_NOMEM for an
 * allocation failure or MC_ERR_ARGUMENT for a NULL `out` (or NULL `data`
 * with a nonzero size).
 */
mc_status mc_st_parse(mc_st_file **out, const void *data, size_t size, const char *name,
                      mc_error *err);

/*
 * Reads the whole regular file at `path` and parses it as mc_st_parse() does,
 * with the path as the name in messages. Failing to open or read the file is
 * MC_ERR_IO; *out is NULL on any failure.
 */
mc_status mc_st_load(mc_st_file **out, const char *path, mc_error *err);

/* Frees a file and every name and metadata string it owns. NULL is a no-op. */
void mc_st_free(mc_st_file *f);

/* The number of tensors (0 for NULL). */
size_t mc_st_count(const mc_st_file *f);

/*
 * Tensor `i`, in the order of their data offsets (empty tensors at one
 * offset by name); NULL if `f` is NULL or `i` is out of range. The pointer
 * lives as long as `f`.
 */
const mc_st_tensor_info *mc_st_tensor(const mc_st_file *f, size_t i);

/* The tensor named `name`, or NULL if absent (or if either argument is NULL). */
const mc_st_tensor_info *mc_st_find(const mc_st_file *f, const char *name);

/*
 * The "__metadata__" value for `key`, or NULL if absent (or if either
 * argument is NULL). The string lives as long as `f`.
 */
const char *mc_st_metadata(const mc_st_file *f, const char *key);

/*
 * Copies tensor `name` as float32 into out[0 .. n). Fails with MC_ERR_FORMAT,
 * leaving `out` untouched, if the file has no such tensor or its element
 * count is not `n`; NULL `f` or `name`, or NULL `out` with n > 0, is
 * MC_ERR_ARGUMENT.
 */
mc_status mc_st_read_f32(const mc_st_file *f, const char *name, float *out, size_t n,
                         mc_error *err);

/* One tensor to write: `data` holds the product of the shape floats (may be
   NULL when that product is 0). The writer only reads it. */
typedef struct mc_st_entry {
    const char *name;
    size_t ndim;
    size_t shape[4];
    const float *data;
} mc_st_entry;

/* One "__metadata__" entry; both strings are copied into the file. */
typedef struct mc_st_meta {
    const char *key;
    const char *value;
} mc_st_meta;

/*
 * Serialises the tensors, in the given order, and the metadata to a malloc'd
 * buffer that the caller frees with free(); the header is padded with spaces
 * so the data section starts at a multiple of 8 bytes. The inputs are checked
 * as the reader would check them (non-empty, unique names of at most
 * MC_ST_MAX_NAME bytes of UTF-8 other than "__metadata__"; at most 4 dims;
 * no size overflow; unique metadata keys, non-NULL strings); a violation is
 * MC_ERR_ARGUMENT. On failure *out is NULL and *out_size 0.
 */
mc_status mc_st_write_buffer(void **out, size_t *out_size, const mc_st_entry *tensors,
                             size_t n_tensors, const mc_st_meta *meta, size_t n_meta,
                             mc_error *err);

/*
 * Serialises as mc_st_write_buffer() does and writes the result through
 * io/atomic_file.h: a new temporary beside `path`, synced, then renamed over
 * it (a symbolic link's target replaced; a device or FIFO written through; a
 * directory refused). On any failure (MC_ERR_IO for the file system) the
 * temporary is removed and a regular file at `path` is left as it was (a
 * device or FIFO written through may have taken part of the bytes).
 */
mc_status mc_st_write_file(const char *path, const mc_st_entry *tensors, size_t n_tensors,
                           const mc_st_meta *meta, size_t n_meta, mc_error *err);

#endif /* MC_IO_SAFETENSORS_H */
