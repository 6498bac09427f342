#include "io/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/checked.h"
#include "common/error.h"
#include "io/atomic_file.h"
#include "io/json.h"

/* Beyond 2^53 a JSON number parsed as a double no longer holds every integer. */
#define MAX_JSON_INT 9007199254740992.0
#define METADATA_KEY "__metadata__"
#define QUOTE_SIZE 80 /* a name quoted in a message */

struct mc_st_file {
    char *name;                        /* for messages */
    unsigned char *bytes;              /* the whole file */
    const unsigned char *data;         /* the data section, inside `bytes` */
    size_t data_size;
    cJSON *root;                       /* owns the tensor names and metadata strings */
    mc_st_tensor_info *tensors;        /* sorted by data offset, then name */
    size_t n_tensors;
    const mc_st_tensor_info **by_name; /* sorted by name */
    mc_st_meta *meta;                  /* sorted by key */
    size_t n_meta;
};

/* ---- shared helpers -------------------------------------------------------- */

static bool host_little_endian(void)
{
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Copies n floats between host order and little-endian bytes (either way). */
static void copy_f32_le(void *dst, const void *src, size_t n)
{
    if (host_little_endian()) {
        memcpy(dst, src, n * 4);
        return;
    }
    const unsigned char *s = src;
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++, s += 4, d += 4) {
        d[0] = s[3];
        d[1] = s[2];
        d[2] = s[1];
        d[3] = s[0];
    }
}

/* Length of the UTF-8 sequence starting at s, or 0 if it is not valid
   (truncated, overlong, a surrogate or above U+10FFFF). */
static size_t utf8_length(const unsigned char *s, size_t avail)
{
    size_t len;
    uint32_t cp, min;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, cp = s[0] & 0x1Fu, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, cp = s[0] & 0x0Fu, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, cp = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len > avail)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        size_t len = utf8_length(p, left);
        if (len == 0)
            return false;
        p += len;
        left -= len;
    }
    return true;
}

