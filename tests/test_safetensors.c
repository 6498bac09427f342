/* The safetensors reader and writer: round trips, every refusal on purpose,
   truncation at every byte, header mutations, atomic writes, and an
   independent Python reader (tests/safetensors_check.py). */
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/safetensors.h"

#define NAME "bad.safetensors"

/* ---- helpers ------------------------------------------------------------------ */

static float bits_to_float(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* A file from a header and `data_size` bytes of data (its 8-byte length is
   the header's length). */
static unsigned char *make_file(const char *json, size_t data_size, size_t *size)
{
    size_t n = strlen(json);
    *size = 8 + n + data_size;
    unsigned char *b = malloc(*size);
    assert_non_null(b);
    for (size_t k = 0; k < 8; k++)
        b[k] = (unsigned char)(((uint64_t)n >> (8 * k)) & 0xFF);
    memcpy(b + 8, json, n);
    for (size_t i = 0; i < data_size; i++)
        b[8 + n + i] = (unsigned char)(i * 37 + 11);
    return b;
}

/* Parses the bytes and expects an MC_ERR_FORMAT whose message names the file
   and contains `phrase`. */
static void refuse_bytes(const unsigned char *b, size_t size, const char *phrase)
{
    mc_st_file *f = (mc_st_file *)&f; /* must be reset to NULL */
    mc_error err;
    mc_error_clear(&err);
    mc_status st = mc_st_parse(&f, b, size, NAME, &err);
    if (st != MC_ERR_FORMAT)
        print_error("status %s for a file expected to fail with \"%s\"\n", mc_status_name(st),
                    phrase);
    assert_int_equal(st, MC_ERR_FORMAT);
    assert_int_equal(err.code, MC_ERR_FORMAT);
    assert_null(f);
    assert_contains(err.message, NAME ": ");
    assert_contains(err.message, phrase);
}

static void refuse(const char *json, size_t data_size, const char *phrase)
{
    size_t size;
    unsigned char *b = make_file(json, data_size, &size);
    refuse_bytes(b, size, phrase);
    free(b);
}

static mc_st_file *accept(const char *json, size_t data_size)
{
    size_t size;
    unsigned char *b = make_file(json, data_size, &size);
    mc_st_file *f = NULL;
    mc_error err;
    mc_status st = mc_st_parse(&f, b, size, NAME, &err);
    free(b);
    if (st != MC_OK)
        print_error("refused: %s\n", err.message);
    assert_int_equal(st, MC_OK);
    assert_non_null(f);
    return f;
}

/* Everything a parsed file promises, checked against the bytes it came from. */
static void check_invariants(const mc_st_file *f, const unsigned char *b, size_t size)
{
    assert_true(size >= 8);
    uint64_t header_len = 0;
    for (int k = 7; k >= 0; k--)
        header_len = (header_len << 8) | b[k];
    assert_true(header_len <= size - 8);
    const size_t data_size = size - 8 - (size_t)header_len;
    const size_t n = mc_st_count(f);
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        const mc_st_tensor_info *t = mc_st_tensor(f, i);
        assert_non_null(t);
        assert_non_null(t->name);
        assert_true(strlen(t->name) >= 1 && strlen(t->name) <= 255);
        assert_true(t->ndim <= 4);
        size_t count = 1;
        for (size_t d = 0; d < t->ndim; d++)
            assert_false(__builtin_mul_overflow(count, t->shape[d], &count));
        assert_true(count == t->n_elements);
        assert_true(t->begin == pos); /* tensors tile the data section in order */
        assert_true(t->end >= t->begin && t->end <= data_size);
        assert_true(t->end - t->begin == 4 * count);
        pos = t->end;
        assert_ptr_equal(mc_st_find(f, t->name), t);
        for (size_t j = 0; j < i; j++)
            assert_true(strcmp(mc_st_tensor(f, j)->name, t->name) != 0);
        float *v = malloc(count * sizeof *v + 1);
        assert_non_null(v);
        mc_error err;
        assert_int_equal(mc_st_read_f32(f, t->name, v, count, &err), MC_OK);
        assert_memory_equal(v, b + 8 + header_len + t->begin, 4 * count); /* little-endian host */
        free(v);
    }
    assert_true(pos == data_size);
    assert_null(mc_st_tensor(f, n));
}

/* The special values a model file must carry bit for bit. */
static const uint32_t SPECIAL[] = {
    0x7fc12345u, /* quiet NaN with a payload */
    0xffa00001u, /* signalling NaN, sign set */
    0x80000000u, /* -0.0 */
    0x00000001u, /* smallest denormal */
    0x807fffffu, /* largest negative denormal */
    0x7f7fffffu, /* FLT_MAX */
    0xff800000u, /* -inf */
};
#define N_SPECIAL (sizeof SPECIAL / sizeof SPECIAL[0])

typedef struct sample {
    float w[12];  /* feature.W (3, 4) */
    float b[7];   /* anomaly.b (7) */
    float c;      /* head.c, a scalar */
    float h[12];  /* horizon.W (2, 1, 3, 2) */
    mc_st_entry entries[5];
    mc_st_meta meta[4];
} sample;

static void sample_init(sample *s, bool finite)
{
    for (size_t i = 0; i < 12; i++) {
        s->w[i] = 2.385f * (float)i - 7.125f;
        s->h[i] = -0.0371f * (float)(i * i) + 1.618f;
    }
    for (size_t i = 0; i < 7; i++)
        s->b[i] = finite ? 0.3183f * (float)i - 1.5f : bits_to_float(SPECIAL[i]);
    s->c = 2.385f;
    const mc_st_entry e[5] = {
        {"feature.W", 2, {3, 4, 0, 0}, s->w},
        {"anomaly.b", 1, {7, 0, 0, 0}, s->b},
        {"head.c", 0, {0, 0, 0, 0}, &s->c},
        {"skip.S", 2, {0, 5, 0, 0}, NULL},
        {"horizon.W", 4, {2, 1, 3, 2}, s->h},
    };
    memcpy(s->entries, e, sizeof e);
    const mc_st_meta m[4] = {
        {"format", "maskcast-1"},
        {"config", "{\"lookback\": 168, \"note\": \"a \\\"quoted\\\" word\"}"},
        {"channels", "load,temperature"},
        {"site", "\xc3\x9c" "berlandwerk \xe2\x9c\x93"}, /* UTF-8 */
    };
    memcpy(s->meta, m, sizeof m);
}

static unsigned char *sample_bytes(const sample *s, size_t *size)
{
    void *buf = NULL;
    mc_error err;
    assert_int_equal(mc_st_write_buffer(&buf, size, s->entries, 5, s->meta, 4, &err), MC_OK);
    assert_non_null(buf);
    return buf;
}

static const char *tmp_root(void)
{
    const char *d = getenv("MC_TEST_TMPDIR");
    return d != NULL && *d != '\0' ? d : "/tmp";
}

static void make_temp_dir(char *dir, size_t size)
{
    int n = snprintf(dir, size, "%s/mc_st_XXXXXX", tmp_root());
    assert_true(n > 0 && (size_t)n < size);
    assert_non_null(mkdtemp(dir));
}

/* The names in `dir`, sorted and joined with '|'. */
static void list_dir(const char *dir, char *out, size_t size)
{
    char names[16][256];
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        assert_true(n < 16);
        size_t len = strlen(e->d_name);
        assert_true(len < sizeof names[0]);
        memcpy(names[n++], e->d_name, len + 1);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        assert_true(used + len + 2 <= size);
        if (i > 0)
            out[used++] = '|';
        memcpy(out + used, names[i], len);
        used += len;
    }
    out[used] = '\0';
}

