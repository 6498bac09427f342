/* One meaning per option name (docs/CLI.md against every command's --help),
   the deprecated names, and --json: one JSON document on standard output in
   every command that prints a result. */
#include "cli_util.h"

#include <cjson/cJSON.h>

#include "maskcast/maskcast.h"

static const char *const COMMANDS[] = {"describe", "train", "tune", "forecast", "inspect",
                                       "backtest", "explain", "anomalies", "report", "holidays"};
enum { N_COMMANDS = sizeof COMMANDS / sizeof COMMANDS[0] };

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        print_error("cannot open %s\n", path);
    assert_non_null(f);
    return slurp(f);
}

/* ---- the audit table -------------------------------------------------------- */

enum { MAX_ROWS = 160 };

typedef struct row {
    char option[48]; /* "--output" */
    char shortopt;   /* 'o', or 0 */
    char commands[256];
    char library[128];
} row;

/* Copies the cell starting at p (up to the next '|', trimmed) into out. */
static const char *cell(const char *p, char *out, size_t size)
{
    while (*p == ' ')
        p++;
    const char *end = strchr(p, '|');
    assert_non_null(end);
    size_t n = (size_t)(end - p);
    while (n > 0 && p[n - 1] == ' ')
        n--;
    assert_true(n < size);
    memcpy(out, p, n);
    out[n] = '\0';
    return end + 1;
}

/* The rows of docs/CLI.md's table "## The options". */
static size_t read_table(row *rows)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/CLI.md", MC_SOURCE_DIR);
    char *text = read_text(path);
    const char *p = strstr(text, "\n## The options");
    assert_non_null(p);
    const char *stop = strstr(p + 1, "\n## ");
    size_t n = 0;
    for (const char *line = strstr(p, "\n| `"); line != NULL && (stop == NULL || line < stop);
         line = strstr(line + 1, "\n| `")) {
        assert_true(n < MAX_ROWS);
        row *r = &rows[n++];
        char name[64], meaning[512];
        const char *q = cell(line + 2, name, sizeof name);
        q = cell(q, r->commands, sizeof r->commands);
        q = cell(q, meaning, sizeof meaning);
        cell(q, r->library, sizeof r->library);
        assert_true(meaning[0] != '\0');
        /* `--csv` or `-o, --output` */
        r->shortopt = name[1] == '-' && name[2] != '-' ? name[2] : 0;
        const char *dashes = strstr(name, "--");
        assert_non_null(dashes);
        snprintf(r->option, sizeof r->option, "%.*s", (int)strcspn(dashes, "`"), dashes);
    }
    free(text);
    return n;
}

