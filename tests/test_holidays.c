/* The built-in holiday tables (data/holidays): found by market name through
   the library and the command line, known dates of public calendars present,
   unknown names refused with the list, and --holidays telling a market from
   a file. */
#include "cli_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <sys/stat.h>

#include "cli/cli_holidays.h"
#include "data/holiday_markets.h"
#include "data/timestamp.h"
#include "maskcast/maskcast.h"

/* Whether the sorted `days` hold y-m-d. */
static bool holds(const int64_t *days, size_t n, int y, int m, int d)
{
    const int64_t day = mc_days_from_civil(y, m, d);
    for (size_t i = 0; i < n; i++)
        if (days[i] == day)
            return true;
    return false;
}

/* Days on which public calendars of these markets do, or do not, have a
   public holiday (with the day a weekend holiday is observed on). */
typedef struct known_day {
    const char *market;
    int y, m, d;
    bool holiday;
} known_day;

static const known_day KNOWN[] = {
    {"gb-eng", 2024, 12, 26, true},  /* Boxing Day */
    {"gb-eng", 2021, 12, 27, true},  /* Christmas Day on a Saturday: substitute Monday */
    {"gb-eng", 2021, 12, 28, true},  /* Boxing Day on a Sunday: substitute Tuesday */
    {"gb-eng", 2024, 12, 27, false}, /* a Friday between the two */
    {"gb-eng", 2024, 1, 2, false},   /* 2 January is Scotland's */
    {"gb-sct", 2024, 1, 2, true},
    {"gb-nir", 2024, 3, 18, true},   /* St Patrick's Day on a Sunday, observed Monday */
    {"gb-nir", 2024, 7, 12, true},   /* Battle of the Boyne */
    {"au-vic", 2024, 11, 5, true},   /* Melbourne Cup: first Tuesday in November */
    {"au-vic", 2023, 11, 7, true},
    {"au-nsw", 2024, 11, 5, false},  /* Victoria's only */
    {"us", 2021, 7, 5, true},        /* Independence Day on a Sunday, observed Monday */
    {"us", 2021, 12, 31, true},      /* New Year's Day 2022 on a Saturday, observed Friday */
    {"us", 2024, 11, 28, true},      /* Thanksgiving */
    {"us", 1990, 1, 1, true},        /* the first year */
    {"us", 2040, 12, 25, true},      /* the last */
    {"us", 2024, 11, 29, false},     /* the day after Thanksgiving: no public holiday */
    {"de", 2024, 10, 3, true},       /* German Unity Day */
    {"de", 2024, 1, 6, false},       /* Epiphany: some states only */
    {"de-by", 2024, 1, 6, true},
    {"ca-on", 2024, 2, 19, true},    /* Family Day */
    {"ca", 2024, 2, 19, false},
    {"ca-qc", 2024, 6, 24, true},    /* Saint-Jean-Baptiste */
    {"jp", 2024, 2, 12, true},       /* National Foundation Day on a Sunday, substitute */
    {"nz", 2021, 12, 28, true},      /* Boxing Day substitute */
    {"fr", 2024, 7, 14, true},
    {"nl", 2024, 4, 27, true},       /* King's Day */
    {"es", 2024, 10, 12, true},
    {"it", 2024, 4, 25, true},
    {"ie", 2024, 3, 18, true},
    {"in", 2024, 1, 26, true},       /* Republic Day */
    {"br", 2024, 11, 15, true},
    {"mx", 2024, 2, 5, true},        /* Constitution Day: first Monday of February */
    {"za", 2024, 12, 16, true},
};

static void test_known_days(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++) {
        const known_day *k = &KNOWN[i];
        int64_t *days = NULL;
        size_t n = 0;
        mc_error e;
        assert_int_equal(mc_holiday_market_dates(k->market, &days, &n, &e), MC_OK);
        assert_true(n > 100);
        if (holds(days, n, k->y, k->m, k->d) != k->holiday) {
            print_error("%s %04d-%02d-%02d: expected %s\n", k->market, k->y, k->m, k->d,
                        k->holiday ? "a holiday" : "no holiday");
            fail();
        }
        free(days);
    }
}

