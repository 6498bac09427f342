/* The command line against hostile input: data with no observed load, counts
   written with blanks and signs, outputs that are devices, links, directories
   or missing places, and temporaries planted under predictable names. */
#include "private_mount.h" /* first: it sets _GNU_SOURCE */
#include "cli_util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

enum { ROWS = 21 * 24 };

/* Hourly load and temperature; the load only in rows [from, to). */
static void write_series(temp_csv *t, size_t from, size_t to)
{
    FILE *f = temp_open(t);
    fputs("time,load,temperature\n", f);
    for (size_t h = 0; h < ROWS; h++) {
        const double temp = 11.0 + 6.0 * sin(6.283185307179586 * (double)h / 200.0);
        const double load = 900.0 + 180.0 * sin(6.283185307179586 * ((double)(h % 24) - 7.0) / 24.0) +
                            7.5 * fabs(temp - 14.0) + (double)((h * 7919) % 23) - 11.0;
        fprintf(f, "2024-02-%02zu %02zu:00:00,", 1 + h / 24, h % 24);
        if (h >= from && h < to)
            fprintf(f, "%.2f,%.2f\n", load, temp);
        else
            fprintf(f, ",%.2f\n", temp);
    }
    assert_int_equal(fclose(f), 0);
}

static void scratch_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/mc_hostile_%ld_%s", tmp_dir(), (long)getpid(), name);
}

/* No "*.tmp.*" file of this test process's scratch files is left. */
static void assert_no_temporaries(void)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "mc_hostile_%ld_", (long)getpid());
    DIR *d = opendir(tmp_dir());
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".tmp.") != NULL)
            fail_msg("a temporary was left behind: %s", e->d_name);
    closedir(d);
}

#define TRAIN_SMALL(csv, ...)                                                                    \
    RUN("train", "--csv", csv, "--target", "load", "--future", "temperature", "--lookback",      \
        "48", "--horizon", "12", "--hidden", "8", "--epochs", "2", "--samples-per-epoch", "256", \
        "-q", __VA_ARGS__)

/* Defect: no window with an observed load crashed train and backtest with
   SIGSEGV (a zero count of origins less a validation tail of one). */
static void test_no_observed_load(void **state)
{
    (void)state;
    char model[4200];
    scratch_path(model, sizeof model, "none.safetensors");
    temp_csv empty, first20, late;
    write_series(&empty, 0, 0);
    write_series(&first20, 0, 20);
    write_series(&late, ROWS - 4 * 24, ROWS); /* load only in the four test days */

    cli_result r = TRAIN_SMALL(empty.path, "-o", model);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "no training window has an observed load value");
    result_free(&r);
    r = TRAIN_SMALL(first20.path, "--long-fill", "none", "-o", model);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "no training window has an observed load value");
    result_free(&r);
    struct stat sb;
    assert_int_equal(stat(model, &sb), -1); /* nothing written */
    assert_no_temporaries();

    /* A backtest whose load is missing before the test span. */
    r = RUN("backtest", "--csv", late.path, "--target", "load", "--future", "temperature",
            "--lookback", "48", "--horizon", "12", "--hidden", "8", "--epochs", "2",
            "--samples-per-epoch", "256", "--test-days", "4", "--long-fill", "none", "--quiet");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "no training window has an observed load value");
    result_free(&r);
    unlink(empty.path);
    unlink(first20.path);
    unlink(late.path);
}

/* Defect: " -1" passed the sign check and wrapped to 2^64 - 1. Every count
   and duration option refuses blanks and signs with a usage error. */