/* ---- round trip ---------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    sample s;
    sample_init(&s, false);
    size_t size;
    unsigned char *b = sample_bytes(&s, &size);
    mc_st_file *f = NULL;
    mc_error err;
    assert_int_equal(mc_st_parse(&f, b, size, "model.safetensors", &err), MC_OK);
    check_invariants(f, b, size);
    free(b); /* the file keeps its own copy */

    assert_int_equal(mc_st_count(f), 5);
    for (size_t i = 0; i < 5; i++) { /* written order is data order */
        const mc_st_tensor_info *t = mc_st_tensor(f, i);
        assert_string_equal(t->name, s.entries[i].name);
        assert_int_equal(t->ndim, s.entries[i].ndim);
        for (size_t d = 0; d < 4; d++)
            assert_int_equal(t->shape[d], d < t->ndim ? s.entries[i].shape[d] : 0);
    }
    const mc_st_tensor_info *scalar = mc_st_find(f, "head.c");
    assert_int_equal(scalar->ndim, 0);
    assert_int_equal(scalar->n_elements, 1);
    assert_int_equal(mc_st_find(f, "skip.S")->n_elements, 0);
    assert_int_equal(mc_st_find(f, "horizon.W")->n_elements, 12);

    float w[12], bv[7], c, h[12];
    assert_int_equal(mc_st_read_f32(f, "feature.W", w, 12, &err), MC_OK);
    assert_int_equal(mc_st_read_f32(f, "anomaly.b", bv, 7, &err), MC_OK);
    assert_int_equal(mc_st_read_f32(f, "head.c", &c, 1, &err), MC_OK);
    assert_int_equal(mc_st_read_f32(f, "horizon.W", h, 12, &err), MC_OK);
    assert_int_equal(mc_st_read_f32(f, "skip.S", NULL, 0, &err), MC_OK);
    assert_memory_equal(w, s.w, sizeof w);
    assert_memory_equal(h, s.h, sizeof h);
    assert_memory_equal(&c, &s.c, sizeof c);
    for (size_t i = 0; i < N_SPECIAL; i++) { /* NaN payloads, -0.0, denormals: bit for bit */
        uint32_t got;
        memcpy(&got, &bv[i], 4);
        assert_int_equal(got, SPECIAL[i]);
    }

    for (size_t i = 0; i < 4; i++)
        assert_string_equal(mc_st_metadata(f, s.meta[i].key), s.meta[i].value);
    assert_null(mc_st_metadata(f, "absent"));
    assert_null(mc_st_metadata(f, NULL));
    assert_null(mc_st_find(f, "absent"));
    assert_null(mc_st_find(f, NULL));
    assert_null(mc_st_tensor(f, 5));
    assert_int_equal(mc_st_count(NULL), 0);
    assert_null(mc_st_tensor(NULL, 0));
    assert_null(mc_st_find(NULL, "head.c"));
    assert_null(mc_st_metadata(NULL, "format"));
    mc_st_free(f);
    mc_st_free(NULL);
}

