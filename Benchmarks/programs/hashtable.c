/* hashtable.c - an open-addressing hash table (linear probing, tombstones,
 * growth by rehashing) mapping uint64 keys to uint32 values, driven by a
 * PRNG workload of inserts, lookups (hits and misses), updates and deletes;
 * plus a small string-keyed table with FNV-1a hashing.
 * Usage: hashtable [N]   (number of operations in thousands, default 400)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t *keys;
    uint32_t *vals;
    uint8_t *state; /* 0 empty, 1 full, 2 tombstone */
    uint32_t cap, count, used;
} Table;

static uint64_t mix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

static void t_init(Table *t, uint32_t cap) {
    t->cap = cap;
    t->count = t->used = 0;
    t->keys = calloc(cap, sizeof(uint64_t));
    t->vals = calloc(cap, sizeof(uint32_t));
    t->state = calloc(cap, 1);
}
static void t_free(Table *t) { free(t->keys); free(t->vals); free(t->state); }

static void t_put(Table *t, uint64_t key, uint32_t val);

static void t_grow(Table *t) {
    Table old = *t;
    uint32_t ncap = t->count * 4 > t->cap ? t->cap * 2 : t->cap; /* rehash in place when mostly tombstones */
    t_init(t, ncap);
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.state[i] == 1) t_put(t, old.keys[i], old.vals[i]);
    t_free(&old);
}

static void t_put(Table *t, uint64_t key, uint32_t val) {
    if ((t->used + 1) * 4 > t->cap * 3) t_grow(t);
    uint32_t mask = t->cap - 1;
    uint32_t i = (uint32_t)mix64(key) & mask;
    int32_t tomb = -1;
    for (;;) {
        uint8_t s = t->state[i];
        if (s == 0) {
            if (tomb >= 0) i = (uint32_t)tomb; else t->used++;
            t->state[i] = 1; t->keys[i] = key; t->vals[i] = val; t->count++;
            return;
        }
        if (s == 2) { if (tomb < 0) tomb = (int32_t)i; }
        else if (t->keys[i] == key) { t->vals[i] = val; return; }
        i = (i + 1) & mask;
    }
}

static int t_get(const Table *t, uint64_t key, uint32_t *out) {
    uint32_t mask = t->cap - 1;
    uint32_t i = (uint32_t)mix64(key) & mask;
    for (;;) {
        uint8_t s = t->state[i];
        if (s == 0) return 0;
        if (s == 1 && t->keys[i] == key) { *out = t->vals[i]; return 1; }
        i = (i + 1) & mask;
    }
}

static int t_del(Table *t, uint64_t key) {
    uint32_t mask = t->cap - 1;
    uint32_t i = (uint32_t)mix64(key) & mask;
    for (;;) {
        uint8_t s = t->state[i];
        if (s == 0) return 0;
        if (s == 1 && t->keys[i] == key) { t->state[i] = 2; t->count--; return 1; }
        i = (i + 1) & mask;
    }
}

/* ---- string table ---- */
typedef struct { char *key; uint32_t count; } SEntry;

static uint32_t fnv1a(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next64(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

int main(int argc, char **argv) {
    int kops = argc > 1 ? atoi(argv[1]) : 400;
    uint32_t ops = (uint32_t)kops * 1000u;
    Table t;
    t_init(&t, 16);
    uint64_t acc = 0;
    uint32_t hits = 0, misses = 0, dels = 0;
    uint32_t keyspace = ops / 2 + 1;
    for (uint32_t i = 0; i < ops; i++) {
        uint64_t r = next64();
        uint64_t key = (r >> 16) % keyspace * 0x9E3779B97F4A7C15ull;
        switch (r & 7) {
        case 0: case 1: case 2:
            t_put(&t, key, (uint32_t)i);
            break;
        case 3:
            if (t_del(&t, key)) dels++;
            break;
        default: {
            uint32_t v;
            if (t_get(&t, key, &v)) { hits++; acc += v ^ (acc >> 3); }
            else misses++;
        }
        }
    }
    /* full scan */
    uint64_t scan = 0;
    for (uint32_t i = 0; i < t.cap; i++)
        if (t.state[i] == 1) scan += mix64(t.keys[i] ^ t.vals[i]);

    /* string-keyed word counting */
    uint32_t scap = 1u << 12;
    SEntry *stab = calloc(scap, sizeof(SEntry));
    char word[16];
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < ops / 4; i++) {
        uint64_t r = next64();
        int len = 1 + (int)(r % 3);
        for (int k = 0; k < len; k++) word[k] = (char)('a' + (r >> (8 + 5 * k)) % 13);
        word[len] = 0;
        uint32_t h = fnv1a(word, (size_t)len) & (scap - 1);
        while (stab[h].key && strcmp(stab[h].key, word) != 0) h = (h + 1) & (scap - 1);
        if (!stab[h].key) {
            stab[h].key = malloc((size_t)len + 1);
            memcpy(stab[h].key, word, (size_t)len + 1);
            distinct++;
        }
        stab[h].count++;
    }
    uint64_t sacc = 0;
    for (uint32_t i = 0; i < scap; i++)
        if (stab[i].key) {
            sacc += (uint64_t)fnv1a(stab[i].key, strlen(stab[i].key)) * stab[i].count;
            free(stab[i].key);
        }
    free(stab);
    printf("count %u cap %u hits %u misses %u dels %u distinct %u\n", t.count, t.cap, hits, misses, dels, distinct);
    printf("checksum: %llu\n", (unsigned long long)(acc + scan * 3 + sacc + hits * 7u + t.count));
    t_free(&t);
    return 0;
}
