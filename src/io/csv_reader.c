#include "io/csv_reader.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/checked.h"
#include "common/error.h"

enum {
    DEFAULT_CHUNK = 256 * 1024,
    /* libcsv grows its field buffer by this much; its default (128) makes a
       1 MB field cost thousands of reallocs. */
    FIELD_BLOCK = 64 * 1024
};
#define MAX_CHUNK ((size_t)64 << 20)
/* The first line is buffered whole to detect the delimiter, up to
   MC_CSV_LINE_LIMIT (io/csv_reader.h), stated in messages in whole MiB. */
_Static_assert(MC_CSV_LINE_LIMIT % ((size_t)1 << 20) == 0, "the limit is stated in MiB");
#define NOT_SELECTED SIZE_MAX

/* Storage for one selected field of the row being read. */
typedef struct slot {
    char *buf;
    size_t cap;
} slot;

typedef struct reader {
    const mc_csv_source *src;
    const mc_csv_handler *handler;
    void *ctx;
    mc_error *err;
    mc_csv_stats *stats;
    mc_status status; /* the first failure; callbacks do nothing after it */
    bool header;

    /* Before the columns are known: the first record's fields, kept whole. */
    bool have_columns;
    char **first;
    size_t n_first, first_cap;

    /* After: which field goes to which slot. */
    size_t n_cols;
    size_t *slot_of; /* (n_cols) slot index or NOT_SELECTED */
    size_t n_select;
    slot *slots;            /* (n_select) */
    mc_csv_field *fields;   /* (n_select) handed to the row callback */

    /* Position: the line the current record started on, newlines seen
       inside its quoted fields, and whether the last terminator was CR. */
    size_t line;
    size_t record_newlines;
    bool pending_cr;
    size_t field_no;
} reader;

static mc_status fail(reader *r, mc_status code)
{
    if (r->status == MC_OK)
        r->status = code;
    return code;
}

static mc_status read_error(reader *r, int error)
{
    return mc_error_set(r->err, MC_ERR_IO, 0, 0, "%s: read error: %s", r->src->name,
                        error > 0 ? strerror(error) : "unknown error");
}

/* Counts line breaks inside a field: LF, and CR not followed by LF. One pass
   that rejects printable bytes with a single compare: this runs on every field. */
static size_t count_newlines(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c <= '\r' && (c == '\n' || (c == '\r' && (i + 1 == len || s[i + 1] != '\n'))))
            n++;
    }
    return n;
}

static bool slot_store(slot *s, const char *text, size_t len)
{
    if (len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 32;
        while (cap < len + 1)
            cap = cap > SIZE_MAX / 2 ? len + 1 : cap * 2;
        char *p = realloc(s->buf, cap);
        if (p == NULL)
            return false;
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf, text, len);
    s->buf[len] = '\0';
    return true;
}

static void keep_first_field(reader *r, const char *text, size_t len)
{
    if (r->n_first == r->first_cap) {
        size_t cap = r->first_cap ? r->first_cap * 2 : 16;
        char **p = mc_realloc_array(r->first, cap, sizeof *p);
        if (p == NULL) {
            fail(r, mc_error_nomem(r->err, "reading the first row"));
            return;
        }
        r->first = p;
        r->first_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        fail(r, mc_error_nomem(r->err, "reading the first row"));
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    r->first[r->n_first++] = copy;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->status != MC_OK)
        return;
    const char *text = s != NULL ? s : "";
    r->record_newlines += count_newlines(text, len);
    size_t idx = r->field_no++;
    if (!r->have_columns) {
        keep_first_field(r, text, len);
        return;
    }
    if (idx < r->n_cols && r->slot_of[idx] != NOT_SELECTED) {
        size_t k = r->slot_of[idx];
        if (!slot_store(&r->slots[k], text, len)) {
            fail(r, mc_error_nomem(r->err, "reading a field"));
            return;
        }
        r->fields[k].text = r->slots[k].buf;
        r->fields[k].len = len;
    }
}