/* The writer's output parses and its data starts 8-byte aligned, whatever
   the length of the JSON; no tensors at all is a valid file too. */
static void test_writer_padding(void **state)
{
    (void)state;
    const float v[2] = {1.25f, -3.5f};
    char name[32];
    for (size_t len = 1; len <= 17; len++) {
        memset(name, 'a' + (int)(len % 26), len);
        name[len] = '\0';
        mc_st_entry e = {name, 1, {2, 0, 0, 0}, v};
        void *buf;
        size_t size;
        mc_error err;
        assert_int_equal(mc_st_write_buffer(&buf, &size, &e, 1, NULL, 0, &err), MC_OK);
        const unsigned char *b = buf;
        uint64_t n = 0;
        for (int k = 7; k >= 0; k--)
            n = (n << 8) | b[k];
        assert_int_equal(n % 8, 0);
        assert_int_equal(size, 8 + n + sizeof v);
        size_t json_len = (size_t)n; /* the JSON ends at the last non-space byte */
        while (json_len > 0 && b[8 + json_len - 1] == ' ')
            json_len--;
        assert_int_equal(b[8 + json_len - 1], '}');
        assert_true(n - json_len < 8); /* no more padding than needed */
        assert_int_equal(json_len, strlen("{\"\":{\"dtype\":\"F32\",\"shape\":[2],"
                                          "\"data_offsets\":[0,8]}}") + len);
        mc_st_file *f;
        assert_int_equal(mc_st_parse(&f, buf, size, "padded", &err), MC_OK);
        check_invariants(f, buf, size);
        assert_string_equal(mc_st_tensor(f, 0)->name, name);
        mc_st_free(f);
        free(buf);
    }
    void *buf;
    size_t size;
    mc_error err;
    assert_int_equal(mc_st_write_buffer(&buf, &size, NULL, 0, NULL, 0, &err), MC_OK);
    assert_int_equal(size, 16);
    assert_memory_equal((const char *)buf + 8, "{}      ", 8);
    mc_st_file *f;
    assert_int_equal(mc_st_parse(&f, buf, size, "empty", &err), MC_OK);
    assert_int_equal(mc_st_count(f), 0);
    mc_st_free(f);
    free(buf);
}

/* ---- damaged files --------------------------------------------------------------- */

static void test_truncated_everywhere(void **state)
{
    (void)state;
    sample s;
    sample_init(&s, false);
    size_t size;
    unsigned char *b = sample_bytes(&s, &size);
    for (size_t cut = 0; cut < size; cut++) {
        /* A fresh allocation of exactly `cut` bytes, so ASan sees any overread. */
        unsigned char *part = malloc(cut == 0 ? 1 : cut);
        assert_non_null(part);
        memcpy(part, b, cut);
        refuse_bytes(part, cut, "");
        free(part);
    }
    refuse_bytes(NULL, 0, "too short for the 8-byte header length");
    free(b);
}

static void test_header_mutations(void **state)
{
    (void)state;
    sample s;
    sample_init(&s, false);
    size_t size;
    unsigned char *b = sample_bytes(&s, &size);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = (n << 8) | b[k];
    const int subst[] = {-1, '{', '"', '0', '9', ']'}; /* -1: XOR 0xFF */
    size_t accepted = 0, refused = 0;
    unsigned char *m = malloc(size);
    assert_non_null(m);
    for (size_t pos = 0; pos < 8 + n; pos++) {
        for (size_t k = 0; k < sizeof subst / sizeof subst[0]; k++) {
            memcpy(m, b, size);
            m[pos] = subst[k] < 0 ? (unsigned char)(b[pos] ^ 0xFF) : (unsigned char)subst[k];
            mc_st_file *f = NULL;
            mc_error err;
            mc_status st = mc_st_parse(&f, m, size, NAME, &err);
            if (st == MC_OK) {
                check_invariants(f, m, size);
                mc_st_free(f);
                accepted++;
            } else {
                assert_int_equal(st, MC_ERR_FORMAT);
                assert_null(f);
                assert_contains(err.message, NAME ": ");
                refused++;
            }
        }
    }
    print_message("header mutations: %zu accepted, %zu refused\n", accepted, refused);
    /* Both outcomes happen (a digit in a name is still a name), so neither
       branch above is dead. */
    assert_true(accepted > 0);
    assert_true(refused > 0);
    free(m);
    free(b);
}

