/*
 * fuzz_cli_options: the command line's parsing of counts, durations and
 * reals, alone and inside whole command lines.
 *
 * Input: one byte choosing the command, then pieces separated by NUL bytes.
 * Each piece is one option: its first byte picks the option, the rest is the
 * option's value.
 *
 * Asserts, for every value: an accepted count has no leading whitespace and
 * no minus sign, is at least the lower bound, and reads back the same from
 * its "%zu" text; an accepted duration is non-negative and reads back the
 * same from its seconds and from its compact form; an accepted real is
 * finite, within its bounds and reads back bit for bit from "%.17g".
 *
 * The command line (`maskcast COMMAND --option value ...`) runs in-process
 * through mc_cli_run() with its output and messages going to /dev/null.
 * No option that names a file is ever fuzzed: the harness appends a --csv
 * (and -m, -o) naming paths under /nonexistent, last so that they win, so
 * every command stops at reading its input and nothing trains or writes.
 * The run must end in a failure or a usage error, never in a crash.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_data.h"
#include "cli/cli_model_opts.h"
#include "fuzz_util.h"

enum { MAX_ARGS = 64, MAX_OPTIONS = 128 };

#define MISSING_CSV "/nonexistent/maskcast-fuzz/data.csv"
#define MISSING_MODEL "/nonexistent/maskcast-fuzz/model.safetensors"

/* Every option of every command, from the CLI's own tables where they are
   shared (the model's from the library's option table, appended in
   LLVMFuzzerInitialize()); the file options are dropped there. */
static const struct option OWN_OPTIONS[] = {
    MC_CLI_DATA_LONG_OPTIONS,
    {"train-stride", required_argument, NULL, 0},
    {"test-start", required_argument, NULL, 0},
    {"test-days", required_argument, NULL, 0},
    {"origin-time", required_argument, NULL, 0},
    {"gap", required_argument, NULL, 0},
    {"refit-every", required_argument, NULL, 0},
    {"ensemble", required_argument, NULL, 0},
    {"ablations", no_argument, NULL, 0},
    {"no-baselines", no_argument, NULL, 0},
    {"temperature", required_argument, NULL, 0},
    {"corrupt-inputs", required_argument, NULL, 0},
    {"corrupt-seed", required_argument, NULL, 0},
    {"quiet", no_argument, NULL, 0},
    {"threshold", required_argument, NULL, 0},
    {"top", required_argument, NULL, 0},
    {"start", required_argument, NULL, 0},
    {"days", required_argument, NULL, 0},
    {"same-time", no_argument, NULL, 0},
    {"repeats", required_argument, NULL, 0},
    {"table", no_argument, NULL, 0},
    {NULL, 0, NULL, 0},
};

/* Options that read or write files (or stdin), or only print help. */
static const char *const FILE_OPTIONS[] = {"csv", "holidays", "output", "model", "future-csv",
                                           "truth", "forecasts", "metrics", "json", "help"};

static struct {
    const char *name; /* "--name" */
    bool takes_value;
} options[MAX_OPTIONS];
static size_t n_options;
static FILE *sink;

typedef struct command {
    const char *name;
    bool csv, model, output; /* which of the missing paths it is given */
} command;

static const command COMMANDS[] = {
    {"describe", true, false, false}, {"train", true, false, true},
    {"forecast", true, true, false},  {"inspect", false, true, false},
    {"backtest", true, false, false}, {"explain", true, true, false},
    {"anomalies", true, true, false},
};

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char names[MAX_OPTIONS][40];
    static struct option ALL_OPTIONS[MC_CLI_MAX_OPTIONS];
    mc_cli_model_long_options(ALL_OPTIONS, OWN_OPTIONS, "stride");
    for (size_t i = 0; ALL_OPTIONS[i].name != NULL; i++) {
        bool file = false;
        for (size_t k = 0; k < sizeof FILE_OPTIONS / sizeof FILE_OPTIONS[0]; k++)
            file = file || strcmp(ALL_OPTIONS[i].name, FILE_OPTIONS[k]) == 0;
        if (file || n_options == MAX_OPTIONS)
            continue;
        snprintf(names[n_options], sizeof names[0], "--%s", ALL_OPTIONS[i].name);
        options[n_options].name = names[n_options];
        options[n_options].takes_value = ALL_OPTIONS[i].has_arg == required_argument;
        n_options++;
    }
    sink = fopen("/dev/null", "w");
    FUZZ_ASSERT(sink != NULL);
    return 0;
}