/* Asks the handler which columns it wants and prepares their slots. */
static mc_status choose_columns(reader *r, size_t line)
{
    r->n_cols = r->n_first;
    char **names = r->first;
    char **generated = NULL;
    if (!r->header) {
        generated = calloc(r->n_cols, sizeof *generated);
        if (generated == NULL)
            return fail(r, mc_error_nomem(r->err, "naming columns"));
        for (size_t i = 0; i < r->n_cols; i++) {
            char num[32];
            int n = snprintf(num, sizeof num, "%zu", i + 1);
            generated[i] = malloc((size_t)n + 1);
            if (generated[i] == NULL) {
                for (size_t j = 0; j < i; j++)
                    free(generated[j]);
                free(generated);
                return fail(r, mc_error_nomem(r->err, "naming columns"));
            }
            memcpy(generated[i], num, (size_t)n + 1);
        }
        names = generated;
    }
    mc_status st = MC_OK;
    r->slot_of = mc_realloc_array(NULL, r->n_cols, sizeof *r->slot_of);
    size_t *select = mc_realloc_array(NULL, r->n_cols, sizeof *select);
    if (r->slot_of == NULL || select == NULL) {
        st = mc_error_nomem(r->err, "selecting columns");
        goto done;
    }
    r->n_select = 0;
    st = r->handler->columns(r->ctx, (const char *const *)names, r->n_cols, line, select,
                             &r->n_select, r->err);
    if (st != MC_OK)
        goto done;
    for (size_t i = 0; i < r->n_cols; i++)
        r->slot_of[i] = NOT_SELECTED;
    r->slots = calloc(r->n_select ? r->n_select : 1, sizeof *r->slots);
    r->fields = calloc(r->n_select ? r->n_select : 1, sizeof *r->fields);
    if (r->slots == NULL || r->fields == NULL) {
        st = mc_error_nomem(r->err, "selecting columns");
        goto done;
    }
    for (size_t k = 0; k < r->n_select; k++) {
        if (select[k] >= r->n_cols || r->slot_of[select[k]] != NOT_SELECTED) {
            st = mc_error_set(r->err, MC_ERR_ARGUMENT, 0, 0, "%s: invalid column selection",
                              r->src->name);
            goto done;
        }
        r->slot_of[select[k]] = k;
    }
    r->have_columns = true;
    r->stats->header_line = r->header ? line : 0;
done:
    if (generated != NULL) {
        for (size_t i = 0; i < r->n_cols; i++)
            free(generated[i]);
        free(generated);
    }
    free(select);
    return st == MC_OK ? MC_OK : fail(r, st);
}

static void deliver_row(reader *r, size_t n_fields, size_t line)
{
    if (n_fields != r->n_cols) {
        fail(r, mc_error_set(r->err, MC_ERR_CSV, line, (n_fields < r->n_cols ? n_fields : r->n_cols) + 1,
                             "%s: line %zu has %zu field%s, but the %s has %zu", r->src->name, line,
                             n_fields, n_fields == 1 ? "" : "s",
                             r->header ? "header" : "first row", r->n_cols));
        return;
    }
    mc_status st = r->handler->row(r->ctx, r->fields, line, r->err);
    if (st != MC_OK)
        fail(r, st);
    else
        r->stats->data_rows++;
}

/* The first record names the columns (with a header) or is also data (without). */
static void first_record(reader *r, size_t line)
{
    if (choose_columns(r, line) != MC_OK || r->header)
        return;
    for (size_t i = 0; i < r->n_cols; i++) {
        size_t k = r->slot_of[i];
        if (k == NOT_SELECTED)
            continue;
        if (!slot_store(&r->slots[k], r->first[i], strlen(r->first[i]))) {
            fail(r, mc_error_nomem(r->err, "reading a field"));
            return;
        }
        r->fields[k].text = r->slots[k].buf;
        r->fields[k].len = strlen(r->first[i]);
    }
    deliver_row(r, r->n_cols, line);
}