/* Whether the comma-separated `list` names `command`. */
static bool lists(const char *list, const char *command)
{
    const size_t len = strlen(command);
    for (const char *p = list; (p = strstr(p, command)) != NULL; p += len)
        if ((p == list || p[-1] == ' ' || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}

/* The options a help text lists: lines "  --name ..." or "  -x, --name ...". */
typedef struct help_option {
    char option[48];
    char shortopt;
} help_option;

static size_t help_options(const char *help, help_option *out, size_t cap)
{
    size_t n = 0;
    for (const char *line = help; line != NULL && *line != '\0';) {
        if (strncmp(line, "  -", 3) == 0) {
            const char *p = line + 2;
            char s = 0;
            if (p[1] != '-') { /* "-o, --output" */
                s = p[1];
                assert_true(strncmp(p + 2, ", --", 4) == 0);
                p += 4;
            }
            assert_true(n < cap);
            const size_t len = strspn(p, "-abcdefghijklmnopqrstuvwxyz0123456789");
            snprintf(out[n].option, sizeof out[n].option, "%.*s", (int)len, p);
            out[n++].shortopt = s;
        }
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    return n;
}

/* Every option of every command's help has exactly one row (one meaning),
   which lists the command and the same short letter; every command a row
   lists has the option. */
static void test_every_option_has_one_meaning(void **state)
{
    (void)state;
    static row rows[MAX_ROWS];
    const size_t n_rows = read_table(rows);
    assert_true(n_rows > 50);
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = i + 1; j < n_rows; j++)
            if (strcmp(rows[i].option, rows[j].option) == 0) {
                print_error("docs/CLI.md gives %s two rows (two meanings)\n", rows[i].option);
                fail();
            }
    static bool seen[MAX_ROWS][N_COMMANDS];
    memset(seen, 0, sizeof seen);
    for (size_t c = 0; c < N_COMMANDS; c++) {
        cli_result r = RUN(COMMANDS[c], "--help");
        assert_int_equal(r.status, 0);
        help_option opts[MAX_ROWS];
        const size_t n = help_options(r.out, opts, MAX_ROWS);
        assert_true(n >= 1);
        for (size_t k = 0; k < n; k++) {
            size_t i = 0;
            while (i < n_rows && strcmp(rows[i].option, opts[k].option) != 0)
                i++;
            if (i == n_rows || !lists(rows[i].commands, COMMANDS[c])) {
                print_error("%s --help shows %s, which docs/CLI.md %s\n", COMMANDS[c],
                            opts[k].option, i == n_rows ? "does not list" : "lists for others");
                fail();
            }
            if (rows[i].shortopt != opts[k].shortopt) {
                print_error("%s %s: short letter '%c' in the help, '%c' in docs/CLI.md\n",
                            COMMANDS[c], opts[k].option, opts[k].shortopt ? opts[k].shortopt : ' ',
                            rows[i].shortopt ? rows[i].shortopt : ' ');
                fail();
            }
            seen[i][c] = true;
        }
        result_free(&r);
    }
    for (size_t i = 0; i < n_rows; i++)
        for (size_t c = 0; c < N_COMMANDS; c++)
            if (lists(rows[i].commands, COMMANDS[c]) && !seen[i][c]) {
                print_error("docs/CLI.md lists %s for %s, whose help does not show it\n",
                            rows[i].option, COMMANDS[c]);
                fail();
            }
}

/* The library's name given for each model and training option is the one
   the option table pairs with that spelling. */
static void test_library_names(void **state)
{
    (void)state;
    static row rows[MAX_ROWS];
    const size_t n_rows = read_table(rows);
    size_t checked = 0;
    for (size_t k = 0; k < mc_option_count(); k++) {
        const mc_option_info *o = mc_option_at(k);
        if (o->cli == NULL)
            continue;
        const bool origins = strcmp(o->name, "origin_stride") == 0;
        char option[64];
        snprintf(option, sizeof option, "--%s", origins ? "train-stride" : o->cli);
        size_t i = 0;
        while (i < n_rows && strcmp(rows[i].option, option) != 0)
            i++;
        assert_true(i < n_rows);
        const size_t len = strlen(o->name);
        if (strncmp(rows[i].library, o->name, len) != 0 ||
            (rows[i].library[len] != '\0' && rows[i].library[len] != ';')) {
            print_error("%s is %s in the library, '%s' in docs/CLI.md\n", option, o->name,
                        rows[i].library);
            fail();
        }
        checked++;
    }
    assert_true(checked > 30);
}

/* Each deprecated name of docs/CLI.md still parses, warning once on
   standard error (given twice, still once) and naming the new one. */
static void test_deprecated_names_warn_once(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/CLI.md", MC_SOURCE_DIR);
    char *text = read_text(path);
    const char *p = strstr(text, "\n## Deprecated names");
    assert_non_null(p);
    size_t n = 0;
    for (const char *line = strstr(p, "\n| `"); line != NULL; line = strstr(line + 1, "\n| `")) {
        char old[64], command[32], now[64];
        const char *q = cell(line + 2, old, sizeof old);
        q = cell(q, command, sizeof command);
        cell(q, now, sizeof now);
        char arg[96], warning[128];
        snprintf(arg, sizeof arg, "%.*s=7", (int)strlen(old) - 2, old + 1); /* --old=7 */
        snprintf(warning, sizeof warning, "warning: %.*s", (int)strlen(old) - 2, old + 1);
        cli_result r = RUN(command, arg, arg);
        /* The warning comes while parsing; then --csv is missing. */
        assert_int_equal(r.status, 2);
        assert_contains(r.err, warning);
        assert_contains(r.err, "deprecated");
        char new_name[64];
        snprintf(new_name, sizeof new_name, "%.*s", (int)strlen(now) - 2, now + 1);
        assert_contains(r.err, new_name);
        const char *first = strstr(r.err, "deprecated");
        assert_null(strstr(first + 1, "deprecated"));
        result_free(&r);
        n++;
    }
    assert_true(n >= 4);
    free(text);
}

/* explain's shuffle seed: --shuffle-seed and the old --seed give the same
   result; a bad value names the spelling used. */
static void test_shuffle_seed(void **state)
{
    (void)state;
    cli_result r = RUN("explain", "--shuffle-seed", "x");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --shuffle-seed 'x'");
    result_free(&r);
    r = RUN("explain", "--seed", "x");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "invalid --seed 'x'");
    result_free(&r);
}

/* ---- --json in every command ------------------------------------------------- */

static char g_csv[4096], g_model[4200], g_tmp[4200];
static temp_csv g_short; /* the sample's first 60 days, for the slower scoring commands */

/* stdout is one JSON document, nothing before or after it. */
static cJSON *parse_whole(const char *text)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(text, &end, true);
    if (j == NULL)
        print_error("not one JSON document:\n%.400s\n", text);
    assert_non_null(j);
    return j;
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        print_error("no number '%s'\n", key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static const char *string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_csv, sizeof g_csv, "%s/data/sample_load.csv", MC_SOURCE_DIR);
    snprintf(g_model, sizeof g_model, "%s/mc_options_model.safetensors", tmp_dir());
    snprintf(g_tmp, sizeof g_tmp, "%s/mc_options_out.json", tmp_dir());
    FILE *in = fopen(g_csv, "r");
    FILE *out = temp_open(&g_short);
    char line[512];
    for (int i = 0; i <= 60 * 24 && fgets(line, sizeof line, in) != NULL; i++)
        fputs(line, out);
    fclose(in);
    return fclose(out);
}

