/* The streaming CSV reader: structure, positions, selection, and every
   chunk size. */
#include "test_util.h"

#include <stdlib.h>

#include "io/csv_reader.h"
#include "maskcast/frame.h"

/* Records what the reader hands over as text: "line:field|field\n" per row. */
typedef struct recorder {
    const char *want[4]; /* names to select; NULL-terminated; none = first two columns */
    char *log;
    size_t len, cap;
    size_t n_names;
    size_t names_line;
    char last_name[64];
} recorder;

static void append(recorder *r, const char *s, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        r->cap = (r->len + n + 1) * 2;
        r->log = realloc(r->log, r->cap);
        assert_non_null(r->log);
    }
    memcpy(r->log + r->len, s, n);
    r->len += n;
    r->log[r->len] = '\0';
}

static mc_status rec_columns(void *ctx, const char *const *names, size_t n, size_t line,
                             size_t *select, size_t *n_select, mc_error *err)
{
    recorder *r = ctx;
    r->names_line = line;
    r->n_names = n;
    snprintf(r->last_name, sizeof r->last_name, "%s", names[n - 1]);
    *n_select = 0;
    if (r->want[0] == NULL) {
        for (size_t i = 0; i < n && i < 2; i++)
            select[(*n_select)++] = i;
        return MC_OK;
    }
    for (size_t k = 0; r->want[k] != NULL; k++) {
        size_t i = 0;
        while (i < n && strcmp(names[i], r->want[k]) != 0)
            i++;
        if (i == n) {
            err->code = MC_ERR_COLUMN;
            return MC_ERR_COLUMN;
        }
        select[(*n_select)++] = i;
    }
    return MC_OK;
}

static mc_status rec_row(void *ctx, mc_csv_field *fields, size_t line, mc_error *err)
{
    (void)err;
    recorder *r = ctx;
    char head[32];
    int n = snprintf(head, sizeof head, "%zu:", line);
    append(r, head, (size_t)n);
    size_t k = 0;
    for (; r->want[0] != NULL ? r->want[k] != NULL : k < 2; k++) {
        if (k > 0)
            append(r, "|", 1);
        append(r, fields[k].text, fields[k].len);
        assert_int_equal(strlen(fields[k].text), fields[k].len); /* NUL-terminated */
    }
    append(r, "\n", 1);
    return MC_OK;
}

static const mc_csv_handler HANDLER = {rec_columns, rec_row};

/* Reads `text` with `chunk`-byte reads; returns the status, fills stats and error. */
static mc_status read_text(const char *text, size_t len, size_t chunk, char delim, bool header,
                           recorder *r, mc_csv_stats *stats, mc_error *err)
{
    mc_csv_buffer buf = {text, len, 0};
    mc_csv_source src = mc_csv_source_buffer(&buf, "in.csv");
    mc_csv_reader_options opt = {delim, header, chunk, '.'};
    mc_error_clear(err);
    return mc_csv_read(&src, &opt, &HANDLER, r, stats, err);
}

static char *read_ok(const char *text, char delim, recorder *r, mc_csv_stats *stats)
{
    mc_error err;
    mc_status st = read_text(text, strlen(text), 0, delim, true, r, stats, &err);
    if (st != MC_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, MC_OK);
    return r->log;
}