static void on_row(int c, void *data)
{
    reader *r = data;
    if (r->status != MC_OK)
        return;
    /* With CSV_REPALL_NL a CRLF arrives as two terminators; the LF ends nothing. */
    if (c == '\n' && r->pending_cr && r->field_no == 0) {
        r->pending_cr = false;
        return;
    }
    r->pending_cr = (c == '\r');
    const size_t line = r->line;
    r->line += r->record_newlines + (c == -1 ? 0 : 1);
    r->record_newlines = 0;
    const size_t n_fields = r->field_no;
    r->field_no = 0;
    if (n_fields == 0) {
        if (c != -1)
            r->stats->blank_lines++;
        return;
    }
    if (!r->have_columns)
        first_record(r, line);
    else
        deliver_row(r, n_fields, line);
}

/*
 * The first non-blank line, scanned as bytes arrive so that whether it is
 * whole, and the delimiter detected from it, depend on the bytes and not on
 * how they were read. A UTF-8 BOM and blank lines before it are skipped; a
 * quote opens a quoted field only where a field starts (after spaces), as
 * in libcsv, so a line break inside quotes does not end the line and a
 * stray quote inside a field (5" pipe) opens nothing. Until the delimiter is
 * known every candidate delimiter starts a field.
 */
enum {
    SCAN_BOM = 0,     /* at the start: a BOM may follow */
    SCAN_LINE_START,  /* nothing but spaces on this line yet */
    SCAN_FIELD_START, /* after a delimiter */
    SCAN_UNQUOTED,    /* inside an unquoted field */
    SCAN_QUOTED,      /* inside quotes */
    SCAN_QUOTE_SEEN,  /* a quote inside quotes: the end, or the first of "" */
    SCAN_DONE         /* the line ended */
};

typedef struct line_scan {
    char delimiter;    /* given, or 0 while detecting */
    int state;
    bool spaces;       /* spaces after a quote seen inside quotes */
    bool after_cr;     /* the last blank line ended with CR (CRLF is one line) */
    size_t pos;        /* bytes scanned */
    size_t line;       /* line of the first non-blank line */
    size_t votes[3];   /* ',' ';' tab outside quotes */
} line_scan;

static const char CANDIDATES[3] = {',', ';', '\t'};

static bool scan_is_delimiter(const line_scan *sc, char c)
{
    return sc->delimiter ? c == sc->delimiter : c != '\0' && memchr(CANDIDATES, c, 3) != NULL;
}

static void scan_vote(line_scan *sc, char c)
{
    for (size_t k = 0; k < 3; k++)
        sc->votes[k] += c == CANDIDATES[k];
}

