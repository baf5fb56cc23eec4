/* bitmix.c - i32 and i64 bit manipulation: a SipHash-style 64-bit ARX hash,
 * a ChaCha-style 32-bit quarter-round stream cipher (encrypt + decrypt),
 * a table-driven CRC-32 and popcount/clz/ctz/rotate reductions.
 * Usage: bitmix [KB]   (buffer size in KiB, default 256)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
static inline uint32_t rotl32(uint32_t x, int b) { return (x << b) | (x >> (32 - b)); }

/* ---- SipHash-like keyed hash (2 compression rounds, 4 finalisation) ---- */
#define SIPROUND(v0, v1, v2, v3)                                   \
    do {                                                           \
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                   \
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                   \
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
    } while (0)

static uint64_t load64le(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t keyed_hash(const uint8_t *data, size_t len, uint64_t k0, uint64_t k1) {
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t m = load64le(data + i);
        v3 ^= m;
        SIPROUND(v0, v1, v2, v3);
        SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t last = (uint64_t)len << 56;
    for (size_t j = 0; i + j < len; j++) last |= (uint64_t)data[i + j] << (8 * j);
    v3 ^= last;
    SIPROUND(v0, v1, v2, v3);
    SIPROUND(v0, v1, v2, v3);
    v0 ^= last;
    v2 ^= 0xff;
    for (int r = 0; r < 4; r++) SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- ChaCha-like stream cipher ---- */
#define QR(a, b, c, d)                   \
    a += b; d ^= a; d = rotl32(d, 16);   \
    c += d; b ^= c; b = rotl32(b, 12);   \
    a += b; d ^= a; d = rotl32(d, 8);    \
    c += d; b ^= c; b = rotl32(b, 7);

static void block_fn(const uint32_t in[16], uint32_t out[16]) {
    uint32_t x[16];
    memcpy(x, in, sizeof x);
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) out[i] = x[i] + in[i];
}

static void stream_xor(uint8_t *buf, size_t len, const uint32_t key[8], uint32_t nonce) {
    uint32_t st[16], ks[16];
    st[0] = 0x61707865u; st[1] = 0x3320646eu; st[2] = 0x79622d32u; st[3] = 0x6b206574u;
    for (int i = 0; i < 8; i++) st[4 + i] = key[i];
    st[12] = 0; st[13] = nonce; st[14] = 0x0badf00du; st[15] = 0x5eed1234u;
    for (size_t off = 0; off < len; off += 64) {
        block_fn(st, ks);
        st[12]++;
        size_t n = len - off < 64 ? len - off : 64;
        for (size_t i = 0; i < n; i++) buf[off + i] ^= (uint8_t)(ks[i >> 2] >> (8 * (i & 3)));
    }
}

/* ---- CRC-32 (reflected, poly 0xEDB88320) ---- */
static uint32_t crc_table[256];
static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}
static uint32_t crc32_buf(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* ---- bit counting over 32- and 64-bit words ---- */
static uint64_t bit_stats(const uint8_t *p, size_t n) {
    uint64_t acc = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w = load64le(p + i);
        uint32_t lo = (uint32_t)w, hi = (uint32_t)(w >> 32);
        acc += (uint64_t)__builtin_popcountll(w);
        acc += lo ? (uint64_t)__builtin_clz(lo) : 32;
        acc += hi ? (uint64_t)__builtin_ctz(hi) : 32;
        acc ^= rotl64(w, (int)(acc & 63) | 1) >> 40;
        acc += (uint64_t)(int64_t)(int32_t)(lo ^ hi) >> 60;
        acc += (uint64_t)((int64_t)w >> 61) & 7;
    }
    return acc;
}

int main(int argc, char **argv) {
    int kb = argc > 1 ? atoi(argv[1]) : 256;
    size_t len = (size_t)kb * 1024;
    uint8_t *buf = malloc(len), *orig = malloc(len);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < len; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(s >> 56);
    }
    memcpy(orig, buf, len);
    crc_init();
    uint32_t key[8];
    for (int i = 0; i < 8; i++) key[i] = 0x01020304u * (uint32_t)(i + 1) ^ 0xA5A5A5A5u;

    uint64_t h = 0;
    uint32_t crc = 0;
    for (int round = 0; round < 4; round++) {
        stream_xor(buf, len, key, (uint32_t)round);
        h ^= keyed_hash(buf, len, h + (uint64_t)round, ~h);
        crc ^= crc32_buf(buf, len);
        h += bit_stats(buf, len);
        key[round & 7] ^= (uint32_t)h;
    }
    /* short-message hashing: many calls on small slices */
    for (size_t off = 0; off + 37 <= len; off += 29) h += keyed_hash(buf + off, 37, off, h);
    /* decrypt again with the recorded keys is not possible after key mutation,
       so verify a separate round trip on the original data */
    uint8_t *copy = malloc(len);
    memcpy(copy, orig, len);
    stream_xor(copy, len, key, 77);
    stream_xor(copy, len, key, 77);
    int same = memcmp(copy, orig, len) == 0;
    printf("hash %016llx crc %08x roundtrip %s\n", (unsigned long long)h, crc, same ? "ok" : "BAD");
    printf("checksum: %llu\n", (unsigned long long)(h ^ ((uint64_t)crc << 17)) + (uint64_t)same);
    free(buf); free(orig); free(copy);
    return same ? 0 : 1;
}