static int cmp_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "[2, 3]" */
static void format_shape(char *out, size_t size, const size_t *shape, size_t ndim)
{
    size_t used = 0;
    for (size_t d = 0; d <= ndim && used < size; d++) {
        int n = d < ndim ? snprintf(out + used, size - used, "%s%zu", d ? ", " : "[", shape[d])
                         : snprintf(out + used, size - used, "%s]", d ? "" : "[");
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

static void quote(char out[QUOTE_SIZE], const char *s)
{
    mc_error_quote(out, QUOTE_SIZE, s, strlen(s));
}

/* An MC_ERR_FORMAT whose message starts with the file's name. */
static mc_status bad(mc_error *err, const char *file, const char *fmt, ...) MC_PRINTF(3, 4);
static mc_status bad(mc_error *err, const char *file, const char *fmt, ...)
{
    char what[MC_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return mc_error_set(err, MC_ERR_FORMAT, 0, 0, "%s: %s", file, what);
}

/* ---- reading --------------------------------------------------------------- */

/*
 * Refuses what JSON forbids but cJSON lets through: raw control bytes and
 * invalid UTF-8; and "\u0000", which cJSON would decode into a NUL that
 * silently cuts a name short.
 */
static mc_status check_header_bytes(const unsigned char *h, size_t n, const char *file,
                                    mc_error *err)
{
    bool in_string = false;
    size_t i = 0;
    while (i < n) {
        unsigned char c = h[i];
        if (c < 0x20 && (in_string || (c != '\t' && c != '\n' && c != '\r')))
            return bad(err, file, "header has a raw control byte 0x%02x at byte %zu", c, i);
        if (c >= 0x80) {
            size_t len = utf8_length(h + i, n - i);
            if (len == 0)
                return bad(err, file, "header is not valid UTF-8 at byte %zu", i);
            i += len;
            continue;
        }
        if (!in_string) {
            in_string = c == '"';
            i++;
        } else if (c == '"') {
            in_string = false;
            i++;
        } else if (c == '\\' && i + 1 < n) {
            if (h[i + 1] == 'u' && n - i >= 6 && memcmp(h + i + 2, "0000", 4) == 0)
                return bad(err, file,
                           "header escapes a NUL character (\\u0000) at byte %zu; names and "
                           "metadata may not contain NUL", i);
            i += h[i + 1] < 0x80 ? 2 : 1;
        } else {
            i++;
        }
    }
    return MC_OK;
}

typedef enum json_size_fault {
    JS_OK,
    JS_NOT_NUMBER,
    JS_NOT_INTEGER,
    JS_NEGATIVE,
    JS_TOO_LARGE
} json_size_fault;

static json_size_fault json_size(const cJSON *v, size_t *out)
{
    if (!cJSON_IsNumber(v))
        return JS_NOT_NUMBER;
    double d = v->valuedouble;
    if (d < 0)
        return JS_NEGATIVE;
    if (!(d <= MAX_JSON_INT)) /* also catches the infinity of 1e999 */
        return JS_TOO_LARGE;
    uint64_t u = (uint64_t)d;
    if ((double)u != d)
        return JS_NOT_INTEGER;
#if SIZE_MAX < UINT64_MAX
    if (u > SIZE_MAX)
        return JS_TOO_LARGE;
#endif
    *out = (size_t)u;
    return JS_OK;
}

/* Describes a json_size() fault for "<what> <description>". */
static void describe_fault(char *out, size_t size, json_size_fault fault, const cJSON *v)
{
    switch (fault) {
    case JS_NOT_NUMBER: snprintf(out, size, "is not a number"); break;
    case JS_NOT_INTEGER: snprintf(out, size, "is %.17g, not an integer", v->valuedouble); break;
    case JS_NEGATIVE: snprintf(out, size, "is negative (%.17g)", v->valuedouble); break;
    case JS_TOO_LARGE: snprintf(out, size, "is %.17g, larger than 2^53", v->valuedouble); break;
    case JS_OK: out[0] = '\0'; break;
    }
}

/* Fills `t` from the header entry `item` (its key is the name). */
static mc_status parse_tensor(const cJSON *item, mc_st_tensor_info *t, size_t data_size,
                              const char *file, mc_error *err)
{
    char q[QUOTE_SIZE], why[96], shape_text[128];
    const char *name = item->string;
    size_t name_len = strlen(name);
    quote(q, name);
    if (name_len == 0)
        return bad(err, file, "a tensor has an empty name");
    if (name_len > MC_ST_MAX_NAME)
        return bad(err, file, "tensor name \"%s\" is %zu bytes long; the limit is %d bytes", q,
                   name_len, MC_ST_MAX_NAME);
    if (!cJSON_IsObject(item))
        return bad(err, file, "tensor \"%s\": the entry is not an object", q);

    static const char *const fields[3] = {"dtype", "shape", "data_offsets"};
    const cJSON *found[3] = {NULL, NULL, NULL};
    for (const cJSON *c = item->child; c != NULL; c = c->next) {
        for (size_t k = 0; k < 3; k++) {
            if (strcmp(c->string, fields[k]) != 0)
                continue;
            if (found[k] != NULL)
                return bad(err, file, "tensor \"%s\": field \"%s\" appears twice", q, fields[k]);
            found[k] = c;
        }
    }
    for (size_t k = 0; k < 3; k++)
        if (found[k] == NULL)
            return bad(err, file, "tensor \"%s\": missing \"%s\"", q, fields[k]);

    const cJSON *dtype = found[0], *shape = found[1], *offsets = found[2];
    if (!cJSON_IsString(dtype))
        return bad(err, file, "tensor \"%s\": dtype is not a string", q);
    if (strcmp(dtype->valuestring, "F32") != 0) {
        char dq[QUOTE_SIZE];
        quote(dq, dtype->valuestring);
        return bad(err, file,
                   "tensor \"%s\": dtype \"%s\" is not supported; maskcast reads only F32", q, dq);
    }

    if (!cJSON_IsArray(shape))
        return bad(err, file, "tensor \"%s\": shape is not an array", q);
    size_t ndim = (size_t)cJSON_GetArraySize(shape);
    if (ndim > 4)
        return bad(err, file, "tensor \"%s\": shape has %zu dims; maskcast reads at most 4", q,
                   ndim);
    memset(t, 0, sizeof *t);
    t->name = name;
    t->ndim = ndim;
    size_t d = 0, n_elements = 1;
    bool overflow = false;
    for (const cJSON *c = shape->child; c != NULL; c = c->next, d++) {
        json_size_fault fault = json_size(c, &t->shape[d]);
        if (fault != JS_OK) {
            describe_fault(why, sizeof why, fault, c);
            return bad(err, file,
                       "tensor \"%s\": shape[%zu] %s; dims must be non-negative integers", q, d,
                       why);
        }
        overflow = overflow || !mc_size_mul(n_elements, t->shape[d], &n_elements);
    }
    format_shape(shape_text, sizeof shape_text, t->shape, ndim);
    size_t n_bytes;
    if (overflow)
        return bad(err, file, "tensor \"%s\": the element count of shape %s overflows", q,
                   shape_text);
    if (!mc_size_mul(n_elements, 4, &n_bytes))
        return bad(err, file, "tensor \"%s\": the byte size of shape %s (%zu elements) overflows",
                   q, shape_text, n_elements);
    t->n_elements = n_elements;

    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2)
        return bad(err, file, "tensor \"%s\": data_offsets is not an array of two integers", q);
    size_t off[2];
    d = 0;
    for (const cJSON *c = offsets->child; c != NULL; c = c->next, d++) {
        json_size_fault fault = json_size(c, &off[d]);
        if (fault != JS_OK) {
            describe_fault(why, sizeof why, fault, c);
            return bad(err, file, "tensor \"%s\": data_offsets[%zu] %s", q, d, why);
        }
    }
    t->begin = off[0];
    t->end = off[1];
    if (t->begin > t->end)
        return bad(err, file, "tensor \"%s\": data_offsets [%zu, %zu] end before they begin", q,
                   t->begin, t->end);
    if (t->end > data_size)
        return bad(err, file,
                   "tensor \"%s\": data_offsets [%zu, %zu] run past the end of the data section "
                   "(%zu bytes)", q, t->begin, t->end, data_size);
    if (t->end - t->begin != n_bytes)
        return bad(err, file,
                   "tensor \"%s\": data_offsets [%zu, %zu] span %zu bytes but shape %s needs %zu "
                   "(%zu F32 values)", q, t->begin, t->end, t->end - t->begin, shape_text,
                   n_bytes, n_elements);
    return MC_OK;
}

/* By data offset; names (unique by then) order empty tensors at one offset. */
static int cmp_by_offset(const void *a, const void *b)
{
    const mc_st_tensor_info *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_by_name(const void *a, const void *b)
{
    return strcmp((*(const mc_st_tensor_info *const *)a)->name,
                  (*(const mc_st_tensor_info *const *)b)->name);
}

static int cmp_meta(const void *a, const void *b)
{
    return strcmp(((const mc_st_meta *)a)->key, ((const mc_st_meta *)b)->key);
}

static mc_status parse_metadata(mc_st_file *f, const cJSON *item, mc_error *err)
{
    if (!cJSON_IsObject(item))
        return bad(err, f->name, "\"%s\" is not an object of strings", METADATA_KEY);
    size_t n = (size_t)cJSON_GetArraySize(item);
    f->meta = calloc(n == 0 ? 1 : n, sizeof *f->meta);
    if (f->meta == NULL)
        return mc_error_nomem(err, "reading the metadata of a safetensors file");
    char q[QUOTE_SIZE];
    for (const cJSON *c = item->child; c != NULL; c = c->next) {
        if (!cJSON_IsString(c)) {
            quote(q, c->string);
            return bad(err, f->name, "%s value \"%s\" is not a string", METADATA_KEY, q);
        }
        f->meta[f->n_meta].key = c->string;
        f->meta[f->n_meta].value = c->valuestring;
        f->n_meta++;
    }
    qsort(f->meta, f->n_meta, sizeof *f->meta, cmp_meta);
    for (size_t i = 1; i < f->n_meta; i++) {
        if (strcmp(f->meta[i - 1].key, f->meta[i].key) == 0) {
            quote(q, f->meta[i].key);
            return bad(err, f->name, "%s key \"%s\" appears twice", METADATA_KEY, q);
        }
    }
    return MC_OK;
}

/* Sorts the tensors by offset and checks that they tile the data section. */
static mc_status check_layout(mc_st_file *f, mc_error *err)
{
    const mc_st_tensor_info *t = f->tensors;
    qsort(f->tensors, f->n_tensors, sizeof *f->tensors, cmp_by_offset);
    size_t pos = 0;
    char q[QUOTE_SIZE], q2[QUOTE_SIZE];
    for (size_t i = 0; i < f->n_tensors; i++) {
        quote(q, t[i].name);
        if (t[i].begin < pos) {
            quote(q2, t[i - 1].name);
            return bad(err, f->name, "tensors \"%s\" [%zu, %zu] and \"%s\" [%zu, %zu] overlap", q2,
                       t[i - 1].begin, t[i - 1].end, q, t[i].begin, t[i].end);
        }
        if (t[i].begin > pos)
            return bad(err, f->name,
                       "bytes [%zu, %zu) of the data section belong to no tensor (a hole before "
                       "tensor \"%s\")", pos, t[i].begin, q);
        pos = t[i].end;
    }
    if (pos != f->data_size)
        return bad(err, f->name,
                   "bytes [%zu, %zu) at the end of the data section belong to no tensor", pos,
                   f->data_size);
    return MC_OK;
}

/* (Re)builds the name index and refuses duplicate names (cJSON keeps both). */
static mc_status index_names(mc_st_file *f, mc_error *err)
{
    size_t n = f->n_tensors;
    if (f->by_name == NULL)
        f->by_name = calloc(n == 0 ? 1 : n, sizeof *f->by_name);
    if (f->by_name == NULL)
        return mc_error_nomem(err, "indexing a safetensors file");
    for (size_t i = 0; i < n; i++)
        f->by_name[i] = &f->tensors[i];
    qsort(f->by_name, n, sizeof *f->by_name, cmp_by_name);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(f->by_name[i - 1]->name, f->by_name[i]->name) == 0) {
            char q[QUOTE_SIZE];
            quote(q, f->by_name[i]->name);
            return bad(err, f->name, "tensor \"%s\" appears twice in the header", q);
        }
    }
    return MC_OK;
}

static mc_status parse_json(mc_st_file *f, const unsigned char *h, size_t n, mc_error *err)
{
    if (n == 0 || h[0] != '{')
        return bad(err, f->name, "the header does not start with '{'; it must be a JSON object");
    mc_status st = check_header_bytes(h, n, f->name, err);
    if (st != MC_OK)
        return st;
    char *text = malloc(n + 1); /* cJSON wants the text NUL-terminated */
    if (text == NULL)
        return mc_error_nomem(err, "reading a safetensors header");
    memcpy(text, h, n);
    text[n] = '\0';
    size_t at = 0;
    const mc_status parsed = mc_json_parse(&f->root, text, true, &at);
    if (parsed == MC_ERR_NOMEM) {
        free(text);
        return mc_error_nomem(err, "reading a safetensors header");
    }
    if (parsed != MC_OK) {
        at = at <= n ? at : 0;
        char near[40];
        mc_error_quote(near, sizeof near, text + at, n - at < 24 ? n - at : 24);
        free(text);
        return bad(err, f->name, "the header is not valid JSON (at byte %zu: \"%s\")", at, near);
    }
    free(text);
    if (!cJSON_IsObject(f->root))
        return bad(err, f->name, "the header is not a JSON object");
    return MC_OK;
}

/* Parses `bytes` (size bytes), which it owns from here on. */
static mc_status parse_owned(mc_st_file **out, unsigned char *bytes, size_t size,
                             const char *file, mc_error *err)
{
    mc_st_file *f = calloc(1, sizeof *f);
    char *name = f != NULL ? malloc(strlen(file) + 1) : NULL;
    if (name == NULL) {
        free(f);
        free(bytes);
        return mc_error_nomem(err, "reading a safetensors file");
    }
    strcpy(name, file);
    f->name = name;
    f->bytes = bytes;

    mc_status st = MC_OK;
    if (size < 8) {
        st = bad(err, file, "the file is %zu bytes long, too short for the 8-byte header length",
                 size);
        goto fail;
    }
    uint64_t header_len = 0;
    for (int k = 7; k >= 0; k--)
        header_len = (header_len << 8) | bytes[k];
    if (header_len > MC_ST_MAX_HEADER) {
        st = bad(err, file,
                 "the header length %llu is above the %zu-byte limit (the file is corrupt or not "
                 "safetensors)", (unsigned long long)header_len, MC_ST_MAX_HEADER);
        goto fail;
    }
    if (header_len > size - 8) {
        st = bad(err, file,
                 "the header length %llu runs past the end of the file (%zu bytes follow the "
                 "length)", (unsigned long long)header_len, size - 8);
        goto fail;
    }
    f->data = bytes + 8 + header_len;
    f->data_size = size - 8 - (size_t)header_len;
    if ((st = parse_json(f, bytes + 8, (size_t)header_len, err)) != MC_OK)
        goto fail;

    size_t n_keys = (size_t)cJSON_GetArraySize(f->root);
    f->tensors = calloc(n_keys == 0 ? 1 : n_keys, sizeof *f->tensors);
    if (f->tensors == NULL) {
        st = mc_error_nomem(err, "reading a safetensors header");
        goto fail;
    }
    const cJSON *meta = NULL;
    for (const cJSON *c = f->root->child; c != NULL; c = c->next) {
        if (strcmp(c->string, METADATA_KEY) == 0) {
            if (meta != NULL) {
                st = bad(err, file, "\"%s\" appears twice in the header", METADATA_KEY);
                goto fail;
            }
            meta = c;
            if ((st = parse_metadata(f, c, err)) != MC_OK)
                goto fail;
            continue;
        }
        st = parse_tensor(c, &f->tensors[f->n_tensors], f->data_size, file, err);
        if (st != MC_OK)
            goto fail;
        f->n_tensors++;
    }
    /* Duplicates first, as their message is clearer than the overlap they
       cause; sorting by offset then moves the tensors, so the index is rebuilt. */
    if ((st = index_names(f, err)) != MC_OK || (st = check_layout(f, err)) != MC_OK ||
        (st = index_names(f, err)) != MC_OK)
        goto fail;
    *out = f;
    return MC_OK;

fail:
    mc_st_free(f);
    return st;
}

mc_status mc_st_parse(mc_st_file **out, const void *data, size_t size, const char *name,
                      mc_error *err)
{
    if (out == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "mc_st_parse: `out` is NULL");
    *out = NULL;
    if (data == NULL && size > 0)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "mc_st_parse: `data` is NULL");
    unsigned char *copy = malloc(size == 0 ? 1 : size);
    if (copy == NULL)
        return mc_error_nomem(err, "copying a safetensors file");
    if (size > 0)
        memcpy(copy, data, size);
    return parse_owned(out, copy, size, name != NULL ? name : "safetensors data", err);
}