static void test_counts_refuse_blanks_and_signs(void **state)
{
    (void)state;
    static const struct { const char *command, *option; } counts[] = {
        {"train", "--horizon"}, {"train", "--lookback"}, {"train", "--hidden"},
        {"train", "--horizon-rank"}, {"train", "--level-steps"}, {"train", "--epochs"},
        {"train", "--batch"}, {"train", "--patience"}, {"train", "--samples-per-epoch"},
        {"train", "--train-stride"}, {"train", "--seed"}, {"train", "--step"},
        {"train", "--max-interpolate"}, {"backtest", "--test-days"}, {"backtest", "--stride"},
        {"backtest", "--gap"}, {"backtest", "--refit-every"}, {"backtest", "--ensemble"},
        {"backtest", "--corrupt-seed"}, {"backtest", "--train-stride"}, {"backtest", "--seed"},
        {"explain", "--days"}, {"explain", "--stride"}, {"explain", "--repeats"},
        {"explain", "--shuffle-seed"}, {"anomalies", "--top"}, {"describe", "--step"}};
    static const char *const values[] = {" -1", "-1", "+1", " 7", "\t7", "-0", "7 ", ""};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            cli_result r = RUN(counts[i].command, counts[i].option, values[v]);
            if (r.status != 2)
                print_error("%s %s '%s' gave %d: %s\n", counts[i].command, counts[i].option,
                            values[v], r.status, r.err);
            assert_int_equal(r.status, 2);
            char expected[64];
            snprintf(expected, sizeof expected, "invalid %s '%s'", counts[i].option, values[v]);
            assert_contains(r.err, expected);
            result_free(&r);
        }
    /* Reals take no leading blank either. */
    cli_result r = RUN("train", "--lr", " 0.001");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --lr ' 0.001'");
    result_free(&r);
}

/* A model file and a history to forecast from, for the output tests. */
typedef struct fixture {
    temp_csv train, history;
    char model[4200];
} fixture;

static void fixture_make(fixture *x)
{
    write_series(&x->train, 0, ROWS);
    write_series(&x->history, 0, ROWS - 12);
    scratch_path(x->model, sizeof x->model, "fixture.safetensors");
    cli_result r = TRAIN_SMALL(x->train.path, "-o", x->model);
    assert_int_equal(r.status, 0);
    result_free(&r);
}

static void fixture_free(fixture *x)
{
    unlink(x->train.path);
    unlink(x->history.path);
    unlink(x->model);
}

static void read_text(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    const size_t n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
}

/* Defect: -o renamed a temporary over whatever was there, turning /dev/null
   (as root) into a regular file and replacing a symbolic link. */