/* Every market: a table that reads, sorted and distinct, every date inside
   the years the market states, and the first and last year both present. */
static void test_every_table(void **state)
{
    (void)state;
    const char *prev = NULL;
    size_t count = 0;
    for (const char *name; (name = mc_holiday_market_at(count, NULL, NULL, NULL)) != NULL;
         count++) {
        const char *region = NULL;
        int first = 0, last = 0;
        assert_ptr_equal(mc_holiday_market_at(count, &region, &first, &last), name);
        assert_true(mc_holiday_market_name_form(name));
        assert_true(region != NULL && region[0] != '\0');
        assert_true(first >= 1900 && first <= last);
        if (prev != NULL)
            assert_true(strcmp(prev, name) < 0);
        prev = name;
        int64_t *days = NULL;
        size_t n = 0;
        assert_int_equal(mc_holiday_market_dates(name, &days, &n, NULL), MC_OK);
        int64_t y0, y1;
        int m, d;
        mc_civil_from_days(days[0], &y0, &m, &d);
        mc_civil_from_days(days[n - 1], &y1, &m, &d);
        assert_int_equal(y0, first);
        assert_int_equal(y1, last);
        for (size_t i = 1; i < n; i++)
            assert_true(days[i - 1] < days[i]);
        free(days);
    }
    assert_int_equal(count, mc_holiday_market_count);
    assert_true(count >= 40);
    assert_null(mc_holiday_market_at(count, NULL, NULL, NULL));
    const char *wanted[] = {"us", "gb-eng", "gb-sct", "gb-nir", "au-vic", "au-nsw", "au-qld",
                            "au-sa", "ca", "ca-on", "de", "fr", "es", "it", "nl", "jp", "in",
                            "br", "mx", "nz"};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        assert_non_null(mc_holiday_market_find(wanted[i]));
}

static void test_unknown_names(void **state)
{
    (void)state;
    const char *bad[] = {"xx", "gb", "us-zz", "US", "", "gb-eng\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t *days = (int64_t *)&days; /* overwritten */
        size_t n = 7;
        mc_error e;
        assert_int_equal(mc_holiday_market_dates(bad[i], &days, &n, &e), MC_ERR_ARGUMENT);
        assert_null(days);
        assert_int_equal(n, 0);
        assert_int_equal(e.code, MC_ERR_ARGUMENT);
        assert_contains(e.message, "no holiday table for the market");
        /* The list of known names, whole: its last name is there. */
        assert_contains(e.message, "known: ar, ");
        assert_contains(e.message, "au-{act,nsw,nt,qld,sa,tas,vic,wa}");
        assert_contains(e.message, "gb-{eng,nir,sct,wls}");
        assert_contains(e.message, mc_holiday_market_at(mc_holiday_market_count - 1, NULL,
                                                        NULL, NULL));
        assert_null(strstr(e.message, "..."));
        assert_lines_printable(e.message);
    }
    int64_t *days = NULL;
    size_t n = 0;
    mc_error e;
    assert_int_equal(mc_holiday_market_dates(NULL, &days, &n, &e), MC_ERR_ARGUMENT);
    assert_null(days);
}