static void test_detects_delimiters(void **state)
{
    (void)state;
    struct { const char *text; char delim; const char *want; } cases[] = {
        {"t,v,w\n1,2.385,x\n", ',', "2:1|2.385\n"},
        {"t;v;w\n1;2,385;x\n", ';', "2:1|2,385\n"},
        {"t\tv\tw\n1\t-7.25\tx\n", '\t', "2:1|-7.25\n"},
        /* Tabs delimit even though libcsv trims them as spaces elsewhere. */
        {"t\tv\tw\n 1 \t\tx\n", '\t', "2:1|\n"},
        /* A comma inside a quoted header name does not vote. */
        {"\"a,b\";v\n1;2\n", ';', "2:1|2\n"},
        /* Nor one inside a quoted name after spaces, or after a doubled quote. */
        {"  \"a,\"\"b,\" ;v\n1;2\n", ';', "2:1|2\n"},
        /* A quote inside a field opens nothing (libcsv reads it as text). */
        {"size 5\" pipe;v;w\n1;2;x,y\n", ';', "2:1|2\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        recorder r = {0};
        mc_csv_stats stats;
        assert_string_equal(read_ok(cases[i].text, 0, &r, &stats), cases[i].want);
        assert_int_equal(stats.delimiter, cases[i].delim);
        free(r.log);
    }
    /* A given delimiter wins over detection. */
    recorder r = {0};
    mc_csv_stats stats;
    assert_string_equal(read_ok("t;v,w\n1;2,3\n", ',', &r, &stats), "2:1;2|3\n");
    free(r.log);
}

static void test_quotes_and_line_numbers(void **state)
{
    (void)state;
    const char *text = "time,value,note\r\n"
                       "a,\"1,5\",\"said \"\"hi\"\"\"\r\n"
                       "\r\n"
                       "b,\"two\nlines\",x\r\n"
                       "c,3.5,\"three\r\nmore\r\nlines\"\n"
                       "d,4,\n";
    recorder r = {.want = {"time", "value", "note", NULL}};
    mc_csv_stats stats;
    read_ok(text, 0, &r, &stats);
    assert_string_equal(r.log, "2:a|1,5|said \"hi\"\n"
                               "4:b|two\nlines|x\n"
                               "6:c|3.5|three\r\nmore\r\nlines\n"
                               "9:d|4|\n");
    assert_int_equal(stats.data_rows, 4);
    assert_int_equal(stats.blank_lines, 1);
    assert_int_equal(stats.header_line, 1);
    free(r.log);
}

static void test_bom_and_selection(void **state)
{
    (void)state;
    /* The BOM does not become part of the first name; unselected columns,
       even with text that is not a number, are skipped. */
    const char *text = "\xEF\xBB\xBFtime,junk,load\n2020-01-01,not a number,17.5\n";
    recorder r = {.want = {"time", "load", NULL}};
    mc_csv_stats stats;
    assert_string_equal(read_ok(text, 0, &r, &stats), "2:2020-01-01|17.5\n");
    free(r.log);
}

/* One whole read of `text`: status, message, rows, delimiter and blank lines. */
typedef struct outcome {
    mc_status status;
    char message[sizeof ((mc_error *)0)->message];
    char *log;
    char delimiter;
    size_t blank_lines;
} outcome;

static outcome read_outcome(const char *text, size_t len, size_t chunk, const char *const *want)
{
    recorder r = {0};
    for (size_t k = 0; want != NULL && want[k] != NULL; k++)
        r.want[k] = want[k];
    mc_csv_stats stats;
    mc_error err;
    outcome o = {0};
    o.status = read_text(text, len, chunk, 0, true, &r, &stats, &err);
    snprintf(o.message, sizeof o.message, "%s", err.message);
    o.log = r.log;
    o.delimiter = stats.delimiter;
    o.blank_lines = stats.blank_lines;
    return o;
}

/* The same bytes give the same frame or error whatever the read size: the
   delimiter is detected once a whole first non-blank line is buffered, and
   "whole" must mean the same at every chunk size (a UTF-8 BOM and the blank
   lines after it skipped, a line break inside quotes not ending the line). */
static void test_every_chunk_size(void **state)
{
    (void)state;
    static const char *const time_load[] = {"time", "load", NULL};
    struct {
        const char *text;
        const char *const *want; /* NULL: the first two columns */
        const char *rows;        /* what a whole read gives */
        size_t blank_lines;
    } cases[] = {
        {"\xEF\xBB\xBF" "time;load;note\r\n"
         "2021-03-04 05:00;1,25;\"x;y\"\r\n"
         "\r\n"
         "2021-03-04 06:00;2,5;\"multi\nline\"\r\n"
         "2021-03-04 07:00;-;\"\"\"q\"\"\"\r\n"
         "2021-03-04 08:00;7,125;last",
         NULL,
         "2:2021-03-04 05:00|1,25\n"
         "4:2021-03-04 06:00|2,5\n"
         "6:2021-03-04 07:00|-\n"
         "7:2021-03-04 08:00|7,125\n",
         1},
        /* A BOM, then blank lines, then a ';' header. */
        {"\xEF\xBB\xBF\r\n\n\r\n\n"
         "time;load\n"
         "2021-03-04 05:00;2,385\n"
         "2021-03-04 06:00;-7,25\n",
         time_load,
         "6:2021-03-04 05:00|2,385\n"
         "7:2021-03-04 06:00|-7,25\n",
         4},
        /* A quoted header name with a line break in it (and a ',' that must not vote). */
        {"\"ti\nme\";load;\"a,b\r\nc\"\n"
         "2021-03-04 05:00;2,385;x\n"
         "2021-03-04 06:00;-7,25;y\n",
         (const char *const[]){"ti\nme", "load", NULL},
         "4:2021-03-04 05:00|2,385\n"
         "5:2021-03-04 06:00|-7,25\n",
         0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *text = cases[c].text;
        const size_t len = strlen(text);
        outcome whole = read_outcome(text, len, len, cases[c].want);
        if (whole.status != MC_OK)
            print_error("case %zu: %s\n", c, whole.message);
        assert_int_equal(whole.status, MC_OK);
        assert_string_equal(whole.log, cases[c].rows);
        assert_int_equal(whole.delimiter, ';');
        assert_int_equal(whole.blank_lines, cases[c].blank_lines);
        for (size_t chunk = 1; chunk <= len; chunk++) {
            outcome o = read_outcome(text, len, chunk, cases[c].want);
            if (o.status != whole.status || strcmp(o.message, whole.message) != 0 ||
                strcmp(o.log ? o.log : "", whole.log) != 0 || o.delimiter != whole.delimiter)
                print_error("case %zu, chunk size %zu gave status %d, delimiter '%c', "
                            "message \"%s\", rows:\n%s\n",
                            c, chunk, (int)o.status, o.delimiter, o.message,
                            o.log ? o.log : "(none)");
            assert_int_equal(o.status, whole.status);
            assert_string_equal(o.message, whole.message);
            assert_int_equal(o.delimiter, whole.delimiter);
            assert_non_null(o.log);
            assert_string_equal(o.log, whole.log);
            assert_int_equal(o.blank_lines, whole.blank_lines);
            free(o.log);
        }
        free(whole.log);
    }
}

static void test_empty_and_header_only(void **state)
{
    (void)state;
    recorder r = {0};
    mc_csv_stats stats;
    mc_error err;
    assert_int_equal(read_text("", 0, 0, 0, true, &r, &stats, &err), MC_ERR_EMPTY);
    assert_contains(err.message, "in.csv");
    assert_contains(err.message, "empty");
    assert_int_equal(read_text("\n\n", 2, 0, 0, true, &r, &stats, &err), MC_ERR_EMPTY);

    assert_int_equal(read_text("time,load\n", 10, 0, 0, true, &r, &stats, &err), MC_OK);
    assert_int_equal(stats.data_rows, 0);
    assert_int_equal(r.n_names, 2);
    assert_null(r.log);
}

static void test_nul_byte(void **state)
{
    (void)state;
    const char text[] = "time,load\n1,2\n3,4\0junk\n5,6\n";
    for (size_t chunk = 1; chunk <= sizeof text - 1; chunk += 3) {
        recorder r = {0};
        mc_csv_stats stats;
        mc_error err;
        assert_int_equal(read_text(text, sizeof text - 1, chunk, 0, true, &r, &stats, &err),
                         MC_ERR_CSV);
        assert_int_equal(err.line, 3);
        assert_int_equal(err.column, 2);
        assert_contains(err.message, "in.csv: line 3, field 2 contains a NUL byte");
        free(r.log);
    }
    /* In the first line: the delimiter comes from the bytes before the NUL
       (',' here; the whole line has more ';'), whatever a read brings after it. */
    const char first[] = "\r\na,b,c;\0;;;;\n1,2,3\n";
    for (size_t chunk = 1; chunk <= sizeof first - 1; chunk++) {
        recorder r = {0};
        mc_csv_stats stats;
        mc_error err;
        assert_int_equal(read_text(first, sizeof first - 1, chunk, 0, true, &r, &stats, &err),
                         MC_ERR_CSV);
        assert_int_equal(err.line, 2);
        assert_int_equal(err.column, 3);
        assert_contains(err.message, "in.csv: line 2, field 3 contains a NUL byte");
        free(r.log);
    }
}

/* A source of `size` copies of one byte that counts what it hands out. */
typedef struct counting_source {
    char byte;
    size_t size;
    size_t served;
} counting_source;

static size_t counting_read(void *ctx, char *buf, size_t cap, int *error)
{
    (void)error;
    counting_source *c = ctx;
    const size_t n = c->size - c->served < cap ? c->size - c->served : cap;
    memset(buf, c->byte, n);
    c->served += n;
    return n;
}

static mc_status read_counting(counting_source *c, size_t chunk, mc_error *err)
{
    mc_csv_source src = {counting_read, c, "blob.bin", 0};
    mc_csv_reader_options opt = {0, true, chunk, '.'};
    recorder r = {.want = {"time", "load", NULL}};
    mc_csv_stats stats;
    mc_error_clear(err);
    mc_status st = mc_csv_read(&src, &opt, &HANDLER, &r, &stats, err);
    free(r.log);
    return st;
}

/* Input without a line break is refused once the first-line limit is read,
   not after buffering far more; at any read size. */
static void test_first_line_limit(void **state)
{
    (void)state;
    const size_t limit = MC_CSV_FIRST_LINE_LIMIT;
    const size_t chunks[] = {0, 1000, 3 * limit};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        counting_source c = {'x', 8 * limit, 0};
        mc_error err;
        assert_int_equal(read_counting(&c, chunks[k], &err), MC_ERR_CSV);
        if (c.served > limit)
            print_error("chunk %zu: %zu bytes read\n", chunks[k], c.served);
        assert_true(c.served <= limit);
        assert_int_equal(err.line, 1);
        assert_contains(err.message, "blob.bin: line 1: no line break within the first 1 MiB");
    }
    /* The limit counts from the first byte: a first line ending on its last
       byte is read, one byte more is refused, and an open quote is named. */
    char *text = malloc(limit + 64);
    assert_non_null(text);
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t len = (size_t)sprintf(text, "time,load,");
        memset(text + len, 'n', limit - 1 - len + extra);
        len = limit - 1 + extra;
        len += (size_t)sprintf(text + len, "\n2024-01-01,2.385,x\n");
        recorder r = {.want = {"time", "load", NULL}};
        mc_csv_stats stats;
        mc_error err;
        const mc_status st = read_text(text, len, 4096, 0, true, &r, &stats, &err);
        if (extra == 0) {
            assert_int_equal(st, MC_OK);
            assert_string_equal(r.log, "2:2024-01-01|2.385\n");
        } else {
            assert_int_equal(st, MC_ERR_CSV);
            assert_contains(err.message, "in.csv: line 1: no line break within the first 1 MiB");
        }
        free(r.log);
    }
    size_t len = (size_t)sprintf(text, "\r\n\ntime,\"load");
    memset(text + len, 'q', limit);
    len += limit;
    recorder r = {0};
    mc_csv_stats stats;
    mc_error err;
    assert_int_equal(read_text(text, len, 0, 0, true, &r, &stats, &err), MC_ERR_CSV);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "in.csv: line 3: no line break outside quotes within the first "
                                 "1 MiB");
    assert_contains(err.message, "never closed");
    free(text);
}