/* Scans s[sc->pos .. len); true once the first non-blank line has ended. */
static bool scan_first_line(line_scan *sc, const char *s, size_t len)
{
    if (sc->state == SCAN_BOM) {
        static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
        const size_t n = len < 3 ? len : 3;
        const bool is_bom = memcmp(s, bom, n) == 0;
        if (is_bom && n < 3)
            return false; /* perhaps a BOM: wait for its third byte */
        sc->pos = is_bom ? 3 : 0;
        sc->state = SCAN_LINE_START;
    }
    for (; sc->pos < len && sc->state != SCAN_DONE; sc->pos++) {
        const char c = s[sc->pos];
        const bool brk = c == '\n' || c == '\r';
        switch (sc->state) {
        case SCAN_LINE_START:
            if (brk) {
                sc->line += !(c == '\n' && sc->after_cr);
                sc->after_cr = c == '\r';
                continue;
            }
            sc->after_cr = false;
            if (!scan_is_delimiter(sc, c) && (c == ' ' || c == '\t'))
                continue; /* still nothing but spaces */
            /* The line's first byte starts its first field. */
            sc->state = SCAN_FIELD_START;
            /* fall through */
        case SCAN_FIELD_START:
        case SCAN_UNQUOTED:
            if (brk) {
                sc->state = SCAN_DONE;
            } else if (scan_is_delimiter(sc, c)) {
                scan_vote(sc, c);
                sc->state = SCAN_FIELD_START;
            } else if (sc->state == SCAN_FIELD_START && c == '"') {
                sc->state = SCAN_QUOTED;
            } else if (sc->state == SCAN_FIELD_START && c != ' ' && c != '\t') {
                sc->state = SCAN_UNQUOTED;
            }
            continue;
        case SCAN_QUOTED:
            if (c == '"') {
                sc->state = SCAN_QUOTE_SEEN;
                sc->spaces = false;
            }
            continue;
        case SCAN_QUOTE_SEEN: /* libcsv's FIELD_MIGHT_HAVE_ENDED, not strict */
            if (brk) {
                sc->state = SCAN_DONE;
            } else if (scan_is_delimiter(sc, c)) {
                scan_vote(sc, c);
                sc->state = SCAN_FIELD_START;
            } else if (c == ' ' || c == '\t') {
                sc->spaces = true;
            } else if (c == '"' && sc->spaces) {
                sc->spaces = false; /* a literal quote; the field may still end */
            } else {
                sc->state = SCAN_QUOTED; /* "" or text after the quote: still quoted */
            }
            continue;
        }
    }
    return sc->state == SCAN_DONE;
}

/* The delimiter used most often outside quotes on the first non-blank line,
   ',' by default (';' when ',' is the decimal mark). */
static char detect_delimiter(const line_scan *sc, char decimal)
{
    size_t counts[3] = {sc->votes[0], sc->votes[1], sc->votes[2]};
    if (decimal == ',')
        counts[0] = 0;
    size_t best = decimal == ',' ? 1 : 0;
    for (size_t k = 0; k < 3; k++)
        if (counts[k] > counts[best])
            best = k;
    return CANDIDATES[best];
}

/* Feeds bytes to libcsv, refusing NUL bytes with their position. */
static void feed(reader *r, struct csv_parser *p, const char *buf, size_t n)
{
    const char *nul = memchr(buf, '\0', n);
    size_t take = nul != NULL ? (size_t)(nul - buf) : n;
    if (take > 0 && csv_parse(p, buf, take, on_field, on_row, r) != take && r->status == MC_OK) {
        int e = csv_error(p);
        fail(r, e == CSV_ENOMEM || e == CSV_ETOOBIG
                    ? mc_error_nomem(r->err, "reading a field")
                    : mc_error_set(r->err, MC_ERR_CSV, r->line, r->field_no + 1,
                                   "%s: line %zu: malformed CSV (%s)", r->src->name, r->line,
                                   csv_strerror(e)));
    }
    if (nul != NULL && r->status == MC_OK) {
        size_t line = r->line + r->record_newlines;
        fail(r, mc_error_set(r->err, MC_ERR_CSV, line, r->field_no + 1,
                             "%s: line %zu, field %zu contains a NUL byte; is it a text file "
                             "in UTF-8?",
                             r->src->name, line, r->field_no + 1));
    }
}

/* Refuses a first line that does not end within MC_CSV_LINE_LIMIT bytes. */
static mc_status first_line_too_long(reader *r, const line_scan *sc)
{
    const size_t mib = MC_CSV_LINE_LIMIT >> 20;
    if (sc->state == SCAN_QUOTED)
        return fail(r, mc_error_set(r->err, MC_ERR_CSV, sc->line, 0,
                                    "%s: line %zu: no line break outside quotes within the first "
                                    "%zu MiB: a quote on this line is never closed, or the line "
                                    "is longer than the %zu MiB limit",
                                    r->src->name, sc->line, mib, mib));
    return fail(r, mc_error_set(r->err, MC_ERR_CSV, sc->line, 0,
                                "%s: line %zu: no line break within the first %zu MiB: not a CSV "
                                "file, or its first line is longer than the %zu MiB limit",
                                r->src->name, sc->line, mib, mib));
}