mc_status mc_st_load(mc_st_file **out, const char *path, mc_error *err)
{
    if (out == NULL || path == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "mc_st_load: `out` or `path` is NULL");
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return mc_error_set(err, MC_ERR_IO, 0, 0, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return mc_error_set(err, MC_ERR_IO, 0, 0, "%s: not a regular file", path);
    }
    /* Room for one byte more than the size, so the loop sees the end at once. */
    size_t cap = (uintmax_t)sb.st_size < SIZE_MAX - 1 ? (size_t)sb.st_size + 1 : SIZE_MAX;
    size_t len = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fclose(fp);
            return mc_error_nomem(err, "reading a safetensors file");
        }
        len += fread(buf + len, 1, cap - len, fp);
        if (len < cap)
            break;
        size_t bigger = 0;
        unsigned char *grown = mc_size_mul(cap, 2, &bigger) ? realloc(buf, bigger) : NULL;
        if (grown == NULL)
            free(buf);
        buf = grown;
        cap = bigger;
    }
    if (ferror(fp)) {
        int e = errno;
        free(buf);
        fclose(fp);
        return mc_error_set(err, MC_ERR_IO, 0, 0, "%s: read failed: %s", path, strerror(e));
    }
    fclose(fp);
    return parse_owned(out, buf, len, path, err);
}