static int teardown(void **state)
{
    (void)state;
    remove(g_model);
    remove(g_tmp);
    remove(g_short.path);
    return 0;
}

/* train --json: the summary of the model it wrote, as inspect reads it back. */
static void test_train_json(void **state)
{
    (void)state;
    cli_result r = RUN("train", "--csv", g_short.path, "--target", "load", "--epochs", "2",
                       "--samples-per-epoch", "512", "--hidden", "8", "--no-linear-candidate",
                       "--seed", "3", "-q", "--json", "-o", g_model);
    assert_int_equal(r.status, 0);
    cJSON *j = parse_whole(r.out);
    result_free(&r);
    assert_string_equal(string(j, "model"), g_model);
    assert_string_equal(string(j, "kept"), "network");
    const double best = number(j, "best_epoch"), epochs = number(j, "epochs");
    assert_true(best >= 1 && best <= epochs && epochs <= 2);
    assert_true(number(j, "train_origins") > 0 && number(j, "val_origins") > 0);
    assert_true(number(j, "seconds") > 0);
    assert_int_equal((int)number(j, "seed"), 3);
    assert_true(number(j, "best_val_loss") > 0);
    /* What the file holds, read back independently. */
    r = RUN("inspect", "-m", g_model, "--json");
    assert_int_equal(r.status, 0);
    cJSON *ins = parse_whole(r.out);
    result_free(&r);
    assert_int_equal((int)number(j, "calibration_origins"),
                     (int)number(ins, "calibration_origins"));
    assert_true(number(j, "calibration_origins") > 0);
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(ins, "training");
    assert_int_equal((int)number(j, "epochs"), (int)number(rec, "epochs"));
    assert_int_equal((int)number(j, "best_epoch"), (int)number(rec, "best_epoch"));
    assert_close(number(j, "best_val_loss"), number(rec, "best_val_loss"), 0, 1e-12);
    assert_int_equal((int)number(j, "lookback"), (int)number(ins, "lookback"));
    assert_int_equal((int)number(j, "horizon"), (int)number(ins, "horizon"));
    cJSON_Delete(ins);
    cJSON_Delete(j);
}

/* describe, forecast, inspect, explain, anomalies, backtest: only JSON on
   stdout; with -o, the JSON in the file and nothing on stdout. */
static void test_json_only_on_stdout(void **state)
{
    (void)state;
    const char *const runs[][16] = {
        {"describe", "--csv", g_short.path, "--json", NULL},
        {"forecast", "-m", g_model, "--csv", g_short.path, "--json", "--intervals", "0.8", NULL},
        {"inspect", "-m", g_model, "--json", NULL},
        {"explain", "-m", g_model, "--csv", g_short.path, "--days", "2", "--repeats", "1", "--json",
         NULL},
        {"anomalies", "-m", g_model, "--csv", g_short.path, "--threshold", "0", "--top", "3", "--json",
         NULL},
        {"backtest", "--csv", g_short.path, "--target", "load", "--epochs", "1", "--samples-per-epoch",
         "256", "--hidden", "8", "--test-days", "2", "--json", NULL},
        {"holidays", "--json", NULL},
        {"holidays", "--json", "us", NULL}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        cli_result r = run(runs[i]);
        if (r.status != 0)
            print_error("%s: %s\n", runs[i][0], r.err);
        assert_int_equal(r.status, 0);
        cJSON_Delete(parse_whole(r.out));
        result_free(&r);
    }
    const char *const to_file[][16] = {
        {"forecast", "-m", g_model, "--csv", g_short.path, "--json", "-o", g_tmp, NULL},
        {"explain", "-m", g_model, "--csv", g_short.path, "--days", "2", "--repeats", "1", "--json",
         "-o", g_tmp, NULL},
        {"anomalies", "-m", g_model, "--csv", g_short.path, "--threshold", "0", "--top", "3", "--json",
         "-o", g_tmp, NULL}};
    for (size_t i = 0; i < sizeof to_file / sizeof to_file[0]; i++) {
        remove(g_tmp);
        cli_result r = run(to_file[i]);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.out, "");
        result_free(&r);
        char *text = read_text(g_tmp);
        cJSON_Delete(parse_whole(text));
        free(text);
    }
}

