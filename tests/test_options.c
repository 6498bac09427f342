/* The option table: its entries, setting and reading options by name, and
   model files written before the table existed. */
#include "test_util.h"

#include <stdlib.h>

#include "maskcast/maskcast.h"

static void test_table_is_well_formed(void **state)
{
    (void)state;
    const size_t n = mc_option_count();
    assert_true(n > 30);
    assert_null(mc_option_at(n));
    for (size_t i = 0; i < n; i++) {
        const mc_option_info *a = mc_option_at(i);
        assert_non_null(a->name);
        assert_non_null(a->help);
        assert_true(strlen(a->help) > 10);
        assert_true(a->group <= MC_GROUP_TRAINING);
        if (a->type == MC_OPTION_CHOICE)
            assert_true(a->n_choices >= 2 && a->choices != NULL);
        if (a->type != MC_OPTION_FACT && a->type != MC_OPTION_FLAG && a->cli != NULL)
            assert_non_null(a->metavar);
        assert_ptr_equal(mc_option_find(a->name), a);
        if (a->cli != NULL)
            assert_ptr_equal(mc_option_find(a->cli), a);
        for (size_t j = 0; j < i; j++) { /* one meaning per name and per spelling */
            const mc_option_info *b = mc_option_at(j);
            assert_true(strcmp(a->name, b->name) != 0);
            if (a->cli != NULL && b->cli != NULL)
                assert_true(strcmp(a->cli, b->cli) != 0);
        }
    }
    assert_null(mc_option_find("no-such-option"));
}

/* Every settable option's documented default is what the defaults hold. */
static void test_defaults_match_the_table(void **state)
{
    (void)state;
    mc_model_options mo;
    mc_train_options to;
    mc_model_options_defaults(&mo);
    mc_train_options_defaults(&to);
    for (size_t i = 0; i < mc_option_count(); i++) {
        const mc_option_info *o = mc_option_at(i);
        if (o->type == MC_OPTION_NAMES || o->type == MC_OPTION_DATES || o->type == MC_OPTION_FACT)
            continue;
        char text[256];
        mc_error e;
        assert_int_equal(mc_options_get(&mo, &to, o->name, text, sizeof text, &e), MC_OK);
        if (strcmp(text, o->default_text) != 0)
            fail_msg("%s: the defaults hold %s, the table says %s", o->name, text,
                     o->default_text);
    }
}