static void test_outputs_that_are_not_regular_files(void **state)
{
    (void)state;
    fixture x;
    fixture_make(&x);
    cli_result r = RUN("forecast", "-m", x.model, "--csv", x.history.path, "-o", "/dev/null");
    assert_int_equal(r.status, 0);
    result_free(&r);
    struct stat sb;
    assert_int_equal(stat("/dev/null", &sb), 0);
    assert_true(S_ISCHR(sb.st_mode));
    /* /dev/stdout is standard output itself, not a file to replace. */
    r = RUN("forecast", "-m", x.model, "--csv", x.history.path, "-o", "/dev/stdout");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "timestamp,horizon,forecast");
    result_free(&r);

    /* A FIFO is written through (a reader holds it open) and stays a FIFO. */
    char fifo[4200];
    scratch_path(fifo, sizeof fifo, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const int reader = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(reader >= 0);
    r = RUN("forecast", "-m", x.model, "--csv", x.history.path, "-o", fifo);
    assert_int_equal(r.status, 0);
    result_free(&r);
    assert_int_equal(lstat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    char line[64] = {0};
    assert_true(read(reader, line, sizeof line - 1) > 0);
    assert_contains(line, "timestamp,horizon,forecast");
    close(reader);
    unlink(fifo);

    /* A symbolic link is followed: its target gets the forecast, the link
       stays a link. A link to nothing is refused. */
    char link[4200], target[4200], text[256];
    scratch_path(link, sizeof link, "link.csv");
    scratch_path(target, sizeof target, "target.csv");
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("old\n", f);
    fclose(f);
    assert_int_equal(symlink(target, link), 0);
    r = RUN("forecast", "-m", x.model, "--csv", x.history.path, "-o", link);
    assert_int_equal(r.status, 0);
    result_free(&r);
    assert_int_equal(lstat(link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    read_text(target, text, sizeof text);
    assert_contains(text, "timestamp,horizon,forecast");
    unlink(target);
    r = RUN("forecast", "-m", x.model, "--csv", x.history.path, "-o", link);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "a symbolic link to a file that does not exist");
    result_free(&r);
    assert_int_equal(lstat(target, &sb), -1);
    unlink(link);
    fixture_free(&x);
}

/* Defect: text outputs went to "<out>.tmp.<pid>", opened without O_EXCL: a
   link planted there redirected the write to any file. */
static void test_planted_temporary_is_not_followed(void **state)
{
    (void)state;
    fixture x;
    fixture_make(&x);
    char out[4200], planted[4300], victim[4200], text[256];
    scratch_path(out, sizeof out, "forecast.csv");
    scratch_path(victim, sizeof victim, "victim.txt");
    snprintf(planted, sizeof planted, "%s.tmp.%ld", out, (long)getpid());
    FILE *f = fopen(victim, "w");
    assert_non_null(f);
    fputs("precious\n", f);
    fclose(f);
    assert_int_equal(symlink(victim, planted), 0);
    cli_result r = RUN("forecast", "-m", x.model, "--csv", x.history.path, "-o", out);
    assert_int_equal(r.status, 0);
    result_free(&r);
    read_text(victim, text, sizeof text);
    assert_string_equal(text, "precious\n");
    read_text(out, text, sizeof text);
    assert_contains(text, "timestamp,horizon,forecast");
    unlink(planted);
    unlink(victim);
    unlink(out);
    fixture_free(&x);
    assert_no_temporaries();
}

/* Defect: train -o into a place that cannot be written failed only after the
   whole training. It fails first now: the data file named here does not even
   exist, and the message is about the output. */
static void test_train_checks_output_first(void **state)
{
    (void)state;
    char dir[4200], missing[4300];
    scratch_path(dir, sizeof dir, "dir");
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(missing, sizeof missing, "%s/no/such/dir/m.safetensors", dir);
    static const char no_csv[] = "/nonexistent/maskcast/data.csv";

    cli_result r = TRAIN_SMALL(no_csv, "-o", missing);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "m.safetensors: cannot create a file in its directory: No such file");
    assert_true(strstr(r.err, "data.csv") == NULL);
    result_free(&r);
    r = TRAIN_SMALL(no_csv, "-o", dir);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "is a directory");
    result_free(&r);
    r = TRAIN_SMALL(no_csv, "-o", "");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "the output path is empty");
    result_free(&r);
    /* Read-only: a directory without write permission binds all but root
       (tests/test_atomic_file.c covers a read-only file system for root). */
    if (geteuid() != 0) {
        char inside[4300];
        snprintf(inside, sizeof inside, "%s/m.safetensors", dir);
        assert_int_equal(chmod(dir, 0500), 0);
        r = TRAIN_SMALL(no_csv, "-o", inside);
        assert_int_equal(r.status, 1);
        assert_contains(r.err, "Permission denied");
        result_free(&r);
        assert_int_equal(chmod(dir, 0700), 0);
    }
    assert_int_equal(rmdir(dir), 0); /* empty: nothing was left in it */
}

/* backtest creates its output files before the run (a missing directory
   fails first, and those already created are removed), and writes each
   whole. */
