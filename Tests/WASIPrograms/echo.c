// echo: prints its arguments (not argv[0], which differs between a native run and a Wasm one),
// one per line with its index and byte length, then the environment variables whose names start
// with WT_, sorted by name.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int compare(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] (%zu bytes) [%s]\n", i, strlen(argv[i]), argv[i]);
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "WT_", 3) == 0) n++;
    const char **vars = malloc((n + 1) * sizeof *vars);
    if (!vars) return 1;
    size_t k = 0;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "WT_", 3) == 0) vars[k++] = *e;
    qsort(vars, n, sizeof *vars, compare);
    printf("WT_ variables: %zu\n", n);
    for (size_t i = 0; i < n; i++) printf("  [%s]\n", vars[i]);
    const char *missing = getenv("WT_SURELY_NOT_SET");
    printf("getenv(WT_SURELY_NOT_SET) = %s\n", missing ? missing : "(null)");
    free(vars);
    return 0;
}
