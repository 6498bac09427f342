/*
 * The real load files in the shared data folder (argv[1]) load through the
 * public API and agree with their PROVENANCE.txt: row counts, span, step,
 * grid length, duplicates and gaps. The expected numbers are parsed out of
 * each folder's PROVENANCE.txt, never written here, so the test checks the
 * data against its provenance. Every test is skipped when the folder is absent.
 */
#include "test_util.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "maskcast/maskcast.h"

enum { MAX_NAME = 256 };

static const char *g_data_dir; /* NULL when the folder does not exist */

/* The one export without a profile block of its own; test_vic_elec_localtime covers it. */
static const char LOCALTIME_CSV[] = "vic_elec_localtime_Rwritecsv.csv";

static void skip_without_data(void)
{
    if (g_data_dir == NULL)
        skip();
}

static void join(char *out, size_t size, const char *a, const char *b, const char *c)
{
    int n = c ? snprintf(out, size, "%s/%s/%s", a, b, c) : snprintf(out, size, "%s/%s", a, b);
    assert_true(n > 0 && (size_t)n < size);
}

/* The whole file as a string (caller frees), or NULL when it cannot be read. */
static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    for (size_t got; s != NULL && (got = fread(s + len, 1, cap - len - 1, fp)) > 0;) {
        len += got;
        if (cap - len < 2) {
            char *t = realloc(s, cap *= 2);
            if (t == NULL)
                free(s);
            s = t;
        }
    }
    fclose(fp);
    if (s != NULL)
        s[len] = '\0';
    return s;
}

/* ---- reading PROVENANCE.txt ------------------------------------------------ */

/* Text right after `key` in `text`; fails the test when the key is absent. */
static const char *after(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (p == NULL)
        fail_msg("PROVENANCE.txt has no \"%s\"", key);
    return p + strlen(key);
}

