/* Running the maskcast command in-process for end-to-end tests, with its
   output and diagnostics captured, and scratch input files. */
#ifndef MC_TEST_CLI_UTIL_H
#define MC_TEST_CLI_UTIL_H

#include "test_util.h"

#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

/* ---- running the command --------------------------------------------------- */

typedef struct cli_result {
    int status;
    char *out;
    char *err;
} cli_result;

static inline char *slurp(FILE *f)
{
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    char *s = malloc((size_t)size + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)size, f), (size_t)size);
    s[size] = '\0';
    fclose(f);
    return s;
}

/* Runs `maskcast args...` (NULL-terminated, without the program name). */
static inline cli_result run(const char *const *args)
{
    size_t argc = 1;
    while (args[argc - 1] != NULL)
        argc++;
    char **argv = calloc(argc + 1, sizeof *argv);
    assert_non_null(argv);
    argv[0] = strdup("maskcast");
    for (size_t i = 1; i < argc; i++)
        argv[i] = strdup(args[i - 1]);
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    cli_result r;
    r.status = mc_cli_run((int)argc, argv, out, err);
    r.out = slurp(out);
    r.err = slurp(err);
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return r;
}

static inline void result_free(cli_result *r)
{
    free(r->out);
    free(r->err);
}

#define RUN(...) run((const char *const[]){__VA_ARGS__, NULL})

/* Fails the test if `text` holds a control byte other than the line breaks
   between lines of output (a terminal escape from a header name, say). */
static inline void assert_lines_printable(const char *text)
{
    for (size_t i = 0; text[i] != '\0'; i++) {
        const unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f) {
            print_error("byte 0x%02x at offset %zu of:\n%s\n", c, i, text);
            fail();
        }
    }
}

/* ---- input files ------------------------------------------------------------ */

typedef struct temp_csv {
    char path[4096];
} temp_csv;

static inline const char *tmp_dir(void)
{
    const char *d = getenv("MC_TEST_TMPDIR");
    return d != NULL && *d != '\0' ? d : "/tmp";
}

/* Creates a uniquely named empty file and returns it open for writing. */
static inline FILE *temp_open(temp_csv *t)
{
    int n = snprintf(t->path, sizeof t->path, "%s/mc_cli_XXXXXX", tmp_dir());
    assert_true(n > 0 && (size_t)n < sizeof t->path);
    int fd = mkstemp(t->path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    return f;
}

static inline void temp_write(temp_csv *t, const char *text)
{
    FILE *f = temp_open(t);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}


#endif /* MC_TEST_CLI_UTIL_H */
