/*
 * fuzz_csv: the CSV reader through the public API, then regularisation and
 * column summaries of whatever it accepts.
 *
 * Input: 5 option bytes (delimiter, decimal mark, header, lenient reading,
 * time format, columns, regularisation policies), then the CSV text.
 *
 * Asserts: the same bytes give the same frame, or the same error, whatever
 * the chunk size and whether read from a buffer or a stream (the reader's
 * state must never depend on where a read ends); a read frame's states agree
 * with its values; regularisation gives a strictly regular grid without
 * infinities, leaves a frame it refuses unchanged, and is deterministic and
 * idempotent; every column summary is consistent and finite where defined.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"

/* Chunk sizes that split the text everywhere: 0 is the default (256 KiB). */
static const size_t CHUNKS[] = {0, 1, 3, 17, 64};
enum { N_CHUNKS = sizeof CHUNKS / sizeof CHUNKS[0], N_READS = N_CHUNKS + 1 };

/* Column names the options may ask for: header names of the seeds, and the
   generated names "1", "2", ... of a file without a header. */
static const char *const NAMES[] = {"time", "load", "temperature", "holiday", "1", "2", "3", "x"};

typedef struct fuzz_options {
    mc_csv_options csv;
    const char *covariates[2];
    mc_regularize_options reg;
} fuzz_options;

static const char *pick_name(uint8_t b)
{
    return b < 0x80 ? NULL : NAMES[b % (sizeof NAMES / sizeof NAMES[0])];
}

static void choose_options(fuzz_input *in, fuzz_options *o)
{
    static const char delimiters[] = {0, 0, ',', ';', '\t', '|', ':'}; /* ':' is refused */
    static const int64_t steps[] = {0, 0, 0, 1, 60, 900, 3600, 86400};
    static const int64_t interpolate[] = {3 * 3600, 0, 3600, 86400}; /* the default first */
    const uint8_t b0 = fuzz_byte(in), b1 = fuzz_byte(in), b2 = fuzz_byte(in), b3 = fuzz_byte(in);
    const uint8_t b4 = fuzz_byte(in);

    mc_csv_options_defaults(&o->csv);
    o->csv.delimiter = delimiters[b0 % sizeof delimiters];
    o->csv.decimal = (b0 & 0x10) ? ',' : '.';
    o->csv.header = !(b0 & 0x20);
    o->csv.lenient = (b0 & 0x40) != 0;
    o->csv.time_format = (mc_time_format)(b1 % 5);
    o->csv.n_covariates = (b1 >> 3) % 3;
    for (size_t k = 0; k < o->csv.n_covariates; k++)
        o->covariates[k] = NAMES[((b1 >> 5) + 2 + 3 * k) % (sizeof NAMES / sizeof NAMES[0])];
    o->csv.covariates = o->covariates;
    o->csv.time_column = pick_name(b3);
    o->csv.target_column = pick_name(b4);

    mc_regularize_options_defaults(&o->reg);
    o->reg.step = steps[b2 % 8];
    o->reg.duplicates = (mc_duplicates)((b2 >> 3) % 4);
    o->reg.sort = !(b2 & 0x20);
    o->reg.long_fill = (mc_long_fill)((b2 >> 6) % 3);
    o->reg.max_interpolate = interpolate[(b3 >> 4) % 4];
}

/* A summary's counts agree with the states and its statistics are finite
   where there is something to summarise. */
static void check_summary(const mc_frame *f, size_t j)
{
    mc_column_summary s;
    mc_error err;
    FUZZ_ASSERT(mc_frame_describe_column(f, j, &s, &err) == MC_OK);
    const uint8_t *state = mc_frame_states(f, j);
    size_t observed = 0;
    for (size_t i = 0; i < mc_frame_rows(f); i++)
        observed += state[i] == MC_VALUE_OBSERVED;
    FUZZ_ASSERT(s.observed == observed);
    FUZZ_ASSERT(s.zeros <= observed && s.negatives <= observed && s.outliers <= observed);
    if (observed == 0) {
        FUZZ_ASSERT(isnan(s.min) && isnan(s.max) && isnan(s.mean) && isnan(s.median));
        FUZZ_ASSERT(s.outliers == 0 && s.n_examples == 0);
        return;
    }
    FUZZ_ASSERT(isfinite(s.min) && isfinite(s.max) && isfinite(s.mean) && isfinite(s.median));
    FUZZ_ASSERT(s.min <= s.median && s.median <= s.max);
    /* The mean rounds: allow it a hair outside the range. */
    const double slack = 1e-9 * fmax(fabs(s.min), fabs(s.max));
    FUZZ_ASSERT(s.mean >= s.min - slack && s.mean <= s.max + slack);
    FUZZ_ASSERT(isfinite(s.robust_sd) && s.robust_sd >= 0.0);
    FUZZ_ASSERT(s.n_examples <= MC_SUMMARY_EXAMPLES && s.n_examples <= s.outliers);
    for (size_t k = 0; k < s.n_examples; k++) {
        FUZZ_ASSERT(s.example_rows[k] < mc_frame_rows(f));
        FUZZ_ASSERT(state[s.example_rows[k]] == MC_VALUE_OBSERVED);
        FUZZ_ASSERT(s.example_scores[k] > MC_OUTLIER_SIGMAS && isfinite(s.example_scores[k]));
        FUZZ_ASSERT(k == 0 || s.example_scores[k] <= s.example_scores[k - 1]);
    }
}

