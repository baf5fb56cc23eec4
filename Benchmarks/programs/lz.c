/* lz.c - compression round trip: an LZ77 compressor with a hash-chain match
 * finder and a byte-oriented token format, its decompressor, and an LZW
 * coder/decoder with 12-bit codes; both run on generated, partly repetitive
 * data and must reproduce the input exactly.
 * Usage: lz [KB]   (input size in KiB, default 512)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rs = 0x1234567u;
static uint32_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 17; rs ^= rs << 5; return rs; }

static void gen_input(uint8_t *buf, size_t n) {
    static const char *words[] = { "wasm", "tier", "engine", "swift", "module", "memory",
                                   "table", "global", "export", "import", "func", "local" };
    size_t i = 0;
    while (i < n) {
        uint32_t r = rnd();
        if ((r & 7) == 0 && i > 64) { /* copy an earlier run */
            size_t dist = 1 + (r >> 3) % (i < 4000 ? i : 4000);
            size_t len = 4 + (r >> 16) % 40;
            for (size_t k = 0; k < len && i < n; k++, i++) buf[i] = buf[i - dist];
        } else if ((r & 7) == 1) { /* noise */
            for (int k = 0; k < 6 && i < n; k++, i++) buf[i] = (uint8_t)(rnd() >> 24);
        } else {
            const char *w = words[(r >> 4) % 12];
            for (; *w && i < n; w++, i++) buf[i] = (uint8_t)*w;
            if (i < n) buf[i++] = (r & 0x100) ? ' ' : '_';
        }
    }
}

/* ---- LZ77 ----
 * token: control byte c.
 *   c < 0x80: literal run of c+1 bytes follows
 *   c >= 0x80: match, length = (c & 0x7f) + 4, then 2 bytes little-endian distance (1..65535)
 */
#define HBITS 15
#define WINDOW 65535
#define MAXLEN (0x7f + 4)
#define MAXCHAIN 32

static uint32_t hash4(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (v * 2654435761u) >> (32 - HBITS);
}

static size_t lz_compress(const uint8_t *in, size_t n, uint8_t *out) {
    int32_t *head = malloc(sizeof(int32_t) << HBITS);
    int32_t *prev = malloc(sizeof(int32_t) * n);
    for (size_t i = 0; i < (1u << HBITS); i++) head[i] = -1;
    size_t o = 0, lit_start = 0, i = 0;
#define FLUSH_LITS(upto)                                            \
    while (lit_start < (upto)) {                                    \
        size_t run = (upto) - lit_start;                            \
        if (run > 128) run = 128;                                   \
        out[o++] = (uint8_t)(run - 1);                              \
        memcpy(out + o, in + lit_start, run);                       \
        o += run;                                                   \
        lit_start += run;                                           \
    }
    while (i + 4 <= n) {
        uint32_t h = hash4(in + i);
        int32_t cand = head[h];
        size_t best_len = 0, best_dist = 0;
        int chain = 0;
        while (cand >= 0 && i - (size_t)cand <= WINDOW && chain++ < MAXCHAIN) {
            size_t l = 0, maxl = n - i < MAXLEN ? n - i : MAXLEN;
            while (l < maxl && in[cand + l] == in[i + l]) l++;
            if (l > best_len) { best_len = l; best_dist = i - (size_t)cand; if (l == maxl) break; }
            cand = prev[cand];
        }
        prev[i] = head[h];
        head[h] = (int32_t)i;
        if (best_len >= 4) {
            FLUSH_LITS(i);
            out[o++] = (uint8_t)(0x80 | (best_len - 4));
            out[o++] = (uint8_t)best_dist;
            out[o++] = (uint8_t)(best_dist >> 8);
            for (size_t k = 1; k < best_len && i + k + 4 <= n; k++) {
                uint32_t h2 = hash4(in + i + k);
                prev[i + k] = head[h2];
                head[h2] = (int32_t)(i + k);
            }
            i += best_len;
            lit_start = i;
        } else {
            i++;
        }
    }
    FLUSH_LITS(n);
#undef FLUSH_LITS
    free(head);
    free(prev);
    return o;
}