static void test_name_form(void **state)
{
    (void)state;
    const char *names[] = {"us", "gb-eng", "au-vic", "de-by", "zz", "zz-abcdefgh"};
    const char *not_names[] = {"", "u", "usa", "US", "gb-", "gb-e1", "gb-Eng", "gb_eng",
                               "-us", "gb-eng-x", "data/us.csv", "us.csv", "1a"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_true(mc_holiday_market_name_form(names[i]));
    for (size_t i = 0; i < sizeof not_names / sizeof not_names[0]; i++)
        assert_false(mc_holiday_market_name_form(not_names[i]));
}

/* The command prints a market's table as the shipped file has it. */
static void test_cli_prints_the_shipped_table(void **state)
{
    (void)state;
    const char *markets[] = {"gb-eng", "au-vic", "us"};
    for (size_t i = 0; i < sizeof markets / sizeof markets[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/data/holidays/%s.csv", MC_SOURCE_DIR, markets[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char *shipped = slurp(f);
        cli_result r = RUN("holidays", markets[i]);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.out, shipped);
        assert_string_equal(r.err, "");
        free(shipped);
        result_free(&r);
    }
    cli_result r = RUN("holidays", "gb-eng");
    assert_contains(r.out, "\n2021-12-28,Boxing Day (Observed)\n");
    result_free(&r);
    /* data/us_holidays.csv, for older commands, is the us table. */
    char path[4096];
    snprintf(path, sizeof path, "%s/data/us_holidays.csv", MC_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *copy = slurp(f);
    r = RUN("holidays", "us");
    assert_string_equal(r.out, copy);
    free(copy);
    result_free(&r);
}

/* docs/HOLIDAYS.md names every market, as `name`. */
static void test_docs_list_every_market(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/HOLIDAYS.md", MC_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *doc = slurp(f);
    for (size_t i = 0; i < mc_holiday_market_count; i++) {
        char quoted[32];
        snprintf(quoted, sizeof quoted, "`%s`", mc_holiday_markets[i].name);
        assert_contains(doc, quoted);
    }
    free(doc);
}

static void test_cli_lists_markets(void **state)
{
    (void)state;
    cli_result r = RUN("holidays");
    assert_int_equal(r.status, 0);
    for (size_t i = 0; i < mc_holiday_market_count; i++) {
        const mc_holiday_market *m = &mc_holiday_markets[i];
        char line[256];
        snprintf(line, sizeof line, "\n%-8s %d-%d  %s\n", m->name, m->first_year, m->last_year,
                 m->region);
        assert_contains(r.out, line);
    }
    assert_contains(r.out, "From python-holidays ");
    result_free(&r);
    r = RUN("holidays", "--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Usage: maskcast holidays [--json] [MARKET]");
    result_free(&r);
    r = RUN("--help");
    assert_contains(r.out, "holidays");
    result_free(&r);
    r = RUN("holidays", "zz");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "no holiday table for the market \"zz\"; known: ar, at, au, ");
    assert_string_equal(r.out, "");
    result_free(&r);
    r = RUN("holidays", "us", "gb-eng");
    assert_int_equal(r.status, 2);
    result_free(&r);
}

/* A directory of its own to run in, so that a file named like a market can
   be put beside the command; returns to `cwd` afterwards. */
static void enter_scratch(char *dir, size_t size, char *cwd, size_t cwd_size)
{
    assert_non_null(getcwd(cwd, cwd_size));
    snprintf(dir, size, "%s/mc_holidays_XXXXXX", tmp_dir());
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chdir(dir), 0);
}