static void check_regular(const mc_frame *f)
{
    fuzz_assert_regular(f);
    for (size_t j = 0; j < mc_frame_columns(f); j++)
        check_summary(f, j);
}

/*
 * Regularises `f` by the fuzzed options; `twin` is an identical frame.
 * Accepted: the grid is regular, and the twin regularised alike (twice) is
 * the same. Refused: `f` is unchanged, and a retry with the defaults works
 * or fails cleanly.
 */
static void regularize(mc_frame *f, mc_frame *twin, const mc_regularize_options *reg)
{
    mc_error err;
    mc_status st = mc_frame_regularize(f, reg, &err);
    if (st == MC_OK) {
        check_regular(f);
        mc_error twin_err;
        FUZZ_ASSERT(mc_frame_regularize(twin, reg, &twin_err) == MC_OK);
        FUZZ_ASSERT(mc_frame_regularize(twin, reg, &twin_err) == MC_OK);
        fuzz_assert_same_frame(f, twin);
        return;
    }
    fuzz_assert_clean_error(st, &err);
    FUZZ_ASSERT(st != MC_ERR_NOMEM);
    fuzz_assert_same_frame(f, twin);
    mc_regularize_options defaults;
    mc_regularize_options_defaults(&defaults);
    st = mc_frame_regularize(f, &defaults, &err);
    if (st == MC_OK)
        check_regular(f);
    else
        fuzz_assert_clean_error(st, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    fuzz_options o;
    choose_options(&in, &o);

    mc_frame *frames[N_READS] = {NULL};
    mc_error errs[N_READS];
    mc_status st[N_READS];
    for (size_t k = 0; k < N_CHUNKS; k++) {
        o.csv.chunk_size = CHUNKS[k];
        st[k] = mc_frame_read_csv_buffer(&frames[k], in.data, in.size, "fuzz.csv", &o.csv,
                                         &errs[k]);
    }
    /* The stream path too, at one of the chunk sizes (picked by the length:
       every 256 KiB default read costs two large allocations, which under
       ASan are an mmap and an munmap each). The stream is opened read-only:
       fmemopen only wants a non-const pointer. */
    size_t reads = N_CHUNKS;
    FILE *fp = in.size > 0 ? fmemopen((void *)in.data, in.size, "r") : NULL;
    if (fp != NULL) {
        o.csv.chunk_size = CHUNKS[in.size % N_CHUNKS];
        st[reads] = mc_frame_read_csv_stream(&frames[reads], fp, "fuzz.csv", &o.csv, &errs[reads]);
        fclose(fp);
        reads++;
    }

    for (size_t k = 1; k < reads; k++) {
        FUZZ_ASSERT(st[k] == st[0]);
        if (st[0] == MC_OK)
            fuzz_assert_same_frame(frames[k], frames[0]);
        else
            fuzz_assert_same_error(&errs[k], &errs[0]);
    }
    if (st[0] == MC_OK) {
        const mc_frame *f = frames[0];
        FUZZ_ASSERT(mc_frame_rows(f) > 0 && mc_frame_step(f) == 0);
        FUZZ_ASSERT(mc_frame_columns(f) == 1 + o.csv.n_covariates);
        FUZZ_ASSERT(mc_frame_get_report(f)->file_rows == mc_frame_rows(f));
        fuzz_assert_frame_states(f);
        regularize(frames[0], frames[1], &o.reg);
    } else {
        fuzz_assert_clean_error(st[0], &errs[0]);
        FUZZ_ASSERT(frames[0] == NULL);
    }
    for (size_t k = 0; k < reads; k++)
        mc_frame_free(frames[k]);
    return 0;
}