/*
 * Reads until the buffer holds a whole first non-blank line, the end of the
 * input, or a NUL byte (feed() then reports it; the scan stops before it, so
 * the delimiter does not depend on what a read brought after it). At most
 * MC_CSV_LINE_LIMIT bytes are read: without a line end in them the
 * input is refused.
 */
static mc_status read_first_line(reader *r, line_scan *sc, char **pre, size_t *len, size_t chunk,
                                 bool *eof)
{
    size_t cap = 0;
    *eof = false;
    while (*len < MC_CSV_LINE_LIMIT) {
        const size_t want = MC_CSV_LINE_LIMIT - *len < chunk ? MC_CSV_LINE_LIMIT - *len
                                                                   : chunk;
        if (*len + want > cap) {
            size_t ncap = cap ? cap : want;
            while (ncap < *len + want)
                ncap *= 2;
            char *p = realloc(*pre, ncap);
            if (p == NULL)
                return fail(r, mc_error_nomem(r->err, "reading the first line"));
            *pre = p;
            cap = ncap;
        }
        int error = 0;
        const size_t got = r->src->read(r->src->ctx, *pre + *len, want, &error);
        if (error != 0)
            return fail(r, read_error(r, error));
        if (got == 0) {
            *eof = true;
            return MC_OK;
        }
        const char *nul = memchr(*pre + *len, '\0', got);
        *len += got;
        if (nul != NULL) {
            scan_first_line(sc, *pre, (size_t)(nul - *pre));
            return MC_OK;
        }
        if (scan_first_line(sc, *pre, *len))
            return MC_OK;
    }
    return first_line_too_long(r, sc);
}

static void reader_free(reader *r)
{
    for (size_t i = 0; i < r->n_first; i++)
        free(r->first[i]);
    free(r->first);
    for (size_t k = 0; r->slots != NULL && k < r->n_select; k++)
        free(r->slots[k].buf);
    free(r->slots);
    free(r->fields);
    free(r->slot_of);
}

static mc_status check_encoding(reader *r, const char *pre, size_t len, size_t *skip)
{
    *skip = 0;
    if (len >= 3 && memcmp(pre, "\xEF\xBB\xBF", 3) == 0)
        *skip = 3;
    else if (len >= 2 && ((unsigned char)pre[0] == 0xFF || (unsigned char)pre[0] == 0xFE) &&
             ((unsigned char)pre[1] == 0xFE || (unsigned char)pre[1] == 0xFF))
        return fail(r, mc_error_set(r->err, MC_ERR_CSV, 1, 1,
                                    "%s: the file is UTF-16; save it as UTF-8", r->src->name));
    return MC_OK;
}