static void test_backtest_outputs(void **state)
{
    (void)state;
    temp_csv data;
    write_series(&data, 0, ROWS);
    char forecasts[4200], metrics[4200], json[4200], missing[4200], text[256];
    scratch_path(forecasts, sizeof forecasts, "bt_forecasts.csv");
    scratch_path(metrics, sizeof metrics, "bt_metrics.csv");
    scratch_path(json, sizeof json, "bt.json");
    scratch_path(missing, sizeof missing, "no/such/dir/bt.json");
#define BACKTEST(csv, ...)                                                                        \
    RUN("backtest", "--csv", csv, "--target", "load", "--future", "temperature", "--lookback",   \
        "48", "--horizon", "12", "--hidden", "8", "--epochs", "2", "--samples-per-epoch", "256", \
        "--test-days", "3", "--quiet", __VA_ARGS__)
    cli_result r = BACKTEST("/nonexistent/maskcast/data.csv", "--forecasts", forecasts,
                            "--metrics", metrics, "--metrics-json", missing);
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "bt.json: cannot create a file in its directory");
    assert_true(strstr(r.err, "data.csv") == NULL);
    result_free(&r);
    struct stat sb;
    assert_int_equal(stat(forecasts, &sb), -1); /* the ones opened first are removed */
    assert_int_equal(stat(metrics, &sb), -1);
    assert_no_temporaries();

    r = BACKTEST(data.path, "--forecasts", forecasts, "--metrics", metrics, "--metrics-json", json);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Backtest of load");
    result_free(&r);
    read_text(forecasts, text, sizeof text);
    assert_true(strlen(text) > 20);
    read_text(metrics, text, sizeof text);
    assert_true(strlen(text) > 20);
    read_text(json, text, sizeof text);
    assert_int_equal(text[0], '{');
    unlink(json);

    /* --json: the JSON alone on standard output, valid as a whole; what
       --metrics-json writes (the same scores; the seconds differ). */
    r = BACKTEST(data.path, "--json", "--metrics-json", json);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--json prints what --metrics-json writes");
    result_free(&r);
    r = BACKTEST(data.path, "--json", "--forecasts", "-");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "give --forecasts a file");
    result_free(&r);
    r = BACKTEST(data.path, "--json");
    assert_int_equal(r.status, 0);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(o, "methods")));
    /* the old spelling, --json FILE, still writes FILE, with a warning */
    cli_result old = BACKTEST(data.path, "--json", json);
    assert_int_equal(old.status, 0);
    assert_contains(old.err, "--json FILE is deprecated: use --metrics-json FILE");
    assert_contains(old.out, "Backtest of load");
    FILE *jf = fopen(json, "r");
    assert_non_null(jf);
    char *written = slurp(jf);
    cJSON *w = cJSON_Parse(written);
    assert_non_null(w);
    for (int m = 0; m < cJSON_GetArraySize(cJSON_GetObjectItem(o, "methods")); m++) {
        const cJSON *a = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "methods"), m);
        const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(w, "methods"), m);
        assert_string_equal(cJSON_GetObjectItem(a, "name")->valuestring,
                            cJSON_GetObjectItem(b, "name")->valuestring);
        assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "overall"), "mae")->valuedouble ==
                    cJSON_GetObjectItem(cJSON_GetObjectItem(b, "overall"), "mae")->valuedouble);
    }
    cJSON_Delete(w);
    free(written);
    cJSON_Delete(o);
    result_free(&old);
    result_free(&r);
#undef BACKTEST
    unlink(forecasts);
    unlink(metrics);
    unlink(json);
    unlink(data.path);
}

/* True when `text` holds no control byte but line breaks, and no DEL. */
static bool printable(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            return false;
    return true;
}

/* Column names with control bytes reach the tables of inspect and backtest
   as they reach messages: replaced, never raw (a name is a CSV header's, or
   a model file's of unknown origin). */