/* An integer written with optional thousands commas ("52,608"). */
static size_t parse_count(const char *p)
{
    while (*p == ' ')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        fail_msg("expected a number at \"%.30s\"", p);
    size_t v = 0;
    for (; (*p >= '0' && *p <= '9') || (*p == ',' && p[1] >= '0' && p[1] <= '9'); p++)
        if (*p != ',')
            v = v * 10 + (size_t)(*p - '0');
    return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD HH:MM:SS" as seconds since the epoch, the wall clock taken as UTC. */
static int64_t parse_stamp(const char *p)
{
    while (*p == ' ')
        p++;
    int y, mo, d, h, mi, s;
    if (sscanf(p, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
        fail_msg("expected a timestamp at \"%.30s\"", p);
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* A pandas Timedelta, "0 days 01:00:00", in seconds. */
static int64_t parse_timedelta(const char *p, const char **end)
{
    int days, h, m, s, n = 0;
    if (sscanf(p, " %d days %2d:%2d:%2d%n", &days, &h, &m, &s, &n) != 4)
        fail_msg("expected a time difference at \"%.30s\"", p);
    if (end != NULL)
        *end = p + n;
    return (int64_t)days * 86400 + h * 3600 + m * 60 + s;
}

/* Copy of the lines from `start` to the first blank line or "=====" (caller frees). */
static char *copy_block(const char *start)
{
    const char *end = start + strlen(start);
    const char *blank = strstr(start, "\n\n"), *next = strstr(start + 1, "\n=====");
    if (blank != NULL && blank < end)
        end = blank;
    if (next != NULL && next < end)
        end = next;
    char *b = malloc((size_t)(end - start) + 1);
    assert_non_null(b);
    memcpy(b, start, (size_t)(end - start));
    b[end - start] = '\0';
    return b;
}

/*
 * The profile block of `csv` in `prov` (caller frees), or NULL when it has
 * none. Three layouts occur: "===== NAME.csv N bytes" per file (PJM); one
 * "PROFILE" section for a folder's only file (ETTh1); and files lettered
 * "(A) NAME.csv" under SOURCE with a "PROFILE of (A)" section (vic_elec).
 */
static char *profile_block(const char *prov, const char *csv)
{
    char key[MAX_NAME + 16];
    snprintf(key, sizeof key, "===== %s ", csv);
    const char *p = strstr(prov, key);
    if (p != NULL)
        return copy_block(p);
    snprintf(key, sizeof key, ") %s", csv);
    p = strstr(prov, key);
    if (p != NULL && p >= prov + 2 && p[-2] == '(') {
        char section[32];
        snprintf(section, sizeof section, "PROFILE of (%c)", p[-1]);
        p = strstr(prov, section);
        return p != NULL ? copy_block(strstr(p, "\nrows") ? strstr(p, "\nrows") + 1 : p) : NULL;
    }
    /* A folder's single profile without a per-file header, for the file it names. */
    p = strstr(prov, "\nPROFILE");
    if (p == NULL || strstr(prov, csv) == NULL || strstr(p + 1, "\nPROFILE") != NULL || strstr(prov, "\n=====") != NULL)
        return NULL;
    const char *rows = strstr(p, "\nrows (data");
    return rows != NULL ? copy_block(rows + 1) : NULL;
}

/* What a profile block says about one file. */
typedef struct profile {
    char target[MAX_NAME];   /* the header's second column name */
    size_t rows;             /* data rows in the file */
    int64_t first, last;     /* min and max timestamp */
    bool sorted;
    size_t extra_rows, duplicated_times;
    int64_t step;            /* the most common difference */
    bool steps_on_grid;      /* every difference a multiple of the step */
    size_t grid, missing;
} profile;

static void parse_profile(const char *block, profile *pr)
{
    memset(pr, 0, sizeof *pr);
    pr->rows = parse_count(after(block, "rows (data, excl. header):"));
    const char *cols = after(block, "columns: [");
    const char *second = strstr(cols, ", '"); /* ['time', 'target', ...] */
    assert_non_null(second);
    second += 3;
    const char *close = strchr(second, '\'');
    assert_non_null(close);
    assert_true((size_t)(close - second) < sizeof pr->target);
    memcpy(pr->target, second, (size_t)(close - second));
    pr->first = parse_stamp(after(block, "min timestamp:"));
    pr->last = parse_stamp(after(block, "max timestamp:"));
    const char *sorted = after(block, "file sorted ascending by time:");
    pr->sorted = strncmp(sorted, " True", 5) == 0;
    assert_true(pr->sorted || strncmp(sorted, " False", 6) == 0);
    pr->extra_rows = parse_count(after(block, "duplicated timestamps:"));
    pr->duplicated_times = parse_count(after(block, "extra rows over"));

    /* "0 days 01:00:00: 121241; 0 days 02:00:00: 27" — pandas lists the most common first. */
    const char *p = after(block, "step distribution (sorted unique timestamps):");
    pr->step = parse_timedelta(p, &p);
    assert_true(pr->step > 0);
    pr->steps_on_grid = true;
    const char *eol = strchr(p, '\n') ? strchr(p, '\n') : p + strlen(p);
    for (const char *semi; (semi = strchr(p, ';')) != NULL && semi < eol; p = semi + 1)
        pr->steps_on_grid &= parse_timedelta(semi + 1, NULL) % pr->step == 0;

    const char *grid = after(block, "expected regular grid at");
    assert_int_equal(parse_timedelta(grid, &grid), pr->step);
    pr->grid = parse_count(after(grid, ":"));
    pr->missing = parse_count(after(grid, "missing timestamps:"));
}

/* ---- loading and checking -------------------------------------------------- */

/* Reads and regularises a file, in the time zone `zone` unless it is NULL. */
static mc_frame *load_in(const char *path, const char *time_col, const char *target,
                         const char *const *covariates, size_t n_covariates, const char *zone)
{
    mc_csv_options copt;
    mc_csv_options_defaults(&copt);
    copt.time_column = time_col;
    copt.target_column = target;
    copt.covariates = covariates;
    copt.n_covariates = n_covariates;
    mc_error err;
    mc_frame *f = NULL;
    mc_status st = mc_frame_read_csv(&f, path, &copt, &err);
    if (st != MC_OK)
        fail_msg("%s: %s (%s)", path, err.message, mc_status_name(st));
    if (zone != NULL && (st = mc_frame_set_time_zone(f, zone, NULL, &err)) != MC_OK) {
        mc_frame_free(f);
        fail_msg("%s: %s (%s)", path, err.message, mc_status_name(st));
    }
    mc_regularize_options ropt;
    mc_regularize_options_defaults(&ropt);
    st = mc_frame_regularize(f, &ropt, &err);
    if (st != MC_OK) {
        mc_frame_free(f);
        fail_msg("%s: %s (%s)", path, err.message, mc_status_name(st));
    }
    return f;
}

static mc_frame *load(const char *path, const char *time_col, const char *target,
                      const char *const *covariates, size_t n_covariates)
{
    return load_in(path, time_col, target, covariates, n_covariates, NULL);
}

/* Fails naming the file and the quantity, so a mismatch says where it is. */
#define expect_eq(path, what, got, want)                                                       \
    do {                                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);                               \
        if (g_ != w_)                                                                          \
            fail_msg("%s: %s is %lld, PROVENANCE.txt says %lld", path, what, g_, w_);          \
    } while (0)

/* "[NAME] missing=0 non-numeric=0 ..." for column j, where the profile has the line. */
static void check_column_counts(const char *path, const char *block, const mc_frame *f, size_t j)
{
    char key[MAX_NAME + 16];
    snprintf(key, sizeof key, "[%s] missing=", mc_frame_column_name(f, j));
    const char *p = strstr(block, key);
    if (p == NULL)
        return;
    const mc_column_report *c = mc_frame_column_report(f, j);
    expect_eq(path, "missing values in the file", c->missing_in_file, parse_count(p + strlen(key)));
    expect_eq(path, "non-numeric values", c->non_numeric, parse_count(after(p, "non-numeric=")));
}

/* Loads `path` and checks it against its profile block; returns the frame. */
static mc_frame *check_profiled(const char *path, const char *block,
                                const char *const *covariates, size_t n_covariates)
{
    profile pr;
    parse_profile(block, &pr);
    mc_frame *f = load(path, NULL, pr.target, covariates, n_covariates);
    const mc_frame_report *r = mc_frame_get_report(f);
    const size_t n = mc_frame_rows(f);
    expect_eq(path, "file rows", r->file_rows, pr.rows);
    expect_eq(path, "step", mc_frame_step(f), pr.step);
    expect_eq(path, "grid rows", n, pr.grid);
    expect_eq(path, "first instant", mc_frame_times(f)[0], pr.first);
    expect_eq(path, "last instant", mc_frame_times(f)[n - 1], pr.last);
    expect_eq(path, "duplicate rows merged", r->duplicate_rows, pr.extra_rows);
    expect_eq(path, "duplicated instants", r->duplicate_times, pr.duplicated_times);
    expect_eq(path, "gap rows", r->gap_rows, pr.missing);
    expect_eq(path, "was sorted", r->was_sorted, pr.sorted);
    if (pr.steps_on_grid)
        expect_eq(path, "off-grid rows", r->off_grid_rows, 0);
    /* Every grid row is a file row, a merged duplicate or an inserted gap. */
    expect_eq(path, "rows accounted for", r->file_rows - r->duplicate_rows + r->gap_rows, n);
    for (size_t j = 0; j < mc_frame_columns(f); j++)
        check_column_counts(path, block, f, j);
    return f;
}

static bool is_csv(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && strcmp(name + len - 4, ".csv") == 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Checks every profiled CSV in `folder`; returns how many, and counts the unprofiled. */
static size_t check_folder(const char *folder, const char *const *covariates, size_t n_covariates,
                           size_t *unprofiled)
{
    char path[4096];
    join(path, sizeof path, g_data_dir, folder, "PROVENANCE.txt");
    char *prov = read_text(path);
    if (prov == NULL)
        fail_msg("%s cannot be read", path);
    join(path, sizeof path, g_data_dir, folder, NULL);
    DIR *dir = opendir(path);
    assert_non_null(dir);
    size_t checked = 0;
    *unprofiled = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (!is_csv(e->d_name))
            continue;
        char *block = profile_block(prov, e->d_name);
        if (block == NULL) {
            ++*unprofiled;
            continue;
        }
        join(path, sizeof path, g_data_dir, folder, e->d_name);
        mc_frame_free(check_profiled(path, block, covariates, n_covariates));
        free(block);
        checked++;
    }
    closedir(dir);
    free(prov);
    return checked;
}

/* ---- the tests ---------------------------------------------------------------- */

static void test_pjm_hourly(void **state)
{
    (void)state;
    skip_without_data();
    size_t unprofiled = 0;
    size_t checked = check_folder("pjm_hourly", NULL, 0, &unprofiled);
    char path[4096];
    join(path, sizeof path, g_data_dir, "pjm_hourly", "PROVENANCE.txt");
    char *prov = read_text(path);
    assert_non_null(prov);
    size_t blocks = 0;
    for (const char *p = prov; (p = strstr(p, "\n===== ")) != NULL; p++)
        blocks++;
    free(prov);
    assert_true(blocks > 0);
    assert_int_equal(checked, blocks); /* every profile block names a file that exists */
    assert_int_equal(unprofiled, 0);
}

static void test_etth1(void **state)
{
    (void)state;
    skip_without_data();
    size_t unprofiled = 0;
    assert_int_equal(check_folder("etth1", NULL, 0, &unprofiled), 1);
    assert_int_equal(unprofiled, 0);
}

static const char *const VIC_COVARIATES[] = {"Temperature", "Holiday"};

/* The count after `key` in "Holiday values: {'FALSE': 51120, 'TRUE': 1488}". */
static size_t holiday_count(const char *prov, const char *key)
{
    return parse_count(after(after(prov, "Holiday values: {"), key));
}

static size_t count_equal(const mc_frame *f, size_t j, double want)
{
    size_t k = 0;
    for (size_t i = 0; i < mc_frame_rows(f); i++)
        k += mc_frame_values(f, j)[i] == want;
    return k;
}

static void test_vic_elec_utc(void **state)
{
    (void)state;
    skip_without_data();
    size_t unprofiled = 0;
    assert_int_equal(check_folder("vic_elec", VIC_COVARIATES, 2, &unprofiled), 1);
    assert_int_equal(unprofiled, 1); /* the local-time export, tested below */

    char path[4096];
    join(path, sizeof path, g_data_dir, "vic_elec", "PROVENANCE.txt");
    char *prov = read_text(path);
    assert_non_null(prov);
    char *block = profile_block(prov, "vic_elec_utc.csv");
    assert_non_null(block);
    join(path, sizeof path, g_data_dir, "vic_elec", "vic_elec_utc.csv");
    mc_frame *f = check_profiled(path, block, VIC_COVARIATES, 2);
    assert_int_equal(mc_frame_columns(f), 3);
    assert_string_equal(mc_frame_column_name(f, 1), "Temperature");
    assert_string_equal(mc_frame_column_name(f, 2), "Holiday");
    assert_true(mc_frame_get_report(f)->has_utc_offsets);
    /* TRUE/FALSE read as 1/0, all of them observed. */
    expect_eq(path, "holidays (TRUE)", count_equal(f, 2, 1.0), holiday_count(prov, "'TRUE':"));
    expect_eq(path, "other days (FALSE)", count_equal(f, 2, 0.0), holiday_count(prov, "'FALSE':"));
    for (size_t j = 0; j < 3; j++)
        assert_int_equal(mc_frame_column_report(f, j)->missing, 0);
    mc_frame_free(f);
    free(block);
    free(prov);
}

/*
 * The R export in Melbourne wall-clock time: same rows as the UTC file, a
 * leading unnamed index column, midnight as a bare date, the fall-back hour
 * written twice and the spring-forward hour absent. The expected counts come
 * from the UTC file's profile ("rows per local Date: {48: 1090, 50: 3, 46: 3}").
 */
static void test_vic_elec_localtime(void **state)
{
    (void)state;
    skip_without_data();
    char path[4096];
    join(path, sizeof path, g_data_dir, "vic_elec", "PROVENANCE.txt");
    char *prov = read_text(path);
    assert_non_null(prov);
    const size_t rows = parse_count(after(prov, "\nSHAPE\n"));
    assert_int_equal(rows, parse_count(after(prov, "rows (data, excl. header):")));
    const int64_t step = parse_timedelta(after(prov, "step distribution (sorted unique timestamps):"),
                                         NULL);
    const char *local = after(prov, "first/last in Australia/Melbourne:");
    const int64_t first = parse_stamp(local);
    const char *second = strchr(local + 1 + strlen("YYYY-MM-DD HH:MM:SS"), ' ');
    assert_non_null(second);
    const int64_t last = parse_stamp(second);

    /* Days with more than 86400/step rows repeat stamps; days with fewer lack some. */
    const long long per_day = 86400 / step;
    size_t extra = 0, missing = 0;
    const char *p = after(prov, "rows per local Date: {");
    for (const char *close = strchr(p, '}'); p < close;) {
        long long day_rows = 0, days = 0;
        int used = 0;
        assert_int_equal(sscanf(p, " %lld: %lld%n", &day_rows, &days, &used), 2);
        if (day_rows > per_day)
            extra += (size_t)((day_rows - per_day) * days);
        else
            missing += (size_t)((per_day - day_rows) * days);
        p += used;
        p += *p == ',';
    }
    assert_true(extra > 0 && missing > 0);
    assert_int_equal(extra, parse_count(after(after(prov, "DUPLICATED wall-clock stamps"), "(")));
    const size_t midnights = parse_count(after(prov, "R quirk:"));

    join(path, sizeof path, g_data_dir, "vic_elec", LOCALTIME_CSV);
    mc_frame *f = load(path, "Time", "Demand", VIC_COVARIATES, 2);
    const mc_frame_report *r = mc_frame_get_report(f);
    const size_t n = mc_frame_rows(f);
    expect_eq(path, "file rows", r->file_rows, rows);
    expect_eq(path, "step", mc_frame_step(f), step);
    expect_eq(path, "duplicate rows merged", r->duplicate_rows, extra);
    expect_eq(path, "duplicated instants", r->duplicate_times, extra); /* each written twice */
    expect_eq(path, "gap rows", r->gap_rows, missing);
    expect_eq(path, "grid rows", n, rows);
    expect_eq(path, "off-grid rows", r->off_grid_rows, 0);
    assert_false(r->was_sorted); /* the repeated hour steps back */
    assert_false(r->has_utc_offsets);
    const int64_t *t = mc_frame_times(f);
    const int16_t *off = mc_frame_utc_offsets(f);
    expect_eq(path, "first wall clock", t[0] + 60 * off[0], first);
    expect_eq(path, "last wall clock", t[n - 1] + 60 * off[n - 1], last);

    /* Every bare-date midnight was read as 00:00 and observed. */
    size_t observed_midnights = 0;
    for (size_t i = 0; i < n; i++)
        observed_midnights += (t[i] + 60 * off[i]) % 86400 == 0 &&
                              mc_frame_states(f, 0)[i] == MC_VALUE_OBSERVED;
    expect_eq(path, "observed midnights", observed_midnights, midnights);

    assert_string_equal(mc_frame_time_name(f), "Time");
    assert_string_equal(mc_frame_column_name(f, 0), "Demand");
    expect_eq(path, "holidays (TRUE)", count_equal(f, 2, 1.0), holiday_count(prov, "'TRUE':"));
    for (size_t j = 0; j < 3; j++) {
        expect_eq(path, "interpolated values", mc_frame_column_report(f, j)->interpolated, missing);
        expect_eq(path, "values left missing", mc_frame_column_report(f, j)->missing, 0);
    }
    mc_frame_free(f);
    free(prov);
}

/*
 * Both exports read in Australia/Melbourne are one series: the UTC file's
 * instants take Melbourne's offsets, the local file's wall-clock times
 * become the same instants (its repeated fall-back stamps the daylight-saving
 * one first, its missing spring-forward stamps no gap at all), so every row
 * has the same instant, wall clock and values, with nothing merged or filled.
 */
static void test_vic_elec_zone(void **state)
{
    (void)state;
    skip_without_data();
    char utc[4096], local[4096];
    join(utc, sizeof utc, g_data_dir, "vic_elec", "vic_elec_utc.csv");
    join(local, sizeof local, g_data_dir, "vic_elec", LOCALTIME_CSV);
    mc_frame *a = load_in(utc, "Time", "Demand", VIC_COVARIATES, 2, "Australia/Melbourne");
    mc_frame *b = load_in(local, "Time", "Demand", VIC_COVARIATES, 2, "Australia/Melbourne");
    const size_t n = mc_frame_rows(a);
    expect_eq(local, "rows", mc_frame_rows(b), n);
    expect_eq(local, "rows in the file", mc_frame_get_report(b)->file_rows, n);
    expect_eq(local, "gap rows", mc_frame_get_report(b)->gap_rows, 0);
    expect_eq(local, "duplicate rows", mc_frame_get_report(b)->duplicate_rows, 0);
    assert_string_equal(mc_frame_time_zone(b), "Australia/Melbourne");
    size_t summer = 0;
    for (size_t i = 0; i < n; i++) {
        expect_eq(local, "instant", mc_frame_times(b)[i], mc_frame_times(a)[i]);
        expect_eq(local, "offset", mc_frame_utc_offsets(b)[i], mc_frame_utc_offsets(a)[i]);
        summer += mc_frame_utc_offsets(a)[i] == 660;
        for (size_t j = 0; j < 3; j++)
            assert_close(mc_frame_values(b, j)[i], mc_frame_values(a, j)[i], 1e-9, 1e-12);
    }
    /* Melbourne keeps +10:00 in winter and +11:00 in summer. */
    assert_true(summer > n / 3 && summer < 2 * n / 3);
    mc_frame_free(a);
    mc_frame_free(b);
}

/* Every CSV in the folder has a profile block or a test of its own. */
static void test_every_csv_is_covered(void **state)
{
    (void)state;
    skip_without_data();
    static const char *const tested[] = {"pjm_hourly", "etth1", "vic_elec"};
    DIR *top = opendir(g_data_dir);
    assert_non_null(top);
    size_t csvs = 0;
    for (struct dirent *e; (e = readdir(top)) != NULL;) {
        char path[4096];
        join(path, sizeof path, g_data_dir, e->d_name, NULL);
        if (e->d_name[0] == '.' || !is_dir(path))
            continue;
        DIR *sub = opendir(path);
        assert_non_null(sub);
        join(path, sizeof path, g_data_dir, e->d_name, "PROVENANCE.txt");
        char *prov = read_text(path);
        for (struct dirent *c; (c = readdir(sub)) != NULL;) {
            if (!is_csv(c->d_name))
                continue;
            csvs++;
            bool known = false;
            for (size_t k = 0; k < sizeof tested / sizeof tested[0]; k++)
                known |= strcmp(e->d_name, tested[k]) == 0;
            if (!known)
                fail_msg("%s/%s: a folder no test reads", e->d_name, c->d_name);
            char *block = prov ? profile_block(prov, c->d_name) : NULL;
            if (block == NULL && strcmp(c->d_name, LOCALTIME_CSV) != 0)
                fail_msg("%s/%s has no profile block in its PROVENANCE.txt", e->d_name, c->d_name);
            free(block);
        }
        free(prov);
        closedir(sub);
    }
    closedir(top);
    assert_true(csvs >= 3);
}

int main(int argc, char **argv)
{
    if (argc > 1 && is_dir(argv[1]))
        g_data_dir = argv[1];
    else
        fprintf(stderr, "shared data folder %s not found: skipping\n", argc > 1 ? argv[1] : "(none given)");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pjm_hourly),
        cmocka_unit_test(test_etth1),
        cmocka_unit_test(test_vic_elec_utc),
        cmocka_unit_test(test_vic_elec_localtime),
        cmocka_unit_test(test_vic_elec_zone),
        cmocka_unit_test(test_every_csv_is_covered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
