#include "cli/cli_output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

FILE *mc_cli_output_open(mc_cli_output *o, const char *path, FILE *stream, FILE *err)
{
    memset(o, 0, sizeof *o);
    /* /dev/stdout is the stream itself: through its buffer, in order with
       what else the command prints there. */
    if (path == NULL || strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0) {
        o->f = stream;
        return stream;
    }
    mc_error e;
    if (mc_atomic_open(&o->file, path, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return NULL;
    }
    o->path = path;
    o->f = o->file.f;
    return o->f;
}

int mc_cli_output_close(mc_cli_output *o, bool keep, FILE *err)
{
    if (o->path == NULL)
        return 0; /* the stream is flushed and checked by mc_cli_run */
    const char *path = o->path;
    o->path = NULL;
    if (!keep) {
        mc_atomic_abort(&o->file);
        return 0;
    }
    mc_error e;
    if (mc_atomic_commit(&o->file, path, &e) != MC_OK) {
        fprintf(err, "maskcast: %s\n", e.message);
        return -1;
    }
    return 0;
}

void mc_cli_format_number(char *out, size_t size, double v)
{
    /* 17 digits always read back, and so does any count above one that
       does: bisect for the fewest (five tries, not up to seventeen). */
    int lo = 1, hi = 17;
    while (isfinite(v) && lo < hi) {
        const int mid = (lo + hi) / 2;
        snprintf(out, size, "%.*g", mid, v);
        if (strtod(out, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(out, size, "%.*g", hi, v);
}

int mc_cli_print_json(cJSON *doc, FILE *f, FILE *err)
{
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (text == NULL) {
        fprintf(err, "maskcast: out of memory writing JSON\n");
        return MC_EXIT_FAILURE;
    }
    fprintf(f, "%s\n", text);
    cJSON_free(text);
    return MC_EXIT_OK;
}

void mc_cli_write_csv_field(FILE *f, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}