/* tune --json: every configuration tried, the best of least MAPE, the model. */
static void test_tune_json(void **state)
{
    (void)state;
    cli_result r = RUN("tune", "--csv", g_short.path, "--target", "load", "--epochs", "1",
                       "--samples-per-epoch", "256", "--hidden", "8", "--test-days", "2",
                       "--try", "val-fraction=0.1,0.25", "--json", "-o", g_model);
    assert_int_equal(r.status, 0);
    cJSON *j = parse_whole(r.out);
    assert_contains(r.err, "validation_fraction"); /* the table, as progress */
    result_free(&r);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "configurations");
    assert_int_equal(cJSON_GetArraySize(rows), 2);
    double least = INFINITY;
    int argmin = 0;
    for (int i = 0; i < 2; i++) {
        const cJSON *config = cJSON_GetArrayItem(rows, i);
        assert_int_equal((int)number(config, "index"), i + 1);
        const cJSON *opts = cJSON_GetObjectItemCaseSensitive(config, "options");
        assert_string_equal(string(opts, "validation_fraction"), i == 0 ? "0.1" : "0.25");
        if (number(config, "mape") < least) {
            least = number(config, "mape");
            argmin = i + 1;
        }
    }
    assert_int_equal((int)number(j, "best"), argmin);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(j, "model");
    assert_string_equal(string(model, "model"), g_model);
    assert_true(number(model, "train_origins") > 0);
    cJSON_Delete(j);
}

/* holidays --json: the markets of the text listing, and a market's table
   as its CSV has it (a quoted name with a comma included). */
static void test_holidays_json(void **state)
{
    (void)state;
    cli_result text = RUN("holidays");
    cli_result r = RUN("holidays", "--json");
    assert_int_equal(r.status, 0);
    cJSON *j = parse_whole(r.out);
    const cJSON *markets = cJSON_GetObjectItemCaseSensitive(j, "markets");
    const int n = cJSON_GetArraySize(markets);
    assert_true(n > 10);
    for (int i = 0; i < n; i++) {
        const cJSON *m = cJSON_GetArrayItem(markets, i);
        char line[128];
        snprintf(line, sizeof line, "\n%-8s %d-%d", string(m, "market"),
                 (int)number(m, "first_year"), (int)number(m, "last_year"));
        assert_contains(text.out, line);
    }
    cJSON_Delete(j);
    result_free(&r);
    result_free(&text);
    text = RUN("holidays", "us");
    r = RUN("holidays", "us", "--json");
    assert_int_equal(r.status, 0);
    j = parse_whole(r.out);
    assert_string_equal(string(j, "market"), "us");
    const cJSON *days = cJSON_GetObjectItemCaseSensitive(j, "holidays");
    size_t lines = 0;
    for (const char *p = text.out; *p != '\0'; p++)
        lines += *p == '\n';
    assert_int_equal((size_t)cJSON_GetArraySize(days), lines - 1); /* less the header */
    bool quoted = false;
    for (int i = 0; i < cJSON_GetArraySize(days); i++) {
        const cJSON *d = cJSON_GetArrayItem(days, i);
        char csv_line[320];
        const char *name = string(d, "name");
        snprintf(csv_line, sizeof csv_line, strchr(name, ',') ? "\n%s,\"%s\"\n" : "\n%s,%s\n",
                 string(d, "date"), name);
        assert_contains(text.out, csv_line);
        quoted |= strchr(name, ',') != NULL;
    }
    assert_true(quoted);
    cJSON_Delete(j);
    result_free(&r);
    result_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_option_has_one_meaning),
        cmocka_unit_test(test_library_names),
        cmocka_unit_test(test_deprecated_names_warn_once),
        cmocka_unit_test(test_shuffle_seed),
        cmocka_unit_test(test_train_json),
        cmocka_unit_test(test_json_only_on_stdout),
        cmocka_unit_test(test_tune_json),
        cmocka_unit_test(test_holidays_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
