// copy SOURCE DEST: copies a file with stdio (fopen/fread/fwrite), creating or truncating DEST,
// then prints the number of bytes copied. Both paths are inside a preopened directory.
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: copy SOURCE DEST\n"); return 2; }
    FILE *in = fopen(argv[1], "rb");
    if (!in) { fprintf(stderr, "copy: cannot open the source\n"); return 1; }
    FILE *out = fopen(argv[2], "wb");
    if (!out) { fprintf(stderr, "copy: cannot create the destination\n"); fclose(in); return 1; }
    static char buffer[1000];  // not a power of two: chunks straddle the file system's blocks
    unsigned long long total = 0;
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, in)) > 0) {
        if (fwrite(buffer, 1, n, out) != n) { fprintf(stderr, "copy: write failed\n"); return 1; }
        total += n;
    }
    if (ferror(in)) { fprintf(stderr, "copy: read failed\n"); return 1; }
    fclose(in);
    if (fclose(out) != 0) { fprintf(stderr, "copy: close failed\n"); return 1; }
    printf("copied %llu bytes\n", total);
    return 0;
}