static void check_size(const char *text, size_t lo)
{
    size_t v = 0, again = 0;
    if (!mc_cli_parse_size(text, lo, &v))
        return;
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    FUZZ_ASSERT(*p != '-');
    FUZZ_ASSERT(!isspace((unsigned char)text[0]));
    FUZZ_ASSERT(v >= lo);
    char printed[32];
    snprintf(printed, sizeof printed, "%zu", v);
    FUZZ_ASSERT(mc_cli_parse_size(printed, lo, &again) && again == v);
}

static void check_duration(const char *text)
{
    int64_t v = 0, again = 0;
    if (!mc_cli_parse_duration(text, &v))
        return;
    FUZZ_ASSERT(v >= 0);
    char printed[32];
    snprintf(printed, sizeof printed, "%" PRId64, v);
    FUZZ_ASSERT(mc_cli_parse_duration(printed, &again) && again == v);
    mc_cli_format_duration(v, printed, sizeof printed);
    FUZZ_ASSERT(mc_cli_parse_duration(printed, &again) && again == v);
}

static void check_real(const char *text, double lo, double hi)
{
    double v = 0.0, again = 0.0;
    if (!mc_cli_parse_real(text, lo, hi, &v))
        return;
    FUZZ_ASSERT(isfinite(v) && v >= lo && v <= hi);
    char printed[40];
    snprintf(printed, sizeof printed, "%.17g", v);
    FUZZ_ASSERT(mc_cli_parse_real(printed, lo, hi, &again));
    FUZZ_ASSERT(memcmp(&again, &v, sizeof v) == 0);
}

/* Every bound the CLI's options use (cli_model_opts.c). */
static void check_value(const char *text)
{
    static const double ranges[][2] = {{0, 100}, {1e-9, 1e9}, {1e-9, 10}, {0, 10},
                                       {0, 1e9}, {0, 0.89},   {0, 1},     {1e-6, 1 - 1e-6}};
    check_size(text, 0);
    check_size(text, 1);
    check_duration(text);
    for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++)
        check_real(text, ranges[k][0], ranges[k][1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    const command *cmd = &COMMANDS[fuzz_byte(&in) % (sizeof COMMANDS / sizeof COMMANDS[0])];
    /* NUL-terminated copies of the pieces, and argv pointing into them. */
    char *text = malloc(in.size + 1);
    FUZZ_ASSERT(text != NULL);
    memcpy(text, in.data, in.size);
    text[in.size] = '\0';
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = "maskcast";
    argv[argc++] = (char *)cmd->name;
    for (size_t at = 0; at < in.size;) {
        char *piece = text + at;
        at += strlen(piece) + 1;
        if (piece[0] == '\0')
            continue;
        check_value(piece + 1);
        const size_t k = (unsigned char)piece[0] % n_options;
        if (argc + 2 + 6 > MAX_ARGS)
            continue;
        argv[argc++] = (char *)options[k].name;
        if (options[k].takes_value)
            argv[argc++] = piece + 1;
    }
    if (cmd->csv) {
        argv[argc++] = "--csv";
        argv[argc++] = MISSING_CSV;
    }
    if (cmd->model) {
        argv[argc++] = "-m";
        argv[argc++] = MISSING_MODEL;
    }
    if (cmd->output) {
        argv[argc++] = "-o";
        argv[argc++] = MISSING_MODEL;
    }
    argv[argc] = NULL;
    const int status = mc_cli_run(argc, argv, sink, sink);
    FUZZ_ASSERT(status == MC_EXIT_FAILURE || status == MC_EXIT_USAGE);
    free(text);
    return 0;
}