/* ---- each refusal on purpose ------------------------------------------------------ */

#define T_A "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"

static void test_refuse_lengths(void **state)
{
    (void)state;
    unsigned char b[32] = {0};
    for (size_t size = 0; size < 8; size++)
        refuse_bytes(b, size, "too short for the 8-byte header length");
    const uint64_t lens[] = {100000001u, UINT64_MAX, (uint64_t)1 << 63};
    for (size_t i = 0; i < 3; i++) {
        for (size_t k = 0; k < 8; k++)
            b[k] = (unsigned char)((lens[i] >> (8 * k)) & 0xFF);
        refuse_bytes(b, sizeof b, "above the 100000000-byte limit");
    }
    memset(b, 0, 8);
    b[0] = 25; /* 24 bytes follow */
    memset(b + 8, ' ', 24);
    b[8] = '{';
    b[9] = '}';
    refuse_bytes(b, sizeof b,
                 "the header length 25 runs past the end of the file (24 bytes follow");
    b[0] = 24; /* exactly the file: valid */
    mc_st_file *f;
    mc_error err;
    assert_int_equal(mc_st_parse(&f, b, sizeof b, NAME, &err), MC_OK);
    assert_int_equal(mc_st_count(f), 0);
    mc_st_free(f);
    b[0] = 0;
    refuse_bytes(b, sizeof b, "does not start with '{'");
}

static void test_refuse_json(void **state)
{
    (void)state;
    refuse("[1, 2]", 0, "does not start with '{'; it must be a JSON object");
    refuse(" {}", 0, "does not start with '{'");
    refuse("{\"a\": ", 0, "the header is not valid JSON (at byte 6");
    refuse("{} x", 0, "the header is not valid JSON (at byte 3: \"x\")");
    refuse("{}{}", 0, "not valid JSON");
    refuse("{\"a\":1,}", 0, "not valid JSON");
    char deep[4100] = "{\"a\":"; /* far beyond cJSON's nesting limit: refused, no stack overflow */
    memset(deep + 5, '[', 4000);
    deep[4005] = '\0';
    refuse(deep, 0, "not valid JSON");
    refuse("{\"\xff\": 1}", 0, "not valid UTF-8 at byte 2");
    refuse("{\"\xc0\xaf\": 1}", 0, "not valid UTF-8 at byte 2");      /* overlong '/' */
    refuse("{\"\xed\xa0\x80\": 1}", 0, "not valid UTF-8 at byte 2"); /* a surrogate */
    refuse("{\"\xe2\x9c\": 1}", 0, "not valid UTF-8 at byte 2");     /* cut short */
    refuse("{\"a\x01\": 1}", 0, "raw control byte 0x01 at byte 3");
    refuse("{\x0b}", 0, "raw control byte 0x0b at byte 1");
    refuse("{\"a\tb\": 1}", 0, "raw control byte 0x09"); /* a tab inside a string */
    refuse("{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
           "escapes a NUL character (\\u0000) at byte 3");
    /* Escapes that merely look like it are fine: "\\u0000" is a backslash and text. */
    mc_st_file *f =
        accept("{\"a\\\\u0000\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
               "\"\\u00e9\\n\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}"
               "\n \t\r ", /* trailing JSON whitespace */
               8);
    assert_non_null(mc_st_find(f, "a\\u0000"));
    assert_non_null(mc_st_find(f, "\xc3\xa9\n"));
    mc_st_free(f);
}

static void test_refuse_entries(void **state)
{
    (void)state;
    refuse("{\"a\": 5}", 0, "tensor \"a\": the entry is not an object");
    refuse("{\"a\": [1]}", 0, "tensor \"a\": the entry is not an object");
    refuse("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor \"a\": missing \"dtype\"");
    refuse("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "missing \"shape\"");
    refuse("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "missing \"data_offsets\"");
    refuse("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
           "field \"dtype\" appears twice");
    refuse("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
           "tensor \"a\": dtype \"F16\" is not supported; maskcast reads only F32");
    refuse("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
           "dtype \"f32\" is not supported");
    refuse("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
           "dtype is not a string");
    refuse("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
           "a tensor has an empty name");
    char json[600], name[300];
    memset(name, 'n', 256);
    name[256] = '\0';
    snprintf(json, sizeof json, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
             name);
    refuse(json, 4, "is 256 bytes long; the limit is 255 bytes");
    name[255] = '\0';
    snprintf(json, sizeof json, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
             name);
    mc_st_file *f = accept(json, 4);
    assert_non_null(mc_st_find(f, name));
    mc_st_free(f);
    /* Unknown fields are ignored, as the reference implementation does. */
    f = accept("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":[1,{}]}}",
               4);
    assert_int_equal(mc_st_count(f), 1);
    mc_st_free(f);
}

/* One tensor "a" with the given shape and data_offsets texts. */
static void refuse_shape(const char *shape, const char *offsets, size_t data_size,
                         const char *phrase)
{
    char json[300];
    snprintf(json, sizeof json, "{\"a\":{\"dtype\":\"F32\",\"shape\":%s,\"data_offsets\":%s}}",
             shape, offsets);
    refuse(json, data_size, phrase);
}

