// escape DIR: tries to leave the sandbox whose preopened directory is DIR, and prints for each
// attempt "denied" or "OPENED". The test prepares DIR/../outside.txt and, inside DIR, the symbolic
// links `link` (absolute target: that file) and `rlink` (relative target: ../outside.txt), and
// DIR/inside.txt with a link to it, `inlink`.
// Natively every attempt opens; under a WASI engine with only DIR preopened none may.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void attempt(const char *label, const char *path) {
    int fd = open(path, O_RDONLY);
    printf("%-36s %s\n", label, fd >= 0 ? "OPENED" : "denied");
    if (fd >= 0) close(fd);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: escape DIR\n"); return 2; }
    const char *dir = argv[1];
    char path[4096];

    snprintf(path, sizeof path, "%s/../outside.txt", dir);
    attempt("open DIR/../outside.txt", path);
    attempt("open /etc/passwd", "/etc/passwd");
    snprintf(path, sizeof path, "%s/link", dir);
    attempt("open DIR/link (absolute symlink)", path);
    snprintf(path, sizeof path, "%s/rlink", dir);
    attempt("open DIR/rlink (relative symlink)", path);
    snprintf(path, sizeof path, "%s/sub/../../outside.txt", dir);
    attempt("open DIR/sub/../../outside.txt", path);

    snprintf(path, sizeof path, "%s/..", dir);
    DIR *d = opendir(path);
    printf("%-36s %s\n", "opendir DIR/..", d ? "OPENED" : "denied");
    if (d) closedir(d);

    // Writing through the absolute link must not create or change anything outside either.
    snprintf(path, sizeof path, "%s/link", dir);
    int fd = open(path, O_WRONLY | O_APPEND);
    printf("%-36s %s\n", "open DIR/link for writing", fd >= 0 ? "OPENED" : "denied");
    if (fd >= 0) close(fd);

    // Sanity checks that the sandbox itself works: a file inside it opens, directly and through
    // a symbolic link (`inlink`, target inside.txt) that stays inside.
    snprintf(path, sizeof path, "%s/inside.txt", dir);
    attempt("open DIR/inside.txt (allowed)", path);
    snprintf(path, sizeof path, "%s/inlink", dir);
    attempt("open DIR/inlink (allowed)", path);
    return 0;
}
