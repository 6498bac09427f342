/* Reading many series for the command line: --series, several --csv files,
   several --target columns, --static and --only (cli_data.h). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli_data.h"
#include "common/error.h"

bool mc_cli_data_is_panel(const mc_cli_data *d)
{
    return d->series_column != NULL || d->n_csv > 1 || d->targets.n > 1;
}

/* "AEP", "COMED", ... (at most 8 names) into out. */
static void list_series(const mc_panel *p, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    const size_t n = mc_panel_series(p);
    for (size_t i = 0; i < n && i < 8 && used < size; i++) {
        char q[MC_ERROR_NAME_SIZE];
        const int w = snprintf(out + used, size - used, "%s\"%s\"", i ? ", " : "",
                               mc_error_name(q, mc_panel_series_name(p, i)));
        if (w < 0)
            return;
        used += (size_t)w;
    }
    if (n > 8 && used < size)
        snprintf(out + used, size - used, ", ... (%zu in all)", n);
}

mc_panel *mc_cli_data_load_panel(mc_cli_data *d, FILE *err)
{
    mc_panel_options po;
    mc_panel_options_defaults(&po);
    po.csv = d->csv_opt;
    po.series_column = d->series_column;
    if (d->targets.n > 1) {
        po.targets = d->targets.names;
        po.n_targets = d->targets.n;
    }
    mc_panel *p = NULL;
    mc_error e;
    mc_status st = mc_panel_read_csv(&p, d->csv_list, d->n_csv, &po, &e);
    if (st == MC_OK && d->only != NULL)
        st = mc_panel_keep_only(p, d->only, &e);
    if (st == MC_OK && d->tz != NULL)
        st = mc_panel_set_time_zone(p, d->tz, getenv("TZDIR"), &e);
    if (st == MC_OK)
        st = mc_panel_regularize(p, &d->reg_opt, &e);
    if (st == MC_OK && d->static_path != NULL)
        st = mc_panel_read_static(p, d->static_path, NULL, &e);
    if (st != MC_OK) {
        mc_cli_data_print_error(&e, err);
        mc_panel_free(p);
        return NULL;
    }
    return p;
}

mc_frame *mc_cli_data_load_one_series(mc_cli_data *d, FILE *err)
{
    mc_panel *p = mc_cli_data_load_panel(d, err);
    if (p == NULL)
        return NULL;
    mc_frame *f = NULL;
    if (mc_panel_series(p) != 1) {
        char names[512];
        list_series(p, names, sizeof names);
        fprintf(err,
                "maskcast: the data hold %zu series (%s); this command reads one: name it "
                "with --only ID\n",
                mc_panel_series(p), names);
    } else {
        const mc_frame *one = mc_panel_frame(p, 0);
        mc_error e;
        if (mc_frame_slice(&f, one, 0, mc_frame_rows(one), &e) != MC_OK)
            fprintf(err, "maskcast: %s\n", e.message);
    }
    mc_panel_free(p);
    return f;
}