mc_status mc_csv_read(const mc_csv_source *src, const mc_csv_reader_options *opt,
                      const mc_csv_handler *handler, void *ctx, mc_csv_stats *stats,
                      mc_error *err)
{
    reader r = {.src = src, .handler = handler, .ctx = ctx, .err = err, .stats = stats,
                .status = MC_OK, .header = opt->header, .line = 1};
    memset(stats, 0, sizeof *stats);
    size_t chunk = opt->chunk_size == 0 ? DEFAULT_CHUNK
                   : opt->chunk_size > MAX_CHUNK ? MAX_CHUNK : opt->chunk_size;
    /* A small buffer needs no 256 KiB reads nor 64 KiB field blocks. */
    if (src->size > 0 && src->size < chunk)
        chunk = src->size;
    const size_t field_block = src->size > 0 && src->size < FIELD_BLOCK
                                   ? (src->size < 128 ? 128 : src->size + 1)
                                   : FIELD_BLOCK;
    if (opt->delimiter != 0 && opt->delimiter != ',' && opt->delimiter != ';' &&
        opt->delimiter != '\t' && opt->delimiter != '|')
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0,
                            "delimiter must be ',', ';', '|' or a tab");

    char *pre = NULL, *buf = NULL;
    size_t pre_len = 0, skip = 0;
    bool eof = false;
    struct csv_parser p;
    bool parser_ready = false;
    line_scan scan = {.delimiter = opt->delimiter, .line = 1};
    if (read_first_line(&r, &scan, &pre, &pre_len, chunk, &eof) != MC_OK ||
        check_encoding(&r, pre, pre_len, &skip) != MC_OK)
        goto done;
    stats->delimiter = opt->delimiter ? opt->delimiter : detect_delimiter(&scan, opt->decimal);

    if (csv_init(&p, CSV_REPALL_NL | CSV_APPEND_NULL) != 0) {
        fail(&r, mc_error_nomem(err, "starting the CSV parser"));
        goto done;
    }
    parser_ready = true;
    csv_set_delim(&p, (unsigned char)stats->delimiter);
    /* libcsv's own space test (space or tab) is inlined in its parser and safe
       with a tab delimiter: it tests for the delimiter first. */
    csv_set_blk_size(&p, field_block);

    feed(&r, &p, pre + skip, pre_len - skip);
    free(pre);
    pre = NULL;
    if (!eof && r.status == MC_OK) {
        buf = malloc(chunk);
        if (buf == NULL) {
            fail(&r, mc_error_nomem(err, "allocating the read buffer"));
            goto done;
        }
        for (;;) {
            int error = 0;
            size_t got = src->read(src->ctx, buf, chunk, &error);
            if (error != 0) {
                fail(&r, read_error(&r, error));
                break;
            }
            if (got == 0)
                break;
            feed(&r, &p, buf, got);
            if (r.status != MC_OK)
                break;
        }
    }
    /* libcsv reports an unclosed quote only in strict mode, which also refuses
       a stray quote inside an unquoted field (5" pipe); its public parser state
       tells instead: 2 is FIELD_BEGUN in libcsv.c. */
    if (r.status == MC_OK && p.quoted && p.pstate == 2)
        fail(&r, mc_error_set(err, MC_ERR_CSV, r.line, r.field_no + 1,
                              "%s: line %zu, field %zu: a quoted field is never closed",
                              src->name, r.line, r.field_no + 1));
    if (r.status == MC_OK)
        csv_fini(&p, on_field, on_row, &r);
    if (r.status == MC_OK && !r.have_columns)
        fail(&r, mc_error_set(err, MC_ERR_EMPTY, 0, 0, "%s: the file is empty", src->name));
done:
    if (parser_ready)
        csv_free(&p);
    free(pre);
    free(buf);
    reader_free(&r);
    return r.status;
}

static size_t read_stream(void *ctx, char *buf, size_t cap, int *error)
{
    FILE *f = ctx;
    errno = 0;
    size_t got = fread(buf, 1, cap, f);
    if (got < cap && ferror(f))
        *error = errno != 0 ? errno : -1;
    return got;
}

mc_csv_source mc_csv_source_stream(FILE *stream, const char *name)
{
    return (mc_csv_source){.read = read_stream, .ctx = stream, .name = name};
}

static size_t read_buffer(void *ctx, char *out, size_t cap, int *error)
{
    mc_csv_buffer *b = ctx;
    (void)error;
    size_t n = b->size - b->pos < cap ? b->size - b->pos : cap;
    if (n > 0)
        memcpy(out, b->data + b->pos, n);
    b->pos += n;
    return n;
}

mc_csv_source mc_csv_source_buffer(mc_csv_buffer *buf, const char *name)
{
    return (mc_csv_source){.read = read_buffer, .ctx = buf, .name = name,
                           .size = buf->size - buf->pos};
}
