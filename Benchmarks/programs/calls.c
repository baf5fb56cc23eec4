/* calls.c - recursion and call overhead: naive Fibonacci, Ackermann,
 * Takeuchi, mutual recursion and indirect calls through a function table.
 * Usage: calls [N]   (N = Fibonacci argument, default 30)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint32_t ack(uint32_t m, uint32_t n) {
    while (m != 0) {
        if (n == 0) {
            n = 1;
        } else {
            n = ack(m, n - 1);
        }
        m--;
    }
    return n + 1;
}

static int32_t tak(int32_t x, int32_t y, int32_t z) {
    if (y >= x) return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

static int is_odd(uint32_t n);
static int is_even(uint32_t n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(uint32_t n) { return n == 0 ? 0 : is_even(n - 1); }

typedef uint32_t (*op_fn)(uint32_t, uint32_t);
static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return (a ^ b) * 0x9E3779B1u; }
static uint32_t op_rot(uint32_t a, uint32_t b) { return (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)); }
static uint32_t op_mix(uint32_t a, uint32_t b) { return a * 31u + b * 17u + 7u; }

/* Prevent inlining of the table entries by selecting them at run time. */
static op_fn table[4] = { op_add, op_xor, op_rot, op_mix };

static uint32_t apply_chain(uint32_t seed, uint32_t count) {
    uint32_t acc = seed;
    for (uint32_t i = 0; i < count; i++) {
        op_fn f = table[(acc ^ i) & 3];
        acc = f(acc, i);
    }
    return acc;
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 30;
    uint32_t f = fib(n);
    uint32_t a = 0;
    for (uint32_t k = 0; k < 4 + n / 8; k++) a += ack(2, 100 + k) + ack(3, 3 + (k & 3));
    int32_t t = tak((int32_t)(n / 2 + 2), (int32_t)(n / 4 + 1), (int32_t)(n / 8));
    uint32_t parity = 0;
    for (uint32_t k = 0; k < n * 50; k++) parity += (uint32_t)is_even(k * 7 + 3);
    uint32_t chain = apply_chain(n, n * 200000u);
    uint64_t sum = (uint64_t)f * 1000003u + (uint64_t)a * 7919u + (uint64_t)(uint32_t)t * 31u
                 + (uint64_t)parity * 131u + chain;
    printf("fib(%u)=%u ack=%u tak=%d parity=%u chain=%u\n", n, f, a, t, parity, chain);
    printf("checksum: %llu\n", (unsigned long long)sum);
    return 0;
}