/* A stream of NULs is refused at the first read, before more is buffered. */
static void test_nul_stream(void **state)
{
    (void)state;
    const size_t chunks[] = {1, 4096, 0};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        counting_source c = {'\0', 16 * MC_CSV_FIRST_LINE_LIMIT, 0};
        mc_error err;
        assert_int_equal(read_counting(&c, chunks[k], &err), MC_ERR_CSV);
        const size_t chunk = chunks[k] ? chunks[k] : 256 * 1024;
        if (c.served > chunk)
            print_error("chunk %zu: %zu bytes read\n", chunk, c.served);
        assert_true(c.served <= chunk);
        assert_int_equal(err.line, 1);
        assert_int_equal(err.column, 1);
        assert_contains(err.message, "blob.bin: line 1, field 1 contains a NUL byte");
    }
}

static void test_wide_header(void **state)
{
    (void)state;
    enum { N = 10000 };
    size_t cap = (size_t)N * 8 * 2 + 64, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int row = 0; row < 2; row++)
        for (int i = 0; i < N; i++)
            len += (size_t)snprintf(text + len, cap - len, row ? "%d%c" : "c%d%c", i,
                                    i + 1 < N ? ',' : '\n');
    recorder r = {.want = {"c0", "c9999", NULL}};
    mc_csv_stats stats;
    mc_error err;
    assert_int_equal(read_text(text, len, 4096, 0, true, &r, &stats, &err), MC_OK);
    assert_int_equal(r.n_names, N);
    assert_string_equal(r.last_name, "c9999");
    assert_string_equal(r.log, "2:0|9999\n");
    free(r.log);
    free(text);
}

