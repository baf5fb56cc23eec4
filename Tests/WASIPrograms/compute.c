// compute [N]: N rounds (default 500 million, about a second natively) of 32- and 64-bit integer
// mixing (multiply, xor-shift, rotate, add, divide), then prints a checksum. The rounds depend on
// each other, so no compiler can skip or vectorize them.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

int main(int argc, char **argv) {
    unsigned long long rounds = argc > 1 ? strtoull(argv[1], NULL, 10) : 500000000ULL;
    uint64_t h = 0x9E3779B97F4A7C15ULL;
    uint32_t a = 0x12345678u, b = 0x9ABCDEF0u;
    for (unsigned long long i = 0; i < rounds; i++) {
        a = rotl32(a ^ (uint32_t)i, 7) * 0x85EBCA6Bu + b;
        b ^= a >> 13;
        b += (b << 3) | 1u;
        h ^= (uint64_t)a << 32 | b;
        h *= 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
        if ((i & 1023) == 0) h += (uint64_t)(a % (b | 1u));
    }
    printf("rounds %llu checksum %016llx %08x %08x\n", rounds, (unsigned long long)h, a, b);
    return 0;
}