static void test_refuse_shapes(void **state)
{
    (void)state;
    refuse_shape("3", "[0,12]", 12, "tensor \"a\": shape is not an array");
    refuse_shape("{}", "[0,12]", 12, "shape is not an array");
    refuse_shape("[1.5]", "[0,4]", 4, "shape[0] is 1.5, not an integer");
    refuse_shape("[2, -1]", "[0,4]", 4, "shape[1] is negative (-1)");
    refuse_shape("[\"2\"]", "[0,8]", 8, "shape[0] is not a number");
    refuse_shape("[null]", "[0,8]", 8, "shape[0] is not a number");
    refuse_shape("[true]", "[0,4]", 4, "shape[0] is not a number");
    refuse_shape("[2, 18014398509481984]", "[0,8]", 8,
                 "shape[1] is 18014398509481984, larger than 2^53");
    refuse_shape("[1e999]", "[0,8]", 8, "shape[0] is inf, larger than 2^53");
    refuse_shape("[1,1,1,1,1]", "[0,4]", 4, "shape has 5 dims; maskcast reads at most 4");
    if (SIZE_MAX == UINT64_MAX) {
        refuse_shape("[4294967296, 4294967296]", "[0,4]", 4,
                     "the element count of shape [4294967296, 4294967296] overflows");
        refuse_shape("[4294967296, 2147483648]", "[0,4]", 4,
                     "the byte size of shape [4294967296, 2147483648] (9223372036854775808 "
                     "elements) overflows");
    }
    /* 2^53 itself is allowed as a dim (with a zero beside it, it holds no data). */
    mc_st_file *f = accept("{\"a\":{\"dtype\":\"F32\",\"shape\":[0, 9007199254740992],"
                           "\"data_offsets\":[0,0]}}", 0);
    assert_int_equal(mc_st_tensor(f, 0)->shape[1], (size_t)9007199254740992u);
    mc_st_free(f);
}

static void test_refuse_offsets(void **state)
{
    (void)state;
    refuse_shape("[1]", "4", 4, "tensor \"a\": data_offsets is not an array of two integers");
    refuse_shape("[1]", "[0]", 4, "data_offsets is not an array of two integers");
    refuse_shape("[1]", "[0,4,8]", 8, "data_offsets is not an array of two integers");
    refuse_shape("[1]", "[0,\"4\"]", 4, "data_offsets[1] is not a number");
    refuse_shape("[1]", "[0,4.5]", 4, "data_offsets[1] is 4.5, not an integer");
    refuse_shape("[1]", "[-4,0]", 4, "data_offsets[0] is negative (-4)");
    refuse_shape("[1]", "[0,36028797018963968]", 4, "data_offsets[1] is 36028797018963968, larger");
    refuse_shape("[1]", "[8,4]", 8, "data_offsets [8, 4] end before they begin");
    refuse_shape("[2]", "[0,4]", 4,
                 "data_offsets [0, 4] span 4 bytes but shape [2] needs 8 (2 F32 values)");
    refuse_shape("[]", "[0,0]", 0, "data_offsets [0, 0] span 0 bytes but shape [] needs 4");
    refuse_shape("[2234]", "[64,9000]", 4096,
                 "tensor \"a\": data_offsets [64, 9000] run past the end of the data section "
                 "(4096 bytes)");
}

static void test_refuse_layout(void **state)
{
    (void)state;
    refuse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
           12, "tensors \"a\" [0, 8] and \"b\" [4, 12] overlap");
    refuse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
           8, "tensors \"a\" [0, 8] and \"b\" [0, 8] overlap");
    refuse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
           "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
           8, "tensors \"a\" [0, 8] and \"z\" [4, 4] overlap"); /* empty, but inside "a" */
    refuse("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
           "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
           12, "bytes [4, 8) of the data section belong to no tensor (a hole before tensor \"b\")");
    refuse("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
           "bytes [0, 4) of the data section belong to no tensor");
    refuse("{" T_A "}", 8, "bytes [4, 8) at the end of the data section belong to no tensor");
    refuse("{}", 4, "bytes [0, 4) at the end of the data section belong to no tensor");
    refuse("{" T_A "," T_A "}", 8, "tensor \"a\" appears twice in the header");
    refuse("{" T_A ",\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
           "tensor \"a\" appears twice in the header");
    /* Empty tensors may sit anywhere on the tiling, in any order. */
    mc_st_file *f = accept("{\"e2\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
                           "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}," T_A ","
                           "\"e1\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
                           8);
    assert_int_equal(mc_st_count(f), 4);
    assert_string_equal(mc_st_tensor(f, 0)->name, "a");
    assert_string_equal(mc_st_tensor(f, 1)->name, "e1"); /* ties go by name */
    assert_string_equal(mc_st_tensor(f, 2)->name, "e2");
    assert_string_equal(mc_st_tensor(f, 3)->name, "b");
    mc_st_free(f);
}