void mc_st_free(mc_st_file *f)
{
    if (f == NULL)
        return;
    cJSON_Delete(f->root);
    free(f->tensors);
    free(f->by_name);
    free(f->meta);
    free(f->bytes);
    free(f->name);
    free(f);
}

size_t mc_st_count(const mc_st_file *f)
{
    return f != NULL ? f->n_tensors : 0;
}

const mc_st_tensor_info *mc_st_tensor(const mc_st_file *f, size_t i)
{
    return f != NULL && i < f->n_tensors ? &f->tensors[i] : NULL;
}

static int cmp_key_tensor(const void *key, const void *elem)
{
    return strcmp(key, (*(const mc_st_tensor_info *const *)elem)->name);
}

const mc_st_tensor_info *mc_st_find(const mc_st_file *f, const char *name)
{
    if (f == NULL || name == NULL || f->n_tensors == 0)
        return NULL;
    const mc_st_tensor_info *const *hit =
        bsearch(name, f->by_name, f->n_tensors, sizeof *f->by_name, cmp_key_tensor);
    return hit != NULL ? *hit : NULL;
}

static int cmp_key_meta(const void *key, const void *elem)
{
    return strcmp(key, ((const mc_st_meta *)elem)->key);
}

const char *mc_st_metadata(const mc_st_file *f, const char *key)
{
    if (f == NULL || key == NULL || f->n_meta == 0)
        return NULL;
    const mc_st_meta *hit = bsearch(key, f->meta, f->n_meta, sizeof *f->meta, cmp_key_meta);
    return hit != NULL ? hit->value : NULL;
}