static void test_file_or_market(void **state)
{
    (void)state;
    char dir[4096], cwd[4096];
    enter_scratch(dir, sizeof dir, cwd, sizeof cwd);
    assert_true(mc_cli_holidays_is_market("us"));
    assert_false(mc_cli_holidays_is_market("us.csv"));
    assert_false(mc_cli_holidays_is_market("./us"));
    /* A file of a market's name is read as the file. */
    FILE *f = fopen("us", "w");
    assert_non_null(f);
    fputs("date,name\n2024-03-11,One day\n", f);
    assert_int_equal(fclose(f), 0);
    assert_false(mc_cli_holidays_is_market("us"));
    int64_t *days = NULL;
    size_t n = 0;
    FILE *err = tmpfile();
    assert_true(mc_cli_holidays_read("us", &days, &n, err));
    assert_int_equal(n, 1);
    assert_int_equal(days[0], mc_days_from_civil(2024, 3, 11));
    free(days);
    assert_int_equal(remove("us"), 0);
    /* Without it, the market. */
    assert_true(mc_cli_holidays_read("us", &days, &n, err));
    int64_t *ref = NULL;
    size_t n_ref = 0;
    assert_int_equal(mc_holiday_market_dates("us", &ref, &n_ref, NULL), MC_OK);
    assert_int_equal(n, n_ref);
    assert_memory_equal(days, ref, n * sizeof *days);
    free(days);
    free(ref);
    /* Unknown market: the names and where to look; a missing file: the file. */
    assert_false(mc_cli_holidays_read("zz", &days, &n, err));
    assert_false(mc_cli_holidays_read("zz.csv", &days, &n, err));
    char *text = slurp(err);
    assert_contains(text, "no holiday table for the market \"zz\"; known:");
    assert_contains(text, "Run 'maskcast holidays' for the markets");
    assert_contains(text, "zz.csv: cannot open the holidays file");
    free(text);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* Hourly load over `days` days from y-01-03. */
static void write_load(temp_csv *t, int y, size_t days)
{
    FILE *f = temp_open(t);
    fputs("time,load\n", f);
    const int64_t d0 = mc_days_from_civil(y, 1, 3);
    for (size_t h = 0; h < days * 24; h++) {
        int64_t yy;
        int m, d;
        mc_civil_from_days(d0 + (int64_t)(h / 24), &yy, &m, &d);
        const double load = 870.0 + 160.0 * sin(6.283185307179586 * ((double)(h % 24) - 7.0) / 24.0) +
                            (double)((h * 7919) % 29) - 14.0;
        fprintf(f, "%04lld-%02d-%02d %02zu:00:00,%.2f\n", (long long)yy, m, d, h % 24, load);
    }
    assert_int_equal(fclose(f), 0);
}

/* The holidays a model file records, from inspect --json. */
static double model_holidays(const char *model)
{
    cli_result r = RUN("inspect", "-m", model, "--json");
    assert_int_equal(r.status, 0);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "holidays");
    assert_true(cJSON_IsNumber(h));
    const double n = h->valuedouble;
    cJSON_Delete(o);
    result_free(&r);
    return n;
}

static cli_result train(const char *csv, const char *holidays, const char *model)
{
    return RUN("train", "--csv", csv, "--target", "load", "--holidays", holidays, "--lookback",
               "48", "--horizon", "12", "--hidden", "8", "--epochs", "1", "--samples-per-epoch",
               "128", "-q", "-o", model);
}

static void test_cli_trains_with_a_market(void **state)
{
    (void)state;
    temp_csv csv;
    write_load(&csv, 2024, 14);
    char model[4096];
    snprintf(model, sizeof model, "%s/mc_holidays_%ld.safetensors", tmp_dir(), (long)getpid());
    cli_result r = train(csv.path, "us", model);
    if (r.status != 0)
        print_error("%s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, ""); /* the table covers 2024: no warning */
    result_free(&r);
    int64_t *days = NULL;
    size_t n = 0;
    assert_int_equal(mc_holiday_market_dates("us", &days, &n, NULL), MC_OK);
    free(days);
    assert_true(model_holidays(model) == (double)n);

    /* Data past the table's last year: trained, with a warning. */
    temp_csv late;
    write_load(&late, 2041, 14);
    r = train(late.path, "gb-eng", model);
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "warning: the holiday table 'gb-eng' covers 1990-2040; the data "
                           "runs from 2041 to 2041");
    result_free(&r);

    /* An unknown market fails before any training. */
    assert_int_equal(remove(model), 0);
    r = train(csv.path, "gb-xyz", model);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "no holiday table for the market \"gb-xyz\"; known:");
    struct stat st;
    assert_int_equal(stat(model, &st), -1);
    result_free(&r);
    remove(csv.path);
    remove(late.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_every_table),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_name_form),
        cmocka_unit_test(test_cli_prints_the_shipped_table),
        cmocka_unit_test(test_cli_lists_markets),
        cmocka_unit_test(test_docs_list_every_market),
        cmocka_unit_test(test_file_or_market),
        cmocka_unit_test(test_cli_trains_with_a_market),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
