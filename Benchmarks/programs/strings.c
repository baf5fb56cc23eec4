/* strings.c - string processing on generated text: build a document from
 * PRNG-chosen syllables, tokenize it into words, count word frequencies,
 * search for patterns (naive strstr-style and Knuth-Morris-Pratt), replace a
 * word everywhere, reverse words in place and case-fold, hashing each stage.
 * Usage: strings [KB]   (text size in KiB, default 512)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t seed = 0xC0FFEEu;
static uint32_t lcg(void) { seed = seed * 1103515245u + 12345u; return seed >> 8; }

static const char *syll[] = { "ka", "lo", "mi", "ne", "tu", "ra", "shi", "po", "den", "qua",
                              "ve", "xo", "bri", "sta", "mon", "el" };

static uint32_t fnv(const char *s, size_t n, uint32_t h) {
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static size_t gen_text(char *buf, size_t cap) {
    size_t n = 0;
    int sentence = 0;
    while (n + 32 < cap) {
        int ns = 1 + (int)(lcg() % 3);
        size_t start = n;
        for (int i = 0; i < ns; i++) {
            const char *s = syll[lcg() % 16];
            size_t l = strlen(s);
            memcpy(buf + n, s, l);
            n += l;
        }
        if (sentence == 0) buf[start] = (char)(buf[start] - 'a' + 'A');
        sentence++;
        uint32_t r = lcg() % 16;
        if (r == 0 || sentence > 12) { buf[n++] = '.'; sentence = 0; }
        else if (r == 1) buf[n++] = ',';
        buf[n++] = (lcg() % 23 == 0) ? '\n' : ' ';
    }
    buf[n] = 0;
    return n;
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

typedef struct { const char *p; uint32_t len; uint32_t count; } Word;

static uint32_t count_words(const char *text, size_t n, Word *tab, uint32_t cap, uint32_t *ntokens) {
    uint32_t distinct = 0;
    size_t i = 0;
    *ntokens = 0;
    while (i < n) {
        while (i < n && !is_alpha(text[i])) i++;
        size_t s = i;
        while (i < n && is_alpha(text[i])) i++;
        if (i == s) break;
        uint32_t len = (uint32_t)(i - s);
        uint32_t h = 2166136261u;
        for (size_t k = s; k < i; k++) h = (h ^ (uint8_t)lower(text[k])) * 16777619u;
        uint32_t slot = h & (cap - 1);
        for (;;) {
            Word *w = &tab[slot];
            if (!w->p) { w->p = text + s; w->len = len; w->count = 1; distinct++; break; }
            if (w->len == len) {
                uint32_t k = 0;
                while (k < len && lower(w->p[k]) == lower(text[s + k])) k++;
                if (k == len) { w->count++; break; }
            }
            slot = (slot + 1) & (cap - 1);
        }
        (*ntokens)++;
    }
    return distinct;
}

static uint32_t naive_count(const char *t, size_t n, const char *pat) {
    size_t m = strlen(pat);
    uint32_t c = 0;
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        while (k < m && t[i + k] == pat[k]) k++;
        if (k == m) c++;
    }
    return c;
}

static uint32_t kmp_count(const char *t, size_t n, const char *pat) {
    size_t m = strlen(pat);
    int fail[64];
    fail[0] = -1;
    for (size_t i = 1; i < m; i++) {
        int k = fail[i - 1];
        while (k >= 0 && pat[k + 1] != pat[i]) k = fail[k];
        fail[i] = pat[k + 1] == pat[i] ? k + 1 : -1;
    }
    uint32_t c = 0;
    int q = -1;
    for (size_t i = 0; i < n; i++) {
        while (q >= 0 && pat[q + 1] != t[i]) q = fail[q];
        if (pat[q + 1] == t[i]) q++;
        if (q == (int)m - 1) { c++; q = fail[q]; }
    }
    return c;
}

static size_t replace_all(const char *t, size_t n, const char *from, const char *to, char *out) {
    size_t fl = strlen(from), tl = strlen(to), o = 0;
    size_t i = 0;
    while (i < n) {
        if (i + fl <= n && memcmp(t + i, from, fl) == 0 &&
            (i == 0 || !is_alpha(t[i - 1])) && (i + fl == n || !is_alpha(t[i + fl]))) {
            memcpy(out + o, to, tl);
            o += tl;
            i += fl;
        } else {
            out[o++] = t[i++];
        }
    }
    out[o] = 0;
    return o;
}

static void reverse_words(char *t, size_t n) {
    size_t i = 0;
    while (i < n) {
        while (i < n && !is_alpha(t[i])) i++;
        size_t s = i;
        while (i < n && is_alpha(t[i])) i++;
        for (size_t a = s, b = i; a + 1 < b; a++, b--) { char c = t[a]; t[a] = t[b - 1]; t[b - 1] = c; }
    }
}

int main(int argc, char **argv) {
    int kb = argc > 1 ? atoi(argv[1]) : 512;
    size_t cap = (size_t)kb * 1024;
    char *text = malloc(cap * 3 + 1);
    size_t n = gen_text(text, cap);
    uint32_t h = fnv(text, n, 2166136261u);

    uint32_t tcap = 1u << 16;
    Word *tab = calloc(tcap, sizeof(Word));
    uint32_t ntok;
    uint32_t distinct = count_words(text, n, tab, tcap, &ntok);
    uint32_t maxc = 0, wh = 0;
    for (uint32_t i = 0; i < tcap; i++)
        if (tab[i].p) {
            if (tab[i].count > maxc) maxc = tab[i].count;
            wh += tab[i].count * fnv(tab[i].p, tab[i].len, 7u);
        }

    static const char *pats[] = { "kalo", "shipo", "a st", "mon.", "quave", "ne, ", "elel" };
    uint32_t found = 0;
    for (int p = 0; p < 7; p++) {
        uint32_t a = naive_count(text, n, pats[p]);
        uint32_t b = kmp_count(text, n, pats[p]);
        if (a != b) { printf("pattern mismatch\n"); return 1; }
        found = found * 131u + a;
    }

    char *out = malloc(cap * 3 + 1);
    size_t on = replace_all(text, n, "kami", "KAMI-KAMI", out);
    size_t on2 = replace_all(out, on, "lo", "", text); /* text is big enough: on2 <= on */
    (void)on2;
    reverse_words(text, on2);
    for (size_t i = 0; i < on2; i++) text[i] = lower(text[i]);
    uint32_t h2 = fnv(text, on2, h);

    printf("bytes %u tokens %u distinct %u top %u found %u replaced-len %u\n",
           (unsigned)n, ntok, distinct, maxc, found, (unsigned)on);
    printf("checksum: %u\n", h2 ^ wh ^ found ^ (uint32_t)on ^ ntok);
    free(text); free(out); free(tab);
    return 0;
}