mc_status mc_st_read_f32(const mc_st_file *f, const char *name, float *out, size_t n,
                         mc_error *err)
{
    if (f == NULL || name == NULL || (out == NULL && n > 0))
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "mc_st_read_f32: `f`, `name` or `out` is NULL");
    char q[QUOTE_SIZE];
    quote(q, name);
    const mc_st_tensor_info *t = mc_st_find(f, name);
    if (t == NULL)
        return bad(err, f->name, "no tensor named \"%s\"", q);
    if (t->n_elements != n) {
        char shape_text[128];
        format_shape(shape_text, sizeof shape_text, t->shape, t->ndim);
        return bad(err, f->name, "tensor \"%s\" has %zu elements (shape %s), expected %zu", q,
                   t->n_elements, shape_text, n);
    }
    if (n > 0)
        copy_f32_le(out, f->data + t->begin, n);
    return MC_OK;
}

/* ---- writing --------------------------------------------------------------- */

static mc_status arg_error(mc_error *err, const char *fmt, ...) MC_PRINTF(2, 3);
static mc_status arg_error(mc_error *err, const char *fmt, ...)
{
    char what[MC_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "safetensors writer: %s", what);
}

/* Refuses entries the reader would refuse; sums the data size. */
static mc_status check_entries(const mc_st_entry *tensors, size_t n_tensors, size_t *data_size,
                               mc_error *err)
{
    size_t total = 0;
    char q[QUOTE_SIZE];
    for (size_t i = 0; i < n_tensors; i++) {
        const mc_st_entry *e = &tensors[i];
        if (e->name == NULL)
            return arg_error(err, "tensor %zu has no name", i);
        quote(q, e->name);
        size_t len = strlen(e->name);
        if (len == 0 || len > MC_ST_MAX_NAME)
            return arg_error(err, "tensor name \"%s\" is %zu bytes long; names take 1 to %d",
                             q, len, MC_ST_MAX_NAME);
        if (strcmp(e->name, METADATA_KEY) == 0 || !utf8_valid(e->name))
            return arg_error(err, "tensor name \"%s\" is reserved or not valid UTF-8", q);
        if (e->ndim > 4)
            return arg_error(err, "tensor \"%s\" has %zu dims; at most 4 are supported", q,
                             e->ndim);
        size_t n = 1, bytes;
        for (size_t d = 0; d < e->ndim; d++) {
            if ((double)e->shape[d] > MAX_JSON_INT || !mc_size_mul(n, e->shape[d], &n))
                return arg_error(err, "tensor \"%s\": the shape is too large", q);
        }
        if (!mc_size_mul(n, 4, &bytes) || !mc_size_add(total, bytes, &total))
            return arg_error(err, "tensor \"%s\": the data size overflows", q);
        if (e->data == NULL && n > 0)
            return arg_error(err, "tensor \"%s\" has %zu elements but no data", q, n);
    }
    *data_size = total;
    return MC_OK;
}

