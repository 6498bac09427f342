/* Build tool: compiles the holiday tables of data/holidays into the library.
   Reads DIR/index.csv (name,region,first_year,last_year,holidays,source,
   generated; written by DIR/generate.py, no quoted fields) and each
   DIR/<name>.csv, and writes a C source defining mc_holiday_markets[] and
   mc_holiday_market_count (src/data/holiday_markets.h), each table's bytes
   NUL-terminated.

     embed_holidays DIR OUTPUT.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_MARKETS = 512, FIELDS = 7, LINE = 1024 };

/* [a-z]{2}(-[a-z]+)?, as the library expects of a market's name. */
static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z')
        return 0;
    if (n == 2)
        return 1;
    if (s[2] != '-' || n == 3)
        return 0;
    for (size_t i = 3; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return 0;
    return 1;
}

/* Writes `s` as a C string literal. */
static void literal(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s != '\0'; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(out, "\\%03o", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Splits `line` at commas into FIELDS fields; 0 when the count differs. */
static int split(char *line, char **f)
{
    line[strcspn(line, "\r\n")] = '\0';
    int n = 0;
    for (char *p = line;; n++) {
        if (n == FIELDS)
            return 0;
        f[n] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n + 1 == FIELDS;
}

static int embed_table(FILE *out, const char *dir, const char *name, size_t i,
                       unsigned long *size)
{
    char path[LINE + 64];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        perror(path);
        return 0;
    }
    fprintf(out, "static const unsigned char table_%zu[] = {", i);
    unsigned long n = 0;
    for (int c; (c = fgetc(in)) != EOF; n++)
        fprintf(out, "%s%d,", n % 24 ? "" : "\n", c);
    fprintf(out, "0};\n");
    const int ok = !ferror(in) && n > 0;
    fclose(in);
    if (!ok)
        fprintf(stderr, "embed_holidays: cannot read %s\n", path);
    *size = n;
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embed_holidays DIR OUTPUT.c\n");
        return 2;
    }
    char index_path[LINE];
    snprintf(index_path, sizeof index_path, "%s/index.csv", argv[1]);
    FILE *index = fopen(index_path, "r"), *out = fopen(argv[2], "w");
    if (index == NULL || out == NULL) {
        perror(index == NULL ? index_path : argv[2]);
        return 1;
    }
    static char lines[MAX_MARKETS][LINE];
    static char *fields[MAX_MARKETS][FIELDS];
    static unsigned long sizes[MAX_MARKETS];
    size_t n = 0;
    int ok = fgets(lines[0], LINE, index) != NULL; /* the header */
    fprintf(out, "/* Generated from %s by embed_holidays. */\n#include \"data/holiday_markets.h\"\n\n",
            index_path);
    while (ok && n < MAX_MARKETS && fgets(lines[n], LINE, index) != NULL) {
        if (!split(lines[n], fields[n]) || !valid_name(fields[n][0]) ||
            (n > 0 && strcmp(fields[n - 1][0], fields[n][0]) >= 0)) {
            fprintf(stderr, "%s: line %zu: expected %d fields, a name [a-z]{2}(-[a-z]+)?, "
                            "names in order\n", index_path, n + 2, FIELDS);
            ok = 0;
            break;
        }
        ok = embed_table(out, argv[1], fields[n][0], n, &sizes[n]);
        n++;
    }
    if (ok && (n == 0 || !feof(index))) {
        fprintf(stderr, "%s: no markets, or more than %d\n", index_path, MAX_MARKETS);
        ok = 0;
    }
    if (ok) {
        fprintf(out, "\nconst mc_holiday_market mc_holiday_markets[] = {\n");
        for (size_t i = 0; i < n; i++) {
            char **f = fields[i];
            fprintf(out, "    {");
            literal(out, f[0]);
            fputs(", ", out);
            literal(out, f[1]);
            fprintf(out, ", %d, %d, ", atoi(f[2]), atoi(f[3]));
            literal(out, f[5]);
            fputs(", ", out);
            literal(out, f[6]);
            fprintf(out, ", table_%zu, %luUL},\n", i, sizes[i]);
        }
        fprintf(out, "};\nconst size_t mc_holiday_market_count = %zu;\n", n);
    }
    fclose(index);
    if (fclose(out) != 0 || !ok) {
        fprintf(stderr, "embed_holidays: cannot write %s\n", argv[2]);
        remove(argv[2]);
        return 1;
    }
    return 0;
}
