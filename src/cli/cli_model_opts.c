/* The model and training options that `train` and `backtest` share. */
#include "cli/cli_model_opts.h"

#include "cli/cli_holidays.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct option *mc_cli_model_long_options(struct option *out, const struct option *own,
                                               const char *stride_name)
{
    size_t n = 0;
    bool owns_stride = false;
    for (; own[n].name != NULL && n + 1 < MC_CLI_MAX_OPTIONS; n++) {
        out[n] = own[n];
        owns_stride |= strcmp(own[n].name, "stride") == 0;
    }
    if (!owns_stride && n + 1 < MC_CLI_MAX_OPTIONS)
        out[n++] = (struct option){"stride", required_argument, NULL, MC_OPT_MODEL_OLD_STRIDE};
    for (size_t i = 0; i < mc_option_count() && i < MC_OPT_MODEL_OLD_STRIDE - MC_OPT_MODEL &&
                       n + 1 < MC_CLI_MAX_OPTIONS; i++) {
        const mc_option_info *o = mc_option_at(i);
        if (o->cli == NULL)
            continue;
        const bool origins = strcmp(o->name, "origin_stride") == 0;
        out[n++] = (struct option){origins ? stride_name : o->cli,
                                   o->type == MC_OPTION_FLAG ? no_argument : required_argument,
                                   NULL, MC_OPT_MODEL + (int)i};
    }
    out[n] = (struct option){NULL, 0, NULL, 0};
    return out;
}

/* Writes `text` from column `col` on, wrapped before column 80; the first
   line continues where the caller left off at column `at`. */
static void wrap(FILE *f, const char *text, int at, int col)
{
    const char *p = text;
    while (*p != '\0') {
        size_t len = strlen(p);
        if (at + (int)len > 80) {
            len = (size_t)(80 - at);
            while (len > 0 && p[len] != ' ')
                len--;
            if (len == 0) /* one long word */
                len = strcspn(p, " ");
        }
        fprintf(f, "%.*s\n", (int)len, p);
        p += len;
        while (*p == ' ')
            p++;
        if (*p != '\0')
            fprintf(f, "%*s", col, "");
        at = col;
    }
}

void mc_cli_model_help(FILE *f, const char *stride_name)
{
    static const char *const headings[] = {
        "The window:", "What the model sees:", "The network (DESIGN.md section 4):",
        "The loss:", "Training:"};
    enum { HELP_COLUMN = 25 };
    for (int g = MC_GROUP_WINDOW; g <= MC_GROUP_TRAINING; g++) {
        fprintf(f, "%s%s\n", g ? "\n" : "", headings[g]);
        for (size_t i = 0; i < mc_option_count(); i++) {
            const mc_option_info *o = mc_option_at(i);
            if ((int)o->group != g || o->cli == NULL)
                continue;
            const char *name = strcmp(o->name, "origin_stride") == 0 ? stride_name : o->cli;
            char usage[64];
            snprintf(usage, sizeof usage, "  --%s%s%s", name, o->type == MC_OPTION_FLAG ? "" : " ",
                     o->type == MC_OPTION_FLAG ? "" : o->metavar);
            fprintf(f, "%s", usage);
            int at = (int)strlen(usage);
            if (at + 2 > HELP_COLUMN) {
                fputc('\n', f);
                at = 0;
            }
            fprintf(f, "%*s", HELP_COLUMN - at, "");
            char text[512];
            const bool show_default = o->type != MC_OPTION_FLAG && o->default_text != NULL &&
                                      o->default_text[0] != '\0' && strstr(o->help, "default") == NULL;
            const bool off = o->type == MC_OPTION_FLAG && strncmp(o->cli, "no-", 3) == 0;
            snprintf(text, sizeof text, "%s%s%s%s%s", off ? "turns off " : "", o->help,
                     show_default ? " (default " : "",
                     show_default ? o->default_text : "", show_default ? ")" : "");
            wrap(f, text, HELP_COLUMN, HELP_COLUMN);
        }
    }
}

void mc_cli_model_init(mc_cli_model *m, const char *stride_name)
{
    memset(m, 0, sizeof *m);
    m->stride_name = stride_name;
    mc_model_options_defaults(&m->mo);
    mc_train_options_defaults(&m->to);
}

void mc_cli_model_free(mc_cli_model *m)
{
    mc_cli_names_free(&m->past);
    mc_cli_names_free(&m->future);
    free(m->holidays);
    m->holidays = NULL;
}

bool mc_cli_parse_size(const char *arg, size_t lo, size_t *out)
{
    /* Digits only: strtoull skips blanks and takes a sign, so " -1" would
       pass a test of the first byte and wrap to 2^64 - 1. */
    if (!(arg[0] >= '0' && arg[0] <= '9'))
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo)
        return false;
    *out = (size_t)v;
    return true;
}