/* Refuses duplicates among n strings read at `stride` bytes apart (the name
   or key is the first member of mc_st_entry and mc_st_meta). */
static mc_status check_unique(const void *base, size_t n, size_t stride, const char *what,
                              mc_error *err)
{
    const char **names = calloc(n == 0 ? 1 : n, sizeof *names);
    if (names == NULL)
        return mc_error_nomem(err, "writing a safetensors file");
    for (size_t i = 0; i < n; i++)
        memcpy(&names[i], (const char *)base + i * stride, sizeof *names);
    qsort(names, n, sizeof *names, cmp_strings);
    mc_status st = MC_OK;
    for (size_t i = 1; i < n && st == MC_OK; i++) {
        if (strcmp(names[i - 1], names[i]) == 0) {
            char q[QUOTE_SIZE];
            quote(q, names[i]);
            st = arg_error(err, "%s \"%s\" appears twice", what, q);
        }
    }
    free(names);
    return st;
}

/* A JSON integer written as digits (cJSON prints large doubles as 1e+16). */
static bool add_int(cJSON *array, size_t v)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%zu", v);
    cJSON *item = cJSON_CreateRaw(digits);
    if (item == NULL || !cJSON_AddItemToArray(array, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

static bool add_to_object(cJSON *object, const char *key, cJSON *item)
{
    if (item == NULL || !cJSON_AddItemToObject(object, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* The header JSON, unpadded; NULL when out of memory. */
static char *build_header(const mc_st_entry *tensors, size_t n_tensors, const mc_st_meta *meta,
                          size_t n_meta)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    if (ok && n_meta > 0) {
        cJSON *m = cJSON_CreateObject();
        ok = add_to_object(root, METADATA_KEY, m);
        for (size_t i = 0; ok && i < n_meta; i++)
            ok = add_to_object(m, meta[i].key, cJSON_CreateString(meta[i].value));
    }
    size_t offset = 0;
    for (size_t i = 0; ok && i < n_tensors; i++) {
        const mc_st_entry *e = &tensors[i];
        size_t bytes = 4;
        for (size_t d = 0; d < e->ndim; d++)
            bytes *= e->shape[d]; /* checked by check_entries() */
        /* Each item is owned by its parent as soon as it is added. */
        cJSON *t = cJSON_CreateObject();
        ok = add_to_object(root, e->name, t);
        ok = ok && add_to_object(t, "dtype", cJSON_CreateString("F32"));
        cJSON *shape = ok ? cJSON_CreateArray() : NULL;
        ok = ok && add_to_object(t, "shape", shape);
        for (size_t d = 0; ok && d < e->ndim; d++)
            ok = add_int(shape, e->shape[d]);
        cJSON *offs = ok ? cJSON_CreateArray() : NULL;
        ok = ok && add_to_object(t, "data_offsets", offs);
        ok = ok && add_int(offs, offset) && add_int(offs, offset + bytes);
        offset += bytes;
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

mc_status mc_st_write_buffer(void **out, size_t *out_size, const mc_st_entry *tensors,
                             size_t n_tensors, const mc_st_meta *meta, size_t n_meta,
                             mc_error *err)
{
    if (out == NULL || out_size == NULL)
        return arg_error(err, "`out` or `out_size` is NULL");
    *out = NULL;
    *out_size = 0;
    if ((tensors == NULL && n_tensors > 0) || (meta == NULL && n_meta > 0))
        return arg_error(err, "`tensors` or `meta` is NULL");
    size_t data_size = 0;
    mc_status st = check_entries(tensors, n_tensors, &data_size, err);
    if (st != MC_OK)
        return st;
    for (size_t i = 0; i < n_meta; i++) {
        if (meta[i].key == NULL || meta[i].value == NULL)
            return arg_error(err, "metadata entry %zu has a NULL key or value", i);
        if (!utf8_valid(meta[i].key) || !utf8_valid(meta[i].value)) {
            char q[QUOTE_SIZE];
            quote(q, meta[i].key);
            return arg_error(err, "metadata entry \"%s\" is not valid UTF-8", q);
        }
    }
    if ((st = check_unique(tensors, n_tensors, sizeof *tensors, "tensor name", err)) != MC_OK ||
        (st = check_unique(meta, n_meta, sizeof *meta, "metadata key", err)) != MC_OK)
        return st;

    char *json = build_header(tensors, n_tensors, meta, n_meta);
    if (json == NULL)
        return mc_error_nomem(err, "writing a safetensors header");
    size_t json_len = strlen(json);
    size_t header_len = (json_len + 7) / 8 * 8; /* the data then starts 8-byte aligned */
    size_t total;
    if (header_len > MC_ST_MAX_HEADER) {
        free(json);
        return arg_error(err, "the header would take %zu bytes, above the %zu-byte limit",
                         header_len, MC_ST_MAX_HEADER);
    }
    if (!mc_size_add(8 + header_len, data_size, &total)) {
        free(json);
        return mc_error_nomem(err, "sizing a safetensors file");
    }
    unsigned char *buf = malloc(total);
    if (buf == NULL) {
        free(json);
        return mc_error_nomem(err, "writing a safetensors file");
    }
    for (size_t k = 0; k < 8; k++)
        buf[k] = (unsigned char)(((uint64_t)header_len >> (8 * k)) & 0xFF);
    memcpy(buf + 8, json, json_len);
    memset(buf + 8 + json_len, ' ', header_len - json_len);
    free(json);
    unsigned char *p = buf + 8 + header_len;
    for (size_t i = 0; i < n_tensors; i++) {
        size_t n = 1;
        for (size_t d = 0; d < tensors[i].ndim; d++)
            n *= tensors[i].shape[d];
        if (n > 0)
            copy_f32_le(p, tensors[i].data, n);
        p += 4 * n;
    }
    *out = buf;
    *out_size = total;
    return MC_OK;
}

mc_status mc_st_write_file(const char *path, const mc_st_entry *tensors, size_t n_tensors,
                           const mc_st_meta *meta, size_t n_meta, mc_error *err)
{
    if (path == NULL || *path == '\0')
        return arg_error(err, "the path is NULL or empty");
    void *buf;
    size_t size;
    mc_status st = mc_st_write_buffer(&buf, &size, tensors, n_tensors, meta, n_meta, err);
    if (st != MC_OK)
        return st;
    st = mc_atomic_save(path, buf, size, err);
    free(buf);
    return st;
}
