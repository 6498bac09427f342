/* mc_json_parse: JSON parses; texts cJSON refuses are MC_ERR_FORMAT, never
   MC_ERR_NOMEM (its check of a failed text must be no more lenient than
   cJSON). That texts cJSON reads are never MC_ERR_FORMAT when cJSON runs out
   of memory is test_alloc_fail's "json" paths. */
#include "test_util.h"

#include <stdlib.h>

#include "io/json.h"

/* `text` nested `depth` times in brackets. */
static char *nested(size_t depth, const char *inner)
{
    const size_t n = strlen(inner);
    char *s = malloc(2 * depth + n + 1);
    assert_non_null(s);
    memset(s, '[', depth);
    memcpy(s + depth, inner, n);
    memset(s + depth + n, ']', depth);
    s[2 * depth + n] = '\0';
    return s;
}

static void expect(const char *text, bool whole, mc_status want)
{
    cJSON *j = NULL;
    size_t stop = 12345;
    const mc_status st = mc_json_parse(&j, text, whole, &stop);
    if (st != want)
        print_error("%.60s (whole %d): %s, expected %s\n", text, (int)whole, mc_status_name(st),
                    mc_status_name(want));
    assert_int_equal(st, want);
    assert_true((j != NULL) == (st == MC_OK));
    if (st != MC_OK)
        assert_true(stop <= strlen(text));
    cJSON_Delete(j);
}

static void test_parses(void **state)
{
    (void)state;
    expect("{\"a\": [1, -0.5, 2.5e-3, 1E+2, true, false, null, \"\\u00e9\\ud83d\\ude00\"]}", true,
           MC_OK);
    expect("  \"text\"  ", true, MC_OK);
    expect("{} trailing", false, MC_OK);
    char *deep = nested(CJSON_NESTING_LIMIT, "0");
    expect(deep, true, MC_OK);
    free(deep);
}

static void test_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "   ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "[1 2]", "\"abc",
        "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"\\ud800x\"", "tru", "nul", "fals", "-", "1e", "1e+", "-a", ".5", "+1", "[\"\\", "{\"a\":}",
        "[1]]", "{\"a\":1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect(bad[i], true, MC_ERR_FORMAT);
    expect("{} trailing", true, MC_ERR_FORMAT);
    char *deep = nested(CJSON_NESTING_LIMIT + 1, "0");
    expect(deep, true, MC_ERR_FORMAT);
    free(deep);
}

/* Where cJSON stopped, for the caller's message. */
static void test_stop(void **state)
{
    (void)state;
    cJSON *j = NULL;
    size_t stop = 0;
    assert_int_equal(mc_json_parse(&j, "{\"a\": 1, \"b\": x}", true, &stop), MC_ERR_FORMAT);
    assert_null(j);
    assert_int_equal(stop, 14);
    assert_int_equal(mc_json_parse(&j, "[1,]", true, NULL), MC_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses),
        cmocka_unit_test(test_refuses),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