static void test_refuse_metadata(void **state)
{
    (void)state;
    refuse("{\"__metadata__\": [], " T_A "}", 4, "\"__metadata__\" is not an object of strings");
    refuse("{\"__metadata__\": \"x\"}", 0, "\"__metadata__\" is not an object of strings");
    refuse("{\"__metadata__\": {\"k\": 3}}", 0, "__metadata__ value \"k\" is not a string");
    refuse("{\"__metadata__\": {\"k\": {\"x\": \"y\"}}}", 0,
           "__metadata__ value \"k\" is not a string");
    refuse("{\"__metadata__\": {\"k\": null}}", 0, "__metadata__ value \"k\" is not a string");
    refuse("{\"__metadata__\": {\"k\": \"1\", \"j\": \"2\", \"k\": \"3\"}}", 0,
           "__metadata__ key \"k\" appears twice");
    refuse("{\"__metadata__\": {}, " T_A ", \"__metadata__\": {}}", 4,
           "\"__metadata__\" appears twice in the header");
    mc_st_file *f = accept("{" T_A ", \"__metadata__\": {\"k\": \"v\", \"\": \"empty key\"}}", 4);
    assert_string_equal(mc_st_metadata(f, "k"), "v");
    assert_string_equal(mc_st_metadata(f, ""), "empty key");
    assert_int_equal(mc_st_count(f), 1);
    mc_st_free(f);
}

/* ---- the API's own refusals ----------------------------------------------------- */

