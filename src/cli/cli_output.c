#include "cli/cli_output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

FILE *mc_cli_output_open(mc_cli_output *o, const char *path, FILE *stream, FILE *err)
{
    memset(o, 0, sizeof *o);
    if (path == NULL || strcmp(path, "-") == 0) {
        o->f = stream;
        return stream;
    }
    const size_t n = strlen(path) + 32;
    o->tmp = malloc(n);
    if (o->tmp == NULL) {
        fprintf(err, "maskcast: out of memory\n");
        return NULL;
    }
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    o->path = path;
    o->f = fopen(o->tmp, "w");
    if (o->f == NULL) {
        fprintf(err, "maskcast: %s: cannot write: %s\n", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
    }
    return o->f;
}

int mc_cli_output_close(mc_cli_output *o, bool keep, FILE *err)
{
    if (o->tmp == NULL)
        return 0; /* the stream is flushed and checked by mc_cli_run */
    int rc = 0;
    const bool written = fflush(o->f) == 0 && !ferror(o->f) && fsync(fileno(o->f)) == 0;
    const int saved = errno;
    if (fclose(o->f) != 0 || !written) {
        if (keep)
            fprintf(err, "maskcast: %s: cannot write: %s\n", o->path, strerror(saved));
        keep = false;
        rc = -1;
    }
    if (keep && rename(o->tmp, o->path) != 0) {
        fprintf(err, "maskcast: %s: cannot write: %s\n", o->path, strerror(errno));
        keep = false;
        rc = -1;
    }
    if (!keep)
        remove(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    return rc;
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
