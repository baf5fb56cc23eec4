// cat: copies standard input to standard output with read/write, then reports the byte count
// and a checksum on standard error.
#include <stdio.h>
#include <unistd.h>

int main(void) {
    static unsigned char buffer[4096];
    unsigned long long total = 0;
    unsigned int sum = 0;
    for (;;) {
        ssize_t n = read(0, buffer, sizeof buffer);
        if (n < 0) { perror("cat: read"); return 1; }
        if (n == 0) break;
        for (ssize_t i = 0; i < n; i++) sum = sum * 31 + buffer[i];
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(1, buffer + done, (size_t)(n - done));
            if (w <= 0) { perror("cat: write"); return 1; }
            done += w;
        }
        total += (unsigned long long)n;
    }
    fprintf(stderr, "cat: %llu bytes, checksum %08x\n", total, sum);
    return 0;
}