static size_t lz_decompress(const uint8_t *in, size_t n, uint8_t *out) {
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t c = in[i++];
        if (c < 0x80) {
            size_t run = (size_t)c + 1;
            memcpy(out + o, in + i, run);
            i += run;
            o += run;
        } else {
            size_t len = (size_t)(c & 0x7f) + 4;
            size_t dist = (size_t)in[i] | (size_t)in[i + 1] << 8;
            i += 2;
            for (size_t k = 0; k < len; k++, o++) out[o] = out[o - dist];
        }
    }
    return o;
}

/* ---- LZW with 12-bit codes, dictionary reset when full ---- */
#define LZW_MAX 4096
typedef struct { int16_t child[256]; } LzwNode; /* trie for compression */

static size_t lzw_compress(const uint8_t *in, size_t n, uint16_t *codes) {
    LzwNode *trie = malloc(sizeof(LzwNode) * LZW_MAX);
    int next = 256;
    memset(trie, 0xff, sizeof(LzwNode) * LZW_MAX);
    size_t nc = 0;
    if (n == 0) { free(trie); return 0; }
    int cur = in[0];
    for (size_t i = 1; i < n; i++) {
        uint8_t c = in[i];
        int nx = trie[cur].child[c];
        if (nx >= 0) { cur = nx; continue; }
        codes[nc++] = (uint16_t)cur;
        if (next < LZW_MAX) {
            trie[cur].child[c] = (int16_t)next++;
        } else {
            memset(trie, 0xff, sizeof(LzwNode) * LZW_MAX);
            next = 256;
        }
        cur = c;
    }
    codes[nc++] = (uint16_t)cur;
    free(trie);
    return nc;
}

static size_t lzw_decompress(const uint16_t *codes, size_t nc, uint8_t *out) {
    int32_t *prefix = malloc(sizeof(int32_t) * LZW_MAX);
    uint8_t *suffix = malloc(LZW_MAX), *first = malloc(LZW_MAX);
    uint8_t stack[LZW_MAX];
    for (int i = 0; i < 256; i++) { prefix[i] = -1; suffix[i] = (uint8_t)i; first[i] = (uint8_t)i; }
    int next = 256;
    size_t o = 0;
    int prev = -1;
    for (size_t k = 0; k < nc; k++) {
        int code = codes[k];
        int sp = 0;
        int c = code;
        uint8_t fc;
        if (prev >= 0 && code == next) { /* KwKwK case */
            c = prev;
            stack[sp++] = first[prev];
        }
        fc = first[c];
        while (c >= 0) { stack[sp++] = suffix[c]; c = prefix[c]; }
        while (sp > 0) out[o++] = stack[--sp];
        if (prev >= 0) {
            if (next < LZW_MAX) {
                prefix[next] = prev;
                suffix[next] = fc;
                first[next] = first[prev];
                next++;
            } else {
                next = 256; /* mirror the compressor's reset */
            }
        }
        prev = code;
    }
    free(prefix); free(suffix); free(first);
    return o;
}

static uint32_t adler(const uint8_t *p, size_t n) {
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) { a = (a + p[i]) % 65521u; b = (b + a) % 65521u; }
    return b << 16 | a;
}

int main(int argc, char **argv) {
    int kb = argc > 1 ? atoi(argv[1]) : 512;
    size_t n = (size_t)kb * 1024;
    uint8_t *in = malloc(n), *comp = malloc(n + n / 64 + 16), *back = malloc(n + 16);
    uint16_t *codes = malloc(sizeof(uint16_t) * (n + 1));
    gen_input(in, n);

    size_t cn = lz_compress(in, n, comp);
    size_t dn = lz_decompress(comp, cn, back);
    int ok1 = dn == n && memcmp(in, back, n) == 0;
    uint32_t ca = adler(comp, cn);

    size_t nc = lzw_compress(in, n, codes);
    memset(back, 0, n);
    size_t wn = lzw_decompress(codes, nc, back);
    int ok2 = wn == n && memcmp(in, back, n) == 0;
    uint32_t wa = 0;
    for (size_t i = 0; i < nc; i++) wa = wa * 33u + codes[i];

    printf("input %u lz77 %u (%s) lzw codes %u (%s)\n", (unsigned)n, (unsigned)cn,
           ok1 ? "ok" : "BAD", (unsigned)nc, ok2 ? "ok" : "BAD");
    printf("checksum: %u/%u/%u/%u\n", (unsigned)cn, ca, (unsigned)nc, wa ^ adler(in, n));
    free(in); free(comp); free(back); free(codes);
    return ok1 && ok2 ? 0 : 1;
}