/* Set then get gives the value back, for each type. */
static void test_set_and_get(void **state)
{
    (void)state;
    mc_model_options mo;
    mc_train_options to;
    mc_model_options_defaults(&mo);
    mc_train_options_defaults(&to);
    const struct { const char *name, *value, *back; } cases[] = {
        {"lookback", "336", "336"},        {"hidden", "48", "48"},
        {"horizon_rank", "auto", "auto"},  {"horizon-rank", "7", "7"},
        {"mask_penalty", "0.385", "0.385"}, {"activation", "gelu", "gelu"},
        {"mask", "softmax", "softmax"},    {"skip", "false", "false"},
        {"skip", "1", "true"},             {"loss", "pinball", "pinball"},
        {"quantiles", "0.05,0.5,0.95", "0.05,0.5,0.95"},
        {"epochs", "17", "17"},            {"learning_rate", "2.5e-4", "0.00025"},
        {"seed", "18446744073709551615", "18446744073709551615"},
        {"linear_candidate", "false", "false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_error e;
        char text[128];
        if (mc_options_set(&mo, &to, cases[i].name, cases[i].value, &e) != MC_OK)
            fail_msg("%s=%s: %s", cases[i].name, cases[i].value, e.message);
        assert_int_equal(mc_options_get(&mo, &to, cases[i].name, text, sizeof text, &e), MC_OK);
        assert_string_equal(text, cases[i].back);
    }
    assert_int_equal(mo.window.lookback, 336);
    assert_int_equal(mo.network.horizon_rank, 7);
    assert_int_equal(mo.network.activation, MC_ACTIVATION_GELU);
    assert_int_equal(mo.network.mask_kind, MC_MASK_SOFTMAX);
    assert_true(mo.network.skip);
    assert_int_equal(mo.loss.kind, MC_LOSS_PINBALL);
    assert_int_equal(mo.loss.n_quantiles, 3);
    assert_close(mo.loss.quantiles[2], 0.95, 0, 0);
    assert_int_equal(to.max_epochs, 17);
    assert_int_equal(to.seed, UINT64_MAX);
    assert_false(to.linear_candidate);
    char small[3];
    mc_error e;
    assert_int_equal(mc_options_get(&mo, &to, "quantiles", small, sizeof small, &e),
                     MC_ERR_ARGUMENT);
    assert_string_equal(small, "");
}

/* Bad text is refused with the option's name and the value, and leaves the
   options as they were. */
static void test_refuses_bad_values(void **state)
{
    (void)state;
    const struct { const char *name, *value; } cases[] = {
        {"lookback", " -1"}, {"lookback", "-1"},   {"lookback", "+1"},  {"lookback", "0"},
        {"lookback", "1.5"}, {"lookback", ""},     {"lookback", "7 "},  {"lookback", "16777217"},
        {"hidden", "auto"},  {"horizon_rank", "4097"}, {"seed", "18446744073709551616"},
        {"mask_penalty", " 1"}, {"mask_penalty", "nan"}, {"mask_penalty", "100.5"},
        {"mask_penalty", "1x"}, {"skip", "yes"},  {"activation", "Relu"}, {"loss", ""},
        {"quantiles", "0.5,0.1"}, {"quantiles", "0,0.5"}, {"quantiles", "0.5,"},
        {"quantiles", "0.1,0.99999999"},
        {"quantiles", "0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1,0.11,0.12,0.13,0.14,"
                      "0.15,0.16,0.17"},
        {"val-fraction", "0.9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_model_options mo, before;
        mc_train_options to, tbefore;
        mc_model_options_defaults(&mo);
        mc_train_options_defaults(&to);
        before = mo;
        tbefore = to;
        mc_error e;
        if (mc_options_set(&mo, &to, cases[i].name, cases[i].value, &e) != MC_ERR_ARGUMENT)
            fail_msg("%s=\"%s\" was taken", cases[i].name, cases[i].value);
        assert_contains(e.message, "invalid");
        assert_contains(e.message, "expected");
        assert_memory_equal(&mo, &before, sizeof mo);
        assert_memory_equal(&to, &tbefore, sizeof to);
    }
    mc_model_options mo;
    mc_model_options_defaults(&mo);
    mc_error e;
    assert_int_equal(mc_options_set(&mo, NULL, "hiden", "8", &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "no option is named \"hiden\"");
    assert_int_equal(mc_options_set(&mo, NULL, "past", "a,b", &e), MC_ERR_ARGUMENT);
    assert_contains(e.message, "mc_feature_options");
    assert_int_equal(mc_options_set(&mo, NULL, "step_seconds", "60", &e), MC_ERR_ARGUMENT);
    /* A training option without training options to set. */
    assert_int_equal(mc_options_set(&mo, NULL, "epochs", "3", &e), MC_ERR_ARGUMENT);
}

/* The committed model files of format 1 (written before the table) load,
   report their configuration, and forecast as when they were written. */
static void check_old_file(const char *name, const char *expect_option, const char *expect_value)
{
    char path[1024], forecast_path[1024];
    snprintf(path, sizeof path, "%s/tests/data/%s.safetensors", MC_SOURCE_DIR, name);
    snprintf(forecast_path, sizeof forecast_path, "%s/tests/data/%s.forecast.csv", MC_SOURCE_DIR,
             name);
    mc_model *m = NULL;
    mc_error e;
    if (mc_model_load(&m, path, &e) != MC_OK)
        fail_msg("%s", e.message);
    char value[64];
    assert_int_equal(mc_model_get_option(m, expect_option, value, sizeof value, &e), MC_OK);
    assert_string_equal(value, expect_value);

    /* The history: the sample's first 2005 rows, the last 6 loads unknown. */
    mc_csv_options co;
    mc_csv_options_defaults(&co);
    char sample[1024];
    snprintf(sample, sizeof sample, "%s/data/sample_load.csv", MC_SOURCE_DIR);
    const char *covariates[] = {"temperature"};
    co.target_column = "load";
    co.covariates = covariates;
    co.n_covariates = 1;
    mc_frame *f = NULL;
    assert_int_equal(mc_frame_read_csv(&f, sample, &co, &e), MC_OK);
    const size_t rows = 2005, H = mc_model_horizon(m), Q = mc_model_quantiles(m);
    int64_t *times = calloc(rows, sizeof *times);
    double *load = calloc(rows, sizeof *load), *temp = calloc(rows, sizeof *temp);
    for (size_t r = 0; r < rows; r++) {
        times[r] = mc_frame_times(f)[r];
        load[r] = r < rows - H ? mc_frame_values(f, 0)[r] : NAN;
        temp[r] = mc_frame_values(f, 1)[r];
    }
    mc_frame_free(f);
    const char *names[] = {"load", "temperature"};
    const double *columns[] = {load, temp};
    mc_frame *history = NULL;
    assert_int_equal(mc_frame_from_arrays(&history, times, NULL, rows, names, columns, 2, &e),
                     MC_OK);
    mc_regularize_options ro;
    mc_regularize_options_defaults(&ro);
    assert_int_equal(mc_frame_regularize(history, &ro, &e), MC_OK);
    int64_t out_times[64];
    double values[64 * MC_MAX_QUANTILES];
    if (mc_model_forecast(m, history, NULL, out_times, values, &e) != MC_OK)
        fail_msg("%s", e.message);

    /* The recorded forecasts (six significant digits): step, median, quantiles. */
    FILE *fp = fopen(forecast_path, "r");
    assert_non_null(fp);
    char line[512];
    assert_non_null(fgets(line, sizeof line, fp)); /* header */
    for (size_t k = 0; k < H; k++) {
        assert_non_null(fgets(line, sizeof line, fp));
        char *p = strchr(line, ',') + 1;
        assert_int_equal(strtol(p, &p, 10), (long)(k + 1));
        const double point = strtod(p + 1, &p);
        const size_t median = Q > 1 ? Q / 2 : 0;
        assert_close(values[k * Q + median], point, 0.01, 1e-5);
        for (size_t q = 0; Q > 1 && q < Q; q++)
            assert_close(values[k * Q + q], strtod(p + 1, &p), 0.01, 1e-5);
    }
    fclose(fp);
    mc_frame_free(history);
    free(times);
    free(load);
    free(temp);
    mc_model_free(m);
}

static void test_format_1_files_load(void **state)
{
    (void)state;
    check_old_file("model_v1_full", "mask_local", "true");
    check_old_file("model_v1_rank_pinball", "horizon_rank", "2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_well_formed),
        cmocka_unit_test(test_defaults_match_the_table),
        cmocka_unit_test(test_set_and_get),
        cmocka_unit_test(test_refuses_bad_values),
        cmocka_unit_test(test_format_1_files_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