static void test_read_f32_errors(void **state)
{
    (void)state;
    sample s;
    sample_init(&s, true);
    size_t size;
    unsigned char *b = sample_bytes(&s, &size);
    mc_st_file *f;
    mc_error err;
    assert_int_equal(mc_st_parse(&f, b, size, "model.safetensors", &err), MC_OK);
    float out[16];
    for (size_t i = 0; i < 16; i++)
        out[i] = 9.75f;
    assert_int_equal(mc_st_read_f32(f, "feature.W", out, 11, &err), MC_ERR_FORMAT);
    assert_contains(err.message, "model.safetensors: tensor \"feature.W\" has 12 elements "
                                 "(shape [3, 4]), expected 11");
    assert_int_equal(mc_st_read_f32(f, "head.c", out, 2, &err), MC_ERR_FORMAT);
    assert_contains(err.message, "\"head.c\" has 1 elements (shape []), expected 2");
    assert_int_equal(mc_st_read_f32(f, "head.V", out, 16, &err), MC_ERR_FORMAT);
    assert_contains(err.message, "model.safetensors: no tensor named \"head.V\"");
    for (size_t i = 0; i < 16; i++)
        assert_true(out[i] == 9.75f); /* untouched by the failures */
    assert_int_equal(mc_st_read_f32(f, "feature.W", NULL, 12, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_st_read_f32(f, NULL, out, 12, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_st_read_f32(NULL, "feature.W", out, 12, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_st_parse(NULL, b, size, NAME, &err), MC_ERR_ARGUMENT);
    mc_st_file *g = (mc_st_file *)&g;
    assert_int_equal(mc_st_parse(&g, NULL, 8, NAME, &err), MC_ERR_ARGUMENT);
    assert_null(g);
    assert_int_equal(mc_st_parse(&g, b, 4, NULL, &err), MC_ERR_FORMAT); /* default name */
    assert_contains(err.message, "safetensors data: the file is 4 bytes long");
    assert_int_equal(mc_st_parse(&g, b, 4, NAME, NULL), MC_ERR_FORMAT); /* no error object */
    mc_st_free(f);
    free(b);
}

/* Expects mc_st_write_buffer to refuse the entries with MC_ERR_ARGUMENT. */
static void writer_refuses(const mc_st_entry *e, size_t n, const mc_st_meta *m, size_t n_meta,
                           const char *phrase)
{
    void *buf = (void *)&buf;
    size_t size = 99;
    mc_error err;
    assert_int_equal(mc_st_write_buffer(&buf, &size, e, n, m, n_meta, &err), MC_ERR_ARGUMENT);
    assert_null(buf);
    assert_int_equal(size, 0);
    assert_contains(err.message, phrase);
}

static void test_writer_refusals(void **state)
{
    (void)state;
    const float v[4] = {0.5f, 1.5f, 2.5f, 3.5f};
    char long_name[300];
    memset(long_name, 'x', 256);
    long_name[256] = '\0';
    const mc_st_entry ok = {"ok", 1, {4, 0, 0, 0}, v};
    mc_st_entry e[2] = {ok, ok};
    e[1].name = "ok2";
    e[0].ndim = 5;
    writer_refuses(e, 2, NULL, 0, "tensor \"ok\" has 5 dims; at most 4 are supported");
    e[0] = ok;
    e[0].name = NULL;
    writer_refuses(e, 2, NULL, 0, "tensor 0 has no name");
    e[0].name = "";
    writer_refuses(e, 2, NULL, 0, "tensor name \"\" is 0 bytes long");
    e[0].name = long_name;
    writer_refuses(e, 2, NULL, 0, "is 256 bytes long; names take 1 to 255");
    e[0].name = "__metadata__";
    writer_refuses(e, 2, NULL, 0, "is reserved or not valid UTF-8");
    e[0].name = "bad\xff";
    writer_refuses(e, 2, NULL, 0, "is reserved or not valid UTF-8");
    e[0].name = "ok2";
    writer_refuses(e, 2, NULL, 0, "tensor name \"ok2\" appears twice");
    e[0] = ok;
    e[0].data = NULL;
    writer_refuses(e, 2, NULL, 0, "tensor \"ok\" has 4 elements but no data");
    e[0] = ok;
    e[0].shape[0] = (size_t)1 << 60;
    writer_refuses(e, 2, NULL, 0, "tensor \"ok\": the shape is too large");
    e[0].ndim = 3;
    e[0].shape[0] = e[0].shape[1] = e[0].shape[2] = (size_t)1 << 30;
    writer_refuses(e, 2, NULL, 0, "tensor \"ok\": the shape is too large");
    e[0].ndim = 2;
    e[0].shape[0] = (size_t)1 << 40;
    e[0].shape[1] = (size_t)1 << 22;
    writer_refuses(e, 2, NULL, 0, "tensor \"ok\": the data size overflows");
    e[0] = ok;
    const mc_st_meta dup[2] = {{"k", "1"}, {"k", "2"}};
    writer_refuses(e, 2, dup, 2, "metadata key \"k\" appears twice");
    const mc_st_meta null_value[1] = {{"k", NULL}};
    writer_refuses(e, 2, null_value, 1, "metadata entry 0 has a NULL key or value");
    const mc_st_meta bad_utf8[1] = {{"k", "\xc3"}};
    writer_refuses(e, 2, bad_utf8, 1, "metadata entry \"k\" is not valid UTF-8");
    writer_refuses(NULL, 2, NULL, 0, "`tensors` or `meta` is NULL");
    writer_refuses(e, 2, NULL, 1, "`tensors` or `meta` is NULL");
    size_t size;
    mc_error err;
    assert_int_equal(mc_st_write_buffer(NULL, &size, e, 2, NULL, 0, &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "`out` or `out_size` is NULL");
    /* Zero elements need no data. */
    const mc_st_entry empty = {"empty", 2, {3, 0, 0, 0}, NULL};
    void *buf;
    assert_int_equal(mc_st_write_buffer(&buf, &size, &empty, 1, NULL, 0, &err), MC_OK);
    free(buf);
}

/* ---- files -------------------------------------------------------------------- */

static void test_write_file_atomic(void **state)
{
    (void)state;
    char dir[512], path[600], missing[600], sub[600], listing[1024];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(missing, sizeof missing, "%s/no-such-dir/model.safetensors", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    sample s;
    sample_init(&s, false);
    mc_error err;

    /* A missing directory: MC_ERR_IO, and nothing is created. */
    assert_int_equal(mc_st_write_file(missing, s.entries, 5, s.meta, 4, &err), MC_ERR_IO);
    assert_contains(err.message, "no-such-dir/model.safetensors: cannot create a file in its directory");
    struct stat sb;
    assert_int_equal(stat(missing, &sb), -1);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "");

    /* A first write, then an overwrite with other contents. */
    assert_int_equal(mc_st_write_file(path, s.entries, 5, s.meta, 4, &err), MC_OK);
    mc_st_file *f;
    assert_int_equal(mc_st_load(&f, path, &err), MC_OK);
    assert_int_equal(mc_st_count(f), 5);
    mc_st_free(f);
    const float v[3] = {-1.125f, 4.5f, 1e-3f};
    const mc_st_entry other = {"head.V", 1, {3, 0, 0, 0}, v};
    const mc_st_meta meta = {"format", "maskcast-2"};
    assert_int_equal(mc_st_write_file(path, &other, 1, &meta, 1, &err), MC_OK);
    assert_int_equal(mc_st_load(&f, path, &err), MC_OK);
    assert_int_equal(mc_st_count(f), 1);
    assert_string_equal(mc_st_metadata(f, "format"), "maskcast-2");
    float got[3];
    assert_int_equal(mc_st_read_f32(f, "head.V", got, 3, &err), MC_OK);
    assert_memory_equal(got, v, sizeof v);
    mc_st_free(f);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "model.safetensors"); /* no temporary left behind */

    /* A directory is refused before anything is created. */
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(mc_st_write_file(sub, &other, 1, NULL, 0, &err), MC_ERR_IO);
    assert_contains(err.message, "sub: is a directory");
    assert_int_equal(stat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "model.safetensors|sub");

    /* Bad entries: refused before anything is created. */
    mc_st_entry bad_entry = other;
    bad_entry.ndim = 7;
    assert_int_equal(mc_st_write_file(path, &bad_entry, 1, NULL, 0, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_st_write_file(NULL, &other, 1, NULL, 0, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_st_write_file("", &other, 1, NULL, 0, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_st_load(&f, path, &err), MC_OK); /* still the second file */
    assert_int_equal(mc_st_count(f), 1);
    mc_st_free(f);
    list_dir(dir, listing, sizeof listing);
    assert_string_equal(listing, "model.safetensors|sub");

    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_load(void **state)
{
    (void)state;
    char dir[512], path[600];
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/cut.safetensors", dir);
    mc_st_file *f = (mc_st_file *)&f;
    mc_error err;
    assert_int_equal(mc_st_load(&f, path, &err), MC_ERR_IO);
    assert_null(f);
    assert_contains(err.message, "cut.safetensors: cannot open: No such file or directory");
    assert_int_equal(mc_st_load(&f, dir, &err), MC_ERR_IO);
    assert_contains(err.message, ": not a regular file");
    assert_int_equal(mc_st_load(NULL, path, &err), MC_ERR_ARGUMENT);
    assert_int_equal(mc_st_load(&f, NULL, &err), MC_ERR_ARGUMENT);

    /* A file cut short on disk: refused with the path in the message. */
    sample s;
    sample_init(&s, true);
    size_t size;
    unsigned char *b = sample_bytes(&s, &size);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, size - 3, fp), size - 3);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(mc_st_load(&f, path, &err), MC_ERR_FORMAT);
    assert_null(f);
    assert_contains(err.message, "cut.safetensors: tensor \"horizon.W\": data_offsets");
    assert_contains(err.message, "run past the end of the data section");
    free(b);
    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- an independent reader ----------------------------------------------------- */

/* The path of safetensors_check.py, beside this source file. */
static void checker_path(char *out, size_t size)
{
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');
    size_t dir_len = slash != NULL ? (size_t)(slash - file + 1) : 0;
    int n = snprintf(out, size, "%.*ssafetensors_check.py", (int)dir_len, file);
    assert_true(n > 0 && (size_t)n < size);
}

/* Runs the checker on `path`; returns its exit status and its output in `out`. */
static int run_checker(const char *path, const char *dir, char *out, size_t size)
{
    char checker[1024], result[700], cmd[3000];
    checker_path(checker, sizeof checker);
    assert_int_equal(access(checker, R_OK), 0);
    snprintf(result, sizeof result, "%s/checker.out", dir);
    assert_null(strchr(path, '\''));
    assert_null(strchr(checker, '\''));
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -I '%s' '%s' > '%s' 2>&1", checker, path, result);
    int rc = system(cmd);
    FILE *fp = fopen(result, "rb");
    assert_non_null(fp);
    size_t got = fread(out, 1, size - 1, fp);
    out[got] = '\0';
    fclose(fp);
    remove(result);
    return rc;
}

static void test_python_reader(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0)
        skip(); /* the C-side checks above still ran in the other tests */
    char dir[512], path[600], out[4096], want[4096] = "";
    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    sample s;
    sample_init(&s, true); /* finite values: the sums must print alike */
    mc_error err;
    assert_int_equal(mc_st_write_file(path, s.entries, 5, s.meta, 4, &err), MC_OK);

    /* What the checker should print: name, shape, float64 sum in order. */
    for (size_t i = 0; i < 5; i++) {
        const mc_st_entry *e = &s.entries[i];
        size_t n = 1;
        char shape[64] = "[";
        for (size_t d = 0; d < e->ndim; d++) {
            n *= e->shape[d];
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%zu", d ? ", " : "",
                     e->shape[d]);
        }
        strcat(shape, "]");
        double sum = 0.0;
        for (size_t k = 0; k < n; k++)
            sum += (double)e->data[k];
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s %s %.17g\n", e->name, shape,
                 sum);
    }
    const char *keys[4] = {"channels", "config", "format", "site"}; /* sorted */
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < 4; i++)
            if (strcmp(s.meta[i].key, keys[k]) == 0)
                snprintf(want + strlen(want), sizeof want - strlen(want), "meta %s=%s\n",
                         s.meta[i].key, s.meta[i].value);
    int rc = run_checker(path, dir, out, sizeof out);
    if (rc != 0)
        print_error("checker said: %s\n", out);
    assert_int_equal(rc, 0);
    assert_string_equal(out, want);

    /* The checker is no rubber stamp: it refuses a file with a hole. */
    size_t size;
    unsigned char *b = make_file("{" T_A "}", 8, &size);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, size, fp), size);
    assert_int_equal(fclose(fp), 0);
    free(b);
    rc = run_checker(path, dir, out, sizeof out);
    assert_int_not_equal(rc, 0);
    assert_contains(out, "belong to no tensor");

    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_writer_padding),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_header_mutations),
        cmocka_unit_test(test_refuse_lengths),
        cmocka_unit_test(test_refuse_json),
        cmocka_unit_test(test_refuse_entries),
        cmocka_unit_test(test_refuse_shapes),
        cmocka_unit_test(test_refuse_offsets),
        cmocka_unit_test(test_refuse_layout),
        cmocka_unit_test(test_refuse_metadata),
        cmocka_unit_test(test_read_f32_errors),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_write_file_atomic),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_python_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
