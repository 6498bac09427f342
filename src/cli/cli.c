#include "cli/cli.h"

#include <errno.h>
#include <string.h>

#include "maskcast/maskcast.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv, FILE *out, FILE *err);
    const char *summary;
} subcommand;

static const subcommand SUBCOMMANDS[] = {
    {"describe", mc_cli_describe, "load a CSV, put it on its time grid, and summarise what was found"},
    {"train", mc_cli_train, "train the forecasting network on a CSV and write a model file"},
    {"forecast", mc_cli_forecast, "forecast the next horizon from a model and recent history"},
    {"inspect", mc_cli_inspect, "show a model file's configuration, sizes and training record"},
    {"backtest", mc_cli_backtest, "rolling-origin evaluation of the model against baselines"},
    {"tune", mc_cli_tune, "search model and training options by backtest, write the best model"},
    {"explain", mc_cli_explain, "which inputs the forecasts rest on, per horizon step"},
    {"anomalies", mc_cli_anomalies, "where the anomaly mask shuts out past load values"},
    {"report", mc_cli_report, "a command's results as charts in one HTML file for a browser"},
    {"holidays", mc_cli_holidays, "list the built-in holiday tables, or print one"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "maskcast %s — multi-step electricity load forecasting\n"
            "\n"
            "Usage: maskcast COMMAND [OPTIONS]\n"
            "\n"
            "Commands:\n",
            mc_version());
    for (size_t i = 0; i < sizeof SUBCOMMANDS / sizeof SUBCOMMANDS[0]; i++)
        fprintf(f, "  %-10s %s\n", SUBCOMMANDS[i].name, SUBCOMMANDS[i].summary);
    fprintf(f, "\n"
               "Run 'maskcast COMMAND --help' for a command's options.\n"
               "Options: --help, --version.\n"
               "Exit status: 0 success, 1 the data or a file was at fault, 2 wrong usage.\n");
}

/* Output that could not be written (a full disk, a closed pipe) is a failure. */
static int finish(int status, FILE *out, FILE *err)
{
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "maskcast: cannot write the output: %s\n", strerror(errno));
        return status == MC_EXIT_OK ? MC_EXIT_FAILURE : status;
    }
    return status;
}

int mc_cli_run(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 2) {
        usage(err);
        return MC_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(out);
        return finish(MC_EXIT_OK, out, err);
    }
    if (strcmp(cmd, "--version") == 0) {
        fprintf(out, "maskcast %s\n", mc_version());
        return finish(MC_EXIT_OK, out, err);
    }
    for (size_t i = 0; i < sizeof SUBCOMMANDS / sizeof SUBCOMMANDS[0]; i++)
        if (strcmp(cmd, SUBCOMMANDS[i].name) == 0)
            return finish(SUBCOMMANDS[i].run(argc - 1, argv + 1, out, err), out, err);
    fprintf(err, "maskcast: unknown command '%s'\n\n", cmd);
    usage(err);
    return MC_EXIT_USAGE;
}
