#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mc_error_clear(mc_error *err)
{
    if (err == NULL)
        return;
    err->code = MC_OK;
    err->line = 0;
    err->column = 0;
    err->message[0] = '\0';
}

const char *mc_status_name(mc_status status)
{
    switch (status) {
    case MC_OK: return "MC_OK";
    case MC_ERR_NOMEM: return "MC_ERR_NOMEM";
    case MC_ERR_IO: return "MC_ERR_IO";
    case MC_ERR_ARGUMENT: return "MC_ERR_ARGUMENT";
    case MC_ERR_CSV: return "MC_ERR_CSV";
    case MC_ERR_COLUMN: return "MC_ERR_COLUMN";
    case MC_ERR_VALUE: return "MC_ERR_VALUE";
    case MC_ERR_TIME: return "MC_ERR_TIME";
    case MC_ERR_DUPLICATE: return "MC_ERR_DUPLICATE";
    case MC_ERR_UNSORTED: return "MC_ERR_UNSORTED";
    case MC_ERR_EMPTY: return "MC_ERR_EMPTY";
    case MC_ERR_GRID: return "MC_ERR_GRID";
    case MC_ERR_CANCELLED: return "MC_ERR_CANCELLED";
    case MC_ERR_FORMAT: return "MC_ERR_FORMAT";
    case MC_ERR_DIVERGED: return "MC_ERR_DIVERGED";
    }
    return "MC_ERR_UNKNOWN";
}

mc_status mc_error_set(mc_error *err, mc_status code, size_t line, size_t column,
                       const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err->message[0] = '\0';
    } else if ((size_t)n >= sizeof err->message) {
        memcpy(err->message + sizeof err->message - 4, "...", 4);
    }
    return code;
}

mc_status mc_error_nomem(mc_error *err, const char *what)
{
    return mc_error_set(err, MC_ERR_NOMEM, 0, 0, "out of memory while %s", what);
}

const char *mc_error_name(char out[MC_ERROR_NAME_SIZE], const char *name)
{
    mc_error_quote(out, MC_ERROR_NAME_SIZE, name, strlen(name));
    return out;
}

void mc_error_quote(char *out, size_t size, const char *text, size_t len)
{
    if (size == 0)
        return;
    const size_t keep = size > 4 ? size - 4 : 0; /* room for "..." and NUL */
    size_t i = 0;
    for (; i < len && i < keep; i++) {
        unsigned char c = (unsigned char)text[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (i < len && size >= 4) {
        memcpy(out + i, "...", 4);
    } else {
        out[i < size ? i : size - 1] = '\0';
    }
}
