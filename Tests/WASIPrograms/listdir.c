// listdir DIR: lists DIR's entries (without . and ..) sorted by name, each with its kind and,
// for regular files, its size; then the totals.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: listdir DIR\n"); return 2; }
    DIR *dir = opendir(argv[1]);
    if (!dir) { fprintf(stderr, "listdir: cannot open the directory\n"); return 1; }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 8;
            names = realloc(names, capacity * sizeof *names);
            if (!names) return 1;
        }
        names[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof *names, compare);
    unsigned long long bytes = 0;
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
        struct stat st;
        if (lstat(path, &st) != 0) {
            printf("%-20s ?\n", names[i]);
        } else if (S_ISDIR(st.st_mode)) {
            printf("%-20s dir\n", names[i]);
        } else if (S_ISLNK(st.st_mode)) {
            printf("%-20s symlink\n", names[i]);
        } else if (S_ISREG(st.st_mode)) {
            printf("%-20s file %lld\n", names[i], (long long)st.st_size);
            bytes += (unsigned long long)st.st_size;
        } else {
            printf("%-20s other\n", names[i]);
        }
        free(names[i]);
    }
    free(names);
    printf("%zu entries, %llu bytes in regular files\n", count, bytes);
    return 0;
}
