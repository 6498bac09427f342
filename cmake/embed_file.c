/* Build tool: writes a C source defining `const unsigned char NAME[]` (NUL-terminated)
   and `const unsigned long NAME_size` with the bytes of a file, so that the
   command-line tool carries its report template and chart library.

     embed_file INPUT OUTPUT.c NAME */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: embed_file INPUT OUTPUT.c NAME\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "w");
    if (in == NULL || out == NULL) {
        perror(in == NULL ? argv[1] : argv[2]);
        return 1;
    }
    fprintf(out, "/* Generated from %s. */\nconst unsigned char %s[] = {", argv[1], argv[3]);
    unsigned long n = 0;
    for (int c; (c = fgetc(in)) != EOF; n++)
        fprintf(out, "%s%d,", n % 24 ? "" : "\n", c);
    fprintf(out, "0};\nconst unsigned long %s_size = %luUL;\n", argv[3], n);
    const int failed = ferror(in) || fclose(out) != 0;
    fclose(in);
    if (failed) {
        fprintf(stderr, "embed_file: cannot write %s\n", argv[2]);
        remove(argv[2]);
        return 1;
    }
    return 0;
}