static void test_megabyte_field(void **state)
{
    (void)state;
    const size_t big = (size_t)1 << 20;
    char *text = malloc(big + 64);
    assert_non_null(text);
    size_t len = (size_t)sprintf(text, "time,blob,load\n1,\"");
    memset(text + len, 'z', big);
    len += big;
    len += (size_t)sprintf(text + len, "\",2.5\n");
    /* Unselected: skipped. */
    recorder r = {.want = {"time", "load", NULL}};
    mc_csv_stats stats;
    mc_error err;
    assert_int_equal(read_text(text, len, 0, 0, true, &r, &stats, &err), MC_OK);
    assert_string_equal(r.log, "2:1|2.5\n");
    free(r.log);
    /* Selected: delivered whole. */
    recorder s = {.want = {"blob", NULL}};
    assert_int_equal(read_text(text, len, 0, 0, true, &s, &stats, &err), MC_OK);
    assert_int_equal(strlen(s.log), 2 + big + 1);
    free(s.log);
    free(text);
}

static void test_no_final_newline_and_lone_cr(void **state)
{
    (void)state;
    recorder r = {0};
    mc_csv_stats stats;
    assert_string_equal(read_ok("a,b\r1,2\r3,4", 0, &r, &stats), "2:1|2\n3:3|4\n");
    free(r.log);
}