bool mc_cli_parse_real(const char *arg, double lo, double hi, double *out)
{
    if (isspace((unsigned char)arg[0]))
        return false; /* as counts: no leading blanks */
    errno = 0;
    char *end = NULL;
    double v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

/* Applies one model or training option; 1 done, 0 not ours, -1 invalid. */
int mc_cli_model_option(mc_cli_model *a, int c, const char *arg, const char *command,
                        FILE *err)
{
    if (c < MC_OPT_MODEL || c >= MC_OPT_MODEL_END)
        return 0;
    if (c == MC_OPT_MODEL_OLD_STRIDE) {
        if (!a->warned_stride)
            fprintf(err, "maskcast %s: warning: --stride is deprecated here: it is --%s, the "
                         "spacing of training origins (backtest's --stride spaces its "
                         "forecast origins)\n", command, a->stride_name);
        a->warned_stride = true;
        for (size_t i = 0; i < mc_option_count(); i++)
            if (strcmp(mc_option_at(i)->name, "origin_stride") == 0)
                c = MC_OPT_MODEL + (int)i;
    }
    const mc_option_info *o = mc_option_at((size_t)(c - MC_OPT_MODEL));
    if (o == NULL)
        return 0;
    const char *name = strcmp(o->name, "origin_stride") == 0 ? a->stride_name : o->cli;
    bool ok = true;
    mc_error e;
    if (o->type == MC_OPTION_NAMES) {
        ok = mc_cli_names_parse(strcmp(o->name, "past") == 0 ? &a->past : &a->future, arg);
    } else if (o->type == MC_OPTION_DATES) {
        a->holidays_path = arg;
    } else {
        /* A flag's switch turns a default on off, or an off one on. */
        const char *value = o->type != MC_OPTION_FLAG ? arg
                            : strncmp(o->cli, "no-", 3) == 0 ? "false" : "true";
        ok = mc_options_set(&a->mo, &a->to, o->name, value, &e) == MC_OK;
    }
    if (!ok) {
        fprintf(err, "maskcast %s: invalid --%s '%s': expected %s\n", command, name, arg,
                o->type == MC_OPTION_NAMES ? "names" : o->expect);
        return -1;
    }
    a->horizon_given |= strcmp(o->name, "horizon") == 0;
    a->lookback_given |= strcmp(o->name, "lookback") == 0;
    return 1;
}

/* The CSV must hold every past and future column: read their union (plus --covariates). */
static size_t union_names(const char **out, size_t cap, const mc_cli_names *const *lists, size_t n)
{
    size_t k = 0;
    for (size_t l = 0; l < n; l++)
        for (size_t i = 0; i < lists[l]->n; i++) {
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = strcmp(out[j], lists[l]->names[i]) == 0;
            if (!seen && k < cap)
                out[k++] = lists[l]->names[i];
        }
    return k;
}


/* The columns to read and the features, before the data are read. */
static bool prepare(mc_cli_model *m, mc_cli_data *d, const char **columns, FILE *err)
{
    const mc_cli_names *lists[] = {&d->covariates, &m->past, &m->future};
    d->csv_opt.covariates = columns;
    d->csv_opt.n_covariates = union_names(columns, 3 * MC_MAX_COVARIATES, lists, 3);
    if (m->holidays_path != NULL) {
        free(m->holidays);
        if (!mc_cli_holidays_read(m->holidays_path, &m->holidays, &m->mo.features.n_holidays,
                                  err))
            return false;
        m->mo.features.holidays = m->holidays;
    }
    m->mo.features.past = m->past.names;
    m->mo.features.n_past = m->past.n;
    m->mo.features.future = m->future.names;
    m->mo.features.n_future = m->future.n;
    return true;
}

/* The window's defaults for the data's step: a week back, a day ahead. */
static void window_defaults(mc_cli_model *m, const mc_cli_data *d, const mc_frame *frame,
                            FILE *err)
{
    if (m->holidays_path != NULL)
        mc_cli_holidays_check_years(m->holidays_path, frame, err);
    (void)d;
    const int64_t step = mc_frame_step(frame);
    if (!m->lookback_given)
        m->mo.window.lookback = step < 7 * 86400 ? (size_t)(7 * 86400 / step) : 1;
    if (!m->horizon_given)
        m->mo.window.horizon = step < 86400 ? (size_t)(86400 / step) : 1;
}

mc_frame *mc_cli_model_load(mc_cli_model *m, mc_cli_data *d, const char **columns, FILE *err)
{
    if (!prepare(m, d, columns, err))
        return NULL;
    mc_frame *frame = mc_cli_data_load(d, err);
    if (frame != NULL)
        window_defaults(m, d, frame, err);
    return frame;
}

mc_panel *mc_cli_model_load_panel(mc_cli_model *m, mc_cli_data *d, const char **columns,
                                  FILE *err)
{
    if (!prepare(m, d, columns, err))
        return NULL;
    mc_panel *p = mc_cli_data_load_panel(d, err);
    if (p != NULL)
        window_defaults(m, d, mc_panel_frame(p, 0), err);
    return p;
}