static void test_control_bytes_in_names(void **state)
{
    (void)state;
    temp_csv data;
    FILE *f = temp_open(&data);
    fputs("time,lo\aad,te\x1b[2Jmp\n", f);
    for (size_t h = 0; h < ROWS; h++)
        fprintf(f, "2024-02-%02zu %02zu:00:00,%.2f,%.2f\n", 1 + h / 24, h % 24,
                900.0 + 180.0 * sin(6.283185307179586 * (double)(h % 24) / 24.0) +
                    (double)((h * 7919) % 23),
                11.0 + 6.0 * sin(6.283185307179586 * (double)h / 200.0));
    assert_int_equal(fclose(f), 0);
    char model[4200];
    scratch_path(model, sizeof model, "names.safetensors");
    cli_result r = RUN("train", "--csv", data.path, "--target", "lo\aad", "--future",
                       "te\x1b[2Jmp", "--lookback", "48", "--horizon", "12", "--hidden", "8",
                       "--epochs", "1", "--samples-per-epoch", "128", "-q", "-o", model);
    assert_int_equal(r.status, 0);
    result_free(&r);
    r = RUN("inspect", "-m", model);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "target      lo?ad");
    assert_contains(r.out, "te?[2Jmp");
    assert_true(printable(r.out));
    result_free(&r);
    r = RUN("backtest", "--csv", data.path, "--target", "lo\aad", "--future", "te\x1b[2Jmp",
            "--lookback", "48", "--horizon", "12", "--hidden", "8", "--epochs", "1",
            "--samples-per-epoch", "128", "--test-days", "2", "--quiet");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Backtest of lo?ad");
    assert_contains(r.out, "target times: te?[2Jmp");
    assert_true(printable(r.out));
    result_free(&r);
    unlink(model);
    unlink(data.path);
}

/* For the child in the private tmpfs: the fixture made before the fork. */
static const fixture *full_fixture;

static bool only_entry(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    size_t n = 0;
    bool named = false;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            n++;
            named = named || strcmp(e->d_name, name) == 0;
        }
    closedir(d);
    return n == 1 && named;
}

/* A full disk, then a read-only one: exit 1, a message, nothing left. */
static int full_then_read_only(const char *dir)
{
    char filler[600], out[600], model[600];
    snprintf(filler, sizeof filler, "%s/filler", dir);
    snprintf(out, sizeof out, "%s/forecast.csv", dir);
    snprintf(model, sizeof model, "%s/model.safetensors", dir);
    FILE *f = fopen(filler, "w");
    if (f == NULL)
        return 10;
    static const char block[512] = {0};
    while (fwrite(block, 1, sizeof block, f) == sizeof block && fflush(f) == 0)
        ;
    fclose(f);
    cli_result r = RUN("forecast", "-m", full_fixture->model, "--csv",
                       full_fixture->history.path, "-o", out);
    const bool full_ok = r.status == 1 && strstr(r.err, "No space left on device") != NULL &&
                         strstr(r.err, "forecast.csv") != NULL && only_entry(dir, "filler");
    if (!full_ok)
        fprintf(stderr, "disk full: status %d: %s\n", r.status, r.err);
    result_free(&r);
    if (!full_ok)
        return 11;
    unlink(filler);
    if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) != 0)
        return 12;
    r = TRAIN_SMALL(full_fixture->train.path, "-o", model);
    const bool ro_ok = r.status == 1 && strstr(r.err, "Read-only file system") != NULL;
    if (!ro_ok)
        fprintf(stderr, "read-only: status %d: %s\n", r.status, r.err);
    result_free(&r);
    return ro_ok ? CHILD_OK : 13;
}

static void test_full_and_read_only_outputs(void **state)
{
    (void)state;
    fixture x;
    fixture_make(&x);
    char dir[4200];
    scratch_path(dir, sizeof dir, "tmpfs");
    assert_int_equal(mkdir(dir, 0700), 0);
    full_fixture = &x;
    const bool ran = in_private_tmpfs(dir, full_then_read_only);
    assert_int_equal(rmdir(dir), 0);
    fixture_free(&x);
    if (!ran)
        skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_observed_load),
        cmocka_unit_test(test_counts_refuse_blanks_and_signs),
        cmocka_unit_test(test_outputs_that_are_not_regular_files),
        cmocka_unit_test(test_planted_temporary_is_not_followed),
        cmocka_unit_test(test_train_checks_output_first),
        cmocka_unit_test(test_backtest_outputs),
        cmocka_unit_test(test_control_bytes_in_names),
        cmocka_unit_test(test_full_and_read_only_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