static void test_structure_errors(void **state)
{
    (void)state;
    struct { const char *text; mc_status code; size_t line, column; const char *msg; } cases[] = {
        {"a,b,c\n1,2,3\n4,5\n", MC_ERR_CSV, 3, 3, "line 3 has 2 fields, but the header has 3"},
        {"a,b\n1,2\n\n4,5,6\n", MC_ERR_CSV, 4, 3, "line 4 has 3 fields, but the header has 2"},
        {"a,b\n1,2\n3,\"open\n4,5\n", MC_ERR_CSV, 3, 2, "line 3, field 2: a quoted field is never closed"},
        {"\xFF\xFEt\0i\0", MC_ERR_CSV, 1, 1, "UTF-16"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        recorder r = {0};
        mc_csv_stats stats;
        mc_error err;
        size_t len = i == 3 ? 6 : strlen(cases[i].text);
        assert_int_equal(read_text(cases[i].text, len, 0, 0, true, &r, &stats, &err), cases[i].code);
        assert_contains(err.message, cases[i].msg);
        assert_contains(err.message, "in.csv");
        if (cases[i].line != 0) {
            assert_int_equal(err.line, cases[i].line);
            assert_int_equal(err.column, cases[i].column);
        }
        free(r.log);
    }
}

static void test_no_header(void **state)
{
    (void)state;
    recorder r = {.want = {"1", "3", NULL}};
    mc_csv_stats stats;
    mc_error err;
    const char *text = "2020-01-01,x,4.5\n2020-01-02,y,5.5\n";
    assert_int_equal(read_text(text, strlen(text), 0, 0, false, &r, &stats, &err), MC_OK);
    assert_string_equal(r.log, "1:2020-01-01|4.5\n2:2020-01-02|5.5\n");
    assert_int_equal(stats.header_line, 0);
    free(r.log);
}

static size_t failing_read(void *ctx, char *buf, size_t cap, int *error)
{
    (void)ctx;
    (void)buf;
    (void)cap;
    *error = 5; /* EIO */
    return 0;
}

static void test_read_error(void **state)
{
    (void)state;
    mc_csv_source src = {failing_read, NULL, "broken.csv", 0};
    mc_csv_reader_options opt = {0, true, 0, '.'};
    recorder r = {0};
    mc_csv_stats stats;
    mc_error err;
    assert_int_equal(mc_csv_read(&src, &opt, &HANDLER, &r, &stats, &err), MC_ERR_IO);
    assert_contains(err.message, "broken.csv: read error: Input/output error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detects_delimiters),
        cmocka_unit_test(test_quotes_and_line_numbers),
        cmocka_unit_test(test_bom_and_selection),
        cmocka_unit_test(test_every_chunk_size),
        cmocka_unit_test(test_empty_and_header_only),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_first_line_limit),
        cmocka_unit_test(test_nul_stream),
        cmocka_unit_test(test_wide_header),
        cmocka_unit_test(test_megabyte_field),
        cmocka_unit_test(test_no_final_newline_and_lone_cr),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_no_header),
        cmocka_unit_test(test_read_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
